//! `GET /api/v1/kpis` and the KPI catalogue.

use crate::{ApiError, AppState, local_now, request_lang};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use salescope_core::period::{Granularity, Period};
use salescope_core::scope::Scope;
use salescope_engine::kpis::{KpiQuery, kpi_report_with};
use salescope_engine::{Context, EngineError};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct KpiParams {
    /// Comma-separated KPI ids; all when absent.
    kpi: Option<String>,
    scope: Option<String>,
    period: Option<String>,
    by: Option<String>,
    /// Compute as of this date instead of today (pace, default period).
    today: Option<String>,
    lang: Option<String>,
}

/// `GET /api/v1/kpis?kpi=revenue,connect_rate&scope=team:销售一部&period=2024-07&by=week`
pub async fn values(State(state): State<AppState>, Query(params): Query<KpiParams>, headers: HeaderMap) -> Response {
    let lang = request_lang(params.lang.as_deref(), &headers);
    let fail = |e: EngineError| ApiError::from_engine(&e, lang).into_response();
    let ctx = match Context::load(&state.db).await {
        Ok(ctx) => ctx,
        Err(e) => return fail(e),
    };
    let today = match params.today.as_deref() {
        Some(text) => match salescope_core::time::parse_date(text, &Default::default()) {
            Some(day) => day,
            None => return ApiError::bad_request("bad_date", lang.format("error.bad_date", &[("date", &text)])).into_response(),
        },
        None => match state.db.settings().await {
            Ok(settings) => local_now(&settings.zone).day(),
            Err(e) => return fail(e.into()),
        },
    };
    let scope = match Scope::parse(params.scope.as_deref().unwrap_or("org")) {
        Ok(scope) => scope,
        Err(e) => return fail(e.into()),
    };
    let period = match params.period.as_deref() {
        Some(text) => match Period::parse(text) {
            Ok(period) => period,
            Err(e) => return fail(e.into()),
        },
        None => Period::month_of(today),
    };
    let by = match params.by.as_deref() {
        Some(text) => match Granularity::parse(text) {
            Some(by) => Some(by),
            None => {
                return ApiError::bad_request("bad_granularity", lang.format("error.bad_granularity", &[("by", &text)])).into_response();
            }
        },
        None => None,
    };
    let kpis: Vec<String> = match params.kpi.as_deref() {
        Some(list) if !list.trim().is_empty() && list.trim() != "all" => {
            list.split(',').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect()
        }
        _ => ctx.catalogue.iter().map(|k| k.id.clone()).collect(),
    };
    let query = KpiQuery { kpis, scope, period, by, today, lang };
    match kpi_report_with(&state.db, &ctx, &query).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => fail(e),
    }
}

#[derive(Serialize)]
struct CatalogueEntry {
    id: String,
    name: String,
    unit: &'static str,
    direction: &'static str,
    group: &'static str,
    formula: String,
}

/// `GET /api/v1/kpis/catalogue`: every KPI, built-in and custom.
pub async fn catalogue(State(state): State<AppState>, headers: HeaderMap, Query(params): Query<KpiParams>) -> Response {
    let lang = request_lang(params.lang.as_deref(), &headers);
    match Context::load(&state.db).await {
        Ok(ctx) => Json(
            ctx.catalogue
                .iter()
                .map(|k| CatalogueEntry {
                    id: k.id.clone(),
                    name: k.name(lang).to_string(),
                    unit: k.unit.id(),
                    direction: k.direction.id(),
                    group: k.group.id(),
                    formula: k.formula_text.clone(),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => ApiError::from_engine(&e, lang).into_response(),
    }
}
