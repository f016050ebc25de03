//! Popularity: lists the most-rated movies; predicts each movie's damped mean
//! rating `(Σ r + m·μ) / (n + m)`, which pulls movies with few ratings towards the
//! global mean. The same list for everyone (minus what they rated).

use super::similarity::{clean_profile, clip, clip_range, UserRows};
use super::{Model, Progress, UserModel, Who};
use crate::data::{RatingMatrix, RatingScale};

/// What the top-N list of [`Popular`] is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopularRank {
    /// Number of ratings; ties by damped mean.
    Count,
    /// Damped mean rating; ties by count.
    DampedMean,
}

/// Settings of [`Popular::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct PopularConfig {
    /// Pseudo-ratings at the global mean added to every movie (m).
    pub damping: f32,
    pub rank: PopularRank,
    /// Clipping scale; `None` uses the range of the training ratings.
    pub scale: Option<RatingScale>,
}

impl Default for PopularConfig {
    fn default() -> Self {
        PopularConfig {
            damping: 5.0,
            rank: PopularRank::Count,
            scale: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Popular {
    counts: Vec<u32>,
    damped_mean: Vec<f32>,
    mu: f32,
    max_count: f32,
    rank: PopularRank,
    range: (f32, f32),
    rows: UserRows,
}

impl Popular {
    pub fn fit(
        train: &RatingMatrix,
        config: &PopularConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let mu = train.global_mean();
        let m = config.damping.max(0.0) as f64;
        let n_items = train.n_items();
        let mut counts = Vec::with_capacity(n_items);
        let mut damped_mean = Vec::with_capacity(n_items);
        for i in 0..n_items {
            let col = train.item(i);
            let sum: f64 = col.values.iter().map(|&v| v as f64).sum();
            let n = col.len() as f64;
            counts.push(col.len() as u32);
            damped_mean.push(if n + m > 0.0 {
                ((sum + m * mu) / (n + m)) as f32
            } else {
                mu as f32
            });
        }
        progress(Progress {
            stage: "counting".into(),
            done: 1,
            total: 1,
        });
        let max_count = counts.iter().copied().max().unwrap_or(0) as f32;
        Popular {
            counts,
            damped_mean,
            mu: mu as f32,
            max_count,
            rank: config.rank,
            range: clip_range(train, config.scale),
            rows: UserRows::from_matrix(train),
        }
    }

    /// Number of training ratings of `item` (0 outside the matrix).
    pub fn count(&self, item: u32) -> u32 {
        self.counts.get(item as usize).copied().unwrap_or(0)
    }

    /// Damped mean of `item` (the global mean outside the matrix).
    pub fn damped_mean(&self, item: u32) -> f32 {
        self.damped_mean
            .get(item as usize)
            .copied()
            .unwrap_or(self.mu)
    }
}

impl Model for Popular {
    fn name(&self) -> &str {
        "popular"
    }
    fn n_items(&self) -> usize {
        self.counts.len()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        let rated = match who {
            Who::Known(u) => self.rows.row(u).0.to_vec(),
            Who::New(p) => clean_profile(p, self.counts.len())
                .into_iter()
                .map(|(i, _)| i)
                .collect(),
        };
        Box::new(PopularUser { model: self, rated })
    }
}

struct PopularUser<'a> {
    model: &'a Popular,
    rated: Vec<u32>,
}

impl UserModel for PopularUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        clip(self.model.damped_mean(item), self.model.range)
    }
    fn rank_score(&self, item: u32) -> f32 {
        let count = self.model.count(item) as f32;
        let mean = self.model.damped_mean(item);
        match self.model.rank {
            // The mean is at most a few units: scaled below 1 it only breaks ties.
            PopularRank::Count => count + mean / 16.0,
            PopularRank::DampedMean => mean + count / (16.0 * (1.0 + self.model.max_count)),
        }
    }
    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;
    use crate::models::{top_n, TopNFilter};

    #[test]
    fn ranks_by_count_and_predicts_damped_mean() {
        let r = |user, item, value| Rating {
            user,
            item,
            value,
            time: 0,
        };
        let (m, _) = RatingMatrix::from_ratings(
            3,
            3,
            vec![
                r(0, 0, 1.0),
                r(1, 0, 2.0),
                r(2, 0, 3.0),
                r(0, 1, 5.0),
                r(1, 1, 5.0),
                r(2, 2, 5.0),
            ],
        );
        let p = Popular::fit(&m, &PopularConfig::default(), &mut |_| {});
        let mu = 21.0f32 / 6.0;
        assert!((p.damped_mean(2) - (5.0 + 5.0 * mu) / 6.0).abs() < 1e-5);
        let user = p.for_user(Who::New(&[]));
        let items: Vec<u32> = top_n(user.as_ref(), 3, 3, &TopNFilter::NONE, 0)
            .iter()
            .map(|r| r.item)
            .collect();
        assert_eq!(items, vec![0, 1, 2]);
        let known = p.for_user(Who::Known(2));
        assert_eq!(known.rated(), &[0, 2]);
    }
}
