//! `reel download` end to end: the real download code against a real HTTP server on
//! 127.0.0.1, serving zips built here at run time from the real ml-latest-small files
//! (read in place from REEL_TEST_DATA or ../shared/data/ml-latest-small; never copied
//! into the repository).

use crate::common;

use md5::{Digest, Md5};
use reel::data::download::{download, DownloadError, DownloadOptions};
use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const NAME: &str = "ml-latest-small";

// ---------------------------------------------------------------- test data

/// The real ml-latest-small folder (panics, naming the path and REEL_TEST_DATA, if absent).
fn data_dir() -> PathBuf {
    common::ml_latest_small()
}

/// The data folder's files, sorted by name.
fn source_files() -> Vec<(String, PathBuf)> {
    let dir = data_dir();
    let mut files: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                p,
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 4, "too few files in {}", dir.display());
    files
}

enum Entry<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
}

/// Write a zip of `entries` into `dir` (a temp dir) and return its bytes.
fn build_zip(dir: &Path, file_name: &str, entries: &[Entry]) -> Vec<u8> {
    let path = dir.join(file_name);
    let file = fs::File::create(&path).expect("create zip");
    let mut zip = ZipWriter::new(file);
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for entry in entries {
        match entry {
            Entry::Dir(name) => zip.add_directory(*name, opts).expect("dir entry"),
            Entry::File(name, bytes) => {
                zip.start_file(*name, opts).expect("file entry");
                zip.write_all(bytes).expect("write entry");
            }
            Entry::Symlink(name, target) => zip
                .add_symlink(*name, *target, opts)
                .expect("symlink entry"),
        }
    }
    zip.finish().expect("finish zip");
    fs::read(&path).expect("read zip back")
}

/// A zip shaped like the official one: `ml-latest-small/` holding the real files.
fn real_zip(dir: &Path) -> Vec<u8> {
    let contents: Vec<(String, Vec<u8>)> = source_files()
        .into_iter()
        .map(|(n, p)| (format!("{NAME}/{n}"), fs::read(&p).expect("read source")))
        .collect();
    let top = format!("{NAME}/");
    let mut entries = vec![Entry::Dir(&top)];
    entries.extend(contents.iter().map(|(n, b)| Entry::File(n, b)));
    build_zip(dir, "built.zip", &entries)
}

fn md5_line(bytes: &[u8], file_name: &str) -> Vec<u8> {
    let digest: String = Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("MD5 ({file_name}) = {digest}\n").into_bytes()
}

// ---------------------------------------------------------------- HTTP server

#[derive(Clone)]
enum Reply {
    Body(Arc<Vec<u8>>),
    /// Announce the full length, send only the first `send` bytes, then close.
    Truncated(Arc<Vec<u8>>, usize),
}

struct Server {
    base_url: String,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r, h) = (routes.clone(), hits.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, h) = (r.clone(), h.clone());
                thread::spawn(move || serve(stream, &r, &h));
            }
        });
        Server {
            base_url: format!("http://127.0.0.1:{port}/datasets/movielens"),
            routes,
            hits,
        }
    }

    fn route(&self, file: &str, reply: Reply) {
        self.routes
            .lock()
            .expect("routes")
            .insert(format!("/datasets/movielens/{file}"), reply);
    }

    fn serve_zip(&self, zip: Vec<u8>, md5_of: &[u8]) {
        self.route(&format!("{NAME}.zip"), Reply::Body(Arc::new(zip)));
        self.route(
            &format!("{NAME}.zip.md5"),
            Reply::Body(Arc::new(md5_line(md5_of, &format!("{NAME}.zip")))),
        );
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("hits").clone()
    }

    fn options(&self, datasets_dir: &Path, force: bool) -> DownloadOptions {
        DownloadOptions {
            name: NAME.to_string(),
            base_url: self.base_url.clone(),
            datasets_dir: datasets_dir.to_path_buf(),
            force,
        }
    }
}

