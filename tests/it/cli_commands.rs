//! The scriptable commands (`rate`, `profile`, `recommend`, `similar`) as a user runs
//! them: the real binary on the real ml-latest-small, with every platform folder in a
//! temporary directory so the user's real profile is never touched.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

fn reel(home: &Path) -> Command {
    common::reel_in(home)
}

fn run(home: &Path, args: &[&str]) -> Output {
    reel(home).args(args).output().expect("run reel")
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = run(home, args);
    assert!(
        out.status.success(),
        "reel {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    let text = ok(home, args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("reel {args:?}: not JSON ({e}): {text}"))
}

fn rated_ids(profile: &serde_json::Value) -> Vec<u64> {
    profile["ratings"]
        .as_array()
        .expect("ratings array")
        .iter()
        .map(|r| r["movieId"].as_u64().expect("movieId"))
        .collect()
}

/// The profile's movieIds after the rating steps (sorted).
const RATED: [u64; 6] = [1, 6, 296, 858, 1214, 2571];

/// `reel rate "shawshenk" 4` used to list candidates instead of rating the one movie the
/// typo-tolerant search finds: a typo with a single clear winner is acted on, and the
/// output names the movie; an equal tie is still refused.
#[test]
fn a_typo_with_one_clear_winner_is_acted_on_and_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let text = ok(home, &["rate", "shawshenk", "4"]);
    assert!(text.contains("The Shawshank Redemption (1994)"), "{text}");
    let v = json(home, &["similar", "matirx", "-n", "1", "--json"]);
    assert_eq!(v["movie"]["movieId"], 2571);
    let v = json(home, &["similar", "godfahter", "-n", "1", "--json"]);
    assert_eq!(v["movie"]["movieId"], 858);
    let ids = rated_ids(&json(home, &["profile", "show", "--json"]));
    assert_eq!(ids, vec![318]);
    // Two movies match "star wars" equally well: no guess, candidates listed.
    let out = run(home, &["rate", "star wars", "4"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1196") && err.contains("260"), "{err}");
}

#[test]
fn rate_show_recommend_similar_export_import() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();

    // Rate by title (exact, article-free and fuzzy) and by movieId.
    ok(home, &["rate", "Toy Story", "4.5"]);
    ok(home, &["rate", "matrix", "5"]);
    ok(home, &["rate", "858", "4"]); // The Godfather
    ok(home, &["rate", "Fargo", "3.5"]);
    ok(home, &["rate", "Pulp Fiction", "5"]);
    ok(home, &["rate", "Heat 1995", "4"]);
    ok(home, &["rate", "alien", "4.5"]);
    let shown = json(home, &["profile", "show", "--json"]);
    let mut ids = rated_ids(&shown);
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 6, 296, 608, 858, 1214, 2571], "{shown}");
    let toy = &shown["ratings"][0];
    assert_eq!(toy["title"], "Toy Story (1995)");
    assert_eq!(toy["stars"], 4.5);
    assert!(toy["time"].as_i64().is_some_and(|t| t > 1_600_000_000));
    let path = shown["path"].as_str().expect("path");
    assert!(
        path.starts_with(home.to_str().expect("utf-8 temp path")),
        "{path}"
    );
    let text = ok(home, &["profile", "show"]);
    assert!(
        text.contains("Toy Story (1995)") && text.contains("Ratings (7)"),
        "{text}"
    );

    // Clearing: 0 stars and --clear.
    ok(home, &["rate", "Fargo", "0"]);
    ok(home, &["rate", "Pulp Fiction", "--clear"]);
    ok(home, &["rate", "Pulp Fiction", "5"]);
    let mut ids = rated_ids(&json(home, &["profile", "show", "--json"]));
    ids.sort_unstable();
    assert_eq!(ids, RATED);

    // Bad stars and ambiguous titles fail clearly and change nothing.
    let before = std::fs::read(path).expect("profile file");
    let out = run(home, &["rate", "Toy Story", "7"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("7 stars") && err.contains("0.5 to 5"), "{err}");
    let out = run(home, &["rate", "Toy Story", "3.3"]);
    assert!(!out.status.success());
    let out = run(home, &["rate", "Hamlet", "4"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for (id, year) in [(1411, 1996), (3723, 1990), (3598, 2000)] {
        assert!(
            err.contains(&id.to_string()) && err.contains(&format!("Hamlet ({year})")),
            "{err}"
        );
    }
    let out = run(home, &["similar", "Hamlet"]);
    assert!(
        !out.status.success(),
        "an ambiguous title must not be guessed"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1411"));
    let out = run(home, &["rate", "999999999", "4"]);
    assert!(!out.status.success());
    assert_eq!(std::fs::read(path).expect("profile file"), before);
    // A misspelt title that several movies match equally is not guessed.
    let out = run(home, &["rate", "star wars", "4"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ambiguous") && err.contains("1196") && err.contains("260"),
        "{err}"
    );
    assert_eq!(std::fs::read(path).expect("profile file"), before);
    // Whole words break a tie ("ii" is in Part II, not Part III).
    let v = json(home, &["similar", "godfather part ii", "-n", "1", "--json"]);
    assert_eq!(v["movie"]["movieId"], 1221);
    // A year picks one Hamlet.
    let v = json(home, &["similar", "Hamlet (1996)", "-n", "3", "--json"]);
    assert_eq!(v["movie"]["movieId"], 1411);

    // Recommendations for the profile: n unrated movies with predictions on the scale.
    let v = json(home, &["recommend", "--json", "-n", "7"]);
    let lists = v["lists"].as_array().expect("lists");
    assert_eq!(lists.len(), 2);
    assert_eq!(v["rated"], RATED.len());
    for list in lists {
        assert_eq!(list["popularity_based"], false, "{list}");
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), 7, "{list}");
        for it in items {
            let id = it["movieId"].as_u64().expect("movieId");
            assert!(!RATED.contains(&id), "rated movie {id} recommended");
            let p = it["predicted"].as_f64().expect("predicted");
            assert!((0.5..=5.0).contains(&p), "{it}");
            assert!(it["title"].is_string() && it["score"].is_number());
        }
        let ids: std::collections::HashSet<u64> =
            items.iter().filter_map(|i| i["movieId"].as_u64()).collect();
        assert_eq!(ids.len(), 7, "duplicates in {list}");
    }
    // The default lists: item-based (EASE) and SVD (blended with EASE); both say
    // "because you rated …" with rated movies.
    assert_eq!(lists[0]["algo"], "ease");
    assert_eq!(lists[1]["algo"], "svd-ease");
    for b in lists.iter().flat_map(|l| {
        let because = l["items"][0]["because"].as_array().expect("because");
        assert!(!because.is_empty(), "{l}");
        because
    }) {
        let id = b["movieId"].as_u64().expect("movieId");
        assert!(RATED.contains(&id), "because {b} is not a rated movie");
        assert!(b["stars"]
            .as_f64()
            .is_some_and(|s| (0.5..=5.0).contains(&s)));
    }
    let v = json(
        home,
        &[
            "recommend",
            "--json",
            "--list",
            "svd",
            "-n",
            "3",
            "--genre",
            "Comedy",
        ],
    );
    // "svd" still names the SVD list, whose model is now svd-ease.
    assert_eq!(v["lists"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["lists"][0]["algo"], "svd-ease");
    for it in v["lists"][0]["items"].as_array().expect("items") {
        let genres = it["genres"].as_array().expect("genres");
        assert!(genres.iter().any(|g| g == "Comedy"), "{it}");
    }
    assert_eq!(v["lists"][0]["items"].as_array().map(Vec::len), Some(3));

    // Similar movies: Toy Story's neighbours are other movies, the sequel among them.
    let v = json(home, &["similar", "Toy Story", "--json"]);
    assert_eq!(v["movie"]["movieId"], 1);
    let sims = v["similar"].as_array().expect("similar");
    assert_eq!(sims.len(), 10);
    let ids: Vec<u64> = sims.iter().filter_map(|s| s["movieId"].as_u64()).collect();
    assert!(!ids.contains(&1), "a movie is not its own neighbour");
    assert!(ids.contains(&3114), "Toy Story 2 missing from {ids:?}");
    let s: Vec<f64> = sims
        .iter()
        .filter_map(|s| s["similarity"].as_f64())
        .collect();
    assert!(
        s.windows(2).all(|w| w[0] >= w[1]) && s.iter().all(|&x| x > 0.0),
        "{s:?}"
    );
    assert!(sims
        .iter()
        .all(|s| s["ratings"].as_u64().is_some_and(|r| r > 0)));
    let text = ok(home, &["similar", "1", "-n", "3"]);
    assert!(
        text.contains("Toy Story (1995)") && text.lines().count() == 4,
        "{text}"
    );

    // Export, then import into another profile: the same ratings.
    let export = home.join("export.toml");
    ok(
        home,
        &["profile", "export", export.to_str().expect("utf-8")],
    );
    let stdout = ok(home, &["profile", "export"]);
    assert_eq!(std::fs::read_to_string(&export).expect("export"), stdout);
    ok(
        home,
        &[
            "profile",
            "import",
            export.to_str().expect("utf-8"),
            "--profile",
            "copy",
        ],
    );
    let original = json(home, &["profile", "show", "--json"]);
    let copy = json(home, &["profile", "show", "--json", "--profile", "copy"]);
    assert_eq!(original["ratings"], copy["ratings"]);

    // Importing over a non-empty profile needs --merge or --replace (--force is --replace).
    let out = run(
        home,
        &[
            "profile",
            "import",
            export.to_str().expect("utf-8"),
            "--profile",
            "copy",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replace"));

    // A corrupt file is rejected, even with --force, and the profile is unchanged.
    let corrupt = home.join("corrupt.toml");
    std::fs::write(&corrupt, "format = 1\n[[rating]]\nmovie = 1\nstars = 9.0\n").expect("write");
    let before = std::fs::read(path).expect("profile");
    let out = run(
        home,
        &[
            "profile",
            "import",
            corrupt.to_str().expect("utf-8"),
            "--force",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid reel profile"));
    std::fs::write(&corrupt, "this is not toml [[[").expect("write");
    let out = run(
        home,
        &[
            "profile",
            "import",
            corrupt.to_str().expect("utf-8"),
            "--force",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(std::fs::read(path).expect("profile"), before);

    // Standard input works too, and watchlist / not-interested entries survive.
    let marks = "format = 1\n[[rating]]\nmovie = 50\nstars = 4.0\n\
                 [[watchlist]]\nmovie = 1221\ntitle = \"The Godfather: Part II (1974)\"\n\
                 [[not_interested]]\nmovie = 2116\ntitle = \"The Lord of the Rings (1978)\"\n";
    let mut child = reel(home)
        .args(["profile", "import", "-", "--profile", "marks"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn reel");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(marks.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = json(home, &["profile", "show", "--json", "--profile", "marks"]);
    assert_eq!(m["watchlist"][0]["movieId"], 1221, "{m}");
    assert_eq!(m["not_interested"][0]["movieId"], 2116, "{m}");
    let text = ok(home, &["profile", "show", "--profile", "marks"]);
    assert!(
        text.contains("Watchlist (1)") && text.contains("The Godfather: Part II"),
        "{text}"
    );

    // --force replaces: import an empty profile over the copy.
    let empty = home.join("empty.toml");
    std::fs::write(&empty, "format = 1\n").expect("write");
    ok(
        home,
        &[
            "profile",
            "import",
            empty.to_str().expect("utf-8"),
            "--profile",
            "copy",
            "--force",
        ],
    );
    let copy = json(home, &["profile", "show", "--json", "--profile", "copy"]);
    assert_eq!(copy["ratings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn recommend_for_a_movielens_user() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let v = json(
        home,
        &[
            "recommend",
            "--user",
            "1",
            "--json",
            "-n",
            "5",
            "--algo",
            "item-knn",
        ],
    );
    assert_eq!(v["user"], 1);
    assert_eq!(v["rated"], 232); // user 1 rated 232 movies in ml-latest-small
    let items = v["lists"][0]["items"].as_array().expect("items");
    assert_eq!(items.len(), 5);
    // None of user 1's own movies come back (1 = Toy Story, 3 = Grumpier Old Men, 6 = Heat).
    for it in items {
        let id = it["movieId"].as_u64().expect("movieId");
        assert!(![1, 3, 6].contains(&id));
        assert!(it["predicted"]
            .as_f64()
            .is_some_and(|p| (0.5..=5.0).contains(&p)));
    }
    let out = run(home, &["recommend", "--user", "99999", "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user 99999"));
    // The user's data folder has no profile written by --user.
    assert!(!home.join("data/reel/profiles/default.toml").exists());
}

/// The profiles folder inside the test's home (XDG_DATA_HOME=<home>/data).
fn profiles(home: &Path) -> std::path::PathBuf {
    home.join("data/reel/profiles")
}

fn write_profile(home: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let dir = profiles(home);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write profile");
    path
}

#[test]
fn a_profile_with_bad_entries_loads_the_good_ones_and_says_which_are_bad() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let text = "format = 1\n[[rating]]\nmovie = 318\nstars = 4.5\n\
                [[rating]]\nmovie = 1\nstars = -2.0\n\
                [[rating]]\nmovie = 2571\nstars = 5.0\n";
    let path = write_profile(home, "default", text);
    let out = run(home, &["profile", "show", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut ids = rated_ids(&v);
    ids.sort_unstable();
    assert_eq!(ids, vec![318, 2571]);
    assert!(
        err.contains(&path.display().to_string()) && err.contains("-2") && err.contains("line 7"),
        "{err}"
    );
    // A read-only command leaves the file exactly as it was, and makes no copies.
    assert_eq!(std::fs::read_to_string(&path).expect("profile"), text);
    assert_eq!(std::fs::read_dir(profiles(home)).expect("dir").count(), 1);
}

#[test]
fn read_only_commands_never_move_an_unreadable_profile_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let garbage = "format = 1\n[[rating]\nmovie = 1\n";
    let path = write_profile(home, "default", garbage);
    for args in [
        &["recommend", "-n", "1", "--algo", "item-knn"][..],
        &["profile", "show"][..],
        &["profile", "export"][..],
    ] {
        let out = run(home, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "reel {args:?} must fail: {err}");
        assert!(err.contains(&path.display().to_string()), "{args:?}: {err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("still there"),
            garbage,
            "reel {args:?} touched the profile"
        );
        assert_eq!(std::fs::read_dir(profiles(home)).expect("dir").count(), 1);
    }
}

#[test]
fn a_missing_named_profile_is_an_error_listing_the_existing_ones() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    write_profile(home, "alice", "format = 1\n");
    write_profile(home, "bob", "format = 1\n");
    for args in [
        &["profile", "show", "--profile", "nosuch"][..],
        &["--profile", "nosuch", "profile", "export"][..],
        &["recommend", "--profile", "nosuch", "-n", "1"][..],
    ] {
        let out = run(home, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "reel {args:?}: {err}");
        assert!(
            err.contains("nosuch") && err.contains("alice") && err.contains("bob"),
            "{args:?}: {err}"
        );
    }
    // The default profile may be absent: an empty profile.
    let v = json(home, &["profile", "show", "--json"]);
    assert_eq!(v["ratings"].as_array().map(Vec::len), Some(0));
    assert!(!profiles(home).join("nosuch.toml").exists());
}

#[test]
fn the_global_profile_option_applies_to_every_subcommand() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    ok(home, &["--profile", "other", "rate", "Toy Story", "4"]);
    assert!(profiles(home).join("other.toml").is_file());
    assert!(
        !profiles(home).join("default.toml").exists(),
        "rated in the default profile"
    );
    let before = json(home, &["--profile", "other", "profile", "show", "--json"]);
    assert_eq!(rated_ids(&before), vec![1]);
    assert_eq!(before["profile"], "other");
    let after = json(home, &["profile", "show", "--profile", "other", "--json"]);
    assert_eq!(before["ratings"], after["ratings"]);
    let v = json(
        home,
        &[
            "--profile",
            "other",
            "recommend",
            "--json",
            "-n",
            "2",
            "--algo",
            "item-knn",
        ],
    );
    assert_eq!(v["profile"], "other");
    assert_eq!(v["rated"], 1);
}

#[test]
fn import_a_letterboxd_export_and_export_for_letterboxd() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let zip = home.join("letterboxd-export.zip");
    std::fs::write(&zip, crate::import::letterboxd_zip()).expect("write zip");
    let zip = zip.to_str().expect("utf-8");
    let default = profiles(home).join("default.toml");

    // A dry run reports, as JSON, and writes nothing.
    let v = json(home, &["profile", "import", zip, "--dry-run", "--json"]);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["format"], "letterboxd");
    assert_eq!(v["changes"]["added"], 6, "{v}");
    assert_eq!(v["watchlist"], 2);
    let unmatched = v["unmatched"].as_array().expect("unmatched");
    assert_eq!(unmatched.len(), 3, "{v}");
    assert_eq!(unmatched[0]["title"], "Parasite");
    assert_eq!(unmatched[0]["candidates"][0]["movieId"], 2256);
    assert!(!default.exists(), "a dry run wrote the profile");

    // The import itself: a text report naming what did not match.
    let text = ok(home, &["profile", "import", zip]);
    assert!(
        text.contains("6 new") && text.contains("Parasite (2019)"),
        "{text}"
    );
    let shown = json(home, &["profile", "show", "--json"]);
    let mut ids = rated_ids(&shown);
    ids.sort_unstable();
    assert_eq!(ids, vec![260, 1172, 1221, 2571, 4973, 34048]);
    assert_eq!(shown["watchlist"].as_array().map(Vec::len), Some(2));

    // A malformed file half-way: an error with file and line, the profile unchanged.
    let before = std::fs::read(&default).expect("profile");
    let bad = crate::import::fixture("letterboxd-malformed.csv").1;
    let bad_path = home.join("letterboxd-malformed.csv");
    std::fs::write(&bad_path, bad).expect("write");
    let out = run(
        home,
        &[
            "profile",
            "import",
            bad_path.to_str().expect("utf-8"),
            "--merge",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("letterboxd-malformed.csv, line 31") && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(std::fs::read(&default).expect("profile"), before);

    // Back out for Letterboxd, with IMDb ids from links.
    let csv = ok(home, &["profile", "export", "--format", "letterboxd"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("imdbID,tmdbID,Title,Year,Rating10"));
    assert!(csv.contains("tt0133093,603,The Matrix,1999,9"), "{csv}");

    // IMDb into another profile, named globally.
    let imdb = home.join("imdb.csv");
    std::fs::write(&imdb, crate::import::fixture("imdb-ratings.csv").1).expect("write");
    let v = json(
        home,
        &[
            "--profile",
            "imdb",
            "profile",
            "import",
            imdb.to_str().expect("utf-8"),
            "--json",
        ],
    );
    assert_eq!(v["profile"], "imdb");
    assert_eq!(v["changes"]["added"], 5, "{v}");
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(3));
}

#[test]
fn lists_are_configured_not_fixed_at_two() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["lists"]
            .as_array()
            .expect("lists")
            .iter()
            .map(|l| l["algo"].as_str().expect("algo").to_string())
            .collect()
    };
    // The defaults: the two lists the product promises.
    let v = json(h, &["recommend", "--user", "1", "-n", "3", "--json"]);
    assert_eq!(names(&v), ["ease", "svd-ease"]);
    // A third list is a config line.
    let config = h.join("config").join("reel");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("config.toml"),
        "lists = [\"item-knn\", \"svd\", \"als\"]\n",
    )
    .expect("config");
    let v = json(h, &["recommend", "--user", "1", "-n", "3", "--json"]);
    assert_eq!(names(&v), ["item-knn", "svd", "als"]);
    for list in v["lists"].as_array().expect("lists") {
        assert_eq!(list["items"].as_array().map(Vec::len), Some(3), "{list}");
    }
    // --lists (or REEL_LISTS) overrides the config for one command.
    let v = json(h, &["--lists", "svd", "recommend", "--user", "1", "--json"]);
    assert_eq!(names(&v), ["svd"]);
    // An unknown model is a clear error, not an empty list.
    let out = run(h, &["recommend", "--lists", "nosuch", "--user", "1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nosuch") && err.contains("item-knn"), "{err}");
}

/// Issue 8: `--genre` takes several genres (any of them) and `--exclude-genre` leaves
/// genres out; an unknown genre is an error that lists the dataset's genres.
#[test]
fn recommend_with_several_genres_and_an_exclusion() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let v = json(
        home,
        &[
            "recommend",
            "--json",
            "-n",
            "30",
            "--genre",
            "comedy,Drama",
            "--exclude-genre",
            "Romance",
        ],
    );
    let lists = v["lists"].as_array().expect("lists");
    assert!(!lists.is_empty());
    let mut seen = std::collections::HashSet::new();
    for list in lists {
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), 30, "{list}");
        for it in items {
            let genres: Vec<&str> = it["genres"]
                .as_array()
                .expect("genres")
                .iter()
                .filter_map(|g| g.as_str())
                .collect();
            assert!(
                genres.contains(&"Comedy") || genres.contains(&"Drama"),
                "{it}"
            );
            assert!(!genres.contains(&"Romance"), "{it}");
            seen.extend(genres.iter().map(|g| g.to_string()));
        }
    }
    // Both included genres occur: "any of", not "all of".
    assert!(
        seen.contains("Comedy") && seen.contains("Drama"),
        "{seen:?}"
    );
    // Repeating the flag is the same as a comma list.
    let w = json(
        home,
        &[
            "recommend",
            "--json",
            "-n",
            "30",
            "--genre",
            "Comedy",
            "--genre",
            "drama",
            "--exclude-genre",
            "Romance",
        ],
    );
    assert_eq!(v["lists"], w["lists"]);
    let out = run(home, &["recommend", "--exclude-genre", "Comedy,Westerns"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown genre \"Westerns\""), "{err}");
    assert!(
        err.contains("Western") && err.contains("Film-Noir"),
        "{err}"
    );
}
