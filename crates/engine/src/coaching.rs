//! Coaching gaps (SPEC C10): where one rep falls behind their team along the funnel and in the
//! activity and conversation KPIs, ranked by what the gap costs, with the courses that target it.
//!
//! The team is the rep's team at the end of the period; its median and top quartile are taken
//! over its sellers with data (the rep included) who were employed for the whole of it. A rep
//! hired within the period is compared from their hire date to its end, with the teammates
//! employed throughout those days. For a stage, the cost is the deals lost to the gap: (team
//! median conversion − the rep's) × the rep's deals entering the stage.

use crate::data::{Detail, Needs, PeriodData};
use crate::pipeline::Deals;
use crate::{Context, EngineError, Result};
use salescope_core::i18n::Lang;
use salescope_core::kpi::Direction;
use salescope_core::period::Period;
use salescope_core::pipeline::{self, DealPath, FunnelStage};
use salescope_core::scope::Scope;
use salescope_core::stats::{median, quantile};
use salescope_store::Db;
use serde::Serialize;

/// The activity and conversation KPIs a rep is compared on.
pub const COMPARED_KPIS: [&str; 7] =
    ["outbound_calls", "connect_rate", "avg_talk_seconds", "followups", "talk_ratio", "questions_per_call", "customer_story"];

