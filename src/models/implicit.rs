//! Implicit-feedback matrix factorisation (weighted ALS, Hu, Koren & Volinsky
//! 2008), used to order top-N lists: it models *which* movies a user rates,
//! which is what a ranked list has to get right (a rating model alone fills
//! the top with obscure movies that have a few high ratings).
//!
//! Every rating `r ≥ min_rating` is a positive with preference 1 and confidence
//! `c = 1 + alpha · max(0.05, 1 + rating_slope · (r − 3))`; every other
//! (user, movie) pair is a zero with confidence 1. Minimises
//! `Σ c_ui (p_ui − x_u·y_i)² + reg (Σ|x_u|² + Σ|y_i|²)` by alternating exact
//! least squares, each solved approximately by a few conjugate-gradient steps
//! warm-started from the previous iterate (Takács et al. 2011), in parallel
//! over users, then items (each row's solve is independent, so the result does
//! not depend on the number of threads).

use std::cell::OnceCell;

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};
use rayon::prelude::*;

use super::factors::{dot, dot_fixed, prefetch_row, Factors};
use super::Progress;
use crate::data::RatingMatrix;

/// Settings of the implicit-feedback model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImplicitConfig {
    pub factors: usize,
    pub iterations: usize,
    pub reg: f32,
    /// Confidence scale.
    pub alpha: f32,
    /// How much the rating value changes a positive's confidence (0: not at all).
    pub rating_slope: f32,
    /// Ratings below this are not positives.
    pub min_rating: f32,
    /// Conjugate-gradient steps per row per half-iteration.
    pub cg_steps: usize,
    pub init_std: f32,
    pub seed: u64,
}

impl Default for ImplicitConfig {
    /// Tuned on a per-user holdout inside the training part of ml-latest-small
    /// (see `tests/models_mf_tune.rs`, `tune_topn`). 6 iterations of 2 CG steps
    /// score as 10 of 3 there (inner NDCG@10 0.1967 against 0.1966) in less than
    /// half the time.
    fn default() -> Self {
        ImplicitConfig {
            factors: 64,
            iterations: 6,
            reg: 60.0,
            alpha: 10.0,
            rating_slope: 0.5,
            min_rating: 4.0,
            cg_steps: 2,
            init_std: 0.01,
            seed: 42,
        }
    }
}

impl ImplicitConfig {
    /// Confidence minus one of a rating, or `None` if it is not a positive.
    fn extra_confidence(&self, r: f32) -> Option<f32> {
        (r.is_finite() && r >= self.min_rating)
            .then(|| self.alpha * (1.0 + self.rating_slope * (r - 3.0)).max(0.05))
    }
}

/// A CSR list of positives: for each row, (column, confidence − 1).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Positives {
    #[serde(with = "crate::models::store::pod::usizes")]
    ptr: Vec<usize>,
    #[serde(with = "crate::models::store::pod")]
    idx: Vec<u32>,
    #[serde(with = "crate::models::store::pod")]
    extra: Vec<f32>,
}

impl Positives {
    fn row(&self, r: usize) -> (&[u32], &[f32]) {
        match (self.ptr.get(r), self.ptr.get(r + 1)) {
            (Some(&a), Some(&b)) => (&self.idx[a..b], &self.extra[a..b]),
            _ => (&[], &[]),
        }
    }
}

/// Fitted implicit-feedback factors.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImplicitMf {
    config: ImplicitConfig,
    users: Factors,
    items: Factors,
    /// `YᵀY` of the final item factors (for fold-in).
    item_gram: DMatrix<f64>,
    by_user: Positives,
    #[serde(skip)]
    gram_inverse: GramInverse,
}

/// `(YᵀY + reg·I)⁻¹`, made on the first short fold-in: with it, a profile of n < k
/// positives is solved through an n × n system (Woodbury) instead of a k × k one.
/// Derived from the model, so it takes no part in comparisons or snapshots.
#[derive(Debug, Clone, Default)]
struct GramInverse(std::sync::OnceLock<Option<DMatrix<f64>>>);

