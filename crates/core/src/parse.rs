//! Turning one row of raw field texts into a typed record, collecting every rule it breaks.

use crate::rules::{Rule, RulePolicy, Severity};
use crate::schema::{FieldSpec, Table, Value};
use crate::time::{Day, LocalDateTime, OrgZone, parse_date, parse_datetime};
use crate::values::{Cents, lookup_synonym, parse_amount, parse_bool, parse_count, parse_seconds};
use std::collections::HashMap;

/// One broken rule: which field, which rule, at what severity, and the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Canonical field name, or `None` for a rule about the whole record.
    pub field: Option<&'static str>,
    pub rule: Rule,
    pub severity: Severity,
    pub value: String,
}

/// The reps a record may name, by id and by (unambiguous) name.
#[derive(Debug, Default, Clone)]
pub struct RepDirectory {
    ids: HashMap<String, ()>,
    names: HashMap<String, Option<String>>,
}

impl RepDirectory {
    pub fn insert(&mut self, rep_id: &str, name: &str) {
        self.ids.insert(rep_id.to_string(), ());
        let name = name.trim();
        if !name.is_empty() {
            self.names
                .entry(name.to_string())
                .and_modify(|owner| {
                    if owner.as_deref() != Some(rep_id) {
                        *owner = None; // Two reps share the name: it identifies neither.
                    }
                })
                .or_insert_with(|| Some(rep_id.to_string()));
        }
    }

    /// The rep id that `text` names: a rep id, or the name of exactly one rep.
    pub fn resolve<'a>(&'a self, text: &'a str) -> Option<&'a str> {
        if let Some((id, _)) = self.ids.get_key_value(text) {
            return Some(id.as_str());
        }
        self.names.get(text).and_then(|id| id.as_deref())
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The longest text a field takes, in characters: an id, a name or a team is a line of a
/// sheet; other text (notes, plans, comments) a few pages. Beyond it, a value is more likely a
/// broken export than a note, and would be repeated on every sheet that names it.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 10_000;
/// How much of a refused value the report repeats.
const SHOWN_CHARS: usize = 40;

fn max_chars(field: &str) -> usize {
    let is_name = field.ends_with("_id")
        || matches!(field, "name" | "team" | "parent_team" | "role" | "segment" | "region" | "industry" | "email" | "trainer" | "measure");
    if is_name { MAX_NAME_CHARS } else { MAX_TEXT_CHARS }
}

/// What parsing needs to know about the organisation.
#[derive(Debug, Default, Clone)]
pub struct ParseContext {
    pub zone: OrgZone,
    pub policy: RulePolicy,
    pub reps: RepDirectory,
}

/// Reads the fields of one row, in the order of the kind's [`FieldSpec`] list. Every accessor
/// records the rule a bad value breaks and returns `None`, so a parser reads on and reports all
/// problems of a row at once.
pub struct RowReader<'a> {
    values: &'a [Option<&'a str>],
    specs: &'static [FieldSpec],
    ctx: &'a ParseContext,
    issues: Vec<Issue>,
}

