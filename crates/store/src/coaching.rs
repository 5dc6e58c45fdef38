//! Coaching tasks: gaps turned into work, with 1:1 notes and follow-up measurements.

use crate::sql::{numbered, value_tuples};
use crate::{Db, Result, on_pool};
use salescope_core::time::Day;

#[derive(Debug, Clone, PartialEq)]
pub struct CoachingTaskRow {
    pub id: i64,
    pub rep_id: String,
    /// stage_conversion, time_in_stage or kpi.
    pub kind: String,
    /// The stage or the KPI id.
    pub name: String,
    pub label: String,
    /// The rep's value when the task was made, and the team median then.
    pub baseline: f64,
    pub team_median: f64,
    /// The login who coaches.
    pub owner: String,
    pub due: Day,
    /// 1:1 notes, newest last, one per line with its date.
    pub notes: String,
    /// open or done.
    pub status: String,
    pub created_on: Day,
    pub created_by: String,
    /// The rep's value at the last follow-up.
    pub latest: Option<f64>,
    pub measured_on: Option<Day>,
}

const COLUMNS: &str =
    "id, rep_id, kind, name, label, baseline, team_median, owner, due, notes, status, created_on, created_by, latest, measured_on";

type Row = (i64, String, String, String, String, f64, f64, String, i64, String, String, i64, String, Option<f64>, Option<i64>);

fn from_row(r: Row) -> CoachingTaskRow {
    CoachingTaskRow {
        id: r.0,
        rep_id: r.1,
        kind: r.2,
        name: r.3,
        label: r.4,
        baseline: r.5,
        team_median: r.6,
        owner: r.7,
        due: Day(r.8 as i32),
        notes: r.9,
        status: r.10,
        created_on: Day(r.11 as i32),
        created_by: r.12,
        latest: r.13,
        measured_on: r.14.map(|d| Day(d as i32)),
    }
}

impl Db {
    /// Stores a new task and returns its id (`task.id` is ignored).
    pub async fn insert_coaching_task(&self, t: &CoachingTaskRow) -> Result<i64> {
        let text = format!(
            "INSERT INTO coaching_tasks ({}) VALUES {} RETURNING id",
            COLUMNS.trim_start_matches("id, "),
            value_tuples(self.backend(), 1, 14)
        );
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(&text)
            .bind(&t.rep_id).bind(&t.kind).bind(&t.name).bind(&t.label).bind(t.baseline).bind(t.team_median).bind(&t.owner)
            .bind(t.due.0 as i64).bind(&t.notes).bind(&t.status).bind(t.created_on.0 as i64).bind(&t.created_by)
            .bind(t.latest).bind(t.measured_on.map(|d| d.0 as i64))
            .fetch_one(pool).await?);
        Ok(id)
    }

    /// Every task, open ones first, by due date.
    pub async fn coaching_tasks(&self) -> Result<Vec<CoachingTaskRow>> {
        let text = format!("SELECT {COLUMNS} FROM coaching_tasks ORDER BY status DESC, due, id");
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(&text).fetch_all(pool).await?);
        Ok(rows.into_iter().map(from_row).collect())
    }

    pub async fn coaching_task(&self, id: i64) -> Result<Option<CoachingTaskRow>> {
        let text = numbered(self.backend(), &format!("SELECT {COLUMNS} FROM coaching_tasks WHERE id = ?"));
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(&text).bind(id).fetch_optional(pool).await?);
        Ok(row.map(from_row))
    }

    /// Writes the task's notes, status and last measurement.
    pub async fn update_coaching_task(&self, t: &CoachingTaskRow) -> Result<()> {
        let text = numbered(self.backend(), "UPDATE coaching_tasks SET notes = ?, status = ?, latest = ?, measured_on = ? WHERE id = ?");
        on_pool!(self, pool => {
            sqlx::query(&text).bind(&t.notes).bind(&t.status).bind(t.latest).bind(t.measured_on.map(|d| d.0 as i64)).bind(t.id).execute(pool).await?;
        });
        Ok(())
    }
}
