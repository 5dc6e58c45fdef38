//! Training pages: the plan, with courses and sessions to add; a course's five levels with its
//! charts and ROI assumptions; a session's sign-in sheet, where attendance and scores are
//! entered; and the feedback form of an attendee. Every record entered here goes through the
//! import's validation, like a file.

use crate::access::record_change;
use crate::api::training::{TrainingParams, effect_options, training_reader};
use crate::auth::{Session, percent_encode};
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::render::{fixable, render, render_refused};
use crate::request::{form_field as field, form_fields};
use crate::state::AppState;
use crate::templates::Page;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use salescope_core::access::Permission;
use salescope_core::format::format_value;
use salescope_core::i18n::Lang;
use salescope_core::kpi::Unit;
use salescope_core::schema::Kind;
use salescope_core::training::{COURSE_FIELDS, FEEDBACK_DIMENSIONS, SESSION_FIELDS};
use salescope_engine::training::{KpiEffect, RoiAssumptions, course_report, find_course, is_monetisable, p_text};
use salescope_engine::training_sheets::{signin_sheet, training_plan_sheet};
use salescope_import::Source;
use serde_json::{Map, Value, json};

/// Whether a form makes a new record or edits one already stored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// A form for a new record (a course, a session): one whose id is taken is refused, not
    /// silently written over.
    New,
    Edit,
}

/// Stores one record of `kind` with the import's rules (all-or-nothing); `Err` holds the rule
/// messages when it is refused. A stored record goes into the change log.
async fn store_record(
    state: &AppState,
    session: &Session,
    kind: Kind,
    record: Map<String, Value>,
    write: Write,
) -> ApiResult<Result<(), Vec<String>>> {
    let lang = session.lang;
    let text = Value::Array(vec![Value::Object(record.clone())]).to_string();
    if write == Write::New {
        let source = Source::json(text.as_bytes()).map_err(|e| ApiError::from_import(&e, lang))?;
        let trial = crate::importing::import_records(state, session, kind, source, "web", true, true, None, lang).await?;
        if trial.updated > 0 {
            let key = if kind == Kind::Sessions { "session_id" } else { "course_id" };
            let id = record.get(key).and_then(Value::as_str).unwrap_or_default();
            return Ok(Err(vec![lang.format("error.record_exists", &[("id", &id)])]));
        }
    }
    let source = Source::json(text.as_bytes()).map_err(|e| ApiError::from_import(&e, lang))?;
    let report = crate::importing::import_records(state, session, kind, source, "web", true, false, None, lang).await?;
    if !report.committed || report.rejected > 0 {
        return Ok(Err(report.errors.iter().map(|e| e.message.clone()).collect()));
    }
    let action = if report.updated > 0 { "update" } else { "create" };
    let subject = record.values().take(2).filter_map(Value::as_str).collect::<Vec<_>>().join("/");
    record_change(state, session, kind.id(), &subject, action, None, Some(&Value::Object(record))).await?;
    Ok(Ok(()))
}

/// A record from the named form fields, empty ones left out.
fn record_of(fields: &[(String, String)], names: &[&str]) -> Map<String, Value> {
    names.iter().filter(|n| !field(fields, n).is_empty()).map(|n| (n.to_string(), json!(field(fields, n)))).collect()
}

// ----- the plan -----

pub(crate) async fn plan(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = plan_page(&state, &session, &[]).await;
    render(&state, &session, "/training", page)
}

async fn plan_page(state: &AppState, session: &Session, errors: &[String]) -> ApiResult<Page> {
    let lang = session.lang;
    let records = state.db.training_records().await.or_api(lang)?;
    let sheet = training_plan_sheet(&records, lang);
    let headings: Vec<&str> = sheet.columns.iter().map(|c| c.heading.as_str()).collect();
    let mine = session.viewer.rep_id.as_deref();
    let rows: Vec<Value> = sheet
        .rows
        .iter()
        .map(|row| {
            let cells: Vec<String> =
                sheet.columns.iter().zip(&row.cells).map(|(c, cell)| salescope_core::sheet::Sheet::shown(cell, c.kind)).collect();
            let course_id = row.scope.trim_start_matches("course:");
            let session_id = cells.get(6).cloned().unwrap_or_default();
            let attended =
                mine.is_some_and(|rep| records.attendance.iter().any(|a| a.session_id == session_id && a.rep_id == rep && a.attended));
            json!({
                "cells": cells,
                "course_href": format!("/training/courses/{}", percent_encode(course_id)),
                "session_href": format!("/training/sessions/{}", percent_encode(&session_id)),
                "feedback_href": attended.then(|| format!("/training/sessions/{}/feedback", percent_encode(&session_id))),
            })
        })
        .collect();
    let courses: Vec<Value> = records.courses.iter().map(|c| json!({"id": c.course_id, "title": c.title})).collect();
    let sees_reports = state_sees_reports(state, session).await;
    Ok(Page {
        template: "training.html",
        title: lang.tr("training.page.title").to_string(),
        data: json!({
            "headings": headings, "rows": rows, "courses": courses, "errors": errors,
            "can_train": session.viewer.may(Permission::Train), "sees_reports": sees_reports,
            "course_fields": COURSE_FIELDS.iter().map(|f| json!({"name": f.name, "required": f.required})).collect::<Vec<_>>(),
            "session_fields": SESSION_FIELDS.iter().filter(|f| f.name != "course_id").map(|f| json!({"name": f.name, "required": f.required})).collect::<Vec<_>>(),
            "csv": "/api/v1/training/plan?format=csv", "xlsx": "/api/v1/training/plan?format=xlsx",
        }),
    })
}