impl<'a> RowReader<'a> {
    pub fn new(values: &'a [Option<&'a str>], specs: &'static [FieldSpec], ctx: &'a ParseContext) -> Self {
        RowReader { values, specs, ctx, issues: Vec::new() }
    }

    pub fn context(&self) -> &ParseContext {
        self.ctx
    }

    fn spec(&self, field: usize) -> &'static FieldSpec {
        &self.specs[field]
    }

    /// The trimmed text of a field, `None` when absent or blank. A required field that is
    /// missing is reported.
    pub fn raw(&mut self, field: impl Into<usize>) -> Option<&'a str> {
        let field = field.into();
        let value = self.values.get(field).copied().flatten().map(str::trim).filter(|v| !v.is_empty());
        if value.is_none() && self.spec(field).required {
            self.report_field(field, Rule::RequiredMissing, "");
        }
        let value = value?;
        let limit = max_chars(self.spec(field).name);
        if value.chars().nth(limit).is_some() {
            let shown: String = value.chars().take(SHOWN_CHARS).chain(['…']).collect();
            self.report_field(field, Rule::TextTooLong, &shown);
            return None;
        }
        if value.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            let shown = value.escape_debug().to_string();
            self.report_field(field, Rule::ControlCharacter, &shown);
            return None;
        }
        Some(value)
    }

    pub fn text(&mut self, field: impl Into<usize>) -> Option<String> {
        self.raw(field).map(str::to_string)
    }

    /// A required text field; empty when missing (the row is then rejected anyway).
    pub fn required_text(&mut self, field: impl Into<usize>) -> String {
        self.text(field).unwrap_or_default()
    }

    fn convert<T>(&mut self, field: impl Into<usize>, rule: Rule, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let field = field.into();
        let text = self.raw(field)?;
        let parsed = parse(text);
        if parsed.is_none() {
            self.report_field(field, rule, text);
        }
        parsed
    }

    pub fn datetime(&mut self, field: impl Into<usize>) -> Option<LocalDateTime> {
        let zone = self.ctx.zone;
        self.convert(field, Rule::DateInvalid, |t| parse_datetime(t, &zone))
    }

    pub fn date(&mut self, field: impl Into<usize>) -> Option<Day> {
        let zone = self.ctx.zone;
        self.convert(field, Rule::DateInvalid, |t| parse_date(t, &zone))
    }

    /// Money in cents; a negative amount is reported under `amount_negative`, one beyond
    /// [`crate::values::MAX_AMOUNT_CENTS`] under `amount_out_of_range`.
    pub fn amount(&mut self, field: impl Into<usize>) -> Option<Cents> {
        let field = field.into();
        let value = self.convert(field, Rule::NumberInvalid, parse_amount)?;
        if value.unsigned_abs() > crate::values::MAX_AMOUNT_CENTS as u64 {
            self.report_field(field, Rule::AmountOutOfRange, &crate::values::format_cents(value));
            return None;
        }
        if value < 0 {
            self.report_field(field, Rule::AmountNegative, &crate::values::format_cents(value));
        }
        Some(value)
    }

    /// A whole count; a negative count is reported under `count_negative`.
    pub fn count(&mut self, field: impl Into<usize>) -> Option<i64> {
        let field = field.into();
        let value = self.convert(field, Rule::NumberInvalid, parse_count)?;
        if value < 0 {
            self.report_field(field, Rule::CountNegative, &value.to_string());
        }
        Some(value)
    }

    /// A duration in seconds; a negative duration is reported under `count_negative`.
    pub fn seconds(&mut self, field: impl Into<usize>) -> Option<i64> {
        let field = field.into();
        let value = self.convert(field, Rule::NumberInvalid, parse_seconds)?;
        if value < 0 {
            self.report_field(field, Rule::CountNegative, &value.to_string());
        }
        Some(value)
    }

    /// A decimal number (`12`, `-3.5`, `1,200.5`).
    pub fn number(&mut self, field: impl Into<usize>) -> Option<f64> {
        self.convert(field, Rule::NumberInvalid, |t| {
            let cleaned = t.trim().replace(',', "");
            cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
        })
    }

    /// An integer score that must lie in `range`.
    pub fn score(&mut self, field: impl Into<usize>, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let field = field.into();
        let text = self.raw(field)?;
        let Some(value) = parse_count(text) else {
            self.report_field(field, Rule::NumberInvalid, text);
            return None;
        };
        if !range.contains(&value) {
            self.report_field(field, Rule::ScoreOutOfRange, text);
        }
        Some(value)
    }

    pub fn flag(&mut self, field: impl Into<usize>) -> Option<bool> {
        self.convert(field, Rule::ValueInvalid, parse_bool)
    }

    /// An enumerated value, matched without regard to case and through synonyms.
    pub fn choice<T: Copy>(&mut self, field: impl Into<usize>, table: &[(T, &[&str])]) -> Option<T> {
        self.convert(field, Rule::ValueInvalid, |t| lookup_synonym(t, table))
    }

    /// The rep id a field names (by id or unique name); unknown reps are reported.
    pub fn rep(&mut self, field: impl Into<usize>) -> Option<String> {
        let field = field.into();
        let text = self.raw(field)?;
        let resolved = self.ctx.reps.resolve(text).map(str::to_string);
        if resolved.is_none() {
            self.report_field(field, Rule::RepUnknown, text);
        }
        resolved
    }

    fn report_field(&mut self, field: usize, rule: Rule, value: &str) {
        let name = self.spec(field).name;
        self.push(Some(name), rule, value);
    }

    /// Reports a rule broken by the value of `field` (the value is shown in the report).
    pub fn check(&mut self, broken: bool, rule: Rule, field: impl Into<usize>, value: impl ToString) {
        if broken {
            let field = field.into();
            self.report_field(field, rule, &value.to_string());
        }
    }

    fn push(&mut self, field: Option<&'static str>, rule: Rule, value: &str) {
        let severity = self.ctx.policy.severity(rule);
        if severity != Severity::Off {
            self.issues.push(Issue { field, rule, severity, value: value.to_string() });
        }
    }

    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    pub fn into_issues(self) -> Vec<Issue> {
        self.issues
    }
}

