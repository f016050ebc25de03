//! Times loading a MovieLens folder from its source files and from the binary cache,
//! and reports peak resident memory. Used for sizes too large for criterion's sampling.
//!
//! cargo run --release --example bench_load -- DIR [RUNS]

use reel::data::{self, CacheMode, LoadOptions};
use std::path::PathBuf;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Peak resident set size of this process (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: bench_load DIR [RUNS]")?);
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(3);
    let cache = tempfile::tempdir()?;
    let mut parse = Vec::new();
    let mut cached = Vec::new();
    let mut nnz = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let ds = data::load(
            &dir,
            &LoadOptions {
                lenient: false,
                cache: CacheMode::Off,
            },
        )?;
        parse.push(start.elapsed().as_secs_f64());
        nnz = ds.ratings.nnz();
    }
    let rss_after_parse = peak_rss_mb();
    let with_cache = LoadOptions {
        lenient: false,
        cache: CacheMode::Dir(cache.path().to_path_buf()),
    };
    data::load(&dir, &with_cache)?; // writes the snapshot
    for _ in 0..runs {
        let start = Instant::now();
        let ds = data::load(&dir, &with_cache)?;
        cached.push(start.elapsed().as_secs_f64());
        assert!(matches!(ds.cache, data::CacheStatus::Hit(_)));
    }
    println!("dataset        {}", dir.display());
    println!("ratings        {nnz}");
    println!(
        "parse (median of {runs})  {:.3} s   all: {parse:.3?}",
        median(parse.clone())
    );
    println!(
        "cache (median of {runs})  {:.3} s   all: {cached:.3?}",
        median(cached.clone())
    );
    if let Some(rss) = rss_after_parse {
        println!("peak RSS after parsing   {rss:.0} MB");
    }
    if let Some(rss) = peak_rss_mb() {
        println!("peak RSS overall         {rss:.0} MB");
    }
    Ok(())
}
