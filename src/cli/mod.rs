//! The command-line front-end: argument parsing and one module per subcommand.
//! Every command talks to the library (data, engine); nothing here computes.

pub mod download;
pub mod eval;
pub mod info;
pub mod profile;
pub mod rate;
pub mod recommend;
pub mod search;
pub mod serve;
pub mod similar;
pub mod sync;
pub mod train;

use crate::data::{CacheMode, Dataset, LoadOptions};
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// reel: a terminal movie recommender over MovieLens.
///
/// Run without a command to open the terminal app.
#[derive(Parser, Debug)]
#[command(name = "reel", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub data: DataArgs,
    /// Profile to use (saved in the platform data directory): for the terminal app and
    /// every command, before or after the command's name.
    #[arg(long, global = true, default_value = crate::profile::DEFAULT_NAME, value_name = "NAME")]
    pub profile: String,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data comes from and how to read it (shared by every command).
#[derive(Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// MovieLens folder (else $REEL_DATA, else the default data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Skip and count malformed rows instead of stopping at the first.
    #[arg(long, global = true)]
    pub lenient: bool,
    /// Parse the source files even when a fresh binary cache exists (and do not write one).
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// The recommendation lists, comma-separated registry models in display order
    /// (default: `lists` in the config file, else ease,svd-ease). E.g. item-knn,svd.
    #[arg(
        long,
        global = true,
        env = "REEL_LISTS",
        value_delimiter = ',',
        value_name = "A,B"
    )]
    pub lists: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load a MovieLens folder and describe it.
    Info(info::InfoArgs),
    /// Download an official GroupLens MovieLens release.
    Download(download::DownloadArgs),
    /// Evaluate models: rating prediction (RMSE, MAE) or top-N ranking.
    Eval(eval::EvalArgs),
    /// Recommendations for a saved profile or a dataset user: item-based and SVD lists.
    Recommend(recommend::RecommendArgs),
    /// Movies most similar to one movie (item-kNN neighbours).
    Similar(similar::SimilarArgs),
    /// Search titles as the terminal app does: typos, any word order, genre and year words.
    Search(search::SearchArgs),
    /// Rate a movie (0.5-5 stars) in a saved profile, or clear its rating.
    Rate(rate::RateArgs),
    /// Show, export or import a profile (Letterboxd, IMDb, MovieLens.org exports too).
    Profile(profile::ProfileArgs),
    /// Train the recommendation models and save them, so later starts load in seconds.
    Train(train::TrainArgs),
    /// Serve the HTTP API and the web page (accounts in SQLite or PostgreSQL).
    Serve(serve::ServeArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reel: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Info(args)) => info::run(&cli.data, &args),
        Some(Command::Download(args)) => download::run(&args),
        Some(Command::Eval(args)) => eval::run(&cli.data, &args),
        Some(Command::Recommend(args)) => recommend::run(&cli.data, &cli.profile, &args),
        Some(Command::Similar(args)) => similar::run(&cli.data, &args),
        Some(Command::Rate(args)) => rate::run(&cli.data, &cli.profile, &args),
        Some(Command::Profile(args)) => profile::run(&cli.data, &cli.profile, &args),
        Some(Command::Train(args)) => train::run(&cli.data, &args),
        Some(Command::Search(args)) => search::run(&cli.data, &args),
        Some(Command::Serve(args)) => serve::run(&cli.data, &args),
        None => run_app(&cli),
    }
}

