//! The server's one view of the engine: the shared, immutable [`ModelSet`] that every
//! request thread reads at once (behind an `Arc`), with lists addressed by their API
//! names and the stateless fold-in recommendation for ratings sent with each request.
//! Everything the HTTP layer needs from the engine goes through [`Models`].

use std::sync::Arc;

use crate::data::{Catalogue, Movie};
use crate::engine::{
    fit_lists, open_catalogue, trainers_for, trainers_for_dataset, ModelSet, OpenOptions,
    RecFilter, SearchHit, Stage,
};
use crate::models::Recommendation;

/// Where loading stands, for `/health`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadStage {
    pub stage: String,
    /// Overall fraction done (0-1), when known.
    pub progress: Option<f32>,
}

/// One recommendation list.
#[derive(Debug, Clone)]
pub struct RecList {
    pub entries: Vec<Recommendation>,
    /// True when there were too few ratings and the list is by popularity.
    pub popularity_based: bool,
}

/// Why the engine refused a request (the message is for the client).
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("unknown list {0:?} (lists: {1})")]
    UnknownList(String, String),
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
}

/// The dataset and trained models, shared by every request.
pub struct Models {
    set: Arc<ModelSet>,
}

impl Models {
    /// Opens the dataset and every configured list's model (saved snapshot, else
    /// training), reporting progress.
    pub fn open(opts: &OpenOptions, progress: &mut dyn FnMut(LoadStage)) -> anyhow::Result<Models> {
        Self::open_staged(opts, progress, &mut |_| {})
    }

    /// [`Models::open`] in two steps, as the TUI opens: `catalogue` gets the dataset
    /// alone (search, movie pages, star checks; no list) as soon as it is read, then
    /// every list's model is loaded or trained and the full set is returned.
    pub fn open_staged(
        opts: &OpenOptions,
        progress: &mut dyn FnMut(LoadStage),
        catalogue: &mut dyn FnMut(Models),
    ) -> anyhow::Result<Models> {
        let mut report = |s: Stage| {
            progress(LoadStage {
                stage: s.message,
                progress: s.overall,
            })
        };
        // Checked before the dataset is read, so a bad list name fails at once.
        trainers_for(opts)?;
        let set = open_catalogue(opts, &mut report)?;
        let trainers = trainers_for_dataset(opts, &set)?;
        // Searches answer from here on, so the indexes are built before, on this
        // loading thread, not inside the first requests.
        set.build_indexes();
        catalogue(Models {
            set: Arc::clone(&set),
        });
        let (set, _trainers) = fit_lists(&set, &trainers, opts, &mut report)?;
        Ok(Models { set })
    }

    /// The API names of the configured lists ("item-knn", "svd", …), in order.
    pub fn list_names(&self) -> Vec<String> {
        self.set
            .lists()
            .map(|(_, spec)| spec.name.clone())
            .collect()
    }

    /// The title of the list `name` finds ("Item-based", "SVD", …; empty for none).
    pub fn list_label(&self, name: &str) -> String {
        self.set
            .list_named(name)
            .and_then(|id| self.set.list_spec(id))
            .map(|s| s.label.clone())
            .unwrap_or_default()
    }

    /// The API name of the list `name` finds (its own name, a label, or the name of a
    /// model in the same role, see [`crate::engine::ModelSet::list_named`]).
    pub fn list_name_for(&self, name: &str) -> Option<String> {
        let id = self.set.list_named(name)?;
        self.set.list_spec(id).map(|s| s.name.clone())
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.set.dataset().catalogue
    }

    /// The dense item index of a MovieLens movie id.
    pub fn item_of(&self, movie_id: u32) -> Option<u32> {
        self.set.item_of(movie_id)
    }

    pub fn movie(&self, item: u32) -> &Movie {
        self.catalogue().movie(item)
    }

    pub fn search(&self, query: &str, n: usize) -> Vec<SearchHit> {
        self.set.search(query, n)
    }

    pub fn rating_count(&self, item: u32) -> u32 {
        self.set.rating_count(item)
    }

    pub fn mean_rating(&self, item: u32) -> f32 {
        self.set.mean_rating(item)
    }

    pub fn top_tags(&self, item: u32, n: usize) -> Vec<(String, usize)> {
        self.set.top_tags(item, n)
    }

    pub fn similar(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        self.set.similar(item, n)
    }

    /// Checks stars sent by a client: on the dataset's scale and its steps.
    pub fn check_stars(&self, stars: f32) -> Result<f32, PortError> {
        Ok(self.set.check_stars(stars)?)
    }

    /// Stateless fold-in: the top `n` of list `list` for `ratings` ((item, stars)
    /// sorted by item), leaving out rated movies and `exclude` (sorted).
    pub fn recommend_for(
        &self,
        ratings: &[(u32, f32)],
        exclude: &[u32],
        list: &str,
        n: usize,
        filter: &RecFilter,
    ) -> Result<RecList, PortError> {
        let id = self.set.list_named(list).ok_or_else(|| {
            PortError::UnknownList(list.to_string(), self.list_names().join(", "))
        })?;
        let rec = self.set.recommend_for(ratings, exclude, id, n, filter)?;
        Ok(RecList {
            entries: rec.entries,
            popularity_based: rec.popularity_based,
        })
    }
}
