//! Setting and splitting targets (目标拆解), and the daily tracking of reps whose pace falls
//! short (升级为每日跟踪).

use crate::context::{Context, own_part};
use crate::data::{Detail, Needs, PeriodData};
use crate::kpis::{attainment, pace};
use crate::{EngineError, Result};
use salescope_core::fxhash::FxHashMap;
use salescope_core::kpi::{Direction, KpiDef};
use salescope_core::period::{Period, PeriodKind};
use salescope_core::scope::Scope;
use salescope_core::settings::TrackingRule;
use salescope_core::targets::{Share, split_among, split_over_time};
use salescope_core::time::Day;
use salescope_store::{Db, RepInfo, TargetRow, TrackingRow};
use serde::Serialize;

/// Sets the target of a KPI for a scope and period.
pub async fn set(db: &Db, ctx: &Context, kpi: &str, scope: &Scope, period: &Period, value: f64) -> Result<TargetRow> {
    let def = ctx.kpi(kpi)?;
    ctx.check_scope(scope)?;
    if !value.is_finite() {
        return Err(EngineError::invalid("error.target_not_number", &[]));
    }
    let row = TargetRow { kpi: def.id.clone(), scope: scope.label(), period: period.label(), value };
    db.set_targets(std::slice::from_ref(&row)).await?;
    Ok(row)
}

/// What a target is split into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitInto {
    /// The reps who sell in the scope during the period.
    Reps,
    /// The sub-teams of a team, or the top-level teams of the organisation.
    Teams,
    /// Shorter periods: quarters, months, weeks or working days.
    Periods(PeriodKind),
}

/// How a split shares a target among reps or teams.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareBy {
    Even,
    Weights(Vec<(String, f64)>),
    /// In proportion to the KPI in the last complete period before, with a floor for members
    /// who have no value there (see [`salescope_core::targets::split_among`]).
    LastPeriod,
}

/// The most recent period of the same kind before `period` that has ended by `today`: the one
/// before, unless it is still in progress.
pub fn last_complete(period: &Period, today: Day) -> Period {
    let mut base = period.previous();
    while base.end >= today {
        base = base.previous();
    }
    base
}

/// The share (0–1) of a period's working days a rep can sell: from their hire date on.
fn available_share(ctx: &Context, rep: &RepInfo, period: &Period) -> f64 {
    let all = ctx.calendar.working_days(period.start, period.end);
    if all == 0 {
        return 1.0;
    }
    if rep.hire_date.is_some_and(|hired| hired > period.end) {
        return 0.0;
    }
    let own = own_part(rep, period);
    ctx.calendar.working_days(own.start, own.end) as f64 / all as f64
}

/// Values of KPIs per scope for one period, read once.
pub(crate) async fn values_of(db: &Db, ctx: &Context, kpis: &[&KpiDef], scopes: &[Scope], period: Period) -> Result<Vec<Vec<Option<f64>>>> {
    let data = PeriodData::load(db, ctx, period, &Needs::of(kpis.iter().copied()), Detail::PerRep).await?;
    Ok(scopes
        .iter()
        .map(|scope| {
            let q = data.quantities(ctx, scope);
            kpis.iter().map(|k| q.evaluate(k)).collect()
        })
        .collect())
}

