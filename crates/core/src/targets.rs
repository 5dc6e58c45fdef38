//! Splitting a target (目标拆解): among reps or teams, and over time by working days.

use crate::calendar::WorkCalendar;
use crate::period::{Granularity, Period, PeriodKind};

/// How a target is shared among members.
#[derive(Debug, Clone, PartialEq)]
pub enum Share {
    Even,
    /// Each member's weight; members without one get none.
    Weights(Vec<(String, f64)>),
    /// In proportion to each member's value of the KPI in the last complete period, with a
    /// floor for members who have none there (see [`split_among`]).
    LastPeriod {
        /// Members with a value in the last complete period, employed throughout it.
        last: Vec<(String, f64)>,
        /// The share (0–1) of the split period's working days each member can sell, from their
        /// hire date on; members not listed can sell all of them.
        available: Vec<(String, f64)>,
    },
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

/// The least share of an even split a member gets in a split by last period, prorated by the
/// part of the period they can sell: half.
pub const LAST_PERIOD_FLOOR: f64 = 0.5;

/// Splits `total` among `members` (for KPIs that add up; a rate's target applies to each member
/// as it is).
///
/// By last period, every member gets at least the floor: [`LAST_PERIOD_FLOOR`] of an even share
/// (`total / members`) times the share of the period they can sell. Members without a positive
/// value in the last period (a new hire, a long leave) get the floor; the others share the rest
/// in proportion to their values, those whose proportion falls below the floor raised to it.
/// When nobody has a value, everybody shares in proportion to the days they can sell.
pub fn split_among(total: f64, members: &[String], share: &Share, additive: bool) -> Vec<(String, f64)> {
    if members.is_empty() {
        return Vec::new();
    }
    if !additive {
        return members.iter().map(|m| (m.clone(), total)).collect();
    }
    let weight_of = |list: &[(String, f64)], m: &str| list.iter().find(|(n, _)| n == m).map_or(0.0, |(_, w)| w.max(0.0));
    let proportional = |weights: Vec<f64>| -> Vec<f64> {
        let sum: f64 = weights.iter().sum();
        let weights = if sum > 0.0 { weights } else { vec![1.0; members.len()] };
        let sum: f64 = weights.iter().sum();
        weights.iter().map(|w| total * w / sum).collect()
    };
    let raw = match share {
        Share::Even => proportional(vec![1.0; members.len()]),
        Share::Weights(list) => proportional(members.iter().map(|m| weight_of(list, m)).collect()),
        Share::LastPeriod { last, available } => {
            let history: Vec<f64> = members.iter().map(|m| weight_of(last, m)).collect();
            let availability: Vec<f64> =
                members.iter().map(|m| available.iter().find(|(n, _)| n == m).map_or(1.0, |(_, a)| a.clamp(0.0, 1.0))).collect();
            if history.iter().all(|h| *h == 0.0) {
                proportional(availability)
            } else {
                let even = total / members.len() as f64;
                let floors: Vec<f64> = availability.iter().map(|a| LAST_PERIOD_FLOOR * even * a).collect();
                floored_shares(total, &history, &floors)
            }
        }
    };
    members.iter().cloned().zip(round_parts(total, raw)).collect()
}

/// `total` in proportion to `history`, no part below its floor: members without history and
/// those whose proportion falls short are held at their floor, and the rest is shared again
/// among the others until nobody falls short. The member with the most history is never held
/// (floors add up to at most half the total), so this ends.
fn floored_shares(total: f64, history: &[f64], floors: &[f64]) -> Vec<f64> {
    let mut held: Vec<bool> = history.iter().map(|h| *h <= 0.0).collect();
    loop {
        let free: f64 = history.iter().zip(&held).filter(|(_, held)| !**held).map(|(h, _)| h).sum();
        let rest = total - floors.iter().zip(&held).filter(|(_, held)| **held).map(|(f, _)| f).sum::<f64>();
        let parts: Vec<f64> =
            history.iter().zip(floors).zip(&held).map(|((h, f), held)| if *held { *f } else { rest * h / free }).collect();
        let short: Vec<usize> = (0..parts.len()).filter(|&i| !held[i] && parts[i] < floors[i]).collect();
        if short.is_empty() {
            return parts;
        }
        for i in short {
            held[i] = true;
        }
    }
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
    fn members_without_last_period_history_get_half_an_even_share_prorated_by_their_working_days() {
        // ¥120,000 among four: even share 30,000, floor 15,000. C sold nothing (a long leave):
        // 15,000. D was hired halfway through (11 of 22 working days): 7,500. A and B share the
        // remaining 97,500 by last period, 60,000 : 20,000 = 73,125 : 24,375.
        let shares = Share::LastPeriod {
            last: vec![("A".into(), 60_000.0), ("B".into(), 20_000.0), ("C".into(), 0.0)],
            available: vec![("D".into(), 11.0 / 22.0)],
        };
        assert_eq!(
            split_among(120_000.0, &names(&["A", "B", "C", "D"]), &shares, true),
            vec![("A".into(), 73_125.0), ("B".into(), 24_375.0), ("C".into(), 15_000.0), ("D".into(), 7_500.0)]
        );
    }

    #[test]
    fn a_member_with_a_tiny_last_period_is_raised_to_the_floor() {
        // ¥90,000 among three, floor 15,000. By last period B would get 90,000 × 1 / 91 ≈ 989:
        // held at 15,000. A and C share 75,000 as 60 : 30 = 50,000 : 25,000.
        let shares =
            Share::LastPeriod { last: vec![("A".into(), 60_000.0), ("B".into(), 1_000.0), ("C".into(), 30_000.0)], available: vec![] };
        assert_eq!(
            split_among(90_000.0, &names(&["A", "B", "C"]), &shares, true),
            vec![("A".into(), 50_000.0), ("B".into(), 15_000.0), ("C".into(), 25_000.0)]
        );
    }

    #[test]
    fn when_nobody_sold_last_period_the_split_follows_the_days_each_can_sell() {
        let nobody = Share::LastPeriod { last: vec![], available: vec![] };
        assert_eq!(split_among(90.0, &names(&["A", "B"]), &nobody, true), vec![("A".into(), 45.0), ("B".into(), 45.0)]);
        // B can sell half the period: 90,000 × 1 / 1.5 = 60,000 and 90,000 × 0.5 / 1.5 = 30,000.
        let half = Share::LastPeriod { last: vec![("A".into(), 0.0)], available: vec![("B".into(), 0.5)] };
        assert_eq!(split_among(90_000.0, &names(&["A", "B"]), &half, true), vec![("A".into(), 60_000.0), ("B".into(), 30_000.0)]);
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
