//! Salescope's importers: files (CSV in UTF-8, GBK/GB18030 or UTF-16; XLSX and other
//! spreadsheets) and JSON arrays become validated records in the store, with a report of every
//! row accepted, updated, unchanged, rejected or flagged.
//!
//! **Architecture invariant:** the import knows files and encodings but not SQL; it validates
//! with the core's rules and writes through the store's API, in one transaction per import.

pub mod pipelines;
mod report;
mod run;
pub mod source;
pub mod transcripts;

pub use report::{ColumnMapping, ColumnReport, ImportReport, LISTED_ISSUES, RowIssue};
pub use run::Importable;
pub use source::{Encoding, SHEET_LIMIT_VARIABLE, Source, SourceFormat};

use salescope_core::i18n::Lang;
use salescope_core::records::{Activity, Call, Customer, DailyReport, Deal, DealStage, Feedback, Lead, MeasureValue, Rep};
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime};
use salescope_core::training::{Assessment, Attendance, Course, Session, TrainingFeedback};
use salescope_store::{Db, StoreError};
use std::path::Path;
use std::sync::Arc;

/// A problem with the input as a whole: nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {detail}")]
    Unreadable { file: String, detail: String },
    #[error("the workbook has no sheet named {sheet} (sheets: {})", available.join(", "))]
    SheetNotFound { sheet: String, available: Vec<String> },
    #[error("{file} unpacks to more than {limit_mb} MiB (part {part}); raise {variable} or save the sheet as CSV", variable = SHEET_LIMIT_VARIABLE)]
    WorkbookTooLarge { file: String, part: String, limit_mb: u64 },
    #[error("sheet {sheet} holds more than {limit_mb} MiB of cells by row {row}; raise {variable} or save the sheet as CSV", variable = SHEET_LIMIT_VARIABLE)]
    SheetTooLarge { sheet: String, row: u64, limit_mb: u64 },
    #[error("row {row}, column {column}: the cell is longer than {limit} characters, Excel's own limit")]
    CellTooLong { row: u64, column: String, limit: usize },
    #[error("row {row}, column {column}: the cell lies beyond the {max_rows} rows and {max_columns} columns that are read")]
    CellOutOfBounds { row: u64, column: String, max_rows: u64, max_columns: u32 },
    #[error("not a JSON array of records: {0}")]
    BadJson(String),
    #[error("the input has no rows")]
    EmptyFile,
    #[error("required columns are missing: {} (headers found: {})", missing.join(", "), headers.join(", "))]
    MissingColumns { missing: Vec<String>, headers: Vec<String> },
    #[error("the column mapping is not usable: {0}")]
    BadMapping(String),
    #[error("{0}")]
    BadRule(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// A stable code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Unreadable { .. } => "file_unreadable",
            ImportError::SheetNotFound { .. } => "sheet_not_found",
            ImportError::WorkbookTooLarge { .. } => "workbook_too_large",
            ImportError::SheetTooLarge { .. } => "sheet_too_large",
            ImportError::CellTooLong { .. } => "cell_too_long",
            ImportError::CellOutOfBounds { .. } => "cell_out_of_bounds",
            ImportError::BadJson(_) => "bad_json",
            ImportError::EmptyFile => "empty_input",
            ImportError::MissingColumns { .. } => "missing_columns",
            ImportError::BadMapping(_) => "bad_mapping",
            ImportError::BadRule(_) => "bad_rule",
            ImportError::Store(_) => "store_error",
        }
    }

    /// The message in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportError::Unreadable { file, detail } => lang.format("error.file_unreadable", &[("file", file), ("detail", detail)]),
            ImportError::SheetNotFound { sheet, available } => {
                lang.format("error.sheet_not_found", &[("sheet", sheet), ("sheets", &available.join(", "))])
            }
            ImportError::WorkbookTooLarge { file, part, limit_mb } => lang.format(
                "error.workbook_too_large",
                &[("file", file), ("part", part), ("limit", limit_mb), ("variable", &SHEET_LIMIT_VARIABLE)],
            ),
            ImportError::SheetTooLarge { sheet, row, limit_mb } => lang.format(
                "error.sheet_too_large",
                &[("sheet", sheet), ("row", row), ("limit", limit_mb), ("variable", &SHEET_LIMIT_VARIABLE)],
            ),
            ImportError::CellTooLong { row, column, limit } => {
                lang.format("error.cell_too_long", &[("row", row), ("column", column), ("limit", limit)])
            }
            ImportError::CellOutOfBounds { row, column, max_rows, max_columns } => {
                lang.format("error.cell_out_of_bounds", &[("row", row), ("column", column), ("rows", max_rows), ("columns", max_columns)])
            }
            ImportError::BadJson(detail) => lang.format("error.bad_json", &[("detail", detail)]),
            ImportError::EmptyFile => lang.tr("error.empty_input").to_string(),
            ImportError::MissingColumns { missing, headers } => {
                lang.format("error.missing_columns", &[("fields", &missing.join(", ")), ("headers", &headers.join(", "))])
            }
            ImportError::BadMapping(detail) => lang.format("error.bad_mapping", &[("detail", detail)]),
            ImportError::BadRule(detail) => lang.format("error.bad_rule", &[("detail", detail)]),
            ImportError::Store(e) => lang.format("error.store", &[("detail", &e)]),
        }
    }
}