/// A record kind: how it is read from a row, stored, and totalled.
pub trait Record: Sized + Clone + PartialEq + Send + Sync + 'static {
    const FIELDS: &'static [FieldSpec];
    const TABLE: &'static Table;

    /// Builds the record from a row. Returns `None` when a required value is missing or
    /// unreadable; the reader holds the reasons.
    fn parse(row: &mut RowReader) -> Option<Self>;

    /// The external id, as shown in reports (composite keys joined by `/`).
    fn external_id(&self) -> String;

    /// Rule ids of the warnings the record was stored with, comma-separated.
    fn flags_mut(&mut self) -> &mut String;

    /// The external id as one string: the key column, or the key columns' values joined by
    /// [`crate::schema::KEY_SEPARATOR`] (as the store joins stored keys).
    fn key_text(&self) -> std::borrow::Cow<'_, str>;

    /// The stored columns of the external id, in the order of [`Record::TABLE`].
    fn key_values(&self) -> Vec<Value>;

    /// All stored columns in the order of [`Record::TABLE`], key columns first.
    fn into_values(self) -> Vec<Value>;

    fn to_values(&self) -> Vec<Value> {
        self.clone().into_values()
    }

    /// The record back from its stored columns; `None` if the row does not fit the table.
    fn from_values(values: Vec<Value>) -> Option<Self>;

    /// Adds `sign` times this record's contribution to the per-rep daily totals.
    fn contribute(&self, _sign: i64, _delta: &mut crate::rollup::RollupDelta) {}
}

/// The outcome of reading one row.
#[derive(Debug)]
pub struct Parsed<R> {
    /// The record, unless an issue of severity error rejected it.
    pub record: Option<R>,
    pub issues: Vec<Issue>,
}

/// Reads one row of a kind: values are aligned with `R::FIELDS`.
pub fn parse_row<R: Record>(values: &[Option<&str>], ctx: &ParseContext) -> Parsed<R> {
    let mut reader = RowReader::new(values, R::FIELDS, ctx);
    let record = R::parse(&mut reader);
    let rejected = reader.has_errors();
    let issues = reader.into_issues();
    let record = match record {
        Some(mut r) if !rejected => {
            *r.flags_mut() = warning_flags(&issues);
            Some(r)
        }
        _ => None,
    };
    Parsed { record, issues }
}

