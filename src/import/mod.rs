//! Bringing a history from elsewhere: `reel profile import` and `reel profile export`.
//!
//! An import reads an export ([`formats::read`]: every row checked, a malformed one is an
//! error with its file and line), finds each row's movie ([`resolve`]: by movieId, by
//! IMDb id through the dataset's links, or by title and year with
//! [`matcher::TitleMatcher`]), combines it with the saved profile ([`apply`]: new,
//! merge or replace) and saves the result once, atomically ([`import_into`]). The
//! report says what was imported, merged, skipped and why, and lists every title that
//! did not match with its closest candidates.

pub mod export;
pub mod formats;
pub mod links;
pub mod matcher;
pub mod normalize;

use serde::Serialize;
use std::collections::BTreeMap;

use crate::profile::{Mark, ProfileError, ProfileStore, RatingEntry, UserProfile};
use matcher::{MatchedBy, Outcome, TitleMatcher};

pub use links::{imdb_url, tmdb_url};

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Told from the content.
    Auto,
    /// reel's own profile: TOML, the JSON of `profile show --json`, or reel's CSV.
    Reel,
    Letterboxd,
    Imdb,
    /// A MovieLens.org account export (movie ids).
    Movielens,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Reel => "reel",
            Format::Letterboxd => "letterboxd",
            Format::Imdb => "imdb",
            Format::Movielens => "movielens",
        }
    }

    /// Whether rows are found by title or IMDb id, so the dataset is needed.
    pub fn needs_catalogue(self) -> bool {
        matches!(self, Format::Letterboxd | Format::Imdb)
    }
}

/// Which list of the profile a row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Ratings,
    Watchlist,
    NotInterested,
}

/// How a row names its movie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovieRef {
    /// A MovieLens movieId.
    Id(u32),
    /// An IMDb id (the number of "tt0111161"); title and year are the fallback.
    Imdb(u32),
    /// Only the title and year.
    Title,
}

/// One usable row of an export, before matching.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub file: String,
    /// 1-based line in the file (0 for formats without lines).
    pub line: u64,
    pub list: List,
    pub movie: MovieRef,
    pub title: String,
    pub year: Option<u16>,
    /// Half stars, for ratings.
    pub stars: Option<f32>,
    /// Unix seconds; `None` when the export has no date (the import's time is used).
    pub time: Option<i64>,
}

/// A row left out, and why (no rating, not a film, a duplicate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub line: u64,
    pub title: String,
    pub reason: String,
}

/// An export read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub format: Format,
    pub rows: Vec<Row>,
    pub skipped: Vec<Skipped>,
    /// The files read ("export.zip:ratings.csv").
    pub files: Vec<String>,
    /// Whether the export carries a not-interested list (reel's own formats).
    pub has_not_interested: bool,
}

/// Errors of an import: nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}, line {line}: {problem}")]
    Malformed {
        file: String,
        line: u64,
        problem: String,
    },
    #[error("{file}: {problem}")]
    Unreadable { file: String, problem: String },
    #[error(
        "profile {name} already has {ratings} ratings, {watchlist} on the watchlist and \
         {not_interested} not-interested ({path}); pass --merge to add the import to it \
         (the newer rating wins) or --replace to replace it"
    )]
    NotEmpty {
        name: String,
        ratings: usize,
        watchlist: usize,
        not_interested: usize,
        path: String,
    },
    #[error("{0}: matching titles and IMDb ids needs the MovieLens dataset")]
    NoCatalogue(String),
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// A catalogue movie offered for an unmatched title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    #[serde(rename = "movieId")]
    pub movie_id: u32,
    pub title: String,
    pub ratings: u32,
}

/// A row whose movie was not found, or not found for sure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    pub file: String,
    pub line: u64,
    pub title: String,
    pub year: Option<u16>,
    /// "not in the catalogue", or why the match is doubtful.
    pub reason: String,
    pub doubtful: bool,
    pub candidates: Vec<Candidate>,
}

/// The rows' movies found: what would be imported, and what was not.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The imported lists as a profile (names and not-interested as in the export).
    pub incoming: UserProfile,
    pub has_not_interested: bool,
    pub matched_by: BTreeMap<MatchedBy, usize>,
    pub skipped: Vec<Skipped>,
    pub unmatched: Vec<Unmatched>,
    pub rows: usize,
}

