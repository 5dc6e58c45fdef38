//! The seed template's review sheets — 每日业绩跟踪表, 周业绩汇总表, 月度业绩复盘表 — filled from
//! the data. Their columns come first and in the seed's order; the cells a person writes are
//! stored as review notes (the next month's target as a target) and read back into the sheet.

use crate::context::Context;
use crate::kpis::{attainment, scope_name};
use crate::targets::{set, values_of};
use crate::{EngineError, Result};
use salescope_core::fxhash::FxHashMap;
use salescope_core::i18n::Lang;
use salescope_core::kpi::KpiDef;
use salescope_core::period::{Compare, Comparison, Period, PeriodKind, day_span};
use salescope_core::records::DailyReport;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::time::Day;
use salescope_store::{Db, RepInfo, ReviewNote};

/// The KPI the sheets' money columns (target, actual, attainment) are about.
const SHEET_KPI: &str = "revenue";

/// Key indicators a monthly review reports when the scope has no other targets to report on.
const DEFAULT_KEY_INDICATORS: [&str; 3] = ["new_customers", "avg_deal_size", "conversion_rate"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Daily,
    Weekly,
    Monthly,
}

impl SheetKind {
    pub const ALL: [SheetKind; 3] = [SheetKind::Daily, SheetKind::Weekly, SheetKind::Monthly];

    pub fn id(self) -> &'static str {
        match self {
            SheetKind::Daily => "daily",
            SheetKind::Weekly => "weekly",
            SheetKind::Monthly => "monthly",
        }
    }

    pub fn from_id(id: &str) -> Option<SheetKind> {
        SheetKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// The period one row of the sheet covers.
    pub fn row_period(self) -> PeriodKind {
        match self {
            SheetKind::Daily => PeriodKind::Day,
            SheetKind::Weekly => PeriodKind::Week,
            SheetKind::Monthly => PeriodKind::Month,
        }
    }

    /// The period a sheet opens on when none is asked for: the one in progress, except on a
    /// week's or month's first day, when the one just finished is what is reviewed (the seed's
    /// Monday meeting asks each rep about last week, not about a day-old week).
    pub fn default_period(self, today: Day) -> Period {
        let current = Period::containing(self.row_period(), today);
        if self != SheetKind::Daily && current.start == today { current.previous() } else { current }
    }

    /// The most rows' periods one sheet may span (a month of days, half a year of weeks, a
    /// year of months).
    fn max_row_periods(self) -> usize {
        match self {
            SheetKind::Daily => 31,
            SheetKind::Weekly => 27,
            SheetKind::Monthly => 12,
        }
    }

    /// The fields a person writes on this sheet.
    pub fn editable_fields(self) -> &'static [&'static str] {
        match self {
            SheetKind::Daily => &["missed_reason", "next_day_plan"],
            SheetKind::Weekly => &["main_problem", "next_week_focus"],
            SheetKind::Monthly => &["highlights", "problems", "measures", "next_month_target"],
        }
    }

    /// (column id, cell kind) in the seed's order, then Salescope's additions.
    fn columns(self) -> &'static [(&'static str, CellKind)] {
        use CellKind::{Count, Money, Percent, Text};
        match self {
            SheetKind::Daily => &[
                ("date", Text),
                ("rep", Text),
                ("new_customers", Count),
                ("followups", Count),
                ("deal_amount", Money),
                ("missed_reason", Text),
                ("next_day_plan", Text),
                ("rep_id", Text),
                ("team", Text),
                ("contract_nos", Text),
                ("followup_notes", Text),
                ("status", Text),
            ],
            SheetKind::Weekly => &[
                ("week", Text),
                ("rep", Text),
                ("target", Money),
                ("actual", Money),
                ("attainment", Percent),
                ("wow_growth", Percent),
                ("main_problem", Text),
                ("next_week_focus", Text),
                ("rep_id", Text),
                ("team", Text),
            ],
            SheetKind::Monthly => &[
                ("month", Text),
                ("rep", Text),
                ("target", Money),
                ("actual", Money),
                ("attainment", Percent),
                ("key_indicators", Text),
                ("highlights", Text),
                ("problems", Text),
                ("measures", Text),
                ("next_month_target", Money),
                ("rep_id", Text),
                ("team", Text),
            ],
        }
    }

    fn sheet_columns(self, lang: Lang) -> Vec<SheetColumn> {
        self.columns()
            .iter()
            .map(|(id, kind)| SheetColumn {
                id,
                heading: lang.tr(&format!("sheet.{}.{id}", self.id())).to_string(),
                kind: *kind,
                editable: self.editable_fields().contains(id),
            })
            .collect()
    }
}

