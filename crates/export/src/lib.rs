//! A [`Sheet`] rendered three ways — JSON for the API, CSV and XLSX for spreadsheets — from the
//! one computation that filled it.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};
use salescope_core::sheet::{Cell, CellKind, Sheet};
use serde_json::{Map, Value, json};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The output formats of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Csv,
    Xlsx,
}

impl OutputFormat {
    pub fn from_id(id: &str) -> Option<OutputFormat> {
        match id.trim().to_ascii_lowercase().as_str() {
            "json" => Some(OutputFormat::Json),
            "csv" => Some(OutputFormat::Csv),
            "xlsx" => Some(OutputFormat::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Csv => "csv",
            OutputFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Json => "application/json",
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The sheet in the format, as bytes.
pub fn render(sheet: &Sheet, format: OutputFormat) -> Result<Vec<u8>, ExportError> {
    match format {
        OutputFormat::Json => Ok(serde_json::to_vec_pretty(&to_json(sheet)).unwrap_or_default()),
        OutputFormat::Csv => to_csv(sheet),
        OutputFormat::Xlsx => to_xlsx(sheet),
    }
}

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Empty => Value::Null,
        Cell::Text(text) => Value::String(text.clone()),
        Cell::Number(v) => json!(v),
    }
}

/// `{sheet, title, scope, period, columns: [{id, heading, kind, editable}], rows: [{scope,
/// period, cells: {column id: value}}]}`.
pub fn to_json(sheet: &Sheet) -> Value {
    let columns: Vec<Value> =
        sheet.columns.iter().map(|c| json!({"id": c.id, "heading": c.heading, "kind": c.kind.id(), "editable": c.editable})).collect();
    let rows: Vec<Value> = sheet
        .rows
        .iter()
        .map(|row| {
            let cells: Map<String, Value> =
                sheet.columns.iter().zip(&row.cells).map(|(c, cell)| (c.id.to_string(), cell_json(cell))).collect();
            json!({"scope": row.scope, "period": row.period, "cells": cells})
        })
        .collect();
    json!({"sheet": sheet.id, "title": sheet.title, "scope": sheet.scope, "period": sheet.period, "columns": columns, "rows": rows})
}

/// UTF-8 with a byte-order mark, so that Excel opens the Chinese headings correctly; numbers
/// plain (no grouping, no currency sign) so that spreadsheets read them as numbers.
pub fn to_csv(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(sheet.columns.iter().map(|c| c.heading.as_str()))?;
        for row in &sheet.rows {
            writer.write_record(sheet.columns.iter().zip(&row.cells).map(|(c, cell)| match cell {
                Cell::Text(text) => defused(text),
                _ => Sheet::plain(cell, c.kind),
            }))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// Text as a spreadsheet cell that cannot run as a formula (OWASP's CSV injection advice): text
/// that a spreadsheet would read as one — starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return, as a rep's note `=cmd|' /C calc'!A0` might — is written behind a `'`, which
/// spreadsheets show as text and do not display. Numbers are number cells, never text, so they
/// are untouched.
fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// Characters Excel forbids in a worksheet name; it may also hold at most 31 characters.
const FORBIDDEN_IN_SHEET_NAME: &[char] = &['[', ']', ':', '*', '?', '/', '\\'];

fn worksheet_name(title: &str) -> String {
    // Excel counts UTF-16 code units, so a character beyond the BMP takes two of the 31.
    let mut units = 0;
    let name: String = title
        .chars()
        .filter(|c| !FORBIDDEN_IN_SHEET_NAME.contains(c) && !c.is_control())
        .take_while(|c| {
            units += c.len_utf16();
            units <= 31
        })
        .collect();
    if name.trim().is_empty() { "Sheet1".to_string() } else { name }
}

/// Display width of text in a spreadsheet column: CJK characters take two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

/// One worksheet: headings in bold on the first row (frozen), typed number cells, the columns
/// a person writes shaded, widths fitted to the content.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(worksheet_name(&sheet.title))?;
    let heading = Format::new().set_bold().set_background_color(Color::RGB(0xDDE7F3)).set_border_bottom(FormatBorder::Thin);
    let editable = Format::new().set_background_color(Color::RGB(0xFFF8DC)).set_text_wrap();
    let number_format = |kind: CellKind| match kind {
        CellKind::Money => "#,##0.00",
        CellKind::Percent | CellKind::Number => "0.00",
        CellKind::Count => "#,##0",
        CellKind::Text => "@",
    };
    for (col, column) in sheet.columns.iter().enumerate() {
        let col = col as u16;
        worksheet.write_string_with_format(0, col, &column.heading, &heading)?;
        let mut format = Format::new().set_num_format(number_format(column.kind));
        if column.editable {
            format = editable.clone().set_num_format(number_format(column.kind));
        }
        let mut width = display_width(&column.heading);
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            match row.cells.get(col as usize).unwrap_or(&Cell::Empty) {
                Cell::Empty => {
                    worksheet.write_blank(r, col, &format)?;
                }
                Cell::Text(text) => {
                    width = width.max(display_width(text));
                    worksheet.write_string_with_format(r, col, text, &format)?;
                }
                Cell::Number(v) => {
                    width = width.max(Sheet::plain(&Cell::Number(*v), column.kind).len() + 2);
                    worksheet.write_number_with_format(r, col, *v, &format)?;
                }
            }
        }
        worksheet.set_column_width(col, (width.clamp(6, 60) + 2) as f64)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use salescope_core::sheet::{SheetColumn, SheetRow};

    fn sample() -> Sheet {
        Sheet {
            id: "weekly",
            title: "周业绩汇总表".to_string(),
            scope: "team:销售一部".to_string(),
            period: "2024-W28".to_string(),
            columns: vec![
                SheetColumn { id: "rep", heading: "销售人员".to_string(), kind: CellKind::Text, editable: false },
                SheetColumn { id: "actual", heading: "实际完成（元）".to_string(), kind: CellKind::Money, editable: false },
                SheetColumn { id: "main_problem", heading: "主要问题".to_string(), kind: CellKind::Text, editable: true },
            ],
            rows: vec![
                SheetRow {
                    scope: "rep:R1".to_string(),
                    period: "2024-W28".to_string(),
                    cells: vec![Cell::text("张三"), Cell::Number(85_000.5), Cell::text("大客户成交周期较长, \"审批\"")],
                },
                SheetRow {
                    scope: "rep:R2".to_string(),
                    period: "2024-W28".to_string(),
                    cells: vec![Cell::text("李四"), Cell::Empty, Cell::Empty],
                },
            ],
        }
    }

    #[test]
    fn csv_starts_with_a_bom_and_keeps_numbers_plain_and_text_quoted() {
        let bytes = to_csv(&sample()).expect("csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert_eq!(text, "销售人员,实际完成（元）,主要问题\n张三,85000.5,\"大客户成交周期较长, \"\"审批\"\"\"\n李四,,\n");
    }

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_as_a_formula_is_written_as_text() {
        let mut sheet = sample();
        let texts = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\r=y", "plain", "a=b"];
        sheet.rows = texts
            .iter()
            .map(|t| SheetRow {
                scope: "org".into(),
                period: "2024-07".into(),
                cells: vec![Cell::text(*t), Cell::number(Some(-5.0)), Cell::Empty],
            })
            .collect();
        let bytes = to_csv(&sheet).expect("csv");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let cells: Vec<(String, String)> =
            reader.records().map(|r| r.expect("row")).map(|r| (r[0].to_string(), r[1].to_string())).collect();
        let firsts: Vec<&str> = cells.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(firsts, ["'=cmd|' /C calc'!A0", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\r=y", "plain", "a=b"]);
        assert!(cells.iter().all(|(_, n)| n == "-5"), "a negative number stays a number");
    }

    #[test]
    fn json_rows_are_keyed_by_column_id_with_nulls_for_empty_cells() {
        let value = to_json(&sample());
        assert_eq!(value["columns"][2]["editable"], true);
        assert_eq!(value["rows"][0]["cells"]["actual"], 85_000.5);
        assert_eq!(value["rows"][1]["cells"]["actual"], Value::Null);
        assert_eq!(value["rows"][0]["scope"], "rep:R1");
    }

    #[test]
    fn xlsx_opens_with_the_chinese_headings_and_typed_numbers() {
        let bytes = to_xlsx(&sample()).expect("xlsx");
        let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).expect("workbook");
        assert_eq!(workbook.sheet_names(), vec!["周业绩汇总表".to_string()]);
        let range = workbook.worksheet_range("周业绩汇总表").expect("sheet");
        assert_eq!(range.get((0, 1)), Some(&Data::String("实际完成（元）".to_string())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(85_000.5)));
        assert_eq!(range.get((1, 0)), Some(&Data::String("张三".to_string())));
    }

    #[test]
    fn worksheet_names_drop_forbidden_and_control_characters_and_fit_31_utf16_units() {
        assert_eq!(worksheet_name("a/b[c]"), "abc");
        assert_eq!(worksheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(worksheet_name("??"), "Sheet1");
        assert_eq!(worksheet_name("a\r\nb\u{11}"), "ab");
        let astral = worksheet_name(&format!("{}\u{1F600}\u{1F600}", "x".repeat(28)));
        assert_eq!(astral.encode_utf16().count(), 30, "{astral}");
    }
}
