//! Loading ml-latest-small: from the CSV files, and from the binary cache.
//!
//! cargo bench --bench data
//! (REEL_TEST_DATA overrides the folder; larger sets: `cargo run --release --example bench_load -- DIR`.)

use criterion::{criterion_group, criterion_main, Criterion};
use reel::data::{self, CacheMode, LoadOptions};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("REEL_TEST_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small"),
        PathBuf::from,
    );
    assert!(
        dir.join("ratings.csv").is_file(),
        "ml-latest-small not found at {} (set REEL_TEST_DATA)",
        dir.display()
    );
    dir
}

fn load(c: &mut Criterion) {
    let dir = data_dir();
    let parse = LoadOptions {
        lenient: false,
        cache: CacheMode::Off,
    };
    c.bench_function("load ml-latest-small from CSV", |b| {
        b.iter(|| data::load(&dir, &parse).map(|d| d.ratings.nnz()))
    });
    let cache = tempfile::tempdir()
        .map(|t| t.keep())
        .unwrap_or_else(|_| std::env::temp_dir());
    let cached = LoadOptions {
        lenient: false,
        cache: CacheMode::Dir(cache),
    };
    let _ = data::load(&dir, &cached);
    c.bench_function("load ml-latest-small from cache", |b| {
        b.iter(|| data::load(&dir, &cached).map(|d| d.ratings.nnz()))
    });
}

criterion_group!(benches, load);
criterion_main!(benches);
