//! Train/test splits over a [`RatingMatrix`], seeded and deterministic.
//!
//! - [`KFold`]: shuffle all ratings with the seed, deal them into `k` folds; fold `f`
//!   is the test set of split `f` and the other folds its training matrix.
//! - [`user_holdout`]: for every user with at least `min_ratings` ratings, hold out a
//!   fraction of that user's ratings (chosen at random with the seed); the top-N protocol.
//!
//! Training matrices keep the full user and item index space of the input, so dense
//! indices mean the same thing in train and test (a user or movie may simply have no
//! training ratings).

use crate::data::{Rating, RatingMatrix};

/// One train/test split.
#[derive(Debug, Clone)]
pub struct Split {
    /// The training ratings, same `n_users` / `n_items` as the data split.
    pub train: RatingMatrix,
    /// The held-out ratings, sorted by user then item.
    pub test: Vec<Rating>,
}

/// Why a split cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    #[error("k-fold needs at least 2 folds (got {0})")]
    TooFewFolds(usize),
    #[error(
        "cannot deal {ratings} ratings into {folds} folds: every fold must get at least one rating"
    )]
    TooFewRatings { ratings: usize, folds: usize },
    #[error("hold-out fraction must be strictly between 0 and 1 (got {0})")]
    BadFraction(f64),
}

/// A seeded k-fold partition of every rating of a matrix.
#[derive(Debug, Clone)]
pub struct KFold<'a> {
    data: &'a RatingMatrix,
    k: usize,
    /// Fold of each rating, in [`RatingMatrix::iter`] order.
    fold_of: Vec<u32>,
}

impl<'a> KFold<'a> {
    /// Shuffles the ratings with `seed` and deals them round-robin into `k` folds
    /// (fold sizes differ by at most one).
    pub fn new(data: &'a RatingMatrix, k: usize, seed: u64) -> Result<Self, SplitError> {
        if k < 2 {
            return Err(SplitError::TooFewFolds(k));
        }
        let n = data.nnz();
        if n < k {
            return Err(SplitError::TooFewRatings {
                ratings: n,
                folds: k,
            });
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        fastrand::Rng::with_seed(seed).shuffle(&mut order);
        let mut fold_of = vec![0u32; n];
        for (pos, &idx) in order.iter().enumerate() {
            fold_of[idx as usize] = (pos % k) as u32;
        }
        Ok(KFold { data, k, fold_of })
    }

    /// Number of folds.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The fold (in `0..k`) of each rating, in [`RatingMatrix::iter`] order.
    pub fn assignment(&self) -> &[u32] {
        &self.fold_of
    }

    /// Split number `fold` (test = that fold, train = the rest). Panics if `fold >= k`.
    pub fn split(&self, fold: usize) -> Split {
        assert!(fold < self.k, "fold {fold} out of range 0..{}", self.k);
        let mut train = Vec::with_capacity(self.data.nnz() - self.data.nnz() / self.k);
        let mut test = Vec::with_capacity(self.data.nnz() / self.k + 1);
        for (r, &f) in self.data.iter().zip(&self.fold_of) {
            if f as usize == fold {
                test.push(r);
            } else {
                train.push(r);
            }
        }
        let (train, _) =
            RatingMatrix::from_ratings(self.data.n_users(), self.data.n_items(), train);
        Split { train, test }
    }

    /// All `k` splits, one after another (each built on demand).
    pub fn splits(&self) -> impl Iterator<Item = Split> + '_ {
        (0..self.k).map(move |f| self.split(f))
    }
}

/// Convenience: all `k` splits at once (see [`KFold`]).
pub fn k_fold(data: &RatingMatrix, k: usize, seed: u64) -> Result<Vec<Split>, SplitError> {
    let folds = KFold::new(data, k, seed)?;
    Ok(folds.splits().collect())
}

/// How many of `n` ratings a per-user hold-out of `fraction` takes: `round(n * fraction)`,
/// at least 1 and at most `n - 1` (so the user keeps a training rating), 0 when `n < 2`.
pub fn holdout_count(n: usize, fraction: f64) -> usize {
    if n < 2 {
        return 0;
    }
    ((n as f64 * fraction).round() as usize).clamp(1, n - 1)
}

