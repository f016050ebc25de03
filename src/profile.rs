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
//! # Loading never loses data
//!
//! - An entry that cannot be used (stars off the scale, a movie id that is not a number,
//!   a field of the wrong type) is left out and reported with the file, its line and the
//!   reason; every other entry loads.
//! - Commands that only read ([`ProfileStore::read`]) never write, rename or copy
//!   anything: a file that is not TOML at all is an error naming it, and a missing named
//!   profile is an error listing the existing ones (only `default` may be absent).
//! - Commands that write ([`ProfileStore::load`]) keep a copy of a file with bad entries
//!   (`<name>.toml.bad-entries-<unix time>`) before their first save drops those entries,
//!   and move a file that is not TOML at all to `<name>.toml.corrupt-<unix time>` (never
//!   overwriting it) before starting a new profile.
//! - A file of a newer format is never touched by anyone.

use serde::Serialize;
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
    #[error(
        "{path} cannot be read as a profile ({reason}); it was left in place: fix it, or move \
         it away to start a new profile"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{path} is a format {format} profile, written by a newer reel (this one reads format \
         {}); it was left untouched",
        FORMAT
    )]
    NewerFormat { path: PathBuf, format: i64 },
    #[error("no profile named {name:?} in {dir}; {}", existing_list(.existing))]
    NotFound {
        name: String,
        dir: PathBuf,
        existing: Vec<String>,
    },
}

fn existing_list(existing: &[String]) -> String {
    if existing.is_empty() {
        "there are no profiles yet (rating a movie or importing creates one)".to_string()
    } else {
        format!("existing profiles: {}", existing.join(", "))
    }
}

/// Name of the profile used when none is named; it may be absent (an empty profile).
pub const DEFAULT_NAME: &str = "default";

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

    /// Parses a profile file's text strictly: any bad entry is an error ("line N: …").
    /// Used for files given to `reel profile import`, where nothing is imported unless
    /// everything is.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        match Self::parse(text) {
            Ok((p, problems)) => match problems.first() {
                None => Ok(p),
                Some(first) => Err(first.to_string()),
            },
            Err(u) => Err(u.to_string()),
        }
    }

    /// Parses a profile file's text leniently: every usable entry, and a problem for
    /// each entry that was left out. `Err` only when the text cannot be used at all.
    pub fn parse(text: &str) -> Result<(Self, Vec<EntryProblem>), Unusable> {
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
            Unusable::NotToml(
                e.to_string()
                    .lines()
                    .next()
                    .unwrap_or("not TOML")
                    .trim()
                    .to_string(),
            )
        })?;
        let mut parser = EntryParser {
            text,
            problems: Vec::new(),
        };
        let root = doc.as_table();
        match root.get("format") {
            None => parser.problem(None, "file", "no `format` key; read as format 1".into()),
            Some(item) => match item.as_integer() {
                Some(f) if f == i64::from(FORMAT) => {}
                Some(f) if f > i64::from(FORMAT) => return Err(Unusable::NewerFormat(f)),
                _ => parser.problem(
                    item.span(),
                    "file",
                    format!(
                        "format {} is not a known format; read as format 1",
                        item_text(item)
                    ),
                ),
            },
        }
        let mut p = UserProfile::new(root.get("name").and_then(|n| n.as_str()).unwrap_or(""));
        for (key, item) in root.iter() {
            match key {
                "format" | "name" => {}
                "rating" => {
                    for (span, entry) in parser.entries(key, item) {
                        if let Some((id, e)) = parser.rating(span, entry) {
                            p.ratings.insert(id, e);
                        }
                    }
                }
                "watchlist" | "not_interested" => {
                    let mut marks = BTreeMap::new();
                    for (span, entry) in parser.entries(key, item) {
                        if let Some((id, m)) = parser.mark(key, span, entry) {
                            marks.insert(id, m);
                        }
                    }
                    if key == "watchlist" {
                        p.watchlist = marks;
                    } else {
                        p.not_interested = marks;
                    }
                }
                other => parser.problem(
                    item.span(),
                    "file",
                    format!("unknown key `{other}`; ignored"),
                ),
            }
        }
        Ok((p, parser.problems))
    }
}

