//! EASE on ml-latest-small (`REEL_TEST_DATA` overrides the folder): the dense fit, and
//! the fold-in of a live profile (summing rows of B, then a top-10 list with reasons),
//! which must stay within 2 ms; the same for the SVD list's `svd-ease` (the SVD fold-ins,
//! then both z-scored scores over the movies EASE can list). `cargo bench --bench ease`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use reel::models::baseline::{Baseline, BaselineConfig};
use reel::models::ease::{Ease, EaseConfig, EaseWeights};
use reel::models::hybrid::{Hybrid, HybridConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

fn bench(c: &mut Criterion) {
    let m = common::ml_latest_small();
    let mut g = c.benchmark_group("ease");
    g.sample_size(10);
    let config = EaseConfig::default();
    g.bench_function("ease_weights_fit", |b| {
        b.iter(|| EaseWeights::fit(&m, &config, &mut |_| {}))
    });
    let weights = match EaseWeights::fit(&m, &config, &mut |_| {}) {
        Ok(w) => w,
        Err(e) => panic!("EASE fit: {e}"),
    };
    let rating = Box::new(Baseline::fit(&m, &BaselineConfig::default(), &mut |_| {}));
    let ease = Ease::from_parts(weights, rating, &m);
    let heaviest = (0..m.n_users())
        .max_by_key(|&u| m.user_count(u))
        .unwrap_or(0);
    let row = m.user(heaviest);
    let hybrid = match Hybrid::fit(&m, &HybridConfig::default(), &mut |_| {}) {
        Ok(h) => h,
        Err(e) => panic!("svd-ease fit: {e}"),
    };
    for n in [20usize, 200] {
        // An n-rating profile: evenly spaced movies of the heaviest user's row.
        let profile: Vec<(u32, f32)> = row
            .items
            .iter()
            .zip(row.values)
            .step_by((row.len() / n).max(1))
            .take(n)
            .map(|(&i, &r)| (i, r))
            .collect();
        g.bench_function(format!("ease_fold_in_top10_{n}_ratings"), |b| {
            b.iter(|| {
                let um = ease.for_user(Who::New(&profile));
                top_n(um.as_ref(), ease.n_items(), 10, &TopNFilter::NONE, 3)
            })
        });
        g.bench_function(format!("svd_ease_fold_in_top10_{n}_ratings"), |b| {
            b.iter(|| {
                let um = hybrid.for_user(Who::New(&profile));
                top_n(um.as_ref(), hybrid.n_items(), 10, &TopNFilter::NONE, 3)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
