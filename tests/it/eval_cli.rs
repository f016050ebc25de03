//! `reel eval` end to end on the real ml-latest-small (through the library entry
//! point `reel::cli::eval::evaluate`, with the dataset built from `ratings.csv`).
//!
//! Data: /work/shared/data/ml-latest-small, or the folder in env var REEL_TEST_DATA.

use clap::Parser;
use reel::cli::eval::{evaluate, render_table, EvalArgs, EvalOutput};
use reel::data::{CacheMode, LoadOptions, RatingMatrix};
use reel::eval::files::{read_matrix, IdSpace};
use reel::eval::run::top_n_on_split;
use reel::eval::split::user_holdout;
use reel::eval::TopNConfig;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    eval: EvalArgs,
}

fn args(line: &[&str]) -> EvalArgs {
    let mut argv = vec!["reel-eval"];
    argv.extend_from_slice(line);
    match Cli::try_parse_from(argv) {
        Ok(c) => c.eval,
        Err(e) => panic!("{line:?}: {e}"),
    }
}

fn data_dir() -> PathBuf {
    std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"))
}

/// ratings.csv read by the eval CSV reader: rated movies only, the same id space
/// `--train/--test` files covering the whole data give.
fn csv_matrix() -> (IdSpace, RatingMatrix) {
    let path = data_dir().join("ratings.csv");
    if !path.exists() {
        panic!(
            "MovieLens test data not found: {} is missing. Put ml-latest-small there or set REEL_TEST_DATA to its folder.",
            path.display()
        );
    }
    match read_matrix(&path) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    }
}

/// Evaluates on the dataset as the real loader reads it (no cache written).
fn run(a: &EvalArgs) -> anyhow::Result<EvalOutput> {
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    evaluate(a, &mut || {
        let dir = data_dir();
        if !dir.join("ratings.csv").exists() {
            panic!(
                "MovieLens test data not found in {}: set REEL_TEST_DATA to the ml-latest-small folder",
                dir.display()
            );
        }
        Ok(reel::data::load(&dir, &opts)?)
    })
}

#[test]
fn parses_options() {
    let a = args(&["--algo", "svd,als", "--folds", "3", "--seed", "7", "--json"]);
    assert_eq!(a.algo, vec!["svd", "als"]);
    assert_eq!(a.folds, Some(3));
    assert_eq!(a.seed, 7);
    assert!(a.json);
    let d = args(&[]);
    assert_eq!((d.k, d.seed, d.folds), (10, 42, None));
    let clash = Cli::try_parse_from(["x", "--folds", "3", "--train", "a", "--test", "b"]);
    assert!(clash.is_err());
    assert!(Cli::try_parse_from(["x", "--train", "a"]).is_err());
}

#[test]
fn unknown_algorithm_fails_before_loading() {
    let a = args(&["--algo", "svd,bogus"]);
    let err = evaluate(&a, &mut || anyhow::bail!("must not load")).unwrap_err();
    assert!(
        err.to_string().contains("unknown algorithm 'bogus'"),
        "{err}"
    );
    let a = args(&["--protocol", "topn", "--folds", "3"]);
    assert!(evaluate(&a, &mut || anyhow::bail!("must not load")).is_err());
}

/// Without the `ncf` feature, `--algo ncf` is a known name that says how to get it.
#[cfg(not(feature = "ncf"))]
#[test]
fn ncf_without_the_feature_fails_before_loading_and_says_how_to_build() {
    for protocol in ["rating", "topn"] {
        let a = args(&["--protocol", protocol, "--algo", "svd,ncf"]);
        let err = evaluate(&a, &mut || anyhow::bail!("must not load")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("built without the ncf feature"), "{msg}");
        assert!(msg.contains("build with --features ncf"), "{msg}");
    }
}

#[test]
fn top_n_svd_on_ml_latest_small_is_deterministic() {
    let a = args(&["--protocol", "topn", "--algo", "svd", "--k", "10"]);
    let out = run(&a).unwrap();
    let table = render_table(&out);
    eprintln!("{table}");
    assert!(table.contains("top-N ranking, k = 10"));
    assert!(table.contains("per-user hold-out"));
    let r = &out.topn[0].report;
    assert_eq!(r.test_users, 610);
    assert!(r.ndcg > 0.05 && r.ndcg < 0.7, "NDCG@10 {}", r.ndcg);
    assert!(r.coverage > 0.0 && r.coverage < 1.0);
    let again = run(&a).unwrap();
    let r2 = &again.topn[0].report;
    assert_eq!(
        (r.ndcg, r.precision, r.mrr),
        (r2.ndcg, r2.precision, r2.mrr)
    );
}

