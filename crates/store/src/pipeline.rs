//! Deals with their stage history, as the process analytics read them.

use crate::{Db, Result, on_pool};
use salescope_core::pipeline::{DealPath, Ending};
use salescope_core::process::{PipelineDef, StageDef};
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

impl Db {
    /// The configured pipelines in order, each with its stages in order; empty when none are.
    pub async fn pipelines(&self) -> Result<Vec<PipelineDef>> {
        let pipelines_sql = "SELECT pipeline_id, name_en, name_zh FROM pipelines ORDER BY position";
        let stages_sql =
            "SELECT pipeline_id, stage, name_en, name_zh, milestones, entry_criteria FROM pipeline_stages ORDER BY pipeline_id, position";
        type StageRow = (String, String, String, String, String, String);
        let (pipelines, stages): (Vec<(String, String, String)>, Vec<StageRow>) = on_pool!(self, pool => (
            sqlx::query_as(pipelines_sql).fetch_all(pool).await?,
            sqlx::query_as(stages_sql).fetch_all(pool).await?,
        ));
        let mut defs: Vec<PipelineDef> =
            pipelines.into_iter().map(|(id, name_en, name_zh)| PipelineDef { id, name_en, name_zh, stages: Vec::new() }).collect();
        for (pipeline_id, key, name_en, name_zh, milestones, entry_criteria) in stages {
            if let Some(def) = defs.iter_mut().find(|d| d.id == pipeline_id) {
                let milestones = milestones.lines().map(str::to_string).collect();
                def.stages.push(StageDef { key, name_en, name_zh, milestones, entry_criteria });
            }
        }
        Ok(defs)
    }

    /// Replaces the whole configuration with `pipelines` (validated by the caller), in one
    /// transaction: readers see the old configuration or the new one, never a mix.
    pub async fn replace_pipelines(&self, pipelines: &[PipelineDef]) -> Result<()> {
        let backend = self.backend();
        let insert_pipeline =
            format!("INSERT INTO pipelines (pipeline_id, position, name_en, name_zh) VALUES {}", crate::sql::value_tuples(backend, 1, 4));
        let insert_stage = format!(
            "INSERT INTO pipeline_stages (pipeline_id, position, stage, name_en, name_zh, milestones, entry_criteria) VALUES {}",
            crate::sql::value_tuples(backend, 1, 7)
        );
        let mut tx = self.begin().await?;
        crate::on_conn!(tx, conn => {
            sqlx::query("DELETE FROM pipeline_stages").execute(&mut *conn).await?;
            sqlx::query("DELETE FROM pipelines").execute(&mut *conn).await?;
            for (p, def) in pipelines.iter().enumerate() {
                sqlx::query(&insert_pipeline).bind(&def.id).bind(p as i64).bind(&def.name_en).bind(&def.name_zh).execute(&mut *conn).await?;
                for (s, stage) in def.stages.iter().enumerate() {
                    sqlx::query(&insert_stage)
                        .bind(&def.id)
                        .bind(s as i64)
                        .bind(&stage.key)
                        .bind(&stage.name_en)
                        .bind(&stage.name_zh)
                        .bind(stage.milestones.join("\n"))
                        .bind(&stage.entry_criteria)
                        .execute(&mut *conn)
                        .await?;
                }
            }
        });
        tx.commit().await
    }
}
