//! `reel profile show|export|import|push|pull`: look at a profile, write it out (reel,
//! Letterboxd or CSV), bring a history in from Letterboxd, IMDb, MovieLens.org or reel
//! itself, and sync it with a `reel serve` account ([`super::sync`]).

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::DataArgs;
use crate::import::matcher::TitleMatcher;
use crate::import::{self, Format, Mode};
use crate::profile::{ProfileStore, UserProfile};

#[derive(Args, Debug, Clone)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub action: ProfileAction,
}

/// `--format` of `reel profile import`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// Told from the file's first line (or a zip's contents).
    Auto,
    /// reel's profile TOML, the JSON of `profile show --json`, or reel's CSV.
    Reel,
    /// Letterboxd ratings.csv, watchlist.csv, diary.csv or the whole export .zip.
    Letterboxd,
    /// IMDb ratings.csv (or a list / watchlist export).
    Imdb,
    /// MovieLens.org movielens-ratings.csv (or movielens-wishlist.csv).
    Movielens,
}

/// `--format` of `reel profile export`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// reel's profile TOML (import it back with `reel profile import`).
    Reel,
    /// Letterboxd's import CSV (imdbID, tmdbID, Title, Year, Rating10).
    Letterboxd,
    /// Every list as CSV: list,movieId,imdbId,tmdbId,title,year,stars,time.
    Csv,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ProfileAction {
    /// Ratings (with titles), watchlist, not-interested list and the file's path.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write the profile to FILE, or to standard output ("-" or nothing).
    Export {
        /// Destination file; "-" or nothing for standard output.
        file: Option<PathBuf>,
        /// reel (TOML), letterboxd (for letterboxd.com/import) or csv.
        #[arg(long, value_enum, default_value = "reel")]
        format: ExportFormat,
        /// Letterboxd: add WatchedDate (the day you rated), so Letterboxd logs diary entries.
        #[arg(long)]
        watched_dates: bool,
    },
    /// Import ratings and a watchlist: a Letterboxd export (.zip or ratings.csv /
    /// watchlist.csv), IMDb ratings.csv, MovieLens.org movielens-ratings.csv, or a reel
    /// profile ("-" reads standard input). All or nothing, saved in one atomic write.
    Import {
        /// The file to read.
        file: PathBuf,
        /// The file's format; auto tells it from the first line.
        #[arg(long, value_enum, default_value = "auto")]
        format: ImportFormat,
        /// Add to a profile that already has entries; where both rate a movie, the
        /// newer rating wins.
        #[arg(long, conflicts_with = "replace")]
        merge: bool,
        /// Replace the profile's ratings and watchlist with the import.
        #[arg(long, alias = "force")]
        replace: bool,
        /// Show what would be imported; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Upload the profile to a `reel serve` account (merged there unless --replace).
    Push(super::sync::SyncArgs),
    /// Download a `reel serve` account's ratings and lists into the profile (merged
    /// unless --replace), saved in one atomic write.
    Pull(super::sync::SyncArgs),
}

fn is_stdio(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Reads a profile for a read-only command: bad entries are reported on standard error
/// and left out; an unreadable file or a missing named profile is an error; nothing is
/// ever written.
fn read(store: &ProfileStore) -> Result<UserProfile> {
    let loaded = store.read()?;
    for w in &loaded.warnings {
        eprintln!("reel: {w}");
    }
    Ok(loaded.profile)
}

pub fn run(data: &DataArgs, profile: &str, args: &ProfileArgs) -> Result<()> {
    match &args.action {
        ProfileAction::Show { json } => show(profile, *json),
        ProfileAction::Export {
            file,
            format,
            watched_dates,
        } => export(data, profile, file.as_deref(), *format, *watched_dates),
        ProfileAction::Import {
            file,
            format,
            merge,
            replace,
            dry_run,
            json,
        } => {
            let mode = match (merge, replace) {
                (true, _) => Mode::Merge,
                (_, true) => Mode::Replace,
                _ => Mode::New,
            };
            import_file(data, profile, file, *format, mode, *dry_run, *json)
        }
        ProfileAction::Push(sync) => super::sync::push(profile, sync),
        ProfileAction::Pull(sync) => super::sync::pull(profile, sync),
    }
}

fn show(name: &str, json: bool) -> Result<()> {
    let store = ProfileStore::default_for(name)?;
    let p = read(&store)?;
    let path = store.path();
    if json {
        let ratings: Vec<serde_json::Value> = p
            .ratings
            .iter()
            .map(|(id, e)| {
                serde_json::json!({"movieId": id, "title": e.title, "stars": e.stars, "time": e.time})
            })
            .collect();
        let marks = |m: &std::collections::BTreeMap<u32, crate::profile::Mark>| {
            m.iter()
                .map(|(id, e)| serde_json::json!({"movieId": id, "title": e.title, "time": e.time}))
                .collect::<Vec<_>>()
        };
        let v = serde_json::json!({
            "profile": p.name,
            "path": path.display().to_string(),
            "exists": path.is_file(),
            "ratings": ratings,
            "watchlist": marks(&p.watchlist),
            "not_interested": marks(&p.not_interested),
        });
        return super::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut out = format!("Profile {}  ({})\n", p.name, path.display());
    let _ = writeln!(out, "\nRatings ({}):", p.ratings.len());
    let mut by_time: Vec<_> = p.ratings.iter().collect();
    by_time.sort_by(|a, b| b.1.time.cmp(&a.1.time).then(a.0.cmp(b.0)));
    for (id, e) in by_time {
        let _ = writeln!(
            out,
            "  {:>3.1}★  {}  (movieId {id}, {})",
            e.stars,
            e.title,
            super::iso_date(e.time)
        );
    }
    for (label, marks) in [
        ("Watchlist", &p.watchlist),
        ("Not interested", &p.not_interested),
    ] {
        let _ = writeln!(out, "\n{label} ({}):", marks.len());
        for (id, m) in marks {
            let _ = writeln!(out, "  {}  (movieId {id})", m.title);
        }
    }
    super::emit(&out)
}

fn export(
    data: &DataArgs,
    name: &str,
    file: Option<&Path>,
    format: ExportFormat,
    watched_dates: bool,
) -> Result<()> {
    let store = ProfileStore::default_for(name)?;
    let profile = read(&store)?;
    let text = match format {
        ExportFormat::Reel => profile.to_toml()?,
        ExportFormat::Letterboxd | ExportFormat::Csv => {
            // Titles, years and IMDb/TMDB ids come from the dataset.
            let catalogue = crate::engine::open_catalogue(&data.open_options()?, &mut |_| {})?;
            let ds = catalogue.dataset();
            if format == ExportFormat::Letterboxd {
                import::export::letterboxd_csv(&profile, Some(&ds.catalogue), watched_dates)
            } else {
                import::export::reel_csv(&profile, Some(&ds.catalogue))
            }
        }
    };
    match file {
        Some(f) if !is_stdio(f) => {
            write_atomically(f, text.as_bytes())?;
            eprintln!("reel: profile {name} written to {}", f.display());
            Ok(())
        }
        _ => super::emit(&text),
    }
}

/// Writes a file through a temporary file in the same folder and a rename, so an
/// interrupted export never leaves half a file under the real name.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile_in(&dir)?;
    tmp.1
        .write_all(bytes)
        .and_then(|()| tmp.1.sync_all())
        .with_context(|| format!("cannot write {}", tmp.0.display()))?;
    std::fs::rename(&tmp.0, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp.0);
        format!("cannot write {}", path.display())
    })
}

