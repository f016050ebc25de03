//! Importing histories: Letterboxd (CSV and the export zip), IMDb, MovieLens.org and
//! reel's own files, matched against the real ml-latest-small; merge / replace / dry
//! run; atomicity; exports. Fixtures are in tests/fixtures/import (written by hand).

use crate::common;

use reel::data::{self, CacheMode, Dataset, LoadOptions};
use reel::import::formats::read;
use reel::import::matcher::{MatchedBy, Outcome, TitleMatcher};
use reel::import::{self, Format, ImportError, Mode};
use reel::profile::{ProfileStore, RatingEntry, UserProfile};
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (name.to_string(), bytes)
}

/// ml-latest-small and its rating counts, loaded once.
fn real() -> &'static (Dataset, Vec<u32>) {
    static REAL: OnceLock<(Dataset, Vec<u32>)> = OnceLock::new();
    REAL.get_or_init(|| {
        let opts = LoadOptions {
            lenient: false,
            cache: CacheMode::Off,
        };
        let ds = data::load(&common::ml_latest_small(), &opts).expect("ml-latest-small loads");
        let counts = reel::engine::ItemStats::new(&ds).counts;
        (ds, counts)
    })
}

fn matcher() -> TitleMatcher<'static> {
    let (ds, counts) = real();
    TitleMatcher::new(&ds.catalogue, counts)
}

fn parse(name: &str) -> import::Parsed {
    let (n, bytes) = fixture(name);
    read(&n, &bytes, Format::Auto).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn resolve(name: &str) -> import::Resolved {
    import::resolve(&parse(name), Some(&matcher()), 1_700_000_000).expect("resolve")
}

/// The movieId a matched outcome names.
fn id_of(outcome: &Outcome) -> Option<u32> {
    let (ds, _) = real();
    match outcome {
        Outcome::Matched { item, .. } => Some(ds.catalogue.movie(*item).id),
        _ => None,
    }
}

#[test]
fn well_known_letterboxd_films_match_on_ml_latest_small() {
    let parsed = parse("letterboxd-well-known.csv");
    let (_, expected) = fixture("letterboxd-well-known.expected");
    let expected: Vec<u32> = String::from_utf8(expected)
        .expect("utf-8")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.trim().parse().expect("a movieId"))
        .collect();
    assert_eq!(parsed.rows.len(), expected.len());
    assert!(expected.len() >= 40);
    let m = matcher();
    let (mut right, mut wrong, mut missed) = (0, Vec::new(), Vec::new());
    for (row, &want) in parsed.rows.iter().zip(&expected) {
        let outcome = m.match_title(&row.title, row.year);
        match id_of(&outcome) {
            Some(got) if got == want => right += 1,
            Some(got) => wrong.push(format!(
                "{} ({:?}) → {got}, want {want}",
                row.title, row.year
            )),
            None => missed.push(format!("{} ({:?}): {outcome:?}", row.title, row.year)),
        }
    }
    let rate = right as f64 / expected.len() as f64;
    println!(
        "Letterboxd well-known films: {right}/{} matched correctly ({:.1}%); missed: {missed:?}",
        expected.len(),
        100.0 * rate
    );
    // A wrong match is worse than none: it silently rates another film.
    assert!(wrong.is_empty(), "wrong matches: {wrong:#?}");
    // Life of Brian is "Monty Python's Life of Brian" in MovieLens: not matched, but
    // offered first.
    let brian = m.match_title("Life of Brian", Some(1979));
    match brian {
        Outcome::Unmatched { closest } => {
            assert_eq!(
                closest.first().map(|&i| real().0.catalogue.movie(i).id),
                Some(1080)
            )
        }
        other => panic!("Life of Brian: {other:?}"),
    }
    assert!(rate >= 0.95, "match rate {rate:.3}; missed: {missed:#?}");
}

