//! The binary snapshot of a loaded dataset, kept in the cache directory and reused
//! while the source files are unchanged.
//!
//! File layout (native byte order, little-endian on every platform reel targets):
//! `REELDSET` magic, `u32` format version, `u64` length and `u32` CRC-32 of the
//! postcard-encoded [`Head`] (fingerprint, sizes, CRCs of what follows), the head, the
//! postcard-encoded [`Body`] (catalogue, users, tags, report), then the seven matrix
//! arrays back to back. The body and the arrays are read in parallel, each checked
//! against its own CRC-32.
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
pub const FORMAT_VERSION: u32 = 2;

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

/// Small, read first: enough to decide whether the snapshot is fresh, and where
/// everything else is.
#[derive(Serialize, Deserialize)]
struct Head {
    fingerprint: Fingerprint,
    layout: Layout,
    scale: RatingScale,
    n_users: u64,
    n_items: u64,
    nnz: u64,
    body_len: u64,
    body_crc: u32,
    /// CRC-32 of each matrix array, in file order.
    array_crcs: Vec<u32>,
}

/// The structured part: catalogue, users, tags, report.
#[derive(Serialize, Deserialize)]
struct Body {
    catalogue: Catalogue,
    user_ids: Vec<u32>,
    tags: Vec<Tag>,
    report: LoadReport,
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
    let name = crate::paths::file_stem_safe(
        &canonical
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dataset".into()),
    );
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
    read_from(path, file, fingerprint).map_err(Miss::Stale)
}

/// One matrix array's place in the file.
struct Section {
    offset: u64,
    len: usize,
    crc: u32,
}

/// Reads a little-endian array of `T` from its own file handle (so sections load in parallel).
fn read_section<T: bytemuck::Pod>(path: &Path, s: &Section) -> Result<Vec<T>, String> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).map_err(|e| format!("cannot reopen: {e}"))?;
    file.seek(SeekFrom::Start(s.offset))
        .map_err(|e| format!("cannot seek: {e}"))?;
    let mut v = vec![T::zeroed(); s.len];
    file.read_exact(bytemuck::cast_slice_mut(&mut v))
        .map_err(|e| format!("truncated or unreadable: {e}"))?;
    if crc32fast::hash(bytemuck::cast_slice(&v)) != s.crc {
        return Err("checksum mismatch in the rating arrays".into());
    }
    Ok(v)
}