/// Whether the account may open course reports and sign-in sheets (they name every rep).
async fn state_sees_reports(state: &AppState, session: &Session) -> bool {
    training_reader(state, session, session.lang).await.is_ok()
}

/// The input fields of a training kind, by their canonical names.
fn field_names(specs: &[salescope_core::schema::FieldSpec]) -> Vec<&'static str> {
    specs.iter().map(|f| f.name).collect()
}

pub(crate) async fn add_course(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    add_to_plan(&state, &session, Kind::Courses, &field_names(COURSE_FIELDS), &body).await
}

pub(crate) async fn add_session(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    add_to_plan(&state, &session, Kind::Sessions, &field_names(SESSION_FIELDS), &body).await
}

async fn add_to_plan(state: &AppState, session: &Session, kind: Kind, names: &[&str], body: &[u8]) -> Response {
    let stored = async {
        crate::access::require_shared(session, Permission::Train, session.lang)?;
        store_record(state, session, kind, record_of(&form_fields(body), names), Write::New).await
    }
    .await;
    match stored {
        Ok(Ok(())) => Redirect::to("/training?saved=1").into_response(),
        Ok(Err(errors)) => render_refused(state, session, "/training", plan_page(state, session, &errors).await),
        Err(e) if fixable(&e) => render_refused(state, session, "/training", plan_page(state, session, &[e.message]).await),
        Err(e) => render(state, session, "/training", Err(e)),
    }
}

// ----- a course's five levels -----

pub(crate) async fn course(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(course_id): Path<String>,
    Query(q): Query<TrainingParams>,
) -> Response {
    let page = course_page(&state, &session, &course_id, &q, None, &[]).await;
    render(&state, &session, "/training", page)
}

fn number(value: Option<f64>, decimals: usize) -> Option<String> {
    value.map(|v| format!("{v:.decimals$}"))
}

/// An effect's numbers in the KPI's unit (pp for rates), rounded for reading.
fn effect_view(effect: &KpiEffect, lang: Lang) -> Value {
    let unit = Unit::from_id(&effect.unit).unwrap_or(Unit::Count);
    let show = |v: f64| match unit {
        Unit::Percent => format!("{v:+.2}"),
        Unit::Money => format_value(Some(v), unit, lang),
        _ => format!("{v:+.2}"),
    };
    let level = |v: Option<f64>| {
        v.map(|v| match unit {
            Unit::Percent => format!("{v:.2}%"),
            Unit::Money => format_value(Some(v), unit, lang),
            _ => format!("{v:.2}"),
        })
    };
    let estimate = effect.estimate.as_ref();
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    json!({
        "kpi": effect.kpi, "name": effect.name, "level": effect.level, "summary": effect.summary, "verdict": effect.verdict,
        "effect": estimate.map(|e| show(e.effect)), "ci": estimate.map(|e| format!("[{}, {}]", show(e.ci_low), show(e.ci_high))),
        "p": estimate.map(|e| if e.p_value < 0.001 { "< 0.001".to_string() } else { format!("{:.3}", e.p_value) }),
        "naive": effect.naive.as_ref().map(|n| show(n.difference)), "naive_before": level(effect.naive.as_ref().map(|n| n.before)),
        "naive_after": level(effect.naive.as_ref().map(|n| n.after)),
        "pre_trend_p": effect.pre_trend.as_ref().map(|p| p_text(p.p_value)), "parallel": effect.pre_trend.as_ref().map(|p| p.parallel),
        "trained": effect.trained.len(), "control": effect.control.len(), "control_method": effect.control_method,
        "post_observed": effect.post_weeks_observed, "post_weeks": effect.post_weeks,
        "groups_chart": {
            "weeks": effect.trend.iter().map(|w| w.week.clone()).collect::<Vec<_>>(),
            "trained": effect.trend.iter().map(|w| w.trained.map(round)).collect::<Vec<_>>(),
            "control": effect.trend.iter().map(|w| w.control.map(round)).collect::<Vec<_>>(),
            "training_week": effect.training_week,
            "trained_label": lang.tr("training.trained"), "control_label": lang.tr("training.control"), "training_label": lang.tr("training.training_week"),
        },
        "events_chart": effect.event_study.iter().map(|p| json!({"week": p.relative_week, "effect": round(p.effect), "low": round(p.ci_low), "high": round(p.ci_high)})).collect::<Vec<_>>(),
    })
}