impl PartialEq for GramInverse {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A solver of `(YᵀY + reg·I + UUᵀ) w = b` for one user's positives (`U`'s columns
/// `√c_j·y_j`).
enum UserSystem<'a> {
    /// Cholesky factor of the whole k × k matrix.
    Direct(Cholesky<f64, Dyn>),
    /// Woodbury: `w = A⁻¹b − V S⁻¹ Vᵀb` with `A = YᵀY + reg·I`, `V = A⁻¹U`,
    /// `S = I + UᵀV` (n × n).
    LowRank {
        inverse: &'a DMatrix<f64>,
        v: DMatrix<f64>,
        s: Cholesky<f64, Dyn>,
    },
}

impl UserSystem<'_> {
    fn solve(&self, b: &DVector<f64>) -> DVector<f64> {
        match self {
            UserSystem::Direct(ch) => ch.solve(b),
            UserSystem::LowRank { inverse, v, s } => {
                let z = s.solve(&v.tr_mul(b));
                *inverse * b - v * z
            }
        }
    }
}

impl ImplicitMf {
    pub fn fit(
        train: &RatingMatrix,
        config: &ImplicitConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let k = config.factors.max(1);
        let (n_users, n_items) = (train.n_users(), train.n_items());
        let mut rng = fastrand::Rng::with_seed(config.seed);
        let mut users = Factors::uniform(n_users, k, config.init_std, &mut rng);
        let mut items = Factors::uniform(n_items, k, config.init_std, &mut rng);

        let by_user = build_positives(n_users, |u| {
            let row = train.user(u);
            row.items
                .iter()
                .zip(row.values)
                .filter_map(|(&i, &r)| config.extra_confidence(r).map(|c| (i, c)))
                .collect()
        });
        let by_item = build_positives(n_items, |i| {
            let col = train.item(i);
            col.users
                .iter()
                .zip(col.values)
                .filter_map(|(&u, &r)| config.extra_confidence(r).map(|c| (u, c)))
                .collect()
        });

        let total = config.iterations as u64;
        for it in 0..config.iterations {
            half_step(&mut users, &items, &by_user, config.reg, config.cg_steps);
            half_step(&mut items, &users, &by_item, config.reg, config.cg_steps);
            progress(Progress {
                stage: "implicit iteration".into(),
                done: it as u64 + 1,
                total,
            });
        }
        let item_gram = items.gram();
        ImplicitMf {
            config: config.clone(),
            users,
            items,
            item_gram,
            by_user,
            gram_inverse: GramInverse::default(),
        }
    }

    pub fn config(&self) -> &ImplicitConfig {
        &self.config
    }

    pub fn n_items(&self) -> usize {
        self.items.rows()
    }

    /// The fitted item factors `Y`.
    pub fn item_factors(&self) -> &Factors {
        &self.items
    }

