//! Shared by the server tests: one in-process server on the real ml-latest-small (models
//! train once per test binary), the real binary for process-level tests, and a small
//! blocking HTTP client that returns every status (ureq treats 4xx/5xx as errors).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reel::server::{RunningServer, ServeConfig};
use serde_json::Value;

use crate::common;

/// Longest wait for models to train (a loaded 2-core machine can be slow).
pub const READY_TIMEOUT: Duration = Duration::from_secs(300);

/// A scratch folder under the target dir, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("server-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

pub struct Shared {
    pub base: String,
    _server: RunningServer,
}

/// The server every API test shares (started and made ready on first use).
pub fn shared() -> &'static str {
    static SERVER: OnceLock<Shared> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let dir = scratch("shared");
            let db = format!("sqlite:{}", dir.join("shared.sqlite").display());
            let server = RunningServer::start(
                "127.0.0.1:0".parse().expect("address"),
                ServeConfig::new(common::ml_latest_small(), db),
            )
            .expect("start the in-process server");
            let base = format!("http://{}", server.addr);
            wait_ready(&base);
            Shared {
                base,
                _server: server,
            }
        })
        .base
}

/// Polls /health until 200; panics with the last answer on timeout.
pub fn wait_ready(base: &str) {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < READY_TIMEOUT {
        match get(base, "/health", None) {
            (200, _) => return,
            (status, body) => last = format!("{status} {body}"),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("server at {base} not ready after {READY_TIMEOUT:?}; last /health: {last}");
}

pub fn agent() -> ureq::Agent {
    // A fresh connection per request: a pooled keep-alive connection the server has
    // just closed made a PUT fail with "Unexpected EOF" (a client-side race, seen once
    // in CI), which says nothing about the server.
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .max_idle_connections(0)
        .build()
}

/// Sends a request; returns the status and the JSON body (Null when empty or not JSON).
pub fn call(
    method: &str,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let (status, text, _) = call_raw(method, base, path, token, body.map(|b| b.to_string()), true);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Like [`call`] with a raw body; `json_type` sets Content-Type: application/json.
/// Returns status, body text and Content-Type.
pub fn call_raw(
    method: &str,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
    json_type: bool,
) -> (u16, String, String) {
    thread_local! {
        static AGENT: ureq::Agent = agent();
    }
    let mut req = AGENT.with(|a| a.request(method, &format!("{base}{path}")));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let result = match body {
        Some(b) => {
            if json_type {
                req = req.set("Content-Type", "application/json");
            }
            req.send_string(&b)
        }
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: transport error {e}"),
    };
    let status = resp.status();
    let ctype = resp.header("Content-Type").unwrap_or("").to_string();
    let text = resp.into_string().unwrap_or_default();
    (status, text, ctype)
}

pub fn get(base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    call("GET", base, path, token, None)
}

/// Creates an account; returns its token.
pub fn new_user(base: &str, name: &str) -> String {
    let (status, body) = call(
        "POST",
        base,
        "/v1/users",
        None,
        Some(&serde_json::json!({ "name": name })),
    );
    assert_eq!(status, 201, "create {name}: {body}");
    body["token"].as_str().expect("token").to_string()
}

/// A name no earlier run of the shared server used (its database is reused per run
/// only, but tests in one run must not collide).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// Asserts an API error answer: status, code, and a message.
#[track_caller]
pub fn assert_error(got: (u16, Value), status: u16, code: &str) {
    let (s, body) = got;
    assert_eq!(s, status, "expected {status} {code}, got {s} {body}");
    assert_eq!(body["error"]["code"], code, "error body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error without a message: {body}"
    );
}

/// The real `reel` binary serving on a free port; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `reel serve` on 127.0.0.1:0 and reads the port from its first line.
    pub fn start(db: &str, extra: &[&str]) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
            .arg("--data")
            .arg(common::ml_latest_small())
            .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
            .args(extra)
            .env("REEL_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start reel serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .strip_prefix("reel: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from reel serve: {line:?}"))
            .to_string();
        ServerProcess { child, base: addr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal with the system `kill` command.
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(ok.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "reel serve did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends raw bytes as one HTTP/1.1 request (ignoring write errors: a server may answer
/// and close before it has read a large body) and parses the answer's status, the
/// Content-Type and the body (bodies here are small, not chunked).
pub fn raw_request(base: &str, request: &[u8]) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let _ = s.write_all(request);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, ctype, body.to_string())
}
