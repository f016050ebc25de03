//! `als`: explicit biased matrix factorisation by alternating least squares.
//! Same model as [`super::svd`], `r̂ = μ + b_u + b_i + p_u·q_i`, minimising
//! `Σ (r − r̂)² + reg (n_u|p_u|² + n_i|q_i|²) + reg_bias (n_u b_u² + n_i b_i²)`
//! (weighted-λ regularisation, Zhou et al. 2008). Each half-iteration solves
//! one (k+1)×(k+1) system per user (then per movie) by Cholesky (nalgebra),
//! in parallel with rayon; every solve is independent, so the result does not
//! depend on the thread count. Fold-in of a new profile is exactly one user
//! step against the fixed movie factors. Top-N lists are ordered as in
//! [`super::svd`] (implicit-feedback [`Ranker`]).

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

pub use super::factors::{append_user, RankingConfig};
use super::factors::{rating_range, BiasedMf, Factors, MfUser, Ranker, RatedLists};
use super::{Model, Progress, UserModel, Who};
use crate::data::RatingMatrix;

/// Settings of [`AlsModel`]; defaults chosen by cross-validation on training
/// folds of ml-latest-small (see `tests/models_mf_tune.rs`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlsConfig {
    pub factors: usize,
    pub iterations: usize,
    /// Regularisation of the factors, per rating.
    pub reg: f32,
    /// Regularisation of the biases, per rating.
    pub reg_bias: f32,
    pub init_std: f32,
    pub seed: u64,
    /// The ranking model behind `rank_score`; `None` ranks by predicted rating.
    pub ranking: Option<RankingConfig>,
}

impl Default for AlsConfig {
    fn default() -> Self {
        AlsConfig {
            factors: 32,
            iterations: 10,
            reg: 0.15,
            reg_bias: 0.2,
            init_std: 0.1,
            seed: 42,
            ranking: Some(RankingConfig::default()),
        }
    }
}

/// A fitted ALS model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AlsModel {
    config: AlsConfig,
    mf: BiasedMf,
    rated: RatedLists,
    ranker: Option<Ranker>,
}

impl AlsModel {
    /// Fits on `train`, reporting progress once per iteration (stage
    /// "als iteration") and, fitted at the same time, per iteration of the
    /// ranking model.
    pub fn fit(
        train: &RatingMatrix,
        config: &AlsConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let (mf, ranker) = Ranker::fit_beside(
            train,
            config.ranking.as_ref(),
            |progress| fit_als(train, config, progress),
            progress,
        );
        AlsModel {
            config: config.clone(),
            mf,
            rated: RatedLists::from_matrix(train),
            ranker,
        }
    }

    pub fn config(&self) -> &AlsConfig {
        &self.config
    }

    pub fn factors(&self) -> &BiasedMf {
        &self.mf
    }

    pub fn user<'a>(&'a self, who: Who<'a>) -> MfUser<'a> {
        MfUser::new(
            &self.mf,
            &self.rated,
            self.ranker.as_ref(),
            who,
            self.config.reg_bias,
            self.config.reg,
        )
    }
}

impl Model for AlsModel {
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        Some(super::store::encode(self))
    }
    fn name(&self) -> &str {
        "als"
    }
    fn n_items(&self) -> usize {
        self.mf.item_bias.len()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        Box::new(self.user(who))
    }
}