fn read_from(path: &Path, file: File, fingerprint: &Fingerprint) -> Result<Dataset, String> {
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut r = std::io::BufReader::new(file);
    let mut fixed = [0u8; 8 + 4 + 8 + 4];
    r.read_exact(&mut fixed)
        .map_err(|_| "shorter than its header".to_string())?;
    if &fixed[..8] != MAGIC {
        return Err("not a reel dataset snapshot".into());
    }
    let word =
        |at: usize| u32::from_le_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]]);
    let version = word(8);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, expected {FORMAT_VERSION}"
        ));
    }
    let mut len8 = [0u8; 8];
    len8.copy_from_slice(&fixed[12..20]);
    let head_len = u64::from_le_bytes(len8);
    let head_crc = word(20);
    if head_len > file_len {
        return Err("header length exceeds file size".into());
    }
    let mut head_bytes = vec![0u8; head_len as usize];
    r.read_exact(&mut head_bytes)
        .map_err(|_| "truncated header".to_string())?;
    if crc32fast::hash(&head_bytes) != head_crc {
        return Err("checksum mismatch in the header".into());
    }
    let head: Head =
        postcard::from_bytes(&head_bytes).map_err(|e| format!("header undecodable: {e}"))?;
    if &head.fingerprint != fingerprint {
        return Err("source files changed since the snapshot".into());
    }
    let (n_users, n_items, nnz) = (
        head.n_users as usize,
        head.n_items as usize,
        head.nnz as usize,
    );
    let body_at = fixed.len() as u64 + head_len;
    let lens = [n_users + 1, nnz, nnz, nnz, n_items + 1, nnz, nnz];
    let widths = [8u64, 4, 4, 8, 8, 4, 4];
    if head.array_crcs.len() != lens.len() {
        return Err("header lists the wrong number of arrays".into());
    }
    let mut offset = body_at + head.body_len;
    let mut sections = Vec::with_capacity(lens.len());
    for k in 0..lens.len() {
        sections.push(Section {
            offset,
            len: lens[k],
            crc: head.array_crcs[k],
        });
        offset += lens[k] as u64 * widths[k];
    }
    // Guard allocations against a damaged header before trusting the sizes.
    if offset != file_len {
        return Err(format!(
            "file is {file_len} bytes, the header describes {offset}"
        ));
    }
    let body_len = head.body_len as usize;
    let read_body = || -> Result<Body, String> {
        let mut bytes = vec![0u8; body_len];
        r.read_exact(&mut bytes)
            .map_err(|_| "truncated body".to_string())?;
        if crc32fast::hash(&bytes) != head.body_crc {
            return Err("checksum mismatch in the catalogue".into());
        }
        postcard::from_bytes(&bytes).map_err(|e| format!("catalogue undecodable: {e}"))
    };
    type Arrays = (
        Vec<u64>,
        Vec<u32>,
        Vec<f32>,
        Vec<i64>,
        Vec<u64>,
        Vec<u32>,
        Vec<f32>,
    );
    let read_arrays = || -> Result<Arrays, String> {
        let s = &sections;
        let ((a, b), (c, d)) = rayon::join(
            || {
                rayon::join(
                    || read_section::<u64>(path, &s[0]),
                    || read_section::<u32>(path, &s[1]),
                )
            },
            || {
                rayon::join(
                    || read_section::<f32>(path, &s[2]),
                    || read_section::<i64>(path, &s[3]),
                )
            },
        );
        let ((e, f), g) = rayon::join(
            || {
                rayon::join(
                    || read_section::<u64>(path, &s[4]),
                    || read_section::<u32>(path, &s[5]),
                )
            },
            || read_section::<f32>(path, &s[6]),
        );
        Ok((a?, b?, c?, d?, e?, f?, g?))
    };
    let (body, arrays) = rayon::join(read_body, read_arrays);
    let body = body?;
    let (user_ptr, user_items, user_values, user_times, item_ptr, item_users, item_values) =
        arrays?;
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
    if body.user_ids.len() != n_users || body.catalogue.len() != n_items {
        return Err("catalogue and matrix disagree".into());
    }
    let mut catalogue = body.catalogue;
    catalogue.reindex();
    Ok(Dataset {
        layout: head.layout,
        source: PathBuf::new(),
        scale: head.scale,
        catalogue,
        user_ids: body.user_ids,
        ratings,
        tags: body.tags,
        report: body.report,
        cache: CacheStatus::Disabled,
    })
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
    let encode_error = |e: postcard::Error| DataError::Invalid {
        file: tmp.to_path_buf(),
        problem: format!("cannot encode snapshot: {e}"),
    };
    let p = ds.ratings.parts();
    let user_ptr: Vec<u64> = p.user_ptr.iter().map(|&x| x as u64).collect();
    let item_ptr: Vec<u64> = p.item_ptr.iter().map(|&x| x as u64).collect();
    let arrays: [&[u8]; 7] = [
        bytemuck::cast_slice(&user_ptr),
        bytemuck::cast_slice(p.user_items),
        bytemuck::cast_slice(p.user_values),
        bytemuck::cast_slice(p.user_times),
        bytemuck::cast_slice(&item_ptr),
        bytemuck::cast_slice(p.item_users),
        bytemuck::cast_slice(p.item_values),
    ];
    let body = postcard::to_stdvec(&Body {
        catalogue: ds.catalogue.clone(),
        user_ids: ds.user_ids.clone(),
        tags: ds.tags.clone(),
        report: ds.report.clone(),
    })
    .map_err(encode_error)?;
    let head = postcard::to_stdvec(&Head {
        fingerprint: fingerprint.clone(),
        layout: ds.layout,
        scale: ds.scale,
        n_users: p.n_users as u64,
        n_items: p.n_items as u64,
        nnz: p.user_items.len() as u64,
        body_len: body.len() as u64,
        body_crc: crc32fast::hash(&body),
        array_crcs: arrays.iter().map(|a| crc32fast::hash(a)).collect(),
    })
    .map_err(encode_error)?;
    let file = File::create(tmp).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&FORMAT_VERSION.to_le_bytes()).map_err(io)?;
    w.write_all(&(head.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.write_all(&crc32fast::hash(&head).to_le_bytes())
        .map_err(io)?;
    w.write_all(&head).map_err(io)?;
    w.write_all(&body).map_err(io)?;
    for a in arrays {
        w.write_all(a).map_err(io)?;
    }
    let file = w.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}
