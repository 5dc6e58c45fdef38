//! Salescope's storage: one API over the embedded SQLite file and PostgreSQL.
//!
//! **Architecture invariant:** this is the only crate that knows SQL. The backend is chosen by
//! the URL; every public operation exists for both backends and is tested on both. Records are
//! written through [`Tx::write_batch`], which keeps the per-rep daily totals exact.

mod access;
mod actions;
pub mod admin;
mod audit;
mod bulk;
mod coaching;
mod dictionary;
mod ingest;
mod kpi_data;
mod management;
mod pipeline;
mod reviews;
mod rollup;
mod sets;
mod settings;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
mod training;
mod transcripts;

pub use access::{ApiTokenRow, ChangeRow, UserRow};
pub use actions::ActionRow;
pub use audit::AuditCheck;
pub use coaching::CoachingTaskRow;
pub use ingest::{BatchOutcome, Stored, WriteContext};
pub use kpi_data::{Membership, OrgStructure, RepInfo};
pub use management::{CustomKpiRow, TargetRow, TrackingRow};
pub use pipeline::DealHistory;
pub use reviews::ReviewNote;
pub use rollup::{RollupRow, TeamTotals};
pub use sets::CustomerSetRow;
pub use settings::{SettingError, Settings, TIMEZONE_KEY};
pub use training::TrainingRecords;
pub use transcripts::{OUTCOME_WINDOW_SECONDS, TranscribedCall, TranscriptRow, TranscriptsStored};

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A failure reported by SQLite to the store's own bulk writer (see `bulk`).
    #[error("database error: {message} (SQLite code {code})")]
    Sqlite { code: i32, message: String },
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("`{0}` is not a database URL Salescope understands (use sqlite://FILE or postgres://…)")]
    InvalidUrl(String),
    #[error("a stored {table} row does not fit the current schema: {detail}")]
    Corrupt { table: &'static str, detail: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool to the organisation's store.
#[derive(Debug, Clone)]
pub struct Db {
    pool: DbPool,
    customers: dictionary::SharedDictionary,
    /// The deals with their stages as last read, and the `deals` data version they were read at.
    deal_paths: pipeline::DealPathsCache,
}

#[derive(Debug, Clone)]
pub(crate) enum DbPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which backend a URL names: `postgres://` or `postgresql://` for PostgreSQL; `sqlite:` URLs
/// and plain file paths for SQLite.
pub fn backend_of(url: &str) -> Result<Backend> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else if url.starts_with("sqlite:") || !url.contains("://") {
        if url.is_empty() {
            return Err(StoreError::InvalidUrl(url.to_string()));
        }
        Ok(Backend::Sqlite)
    } else {
        Err(StoreError::InvalidUrl(url.to_string()))
    }
}

/// The URL with any password replaced, for logs and `salescope config`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

impl Db {
    fn new(pool: DbPool) -> Db {
        Db { pool, customers: Default::default(), deal_paths: Default::default() }
    }

    /// Opens the store at `url`, creating an SQLite file if needed, and applies migrations.
    pub async fn open(url: &str) -> Result<Db> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub(crate) async fn connect(url: &str) -> Result<Db> {
        match backend_of(url)? {
            Backend::Sqlite => {
                let url = url.trim();
                let options = if url.starts_with("sqlite:") {
                    SqliteConnectOptions::from_str(url)?
                } else {
                    SqliteConnectOptions::new().filename(url)
                };
                let options = options
                    .create_if_missing(true)
                    // Larger pages halve the B-tree work of bulk imports; applies to new files.
                    .page_size(16384)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    // 16 MB of pages per connection keeps a server's memory bounded as the file
                    // grows; an import's dirty pages beyond it go to the WAL during the transaction
                    // instead of at its commit, which measured no slower.
                    .pragma("cache_size", "-16384")
                    .pragma("temp_store", "memory")
                    // Rows cross from the database thread in bigger batches: fewer wake-ups.
                    .row_buffer_size(1024)
                    // Bulk reads (a rebuild streams every call) are slow by nature, not a fault.
                    .disable_statement_logging();
                let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
                Ok(Db::new(DbPool::Sqlite(pool)))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url.trim())?.disable_statement_logging();
                let pool = PgPoolOptions::new().max_connections(8).connect_with(options).await?;
                Ok(Db::new(DbPool::Postgres(pool)))
            }
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            DbPool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            DbPool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The PostgreSQL pool, for administration of the server itself.
    pub(crate) fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            DbPool::Postgres(pool) => Some(pool),
            DbPool::Sqlite(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction: everything written through it lands together or not at all.
    ///
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so concurrent writers queue
    /// on the busy timeout while sqlx waits for them. A deferred transaction that read first would
    /// instead fail with "database is locked" on its first write after another writer committed,
    /// and the bulk writer, which steps on the caller's thread, must never wait for a lock.
    pub async fn begin(&self) -> Result<Tx> {
        let conn = match &self.pool {
            DbPool::Sqlite(pool) => TxConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            DbPool::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx::new(conn, self.customers.clone()))
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            DbPool::Sqlite(pool) => pool.close().await,
            DbPool::Postgres(pool) => pool.close().await,
        }
    }

    /// Number of stored rows of a table.
    pub async fn count(&self, table: &salescope_core::schema::Table) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", table.name);
        Ok(on_pool!(self, pool => sqlx::query_scalar(&sql).fetch_one(pool).await?))
    }

