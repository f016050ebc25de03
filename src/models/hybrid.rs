//! `svd-ease`: the SVD list's ranking blended with EASE, with the blend's calibrated rating.
//!
//! **Rank.** Per user, the SVD model's ranking score (implicit ALS preference plus a
//! small rating term, see [`super::svd`]) and the EASE score ([`super::ease`]) are each
//! z-scored over the movies EASE can list (it has weights for) that the user has not
//! rated, and mixed:
//! `score = w · z(EASE) + (1 − w) · z(SVD ranking)`, `w` = [`HybridConfig::ease_weight`]
//! (chosen on an inner split of training data). The factor model sees global taste, EASE
//! the exact co-occurrence structure; their errors differ, so the mix ranks better than
//! either alone. Movies EASE has no weights for are not listed.
//!
//! **Predict.** The mean of SVD's and item-kNN's predicted ratings (item-kNN is the
//! rating model fitted beside EASE): the same predictor as the `blend` model.
//!
//! **Explain.** The rated movies with the largest contributions to the EASE part (they
//! sum to the EASE score), else the ALS explanation (implicit's `explain`).

use super::ease::{Ease, EaseConfig, EaseError, EaseOwned, EaseUser};
use super::factors::MfUser;
use super::svd::{SvdConfig, SvdModel};
use super::{Model, Progress, UserModel, Who};
use crate::data::RatingMatrix;
use std::sync::Arc;

/// Settings of [`Hybrid::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct HybridConfig {
    pub ease: EaseConfig,
    pub svd: SvdConfig,
    /// Weight of the EASE z-score in the ranking (the rest is SVD's).
    pub ease_weight: f32,
}

impl Default for HybridConfig {
    /// `ease_weight` chosen on an inner per-user 80/20 split of the training part of the
    /// peer split of ml-latest-small (see `tests/it/models_ease_tune.rs`), with EASE at
    /// its defaults: inner NDCG@10 0.2002 / 0.2023 / 0.2029 / 0.2016 / 0.2000 / 0.1991 at
    /// 0.2 / 0.3 / 0.35 / 0.4 / 0.45 / 0.5, EASE alone 0.1962, SVD alone 0.1924.
    fn default() -> Self {
        HybridConfig {
            ease: EaseConfig::default(),
            svd: SvdConfig::default(),
            ease_weight: 0.35,
        }
    }
}

/// A fitted SVD + EASE hybrid.
pub struct Hybrid {
    ease: Arc<Ease>,
    svd: SvdModel,
    ease_weight: f32,
}

impl Hybrid {
    pub fn fit(
        train: &RatingMatrix,
        config: &HybridConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Self, EaseError> {
        // One after the other, for the reason given at `Ease::fit`.
        let ease = Ease::fit_shared(train, &config.ease, progress)?;
        let svd = SvdModel::fit(train, &config.svd, progress);
        Ok(Hybrid {
            ease,
            svd,
            ease_weight: config.ease_weight.clamp(0.0, 1.0),
        })
    }

    /// Pairs an EASE model and an SVD model fitted on the same training matrix.
    pub fn from_parts(ease: Arc<Ease>, svd: SvdModel, ease_weight: f32) -> Self {
        Hybrid {
            ease,
            svd,
            ease_weight: ease_weight.clamp(0.0, 1.0),
        }
    }

    /// Changes the ranking mix (for tuning without refitting).
    pub fn set_ease_weight(&mut self, ease_weight: f32) {
        self.ease_weight = ease_weight.clamp(0.0, 1.0);
    }

    pub fn ease(&self) -> &Ease {
        &self.ease
    }

    pub fn svd(&self) -> &SvdModel {
        &self.svd
    }
}

/// What a [`Hybrid`]'s snapshot holds.
#[derive(serde::Serialize)]
struct HybridParts<'a, E: serde::Serialize> {
    ease: E,
    svd: &'a SvdModel,
    ease_weight: f32,
}

#[derive(serde::Deserialize)]
pub(crate) struct HybridOwned {
    ease: EaseOwned,
    svd: SvdModel,
    ease_weight: f32,
}

impl From<HybridOwned> for Hybrid {
    fn from(p: HybridOwned) -> Self {
        Hybrid::from_parts(Arc::new(p.ease.into()), p.svd, p.ease_weight)
    }
}

/// Mean and standard deviation of `score(i)` over `items` with a finite score.
fn moments(items: impl Iterator<Item = f32>) -> (f32, f32) {
    let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
    for s in items.filter(|s| s.is_finite()) {
        n += 1.0;
        sum += s as f64;
        sq += (s as f64) * (s as f64);
    }
    if n == 0.0 {
        return (0.0, 1.0);
    }
    let mean = sum / n;
    let sd = (sq / n - mean * mean).max(0.0).sqrt();
    (mean as f32, if sd > 0.0 { sd as f32 } else { 1.0 })
}

