//! Writes a synthetic MovieLens-format dataset (CSV layout) for benchmarks.
//!
//! cargo run --release --example synth -- DIR [--small] [--ratings N]

use reel::synth::{generate, SynthSpec};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut spec = SynthSpec::ml25m_like();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--small" => spec = SynthSpec::small(),
            "--ratings" => {
                let n = args.next().and_then(|v| v.parse().ok());
                match n {
                    Some(n) => spec.ratings = n,
                    None => {
                        eprintln!("--ratings takes a whole number");
                        std::process::exit(2);
                    }
                }
            }
            other => dir = Some(PathBuf::from(other)),
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: synth DIR [--small] [--ratings N]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let n = generate(&spec, &dir)?;
    eprintln!(
        "wrote {n} ratings, {} users, {} movies to {} in {:.1} s",
        spec.users,
        spec.movies,
        dir.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
