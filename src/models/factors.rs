//! Numeric kernels shared by the matrix-factorisation models ([`super::svd`],
//! [`super::als`]): dense `f32` factor matrices, dot products, the explicit
//! biased model `r̂ = μ + b_u + b_i + p_u·q_i` with its fold-in solve, and the
//! per-user view both models hand out.

use nalgebra::{DMatrix, DVector};

use super::implicit::{ImplicitConfig, ImplicitMf, ImplicitUser};
use super::parallel::join_fits;
use super::{Progress, UserModel, Who};
use crate::data::{Rating, RatingMatrix};

/// A dense row-major `rows × k` matrix of `f32` factors (one contiguous buffer).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Factors {
    rows: usize,
    k: usize,
    #[serde(with = "crate::models::store::pod")]
    data: Vec<f32>,
}

impl Factors {
    pub fn zeros(rows: usize, k: usize) -> Self {
        Factors {
            rows,
            k,
            data: vec![0.0; rows * k],
        }
    }

    /// Entries drawn from N(0, std²), deterministic for the generator state.
    pub fn normal(rows: usize, k: usize, std: f32, rng: &mut fastrand::Rng) -> Self {
        let mut data = Vec::with_capacity(rows * k);
        while data.len() < rows * k {
            let (a, b) = normal_pair(rng);
            data.push(a * std);
            if data.len() < rows * k {
                data.push(b * std);
            }
        }
        Factors { rows, k, data }
    }

    /// Entries drawn uniformly from `[−√3·std, √3·std]` (standard deviation
    /// `std`; much cheaper than normal draws), deterministic for the generator state.
    pub fn uniform(rows: usize, k: usize, std: f32, rng: &mut fastrand::Rng) -> Self {
        let half = 3f32.sqrt() * std;
        let data = (0..rows * k)
            .map(|_| (rng.f32() * 2.0 - 1.0) * half)
            .collect();
        Factors { rows, k, data }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn k(&self) -> usize {
        self.k
    }
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.k..(r + 1) * self.k]
    }
    pub fn row_mut(&mut self, r: usize) -> &mut [f32] {
        &mut self.data[r * self.k..(r + 1) * self.k]
    }
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// `FᵀF` (k × k, f64), the Gram matrix of the rows.
    pub fn gram(&self) -> DMatrix<f64> {
        use rayon::prelude::*;
        let k = self.k;
        // Blocks of fixed size summed in order: parallel, yet the same result on any
        // number of threads.
        const BLOCK_ROWS: usize = 8192;
        let partial: Vec<DMatrix<f32>> = self
            .data
            .par_chunks(BLOCK_ROWS * k.max(1))
            .map(|block| {
                let m = DMatrix::<f32>::from_row_slice(block.len() / k.max(1), k, block);
                m.transpose() * &m
            })
            .collect();
        let mut g = DMatrix::<f64>::zeros(k, k);
        for p in &partial {
            for (acc, &v) in g.iter_mut().zip(p.iter()) {
                *acc += v as f64;
            }
        }
        g
    }

    /// Rows reordered: row `r` of the result is row `from[r]` of `self`.
    pub fn gather(&self, from: &[u32]) -> Factors {
        let mut out = Factors::zeros(from.len(), self.k);
        for (r, &f) in from.iter().enumerate() {
            out.row_mut(r).copy_from_slice(self.row(f as usize));
        }
        out
    }

    pub fn heap_bytes(&self) -> usize {
        self.data.len() * std::mem::size_of::<f32>()
    }
}

/// Two independent standard normal draws (Box–Muller).
fn normal_pair(rng: &mut fastrand::Rng) -> (f32, f32) {
    let u1 = 1.0 - rng.f64(); // (0, 1]
    let u2 = rng.f64();
    let radius = (-2.0 * u1.ln()).sqrt();
    let angle = std::f64::consts::TAU * u2;
    ((radius * angle.cos()) as f32, (radius * angle.sin()) as f32)
}

/// Hints the CPU to load `data[start..start + len]` into cache (no-op off x86-64).
#[inline(always)]
pub fn prefetch_row(data: &[f32], start: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let end = (start + len).min(data.len());
        let mut at = start;
        while at < end {
            // SAFETY: a prefetch is only a hint; it never faults or reads
            // into Rust-visible memory, and the pointer is in bounds anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(data[at..].as_ptr().cast()) };
            at += 16; // one 64-byte line
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, start, len);
}