impl Model for Hybrid {
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        let parts = HybridParts {
            ease: self.ease.parts()?,
            svd: &self.svd,
            ease_weight: self.ease_weight,
        };
        Some(super::store::encode(&parts))
    }
    fn name(&self) -> &str {
        "svd-ease"
    }
    fn similar_items(&self, item: u32, n: usize) -> Option<Vec<(u32, f32)>> {
        self.ease.similar_items(item, n)
    }
    fn n_items(&self) -> usize {
        self.ease.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        let ease = self.ease.user(who);
        let svd = self.svd.user(who);
        let n = self.ease.n_items();
        // Only movies with EASE weights can be listed, so SVD scores (the expensive
        // part: two factor dots each) are computed for those alone, and both z-scores
        // are taken over the listable movies the user has not rated.
        let mut rated = vec![false; n];
        for &i in ease.rated() {
            if let Some(r) = rated.get_mut(i as usize) {
                *r = true;
            }
        }
        let listable: Vec<u32> = (self.ease.weights().kept().iter())
            .copied()
            .filter(|&i| !rated.get(i as usize).copied().unwrap_or(true))
            .collect();
        let ease_scores = ease.scores();
        let ease_of = |i: u32| {
            ease_scores
                .get(i as usize)
                .copied()
                .unwrap_or(f32::NEG_INFINITY)
        };
        let svd_scores: Vec<f32> = listable.iter().map(|&i| svd.rank_score(i)).collect();
        let (me, se) = moments(listable.iter().map(|&i| ease_of(i)));
        let (ms, ss) = moments(svd_scores.iter().copied());
        let w = self.ease_weight;
        let mut scores = vec![f32::NEG_INFINITY; n];
        for (&i, &s) in listable.iter().zip(&svd_scores) {
            let e = ease_of(i);
            if e.is_finite() {
                scores[i as usize] = w * (e - me) / se + (1.0 - w) * (s - ms) / ss;
            }
        }
        Box::new(HybridUser { ease, svd, scores })
    }
}

struct HybridUser<'a> {
    ease: EaseUser<'a>,
    svd: MfUser<'a>,
    scores: Vec<f32>,
}

impl UserModel for HybridUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        0.5 * (self.ease.predict(item) + self.svd.predict(item))
    }
    fn rank_score(&self, item: u32) -> f32 {
        self.scores
            .get(item as usize)
            .copied()
            .unwrap_or(f32::NEG_INFINITY)
    }
    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        let e = self.ease.explain(item, max);
        if e.is_empty() {
            self.svd.explain(item, max)
        } else {
            e
        }
    }
    fn rated(&self) -> &[u32] {
        self.ease.rated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    fn fixture() -> RatingMatrix {
        let mut rng = fastrand::Rng::with_seed(2);
        let mut ratings = Vec::new();
        for user in 0..40u32 {
            for item in 0..15u32 {
                if rng.f32() < 0.45 {
                    ratings.push(Rating {
                        user,
                        item,
                        value: 0.5 * (1 + rng.u32(0..10)) as f32,
                        time: 0,
                    });
                }
            }
        }
        RatingMatrix::from_ratings(40, 15, ratings).0
    }

    #[test]
    fn saved_model_reads_back_with_the_same_scores_and_reasons() {
        let m = fixture();
        let config = HybridConfig {
            svd: SvdConfig {
                epochs: 3,
                ..SvdConfig::default()
            },
            ..HybridConfig::default()
        };
        let h = Hybrid::fit(&m, &config, &mut |_| {}).expect("fits");
        let bytes = h.snapshot().expect("savable").expect("encodes");
        let back =
            Hybrid::from(crate::models::store::decode::<HybridOwned>(&bytes).expect("decodes"));
        let profile = [(0u32, 5.0f32), (4, 2.0), (9, 4.5)];
        for who in [Who::Known(1), Who::New(&profile)] {
            let (a, b) = (h.for_user(who), back.for_user(who));
            for j in 0..15 {
                assert_eq!(a.rank_score(j).to_bits(), b.rank_score(j).to_bits());
                assert_eq!(a.predict(j).to_bits(), b.predict(j).to_bits());
                assert_eq!(a.explain(j, 3), b.explain(j, 3));
            }
        }
    }

    #[test]
    fn scores_mix_the_z_scores_and_predictions_average() {
        let m = fixture();
        let config = HybridConfig {
            svd: SvdConfig {
                epochs: 3,
                ..SvdConfig::default()
            },
            ..HybridConfig::default()
        };
        let h = Hybrid::fit(&m, &config, &mut |_| {}).expect("fits");
        let user = h.for_user(Who::Known(3));
        let ease = h.ease().user(Who::Known(3));
        let svd = h.svd().user(Who::Known(3));
        let unrated: Vec<u32> = (h.ease().weights().kept().iter())
            .copied()
            .filter(|i| m.get(3, *i).is_none())
            .collect();
        let (me, se) = moments(unrated.iter().map(|&i| ease.rank_score(i)));
        let (ms, ss) = moments(unrated.iter().map(|&i| svd.rank_score(i)));
        for &i in &unrated {
            let w = config.ease_weight;
            let expected =
                w * (ease.rank_score(i) - me) / se + (1.0 - w) * (svd.rank_score(i) - ms) / ss;
            assert!((user.rank_score(i) - expected).abs() < 1e-4);
            let p = 0.5 * (ease.predict(i) + svd.predict(i));
            assert!((user.predict(i) - p).abs() < 1e-6);
        }
    }
}
