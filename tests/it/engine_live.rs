//! Engine behaviour on a small fixture with a temporary mean model.

use crate::engine_support::{fixture, temp_models, temp_trainers};
use reel::engine::{Engine, EngineEvent, ListId, RecFilter, MIN_PERSONAL_RATINGS};

const ITEM_BASED: ListId = ListId(0);
const SVD: ListId = ListId(1);
use reel::profile::{ProfileStore, UserProfile};
use std::time::{Duration, Instant};

fn engine(dir: &std::path::Path) -> Engine {
    let ds = fixture();
    let models = temp_models(&ds);
    let store = ProfileStore::new(dir, "t").expect("store");
    Engine::new(
        models,
        Some(temp_trainers()),
        UserProfile::new("t"),
        Some(store),
    )
}

#[test]
fn empty_profile_gets_onboarding_and_popularity_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let onboarding = e.onboarding(8);
    assert_eq!(onboarding.len(), 8);
    assert_eq!(onboarding[0], 0, "the most rated movie comes first");
    // Varied: no leading genre more than twice while others are available.
    let mut per = std::collections::HashMap::new();
    for &i in &onboarding {
        *per.entry(e.dataset().catalogue.movie(i).genres.0)
            .or_insert(0) += 1;
    }
    assert!(per.values().all(|&c| c <= 2), "{per:?}");
    let list = e.recommend(ITEM_BASED, 5, &RecFilter::default());
    assert!(list.popularity_based);
    assert_eq!(list.entries.len(), 5);
}

#[test]
fn rating_changes_predictions_lists_and_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(dir.path());
    let before = e.predict(5);
    for item in 0..MIN_PERSONAL_RATINGS as u32 {
        e.rate(item, 5.0).expect("rate");
    }
    let after = e.predict(5);
    assert!(after[SVD.0] > before[SVD.0], "{before:?} -> {after:?}");
    let list = e.recommend(ITEM_BASED, 10, &RecFilter::default());
    assert!(!list.popularity_based);
    assert!(
        list.entries.iter().all(|r| e.rating_of(r.item).is_none()),
        "rated movies excluded"
    );
    assert!(
        !list.entries[0].because.is_empty(),
        "item-based list explains"
    );
    let text = std::fs::read_to_string(dir.path().join("t.toml")).expect("profile saved");
    assert_eq!(text.matches("[[rating]]").count(), MIN_PERSONAL_RATINGS);
    assert!(text.contains("The Matrix (1980)"), "{text}");
}

#[test]
fn stars_must_be_on_the_scale_and_its_steps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(dir.path());
    // One rule for every front-end: a value between steps is an error, not rounded.
    assert!(e.rate(3, 3.74).is_err());
    assert_eq!(e.rating_of(3), None);
    assert_eq!(e.rate(3, 3.5).expect("rate"), 3.5);
    assert_eq!(e.rating_of(3), Some(3.5));
    assert!(e.rate(3, 0.25).is_err());
    assert!(e.rate(3, -1.0).is_err());
    assert!(e.rate(3, 7.0).is_err());
    assert!(e.rate(3, f32::NAN).is_err());
    assert!(e.rate(10_000, 3.0).is_err());
    e.unrate(3).expect("unrate");
    assert_eq!(e.rating_of(3), None);
}

#[test]
fn filters_and_not_interested() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(dir.path());
    for item in 20..26 {
        e.rate(item, 4.0).expect("rate");
    }
    let drama = e.dataset().catalogue.genre_index("Drama").expect("genre");
    let f = RecFilter {
        genres: vec![drama],
        years: Some((1985, 2010)),
        min_ratings: 5,
        ..RecFilter::default()
    };
    for kind in e.list_ids() {
        let list = e.recommend(kind, 40, &f);
        assert!(!list.entries.is_empty());
        for r in &list.entries {
            let m = e.dataset().catalogue.movie(r.item);
            assert!(m.genres.contains(drama));
            assert!((1985..=2010).contains(&m.year.expect("year")));
            assert!(e.rating_count(r.item) >= 5);
        }
    }
    let top = e.recommend(SVD, 1, &RecFilter::default()).entries[0].item;
    assert!(e.toggle_not_interested(top).expect("mark"));
    let list = e.recommend(SVD, 40, &RecFilter::default());
    assert!(list.entries.iter().all(|r| r.item != top));
    let pop = e.popular(40, &RecFilter::default());
    assert!(!pop.contains(&top));
}

