//! The top-N protocol, for any [`Model`].
//!
//! For each test user: candidates = every movie with a rating in train minus the movies
//! that user rated in train; relevant = the user's test movies rated at least
//! [`TopNConfig::relevance_threshold`] (4.0); users with no relevant movie are skipped.
//! The model ranks candidates with [`crate::models::top_n`] for `Who::Known(user)`
//! (the held-out part is absent from train), and the metrics of
//! [`super::metrics::UserTopN`] are averaged over the evaluated users. Catalogue
//! coverage is distinct recommended movies (over evaluated users) / movies in train.
//! Beyond accuracy: novelty (mean self-information `−log2(pop_i / n_users)` of the
//! recommended movies, per user then averaged) and, when genres are given, intra-list
//! diversity (`1 −` mean pairwise genre Jaccard, per user then averaged).
//! Users are processed in parallel with rayon; results do not depend on thread count.

use super::metrics::{coverage, intra_list_diversity, mean_top_n, novelty, UserTopN};
use crate::data::{Rating, RatingMatrix};
use crate::models::{top_n, Model, TopNFilter, Who};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Instant;

/// Parameters of the top-N protocol.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TopNConfig {
    /// List length.
    pub k: usize,
    /// A test rating at least this is relevant.
    pub relevance_threshold: f32,
}

impl Default for TopNConfig {
    fn default() -> Self {
        TopNConfig {
            k: 10,
            relevance_threshold: 4.0,
        }
    }
}

/// Outcome of the top-N protocol for one model on one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopNReport {
    pub k: usize,
    pub relevance_threshold: f32,
    /// Distinct users in the test set.
    pub test_users: usize,
    /// Users scored (at least one relevant test movie).
    pub users_evaluated: usize,
    /// Test users skipped because none of their test movies is relevant.
    pub users_skipped_no_relevant: usize,
    /// Evaluated users with no training rating (ranked as users with an empty history).
    pub users_without_train: usize,
    /// Movies with at least one training rating (the candidate pool and coverage base).
    pub catalogue_size: usize,
    /// Relevant test movies (of evaluated users) with no training rating: they count in
    /// recall and NDCG but can never be recommended.
    pub relevant_not_in_train: usize,
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    pub hit_rate: f64,
    pub mrr: f64,
    pub coverage: f64,
    /// Mean self-information (bits) of the recommended movies.
    pub novelty: f64,
    /// Mean intra-list genre diversity; `None` without genres.
    pub diversity: Option<f64>,
    /// Wall-clock seconds spent ranking.
    pub rank_seconds: f64,
}

/// Groups test ratings by user: (user, [(item, rating)] sorted by item), users ascending.
pub fn group_by_user(test: &[Rating]) -> Vec<(u32, Vec<(u32, f32)>)> {
    let mut sorted: Vec<&Rating> = test.iter().collect();
    sorted.sort_by_key(|r| (r.user, r.item));
    let mut out: Vec<(u32, Vec<(u32, f32)>)> = Vec::new();
    for r in sorted {
        match out.last_mut() {
            Some((u, items)) if *u == r.user => items.push((r.item, r.value)),
            _ => out.push((r.user, vec![(r.item, r.value)])),
        }
    }
    out
}

/// One evaluated user.
struct UserOutcome {
    metrics: UserTopN,
    /// The recommended list.
    list: Vec<u32>,
    /// No training rating.
    cold: bool,
    /// Relevant test movies absent from train.
    unreachable: usize,
}

/// Runs the top-N protocol: `model` must have been fitted on `train`; `test` holds the
/// held-out ratings (dense indices of the same id space as `train`).
pub fn evaluate_top_n(
    model: &dyn Model,
    train: &RatingMatrix,
    test: &[Rating],
    config: &TopNConfig,
) -> TopNReport {
    evaluate_top_n_with(model, train, test, config, None)
}

