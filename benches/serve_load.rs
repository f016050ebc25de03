//! Loopback load test of `reel serve`, bounded in count and time. Reports p50, p99,
//! max and requests/s for:
//! - `POST /v1/recommendations` with 10 ratings (both lists unless `--list`);
//! - authenticated `PUT /v1/users/{name}/ratings/{id}` (SQLite: an fsync per commit).
//!
//! Run: `cargo bench --bench serve_load -- [--data DIR | --url http://127.0.0.1:PORT]
//! [--seconds S] [--clients N] [--list NAME] [--fresh-connections] [--ureq]`. Without `--url` the
//! server runs in this process on ml-latest-small (`--data`, else REEL_TEST_DATA, else
//! ../shared/data/ml-latest-small), with a scratch SQLite file. Each client is a thread
//! with one keep-alive connection (bodies are read to the end, so the connection is
//! reused); `--fresh-connections` opens one per request instead, to compare. The
//! recommendation requests go through a minimal HTTP/1.1 client (request written whole,
//! answer read by its length or chunks, gzip accepted as a browser would, status
//! checked, body not decoded), so the load generator takes little of the CPU it shares
//! with the server; `--ureq` sends them through ureq instead (JSON built with serde_json,
//! answers gunzipped and read as text), to compare.
//! Clients and server share the machine's cores, so the figures include client cost; the
//! load average is printed with them.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use reel::server::{RunningServer, ServeConfig};
use serde_json::json;

/// Most requests per client and phase (the time cap usually ends a phase first).
const MAX_PER_CLIENT: usize = 100_000;

