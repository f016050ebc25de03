//! One person's session over a shared [`ModelSet`]: their profile (ratings, watchlist,
//! not-interested), undo, saving, and an optional background retrain that includes
//! them as one more training user.

use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

use super::{
    EngineError, ListId, ModelSet, RecFilter, RecList, SearchHit, SearchIndex, TrainedList,
    Trainers,
};
use crate::data::{Dataset, Rating, RatingMatrix};
use crate::models::Progress;
use crate::profile::{Mark, ProfileStore, RatingEntry, Resolved, UserProfile};

/// Something the session reports from background work.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    RetrainProgress { list: ListId, progress: Progress },
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

struct Retrain {
    // In a mutex only so that `Session` is `Sync`.
    rx: std::sync::Mutex<Receiver<RetrainMsg>>,
    started: std::time::Instant,
    last: Option<(ListId, Progress)>,
}

enum RetrainMsg {
    Progress(ListId, Progress),
    Done(Vec<TrainedList>),
    Failed(String),
}

/// A profile over a shared model set.
pub struct Session {
    models: Arc<ModelSet>,
    trainers: Option<Trainers>,
    profile: UserProfile,
    store: Option<ProfileStore>,
    resolved: Resolved,
    undo: Vec<UndoStep>,
    retrain: Option<Retrain>,
}

impl Session {
    /// A session over `models`. `store`, when given, receives every change; `trainers`,
    /// when given, allow a retrain that includes this profile.
    pub fn new(
        models: Arc<ModelSet>,
        trainers: Option<Trainers>,
        profile: UserProfile,
        store: Option<ProfileStore>,
    ) -> Self {
        let resolved = profile.resolve(&models.dataset().catalogue);
        Session {
            models,
            trainers,
            profile,
            store,
            resolved,
            undo: Vec::new(),
            retrain: None,
        }
    }

    /// Fits `trainers` on the dataset, then opens a session (tests, small data).
    pub fn train(
        dataset: Arc<Dataset>,
        trainers: Trainers,
        profile: UserProfile,
        store: Option<ProfileStore>,
        progress: &mut dyn FnMut(ListId, Progress),
    ) -> Result<Self, EngineError> {
        let models = Arc::new(ModelSet::train(dataset, &trainers, progress)?);
        Ok(Self::new(models, Some(trainers), profile, store))
    }

    /// The shared model set this session reads.
    pub fn models(&self) -> &Arc<ModelSet> {
        &self.models
    }

    pub fn dataset(&self) -> &Dataset {
        self.models.dataset()
    }

    pub fn dataset_arc(&self) -> Arc<Dataset> {
        self.models.dataset_arc()
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
        self.models.n_items()
    }

    /// The lists this session shows, in order.
    pub fn list_ids(&self) -> Vec<ListId> {
        self.models.list_ids()
    }

    /// A list's label ("Item-based", "SVD", …).
    pub fn list_label(&self, list: ListId) -> &str {
        self.models
            .list_spec(list)
            .map(|s| s.label.as_str())
            .unwrap_or("?")
    }

