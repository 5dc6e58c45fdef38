//! Reading tabular input: CSV in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16; XLSX and
//! the other spreadsheet formats calamine reads; and JSON arrays of objects. Every source lends
//! its rows, header row included, as string slices.

use crate::ImportError;
use salescope_core::i18n::Lang;
use salescope_core::rules::Rule;
use std::collections::VecDeque;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the file is valid UTF-8 (or starts with a BOM), otherwise GB18030.
    #[default]
    Auto,
    Utf8,
    /// GB18030, a superset of GBK and GB2312: what Chinese Excel writes.
    Gb18030,
    Utf16,
}

impl Encoding {
    pub fn from_name(name: &str) -> Option<Encoding> {
        match name.trim().to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "auto" => Some(Encoding::Auto),
            "utf8" => Some(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Some(Encoding::Gb18030),
            "utf16" | "utf16le" | "utf16be" | "unicode" => Some(Encoding::Utf16),
            _ => None,
        }
    }
}

/// One row lent by a source.
pub struct RowRef<'a> {
    /// The row number a person sees: the line of a CSV record (1 = first line), the row of a
    /// sheet, the position of an object in a JSON array (1 = first).
    pub number: u64,
    pub fields: &'a [&'a str],
    /// The first field read wrongly from the file, and why: bytes not valid in the file's
    /// encoding (`encoding_invalid`), or a quote left open that read the lines after it
    /// (`quote_unclosed`).
    pub flaw: Option<(usize, Rule)>,
    /// Bytes of the input consumed so far, for progress.
    pub bytes_read: u64,
}

/// What a source was read as, said in the report's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFormat {
    Csv {
        encoding: &'static str,
        bom: bool,
    },
    Spreadsheet {
        sheet: String,
    },
    Json,
    /// Rows a program made (the demo organisation).
    Generated,
}

impl SourceFormat {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            SourceFormat::Csv { encoding, bom: false } => lang.format("source.csv", &[("encoding", encoding)]),
            SourceFormat::Csv { encoding, bom: true } => lang.format("source.csv_bom", &[("encoding", encoding)]),
            SourceFormat::Spreadsheet { sheet } => lang.format("source.spreadsheet", &[("sheet", sheet)]),
            SourceFormat::Json => "JSON".to_string(),
            SourceFormat::Generated => lang.tr("source.generated").to_string(),
        }
    }
}

/// A source of rows.
pub enum Source {
    Csv {
        reader: Box<csv::Reader<Box<dyn Read + Send>>>,
        line_feeds: LineFeeds,
        delimiter: u8,
        /// Decoded from a legacy encoding with bytes it could not read, now U+FFFD.
        replaced: bool,
        format: SourceFormat,
        total_bytes: u64,
    },
    Table {
        rows: Vec<(u64, Vec<String>)>,
        format: SourceFormat,
        total_bytes: u64,
    },
    /// Rows produced on demand (the demo organisation), numbered from 2 under a header row 1.
    Rows {
        headers: Vec<String>,
        rows: Box<dyn Iterator<Item = Vec<String>> + Send>,
        format: SourceFormat,
        total_rows: u64,
    },
}

/// Separator of a CSV file, judged from its first line: the most frequent of comma, tab,
/// semicolon outside quotes (Excel's "Unicode text" export is tab-separated).
fn sniff_delimiter(sample: &str) -> u8 {
    let line = sample.lines().next().unwrap_or_default();
    let mut in_quotes = false;
    let mut counts = [0usize; 3];
    for c in line.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts[0] += 1,
            '\t' if !in_quotes => counts[1] += 1,
            ';' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b'\t', b';'][best]
}

/// Offsets of the line feeds the CSV parser has been given but has not yet passed. The parser
/// reports the line it has reached, not the line a record starts on: a CRLF record's `\n` and
/// any blank lines before a record are consumed with the next record. Knowing whether the last
/// byte of a record was a line feed lets [`Source::scan`] count back to the record's first line.
#[derive(Clone, Default)]
pub struct LineFeeds(Arc<Mutex<VecDeque<u64>>>);

