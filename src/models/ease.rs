//! `ease`: a learned item-item model (EASE^R, Steck 2019, "Embarrassingly Shallow
//! Autoencoders for Sparse Data").
//!
//! **Model.** With `X` the user × movie matrix of an implicit signal (every rating as 1,
//! only liked ratings, or the rating itself; see [`Signal`]), EASE learns the item-item
//! weights `B` minimising `‖X − XB‖² + λ‖B‖²` subject to `diag(B) = 0`. The closed form is
//! `P = (XᵀX + λI)⁻¹`, `B = I − P·diagMat(1/diag(P))`, i.e. `B_ij = −P_ij / P_jj` off the
//! diagonal. A user's score for movie `j` is `Σ_i x_ui B_ij` over the movies `i` they
//! rated, so a live profile folds in by summing rows of `B` (no solve), and each score
//! splits exactly into per-movie contributions: "because you rated X, Y".
//!
//! **Dense or sparse.** The closed form needs a dense n×n inverse: feasible up to
//! [`EaseConfig::dense_max_items`] movies (ml-latest-small keeps ≈ 9k). The Cholesky
//! factorisation and inverse go through faer, which is blocked and parallel; nalgebra's
//! are unblocked and single-threaded (see the commit introducing this file for the
//! measurement). Above that size (the 59k movies of a 25M-rating set, where `XᵀX` alone
//! would need 28 GB) a *neighbourhood-restricted* EASE is fitted instead: column `j` of
//! `B` is the same ridge regression of `X_j` on the other movies, but restricted to the
//! `neighbours` movies that co-occur most with `j` (a small dense solve per movie, on
//! the Gram entries kept in the co-occurrence lists; entries between two neighbours
//! that neither list kept are taken as 0). With every movie as a neighbour the two
//! coincide (unit test).
//!
//! **Movies with too few ratings** (below [`EaseConfig::min_count`]) get no weights:
//! they are never recommended by this model and do not contribute to scores.
//!
//! **Predicted rating.** EASE scores are not ratings. [`UserModel::predict`] delegates to
//! a rating model fitted beside it (item-kNN by default), so the number shown next to a
//! list entry stays a calibrated rating while the list is ordered by the EASE score.

use super::item_knn::{user_cap, ItemKnn, ItemKnnConfig};
use super::parallel::par_map_rows;
use super::similarity::{clean_profile, UserRows};
use super::{Model, Progress, UserModel, Who};
use crate::data::RatingMatrix;
use rayon::prelude::*;
use std::sync::{Arc, Mutex, Weak};

/// Which implicit signal `X` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Signal {
    /// Every rating counts as 1 ("watched").
    All,
    /// Ratings at or above the like threshold count as 1, others 0.
    Liked,
    /// The rating divided by the highest rating in train, raised to
    /// [`EaseConfig::rating_power`] (2: a 5★ rating weighs four times a 2.5★ one).
    Rating,
}

/// Settings of [`Ease::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct EaseConfig {
    /// L2 regularisation `λ` of the weights.
    pub lambda: f32,
    pub signal: Signal,
    /// Threshold of [`Signal::Liked`].
    pub like_threshold: f32,
    /// Exponent of [`Signal::Rating`]: `x = (r / r_max)^rating_power`.
    pub rating_power: f32,
    /// Movies with fewer training ratings (of non-zero signal) get no weights.
    pub min_count: usize,
    /// Above this many movies the neighbourhood-restricted approximation is fitted.
    pub dense_max_items: usize,
    /// Neighbours per movie of the sparse approximation.
    pub neighbours: usize,
    /// Bound on co-rating pair updates (Σ n_u²) of the sparse approximation's
    /// co-occurrence pass; heavier raters are cut to their most recent ratings.
    pub pair_budget: f64,
    /// The rating model behind `predict`.
    pub rating: ItemKnnConfig,
}

impl Default for EaseConfig {
    /// Chosen on an inner per-user 80/20 split of the training part of the peer split
    /// of ml-latest-small (never on its test part); see `tests/it/models_ease_tune.rs`.
    /// Inner NDCG@10: the squared rating signal beat the plain one (0.1961 vs 0.1883 at
    /// their best λ) and the cube (0.1952); λ 125–150 led; `min_count` 2, 3, 5 and 12
    /// scored within 0.0011 of each other, and 5 fits in a fifth of 2's time
    /// (2,770 movies instead of 5,193) while keeping more of the catalogue than 12.
    fn default() -> Self {
        EaseConfig {
            lambda: 150.0,
            signal: Signal::Rating,
            like_threshold: 4.0,
            rating_power: 2.0,
            min_count: 5,
            dense_max_items: 10_000,
            neighbours: 100,
            pair_budget: 1.5e9,
            rating: ItemKnnConfig::default(),
        }
    }
}

