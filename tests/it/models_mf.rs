//! Matrix-factorisation models on small hand-built matrices: fold-in against an
//! independently computed least-squares solve, retrain with an appended
//! profile, and property tests (top-N never returns a rated movie; predictions
//! are finite and inside the training rating range).

use proptest::prelude::*;
use reel::data::{Rating, RatingMatrix};
use reel::models::als::{AlsConfig, AlsModel};
use reel::models::implicit::ImplicitConfig;
use reel::models::svd::{append_user, RankingConfig, SvdConfig, SvdModel};
use reel::models::{top_n, Model, TopNFilter, Who};

/// Solves `a x = b` (n × n, row-major) by Gaussian elimination with partial
/// pivoting, in f64 — deliberately independent of nalgebra (index loops read clearest).
#[allow(clippy::needless_range_loop)]
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            for c in col..n {
                a[row][c] -= f * a[col][c];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x
}

/// A 30 × 10 matrix with a clear two-group structure and varied ratings.
fn small_matrix() -> RatingMatrix {
    let mut rng = fastrand::Rng::with_seed(11);
    let mut ratings = Vec::new();
    for u in 0..30u32 {
        for i in 0..10u32 {
            if rng.f32() < 0.7 {
                let base = if (u < 15) == (i < 5) { 4.0 } else { 1.5 };
                ratings.push(Rating {
                    user: u,
                    item: i,
                    value: base + 0.5 * rng.u32(0..3) as f32,
                    time: 0,
                });
            }
        }
    }
    RatingMatrix::from_ratings(30, 10, ratings).0
}

fn tiny_ranking() -> RankingConfig {
    RankingConfig {
        implicit: ImplicitConfig {
            factors: 3,
            iterations: 5,
            reg: 0.5,
            alpha: 2.0,
            min_rating: 3.5,
            ..ImplicitConfig::default()
        },
        rating_weight: 0.1,
    }
}

fn svd_config() -> SvdConfig {
    SvdConfig {
        factors: 3,
        epochs: 30,
        lr: 0.03,
        reg: 0.02,
        ranking: Some(tiny_ranking()),
        ..SvdConfig::default()
    }
}

#[test]
fn explicit_fold_in_equals_an_independent_least_squares_solve() {
    let m = small_matrix();
    let cfg = svd_config();
    let model = SvdModel::fit(&m, &cfg, &mut |_| {});
    let profile = vec![(0u32, 5.0f32), (2, 4.5), (6, 1.5), (9, 2.0)];
    let view = model.user(Who::New(&profile));

    // Normal equations of Σ_j (r_j − μ − b_j − b − p·q_j)² + λ_b n b² + λ n |p|²
    // over x = [b, p], built by hand.
    let mf = model.factors();
    let k = mf.items.k();
    let n = profile.len() as f64;
    let mut a = vec![vec![0.0f64; k + 1]; k + 1];
    let mut rhs = vec![0.0f64; k + 1];
    for &(i, r) in &profile {
        let mut row = vec![1.0f64];
        row.extend(mf.items.row(i as usize).iter().map(|&v| v as f64));
        let t = (r - mf.mu - mf.item_bias[i as usize]) as f64;
        for x in 0..=k {
            rhs[x] += row[x] * t;
            for y in 0..=k {
                a[x][y] += row[x] * row[y];
            }
        }
    }
    a[0][0] += cfg.fold_in_reg_bias as f64 * n;
    for (d, row) in a.iter_mut().enumerate().skip(1) {
        row[d] += cfg.fold_in_reg as f64 * n;
    }
    let x = solve(a, rhs);
    assert!(
        (view.bias as f64 - x[0]).abs() < 1e-4,
        "{} vs {}",
        view.bias,
        x[0]
    );
    for d in 0..k {
        assert!((view.factors[d] as f64 - x[d + 1]).abs() < 1e-4);
    }
    // And the prediction is μ + b_i + b + p·q_i, clipped.
    let raw = mf.mu
        + mf.item_bias[4]
        + view.bias
        + (0..k)
            .map(|d| view.factors[d] * mf.items.row(4)[d])
            .sum::<f32>();
    let shown = model.for_user(Who::New(&profile)).predict(4);
    assert!((shown - raw.clamp(mf.min, mf.max)).abs() < 1e-5);
}

#[test]
fn implicit_fold_in_equals_an_independent_least_squares_solve() {
    let m = small_matrix();
    let model = SvdModel::fit(&m, &svd_config(), &mut |_| {});
    let ranker = model
        .ranker()
        .unwrap_or_else(|| panic!("ranking model configured"));
    let cfg = ranker.implicit.config().clone();
    let y = ranker.implicit.item_factors();
    let k = y.k();
    let profile = vec![(1u32, 4.0f32), (3, 5.0), (7, 2.5)];

    // (YᵀY + reg I + Σ_j c_j y_j y_jᵀ) x = Σ_j (1 + c_j) y_j, c_j = confidence − 1.
    let mut a = vec![vec![0.0f64; k]; k];
    for i in 0..y.rows() {
        let row = y.row(i);
        for r in 0..k {
            for c in 0..k {
                a[r][c] += row[r] as f64 * row[c] as f64;
            }
        }
    }
    for (d, row) in a.iter_mut().enumerate() {
        row[d] += cfg.reg as f64;
    }
    let mut b = vec![0.0f64; k];
    // Ratings under min_rating are not positives (item 7 here).
    for &(i, r) in profile.iter().filter(|p| p.1 >= cfg.min_rating) {
        let c = (cfg.alpha * (1.0 + cfg.rating_slope * (r - 3.0)).max(0.05)) as f64;
        let row = y.row(i as usize);
        for rr in 0..k {
            b[rr] += (1.0 + c) * row[rr] as f64;
            for cc in 0..k {
                a[rr][cc] += c * row[rr] as f64 * row[cc] as f64;
            }
        }
    }
    let x = solve(a, b);
    let folded = ranker.implicit.fold_in(&profile);
    for d in 0..k {
        assert!(
            (folded.factors()[d] as f64 - x[d]).abs() < 1e-4,
            "{:?} vs {x:?}",
            folded.factors()
        );
    }
}