/// Finds each row's movie. Rows naming a movieId need no catalogue (a profile keeps ids
/// the dataset lacks); IMDb ids and titles need `matcher`. `now` stands in for rows
/// without a date. Two rows for one movie in one list: the newer is kept, the other
/// reported as skipped.
pub fn resolve(
    parsed: &Parsed,
    matcher: Option<&TitleMatcher<'_>>,
    now: i64,
) -> Result<Resolved, ImportError> {
    let mut out = Resolved {
        incoming: UserProfile::default(),
        has_not_interested: parsed.has_not_interested,
        matched_by: BTreeMap::new(),
        skipped: parsed.skipped.clone(),
        unmatched: Vec::new(),
        rows: parsed.rows.len() + parsed.skipped.len(),
    };
    // (list, movieId) → (time, index of the row), to keep the newer of duplicates.
    let mut seen: BTreeMap<(u8, u32), (i64, usize)> = BTreeMap::new();
    for (k, row) in parsed.rows.iter().enumerate() {
        let (id, title) = match find(row, matcher)? {
            Found::Movie { id, title, by } => {
                *out.matched_by.entry(by).or_default() += 1;
                (id, title)
            }
            Found::Not(u) => {
                out.unmatched.push(u);
                continue;
            }
        };
        let time = row.time.unwrap_or(now);
        let list_key = row.list as u8;
        if let Some(&(t, earlier)) = seen.get(&(list_key, id)) {
            let (older, newer) = if time >= t {
                (earlier, k)
            } else {
                (k, earlier)
            };
            let o = &parsed.rows[older];
            out.skipped.push(Skipped {
                file: o.file.clone(),
                line: o.line,
                title: formats::label(&o.title, o.year),
                reason: format!(
                    "the same movie as line {} ({title}), which is newer",
                    parsed.rows[newer].line
                ),
            });
            if newer == earlier {
                continue;
            }
        }
        seen.insert((list_key, id), (time, k));
        match row.list {
            List::Ratings => {
                let stars = row.stars.unwrap_or(0.0);
                out.incoming
                    .ratings
                    .insert(id, RatingEntry { stars, time, title });
            }
            List::Watchlist => {
                out.incoming.watchlist.insert(id, Mark { time, title });
            }
            List::NotInterested => {
                out.incoming.not_interested.insert(id, Mark { time, title });
            }
        }
    }
    Ok(out)
}

enum Found {
    Movie {
        id: u32,
        title: String,
        by: MatchedBy,
    },
    Not(Unmatched),
}

fn find(row: &Row, matcher: Option<&TitleMatcher<'_>>) -> Result<Found, ImportError> {
    let shown = formats::label(&row.title, row.year);
    if let MovieRef::Id(id) = row.movie {
        // The catalogue's title when it has the movie; else the export's, read as a
        // MovieLens title ("Matrix, The (1999)" → "The Matrix (1999)").
        let title = matcher
            .and_then(|m| m.catalogue().by_id(id))
            .map_or_else(|| display_title(&shown), |movie| movie.label());
        return Ok(Found::Movie {
            id,
            title,
            by: MatchedBy::MovieId,
        });
    }
    let Some(m) = matcher else {
        return Err(ImportError::NoCatalogue(row.file.clone()));
    };
    let cat = m.catalogue();
    if let MovieRef::Imdb(imdb) = row.movie {
        if let Some(item) = m.by_imdb(imdb) {
            let movie = cat.movie(item);
            return Ok(Found::Movie {
                id: movie.id,
                title: movie.label(),
                by: MatchedBy::ImdbId,
            });
        }
    }
    let unmatched = |items: Vec<u32>, reason: String, doubtful: bool| Unmatched {
        file: row.file.clone(),
        line: row.line,
        title: row.title.clone(),
        year: row.year,
        reason,
        doubtful,
        candidates: items
            .into_iter()
            .take(5)
            .map(|i| Candidate {
                movie_id: cat.movie(i).id,
                title: cat.movie(i).label(),
                ratings: m.count(i),
            })
            .collect(),
    };
    Ok(match m.match_title(&row.title, row.year) {
        Outcome::Matched { item, by } => {
            let movie = cat.movie(item);
            Found::Movie {
                id: movie.id,
                title: movie.label(),
                by,
            }
        }
        Outcome::Doubtful { candidates, why } => Found::Not(unmatched(candidates, why, true)),
        Outcome::Unmatched { closest } => {
            let reason = match row.movie {
                MovieRef::Imdb(id) if m.has_links() => {
                    format!("IMDb id tt{id:07} is not in the dataset's links, nor the title")
                }
                _ => "no movie with this title and year in the catalogue".to_string(),
            };
            Found::Not(unmatched(closest, reason, false))
        }
    })
}

