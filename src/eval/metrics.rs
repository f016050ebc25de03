//! Accuracy metrics: rating prediction (RMSE, MAE) and top-N ranking
//! (Precision@k, Recall@k, NDCG@k, HitRate@k, MRR, catalogue coverage).
//!
//! Top-N definitions, per user, for a ranked list `ranked` (best first) and the
//! set of `relevant` items:
//! - hits = relevant items among the first `k` of `ranked`;
//! - Precision@k = hits / k;
//! - Recall@k = hits / |relevant|;
//! - NDCG@k = DCG / IDCG with binary gain and log2 discount:
//!   DCG = Σ over relevant positions p (1-based, p ≤ k) of 1 / log2(p + 1),
//!   IDCG = Σ_{p=1}^{min(k, |relevant|)} 1 / log2(p + 1);
//! - HitRate@k = 1 if hits > 0 else 0;
//! - reciprocal rank = 1 / position of the first relevant item within the first `k`, else 0
//!   (MRR is its mean over users).
//!
//! Users with no relevant item have no defined recall or NDCG; the protocol skips them
//! and these functions return 0 for them.

use std::collections::HashSet;

/// Root mean squared error of `predicted` against `actual` (pairs by position; extra
/// entries of the longer slice are ignored). NaN when there is no pair.
pub fn rmse(predicted: &[f32], actual: &[f32]) -> f64 {
    let mut acc = ErrorStats::default();
    acc.extend(predicted.iter().copied().zip(actual.iter().copied()));
    acc.rmse()
}

/// Mean absolute error of `predicted` against `actual`. NaN when there is no pair.
pub fn mae(predicted: &[f32], actual: &[f32]) -> f64 {
    let mut acc = ErrorStats::default();
    acc.extend(predicted.iter().copied().zip(actual.iter().copied()));
    acc.mae()
}

/// Running sums for RMSE and MAE (in f64); mergeable, so it can be filled in parallel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ErrorStats {
    pub count: u64,
    pub sum_sq: f64,
    pub sum_abs: f64,
}

impl ErrorStats {
    /// Adds one (predicted, actual) pair.
    pub fn add(&mut self, predicted: f32, actual: f32) {
        let e = predicted as f64 - actual as f64;
        self.count += 1;
        self.sum_sq += e * e;
        self.sum_abs += e.abs();
    }

    pub fn extend(&mut self, pairs: impl IntoIterator<Item = (f32, f32)>) {
        for (p, a) in pairs {
            self.add(p, a);
        }
    }

    /// Combines two partial sums.
    pub fn merge(mut self, other: ErrorStats) -> ErrorStats {
        self.count += other.count;
        self.sum_sq += other.sum_sq;
        self.sum_abs += other.sum_abs;
        self
    }

    /// NaN when empty.
    pub fn rmse(&self) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        (self.sum_sq / self.count as f64).sqrt()
    }

    /// NaN when empty.
    pub fn mae(&self) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        self.sum_abs / self.count as f64
    }
}

/// Discount of 1-based position `p`: 1 / log2(p + 1).
fn discount(position: usize) -> f64 {
    1.0 / ((position + 1) as f64).log2()
}

/// Number of relevant items among the first `k` of `ranked`.
pub fn hits_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> usize {
    ranked
        .iter()
        .take(k)
        .filter(|i| relevant.contains(i))
        .count()
}

/// Precision@k = hits / k (0 when k = 0).
pub fn precision_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / k as f64
}

/// Recall@k = hits / |relevant| (0 when nothing is relevant).
pub fn recall_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / relevant.len() as f64
}

/// NDCG@k with binary gain, log2 discount, ideal DCG over min(k, |relevant|) positions.
pub fn ndcg_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    let ideal: f64 = (1..=k.min(relevant.len())).map(discount).sum();
    if ideal == 0.0 {
        return 0.0;
    }
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, i)| relevant.contains(i))
        .map(|(p, _)| discount(p + 1))
        .sum();
    dcg / ideal
}

/// 1 if any of the first `k` is relevant, else 0.
pub fn hit_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if hits_at_k(ranked, relevant, k) > 0 {
        1.0
    } else {
        0.0
    }
}

/// 1 / (1-based position of the first relevant item among the first `k`), else 0.
pub fn reciprocal_rank_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|i| relevant.contains(i))
        .map_or(0.0, |p| 1.0 / (p + 1) as f64)
}

