//! The engine: one dataset, the trained models and the live personal profile.
//!
//! Every front-end (CLI, TUI, HTTP server) talks only to [`Engine`]. Movies are named by
//! their dense item index (see [`crate::data::Catalogue`]); the profile on disk uses
//! MovieLens ids, so it survives a change of dataset.
//!
//! Rating, unrating and marking movies update predictions at once through the models'
//! fold-in ([`Model::for_user`] with [`Who::New`]); nothing is retrained. A full retrain
//! that includes the profile as one more training user can be started on request; it
//! runs on a background thread, reports [`Progress`] and is swapped in when done
//! (see [`Engine::start_retrain`] and [`Engine::poll`]).

pub mod search;

pub use search::{SearchHit, SearchIndex, SearchReply, SearchWorker};

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

use crate::data::{Dataset, Rating, RatingMatrix};
use crate::models::item_knn::{ItemKnn, ItemKnnConfig};
use crate::models::svd::{SvdConfig, SvdModel};
use crate::models::{top_n, Model, Progress, Recommendation, TopNFilter, Who};
use crate::profile::{Mark, ProfileError, ProfileStore, RatingEntry, Resolved, UserProfile};

/// Below this many ratings, "For you" lists are popularity-based (and say so).
pub const MIN_PERSONAL_RATINGS: usize = 5;
/// How many rated movies a recommendation names as its reason.
pub const EXPLAIN: usize = 3;

/// Trains one model on a rating matrix, reporting progress.
pub type TrainFn = Arc<dyn Fn(&RatingMatrix, &mut dyn FnMut(Progress)) -> Fitted + Send + Sync>;

/// The `n` nearest neighbours of an item, strongest first (from an item-kNN model).
pub type NeighbourFn = Arc<dyn Fn(u32, usize) -> Vec<(u32, f32)> + Send + Sync>;

/// A fitted model, with its item neighbours when it has them.
pub struct Fitted {
    pub model: Box<dyn Model>,
    pub neighbours: Option<NeighbourFn>,
}

impl Fitted {
    /// A model without neighbour lists.
    pub fn plain(model: Box<dyn Model>) -> Self {
        Fitted {
            model,
            neighbours: None,
        }
    }

    /// An item-kNN model: its rating neighbours also answer "similar movies".
    pub fn item_knn(model: ItemKnn) -> Self {
        let shared = Arc::new(model);
        let for_neighbours = Arc::clone(&shared);
        Fitted {
            model: Box::new(SharedKnn(shared)),
            neighbours: Some(Arc::new(move |item, n| {
                if item as usize >= for_neighbours.n_items() {
                    return Vec::new();
                }
                for_neighbours
                    .neighbours(item)
                    .into_iter()
                    .filter(|&(_, s)| s > 0.0)
                    .take(n)
                    .collect()
            })),
        }
    }
}

/// An item-kNN model shared between the engine's model slot and its neighbour lookup.
struct SharedKnn(Arc<ItemKnn>);

impl Model for SharedKnn {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn n_items(&self) -> usize {
        self.0.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn crate::models::UserModel + 'a> {
        self.0.for_user(who)
    }
}

/// The two recommendation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// Item-based collaborative filtering (item-kNN): explainable.
    ItemBased,
    /// Matrix factorisation (SVD).
    Svd,
}

impl ListKind {
    pub const ALL: [ListKind; 2] = [ListKind::ItemBased, ListKind::Svd];
    pub fn label(self) -> &'static str {
        match self {
            ListKind::ItemBased => "Item-based",
            ListKind::Svd => "SVD",
        }
    }
}

/// The trained models the engine serves from.
pub struct ModelSet {
    pub item_based: Box<dyn Model>,
    pub svd: Box<dyn Model>,
    /// Item neighbours for "similar movies"; without them a cosine over the rating
    /// columns is used.
    pub neighbours: Option<NeighbourFn>,
}

impl ModelSet {
    pub fn get(&self, kind: ListKind) -> &dyn Model {
        match kind {
            ListKind::ItemBased => self.item_based.as_ref(),
            ListKind::Svd => self.svd.as_ref(),
        }
    }
}

