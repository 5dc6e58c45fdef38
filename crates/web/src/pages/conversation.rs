//! Conversation pages: what separates won from lost calls (or top performers from the rest) in
//! a scope, with each difference's interval, and the page of one call.

use crate::access::{Access, record_change, require};
use crate::auth::{Session, percent_encode};
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::render::render;
use crate::request::{choice, period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use salescope_core::access::{Permission, Reach};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::conversation::{CompareBy, call_detail, calls, compare};
use salescope_import::transcripts::{phrase_config, phrase_config_toml, save_phrase_config};
use serde::Deserialize;
use serde_json::json;

/// Example calls listed under the comparison.
const EXAMPLE_CALLS: usize = 30;

#[derive(Deserialize, Default)]
pub(crate) struct ConversationQuery {
    scope: Option<String>,
    period: Option<String>,
    by: Option<String>,
}

pub(crate) async fn conversation(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ConversationQuery>,
) -> Response {
    let page = conversation_page(&state, &session, &q).await;
    render(&state, &session, "/conversation", page)
}

/// A number as the comparison shows it: two decimals, or three for small ones.
fn round(value: Option<f64>) -> Option<String> {
    value.map(|v| if v.abs() < 1.0 { format!("{v:.3}") } else { format!("{v:.2}") })
}

/// A metric's value as the pages show it: the talk ratio (a share of the talk time) in percent,
/// as the `talk_ratio` KPI shows it everywhere, the others by [`round`].
fn metric_value(metric: &str, value: Option<f64>) -> Option<String> {
    if metric == "talk_ratio" { value.map(salescope_core::format::ratio_percent) } else { round(value) }
}

/// Days the conversation page compares when no period is asked for.
const RECENT_DAYS: i32 = 90;

async fn conversation_page(state: &AppState, session: &Session, q: &ConversationQuery) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let scope = access.scope(q.scope.as_deref().filter(|s| !s.is_empty()), Reach::Records)?;
    let today = today(state, None, lang).await?;
    // The last 90 days by default: a month opened early holds a handful of transcribed calls, too
    // few to tell won from lost; the table says how many calls each side has.
    let recent = || Period::range(today.plus_days(-(RECENT_DAYS - 1)), today).unwrap_or(Period::month_of(today));
    let period = period_or(q.period.as_deref(), recent, lang)?;
    let by_text = q.by.clone().unwrap_or_else(|| "outcome".into());
    let by = choice(&by_text, "by", &[("outcome", CompareBy::Outcome), ("performer", CompareBy::Performer)], "bad_choice", lang)?;
    let comparison = compare(&state.db, &ctx, &scope, &period, by, lang).await.or_api(lang)?;
    let rows: Vec<serde_json::Value> = comparison
        .metrics
        .iter()
        .map(|m| {
            json!({
                "metric": m.metric, "name": m.metric_name, "mean_a": metric_value(&m.metric, m.mean_a), "n_a": m.n_a, "mean_b": metric_value(&m.metric, m.mean_b), "n_b": m.n_b,
                "difference": metric_value(&m.metric, m.difference), "ci_low": metric_value(&m.metric, m.ci_low), "ci_high": metric_value(&m.metric, m.ci_high),
                "p_value": m.p_value.map(|p| if p < 0.001 { "< 0.001".to_string() } else { format!("{p:.3}") }),
                "detectable": m.detectable, "verdict": m.verdict,
            })
        })
        .collect();
    // One small chart per metric, each difference in the metric's own unit (a ratio in
    // percentage points, as the calls show it in %), so no metric is read against another's scale.
    let in_unit = |m: &salescope_engine::conversation::MetricComparison, value: Option<f64>| {
        let scale = if m.unit == "ratio" { 100.0 } else { 1.0 };
        value.map(|v| (v * scale * 100.0).round() / 100.0)
    };
    let charts: Vec<serde_json::Value> = comparison
        .metrics
        .iter()
        .filter_map(|m| {
            Some(json!([{
                "name": m.metric_name,
                // Counts and sentiment scores are plain numbers.
                "unit": match m.unit.as_str() {
                    "count" | "score" => String::new(),
                    unit => lang.tr(&format!("conversation.unit.{unit}")).to_string(),
                },
                "value": in_unit(m, m.difference)?,
                "low": in_unit(m, m.ci_low)?,
                "high": in_unit(m, m.ci_high)?,
                "detectable": m.detectable,
            }]))
        })
        .collect();
    let mut examples = calls(&state.db, &ctx, &scope, &period).await.or_api(lang)?;
    examples.retain(|c| c.outcome.is_some());
    examples.reverse();
    let examples: Vec<serde_json::Value> = examples
        .iter()
        .take(EXAMPLE_CALLS)
        .map(|c| {
            json!({
                "call_id": c.call_id, "href": format!("/calls/{}", percent_encode(&c.call_id)), "rep": c.rep_name, "started_at": c.started_at,
                "outcome": c.outcome.as_deref().map(|o| lang.tr(&format!("conversation.group.{o}")).to_string()), "won": c.outcome.as_deref() == Some("won"),
                "talk_ratio": c.talk_ratio.map(salescope_core::format::ratio_percent), "questions": c.questions,
            })
        })
        .collect();
    let query = format!("scope={}&period={}&lang={}", percent_encode(&scope.label()), period.label(), lang.code());
    Ok(Page {
        template: "conversation.html",
        title: lang.tr("conversation.page.title").to_string(),
        data: json!({
            "scope": scope.label(), "period": period.label(), "by": by_text,
            "group_a": lang.tr(&format!("conversation.group.{}", comparison.group_a)),
            "group_b": lang.tr(&format!("conversation.group.{}", comparison.group_b)),
            "calls_a": comparison.calls_a, "calls_b": comparison.calls_b,
            "rows": rows, "charts": charts, "examples": examples,
            "compare_csv": format!("/api/v1/conversation/compare?{query}&by={by_text}&format=csv"),
            "compare_xlsx": format!("/api/v1/conversation/compare?{query}&by={by_text}&format=xlsx"),
            "calls_csv": format!("/api/v1/conversation/calls?{query}&format=csv"),
            "calls_xlsx": format!("/api/v1/conversation/calls?{query}&format=xlsx"),
        }),
    })
}

