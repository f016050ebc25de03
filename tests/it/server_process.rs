//! The real `reel serve` binary: /health while loading, --no-signup with --add-user,
//! kill -9 in the middle of writes (nothing acknowledged is lost), graceful SIGTERM;
//! and the staged start (search before the lists' models) with the stage held open.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use reel::server::{Hook, RunningServer, ServeConfig};
use serde_json::json;

use crate::common;
use crate::server_support::{
    assert_error, call, get, new_user, scratch, wait_ready, ServerProcess, READY_TIMEOUT,
};

fn add_user(db: &str, name: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_reel"))
        .arg("--data")
        .arg(common::ml_latest_small())
        .args(["serve", "--db", db, "--add-user", name])
        .output()
        .expect("run reel serve --add-user");
    assert!(
        out.status.success(),
        "--add-user failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("reel_"), "token {token:?}");
    token
}

/// Movies with many ratings, for write traffic.
fn movie_ids() -> Vec<u32> {
    vec![
        1, 2, 3, 5, 6, 7, 10, 11, 16, 17, 19, 21, 22, 25, 32, 34, 36, 39, 44, 47, 48, 50, 58, 62,
        95, 104, 110, 111, 150, 153, 158, 160, 161, 163, 165, 172, 173, 185, 208, 231, 253, 260,
        288, 292, 293, 296, 316, 317, 318, 329, 337, 344, 349, 353, 355, 356, 357, 364, 367, 368,
        377, 380, 410, 420, 432, 434, 435, 440, 454, 457, 466, 474, 480, 485, 500, 508, 520, 527,
        539, 541, 551, 552, 555, 586, 587, 588, 589, 590, 592, 593, 594, 595, 596, 597, 608, 648,
        661, 733, 736, 741,
    ]
}

#[test]
fn kill_dash_nine_loses_no_acknowledged_write() {
    let dir = scratch("kill9");
    let db = format!("sqlite:{}", dir.join("reel.sqlite").display());
    let users: Vec<(String, String)> = (0..4)
        .map(|k| {
            let name = format!("writer{k}");
            let token = add_user(&db, &name);
            (name, token)
        })
        .collect();
    let mut server = ServerProcess::start(&db, &["--no-signup"]);
    let base = server.base.clone();

    // While the models load: 503 with progress, JSON errors for model-backed calls.
    let (status, health) = get(&base, "/health", None);
    if status == 503 {
        assert_eq!(health["status"], "loading", "{health}");
        assert!(health["stage"].is_string(), "{health}");
        assert_error(get(&base, "/v1/movies/1/similar", None), 503, "loading");
    } else {
        panic!("models loaded before the first /health ({status} {health}): cannot test loading");
    }
    wait_ready(&base);

    // --no-signup: no accounts over HTTP; the ones made with --add-user work.
    assert_error(
        call(
            "POST",
            &base,
            "/v1/users",
            None,
            Some(&json!({"name": "eve"})),
        ),
        403,
        "signup_disabled",
    );

    // Four writers rate movies as fast as they can; each keeps what got a 2xx.
    let acked: Arc<Mutex<Vec<(String, u32, f64)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = users
        .iter()
        .cloned()
        .map(|(name, token)| {
            let acked = Arc::clone(&acked);
            let stop = Arc::clone(&stop);
            let base = base.clone();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(10))
                    .build();
                // One write per movie: a write that committed but was never answered
                // cannot then overwrite an acknowledged one.
                let ids = movie_ids();
                for (k, &id) in ids.iter().enumerate() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let stars = 0.5 + (k % 10) as f64 * 0.5;
                    let res = agent
                        .put(&format!("{base}/v1/users/{name}/ratings/{id}"))
                        .set("Authorization", &format!("Bearer {token}"))
                        .send_json(json!({ "stars": stars }));
                    match res {
                        Ok(r) if r.status() == 200 => {
                            acked.lock().expect("lock").push((name.clone(), id, stars));
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        // The server died under us: this write was not acknowledged.
                        Err(ureq::Error::Transport(_)) => break,
                        Err(e) => panic!("write refused: {e}"),
                    }
                }
            })
        })
        .collect();
    // Let a few hundred writes land, then kill -9 mid-stream.
    let start = Instant::now();
    while acked.lock().expect("lock").len() < 150 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 100,
        "too few writes before the kill: {}",
        acked.len()
    );

    // Restart on the same database: every acknowledged rating is there (reading needs
    // no models, so no wait for training).
    let server = ServerProcess::start(&db, &["--no-signup"]);
    for (name, token) in &users {
        let (status, body) = get(
            &server.base,
            &format!("/v1/users/{name}/ratings"),
            Some(token),
        );
        assert_eq!(status, 200, "{body}");
        let stored = body["ratings"].as_array().expect("ratings");
        for (n, id, stars) in acked.iter().filter(|(n, _, _)| n == name) {
            let found = stored
                .iter()
                .find(|r| r["movie_id"] == *id)
                .unwrap_or_else(|| panic!("acknowledged rating {n}/{id} lost after kill -9"));
            assert_eq!(found["stars"], *stars, "{n}/{id}");
        }
    }
}

