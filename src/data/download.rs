//! Downloading official GroupLens releases: fetch, verify, unpack atomically.
//!
//! [`download`] fetches `<base_url>/<name>.zip`, checks it (size and MD5/SHA-256), refuses
//! unsafe entries (absolute paths, `..`, symbolic links: "zip slip"), unpacks it beside the
//! destination and only then renames it into place. Every intermediate lives in the
//! destination's parent folder under a hidden, unique name and is removed on any failure,
//! so a failed or interrupted download never leaves a half dataset behind, and never
//! replaces an existing good dataset with a bad one.
//!
//! Which checksum is trusted:
//! - from the official host ([`DEFAULT_BASE_URL`]): the size and checksums pinned in
//!   `assets/datasets.toml` where known; where the asset has no checksum for a release
//!   (ml-latest changes with every refresh), the `<name>.zip.md5` GroupLens publishes
//!   beside the zip is fetched and used;
//! - from any other base URL (a mirror, a local test server): the pinned values describe
//!   the official bytes only, so they are *not* applied; the `.md5` served beside the zip
//!   by that same server is fetched and must match. A download with no checksum at all
//!   is never installed.
//!
//! A run killed outright (SIGKILL, power loss) cannot clean up: its hidden
//! `.<name>.zip-part-*` / `.<name>.unpacking-*` leftovers never count as a dataset, and the
//! next download of that release removes those older than a day.

use md5::Md5;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use zip::ZipArchive;

/// Where GroupLens serves the MovieLens zips (`<this>/<name>.zip`).
pub const DEFAULT_BASE_URL: &str = "https://files.grouplens.org/datasets/movielens";

/// The known releases, embedded at build time.
const CATALOGUE_TOML: &str = include_str!("../../assets/datasets.toml");

/// Refuse bodies larger than this (the largest release, ml-32m, is about 239 MB).
const MAX_DOWNLOAD_BYTES: u64 = 4 << 30;
/// Refuse `.md5` files larger than this: they are one short line.
const MAX_CHECKSUM_FILE_BYTES: u64 = 4096;
/// Refuse zips that unpack to more than this (zip bomb guard; ml-32m unpacks to under 1 GB).
const MAX_UNPACKED_BYTES: u64 = 16 << 30;
/// Read buffer for the body and for unpacking.
const BUFFER_BYTES: usize = 256 * 1024;

/// What can go wrong; every variant names the URL or file concerned.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("unknown dataset {name:?}; known datasets: {known}")]
    UnknownDataset { name: String, known: String },
    #[error("{} already exists; pass --force to download it again", path.display())]
    AlreadyExists { path: PathBuf },
    #[error("GET {url}: HTTP {status} {reason}")]
    HttpStatus {
        url: String,
        status: u16,
        reason: String,
    },
    #[error("GET {url}: {message}")]
    Transport { url: String, message: String },
    #[error("GET {url}: body truncated: the server announced {expected} bytes but sent {got}")]
    Truncated {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("GET {url}: size mismatch: expected {expected} bytes, got {got}")]
    SizeMismatch {
        url: String,
        expected: u64,
        got: u64,
    },
    #[error("GET {url}: larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: {algorithm} checksum mismatch: expected {expected}, got {got}")]
    ChecksumMismatch {
        url: String,
        algorithm: &'static str,
        expected: String,
        got: String,
    },
    #[error("{url}: unusable checksum file: {reason}")]
    BadChecksumFile { url: String, reason: String },
    #[error("{url}: not a valid zip: {message}")]
    BadZip { url: String, message: String },
    #[error("{url}: unsafe entry path {entry:?} in the zip: {reason}")]
    UnsafeEntry {
        url: String,
        entry: String,
        reason: &'static str,
    },
    #[error("{url}: unexpected zip layout: {reason}")]
    BadLayout { url: String, reason: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("assets/datasets.toml (built in): {0}")]
    Catalogue(String),
}

/// One GroupLens release `reel download` knows about (from `assets/datasets.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownDataset {
    /// What the user types; also the zip's file name (`<name>.zip`).
    pub name: String,
    /// One-line description.
    pub title: String,
    /// The single folder inside the zip (informational).
    pub top_folder: String,
    /// Zip size in bytes, where known.
    #[serde(default)]
    pub size: Option<u64>,
    /// Zip MD5 (lowercase hex) as GroupLens publishes it, where known.
    #[serde(default)]
    pub md5: Option<String>,
    /// Zip SHA-256 (lowercase hex), where known.
    #[serde(default)]
    pub sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    dataset: Vec<KnownDataset>,
}

