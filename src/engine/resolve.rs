//! Title resolution: a movie named by a person (a title, "Title Year", an alternative
//! title or a MovieLens id) to one item index, or a clear error listing candidates. The
//! one rule for `reel similar`, `reel rate` and every other front-end that acts on a
//! typed title.

use anyhow::{bail, Result};
use std::fmt::Write as _;

use super::SearchIndex;
use crate::data::Catalogue;

/// How many candidates an ambiguous title lists.
const CANDIDATES: usize = 8;

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
/// exact title (case-insensitive, with or without the year) wins; else the typo-tolerant
/// search, which must have a clear winner ("shawshenk" is The Shawshank Redemption; "star
/// wars" names none). An ambiguous title is an error listing the candidates.
pub fn resolve_movie(
    cat: &Catalogue,
    counts: &[u32],
    index: &SearchIndex,
    query: &str,
) -> Result<u32> {
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
    if let Some(item) = index.clear_winner(q) {
        return Ok(item);
    }
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
