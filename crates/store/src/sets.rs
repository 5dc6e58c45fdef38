//! Customer sets per rep and day / month (see `salescope_core::customers`): keeping them up to
//! date on ingest and reading their unions.

use crate::bulk::Param;
use crate::sql::{placeholder, value_tuples};
use crate::{Backend, Db, Result, Tx, on_conn, on_pool};
use salescope_core::customers::{
    CustomerBits, Family, apply_changes, decode_counts, decode_keys, encode_counts, encode_keys, merge_sorted,
};
use salescope_core::fxhash::FxHashMap;
use salescope_core::period::{month_index, month_of_index};
use salescope_core::rollup::SetChange;
use salescope_core::time::Day;
use std::collections::{BTreeMap, BTreeSet};

fn month_of_day(day: Day) -> i64 {
    let (y, m, _) = day.ymd();
    month_index(y, m) as i64
}

/// First and last day of a month index.
fn month_days(month: i64) -> (Day, Day) {
    let (y, m) = month_of_index(month as i32);
    let first = Day::from_ymd(y, m, 1).unwrap_or(Day(0));
    (first, Day::from_ymd(y, m, salescope_core::time::days_in_month(y, m)).unwrap_or(first))
}

impl Tx {
    /// Applies changes in the count of each customer per rep, day and family, and keeps the
    /// month sets equal to the union of their days.
    pub(crate) async fn apply_membership_changes(&mut self, changes: &[SetChange<'_>], customer_ids: &[Box<str>]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let backend = self.backend();
        let keys = self.customer_keys(customer_ids).await?;

        // The stored day multisets of the touched (rep, day, family).
        let touched_days: Vec<(&str, i64, i64)> = changes.iter().map(|(rep, day, family, _)| (*rep, day.0 as i64, family.code())).collect();
        let mut stored: FxHashMap<(String, i64, i64), Vec<(u32, u32)>> = self
            .stored_sets("customer_sets_day", "day", &touched_days)
            .await?
            .into_iter()
            .map(|(key, members)| (key, decode_counts(&members)))
            .collect();

        // New day multisets, and what entered or left each month.
        let mut writes: Vec<(&str, i64, i64, Vec<u8>)> = Vec::new();
        let mut deletes: Vec<(&str, i64, i64)> = Vec::new();
        let mut months: BTreeMap<(&str, i64, i64), (Vec<u32>, bool)> = BTreeMap::new();
        for (rep, day, family, member_changes) in changes {
            let key = (rep.to_string(), day.0 as i64, family.code());
            let mut counts = stored.remove(&key).unwrap_or_default();
            let by_key: Vec<(u32, i64)> = member_changes.iter().map(|(customer, change)| (keys[*customer as usize], *change)).collect();
            let (entered, left) = apply_changes(&mut counts, &by_key);
            if entered.is_empty() && left.is_empty() && counts.is_empty() {
                continue;
            }
            let month = months.entry((rep, month_of_day(*day), family.code())).or_default();
            month.0.extend(entered);
            month.1 |= !left.is_empty();
            if counts.is_empty() {
                deletes.push((rep, day.0 as i64, family.code()));
            } else {
                writes.push((rep, day.0 as i64, family.code(), encode_counts(&counts)));
            }
        }
        self.write_sets("customer_sets_day", "day", &writes).await?;
        self.delete_sets("customer_sets_day", "day", &deletes).await?;

        // Months: add the entering keys; when some key left a day, rebuild the month from its days.
        let growing: Vec<(&str, i64, i64)> = months.iter().filter(|(_, (_, left))| !left).map(|(key, _)| *key).collect();
        let mut stored_months = self.stored_sets("customer_sets_month", "month", &growing).await?;
        let mut month_writes: Vec<(&str, i64, i64, Vec<u8>)> = Vec::new();
        let mut month_deletes: Vec<(&str, i64, i64)> = Vec::new();
        for ((rep, month, family), (entered, something_left)) in months {
            let members: Vec<u32> = if something_left {
                let (first, last) = month_days(month);
                let text = format!(
                    "SELECT members FROM customer_sets_day WHERE rep_id = {} AND family = {} AND day BETWEEN {} AND {}",
                    placeholder(backend, 1),
                    placeholder(backend, 2),
                    placeholder(backend, 3),
                    placeholder(backend, 4)
                );
                let blobs: Vec<Vec<u8>> = on_conn!(self, conn => {
                    sqlx::query_scalar(&text).bind(rep).bind(family).bind(first.0 as i64).bind(last.0 as i64).fetch_all(conn).await?
                });
                let union: BTreeSet<u32> = blobs.iter().flat_map(|b| decode_counts(b).into_iter().map(|(k, _)| k)).collect();
                union.into_iter().collect()
            } else {
                let mut entered = entered;
                entered.sort_unstable();
                entered.dedup();
                let stored = stored_months.remove(&(rep.to_string(), month, family)).map(|b| decode_keys(&b)).unwrap_or_default();
                merge_sorted(&stored, &entered)
            };
            if members.is_empty() {
                month_deletes.push((rep, month, family));
            } else {
                month_writes.push((rep, month, family, encode_keys(&members)));
            }
        }
        let touched_org_months: BTreeSet<(i64, i64)> =
            month_writes.iter().map(|(_, m, f, _)| (*m, *f)).chain(month_deletes.iter().map(|(_, m, f)| (*m, *f))).collect();
        self.write_sets("customer_sets_month", "month", &month_writes).await?;
        self.delete_sets("customer_sets_month", "month", &month_deletes).await?;
        self.refresh_org_months(&touched_org_months).await
    }

    /// Recomputes the organisation's month sets as the union of the reps' month sets.
    async fn refresh_org_months(&mut self, months: &BTreeSet<(i64, i64)>) -> Result<()> {
        let backend = self.backend();
        for (month, family) in months {
            let text = format!(
                "SELECT members FROM customer_sets_month WHERE family = {} AND month = {}",
                placeholder(backend, 1),
                placeholder(backend, 2)
            );
            let blobs: Vec<Vec<u8>> = on_conn!(self, conn => sqlx::query_scalar(&text).bind(*family).bind(*month).fetch_all(conn).await?);
            let mut union = CustomerBits::default();
            for blob in &blobs {
                union.extend(decode_keys(blob));
            }
            let text = if union.is_empty() {
                format!(
                    "DELETE FROM customer_sets_org_month WHERE month = {} AND family = {}",
                    placeholder(backend, 1),
                    placeholder(backend, 2)
                )
            } else {
                format!(
                    "INSERT INTO customer_sets_org_month (month, family, members) VALUES ({}, {}, {}) ON CONFLICT (month, family) DO UPDATE SET members = excluded.members",
                    placeholder(backend, 1),
                    placeholder(backend, 2),
                    placeholder(backend, 3)
                )
            };
            let bytes = union.to_bytes();
            on_conn!(self, conn => {
                let query = sqlx::query(&text).bind(*month).bind(*family);
                let query = if union.is_empty() { query } else { query.bind(bytes.as_slice()) };
                query.execute(conn).await?;
            });
        }
        Ok(())
    }

    /// The stored sets of the given (rep, period, family) keys in `table`, by key.
    async fn stored_sets(
        &mut self,
        table: &str,
        period_column: &str,
        keys: &[(&str, i64, i64)],
    ) -> Result<FxHashMap<(String, i64, i64), Vec<u8>>> {
        let backend = self.backend();
        let mut stored = FxHashMap::default();
        for chunk in keys.chunks(crate::sql::rows_per_statement(3)) {
            let text = format!(
                "SELECT rep_id, {period_column}, family, members FROM {table} WHERE (rep_id, {period_column}, family) IN (VALUES {})",
                value_tuples(backend, chunk.len(), 3)
            );
            let rows: Vec<(String, i64, i64, Vec<u8>)> = on_conn!(self, conn => {
                let mut query = sqlx::query_as(&text);
                for (rep, period, family) in chunk {
                    query = query.bind(*rep).bind(*period).bind(*family);
                }
                query.fetch_all(conn).await?
            });
            stored.extend(rows.into_iter().map(|(rep, period, family, members)| ((rep, period, family), members)));
        }
        Ok(stored)
    }

    async fn write_sets(&mut self, table: &str, period_column: &str, rows: &[(&str, i64, i64, Vec<u8>)]) -> Result<()> {
        let backend = self.backend();
        let params: Vec<Param<'_>> = rows
            .iter()
            .flat_map(|(rep, period, family, members)| [Param::Text(rep), Param::Int(*period), Param::Int(*family), Param::Blob(members)])
            .collect();
        let upsert = |n: usize| {
            format!(
                "INSERT INTO {table} (rep_id, {period_column}, family, members) VALUES {} \
                 ON CONFLICT (rep_id, {period_column}, family) DO UPDATE SET members = excluded.members",
                value_tuples(backend, n, 4)
            )
        };
        self.execute_rows(upsert, 4, &params).await
    }

    async fn delete_sets(&mut self, table: &str, period_column: &str, rows: &[(&str, i64, i64)]) -> Result<()> {
        let backend = self.backend();
        let params: Vec<Param<'_>> =
            rows.iter().flat_map(|(rep, period, family)| [Param::Text(rep), Param::Int(*period), Param::Int(*family)]).collect();
        let delete =
            |n: usize| format!("DELETE FROM {table} WHERE (rep_id, {period_column}, family) IN (VALUES {})", value_tuples(backend, n, 3));
        self.execute_rows(delete, 3, &params).await
    }
}

/// Every stored customer set, for comparing incremental maintenance with a rebuild: per (rep,
/// day or month, family), the customer ids and their counts (months: count 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSetRow {
    pub rep_id: String,
    /// `day:<day number>` or `month:<month index>`.
    pub period: String,
    pub family: i64,
    pub members: Vec<(String, u32)>,
}

