//! Shared by the integration tests: where the real MovieLens data is.
#![allow(dead_code)]

use std::path::PathBuf;

/// The real ml-latest-small folder: `$REEL_TEST_DATA`, else `../shared/data/ml-latest-small`
/// beside the repository. Panics with instructions when it is missing: a test on real
/// data must never pass silently without it.
pub fn ml_latest_small() -> PathBuf {
    let dir = match std::env::var_os("REEL_TEST_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small"),
    };
    assert!(
        dir.join("ratings.csv").is_file(),
        "real MovieLens data not found at {}: put ml-latest-small there or set REEL_TEST_DATA to its folder",
        dir.display()
    );
    dir
}
