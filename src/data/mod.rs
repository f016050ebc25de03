//! The data layer: MovieLens files → [`Dataset`] (catalogue + compact rating matrix).

pub mod cache;
pub mod catalogue;
pub mod download;
pub mod error;
pub mod formats;
pub mod load;
pub mod matrix;
mod rows;
pub mod title;

pub use cache::CacheStatus;
pub use catalogue::{Catalogue, GenreSet, Movie, Tag};
pub use error::DataError;
pub use formats::IdRating;
pub use load::{detect_layout, load, load_with_progress, CacheMode, LoadOptions};
pub use matrix::{ItemColumn, Rating, RatingMatrix, UserRow};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which GroupLens release layout a folder holds, detected from the files present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m: `ratings.csv`, `movies.csv`, …
    Csv,
    /// ml-1m and ml-10m: `ratings.dat`, `movies.dat`, `::`-separated.
    Dat,
    /// ml-100k: `u.data`, `u.item`, `u.genre`.
    Ml100k,
}

impl Layout {
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Csv => "csv (ml-latest / ml-latest-small / ml-20m / ml-25m / ml-32m)",
            Layout::Dat => "dat (ml-1m / ml-10m)",
            Layout::Ml100k => "ml-100k (u.data / u.item)",
        }
    }
}

/// The rating scale of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingScale {
    pub min: f32,
    pub max: f32,
    pub step: f32,
}

impl RatingScale {
    /// Half stars, 0.5 to 5 (ml-latest, ml-10m and later).
    pub const HALF_STARS: RatingScale = RatingScale {
        min: 0.5,
        max: 5.0,
        step: 0.5,
    };
    /// Whole stars, 1 to 5 (ml-100k, ml-1m).
    pub const WHOLE_STARS: RatingScale = RatingScale {
        min: 1.0,
        max: 5.0,
        step: 1.0,
    };

    pub fn contains(&self, value: f32) -> bool {
        value.is_finite() && value >= self.min && value <= self.max
    }

    pub fn clamp(&self, value: f32) -> f32 {
        value.clamp(self.min, self.max)
    }

    /// Number of histogram buckets (one per step).
    pub fn buckets(&self) -> usize {
        ((self.max - self.min) / self.step).round() as usize + 1
    }
}

/// A row skipped under `--lenient`, with where and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub file: String,
    pub line: u64,
    pub problem: String,
}

/// What preprocessing did while loading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Rows read from the ratings file (before any preprocessing).
    pub rating_rows: u64,
    /// Repeated (user, movie) pairs merged, keeping the latest rating.
    pub duplicates_merged: u64,
    /// Ratings outside the scale or not finite, dropped.
    pub out_of_range_dropped: u64,
    /// Ratings for movies missing from the catalogue (kept under a placeholder title).
    pub unknown_movie_ratings: u64,
    /// Placeholder movies created for them.
    pub placeholder_movies: u64,
    /// Tags for movies missing from the catalogue, dropped.
    pub unknown_movie_tags: u64,
    /// Malformed rows skipped under `--lenient` (total, and the first few).
    pub malformed_skipped: u64,
    pub malformed_examples: Vec<SkippedRow>,
}

/// A loaded MovieLens dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub layout: Layout,
    /// The folder it was loaded from.
    pub source: PathBuf,
    pub scale: RatingScale,
    pub catalogue: Catalogue,
    /// MovieLens userId of each dense user index.
    pub user_ids: Vec<u32>,
    pub ratings: RatingMatrix,
    pub tags: Vec<Tag>,
    pub report: LoadReport,
    /// Whether this came from the binary cache (not itself cached).
    pub cache: CacheStatus,
}

impl Dataset {
    /// Dense user index of a MovieLens userId (ids are stored sorted).
    pub fn user_index(&self, user_id: u32) -> Option<usize> {
        self.user_ids.binary_search(&user_id).ok()
    }
}