impl Db {
    pub async fn customer_set_rows(&self) -> Result<Vec<CustomerSetRow>> {
        let names: Vec<(String, i64)> =
            on_pool!(self, pool => sqlx::query_as("SELECT customer_id, key FROM customer_keys").fetch_all(pool).await?);
        let id_of: FxHashMap<u32, String> = names.into_iter().map(|(id, key)| (key as u32, id)).collect();
        let name = |k: u32| id_of.get(&k).cloned().unwrap_or_default();
        let days: Vec<(String, i64, i64, Vec<u8>)> =
            on_pool!(self, pool => sqlx::query_as("SELECT rep_id, day, family, members FROM customer_sets_day").fetch_all(pool).await?);
        let months: Vec<(String, i64, i64, Vec<u8>)> =
            on_pool!(self, pool => sqlx::query_as("SELECT rep_id, month, family, members FROM customer_sets_month").fetch_all(pool).await?);
        let mut out = Vec::new();
        for (rep_id, day, family, blob) in days {
            let mut members: Vec<(String, u32)> = decode_counts(&blob).into_iter().map(|(k, c)| (name(k), c)).collect();
            members.sort();
            out.push(CustomerSetRow { rep_id, period: format!("day:{day}"), family, members });
        }
        for (rep_id, month, family, blob) in months {
            let mut members: Vec<(String, u32)> = decode_keys(&blob).into_iter().map(|k| (name(k), 1)).collect();
            members.sort();
            out.push(CustomerSetRow { rep_id, period: format!("month:{month}"), family, members });
        }
        let org: Vec<(i64, i64, Vec<u8>)> =
            on_pool!(self, pool => sqlx::query_as("SELECT month, family, members FROM customer_sets_org_month").fetch_all(pool).await?);
        for (month, family, blob) in org {
            let bits = CustomerBits::from_bytes(&blob);
            let mut members: Vec<(String, u32)> =
                (0..(blob.len() * 8) as u32).filter(|k| bits.contains(*k)).map(|k| (name(k), 1)).collect();
            members.sort();
            out.push(CustomerSetRow { rep_id: "*".into(), period: format!("month:{month}"), family, members });
        }
        out.sort_by(|a, b| (a.rep_id.as_bytes(), &a.period, a.family).cmp(&(b.rep_id.as_bytes(), &b.period, b.family)));
        Ok(out)
    }

