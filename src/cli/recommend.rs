//! `reel recommend`: the recommendation lists for a saved profile or a MovieLens user,
//! as text or JSON.

use anyhow::{bail, Context, Result};
use clap::Args;
use std::fmt::Write as _;

use super::DataArgs;
use crate::data::Dataset;
use crate::engine::{open_models, Engine, ListId, RecFilter};
use crate::profile::{ProfileStore, RatingEntry, UserProfile};
use serde_json::json;

#[derive(Args, Debug, Clone)]
pub struct RecommendArgs {
    /// Recommend for a MovieLens user of the dataset (their ratings are the profile;
    /// not with --profile).
    #[arg(long, value_name = "ID")]
    pub user: Option<u32>,
    /// How many movies per list.
    #[arg(short, default_value_t = 10)]
    pub n: usize,
    /// Which list: a configured list's model (ease, svd-ease by default), item (or
    /// item-knn) for the item-based list, svd for the SVD list, or both.
    #[arg(long, alias = "list", default_value = "both")]
    pub algo: String,
    /// Only these genres (any of them), e.g. Comedy or Comedy,Drama; repeatable.
    #[arg(long, value_name = "G[,G…]", value_delimiter = ',')]
    pub genre: Vec<String>,
    /// Leave out movies of these genres, e.g. Horror or Horror,Documentary; repeatable.
    #[arg(long, value_name = "G[,G…]", value_delimiter = ',')]
    pub exclude_genre: Vec<String>,
    /// Year range, e.g. 1990-1999 (either end may be left out: 2000-).
    #[arg(long)]
    pub years: Option<String>,
    /// Minimum number of ratings a movie must have.
    #[arg(long, default_value_t = 10)]
    pub min_ratings: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
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

/// The ratings of MovieLens user `user_id` in the dataset, as a profile.
pub fn user_profile(ds: &Dataset, user_id: u32) -> Result<UserProfile> {
    let Some(u) = ds.user_index(user_id) else {
        bail!(
            "no user {user_id} in this dataset (user ids run from {} to {})",
            ds.user_ids.first().copied().unwrap_or(0),
            ds.user_ids.last().copied().unwrap_or(0)
        );
    };
    let mut p = UserProfile::new(&format!("user-{user_id}"));
    let row = ds.ratings.user(u);
    for (k, (&item, &stars)) in row.items.iter().zip(row.values).enumerate() {
        if item as usize >= ds.catalogue.len() {
            continue;
        }
        let m = ds.catalogue.movie(item);
        p.ratings.insert(
            m.id,
            RatingEntry {
                stars,
                time: row.times.get(k).copied().unwrap_or(0),
                title: m.label(),
            },
        );
    }
    Ok(p)
}

/// Recommends for profile `profile_name` (the global `--profile`) or `--user`. Only
/// reads the profile: a missing named profile or an unreadable file is an error, and
/// the file is never moved or rewritten.
pub fn run(data: &DataArgs, profile_name: &str, args: &RecommendArgs) -> Result<()> {
    if args.user.is_some() && profile_name != crate::profile::DEFAULT_NAME {
        bail!("--user and --profile cannot be used together: recommend for one or the other");
    }
    // The profile first: a wrong name fails before the dataset is loaded.
    let saved = match args.user {
        Some(_) => None,
        None => {
            let store = ProfileStore::default_for(profile_name)?;
            let loaded = store.read()?;
            for w in &loaded.warnings {
                eprintln!("reel: {w}");
            }
            Some(loaded.profile)
        }
    };
    let (models, _) = open_models(&data.open_options()?, &mut super::stage_printer())?;
    let ds = models.dataset();
    let profile = match (args.user, saved) {
        (Some(id), _) => user_profile(ds, id)?,
        (None, Some(p)) => p,
        (None, None) => UserProfile::new(profile_name),
    };
    let mut filter = RecFilter {
        years: args.years.as_deref().map(parse_years).transpose()?,
        min_ratings: args.min_ratings,
        ..RecFilter::default()
    };
    filter
        .set_genres_by_name(&ds.catalogue, &args.genre, &args.exclude_genre)
        .map_err(anyhow::Error::msg)?;
    let lists: Vec<ListId> = match args.algo.as_str() {
        "both" | "all" => models.list_ids(),
        "item" => vec![models
            .list_named("item-knn")
            .context("no item-based list")?],
        name => vec![models.list_named(name).with_context(|| {
            let known: Vec<&str> = models.lists().map(|(_, s)| s.name.as_str()).collect();
            format!("unknown list {name:?}; lists: {}, both", known.join(", "))
        })?],
    };
    // No store: recommending never writes the profile.
    let engine = Engine::new(models, None, profile, None);
    if args.json {
        let v = render_json(&engine, &lists, args.n, &filter, args, profile_name);
        return super::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    super::emit(&render(&engine, &lists, args.n, &filter))
}

pub fn render_json(
    engine: &Engine,
    lists: &[ListId],
    n: usize,
    filter: &RecFilter,
    args: &RecommendArgs,
    profile: &str,
) -> serde_json::Value {
    let cat = &engine.dataset().catalogue;
    let lists: Vec<serde_json::Value> = lists
        .iter()
        .map(|&id| {
            let list = engine.recommend(id, n, filter);
            let items: Vec<serde_json::Value> = list
                .entries
                .iter()
                .map(|r| {
                    let m = cat.movie(r.item);
                    let because: Vec<serde_json::Value> = r
                        .because
                        .iter()
                        .map(|&(i, _)| {
                            let b = cat.movie(i);
                            json!({"movieId": b.id, "title": b.title, "stars": engine.rating_of(i)})
                        })
                        .collect();
                    json!({
                        "movieId": m.id,
                        "title": m.title,
                        "year": m.year,
                        "genres": cat.genre_list(m.genres),
                        "predicted": r.predicted,
                        "score": r.score,
                        "because": because,
                    })
                })
                .collect();
            json!({
                "algo": engine.models().list_spec(id).map(|s| s.name.as_str()),
                "popularity_based": list.popularity_based,
                "items": items,
            })
        })
        .collect();
    json!({
        "profile": if args.user.is_some() { None } else { Some(profile) },
        "user": args.user,
        "rated": engine.n_rated(),
        "missing_movies": engine.missing_movies().len(),
        "lists": lists,
    })
}

/// The lists as text.
pub fn render(engine: &Engine, lists: &[ListId], n: usize, filter: &RecFilter) -> String {
    let cat = &engine.dataset().catalogue;
    let mut out = String::new();
    if !engine.missing_movies().is_empty() {
        let _ = writeln!(
            out,
            "({} movies of your profile are not in this dataset.)",
            engine.missing_movies().len()
        );
    }
    for &id in lists {
        let list = engine.recommend(id, n, filter);
        let _ = writeln!(
            out,
            "{}{}",
            engine.list_label(id),
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