/// Stages where a rep entered fewer deals than this say more about chance than skill.
const MIN_ENTRIES: usize = 3;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CourseRef {
    pub course_id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gap {
    /// stage_conversion, time_in_stage or kpi.
    pub kind: String,
    /// The stage's name or the KPI's id.
    pub name: String,
    /// What the reader sees: the stage, or the KPI's name in their language.
    pub label: String,
    pub rep_value: f64,
    pub team_median: f64,
    /// The top quarter's threshold: the 75th percentile, or the 25th where lower is better.
    pub top_quartile: f64,
    /// What the gap costs: deals lost (stage conversion), extra deal-days (time in stage), or the
    /// shortfall in % of the team median (KPIs).
    pub impact: f64,
    /// deals, deal_days or percent.
    pub impact_unit: String,
    /// Courses whose target KPIs address the gap.
    pub courses: Vec<CourseRef>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoachingGaps {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub period: String,
    /// Teammates compared (the rep included).
    pub team_size: usize,
    /// Largest first within each kind: stage conversion, time in stage, KPIs.
    pub gaps: Vec<Gap>,
}

/// The courses that target any of `kpis`.
fn courses_for(records: &salescope_store::TrainingRecords, kpis: &[&str]) -> Vec<CourseRef> {
    records
        .courses
        .iter()
        .filter(|c| c.targets().iter().any(|t| kpis.contains(&t.as_str())))
        .map(|c| CourseRef { course_id: c.course_id.clone(), title: c.title.clone() })
        .collect()
}

/// The median and top quartile of `values`, the top being the high end unless lower is better.
fn spread(values: &[f64], direction: Direction) -> Option<(f64, f64)> {
    let top = match direction {
        Direction::HigherIsBetter => 0.75,
        Direction::LowerIsBetter => 0.25,
    };
    Some((median(values)?, quantile(values, top)?))
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub async fn coaching_gaps(db: &Db, ctx: &Context, deals: &Deals, rep_id: &str, period: &Period, lang: Lang) -> Result<CoachingGaps> {
    compare(db, ctx, deals, rep_id, period, lang, false).await
}

/// A rep's value and the team median of one gap's measure over a period, behind or not: the
/// follow-up of a coaching task. `None` when the rep has no data for it.
pub async fn measure(
    db: &Db,
    ctx: &Context,
    deals: &Deals,
    rep_id: &str,
    period: &Period,
    kind: &str,
    name: &str,
) -> Result<Option<(f64, f64)>> {
    let all = compare(db, ctx, deals, rep_id, period, Lang::En, true).await?;
    Ok(all.gaps.into_iter().find(|g| g.kind == kind && g.name == name).map(|g| (g.rep_value, g.team_median)))
}

/// The rep against the team on every measure; with `keep_all` false only where the rep is behind.
async fn compare(db: &Db, ctx: &Context, deals: &Deals, rep_id: &str, period: &Period, lang: Lang, keep_all: bool) -> Result<CoachingGaps> {
    let rep = ctx.rep(rep_id).ok_or_else(|| EngineError::UnknownRep(rep_id.to_string()))?;
    let period = &match rep.hire_date {
        Some(hired) if hired > period.start => Period::range(hired, period.end).unwrap_or(*period),
        _ => *period,
    };
    let team = ctx.team_on(rep_id, period.end).unwrap_or(&rep.team).to_string();
    let team_scope = Scope::Team(team.clone());
    let mates: Vec<String> = ctx
        .sellers_in(&team_scope, period)
        .into_iter()
        .filter(|r| r.rep_id == rep_id || r.hire_date.is_none_or(|hired| hired <= period.start))
        .map(|r| r.rep_id.clone())
        .collect();
    let records = db.training_records().await?;
    let order = &deals.order;
    // One pass over the deals: each teammate's own.
    let mut by_rep: std::collections::HashMap<&str, Vec<DealPath>> = std::collections::HashMap::new();
    for path in deals.paths.iter() {
        by_rep.entry(path.rep_id.as_str()).or_default().push(path.clone());
    }
    let funnel_of = |who: &str| -> Vec<FunnelStage> {
        pipeline::funnel(by_rep.get(who).map_or(&[][..], Vec::as_slice), order, |_, at| period.contains(at.day()))
    };
    let funnels: Vec<(String, Vec<FunnelStage>)> = mates.iter().map(|m| (m.clone(), funnel_of(m))).collect();
    let mine = funnel_of(rep_id);
    let mut gaps = Vec::new();
    let deal_courses = courses_for(&records, &["win_rate", "conversion_rate", "won_deals", "revenue"]);
    for (i, stage) in mine.iter().enumerate() {
        if stage.entered < MIN_ENTRIES {
            continue;
        }
        let eligible = || funnels.iter().filter_map(|(_, f)| f.get(i)).filter(|s| s.entered >= MIN_ENTRIES);
        let conversions: Vec<f64> = eligible().filter_map(|s| s.conversion).collect();
        if let (Some(own), Some((middle, top))) = (stage.conversion, spread(&conversions, Direction::HigherIsBetter))
            && (keep_all || own < middle)
        {
            gaps.push(Gap {
                kind: "stage_conversion".into(),
                name: stage.stage.clone(),
                label: stage.stage.clone(),
                rep_value: round(own),
                team_median: round(middle),
                top_quartile: round(top),
                impact: round((middle - own) / 100.0 * stage.entered as f64),
                impact_unit: "deals".into(),
                courses: deal_courses.clone(),
            });
        }
        let durations: Vec<f64> = eligible().filter_map(|s| s.median_days).collect();
        if let (Some(own), Some((middle, top))) = (stage.median_days, spread(&durations, Direction::LowerIsBetter))
            && (keep_all || own > middle)
        {
            gaps.push(Gap {
                kind: "time_in_stage".into(),
                name: stage.stage.clone(),
                label: stage.stage.clone(),
                rep_value: round(own),
                team_median: round(middle),
                top_quartile: round(top),
                impact: round((own - middle) * stage.entered as f64),
                impact_unit: "deal_days".into(),
                courses: deal_courses.clone(),
            });
        }
    }
    let kpis: Vec<_> = COMPARED_KPIS.iter().filter_map(|id| ctx.kpi(id).ok()).collect();
    let data = PeriodData::load(db, ctx, *period, &Needs::of(kpis.iter().copied()), Detail::PerRep).await?;
    for kpi in kpis {
        let value_of =
            |who: &str| data.rep_has_data(who).then(|| data.quantities(ctx, &Scope::Rep(who.to_string())).evaluate(kpi)).flatten();
        let values: Vec<f64> = mates.iter().filter_map(|m| value_of(m)).collect();
        let (Some(own), Some((middle, top))) = (value_of(rep_id), spread(&values, kpi.direction)) else { continue };
        let behind = match kpi.direction {
            Direction::HigherIsBetter => own < middle,
            Direction::LowerIsBetter => own > middle,
        };
        if (keep_all || behind) && middle.abs() > f64::EPSILON {
            gaps.push(Gap {
                kind: "kpi".into(),
                name: kpi.id.clone(),
                label: kpi.name(lang).to_string(),
                rep_value: round(own),
                team_median: round(middle),
                top_quartile: round(top),
                impact: round((own - middle).abs() / middle.abs() * 100.0),
                impact_unit: "percent".into(),
                courses: courses_for(&records, &[kpi.id.as_str()]),
            });
        }
    }
    let kind_rank = |g: &Gap| ["stage_conversion", "time_in_stage", "kpi"].iter().position(|k| *k == g.kind).unwrap_or(3);
    gaps.sort_by(|a, b| kind_rank(a).cmp(&kind_rank(b)).then(b.impact.total_cmp(&a.impact)));
    Ok(CoachingGaps { rep_id: rep_id.to_string(), name: rep.name.clone(), team, period: period.label(), team_size: mates.len(), gaps })
}

/// The gaps as a sheet, for the terminal and the downloads.
pub fn gaps_sheet(gaps: &CoachingGaps, lang: Lang) -> salescope_core::sheet::Sheet {
    use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
    let ids: [(&'static str, CellKind); 8] = [
        ("kind", CellKind::Text),
        ("label", CellKind::Text),
        ("rep_value", CellKind::Number),
        ("team_median", CellKind::Number),
        ("top_quartile", CellKind::Number),
        ("impact", CellKind::Number),
        ("impact_unit", CellKind::Text),
        ("courses", CellKind::Text),
    ];
    let rows = gaps
        .gaps
        .iter()
        .map(|g| SheetRow {
            scope: format!("rep:{}", gaps.rep_id),
            period: gaps.period.clone(),
            cells: vec![
                Cell::text(lang.tr(&format!("coaching.kind.{}", g.kind))),
                Cell::text(g.label.clone()),
                Cell::Number(g.rep_value),
                Cell::Number(g.team_median),
                Cell::Number(g.top_quartile),
                Cell::Number(g.impact),
                Cell::text(lang.tr(&format!("coaching.unit.{}", g.impact_unit))),
                Cell::text(g.courses.iter().map(|c| c.title.clone()).collect::<Vec<_>>().join("、")),
            ],
        })
        .collect();
    Sheet {
        id: "coaching_gaps",
        title: lang.format("sheet.coaching_gaps.title", &[("name", &gaps.name), ("team", &gaps.team), ("period", &gaps.period)]),
        scope: format!("rep:{}", gaps.rep_id),
        period: gaps.period.clone(),
        columns: ids
            .iter()
            .map(|(id, kind)| SheetColumn {
                id,
                heading: lang.tr(&format!("sheet.coaching_gaps.{id}")).to_string(),
                kind: *kind,
                editable: false,
            })
            .collect(),
        rows,
    }
}
