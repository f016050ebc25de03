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

/// The real `reel` binary with every platform folder under `home` and the data set to
/// ml-latest-small, so a user's real profile, cache and config are never touched.
pub fn reel_in(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_reel"));
    cmd.env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("REEL_DATA", ml_latest_small())
        // Other tests in this process set these; the child must see only its own home.
        .env_remove(reel::paths::CONFIG_ENV)
        .env_remove("REEL_LISTS")
        .env_remove("REEL_TOKEN");
    cmd
}
