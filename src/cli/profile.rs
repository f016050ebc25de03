//! `reel profile show|export|import`: look at, save and restore a profile file.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::profile::{ProfileStore, UserProfile};

#[derive(Args, Debug, Clone)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub action: ProfileAction,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ProfileAction {
    /// Ratings (with titles), watchlist, not-interested list and the file's path.
    Show {
        /// Profile name.
        #[arg(long, default_value = "default")]
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write the profile file to FILE, or to standard output ("-" or nothing).
    Export {
        /// Profile name.
        #[arg(long, default_value = "default")]
        profile: String,
        /// Destination file; "-" or nothing for standard output.
        file: Option<PathBuf>,
    },
    /// Replace a profile with a profile file (checked first; "-" reads standard input).
    Import {
        /// The profile file to read.
        file: PathBuf,
        /// Profile name.
        #[arg(long, default_value = "default")]
        profile: String,
        /// Replace the profile even when it already has entries.
        #[arg(long)]
        force: bool,
    },
}

fn is_stdio(p: &std::path::Path) -> bool {
    p.as_os_str() == "-"
}

/// Reads the saved profile; a corrupt one is an error here (never moved aside silently).
fn load(store: &ProfileStore) -> Result<UserProfile> {
    let path = store.path();
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mut p = UserProfile::from_toml(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            p.name = store.name().to_string();
            Ok(p)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(UserProfile::new(store.name())),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub fn run(args: &ProfileArgs) -> Result<()> {
    match &args.action {
        ProfileAction::Show { profile, json } => show(profile, *json),
        ProfileAction::Export { profile, file } => export(profile, file.as_deref()),
        ProfileAction::Import {
            file,
            profile,
            force,
        } => import(file, profile, *force),
    }
}

fn show(name: &str, json: bool) -> Result<()> {
    let store = ProfileStore::default_for(name)?;
    let p = load(&store)?;
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

fn export(name: &str, file: Option<&std::path::Path>) -> Result<()> {
    let store = ProfileStore::default_for(name)?;
    let text = load(&store)?.to_toml()?;
    match file {
        None => super::emit(&text),
        Some(f) if is_stdio(f) => super::emit(&text),
        Some(f) => {
            std::fs::write(f, &text).with_context(|| format!("cannot write {}", f.display()))?;
            eprintln!("reel: profile {name} written to {}", f.display());
            Ok(())
        }
    }
}

fn import(file: &std::path::Path, name: &str, force: bool) -> Result<()> {
    let text = if is_stdio(file) {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let mut incoming = UserProfile::from_toml(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a valid reel profile ({}); nothing was changed",
            file.display(),
            e.lines().next().unwrap_or("unknown problem").trim()
        )
    })?;
    let store = ProfileStore::default_for(name)?;
    if !force {
        // An unreadable existing profile also counts as "something there": keep it.
        let existing = load(&store).with_context(|| {
            format!("the existing profile {name} cannot be read; use --force to replace it")
        })?;
        if !existing.is_empty() {
            bail!(
                "profile {name} already has {} ratings, {} on the watchlist and {} not-interested \
                 ({}); use --force to replace it",
                existing.ratings.len(),
                existing.watchlist.len(),
                existing.not_interested.len(),
                store.path().display()
            );
        }
    }
    incoming.name = name.to_string();
    store.save(&incoming)?;
    super::emit(&format!(
        "Imported {} ratings, {} on the watchlist, {} not-interested into profile {name} ({})\n",
        incoming.ratings.len(),
        incoming.watchlist.len(),
        incoming.not_interested.len(),
        store.path().display()
    ))
}
