//! The discovery dial: re-ranking with a popularity penalty, from "popular" (0) to
//! "hidden gems" (1).
//!
//! Every model's list leans on blockbusters, because they are what most people rate
//! and like. The dial `d ∈ [0, 1]` lowers each candidate's ranking score in proportion
//! to its normalised log-popularity `p̃_i = ln(1 + n_i) / ln(1 + max n)` (`n_i`: the
//! movie's number of training ratings), measured in units of the spread of this user's
//! own scores so that the dial means the same for every model:
//!
//! `score'_i = score_i − d · STRENGTH · σ_u · p̃_i`
//!
//! with `σ_u` the standard deviation of the user's finite scores over the movies they
//! have not rated. At `d = 0` the scores are returned unchanged (the ranking is exactly
//! the model's); at `d = 1` the most popular movie loses [`STRENGTH`] standard
//! deviations. Top-N scores are heavy-tailed (a user's best movies sit many deviations
//! above the mean), so a penalty of 3 deviations barely moved the lists (coverage
//! 0.039 → 0.044 for EASE on ml-latest-small); 10 makes the far end of the dial a real
//! "hidden gems" setting while relevance still decides among similarly popular movies.
//! Predictions and explanations are the model's own.

use super::{Model, UserModel, Who};
use crate::data::RatingMatrix;

/// Score penalty, in standard deviations of the user's scores, of the most popular
/// movie at full dial.
pub const STRENGTH: f32 = 10.0;

/// Normalised log-popularity of every movie, in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Popularity {
    normalised: Vec<f32>,
}

impl Popularity {
    /// From the number of training ratings of each movie.
    pub fn from_matrix(train: &RatingMatrix) -> Self {
        Self::from_counts(
            &(0..train.n_items())
                .map(|i| train.item_count(i))
                .collect::<Vec<_>>(),
        )
    }

    pub fn from_counts(counts: &[usize]) -> Self {
        let max = counts.iter().copied().max().unwrap_or(0);
        let denom = (1.0 + max as f32).ln();
        let normalised = counts
            .iter()
            .map(|&c| {
                if denom > 0.0 {
                    (1.0 + c as f32).ln() / denom
                } else {
                    0.0
                }
            })
            .collect();
        Popularity { normalised }
    }

    /// `p̃_i` (0 for a movie outside the table).
    pub fn of(&self, item: u32) -> f32 {
        self.normalised.get(item as usize).copied().unwrap_or(0.0)
    }

    pub fn len(&self) -> usize {
        self.normalised.len()
    }

    pub fn is_empty(&self) -> bool {
        self.normalised.is_empty()
    }
}

/// The adjusted score of one movie (see the module documentation); `spread` is `σ_u`.
pub fn adjusted_score(score: f32, popularity: f32, dial: f32, spread: f32) -> f32 {
    if dial <= 0.0 {
        return score;
    }
    score - dial.min(1.0) * STRENGTH * spread * popularity
}

/// Standard deviation of a user's finite ranking scores over the movies they have not
/// rated (0 if fewer than two).
pub fn score_spread(user: &dyn UserModel, n_items: usize) -> f32 {
    let rated = user.rated();
    let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
    for i in 0..n_items as u32 {
        if rated.binary_search(&i).is_ok() {
            continue;
        }
        let s = user.rank_score(i);
        if s.is_finite() {
            n += 1.0;
            sum += s as f64;
            sq += (s as f64) * (s as f64);
        }
    }
    if n < 2.0 {
        return 0.0;
    }
    let mean = sum / n;
    ((sq / n - mean * mean).max(0.0)).sqrt() as f32
}

/// A user model whose ranking scores carry the popularity penalty.
pub struct DiscoveryUser<'a> {
    inner: Box<dyn UserModel + 'a>,
    popularity: &'a Popularity,
    dial: f32,
    spread: f32,
}

/// Wraps `user` with the dial at `dial` (clamped to `[0, 1]`); `n_items` is the range
/// of movies ranked (for the score spread). At 0 the wrapper changes nothing.
pub fn with_discovery<'a>(
    user: Box<dyn UserModel + 'a>,
    popularity: &'a Popularity,
    dial: f32,
    n_items: usize,
) -> DiscoveryUser<'a> {
    let dial = if dial.is_finite() {
        dial.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let spread = if dial > 0.0 {
        score_spread(user.as_ref(), n_items)
    } else {
        0.0
    };
    DiscoveryUser {
        inner: user,
        popularity,
        dial,
        spread,
    }
}

