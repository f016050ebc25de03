//! Loading a MovieLens folder: detect the layout, parse, preprocess, build the
//! matrix, and keep a binary snapshot in the cache for the next start.

use super::cache::{self, CacheStatus};
use super::error::DataError;
use super::formats::{self, IdRating, Parsed, RawLink, RawMovie, RawTag};
use super::rows::{ByteProgress, Skips};
use super::title::parse_title;
use super::{Catalogue, Dataset, GenreSet, Layout, LoadReport, Movie, Rating, RatingMatrix};
use super::{RatingScale, Tag};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Where the binary snapshot of a dataset is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheMode {
    /// The platform cache directory.
    Platform,
    /// A given directory.
    Dir(PathBuf),
    /// No cache: always parse the source files.
    Off,
}

/// How to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Skip (and count) malformed rows instead of stopping at the first.
    pub lenient: bool,
    pub cache: CacheMode,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            lenient: false,
            cache: CacheMode::Platform,
        }
    }
}

/// The files a layout reads, in a fixed order (those present).
pub fn source_files(dir: &Path, layout: Layout) -> Vec<PathBuf> {
    let names: &[&str] = match layout {
        Layout::Csv => &["ratings.csv", "movies.csv", "links.csv", "tags.csv"],
        Layout::Dat => &["ratings.dat", "movies.dat", "tags.dat"],
        Layout::Ml100k => &["u.data", "u.item", "u.genre"],
    };
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// Detects the layout from the files present.
pub fn detect_layout(dir: &Path) -> Result<Layout, DataError> {
    let has = |name: &str| dir.join(name).is_file();
    if has("ratings.csv") && has("movies.csv") {
        Ok(Layout::Csv)
    } else if has("ratings.dat") && has("movies.dat") {
        Ok(Layout::Dat)
    } else if has("u.data") && has("u.item") && has("u.genre") {
        Ok(Layout::Ml100k)
    } else {
        Err(DataError::NoDataset {
            dir: dir.to_path_buf(),
        })
    }
}

/// Loads the dataset in `dir`, from the cache when it is fresh.
pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Dataset, DataError> {
    load_with_progress(dir, opts, &|_, _| {})
}

/// [`load`], telling `progress` (bytes parsed, bytes in all) while the ratings file is
/// parsed, so a first load of a large set does not sit still.
pub fn load_with_progress(
    dir: &Path,
    opts: &LoadOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Dataset, DataError> {
    let layout = detect_layout(dir)?;
    let cache_file = match &opts.cache {
        CacheMode::Off => None,
        CacheMode::Platform => crate::paths::cache_dir().map(|d| cache::file_for(&d, dir)),
        CacheMode::Dir(d) => Some(cache::file_for(d, dir)),
    };
    let Some(cache_file) = cache_file else {
        let mut ds = load_source(dir, layout, opts.lenient, progress)?;
        ds.cache = CacheStatus::Disabled;
        return Ok(ds);
    };
    let fingerprint = cache::Fingerprint::of(&source_files(dir, layout), opts.lenient)?;
    let stale_reason = match cache::read(&cache_file, &fingerprint) {
        Ok(mut ds) => {
            ds.source = dir.to_path_buf();
            ds.cache = CacheStatus::Hit(cache_file);
            return Ok(ds);
        }
        Err(cache::Miss::Absent) => None,
        Err(cache::Miss::Stale(why)) => Some(why),
    };
    let mut ds = load_source(dir, layout, opts.lenient, progress)?;
    ds.cache = match cache::write(&cache_file, &fingerprint, &ds) {
        Ok(()) => match stale_reason {
            None => CacheStatus::Written(cache_file),
            Some(why) => CacheStatus::Rebuilt(cache_file, why),
        },
        Err(e) => CacheStatus::WriteFailed(e.to_string()),
    };
    Ok(ds)
}

/// Everything read from one folder's files, before assembly.
struct SourceRows {
    movies: Vec<RawMovie>,
    /// The file the movies came from (to name it in errors).
    movie_file: PathBuf,
    ratings: Vec<IdRating>,
    tags: Vec<RawTag>,
    links: Vec<RawLink>,
    /// Genre names in their canonical order, when the layout defines one (ml-100k).
    genre_order: Vec<String>,
    scale: RatingScale,
    skips: Skips,
}

fn take<T>(p: Parsed<T>, skips: &mut Skips) -> Vec<T> {
    skips.merge(p.skips);
    p.rows
}

fn read_csv_layout(
    dir: &Path,
    lenient: bool,
    progress: ByteProgress<'_>,
) -> Result<SourceRows, DataError> {
    let mut skips = Skips::default();
    let (ratings, movies) = rayon::join(
        || formats::read_ratings_csv(&dir.join("ratings.csv"), lenient, Some(progress)),
        || formats::read_movies_csv(&dir.join("movies.csv"), lenient),
    );
    let ratings = take(ratings?, &mut skips);
    let movies = take(movies?, &mut skips);
    let links = optional(dir.join("links.csv"), |p| {
        formats::read_links_csv(p, lenient)
    })?;
    let tags = optional(dir.join("tags.csv"), |p| formats::read_tags_csv(p, lenient))?;
    Ok(SourceRows {
        movies,
        movie_file: dir.join("movies.csv"),
        ratings,
        links: take(links, &mut skips),
        tags: take(tags, &mut skips),
        genre_order: Vec::new(),
        scale: RatingScale::HALF_STARS,
        skips,
    })
}

fn read_dat_layout(
    dir: &Path,
    lenient: bool,
    progress: ByteProgress<'_>,
) -> Result<SourceRows, DataError> {
    let mut skips = Skips::default();
    let ratings = formats::read_ratings_dat(&dir.join("ratings.dat"), lenient, Some(progress))?;
    let movies = formats::read_movies_dat(&dir.join("movies.dat"), lenient)?;
    let tags_path = dir.join("tags.dat");
    // ml-10m (which ships tags.dat) rates in half stars; ml-1m in whole stars.
    let scale = if tags_path.is_file() {
        RatingScale::HALF_STARS
    } else {
        RatingScale::WHOLE_STARS
    };
    let tags = optional(tags_path, |p| formats::read_tags_dat(p, lenient))?;
    Ok(SourceRows {
        ratings: take(ratings, &mut skips),
        movies: take(movies, &mut skips),
        movie_file: dir.join("movies.dat"),
        tags: take(tags, &mut skips),
        links: Vec::new(),
        genre_order: Vec::new(),
        scale,
        skips,
    })
}

fn read_100k_layout(
    dir: &Path,
    lenient: bool,
    progress: ByteProgress<'_>,
) -> Result<SourceRows, DataError> {
    let mut skips = Skips::default();
    let genres = formats::read_genres_100k(&dir.join("u.genre"))?;
    let movies = formats::read_items_100k(&dir.join("u.item"), &genres, lenient)?;
    let ratings = formats::read_ratings_tab(&dir.join("u.data"), lenient, Some(progress))?;
    Ok(SourceRows {
        movies: take(movies, &mut skips),
        movie_file: dir.join("u.item"),
        ratings: take(ratings, &mut skips),
        tags: Vec::new(),
        links: Vec::new(),
        genre_order: genres.into_iter().filter(|g| g != "unknown").collect(),
        scale: RatingScale::WHOLE_STARS,
        skips,
    })
}

/// Parses the source files of `dir` (no cache).
pub fn load_source(
    dir: &Path,
    layout: Layout,
    lenient: bool,
    progress: ByteProgress<'_>,
) -> Result<Dataset, DataError> {
    let rows = match layout {
        Layout::Csv => read_csv_layout(dir, lenient, progress)?,
        Layout::Dat => read_dat_layout(dir, lenient, progress)?,
        Layout::Ml100k => read_100k_layout(dir, lenient, progress)?,
    };
    let mut report = LoadReport {
        malformed_skipped: rows.skips.count,
        malformed_examples: rows.skips.examples,
        ..LoadReport::default()
    };
    let mut catalogue = build_catalogue(
        &rows.movie_file,
        rows.movies,
        rows.genre_order,
        lenient,
        &mut report,
    )?;
    attach_links(&mut catalogue, &rows.links);
    let (user_ids, ratings) = build_matrix(&mut catalogue, rows.ratings, rows.scale, &mut report);
    let tags = map_tags(&catalogue, rows.tags, &mut report);
    Ok(Dataset {
        layout,
        source: dir.to_path_buf(),
        scale: rows.scale,
        catalogue,
        user_ids,
        ratings,
        tags,
        report,
        cache: CacheStatus::Disabled,
    })
}

fn optional<T>(
    path: PathBuf,
    read: impl FnOnce(&Path) -> Result<Parsed<T>, DataError>,
) -> Result<Parsed<T>, DataError> {
    if path.is_file() {
        read(&path)
    } else {
        Ok(Parsed {
            rows: Vec::new(),
            skips: Skips::default(),
        })
    }
}

fn build_catalogue(
    file: &Path,
    raw: Vec<RawMovie>,
    genre_order: Vec<String>,
    lenient: bool,
    report: &mut LoadReport,
) -> Result<Catalogue, DataError> {
    let mut genre_names = genre_order;
    let mut seen = std::collections::HashMap::with_capacity(raw.len());
    let mut movies = Vec::with_capacity(raw.len());
    for m in raw {
        if let Some(first) = seen.insert(m.id, m.line) {
            let problem = format!("movieId {} appears again (first at line {first})", m.id);
            if !lenient {
                return Err(DataError::Malformed {
                    file: file.to_path_buf(),
                    line: m.line,
                    problem,
                    text: m.title,
                });
            }
            seen.insert(m.id, first);
            report.malformed_skipped += 1;
            continue;
        }
        let mut genres = GenreSet::default();
        for g in &m.genres {
            let bit =
                Catalogue::intern_genre(&mut genre_names, g).map_err(|e| DataError::Invalid {
                    file: file.to_path_buf(),
                    problem: e.to_string(),
                })?;
            genres.insert(bit);
        }
        let parsed = parse_title(&m.title);
        movies.push(Movie {
            id: m.id,
            title: parsed.title,
            alt_titles: parsed.alt_titles,
            year: parsed.year.or(m.fallback_year),
            genres,
            imdb_id: None,
            tmdb_id: None,
            placeholder: false,
        });
    }
    Ok(Catalogue::new(movies, genre_names))
}

fn attach_links(catalogue: &mut Catalogue, links: &[RawLink]) {
    for l in links {
        if let Some(i) = catalogue.index_of(l.movie_id) {
            let m = &mut catalogue.movies[i as usize];
            m.imdb_id = l.imdb_id;
            m.tmdb_id = l.tmdb_id;
        }
    }
}

/// Id → dense index table: a direct array for compact id ranges, a hash map otherwise.
enum IdTable {
    Dense(Vec<u32>),
    Sparse(std::collections::HashMap<u32, u32>),
}

const ABSENT: u32 = u32::MAX;

impl IdTable {
    fn new(pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        let max = pairs.clone().map(|(id, _)| id).max().unwrap_or(0) as usize;
        if max <= 50_000_000 {
            let mut table = vec![ABSENT; max + 1];
            for (id, idx) in pairs {
                table[id as usize] = idx;
            }
            IdTable::Dense(table)
        } else {
            IdTable::Sparse(pairs.collect())
        }
    }
    fn get(&self, id: u32) -> Option<u32> {
        match self {
            IdTable::Dense(t) => t.get(id as usize).copied().filter(|&i| i != ABSENT),
            IdTable::Sparse(m) => m.get(&id).copied(),
        }
    }
}

/// Drops off-scale ratings, adds placeholder movies for unknown ids, maps ids to
/// dense indices and builds the matrix (merging duplicates).
fn build_matrix(
    catalogue: &mut Catalogue,
    raw: Vec<IdRating>,
    scale: RatingScale,
    report: &mut LoadReport,
) -> (Vec<u32>, RatingMatrix) {
    report.rating_rows = raw.len() as u64;
    let on_scale = |v: f32| {
        scale.contains(v) && {
            let steps = (v - scale.min) / scale.step;
            // In range, so the cast is exact: a cheap round-to-nearest.
            (steps - (steps + 0.5) as u32 as f32).abs() < 1e-3
        }
    };
    // Unknown movies become placeholders (in id order).
    let known = IdTable::new(
        catalogue
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i as u32)),
    );
    let mut unknown: Vec<u32> = raw
        .par_iter()
        .filter(|r| on_scale(r.value) && known.get(r.movie_id).is_none())
        .map(|r| r.movie_id)
        .collect();
    report.unknown_movie_ratings = unknown.len() as u64;
    unknown.sort_unstable();
    unknown.dedup();
    report.placeholder_movies = unknown.len() as u64;
    let movies = if unknown.is_empty() {
        known
    } else {
        for id in unknown {
            catalogue.movies.push(Movie {
                id,
                title: format!("Unknown movie #{id}"),
                alt_titles: Vec::new(),
                year: None,
                genres: GenreSet::default(),
                imdb_id: None,
                tmdb_id: None,
                placeholder: true,
            });
        }
        catalogue.reindex();
        IdTable::new(
            catalogue
                .movies
                .iter()
                .enumerate()
                .map(|(i, m)| (m.id, i as u32)),
        )
    };
    let mut user_ids: Vec<u32> = raw
        .par_iter()
        .filter(|r| on_scale(r.value))
        .map(|r| r.user_id)
        .collect();
    user_ids.par_sort_unstable();
    user_ids.dedup();
    let users = IdTable::new(user_ids.iter().enumerate().map(|(i, &id)| (id, i as u32)));
    let before = raw.len();
    // Same layout as IdRating, so this collect reuses the allocation.
    let ratings: Vec<Rating> = raw
        .into_iter()
        .filter(|r| on_scale(r.value))
        .filter_map(|r| {
            Some(Rating {
                user: users.get(r.user_id)?,
                item: movies.get(r.movie_id)?,
                value: r.value,
                time: r.time,
            })
        })
        .collect();
    report.out_of_range_dropped = (before - ratings.len()) as u64;
    let (matrix, duplicates) = RatingMatrix::from_ratings(user_ids.len(), catalogue.len(), ratings);
    report.duplicates_merged = duplicates as u64;
    (user_ids, matrix)
}

fn map_tags(catalogue: &Catalogue, raw: Vec<RawTag>, report: &mut LoadReport) -> Vec<Tag> {
    let mut tags = Vec::with_capacity(raw.len());
    for t in raw {
        match catalogue.index_of(t.movie_id) {
            Some(item) => tags.push(Tag {
                user_id: t.user_id,
                item,
                text: t.text,
                time: t.time,
            }),
            None => report.unknown_movie_tags += 1,
        }
    }
    tags
}
