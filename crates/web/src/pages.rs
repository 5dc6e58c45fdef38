//! The pages people use: server-rendered with minijinja, htmx for partial updates, ECharts for
//! charts — all served by the binary, so the app works offline. Every page reads through the
//! same engine calls and access checks as the JSON API; templates only lay out what they get.

use crate::access::{Access, record_change, require};
use crate::auth::{self, LoginOutcome, Session, percent_encode};
use crate::request::{ApiResult, OrApiError, period_or, today};
use crate::{ApiError, AppState};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, State as TemplateState};
use salescope_core::access::{Permission, Reach, Role};
use salescope_core::format::{self, format_change, format_value};
use salescope_core::i18n::Lang;
use salescope_core::kpi::Unit;
use salescope_core::period::{Compare, Granularity, Period};
use salescope_core::schema::Kind;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::kpis::{HEADLINE_KPIS, KpiQuery, KpiReport, KpiValue, kpi_report_with};
use salescope_engine::scoring::{LeaderboardQuery, Level, leaderboard};
use salescope_import::Source;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What a rep's own page shows.
const REP_KPIS: [&str; 8] =
    ["revenue", "won_deals", "outbound_calls", "connect_rate", "avg_talk_seconds", "new_customers", "followups", "conversion_rate"];
/// The KPIs drawn on a page's trend chart: a bar series and a line on its own axis.
const TREND_KPIS: [&str; 2] = ["revenue", "connect_rate"];
/// Days of daily reports a rep's page lists.
const REPORT_HISTORY_DAYS: i32 = 30;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/language", post(language))
        .route("/dashboard", get(dashboard))
        .route("/reps/{rep_id}", get(rep_page))
        .route("/daily-report", get(daily_form).post(daily_submit))
        .route("/changes", get(changes))
        .route("/explore", get(explore))
        .route("/conversation", get(crate::conversation_pages::conversation))
        .route("/calls/{call_id}", get(crate::conversation_pages::call))
        .route("/settings/conversation", get(crate::conversation_pages::phrases).post(crate::conversation_pages::save_phrases))
        .route("/targets", get(crate::plan_pages::targets).post(crate::plan_pages::set_target))
        .route("/targets/split", post(crate::plan_pages::split_target))
        .route("/settings/calendar", get(crate::plan_pages::calendar).post(crate::plan_pages::change_days))
        .route("/settings/kpis", get(crate::plan_pages::kpis).post(crate::plan_pages::define_kpi))
        .route("/settings/kpis/scorecard", post(crate::plan_pages::set_scorecard))
        .route("/settings/teams", get(crate::plan_pages::teams))
        .route("/settings/users", get(crate::plan_pages::users).post(crate::plan_pages::add_user))
        .route("/settings/users/{login}/{action}", post(crate::plan_pages::switch_user))
        .route("/reviews/{kind}", get(crate::review_pages::review))
        .route("/reviews/{kind}/note", post(crate::review_pages::note))
        .route("/actions", get(crate::review_pages::actions).post(crate::review_pages::create_action))
        .route("/actions/{id}/status", post(crate::review_pages::set_status))
        .route("/audit", get(crate::review_pages::audit))
        .route("/audit/check", post(crate::review_pages::record_audit_check))
        .route("/import", get(crate::upload::form).post(crate::upload::preview))
        .route("/import/commit", post(crate::upload::commit))
        .route("/pipeline", get(crate::pipeline::page))
        .route("/pipeline/stages", get(crate::process_pages::page))
        .route("/pipeline/stages.toml", get(crate::process_pages::download))
        .route("/pipeline/stages/confirm", post(crate::process_pages::confirm))
        .route("/pipeline/stages/file", post(crate::process_pages::replace_file))
        .route("/pipeline/stages/{id}", post(crate::process_pages::save_pipeline))
        .route("/pipeline/stages/{id}/delete", post(crate::process_pages::delete_pipeline))
        .route("/coaching", get(crate::coaching_pages::list))
        .route("/coaching/tasks", post(crate::coaching_pages::create))
        .route("/coaching/tasks/{id}/note", post(crate::coaching_pages::note))
        .route("/coaching/tasks/{id}/remeasure", post(crate::coaching_pages::remeasure))
        .route("/coaching/tasks/{id}/status", post(crate::coaching_pages::status))
        .route("/reps/{rep_id}/deals/{deal_id}/category", post(crate::pipeline::category_form))
        .route("/training", get(crate::training_pages::plan))
        .route("/training/courses", post(crate::training_pages::add_course))
        .route("/training/sessions", post(crate::training_pages::add_session))
        .route("/training/courses/{course}", get(crate::training_pages::course))
        .route("/training/courses/{course}/roi", post(crate::training_pages::save_roi))
        .route("/training/sessions/{session}", get(crate::training_pages::session_sheet))
        .route("/training/sessions/{session}/signin", post(crate::training_pages::sign_in))
        .route("/training/sessions/{session}/score", post(crate::training_pages::score))
        .route(
            "/training/sessions/{session}/feedback",
            get(crate::training_pages::feedback_form).post(crate::training_pages::feedback_submit),
        )
        .route("/static/{file}", get(asset))
}