/// The learned weights `B`, stored by source movie (row `i` = what rating `i` adds to
/// every target), over the kept movies' compact indices.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Weights {
    /// Row-major `n × n`.
    Dense {
        n: usize,
        #[serde(with = "crate::models::store::pod")]
        w: Vec<f32>,
    },
    /// CSR by source; targets sorted within a row.
    Sparse {
        #[serde(with = "crate::models::store::pod::usizes")]
        ptr: Vec<usize>,
        #[serde(with = "crate::models::store::pod")]
        idx: Vec<u32>,
        #[serde(with = "crate::models::store::pod")]
        w: Vec<f32>,
    },
}

impl Weights {
    /// `B[a, b]` (compact indices).
    fn get(&self, a: usize, b: usize) -> f32 {
        match self {
            Weights::Dense { n, w } => w[a * n + b],
            Weights::Sparse { ptr, idx, w } => {
                let range = ptr[a]..ptr[a + 1];
                match idx[range.clone()].binary_search(&(b as u32)) {
                    Ok(k) => w[range.start + k],
                    Err(_) => 0.0,
                }
            }
        }
    }

    /// Adds `x · B[a, ·]` to `out` (compact indices).
    fn add_row(&self, a: usize, x: f32, out: &mut [f32]) {
        match self {
            Weights::Dense { n, w } => {
                for (o, &b) in out.iter_mut().zip(&w[a * n..(a + 1) * n]) {
                    *o += x * b;
                }
            }
            Weights::Sparse { ptr, idx, w } => {
                for k in ptr[a]..ptr[a + 1] {
                    out[idx[k] as usize] += x * w[k];
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Weights::Dense { w, .. } => w.len() * 4,
            Weights::Sparse { ptr, idx, w } => ptr.len() * 8 + idx.len() * 4 + w.len() * 4,
        }
    }
}

/// The EASE part alone (weights and signal), without the rating model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EaseWeights {
    signal: Signal,
    like_threshold: f32,
    rating_power: f32,
    /// Highest training rating ([`Signal::Rating`] divides by it).
    max_rating: f32,
    n_items: usize,
    /// Compact index of each movie (`u32::MAX`: no weights).
    #[serde(with = "crate::models::store::pod")]
    compact: Vec<u32>,
    /// Movie of each compact index.
    #[serde(with = "crate::models::store::pod")]
    kept: Vec<u32>,
    weights: Weights,
}

/// Why the dense solve failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EaseError {
    #[error("XᵀX + λI is not positive definite (λ = {lambda}); use a larger λ")]
    NotPositiveDefinite { lambda: f32 },
}

