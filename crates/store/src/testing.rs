//! Throw-away stores for tests, on both backends.
//!
//! PostgreSQL is not optional: tests reach the server at `SALESCOPE_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), create a database of their own and
//! drop it afterwards. A test that cannot reach PostgreSQL fails; it never skips.

use crate::{Backend, Db};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The URL of a PostgreSQL database tests may create databases from.
pub fn postgres_admin_url() -> String {
    std::env::var("SALESCOPE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_string())
}

enum Cleanup {
    Directory(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A store that exists for one test.
pub struct TestDb {
    pub db: Db,
    /// The URL to hand to a server or CLI under test.
    pub url: String,
    cleanup: Cleanup,
}

fn unique_suffix() -> String {
    format!("{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A fresh temporary directory, removed by [`TestDb::destroy`] or by the caller.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("salescope-{label}-{}", unique_suffix()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = temp_dir("store");
        let url = format!("sqlite://{}", dir.join("salescope.db").display());
        let db = Db::open(&url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        TestDb { db, url, cleanup: Cleanup::Directory(dir) }
    }

    pub async fn postgres() -> TestDb {
        let admin_url = postgres_admin_url();
        let admin = Db::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required for the tests and is not reachable at {admin_url}: {e}"));
        let Some(pool) = admin.postgres_pool() else { panic!("{admin_url} is not a PostgreSQL URL") };
        drop_abandoned_databases(pool).await;
        admin.close().await;
        let name = format!("salescope_test_{}", unique_suffix());
        let url = crate::admin::create_postgres_database(&admin_url, &name)
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        let db = Db::open(&url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        TestDb { db, url, cleanup: Cleanup::Postgres { admin_url, name } }
    }

    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// Closes the store and removes its file or database.
    pub async fn destroy(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let _ = crate::admin::drop_postgres_database(&admin_url, &name).await;
            }
        }
    }
}

/// Removes test databases left by test processes that died before cleaning up.
async fn drop_abandoned_databases(pool: &sqlx::PgPool) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'salescope_test_%'")
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.trim_start_matches("salescope_test_").split('_').next().unwrap_or_default();
        let alive = !pid.is_empty() && std::path::Path::new("/proc").join(pid).exists();
        if !alive {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(pool).await;
        }
    }
}

/// Runs `test` on a fresh SQLite store and then on a fresh PostgreSQL database.
pub async fn each_backend(mut test: impl AsyncFnMut(&TestDb)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let store = TestDb::new(backend).await;
        eprintln!("-- on {}", backend.name());
        test(&store).await;
        store.destroy().await;
    }
}