impl LineFeeds {
    /// Whether the byte at `offset` is a line feed; forgets the line feeds before it.
    fn is_line_feed(&self, offset: u64) -> bool {
        let mut feeds = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while feeds.front().is_some_and(|&at| at < offset) {
            feeds.pop_front();
        }
        feeds.front() == Some(&offset)
    }
}

/// The input of the CSV parser, noting where its line feeds are.
struct NotingLineFeeds {
    input: Box<dyn Read + Send>,
    offset: u64,
    feeds: LineFeeds,
}

impl Read for NotingLineFeeds {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        let mut feeds = self.feeds.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        feeds.extend(buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| self.offset + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}

fn csv_reader(input: Box<dyn Read + Send>, delimiter: u8) -> (Box<csv::Reader<Box<dyn Read + Send>>>, LineFeeds) {
    let line_feeds = LineFeeds::default();
    let noting: Box<dyn Read + Send> = Box::new(NotingLineFeeds { input, offset: 0, feeds: line_feeds.clone() });
    let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(noting);
    (Box::new(reader), line_feeds)
}

const SNIFF_BYTES: usize = 64 * 1024;

/// The environment variable that raises [`DEFAULT_SHEET_LIMIT_MB`].
pub const SHEET_LIMIT_VARIABLE: &str = "SALESCOPE_IMPORT_MAX_SHEET_MB";
/// How large a spreadsheet may be, in MiB, twice over: unpacked, and as cells in memory (a sheet
/// is held whole while it is imported; CSV streams and has no such limit). A 1 MB zip can unpack
/// to gigabytes, and a few shared strings can fill a million cells.
pub const DEFAULT_SHEET_LIMIT_MB: u64 = 1024;
/// Excel's own limits: a sheet has at most 1,048,576 rows and a cell at most 32,767 characters.
pub const MAX_SHEET_ROWS: u64 = 1_048_576;
pub const MAX_CELL_CHARS: usize = 32_767;
/// Excel allows 16,384 columns; no import kind has more than a few dozen fields, and every column
/// up to the last one used is held for every row.
pub const MAX_SHEET_COLUMNS: u32 = 1_024;

fn sheet_limit_mb() -> u64 {
    std::env::var(SHEET_LIMIT_VARIABLE).ok().and_then(|v| v.trim().parse().ok()).filter(|mb| *mb > 0).unwrap_or(DEFAULT_SHEET_LIMIT_MB)
}

/// Refuses a zip-packed workbook whose parts unpack to more than `limit_mb`, by unpacking them
/// into nothing before calamine reads any of them whole. Not a zip (.xls): left to calamine.
fn check_unpacked_size(path: &Path, limit_mb: u64) -> Result<(), ImportError> {
    let Ok(file) = std::fs::File::open(path) else { return Ok(()) };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else { return Ok(()) };
    let limit = limit_mb.saturating_mul(1 << 20);
    let mut unpacked = 0u64;
    for index in 0..archive.len() {
        // A part calamine cannot read either is reported by calamine, in its words.
        let Ok(mut part) = archive.by_index(index) else { continue };
        let name = part.name().map_or_else(|_| format!("#{index}"), |n| n.into_owned());
        let allowed = limit - unpacked;
        let read = std::io::copy(&mut part.by_ref().take(allowed + 1), &mut std::io::sink()).unwrap_or(0);
        unpacked += read;
        if read > allowed {
            return Err(ImportError::WorkbookTooLarge { file: path.display().to_string(), part: name, limit_mb });
        }
    }
    Ok(())
}

/// A sheet's cells, kept by row as they arrive in any order, within the limits above.
struct SparseSheet<'a> {
    name: &'a str,
    limit_mb: u64,
    rows: std::collections::BTreeMap<u32, Vec<String>>,
    /// What the rows hold in memory: each field's `String` and its text.
    bytes: u64,
}

impl<'a> SparseSheet<'a> {
    fn new(name: &'a str, limit_mb: u64) -> Self {
        SparseSheet { name, limit_mb, rows: Default::default(), bytes: 0 }
    }

