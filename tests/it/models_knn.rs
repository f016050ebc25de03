//! Unit-level checks of the neighbourhood models on tiny hand-made matrices, and
//! property tests of the shared invariants.

use proptest::prelude::*;
use reel::data::{Rating, RatingMatrix};
use reel::models::baseline::{Baseline, BaselineConfig};
use reel::models::item_knn::{Centering, ItemKnn, ItemKnnConfig, RankingConfig, Similarity};
use reel::models::popular::{Popular, PopularConfig};
use reel::models::user_knn::{UserKnn, UserKnnConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

fn matrix(n_users: usize, n_items: usize, r: &[(u32, u32, f32)]) -> RatingMatrix {
    let ratings = r
        .iter()
        .map(|&(user, item, value)| Rating {
            user,
            item,
            value,
            time: 0,
        })
        .collect();
    RatingMatrix::from_ratings(n_users, n_items, ratings).0
}

/// Five users, four movies, every co-rating pattern represented.
fn small() -> RatingMatrix {
    matrix(
        5,
        4,
        &[
            (0, 0, 5.0),
            (0, 1, 4.0),
            (0, 2, 1.0),
            (1, 0, 4.0),
            (1, 1, 5.0),
            (1, 3, 2.0),
            (2, 0, 1.0),
            (2, 1, 2.0),
            (2, 2, 5.0),
            (2, 3, 4.5),
            (3, 1, 3.0),
            (3, 2, 4.0),
            (3, 3, 3.5),
            (4, 0, 2.5),
            (4, 2, 3.0),
        ],
    )
}

fn find(list: Vec<(u32, f32)>, j: u32) -> Option<f32> {
    list.iter().find(|p| p.0 == j).map(|p| p.1)
}

#[test]
fn pearson_baseline_similarity_matches_hand_computation() {
    let m = small();
    let bcfg = BaselineConfig::default();
    let base = Baseline::fit(&m, &bcfg, &mut |_| {});
    let config = ItemKnnConfig {
        keep: 10,
        shrinkage: 2.0,
        ..ItemKnnConfig::default()
    };
    let knn = ItemKnn::fit(&m, &config, &mut |_| {});
    let b = |u: usize, i: u32| base.global_mean() + base.user_bias(u) + base.item_bias(i);
    let mut positive = 0;
    for a in 0..4u32 {
        for c in 0..4u32 {
            if a == c {
                continue;
            }
            // By hand: common raters, residuals, cosine, shrinkage (n-1)/(n-1+2).
            let (mut xy, mut xx, mut yy, mut n) = (0f64, 0f64, 0f64, 0u32);
            for u in 0..5 {
                if let (Some(ra), Some(rc)) = (m.get(u, a), m.get(u, c)) {
                    let (x, y) = ((ra - b(u, a)) as f64, (rc - b(u, c)) as f64);
                    xy += x * y;
                    xx += x * x;
                    yy += y * y;
                    n += 1;
                }
            }
            let expected = if n >= 2 && xx * yy > 0.0 {
                (xy / (xx * yy).sqrt()) * (n - 1) as f64 / ((n - 1) as f64 + 2.0)
            } else {
                0.0
            };
            let got = find(knn.neighbours(a), c);
            if expected > 0.0 {
                positive += 1;
                let got = got.unwrap_or_else(|| panic!("pair ({a}, {c}) missing"));
                assert!(
                    (got as f64 - expected).abs() < 1e-5,
                    "({a}, {c}): {got} vs {expected}"
                );
            } else {
                assert_eq!(got, None, "pair ({a}, {c}) should not be a neighbour");
            }
        }
    }
    assert!(positive >= 2, "the fixture should have positive pairs");
}

#[test]
fn top_k_pruning_keeps_the_k_most_similar() {
    // 30 users, 12 movies, deterministic pseudo-random ratings.
    let mut r = Vec::new();
    let mut rng = fastrand::Rng::with_seed(5);
    for u in 0..30u32 {
        for i in 0..12u32 {
            if rng.f32() < 0.6 {
                r.push((u, i, 0.5 * (1 + rng.u32(0..10)) as f32));
            }
        }
    }
    let m = matrix(30, 12, &r);
    let full_cfg = ItemKnnConfig {
        k: 3,
        keep: 100,
        shrinkage: 5.0,
        ..ItemKnnConfig::default()
    };
    let full = ItemKnn::fit(&m, &full_cfg, &mut |_| {});
    let pruned = ItemKnn::fit(
        &m,
        &ItemKnnConfig {
            keep: 3,
            ..full_cfg.clone()
        },
        &mut |_| {},
    );
    let mut nonempty = 0;
    for i in 0..12u32 {
        let full_list = full.neighbours(i);
        let pruned_list = pruned.neighbours(i);
        let n = full_list.len().min(3);
        assert_eq!(pruned_list, &full_list[..n], "movie {i}");
        assert!(
            full_list.windows(2).all(|w| w[0].1 >= w[1].1),
            "sorted by similarity"
        );
        nonempty += (n == 3) as usize;
    }
    assert!(nonempty > 6, "the fixture should exercise pruning");
}

#[test]
fn item_knn_prediction_follows_the_shrunk_knn_baseline_formula() {
    let m = small();
    let config = ItemKnnConfig {
        k: 2,
        keep: 10,
        shrinkage: 0.0,
        ..ItemKnnConfig::default()
    };
    let knn = ItemKnn::fit(&m, &config, &mut |_| {});
    let base = Baseline::fit(&m, &config.baseline, &mut |_| {});
    let b = |u: usize, i: u32| base.global_mean() + base.user_bias(u) + base.item_bias(i);
    for u in 0..5usize {
        let um = knn.for_user(Who::Known(u));
        for i in 0..4u32 {
            let mut num = 0f32;
            let mut den = 0f32;
            let mut used = 0;
            for (j, s) in knn.neighbours(i) {
                if let Some(r) = m.get(u, j) {
                    if used < 2 {
                        num += s * (r - b(u, j));
                        den += s;
                        used += 1;
                    }
                }
            }
            let raw = if used > 0 {
                b(u, i) + num / (den + config.support_shrinkage)
            } else {
                b(u, i)
            };
            let expected = raw.clamp(1.0, 5.0);
            assert!(
                (um.predict(i) - expected).abs() < 1e-5,
                "user {u} movie {i}: {} vs {expected}",
                um.predict(i)
            );
        }
    }
}

#[test]
fn new_profile_equal_to_a_training_user_predicts_like_that_user() {
    let m = small();
    let knn = ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |_| {});
    let profile: Vec<(u32, f32)> = Who::Known(2).ratings(&m);
    let base = Baseline::fit(&m, &BaselineConfig::default(), &mut |_| {});
    // The fold-in bias is one ALS user step: the fitted bias after the last sweep.
    assert!((base.fold_in_bias(&profile) - base.user_bias(2)).abs() < 1e-5);
    let known = knn.for_user(Who::Known(2));
    let new = knn.for_user(Who::New(&profile));
    for i in 0..4 {
        assert!((known.predict(i) - new.predict(i)).abs() < 1e-4);
        assert_eq!(known.rank_score(i), new.rank_score(i));
    }
    assert_eq!(known.rated(), new.rated());
}

