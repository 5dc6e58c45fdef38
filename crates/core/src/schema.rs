//! The shape of records: their input fields (with header synonyms) and their stored columns.

use std::fmt;

/// An input field of a record kind, with the header names it is recognised by.
#[derive(Debug)]
pub struct FieldSpec {
    /// Canonical field name, as documented in docs/import.md and used by the JSON API.
    pub name: &'static str,
    pub required: bool,
    /// Other header names (English and Chinese) that mean this field.
    pub synonyms: &'static [&'static str],
}

impl FieldSpec {
    /// The field as people name it: in Chinese its first Chinese header name, in English its
    /// name in words (`started_at` → `started at`).
    pub fn label(&self, lang: crate::i18n::Lang) -> String {
        let chinese = || self.synonyms.iter().find(|s| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        match (lang, chinese()) {
            (crate::i18n::Lang::ZhCn, Some(name)) => name.to_string(),
            _ => self.name.replace('_', " "),
        }
    }
}

/// The record kinds that can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Reps,
    Customers,
    Calls,
    Activities,
    Leads,
    Deals,
    DealStages,
    Feedback,
    DailyReports,
    /// Values of a custom measure (`salescope import measure NAME`).
    Measures,
    Courses,
    /// Training sessions: one running of a course.
    Sessions,
    Attendance,
    Assessments,
    TrainingFeedback,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Reps,
        Kind::Customers,
        Kind::Calls,
        Kind::Activities,
        Kind::Leads,
        Kind::Deals,
        Kind::DealStages,
        Kind::Feedback,
        Kind::DailyReports,
        Kind::Measures,
        Kind::Courses,
        Kind::Sessions,
        Kind::Attendance,
        Kind::Assessments,
        Kind::TrainingFeedback,
    ];

    /// The name used on the command line and in API routes.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Reps => "reps",
            Kind::Customers => "customers",
            Kind::Calls => "calls",
            Kind::Activities => "activities",
            Kind::Leads => "leads",
            Kind::Deals => "deals",
            Kind::DealStages => "deal-stages",
            Kind::Feedback => "feedback",
            Kind::DailyReports => "daily-reports",
            Kind::Measures => "measures",
            Kind::Courses => "courses",
            Kind::Sessions => "sessions",
            Kind::Attendance => "attendance",
            Kind::Assessments => "assessments",
            Kind::TrainingFeedback => "training-feedback",
        }
    }

    /// Accepts the id, its singular and underscore forms (`deal_stage`, `daily-report`).
    pub fn from_id(text: &str) -> Option<Kind> {
        let t = text.trim().to_ascii_lowercase().replace('_', "-");
        Kind::ALL.into_iter().find(|k| {
            let id = k.id();
            t == id || id.strip_suffix('s') == Some(t.as_str()) || (*k == Kind::Activities && t == "activity")
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Real,
    Text,
    Bool,
}

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
}

/// A stored table: its columns, of which the first `key_len` form the external id.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub key_len: usize,
}

impl Table {
    pub fn key_columns(&self) -> &'static [Column] {
        &self.columns[..self.key_len]
    }
}

/// A stored value. Times are local seconds, days are day numbers, money is cents.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        v.map_or(Value::Null, Value::Text)
    }
}

impl Value {
    pub fn opt_text(v: &Option<String>) -> Value {
        v.as_ref().map_or(Value::Null, |s| Value::Text(s.clone()))
    }

    pub fn opt_int(v: Option<i64>) -> Value {
        v.map_or(Value::Null, Value::Int)
    }

    pub fn opt_bool(v: Option<bool>) -> Value {
        v.map_or(Value::Null, Value::Bool)
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(v) => Some(*v),
            _ => None,
        }
    }

    pub fn into_text(self) -> Option<String> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    /// The value as a string for reports and external-id display.
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(v) => v.to_string(),
            Value::Real(v) => v.to_string(),
            Value::Text(v) => v.clone(),
            Value::Bool(v) => v.to_string(),
        }
    }
}

/// Joins the parts of a composite external id for hashing and lookup (the separator cannot
/// occur in imported text, which is read as printable fields).
pub fn join_key(parts: &[&dyn fmt::Display]) -> String {
    let mut key = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(KEY_SEPARATOR);
        }
        key.push_str(&part.to_string());
    }
    key
}

pub const KEY_SEPARATOR: char = '\u{1f}';

/// Declares a kind's input fields: an enum to index them and the matching spec list.
#[macro_export]
macro_rules! fields {
    ($vis:vis enum $name:ident in $specs:ident {
        $($variant:ident = $field:literal, $req:ident, $synonyms:expr;)*
    }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($variant),* }

        $vis static $specs: &[$crate::schema::FieldSpec] = &[
            $($crate::schema::FieldSpec { name: $field, required: $crate::fields!(@req $req), synonyms: &$synonyms }),*
        ];

        impl From<$name> for usize {
            fn from(f: $name) -> usize { f as usize }
        }
    };
    (@req required) => { true };
    (@req optional) => { false };
}

/// Declares a table's columns.
#[macro_export]
macro_rules! table {
    ($vis:vis static $ident:ident = $name:literal key $key_len:literal { $($col:literal : $ty:ident),* $(,)? }) => {
        $vis static $ident: $crate::schema::Table = $crate::schema::Table {
            name: $name,
            key_len: $key_len,
            columns: &[$($crate::schema::Column { name: $col, ty: $crate::schema::ColumnType::$ty }),*],
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_id_singular_and_underscore_forms() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_id(kind.id()), Some(kind));
        }
        assert_eq!(Kind::from_id("deal_stage"), Some(Kind::DealStages));
        assert_eq!(Kind::from_id("daily-report"), Some(Kind::DailyReports));
        assert_eq!(Kind::from_id("call"), Some(Kind::Calls));
        assert_eq!(Kind::from_id("activity"), Some(Kind::Activities));
        assert_eq!(Kind::from_id("widgets"), None);
    }
}