/// Per-user hold-out: for each user with at least `min_ratings` ratings, hold out
/// [`holdout_count`]`(n, fraction)` of their ratings chosen uniformly at random with
/// `seed`; all other ratings (and every rating of users with fewer) are training data.
///
/// The top-N protocol uses `user_holdout(data, 0.2, 5, seed)`.
pub fn user_holdout(
    data: &RatingMatrix,
    fraction: f64,
    min_ratings: usize,
    seed: u64,
) -> Result<Split, SplitError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(SplitError::BadFraction(fraction));
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut train = Vec::with_capacity(data.nnz());
    let mut test = Vec::new();
    let mut picks: Vec<usize> = Vec::new();
    let mut held: Vec<bool> = Vec::new();
    for u in 0..data.n_users() {
        let row = data.user(u);
        let n = row.len();
        let rating = |k: usize| Rating {
            user: u as u32,
            item: row.items[k],
            value: row.values[k],
            time: row.times[k],
        };
        if n < min_ratings.max(2) {
            train.extend((0..n).map(rating));
            continue;
        }
        let h = holdout_count(n, fraction);
        picks.clear();
        picks.extend(0..n);
        // Partial Fisher–Yates: the first `h` positions become a uniform sample.
        for i in 0..h {
            let j = rng.usize(i..n);
            picks.swap(i, j);
        }
        held.clear();
        held.resize(n, false);
        for &k in &picks[..h] {
            held[k] = true;
        }
        for (k, &is_test) in held.iter().enumerate() {
            if is_test {
                test.push(rating(k));
            } else {
                train.push(rating(k));
            }
        }
    }
    let (train, _) = RatingMatrix::from_ratings(data.n_users(), data.n_items(), train);
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n_users: usize, n_items: usize, per_user: &[usize]) -> RatingMatrix {
        let mut ratings = Vec::new();
        for (u, &n) in per_user.iter().enumerate() {
            for i in 0..n {
                ratings.push(Rating {
                    user: u as u32,
                    item: ((i * 7 + u) % n_items) as u32,
                    value: 0.5 + ((u + i) % 10) as f32 * 0.5,
                    time: (u * 100 + i) as i64,
                });
            }
        }
        RatingMatrix::from_ratings(n_users, n_items, ratings).0
    }

    fn key(r: &Rating) -> (u32, u32) {
        (r.user, r.item)
    }

    #[test]
    fn k_fold_partitions_every_rating_exactly_once() {
        let data = matrix(6, 20, &[10, 3, 0, 15, 7, 1]);
        let splits = k_fold(&data, 4, 7).unwrap();
        assert_eq!(splits.len(), 4);
        let mut all_test: Vec<(u32, u32)> =
            splits.iter().flat_map(|s| s.test.iter().map(key)).collect();
        all_test.sort_unstable();
        let mut all: Vec<(u32, u32)> = data.iter().map(|r| key(&r)).collect();
        all.sort_unstable();
        assert_eq!(all_test, all);
        for s in &splits {
            assert_eq!(s.train.nnz() + s.test.len(), data.nnz());
            assert_eq!(s.train.n_users(), data.n_users());
            assert_eq!(s.train.n_items(), data.n_items());
            for r in &s.test {
                assert_eq!(s.train.get(r.user as usize, r.item), None);
                assert_eq!(data.get(r.user as usize, r.item), Some(r.value));
            }
            // Balanced: sizes differ by at most one.
            let n = data.nnz();
            assert!(s.test.len() == n / 4 || s.test.len() == n / 4 + 1);
        }
    }

    #[test]
    fn k_fold_is_deterministic_per_seed() {
        let data = matrix(5, 30, &[12, 9, 20, 4, 8]);
        let a = KFold::new(&data, 5, 42).unwrap();
        let b = KFold::new(&data, 5, 42).unwrap();
        let c = KFold::new(&data, 5, 43).unwrap();
        assert_eq!(a.assignment(), b.assignment());
        assert_ne!(a.assignment(), c.assignment());
    }

    #[test]
    fn k_fold_rejects_bad_k() {
        let data = matrix(2, 5, &[2, 1]);
        assert_eq!(
            KFold::new(&data, 1, 0).unwrap_err(),
            SplitError::TooFewFolds(1)
        );
        assert!(matches!(
            KFold::new(&data, 4, 0),
            Err(SplitError::TooFewRatings {
                ratings: 3,
                folds: 4
            })
        ));
    }

    #[test]
    fn holdout_takes_twenty_percent_of_eligible_users() {
        let per_user = [4, 5, 10, 7, 23, 0, 1];
        let data = matrix(per_user.len(), 40, &per_user);
        let s = user_holdout(&data, 0.2, 5, 42).unwrap();
        let mut held = vec![0usize; per_user.len()];
        for r in &s.test {
            held[r.user as usize] += 1;
            assert_eq!(s.train.get(r.user as usize, r.item), None);
        }
        // round(0.2 n): 4 -> not eligible, 5 -> 1, 10 -> 2, 7 -> 1, 23 -> 5.
        assert_eq!(held, vec![0, 1, 2, 1, 5, 0, 0]);
        for (u, &n) in per_user.iter().enumerate() {
            assert_eq!(s.train.user_count(u) + held[u], n);
        }
        assert!(s.test.windows(2).all(|w| key(&w[0]) < key(&w[1])));
        let again = user_holdout(&data, 0.2, 5, 42).unwrap();
        assert_eq!(again.test, s.test);
        assert_eq!(again.train, s.train);
    }

    #[test]
    fn holdout_sample_depends_on_seed() {
        let data = matrix(3, 200, &[100, 100, 100]);
        let a = user_holdout(&data, 0.2, 5, 1).unwrap();
        let b = user_holdout(&data, 0.2, 5, 2).unwrap();
        assert_eq!(a.test.len(), 60);
        assert_eq!(b.test.len(), 60);
        assert_ne!(a.test, b.test);
    }

    #[test]
    fn holdout_count_bounds() {
        assert_eq!(holdout_count(0, 0.2), 0);
        assert_eq!(holdout_count(1, 0.2), 0);
        assert_eq!(holdout_count(2, 0.2), 1);
        assert_eq!(holdout_count(5, 0.2), 1);
        assert_eq!(holdout_count(8, 0.2), 2);
        assert_eq!(holdout_count(2, 0.9), 1);
        assert!(user_holdout(&matrix(1, 3, &[3]), 1.0, 5, 0).is_err());
    }
}
