//! `reel similar TITLE|ID`: the item-kNN neighbours of one movie.

use anyhow::Result;
use clap::Args;
use std::fmt::Write as _;

use super::DataArgs;
use crate::engine::open_models;

#[derive(Args, Debug, Clone)]
pub struct SimilarArgs {
    /// A title (fuzzy matched; "Heat 1995" or "Heat (1995)" picks a year) or a MovieLens movieId.
    pub movie: String,
    /// How many neighbours.
    #[arg(short, default_value_t = 10)]
    pub n: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(data: &DataArgs, args: &SimilarArgs) -> Result<()> {
    let mut opts = data.open_options()?;
    // Only the model with item neighbours is needed.
    opts.lists = Some(vec!["item-knn".into()]);
    let (models, _) = open_models(&opts, &mut super::stage_printer())?;
    let item = models.resolve_movie(&args.movie)?;
    let neighbours = models.similar(item, args.n);
    let ds = models.dataset();
    let counts = &models.stats().counts;
    let cat = &ds.catalogue;
    let m = cat.movie(item);
    if args.json {
        let list: Vec<serde_json::Value> = neighbours
            .iter()
            .map(|&(i, s)| {
                let n = cat.movie(i);
                serde_json::json!({
                    "movieId": n.id,
                    "title": n.title,
                    "year": n.year,
                    "similarity": s,
                    "ratings": counts.get(i as usize).copied().unwrap_or(0),
                })
            })
            .collect();
        let v = serde_json::json!({
            "movie": {"movieId": m.id, "title": m.title, "year": m.year},
            "similar": list,
        });
        return super::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut out = format!("Movies similar to {} (movieId {}):\n", m.label(), m.id);
    for (k, &(i, s)) in neighbours.iter().enumerate() {
        let n = cat.movie(i);
        let _ = writeln!(
            out,
            "{:>3}. {}  similarity {:.3}  (movieId {})",
            k + 1,
            n.label(),
            s,
            n.id
        );
    }
    if neighbours.is_empty() {
        out.push_str("  no neighbours (too few ratings of this movie)\n");
    }
    super::emit(&out)
}
