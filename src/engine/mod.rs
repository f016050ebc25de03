//! The engine: the one door every front-end (TUI, CLI, HTTP server) goes through.
//!
//! Two layers:
//! - [`ModelSet`]: the dataset, per-movie statistics, the search index and the fitted
//!   model of every configured list. Immutable once built and shared behind an `Arc`,
//!   so any number of sessions and server threads use one copy at the same time.
//! - [`Session`]: one person's profile (ratings, watchlist, not-interested, undo,
//!   saving) over a `ModelSet`. Rating a movie updates its lists at once through the
//!   models' fold-in ([`crate::models::Model::for_user`] with
//!   [`crate::models::Who::New`]); nothing is retrained.
//!
//! [`open`] builds both from a dataset folder (models from their snapshots on disk, or
//! trained and then saved). Movies are named by their dense item index (see
//! [`crate::data::Catalogue`]); profiles on disk use MovieLens ids.
//!
//! Lists are data: a [`ListSpec`] names a model of the registry
//! ([`crate::models::registry`]) and a label; the front-ends show whatever lists the
//! model set was built with, in order, and name them by [`ListId`].

mod filter;
pub mod import;
pub mod open;
pub mod resolve;
pub mod search;
pub mod session;
pub mod stats;

pub use open::{
    fit_lists, load_dataset, open, open_catalogue, open_models, open_staged, trainers_for,
    trainers_for_dataset, OpenOptions, Stage,
};
pub use search::{SearchHit, SearchIndex, SearchReply, SearchResults, SearchWorker};
pub use session::{EngineEvent, Session, UndoStep};
pub use stats::ItemStats;

/// The per-profile engine; the name the front-ends grew up with.
pub type Engine = Session;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::data::{Dataset, RatingMatrix};
use crate::models::{registry, top_n, Model, Progress, Recommendation, TopNFilter, Who};
use crate::profile::ProfileError;

/// Below this many ratings, "For you" lists are popularity-based (and say so).
pub const MIN_PERSONAL_RATINGS: usize = 5;
/// How many rated movies a recommendation names as its reason.
pub const EXPLAIN: usize = 3;
/// The lists shown when the configuration names none: the two the product promises,
/// an item-based list (EASE's learned item-item weights) and an SVD list (the factor
/// model's ranking blended with EASE). Both rank better than `item-knn` and `svd` on
/// every top-N split measured (README, "Accuracy and speed"); those two stay in the
/// registry, and their names still find these lists ([`ModelSet::list_named`]).
pub const DEFAULT_LISTS: &[&str] = &["ease", "svd-ease"];

/// The default lists on a catalogue too large for EASE's dense closed form (see
/// [`open::trainers_for_dataset`]).
pub const LARGE_DATASET_LISTS: &[&str] = &["item-knn", "svd"];

/// One recommendation list: which registry model makes it and how it is labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSpec {
    /// Registry name of the model ("item-knn", "svd", …); also the list's id in the
    /// CLI (`--algo`) and the HTTP API (`list=`).
    pub name: String,
    /// Shown as the pane title ("Item-based", "SVD", …).
    pub label: String,
}

impl ListSpec {
    /// The list for registry model `name`, with the registry's label.
    pub fn named(name: &str) -> Result<Self, EngineError> {
        registry::check_name(name).map_err(|e| EngineError::UnknownList(e.to_string()))?;
        Ok(ListSpec {
            name: name.to_string(),
            label: registry::label(name).to_string(),
        })
    }
}

/// A list of a model set, by position (the order the lists were configured in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListId(pub usize);

/// Trains one model on a rating matrix, reporting progress; `Err` says why it could not.
pub type TrainFn = Arc<
    dyn Fn(&RatingMatrix, &mut dyn FnMut(Progress)) -> Result<Box<dyn Model>, String> + Send + Sync,
>;

/// How to (re)train one list's model.
#[derive(Clone)]
pub struct Trainer {
    pub spec: ListSpec,
    pub fit: TrainFn,
}

/// How to (re)train every list, in display order.
#[derive(Clone)]
pub struct Trainers(pub Vec<Trainer>);