#[test]
fn retrain_with_the_profile_appended_reports_progress() {
    let m = small_matrix();
    let profile = vec![(0u32, 5.0f32), (1, 4.5), (8, 1.0)];
    let (bigger, user) = append_user(&m, &profile, 0);
    let mut stages = Vec::new();
    let model = SvdModel::fit(&bigger, &svd_config(), &mut |p| {
        stages.push((p.stage, p.done, p.total))
    });
    assert_eq!(stages.iter().filter(|s| s.0 == "epoch").count(), 30);
    assert_eq!(
        stages
            .iter()
            .filter(|s| s.0 == "implicit iteration")
            .count(),
        5
    );
    let view = model.for_user(Who::Known(user));
    assert_eq!(view.rated(), &[0, 1, 8]);
    // The retrained user likes the first group (items < 5) over the second.
    let first: f32 = (2..5).map(|i| view.predict(i)).sum::<f32>() / 3.0;
    let second: f32 = (5..8).map(|i| view.predict(i)).sum::<f32>() / 3.0;
    assert!(first > second, "{first} vs {second}");
}

#[test]
fn fold_in_ranks_the_profiles_group_first() {
    let m = small_matrix();
    for model in [
        Box::new(SvdModel::fit(&m, &svd_config(), &mut |_| {})) as Box<dyn Model>,
        Box::new(AlsModel::fit(
            &m,
            &AlsConfig {
                factors: 3,
                ranking: Some(tiny_ranking()),
                ..AlsConfig::default()
            },
            &mut |_| {},
        )),
    ] {
        let profile = vec![(5u32, 5.0f32), (6, 4.5), (0, 1.0)];
        let view = model.for_user(Who::New(&profile));
        let list = top_n(view.as_ref(), model.n_items(), 3, &TopNFilter::NONE, 2);
        assert_eq!(list.len(), 3);
        assert!(
            list.iter().filter(|r| r.item >= 5).count() >= 2,
            "{} {list:?}",
            model.name()
        );
    }
}

fn arb_matrix() -> impl Strategy<Value = (RatingMatrix, Vec<(u32, f32)>)> {
    (2usize..12, 2usize..15).prop_flat_map(|(nu, ni)| {
        (
            proptest::collection::vec((0..nu as u32, 0..ni as u32, 1u32..=10), 1..80),
            proptest::collection::btree_map(0..ni as u32, 1u32..=10, 0..ni),
        )
            .prop_map(move |(cells, prof)| {
                let ratings = cells
                    .into_iter()
                    .map(|(u, i, r)| Rating {
                        user: u,
                        item: i,
                        value: r as f32 * 0.5,
                        time: 0,
                    })
                    .collect();
                let profile = prof.into_iter().map(|(i, r)| (i, r as f32 * 0.5)).collect();
                (RatingMatrix::from_ratings(nu, ni, ratings).0, profile)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn top_n_never_returns_a_rated_movie_and_predictions_stay_in_range((m, profile) in arb_matrix()) {
        let models: Vec<Box<dyn Model>> = vec![
            Box::new(SvdModel::fit(&m, &SvdConfig { factors: 2, epochs: 5, ranking: Some(tiny_ranking()), ..SvdConfig::default() }, &mut |_| {})),
            Box::new(AlsModel::fit(&m, &AlsConfig { factors: 2, iterations: 3, ranking: Some(tiny_ranking()), ..AlsConfig::default() }, &mut |_| {})),
        ];
        let (lo, hi) = m.values().iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        for model in &models {
            let mut views: Vec<(Vec<u32>, Box<dyn reel::models::UserModel + '_>)> = (0..m.n_users())
                .map(|u| (m.user(u).items.to_vec(), model.for_user(Who::Known(u))))
                .collect();
            views.push((profile.iter().map(|p| p.0).collect(), model.for_user(Who::New(&profile))));
            for (rated, view) in &views {
                prop_assert_eq!(view.rated(), rated.as_slice());
                let list = top_n(view.as_ref(), m.n_items(), m.n_items(), &TopNFilter::NONE, 3);
                prop_assert_eq!(list.len(), m.n_items() - rated.len());
                for rec in &list {
                    prop_assert!(!rated.contains(&rec.item));
                    prop_assert!(rec.predicted.is_finite() && rec.predicted >= lo && rec.predicted <= hi,
                        "{} predicted {} outside [{lo}, {hi}]", model.name(), rec.predicted);
                    prop_assert!(rec.score.is_finite());
                    for (j, _) in &rec.because {
                        prop_assert!(rated.contains(j));
                    }
                }
            }
        }
    }
}
