//! Search quality on the real ml-latest-small: queries typed the way people type
//! (typos, any word order, no accents, digits for roman numerals, no punctuation,
//! other-language titles, genre and year words), each with the movie it must find.
//!
//! The expectations are MovieLens movieIds, checked by hand against movies.csv; "top 1"
//! means the movie must be the first hit, "top N" marks a genuinely ambiguous query
//! (the reason is given beside it).

use crate::common;

use reel::data::{self, CacheMode, Dataset, LoadOptions};
use reel::engine::SearchIndex;
use std::sync::OnceLock;

fn dataset() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        let options = LoadOptions {
            lenient: false,
            cache: CacheMode::Off,
        };
        data::load(&common::ml_latest_small(), &options).expect("ml-latest-small loads")
    })
}

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| SearchIndex::for_dataset(dataset()))
}

/// MovieLens ids of the first `n` hits.
fn top_ids(query: &str, n: usize) -> Vec<u32> {
    let cat = &dataset().catalogue;
    index()
        .search(query, n)
        .iter()
        .map(|h| cat.movie(h.item).id)
        .collect()
}

/// (query, expected movieId, must be within the first N hits, what it checks).
const CASES: &[(&str, u32, usize, &str)] = &[
    // Typos: 1 for words of 5-8 letters, 2 beyond.
    (
        "shawshenk",
        318,
        1,
        "typo: one substitution in a 9-letter word",
    ),
    (
        "shawshnk redemtion",
        318,
        1,
        "typo: a letter missing in each word",
    ),
    (
        "matirx",
        2571,
        1,
        "typo: transposition; the exact title beats Reloaded",
    ),
    (
        "the godfater",
        858,
        1,
        "typo, and the exact title beats Part II",
    ),
    ("pulp fictoin", 296, 1, "typo: transposition"),
    ("forest gump", 356, 1, "typo: a missing letter"),
    (
        "jurasic park",
        480,
        1,
        "typo; the exact title beats The Lost World",
    ),
    ("terminater 2", 589, 1, "typo plus a numeral"),
    // Prefix of the word being typed.
    ("shaw", 318, 1, "prefix of the last word"),
    ("harry potter sorc", 4896, 1, "prefix of the last word"),
    // Any word order.
    ("king return rings", 7153, 1, "word order"),
    ("strikes empire", 1196, 1, "word order"),
    // Accents, both ways.
    ("pokemon first movie", 3054, 1, "accent folded: Pokémon"),
    ("leon professional", 293, 1, "accent folded: Léon"),
    ("amélie", 4973, 1, "accent in the query"),
    ("miserables 1995", 73, 1, "accent folded, year as a filter"),
    // Numerals, roman numerals and number words.
    ("rocky 2", 2409, 1, "2 = II"),
    ("rocky iv", 2411, 1, "roman numeral typed as such"),
    ("star wars 4", 260, 1, "4 = Episode IV"),
    ("godfather 3", 2023, 1, "3 = Part III"),
    ("jurassic park 3", 4638, 1, "3 = III"),
    // Ocean's Eleven (2001) and the 1960 film (a.k.a. Ocean's 11) both fit: genuinely ambiguous.
    ("oceans 11", 4963, 2, "11 = Eleven, apostrophe dropped"),
    ("oceans eleven 1960", 4954, 1, "number word and year"),
    ("ocean twelve", 8984, 1, "word without the possessive"),
    // Punctuation.
    ("spiderman", 5349, 1, "Spider-Man without the hyphen"),
    ("spider man 2", 8636, 1, "hyphen as a space, plus a numeral"),
    ("xmen", 3793, 1, "X-Men without the hyphen"),
    ("et extra terrestrial", 1097, 1, "E.T. without the dots"),
    ("walle", 60069, 1, "WALL·E without the dot"),
    ("schindlers list", 527, 1, "apostrophe dropped"),
    // Alternative titles (kept from the parentheses of MovieLens titles).
    ("se7en", 47, 1, "a.k.a. title"),
    ("fabuleux destin", 4973, 1, "original-language title"),
    ("shichinin no samurai", 2019, 1, "original-language title"),
    (
        "philosophers stone",
        4896,
        1,
        "a.k.a. title, apostrophe dropped",
    ),
    // Year and genre words filter instead of matching letters.
    ("dark knight 2008", 58559, 1, "year as a filter"),
    ("toy story 1995", 1, 1, "year as a filter"),
    ("comedy 1994", 356, 1, "most rated 1994 comedy"),
    ("1994 comedy", 356, 1, "same, other order"),
    (
        "scifi 1999",
        2571,
        1,
        "most rated 1999 sci-fi, genre without hyphen",
    ),
    (
        "alien",
        1214,
        1,
        "exact title before Aliens and Alien: Resurrection",
    ),
];

