//! The working-day calendar over HTTP.

use crate::access::require_shared;
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{json_body, today};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use salescope_core::access::Permission;
use salescope_core::period::Period;
use salescope_engine::Context;
use salescope_engine::calendar::{CalendarYear, DayChange, set_days, year};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    lang: Option<String>,
    /// Default: this year.
    year: Option<i32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/calendar",
    tag = "targets",
    summary = "A year of the working-day calendar",
    params(CalendarQuery),
    responses((status = 200, description = "Holidays, make-up working days and working days per month", body = CalendarYear), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody))
)]
/// `GET /api/v1/calendar?year=2027`.
pub async fn show(State(state): State<AppState>, Query(q): Query<CalendarQuery>, headers: HeaderMap) -> ApiResult<Json<CalendarYear>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let wanted = match q.year {
        Some(wanted) => wanted,
        None => today(&state, None, lang).await?.ymd().0,
    };
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Ok(Json(year(&ctx, wanted).or_api(lang)?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct DaysChange {
    /// A date, or a range `FROM..TO` of at most 31 days.
    days: String,
    /// `holiday`, `workday`, `ordinary` or `builtin` (undo a change).
    kind: String,
    /// The holiday's name.
    name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DaysChanged {
    changed: usize,
}

#[utoipa::path(
    put,
    path = "/api/v1/calendar",
    tag = "targets",
    summary = "Make days holidays, working days, ordinary days, or undo a change",
    params(CalendarQuery),
    request_body = DaysChange,
    responses((status = 200, description = "How many days changed", body = DaysChanged), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody))
)]
/// `PUT /api/v1/calendar` with `{days, kind, name}`.
pub async fn change(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<CalendarQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<DaysChanged>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require_shared(&session, Permission::Plan, lang)?;
    let body: DaysChange = json_body(&body, false, lang)?;
    let change = DayChange::parse(&body.kind, body.name.as_deref()).or_api(lang)?;
    let days = Period::parse(&body.days).or_api(lang)?;
    let changed = set_days(&state.db, &days, &change).await.or_api(lang)?;
    let after = serde_json::json!({"kind": body.kind, "name": body.name, "changed": changed});
    crate::access::record_change(&state, &session, "calendar", &days.label(), "set", None, Some(&after)).await?;
    Ok(Json(DaysChanged { changed }))
}