/// The known releases, in the order of `assets/datasets.toml`.
pub fn known_datasets() -> Result<Vec<KnownDataset>, DownloadError> {
    parse_catalogue(CATALOGUE_TOML)
}

fn parse_catalogue(text: &str) -> Result<Vec<KnownDataset>, DownloadError> {
    let file: CatalogueFile =
        toml::from_str(text).map_err(|e| DownloadError::Catalogue(e.to_string()))?;
    for d in &file.dataset {
        let bad = |what: &str| DownloadError::Catalogue(format!("{}: {what}", d.name));
        if d.name.is_empty()
            || !d
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad("name must be letters, digits, '-' or '_'"));
        }
        if let Some(m) = &d.md5 {
            if !is_lower_hex(m, 32) {
                return Err(bad("md5 must be 32 lowercase hex digits"));
            }
        }
        if let Some(s) = &d.sha256 {
            if !is_lower_hex(s, 64) {
                return Err(bad("sha256 must be 64 lowercase hex digits"));
            }
        }
    }
    Ok(file.dataset)
}

/// The known release called `name`.
pub fn find_known(name: &str) -> Result<KnownDataset, DownloadError> {
    let all = known_datasets()?;
    match all.iter().find(|d| d.name == name) {
        Some(d) => Ok(d.clone()),
        None => Err(DownloadError::UnknownDataset {
            name: name.to_string(),
            known: all
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// What to download and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadOptions {
    /// Release name, e.g. `ml-latest-small` (must be a [`known_datasets`] name).
    pub name: String,
    /// Host and prefix the zips are under; [`DEFAULT_BASE_URL`] normally.
    pub base_url: String,
    /// Folder holding datasets; the release goes to `<datasets_dir>/<name>/`.
    pub datasets_dir: PathBuf,
    /// Replace an existing `<datasets_dir>/<name>/` (only once the new one is verified and unpacked).
    pub force: bool,
}

impl DownloadOptions {
    /// `<base_url>/<name>.zip`.
    pub fn zip_url(&self) -> String {
        format!("{}/{}.zip", self.base_url.trim_end_matches('/'), self.name)
    }

    /// The folder the dataset ends up in.
    pub fn destination(&self) -> PathBuf {
        self.datasets_dir.join(&self.name)
    }

    /// Whether `base_url` is the official GroupLens host (so pinned checksums apply).
    pub fn is_official(&self) -> bool {
        let base = self.base_url.trim_end_matches('/');
        base == DEFAULT_BASE_URL || base == "http://files.grouplens.org/datasets/movielens"
    }
}

/// Download, verify and unpack `opts.name`; returns the dataset folder
/// (`<datasets_dir>/<name>/`, holding the contents of the zip's top folder).
///
/// `progress` is called as the zip arrives with the bytes so far and the total when known.
/// An existing dataset folder is an [`DownloadError::AlreadyExists`] error unless `force`.
pub fn download(
    opts: &DownloadOptions,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<PathBuf, DownloadError> {
    let known = find_known(&opts.name)?;
    let dest = opts.destination();
    if !opts.force && exists(&dest) {
        return Err(DownloadError::AlreadyExists { path: dest });
    }
    fs::create_dir_all(&opts.datasets_dir).map_err(|source| DownloadError::Io {
        path: opts.datasets_dir.clone(),
        source,
    })?;

    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(30))
        .timeout_read(Duration::from_secs(60))
        .user_agent(concat!("reel/", env!("CARGO_PKG_VERSION")))
        .build();
    let url = opts.zip_url();

    remove_stale_temporaries(&opts.datasets_dir, &opts.name);

    let mut expected = pinned_expectation(opts, &known);
    if expected.md5.is_none() && expected.sha256.is_none() {
        let md5_url = format!("{url}.md5");
        expected.md5 = Some(fetch_published_md5(
            &agent,
            &md5_url,
            &format!("{}.zip", opts.name),
        )?);
    }

    // 1. Body into a temporary file beside the destination, hashing as it arrives.
    let zip_tmp = TempPath::new(unique_sibling(&opts.datasets_dir, &opts.name, "zip-part"));
    let got = fetch_to_file(
        &agent,
        &url,
        &zip_tmp.path,
        expected.size,
        expected.sha256.is_some(),
        progress,
    )?;

    // 2. Verify (the size was checked as the body arrived).
    for (algorithm, want, have) in [
        ("MD5", &expected.md5, Some(&got.md5)),
        ("SHA-256", &expected.sha256, got.sha256.as_ref()),
    ] {
        if let (Some(want), Some(have)) = (want, have) {
            if !want.eq_ignore_ascii_case(have) {
                return Err(DownloadError::ChecksumMismatch {
                    url,
                    algorithm,
                    expected: want.to_ascii_lowercase(),
                    got: have.clone(),
                });
            }
        }
    }

    // 3. Unpack into a temporary folder beside the destination.
    let staging = TempPath::new(unique_sibling(&opts.datasets_dir, &opts.name, "unpacking"));
    unpack(&zip_tmp.path, &staging.path, &url)?;

    // 4. Move into place.
    install(staging, &dest, opts.force, &opts.datasets_dir, &opts.name)?;
    Ok(dest)
}

/// What the zip must match before any `.md5` is fetched: the pinned values for the
/// official host, nothing for any other (see the module docs).
fn pinned_expectation(opts: &DownloadOptions, known: &KnownDataset) -> Expected {
    if opts.is_official() {
        Expected {
            size: known.size,
            md5: known.md5.clone(),
            sha256: known.sha256.clone(),
        }
    } else {
        Expected::default()
    }
}

/// Temporaries older than this are leftovers of a killed run (Drop never ran) and are
/// removed by the next download of the same release.
const STALE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Remove `.<name>.zip-part-*` files and `.<name>.unpacking-*` folders left by a run that
/// was killed more than [`STALE_AFTER`] ago. `.<name>.replaced-*` folders (a previous
/// dataset moved aside) are never removed automatically. Best effort: errors are ignored.
fn remove_stale_temporaries(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}.zip-part-"), format!(".{name}.unpacking-")];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if !prefixes.iter().any(|p| file_name.starts_with(p.as_str())) {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if old {
            let _ = if meta.is_dir() {
                fs::remove_dir_all(entry.path())
            } else {
                fs::remove_file(entry.path())
            };
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    size: Option<u64>,
    md5: Option<String>,
    sha256: Option<String>,
}

/// Digests (lowercase hex) of what arrived.
struct Fetched {
    md5: String,
    sha256: Option<String>,
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn get(agent: &ureq::Agent, url: &str) -> Result<ureq::Response, DownloadError> {
    // `identity`: the checksum is over the zip's bytes as published, never a re-encoding.
    match agent.get(url).set("Accept-Encoding", "identity").call() {
        Ok(response) => Ok(response),
        Err(ureq::Error::Status(status, response)) => Err(DownloadError::HttpStatus {
            url: url.to_string(),
            status,
            reason: response.status_text().to_string(),
        }),
        Err(ureq::Error::Transport(t)) => {
            // Not `t.to_string()`: that repeats the URL the error already names.
            let mut message = t.kind().to_string();
            if let Some(detail) = t.message() {
                message = format!("{message}: {detail}");
            }
            if let Some(source) = std::error::Error::source(&t) {
                message = format!("{message}: {source}");
            }
            Err(DownloadError::Transport {
                url: url.to_string(),
                message,
            })
        }
    }
}

fn content_length(response: &ureq::Response) -> Option<u64> {
    response
        .header("Content-Length")
        .and_then(|v| v.trim().parse().ok())
}

/// Fetch `<zip>.md5` and return the MD5 it gives for `file_name`.
fn fetch_published_md5(
    agent: &ureq::Agent,
    url: &str,
    file_name: &str,
) -> Result<String, DownloadError> {
    let response = get(agent, url)?;
    let mut body = Vec::new();
    response
        .into_reader()
        .take(MAX_CHECKSUM_FILE_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| DownloadError::Transport {
            url: url.to_string(),
            message: e.to_string(),
        })?;
    let bad = |reason: String| DownloadError::BadChecksumFile {
        url: url.to_string(),
        reason,
    };
    if body.len() as u64 > MAX_CHECKSUM_FILE_BYTES {
        return Err(bad(format!("longer than {MAX_CHECKSUM_FILE_BYTES} bytes")));
    }
    let text = String::from_utf8(body).map_err(|_| bad("not UTF-8 text".to_string()))?;
    parse_md5_file(&text, file_name).map_err(bad)
}

/// The MD5 (lowercase hex) an `.md5` file gives for `file_name`.
///
/// Accepts the BSD form GroupLens publishes, `MD5 (ml-latest-small.zip) = <hex>`, the
/// GNU `md5sum` form `<hex>  ml-latest-small.zip` (or `<hex> *name`, any directory prefix),
/// and a bare `<hex>` line. Lines for other files are skipped.
pub fn parse_md5_file(text: &str, file_name: &str) -> Result<String, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let names_match = |named: &str| {
        let named = named.trim();
        let base = named.rsplit(['/', '\\']).next().unwrap_or(named);
        base == file_name
    };
    let checked = |digest: &str| {
        let digest = digest.trim();
        if digest.len() == 32 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(digest.to_ascii_lowercase())
        } else {
            Err(format!("{digest:?} is not a 32-digit hex MD5"))
        }
    };
    let mut other_files = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // BSD: MD5 (name) = hex
        if let Some(rest) = line
            .get(..4)
            .filter(|head| head.eq_ignore_ascii_case("MD5 "))
            .and_then(|_| line.get(4..))
        {
            let rest = rest.trim_start();
            let Some(rest) = rest.strip_prefix('(') else {
                return Err(format!("malformed line {line:?}"));
            };
            let Some(close) = rest.rfind(')') else {
                return Err(format!("malformed line {line:?}"));
            };
            let (named, after) = (&rest[..close], rest[close + 1..].trim_start());
            let Some(digest) = after.strip_prefix('=') else {
                return Err(format!("malformed line {line:?}"));
            };
            if names_match(named) {
                return checked(digest);
            }
            other_files.push(named.to_string());
            continue;
        }
        // GNU: hex  name  |  hex *name  |  hex
        let (digest, named) = match line.split_once(char::is_whitespace) {
            Some((d, n)) => (d, Some(n.trim_start().trim_start_matches('*'))),
            None => (line, None),
        };
        match named {
            None => return checked(digest),
            Some(n) if names_match(n) => return checked(digest),
            Some(n) => {
                checked(digest)?;
                other_files.push(n.to_string());
            }
        }
    }
    if other_files.is_empty() {
        Err("no MD5 in it".to_string())
    } else {
        Err(format!(
            "no MD5 for {file_name} in it (only for {})",
            other_files.join(", ")
        ))
    }
}