impl EaseWeights {
    /// Fits the weights only: dense closed form up to `dense_max_items` kept movies,
    /// the neighbourhood-restricted approximation above.
    pub fn fit(
        train: &RatingMatrix,
        config: &EaseConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Self, EaseError> {
        let mut base = Self::empty(train, config);
        let x = base.signal_matrix(train, None);
        base.weights = if base.kept.len() <= config.dense_max_items {
            dense_weights(&x, config.lambda, progress)?
        } else {
            sparse_weights(&x, train, config, progress)
        };
        Ok(base)
    }

    /// Fits with the sparse approximation whatever the size (for comparisons).
    pub fn fit_sparse(
        train: &RatingMatrix,
        config: &EaseConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let mut base = Self::empty(train, config);
        let x = base.signal_matrix(train, None);
        base.weights = sparse_weights(&x, train, config, progress);
        base
    }

    fn empty(train: &RatingMatrix, config: &EaseConfig) -> Self {
        let max_rating = train.values().iter().copied().fold(0f32, f32::max);
        let mut me = EaseWeights {
            signal: config.signal,
            like_threshold: config.like_threshold,
            rating_power: config.rating_power,
            max_rating: if max_rating > 0.0 { max_rating } else { 1.0 },
            n_items: train.n_items(),
            compact: vec![u32::MAX; train.n_items()],
            kept: Vec::new(),
            weights: Weights::Dense {
                n: 0,
                w: Vec::new(),
            },
        };
        for i in 0..train.n_items() {
            let col = train.item(i);
            let count = col.values.iter().filter(|&&r| me.x(r) != 0.0).count();
            if count >= config.min_count.max(1) {
                me.compact[i] = me.kept.len() as u32;
                me.kept.push(i as u32);
            }
        }
        me
    }

    /// The signal of one rating.
    pub fn x(&self, r: f32) -> f32 {
        match self.signal {
            Signal::All => 1.0,
            Signal::Liked => f32::from(r >= self.like_threshold),
            Signal::Rating => {
                let v = (r / self.max_rating).max(0.0);
                // The common powers without powf (it runs once per training rating).
                let p = self.rating_power;
                if p == 1.0 {
                    v
                } else if p == 2.0 {
                    v * v
                } else {
                    v.powf(p)
                }
            }
        }
    }

    /// `X` over kept movies (compact indices), CSR by user and CSC by movie; with a
    /// `cap`, each user keeps only their `cap` most recent ratings (ties: by movie).
    fn signal_matrix(&self, train: &RatingMatrix, cap: Option<usize>) -> SignalMatrix {
        let mut rows = SignalMatrix::default();
        rows.user_ptr.push(0);
        let mut order: Vec<usize> = Vec::new();
        for u in 0..train.n_users() {
            let row = train.user(u);
            order.clear();
            order.extend(0..row.len());
            if let Some(cap) = cap.filter(|&c| row.len() > c) {
                order.sort_unstable_by_key(|&k| (std::cmp::Reverse(row.times[k]), row.items[k]));
                order.truncate(cap);
                order.sort_unstable();
            }
            for &k in &order {
                let (i, r) = (row.items[k], row.values[k]);
                let c = self.compact[i as usize];
                let x = self.x(r);
                if c != u32::MAX && x != 0.0 {
                    rows.user_idx.push(c);
                    rows.user_x.push(x);
                }
            }
            rows.user_ptr.push(rows.user_idx.len());
        }
        let n = self.kept.len();
        let mut ptr = vec![0usize; n + 1];
        for &c in &rows.user_idx {
            ptr[c as usize + 1] += 1;
        }
        for c in 0..n {
            ptr[c + 1] += ptr[c];
        }
        let mut fill = ptr.clone();
        let mut idx = vec![0u32; rows.user_idx.len()];
        let mut xs = vec![0f32; rows.user_idx.len()];
        for u in 0..train.n_users() {
            for k in rows.user_ptr[u]..rows.user_ptr[u + 1] {
                let at = &mut fill[rows.user_idx[k] as usize];
                idx[*at] = u as u32;
                xs[*at] = rows.user_x[k];
                *at += 1;
            }
        }
        rows.item_ptr = ptr;
        rows.item_users = idx;
        rows.item_x = xs;
        rows.n_items = n;
        rows
    }

    /// Number of movies with weights.
    pub fn n_kept(&self) -> usize {
        self.kept.len()
    }

    /// The movies with weights, ascending (the only ones EASE can score).
    pub fn kept(&self) -> &[u32] {
        &self.kept
    }

    /// Whether the dense closed form was fitted (else the sparse approximation).
    pub fn is_dense(&self) -> bool {
        matches!(self.weights, Weights::Dense { .. })
    }

    /// `B[source, target]` by movie index (0 where either has no weights).
    pub fn weight(&self, source: u32, target: u32) -> f32 {
        match (self.compact_of(source), self.compact_of(target)) {
            (Some(a), Some(b)) => self.weights.get(a, b),
            _ => 0.0,
        }
    }

    fn compact_of(&self, item: u32) -> Option<usize> {
        match self.compact.get(item as usize) {
            Some(&c) if c != u32::MAX => Some(c as usize),
            _ => None,
        }
    }

    /// Scores of every movie for a profile (`−∞` for movies without weights).
    pub fn scores(&self, profile: &[(u32, f32)]) -> Vec<f32> {
        let mut compact = vec![0f32; self.kept.len()];
        for &(i, r) in profile {
            let x = self.x(r);
            if let (Some(a), true) = (self.compact_of(i), x != 0.0) {
                self.weights.add_row(a, x, &mut compact);
            }
        }
        let mut out = vec![f32::NEG_INFINITY; self.n_items];
        for (c, &i) in self.kept.iter().enumerate() {
            out[i as usize] = compact[c];
        }
        out
    }

    /// Each rated movie's contribution `x_ui · B[i, item]` to `item`'s score (they sum
    /// to it), in profile order; zero contributions left out.
    pub fn contributions(&self, profile: &[(u32, f32)], item: u32) -> Vec<(u32, f32)> {
        let Some(b) = self.compact_of(item) else {
            return Vec::new();
        };
        profile
            .iter()
            .filter_map(|&(i, r)| {
                let a = self.compact_of(i)?;
                let v = self.x(r) * self.weights.get(a, b);
                (v != 0.0).then_some((i, v))
            })
            .collect()
    }

    /// Bytes held by the weights.
    pub fn heap_bytes(&self) -> usize {
        self.weights.heap_bytes() + self.compact.len() * 4 + self.kept.len() * 4
    }
}

/// The signal matrix over kept movies.
#[derive(Default)]
struct SignalMatrix {
    n_items: usize,
    user_ptr: Vec<usize>,
    user_idx: Vec<u32>,
    user_x: Vec<f32>,
    item_ptr: Vec<usize>,
    item_users: Vec<u32>,
    item_x: Vec<f32>,
}

impl SignalMatrix {
    /// Column `a` of `XᵀX` into `out` (dense, length `n_items`).
    fn gram_column(&self, a: usize, out: &mut [f64]) {
        out.fill(0.0);
        for k in self.item_ptr[a]..self.item_ptr[a + 1] {
            let (u, xa) = (self.item_users[k] as usize, self.item_x[k] as f64);
            for m in self.user_ptr[u]..self.user_ptr[u + 1] {
                out[self.user_idx[m] as usize] += xa * self.user_x[m] as f64;
            }
        }
    }
}

/// The closed form: `P = (XᵀX + λI)⁻¹`, `B_ij = −P_ij / P_jj`, `B_jj = 0`.
fn dense_weights(
    x: &SignalMatrix,
    lambda: f32,
    progress: &mut dyn FnMut(Progress),
) -> Result<Weights, EaseError> {
    use faer::linalg::solvers::DenseSolveCore;
    let n = x.n_items;
    if n == 0 {
        return Ok(Weights::Dense { n, w: Vec::new() });
    }
    // XᵀX, one column per movie in parallel (column-major; symmetric).
    let mut gram = vec![0f64; n * n];
    gram.par_chunks_mut(n)
        .enumerate()
        .for_each(|(a, col)| x.gram_column(a, col));
    for a in 0..n {
        gram[a * n + a] += lambda as f64;
    }
    progress(Progress {
        stage: "gram matrix".into(),
        done: 1,
        total: 2,
    });
    let g = faer::MatRef::from_column_major_slice(&gram, n, n);
    let llt = g
        .llt(faer::Side::Lower)
        .map_err(|_| EaseError::NotPositiveDefinite { lambda })?;
    drop(gram);
    let p = llt.inverse();
    drop(llt);
    // Row i of B = column i of P (symmetric) divided by −P_jj.
    let inv_diag: Vec<f64> = (0..n).map(|j| -1.0 / p[(j, j)]).collect();
    let mut w = vec![0f32; n * n];
    w.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for (j, out) in row.iter_mut().enumerate() {
            *out = if i == j {
                0.0
            } else {
                (p[(j, i)] * inv_diag[j]) as f32
            };
        }
    });
    progress(Progress {
        stage: "inverse".into(),
        done: 2,
        total: 2,
    });
    Ok(Weights::Dense { n, w })
}