    fn add(&mut self, cell: calamine::Cell<calamine::DataRef<'_>>) -> Result<(), ImportError> {
        let (row, col) = cell.get_position();
        self.add_data(row, col, &calamine::Data::from(cell.get_value().clone()))
    }

    fn add_data(&mut self, row: u32, col: u32, value: &calamine::Data) -> Result<(), ImportError> {
        if matches!(value, calamine::Data::Empty) {
            return Ok(());
        }
        let number = u64::from(row) + 1;
        if number > MAX_SHEET_ROWS || col >= MAX_SHEET_COLUMNS {
            return Err(ImportError::CellOutOfBounds {
                row: number,
                column: column_letters(col),
                max_rows: MAX_SHEET_ROWS,
                max_columns: MAX_SHEET_COLUMNS,
            });
        }
        let text = cell_text(value);
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(ImportError::CellTooLong { row: number, column: column_letters(col), limit: MAX_CELL_CHARS });
        }
        let fields = self.rows.entry(row).or_default();
        let width = col as usize + 1;
        if fields.len() < width {
            self.bytes += ((width - fields.len()) * std::mem::size_of::<String>()) as u64;
            fields.resize(width, String::new());
        }
        self.bytes += text.len() as u64;
        fields[col as usize] = text;
        if self.bytes > self.limit_mb.saturating_mul(1 << 20) {
            return Err(ImportError::SheetTooLarge { sheet: self.name.to_string(), row: number, limit_mb: self.limit_mb });
        }
        Ok(())
    }

    /// The rows from the first with a cell to the last, numbered as the sheet numbers them (1 =
    /// first row); rows between without a cell come empty, as blank rows of the input.
    fn into_rows(self) -> Vec<(u64, Vec<String>)> {
        let Some((&first, _)) = self.rows.first_key_value() else { return Vec::new() };
        let mut out = Vec::new();
        let mut next = first;
        for (row, fields) in self.rows {
            out.extend((next..row).map(|blank| (u64::from(blank) + 1, Vec::new())));
            out.push((u64::from(row) + 1, fields));
            next = row + 1;
        }
        out
    }
}

/// The field of a CSV record that a quote left open has run on into the lines after it: a
/// line inside it holds as many separators as a whole row of the file so far (at least two).
/// A note of several lines is quoted too, but its lines are not rows.
fn unclosed_quote(fields: &[&str], delimiter: u8, widest: usize) -> Option<usize> {
    let row_separators = widest.saturating_sub(1).max(2);
    fields.iter().position(|field| field.lines().skip(1).any(|line| line.bytes().filter(|b| *b == delimiter).count() >= row_separators))
}

/// A column as a spreadsheet names it: 0 → A, 25 → Z, 26 → AA.
fn column_letters(col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|b| *b as char).collect()
}

impl Source {
    /// Opens a file by its extension: `.xlsx`, `.xlsm`, `.xls`, `.ods` as spreadsheets, `.json` as
    /// a JSON array, anything else as CSV.
    pub fn open(path: &Path, sheet: Option<&str>, encoding: Encoding) -> Result<Source, ImportError> {
        let unreadable = |e: std::io::Error| ImportError::Unreadable { file: path.display().to_string(), detail: e.to_string() };
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
        match extension.as_str() {
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Source::spreadsheet(path, sheet, sheet_limit_mb()),
            "json" => {
                let bytes = std::fs::read(path).map_err(unreadable)?;
                Source::json(&bytes)
            }
            _ => {
                let file = std::fs::File::open(path).map_err(unreadable)?;
                let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
                Source::csv(Box::new(file), total_bytes, encoding).map_err(unreadable)
            }
        }
    }

