//! `reel serve`: the HTTP front-end (a third one beside the TUI and the CLI).
//!
//! One process holds one shared, immutable model set ([`engine_port::Models`]); every
//! request folds its own ratings in, so requests never wait for each other. Accounts and
//! their lists live in SQL ([`store`]). The port opens at once: `/health` answers 503
//! with progress while the models load on a background thread, 200 when ready. Loading
//! is staged as in the TUI: search, movie pages and account writes work as soon as the
//! catalogue is read; recommendations and similar movies wait for the lists' models.

pub mod api;
pub mod auth;
pub mod engine_port;
pub mod error;
pub mod openapi;
pub mod rate_limit;
pub mod store;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::data::LoadOptions;
use crate::engine::OpenOptions;
use engine_port::{LoadStage, Models};
use error::ApiError;
use store::Store;

/// Longest accepted request target (path and query), in bytes.
pub const MAX_URI: usize = 4096;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The MovieLens folder, lists and model snapshots.
    pub open: OpenOptions,
    /// `sqlite:PATH` or `postgres://…`.
    pub db_url: String,
    /// Whether `POST /v1/users` creates accounts.
    pub signup: bool,
    /// Longest time one request may take.
    pub request_timeout: Duration,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Requests per second per client IP (None: no limit).
    pub rate_limit: Option<u32>,
    /// Called on the loading thread once the catalogue is served, before the lists'
    /// models load (a seam for tests that hold the model stage).
    pub before_models: Option<Hook>,
}

/// A callback run on the loading thread.
#[derive(Clone)]
pub struct Hook(pub Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook")
    }
}

impl ServeConfig {
    /// Default lists; models from their saved snapshots when fresh (else trained).
    pub fn new(data_dir: PathBuf, db_url: String) -> Self {
        ServeConfig {
            open: OpenOptions::new(data_dir, LoadOptions::default()),
            db_url,
            signup: true,
            request_timeout: Duration::from_secs(30),
            body_limit: 256 * 1024,
            rate_limit: None,
            before_models: None,
        }
    }
}

/// Where model loading stands.
#[derive(Debug, Clone)]
pub enum LoadState {
    Loading {
        stage: String,
        /// Overall fraction done (0-1), when known.
        progress: Option<f32>,
        since: Instant,
    },
    Ready {
        seconds: f64,
    },
    Failed(String),
}

/// What every handler shares.
pub struct AppState {
    /// Set once, when the dataset is read: the catalogue without lists (search, movie
    /// pages, star checks).
    pub catalogue: OnceLock<Arc<Models>>,
    /// Set once, when loading has finished: the catalogue and every list's model.
    pub models: OnceLock<Arc<Models>>,
    load: Mutex<LoadState>,
    pub store: Store,
    pub signup: bool,
}

impl AppState {
    pub fn load_state(&self) -> LoadState {
        match self.load.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_load_state(&self, state: LoadState) {
        match self.load.lock() {
            Ok(mut s) => *s = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }
}

/// The routes and middleware.
pub fn router(state: Arc<AppState>, config: &ServeConfig) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/app.js", get(web::script))
        .route("/style.css", get(web::style))
        .route("/health", get(api::health))
        .route("/openapi.json", get(openapi::document))
        .route("/v1/movies/search", get(api::search))
        .route("/v1/movies/{movie_id}", get(api::movie))
        .route("/v1/movies/{movie_id}/similar", get(api::similar))
        .route("/v1/recommendations", post(api::recommend))
        .route("/v1/users", post(api::create_user))
        .route("/v1/users/{name}/ratings", get(api::list_ratings))
        .route(
            "/v1/users/{name}/ratings/{movie_id}",
            put(api::put_rating).delete(api::delete_rating),
        )
        .route("/v1/users/{name}/watchlist", get(api::get_watchlist))
        .route(
            "/v1/users/{name}/watchlist/{movie_id}",
            put(api::put_watchlist).delete(api::delete_watchlist),
        )
        .route(
            "/v1/users/{name}/not-interested",
            get(api::get_not_interested),
        )
        .route(
            "/v1/users/{name}/not-interested/{movie_id}",
            put(api::put_not_interested).delete(api::delete_not_interested),
        )
        .route(
            "/v1/users/{name}/recommendations",
            get(api::user_recommendations),
        )
        .route("/v1/users/{name}/profile", get(api::get_profile))
        .route_layer(RequestBodyLimitLayer::new(config.body_limit))
        // A whole profile is bigger than any other body: its own limit (added after
        // the route_layer above, so that one does not apply).
        .route(
            "/v1/users/{name}/import",
            post(api::import_profile).layer((
                RequestBodyLimitLayer::new(api::IMPORT_BODY_LIMIT),
                DefaultBodyLimit::max(api::IMPORT_BODY_LIMIT),
            )),
        )
        .fallback(api::not_found)
        .with_state(state)
        // Each layer wraps the ones before it, so the last is outermost: tracing sees
        // everything; error answers are made JSON before compression; a panic in a
        // handler becomes a 500 answer, not a dropped connection.
        .layer(middleware::from_fn(limit_uri))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::map_response(error::json_errors))
        // Fastest deflate: at the default level, compressing the ~4 KB recommendation
        // answers took 6% of the server's CPU under load (perf, serve_load bench).
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(middleware::from_fn_with_state(
            config.rate_limit.map(rate_limit::RateLimiter::new),
            maybe_rate_limit,
        ))
        // Failed requests are logged where they fail (internal errors at ERROR); a 503
        // from /health while loading is not worth an error line per poll.
        .layer(
            TraceLayer::new_for_http()
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
}

async fn maybe_rate_limit(
    State(limiter): State<Option<rate_limit::RateLimiter>>,
    peer: ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limiter {
        Some(l) => rate_limit::limit(State(l), peer, request, next).await,
        None => next.run(request).await,
    }
}

async fn limit_uri(request: Request, next: Next) -> Response {
    let len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if len > MAX_URI {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target may have at most {MAX_URI} bytes"),
        )
        .into_response();
    }
    next.run(request).await
}

