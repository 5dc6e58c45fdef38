//! Operations on PostgreSQL servers rather than on one store: creating and dropping databases
//! (for tests and benchmarks) and the reference bulk load the import benchmark compares with.

use crate::{Db, Result, StoreError};

/// The URL of database `name` on the server of `server_url` (whose database, if any, is
/// replaced; connection parameters are kept).
pub fn database_url(server_url: &str, name: &str) -> Result<String> {
    let (scheme, rest) = server_url.split_once("://").ok_or_else(|| StoreError::InvalidUrl(server_url.to_string()))?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    Ok(format!("{scheme}://{host}/{name}{query}"))
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::InvalidUrl(format!("database name `{name}`")));
    }
    Ok(())
}

/// Creates database `name` on the PostgreSQL server reached through `server_url` and returns
/// its URL.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String> {
    check_name(name)?;
    let admin = Db::connect(server_url).await?;
    let Some(pool) = admin.postgres_pool() else { return Err(StoreError::InvalidUrl(server_url.to_string())) };
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(pool).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(pool).await?;
    admin.close().await;
    database_url(server_url, name)
}

pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<()> {
    check_name(name)?;
    let admin = Db::connect(server_url).await?;
    if let Some(pool) = admin.postgres_pool() {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(pool).await?;
    }
    admin.close().await;
    Ok(())
}

/// The benchmark's reference: `COPY` of a CSV file into a plain table with the given text
/// columns, in a database of its own. Returns rows copied.
pub async fn copy_csv_into_plain_table(url: &str, table: &str, columns: &[&str], csv: &std::path::Path) -> Result<u64> {
    check_name(table)?;
    let db = Db::connect(url).await?;
    let Some(pool) = db.postgres_pool() else { return Err(StoreError::InvalidUrl(url.to_string())) };
    let definition: Vec<String> = columns.iter().map(|c| format!("{c} TEXT")).collect();
    sqlx::query(&format!("CREATE TABLE {table} ({})", definition.join(", "))).execute(pool).await?;
    let bytes = tokio::fs::read(csv).await.map_err(|e| StoreError::Corrupt { table: "copy", detail: e.to_string() })?;
    let mut conn = pool.acquire().await?;
    let mut copy = conn.copy_in_raw(&format!("COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)")).await?;
    for chunk in bytes.chunks(1 << 20) {
        copy.send(chunk).await?;
    }
    let rows = copy.finish().await?;
    drop(conn);
    db.close().await;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_replace_the_database_name() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "x").ok().as_deref(),
            Some("postgres://postgres@127.0.0.1:5432/x")
        );
        assert_eq!(database_url("postgres://db.example:5432", "x").ok().as_deref(), Some("postgres://db.example:5432/x"));
        assert_eq!(database_url("postgres://h/old?sslmode=disable", "x").ok().as_deref(), Some("postgres://h/x?sslmode=disable"));
        assert!(check_name("bad; name").is_err());
    }
}
