//! `reel similar TITLE|ID`: the item-kNN neighbours of one movie, and the title
//! resolution shared with `reel rate`.

use anyhow::{bail, Result};
use clap::Args;
use std::fmt::Write as _;

use super::DataArgs;
use crate::data::{Catalogue, Dataset};
use crate::engine::{Fitted, SearchIndex};
use crate::models::item_knn::{ItemKnn, ItemKnnConfig};

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

/// How many candidates an ambiguous title lists.
const CANDIDATES: usize = 8;

/// Number of ratings per movie in the dataset (the search's popularity order).
pub fn rating_counts(ds: &Dataset) -> Vec<u32> {
    let m = &ds.ratings;
    (0..ds.catalogue.len())
        .map(|i| {
            if i < m.n_items() {
                m.item(i).len() as u32
            } else {
                0
            }
        })
        .collect()
}

/// Lower case, single spaces, without a leading article ("The Matrix" = "matrix").
fn normalise(s: &str) -> String {
    let words: Vec<String> = s.split_whitespace().map(str::to_lowercase).collect();
    let skip = usize::from(
        words.len() > 1 && matches!(words[0].as_str(), "the" | "a" | "an" | "le" | "la" | "les"),
    );
    words[skip..].join(" ")
}

fn candidate_list(cat: &Catalogue, items: &[u32]) -> String {
    let mut out = String::new();
    for &i in items {
        let m = cat.movie(i);
        let _ = writeln!(out, "  {:>7}  {}", m.id, m.label());
    }
    out
}

/// Resolves a movie argument to an item index: a number is a MovieLens movieId; else an
/// exact title (case-insensitive, with or without the year) wins; else the fuzzy search,
/// which must have a clear winner. An ambiguous title is an error listing the candidates.
pub fn resolve_movie(cat: &Catalogue, counts: &[u32], query: &str) -> Result<u32> {
    let q = query.trim();
    if q.is_empty() {
        bail!("no movie given: pass a title or a MovieLens movieId");
    }
    if let Ok(id) = q.parse::<u32>() {
        return match cat.index_of(id) {
            Some(i) => Ok(i),
            None => bail!("no movie with MovieLens movieId {id} in this dataset"),
        };
    }
    let nq = normalise(q);
    // Exact matches on the title, the "Title (Year)" label, "Title Year", or an alternative title.
    let exact: Vec<u32> = (0..cat.len() as u32)
        .filter(|&i| {
            let m = cat.movie(i);
            let t = normalise(&m.title);
            t == nq
                || normalise(&m.label()) == nq
                || m.year.is_some_and(|y| format!("{t} {y}") == nq)
                || m.alt_titles.iter().any(|a| normalise(a) == nq)
        })
        .collect();
    match exact.len() {
        1 => return Ok(exact[0]),
        0 => {}
        _ => {
            let mut items = exact;
            items.sort_by_key(|&i| {
                (
                    std::cmp::Reverse(counts.get(i as usize).copied().unwrap_or(0)),
                    i,
                )
            });
            bail!(
                "{q:?} matches {} movies; pass the movieId or add the year:\n  movieId  title (year)\n{}",
                items.len(),
                candidate_list(cat, &items[..items.len().min(CANDIDATES * 2)])
            );
        }
    }
    let index = SearchIndex::new(cat, counts);
    let hits: Vec<u32> = index.search(q, 50).into_iter().map(|h| h.item).collect();
    if hits.is_empty() {
        bail!("no movie matches {q:?}");
    }
    // Only hits containing every query word count (the fuzzy search also finds
    // scattered letters, which is fine for browsing but not for acting on a movie).
    let words: Vec<String> = nq
        .split(' ')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| !w.is_empty())
        .collect();
    let text_of = |i: u32| {
        let m = cat.movie(i);
        let mut t = m.label().to_lowercase();
        for a in &m.alt_titles {
            t.push_str(" / ");
            t.push_str(&a.to_lowercase());
        }
        t
    };
    let strong: Vec<u32> = hits
        .iter()
        .copied()
        .filter(|&i| {
            let t = text_of(i);
            words.iter().all(|w| t.contains(w.as_str()))
        })
        .collect();
    if strong.len() == 1 {
        return Ok(strong[0]);
    }
    if strong.len() > 1 {
        // Several contain the words: a unique one containing them as whole words wins.
        let whole: Vec<u32> = strong
            .iter()
            .copied()
            .filter(|&i| {
                let t = text_of(i);
                let tw: Vec<&str> = t.split(|c: char| !c.is_alphanumeric()).collect();
                words.iter().all(|w| {
                    w.split(|c: char| !c.is_alphanumeric())
                        .filter(|p| !p.is_empty())
                        .all(|p| tw.contains(&p))
                })
            })
            .collect();
        if whole.len() == 1 {
            return Ok(whole[0]);
        }
        bail!(
            "{q:?} is ambiguous; pass the movieId or a more exact title:\n  movieId  title (year)\n{}",
            candidate_list(cat, &strong[..strong.len().min(CANDIDATES * 2)])
        )
    }
    bail!(
        "no movie title contains {q:?}; did you mean one of these? (pass the movieId)\n  movieId  title (year)\n{}",
        candidate_list(cat, &hits[..hits.len().min(CANDIDATES)])
    )
}

pub fn run(data: &DataArgs, args: &SimilarArgs) -> Result<()> {
    let ds = data.load()?;
    let counts = rating_counts(&ds);
    let item = resolve_movie(&ds.catalogue, &counts, &args.movie)?;
    eprintln!("reel: training item-kNN on {} ratings…", ds.ratings.nnz());
    let fitted = Fitted::item_knn(ItemKnn::fit(
        &ds.ratings,
        &ItemKnnConfig::default(),
        &mut |_| {},
    ));
    let neighbours = match &fitted.neighbours {
        Some(f) => f(item, args.n),
        None => Vec::new(),
    };
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
