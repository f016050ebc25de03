//! The account store on both databases through the one code path: SQLite (a temporary
//! file) and PostgreSQL (`$REEL_TEST_POSTGRES`, which `.ci/run` sets after starting a
//! throwaway server). Without that variable the PostgreSQL test fails under CI=true and
//! says so loudly elsewhere.

use reel::server::auth::hash_token;
use reel::server::store::{MarkList, Store, StoredRating};

use reel::server::{RunningServer, ServeConfig};
use serde_json::json;

use crate::server_support::{call, get, new_user, scratch, wait_ready};

async fn contract(url: &str, prefix: &str) {
    let store = Store::open(url).await.expect("open the store");
    let ana = format!("{prefix}ana");
    let bob = format!("{prefix}bob");
    // Tokens are unique too (the database may hold earlier runs' accounts).

    assert!(store
        .create_user(&ana, &hash_token(&format!("{prefix}t-ana")))
        .await
        .expect("create"));
    assert!(store
        .create_user(&bob, &hash_token(&format!("{prefix}t-bob")))
        .await
        .expect("create"));
    assert!(
        !store
            .create_user(&ana, &hash_token(&format!("{prefix}other")))
            .await
            .expect("dup"),
        "name reused"
    );
    assert_eq!(
        store
            .user_for_token(&hash_token(&format!("{prefix}t-ana")))
            .await
            .expect("token"),
        Some(ana.clone())
    );
    assert_eq!(
        store
            .user_for_token(&hash_token(&format!("{prefix}t-bob")))
            .await
            .expect("token"),
        Some(bob.clone())
    );
    assert_eq!(
        store
            .user_for_token(&hash_token("nope"))
            .await
            .expect("token"),
        None
    );

    store.set_rating(&ana, 2571, 4.5).await.expect("rate");
    store.set_rating(&ana, 1, 3.0).await.expect("rate");
    store.set_rating(&ana, 2571, 5.0).await.expect("re-rate");
    store.set_rating(&bob, 1, 0.5).await.expect("rate");
    let got: Vec<(u32, f32)> = store
        .ratings(&ana)
        .await
        .expect("ratings")
        .iter()
        .map(|r: &StoredRating| (r.movie_id, r.stars))
        .collect();
    assert_eq!(got, vec![(1, 3.0), (2571, 5.0)]);
    assert!(store.delete_rating(&ana, 1).await.expect("delete"));
    assert!(!store.delete_rating(&ana, 1).await.expect("delete again"));
    assert_eq!(store.ratings(&ana).await.expect("ratings").len(), 1);
    assert_eq!(store.ratings(&bob).await.expect("ratings").len(), 1);
    // The largest MovieLens-style id round-trips.
    store.set_rating(&bob, u32::MAX, 2.5).await.expect("rate");
    assert!(store
        .ratings(&bob)
        .await
        .expect("ratings")
        .iter()
        .any(|r| r.movie_id == u32::MAX));

    for list in [MarkList::Watchlist, MarkList::NotInterested] {
        store.set_mark(&ana, list, 260).await.expect("mark");
        store.set_mark(&ana, list, 260).await.expect("mark twice");
        store.set_mark(&ana, list, 1196).await.expect("mark");
        let ids: Vec<u32> = store
            .marks(&ana, list)
            .await
            .expect("marks")
            .iter()
            .map(|m| m.movie_id)
            .collect();
        assert_eq!(ids, vec![260, 1196]);
        assert!(store.delete_mark(&ana, list, 260).await.expect("unmark"));
        assert!(!store.delete_mark(&ana, list, 260).await.expect("unmark"));
        assert!(store.marks(&bob, list).await.expect("marks").is_empty());
    }
    store.close().await;

    // Reopening runs the (already applied) migrations again and keeps everything.
    let again = Store::open(url).await.expect("reopen");
    assert_eq!(
        again.ratings(&ana).await.expect("ratings")[0].movie_id,
        2571
    );
    assert_eq!(
        again
            .user_for_token(&hash_token(&format!("{prefix}t-ana")))
            .await
            .expect("token"),
        Some(ana)
    );
    again.close().await;
}