/// How to (re)train each model.
#[derive(Clone)]
pub struct Trainers {
    pub item_based: TrainFn,
    pub svd: TrainFn,
}

impl Trainers {
    /// reel's standard pair: item-kNN (KNNBaseline, k = 40) and SVD, default settings.
    pub fn standard() -> Self {
        Trainers {
            item_based: Arc::new(|m: &RatingMatrix, p: &mut dyn FnMut(Progress)| {
                Fitted::item_knn(ItemKnn::fit(m, &ItemKnnConfig::default(), p))
            }),
            svd: Arc::new(|m: &RatingMatrix, p: &mut dyn FnMut(Progress)| {
                Fitted::plain(Box::new(SvdModel::fit(m, &SvdConfig::default(), p)))
            }),
        }
    }

    /// Fits both models, item-based first.
    pub fn fit(
        &self,
        train: &RatingMatrix,
        progress: &mut dyn FnMut(ListKind, Progress),
    ) -> ModelSet {
        let item_based = (self.item_based)(train, &mut |p| progress(ListKind::ItemBased, p));
        let svd = (self.svd)(train, &mut |p| progress(ListKind::Svd, p));
        ModelSet {
            item_based: item_based.model,
            neighbours: item_based.neighbours.or(svd.neighbours),
            svd: svd.model,
        }
    }
}

/// Which candidates a recommendation list may contain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecFilter {
    /// Genre index (into `Catalogue::genre_names`).
    pub genre: Option<usize>,
    /// Inclusive year range; movies without a year are left out when set.
    pub years: Option<(u16, u16)>,
    /// Minimum number of ratings in the dataset.
    pub min_ratings: u32,
}

/// A recommendation list with how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct RecList {
    pub kind: ListKind,
    pub entries: Vec<Recommendation>,
    /// True when the profile has too few ratings and the list is by popularity.
    pub popularity_based: bool,
}

/// Predicted stars for one movie from each model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predicted {
    pub item_based: f32,
    pub svd: f32,
}

/// Something the engine reports from background work.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    RetrainProgress { kind: ListKind, progress: Progress },
    RetrainDone { seconds: f64 },
    RetrainFailed(String),
}

/// What an undo restored.
#[derive(Debug, Clone, PartialEq)]
pub enum UndoStep {
    Rating(u32, Option<RatingEntry>),
    Watch(u32, Option<Mark>),
    NotInterested(u32, Option<Mark>),
}

/// Engine errors.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no movie with index {0}")]
    NoSuchMovie(u32),
    #[error("{0} stars is outside the rating scale {1}-{2}")]
    BadStars(f32, f32, f32),
    #[error("saving the profile failed: {0}")]
    Save(#[from] ProfileError),
    #[error("a retrain is already running")]
    RetrainRunning,
    #[error("this engine was built without trainers, so it cannot retrain")]
    NoTrainers,
    #[error("could not start a background thread: {0}")]
    Thread(std::io::Error),
}

struct Retrain {
    // In a mutex only so that `Engine` is `Sync` (servers share it behind a lock).
    rx: std::sync::Mutex<Receiver<RetrainMsg>>,
    started: std::time::Instant,
    last: Option<(ListKind, Progress)>,
}

enum RetrainMsg {
    Progress(ListKind, Progress),
    Done(ModelSet),
    Failed(String),
}

/// Dataset + models + live profile.
pub struct Engine {
    dataset: Arc<Dataset>,
    models: ModelSet,
    trainers: Option<Trainers>,
    profile: UserProfile,
    store: Option<ProfileStore>,
    resolved: Resolved,
    undo: Vec<UndoStep>,
    counts: Vec<u32>,
    means: Vec<f32>,
    /// Per-item L2 norm of the rating column (for the fallback cosine similarity).
    norms: Vec<f32>,
    tags_by_item: HashMap<u32, Vec<(String, usize)>>,
    search: Arc<SearchIndex>,
    retrain: Option<Retrain>,
}

