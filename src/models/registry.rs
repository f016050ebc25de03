//! The one model registry: name → label, default configuration and fit. `reel eval`
//! (`--algo`), the engine's lists, the CLI and the server all name models through it,
//! and [`super::store`] keys saved models by these names.

use crate::data::RatingMatrix;
use crate::models::{
    als, baseline, blend, ease, hybrid, item_knn, popular, svd, user_knn, Model, Progress,
};

/// The seed models with random initialisation use unless told otherwise.
pub const DEFAULT_SEED: u64 = 42;

/// The default configuration of model `name`, as text: part of a saved model's key, so
/// a change of defaults retrains instead of loading a model fitted with the old ones.
pub fn config_key(name: &str) -> String {
    match name {
        "popular" => format!("{:?}", popular::PopularConfig::default()),
        "baseline" => format!("{:?}", baseline::BaselineConfig::default()),
        "item-knn" => format!("{:?}", item_knn::ItemKnnConfig::default()),
        "user-knn" => format!("{:?}", user_knn::UserKnnConfig::default()),
        "svd" => format!("{:?}", svd::SvdConfig::default()),
        "als" => format!("{:?}", als::AlsConfig::default()),
        "ease" => format!("{:?}", ease::EaseConfig::default()),
        "svd-ease" => format!("{:?}", hybrid::HybridConfig::default()),
        #[cfg(feature = "ncf")]
        "ncf" => format!("{:?}", super::ncf::NcfConfig::default()),
        other => other.to_string(),
    }
}

/// Reads back a model saved by [`super::store::save`] (its [`Model::snapshot`]).
pub fn from_snapshot(name: &str, bytes: &[u8]) -> Result<Box<dyn Model>, String> {
    use super::store::decode;
    Ok(match name {
        "item-knn" => Box::new(decode::<item_knn::ItemKnn>(bytes)?),
        "svd" => Box::new(decode::<svd::SvdModel>(bytes)?),
        "als" => Box::new(decode::<als::AlsModel>(bytes)?),
        "ease" => Box::new(ease::Ease::from(decode::<ease::EaseOwned>(bytes)?)),
        "svd-ease" => Box::new(hybrid::Hybrid::from(decode::<hybrid::HybridOwned>(bytes)?)),
        #[cfg(feature = "ncf")]
        "ncf" => Box::new(super::ncf::Ncf::from_snapshot(bytes)?),
        other => return Err(format!("model {other} has no saved form")),
    })
}

/// How a model's list is titled in the front-ends. The label is the list's role: the
/// default lists (`ease`, `svd-ease`) carry the titles of the two lists the product
/// promises, as `item-knn` and `svd` did before them.
pub fn label(name: &str) -> &'static str {
    match name {
        "popular" => "Popular",
        "baseline" => "Baseline",
        "item-knn" | "ease" => "Item-based",
        "user-knn" => "User-based",
        "svd" | "svd-ease" => "SVD",
        "als" => "ALS",
        "blend" => "Blend",
        "ncf" => "Neural (NCF)",
        _ => "Model",
    }
}

/// Model `name`'s training stages, as its progress names them, with each one's rough
/// share of the training time (measured on the synthetic 25M-rating set). Stages that
/// run side by side (the SVD list's two models) are listed each with its share; names
/// joined by `|` are alternatives (EASE's dense closed form or its sparse
/// approximation). Empty for a model without a plan.
pub fn training_stages(name: &str) -> &'static [(&'static str, f32)] {
    match name {
        "popular" => &[("counting", 1.0)],
        "baseline" | "user-knn" => &[("baseline sweeps", 1.0)],
        "item-knn" => &[
            ("baseline sweeps", 0.15),
            ("similarities", 0.8),
            ("neighbour lists", 0.05),
        ],
        "svd" => &[("epoch", 0.5), ("implicit iteration", 0.5)],
        "als" => &[("als iteration", 0.5), ("implicit iteration", 0.5)],
        "blend" => &[
            ("baseline sweeps", 0.06),
            ("similarities", 0.32),
            ("neighbour lists", 0.02),
            ("epoch", 0.3),
            ("implicit iteration", 0.3),
        ],
        "ease" => &[
            ("co-occurrences|gram matrix", 0.35),
            ("regressions|inverse", 0.2),
            ("baseline sweeps", 0.06),
            ("similarities", 0.37),
            ("neighbour lists", 0.02),
        ],
        "svd-ease" => &[
            ("co-occurrences|gram matrix", 0.2),
            ("regressions|inverse", 0.11),
            ("baseline sweeps", 0.03),
            ("similarities", 0.2),
            ("neighbour lists", 0.01),
            ("epoch", 0.225),
            ("implicit iteration", 0.225),
        ],
        "ncf" => &[
            ("ncf epoch", 0.9),
            ("baseline sweeps", 0.015),
            ("similarities", 0.08),
            ("neighbour lists", 0.005),
        ],
        _ => &[],
    }
}

