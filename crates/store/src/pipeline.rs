//! Deals with their stage history, as the process analytics read them.

use crate::sql::placeholder;
use crate::{Db, Result, on_pool};
use salescope_core::pipeline::{CloseTimes, DealColumns, DealMeasures, DealPath, Ending, learned_order};
use salescope_core::process::{PipelineDef, StageDef};
use salescope_core::records::{DealStatus, Lead};
use salescope_core::time::LocalDateTime;
use std::collections::HashMap;
use std::sync::Arc;

/// The data version that deals and stage changes move.
pub(crate) const DEALS_VERSION: &str = "deals";

/// Every deal with its stages, and the stage order they pass through.
#[derive(Debug)]
pub struct DealHistory {
    pub paths: Arc<Vec<DealPath>>,
    /// `pipeline::learned_order` of the paths.
    pub learned_order: Vec<String>,
    /// When the first deal was created and the last closed.
    pub first_created: Option<LocalDateTime>,
    pub latest_close: Option<LocalDateTime>,
    /// The close times of every closed deal, computed once when first asked for.
    close_times: std::sync::OnceLock<CloseTimes>,
    columns: std::sync::OnceLock<DealColumns>,
}

impl DealHistory {
    fn new(paths: Vec<DealPath>) -> DealHistory {
        let first_created = paths.iter().map(|p| p.created_at).min();
        let latest_close = paths.iter().filter_map(|p| p.closed.map(|(at, _)| at)).max();
        let learned_order = learned_order(&paths);
        DealHistory {
            paths: Arc::new(paths),
            learned_order,
            first_created,
            latest_close,
            close_times: Default::default(),
            columns: Default::default(),
        }
    }

    /// The close times of every closed deal: those of the deals closed by any day after
    /// `latest_close`, the forecast's usual case (as of today).
    pub fn close_times(&self) -> &CloseTimes {
        self.close_times.get_or_init(|| CloseTimes::of_deals_closed_by(&self.paths, LocalDateTime(i64::MAX)))
    }

    /// The deals as flat columns, built on first use.
    pub fn columns(&self) -> &DealColumns {
        self.columns.get_or_init(|| DealColumns::of(&self.paths))
    }
}

/// The deal history as last read, and the data version it was read at: the analyses read every
/// deal, and at a million deals reading them costs seconds, so they are read again only after an
/// import changed them.
pub(crate) type DealPathsCache = Arc<tokio::sync::Mutex<Option<(i64, Arc<DealHistory>)>>>;

impl crate::Tx {
    /// Marks `name`'s data as changed, for every process that keeps it in memory.
    pub(crate) async fn bump_data_version(&mut self, name: &str) -> Result<()> {
        let sql = format!(
            "INSERT INTO data_versions (name, version) VALUES ({}, 1) \
             ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1",
            placeholder(self.backend(), 1)
        );
        crate::on_conn!(self, conn => {
            sqlx::query(&sql).bind(name).execute(conn).await?;
        });
        Ok(())
    }
}