#[test]
fn tricky_titles_are_matched_or_reported_never_guessed() {
    let m = matcher();
    let (ds, _) = real();
    let id = |t: &str, y: Option<u16>| id_of(&m.match_title(t, y));
    // Articles, accents, case, "Part II", alternative titles, spacing, year one off.
    assert_eq!(id("Matrix, The", Some(1999)), Some(2571));
    assert_eq!(id("AMÉLIE", Some(2001)), Some(4973));
    assert_eq!(
        id("Le Fabuleux destin d'Amélie Poulain", Some(2001)),
        Some(4973)
    );
    assert_eq!(id("The Godfather: Part 2", Some(1974)), Some(1221));
    assert_eq!(id("Seven", Some(1995)), Some(47));
    assert_eq!(id("Oldboy", Some(2003)), Some(27773));
    assert_eq!(id("Oldboy", Some(2013)), Some(107314));
    assert!(matches!(
        m.match_title("Cinema Paradiso", Some(1988)),
        Outcome::Matched {
            by: MatchedBy::TitleYearOff,
            ..
        }
    ));
    // Two movies with one title in different years: the year decides.
    assert_eq!(id("Hamlet", Some(1990)), Some(3723));
    assert_eq!(id("Hamlet", Some(1996)), Some(1411));
    assert_eq!(id("Psycho", Some(1998)), Some(2389));
    // Without a year that is doubtful, not guessed; the candidates are listed.
    match m.match_title("Hamlet", None) {
        Outcome::Doubtful { candidates, .. } => {
            let ids: Vec<u32> = candidates
                .iter()
                .map(|&i| ds.catalogue.movie(i).id)
                .collect();
            assert!(ids.contains(&1411) && ids.contains(&3723), "{ids:?}");
        }
        other => panic!("Hamlet without a year: {other:?}"),
    }
    // Identical title and year (a duplicate entry): the more-rated one, and said so.
    let wotw = m.match_title("War of the Worlds", Some(2005));
    assert!(
        matches!(
            wotw,
            Outcome::Matched {
                by: MatchedBy::MoreRated,
                ..
            }
        ),
        "{wotw:?}"
    );
    assert_eq!(id_of(&wotw), Some(34048));
    // Missing from the catalogue: unmatched, with the closest titles.
    match m.match_title("Parasite", Some(2019)) {
        Outcome::Unmatched { closest } => {
            let ids: Vec<u32> = closest.iter().map(|&i| ds.catalogue.movie(i).id).collect();
            assert_eq!(ids.first(), Some(&2256), "{ids:?}"); // Parasite (1982)
        }
        other => panic!("Parasite (2019): {other:?}"),
    }
    assert!(matches!(
        m.match_title("Zzyzx Qqq", Some(2001)),
        Outcome::Unmatched { .. }
    ));
}

#[test]
fn a_letterboxd_ratings_file_reports_every_outcome() {
    let r = resolve("letterboxd-tricky.csv");
    let ids: Vec<u32> = r.incoming.ratings.keys().copied().collect();
    assert_eq!(ids, vec![260, 1172, 1221, 2571, 4973, 34048]);
    // The Matrix twice: the newer row (4.5 on 2021-05-05) wins, the older is skipped.
    let matrix = &r.incoming.ratings[&2571];
    assert_eq!(matrix.stars, 4.5);
    assert_eq!(matrix.time, 1_620_172_800);
    assert_eq!(matrix.title, "The Matrix (1999)");
    let reasons: Vec<(u64, &str)> = r
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(l, why)| *l == 3 && why.contains("line 4")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(l, why)| *l == 12 && *why == "no rating"),
        "{reasons:?}"
    );
    // Parasite (2019) and Dune (2021) are not in the catalogue; Hamlet has no year.
    let unmatched: Vec<(u64, bool)> = r.unmatched.iter().map(|u| (u.line, u.doubtful)).collect();
    assert_eq!(unmatched, vec![(2, false), (6, true), (10, false)]);
    assert!(r.unmatched[0].candidates.iter().any(|c| c.movie_id == 2256));
    assert!(r.unmatched[2]
        .candidates
        .iter()
        .any(|c| c.title.starts_with("Dune")));
    assert_eq!(r.matched_by.get(&MatchedBy::PartOfTitle), Some(&1)); // Star Wars (1977)
    assert_eq!(r.rows, 11);
}

/// A Letterboxd export zip as downloaded: ratings.csv and watchlist.csv at the top,
/// plus files reel does not read.
pub fn letterboxd_zip() -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, file) in [
            ("ratings.csv", "letterboxd-tricky.csv"),
            ("watchlist.csv", "watchlist.csv"),
            ("watched.csv", "watchlist.csv"),
            ("likes/films.csv", "watchlist.csv"),
        ] {
            zip.start_file(name, opts).expect("zip entry");
            zip.write_all(&fixture(file).1).expect("zip write");
        }
        zip.start_file("profile.csv", opts).expect("zip entry");
        zip.write_all(b"Date Joined,Username\n2020-01-01,someone\n")
            .expect("zip write");
        zip.finish().expect("zip finish");
    }
    buf.into_inner()
}