/// Progress of a long import, shown by the CLI as a bar.
pub trait Progress: Send + Sync {
    fn start(&self, _total_bytes: u64) {}
    fn advance(&self, _bytes_read: u64) {}
    fn finish(&self) {}
}

/// No progress display (API requests, tests).
pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Reject the whole input when any row is rejected.
    pub strict: bool,
    /// Validate and count what would change, then store nothing (the upload preview).
    pub dry_run: bool,
    pub lang: Lang,
    /// (header in the file, Salescope field) pairs that extend the built-in synonyms.
    pub mapping: Vec<(String, String)>,
    /// `rule_id=severity` overrides for this import only.
    pub rule_overrides: Vec<String>,
    /// (field, value) for fields a row leaves empty or the input has no column for (the
    /// measure's name, say).
    pub defaults: Vec<(String, String)>,
    /// (field, the file's word → the value Salescope reads), applied before parsing.
    pub values: Vec<(String, Vec<(String, String)>)>,
    /// (field, field it takes its value from when the row leaves it empty).
    pub copies: Vec<(String, String)>,
    /// The organisation's today (team changes without a date start today).
    pub today: Day,
    /// The organisation's local time now, recorded with the import.
    pub now: LocalDateTime,
    /// Shown in the report and the audit trail: a file name, or `api`.
    pub source_name: String,
    pub kind_label: String,
    /// Whose records the writer may write; a record outside refuses the import.
    pub write_scope: salescope_core::access::WriteScope,
}

impl ImportOptions {
    pub fn new(kind: Kind, source_name: &str, now: LocalDateTime) -> ImportOptions {
        ImportOptions {
            strict: false,
            dry_run: false,
            lang: Lang::En,
            mapping: Vec::new(),
            rule_overrides: Vec::new(),
            defaults: Vec::new(),
            values: Vec::new(),
            copies: Vec::new(),
            today: now.day(),
            now,
            source_name: source_name.to_string(),
            kind_label: kind.id().to_string(),
            write_scope: salescope_core::access::WriteScope::Everything,
        }
    }
}

/// Imports every row of `source` as records of `kind`.
pub async fn import(
    db: &Db,
    kind: Kind,
    source: Source,
    options: &ImportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ImportReport, ImportError> {
    match kind {
        Kind::Reps => run::run::<Rep>(db, source, options, progress).await,
        Kind::Customers => run::run::<Customer>(db, source, options, progress).await,
        Kind::Calls => run::run::<Call>(db, source, options, progress).await,
        Kind::Activities => run::run::<Activity>(db, source, options, progress).await,
        Kind::Leads => {
            let mut report = run::run::<Lead>(db, source, options, progress).await?;
            if report.committed && !options.dry_run && db.settings().await?.assign_leads_on_ingest {
                // The leads are stored whatever happens here; unowned ones wait for the next run.
                match salescope_engine::leads::assign_unowned_leads(db, options.today, options.lang).await {
                    Ok(assigned) => report.assigned_leads = assigned,
                    Err(e) => tracing::error!("assigning the new leads: {e}"),
                }
            }
            Ok(report)
        }
        Kind::Deals => run::run::<Deal>(db, source, options, progress).await,
        Kind::DealStages => run::run::<DealStage>(db, source, options, progress).await,
        Kind::Feedback => run::run::<Feedback>(db, source, options, progress).await,
        Kind::DailyReports => run::run::<DailyReport>(db, source, options, progress).await,
        Kind::Measures => run::run::<MeasureValue>(db, source, options, progress).await,
        Kind::Courses => run::run::<Course>(db, source, options, progress).await,
        Kind::Sessions => run::run::<Session>(db, source, options, progress).await,
        Kind::Attendance => run::run::<Attendance>(db, source, options, progress).await,
        Kind::Assessments => run::run::<Assessment>(db, source, options, progress).await,
        Kind::TrainingFeedback => run::run::<TrainingFeedback>(db, source, options, progress).await,
    }
}

/// Imports a file; see [`Source::open`] for the formats.
pub async fn import_file(
    db: &Db,
    kind: Kind,
    path: &Path,
    sheet: Option<&str>,
    encoding: Encoding,
    options: &ImportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ImportReport, ImportError> {
    let source = Source::open(path, sheet, encoding)?;
    import(db, kind, source, options, progress).await
}

/// A mapping file: how another system's export becomes Salescope records (docs/import.md).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappingFile {
    /// `[columns]`: (header in the file, Salescope field).
    pub columns: Vec<(String, String)>,
    /// `[values.<field>]`: the file's words for a field's values (`Engaging` → `open`).
    pub values: Vec<(String, Vec<(String, String)>)>,
    /// `[copy]`: (field, field it takes its value from when the row leaves it empty).
    pub copies: Vec<(String, String)>,
    /// `[defaults]`: (field, value when the row leaves it empty).
    pub defaults: Vec<(String, String)>,
    /// `[rules]`: `rule_id=severity` for imports with this mapping.
    pub rules: Vec<String>,
}

impl MappingFile {
    /// Adds the file's mapping to an import's options.
    pub fn apply(&self, options: &mut ImportOptions) {
        options.mapping.extend(self.columns.iter().cloned());
        options.values.extend(self.values.iter().cloned());
        options.copies.extend(self.copies.iter().cloned());
        options.defaults.extend(self.defaults.iter().cloned());
        options.rule_overrides.extend(self.rules.iter().cloned());
    }
}

/// Reads a mapping file; see [`parse_mapping`].
pub fn read_mapping_file(path: &Path) -> Result<MappingFile, ImportError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| ImportError::Unreadable { file: path.display().to_string(), detail: e.to_string() })?;
    parse_mapping(&text)
}