/// Stream `url` into a new file at `path`, hashing as it goes.
fn fetch_to_file(
    agent: &ureq::Agent,
    url: &str,
    path: &Path,
    expected_size: Option<u64>,
    want_sha256: bool,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Fetched, DownloadError> {
    let response = get(agent, url)?;
    let announced = content_length(&response);
    if let (Some(announced), Some(want)) = (announced, expected_size) {
        if announced != want {
            // Reject before reading a byte.
            return Err(DownloadError::SizeMismatch {
                url: url.to_string(),
                expected: want,
                got: announced,
            });
        }
    }
    if announced.is_some_and(|n| n > MAX_DOWNLOAD_BYTES) {
        return Err(DownloadError::TooLarge {
            url: url.to_string(),
            limit: MAX_DOWNLOAD_BYTES,
        });
    }
    let total = announced.or(expected_size);
    let io_err = |source| DownloadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::create_new(path).map_err(io_err)?;
    let mut reader = response.into_reader();
    let mut md5 = Md5::new();
    // SHA-256 only when there is one to compare with (it costs more than MD5).
    let mut sha256 = want_sha256.then(Sha256::new);
    let mut buf = vec![0u8; BUFFER_BYTES];
    let mut got: u64 = 0;
    progress(0, total);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(DownloadError::Truncated {
                    url: url.to_string(),
                    got,
                    expected: announced.unwrap_or(got),
                })
            }
            Err(e) => {
                return Err(DownloadError::Transport {
                    url: url.to_string(),
                    message: format!("after {got} bytes: {e}"),
                })
            }
        };
        got += n as u64;
        if got > MAX_DOWNLOAD_BYTES {
            return Err(DownloadError::TooLarge {
                url: url.to_string(),
                limit: MAX_DOWNLOAD_BYTES,
            });
        }
        md5.update(&buf[..n]);
        if let Some(sha256) = &mut sha256 {
            sha256.update(&buf[..n]);
        }
        file.write_all(&buf[..n]).map_err(io_err)?;
        progress(got, total);
    }
    if let Some(announced) = announced {
        if got < announced {
            return Err(DownloadError::Truncated {
                url: url.to_string(),
                got,
                expected: announced,
            });
        }
    }
    if let Some(want) = expected_size {
        if got != want {
            return Err(DownloadError::SizeMismatch {
                url: url.to_string(),
                expected: want,
                got,
            });
        }
    }
    file.sync_all().map_err(io_err)?;
    Ok(Fetched {
        md5: hex(&md5.finalize()),
        sha256: sha256.map(|h| hex(&h.finalize())),
    })
}

