//! KPI values as the dashboard, the rep page, the explorer and the targets page show them: the
//! table rows, the comparison note under the table and the trend chart.

use crate::access::Access;
use salescope_core::access::Reach;
use salescope_core::format::{format_change, format_value};
use salescope_core::i18n::Lang;
use salescope_core::kpi::Unit;
use salescope_core::period::{Compare, Granularity, Period};
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::kpis::{KpiQuery, KpiReport, KpiValue};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The KPIs drawn on a page's trend chart: a bar series and a line on its own axis.
pub(crate) const TREND_KPIS: [&str; 2] = ["revenue", "connect_rate"];

#[derive(Deserialize, Default)]
pub(crate) struct ScopeQuery {
    pub scope: Option<String>,
    pub period: Option<String>,
    pub saved: Option<String>,
}

pub(crate) fn kpi_query(kpis: &[&str], scope: &Scope, period: Period, by: Option<Granularity>, today: Day, lang: Lang) -> KpiQuery {
    KpiQuery { kpis: kpis.iter().map(|k| k.to_string()).collect(), scope: scope.clone(), period, by, today, compare: Compare::ToDate, lang }
}

/// A KPI value as the tables show it, formatted for the page's language.
#[derive(Serialize)]
pub(crate) struct KpiRow {
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
pub(crate) struct ComparisonNote {
    previous: String,
    last_year: String,
    /// "counted through 2025-04-09" while the period is in progress.
    through: Option<String>,
    /// Set when a period in progress is compared with whole periods.
    part_vs_whole: Option<String>,
}

impl ComparisonNote {
    pub(crate) fn of(report: &KpiReport, lang: Lang) -> ComparisonNote {
        ComparisonNote {
            previous: report.previous_note.clone(),
            last_year: report.last_year_note.clone(),
            through: report.through.as_ref().filter(|_| report.in_progress).map(|day| lang.format("kpi.through", &[("day", day)])),
            part_vs_whole: (!report.like_with_like).then(|| lang.tr("compare.part_vs_whole").to_string()),
        }
    }
}

pub(crate) fn kpi_rows(report: &KpiReport, lang: Lang) -> Vec<KpiRow> {
    report.values.iter().map(|v| kpi_row(v, lang)).collect()
}

pub(crate) fn kpi_row(v: &KpiValue, lang: Lang) -> KpiRow {
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
pub(crate) fn trend_chart(report: &KpiReport) -> serde_json::Value {
    let labels: Vec<&str> = report.values.first().map(|v| v.trend.iter().map(|p| p.start.as_str()).collect()).unwrap_or_default();
    let series: Vec<serde_json::Value> = report
        .values
        .iter()
        .map(|v| json!({"name": v.name, "unit": v.unit, "values": v.trend.iter().map(|p| p.value.map(|x| (x * 100.0).round() / 100.0)).collect::<Vec<_>>()}))
        .collect();
    json!({"labels": labels, "series": series})
}

/// The scopes the account may choose: the organisation and the teams it sees, and the scope
/// shown now (a rep's own, say).
pub(crate) fn visible_scopes(ctx: &Context, access: &Access<'_>, current: &Scope) -> Vec<serde_json::Value> {
    let mut scopes: Vec<Scope> = std::iter::once(Scope::Org)
        .chain(ctx.tree.teams().map(|t| Scope::Team(t.to_string())))
        .filter(|s| access.sees(s, Reach::Aggregates))
        .collect();
    if !scopes.contains(current) {
        scopes.push(current.clone());
    }
    scopes.into_iter().map(|s| json!({"value": s.label(), "label": salescope_engine::kpis::scope_name(ctx, &s, access.lang)})).collect()
}
