//! What the benchmarks share: the real ml-latest-small, read in place.

use std::path::PathBuf;

use reel::data::{CacheMode, LoadOptions, RatingMatrix};

/// The ratings of ml-latest-small beside the repository (`REEL_TEST_DATA`
/// overrides the folder), loaded from CSV without the cache.
pub fn ml_latest_small() -> RatingMatrix {
    let dir = std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small")
        });
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    match reel::data::load(&dir, &opts) {
        Ok(ds) => ds.ratings,
        Err(e) => panic!(
            "ml-latest-small not loadable at {} ({e}); set REEL_TEST_DATA",
            dir.display()
        ),
    }
}