/// [`evaluate_top_n`] with each movie's genre set (bits, by dense item index of `train`)
/// for the diversity measure.
pub fn evaluate_top_n_with(
    model: &dyn Model,
    train: &RatingMatrix,
    test: &[Rating],
    config: &TopNConfig,
    genres: Option<&[u64]>,
) -> TopNReport {
    let start = Instant::now();
    let by_user = group_by_user(test);
    let n_items = train.n_items().min(model.n_items());
    let in_train: Vec<bool> = (0..train.n_items())
        .map(|i| train.item_count(i) > 0)
        .collect();
    let catalogue_size = in_train.iter().filter(|&&b| b).count();

    let results: Vec<Option<UserOutcome>> = by_user
        .par_iter()
        .map(|(user, items)| {
            let relevant: HashSet<u32> = items
                .iter()
                .filter(|(_, v)| *v >= config.relevance_threshold)
                .map(|&(i, _)| i)
                .collect();
            if relevant.is_empty() {
                return None;
            }
            let u = *user as usize;
            let (row, cold) = if u < train.n_users() {
                (train.user(u).items, train.user_count(u) == 0)
            } else {
                (&[][..], true)
            };
            let allow = |i: u32| in_train[i as usize] && row.binary_search(&i).is_err();
            let filter = TopNFilter {
                allow: Some(&allow),
                candidates: None,
                exclude: &[],
            };
            // A user outside the training matrix is ranked as an empty new profile.
            let who = if u < train.n_users() {
                Who::Known(u)
            } else {
                Who::New(&[])
            };
            let user_model = model.for_user(who);
            let list: Vec<u32> = top_n(user_model.as_ref(), n_items, config.k, &filter, 0)
                .into_iter()
                .map(|r| r.item)
                .collect();
            let unreachable = relevant
                .iter()
                .filter(|&&i| !in_train.get(i as usize).copied().unwrap_or(false))
                .count();
            Some(UserOutcome {
                metrics: UserTopN::score(&list, &relevant, config.k),
                list,
                cold,
                unreachable,
            })
        })
        .collect();

    let scored: Vec<&UserOutcome> = results.iter().flatten().collect();
    let popularity: Vec<usize> = (0..train.n_items()).map(|i| train.item_count(i)).collect();
    let active_users = (0..train.n_users())
        .filter(|&u| train.user_count(u) > 0)
        .count();
    let mean_of = |values: Vec<f64>| {
        if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        }
    };
    let novelty = mean_of(
        scored
            .iter()
            .filter(|s| !s.list.is_empty())
            .map(|s| novelty(&s.list, &popularity, active_users))
            .collect(),
    );
    let diversity = genres.map(|g| {
        mean_of(
            scored
                .iter()
                .filter_map(|s| intra_list_diversity(&s.list, g))
                .collect(),
        )
    });
    let per_user: Vec<UserTopN> = scored.iter().map(|s| s.metrics).collect();
    let mean = mean_top_n(&per_user);
    let cov = coverage(
        scored.iter().map(|s| s.list.as_slice()),
        config.k,
        catalogue_size,
    );
    TopNReport {
        k: config.k,
        relevance_threshold: config.relevance_threshold,
        test_users: by_user.len(),
        users_evaluated: scored.len(),
        users_skipped_no_relevant: by_user.len() - scored.len(),
        users_without_train: scored.iter().filter(|s| s.cold).count(),
        catalogue_size,
        relevant_not_in_train: scored.iter().map(|s| s.unreachable).sum(),
        precision: mean.precision,
        recall: mean.recall,
        ndcg: mean.ndcg,
        hit_rate: mean.hit,
        mrr: mean.reciprocal_rank,
        coverage: cov,
        novelty,
        diversity,
        rank_seconds: start.elapsed().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::UserModel;

    /// Scores item i as `-(i as f32)`: always recommends the lowest indices.
    struct LowestFirst {
        train: RatingMatrix,
    }
    struct LowestUser<'a> {
        rated: &'a [u32],
    }
    impl UserModel for LowestUser<'_> {
        fn predict(&self, item: u32) -> f32 {
            -(item as f32)
        }
        fn rated(&self) -> &[u32] {
            self.rated
        }
    }
    impl Model for LowestFirst {
        fn name(&self) -> &str {
            "lowest"
        }
        fn n_items(&self) -> usize {
            self.train.n_items()
        }
        fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
            match who {
                Who::Known(u) => Box::new(LowestUser {
                    rated: self.train.user(u).items,
                }),
                Who::New(_) => Box::new(LowestUser { rated: &[] }),
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
    fn protocol_by_hand() {
        // 3 users, 6 items; item 5 never rated in train (not a candidate).
        let train = vec![
            r(0, 0, 3.0),
            r(0, 2, 4.0),
            r(1, 1, 5.0),
            r(1, 3, 2.0),
            r(2, 4, 4.0),
        ];
        let (train, _) = RatingMatrix::from_ratings(3, 6, train);
        let test = vec![
            // user 0: candidates 1,3,4 → top-2 [1,3]; relevant {3, 5} → hit at 2.
            r(0, 3, 4.5),
            r(0, 5, 4.0),
            r(0, 4, 1.0),
            // user 1: relevant none → skipped.
            r(1, 0, 3.5),
            // user 2: candidates 0,1,2,3 → [0,1]; relevant {0} → hit at 1.
            r(2, 0, 4.0),
        ];
        let model = LowestFirst {
            train: train.clone(),
        };
        let rep = evaluate_top_n(
            &model,
            &train,
            &test,
            &TopNConfig {
                k: 2,
                relevance_threshold: 4.0,
            },
        );
        assert_eq!(rep.test_users, 3);
        assert_eq!(rep.users_evaluated, 2);
        assert_eq!(rep.users_skipped_no_relevant, 1);
        assert_eq!(rep.catalogue_size, 5);
        assert_eq!(rep.relevant_not_in_train, 1);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} != {b}");
        close(rep.precision, (0.5 + 0.5) / 2.0);
        close(rep.recall, (0.5 + 1.0) / 2.0);
        close(rep.hit_rate, 1.0);
        close(rep.mrr, (0.5 + 1.0) / 2.0);
        let ndcg0 = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        close(rep.ndcg, (ndcg0 + 1.0) / 2.0);
        // Lists [1,3] and [0,1] → {0,1,3} of 5 train items.
        close(rep.coverage, 3.0 / 5.0);
    }

    #[test]
    fn users_without_training_ratings_are_ranked_and_counted() {
        let (train, _) = RatingMatrix::from_ratings(2, 4, vec![r(0, 0, 4.0), r(0, 1, 4.0)]);
        let model = LowestFirst {
            train: train.clone(),
        };
        // User 1 is in the matrix with no ratings; user 5 is outside it.
        let test = vec![r(1, 0, 5.0), r(5, 1, 5.0), r(5, 3, 4.5)];
        let rep = evaluate_top_n(
            &model,
            &train,
            &test,
            &TopNConfig {
                k: 1,
                relevance_threshold: 4.0,
            },
        );
        assert_eq!(rep.users_evaluated, 2);
        assert_eq!(rep.users_without_train, 2);
        // Both get [0]: user 1 hits, user 5 (relevant {1, 3}; 3 is not in train) misses.
        assert_eq!(rep.relevant_not_in_train, 1);
        assert!((rep.hit_rate - 0.5).abs() < 1e-12);
        assert!((rep.coverage - 0.5).abs() < 1e-12);
    }
}