pub(crate) async fn call(State(state): State<AppState>, Extension(session): Extension<Session>, Path(call_id): Path<String>) -> Response {
    let page = call_page(&state, &session, &call_id).await;
    render(&state, &session, &format!("/calls/{}", percent_encode(&call_id)), page)
}

/// `mm:ss` of a second count.
fn clock(seconds: Option<f64>) -> String {
    seconds.map_or_else(String::new, |s| format!("{:02}:{:02}", (s / 60.0) as i64, (s % 60.0) as i64))
}

async fn call_page(state: &AppState, session: &Session, call_id: &str) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let detail = call_detail(&state.db, &ctx, call_id).await.or_api(lang)?.ok_or_else(|| not_found(call_id, lang))?;
    // A call the account may not see is as unknown to it as one that does not exist.
    if !Access::new(session, &ctx, lang).sees(&Scope::Rep(detail.call.rep_id.clone()), Reach::Records) {
        return Err(not_found(call_id, lang));
    }
    let length = detail.turns.iter().filter_map(|t| t.end).fold(0.0_f64, f64::max);
    let timeline: Vec<serde_json::Value> = if length > 0.0 {
        detail
            .turns
            .iter()
            .filter_map(|t| {
                let (start, end) = (t.start?, t.end?);
                Some(json!({"speaker": t.speaker, "left": start / length * 100.0, "width": ((end - start) / length * 100.0).max(0.2)}))
            })
            .collect()
    } else {
        Vec::new()
    };
    let turns: Vec<serde_json::Value> = detail
        .turns
        .iter()
        .map(|t| json!({"speaker": t.speaker, "who": lang.tr(&format!("conversation.speaker.{}", t.speaker)), "at": clock(t.start), "text": t.text, "asks": t.asks}))
        .collect();
    let metrics: Vec<serde_json::Value> = detail
        .against_team
        .iter()
        .map(|(metric, own, median)| json!({"name": lang.tr(&format!("sheet.calls.{metric}")), "own": metric_value(metric, *own), "median": metric_value(metric, *median)}))
        .collect();
    let c = &detail.call;
    // Categories are configurable: the built-in ones have names in the catalogue.
    let named = |group: &str, id: &String| {
        let key = format!("conversation.{group}.{id}");
        if salescope_core::i18n::has_key(&key) { lang.tr(&key).to_string() } else { id.clone() }
    };
    let objections: Vec<String> = c.objections.iter().map(|o| named("objection", o)).collect();
    let key_messages: Vec<String> = c.key_messages.iter().map(|m| named("message", m)).collect();
    Ok(Page {
        template: "call.html",
        title: format!("{} · {}", lang.tr("conversation.call"), c.call_id),
        data: json!({
            "call_id": c.call_id, "rep": c.rep_name, "rep_href": format!("/reps/{}", percent_encode(&c.rep_id)), "team": c.team, "started_at": c.started_at,
            "outcome": c.outcome.as_deref().map(|o| lang.tr(&format!("conversation.group.{o}")).to_string()), "won": c.outcome.as_deref() == Some("won"),
            "basis": lang.tr(&format!("conversation.basis.{}", c.basis)), "length": clock(Some(length)),
            "timeline": timeline, "turns": turns, "metrics": metrics,
            "key_messages": key_messages, "objections": objections,
            "objections_answered": c.objections_answered, "objections_raised": c.objections_raised, "competitor_mentions": c.competitor_mentions,
        }),
    })
}

