//! `reel eval`: measure models by rating prediction (RMSE, MAE) or the top-N protocol.

use super::{emit, DataArgs};
use crate::data::{Dataset, RatingMatrix};
use crate::eval::files::read_train_test;
use crate::eval::run::{
    rating_cross_validation, rating_on_split, top_n_on_split_with, RatingResult, TopNOptions,
    TopNResult,
};
use crate::eval::split::user_holdout;
use crate::eval::{TopNConfig, ALGORITHMS};
use crate::models::Progress;
use anyhow::{bail, Context};
use serde::Serialize;
use std::path::PathBuf;

/// Which evaluation to run.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// Rating prediction: RMSE and MAE of predicted ratings.
    Rating,
    /// Top-N ranking: Precision/Recall/NDCG/HitRate@k, MRR, coverage.
    Topn,
}

/// Options of `reel eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// Algorithms to evaluate, comma-separated (popular, baseline, item-knn, user-knn, svd,
    /// als, blend, ease, svd-ease; ncf in builds with the ncf feature).
    #[arg(long, value_delimiter = ',', default_value = "baseline")]
    pub algo: Vec<String>,
    /// What to measure.
    #[arg(long, value_enum, default_value_t = ProtocolKind::Rating)]
    pub protocol: ProtocolKind,
    /// Rating protocol: number of folds of the seeded k-fold split over ratings
    /// (default 5 when no --train/--test is given).
    #[arg(long, conflicts_with_all = ["train", "test"])]
    pub folds: Option<usize>,
    /// Training ratings CSV (userId,movieId,rating,timestamp with header); needs --test.
    #[arg(long, requires = "test", value_name = "FILE")]
    pub train: Option<PathBuf>,
    /// Test ratings CSV, same format; needs --train.
    #[arg(long, requires = "train", value_name = "FILE")]
    pub test: Option<PathBuf>,
    /// Top-N protocol: list length.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Seed of the splits and of the models' random initialisation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Top-N protocol: also evaluate each list with the discovery dial at these settings
    /// (0 = the model's own ranking, 1 = strongest popularity penalty), comma-separated;
    /// without a value: 0,0.25,0.5,0.75,1.
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 0..,
        default_missing_values = ["0", "0.25", "0.5", "0.75", "1"],
        value_name = "D"
    )]
    pub discovery: Option<Vec<f32>>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A description of the protocol that was run, printed with the results.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolInfo {
    pub kind: ProtocolKind,
    pub description: String,
    pub split: String,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    pub train_ratings: usize,
    pub test_ratings: usize,
}

/// Everything `reel eval` prints.
#[derive(Debug, Clone, Serialize)]
pub struct EvalOutput {
    pub protocol: ProtocolInfo,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rating: Vec<RatingResult>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topn: Vec<TopNResult>,
}

/// Runs `reel eval`. The dataset (`--data`, `$REEL_DATA` or the default folder) supplies
/// the ratings unless `--train/--test` are given; with them, the top-N protocol still
/// tries it for the catalogue's genres (diversity), and does without if it cannot load.
pub fn run(data: &DataArgs, args: &EvalArgs) -> anyhow::Result<()> {
    let out = evaluate(args, &mut || data.load())?;
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))
    } else {
        emit(&render_table(&out))
    }
}

