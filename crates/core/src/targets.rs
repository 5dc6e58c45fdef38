//! Splitting a target (目标拆解): among reps or teams, and over time by working days.

use crate::calendar::WorkCalendar;
use crate::period::{Granularity, Period, PeriodKind};

/// How a target is shared among members.
#[derive(Debug, Clone, PartialEq)]
pub enum Share {
    Even,
    /// Each member's weight; members without one get none.
    Weights(Vec<(String, f64)>),
    /// In proportion to each member's value of the KPI in the period before; evenly when
    /// nobody had any.
    LastPeriod(Vec<(String, f64)>),
}

/// Rounds the parts of `whole` so that they add up to it exactly (largest remainders get the
/// spare units): to whole units when the whole is whole and large enough for every part to get
/// ten or more, as managers set them (¥33,334, not ¥33,333.33); to cents otherwise.
fn round_parts(whole: f64, parts: Vec<f64>) -> Vec<f64> {
    if parts.is_empty() {
        return parts;
    }
    let unit = if whole.fract() == 0.0 && whole >= 10.0 * parts.len() as f64 { 1.0 } else { 0.01 };
    let units = (whole / unit).round() as i64;
    let floors: Vec<i64> = parts.iter().map(|p| (p / unit + 1e-9).floor() as i64).collect();
    let spare = units - floors.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let remainder = |i: usize| parts[i] / unit - floors[i] as f64;
        remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b))
    });
    let mut rounded = floors;
    for i in order.into_iter().cycle().take(spare.unsigned_abs() as usize) {
        rounded[i] += spare.signum();
    }
    rounded.into_iter().map(|u| u as f64 * unit).map(|v| (v * 100.0).round() / 100.0).collect()
}

/// Splits `total` among `members` (for KPIs that add up; a rate's target applies to each member
/// as it is).
pub fn split_among(total: f64, members: &[String], share: &Share, additive: bool) -> Vec<(String, f64)> {
    if members.is_empty() {
        return Vec::new();
    }
    if !additive {
        return members.iter().map(|m| (m.clone(), total)).collect();
    }
    let weight_of = |list: &[(String, f64)], m: &str| list.iter().find(|(n, _)| n == m).map_or(0.0, |(_, w)| w.max(0.0));
    let weights: Vec<f64> = match share {
        Share::Even => vec![1.0; members.len()],
        Share::Weights(list) | Share::LastPeriod(list) => members.iter().map(|m| weight_of(list, m)).collect(),
    };
    let sum: f64 = weights.iter().sum();
    let weights = if sum > 0.0 { weights } else { vec![1.0; members.len()] };
    let sum: f64 = weights.iter().sum();
    let parts = round_parts(total, weights.iter().map(|w| total * w / sum).collect());
    members.iter().cloned().zip(parts).collect()
}

/// The periods a period splits into: a year into quarters or months, a quarter into months, a
/// month into ISO weeks (the weeks at its edges clipped to it), anything into working days.
pub fn children(period: &Period, into: PeriodKind, calendar: &WorkCalendar) -> Vec<Period> {
    match into {
        PeriodKind::Quarter => {
            period.buckets(Granularity::Month).into_iter().map(|m| Period::quarter_of(m.start)).fold(Vec::new(), |mut out, q| {
                if out.last() != Some(&q) {
                    out.push(q);
                }
                out
            })
        }
        PeriodKind::Month => period.buckets(Granularity::Month),
        PeriodKind::Week => period.buckets(Granularity::Week),
        PeriodKind::Day => {
            (period.start.0..=period.end.0).map(crate::time::Day).filter(|d| calendar.is_working_day(*d)).map(Period::day).collect()
        }
        PeriodKind::Year | PeriodKind::Range => vec![*period],
    }
}