#[test]
fn the_whole_letterboxd_export_zip_gives_ratings_and_watchlist() {
    let bytes = letterboxd_zip();
    let parsed = read("letterboxd-export.zip", &bytes, Format::Auto).expect("zip");
    assert_eq!(parsed.format, Format::Letterboxd);
    assert_eq!(
        parsed.files,
        vec![
            "letterboxd-export.zip:ratings.csv",
            "letterboxd-export.zip:watchlist.csv"
        ]
    );
    let r = import::resolve(&parsed, Some(&matcher()), 0).expect("resolve");
    assert_eq!(r.incoming.ratings.len(), 6);
    let watch: Vec<u32> = r.incoming.watchlist.keys().copied().collect();
    assert_eq!(watch, vec![912, 2010]); // Casablanca (1942), Metropolis (1927)
    assert_eq!(r.incoming.watchlist[&912].time, 1_640_995_200);
    // The same file on its own is a watchlist because of its name.
    let w = resolve("watchlist.csv");
    assert_eq!(w.incoming.watchlist.len(), 2);
    assert!(w.incoming.ratings.is_empty());
    // A zip without those files is refused clearly.
    let mut empty = std::io::Cursor::new(Vec::new());
    zip::ZipWriter::new(&mut empty).finish().expect("zip");
    let err = read("other.zip", &empty.into_inner(), Format::Auto).expect_err("no ratings");
    assert!(err.to_string().contains("no ratings.csv"), "{err}");
}

#[test]
fn imdb_ratings_match_by_id_and_skip_series() {
    let r = resolve("imdb-ratings.csv");
    let got: Vec<(u32, f32)> = r
        .incoming
        .ratings
        .iter()
        .map(|(&id, e)| (id, e.stars))
        .collect();
    // 10 → 5★, 9 → 4.5★, 7 → 3.5★, 8 → 4★, 6 → 3★.
    assert_eq!(
        got,
        vec![(1, 3.0), (296, 3.5), (318, 5.0), (858, 4.5), (1172, 4.0)]
    );
    assert_eq!(r.incoming.ratings[&318].time, 1_614_816_000); // Date Rated 2021-03-04
    assert_eq!(r.matched_by.get(&MatchedBy::ImdbId), Some(&4));
    // tt0000042 is not in links.csv: the title and year find Toy Story.
    assert_eq!(r.matched_by.get(&MatchedBy::TitleAndYear), Some(&1));
    let skipped: Vec<&str> = r.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        skipped,
        vec![
            "not a film (TV Series)",
            "not a film (TV Episode)",
            "not a film (tvSeries)"
        ]
    );
    assert_eq!(r.unmatched.len(), 1);
    assert!(
        r.unmatched[0].reason.contains("tt6751668"),
        "{:?}",
        r.unmatched[0]
    );
}

#[test]
fn an_imdb_watchlist_export_fills_the_watchlist() {
    // Newer IMDb list exports carry Your Rating too (empty when unrated): still a list.
    let w = resolve("imdb-watchlist.csv");
    assert!(w.incoming.ratings.is_empty());
    let ids: Vec<u32> = w.incoming.watchlist.keys().copied().collect();
    assert_eq!(ids, vec![318, 912]);
    assert_eq!(w.incoming.watchlist[&912].time, 1_643_673_600); // Created 2022-02-01
    assert_eq!(w.skipped.len(), 1, "the TV series");
}

#[test]
fn imdb_falls_back_to_title_and_year_without_links() {
    // A catalogue without IMDb ids, as ml-1m and ml-100k have.
    let (ds, counts) = real();
    let mut cat = ds.catalogue.clone();
    for m in &mut cat.movies {
        m.imdb_id = None;
    }
    cat.reindex();
    let m = TitleMatcher::new(&cat, counts);
    assert!(!m.has_links());
    let r = import::resolve(&parse("imdb-ratings.csv"), Some(&m), 0).expect("resolve");
    let ids: Vec<u32> = r.incoming.ratings.keys().copied().collect();
    assert_eq!(ids, vec![1, 296, 318, 858, 1172]);
    assert_eq!(r.matched_by.get(&MatchedBy::ImdbId), None);
}

