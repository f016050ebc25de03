//! Timing on a synthetic MovieLens-25M-sized matrix (ignored by default; it
//! needs ~3 GB of memory). Run with
//! `cargo test --release --features harness --test it -- --ignored --nocapture models_mf_large`.
//! Per-epoch / per-iteration wall times come from the progress callback.
//! `REEL_LARGE_RATINGS` overrides the number of generated ratings.

use std::time::Instant;

use reel::data::{Rating, RatingMatrix};
use reel::models::als::{AlsConfig, AlsModel};
use reel::models::svd::{SvdConfig, SvdModel};
use reel::models::{top_n, Model, Progress, TopNFilter, Who};

/// 162,541 users × 59,047 movies (ML-25M's shape), skewed activity and
/// popularity, ratings from a rank-8 model plus noise on the half-star scale.
fn synthetic(n_ratings: usize) -> RatingMatrix {
    let (nu, ni) = (162_541usize, 59_047usize);
    let mut rng = fastrand::Rng::with_seed(25);
    let k = 8;
    let uf: Vec<f32> = (0..nu * k).map(|_| rng.f32() - 0.5).collect();
    let itf: Vec<f32> = (0..ni * k).map(|_| rng.f32() - 0.5).collect();
    let mut ratings = Vec::with_capacity(n_ratings);
    for n in 0..n_ratings {
        let u = ((nu as f64) * rng.f64().powi(2)) as usize % nu;
        let i = ((ni as f64) * rng.f64().powi(3)) as usize % ni;
        let s: f32 = (0..k).map(|d| uf[u * k + d] * itf[i * k + d]).sum();
        let v = (3.5 + 4.0 * s + (rng.f32() - 0.5)).clamp(0.5, 5.0);
        ratings.push(Rating {
            user: u as u32,
            item: i as u32,
            value: (v * 2.0).round() / 2.0,
            time: n as i64,
        });
    }
    RatingMatrix::from_ratings(nu, ni, ratings).0
}

/// CPU seconds used by this process so far (user + system, from /proc; 0
/// where unavailable). On a shared machine, CPU time / threads is a fairer
/// figure than wall time.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = after.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

fn timed(label: &str) -> impl FnMut(Progress) {
    let label = label.to_string();
    let mut last = Instant::now();
    let mut last_cpu = cpu_seconds();
    move |p: Progress| {
        let cpu = cpu_seconds();
        println!(
            "{label}: {} {}/{} in {:.2}s wall, {:.2}s cpu",
            p.stage,
            p.done,
            p.total,
            last.elapsed().as_secs_f64(),
            cpu - last_cpu
        );
        last = Instant::now();
        last_cpu = cpu;
    }
}

#[test]
#[ignore]
fn large_fit_timings() {
    let n: usize = std::env::var("REEL_LARGE_RATINGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25_000_000);
    let t = Instant::now();
    let m = synthetic(n);
    println!(
        "synthetic: {} users, {} movies, {} ratings ({:.1}s to build), {} threads",
        m.n_users(),
        m.n_items(),
        m.nnz(),
        t.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );

    let svd_cfg = SvdConfig {
        epochs: 3,
        ranking: None,
        ..SvdConfig::default()
    };
    let t = Instant::now();
    let svd = SvdModel::fit(&m, &svd_cfg, &mut timed("svd"));
    println!(
        "svd: 3 epochs in {:.2}s (incl. setup)",
        t.elapsed().as_secs_f64()
    );

    let als_cfg = AlsConfig {
        iterations: 2,
        ranking: None,
        ..AlsConfig::default()
    };
    let t = Instant::now();
    let _als = AlsModel::fit(&m, &als_cfg, &mut timed("als"));
    println!("als: 2 iterations in {:.2}s", t.elapsed().as_secs_f64());

    // Fold-in + top-N over the whole catalogue for a 200-rating profile.
    let profile: Vec<(u32, f32)> = (0..200u32).map(|j| (j * 97 % 59_047, 4.0)).collect();
    let mut profile = profile;
    profile.sort_unstable_by_key(|p| p.0);
    profile.dedup_by_key(|p| p.0);
    let t = Instant::now();
    let view = svd.for_user(Who::New(&profile));
    let list = top_n(view.as_ref(), svd.n_items(), 10, &TopNFilter::NONE, 0);
    println!(
        "svd fold-in + top-10 over {} movies: {:.2} ms",
        svd.n_items(),
        t.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(list.len(), 10);
}
