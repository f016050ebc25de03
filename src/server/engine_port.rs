//! The server's one view of the engine: a shared, immutable model set that many request
//! threads read at once (`Send + Sync`, behind an `Arc`), and a stateless fold-in
//! recommendation for a list of ratings given with each request.
//!
//! Everything the HTTP layer needs from the engine goes through [`Models`], so a change
//! of the engine's API is a change of this file only.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::data::{Catalogue, LoadOptions, Movie};
use crate::engine::{Engine, ListKind, ModelSet, RecFilter, SearchHit, Trainers, EXPLAIN};
use crate::models::{top_n, Model, Recommendation, TopNFilter, UserModel, Who};

/// Recommendation lists the server offers, by their API names.
pub const LISTS: [&str; 2] = ["item-knn", "svd"];

/// Below this many ratings a list is by popularity (as in the TUI).
pub const MIN_PERSONAL_RATINGS: usize = crate::engine::MIN_PERSONAL_RATINGS;

/// Where loading stands, for `/health`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadStage {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

/// One recommendation list.
#[derive(Debug, Clone)]
pub struct RecList {
    pub entries: Vec<Recommendation>,
    /// True when there were too few ratings and the list is by popularity.
    pub popularity_based: bool,
}

/// Why the engine refused a request.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("unknown list {0:?} (lists: item-knn, svd)")]
    UnknownList(String),
    #[error("{0} stars is outside the rating scale {1}-{2}")]
    BadStars(f32, f32, f32),
}

/// The dataset and trained models, shared by every request.
pub struct Models {
    engine: Engine,
    item_based: Arc<dyn Model>,
    svd: Arc<dyn Model>,
}

/// Lets the engine and the server's fold-in share one fitted model (no copies).
struct SharedModel(Arc<dyn Model>);

impl Model for SharedModel {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn n_items(&self) -> usize {
        self.0.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        self.0.for_user(who)
    }
}

impl Models {
    /// Loads the dataset in `data_dir` and trains both models, reporting progress.
    pub fn load(
        data_dir: &Path,
        options: &LoadOptions,
        progress: &mut dyn FnMut(LoadStage),
    ) -> anyhow::Result<Models> {
        progress(LoadStage {
            stage: "loading the dataset".into(),
            done: 0,
            total: 1,
        });
        let dataset = crate::data::load(data_dir, options)
            .with_context(|| format!("cannot load MovieLens data from {}", data_dir.display()))?;
        let dataset = Arc::new(dataset);
        let set = Trainers::standard().fit(&dataset.ratings, &mut |kind, p| {
            progress(LoadStage {
                stage: format!("training {}: {}", kind.label(), p.stage),
                done: p.done,
                total: p.total,
            })
        });
        let item_based: Arc<dyn Model> = Arc::from(set.item_based);
        let svd: Arc<dyn Model> = Arc::from(set.svd);
        let engine_models = ModelSet {
            item_based: Box::new(SharedModel(Arc::clone(&item_based))),
            svd: Box::new(SharedModel(Arc::clone(&svd))),
            neighbours: set.neighbours,
        };
        let engine = Engine::new(
            dataset,
            engine_models,
            None,
            crate::profile::UserProfile::new("server"),
            None,
        );
        Ok(Models {
            engine,
            item_based,
            svd,
        })
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.engine.dataset().catalogue
    }

    /// The dense item index of a MovieLens movie id.
    pub fn item_of(&self, movie_id: u32) -> Option<u32> {
        self.catalogue().index_of(movie_id)
    }

    pub fn movie(&self, item: u32) -> &Movie {
        self.catalogue().movie(item)
    }

    pub fn search(&self, query: &str, n: usize) -> Vec<SearchHit> {
        self.engine.search(query, n)
    }

    pub fn rating_count(&self, item: u32) -> u32 {
        self.engine.rating_count(item)
    }

    pub fn mean_rating(&self, item: u32) -> f32 {
        self.engine.mean_rating(item)
    }

    pub fn top_tags(&self, item: u32, n: usize) -> Vec<(String, usize)> {
        self.engine.top_tags(item, n)
    }

    pub fn similar(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        self.engine.similar(item, n)
    }

    /// Rounds stars to the dataset's scale step; an error when off the scale.
    pub fn normalise_stars(&self, stars: f32) -> Result<f32, PortError> {
        self.engine.normalise_stars(stars).map_err(|_| {
            let s = self.engine.dataset().scale;
            PortError::BadStars(stars, s.min, s.max)
        })
    }

    fn admits(&self, item: u32, filter: &RecFilter) -> bool {
        let m = self.movie(item);
        if m.placeholder {
            return false;
        }
        if let Some(g) = filter.genre {
            if !m.genres.contains(g) {
                return false;
            }
        }
        if let Some((lo, hi)) = filter.years {
            match m.year {
                Some(y) if y >= lo && y <= hi => {}
                _ => return false,
            }
        }
        self.rating_count(item) >= filter.min_ratings
    }

    /// Stateless fold-in: the top `n` of `list` for `ratings` ((item, stars) sorted by
    /// item), leaving out rated movies and `exclude` (sorted). With fewer than
    /// [`MIN_PERSONAL_RATINGS`] ratings the list is the most rated movies.
    pub fn recommend_for(
        &self,
        ratings: &[(u32, f32)],
        exclude: &[u32],
        list: &str,
        n: usize,
        filter: &RecFilter,
    ) -> Result<RecList, PortError> {
        let (model, kind) = match list {
            "item-knn" => (&self.item_based, ListKind::ItemBased),
            "svd" => (&self.svd, ListKind::Svd),
            other => return Err(PortError::UnknownList(other.to_string())),
        };
        let user = model.for_user(Who::New(ratings));
        let n_items = model.n_items().min(self.catalogue().len());
        if ratings.len() < MIN_PERSONAL_RATINGS {
            let rated = |i: u32| ratings.binary_search_by_key(&i, |r| r.0).is_ok();
            let mut items: Vec<u32> = (0..self.catalogue().len() as u32)
                .filter(|&i| !rated(i) && exclude.binary_search(&i).is_err())
                .filter(|&i| self.admits(i, filter))
                .collect();
            let key = |i: u32| (self.rating_count(i), self.mean_rating(i));
            items.sort_by(|&a, &b| {
                let (ca, ma) = key(a);
                let (cb, mb) = key(b);
                cb.cmp(&ca).then(mb.total_cmp(&ma)).then(a.cmp(&b))
            });
            items.truncate(n);
            let entries = items
                .into_iter()
                .map(|item| Recommendation {
                    item,
                    predicted: if (item as usize) < n_items {
                        user.predict(item)
                    } else {
                        f32::NAN
                    },
                    score: self.rating_count(item) as f32,
                    because: Vec::new(),
                })
                .collect();
            return Ok(RecList {
                entries,
                popularity_based: true,
            });
        }
        let allow = |i: u32| self.admits(i, filter);
        let top_filter = TopNFilter {
            allow: Some(&allow),
            exclude,
        };
        let explain = if kind == ListKind::ItemBased {
            EXPLAIN
        } else {
            0
        };
        Ok(RecList {
            entries: top_n(user.as_ref(), n_items, n, &top_filter, explain),
            popularity_based: false,
        })
    }
}
