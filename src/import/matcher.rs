//! Matching an export's rows to catalogue movies: exactly by IMDb id through the
//! dataset's links, else by title and year with [`title_key`]. Deterministic: the same
//! catalogue and row always give the same answer, and a doubtful match is reported
//! with its candidates instead of being guessed.

use serde::Serialize;
use std::collections::HashMap;

use super::normalize::{title_key, title_parts};
use crate::data::Catalogue;

/// How a row found its movie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The export names the MovieLens movieId.
    MovieId,
    /// The export's IMDb id, through the dataset's links.
    ImdbId,
    /// The whole title (or an alternative title) and the year.
    TitleAndYear,
    /// The whole title, the year one off (release dates differ between sites).
    TitleYearOff,
    /// The title is one part of the catalogue's ("Star Wars" → "Star Wars: Episode IV -
    /// A New Hope"), with the same year, and no other movie matches.
    PartOfTitle,
    /// Several movies with the same title and year: the more-rated one.
    MoreRated,
}

impl MatchedBy {
    pub fn describe(self) -> &'static str {
        match self {
            MatchedBy::MovieId => "by movieId",
            MatchedBy::ImdbId => "by IMDb id",
            MatchedBy::TitleAndYear => "by title and year",
            MatchedBy::TitleYearOff => "by title, year ±1",
            MatchedBy::PartOfTitle => "by part of the title and the year",
            MatchedBy::MoreRated => "by title and year, the more-rated of identical titles",
        }
    }
}

/// What matching one title gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Matched {
        item: u32,
        by: MatchedBy,
    },
    /// Several movies fit equally well (or only weakly): not guessed.
    Doubtful {
        candidates: Vec<u32>,
        why: String,
    },
    /// Nothing fits; the closest titles, best first.
    Unmatched {
        closest: Vec<u32>,
    },
}

/// How many closest candidates an unmatched title lists.
const CLOSEST: usize = 3;
/// A word in more movies' titles than this says too little to find candidates by.
const COMMON_WORD: usize = 2000;

/// Title and IMDb indexes over one catalogue.
pub struct TitleMatcher<'a> {
    catalogue: &'a Catalogue,
    counts: &'a [u32],
    /// Whole-title keys (title, each alternative title, title with alternatives), compacted.
    full: HashMap<String, Vec<u32>>,
    /// Keys of the parts around ": " and " - ", compacted.
    parts: HashMap<String, Vec<u32>>,
    /// Words of the whole-title keys → items, to find candidates for an unmatched title.
    words: HashMap<String, Vec<u32>>,
    /// Each item's whole-title keys, for similarity.
    keys: Vec<Vec<String>>,
    imdb: HashMap<u32, u32>,
}

/// How alike two keys are, 0 to 1: string similarity, or 0.9 when one is the other's
/// whole words plus more ("life of brian" in "monty pythons life of brian").
fn similarity(a: &str, b: &str) -> f64 {
    let within = |short: &str, long: &str| {
        short.len() >= 4 && format!(" {long} ").contains(&format!(" {short} "))
    };
    let contained = if within(a, b) || within(b, a) {
        0.9
    } else {
        0.0
    };
    strsim::normalized_levenshtein(a, b).max(contained)
}

/// The lookup form of a key: without spaces, so "Old Boy" = "Oldboy" and
/// "Spider Man" = "Spiderman" (the year still has to agree).
fn compact(key: &str) -> String {
    key.replace(' ', "")
}

fn push_unique(map: &mut HashMap<String, Vec<u32>>, key: String, item: u32) {
    let items = map.entry(key).or_default();
    if items.last() != Some(&item) {
        items.push(item);
    }
}

impl<'a> TitleMatcher<'a> {
    /// Indexes `catalogue`; `counts[item]` is the number of ratings (the tie-breaker).
    pub fn new(catalogue: &'a Catalogue, counts: &'a [u32]) -> Self {
        let mut m = TitleMatcher {
            catalogue,
            counts,
            full: HashMap::new(),
            parts: HashMap::new(),
            words: HashMap::new(),
            keys: Vec::with_capacity(catalogue.len()),
            imdb: HashMap::new(),
        };
        for (i, movie) in catalogue.movies.iter().enumerate() {
            let item = i as u32;
            if let Some(imdb) = movie.imdb_id {
                m.imdb.entry(imdb).or_insert(item);
            }
            let mut keys: Vec<String> = Vec::new();
            let mut names = vec![movie.title.clone()];
            names.extend(movie.alt_titles.iter().cloned());
            if !movie.alt_titles.is_empty() {
                // "Birdman or (The Unexpected Virtue of Ignorance)" as one title.
                names.push(format!("{} {}", movie.title, movie.alt_titles.join(" ")));
            }
            for name in &names {
                let key = title_key(name);
                if !key.is_empty() && !keys.contains(&key) {
                    keys.push(key);
                }
            }
            for key in &keys {
                push_unique(&mut m.full, compact(key), item);
                for w in key.split(' ').filter(|w| w.len() >= 2) {
                    push_unique(&mut m.words, w.to_string(), item);
                }
            }
            for name in names.iter().take(1 + movie.alt_titles.len()) {
                for part in title_parts(name) {
                    let part = compact(&part);
                    if !keys.iter().any(|k| compact(k) == part) {
                        push_unique(&mut m.parts, part, item);
                    }
                }
            }
            m.keys.push(keys);
        }
        m
    }

