//! Loopback load test of `reel serve` (in-process server, blocking ureq clients with
//! keep-alive), bounded in count and time. Reports p50, p99 and requests/s for:
//! - `POST /v1/recommendations` with 10 ratings, both lists, 16 concurrent clients;
//! - authenticated `PUT /v1/users/{name}/ratings/{id}` on SQLite (fsync per commit).
//!
//! Run: `cargo bench --bench serve_load` (REEL_TEST_DATA names ml-latest-small when it
//! is not beside the repository; SERVE_LOAD_SECONDS caps each phase, default 10; SERVE_LOAD_CLIENTS, default 16).
//! Clients and server share the machine's cores, so the figures include client cost.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reel::server::{RunningServer, ServeConfig};
use serde_json::json;

/// Most requests per client and phase (the time cap usually ends a phase first).
const MAX_PER_CLIENT: usize = 5_000;

fn main() {
    let data = std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small")
        });
    let seconds: u64 = std::env::var("SERVE_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let dir = std::env::temp_dir().join(format!("reel-serve-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let db = format!("sqlite:{}", dir.join("load.sqlite").display());
    let started = Instant::now();
    let server = RunningServer::start(
        "127.0.0.1:0".parse().expect("address"),
        ServeConfig::new(data, db),
    )
    .expect("start the server");
    let base = format!("http://{}", server.addr);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    loop {
        match agent.get(&format!("{base}/health")).call() {
            Ok(r) if r.status() == 200 => break,
            _ => {
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "server not ready"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    println!(
        "server ready after {:.1} s (dataset and models: saved snapshots, else training)",
        started.elapsed().as_secs_f64()
    );
    let limit = Duration::from_secs(seconds);
    let clients: usize = std::env::var("SERVE_LOAD_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);

    // Ten ratings per request, varied per request so nothing could be cached.
    let pool = [
        2571u32, 1, 260, 1196, 318, 296, 356, 593, 480, 589, 110, 527, 2959, 50, 858, 47, 780, 150,
        364, 32,
    ];
    let recs = run_phase(clients, limit, |client, k, agent| {
        agent
            .post(&format!("{base}/v1/recommendations"))
            .send_json(
                json!({"ratings": ratings_unique(client, k, &pool), "n": 10, "list": "both"}),
            )
            .map(|r| r.status())
            .map_err(Box::new)
    });
    report(
        "POST /v1/recommendations (10 ratings, both lists)",
        clients,
        &recs,
    );

    // Authenticated writes: one account per client.
    let tokens: Vec<(String, String)> = (0..clients)
        .map(|c| {
            let name = format!("load{c}");
            let r: serde_json::Value = agent
                .post(&format!("{base}/v1/users"))
                .send_json(json!({ "name": name }))
                .expect("create user")
                .into_json()
                .expect("json");
            (name, r["token"].as_str().expect("token").to_string())
        })
        .collect();
    let writes = run_phase(clients, limit, |client, k, agent| {
        let (name, token) = &tokens[client];
        let id = pool[k % pool.len()];
        agent
            .put(&format!("{base}/v1/users/{name}/ratings/{id}"))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(json!({"stars": 0.5 + (k % 10) as f64 * 0.5}))
            .map(|r| r.status())
            .map_err(Box::new)
    });
    report(
        "PUT /v1/users/{name}/ratings/{id} (SQLite, synchronous=FULL)",
        clients,
        &writes,
    );

    server.stop().expect("graceful stop");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ten distinct (movie, stars) ratings for request `k` of `client`.
fn ratings_unique(client: usize, k: usize, pool: &[u32]) -> serde_json::Value {
    let start = (client * 7 + k) % pool.len();
    let ratings: Vec<_> = (0..10)
        .map(|j| {
            let id = pool[(start + j) % pool.len()];
            json!({"movie_id": id, "stars": 0.5 + ((client + k + j) % 10) as f64 * 0.5})
        })
        .collect();
    json!(ratings)
}

struct Phase {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

fn run_phase<F>(clients: usize, limit: Duration, request: F) -> Phase
where
    F: Fn(usize, usize, &ureq::Agent) -> Result<u16, Box<ureq::Error>> + Sync,
{
    let start = Instant::now();
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                let request = &request;
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(30))
                        .build();
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    for k in 0..MAX_PER_CLIENT {
                        if start.elapsed() >= limit {
                            break;
                        }
                        let t = Instant::now();
                        match request(client, k, &agent) {
                            Ok(200) => lat.push(t.elapsed()),
                            _ => errors += 1,
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    let elapsed = start.elapsed();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for (l, e) in results {
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Phase {
        latencies,
        errors,
        elapsed,
    }
}

fn report(what: &str, clients: usize, p: &Phase) {
    let q = |f: f64| {
        p.latencies
            .get(((p.latencies.len() as f64 * f) as usize).min(p.latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{what}: {clients} clients, {} ok, {} failed in {:.1} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        p.latencies.len(),
        p.errors,
        p.elapsed.as_secs_f64(),
        p.latencies.len() as f64 / p.elapsed.as_secs_f64(),
        q(0.50),
        q(0.99),
        q(1.0),
    );
}