/// The comma-separated ids of the warning rules among `issues`, without repeats.
pub fn warning_flags(issues: &[Issue]) -> String {
    let mut ids: Vec<&str> = issues.iter().filter(|i| i.severity == Severity::Warning).map(|i| i.rule.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.join(",")
}

/// Helpers for `from_values`: take values off the front of a stored row.
pub struct ValueCursor(std::vec::IntoIter<Value>);

impl ValueCursor {
    pub fn new(values: Vec<Value>) -> Self {
        ValueCursor(values.into_iter())
    }

    pub fn text(&mut self) -> Option<String> {
        self.0.next()?.into_text()
    }

    pub fn opt_text(&mut self) -> Option<Option<String>> {
        match self.0.next()? {
            Value::Null => Some(None),
            Value::Text(t) => Some(Some(t)),
            _ => None,
        }
    }

    pub fn int(&mut self) -> Option<i64> {
        self.0.next()?.as_int()
    }

    pub fn opt_int(&mut self) -> Option<Option<i64>> {
        match self.0.next()? {
            Value::Null => Some(None),
            Value::Int(v) => Some(Some(v)),
            _ => None,
        }
    }

    pub fn value(&mut self) -> Option<Value> {
        self.0.next()
    }

    pub fn real(&mut self) -> Option<f64> {
        match self.0.next()? {
            Value::Real(v) => Some(v),
            Value::Int(v) => Some(v as f64),
            _ => None,
        }
    }

    pub fn opt_real(&mut self) -> Option<Option<f64>> {
        match self.0.next()? {
            Value::Null => Some(None),
            Value::Real(v) => Some(Some(v)),
            Value::Int(v) => Some(Some(v as f64)),
            _ => None,
        }
    }

    pub fn opt_bool(&mut self) -> Option<Option<bool>> {
        match self.0.next()? {
            Value::Null => Some(None),
            Value::Bool(v) => Some(Some(v)),
            _ => None,
        }
    }

    pub fn day(&mut self) -> Option<Day> {
        Some(Day(i32::try_from(self.int()?).ok()?))
    }

    pub fn opt_day(&mut self) -> Option<Option<Day>> {
        match self.opt_int()? {
            None => Some(None),
            Some(v) => Some(Some(Day(i32::try_from(v).ok()?))),
        }
    }

    pub fn time(&mut self) -> Option<LocalDateTime> {
        self.int().map(LocalDateTime)
    }

    pub fn opt_time(&mut self) -> Option<Option<LocalDateTime>> {
        self.opt_int().map(|v| v.map(LocalDateTime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep_named(name: &str) -> Parsed<crate::records::Rep> {
        parse_row(&[Some("R1"), Some(name), Some("一部")], &ParseContext::default())
    }

    #[test]
    fn a_name_with_a_nul_in_it_is_refused_under_control_character_shown_escaped() {
        let parsed = rep_named("张\0三");
        assert!(parsed.record.is_none());
        assert_eq!((parsed.issues[0].field, parsed.issues[0].rule), (Some("name"), Rule::ControlCharacter));
        assert_eq!(parsed.issues[0].value, "张\\0三");
        assert!(rep_named("张三\t").record.is_some(), "a tab is trimmed away, not a control character of the name");
    }

    #[test]
    fn a_name_of_more_than_200_characters_is_refused_and_only_its_start_repeated() {
        assert!(rep_named(&"长".repeat(MAX_NAME_CHARS)).record.is_some());
        let parsed = rep_named(&"长".repeat(10 << 20));
        assert_eq!(parsed.issues[0].rule, Rule::TextTooLong);
        assert_eq!(parsed.issues[0].value, format!("{}…", "长".repeat(SHOWN_CHARS)));
        let notes = parse_row::<crate::records::DailyReport>(
            &[Some("R1"), Some("2026-12-07"), Some("0"), Some("1"), Some(&"记".repeat(MAX_TEXT_CHARS)), Some("0")],
            &ParseContext::default(),
        );
        assert!(notes.issues.iter().all(|i| i.rule != Rule::TextTooLong), "notes take 10,000 characters: {:?}", notes.issues);
    }

    #[test]
    fn reps_resolve_by_id_or_unique_name() {
        let mut reps = RepDirectory::default();
        reps.insert("R001", "张三");
        reps.insert("R002", "李四");
        reps.insert("R003", "李四");
        assert_eq!(reps.resolve("R001"), Some("R001"));
        assert_eq!(reps.resolve("张三"), Some("R001"));
        assert_eq!(reps.resolve("李四"), None, "an ambiguous name names nobody");
        assert_eq!(reps.resolve("王五"), None);
    }

    #[test]
    fn a_rep_renamed_to_its_own_name_stays_resolvable() {
        let mut reps = RepDirectory::default();
        reps.insert("R001", "张三");
        reps.insert("R001", "张三");
        assert_eq!(reps.resolve("张三"), Some("R001"));
    }
}
