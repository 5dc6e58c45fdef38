//! `salescope report daily|weekly|monthly` and `salescope report note`.

use crate::args::{self, fail};
use crate::table;
use clap::{Args, Subcommand};
use salescope_core::i18n::Lang;
use salescope_core::sheet::Sheet;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::reports::{SheetKind, review_sheet, write_note};
use salescope_export::OutputFormat;
use salescope_store::Db;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ReportAction {
    /// 每日业绩跟踪表: each rep's daily report, or that none was filed.
    Daily(SheetArgs),
    /// 周业绩汇总表: weekly target, actual, attainment and week-on-week growth per rep.
    Weekly(SheetArgs),
    /// 月度业绩复盘表: monthly target, actual, attainment, key indicators and next month's target.
    Monthly(SheetArgs),
    /// Write a cell people fill in, e.g. `report note weekly rep:R001 2024-W28 main_problem "…"`.
    /// An empty value clears it.
    Note {
        /// daily, weekly or monthly.
        sheet: String,
        scope: String,
        /// The row's day, week or month.
        period: String,
        /// daily: missed_reason, next_day_plan; weekly: main_problem, next_week_focus;
        /// monthly: highlights, problems, measures, next_month_target.
        field: String,
        value: String,
    },
}

#[derive(Args)]
pub struct SheetArgs {
    /// org, team:<name> or rep:<rep id>.
    #[arg(long, default_value = "org")]
    scope: String,
    /// The day, week or month (default: the current one), or a longer span for several.
    #[arg(long)]
    period: Option<String>,
    #[command(flatten)]
    output: Output,
}

/// Where and how a sheet is written.
#[derive(Args)]
pub struct Output {
    /// table, json, csv or xlsx (default: from the extension of -o, else table).
    #[arg(long)]
    pub format: Option<String>,
    /// Write to this file instead of the terminal.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

impl Output {
    /// Whether the sheet goes to the terminal as a table.
    pub fn is_table(&self) -> bool {
        match self.format.as_deref() {
            Some(format) => format == "table",
            None => self.file_format().is_none(),
        }
    }

    fn file_format(&self) -> Option<OutputFormat> {
        self.output.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()).and_then(OutputFormat::from_id)
    }
}

pub async fn run(action: ReportAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let (kind, sheet_args) = match action {
        ReportAction::Daily(a) => (SheetKind::Daily, a),
        ReportAction::Weekly(a) => (SheetKind::Weekly, a),
        ReportAction::Monthly(a) => (SheetKind::Monthly, a),
        ReportAction::Note { sheet, scope, period, field, value } => {
            let kind = sheet_kind(&sheet, lang)?;
            let (scope, period) = (args::scope(&scope, lang)?, args::period(&period, lang)?);
            write_note(db, &ctx, kind, &scope, &period, &field, &value).await.map_err(fail(lang))?;
            println!(
                "{}",
                lang.format(
                    "report.noted",
                    &[("sheet", &sheet), ("scope", &scope.label()), ("period", &period.label()), ("field", &field)]
                )
            );
            return Ok(());
        }
    };
    let scope = args::scope(&sheet_args.scope, lang)?;
    let period = match &sheet_args.period {
        Some(text) => args::period(text, lang)?,
        None => kind.default_period(today),
    };
    let sheet = review_sheet(db, &ctx, kind, &scope, &period, today, lang).await.map_err(fail(lang))?;
    output(&sheet, &sheet_args.output, lang)
}

/// Writes a sheet as a table, JSON, CSV or XLSX, to the terminal or a file.
/// The result as JSON on the terminal (`--format json`), else its sheet as a table or a file.
pub fn emit(
    found: &impl serde::Serialize,
    sheet: impl FnOnce() -> salescope_core::sheet::Sheet,
    out: &Output,
    lang: Lang,
) -> anyhow::Result<()> {
    if out.format.as_deref() == Some("json") && out.output.is_none() {
        println!("{}", serde_json::to_string_pretty(found)?);
        return Ok(());
    }
    output(&sheet(), out, lang)
}

pub fn output(sheet: &Sheet, out: &Output, lang: Lang) -> anyhow::Result<()> {
    let format = match out.format.as_deref() {
        Some("table") => None,
        Some(text) => Some(OutputFormat::from_id(text).ok_or_else(|| {
            anyhow::anyhow!(
                lang.format("error.bad_choice", &[("value", &text), ("field", &"--format"), ("choices", &"table, json, csv, xlsx")])
            )
        })?),
        None => out.file_format(),
    };
    let bytes = match format {
        Some(format) => salescope_export::render(sheet, format)?,
        None => {
            let headings: Vec<String> = sheet.columns.iter().map(|c| c.heading.clone()).collect();
            let rows: Vec<Vec<String>> = sheet
                .rows
                .iter()
                .map(|r| sheet.columns.iter().zip(&r.cells).map(|(c, cell)| Sheet::shown(cell, c.kind)).collect())
                .collect();
            format!("{}\n{}", sheet.title, table::render(&headings, &rows)).into_bytes()
        }
    };
    match &out.output {
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|e| anyhow::anyhow!(lang.format("error.file_unwritable", &[("file", &path.display()), ("detail", &e)])))?;
            println!(
                "{}",
                lang.format("report.written", &[("title", &sheet.title), ("rows", &sheet.rows.len()), ("file", &path.display())])
            );
        }
        None if format == Some(OutputFormat::Xlsx) => anyhow::bail!(lang.tr("error.xlsx_needs_file")),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

fn sheet_kind(text: &str, lang: Lang) -> anyhow::Result<SheetKind> {
    SheetKind::from_id(text.trim()).ok_or_else(|| {
        anyhow::anyhow!(lang.format("error.bad_choice", &[("value", &text), ("field", &"sheet"), ("choices", &"daily, weekly, monthly")]))
    })
}