/// "Matrix, The (1999)" → "The Matrix (1999)"; a title without a year stays as it is.
fn display_title(raw: &str) -> String {
    let t = crate::data::title::parse_title(raw);
    match t.year {
        Some(y) if !t.title.is_empty() => format!("{} ({y})", t.title),
        _ => raw.to_string(),
    }
}

/// How an import combines with the saved profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Only into an empty profile (the default: nothing is ever silently combined).
    New,
    /// Add to the profile; where both have a rating, the newer one wins.
    Merge,
    /// The import's ratings and watchlist replace the profile's (its not-interested
    /// list too when the import has one).
    Replace,
}

/// Counts of what [`apply`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Ratings of movies the profile had not rated.
    pub added: usize,
    /// Ratings replacing the profile's older rating of the same movie (merge).
    pub updated: usize,
    /// Ratings not taken because the profile's rating is as new or newer (merge).
    pub kept: usize,
    pub watchlist_added: usize,
    pub not_interested_added: usize,
}

/// The profile after an import, and what changed. Timestamps are kept as imported.
pub fn apply(existing: &UserProfile, resolved: &Resolved, mode: Mode) -> (UserProfile, Changes) {
    let incoming = &resolved.incoming;
    let mut c = Changes::default();
    let mut p = match mode {
        Mode::Merge => existing.clone(),
        Mode::New | Mode::Replace => {
            let mut p = UserProfile::new(&existing.name);
            if !resolved.has_not_interested {
                p.not_interested = existing.not_interested.clone();
            }
            p
        }
    };
    for (&id, e) in &incoming.ratings {
        match p.ratings.get(&id) {
            None => {
                p.ratings.insert(id, e.clone());
                c.added += 1;
            }
            Some(old) if e.time > old.time => {
                p.ratings.insert(id, e.clone());
                c.updated += 1;
            }
            Some(_) => c.kept += 1,
        }
    }
    for (target, source, count) in [
        (
            &mut p.watchlist,
            &incoming.watchlist,
            &mut c.watchlist_added,
        ),
        (
            &mut p.not_interested,
            &incoming.not_interested,
            &mut c.not_interested_added,
        ),
    ] {
        for (&id, m) in source {
            if let std::collections::btree_map::Entry::Vacant(slot) = target.entry(id) {
                slot.insert(m.clone());
                *count += 1;
            }
        }
    }
    (p, c)
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub profile: String,
    pub path: String,
    pub format: Format,
    pub files: Vec<String>,
    pub mode: Mode,
    pub dry_run: bool,
    /// Rows read (usable and skipped).
    pub rows: usize,
    /// Ratings and watchlist entries found in the export (after duplicates).
    pub ratings: usize,
    pub watchlist: usize,
    pub not_interested: usize,
    pub changes: Changes,
    /// How the found rows were matched, by method.
    pub matched_by: BTreeMap<MatchedBy, usize>,
    pub skipped: Vec<Skipped>,
    pub unmatched: Vec<Unmatched>,
    /// Messages about the saved profile (entries left out, a file moved aside).
    pub warnings: Vec<String>,
}

/// Resolves `parsed`, combines it with the profile in `store` and (unless `dry_run`)
/// saves the result with one atomic write: the profile changes all at once or not at all.
/// A dry run never writes anything.
pub fn import_into(
    store: &ProfileStore,
    parsed: &Parsed,
    matcher: Option<&TitleMatcher<'_>>,
    mode: Mode,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let resolved = resolve(parsed, matcher, crate::profile::now())?;
    let loaded = if dry_run {
        match store.read() {
            Err(ProfileError::NotFound { .. }) => crate::profile::Loaded {
                profile: UserProfile::new(store.name()),
                warnings: Vec::new(),
            },
            other => other?,
        }
    } else {
        store.load()?
    };
    let (profile, mut report) = plan(store, parsed, &resolved, &loaded.profile, mode)?;
    report.warnings = loaded.warnings;
    if !dry_run {
        store.save(&profile)?;
        report.dry_run = false;
    }
    Ok(report)
}

