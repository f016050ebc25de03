//! `svd`: biased matrix factorisation by stochastic gradient descent (Funk;
//! Koren, Bell & Volinsky 2009): `r̂ = μ + b_u + b_i + p_u·q_i`, minimising
//! `Σ (r − r̂)² + reg (|p_u|² + |q_i|²) + reg_bias (b_u² + b_i²)` per rating.
//!
//! **Parallel and deterministic.** Training is DSGD (Gemulla et al. 2011): users
//! and movies are shuffled (seeded) into `blocks` contiguous groups each, the
//! ratings into `blocks × blocks` cells, each cell in a seeded random order. An
//! epoch visits `blocks` strata; a stratum is a set of cells sharing no user and
//! no movie, so they run in parallel with no locks and no races, and the result
//! is bit-identical for a seed whatever the number of threads.
//!
//! **Predict vs rank.** [`UserModel::predict`] is the calibrated predicted
//! rating. Ordering a top-N list by it fills the top with obscure movies that
//! a handful of people rated highly, so [`UserModel::rank_score`] is instead a
//! [`Ranker`]: an implicit-feedback factor model of *which* movies a user rates
//! (weighted ALS, with fold-in) plus a small multiple of the predicted rating.
//! The list therefore optimises "movies this user would pick and like" (the
//! top-N protocol's NDCG@10 with relevant = held-out ratings ≥ 4), while the
//! number shown next to each entry stays the predicted rating.
//!
//! **New users.** [`Model::for_user`] with [`Who::New`] folds the profile in:
//! one regularised least-squares solve for the user's bias and factors against
//! the fixed movie factors (and one for the implicit factors), no retraining.
//! For a full retrain including the profile, fit on
//! [`append_user`]`(train, profile, time)`.

use rayon::prelude::*;

pub use super::factors::{append_user, RankingConfig};
use super::factors::{prefetch_row, rating_range, BiasedMf, Factors, MfUser, Ranker, RatedLists};
use super::{Model, Progress, UserModel, Who};
use crate::data::RatingMatrix;

/// Settings of [`SvdModel`]. The defaults were chosen by cross-validation on
/// training folds of ml-latest-small (see `tests/models_mf_tune.rs`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SvdConfig {
    pub factors: usize,
    pub epochs: usize,
    /// Initial learning rate.
    pub lr: f32,
    /// Learning rate multiplier applied after each epoch.
    pub lr_decay: f32,
    /// Regularisation of the factors.
    pub reg: f32,
    /// Regularisation of the biases.
    pub reg_bias: f32,
    /// Standard deviation of the initial factors.
    pub init_std: f32,
    /// DSGD groups per side; 0 picks one from the number of ratings (so that a
    /// cell's factor rows stay in cache). Never from the thread count, so
    /// results do not depend on it.
    pub blocks: usize,
    pub seed: u64,
    /// Fold-in regularisation per profile rating (factors / bias); the same
    /// per-rating weighting as training, so `reg` / `reg_bias` are the natural values.
    pub fold_in_reg: f32,
    pub fold_in_reg_bias: f32,
    /// The ranking model behind `rank_score`; `None` ranks by predicted rating.
    pub ranking: Option<RankingConfig>,
}

impl Default for SvdConfig {
    fn default() -> Self {
        SvdConfig {
            factors: 64,
            epochs: 20,
            lr: 0.04,
            lr_decay: 0.96,
            reg: 0.1,
            reg_bias: 0.1,
            init_std: 0.03,
            blocks: 0,
            seed: 42,
            fold_in_reg: 0.1,
            fold_in_reg_bias: 0.1,
            ranking: Some(RankingConfig::default()),
        }
    }
}

/// A fitted SVD model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SvdModel {
    config: SvdConfig,
    mf: BiasedMf,
    rated: RatedLists,
    ranker: Option<Ranker>,
}

/// One rating inside a DSGD cell, with indices local to the cell's groups.
#[derive(Debug, Clone, Copy)]
struct Entry {
    u: u32,
    i: u32,
    r: f32,
}

