//! Evaluation: splits, rating-prediction metrics and top-N metrics.
//!
//! - [`split`]: seeded k-fold over ratings, per-user hold-out;
//! - [`metrics`]: RMSE, MAE, Precision/Recall/NDCG/HitRate@k, MRR, coverage;
//! - [`rating`]: rating-prediction runner with fallbacks for unknown users/movies;
//! - [`topn`]: the top-N protocol runner for any [`crate::models::Model`];
//! - [`registry`]: `--algo` names → fitted models;
//! - [`run`]: the protocols over a list of algorithms, with timings;
//! - [`files`]: `--train`/`--test` rating CSVs in one id space.

pub mod files;
pub mod metrics;
pub mod rating;
/// The model registry lives with the models (the engine uses it too).
pub use crate::models::registry;
pub mod run;
pub mod split;
pub mod topn;

pub use metrics::{ErrorStats, UserTopN};
pub use rating::{evaluate_ratings, FallbackCounts, RatingReport};
pub use registry::{fit_by_name, RegistryError, ALGORITHMS, AVAILABLE};
pub use run::{EvalError, FoldResult, RatingResult, TopNResult};
pub use split::{k_fold, user_holdout, KFold, Split, SplitError};
pub use topn::{evaluate_top_n, evaluate_top_n_with, TopNConfig, TopNReport};
