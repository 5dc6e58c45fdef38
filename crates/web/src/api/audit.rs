//! The data-quality audit over HTTP.

use crate::access::{Access, require};
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{date, json_body};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use salescope_core::access::{Permission, Reach};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::audit::{
    DEFAULT_SAMPLE_PERCENT, DEFAULT_TOLERANCE_PERCENT, Reconciliation, SampledReport, reconcile, record_check, sample,
};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    scope: Option<String>,
    /// Default: last week.
    period: Option<String>,
    percent: Option<f64>,
    tolerance: Option<f64>,
    today: Option<String>,
    lang: Option<String>,
}

/// Audits are a reviewer's work on the records of a scope they see.
async fn scope_and_period(state: &AppState, session: &Session, q: &AuditParams, lang: Lang) -> ApiResult<(Context, Scope, Period)> {
    require(session, Permission::Review, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let (scope, period) = crate::access::scope_and_period(
        state,
        &access,
        Reach::Records,
        q.scope.as_deref(),
        q.period.as_deref(),
        q.today.as_deref(),
        |today| Period::week_of(today).previous(),
    )
    .await?;
    Ok((ctx, scope, period))
}

#[utoipa::path(
    get,
    path = "/api/v1/audit/sample",
    tag = "audit",
    summary = "A reproducible sample of daily reports to check",
    params(AuditParams),
    responses((status = 200, description = "The reports drawn, with what the records show", body = Vec<SampledReport>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `GET /api/v1/audit/sample?scope=&period=&percent=`: daily reports drawn for checking.
pub async fn sample_reports(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AuditParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let (ctx, scope, period) = scope_and_period(&state, &session, &q, lang).await?;
    let drawn = sample(&state.db, &ctx, &scope, &period, q.percent.unwrap_or(DEFAULT_SAMPLE_PERCENT)).await.or_api(lang)?;
    Ok(Json(drawn).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/audit/reconcile",
    tag = "audit",
    summary = "Reported figures against the records, per rep",
    params(AuditParams),
    responses((status = 200, description = "One row per rep", body = Vec<Reconciliation>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `GET /api/v1/audit/reconcile?scope=&period=&tolerance=`: reported against recorded, per rep.
pub async fn reconcile_reports(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AuditParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let (ctx, scope, period) = scope_and_period(&state, &session, &q, lang).await?;
    let rows = reconcile(&state.db, &ctx, &scope, &period, q.tolerance.unwrap_or(DEFAULT_TOLERANCE_PERCENT)).await.or_api(lang)?;
    Ok(Json(rows).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct CheckBody {
    rep_id: String,
    date: String,
    /// confirmed or discrepancy.
    result: String,
    checked_by: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/audit/checks",
    tag = "audit",
    summary = "Record the check of a daily report",
    params(AuditParams),
    request_body = CheckBody,
    responses((status = 200, description = "The check recorded", body = serde_json::Value), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `POST /api/v1/audit/checks` with `{rep_id, date, result, checked_by, note}`.
pub async fn record(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AuditParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Review, lang)?;
    let body: CheckBody = json_body(&body, false, lang)?;
    let day = date(&body.date, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Access::new(&session, &ctx, lang).check(&Scope::Rep(body.rep_id.clone()), Reach::Records)?;
    record_check(&state.db, &ctx, &body.rep_id, day, &body.result, &body.checked_by, &body.note).await.or_api(lang)?;
    let recorded =
        serde_json::json!({"rep_id": body.rep_id, "date": day.to_string(), "result": body.result, "checked_by": body.checked_by.trim()});
    crate::access::record_change(&state, &session, "audit_check", &format!("{}/{day}", body.rep_id), "record", None, Some(&recorded))
        .await?;
    Ok(Json(recorded))
}