/// The pairs of a table of strings, or what is wrong with it.
fn string_pairs(table: &toml::Table, what: &str) -> Result<Vec<(String, String)>, ImportError> {
    table
        .iter()
        .map(|(key, value)| match value {
            toml::Value::String(text) => Ok((key.clone(), text.clone())),
            other => Err(ImportError::BadMapping(format!("in `{what}`, the value for “{key}” must be a string, not {other}"))),
        })
        .collect()
}

/// Reads a mapping file: TOML with a `[columns]` table of `"header" = "field"` (or those pairs at
/// the top level), and optionally `[values.<field>]`, `[copy]`, `[defaults]` and `[rules]` tables.
pub fn parse_mapping(text: &str) -> Result<MappingFile, ImportError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ImportError::BadMapping(e.to_string()))?;
    let sections = ["columns", "values", "copy", "defaults", "rules"];
    let section = |name: &str| -> Result<Option<&toml::Table>, ImportError> {
        match table.get(name) {
            Some(toml::Value::Table(t)) => Ok(Some(t)),
            Some(_) => Err(ImportError::BadMapping(format!("`{name}` must be a table"))),
            None => Ok(None),
        }
    };
    let columns = match section("columns")? {
        Some(columns) => string_pairs(columns, "columns")?,
        None => {
            let top: toml::Table =
                table.iter().filter(|(k, _)| !sections.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
            string_pairs(&top, "columns")?
        }
    };
    let mut file = MappingFile { columns, ..MappingFile::default() };
    if let Some(values) = section("values")? {
        for (field, words) in values {
            let toml::Value::Table(words) = words else {
                return Err(ImportError::BadMapping(format!("`values.{field}` must be a table of \"file's word\" = \"value\"")));
            };
            file.values.push((field.clone(), string_pairs(words, &format!("values.{field}"))?));
        }
    }
    if let Some(copies) = section("copy")? {
        file.copies = string_pairs(copies, "copy")?;
    }
    if let Some(defaults) = section("defaults")? {
        file.defaults = string_pairs(defaults, "defaults")?;
    }
    if let Some(rules) = section("rules")? {
        file.rules = string_pairs(rules, "rules")?.into_iter().map(|(rule, severity)| format!("{rule}={severity}")).collect();
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_files_accept_a_columns_table_or_top_level_pairs() {
        let pairs = parse_mapping("[columns]\n\"Agent Name\" = \"rep_id\"\n").expect("table").columns;
        assert_eq!(pairs, vec![("Agent Name".to_string(), "rep_id".to_string())]);
        let pairs = parse_mapping("\"Dauer\" = \"talk_seconds\"\n").expect("top level").columns;
        assert_eq!(pairs, vec![("Dauer".to_string(), "talk_seconds".to_string())]);
        assert!(matches!(parse_mapping("x = 3"), Err(ImportError::BadMapping(_))));
        assert!(matches!(parse_mapping("not toml ["), Err(ImportError::BadMapping(_))));
    }

    #[test]
    fn mapping_files_carry_value_words_copies_defaults_and_rules() {
        let text = "[columns]\ndeal_stage = \"status\"\n[values.status]\nEngaging = \"open\"\n[copy]\nstage = \"status\"\n\
                    [defaults]\namount = \"0\"\n[rules]\nwon_deal_without_contract = \"warning\"\n";
        let file = parse_mapping(text).expect("mapping");
        assert_eq!(file.values, vec![("status".to_string(), vec![("Engaging".to_string(), "open".to_string())])]);
        assert_eq!(file.copies, vec![("stage".to_string(), "status".to_string())]);
        assert_eq!(file.defaults, vec![("amount".to_string(), "0".to_string())]);
        assert_eq!(file.rules, vec!["won_deal_without_contract=warning".to_string()]);
        assert!(matches!(parse_mapping("[values]\nstatus = \"open\""), Err(ImportError::BadMapping(_))));
    }
}