/// Turns a model's progress reports (each stage counted from 0) into the fraction of
/// its whole training done, by [`training_stages`]; never goes back.
pub struct TrainingProgress {
    plan: &'static [(&'static str, f32)],
    done: Vec<f32>,
    furthest: f32,
}

impl TrainingProgress {
    pub fn new(name: &str) -> Self {
        let plan = training_stages(name);
        TrainingProgress {
            plan,
            done: vec![0.0; plan.len()],
            furthest: 0.0,
        }
    }

    /// The fraction of training done after report `p` (0–1).
    pub fn update(&mut self, p: &Progress) -> f32 {
        let frac = if p.total > 0 {
            (p.done as f32 / p.total as f32).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let step = self
            .plan
            .iter()
            .position(|(names, _)| names.split('|').any(|n| n == p.stage));
        let overall = match step {
            Some(k) => {
                self.done[k] = self.done[k].max(frac);
                let total: f32 = self.plan.iter().map(|s| s.1).sum();
                let sum: f32 = self.plan.iter().zip(&self.done).map(|(s, d)| s.1 * d).sum();
                sum / total.max(f32::MIN_POSITIVE)
            }
            // A stage the plan does not know: the furthest stage fraction seen.
            None => frac,
        };
        self.furthest = self.furthest.max(overall.clamp(0.0, 1.0));
        self.furthest
    }
}

/// Every algorithm name `--algo` accepts, in display order.
pub const ALGORITHMS: &[&str] = &[
    "popular", "baseline", "item-knn", "user-knn", "svd", "als", "blend", "ease", "svd-ease", "ncf",
];

/// The algorithms wired into [`fit_by_name`] in this build: all of them with the `ncf`
/// cargo feature, all but `ncf` without it.
#[cfg(feature = "ncf")]
pub const AVAILABLE: &[&str] = ALGORITHMS;
#[cfg(not(feature = "ncf"))]
pub const AVAILABLE: &[&str] = &[
    "popular", "baseline", "item-knn", "user-knn", "svd", "als", "blend", "ease", "svd-ease",
];

/// The cargo feature an algorithm needs, if it is behind one.
pub fn feature_of(name: &str) -> Option<&'static str> {
    match name {
        "ncf" => Some("ncf"),
        _ => None,
    }
}

/// Why a model could not be fitted by name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    #[error("unknown algorithm '{name}' (known: {})", ALGORITHMS.join(", "))]
    Unknown { name: String },
    #[error(
        "algorithm '{name}' is not available in this build yet (available: {})",
        available_list()
    )]
    NotAvailable { name: String },
    #[error(
        "algorithm '{name}' is not available: reel was built without the {feature} feature; build with --features {feature}"
    )]
    FeatureOff { name: String, feature: &'static str },
    #[error("cannot fit '{name}': {message}")]
    Fit { name: String, message: String },
}

fn available_list() -> String {
    if AVAILABLE.is_empty() {
        "none".to_string()
    } else {
        AVAILABLE.join(", ")
    }
}

