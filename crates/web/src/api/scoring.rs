//! Scorecards, composite scores and leaderboards over HTTP.

use crate::access::{Access, require};
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::json_body;
use crate::request::request_lang;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use salescope_core::access::{Permission, Reach};
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::scoring::{
    Leaderboard, LeaderboardQuery, Level, SCORECARD_ROLES, Score, Scorecard, leaderboard as rank_by, scorecard, scores as score_all,
    set_scorecard,
};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    lang: Option<String>,
    scope: Option<String>,
    period: Option<String>,
    /// A KPI id or `score` (leaderboards).
    kpi: Option<String>,
    /// `teams` to compare teams instead of reps.
    level: Option<String>,
    top: Option<usize>,
    today: Option<String>,
}

/// Scores and boards name the people of a scope: they are its records.
async fn inputs(
    state: &AppState,
    session: &Session,
    q: &Params,
    lang: salescope_core::i18n::Lang,
) -> ApiResult<(Context, Scope, Period, Level)> {
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let (scope, period) = crate::access::scope_and_period(
        state,
        &access,
        Reach::Records,
        q.scope.as_deref(),
        q.period.as_deref(),
        q.today.as_deref(),
        Period::month_of,
    )
    .await?;
    let level = crate::request::choice(
        q.level.as_deref().unwrap_or("reps"),
        "level",
        &[("reps", Level::Reps), ("teams", Level::Teams)],
        "bad_level",
        lang,
    )?;
    Ok((ctx, scope, period, level))
}

#[utoipa::path(
    get,
    path = "/api/v1/scorecards",
    operation_id = "list_scorecards",
    tag = "scoring",
    summary = "Every role's weighted KPIs",
    params(Params),
    responses((status = 200, description = "Scorecards of rep, team_lead and team", body = Vec<Scorecard>))
)]
/// `GET /api/v1/scorecards`: every role's weighted KPIs.
pub async fn list(State(state): State<AppState>, Query(q): Query<Params>, headers: HeaderMap) -> ApiResult<Json<Vec<Scorecard>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let mut cards = Vec::new();
    for role in SCORECARD_ROLES {
        cards.push(scorecard(&state.db, role).await.or_api(lang)?);
    }
    Ok(Json(cards))
}

#[utoipa::path(
    put,
    path = "/api/v1/scorecards/{role}",
    operation_id = "put_scorecard",
    tag = "scoring",
    summary = "Set a role's scorecard",
    params(("role" = String, Path, description = "rep, team_lead or team"), Params),
    request_body = std::collections::BTreeMap<String, f64>,
    responses((status = 200, description = "The scorecard", body = Scorecard), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `PUT /api/v1/scorecards/{role}` with `{"revenue": 40, "csat": 10}`; `{}` restores the default.
pub async fn put(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(role): Path<String>,
    Query(q): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Scorecard>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Administer, lang)?;
    let weights: BTreeMap<String, f64> = json_body(&body, true, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let before = scorecard(&state.db, &role).await.ok().and_then(|s| serde_json::to_value(s).ok());
    let entries: Vec<(String, f64)> = weights.into_iter().collect();
    let card = set_scorecard(&state.db, &ctx, &role, &entries).await.or_api(lang)?;
    let after = serde_json::to_value(&card).ok();
    crate::access::record_change(&state, &session, "scorecard", &role, "update", before.as_ref(), after.as_ref()).await?;
    Ok(Json(card))
}

#[utoipa::path(
    get,
    path = "/api/v1/scores",
    tag = "scoring",
    summary = "Composite scores of reps or teams",
    params(Params),
    responses((status = 200, description = "Scores, best first", body = Vec<Score>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `GET /api/v1/scores?scope=&period=&level=reps|teams`
pub async fn scores(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Params>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Score>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let (ctx, scope, period, level) = inputs(&state, &session, &q, lang).await?;
    Ok(Json(score_all(&state.db, &ctx, level, &scope, &period, lang).await.or_api(lang)?))
}

#[utoipa::path(
    get,
    path = "/api/v1/leaderboard",
    tag = "scoring",
    summary = "Reps or teams ranked by a KPI or the composite score",
    params(Params),
    responses((status = 200, description = "The leaderboard", body = Leaderboard), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `GET /api/v1/leaderboard?kpi=revenue|score&scope=&period=&level=&top=`
pub async fn leaderboard(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Params>,
    headers: HeaderMap,
) -> ApiResult<Json<Leaderboard>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let (ctx, scope, period, level) = inputs(&state, &session, &q, lang).await?;
    let metric = q.kpi.clone().unwrap_or_else(|| "revenue".into());
    let query = LeaderboardQuery { metric, level, scope, period, top: q.top.unwrap_or(10), lang };
    Ok(Json(rank_by(&state.db, &ctx, &query).await.or_api(lang)?))
}