impl Engine {
    /// Builds an engine from trained models. `store`, when given, receives every change.
    pub fn new(
        dataset: Arc<Dataset>,
        models: ModelSet,
        trainers: Option<Trainers>,
        profile: UserProfile,
        store: Option<ProfileStore>,
    ) -> Self {
        let m = &dataset.ratings;
        let n = dataset.catalogue.len();
        let mut counts = vec![0u32; n];
        let mut means = vec![0f32; n];
        let mut norms = vec![0f32; n];
        for i in 0..m.n_items().min(n) {
            let col = m.item(i);
            counts[i] = col.len() as u32;
            if !col.is_empty() {
                let sum: f64 = col.values.iter().map(|&v| v as f64).sum();
                means[i] = (sum / col.len() as f64) as f32;
                norms[i] = col
                    .values
                    .iter()
                    .map(|&v| (v as f64) * (v as f64))
                    .sum::<f64>()
                    .sqrt() as f32;
            }
        }
        let mut tag_counts: HashMap<u32, HashMap<String, (String, usize)>> = HashMap::new();
        for t in &dataset.tags {
            let text = t.text.trim();
            if text.is_empty() {
                continue;
            }
            let slot = tag_counts
                .entry(t.item)
                .or_default()
                .entry(text.to_lowercase())
                .or_insert_with(|| (text.to_string(), 0));
            slot.1 += 1;
        }
        let tags_by_item = tag_counts
            .into_iter()
            .map(|(item, tags)| {
                let mut v: Vec<(String, usize)> = tags.into_values().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (item, v)
            })
            .collect();
        let search = Arc::new(SearchIndex::new(&dataset.catalogue, &counts));
        let resolved = profile.resolve(&dataset.catalogue);
        Engine {
            dataset,
            models,
            trainers,
            profile,
            store,
            resolved,
            undo: Vec::new(),
            counts,
            means,
            norms,
            tags_by_item,
            search,
            retrain: None,
        }
    }

    /// Fits the models with `trainers` on the dataset, then builds the engine.
    pub fn train(
        dataset: Arc<Dataset>,
        trainers: Trainers,
        profile: UserProfile,
        store: Option<ProfileStore>,
        progress: &mut dyn FnMut(ListKind, Progress),
    ) -> Self {
        let models = trainers.fit(&dataset.ratings, progress);
        Self::new(dataset, models, Some(trainers), profile, store)
    }

    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    pub fn dataset_arc(&self) -> Arc<Dataset> {
        Arc::clone(&self.dataset)
    }

    pub fn profile(&self) -> &UserProfile {
        &self.profile
    }

    pub fn store(&self) -> Option<&ProfileStore> {
        self.store.as_ref()
    }

    /// Profile movie ids this dataset lacks (kept in the file, unused here).
    pub fn missing_movies(&self) -> &[u32] {
        &self.resolved.missing
    }

    /// The model profile: (item, stars) sorted by item.
    pub fn rated(&self) -> &[(u32, f32)] {
        &self.resolved.ratings
    }

    pub fn n_rated(&self) -> usize {
        self.resolved.ratings.len()
    }

    pub fn n_items(&self) -> usize {
        self.dataset.catalogue.len()
    }

    /// The search index (shareable with a [`SearchWorker`]).
    pub fn search_index(&self) -> Arc<SearchIndex> {
        Arc::clone(&self.search)
    }

