//! `reel profile export --format letterboxd|csv`: a profile as CSV for other sites.

use crate::data::title::parse_title;
use crate::data::Catalogue;
use crate::profile::UserProfile;

/// Title, year, IMDb and TMDB ids of a profile's movie: from the catalogue when it has
/// the movie, else from the title saved in the profile ("Title (Year)").
fn describe(
    catalogue: Option<&Catalogue>,
    id: u32,
    saved: &str,
) -> (String, Option<u16>, String, String) {
    if let Some(m) = catalogue.and_then(|c| c.by_id(id)) {
        let imdb = m.imdb_id.map(|i| format!("tt{i:07}")).unwrap_or_default();
        let tmdb = m.tmdb_id.map(|t| t.to_string()).unwrap_or_default();
        return (m.title.clone(), m.year, imdb, tmdb);
    }
    let t = parse_title(saved);
    (t.title, t.year, String::new(), String::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    // Writing to memory cannot fail; an empty string is the safe fallback.
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

/// The ratings in Letterboxd's import format (letterboxd.com/import): `imdbID,tmdbID,
/// Title,Year,Rating10`, plus `WatchedDate` (the day of the rating) when `watched_dates`
/// (Letterboxd then logs a diary entry for each film). Letterboxd matches by imdbID or
/// tmdbID first, then by title and year.
pub fn letterboxd_csv(
    profile: &UserProfile,
    catalogue: Option<&Catalogue>,
    watched_dates: bool,
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["imdbID", "tmdbID", "Title", "Year", "Rating10"];
    if watched_dates {
        header.push("WatchedDate");
    }
    let _ = w.write_record(&header);
    for (&id, e) in &profile.ratings {
        let (title, year, imdb, tmdb) = describe(catalogue, id, &e.title);
        let rating10 = ((e.stars * 2.0).round() as i64).clamp(1, 10).to_string();
        let mut rec = vec![
            imdb,
            tmdb,
            title,
            year.map(|y| y.to_string()).unwrap_or_default(),
            rating10,
        ];
        if watched_dates {
            rec.push(if e.time > 0 {
                crate::cli::iso_date(e.time)
            } else {
                String::new()
            });
        }
        let _ = w.write_record(&rec);
    }
    finish(w)
}

/// The whole profile as reel's CSV, which `reel profile import` reads back:
/// `list,movieId,imdbId,tmdbId,title,year,stars,time` (list is rating, watchlist or
/// not_interested).
pub fn reel_csv(profile: &UserProfile, catalogue: Option<&Catalogue>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "list", "movieId", "imdbId", "tmdbId", "title", "year", "stars", "time",
    ]);
    {
        let mut row = |list: &str, id: u32, saved: &str, stars: Option<f32>, time: i64| {
            let (title, year, imdb, tmdb) = describe(catalogue, id, saved);
            let _ = w.write_record([
                list.to_string(),
                id.to_string(),
                imdb,
                tmdb,
                title,
                year.map(|y| y.to_string()).unwrap_or_default(),
                stars.map(|s| s.to_string()).unwrap_or_default(),
                time.to_string(),
            ]);
        };
        for (&id, e) in &profile.ratings {
            row("rating", id, &e.title, Some(e.stars), e.time);
        }
        for (&id, m) in &profile.watchlist {
            row("watchlist", id, &m.title, None, m.time);
        }
        for (&id, m) in &profile.not_interested {
            row("not_interested", id, &m.title, None, m.time);
        }
    }
    finish(w)
}
