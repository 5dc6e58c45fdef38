//! Reporting periods: a day, an ISO week, a month, a quarter, a year, or a range of days — with
//! the period before (环比) and the same period a year earlier (同比).

use crate::i18n::Lang;
use crate::time::{Day, days_in_month};
use chrono::Datelike;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Range,
}

impl PeriodKind {
    pub fn id(self) -> &'static str {
        match self {
            PeriodKind::Day => "day",
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
            PeriodKind::Range => "range",
        }
    }
}

/// A span of whole days, `start..=end`, of some kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: Day,
    pub end: Day,
}

/// Bucket size of a trend series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Granularity {
    pub fn parse(text: &str) -> Option<Granularity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "日" => Some(Granularity::Day),
            "week" | "weekly" | "周" => Some(Granularity::Week),
            "month" | "monthly" | "月" => Some(Granularity::Month),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError(pub String);

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a period (use 2024-07-08, 2024-W28, 2024-07, 2024-Q3, 2024 or 2024-07-01..2024-07-15)", self.0)
    }
}

impl std::error::Error for PeriodError {}

fn ymd(y: i32, m: u32, d: u32) -> Option<Day> {
    Day::from_ymd(y, m, d)
}

/// Monday of ISO week `week` of ISO year `year`.
fn iso_week_start(year: i32, week: u32) -> Option<Day> {
    chrono::NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon).map(Day::from_naive)
}

fn iso_weeks_in_year(year: i32) -> u32 {
    // 28 December always lies in the last ISO week of its year.
    chrono::NaiveDate::from_ymd_opt(year, 12, 28).map_or(52, |d| d.iso_week().week())
}

impl Period {
    pub fn day(day: Day) -> Period {
        Period { kind: PeriodKind::Day, start: day, end: day }
    }

    pub fn week_of(day: Day) -> Period {
        let start = day.plus_days(-(day.iso_weekday() as i32 - 1));
        Period { kind: PeriodKind::Week, start, end: start.plus_days(6) }
    }

    pub fn month(year: i32, month: u32) -> Option<Period> {
        Some(Period { kind: PeriodKind::Month, start: ymd(year, month, 1)?, end: ymd(year, month, days_in_month(year, month))? })
    }

    pub fn month_of(day: Day) -> Period {
        let (y, m, _) = day.ymd();
        Period::month(y, m).unwrap_or(Period::day(day))
    }

    pub fn quarter(year: i32, quarter: u32) -> Option<Period> {
        if !(1..=4).contains(&quarter) {
            return None;
        }
        let first = (quarter - 1) * 3 + 1;
        let last = first + 2;
        Some(Period { kind: PeriodKind::Quarter, start: ymd(year, first, 1)?, end: ymd(year, last, days_in_month(year, last))? })
    }

    pub fn quarter_of(day: Day) -> Period {
        let (y, m, _) = day.ymd();
        Period::quarter(y, (m - 1) / 3 + 1).unwrap_or(Period::day(day))
    }

    pub fn year(year: i32) -> Option<Period> {
        Some(Period { kind: PeriodKind::Year, start: ymd(year, 1, 1)?, end: ymd(year, 12, 31)? })
    }

    pub fn year_of(day: Day) -> Period {
        Period::year(day.ymd().0).unwrap_or(Period::day(day))
    }

    pub fn range(start: Day, end: Day) -> Option<Period> {
        (start <= end).then_some(Period { kind: PeriodKind::Range, start, end })
    }

    /// The period of `kind` that contains `day` (a range kind gives the day itself).
    pub fn containing(kind: PeriodKind, day: Day) -> Period {
        match kind {
            PeriodKind::Day | PeriodKind::Range => Period::day(day),
            PeriodKind::Week => Period::week_of(day),
            PeriodKind::Month => Period::month_of(day),
            PeriodKind::Quarter => Period::quarter_of(day),
            PeriodKind::Year => Period::year_of(day),
        }
    }

