//! Conversation analytics over HTTP: transcribed calls with their behaviour metrics.

use crate::access::Access;
use crate::access::scope_and_period;
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{choice, download, output_format};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use salescope_core::access::Reach;
use salescope_core::period::Period;
use salescope_engine::Context;
use salescope_engine::conversation::{CallBehaviour, CompareBy, Comparison, calls, calls_sheet, compare, comparison_sheet};
use salescope_export::OutputFormat;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallsParams {
    /// org (default), team:<name> or rep:<rep id>.
    scope: Option<String>,
    /// Default: this month.
    period: Option<String>,
    /// json (default: one object per call), csv or xlsx.
    format: Option<String>,
    today: Option<String>,
    lang: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/conversation/calls",
    operation_id = "list_transcribed_calls",
    tag = "conversation",
    summary = "Transcribed calls with their behaviour metrics and outcomes",
    params(CallsParams),
    responses((status = 200, description = "One object per call (or a CSV or XLSX file)", body = Vec<CallBehaviour>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown team or rep", body = ErrorBody))
)]
/// `GET /api/v1/conversation/calls?scope=&period=&format=`
pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<CallsParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(&session, &ctx, lang);
    let (scope, period) =
        scope_and_period(&state, &access, Reach::Records, q.scope.as_deref(), q.period.as_deref(), q.today.as_deref(), Period::month_of)
            .await?;
    let found = calls(&state.db, &ctx, &scope, &period).await.or_api(lang)?;
    if format == OutputFormat::Json {
        return Ok(Json(found).into_response());
    }
    download(&calls_sheet(&found, &scope, &period, lang), format)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    /// org (default), team:<name> or rep:<rep id>.
    scope: Option<String>,
    /// Default: this month.
    period: Option<String>,
    /// outcome (won against lost calls, the default) or performer (top quartile of reps by win
    /// rate against the rest).
    by: Option<String>,
    /// json (default), csv or xlsx.
    format: Option<String>,
    today: Option<String>,
    lang: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/conversation/compare",
    tag = "conversation",
    summary = "What separates won from lost calls, or top performers from the rest",
    params(CompareParams),
    responses((status = 200, description = "Each metric's difference with Welch's 95% interval, p-value and verdict", body = Comparison), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown team or rep", body = ErrorBody))
)]
/// `GET /api/v1/conversation/compare?scope=&period=&by=outcome|performer&format=`
pub async fn compare_calls(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<CompareParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let by = choice(
        q.by.as_deref().unwrap_or("outcome"),
        "by",
        &[("outcome", CompareBy::Outcome), ("performer", CompareBy::Performer)],
        "bad_choice",
        lang,
    )?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(&session, &ctx, lang);
    let (scope, period) =
        scope_and_period(&state, &access, Reach::Records, q.scope.as_deref(), q.period.as_deref(), q.today.as_deref(), Period::month_of)
            .await?;
    let comparison = compare(&state.db, &ctx, &scope, &period, by, lang).await.or_api(lang)?;
    if format == OutputFormat::Json {
        return Ok(Json(comparison).into_response());
    }
    download(&comparison_sheet(&comparison, lang), format)
}