    /// Synchronous search (front-ends with a UI thread should use a [`SearchWorker`]).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        self.search.search(query, limit)
    }

    /// Number of ratings of a movie in the dataset.
    pub fn rating_count(&self, item: u32) -> u32 {
        self.counts.get(item as usize).copied().unwrap_or(0)
    }

    /// Mean MovieLens rating of a movie (0 when unrated).
    pub fn mean_rating(&self, item: u32) -> f32 {
        self.means.get(item as usize).copied().unwrap_or(0.0)
    }

    /// The most used tags of a movie, with counts.
    pub fn top_tags(&self, item: u32, n: usize) -> Vec<(String, usize)> {
        self.tags_by_item
            .get(&item)
            .map(|v| v.iter().take(n).cloned().collect())
            .unwrap_or_default()
    }

    /// Your rating of a movie.
    pub fn rating_of(&self, item: u32) -> Option<f32> {
        self.resolved
            .ratings
            .binary_search_by_key(&item, |r| r.0)
            .ok()
            .map(|k| self.resolved.ratings[k].1)
    }

    pub fn in_watchlist(&self, item: u32) -> bool {
        self.resolved.watchlist.binary_search(&item).is_ok()
    }

    pub fn is_not_interested(&self, item: u32) -> bool {
        self.resolved.not_interested.binary_search(&item).is_ok()
    }

    fn movie_id(&self, item: u32) -> Result<u32, EngineError> {
        if (item as usize) < self.n_items() {
            Ok(self.dataset.catalogue.movie(item).id)
        } else {
            Err(EngineError::NoSuchMovie(item))
        }
    }

    fn title(&self, item: u32) -> String {
        self.dataset.catalogue.movie(item).label()
    }

    /// Rounds stars to the dataset's scale step and checks the range.
    pub fn normalise_stars(&self, stars: f32) -> Result<f32, EngineError> {
        let s = self.dataset.scale;
        if !stars.is_finite() || stars < s.min - 1e-3 || stars > s.max + 1e-3 {
            return Err(EngineError::BadStars(stars, s.min, s.max));
        }
        let stepped = ((stars - s.min) / s.step).round() * s.step + s.min;
        Ok(s.clamp(stepped))
    }

    /// Rates a movie (replacing any earlier rating) and saves the profile.
    pub fn rate(&mut self, item: u32, stars: f32) -> Result<(), EngineError> {
        let id = self.movie_id(item)?;
        let stars = self.normalise_stars(stars)?;
        let entry = RatingEntry {
            stars,
            time: crate::profile::now(),
            title: self.title(item),
        };
        let before = self.profile.ratings.insert(id, entry);
        self.undo.push(UndoStep::Rating(id, before));
        self.changed()
    }

    /// Removes your rating of a movie, if any, and saves.
    pub fn unrate(&mut self, item: u32) -> Result<(), EngineError> {
        let id = self.movie_id(item)?;
        if let Some(before) = self.profile.ratings.remove(&id) {
            self.undo.push(UndoStep::Rating(id, Some(before)));
            self.changed()?;
        }
        Ok(())
    }

    /// Adds or removes a movie from the watchlist; returns whether it is now on it.
    pub fn toggle_watchlist(&mut self, item: u32) -> Result<bool, EngineError> {
        let id = self.movie_id(item)?;
        let title = self.title(item);
        let (before, now_on) = toggle(&mut self.profile.watchlist, id, title);
        self.undo.push(UndoStep::Watch(id, before));
        self.changed()?;
        Ok(now_on)
    }

    /// Marks or unmarks a movie as "not interested" (hidden from recommendations).
    pub fn toggle_not_interested(&mut self, item: u32) -> Result<bool, EngineError> {
        let id = self.movie_id(item)?;
        let title = self.title(item);
        let (before, now_on) = toggle(&mut self.profile.not_interested, id, title);
        self.undo.push(UndoStep::NotInterested(id, before));
        self.changed()?;
        Ok(now_on)
    }

    /// Undoes the last change; returns the movie id it concerned.
    pub fn undo(&mut self) -> Result<Option<u32>, EngineError> {
        let Some(step) = self.undo.pop() else {
            return Ok(None);
        };
        let id = match step {
            UndoStep::Rating(id, before) => {
                restore(&mut self.profile.ratings, id, before);
                id
            }
            UndoStep::Watch(id, before) => {
                restore(&mut self.profile.watchlist, id, before);
                id
            }
            UndoStep::NotInterested(id, before) => {
                restore(&mut self.profile.not_interested, id, before);
                id
            }
        };
        self.changed()?;
        Ok(Some(id))
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    fn changed(&mut self) -> Result<(), EngineError> {
        self.resolved = self.profile.resolve(&self.dataset.catalogue);
        if let Some(store) = &self.store {
            store.save(&self.profile)?;
        }
        Ok(())
    }

    /// Predicted stars for one movie from both models, folding the profile in.
    pub fn predict(&self, item: u32) -> Predicted {
        self.predict_many(&[item])
            .into_iter()
            .next()
            .unwrap_or(Predicted {
                item_based: f32::NAN,
                svd: f32::NAN,
            })
    }

    /// Predictions for several movies (one fold-in per model).
    pub fn predict_many(&self, items: &[u32]) -> Vec<Predicted> {
        let who = Who::New(&self.resolved.ratings);
        let ib = self.models.item_based.for_user(who);
        let svd = self.models.svd.for_user(who);
        let n = self.n_items() as u32;
        items
            .iter()
            .map(|&i| {
                if i < n {
                    Predicted {
                        item_based: ib.predict(i),
                        svd: svd.predict(i),
                    }
                } else {
                    Predicted {
                        item_based: f32::NAN,
                        svd: f32::NAN,
                    }
                }
            })
            .collect()
    }

    fn admits(&self, item: u32, filter: &RecFilter) -> bool {
        let m = self.dataset.catalogue.movie(item);
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

    /// The top `n` of one list under `filter`, excluding rated and not-interested movies.
    /// With fewer than [`MIN_PERSONAL_RATINGS`] ratings the list is by popularity.
    pub fn recommend(&self, kind: ListKind, n: usize, filter: &RecFilter) -> RecList {
        let model = self.models.get(kind);
        let user = model.for_user(Who::New(&self.resolved.ratings));
        if self.n_rated() < MIN_PERSONAL_RATINGS {
            let entries = self
                .popular(n, filter)
                .into_iter()
                .map(|item| Recommendation {
                    item,
                    predicted: user.predict(item),
                    score: self.rating_count(item) as f32,
                    because: Vec::new(),
                })
                .collect();
            return RecList {
                kind,
                entries,
                popularity_based: true,
            };
        }
        let allow = |i: u32| self.admits(i, filter);
        let top_filter = TopNFilter {
            allow: Some(&allow),
            exclude: &self.resolved.not_interested,
        };
        let n_items = model.n_items().min(self.n_items());
        let explain = if kind == ListKind::ItemBased {
            EXPLAIN
        } else {
            0
        };
        RecList {
            kind,
            entries: top_n(user.as_ref(), n_items, n, &top_filter, explain),
            popularity_based: false,
        }
    }

    /// Most-rated movies passing `filter`, not rated and not marked not-interested.
    pub fn popular(&self, n: usize, filter: &RecFilter) -> Vec<u32> {
        let mut items: Vec<u32> = (0..self.n_items() as u32)
            .filter(|&i| self.rating_of(i).is_none() && !self.is_not_interested(i))
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

    /// Movies to rate first: popular ones, varied in genre (at most two per leading genre).
    pub fn onboarding(&self, n: usize) -> Vec<u32> {
        let pool = self.popular(n * 8, &RecFilter::default());
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

    /// Movies most similar to `item`: the item-kNN model's neighbours when it has
    /// them, else [`Engine::similar_cosine`].
    pub fn similar(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        match &self.models.neighbours {
            Some(f) => f(item, n),
            None => self.similar_cosine(item, n),
        }
    }

    /// Cosine similarity of rating columns, shrunk by the number of co-raters
    /// (`sim · c / (c + 10)`), at least 3 co-raters.
    pub fn similar_cosine(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        let m = &self.dataset.ratings;
        if item as usize >= m.n_items() || n == 0 {
            return Vec::new();
        }
        let col = m.item(item as usize);
        let mut dot: HashMap<u32, (f32, u32)> = HashMap::new();
        for (k, &u) in col.users.iter().enumerate() {
            let r = col.values[k];
            let row = m.user(u as usize);
            for (j, &other) in row.items.iter().enumerate() {
                if other != item {
                    let e = dot.entry(other).or_insert((0.0, 0));
                    e.0 += r * row.values[j];
                    e.1 += 1;
                }
            }
        }
        let ni = self.norms[item as usize];
        let mut sims: Vec<(u32, f32)> = dot
            .into_iter()
            .filter(|&(_, (_, c))| c >= 3)
            .filter_map(|(j, (d, c))| {
                let denom = ni * self.norms[j as usize];
                (denom > 0.0).then(|| (j, d / denom * c as f32 / (c as f32 + 10.0)))
            })
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        sims.truncate(n);
        sims
    }

    /// Starts a full retrain on the dataset plus the profile (as one more user) on a
    /// background thread. Call [`Engine::poll`] to follow it; the new models replace the
    /// old ones when it finishes.
    pub fn start_retrain(&mut self) -> Result<(), EngineError> {
        if self.retrain.is_some() {
            return Err(EngineError::RetrainRunning);
        }
        let trainers = self.trainers.clone().ok_or(EngineError::NoTrainers)?;
        let dataset = Arc::clone(&self.dataset);
        let profile = self.resolved.ratings.clone();
        let (tx, rx) = mpsc::channel();
        let now = crate::profile::now();
        std::thread::Builder::new()
            .name("reel-retrain".into())
            .spawn(move || {
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let m = &dataset.ratings;
                    let me = m.n_users() as u32;
                    let mut all: Vec<Rating> = m.iter().collect();
                    all.extend(profile.iter().map(|&(item, value)| Rating {
                        user: me,
                        item,
                        value,
                        time: now,
                    }));
                    let (train, _) = RatingMatrix::from_ratings(m.n_users() + 1, m.n_items(), all);
                    let ptx = tx.clone();
                    trainers.fit(&train, &mut |kind, p| {
                        let _ = ptx.send(RetrainMsg::Progress(kind, p));
                    })
                }));
                let _ = match run {
                    Ok(models) => tx.send(RetrainMsg::Done(models)),
                    Err(_) => tx.send(RetrainMsg::Failed("a model panicked while training".into())),
                };
            })
            .map_err(EngineError::Thread)?;
        self.retrain = Some(Retrain {
            rx: std::sync::Mutex::new(rx),
            started: std::time::Instant::now(),
            last: None,
        });
        Ok(())
    }

    /// True while a retrain runs.
    pub fn retraining(&self) -> bool {
        self.retrain.is_some()
    }

    /// The latest progress of a running retrain.
    pub fn retrain_progress(&self) -> Option<&(ListKind, Progress)> {
        self.retrain.as_ref().and_then(|r| r.last.as_ref())
    }

    /// Collects background events; swaps in retrained models when ready. Never blocks.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        let mut events = Vec::new();
        let Some(rt) = self.retrain.as_mut() else {
            return events;
        };
        let rx = match rt.rx.get_mut() {
            Ok(rx) => rx,
            Err(poisoned) => poisoned.into_inner(),
        };
        loop {
            match rx.try_recv() {
                Ok(RetrainMsg::Progress(kind, progress)) => {
                    rt.last = Some((kind, progress.clone()));
                    events.push(EngineEvent::RetrainProgress { kind, progress });
                }
                Ok(RetrainMsg::Done(models)) => {
                    let seconds = rt.started.elapsed().as_secs_f64();
                    self.models = models;
                    self.retrain = None;
                    events.push(EngineEvent::RetrainDone { seconds });
                    break;
                }
                Ok(RetrainMsg::Failed(why)) => {
                    self.retrain = None;
                    events.push(EngineEvent::RetrainFailed(why));
                    break;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.retrain = None;
                    events.push(EngineEvent::RetrainFailed(
                        "the retrain thread stopped".into(),
                    ));
                    break;
                }
            }
        }
        events
    }

    /// Names of the models in use.
    pub fn model_names(&self) -> (String, String) {
        (
            self.models.item_based.name().to_string(),
            self.models.svd.name().to_string(),
        )
    }
}

fn toggle(
    map: &mut std::collections::BTreeMap<u32, Mark>,
    id: u32,
    title: String,
) -> (Option<Mark>, bool) {
    match map.remove(&id) {
        Some(before) => (Some(before), false),
        None => {
            map.insert(
                id,
                Mark {
                    time: crate::profile::now(),
                    title,
                },
            );
            (None, true)
        }
    }
}

fn restore<T>(map: &mut std::collections::BTreeMap<u32, T>, id: u32, before: Option<T>) {
    match before {
        Some(v) => {
            map.insert(id, v);
        }
        None => {
            map.remove(&id);
        }
    }
}