/// Checks that `name` is an algorithm this build can fit (before any work is done).
pub fn check_name(name: &str) -> Result<(), RegistryError> {
    if !ALGORITHMS.contains(&name) {
        return Err(RegistryError::Unknown {
            name: name.to_string(),
        });
    }
    if !AVAILABLE.contains(&name) {
        if let Some(feature) = feature_of(name) {
            return Err(RegistryError::FeatureOff {
                name: name.to_string(),
                feature,
            });
        }
        return Err(RegistryError::NotAvailable {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Fits the model called `name` on `train` with its default configuration and `seed`
/// (for models with random initialisation), reporting progress.
pub fn fit_by_name(
    name: &str,
    train: &RatingMatrix,
    seed: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Box<dyn Model>, RegistryError> {
    check_name(name)?;
    let model: Box<dyn Model> = match name {
        "popular" => Box::new(popular::Popular::fit(
            train,
            &popular::PopularConfig::default(),
            progress,
        )),
        "baseline" => Box::new(baseline::Baseline::fit(
            train,
            &baseline::BaselineConfig::default(),
            progress,
        )),
        "item-knn" => Box::new(item_knn::ItemKnn::fit(
            train,
            &item_knn::ItemKnnConfig::default(),
            progress,
        )),
        "user-knn" => Box::new(user_knn::UserKnn::fit(
            train,
            &user_knn::UserKnnConfig::default(),
            progress,
        )),
        "svd" => {
            let mut config = svd::SvdConfig {
                seed,
                ..svd::SvdConfig::default()
            };
            if let Some(r) = config.ranking.as_mut() {
                r.implicit.seed = seed;
            }
            Box::new(svd::SvdModel::fit(train, &config, progress))
        }
        "blend" => {
            // item-kNN (KNNBaseline) and SVD, equal weights; SVD's score orders lists.
            let knn = fit_by_name("item-knn", train, seed, progress)?;
            let svd = fit_by_name("svd", train, seed, progress)?;
            match blend::Blend::new(vec![(knn, 0.5), (svd, 0.5)], 1) {
                Some(b) => Box::new(b),
                None => {
                    return Err(RegistryError::NotAvailable {
                        name: name.to_string(),
                    })
                }
            }
        }
        "ease" => Box::new(
            ease::Ease::fit_shared(train, &ease::EaseConfig::default(), progress).map_err(|e| {
                RegistryError::Fit {
                    name: name.to_string(),
                    message: e.to_string(),
                }
            })?,
        ),
        "svd-ease" => {
            let mut config = hybrid::HybridConfig::default();
            config.svd.seed = seed;
            if let Some(r) = config.svd.ranking.as_mut() {
                r.implicit.seed = seed;
            }
            Box::new(hybrid::Hybrid::fit(train, &config, progress).map_err(|e| {
                RegistryError::Fit {
                    name: name.to_string(),
                    message: e.to_string(),
                }
            })?)
        }
        "als" => {
            let mut config = als::AlsConfig {
                seed,
                ..als::AlsConfig::default()
            };
            if let Some(r) = config.ranking.as_mut() {
                r.implicit.seed = seed;
            }
            Box::new(als::AlsModel::fit(train, &config, progress))
        }
        #[cfg(feature = "ncf")]
        "ncf" => {
            let config = super::ncf::NcfConfig {
                seed,
                ..super::ncf::NcfConfig::default()
            };
            Box::new(super::ncf::Ncf::fit(train, &config, progress).map_err(|e| {
                RegistryError::Fit {
                    name: name.to_string(),
                    message: e.to_string(),
                }
            })?)
        }
        _ => {
            return Err(RegistryError::NotAvailable {
                name: name.to_string(),
            })
        }
    };
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_name_is_a_clear_error() {
        let (m, _) = RatingMatrix::from_ratings(1, 1, vec![]);
        let err = fit_by_name("nope", &m, 42, &mut |_| {}).err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("unknown algorithm 'nope'"), "{msg}");
        assert!(msg.contains("item-knn"), "{msg}");
    }

    #[test]
    fn fits_every_available_model_on_a_tiny_matrix() {
        use crate::data::Rating;
        let ratings = (0..6u32)
            .flat_map(|u| {
                (0..5u32)
                    .filter(move |i| (u + i) % 3 != 0)
                    .map(move |i| Rating {
                        user: u,
                        item: i,
                        value: 1.0 + ((u * 7 + i * 3) % 5) as f32,
                        time: 0,
                    })
            })
            .collect();
        let (m, _) = RatingMatrix::from_ratings(6, 5, ratings);
        for name in AVAILABLE {
            let model = fit_by_name(name, &m, 7, &mut |_| {});
            match model {
                Ok(model) => {
                    assert_eq!(model.name(), *name);
                    assert_eq!(model.n_items(), 5);
                    let p = model.for_user(crate::models::Who::Known(0)).predict(0);
                    assert!(p.is_finite(), "{name}: {p}");
                }
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }

    #[cfg(not(feature = "ncf"))]
    #[test]
    fn ncf_without_its_feature_says_how_to_build_it() {
        let (m, _) = RatingMatrix::from_ratings(1, 1, vec![]);
        assert!(ALGORITHMS.contains(&"ncf") && !AVAILABLE.contains(&"ncf"));
        let msg = fit_by_name("ncf", &m, 42, &mut |_| {})
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("built without the ncf feature"), "{msg}");
        assert!(msg.contains("--features ncf"), "{msg}");
    }

    /// A stage a model reports but its plan lacks would make the loading bar jump.
    #[test]
    fn every_stage_a_model_reports_is_in_its_plan() {
        use crate::data::Rating;
        let mut rng = fastrand::Rng::with_seed(4);
        let mut ratings = Vec::new();
        for user in 0..30u32 {
            for item in 0..12u32 {
                if rng.f32() < 0.6 {
                    ratings.push(Rating {
                        user,
                        item,
                        value: 0.5 * (1 + rng.u32(0..10)) as f32,
                        time: 0,
                    });
                }
            }
        }
        let (m, _) = RatingMatrix::from_ratings(30, 12, ratings);
        let known = |name: &str, stage: &str| {
            training_stages(name)
                .iter()
                .any(|(names, _)| names.split('|').any(|n| n == stage))
        };
        for name in AVAILABLE {
            let mut stages: Vec<String> = Vec::new();
            let fitted = fit_by_name(name, &m, 7, &mut |p| stages.push(p.stage));
            assert!(fitted.is_ok(), "{name}");
            assert!(!stages.is_empty(), "{name} reported nothing");
            for stage in stages {
                assert!(
                    known(name, &stage),
                    "{name} reports '{stage}', not in its plan"
                );
            }
        }
        // EASE's sparse approximation (large catalogues) reports its own stages.
        let sparse = ease::EaseConfig {
            dense_max_items: 0,
            ..ease::EaseConfig::default()
        };
        let mut stages: Vec<String> = Vec::new();
        assert!(ease::Ease::fit(&m, &sparse, &mut |p| stages.push(p.stage)).is_ok());
        for stage in stages {
            assert!(known("ease", &stage), "sparse ease reports '{stage}'");
            assert!(known("svd-ease", &stage), "sparse ease reports '{stage}'");
        }
    }

    #[test]
    fn training_progress_weighs_stages_and_never_goes_back() {
        let mut t = TrainingProgress::new("item-knn");
        let p = |stage: &str, done: u64, total: u64| Progress {
            stage: stage.into(),
            done,
            total,
        };
        assert!((t.update(&p("baseline sweeps", 10, 10)) - 0.15).abs() < 1e-6);
        assert!((t.update(&p("similarities", 0, 100)) - 0.15).abs() < 1e-6);
        assert!((t.update(&p("similarities", 50, 100)) - 0.55).abs() < 1e-6);
        assert!((t.update(&p("baseline sweeps", 1, 10)) - 0.55).abs() < 1e-6);
        assert!((t.update(&p("similarities", 100, 100)) - 0.95).abs() < 1e-6);
        assert!((t.update(&p("neighbour lists", 100, 100)) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn every_available_name_is_known() {
        for a in AVAILABLE {
            assert!(ALGORITHMS.contains(a), "{a}");
        }
    }
}