/// Splits a target over time in proportion to working days (a rate's target applies to every
/// part as it is).
pub fn split_over_time(total: f64, period: &Period, into: PeriodKind, calendar: &WorkCalendar, additive: bool) -> Vec<(Period, f64)> {
    let parts = children(period, into, calendar);
    if !additive {
        return parts.into_iter().map(|p| (p, total)).collect();
    }
    let days: Vec<i64> = parts.iter().map(|p| calendar.working_days(p.start, p.end)).collect();
    let all: i64 = days.iter().sum();
    if all == 0 {
        return Vec::new();
    }
    let values = round_parts(total, days.iter().map(|d| total * *d as f64 / all as f64).collect());
    parts.into_iter().zip(values).filter(|(p, _)| calendar.working_days(p.start, p.end) > 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_add_up_exactly_in_whole_units_or_cents() {
        let even = split_among(100_000.0, &names(&["A", "B", "C"]), &Share::Even, true);
        assert_eq!(even.iter().map(|(_, v)| *v).collect::<Vec<_>>(), vec![33_334.0, 33_333.0, 33_333.0]);
        let small = split_among(10.0, &names(&["A", "B", "C"]), &Share::Even, true);
        assert_eq!(small.iter().map(|(_, v)| *v).collect::<Vec<_>>(), vec![3.34, 3.33, 3.33]);
        let uneven = split_among(
            1_000.0,
            &names(&["A", "B", "C"]),
            &Share::Weights(vec![("A".into(), 1.0), ("B".into(), 1.0), ("C".into(), 1.0)]),
            true,
        );
        assert_eq!(uneven.iter().map(|(_, v)| *v).sum::<f64>(), 1_000.0);
        let weighted = split_among(300_000.0, &names(&["A", "B"]), &Share::Weights(vec![("A".into(), 2.0), ("B".into(), 1.0)]), true);
        assert_eq!(weighted, vec![("A".to_string(), 200_000.0), ("B".to_string(), 100_000.0)]);
    }

    #[test]
    fn last_period_shares_fall_back_to_even_when_nobody_sold() {
        let shares = Share::LastPeriod(vec![("A".into(), 30_000.0), ("B".into(), 10_000.0)]);
        assert_eq!(
            split_among(80_000.0, &names(&["A", "B", "C"]), &shares, true),
            vec![("A".into(), 60_000.0), ("B".into(), 20_000.0), ("C".into(), 0.0)]
        );
        let nobody = Share::LastPeriod(vec![]);
        assert_eq!(split_among(90.0, &names(&["A", "B"]), &nobody, true), vec![("A".into(), 45.0), ("B".into(), 45.0)]);
    }

    #[test]
    fn rates_are_not_divided() {
        assert_eq!(split_among(35.0, &names(&["A", "B"]), &Share::Even, false), vec![("A".into(), 35.0), ("B".into(), 35.0)]);
    }

    #[test]
    fn time_splits_follow_working_days_and_holidays() {
        let calendar = WorkCalendar::china();
        let q4 = Period::parse("2024-Q4").expect("period");
        let months = split_over_time(62_000.0, &q4, PeriodKind::Month, &calendar, true);
        // October 19, November 21, December 22 working days.
        assert_eq!(
            months.iter().map(|(p, v)| (p.label(), *v)).collect::<Vec<_>>(),
            vec![("2024-10".into(), 19_000.0), ("2024-11".into(), 21_000.0), ("2024-12".into(), 22_000.0)]
        );
        let year = Period::parse("2024").expect("period");
        assert_eq!(split_over_time(1.0, &year, PeriodKind::Quarter, &calendar, true).len(), 4);
        let october = Period::parse("2024-10").expect("period");
        let days = split_over_time(19_000.0, &october, PeriodKind::Day, &calendar, true);
        assert_eq!(days.len(), 19);
        assert!(days.iter().all(|(_, v)| (*v - 1_000.0).abs() < 1e-9));
        // 1–6 October is all holiday and gets nothing; 7–13 October has 8–11 October and the
        // make-up Saturday the 12th.
        let weeks = split_over_time(19.0, &october, PeriodKind::Week, &calendar, true);
        let weeks: Vec<(String, f64)> = weeks.iter().map(|(p, v)| (p.label(), *v)).collect();
        assert_eq!(
            weeks,
            vec![("2024-W41".into(), 5.0), ("2024-W42".into(), 5.0), ("2024-W43".into(), 5.0), ("2024-10-28..2024-10-31".into(), 4.0)]
        );
    }
}
