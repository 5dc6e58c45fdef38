//! Matching a file's column headers to a kind's fields, through the built-in synonym table and
//! an optional user mapping.

use crate::schema::FieldSpec;
use crate::values::normalize_token;
use std::collections::HashMap;

/// A user's own header names (`"Agent Name" = "rep_id"`), checked against the kind's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomMapping {
    by_header: HashMap<String, String>,
}

impl CustomMapping {
    /// Builds a mapping; fails naming the first target that is not a field of the kind.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, specs: &[FieldSpec]) -> Result<Self, String> {
        let mut by_header = HashMap::new();
        for (header, field) in pairs {
            if !specs.iter().any(|s| s.name == field.trim()) {
                return Err(field.trim().to_string());
            }
            by_header.insert(normalize_token(header), field.trim().to_string());
        }
        Ok(CustomMapping { by_header })
    }

    pub fn is_empty(&self) -> bool {
        self.by_header.is_empty()
    }
}

/// How the columns of a file map onto a kind's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMapping {
    /// For each field of the kind (in spec order), the index of the column that holds it.
    pub columns: Vec<Option<usize>>,
    /// (header as written, field) for every mapped column.
    pub mapped: Vec<(String, &'static str)>,
    /// Headers that match no field; their columns are ignored.
    pub ignored: Vec<String>,
    /// Headers naming a field that an earlier column already supplies; read only where the
    /// earlier column is empty (JSON records may name one field by different keys).
    pub duplicates: Vec<(String, &'static str)>,
    /// (field, column) of every such later column, in order.
    pub alternates: Vec<(usize, usize)>,
    /// Required fields that no column supplies.
    pub missing_required: Vec<&'static str>,
}

/// Removes a trailing unit or note in parentheses (`通话时长(秒)`, `成交金额（元）`) and a
/// required-field marker (`日期*`).
fn strip_annotations(header: &str) -> &str {
    let mut h = header.trim().trim_end_matches(['*', '＊']).trim_end();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if h.ends_with(close)
            && let Some(pos) = h.rfind(open)
        {
            h = h[..pos].trim_end();
        }
    }
    h
}

fn builtin_match(specs: &[FieldSpec], header: &str) -> Option<usize> {
    let key = normalize_token(header);
    if key.is_empty() {
        return None;
    }
    specs.iter().position(|s| normalize_token(s.name) == key || s.synonyms.iter().any(|syn| normalize_token(syn) == key))
}

/// The field a header names, if any: the user's mapping first, then the built-in synonyms, then
/// the synonyms again without a unit annotation.
pub fn match_header(specs: &[FieldSpec], header: &str, custom: &CustomMapping) -> Option<usize> {
    let lookup = |h: &str| custom.by_header.get(&normalize_token(h)).and_then(|field| specs.iter().position(|s| s.name == field));
    lookup(header).or_else(|| builtin_match(specs, header)).or_else(|| {
        let stripped = strip_annotations(header);
        lookup(stripped).or_else(|| builtin_match(specs, stripped))
    })
}

pub fn map_headers(specs: &'static [FieldSpec], headers: &[&str], custom: &CustomMapping) -> HeaderMapping {
    let mut columns = vec![None; specs.len()];
    let mut mapped = Vec::new();
    let mut ignored = Vec::new();
    let mut duplicates = Vec::new();
    let mut alternates = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        match match_header(specs, header, custom) {
            Some(field) if columns[field].is_none() => {
                columns[field] = Some(index);
                mapped.push((header.trim().to_string(), specs[field].name));
            }
            Some(field) => {
                duplicates.push((header.trim().to_string(), specs[field].name));
                alternates.push((field, index));
            }
            None if header.trim().is_empty() => {}
            None => ignored.push(header.trim().to_string()),
        }
    }
    let missing_required = specs.iter().zip(&columns).filter(|(s, c)| s.required && c.is_none()).map(|(s, _)| s.name).collect();
    HeaderMapping { columns, mapped, ignored, duplicates, alternates, missing_required }
}

