//! The organisation's working-day calendar: the built-in Chinese public holidays and make-up
//! working days, with the days an administrator changed. Targets split into working days, pace
//! and deadlines all count working days from this calendar.

use crate::{Context, EngineError, Result};
use salescope_core::calendar::{Special, WorkCalendar};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::time::Day;
use salescope_store::Db;
use serde::Serialize;

/// A day that is not an ordinary weekday or weekend day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub date: String,
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    /// `holiday` or `workday` (a weekend day worked to make up for a holiday, 调休).
    pub kind: String,
    /// The holiday's name; empty for a make-up working day.
    pub name: String,
    /// Whether an administrator set this day, rather than the built-in calendar.
    pub custom: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthWorkingDays {
    /// `2026-02`.
    pub month: String,
    pub working_days: i64,
}

/// A year of the calendar: its special days and the working days of each month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub working_days: i64,
    /// False when neither the built-in calendar nor an administrator gave this year any public
    /// holiday: its working days are then only "Monday to Friday".
    pub has_holidays: bool,
    pub months: Vec<MonthWorkingDays>,
    pub days: Vec<CalendarDay>,
}

/// What a day becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayChange {
    Holiday(String),
    /// A working day, whatever the weekday (a make-up working day on a weekend).
    Workday,
    /// An ordinary weekday or weekend day, overriding the built-in calendar.
    Ordinary,
    /// Whatever the built-in calendar says: the administrator's change is removed.
    BuiltIn,
}

impl DayChange {
    /// `holiday` (with a name), `workday`, `ordinary` or `builtin`.
    pub fn parse(kind: &str, name: Option<&str>) -> Result<DayChange> {
        let name = name.map(str::trim).unwrap_or_default();
        match kind.trim() {
            "holiday" if name.is_empty() => Err(EngineError::invalid("error.holiday_needs_name", &[])),
            "holiday" => Ok(DayChange::Holiday(name.to_string())),
            "workday" => Ok(DayChange::Workday),
            "ordinary" => Ok(DayChange::Ordinary),
            "builtin" => Ok(DayChange::BuiltIn),
            other => Err(EngineError::invalid(
                "error.bad_choice",
                &[("value", &other), ("field", &"kind"), ("choices", &"holiday, workday, ordinary, builtin")],
            )),
        }
    }
}

/// The longest span one change may cover: a holiday period, not a blanket over years.
const MAX_DAYS_PER_CHANGE: i32 = 31;

/// Sets every day of `days` (a day or a range of at most a month) to `change`.
pub async fn set_days(db: &Db, days: &Period, change: &DayChange) -> Result<usize> {
    let count = days.end.0 - days.start.0 + 1;
    if count > MAX_DAYS_PER_CHANGE {
        return Err(EngineError::invalid("error.calendar_span", &[("days", &count), ("max", &MAX_DAYS_PER_CHANGE)]));
    }
    for n in days.start.0..=days.end.0 {
        let day = Day(n);
        match change {
            DayChange::Holiday(name) => db.set_calendar_day(day, "holiday", name).await?,
            DayChange::Workday => db.set_calendar_day(day, "workday", "").await?,
            DayChange::Ordinary => db.set_calendar_day(day, "ordinary", "").await?,
            DayChange::BuiltIn => db.remove_calendar_day(day).await?,
        }
    }
    Ok(count as usize)
}

/// The calendar of `year` as the context (built-in plus changes) has it.
pub fn year(ctx: &Context, year: i32) -> Result<CalendarYear> {
    let whole = Period::year(year).ok_or_else(|| EngineError::invalid("error.bad_year", &[("year", &year)]))?;
    let built_in = WorkCalendar::china();
    let days: Vec<CalendarDay> = (whole.start.0..=whole.end.0)
        .map(Day)
        .filter_map(|day| {
            let special = ctx.calendar.special(day)?;
            let (kind, name) = match special {
                Special::Holiday(name) => ("holiday", name.clone()),
                Special::MakeUpWorkday => ("workday", String::new()),
            };
            Some(CalendarDay {
                date: day.to_string(),
                weekday: day.iso_weekday(),
                kind: kind.to_string(),
                name,
                custom: built_in.special(day) != Some(special),
            })
        })
        .collect();
    let months = whole
        .covering(salescope_core::period::PeriodKind::Month)
        .iter()
        .map(|m| MonthWorkingDays { month: m.label(), working_days: ctx.calendar.working_days(m.start, m.end) })
        .collect();
    Ok(CalendarYear {
        year,
        working_days: ctx.calendar.working_days(whole.start, whole.end),
        has_holidays: days.iter().any(|d| d.kind == "holiday"),
        months,
        days,
    })
}

/// The special days of a year as a sheet.
pub fn year_sheet(calendar: &CalendarYear, lang: Lang) -> Sheet {
    let column = |id: &'static str, kind: CellKind| SheetColumn {
        id,
        heading: lang.tr(&format!("sheet.calendar.{id}")).to_string(),
        kind,
        editable: false,
    };
    let rows = calendar
        .days
        .iter()
        .map(|d| SheetRow {
            scope: "org".to_string(),
            period: d.date.clone(),
            cells: vec![
                Cell::text(d.date.clone()),
                Cell::text(lang.tr(&format!("weekday.{}", d.weekday))),
                Cell::text(lang.tr(&format!("calendar.kind.{}", d.kind))),
                Cell::text(d.name.clone()),
                Cell::text(if d.custom { lang.tr("calendar.custom") } else { lang.tr("calendar.built_in") }),
            ],
        })
        .collect();
    Sheet {
        id: "calendar",
        title: lang.format("sheet.calendar.title", &[("year", &calendar.year), ("days", &calendar.working_days)]),
        scope: "org".to_string(),
        period: calendar.year.to_string(),
        columns: vec![
            column("date", CellKind::Text),
            column("weekday", CellKind::Text),
            column("kind", CellKind::Text),
            column("name", CellKind::Text),
            column("source", CellKind::Text),
        ],
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holiday_needs_a_name_and_kinds_are_named() {
        assert_eq!(DayChange::parse("holiday", Some(" 春节 ")).ok(), Some(DayChange::Holiday("春节".into())));
        assert!(DayChange::parse("holiday", Some("  ")).is_err());
        assert_eq!(DayChange::parse("workday", None).ok(), Some(DayChange::Workday));
        assert!(DayChange::parse("weekend", None).is_err());
    }
}
