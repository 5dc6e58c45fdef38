//! Statements run over many rows at once: the records of an import and the rollup rows they
//! move.
//!
//! On PostgreSQL a round trip costs more than the rows it carries, so rows go in statements of
//! as many rows as the parameter limit allows. On SQLite there is no round trip, but sqlx hands
//! each statement's arguments to its worker thread as an owned list that SQLite then copies
//! again; for a million rows those copies, the allocations behind them and the hand-offs cost
//! more than the inserts. So on SQLite the connection sqlx holds is locked for the length of a
//! call, a statement over a few dozen rows is prepared once, and the rows' values are bound where
//! they lie and stepped. This is the one place the store calls SQLite's C interface directly.
#![allow(unsafe_code)]

use crate::{Result, StoreError, Tx, TxConn, sql};
use libsqlite3_sys as ffi;
use salescope_core::schema::{ColumnType, Value};
use sqlx::SqliteConnection;
use std::ffi::c_int;
use std::ptr::{self, NonNull};

/// A value for one statement parameter, borrowed from the rows being written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    /// A NULL of the column's type (PostgreSQL types its parameters).
    Null(ColumnType),
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> Param<'a> {
    pub(crate) fn of(value: &'a Value, ty: ColumnType) -> Param<'a> {
        match value {
            Value::Null => Param::Null(ty),
            Value::Int(v) => Param::Int(*v),
            Value::Real(v) => Param::Real(*v),
            Value::Bool(v) => Param::Bool(*v),
            Value::Text(v) => Param::Text(v),
        }
    }
}

/// Binds one parameter to an sqlx query of either backend; NULLs carry their column's type, as
/// PostgreSQL needs.
macro_rules! bind_param {
    ($query:expr, $param:expr) => {{
        use salescope_core::schema::ColumnType;
        use $crate::bulk::Param;
        match $param {
            Param::Null(ColumnType::Int) => $query.bind(None::<i64>),
            Param::Null(ColumnType::Real) => $query.bind(None::<f64>),
            Param::Null(ColumnType::Text) => $query.bind(None::<&str>),
            Param::Null(ColumnType::Bool) => $query.bind(None::<bool>),
            Param::Int(v) => $query.bind(v),
            Param::Real(v) => $query.bind(v),
            Param::Bool(v) => $query.bind(v),
            Param::Text(v) => $query.bind(v),
            Param::Blob(v) => $query.bind(v),
        }
    }};
}
pub(crate) use bind_param;

impl Tx {
    /// Runs `statement(n)` — a statement over `n` rows of `width` parameters each, such as an
    /// `INSERT … VALUES` or a `DELETE … IN (VALUES …)` — over every row of `params`, which holds
    /// the rows' parameters one row after another.
    pub(crate) async fn execute_rows<'p>(
        &mut self,
        statement: impl Fn(usize) -> String,
        width: usize,
        params: &'p [Param<'p>],
    ) -> Result<()> {
        if params.is_empty() {
            return Ok(());
        }
        let width = width.max(1);
        let conn = match &mut self.conn {
            TxConn::Sqlite(tx) => return execute_on_sqlite(tx, &statement, width, params).await,
            TxConn::Postgres(tx) => &mut **tx,
        };
        let per_statement = sql::rows_per_statement(width);
        let full_sql = statement(per_statement);
        // The rows of the last statement: the remainder, or a full statement's worth.
        let last_sql = statement((params.len() / width - 1) % per_statement + 1);
        let bind = |chunk: &'p [Param<'p>]| {
            let text = if chunk.len() == per_statement * width { full_sql.as_str() } else { last_sql.as_str() };
            let mut query = sqlx::query(text);
            for param in chunk {
                query = bind_param!(query, *param);
            }
            query
        };
        // Pipelined: the next statement's values are bound while the database executes the
        // current one.
        let mut chunks = params.chunks(per_statement * width);
        let mut query = chunks.next().map(bind);
        while let Some(current) = query.take() {
            let following = chunks.next();
            let (executed, next) = tokio::join!(current.execute(&mut *conn), async { following.map(bind) });
            executed?;
            query = next;
        }
        Ok(())
    }
}

/// Rows per SQLite statement: within one statement SQLite keeps its cursors on the pages it last
/// wrote, so rows in key order append where the previous row went instead of seeking from the
/// root, and the per-statement work of a step is shared by the rows.
const SQLITE_ROWS_PER_STATEMENT: usize = 64;

