//! Regression checks of the neighbourhood models on the real ml-latest-small
//! (`REEL_TEST_DATA` overrides the folder; a missing folder fails with a message).
//! One seeded 80/20 rating split for RMSE and one per-user hold-out for top-N, using
//! the eval module's splits and runners. Bounds sit a little above the measured
//! values (see the report test in `models_knn_eval.rs`) so that a regression trips them.

use crate::common;

use reel::data::{CacheMode, LoadOptions, RatingMatrix};
use reel::eval::{evaluate_ratings, evaluate_top_n, user_holdout, KFold, TopNConfig};
use reel::models::baseline::{Baseline, BaselineConfig};
use reel::models::item_knn::{ItemKnn, ItemKnnConfig};
use reel::models::popular::{Popular, PopularConfig};
use reel::models::user_knn::{UserKnn, UserKnnConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

fn ratings() -> RatingMatrix {
    let dir = common::ml_latest_small();
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    match reel::data::load(&dir, &opts) {
        Ok(ds) => ds.ratings,
        Err(e) => panic!("cannot load {}: {e}", dir.display()),
    }
}

#[test]
fn rmse_and_top_n_on_ml_latest_small() {
    let m = ratings();
    // 5 folds, test on one: an 80/20 split.
    let split = KFold::new(&m, 5, 42).expect("5 folds").split(0);
    let (train, test) = (&split.train, &split.test);
    let rmse = |model: &dyn Model| evaluate_ratings(model, train, test).rmse;

    let popular = Popular::fit(train, &PopularConfig::default(), &mut |_| {});
    let baseline = Baseline::fit(train, &BaselineConfig::default(), &mut |_| {});
    let item = ItemKnn::fit(train, &ItemKnnConfig::default(), &mut |_| {});
    let item_means = ItemKnn::fit(train, &ItemKnnConfig::with_means(), &mut |_| {});
    let user = UserKnn::fit(train, &UserKnnConfig::default(), &mut |_| {});
    let checks: [(&str, f64, f64); 5] = [
        ("popular", rmse(&popular), 0.97),
        ("baseline", rmse(&baseline), 0.872),
        ("item-knn", rmse(&item), 0.855),
        ("item-knn means", rmse(&item_means), 0.885),
        ("user-knn", rmse(&user), 0.895),
    ];
    for (name, got, bound) in checks {
        eprintln!("{name}: RMSE {got:.4} (bound {bound})");
        assert!(got < bound, "{name}: RMSE {got:.4} ≥ {bound}");
    }
    // The neighbourhood models must beat their own fallback.
    assert!(checks[2].1 < checks[1].1 - 0.01);

    // Top-N: the item-based list must beat popularity clearly.
    let hold = user_holdout(&m, 0.2, 5, 42).expect("hold-out");
    let item = ItemKnn::fit(&hold.train, &ItemKnnConfig::default(), &mut |_| {});
    let popular = Popular::fit(&hold.train, &PopularConfig::default(), &mut |_| {});
    let cfg = TopNConfig::default();
    let ndcg_item = evaluate_top_n(&item, &hold.train, &hold.test, &cfg).ndcg;
    let ndcg_pop = evaluate_top_n(&popular, &hold.train, &hold.test, &cfg).ndcg;
    eprintln!("NDCG@10 item-knn {ndcg_item:.4}, popular {ndcg_pop:.4}");
    assert!(ndcg_item >= 0.25, "item-knn NDCG@10 {ndcg_item:.4} < 0.25");
    assert!(ndcg_pop > 0.12 && ndcg_pop < ndcg_item);
}

#[test]
fn fold_in_profile_gives_sensible_lists_with_explanations() {
    let m = ratings();
    let item = ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |_| {});
    let user = UserKnn::fit(&m, &UserKnnConfig::default(), &mut |_| {});
    // A new user: user 0's ratings, as a profile.
    let profile = Who::Known(0).ratings(&m);
    for model in [&item as &dyn Model, &user] {
        let um = model.for_user(Who::New(&profile));
        let list = top_n(um.as_ref(), model.n_items(), 10, &TopNFilter::NONE, 3);
        assert_eq!(list.len(), 10, "{}", model.name());
        for rec in &list {
            assert!(profile.binary_search_by_key(&rec.item, |p| p.0).is_err());
            assert!((0.5..=5.0).contains(&rec.predicted));
        }
    }
    let um = item.for_user(Who::New(&profile));
    let list = top_n(um.as_ref(), item.n_items(), 10, &TopNFilter::NONE, 3);
    for rec in &list {
        assert!(!rec.because.is_empty(), "no explanation for {}", rec.item);
        for &(j, w) in &rec.because {
            assert!(profile.binary_search_by_key(&j, |p| p.0).is_ok());
            assert!(w > 0.0);
        }
    }
}
