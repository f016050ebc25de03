//! `reel rate TITLE|ID STARS`: rate (or clear) one movie in a saved profile, without
//! training any model.

use anyhow::{bail, Result};
use clap::Args;

use super::DataArgs;
use crate::engine::open_models;
use crate::profile::{now, ProfileStore, RatingEntry};

#[derive(Args, Debug, Clone)]
pub struct RateArgs {
    /// A title (fuzzy matched) or a MovieLens movieId.
    pub movie: String,
    /// Stars, 0.5 to 5 in half stars; 0 removes the rating.
    #[arg(required_unless_present = "clear", allow_hyphen_values = true)]
    pub stars: Option<String>,
    /// Remove the rating instead.
    #[arg(long, conflicts_with = "stars")]
    pub clear: bool,
}

/// Parses a star count: `Some(stars)` to rate, `None` for 0 (clear). Whether the stars
/// fit the dataset's scale is the engine's rule ([`crate::engine::ModelSet::check_stars`]).
pub fn parse_stars(s: &str) -> Result<Option<f32>> {
    let v: f32 = match s.trim().parse() {
        Ok(v) if f32::is_finite(v) => v,
        _ => bail!("{s:?} is not a number of stars (0 clears the rating)"),
    };
    Ok((v != 0.0).then_some(v))
}

/// Rates in profile `profile` (the global `--profile`), creating it if needed.
pub fn run(data: &DataArgs, profile: &str, args: &RateArgs) -> Result<()> {
    let stars = if args.clear {
        None
    } else {
        match &args.stars {
            Some(s) => parse_stars(s)?,
            None => bail!("give STARS (0.5 to 5) or --clear"),
        }
    };
    let store = ProfileStore::default_for(profile)?;
    let mut opts = data.open_options()?;
    // Rating needs the catalogue and the star rule, no model.
    opts.lists = Some(Vec::new());
    let (models, _) = open_models(&opts, &mut |_| {})?;
    let stars = stars.map(|s| models.check_stars(s)).transpose()?;
    let item = models.resolve_movie(&args.movie)?;
    let movie = models.dataset().catalogue.movie(item);
    let loaded = store.load()?;
    for w in &loaded.warnings {
        eprintln!("reel: {w}");
    }
    let mut profile = loaded.profile;
    let msg = match stars {
        Some(stars) => {
            let before = profile.ratings.insert(
                movie.id,
                RatingEntry {
                    stars,
                    time: now(),
                    title: movie.label(),
                },
            );
            match before {
                Some(b) => format!(
                    "{} (movieId {}): {} → {} stars",
                    movie.label(),
                    movie.id,
                    b.stars,
                    stars
                ),
                None => format!("{} (movieId {}): {} stars", movie.label(), movie.id, stars),
            }
        }
        None => match profile.ratings.remove(&movie.id) {
            Some(_) => format!("{} (movieId {}): rating removed", movie.label(), movie.id),
            None => format!(
                "{} (movieId {}) was not rated; nothing to remove",
                movie.label(),
                movie.id
            ),
        },
    };
    store.save(&profile)?;
    super::emit(&format!("{msg}  [profile {}]\n", store.path().display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_are_checked() {
        assert_eq!(parse_stars("4").ok(), Some(Some(4.0)));
        assert_eq!(parse_stars("3.5").ok(), Some(Some(3.5)));
        assert_eq!(parse_stars("0.5").ok(), Some(Some(0.5)));
        assert_eq!(parse_stars("0").ok(), Some(None));
        assert!(parse_stars("NaN").is_err());
        assert!(parse_stars("inf").is_err());
        assert!(parse_stars("four").is_err());
    }
}