/// `reel` with no command: the terminal app. When nothing names a data folder and the
/// default one is empty, offers to download ml-latest-small first (on a terminal).
fn run_app(cli: &Cli) -> Result<()> {
    use std::io::IsTerminal;
    let named = crate::paths::dataset_dir_named(cli.data.data.as_ref());
    let dir = crate::paths::dataset_dir(cli.data.data.clone())
        .context("this platform has no standard data directory; pass --data DIR")?;
    if !named && !dir.is_dir() && std::io::stdin().is_terminal() {
        eprint!(
            "No MovieLens data yet. Download {} (about 1 MB, from GroupLens) into {}? [Y/n] ",
            crate::paths::DEFAULT_DATASET,
            dir.display()
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("cannot read the answer")?;
        if matches!(answer.trim(), "" | "y" | "Y" | "yes") {
            download::run(&download::DownloadArgs {
                name: crate::paths::DEFAULT_DATASET.to_string(),
                base_url: crate::data::download::DEFAULT_BASE_URL.to_string(),
                dir: None,
                force: false,
                list: false,
            })?;
        }
    }
    crate::tui::run(
        dir,
        cli.data.load_options(),
        &cli.profile,
        cli.data.configured_lists(),
    )
}

impl DataArgs {
    /// The dataset folder: `--data`, else `$REEL_DATA`, else the default data directory.
    pub fn resolve_dir(&self) -> Result<PathBuf> {
        let dir = crate::paths::dataset_dir(self.data.clone())
            .context("this platform has no standard data directory; pass --data DIR")?;
        if !crate::paths::dataset_dir_named(self.data.as_ref()) && !dir.is_dir() {
            bail!(
                "no MovieLens data found.\n  Get it with:   reel download            (ml-latest-small, ~1 MB, into {})\n  or point to a folder:  reel --data DIR …   or   REEL_DATA=DIR reel …",
                dir.display()
            );
        }
        Ok(dir)
    }

    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            lenient: self.lenient,
            cache: if self.no_cache {
                CacheMode::Off
            } else {
                CacheMode::Platform
            },
        }
    }

    /// What the engine opens: the resolved folder, load options and the lists
    /// (`--lists`, else the config file's `lists`, else the defaults).
    pub fn open_options(&self) -> Result<crate::engine::OpenOptions> {
        let mut opts = crate::engine::OpenOptions::new(self.resolve_dir()?, self.load_options());
        opts.lists = self.configured_lists();
        Ok(opts)
    }

    /// `--lists` when given, else `lists` from the config file, else `None` (defaults).
    pub fn configured_lists(&self) -> Option<Vec<String>> {
        let given: Vec<String> = self
            .lists
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if !given.is_empty() {
            return Some(given);
        }
        crate::tui::config::load().0.lists
    }

    /// Resolves and loads the dataset.
    pub fn load(&self) -> Result<Dataset> {
        crate::engine::load_dataset(&self.open_options()?)
    }
}

/// Shows the engine's opening stages (training on a first run) on a terminal's stderr,
/// rewriting one line; says nothing when stderr is not a terminal.
pub fn stage_printer() -> impl FnMut(crate::engine::Stage) {
    use std::io::{IsTerminal, Write};
    let tty = std::io::stderr().is_terminal();
    let mut shown = false;
    move |s: crate::engine::Stage| {
        if !tty {
            return;
        }
        let pct = s
            .overall
            .map(|f| format!("{:>3.0}% ", f * 100.0))
            .unwrap_or_default();
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K{pct}{}", s.message);
        if s.overall.is_some_and(|f| f >= 1.0) && shown {
            let _ = write!(err, "\r\x1b[2K");
        }
        shown = true;
        let _ = err.flush();
    }
}

/// Writes command output to stdout; a closed pipe (`reel info | head`) is not an error.
pub fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// Formats 1234567 as "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A Unix timestamp as a UTC calendar date, "YYYY-MM-DD".
pub fn iso_date(timestamp: i64) -> String {
    // Days to civil date (H. Hinnant's algorithm, proleptic Gregorian calendar).
    let z = timestamp.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_and_dates() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(100_836), "100,836");
        assert_eq!(thousands(25_000_095), "25,000,095");
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(964_982_703), "2000-07-30");
        assert_eq!(iso_date(1_537_799_250), "2018-09-24");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
    }
}