/// The most parameters an SQLite statement may have (SQLITE_MAX_VARIABLE_NUMBER).
const SQLITE_MAX_PARAMETERS: usize = 32_766;

/// Runs `statement(n)` over the rows of `params`, in order, on the connection's current
/// transaction: in statements of `SQLITE_ROWS_PER_STATEMENT` rows, then one for the rest.
async fn execute_on_sqlite(
    conn: &mut SqliteConnection,
    statement: &impl Fn(usize) -> String,
    width: usize,
    params: &[Param<'_>],
) -> Result<()> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    let rows = params.len() / width;
    let per_statement = SQLITE_ROWS_PER_STATEMENT.min(SQLITE_MAX_PARAMETERS / width).min(rows).max(1);
    blocking(|| {
        let full = Statement::prepare(db, &statement(per_statement))?;
        let mut chunks = params.chunks_exact(per_statement * width);
        for chunk in &mut chunks {
            full.run(chunk)?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            Statement::prepare(db, &statement(rest.len() / width))?.run(rest)?;
        }
        Ok(())
    })
}

/// Runs `work`, which blocks for as long as SQLite takes, without stalling the other tasks of a
/// multi-threaded runtime (a server's requests): their worker hands them on first.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|runtime| runtime.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// A prepared statement, finalized on drop.
struct Statement<'a> {
    db: NonNull<ffi::sqlite3>,
    raw: NonNull<ffi::sqlite3_stmt>,
    /// Text and blobs are bound without copying (SQLITE_STATIC), borrowed from parameters that
    /// outlive the statement.
    _params: std::marker::PhantomData<&'a [Param<'a>]>,
}

