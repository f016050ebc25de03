//! `reel info` as a user runs it: the real binary on the real data and on bad input.

use crate::common;

use std::process::Command;

fn reel() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reel"));
    // Keep the user's real cache and data directories out of tests.
    let home = std::env::temp_dir().join(format!("reel-cli-test-{}", std::process::id()));
    cmd.env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("REEL_DATA");
    cmd
}

#[test]
fn info_json_has_the_stable_keys_and_exact_counts() {
    let out = reel()
        .args(["info", "--json", "--no-cache", "--data"])
        .arg(common::ml_latest_small())
        .output()
        .expect("run reel");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["ratings"], 100_836);
    assert_eq!(v["users"], 610);
    assert_eq!(v["movies"], 9_742);
    assert_eq!(v["rated_movies"], 9_724);
    assert_eq!(v["tags"], 3_683);
    assert!(v["layout"].as_str().is_some_and(|l| l.starts_with("csv")));
    assert!(v["load_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    assert_eq!(v["first_rating"], "1996-03-29");
    assert_eq!(v["last_rating"], "2018-09-24");
    let hist = v["histogram"].as_array().expect("histogram");
    assert_eq!(hist.len(), 10);
    let total: u64 = hist.iter().filter_map(|b| b["count"].as_u64()).sum();
    assert_eq!(total, 100_836);
    assert_eq!(v["preprocessing"]["duplicates_merged"], 0);
}

#[test]
fn info_text_on_real_data() {
    let out = reel()
        .args(["info", "--data"])
        .arg(common::ml_latest_small())
        .output()
        .expect("run reel");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Ratings       100,836"), "{text}");
    assert!(text.contains("9,724 with at least one rating"), "{text}");
}

#[test]
fn malformed_file_exits_non_zero_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("movies.csv"),
        "movieId,title,genres\r\n1,Heat (1995),Action\r\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("ratings.csv"),
        "userId,movieId,rating,timestamp\r\n1,1,4.0,5\r\n1,one,4.0,5\r\n",
    )
    .expect("write");
    let out = reel()
        .args(["info", "--data"])
        .arg(dir.path())
        .output()
        .expect("run reel");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ratings.csv:3"), "{err}");
    assert!(err.contains("movieId is not a whole number"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = reel()
        .args(["info", "--lenient", "--data"])
        .arg(dir.path())
        .output()
        .expect("run reel");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("malformed rows skipped          1"));
}

#[test]
fn no_data_says_how_to_get_it() {
    let out = reel().arg("info").output().expect("run reel");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reel download"), "{err}");
    assert!(err.contains("--data"), "{err}");
}
