//! The pipeline page: the process analytics of a scope and pipeline, and forecast categories set
//! from a rep's page.

use crate::access::Access;
use crate::api::pipeline::set_category;
use crate::auth::{Session, percent_encode};
use crate::error::{ApiResult, OrApiError};
use crate::render::render;
use crate::request::{date, period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Query, State};
use axum::response::{IntoResponse, Response};
use salescope_core::access::Reach;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::pipeline::{Deals, funnel, last_twelve_months, stuck, volatility, weighted, winloss};
use salescope_engine::pipeline::{forecast_with_backtest, lead_assignment};
use serde::Deserialize;
use serde_json::json;

/// The category form of a rep's page.
pub(crate) async fn category_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::extract::Path((rep, deal)): axum::extract::Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let fields = crate::request::form_fields(&body);
    match set_category(&state, &session, &deal, crate::request::form_field(&fields, "category")).await {
        Ok(()) => axum::response::Redirect::to(&format!("/reps/{}#deals", percent_encode(&rep))).into_response(),
        Err(e) => render(&state, &session, "/pipeline", Err(e)),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    scope: Option<String>,
    period: Option<String>,
    as_of: Option<String>,
    /// The segment of the lead to assign.
    segment: Option<String>,
    pipeline: Option<String>,
}

/// `/pipeline?scope=&period=&as_of=`: the funnel of a period, the weighted pipeline and stuck
/// deals as of a day, and the volatility of the last twelve months.
pub(crate) async fn page(State(state): State<AppState>, Extension(session): Extension<Session>, Query(q): Query<PageQuery>) -> Response {
    let page = pipeline_page(&state, &session, &q).await;
    render(&state, &session, "/pipeline", page)
}

