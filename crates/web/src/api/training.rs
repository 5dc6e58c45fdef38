//! The training reports over HTTP: the plan, sign-in sheets, one KPI's effect and a course's
//! five levels, as JSON or as CSV and XLSX downloads. They name individual reps, so they need
//! an account that sees the whole organisation's records.

use crate::access::Access;
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{json_or_download, output_format, today};
use crate::state::AppState;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use salescope_core::access::Reach;
use salescope_core::i18n::Lang;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::training::{EffectOptions, course_report, find_course, kpi_effects};
use salescope_engine::training_sheets::{course_report_sheet, effect_sheet, signin_sheet, training_plan_sheet};
use serde::Deserialize;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrainingParams {
    /// The KPI of an effect (required for `/effect`).
    pub kpi: Option<String>,
    /// Weeks before training compared: `8w` (default) or `8`.
    pub pre: Option<String>,
    /// Weeks after training compared.
    pub post: Option<String>,
    /// `auto` (default), `team:<name>[,…]` or `reps:<id>[,…]`.
    pub control: Option<String>,
    /// Only this session's attendees (default: every session of the course).
    pub session: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    /// Weeks after this day are left out (default: today).
    pub today: Option<String>,
    pub lang: Option<String>,
}

/// The context, with the check that the account sees the whole organisation's training records.
pub(crate) async fn training_reader(state: &AppState, session: &Session, lang: Lang) -> ApiResult<Context> {
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Access::new(session, &ctx, lang).check(&Scope::Org, Reach::Training)?;
    Ok(ctx)
}

pub(crate) async fn effect_options(state: &AppState, q: &TrainingParams, lang: Lang) -> ApiResult<EffectOptions> {
    let today = today(state, q.today.as_deref(), lang).await?;
    EffectOptions::parse(q.pre.as_deref(), q.post.as_deref(), q.control.as_deref(), q.session.as_deref(), today).or_api(lang)
}

#[utoipa::path(get, path = "/api/v1/training/plan", tag = "training", summary = "The training plan 培训计划表: every session with its course and attendance",
    params(TrainingParams),
    responses((status = 200, description = "The sheet as JSON, CSV or XLSX", body = serde_json::Value), (status = 403, description = "The account does not see every rep", body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<TrainingParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    training_reader(&state, &session, lang).await?;
    let records = state.db.training_records().await.or_api(lang)?;
    let sheet = training_plan_sheet(&records, lang);
    let json = salescope_export::to_json(&sheet);
    json_or_download(&json, move || sheet, format)
}

#[utoipa::path(get, path = "/api/v1/training/courses/{course}/signin", tag = "training", summary = "The sign-in & feedback sheet 培训签到与反馈表 of a course or session",
    params(("course" = String, Path, description = "Course id"), TrainingParams),
    responses((status = 200, description = "The sheet as JSON, CSV or XLSX", body = serde_json::Value), (status = 404, description = "No such course", body = ErrorBody)))]
pub async fn signin(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(course): Path<String>,
    Query(q): Query<TrainingParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = training_reader(&state, &session, lang).await?;
    let records = state.db.training_records().await.or_api(lang)?;
    find_course(&records, &course).or_api(lang)?;
    let sheet = signin_sheet(&records, &ctx, &course, q.session.as_deref(), lang);
    let json = salescope_export::to_json(&sheet);
    json_or_download(&json, move || sheet, format)
}

#[utoipa::path(get, path = "/api/v1/training/courses/{course}/effect", tag = "training", summary = "A course's causal effect on one KPI (difference-in-differences against untrained reps)",
    params(("course" = String, Path, description = "Course id"), TrainingParams),
    responses((status = 200, description = "The effect: estimate with 95% CI and p, naive before/after, pre-trend check, event study, weekly trends, verdict", body = salescope_engine::training::KpiEffect),
              (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "No such course or KPI", body = ErrorBody)))]
pub async fn effect(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(course): Path<String>,
    Query(q): Query<TrainingParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = training_reader(&state, &session, lang).await?;
    let options = effect_options(&state, &q, lang).await?;
    let records = state.db.training_records().await.or_api(lang)?;
    let title = find_course(&records, &course).or_api(lang)?.title.clone();
    let kpi_id = q.kpi.as_deref().unwrap_or_default();
    let kpi = ctx.kpi(kpi_id).or_api(lang)?;
    let effects = kpi_effects(&state.db, &ctx, &records, &course, &[kpi], &options, lang).await.or_api(lang)?;
    let Some(effect) = effects.into_iter().next() else {
        return Err(crate::error::ApiError::internal(&"an effect was asked for one KPI and none came back"));
    };
    json_or_download(&effect, || effect_sheet(&effect, &title, lang), format)
}

#[utoipa::path(get, path = "/api/v1/training/courses/{course}/report", tag = "training", summary = "A course's five levels: reaction, learning, behaviour, results, ROI",
    params(("course" = String, Path, description = "Course id"), TrainingParams),
    responses((status = 200, description = "The report", body = salescope_engine::training::CourseReport),
              (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "No such course", body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(course): Path<String>,
    Query(q): Query<TrainingParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = training_reader(&state, &session, lang).await?;
    let options = effect_options(&state, &q, lang).await?;
    let report = course_report(&state.db, &ctx, &course, &options, None, lang).await.or_api(lang)?;
    json_or_download(&report, || course_report_sheet(&report, lang), format)
}
