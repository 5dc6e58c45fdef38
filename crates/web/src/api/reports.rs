//! The review sheets over HTTP: as JSON, or as CSV and XLSX downloads; and the cells people
//! write.

use crate::access::{Access, require};
use crate::auth::Session;
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{download, json_body, output_format, today};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use salescope_core::access::{Permission, Reach};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_engine::Context;
use salescope_engine::reports::{SheetKind, review_sheet, write_note};
use salescope_export::OutputFormat;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetParams {
    scope: Option<String>,
    period: Option<String>,
    /// json (default), csv or xlsx.
    format: Option<String>,
    today: Option<String>,
    lang: Option<String>,
}

pub(crate) fn sheet_kind(id: &str, lang: Lang) -> ApiResult<SheetKind> {
    SheetKind::from_id(id).ok_or_else(|| {
        let mut error = ApiError::bad_request(
            "unknown_sheet",
            lang.format("error.bad_choice", &[("value", &id), ("field", &"sheet"), ("choices", &"daily, weekly, monthly")]),
        );
        error.status = axum::http::StatusCode::NOT_FOUND;
        error
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{sheet}",
    tag = "reports",
    summary = "A review sheet: daily, weekly or monthly, as JSON, CSV or XLSX",
    params(("sheet" = String, Path, description = "daily, weekly or monthly"), SheetParams),
    responses((status = 200, description = "The sheet: JSON {sheet, title, scope, period, columns, rows}, or a CSV or XLSX file", body = serde_json::Value), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `GET /api/v1/reports/{sheet}?scope=&period=&format=json|csv|xlsx`
pub async fn sheet(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(sheet): Path<String>,
    Query(q): Query<SheetParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let kind = sheet_kind(&sheet, lang)?;
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let today = today(&state, q.today.as_deref(), lang).await?;
    let scope = Access::new(&session, &ctx, lang).scope(q.scope.as_deref(), Reach::Records)?;
    let period = match q.period.as_deref() {
        Some(text) => Period::parse(text).or_api(lang)?,
        None => kind.default_period(today),
    };
    let sheet = review_sheet(&state.db, &ctx, kind, &scope, &period, today, lang).await.or_api(lang)?;
    if format == OutputFormat::Json {
        return Ok(Json(salescope_export::to_json(&sheet)).into_response());
    }
    download(&sheet, format)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct NoteBody {
    scope: String,
    period: String,
    field: String,
    value: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/reports/{sheet}/notes",
    tag = "reports",
    summary = "Write a cell people fill in (an empty value clears it)",
    params(("sheet" = String, Path, description = "daily, weekly or monthly"), SheetParams),
    request_body = NoteBody,
    responses((status = 200, description = "The cell written", body = serde_json::Value), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `PUT /api/v1/reports/{sheet}/notes` with `{scope, period, field, value}`; an empty value
/// clears the cell.
pub async fn note(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(sheet): Path<String>,
    Query(q): Query<SheetParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Review, lang)?;
    let kind = sheet_kind(&sheet, lang)?;
    let body: NoteBody = json_body(&body, false, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let scope = Access::new(&session, &ctx, lang).scope(Some(&body.scope), Reach::Records)?;
    let period = Period::parse(&body.period).or_api(lang)?;
    write_note(&state.db, &ctx, kind, &scope, &period, &body.field, &body.value).await.or_api(lang)?;
    let written = serde_json::json!({"sheet": kind.id(), "scope": scope.label(), "period": period.label(), "field": body.field, "value": body.value.trim()});
    let subject = format!("{}/{}/{}/{}", kind.id(), scope.label(), period.label(), body.field);
    crate::access::record_change(&state, &session, "review_note", &subject, "write", None, Some(&written)).await?;
    Ok(Json(written))
}