impl SvdModel {
    /// Fits on `train`, reporting progress once per epoch (stage "epoch") and,
    /// fitted at the same time, per iteration of the ranking model (stage
    /// "implicit iteration").
    pub fn fit(
        train: &RatingMatrix,
        config: &SvdConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let (mf, ranker) = Ranker::fit_beside(
            train,
            config.ranking.as_ref(),
            |progress| fit_sgd(train, config, progress),
            progress,
        );
        SvdModel {
            config: config.clone(),
            mf,
            rated: RatedLists::from_matrix(train),
            ranker,
        }
    }

    pub fn config(&self) -> &SvdConfig {
        &self.config
    }

    /// The fitted explicit model (biases and factors).
    pub fn factors(&self) -> &BiasedMf {
        &self.mf
    }

    /// The ranking model, if configured.
    pub fn ranker(&self) -> Option<&Ranker> {
        self.ranker.as_ref()
    }

    /// The fitted user view with the concrete type (for callers that want
    /// the unclipped prediction or the user's factors).
    pub fn user<'a>(&'a self, who: Who<'a>) -> MfUser<'a> {
        MfUser::new(
            &self.mf,
            &self.rated,
            self.ranker.as_ref(),
            who,
            self.config.fold_in_reg_bias,
            self.config.fold_in_reg,
        )
    }
}

impl Model for SvdModel {
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        Some(super::store::encode(self))
    }
    fn name(&self) -> &str {
        "svd"
    }
    fn n_items(&self) -> usize {
        self.mf.item_bias.len()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        Box::new(self.user(who))
    }
}

/// Blocks per side for `nnz` ratings: about 6,000 ratings per cell, at least
/// 8 (parallelism), at most 128. ML-25M gets 64 (cells of ~2,500 users ×
/// ~900 movies, whose factor rows fit in a core's L2 cache).
fn auto_blocks(nnz: usize) -> usize {
    ((nnz as f64 / 6000.0).sqrt().ceil() as usize).clamp(8, 128)
}

/// Contiguous group boundaries: `n` rows into `b` groups.
fn bounds(n: usize, b: usize) -> Vec<usize> {
    (0..=b).map(|g| g * n / b).collect()
}

/// A seeded permutation of `0..n` and its inverse.
fn permutation(n: usize, rng: &mut fastrand::Rng) -> (Vec<u32>, Vec<u32>) {
    let mut perm: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut perm);
    let mut inv = vec![0u32; n];
    for (pos, &orig) in perm.iter().enumerate() {
        inv[orig as usize] = pos as u32;
    }
    (perm, inv)
}

/// Splits `data` (rows of `k` values) at the group bounds into disjoint slices.
fn split_groups<'a, T>(mut data: &'a mut [T], bounds: &[usize], k: usize) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
    for w in bounds.windows(2) {
        let (head, tail) = data.split_at_mut((w[1] - w[0]) * k);
        out.push(head);
        data = tail;
    }
    out
}

fn group_of(pos: usize, bounds: &[usize]) -> usize {
    // bounds[g] ≤ pos < bounds[g + 1]
    bounds.partition_point(|&b| b <= pos) - 1
}