    /// The whole periods of `kind` that overlap this one, in order (ISO weeks may reach past
    /// its ends).
    pub fn covering(&self, kind: PeriodKind) -> Vec<Period> {
        let mut periods = Vec::new();
        let mut day = self.start;
        while day <= self.end {
            let period = Period::containing(kind, day);
            day = period.end.plus_days(1);
            periods.push(period);
        }
        periods
    }

    /// Reads `2024-07-08`, `2024-W28`, `2024-07`, `2024-Q3`, `2024`, `2024-07-01..2024-07-15`.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let t = text.trim();
        let error = || PeriodError(t.to_string());
        if let Some((a, b)) = t.split_once("..") {
            let zone = crate::time::OrgZone::default();
            let start = crate::time::parse_date(a, &zone).ok_or_else(error)?;
            let end = crate::time::parse_date(b, &zone).ok_or_else(error)?;
            return Period::range(start, end).ok_or_else(error);
        }
        let number =
            |s: &str| -> Option<u32> { (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten() };
        if t.len() == 4 {
            return number(t).and_then(|y| Period::year(y as i32)).ok_or_else(error);
        }
        let (year, rest) = t.split_at_checked(4).ok_or_else(error)?;
        let year = number(year).ok_or_else(error)? as i32;
        let rest = rest.strip_prefix('-').ok_or_else(error)?;
        if let Some(w) = rest.strip_prefix('W').or_else(|| rest.strip_prefix('w')) {
            let week = number(w).ok_or_else(error)?;
            if week == 0 || week > iso_weeks_in_year(year) || w.len() != 2 {
                return Err(error());
            }
            let start = iso_week_start(year, week).ok_or_else(error)?;
            return Ok(Period { kind: PeriodKind::Week, start, end: start.plus_days(6) });
        }
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            return Period::quarter(year, number(q).ok_or_else(error)?).ok_or_else(error);
        }
        if rest.len() == 2 {
            return Period::month(year, number(rest).ok_or_else(error)?).ok_or_else(error);
        }
        let day = crate::time::parse_date(t, &Default::default()).ok_or_else(error)?;
        Ok(Period::day(day))
    }

    pub fn days(&self) -> i32 {
        self.end.0 - self.start.0 + 1
    }

    pub fn contains(&self, day: Day) -> bool {
        self.start <= day && day <= self.end
    }

    /// The days of this period up to and including `day`: all of it once it has ended, its part
    /// so far (a range) while it runs, none before it begins.
    pub fn through(&self, day: Day) -> Option<Period> {
        match day {
            _ if day >= self.end => Some(*self),
            _ if day < self.start => None,
            _ => Some(Period { kind: PeriodKind::Range, start: self.start, end: day }),
        }
    }

    /// The period just before (环比): the previous day, week, month, quarter or year, or a range
    /// of the same length ending the day before.
    pub fn previous(&self) -> Period {
        match self.kind {
            PeriodKind::Day => Period::day(self.start.plus_days(-1)),
            PeriodKind::Week => Period::week_of(self.start.plus_days(-7)),
            PeriodKind::Month => Period::month_of(self.start.plus_days(-1)),
            PeriodKind::Quarter => Period::quarter_of(self.start.plus_days(-1)),
            PeriodKind::Year => Period::year_of(self.start.plus_days(-1)),
            PeriodKind::Range => {
                Period { kind: PeriodKind::Range, start: self.start.plus_days(-self.days()), end: self.start.plus_days(-1) }
            }
        }
    }

    /// The same period a year earlier (同比): the same date (28 February for a 29th), ISO week
    /// number, month, quarter or year; a range shifted by a year.
    pub fn same_last_year(&self) -> Period {
        let shift = |d: Day| {
            let (y, m, day) = d.ymd();
            Day::from_ymd(y - 1, m, day.min(days_in_month(y - 1, m))).unwrap_or(d)
        };
        match self.kind {
            PeriodKind::Day => Period::day(shift(self.start)),
            PeriodKind::Week => {
                let iso = self.start.to_naive().iso_week();
                let year = iso.year() - 1;
                let week = iso.week().min(iso_weeks_in_year(year));
                let start = iso_week_start(year, week).unwrap_or(self.start.plus_days(-364));
                Period { kind: PeriodKind::Week, start, end: start.plus_days(6) }
            }
            PeriodKind::Month => Period::month_of(shift(self.start)),
            PeriodKind::Quarter => Period::quarter_of(shift(self.start)),
            PeriodKind::Year => Period::year_of(shift(self.start)),
            PeriodKind::Range => Period { kind: PeriodKind::Range, start: shift(self.start), end: shift(self.end) },
        }
    }

    /// The buckets of a trend series over this period, each clipped to it.
    pub fn buckets(&self, by: Granularity) -> Vec<Period> {
        let mut out = Vec::new();
        let mut day = self.start;
        while day <= self.end {
            let bucket = match by {
                Granularity::Day => Period::day(day),
                Granularity::Week => Period::week_of(day),
                Granularity::Month => Period::month_of(day),
            };
            let clipped = if bucket.start < self.start || bucket.end > self.end {
                Period { kind: PeriodKind::Range, start: bucket.start.max(self.start), end: bucket.end.min(self.end) }
            } else {
                bucket
            };
            out.push(clipped);
            day = bucket.end.plus_days(1);
        }
        out
    }

    /// The whole months inside this period, as (year, month), and the days outside them.
    pub fn split_months(&self) -> (Vec<(i32, u32)>, Vec<Period>) {
        let mut months = Vec::new();
        let mut partial = Vec::new();
        for bucket in self.buckets(Granularity::Month) {
            if bucket.kind == PeriodKind::Month {
                let (y, m, _) = bucket.start.ymd();
                months.push((y, m));
            } else {
                partial.push(bucket);
            }
        }
        (months, partial)
    }

    /// The canonical text of the period, as [`Period::parse`] reads it.
    pub fn label(&self) -> String {
        let (y, m, _) = self.start.ymd();
        match self.kind {
            PeriodKind::Day => self.start.to_string(),
            PeriodKind::Week => {
                let iso = self.start.to_naive().iso_week();
                format!("{:04}-W{:02}", iso.year(), iso.week())
            }
            PeriodKind::Month => format!("{y:04}-{m:02}"),
            PeriodKind::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            PeriodKind::Year => format!("{y:04}"),
            PeriodKind::Range => format!("{}..{}", self.start, self.end),
        }
    }
}

