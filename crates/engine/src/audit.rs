//! The data-quality audit (防止形式化录入): a reproducible random sample of daily reports for a
//! team lead to check against the records, the checks recorded, and a reconciliation of what
//! reps reported with what the calls and deals show.
//!
//! What the records show, per rep and day:
//! - new customers: customers the rep reached (a connected call) whom nobody in the
//!   organisation had reached before that day;
//! - follow-ups: connected outbound calls, less those new customers;
//! - deal amount: the amount of the rep's deals won that day.

use crate::context::Context;
use crate::{EngineError, Result};
use salescope_core::customers::{CustomerBits, Family};
use salescope_core::fxhash::FxHashMap;
use salescope_core::i18n::Lang;
use salescope_core::period::{Period, month_index};
use salescope_core::random::Rng;
use salescope_core::rollup::Measure;
use salescope_core::rules::Rule;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::time::Day;
use salescope_store::{AuditCheck, Db};
use serde::Serialize;

pub const DEFAULT_SAMPLE_PERCENT: f64 = 30.0;
pub const DEFAULT_TOLERANCE_PERCENT: f64 = 20.0;
pub const CHECK_RESULTS: [&str; 2] = ["confirmed", "discrepancy"];

/// Fixed, so that a sample can be drawn again and give the same reports.
const SAMPLE_SEED: u64 = 0x5a17_a0d1_7000_0001;

/// The longest span an audit covers: a month of days.
const MAX_AUDIT_DAYS: i32 = 31;