fn fit_als(
    train: &RatingMatrix,
    config: &AlsConfig,
    progress: &mut dyn FnMut(Progress),
) -> BiasedMf {
    let k = config.factors.max(1);
    let (n_users, n_items) = (train.n_users(), train.n_items());
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mu = train.global_mean() as f32;
    let (min, max) = rating_range(train, mu);
    let mut users = Factors::zeros(n_users, k);
    let mut items = Factors::uniform(n_items, k, config.init_std, &mut rng);
    let mut user_bias = vec![0f32; n_users];
    let mut item_bias = vec![0f32; n_items];
    for i in 0..n_items {
        if train.item_count(i) == 0 {
            items.row_mut(i).fill(0.0);
        }
    }
    for it in 0..config.iterations {
        half_step(
            &mut users,
            &mut user_bias,
            &items,
            &item_bias,
            mu,
            config,
            |u| {
                let row = train.user(u);
                (row.items, row.values)
            },
        );
        half_step(
            &mut items,
            &mut item_bias,
            &users,
            &user_bias,
            mu,
            config,
            |i| {
                let col = train.item(i);
                (col.users, col.values)
            },
        );
        progress(Progress {
            stage: "als iteration".into(),
            done: it as u64 + 1,
            total: config.iterations as u64,
        });
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

/// Solves every row of `x` (bias `xb`) against the fixed other side `y` (bias `yb`).
fn half_step<'m>(
    x: &mut Factors,
    xb: &mut [f32],
    y: &Factors,
    yb: &[f32],
    mu: f32,
    config: &AlsConfig,
    row: impl Fn(usize) -> (&'m [u32], &'m [f32]) + Sync + Send,
) {
    let k = y.k();
    let d = k + 1;
    x.as_mut_slice()
        .par_chunks_mut(k)
        .zip(xb.par_iter_mut())
        .enumerate()
        .for_each(|(r, (xr, xbr))| {
            let (idx, vals) = row(r);
            let n = idx.len();
            if n == 0 {
                xr.fill(0.0);
                *xbr = 0.0;
                return;
            }
            // B = Aᵀ: d × n, column j = [1, y_j] (a contiguous copy of row j of
            // Y), so G = AᵀA = B·Bᵀ runs as one gemm; t_j = r_j − μ − b_j.
            let mut buf = Vec::with_capacity(n * d);
            let mut t = DVector::<f32>::zeros(n);
            for (j, (&c, &v)) in idx.iter().zip(vals).enumerate() {
                buf.push(1.0);
                buf.extend_from_slice(y.row(c as usize));
                t[j] = v - mu - yb[c as usize];
            }
            let b = DMatrix::<f32>::from_column_slice(d, n, &buf);
            let mut g = &b * b.transpose();
            let rhs = &b * &t;
            g[(0, 0)] += config.reg_bias * n as f32;
            for c in 1..d {
                g[(c, c)] += config.reg * n as f32;
            }
            if let Some(ch) = g.cholesky() {
                let sol = ch.solve(&rhs);
                if sol.iter().all(|v| v.is_finite()) {
                    *xbr = sol[0];
                    for (dst, &v) in xr.iter_mut().zip(sol.iter().skip(1)) {
                        *dst = v;
                    }
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    #[test]
    fn reconstructs_an_exactly_low_rank_matrix() {
        // r = 3 + b_u + b_i + p_u·q_i with rank 2, every entry observed.
        let mut rng = fastrand::Rng::with_seed(5);
        let (nu, ni) = (30, 25);
        let p: Vec<[f32; 2]> = (0..nu)
            .map(|_| [rng.f32() - 0.5, rng.f32() - 0.5])
            .collect();
        let q: Vec<[f32; 2]> = (0..ni)
            .map(|_| [rng.f32() * 2.0 - 1.0, rng.f32() * 2.0 - 1.0])
            .collect();
        let truth = |u: usize, i: usize| {
            3.0 + 0.1 * (u % 5) as f32 - 0.1 * (i % 3) as f32
                + p[u][0] * q[i][0]
                + p[u][1] * q[i][1]
        };
        let mut ratings = Vec::new();
        for u in 0..nu {
            for i in 0..ni {
                ratings.push(Rating {
                    user: u as u32,
                    item: i as u32,
                    value: truth(u, i),
                    time: 0,
                });
            }
        }
        let (m, _) = RatingMatrix::from_ratings(nu, ni, ratings);
        let cfg = AlsConfig {
            factors: 2,
            iterations: 60,
            reg: 1e-6,
            reg_bias: 1e-6,
            ranking: None,
            ..AlsConfig::default()
        };
        let model = AlsModel::fit(&m, &cfg, &mut |_| {});
        let mut worst = 0f32;
        for u in 0..nu {
            let v = model.user(Who::Known(u));
            for i in 0..ni {
                worst = worst.max((v.raw(i as u32) - truth(u, i)).abs());
            }
        }
        assert!(worst < 0.01, "max error {worst}");
    }

    #[test]
    fn fold_in_of_a_training_user_matches_its_row() {
        // After a user step the user rows are exact solves, so folding a
        // training user's profile back in must give the same bias and factors.
        let mut rng = fastrand::Rng::with_seed(9);
        let mut ratings = Vec::new();
        for u in 0..20u32 {
            for i in 0..15u32 {
                if rng.f32() < 0.5 {
                    ratings.push(Rating {
                        user: u,
                        item: i,
                        value: 1.0 + (rng.u32(0..9) as f32) * 0.5,
                        time: 0,
                    });
                }
            }
        }
        let (m, _) = RatingMatrix::from_ratings(20, 15, ratings);
        let cfg = AlsConfig {
            factors: 3,
            iterations: 1,
            ranking: None,
            ..AlsConfig::default()
        };
        // One iteration = user step then item step; refit the user side with
        // the final items by folding in, and compare predictions with a model
        // whose users were solved against those same items (iteration 2's user step).
        let model = AlsModel::fit(&m, &cfg, &mut |_| {});
        let row = m.user(3);
        let profile: Vec<(u32, f32)> = row
            .items
            .iter()
            .copied()
            .zip(row.values.iter().copied())
            .collect();
        let folded = model.user(Who::New(&profile));
        let (b, x) = model.mf.fold_in(&profile, cfg.reg_bias, cfg.reg);
        assert!((folded.bias - b).abs() < 1e-6);
        assert_eq!(folded.factors.len(), x.len());
        // Fold-in minimises the user objective: it cannot be beaten by the
        // stored row (which was solved against older item factors).
        let objective = |bias: f32, f: &[f32]| -> f64 {
            let n = profile.len() as f64;
            let mut s: f64 = profile
                .iter()
                .map(|&(i, r)| ((r - model.mf.raw(bias, f, i)) as f64).powi(2))
                .sum();
            s += cfg.reg_bias as f64 * n * (bias as f64).powi(2);
            s += cfg.reg as f64 * n * f.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
            s
        };
        let known = model.user(Who::Known(3));
        assert!(
            objective(folded.bias, &folded.factors) <= objective(known.bias, &known.factors) + 1e-6
        );
    }
}
