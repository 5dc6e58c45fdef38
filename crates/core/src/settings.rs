//! The organisation's settings: its time zone, the severity of each entry rule, and when a rep
//! is put on daily tracking.

use crate::period::PeriodKind;
use crate::rules::{PolicyError, Rule, RulePolicy, Severity};
use crate::time::OrgZone;
use std::fmt;

pub const TIMEZONE_KEY: &str = "timezone";
const RULE_PREFIX: &str = "rule.";
const TRACKING_KPI_KEY: &str = "tracking.kpi";
const TRACKING_PERIOD_KEY: &str = "tracking.period";
const TRACKING_THRESHOLD_KEY: &str = "tracking.threshold";
const TRACKING_MIN_DAYS_KEY: &str = "tracking.min_elapsed_days";
const TRACKING_MIN_SHARE_KEY: &str = "tracking.min_elapsed_pct";
const ASSIGN_LEADS_KEY: &str = "leads.assign_on_ingest";
const RETENTION_WINDOW_KEY: &str = "retention.window_days";
const LATE_FILING_KEY: &str = "daily_report.late_days";

#[derive(Debug, Clone, PartialEq)]
pub struct OrgSettings {
    pub zone: OrgZone,
    pub policy: RulePolicy,
    pub tracking: TrackingRule,
    /// New leads that arrive without a rep go to the best-ranked rep with capacity.
    pub assign_leads_on_ingest: bool,
    /// Customer retention and churn: a customer is active while they have a won deal in this
    /// many days up to the day asked about.
    pub retention_window_days: i32,
    /// How many days back a rep may file their own daily report (yesterday's on the morning
    /// after is 1); older ones are refused, and any but today's is flagged late.
    pub late_filing_days: i32,
}

/// The retention window unless changed: a quarter.
pub const DEFAULT_RETENTION_WINDOW_DAYS: i32 = 90;

/// A rep may file a daily report up to a working week late unless changed.
pub const DEFAULT_LATE_FILING_DAYS: i32 = 7;

/// Reps whose projected attainment of `kpi` over the current `period` falls below `threshold`
/// per cent go on daily tracking (升级为每日跟踪); the server applies this every day. A rep is
/// judged only once enough of their working days in the period have passed for a projection
/// to mean something: `min_elapsed_days`, and `min_elapsed_pct` % of them, whichever is later.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingRule {
    pub kpi: String,
    pub period: PeriodKind,
    pub threshold: f64,
    pub min_elapsed_days: i64,
    pub min_elapsed_pct: f64,
}

impl Default for OrgSettings {
    fn default() -> OrgSettings {
        OrgSettings {
            zone: OrgZone::default(),
            policy: RulePolicy::default(),
            tracking: TrackingRule::default(),
            assign_leads_on_ingest: false,
            retention_window_days: DEFAULT_RETENTION_WINDOW_DAYS,
            late_filing_days: DEFAULT_LATE_FILING_DAYS,
        }
    }
}

impl Default for TrackingRule {
    fn default() -> TrackingRule {
        TrackingRule { kpi: "revenue".to_string(), period: PeriodKind::Month, threshold: 80.0, min_elapsed_days: 3, min_elapsed_pct: 25.0 }
    }
}

impl TrackingRule {
    /// The working days that must have passed, of a rep's `working_days` in the period, before
    /// the rep is judged: e.g. of a month's 22, max(3, ⌈25 % × 22⌉) = 6.
    pub fn min_elapsed(&self, working_days: i64) -> i64 {
        let share = (self.min_elapsed_pct / 100.0 * working_days as f64 - 1e-9).ceil() as i64;
        self.min_elapsed_days.max(share).min(working_days.max(1))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingError {
    UnknownKey(String),
    UnknownZone(String),
    Rule(PolicyError),
    /// A value of the wrong shape: the key, the value, and what it should be.
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingError::UnknownKey(k) => {
                write!(
                    f,
                    "unknown setting `{k}` (known: timezone, rule.<rule id>, tracking.kpi, tracking.period, tracking.threshold, tracking.min_elapsed_days, tracking.min_elapsed_pct, leads.assign_on_ingest, retention.window_days, daily_report.late_days)"
                )
            }
            SettingError::UnknownZone(z) => {
                write!(f, "`{z}` is not an IANA time zone such as Asia/Shanghai")
            }
            SettingError::Rule(e) => e.fmt(f),
            SettingError::BadValue { key, value, expected } => write!(f, "`{value}` is not a valid {key}: {expected}"),
        }
    }
}