/// Splits the target of a KPI for a scope and period, stores the parts and returns them.
/// `today` decides which period before is complete, for a split by last period; reps hired
/// after the period are not among its members.
#[allow(clippy::too_many_arguments)]
pub async fn split(
    db: &Db,
    ctx: &Context,
    kpi: &str,
    scope: &Scope,
    period: &Period,
    into: SplitInto,
    share: &ShareBy,
    today: Day,
) -> Result<Vec<TargetRow>> {
    let def = ctx.kpi(kpi)?;
    ctx.check_scope(scope)?;
    let total = ctx
        .target(def, scope, period)
        .ok_or_else(|| EngineError::invalid("error.no_target", &[("kpi", &def.id), ("scope", scope), ("period", period)]))?;
    let rows: Vec<TargetRow> = match into {
        SplitInto::Periods(kind) => split_over_time(total, period, kind, &ctx.calendar, def.is_additive())
            .into_iter()
            .map(|(p, value)| TargetRow { kpi: def.id.clone(), scope: scope.label(), period: p.label(), value })
            .collect(),
        SplitInto::Reps | SplitInto::Teams => {
            let members: Vec<Scope> = match (into, scope) {
                (SplitInto::Reps, Scope::Rep(_)) => return Err(EngineError::invalid("error.rep_target_split", &[])),
                (SplitInto::Reps, _) => ctx
                    .sellers_in(scope, period)
                    .into_iter()
                    .filter(|r| r.hire_date.is_none_or(|h| h <= period.end))
                    .map(|r| Scope::Rep(r.rep_id.clone()))
                    .collect(),
                (SplitInto::Teams, Scope::Org) => ctx.tree.roots().into_iter().map(Scope::Team).collect(),
                (SplitInto::Teams, Scope::Team(team)) => ctx.tree.children(team).into_iter().map(Scope::Team).collect(),
                (SplitInto::Teams, Scope::Rep(_)) => return Err(EngineError::invalid("error.rep_target_split", &[])),
                (SplitInto::Periods(_), _) => Vec::new(),
            };
            if members.is_empty() {
                return Err(EngineError::invalid("error.nobody_to_split", &[("scope", scope), ("period", period)]));
            }
            let labels: Vec<String> = members.iter().map(Scope::label).collect();
            let share = match share {
                ShareBy::Even => Share::Even,
                ShareBy::Weights(weights) => {
                    // Weights may name reps or teams plainly (R001) or as scopes (rep:R001).
                    let by_label = weights
                        .iter()
                        .map(|(name, w)| {
                            let label = labels.iter().find(|l| *l == name || l.split_once(':').is_some_and(|(_, n)| n == name)).cloned();
                            label
                                .map(|l| (l, *w))
                                .ok_or_else(|| EngineError::invalid("error.not_among", &[("name", name), ("choices", &labels.join(", "))]))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Share::Weights(by_label)
                }
                ShareBy::LastPeriod => {
                    let base = last_complete(period, today);
                    let values = values_of(db, ctx, &[def], &members, base).await?;
                    // A rep hired after the base period began has no whole history there.
                    let rep_of = |member: &Scope| match member {
                        Scope::Rep(id) => ctx.rep(id),
                        _ => None,
                    };
                    let last = members
                        .iter()
                        .zip(&labels)
                        .zip(values)
                        .filter(|((member, _), _)| rep_of(member).is_none_or(|r| r.hire_date.is_none_or(|h| h <= base.start)))
                        .filter_map(|((_, label), value)| value[0].map(|v| (label.clone(), v)))
                        .collect();
                    let available = members
                        .iter()
                        .zip(&labels)
                        .filter_map(|(member, label)| rep_of(member).map(|r| (label.clone(), available_share(ctx, r, period))))
                        .collect();
                    Share::LastPeriod { last, available }
                }
            };
            split_among(total, &labels, &share, def.is_additive())
                .into_iter()
                .map(|(label, value)| TargetRow { kpi: def.id.clone(), scope: label, period: period.label(), value })
                .collect()
        }
    };
    db.set_targets(&rows).await?;
    Ok(rows)
}

/// The reason code of tracking that began because projected attainment fell below the threshold.
pub const BELOW_THRESHOLD: &str = "below_threshold";

/// Why a rep is on daily tracking, in the reader's language.
pub fn tracking_reason(row: &TrackingRow, lang: salescope_core::i18n::Lang) -> String {
    match (row.reason.as_str(), row.threshold) {
        (BELOW_THRESHOLD, Some(threshold)) => lang.format(
            "tracking.below_threshold",
            &[
                ("attainment", &row.attainment.map_or_else(|| "—".to_string(), |a| format!("{a:.1}%"))),
                ("threshold", &format!("{threshold}%")),
                ("period", &row.period),
            ],
        ),
        (reason, _) => reason.to_string(),
    }
}

/// Whether a rep's tracking began, continues or ended with this update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackingChange {
    Started,
    Continues,
    Ended,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TrackingEntry {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub kpi: String,
    pub period: String,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub projected_attainment: Option<f64>,
    pub change: TrackingChange,
    pub since: String,
}

/// Puts on daily tracking every rep whose projected attainment of the rule's KPI for the period
/// containing `today` is below its threshold, and takes off those who recovered. The history is
/// kept.
///
/// A rep is judged over their own part of the period, from their hire date on (or the period's
/// start), and only once the rule's minimum of those working days has passed; until then a rep
/// on tracking stays on it and nobody new is put on. Reps without a target, and reps whose
/// target is met by anyone (a higher-is-better target of 0), are left alone. A rep with a
/// target and no activity since the minimum passed is behind at 0 %.
pub async fn update_tracking(db: &Db, ctx: &Context, today: Day, rule: &TrackingRule) -> Result<Vec<TrackingEntry>> {
    let def = ctx.kpi(&rule.kpi)?;
    let threshold = rule.threshold;
    let period = Period::containing(rule.period, today);
    let reps: Vec<_> = ctx.sellers_in(&Scope::Org, &period).into_iter().filter(|r| r.hire_date.is_none_or(|h| h <= today)).collect();
    let scopes: Vec<Scope> = reps.iter().map(|r| Scope::Rep(r.rep_id.clone())).collect();
    // Records after today do not exist for this judgement.
    let values = values_of(db, ctx, &[def], &scopes, period.through(today).unwrap_or(period)).await?;
    let open: FxHashMap<String, TrackingRow> =
        db.tracking_rows(true).await?.into_iter().filter(|t| t.kpi == def.id).map(|t| (t.rep_id.clone(), t)).collect();
    let mut entries = Vec::new();
    for ((rep, scope), value) in reps.iter().zip(&scopes).zip(values) {
        let Some(target) = ctx.target(def, scope, &period) else { continue };
        let met_by_anyone = def.direction == Direction::HigherIsBetter && target <= 0.0;
        let own = own_part(rep, &period);
        let own_days = ctx.calendar.working_days(own.start, own.end);
        if ctx.calendar.working_days(own.start, today) < rule.min_elapsed(own_days) {
            continue;
        }
        // Nothing recorded since the hire date is nothing sold: 0 of an amount or a count.
        let value = value[0].or(def.is_additive().then_some(0.0));
        let projected = pace(ctx, def, &own, today, value, Some(target))
            .and_then(|p| p.projected_attainment)
            .or_else(|| attainment(def.direction, value, Some(target)));
        // A lower-is-better value of 0 is the best there is.
        let at_best = def.direction == Direction::LowerIsBetter && value == Some(0.0);
        let behind = !met_by_anyone && !at_best && projected.is_none_or(|a| a < threshold);
        let change = match (behind, open.get(&rep.rep_id)) {
            (true, None) => {
                let row = TrackingRow {
                    id: 0,
                    rep_id: rep.rep_id.clone(),
                    kpi: def.id.clone(),
                    period: period.label(),
                    started_on: today,
                    ended_on: None,
                    attainment: projected,
                    reason: BELOW_THRESHOLD.to_string(),
                    threshold: Some(threshold),
                };
                db.start_tracking(&row).await?;
                TrackingChange::Started
            }
            (true, Some(_)) => TrackingChange::Continues,
            (false, Some(row)) => {
                db.end_tracking(row.id, today).await?;
                TrackingChange::Ended
            }
            (false, None) => continue,
        };
        let since = open.get(&rep.rep_id).map_or(today, |r| r.started_on);
        entries.push(TrackingEntry {
            rep_id: rep.rep_id.clone(),
            name: rep.name.clone(),
            team: ctx.team_on(&rep.rep_id, today).unwrap_or(&rep.team).to_string(),
            kpi: def.id.clone(),
            period: period.label(),
            value,
            target: Some(target),
            projected_attainment: projected,
            change,
            since: since.to_string(),
        });
    }
    Ok(entries)
}