#[test]
fn quality_queries_find_the_expected_movie() {
    let mut failures = Vec::new();
    for &(query, id, within, what) in CASES {
        let got = top_ids(query, within.max(5));
        if !got[..got.len().min(within)].contains(&id) {
            failures.push(format!(
                "{query:?} ({what}): want movieId {id} in the top {within}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// The most rated movies that satisfy `keep`, as the search should list them.
fn most_rated(keep: impl Fn(&reel::data::Movie) -> bool, n: usize) -> Vec<u32> {
    let ds = dataset();
    let mut items: Vec<(u32, u32)> = ds
        .catalogue
        .movies
        .iter()
        .enumerate()
        .filter(|(_, m)| keep(m))
        .map(|(i, m)| (ds.ratings.item(i).len() as u32, m.id))
        .collect();
    items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    items.into_iter().take(n).map(|(_, id)| id).collect()
}

#[test]
fn genre_and_year_words_filter_in_any_order() {
    let cat = &dataset().catalogue;
    let comedy = cat.genre_index("Comedy").expect("Comedy genre");
    let want = most_rated(|m| m.year == Some(1994) && m.genres.contains(comedy), 10);
    assert_eq!(top_ids("comedy 1994", 10), want);
    assert_eq!(top_ids("1994 comedy", 10), want);
}

#[test]
fn a_bare_year_or_genre_lists_those_by_popularity() {
    let cat = &dataset().catalogue;
    let horror = cat.genre_index("Horror").expect("Horror genre");
    assert_eq!(
        top_ids("horror", 10),
        most_rated(|m| m.genres.contains(horror), 10)
    );
    assert_eq!(
        top_ids("1994", 10),
        most_rated(|m| m.year == Some(1994), 10)
    );
}

#[test]
fn total_counts_every_hit_not_the_limit() {
    let cat = &dataset().catalogue;
    let comedy = cat.genre_index("Comedy").expect("Comedy genre");
    let comedies = cat
        .movies
        .iter()
        .filter(|m| m.genres.contains(comedy))
        .count();
    let results = index().search_counted("comedy", 10);
    assert_eq!(results.hits.len(), 10);
    assert!(
        results.total >= comedies,
        "total {} < {comedies} comedies",
        results.total
    );
    let rocky = index().search_counted("rocky", 200);
    assert_eq!(rocky.total, rocky.hits.len());
    assert!(rocky.total >= 6, "{}", rocky.total);
}

mod command {
    //! `reel search` as a user runs it: the real binary on the real ml-latest-small, with
    //! every platform folder in a temporary directory.

    use super::{dataset, index};
    use crate::common;
    use std::path::Path;
    use std::process::{Command, Output};

    fn reel(home: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_reel"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("REEL_DATA", common::ml_latest_small())
            .args(args)
            .output()
            .expect("run reel")
    }

    fn stdout_of(home: &Path, args: &[&str]) -> String {
        let out = reel(home, args);
        assert!(
            out.status.success(),
            "reel {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// MovieLens ids the library's search gives, in order.
    fn library_ids(query: &str, n: usize) -> Vec<u64> {
        let cat = &dataset().catalogue;
        index()
            .search(query, n)
            .iter()
            .map(|h| u64::from(cat.movie(h.item).id))
            .collect()
    }

    #[test]
    fn json_lists_what_the_app_shows() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let text = stdout_of(tmp.path(), &["search", "--json", "-n", "3", "shawshenk"]);
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        let list = v.as_array().expect("a JSON list");
        assert!(!list.is_empty() && list.len() <= 3, "{v}");
        let top = &list[0];
        assert_eq!(top["movie_id"], 318);
        assert_eq!(top["title"], "The Shawshank Redemption");
        assert_eq!(top["year"], 1994);
        let mut genres: Vec<&str> = top["genres"]
            .as_array()
            .expect("genres list")
            .iter()
            .filter_map(|g| g.as_str())
            .collect();
        genres.sort_unstable();
        assert_eq!(genres, ["Crime", "Drama"]);
        assert!(top["score"].is_i64(), "{top}");

        // Several words as separate arguments are one query; same order as the library.
        let text = stdout_of(
            tmp.path(),
            &["search", "comedy", "1994", "-n", "10", "--json"],
        );
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let ids: Vec<u64> = v
            .as_array()
            .expect("list")
            .iter()
            .map(|m| m["movie_id"].as_u64().expect("movie_id"))
            .collect();
        assert_eq!(ids, library_ids("comedy 1994", 10));
        assert_eq!(ids.len(), 10);
    }

    #[test]
    fn text_numbers_the_hits_under_the_true_count() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let text = stdout_of(tmp.path(), &["search", "rocky 2"]);
        let mut lines = text.lines();
        let head = lines.next().expect("a header");
        assert!(head.ends_with(" matching \"rocky 2\":"), "{text}");
        assert_eq!(
            lines.next(),
            Some("  1. Rocky II (1979)  Drama|Action  (movieId 2409)"),
            "{text}"
        );
        let text = stdout_of(tmp.path(), &["search", "-n", "2", "toy story"]);
        assert!(text.starts_with("2 of "), "{text}");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("  1. Toy Story (1995)"), "{text}");
        let text = stdout_of(tmp.path(), &["search", "qqqqqqqqqqqq"]);
        assert_eq!(text, "No movie matches \"qqqqqqqqqqqq\".\n");
    }

    #[test]
    fn bad_arguments_and_missing_data_are_errors_not_panics() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for args in [
            &["search"][..],
            &["search", "-n", "0", "x"],
            &["search", "-n", "many", "x"],
        ] {
            let out = reel(tmp.path(), args);
            assert_eq!(out.status.code(), Some(2), "reel {args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("panicked"), "{err}");
        }
        let missing = tmp.path().join("no-such-folder");
        let out = reel(
            tmp.path(),
            &[
                "search",
                "--data",
                missing.to_str().expect("UTF-8 path"),
                "heat",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("reel: ")
                && err.contains("no-such-folder")
                && !err.contains("panicked"),
            "{err}"
        );
    }
}
