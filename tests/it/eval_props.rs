//! Property tests of the splits and metrics.

use proptest::prelude::*;
use reel::data::{Rating, RatingMatrix};
use reel::eval::metrics::{self, UserTopN};
use reel::eval::split::{holdout_count, user_holdout, KFold};
use std::collections::HashSet;

/// A random matrix: up to 12 users × 30 items, random sparsity.
fn matrix() -> impl Strategy<Value = RatingMatrix> {
    (1usize..12, 1usize..30).prop_flat_map(|(nu, ni)| {
        proptest::collection::vec((0..nu as u32, 0..ni as u32, 1u8..=10, 0i64..1000), 0..200)
            .prop_map(move |rows| {
                let ratings = rows
                    .into_iter()
                    .map(|(user, item, v, time)| Rating {
                        user,
                        item,
                        value: v as f32 * 0.5,
                        time,
                    })
                    .collect();
                RatingMatrix::from_ratings(nu, ni, ratings).0
            })
    })
}

fn keys(it: impl Iterator<Item = Rating>) -> Vec<(u32, u32, u32)> {
    let mut v: Vec<(u32, u32, u32)> = it.map(|r| (r.user, r.item, r.value.to_bits())).collect();
    v.sort_unstable();
    v
}

proptest! {
    #[test]
    fn k_fold_partitions_exactly(m in matrix(), k in 2usize..7, seed in any::<u64>()) {
        prop_assume!(m.nnz() >= k);
        let folds = KFold::new(&m, k, seed).unwrap();
        let again = KFold::new(&m, k, seed).unwrap();
        prop_assert_eq!(folds.assignment(), again.assignment());
        let mut tests = Vec::new();
        for s in folds.splits() {
            prop_assert_eq!(s.train.nnz() + s.test.len(), m.nnz());
            prop_assert!(s.test.len() >= m.nnz() / k && s.test.len() <= m.nnz() / k + 1);
            // Train and test of a fold are disjoint and together are the data.
            let union = keys(s.train.iter().chain(s.test.iter().copied()));
            prop_assert_eq!(union, keys(m.iter()));
            tests.extend(s.test);
        }
        prop_assert_eq!(keys(tests.into_iter()), keys(m.iter()));
    }

    #[test]
    fn holdout_invariants(m in matrix(), seed in any::<u64>(), min in 2usize..8) {
        let s = user_holdout(&m, 0.2, min, seed).unwrap();
        let union = keys(s.train.iter().chain(s.test.iter().copied()));
        prop_assert_eq!(union, keys(m.iter()));
        let mut held = vec![0usize; m.n_users()];
        for r in &s.test {
            held[r.user as usize] += 1;
        }
        for (u, &h) in held.iter().enumerate() {
            let n = m.user_count(u);
            let want = if n >= min { holdout_count(n, 0.2) } else { 0 };
            prop_assert_eq!(h, want);
            if n >= min {
                prop_assert!(s.train.user_count(u) >= 1);
            }
        }
        let again = user_holdout(&m, 0.2, min, seed).unwrap();
        prop_assert_eq!(again.test, s.test);
    }

    #[test]
    fn top_n_metrics_are_bounded_and_consistent(
        ranked in proptest::collection::vec(0u32..50, 0..20),
        relevant in proptest::collection::hash_set(0u32..50, 1..15),
        k in 1usize..25,
    ) {
        // Ranked lists never repeat an item.
        let mut seen = HashSet::new();
        let ranked: Vec<u32> = ranked.into_iter().filter(|i| seen.insert(*i)).collect();
        let m = UserTopN::score(&ranked, &relevant, k);
        for v in [m.precision, m.recall, m.ndcg, m.hit, m.reciprocal_rank] {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&v), "{:?}", m);
        }
        let hits = metrics::hits_at_k(&ranked, &relevant, k) as f64;
        prop_assert!((m.precision * k as f64 - hits).abs() < 1e-9);
        prop_assert!((m.recall * relevant.len() as f64 - hits).abs() < 1e-9);
        prop_assert!(m.reciprocal_rank <= m.hit);
        prop_assert_eq!(m.hit == 0.0, hits == 0.0);
        if hits == 0.0 {
            prop_assert_eq!(m.ndcg, 0.0);
        }
        // The ideal list (all relevant first) has NDCG 1.
        let mut ideal: Vec<u32> = relevant.iter().copied().collect();
        ideal.sort_unstable();
        prop_assert!((metrics::ndcg_at_k(&ideal, &relevant, k) - 1.0).abs() < 1e-9);
        // Moving a relevant item up never lowers NDCG.
        if let Some(p) = ranked.iter().take(k).position(|i| relevant.contains(i)) {
            if p > 0 {
                let mut better = ranked.clone();
                better.swap(p - 1, p);
                prop_assert!(metrics::ndcg_at_k(&better, &relevant, k) >= m.ndcg - 1e-12);
            }
        }
    }

    #[test]
    fn rmse_bounds_mae(pairs in proptest::collection::vec((0.5f32..5.0, 0.5f32..5.0), 1..100)) {
        let (p, a): (Vec<f32>, Vec<f32>) = pairs.into_iter().unzip();
        let rmse = metrics::rmse(&p, &a);
        let mae = metrics::mae(&p, &a);
        prop_assert!(rmse + 1e-9 >= mae);
        prop_assert!(rmse <= 4.5 + 1e-6);
        prop_assert!(metrics::rmse(&a, &a) == 0.0);
    }
}