    /// The view of a training user (fitted factors).
    pub fn known_user(&self, u: usize) -> ImplicitUser<'_> {
        if u >= self.users.rows() {
            return self.fold_in(&[]);
        }
        let (idx, extra) = self.by_user.row(u);
        ImplicitUser {
            model: self,
            x: std::borrow::Cow::Borrowed(self.users.row(u)),
            positives: idx.iter().copied().zip(extra.iter().copied()).collect(),
            solver: OnceCell::new(),
        }
    }

    /// Fold-in: the exact least-squares user factors for a profile against the
    /// fixed item factors, `x = (YᵀY + Yᵀ(C−I)Y + reg·I)⁻¹ YᵀCp` (one Cholesky solve).
    pub fn fold_in(&self, profile: &[(u32, f32)]) -> ImplicitUser<'_> {
        let positives: Vec<(u32, f32)> = profile
            .iter()
            .filter(|(i, _)| (*i as usize) < self.items.rows())
            .filter_map(|&(i, r)| self.config.extra_confidence(r).map(|c| (i, c)))
            .collect();
        let k = self.items.k();
        let solver = self.system(&positives);
        let mut rhs = DVector::<f64>::zeros(k);
        for &(i, c) in &positives {
            let y = self.items.row(i as usize);
            for (d, &v) in y.iter().enumerate() {
                rhs[d] += (1.0 + c as f64) * v as f64;
            }
        }
        let x: Vec<f32> = match &solver {
            Some(ch) if !positives.is_empty() => ch.solve(&rhs).iter().map(|&v| v as f32).collect(),
            _ => vec![0.0; k],
        };
        let cell = OnceCell::new();
        let _ = cell.set(solver);
        ImplicitUser {
            model: self,
            x: std::borrow::Cow::Owned(x),
            positives,
            solver: cell,
        }
    }

    /// A solver of `YᵀY + Yᵀ(C−I)Y + reg·I` for a user's positives: Woodbury on the
    /// precomputed inverse when they are fewer than k (live profiles), else Cholesky.
    fn system(&self, positives: &[(u32, f32)]) -> Option<UserSystem<'_>> {
        let k = self.items.k();
        if !positives.is_empty() && positives.len() < k {
            if let Some(inverse) = self.gram_inverse().as_ref() {
                // Columns √c_j · y_j.
                let u = DMatrix::<f64>::from_fn(k, positives.len(), |d, r| {
                    let (i, c) = positives[r];
                    (c as f64).sqrt() * self.items.row(i as usize)[d] as f64
                });
                let v = inverse * &u;
                let mut s = u.tr_mul(&v);
                for d in 0..positives.len() {
                    s[(d, d)] += 1.0;
                }
                if let Some(s) = s.cholesky() {
                    return Some(UserSystem::LowRank { inverse, v, s });
                }
            }
        }
        self.direct_system(positives)
    }

    /// The k × k Cholesky solver of [`ImplicitMf::system`].
    fn direct_system(&self, positives: &[(u32, f32)]) -> Option<UserSystem<'_>> {
        let k = self.items.k();
        let mut a = self.item_gram.clone();
        for d in 0..k {
            a[(d, d)] += self.config.reg as f64;
        }
        if !positives.is_empty() {
            let b = DMatrix::<f64>::from_fn(positives.len(), k, |r, d| {
                let (i, c) = positives[r];
                (c as f64).sqrt() * self.items.row(i as usize)[d] as f64
            });
            a += b.transpose() * &b;
        }
        a.cholesky().map(UserSystem::Direct)
    }

    fn gram_inverse(&self) -> &Option<DMatrix<f64>> {
        self.gram_inverse.0.get_or_init(|| {
            let mut a = self.item_gram.clone();
            for d in 0..self.items.k() {
                a[(d, d)] += self.config.reg as f64;
            }
            a.cholesky().map(|ch| ch.inverse())
        })
    }
}

/// One user's implicit-feedback view.
pub struct ImplicitUser<'a> {
    model: &'a ImplicitMf,
    x: std::borrow::Cow<'a, [f32]>,
    /// (item, confidence − 1) of the user's positives.
    positives: Vec<(u32, f32)>,
    solver: OnceCell<Option<UserSystem<'a>>>,
}

impl ImplicitUser<'_> {
    /// Preference score `x_u · y_i` (0 for an unknown item).
    pub fn score(&self, item: u32) -> f32 {
        let i = item as usize;
        if i < self.model.items.rows() {
            dot(&self.x, self.model.items.row(i))
        } else {
            0.0
        }
    }

    /// The user's factors.
    pub fn factors(&self) -> &[f32] {
        &self.x
    }

    /// The rated movies behind `item`'s score: with `W = (YᵀCY + reg·I)⁻¹`, the
    /// score is `Σ_j c_j · y_iᵀ W y_j` over the user's positives `j`; returns the
    /// largest terms (exact for a fold-in user; for a training user it is the
    /// decomposition of one more ALS step from the fitted item factors).
    pub fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        let i = item as usize;
        if max == 0 || i >= self.model.items.rows() || self.positives.is_empty() {
            return Vec::new();
        }
        let solver = self
            .solver
            .get_or_init(|| self.model.system(&self.positives));
        let Some(ch) = solver else {
            return Vec::new();
        };
        let y = DVector::<f64>::from_iterator(
            self.model.items.k(),
            self.model.items.row(i).iter().map(|&v| v as f64),
        );
        let w = ch.solve(&y);
        let mut terms: Vec<(u32, f32)> = self
            .positives
            .iter()
            .map(|&(j, c)| {
                let yj = self.model.items.row(j as usize);
                let s: f64 = yj.iter().zip(w.iter()).map(|(&a, &b)| a as f64 * b).sum();
                (j, ((1.0 + c as f64) * s) as f32)
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        terms.truncate(max);
        terms
    }
}

