//! The daily report form a rep files, validated by the same rules as an import.

use crate::access::{record_change, require};
use crate::auth::{self, Session};
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::render::{render, render_refused};
use crate::request::today;
use crate::state::AppState;
use crate::templates::Page;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salescope_core::access::Permission;
use salescope_core::schema::Kind;
use salescope_import::Source;
use serde_json::json;

/// The form's fields, in order: (field id, input type).
const DAILY_FIELDS: [(&str, &str); 8] = [
    ("date", "date"),
    ("new_customers", "number"),
    ("followups", "number"),
    ("followup_notes", "textarea"),
    ("deal_amount", "number"),
    ("contract_nos", "text"),
    ("missed_reason", "textarea"),
    ("next_day_plan", "textarea"),
];

pub(crate) async fn daily_form(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = async {
        let rep_id = daily_reporter(&session)?;
        let today = today(&state, None, session.lang).await?;
        let mut values = vec![("date".to_string(), today.to_string())];
        values.extend(DAILY_FIELDS.iter().filter(|(_, input)| *input == "number").map(|(id, _)| (id.to_string(), "0".to_string())));
        Ok(daily_page(&session, &rep_id, &values, &[], &[]))
    }
    .await;
    render(&state, &session, "/daily-report", page)
}

/// The rep an account files daily reports for.
fn daily_reporter(session: &Session) -> ApiResult<String> {
    require(session, Permission::FileDailyReport, session.lang)?;
    // An account without a rep record has no report of its own to file: not theirs to do.
    session.viewer.rep_id.clone().ok_or_else(|| ApiError {
        status: StatusCode::FORBIDDEN,
        code: "no_rep",
        message: session.lang.tr("error.no_rep").to_string(),
    })
}

fn daily_page(session: &Session, rep_id: &str, values: &[(String, String)], errors: &[(String, String)], warnings: &[String]) -> Page {
    let lang = session.lang;
    let fields: Vec<serde_json::Value> = DAILY_FIELDS
        .iter()
        .map(|(id, input)| {
            let value = values.iter().find(|(k, _)| k == id).map(|(_, v)| v.as_str()).unwrap_or_default();
            let error: Vec<&str> = errors.iter().filter(|(k, _)| k == id).map(|(_, m)| m.as_str()).collect();
            json!({"id": id, "input": input, "label": lang.tr(&format!("daily.field.{id}")), "value": value, "error": error.join(" ")})
        })
        .collect();
    let general: Vec<&str> = errors.iter().filter(|(k, _)| !DAILY_FIELDS.iter().any(|(id, _)| id == k)).map(|(_, m)| m.as_str()).collect();
    Page {
        template: "daily.html",
        title: lang.tr("daily.title").to_string(),
        data: json!({"rep_id": rep_id, "fields": fields, "general": general, "warnings": warnings}),
    }
}

pub(crate) async fn daily_submit(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    match daily_store(&state, &session, &body).await {
        Ok(Ok(rep_id)) => Redirect::to(&format!("/reps/{}?saved=1", auth::percent_encode(&rep_id))).into_response(),
        Ok(Err(page)) => render_refused(&state, &session, "/daily-report", Ok(page)),
        Err(e) => render(&state, &session, "/daily-report", Err(e)),
    }
}

/// Validates and stores a daily report with the same rules as an import; `Err(page)` is the
/// form again with each rule's message beside its field.
async fn daily_store(state: &AppState, session: &Session, body: &[u8]) -> ApiResult<Result<String, Page>> {
    let lang = session.lang;
    let rep_id = daily_reporter(session)?;
    let values: Vec<(String, String)> = form_urlencoded::parse(body)
        .filter(|(k, _)| DAILY_FIELDS.iter().any(|(id, _)| id == k))
        .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
        .collect();
    let mut record = serde_json::Map::new();
    record.insert("rep_id".into(), json!(rep_id));
    // Every field is sent, empty or not, so that a missing value is a rule broken beside its
    // field rather than a missing column.
    for (field, _) in DAILY_FIELDS {
        let value = values.iter().find(|(k, _)| k == field).map_or("", |(_, v)| v.as_str());
        record.insert(field.to_string(), json!(value));
    }
    let source = Source::json(serde_json::Value::Array(vec![serde_json::Value::Object(record.clone())]).to_string().as_bytes())
        .map_err(|e| ApiError::from_import(&e, lang))?;
    let kind = Kind::from_id("daily-reports").ok_or_else(|| ApiError::internal(&"the daily-reports kind is missing"))?;
    let report = crate::importing::import_records(state, session, kind, source, "web", true, false, None, lang).await?;
    if !report.committed || report.rejected > 0 {
        let errors: Vec<(String, String)> =
            report.errors.iter().map(|e| (e.field.clone().unwrap_or_default(), e.message.clone())).collect();
        let warnings: Vec<String> = report.warnings.iter().map(|w| w.message.clone()).collect();
        return Ok(Err(daily_page(session, &rep_id, &values, &errors, &warnings)));
    }
    let subject = format!("{rep_id}/{}", record.get("date").and_then(|d| d.as_str()).unwrap_or_default());
    let action = if report.updated > 0 { "update" } else { "create" };
    record_change(state, session, "daily_report", &subject, action, None, Some(&serde_json::Value::Object(record))).await?;
    Ok(Ok(rep_id))
}