/// What importing `resolved` (read from `parsed`) into `existing`, the profile of
/// `store`, makes: the new profile and the report of a dry run. Writes nothing. An
/// import into a non-empty profile without merge or replace is an error.
pub fn plan(
    store: &ProfileStore,
    parsed: &Parsed,
    resolved: &Resolved,
    existing: &UserProfile,
    mode: Mode,
) -> Result<(UserProfile, ImportReport), ImportError> {
    if mode == Mode::New && !existing.is_empty() {
        return Err(ImportError::NotEmpty {
            name: store.name().to_string(),
            ratings: existing.ratings.len(),
            watchlist: existing.watchlist.len(),
            not_interested: existing.not_interested.len(),
            path: store.path().display().to_string(),
        });
    }
    let (mut profile, changes) = apply(existing, resolved, mode);
    profile.name = store.name().to_string();
    let report = ImportReport {
        profile: store.name().to_string(),
        path: store.path().display().to_string(),
        format: parsed.format,
        files: parsed.files.clone(),
        mode,
        dry_run: true,
        rows: resolved.rows,
        ratings: resolved.incoming.ratings.len(),
        watchlist: resolved.incoming.watchlist.len(),
        not_interested: resolved.incoming.not_interested.len(),
        changes,
        matched_by: resolved.matched_by.clone(),
        skipped: resolved.skipped.clone(),
        unmatched: resolved.unmatched.clone(),
        warnings: Vec::new(),
    };
    Ok((profile, report))
}

impl ImportReport {
    /// The report as text, for the terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let what = if self.dry_run {
            "Dry run (nothing written)"
        } else {
            "Imported"
        };
        let _ = writeln!(
            out,
            "{what}: {} export {} → profile {} ({})",
            self.format.name(),
            self.files.join(", "),
            self.profile,
            self.path
        );
        let _ = writeln!(
            out,
            "  {} rows: {} ratings, {} on the watchlist{}",
            self.rows,
            self.ratings,
            self.watchlist,
            if self.not_interested > 0 {
                format!(", {} not interested", self.not_interested)
            } else {
                String::new()
            }
        );
        if !self.matched_by.is_empty() {
            let how: Vec<String> = self
                .matched_by
                .iter()
                .map(|(by, n)| format!("{n} {}", by.describe()))
                .collect();
            let _ = writeln!(out, "  Matched: {}", how.join("; "));
        }
        let c = &self.changes;
        let _ = writeln!(
            out,
            "  Ratings: {} new, {} merged ({} updated to the newer import, {} kept as yours is newer)",
            c.added,
            c.updated + c.kept,
            c.updated,
            c.kept
        );
        let _ = writeln!(
            out,
            "  Watchlist: {} new{}",
            c.watchlist_added,
            if c.not_interested_added > 0 {
                format!("; not interested: {} new", c.not_interested_added)
            } else {
                String::new()
            }
        );
        if !self.skipped.is_empty() {
            let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
            for s in &self.skipped {
                *by_reason.entry(s.reason.as_str()).or_default() += 1;
            }
            let _ = writeln!(out, "  Skipped {}:", self.skipped.len());
            for (reason, n) in by_reason {
                let _ = writeln!(out, "    {n} × {reason}");
            }
        }
        if !self.unmatched.is_empty() {
            let _ = writeln!(
                out,
                "  Not matched {} (not imported; rate them in reel by movieId):",
                self.unmatched.len()
            );
            for u in &self.unmatched {
                let _ = writeln!(
                    out,
                    "    {} line {}: {} — {}",
                    u.file,
                    u.line,
                    formats::label(&u.title, u.year),
                    u.reason
                );
                if !u.candidates.is_empty() {
                    let c: Vec<String> = u
                        .candidates
                        .iter()
                        .map(|c| format!("{} [movieId {}]", c.title, c.movie_id))
                        .collect();
                    let word = if u.doubtful { "candidates" } else { "closest" };
                    let _ = writeln!(out, "      {word}: {}", c.join("; "));
                }
            }
        }
        out
    }
}