fn fit_sgd(
    train: &RatingMatrix,
    config: &SvdConfig,
    progress: &mut dyn FnMut(Progress),
) -> BiasedMf {
    let k = config.factors.max(1);
    let (n_users, n_items) = (train.n_users(), train.n_items());
    let blocks = if config.blocks == 0 {
        auto_blocks(train.nnz())
    } else {
        config.blocks
    };
    let blocks = blocks.clamp(1, n_users.max(1).min(n_items.max(1)));
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mu = train.global_mean() as f32;
    let (min, max) = rating_range(train, mu);

    let (_, inv_u) = permutation(n_users, &mut rng);
    let (_, inv_i) = permutation(n_items, &mut rng);
    let ub = bounds(n_users, blocks);
    let ib = bounds(n_items, blocks);

    // Bucket the ratings into cells, local indices, then shuffle each cell.
    let mut cells: Vec<Vec<Entry>> = vec![Vec::new(); blocks * blocks];
    for (u, &pu) in inv_u.iter().enumerate() {
        let pu = pu as usize;
        let gu = group_of(pu, &ub);
        let row = train.user(u);
        for (&i, &r) in row.items.iter().zip(row.values) {
            let pi = inv_i[i as usize] as usize;
            let gi = group_of(pi, &ib);
            cells[gu * blocks + gi].push(Entry {
                u: (pu - ub[gu]) as u32,
                i: (pi - ib[gi]) as u32,
                r,
            });
        }
    }
    for cell in &mut cells {
        rng.shuffle(cell);
    }

    // Parameters in permuted order (groups contiguous).
    let mut p = Factors::uniform(n_users, k, config.init_std, &mut rng);
    let mut q = Factors::uniform(n_items, k, config.init_std, &mut rng);
    let mut bu = vec![0f32; n_users];
    let mut bi = vec![0f32; n_items];

    let mut lr = config.lr;
    let mut strata: Vec<usize> = (0..blocks).collect();
    for epoch in 0..config.epochs {
        rng.shuffle(&mut strata);
        for &s in &strata {
            let p_groups = split_groups(p.as_mut_slice(), &ub, k);
            let bu_groups = split_groups(&mut bu, &ub, 1);
            let mut q_groups: Vec<Option<&mut [f32]>> = split_groups(q.as_mut_slice(), &ib, k)
                .into_iter()
                .map(Some)
                .collect();
            let mut bi_groups: Vec<Option<&mut [f32]>> = split_groups(&mut bi, &ib, 1)
                .into_iter()
                .map(Some)
                .collect();
            let mut work = Vec::with_capacity(blocks);
            for (g, (pg, bug)) in p_groups.into_iter().zip(bu_groups).enumerate() {
                let gi = (g + s) % blocks;
                if let (Some(qg), Some(big)) = (q_groups[gi].take(), bi_groups[gi].take()) {
                    work.push((&cells[g * blocks + gi], pg, bug, qg, big));
                }
            }
            let (reg, reg_b) = (config.reg, config.reg_bias);
            work.into_par_iter().for_each(|(cell, pg, bug, qg, big)| {
                sgd_cell(cell, pg, bug, qg, big, k, mu, lr, reg, reg_b);
            });
        }
        lr *= config.lr_decay;
        progress(Progress {
            stage: "epoch".into(),
            done: epoch as u64 + 1,
            total: config.epochs as u64,
        });
    }

    // Back to the original order; rows with no ratings get zero factors.
    let mut users = p.gather(&inv_u);
    let mut items = q.gather(&inv_i);
    let user_bias: Vec<f32> = inv_u.iter().map(|&pos| bu[pos as usize]).collect();
    let item_bias: Vec<f32> = inv_i.iter().map(|&pos| bi[pos as usize]).collect();
    for u in 0..n_users {
        if train.user_count(u) == 0 {
            users.row_mut(u).fill(0.0);
        }
    }
    for i in 0..n_items {
        if train.item_count(i) == 0 {
            items.row_mut(i).fill(0.0);
        }
    }
    BiasedMf {
        mu,
        min,
        max,
        user_bias,
        item_bias,
        users,
        items,
    }
}