/// All per-user top-N metrics of one ranked list.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct UserTopN {
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    pub hit: f64,
    pub reciprocal_rank: f64,
}

impl UserTopN {
    /// Scores `ranked` (best first; only the first `k` count) against `relevant`.
    pub fn score(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> UserTopN {
        UserTopN {
            precision: precision_at_k(ranked, relevant, k),
            recall: recall_at_k(ranked, relevant, k),
            ndcg: ndcg_at_k(ranked, relevant, k),
            hit: hit_at_k(ranked, relevant, k),
            reciprocal_rank: reciprocal_rank_at_k(ranked, relevant, k),
        }
    }
}

/// Means of [`UserTopN`] over users (all zero for no users).
pub fn mean_top_n(users: &[UserTopN]) -> UserTopN {
    if users.is_empty() {
        return UserTopN::default();
    }
    let n = users.len() as f64;
    let sum = |f: fn(&UserTopN) -> f64| users.iter().map(f).sum::<f64>() / n;
    UserTopN {
        precision: sum(|u| u.precision),
        recall: sum(|u| u.recall),
        ndcg: sum(|u| u.ndcg),
        hit: sum(|u| u.hit),
        reciprocal_rank: sum(|u| u.reciprocal_rank),
    }
}

/// Catalogue coverage: distinct items across all lists (first `k` of each) divided by
/// `catalogue_size` (the number of items in train). 0 when the catalogue is empty.
pub fn coverage<'a>(
    lists: impl IntoIterator<Item = &'a [u32]>,
    k: usize,
    catalogue_size: usize,
) -> f64 {
    if catalogue_size == 0 {
        return 0.0;
    }
    let distinct: HashSet<u32> = lists
        .into_iter()
        .flat_map(|l| l.iter().take(k).copied())
        .collect();
    distinct.len() as f64 / catalogue_size as f64
}

/// Mean self-information `−log2(pop_i / n_users)` of the movies in `list`, with `pop_i`
/// the movie's number of training raters (at least 1) and `n_users` the users with a
/// training rating; 0 for an empty list. Higher is more novel (less popular).
pub fn novelty(list: &[u32], popularity: &[usize], n_users: usize) -> f64 {
    if list.is_empty() || n_users == 0 {
        return 0.0;
    }
    let n = n_users as f64;
    list.iter()
        .map(|&i| {
            let pop = popularity.get(i as usize).copied().unwrap_or(0).max(1) as f64;
            -(pop.min(n) / n).log2()
        })
        .sum::<f64>()
        / list.len() as f64
}