/// One of the review sheets for a scope, over the periods of its rows that overlap `period`,
/// up to `today` for the daily sheet (days to come have nothing to show).
pub async fn review_sheet(
    db: &Db,
    ctx: &Context,
    kind: SheetKind,
    scope: &Scope,
    period: &Period,
    today: Day,
    lang: Lang,
) -> Result<Sheet> {
    ctx.check_scope(scope)?;
    let row_periods = period.covering(kind.row_period());
    if row_periods.len() > kind.max_row_periods() {
        return Err(EngineError::invalid(
            "error.sheet_too_long",
            &[("period", period), ("count", &row_periods.len()), ("max", &kind.max_row_periods())],
        ));
    }
    let (first, last) = match (row_periods.first(), row_periods.last()) {
        (Some(first), Some(last)) => (first.label(), last.label()),
        _ => (period.label(), period.label()),
    };
    let notes: FxHashMap<(String, String, String), String> =
        db.review_notes(kind.id(), &first, &last).await?.into_iter().map(|n| ((n.scope, n.period, n.field), n.value)).collect();
    let columns = kind.sheet_columns(lang);
    let rows = match kind {
        SheetKind::Daily => daily_rows(db, ctx, scope, &row_periods, today, &notes, lang).await?,
        SheetKind::Weekly | SheetKind::Monthly => {
            // A week or month in progress counts its days so far, one to come has no actual yet,
            // and the weekly growth sets the days counted against the same days of the week before.
            let rows: Vec<Comparison> = row_periods.iter().map(|p| Comparison::new(*p, today, Compare::ToDate)).collect();
            summary_rows(db, ctx, kind, scope, &rows, &notes, lang).await?
        }
    };
    Ok(Sheet {
        id: kind.id(),
        title: lang.tr(&format!("sheet.{}.title", kind.id())).to_string(),
        scope: scope.label(),
        period: period.label(),
        columns,
        rows,
    })
}

type Notes = FxHashMap<(String, String, String), String>;

fn note(notes: &Notes, scope: &str, period: &str, field: &str) -> Option<String> {
    notes.get(&(scope.to_string(), period.to_string(), field.to_string())).cloned()
}

/// The team a rep was last in during a period.
fn team_in(ctx: &Context, rep: &RepInfo, period: &Period) -> String {
    ctx.team_on(&rep.rep_id, period.end)
        .or_else(|| {
            ctx.memberships_of(&rep.rep_id)
                .iter()
                .rfind(|m| m.from.is_none_or(|f| f <= period.end) && m.to.is_none_or(|t| t > period.start))
                .map(|m| m.team.as_str())
        })
        .unwrap_or(&rep.team)
        .to_string()
}

