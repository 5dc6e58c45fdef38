//! The review pages: the daily, weekly and monthly review sheets with the cells people write,
//! and the improvement-actions tracker. A sheet is the same [`Sheet`] the API exports as JSON,
//! CSV and XLSX, laid out as a table here.

use crate::access::{Access, check_unchanged, record_change, require};
use crate::api::reports::sheet_kind;
use crate::auth::{Session, percent_encode};
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::render::{fixable, render, render_refused};
use crate::request::{period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salescope_app::edits::version_of;
use salescope_core::access::{Permission, Reach};
use salescope_core::format::format_value;
use salescope_core::kpi::Unit;
use salescope_core::period::Period;
use salescope_core::sheet::{CellKind, Sheet};
use salescope_engine::Context;
use salescope_engine::actions::{ActionChanges, ActionStatus, CAUSE_CATEGORIES, CAUSE_KINDS, NewAction};
use salescope_engine::reports::{SheetKind, note_value, review_sheet, write_note};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub(crate) struct SheetQuery {
    scope: Option<String>,
    period: Option<String>,
}

/// A sheet for the `sheet.html` table, each cell shown by its unit's formatting.
fn sheet_view(sheet: &Sheet) -> serde_json::Value {
    let columns: Vec<serde_json::Value> = sheet
        .columns
        .iter()
        .map(|c| json!({"id": c.id, "heading": c.heading, "editable": c.editable, "numeric": c.kind != CellKind::Text}))
        .collect();
    let rows: Vec<serde_json::Value> = sheet
        .rows
        .iter()
        .map(|row| {
            let cells: Vec<String> = row.cells.iter().zip(&sheet.columns).map(|(cell, column)| Sheet::shown(cell, column.kind)).collect();
            json!({"scope": row.scope, "period": row.period, "cells": cells})
        })
        .collect();
    json!({"id": sheet.id, "title": sheet.title, "scope": sheet.scope, "period": sheet.period, "columns": columns, "rows": rows})
}

pub(crate) async fn review(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(kind): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Response {
    let page = review_page(&state, &session, &kind, &q).await;
    render(&state, &session, &format!("/reviews/{kind}"), page)
}

async fn review_page(state: &AppState, session: &Session, kind: &str, q: &SheetQuery) -> ApiResult<Page> {
    let lang = session.lang;
    let kind = sheet_kind(kind, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let scope = access.scope(q.scope.as_deref().filter(|s| !s.is_empty()), Reach::Records)?;
    let today = today(state, None, lang).await?;
    let period = period_or(q.period.as_deref(), || kind.default_period(today), lang)?;
    let sheet = review_sheet(&state.db, &ctx, kind, &scope, &period, today, lang).await.or_api(lang)?;
    let query = format!("scope={}&period={}", percent_encode(&scope.label()), percent_encode(&period.label()));
    Ok(Page {
        template: "sheet.html",
        title: sheet.title.clone(),
        data: json!({
            "sheet": sheet_view(&sheet),
            "kind": kind.id(),
            "kinds": SheetKind::ALL.iter().map(|k| json!({"id": k.id(), "label": lang.tr(&format!("review.{}", k.id()))})).collect::<Vec<_>>(),
            "scope": scope.label(),
            "period": period.label(),
            "editable": session.viewer.may(Permission::Review),
            "csv": format!("/api/v1/reports/{}?{query}&format=csv&lang={}", kind.id(), lang.code()),
            "xlsx": format!("/api/v1/reports/{}?{query}&format=xlsx&lang={}", kind.id(), lang.code()),
        }),
    })
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    scope: String,
    period: String,
    field: String,
    #[serde(default)]
    value: String,
    /// The cell's text when the page opened (or after its last save there): a save over a cell
    /// someone else changed since is refused.
    opened: Option<String>,
}

/// `POST /reviews/{kind}/note` (htmx, on change of a cell): writes the cell.
pub(crate) async fn note(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(kind): Path<String>,
    axum::Form(form): axum::Form<NoteForm>,
) -> Response {
    let lang = session.lang;
    let written = async {
        require(&session, Permission::Review, lang)?;
        let kind = sheet_kind(&kind, lang)?;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let scope = Access::new(&session, &ctx, lang).scope(Some(&form.scope), Reach::Records)?;
        let period = Period::parse(&form.period).or_api(lang)?;
        // A cell's text is its own version; the next-month target is a target (the plan page's).
        let as_record = |text: &str| Some(text.trim()).filter(|t| !t.is_empty()).map(|t| json!({"value": t}));
        let stored = match form.field.as_str() {
            "next_month_target" => None,
            field => note_value(&state.db, kind, &scope, &period, field).await.or_api(lang)?.as_deref().and_then(as_record),
        };
        if form.field != "next_month_target" {
            let opened_on = form.opened.as_deref().map(|opened| version_of(as_record(opened).as_ref()));
            check_unchanged(opened_on.as_deref(), stored.as_ref(), lang)?;
        }
        write_note(&state.db, &ctx, kind, &scope, &period, &form.field, &form.value).await.or_api(lang)?;
        let subject = format!("{}/{}/{}/{}", kind.id(), scope.label(), period.label(), form.field);
        let after = json!({"value": form.value.trim()});
        record_change(&state, &session, "review_note", &subject, "write", stored.as_ref(), Some(&after)).await
    }
    .await;
    match written {
        Ok(()) => (StatusCode::OK, lang.tr("review.saved").to_string()).into_response(),
        Err(e) => (e.status, e.message).into_response(),
    }
}

// ----- improvement actions -----

pub(crate) async fn actions(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = actions_page(&state, &session, None).await;
    render(&state, &session, "/actions", page)
}

async fn actions_page(state: &AppState, session: &Session, error: Option<String>) -> ApiResult<Page> {
    let lang = session.lang;
    require(session, Permission::Review, lang)?;
    let today = today(state, None, lang).await?;
    let actions = salescope_engine::actions::list(&state.db, today).await.or_api(lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let rows: Vec<serde_json::Value> = actions
        .iter()
        .filter(|a| access.sees_action(&a.criterion))
        .map(|a| {
            let evidence = a.evidence.as_ref().map(|e| salescope_engine::actions::evidence_text(&ctx, e, lang));
            json!({
                "id": a.id, "raised_on": a.raised_on, "problem": a.problem, "people": a.people,
                "cause": format!("{} · {}", lang.tr(&format!("action.category.{}", a.cause_category)), a.cause),
                "measures": a.measures, "owner": a.owner, "deadline": a.deadline, "criterion": salescope_engine::actions::criterion_in_words(&ctx, &a.criterion, lang),
                "status": a.status.id(), "status_text": lang.tr(&format!("action.status.{}", a.status.id())),
                "overdue": a.overdue, "evidence": evidence,
            })
        })
        .collect();
    let categories: Vec<serde_json::Value> =
        CAUSE_CATEGORIES.iter().map(|c| json!({"id": c, "label": lang.tr(&format!("action.category.{c}"))})).collect();
    Ok(Page {
        template: "actions.html",
        title: lang.tr("actions.title").to_string(),
        data: json!({"actions": rows, "categories": categories, "kinds": CAUSE_KINDS, "today": today.to_string(), "error": error}),
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct ActionForm {
    problem: String,
    #[serde(default)]
    people: String,
    cause_category: String,
    #[serde(default)]
    cause_kind: String,
    #[serde(default)]
    cause: String,
    measures: String,
    owner: String,
    deadline: String,
    criterion: String,
}

/// `POST /actions`: records a problem and its action; the form comes back with the reason
/// when something is wrong.
pub(crate) async fn create_action(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let lang = session.lang;
    let created = async {
        require(&session, Permission::Review, lang)?;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        Access::new(&session, &ctx, lang).check_action(&form.criterion)?;
        let today = today(&state, None, lang).await?;
        let new = NewAction {
            raised_on: None,
            problem: form.problem,
            people: form.people,
            cause_category: form.cause_category,
            cause_kind: if form.cause_kind.is_empty() { "both".into() } else { form.cause_kind },
            cause: form.cause,
            measures: form.measures,
            owner: form.owner,
            deadline: crate::request::date(&form.deadline, lang)?,
            criterion: form.criterion,
        };
        let created = salescope_engine::actions::create(&state.db, &ctx, new, today).await.or_api(lang)?;
        let after = serde_json::to_value(&created).ok();
        record_change(&state, &session, "action", &created.id.to_string(), "create", None, after.as_ref()).await
    }
    .await;
    match created {
        Ok(()) => Redirect::to("/actions").into_response(),
        Err(e) if fixable(&e) => {
            let page = actions_page(&state, &session, Some(e.message)).await;
            render_refused(&state, &session, "/actions", page)
        }
        Err(e) => render(&state, &session, "/actions", Err(e)),
    }
}

#[derive(Deserialize)]
pub(crate) struct StatusForm {
    status: String,
    /// The status the page showed: a change over one someone else made since is refused.
    opened: Option<String>,
}

/// `POST /actions/{id}/status`: reopens or cancels an action (verified and not met come from
/// the checks against the data).
pub(crate) async fn set_status(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<StatusForm>,
) -> Response {
    let lang = session.lang;
    let changed = async {
        require(&session, Permission::Review, lang)?;
        if ActionStatus::from_id(&form.status).is_none() {
            return Err(ApiError::bad_request("bad_choice", lang.tr("error.bad_status").to_string()));
        }
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let today = today(&state, None, lang).await?;
        let action = salescope_engine::actions::list(&state.db, today).await.or_api(lang)?.into_iter().find(|a| a.id == id);
        let before = action.as_ref().map(|a| json!({"status": a.status.id()}));
        if let Some(action) = &action {
            Access::new(&session, &ctx, lang).check_action(&action.criterion)?;
            let opened_on = form.opened.as_deref().map(|status| version_of(Some(&json!({"status": status}))));
            check_unchanged(opened_on.as_deref(), before.as_ref(), lang)?;
        }
        let changes = ActionChanges { status: Some(form.status.clone()), ..ActionChanges::default() };
        let updated = salescope_engine::actions::update(&state.db, &ctx, id, changes, today).await.or_api(lang)?;
        let after = json!({"status": updated.status.id()});
        record_change(&state, &session, "action", &id.to_string(), "status", before.as_ref(), Some(&after)).await
    }
    .await;
    match changed {
        Ok(()) => Redirect::to("/actions").into_response(),
        Err(e) if e.status == StatusCode::CONFLICT => {
            let mut response = render_refused(&state, &session, "/actions", actions_page(&state, &session, Some(e.message)).await);
            *response.status_mut() = StatusCode::CONFLICT;
            response
        }
        Err(e) => render(&state, &session, "/actions", Err(e)),
    }
}

// ----- the audit of daily reports -----

/// `GET /audit?scope=&period=&percent=`: a reproducible sample of daily reports to check
/// against the records, and each rep's reported figures against the recorded ones.
pub(crate) async fn audit(State(state): State<AppState>, Extension(session): Extension<Session>, Query(q): Query<SheetQuery>) -> Response {
    let page = audit_page(&state, &session, &q).await;
    render(&state, &session, "/audit", page)
}

/// The figures of the audit table, in its columns' order.
const AUDITED_FIGURES: [&str; 3] = ["new_customers", "followups", "deal_amount"];

async fn audit_page(state: &AppState, session: &Session, q: &SheetQuery) -> ApiResult<Page> {
    use salescope_engine::audit::{DEFAULT_SAMPLE_PERCENT, DEFAULT_TOLERANCE_PERCENT, reconcile, sample};
    let lang = session.lang;
    require(session, Permission::Review, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let scope = Access::new(session, &ctx, lang).scope(q.scope.as_deref().filter(|s| !s.is_empty()), Reach::Records)?;
    let today = today(state, None, lang).await?;
    let period = period_or(q.period.as_deref(), || Period::week_of(today).previous(), lang)?;
    let drawn = sample(&state.db, &ctx, &scope, &period, DEFAULT_SAMPLE_PERCENT).await.or_api(lang)?;
    let money = |v: f64| format_value(Some(v), Unit::Money, lang);
    let rows: Vec<serde_json::Value> = drawn
        .iter()
        .map(|s| {
            json!({
                "rep_id": s.rep_id, "name": s.name, "team": s.team, "date": s.date, "filed_late": s.filed_late,
                "reported": [s.reported.new_customers.to_string(), s.reported.followups.to_string(), money(s.reported.deal_amount)],
                "recorded": [s.recorded.new_customers.to_string(), s.recorded.followups.to_string(), money(s.recorded.deal_amount)],
                "differs": AUDITED_FIGURES.map(|id| s.disagreements.contains(&id)),
                "disagrees": !s.disagreements.is_empty(),
                "contract_nos": s.reported.contract_nos,
                "result": s.result.as_deref().map(|r| lang.tr(&format!("audit.result.{r}")).to_string()),
                "checked_by": s.checked_by, "note": s.note,
            })
        })
        .collect();
    let flagged: Vec<serde_json::Value> = reconcile(&state.db, &ctx, &scope, &period, DEFAULT_TOLERANCE_PERCENT)
        .await
        .or_api(lang)?
        .into_iter()
        .filter(|r| r.flagged)
        .map(|r| json!({"rep_id": r.rep_id, "name": r.name, "team": r.team, "days": r.days_reported}))
        .collect();
    Ok(Page {
        template: "audit.html",
        title: lang.tr("audit.title").to_string(),
        data: json!({"scope": scope.label(), "period": period.label(), "rows": rows, "flagged": flagged, "checker": session.viewer.name}),
    })
}

#[derive(Deserialize)]
pub(crate) struct CheckForm {
    rep_id: String,
    date: String,
    result: String,
    #[serde(default)]
    note: String,
    scope: String,
    period: String,
}

/// `POST /audit/check`: records the check of one sampled daily report.
pub(crate) async fn record_audit_check(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<CheckForm>,
) -> Response {
    let lang = session.lang;
    let done = async {
        require(&session, Permission::Review, lang)?;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        Access::new(&session, &ctx, lang).check(&salescope_core::scope::Scope::Rep(form.rep_id.clone()), Reach::Records)?;
        let day = crate::request::date(&form.date, lang)?;
        let checker = &session.viewer.name;
        salescope_engine::audit::record_check(&state.db, &ctx, &form.rep_id, day, &form.result, checker, &form.note).await.or_api(lang)?;
        let after = json!({"result": form.result, "checked_by": checker, "note": form.note.trim()});
        record_change(&state, &session, "audit_check", &format!("{}/{day}", form.rep_id), "record", None, Some(&after)).await
    }
    .await;
    match done {
        Ok(()) => {
            Redirect::to(&format!("/audit?scope={}&period={}", percent_encode(&form.scope), percent_encode(&form.period))).into_response()
        }
        Err(e) => render(&state, &session, "/audit", Err(e)),
    }
}