/// What the value of a period in progress is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compare {
    /// Its days up to today against the same days of the period before and of last year's: "1–9
    /// Apr vs 1–9 Mar". The default, so that a month opened on the 7th is not set against a
    /// whole month.
    #[default]
    ToDate,
    /// Its days up to today against the whole period before and last year's whole period.
    Whole,
}

impl Compare {
    pub fn parse(text: &str) -> Option<Compare> {
        match text.trim().to_ascii_lowercase().as_str() {
            "to_date" | "to-date" => Some(Compare::ToDate),
            "whole" => Some(Compare::Whole),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Compare::ToDate => "to_date",
            Compare::Whole => "whole",
        }
    }
}

/// The days a period's value counts on a given day, and the days it is compared with.
///
/// A period that has ended counts all its days and is compared with the whole period before
/// (环比) and the same period a year earlier (同比). A period in progress counts its days up to
/// and including today — later records do not exist for it — and, compared [`Compare::ToDate`],
/// is set against the same calendar days of those periods, each cut at its end (30 March against
/// the whole of February): for 环比 the same offset from the start (the 9th against the 9th, a
/// week's Monday to Wednesday against the Monday to Wednesday; for a year the same date), for
/// 同比 the same date a year earlier (for a week the same weekdays of the same ISO week).
/// Calendar days rather than working days, so a comparison reads as dates a manager can check;
/// a day is the smallest part, so today counts as a whole day of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub period: Period,
    /// The days counted: the period, its part up to today, or none before it begins.
    pub counted: Option<Period>,
    pub previous: Period,
    pub last_year: Period,
    pub compare: Compare,
}

