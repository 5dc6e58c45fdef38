//! Problems and improvement actions (问题分析与改进表).

use crate::sql::{placeholder, value_tuples};
use crate::{Db, Result, on_pool};
use salescope_core::time::Day;

#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub id: i64,
    pub raised_on: Day,
    pub problem: String,
    /// People and teams concerned, as written.
    pub people: String,
    /// ability, resource or strategy.
    pub cause_category: String,
    /// subjective, objective or both.
    pub cause_kind: String,
    pub cause: String,
    pub measures: String,
    pub owner: String,
    pub deadline: Day,
    /// The verification criterion, as [`salescope_core::criterion::Criterion`] writes it.
    pub criterion: String,
    /// open, verified, not_met or cancelled.
    pub status: String,
    /// JSON: what the check found.
    pub evidence: Option<String>,
    pub checked_on: Option<Day>,
}

const COLUMNS: &str =
    "id, raised_on, problem, people, cause_category, cause_kind, cause, measures, owner, deadline, criterion, status, evidence, checked_on";

type Row = (i64, i64, String, String, String, String, String, String, String, i64, String, String, Option<String>, Option<i64>);

fn from_row(r: Row) -> ActionRow {
    ActionRow {
        id: r.0,
        raised_on: Day(r.1 as i32),
        problem: r.2,
        people: r.3,
        cause_category: r.4,
        cause_kind: r.5,
        cause: r.6,
        measures: r.7,
        owner: r.8,
        deadline: Day(r.9 as i32),
        criterion: r.10,
        status: r.11,
        evidence: r.12,
        checked_on: r.13.map(|d| Day(d as i32)),
    }
}

macro_rules! bind_action {
    ($query:expr, $a:expr) => {
        $query
            .bind($a.raised_on.0 as i64)
            .bind(&$a.problem)
            .bind(&$a.people)
            .bind(&$a.cause_category)
            .bind(&$a.cause_kind)
            .bind(&$a.cause)
            .bind(&$a.measures)
            .bind(&$a.owner)
            .bind($a.deadline.0 as i64)
            .bind(&$a.criterion)
            .bind(&$a.status)
            .bind(&$a.evidence)
            .bind($a.checked_on.map(|d| d.0 as i64))
    };
}

impl Db {
    /// Stores a new action and returns its id (`action.id` is ignored).
    pub async fn insert_action(&self, action: &ActionRow) -> Result<i64> {
        let text = format!(
            "INSERT INTO actions ({}) VALUES {} RETURNING id",
            COLUMNS.trim_start_matches("id, "),
            value_tuples(self.backend(), 1, 13)
        );
        let id: i64 = on_pool!(self, pool => bind_action!(sqlx::query_scalar(&text), action).fetch_one(pool).await?);
        Ok(id)
    }

    /// Replaces every field of the action with `action.id`; `false` when there is none.
    pub async fn update_action(&self, action: &ActionRow) -> Result<bool> {
        let backend = self.backend();
        let sets: Vec<String> =
            COLUMNS.split(", ").skip(1).enumerate().map(|(i, column)| format!("{column} = {}", placeholder(backend, i + 1))).collect();
        let text = format!("UPDATE actions SET {} WHERE id = {}", sets.join(", "), placeholder(backend, 14));
        let affected =
            on_pool!(self, pool => bind_action!(sqlx::query(&text), action).bind(action.id).execute(pool).await?.rows_affected());
        Ok(affected > 0)
    }

    /// Every action, by deadline.
    pub async fn actions(&self) -> Result<Vec<ActionRow>> {
        let text = format!("SELECT {COLUMNS} FROM actions ORDER BY deadline, id");
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(&text).fetch_all(pool).await?);
        Ok(rows.into_iter().map(from_row).collect())
    }

    pub async fn action(&self, id: i64) -> Result<Option<ActionRow>> {
        let text = format!("SELECT {COLUMNS} FROM actions WHERE id = {}", placeholder(self.backend(), 1));
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(&text).bind(id).fetch_optional(pool).await?);
        Ok(row.map(from_row))
    }
}
