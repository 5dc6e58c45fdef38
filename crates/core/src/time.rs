//! Calendar days and wall-clock times in the organisation's time zone.
//!
//! Every timestamp Salescope stores is a *local* wall-clock time in the organisation's zone,
//! counted in seconds from 1970-01-01 00:00 of that zone, and every date is a day number from
//! 1970-01-01. KPIs are defined on local days, so storing local time keeps day boundaries free of
//! zone arithmetic in every query and identical on every database. Inputs that carry an explicit
//! UTC offset are converted into the organisation's zone when they are parsed.

use chrono::{Offset, TimeZone};
use std::fmt;

/// A calendar day, counted from 1970-01-01 (day 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

/// A wall-clock time in the organisation's zone, in seconds from 1970-01-01 00:00 local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime(pub i64);

const SECONDS_PER_DAY: i64 = 86_400;

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Day {
    /// The day for a real calendar date; `None` for dates such as 2024-02-30.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Day(days_from_civil(year, month, day)))
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn iso_weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (4).
        ((self.0 as i64 + 3).rem_euclid(7) + 1) as u32
    }

    pub fn start(self) -> LocalDateTime {
        LocalDateTime(self.0 as i64 * SECONDS_PER_DAY)
    }

    pub fn plus_days(self, n: i32) -> Day {
        Day(self.0 + n)
    }

    pub fn to_naive(self) -> chrono::NaiveDate {
        let (y, m, d) = self.ymd();
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    pub fn from_naive(date: chrono::NaiveDate) -> Day {
        use chrono::Datelike;
        Day(days_from_civil(date.year(), date.month(), date.day()))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl LocalDateTime {
    pub fn from_parts(day: Day, hour: u32, minute: u32, second: u32) -> LocalDateTime {
        LocalDateTime(day.0 as i64 * SECONDS_PER_DAY + (hour * 3600 + minute * 60 + second) as i64)
    }

    pub fn day(self) -> Day {
        Day(self.0.div_euclid(SECONDS_PER_DAY) as i32)
    }

    pub fn seconds_of_day(self) -> u32 {
        self.0.rem_euclid(SECONDS_PER_DAY) as u32
    }

    pub fn hour(self) -> u32 {
        self.seconds_of_day() / 3600
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds_of_day();
        write!(f, "{} {:02}:{:02}:{:02}", self.day(), s / 3600, s / 60 % 60, s % 60)
    }
}

/// The organisation's time zone, used to bring offset-carrying inputs onto local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgZone(chrono_tz::Tz);

impl Default for OrgZone {
    fn default() -> Self {
        OrgZone(chrono_tz::Asia::Shanghai)
    }
}

impl OrgZone {
    /// An IANA zone name such as `Asia/Shanghai`.
    pub fn from_name(name: &str) -> Option<OrgZone> {
        name.trim().parse::<chrono_tz::Tz>().ok().map(OrgZone)
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Local wall-clock time in this zone of the instant `utc_seconds` (seconds since the epoch).
    pub fn local_from_utc(&self, utc_seconds: i64) -> Option<LocalDateTime> {
        let utc = chrono::DateTime::from_timestamp(utc_seconds, 0)?.naive_utc();
        let offset = self.0.offset_from_utc_datetime(&utc).fix().local_minus_utc() as i64;
        Some(LocalDateTime(utc_seconds + offset))
    }
}

/// Cursor over the bytes of a date or time text.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { bytes: text.as_bytes(), pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Reads between `min` and `max` ASCII digits.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        let mut value: u32 = 0;
        while self.pos < self.bytes.len() && self.pos - start < max && self.bytes[self.pos].is_ascii_digit() {
            value = value * 10 + (self.bytes[self.pos] - b'0') as u32;
            self.pos += 1;
        }
        (self.pos - start >= min).then_some(value)
    }

    fn eat(&mut self, text: &str) -> bool {
        if self.bytes[self.pos..].starts_with(text.as_bytes()) {
            self.pos += text.len();
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, options: &[&str]) -> Option<usize> {
        options.iter().position(|o| self.eat(o))
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|b| b == b' ') {
            self.pos += 1;
        }
    }
}

/// Parses the date part: `2024-07-08`, `2024/7/8`, `2024.7.8`, `2024年7月8日`, `20240708`.
fn scan_date(sc: &mut Scanner) -> Option<Day> {
    let start = sc.pos;
    let year = sc.number(4, 4)? as i32;
    if sc.peek().is_some_and(|b| b.is_ascii_digit()) {
        // Compact form YYYYMMDD.
        let month = sc.number(2, 2)?;
        let day = sc.number(2, 2)?;
        if sc.peek().is_some_and(|b| b.is_ascii_digit()) {
            sc.pos = start;
            return None;
        }
        return Day::from_ymd(year, month, day);
    }
    let separator = sc.eat_any(&["-", "/", ".", "年"])?;
    let month = sc.number(1, 2)?;
    let expected_second = ["-", "/", ".", "月"][separator];
    if !sc.eat(expected_second) {
        return None;
    }
    let day = sc.number(1, 2)?;
    if separator == 3 {
        sc.eat("日");
    }
    Day::from_ymd(year, month, day)
}

/// A date; a date-time is accepted and its date taken (spreadsheets often append `00:00:00`).
pub fn parse_date(text: &str, zone: &OrgZone) -> Option<Day> {
    let text = text.trim();
    let mut sc = Scanner::new(text);
    let day = scan_date(&mut sc)?;
    if sc.done() {
        return Some(day);
    }
    parse_datetime(text, zone).map(LocalDateTime::day)
}

/// A date-time in local time, ISO 8601 (`T` or space, optional seconds, fraction and offset) or
/// any date form of [`parse_date`] followed by a time. A date alone means midnight. An explicit
/// offset (`Z`, `+08:00`) converts the instant into the organisation's zone.
pub fn parse_datetime(text: &str, zone: &OrgZone) -> Option<LocalDateTime> {
    let text = text.trim();
    let bytes = text.as_bytes();
    // Fast path for the canonical `YYYY-MM-DD HH:MM:SS` form that dominates bulk imports.
    if bytes.len() == 19
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && let Some(t) = canonical_datetime(bytes)
    {
        return Some(t);
    }
    let mut sc = Scanner::new(text);
    let day = scan_date(&mut sc)?;
    if sc.done() {
        return Some(day.start());
    }
    if sc.peek() == Some(b'T') {
        sc.pos += 1;
    } else if sc.peek() == Some(b' ') {
        sc.skip_spaces();
    } else {
        return None;
    }
    let hour = sc.number(1, 2)?;
    sc.eat_any(&[":", "时", "點", "点"])?;
    let minute = sc.number(2, 2)?;
    let mut second = 0;
    if sc.eat(":") {
        second = sc.number(2, 2)?;
        if sc.eat(".") || sc.eat(",") {
            sc.number(1, 9)?;
        }
    } else {
        sc.eat("分");
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let local = LocalDateTime::from_parts(day, hour, minute, second.min(59));
    sc.skip_spaces();
    if sc.done() {
        return Some(local);
    }
    let offset_seconds = if sc.eat("Z") || sc.eat("z") {
        0
    } else {
        let sign = match sc.peek()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        sc.pos += 1;
        let hours = sc.number(2, 2)? as i64;
        sc.eat(":");
        let minutes = if sc.done() { 0 } else { sc.number(2, 2)? as i64 };
        sign * (hours * 3600 + minutes * 60)
    };
    if !sc.done() {
        return None;
    }
    zone.local_from_utc(local.0 - offset_seconds)
}

fn canonical_datetime(b: &[u8]) -> Option<LocalDateTime> {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        Some(v)
    };
    if b[10] != b' ' && b[10] != b'T' {
        return None;
    }
    let day = Day::from_ymd(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    let (h, m, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(LocalDateTime::from_parts(day, h, m, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Option<String> {
        parse_date(s, &OrgZone::default()).map(|d| d.to_string())
    }

    fn dt(s: &str) -> Option<String> {
        parse_datetime(s, &OrgZone::default()).map(|d| d.to_string())
    }

    #[test]
    fn day_numbers_round_trip_through_the_civil_calendar() {
        for n in [-600_000, -1, 0, 1, 19_000, 20_000, 2_000_000] {
            let (y, m, d) = Day(n).ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)), "{n}");
        }
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(Day::from_ymd(2024, 7, 8).map(|d| d.to_string()).as_deref(), Some("2024-07-08"));
    }

    #[test]
    fn iso_weekday_counts_monday_as_one() {
        assert_eq!(Day::from_ymd(2024, 7, 8).map(Day::iso_weekday), Some(1));
        assert_eq!(Day::from_ymd(2024, 7, 14).map(Day::iso_weekday), Some(7));
        assert_eq!(Day::from_ymd(1970, 1, 1).map(Day::iso_weekday), Some(4));
    }

    #[test]
    fn dates_are_read_in_the_forms_chinese_spreadsheets_use() {
        for text in ["2024-07-08", "2024/7/8", "2024.07.08", "2024年7月8日", "20240708", " 2024-07-08 00:00:00 "] {
            assert_eq!(day(text).as_deref(), Some("2024-07-08"), "{text}");
        }
    }

    #[test]
    fn impossible_or_malformed_dates_are_rejected() {
        for text in ["2024-02-30", "2023-02-29", "2024-13-01", "24-07-08", "2024-07", "yesterday", "", "2024-07-08x", "202407081"] {
            assert_eq!(day(text), None, "{text}");
        }
        assert_eq!(day("2024-02-29").as_deref(), Some("2024-02-29"));
    }

    #[test]
    fn datetimes_accept_iso_and_spreadsheet_forms() {
        assert_eq!(dt("2024-07-08 14:05:09").as_deref(), Some("2024-07-08 14:05:09"));
        assert_eq!(dt("2024-07-08T14:05:09").as_deref(), Some("2024-07-08 14:05:09"));
        assert_eq!(dt("2024/7/8 9:05").as_deref(), Some("2024-07-08 09:05:00"));
        assert_eq!(dt("2024-07-08 14:05:09.250").as_deref(), Some("2024-07-08 14:05:09"));
        assert_eq!(dt("2024-07-08").as_deref(), Some("2024-07-08 00:00:00"));
        assert_eq!(dt("2024年7月8日 14:05").as_deref(), Some("2024-07-08 14:05:00"));
    }

    #[test]
    fn explicit_offsets_are_converted_to_the_organisation_zone() {
        assert_eq!(dt("2024-07-08T06:00:00Z").as_deref(), Some("2024-07-08 14:00:00"));
        assert_eq!(dt("2024-07-08T23:30:00-05:00").as_deref(), Some("2024-07-09 12:30:00"));
        assert_eq!(dt("2024-07-08T14:00:00+08:00").as_deref(), Some("2024-07-08 14:00:00"));
        let london = OrgZone::from_name("Europe/London").expect("zone");
        // British Summer Time applies in July.
        assert_eq!(parse_datetime("2024-07-08T12:00:00Z", &london).map(|t| t.to_string()).as_deref(), Some("2024-07-08 13:00:00"));
    }

    #[test]
    fn malformed_times_are_rejected() {
        for text in ["2024-07-08 25:00:00", "2024-07-08 12:61", "2024-07-08 12", "2024-07-08T12:00:00+8", "2024-07-08 12:00:00 pm"] {
            assert_eq!(dt(text), None, "{text}");
        }
    }

    #[test]
    fn local_times_split_into_day_and_hour() {
        let t = parse_datetime("2024-07-08 14:05:09", &OrgZone::default()).expect("time");
        assert_eq!(t.day().to_string(), "2024-07-08");
        assert_eq!(t.hour(), 14);
        let before_epoch = LocalDateTime(-1);
        assert_eq!(before_epoch.to_string(), "1969-12-31 23:59:59");
    }
}