impl Comparison {
    pub fn new(period: Period, today: Day, compare: Compare) -> Comparison {
        let (previous, last_year) = (period.previous(), period.same_last_year());
        let whole = Comparison { period, counted: period.through(today), previous, last_year, compare };
        if !whole.in_progress() || compare == Compare::Whole {
            return whole;
        }
        let offset = today.0 - period.start.0;
        let part = |of: Period, end: Day| Period { kind: PeriodKind::Range, start: of.start, end: end.clamp(of.start, of.end) };
        let last_year_end = match period.kind {
            PeriodKind::Week => last_year.start.plus_days(offset),
            _ => same_date_last_year(today),
        };
        // A year's period before is last year: the same date, as for 同比.
        let previous_end = match period.kind {
            PeriodKind::Year => same_date_last_year(today),
            _ => previous.start.plus_days(offset),
        };
        Comparison { previous: part(previous, previous_end), last_year: part(last_year, last_year_end), ..whole }
    }

    /// Whether the period has begun but not ended.
    pub fn in_progress(&self) -> bool {
        self.counted.is_some_and(|c| c.end < self.period.end)
    }

    /// Whether the comparisons set equal parts against each other (false when a period in
    /// progress is compared with whole periods).
    pub fn like_with_like(&self) -> bool {
        !self.in_progress() || self.compare == Compare::ToDate
    }

    /// "1–9 Apr vs 1–9 Mar" / "4月1日–9日 对比 3月1日–9日" for 环比, and the same for 同比 with years.
    pub fn notes(&self, lang: Lang) -> (String, String) {
        let counted = self.counted.unwrap_or(self.period);
        let across_years = counted.start.ymd().0 != self.previous.start.ymd().0;
        let note = |other: &Period, with_year: bool| {
            lang.format(
                "compare.note",
                &[
                    ("now", &day_span(counted.start, counted.end, with_year, lang)),
                    ("then", &day_span(other.start, other.end, with_year, lang)),
                ],
            )
        };
        (note(&self.previous, across_years), note(&self.last_year, true))
    }
}

/// The same date a year earlier, 28 February for a 29th.
fn same_date_last_year(day: Day) -> Day {
    let (y, m, d) = day.ymd();
    Day::from_ymd(y - 1, m, d.min(days_in_month(y - 1, m))).unwrap_or(day.plus_days(-365))
}

