//! The daily report form a rep files, validated by the same rules as an import. It opens on the
//! report already stored for the chosen day and edits it; a save over a report someone else
//! changed after the form opened is refused with both versions shown.

use crate::access::{check_unchanged, last_saved, record_change, require};
use crate::auth::{self, Session};
use crate::error::{ApiError, ApiResult};
use crate::render::{render, render_refused};
use crate::request::{date, form_field, form_fields, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salescope_app::edits::version_of;
use salescope_core::access::Permission;
use salescope_core::records::DailyReport;
use salescope_core::schema::Kind;
use salescope_core::time::Day;
use salescope_core::values::format_cents;
use salescope_import::Source;
use serde::Deserialize;
use serde_json::{Value, json};

/// The form's fields, in order: (field id, input type). The day is chosen above the form.
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

const ENTITY: &str = "daily_report";

#[derive(Deserialize)]
pub(crate) struct DailyQuery {
    date: Option<String>,
}

pub(crate) async fn daily_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DailyQuery>,
) -> Response {
    let page = async {
        let lang = session.lang;
        let rep_id = daily_reporter(&session)?;
        let day = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(text) => date(text, lang)?,
            None => today(&state, None, lang).await?,
        };
        let stored = stored_fields(&state, &rep_id, day).await?;
        let values = match &stored {
            Some(fields) => form_values(fields),
            None => blank_values(day),
        };
        let status = saved_status(&state, &session, &rep_id, day, stored.is_some()).await?;
        let form = DailyForm { rep_id: &rep_id, day, values: &values, version: version_of(stored.as_ref()), status };
        Ok(daily_page(&session, &form, &[], &[], None))
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

/// The report stored for `day`, as the form's fields (the change log's before and after, and
/// what the version is a digest of).
async fn stored_fields(state: &AppState, rep_id: &str, day: Day) -> ApiResult<Option<Value>> {
    let stored = state.db.daily_report(rep_id, day).await.map_err(|e| ApiError::internal(&e))?;
    Ok(stored.as_ref().map(report_fields))
}

fn report_fields(report: &DailyReport) -> Value {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    json!({
        "date": report.date.to_string(),
        "new_customers": report.new_customers.to_string(),
        "followups": report.followups.to_string(),
        "followup_notes": text(&report.followup_notes),
        "deal_amount": format_cents(report.deal_amount),
        "contract_nos": text(&report.contract_nos),
        "missed_reason": text(&report.missed_reason),
        "next_day_plan": text(&report.next_day_plan),
    })
}

fn form_values(fields: &Value) -> Vec<(String, String)> {
    DAILY_FIELDS.iter().map(|(id, _)| (id.to_string(), fields.get(id).and_then(Value::as_str).unwrap_or_default().to_string())).collect()
}

fn blank_values(day: Day) -> Vec<(String, String)> {
    let mut values = vec![("date".to_string(), day.to_string())];
    values.extend(DAILY_FIELDS.iter().filter(|(_, input)| *input == "number").map(|(id, _)| (id.to_string(), "0".to_string())));
    values
}

fn subject(rep_id: &str, day: Day) -> String {
    format!("{rep_id}/{day}")
}

/// "Last saved … by …", "filed by an import", or "not filed yet" for the day's report.
async fn saved_status(state: &AppState, session: &Session, rep_id: &str, day: Day, stored: bool) -> ApiResult<String> {
    let lang = session.lang;
    if !stored {
        return Ok(lang.format("daily.not_filed", &[("day", &day)]));
    }
    Ok(last_saved(state, ENTITY, &subject(rep_id, day), lang).await?.unwrap_or_else(|| lang.format("daily.imported", &[("day", &day)])))
}

/// What the form shows besides the fields' values and their errors.
struct DailyForm<'a> {
    rep_id: &'a str,
    day: Day,
    values: &'a [(String, String)],
    version: String,
    status: String,
}

fn daily_page(session: &Session, form: &DailyForm, errors: &[(String, String)], warnings: &[String], conflict: Option<Value>) -> Page {
    let lang = session.lang;
    let value_of = |id: &str| form.values.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone()).unwrap_or_default();
    let fields: Vec<Value> = DAILY_FIELDS
        .iter()
        .filter(|(id, _)| *id != "date")
        .map(|(id, input)| {
            let error: Vec<&str> = errors.iter().filter(|(k, _)| k == id).map(|(_, m)| m.as_str()).collect();
            json!({"id": id, "input": input, "label": lang.tr(&format!("daily.field.{id}")), "value": value_of(id), "error": error.join(" ")})
        })
        .collect();
    // A rule broken by the day itself (a day to come, too late a day) is said by the day picker.
    let date_error: Vec<&str> = errors.iter().filter(|(k, _)| k == "date").map(|(_, m)| m.as_str()).collect();
    let general: Vec<&str> = errors.iter().filter(|(k, _)| !DAILY_FIELDS.iter().any(|(id, _)| id == k)).map(|(_, m)| m.as_str()).collect();
    Page {
        template: "daily.html",
        title: lang.tr("daily.title").to_string(),
        data: json!({
            "rep_id": form.rep_id,
            "date": form.values.iter().find(|(k, _)| k == "date").map_or_else(|| form.day.to_string(), |(_, v)| v.clone()),
            "version": form.version,
            "status": form.status,
            "fields": fields,
            "date_error": date_error.join(" "),
            "general": general,
            "warnings": warnings,
            "conflict": conflict,
        }),
    }
}