async fn course_page(
    state: &AppState,
    session: &Session,
    course_id: &str,
    q: &TrainingParams,
    assumptions: Option<RoiAssumptions>,
    errors: &[String],
) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = training_reader(state, session, lang).await?;
    let options = effect_options(state, q, lang).await?;
    let report = course_report(&state.db, &ctx, course_id, &options, assumptions, lang).await.or_api(lang)?;
    let dimensions: Vec<Value> = report
        .reaction
        .dimensions
        .iter()
        .map(|d| json!({"name": lang.tr(&format!("training.dimension.{}", d.dimension)), "mean": number(d.mean, 2), "n": d.responses}))
        .collect();
    let learning = &report.learning;
    let roi = report.roi.as_ref().map(|r| {
        json!({
            "a": r.assumptions, "benefit": format_value(Some(r.benefit), Unit::Money, lang),
            "benefit_range": format!("[{}, {}]", format_value(Some(r.benefit_low), Unit::Money, lang), format_value(Some(r.benefit_high), Unit::Money, lang)),
            "cost": format_value(Some(r.cost), Unit::Money, lang), "roi_pct": number(r.roi_pct, 0), "bcr": number(r.benefit_cost_ratio, 2),
            "payback": number(r.payback_weeks, 1), "proven": r.proven, "unproven": r.unproven, "formula": r.formula, "kpi_name": ctx.kpi(&r.assumptions.kpi).map(|k| k.name(lang).to_string()).unwrap_or_default(),
        })
    });
    let sessions: Vec<Value> = report
        .sessions
        .iter()
        .map(|s| json!({"id": s.session_id, "starts_at": s.starts_at, "place": s.place, "attended": s.attended, "enrolled": s.enrolled, "href": format!("/training/sessions/{}", percent_encode(&s.session_id))}))
        .collect();
    let query = format!(
        "pre={}w&post={}w&control={}&lang={}{}",
        options.pre_weeks,
        options.post_weeks,
        percent_encode(&options.control.label()),
        lang.code(),
        options.session_id.as_deref().map(|s| format!("&session={}", percent_encode(s))).unwrap_or_default()
    );
    let base = format!("/api/v1/training/courses/{}", percent_encode(course_id));
    Ok(Page {
        template: "course.html",
        title: report.course.title.clone(),
        data: json!({
            "course": report.course, "sessions": sessions, "errors": errors,
            "reaction": {"dimensions": dimensions, "overall": number(report.reaction.overall, 2), "responses": report.reaction.responses,
                "attendees": report.reaction.attendees, "rate": number(report.reaction.response_rate, 0), "comments": report.reaction.comments},
            "learning": {"pass_rate": number(learning.pass_rate, 0), "passed": learning.passed, "tests": learning.post_tests, "pass_score": learning.pass_score,
                "mean_pre": number(learning.mean_pre, 1), "mean_post": number(learning.mean_post, 1),
                "gain": learning.gain.as_ref().map(|g| json!({"mean": format!("{:+.1}", g.mean_gain), "ci": format!("[{:.1}, {:.1}]", g.ci_low, g.ci_high),
                    "p": p_text(g.p_value), "pairs": g.pairs}))},
            "behaviour": report.behaviour.iter().map(|e| effect_view(e, lang)).collect::<Vec<_>>(),
            "results": report.results.iter().map(|e| effect_view(e, lang)).collect::<Vec<_>>(),
            "roi": roi, "unknown_kpis": report.unknown_kpis,
            "monetisable": report.results.iter().filter(|e| is_monetisable(&e.kpi)).map(|e| json!({"id": e.kpi, "name": e.name})).collect::<Vec<_>>(),
            "pre": options.pre_weeks, "post": options.post_weeks, "control": options.control.label(), "session": options.session_id,
            "can_train": session.viewer.may(Permission::Train),
            "report_csv": format!("{base}/report?{query}&format=csv"), "report_xlsx": format!("{base}/report?{query}&format=xlsx"),
            "report_json": format!("{base}/report?{query}"), "signin_href": format!("{base}/signin?format=xlsx&lang={}", lang.code()),
        }),
    })
}

