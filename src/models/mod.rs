//! Recommendation models. Each fits on a [`RatingMatrix`], predicts, folds in a
//! new user (a profile that is not in the training data) and ranks top-N.
//!
//! The shape every model shares:
//! - a constructor `fit(train, &Config, &mut dyn FnMut(Progress)) -> Self` (model-specific);
//! - [`Model::for_user`] turns a [`Who`] (a training user, or a new profile) into a
//!   [`UserModel`], doing any per-user work (e.g. the fold-in solve) once;
//! - [`UserModel::predict`] gives a predicted rating, [`UserModel::rank_score`] the score
//!   top-N lists are ordered by, [`UserModel::explain`] the rated movies behind a score;
//! - [`top_n`] ranks candidates for any model.

pub mod als;
pub mod baseline;
pub mod blend;
pub mod discovery;
pub mod ease;
pub mod factors;
pub mod hybrid;
pub mod implicit;
pub mod item_knn;
#[cfg(feature = "ncf")]
pub mod ncf;
pub mod parallel;
pub mod popular;
pub mod registry;
pub mod similarity;
pub mod store;
pub mod svd;
pub mod topn;
pub mod user_knn;

pub use topn::{top_n, Recommendation, TopNFilter};

use crate::data::RatingMatrix;

/// A user's own ratings: (dense item index, rating), sorted by item index, no repeats.
pub type Profile = Vec<(u32, f32)>;

/// Whom to predict for.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A user of the training matrix, by dense index.
    Known(usize),
    /// A user not in the training data, given by their ratings (sorted by item).
    New(&'a [(u32, f32)]),
}

impl<'a> Who<'a> {
    /// This user's ratings as (item, rating) pairs, sorted by item.
    pub fn ratings(&self, train: &'a RatingMatrix) -> Vec<(u32, f32)> {
        match *self {
            Who::Known(u) => {
                let row = train.user(u);
                row.items
                    .iter()
                    .copied()
                    .zip(row.values.iter().copied())
                    .collect()
            }
            Who::New(p) => p.to_vec(),
        }
    }
}

/// Progress of a long fit, for front-ends to display.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// What is being done ("epoch", "similarities", …).
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

/// A fitted model.
pub trait Model: Send + Sync {
    /// Short name as used by `--algo` ("baseline", "item-knn", "svd", …).
    fn name(&self) -> &str;
    /// Number of items the model knows (the training matrix's `n_items`).
    fn n_items(&self) -> usize;
    /// Per-user view: does the per-user work (fold-in) once.
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a>;
    /// The `n` movies most similar to `item`, strongest first, for models that keep
    /// item neighbours ("similar movies"); `None` for the others.
    fn similar_items(&self, _item: u32, _n: usize) -> Option<Vec<(u32, f32)>> {
        None
    }
    /// The fitted parameters for [`store`] (`None`: this model is not saved and is
    /// retrained at every start). Loaded back by [`registry::from_snapshot`].
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        None
    }
}

/// A shared model is a model (the `ease` and `svd-ease` lists share one fitted EASE).
impl<M: Model + ?Sized> Model for std::sync::Arc<M> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn n_items(&self) -> usize {
        (**self).n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        (**self).for_user(who)
    }
    fn similar_items(&self, item: u32, n: usize) -> Option<Vec<(u32, f32)>> {
        (**self).similar_items(item, n)
    }
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        (**self).snapshot()
    }
}

/// A model specialised to one user.
pub trait UserModel {
    /// Predicted rating, clipped to the rating scale.
    fn predict(&self, item: u32) -> f32;
    /// The score top-N lists are ordered by (higher is better). Defaults to the prediction.
    fn rank_score(&self, item: u32) -> f32 {
        self.predict(item)
    }
    /// Rated movies that contributed most to this item's score, with their weight,
    /// strongest first (empty where the model has no such notion).
    fn explain(&self, _item: u32, _max: usize) -> Vec<(u32, f32)> {
        Vec::new()
    }
    /// The items this user has rated (excluded from top-N), sorted.
    fn rated(&self) -> &[u32];
}