impl UserModel for DiscoveryUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        self.inner.predict(item)
    }
    fn rank_score(&self, item: u32) -> f32 {
        adjusted_score(
            self.inner.rank_score(item),
            self.popularity.of(item),
            self.dial,
            self.spread,
        )
    }
    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        self.inner.explain(item, max)
    }
    fn rated(&self) -> &[u32] {
        self.inner.rated()
    }
}

/// Any model with the dial applied to every user (for evaluation).
pub struct WithDiscovery<'m> {
    model: &'m dyn Model,
    popularity: Popularity,
    dial: f32,
}

impl<'m> WithDiscovery<'m> {
    pub fn new(model: &'m dyn Model, popularity: Popularity, dial: f32) -> Self {
        WithDiscovery {
            model,
            popularity,
            dial,
        }
    }
}

impl Model for WithDiscovery<'_> {
    fn name(&self) -> &str {
        self.model.name()
    }
    fn n_items(&self) -> usize {
        self.model.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        Box::new(with_discovery(
            self.model.for_user(who),
            &self.popularity,
            self.dial,
            self.model.n_items(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{top_n, TopNFilter};

    struct Fixed {
        scores: Vec<f32>,
        rated: Vec<u32>,
    }
    impl UserModel for Fixed {
        fn predict(&self, item: u32) -> f32 {
            self.scores[item as usize]
        }
        fn rated(&self) -> &[u32] {
            &self.rated
        }
    }

    fn fixture() -> (Vec<f32>, Popularity) {
        let mut rng = fastrand::Rng::with_seed(1);
        let scores: Vec<f32> = (0..200).map(|_| rng.f32() * 3.0 - 1.0).collect();
        // Popularity falls with the index, as sorted catalogues often do.
        let counts: Vec<usize> = (0..200).map(|i| 1000 / (i + 1)).collect();
        (scores, Popularity::from_counts(&counts))
    }

    fn ranking(user: &dyn UserModel) -> Vec<u32> {
        top_n(user, 200, 200, &TopNFilter::NONE, 0)
            .into_iter()
            .map(|r| r.item)
            .collect()
    }

    #[test]
    fn dial_at_zero_leaves_the_ranking_unchanged() {
        let (scores, pop) = fixture();
        let plain = Fixed {
            scores: scores.clone(),
            rated: vec![3, 9],
        };
        let dialled = with_discovery(
            Box::new(Fixed {
                scores,
                rated: vec![3, 9],
            }),
            &pop,
            0.0,
            200,
        );
        assert_eq!(ranking(&plain), ranking(&dialled));
        for i in 0..200 {
            assert_eq!(plain.rank_score(i), dialled.rank_score(i));
        }
    }

    #[test]
    fn turning_the_dial_lowers_the_popularity_of_the_list() {
        let (scores, pop) = fixture();
        let mean_pop = |dial: f32| {
            let user = with_discovery(
                Box::new(Fixed {
                    scores: scores.clone(),
                    rated: Vec::new(),
                }),
                &pop,
                dial,
                200,
            );
            let top: Vec<u32> = ranking(&user).into_iter().take(10).collect();
            top.iter().map(|&i| pop.of(i)).sum::<f32>() / 10.0
        };
        let steps: Vec<f32> = [0.0, 0.25, 0.5, 0.75, 1.0].map(mean_pop).to_vec();
        assert!(
            steps.windows(2).all(|w| w[1] <= w[0]),
            "mean popularity should not rise with the dial: {steps:?}"
        );
        assert!(steps[4] < steps[0], "{steps:?}");
    }

    #[test]
    fn popularity_is_normalised_log_counts() {
        let p = Popularity::from_counts(&[0, 1, 9, 99]);
        assert_eq!(p.of(0), 0.0);
        assert!((p.of(3) - 1.0).abs() < 1e-6);
        assert!((p.of(2) - 0.5).abs() < 1e-6);
        assert_eq!(p.of(10), 0.0);
    }
}