/// The components of a zip entry name, or why it is unsafe to unpack.
///
/// Rejects absolute paths, drive or stream prefixes (`C:`), backslashes, NUL bytes and
/// `..` anywhere; drops `.` and empty components.
pub fn safe_entry_components(name: &str) -> Result<Vec<&str>, &'static str> {
    if name.contains('\0') {
        return Err("NUL byte in name");
    }
    if name.contains('\\') {
        return Err("backslash in name");
    }
    if name.starts_with('/') {
        return Err("absolute path");
    }
    if name.contains(':') {
        return Err("drive or stream prefix (':')");
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("parent directory (..)"),
            p => {
                // Belt and braces: the platform must see one plain component.
                let mut comps = Path::new(p).components();
                match (comps.next(), comps.next()) {
                    (Some(Component::Normal(_)), None) => parts.push(p),
                    _ => return Err("not a plain path component"),
                }
            }
        }
    }
    if parts.is_empty() {
        return Err("empty name");
    }
    Ok(parts)
}

/// Unix file-type bits of a zip entry's mode.
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;

/// Check every entry, then unpack the zip's single top folder's contents into `staging`
/// (created here; must not exist).
fn unpack(zip_path: &Path, staging: &Path, url: &str) -> Result<(), DownloadError> {
    let bad_zip = |message: String| DownloadError::BadZip {
        url: url.to_string(),
        message,
    };
    let file = File::open(zip_path).map_err(|source| DownloadError::Io {
        path: zip_path.to_path_buf(),
        source,
    })?;
    let mut archive = ZipArchive::new(file).map_err(|e| bad_zip(e.to_string()))?;

    // Pass 1: nothing is written until every entry is known to be safe.
    struct Planned {
        index: usize,
        rel: PathBuf,
        is_dir: bool,
    }
    let mut top: Option<String> = None;
    let mut plan = Vec::with_capacity(archive.len());
    let mut declared_total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| bad_zip(format!("entry #{index}: {e}")))?;
        let name = entry.name().to_string();
        let unsafe_entry = |reason| DownloadError::UnsafeEntry {
            url: url.to_string(),
            entry: name.clone(),
            reason,
        };
        let parts = safe_entry_components(&name).map_err(unsafe_entry)?;
        if entry.enclosed_name().is_none() {
            return Err(unsafe_entry("path escapes the folder"));
        }
        if entry.is_symlink() {
            return Err(unsafe_entry("symbolic link"));
        }
        let is_dir = entry.is_dir();
        if let Some(mode) = entry.unix_mode() {
            let kind = mode & S_IFMT;
            if kind != 0 && kind != S_IFREG && kind != S_IFDIR {
                return Err(unsafe_entry("special file (device, pipe or socket)"));
            }
        }
        declared_total = declared_total.saturating_add(entry.size());
        // macOS resource-fork folders carry nothing of the dataset.
        if parts[0] == "__MACOSX" {
            continue;
        }
        match &top {
            None => top = Some(parts[0].to_string()),
            Some(t) if t == parts[0] => {}
            Some(t) => {
                return Err(DownloadError::BadLayout {
                    url: url.to_string(),
                    reason: format!(
                        "entries under more than one top folder ({t:?} and {:?})",
                        parts[0]
                    ),
                })
            }
        }
        if parts.len() == 1 {
            if is_dir {
                continue; // the top folder itself
            }
            return Err(DownloadError::BadLayout {
                url: url.to_string(),
                reason: format!("file {name:?} outside a top folder"),
            });
        }
        plan.push(Planned {
            index,
            rel: parts[1..].iter().collect(),
            is_dir,
        });
    }
    if top.is_none() {
        return Err(DownloadError::BadLayout {
            url: url.to_string(),
            reason: "the zip is empty".to_string(),
        });
    }
    if declared_total > MAX_UNPACKED_BYTES {
        return Err(bad_zip(format!(
            "unpacks to {declared_total} bytes, over the {MAX_UNPACKED_BYTES}-byte limit"
        )));
    }

    // Pass 2: write.
    let io_at = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DownloadError::Io { path, source }
    };
    fs::create_dir(staging).map_err(io_at(staging))?;
    let mut buf = vec![0u8; BUFFER_BYTES];
    let mut written: u64 = 0;
    for item in plan {
        let out = staging.join(&item.rel);
        if item.is_dir {
            fs::create_dir_all(&out).map_err(io_at(&out))?;
            continue;
        }
        if let Some(parent) = out.parent() {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        let mut entry = archive
            .by_index(item.index)
            .map_err(|e| bad_zip(format!("entry #{}: {e}", item.index)))?;
        let name = entry.name().to_string();
        let mut target = match File::create_new(&out) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(DownloadError::BadLayout {
                    url: url.to_string(),
                    reason: format!("entry {name:?} appears twice"),
                })
            }
            Err(e) => return Err(io_at(&out)(e)),
        };
        loop {
            // Reading to the end also checks the entry's CRC-32.
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(bad_zip(format!("entry {name:?}: {e}"))),
            };
            written += n as u64;
            if written > MAX_UNPACKED_BYTES {
                return Err(bad_zip(format!(
                    "unpacks to over the {MAX_UNPACKED_BYTES}-byte limit"
                )));
            }
            target.write_all(&buf[..n]).map_err(io_at(&out))?;
        }
        target.sync_all().map_err(io_at(&out))?;
    }
    Ok(())
}