#[test]
fn sqlite_store_contract() {
    let dir = scratch("store-sqlite");
    // A folder that does not exist yet is created.
    let url = format!("sqlite:{}", dir.join("sub/reel.sqlite").display());
    let rt = reel::server::runtime().expect("runtime");
    rt.block_on(contract(&url, ""));
    assert!(dir.join("sub/reel.sqlite").is_file());
}

#[test]
fn sqlite_settings_make_commits_durable() {
    let dir = scratch("store-pragmas");
    let url = format!("sqlite:{}", dir.join("p.sqlite").display());
    let rt = reel::server::runtime().expect("runtime");
    rt.block_on(async {
        let store = Store::open(&url).await.expect("open");
        let (journal, synchronous) = store.sqlite_settings().await.expect("pragmas");
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "synchronous must be FULL (2)");
        store.close().await;
    });
}

/// Unique per run (process id and clock), for names in a database kept between runs.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}

/// `$REEL_TEST_POSTGRES`; without it: a panic under CI, a loud note elsewhere.
fn postgres_url(test: &str) -> Option<String> {
    if let Some(url) = std::env::var("REEL_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return Some(url);
    }
    let msg = format!(
        "{test} NOT RUN: set REEL_TEST_POSTGRES=postgres://… (.ci/run starts a throwaway \
         PostgreSQL and sets it)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("\n!!!!! {msg} !!!!!\n");
    None
}

#[test]
fn postgres_store_contract() {
    let Some(url) = postgres_url("postgres_store_contract") else {
        return;
    };
    // Names unique per run: the database may be shared with earlier runs.
    let prefix = format!("t{}x", run_id());
    let rt = reel::server::runtime().expect("runtime");
    rt.block_on(contract(&url, &prefix));
}

/// The whole server on PostgreSQL: accounts, ratings, lists and recommendations.
#[test]
fn postgres_server_round_trip() {
    let Some(url) = postgres_url("postgres_server_round_trip") else {
        return;
    };
    let server = RunningServer::start(
        "127.0.0.1:0".parse().expect("address"),
        ServeConfig::new(crate::common::ml_latest_small(), url),
    )
    .expect("start a server on PostgreSQL");
    let base = format!("http://{}", server.addr);
    wait_ready(&base);
    let name = format!("pg{}", run_id());
    let token = new_user(&base, &name);
    let t = Some(token.as_str());
    let (status, _) = call(
        "POST",
        &base,
        "/v1/users",
        None,
        Some(&json!({ "name": name })),
    );
    assert_eq!(status, 409);
    for (id, stars) in [(2571, 5.0), (1, 4.0), (260, 4.5), (318, 4.0), (296, 2.0)] {
        let path = format!("/v1/users/{name}/ratings/{id}");
        let (s, body) = call("PUT", &base, &path, t, Some(&json!({ "stars": stars })));
        assert_eq!(s, 200, "{body}");
    }
    let (s, body) = get(&base, &format!("/v1/users/{name}/ratings"), t);
    assert_eq!(s, 200);
    assert_eq!(body["ratings"].as_array().map(Vec::len), Some(5), "{body}");
    let (s, _) = call(
        "PUT",
        &base,
        &format!("/v1/users/{name}/not-interested/1196"),
        t,
        None,
    );
    assert_eq!(s, 200);
    let (s, recs) = get(&base, &format!("/v1/users/{name}/recommendations?n=5"), t);
    assert_eq!(s, 200, "{recs}");
    for list in recs["lists"].as_array().expect("lists") {
        assert_eq!(list["popularity_based"], false, "{list}");
        assert_eq!(list["entries"].as_array().map(Vec::len), Some(5));
        assert!(list["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["movie_id"] != 1196 && e["movie_id"] != 2571));
    }
    let (s, _) = get(&base, &format!("/v1/users/{name}/ratings"), None);
    assert_eq!(s, 401);
    server.stop().expect("graceful stop");
}
