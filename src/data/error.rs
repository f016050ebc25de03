//! Errors of the data layer. Each names the file and, for bad rows, the line and text.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("no MovieLens dataset in {dir}: expected ratings.csv + movies.csv (ml-latest, ml-20m, ml-25m, ml-32m), ratings.dat + movies.dat (ml-1m, ml-10m) or u.data + u.item (ml-100k)")]
    NoDataset { dir: PathBuf },

    #[error("{file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{file}:{line}: {problem}: {text:?}")]
    Malformed {
        file: PathBuf,
        line: u64,
        problem: String,
        /// The offending row (shortened if very long).
        text: String,
    },

    #[error("{file}:{line}: unexpected header {found:?}, expected {expected:?}")]
    BadHeader {
        file: PathBuf,
        line: u64,
        found: String,
        expected: String,
    },

    #[error("{file}: {problem}")]
    Invalid { file: PathBuf, problem: String },
}

impl DataError {
    pub fn io(file: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            file: file.into(),
            source,
        }
    }
}

/// Shortens a row for an error message.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end_matches(['\r', '\n']);
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}