impl HeaderMapping {
    /// The value of each field in a row: its column's text, or that of a later column naming
    /// the same field when the first is empty.
    pub fn values<'a>(&self, fields: &[&'a str]) -> Vec<Option<&'a str>> {
        let mut values: Vec<Option<&'a str>> = self.columns.iter().map(|c| c.and_then(|c| fields.get(c).copied())).collect();
        for &(field, column) in &self.alternates {
            if values[field].is_none_or(|v| v.trim().is_empty())
                && let Some(text) = fields.get(column).copied().filter(|t| !t.trim().is_empty())
            {
                values[field] = Some(text);
            }
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Record;
    use crate::records::*;

    #[test]
    fn the_seed_daily_sheet_headers_map_to_daily_report_fields() {
        let headers =
            ["日期", "销售人员", "新客户开发数量(个)", "意向客户跟进次数(次)", "成交金额(元)", "未完成目标原因(若有)", "次日核心计划"];
        let m = map_headers(DailyReport::FIELDS, &headers, &CustomMapping::default());
        let fields: Vec<_> = m.mapped.iter().map(|(_, f)| *f).collect();
        assert_eq!(fields, ["date", "rep_id", "new_customers", "followups", "deal_amount", "missed_reason", "next_day_plan"]);
        assert!(m.missing_required.is_empty());
        assert!(m.ignored.is_empty());
    }

    #[test]
    fn call_headers_in_chinese_and_english_map_alike() {
        let zh = map_headers(
            Call::FIELDS,
            &["通话编号", "座席", "客户", "呼叫方向", "开始时间", "通话时长(秒)", "呼叫结果"],
            &CustomMapping::default(),
        );
        let en = map_headers(
            Call::FIELDS,
            &["Call ID", "Agent", "Customer", "Direction", "Start Time", "Talk Time", "Outcome"],
            &CustomMapping::default(),
        );
        assert_eq!(zh.columns, en.columns);
        assert!(zh.missing_required.is_empty(), "{:?}", zh.missing_required);
    }

    #[test]
    fn unknown_and_repeated_headers_are_reported_and_missing_fields_named() {
        let m = map_headers(Call::FIELDS, &["call_id", "备注", "call id", ""], &CustomMapping::default());
        assert_eq!(m.ignored, ["备注"]);
        assert_eq!(m.duplicates, [("call id".to_string(), "call_id")]);
        assert_eq!(m.values(&["", "x", "C7", ""])[CallField::CallId as usize], Some("C7"), "a later column fills an empty first one");
        assert_eq!(m.values(&["C1", "x", "C7", ""])[CallField::CallId as usize], Some("C1"));
        assert!(m.missing_required.contains(&"rep_id"));
        assert!(m.missing_required.contains(&"talk_seconds"));
    }

    #[test]
    fn a_custom_mapping_takes_precedence_and_rejects_unknown_fields() {
        let custom = CustomMapping::new([("Dauer", "talk_seconds"), ("Agent", "customer_id")], Call::FIELDS).expect("valid");
        assert_eq!(match_header(Call::FIELDS, "Dauer (s)", &custom), Some(CallField::TalkSeconds as usize));
        assert_eq!(match_header(Call::FIELDS, "agent", &custom), Some(CallField::CustomerId as usize));
        assert_eq!(CustomMapping::new([("x", "no_such_field")], Call::FIELDS), Err("no_such_field".to_string()));
    }

    /// A synonym shared by two fields of one kind would make the mapping depend on field order.
    #[test]
    fn no_synonym_names_two_fields_of_the_same_kind() {
        let kinds: [&[FieldSpec]; 9] = [
            Rep::FIELDS,
            Customer::FIELDS,
            Call::FIELDS,
            Activity::FIELDS,
            Lead::FIELDS,
            Deal::FIELDS,
            DealStage::FIELDS,
            Feedback::FIELDS,
            DailyReport::FIELDS,
        ];
        for specs in kinds {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for spec in specs {
                for name in std::iter::once(&spec.name).chain(spec.synonyms) {
                    if let Some(other) = seen.insert(normalize_token(name), spec.name) {
                        assert_eq!(other, spec.name, "`{name}` names both {other} and {}", spec.name);
                    }
                }
            }
        }
    }
}