const ROI_FIELDS: [&str; 7] =
    ["horizon_weeks", "gross_margin_pct", "avg_deal_size", "volume_per_rep_week", "hourly_cost", "attendee_hours", "course_cost"];

/// Saves the ROI assumptions of a course and shows the report with them.
pub(crate) async fn save_roi(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(course_id): Path<String>,
    body: Bytes,
) -> Response {
    let lang = session.lang;
    let fields = form_fields(&body);
    let parsed = async {
        crate::access::require_shared(&session, Permission::Train, lang)?;
        let mut values = [0.0; 7];
        for (value, name) in values.iter_mut().zip(ROI_FIELDS) {
            *value = field(&fields, name).replace(',', "").parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| {
                ApiError::bad_request(
                    "bad_number",
                    lang.format("training.error.bad_assumption", &[("field", &lang.tr(&format!("training.roi.{name}")))]),
                )
            })?;
        }
        let [horizon_weeks, gross_margin_pct, avg_deal_size, volume_per_rep_week, hourly_cost, attendee_hours, course_cost] = values;
        let assumptions = RoiAssumptions {
            kpi: field(&fields, "kpi").to_string(),
            horizon_weeks,
            gross_margin_pct,
            avg_deal_size,
            volume_per_rep_week,
            hourly_cost,
            attendee_hours,
            course_cost,
        };
        let text = serde_json::to_string(&assumptions).map_err(|e| ApiError::internal(&e))?;
        let before = state.db.roi_assumptions(&course_id).await.or_api(lang)?;
        state.db.save_roi_assumptions(&course_id, &text).await.or_api(lang)?;
        let before = before.and_then(|b| serde_json::from_str::<Value>(&b).ok());
        record_change(&state, &session, "roi_assumptions", &course_id, "update", before.as_ref(), Some(&json!(assumptions))).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    let back = format!("/training/courses/{}", percent_encode(&course_id));
    match parsed {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) if fixable(&e) => {
            let page = course_page(&state, &session, &course_id, &TrainingParams::default(), None, &[e.message]).await;
            render_refused(&state, &session, "/training", page)
        }
        Err(e) => render(&state, &session, "/training", Err(e)),
    }
}

// ----- a session: sign-in, scores -----

pub(crate) async fn session_sheet(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(session_id): Path<String>,
) -> Response {
    let page = session_page(&state, &session, &session_id, &[]).await;
    render(&state, &session, "/training", page)
}

async fn session_page(state: &AppState, session: &Session, session_id: &str, errors: &[String]) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = training_reader(state, session, lang).await?;
    let records = state.db.training_records().await.or_api(lang)?;
    let Some(training_session) = records.sessions.iter().find(|s| s.session_id == session_id) else {
        return Err(salescope_engine::EngineError::not_found("training.error.unknown_session", &[("session", &session_id)])).or_api(lang);
    };
    let course = find_course(&records, &training_session.course_id).or_api(lang)?;
    let sheet = signin_sheet(&records, &ctx, &course.course_id, Some(session_id), lang);
    let rows: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| sheet.columns.iter().zip(&r.cells).map(|(c, cell)| salescope_core::sheet::Sheet::shown(cell, c.kind)).collect())
        .collect();
    let reps: Vec<Value> = ctx
        .structure
        .reps
        .iter()
        .filter(|r| salescope_engine::sells(&r.role))
        .map(|r| json!({"id": r.rep_id, "label": format!("{} · {} · {}", r.name, r.rep_id, r.team)}))
        .collect();
    let base = format!(
        "/api/v1/training/courses/{}/signin?session={}&lang={}",
        percent_encode(&course.course_id),
        percent_encode(session_id),
        lang.code()
    );
    Ok(Page {
        template: "session.html",
        title: format!("{} · {}", course.title, session_id),
        data: json!({
            "session_id": session_id, "course_title": course.title, "course_href": format!("/training/courses/{}", percent_encode(&course.course_id)),
            "starts_at": training_session.starts_at.to_string(), "place": training_session.place,
            "headings": sheet.columns.iter().map(|c| c.heading.clone()).collect::<Vec<_>>(), "rows": rows, "reps": reps, "errors": errors,
            "can_train": session.viewer.may(Permission::Train), "sees_reports": state_sees_reports(state, session).await,
            "csv": format!("{base}&format=csv"), "xlsx": format!("{base}&format=xlsx"),
        }),
    })
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let mut record = record_of(&fields, &["rep_id", "signed_in_at", "attended"]);
    record.insert("session_id".into(), json!(session_id));
    session_write(&state, &session, &session_id, Kind::Attendance, record).await
}

