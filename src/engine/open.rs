//! Opening the engine: dataset (from its binary snapshot or the MovieLens files), the
//! model of every configured list (from its saved snapshot, or trained and then saved),
//! and a profile. The TUI, every CLI command and the HTTP server start here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use super::{
    ListOrigin, ModelSet, Session, TrainedList, Trainers, DEFAULT_LISTS, LARGE_DATASET_LISTS,
};
use crate::data::LoadOptions;
use crate::models::store::{self, StoreStatus};
use crate::models::Progress;
use crate::profile::ProfileStore;

/// What to open.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// The MovieLens folder.
    pub data_dir: PathBuf,
    pub load: LoadOptions,
    /// Registry names of the lists, in display order (`None`: [`DEFAULT_LISTS`];
    /// empty: no model at all, for commands that need only the catalogue).
    pub lists: Option<Vec<String>>,
    /// Where trained models are saved and looked for (`None`: always train, save nothing).
    pub model_cache: Option<PathBuf>,
    /// Train even when a fresh snapshot exists (and save the result).
    pub retrain: bool,
}

impl OpenOptions {
    /// Default lists, models cached in the platform cache directory unless the dataset
    /// cache is off (`--no-cache` turns both off).
    pub fn new(data_dir: PathBuf, load: LoadOptions) -> Self {
        let model_cache = match &load.cache {
            crate::data::CacheMode::Off => None,
            crate::data::CacheMode::Dir(d) => Some(d.join("models")),
            crate::data::CacheMode::Platform => crate::paths::model_cache_dir(),
        };
        OpenOptions {
            data_dir,
            load,
            lists: None,
            model_cache,
            retrain: false,
        }
    }

    pub fn list_names(&self) -> Vec<&str> {
        match &self.lists {
            None => DEFAULT_LISTS.to_vec(),
            Some(l) => l.iter().map(String::as_str).collect(),
        }
    }
}

/// Where opening is: a message for a person and the overall fraction done (0–1) when
/// it is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub message: String,
    pub overall: Option<f32>,
}

/// The share of the overall progress bar the dataset load takes; the lists share the rest.
const LOAD_SHARE: f32 = 0.1;

