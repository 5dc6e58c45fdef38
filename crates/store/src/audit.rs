//! The data-quality audit: daily reports a team lead checked, and the organisation's customer
//! history the reconciliation needs.

use crate::sql::{placeholder, value_tuples};
use crate::{Db, Result, on_pool};
use salescope_core::customers::Family;
use salescope_core::time::Day;

/// A team lead's check of one daily report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    pub rep_id: String,
    pub day: Day,
    pub checked_by: String,
    /// confirmed or discrepancy.
    pub result: String,
    pub note: String,
}

impl Db {
    /// Records (or replaces) the check of a rep's daily report.
    pub async fn record_audit_check(&self, check: &AuditCheck) -> Result<()> {
        let text = format!(
            "INSERT INTO audit_checks (rep_id, day, checked_by, result, note) VALUES {} ON CONFLICT (rep_id, day) DO UPDATE SET \
             checked_by = excluded.checked_by, result = excluded.result, note = excluded.note",
            value_tuples(self.backend(), 1, 5)
        );
        on_pool!(self, pool => {
            sqlx::query(&text)
                .bind(&check.rep_id)
                .bind(check.day.0 as i64)
                .bind(&check.checked_by)
                .bind(&check.result)
                .bind(&check.note)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The checks of daily reports for days `first..=last`.
    pub async fn audit_checks_between(&self, first: Day, last: Day) -> Result<Vec<AuditCheck>> {
        let text = format!(
            "SELECT rep_id, day, checked_by, result, note FROM audit_checks WHERE day >= {} AND day <= {} ORDER BY day, rep_id",
            placeholder(self.backend(), 1),
            placeholder(self.backend(), 2)
        );
        let rows: Vec<(String, i64, String, String, String)> =
            on_pool!(self, pool => sqlx::query_as(&text).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(rep_id, day, checked_by, result, note)| AuditCheck { rep_id, day: Day(day as i32), checked_by, result, note })
            .collect())
    }

    /// The months before `month` (a month index) that hold organisation customer sets.
    pub async fn org_set_months_before(&self, family: Family, month: i64) -> Result<Vec<i64>> {
        let text = format!(
            "SELECT month FROM customer_sets_org_month WHERE family = {} AND month < {} ORDER BY month",
            placeholder(self.backend(), 1),
            placeholder(self.backend(), 2)
        );
        Ok(on_pool!(self, pool => sqlx::query_scalar(&text).bind(family.code()).bind(month).fetch_all(pool).await?))
    }
}
