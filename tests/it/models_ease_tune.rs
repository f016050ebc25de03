//! Tuning harness of the EASE models and of item-kNN's support shrinkage (ignored by
//! default, run by name):
//!
//! ```text
//! REEL_TUNE_TRAIN=SPLIT/train.csv REEL_TEST_DATA=.../ml-latest-small \
//! cargo test --features harness --test it -- --ignored --nocapture models_ease_tune::<name>
//! ```
//!
//! Nothing here looks at a test part. The outer training set is `REEL_TUNE_TRAIN` (the
//! peer split's `train.csv`, written by `peers_topn.py`) or, without it, the training
//! part of reel's own per-user hold-out of ml-latest-small (seed 42, as
//! `reel eval --protocol topn` uses). Parameters are scored on an *inner* per-user
//! 80/20 hold-out of that training set (seed 7): fit on the inner train, NDCG@10 on the
//! inner test. Grids come from `key=v1|v2` lists in env vars (see each test).

use crate::common;

use std::time::Instant;

use reel::data::{CacheMode, LoadOptions, RatingMatrix};
use reel::eval::files::read_matrix;
use reel::eval::{evaluate_ratings, evaluate_top_n, user_holdout, KFold, Split, TopNConfig};
use reel::models::baseline::{Baseline, BaselineConfig};
use reel::models::ease::{Ease, EaseConfig, EaseWeights, Signal};
use reel::models::hybrid::Hybrid;
use reel::models::item_knn::{ItemKnn, ItemKnnConfig};
use reel::models::svd::{SvdConfig, SvdModel};

/// The outer training set (see the module documentation).
fn outer_train() -> RatingMatrix {
    if let Some(path) = std::env::var_os("REEL_TUNE_TRAIN") {
        match read_matrix(std::path::Path::new(&path)) {
            Ok((_, m)) => return m,
            Err(e) => panic!("REEL_TUNE_TRAIN: {e}"),
        }
    }
    let dir = common::ml_latest_small();
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    let data = reel::data::load(&dir, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    user_holdout(&data.ratings, 0.2, 5, 42)
        .expect("hold-out")
        .train
}

fn inner_split() -> Split {
    user_holdout(&outer_train(), 0.2, 5, 7).expect("inner hold-out")
}

/// The values of `key` in env var `var` (`key=v1|v2,other=…`), or `default`.
fn values(var: &str, key: &str, default: &[f64]) -> Vec<f64> {
    let spec = std::env::var(var).unwrap_or_default();
    for kv in spec.split(',') {
        if let Some((k, vs)) = kv.split_once('=') {
            if k.trim() == key {
                return vs
                    .split('|')
                    .map(|v| {
                        v.trim()
                            .parse()
                            .unwrap_or_else(|_| panic!("{var}: bad number {v:?}"))
                    })
                    .collect();
            }
        }
    }
    default.to_vec()
}

fn signal(code: f64) -> Signal {
    match code as u32 {
        0 => Signal::All,
        1 => Signal::Liked,
        _ => Signal::Rating,
    }
}

/// `REEL_EASE="signal=0|1|2,power=…,lambda=…,min_count=…"` (signal 0 all, 1 liked,
/// 2 rating; `power` is the rating signal's exponent, `(r / r_max)^power`).
#[test]
#[ignore]
fn tune_ease() {
    let split = inner_split();
    let (train, test) = (&split.train, &split.test);
    let cfg = TopNConfig::default();
    let rating = || {
        Box::new(Baseline::fit(
            train,
            &BaselineConfig::default(),
            &mut |_| {},
        ))
    };
    eprintln!(
        "inner split: {} train, {} test ratings",
        train.nnz(),
        test.len()
    );
    let grid = |key, default: &[f64]| values("REEL_EASE", key, default);
    for (s, power) in grid("signal", &[0.0, 1.0, 2.0])
        .into_iter()
        .flat_map(|s| grid("power", &[1.0, 2.0]).into_iter().map(move |p| (s, p)))
        // The exponent matters for the rating signal only.
        .filter(|&(s, p)| signal(s) == Signal::Rating || p == 1.0)
    {
        for min_count in grid("min_count", &[1.0, 3.0]) {
            for lambda in grid("lambda", &[100.0, 200.0, 400.0, 800.0]) {
                let config = EaseConfig {
                    signal: signal(s),
                    rating_power: power as f32,
                    lambda: lambda as f32,
                    min_count: min_count as usize,
                    ..EaseConfig::default()
                };
                let start = Instant::now();
                let w = EaseWeights::fit(train, &config, &mut |_| {}).expect("fits");
                let fit = start.elapsed().as_secs_f64();
                let n_kept = w.n_kept();
                let model = Ease::from_parts(w, rating(), train);
                let r = evaluate_top_n(&model, train, test, &cfg);
                eprintln!(
                    "ease signal={:?} power={power} min_count={min_count} lambda={lambda}: NDCG@10 {:.4} HR@10 {:.4} cov {:.3} (items {n_kept}, fit {fit:.1} s)",
                    config.signal, r.ndcg, r.hit_rate, r.coverage
                );
            }
        }
    }
}

/// `REEL_HYBRID="weight=…"`; EASE with its defaults, SVD with its defaults.
#[test]
#[ignore]
fn tune_hybrid() {
    let split = inner_split();
    let (train, test) = (&split.train, &split.test);
    let cfg = TopNConfig::default();
    let ease = Ease::fit(train, &EaseConfig::default(), &mut |_| {}).expect("fits");
    let svd = SvdModel::fit(train, &SvdConfig::default(), &mut |_| {});
    let mut hybrid = Hybrid::from_parts(ease.into(), svd, 0.0);
    for w in values(
        "REEL_HYBRID",
        "weight",
        &[0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0],
    ) {
        hybrid.set_ease_weight(w as f32);
        let r = evaluate_top_n(&hybrid, train, test, &cfg);
        eprintln!(
            "svd-ease weight={w}: NDCG@10 {:.4} HR@10 {:.4} cov {:.3}",
            r.ndcg, r.hit_rate, r.coverage
        );
    }
}

/// Item-kNN's support shrinkage by RMSE on an inner 80/20 rating split of the training
/// part of a 5-fold split of ml-latest-small (fold 0): `REEL_KNN="shrink=…"`.
#[test]
#[ignore]
fn tune_knn_support_shrinkage() {
    let dir = common::ml_latest_small();
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    let data = reel::data::load(&dir, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let outer = KFold::new(&data.ratings, 5, 42).expect("folds").split(0);
    let inner = KFold::new(&outer.train, 5, 7)
        .expect("inner folds")
        .split(0);
    for shrink in values("REEL_KNN", "shrink", &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0]) {
        let config = ItemKnnConfig {
            support_shrinkage: shrink as f32,
            ..ItemKnnConfig::default()
        };
        let knn = ItemKnn::fit(&inner.train, &config, &mut |_| {});
        let r = evaluate_ratings(&knn, &inner.train, &inner.test);
        eprintln!(
            "item-knn support_shrinkage={shrink}: RMSE {:.4} MAE {:.4}",
            r.rmse, r.mae
        );
    }
}
