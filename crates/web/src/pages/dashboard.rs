//! The dashboard: a scope's headline KPIs for a period with their trend, leaderboard, alerts,
//! drill-down and best time to call, cached for a few seconds (see `page_cache`).

use crate::access::Access;
use crate::auth::{self, Session};
use crate::error::{ApiResult, OrApiError};
use crate::pages::kpi_view::{ComparisonNote, ScopeQuery, TREND_KPIS, kpi_query, kpi_rows, trend_chart, visible_scopes};
use crate::render::render;
use crate::request::{period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Query, State};
use axum::response::Response;
use salescope_core::access::{Permission, Reach};
use salescope_core::i18n::Lang;
use salescope_core::period::{Granularity, Period};
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::kpis::{HEADLINE_KPIS, kpi_report_with};
use salescope_engine::scoring::{LeaderboardQuery, Level, leaderboard};
use serde_json::json;

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ScopeQuery>,
) -> Response {
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