impl Trainers {
    /// The registry's models for `names`, default settings, seed 42.
    pub fn named(names: &[&str]) -> Result<Self, EngineError> {
        let mut out = Vec::with_capacity(names.len());
        for &name in names {
            let spec = ListSpec::named(name)?;
            let owned = name.to_string();
            out.push(Trainer {
                spec,
                fit: Arc::new(move |m: &RatingMatrix, p: &mut dyn FnMut(Progress)| {
                    registry::fit_by_name(&owned, m, registry::DEFAULT_SEED, p)
                        .map_err(|e| e.to_string())
                }),
            });
        }
        if out.is_empty() {
            return Err(EngineError::UnknownList("no lists configured".into()));
        }
        Ok(Trainers(out))
    }

    /// reel's standard lists ([`DEFAULT_LISTS`]).
    pub fn standard() -> Self {
        match Self::named(DEFAULT_LISTS) {
            Ok(t) => t,
            Err(e) => unreachable!("the default lists are registry models: {e}"),
        }
    }

    pub fn specs(&self) -> Vec<ListSpec> {
        self.0.iter().map(|t| t.spec.clone()).collect()
    }

    /// Fits every list's model in order, reporting progress per list.
    pub fn fit(
        &self,
        train: &RatingMatrix,
        progress: &mut dyn FnMut(ListId, Progress),
    ) -> Result<Vec<Arc<dyn Model>>, EngineError> {
        self.0
            .iter()
            .enumerate()
            .map(|(k, t)| {
                (t.fit)(train, &mut |p| progress(ListId(k), p))
                    .map(Arc::from)
                    .map_err(|why| EngineError::Train(t.spec.name.clone(), why))
            })
            .collect()
    }
}

/// Which candidates a recommendation list may contain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecFilter {
    /// Genre indices (into `Catalogue::genre_names`): a movie passes with any of them;
    /// empty: every genre.
    pub genres: Vec<usize>,
    /// Genre indices a movie must have none of.
    pub exclude_genres: Vec<usize>,
    /// Inclusive year range; movies without a year are left out when set.
    pub years: Option<(u16, u16)>,
    /// Minimum number of ratings in the dataset.
    pub min_ratings: u32,
}

/// A recommendation list with how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct RecList {
    pub list: ListId,
    pub entries: Vec<Recommendation>,
    /// True when the profile has too few ratings and the list is by popularity.
    pub popularity_based: bool,
}

/// Engine errors.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no movie with index {0}")]
    NoSuchMovie(u32),
    #[error("{0} stars is not on the rating scale: use {1} to {2} in steps of {3}")]
    BadStars(f32, f32, f32, f32),
    #[error("unknown list: {0}")]
    UnknownList(String),
    #[error("saving the profile failed: {0}")]
    Save(#[from] ProfileError),
    #[error("training {0} failed: {1}")]
    Train(String, String),
    #[error("a retrain is already running")]
    RetrainRunning,
    #[error("this engine was built without trainers, so it cannot retrain")]
    NoTrainers,
    #[error("could not start a background thread: {0}")]
    Thread(std::io::Error),
    #[error("the models were made for another dataset")]
    OtherDataset,
}

/// One fitted list.
pub struct TrainedList {
    pub spec: ListSpec,
    pub model: Arc<dyn Model>,
    pub origin: ListOrigin,
}

/// Where a list's model came from when the model set was opened.
#[derive(Debug, Clone, PartialEq)]
pub enum ListOrigin {
    /// Read from its saved snapshot.
    Loaded {
        file: std::path::PathBuf,
        seconds: f64,
    },
    /// Trained now; `saved` names the snapshot written (None: not saved, and why).
    Trained {
        seconds: f64,
        saved: Result<std::path::PathBuf, String>,
    },
    /// Trained in a background retrain or a test, never saved.
    Fitted,
}

/// The shared, immutable part: dataset, statistics, search index, fitted lists.
pub struct ModelSet {
    dataset: Arc<Dataset>,
    stats: Arc<ItemStats>,
    /// Built on first use (commands that only rank never pay for it), then shared by
    /// every model set over this dataset.
    search: Arc<OnceLock<Arc<SearchIndex>>>,
    lists: Vec<TrainedList>,
}

