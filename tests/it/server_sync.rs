//! `reel profile push|pull` against the real server on 127.0.0.1 (the shared in-process
//! one), with the real binary and a temporary home; and the endpoints they use,
//! `GET /v1/users/{name}/profile` and `POST /v1/users/{name}/import`.

use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

use crate::common;
use crate::server_support::{assert_error, call, get, new_user, shared, unique};

fn reel(home: &Path, args: &[&str]) -> Output {
    common::reel_in(home).args(args).output().expect("run reel")
}

/// `reel --profile PROFILE profile ACTION --server BASE --user USER [--token T] EXTRA…`.
fn sync_args(
    profile: &str,
    action: &str,
    base: &str,
    user: &str,
    token: Option<&str>,
    extra: &[&str],
) -> Vec<String> {
    let mut a = vec![
        "--profile",
        profile,
        "profile",
        action,
        "--server",
        base,
        "--user",
        user,
    ];
    if let Some(t) = token {
        a.extend(["--token", t]);
    }
    a.extend(extra);
    a.into_iter().map(String::from).collect()
}

fn strs(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

#[track_caller]
fn ok(home: &Path, args: &[&str]) -> String {
    let out = reel(home, args);
    assert!(
        out.status.success(),
        "reel {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Runs a command that must fail with exit 1; returns its standard error.
#[track_caller]
fn fails(home: &Path, args: &[&str]) -> String {
    let out = reel(home, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "reel {args:?}: expected exit 1, got {:?}; stdout {}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The profile as `reel profile show --json` reports it: (id, stars, time) ratings,
/// (id, time) watchlist and not-interested entries.
type Entries = (Vec<(u64, f64, i64)>, Vec<(u64, i64)>, Vec<(u64, i64)>);

fn entries(home: &Path, profile: &str) -> Entries {
    let text = ok(home, &["--profile", profile, "profile", "show", "--json"]);
    let v: Value = serde_json::from_str(&text).expect("show --json");
    let marks = |k: &str| {
        v[k].as_array()
            .expect(k)
            .iter()
            .map(|m| {
                (
                    m["movieId"].as_u64().expect("id"),
                    m["time"].as_i64().expect("time"),
                )
            })
            .collect::<Vec<_>>()
    };
    let ratings = v["ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .map(|r| {
            (
                r["movieId"].as_u64().expect("id"),
                r["stars"].as_f64().expect("stars"),
                r["time"].as_i64().expect("time"),
            )
        })
        .collect();
    (ratings, marks("watchlist"), marks("not_interested"))
}

const PROFILE: &str = r#"format = 1
name = "mine"

[[rating]]
movie = 2571
stars = 4.5
time = 1600000000
title = "Matrix, The (1999)"

[[rating]]
movie = 318
stars = 0.5
time = 1600000100
title = "Shawshank Redemption, The (1994)"

[[rating]]
movie = 1
stars = 3.5
time = 1600000200
title = "Toy Story (1995)"

[[watchlist]]
movie = 260
time = 1600000300
title = "Star Wars: Episode IV - A New Hope (1977)"

[[not_interested]]
movie = 2
time = 1600000400
title = "Jumanji (1995)"
"#;

fn write_profile(home: &Path, name: &str, text: &str) {
    let dir = home.join("data/reel/profiles");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join(format!("{name}.toml")), text).expect("write profile");
}

#[test]
fn push_then_pull_round_trips_ratings_watchlist_and_not_interested() {
    let base = shared();
    let user = unique("sync");
    let token = new_user(base, &user);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (home_a, home_b) = (tmp.path().join("a"), tmp.path().join("b"));
    write_profile(&home_a, "mine", PROFILE);
    let original = entries(&home_a, "mine");

    let push = sync_args("mine", "push", base, &user, Some(&token), &[]);
    let said = ok(&home_a, &strs(&push));
    assert!(said.contains("3 ratings"), "{said}");
    // The server has them, half stars and times as sent.
    let (status, body) = get(base, &format!("/v1/users/{user}/ratings"), Some(&token));
    assert_eq!(status, 200, "{body}");
    let first = &body["ratings"][0];
    assert_eq!(
        (
            first["movie_id"].as_u64(),
            first["stars"].as_f64(),
            first["updated"].as_i64()
        ),
        (Some(1), Some(3.5), Some(1_600_000_200)),
        "{body}"
    );

    // Pulled into another home's new profile (token from REEL_TOKEN): the same entries.
    let out = common::reel_in(&home_b)
        .env("REEL_TOKEN", &token)
        .args(strs(&sync_args("back", "pull", base, &user, None, &[])))
        .output()
        .expect("run reel");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pull failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("Pulled 3 ratings, 1 on the watchlist, 1 not interested"),
        "{said}"
    );
    assert_eq!(entries(&home_b, "back"), original);

    // Merge (the default): a newer local rating is kept, an older one is updated.
    let local = PROFILE
        .replace(
            "stars = 4.5\ntime = 1600000000",
            "stars = 2.0\ntime = 1700000000",
        )
        .replace(
            "stars = 0.5\ntime = 1600000100",
            "stars = 5.0\ntime = 1500000000",
        );
    write_profile(&home_b, "merged", &local);
    let pull = sync_args("merged", "pull", base, &user, Some(&token), &[]);
    ok(&home_b, &strs(&pull));
    let (ratings, _, _) = entries(&home_b, "merged");
    assert!(ratings.contains(&(2571, 2.0, 1_700_000_000)), "{ratings:?}");
    assert!(ratings.contains(&(318, 0.5, 1_600_000_100)), "{ratings:?}");

    // Push --replace mirrors the profile exactly: the server's extra rating goes.
    let (status, _) = call(
        "PUT",
        base,
        &format!("/v1/users/{user}/ratings/50"),
        Some(&token),
        Some(&json!({"stars": 4.0})),
    );
    assert_eq!(status, 200);
    let replace = sync_args("mine", "push", base, &user, Some(&token), &["--replace"]);
    let said = ok(&home_a, &strs(&replace));
    assert!(said.contains("The account now has 3 ratings"), "{said}");
}

#[test]
fn push_and_pull_errors_are_clear_and_exit_1() {
    let base = shared();
    let user = unique("sync-err");
    let token = new_user(base, &user);
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    write_profile(home, "mine", PROFILE);
    let push = |server: &str, name: &str, token: Option<&str>| {
        sync_args("mine", "push", server, name, token, &[])
    };
    let run = |a: Vec<String>| fails(home, &strs(&a));
    let err = run(push(base, &user, Some("reel_not-a-token")));
    assert!(
        err.contains("token is not valid") && err.contains("401"),
        "{err}"
    );
    let err = run(push(base, "nobody-here", Some(&token)));
    assert!(
        err.contains("403") && err.contains("no such account"),
        "{err}"
    );
    let err = run(push("http://127.0.0.1:9", &user, Some(&token)));
    assert!(err.contains("cannot reach"), "{err}");
    let err = run(push(base, &user, None));
    assert!(err.contains("REEL_TOKEN"), "{err}");
    let err = run(sync_args(
        "fresh",
        "pull",
        base,
        &user,
        Some("reel_wrong"),
        &[],
    ));
    assert!(err.contains("401"), "{err}");
    // A failed pull writes nothing.
    assert!(!home.join("data/reel/profiles/fresh.toml").exists());
}

#[test]
fn profile_endpoints_check_auth_and_input() {
    let base = shared();
    let (ana, bob) = (unique("prof-ana"), unique("prof-bob"));
    let (ta, tb) = (new_user(base, &ana), new_user(base, &bob));
    let path = format!("/v1/users/{ana}/profile");
    assert_error(get(base, &path, None), 401, "unauthorized");
    assert_error(get(base, &path, Some(&tb)), 403, "forbidden");
    let import = format!("/v1/users/{ana}/import");
    let body = json!({"ratings": [{"movie_id": 2571, "stars": 4.5, "updated": 1}]});
    assert_error(
        call("POST", base, &import, None, Some(&body)),
        401,
        "unauthorized",
    );
    assert_error(
        call("POST", base, &import, Some(&tb), Some(&body)),
        403,
        "forbidden",
    );
    for (bad, code) in [
        (
            json!({"ratings": [{"movie_id": 1, "stars": 4.2}]}),
            "bad_stars",
        ),
        (
            json!({"ratings": [{"movie_id": 1, "stars": 4.0}, {"movie_id": 1, "stars": 3.0}]}),
            "duplicate_movie",
        ),
        (
            json!({"watchlist": [{"movie_id": 1, "added": -5}]}),
            "bad_time",
        ),
    ] {
        assert_error(
            call("POST", base, &import, Some(&ta), Some(&bad)),
            422,
            code,
        );
    }
    assert_error(
        call(
            "POST",
            base,
            &import,
            Some(&ta),
            Some(&json!({"mode": "wipe"})),
        ),
        422,
        "invalid_body",
    );
    // A refused import changed nothing; a good one lands whole.
    let (status, v) = get(base, &path, Some(&ta));
    assert_eq!(
        (status, v["ratings"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{v}"
    );
    let (status, v) = call("POST", base, &import, Some(&ta), Some(&body));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ratings"], 1, "{v}");
    let (_, v) = get(base, &path, Some(&ta));
    assert_eq!(v["ratings"][0]["updated"], 1, "{v}");
    assert_eq!(v["ratings"][0]["title"], "The Matrix (1999)", "{v}");
}
