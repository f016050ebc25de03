//! Fit and fold-in timings of the matrix-factorisation models on
//! ml-latest-small, loaded with the real loader (`REEL_TEST_DATA` overrides
//! the folder). `cargo bench --bench mf`.
//!
//! - `svd fit (rating part)`: one SVD fit on a seeded 80% of the ratings,
//!   without the ranking model (what 5-fold RMSE cross-validation needs);
//! - `svd fit (with ranking)`, `als fit (rating part)`: likewise;
//! - `fold-in + top-10`: a new 200-rating profile folded in and ranked over
//!   the whole catalogue (`for_user(Who::New)` + `top_n`).

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use reel::data::{Rating, RatingMatrix};
use reel::models::als::{AlsConfig, AlsModel};
use reel::models::svd::{SvdConfig, SvdModel};
use reel::models::{top_n, Model, TopNFilter, Who};

/// A seeded 80% of the ratings.
fn train_part(all: &RatingMatrix) -> RatingMatrix {
    let mut rng = fastrand::Rng::with_seed(1);
    let kept: Vec<Rating> = all.iter().filter(|_| rng.f64() >= 0.2).collect();
    RatingMatrix::from_ratings(all.n_users(), all.n_items(), kept).0
}

/// 200 distinct movies spread over the most-rated ones, half-star ratings.
fn profile(m: &RatingMatrix) -> Vec<(u32, f32)> {
    let mut by_count: Vec<u32> = (0..m.n_items() as u32).collect();
    by_count.sort_by_key(|&i| std::cmp::Reverse(m.item_count(i as usize)));
    let mut p: Vec<(u32, f32)> = by_count
        .iter()
        .step_by(3)
        .take(200)
        .enumerate()
        .map(|(k, &i)| (i, 0.5 + (k % 10) as f32 * 0.5))
        .collect();
    p.sort_unstable_by_key(|x| x.0);
    p
}

fn benches(c: &mut Criterion) {
    let all = common::ml_latest_small();
    let train = train_part(&all);
    let mut g = c.benchmark_group("mf");
    g.sample_size(10);
    let svd_rating = SvdConfig {
        ranking: None,
        ..SvdConfig::default()
    };
    g.bench_function("svd fit (rating part)", |b| {
        b.iter(|| SvdModel::fit(&train, &svd_rating, &mut |_| {}))
    });
    g.bench_function("svd fit (with ranking)", |b| {
        b.iter(|| SvdModel::fit(&train, &SvdConfig::default(), &mut |_| {}))
    });
    let als_rating = AlsConfig {
        ranking: None,
        ..AlsConfig::default()
    };
    g.bench_function("als fit (rating part)", |b| {
        b.iter(|| AlsModel::fit(&train, &als_rating, &mut |_| {}))
    });
    g.finish();

    let svd = SvdModel::fit(&all, &SvdConfig::default(), &mut |_| {});
    let als = AlsModel::fit(&all, &AlsConfig::default(), &mut |_| {});
    let p = profile(&all);
    let mut g = c.benchmark_group("fold-in");
    for (name, model) in [("svd", &svd as &dyn Model), ("als", &als as &dyn Model)] {
        g.bench_function(format!("{name} fold-in + top-10 (200 ratings)"), |b| {
            b.iter(|| {
                let view = model.for_user(Who::New(&p));
                top_n(view.as_ref(), model.n_items(), 10, &TopNFilter::NONE, 0)
            })
        });
    }
    g.finish();
}

criterion_group!(mf, benches);
criterion_main!(mf);