#[test]
fn movielens_and_reel_files_keep_their_movie_ids() {
    let ml = import::resolve(&parse("movielens-ratings.csv"), None, 5).expect("no dataset needed");
    let got: Vec<(u32, f32, i64)> = ml
        .incoming
        .ratings
        .iter()
        .map(|(&id, e)| (id, e.stars, e.time))
        .collect();
    // No dates in this export: the import's time. Ids the dataset lacks are kept.
    assert_eq!(got, vec![(1, 4.5, 5), (318, 5.0, 5), (200_000, 3.0, 5)]);
    assert_eq!(
        ml.incoming.ratings[&318].title,
        "The Shawshank Redemption (1994)"
    );
    let reel_file = import::resolve(&parse("reel-profile.toml"), None, 5).expect("reel");
    assert_eq!(reel_file.incoming.ratings[&858].time, 1_600_000_000);
    assert_eq!(
        reel_file
            .incoming
            .watchlist
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![912]
    );
    assert_eq!(
        reel_file
            .incoming
            .not_interested
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![2]
    );
    // The JSON of `reel profile show --json` too.
    let json =
        br#"{"profile": "x", "ratings": [{"movieId": 50, "title": "The Usual Suspects (1995)",
        "stars": 4.5, "time": 123}], "watchlist": [{"movieId": 912, "title": "", "time": 9}],
        "not_interested": []}"#;
    let parsed = read("x.json", json, Format::Auto).expect("json");
    assert_eq!(parsed.format, Format::Reel);
    let r = import::resolve(&parsed, None, 5).expect("json");
    assert_eq!(
        (r.incoming.ratings[&50].stars, r.incoming.ratings[&50].time),
        (4.5, 123)
    );
    assert_eq!(r.incoming.watchlist[&912].time, 9);
    let bad = br#"{"ratings": [{"movieId": 50, "stars": 9}]}"#;
    let err = read("x.json", bad, Format::Auto)
        .expect_err("stars 9")
        .to_string();
    assert!(
        err.contains("ratings[0]") && err.contains("0.5 to 5"),
        "{err}"
    );
    // Title matching without a dataset is an error, not a silent empty import.
    let err = import::resolve(&parse("watchlist.csv"), None, 0).expect_err("needs data");
    assert!(matches!(err, ImportError::NoCatalogue(_)));
}

#[test]
fn malformed_rows_name_the_file_and_line() {
    for (name, line, needle) in [
        ("letterboxd-malformed.csv", 31, "Rating \"7\""),
        ("imdb-malformed.csv", 3, "x0068646"),
    ] {
        let (n, bytes) = fixture(name);
        let err = read(&n, &bytes, Format::Auto).expect_err(name).to_string();
        assert!(
            err.contains(name) && err.contains(&format!("line {line}")) && err.contains(needle),
            "{err}"
        );
    }
    let err = read(
        "x.csv",
        b"Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,A,1999\n",
        Format::Auto,
    )
    .expect_err("short row")
    .to_string();
    assert!(
        err.contains("line 2") && err.contains("expected 5 fields"),
        "{err}"
    );
    // A forced format that does not fit says which columns are missing.
    let (n, imdb) = fixture("imdb-ratings.csv");
    let err = read(&n, &imdb, Format::Letterboxd)
        .expect_err("not letterboxd")
        .to_string();
    assert!(
        err.contains("line 1") && err.contains("no Name column"),
        "{err}"
    );
    let err = read("x.csv", b"hello,world\n1,2\n", Format::Auto).expect_err("unknown");
    assert!(err.to_string().contains("--format"), "{err}");
    let err = read(
        "x.csv",
        b"Date,Name,Year,Letterboxd URI,Rating\n20/01/2020,A,1999,u,4\n",
        Format::Auto,
    )
    .expect_err("bad date");
    assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
}

fn rating(stars: f32, time: i64) -> RatingEntry {
    RatingEntry {
        stars,
        time,
        title: String::new(),
    }
}

#[test]
fn merge_keeps_the_newer_rating_and_replace_replaces() {
    let r = resolve("letterboxd-tricky.csv");
    let mut mine = UserProfile::new("me");
    mine.ratings.insert(2571, rating(1.0, 1_700_000_000)); // newer than the import's 2021 rating
    mine.ratings.insert(1221, rating(2.0, 1_500_000_000)); // older than the import's 2020 rating
    mine.ratings.insert(50, rating(3.0, 1));
    mine.not_interested.insert(
        2,
        reel::profile::Mark {
            time: 1,
            title: String::new(),
        },
    );
    let (merged, c) = import::apply(&mine, &r, Mode::Merge);
    assert_eq!(merged.ratings[&2571].stars, 1.0, "yours is newer: kept");
    assert_eq!(
        merged.ratings[&1221].stars, 5.0,
        "the import is newer: updated"
    );
    assert_eq!(
        merged.ratings[&1221].time, 1_591_401_600,
        "the import's time is kept"
    );
    assert!(merged.ratings.contains_key(&50));
    assert_eq!((c.added, c.updated, c.kept), (4, 1, 1));
    let (replaced, c) = import::apply(&mine, &r, Mode::Replace);
    assert_eq!(
        replaced.ratings.keys().copied().collect::<Vec<_>>(),
        r.incoming.ratings.keys().copied().collect::<Vec<_>>()
    );
    assert_eq!(replaced.ratings[&2571].stars, 4.5);
    assert_eq!(c.added, 6);
    // A Letterboxd export has no not-interested list: yours stays.
    assert!(replaced.not_interested.contains_key(&2));
}

