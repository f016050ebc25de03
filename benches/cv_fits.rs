//! The speed bar of the engine issue: the 5 fits of a seeded 5-fold
//! cross-validation of ml-latest-small, per model, exactly as `reel eval --folds 5`
//! fits them (same splitter, registry and seed). `cargo bench --bench cv_fits`;
//! `REEL_TEST_DATA` overrides the data folder.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use reel::eval::registry::fit_by_name;
use reel::eval::split::k_fold;

fn bench(c: &mut Criterion) {
    let data = common::ml_latest_small();
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