#[test]
fn undo_restores_each_kind_of_change_and_saves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(dir.path());
    e.rate(1, 2.0).expect("rate");
    e.rate(1, 4.0).expect("rate");
    e.toggle_watchlist(2).expect("watch");
    e.toggle_not_interested(3).expect("ni");
    e.unrate(1).expect("unrate");
    assert_eq!(e.rating_of(1), None);
    e.undo().expect("undo");
    assert_eq!(e.rating_of(1), Some(4.0));
    e.undo().expect("undo");
    assert!(!e.is_not_interested(3));
    e.undo().expect("undo");
    assert!(!e.in_watchlist(2));
    e.undo().expect("undo");
    assert_eq!(e.rating_of(1), Some(2.0));
    e.undo().expect("undo");
    assert_eq!(e.rating_of(1), None);
    assert_eq!(e.undo().expect("undo"), None);
    let back = ProfileStore::new(dir.path(), "t")
        .expect("store")
        .load()
        .expect("load");
    assert!(back.profile.is_empty());
}

#[test]
fn similar_search_and_tags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let sim = e.similar(0, 5);
    assert_eq!(sim.len(), 5);
    assert!(sim.iter().all(|&(j, s)| j != 0 && s > 0.0));
    assert!(sim.windows(2).all(|w| w[0].1 >= w[1].1));
    let hits = e.search("matrix", 5);
    assert_eq!(hits[0].item, 0);
    let hits = e.search("toy 1991", 5);
    assert_eq!(
        e.dataset().catalogue.movie(hits[0].item).label(),
        "Toy Story 2 (1991)"
    );
    let tags = e.top_tags(0, 5);
    assert_eq!(tags[0], ("cyberpunk".to_string(), 2));
}

#[test]
fn retrain_runs_in_background_and_swaps_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(dir.path());
    for item in 0..6 {
        e.rate(item, 5.0).expect("rate");
    }
    e.start_retrain().expect("start");
    assert!(e.start_retrain().is_err(), "one retrain at a time");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut done = false;
    let mut saw_progress = false;
    while Instant::now() < deadline && !done {
        for ev in e.poll() {
            match ev {
                EngineEvent::RetrainProgress { .. } => saw_progress = true,
                EngineEvent::RetrainDone { .. } => done = true,
                EngineEvent::RetrainFailed(why) => panic!("retrain failed: {why}"),
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(done && saw_progress);
    assert!(!e.retraining());
    // Predictions still work after the swap.
    assert!(e.predict(10)[SVD.0].is_finite());
}

#[test]
fn profile_reloads_into_a_new_engine() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut e = engine(dir.path());
        e.rate(4, 4.5).expect("rate");
        e.toggle_watchlist(7).expect("watch");
    }
    let store = ProfileStore::new(dir.path(), "t").expect("store");
    let loaded = store.load().expect("load");
    let ds = fixture();
    let e = Engine::new(temp_models(&ds), None, loaded.profile, Some(store));
    assert_eq!(e.rating_of(4), Some(4.5));
    assert!(e.in_watchlist(7));
}

#[test]
fn cli_render_says_popularity_then_explains() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(dir.path());
    let text = reel::cli::recommend::render(&e, &e.list_ids(), 3, &RecFilter::default());
    assert_eq!(text.matches("popularity-based").count(), 2, "{text}");
    for item in 0..6 {
        e.rate(item, 5.0).expect("rate");
    }
    let text = reel::cli::recommend::render(&e, &e.list_ids(), 3, &RecFilter::default());
    assert!(!text.contains("popularity-based"), "{text}");
    assert!(text.contains("because you rated"), "{text}");
    assert!(text.starts_with("Item-based\n  1. "), "{text}");
}

#[test]
fn engine_can_be_shared_across_threads() {
    // A server keeps one engine behind a lock; the TUI builds it on a loader thread.
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Engine>();
}
