//! What managers set and write: targets, custom KPIs, calendar days.

use crate::sql::value_tuples;
use crate::{Db, Result, on_pool};
use salescope_core::time::Day;

#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    pub kpi: String,
    /// `org`, `team:NAME` or `rep:ID`.
    pub scope: String,
    /// A period label: `2024`, `2024-Q3`, `2024-07`, `2024-W28`, `2024-07-08`.
    pub period: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomKpiRow {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub unit: String,
    pub direction: String,
    pub formula: String,
}

use crate::sql::placeholder as p;

impl Db {
    pub async fn targets(&self) -> Result<Vec<TargetRow>> {
        let rows: Vec<(String, String, String, f64)> =
            on_pool!(self, pool => sqlx::query_as("SELECT kpi, scope, period, value FROM targets").fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(kpi, scope, period, value)| TargetRow { kpi, scope, period, value }).collect())
    }

    /// Stores targets, replacing those of the same KPI, scope and period.
    pub async fn set_targets(&self, targets: &[TargetRow]) -> Result<()> {
        let backend = self.backend();
        for chunk in targets.chunks(crate::sql::rows_per_statement(4)) {
            let text = format!(
                "INSERT INTO targets (kpi, scope, period, value) VALUES {} ON CONFLICT (kpi, scope, period) DO UPDATE SET value = excluded.value",
                value_tuples(backend, chunk.len(), 4)
            );
            on_pool!(self, pool => {
                let mut query = sqlx::query(&text);
                for t in chunk {
                    query = query.bind(&t.kpi).bind(&t.scope).bind(&t.period).bind(t.value);
                }
                query.execute(pool).await?;
            });
        }
        Ok(())
    }

    pub async fn delete_target(&self, kpi: &str, scope: &str, period: &str) -> Result<bool> {
        let backend = self.backend();
        let text =
            format!("DELETE FROM targets WHERE kpi = {} AND scope = {} AND period = {}", p(backend, 1), p(backend, 2), p(backend, 3));
        let affected = on_pool!(self, pool => sqlx::query(&text).bind(kpi).bind(scope).bind(period).execute(pool).await?.rows_affected());
        Ok(affected > 0)
    }

    pub async fn custom_kpi_rows(&self) -> Result<Vec<CustomKpiRow>> {
        let rows: Vec<(String, String, String, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, name_en, name_zh, unit, direction, formula FROM custom_kpis ORDER BY id").fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name_en, name_zh, unit, direction, formula)| CustomKpiRow { id, name_en, name_zh, unit, direction, formula })
            .collect())
    }

    pub async fn save_custom_kpi(&self, row: &CustomKpiRow) -> Result<()> {
        let text = format!(
            "INSERT INTO custom_kpis (id, name_en, name_zh, unit, direction, formula) VALUES {} ON CONFLICT (id) DO UPDATE SET \
             name_en = excluded.name_en, name_zh = excluded.name_zh, unit = excluded.unit, direction = excluded.direction, formula = excluded.formula",
            value_tuples(self.backend(), 1, 6)
        );
        on_pool!(self, pool => {
            sqlx::query(&text)
                .bind(&row.id)
                .bind(&row.name_en)
                .bind(&row.name_zh)
                .bind(&row.unit)
                .bind(&row.direction)
                .bind(&row.formula)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_custom_kpi(&self, id: &str) -> Result<bool> {
        let text = format!("DELETE FROM custom_kpis WHERE id = {}", p(self.backend(), 1));
        Ok(on_pool!(self, pool => sqlx::query(&text).bind(id).execute(pool).await?.rows_affected()) > 0)
    }

    /// Days that differ from the built-in calendar: (day, `holiday` or `workday`, name).
    pub async fn calendar_overrides(&self) -> Result<Vec<(Day, String, String)>> {
        let rows: Vec<(i64, String, String)> =
            on_pool!(self, pool => sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(d, kind, name)| (Day(d as i32), kind, name)).collect())
    }

    /// Returns a day to what the built-in calendar says.
    pub async fn remove_calendar_day(&self, day: Day) -> Result<()> {
        let text = format!("DELETE FROM calendar_days WHERE day = {}", p(self.backend(), 1));
        on_pool!(self, pool => {
            sqlx::query(&text).bind(day.0 as i64).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn set_calendar_day(&self, day: Day, kind: &str, name: &str) -> Result<()> {
        let text = format!(
            "INSERT INTO calendar_days (day, kind, name) VALUES {} ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
            value_tuples(self.backend(), 1, 3)
        );
        on_pool!(self, pool => {
            sqlx::query(&text).bind(day.0 as i64).bind(kind).bind(name).execute(pool).await?;
        });
        Ok(())
    }
}

/// A rep on daily tracking (升级为每日跟踪), from `started_on` until `ended_on`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingRow {
    pub id: i64,
    pub rep_id: String,
    pub kpi: String,
    pub period: String,
    pub started_on: Day,
    pub ended_on: Option<Day>,
    /// Projected attainment (%) when tracking started.
    pub attainment: Option<f64>,
    /// Why: `below_threshold` (projected attainment under `threshold` %).
    pub reason: String,
    pub threshold: Option<f64>,
}

impl Db {
    pub async fn tracking_rows(&self, open_only: bool) -> Result<Vec<TrackingRow>> {
        let sql = if open_only {
            "SELECT id, rep_id, kpi, period, started_on, ended_on, attainment, reason, threshold FROM tracking WHERE ended_on IS NULL \
             ORDER BY started_on, rep_id"
        } else {
            "SELECT id, rep_id, kpi, period, started_on, ended_on, attainment, reason, threshold FROM tracking ORDER BY started_on, rep_id"
        };
        type Row = (i64, String, String, String, i64, Option<i64>, Option<f64>, String, Option<f64>);
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, rep_id, kpi, period, started, ended, attainment, reason, threshold)| TrackingRow {
                id,
                rep_id,
                kpi,
                period,
                started_on: Day(started as i32),
                ended_on: ended.map(|d| Day(d as i32)),
                attainment,
                reason,
                threshold,
            })
            .collect())
    }

    /// Puts a rep on daily tracking (`row.id`, `row.ended_on` are ignored).
    pub async fn start_tracking(&self, row: &TrackingRow) -> Result<()> {
        let text = format!(
            "INSERT INTO tracking (rep_id, kpi, period, started_on, ended_on, attainment, reason, threshold) VALUES {}",
            value_tuples(self.backend(), 1, 8)
        );
        on_pool!(self, pool => {
            sqlx::query(&text)
                .bind(&row.rep_id)
                .bind(&row.kpi)
                .bind(&row.period)
                .bind(row.started_on.0 as i64)
                .bind(None::<i64>)
                .bind(row.attainment)
                .bind(&row.reason)
                .bind(row.threshold)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn end_tracking(&self, id: i64, on: Day) -> Result<()> {
        let text = format!("UPDATE tracking SET ended_on = {} WHERE id = {}", p(self.backend(), 1), p(self.backend(), 2));
        on_pool!(self, pool => {
            sqlx::query(&text).bind(on.0 as i64).bind(id).execute(pool).await?;
        });
        Ok(())
    }
}

impl Db {
    /// Scorecard weights: (role, KPI id, weight), by role and KPI.
    pub async fn scorecard_rows(&self) -> Result<Vec<(String, String, f64)>> {
        Ok(on_pool!(self, pool => sqlx::query_as("SELECT role, kpi, weight FROM scorecards ORDER BY role, kpi").fetch_all(pool).await?))
    }

    /// Replaces the scorecard of a role; no entries removes it.
    pub async fn set_scorecard(&self, role: &str, entries: &[(String, f64)]) -> Result<()> {
        let backend = self.backend();
        let delete = format!("DELETE FROM scorecards WHERE role = {}", p(backend, 1));
        let insert = format!("INSERT INTO scorecards (role, kpi, weight) VALUES {}", value_tuples(backend, 1, 3));
        let mut tx = self.begin().await?;
        crate::on_conn!(tx, conn => {
            sqlx::query(&delete).bind(role).execute(&mut *conn).await?;
            for (kpi, weight) in entries {
                sqlx::query(&insert).bind(role).bind(kpi).bind(weight).execute(&mut *conn).await?;
            }
        });
        tx.commit().await
    }
}
