//! Importing a history into a session's profile, for the front-ends: a dry run first
//! ([`ImportJob::run`], which reads, checks and matches the whole file and may take a
//! while, so it runs on any thread), then [`Session::import_apply`], which writes the
//! profile once, atomically, and makes the session use it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{ModelSet, Session};
use crate::import::matcher::TitleMatcher;
pub use crate::import::{Format as ImportFormat, ImportReport, Mode as ImportMode};
use crate::import::{ImportError, Parsed, Resolved};
use crate::profile::{ProfileStore, UserProfile};

/// Why an import did not happen (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ImportFailed {
    #[error("cannot read {path}: {why}")]
    Read { path: String, why: String },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("this session keeps no profile file to import into")]
    NoProfileFile,
    #[error(transparent)]
    Save(#[from] super::EngineError),
}

/// A path as a person types or pastes it: surrounding blanks and quotes go, and a
/// leading `~` is the home folder.
pub fn expand_path(text: &str) -> PathBuf {
    let t = text.trim();
    let t = t
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .or_else(|| t.strip_prefix('"').and_then(|r| r.strip_suffix('"')))
        .unwrap_or(t);
    let home = || directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    if t == "~" {
        if let Some(h) = home() {
            return h;
        }
    }
    if let Some(rest) = t.strip_prefix("~/") {
        if let Some(h) = home() {
            return h.join(rest);
        }
    }
    PathBuf::from(t)
}

/// A dry run to make, detached from the session so it can run on another thread.
pub struct ImportJob {
    path: PathBuf,
    format: ImportFormat,
    mode: ImportMode,
    models: Arc<ModelSet>,
    profile: UserProfile,
    store: Option<ProfileStore>,
}

/// The result of a dry run: its report, and what [`Session::import_apply`] needs.
#[derive(Debug)]
pub struct ImportPreview {
    pub report: ImportReport,
    pub path: PathBuf,
    parsed: Parsed,
    resolved: Resolved,
}

impl ImportJob {
    /// Reads and checks the file, matches its movies against the catalogue and works
    /// out what the import would change. Writes nothing.
    pub fn run(self) -> Result<ImportPreview, ImportFailed> {
        let store = self.store.ok_or(ImportFailed::NoProfileFile)?;
        let label = self.path.display().to_string();
        let bytes = std::fs::read(&self.path).map_err(|e| ImportFailed::Read {
            path: label.clone(),
            why: e.to_string(),
        })?;
        let parsed = crate::import::formats::read(&label, &bytes, self.format)?;
        let ds = self.models.dataset();
        let matcher = TitleMatcher::new(&ds.catalogue, &self.models.stats().counts);
        let resolved = crate::import::resolve(&parsed, Some(&matcher), crate::profile::now())?;
        let (_, report) =
            crate::import::plan(&store, &parsed, &resolved, &self.profile, self.mode)?;
        Ok(ImportPreview {
            report,
            path: self.path,
            parsed,
            resolved,
        })
    }
}

/// A movie's pages elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MovieLinks {
    pub imdb: Option<String>,
    pub tmdb: Option<String>,
}

impl Session {
    /// The movie's IMDb and TMDB pages, from the dataset's `links.csv` (none without
    /// one, or for an unknown movie).
    pub fn movie_links(&self, item: u32) -> MovieLinks {
        if item as usize >= self.n_items() {
            return MovieLinks::default();
        }
        let m = self.dataset().catalogue.movie(item);
        MovieLinks {
            imdb: crate::import::imdb_url(m),
            tmdb: crate::import::tmdb_url(m),
        }
    }

    /// The dry run of importing the file at `path` (as typed: see [`expand_path`]), to
    /// run with [`ImportJob::run`] here or on a background thread.
    pub fn import_job(&self, path: &str, format: ImportFormat, mode: ImportMode) -> ImportJob {
        ImportJob {
            path: expand_path(path),
            format,
            mode,
            models: Arc::clone(self.models()),
            profile: self.profile().clone(),
            store: self.store().cloned(),
        }
    }

    /// The dry run of importing `path`, on this thread.
    pub fn import_preview(
        &self,
        path: &Path,
        format: ImportFormat,
        mode: ImportMode,
    ) -> Result<ImportPreview, ImportFailed> {
        self.import_job(&path.display().to_string(), format, mode)
            .run()
    }

    /// Applies a dry run to the profile as it is now (it may have changed since): the
    /// file is written once, atomically, and the session uses the new profile (undo
    /// starts over). Returns the report of what was done.
    pub fn import_apply(&mut self, preview: &ImportPreview) -> Result<ImportReport, ImportFailed> {
        let store = self.store().cloned().ok_or(ImportFailed::NoProfileFile)?;
        let (profile, mut report) = crate::import::plan(
            &store,
            &preview.parsed,
            &preview.resolved,
            self.profile(),
            preview.report.mode,
        )?;
        self.adopt_profile(profile)?;
        report.dry_run = false;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_and_pasted_paths_are_expanded() {
        assert_eq!(
            expand_path("  /tmp/a b.csv \n"),
            PathBuf::from("/tmp/a b.csv")
        );
        assert_eq!(expand_path("'/tmp/x.zip'"), PathBuf::from("/tmp/x.zip"));
        assert_eq!(expand_path("\"/tmp/y.csv\""), PathBuf::from("/tmp/y.csv"));
        assert_eq!(expand_path("rel/~/z.csv"), PathBuf::from("rel/~/z.csv"));
        let home = directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .expect("a home folder");
        assert_eq!(
            expand_path("~/Downloads/r.csv"),
            home.join("Downloads/r.csv")
        );
        assert_eq!(expand_path("~"), home);
    }
}