/// Every template, compiled into the binary.
const TEMPLATES: [(&str, &str); 28] = [
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("dashboard.html", include_str!("../templates/dashboard.html")),
    ("rep.html", include_str!("../templates/rep.html")),
    ("daily.html", include_str!("../templates/daily.html")),
    ("changes.html", include_str!("../templates/changes.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("kpi_table.html", include_str!("../templates/kpi_table.html")),
    ("import.html", include_str!("../templates/import.html")),
    ("sheet.html", include_str!("../templates/sheet.html")),
    ("actions.html", include_str!("../templates/actions.html")),
    ("explore.html", include_str!("../templates/explore.html")),
    ("targets.html", include_str!("../templates/targets.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("conversation.html", include_str!("../templates/conversation.html")),
    ("call.html", include_str!("../templates/call.html")),
    ("phrases.html", include_str!("../templates/phrases.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("calendar.html", include_str!("../templates/calendar.html")),
    ("kpis.html", include_str!("../templates/kpis.html")),
    ("teams.html", include_str!("../templates/teams.html")),
    ("training.html", include_str!("../templates/training.html")),
    ("course.html", include_str!("../templates/course.html")),
    ("session.html", include_str!("../templates/session.html")),
    ("feedback.html", include_str!("../templates/feedback.html")),
    ("pipeline.html", include_str!("../templates/pipeline.html")),
    ("stages.html", include_str!("../templates/stages.html")),
    ("coaching.html", include_str!("../templates/coaching.html")),
];

pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // The templates are compiled into the binary; a broken one is a build defect
            // that the page tests catch.
            tracing::error!("template {name}: {e}");
        }
    }
    env.add_function("t", translate);
    // One formatting per unit, the same as every other rendering: `{{ x | money }}`.
    env.add_filter("money", |v: Option<f64>| v.map_or_else(String::new, format::money));
    env.add_filter("count", |v: Option<f64>| v.map_or_else(String::new, format::count));
    env.add_filter("percent", |v: Option<f64>| v.map_or_else(String::new, format::percent));
    env.add_filter("ratio_percent", |v: Option<f64>| v.map_or_else(String::new, format::ratio_percent));
    env
}

/// `t("key", name=value, …)`: the catalogue text in the page's language.
fn translate(state: &TemplateState, key: &str, args: Kwargs) -> String {
    let lang = state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::from_tag)).unwrap_or_default();
    let values: Vec<(String, String)> =
        args.args().map(|name| (name.to_string(), args.get::<Value>(name).map(|v| v.to_string()).unwrap_or_default())).collect();
    let pairs: Vec<(&str, &dyn std::fmt::Display)> = values.iter().map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display)).collect();
    lang.format(key, &pairs)
}

/// A page: its template and what it shows.
#[derive(Clone)]
pub(crate) struct Page {
    pub template: &'static str,
    pub title: String,
    pub data: serde_json::Value,
}

