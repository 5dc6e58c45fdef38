//! What the review sheets read besides the rollups: the daily reports' written fields, and the
//! notes people write on the sheets.

use crate::sql::{decode_values, placeholder, value_tuples};
use crate::{Db, Result, StoreError, on_pool};
use salescope_core::parse::Record;
use salescope_core::records::DailyReport;
use salescope_core::time::Day;

/// A cell a person wrote on a review sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewNote {
    pub sheet: String,
    pub scope: String,
    pub period: String,
    pub field: String,
    pub value: String,
}

impl Db {
    /// The daily reports filed for days `first..=last`, by day and rep.
    pub async fn daily_reports_between(&self, first: Day, last: Day) -> Result<Vec<DailyReport>> {
        let columns = DailyReport::TABLE.columns;
        let text = format!(
            "SELECT {} FROM daily_reports WHERE day >= {} AND day <= {} ORDER BY day, rep_id",
            columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
            placeholder(self.backend(), 1),
            placeholder(self.backend(), 2),
        );
        let mut reports = Vec::new();
        on_pool!(self, pool => {
            for row in sqlx::query(&text).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await? {
                let report = DailyReport::from_values(decode_values!(row, columns))
                    .ok_or_else(|| StoreError::Corrupt { table: "daily_reports", detail: "unreadable row".to_string() })?;
                reports.push(report);
            }
        });
        Ok(reports)
    }

    /// The daily report `rep_id` filed for `day`, if any.
    pub async fn daily_report(&self, rep_id: &str, day: Day) -> Result<Option<DailyReport>> {
        let columns = DailyReport::TABLE.columns;
        let text = format!(
            "SELECT {} FROM daily_reports WHERE rep_id = {} AND day = {}",
            columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
            placeholder(self.backend(), 1),
            placeholder(self.backend(), 2),
        );
        let mut report = None;
        on_pool!(self, pool => {
            if let Some(row) = sqlx::query(&text).bind(rep_id).bind(day.0 as i64).fetch_optional(pool).await? {
                report = Some(DailyReport::from_values(decode_values!(row, columns))
                    .ok_or_else(|| StoreError::Corrupt { table: "daily_reports", detail: "unreadable row".to_string() })?);
            }
        });
        Ok(report)
    }

    /// The notes of a sheet whose period label sorts within `first..=last` (period labels of
    /// one kind sort in time order).
    pub async fn review_notes(&self, sheet: &str, first: &str, last: &str) -> Result<Vec<ReviewNote>> {
        let (p1, p2, p3) = (placeholder(self.backend(), 1), placeholder(self.backend(), 2), placeholder(self.backend(), 3));
        let text = format!(
            "SELECT sheet, scope, period, field, value FROM review_notes WHERE sheet = {p1} AND period >= {p2} AND period <= {p3} \
             ORDER BY period, scope, field"
        );
        let rows: Vec<(String, String, String, String, String)> =
            on_pool!(self, pool => sqlx::query_as(&text).bind(sheet).bind(first).bind(last).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(sheet, scope, period, field, value)| ReviewNote { sheet, scope, period, field, value }).collect())
    }

    /// Writes a note; an empty value removes it.
    pub async fn set_review_note(&self, note: &ReviewNote) -> Result<()> {
        let backend = self.backend();
        if note.value.trim().is_empty() {
            let p = |n| placeholder(backend, n);
            let text =
                format!("DELETE FROM review_notes WHERE sheet = {} AND scope = {} AND period = {} AND field = {}", p(1), p(2), p(3), p(4));
            on_pool!(self, pool => {
                sqlx::query(&text).bind(&note.sheet).bind(&note.scope).bind(&note.period).bind(&note.field).execute(pool).await?;
            });
            return Ok(());
        }
        let text = format!(
            "INSERT INTO review_notes (sheet, scope, period, field, value) VALUES {} \
             ON CONFLICT (sheet, scope, period, field) DO UPDATE SET value = excluded.value",
            value_tuples(backend, 1, 5)
        );
        on_pool!(self, pool => {
            sqlx::query(&text)
                .bind(&note.sheet)
                .bind(&note.scope)
                .bind(&note.period)
                .bind(&note.field)
                .bind(note.value.trim())
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
