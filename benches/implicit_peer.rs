//! Per-iteration time of reel's implicit-feedback ALS (the svd list's ranking model) on a
//! dataset's positives, to set beside the `implicit` library's on the same data
//! (benches/implicit_peer.py prints its figures; same positives, confidences and
//! regularisation).
//!
//! cargo bench --bench implicit_peer -- --data DIR [--iterations 6] [--factors 64] [--cg 3]
//!
//! Without `--data` it uses ml-latest-small (REEL_TEST_DATA overrides the folder).

mod common;

use std::path::PathBuf;
use std::time::Instant;

use reel::data::LoadOptions;
use reel::models::implicit::{ImplicitConfig, ImplicitMf};
use reel::models::Progress;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data: Option<PathBuf> = None;
    let mut config = ImplicitConfig {
        cg_steps: 3,
        ..ImplicitConfig::default()
    };
    let number = |flag: &str, v: Option<String>| -> usize {
        match v.and_then(|v| v.parse().ok()) {
            Some(n) => n,
            None => {
                eprintln!("{flag} takes a whole number");
                std::process::exit(2)
            }
        }
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = args.next().map(PathBuf::from),
            "--iterations" => config.iterations = number("--iterations", args.next()),
            "--factors" => config.factors = number("--factors", args.next()),
            "--cg" => config.cg_steps = number("--cg", args.next()),
            // cargo bench passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2)
            }
        }
    }
    let started = Instant::now();
    let ratings = match data {
        Some(dir) => match reel::data::load(&dir, &LoadOptions::default()) {
            Ok(ds) => ds.ratings,
            Err(e) => {
                eprintln!("cannot load {}: {e}", dir.display());
                std::process::exit(1)
            }
        },
        None => common::ml_latest_small(),
    };
    let positives = (0..ratings.n_users())
        .map(|u| {
            let row = ratings.user(u);
            row.values
                .iter()
                .filter(|&&r| r >= config.min_rating)
                .count()
        })
        .sum::<usize>();
    println!(
        "positives {positives} users {} items {} (loaded in {:.1} s), {} threads",
        ratings.n_users(),
        ratings.n_items(),
        started.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    let fit_started = Instant::now();
    let mut last = fit_started;
    let mut times = Vec::new();
    let _model = ImplicitMf::fit(&ratings, &config, &mut |_p: Progress| {
        let now = Instant::now();
        times.push((now - last).as_secs_f64());
        last = now;
    });
    let total = fit_started.elapsed().as_secs_f64();
    let shown: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
    println!("reel per-iteration s: {}", shown.join(" "));
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    println!("reel median {median:.3} s/iteration, fit {total:.2} s (setup included)");
}
