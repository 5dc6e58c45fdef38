//! SQL text for the generic record operations, and binding/decoding of [`Value`]s.

use crate::Backend;
use salescope_core::schema::{Column, Table, Value};

/// Most bound parameters one statement may carry (SQLite allows 32766, PostgreSQL 65535).
const MAX_PARAMS: usize = 30_000;

/// How many rows of `columns` columns fit in one statement, at most 1000.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, 1000)
}

/// The `n`th (1-based) bound parameter: `?` for SQLite, `$n` for PostgreSQL.
pub(crate) fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `(?,?),(?,?)` for SQLite or `($1,$2),($3,$4)` for PostgreSQL.
pub(crate) fn value_tuples(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

fn column_list(columns: &[Column]) -> String {
    columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// Inserts rows whose keys are new.
pub(crate) fn insert(backend: Backend, table: &Table, rows: usize) -> String {
    format!("INSERT INTO {} ({}) VALUES {}", table.name, column_list(table.columns), value_tuples(backend, rows, table.columns.len()))
}

/// Inserts rows, replacing every non-key column of rows whose key exists.
pub(crate) fn upsert(backend: Backend, table: &Table, rows: usize) -> String {
    let updates: Vec<String> = table.columns[table.key_len..].iter().map(|c| format!("{0} = excluded.{0}", c.name)).collect();
    format!(
        "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        table.name,
        column_list(table.columns),
        value_tuples(backend, rows, table.columns.len()),
        column_list(table.key_columns()),
        updates.join(", "),
    )
}

/// `(?, ?, …)` or `($1, $2, …)`: `n` placeholders for an `IN` list.
pub(crate) fn in_list(backend: Backend, n: usize) -> String {
    value_tuples(backend, 1, n).replace("),(", ",")
}

/// A statement written with `?` placeholders, numbered `$1, $2, …` for PostgreSQL. The
/// statements given contain no `?` other than placeholders.
pub(crate) fn numbered(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::Sqlite => sql.to_string(),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// Selects the rows of the given keys.
pub(crate) fn select_by_keys(backend: Backend, table: &Table, keys: usize) -> String {
    let key_columns = table.key_columns();
    let condition = if key_columns.len() == 1 {
        format!("{} IN {}", key_columns[0].name, in_list(backend, keys))
    } else {
        format!("({}) IN (VALUES {})", column_list(key_columns), value_tuples(backend, keys, key_columns.len()))
    };
    format!("SELECT {} FROM {} WHERE {}", column_list(table.columns), table.name, condition)
}

/// A stored key as one string, joined like [`salescope_core::parse::Record::key_text`].
pub(crate) fn key_string(values: &[Value]) -> String {
    let parts: Vec<String> = values.iter().map(Value::display).collect();
    let parts: Vec<&dyn std::fmt::Display> = parts.iter().map(|p| p as &dyn std::fmt::Display).collect();
    salescope_core::schema::join_key(&parts)
}

/// Reads the columns of a row into [`Value`]s by the declared column types.
macro_rules! decode_values {
    ($row:expr, $columns:expr) => {{
        use salescope_core::schema::{ColumnType, Value};
        use sqlx::Row;
        let mut values = Vec::with_capacity($columns.len());
        for (i, column) in $columns.iter().enumerate() {
            let value = match column.ty {
                ColumnType::Int => $row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
                ColumnType::Real => $row.try_get::<Option<f64>, _>(i)?.map_or(Value::Null, Value::Real),
                ColumnType::Text => $row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
                ColumnType::Bool => $row.try_get::<Option<bool>, _>(i)?.map_or(Value::Null, Value::Bool),
            };
            values.push(value);
        }
        values
    }};
}
pub(crate) use decode_values;

#[cfg(test)]
mod tests {
    use super::*;
    use salescope_core::records::{CALLS, DAILY_REPORTS};

    #[test]
    fn placeholders_follow_each_backend() {
        assert_eq!(numbered(Backend::Postgres, "a = ? AND b = ?"), "a = $1 AND b = $2");
        assert_eq!(numbered(Backend::Sqlite, "a = ?"), "a = ?");
        assert_eq!(value_tuples(Backend::Sqlite, 2, 2), "(?,?),(?,?)");
        assert_eq!(value_tuples(Backend::Postgres, 2, 2), "($1,$2),($3,$4)");
    }

    #[test]
    fn single_and_composite_keys_are_selected_with_in_lists() {
        assert!(select_by_keys(Backend::Postgres, &CALLS, 3).ends_with("WHERE call_id IN ($1,$2,$3)"));
        assert!(select_by_keys(Backend::Sqlite, &DAILY_REPORTS, 2).ends_with("WHERE (rep_id, day) IN (VALUES (?,?),(?,?))"));
    }

    #[test]
    fn upserts_replace_only_non_key_columns() {
        let sql = upsert(Backend::Sqlite, &DAILY_REPORTS, 1);
        assert!(sql.contains("ON CONFLICT (rep_id, day) DO UPDATE SET new_customers = excluded.new_customers"));
        assert!(!sql.contains("rep_id = excluded.rep_id"));
    }
}