/// Dot product of two `K`-vectors with eight independent accumulators; inlined so
/// that it takes the caller's target features.
#[inline(always)]
pub fn dot_fixed<const K: usize>(a: &[f32; K], b: &[f32; K]) -> f32 {
    // Products first, then eight-lane partial sums: both shapes vectorise once
    // unrolled (an accumulator per lane, filled element by element, does not).
    let mut prod = [0f32; K];
    for d in 0..K {
        prod[d] = a[d] * b[d];
    }
    let mut acc = [0f32; 8];
    for chunk in prod.chunks_exact(8) {
        for l in 0..8 {
            acc[l] += chunk[l];
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Dot product with eight independent accumulators (vectorises well).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // The default factor count: fixed-size arrays vectorise without lane shuffles.
    if let (Ok(a), Ok(b)) = (<&[f32; 64]>::try_from(a), <&[f32; 64]>::try_from(b)) {
        return dot_fixed(a, b);
    }
    let n = a.len().min(b.len());
    let ca = a[..n].chunks_exact(8);
    let cb = b[..n].chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [0f32; 8];
    for (x, y) in ca.zip(cb) {
        // Always 8 long; as arrays, the lanes map onto one vector register.
        if let (Ok(x), Ok(y)) = (<&[f32; 8]>::try_from(x), <&[f32; 8]>::try_from(y)) {
            for l in 0..8 {
                acc[l] += x[l] * y[l];
            }
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// The (min, max) of the training ratings (`(fallback, fallback)` if empty):
/// the range predictions are clipped to.
pub fn rating_range(train: &RatingMatrix, fallback: f32) -> (f32, f32) {
    let (min, max) = train
        .values()
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if min <= max {
        (min, max)
    } else {
        (fallback, fallback)
    }
}

/// The items each training user rated, sorted (a compact copy of the CSR
/// index, so a fitted model does not borrow the training matrix).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatedLists {
    #[serde(with = "crate::models::store::pod::usizes")]
    ptr: Vec<usize>,
    #[serde(with = "crate::models::store::pod")]
    items: Vec<u32>,
}

impl RatedLists {
    pub fn from_matrix(m: &RatingMatrix) -> Self {
        let mut ptr = Vec::with_capacity(m.n_users() + 1);
        let mut items = Vec::with_capacity(m.nnz());
        ptr.push(0);
        for u in 0..m.n_users() {
            items.extend_from_slice(m.user(u).items);
            ptr.push(items.len());
        }
        RatedLists { ptr, items }
    }
    pub fn user(&self, u: usize) -> &[u32] {
        self.ptr
            .get(u)
            .zip(self.ptr.get(u + 1))
            .map_or(&[], |(&a, &b)| &self.items[a..b])
    }
    pub fn n_users(&self) -> usize {
        self.ptr.len().saturating_sub(1)
    }
}

/// The fitted explicit model `r̂ = μ + b_u + b_i + p_u·q_i`, clipped to
/// `[min, max]` (the range of the training ratings).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BiasedMf {
    pub mu: f32,
    pub min: f32,
    pub max: f32,
    #[serde(with = "crate::models::store::pod")]
    pub user_bias: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    pub item_bias: Vec<f32>,
    pub users: Factors,
    pub items: Factors,
}

impl BiasedMf {
    /// Unclipped prediction from a user bias and factor row.
    #[inline]
    pub fn raw(&self, bu: f32, pu: &[f32], item: u32) -> f32 {
        let i = item as usize;
        if i >= self.item_bias.len() {
            return self.mu + bu;
        }
        self.mu + bu + self.item_bias[i] + dot(pu, self.items.row(i))
    }

    /// Fold-in: the user bias and factors minimising
    /// `Σ_j (r_j − μ − b_j − b − p·q_j)² + λ_b·n·b² + λ·n·|p|²` over the profile
    /// (`n` = profile length; the per-rating weighting matches the SGD/ALS
    /// training objectives), against the fixed item biases and factors.
    /// A profile shorter than k + 1 (a live one, usually) is solved in its dual form, an
    /// n × n system instead of (k + 1) × (k + 1); the two agree (unit test). Items
    /// outside the model are ignored.
    pub fn fold_in(&self, profile: &[(u32, f32)], reg_bias: f32, reg: f32) -> (f32, Vec<f32>) {
        let k = self.items.k();
        let known: Vec<(usize, f32)> = profile
            .iter()
            .filter(|(i, r)| (*i as usize) < self.item_bias.len() && r.is_finite())
            .map(|&(i, r)| (i as usize, r))
            .collect();
        if known.is_empty() {
            return (0.0, vec![0.0; k]);
        }
        let n = known.len();
        // t_j = r_j − μ − b_j.
        let t = DVector::<f64>::from_iterator(
            n,
            known
                .iter()
                .map(|&(i, r)| (r - self.mu - self.item_bias[i]) as f64),
        );
        let (lb, lf) = (reg_bias as f64 * n as f64, reg as f64 * n as f64);
        let solved = if n <= k && lb > 0.0 && lf > 0.0 {
            self.fold_in_dual(&known, &t, lb, lf)
        } else {
            self.fold_in_primal(&known, &t, lb, lf)
        };
        solved.unwrap_or_else(|| {
            // Only possible with zero regularisation and a degenerate profile: the
            // bias-only solution.
            let mean = t.iter().sum::<f64>() / (n as f64 * (1.0 + reg_bias as f64));
            (mean as f32, vec![0.0; k])
        })
    }

    /// `(AᵀA + D)⁻¹ Aᵀt` with rows `A_j = [1, q_j]` and `D = diag(lb, lf, …, lf)`: one
    /// Cholesky solve of size k + 1.
    fn fold_in_primal(
        &self,
        known: &[(usize, f32)],
        t: &DVector<f64>,
        lb: f64,
        lf: f64,
    ) -> Option<(f32, Vec<f32>)> {
        let d = self.items.k() + 1;
        let mut a = DMatrix::<f64>::zeros(known.len(), d);
        for (row, &(i, _)) in known.iter().enumerate() {
            a[(row, 0)] = 1.0;
            for (c, &q) in self.items.row(i).iter().enumerate() {
                a[(row, c + 1)] = q as f64;
            }
        }
        let at = a.transpose();
        let mut gram = &at * &a;
        let rhs = &at * t;
        gram[(0, 0)] += lb;
        for c in 1..d {
            gram[(c, c)] += lf;
        }
        let x = gram.cholesky()?.solve(&rhs);
        Some((x[0] as f32, x.iter().skip(1).map(|&v| v as f32).collect()))
    }

    /// The same solution as `D⁻¹Aᵀ(I + AD⁻¹Aᵀ)⁻¹t` (push-through identity): with
    /// `AD⁻¹Aᵀ = 1·1ᵀ/lb + QQᵀ/lf`, one Cholesky solve of size n.
    fn fold_in_dual(
        &self,
        known: &[(usize, f32)],
        t: &DVector<f64>,
        lb: f64,
        lf: f64,
    ) -> Option<(f32, Vec<f32>)> {
        let n = known.len();
        let k = self.items.k();
        let rows: Vec<&[f32]> = known.iter().map(|&(i, _)| self.items.row(i)).collect();
        let mut s = DMatrix::<f64>::zeros(n, n);
        for a in 0..n {
            for b in 0..=a {
                let q: f64 = rows[a]
                    .iter()
                    .zip(rows[b])
                    .map(|(&x, &y)| x as f64 * y as f64)
                    .sum();
                let v = 1.0 / lb + q / lf + if a == b { 1.0 } else { 0.0 };
                s[(a, b)] = v;
                s[(b, a)] = v;
            }
        }
        let alpha = s.cholesky()?.solve(t);
        let bias = alpha.iter().sum::<f64>() / lb;
        let mut p = vec![0f64; k];
        for (row, &w) in rows.iter().zip(alpha.iter()) {
            for (pc, &q) in p.iter_mut().zip(row.iter()) {
                *pc += w * q as f64;
            }
        }
        Some((
            bias as f32,
            p.into_iter().map(|v| (v / lf) as f32).collect(),
        ))
    }
}

/// Settings of the ranking part of a factor model (see [`Ranker`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankingConfig {
    pub implicit: ImplicitConfig,
    /// Weight of (predicted rating − μ) added to the implicit preference score.
    pub rating_weight: f32,
}

impl Default for RankingConfig {
    fn default() -> Self {
        RankingConfig {
            implicit: ImplicitConfig::default(),
            rating_weight: 0.1,
        }
    }
}

/// How a model's top-N lists are ordered: the implicit-feedback preference
/// score (weighted ALS on "which movies were rated", Hu–Koren–Volinsky) plus
/// `rating_weight` × (predicted rating − μ). The implicit score says "this user
/// would pick this movie"; the rating term demotes picks they would dislike.
/// See [`super::svd`] for why a rating model alone ranks badly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ranker {
    pub implicit: ImplicitMf,
    pub rating_weight: f32,
}

impl Ranker {
    pub fn fit(
        train: &RatingMatrix,
        config: &RankingConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        Ranker {
            implicit: ImplicitMf::fit(train, &config.implicit, progress),
            rating_weight: config.rating_weight,
        }
    }

    /// Fits a rating model (`fit_rating`) and, if configured, the ranking model
    /// at the same time: they are independent (see [`join_fits`]).
    pub fn fit_beside<M: Send>(
        train: &RatingMatrix,
        config: Option<&RankingConfig>,
        fit_rating: impl FnOnce(&mut dyn FnMut(Progress)) -> M + Send,
        progress: &mut dyn FnMut(Progress),
    ) -> (M, Option<Ranker>) {
        join_fits(
            fit_rating,
            |progress| config.map(|rc| Ranker::fit(train, rc, progress)),
            progress,
        )
    }
}

/// The per-user view shared by the SVD and ALS models.
pub struct MfUser<'a> {
    pub model: &'a BiasedMf,
    pub bias: f32,
    pub factors: std::borrow::Cow<'a, [f32]>,
    pub rated: std::borrow::Cow<'a, [u32]>,
    pub ranker: Option<(&'a Ranker, ImplicitUser<'a>)>,
}