    /// Checks that every table the core declares has every declared column, and the rollup
    /// table every measure: catches a migration that drifted from the code.
    pub async fn verify_schema(&self) -> Result<()> {
        use salescope_core::records::*;
        use salescope_core::training::{ASSESSMENTS, ATTENDANCE, COURSES, SESSIONS, TRAINING_FEEDBACK};
        let mut queries: Vec<String> = [
            &REPS,
            &CUSTOMERS,
            &CALLS,
            &ACTIVITIES,
            &LEADS,
            &DEALS,
            &DEAL_STAGES,
            &FEEDBACK,
            &DAILY_REPORTS,
            &CUSTOM_MEASURES,
            &COURSES,
            &SESSIONS,
            &ATTENDANCE,
            &ASSESSMENTS,
            &TRAINING_FEEDBACK,
        ]
        .iter()
        .map(|t| format!("SELECT {} FROM {} WHERE 1 = 0", t.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", "), t.name))
        .collect();
        let measures: Vec<&str> = salescope_core::rollup::Measure::ALL.iter().map(|m| m.column()).collect();
        queries.push(format!("SELECT rep_id, day, {} FROM rollup_rep_day WHERE 1 = 0", measures.join(", ")));
        for sql in queries {
            on_pool!(self, pool => {
                sqlx::query(&sql).fetch_all(pool).await?;
            });
        }
        Ok(())
    }

    /// Writes a consistent copy of an SQLite store to `path` while it stays in use.
    pub async fn backup_sqlite(&self, path: &str) -> Result<bool> {
        match &self.pool {
            DbPool::Sqlite(pool) => {
                sqlx::query("VACUUM INTO ?").bind(path).execute(pool).await?;
                Ok(true)
            }
            DbPool::Postgres(_) => Ok(false),
        }
    }
}

/// Runs the same code against the pool of either backend (see [`on_conn`]).
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            $crate::DbPool::Sqlite($pool) => $body,
            $crate::DbPool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// An open transaction on either backend.
pub struct Tx {
    conn: TxConn,
    /// Per table with a single text key: the greatest key stored (byte order), once read. A
    /// batch whose keys all sort above it cannot meet stored rows, so the probe for them is
    /// skipped — the common case of appending a chronological export.
    key_horizons: std::collections::HashMap<&'static str, Option<String>>,
    /// Whether this transaction holds the ingest lock (PostgreSQL; SQLite has one writer anyway).
    ingest_locked: bool,
    /// The store's customer keys, and the keys this transaction created.
    customers: dictionary::SharedDictionary,
    new_customers: Vec<(Box<str>, u32)>,
}

pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same code against the connection of either backend; the body is type-checked once
/// per backend, so it may only use what both drivers accept.
macro_rules! on_conn {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.conn {
            $crate::TxConn::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::TxConn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_conn;

impl Tx {
    fn new(conn: TxConn, customers: dictionary::SharedDictionary) -> Tx {
        Tx { conn, key_horizons: Default::default(), ingest_locked: false, customers, new_customers: Vec::new() }
    }

    /// Serialises writers of records: a record's old version is read before it is replaced, and
    /// two imports interleaving on PostgreSQL could otherwise both count the same change.
    pub(crate) async fn lock_for_ingest(&mut self) -> Result<()> {
        if self.ingest_locked {
            return Ok(());
        }
        if let TxConn::Postgres(tx) = &mut self.conn {
            sqlx::query("SELECT pg_advisory_xact_lock(7243001)").execute(&mut **tx).await?;
        }
        self.ingest_locked = true;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        // Only committed keys enter the shared dictionary.
        dictionary::remember(&self.customers, self.new_customers).await;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.rollback().await?,
            TxConn::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(backend_of("postgres://postgres@127.0.0.1/x").ok(), Some(Backend::Postgres));
        assert_eq!(backend_of("sqlite://salescope.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("./salescope.db").ok(), Some(Backend::Sqlite));
        assert!(backend_of("mysql://x").is_err());
        assert!(backend_of("").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://app:secret@db:5432/s"), "postgres://app:***@db:5432/s");
        assert_eq!(redact_url("postgres://postgres@db/s"), "postgres://postgres@db/s");
        assert_eq!(redact_url("sqlite://salescope.db"), "sqlite://salescope.db");
    }
}