fn write_csv(path: &Path, ids: &IdSpace, ratings: impl Iterator<Item = reel::data::Rating>) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "userId,movieId,rating,timestamp").unwrap();
    for r in ratings {
        writeln!(
            f,
            "{},{},{},{}",
            ids.user_ids[r.user as usize], ids.movie_ids[r.item as usize], r.value, r.time
        )
        .unwrap();
    }
}

#[test]
fn given_train_test_files_match_the_built_in_split() {
    let (ids, matrix) = csv_matrix();
    let split = user_holdout(&matrix, 0.2, 5, 42).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("train.csv"), dir.path().join("test.csv"));
    write_csv(&train, &ids, split.train.iter());
    write_csv(&test, &ids, split.test.iter().copied());
    // With an extra test row for a user and a movie absent from train: both fall back.
    let extra = dir.path().join("test_extra.csv");
    std::fs::copy(&test, &extra).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&extra)
        .unwrap();
    writeln!(f, "999999,999999,3.0,0").unwrap();
    drop(f);
    let t = train.to_str().unwrap();
    let s = test.to_str().unwrap();
    let e = extra.to_str().unwrap();
    let rating = evaluate(
        &args(&["--algo", "svd", "--train", t, "--test", e, "--json"]),
        &mut || anyhow::bail!("must not load the dataset with --train/--test"),
    )
    .unwrap();
    let r = &rating.rating[0];
    assert_eq!(r.n_test as usize, split.test.len() + 1);
    assert_eq!(r.fallback.unknown_both, 1);
    let json = serde_json::to_value(&rating).unwrap();
    assert_eq!(json["protocol"]["kind"], "rating");
    assert!(json["rating"][0]["rmse"].as_f64().is_some());

    // The top-N protocol on the files equals the built-in split (same seed): the
    // files span the same ids, so dense indices, model and metrics are identical.
    let from_files = evaluate(
        &args(&[
            "--protocol",
            "topn",
            "--algo",
            "svd",
            "--train",
            t,
            "--test",
            s,
        ]),
        &mut || anyhow::bail!("must not load"),
    )
    .unwrap();
    let built_in = top_n_on_split(
        &split.train,
        &split.test,
        &["svd".to_string()],
        &TopNConfig::default(),
        42,
        &mut |_, _| {},
    )
    .unwrap();
    let (a, b) = (&from_files.topn[0].report, &built_in[0].report);
    eprintln!("files: {a:?}\nbuilt-in: {b:?}");
    assert_eq!(a.users_evaluated, b.users_evaluated);
    assert_eq!(a.test_users, b.test_users);
    assert_eq!(
        (a.ndcg, a.precision, a.coverage),
        (b.ndcg, b.precision, b.coverage)
    );
}

/// Every registered algorithm through both protocols, with sanity bands. Prints the tables.
#[test]
fn every_algorithm_through_both_protocols() {
    let all = reel::eval::AVAILABLE.join(",");
    let topn = run(&args(&["--protocol", "topn", "--algo", &all])).unwrap();
    eprintln!("{}", render_table(&topn));
    let pop = topn.topn.iter().find(|r| r.algo == "popular").unwrap();
    // The library popularity model on this protocol: near implicit's NDCG@10 ~0.16.
    assert!(
        pop.report.ndcg > 0.10 && pop.report.ndcg < 0.25,
        "{}",
        pop.report.ndcg
    );
    for r in &topn.topn {
        let m = &r.report;
        for v in [m.precision, m.recall, m.ndcg, m.hit_rate, m.mrr, m.coverage] {
            assert!((0.0..=1.0).contains(&v), "{}: {m:?}", r.algo);
        }
        assert_eq!(m.users_evaluated, pop.report.users_evaluated);
    }
    // A personalised ranker beats popularity on this protocol.
    let svd = topn.topn.iter().find(|r| r.algo == "svd").unwrap();
    assert!(svd.report.ndcg > pop.report.ndcg, "{}", svd.report.ndcg);
    let rating = run(&args(&["--algo", &all, "--folds", "3"])).unwrap();
    eprintln!("{}", render_table(&rating));
    for r in &rating.rating {
        // ml-latest-small: ~0.85-0.90 for biased MF / kNN, ~0.95 for movie means.
        assert!(r.rmse > 0.7 && r.rmse < 1.1, "{}: RMSE {}", r.algo, r.rmse);
        assert!(r.mae < r.rmse);
        assert_eq!(r.folds.len(), 3);
        assert_eq!(r.n_test, 100_836);
        // Movies rated once are in no training fold when held out: they fall back.
        assert!(r.fallback.unknown_item > 0);
    }
    let by = |name: &str| rating.rating.iter().find(|r| r.algo == name).unwrap().rmse;
    // Personalised models beat the non-personalised popularity predictor.
    assert!(by("baseline") < by("popular"));
    assert!(by("svd") < by("baseline"));
}
