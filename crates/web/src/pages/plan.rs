//! The planning and settings pages: targets (set, split, attainment and pace) and the accounts
//! an administrator manages.

use crate::access::{Access, record_change, require};
use crate::auth::Session;
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::render::{fixable, render, render_refused};
use crate::request::{choice, period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salescope_app::accounts::{self, NewUser};
use salescope_core::access::{Permission, Reach, Role};
use salescope_core::format::format_value;
use salescope_core::kpi::Unit;
use salescope_core::period::{Compare, Period, PeriodKind};
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::kpis::{KpiQuery, kpi_report_with};
use salescope_engine::targets::{ShareBy, SplitInto, set, split};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub(crate) struct TargetsQuery {
    period: Option<String>,
}

pub(crate) async fn targets(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<TargetsQuery>,
) -> Response {
    let page = targets_page(&state, &session, q.period.as_deref(), None).await;
    render(&state, &session, "/targets", page)
}

/// Every target of the period the account sees, with the value so far, attainment and pace.
async fn targets_page(state: &AppState, session: &Session, period: Option<&str>, error: Option<String>) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let today = today(state, None, lang).await?;
    let period = period_or(period, || Period::month_of(today), lang)?;
    let mut by_scope: BTreeMap<Scope, Vec<String>> = BTreeMap::new();
    for target in ctx.targets.iter().filter(|t| t.period == period.label()) {
        if let Ok(scope) = Scope::parse(&target.scope)
            && access.sees(&scope, Reach::Aggregates)
        {
            by_scope.entry(scope).or_default().push(target.kpi.clone());
        }
    }
    let mut rows = Vec::new();
    for (scope, kpis) in by_scope {
        let query = KpiQuery { kpis, scope: scope.clone(), period, by: None, today, compare: Compare::ToDate, lang };
        let report = kpi_report_with(&state.db, &ctx, &query).await.or_api(lang)?;
        for v in report.values {
            let unit = Unit::from_id(v.unit).unwrap_or(Unit::Count);
            let projected = v.pace.as_ref().and_then(|p| p.projected_attainment);
            rows.push(json!({
                "scope": scope.label(), "scope_name": report.scope_name, "kpi": v.kpi, "name": v.name,
                "target": format_value(v.target, unit, lang), "value": format_value(v.value, unit, lang),
                "attainment": v.attainment.map(|a| format!("{a:.0}%")), "projected": projected.map(|a| format!("{a:.0}%")),
                "status": crate::pages::kpi_view::attainment_status(projected.or(v.attainment)),
            }));
        }
    }
    let kpis: Vec<serde_json::Value> = ctx.catalogue.iter().map(|k| json!({"id": k.id, "name": k.name(lang)})).collect();
    let scopes: Vec<serde_json::Value> = std::iter::once(Scope::Org)
        .chain(ctx.tree.teams().map(|t| Scope::Team(t.to_string())))
        .chain(ctx.structure.reps.iter().map(|r| Scope::Rep(r.rep_id.clone())))
        .filter(|s| access.sees(s, Reach::Records))
        .map(|s| {
            let name = salescope_engine::kpis::scope_name(&ctx, &s, lang);
            let label = if let Scope::Rep(rep) = &s { format!("{name} ({rep})") } else { name };
            json!({"value": s.label(), "label": label})
        })
        .collect();
    Ok(Page {
        template: "targets.html",
        title: lang.tr("targets.title").to_string(),
        data: json!({
            "period": period.label(), "rows": rows, "kpis": kpis, "scopes": scopes,
            "can_plan": session.viewer.may(Permission::Plan), "error": error,
        }),
    })
}

#[derive(Deserialize)]
pub(crate) struct TargetForm {
    kpi: String,
    scope: String,
    period: String,
    value: String,
}

/// `POST /targets`: sets one target.
pub(crate) async fn set_target(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<TargetForm>,
) -> Response {
    let lang = session.lang;
    let done = async {
        require(&session, Permission::Plan, lang)?;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let scope = Access::new(&session, &ctx, lang).scope(Some(&form.scope), Reach::Records)?;
        let period = Period::parse(&form.period).or_api(lang)?;
        let value = salescope_core::values::parse_target(&form.value)
            .ok_or_else(|| ApiError::bad_request("bad_number", lang.tr("error.target_not_number").to_string()))?;
        let before = ctx
            .targets
            .iter()
            .find(|t| t.kpi == form.kpi && t.scope == scope.label() && t.period == period.label())
            .map(|t| json!({"value": t.value}));
        let row = set(&state.db, &ctx, &form.kpi, &scope, &period, value).await.or_api(lang)?;
        let subject = format!("{}/{}/{}", row.kpi, row.scope, row.period);
        record_change(&state, &session, "target", &subject, "set", before.as_ref(), Some(&json!({"value": row.value}))).await?;
        Ok::<_, ApiError>(period)
    }
    .await;
    after_change(&state, &session, done, &form.period).await
}