impl<'a> MfUser<'a> {
    /// Builds the view for `who`: a training user's fitted rows, or a fold-in
    /// solve for a new profile (once, here).
    pub fn new(
        model: &'a BiasedMf,
        rated_lists: &'a RatedLists,
        ranker: Option<&'a Ranker>,
        who: Who<'a>,
        fold_in_reg_bias: f32,
        fold_in_reg: f32,
    ) -> Self {
        match who {
            Who::Known(u) if u < model.user_bias.len() => MfUser {
                model,
                bias: model.user_bias[u],
                factors: std::borrow::Cow::Borrowed(model.users.row(u)),
                rated: std::borrow::Cow::Borrowed(rated_lists.user(u)),
                ranker: ranker.map(|r| (r, r.implicit.known_user(u))),
            },
            Who::Known(_) => MfUser {
                model,
                bias: 0.0,
                factors: std::borrow::Cow::Owned(vec![0.0; model.users.k()]),
                rated: std::borrow::Cow::Borrowed(&[]),
                ranker: ranker.map(|r| (r, r.implicit.fold_in(&[]))),
            },
            Who::New(profile) => {
                let (bias, factors) = model.fold_in(profile, fold_in_reg_bias, fold_in_reg);
                let mut rated: Vec<u32> = profile.iter().map(|&(i, _)| i).collect();
                rated.sort_unstable();
                rated.dedup();
                MfUser {
                    model,
                    bias,
                    factors: std::borrow::Cow::Owned(factors),
                    rated: std::borrow::Cow::Owned(rated),
                    ranker: ranker.map(|r| (r, r.implicit.fold_in(profile))),
                }
            }
        }
    }

