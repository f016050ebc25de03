//! The saved personal profile: your ratings, watchlist and "not interested" list.
//!
//! # File format
//!
//! One TOML file per profile name, `<profiles dir>/<name>.toml` (see
//! [`crate::paths::profiles_dir`]). Movies are identified by their MovieLens `movieId`,
//! so a profile made on one MovieLens release loads on another; titles are stored only
//! to make the file readable and are ignored when loading. Times are seconds since the
//! Unix epoch.
//!
//! ```toml
//! format = 1
//! name = "default"
//!
//! [[rating]]
//! movie = 318
//! stars = 4.5
//! time = 1763935200
//! title = "The Shawshank Redemption (1994)"
//!
//! [[watchlist]]
//! movie = 1
//! time = 1763935300
//! title = "Toy Story (1995)"
//!
//! [[not_interested]]
//! movie = 2
//! time = 1763935400
//! title = "Jumanji (1995)"
//! ```
//!
//! # Saving
//!
//! Every change is saved at once and atomically: the new content goes to a temporary
//! file in the same folder, is flushed to disk (`fsync`), then renamed over the old
//! file, so a crash leaves either the old or the new profile, never half of one.
//!
//! A profile that cannot be read back (bad TOML, unknown format, invalid stars) is never
//! overwritten: it is renamed to `<name>.toml.corrupt-<unix time>` and an empty profile
//! takes its place, with a message saying where the old file went.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::data::Catalogue;

/// Version of the file format written by this build.
pub const FORMAT: u32 = 1;

/// Errors reading or writing a profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("invalid profile name {0:?}: use letters, digits, '-' and '_' (at most 64)")]
    BadName(String),
    #[error("no platform data directory to keep profiles in; set HOME or use --profile-dir")]
    NoDataDir,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not encode profile: {0}")]
    Encode(#[from] toml::ser::Error),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ProfileError + '_ {
    move |source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One rating in a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingEntry {
    pub stars: f32,
    pub time: i64,
    pub title: String,
}

/// One watchlist or not-interested mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub time: i64,
    pub title: String,
}

/// A personal profile, keyed by MovieLens movieId.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserProfile {
    pub name: String,
    pub ratings: BTreeMap<u32, RatingEntry>,
    pub watchlist: BTreeMap<u32, Mark>,
    pub not_interested: BTreeMap<u32, Mark>,
}

/// What a profile's movie ids became on one dataset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// (dense item index, stars), sorted by item: the model profile.
    pub ratings: Vec<(u32, f32)>,
    /// Dense indices of not-interested movies, sorted.
    pub not_interested: Vec<u32>,
    /// Dense indices of watchlist movies, sorted.
    pub watchlist: Vec<u32>,
    /// Movie ids (ratings, watchlist or not-interested) this dataset does not have.
    /// They stay in the file; they are only left out of predictions.
    pub missing: Vec<u32>,
}

impl UserProfile {
    pub fn new(name: &str) -> Self {
        UserProfile {
            name: name.to_string(),
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ratings.is_empty() && self.watchlist.is_empty() && self.not_interested.is_empty()
    }

    /// Maps movie ids to the dense indices of `catalogue`.
    pub fn resolve(&self, catalogue: &Catalogue) -> Resolved {
        let mut out = Resolved::default();
        let mut missing = std::collections::BTreeSet::new();
        for (&id, e) in &self.ratings {
            match catalogue.index_of(id) {
                Some(i) => out.ratings.push((i, e.stars)),
                None => {
                    missing.insert(id);
                }
            }
        }
        for &id in self.not_interested.keys() {
            match catalogue.index_of(id) {
                Some(i) => out.not_interested.push(i),
                None => {
                    missing.insert(id);
                }
            }
        }
        for &id in self.watchlist.keys() {
            match catalogue.index_of(id) {
                Some(i) => out.watchlist.push(i),
                None => {
                    missing.insert(id);
                }
            }
        }
        out.ratings.sort_unstable_by_key(|r| r.0);
        out.not_interested.sort_unstable();
        out.watchlist.sort_unstable();
        out.missing = missing.into_iter().collect();
        out
    }

    /// The TOML text of this profile.
    pub fn to_toml(&self) -> Result<String, ProfileError> {
        let file = ProfileFile {
            format: FORMAT,
            name: self.name.clone(),
            rating: self
                .ratings
                .iter()
                .map(|(&movie, e)| RatingRow {
                    movie,
                    stars: e.stars,
                    time: e.time,
                    title: e.title.clone(),
                })
                .collect(),
            watchlist: marks_to_rows(&self.watchlist),
            not_interested: marks_to_rows(&self.not_interested),
        };
        let body = toml::to_string(&file)?;
        Ok(format!(
            "# reel profile: your ratings (MovieLens movieId, 0.5-5 stars), watchlist and\n\
             # not-interested list. Times are Unix seconds; titles are for reading only.\n\n{body}"
        ))
    }

    /// Parses a profile file's text. Errors describe what is wrong, for the message
    /// shown when the file is moved aside.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: ProfileFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.format != FORMAT {
            return Err(format!(
                "format {} is not supported (this reel reads format {FORMAT})",
                file.format
            ));
        }
        let mut p = UserProfile::new(&file.name);
        for r in file.rating {
            if !(r.stars.is_finite() && (0.5..=5.0).contains(&r.stars)) {
                return Err(format!(
                    "movie {}: {} stars is outside 0.5-5",
                    r.movie, r.stars
                ));
            }
            p.ratings.insert(
                r.movie,
                RatingEntry {
                    stars: r.stars,
                    time: r.time,
                    title: r.title,
                },
            );
        }
        p.watchlist = rows_to_marks(file.watchlist);
        p.not_interested = rows_to_marks(file.not_interested);
        Ok(p)
    }
}

