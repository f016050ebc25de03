//! The item model (EASE, sparse above `dense_max_items`, with its item-kNN rating model)
//! on a large synthetic set (ignored by default, run by name):
//!
//! ```text
//! cargo run --release --example synth -- /work/synth25m          # once: 25M ratings, 59k movies
//! REEL_LARGE_DATA=/work/synth25m /usr/bin/time -v \
//!   cargo test --release --features harness --test it -- --ignored --nocapture models_ease_large
//! ```
//!
//! Prints the load and fit times; `/usr/bin/time -v` gives the peak RSS of the whole
//! process (data included). A missing `REEL_LARGE_DATA` fails loudly.

use std::time::Instant;

use reel::data::{CacheMode, LoadOptions};
use reel::models::ease::{Ease, EaseConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

#[test]
#[ignore]
fn fit_item_model_on_large_data() {
    let dir = std::env::var_os("REEL_LARGE_DATA")
        .expect("set REEL_LARGE_DATA to a large dataset folder (e.g. the synthetic 25M set)");
    let dir = std::path::PathBuf::from(dir);
    let start = Instant::now();
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    let data = reel::data::load(&dir, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let m = &data.ratings;
    eprintln!(
        "loaded {} ratings, {} users, {} movies in {:.1} s",
        m.nnz(),
        m.n_users(),
        m.n_items(),
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let ease = Ease::fit(m, &EaseConfig::default(), &mut |_| {}).expect("fits");
    let fit = start.elapsed().as_secs_f64();
    eprintln!(
        "ease fit (weights + item-kNN rating model) {fit:.1} s; {} movies with weights, dense: {}, weights {:.0} MB",
        ease.weights().n_kept(),
        ease.weights().is_dense(),
        ease.weights().heap_bytes() as f64 / 1e6
    );
    // A live profile folds in and gets a list with reasons.
    let profile: Vec<(u32, f32)> = Who::Known(0).ratings(m).into_iter().take(30).collect();
    let start = Instant::now();
    let user = ease.for_user(Who::New(&profile));
    let list = top_n(user.as_ref(), ease.n_items(), 10, &TopNFilter::NONE, 3);
    eprintln!(
        "fold-in + top-10 of a {}-rating profile: {:.2} ms",
        profile.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(list.len(), 10);
    assert!(list.iter().all(|r| !r.because.is_empty()));
}
