//! Running the protocols for a list of algorithms: fit each by name, time it,
//! evaluate, collect results. Folds are the outer loop so only one training
//! matrix exists at a time.

use super::rating::{evaluate_ratings, FallbackCounts};
use super::split::{KFold, SplitError};
use super::topn::{evaluate_top_n, TopNConfig, TopNReport};
use crate::data::{Rating, RatingMatrix};
use crate::models::registry::{check_name, fit_by_name, RegistryError};
use crate::models::Progress;
use serde::Serialize;
use std::time::Instant;

/// Why an evaluation run failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Split(#[from] SplitError),
    #[error("no algorithm given")]
    NoAlgorithm,
}

/// Rating prediction on one fold (or on a given train/test pair).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    pub fold: usize,
    pub n_test: u64,
    pub rmse: f64,
    pub mae: f64,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    pub fallback: FallbackCounts,
}

/// Rating prediction for one algorithm, over all folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingResult {
    pub algo: String,
    /// Mean over folds of the per-fold RMSE and MAE.
    pub rmse: f64,
    pub mae: f64,
    /// Sample standard deviation of the per-fold RMSE (0 for one fold).
    pub rmse_std: f64,
    /// Mean seconds per fold.
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    /// Totals over folds.
    pub n_test: u64,
    pub fallback: FallbackCounts,
    pub folds: Vec<FoldResult>,
}

impl RatingResult {
    fn from_folds(algo: &str, folds: Vec<FoldResult>) -> RatingResult {
        let n = folds.len().max(1) as f64;
        let mean = |f: fn(&FoldResult) -> f64| folds.iter().map(f).sum::<f64>() / n;
        let rmse = mean(|f| f.rmse);
        let rmse_std = if folds.len() > 1 {
            (folds.iter().map(|f| (f.rmse - rmse).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        RatingResult {
            algo: algo.to_string(),
            rmse,
            mae: mean(|f| f.mae),
            rmse_std,
            fit_seconds: mean(|f| f.fit_seconds),
            predict_seconds: mean(|f| f.predict_seconds),
            n_test: folds.iter().map(|f| f.n_test).sum(),
            fallback: folds
                .iter()
                .fold(FallbackCounts::default(), |a, f| a.merge(f.fallback)),
            folds,
        }
    }
}

/// Top-N protocol for one algorithm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopNResult {
    pub algo: String,
    pub fit_seconds: f64,
    #[serde(flatten)]
    pub report: TopNReport,
}

/// Progress of a run: which algorithm (and fold) is fitting, and the model's progress.
pub type RunProgress<'a> = dyn FnMut(&str, Progress) + 'a;

fn check_all(algos: &[String]) -> Result<(), EvalError> {
    if algos.is_empty() {
        return Err(EvalError::NoAlgorithm);
    }
    for a in algos {
        check_name(a)?;
    }
    Ok(())
}

fn fit_and_score(
    algo: &str,
    fold: usize,
    train: &RatingMatrix,
    test: &[Rating],
    seed: u64,
    progress: &mut RunProgress<'_>,
) -> Result<FoldResult, EvalError> {
    let label = format!("{algo} fold {}", fold + 1);
    let start = Instant::now();
    let model = fit_by_name(algo, train, seed, &mut |p| progress(&label, p))?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let rep = evaluate_ratings(model.as_ref(), train, test);
    Ok(FoldResult {
        fold,
        n_test: rep.n_test,
        rmse: rep.rmse,
        mae: rep.mae,
        fit_seconds,
        predict_seconds: rep.predict_seconds,
        fallback: rep.fallback,
    })
}

/// Rating prediction by seeded `k`-fold cross-validation over the ratings of `data`.
/// Each model is fitted with `seed` on every fold.
pub fn rating_cross_validation(
    data: &RatingMatrix,
    algos: &[String],
    k: usize,
    seed: u64,
    progress: &mut RunProgress<'_>,
) -> Result<Vec<RatingResult>, EvalError> {
    check_all(algos)?;
    let folds = KFold::new(data, k, seed)?;
    let mut per_algo: Vec<Vec<FoldResult>> = vec![Vec::new(); algos.len()];
    for (f, split) in folds.splits().enumerate() {
        for (a, algo) in algos.iter().enumerate() {
            per_algo[a].push(fit_and_score(
                algo,
                f,
                &split.train,
                &split.test,
                seed,
                progress,
            )?);
        }
    }
    Ok(algos
        .iter()
        .zip(per_algo)
        .map(|(a, folds)| RatingResult::from_folds(a, folds))
        .collect())
}

/// Rating prediction on one given train/test pair.
pub fn rating_on_split(
    train: &RatingMatrix,
    test: &[Rating],
    algos: &[String],
    seed: u64,
    progress: &mut RunProgress<'_>,
) -> Result<Vec<RatingResult>, EvalError> {
    check_all(algos)?;
    algos
        .iter()
        .map(|a| {
            let fold = fit_and_score(a, 0, train, test, seed, progress)?;
            Ok(RatingResult::from_folds(a, vec![fold]))
        })
        .collect()
}

/// The top-N protocol on one train/test pair.
pub fn top_n_on_split(
    train: &RatingMatrix,
    test: &[Rating],
    algos: &[String],
    config: &TopNConfig,
    seed: u64,
    progress: &mut RunProgress<'_>,
) -> Result<Vec<TopNResult>, EvalError> {
    check_all(algos)?;
    algos
        .iter()
        .map(|algo| {
            let start = Instant::now();
            let model = fit_by_name(algo, train, seed, &mut |p| progress(algo, p))?;
            let fit_seconds = start.elapsed().as_secs_f64();
            let report = evaluate_top_n(model.as_ref(), train, test, config);
            Ok(TopNResult {
                algo: algo.clone(),
                fit_seconds,
                report,
            })
        })
        .collect()
}
