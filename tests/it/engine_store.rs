//! Trained models on disk (round trip, damaged and stale snapshots) and one model set
//! shared by many sessions on several threads.

use std::sync::Arc;

use crate::common;
use crate::engine_support::{fixture, temp_models};
use reel::data::{CacheMode, LoadOptions};
use reel::engine::{
    open_catalogue, open_models, trainers_for_dataset, Engine, ListId, ListOrigin, OpenOptions,
    RecFilter, DEFAULT_LISTS, LARGE_DATASET_LISTS,
};
use reel::models::registry::fit_by_name;
use reel::models::store::{self, DatasetKey, StoreStatus};
use reel::models::{Model, Who};
use reel::profile::UserProfile;

/// Every prediction, ranking score and explanation of `a` and `b` for one new user,
/// compared bit for bit.
fn assert_same_model(a: &dyn Model, b: &dyn Model, profile: &[(u32, f32)]) {
    assert_eq!(a.n_items(), b.n_items());
    let ua = a.for_user(Who::New(profile));
    let ub = b.for_user(Who::New(profile));
    for i in 0..a.n_items() as u32 {
        assert_eq!(
            ua.predict(i).to_bits(),
            ub.predict(i).to_bits(),
            "predict {i}"
        );
        assert_eq!(
            ua.rank_score(i).to_bits(),
            ub.rank_score(i).to_bits(),
            "rank_score {i}"
        );
        assert_eq!(ua.explain(i, 3), ub.explain(i, 3), "explain {i}");
    }
    for i in 0..a.n_items() as u32 {
        assert_eq!(
            a.similar_items(i, 10),
            b.similar_items(i, 10),
            "similar {i}"
        );
    }
}

#[test]
fn saved_models_load_back_bit_for_bit() {
    let ds = fixture();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = DatasetKey::of(&ds.ratings);
    let profile = vec![(0u32, 5.0f32), (3, 2.0), (7, 4.5), (12, 3.5), (20, 1.0)];
    for name in ["item-knn", "svd", "als"] {
        let fitted = fit_by_name(name, &ds.ratings, 42, &mut |_| {}).expect("fit");
        let file = store::file_for(dir.path(), &key, name);
        store::save(&file, &key, name, fitted.as_ref()).expect("save");
        let loaded = store::load(&file, &key, name).expect("load");
        assert_eq!(loaded.name(), fitted.name());
        assert_same_model(fitted.as_ref(), loaded.as_ref(), &profile);
        // A known training user too.
        let (ua, ub) = (
            fitted.for_user(Who::Known(3)),
            loaded.for_user(Who::Known(3)),
        );
        for i in 0..fitted.n_items() as u32 {
            assert_eq!(
                ua.predict(i).to_bits(),
                ub.predict(i).to_bits(),
                "{name} {i}"
            );
        }
    }
}

#[test]
fn damaged_truncated_and_stale_snapshots_are_rejected() {
    let ds = fixture();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = DatasetKey::of(&ds.ratings);
    let fitted = fit_by_name("item-knn", &ds.ratings, 42, &mut |_| {}).expect("fit");
    let file = store::file_for(dir.path(), &key, "item-knn");
    store::save(&file, &key, "item-knn", fitted.as_ref()).expect("save");
    let good = std::fs::read(&file).expect("read");
    let rejected = |bytes: &[u8], key: &DatasetKey, name: &str| -> String {
        std::fs::write(&file, bytes).expect("write");
        match store::load(&file, key, name) {
            Err(StoreStatus::Rejected(why)) => why,
            Err(StoreStatus::Absent) => panic!("file is there"),
            Ok(_) => panic!("a bad snapshot was trusted"),
        }
    };
    // A flipped byte in the body, near the end.
    let mut flipped = good.clone();
    let at = flipped.len() - 5;
    flipped[at] ^= 0x40;
    assert!(rejected(&flipped, &key, "item-knn").contains("checksum"));
    // A flipped byte in the head.
    let mut head = good.clone();
    head[30] ^= 0x01;
    let why = rejected(&head, &key, "item-knn");
    assert!(!why.is_empty());
    // Truncated anywhere.
    for cut in [0, 7, 20, good.len() / 2, good.len() - 1] {
        let why = rejected(&good[..cut], &key, "item-knn");
        assert!(!why.is_empty(), "cut at {cut}");
    }
    // Appended to.
    let mut longer = good.clone();
    longer.extend_from_slice(b"junk");
    assert!(rejected(&longer, &key, "item-knn").contains("size"));
    // Stale: other data, or another model's name.
    let other = DatasetKey {
        crc: key.crc ^ 1,
        ..key
    };
    assert!(rejected(&good, &other, "item-knn").contains("other data"));
    assert!(rejected(&good, &key, "svd").contains("holds model item-knn"));
    // Absent.
    std::fs::remove_file(&file).expect("rm");
    assert!(matches!(
        store::load(&file, &key, "item-knn"),
        Err(StoreStatus::Absent)
    ));
}