fn serve(mut stream: TcpStream, routes: &Mutex<HashMap<String, Reply>>, hits: &Mutex<Vec<String>>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header == "\r\n" || header == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    hits.lock().expect("hits").push(path.clone());
    let reply = routes.lock().expect("routes").get(&path).cloned();
    let head = |status: &str, len: usize| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        )
    };
    let _ = match reply {
        None => {
            let body = b"not found";
            stream
                .write_all(head("404 Not Found", body.len()).as_bytes())
                .and_then(|_| stream.write_all(body))
        }
        Some(Reply::Body(body)) => stream
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body)),
        Some(Reply::Truncated(body, send)) => stream
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body[..send])),
    };
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

// ---------------------------------------------------------------- helpers

/// Every name (hidden ones included) directly in `dir`.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Every path under `root`, recursively.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if let Ok(rd) = fs::read_dir(&dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p.clone());
                }
                out.push(p);
            }
        }
    }
    out
}

/// Assert `dataset` holds exactly the source files, byte for byte.
fn assert_identical_to_source(dataset: &Path) {
    let files = source_files();
    let want: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names_in(dataset), want, "files in {}", dataset.display());
    for (name, src) in files {
        let a = fs::read(&src).expect("source");
        let b = fs::read(dataset.join(&name)).expect("downloaded");
        assert!(a == b, "{name} differs from {}", src.display());
    }
}

fn no_progress() -> impl FnMut(u64, Option<u64>) {
    |_, _| {}
}

// ---------------------------------------------------------------- tests

#[test]
fn downloads_verifies_and_unpacks_the_real_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip = real_zip(tmp.path());
    let server = Server::start();
    server.serve_zip(zip.clone(), &zip);
    let datasets = tmp.path().join("data").join("datasets");

    let mut calls = 0u64;
    let mut last = (0, None);
    let started = Instant::now();
    let path = download(&server.options(&datasets, false), &mut |got, total| {
        calls += 1;
        last = (got, total);
    })
    .expect("download");
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "downloaded + verified + unpacked {} zip bytes in {:.1} ms",
        zip.len(),
        secs * 1e3
    );

    assert_eq!(path, datasets.join(NAME));
    assert_identical_to_source(&path);
    assert_eq!(last, (zip.len() as u64, Some(zip.len() as u64)));
    assert!(calls >= 2, "progress called {calls} times");
    // Nothing else left in the datasets folder: no temp zip, no staging folder.
    assert_eq!(names_in(&datasets), vec![NAME.to_string()]);
    // Not the official host: the served .md5 was fetched before the zip.
    assert_eq!(
        server.hits(),
        vec![
            format!("/datasets/movielens/{NAME}.zip.md5"),
            format!("/datasets/movielens/{NAME}.zip"),
        ]
    );
}

#[test]
fn checksum_mismatch_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = real_zip(tmp.path());
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    let server = Server::start();
    server.serve_zip(bad, &good);
    let datasets = tmp.path().join("datasets");

    let err = download(&server.options(&datasets, false), &mut no_progress())
        .expect_err("corrupt zip must fail");
    match &err {
        DownloadError::ChecksumMismatch {
            url,
            algorithm,
            expected,
            got,
        } => {
            assert!(url.ends_with("/ml-latest-small.zip"), "{url}");
            assert_eq!(*algorithm, "MD5");
            assert_ne!(expected, got);
        }
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("expected") && msg.contains("got"), "{msg}");
    assert_eq!(names_in(&datasets), Vec::<String>::new());
}

#[test]
fn a_body_that_is_not_a_zip_is_rejected_after_its_checksum_matches() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let junk = b"<html>this is not a zip</html>".repeat(100);
    let server = Server::start();
    server.serve_zip(junk.clone(), &junk);
    let datasets = tmp.path().join("datasets");

    let err =
        download(&server.options(&datasets, false), &mut no_progress()).expect_err("not a zip");
    assert!(
        matches!(err, DownloadError::BadZip { .. }),
        "expected BadZip, got {err:?}"
    );
    assert_eq!(names_in(&datasets), Vec::<String>::new());
}

