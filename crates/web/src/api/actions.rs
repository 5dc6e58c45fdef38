//! Improvement actions over HTTP.

use crate::access::{Access, record_change, require};
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{date, json_body, today};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use salescope_core::access::Permission;
use salescope_engine::Context;
use salescope_engine::actions::{ActionChanges, ActionView, CheckOutcome, NewAction, check_among, create, list, update};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    lang: Option<String>,
    /// open, verified, not_met, cancelled or overdue.
    status: Option<String>,
    today: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/actions",
    tag = "actions",
    summary = "Improvement actions by deadline",
    params(Params),
    responses((status = 200, description = "Actions", body = Vec<ActionView>))
)]
/// `GET /api/v1/actions?status=`
pub async fn list_actions(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Params>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<ActionView>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Review, lang)?;
    let today = today(&state, q.today.as_deref(), lang).await?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(&session, &ctx, lang);
    let mut actions = list(&state.db, today).await.or_api(lang)?;
    actions.retain(|a| access.sees_action(&a.criterion));
    if let Some(status) = q.status.as_deref() {
        actions.retain(|a| if status == "overdue" { a.overdue } else { a.status.id() == status });
    }
    Ok(Json(actions))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct NewBody {
    raised_on: Option<String>,
    problem: String,
    #[serde(default)]
    people: String,
    cause_category: String,
    #[serde(default)]
    cause_kind: Option<String>,
    #[serde(default)]
    cause: String,
    measures: String,
    owner: String,
    deadline: String,
    criterion: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/actions",
    tag = "actions",
    summary = "Record a problem and the action taken, with a verification criterion",
    params(Params),
    request_body = NewBody,
    responses((status = 200, description = "The action recorded", body = ActionView), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `POST /api/v1/actions`
pub async fn create_action(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ActionView>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Review, lang)?;
    let body: NewBody = json_body(&body, false, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Access::new(&session, &ctx, lang).check_action(&body.criterion)?;
    let new = NewAction {
        raised_on: body.raised_on.as_deref().map(|d| date(d, lang)).transpose()?,
        problem: body.problem,
        people: body.people,
        cause_category: body.cause_category,
        cause_kind: body.cause_kind.unwrap_or_else(|| "both".into()),
        cause: body.cause,
        measures: body.measures,
        owner: body.owner,
        deadline: date(&body.deadline, lang)?,
        criterion: body.criterion,
    };
    let today = today(&state, q.today.as_deref(), lang).await?;
    let created = create(&state.db, &ctx, new, today).await.or_api(lang)?;
    record_change(&state, &session, "action", &created.id.to_string(), "create", None, serde_json::to_value(&created).ok().as_ref())
        .await?;
    Ok(Json(created))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ChangesBody {
    problem: Option<String>,
    people: Option<String>,
    cause_category: Option<String>,
    cause_kind: Option<String>,
    cause: Option<String>,
    measures: Option<String>,
    owner: Option<String>,
    deadline: Option<String>,
    criterion: Option<String>,
    status: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/actions/{id}",
    tag = "actions",
    summary = "Change an action",
    params(("id" = i64, Path, description = "The action's number"), Params),
    request_body = ChangesBody,
    responses((status = 200, description = "The action changed", body = ActionView), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `PATCH /api/v1/actions/{id}` with the fields to change.
pub async fn update_action(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ActionView>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Review, lang)?;
    let body: ChangesBody = json_body(&body, false, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let changes = ActionChanges {
        problem: body.problem,
        people: body.people,
        cause_category: body.cause_category,
        cause_kind: body.cause_kind,
        cause: body.cause,
        measures: body.measures,
        owner: body.owner,
        deadline: body.deadline.as_deref().map(|d| date(d, lang)).transpose()?,
        criterion: body.criterion,
        status: body.status,
    };
    let today = today(&state, q.today.as_deref(), lang).await?;
    let before = list(&state.db, today).await.or_api(lang)?.into_iter().find(|a| a.id == id);
    let access = Access::new(&session, &ctx, lang);
    if let Some(action) = &before {
        access.check_action(&action.criterion)?;
    }
    if let Some(criterion) = &changes.criterion {
        access.check_action(criterion)?;
    }
    let updated = update(&state.db, &ctx, id, changes, today).await.or_api(lang)?;
    let (before, after) = (before.and_then(|b| serde_json::to_value(b).ok()), serde_json::to_value(&updated).ok());
    record_change(&state, &session, "action", &id.to_string(), "update", before.as_ref(), after.as_ref()).await?;
    Ok(Json(updated))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct CheckBody {
    ids: Option<Vec<i64>>,
    today: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/actions/check",
    tag = "actions",
    summary = "Check actions: those due are marked verified or not met with the evidence",
    params(Params),
    request_body = CheckBody,
    responses((status = 200, description = "What each check found", body = Vec<CheckOutcome>), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `POST /api/v1/actions/check` (`{"ids": [..]}` to re-check those).
pub async fn check_actions(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Vec<CheckOutcome>>> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    require(&session, Permission::Review, lang)?;
    let body: CheckBody = json_body(&body, true, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let today = today(&state, body.today.as_deref().or(q.today.as_deref()), lang).await?;
    // Only the actions the account sees are checked: a lead's check settles their team's, not
    // another team's, and naming one beyond reach is refused.
    let access = Access::new(&session, &ctx, lang);
    let (visible, beyond): (Vec<_>, Vec<_>) =
        state.db.actions().await.or_api(lang)?.into_iter().partition(|a| access.sees_action(&a.criterion));
    if let Some(beyond) = beyond.iter().find(|a| body.ids.as_ref().is_some_and(|ids| ids.contains(&a.id))) {
        return Err(crate::access::forbidden(lang.format("error.forbidden_scope", &[("scope", &format!("#{}", beyond.id))])));
    }
    let outcomes = check_among(&state.db, &ctx, today, visible, body.ids.as_deref()).await.or_api(lang)?;
    if !outcomes.is_empty() {
        record_change(&state, &session, "action", "check", "check", None, serde_json::to_value(&outcomes).ok().as_ref()).await?;
    }
    Ok(Json(outcomes))
}