fn build_positives(rows: usize, row: impl Fn(usize) -> Vec<(u32, f32)> + Sync + Send) -> Positives {
    let lists: Vec<Vec<(u32, f32)>> = (0..rows).into_par_iter().map(row).collect();
    let mut ptr = Vec::with_capacity(rows + 1);
    let total: usize = lists.iter().map(Vec::len).sum();
    let mut idx = Vec::with_capacity(total);
    let mut extra = Vec::with_capacity(total);
    ptr.push(0);
    for l in lists {
        for (i, c) in l {
            idx.push(i);
            extra.push(c);
        }
        ptr.push(idx.len());
    }
    Positives { ptr, idx, extra }
}

/// Updates every row of `x` given the fixed `y`, by `steps` CG steps on
/// `(YᵀY + reg·I + Σ_j c_j y_j y_jᵀ) x = Σ_j (1 + c_j) y_j` (c_j = confidence − 1).
fn half_step(x: &mut Factors, y: &Factors, pos: &Positives, reg: f32, steps: usize) {
    let k = y.k();
    let g = y.gram();
    // Row-major f32 copy of YᵀY + reg·I for fast mat-vec.
    let mut gram = vec![0f32; k * k];
    for r in 0..k {
        for c in 0..k {
            gram[r * k + c] = g[(r, c)] as f32 + if r == c { reg } else { 0.0 };
        }
    }
    x.as_mut_slice()
        .par_chunks_mut(k)
        .enumerate()
        .for_each_init(
            || (vec![0f32; k], vec![0f32; k], vec![0f32; k]),
            |(r, p, ap), (row, xu)| {
                let (idx, extra) = pos.row(row);
                if idx.is_empty() {
                    // No positives: the system's right-hand side is 0, and so is its
                    // exact solution (a third of the movies of a ml-latest-small fold).
                    xu.fill(0.0);
                    return;
                }
                let job = CgRow {
                    gram: &gram,
                    y,
                    idx,
                    extra,
                    steps,
                };
                solve_row(&job, xu, r, p, ap);
            },
        );
}

/// One row's solve, on the fastest kernel this CPU and `k` allow.
#[inline(always)]
fn solve_row(job: &CgRow<'_>, xu: &mut [f32], r: &mut [f32], p: &mut [f32], ap: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 support was checked just above.
        unsafe {
            match job.y.k() {
                64 => cg_row_fixed_avx2::<64>(job, xu),
                32 => cg_row_fixed_avx2::<32>(job, xu),
                _ => cg_row_avx2(job, xu, r, p, ap),
            }
        }
        return;
    }
    match job.y.k() {
        64 => cg_row_fixed::<64>(job, xu),
        32 => cg_row_fixed::<32>(job, xu),
        _ => cg_row(job, xu, r, p, ap),
    }
}

/// One row's conjugate-gradient solve: the fixed inputs.
struct CgRow<'a> {
    /// Row-major `YᵀY + reg·I`.
    gram: &'a [f32],
    y: &'a Factors,
    idx: &'a [u32],
    extra: &'a [f32],
    steps: usize,
}

/// [`cg_row`] with 256-bit vectors (same operations in the same order, no
/// fused multiply-add: bit-identical results).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cg_row_avx2(
    job: &CgRow<'_>,
    xu: &mut [f32],
    r: &mut [f32],
    p: &mut [f32],
    ap: &mut [f32],
) {
    cg_row(job, xu, r, p, ap);
}

/// [`cg_row_fixed`] with 256-bit vectors (bit-identical results, as above).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cg_row_fixed_avx2<const K: usize>(job: &CgRow<'_>, xu: &mut [f32]) {
    cg_row_fixed::<K>(job, xu);
}

/// `out = A v` for the row's system matrix `A = YᵀY + reg·I + Σ_j c_j y_j y_jᵀ`.
/// A function, not a closure, so that it is inlined into the AVX2 copy of
/// [`cg_row`] (a closure is compiled on its own, without the target feature).
#[inline(always)]
fn apply_system(job: &CgRow<'_>, v: &[f32], out: &mut [f32]) {
    let k = job.y.k();
    // YᵀY + reg·I is symmetric: A v = Σ_c v_c · (row c), vector adds with no
    // horizontal sum (k dot products would need one each).
    out.fill(0.0);
    for (&vc, grow) in v.iter().zip(job.gram.chunks_exact(k)) {
        for (o, &g) in out.iter_mut().zip(grow) {
            *o += vc * g;
        }
    }
    for (&j, &c) in job.idx.iter().zip(job.extra) {
        let yj = job.y.row(j as usize);
        let s = c * dot(yj, v);
        for (o, &yv) in out.iter_mut().zip(yj) {
            *o += s * yv;
        }
    }
}