/// Loads the dataset and every list's model (snapshot or training), reporting stages.
pub fn open_models(
    opts: &OpenOptions,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<(Arc<ModelSet>, Trainers)> {
    trainers_for(opts)?;
    let catalogue = open_catalogue(opts, progress)?;
    let trainers = trainers_for_dataset(opts, &catalogue)?;
    fit_lists(&catalogue, &trainers, opts, progress)
}

/// The lists `opts` names, as trainers (checked against the registry).
pub fn trainers_for(opts: &OpenOptions) -> anyhow::Result<Trainers> {
    let names = opts.list_names();
    Ok(if names.is_empty() {
        Trainers(Vec::new())
    } else {
        Trainers::named(&names)?
    })
}

/// The lists for this dataset: those `opts` names; when it names none, the
/// [`DEFAULT_LISTS`], except on a catalogue too large for EASE's dense closed form
/// (more than `dense_max_items` movies with enough ratings, e.g. ml-25m or ml-32m),
/// which gets [`LARGE_DATASET_LISTS`]: there the two EASE-based lists' saved models (each
/// with its own EASE and item-kNN) are gigabytes to map on every start (cold commands
/// 2.4–2.7 s and 3.4–3.8 GB on the synthetic 25M set, against 1.7 s and 1.9 GB).
pub fn trainers_for_dataset(opts: &OpenOptions, set: &ModelSet) -> anyhow::Result<Trainers> {
    if opts.lists.is_none() && too_large_for_dense_ease(set) {
        return Ok(Trainers::named(LARGE_DATASET_LISTS)?);
    }
    trainers_for(opts)
}

fn too_large_for_dense_ease(set: &ModelSet) -> bool {
    let ease = crate::models::ease::EaseConfig::default();
    let kept = set
        .stats()
        .counts
        .iter()
        .filter(|&&c| c as usize >= ease.min_count)
        .count();
    kept > ease.dense_max_items
}

/// The first half of [`open_models`]: dataset, statistics and search index, no list
/// yet. A front-end can search and show movies with it while the models load.
pub fn open_catalogue(
    opts: &OpenOptions,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<Arc<ModelSet>> {
    progress(Stage {
        message: format!("reading {}", opts.data_dir.display()),
        overall: Some(0.0),
    });
    // The parser reports from its own thread; forward to `progress` on this one.
    let (tx, rx) = std::sync::mpsc::channel::<(u64, u64)>();
    let dataset = std::thread::scope(|scope| {
        let loading = scope.spawn(move || {
            let report = move |done: u64, total: u64| {
                let _ = tx.send((done, total));
            };
            load_dataset_with(opts, &report)
        });
        for (done, total) in rx {
            let frac = if total > 0 {
                done as f32 / total as f32
            } else {
                0.0
            };
            progress(Stage {
                message: format!(
                    "parsing the ratings of {} ({:.0} of {:.0} MB); the next start reads a snapshot",
                    opts.data_dir.display(),
                    done as f64 / 1e6,
                    total as f64 / 1e6
                ),
                overall: Some(LOAD_SHARE * frac.clamp(0.0, 1.0)),
            });
        }
        match loading.join() {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!("loading the dataset panicked")),
        }
    })?;
    Ok(Arc::new(ModelSet::new(Arc::new(dataset), Vec::new())))
}

/// A saved model as read (or why not), with the seconds the read took.
type SnapshotRead = (Result<Box<dyn crate::models::Model>, StoreStatus>, f64);

/// The second half of [`open_models`]: each list's model from its snapshot, or trained
/// (and saved), over `catalogue`'s dataset.
pub fn fit_lists(
    catalogue: &ModelSet,
    trainers: &Trainers,
    opts: &OpenOptions,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<(Arc<ModelSet>, Trainers)> {
    let dataset = catalogue.dataset_arc();
    let key = store::DatasetKey::of(&dataset.ratings);
    let n_lists = trainers.0.len().max(1) as f32;
    let files: Vec<Option<PathBuf>> = trainers
        .0
        .iter()
        .map(|t| {
            opts.model_cache
                .as_deref()
                .map(|dir| store::file_for(dir, &key, &t.spec.name))
        })
        .collect();
    // Every list's snapshot is read at once (each load is mostly page faults and
    // decoding, one core each); only the lists without a usable one train, in turn.
    let found: Vec<Option<SnapshotRead>> = std::thread::scope(|scope| {
        let loads: Vec<_> = trainers
            .0
            .iter()
            .zip(&files)
            .map(|(t, file)| {
                let key = &key;
                scope.spawn(move || match file.as_deref() {
                    Some(f) if !opts.retrain => {
                        let started = Instant::now();
                        let found = store::load(f, key, &t.spec.name);
                        Some((found, started.elapsed().as_secs_f64()))
                    }
                    _ => None,
                })
            })
            .collect();
        loads
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Some((Err(StoreStatus::Rejected("reading it failed".into())), 0.0))
                })
            })
            .collect()
    });
    let mut lists = Vec::with_capacity(trainers.0.len());
    for (k, ((t, file), found)) in trainers.0.iter().zip(files).zip(found).enumerate() {
        let base = LOAD_SHARE + (1.0 - LOAD_SHARE) * k as f32 / n_lists;
        let share = (1.0 - LOAD_SHARE) / n_lists;
        let started = Instant::now();
        let (model, origin) = match found {
            Some((Ok(model), seconds)) => {
                progress(Stage {
                    message: format!("{}: loaded the saved model", t.spec.label),
                    overall: Some(base + share),
                });
                let origin = ListOrigin::Loaded {
                    file: file.clone().unwrap_or_default(),
                    seconds,
                };
                (model, origin)
            }
            found => {
                let why = match found {
                    Some((Err(StoreStatus::Rejected(why)), _)) => {
                        format!("retraining (saved model not used: {why})")
                    }
                    _ => "training".to_string(),
                };
                let mut last = String::new();
                // A model reports its stages one after another, each from 0, and the SVD
                // list's two models side by side: the list's share of the bar follows its
                // plan of stages, and never goes back.
                let mut training = crate::models::registry::TrainingProgress::new(&t.spec.name);
                let model = (t.fit)(&dataset.ratings, &mut |p: Progress| {
                    let frac = training.update(&p);
                    let message = format!(
                        "{}: {why} ({} {}/{}){}",
                        t.spec.label,
                        p.stage,
                        p.done,
                        p.total,
                        eta(started, frac)
                    );
                    if message != last {
                        last = message.clone();
                        progress(Stage {
                            message,
                            overall: Some(base + share * frac),
                        });
                    }
                })
                .map_err(|why| anyhow::anyhow!("training {} failed: {why}", t.spec.name))?;
                let seconds = started.elapsed().as_secs_f64();
                let saved = match &file {
                    Some(f) => match store::save(f, &key, &t.spec.name, model.as_ref()) {
                        Ok(()) => Ok(f.clone()),
                        Err(e) => {
                            progress(Stage {
                                message: format!("{}: could not save the model: {e}", t.spec.label),
                                overall: Some(base + share),
                            });
                            Err(e.to_string())
                        }
                    },
                    None => Err("model saving is off".to_string()),
                };
                (model, ListOrigin::Trained { seconds, saved })
            }
        };
        lists.push(TrainedList {
            spec: t.spec.clone(),
            model: Arc::from(model),
            origin,
        });
    }
    Ok((Arc::new(catalogue.with_lists(lists)), trainers.clone()))
}

