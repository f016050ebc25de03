//! Accounts, ratings, watchlist and not-interested marks in SQL: SQLite (embedded, the
//! default) or PostgreSQL (shared by several replicas), through one code path on sqlx's
//! Any driver. Queries use `$n` parameters and `ON CONFLICT`, which both accept.
//!
//! Durability: a handler answers 2xx only after its statement committed; SQLite runs in
//! WAL mode with `synchronous=FULL`, so a commit is on disk (fsync) before it returns.

use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, Row};

/// Schema changes, in order; embedded so the binary migrates any database it opens.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "accounts ratings marks",
    include_str!("migrations/0001_accounts.sql"),
)];

#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>> + Send + 's>>
    {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// A database failure (the message names the operation).
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct StoreError {
    what: &'static str,
    #[source]
    source: sqlx::Error,
}

fn fail(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError { what, source }
}

/// Which of the user's movie lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkList {
    Watchlist,
    NotInterested,
}

impl MarkList {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkList::Watchlist => "watchlist",
            MarkList::NotInterested => "not-interested",
        }
    }
}

/// A stored rating.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRating {
    pub movie_id: u32,
    pub stars: f32,
    /// Unix seconds of the last change.
    pub updated: i64,
}

/// A stored watchlist or not-interested entry.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMark {
    pub movie_id: u32,
    pub added: i64,
}

/// The database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The default database: `sqlite:<platform data dir>/server.sqlite`.
pub fn default_url() -> Option<String> {
    crate::paths::data_dir().map(|d| format!("sqlite:{}", d.join("server.sqlite").display()))
}

/// The file of a `sqlite:` URL (None for in-memory databases).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