/// `out = G v` for a `K × K` row-major symmetric `G`, the sums held in registers
/// (a fixed `K` lets the compiler keep all of `out` in vector registers).
#[inline(always)]
fn gram_times<const K: usize>(gram: &[f32], v: &[f32; K]) -> [f32; K] {
    let mut acc = [0f32; K];
    for (&vc, grow) in v.iter().zip(gram.chunks_exact(K)) {
        if let Ok(grow) = <&[f32; K]>::try_from(grow) {
            for d in 0..K {
                acc[d] += vc * grow[d];
            }
        }
    }
    acc
}

/// [`cg_row`] for a fixed `k` (the defaults, 64 and 32): vectors are arrays that
/// unroll into registers, and every row of `Y` is read as an array.
#[inline(always)]
fn cg_row_fixed<const K: usize>(job: &CgRow<'_>, xu: &mut [f32]) {
    let Ok(x) = <&mut [f32; K]>::try_from(xu) else {
        return;
    };
    let data = job.y.as_slice();
    let row = |j: u32| -> Option<&[f32; K]> {
        let at = j as usize * K;
        data.get(at..at + K).and_then(|r| r.try_into().ok())
    };
    // r = b − A x in one pass over the positives:
    // r = −G x + Σ_j ((1 + c_j) − c_j y_j·x) y_j.
    let mut r = gram_times::<K>(job.gram, x);
    for v in r.iter_mut() {
        *v = -*v;
    }
    // The first pass reads each y_j from memory (later steps find them in cache):
    // ask for rows a few positives ahead.
    const AHEAD: usize = 6;
    for (n, (&j, &c)) in job.idx.iter().zip(job.extra).enumerate() {
        if let Some(&next) = job.idx.get(n + AHEAD) {
            prefetch_row(data, next as usize * K, K);
        }
        if let Some(yj) = row(j) {
            let w = (1.0 + c) - c * dot_fixed(yj, x);
            for d in 0..K {
                r[d] += w * yj[d];
            }
        }
    }
    let mut p = r;
    let mut rs_old = dot_fixed(&r, &r);
    for _ in 0..job.steps {
        if rs_old < 1e-20 {
            break;
        }
        let mut ap = gram_times::<K>(job.gram, &p);
        for (&j, &c) in job.idx.iter().zip(job.extra) {
            if let Some(yj) = row(j) {
                let s = c * dot_fixed(yj, &p);
                for d in 0..K {
                    ap[d] += s * yj[d];
                }
            }
        }
        let pap = dot_fixed(&p, &ap);
        if pap <= 0.0 || !pap.is_finite() {
            break;
        }
        let a = rs_old / pap;
        for d in 0..K {
            x[d] += a * p[d];
            r[d] -= a * ap[d];
        }
        let rs_new = dot_fixed(&r, &r);
        let beta = rs_new / rs_old;
        for d in 0..K {
            p[d] = r[d] + beta * p[d];
        }
        rs_old = rs_new;
    }
}