#[test]
fn an_import_is_all_or_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "me").expect("store");
    let mut mine = UserProfile::new("me");
    mine.ratings.insert(50, rating(3.0, 1));
    store.save(&mine).expect("save");
    let before = std::fs::read(store.path()).expect("profile");
    let m = matcher();
    // Into a profile with entries, neither --merge nor --replace: refused.
    let parsed = parse("letterboxd-tricky.csv");
    let err =
        import::import_into(&store, &parsed, Some(&m), Mode::New, false).expect_err("not empty");
    assert!(err.to_string().contains("--merge"), "{err}");
    // A dry run reports and writes nothing.
    let report =
        import::import_into(&store, &parsed, Some(&m), Mode::Merge, true).expect("dry run");
    assert_eq!(report.changes.added, 6);
    assert!(report.dry_run);
    assert_eq!(std::fs::read(store.path()).expect("profile"), before);
    // The save fails half-way (a directory squats on the temporary file's name): the
    // profile is exactly as it was, and no temporary file is left.
    let tmp = dir
        .path()
        .join(format!(".me.toml.tmp-{}", std::process::id()));
    std::fs::create_dir(&tmp).expect("mkdir");
    assert!(import::import_into(&store, &parsed, Some(&m), Mode::Merge, false).is_err());
    assert_eq!(std::fs::read(store.path()).expect("profile"), before);
    std::fs::remove_dir(&tmp).expect("rmdir");
    // Now it goes through, in one write.
    let report =
        import::import_into(&store, &parsed, Some(&m), Mode::Merge, false).expect("import");
    assert_eq!(report.changes.added, 6);
    let after = store.read().expect("read").profile;
    assert_eq!(after.ratings.len(), 7);
    assert_eq!(after.ratings[&4973].time, 1_580_601_600);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["me.toml".to_string()]);
}

#[test]
fn exports_carry_imdb_ids_and_reel_csv_round_trips() {
    let (ds, _) = real();
    let mut p = UserProfile::new("me");
    p.ratings.insert(318, rating(4.5, 1_614_816_000));
    p.ratings.insert(2571, rating(3.0, 0));
    p.ratings.insert(
        999_999,
        RatingEntry {
            stars: 2.0,
            time: 5,
            title: "Gone, The (2001)".into(),
        },
    );
    p.watchlist.insert(
        912,
        reel::profile::Mark {
            time: 7,
            title: "Casablanca (1942)".into(),
        },
    );
    let lb = import::export::letterboxd_csv(&p, Some(&ds.catalogue), true);
    let lines: Vec<&str> = lb.lines().collect();
    assert_eq!(lines[0], "imdbID,tmdbID,Title,Year,Rating10,WatchedDate");
    assert_eq!(
        lines[1],
        "tt0111161,278,The Shawshank Redemption,1994,9,2021-03-04"
    );
    assert_eq!(lines[2], "tt0133093,603,The Matrix,1999,6,");
    assert_eq!(lines[3], ",,The Gone,2001,4,1970-01-01");
    let csv = import::export::reel_csv(&p, Some(&ds.catalogue));
    let back = import::resolve(
        &read("p.csv", csv.as_bytes(), Format::Auto).expect("csv"),
        None,
        0,
    )
    .expect("resolve");
    assert_eq!(
        back.incoming.ratings.keys().collect::<Vec<_>>(),
        p.ratings.keys().collect::<Vec<_>>()
    );
    for (id, e) in &p.ratings {
        assert_eq!(
            (
                back.incoming.ratings[id].stars,
                back.incoming.ratings[id].time
            ),
            (e.stars, e.time)
        );
    }
    assert_eq!(back.incoming.watchlist[&912].time, 7);
    // IMDb and TMDB pages from links.
    let shawshank = ds.catalogue.by_id(318).expect("318");
    assert_eq!(
        import::imdb_url(shawshank).as_deref(),
        Some("https://www.imdb.com/title/tt0111161/")
    );
    assert_eq!(
        import::tmdb_url(shawshank).as_deref(),
        Some("https://www.themoviedb.org/movie/278")
    );
}
