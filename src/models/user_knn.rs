//! User-based collaborative filtering with mean-centred pearson similarity
//! (Surprise's KNNWithMeans, `user_based = True`).
//!
//! Similarities are computed per user when [`Model::for_user`] is called, for a
//! training user and a new profile alike: walk the user's movies, then each movie's
//! raters, accumulating the pearson sums against every training user in a dense
//! array of length `n_users` (cost: the number of ratings of the user's movies,
//! about 1 ms on ml-latest-small). Nothing quadratic is stored.
//!
//! Predict: `r̂ = μ_u + Σ s_uv (r_vi − μ_v) / Σ s_uv` over the `k` most similar users
//! who rated `i` (positive similarities only); no such user: `μ_u`; a movie nobody
//! rated: the baseline.
//!
//! Rank: the top-N list optimises the chance that the user watches and likes the
//! movie, not the predicted rating: the `rank_neighbours` most similar users vote
//! for each movie they rated, with their similarity times the implicit weight of
//! their rating (liked counts fully).

use super::baseline::{fit_biases, BaselineConfig};
use super::similarity::{clean_profile, clip, clip_range, shrink, top_k};
use super::{Model, Progress, UserModel, Who};
use crate::data::{RatingMatrix, RatingScale};

/// Settings of [`UserKnn::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct UserKnnConfig {
    /// Neighbours used per prediction.
    pub k: usize,
    /// Fewer usable neighbours than this: predict the user's mean.
    pub min_k: usize,
    /// Minimum number of co-rated movies for a similarity to count.
    pub min_support: u32,
    /// Shrinkage of similarities towards 0 by support (0: none, as Surprise's pearson;
    /// 10 chosen on an inner split of training data).
    pub shrinkage: f32,
    /// Neighbours voting in the top-N list.
    pub rank_neighbours: usize,
    /// Ratings at or above this count fully as votes.
    pub like_threshold: f32,
    /// Vote weight of a rating below `like_threshold`.
    pub dislike_weight: f32,
    /// Fallback for movies nobody rated.
    pub baseline: BaselineConfig,
    /// Clipping scale; `None` uses the range of the training ratings.
    pub scale: Option<RatingScale>,
}

impl Default for UserKnnConfig {
    fn default() -> Self {
        UserKnnConfig {
            k: 40,
            min_k: 1,
            min_support: 1,
            shrinkage: 10.0,
            rank_neighbours: 50,
            like_threshold: 4.0,
            dislike_weight: 0.5,
            baseline: BaselineConfig::default(),
            scale: None,
        }
    }
}

/// A fitted user-kNN model (the training matrix, user means and baseline biases).
#[derive(Debug, Clone)]
pub struct UserKnn {
    config: UserKnnConfig,
    train: RatingMatrix,
    means: Vec<f32>,
    mu: f32,
    user_bias: Vec<f32>,
    item_bias: Vec<f32>,
    range: (f32, f32),
}

impl UserKnn {
    pub fn fit(
        train: &RatingMatrix,
        config: &UserKnnConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let (mu, user_bias, item_bias) = fit_biases(train, &config.baseline, progress);
        let means = (0..train.n_users())
            .map(|u| {
                let row = train.user(u);
                if row.is_empty() {
                    mu
                } else {
                    (row.values.iter().map(|&v| v as f64).sum::<f64>() / row.len() as f64) as f32
                }
            })
            .collect();
        UserKnn {
            config: config.clone(),
            train: train.clone(),
            means,
            mu,
            user_bias,
            item_bias,
            range: clip_range(train, config.scale),
        }
    }

    /// Pearson similarity (over co-rated movies, centred on the co-rated means, as
    /// Surprise computes it) of `profile` to every training user; `skip` gets 0.
    pub fn similarities(&self, profile: &[(u32, f32)], skip: Option<usize>) -> Vec<f32> {
        #[derive(Clone, Copy, Default)]
        struct Sums {
            n: u32,
            su: f64,
            sv: f64,
            suu: f64,
            svv: f64,
            suv: f64,
        }
        let n_users = self.train.n_users();
        let mut acc = vec![Sums::default(); n_users];
        for &(i, ru) in profile {
            if i as usize >= self.train.n_items() {
                continue;
            }
            let col = self.train.item(i as usize);
            let ru = ru as f64;
            for (&v, &rv) in col.users.iter().zip(col.values) {
                let s = &mut acc[v as usize];
                let rv = rv as f64;
                s.n += 1;
                s.su += ru;
                s.sv += rv;
                s.suu += ru * ru;
                s.svv += rv * rv;
                s.suv += ru * rv;
            }
        }
        let min_support = self.config.min_support.max(1);
        acc.iter()
            .enumerate()
            .map(|(v, s)| {
                if Some(v) == skip || s.n < min_support {
                    return 0.0;
                }
                let n = s.n as f64;
                let num = n * s.suv - s.su * s.sv;
                let den = (n * s.suu - s.su * s.su) * (n * s.svv - s.sv * s.sv);
                if den <= 0.0 || !den.is_finite() {
                    return 0.0;
                }
                shrink((num / den.sqrt()) as f32, s.n, self.config.shrinkage)
            })
            .collect()
    }

