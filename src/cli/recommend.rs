//! `reel recommend`: both recommendation lists for a saved profile, on the terminal.

use anyhow::{bail, Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::sync::Arc;

use super::DataArgs;
use crate::engine::{Engine, ListKind, RecFilter, Trainers};
use crate::profile::ProfileStore;

#[derive(Args, Debug, Clone)]
pub struct RecommendArgs {
    /// Profile name (saved in the platform data folder).
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// How many movies per list.
    #[arg(short, default_value_t = 10)]
    pub n: usize,
    /// Which list: item (item-based kNN), svd, or both.
    #[arg(long, default_value = "both", value_parser = ["item", "svd", "both"])]
    pub list: String,
    /// Only this genre (e.g. Comedy).
    #[arg(long)]
    pub genre: Option<String>,
    /// Year range, e.g. 1990-1999 (either end may be left out: 2000-).
    #[arg(long)]
    pub years: Option<String>,
    /// Minimum number of ratings a movie must have.
    #[arg(long, default_value_t = 10)]
    pub min_ratings: u32,
}

/// Parses "1990-1999", "2000-" or "-1980".
pub fn parse_years(s: &str) -> Result<(u16, u16)> {
    let (a, b) = s
        .split_once('-')
        .with_context(|| format!("years {s:?}: expected FROM-TO, e.g. 1990-1999"))?;
    let lo = if a.trim().is_empty() {
        0
    } else {
        a.trim().parse().with_context(|| format!("year {a:?}"))?
    };
    let hi = if b.trim().is_empty() {
        u16::MAX
    } else {
        b.trim().parse().with_context(|| format!("year {b:?}"))?
    };
    if lo > hi {
        bail!("years {s:?}: the first year is after the second");
    }
    Ok((lo, hi))
}

pub fn run(data: &DataArgs, args: &RecommendArgs) -> Result<()> {
    let store = ProfileStore::default_for(&args.profile)?;
    let loaded = store.load()?;
    for w in &loaded.warnings {
        eprintln!("reel: {w}");
    }
    let ds = Arc::new(data.load()?);
    let genre = match &args.genre {
        Some(g) => Some(ds.catalogue.genre_index(g).with_context(|| {
            format!(
                "unknown genre {g:?}; genres: {}",
                ds.catalogue.genre_names.join(", ")
            )
        })?),
        None => None,
    };
    let filter = RecFilter {
        genre,
        years: args.years.as_deref().map(parse_years).transpose()?,
        min_ratings: args.min_ratings,
    };
    eprintln!(
        "reel: training item-kNN and SVD on {} ratings…",
        ds.ratings.nnz()
    );
    let engine = Engine::train(
        ds,
        Trainers::standard(),
        loaded.profile,
        Some(store),
        &mut |_, _| {},
    );
    let kinds: Vec<ListKind> = match args.list.as_str() {
        "item" => vec![ListKind::ItemBased],
        "svd" => vec![ListKind::Svd],
        _ => ListKind::ALL.to_vec(),
    };
    super::emit(&render(&engine, &kinds, args.n, &filter))
}

/// The lists as text.
pub fn render(engine: &Engine, kinds: &[ListKind], n: usize, filter: &RecFilter) -> String {
    let cat = &engine.dataset().catalogue;
    let mut out = String::new();
    if !engine.missing_movies().is_empty() {
        let _ = writeln!(
            out,
            "({} movies of your profile are not in this dataset.)",
            engine.missing_movies().len()
        );
    }
    for &kind in kinds {
        let list = engine.recommend(kind, n, filter);
        let _ = writeln!(
            out,
            "{}{}",
            kind.label(),
            if list.popularity_based {
                format!(
                    " (popularity-based: rate at least {} movies for personal picks; you have {})",
                    crate::engine::MIN_PERSONAL_RATINGS,
                    engine.n_rated()
                )
            } else {
                String::new()
            }
        );
        for (k, r) in list.entries.iter().enumerate() {
            let _ = write!(
                out,
                "{:>3}. {}  ★{:.1}",
                k + 1,
                cat.movie(r.item).label(),
                r.predicted
            );
            if !r.because.is_empty() {
                let names: Vec<String> = r
                    .because
                    .iter()
                    .map(|(i, _)| cat.movie(*i).title.clone())
                    .collect();
                let _ = write!(out, "  (because you rated {})", names.join(", "));
            }
            out.push('\n');
        }
        if list.entries.is_empty() {
            out.push_str("  nothing passes the filters\n");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_parse() {
        assert_eq!(parse_years("1990-1999").ok(), Some((1990, 1999)));
        assert_eq!(parse_years("2000-").ok(), Some((2000, u16::MAX)));
        assert_eq!(parse_years("-1980").ok(), Some((0, 1980)));
        assert!(parse_years("1999").is_err());
        assert!(parse_years("2000-1990").is_err());
        assert!(parse_years("abc-1").is_err());
    }
}