#[derive(Deserialize)]
pub(crate) struct SplitForm {
    kpi: String,
    scope: String,
    period: String,
    into: String,
    by: String,
}

/// `POST /targets/split`: splits a stored target among reps or teams, or over time.
pub(crate) async fn split_target(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<SplitForm>,
) -> Response {
    let lang = session.lang;
    let done = async {
        require(&session, Permission::Plan, lang)?;
        let into = choice(
            &form.into,
            "into",
            &[
                ("reps", SplitInto::Reps),
                ("teams", SplitInto::Teams),
                ("months", SplitInto::Periods(PeriodKind::Month)),
                ("weeks", SplitInto::Periods(PeriodKind::Week)),
            ],
            "bad_split",
            lang,
        )?;
        let share = choice(&form.by, "by", &[("even", ShareBy::Even), ("last-period", ShareBy::LastPeriod)], "bad_split", lang)?;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let scope = Access::new(&session, &ctx, lang).scope(Some(&form.scope), Reach::Records)?;
        let period = Period::parse(&form.period).or_api(lang)?;
        let today = today(&state, None, lang).await?;
        let parts = split(&state.db, &ctx, &form.kpi, &scope, &period, into, &share, today).await.or_api(lang)?;
        let after: Vec<serde_json::Value> = parts.iter().map(|p| json!({"scope": p.scope, "period": p.period, "value": p.value})).collect();
        let subject = format!("{}/{}/{}", form.kpi, scope.label(), period.label());
        record_change(&state, &session, "target", &subject, "split", None, Some(&json!(after))).await?;
        Ok::<_, ApiError>(period)
    }
    .await;
    after_change(&state, &session, done, &form.period).await
}

/// Back to the targets of the period changed, or the page with the reason it was refused.
async fn after_change(state: &AppState, session: &Session, done: ApiResult<Period>, period: &str) -> Response {
    match done {
        Ok(period) => Redirect::to(&format!("/targets?period={}", period.label())).into_response(),
        Err(e) if fixable(&e) => {
            let page = targets_page(state, session, Some(period).filter(|p| Period::parse(p).is_ok()), Some(e.message)).await;
            render_refused(state, session, "/targets", page)
        }
        Err(e) => render(state, session, "/targets", Err(e)),
    }
}

// ----- accounts -----

pub(crate) async fn users(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = users_page(&state, &session, None, None).await;
    render(&state, &session, "/settings/users", page)
}

async fn users_page(state: &AppState, session: &Session, error: Option<String>, created: Option<(String, String)>) -> ApiResult<Page> {
    let lang = session.lang;
    require(session, Permission::Administer, lang)?;
    let users: Vec<serde_json::Value> = state
        .db
        .users()
        .await
        .or_api(lang)?
        .iter()
        .map(|u| json!({"login": u.login, "name": u.name, "role": u.role, "rep_id": u.rep_id, "team": u.team, "disabled": u.is_disabled()}))
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.id()).collect();
    Ok(Page {
        template: "users.html",
        title: lang.tr("users.title").to_string(),
        data: json!({"users": users, "roles": roles, "error": error, "created": created.map(|(login, password)| json!({"login": login, "password": password}))}),
    })
}

#[derive(Deserialize)]
pub(crate) struct UserForm {
    login: String,
    #[serde(default)]
    name: String,
    role: String,
    #[serde(default)]
    rep_id: String,
    #[serde(default)]
    team: String,
}

/// `POST /settings/users`: adds an account with a generated password, shown once.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<UserForm>,
) -> Response {
    let lang = session.lang;
    if let Err(e) = require(&session, Permission::Administer, lang) {
        return render(&state, &session, "/settings/users", Err(e));
    }
    let password = accounts::new_password();
    let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let new = NewUser {
        login: form.login.clone(),
        name: form.name,
        role: form.role,
        rep_id: optional(&form.rep_id),
        team: optional(&form.team),
        lang: None,
        password: password.clone(),
    };
    let page = match accounts::add_user(&state.db, new, &session.viewer.login).await {
        Ok(user) => users_page(&state, &session, None, Some((user.login, password))).await,
        Err(accounts::AccountError::Store(e)) => Err(ApiError::internal(&e)),
        Err(e) => users_page(&state, &session, Some(e.message(lang)), None).await,
    };
    render(&state, &session, "/settings/users", page)
}

