//! `reel train [--algo a,b]`: trains the lists' models and saves them next to the
//! dataset snapshot, so every later command and the app load them instead of training.

use anyhow::Result;
use clap::Args;
use std::io::Write as _;
use std::time::Instant;

use super::DataArgs;
use crate::engine::{open_models, ListOrigin, Stage};

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
    if opts.model_cache.is_none() {
        anyhow::bail!(
            "models are not saved with --no-cache (or without a platform cache directory)"
        );
    }
    opts.retrain = args.force;
    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let (models, _) = open_models(&opts, &mut |s: Stage| {
        let pct = s
            .overall
            .map(|f| format!("{:>3.0}% ", f * 100.0))
            .unwrap_or_default();
        let _ = write!(stderr, "\r\x1b[2K{pct}{}", s.message);
        let _ = stderr.flush();
    })?;
    let _ = writeln!(stderr);
    let mut out = String::new();
    let mut failed = Vec::new();
    for (id, spec) in models.lists() {
        let line = match models.list_origin(id) {
            Some(ListOrigin::Loaded { file, .. }) => {
                format!("up to date  {}", file.display())
            }
            Some(ListOrigin::Trained { seconds, saved }) => match saved {
                Ok(file) => format!("trained in {seconds:.1} s, saved {}", file.display()),
                Err(why) => {
                    failed.push(spec.name.clone());
                    format!("trained in {seconds:.1} s, NOT saved: {why}")
                }
            },
            _ => "trained".to_string(),
        };
        out.push_str(&format!("{:<10} {line}\n", spec.name));
    }
    out.push_str(&format!(
        "done in {:.1} s\n",
        started.elapsed().as_secs_f64()
    ));
    super::emit(&out)?;
    if !failed.is_empty() {
        anyhow::bail!("could not save: {}", failed.join(", "));
    }
    Ok(())
}