#[test]
fn item_knn_explains_with_rated_movies() {
    let m = small();
    // Every rating counts as a co-occurrence, so both candidates get votes.
    let config = ItemKnnConfig {
        ranking: RankingConfig {
            dislike_weight: 1.0,
            ..RankingConfig::default()
        },
        ..ItemKnnConfig::default()
    };
    let knn = ItemKnn::fit(&m, &config, &mut |_| {});
    let um = knn.for_user(Who::New(&[(0, 5.0), (1, 4.5)]));
    let top = top_n(um.as_ref(), 4, 2, &TopNFilter::NONE, 3);
    assert!(!top.is_empty());
    for rec in &top {
        assert!(!rec.because.is_empty(), "{rec:?}");
        for &(j, w) in &rec.because {
            assert!(j == 0 || j == 1);
            assert!(w > 0.0);
        }
        assert!(rec.because.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}

#[test]
fn user_knn_similarity_is_surprise_pearson() {
    let m = small();
    let config = UserKnnConfig {
        shrinkage: 0.0,
        ..UserKnnConfig::default()
    };
    let knn = UserKnn::fit(&m, &config, &mut |_| {});
    let p0 = Who::Known(0).ratings(&m);
    let sims = knn.similarities(&p0, Some(0));
    assert_eq!(sims[0], 0.0);
    // Users 0 and 2 share movies 0, 1, 2: (5,4,1) vs (1,2,5), means 10/3 and 8/3.
    let (a, b) = ([5.0f64, 4.0, 1.0], [1.0f64, 2.0, 5.0]);
    let (ma, mb) = (10.0 / 3.0, 8.0 / 3.0);
    let num: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let da: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
    let db: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
    assert!((sims[2] as f64 - num / (da * db).sqrt()).abs() < 1e-5);
    // A new profile identical to user 0 sees the same similarities (user 0 included).
    let new = knn.similarities(&p0, None);
    assert!((new[2] - sims[2]).abs() < 1e-6);
    assert!(new[0] > 0.999);
}

#[test]
fn with_means_variant_predicts_item_mean_without_neighbours() {
    let m = small();
    let config = ItemKnnConfig {
        centering: Centering::Means,
        similarity: Similarity::Pearson,
        ..ItemKnnConfig::with_means()
    };
    let knn = ItemKnn::fit(&m, &config, &mut |_| {});
    let um = knn.for_user(Who::New(&[]));
    // Movie 3 is rated 2, 4.5 and 3.5: mean 10/3.
    assert!((um.predict(3) - 10.0 / 3.0).abs() < 1e-5);
    assert!(um.rated().is_empty());
}

fn all_models(m: &RatingMatrix) -> Vec<Box<dyn Model>> {
    vec![
        Box::new(Popular::fit(m, &PopularConfig::default(), &mut |_| {})),
        Box::new(Baseline::fit(m, &BaselineConfig::default(), &mut |_| {})),
        Box::new(ItemKnn::fit(m, &ItemKnnConfig::default(), &mut |_| {})),
        Box::new(ItemKnn::fit(m, &ItemKnnConfig::with_means(), &mut |_| {})),
        Box::new(UserKnn::fit(m, &UserKnnConfig::default(), &mut |_| {})),
    ]
}

#[test]
fn fits_are_deterministic_and_report_progress() {
    let m = small();
    let mut seen = Vec::new();
    let a = ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |p| seen.push(p));
    let b = ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |_| {});
    assert!(seen
        .iter()
        .any(|p| p.stage == "similarities" && p.done == p.total));
    for i in 0..4 {
        assert_eq!(a.neighbours(i), b.neighbours(i));
        assert_eq!(a.ranking_neighbours(i), b.ranking_neighbours(i));
    }
}