    fn fold_in_bias(&self, profile: &[(u32, f32)]) -> f32 {
        if profile.is_empty() {
            return 0.0;
        }
        let sum: f64 = profile
            .iter()
            .map(|&(i, r)| (r - self.mu - self.item_bias[i as usize]) as f64)
            .sum();
        (sum / (self.config.baseline.reg_users.max(0.0) as f64 + profile.len() as f64)) as f32
    }
}

impl Model for UserKnn {
    fn name(&self) -> &str {
        "user-knn"
    }
    fn n_items(&self) -> usize {
        self.train.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        let n_items = self.train.n_items();
        let (profile, skip, mean, bias) = match who {
            Who::Known(u) if u < self.train.n_users() => {
                let p = who.ratings(&self.train);
                (p, Some(u), self.means[u], self.user_bias[u])
            }
            Who::Known(_) => (Vec::new(), None, self.mu, 0.0),
            Who::New(p) => {
                let p = clean_profile(p, n_items);
                let mean = if p.is_empty() {
                    self.mu
                } else {
                    (p.iter().map(|&(_, r)| r as f64).sum::<f64>() / p.len() as f64) as f32
                };
                let b = self.fold_in_bias(&p);
                (p, None, mean, b)
            }
        };
        let sims = self.similarities(&profile, skip);
        // Top-N votes from the most similar users.
        let mut best: Vec<(u32, f32)> = sims
            .iter()
            .enumerate()
            .filter(|&(_, &s)| s > 0.0)
            .map(|(v, &s)| (v as u32, s))
            .collect();
        top_k(&mut best, self.config.rank_neighbours);
        let mut score = vec![0f32; n_items];
        for &(v, s) in &best {
            let row = self.train.user(v as usize);
            for (&i, &r) in row.items.iter().zip(row.values) {
                let w = if r >= self.config.like_threshold {
                    1.0
                } else {
                    self.config.dislike_weight
                };
                score[i as usize] += s * w;
            }
        }
        let top = score.iter().copied().fold(0f32, f32::max);
        if top > 0.0 {
            for s in &mut score {
                *s /= top;
            }
        }
        Box::new(UserKnnUser {
            model: self,
            rated: profile.iter().map(|&(i, _)| i).collect(),
            sims,
            score,
            mean,
            bias,
        })
    }
}

struct UserKnnUser<'a> {
    model: &'a UserKnn,
    rated: Vec<u32>,
    sims: Vec<f32>,
    score: Vec<f32>,
    mean: f32,
    bias: f32,
}

impl UserKnnUser<'_> {
    fn estimate(&self, item: u32) -> f32 {
        let m = self.model;
        if item as usize >= m.train.n_items() || m.train.item_count(item as usize) == 0 {
            let bi = m.item_bias.get(item as usize).copied().unwrap_or(0.0);
            return m.mu + self.bias + bi;
        }
        let col = m.train.item(item as usize);
        // (position in the column, similarity); positions follow user order, so
        // ties break towards the lower user index.
        let mut cands: Vec<(u32, f32)> = col
            .users
            .iter()
            .enumerate()
            .map(|(pos, &v)| (pos as u32, self.sims[v as usize]))
            .filter(|&(_, s)| s > 0.0)
            .collect();
        top_k(&mut cands, m.config.k);
        if cands.len() < m.config.min_k.max(1) {
            return self.mean;
        }
        let mut num = 0f32;
        let mut den = 0f32;
        for &(pos, s) in &cands {
            let v = col.users[pos as usize] as usize;
            num += s * (col.values[pos as usize] - m.means[v]);
            den += s;
        }
        if den <= 0.0 {
            return self.mean;
        }
        self.mean + num / den
    }
}

impl UserModel for UserKnnUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        clip(self.estimate(item), self.model.range)
    }
    fn rank_score(&self, item: u32) -> f32 {
        self.score.get(item as usize).copied().unwrap_or(0.0)
    }
    fn rated(&self) -> &[u32] {
        &self.rated
    }
}
