//! Coaching tasks: a rep's gap turned into work with an owner and a due date, 1:1 notes, and a
//! follow-up that measures the gap again. Leads and managers write them; a rep reads their own.

use crate::access::{Access, check_unchanged, record_change, require};
use crate::auth::{Session, percent_encode};
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::render::render;
use crate::request::{date, form_field as field, form_fields, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use salescope_app::edits::version_of;
use salescope_core::access::{Permission, Reach};
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::coaching::measure;
use salescope_store::CoachingTaskRow;
use serde_json::json;

/// Days a new task is due in unless the form says otherwise.
const DEFAULT_DUE_DAYS: i32 = 14;
/// A follow-up soon after the task measures the last this many days instead.
const SHORTEST_FOLLOW_UP_DAYS: i32 = 30;

fn number(fields: &[(String, String)], name: &str, session: &Session) -> ApiResult<f64> {
    field(fields, name).parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
        ApiError::bad_request("bad_number", session.lang.format("error.bad_number", &[("field", &name), ("value", &field(fields, name))]))
    })
}

/// The task, if the account may change it: Review permission and the rep's records in view.
async fn writable_task(state: &AppState, session: &Session, id: i64) -> ApiResult<CoachingTaskRow> {
    let lang = session.lang;
    require(session, Permission::Review, lang)?;
    let task = state.db.coaching_task(id).await.or_api(lang)?.ok_or_else(|| {
        let mut e = ApiError::bad_request("not_found", lang.format("coaching.error.unknown_task", &[("id", &id)]));
        e.status = axum::http::StatusCode::NOT_FOUND;
        e
    })?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Access::new(session, &ctx, lang).check(&Scope::Rep(task.rep_id.clone()), Reach::Records)?;
    Ok(task)
}

fn done(result: ApiResult<()>, state: &AppState, session: &Session) -> Response {
    match result {
        Ok(()) => Redirect::to("/coaching").into_response(),
        Err(e) => render(state, session, "/coaching", Err(e)),
    }
}

/// `POST /coaching/tasks`: a gap of a rep's page becomes a task.
pub(crate) async fn create(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    let result = async {
        let lang = session.lang;
        require(&session, Permission::Review, lang)?;
        let f = form_fields(&body);
        let rep_id = field(&f, "rep_id").to_string();
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        Access::new(&session, &ctx, lang).check(&Scope::Rep(rep_id.clone()), Reach::Records)?;
        let today = today(&state, None, lang).await?;
        let due = match field(&f, "due") {
            "" => today.plus_days(DEFAULT_DUE_DAYS),
            text => date(text, lang)?,
        };
        let owner = Some(field(&f, "owner")).filter(|o| !o.is_empty()).unwrap_or(&session.viewer.login).to_string();
        let task = CoachingTaskRow {
            id: 0,
            rep_id,
            kind: field(&f, "kind").to_string(),
            name: field(&f, "name").to_string(),
            label: field(&f, "label").to_string(),
            baseline: number(&f, "baseline", &session)?,
            team_median: number(&f, "team_median", &session)?,
            owner,
            due,
            notes: String::new(),
            status: "open".into(),
            created_on: today,
            created_by: session.viewer.login.clone(),
            latest: None,
            measured_on: None,
        };
        let id = state.db.insert_coaching_task(&task).await.or_api(lang)?;
        let after =
            json!({"rep": task.rep_id, "gap": format!("{}:{}", task.kind, task.name), "owner": task.owner, "due": task.due.to_string()});
        record_change(&state, &session, "coaching_task", &id.to_string(), "create", None, Some(&after)).await
    }
    .await;
    done(result, &state, &session)
}

/// `POST /coaching/tasks/{id}/note`: a 1:1 note, dated and signed.
pub(crate) async fn note(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let result = async {
        let mut task = writable_task(&state, &session, id).await?;
        let f = form_fields(&body);
        let text = field(&f, "note").replace('\n', " ");
        if text.is_empty() {
            return Ok(());
        }
        let today = today(&state, None, session.lang).await?;
        task.notes.push_str(&format!("{today} {}: {text}\n", session.viewer.login));
        state.db.update_coaching_task(&task).await.or_api(session.lang)?;
        record_change(&state, &session, "coaching_task", &id.to_string(), "note", None, Some(&json!(text))).await
    }
    .await;
    done(result, &state, &session)
}