/// SGD over one cell. Uses 256-bit vectors where the CPU has AVX2: the same
/// operations in the same order (no fused multiply-add, no reassociation), so
/// the result is bit-identical to the baseline build, only faster.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn sgd_cell(
    cell: &[Entry],
    p: &mut [f32],
    bu: &mut [f32],
    q: &mut [f32],
    bi: &mut [f32],
    k: usize,
    mu: f32,
    lr: f32,
    reg: f32,
    reg_b: f32,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 support was checked just above.
        unsafe { sgd_cell_avx2(cell, p, bu, q, bi, k, mu, lr, reg, reg_b) };
        return;
    }
    sgd_cell_body(cell, p, bu, q, bi, k, mu, lr, reg, reg_b);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn sgd_cell_avx2(
    cell: &[Entry],
    p: &mut [f32],
    bu: &mut [f32],
    q: &mut [f32],
    bi: &mut [f32],
    k: usize,
    mu: f32,
    lr: f32,
    reg: f32,
    reg_b: f32,
) {
    sgd_cell_body(cell, p, bu, q, bi, k, mu, lr, reg, reg_b);
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn sgd_cell_body(
    cell: &[Entry],
    p: &mut [f32],
    bu: &mut [f32],
    q: &mut [f32],
    bi: &mut [f32],
    k: usize,
    mu: f32,
    lr: f32,
    reg: f32,
    reg_b: f32,
) {
    const AHEAD: usize = 4;
    for (n, e) in cell.iter().enumerate() {
        // The factor rows are random accesses: ask for a later entry's rows now.
        if let Some(next) = cell.get(n + AHEAD) {
            prefetch_row(p, next.u as usize * k, k);
            prefetch_row(q, next.i as usize * k, k);
        }
        let (u, i) = (e.u as usize, e.i as usize);
        let pu = &mut p[u * k..(u + 1) * k];
        let qi = &mut q[i * k..(i + 1) * k];
        let err = e.r - (mu + bu[u] + bi[i] + super::factors::dot(pu, qi));
        bu[u] += lr * (err - reg_b * bu[u]);
        bi[i] += lr * (err - reg_b * bi[i]);
        for (pf, qf) in pu.iter_mut().zip(qi.iter_mut()) {
            let (a, b) = (*pf, *qf);
            *pf += lr * (err * b - reg * a);
            *qf += lr * (err * a - reg * b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    fn low_rank(n_users: usize, n_items: usize, density: f32, seed: u64) -> RatingMatrix {
        let mut rng = fastrand::Rng::with_seed(seed);
        let uf: Vec<[f32; 2]> = (0..n_users)
            .map(|_| [rng.f32() - 0.5, rng.f32() - 0.5])
            .collect();
        let itf: Vec<[f32; 2]> = (0..n_items)
            .map(|_| [rng.f32() * 2.0 - 1.0, rng.f32() * 2.0 - 1.0])
            .collect();
        let mut ratings = Vec::new();
        for (u, fu) in uf.iter().enumerate() {
            for (i, fi) in itf.iter().enumerate() {
                if rng.f32() < density {
                    let v = 3.0 + 0.3 * (u % 3) as f32 - 0.2 * (i % 4) as f32
                        + 2.0 * (fu[0] * fi[0] + fu[1] * fi[1]);
                    ratings.push(Rating {
                        user: u as u32,
                        item: i as u32,
                        value: v,
                        time: 0,
                    });
                }
            }
        }
        RatingMatrix::from_ratings(n_users, n_items, ratings).0
    }

    fn cfg() -> SvdConfig {
        SvdConfig {
            factors: 4,
            epochs: 200,
            lr: 0.02,
            lr_decay: 0.99,
            reg: 0.001,
            reg_bias: 0.001,
            ranking: None,
            ..SvdConfig::default()
        }
    }

    #[test]
    fn fits_a_low_rank_matrix() {
        let m = low_rank(40, 30, 0.6, 1);
        let model = SvdModel::fit(&m, &cfg(), &mut |_| {});
        let mut se = 0.0;
        for r in m.iter() {
            let v = model.user(Who::Known(r.user as usize));
            se += ((v.raw(r.item) - r.value) as f64).powi(2);
        }
        let rmse = (se / m.nnz() as f64).sqrt();
        assert!(rmse < 0.05, "train rmse {rmse}");
    }

    #[test]
    fn deterministic_for_a_seed_and_thread_count_independent() {
        let m = low_rank(50, 40, 0.3, 2);
        let c = SvdConfig { epochs: 5, ..cfg() };
        let a = SvdModel::fit(&m, &c, &mut |_| {});
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map(|pool| pool.install(|| SvdModel::fit(&m, &c, &mut |_| {})));
        let b = one.unwrap_or_else(|_| SvdModel::fit(&m, &c, &mut |_| {}));
        assert_eq!(a.mf, b.mf);
        let other = SvdModel::fit(&m, &SvdConfig { seed: 7, ..c }, &mut |_| {});
        assert_ne!(a.mf, other.mf);
    }

    #[test]
    fn reports_every_epoch() {
        let m = low_rank(10, 10, 0.5, 3);
        let mut seen = Vec::new();
        SvdModel::fit(&m, &SvdConfig { epochs: 3, ..cfg() }, &mut |p| seen.push(p));
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2].done, 3);
        assert_eq!(seen[2].stage, "epoch");
    }
}