    pub fn search_index(&self) -> Arc<SearchIndex> {
        self.models.search_index()
    }

    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        self.models.search(query, limit)
    }

    pub fn rating_count(&self, item: u32) -> u32 {
        self.models.rating_count(item)
    }

    pub fn mean_rating(&self, item: u32) -> f32 {
        self.models.mean_rating(item)
    }

    pub fn top_tags(&self, item: u32, n: usize) -> Vec<(String, usize)> {
        self.models.top_tags(item, n)
    }

    pub fn similar(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        self.models.similar(item, n)
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
            Ok(self.dataset().catalogue.movie(item).id)
        } else {
            Err(EngineError::NoSuchMovie(item))
        }
    }

    fn title(&self, item: u32) -> String {
        self.dataset().catalogue.movie(item).label()
    }

    /// Rounds stars to the dataset's scale step and checks the range.
    pub fn normalise_stars(&self, stars: f32) -> Result<f32, EngineError> {
        self.models.normalise_stars(stars)
    }

    /// Rates a movie (replacing any earlier rating) and saves the profile; returns the
    /// stars stored (rounded to the scale).
    pub fn rate(&mut self, item: u32, stars: f32) -> Result<f32, EngineError> {
        let id = self.movie_id(item)?;
        let stars = self.models.check_stars(stars)?;
        let entry = RatingEntry {
            stars,
            time: crate::profile::now(),
            title: self.title(item),
        };
        let before = self.profile.ratings.insert(id, entry);
        self.undo.push(UndoStep::Rating(id, before));
        self.changed()?;
        Ok(stars)
    }

    /// Removes your rating of a movie and saves; returns whether there was one.
    pub fn unrate(&mut self, item: u32) -> Result<bool, EngineError> {
        let id = self.movie_id(item)?;
        match self.profile.ratings.remove(&id) {
            Some(before) => {
                self.undo.push(UndoStep::Rating(id, Some(before)));
                self.changed()?;
                Ok(true)
            }
            None => Ok(false),
        }
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

    /// Makes `profile` this session's profile and saves it (an import): undo starts
    /// over, since its steps were about the profile replaced.
    pub(super) fn adopt_profile(&mut self, profile: UserProfile) -> Result<(), EngineError> {
        if let Some(store) = &self.store {
            store.save(&profile)?;
        }
        self.profile = profile;
        self.undo.clear();
        self.resolved = self.profile.resolve(&self.dataset().catalogue);
        Ok(())
    }

    fn changed(&mut self) -> Result<(), EngineError> {
        self.resolved = self.profile.resolve(&self.dataset().catalogue);
        if let Some(store) = &self.store {
            store.save(&self.profile)?;
        }
        Ok(())
    }

    /// Predicted stars for one movie from every list's model (in list order).
    pub fn predict(&self, item: u32) -> Vec<f32> {
        self.models
            .list_ids()
            .into_iter()
            .map(|l| {
                self.models
                    .predict_for(l, &self.resolved.ratings, &[item])
                    .first()
                    .copied()
                    .unwrap_or(f32::NAN)
            })
            .collect()
    }

    /// Predictions of one list for several movies (one fold-in).
    pub fn predict_many(&self, list: ListId, items: &[u32]) -> Vec<f32> {
        self.models.predict_for(list, &self.resolved.ratings, items)
    }

    /// The top `n` of one list under `filter`, excluding rated and not-interested movies.
    pub fn recommend(&self, list: ListId, n: usize, filter: &RecFilter) -> RecList {
        match self.models.recommend_for(
            &self.resolved.ratings,
            &self.resolved.not_interested,
            list,
            n,
            filter,
        ) {
            Ok(l) => l,
            Err(_) => RecList {
                list,
                entries: Vec::new(),
                popularity_based: false,
            },
        }
    }

    fn rated_items(&self) -> Vec<u32> {
        self.resolved.ratings.iter().map(|r| r.0).collect()
    }

    /// Most-rated movies passing `filter`, not rated and not marked not-interested.
    pub fn popular(&self, n: usize, filter: &RecFilter) -> Vec<u32> {
        self.models.popular_excluding(
            &self.rated_items(),
            &self.resolved.not_interested,
            n,
            filter,
        )
    }

    /// Movies to rate first: popular ones, varied in genre.
    pub fn onboarding(&self, n: usize) -> Vec<u32> {
        self.models
            .onboarding_excluding(&self.rated_items(), &self.resolved.not_interested, n)
    }

    /// Starts a full retrain on the dataset plus the profile (as one more user) on a
    /// background thread. Call [`Session::poll`] to follow it; the new models replace the
    /// old ones in this session when it finishes (other sessions keep theirs).
    pub fn start_retrain(&mut self) -> Result<(), EngineError> {
        if self.retrain.is_some() {
            return Err(EngineError::RetrainRunning);
        }
        let trainers = self.trainers.clone().ok_or(EngineError::NoTrainers)?;
        let dataset = self.models.dataset_arc();
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
                    let models = trainers.fit(&train, &mut |list, p| {
                        let _ = ptx.send(RetrainMsg::Progress(list, p));
                    })?;
                    Ok::<_, EngineError>(
                        trainers
                            .0
                            .iter()
                            .zip(models)
                            .map(|(t, model)| TrainedList {
                                spec: t.spec.clone(),
                                model,
                                origin: super::ListOrigin::Fitted,
                            })
                            .collect::<Vec<_>>(),
                    )
                }));
                let _ = match run {
                    Ok(Ok(lists)) => tx.send(RetrainMsg::Done(lists)),
                    Ok(Err(e)) => tx.send(RetrainMsg::Failed(e.to_string())),
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

    /// Takes the lists of `models`, a model set over this session's dataset (the
    /// second step of [`super::open_staged`]); the profile and undo history stay.
    pub fn adopt_lists(&mut self, models: Arc<ModelSet>) -> Result<(), EngineError> {
        if !Arc::ptr_eq(&models.dataset_arc(), &self.models.dataset_arc()) {
            return Err(EngineError::OtherDataset);
        }
        self.models = models;
        Ok(())
    }

    /// True while a retrain runs.
    pub fn retraining(&self) -> bool {
        self.retrain.is_some()
    }

    /// The latest progress of a running retrain.
    pub fn retrain_progress(&self) -> Option<&(ListId, Progress)> {
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
                Ok(RetrainMsg::Progress(list, progress)) => {
                    rt.last = Some((list, progress.clone()));
                    events.push(EngineEvent::RetrainProgress { list, progress });
                }
                Ok(RetrainMsg::Done(lists)) => {
                    let seconds = rt.started.elapsed().as_secs_f64();
                    self.models = Arc::new(self.models.with_lists(lists));
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

    /// Names of the models in use, in list order.
    pub fn model_names(&self) -> Vec<String> {
        self.models.model_names()
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