/// The model stage is held open by a hook (in-process server): search, movie pages and
/// account writes answer from the catalogue while /health is 503 and recommendations
/// wait; releasing the stage makes everything ready.
#[test]
fn search_and_movie_pages_answer_while_the_models_load() {
    let dir = scratch("staged");
    let db = format!("sqlite:{}", dir.join("staged.sqlite").display());
    let (reached_tx, reached_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (reached_tx, release_rx) = (Mutex::new(reached_tx), Mutex::new(release_rx));
    let mut config = ServeConfig::new(common::ml_latest_small(), db);
    config.before_models = Some(Hook(Arc::new(move || {
        if let Ok(tx) = reached_tx.lock() {
            let _ = tx.send(());
        }
        // Returns when the test releases the stage (or ends: the sender is dropped).
        if let Ok(rx) = release_rx.lock() {
            let _ = rx.recv();
        }
    })));
    let server = RunningServer::start("127.0.0.1:0".parse().expect("address"), config)
        .expect("start the in-process server");
    let base = format!("http://{}", server.addr);
    reached_rx
        .recv_timeout(READY_TIMEOUT)
        .expect("the catalogue stage ended");

    let (status, health) = get(&base, "/health", None);
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["status"], "loading", "{health}");
    assert_eq!(health["search_ready"], true, "{health}");
    assert!(health["stage"].is_string(), "{health}");
    assert!(health["progress"].is_number(), "{health}");
    assert!(
        health["movies"].as_u64().is_some_and(|n| n > 9000),
        "{health}"
    );

    let (status, body) = get(&base, "/v1/movies/search?q=matrix&n=5", None);
    assert_eq!(status, 200, "search while the models load: {body}");
    let results = body["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["movie_id"] == 2571), "{body}");
    let (status, body) = get(&base, "/v1/movies/2571", None);
    assert_eq!(status, 200, "movie page while the models load: {body}");
    assert!(
        body["title"].as_str().is_some_and(|t| t.contains("Matrix")),
        "{body}"
    );
    // Account writes need only the catalogue (movie ids, the star scale).
    let token = new_user(&base, "early");
    let (status, body) = call(
        "PUT",
        &base,
        "/v1/users/early/ratings/2571",
        Some(&token),
        Some(&json!({"stars": 4.5})),
    );
    assert_eq!(status, 200, "rating while the models load: {body}");
    // Recommendations and similar movies need the lists' models.
    let ratings = json!({"ratings": [{"movie_id": 2571, "stars": 4.5}]});
    assert_error(
        call("POST", &base, "/v1/recommendations", None, Some(&ratings)),
        503,
        "loading",
    );
    assert_error(get(&base, "/v1/movies/2571/similar", None), 503, "loading");
    assert_error(
        get(&base, "/v1/users/early/recommendations", Some(&token)),
        503,
        "loading",
    );

    release_tx.send(()).expect("release the model stage");
    wait_ready(&base);
    let (status, health) = get(&base, "/health", None);
    assert_eq!(
        (status, &health["status"]),
        (200, &json!("ready")),
        "{health}"
    );
    assert_eq!(health["search_ready"], true, "{health}");
    let (status, body) = get(&base, "/v1/users/early/recommendations?n=5", Some(&token));
    assert_eq!(status, 200, "{body}");
    assert!(
        body["lists"][0]["entries"]
            .as_array()
            .is_some_and(|e| e.len() == 5),
        "{body}"
    );
    server.stop().expect("graceful stop");
}

#[test]
fn sigterm_finishes_requests_and_closes_the_database() {
    let dir = scratch("sigterm");
    let file = dir.join("reel.sqlite");
    let db = format!("sqlite:{}", file.display());
    let mut server = ServerProcess::start(&db, &[]);
    let base = server.base.clone();
    wait_ready(&base);
    let token = {
        let (s, body) = call(
            "POST",
            &base,
            "/v1/users",
            None,
            Some(&json!({"name": "term"})),
        );
        assert_eq!(s, 201, "{body}");
        body["token"].as_str().expect("token").to_string()
    };
    let (s, _) = call(
        "PUT",
        &base,
        "/v1/users/term/ratings/1",
        Some(&token),
        Some(&json!({"stars": 4})),
    );
    assert_eq!(s, 200);

    // Clients keep asking while SIGTERM arrives: every answer that comes is complete
    // and successful; afterwards the port is closed.
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let base = base.clone();
            let stop = Arc::clone(&stop);
            let ok = Arc::clone(&ok);
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(10))
                    .build();
                let body = json!({"ratings": crate::server_api::ten_ratings(), "n": 20});
                while !stop.load(Ordering::Relaxed) {
                    match agent
                        .post(&format!("{base}/v1/recommendations"))
                        .send_json(body.clone())
                    {
                        Ok(r) => {
                            assert_eq!(r.status(), 200);
                            let v: serde_json::Value = r.into_json().expect("complete JSON");
                            assert_eq!(v["lists"].as_array().map(Vec::len), Some(2));
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(ureq::Error::Transport(_)) => break,
                        Err(e) => panic!("during shutdown: {e}"),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(20));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("client");
    }
    assert!(
        status.success(),
        "reel serve exited with {status} after SIGTERM"
    );
    assert!(ok.load(Ordering::Relaxed) > 0, "no request completed");
    assert!(
        std::net::TcpStream::connect(base.trim_start_matches("http://")).is_err(),
        "still accepting after shutdown"
    );
    // The pool was closed: SQLite checkpointed and removed the write-ahead log.
    let wal = dir.join("reel.sqlite-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0,
        "WAL left behind: the database was not closed cleanly"
    );
}

#[test]
fn add_user_refuses_taken_and_bad_names() {
    let dir = scratch("adduser");
    let db = format!("sqlite:{}", dir.join("reel.sqlite").display());
    add_user(&db, "dana");
    for name in ["dana", "bad name"] {
        let out = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(["serve", "--db", &db, "--add-user", name])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{name} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name), "{err}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["serve", "--db", "mysql://x", "--add-user", "x"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite:PATH or postgres://"));
}

#[test]
fn rate_limit_answers_429_per_client_and_spares_health() {
    let dir = scratch("ratelimit");
    let db = format!("sqlite:{}", dir.join("reel.sqlite").display());
    let server = ServerProcess::start(&db, &["--rate-limit", "5"]);
    let base = server.base.clone();
    wait_ready(&base);
    // /health is never limited (load balancers poll it).
    for _ in 0..20 {
        assert_eq!(get(&base, "/health", None).0, 200);
    }
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let mut ok = 0;
    let mut limited = 0;
    for _ in 0..30 {
        match agent.get(&format!("{base}/v1/movies/1")).call() {
            Ok(r) => {
                assert_eq!(r.status(), 200);
                ok += 1;
            }
            Err(ureq::Error::Status(429, r)) => {
                let retry: u64 = r
                    .header("Retry-After")
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After seconds");
                assert!(retry >= 1);
                let body: serde_json::Value = r.into_json().expect("JSON error body");
                assert_eq!(body["error"]["code"], "rate_limited", "{body}");
                limited += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!((5..=10).contains(&ok), "{ok} passed a limit of 5/s burst 5");
    assert!(limited >= 20, "only {limited} limited");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        get(&base, "/v1/movies/1", None).0,
        200,
        "the bucket refills"
    );
}
