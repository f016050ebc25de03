//! `reel serve`: the HTTP server (API, web page, OpenAPI document); or, with
//! `--add-user NAME`, create an account in its database and print the token.

use std::io::Write as _;
use std::net::SocketAddr;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::DataArgs;
use crate::server::{self, store::Store, ServeConfig};

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Database: sqlite:PATH or postgres://USER:PASSWORD@HOST/DB
    /// [default: sqlite:<data dir>/server.sqlite]
    #[arg(long, env = "REEL_DB", value_name = "URL")]
    pub db: Option<String>,
    /// Do not let anyone create accounts over HTTP (make them with --add-user).
    #[arg(long)]
    pub no_signup: bool,
    /// Create an account, print its token and exit (the server does not start).
    #[arg(long, value_name = "NAME")]
    pub add_user: Option<String>,
    /// Limit each client IP to this many requests per second (bursts of as many);
    /// off by default.
    #[arg(long, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// Longest time one request may take, in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

pub fn run(data: &DataArgs, args: &ServeArgs) -> Result<()> {
    let db_url = match &args.db {
        Some(url) => url.clone(),
        None => server::store::default_url()
            .context("this platform has no standard data directory; pass --db sqlite:PATH")?,
    };
    let rt = server::runtime()?;
    if let Some(name) = &args.add_user {
        return rt.block_on(add_user(&db_url, name));
    }
    let open = data.open_options()?;
    init_logging();
    let mut config = ServeConfig::new(open.data_dir.clone(), db_url);
    config.open = open;
    config.signup = !args.no_signup;
    config.rate_limit = args.rate_limit;
    config.request_timeout = std::time::Duration::from_secs(args.timeout.max(1));
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr().context("no local address")?;
        tracing::info!(
            "database {}; models loading from {}",
            server::store::redact(&config.db_url),
            config.open.data_dir.display()
        );
        // Scripts and tests read this line to find the port.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "reel: listening on http://{addr}");
        let _ = out.flush();
        drop(out);
        server::serve(listener, config, server::shutdown_signal()).await
    })?;
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    Ok(())
}

async fn add_user(db_url: &str, name: &str) -> Result<()> {
    if let Err(e) = server::auth::validate_name(name) {
        bail!("{}", e.message);
    }
    let store = Store::open(db_url).await?;
    let token = server::auth::new_token()?;
    let created = store
        .create_user(name, &server::auth::hash_token(&token))
        .await;
    store.close().await;
    if !created? {
        bail!(
            "the name {name:?} is taken in {}",
            server::store::redact(db_url)
        );
    }
    super::emit(&format!("{token}\n"))?;
    eprintln!("reel: created {name:?}; the token above is shown only once");
    Ok(())
}

fn init_logging() {
    let level = match std::env::var("REEL_LOG").as_deref() {
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        Ok("warn") => tracing::Level::WARN,
        Ok("error") => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init();
}
