//! Named validation rules and the organisation's choice of severity for each.

use std::collections::HashMap;
use std::fmt;

/// Every reason a value or a record can be refused or flagged. The snake_case id is stable: it
/// appears in import reports, in settings (`rule.<id>`) and in the translation catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    // Structural: the record cannot be built without a valid value, so these are always errors.
    RequiredMissing,
    DateInvalid,
    NumberInvalid,
    ValueInvalid,
    EncodingInvalid,
    /// A NUL or another control character inside a value: a broken export, never a name.
    ControlCharacter,
    /// A value longer than a field holds ([`crate::parse::MAX_TEXT_CHARS`]).
    TextTooLong,
    /// A CSV quote left open, which read the lines after it into one field.
    QuoteUnclosed,
    RepUnknown,
    DealUnknown,
    CourseUnknown,
    SessionUnknown,
    /// An amount beyond ±10^12 yuan, the range money is kept in.
    AmountOutOfRange,
    /// The record lies outside what the writer may write (SPEC §1), before or after the change.
    OutsideScope,
    /// A rep's own daily report of a day older than the filing window (`daily_report.late_days`).
    ReportTooLate,
    // Entry rules from the seeds; each organisation chooses error, warning or off.
    AmountNegative,
    CountNegative,
    FollowupWithoutNotes,
    DealAmountWithoutContract,
    WonDealWithoutContract,
    TalkExceedsDuration,
    TalkWithoutConnection,
    ClosedWithoutDate,
    ClosedBeforeCreated,
    OpenDealWithCloseDate,
    ScoreOutOfRange,
    ResponseBeforeCreated,
    StageBeforeDealCreated,
    StageAfterDealClosed,
    DuplicateInFile,
    /// A daily report of a day after today.
    ReportInFuture,
    /// A rep's own daily report of a day before today, within the window: kept, flagged for the audit.
    ReportFiledLate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The row is rejected.
    Error,
    /// The row is kept and flagged with the rule's id.
    Warning,
    /// The rule is not checked.
    Off,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Off => "off",
        }
    }

    pub fn from_id(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "off" => Some(Severity::Off),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Rule {
    pub const ALL: [Rule; 32] = [
        Rule::RequiredMissing,
        Rule::DateInvalid,
        Rule::NumberInvalid,
        Rule::ValueInvalid,
        Rule::EncodingInvalid,
        Rule::ControlCharacter,
        Rule::TextTooLong,
        Rule::QuoteUnclosed,
        Rule::RepUnknown,
        Rule::DealUnknown,
        Rule::CourseUnknown,
        Rule::SessionUnknown,
        Rule::AmountOutOfRange,
        Rule::OutsideScope,
        Rule::ReportTooLate,
        Rule::AmountNegative,
        Rule::CountNegative,
        Rule::FollowupWithoutNotes,
        Rule::DealAmountWithoutContract,
        Rule::WonDealWithoutContract,
        Rule::TalkExceedsDuration,
        Rule::TalkWithoutConnection,
        Rule::ClosedWithoutDate,
        Rule::ClosedBeforeCreated,
        Rule::OpenDealWithCloseDate,
        Rule::ScoreOutOfRange,
        Rule::ResponseBeforeCreated,
        Rule::StageBeforeDealCreated,
        Rule::StageAfterDealClosed,
        Rule::DuplicateInFile,
        Rule::ReportInFuture,
        Rule::ReportFiledLate,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::RequiredMissing => "required_missing",
            Rule::DateInvalid => "date_invalid",
            Rule::NumberInvalid => "number_invalid",
            Rule::ValueInvalid => "value_invalid",
            Rule::EncodingInvalid => "encoding_invalid",
            Rule::ControlCharacter => "control_character",
            Rule::TextTooLong => "text_too_long",
            Rule::QuoteUnclosed => "quote_unclosed",
            Rule::RepUnknown => "rep_unknown",
            Rule::DealUnknown => "deal_unknown",
            Rule::CourseUnknown => "course_unknown",
            Rule::SessionUnknown => "session_unknown",
            Rule::AmountOutOfRange => "amount_out_of_range",
            Rule::OutsideScope => "outside_scope",
            Rule::ReportTooLate => "report_too_late",
            Rule::AmountNegative => "amount_negative",
            Rule::CountNegative => "count_negative",
            Rule::FollowupWithoutNotes => "followup_without_notes",
            Rule::DealAmountWithoutContract => "deal_amount_without_contract",
            Rule::WonDealWithoutContract => "won_deal_without_contract",
            Rule::TalkExceedsDuration => "talk_exceeds_duration",
            Rule::TalkWithoutConnection => "talk_without_connection",
            Rule::ClosedWithoutDate => "closed_without_date",
            Rule::ClosedBeforeCreated => "closed_before_created",
            Rule::OpenDealWithCloseDate => "open_deal_with_close_date",
            Rule::ScoreOutOfRange => "score_out_of_range",
            Rule::ResponseBeforeCreated => "response_before_created",
            Rule::StageBeforeDealCreated => "stage_before_deal_created",
            Rule::StageAfterDealClosed => "stage_after_deal_closed",
            Rule::DuplicateInFile => "duplicate_in_file",
            Rule::ReportInFuture => "report_in_future",
            Rule::ReportFiledLate => "report_filed_late",
        }
    }

    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id.trim())
    }

    /// Structural rules guard the shape of a record; relaxing them would store garbage.
    pub fn is_configurable(self) -> bool {
        !matches!(
            self,
            Rule::RequiredMissing
                | Rule::DateInvalid
                | Rule::NumberInvalid
                | Rule::ValueInvalid
                | Rule::EncodingInvalid
                | Rule::ControlCharacter
                | Rule::TextTooLong
                | Rule::QuoteUnclosed
                | Rule::RepUnknown
                | Rule::DealUnknown
                | Rule::CourseUnknown
                | Rule::SessionUnknown
                | Rule::AmountOutOfRange
                | Rule::OutsideScope
                | Rule::ReportTooLate
        )
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Rule::TalkWithoutConnection | Rule::OpenDealWithCloseDate | Rule::DuplicateInFile | Rule::ReportFiledLate => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Translation key of the rule's explanation.
    pub fn message_key(self) -> String {
        format!("rule.{}", self.id())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The severity in force for each rule: the defaults, the organisation's settings, and the
/// overrides of one import run, in increasing precedence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulePolicy {
    overrides: HashMap<Rule, Severity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    UnknownRule(String),
    UnknownSeverity(String),
    NotConfigurable(Rule),
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::UnknownRule(r) => write!(f, "unknown rule `{r}`"),
            PolicyError::UnknownSeverity(s) => {
                write!(f, "unknown severity `{s}` (use error, warning or off)")
            }
            PolicyError::NotConfigurable(r) => write!(f, "rule `{r}` guards the record's shape and is always an error"),
        }
    }
}

