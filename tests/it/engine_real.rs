//! The engine with the real models on ml-latest-small (read in place; REEL_TEST_DATA
//! overrides the folder).

use reel::data::load::{CacheMode, LoadOptions};
use reel::engine::{Engine, ListId, RecFilter, Trainers};

const ITEM_BASED: ListId = ListId(0);
const SVD: ListId = ListId(1);
use reel::profile::{ProfileStore, UserProfile};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"));
    assert!(
        dir.join("ratings.csv").exists(),
        "ml-latest-small not found at {} (set REEL_TEST_DATA to its folder)",
        dir.display()
    );
    dir
}

#[test]
fn real_models_fold_in_ratings_and_explain() {
    let t = Instant::now();
    let opts = LoadOptions {
        lenient: false,
        cache: CacheMode::Off,
    };
    let ds = Arc::new(reel::data::load(&data_dir(), &opts).expect("load"));
    let load_s = t.elapsed().as_secs_f64();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "real").expect("store");
    let t = Instant::now();
    let mut e = Engine::train(
        ds,
        Trainers::standard(),
        UserProfile::new("real"),
        Some(store),
        &mut |_, _| {},
    )
    .expect("train");
    let train_s = t.elapsed().as_secs_f64();
    eprintln!("load {load_s:.2}s, train the default lists (ease, svd-ease) {train_s:.2}s");
    let names = e.model_names();
    assert_eq!(names, ["ease", "svd-ease"]);

    let find = |e: &Engine, q: &str| e.search(q, 1).first().map(|h| h.item).expect("found");
    let toy = find(&e, "toy story 1995");
    assert_eq!(e.dataset().catalogue.movie(toy).id, 1);
    let sim: Vec<u32> = e
        .similar(toy, 10)
        .iter()
        .map(|s| e.dataset().catalogue.movie(s.0).id)
        .collect();
    assert_eq!(sim.len(), 10);

    let f = RecFilter::default();
    let before_ib = e.recommend(ITEM_BASED, 10, &f);
    let before_svd = e.recommend(SVD, 10, &f);
    assert!(before_ib.popularity_based && before_svd.popularity_based);
    for (q, stars) in [
        ("toy story 1995", 5.0),
        ("toy story 2", 4.5),
        ("finding nemo", 5.0),
        ("monsters inc", 4.5),
        ("shrek 2001", 4.0),
        ("up 2009", 5.0),
    ] {
        let item = find(&e, q);
        e.rate(item, stars).expect("rate");
    }
    let t = Instant::now();
    let ib = e.recommend(ITEM_BASED, 10, &f);
    let svd = e.recommend(SVD, 10, &f);
    eprintln!(
        "both lists after a rating: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    assert!(!ib.popularity_based && !svd.popularity_based);
    assert_ne!(ib.entries, before_ib.entries);
    assert_ne!(svd.entries, before_svd.entries);
    // Both lists explain ("because you rated …").
    assert!(
        ib.entries.iter().all(|r| !r.because.is_empty()),
        "item-based explains"
    );
    assert!(
        svd.entries.iter().all(|r| !r.because.is_empty()),
        "SVD explains"
    );
    for r in ib.entries.iter().chain(&svd.entries) {
        assert!((0.5..=5.0).contains(&r.predicted), "{r:?}");
        assert!(e.rating_of(r.item).is_none());
    }
    for r in ib.entries.iter().chain(&svd.entries) {
        for (b, _) in &r.because {
            assert!(e.rating_of(*b).is_some(), "because names a rated movie");
        }
    }

    // Search speed on the real catalogue (printed; the budget is checked by benches/search.rs).
    let t = Instant::now();
    let queries = [
        "t",
        "to",
        "toy",
        "toy s",
        "toy story",
        "matrix 1999",
        "amelie",
        "star wars",
    ];
    for q in queries {
        assert!(!e.search(q, 50).is_empty(), "{q}");
    }
    eprintln!(
        "search on {} titles: {:.2} ms per query (mean of {})",
        e.n_items(),
        t.elapsed().as_secs_f64() * 1e3 / queries.len() as f64,
        queries.len()
    );

    // A full retrain with the profile runs in the background and swaps in.
    e.start_retrain().expect("start retrain");
    let t = Instant::now();
    let mut done = false;
    while !done && t.elapsed().as_secs() < 300 {
        for ev in e.poll() {
            match ev {
                reel::engine::EngineEvent::RetrainDone { seconds } => {
                    eprintln!("retrain {seconds:.2}s");
                    done = true;
                }
                reel::engine::EngineEvent::RetrainFailed(why) => panic!("retrain failed: {why}"),
                reel::engine::EngineEvent::RetrainProgress { .. } => {}
            }
        }
        // The engine keeps answering while it retrains.
        assert!(e.predict(toy)[SVD.0].is_finite());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(done, "retrain finished");
    let after = e.recommend(ITEM_BASED, 10, &f);
    assert!(!after.popularity_based);
    assert_eq!(after.entries.len(), 10);
}