/// Opens the store, starts loading the models on a background thread and serves on
/// `listener` until `shutdown` resolves (then finishes in-flight requests and closes
/// the database). Fails when the models cannot be loaded.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = Store::open(&config.db_url).await?;
    let state = Arc::new(AppState {
        catalogue: OnceLock::new(),
        models: OnceLock::new(),
        load: Mutex::new(LoadState::Loading {
            stage: "starting".into(),
            progress: Some(0.0),
            since: Instant::now(),
        }),
        store: store.clone(),
        signup: config.signup,
    });
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<String>();
    spawn_loader(Arc::clone(&state), &config, failed_tx)?;
    let app = router(Arc::clone(&state), &config);
    let load_failure = Arc::new(Mutex::new(None::<String>));
    let failure_slot = Arc::clone(&load_failure);
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            Ok(why) = failed_rx => {
                if let Ok(mut slot) = failure_slot.lock() {
                    *slot = Some(why);
                }
            }
        }
        tracing::info!("shutting down: finishing requests in flight");
    };
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
    .context("the HTTP server failed");
    store.close().await;
    served?;
    let failure = load_failure.lock().ok().and_then(|mut s| s.take());
    match failure {
        Some(why) => Err(anyhow::anyhow!(why)),
        None => Ok(()),
    }
}

fn spawn_loader(
    state: Arc<AppState>,
    config: &ServeConfig,
    failed: tokio::sync::oneshot::Sender<String>,
) -> anyhow::Result<()> {
    let open = config.open.clone();
    let before_models = config.before_models.clone();
    std::thread::Builder::new()
        .name("reel-load".into())
        .spawn(move || {
            let since = Instant::now();
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                Models::open_staged(
                    &open,
                    &mut |s: LoadStage| {
                        state.set_load_state(LoadState::Loading {
                            stage: s.stage,
                            progress: s.progress,
                            since,
                        })
                    },
                    &mut |catalogue| {
                        let _ = state.catalogue.set(Arc::new(catalogue));
                        tracing::info!(
                            "catalogue ready after {:.1} s; loading the lists' models",
                            since.elapsed().as_secs_f64()
                        );
                        if let Some(hook) = &before_models {
                            (hook.0)();
                        }
                    },
                )
            }));
            let outcome = match run {
                Ok(Ok(models)) => Ok(models),
                Ok(Err(e)) => Err(format!("{e:#}")),
                Err(_) => Err("loading the models panicked".to_string()),
            };
            match outcome {
                Ok(models) => {
                    let seconds = since.elapsed().as_secs_f64();
                    let _ = state.models.set(Arc::new(models));
                    state.set_load_state(LoadState::Ready { seconds });
                    tracing::info!("models ready after {seconds:.1} s");
                }
                Err(why) => {
                    tracing::error!("{why}");
                    state.set_load_state(LoadState::Failed(why.clone()));
                    let _ = failed.send(why);
                }
            }
        })
        .context("cannot start the model-loading thread")?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The tokio runtime the server runs on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("reel-http")
        .build()
        .context("cannot start the async runtime")
}

/// A server running on its own thread (for tests, benchmarks and embedding).
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl RunningServer {
    /// Binds `addr` (port 0 picks a free port) and serves on a background thread.
    pub fn start(addr: SocketAddr, config: ServeConfig) -> anyhow::Result<RunningServer> {
        let rt = runtime()?;
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(addr))
            .with_context(|| format!("cannot listen on {addr}"))?;
        let addr = listener.local_addr().context("no local address")?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("reel-serve".into())
            .spawn(move || {
                rt.block_on(serve(listener, config, async {
                    let _ = stop_rx.await;
                }))
            })
            .context("cannot start the server thread")?;
        Ok(RunningServer {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Shuts down gracefully and waits for the server thread.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| anyhow::anyhow!("the server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}