fn real_options(cache: &std::path::Path) -> OpenOptions {
    let load = LoadOptions {
        lenient: false,
        cache: CacheMode::Dir(cache.to_path_buf()),
    };
    OpenOptions::new(common::ml_latest_small(), load)
}

#[test]
fn open_trains_once_then_loads_and_retrains_a_damaged_snapshot() {
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = real_options(cache.path());
    assert_eq!(opts.model_cache, Some(cache.path().join("models")));
    let (first, _) = open_models(&opts, &mut |_| {}).expect("open");
    let mut files = Vec::new();
    for id in first.list_ids() {
        match first.list_origin(id) {
            Some(ListOrigin::Trained { saved: Ok(f), .. }) => files.push(f.clone()),
            other => panic!("first open must train and save: {other:?}"),
        }
    }
    assert_eq!(files.len(), 2);
    let (second, _) = open_models(&opts, &mut |_| {}).expect("open again");
    let profile = vec![(0u32, 5.0f32), (10, 4.0), (50, 2.5), (100, 4.5), (300, 3.0)];
    for id in second.list_ids() {
        assert!(
            matches!(second.list_origin(id), Some(ListOrigin::Loaded { .. })),
            "{:?}",
            second.list_origin(id)
        );
        let (a, b) = (
            first.model(id).expect("model"),
            second.model(id).expect("model"),
        );
        let ua = a.for_user(Who::New(&profile));
        let ub = b.for_user(Who::New(&profile));
        for i in (0..a.n_items() as u32).step_by(7) {
            assert_eq!(ua.rank_score(i).to_bits(), ub.rank_score(i).to_bits());
            assert_eq!(ua.predict(i).to_bits(), ub.predict(i).to_bits());
        }
    }
    // Damage one snapshot: it is retrained (and rewritten), the other still loads.
    let mut bytes = std::fs::read(&files[1]).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&files[1], &bytes).expect("write");
    let mut stages = Vec::new();
    let (third, _) = open_models(&opts, &mut |s| stages.push(s.message)).expect("open");
    assert!(matches!(
        third.list_origin(ListId(0)),
        Some(ListOrigin::Loaded { .. })
    ));
    assert!(matches!(
        third.list_origin(ListId(1)),
        Some(ListOrigin::Trained { saved: Ok(_), .. })
    ));
    assert!(
        stages.iter().any(|s| s.contains("checksum")),
        "the reason is shown: {stages:?}"
    );
    let (fourth, _) = open_models(&opts, &mut |_| {}).expect("open");
    assert!(matches!(
        fourth.list_origin(ListId(1)),
        Some(ListOrigin::Loaded { .. })
    ));
}

#[test]
fn many_sessions_share_one_model_set_across_threads() {
    let ds = fixture();
    let models = temp_models(&ds);
    // Each thread is a different person; compare with the same person alone.
    let person = |k: u32| -> Vec<(u32, f32)> {
        (0..8u32)
            .map(|j| ((k * 3 + j * 5) % 40, 0.5 * (1 + (k + j) % 10) as f32))
            .collect()
    };
    let alone: Vec<Vec<u32>> = (0..16u32)
        .map(|k| {
            let mut e = Engine::new(Arc::clone(&models), None, UserProfile::new("x"), None);
            for (item, stars) in person(k) {
                e.rate(item, stars).expect("rate");
            }
            e.recommend(ListId(1), 10, &RecFilter::default())
                .entries
                .iter()
                .map(|r| r.item)
                .collect()
        })
        .collect();
    let handles: Vec<_> = (0..16u32)
        .map(|k| {
            let models = Arc::clone(&models);
            std::thread::spawn(move || {
                let mut e = Engine::new(models, None, UserProfile::new("x"), None);
                let mut last = Vec::new();
                for _ in 0..20 {
                    for (item, stars) in person(k) {
                        e.rate(item, stars).expect("rate");
                    }
                    last = e
                        .recommend(ListId(1), 10, &RecFilter::default())
                        .entries
                        .iter()
                        .map(|r| r.item)
                        .collect();
                }
                last
            })
        })
        .collect();
    for (k, h) in handles.into_iter().enumerate() {
        let got = h.join().expect("thread");
        assert_eq!(got, alone[k], "person {k}");
    }
    // The shared set was never copied: only the handles above held it.
    assert_eq!(Arc::strong_count(&models), 1);
}