pub(crate) async fn daily_submit(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    match daily_store(&state, &session, &body).await {
        Ok(Ok(rep_id)) => Redirect::to(&format!("/reps/{}?saved=1", auth::percent_encode(&rep_id))).into_response(),
        Ok(Err((status, page))) => {
            let mut response = render_refused(&state, &session, "/daily-report", Ok(page));
            if response.status().is_client_error() {
                *response.status_mut() = status;
            }
            response
        }
        Err(e) => render(&state, &session, "/daily-report", Err(e)),
    }
}

/// Validates and stores a daily report with the same rules as an import; `Err(page)` is the
/// form again with each rule's message beside its field, or with the stored report beside the
/// one typed when someone else saved it after the form opened.
async fn daily_store(state: &AppState, session: &Session, body: &[u8]) -> ApiResult<Result<String, (StatusCode, Page)>> {
    let lang = session.lang;
    let rep_id = daily_reporter(session)?;
    let (opened_on, values): (Vec<_>, Vec<_>) = form_fields(body)
        .into_iter()
        .filter(|(k, _)| k == "version" || DAILY_FIELDS.iter().any(|(id, _)| id == k))
        .partition(|(k, _)| k == "version");
    let opened_on = opened_on.into_iter().next().map(|(_, version)| version);
    let value_of = |field: &str| form_field(&values, field);
    // A date that does not parse is refused by the import's rule, beside the field.
    let day = date(value_of("date"), lang).ok();
    let before = match day {
        Some(day) => stored_fields(state, &rep_id, day).await?,
        None => None,
    };
    if let (Some(day), Err(conflict)) = (day, check_unchanged(opened_on.as_deref(), before.as_ref(), lang)) {
        let status = saved_status(state, session, &rep_id, day, before.is_some()).await?;
        let form = DailyForm { rep_id: &rep_id, day, values: &values, version: version_of(before.as_ref()), status };
        let stored = before.as_ref().map(|fields| stored_beside_typed(lang, fields, &values));
        let errors = [(String::new(), conflict.message)];
        return Ok(Err((StatusCode::CONFLICT, daily_page(session, &form, &errors, &[], Some(json!(stored))))));
    }
    let mut record = serde_json::Map::new();
    record.insert("rep_id".into(), json!(rep_id));
    // Every field is sent, empty or not, so that a missing value is a rule broken beside its
    // field rather than a missing column.
    for (field, _) in DAILY_FIELDS {
        record.insert(field.to_string(), json!(value_of(field)));
    }
    let source =
        Source::json(Value::Array(vec![Value::Object(record)]).to_string().as_bytes()).map_err(|e| ApiError::from_import(&e, lang))?;
    let kind = Kind::from_id("daily-reports").ok_or_else(|| ApiError::internal(&"the daily-reports kind is missing"))?;
    let report = crate::importing::import_records(state, session, kind, source, "web", true, false, None, lang).await?;
    let day = match day {
        Some(day) if report.committed && report.rejected == 0 => day,
        _ => {
            let errors: Vec<(String, String)> =
                report.errors.iter().map(|e| (e.field.clone().unwrap_or_default(), e.message.clone())).collect();
            let warnings: Vec<String> = report.warnings.iter().map(|w| w.message.clone()).collect();
            let shown_day = day.unwrap_or(today(state, None, lang).await?);
            let status = saved_status(state, session, &rep_id, shown_day, before.is_some()).await?;
            let form = DailyForm { rep_id: &rep_id, day: shown_day, values: &values, version: version_of(before.as_ref()), status };
            return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, daily_page(session, &form, &errors, &warnings, None))));
        }
    };
    let after = stored_fields(state, &rep_id, day).await?;
    if after != before {
        let action = if before.is_some() { "update" } else { "create" };
        record_change(state, session, ENTITY, &subject(&rep_id, day), action, before.as_ref(), after.as_ref()).await?;
    }
    Ok(Ok(rep_id))
}

/// The fields whose stored value differs from the one typed: (label, stored, typed).
fn stored_beside_typed(lang: salescope_core::i18n::Lang, stored: &Value, typed: &[(String, String)]) -> Vec<Value> {
    DAILY_FIELDS
        .iter()
        .filter_map(|(id, _)| {
            let stored = stored.get(id).and_then(Value::as_str).unwrap_or_default();
            let typed = typed.iter().find(|(k, _)| k == id).map_or("", |(_, v)| v.as_str());
            (stored != typed).then(|| json!({"label": lang.tr(&format!("daily.field.{id}")), "stored": stored, "typed": typed}))
        })
        .collect()
}