fn not_found(call_id: &str, lang: Lang) -> ApiError {
    ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: lang.format("conversation.no_call", &[("call", &call_id)]) }
}

// ----- the phrases the analysis looks for -----

pub(crate) async fn phrases(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = phrases_page(&state, &session, None, None).await;
    render(&state, &session, "/settings/conversation", page)
}

/// The configuration as TOML to edit; `text` keeps what was typed when it did not read.
async fn phrases_page(state: &AppState, session: &Session, text: Option<String>, message: Option<(bool, String)>) -> ApiResult<Page> {
    let lang = session.lang;
    require(session, Permission::Administer, lang)?;
    let text = match text {
        Some(text) => text,
        None => phrase_config_toml(&phrase_config(&state.db).await.map_err(|e| ApiError::from_import(&e, lang))?),
    };
    let (saved, message) = message.map_or((false, None), |(saved, m)| (saved, Some(m)));
    Ok(Page {
        template: "phrases.html",
        title: lang.tr("phrases.title").to_string(),
        data: json!({"text": text, "saved": saved, "message": message}),
    })
}

#[derive(Deserialize)]
pub(crate) struct PhrasesForm {
    text: String,
}

/// `POST /settings/conversation`: replaces the phrase configuration.
pub(crate) async fn save_phrases(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<PhrasesForm>,
) -> Response {
    let lang = session.lang;
    let page = async {
        require(&session, Permission::Administer, lang)?;
        let before = phrase_config_toml(&phrase_config(&state.db).await.map_err(|e| ApiError::from_import(&e, lang))?);
        match save_phrase_config(&state.db, &form.text).await.map_err(|e| ApiError::from_import(&e, lang))? {
            Ok(config) => {
                let (before, after) = (json!(before), json!(form.text));
                record_change(&state, &session, "settings", "conversation_phrases", "update", Some(&before), Some(&after)).await?;
                let message = lang.format(
                    "conversation.config_saved",
                    &[
                        ("key_messages", &config.key_messages.len()),
                        ("objections", &config.objections.len()),
                        ("competitors", &config.competitors.len()),
                        ("fillers", &config.fillers.len()),
                    ],
                );
                phrases_page(&state, &session, None, Some((true, message))).await
            }
            Err(detail) => {
                let message = lang.format("error.bad_phrase_config", &[("detail", &detail)]);
                phrases_page(&state, &session, Some(form.text.clone()), Some((false, message))).await
            }
        }
    }
    .await;
    render(&state, &session, "/settings/conversation", page)
}