#[test]
fn a_first_load_reports_parsing_progress() {
    let opts = OpenOptions::new(
        common::ml_latest_small(),
        LoadOptions {
            lenient: false,
            cache: CacheMode::Off,
        },
    );
    let mut stages = Vec::new();
    let catalogue = reel::engine::open_catalogue(&opts, &mut |s| stages.push(s)).expect("open");
    assert_eq!(catalogue.list_ids().len(), 0, "no model yet");
    assert!(!catalogue.search("toy story", 5).is_empty(), "search works");
    let parsing: Vec<_> = stages
        .iter()
        .filter(|s| s.message.contains("parsing the ratings"))
        .collect();
    assert!(!parsing.is_empty(), "{stages:?}");
    let last = parsing.last().and_then(|s| s.overall).expect("fraction");
    assert!((0.09..=0.1001).contains(&last), "all bytes parsed: {last}");
}

/// Every (overall fraction, message) the loading screen gets while the item-kNN and SVD
/// lists train on ml-latest-small (no snapshots).
fn progress_while_item_knn_and_svd_train() -> Vec<(f32, String)> {
    let mut opts = OpenOptions::new(
        common::ml_latest_small(),
        LoadOptions {
            lenient: false,
            cache: CacheMode::Off,
        },
    );
    opts.lists = Some(vec!["item-knn".into(), "svd".into()]);
    let mut seen: Vec<(f32, String)> = Vec::new();
    open_models(&opts, &mut |s| {
        if let Some(f) = s.overall {
            seen.push((f, s.message));
        }
    })
    .expect("open");
    seen
}

/// The item-kNN list trains its baseline (a small part of its time) and then its
/// similarities; the bar must not show the list as done when only the baseline is.
#[test]
fn a_lists_first_stage_does_not_fill_its_share_of_the_bar() {
    let seen = progress_while_item_knn_and_svd_train();
    // Two lists after the 10% of the dataset load: item-kNN's share ends at 55%.
    let sweeps: Vec<&(f32, String)> = seen
        .iter()
        .filter(|(_, m)| m.contains("baseline sweeps"))
        .collect();
    assert!(!sweeps.is_empty(), "{seen:?}");
    for (f, m) in sweeps {
        assert!(*f < 0.4, "{m} shown at {:.0}%", f * 100.0);
    }
}

/// The loading screen's overall percentage never goes back, though a model reports its
/// stages one after another (item-kNN: baseline sweeps, then similarities) and the SVD
/// list's two models report side by side.
#[test]
fn overall_progress_never_goes_back_while_lists_train() {
    let seen = progress_while_item_knn_and_svd_train();
    assert!(seen.len() > 10, "{seen:?}");
    for w in seen.windows(2) {
        assert!(
            w[1].0 >= w[0].0,
            "progress went back from {:?} to {:?}",
            w[0],
            w[1]
        );
    }
}

/// A MovieLens folder with `movies` movies, each rated by the same five users.
fn write_catalogue(dir: &std::path::Path, movies: u32) {
    let mut m = String::from("movieId,title,genres\n");
    let mut r = String::from("userId,movieId,rating,timestamp\n");
    for id in 1..=movies {
        m.push_str(&format!("{id},Movie {id} (2000),Drama\n"));
        for user in 1..=5 {
            r.push_str(&format!(
                "{user},{id},{}.0,{}\n",
                1 + (id + user) % 5,
                1_000 + id
            ));
        }
    }
    std::fs::write(dir.join("movies.csv"), m).expect("movies.csv");
    std::fs::write(dir.join("ratings.csv"), r).expect("ratings.csv");
}

/// Unconfigured lists are EASE's on a catalogue its dense closed form takes (up to
/// 10,000 movies with 5+ ratings) and item-kNN + SVD above that; configured lists stay.
#[test]
fn default_lists_follow_the_catalogue_size_unless_configured() {
    let names = |movies: u32, lists: Option<Vec<String>>| {
        let dir = tempfile::tempdir().expect("temp dir");
        write_catalogue(dir.path(), movies);
        let mut opts = OpenOptions::new(
            dir.path().to_path_buf(),
            LoadOptions {
                lenient: false,
                cache: CacheMode::Off,
            },
        );
        opts.lists = lists;
        let set = open_catalogue(&opts, &mut |_| {}).expect("catalogue");
        let trainers = trainers_for_dataset(&opts, &set).expect("trainers");
        trainers
            .0
            .iter()
            .map(|t| t.spec.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(10_000, None), DEFAULT_LISTS);
    assert_eq!(names(10_001, None), LARGE_DATASET_LISTS);
    assert_eq!(
        names(10_001, Some(vec!["ease".into(), "svd-ease".into()])),
        ["ease", "svd-ease"]
    );
}