impl Db {
    async fn data_version(&self, name: &str) -> Result<i64> {
        let sql = format!("SELECT version FROM data_versions WHERE name = {}", placeholder(self.backend(), 1));
        let version: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(&sql).bind(name).fetch_optional(pool).await?);
        Ok(version.unwrap_or(0))
    }

    /// Every deal with the stages it entered, in time order: from memory while no import has
    /// changed deals or stages since they were read (one small query to know), else read again.
    pub async fn deal_history(&self) -> Result<Arc<DealHistory>> {
        let version = self.data_version(DEALS_VERSION).await?;
        let mut cache = self.deal_paths.lock().await;
        if let Some((read_at, history)) = cache.as_ref()
            && *read_at == version
        {
            return Ok(Arc::clone(history));
        }
        let paths = self.read_deal_paths().await?;
        let history = Arc::new(DealHistory::new(paths));
        *cache = Some((version, Arc::clone(&history)));
        Ok(history)
    }

    /// Reads the deals and their stage changes, only the columns the analyses use.
    async fn read_deal_paths(&self) -> Result<Vec<DealPath>> {
        type DealRow = (String, String, i64, i64, String, Option<i64>, Option<String>, Option<String>);
        let deals_sql = "SELECT deal_id, rep_id, amount_cents, created_at, status, closed_at, source, segment FROM deals ORDER BY deal_id";
        let stages_sql = "SELECT deal_id, stage, entered_at FROM deal_stages ORDER BY deal_id, entered_at";
        let (deals, changes): (Vec<DealRow>, Vec<(String, String, i64)>) = on_pool!(self, pool => (
            sqlx::query_as(deals_sql).fetch_all(pool).await?,
            sqlx::query_as(stages_sql).fetch_all(pool).await?,
        ));
        // Both lists are in deal order: each deal takes the run of changes with its id. Stage
        // names are shared, one allocation per distinct name.
        let mut names: HashMap<String, Arc<str>> = HashMap::new();
        let mut changes = changes.into_iter().peekable();
        Ok(deals
            .into_iter()
            .map(|(deal_id, rep_id, amount, created_at, status, closed_at, source, segment)| {
                while changes.next_if(|(id, _, _)| *id < deal_id).is_some() {}
                let mut stages = Vec::new();
                while let Some((_, stage, entered_at)) = changes.next_if(|(id, _, _)| *id == deal_id) {
                    let name = names.entry(stage).or_insert_with_key(|stage| Arc::from(stage.as_str()));
                    stages.push((Arc::clone(name), LocalDateTime(entered_at)));
                }
                let ending = match DealStatus::from_id(&status) {
                    Some(DealStatus::Won) => Some(Ending::Won),
                    Some(DealStatus::Lost) => Some(Ending::Lost),
                    Some(DealStatus::Open) | None => None,
                };
                DealPath {
                    stages,
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

/// How far back a lead may lie before the deal it turned into.
const LEAD_LOOKBACK_SECONDS: i64 = 90 * 86_400;

impl Db {
    /// For each deal closed (won or lost) between `from` and `to`: the rep's activities with the
    /// customer while it was open (visits among them), the fastest first response to a lead of
    /// the customer in the 90 days before it, and the mean questions and talk ratio of the rep's
    /// transcribed calls with the customer while it was open. Each read starts from the smaller
    /// table and meets the deals by their customer index.
    pub async fn deal_measures(&self, from: LocalDateTime, to: LocalDateTime) -> Result<HashMap<String, DealMeasures>> {
        let (a, b) = (placeholder(self.backend(), 1), placeholder(self.backend(), 2));
        let closed = format!("d.closed_at >= {a} AND d.closed_at <= {b} AND d.status IN ('won', 'lost')");
        let activities_sql = format!(
            "SELECT d.deal_id, COUNT(*), SUM(CASE WHEN x.kind = 'visit' THEN 1 ELSE 0 END) \
             FROM activities x JOIN deals d ON d.customer_id = x.customer_id AND d.rep_id = x.rep_id \
             WHERE {closed} AND x.at >= d.created_at AND x.at <= d.closed_at GROUP BY d.deal_id"
        );
        let leads_sql = format!(
            "SELECT d.deal_id, MIN(l.first_response_at - l.created_at) \
             FROM leads l JOIN deals d ON d.customer_id = l.customer_id \
             WHERE {closed} AND l.first_response_at IS NOT NULL AND l.created_at <= d.created_at \
             AND l.created_at >= d.created_at - {LEAD_LOOKBACK_SECONDS} GROUP BY d.deal_id"
        );
        let conversations_sql = format!(
            "SELECT d.deal_id, AVG(CAST(t.questions AS DOUBLE PRECISION)), AVG(t.talk_ratio) \
             FROM transcripts t JOIN calls c ON c.call_id = t.call_id \
             JOIN deals d ON d.customer_id = c.customer_id AND d.rep_id = c.rep_id \
             WHERE {closed} AND c.started_at >= d.created_at AND c.started_at <= d.closed_at GROUP BY d.deal_id"
        );
        type Activity = (String, i64, i64);
        type Response = (String, Option<i64>);
        type Conversation = (String, Option<f64>, Option<f64>);
        let (activities, leads, conversations): (Vec<Activity>, Vec<Response>, Vec<Conversation>) = on_pool!(self, pool => (
            sqlx::query_as(&activities_sql).bind(from.0).bind(to.0).fetch_all(pool).await?,
            sqlx::query_as(&leads_sql).bind(from.0).bind(to.0).fetch_all(pool).await?,
            sqlx::query_as(&conversations_sql).bind(from.0).bind(to.0).fetch_all(pool).await?,
        ));
        let mut measures: HashMap<String, DealMeasures> = HashMap::new();
        for (deal, count, visits) in activities {
            let m = measures.entry(deal).or_default();
            (m.activities, m.visits) = (count as u32, visits as u32);
        }
        for (deal, seconds) in leads {
            measures.entry(deal).or_default().response_minutes = seconds.map(|s| s as f64 / 60.0);
        }
        for (deal, questions, talk_ratio) in conversations {
            let m = measures.entry(deal).or_default();
            (m.questions, m.talk_ratio) = (questions, talk_ratio);
        }
        Ok(measures)
    }
}

impl Db {
    /// Leads with a segment and no rep yet, oldest first: what an assignment rule hands out.
    pub async fn unowned_leads(&self) -> Result<Vec<Lead>> {
        type LeadRow = (String, Option<String>, Option<String>, Option<String>, i64, Option<i64>, Option<String>, Option<String>);
        let sql = "SELECT lead_id, customer_id, source, segment, created_at, first_response_at, status, flags FROM leads \
                   WHERE rep_id IS NULL AND segment IS NOT NULL ORDER BY created_at, lead_id";
        let rows: Vec<LeadRow> = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(lead_id, customer_id, source, segment, created_at, first_response_at, status, flags)| Lead {
                lead_id,
                customer_id,
                rep_id: None,
                source,
                segment,
                created_at: LocalDateTime(created_at),
                first_response_at: first_response_at.map(LocalDateTime),
                status,
                flags: flags.unwrap_or_default(),
            })
            .collect())
    }
}