/// Neighbourhood-restricted EASE: per target `j`, ridge regression of `X_j` on its
/// `neighbours` strongest co-occurring movies `N(j)`:
/// `β = (G_NN + λI)⁻¹ G_Nj`, `B[N(j), j] = β`.
fn sparse_weights(
    x: &SignalMatrix,
    train: &RatingMatrix,
    config: &EaseConfig,
    progress: &mut dyn FnMut(Progress),
) -> Weights {
    let n = x.n_items;
    let k = config.neighbours.max(1).min(n.saturating_sub(1));
    // Co-occurrence lists on a matrix whose heaviest raters are cut to their most recent
    // ratings when Σ n_u² exceeds the budget (as item-kNN does).
    let pruned_signal;
    let x_pairs = match user_cap(train, config.pair_budget) {
        Some(cap) => {
            pruned_signal = EaseWeights::empty(train, config).signal_matrix(train, Some(cap));
            &pruned_signal
        }
        None => x,
    };
    // For each movie: its diagonal Gram entry and its top-k co-occurrences, sorted by index.
    let lists: Vec<(f64, Vec<(u32, f32)>)> = par_map_rows(
        n,
        || (vec![0f64; n], Vec::<u32>::new()),
        |(acc, touched), a| {
            for kk in x_pairs.item_ptr[a]..x_pairs.item_ptr[a + 1] {
                let (u, xa) = (x_pairs.item_users[kk] as usize, x_pairs.item_x[kk] as f64);
                for m in x_pairs.user_ptr[u]..x_pairs.user_ptr[u + 1] {
                    let b = x_pairs.user_idx[m] as usize;
                    if acc[b] == 0.0 {
                        touched.push(b as u32);
                    }
                    acc[b] += xa * x_pairs.user_x[m] as f64;
                }
            }
            let diag = acc[a];
            let mut cands: Vec<(u32, f32)> = touched
                .iter()
                .filter(|&&b| b as usize != a)
                .map(|&b| (b, acc[b as usize] as f32))
                .collect();
            for &b in touched.iter() {
                acc[b as usize] = 0.0;
            }
            touched.clear();
            if cands.len() > k {
                cands.select_nth_unstable_by(k - 1, |p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
                cands.truncate(k);
            }
            cands.sort_unstable_by_key(|p| p.0);
            // Truncating keeps the allocation of every co-occurring movie: without this
            // the lists held 2.5 GB instead of 50 MB on the synthetic 25M set.
            cands.shrink_to_fit();
            (diag, cands)
        },
        "co-occurrences",
        progress,
    );
    let lambda = config.lambda as f64;
    // Column j of B over N(j).
    let columns: Vec<Vec<(u32, f32)>> = par_map_rows(
        n,
        || (),
        |_, j| {
            let nb = &lists[j].1;
            let m = nb.len();
            if m == 0 {
                return Vec::new();
            }
            // G_NN from the kept lists: row r by a merge join of neighbour r's list with
            // N(j) (both sorted by index); an entry kept on one side only is taken from
            // that side (signals are non-negative, so the larger one).
            let mut a = nalgebra::DMatrix::<f64>::zeros(m, m);
            for (r, &(item_r, _)) in nb.iter().enumerate() {
                let list = &lists[item_r as usize].1;
                let (mut p, mut q) = (0, 0);
                while p < list.len() && q < m {
                    match list[p].0.cmp(&nb[q].0) {
                        std::cmp::Ordering::Less => p += 1,
                        std::cmp::Ordering::Greater => q += 1,
                        std::cmp::Ordering::Equal => {
                            a[(r, q)] = list[p].1 as f64;
                            p += 1;
                            q += 1;
                        }
                    }
                }
            }
            for r in 0..m {
                for c in 0..r {
                    let v = a[(r, c)].max(a[(c, r)]);
                    a[(r, c)] = v;
                    a[(c, r)] = v;
                }
                a[(r, r)] = lists[nb[r].0 as usize].0 + lambda;
            }
            let rhs = nalgebra::DVector::<f64>::from_iterator(m, nb.iter().map(|p| p.1 as f64));
            // Imputed zeros can make G_NN + λI indefinite: fall back to LU then.
            let beta = match a.clone().cholesky() {
                Some(ch) => Some(ch.solve(&rhs)),
                None => a.lu().solve(&rhs),
            };
            match beta {
                Some(beta) => nb
                    .iter()
                    .zip(beta.iter())
                    .map(|(&(i, _), &v)| (i, v as f32))
                    .filter(|p| p.1.is_finite() && p.1 != 0.0)
                    .collect(),
                None => Vec::new(),
            }
        },
        "regressions",
        progress,
    );
    // Transpose the columns (by target) into rows (by source).
    let mut ptr = vec![0usize; n + 1];
    for col in &columns {
        for &(i, _) in col {
            ptr[i as usize + 1] += 1;
        }
    }
    for i in 0..n {
        ptr[i + 1] += ptr[i];
    }
    let mut fill = ptr.clone();
    let mut idx = vec![0u32; ptr[n]];
    let mut w = vec![0f32; ptr[n]];
    for (j, col) in columns.iter().enumerate() {
        for &(i, v) in col {
            let at = &mut fill[i as usize];
            idx[*at] = j as u32;
            w[*at] = v;
            *at += 1;
        }
    }
    Weights::Sparse { ptr, idx, w }
}

/// The rating model behind an EASE list's predicted ratings.
enum RatingModel {
    /// The one [`Ease::fit`] trains (saved with the weights).
    Knn(Box<ItemKnn>),
    /// Any other, paired by [`Ease::from_parts`] (for tuning; not saved).
    Other(Box<dyn Model>),
}

impl RatingModel {
    fn get(&self) -> &dyn Model {
        match self {
            RatingModel::Knn(m) => m.as_ref(),
            RatingModel::Other(m) => m.as_ref(),
        }
    }
}

/// A fitted EASE model: the weights order lists, a rating model predicts ratings.
pub struct Ease {
    weights: EaseWeights,
    rating: RatingModel,
    rows: UserRows,
}

/// The training data and settings of a fit, to recognise the same fit again.
type FitKey = (super::store::DatasetKey, String);

/// The models [`Ease::fit_shared`] made that someone still holds (entries whose model
/// is gone are dropped at the next call).
static FITS: Mutex<Vec<(FitKey, Weak<Ease>)>> = Mutex::new(Vec::new());

/// What [`Ease`]'s snapshot holds (written by reference, read back owned).
#[derive(serde::Serialize)]
struct EaseParts<'a> {
    weights: &'a EaseWeights,
    rating: &'a ItemKnn,
    rows: &'a UserRows,
}

