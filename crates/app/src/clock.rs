//! The one place Salescope reads the time.

use salescope_core::time::{Day, LocalDateTime, OrgZone};

/// What day it is for Salescope: the system clock read in the organisation's time zone, or a day
/// fixed by `--today` (pace, default periods and the daily routine are then computed as of that
/// day). Records are always stamped with the real time: [`Clock::now`] ignores the fixed day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    fixed_today: Option<Day>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The system clock, with `today` as the day asked about when one is given.
    pub fn with_today(today: Option<Day>) -> Clock {
        Clock { fixed_today: today }
    }

    /// The organisation's local time now.
    pub fn now(&self, zone: &OrgZone) -> LocalDateTime {
        let utc = unix_seconds();
        zone.local_from_utc(utc).unwrap_or(LocalDateTime(utc))
    }

    /// The day asked about: the fixed day, else today in the organisation's time zone.
    pub fn today(&self, zone: &OrgZone) -> Day {
        self.fixed_today.unwrap_or_else(|| self.now(zone).day())
    }
}

/// Seconds since the Unix epoch: when sessions, tokens and uploads were made and expire.
pub fn unix_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_day_is_today_but_not_now() {
        let zone = OrgZone::default();
        let day = salescope_core::time::parse_date("2024-02-29", &Default::default()).expect("a date");
        let clock = Clock::with_today(Some(day));
        assert_eq!(clock.today(&zone), day);
        assert_ne!(clock.now(&zone).day(), day, "records keep the real time");
    }
}