/// Why a profile file cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Not TOML (or not UTF-8 text).
    NotToml(String),
    /// Written by a newer reel.
    NewerFormat(i64),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::NotToml(why) => write!(f, "{why}"),
            Unusable::NewerFormat(n) => write!(
                f,
                "format {n} is not supported (this reel reads format {FORMAT})"
            ),
        }
    }
}

/// One entry of a profile file that was left out (or a key that was ignored), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Which entry: "rating (movie 6)", "watchlist", "file".
    pub entry: String,
    pub reason: String,
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}: {}", self.entry, self.reason)
    }
}

fn item_text(item: &toml_edit::Item) -> String {
    match item.as_value() {
        Some(v) => v.to_string().trim().to_string(),
        None => "(a table)".to_string(),
    }
}

/// Checks entries one by one, collecting what is wrong with each.
struct EntryParser<'a> {
    text: &'a str,
    problems: Vec<EntryProblem>,
}

type Span = Option<std::ops::Range<usize>>;

impl EntryParser<'_> {
    fn line(&self, span: &Span) -> Option<usize> {
        span.as_ref()
            .and_then(|r| self.text.get(..r.start))
            .map(|before| before.matches('\n').count() + 1)
    }

    fn problem(&mut self, span: Span, entry: &str, reason: String) {
        let line = self.line(&span);
        self.problems.push(EntryProblem {
            line,
            entry: entry.to_string(),
            reason,
        });
    }

    /// The entries of a section (`[[rating]]` tables or an inline array of tables).
    fn entries<'d>(
        &mut self,
        key: &str,
        item: &'d toml_edit::Item,
    ) -> Vec<(Span, &'d dyn toml_edit::TableLike)> {
        let mut out: Vec<(Span, &dyn toml_edit::TableLike)> = Vec::new();
        match item {
            toml_edit::Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    out.push((t.span(), t));
                }
            }
            toml_edit::Item::Value(toml_edit::Value::Array(a)) => {
                for v in a.iter() {
                    match v.as_inline_table() {
                        Some(t) => out.push((t.span(), t)),
                        None => self.problem(
                            v.span(),
                            key,
                            format!(
                                "{} is not an entry (a table); left out",
                                v.to_string().trim()
                            ),
                        ),
                    }
                }
            }
            other => self.problem(
                other.span(),
                key,
                format!("`{key}` must be a list of [[{key}]] entries; ignored"),
            ),
        }
        out
    }

    /// The movie id of an entry; reports and returns `None` when unusable.
    fn movie(
        &mut self,
        section: &str,
        span: &Span,
        entry: &dyn toml_edit::TableLike,
    ) -> Option<u32> {
        match entry.get("movie") {
            None => {
                self.problem(span.clone(), section, "no `movie` id; left out".into());
                None
            }
            Some(item) => match item.as_integer().and_then(|n| u32::try_from(n).ok()) {
                Some(id) => Some(id),
                None => {
                    self.problem(
                        item.span(),
                        section,
                        format!(
                            "movie {} is not a movie id (a whole number from 0); left out",
                            item_text(item)
                        ),
                    );
                    None
                }
            },
        }
    }

    /// The optional `time` and `title` of an entry, and unknown fields reported.
    fn time_title(
        &mut self,
        what: &str,
        allowed: &[&str],
        entry: &dyn toml_edit::TableLike,
    ) -> Option<(i64, String)> {
        let time = match entry.get("time") {
            None => 0,
            Some(item) => match item.as_integer() {
                Some(t) => t,
                None => {
                    self.problem(
                        item.span(),
                        what,
                        format!("time {} is not Unix seconds; left out", item_text(item)),
                    );
                    return None;
                }
            },
        };
        let title = match entry.get("title") {
            None => String::new(),
            Some(item) => match item.as_str() {
                Some(t) => t.to_string(),
                None => {
                    self.problem(
                        item.span(),
                        what,
                        format!("title {} is not text; left out", item_text(item)),
                    );
                    return None;
                }
            },
        };
        for (key, item) in entry.iter() {
            if !allowed.contains(&key) {
                self.problem(item.span(), what, format!("unknown field `{key}`; ignored"));
            }
        }
        Some((time, title))
    }

    fn rating(
        &mut self,
        span: Span,
        entry: &dyn toml_edit::TableLike,
    ) -> Option<(u32, RatingEntry)> {
        let id = self.movie("rating", &span, entry)?;
        let what = format!("rating (movie {id})");
        let stars = match entry.get("stars") {
            None => {
                self.problem(span, &what, "no `stars`; left out".into());
                return None;
            }
            Some(item) => {
                let v = item
                    .as_float()
                    .or_else(|| item.as_integer().map(|n| n as f64));
                match v {
                    Some(v) if v.is_finite() && (0.5..=5.0).contains(&v) => v as f32,
                    Some(v) => {
                        self.problem(
                            item.span(),
                            &what,
                            format!("{v} stars is outside 0.5-5; left out"),
                        );
                        return None;
                    }
                    None => {
                        self.problem(
                            item.span(),
                            &what,
                            format!("stars {} is not a number; left out", item_text(item)),
                        );
                        return None;
                    }
                }
            }
        };
        let (time, title) = self.time_title(&what, &["movie", "stars", "time", "title"], entry)?;
        Some((id, RatingEntry { stars, time, title }))
    }

    fn mark(
        &mut self,
        section: &str,
        span: Span,
        entry: &dyn toml_edit::TableLike,
    ) -> Option<(u32, Mark)> {
        let id = self.movie(section, &span, entry)?;
        let what = format!("{section} (movie {id})");
        let (time, title) = self.time_title(&what, &["movie", "time", "title"], entry)?;
        Some((id, Mark { time, title }))
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

#[derive(Serialize)]
struct ProfileFile {
    format: u32,
    name: String,
    rating: Vec<RatingRow>,
    watchlist: Vec<MarkRow>,
    not_interested: Vec<MarkRow>,
}

#[derive(Serialize)]
struct RatingRow {
    movie: u32,
    stars: f32,
    time: i64,
    title: String,
}

#[derive(Serialize)]
struct MarkRow {
    movie: u32,
    time: i64,
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

    /// The names of the profiles saved in `dir`, sorted.
    pub fn list(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_str()?.strip_suffix(".toml")?.to_string();
                valid_name(&name).then_some(name)
            })
            .collect();
        names.sort();
        names
    }

    /// The file's bytes, or `None` when there is no file.
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, ProfileError> {
        let path = self.path();
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Parses the file's bytes; problems become warnings naming the file.
    fn parse_bytes(&self, bytes: &[u8]) -> Result<(Loaded, bool), Unusable> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Unusable::NotToml(format!("not UTF-8 text: {e}")))?;
        let (mut profile, problems) = UserProfile::parse(text)?;
        profile.name = self.name.clone();
        let path = self.path();
        let warnings = problems
            .iter()
            .map(|p| format!("{}: {p}", path.display()))
            .collect();
        Ok((Loaded { profile, warnings }, !problems.is_empty()))
    }

    /// Reads the profile for a command that only reads: never writes, renames or copies.
    /// Entries that cannot be used are left out with a warning each; a file that cannot
    /// be read at all is an error, as is a missing profile other than `default`.
    pub fn read(&self) -> Result<Loaded, ProfileError> {
        let path = self.path();
        let Some(bytes) = self.read_bytes()? else {
            if self.name == DEFAULT_NAME {
                return Ok(Loaded {
                    profile: UserProfile::new(&self.name),
                    warnings: Vec::new(),
                });
            }
            return Err(ProfileError::NotFound {
                name: self.name.clone(),
                dir: self.dir.clone(),
                existing: Self::list(&self.dir),
            });
        };
        match self.parse_bytes(&bytes) {
            Ok((loaded, _)) => Ok(loaded),
            Err(Unusable::NewerFormat(format)) => Err(ProfileError::NewerFormat { path, format }),
            Err(Unusable::NotToml(reason)) => Err(ProfileError::Unreadable { path, reason }),
        }
    }

    /// Reads the profile for a command that will save it. A missing file gives an empty
    /// profile. A file with bad entries loads the rest, and a copy of it as it was is kept
    /// (the next save drops those entries). A file that is not TOML at all is moved aside
    /// (never overwritten) and an empty profile is returned with a warning. A newer
    /// format is an error and the file is left alone.
    pub fn load(&self) -> Result<Loaded, ProfileError> {
        let path = self.path();
        let Some(bytes) = self.read_bytes()? else {
            return Ok(Loaded {
                profile: UserProfile::new(&self.name),
                warnings: Vec::new(),
            });
        };
        match self.parse_bytes(&bytes) {
            Ok((loaded, false)) => Ok(loaded),
            Ok((mut loaded, true)) => {
                let copy = self.keep_copy(&bytes)?;
                loaded.warnings.push(format!(
                    "the entries above are left out; {} keeps the file as it was (the next \
                     change to profile {} drops them from {})",
                    copy.display(),
                    self.name,
                    path.display()
                ));
                Ok(loaded)
            }
            Err(Unusable::NewerFormat(format)) => Err(ProfileError::NewerFormat { path, format }),
            Err(Unusable::NotToml(why)) => {
                let aside = self.corrupt_path();
                fs::rename(&path, &aside).map_err(io_err(&path))?;
                Ok(Loaded {
                    profile: UserProfile::new(&self.name),
                    warnings: vec![format!(
                        "profile {} could not be read ({}); it was moved to {} and a new, \
                         empty profile was started",
                        path.display(),
                        why,
                        aside.display()
                    )],
                })
            }
        }
    }

    /// Copies the file's bytes to `<name>.toml.bad-entries-<time>`, unless an identical
    /// copy is already there (loading the same file again adds none).
    fn keep_copy(&self, bytes: &[u8]) -> Result<PathBuf, ProfileError> {
        let prefix = format!("{}.toml.bad-entries-", self.name);
        for e in fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let same_name = e
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix));
            if same_name && fs::read(e.path()).is_ok_and(|b| b == bytes) {
                return Ok(e.path());
            }
        }
        let base = format!("{prefix}{}", now());
        let mut copy = self.dir.join(&base);
        let mut k = 1;
        while copy.exists() {
            copy = self.dir.join(format!("{base}-{k}"));
            k += 1;
        }
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&copy)?;
            f.write_all(bytes)?;
            f.sync_all()
        };
        write().map_err(io_err(&copy))?;
        Ok(copy)
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
    fn bad_stars_are_rejected_strictly_and_left_out_leniently() {
        let t =
            "format = 1\n[[rating]]\nmovie = 1\nstars = 7.0\n[[rating]]\nmovie = 2\nstars = 4\n";
        let err = UserProfile::from_toml(t).expect_err("strict");
        assert!(err.contains("line 4") && err.contains("7 stars"), "{err}");
        let (p, problems) = UserProfile::parse(t).expect("lenient");
        assert_eq!(p.ratings.keys().copied().collect::<Vec<_>>(), vec![2]);
        assert_eq!(p.ratings[&2].stars, 4.0);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            UserProfile::parse("format = 2\n"),
            Err(Unusable::NewerFormat(2))
        );
        assert!(matches!(
            UserProfile::parse("format = [[\n"),
            Err(Unusable::NotToml(_))
        ));
    }

    #[test]
    fn inline_entries_unknown_keys_and_wrong_types() {
        let t = "format = 1\nextra = 3\nrating = [{ movie = 5, stars = 3.5, time = 9 }, 7]\n\
                 [[watchlist]]\nmovie = 1\ntitle = 5\n[[watchlist]]\nmovie = 2\nnote = \"x\"\n";
        let (p, problems) = UserProfile::parse(t).expect("lenient");
        assert_eq!(p.ratings[&5].time, 9);
        assert_eq!(p.watchlist.keys().copied().collect::<Vec<_>>(), vec![2]);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 4, "{text:#?}");
        assert!(
            text[0].starts_with("line 2: file: unknown key `extra`"),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("line 6") && t.contains("title 5")),
            "{text:#?}"
        );
        assert!(text.iter().any(|t| t.contains("`note`")), "{text:#?}");
    }
}
