//! Deals with their stage history, as the process analytics read them.

use crate::{Db, Result, on_pool};
use salescope_core::pipeline::{DealPath, Ending};
use salescope_core::records::DealStatus;
use salescope_core::time::LocalDateTime;
use std::collections::HashMap;

impl Db {
    /// Every deal with the stages it entered, in time order. Deals and stage changes are far
    /// fewer than calls; they are read whole, only the columns the analyses use.
    pub async fn deal_paths(&self) -> Result<Vec<DealPath>> {
        type DealRow = (String, String, i64, i64, String, Option<i64>, Option<String>, Option<String>);
        let deals_sql = "SELECT deal_id, rep_id, amount_cents, created_at, status, closed_at, source, segment FROM deals ORDER BY deal_id";
        let stages_sql = "SELECT deal_id, stage, entered_at FROM deal_stages ORDER BY deal_id, entered_at";
        let (deals, changes): (Vec<DealRow>, Vec<(String, String, i64)>) = on_pool!(self, pool => (
            sqlx::query_as(deals_sql).fetch_all(pool).await?,
            sqlx::query_as(stages_sql).fetch_all(pool).await?,
        ));
        let mut stages: HashMap<String, Vec<(String, LocalDateTime)>> = HashMap::new();
        for (deal_id, stage, entered_at) in changes {
            stages.entry(deal_id).or_default().push((stage, LocalDateTime(entered_at)));
        }
        Ok(deals
            .into_iter()
            .map(|(deal_id, rep_id, amount, created_at, status, closed_at, source, segment)| {
                let ending = match DealStatus::from_id(&status) {
                    Some(DealStatus::Won) => Some(Ending::Won),
                    Some(DealStatus::Lost) => Some(Ending::Lost),
                    Some(DealStatus::Open) | None => None,
                };
                DealPath {
                    stages: stages.remove(&deal_id).unwrap_or_default(),
                    deal_id,
                    rep_id,
                    amount,
                    created_at: LocalDateTime(created_at),
                    closed: closed_at.map(LocalDateTime).zip(ending),
                    source,
                    segment,
                }
            })
            .collect())
    }
}

impl Db {
    /// The forecast category of each deal that has one.
    pub async fn forecast_categories(&self) -> Result<HashMap<String, String>> {
        let sql = "SELECT deal_id, category FROM deal_forecast_categories";
        let rows: Vec<(String, String)> = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows.into_iter().collect())
    }

    /// Puts a deal in a forecast category; returns the category it had.
    pub async fn set_forecast_category(&self, deal_id: &str, category: &str, login: &str, at: i64) -> Result<Option<String>> {
        let select = crate::sql::numbered(self.backend(), "SELECT category FROM deal_forecast_categories WHERE deal_id = ?");
        let before: Option<String> = on_pool!(self, pool => sqlx::query_scalar(&select).bind(deal_id).fetch_optional(pool).await?);
        let sql = format!(
            "INSERT INTO deal_forecast_categories (deal_id, category, set_by, set_at) VALUES {} \
             ON CONFLICT (deal_id) DO UPDATE SET category = excluded.category, set_by = excluded.set_by, set_at = excluded.set_at",
            crate::sql::value_tuples(self.backend(), 1, 4)
        );
        on_pool!(self, pool => {
            sqlx::query(&sql).bind(deal_id).bind(category).bind(login).bind(at).execute(pool).await?;
        });
        Ok(before)
    }
}
