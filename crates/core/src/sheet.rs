//! A report as a table: localised headings, typed cells, and the cells a person writes.
//!
//! The engine fills a [`Sheet`] once; the export crate renders the same sheet as JSON, CSV and
//! XLSX, so the three can never disagree.

use crate::format;
use crate::kpi::Unit;

/// How a column's cells read and how a spreadsheet formats them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    Count,
    Money,
    /// A percentage held as its number of percent (106.25, not 1.0625).
    Percent,
    Number,
}

impl CellKind {
    pub fn id(self) -> &'static str {
        match self {
            CellKind::Text => "text",
            CellKind::Count => "count",
            CellKind::Money => "money",
            CellKind::Percent => "percent",
            CellKind::Number => "number",
        }
    }

    /// The cell kind that shows values of a KPI unit.
    pub fn of_unit(unit: Unit) -> CellKind {
        match unit {
            Unit::Count => CellKind::Count,
            Unit::Money => CellKind::Money,
            Unit::Percent => CellKind::Percent,
            Unit::Seconds | Unit::Minutes | Unit::Days | Unit::Score => CellKind::Number,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SheetColumn {
    /// Stable id, used as the JSON key and as the field name of an editable cell.
    pub id: &'static str,
    pub heading: String,
    pub kind: CellKind,
    /// Whether a person writes this cell (stored as a review note).
    pub editable: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        let value = value.into();
        if value.is_empty() { Cell::Empty } else { Cell::Text(value) }
    }

    pub fn number(value: Option<f64>) -> Cell {
        value.filter(|v| v.is_finite()).map_or(Cell::Empty, Cell::Number)
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Cell::Number(v) => Some(*v),
            _ => None,
        }
    }
}

/// One line of a sheet; `scope` and `period` say where its editable cells are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub scope: String,
    pub period: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// `daily`, `weekly`, `monthly`, …
    pub id: &'static str,
    pub title: String,
    pub scope: String,
    pub period: String,
    pub columns: Vec<SheetColumn>,
    pub rows: Vec<SheetRow>,
}

impl Sheet {
    /// The cell of a row in the column with this id.
    pub fn cell<'a>(&self, row: &'a SheetRow, column: &str) -> Option<&'a Cell> {
        self.columns.iter().position(|c| c.id == column).and_then(|i| row.cells.get(i))
    }

    /// The row of a scope and period.
    pub fn row(&self, scope: &str, period: &str) -> Option<&SheetRow> {
        self.rows.iter().find(|r| r.scope == scope && r.period == period)
    }

    /// The cell as a page or the terminal shows it, by the unit's one formatting: `¥628,500`,
    /// `12,000`, `47.3%`. Exports use [`Sheet::plain`] and typed cells, at full precision.
    pub fn shown(cell: &Cell, kind: CellKind) -> String {
        match (cell, kind) {
            (Cell::Number(v), CellKind::Money) => format::money(*v),
            (Cell::Number(v), CellKind::Percent) => format::percent(*v),
            (Cell::Number(v), CellKind::Count) => format::count(*v),
            _ => Sheet::plain(cell, kind),
        }
    }

    /// The cell text as a spreadsheet user reads it when it is not typed: numbers keep up to
    /// two decimals, without grouping, so that CSV stays machine-readable.
    pub fn plain(cell: &Cell, kind: CellKind) -> String {
        match cell {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Number(v) => match kind {
                CellKind::Count if v.fract() == 0.0 => format!("{v:.0}"),
                CellKind::Money | CellKind::Percent | CellKind::Count | CellKind::Number | CellKind::Text => {
                    let text = format!("{v:.2}");
                    let text = text.trim_end_matches('0').trim_end_matches('.');
                    if text == "-0" { "0".to_string() } else { text.to_string() }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_cells_use_the_formatting_of_their_unit() {
        assert_eq!(Sheet::shown(&Cell::Number(12_000.0), CellKind::Money), "¥12,000");
        assert_eq!(Sheet::shown(&Cell::Number(2_061.0), CellKind::Count), "2,061");
        assert_eq!(Sheet::shown(&Cell::Number(106.25), CellKind::Percent), "106.3%");
        assert_eq!(Sheet::shown(&Cell::text("张三"), CellKind::Text), "张三");
        assert_eq!(Sheet::shown(&Cell::Empty, CellKind::Money), "");
    }

    #[test]
    fn plain_numbers_keep_two_decimals_without_trailing_zeros() {
        assert_eq!(Sheet::plain(&Cell::Number(106.25), CellKind::Percent), "106.25");
        assert_eq!(Sheet::plain(&Cell::Number(85_000.0), CellKind::Money), "85000");
        assert_eq!(Sheet::plain(&Cell::Number(1.0 / 3.0), CellKind::Money), "0.33");
        assert_eq!(Sheet::plain(&Cell::Number(3.0), CellKind::Count), "3");
        assert_eq!(Sheet::plain(&Cell::Empty, CellKind::Count), "");
        assert_eq!(Sheet::plain(&Cell::Number(-0.001), CellKind::Money), "0");
    }

    #[test]
    fn empty_text_and_non_finite_numbers_are_empty_cells() {
        assert_eq!(Cell::text(""), Cell::Empty);
        assert_eq!(Cell::number(Some(f64::NAN)), Cell::Empty);
        assert_eq!(Cell::number(None), Cell::Empty);
    }
}
