//! `reel train [--algo a,b]`: trains the lists' models and saves them next to the
//! dataset snapshot, so every later command and the app load them instead of training.

use anyhow::Result;
use clap::Args;
use std::io::Write as _;
use std::time::Instant;

use super::DataArgs;
use crate::engine::{open_models, Stage};

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// Models to train, comma-separated registry names (default: the app's lists).
    #[arg(long, value_delimiter = ',')]
    pub algo: Vec<String>,
    /// Train again even when a saved model is up to date.
    #[arg(long)]
    pub force: bool,
}

pub fn run(data: &DataArgs, args: &TrainArgs) -> Result<()> {
    let mut opts = data.open_options()?;
    if !args.algo.is_empty() {
        opts.lists = Some(args.algo.clone());
    }
    let Some(dir) = opts.model_cache.clone() else {
        anyhow::bail!(
            "models are not saved with --no-cache (or without a platform cache directory)"
        );
    };
    if args.force {
        opts.model_cache = None;
    }
    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let (models, trainers) = open_models(&opts, &mut |s: Stage| {
        let pct = s
            .overall
            .map(|f| format!("{:>3.0}% ", f * 100.0))
            .unwrap_or_default();
        let _ = write!(stderr, "\r\x1b[2K{pct}{}", s.message);
        let _ = stderr.flush();
    })?;
    let _ = writeln!(stderr);
    if args.force {
        // Trained without a cache above; save now.
        let key = crate::models::store::DatasetKey::of(&models.dataset().ratings);
        for (id, spec) in models.lists() {
            if let Some(model) = models.model(id) {
                let file = crate::models::store::file_for(&dir, &key, &spec.name);
                crate::models::store::save(&file, &key, &spec.name, model)?;
            }
        }
    }
    let mut out = String::new();
    for t in &trainers.0 {
        let key = crate::models::store::DatasetKey::of(&models.dataset().ratings);
        let file = crate::models::store::file_for(&dir, &key, &t.spec.name);
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        out.push_str(&format!(
            "{:<10} {}  ({:.1} MB)\n",
            t.spec.name,
            file.display(),
            size as f64 / 1e6
        ));
    }
    out.push_str(&format!(
        "done in {:.1} s\n",
        started.elapsed().as_secs_f64()
    ));
    super::emit(&out)
}
