//! The KPI explorer: any KPIs of the catalogue over any scope, period and granularity, with
//! their CSV and XLSX export.

use crate::access::Access;
use crate::auth::{Session, percent_encode};
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::pages::kpi_view::{ComparisonNote, kpi_query, kpi_rows, trend_chart, visible_scopes};
use crate::render::render;
use crate::request::{period_or, today};
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, State};
use axum::response::Response;
use salescope_core::access::Reach;
use salescope_core::period::{Granularity, Period};
use salescope_engine::Context;
use salescope_engine::kpis::{KpiQuery, KpiReport, kpi_report_with};
use serde_json::json;

/// The explorer's query: any KPIs (repeated `kpi`), scope, period and granularity.
pub(crate) async fn explore(
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
