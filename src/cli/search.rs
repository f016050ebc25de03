//! `reel search QUERY`: the terminal app's title search from the command line (the same
//! index and function, so the same movies in the same order), as text or JSON.

use anyhow::Result;
use clap::Args;
use std::fmt::Write as _;

use super::DataArgs;
use crate::data::Catalogue;
use crate::engine::SearchResults;

#[derive(Args, Debug, Clone)]
pub struct SearchArgs {
    /// Title words (typos, accents and word order forgiven), genre and year words
    /// ("comedy 1994"); several arguments are one query. The last word also matches as
    /// a prefix, as while typing.
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    pub query: Vec<String>,
    /// How many hits to print.
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub n: u32,
    /// Print JSON (a list of {movie_id, title, year, genres, score}) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(data: &DataArgs, args: &SearchArgs) -> Result<()> {
    let catalogue = crate::engine::open_catalogue(&data.open_options()?, &mut |_| {})?;
    let ds = catalogue.dataset();
    let query = args.query.join(" ");
    let results = catalogue.search_counted(&query, args.n as usize);
    let text = if args.json {
        format!("{}\n", json(&ds.catalogue, &results)?)
    } else {
        text(&ds.catalogue, &query, &results)
    };
    super::emit(&text)
}

/// The hits as a JSON list.
pub fn json(cat: &Catalogue, results: &SearchResults) -> Result<String> {
    let list: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|h| {
            let m = cat.movie(h.item);
            serde_json::json!({
                "movie_id": m.id,
                "title": m.title,
                "year": m.year,
                "genres": cat.genre_list(m.genres),
                "score": h.score,
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&list)?)
}

/// The hits as numbered lines under a count.
pub fn text(cat: &Catalogue, query: &str, results: &SearchResults) -> String {
    if results.hits.is_empty() {
        return format!("No movie matches {query:?}.\n");
    }
    let mut out = format!(
        "{} of {} {} matching {query:?}:\n",
        results.hits.len(),
        results.total,
        if results.total == 1 {
            "movie"
        } else {
            "movies"
        }
    );
    for (k, h) in results.hits.iter().enumerate() {
        let m = cat.movie(h.item);
        let _ = writeln!(
            out,
            "{:>3}. {}  {}  (movieId {})",
            k + 1,
            m.label(),
            cat.genre_list(m.genres).join("|"),
            m.id
        );
    }
    out
}