/// Warm-started CG steps on `(YᵀY + reg·I + Σ_j c_j y_j y_jᵀ) x = Σ_j (1 + c_j) y_j`,
/// any `k`.
#[inline(always)]
fn cg_row(job: &CgRow<'_>, xu: &mut [f32], r: &mut [f32], p: &mut [f32], ap: &mut [f32]) {
    let k = job.y.k();
    let (y, idx, extra) = (job.y, job.idx, job.extra);
    // r = b − A x in one pass over the positives (as in cg_row_fixed).
    r.fill(0.0);
    for (&vc, grow) in xu.iter().zip(job.gram.chunks_exact(k)) {
        for (o, &g) in r.iter_mut().zip(grow) {
            *o -= vc * g;
        }
    }
    for (&j, &c) in idx.iter().zip(extra) {
        let yj = y.row(j as usize);
        let w = (1.0 + c) - c * dot(yj, xu);
        for (rv, &yv) in r.iter_mut().zip(yj) {
            *rv += w * yv;
        }
    }
    p.copy_from_slice(r);
    let mut rs_old = dot(r, r);
    for _ in 0..job.steps {
        if rs_old < 1e-20 {
            break;
        }
        apply_system(job, p, ap);
        let pap = dot(p, ap);
        if pap <= 0.0 || !pap.is_finite() {
            break;
        }
        let a = rs_old / pap;
        for d in 0..k {
            xu[d] += a * p[d];
            r[d] -= a * ap[d];
        }
        let rs_new = dot(r, r);
        let beta = rs_new / rs_old;
        for d in 0..k {
            p[d] = r[d] + beta * p[d];
        }
        rs_old = rs_new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    fn small() -> RatingMatrix {
        let mut ratings = Vec::new();
        let mut rng = fastrand::Rng::with_seed(7);
        for u in 0..30u32 {
            for i in 0..20u32 {
                // Two taste groups: users < 15 rate items < 10, others items ≥ 10.
                let likes = (u < 15) == (i < 10);
                if likes && rng.f32() < 0.7 {
                    ratings.push(Rating {
                        user: u,
                        item: i,
                        value: 4.0 + rng.f32(),
                        time: 0,
                    });
                }
            }
        }
        RatingMatrix::from_ratings(30, 20, ratings).0
    }

    #[test]
    fn learns_the_two_groups_and_fold_in_agrees() {
        let m = small();
        let cfg = ImplicitConfig {
            factors: 4,
            iterations: 10,
            cg_steps: 4,
            reg: 0.1,
            ..ImplicitConfig::default()
        };
        let model = ImplicitMf::fit(&m, &cfg, &mut |_| {});
        for u in 0..30usize {
            let view = model.known_user(u);
            let own: f32 = (0..10).map(|i| view.score(i)).sum();
            let other: f32 = (10..20).map(|i| view.score(i)).sum();
            if u < 15 {
                assert!(own > other, "user {u}: {own} vs {other}");
            } else {
                assert!(own < other, "user {u}: {own} vs {other}");
            }
        }
        // A new user who rated two first-group movies scores the others higher.
        let fresh = model.fold_in(&[(0, 5.0), (3, 4.5)]);
        let first: f32 = (1..10).map(|i| fresh.score(i)).sum();
        let second: f32 = (10..20).map(|i| fresh.score(i)).sum();
        assert!(first > second);
        // Fold-in of a training user lands close to its fitted factors.
        let row = m.user(4);
        let profile: Vec<(u32, f32)> = row
            .items
            .iter()
            .copied()
            .zip(row.values.iter().copied())
            .collect();
        let folded = model.fold_in(&profile);
        let fitted = model.known_user(4);
        for i in 0..20 {
            assert!((folded.score(i) - fitted.score(i)).abs() < 0.05);
        }
        // Explanations sum to the score (exact decomposition for a fold-in).
        let terms = fresh.explain(1, 10);
        let total: f32 = terms.iter().map(|t| t.1).sum();
        assert!(
            (total - fresh.score(1)).abs() < 1e-3,
            "{total} vs {}",
            fresh.score(1)
        );
    }

    #[test]
    fn empty_profile_scores_zero() {
        let model = ImplicitMf::fit(&small(), &ImplicitConfig::default(), &mut |_| {});
        let view = model.fold_in(&[]);
        assert_eq!(view.score(3), 0.0);
        assert!(view.explain(3, 5).is_empty());
    }

    #[test]
    fn short_profiles_solved_low_rank_agree_with_the_direct_solve() {
        let cfg = ImplicitConfig {
            factors: 8,
            iterations: 5,
            reg: 0.1,
            ..ImplicitConfig::default()
        };
        let model = ImplicitMf::fit(&small(), &cfg, &mut |_| {});
        let positives = [(0u32, 4.0f32), (3, 1.5), (12, 2.0)];
        let low = model.system(&positives).expect("low rank");
        assert!(matches!(low, UserSystem::LowRank { .. }));
        let direct = model.direct_system(&positives).expect("direct");
        for item in [1usize, 5, 17] {
            let b =
                DVector::<f64>::from_iterator(8, model.items.row(item).iter().map(|&v| v as f64));
            let (x, y) = (low.solve(&b), direct.solve(&b));
            assert!((x - &y).norm() <= 1e-9 * y.norm().max(1.0), "item {item}");
        }
    }
}