    /// Reads CSV from `input`, detecting or applying the encoding.
    pub fn csv(mut input: Box<dyn Read + Send>, total_bytes: u64, encoding: Encoding) -> std::io::Result<Source> {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        input.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
        let has_utf8_bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
        let has_utf16_bom = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
        let looks_utf8 = match std::str::from_utf8(&head) {
            Ok(_) => true,
            // A multi-byte character cut by the end of the sample is still UTF-8.
            Err(e) => e.error_len().is_none(),
        };
        let chosen = match encoding {
            Encoding::Auto if has_utf16_bom => Encoding::Utf16,
            Encoding::Auto if has_utf8_bom || looks_utf8 => Encoding::Utf8,
            Encoding::Auto => Encoding::Gb18030,
            other => other,
        };
        match chosen {
            Encoding::Utf8 | Encoding::Auto => {
                let skip = if has_utf8_bom { 3 } else { 0 };
                let sample = String::from_utf8_lossy(&head[skip..]).into_owned();
                let rest: Box<dyn Read + Send> = Box::new(Cursor::new(head.split_off(skip)).chain(input));
                let format = SourceFormat::Csv { encoding: "UTF-8", bom: has_utf8_bom };
                let delimiter = sniff_delimiter(&sample);
                let (reader, line_feeds) = csv_reader(rest, delimiter);
                Ok(Source::Csv { reader, line_feeds, delimiter, replaced: false, format, total_bytes })
            }
            Encoding::Gb18030 | Encoding::Utf16 => {
                // Legacy encodings come from spreadsheet exports of modest size: decode at once.
                input.read_to_end(&mut head)?;
                let (text, label, replaced) = if chosen == Encoding::Utf16 {
                    let (text, used, replaced) = encoding_rs::UTF_16LE.decode(&head);
                    (text.into_owned(), used.name(), replaced)
                } else {
                    let (text, _, replaced) = encoding_rs::GB18030.decode(&head);
                    (text.into_owned(), "GB18030", replaced)
                };
                let delimiter = sniff_delimiter(&text);
                let decoded = text.into_bytes();
                let total_bytes = decoded.len() as u64;
                let format = SourceFormat::Csv { encoding: label, bom: false };
                let (reader, line_feeds) = csv_reader(Box::new(Cursor::new(decoded)), delimiter);
                Ok(Source::Csv { reader, line_feeds, delimiter, replaced, format, total_bytes })
            }
        }
    }