    /// Per rep, the customers of `family` over whole months and loose days, as sorted keys.
    pub async fn customer_sets_by_rep(
        &self,
        family: Family,
        months: &[i64],
        day_ranges: &[(Day, Day)],
    ) -> Result<FxHashMap<String, Vec<u32>>> {
        let backend = self.backend();
        let mut out: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        if !months.is_empty() {
            let text = format!(
                "SELECT rep_id, members FROM customer_sets_month WHERE family = {} AND month IN {}",
                placeholder(backend, 1),
                value_tuples_from(backend, 2, months.len())
            );
            let rows: Vec<(String, Vec<u8>)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&text).bind(family.code());
                for m in months {
                    query = query.bind(*m);
                }
                query.fetch_all(pool).await?
            });
            for (rep, blob) in rows {
                let keys = decode_keys(&blob);
                merge_into(out.entry(rep).or_default(), keys);
            }
        }
        for (first, last) in day_ranges {
            let text = format!(
                "SELECT rep_id, members FROM customer_sets_day WHERE family = {} AND day BETWEEN {} AND {}",
                placeholder(backend, 1),
                placeholder(backend, 2),
                placeholder(backend, 3)
            );
            let rows: Vec<(String, Vec<u8>)> = on_pool!(self, pool => {
                sqlx::query_as(&text).bind(family.code()).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await?
            });
            for (rep, blob) in rows {
                let keys: Vec<u32> = decode_counts(&blob).into_iter().map(|(k, _)| k).collect();
                merge_into(out.entry(rep).or_default(), keys);
            }
        }
        Ok(out)
    }

    /// The organisation's customers of `family` over whole months and loose days.
    pub async fn customer_bits_of_org(&self, family: Family, months: &[i64], day_ranges: &[(Day, Day)]) -> Result<CustomerBits> {
        let backend = self.backend();
        let mut bits = CustomerBits::default();
        if !months.is_empty() {
            let text = format!(
                "SELECT members FROM customer_sets_org_month WHERE family = {} AND month IN {}",
                placeholder(backend, 1),
                value_tuples_from(backend, 2, months.len())
            );
            let blobs: Vec<Vec<u8>> = on_pool!(self, pool => {
                let mut query = sqlx::query_scalar(&text).bind(family.code());
                for m in months {
                    query = query.bind(*m);
                }
                query.fetch_all(pool).await?
            });
            for blob in blobs {
                bits.union_with(&CustomerBits::from_bytes(&blob));
            }
        }
        for (first, last) in day_ranges {
            let text = format!(
                "SELECT members FROM customer_sets_day WHERE family = {} AND day BETWEEN {} AND {}",
                placeholder(backend, 1),
                placeholder(backend, 2),
                placeholder(backend, 3)
            );
            let blobs: Vec<Vec<u8>> = on_pool!(self, pool => {
                sqlx::query_scalar(&text).bind(family.code()).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await?
            });
            for blob in blobs {
                bits.extend(decode_counts(&blob).into_iter().map(|(k, _)| k));
            }
        }
        Ok(bits)
    }

    /// The customers of `family` per rep and day for the given reps (reps who changed team within
    /// the period are split by day), as sorted keys.
    pub async fn customer_sets_by_rep_day(
        &self,
        family: Family,
        reps: &[String],
        first: Day,
        last: Day,
    ) -> Result<Vec<(String, Day, Vec<u32>)>> {
        let backend = self.backend();
        let mut out = Vec::new();
        for rep in reps {
            let text = format!(
                "SELECT day, members FROM customer_sets_day WHERE rep_id = {} AND family = {} AND day BETWEEN {} AND {}",
                placeholder(backend, 1),
                placeholder(backend, 2),
                placeholder(backend, 3),
                placeholder(backend, 4)
            );
            let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, pool => {
                sqlx::query_as(&text).bind(rep).bind(family.code()).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await?
            });
            for (day, blob) in rows {
                out.push((rep.clone(), Day(day as i32), decode_counts(&blob).into_iter().map(|(k, _)| k).collect()));
            }
        }
        Ok(out)
    }
}

fn merge_into(target: &mut Vec<u32>, keys: Vec<u32>) {
    if target.is_empty() {
        *target = keys;
    } else {
        *target = merge_sorted(target, &keys);
    }
}

/// `($start,$start+1,…)` or `(?,?,…)`: one tuple of `n` placeholders numbered from `start`.
pub(crate) fn value_tuples_from(backend: Backend, start: usize, n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| placeholder(backend, start + i)).collect();
    format!("({})", items.join(","))
}