#[derive(serde::Deserialize)]
pub(crate) struct EaseOwned {
    weights: EaseWeights,
    rating: ItemKnn,
    rows: UserRows,
}

impl From<EaseOwned> for Ease {
    fn from(p: EaseOwned) -> Self {
        Ease {
            weights: p.weights,
            rating: RatingModel::Knn(Box::new(p.rating)),
            rows: p.rows,
        }
    }
}

impl Ease {
    /// Fits the weights, then the rating model (item-kNN, `config.rating`). Not side by
    /// side: both block a thread on their own parallel passes (`par_map_rows`), and two
    /// such waits on rayon workers can leave no worker to do the work (a deadlock seen
    /// with concurrent fits); each pass is parallel on its own.
    pub fn fit(
        train: &RatingMatrix,
        config: &EaseConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Self, EaseError> {
        let weights = EaseWeights::fit(train, config, progress)?;
        let rating = ItemKnn::fit(train, &config.rating, progress);
        Ok(Ease {
            weights,
            rating: RatingModel::Knn(Box::new(rating)),
            rows: UserRows::from_matrix(train),
        })
    }

    /// [`Ease::fit`], or the model already fitted on the same data with the same
    /// settings while it is still in use: the `ease` and `svd-ease` lists are trained
    /// one after the other on one matrix, and the second reuses the first's EASE
    /// (the fit is deterministic, so the result is the same; it saves the whole fit).
    pub fn fit_shared(
        train: &RatingMatrix,
        config: &EaseConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Arc<Self>, EaseError> {
        let key: FitKey = (super::store::DatasetKey::of(train), format!("{config:?}"));
        let fits = || FITS.lock().unwrap_or_else(|p| p.into_inner());
        {
            let mut held = fits();
            held.retain(|(_, weak)| weak.strong_count() > 0);
            if let Some(model) = held
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, weak)| weak.upgrade())
            {
                return Ok(model);
            }
        }
        // Fitted outside the lock: a fit takes seconds to minutes.
        let model = Arc::new(Self::fit(train, config, progress)?);
        fits().push((key, Arc::downgrade(&model)));
        Ok(model)
    }