/// What the records show for a rep on a day, to set against the daily report.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RecordedFigures {
    pub new_customers: i64,
    pub followups: i64,
    pub deal_amount: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ReportedFigures {
    pub new_customers: i64,
    pub followups: i64,
    pub deal_amount: f64,
    pub contract_nos: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SampledReport {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub date: String,
    /// Filed by the rep after its day (rule `report_filed_late`), which a check should weigh.
    pub filed_late: bool,
    pub reported: ReportedFigures,
    pub recorded: RecordedFigures,
    /// The figures the report and the records disagree on beyond the tolerance
    /// (`new_customers`, `followups`, `deal_amount`): the reports to check first.
    pub disagreements: Vec<&'static str>,
    pub checked_by: Option<String>,
    pub result: Option<String>,
    pub note: Option<String>,
}

fn check_span(period: &Period) -> Result<()> {
    if period.days() > MAX_AUDIT_DAYS {
        return Err(EngineError::invalid("error.audit_too_long", &[("period", period), ("max", &MAX_AUDIT_DAYS)]));
    }
    Ok(())
}

/// What the records show per (rep, day) for the reps over the period.
async fn recorded_figures(db: &Db, reps: &[String], period: &Period) -> Result<FxHashMap<(String, Day), RecordedFigures>> {
    let mut figures: FxHashMap<(String, Day), RecordedFigures> = FxHashMap::default();
    for (rep, day, totals) in db.totals_by_rep_day(reps, period.start, period.end).await? {
        let entry = figures.entry((rep, day)).or_default();
        entry.followups = totals[Measure::OutboundConnected as usize];
        entry.deal_amount = totals[Measure::RevenueCents as usize] as f64 / 100.0;
    }
    // Everyone the organisation had reached before the period: whole months, then the days of
    // the period's first month before it.
    let (year, month, _) = period.start.ymd();
    let first_month = month_index(year, month) as i64;
    let months = db.org_set_months_before(Family::Contacted, first_month).await?;
    let month_start = Day::from_ymd(year, month, 1).unwrap_or(period.start);
    let ranges: Vec<(Day, Day)> = if month_start < period.start { vec![(month_start, period.start.plus_days(-1))] } else { Vec::new() };
    let mut reached: CustomerBits = db.customer_bits_of_org(Family::Contacted, &months, &ranges).await?;
    let sets = db.customer_sets_by_rep_day(Family::Contacted, reps, period.start, period.end).await?;
    let mut day = period.start;
    while day <= period.end {
        for (rep, _, keys) in sets.iter().filter(|(_, d, _)| *d == day) {
            let new = keys.iter().filter(|k| !reached.contains(**k)).count() as i64;
            let entry = figures.entry((rep.clone(), day)).or_default();
            entry.new_customers = new;
            entry.followups = (entry.followups - new).max(0);
        }
        reached.union_with(&db.customer_bits_of_org(Family::Contacted, &[], &[(day, day)]).await?);
        day = day.plus_days(1);
    }
    Ok(figures)
}

fn team_on(ctx: &Context, rep_id: &str, day: Day) -> String {
    ctx.team_on(rep_id, day).map(str::to_string).or_else(|| ctx.rep(rep_id).map(|r| r.team.clone())).unwrap_or_default()
}

/// A reproducible sample of `percent` % of the daily reports filed in the scope over the
/// period (a week, usually): the same scope, period and share always draw the same reports.
pub async fn sample(db: &Db, ctx: &Context, scope: &Scope, period: &Period, percent: f64) -> Result<Vec<SampledReport>> {
    ctx.check_scope(scope)?;
    check_span(period)?;
    if !(percent > 0.0 && percent <= 100.0) {
        return Err(EngineError::invalid("error.bad_percent", &[("value", &percent)]));
    }
    let mut reports: Vec<_> = db
        .daily_reports_between(period.start, period.end)
        .await?
        .into_iter()
        .filter(|r| ctx.rep_in_scope_on(scope, &r.rep_id, r.date))
        .collect();
    let seed = Rng::new(SAMPLE_SEED).derive(&format!("{scope}|{period}"));
    reports.sort_by_cached_key(|r| (seed.derive(&format!("{}|{}", r.rep_id, r.date)).next_u64(), r.rep_id.clone(), r.date));
    let take = ((reports.len() as f64) * percent / 100.0).ceil() as usize;
    reports.truncate(take);
    reports.sort_by(|a, b| (a.date, &a.rep_id).cmp(&(b.date, &b.rep_id)));
    let mut reps: Vec<String> = reports.iter().map(|r| r.rep_id.clone()).collect();
    reps.sort();
    reps.dedup();
    let recorded = recorded_figures(db, &reps, period).await?;
    let checks: FxHashMap<(String, Day), AuditCheck> =
        db.audit_checks_between(period.start, period.end).await?.into_iter().map(|c| ((c.rep_id.clone(), c.day), c)).collect();
    let mut sampled: Vec<SampledReport> = reports
        .into_iter()
        .map(|r| {
            let check = checks.get(&(r.rep_id.clone(), r.date));
            let recorded: RecordedFigures = recorded.get(&(r.rep_id.clone(), r.date)).copied().unwrap_or_default();
            let figures = [
                ("new_customers", r.new_customers as f64, recorded.new_customers as f64),
                ("followups", r.followups as f64, recorded.followups as f64),
                ("deal_amount", r.deal_amount as f64 / 100.0, recorded.deal_amount),
            ];
            SampledReport {
                disagreements: figures
                    .iter()
                    .filter(|(_, reported, recorded)| MeasureCheck::new(*reported, *recorded, DEFAULT_TOLERANCE_PERCENT).flagged)
                    .map(|(id, _, _)| *id)
                    .collect(),
                name: ctx.rep(&r.rep_id).map(|rep| rep.name.clone()).unwrap_or_default(),
                team: team_on(ctx, &r.rep_id, r.date),
                date: r.date.to_string(),
                filed_late: r.flags.split(',').any(|f| f == Rule::ReportFiledLate.id()),
                reported: ReportedFigures {
                    new_customers: r.new_customers,
                    followups: r.followups,
                    deal_amount: r.deal_amount as f64 / 100.0,
                    contract_nos: r.contract_nos.clone(),
                },
                recorded,
                checked_by: check.map(|c| c.checked_by.clone()),
                result: check.map(|c| c.result.clone()),
                note: check.map(|c| c.note.clone()),
                rep_id: r.rep_id,
            }
        })
        .collect();
    // The reports that disagree with the records come first, then by day and rep.
    sampled.sort_by_key(|s| s.disagreements.is_empty());
    Ok(sampled)
}

/// Records a team lead's check of a rep's daily report.
pub async fn record_check(db: &Db, ctx: &Context, rep_id: &str, day: Day, result: &str, checked_by: &str, note: &str) -> Result<()> {
    ctx.check_scope(&Scope::Rep(rep_id.to_string()))?;
    if !CHECK_RESULTS.contains(&result) {
        return Err(EngineError::invalid(
            "error.bad_choice",
            &[("value", &result), ("field", &"result"), ("choices", &CHECK_RESULTS.join(", "))],
        ));
    }
    if checked_by.trim().is_empty() {
        return Err(EngineError::invalid("error.required", &[("field", &"checked_by")]));
    }
    if !db.daily_reports_between(day, day).await?.iter().any(|r| r.rep_id == rep_id) {
        return Err(EngineError::not_found("error.no_daily_report", &[("rep", &rep_id), ("date", &day)]));
    }
    let check = AuditCheck {
        rep_id: rep_id.to_string(),
        day,
        checked_by: checked_by.trim().to_string(),
        result: result.to_string(),
        note: note.trim().to_string(),
    };
    Ok(db.record_audit_check(&check).await?)
}

/// One measure, reported against recorded.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MeasureCheck {
    pub reported: f64,
    pub recorded: f64,
    /// (reported − recorded) ÷ recorded, in %; `None` when nothing was recorded.
    pub difference_pct: Option<f64>,
    pub flagged: bool,
}