/// Runs the evaluation and returns the results (what [`run`] prints).
pub fn evaluate(
    args: &EvalArgs,
    load: &mut dyn FnMut() -> anyhow::Result<Dataset>,
) -> anyhow::Result<EvalOutput> {
    let algos: Vec<String> = args
        .algo
        .iter()
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    if algos.is_empty() {
        bail!("--algo needs at least one of: {}", ALGORITHMS.join(", "));
    }
    for a in &algos {
        crate::eval::registry::check_name(a)?;
    }
    if args.protocol == ProtocolKind::Topn && args.folds.is_some() {
        bail!("--folds applies to --protocol rating; the top-N protocol uses a per-user hold-out or --train/--test");
    }
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    let dials = args.discovery.clone().unwrap_or_default();
    if let Some(bad) = dials.iter().find(|d| !(0.0..=1.0).contains(*d)) {
        bail!("--discovery takes settings between 0 and 1, got {bad}");
    }
    if !dials.is_empty() && args.protocol != ProtocolKind::Topn {
        bail!("--discovery applies to --protocol topn");
    }
    let bar = ProgressDisplay::new();
    let mut progress = |label: &str, p: Progress| bar.update(label, &p);

    let files = match (&args.train, &args.test) {
        (Some(train), Some(test)) => Some(
            read_train_test(train, test)
                .with_context(|| "reading --train/--test files".to_string())?,
        ),
        _ => None,
    };
    let files_desc = |f: &crate::eval::files::FileSplit| {
        format!(
            "given files: --train {} ({} ratings), --test {} ({} ratings); {} users, {} movies in the shared id space",
            args.train.as_deref().map(|p| p.display().to_string()).unwrap_or_default(),
            f.train.nnz(),
            args.test.as_deref().map(|p| p.display().to_string()).unwrap_or_default(),
            f.test.len(),
            f.ids.user_ids.len(),
            f.ids.movie_ids.len()
        )
    };

    let output = match args.protocol {
        ProtocolKind::Rating => {
            if let Some(f) = &files {
                let rating = rating_on_split(&f.train, &f.test, &algos, args.seed, &mut progress)?;
                EvalOutput {
                    protocol: ProtocolInfo {
                        kind: ProtocolKind::Rating,
                        description: "rating prediction (RMSE, MAE) on a given train/test pair"
                            .into(),
                        split: files_desc(f),
                        seed: args.seed,
                        folds: None,
                        k: None,
                        train_ratings: f.train.nnz(),
                        test_ratings: f.test.len(),
                    },
                    rating,
                    topn: Vec::new(),
                }
            } else {
                let k = args.folds.unwrap_or(5);
                let data = load()?;
                let m: &RatingMatrix = &data.ratings;
                let rating = rating_cross_validation(m, &algos, k, args.seed, &mut progress)?;
                EvalOutput {
                    protocol: ProtocolInfo {
                        kind: ProtocolKind::Rating,
                        description: "rating prediction (RMSE, MAE), mean over folds".into(),
                        split: format!(
                            "{k}-fold cross-validation over the {} ratings of {} (seeded shuffle)",
                            m.nnz(),
                            data.source.display()
                        ),
                        seed: args.seed,
                        folds: Some(k),
                        k: None,
                        train_ratings: m.nnz() - m.nnz() / k,
                        test_ratings: m.nnz() / k,
                    },
                    rating,
                    topn: Vec::new(),
                }
            }
        }
        ProtocolKind::Topn => {
            let config = TopNConfig {
                k: args.k,
                ..TopNConfig::default()
            };
            let description = format!(
                "top-N ranking, k = {}: for each test user, candidates = every movie in train minus the user's train movies; relevant = the user's test movies rated >= {:.1}; users with no relevant movie skipped; metrics averaged over users",
                config.k, config.relevance_threshold
            );
            let (train, test, split, genres) = match files {
                Some(f) => {
                    let desc = files_desc(&f);
                    // Genres come from the catalogue of the dataset folder, if there is
                    // one; without it the diversity column stays empty.
                    let genres = load().ok().map(|data| {
                        f.ids
                            .movie_ids
                            .iter()
                            .map(|&id| data.catalogue.by_id(id).map_or(0, |m| m.genres.0))
                            .collect::<Vec<u64>>()
                    });
                    (f.train, f.test, desc, genres)
                }
                None => {
                    let data = load()?;
                    let s = user_holdout(&data.ratings, 0.2, 5, args.seed)?;
                    let desc = format!(
                        "per-user hold-out of {}: for each user with >= 5 ratings, 20% of their ratings (rounded, at least 1) chosen at random with the seed",
                        data.source.display()
                    );
                    let genres = (0..data.ratings.n_items() as u32)
                        .map(|i| data.catalogue.movie(i).genres.0)
                        .collect();
                    (s.train, s.test, desc, Some(genres))
                }
            };
            let options = TopNOptions { genres, dials };
            let topn = top_n_on_split_with(
                &train,
                &test,
                &algos,
                &config,
                args.seed,
                &options,
                &mut progress,
            )?;
            EvalOutput {
                protocol: ProtocolInfo {
                    kind: ProtocolKind::Topn,
                    description,
                    split,
                    seed: args.seed,
                    folds: None,
                    k: Some(config.k),
                    train_ratings: train.nnz(),
                    test_ratings: test.len(),
                },
                rating: Vec::new(),
                topn,
            }
        }
    };
    bar.finish();
    Ok(output)
}

