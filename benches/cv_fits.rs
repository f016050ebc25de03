//! The speed bar of the engine issue: the 5 fits of a seeded 5-fold
//! cross-validation of ml-latest-small, per model, exactly as `reel eval --folds 5`
//! fits them (same splitter, registry and seed). `cargo bench --bench cv_fits`;
//! `REEL_TEST_DATA` overrides the data folder.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use reel::data::{CacheMode, LoadOptions};
use reel::eval::registry::fit_by_name;
use reel::eval::split::k_fold;

fn bench(c: &mut Criterion) {
    let dir = std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small")
        });
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    let data = match reel::data::load(&dir, &opts) {
        Ok(ds) => ds.ratings,
        Err(e) => panic!(
            "ml-latest-small not loadable at {} ({e}); set REEL_TEST_DATA",
            dir.display()
        ),
    };
    let folds = match k_fold(&data, 5, 42) {
        Ok(f) => f,
        Err(e) => panic!("cannot split: {e}"),
    };
    let mut g = c.benchmark_group("cv5");
    g.sample_size(10);
    for algo in ["item-knn", "svd", "als"] {
        g.bench_function(format!("{algo}: 5 fits"), |b| {
            b.iter(|| {
                for split in &folds {
                    match fit_by_name(algo, &split.train, 42, &mut |_| {}) {
                        Ok(model) => drop(std::hint::black_box(model)),
                        Err(e) => panic!("{algo}: {e}"),
                    }
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