#[test]
fn empty_matrix_and_out_of_range_inputs_do_not_panic() {
    let m = matrix(0, 0, &[]);
    for model in all_models(&m) {
        let um = model.for_user(Who::New(&[(3, 4.0)]));
        assert!(um.predict(7).is_finite());
        assert!(top_n(um.as_ref(), model.n_items(), 5, &TopNFilter::NONE, 2).is_empty());
        let unknown = model.for_user(Who::Known(12));
        assert!(unknown.predict(0).is_finite());
    }
}

fn arb_matrix() -> impl Strategy<Value = (usize, usize, Vec<(u32, u32, f32)>)> {
    (1usize..8, 1usize..10).prop_flat_map(|(nu, ni)| {
        let cell =
            (0..nu as u32, 0..ni as u32, 1u32..=10).prop_map(|(u, i, h)| (u, i, h as f32 * 0.5));
        (Just(nu), Just(ni), proptest::collection::vec(cell, 0..40))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn top_n_never_returns_rated_and_predictions_stay_in_scale(
        (nu, ni, r) in arb_matrix(),
        profile in proptest::collection::vec((0u32..12, 1u32..=10), 0..8),
    ) {
        let m = matrix(nu, ni, &r);
        let profile: Vec<(u32, f32)> = profile.into_iter().map(|(i, h)| (i, h as f32 * 0.5)).collect();
        let (lo, hi) = if m.nnz() == 0 {
            (0.5, 5.0)
        } else {
            let v = m.values();
            (v.iter().copied().fold(f32::INFINITY, f32::min), v.iter().copied().fold(f32::NEG_INFINITY, f32::max))
        };
        for model in all_models(&m) {
            let mut whos: Vec<Who> = (0..nu).map(Who::Known).collect();
            whos.push(Who::New(&profile));
            for who in whos {
                let um = model.for_user(who);
                let rated = um.rated().to_vec();
                prop_assert!(rated.windows(2).all(|w| w[0] < w[1]));
                for rec in top_n(um.as_ref(), model.n_items(), ni, &TopNFilter::NONE, 3) {
                    prop_assert!(rated.binary_search(&rec.item).is_err(), "{} returned rated {}", model.name(), rec.item);
                }
                for i in 0..ni as u32 + 2 {
                    let p = um.predict(i);
                    prop_assert!(p >= lo && p <= hi, "{}: {p} outside [{lo}, {hi}]", model.name());
                }
            }
        }
    }
}