fn tempfile_in(dir: &Path) -> Result<(PathBuf, std::fs::File)> {
    let p = dir.join(format!(".reel-export-{}.tmp", std::process::id()));
    let f =
        std::fs::File::create(&p).with_context(|| format!("cannot write in {}", dir.display()))?;
    Ok((p, f))
}

fn import_file(
    data: &DataArgs,
    name: &str,
    file: &Path,
    format: ImportFormat,
    mode: Mode,
    dry_run: bool,
    json: bool,
) -> Result<()> {
    let (label, bytes) = if is_stdio(file) {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
            .context("cannot read standard input")?;
        ("standard input".to_string(), b)
    } else {
        let b = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        (file.display().to_string(), b)
    };
    let format = match format {
        ImportFormat::Auto => Format::Auto,
        ImportFormat::Reel => Format::Reel,
        ImportFormat::Letterboxd => Format::Letterboxd,
        ImportFormat::Imdb => Format::Imdb,
        ImportFormat::Movielens => Format::Movielens,
    };
    let nothing = "; nothing was imported";
    let parsed = import::formats::read(&label, &bytes, format)
        .map_err(|e| anyhow::anyhow!("{e}{nothing}"))?;
    let store = ProfileStore::default_for(name)?;
    // Titles and IMDb ids are matched against the dataset; movie ids need none.
    let catalogue = if parsed.format.needs_catalogue() {
        Some(crate::engine::open_catalogue(
            &data.open_options()?,
            &mut |_| {},
        )?)
    } else {
        None
    };
    let matcher = catalogue
        .as_ref()
        .map(|m| TitleMatcher::new(&m.dataset().catalogue, &m.stats().counts));
    let report = import::import_into(&store, &parsed, matcher.as_ref(), mode, dry_run)
        .map_err(|e| anyhow::anyhow!("{e}{nothing}"))?;
    for w in &report.warnings {
        eprintln!("reel: {w}");
    }
    if json {
        return super::emit(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    }
    super::emit(&report.to_text())
}
