//! Reading `--train FILE --test FILE`: `userId,movieId,rating,timestamp` CSVs with a
//! header (the MovieLens `ratings.csv` format; `timestamp` may be absent), mapped
//! through one id space shared by all files so dense indices agree between them.
//!
//! This is a small stand-alone reader for evaluation files; the main MovieLens
//! loader lives in [`crate::data`].

use crate::data::{Rating, RatingMatrix};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Why a rating file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: line {line}: {message}", path.display())]
    Row {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{}: no ratings", path.display())]
    Empty { path: PathBuf },
}

#[derive(Debug, serde::Deserialize)]
struct Row {
    #[serde(rename = "userId")]
    user_id: u32,
    #[serde(rename = "movieId")]
    movie_id: u32,
    rating: f32,
    #[serde(default)]
    timestamp: Option<i64>,
}

/// One raw rating with MovieLens ids.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawRating {
    pub user_id: u32,
    pub movie_id: u32,
    pub value: f32,
    pub time: i64,
}

/// Reads one rating CSV. Errors name the file and line.
pub fn read_ratings_csv(path: &Path) -> Result<Vec<RawRating>, FileError> {
    let file = std::fs::File::open(path).map_err(|source| FileError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let mut out = Vec::new();
    for (k, row) in reader.deserialize::<Row>().enumerate() {
        let row_err = |line: Option<u64>, message: String| FileError::Row {
            path: path.to_path_buf(),
            line: line.unwrap_or(k as u64 + 2),
            message,
        };
        let row = row.map_err(|e| row_err(e.position().map(|p| p.line()), e.to_string()))?;
        if !row.rating.is_finite() {
            return Err(row_err(
                None,
                format!("rating {} is not a number", row.rating),
            ));
        }
        out.push(RawRating {
            user_id: row.user_id,
            movie_id: row.movie_id,
            value: row.rating,
            time: row.timestamp.unwrap_or(0),
        });
    }
    if out.is_empty() {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// Sorted MovieLens ids of the users and movies of several rating sets.
#[derive(Debug, Clone, PartialEq)]
pub struct IdSpace {
    pub user_ids: Vec<u32>,
    pub movie_ids: Vec<u32>,
}

impl IdSpace {
    pub fn from_sets(sets: &[&[RawRating]]) -> IdSpace {
        let users: BTreeSet<u32> = sets
            .iter()
            .flat_map(|s| s.iter().map(|r| r.user_id))
            .collect();
        let movies: BTreeSet<u32> = sets
            .iter()
            .flat_map(|s| s.iter().map(|r| r.movie_id))
            .collect();
        IdSpace {
            user_ids: users.into_iter().collect(),
            movie_ids: movies.into_iter().collect(),
        }
    }

    /// Dense ratings; `None` for an id not in this space.
    pub fn to_dense(&self, r: &RawRating) -> Option<Rating> {
        Some(Rating {
            user: self.user_ids.binary_search(&r.user_id).ok()? as u32,
            item: self.movie_ids.binary_search(&r.movie_id).ok()? as u32,
            value: r.value,
            time: r.time,
        })
    }
}

/// A train/test pair read from files, in one dense id space.
#[derive(Debug, Clone)]
pub struct FileSplit {
    pub ids: IdSpace,
    pub train: RatingMatrix,
    /// Test ratings sorted by user then item; a repeated pair keeps the latest.
    pub test: Vec<Rating>,
    /// Repeated (user, movie) pairs merged in train and in test.
    pub train_duplicates: usize,
    pub test_duplicates: usize,
}

/// Reads `train` and `test` CSVs into one id space.
pub fn read_train_test(train: &Path, test: &Path) -> Result<FileSplit, FileError> {
    let train_raw = read_ratings_csv(train)?;
    let test_raw = read_ratings_csv(test)?;
    let ids = IdSpace::from_sets(&[&train_raw, &test_raw]);
    let dense =
        |raw: &[RawRating]| -> Vec<Rating> { raw.iter().filter_map(|r| ids.to_dense(r)).collect() };
    let (n_users, n_items) = (ids.user_ids.len(), ids.movie_ids.len());
    let (train_m, train_duplicates) =
        RatingMatrix::from_ratings(n_users, n_items, dense(&train_raw));
    let (test_m, test_duplicates) = RatingMatrix::from_ratings(n_users, n_items, dense(&test_raw));
    Ok(FileSplit {
        ids,
        train: train_m,
        test: test_m.iter().collect(),
        train_duplicates,
        test_duplicates,
    })
}

/// Reads one rating CSV as a matrix in its own id space (e.g. a whole `ratings.csv`).
pub fn read_matrix(path: &Path) -> Result<(IdSpace, RatingMatrix), FileError> {
    let raw = read_ratings_csv(path)?;
    let ids = IdSpace::from_sets(&[&raw]);
    let dense: Vec<Rating> = raw.iter().filter_map(|r| ids.to_dense(r)).collect();
    let (m, _) = RatingMatrix::from_ratings(ids.user_ids.len(), ids.movie_ids.len(), dense);
    Ok((ids, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        p
    }

    #[test]
    fn shared_id_space_across_train_and_test() {
        let dir = tempfile::tempdir().unwrap();
        let train = write(
            dir.path(),
            "train.csv",
            "userId,movieId,rating,timestamp\r\n5,100,4.0,10\r\n9,300,2.5,11\r\n5,300,3.0,12\r\n",
        );
        let test = write(
            dir.path(),
            "test.csv",
            "userId,movieId,rating,timestamp\n7,100,5.0,1\n5,200,1.0,2\n5,200,2.0,3\n",
        );
        let s = read_train_test(&train, &test).unwrap();
        assert_eq!(s.ids.user_ids, vec![5, 7, 9]);
        assert_eq!(s.ids.movie_ids, vec![100, 200, 300]);
        assert_eq!(s.train.n_users(), 3);
        assert_eq!(s.train.n_items(), 3);
        assert_eq!(s.train.get(0, 2), Some(3.0));
        assert_eq!(s.train.user_count(1), 0);
        assert_eq!(s.test_duplicates, 1);
        assert_eq!(s.test.len(), 2);
        assert_eq!(
            (s.test[0].user, s.test[0].item, s.test[0].value),
            (0, 1, 2.0)
        );
        assert_eq!((s.test[1].user, s.test[1].item), (1, 0));
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "bad.csv",
            "userId,movieId,rating,timestamp\n1,2,3.0,4\n1,x,3.0,4\n",
        );
        let msg = read_ratings_csv(&p).unwrap_err().to_string();
        assert!(msg.contains("bad.csv") && msg.contains("line 3"), "{msg}");
        let p = write(dir.path(), "empty.csv", "userId,movieId,rating,timestamp\n");
        assert!(matches!(read_ratings_csv(&p), Err(FileError::Empty { .. })));
        let missing = dir.path().join("missing.csv");
        assert!(matches!(
            read_ratings_csv(&missing),
            Err(FileError::Open { .. })
        ));
        let p = write(dir.path(), "nan.csv", "userId,movieId,rating\n1,2,NaN\n");
        let msg = read_ratings_csv(&p).unwrap_err().to_string();
        assert!(msg.contains("line 2"), "{msg}");
    }
}