/// A row per rep in the scope per working day (or day a report was filed), from the daily
/// reports: what each rep reported, or that nothing was filed.
async fn daily_rows(
    db: &Db,
    ctx: &Context,
    scope: &Scope,
    days: &[Period],
    today: Day,
    notes: &Notes,
    lang: Lang,
) -> Result<Vec<SheetRow>> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else { return Ok(Vec::new()) };
    let last = last.end.min(today);
    let reports: FxHashMap<(String, Day), DailyReport> =
        db.daily_reports_between(first.start, last).await?.into_iter().map(|r| ((r.rep_id.clone(), r.date), r)).collect();
    let sellers = ctx.sellers_in(scope, &Period { kind: PeriodKind::Range, start: first.start, end: last.max(first.start) });
    let mut rows = Vec::new();
    let mut day = first.start;
    while day <= last {
        let working = ctx.calendar.is_working_day(day);
        let mut reps: Vec<(String, &RepInfo)> = sellers
            .iter()
            .filter(|r| ctx.rep_in_scope_on(scope, &r.rep_id, day))
            .filter(|r| r.hire_date.is_none_or(|h| h <= day))
            .map(|r| (ctx.team_on(&r.rep_id, day).unwrap_or(&r.team).to_string(), *r))
            .collect();
        reps.sort_by(|a, b| (a.0.as_str(), a.1.rep_id.as_str()).cmp(&(b.0.as_str(), b.1.rep_id.as_str())));
        for (team, rep) in reps {
            let report = reports.get(&(rep.rep_id.clone(), day));
            if report.is_none() && !working {
                continue;
            }
            let scope_label = Scope::Rep(rep.rep_id.clone()).label();
            let period_label = day.to_string();
            let written = |field: &str, reported: Option<&Option<String>>| {
                note(notes, &scope_label, &period_label, field).or_else(|| reported.and_then(|r| r.clone())).unwrap_or_default()
            };
            let cells = vec![
                Cell::text(day.to_string()),
                Cell::text(rep.name.clone()),
                Cell::number(report.map(|r| r.new_customers as f64)),
                Cell::number(report.map(|r| r.followups as f64)),
                Cell::number(report.map(|r| r.deal_amount as f64 / 100.0)),
                Cell::text(written("missed_reason", report.map(|r| &r.missed_reason))),
                Cell::text(written("next_day_plan", report.map(|r| &r.next_day_plan))),
                Cell::text(rep.rep_id.clone()),
                Cell::text(team),
                Cell::text(report.and_then(|r| r.contract_nos.clone()).unwrap_or_default()),
                Cell::text(report.and_then(|r| r.followup_notes.clone()).unwrap_or_default()),
                Cell::text(lang.tr(if report.is_some() { "sheet.status.filed" } else { "sheet.status.missing" })),
            ];
            rows.push(SheetRow { scope: scope_label, period: period_label, cells });
        }
        day = day.plus_days(1);
    }
    Ok(rows)
}

/// The rows of one week or month: the scope's own first (unless it is a rep), then its reps.
fn row_scopes(ctx: &Context, scope: &Scope, period: &Period) -> Vec<(Scope, Option<RepInfo>)> {
    let mut scopes = Vec::new();
    if !matches!(scope, Scope::Rep(_)) {
        scopes.push((scope.clone(), None));
    }
    let mut reps: Vec<(String, &RepInfo)> = ctx.sellers_in(scope, period).into_iter().map(|r| (team_in(ctx, r, period), r)).collect();
    reps.sort_by(|a, b| (a.0.as_str(), a.1.rep_id.as_str()).cmp(&(b.0.as_str(), b.1.rep_id.as_str())));
    scopes.extend(reps.into_iter().map(|(_, r)| (Scope::Rep(r.rep_id.clone()), Some(r.clone()))));
    scopes
}

/// The week or month as its row shows it: `2024年第28周` / `2024-W28`, `2024-07`, and while it is
/// in progress the last day counted: `2024-07 (to 9 Jul)`.
fn period_cell(comparison: &Comparison, lang: Lang) -> String {
    let label = period_name(&comparison.period, lang);
    match comparison.counted.filter(|_| comparison.in_progress()) {
        Some(counted) => {
            lang.format("sheet.period_to_date", &[("period", &label), ("day", &day_span(counted.end, counted.end, false, lang))])
        }
        None => label,
    }
}

fn period_name(period: &Period, lang: Lang) -> String {
    match (period.kind, lang) {
        (PeriodKind::Week, Lang::ZhCn) => {
            let label = period.label();
            let (year, week) = label.split_once("-W").unwrap_or((&label, ""));
            format!("{year}年第{}周", week.trim_start_matches('0'))
        }
        _ => period.label(),
    }
}