#[test]
fn truncated_body_is_an_error_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip = real_zip(tmp.path());
    let server = Server::start();
    server.serve_zip(zip.clone(), &zip);
    let half = zip.len() / 2;
    server.route(
        &format!("{NAME}.zip"),
        Reply::Truncated(Arc::new(zip.clone()), half),
    );
    let datasets = tmp.path().join("datasets");

    let err = download(&server.options(&datasets, false), &mut no_progress())
        .expect_err("truncated body must fail");
    match &err {
        DownloadError::Truncated { url, got, expected } => {
            assert!(url.ends_with("/ml-latest-small.zip"), "{url}");
            assert_eq!(*expected, zip.len() as u64);
            assert!(*got <= half as u64, "got {got}");
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
    assert_eq!(names_in(&datasets), Vec::<String>::new());
}

#[test]
fn zip_slip_entries_are_rejected_and_nothing_is_written_outside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ratings = fs::read(data_dir().join("ratings.csv")).expect("ratings");
    let datasets = tmp.path().join("outer").join("datasets");
    let cases: Vec<(&str, Vec<Entry>)> = vec![
        (
            "../evil",
            vec![
                Entry::Dir("ml-latest-small/"),
                Entry::File("ml-latest-small/ratings.csv", &ratings),
                Entry::File("../evil", b"pwned"),
            ],
        ),
        (
            "ml-latest-small/../../evil",
            vec![
                Entry::File("ml-latest-small/ratings.csv", &ratings),
                Entry::File("ml-latest-small/../../evil", b"pwned"),
            ],
        ),
        (
            "/tmp/evil",
            vec![
                Entry::File("ml-latest-small/ratings.csv", &ratings),
                Entry::File("/tmp/evil", b"pwned"),
            ],
        ),
        (
            "ml-latest-small/link",
            vec![
                Entry::File("ml-latest-small/ratings.csv", &ratings),
                Entry::Symlink("ml-latest-small/link", "../../evil"),
            ],
        ),
    ];
    let server = Server::start();
    for (bad_entry, entries) in cases {
        let zip = build_zip(tmp.path(), "evil.zip", &entries);
        server.serve_zip(zip.clone(), &zip);
        let err = download(&server.options(&datasets, false), &mut no_progress())
            .expect_err("unsafe zip must be rejected");
        match &err {
            DownloadError::UnsafeEntry { entry, .. } => assert_eq!(entry, bad_entry),
            other => panic!("{bad_entry}: expected UnsafeEntry, got {other:?}"),
        }
        assert!(err.to_string().contains(bad_entry), "{err}");
        assert_eq!(names_in(&datasets), Vec::<String>::new(), "{bad_entry}");
        let stray: Vec<PathBuf> = walk(tmp.path())
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "evil" || n == "link"))
            .collect();
        assert!(stray.is_empty(), "{bad_entry}: written {stray:?}");
    }
    assert!(
        !Path::new("/tmp/evil").exists() || fs::read("/tmp/evil").ok() != Some(b"pwned".to_vec())
    );
}

#[test]
fn two_top_folders_are_rejected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip = build_zip(
        tmp.path(),
        "two.zip",
        &[
            Entry::File("ml-latest-small/ratings.csv", b"a"),
            Entry::File("other/movies.csv", b"b"),
        ],
    );
    let server = Server::start();
    server.serve_zip(zip.clone(), &zip);
    let datasets = tmp.path().join("datasets");
    let err = download(&server.options(&datasets, false), &mut no_progress())
        .expect_err("two top folders");
    assert!(matches!(err, DownloadError::BadLayout { .. }), "{err:?}");
    assert_eq!(names_in(&datasets), Vec::<String>::new());
}