/// Rename the unpacked folder to `dest`. An existing `dest` (with `force`) is moved aside
/// first and put back if the rename fails; it is deleted only once the new one is in place.
fn install(
    staging: TempPath,
    dest: &Path,
    force: bool,
    parent: &Path,
    name: &str,
) -> Result<(), DownloadError> {
    let io_at = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DownloadError::Io { path, source }
    };
    if exists(dest) {
        if !force {
            return Err(DownloadError::AlreadyExists {
                path: dest.to_path_buf(),
            });
        }
        let old = TempPath::new(unique_sibling(parent, name, "replaced"));
        fs::rename(dest, &old.path).map_err(io_at(dest))?;
        if let Err(e) = fs::rename(&staging.path, dest) {
            // Put the previous dataset back; `old` must not delete it then.
            if fs::rename(&old.path, dest).is_ok() {
                old.disarm();
            }
            return Err(io_at(dest)(e));
        }
        staging.disarm();
        // `old` is removed when dropped here.
    } else {
        fs::rename(&staging.path, dest).map_err(io_at(dest))?;
        staging.disarm();
    }
    Ok(())
}

/// A hidden, unique path in `parent` for a temporary of `name`.
fn unique_sibling(parent: &Path, name: &str, what: &str) -> PathBuf {
    parent.join(format!(
        ".{name}.{what}-{}-{:016x}",
        std::process::id(),
        fastrand::u64(..)
    ))
}