/// The weekly summary's or monthly review's rows.
async fn summary_rows(
    db: &Db,
    ctx: &Context,
    kind: SheetKind,
    scope: &Scope,
    periods: &[Comparison],
    notes: &Notes,
    lang: Lang,
) -> Result<Vec<SheetRow>> {
    let revenue = ctx.kpi(SHEET_KPI)?;
    let mut rows = Vec::new();
    for comparison in periods {
        let period = &comparison.period;

        let scopes = row_scopes(ctx, scope, period);
        let scope_list: Vec<Scope> = scopes.iter().map(|(s, _)| s.clone()).collect();
        let indicators: Vec<Vec<&KpiDef>> = scope_list.iter().map(|s| key_indicators(ctx, s, period)).collect();
        let mut kpis: Vec<&KpiDef> = vec![revenue];
        for def in indicators.iter().flatten() {
            if !kpis.iter().any(|k| k.id == def.id) {
                kpis.push(def);
            }
        }
        let (now, before) = tokio::try_join!(
            async {
                match comparison.counted {
                    Some(counted) => values_of(db, ctx, &kpis, &scope_list, counted).await,
                    None => Ok(vec![vec![None; kpis.len()]; scope_list.len()]),
                }
            },
            async {
                if kind == SheetKind::Weekly {
                    values_of(db, ctx, &[revenue], &scope_list, comparison.previous).await
                } else {
                    Ok(Vec::new())
                }
            }
        )?;
        for (i, (row_scope, rep)) in scopes.iter().enumerate() {
            let value_of = |id: &str| kpis.iter().position(|k| k.id == id).and_then(|p| now[i][p]);
            let actual = now[i][0];
            let target = ctx.target(revenue, row_scope, period);
            let scope_label = row_scope.label();
            let period_label = period.label();
            let written = |field: &str| Cell::text(note(notes, &scope_label, &period_label, field).unwrap_or_default());
            let name = scope_name(ctx, row_scope, lang);
            let (rep_id, team) = match (rep, row_scope) {
                (Some(rep), _) => (rep.rep_id.clone(), team_in(ctx, rep, period)),
                (None, Scope::Team(team)) => (String::new(), ctx.tree.parent(team).unwrap_or_default().to_string()),
                (None, _) => (String::new(), String::new()),
            };
            let mut cells = vec![Cell::text(period_cell(comparison, lang)), Cell::text(name), Cell::number(target), Cell::number(actual)];
            cells.push(Cell::number(attainment(revenue.direction, actual, target)));
            if kind == SheetKind::Weekly {
                let previous = before.get(i).and_then(|v| v[0]);
                let growth = match (actual, previous) {
                    (Some(now), Some(then)) if then != 0.0 => Some((now - then) / then.abs() * 100.0),
                    _ => None,
                };
                cells.extend([Cell::number(growth), written("main_problem"), written("next_week_focus")]);
            } else {
                let next_month = Period::month_of(period.end.plus_days(1));
                let summary = indicators[i]
                    .iter()
                    .map(|def| {
                        let value = salescope_core::format::format_value(value_of(&def.id), def.unit, lang);
                        match ctx.target(def, row_scope, period) {
                            Some(t) => lang.format(
                                "sheet.key_indicator_target",
                                &[
                                    ("name", &def.name(lang)),
                                    ("value", &value),
                                    ("target", &salescope_core::format::format_value(Some(t), def.unit, lang)),
                                ],
                            ),
                            None => lang.format("sheet.key_indicator", &[("name", &def.name(lang)), ("value", &value)]),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(lang.tr("sheet.list_separator"));
                cells.extend([
                    Cell::text(summary),
                    written("highlights"),
                    written("problems"),
                    written("measures"),
                    Cell::number(ctx.target(revenue, row_scope, &next_month)),
                ]);
            }
            cells.extend([Cell::text(rep_id), Cell::text(team)]);
            rows.push(SheetRow { scope: scope_label, period: period_label, cells });
        }
    }
    Ok(rows)
}

/// The KPIs a monthly review reports on for a scope: those with a target for it (besides the
/// sheet's own), else the defaults.
fn key_indicators<'a>(ctx: &'a Context, scope: &Scope, period: &Period) -> Vec<&'a KpiDef> {
    let targeted: Vec<&KpiDef> = ctx.catalogue.iter().filter(|k| k.id != SHEET_KPI && ctx.target(k, scope, period).is_some()).collect();
    if !targeted.is_empty() {
        return targeted;
    }
    DEFAULT_KEY_INDICATORS.iter().filter_map(|id| ctx.kpi(id).ok()).collect()
}

/// Writes a cell of a sheet that a person fills in; an empty value clears it. The monthly
/// review's next-month target is stored as the revenue target of the next month.
pub async fn write_note(db: &Db, ctx: &Context, kind: SheetKind, scope: &Scope, period: &Period, field: &str, value: &str) -> Result<()> {
    if !kind.editable_fields().contains(&field) {
        return Err(EngineError::invalid(
            "error.bad_choice",
            &[("value", &field), ("field", &"field"), ("choices", &kind.editable_fields().join(", "))],
        ));
    }
    ctx.check_scope(scope)?;
    if period.kind != kind.row_period() {
        return Err(EngineError::invalid("error.sheet_period", &[("period", period), ("kind", &kind.row_period().id())]));
    }
    if field == "next_month_target" {
        let next_month = Period::month_of(period.end.plus_days(1));
        let value = value.trim();
        if value.is_empty() {
            db.delete_target(SHEET_KPI, &scope.label(), &next_month.label()).await?;
            return Ok(());
        }
        let cents = salescope_core::values::parse_amount(value).ok_or_else(|| EngineError::invalid("error.target_not_number", &[]))?;
        set(db, ctx, SHEET_KPI, scope, &next_month, cents as f64 / 100.0).await?;
        return Ok(());
    }
    let note = ReviewNote {
        sheet: kind.id().to_string(),
        scope: scope.label(),
        period: period.label(),
        field: field.to_string(),
        value: value.to_string(),
    };
    Ok(db.set_review_note(&note).await?)
}

/// The text a person wrote in a cell of a sheet, if any (the next-month target is a target, not
/// a note: the plan page edits it).
pub async fn note_value(db: &Db, kind: SheetKind, scope: &Scope, period: &Period, field: &str) -> Result<Option<String>> {
    let (scope, period) = (scope.label(), period.label());
    let notes = db.review_notes(kind.id(), &period, &period).await?;
    Ok(notes.into_iter().find(|n| n.scope == scope && n.period == period && n.field == field).map(|n| n.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_a_monday_the_weekly_review_opens_on_the_week_just_finished() {
        let day = |y, m, d| Day::from_ymd(y, m, d).expect("a day");
        let monday = day(2026, 12, 7);
        assert_eq!(SheetKind::Weekly.default_period(monday).label(), Period::week_of(day(2026, 11, 30)).label());
        assert_eq!(SheetKind::Weekly.default_period(day(2026, 12, 8)).label(), Period::week_of(monday).label(), "a Tuesday: this week");
        assert_eq!(SheetKind::Monthly.default_period(day(2026, 12, 1)).label(), "2026-11", "the first of the month: last month");
        assert_eq!(SheetKind::Monthly.default_period(day(2026, 12, 2)).label(), "2026-12");
        assert_eq!(SheetKind::Daily.default_period(monday).label(), "2026-12-07", "the daily sheet is today's");
    }

    #[test]
    fn every_sheet_has_a_title_and_headings_in_both_languages() {
        for kind in SheetKind::ALL {
            assert!(salescope_core::i18n::has_key(&format!("sheet.{}.title", kind.id())));
            for (id, _) in kind.columns() {
                assert!(salescope_core::i18n::has_key(&format!("sheet.{}.{id}", kind.id())), "{} {id}", kind.id());
            }
            for field in kind.editable_fields() {
                assert!(kind.columns().iter().any(|(id, _)| id == field), "{field} is not a column");
            }
        }
    }
}
