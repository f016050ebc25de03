//! The binary snapshot of a loaded dataset, kept in the cache directory and reused
//! while the source files are unchanged.
//!
//! File layout (little-endian):
//! `REELDSET` magic, `u32` format version, `u64` length of the postcard-encoded
//! [`Meta`] (fingerprint, catalogue, users, tags, report), the meta bytes, then the
//! seven matrix arrays back to back, then a CRC-32 of everything after the version.
//! A file that is stale (fingerprint differs), truncated, or fails the CRC or the
//! matrix invariants is never trusted: the dataset is parsed again and the file rewritten.

use super::error::DataError;
use super::matrix::{RatingMatrix, RatingMatrixParts};
use super::{Catalogue, Dataset, Layout, LoadReport, RatingScale, Tag};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

const MAGIC: &[u8; 8] = b"REELDSET";
/// Bump when the file layout or any cached type changes.
pub const FORMAT_VERSION: u32 = 1;

/// How the dataset came to be (not part of the snapshot itself).
#[derive(Debug, Clone, PartialEq)]
pub enum CacheStatus {
    /// No cache directory (or `CacheMode::Off`).
    Disabled,
    /// Loaded from a fresh snapshot.
    Hit(PathBuf),
    /// Parsed the sources and wrote a first snapshot.
    Written(PathBuf),
    /// The snapshot was stale or damaged (why); parsed and rewrote it.
    Rebuilt(PathBuf, String),
    /// Parsed the sources; writing the snapshot failed (why). Loading still succeeded.
    WriteFailed(String),
}

/// What the snapshot was made from: each source file's name, size and mtime, plus
/// the options that change the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub files: Vec<(String, u64, u64, u32)>,
    pub lenient: bool,
}

impl Fingerprint {
    pub fn of(files: &[PathBuf], lenient: bool) -> Result<Self, DataError> {
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let meta = std::fs::metadata(f).map_err(|e| DataError::io(f, e))?;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .unwrap_or_default();
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, meta.len(), mtime.as_secs(), mtime.subsec_nanos()));
        }
        Ok(Fingerprint {
            files: out,
            lenient,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Meta {
    fingerprint: Fingerprint,
    layout: Layout,
    scale: RatingScale,
    catalogue: Catalogue,
    user_ids: Vec<u32>,
    tags: Vec<Tag>,
    report: LoadReport,
    n_users: u64,
    n_items: u64,
    nnz: u64,
}

/// Why a snapshot was not used.
#[derive(Debug)]
pub enum Miss {
    Absent,
    Stale(String),
}

/// The snapshot file for a dataset folder inside `cache_dir`.
pub fn file_for(cache_dir: &Path, dataset_dir: &Path) -> PathBuf {
    let canonical = dataset_dir
        .canonicalize()
        .unwrap_or_else(|_| dataset_dir.to_path_buf());
    let key = crc32fast::hash(canonical.to_string_lossy().as_bytes());
    let name: String = canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cache_dir
        .join("datasets")
        .join(format!("{name}-{key:08x}.bin"))
}

/// Reads a snapshot if it exists, is intact and matches `fingerprint`.
pub fn read(path: &Path, fingerprint: &Fingerprint) -> Result<Dataset, Miss> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Miss::Absent),
        Err(e) => return Err(Miss::Stale(format!("cannot open: {e}"))),
    };
    read_from(file, fingerprint).map_err(Miss::Stale)
}

struct CrcReader<R> {
    inner: R,
    crc: crc32fast::Hasher,
}

