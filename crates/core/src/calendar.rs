//! The working-day calendar: weekends, Chinese public holidays and the make-up working days
//! (调休) the State Council announces each year. Organisations can add or remove days.

use crate::time::Day;
use std::collections::BTreeMap;

/// What a date is, when it is not an ordinary weekday or weekend day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Special {
    Holiday(String),
    /// A weekend day worked to make up for a holiday.
    MakeUpWorkday,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    special: BTreeMap<Day, Special>,
}

type Ymd = (i32, u32, u32);

/// (name, first day, last day) of each holiday period, and the make-up working days, as
/// announced by the State Council General Office for each year.
struct YearPlan {
    holidays: &'static [(&'static str, Ymd, Ymd)],
    make_up: &'static [Ymd],
}

static CHINA: &[YearPlan] = &[
    YearPlan {
        holidays: &[
            ("元旦", (2024, 1, 1), (2024, 1, 1)),
            ("春节", (2024, 2, 10), (2024, 2, 17)),
            ("清明节", (2024, 4, 4), (2024, 4, 6)),
            ("劳动节", (2024, 5, 1), (2024, 5, 5)),
            ("端午节", (2024, 6, 10), (2024, 6, 10)),
            ("中秋节", (2024, 9, 15), (2024, 9, 17)),
            ("国庆节", (2024, 10, 1), (2024, 10, 7)),
        ],
        make_up: &[(2024, 2, 4), (2024, 2, 18), (2024, 4, 7), (2024, 4, 28), (2024, 5, 11), (2024, 9, 14), (2024, 9, 29), (2024, 10, 12)],
    },
    YearPlan {
        holidays: &[
            ("元旦", (2025, 1, 1), (2025, 1, 1)),
            ("春节", (2025, 1, 28), (2025, 2, 4)),
            ("清明节", (2025, 4, 4), (2025, 4, 6)),
            ("劳动节", (2025, 5, 1), (2025, 5, 5)),
            ("端午节", (2025, 5, 31), (2025, 6, 2)),
            ("国庆节、中秋节", (2025, 10, 1), (2025, 10, 8)),
        ],
        make_up: &[(2025, 1, 26), (2025, 2, 8), (2025, 4, 27), (2025, 9, 28), (2025, 10, 11)],
    },
    YearPlan {
        holidays: &[
            ("元旦", (2026, 1, 1), (2026, 1, 3)),
            ("春节", (2026, 2, 15), (2026, 2, 23)),
            ("清明节", (2026, 4, 4), (2026, 4, 6)),
            ("劳动节", (2026, 5, 1), (2026, 5, 5)),
            ("端午节", (2026, 6, 19), (2026, 6, 21)),
            ("中秋节", (2026, 9, 25), (2026, 9, 27)),
            ("国庆节", (2026, 10, 1), (2026, 10, 7)),
        ],
        make_up: &[(2026, 1, 4), (2026, 2, 14), (2026, 2, 28), (2026, 5, 9), (2026, 9, 20), (2026, 10, 10)],
    },
];

fn day_of((y, m, d): Ymd) -> Day {
    Day::from_ymd(y, m, d).unwrap_or(Day(0))
}

impl WorkCalendar {
    /// Weekends only, no holidays.
    pub fn weekends_only() -> WorkCalendar {
        WorkCalendar::default()
    }

    /// Mainland China's calendar for the years Salescope ships (2024–2026); other years have
    /// weekends only until an administrator adds their holidays.
    pub fn china() -> WorkCalendar {
        let mut calendar = WorkCalendar::default();
        for year in CHINA {
            for (name, first, last) in year.holidays {
                let (first, last) = (day_of(*first), day_of(*last));
                for n in first.0..=last.0 {
                    calendar.special.insert(Day(n), Special::Holiday(name.to_string()));
                }
            }
            for day in year.make_up {
                calendar.special.insert(day_of(*day), Special::MakeUpWorkday);
            }
        }
        calendar
    }

    pub fn set_holiday(&mut self, day: Day, name: &str) {
        self.special.insert(day, Special::Holiday(name.to_string()));
    }

    pub fn set_make_up_workday(&mut self, day: Day) {
        self.special.insert(day, Special::MakeUpWorkday);
    }

    /// Restores a date to an ordinary weekday or weekend day.
    pub fn clear(&mut self, day: Day) {
        self.special.remove(&day);
    }

    pub fn special(&self, day: Day) -> Option<&Special> {
        self.special.get(&day)
    }

    pub fn is_working_day(&self, day: Day) -> bool {
        match self.special.get(&day) {
            Some(Special::Holiday(_)) => false,
            Some(Special::MakeUpWorkday) => true,
            None => day.iso_weekday() <= 5,
        }
    }

    /// Working days in `[from, to]`.
    pub fn working_days(&self, from: Day, to: Day) -> i64 {
        (from.0..=to.0).filter(|&n| self.is_working_day(Day(n))).count() as i64
    }

    /// The first day of the named holiday period that contains or follows `from`.
    pub fn next_holiday(&self, name: &str, from: Day) -> Option<Day> {
        self.special.range(from..).find(|(_, s)| matches!(s, Special::Holiday(n) if n == name)).map(|(d, _)| *d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Day {
        Day::from_ymd(y, m, day).expect("date")
    }

    #[test]
    fn holidays_and_make_up_days_override_the_weekend_rule() {
        let cal = WorkCalendar::china();
        assert!(!cal.is_working_day(d(2025, 1, 29)), "Spring Festival, a Wednesday");
        assert!(cal.is_working_day(d(2025, 1, 26)), "make-up Sunday before Spring Festival");
        assert!(!cal.is_working_day(d(2025, 1, 25)), "an ordinary Saturday");
        assert!(cal.is_working_day(d(2025, 1, 27)), "an ordinary Monday");
        assert!(!cal.is_working_day(d(2024, 10, 7)));
        assert!(cal.is_working_day(d(2024, 10, 12)));
    }

    #[test]
    fn working_days_of_a_month_count_holidays_and_make_up_days() {
        let cal = WorkCalendar::china();
        // October 2024: 23 weekdays, 5 of them in the National Day holiday, plus the make-up
        // Saturday 12 October.
        assert_eq!(cal.working_days(d(2024, 10, 1), d(2024, 10, 31)), 19);
        // February 2026: 20 weekdays, 6 of them in the Spring Festival holiday, plus the
        // make-up Saturdays 14 and 28 February.
        assert_eq!(cal.working_days(d(2026, 2, 1), d(2026, 2, 28)), 16);
        assert_eq!(WorkCalendar::weekends_only().working_days(d(2024, 10, 1), d(2024, 10, 31)), 23);
    }

    #[test]
    fn the_next_spring_festival_is_found() {
        let cal = WorkCalendar::china();
        assert_eq!(cal.next_holiday("春节", d(2024, 6, 1)), Some(d(2025, 1, 28)));
        assert_eq!(cal.next_holiday("春节", d(2026, 3, 1)), None);
    }
}