pub(crate) fn render(state: &AppState, session: &Session, path: &str, page: ApiResult<Page>) -> Response {
    let (status, page) = match page {
        Ok(page) => (StatusCode::OK, page),
        Err(e) => {
            let title = session.lang.tr("page.error").to_string();
            (e.status, Page { template: "error.html", title, data: json!({"status": e.status.as_u16(), "message": e.message}) })
        }
    };
    let viewer = &session.viewer;
    let nav = navigation(session);
    let context = json!({
        "lang": session.lang.code(),
        "title": page.title,
        "user": {"name": viewer.name, "login": viewer.login, "role": viewer.role.id()},
        "csrf": session.csrf,
        "path": path,
        "nav": nav,
        "page": page.data,
    });
    match state.shared.templates.get_template(page.template).and_then(|t| t.render(&context)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// A form refused for a reason the person can fix: the page again, with the reason, as 422.
pub(crate) fn render_refused(state: &AppState, session: &Session, path: &str, page: ApiResult<Page>) -> Response {
    let mut response = render(state, session, path, page);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// Whether an error is a reason to show on the form (not a refusal of access, not a failure).
pub(crate) fn fixable(error: &ApiError) -> bool {
    error.status.is_client_error() && error.status != StatusCode::FORBIDDEN
}

/// The menu an account gets: only what its role may open.
fn navigation(session: &Session) -> Vec<serde_json::Value> {
    let viewer = &session.viewer;
    let mut items = Vec::new();
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/dashboard", "label": session.lang.tr("nav.dashboard")}));
    }
    items.push(json!({"href": "/explore", "label": session.lang.tr("nav.explore")}));
    items.push(json!({"href": "/targets", "label": session.lang.tr("nav.targets")}));
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/settings/teams", "label": session.lang.tr("nav.teams")}));
    }
    if viewer.may(Permission::Plan) {
        items.push(json!({"href": "/settings/calendar", "label": session.lang.tr("nav.calendar")}));
    }
    if let Some(rep) = &viewer.rep_id {
        items.push(json!({"href": format!("/reps/{}", auth::percent_encode(rep)), "label": session.lang.tr("nav.my_page")}));
    }
    if viewer.may(Permission::FileDailyReport) && viewer.rep_id.is_some() {
        items.push(json!({"href": "/daily-report", "label": session.lang.tr("nav.daily_report")}));
    }
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/conversation", "label": session.lang.tr("nav.conversation")}));
    }
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/pipeline", "label": session.lang.tr("nav.pipeline")}));
    }
    items.push(json!({"href": "/coaching", "label": session.lang.tr("nav.coaching")}));
    items.push(json!({"href": "/training", "label": session.lang.tr("nav.training")}));
    if viewer.may(Permission::Review) {
        items.push(json!({"href": "/reviews/weekly", "label": session.lang.tr("nav.reviews")}));
        items.push(json!({"href": "/actions", "label": session.lang.tr("nav.actions")}));
        items.push(json!({"href": "/audit", "label": session.lang.tr("nav.audit")}));
    }
    if viewer.may(Permission::Import) {
        items.push(json!({"href": "/import", "label": session.lang.tr("nav.import")}));
    }
    if viewer.may(Permission::Administer) {
        items.push(json!({"href": "/settings/users", "label": session.lang.tr("nav.users")}));
        items.push(json!({"href": "/settings/kpis", "label": session.lang.tr("nav.kpis")}));
        items.push(json!({"href": "/settings/conversation", "label": session.lang.tr("nav.phrases")}));
    }
    if viewer.may(Permission::ReadChangeLog) {
        items.push(json!({"href": "/changes", "label": session.lang.tr("nav.changes")}));
    }
    items
}

// ----- login, logout, language -----

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// A redirect target inside this site only: a path from the root, with no second slash or
/// backslash after the first — browsers read `//host` and `/\\host` as another site — and no
/// whitespace or control character anywhere, since browsers drop tabs and line breaks from a URL
/// (`/%09/evil.example` becomes `//evil.example`) and a line break cannot go in a header.
fn local_target(next: Option<&str>) -> String {
    let local = |next: &str| {
        let rest = next.strip_prefix('/');
        rest.is_some_and(|rest| !rest.starts_with(['/', '\\'])) && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(next) if local(next) => next.to_string(),
        _ => "/".to_string(),
    }
}

