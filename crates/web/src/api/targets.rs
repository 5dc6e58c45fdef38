//! Targets and daily tracking over HTTP.

use crate::access::{Access, require};
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{choice, json_body, today};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use salescope_core::access::{Permission, Reach};
use salescope_core::i18n::Lang;
use salescope_core::period::{Period, PeriodKind};
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::targets::{ShareBy, SplitInto, TrackingEntry, set, split, tracking_reason, update_tracking};
use salescope_store::{TargetRow, TrackingRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    lang: Option<String>,
    kpi: Option<String>,
    scope: Option<String>,
    period: Option<String>,
    /// Tracking: include ended tracking, not only who is on it now.
    #[serde(default)]
    all: bool,
}

#[derive(Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct TargetBody {
    kpi: String,
    scope: String,
    period: String,
    value: f64,
}

impl From<TargetRow> for TargetBody {
    fn from(t: TargetRow) -> TargetBody {
        TargetBody { kpi: t.kpi, scope: t.scope, period: t.period, value: t.value }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/targets",
    operation_id = "list_targets",
    tag = "targets",
    summary = "Stored targets",
    params(Filter),
    responses((status = 200, description = "Targets", body = Vec<TargetBody>))
)]
/// `GET /api/v1/targets?kpi=&scope=&period=`: stored targets, optionally filtered.
pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Filter>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<TargetBody>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let wanted = |filter: &Option<String>, value: &str| filter.as_deref().is_none_or(|f| f == value);
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(&session, &ctx, lang);
    let visible = |scope: &str| Scope::parse(scope).is_ok_and(|s| access.sees(&s, Reach::Aggregates));
    Ok(Json(
        ctx.targets
            .iter()
            .filter(|t| wanted(&q.kpi, &t.kpi) && wanted(&q.scope, &t.scope) && wanted(&q.period, &t.period) && visible(&t.scope))
            .cloned()
            .map(TargetBody::from)
            .collect(),
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/targets",
    operation_id = "put_target",
    tag = "targets",
    summary = "Set the target of a KPI for a scope and period",
    params(Filter),
    request_body = TargetBody,
    responses((status = 200, description = "The target stored", body = TargetBody), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `PUT /api/v1/targets` with `{kpi, scope, period, value}`.
pub async fn put(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Query(q): Query<Filter>,
    body: Bytes,
) -> ApiResult<Json<TargetBody>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Plan, lang)?;
    let body: TargetBody = json_body(&body, false, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let scope = Access::new(&session, &ctx, lang).scope(Some(&body.scope), Reach::Records)?;
    let period = Period::parse(&body.period).or_api(lang)?;
    let stored: TargetBody = set(&state.db, &ctx, &body.kpi, &scope, &period, body.value).await.or_api(lang)?.into();
    let before = ctx
        .targets
        .iter()
        .find(|t| t.kpi == stored.kpi && t.scope == stored.scope && t.period == stored.period)
        .map(|t| serde_json::json!({"value": t.value}));
    let subject = format!("{}/{}/{}", stored.kpi, stored.scope, stored.period);
    let after = serde_json::json!({"value": stored.value});
    crate::access::record_change(&state, &session, "target", &subject, "set", before.as_ref(), Some(&after)).await?;
    Ok(Json(stored))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct SplitBody {
    kpi: String,
    scope: String,
    period: String,
    /// reps, teams, quarters, months, weeks or days.
    into: String,
    /// even (default), last-period or weights.
    by: Option<String>,
    /// With `by: weights`: rep id or team name → weight.
    #[serde(default)]
    weights: BTreeMap<String, f64>,
    /// With `by: last-period`: the day that decides which period before is complete (default
    /// today in the organisation's time zone).
    today: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/targets/split",
    tag = "targets",
    summary = "Split a target among reps or teams, or over time by working days",
    params(Filter),
    request_body = SplitBody,
    responses((status = 200, description = "The parts stored", body = Vec<TargetBody>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `POST /api/v1/targets/split`: splits a stored target and stores the parts.
pub async fn split_target(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Query(q): Query<Filter>,
    body: Bytes,
) -> ApiResult<Json<Vec<TargetBody>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Plan, lang)?;
    let body: SplitBody = json_body(&body, false, lang)?;
    let into = choice(
        &body.into,
        "into",
        &[
            ("reps", SplitInto::Reps),
            ("teams", SplitInto::Teams),
            ("quarters", SplitInto::Periods(PeriodKind::Quarter)),
            ("months", SplitInto::Periods(PeriodKind::Month)),
            ("weeks", SplitInto::Periods(PeriodKind::Week)),
            ("days", SplitInto::Periods(PeriodKind::Day)),
        ],
        "bad_split",
        lang,
    )?;
    let weights = ShareBy::Weights(body.weights.into_iter().collect());
    let share = choice(
        body.by.as_deref().unwrap_or("even"),
        "by",
        &[("even", ShareBy::Even), ("last-period", ShareBy::LastPeriod), ("weights", weights)],
        "bad_split",
        lang,
    )?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let scope = Access::new(&session, &ctx, lang).scope(Some(&body.scope), Reach::Records)?;
    let period = Period::parse(&body.period).or_api(lang)?;
    let today = today(&state, body.today.as_deref(), lang).await?;
    let rows: Vec<TargetBody> = split(&state.db, &ctx, &body.kpi, &scope, &period, into, &share, today)
        .await
        .or_api(lang)?
        .into_iter()
        .map(TargetBody::from)
        .collect();
    let subject = format!("{}/{}/{}", body.kpi, scope.label(), period.label());
    let after = serde_json::to_value(&rows).ok();
    crate::access::record_change(&state, &session, "target", &subject, "split", None, after.as_ref()).await?;
    Ok(Json(rows))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrackingBody {
    rep_id: String,
    kpi: String,
    period: String,
    started_on: String,
    ended_on: Option<String>,
    attainment: Option<f64>,
    /// `below_threshold`.
    reason: String,
    threshold: Option<f64>,
    /// The reason in the request's language.
    reason_text: String,
}

impl TrackingBody {
    fn new(t: TrackingRow, lang: Lang) -> TrackingBody {
        TrackingBody {
            reason_text: tracking_reason(&t, lang),
            threshold: t.threshold,
            rep_id: t.rep_id,
            kpi: t.kpi,
            period: t.period,
            started_on: t.started_on.to_string(),
            ended_on: t.ended_on.map(|d| d.to_string()),
            attainment: t.attainment,
            reason: t.reason,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/tracking",
    tag = "targets",
    summary = "Reps on daily tracking",
    params(Filter),
    responses((status = 200, description = "Tracking, open (or all with all=true)", body = Vec<TrackingBody>))
)]
/// `GET /api/v1/tracking?all=true`: who is on daily tracking (with `all`, the history too).
pub async fn tracking(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Filter>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<TrackingBody>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(&session, &ctx, lang);
    let rows = state.db.tracking_rows(!q.all).await.or_api(lang)?;
    Ok(Json(
        rows.into_iter()
            .filter(|t| access.sees(&Scope::Rep(t.rep_id.clone()), Reach::Records))
            .map(|t| TrackingBody::new(t, lang))
            .collect(),
    ))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct TrackingUpdate {
    kpi: Option<String>,
    period: Option<String>,
    threshold: Option<f64>,
    today: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/tracking/update",
    tag = "targets",
    summary = "Put reps behind pace on daily tracking and take off those who recovered",
    params(Filter),
    request_body = TrackingUpdate,
    responses((status = 200, description = "Who started, continues or ended tracking", body = Vec<TrackingEntry>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `POST /api/v1/tracking/update`: re-evaluates who is on daily tracking.
pub async fn update(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Filter>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Vec<TrackingEntry>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    // Tracking is one list for the organisation: re-evaluating it moves other units' reps too.
    crate::access::require_shared(&session, Permission::Plan, lang)?;
    let body: TrackingUpdate = json_body(&body, true, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let today = today(&state, body.today.as_deref(), lang).await?;
    // What the request leaves out is the organisation's rule, as the daily routine applies it.
    let mut rule = state.db.settings().await.or_api(lang)?.tracking;
    if let Some(period) = body.period.as_deref() {
        rule.period = choice(
            period,
            "period",
            &[("week", PeriodKind::Week), ("month", PeriodKind::Month), ("quarter", PeriodKind::Quarter), ("year", PeriodKind::Year)],
            "bad_period",
            lang,
        )?;
    }
    if let Some(kpi) = body.kpi {
        rule.kpi = kpi;
    }
    rule.threshold = body.threshold.unwrap_or(rule.threshold);
    Ok(Json(update_tracking(&state.db, &ctx, today, &rule).await.or_api(lang)?))
}