async fn pipeline_page(state: &AppState, session: &Session, q: &PageQuery) -> ApiResult<Page> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let access = Access::new(session, &ctx, lang);
    let scope = access.scope(q.scope.as_deref().filter(|s| !s.is_empty()), Reach::Aggregates)?;
    let today = today(state, None, lang).await?;
    let period = period_or(q.period.as_deref(), || Period::month_of(today), lang)?;
    let day = match q.as_of.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => date(text, lang)?,
        None => today,
    };
    let deals = Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(lang)?;
    let found = funnel(&deals, &ctx, &scope, &period).or_api(lang)?;
    let pipeline = weighted(&deals, &ctx, &scope, day).or_api(lang)?;
    // Deals and reps by name only for those who see the scope's records.
    let sees_records = access.sees(&scope, Reach::Records);
    let stuck_deals = if sees_records { stuck(&deals, &ctx, &scope, day).or_api(lang)? } else { Vec::new() };
    let factors = winloss(&state.db, &deals, &ctx, &scope, &last_twelve_months(today)).await.or_api(lang)?;
    let quarter = Period::quarter_of(today);
    // The quarters that ended before this one: what `backtest` gives today, replayed once.
    let (outlook, replay) = forecast_with_backtest(&deals, &ctx, &scope, &quarter, today).or_api(lang)?;
    // Who should take the next lead of a segment: names every rep, so for those who see them all.
    let mut segments: Vec<String> = deals.segments();
    segments.sort();
    let segment = q.segment.clone().filter(|s| segments.contains(s)).or_else(|| segments.first().cloned());
    let leads = match (&segment, access.sees(&Scope::Org, Reach::Records)) {
        (Some(segment), true) => Some(lead_assignment(&deals, &ctx, segment, None, day, lang)),
        _ => None,
    };
    let swings = if sees_records { Some(volatility(&deals, &ctx, &scope, &last_twelve_months(today), today).or_api(lang)?) } else { None };
    let money = |v: f64| salescope_core::format::format_value(Some(v), salescope_core::kpi::Unit::Money, lang);
    let query = match deals.pipeline() {
        Some(p) => format!("scope={}&lang={}&pipeline={}", percent_encode(&scope.label()), lang.code(), percent_encode(&p.id)),
        None => format!("scope={}&lang={}", percent_encode(&scope.label()), lang.code()),
    };
    // Stages by the names the configured pipeline gives them in the viewer's language.
    let name = |stage: &str| deals.stage_name(stage, lang).to_string();
    let funnel_rows: Vec<serde_json::Value> = found
        .stages
        .iter()
        .map(|s| {
            json!({"stage": name(&s.stage), "entered": s.entered, "advanced": s.advanced, "conversion": s.conversion,
                "median_days": s.median_days, "p75_days": s.p75_days})
        })
        .collect();
    let chart = json!({
        "labels": found.stages.iter().map(|s| name(&s.stage)).collect::<Vec<_>>(),
        "values": found.stages.iter().map(|s| s.entered).collect::<Vec<_>>(),
    });
    let volatile_chart = swings.as_ref().map(|v| {
        json!({
            "labels": v.months.clone(),
            "series": v.reps.iter().take(4).map(|r| json!({"name": r.name, "values": r.monthly})).collect::<Vec<_>>(),
        })
    });
    Ok(Page {
        template: "pipeline.html",
        title: lang.tr("pipeline.title").to_string(),
        data: json!({
            "scope": scope.label(), "period": period.label(), "as_of": day.to_string(), "sees_records": sees_records,
            "funnel": funnel_rows, "funnel_chart": chart,
            "pipelines": deals.pipelines().iter().map(|p| json!({"id": p.id, "name": p.name(lang)})).collect::<Vec<_>>(),
            "pipeline": deals.pipeline().map(|p| p.id.clone()),
            "weighted": pipeline.stages.iter().map(|s| json!({
                "stage": name(&s.stage), "probability": s.win_probability.map(|p| format!("{:.0}%", p * 100.0)), "open": s.open_deals,
                "amount": money(s.amount), "weighted": money(s.weighted_amount)})).collect::<Vec<_>>(),
            "total_amount": money(pipeline.total_amount), "total_weighted": money(pipeline.total_weighted),
            "stuck": stuck_deals.iter().take(25).map(|s| json!({"deal": s.deal_id, "rep": s.rep_name, "rep_href": format!("/reps/{}", percent_encode(&s.rep_id)),
                "stage": name(&s.stage), "days": s.days_in_stage, "p75": s.p75_days, "amount": money(s.amount)})).collect::<Vec<_>>(),
            "stuck_count": stuck_deals.len(),
            "volatility": swings.as_ref().map(|v| v.reps.iter().take(10).map(|r| json!({"rep": r.name, "team": r.team,
                "rep_href": format!("/reps/{}", percent_encode(&r.rep_id)), "cv": r.cv.map(|c| format!("{c:.2}")), "total": money(r.total)})).collect::<Vec<_>>()),
            "volatility_chart": volatile_chart,
            "winloss": factors.factors.iter().map(|f| json!({"factor": salescope_engine::pipeline::factor_label(&f.factor, lang), "n": f.n, "effect": format!("{:+.1}", f.effect),
                "ci": format!("[{:+.1}, {:+.1}]", f.ci_low, f.ci_high), "rates": format!("{:.1}% / {:.1}%", f.win_rate, f.win_rate_without), "shown": f.shown})).collect::<Vec<_>>(),
            "winloss_closed": factors.closed,
            "segments": segments, "segment": segment,
            "leads": leads.as_ref().map(|l| l.candidates.iter().take(10).map(|c| json!({"rank": c.rank, "rep": c.name, "team": c.team,
                "rep_href": format!("/reps/{}", percent_encode(&c.rep_id)), "win_rate": format!("{:.1}%", c.win_rate), "win_rate_at_least": format!("{:.1}%", c.win_rate_at_least), "capacity": c.has_capacity,
                "reason": c.reason})).collect::<Vec<_>>()),
            "forecast": {"quarter": quarter.label(), "won": money(outlook.won), "pipeline": money(outlook.pipeline), "run_rate": money(outlook.run_rate),
                "forecast": money(outlook.forecast), "low": money(outlook.low), "high": money(outlook.high),
                "model": money(outlook.model_forecast), "calibrated": outlook.calibration.is_some(),
                "interval_source": salescope_engine::pipeline::interval_source(&outlook, lang),
                "better_baseline": outlook.better_baseline.as_ref().map(|b| json!({
                    "text": salescope_engine::pipeline::better_baseline_text(b, lang), "value": b.value.map(money)})),
                "closed": money(outlook.categories.closed), "commit": money(outlook.categories.commit), "best_case": money(outlook.categories.best_case),
                "all_open": money(outlook.categories.pipeline)},
            "backtest": replay.rows.iter().map(|r| json!({"period": r.period, "actual": money(r.actual), "model": money(r.model), "forecast": money(r.forecast),
                "calibrated_on": r.calibrated_on,
                "interval": format!("[{}, {}]", money(r.low), money(r.high)), "inside": r.actual >= r.low && r.actual <= r.high,
                "last_period": r.last_period.map(money), "same_last_year": r.same_last_year.map(money), "weighted": money(r.weighted)})).collect::<Vec<_>>(),
            "mape": {"forecast": replay.mape.forecast, "last_period": replay.mape.last_period, "same_last_year": replay.mape.same_last_year, "weighted": replay.mape.weighted},
            "coverage": replay.coverage,
            "head_to_head": replay.comparisons.iter().map(|c| json!({"text": lang.format("forecast.head_to_head",
                &[("baseline", &lang.tr(&format!("forecast.baseline.{}", c.method)).to_string()), ("periods", &c.periods)]),
                "forecast": c.forecast_mape, "baseline": c.baseline_mape, "method": c.method})).collect::<Vec<_>>(),
            "calibrated_coverage": replay.calibrated_coverage.map(|c| lang.format("forecast.calibrated_coverage", &[("value", &c), ("periods", &replay.calibrated_periods)])),
            "exports": {
                "funnel": format!("/api/v1/pipeline/funnel?{query}&period={}", period.label()),
                "weighted": format!("/api/v1/pipeline/weighted?{query}&as_of={day}"),
                "stuck": format!("/api/v1/pipeline/stuck?{query}&as_of={day}"),
                "volatility": format!("/api/v1/pipeline/volatility?{query}"),
                "winloss": format!("/api/v1/pipeline/winloss?{query}"),
                "backtest": format!("/api/v1/forecast/backtest?{query}"),
            },
        }),
    })
}
