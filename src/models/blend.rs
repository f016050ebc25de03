//! `blend`: a fixed-weight average of other models' predicted ratings.
//!
//! The default blend averages item-kNN (KNNBaseline) and SVD with equal weights: the two
//! make different errors (neighbourhoods versus global factors), so their mean predicts
//! better than either. The weights are fixed, not fitted on any test data. Top-N lists are
//! ordered by one chosen member's ranking score (SVD's, which ranks best), and
//! explanations come from the first member that gives any (item-kNN's "because you rated").

use super::{Model, UserModel, Who};

/// Models and their weights (summing to 1), and which member orders top-N lists.
pub struct Blend {
    members: Vec<(Box<dyn Model>, f32)>,
    ranker: usize,
}

impl Blend {
    /// Weights are normalised to sum to 1. `ranker` indexes the member whose
    /// `rank_score` orders lists. Returns `None` for no members, a bad index or
    /// non-positive total weight.
    pub fn new(members: Vec<(Box<dyn Model>, f32)>, ranker: usize) -> Option<Self> {
        let total: f32 = members.iter().map(|(_, w)| *w).sum();
        if members.is_empty() || ranker >= members.len() || total <= 0.0 || !total.is_finite() {
            return None;
        }
        let members = members.into_iter().map(|(m, w)| (m, w / total)).collect();
        Some(Blend { members, ranker })
    }
}

impl Model for Blend {
    fn name(&self) -> &str {
        "blend"
    }
    fn n_items(&self) -> usize {
        self.members[0].0.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        Box::new(BlendUser {
            users: self
                .members
                .iter()
                .map(|(m, w)| (m.for_user(who), *w))
                .collect(),
            ranker: self.ranker,
        })
    }
}

struct BlendUser<'a> {
    users: Vec<(Box<dyn UserModel + 'a>, f32)>,
    ranker: usize,
}

impl UserModel for BlendUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        self.users.iter().map(|(u, w)| w * u.predict(item)).sum()
    }
    fn rank_score(&self, item: u32) -> f32 {
        self.users[self.ranker].0.rank_score(item)
    }
    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        self.users
            .iter()
            .map(|(u, _)| u.explain(item, max))
            .find(|e| !e.is_empty())
            .unwrap_or_default()
    }
    fn rated(&self) -> &[u32] {
        self.users[0].0.rated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Constant {
        value: f32,
        rated: Vec<u32>,
    }
    struct ConstantUser<'a>(&'a Constant);
    impl Model for Constant {
        fn name(&self) -> &str {
            "constant"
        }
        fn n_items(&self) -> usize {
            3
        }
        fn for_user<'a>(&'a self, _who: Who<'a>) -> Box<dyn UserModel + 'a> {
            Box::new(ConstantUser(self))
        }
    }
    impl UserModel for ConstantUser<'_> {
        fn predict(&self, _item: u32) -> f32 {
            self.0.value
        }
        fn rank_score(&self, item: u32) -> f32 {
            self.0.value * 10.0 + item as f32
        }
        fn rated(&self) -> &[u32] {
            &self.0.rated
        }
    }

    #[test]
    fn weighted_mean_and_designated_ranker() {
        let a = Box::new(Constant {
            value: 2.0,
            rated: vec![1],
        });
        let b = Box::new(Constant {
            value: 4.0,
            rated: vec![1],
        });
        let blend = Blend::new(vec![(a, 1.0), (b, 3.0)], 1).expect("valid");
        let user = blend.for_user(Who::New(&[(1, 4.0)]));
        assert!((user.predict(0) - 3.5).abs() < 1e-6);
        assert_eq!(user.rank_score(2), 42.0);
        assert_eq!(user.rated(), &[1]);
        assert!(Blend::new(Vec::new(), 0).is_none());
    }
}