/// Loads the dataset alone (from its snapshot or the source files).
pub fn load_dataset(opts: &OpenOptions) -> anyhow::Result<crate::data::Dataset> {
    load_dataset_with(opts, &|_, _| {})
}

fn load_dataset_with(
    opts: &OpenOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> anyhow::Result<crate::data::Dataset> {
    crate::data::load_with_progress(&opts.data_dir, &opts.load, progress).with_context(|| {
        format!(
            "cannot load MovieLens data from {}",
            opts.data_dir.display()
        )
    })
}

fn eta(started: Instant, frac: f32) -> String {
    let spent = started.elapsed().as_secs_f32();
    if frac <= 0.02 || spent < 1.0 {
        return String::new();
    }
    let left = spent * (1.0 - frac) / frac;
    format!(", about {left:.0} s left")
}

/// The model set plus a session on profile `store` (loaded from disk; its warnings are
/// returned for the front-end to show).
pub fn open(
    opts: &OpenOptions,
    store: ProfileStore,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<(Session, Vec<String>)> {
    let (models, trainers) = open_models(opts, progress)?;
    progress(Stage {
        message: "reading your profile".into(),
        overall: Some(1.0),
    });
    let loaded = store.load()?;
    Ok((
        Session::new(models, Some(trainers), loaded.profile, Some(store)),
        loaded.warnings,
    ))
}

/// [`open`] in two steps, for a front-end that is usable before the lists are:
/// `usable` gets a session over the catalogue alone (search, movie pages, rating) as
/// soon as the dataset is read; then each list's model is loaded or trained, and the
/// finished model set is returned for [`Session::adopt_lists`].
pub fn open_staged(
    opts: &OpenOptions,
    store: ProfileStore,
    progress: &mut dyn FnMut(Stage),
    usable: &mut dyn FnMut(Session, Vec<String>),
) -> anyhow::Result<Arc<ModelSet>> {
    trainers_for(opts)?;
    let catalogue = open_catalogue(opts, progress)?;
    let trainers = trainers_for_dataset(opts, &catalogue)?;
    progress(Stage {
        message: "indexing titles for search".into(),
        overall: Some(LOAD_SHARE),
    });
    // Built here, off the front-end's thread, which searches and shows movie pages
    // (with their tags) at once.
    catalogue.build_indexes();
    let loaded = store.load()?;
    usable(
        Session::new(
            Arc::clone(&catalogue),
            Some(trainers.clone()),
            loaded.profile,
            Some(store),
        ),
        loaded.warnings,
    );
    let (models, _) = fit_lists(&catalogue, &trainers, opts, progress)?;
    Ok(models)
}

/// Whether `dir` holds a MovieLens dataset reel can read (any layout).
pub fn has_dataset(dir: &Path) -> bool {
    crate::data::load::detect_layout(dir).is_ok()
}