/// Days as people write them: "1–9 Apr", "28 Mar–3 Apr 2025", "4月1日–9日", "2025年3月28日–4月3日".
pub fn day_span(start: Day, end: Day, with_year: bool, lang: Lang) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let ((y1, m1, d1), (y2, m2, d2)) = (start.ymd(), end.ymd());
    let month = |m: u32| MONTHS[(m as usize + 11) % 12];
    match lang {
        Lang::En => {
            let year = |y: i32| if with_year { format!(" {y}") } else { String::new() };
            match (start == end, y1 == y2, m1 == m2) {
                (true, _, _) => format!("{d1} {}{}", month(m1), year(y1)),
                (false, true, true) => format!("{d1}–{d2} {}{}", month(m1), year(y1)),
                (false, true, false) => format!("{d1} {}–{d2} {}{}", month(m1), month(m2), year(y1)),
                (false, false, _) => format!("{d1} {} {y1}–{d2} {} {y2}", month(m1), month(m2)),
            }
        }
        Lang::ZhCn => {
            let year = |y: i32| if with_year { format!("{y}年") } else { String::new() };
            match (start == end, y1 == y2, m1 == m2) {
                (true, _, _) => format!("{}{m1}月{d1}日", year(y1)),
                (false, true, true) => format!("{}{m1}月{d1}日–{d2}日", year(y1)),
                (false, true, false) => format!("{}{m1}月{d1}日–{m2}月{d2}日", year(y1)),
                (false, false, _) => format!("{y1}年{m1}月{d1}日–{y2}年{m2}月{d2}日"),
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Month number for month-level rollups: `year * 12 + month - 1`.
pub fn month_index(year: i32, month: u32) -> i32 {
    year * 12 + month as i32 - 1
}

pub fn month_of_index(index: i32) -> (i32, u32) {
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        Period::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn span(period: Period) -> String {
        format!("{}..{}", period.start, period.end)
    }

    #[test]
    fn every_period_form_parses_to_its_days() {
        assert_eq!(span(p("2024-07-08")), "2024-07-08..2024-07-08");
        assert_eq!(span(p("2024-W28")), "2024-07-08..2024-07-14");
        assert_eq!(span(p("2024-07")), "2024-07-01..2024-07-31");
        assert_eq!(span(p("2024-Q3")), "2024-07-01..2024-09-30");
        assert_eq!(span(p("2024")), "2024-01-01..2024-12-31");
        assert_eq!(span(p("2024-07-01..2024-07-15")), "2024-07-01..2024-07-15");
        assert_eq!(span(p("2024-02")), "2024-02-01..2024-02-29");
    }

    #[test]
    fn iso_weeks_cross_year_ends() {
        // ISO week 1 of 2025 starts on Monday 30 December 2024.
        assert_eq!(span(p("2025-W01")), "2024-12-30..2025-01-05");
        // 2020 had 53 ISO weeks; 2021 did not.
        assert_eq!(span(p("2020-W53")), "2020-12-28..2021-01-03");
        assert!(Period::parse("2021-W53").is_err());
        assert_eq!(Period::week_of(Day::from_ymd(2021, 1, 1).expect("date")).label(), "2020-W53");
        assert_eq!(p("2025-W01").previous().label(), "2024-W52");
    }

    #[test]
    fn malformed_periods_are_refused() {
        for text in ["2024-13", "2024-Q5", "2024-W00", "2024-W1", "24-07", "2024-07-15..2024-07-01", "July", ""] {
            assert!(Period::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn previous_periods_follow_the_calendar() {
        assert_eq!(p("2024-03").previous().label(), "2024-02");
        assert_eq!(p("2024-01").previous().label(), "2023-12");
        assert_eq!(p("2024-Q1").previous().label(), "2023-Q4");
        assert_eq!(p("2024-03-01").previous().label(), "2024-02-29");
        assert_eq!(span(p("2024-07-01..2024-07-10").previous()), "2024-06-21..2024-06-30");
    }

    #[test]
    fn same_periods_last_year_keep_dates_and_week_numbers() {
        assert_eq!(p("2024-07").same_last_year().label(), "2023-07");
        assert_eq!(p("2024-02-29").same_last_year().label(), "2023-02-28");
        assert_eq!(p("2024-W28").same_last_year().label(), "2023-W28");
        assert_eq!(p("2021-W01").same_last_year().label(), "2020-W01");
        assert_eq!(p("2020-W53").same_last_year().label(), "2019-W52");
        assert_eq!(p("2024-Q3").same_last_year().label(), "2023-Q3");
    }

    #[test]
    fn trend_buckets_are_clipped_to_the_period() {
        let weeks: Vec<String> = p("2024-07").buckets(Granularity::Week).iter().map(|b| b.label()).collect();
        // 1 July 2024 is a Monday, so the month starts with a whole week and ends with a part.
        assert_eq!(weeks, ["2024-W27", "2024-W28", "2024-W29", "2024-W30", "2024-07-29..2024-07-31"]);
        assert_eq!(p("2024-Q3").buckets(Granularity::Month).len(), 3);
        assert_eq!(p("2024-07").buckets(Granularity::Day).len(), 31);
    }

    #[test]
    fn ranges_split_into_whole_months_and_loose_days() {
        let (months, partial) = p("2024-06-20..2024-08-05").split_months();
        assert_eq!(months, vec![(2024, 7)]);
        let partial: Vec<String> = partial.iter().map(|b| span(*b)).collect();
        assert_eq!(partial, ["2024-06-20..2024-06-30", "2024-08-01..2024-08-05"]);
    }

    #[test]
    fn labels_parse_back_to_the_same_period() {
        // Years before 1000 too: `0024-W05` was labelled `24-W05`, which is no period (found by
        // fuzzing criteria, fuzz/regressions/criterion).
        for text in ["2024-07-08", "2024-W28", "2024-07", "2024-Q3", "2024", "2024-07-01..2024-07-15", "2020-W53", "0024-W05", "0999-Q1"] {
            assert_eq!(p(text).label(), text);
            assert_eq!(p(&p(text).label()), p(text));
        }
        assert_eq!(month_of_index(month_index(2024, 7)), (2024, 7));
    }

    fn day(text: &str) -> Day {
        crate::time::parse_date(text, &Default::default()).unwrap_or_else(|| panic!("{text}"))
    }

    fn spans(c: &Comparison) -> (Option<String>, String, String) {
        (c.counted.map(span), span(c.previous), span(c.last_year))
    }

    #[test]
    fn a_month_in_progress_is_compared_day_for_day() {
        // On 9 April: 1–9 April against 1–9 March and 1–9 April a year earlier.
        let c = Comparison::new(p("2025-04"), day("2025-04-09"), Compare::ToDate);
        assert_eq!(spans(&c), (Some("2025-04-01..2025-04-09".into()), "2025-03-01..2025-03-09".into(), "2024-04-01..2024-04-09".into()));
        assert!(c.in_progress() && c.like_with_like());
        assert_eq!(c.notes(Lang::En), ("1–9 Apr vs 1–9 Mar".into(), "1–9 Apr 2025 vs 1–9 Apr 2024".into()));
        assert_eq!(c.notes(Lang::ZhCn).0, "4月1日–9日 对比 3月1日–9日");
        // On the 1st, one day against one day.
        let first = Comparison::new(p("2025-04"), day("2025-04-01"), Compare::ToDate);
        assert_eq!(span(first.previous), "2025-03-01..2025-03-01");
    }

    #[test]
    fn a_longer_month_to_date_is_cut_at_the_end_of_a_shorter_one() {
        // 1–30 March against the whole of February (28 days in 2025), and 29 February 2024
        // against 28 February 2023 a year on.
        let c = Comparison::new(p("2025-03"), day("2025-03-30"), Compare::ToDate);
        assert_eq!(span(c.previous), "2025-02-01..2025-02-28");
        let leap = Comparison::new(p("2024-02"), day("2024-02-29"), Compare::ToDate);
        assert_eq!(leap.counted.map(span).as_deref(), Some("2024-02-01..2024-02-29"));
        assert_eq!(span(leap.last_year), "2023-02-01..2023-02-28");
    }

    #[test]
    fn weeks_quarters_years_and_ranges_in_progress_compare_the_same_part() {
        // Wednesday of ISO week 2025-W14 (Mon 31 March): Monday to Wednesday of the week before,
        // and of 2024-W14 (Mon 1 April 2024), though the week spans two months.
        let week = Comparison::new(p("2025-W14"), day("2025-04-02"), Compare::ToDate);
        assert_eq!(spans(&week), (Some("2025-03-31..2025-04-02".into()), "2025-03-24..2025-03-26".into(), "2024-04-01..2024-04-03".into()));
        assert_eq!(week.notes(Lang::En).0, "31 Mar–2 Apr vs 24–26 Mar");
        // 15 May is day 45 of Q2: 1 January + 44 days = 14 February.
        let quarter = Comparison::new(p("2025-Q2"), day("2025-05-15"), Compare::ToDate);
        assert_eq!((span(quarter.previous), span(quarter.last_year)), ("2025-01-01..2025-02-14".into(), "2024-04-01..2024-05-15".into()));
        let year = Comparison::new(p("2025"), day("2025-03-01"), Compare::ToDate);
        assert_eq!((span(year.previous), span(year.last_year)), ("2024-01-01..2024-03-01".into(), "2024-01-01..2024-03-01".into()));
        let range = Comparison::new(p("2025-04-01..2025-04-10"), day("2025-04-03"), Compare::ToDate);
        assert_eq!(span(range.previous), "2025-03-22..2025-03-24");
    }

    #[test]
    fn ended_and_future_periods_and_whole_comparisons() {
        let ended = Comparison::new(p("2025-03"), day("2025-04-09"), Compare::ToDate);
        assert_eq!(
            spans(&ended),
            (Some("2025-03-01..2025-03-31".into()), "2025-02-01..2025-02-28".into(), "2024-03-01..2024-03-31".into())
        );
        assert!(!ended.in_progress() && ended.like_with_like());
        // A month opened on its last day has ended for a day's resolution.
        assert!(!Comparison::new(p("2025-04"), day("2025-04-30"), Compare::ToDate).in_progress());
        let future = Comparison::new(p("2025-05"), day("2025-04-09"), Compare::ToDate);
        assert_eq!(future.counted, None);
        // Asked for, a month to date against the whole month before: honest only when said.
        let whole = Comparison::new(p("2025-04"), day("2025-04-09"), Compare::Whole);
        assert_eq!(
            spans(&whole),
            (Some("2025-04-01..2025-04-09".into()), "2025-03-01..2025-03-31".into(), "2024-04-01..2024-04-30".into())
        );
        assert!(!whole.like_with_like());
        assert_eq!(whole.notes(Lang::En).0, "1–9 Apr vs 1–31 Mar");
    }

    #[test]
    fn a_period_through_a_day_is_whole_once_ended_its_part_while_running_and_none_before() {
        let april = p("2025-04");
        assert_eq!(april.through(day("2025-05-02")), Some(april));
        assert_eq!(april.through(day("2025-04-30")), Some(april));
        assert_eq!(april.through(day("2025-04-09")).map(span).as_deref(), Some("2025-04-01..2025-04-09"));
        assert_eq!(april.through(day("2025-03-31")), None);
    }

    #[test]
    fn day_spans_read_as_dates() {
        assert_eq!(day_span(day("2024-12-30"), day("2025-01-05"), false, Lang::En), "30 Dec 2024–5 Jan 2025");
        assert_eq!(day_span(day("2025-03-28"), day("2025-04-03"), true, Lang::ZhCn), "2025年3月28日–4月3日");
        assert_eq!(day_span(day("2025-04-09"), day("2025-04-09"), false, Lang::ZhCn), "4月9日");
    }

    #[test]
    fn covering_periods_are_whole_and_in_order() {
        let july = Period::parse("2024-07").expect("month");
        let weeks: Vec<String> = july.covering(PeriodKind::Week).iter().map(Period::label).collect();
        assert_eq!(weeks, ["2024-W27", "2024-W28", "2024-W29", "2024-W30", "2024-W31"]);
        let q3: Vec<String> = Period::parse("2024-Q3").expect("quarter").covering(PeriodKind::Month).iter().map(Period::label).collect();
        assert_eq!(q3, ["2024-07", "2024-08", "2024-09"]);
        assert_eq!(Period::parse("2024-07-08").expect("day").covering(PeriodKind::Day).len(), 1);
    }
}