/// `POST /settings/users/{login}/{disable|enable}`.
pub(crate) async fn switch_user(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((login, action)): Path<(String, String)>,
) -> Response {
    let lang = session.lang;
    let done = async {
        require(&session, Permission::Administer, lang)?;
        let disable = choice(&action, "action", &[("disable", true), ("enable", false)], "bad_choice", lang)?;
        if disable && login == session.viewer.login {
            return Err(ApiError::bad_request("own_account", lang.tr("users.not_yourself").to_string()));
        }
        accounts::set_disabled(&state.db, &login, disable, &session.viewer.login).await.map_err(|e| match e {
            accounts::AccountError::UnknownLogin(_) => {
                ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: e.message(lang) }
            }
            e => ApiError::internal(&e),
        })
    }
    .await;
    match done {
        Ok(()) => Redirect::to("/settings/users").into_response(),
        Err(e) => render(&state, &session, "/settings/users", Err(e)),
    }
}

// ----- the working-day calendar -----

#[derive(Deserialize, Default)]
pub(crate) struct CalendarQuery {
    year: Option<i32>,
}

pub(crate) async fn calendar(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let page = calendar_page(&state, &session, q.year, None).await;
    render(&state, &session, "/settings/calendar", page)
}

/// A year's holidays and make-up working days, the working days of each month, and the form
/// that changes days.
async fn calendar_page(state: &AppState, session: &Session, year: Option<i32>, error: Option<String>) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let year = match year {
        Some(year) => year,
        None => today(state, None, lang).await?.ymd().0,
    };
    let shown = salescope_engine::calendar::year(&ctx, year).or_api(lang)?;
    Ok(Page {
        template: "calendar.html",
        title: lang.tr("calendar.title").to_string(),
        data: json!({"calendar": shown, "previous": year - 1, "next": year + 1, "can_plan": session.viewer.may(Permission::Plan), "error": error}),
    })
}

#[derive(Deserialize)]
pub(crate) struct DaysForm {
    days: String,
    kind: String,
    #[serde(default)]
    name: String,
}

/// `POST /settings/calendar`: makes days holidays, working days or ordinary, or undoes a change.
pub(crate) async fn change_days(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<DaysForm>,
) -> Response {
    use salescope_engine::calendar::{DayChange, set_days};
    let lang = session.lang;
    let done = async {
        crate::access::require_shared(&session, Permission::Plan, lang)?;
        let change = DayChange::parse(&form.kind, Some(form.name.trim()).filter(|n| !n.is_empty())).or_api(lang)?;
        let days = Period::parse(&form.days).or_api(lang)?;
        let changed = set_days(&state.db, &days, &change).await.or_api(lang)?;
        let after = json!({"kind": form.kind, "name": form.name.trim(), "changed": changed});
        record_change(&state, &session, "calendar", &days.label(), "set", None, Some(&after)).await?;
        Ok::<_, ApiError>(days.start.ymd().0)
    }
    .await;
    match done {
        Ok(year) => Redirect::to(&format!("/settings/calendar?year={year}")).into_response(),
        Err(e) if fixable(&e) => {
            let page = calendar_page(&state, &session, None, Some(e.message)).await;
            render_refused(&state, &session, "/settings/calendar", page)
        }
        Err(e) => render(&state, &session, "/settings/calendar", Err(e)),
    }
}

// ----- the KPI catalogue, custom KPIs and scorecards -----

pub(crate) async fn kpis(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = kpis_page(&state, &session, None).await;
    render(&state, &session, "/settings/kpis", page)
}

