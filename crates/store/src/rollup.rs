//! The per-rep daily totals table: applying ingest deltas, rebuilding from raw records, reading.

use crate::bulk::Param;
use crate::sql::{self, decode_values};
use crate::{Db, Result, StoreError, Tx, on_conn, on_pool};
use futures_util::TryStreamExt;
use salescope_core::parse::Record;
use salescope_core::period::month_index;
use salescope_core::records::{self, Activity, Call, DailyReport, Deal, Feedback, Lead};
use salescope_core::rollup::{MEASURE_COUNT, Measure, RollupDelta, Totals};
use salescope_core::time::Day;

/// One row of the rollup table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupRow {
    pub rep_id: String,
    pub day: Day,
    pub totals: Totals,
}

fn measure_columns() -> Vec<&'static str> {
    Measure::ALL.iter().map(|m| m.column()).collect()
}

impl Tx {
    /// Adds the changes to the stored totals — per day, per month, and the customer sets — so
    /// that the tables hold exactly what a rebuild would produce: rows whose totals drop to all
    /// zeros are removed.
    pub async fn apply_rollup_delta(&mut self, delta: &RollupDelta) -> Result<()> {
        let by_day: Vec<(&str, i64, Totals)> = delta.entries().map(|(rep, day, t)| (rep, day.0 as i64, *t)).collect();
        let mut by_month: std::collections::BTreeMap<(&str, i64), Totals> = std::collections::BTreeMap::new();
        for (rep, day, totals) in delta.entries() {
            let (y, m, _) = day.ymd();
            let sum = by_month.entry((rep, month_index(y, m) as i64)).or_insert([0; MEASURE_COUNT]);
            for (a, b) in sum.iter_mut().zip(totals) {
                *a += b;
            }
        }
        let by_month: Vec<(&str, i64, Totals)> = by_month.into_iter().map(|((rep, month), t)| (rep, month, t)).collect();
        self.add_totals("rollup_rep_day", "day", &by_day, delta.removes_anything()).await?;
        self.add_totals("rollup_rep_month", "month", &by_month, delta.removes_anything()).await?;
        self.add_hour_totals(delta).await?;
        self.apply_membership_changes(&delta.membership_changes(), delta.customer_ids()).await
    }

    /// Adds totals to the rows of `table`, keyed by rep and `period_column`.
    async fn add_totals(&mut self, table: &str, period_column: &str, entries: &[(&str, i64, Totals)], removes: bool) -> Result<()> {
        let backend = self.backend();
        let entries: Vec<&(&str, i64, Totals)> = entries.iter().filter(|(_, _, t)| t.iter().any(|v| *v != 0)).collect();
        // Only the measures this change touches: a calls import moves a quarter of them.
        let touched: Vec<Measure> = Measure::ALL.iter().copied().filter(|m| entries.iter().any(|(_, _, t)| t[*m as usize] != 0)).collect();
        let columns: Vec<&str> = touched.iter().map(|m| m.column()).collect();
        let width = 2 + touched.len();
        let params: Vec<Param<'_>> = entries
            .iter()
            .flat_map(|(rep, period, totals)| {
                [Param::Text(rep), Param::Int(*period)].into_iter().chain(touched.iter().map(|m| Param::Int(totals[*m as usize])))
            })
            .collect();
        let updates = columns.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ");
        let upsert = |n: usize| {
            format!(
                "INSERT INTO {table} (rep_id, {period_column}, {}) VALUES {} ON CONFLICT (rep_id, {period_column}) DO UPDATE SET {updates}",
                columns.join(", "),
                sql::value_tuples(backend, n, width),
            )
        };
        self.execute_rows(upsert, width, &params).await?;
        if removes {
            let all_zero = measure_columns().iter().map(|c| format!("{c} = 0")).collect::<Vec<_>>().join(" AND ");
            let keys: Vec<Param<'_>> = entries.iter().flat_map(|(rep, period, _)| [Param::Text(rep), Param::Int(*period)]).collect();
            let delete = |n: usize| {
                format!(
                    "DELETE FROM {table} WHERE (rep_id, {period_column}) IN (VALUES {}) AND {all_zero}",
                    sql::value_tuples(backend, n, 2)
                )
            };
            self.execute_rows(delete, 2, &keys).await?;
        }
        Ok(())
    }

    /// Adds the changes to the per-hour call cells; cells left with no call are removed.
    async fn add_hour_totals(&mut self, delta: &RollupDelta) -> Result<()> {
        let backend = self.backend();
        let params: Vec<Param<'_>> = delta
            .hour_entries()
            .into_iter()
            .flat_map(|(rep, day, hour, t)| {
                [Param::Text(rep), Param::Int(day.0 as i64), Param::Int(i64::from(hour)), Param::Int(t.calls), Param::Int(t.connected)]
            })
            .collect();
        let upsert = |n: usize| {
            format!(
                "INSERT INTO rollup_rep_hour (rep_id, day, hour, calls, connected) VALUES {} ON CONFLICT (rep_id, day, hour) \
                 DO UPDATE SET calls = rollup_rep_hour.calls + excluded.calls, connected = rollup_rep_hour.connected + excluded.connected",
                sql::value_tuples(backend, n, 5)
            )
        };
        self.execute_rows(upsert, 5, &params).await?;
        if delta.removes_anything() && !params.is_empty() {
            on_conn!(self, conn => {
                sqlx::query("DELETE FROM rollup_rep_hour WHERE calls = 0 AND connected = 0").execute(conn).await?;
            });
        }
        Ok(())
    }

