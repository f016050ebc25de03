//! Rating-prediction evaluation (RMSE, MAE) for any [`Model`], with fallbacks for
//! test rows whose user or movie has no training rating.
//!
//! Fallbacks, computed from the training matrix (the models are only asked about
//! users and movies they were trained on):
//! - user unknown, movie known → the movie's mean training rating;
//! - movie unknown, user known → the user's mean training rating;
//! - both unknown → the global mean.
//!
//! Each kind is counted in [`FallbackCounts`].

use super::metrics::ErrorStats;
use super::topn::group_by_user;
use crate::data::{Rating, RatingMatrix};
use crate::models::{Model, Who};
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

/// How many test rows were predicted by a fallback instead of the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FallbackCounts {
    /// User without training ratings (movie known): movie mean.
    pub unknown_user: u64,
    /// Movie without training ratings (user known): user mean.
    pub unknown_item: u64,
    /// Neither known: global mean.
    pub unknown_both: u64,
    /// The model gave a non-finite prediction: global mean.
    pub non_finite: u64,
}

impl FallbackCounts {
    pub fn total(&self) -> u64 {
        self.unknown_user + self.unknown_item + self.unknown_both + self.non_finite
    }

    pub fn merge(mut self, o: FallbackCounts) -> FallbackCounts {
        self.unknown_user += o.unknown_user;
        self.unknown_item += o.unknown_item;
        self.unknown_both += o.unknown_both;
        self.non_finite += o.non_finite;
        self
    }
}

/// Simple means of a training matrix, for fallbacks.
#[derive(Debug, Clone)]
pub struct TrainMeans {
    pub global: f32,
    /// Mean rating per user (`None` without ratings).
    pub user: Vec<Option<f32>>,
    /// Mean rating per movie (`None` without ratings).
    pub item: Vec<Option<f32>>,
}

impl TrainMeans {
    pub fn new(train: &RatingMatrix) -> TrainMeans {
        let mean = |v: &[f32]| {
            (!v.is_empty())
                .then(|| (v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64) as f32)
        };
        TrainMeans {
            global: train.global_mean() as f32,
            user: (0..train.n_users())
                .map(|u| mean(train.user(u).values))
                .collect(),
            item: (0..train.n_items())
                .map(|i| mean(train.item(i).values))
                .collect(),
        }
    }

    fn user_mean(&self, u: u32) -> Option<f32> {
        self.user.get(u as usize).copied().flatten()
    }

    fn item_mean(&self, i: u32) -> Option<f32> {
        self.item.get(i as usize).copied().flatten()
    }
}

/// Outcome of rating prediction for one model on one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingReport {
    /// Test rows predicted.
    pub n_test: u64,
    pub rmse: f64,
    pub mae: f64,
    pub fallback: FallbackCounts,
    /// Wall-clock seconds spent predicting.
    pub predict_seconds: f64,
}

/// Predicts every test rating with `model` (fitted on `train`), falling back to simple
/// means where the user or the movie has no training rating. Parallel over users;
/// deterministic (sums are taken in user order).
pub fn evaluate_ratings(model: &dyn Model, train: &RatingMatrix, test: &[Rating]) -> RatingReport {
    let start = Instant::now();
    let means = TrainMeans::new(train);
    let by_user = group_by_user(test);
    let (stats, fallback) = by_user
        .par_iter()
        .map(|(user, items)| {
            let mut stats = ErrorStats::default();
            let mut fb = FallbackCounts::default();
            let user_mean = means.user_mean(*user);
            let user_model = user_mean.map(|_| model.for_user(Who::Known(*user as usize)));
            for &(item, actual) in items {
                let item_mean = if (item as usize) < model.n_items() {
                    means.item_mean(item)
                } else {
                    None
                };
                let predicted = match (&user_model, item_mean, user_mean) {
                    (Some(m), Some(_), _) => {
                        let p = m.predict(item);
                        if p.is_finite() {
                            p
                        } else {
                            fb.non_finite += 1;
                            means.global
                        }
                    }
                    (Some(_), None, Some(um)) => {
                        fb.unknown_item += 1;
                        um
                    }
                    (None, Some(im), _) => {
                        fb.unknown_user += 1;
                        im
                    }
                    _ => {
                        fb.unknown_both += 1;
                        means.global
                    }
                };
                stats.add(predicted, actual);
            }
            (stats, fb)
        })
        .collect::<Vec<_>>()
        // Summed in user order, so the result does not depend on the thread count.
        .into_iter()
        .fold(
            (ErrorStats::default(), FallbackCounts::default()),
            |a, b| (a.0.merge(b.0), a.1.merge(b.1)),
        );
    RatingReport {
        n_test: stats.count,
        rmse: stats.rmse(),
        mae: stats.mae(),
        fallback,
        predict_seconds: start.elapsed().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::UserModel;

    /// Predicts a constant for every item.
    struct Constant(f32, RatingMatrix);
    struct ConstantUser<'a>(f32, &'a [u32]);
    impl UserModel for ConstantUser<'_> {
        fn predict(&self, _item: u32) -> f32 {
            self.0
        }
        fn rated(&self) -> &[u32] {
            self.1
        }
    }
    impl Model for Constant {
        fn name(&self) -> &str {
            "constant"
        }
        fn n_items(&self) -> usize {
            self.1.n_items()
        }
        fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
            match who {
                Who::Known(u) => Box::new(ConstantUser(self.0, self.1.user(u).items)),
                Who::New(_) => Box::new(ConstantUser(self.0, &[])),
            }
        }
    }

    fn r(user: u32, item: u32, value: f32) -> Rating {
        Rating {
            user,
            item,
            value,
            time: 0,
        }
    }

    #[test]
    fn fallbacks_are_used_and_counted() {
        // Users 0,1 and items 0,1 have training ratings; user 2 and item 2 do not.
        let (train, _) =
            RatingMatrix::from_ratings(3, 3, vec![r(0, 0, 4.0), r(0, 1, 2.0), r(1, 0, 5.0)]);
        let model = Constant(3.0, train.clone());
        let test = vec![
            r(1, 1, 4.0), // model: 3 → error -1
            r(2, 0, 4.0), // unknown user → item 0 mean 4.5 → +0.5
            r(0, 2, 1.0), // unknown item → user 0 mean 3.0 → +2
            r(2, 2, 2.0), // both unknown → global 11/3
        ];
        let rep = evaluate_ratings(&model, &train, &test);
        assert_eq!(rep.n_test, 4);
        assert_eq!(
            rep.fallback,
            FallbackCounts {
                unknown_user: 1,
                unknown_item: 1,
                unknown_both: 1,
                non_finite: 0
            }
        );
        let errs = [-1.0f64, 0.5, 2.0, 11.0 / 3.0 - 2.0];
        let rmse = (errs.iter().map(|e| e * e).sum::<f64>() / 4.0).sqrt();
        let mae = errs.iter().map(|e| e.abs()).sum::<f64>() / 4.0;
        assert!((rep.rmse - rmse).abs() < 1e-6, "{} vs {rmse}", rep.rmse);
        assert!((rep.mae - mae).abs() < 1e-6);
    }
}