impl Store {
    /// Opens (creating when needed) the database at `url` and applies the migrations.
    pub async fn open(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            anyhow::bail!("database URL {url:?}: expected sqlite:PATH or postgres://…");
        };
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            if let Some(file) = sqlite_file(&url) {
                if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("cannot create the database folder {}", dir.display())
                    })?;
                }
            }
            if !url.contains("mode=") {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str("mode=rwc");
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer. synchronous=FULL: each
                        // commit is fsynced before it returns (WAL's default, NORMAL, can
                        // lose the last commits on power loss). busy_timeout: concurrent
                        // writers queue instead of failing.
                        (&mut *conn).execute("PRAGMA journal_mode = WAL").await?;
                        (&mut *conn).execute("PRAGMA synchronous = FULL").await?;
                        (&mut *conn).execute("PRAGMA busy_timeout = 10000").await?;
                        (&mut *conn).execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&url)))?;
        Migrator::new(Embedded)
            .await
            .context("reading the embedded migrations")?
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate the database {}", redact(&url)))?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SQLite's journal mode and synchronous level on a pooled connection (for checks).
    pub async fn sqlite_settings(&self) -> Result<(String, i64), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(fail("connecting"))?;
        let journal: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(fail("reading journal_mode"))?;
        let synchronous: i64 = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(fail("reading synchronous"))?;
        Ok((journal, synchronous))
    }

    /// Waits for running statements and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Creates an account; false when the name is taken.
    pub async fn create_user(&self, name: &str, token_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO users (name, token_hash, created) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(token_hash)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(fail("creating a user"))?;
        Ok(done.rows_affected() == 1)
    }

    /// The account whose token has this hash.
    pub async fn user_for_token(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT name FROM users WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(fail("checking a token"))?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(fail("reading a user"))
    }

    /// Sets (or replaces) a rating.
    pub async fn set_rating(
        &self,
        user: &str,
        movie_id: u32,
        stars: f32,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ratings (user_name, movie_id, stars, updated) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_name, movie_id) DO UPDATE SET stars = excluded.stars, updated = excluded.updated",
        )
        .bind(user)
        .bind(i64::from(movie_id))
        .bind(f64::from(stars))
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(fail("saving a rating"))?;
        Ok(())
    }

    /// Removes a rating; false when there was none.
    pub async fn delete_rating(&self, user: &str, movie_id: u32) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM ratings WHERE user_name = $1 AND movie_id = $2")
            .bind(user)
            .bind(i64::from(movie_id))
            .execute(&self.pool)
            .await
            .map_err(fail("deleting a rating"))?;
        Ok(done.rows_affected() > 0)
    }

    /// A user's ratings, by movie id.
    pub async fn ratings(&self, user: &str) -> Result<Vec<StoredRating>, StoreError> {
        let rows = sqlx::query(
            "SELECT movie_id, stars, updated FROM ratings WHERE user_name = $1 ORDER BY movie_id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(fail("reading ratings"))?;
        rows.iter()
            .map(|r: &AnyRow| {
                Ok(StoredRating {
                    movie_id: id_from(r.try_get::<i64, _>(0)?),
                    stars: r.try_get::<f64, _>(1)? as f32,
                    updated: r.try_get::<i64, _>(2)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fail("reading ratings"))
    }

    /// Adds a movie to a list (no change when it is there).
    pub async fn set_mark(
        &self,
        user: &str,
        list: MarkList,
        movie_id: u32,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO marks (user_name, list, movie_id, added) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_name, list, movie_id) DO NOTHING",
        )
        .bind(user)
        .bind(list.as_str())
        .bind(i64::from(movie_id))
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(fail("saving a mark"))?;
        Ok(())
    }

    /// Removes a movie from a list; false when it was not there.
    pub async fn delete_mark(
        &self,
        user: &str,
        list: MarkList,
        movie_id: u32,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM marks WHERE user_name = $1 AND list = $2 AND movie_id = $3")
                .bind(user)
                .bind(list.as_str())
                .bind(i64::from(movie_id))
                .execute(&self.pool)
                .await
                .map_err(fail("deleting a mark"))?;
        Ok(done.rows_affected() > 0)
    }

    /// A user's list, by movie id.
    pub async fn marks(&self, user: &str, list: MarkList) -> Result<Vec<StoredMark>, StoreError> {
        let rows = sqlx::query(
            "SELECT movie_id, added FROM marks WHERE user_name = $1 AND list = $2 ORDER BY movie_id",
        )
        .bind(user)
        .bind(list.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(fail("reading a list"))?;
        rows.iter()
            .map(|r: &AnyRow| {
                Ok(StoredMark {
                    movie_id: id_from(r.try_get::<i64, _>(0)?),
                    added: r.try_get::<i64, _>(1)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fail("reading a list"))
    }
}

/// How many entries an account holds after an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileCounts {
    pub ratings: u64,
    pub watchlist: u64,
    pub not_interested: u64,
}

impl Store {
    /// Brings a whole profile in, in one transaction (all or nothing). `replace` first
    /// removes the account's ratings and marks; otherwise it merges: where both have a
    /// rating, the newer (by `updated`) wins, and marks already there keep their time.
    pub async fn import_profile(
        &self,
        user: &str,
        replace: bool,
        ratings: &[StoredRating],
        watchlist: &[StoredMark],
        not_interested: &[StoredMark],
    ) -> Result<ProfileCounts, StoreError> {
        let what = "importing a profile";
        let mut tx = self.pool.begin().await.map_err(fail(what))?;
        if replace {
            sqlx::query("DELETE FROM ratings WHERE user_name = $1")
                .bind(user)
                .execute(&mut *tx)
                .await
                .map_err(fail(what))?;
            sqlx::query("DELETE FROM marks WHERE user_name = $1")
                .bind(user)
                .execute(&mut *tx)
                .await
                .map_err(fail(what))?;
        }
        for r in ratings {
            sqlx::query(
                "INSERT INTO ratings (user_name, movie_id, stars, updated) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_name, movie_id) DO UPDATE \
                 SET stars = excluded.stars, updated = excluded.updated \
                 WHERE excluded.updated >= ratings.updated",
            )
            .bind(user)
            .bind(i64::from(r.movie_id))
            .bind(f64::from(r.stars))
            .bind(r.updated)
            .execute(&mut *tx)
            .await
            .map_err(fail(what))?;
        }
        for (list, marks) in [
            (MarkList::Watchlist, watchlist),
            (MarkList::NotInterested, not_interested),
        ] {
            for m in marks {
                sqlx::query(
                    "INSERT INTO marks (user_name, list, movie_id, added) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_name, list, movie_id) DO NOTHING",
                )
                .bind(user)
                .bind(list.as_str())
                .bind(i64::from(m.movie_id))
                .bind(m.added)
                .execute(&mut *tx)
                .await
                .map_err(fail(what))?;
            }
        }
        let count = |sql: &'static str, list: Option<MarkList>| {
            let mut q = sqlx::query(sql).bind(user);
            if let Some(l) = list {
                q = q.bind(l.as_str());
            }
            q
        };
        let mut counts = [0u64; 3];
        for (k, (sql, list)) in [
            ("SELECT COUNT(*) FROM ratings WHERE user_name = $1", None),
            (
                "SELECT COUNT(*) FROM marks WHERE user_name = $1 AND list = $2",
                Some(MarkList::Watchlist),
            ),
            (
                "SELECT COUNT(*) FROM marks WHERE user_name = $1 AND list = $2",
                Some(MarkList::NotInterested),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let n: i64 = count(sql, list)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get(0))
                .map_err(fail(what))?;
            counts[k] = u64::try_from(n).unwrap_or(0);
        }
        tx.commit().await.map_err(fail(what))?;
        Ok(ProfileCounts {
            ratings: counts[0],
            watchlist: counts[1],
            not_interested: counts[2],
        })
    }
}

/// Movie ids are written from `u32`, so a stored one always fits; anything else is a
/// corrupt row, mapped to 0 (unknown to every catalogue) rather than a panic.
fn id_from(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn now() -> i64 {
    crate::profile::now()
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sqlite_files_and_hides_passwords() {
        assert_eq!(sqlite_file("sqlite:/tmp/a.db"), Some("/tmp/a.db".into()));
        assert_eq!(
            sqlite_file("sqlite:///tmp/a.db?mode=rwc"),
            Some("/tmp/a.db".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(
            redact("postgres://reel:secret@127.0.0.1:5432/reel"),
            "postgres://reel:***@127.0.0.1:5432/reel"
        );
        assert_eq!(redact("postgres://reel@host/db"), "postgres://reel@host/db");
    }
}