/// Every KPI with its formula, the form that defines a custom KPI, and each role's scorecard.
async fn kpis_page(state: &AppState, session: &Session, error: Option<String>) -> ApiResult<Page> {
    use salescope_engine::scoring::{SCORECARD_ROLES, scorecard};
    let lang = session.lang;
    require(session, Permission::Administer, lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let catalogue: Vec<serde_json::Value> = ctx
        .catalogue
        .iter()
        .map(|k| {
            json!({"id": k.id, "name": k.name(lang), "group": lang.tr(&format!("kpi.group.{}", k.group.id())), "unit": k.unit.id(),
                   "formula": k.formula_text, "custom": k.group.id() == "custom"})
        })
        .collect();
    let mut scorecards = Vec::new();
    for role in SCORECARD_ROLES {
        let card = scorecard(&state.db, role).await.or_api(lang)?;
        let weights: Vec<String> = card.entries.iter().map(|(kpi, weight)| format!("{kpi}={weight}")).collect();
        scorecards.push(json!({"role": role, "label": lang.tr(&format!("scorecard.role.{role}")), "weights": weights.join(", "), "inherited": card.inherited}));
    }
    let measures = state.db.custom_measure_names().await.or_api(lang)?;
    Ok(Page {
        template: "kpis.html",
        title: lang.tr("kpis.title").to_string(),
        data: json!({"catalogue": catalogue, "scorecards": scorecards, "measures": measures, "error": error}),
    })
}

#[derive(Deserialize)]
pub(crate) struct CustomKpiForm {
    id: String,
    name_en: String,
    name_zh: String,
    unit: String,
    direction: String,
    formula: String,
}

/// `POST /settings/kpis`: defines (or redefines) a custom KPI.
pub(crate) async fn define_kpi(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<CustomKpiForm>,
) -> Response {
    let lang = session.lang;
    let done = async {
        require(&session, Permission::Administer, lang)?;
        let row = salescope_store::CustomKpiRow {
            id: form.id.trim().to_string(),
            name_en: form.name_en,
            name_zh: form.name_zh,
            unit: form.unit,
            direction: form.direction,
            formula: form.formula,
        };
        let after =
            json!({"name_en": row.name_en, "name_zh": row.name_zh, "unit": row.unit, "direction": row.direction, "formula": row.formula});
        let id = row.id.clone();
        salescope_engine::custom::define(&state.db, row).await.or_api(lang)?;
        record_change(&state, &session, "custom_kpi", &id, "define", None, Some(&after)).await
    }
    .await;
    kpis_after(&state, &session, done).await
}

#[derive(Deserialize)]
pub(crate) struct ScorecardForm {
    role: String,
    /// `kpi=weight, …`; empty returns the role to the default.
    weights: String,
}

/// `POST /settings/kpis/scorecard`: sets a role's weighted KPIs.
pub(crate) async fn set_scorecard(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<ScorecardForm>,
) -> Response {
    let lang = session.lang;
    let done = async {
        require(&session, Permission::Administer, lang)?;
        let mut entries = Vec::new();
        for part in form.weights.split([',', '，']).map(str::trim).filter(|p| !p.is_empty()) {
            let (kpi, weight) = part
                .split_once('=')
                .ok_or_else(|| ApiError::bad_request("bad_weights", lang.format("error.bad_weight_pair", &[("pair", &part)])))?;
            let weight: f64 = weight
                .trim()
                .parse()
                .map_err(|_| ApiError::bad_request("bad_weights", lang.format("error.bad_weight_pair", &[("pair", &part)])))?;
            entries.push((kpi.trim().to_string(), weight));
        }
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let card = salescope_engine::scoring::set_scorecard(&state.db, &ctx, &form.role, &entries).await.or_api(lang)?;
        let after = serde_json::to_value(&card).ok();
        record_change(&state, &session, "scorecard", &form.role, "update", None, after.as_ref()).await
    }
    .await;
    kpis_after(&state, &session, done).await
}

/// Back to the KPI settings, or the page with the reason the change was refused.
async fn kpis_after(state: &AppState, session: &Session, done: ApiResult<()>) -> Response {
    match done {
        Ok(()) => Redirect::to("/settings/kpis").into_response(),
        Err(e) if fixable(&e) => render_refused(state, session, "/settings/kpis", kpis_page(state, session, Some(e.message)).await),
        Err(e) => render(state, session, "/settings/kpis", Err(e)),
    }
}

// ----- teams -----

/// `GET /settings/teams`: the team tree as the reps file built it — each team's parent, team
/// leads and members — for the teams the account sees.
pub(crate) async fn teams(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = async {
        let lang = session.lang;
        let ctx = Context::load(&state.db).await.or_api(lang)?;
        let access = Access::new(&session, &ctx, lang);
        let mut rows = Vec::new();
        let mut frontier: Vec<(String, usize)> = ctx.tree.roots().into_iter().rev().map(|t| (t, 0)).collect();
        while let Some((team, depth)) = frontier.pop() {
            frontier.extend(ctx.tree.children(&team).into_iter().rev().map(|t| (t, depth + 1)));
            if !access.sees(&Scope::Team(team.clone()), Reach::Aggregates) {
                continue;
            }
            let members: Vec<&salescope_store::RepInfo> = ctx.structure.reps.iter().filter(|r| r.team == team).collect();
            let leads: Vec<&str> = members.iter().filter(|r| r.role == "team_lead").map(|r| r.name.as_str()).collect();
            rows.push(json!({
                "team": team, "depth": depth, "parent": ctx.tree.parent(&team),
                "leads": leads.join("、"), "members": members.len(),
                "href": format!("/dashboard?scope={}", crate::auth::percent_encode(&format!("team:{team}"))),
            }));
        }
        Ok(Page {
            template: "teams.html",
            title: lang.tr("teams.title").to_string(),
            data: json!({"teams": rows, "can_import": session.viewer.may(Permission::Import)}),
        })
    }
    .await;
    render(&state, &session, "/settings/teams", page)
}