#[test]
fn existing_dataset_survives_a_failed_forced_redownload_and_is_replaced_by_a_good_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = real_zip(tmp.path());
    let datasets = tmp.path().join("datasets");
    let server = Server::start();
    server.serve_zip(good.clone(), &good);
    let path = download(&server.options(&datasets, false), &mut no_progress()).expect("first");

    // Without --force: refused before any request.
    let before = server.hits().len();
    match download(&server.options(&datasets, false), &mut no_progress()) {
        Err(DownloadError::AlreadyExists { path: p }) => assert_eq!(p, path),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(server.hits().len(), before, "no request without --force");

    // --force against a corrupt zip, then a truncated one: the good dataset stays.
    let mut bad = good.clone();
    let mid = bad.len() / 3;
    bad[mid] ^= 0x55;
    server.serve_zip(bad, &good);
    let err = download(&server.options(&datasets, true), &mut no_progress()).expect_err("corrupt");
    assert!(
        matches!(err, DownloadError::ChecksumMismatch { .. }),
        "{err:?}"
    );
    assert_identical_to_source(&path);
    assert_eq!(names_in(&datasets), vec![NAME.to_string()]);

    server.route(
        &format!("{NAME}.zip"),
        Reply::Truncated(Arc::new(good.clone()), 1000),
    );
    let err =
        download(&server.options(&datasets, true), &mut no_progress()).expect_err("truncated");
    assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
    assert_identical_to_source(&path);
    assert_eq!(names_in(&datasets), vec![NAME.to_string()]);

    // --force with a good zip replaces the old folder (a stray file in it disappears).
    fs::write(path.join("stray.txt"), b"old").expect("stray");
    server.serve_zip(good.clone(), &good);
    let again = download(&server.options(&datasets, true), &mut no_progress()).expect("forced");
    assert_eq!(again, path);
    assert_identical_to_source(&path);
    assert_eq!(names_in(&datasets), vec![NAME.to_string()]);
}

#[test]
fn http_errors_name_the_url_and_status() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let datasets = tmp.path().join("datasets");
    let server = Server::start();
    // No routes at all: the .md5 is a 404.
    let err = download(&server.options(&datasets, false), &mut no_progress()).expect_err("404");
    match &err {
        DownloadError::HttpStatus { url, status, .. } => {
            assert_eq!(*status, 404);
            assert!(url.ends_with("/ml-latest-small.zip.md5"), "{url}");
        }
        other => panic!("expected HttpStatus, got {other:?}"),
    }
    assert!(err.to_string().contains("404"), "{err}");
    // A .md5 but no zip.
    server.route(
        &format!("{NAME}.zip.md5"),
        Reply::Body(Arc::new(md5_line(b"x", &format!("{NAME}.zip")))),
    );
    let err = download(&server.options(&datasets, false), &mut no_progress()).expect_err("404");
    assert!(
        matches!(&err, DownloadError::HttpStatus { url, status: 404, .. } if url.ends_with(".zip")),
        "{err:?}"
    );
    // A .md5 that is not one.
    server.route(
        &format!("{NAME}.zip.md5"),
        Reply::Body(Arc::new(b"<html>moved</html>".to_vec())),
    );
    let err =
        download(&server.options(&datasets, false), &mut no_progress()).expect_err("bad md5 file");
    assert!(
        matches!(err, DownloadError::BadChecksumFile { .. }),
        "{err:?}"
    );
    assert_eq!(names_in(&datasets), Vec::<String>::new());
    // Nothing listening at all.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let mut opts = server.options(&datasets, false);
    opts.base_url = format!("http://127.0.0.1:{port}");
    let err = download(&opts, &mut no_progress()).expect_err("refused");
    assert!(matches!(err, DownloadError::Transport { .. }), "{err:?}");
}

#[test]
fn unknown_name_is_refused_before_any_request() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start();
    let mut opts = server.options(tmp.path(), false);
    opts.name = "ml-3m".into();
    let err = download(&opts, &mut no_progress()).expect_err("unknown");
    assert!(
        matches!(err, DownloadError::UnknownDataset { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ml-latest-small"), "{err}");
    assert!(server.hits().is_empty());
}

#[test]
fn cli_run_downloads_then_reports_already_present() {
    use reel::cli::download::{run, DownloadArgs};
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip = real_zip(tmp.path());
    let server = Server::start();
    server.serve_zip(zip.clone(), &zip);
    let args = DownloadArgs {
        name: NAME.to_string(),
        base_url: server.base_url.clone(),
        dir: Some(tmp.path().join("datasets")),
        force: false,
        list: false,
    };
    run(&args).expect("run");
    assert_identical_to_source(&tmp.path().join("datasets").join(NAME));
    run(&args).expect("second run reports the existing dataset");
    assert_eq!(server.hits().len(), 2, "second run made no request");
    let bad = DownloadArgs {
        name: "nope".into(),
        ..args
    };
    let err = run(&bad).expect_err("unknown name");
    assert!(format!("{err:#}").contains("nope"), "{err:#}");
}