    /// Adds every stored record of a kind to `delta`.
    async fn accumulate<R: Record>(&mut self, delta: &mut RollupDelta) -> Result<()> {
        let table = R::TABLE;
        let text = format!("SELECT {} FROM {}", table.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", "), table.name);
        on_conn!(self, conn => {
            let mut rows = sqlx::query(&text).fetch(conn);
            while let Some(row) = rows.try_next().await? {
                let record = R::from_values(decode_values!(row, table.columns))
                    .ok_or_else(|| StoreError::Corrupt { table: table.name, detail: "unreadable row".to_string() })?;
                record.contribute(1, delta);
            }
        });
        Ok(())
    }

    /// Adds every customer's first win to `delta`.
    async fn accumulate_first_wins(&mut self, delta: &mut RollupDelta) -> Result<()> {
        let columns = Deal::TABLE.columns;
        let text = format!(
            "SELECT {} FROM deals WHERE status = 'won' ORDER BY customer_id",
            columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        );
        fn flush(group: &mut Vec<Deal>, delta: &mut RollupDelta) {
            if let Some(first) = records::first_win(group.iter()) {
                records::contribute_first_win(first, 1, delta);
            }
            group.clear();
        }
        let mut group: Vec<Deal> = Vec::new();
        on_conn!(self, conn => {
            let mut rows = sqlx::query(&text).fetch(conn);
            while let Some(row) = rows.try_next().await? {
                let deal = Deal::from_values(decode_values!(row, columns))
                    .ok_or_else(|| StoreError::Corrupt { table: "deals", detail: "unreadable row".to_string() })?;
                if group.first().is_some_and(|g| g.customer_id != deal.customer_id) {
                    flush(&mut group, delta);
                }
                group.push(deal);
            }
        });
        flush(&mut group, delta);
        Ok(())
    }
}

impl Db {
    /// Recomputes the totals from the raw records, in one transaction. Returns the number of
    /// (rep, day) rows written.
    pub async fn rebuild_rollups(&self) -> Result<usize> {
        let mut tx = self.begin().await?;
        for table in
            ["rollup_rep_day", "rollup_rep_month", "rollup_rep_hour", "customer_sets_day", "customer_sets_month", "customer_sets_org_month"]
        {
            let text = format!("DELETE FROM {table}");
            on_conn!(&mut tx, conn => {
                sqlx::query(&text).execute(conn).await?;
            });
        }
        let mut delta = RollupDelta::default();
        tx.accumulate::<Call>(&mut delta).await?;
        tx.accumulate::<Activity>(&mut delta).await?;
        tx.accumulate::<Lead>(&mut delta).await?;
        tx.accumulate::<Deal>(&mut delta).await?;
        tx.accumulate::<Feedback>(&mut delta).await?;
        tx.accumulate::<DailyReport>(&mut delta).await?;
        tx.accumulate_first_wins(&mut delta).await?;
        tx.apply_rollup_delta(&delta).await?;
        tx.commit().await?;
        Ok(delta.len())
    }

