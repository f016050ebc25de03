//! Fit and fold-in timings of the neighbourhood models on ml-latest-small
//! (`REEL_TEST_DATA` overrides the folder). `cargo bench --bench knn`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use reel::models::item_knn::{ItemKnn, ItemKnnConfig};
use reel::models::user_knn::{UserKnn, UserKnnConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

fn bench(c: &mut Criterion) {
    let m = common::ml_latest_small();
    let mut g = c.benchmark_group("knn");
    g.sample_size(10);
    g.bench_function("item_knn_fit", |b| {
        b.iter(|| ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |_| {}))
    });
    g.bench_function("user_knn_fit", |b| {
        b.iter(|| UserKnn::fit(&m, &UserKnnConfig::default(), &mut |_| {}))
    });
    // A 200-rating profile: every 40th movie of the heaviest user's row.
    let heaviest = (0..m.n_users())
        .max_by_key(|&u| m.user_count(u))
        .unwrap_or(0);
    let row = m.user(heaviest);
    let profile: Vec<(u32, f32)> = row
        .items
        .iter()
        .zip(row.values)
        .step_by((row.len() / 200).max(1))
        .take(200)
        .map(|(&i, &r)| (i, r))
        .collect();
    let item = ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |_| {});
    let user = UserKnn::fit(&m, &UserKnnConfig::default(), &mut |_| {});
    for (name, model) in [
        ("item_knn_fold_in_top10", &item as &dyn Model),
        ("user_knn_fold_in_top10", &user as &dyn Model),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let um = model.for_user(Who::New(&profile));
                top_n(um.as_ref(), model.n_items(), 10, &TopNFilter::NONE, 3)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