    /// Pairs fitted weights with any rating model fitted on the same `train` (such a
    /// pair is not saved: [`Model::snapshot`] gives `None`).
    pub fn from_parts(weights: EaseWeights, rating: Box<dyn Model>, train: &RatingMatrix) -> Self {
        Ease {
            weights,
            rating: RatingModel::Other(rating),
            rows: UserRows::from_matrix(train),
        }
    }

    /// The parts to encode, when the rating model is the saved kind.
    pub(crate) fn parts(&self) -> Option<impl serde::Serialize + '_> {
        match &self.rating {
            RatingModel::Knn(rating) => Some(EaseParts {
                weights: &self.weights,
                rating,
                rows: &self.rows,
            }),
            RatingModel::Other(_) => None,
        }
    }

    pub fn weights(&self) -> &EaseWeights {
        &self.weights
    }

    /// The per-user view with its concrete type.
    pub fn user<'a>(&'a self, who: Who<'a>) -> EaseUser<'a> {
        let profile = match who {
            Who::Known(u) => self.rows.profile(u),
            Who::New(p) => clean_profile(p, self.weights.n_items),
        };
        let scores = self.weights.scores(&profile);
        let mut rated: Vec<u32> = profile.iter().map(|p| p.0).collect();
        rated.dedup();
        EaseUser {
            model: self,
            rating: self.rating.get().for_user(who),
            scores,
            rated,
            profile,
        }
    }
}

impl Model for Ease {
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        self.parts().map(|p| super::store::encode(&p))
    }
    fn name(&self) -> &str {
        "ease"
    }
    /// The rating model's neighbours (item-kNN's), for "similar movies".
    fn similar_items(&self, item: u32, n: usize) -> Option<Vec<(u32, f32)>> {
        self.rating.get().similar_items(item, n)
    }
    fn n_items(&self) -> usize {
        self.weights.n_items
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        Box::new(self.user(who))
    }
}

/// One user's EASE scores, computed once.
pub struct EaseUser<'a> {
    model: &'a Ease,
    rating: Box<dyn UserModel + 'a>,
    scores: Vec<f32>,
    rated: Vec<u32>,
    profile: Vec<(u32, f32)>,
}

impl EaseUser<'_> {
    /// Every rated movie's contribution to `item`'s score (they sum to it).
    pub fn contributions(&self, item: u32) -> Vec<(u32, f32)> {
        self.model.weights.contributions(&self.profile, item)
    }

    /// All scores (`−∞` for movies without weights).
    pub fn scores(&self) -> &[f32] {
        &self.scores
    }
}