fn marks_to_rows(m: &BTreeMap<u32, Mark>) -> Vec<MarkRow> {
    m.iter()
        .map(|(&movie, e)| MarkRow {
            movie,
            time: e.time,
            title: e.title.clone(),
        })
        .collect()
}

fn rows_to_marks(rows: Vec<MarkRow>) -> BTreeMap<u32, Mark> {
    rows.into_iter()
        .map(|r| {
            (
                r.movie,
                Mark {
                    time: r.time,
                    title: r.title,
                },
            )
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    format: u32,
    #[serde(default)]
    name: String,
    #[serde(default)]
    rating: Vec<RatingRow>,
    #[serde(default)]
    watchlist: Vec<MarkRow>,
    #[serde(default)]
    not_interested: Vec<MarkRow>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingRow {
    movie: u32,
    stars: f32,
    #[serde(default)]
    time: i64,
    #[serde(default)]
    title: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkRow {
    movie: u32,
    #[serde(default)]
    time: i64,
    #[serde(default)]
    title: String,
}

/// Where one named profile lives, and how it is read and written.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
    name: String,
}

/// A loaded profile with anything the user should be told.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub profile: UserProfile,
    /// Messages such as "profile was corrupt, moved to …".
    pub warnings: Vec<String>,
}

/// Checks a profile name: it becomes a file name, so no separators or dots.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl ProfileStore {
    /// A store for `name` in `dir`.
    pub fn new(dir: impl Into<PathBuf>, name: &str) -> Result<Self, ProfileError> {
        if !valid_name(name) {
            return Err(ProfileError::BadName(name.to_string()));
        }
        Ok(ProfileStore {
            dir: dir.into(),
            name: name.to_string(),
        })
    }

    /// A store for `name` in the platform profiles folder.
    pub fn default_for(name: &str) -> Result<Self, ProfileError> {
        let dir = crate::paths::profiles_dir().ok_or(ProfileError::NoDataDir)?;
        Self::new(dir, name)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/<name>.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.toml", self.name))
    }

    /// Reads the profile. A missing file gives an empty profile; an unreadable one is
    /// moved aside (never overwritten) and an empty profile is returned with a warning.
    pub fn load(&self) -> Result<Loaded, ProfileError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Loaded {
                    profile: UserProfile::new(&self.name),
                    warnings: Vec::new(),
                })
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|e| format!("not UTF-8 text: {e}"))
            .and_then(UserProfile::from_toml);
        match parsed {
            Ok(mut profile) => {
                profile.name = self.name.clone();
                Ok(Loaded {
                    profile,
                    warnings: Vec::new(),
                })
            }
            Err(why) => {
                let aside = self.corrupt_path();
                fs::rename(&path, &aside).map_err(io_err(&path))?;
                Ok(Loaded {
                    profile: UserProfile::new(&self.name),
                    warnings: vec![format!(
                        "profile {} could not be read ({}); it was moved to {} and a new, \
                         empty profile was started",
                        path.display(),
                        why.lines().next().unwrap_or("unknown problem").trim(),
                        aside.display()
                    )],
                })
            }
        }
    }

    fn corrupt_path(&self) -> PathBuf {
        let base = format!("{}.toml.corrupt-{}", self.name, now());
        let mut candidate = self.dir.join(&base);
        let mut k = 1;
        while candidate.exists() {
            candidate = self.dir.join(format!("{base}-{k}"));
            k += 1;
        }
        candidate
    }

    /// Writes the profile atomically: temporary file in the same folder, fsync, rename.
    pub fn save(&self, profile: &UserProfile) -> Result<(), ProfileError> {
        fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let text = profile.to_toml()?;
        let path = self.path();
        let tmp = self
            .dir
            .join(format!(".{}.toml.tmp-{}", self.name, std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            Ok(())
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&tmp)(e));
        }
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&path)(e));
        }
        // Make the rename itself durable (directory entry), where the platform allows.
        #[cfg(unix)]
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_name("default"));
        assert!(valid_name("a-b_9"));
        assert!(!valid_name(""));
        assert!(!valid_name("../x"));
        assert!(!valid_name("a.b"));
        assert!(ProfileStore::new("/tmp", "a/b").is_err());
    }

    #[test]
    fn bad_stars_are_rejected() {
        let t = "format = 1\n[[rating]]\nmovie = 1\nstars = 7.0\n";
        assert!(UserProfile::from_toml(t).is_err());
        let t = "format = 2\n";
        assert!(UserProfile::from_toml(t).is_err());
    }
}