/// The human-readable report.
pub fn render_table(out: &EvalOutput) -> String {
    use std::fmt::Write;
    let p = &out.protocol;
    let mut s = String::new();
    let _ = writeln!(s, "Protocol: {}", p.description);
    let _ = writeln!(s, "Split:    {}", p.split);
    let _ = writeln!(
        s,
        "Seed {}; {} train / {} test ratings{}",
        p.seed,
        p.train_ratings,
        p.test_ratings,
        if p.folds.is_some() {
            " per fold (approx.)"
        } else {
            ""
        }
    );
    let _ = writeln!(s);
    if !out.rating.is_empty() {
        let _ = writeln!(
            s,
            "{:<10} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10}",
            "algo", "RMSE", "±", "MAE", "fit s", "predict s", "fallbacks"
        );
        for r in &out.rating {
            let _ = writeln!(
                s,
                "{:<10} {:>8.4} {:>8.4} {:>8.4} {:>10.3} {:>10.3} {:>10}",
                r.algo,
                r.rmse,
                r.rmse_std,
                r.mae,
                r.fit_seconds,
                r.predict_seconds,
                r.fallback.total()
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "± = standard deviation of RMSE over folds; times are per fold. Fallbacks (test rows whose user or movie has no training rating, predicted by simple means):"
        );
        for r in &out.rating {
            let f = &r.fallback;
            let _ = writeln!(
                s,
                "  {}: {} unknown user (movie mean), {} unknown movie (user mean), {} both (global mean), {} non-finite predictions",
                r.algo, f.unknown_user, f.unknown_item, f.unknown_both, f.non_finite
            );
        }
    }
    if let Some(first) = out.topn.first() {
        let rep = &first.report;
        let _ = writeln!(
            s,
            "Users: {} with test ratings, {} evaluated, {} skipped (no relevant movie), {} evaluated without training ratings; {} movies in train; {} relevant test movies absent from train (never recommendable)",
            rep.test_users,
            rep.users_evaluated,
            rep.users_skipped_no_relevant,
            rep.users_without_train,
            rep.catalogue_size,
            rep.relevant_not_in_train
        );
        let k = rep.k;
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>9} {:>8} {:>8}",
            "algo",
            format!("P@{k}"),
            format!("R@{k}"),
            format!("NDCG@{k}"),
            format!("Hit@{k}"),
            "MRR",
            "coverage",
            "novelty",
            "diversity",
            "fit s",
            "rank s"
        );
        for r in &out.topn {
            let m = &r.report;
            let _ = writeln!(
                s,
                "{:<10} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>9.4} {:>8.3} {:>9} {:>8.3} {:>8.3}",
                r.algo,
                m.precision,
                m.recall,
                m.ndcg,
                m.hit_rate,
                m.mrr,
                m.coverage,
                m.novelty,
                optional(m.diversity),
                r.fit_seconds,
                m.rank_seconds
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "novelty = mean self-information -log2(raters/users) of recommended movies (bits); diversity = 1 - mean pairwise genre Jaccard within a list{}",
            if first.report.diversity.is_none() {
                " (n/a: no catalogue; give --data with the dataset's movies)"
            } else {
                ""
            }
        );
        if out.topn.iter().any(|r| !r.discovery.is_empty()) {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "Discovery dial (score - dial x {} x score s.d. x normalised log-popularity):",
                crate::models::discovery::STRENGTH
            );
            let _ = writeln!(
                s,
                "{:<10} {:>6} {:>8} {:>8} {:>9} {:>8} {:>9}",
                "algo",
                "dial",
                format!("NDCG@{k}"),
                format!("Hit@{k}"),
                "coverage",
                "novelty",
                "diversity"
            );
            for r in &out.topn {
                for d in &r.discovery {
                    let _ = writeln!(
                        s,
                        "{:<10} {:>6.2} {:>8.4} {:>8.4} {:>9.4} {:>8.3} {:>9}",
                        r.algo,
                        d.dial,
                        d.ndcg,
                        d.hit_rate,
                        d.coverage,
                        d.novelty,
                        optional(d.diversity)
                    );
                }
            }
        }
    }
    s
}

