//! The real GroupLens ml-latest-small, read in place.

use crate::common;

use reel::data::{self, CacheMode, CacheStatus, LoadOptions};

fn no_cache() -> LoadOptions {
    LoadOptions {
        lenient: false,
        cache: CacheMode::Off,
    }
}

#[test]
fn ml_latest_small_loads_exactly() {
    let ds = data::load(&common::ml_latest_small(), &no_cache()).expect("loads");
    assert_eq!(ds.layout, data::Layout::Csv);
    assert_eq!(ds.ratings.nnz(), 100_836);
    assert_eq!(ds.ratings.n_users(), 610);
    assert_eq!(ds.catalogue.len(), 9_742);
    assert_eq!(ds.ratings.rated_items(), 9_724);
    assert_eq!(ds.tags.len(), 3_683);
    assert_eq!(ds.report.rating_rows, 100_836);
    assert_eq!(ds.report.duplicates_merged, 0);
    assert_eq!(ds.report.out_of_range_dropped, 0);
    assert_eq!(ds.report.unknown_movie_ratings, 0);
    assert_eq!(ds.report.malformed_skipped, 0);
    assert_eq!(ds.user_ids.first(), Some(&1));
    assert_eq!(ds.user_ids.last(), Some(&610));

    let toy = ds.catalogue.by_id(1).expect("movieId 1");
    assert_eq!(toy.title, "Toy Story");
    assert_eq!(toy.year, Some(1995));
    assert_eq!(
        ds.catalogue.genre_list(toy.genres),
        vec!["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    );
    assert_eq!(toy.imdb_id, Some(114_709));
    assert_eq!(toy.tmdb_id, Some(862));
    let shawshank = ds.catalogue.by_id(318).expect("movieId 318");
    assert_eq!(shawshank.title, "The Shawshank Redemption");
    assert_eq!(shawshank.year, Some(1994));
    // Quoted title with a comma and an alternative title.
    let city = ds.catalogue.by_id(29).expect("movieId 29");
    assert_eq!(city.title, "The City of Lost Children");
    assert_eq!(city.alt_titles, vec!["La Cité des enfants perdus"]);
    // User 1's first rating in the file: movie 1, 4.0 stars.
    let u1 = ds.user_index(1).expect("user 1");
    let toy_idx = ds.catalogue.index_of(1).expect("index");
    assert_eq!(ds.ratings.get(u1, toy_idx), Some(4.0));
    assert_eq!(ds.ratings.user_count(u1), 232);
    // Genre-less movies have an empty set.
    assert!(ds
        .catalogue
        .movies
        .iter()
        .any(|m| m.genres.is_empty() && m.year.is_some()));
}

#[test]
fn cache_round_trip_is_identical_and_detects_staleness() {
    let src = common::ml_latest_small();
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = LoadOptions {
        lenient: false,
        cache: CacheMode::Dir(cache.path().to_path_buf()),
    };
    let first = data::load(&src, &opts).expect("parse");
    assert!(
        matches!(first.cache, CacheStatus::Written(_)),
        "{:?}",
        first.cache
    );
    let second = data::load(&src, &opts).expect("cache");
    let CacheStatus::Hit(file) = &second.cache else {
        panic!("expected a cache hit, got {:?}", second.cache)
    };
    assert_eq!(first.ratings, second.ratings);
    assert_eq!(first.catalogue, second.catalogue);
    assert_eq!(first.tags, second.tags);
    assert_eq!(first.user_ids, second.user_ids);
    assert_eq!(first.report, second.report);
    assert_eq!(second.catalogue.index_of(1), first.catalogue.index_of(1));

    // Corrupt one byte in the middle: detected, rebuilt, never trusted.
    let mut bytes = std::fs::read(file).expect("read cache");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(file, &bytes).expect("write");
    let third = data::load(&src, &opts).expect("rebuild");
    assert!(
        matches!(&third.cache, CacheStatus::Rebuilt(_, why) if why.contains("checksum")),
        "{:?}",
        third.cache
    );
    assert_eq!(third.ratings, first.ratings);

    // Truncated: detected too.
    let bytes = std::fs::read(file).expect("read cache");
    std::fs::write(file, &bytes[..bytes.len() / 3]).expect("truncate");
    let fourth = data::load(&src, &opts).expect("rebuild");
    assert!(
        matches!(fourth.cache, CacheStatus::Rebuilt(..)),
        "{:?}",
        fourth.cache
    );
    assert!(matches!(
        data::load(&src, &opts).expect("hit").cache,
        CacheStatus::Hit(_)
    ));

    // A lenient load is a different snapshot (it may hold skipped rows).
    let lenient = LoadOptions {
        lenient: true,
        ..opts
    };
    assert!(matches!(
        data::load(&src, &lenient).expect("lenient").cache,
        CacheStatus::Rebuilt(..)
    ));
}