    /// The call cells of days `first..=last`: (rep, day, hour, calls, connected).
    pub async fn call_hours(&self, first: Day, last: Day) -> Result<Vec<(String, Day, u32, i64, i64)>> {
        let text = format!(
            "SELECT rep_id, day, hour, calls, connected FROM rollup_rep_hour WHERE day >= {} AND day <= {} ORDER BY rep_id, day, hour",
            sql::placeholder(self.backend(), 1),
            sql::placeholder(self.backend(), 2)
        );
        let rows: Vec<(String, i64, i64, i64, i64)> =
            on_pool!(self, pool => sqlx::query_as(&text).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(rep, day, hour, calls, connected)| (rep, Day(day as i32), hour as u32, calls, connected)).collect())
    }

    /// The call cells of `reps` on days `first..=last`, summed over the reps: (day, hour, calls,
    /// connected). Read through the primary key, rep by rep, so a month of a few reps costs a few
    /// seeks, not a pass over the year.
    pub async fn call_hours_of(&self, reps: &[&str], first: Day, last: Day) -> Result<Vec<(Day, u32, i64, i64)>> {
        let backend = self.backend();
        let mut out = Vec::new();
        for chunk in reps.chunks(sql::rows_per_statement(1)) {
            // SQLite numbers `?` in the order they appear: the days come first. PostgreSQL sums
            // BIGINT into NUMERIC: cast back so both backends return integers.
            let text = format!(
                "SELECT day, hour, CAST(SUM(calls) AS BIGINT), CAST(SUM(connected) AS BIGINT) FROM rollup_rep_hour \
                 WHERE day >= {} AND day <= {} AND rep_id IN {} GROUP BY day, hour",
                sql::placeholder(backend, 1),
                sql::placeholder(backend, 2),
                crate::sets::value_tuples_from(backend, 3, chunk.len())
            );
            let rows: Vec<(i64, i64, i64, i64)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&text).bind(first.0 as i64).bind(last.0 as i64);
                for rep in chunk {
                    query = query.bind(*rep);
                }
                query.fetch_all(pool).await?
            });
            out.extend(rows.into_iter().map(|(day, hour, calls, connected)| (Day(day as i32), hour as u32, calls, connected)));
        }
        Ok(out)
    }

    /// Every row of the month totals, as (rep, month index, totals), ordered by rep and month.
    pub async fn rollup_month_rows(&self) -> Result<Vec<(String, i64, Totals)>> {
        let text = format!("SELECT rep_id, month, {} FROM rollup_rep_month", measure_columns().join(", "));
        let mut out = Vec::new();
        on_pool!(self, pool => {
            for row in sqlx::query(&text).fetch_all(pool).await? {
                use sqlx::Row;
                let mut totals = [0i64; MEASURE_COUNT];
                for (i, t) in totals.iter_mut().enumerate() {
                    *t = row.try_get::<i64, _>(i + 2)?;
                }
                out.push((row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?, totals));
            }
        });
        out.sort_by(|a, b| (a.0.as_bytes(), a.1).cmp(&(b.0.as_bytes(), b.1)));
        Ok(out)
    }

    /// Every row of the totals table, ordered by rep and day.
    pub async fn rollup_rows(&self) -> Result<Vec<RollupRow>> {
        let text = format!("SELECT rep_id, day, {} FROM rollup_rep_day ORDER BY rep_id, day", measure_columns().join(", "));
        let mut out = Vec::new();
        on_pool!(self, pool => {
            for row in sqlx::query(&text).fetch_all(pool).await? {
                use sqlx::Row;
                let mut totals = [0i64; MEASURE_COUNT];
                for (i, t) in totals.iter_mut().enumerate() {
                    *t = row.try_get::<i64, _>(i + 2)?;
                }
                let day: i64 = row.try_get(1)?;
                out.push(RollupRow { rep_id: row.try_get(0)?, day: Day(day as i32), totals });
            }
        });
        // Text collation differs between the backends; order bytewise here.
        out.sort_by(|a, b| (a.rep_id.as_bytes(), a.day).cmp(&(b.rep_id.as_bytes(), b.day)));
        Ok(out)
    }
}

/// Totals of a team over all stored days, each day counted for the team the rep was in then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamTotals {
    pub team: String,
    /// Reps in the team now.
    pub reps: i64,
    pub calls: i64,
    pub connected: i64,
    pub won_deals: i64,
    pub revenue_cents: i64,
}

impl Db {
    pub async fn team_totals(&self) -> Result<Vec<TeamTotals>> {
        // PostgreSQL sums BIGINT into NUMERIC: cast back so both backends return integers.
        let totals_sql = "SELECT h.team, CAST(SUM(r.outbound_calls + r.inbound_calls) AS BIGINT), \
             CAST(SUM(r.outbound_connected + r.inbound_connected) AS BIGINT), CAST(SUM(r.won_deals) AS BIGINT), \
             CAST(SUM(r.revenue_cents) AS BIGINT) \
             FROM rollup_rep_day r JOIN rep_team_history h ON h.rep_id = r.rep_id \
             AND (h.valid_from IS NULL OR r.day >= h.valid_from) AND (h.valid_to IS NULL OR r.day < h.valid_to) \
             GROUP BY h.team";
        let members_sql = "SELECT team, COUNT(*) FROM rep_team_history WHERE valid_to IS NULL GROUP BY team";
        type Sums = (String, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let (totals, members): (Vec<Sums>, Vec<(String, i64)>) = on_pool!(self, pool => {
            (sqlx::query_as(totals_sql).fetch_all(pool).await?, sqlx::query_as(members_sql).fetch_all(pool).await?)
        });
        let mut out: Vec<TeamTotals> = members
            .into_iter()
            .map(|(team, reps)| TeamTotals { team, reps, calls: 0, connected: 0, won_deals: 0, revenue_cents: 0 })
            .collect();
        for (team, calls, connected, won, revenue) in totals {
            let index = match out.iter().position(|t| t.team == team) {
                Some(i) => i,
                None => {
                    out.push(TeamTotals { team, reps: 0, calls: 0, connected: 0, won_deals: 0, revenue_cents: 0 });
                    out.len() - 1
                }
            };
            let entry = &mut out[index];
            entry.calls = calls.unwrap_or(0);
            entry.connected = connected.unwrap_or(0);
            entry.won_deals = won.unwrap_or(0);
            entry.revenue_cents = revenue.unwrap_or(0);
        }
        out.sort_by(|a, b| a.team.cmp(&b.team));
        Ok(out)
    }
}