    fn spreadsheet(path: &Path, sheet: Option<&str>, limit_mb: u64) -> Result<Source, ImportError> {
        use calamine::{Reader, Sheets};
        let file = path.display().to_string();
        check_unpacked_size(path, limit_mb)?;
        let unreadable = |detail: String| ImportError::Unreadable { file: file.clone(), detail };
        let mut workbook = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
        let names = workbook.sheet_names().to_vec();
        let name = match sheet {
            Some(wanted) => names
                .iter()
                .find(|n| n.as_str() == wanted || n.trim().eq_ignore_ascii_case(wanted.trim()))
                .cloned()
                .ok_or_else(|| ImportError::SheetNotFound { sheet: wanted.to_string(), available: names.clone() })?,
            None => names.first().cloned().ok_or_else(|| unreadable("the workbook has no sheets".into()))?,
        };
        let mut cells = SparseSheet::new(&name, limit_mb);
        match &mut workbook {
            // Read cell by cell: calamine's dense range would first allocate the whole rectangle
            // the cells' positions span, which a crafted position makes any size.
            Sheets::Xlsx(xlsx) => {
                let mut reader = xlsx.worksheet_cells_reader(&name).map_err(|e| unreadable(e.to_string()))?;
                while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
                    cells.add(cell)?;
                }
            }
            Sheets::Xlsb(xlsb) => {
                let mut reader = xlsb.worksheet_cells_reader(&name).map_err(|e| unreadable(e.to_string()))?;
                while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
                    cells.add(cell)?;
                }
            }
            // .xls and .ods have no cell reader; .xls cannot address more than 65,536 × 256 cells.
            other => {
                let range = other.worksheet_range(&name).map_err(|e| unreadable(e.to_string()))?;
                let (first_row, first_col) = range.start().unwrap_or((0, 0));
                for (row, col, value) in range.used_cells() {
                    cells.add_data(first_row + row as u32, first_col + col as u32, value)?;
                }
            }
        }
        let total_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Ok(Source::Table { rows: cells.into_rows(), format: SourceFormat::Spreadsheet { sheet: name }, total_bytes })
    }

    /// A JSON array of objects; the union of their keys, in order of first appearance, is the
    /// header row.
    pub fn json(bytes: &[u8]) -> Result<Source, ImportError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ImportError::BadJson(e.to_string()))?;
        let serde_json::Value::Array(items) = value else {
            return Err(ImportError::BadJson("expected an array of records".into()));
        };
        let mut headers: Vec<String> = Vec::new();
        let mut objects = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let serde_json::Value::Object(object) = item else {
                return Err(ImportError::BadJson(format!("item {} is not an object", i + 1)));
            };
            for key in object.keys() {
                if !headers.contains(key) {
                    headers.push(key.clone());
                }
            }
            objects.push(object);
        }
        let mut rows = Vec::with_capacity(objects.len() + 1);
        rows.push((0, headers.clone()));
        for (i, object) in objects.into_iter().enumerate() {
            let fields = headers.iter().map(|h| object.get(h).map(json_text).unwrap_or_default()).collect();
            rows.push((i as u64 + 1, fields));
        }
        Ok(Source::Table { rows, format: SourceFormat::Json, total_bytes: bytes.len() as u64 })
    }

    pub fn format(&self) -> &SourceFormat {
        match self {
            Source::Csv { format, .. } | Source::Table { format, .. } | Source::Rows { format, .. } => format,
        }
    }

    /// The size progress is measured against: bytes, or rows for generated sources.
    pub fn total_bytes(&self) -> u64 {
        match self {
            Source::Csv { total_bytes, .. } | Source::Table { total_bytes, .. } => *total_bytes,
            Source::Rows { total_rows, .. } => *total_rows,
        }
    }

    /// Lends every row, in order, to `visit`; stops early when `visit` returns `false`.
    pub fn scan(self, mut visit: impl FnMut(RowRef) -> bool) -> Result<(), ImportError> {
        match self {
            Source::Csv { mut reader, line_feeds, delimiter, replaced, .. } => {
                let mut record = csv::ByteRecord::new();
                let mut owned: Vec<String> = Vec::new();
                let mut widest = 0;
                loop {
                    match reader.read_byte_record(&mut record) {
                        Ok(false) => return Ok(()),
                        Ok(true) => {}
                        Err(e) => return Err(ImportError::Unreadable { file: "CSV".into(), detail: e.to_string() }),
                    }
                    // The record's first line: the parser's line after the record, less the line
                    // feeds inside its quoted fields and the one that ended it, if it did.
                    let end = reader.position();
                    let inner_feeds = record.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
                    let ended_by_feed = end.byte() > 0 && line_feeds.is_line_feed(end.byte() - 1);
                    let number = end.line().saturating_sub(inner_feeds + u64::from(ended_by_feed));
                    let bytes_read = end.byte();
                    let mut flaw = None;
                    let mut fields: Vec<&str> = Vec::with_capacity(record.len());
                    for f in record.iter() {
                        match std::str::from_utf8(f) {
                            Ok(text) => fields.push(text),
                            Err(_) => break,
                        }
                    }
                    let keep_going = if fields.len() == record.len() {
                        if replaced && let Some(i) = fields.iter().position(|f| f.contains(char::REPLACEMENT_CHARACTER)) {
                            flaw = Some((i, Rule::EncodingInvalid));
                        }
                        let mut number = number;
                        if let Some(open) = unclosed_quote(&fields, delimiter, widest) {
                            flaw = flaw.or(Some((open, Rule::QuoteUnclosed)));
                            // Run to the end of the input, the quote took the last line feed
                            // too: the line it opened on is where the record began.
                            number = record.position().map_or(number, |p| p.line());
                        }
                        visit(RowRef { number, fields: &fields, flaw, bytes_read })
                    } else {
                        owned.clear();
                        for (i, f) in record.iter().enumerate() {
                            if flaw.is_none() && std::str::from_utf8(f).is_err() {
                                flaw = Some((i, Rule::EncodingInvalid));
                            }
                            owned.push(String::from_utf8_lossy(f).into_owned());
                        }
                        let fields: Vec<&str> = owned.iter().map(String::as_str).collect();
                        visit(RowRef { number, fields: &fields, flaw, bytes_read })
                    };
                    if !keep_going {
                        return Ok(());
                    }
                    widest = widest.max(record.len());
                }
            }
            Source::Rows { headers, rows, .. } => {
                let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
                if !visit(RowRef { number: 1, fields: &headers, flaw: None, bytes_read: 0 }) {
                    return Ok(());
                }
                for (i, row) in rows.enumerate() {
                    let fields: Vec<&str> = row.iter().map(String::as_str).collect();
                    if !visit(RowRef { number: i as u64 + 2, fields: &fields, flaw: None, bytes_read: i as u64 + 1 }) {
                        break;
                    }
                }
                Ok(())
            }
            Source::Table { rows, total_bytes, .. } => {
                let count = rows.len().max(1) as u64;
                for (i, (number, fields)) in rows.iter().enumerate() {
                    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                    let bytes_read = total_bytes * (i as u64 + 1) / count;
                    if !visit(RowRef { number: *number, fields: &fields, flaw: None, bytes_read }) {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        // Nested values are not fields; keep their text so the rule that refuses them shows it.
        other => other.to_string(),
    }
}

/// A spreadsheet cell as the text a person would type for it.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_duration() => float_text((dt.as_f64() * 86_400.0).round()),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) { format!("{y:04}-{mo:02}-{d:02}") } else { format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}") }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A number without a spurious `.0` (Excel stores every number as a float).
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salescope_core::i18n::Lang;

    fn rows_of(source: Source) -> Vec<(u64, Vec<String>, Option<usize>)> {
        let mut rows = Vec::new();
        source
            .scan(|row| {
                rows.push((row.number, row.fields.iter().map(|f| f.to_string()).collect(), row.flaw.map(|(i, _)| i)));
                true
            })
            .expect("scan");
        rows
    }

    /// A workbook of the given sheet XML, packed as Excel packs it.
    fn workbook_of(sheet_xml: &str, shared_strings: &[&str]) -> std::path::PathBuf {
        use std::io::Write;
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("salescope-sheet-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("book.xlsx");
        let strings: String = shared_strings.iter().map(|s| format!("<si><t>{s}</t></si>")).collect();
        let parts = [
            ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_string()),
            ("_rels/.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
            ("xl/workbook.xml", r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_string()),
            ("xl/sharedStrings.xml", format!(r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>"#)),
            ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_xml}</sheetData></worksheet>"#)),
        ];
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            zip.start_file(name, deflated).expect("zip entry");
            zip.write_all(text.as_bytes()).expect("zip write");
        }
        zip.finish().expect("zip finish");
        path
    }

    fn open_sheet(path: &Path, limit_mb: u64) -> Result<Vec<(u64, Vec<String>)>, ImportError> {
        Source::spreadsheet(path, None, limit_mb).map(|source| rows_of(source).into_iter().map(|(n, f, _)| (n, f)).collect())
    }

    #[test]
    fn sheet_cells_keep_their_rows_and_columns_in_any_order() {
        let path = workbook_of(
            r#"<row r="4"><c r="B4" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2"><v>25000</v></c></row>"#,
            &["工号", "张三"],
        );
        let rows = open_sheet(&path, DEFAULT_SHEET_LIMIT_MB).expect("a small sheet opens");
        assert_eq!(
            rows,
            vec![
                (2, vec!["工号".to_string(), String::new(), "25000".to_string()]),
                (3, vec![]),
                (4, vec![String::new(), "张三".to_string()])
            ]
        );
    }

    #[test]
    fn a_cell_positioned_past_the_sheet_is_refused_before_anything_is_allocated() {
        // The fuzzer's input: a reference near i64::MAX made calamine's dense range ask for 191 GB.
        for reference in ["A1048577", "XFD1", "AAAAAAA99999999"] {
            let path = workbook_of(&format!(r#"<row><c r="A1"><v>1</v></c><c r="{reference}"><v>2</v></c></row>"#), &[]);
            match open_sheet(&path, DEFAULT_SHEET_LIMIT_MB) {
                Err(ImportError::CellOutOfBounds { max_rows, max_columns, .. }) => {
                    assert_eq!((max_rows, max_columns), (MAX_SHEET_ROWS, MAX_SHEET_COLUMNS));
                }
                // calamine itself may refuse a reference it cannot parse.
                Err(ImportError::Unreadable { .. }) => {}
                other => panic!("{reference}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_cell_longer_than_excel_allows_names_its_row_column_and_limit() {
        let long = "长".repeat(MAX_CELL_CHARS + 1);
        let path = workbook_of(r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="3"><c r="AB3" t="s"><v>0</v></c></row>"#, &[&long]);
        let error = open_sheet(&path, DEFAULT_SHEET_LIMIT_MB).expect_err("a 32,768-character cell");
        assert_eq!(error.code(), "cell_too_long");
        assert_eq!(error.message(Lang::En), "Row 3, column AB: the cell is longer than 32767 characters, Excel's own limit");
    }

    #[test]
    fn a_workbook_that_unpacks_past_the_limit_is_refused_naming_the_part_and_the_setting() {
        // 3 MiB of sheet XML packs into a few kilobytes.
        let filler = r#"<c t="inlineStr"><is><t></t></is></c>"#.repeat(3 << 20 >> 5);
        let path = workbook_of(&format!("<row r=\"1\">{filler}</row>"), &[]);
        assert!(std::fs::metadata(&path).expect("size").len() < 200_000);
        let error = open_sheet(&path, 2).expect_err("3 MiB unpacked against a 2 MiB limit");
        assert_eq!(error.code(), "workbook_too_large");
        let message = error.message(Lang::En);
        assert!(message.contains("more than 2 MiB (part xl/worksheets/sheet1.xml)"), "{message}");
        assert!(message.contains(SHEET_LIMIT_VARIABLE), "{message}");
    }

    #[test]
    fn shared_strings_repeated_into_many_cells_stop_at_the_memory_limit() {
        // One 30,000-character string in 200 cells: 6 MB of cells from a tiny package.
        let string = "x".repeat(30_000);
        let cells: String = (1..=200).map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#)).collect();
        let path = workbook_of(&cells, &[&string]);
        match open_sheet(&path, 2) {
            Err(ImportError::SheetTooLarge { sheet, row, limit_mb }) => {
                assert_eq!((sheet.as_str(), limit_mb), ("Sheet1", 2));
                assert_eq!(row, 70, "2 MiB is passed by the 70th 30,000-byte cell");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(open_sheet(&path, 8).expect("within 8 MiB").len(), 200);
    }

    #[test]
    fn a_quote_left_open_is_named_on_its_row_instead_of_swallowing_the_rows_after_it() {
        let rows = rows_of(csv("rep_id,name,team\nR1,\"张三,一部\nR2,李四,二部\nR3,王五,三部\n".as_bytes()));
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!((rows[1].0, rows[1].2), (2, Some(1)), "row 2, the name column");
    }

    #[test]
    fn a_quoted_note_of_several_lines_is_no_open_quote() {
        let rows = rows_of(csv(
            "rep_id,date,followup_notes\nR1,2026-12-07,\"回访三位老客户，\n约了周五面谈, 带合同\"\nR2,2026-12-07,无\n".as_bytes()
        ));
        assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), vec![None, None, None]);
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_gb18030_mark_their_field_instead_of_being_stored_replaced() {
        let mut bytes = encoding_rs::GBK.encode("工号,姓名\nR1,张三\nR2,").0.into_owned();
        bytes.extend(b"\xC3(\n");
        let rows = rows_of(csv(&bytes));
        assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), vec![None, None, Some(1)]);
    }

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        assert_eq!([0, 25, 26, 27, 701, 702, 16_383].map(column_letters), ["A", "Z", "AA", "AB", "ZZ", "AAA", "XFD"]);
    }

    fn csv(bytes: &[u8]) -> Source {
        Source::csv(Box::new(Cursor::new(bytes.to_vec())), bytes.len() as u64, Encoding::Auto).expect("csv")
    }

    #[test]
    fn utf8_with_and_without_bom_reads_the_same() {
        let plain = rows_of(csv("销售人员,日期\n张三,2024-07-08\n".as_bytes()));
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice("销售人员,日期\n张三,2024-07-08\n".as_bytes());
        let bom_source = csv(&with_bom);
        assert_eq!(bom_source.format().describe(Lang::En), "CSV, UTF-8 with BOM");
        assert_eq!(rows_of(bom_source), plain);
        assert_eq!(plain[0].1, ["销售人员", "日期"]);
    }

    #[test]
    fn gbk_files_are_detected_and_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("销售人员,成交金额\n张三,25000\n");
        let source = csv(&bytes);
        assert_eq!(source.format().describe(Lang::ZhCn), "CSV 文件，GB18030 编码");
        let rows = rows_of(source);
        assert_eq!(rows[0].1, ["销售人员", "成交金额"]);
        assert_eq!(rows[1].1, ["张三", "25000"]);
    }

    #[test]
    fn utf16_tab_separated_exports_are_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "客户\t金额\r\n甲\t5\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let rows = rows_of(csv(&bytes));
        assert_eq!(rows[1].1, ["甲", "5"]);
    }

    #[test]
    fn invalid_bytes_in_a_utf8_file_mark_the_field() {
        let mut bytes = "a,b\n".repeat(20_000).into_bytes();
        bytes.extend_from_slice(b"x,\xff\xfe\n");
        let rows = rows_of(csv(&bytes));
        let last = rows.last().expect("rows");
        assert_eq!(last.2, Some(1));
        assert_eq!(last.0, 20_001);
    }

    #[test]
    fn a_csv_row_is_numbered_by_the_line_its_record_starts_on() {
        let numbers = |text: &[u8]| {
            rows_of(csv(text)).iter().map(|(number, fields, _)| (number, fields[0].clone())).map(|(n, f)| (*n, f)).collect::<Vec<_>>()
        };
        // Line 1 header, 2 x, 3–4 a record whose quoted note spans two lines, 5 z, 6–7 blank, 8 q.
        let expected = vec![(1, "h".to_string()), (2, "x".into()), (3, "a".into()), (5, "z".into()), (8, "q".into())];
        assert_eq!(numbers(b"h,note\nx,1\na,\"one\ntwo\"\nz,3\n\n\nq,4\n"), expected, "LF");
        assert_eq!(numbers(b"h,note\r\nx,1\r\na,\"one\r\ntwo\"\r\nz,3\r\n\r\n\r\nq,4\r\n"), expected, "CRLF, as Excel saves");
        assert_eq!(numbers(b"h,note\r\nx,1\r\na,\"one\r\ntwo\"\r\nz,3\r\n\r\n\r\nq,4"), expected, "no line end after the last record");
        // A title on line 1 and a blank line 2 above the header on line 3, behind a BOM.
        assert_eq!(
            numbers(b"\xEF\xBB\xBF\xE6\xA0\x87\xE9\xA2\x98\r\n\r\nh,note\r\nx,1\r\n"),
            vec![(1, "标题".to_string()), (3, "h".into()), (4, "x".into())]
        );
    }

    #[test]
    fn delimiters_are_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter("a;b;\"c,d\"\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter("a,b\n"), b',');
        assert_eq!(sniff_delimiter("single"), b',');
    }

    #[test]
    fn json_objects_become_rows_under_the_union_of_their_keys() {
        let rows = rows_of(Source::json(br#"[{"a": 1, "b": "x"}, {"b": null, "c": true, "a": 2.5}]"#).expect("json"));
        assert_eq!(rows[0].1, ["a", "b", "c"]);
        assert_eq!(rows[1].1, ["1", "x", ""]);
        assert_eq!(rows[2].1, ["2.5", "", "true"]);
        assert!(matches!(Source::json(b"{\"a\":1}"), Err(ImportError::BadJson(_))));
        assert!(matches!(Source::json(b"[1]"), Err(ImportError::BadJson(_))));
        assert!(matches!(Source::json(b"[{"), Err(ImportError::BadJson(_))));
    }

    #[test]
    fn floats_print_like_people_type_them() {
        assert_eq!(float_text(25000.0), "25000");
        assert_eq!(float_text(4.5), "4.5");
    }
}