impl<R: Read> CrcReader<R> {
    fn exact(&mut self, buf: &mut [u8]) -> Result<(), String> {
        self.inner
            .read_exact(buf)
            .map_err(|e| format!("truncated or unreadable: {e}"))?;
        self.crc.update(buf);
        Ok(())
    }
    fn u64(&mut self) -> Result<u64, String> {
        let mut b = [0u8; 8];
        self.exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn array<T: bytemuck::Pod>(&mut self, len: usize) -> Result<Vec<T>, String> {
        let mut v = vec![T::zeroed(); len];
        self.exact(bytemuck::cast_slice_mut(&mut v))?;
        Ok(v)
    }
}

fn read_from(file: File, fingerprint: &Fingerprint) -> Result<Dataset, String> {
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let mut head = [0u8; 12];
    r.read_exact(&mut head)
        .map_err(|_| "shorter than its header".to_string())?;
    if &head[..8] != MAGIC {
        return Err("not a reel dataset snapshot".into());
    }
    let version = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, expected {FORMAT_VERSION}"
        ));
    }
    let mut r = CrcReader {
        inner: r,
        crc: crc32fast::Hasher::new(),
    };
    let meta_len = r.u64()?;
    if meta_len > file_len {
        return Err("meta length exceeds file size".into());
    }
    let mut meta_bytes = vec![0u8; meta_len as usize];
    r.exact(&mut meta_bytes)?;
    let meta: Meta =
        postcard::from_bytes(&meta_bytes).map_err(|e| format!("meta undecodable: {e}"))?;
    drop(meta_bytes);
    if &meta.fingerprint != fingerprint {
        return Err("source files changed since the snapshot".into());
    }
    let (n_users, n_items, nnz) = (
        meta.n_users as usize,
        meta.n_items as usize,
        meta.nnz as usize,
    );
    // Guard allocations against a damaged header before trusting the sizes.
    let needed = (n_users + n_items + 2) as u64 * 8 + meta.nnz * (4 + 4 + 8 + 4 + 4);
    if needed > file_len {
        return Err("array sizes exceed file size".into());
    }
    let user_ptr: Vec<u64> = r.array(n_users + 1)?;
    let user_items: Vec<u32> = r.array(nnz)?;
    let user_values: Vec<f32> = r.array(nnz)?;
    let user_times: Vec<i64> = r.array(nnz)?;
    let item_ptr: Vec<u64> = r.array(n_items + 1)?;
    let item_users: Vec<u32> = r.array(nnz)?;
    let item_values: Vec<f32> = r.array(nnz)?;
    let expected = r.crc.clone().finalize();
    let mut tail = [0u8; 4];
    r.inner
        .read_exact(&mut tail)
        .map_err(|_| "truncated before its checksum".to_string())?;
    if u32::from_le_bytes(tail) != expected {
        return Err("checksum mismatch".into());
    }
    let to_usize = |v: Vec<u64>| -> Result<Vec<usize>, String> {
        v.into_iter()
            .map(|x| usize::try_from(x).map_err(|_| "offset overflow".to_string()))
            .collect()
    };
    let ratings = RatingMatrix::from_parts(RatingMatrixParts {
        n_users,
        n_items,
        user_ptr: to_usize(user_ptr)?,
        user_items,
        user_values,
        user_times,
        item_ptr: to_usize(item_ptr)?,
        item_users,
        item_values,
    })
    .map_err(|e| e.to_string())?;
    if meta.user_ids.len() != n_users || meta.catalogue.len() != n_items {
        return Err("meta and matrix disagree".into());
    }
    let mut catalogue = meta.catalogue;
    catalogue.reindex();
    Ok(Dataset {
        layout: meta.layout,
        source: PathBuf::new(),
        scale: meta.scale,
        catalogue,
        user_ids: meta.user_ids,
        ratings,
        tags: meta.tags,
        report: meta.report,
        cache: CacheStatus::Disabled,
    })
}

struct CrcWriter<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> CrcWriter<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.crc.update(bytes);
        self.inner.write_all(bytes)
    }
}

/// Writes a snapshot atomically (temporary file, then rename).
pub fn write(path: &Path, fingerprint: &Fingerprint, ds: &Dataset) -> Result<(), DataError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = write_to(&tmp, fingerprint, ds)
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| DataError::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_to(tmp: &Path, fingerprint: &Fingerprint, ds: &Dataset) -> Result<(), DataError> {
    let io = |e| DataError::io(tmp, e);
    let p = ds.ratings.parts();
    let meta = Meta {
        fingerprint: fingerprint.clone(),
        layout: ds.layout,
        scale: ds.scale,
        catalogue: ds.catalogue.clone(),
        user_ids: ds.user_ids.clone(),
        tags: ds.tags.clone(),
        report: ds.report.clone(),
        n_users: p.n_users as u64,
        n_items: p.n_items as u64,
        nnz: p.user_items.len() as u64,
    };
    let meta_bytes = postcard::to_stdvec(&meta).map_err(|e| DataError::Invalid {
        file: tmp.to_path_buf(),
        problem: format!("cannot encode snapshot: {e}"),
    })?;
    let file = File::create(tmp).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&FORMAT_VERSION.to_le_bytes()).map_err(io)?;
    let mut w = CrcWriter {
        inner: w,
        crc: crc32fast::Hasher::new(),
    };
    let ptr64 = |v: &[usize]| -> Vec<u64> { v.iter().map(|&x| x as u64).collect() };
    w.put(&(meta_bytes.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.put(&meta_bytes).map_err(io)?;
    w.put(bytemuck::cast_slice(&ptr64(p.user_ptr)))
        .map_err(io)?;
    w.put(bytemuck::cast_slice(p.user_items)).map_err(io)?;
    w.put(bytemuck::cast_slice(p.user_values)).map_err(io)?;
    w.put(bytemuck::cast_slice(p.user_times)).map_err(io)?;
    w.put(bytemuck::cast_slice(&ptr64(p.item_ptr)))
        .map_err(io)?;
    w.put(bytemuck::cast_slice(p.item_users)).map_err(io)?;
    w.put(bytemuck::cast_slice(p.item_values)).map_err(io)?;
    let crc = w.crc.finalize();
    let mut inner = w.inner;
    inner.write_all(&crc.to_le_bytes()).map_err(io)?;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}