impl<'a> Statement<'a> {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Statement<'a>> {
        let length = c_int::try_from(sql.len())
            .map_err(|_| StoreError::Sqlite { code: ffi::SQLITE_TOOBIG, message: "statement too long".into() })?;
        let mut raw = ptr::null_mut();
        // SAFETY: `db` is the open connection sqlx has locked for us; the pointer and length
        // describe `sql`, which SQLite reads only while preparing.
        let code = unsafe { ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr().cast(), length, &mut raw, ptr::null_mut()) };
        match NonNull::new(raw) {
            Some(raw) if code == ffi::SQLITE_OK => Ok(Statement { db, raw, _params: std::marker::PhantomData }),
            Some(raw) => {
                // SAFETY: a statement SQLite returned alongside an error is still ours to finalize.
                unsafe { ffi::sqlite3_finalize(raw.as_ptr()) };
                Err(error(db, code))
            }
            None => Err(error(db, code)),
        }
    }

    /// Binds the statement's parameters in order, steps it to its end and resets it for the next
    /// rows.
    fn run(&self, row: &[Param<'a>]) -> Result<()> {
        let stmt = self.raw.as_ptr();
        for (i, param) in row.iter().enumerate() {
            let index = c_int::try_from(i + 1)
                .map_err(|_| StoreError::Sqlite { code: ffi::SQLITE_RANGE, message: "too many parameters".into() })?;
            // SAFETY: `stmt` is a live prepared statement. Text and blobs are bound with
            // SQLITE_STATIC: their bytes outlive the statement (see `_params`), and every
            // parameter is bound again before each step, so SQLite never reads a stale pointer.
            let code = unsafe {
                match *param {
                    Param::Null(_) => ffi::sqlite3_bind_null(stmt, index),
                    Param::Int(v) => ffi::sqlite3_bind_int64(stmt, index, v),
                    Param::Real(v) => ffi::sqlite3_bind_double(stmt, index, v),
                    Param::Bool(v) => ffi::sqlite3_bind_int64(stmt, index, i64::from(v)),
                    Param::Text(text) => ffi::sqlite3_bind_text64(
                        stmt,
                        index,
                        text.as_ptr().cast(),
                        text.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Param::Blob(bytes) => {
                        ffi::sqlite3_bind_blob64(stmt, index, bytes.as_ptr().cast(), bytes.len() as u64, ffi::SQLITE_STATIC())
                    }
                }
            };
            if code != ffi::SQLITE_OK {
                return Err(error(self.db, code));
            }
        }
        // SAFETY: as above. The error message is read before the reset, which would report the
        // same failure again.
        unsafe {
            let code = ffi::sqlite3_step(stmt);
            let failure = (code != ffi::SQLITE_DONE).then(|| error(self.db, code));
            ffi::sqlite3_reset(stmt);
            failure.map_or(Ok(()), Err)
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `prepare` and is finalized exactly once.
        unsafe {
            ffi::sqlite3_finalize(self.raw.as_ptr());
        }
    }
}

/// The connection's message for a failed call.
fn error(db: NonNull<ffi::sqlite3>, code: c_int) -> StoreError {
    // SAFETY: `db` is open; sqlite3_errmsg returns a NUL-terminated string owned by SQLite, valid
    // until the next call on the connection, and copied here at once.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db.as_ptr());
        if text.is_null() { String::new() } else { std::ffi::CStr::from_ptr(text).to_string_lossy().into_owned() }
    };
    StoreError::Sqlite { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use crate::sql::value_tuples;
    use crate::testing::{TestDb, each_backend};

    /// A row of the scratch table: n, t, r, b, x and the column always left NULL.
    type ProbeRow = (i64, String, f64, bool, Vec<u8>, Option<String>);

    /// A scratch table with a column of each type a bulk write binds.
    async fn probe_table(tx: &mut Tx) {
        let (real, blob) = match tx.backend() {
            Backend::Sqlite => ("REAL", "BLOB"),
            Backend::Postgres => ("DOUBLE PRECISION", "BYTEA"),
        };
        let create = format!("CREATE TABLE bulk_probe (n BIGINT PRIMARY KEY, t TEXT, r {real}, b BOOLEAN, x {blob}, missing TEXT)");
        crate::on_conn!(tx, conn => { sqlx::query(&create).execute(conn).await.expect("scratch table"); });
    }

    #[tokio::test]
    async fn every_kind_of_value_written_in_bulk_reads_back_as_written() {
        each_backend(async |store: &TestDb| {
            let mut tx = store.db.begin().await.expect("transaction");
            probe_table(&mut tx).await;
            // More rows than one PostgreSQL statement takes, and not a multiple of it.
            let rows: Vec<(i64, String, f64, bool, Vec<u8>)> = (0..2_345)
                .map(|n| (n, format!("客户 {n} — «{}»", "x".repeat(n as usize % 7)), n as f64 / 8.0, n % 3 == 0, vec![n as u8, 0, 255]))
                .collect();
            let params: Vec<Param<'_>> = rows
                .iter()
                .flat_map(|(n, t, r, b, x)| {
                    [Param::Int(*n), Param::Text(t), Param::Real(*r), Param::Bool(*b), Param::Blob(x), Param::Null(ColumnType::Text)]
                })
                .collect();
            let backend = tx.backend();
            let insert = |n: usize| format!("INSERT INTO bulk_probe (n, t, r, b, x, missing) VALUES {}", value_tuples(backend, n, 6));
            tx.execute_rows(insert, 6, &params).await.expect("bulk insert");
            let stored: Vec<ProbeRow> = crate::on_conn!(tx, conn => {
                sqlx::query_as("SELECT n, t, r, b, x, missing FROM bulk_probe ORDER BY n").fetch_all(conn).await.expect("read back")
            });
            assert_eq!(stored.len(), rows.len());
            for (written, read) in rows.iter().zip(&stored) {
                assert_eq!((&written.0, &written.1, &written.2, &written.3, &written.4), (&read.0, &read.1, &read.2, &read.3, &read.4));
                assert_eq!(read.5, None);
            }
            tx.rollback().await.expect("rollback");
        })
        .await;
    }

    #[tokio::test]
    async fn a_row_breaking_a_constraint_fails_the_write_with_the_databases_reason() {
        each_backend(async |store: &TestDb| {
            let mut tx = store.db.begin().await.expect("transaction");
            probe_table(&mut tx).await;
            let params = [Param::Int(1), Param::Int(2), Param::Int(1)];
            let backend = tx.backend();
            let insert = |n: usize| format!("INSERT INTO bulk_probe (n) VALUES {}", value_tuples(backend, n, 1));
            let failure = tx.execute_rows(insert, 1, &params).await.expect_err("a duplicate key must fail").to_string();
            assert!(failure.to_lowercase().contains("unique"), "{failure}");
            assert!(failure.contains("bulk_probe"), "{failure}");
            tx.rollback().await.expect("rollback");
        })
        .await;
    }
}