impl ModelSet {
    /// A model set from fitted lists (statistics are computed here, the search index
    /// when first needed).
    pub fn new(dataset: Arc<Dataset>, lists: Vec<TrainedList>) -> Self {
        let stats = Arc::new(ItemStats::new(&dataset));
        ModelSet {
            dataset,
            stats,
            search: Arc::new(OnceLock::new()),
            lists,
        }
    }

    fn index(&self) -> &Arc<SearchIndex> {
        self.search.get_or_init(|| {
            Arc::new(SearchIndex::new(
                &self.dataset.catalogue,
                &self.stats.counts,
            ))
        })
    }

    /// Fits `trainers` on the dataset.
    pub fn train(
        dataset: Arc<Dataset>,
        trainers: &Trainers,
        progress: &mut dyn FnMut(ListId, Progress),
    ) -> Result<Self, EngineError> {
        let models = trainers.fit(&dataset.ratings, progress)?;
        let lists = trainers
            .0
            .iter()
            .zip(models)
            .map(|(t, model)| TrainedList {
                spec: t.spec.clone(),
                model,
                origin: ListOrigin::Fitted,
            })
            .collect();
        Ok(Self::new(dataset, lists))
    }

    /// The same dataset, statistics and search with other fitted lists (a retrain).
    pub fn with_lists(&self, lists: Vec<TrainedList>) -> Self {
        ModelSet {
            dataset: Arc::clone(&self.dataset),
            stats: Arc::clone(&self.stats),
            search: Arc::clone(&self.search),
            lists,
        }
    }

    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    pub fn dataset_arc(&self) -> Arc<Dataset> {
        Arc::clone(&self.dataset)
    }

    pub fn stats(&self) -> &ItemStats {
        &self.stats
    }

    pub fn n_items(&self) -> usize {
        self.dataset.catalogue.len()
    }

    /// The configured lists, in display order.
    pub fn lists(&self) -> impl ExactSizeIterator<Item = (ListId, &ListSpec)> {
        self.lists
            .iter()
            .enumerate()
            .map(|(k, l)| (ListId(k), &l.spec))
    }

    pub fn list_ids(&self) -> Vec<ListId> {
        (0..self.lists.len()).map(ListId).collect()
    }

    pub fn list_spec(&self, list: ListId) -> Option<&ListSpec> {
        self.lists.get(list.0).map(|l| &l.spec)
    }

    /// The list whose model is registry model `name` ("ease", …), else whose label is
    /// `name` (case-insensitive), else the list in the role of registry model `name`
    /// (same label: "item-knn" finds the item-based list, "svd" the SVD list, so API
    /// clients and scripts written before the default lists changed keep working).
    pub fn list_named(&self, name: &str) -> Option<ListId> {
        let by = |f: &dyn Fn(&ListSpec) -> bool| self.lists.iter().position(|l| f(&l.spec));
        by(&|s| s.name == name)
            .or_else(|| by(&|s| s.label.eq_ignore_ascii_case(name)))
            .or_else(|| {
                registry::check_name(name).ok()?;
                let role = registry::label(name);
                by(&|s| s.label == role)
            })
            .map(ListId)
    }

    /// Where a list's model came from (snapshot or training).
    pub fn list_origin(&self, list: ListId) -> Option<&ListOrigin> {
        self.lists.get(list.0).map(|l| &l.origin)
    }

    /// A list's fitted model.
    pub fn model(&self, list: ListId) -> Option<&dyn Model> {
        self.lists.get(list.0).map(|l| l.model.as_ref())
    }

    /// Item index of a MovieLens movie id.
    pub fn item_of(&self, movie_id: u32) -> Option<u32> {
        self.dataset.catalogue.index_of(movie_id)
    }

    /// Builds the search and tag indexes now (else the first search or movie page
    /// pays for them): for front-ends that hand the catalogue over before the lists.
    pub fn build_indexes(&self) {
        self.index();
        self.stats.top_tags(&self.dataset, 0, 0);
    }

    /// The search index (shareable with a [`SearchWorker`]).
    pub fn search_index(&self) -> Arc<SearchIndex> {
        Arc::clone(self.index())
    }