impl std::error::Error for SettingError {}

impl OrgSettings {
    /// Applies one stored or requested setting, checking its value.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let key = key.trim();
        if key == TIMEZONE_KEY {
            self.zone = OrgZone::from_name(value).ok_or_else(|| SettingError::UnknownZone(value.to_string()))?;
            return Ok(());
        }
        if let Some(rule_id) = key.strip_prefix(RULE_PREFIX) {
            let rule = Rule::from_id(rule_id).ok_or_else(|| SettingError::Rule(PolicyError::UnknownRule(rule_id.to_string())))?;
            let severity = Severity::from_id(value).ok_or_else(|| SettingError::Rule(PolicyError::UnknownSeverity(value.to_string())))?;
            return self.policy.set(rule, severity).map_err(SettingError::Rule);
        }
        let bad = |expected| SettingError::BadValue { key: key.to_string(), value: value.to_string(), expected };
        let value = value.trim();
        match key {
            TRACKING_KPI_KEY if crate::kpi::is_valid_id(value) => self.tracking.kpi = value.to_string(),
            TRACKING_KPI_KEY => return Err(bad("a KPI id such as revenue")),
            TRACKING_PERIOD_KEY => {
                self.tracking.period = match value {
                    "week" => PeriodKind::Week,
                    "month" => PeriodKind::Month,
                    "quarter" => PeriodKind::Quarter,
                    "year" => PeriodKind::Year,
                    _ => return Err(bad("week, month, quarter or year")),
                }
            }
            TRACKING_THRESHOLD_KEY => {
                self.tracking.threshold =
                    value.parse::<f64>().ok().filter(|t| *t > 0.0 && *t <= 200.0).ok_or_else(|| bad("a percentage above 0, such as 80"))?
            }
            TRACKING_MIN_DAYS_KEY => {
                self.tracking.min_elapsed_days =
                    value.parse::<i64>().ok().filter(|d| (0..=250).contains(d)).ok_or_else(|| bad("a number of working days, such as 3"))?
            }
            TRACKING_MIN_SHARE_KEY => {
                self.tracking.min_elapsed_pct = value
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=100.0).contains(p))
                    .ok_or_else(|| bad("a percentage from 0 to 100, such as 25"))?
            }
            ASSIGN_LEADS_KEY => {
                self.assign_leads_on_ingest = match value {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad("on or off")),
                }
            }
            RETENTION_WINDOW_KEY => {
                self.retention_window_days = value
                    .parse::<i32>()
                    .ok()
                    .filter(|d| (1..=3660).contains(d))
                    .ok_or_else(|| bad("a number of days from 1 to 3660, such as 90"))?
            }
            LATE_FILING_KEY => {
                self.late_filing_days = value
                    .parse::<i32>()
                    .ok()
                    .filter(|d| (0..=366).contains(d))
                    .ok_or_else(|| bad("a number of days from 0 (today only) to 366, such as 7"))?
            }
            _ => return Err(SettingError::UnknownKey(key.to_string())),
        }
        Ok(())
    }

    /// Every setting with its value in force, defaults included.
    pub fn entries(&self) -> Vec<(String, String)> {
        let mut out = vec![(TIMEZONE_KEY.to_string(), self.zone.name().to_string())];
        for rule in Rule::ALL.into_iter().filter(|r| r.is_configurable()) {
            out.push((format!("{RULE_PREFIX}{}", rule.id()), self.policy.severity(rule).id().to_string()));
        }
        out.push((TRACKING_KPI_KEY.to_string(), self.tracking.kpi.clone()));
        out.push((TRACKING_PERIOD_KEY.to_string(), self.tracking.period.id().to_string()));
        out.push((TRACKING_THRESHOLD_KEY.to_string(), self.tracking.threshold.to_string()));
        out.push((TRACKING_MIN_DAYS_KEY.to_string(), self.tracking.min_elapsed_days.to_string()));
        out.push((TRACKING_MIN_SHARE_KEY.to_string(), self.tracking.min_elapsed_pct.to_string()));
        out.push((ASSIGN_LEADS_KEY.to_string(), if self.assign_leads_on_ingest { "on" } else { "off" }.to_string()));
        out.push((RETENTION_WINDOW_KEY.to_string(), self.retention_window_days.to_string()));
        out.push((LATE_FILING_KEY.to_string(), self.late_filing_days.to_string()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_before_they_apply() {
        let mut s = OrgSettings::default();
        s.apply("timezone", "Europe/London").expect("zone");
        assert_eq!(s.zone.name(), "Europe/London");
        assert!(matches!(s.apply("timezone", "Mars/Olympus"), Err(SettingError::UnknownZone(_))));
        s.apply("rule.won_deal_without_contract", "off").expect("rule");
        assert_eq!(s.policy.severity(Rule::WonDealWithoutContract), Severity::Off);
        assert!(matches!(s.apply("rule.rep_unknown", "off"), Err(SettingError::Rule(PolicyError::NotConfigurable(_)))));
        assert!(matches!(s.apply("colour", "blue"), Err(SettingError::UnknownKey(_))));
        assert!(s.entries().contains(&("rule.won_deal_without_contract".to_string(), "off".to_string())));
    }

    #[test]
    fn the_tracking_rule_takes_a_kpi_id_a_period_and_a_positive_threshold() {
        let mut s = OrgSettings::default();
        assert_eq!(s.tracking, TrackingRule::default());
        s.apply("tracking.kpi", "new_customers").expect("kpi");
        s.apply("tracking.period", "week").expect("period");
        s.apply("tracking.threshold", "75").expect("threshold");
        s.apply("tracking.min_elapsed_days", "2").expect("days");
        s.apply("tracking.min_elapsed_pct", "40").expect("share");
        assert_eq!(
            s.tracking,
            TrackingRule {
                kpi: "new_customers".into(),
                period: PeriodKind::Week,
                threshold: 75.0,
                min_elapsed_days: 2,
                min_elapsed_pct: 40.0
            }
        );
        assert!(matches!(s.apply("tracking.min_elapsed_days", "-1"), Err(SettingError::BadValue { .. })));
        assert!(matches!(s.apply("tracking.min_elapsed_pct", "150"), Err(SettingError::BadValue { .. })));
        assert!(matches!(s.apply("tracking.period", "day"), Err(SettingError::BadValue { .. })));
        assert!(matches!(s.apply("tracking.threshold", "-5"), Err(SettingError::BadValue { .. })));
        assert!(matches!(s.apply("tracking.kpi", "Revenue!"), Err(SettingError::BadValue { .. })));
        assert!(s.entries().contains(&("tracking.threshold".to_string(), "75".to_string())));
    }

    #[test]
    fn a_rep_is_judged_once_the_later_of_the_minimum_days_and_share_has_passed() {
        let rule = TrackingRule::default();
        // A month of 22 working days: max(3, ⌈5.5⌉) = 6. A week of 5: max(3, ⌈1.25⌉) = 3. A new
        // hire with 2 working days left in the month is judged on their last.
        assert_eq!(rule.min_elapsed(22), 6);
        assert_eq!(rule.min_elapsed(20), 5);
        assert_eq!(rule.min_elapsed(5), 3);
        assert_eq!(rule.min_elapsed(2), 2);
    }

    #[test]
    fn reps_file_daily_reports_up_to_a_week_late_unless_changed() {
        let mut s = OrgSettings::default();
        assert_eq!(s.late_filing_days, 7);
        s.apply("daily_report.late_days", "0").expect("today only");
        assert_eq!(s.late_filing_days, 0);
        assert!(matches!(s.apply("daily_report.late_days", "-1"), Err(SettingError::BadValue { .. })));
        assert!(matches!(s.apply("daily_report.late_days", "a week"), Err(SettingError::BadValue { .. })));
        assert!(s.entries().contains(&("daily_report.late_days".to_string(), "0".to_string())));
    }

    #[test]
    fn the_retention_window_is_a_positive_number_of_days_90_unless_changed() {
        let mut s = OrgSettings::default();
        assert_eq!(s.retention_window_days, 90);
        s.apply("retention.window_days", "30").expect("window");
        assert_eq!(s.retention_window_days, 30);
        assert!(matches!(s.apply("retention.window_days", "0"), Err(SettingError::BadValue { .. })));
        assert!(matches!(s.apply("retention.window_days", "a quarter"), Err(SettingError::BadValue { .. })));
        assert!(s.entries().contains(&("retention.window_days".to_string(), "30".to_string())));
    }

    #[test]
    fn lead_assignment_on_ingest_is_off_until_turned_on() {
        let mut s = OrgSettings::default();
        assert!(!s.assign_leads_on_ingest);
        s.apply("leads.assign_on_ingest", "on").expect("on");
        assert!(s.assign_leads_on_ingest);
        assert!(matches!(s.apply("leads.assign_on_ingest", "yes"), Err(SettingError::BadValue { .. })));
        assert!(s.entries().contains(&("leads.assign_on_ingest".to_string(), "on".to_string())));
    }
}
