//! A rep's page: their KPIs and trend, recent daily reports, tracking, coaching gaps and open
//! deals.

use crate::access::Access;
use crate::auth::{self, Session};
use crate::error::{ApiResult, OrApiError};
use crate::pages::kpi_view::{ComparisonNote, ScopeQuery, TREND_KPIS, kpi_query, kpi_rows, trend_chart};
use crate::render::render;
use crate::request::{period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Path, Query, State};
use axum::response::Response;
use salescope_core::access::{Permission, Reach};
use salescope_core::format::format_value;
use salescope_core::kpi::Unit;
use salescope_core::period::{Granularity, Period};
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::kpis::kpi_report_with;
use serde_json::json;

/// What a rep's own page shows.
const REP_KPIS: [&str; 8] =
    ["revenue", "won_deals", "outbound_calls", "connect_rate", "avg_talk_seconds", "new_customers", "followups", "conversion_rate"];
/// Days of daily reports a rep's page lists.
const REPORT_HISTORY_DAYS: i32 = 30;

pub(crate) async fn rep_page(
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
                // A course's report covers the whole organisation: linked for those who read it.
                "courses": g.courses.iter().map(|c| json!({"title": c.title, "href": access.sees(&Scope::Org, Reach::Training).then(|| format!("/training/courses/{}", auth::percent_encode(&c.course_id)))})).collect::<Vec<_>>(),
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
