//! The organisation's settings: its time zone and the severity of each entry rule.

use crate::rules::{PolicyError, Rule, RulePolicy, Severity};
use crate::time::OrgZone;
use std::fmt;

pub const TIMEZONE_KEY: &str = "timezone";
const RULE_PREFIX: &str = "rule.";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgSettings {
    pub zone: OrgZone,
    pub policy: RulePolicy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingError {
    UnknownKey(String),
    UnknownZone(String),
    Rule(PolicyError),
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingError::UnknownKey(k) => {
                write!(f, "unknown setting `{k}` (known: timezone, rule.<rule id>)")
            }
            SettingError::UnknownZone(z) => {
                write!(f, "`{z}` is not an IANA time zone such as Asia/Shanghai")
            }
            SettingError::Rule(e) => e.fmt(f),
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
        Err(SettingError::UnknownKey(key.to_string()))
    }

    /// Every setting with its value in force, defaults included.
    pub fn entries(&self) -> Vec<(String, String)> {
        let mut out = vec![(TIMEZONE_KEY.to_string(), self.zone.name().to_string())];
        for rule in Rule::ALL.into_iter().filter(|r| r.is_configurable()) {
            out.push((format!("{RULE_PREFIX}{}", rule.id()), self.policy.severity(rule).id().to_string()));
        }
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
}
