//! Profile files: round trip, atomic saves, corrupt files moved aside, cross-dataset loads.

use crate::engine_support;

use reel::profile::{Mark, ProfileStore, RatingEntry, UserProfile};
use std::fs;

fn sample() -> UserProfile {
    let mut p = UserProfile::new("alice");
    p.ratings.insert(
        318,
        RatingEntry {
            stars: 4.5,
            time: 1_700_000_000,
            title: "The Shawshank Redemption (1994)".into(),
        },
    );
    p.ratings.insert(
        1,
        RatingEntry {
            stars: 3.0,
            time: 1_700_000_100,
            title: "Toy Story (1995)".into(),
        },
    );
    p.watchlist.insert(
        2,
        Mark {
            time: 1_700_000_200,
            title: "Jumanji (1995)".into(),
        },
    );
    p.not_interested.insert(
        3,
        Mark {
            time: 1_700_000_300,
            title: "Grumpier \"Old\" Men (1995)".into(),
        },
    );
    p
}

#[test]
fn round_trip_through_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "alice").expect("store");
    let p = sample();
    store.save(&p).expect("save");
    let text = fs::read_to_string(store.path()).expect("read");
    assert!(text.contains("movie = 318"), "{text}");
    assert!(text.contains("stars = 4.5"), "{text}");
    assert!(text.contains("The Shawshank Redemption (1994)"), "{text}");
    assert!(text.contains("[[not_interested]]"), "{text}");
    let back = store.load().expect("load");
    assert!(back.warnings.is_empty());
    assert_eq!(back.profile, p);
}

#[test]
fn missing_file_is_an_empty_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path().join("not-yet"), "bob").expect("store");
    let l = store.load().expect("load");
    assert!(l.profile.is_empty());
    assert_eq!(l.profile.name, "bob");
    assert!(l.warnings.is_empty());
}

#[test]
fn corrupt_profile_is_moved_aside_not_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "carol").expect("store");
    let garbage = "format = 1\n[[rating]]\nmovie = \"not a number\n";
    fs::write(store.path(), garbage).expect("write");
    let l = store.load().expect("load");
    assert!(l.profile.is_empty());
    assert_eq!(l.warnings.len(), 1);
    assert!(l.warnings[0].contains("moved to"), "{}", l.warnings[0]);
    assert!(!store.path().exists(), "corrupt file must be moved away");
    let aside: Vec<_> = fs::read_dir(dir.path())
        .expect("readdir")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("carol.toml.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(fs::read_to_string(aside[0].path()).expect("read"), garbage);
    // Saving afterwards writes a fresh file and leaves the corrupt copy alone.
    store.save(&sample()).expect("save");
    assert_eq!(fs::read_to_string(aside[0].path()).expect("read"), garbage);
    // A second corruption gets its own name.
    fs::write(store.path(), "\u{0}\u{1}binary").expect("write");
    let l2 = store.load().expect("load");
    assert_eq!(l2.warnings.len(), 1);
    let n_aside = fs::read_dir(dir.path())
        .expect("readdir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .count();
    assert_eq!(n_aside, 2);
}

/// A profile whose entries are partly bad: three bad ratings (negative stars, stars off
/// the scale, a movie id that is not a number) around two good ones, plus a bad mark.
const PARTLY_BAD: &str = "format = 1
name = \"dave\"

[[rating]]
movie = 318
stars = 4.5
time = 1700000000

[[rating]]
movie = 5
stars = -1.0

[[rating]]
movie = 6
stars = 9.5

[[rating]]
movie = \"abc\"
stars = 3.0

[[rating]]
movie = 1
stars = 3.0

[[watchlist]]
movie = 2

[[watchlist]]
movie = -7
";

#[test]
fn bad_entries_are_left_out_and_reported_not_the_whole_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "dave").expect("store");
    fs::write(store.path(), PARTLY_BAD).expect("write");
    let l = store.load().expect("load");
    // The valid entries survive.
    let ids: Vec<u32> = l.profile.ratings.keys().copied().collect();
    assert_eq!(ids, vec![1, 318]);
    assert_eq!(l.profile.ratings[&318].stars, 4.5);
    assert_eq!(l.profile.ratings[&318].time, 1_700_000_000);
    assert_eq!(
        l.profile.watchlist.keys().copied().collect::<Vec<_>>(),
        vec![2]
    );
    // Each bad entry is reported with the file, where it is and why.
    let path = store.path().display().to_string();
    let bad: Vec<&String> = l.warnings.iter().filter(|w| w.contains(&path)).collect();
    assert!(bad.len() >= 4, "{:#?}", l.warnings);
    for (needle, line) in [("-1", 11), ("9.5", 15), ("abc", 18), ("-7", 29)] {
        assert!(
            l.warnings.iter().any(|w| w.contains(&path)
                && w.contains(needle)
                && w.contains(&format!("line {line}"))),
            "no warning about {needle} at line {line}: {:#?}",
            l.warnings
        );
    }
    // The file stays where it is, untouched; a copy of it is kept for the entries a
    // later save will drop.
    assert_eq!(fs::read_to_string(store.path()).expect("read"), PARTLY_BAD);
    let copies: Vec<_> = fs::read_dir(dir.path())
        .expect("readdir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "dave.toml")
        .collect();
    assert_eq!(copies.len(), 1, "one copy of the original");
    assert_eq!(
        fs::read_to_string(copies[0].path()).expect("read"),
        PARTLY_BAD
    );
    assert!(l
        .warnings
        .iter()
        .any(|w| w.contains(&copies[0].path().display().to_string())));
    // Loading again does not pile up identical copies.
    store.load().expect("load again");
    let n = fs::read_dir(dir.path()).expect("readdir").count();
    assert_eq!(n, 2);
}

