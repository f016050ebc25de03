//! Trained models on disk, so a later start loads in the time it takes to read the
//! bytes instead of training again.
//!
//! One file per (dataset, model): `<cache>/models/<name>-<dataset key>.bin`. Layout:
//! `REELMODL` magic, `u32` format version, `u64` length and `u32` CRC-32 of the
//! postcard-encoded [`Head`], the head, then the model's postcard encoding. The head
//! names the model, its configuration, the crate version and the dataset key; the body
//! has its own length and CRC-32. A stale (other dataset, configuration or version),
//! truncated or corrupt file is never trusted: the caller retrains and rewrites it.
//! Files are written to a temporary name, fsynced and renamed, so a crash mid-write
//! leaves the old file or none.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::registry;
use super::Model;
use crate::data::RatingMatrix;

const MAGIC: &[u8; 8] = b"REELMODL";
/// Bump when the file layout changes (model types are covered by the crate version).
pub const FORMAT_VERSION: u32 = 2;

/// Identifies the training data: sizes and a CRC-32 over the user-side arrays.
/// Content-based, so a copied or touched dataset folder still finds its models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetKey {
    pub n_users: u64,
    pub n_items: u64,
    pub nnz: u64,
    pub crc: u32,
}

impl DatasetKey {
    pub fn of(m: &RatingMatrix) -> Self {
        let p = m.parts();
        let mut h = crc32fast::Hasher::new();
        // usize pointers hashed as u64 so the key is the same on every 64-bit target.
        for &x in p.user_ptr {
            h.update(&(x as u64).to_le_bytes());
        }
        h.update(bytemuck::cast_slice(p.user_items));
        h.update(bytemuck::cast_slice(p.user_values));
        DatasetKey {
            n_users: p.n_users as u64,
            n_items: p.n_items as u64,
            nnz: p.user_items.len() as u64,
            crc: h.finalize(),
        }
    }

    fn short(&self) -> String {
        format!("{:08x}{:x}", self.crc, self.nnz)
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Head {
    model: String,
    config: String,
    crate_version: String,
    dataset: DatasetKey,
    body_len: u64,
    body_crc: u32,
}

impl Head {
    fn expected(name: &str, key: &DatasetKey) -> Self {
        Head {
            model: name.to_string(),
            config: registry::config_key(name),
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            dataset: *key,
            body_len: 0,
            body_crc: 0,
        }
    }
}

/// Why a saved model was not used.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreStatus {
    /// No file.
    Absent,
    /// A file that is stale, truncated or damaged (why).
    Rejected(String),
}

/// Saving failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("model {0} cannot be saved")]
    NotSavable(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("encoding the model: {0}")]
    Encode(String),
}

/// The snapshot file of model `name` trained on dataset `key`.
pub fn file_for(dir: &Path, key: &DatasetKey, name: &str) -> PathBuf {
    let safe = crate::paths::file_stem_safe(name);
    dir.join(format!("{safe}-{}.bin", key.short()))
}

/// Large numeric arrays as raw little-endian bytes (`#[serde(with = "pod")]`): written
/// as one byte string and read back with one copy, instead of element by element, so a
/// saved model loads in about the time its bytes take to read. `usize` arrays are
/// stored as `u64`, so the files are the same on every 64-bit target.
pub mod pod {
    use serde::de::{Deserializer, Visitor};
    use serde::Serializer;

    pub fn serialize<T: bytemuck::Pod, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytemuck::cast_slice(v))
    }

    pub fn deserialize<'de, T: bytemuck::Pod, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        struct Bytes<T>(std::marker::PhantomData<T>);
        impl<T: bytemuck::Pod> Visitor<'_> for Bytes<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string of whole array elements")
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Vec<T>, E> {
                let size = std::mem::size_of::<T>().max(1);
                if b.len() % size != 0 {
                    return Err(E::custom(format!(
                        "{} bytes is not a whole number of {size}-byte elements",
                        b.len()
                    )));
                }
                // Copies into a properly aligned vector (the input may be unaligned).
                Ok(bytemuck::pod_collect_to_vec(b))
            }
        }
        d.deserialize_bytes(Bytes(std::marker::PhantomData))
    }

    /// `usize` arrays (CSR row pointers), stored as `u64`.
    pub mod usizes {
        use serde::{Deserializer, Serializer};

        pub fn serialize<S: Serializer>(v: &[usize], s: S) -> Result<S::Ok, S::Error> {
            let wide: Vec<u64> = v.iter().map(|&x| x as u64).collect();
            super::serialize(&wide, s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<usize>, D::Error> {
            let wide: Vec<u64> = super::deserialize(d)?;
            wide.into_iter()
                .map(|x| usize::try_from(x).map_err(serde::de::Error::custom))
                .collect()
        }
    }
}

/// Encodes a model's parameters (used by the models' [`Model::snapshot`]).
pub fn encode<T: Serialize>(model: &T) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(model).map_err(|e| e.to_string())
}

