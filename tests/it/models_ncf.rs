//! NeuMF (`--algo ncf`) on the real ml-latest-small: both `reel eval` protocols, the
//! model store round trip, fold-in against the batch ranking, the extra list by
//! configuration. Built with the `ncf` feature only:
//!
//! ```text
//! cargo test --features ncf --test it ncf
//! ```
//!
//! Fits here use few epochs ([`quick`]) to keep the run short; the measured defaults are
//! in the README. `tune` (ignored) is the parameter search on an inner split of train.

use std::sync::Arc;

use crate::common;
use crate::engine_support::fixture;
use reel::data::{CacheMode, Dataset, LoadOptions, RatingMatrix};
use reel::engine::{ListId, ModelSet, RecFilter, Trainers};
use reel::eval::{evaluate_ratings, evaluate_top_n, user_holdout, Split, TopNConfig};
use reel::models::ncf::{Ncf, NcfConfig};
use reel::models::store::{self, DatasetKey};
use reel::models::{top_n, Model, TopNFilter, UserModel, Who};

fn real() -> Dataset {
    let dir = common::ml_latest_small();
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    reel::data::load(&dir, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// The top-N protocol's split (`reel eval --protocol topn`: per-user 20 % hold-out, seed 42).
fn topn_split(ds: &Dataset) -> Split {
    user_holdout(&ds.ratings, 0.2, 5, 42).expect("hold-out")
}

/// Few epochs: enough to beat popularity, short enough for every test run.
fn quick() -> NcfConfig {
    NcfConfig {
        epochs: 3,
        ..NcfConfig::default()
    }
}

fn fit(train: &RatingMatrix, config: &NcfConfig) -> Ncf {
    Ncf::fit(train, config, &mut |_| {}).unwrap_or_else(|e| panic!("fit: {e}"))
}

#[test]
fn ncf_both_protocols_on_real_data() {
    let ds = real();
    let split = topn_split(&ds);
    let start = std::time::Instant::now();
    let model = fit(&split.train, &quick());
    let fit_s = start.elapsed().as_secs_f64();
    let losses = model.epoch_losses().to_vec();
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");

    let config = TopNConfig::default();
    let ncf = evaluate_top_n(&model, &split.train, &split.test, &config);
    let pop = reel::models::registry::fit_by_name("popular", &split.train, 42, &mut |_| {})
        .expect("popular");
    let popular = evaluate_top_n(pop.as_ref(), &split.train, &split.test, &config);
    eprintln!(
        "ncf ({} epochs, fit {fit_s:.1} s, losses {losses:?}): NDCG@10 {:.4} HR {:.4} coverage {:.4}; popular NDCG@10 {:.4}",
        quick().epochs,
        ncf.ndcg,
        ncf.hit_rate,
        ncf.coverage,
        popular.ndcg
    );
    assert!(ncf.users_evaluated > 500, "{ncf:?}");
    // A personal model must beat the most-popular list on the same split.
    assert!(ncf.ndcg > popular.ndcg, "{} vs {}", ncf.ndcg, popular.ndcg);
    assert!(ncf.ndcg < 0.6 && ncf.hit_rate <= 1.0, "{ncf:?}");

    // Rating protocol: the predicted stars are item-kNN's, fitted beside NeuMF.
    let rating = evaluate_ratings(&model, &split.train, &split.test);
    let knn = reel::models::registry::fit_by_name("item-knn", &split.train, 42, &mut |_| {})
        .expect("item-knn");
    let knn_rating = evaluate_ratings(knn.as_ref(), &split.train, &split.test);
    eprintln!("ncf RMSE {:.4} MAE {:.4}", rating.rmse, rating.mae);
    assert_eq!(rating.rmse.to_bits(), knn_rating.rmse.to_bits());
    assert!(rating.rmse > 0.7 && rating.rmse < 1.0, "{}", rating.rmse);
}

#[test]
fn ncf_through_reel_eval_registry() {
    // The registry's default configuration, as `reel eval --algo ncf` runs it, on the
    // top-N protocol (one fit) — the rating protocol's folds are in the README's figures.
    let ds = real();
    let split = topn_split(&ds);
    let results = reel::eval::run::top_n_on_split(
        &split.train,
        &split.test,
        &["ncf".to_string(), "popular".to_string()],
        &TopNConfig::default(),
        42,
        &mut |_, _| {},
    )
    .expect("eval");
    let (ncf, pop) = (&results[0], &results[1]);
    eprintln!(
        "registry ncf: NDCG@10 {:.4} HR {:.4} fit {:.1} s",
        ncf.report.ndcg, ncf.report.hit_rate, ncf.fit_seconds
    );
    assert_eq!(ncf.algo, "ncf");
    assert!(ncf.report.ndcg > pop.report.ndcg);
}

#[test]
fn ncf_saved_and_loaded_through_the_model_store() {
    let ds = real();
    let model = fit(&ds.ratings, &quick());
    let dir = tempfile::tempdir().expect("tempdir");
    let key = DatasetKey::of(&ds.ratings);
    let file = store::file_for(dir.path(), &key, "ncf");
    store::save(&file, &key, "ncf", &model).expect("save");
    let loaded = store::load(&file, &key, "ncf").expect("load");
    assert_eq!(loaded.name(), "ncf");
    assert_eq!(loaded.n_items(), model.n_items());
    let profile = vec![(0u32, 5.0f32), (10, 4.0), (50, 4.5), (200, 2.0), (300, 4.0)];
    for who in [Who::Known(0), Who::Known(413), Who::New(&profile)] {
        let (a, b) = (model.for_user(who), loaded.for_user(who));
        for i in 0..model.n_items() as u32 {
            assert_eq!(a.rank_score(i).to_bits(), b.rank_score(i).to_bits(), "{i}");
            assert_eq!(a.predict(i).to_bits(), b.predict(i).to_bits(), "{i}");
        }
        let top = top_n(a.as_ref(), model.n_items(), 10, &TopNFilter::NONE, 3);
        let top_b = top_n(b.as_ref(), model.n_items(), 10, &TopNFilter::NONE, 3);
        assert_eq!(top, top_b);
    }
    // Another dataset's key is refused.
    let other = DatasetKey {
        crc: key.crc ^ 1,
        ..key
    };
    assert!(store::load(&file, &other, "ncf").is_err());
}

/// Fraction of `a`'s top `n` (unrated movies) that are in `b`'s top `n`.
fn overlap(a: &dyn UserModel, b: &dyn UserModel, n_items: usize, n: usize) -> f64 {
    let ta = top_n(a, n_items, n, &TopNFilter::NONE, 0);
    let tb = top_n(b, n_items, n, &TopNFilter::NONE, 0);
    let hits = ta
        .iter()
        .filter(|r| tb.iter().any(|s| s.item == r.item))
        .count();
    hits as f64 / n as f64
}

/// Spearman rank correlation of two score vectors over `items`.
fn spearman(a: &dyn UserModel, b: &dyn UserModel, items: &[u32]) -> f64 {
    let ranks = |m: &dyn UserModel| -> Vec<f64> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|&x, &y| m.rank_score(items[x]).total_cmp(&m.rank_score(items[y])));
        let mut r = vec![0f64; items.len()];
        for (rank, &k) in order.iter().enumerate() {
            r[k] = rank as f64;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = items.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

/// Fold-in of a training user's own profile (fresh embeddings, movies and layers frozen)
/// against that user's trained embeddings. Measures: overlap of the two top-50 lists of
/// unrated movies, and Spearman correlation of the two scores over the catalogue's rated
/// movies; both averaged over 30 users.
#[test]
fn ncf_fold_in_of_a_training_user_ranks_close_to_its_batch_ranking() {
    let ds = real();
    let model = fit(&ds.ratings, &quick());
    let n = model.n_items();
    let items: Vec<u32> = (0..n as u32)
        .filter(|&i| ds.ratings.item_count(i as usize) > 0)
        .collect();
    let users: Vec<usize> = (0..ds.ratings.n_users()).step_by(20).take(30).collect();
    let (mut top, mut rho) = (0f64, 0f64);
    for &u in &users {
        let profile = Who::Known(u).ratings(&ds.ratings);
        let batch = model.for_user(Who::Known(u));
        let folded = model.for_user(Who::New(&profile));
        assert_eq!(batch.rated(), folded.rated());
        top += overlap(batch.as_ref(), folded.as_ref(), n, 50);
        rho += spearman(batch.as_ref(), folded.as_ref(), &items);
    }
    let (top, rho) = (top / users.len() as f64, rho / users.len() as f64);
    eprintln!(
        "fold-in vs batch over {} users: top-50 overlap {top:.3}, Spearman {rho:.3}",
        users.len()
    );
    assert!(top >= 0.5, "top-50 overlap {top}");
    assert!(rho >= 0.8, "Spearman {rho}");
}

#[test]
fn ncf_is_an_extra_list_by_configuration_with_reasons() {
    let ds = fixture();
    let trainers = Trainers::named(&["item-knn", "svd", "ncf"]).expect("registry names");
    let set = ModelSet::train(Arc::clone(&ds), &trainers, &mut |_, _| {}).expect("fit");
    let names: Vec<String> = set.lists().map(|(_, s)| s.name.clone()).collect();
    assert_eq!(names, ["item-knn", "svd", "ncf"]);
    let profile = vec![
        (0u32, 5.0f32),
        (3, 2.0),
        (7, 4.5),
        (12, 4.0),
        (20, 1.0),
        (25, 4.5),
    ];
    let list = set
        .recommend_for(&profile, &[], ListId(2), 10, &RecFilter::default())
        .expect("ncf list");
    assert!(!list.popularity_based);
    assert_eq!(list.entries.len(), 10);
    for r in &list.entries {
        assert!(
            profile.iter().all(|p| p.0 != r.item),
            "rated movie recommended"
        );
        assert!(r.predicted.is_finite());
        // Reasons: liked rated movies (≥ 4 stars), with a positive cosine.
        assert!(
            r.because
                .iter()
                .all(|(i, w)| profile.iter().any(|p| p.0 == *i && p.1 >= 4.0) && *w > 0.0),
            "{r:?}"
        );
    }
    assert!(list.entries.iter().any(|r| !r.because.is_empty()));
}

/// Parameter search (ignored; run by name):
///
/// ```text
/// REEL_NCF="epochs=5|10|20,lr=0.001|0.002,gmf=16,mlp=32,neg=4,batch=1024,wd=0" \
/// cargo test --release --features ncf --test it -- --ignored --nocapture models_ncf::tune
/// ```
///
/// Nothing here looks at a test part: the outer training set is the training part of
/// `reel eval --protocol topn`'s hold-out (seed 42), or the file `REEL_TUNE_TRAIN` (the
/// peer split's `train.csv`); each setting is fitted on an inner per-user 80/20 hold-out
/// of it (seed 7) and scored by NDCG@10 on the inner held-out part.
#[test]
#[ignore]
fn tune() {
    let outer = match std::env::var_os("REEL_TUNE_TRAIN") {
        Some(path) => match reel::eval::files::read_matrix(std::path::Path::new(&path)) {
            Ok((_, m)) => m,
            Err(e) => panic!("REEL_TUNE_TRAIN: {e}"),
        },
        None => topn_split(&real()).train,
    };
    let inner = user_holdout(&outer, 0.2, 5, 7).expect("inner hold-out");
    let spec = std::env::var("REEL_NCF").unwrap_or_default();
    let values = |key: &str, default: f64| -> Vec<f64> {
        spec.split(',')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, vs)| {
                vs.split('|')
                    .map(|v| {
                        v.trim()
                            .parse()
                            .unwrap_or_else(|_| panic!("REEL_NCF: {v:?}"))
                    })
                    .collect()
            })
            .unwrap_or_else(|| vec![default])
    };
    let d = NcfConfig::default();
    eprintln!("epochs lr gmf mlp neg batch wd | inner NDCG@10 HR@10 coverage | fit s | last loss");
    for &epochs in &values("epochs", d.epochs as f64) {
        for &lr in &values("lr", d.lr) {
            for &gmf in &values("gmf", d.gmf_factors as f64) {
                for &mlp in &values("mlp", d.mlp_factors as f64) {
                    for &neg in &values("neg", d.negatives as f64) {
                        for &batch in &values("batch", d.batch as f64) {
                            for &wd in &values("wd", d.weight_decay) {
                                let mlp = mlp as usize;
                                let config = NcfConfig {
                                    epochs: epochs as usize,
                                    lr,
                                    gmf_factors: gmf as usize,
                                    mlp_factors: mlp,
                                    layers: vec![mlp, mlp / 2],
                                    negatives: neg as usize,
                                    batch: batch as usize,
                                    weight_decay: wd,
                                    ..NcfConfig::default()
                                };
                                let start = std::time::Instant::now();
                                let model = fit(&inner.train, &config);
                                let secs = start.elapsed().as_secs_f64();
                                let r = evaluate_top_n(
                                    &model,
                                    &inner.train,
                                    &inner.test,
                                    &TopNConfig::default(),
                                );
                                eprintln!(
                                    "{epochs} {lr} {gmf} {mlp} {neg} {batch} {wd} | {:.4} {:.4} {:.4} | {secs:.1} | {:.4}",
                                    r.ndcg,
                                    r.hit_rate,
                                    r.coverage,
                                    model.epoch_losses().last().copied().unwrap_or(f32::NAN)
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The README's figures for ncf beside svd and ease (ignored; run by name):
///
/// ```text
/// cargo test --features ncf --test it -- --ignored --nocapture models_ncf::report
/// ```
///
/// Runs `reel eval --algo svd,ncf --folds 5` and `reel eval --protocol topn --k 10
/// --algo svd,ease,ncf` on ml-latest-small through the library entry point, and prints
/// both tables. `REEL_NCF_SPLIT=DIR` runs the top-N table on the peers' split instead
/// (`DIR/train.csv`, `DIR/test.csv`, written by `../shared/bench/peers_topn.py`).
#[test]
#[ignore]
fn report() {
    use clap::Parser;
    use reel::cli::eval::{evaluate, render_table, EvalArgs};
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        eval: EvalArgs,
    }
    let run = |line: &[&str]| {
        let mut argv = vec!["reel-eval"];
        argv.extend_from_slice(line);
        let args = Cli::try_parse_from(argv)
            .unwrap_or_else(|e| panic!("{e}"))
            .eval;
        let out = evaluate(&args, &mut || Ok(real())).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("reel eval {}\n{}", line.join(" "), render_table(&out));
    };
    match std::env::var("REEL_NCF_SPLIT") {
        Ok(dir) => {
            let (train, test) = (format!("{dir}/train.csv"), format!("{dir}/test.csv"));
            run(&[
                "--protocol",
                "topn",
                "--k",
                "10",
                "--algo",
                "svd,ease,ncf",
                "--train",
                &train,
                "--test",
                &test,
            ]);
        }
        Err(_) => {
            run(&["--protocol", "topn", "--k", "10", "--algo", "svd,ease,ncf"]);
            run(&["--algo", "svd,ncf", "--folds", "5"]);
        }
    }
}