#[test]
fn read_only_loading_never_moves_or_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "default").expect("store");
    // Bad entries: the valid ones load, nothing is written.
    fs::write(store.path(), PARTLY_BAD).expect("write");
    let l = store.read().expect("read");
    assert_eq!(l.profile.ratings.len(), 2);
    assert!(l.warnings.iter().any(|w| w.contains("9.5")));
    assert_eq!(fs::read_dir(dir.path()).expect("readdir").count(), 1);
    // Not TOML at all: an error naming the file, and the file stays in place.
    let garbage = "format = 1\n[[rating]]\nmovie = \"not closed\n";
    fs::write(store.path(), garbage).expect("write");
    let err = store.read().expect_err("unparseable").to_string();
    assert!(err.contains(&store.path().display().to_string()), "{err}");
    assert_eq!(fs::read_to_string(store.path()).expect("read"), garbage);
    assert_eq!(fs::read_dir(dir.path()).expect("readdir").count(), 1);
    // A newer format is never moved aside, even by a writer.
    fs::write(store.path(), "format = 99\n").expect("write");
    assert!(store.read().is_err());
    assert!(store.load().is_err());
    assert_eq!(
        fs::read_to_string(store.path()).expect("read"),
        "format = 99\n"
    );
}

#[test]
fn a_missing_named_profile_is_an_error_for_readers_but_default_is_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let default = ProfileStore::new(dir.path(), "default").expect("store");
    assert!(default
        .read()
        .expect("default may be absent")
        .profile
        .is_empty());
    ProfileStore::new(dir.path(), "alice")
        .expect("store")
        .save(&sample())
        .expect("save");
    let err = ProfileStore::new(dir.path(), "nosuch")
        .expect("store")
        .read()
        .expect_err("missing named profile")
        .to_string();
    assert!(err.contains("nosuch") && err.contains("alice"), "{err}");
    // Writers create it.
    let l = ProfileStore::new(dir.path(), "nosuch")
        .expect("store")
        .load()
        .expect("load");
    assert!(l.profile.is_empty());
}

#[test]
fn save_is_atomic_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "erin").expect("store");
    let mut p = sample();
    p.name = "erin".into();
    for k in 0..50u32 {
        p.ratings.insert(
            1000 + k,
            RatingEntry {
                stars: 0.5 + (k % 10) as f32 * 0.5,
                time: k as i64,
                title: format!("M{k}"),
            },
        );
        store.save(&p).expect("save");
        // After every save the file parses and equals what was saved.
        assert_eq!(store.load().expect("load").profile, p);
    }
    let names: Vec<String> = fs::read_dir(dir.path())
        .expect("readdir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["erin.toml".to_string()],
        "only the profile remains"
    );
}

#[test]
fn failed_save_keeps_the_old_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::new(dir.path(), "finn").expect("store");
    store.save(&sample()).expect("save");
    let before = fs::read_to_string(store.path()).expect("read");
    // A directory squatting on the temporary file's name makes the write fail.
    let tmp = dir
        .path()
        .join(format!(".finn.toml.tmp-{}", std::process::id()));
    fs::create_dir(&tmp).expect("mkdir");
    let mut p = sample();
    p.ratings.clear();
    assert!(store.save(&p).is_err());
    assert_eq!(fs::read_to_string(store.path()).expect("read"), before);
}

#[test]
fn profile_from_another_dataset_loads_and_reports_missing() {
    let ds = engine_support::fixture();
    let mut p = UserProfile::new("gus");
    // 10 and 20 exist in the fixture; 999999 does not.
    p.ratings.insert(
        10,
        RatingEntry {
            stars: 4.0,
            time: 1,
            title: String::new(),
        },
    );
    p.ratings.insert(
        999_999,
        RatingEntry {
            stars: 2.0,
            time: 1,
            title: "Elsewhere".into(),
        },
    );
    p.not_interested.insert(
        20,
        Mark {
            time: 1,
            title: String::new(),
        },
    );
    p.watchlist.insert(
        888_888,
        Mark {
            time: 1,
            title: String::new(),
        },
    );
    let r = p.resolve(&ds.catalogue);
    assert_eq!(r.ratings, vec![(0, 4.0)]);
    assert_eq!(r.not_interested, vec![1]);
    assert_eq!(r.missing, vec![888_888, 999_999]);
}

#[test]
fn bad_names_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bad in ["", "../up", "a/b", "x.toml", "sp ace"] {
        assert!(ProfileStore::new(dir.path(), bad).is_err(), "{bad:?}");
    }
}