/// A temporary file or folder removed when dropped unless disarmed.
struct TempPath {
    path: PathBuf,
    armed: bool,
}

impl TempPath {
    fn new(path: PathBuf) -> Self {
        TempPath { path, armed: true }
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => {
                let _ = fs::remove_dir_all(&self.path);
            }
            Ok(_) => {
                let _ = fs::remove_file(&self.path);
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "31a303aabbc519bd33d025e44d6c2570";

    #[test]
    fn md5_bsd_form_as_grouplens_publishes() {
        let text = format!("MD5 (ml-latest-small.zip) = {HEX}\n");
        assert_eq!(
            parse_md5_file(&text, "ml-latest-small.zip").as_deref(),
            Ok(HEX)
        );
    }

    #[test]
    fn md5_gnu_forms_and_case() {
        let upper = HEX.to_ascii_uppercase();
        for text in [
            format!("{HEX}  ml-latest-small.zip\n"),
            format!("{HEX} *ml-latest-small.zip"),
            format!("{upper}  ./some/dir/ml-latest-small.zip\r\n"),
            format!("{HEX}\n"),
            format!("\u{feff}md5 (ml-latest-small.zip)= {upper}"),
        ] {
            assert_eq!(
                parse_md5_file(&text, "ml-latest-small.zip").as_deref(),
                Ok(HEX),
                "{text:?}"
            );
        }
    }

    #[test]
    fn md5_picks_the_right_file_and_rejects_garbage() {
        let other = "0e33842e24a9c977be4e0107933c0723";
        let text = format!("MD5 (ml-100k.zip) = {other}\nMD5 (ml-latest-small.zip) = {HEX}\n");
        assert_eq!(
            parse_md5_file(&text, "ml-latest-small.zip").as_deref(),
            Ok(HEX)
        );
        assert_eq!(parse_md5_file(&text, "ml-100k.zip").as_deref(), Ok(other));
        let err = parse_md5_file(&format!("MD5 (ml-100k.zip) = {other}"), "ml-1m.zip").unwrap_err();
        assert!(err.contains("ml-100k.zip"), "{err}");
        assert!(parse_md5_file("", "a.zip").is_err());
        assert!(parse_md5_file("<html>Not Found</html>", "a.zip").is_err());
        assert!(parse_md5_file("MD5 (a.zip) = 1234", "a.zip").is_err());
        assert!(parse_md5_file(&format!("MD5 (a.zip) = {}g", &HEX[..31]), "a.zip").is_err());
        assert!(parse_md5_file("MD5 a.zip 1234", "a.zip").is_err());
    }

    #[test]
    fn entry_paths_that_are_safe() {
        assert_eq!(
            safe_entry_components("ml-latest-small/ratings.csv"),
            Ok(vec!["ml-latest-small", "ratings.csv"])
        );
        assert_eq!(safe_entry_components("ml-10M100K/"), Ok(vec!["ml-10M100K"]));
        assert_eq!(
            safe_entry_components("./a//b/./c.txt"),
            Ok(vec!["a", "b", "c.txt"])
        );
        assert_eq!(safe_entry_components("a/..b/c"), Ok(vec!["a", "..b", "c"]));
    }

    #[test]
    fn entry_paths_that_are_rejected() {
        for (name, why) in [
            ("../evil", "parent directory (..)"),
            ("ml/../../evil", "parent directory (..)"),
            ("ml/..", "parent directory (..)"),
            ("/etc/passwd", "absolute path"),
            ("C:/Windows/evil", "drive or stream prefix (':')"),
            ("c:evil", "drive or stream prefix (':')"),
            ("ml\\..\\evil", "backslash in name"),
            ("ml/a\0b", "NUL byte in name"),
            ("", "empty name"),
            ("./", "empty name"),
        ] {
            assert_eq!(safe_entry_components(name), Err(why), "{name:?}");
        }
    }

    #[test]
    fn embedded_catalogue_parses_and_names_every_release() {
        let all = known_datasets().expect("embedded catalogue");
        let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
        for name in [
            "ml-latest-small",
            "ml-100k",
            "ml-1m",
            "ml-10m",
            "ml-20m",
            "ml-25m",
            "ml-32m",
            "ml-latest",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        let small = find_known("ml-latest-small").expect("ml-latest-small");
        assert_eq!(small.size, Some(994_178));
        assert_eq!(
            small.sha256.as_deref(),
            Some("859da233c6929ebc9202e9516cdefa8a3c695aef67d1878249d6036c3513c023")
        );
        let ten = find_known("ml-10m").expect("ml-10m");
        assert_eq!(ten.top_folder, "ml-10M100K");
        let latest = find_known("ml-latest").expect("ml-latest");
        assert_eq!((latest.md5, latest.sha256), (None, None));
        match find_known("ml-3m") {
            Err(DownloadError::UnknownDataset { known, .. }) => assert!(known.contains("ml-1m")),
            other => panic!("expected UnknownDataset, got {other:?}"),
        }
    }

    #[test]
    fn catalogue_rejects_bad_checksums_and_names() {
        let bad_md5 =
            "[[dataset]]\nname = \"x\"\ntitle = \"t\"\ntop_folder = \"x\"\nmd5 = \"ABC\"\n";
        assert!(parse_catalogue(bad_md5).is_err());
        let bad_name = "[[dataset]]\nname = \"../x\"\ntitle = \"t\"\ntop_folder = \"x\"\n";
        assert!(parse_catalogue(bad_name).is_err());
        let unknown_field =
            "[[dataset]]\nname = \"x\"\ntitle = \"t\"\ntop_folder = \"x\"\nsha1 = \"a\"\n";
        assert!(parse_catalogue(unknown_field).is_err());
    }

    #[test]
    fn urls_and_official_host() {
        let mut opts = DownloadOptions {
            name: "ml-1m".into(),
            base_url: format!("{DEFAULT_BASE_URL}/"),
            datasets_dir: PathBuf::from("/tmp/d"),
            force: false,
        };
        assert_eq!(
            opts.zip_url(),
            "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
        );
        assert!(opts.is_official());
        assert_eq!(opts.destination(), PathBuf::from("/tmp/d/ml-1m"));
        opts.base_url = "http://127.0.0.1:8080/x".into();
        assert!(!opts.is_official());
        assert_eq!(opts.zip_url(), "http://127.0.0.1:8080/x/ml-1m.zip");
    }

    #[test]
    fn pinned_values_apply_to_the_official_host_only() {
        let known = find_known("ml-latest-small").expect("known");
        let mut opts = DownloadOptions {
            name: known.name.clone(),
            base_url: DEFAULT_BASE_URL.into(),
            datasets_dir: PathBuf::from("/tmp/d"),
            force: false,
        };
        let official = pinned_expectation(&opts, &known);
        assert_eq!(official.size, Some(994_178));
        assert_eq!(official.md5, known.md5);
        assert_eq!(official.sha256, known.sha256);
        opts.base_url = "http://127.0.0.1:9/movielens".into();
        assert_eq!(pinned_expectation(&opts, &known), Expected::default());
        // Nothing pinned for ml-latest: its published .md5 is fetched even from GroupLens.
        let latest = find_known("ml-latest").expect("known");
        opts.base_url = DEFAULT_BASE_URL.into();
        assert_eq!(pinned_expectation(&opts, &latest), Expected::default());
    }

    #[test]
    #[cfg(unix)] // sets a folder's mtime through File::open, which Windows refuses
    fn only_stale_temporaries_of_the_same_release_are_removed() {
        let dir = std::env::temp_dir().join(format!(
            "reel-stale-test-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&dir).expect("dir");
        let old = std::time::SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
        let make_file = |name: &str, stale: bool| {
            let p = dir.join(name);
            let f = File::create(&p).expect("file");
            if stale {
                f.set_modified(old).expect("mtime");
            }
        };
        make_file(".ml-1m.zip-part-1-a", true);
        make_file(".ml-1m.zip-part-2-b", false);
        make_file(".ml-100k.zip-part-1-c", true);
        fs::create_dir(dir.join(".ml-1m.unpacking-1-d")).expect("dir");
        File::create(dir.join(".ml-1m.unpacking-1-d/x"))
            .expect("file")
            .set_modified(old)
            .expect("mtime");
        File::open(dir.join(".ml-1m.unpacking-1-d"))
            .expect("open dir")
            .set_modified(old)
            .expect("dir mtime");
        fs::create_dir(dir.join(".ml-1m.replaced-1-e")).expect("dir");
        File::open(dir.join(".ml-1m.replaced-1-e"))
            .expect("open dir")
            .set_modified(old)
            .expect("dir mtime");
        remove_stale_temporaries(&dir, "ml-1m");
        let mut left: Vec<String> = fs::read_dir(&dir)
            .expect("read")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(
            left,
            vec![
                ".ml-100k.zip-part-1-c",
                ".ml-1m.replaced-1-e",
                ".ml-1m.zip-part-2-b"
            ]
        );
    }

    /// Serve one canned response per connection on 127.0.0.1; returns the URL.
    fn one_shot_server(response: Vec<u8>) -> String {
        use std::io::BufRead;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            if let Some(Ok(mut stream)) = listener.incoming().next() {
                let mut reader = io::BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = stream.write_all(&response);
            }
        });
        format!("http://127.0.0.1:{port}/x.zip")
    }

    #[test]
    fn size_mismatch_is_reported_before_or_after_reading() {
        let dir = std::env::temp_dir().join(format!(
            "reel-size-test-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&dir).expect("dir");
        let agent = ureq::agent();
        // Announced length differs from the pinned size: rejected before reading.
        let url = one_shot_server(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789"
                .to_vec(),
        );
        let before = fetch_to_file(
            &agent,
            &url,
            &dir.join("a"),
            Some(11),
            false,
            &mut |_, _| {},
        );
        // No length announced: the count is checked once the body ends.
        let url =
            one_shot_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789".to_vec());
        let fetched = fetch_to_file(
            &agent,
            &url,
            &dir.join("b"),
            Some(11),
            false,
            &mut |_, _| {},
        );
        let _ = fs::remove_dir_all(&dir);
        match before {
            Err(DownloadError::SizeMismatch { expected, got, .. }) => {
                assert_eq!((expected, got), (11, 10))
            }
            Err(e) => panic!("expected SizeMismatch, got {e}"),
            Ok(_) => panic!("expected SizeMismatch, got a body"),
        }
        match fetched {
            Err(DownloadError::SizeMismatch { expected, got, .. }) => {
                assert_eq!((expected, got), (11, 10))
            }
            Err(e) => panic!("expected SizeMismatch, got {e}"),
            Ok(_) => panic!("expected SizeMismatch, got a body"),
        }
        // Without a pinned size the same body is accepted (its checksum decides).
        let url =
            one_shot_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789".to_vec());
        let path = dir.join("c");
        fs::create_dir_all(&dir).expect("dir");
        let fetched = fetch_to_file(&agent, &url, &path, None, true, &mut |_, _| {});
        let written = fs::read(&path).ok();
        let _ = fs::remove_dir_all(&dir);
        let fetched = fetched.expect("body without length");
        assert_eq!(written.as_deref(), Some(&b"0123456789"[..]));
        assert_eq!(fetched.md5, hex(&Md5::digest(b"0123456789")));
        assert_eq!(fetched.sha256, Some(hex(&Sha256::digest(b"0123456789"))));
    }

    #[test]
    fn hex_matches_known_digest() {
        // RFC 1321 test vector.
        assert_eq!(
            hex(&Md5::digest(b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
    }
}