impl std::error::Error for PolicyError {}

impl RulePolicy {
    pub fn severity(&self, rule: Rule) -> Severity {
        if !rule.is_configurable() {
            return Severity::Error;
        }
        self.overrides.get(&rule).copied().unwrap_or_else(|| rule.default_severity())
    }

    pub fn set(&mut self, rule: Rule, severity: Severity) -> Result<(), PolicyError> {
        if !rule.is_configurable() && severity != Severity::Error {
            return Err(PolicyError::NotConfigurable(rule));
        }
        self.overrides.insert(rule, severity);
        Ok(())
    }

    /// Applies `rule_id=severity` (the form of `--rule` flags).
    pub fn set_from_text(&mut self, assignment: &str) -> Result<(), PolicyError> {
        let (rule, severity) = assignment.split_once('=').ok_or_else(|| PolicyError::UnknownRule(assignment.to_string()))?;
        let rule = Rule::from_id(rule).ok_or_else(|| PolicyError::UnknownRule(rule.trim().to_string()))?;
        let severity = Severity::from_id(severity).ok_or_else(|| PolicyError::UnknownSeverity(severity.trim().to_string()))?;
        self.set(rule, severity)
    }

    /// Rules whose severity differs from the default.
    pub fn overrides(&self) -> impl Iterator<Item = (Rule, Severity)> + '_ {
        self.overrides.iter().map(|(r, s)| (*r, *s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_round_trips() {
        for rule in Rule::ALL {
            assert_eq!(Rule::from_id(rule.id()), Some(rule));
        }
    }

    #[test]
    fn entry_rules_can_be_relaxed_but_structural_rules_cannot() {
        let mut policy = RulePolicy::default();
        assert_eq!(policy.severity(Rule::WonDealWithoutContract), Severity::Error);
        policy.set_from_text("won_deal_without_contract=warning").expect("configurable");
        assert_eq!(policy.severity(Rule::WonDealWithoutContract), Severity::Warning);
        assert_eq!(policy.set_from_text("date_invalid=off"), Err(PolicyError::NotConfigurable(Rule::DateInvalid)));
        assert_eq!(policy.severity(Rule::DateInvalid), Severity::Error);
        assert!(matches!(policy.set_from_text("nonsense=off"), Err(PolicyError::UnknownRule(_))));
        assert!(matches!(policy.set_from_text("amount_negative=loud"), Err(PolicyError::UnknownSeverity(_))));
    }
}
