//! `GET /api/v1/pipelines`: the configured pipelines and their stages.

use crate::access::Access;
use crate::auth::Session;
use crate::error::{ApiResult, OrApiError};
use crate::state::AppState;
use axum::extract::{Extension, State};
use salescope_core::access::Reach;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::pipeline::process_overview;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StageView {
    /// The stage name as the stage history records it.
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    pub milestones: Vec<String>,
    pub entry_criteria: String,
    /// Deals of the pipeline that entered the stage; only for accounts that see the whole
    /// organisation's figures.
    pub deals: Option<usize>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PipelineView {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub stages: Vec<StageView>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProcessView {
    /// False while no pipeline is configured: `pipelines` then holds one unsaved pipeline with the
    /// order learned from the stage history.
    pub configured: bool,
    pub pipelines: Vec<PipelineView>,
}

#[utoipa::path(get, path = "/api/v1/pipelines", tag = "pipeline", summary = "The configured pipelines and their stages, or the order learned from the stage history",
    responses((status = 200, description = "The sales process", body = ProcessView)))]
pub async fn pipelines_route(State(state): State<AppState>, Extension(session): Extension<Session>) -> ApiResult<axum::Json<ProcessView>> {
    let overview = process_overview(&state.db).await.or_api(session.lang)?;
    let sees_org = sees_organisation(&state, &session).await?;
    let pipelines = overview
        .pipelines
        .into_iter()
        .map(|(def, counts)| PipelineView {
            id: def.id,
            name_en: def.name_en,
            name_zh: def.name_zh,
            stages: def
                .stages
                .into_iter()
                .zip(counts)
                .map(|(s, deals)| StageView {
                    key: s.key,
                    name_en: s.name_en,
                    name_zh: s.name_zh,
                    milestones: s.milestones,
                    entry_criteria: s.entry_criteria,
                    deals: sees_org.then_some(deals),
                })
                .collect(),
        })
        .collect();
    Ok(axum::Json(ProcessView { configured: overview.configured, pipelines }))
}

/// Whether the account sees the organisation's figures: the deals per stage are those.
pub(crate) async fn sees_organisation(state: &AppState, session: &Session) -> ApiResult<bool> {
    let ctx = Context::load(&state.db).await.or_api(session.lang)?;
    Ok(Access::new(session, &ctx, session.lang).sees(&Scope::Org, Reach::Aggregates))
}
