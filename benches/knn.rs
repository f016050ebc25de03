//! Fit and fold-in timings of the neighbourhood models on ml-latest-small
//! (`REEL_TEST_DATA` overrides the folder). `cargo bench --bench knn`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use reel::data::{Rating, RatingMatrix};
use reel::models::item_knn::{ItemKnn, ItemKnnConfig};
use reel::models::user_knn::{UserKnn, UserKnnConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

fn load() -> RatingMatrix {
    let dir = std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"));
    let path = dir.join("ratings.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "ml-latest-small not found at {} ({e}); set REEL_TEST_DATA",
            path.display()
        )
    });
    let mut raw: Vec<(u32, u32, f32)> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
        if let (Some(u), Some(m), Some(r)) = (f.first(), f.get(1), f.get(2)) {
            if let (Ok(u), Ok(m), Ok(r)) = (u.parse(), m.parse(), r.parse()) {
                raw.push((u, m, r));
            }
        }
    }
    let mut users: Vec<u32> = raw.iter().map(|x| x.0).collect();
    users.sort_unstable();
    users.dedup();
    let mut movies: Vec<u32> = raw.iter().map(|x| x.1).collect();
    movies.sort_unstable();
    movies.dedup();
    let ratings = raw
        .iter()
        .map(|&(u, m, value)| Rating {
            user: users.partition_point(|&x| x < u) as u32,
            item: movies.partition_point(|&x| x < m) as u32,
            value,
            time: 0,
        })
        .collect();
    RatingMatrix::from_ratings(users.len(), movies.len(), ratings).0
}

fn bench(c: &mut Criterion) {
    let m = load();
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