/// Decodes what [`encode`] wrote.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

/// Writes `model` (registry name `name`, trained on `key`) to `path` atomically.
pub fn save(
    path: &Path,
    key: &DatasetKey,
    name: &str,
    model: &dyn Model,
) -> Result<(), StoreError> {
    let body = model
        .snapshot()
        .ok_or_else(|| StoreError::NotSavable(name.to_string()))?
        .map_err(StoreError::Encode)?;
    let head = Head {
        body_len: body.len() as u64,
        body_crc: crc32fast::hash(&body),
        ..Head::expected(name, key)
    };
    let head_bytes = postcard::to_stdvec(&head).map_err(|e| StoreError::Encode(e.to_string()))?;
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&FORMAT_VERSION.to_le_bytes())?;
        f.write_all(&(head_bytes.len() as u64).to_le_bytes())?;
        f.write_all(&crc32fast::hash(&head_bytes).to_le_bytes())?;
        f.write_all(&head_bytes)?;
        f.write_all(&body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// Loads model `name` trained on `key` from `path`, checking everything first.
pub fn load(path: &Path, key: &DatasetKey, name: &str) -> Result<Box<dyn Model>, StoreStatus> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreStatus::Absent),
        Err(e) => return Err(StoreStatus::Rejected(format!("{}: {e}", path.display()))),
    };
    read_checked(&mut f, key, name).map_err(StoreStatus::Rejected)
}

fn read_checked(f: &mut File, key: &DatasetKey, name: &str) -> Result<Box<dyn Model>, String> {
    let mut fixed = [0u8; 8 + 4 + 8 + 4];
    f.read_exact(&mut fixed)
        .map_err(|_| "truncated header".to_string())?;
    if &fixed[..8] != MAGIC {
        return Err("not a reel model file".into());
    }
    let version = u32::from_le_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, expected {FORMAT_VERSION}"
        ));
    }
    let mut len8 = [0u8; 8];
    len8.copy_from_slice(&fixed[12..20]);
    let head_len = u64::from_le_bytes(len8);
    let head_crc = u32::from_le_bytes([fixed[20], fixed[21], fixed[22], fixed[23]]);
    let file_len = f.metadata().map_err(|e| e.to_string())?.len();
    if head_len > file_len {
        return Err("truncated head".into());
    }
    let mut head_bytes = vec![0u8; head_len as usize];
    f.read_exact(&mut head_bytes)
        .map_err(|_| "truncated head".to_string())?;
    if crc32fast::hash(&head_bytes) != head_crc {
        return Err("head checksum mismatch".into());
    }
    let head: Head = postcard::from_bytes(&head_bytes).map_err(|e| format!("head: {e}"))?;
    let want = Head::expected(name, key);
    if head.model != want.model {
        return Err(format!("holds model {}, not {name}", head.model));
    }
    if head.dataset != want.dataset {
        return Err("trained on other data".into());
    }
    if head.config != want.config || head.crate_version != want.crate_version {
        return Err("trained with other settings or another reel version".into());
    }
    let expected_len = fixed.len() as u64 + head_len + head.body_len;
    if file_len != expected_len {
        return Err(format!(
            "size {file_len} bytes, expected {expected_len} (truncated or appended to)"
        ));
    }
    let mut body = vec![0u8; head.body_len as usize];
    f.read_exact(&mut body)
        .map_err(|_| "truncated body".to_string())?;
    if crc32fast::hash(&body) != head.body_crc {
        return Err("body checksum mismatch".into());
    }
    registry::from_snapshot(name, &body)
}
