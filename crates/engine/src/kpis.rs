//! KPI values for a scope and period, with target, attainment, pace, the previous period (环比),
//! the same period last year (同比), rank among peers and a trend.

use crate::Result;
use crate::context::{Context, sells};
use crate::data::{Detail, Needs, PeriodData};
use futures_util::{StreamExt, TryStreamExt};
use salescope_core::i18n::Lang;
use salescope_core::kpi::{Direction, KpiDef};
use salescope_core::period::{Compare, Comparison, Granularity, Period};
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetRow};
use salescope_core::time::Day;
use salescope_store::{Db, RepInfo};
use serde::Serialize;

/// The KPIs a sales manager's dashboard opens with.
pub const HEADLINE_KPIS: [&str; 14] = [
    "revenue",
    "won_deals",
    "avg_deal_size",
    "new_customers",
    "outbound_calls",
    "connected_calls",
    "connect_rate",
    "avg_talk_seconds",
    "contacted_customers",
    "conversion_rate",
    "csat",
    "nps",
    "complaint_rate",
    "fcr_rate",
];

#[derive(Debug, Clone)]
pub struct KpiQuery {
    pub kpis: Vec<String>,
    pub scope: Scope,
    pub period: Period,
    pub by: Option<Granularity>,
    /// The organisation's today: the last day counted, and where pace stands.
    pub today: Day,
    /// What a period in progress is compared with.
    pub compare: Compare,
    pub lang: Lang,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Pace {
    pub working_days: i64,
    pub elapsed_working_days: i64,
    /// The value the period ends with at the current run rate — a whole number for counts — or,
    /// for rates and averages, which have no run rate, the value to date.
    pub projected: Option<f64>,
    /// The projected value against the target, in %.
    pub projected_attainment: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TrendPoint {
    pub period: String,
    pub start: String,
    pub end: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct KpiValue {
    pub kpi: String,
    pub name: String,
    pub unit: &'static str,
    pub direction: &'static str,
    /// The value over the days counted (up to today in a period in progress).
    pub value: Option<f64>,
    /// The target of the whole period.
    pub target: Option<f64>,
    /// Value against target in % (for lower-is-better KPIs, target against value).
    pub attainment: Option<f64>,
    pub pace: Option<Pace>,
    /// The days the value is compared with for 环比: the previous period, or its same part.
    pub previous_period: String,
    pub previous: Option<f64>,
    /// value − previous.
    pub change: Option<f64>,
    /// Change relative to the previous value, in % (环比).
    pub change_pct: Option<f64>,
    /// The days the value is compared with for 同比.
    pub last_year_period: String,
    pub last_year: Option<f64>,
    pub yoy_change: Option<f64>,
    /// Change relative to the same period last year, in % (同比).
    pub yoy_change_pct: Option<f64>,
    /// 1 = best among peers (reps who sell, for a rep; sibling teams, for a team).
    pub rank: Option<usize>,
    pub peers: Option<usize>,
    /// Share of peers doing worse, in %: 100 for the best, 0 for the worst.
    pub percentile: Option<f64>,
    pub trend: Vec<TrendPoint>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct KpiReport {
    pub scope: String,
    pub scope_name: String,
    pub period: String,
    pub start: String,
    pub end: String,
    /// The last day counted: `end`, or today while the period is in progress; none before the
    /// period begins.
    pub through: Option<String>,
    pub in_progress: bool,
    /// `to_date` or `whole`: what a period in progress is compared with.
    pub compare: &'static str,
    /// Whether the comparisons set equal parts against each other.
    pub like_with_like: bool,
    /// What 环比 compares, as dates: "1–9 Apr vs 1–9 Mar".
    pub previous_note: String,
    /// What 同比 compares: "1–9 Apr 2025 vs 1–9 Apr 2024".
    pub last_year_note: String,
    pub by: Option<&'static str>,
    pub values: Vec<KpiValue>,
}

pub(crate) fn attainment(direction: Direction, value: Option<f64>, target: Option<f64>) -> Option<f64> {
    let (value, target) = (value?, target?);
    let ratio = match direction {
        Direction::HigherIsBetter if target != 0.0 => value / target,
        Direction::LowerIsBetter if value != 0.0 => target / value,
        _ => return None,
    };
    ratio.is_finite().then_some(ratio * 100.0)
}

fn relative_change(now: Option<f64>, before: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (now, before) {
        (Some(now), Some(before)) => (Some(now - before), (before != 0.0).then(|| (now - before) / before.abs() * 100.0)),
        _ => (None, None),
    }
}

/// Competition ranking ("1224"): 1 + the number of peers strictly better. Returns (rank, peers,
/// percentile) for `own` among `values`, which include it.
pub(crate) fn rank(direction: Direction, own: Option<f64>, values: &[f64]) -> (Option<usize>, Option<usize>, Option<f64>) {
    let Some(own) = own else { return (None, Some(values.len()), None) };
    let better = values.iter().filter(|v| direction.better(**v, own)).count();
    let worse = values.iter().filter(|v| direction.better(own, **v)).count();
    let percentile = if values.len() > 1 { worse as f64 / (values.len() - 1) as f64 * 100.0 } else { 100.0 };
    (Some(better + 1), Some(values.len()), Some(percentile))
}

/// A scope's display name: the team, the rep's name, or the organisation.
pub fn scope_name(ctx: &Context, scope: &Scope, lang: Lang) -> String {
    match scope {
        Scope::Org => lang.tr("scope.org").to_string(),
        Scope::Team(team) => team.clone(),
        Scope::Rep(rep) => ctx.rep(rep).map_or_else(|| rep.clone(), |r| r.name.clone()),
    }
}

/// Peers of a scope, for ranking: reps who sell, have data and were employed on every day
/// counted (for a rep: a rep hired within the days counted has no rank among those who had all
/// of them), sibling teams (for a team); none for the organisation.
fn peers(ctx: &Context, scope: &Scope, data: &PeriodData, counted: &Period) -> Vec<Scope> {
    match scope {
        Scope::Org => Vec::new(),
        Scope::Rep(own) => {
            let employed = |r: &RepInfo| r.hire_date.is_none_or(|hired| hired <= counted.start);
            if ctx.rep(own).is_some_and(|r| !employed(r)) {
                return Vec::new();
            }
            ctx.structure
                .reps
                .iter()
                .filter(|r| sells(&r.role) && employed(r) && (data.rep_has_data(&r.rep_id) || r.rep_id == *own))
                .map(|r| Scope::Rep(r.rep_id.clone()))
                .collect()
        }
        Scope::Team(team) => ctx.tree.siblings(team).into_iter().map(Scope::Team).collect(),
    }
}

pub(crate) fn pace(ctx: &Context, kpi: &KpiDef, period: &Period, today: Day, value: Option<f64>, target: Option<f64>) -> Option<Pace> {
    if !period.contains(today) {
        return None;
    }
    let working_days = ctx.calendar.working_days(period.start, period.end);
    let elapsed = ctx.calendar.working_days(period.start, today);
    let projected = projected(kpi, value, working_days, elapsed);
    Some(Pace {
        working_days,
        elapsed_working_days: elapsed,
        projected,
        projected_attainment: attainment(kpi.direction, projected, target),
    })
}

/// Where a KPI ends the period at its run rate. Only sums over days have a run rate, and a count
/// ends as a whole number of things; a rate or an average projects as it stands.
fn projected(kpi: &KpiDef, value: Option<f64>, working_days: i64, elapsed: i64) -> Option<f64> {
    if !kpi.is_additive() {
        return value;
    }
    let run_rate = value.filter(|_| elapsed > 0)? * working_days as f64 / elapsed as f64;
    Some(if kpi.unit == salescope_core::kpi::Unit::Count { run_rate.round() } else { run_rate })
}

/// Computes the report of a query.
pub async fn kpi_report(db: &Db, query: &KpiQuery) -> Result<KpiReport> {
    let ctx = Context::load(db).await?;
    kpi_report_with(db, &ctx, query).await
}

/// Trend buckets read at once: the SQLite pool's connections.
const TREND_READS_AT_ONCE: usize = 4;

/// The longest period a KPI report covers: ten years of days, enough for any review, and a
/// bound on the work of one request.
pub const MAX_PERIOD_DAYS: i32 = 3_660;
/// The most trend buckets a report draws: a year by day, five years by week, ten by month.
const MAX_BUCKETS: usize = 370;

/// Refuses a report whose period or trend would take unbounded work, naming the limit.
fn check_size(period: &Period, by: Option<Granularity>) -> Result<()> {
    if period.days() > MAX_PERIOD_DAYS {
        return Err(crate::EngineError::invalid(
            "error.period_too_long",
            &[("period", period), ("days", &period.days()), ("max", &MAX_PERIOD_DAYS)],
        ));
    }
    let buckets = match by {
        Some(Granularity::Day) => period.days() as usize,
        Some(Granularity::Week) => period.days() as usize / 7 + 2,
        Some(Granularity::Month) => period.days() as usize / 28 + 2,
        None => 0,
    };
    if buckets > MAX_BUCKETS {
        return Err(crate::EngineError::invalid("error.too_many_buckets", &[("period", period), ("max", &MAX_BUCKETS)]));
    }
    Ok(())
}

pub async fn kpi_report_with(db: &Db, ctx: &Context, query: &KpiQuery) -> Result<KpiReport> {
    ctx.check_scope(&query.scope)?;
    check_size(&query.period, query.by)?;
    let kpis: Vec<&KpiDef> = query.kpis.iter().map(|id| ctx.kpi(id)).collect::<Result<_>>()?;
    let needs = Needs::of(kpis.iter().copied());
    let period = query.period;
    let comparison = Comparison::new(period, query.today, query.compare);
    let detail = if query.scope == Scope::Org { Detail::Organisation } else { Detail::PerRep };
    // Records after today do not exist for this computation: a period in progress counts its
    // days so far, and one that has not begun has no value yet.
    let load = |days: Option<Period>| {
        let needs = &needs;
        async move {
            match days {
                Some(days) => Ok::<_, crate::EngineError>(Some(PeriodData::load(db, ctx, days, needs, detail).await?)),
                None => Ok(None),
            }
        }
    };
    let (current, previous, last_year) =
        tokio::try_join!(load(comparison.counted), load(Some(comparison.previous)), load(Some(comparison.last_year)))?;
    let quantities = |data: &Option<PeriodData>, scope: &Scope| data.as_ref().map(|d| d.quantities(ctx, scope));
    let own = quantities(&current, &query.scope);
    let own_previous = quantities(&previous, &query.scope);
    let own_last_year = quantities(&last_year, &query.scope);
    let peer_quantities: Vec<_> = match (&current, comparison.counted) {
        (Some(data), Some(counted)) => peers(ctx, &query.scope, data, &counted).iter().map(|p| data.quantities(ctx, p)).collect(),
        _ => Vec::new(),
    };

    // The buckets' reads are independent: a few side by side, so that a month by day takes a
    // few rounds on the pool's connections, not thirty, and a long period does not queue
    // every other request behind its reads. A bucket after today has no value yet.
    let buckets = query.by.map(|by| period.buckets(by)).unwrap_or_default();
    let trend_data: Vec<_> = futures_util::stream::iter(buckets)
        .map(|bucket| {
            let load = &load;
            async move { Ok::<_, crate::EngineError>((bucket, quantities(&load(bucket.through(query.today)).await?, &query.scope))) }
        })
        .buffered(TREND_READS_AT_ONCE)
        .try_collect()
        .await?;

    // A rep hired within the period runs at their own pace: from the hire date.
    let pace_period = match &query.scope {
        Scope::Rep(rep) => ctx.rep(rep).map_or(period, |r| crate::context::own_part(r, &period)),
        _ => period,
    };
    let values = kpis
        .iter()
        .map(|kpi| {
            let value = own.as_ref().and_then(|q| q.evaluate(kpi));
            let target = ctx.target(kpi, &query.scope, &period);
            let previous = own_previous.as_ref().and_then(|q| q.evaluate(kpi));
            let last_year = own_last_year.as_ref().and_then(|q| q.evaluate(kpi));
            let (change, change_pct) = relative_change(value, previous);
            let (yoy_change, yoy_change_pct) = relative_change(value, last_year);
            let peer_values: Vec<f64> = peer_quantities.iter().filter_map(|q| q.evaluate(kpi)).collect();
            let (rank, peers, percentile) =
                if peer_quantities.is_empty() { (None, None, None) } else { rank(kpi.direction, value, &peer_values) };
            KpiValue {
                kpi: kpi.id.clone(),
                name: kpi.name(query.lang).to_string(),
                unit: kpi.unit.id(),
                direction: kpi.direction.id(),
                value,
                target,
                attainment: attainment(kpi.direction, value, target),
                pace: pace(ctx, kpi, &pace_period, query.today, value, target),
                previous_period: comparison.previous.label(),
                previous,
                change,
                change_pct,
                last_year_period: comparison.last_year.label(),
                last_year,
                yoy_change,
                yoy_change_pct,
                rank,
                peers,
                percentile,
                trend: trend_data
                    .iter()
                    .map(|(bucket, q)| TrendPoint {
                        period: bucket.label(),
                        start: bucket.start.to_string(),
                        end: bucket.end.to_string(),
                        value: q.as_ref().and_then(|q| q.evaluate(kpi)),
                    })
                    .collect(),
            }
        })
        .collect();
    let (previous_note, last_year_note) = comparison.notes(query.lang);
    Ok(KpiReport {
        scope: query.scope.label(),
        scope_name: scope_name(ctx, &query.scope, query.lang),
        period: period.label(),
        start: period.start.to_string(),
        end: period.end.to_string(),
        through: comparison.counted.map(|c| c.end.to_string()),
        in_progress: comparison.in_progress(),
        compare: query.compare.id(),
        like_with_like: comparison.like_with_like(),
        previous_note,
        last_year_note,
        by: query.by.map(|b| match b {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }),
        values,
    })
}

/// A KPI report as a sheet, for CSV and XLSX: one row per KPI for the whole period and, with a
/// granularity, one per KPI and trend period before it.
pub fn kpi_sheet(report: &KpiReport, lang: Lang) -> Sheet {
    use CellKind::{Number, Percent, Text};
    let columns = crate::audit::columns(
        "kpis",
        &[
            ("period", Text),
            ("kpi", Text),
            ("name", Text),
            ("unit", Text),
            ("value", Number),
            ("target", Number),
            ("attainment", Percent),
            ("previous", Number),
            ("change_pct", Percent),
            ("previous_days", Text),
            ("last_year", Number),
            ("yoy_change_pct", Percent),
            ("last_year_days", Text),
            ("rank", Text),
        ],
        lang,
    );
    let mut rows = Vec::new();
    for v in &report.values {
        for point in &v.trend {
            let mut cells =
                vec![Cell::text(point.period.clone()), Cell::text(v.kpi.clone()), Cell::text(v.name.clone()), Cell::text(v.unit)];
            cells.push(Cell::number(point.value));
            cells.extend(std::iter::repeat_n(Cell::Empty, 9));
            rows.push(SheetRow { scope: report.scope.clone(), period: point.period.clone(), cells });
        }
        let rank = match (v.rank, v.peers) {
            (Some(rank), Some(peers)) => format!("{rank}/{peers}"),
            _ => String::new(),
        };
        rows.push(SheetRow {
            scope: report.scope.clone(),
            period: report.period.clone(),
            cells: vec![
                Cell::text(report.period.clone()),
                Cell::text(v.kpi.clone()),
                Cell::text(v.name.clone()),
                Cell::text(v.unit),
                Cell::number(v.value),
                Cell::number(v.target),
                Cell::number(v.attainment),
                Cell::number(v.previous),
                Cell::number(v.change_pct),
                Cell::text(report.previous_note.clone()),
                Cell::number(v.last_year),
                Cell::number(v.yoy_change_pct),
                Cell::text(report.last_year_note.clone()),
                Cell::text(rank),
            ],
        });
    }
    Sheet {
        id: "kpis",
        title: lang.tr("sheet.kpis.title").to_string(),
        scope: report.scope.clone(),
        period: report.period.clone(),
        columns,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_rank_and_percentiles_run_from_worst_to_best() {
        let values = [10.0, 30.0, 30.0, 20.0];
        let close = |(r, n, p): (Option<usize>, Option<usize>, Option<f64>), want: (usize, usize, f64)| {
            assert_eq!((r, n), (Some(want.0), Some(want.1)));
            assert!((p.unwrap_or(f64::NAN) - want.2).abs() < 1e-9, "{p:?}");
        };
        // Two of the three others are worse than a tied best; one of three is worse than 20.
        close(rank(Direction::HigherIsBetter, Some(30.0), &values), (1, 4, 200.0 / 3.0));
        close(rank(Direction::HigherIsBetter, Some(20.0), &values), (3, 4, 100.0 / 3.0));
        assert_eq!(rank(Direction::LowerIsBetter, Some(10.0), &values), (Some(1), Some(4), Some(100.0)));
        assert_eq!(rank(Direction::HigherIsBetter, None, &values).0, None);
        assert_eq!(rank(Direction::HigherIsBetter, Some(5.0), &[5.0]), (Some(1), Some(1), Some(100.0)));
    }

    #[test]
    fn attainment_follows_the_direction() {
        assert_eq!(attainment(Direction::HigherIsBetter, Some(85_000.0), Some(80_000.0)), Some(106.25));
        assert_eq!(attainment(Direction::LowerIsBetter, Some(20.0), Some(10.0)), Some(50.0));
        assert_eq!(attainment(Direction::HigherIsBetter, Some(1.0), Some(0.0)), None);
        assert_eq!(attainment(Direction::HigherIsBetter, None, Some(1.0)), None);
    }

    #[test]
    fn changes_are_absolute_and_relative() {
        assert_eq!(relative_change(Some(90.0), Some(80.0)), (Some(10.0), Some(12.5)));
        assert_eq!(relative_change(Some(-5.0), Some(0.0)), (Some(-5.0), None));
        assert_eq!(relative_change(None, Some(1.0)), (None, None));
    }
}