    pub fn catalogue(&self) -> &Catalogue {
        self.catalogue
    }

    /// Whether the dataset has IMDb links (ml-1m and ml-100k have none).
    pub fn has_links(&self) -> bool {
        !self.imdb.is_empty()
    }

    /// The item with this IMDb id (the number in "tt0111161").
    pub fn by_imdb(&self, imdb: u32) -> Option<u32> {
        self.imdb.get(&imdb).copied()
    }

    /// Number of ratings of an item.
    pub fn count(&self, item: u32) -> u32 {
        self.counts.get(item as usize).copied().unwrap_or(0)
    }

    fn year_of(&self, item: u32) -> Option<u16> {
        self.catalogue.movie(item).year
    }

    /// Matches a title and (when known) its year.
    pub fn match_title(&self, title: &str, year: Option<u16>) -> Outcome {
        let key = title_key(title);
        if key.is_empty() {
            return Outcome::Unmatched {
                closest: Vec::new(),
            };
        }
        let none: Vec<u32> = Vec::new();
        let full = self.full.get(&compact(&key)).unwrap_or(&none);
        let parts = self.parts.get(&compact(&key)).unwrap_or(&none);
        let Some(y) = year else {
            return self.without_year(full, parts, &key);
        };
        // Year distance: 0, 1, or more; a movie without a year counts as one off.
        let dist = |item: u32| match self.year_of(item) {
            Some(my) => u16::abs_diff(my, y).min(2),
            None => 1,
        };
        let groups = [
            (full, 0, MatchedBy::TitleAndYear),
            (full, 1, MatchedBy::TitleYearOff),
            (parts, 0, MatchedBy::PartOfTitle),
            (parts, 1, MatchedBy::PartOfTitle),
        ];
        for (items, d, by) in groups {
            let group: Vec<u32> = items.iter().copied().filter(|&i| dist(i) == d).collect();
            match group.len() {
                0 => continue,
                1 if by == MatchedBy::PartOfTitle && d == 1 => {
                    return Outcome::Doubtful {
                        candidates: group,
                        why: "only part of the title matches, and the year is one off".into(),
                    }
                }
                1 => return Outcome::Matched { item: group[0], by },
                _ if by != MatchedBy::PartOfTitle => return self.tie(group),
                _ => {
                    return Outcome::Doubtful {
                        candidates: self.by_popularity(group),
                        why: "part of the title matches several movies".into(),
                    }
                }
            }
        }
        Outcome::Unmatched {
            closest: self.closest(&key, Some(y)),
        }
    }

    fn without_year(&self, full: &[u32], parts: &[u32], key: &str) -> Outcome {
        match (full.len(), parts.len()) {
            (1, _) => Outcome::Matched {
                item: full[0],
                by: MatchedBy::TitleAndYear,
            },
            (0, 0) => Outcome::Unmatched {
                closest: self.closest(key, None),
            },
            (0, _) => Outcome::Doubtful {
                candidates: self.by_popularity(parts.to_vec()),
                why: "only part of a title matches, and there is no year".into(),
            },
            _ => self.tie(full.to_vec()),
        }
    }

    /// Several movies with the same title key: the more-rated one only when they also
    /// share the year (identical entries); otherwise the year would have to decide.
    fn tie(&self, group: Vec<u32>) -> Outcome {
        let same_year = group
            .iter()
            .all(|&i| self.year_of(i) == self.year_of(group[0]));
        let sorted = self.by_popularity(group);
        if same_year && self.count(sorted[0]) > self.count(sorted[1]) {
            return Outcome::Matched {
                item: sorted[0],
                by: MatchedBy::MoreRated,
            };
        }
        let why = if same_year {
            "several movies with this title and year, equally rated"
        } else {
            "several movies with this title, in different years"
        };
        Outcome::Doubtful {
            candidates: sorted,
            why: why.into(),
        }
    }

    /// Items by number of ratings (descending), then movieId.
    fn by_popularity(&self, mut items: Vec<u32>) -> Vec<u32> {
        items.sort_by_key(|&i| (std::cmp::Reverse(self.count(i)), self.catalogue.movie(i).id));
        items
    }

    /// The titles closest to an unmatched key: those sharing a word with it, by string
    /// similarity, the year's distance as a small penalty.
    pub fn closest(&self, key: &str, year: Option<u16>) -> Vec<u32> {
        let mut pool: Vec<u32> = Vec::new();
        for w in key.split(' ').filter(|w| w.len() >= 2) {
            if let Some(items) = self.words.get(w) {
                if items.len() <= COMMON_WORD {
                    pool.extend_from_slice(items);
                }
            }
        }
        pool.sort_unstable();
        pool.dedup();
        let mut scored: Vec<(f64, u32)> = pool
            .into_iter()
            .map(|item| {
                let sim = self.keys[item as usize]
                    .iter()
                    .map(|k| similarity(key, k))
                    .fold(0.0, f64::max);
                let penalty = match (year, self.year_of(item)) {
                    (Some(a), Some(b)) => 0.01 * f64::from(a.abs_diff(b).min(20)),
                    _ => 0.0,
                };
                (sim - penalty, item)
            })
            .filter(|&(s, _)| s >= 0.3)
            .collect();
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(self.count(b.1).cmp(&self.count(a.1)))
                .then(a.1.cmp(&b.1))
        });
        scored.into_iter().take(CLOSEST).map(|(_, i)| i).collect()
    }
}