impl UserModel for EaseUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        self.rating.predict(item)
    }

    fn rank_score(&self, item: u32) -> f32 {
        self.scores
            .get(item as usize)
            .copied()
            .unwrap_or(f32::NEG_INFINITY)
    }

    /// The rated movies with the largest positive contributions, strongest first.
    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        let mut out: Vec<(u32, f32)> = self
            .contributions(item)
            .into_iter()
            .filter(|p| p.1 > 0.0)
            .collect();
        super::similarity::top_k(&mut out, max);
        out
    }

    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    fn random_matrix(users: u32, items: u32, density: f32, seed: u64) -> RatingMatrix {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ratings = Vec::new();
        for user in 0..users {
            for item in 0..items {
                // Skewed popularity, as in real data.
                if rng.f32() < density * (1.0 - item as f32 / (items as f32 * 1.3)) {
                    ratings.push(Rating {
                        user,
                        item,
                        value: 0.5 * (1 + rng.u32(0..10)) as f32,
                        time: rng.i64(0..1000),
                    });
                }
            }
        }
        RatingMatrix::from_ratings(users as usize, items as usize, ratings).0
    }

    fn signal_dense(m: &RatingMatrix, w: &EaseWeights) -> nalgebra::DMatrix<f64> {
        let mut x = nalgebra::DMatrix::<f64>::zeros(m.n_users(), m.n_items());
        for r in m.iter() {
            x[(r.user as usize, r.item as usize)] = w.x(r.value) as f64;
        }
        x
    }

    #[test]
    fn dense_weights_equal_a_direct_solve() {
        let m = random_matrix(40, 12, 0.5, 3);
        for (signal, rating_power) in [
            (Signal::All, 1.0),
            (Signal::Liked, 1.0),
            (Signal::Rating, 1.0),
            (Signal::Rating, 2.0),
        ] {
            let config = EaseConfig {
                lambda: 3.0,
                signal,
                rating_power,
                min_count: 1,
                ..EaseConfig::default()
            };
            let w = EaseWeights::fit(&m, &config, &mut |_| {}).expect("positive definite");
            assert!(w.is_dense());
            // Column j of B: argmin ‖X_j − X_{−j} β‖² + λ‖β‖², solved directly over the
            // movies with a non-zero signal (the others get no weights).
            let x = signal_dense(&m, &w);
            let kept: Vec<usize> = (0..12).filter(|&i| x.column(i).amax() > 0.0).collect();
            assert_eq!(w.n_kept(), kept.len());
            assert!(kept.len() >= 10, "the fixture should keep most movies");
            for &j in &kept {
                let others: Vec<usize> = kept.iter().copied().filter(|&i| i != j).collect();
                let xo = x.select_columns(&others);
                let a = xo.transpose() * &xo
                    + nalgebra::DMatrix::<f64>::identity(others.len(), others.len())
                        * config.lambda as f64;
                let rhs = xo.transpose() * x.column(j);
                let beta = a.lu().solve(&rhs).expect("invertible");
                for (k, &i) in others.iter().enumerate() {
                    let got = w.weight(i as u32, j as u32) as f64;
                    assert!(
                        (got - beta[k]).abs() < 1e-4 * (1.0 + beta[k].abs()),
                        "{signal:?}^{rating_power} B[{i},{j}] = {got}, direct {}",
                        beta[k]
                    );
                }
                assert_eq!(w.weight(j as u32, j as u32), 0.0);
            }
        }
    }

    #[test]
    fn rating_signal_is_the_scaled_rating_to_the_power() {
        let m = random_matrix(20, 8, 0.5, 1);
        let max = m.values().iter().copied().fold(0f32, f32::max);
        for power in [1.0f32, 2.0, 3.0] {
            let config = EaseConfig {
                rating_power: power,
                ..EaseConfig::default()
            };
            let w = EaseWeights::fit(&m, &config, &mut |_| {}).expect("fits");
            for r in [0.5f32, 2.5, 4.0, 5.0] {
                let want = (r / max).powf(power);
                assert!((w.x(r) - want).abs() < 1e-6, "power {power}, rating {r}");
            }
        }
    }

    #[test]
    fn saved_model_reads_back_with_the_same_scores_and_reasons() {
        let m = random_matrix(40, 12, 0.5, 8);
        for config in [
            EaseConfig::default(),
            EaseConfig {
                dense_max_items: 4,
                neighbours: 5,
                ..EaseConfig::default()
            },
        ] {
            let ease = Ease::fit(&m, &config, &mut |_| {}).expect("fits");
            let bytes = ease.snapshot().expect("savable").expect("encodes");
            let back =
                Ease::from(crate::models::store::decode::<EaseOwned>(&bytes).expect("decodes"));
            assert_eq!(back.weights().is_dense(), ease.weights().is_dense());
            let profile = [(0u32, 5.0f32), (3, 2.0), (6, 4.5)];
            for who in [Who::Known(2), Who::New(&profile)] {
                let (a, b) = (ease.for_user(who), back.for_user(who));
                for j in 0..12 {
                    assert_eq!(a.rank_score(j).to_bits(), b.rank_score(j).to_bits());
                    assert_eq!(a.predict(j).to_bits(), b.predict(j).to_bits());
                    assert_eq!(a.explain(j, 3), b.explain(j, 3));
                }
            }
        }
        // A pairing with another rating model is not saved (it could not be read back).
        let w = EaseWeights::fit(&m, &EaseConfig::default(), &mut |_| {}).expect("fits");
        let other = Ease::from_parts(
            w,
            Box::new(ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |_| {})),
            &m,
        );
        assert!(other.snapshot().is_none());
    }

    #[test]
    fn a_second_fit_on_the_same_data_and_settings_is_shared_while_held() {
        let m = random_matrix(30, 10, 0.5, 11);
        let config = EaseConfig {
            lambda: 7.0,
            ..EaseConfig::default()
        };
        let a = Ease::fit_shared(&m, &config, &mut |_| {}).expect("fits");
        let b = Ease::fit_shared(&m, &config, &mut |_| {}).expect("fits");
        assert!(Arc::ptr_eq(&a, &b));
        // Other settings or other data: a fit of its own.
        let other = EaseConfig {
            lambda: 8.0,
            ..config.clone()
        };
        let c = Ease::fit_shared(&m, &other, &mut |_| {}).expect("fits");
        assert!(!Arc::ptr_eq(&a, &c));
        let m2 = random_matrix(30, 10, 0.5, 12);
        let d = Ease::fit_shared(&m2, &config, &mut |_| {}).expect("fits");
        assert!(!Arc::ptr_eq(&a, &d));
    }

    #[test]
    fn sparse_with_every_neighbour_equals_dense() {
        // Dense enough that every pair of movies co-occurs: then every other movie is a
        // neighbour (a movie that never co-occurs with j is not, although the dense
        // solution still couples it through the others).
        let m = random_matrix(60, 15, 3.0, 5);
        let config = EaseConfig {
            lambda: 2.0,
            neighbours: 100,
            ..EaseConfig::default()
        };
        let dense = EaseWeights::fit(&m, &config, &mut |_| {}).expect("positive definite");
        let sparse = EaseWeights::fit_sparse(&m, &config, &mut |_| {});
        assert!(dense.is_dense() && !sparse.is_dense());
        for i in 0..15 {
            for j in 0..15 {
                let (d, s) = (dense.weight(i, j), sparse.weight(i, j));
                assert!((d - s).abs() < 1e-4, "B[{i},{j}] dense {d} sparse {s}");
            }
        }
    }

    #[test]
    fn large_catalogues_switch_to_the_sparse_approximation() {
        let m = random_matrix(30, 20, 0.4, 9);
        let config = EaseConfig {
            dense_max_items: 10,
            neighbours: 5,
            ..EaseConfig::default()
        };
        let w = EaseWeights::fit(&m, &config, &mut |_| {}).expect("fits");
        assert!(!w.is_dense());
        // At most `neighbours` sources per target.
        for j in 0..20 {
            let sources = (0..20).filter(|&i| w.weight(i, j) != 0.0).count();
            assert!(sources <= 5, "target {j} has {sources} sources");
        }
    }

    #[test]
    fn rare_movies_get_no_weights_and_no_score() {
        let m = random_matrix(30, 20, 0.4, 9);
        let config = EaseConfig {
            min_count: 6,
            ..EaseConfig::default()
        };
        let w = EaseWeights::fit(&m, &config, &mut |_| {}).expect("fits");
        let rare: Vec<u32> = (0..20u32)
            .filter(|&i| m.item_count(i as usize) < 6)
            .collect();
        assert!(!rare.is_empty(), "the fixture should have rare movies");
        assert_eq!(w.n_kept(), 20 - rare.len());
        let scores = w.scores(&[(0, 4.0), (1, 5.0)]);
        for &i in &rare {
            assert_eq!(scores[i as usize], f32::NEG_INFINITY);
        }
    }

    #[test]
    fn contributions_sum_to_the_score_and_explain_the_top() {
        let m = random_matrix(40, 12, 0.5, 4);
        let ease = Ease::fit(&m, &EaseConfig::default(), &mut |_| {}).expect("fits");
        let profile = [(0u32, 5.0f32), (2, 3.0), (5, 4.5), (7, 1.0)];
        let user = ease.user(Who::New(&profile));
        for item in [1u32, 3, 4, 6, 8, 11] {
            let parts = user.contributions(item);
            let sum: f32 = parts.iter().map(|p| p.1).sum();
            let score = user.rank_score(item);
            assert!((sum - score).abs() < 1e-5, "item {item}: {sum} vs {score}");
            let explained = user.explain(item, 2);
            let mut positive: Vec<(u32, f32)> = parts.into_iter().filter(|p| p.1 > 0.0).collect();
            positive.sort_by(|a, b| b.1.total_cmp(&a.1));
            positive.truncate(2);
            assert_eq!(explained, positive, "item {item}");
        }
    }

    #[test]
    fn fold_in_equals_the_batch_score_of_a_training_user() {
        let m = random_matrix(40, 12, 0.5, 6);
        // Every movie with weights (the default min_count leaves some of this small
        // fixture out, and those score −∞ rather than the batch's 0).
        let config = EaseConfig {
            min_count: 1,
            ..EaseConfig::default()
        };
        let ease = Ease::fit(&m, &config, &mut |_| {}).expect("fits");
        assert_eq!(ease.weights().n_kept(), 12);
        for u in 0..5usize {
            let profile = Who::Known(u).ratings(&m);
            let known = ease.user(Who::Known(u));
            let new = ease.user(Who::New(&profile));
            // Batch: the row of X·B.
            for j in 0..12u32 {
                let batch: f32 = profile
                    .iter()
                    .map(|&(i, r)| ease.weights().x(r) * ease.weights().weight(i, j))
                    .sum();
                assert!((known.rank_score(j) - batch).abs() < 1e-5);
                assert_eq!(known.rank_score(j), new.rank_score(j));
            }
            assert_eq!(known.rated(), new.rated());
        }
    }
}