    /// The unclipped predicted rating.
    pub fn raw(&self, item: u32) -> f32 {
        self.model.raw(self.bias, &self.factors, item)
    }
}

impl UserModel for MfUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        let p = self.raw(item);
        if p.is_finite() {
            p.clamp(self.model.min, self.model.max)
        } else {
            self.model.mu
        }
    }

    fn rank_score(&self, item: u32) -> f32 {
        match &self.ranker {
            Some((ranker, user)) => {
                user.score(item) + ranker.rating_weight * (self.predict(item) - self.model.mu)
            }
            None => self.predict(item),
        }
    }

    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        match &self.ranker {
            Some((_, user)) => user.explain(item, max),
            None => Vec::new(),
        }
    }

    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

/// The training matrix with `profile` appended as a new last user (index
/// `train.n_users()`), for a full retrain that includes the live user.
/// Items outside `0..n_items` and non-finite ratings are skipped; `time` is
/// stamped on every appended rating. Returns the matrix and the new user's index.
pub fn append_user(
    train: &RatingMatrix,
    profile: &[(u32, f32)],
    time: i64,
) -> (RatingMatrix, usize) {
    let new_user = train.n_users();
    let mut ratings: Vec<Rating> = Vec::with_capacity(train.nnz() + profile.len());
    ratings.extend(train.iter());
    ratings.extend(
        profile
            .iter()
            .filter(|(i, r)| (*i as usize) < train.n_items() && r.is_finite())
            .map(|&(item, value)| Rating {
                user: new_user as u32,
                item,
                value,
                time,
            }),
    );
    let (m, _) = RatingMatrix::from_ratings(new_user + 1, train.n_items(), ratings);
    (m, new_user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..19).map(|x| x as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..19).map(|x| (x as f32).sin()).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
        assert_eq!(dot(&[], &[]), 0.0);
    }

    #[test]
    fn normal_init_is_seeded_and_centred() {
        let a = Factors::normal(100, 10, 0.1, &mut fastrand::Rng::with_seed(3));
        let b = Factors::normal(100, 10, 0.1, &mut fastrand::Rng::with_seed(3));
        assert_eq!(a, b);
        let mean: f32 = a.as_slice().iter().sum::<f32>() / 1000.0;
        let var: f32 = a.as_slice().iter().map(|x| x * x).sum::<f32>() / 1000.0;
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var.sqrt() - 0.1).abs() < 0.02, "{var}");
        let u = Factors::uniform(100, 10, 0.1, &mut fastrand::Rng::with_seed(3));
        assert_eq!(
            u,
            Factors::uniform(100, 10, 0.1, &mut fastrand::Rng::with_seed(3))
        );
        let var: f32 = u.as_slice().iter().map(|x| x * x).sum::<f32>() / 1000.0;
        assert!((var.sqrt() - 0.1).abs() < 0.01, "{var}");
        assert!(u.as_slice().iter().all(|x| x.abs() <= 0.1 * 3f32.sqrt()));
    }

    #[test]
    fn append_user_adds_a_row() {
        let (m, _) = RatingMatrix::from_ratings(
            2,
            3,
            vec![
                Rating {
                    user: 0,
                    item: 1,
                    value: 4.0,
                    time: 1,
                },
                Rating {
                    user: 1,
                    item: 2,
                    value: 2.0,
                    time: 2,
                },
            ],
        );
        let (bigger, u) = append_user(&m, &[(0, 5.0), (2, 3.0), (7, 1.0)], 9);
        assert_eq!(u, 2);
        assert_eq!(bigger.n_users(), 3);
        assert_eq!(bigger.user(2).items, &[0, 2]);
        assert_eq!(bigger.user(2).values, &[5.0, 3.0]);
        assert_eq!(bigger.user(0).items, m.user(0).items);
        assert_eq!(bigger.nnz(), 4);
    }

    #[test]
    fn dual_fold_in_equals_the_primal_solve() {
        let mut rng = fastrand::Rng::with_seed(11);
        let k = 16;
        let items = Factors::normal(40, k, 0.3, &mut rng);
        let mf = BiasedMf {
            mu: 3.5,
            min: 0.5,
            max: 5.0,
            user_bias: vec![],
            item_bias: (0..40).map(|i| (i % 7) as f32 * 0.1 - 0.3).collect(),
            users: Factors::zeros(0, k),
            items,
        };
        for n in [1, 3, 9, 16] {
            let known: Vec<(usize, f32)> = (0..n)
                .map(|j| (j * 3 % 40, 0.5 + (j % 10) as f32 * 0.5))
                .collect();
            let t = DVector::<f64>::from_iterator(
                n,
                known
                    .iter()
                    .map(|&(i, r)| (r - mf.mu - mf.item_bias[i]) as f64),
            );
            let (lb, lf) = (0.02 * n as f64, 0.05 * n as f64);
            let (b1, p1) = mf.fold_in_primal(&known, &t, lb, lf).expect("primal");
            let (b2, p2) = mf.fold_in_dual(&known, &t, lb, lf).expect("dual");
            assert!((b1 - b2).abs() < 1e-5, "n {n}: bias {b1} vs {b2}");
            for (x, y) in p1.iter().zip(&p2) {
                assert!((x - y).abs() < 1e-5, "n {n}: factor {x} vs {y}");
            }
        }
    }
}