pub(crate) async fn score(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let course_id = match state.db.training_records().await {
        Ok(records) => records.sessions.iter().find(|s| s.session_id == session_id).map(|s| s.course_id.clone()).unwrap_or_default(),
        Err(e) => return render(&state, &session, "/training", Err(ApiError::internal(&e))),
    };
    let mut record = record_of(&fields, &["rep_id", "phase", "score", "taken_on"]);
    record.insert("course_id".into(), json!(course_id));
    session_write(&state, &session, &session_id, Kind::Assessments, record).await
}

async fn session_write(state: &AppState, session: &Session, session_id: &str, kind: Kind, record: Map<String, Value>) -> Response {
    let stored = async {
        crate::access::require(session, Permission::Train, session.lang)?;
        store_record(state, session, kind, record, Write::Edit).await
    }
    .await;
    match stored {
        Ok(Ok(())) => Redirect::to(&format!("/training/sessions/{}", percent_encode(session_id))).into_response(),
        Ok(Err(errors)) => render_refused(state, session, "/training", session_page(state, session, session_id, &errors).await),
        Err(e) if fixable(&e) => render_refused(state, session, "/training", session_page(state, session, session_id, &[e.message]).await),
        Err(e) => render(state, session, "/training", Err(e)),
    }
}

// ----- an attendee's feedback -----

pub(crate) async fn feedback_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(session_id): Path<String>,
) -> Response {
    let page = feedback_page(&state, &session, &session_id, &[], &[]).await;
    render(&state, &session, "/training", page)
}

/// The account's rep, who must have attended the session.
async fn attendee(state: &AppState, session: &Session, session_id: &str) -> ApiResult<(String, String)> {
    let lang = session.lang;
    let records = state.db.training_records().await.or_api(lang)?;
    let Some(training_session) = records.sessions.iter().find(|s| s.session_id == session_id) else {
        return Err(salescope_engine::EngineError::not_found("training.error.unknown_session", &[("session", &session_id)])).or_api(lang);
    };
    let rep = session
        .viewer
        .rep_id
        .clone()
        .filter(|rep| records.attendance.iter().any(|a| a.session_id == session_id && &a.rep_id == rep && a.attended));
    let rep = rep.ok_or_else(|| ApiError {
        status: axum::http::StatusCode::FORBIDDEN,
        code: "forbidden",
        message: lang.tr("training.error.not_attendee").to_string(),
    })?;
    let title = records.courses.iter().find(|c| c.course_id == training_session.course_id).map_or(String::new(), |c| c.title.clone());
    Ok((rep, title))
}

async fn feedback_page(
    state: &AppState,
    session: &Session,
    session_id: &str,
    values: &[(String, String)],
    errors: &[String],
) -> ApiResult<Page> {
    let lang = session.lang;
    let (_, title) = attendee(state, session, session_id).await?;
    let dimensions: Vec<Value> = FEEDBACK_DIMENSIONS
        .iter()
        .map(|d| json!({"id": d, "label": lang.tr(&format!("training.dimension.{d}")), "value": field(values, d)}))
        .collect();
    Ok(Page {
        template: "feedback.html",
        title: lang.tr("training.feedback.title").to_string(),
        data: json!({"session_id": session_id, "course_title": title, "dimensions": dimensions, "comment": field(values, "comment"), "errors": errors}),
    })
}

pub(crate) async fn feedback_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let stored = async {
        let (rep, _) = attendee(&state, &session, &session_id).await?;
        let mut names: Vec<&str> = FEEDBACK_DIMENSIONS.to_vec();
        names.push("comment");
        let mut record = record_of(&fields, &names);
        record.insert("session_id".into(), json!(session_id));
        record.insert("rep_id".into(), json!(rep));
        store_record(&state, &session, Kind::TrainingFeedback, record, Write::Edit).await
    }
    .await;
    match stored {
        Ok(Ok(())) => Redirect::to("/training?saved=1").into_response(),
        Ok(Err(errors)) => {
            render_refused(&state, &session, "/training", feedback_page(&state, &session, &session_id, &fields, &errors).await)
        }
        Err(e) => render(&state, &session, "/training", Err(e)),
    }
}
