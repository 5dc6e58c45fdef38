//! The report every import returns: what was read, stored, refused and flagged, row by row.

use salescope_core::i18n::Lang;
use salescope_core::parse::Issue;
use salescope_core::rules::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many rejected rows (and separately, warnings) the report lists one by one; the counts
/// per rule are always complete.
pub const LISTED_ISSUES: usize = 1000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ColumnMapping {
    /// The header as written in the file.
    pub header: String,
    /// The Salescope field it was read as.
    pub field: String,
    /// That field as people name it, in the report's language.
    pub label: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ColumnReport {
    pub mapped: Vec<ColumnMapping>,
    /// Headers that name no field of the kind; their values were not read.
    pub ignored: Vec<String>,
    /// Headers naming a field an earlier column already supplies; not read.
    pub duplicates: Vec<ColumnMapping>,
}

/// One broken rule on one row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RowIssue {
    /// Row number as the user sees it (see [`crate::source::RowRef::number`]).
    pub row: u64,
    /// The column header as written in the file, when the rule concerns one column.
    pub column: Option<String>,
    /// The Salescope field of that column.
    pub field: Option<String>,
    pub rule: String,
    pub severity: String,
    pub value: String,
    /// The rule explained in the report's language.
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ImportReport {
    pub kind: String,
    pub source: String,
    pub format: String,
    pub strict: bool,
    /// A preview: the counts say what an import would do; nothing was stored.
    pub dry_run: bool,
    /// Whether the accepted rows were stored (false when a strict import rejected any row).
    pub committed: bool,
    /// Data rows read, blank rows excluded.
    pub rows_read: u64,
    pub blank_rows: u64,
    /// Rows above the header row (titles), skipped.
    pub rows_before_header: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows stored with at least one warning.
    pub warned: u64,
    /// Rows the writer may not write (rule `outside_scope`): any refuses the whole import.
    pub outside_scope: u64,
    pub columns: ColumnReport,
    pub rejected_by_rule: BTreeMap<String, u64>,
    pub warnings_by_rule: BTreeMap<String, u64>,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
    /// True when more issues occurred than [`LISTED_ISSUES`] per list.
    pub truncated: bool,
    pub seconds: f64,
    /// Leads the assignment rule gave to reps after the import (`leads.assign_on_ingest`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assigned_leads: Vec<salescope_engine::leads::AssignedLead>,
    #[serde(skip)]
    pub lang: Lang,
}

impl ImportReport {
    /// Records the issues of one row. `column_of` gives the file's header for a field.
    pub fn add_row_issues(&mut self, row: u64, issues: &[Issue], column_of: &dyn Fn(&str) -> Option<String>) {
        let rejected = issues.iter().any(|i| i.severity == Severity::Error);
        if rejected {
            self.rejected += 1;
        } else if issues.iter().any(|i| i.severity == Severity::Warning) {
            self.warned += 1;
        }
        for issue in issues {
            let (counts, list) = match issue.severity {
                Severity::Error => (&mut self.rejected_by_rule, &mut self.errors),
                Severity::Warning => (&mut self.warnings_by_rule, &mut self.warnings),
                Severity::Off => continue,
            };
            *counts.entry(issue.rule.id().to_string()).or_default() += 1;
            if list.len() >= LISTED_ISSUES {
                self.truncated = true;
                continue;
            }
            list.push(RowIssue {
                row,
                column: issue.field.and_then(column_of),
                field: issue.field.map(str::to_string),
                rule: issue.rule.id().to_string(),
                severity: issue.severity.id().to_string(),
                value: issue.value.clone(),
                message: self.lang.tr(&issue.rule.message_key()).to_string(),
            });
        }
    }

    /// The report for a terminal, in the report's language.
    pub fn render_text(&self) -> String {
        let lang = self.lang;
        let mut out = String::new();
        out.push_str(&lang.format(
            "import.summary",
            &[
                ("kind", &self.kind),
                ("rows", &self.rows_read),
                ("inserted", &self.inserted),
                ("updated", &self.updated),
                ("unchanged", &self.unchanged),
                ("rejected", &self.rejected),
                ("warned", &self.warned),
            ],
        ));
        out.push_str(&format!("  ({}, {:.2} s)\n", self.format, self.seconds));
        if !self.committed {
            out.push_str(lang.tr("import.committed_none"));
            out.push('\n');
        }
        let mapped: Vec<String> = self.columns.mapped.iter().map(|m| format!("{} → {}", m.header, m.field)).collect();
        out.push_str(&format!("{}: {}\n", lang.tr("import.columns_mapped"), mapped.join(", ")));
        if !self.columns.ignored.is_empty() {
            out.push_str(&format!("{}: {}\n", lang.tr("import.columns_ignored"), self.columns.ignored.join(", ")));
        }
        if !self.columns.duplicates.is_empty() {
            let dups: Vec<String> = self.columns.duplicates.iter().map(|m| format!("{} ({})", m.header, m.field)).collect();
            out.push_str(&format!("{}: {}\n", lang.tr("import.columns_duplicate"), dups.join(", ")));
        }
        for (title, list, counts) in
            [("import.errors", &self.errors, &self.rejected_by_rule), ("import.warnings", &self.warnings, &self.warnings_by_rule)]
        {
            if counts.is_empty() {
                continue;
            }
            let per_rule: Vec<String> = counts.iter().map(|(rule, n)| format!("{rule} ×{n}")).collect();
            out.push_str(&format!("{} ({}):\n", lang.tr(title), per_rule.join(", ")));
            const SHOWN: usize = 20;
            for issue in list.iter().take(SHOWN) {
                let column = issue.column.clone().or_else(|| issue.field.clone()).unwrap_or_else(|| "-".into());
                out.push_str("  ");
                out.push_str(&lang.format(
                    "import.row_issue",
                    &[
                        ("row", &issue.row),
                        ("column", &column),
                        ("message", &issue.message),
                        ("rule", &issue.rule),
                        ("value", &issue.value),
                    ],
                ));
                out.push('\n');
            }
            let total: u64 = counts.values().sum();
            if total > SHOWN as u64 {
                out.push_str("  ");
                out.push_str(&lang.format("import.more", &[("count", &(total - SHOWN as u64))]));
                out.push('\n');
            }
        }
        if !self.assigned_leads.is_empty() {
            out.push_str(&lang.format("import.assigned_leads", &[("count", &self.assigned_leads.len())]));
            out.push('\n');
            for lead in &self.assigned_leads {
                out.push_str(&format!("  {} → {} ({}): {}\n", lead.lead_id, lead.rep_name, lead.rep_id, lead.reason));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salescope_core::rules::Rule;

    fn issue(rule: Rule, severity: Severity) -> Issue {
        Issue { field: Some("talk_seconds"), rule, severity, value: "700".into() }
    }

    #[test]
    fn rows_are_counted_once_and_issues_listed_with_their_column() {
        let mut report = ImportReport { lang: Lang::ZhCn, ..Default::default() };
        let column = |f: &str| (f == "talk_seconds").then(|| "通话时长".to_string());
        report.add_row_issues(
            5,
            &[issue(Rule::TalkExceedsDuration, Severity::Error), issue(Rule::CountNegative, Severity::Error)],
            &column,
        );
        report.add_row_issues(6, &[issue(Rule::TalkWithoutConnection, Severity::Warning)], &column);
        assert_eq!((report.rejected, report.warned), (1, 1));
        assert_eq!(report.errors.len(), 2);
        assert_eq!(report.errors[0].column.as_deref(), Some("通话时长"));
        assert_eq!(report.errors[0].message, "通话时长超过了呼叫总时长");
        assert_eq!(report.rejected_by_rule.get("talk_exceeds_duration"), Some(&1));
        let text = report.render_text();
        assert!(text.contains("第 5 行，列“通话时长”"), "{text}");
    }

    #[test]
    fn long_issue_lists_are_truncated_but_counted_in_full() {
        let mut report = ImportReport::default();
        for row in 0..(LISTED_ISSUES as u64 + 5) {
            report.add_row_issues(row, &[issue(Rule::DateInvalid, Severity::Error)], &|_| None);
        }
        assert_eq!(report.errors.len(), LISTED_ISSUES);
        assert!(report.truncated);
        assert_eq!(report.rejected_by_rule.get("date_invalid"), Some(&(LISTED_ISSUES as u64 + 5)));
    }
}