#[derive(Parser, Debug)]
#[command(about = "Loopback load test of reel serve")]
struct Args {
    /// MovieLens folder for the in-process server.
    #[arg(long, value_name = "DIR", conflicts_with = "url")]
    data: Option<PathBuf>,
    /// Load a server that is already running (loopback addresses only).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Length of each phase, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=256))]
    clients: u64,
    /// The recommendation list asked for: a list name or `both`.
    #[arg(long, default_value = "both")]
    list: String,
    /// A new TCP connection per request instead of one keep-alive connection per client.
    #[arg(long)]
    fresh_connections: bool,
    /// Send the recommendation requests through ureq instead of the minimal client.
    #[arg(long)]
    ureq: bool,
    /// Skip the authenticated-writes phase.
    #[arg(long)]
    no_writes: bool,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The host of an http:// URL, when it is a loopback one.
fn loopback(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://")?;
    let host_port = rest.split('/').next()?;
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1").then_some(host)
}

/// CPU seconds this process has used (user + system), from /proc/self/stat: with the
/// server in this process, CPU per request does not depend on what else the machine runs.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and
    // 13th of those, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let mut scratch = None;
    let mut server = None;
    let base = match &args.url {
        Some(url) => {
            if loopback(url).is_none() {
                eprintln!(
                    "--url {url:?}: only http:// loopback addresses (127.0.0.1, localhost, [::1])"
                );
                std::process::exit(2);
            }
            url.trim_end_matches('/').to_string()
        }
        None => {
            let data = args
                .data
                .clone()
                .or_else(|| std::env::var_os("REEL_TEST_DATA").map(PathBuf::from))
                .unwrap_or_else(|| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small")
                });
            let dir = std::env::temp_dir().join(format!("reel-serve-load-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("scratch folder");
            let db = format!("sqlite:{}", dir.join("load.sqlite").display());
            scratch = Some(dir);
            let s = RunningServer::start(
                "127.0.0.1:0".parse().expect("address"),
                ServeConfig::new(data, db),
            )
            .expect("start the server");
            let base = format!("http://{}", s.addr);
            server = Some(s);
            base
        }
    };
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    loop {
        match agent.get(&format!("{base}/health")).call() {
            Ok(r) if r.status() == 200 => break,
            _ => {
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "server at {base} not ready after 600 s"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    println!(
        "server {base} ready after {:.1} s; {} clients, {} s per phase, {}; load average {}",
        started.elapsed().as_secs_f64(),
        args.clients,
        args.seconds,
        if args.fresh_connections {
            "a new connection per request"
        } else {
            "one keep-alive connection per client"
        },
        load_average()
    );
    let limit = Duration::from_secs(args.seconds);
    let clients = args.clients as usize;

    // Ten ratings per request, varied per request so nothing could be cached.
    let pool = [
        2571u32, 1, 260, 1196, 318, 296, 356, 593, 480, 589, 110, 527, 2959, 50, 858, 47, 780, 150,
        364, 32,
    ];
    let list = args.list.as_str();
    let recs = if args.ureq || args.fresh_connections {
        run_phase(
            clients,
            limit,
            args.fresh_connections,
            |client, k, agent| {
                agent
                    .post(&format!("{base}/v1/recommendations"))
                    .send_json(
                        json!({"ratings": ratings_unique(client, k, &pool), "n": 10, "list": list}),
                    )
                    .ok()
            },
        )
    } else {
        let host = base.trim_start_matches("http://").to_string();
        run_raw_phase(clients, limit, &host, |client, k| {
            let mut body = String::from("{\"ratings\":[");
            for (j, (id, stars)) in ratings_raw(client, k, &pool).into_iter().enumerate() {
                if j > 0 {
                    body.push(',');
                }
                let _ = write!(body, "{{\"movie_id\":{id},\"stars\":{stars}}}");
            }
            let _ = write!(body, "],\"n\":10,\"list\":\"{list}\"}}");
            body
        })
    };
    report(
        &format!("POST /v1/recommendations (10 ratings, list {list})"),
        clients,
        &recs,
    );

    if !args.no_writes {
        // Authenticated writes: one account per client (names unique per run, so a
        // running server can be loaded more than once).
        let run = std::process::id();
        let tokens: Vec<(String, String)> = (0..clients)
            .map(|c| {
                let name = format!("load{run}-{c}");
                let r: serde_json::Value = agent
                    .post(&format!("{base}/v1/users"))
                    .send_json(json!({ "name": name }))
                    .unwrap_or_else(|e| panic!("creating account {name} (sign-up off?): {e}"))
                    .into_json()
                    .expect("json");
                (name, r["token"].as_str().expect("token").to_string())
            })
            .collect();
        let writes = run_phase(
            clients,
            limit,
            args.fresh_connections,
            |client, k, agent| {
                let (name, token) = &tokens[client];
                let id = pool[k % pool.len()];
                agent
                    .put(&format!("{base}/v1/users/{name}/ratings/{id}"))
                    .set("Authorization", &format!("Bearer {token}"))
                    .send_json(json!({"stars": 0.5 + (k % 10) as f64 * 0.5}))
                    .ok()
            },
        );
        report(
            "PUT /v1/users/{name}/ratings/{id} (SQLite, synchronous=FULL)",
            clients,
            &writes,
        );
    }

    if let Some(s) = server {
        s.stop().expect("graceful stop");
    }
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Ten distinct (movie, stars) ratings for request `k` of `client`.
fn ratings_raw(client: usize, k: usize, pool: &[u32]) -> Vec<(u32, f64)> {
    let start = (client * 7 + k) % pool.len();
    (0..10)
        .map(|j| {
            let id = pool[(start + j) % pool.len()];
            (id, 0.5 + ((client + k + j) % 10) as f64 * 0.5)
        })
        .collect()
}

/// [`ratings_raw`] as JSON.
fn ratings_unique(client: usize, k: usize, pool: &[u32]) -> serde_json::Value {
    let ratings: Vec<_> = ratings_raw(client, k, pool)
        .into_iter()
        .map(|(id, stars)| json!({"movie_id": id, "stars": stars}))
        .collect();
    json!(ratings)
}

/// A minimal HTTP/1.1 client on one keep-alive connection.
struct RawClient {
    conn: BufReader<TcpStream>,
    host: String,
}

impl RawClient {
    fn connect(host: &str) -> std::io::Result<RawClient> {
        let stream = TcpStream::connect(host)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(RawClient {
            conn: BufReader::new(stream),
            host: host.to_string(),
        })
    }

    /// POSTs `body` as JSON to `path`; the answer's status, its body read to the end
    /// (so the connection can carry the next request).
    fn post_json(&mut self, path: &str, body: &str) -> std::io::Result<u16> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept-Encoding: gzip\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.conn.get_mut().write_all(request.as_bytes())?;
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        let mut line = String::new();
        self.conn.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.conn.read_line(&mut line)? == 0 {
                return Err(bad("connection closed in the headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').ok_or_else(|| bad("bad header"))?;
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.trim().eq_ignore_ascii_case("chunked");
            }
        }
        let skip = |n: usize, conn: &mut BufReader<TcpStream>| -> std::io::Result<()> {
            let copied = std::io::copy(&mut conn.by_ref().take(n as u64), &mut std::io::sink())?;
            if copied as usize == n {
                Ok(())
            } else {
                Err(bad("body cut short"))
            }
        };
        if chunked {
            loop {
                line.clear();
                self.conn.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad("bad chunk size"))?;
                // The chunk and its CRLF; the last (empty) chunk is followed by one CRLF.
                skip(size + 2, &mut self.conn)?;
                if size == 0 {
                    break;
                }
            }
        } else {
            skip(length.ok_or_else(|| bad("no length"))?, &mut self.conn)?;
        }
        Ok(status)
    }
}

/// [`run_phase`] with the minimal client: each client POSTs `body(client, k)` to
/// /v1/recommendations.
fn run_raw_phase<B>(clients: usize, limit: Duration, host: &str, body: B) -> Phase
where
    B: Fn(usize, usize) -> String + Sync,
{
    let start = Instant::now();
    let cpu_before = cpu_seconds();
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                let body = &body;
                s.spawn(move || {
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    let mut conn = None;
                    for k in 0..MAX_PER_CLIENT {
                        if start.elapsed() >= limit {
                            break;
                        }
                        let t = Instant::now();
                        if conn.is_none() {
                            conn = RawClient::connect(host).ok();
                        }
                        let ok = match conn.as_mut() {
                            Some(c) => c.post_json("/v1/recommendations", &body(client, k)),
                            None => Err(std::io::ErrorKind::NotConnected.into()),
                        };
                        match ok {
                            Ok(200) => lat.push(t.elapsed()),
                            Ok(_) => errors += 1,
                            Err(_) => {
                                errors += 1;
                                conn = None;
                            }
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
    phase_from(results, start, cpu_before)
}

struct Phase {
    latencies: Vec<Duration>,
    /// CPU seconds the process used during the phase (server and clients).
    cpu: Option<f64>,
    errors: usize,
    elapsed: Duration,
}

fn run_phase<F>(clients: usize, limit: Duration, fresh: bool, request: F) -> Phase
where
    F: Fn(usize, usize, &ureq::Agent) -> Option<ureq::Response> + Sync,
{
    let start = Instant::now();
    let cpu_before = cpu_seconds();
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                let request = &request;
                s.spawn(move || {
                    let mut builder = ureq::AgentBuilder::new().timeout(Duration::from_secs(30));
                    if fresh {
                        builder = builder.max_idle_connections(0);
                    }
                    let agent = builder.build();
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    for k in 0..MAX_PER_CLIENT {
                        if start.elapsed() >= limit {
                            break;
                        }
                        let t = Instant::now();
                        // The body is read to its end: only then does ureq put the
                        // connection back for the next request (keep-alive).
                        // Refused and failed requests alike count as errors.
                        let ok = request(client, k, &agent)
                            .is_some_and(|r| r.status() == 200 && r.into_string().is_ok());
                        if ok {
                            lat.push(t.elapsed());
                        } else {
                            errors += 1;
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
    phase_from(results, start, cpu_before)
}

fn phase_from(
    results: Vec<(Vec<Duration>, usize)>,
    start: Instant,
    cpu_before: Option<f64>,
) -> Phase {
    let elapsed = start.elapsed();
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let mut latencies = Vec::new();
    let mut errors = 0;
    for (l, e) in results {
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Phase {
        latencies,
        cpu,
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
        "{what}: {clients} clients, {} ok, {} failed in {:.1} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} CPU ms per request (server and clients in this process); load average {}",
        p.latencies.len(),
        p.errors,
        p.elapsed.as_secs_f64(),
        p.latencies.len() as f64 / p.elapsed.as_secs_f64(),
        q(0.50),
        q(0.99),
        q(1.0),
        p.cpu.map_or("unknown".to_string(), |c| format!(
            "{:.3}",
            c * 1e3 / p.latencies.len().max(1) as f64
        )),
        load_average(),
    );
}