/// `POST /coaching/tasks/{id}/remeasure`: the gap's measure again, since the task was made.
pub(crate) async fn remeasure(State(state): State<AppState>, Extension(session): Extension<Session>, Path(id): Path<i64>) -> Response {
    let result = async {
        let lang = session.lang;
        let mut task = writable_task(&state, &session, id).await?;
        let today = today(&state, None, lang).await?;
        let start = if today.0 - task.created_on.0 >= SHORTEST_FOLLOW_UP_DAYS {
            task.created_on
        } else {
            today.plus_days(-SHORTEST_FOLLOW_UP_DAYS)
        };
        let period = Period::range(start, today).unwrap_or(Period::day(today));
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let deals = salescope_engine::pipeline::Deals::load(&state.db, None).await.or_api(lang)?;
        let value = measure(&state.db, &ctx, &deals, &task.rep_id, &period, &task.kind, &task.name).await.or_api(lang)?;
        task.latest = value.map(|(own, _)| own);
        task.measured_on = Some(today);
        state.db.update_coaching_task(&task).await.or_api(lang)?;
        record_change(&state, &session, "coaching_task", &id.to_string(), "remeasure", None, Some(&json!(task.latest))).await
    }
    .await;
    done(result, &state, &session)
}

/// `POST /coaching/tasks/{id}/status`: open or done.
pub(crate) async fn status(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let result = async {
        let mut task = writable_task(&state, &session, id).await?;
        let f = form_fields(&body);
        let status = if field(&f, "status") == "done" { "done" } else { "open" };
        let before = json!(task.status);
        // The status the page showed: a change over one someone else made since is refused.
        let opened_on = f.iter().find(|(k, _)| k == "opened").map(|(_, opened)| version_of(Some(&json!(opened))));
        check_unchanged(opened_on.as_deref(), Some(&before), session.lang)?;
        task.status = status.into();
        state.db.update_coaching_task(&task).await.or_api(session.lang)?;
        record_change(&state, &session, "coaching_task", &id.to_string(), "status", Some(&before), Some(&json!(status))).await
    }
    .await;
    done(result, &state, &session)
}

/// `GET /coaching`: the tasks of the reps the account sees.
pub(crate) async fn list(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = async {
        let lang = session.lang;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let access = Access::new(&session, &ctx, lang);
        let today: Day = today(&state, None, lang).await?;
        let tasks: Vec<serde_json::Value> = state
            .db
            .coaching_tasks()
            .await
            .or_api(lang)?
            .into_iter()
            .filter(|t| access.sees(&Scope::Rep(t.rep_id.clone()), Reach::Records))
            .map(|t| {
                // Better is higher for conversion and most KPIs, lower for time in stage and talk ratio.
                let lower_is_better = t.kind == "time_in_stage"
                    || ctx.kpi(&t.name).is_ok_and(|k| k.direction == salescope_core::kpi::Direction::LowerIsBetter);
                let improved = t.latest.map(|v| if lower_is_better { v < t.baseline } else { v > t.baseline });
                json!({
                    "id": t.id, "rep": ctx.rep(&t.rep_id).map_or(t.rep_id.clone(), |r| r.name.clone()),
                    "rep_href": format!("/reps/{}", percent_encode(&t.rep_id)), "kind": lang.tr(&format!("coaching.kind.{}", t.kind)),
                    "label": t.label, "baseline": t.baseline, "team_median": t.team_median, "latest": t.latest,
                    "measured_on": t.measured_on.map(|d| d.to_string()), "improved": improved, "owner": t.owner, "due": t.due.to_string(),
                    "overdue": t.status == "open" && t.due < today, "done": t.status == "done",
                    "notes": t.notes.lines().map(str::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok::<_, ApiError>(Page {
            template: "coaching.html",
            title: lang.tr("coaching.tasks").to_string(),
            data: json!({"tasks": tasks, "can_write": session.viewer.may(Permission::Review)}),
        })
    }
    .await;
    render(&state, &session, "/coaching", page)
}