fn login_page(state: &AppState, lang: Lang, next: &str, error: Option<String>, status: StatusCode) -> Response {
    let context = json!({"lang": lang.code(), "title": lang.tr("login.title"), "next": next, "error": error});
    match state.shared.templates.get_template("login.html").and_then(|t| t.render(&context)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

async fn login_form(State(state): State<AppState>, Query(q): Query<LoginQuery>, headers: HeaderMap) -> Response {
    let lang = crate::request_lang(None, &headers);
    login_page(&state, lang, &local_target(q.next.as_deref()), None, StatusCode::OK)
}

async fn login(State(state): State<AppState>, headers: HeaderMap, axum::Form(form): axum::Form<LoginForm>) -> Response {
    let lang = crate::request_lang(None, &headers);
    let next = local_target(form.next.as_deref());
    match auth::log_in(&state, &form.login, &form.password).await {
        Ok(LoginOutcome::LoggedIn { token }) => {
            let mut response = Redirect::to(&next).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&auth::session_cookie(&token, &headers, auth::SESSION_SECONDS)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Ok(LoginOutcome::Refused) => login_page(&state, lang, &next, Some(lang.tr("login.refused").to_string()), StatusCode::UNAUTHORIZED),
        Ok(LoginOutcome::Throttled) => {
            login_page(&state, lang, &next, Some(lang.tr("login.throttled").to_string()), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => e.into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE)
        && let Err(e) = state.db.delete_session(&crate::accounts::token_hash(&token)).await
    {
        return ApiError::internal(&e).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&auth::session_cookie("", &headers, 0)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize, Default)]
struct LanguageForm {
    lang: String,
    back: Option<String>,
}

/// Remembers the account's language and returns to the page it was chosen on.
async fn language(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::from_tag(&form.lang) else {
        return ApiError::bad_request("bad_lang", session.lang.tr("error.bad_lang").to_string()).into_response();
    };
    let stored = match state.db.user(&session.viewer.login).await {
        Ok(Some(mut user)) => {
            user.lang = Some(lang.code().to_string());
            state.db.update_user(&user).await.map(|_| ())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        return ApiError::internal(&e).into_response();
    }
    Redirect::to(&local_target(form.back.as_deref())).into_response()
}

async fn home(Extension(session): Extension<Session>) -> Response {
    match (&session.viewer.role, &session.viewer.rep_id) {
        (Role::Rep, Some(rep)) => Redirect::to(&format!("/reps/{}", auth::percent_encode(rep))).into_response(),
        _ => Redirect::to("/dashboard").into_response(),
    }
}

// ----- dashboard -----

#[derive(Deserialize, Default)]
struct ScopeQuery {
    scope: Option<String>,
    period: Option<String>,
    saved: Option<String>,
}

async fn dashboard(State(state): State<AppState>, Extension(session): Extension<Session>, Query(q): Query<ScopeQuery>) -> Response {
    let page = cached_dashboard(&state, &session, &q).await;
    render(&state, &session, "/dashboard", page)
}

/// The dashboard, computed again only when the cached one is stale (see `page_cache`).
async fn cached_dashboard(state: &AppState, session: &Session, q: &ScopeQuery) -> ApiResult<Page> {
    let today = today(state, None, session.lang).await?;
    let viewer = &session.viewer;
    // Everything the page depends on besides the data: what the account may see (its role, rep
    // and team), the language, the page asked for and the day.
    let key =
        format!("{}|{:?}|{:?}|{}|{:?}|{:?}|{today}", viewer.role.id(), viewer.rep_id, viewer.team, session.lang.code(), q.scope, q.period);
    state.shared.pages.get_or_compute(key, dashboard_page(state, session, q, today)).await
}

async fn dashboard_page(state: &AppState, session: &Session, q: &ScopeQuery, today: Day) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let scope = access.scope(q.scope.as_deref().filter(|s| !s.is_empty()), Reach::Aggregates)?;
    let period = period_or(q.period.as_deref(), || Period::month_of(today), lang)?;
    let query = |kpis: &[&str], by| kpi_query(kpis, &scope, period, by, today, lang);
    let headline = kpi_report_with(&state.db, &ctx, &query(&HEADLINE_KPIS, None)).await.or_api(lang)?;
    let trend = kpi_report_with(&state.db, &ctx, &query(&TREND_KPIS, Some(Granularity::Day))).await.or_api(lang)?;

    let records = access.sees(&scope, Reach::Records);
    let board = if records && !matches!(scope, Scope::Rep(_)) {
        let board_query = LeaderboardQuery { metric: "revenue".into(), level: Level::Reps, scope: scope.clone(), period, top: 10, lang };
        Some(leaderboard(&state.db, &ctx, &board_query).await.or_api(lang)?)
    } else {
        None
    };
    let alerts =
        if records && session.viewer.may(Permission::Review) { alerts(state, &ctx, &access, &scope, today).await? } else { json!({}) };
    let drill = drill_down(&ctx, &access, &scope, &period);
    let heatmap = heatmap_chart(&salescope_engine::heatmap::call_heatmap(&state.db, &ctx, &scope, &period).await.or_api(lang)?, lang);
    let scopes = visible_scopes(&ctx, &access, &scope);
    Ok(Page {
        template: "dashboard.html",
        title: format!("{} · {}", headline.scope_name, period.label()),
        data: json!({
            "scope": scope.label(),
            "scope_name": headline.scope_name,
            "period": period.label(),
            "kpis": kpi_rows(&headline, lang),
            "comparison": ComparisonNote::of(&headline, lang),
            "trend": trend_chart(&trend),
            "leaderboard": board,
            "alerts": alerts,
            "drill": drill,
            "heatmap": heatmap,
            "scopes": scopes,
            "parent": parent_scope(&ctx, &access, &scope),
        }),
    })
}

fn kpi_query(kpis: &[&str], scope: &Scope, period: Period, by: Option<Granularity>, today: Day, lang: Lang) -> KpiQuery {
    KpiQuery { kpis: kpis.iter().map(|k| k.to_string()).collect(), scope: scope.clone(), period, by, today, compare: Compare::ToDate, lang }
}

/// A KPI value as the tables show it, formatted for the page's language.
#[derive(Serialize)]
struct KpiRow {
    id: String,
    name: String,
    value: String,
    target: String,
    attainment: String,
    /// good (≥ 100 %), warn (≥ 80 %), bad, or empty without a target.
    status: &'static str,
    projected: String,
    change: String,
    yoy: String,
    rank: String,
}

/// What the KPI table's 环比 and 同比 compare, as dates, shown under the table: a period in
/// progress says how far it counts and whether it is set against equal parts.
#[derive(Serialize)]
struct ComparisonNote {
    previous: String,
    last_year: String,
    /// "counted through 2025-04-09" while the period is in progress.
    through: Option<String>,
    /// Set when a period in progress is compared with whole periods.
    part_vs_whole: Option<String>,
}

impl ComparisonNote {
    fn of(report: &KpiReport, lang: Lang) -> ComparisonNote {
        ComparisonNote {
            previous: report.previous_note.clone(),
            last_year: report.last_year_note.clone(),
            through: report.through.as_ref().filter(|_| report.in_progress).map(|day| lang.format("kpi.through", &[("day", day)])),
            part_vs_whole: (!report.like_with_like).then(|| lang.tr("compare.part_vs_whole").to_string()),
        }
    }
}

fn kpi_rows(report: &KpiReport, lang: Lang) -> Vec<KpiRow> {
    report.values.iter().map(|v| kpi_row(v, lang)).collect()
}

fn kpi_row(v: &KpiValue, lang: Lang) -> KpiRow {
    let unit = Unit::from_id(v.unit).unwrap_or(Unit::Count);
    let status = attainment_status(v.pace.as_ref().and_then(|p| p.projected_attainment).or(v.attainment));
    let percent = |p: Option<f64>| p.map_or_else(String::new, |p| format!("{p:.0}%"));
    KpiRow {
        id: v.kpi.clone(),
        name: v.name.clone(),
        value: format_value(v.value, unit, lang),
        target: v.target.map_or_else(String::new, |t| format_value(Some(t), unit, lang)),
        attainment: percent(v.attainment),
        status,
        projected: v.pace.as_ref().and_then(|p| p.projected).map_or_else(String::new, |p| format_value(Some(p), unit, lang)),
        change: if v.change_pct.is_some() { format_change(v.change_pct) } else { String::new() },
        yoy: if v.yoy_change_pct.is_some() { format_change(v.yoy_change_pct) } else { String::new() },
        rank: match (v.rank, v.peers) {
            (Some(rank), Some(peers)) => format!("{rank} / {peers}"),
            _ => String::new(),
        },
    }
}

/// How an attainment (projected where there is a pace) is marked: good at 100 % or more, warn
/// from 80 %, bad below, nothing without a target.
pub(crate) fn attainment_status(attainment: Option<f64>) -> &'static str {
    match attainment {
        Some(a) if a >= 100.0 => "good",
        Some(a) if a >= 80.0 => "warn",
        Some(_) => "bad",
        None => "",
    }
}

/// The trend chart's data: the days, and one series per KPI.
fn trend_chart(report: &KpiReport) -> serde_json::Value {
    let labels: Vec<&str> = report.values.first().map(|v| v.trend.iter().map(|p| p.start.as_str()).collect()).unwrap_or_default();
    let series: Vec<serde_json::Value> = report
        .values
        .iter()
        .map(|v| json!({"name": v.name, "unit": v.unit, "values": v.trend.iter().map(|p| p.value.map(|x| (x * 100.0).round() / 100.0)).collect::<Vec<_>>()}))
        .collect();
    json!({"labels": labels, "series": series})
}

/// The best-time-to-call chart's data: the hours that have calls, the weekdays, and
/// [hour index, weekday index, connect rate, calls] per cell with calls.
fn heatmap_chart(cells: &[salescope_engine::heatmap::HeatCell], lang: Lang) -> serde_json::Value {
    let hours: Vec<u32> = (0..24).filter(|h| cells.iter().any(|c| c.hour == *h && c.calls > 0)).collect();
    let weekdays: Vec<String> = (1..=7).map(|d| lang.tr(&format!("weekday.{d}")).to_string()).collect();
    let data: Vec<serde_json::Value> = cells
        .iter()
        .filter_map(|c| {
            let x = hours.iter().position(|h| *h == c.hour)?;
            Some(json!([x, c.weekday - 1, c.connect_rate.map(|r| (r * 10.0).round() / 10.0)?, c.calls]))
        })
        .collect();
    json!({"hours": hours.iter().map(|h| format!("{h}:00")).collect::<Vec<_>>(), "weekdays": weekdays, "cells": data})
}

/// Who needs attention in a scope and what is being done: reps on daily tracking, improvement
/// actions still open or not met (overdue ones marked), and reps whose daily reports last week
/// disagree with the records.
async fn alerts(state: &AppState, ctx: &Context, access: &Access<'_>, scope: &Scope, today: Day) -> ApiResult<serde_json::Value> {
    let lang = access.lang;
    let in_scope = |rep: &str| ctx.rep_in_scope_on(scope, rep, today) && access.sees(&Scope::Rep(rep.to_string()), Reach::Records);
    let tracking: Vec<serde_json::Value> = state
        .db
        .tracking_rows(true)
        .await
        .or_api(lang)?
        .into_iter()
        .filter(|t| in_scope(&t.rep_id))
        .map(|t| {
            let name = ctx.rep(&t.rep_id).map_or_else(|| t.rep_id.clone(), |r| r.name.clone());
            json!({"rep_id": t.rep_id, "name": name, "since": t.started_on.to_string(), "reason": salescope_engine::targets::tracking_reason(&t, lang)})
        })
        .collect();
    let actions: Vec<serde_json::Value> = salescope_engine::actions::list(&state.db, today)
        .await
        .or_api(lang)?
        .into_iter()
        .filter(|a| matches!(a.status, salescope_engine::actions::ActionStatus::Open | salescope_engine::actions::ActionStatus::NotMet))
        .filter(|a| access.sees_action(&a.criterion))
        .map(|a| json!({"id": a.id, "problem": a.problem, "owner": a.owner, "deadline": a.deadline, "status": lang.tr(&format!("action.status.{}", a.status.id())), "overdue": a.overdue}))
        .collect();
    let last_week = Period::week_of(today).previous();
    let flagged: Vec<serde_json::Value> =
        salescope_engine::audit::reconcile(&state.db, ctx, scope, &last_week, salescope_engine::audit::DEFAULT_TOLERANCE_PERCENT)
            .await
            .or_api(lang)?
            .into_iter()
            .filter(|r| r.flagged && in_scope(&r.rep_id))
            .map(|r| json!({"rep_id": r.rep_id, "name": r.name, "team": r.team}))
            .collect();
    Ok(json!({"tracking": tracking, "actions": actions, "flagged": flagged, "flag_period": last_week.label()}))
}

/// The scopes one level down: sub-teams (or the top teams, for the organisation), and for a
/// team its reps.
fn drill_down(ctx: &Context, access: &Access<'_>, scope: &Scope, period: &Period) -> Vec<serde_json::Value> {
    let teams = match scope {
        Scope::Org => ctx.tree.roots(),
        Scope::Team(team) => ctx.tree.children(team),
        Scope::Rep(_) => Vec::new(),
    };
    let mut links: Vec<serde_json::Value> = teams
        .into_iter()
        .map(Scope::Team)
        .filter(|s| access.sees(s, Reach::Aggregates))
        .map(|s| json!({"href": format!("/dashboard?scope={}&period={}", auth::percent_encode(&s.label()), period.label()), "label": s.to_string().trim_start_matches("team:").to_string(), "kind": "team"}))
        .collect();
    if let Scope::Team(_) = scope {
        links.extend(ctx.sellers_in(scope, period).into_iter().filter(|r| access.sees(&Scope::Rep(r.rep_id.clone()), Reach::Records)).map(|r| {
            json!({"href": format!("/reps/{}?period={}", auth::percent_encode(&r.rep_id), period.label()), "label": r.name, "kind": "rep"})
        }));
    }
    links
}

/// The scope one level up, if the account sees it.
fn parent_scope(ctx: &Context, access: &Access<'_>, scope: &Scope) -> Option<String> {
    let up = match scope {
        Scope::Org => return None,
        Scope::Team(team) => ctx.tree.parent(team).map_or(Scope::Org, |p| Scope::Team(p.to_string())),
        Scope::Rep(rep) => Scope::Team(ctx.rep(rep)?.team.clone()),
    };
    access.sees(&up, Reach::Aggregates).then(|| up.label())
}

/// The scopes the account may choose: the organisation and the teams it sees, and the scope
/// shown now (a rep's own, say).
fn visible_scopes(ctx: &Context, access: &Access<'_>, current: &Scope) -> Vec<serde_json::Value> {
    let mut scopes: Vec<Scope> = std::iter::once(Scope::Org)
        .chain(ctx.tree.teams().map(|t| Scope::Team(t.to_string())))
        .filter(|s| access.sees(s, Reach::Aggregates))
        .collect();
    if !scopes.contains(current) {
        scopes.push(current.clone());
    }
    scopes.into_iter().map(|s| json!({"value": s.label(), "label": salescope_engine::kpis::scope_name(ctx, &s, access.lang)})).collect()
}

// ----- the KPI explorer -----

/// The explorer's query: any KPIs (repeated `kpi`), scope, period and granularity.
async fn explore(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let page = explore_page(&state, &session, query.as_deref()).await;
    render(&state, &session, "/explore", page)
}

async fn explore_page(state: &AppState, session: &Session, query: Option<&str>) -> ApiResult<Page> {
    let lang = session.lang;
    let params: Vec<(String, String)> = query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let param = |name: &str| params.iter().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.clone());
    let mut kpis: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "kpi")
        .flat_map(|(_, v)| v.split(',').map(|k| k.trim().to_string()))
        .filter(|k| !k.is_empty())
        .collect();
    if kpis.is_empty() {
        kpis = vec!["revenue".into(), "connect_rate".into()];
    }
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let scope = access.scope(param("scope").as_deref(), Reach::Aggregates)?;
    let today = today(state, None, lang).await?;
    let period = period_or(param("period").as_deref(), || Period::month_of(today), lang)?;
    let by_text = param("by").unwrap_or_else(|| "day".into());
    let by = Granularity::parse(&by_text)
        .ok_or_else(|| ApiError::bad_request("bad_granularity", lang.format("error.bad_granularity", &[("by", &by_text)])))?;
    let compare = crate::request::compare(param("compare").as_deref(), lang)?;
    let chosen: Vec<&str> = kpis.iter().map(String::as_str).collect();
    let query = KpiQuery { compare, ..kpi_query(&chosen, &scope, period, Some(by), today, lang) };
    let report = kpi_report_with(&state.db, &ctx, &query).await.or_api(lang)?;
    let charts: Vec<serde_json::Value> = report
        .values
        .iter()
        .map(|v| {
            let single = KpiReport { values: vec![v.clone()], ..report.clone() };
            json!({"id": v.kpi, "name": v.name, "data": trend_chart(&single)})
        })
        .collect();
    let catalogue: Vec<serde_json::Value> = ctx
        .catalogue
        .iter()
        .map(|k| json!({"id": k.id, "name": k.name(lang), "group": lang.tr(&format!("kpi.group.{}", k.group.id())), "chosen": kpis.contains(&k.id)}))
        .collect();
    let export = format!(
        "/api/v1/kpis?kpi={}&scope={}&period={}&by={}&compare={}&lang={}",
        percent_encode(&kpis.join(",")),
        percent_encode(&scope.label()),
        period.label(),
        by_text,
        compare.id(),
        lang.code()
    );
    Ok(Page {
        template: "explore.html",
        title: lang.tr("explore.title").to_string(),
        data: json!({
            "kpis": kpi_rows(&report, lang),
            "comparison": ComparisonNote::of(&report, lang),
            "charts": charts,
            "catalogue": catalogue,
            "scopes": visible_scopes(&ctx, &access, &scope),
            "scope": scope.label(),
            "scope_name": report.scope_name,
            "period": period.label(),
            "by": by_text,
            "compare": compare.id(),
            "csv": format!("{export}&format=csv"),
            "xlsx": format!("{export}&format=xlsx"),
        }),
    })
}

// ----- a rep's page -----

async fn rep_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(rep_id): Path<String>,
    Query(q): Query<ScopeQuery>,
) -> Response {
    let page = rep_page_data(&state, &session, &rep_id, &q).await;
    render(&state, &session, &format!("/reps/{}", auth::percent_encode(&rep_id)), page)
}

async fn rep_page_data(state: &AppState, session: &Session, rep_id: &str, q: &ScopeQuery) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let scope = Scope::Rep(rep_id.to_string());
    access.check(&scope, Reach::Records)?;
    let today = today(state, None, lang).await?;
    let period = period_or(q.period.as_deref(), || Period::month_of(today), lang)?;
    let query = |kpis: &[&str], by| kpi_query(kpis, &scope, period, by, today, lang);
    let report = kpi_report_with(&state.db, &ctx, &query(&REP_KPIS, None)).await.or_api(lang)?;
    let trend = kpi_report_with(&state.db, &ctx, &query(&TREND_KPIS, Some(Granularity::Day))).await.or_api(lang)?;
    let first = Day(today.0 - REPORT_HISTORY_DAYS + 1);
    let mut history: Vec<serde_json::Value> = state
        .db
        .daily_reports_between(first, today)
        .await
        .or_api(lang)?
        .into_iter()
        .filter(|r| r.rep_id == rep_id)
        .map(|r| {
            json!({
                "date": r.date.to_string(), "new_customers": r.new_customers, "followups": r.followups,
                "deal_amount": format_value(Some(r.deal_amount as f64 / 100.0), Unit::Money, lang),
                "contract_nos": r.contract_nos, "missed_reason": r.missed_reason, "next_day_plan": r.next_day_plan,
            })
        })
        .collect();
    history.reverse();
    let tracking: Vec<String> = state
        .db
        .tracking_rows(true)
        .await
        .or_api(lang)?
        .iter()
        .filter(|t| t.rep_id == rep_id)
        .map(|t| salescope_engine::targets::tracking_reason(t, lang))
        .collect();
    let team = ctx.rep(rep_id).map(|r| r.team.clone());
    let quarter = Period::quarter_of(today);
    let deals = salescope_engine::pipeline::Deals::load(&state.db, None).await.or_api(lang)?;
    let open_deals = deals.open_deals_of(rep_id, today);
    let gaps = salescope_engine::coaching::coaching_gaps(&state.db, &ctx, &deals, rep_id, &quarter, lang).await.or_api(lang)?;
    let may_categorise = session.viewer.rep_id.as_deref() == Some(rep_id) || session.viewer.may(Permission::Review);

    let gaps: Vec<serde_json::Value> = gaps
        .gaps
        .iter()
        .map(|g| {
            // A stage's conversion is in percent, its time in days; a KPI in its own unit.
            let unit = match g.kind.as_str() {
                "stage_conversion" => Unit::Percent,
                "time_in_stage" => Unit::Days,
                _ => ctx.kpi(&g.name).map_or(Unit::Count, |def| def.unit),
            };
            let shown = |v: f64| format_value(Some(v), unit, lang);
            json!({
                "kind": lang.tr(&format!("coaching.kind.{}", g.kind)), "kind_id": g.kind, "name": g.name, "label": g.label, "rep_value": g.rep_value, "team_median": g.team_median,
                "top_quartile": g.top_quartile, "impact": g.impact, "unit": lang.tr(&format!("coaching.unit.{}", g.impact_unit)),
                "rep_value_shown": shown(g.rep_value), "team_median_shown": shown(g.team_median), "top_quartile_shown": shown(g.top_quartile),
                "courses": g.courses.iter().map(|c| json!({"title": c.title, "href": format!("/training/courses/{}", auth::percent_encode(&c.course_id))})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Page {
        template: "rep.html",
        title: format!("{} · {}", report.scope_name, period.label()),
        data: json!({
            "rep_id": rep_id,
            "name": report.scope_name,
            "team": team,
            "team_href": team.as_ref().filter(|t| access.sees(&Scope::Team((*t).clone()), Reach::Aggregates)).map(|t| format!("/dashboard?scope={}", auth::percent_encode(&format!("team:{t}")))),
            "period": period.label(),
            "kpis": kpi_rows(&report, lang),
            "comparison": ComparisonNote::of(&report, lang),
            "trend": trend_chart(&trend),
            "history": history,
            "tracking": tracking,
            "own": session.viewer.rep_id.as_deref() == Some(rep_id),
            "saved": q.saved.is_some(),
            "gaps": gaps,
            "open_deals": open_deals.iter().map(|d| json!({"deal_id": d.deal_id, "stage": d.stage, "amount": format_value(Some(d.amount), Unit::Money, lang),
                "created": d.created, "category": d.category,
                "action": format!("/reps/{}/deals/{}/category", auth::percent_encode(rep_id), auth::percent_encode(&d.deal_id))})).collect::<Vec<_>>(),
            "may_categorise": may_categorise,
            "may_coach": session.viewer.may(Permission::Review),
            "gaps_period": quarter.label(),
            "gaps_csv": format!("/api/v1/coaching/gaps?rep={}&period={}&format=csv&lang={}", auth::percent_encode(rep_id), quarter.label(), lang.code()),
        }),
    })
}

// ----- the daily report form -----

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

async fn daily_form(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
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

async fn daily_submit(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
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
    let report = crate::import_records(state, session, kind, source, "web", true, false, None, lang).await?;
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

// ----- the change log -----

#[derive(Deserialize, Default)]
struct ChangesQuery {
    page: Option<i64>,
}

const CHANGES_PER_PAGE: i64 = 50;

async fn changes(State(state): State<AppState>, Extension(session): Extension<Session>, Query(q): Query<ChangesQuery>) -> Response {
    let page = async {
        require(&session, Permission::ReadChangeLog, session.lang)?;
        let number = q.page.unwrap_or(1).max(1);
        let rows = state.db.changes(CHANGES_PER_PAGE + 1, (number - 1) * CHANGES_PER_PAGE).await.or_api(session.lang)?;
        let zone = state.db.settings().await.or_api(session.lang)?.zone;
        let more = rows.len() as i64 > CHANGES_PER_PAGE;
        let entries: Vec<serde_json::Value> = rows
            .iter()
            .take(CHANGES_PER_PAGE as usize)
            .map(|c| {
                let at = zone.local_from_utc(c.at).map_or_else(|| c.at.to_string(), |t| t.to_string());
                json!({"at": at, "login": c.login, "entity": c.entity, "subject": c.subject, "action": c.action, "before": c.before_value, "after": c.after_value})
            })
            .collect();
        Ok(Page {
            template: "changes.html",
            title: session.lang.tr("changes.title").to_string(),
            data: json!({"entries": entries, "page": number, "more": more}),
        })
    }
    .await;
    render(&state, &session, "/changes", page)
}

// ----- static files -----

async fn asset(Path(file): Path<String>) -> Response {
    let (bytes, content_type): (&'static [u8], &str) = match file.as_str() {
        "echarts.min.js" => (include_bytes!("../assets/vendor/echarts.min.js"), "text/javascript"),
        "htmx.min.js" => (include_bytes!("../assets/vendor/htmx.min.js"), "text/javascript"),
        "app.js" => (include_bytes!("../assets/app.js"), "text/javascript"),
        "errors.js" => (include_bytes!("../assets/errors.js"), "text/javascript"),
        "app.css" => (include_bytes!("../assets/app.css"), "text/css"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_target(Some("/dashboard?scope=org")), "/dashboard?scope=org");
        assert_eq!(local_target(Some("https://evil.example/")), "/");
        assert_eq!(local_target(Some("//evil.example/")), "/");
        // As the form hands them over, decoded: `/%09/evil.example`, `/%0D%0Ax` and the like.
        for sneaky in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "/\r\nx", "/a b", "\t/x", "/ok\u{0}"] {
            assert_eq!(local_target(Some(sneaky)), "/", "{sneaky:?}");
        }
        assert_eq!(local_target(None), "/");
    }

    #[test]
    fn every_template_compiles() {
        let env = templates();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn translations_take_named_values() {
        let env = {
            let mut env = Environment::new();
            env.add_function("t", translate);
            env
        };
        let out = env.render_str("{{ t('error.forbidden_scope', scope='rep:R2') }}", json!({"lang": "zh-CN"})).expect("render");
        assert!(out.contains("rep:R2"), "{out}");
    }
}