/// A metric that may be missing, for the table.
fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.4}"))
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
struct ProgressDisplay {
    bar: indicatif::ProgressBar,
}

impl ProgressDisplay {
    fn new() -> Self {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        ProgressDisplay { bar }
    }

    fn update(&self, label: &str, p: &Progress) {
        self.bar.set_length(p.total);
        self.bar.set_position(p.done);
        self.bar.set_message(format!("{label}: {}", p.stage));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{FallbackCounts, FoldResult, TopNReport};

    fn info(kind: ProtocolKind) -> ProtocolInfo {
        ProtocolInfo {
            kind,
            description: "DESC".into(),
            split: "SPLIT".into(),
            seed: 42,
            folds: None,
            k: Some(10),
            train_ratings: 8,
            test_ratings: 2,
        }
    }

    #[test]
    fn rating_table_and_json() {
        let fold = FoldResult {
            fold: 0,
            n_test: 2,
            rmse: 0.5,
            mae: 0.25,
            fit_seconds: 1.0,
            predict_seconds: 0.5,
            fallback: FallbackCounts {
                unknown_user: 1,
                ..FallbackCounts::default()
            },
        };
        let out = EvalOutput {
            protocol: info(ProtocolKind::Rating),
            rating: vec![RatingResult {
                algo: "svd".into(),
                rmse: 0.5,
                mae: 0.25,
                rmse_std: 0.0,
                fit_seconds: 1.0,
                predict_seconds: 0.5,
                n_test: 2,
                fallback: fold.fallback,
                folds: vec![fold],
            }],
            topn: Vec::new(),
        };
        let t = render_table(&out);
        assert!(t.starts_with("Protocol: DESC\nSplit:    SPLIT\n"), "{t}");
        assert!(t.contains("svd          0.5000   0.0000   0.2500"), "{t}");
        assert!(t.contains("svd: 1 unknown user"), "{t}");
        let j = serde_json::to_value(&out).unwrap_or_default();
        assert_eq!(j["protocol"]["kind"], "rating");
        assert_eq!(j["rating"][0]["fallback"]["unknown_user"], 1);
        assert!(j.get("topn").is_none());
    }

    #[test]
    fn topn_table_names_k() {
        let report = TopNReport {
            k: 5,
            relevance_threshold: 4.0,
            test_users: 3,
            users_evaluated: 2,
            users_skipped_no_relevant: 1,
            users_without_train: 0,
            catalogue_size: 10,
            relevant_not_in_train: 0,
            precision: 0.2,
            recall: 0.5,
            ndcg: 0.4,
            hit_rate: 1.0,
            mrr: 0.75,
            coverage: 0.3,
            novelty: 2.5,
            diversity: Some(0.75),
            rank_seconds: 0.0,
        };
        let out = EvalOutput {
            protocol: info(ProtocolKind::Topn),
            rating: Vec::new(),
            topn: vec![TopNResult {
                algo: "popular".into(),
                fit_seconds: 0.0,
                report,
                discovery: vec![crate::eval::run::DialResult {
                    dial: 0.5,
                    ndcg: 0.3,
                    hit_rate: 0.9,
                    coverage: 0.4,
                    novelty: 3.0,
                    diversity: None,
                }],
            }],
        };
        let t = render_table(&out);
        assert!(t.contains("NDCG@5"), "{t}");
        assert!(
            t.contains("3 with test ratings, 2 evaluated, 1 skipped"),
            "{t}"
        );
        let j = serde_json::to_value(&out).unwrap_or_default();
        assert!(t.contains("Discovery dial"), "{t}");
        assert!(t.contains("0.50   0.3000"), "{t}");
        assert_eq!(j["topn"][0]["ndcg"], 0.4);
        assert_eq!(j["topn"][0]["novelty"], 2.5);
        assert_eq!(j["topn"][0]["diversity"], 0.75);
        assert_eq!(j["topn"][0]["discovery"][0]["dial"], 0.5);
        assert_eq!(j["topn"][0]["algo"], "popular");
    }
}