    /// Synchronous search (front-ends with a UI thread should use a [`SearchWorker`]).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        self.index().search(query, limit)
    }

    /// [`ModelSet::search`] with the true number of matches beyond `limit`.
    pub fn search_counted(&self, query: &str, limit: usize) -> SearchResults {
        self.index().search_counted(query, limit)
    }

    /// Number of ratings of a movie in the dataset.
    pub fn rating_count(&self, item: u32) -> u32 {
        self.stats.counts.get(item as usize).copied().unwrap_or(0)
    }

    /// Mean MovieLens rating of a movie (0 when unrated).
    pub fn mean_rating(&self, item: u32) -> f32 {
        self.stats.means.get(item as usize).copied().unwrap_or(0.0)
    }

    /// The most used tags of a movie, with counts.
    pub fn top_tags(&self, item: u32, n: usize) -> Vec<(String, usize)> {
        self.stats.top_tags(&self.dataset, item, n)
    }

    /// Rounds stars to the dataset's scale step and checks the range: the one star rule
    /// for every front-end.
    pub fn normalise_stars(&self, stars: f32) -> Result<f32, EngineError> {
        let s = self.dataset.scale;
        if !stars.is_finite() || stars < s.min - 1e-3 || stars > s.max + 1e-3 {
            return Err(EngineError::BadStars(stars, s.min, s.max, s.step));
        }
        let stepped = ((stars - s.min) / s.step).round() * s.step + s.min;
        Ok(s.clamp(stepped))
    }

    /// Checks stars given by a person: inside the dataset's scale and on one of its
    /// steps (half stars for MovieLens' 0.5–5), else an error saying what is allowed.
    pub fn check_stars(&self, stars: f32) -> Result<f32, EngineError> {
        let s = self.dataset.scale;
        let steps = (stars - s.min) / s.step;
        if !stars.is_finite()
            || stars < s.min - 1e-3
            || stars > s.max + 1e-3
            || (steps - steps.round()).abs() > 1e-3
        {
            return Err(EngineError::BadStars(stars, s.min, s.max, s.step));
        }
        Ok(s.clamp(steps.round() * s.step + s.min))
    }

    /// Resolves a title or MovieLens id typed by a person (see [`resolve`]).
    pub fn resolve_movie(&self, query: &str) -> anyhow::Result<u32> {
        resolve::resolve_movie(
            &self.dataset.catalogue,
            &self.stats.counts,
            self.index(),
            query,
        )
    }

    /// The movies `filter` admits, ascending. The count-only filters (the default one
    /// among them) are computed once per dataset.
    fn admitted(&self, filter: &RecFilter) -> Arc<[u32]> {
        let n = self.n_items() as u32;
        if filter.genres.is_empty() && filter.exclude_genres.is_empty() && filter.years.is_none() {
            let catalogue = &self.dataset.catalogue;
            return self
                .stats
                .admitted_with_count(filter.min_ratings, |i| !catalogue.movie(i).placeholder);
        }
        (0..n).filter(|&i| self.admits(i, filter)).collect()
    }

    fn admits(&self, item: u32, filter: &RecFilter) -> bool {
        // The count first: it is a dense array, and by default (10 ratings) it turns
        // most movies away before their catalogue entry is touched (those reads were
        // the largest single cost of a served recommendation).
        if self.rating_count(item) < filter.min_ratings {
            return false;
        }
        let m = self.dataset.catalogue.movie(item);
        if m.placeholder {
            return false;
        }
        if !filter.genres.is_empty() && !filter.genres.iter().any(|&g| m.genres.contains(g)) {
            return false;
        }
        if filter.exclude_genres.iter().any(|&g| m.genres.contains(g)) {
            return false;
        }
        if let Some((lo, hi)) = filter.years {
            match m.year {
                Some(y) if y >= lo && y <= hi => {}
                _ => return false,
            }
        }
        true
    }

    /// Predicted stars for `items` from one list's model, folding `ratings` in
    /// ((item, stars) sorted by item). NaN for an unknown item.
    pub fn predict_for(&self, list: ListId, ratings: &[(u32, f32)], items: &[u32]) -> Vec<f32> {
        let Some(model) = self.model(list) else {
            return vec![f32::NAN; items.len()];
        };
        let user = model.for_user(Who::New(ratings));
        let n = model.n_items().min(self.n_items()) as u32;
        items
            .iter()
            .map(|&i| if i < n { user.predict(i) } else { f32::NAN })
            .collect()
    }

    /// The top `n` of one list for a person given by their ratings ((item, stars)
    /// sorted by item), leaving out rated movies and `exclude` (sorted). Stateless: the
    /// HTTP API and every session answer through here. With fewer than
    /// [`MIN_PERSONAL_RATINGS`] ratings the list is by popularity.
    pub fn recommend_for(
        &self,
        ratings: &[(u32, f32)],
        exclude: &[u32],
        list: ListId,
        n: usize,
        filter: &RecFilter,
    ) -> Result<RecList, EngineError> {
        let model = self
            .model(list)
            .ok_or_else(|| EngineError::UnknownList(format!("#{}", list.0)))?;
        let user = model.for_user(Who::New(ratings));
        if ratings.len() < MIN_PERSONAL_RATINGS {
            let rated: Vec<u32> = ratings.iter().map(|r| r.0).collect();
            let entries = self
                .popular_excluding(&rated, exclude, n, filter)
                .into_iter()
                .map(|item| Recommendation {
                    item,
                    predicted: user.predict(item),
                    score: self.rating_count(item) as f32,
                    because: Vec::new(),
                })
                .collect();
            return Ok(RecList {
                list,
                entries,
                popularity_based: true,
            });
        }
        let admitted = self.admitted(filter);
        let top_filter = TopNFilter {
            allow: None,
            candidates: Some(&admitted),
            exclude,
        };
        let n_items = model.n_items().min(self.n_items());
        Ok(RecList {
            list,
            entries: top_n(user.as_ref(), n_items, n, &top_filter, EXPLAIN),
            popularity_based: false,
        })
    }

    /// Most-rated movies passing `filter`, leaving out `rated` and `exclude` (both sorted).
    pub fn popular_excluding(
        &self,
        rated: &[u32],
        exclude: &[u32],
        n: usize,
        filter: &RecFilter,
    ) -> Vec<u32> {
        let mut items: Vec<u32> = (0..self.n_items() as u32)
            .filter(|i| rated.binary_search(i).is_err() && exclude.binary_search(i).is_err())
            .filter(|&i| self.admits(i, filter))
            .collect();
        items.sort_by(|&a, &b| {
            self.rating_count(b)
                .cmp(&self.rating_count(a))
                .then(self.mean_rating(b).total_cmp(&self.mean_rating(a)))
                .then(a.cmp(&b))
        });
        items.truncate(n);
        items
    }

    /// Movies to rate first: popular ones, varied in genre (at most two per leading
    /// genre), leaving out `rated` and `exclude` (sorted).
    pub fn onboarding_excluding(&self, rated: &[u32], exclude: &[u32], n: usize) -> Vec<u32> {
        let pool = self.popular_excluding(rated, exclude, n * 8, &RecFilter::default());
        let mut per_genre: HashMap<Option<usize>, usize> = HashMap::new();
        let mut out = Vec::with_capacity(n);
        let mut skipped = Vec::new();
        for item in pool {
            if out.len() == n {
                break;
            }
            let lead = self.dataset.catalogue.movie(item).genres.iter().next();
            let c = per_genre.entry(lead).or_default();
            if *c < 2 {
                *c += 1;
                out.push(item);
            } else {
                skipped.push(item);
            }
        }
        for item in skipped {
            if out.len() == n {
                break;
            }
            out.push(item);
        }
        out
    }

    /// Movies most similar to `item`: the first list model that has item neighbours
    /// (item-kNN), else a shrunk cosine over the rating columns.
    pub fn similar(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        if item as usize >= self.n_items() {
            return Vec::new();
        }
        for l in &self.lists {
            if let Some(v) = l.model.similar_items(item, n) {
                return v;
            }
        }
        self.stats.similar_cosine(&self.dataset.ratings, item, n)
    }

    /// Names of the models in use, in list order.
    pub fn model_names(&self) -> Vec<String> {
        self.lists
            .iter()
            .map(|l| l.model.name().to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_set_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ModelSet>();
        assert_send_sync::<Session>();
    }

    #[test]
    fn default_lists_are_registry_models() {
        let t = Trainers::standard();
        let names: Vec<String> = t.specs().into_iter().map(|s| s.name).collect();
        assert_eq!(names, DEFAULT_LISTS);
        assert!(Trainers::named(&["no-such-model"]).is_err());
        assert!(Trainers::named(&[]).is_err());
    }
}
