//! `GET /api/v1/kpis` and the KPI catalogue.

use crate::access::Access;
use crate::auth::Session;
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{download, output_format, today};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use salescope_core::access::Reach;
use salescope_core::period::{Granularity, Period};
use salescope_engine::Context;
use salescope_engine::kpis::{KpiQuery, KpiReport, kpi_report_with, kpi_sheet};
use salescope_export::OutputFormat;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// Comma-separated KPI ids; all when absent.
    kpi: Option<String>,
    scope: Option<String>,
    period: Option<String>,
    by: Option<String>,
    /// While the period is in progress, compare its days so far with the same days of the
    /// period before and last year's (`to_date`, the default) or with those whole periods (`whole`).
    compare: Option<String>,
    /// Compute as of this date instead of today (pace, default period).
    today: Option<String>,
    lang: Option<String>,
    /// json (default), csv or xlsx.
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/kpis",
    tag = "kpis",
    summary = "KPI values with target, pace, 环比, 同比, rank and trend",
    params(KpiParams),
    responses((status = 200, description = "The KPIs of the scope and period (or a CSV or XLSX file)", body = KpiReport), (status = 400, description = "The request is invalid; the message says why", body = ErrorBody), (status = 404, description = "An unknown KPI, team, rep or id", body = ErrorBody))
)]
/// `GET /api/v1/kpis?kpi=revenue,connect_rate&scope=team:销售一部&period=2024-07&by=week`
pub async fn values(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(params): Query<KpiParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(params.lang.as_deref(), &headers);
    let format = output_format(params.format.as_deref(), lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let today = today(&state, params.today.as_deref(), lang).await?;
    let scope = Access::new(&session, &ctx, lang).scope(params.scope.as_deref(), Reach::Aggregates)?;
    let period = match params.period.as_deref() {
        Some(text) => Period::parse(text).or_api(lang)?,
        None => Period::month_of(today),
    };
    let by = match params.by.as_deref() {
        Some(text) => Some(
            Granularity::parse(text)
                .ok_or_else(|| ApiError::bad_request("bad_granularity", lang.format("error.bad_granularity", &[("by", &text)])))?,
        ),
        None => None,
    };
    let kpis: Vec<String> = match params.kpi.as_deref() {
        Some(list) if !list.trim().is_empty() && list.trim() != "all" => {
            list.split(',').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect()
        }
        _ => ctx.catalogue.iter().map(|k| k.id.clone()).collect(),
    };
    let compare = crate::request::compare(params.compare.as_deref(), lang)?;
    let query = KpiQuery { kpis, scope, period, by, today, compare, lang };
    let report = kpi_report_with(&state.db, &ctx, &query).await.or_api(lang)?;
    if format == OutputFormat::Json {
        return Ok(Json(report).into_response());
    }
    download(&kpi_sheet(&report, lang), format)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogueEntry {
    id: String,
    name: String,
    unit: &'static str,
    direction: &'static str,
    group: &'static str,
    formula: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/kpis/catalogue",
    tag = "kpis",
    summary = "Every KPI, built-in and custom",
    params(KpiParams),
    responses((status = 200, description = "The catalogue", body = Vec<CatalogueEntry>))
)]
/// `GET /api/v1/kpis/catalogue`: every KPI, built-in and custom.
pub async fn catalogue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<KpiParams>,
) -> ApiResult<Json<Vec<CatalogueEntry>>> {
    let lang = request_lang(params.lang.as_deref(), &headers);
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Ok(Json(
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
            .collect(),
    ))
}