/// Intra-list diversity: `1 −` the mean pairwise genre Jaccard similarity of the movies
/// in `list` (genre sets as bits); `None` for fewer than two movies. Two movies without
/// genres count as dissimilar.
pub fn intra_list_diversity(list: &[u32], genres: &[u64]) -> Option<f64> {
    if list.len() < 2 {
        return None;
    }
    let g = |i: u32| genres.get(i as usize).copied().unwrap_or(0);
    let (mut sum, mut pairs) = (0f64, 0usize);
    for (a, &i) in list.iter().enumerate() {
        for &j in &list[a + 1..] {
            let (x, y) = (g(i), g(j));
            let union = (x | y).count_ones();
            if union > 0 {
                sum += (x & y).count_ones() as f64 / union as f64;
            }
            pairs += 1;
        }
    }
    Some(1.0 - sum / pairs as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn novelty_is_mean_self_information() {
        // 8 users; movie 0 rated by all (0 bits), movie 1 by 2 (2 bits), movie 2 by 1 (3).
        let pop = [8, 2, 1];
        assert!((novelty(&[0, 1, 2], &pop, 8) - 5.0 / 3.0).abs() < 1e-12);
        assert_eq!(novelty(&[], &pop, 8), 0.0);
    }

    #[test]
    fn diversity_is_one_minus_mean_genre_jaccard() {
        // {a,b} vs {a}: 1/2; {a,b} vs {c}: 0; {a} vs {c}: 0 → mean 1/6.
        let genres = [0b011u64, 0b001, 0b100];
        let d = intra_list_diversity(&[0, 1, 2], &genres).expect("3 movies");
        assert!((d - (1.0 - 1.0 / 6.0)).abs() < 1e-12);
        assert_eq!(intra_list_diversity(&[0], &genres), None);
        assert_eq!(intra_list_diversity(&[0, 0], &genres), Some(0.0));
    }

    fn set(items: &[u32]) -> HashSet<u32> {
        items.iter().copied().collect()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn rmse_and_mae_by_hand() {
        // Errors: +1, -2, 0, +0.5 → squares 1, 4, 0, 0.25 → mean 1.3125.
        let p = [4.0, 1.0, 3.0, 5.0];
        let a = [3.0, 3.0, 3.0, 4.5];
        close(rmse(&p, &a), 1.3125f64.sqrt());
        close(mae(&p, &a), 3.5 / 4.0);
        assert!(rmse(&[], &[]).is_nan());
        assert!(mae(&[], &[]).is_nan());
        let mut x = ErrorStats::default();
        x.extend([(4.0, 3.0), (1.0, 3.0)]);
        let mut y = ErrorStats::default();
        y.extend([(3.0, 3.0), (5.0, 4.5)]);
        close(x.merge(y).rmse(), 1.3125f64.sqrt());
    }

    #[test]
    fn ndcg_with_fewer_relevant_than_k() {
        // k = 5, two relevant items at positions 2 and 4.
        let ranked = [10, 11, 12, 13, 14];
        let rel = set(&[11, 13]);
        let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2();
        close(ndcg_at_k(&ranked, &rel, 5), dcg / idcg);
        // Perfect ranking of 2 relevant with k = 5 is 1, not 2/5-ish.
        close(ndcg_at_k(&[11, 13, 1, 2, 3], &rel, 5), 1.0);
        // Relevant beyond k does not count.
        close(ndcg_at_k(&[1, 2, 11], &rel, 2), 0.0);
        close(ndcg_at_k(&ranked, &set(&[]), 5), 0.0);
    }

    #[test]
    fn ndcg_with_more_relevant_than_k() {
        let rel = set(&[1, 2, 3, 4]);
        // k = 2: ideal is positions 1 and 2; list hits only position 2.
        let got = ndcg_at_k(&[9, 2, 3], &rel, 2);
        close(got, (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2()));
    }

    #[test]
    fn precision_recall_hit_mrr_by_hand() {
        let ranked = [5, 6, 7, 8];
        let rel = set(&[7, 8, 100]);
        close(precision_at_k(&ranked, &rel, 4), 0.5);
        close(recall_at_k(&ranked, &rel, 4), 2.0 / 3.0);
        close(hit_at_k(&ranked, &rel, 4), 1.0);
        close(reciprocal_rank_at_k(&ranked, &rel, 4), 1.0 / 3.0);
        // Cut at k = 2: nothing relevant retrieved.
        close(precision_at_k(&ranked, &rel, 2), 0.0);
        close(recall_at_k(&ranked, &rel, 2), 0.0);
        close(hit_at_k(&ranked, &rel, 2), 0.0);
        close(reciprocal_rank_at_k(&ranked, &rel, 2), 0.0);
        // A list shorter than k: precision still divides by k.
        close(precision_at_k(&[7], &rel, 10), 0.1);
        close(reciprocal_rank_at_k(&[7], &rel, 10), 1.0);
    }

    #[test]
    fn mean_over_users() {
        let a = UserTopN::score(&[1, 2], &set(&[1]), 2);
        let b = UserTopN::score(&[3, 4], &set(&[4]), 2);
        let m = mean_top_n(&[a, b]);
        close(m.precision, 0.5);
        close(m.recall, 1.0);
        close(m.hit, 1.0);
        close(m.reciprocal_rank, 0.75);
        close(m.ndcg, (1.0 + 1.0 / 3f64.log2()) / 2.0);
        assert_eq!(mean_top_n(&[]), UserTopN::default());
    }

    #[test]
    fn coverage_counts_distinct_items() {
        let lists: Vec<Vec<u32>> = vec![vec![1, 2, 3], vec![2, 3, 4], vec![9, 1, 2]];
        // k = 2: {1,2} ∪ {2,3} ∪ {9,1} = {1,2,3,9} → 4 / 10.
        close(coverage(lists.iter().map(|l| l.as_slice()), 2, 10), 0.4);
        close(coverage(lists.iter().map(|l| l.as_slice()), 3, 10), 0.5);
        close(coverage(std::iter::empty::<&[u32]>(), 3, 0), 0.0);
    }
}