impl MeasureCheck {
    /// Flagged when the difference exceeds both the tolerance (% of the recorded figure) and
    /// one unit (a customer, a follow-up, ¥1), so that 2 against 3 is not a finding.
    fn new(reported: f64, recorded: f64, tolerance_pct: f64) -> MeasureCheck {
        let difference = reported - recorded;
        let allowed = (tolerance_pct / 100.0 * recorded.abs()).max(1.0);
        MeasureCheck {
            reported,
            recorded,
            difference_pct: (recorded != 0.0).then(|| difference / recorded.abs() * 100.0),
            flagged: difference.abs() > allowed + 1e-9,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Reconciliation {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    /// Days with a daily report: the figures compared are those days' sums.
    pub days_reported: usize,
    pub new_customers: MeasureCheck,
    pub followups: MeasureCheck,
    pub deal_amount: MeasureCheck,
    pub flagged: bool,
}

/// Sets each rep's reported figures over the period against the records of the same days.
pub async fn reconcile(db: &Db, ctx: &Context, scope: &Scope, period: &Period, tolerance_pct: f64) -> Result<Vec<Reconciliation>> {
    ctx.check_scope(scope)?;
    check_span(period)?;
    if !(tolerance_pct >= 0.0 && tolerance_pct.is_finite()) {
        return Err(EngineError::invalid("error.bad_percent", &[("value", &tolerance_pct)]));
    }
    let reports: Vec<_> = db
        .daily_reports_between(period.start, period.end)
        .await?
        .into_iter()
        .filter(|r| ctx.rep_in_scope_on(scope, &r.rep_id, r.date))
        .collect();
    let mut reps: Vec<String> = reports.iter().map(|r| r.rep_id.clone()).collect();
    reps.sort();
    reps.dedup();
    let recorded = recorded_figures(db, &reps, period).await?;
    let mut out = Vec::new();
    for rep in reps {
        let mine: Vec<_> = reports.iter().filter(|r| r.rep_id == rep).collect();
        let (mut reported, mut system) = ([0.0; 3], [0.0; 3]);
        for r in &mine {
            let s = recorded.get(&(rep.clone(), r.date)).copied().unwrap_or_default();
            reported[0] += r.new_customers as f64;
            reported[1] += r.followups as f64;
            reported[2] += r.deal_amount as f64 / 100.0;
            system[0] += s.new_customers as f64;
            system[1] += s.followups as f64;
            system[2] += s.deal_amount;
        }
        let checks: Vec<MeasureCheck> = (0..3).map(|i| MeasureCheck::new(reported[i], system[i], tolerance_pct)).collect();
        let last_day = mine.last().map_or(period.end, |r| r.date);
        out.push(Reconciliation {
            name: ctx.rep(&rep).map(|r| r.name.clone()).unwrap_or_default(),
            team: team_on(ctx, &rep, last_day),
            days_reported: mine.len(),
            new_customers: checks[0],
            followups: checks[1],
            deal_amount: checks[2],
            flagged: checks.iter().any(|c| c.flagged),
            rep_id: rep,
        });
    }
    Ok(out)
}

/// A sheet's columns, headed by the catalogue's `sheet.{sheet}.{id}` texts.
pub(crate) fn columns(sheet: &str, ids: &[(&'static str, CellKind)], lang: Lang) -> Vec<SheetColumn> {
    ids.iter()
        .map(|(id, kind)| SheetColumn { id, heading: lang.tr(&format!("sheet.{sheet}.{id}")).to_string(), kind: *kind, editable: false })
        .collect()
}

/// The sample as a checklist for the team lead.
pub fn sample_sheet(sample: &[SampledReport], scope: &Scope, period: &Period, lang: Lang) -> Sheet {
    use CellKind::{Count, Money, Text};
    let columns = columns(
        "audit_sample",
        &[
            ("date", Text),
            ("rep", Text),
            ("team", Text),
            ("reported_new_customers", Count),
            ("recorded_new_customers", Count),
            ("reported_followups", Count),
            ("recorded_followups", Count),
            ("reported_deal_amount", Money),
            ("recorded_deal_amount", Money),
            ("contract_nos", Text),
            ("filed_late", Text),
            ("result", Text),
            ("checked_by", Text),
            ("note", Text),
        ],
        lang,
    );
    let rows = sample
        .iter()
        .map(|s| SheetRow {
            scope: Scope::Rep(s.rep_id.clone()).label(),
            period: s.date.clone(),
            cells: vec![
                Cell::text(s.date.clone()),
                Cell::text(format!("{} {}", s.rep_id, s.name)),
                Cell::text(s.team.clone()),
                Cell::Number(s.reported.new_customers as f64),
                Cell::Number(s.recorded.new_customers as f64),
                Cell::Number(s.reported.followups as f64),
                Cell::Number(s.recorded.followups as f64),
                Cell::Number(s.reported.deal_amount),
                Cell::Number(s.recorded.deal_amount),
                Cell::text(s.reported.contract_nos.clone().unwrap_or_default()),
                Cell::text(if s.filed_late { lang.tr("audit.filed_late") } else { "" }),
                Cell::text(
                    s.result
                        .as_deref()
                        .map_or_else(|| lang.tr("audit.unchecked").to_string(), |r| lang.tr(&format!("audit.result.{r}")).to_string()),
                ),
                Cell::text(s.checked_by.clone().unwrap_or_default()),
                Cell::text(s.note.clone().unwrap_or_default()),
            ],
        })
        .collect();
    Sheet {
        id: "audit_sample",
        title: lang.tr("sheet.audit_sample.title").to_string(),
        scope: scope.label(),
        period: period.label(),
        columns,
        rows,
    }
}

/// The reconciliation, one row per rep, flagged reps first.
pub fn reconcile_sheet(rows: &[Reconciliation], scope: &Scope, period: &Period, lang: Lang) -> Sheet {
    use CellKind::{Count, Money, Percent, Text};
    let columns = columns(
        "reconcile",
        &[
            ("rep", Text),
            ("team", Text),
            ("days_reported", Count),
            ("reported_new_customers", Count),
            ("recorded_new_customers", Count),
            ("new_customers_difference", Percent),
            ("reported_followups", Count),
            ("recorded_followups", Count),
            ("followups_difference", Percent),
            ("reported_deal_amount", Money),
            ("recorded_deal_amount", Money),
            ("deal_amount_difference", Percent),
            ("flagged", Text),
        ],
        lang,
    );
    let mut ordered: Vec<&Reconciliation> = rows.iter().collect();
    ordered.sort_by_key(|r| (!r.flagged, r.team.clone(), r.rep_id.clone()));
    let rows = ordered
        .into_iter()
        .map(|r| {
            let flags: Vec<&str> = [
                ("audit.flag.new_customers", r.new_customers),
                ("audit.flag.followups", r.followups),
                ("audit.flag.deal_amount", r.deal_amount),
            ]
            .into_iter()
            .filter(|(_, c)| c.flagged)
            .map(|(key, _)| lang.tr(key))
            .collect();
            let mut cells =
                vec![Cell::text(format!("{} {}", r.rep_id, r.name)), Cell::text(r.team.clone()), Cell::Number(r.days_reported as f64)];
            for c in [r.new_customers, r.followups, r.deal_amount] {
                cells.extend([Cell::Number(c.reported), Cell::Number(c.recorded), Cell::number(c.difference_pct)]);
            }
            cells.push(Cell::text(flags.join(lang.tr("sheet.list_separator"))));
            SheetRow { scope: Scope::Rep(r.rep_id.clone()).label(), period: period.label(), cells }
        })
        .collect();
    Sheet {
        id: "reconcile",
        title: lang.tr("sheet.reconcile.title").to_string(),
        scope: scope.label(),
        period: period.label(),
        columns,
        rows,
    }
}
