//! `reel info`: load a MovieLens folder and describe it.

use super::{emit, iso_date, thousands, DataArgs};
use crate::data::{CacheStatus, Dataset, LoadReport};
use anyhow::Result;
use serde::Serialize;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Everything `reel info` reports; the JSON keys are stable.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub source: String,
    /// Short, stable name: "csv", "dat" or "ml-100k".
    pub layout: crate::data::Layout,
    /// Which releases use that layout, for people.
    pub layout_description: String,
    pub ratings: u64,
    pub users: u64,
    pub movies: u64,
    pub rated_movies: u64,
    pub tags: u64,
    /// ratings / (users × rated movies).
    pub density: f64,
    pub scale: Scale,
    pub mean_rating: f64,
    pub histogram: Vec<Bucket>,
    pub first_rating: Option<String>,
    pub last_rating: Option<String>,
    pub first_timestamp: Option<i64>,
    pub last_timestamp: Option<i64>,
    pub preprocessing: LoadReport,
    pub cache: String,
    pub cache_file: Option<String>,
    pub load_ms: f64,
    pub memory_bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct Scale {
    pub min: f32,
    pub max: f32,
    pub step: f32,
}

#[derive(Debug, Serialize)]
pub struct Bucket {
    pub rating: f32,
    pub count: u64,
}

pub fn run(data: &DataArgs, args: &InfoArgs) -> Result<()> {
    let start = Instant::now();
    let ds = data.load()?;
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    let summary = summarize(&ds, load_ms);
    if args.json {
        emit(&(serde_json::to_string_pretty(&summary)? + "\n"))
    } else {
        emit(&render(&summary))
    }
}

pub fn summarize(ds: &Dataset, load_ms: f64) -> Summary {
    let m = &ds.ratings;
    let rated = m.rated_items() as u64;
    let users = m.n_users() as u64;
    let cells = users as f64 * rated as f64;
    let mut histogram: Vec<Bucket> = (0..ds.scale.buckets())
        .map(|k| Bucket {
            rating: ds.scale.min + k as f32 * ds.scale.step,
            count: 0,
        })
        .collect();
    for &v in m.values() {
        let k = ((v - ds.scale.min) / ds.scale.step).round() as usize;
        if let Some(b) = histogram.get_mut(k) {
            b.count += 1;
        }
    }
    let first = m.times().iter().min().copied();
    let last = m.times().iter().max().copied();
    let (cache, cache_file) = match &ds.cache {
        CacheStatus::Disabled => ("disabled".to_string(), None),
        CacheStatus::Hit(p) => ("loaded from cache".to_string(), Some(p)),
        CacheStatus::Written(p) => ("parsed; cache written".to_string(), Some(p)),
        CacheStatus::Rebuilt(p, why) => (format!("parsed; cache rebuilt ({why})"), Some(p)),
        CacheStatus::WriteFailed(why) => (format!("parsed; cache not written: {why}"), None),
    };
    Summary {
        source: ds.source.display().to_string(),
        layout: ds.layout,
        layout_description: ds.layout.describe().to_string(),
        ratings: m.nnz() as u64,
        users,
        movies: ds.catalogue.len() as u64,
        rated_movies: rated,
        tags: ds.tags.len() as u64,
        density: if cells > 0.0 {
            m.nnz() as f64 / cells
        } else {
            0.0
        },
        scale: Scale {
            min: ds.scale.min,
            max: ds.scale.max,
            step: ds.scale.step,
        },
        mean_rating: m.global_mean(),
        histogram,
        first_rating: first.map(iso_date),
        last_rating: last.map(iso_date),
        first_timestamp: first,
        last_timestamp: last,
        preprocessing: ds.report.clone(),
        cache,
        cache_file: cache_file.map(|p| p.display().to_string()),
        load_ms,
        memory_bytes: m.heap_bytes() as u64,
    }
}

pub fn render(s: &Summary) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let p = &s.preprocessing;
    let _ = writeln!(o, "Dataset       {}", s.source);
    let _ = writeln!(o, "Layout        {}", s.layout_description);
    let _ = writeln!(o, "Ratings       {}", thousands(s.ratings));
    let _ = writeln!(o, "Users         {}", thousands(s.users));
    let _ = writeln!(
        o,
        "Movies        {} in the catalogue, {} with at least one rating",
        thousands(s.movies),
        thousands(s.rated_movies)
    );
    let _ = writeln!(o, "Tags          {}", thousands(s.tags));
    let _ = writeln!(
        o,
        "Density       {:.3}% of users × rated movies",
        s.density * 100.0
    );
    let _ = writeln!(
        o,
        "Scale         {} to {} in steps of {}; mean {:.3}",
        s.scale.min, s.scale.max, s.scale.step, s.mean_rating
    );
    let widest = s
        .histogram
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1);
    for b in &s.histogram {
        let bar = "█".repeat(((b.count as f64 / widest as f64) * 40.0).round() as usize);
        let _ = writeln!(
            o,
            "  {:>4.1} ★  {:>11}  {bar}",
            b.rating,
            thousands(b.count)
        );
    }
    if let (Some(a), Some(b)) = (&s.first_rating, &s.last_rating) {
        let _ = writeln!(o, "Dates         {a} to {b}");
    }
    let _ = writeln!(o, "Preprocessing");
    let _ = writeln!(
        o,
        "  rows read                       {}",
        thousands(p.rating_rows)
    );
    let _ = writeln!(
        o,
        "  duplicates merged (latest kept) {}",
        thousands(p.duplicates_merged)
    );
    let _ = writeln!(
        o,
        "  off-scale ratings dropped       {}",
        thousands(p.out_of_range_dropped)
    );
    let _ = writeln!(
        o,
        "  ratings for unknown movies      {} (kept under {} placeholder titles)",
        thousands(p.unknown_movie_ratings),
        thousands(p.placeholder_movies)
    );
    let _ = writeln!(
        o,
        "  tags for unknown movies dropped {}",
        thousands(p.unknown_movie_tags)
    );
    let _ = writeln!(
        o,
        "  malformed rows skipped          {}",
        thousands(p.malformed_skipped)
    );
    for e in &p.malformed_examples {
        let _ = writeln!(o, "    {}:{}: {}", e.file, e.line, e.problem);
    }
    let _ = writeln!(
        o,
        "Memory        {:.1} MB for the rating matrix (both views)",
        s.memory_bytes as f64 / 1e6
    );
    let _ = writeln!(o, "Loaded in     {:.1} ms ({})", s.load_ms, s.cache);
    o
}
