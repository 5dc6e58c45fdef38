//! The fuzz targets: each takes any bytes, feeds them to one of Salescope's parsers the way the
//! product does, and panics when a property the parser promises does not hold. libFuzzer reports a
//! panic (or an input that runs past its time or memory limit) as a crash and keeps the input.
//!
//! The targets live here, not in the binary, so that `scripts/fuzz` builds one instrumented binary
//! for all of them (`SALESCOPE_FUZZ_TARGET` picks one) rather than linking the import fourteen
//! times.

use salescope_core::conversation::metrics;
use salescope_core::criterion::Criterion;
use salescope_core::formula::{Base, Expr};
use salescope_core::header::{CustomMapping, map_headers};
use salescope_core::i18n::{Lang, has_key};
use salescope_core::parse::{ParseContext, Record, parse_row};
use salescope_core::phrases::{PhraseConfig, Segmenter, find};
use salescope_core::records::{Call, DailyReport};
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime, OrgZone, parse_date, parse_datetime};
use salescope_core::values::{format_cents, parse_amount, parse_bool, parse_count, parse_score_tenths, parse_seconds};
use salescope_import::pipelines::{parse_pipelines, pipelines_toml};
use salescope_import::transcripts::read_file;
use salescope_import::{Encoding, ImportError, ImportOptions, ImportReport, NoProgress, Source, import, parse_mapping};
use salescope_store::Db;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// A fuzz target: any bytes in, a panic when a promised property fails.
pub type Target = fn(&[u8]);

/// Every target, by the name `SALESCOPE_FUZZ_TARGET` and the corpus folders use.
pub const TARGETS: &[(&str, Target)] = &[
    ("field_values", field_values),
    ("csv_import", csv_import),
    ("json_records", json_records),
    ("xlsx_file", xlsx_file),
    ("xlsx_parts", xlsx_parts),
    ("transcript_json", transcript_json),
    ("transcript_jsonl", transcript_jsonl),
    ("transcript_text", transcript_text),
    ("transcript_vtt", transcript_vtt),
    ("transcript_asr", transcript_asr),
    ("formula", formula),
    ("criterion", criterion),
    ("mapping_file", mapping_file),
    ("pipeline_file", pipeline_file),
];

pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Text as the product reads it from a form or a TOML file: only valid UTF-8 is text.
fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// Dates, times, amounts, counts, durations, scores and yes/no: any text is taken or refused, and
/// what is taken renders back to itself.
pub fn field_values(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let zone = OrgZone::default();
    if let Some(t) = parse_datetime(text, &zone) {
        assert_eq!(parse_datetime(&t.to_string(), &zone), Some(t), "{text:?} → {t}");
    }
    if let Some(d) = parse_date(text, &zone) {
        assert_eq!(parse_date(&d.to_string(), &zone), Some(d), "{text:?} → {d}");
    }
    if let Some(cents) = parse_amount(text) {
        assert_eq!(parse_amount(&format_cents(cents)), Some(cents), "{text:?} → {cents} cents");
    }
    let _ = parse_count(text);
    let _ = parse_seconds(text);
    let _ = parse_bool(text);
    let _ = parse_score_tenths(text);
}

// ---------------------------------------------------------------------------------------------
// Tabular imports: the real import, as a dry run, into an SQLite store that knows three reps.

struct Store {
    runtime: tokio::runtime::Runtime,
    db: Db,
    /// Where spreadsheet inputs are written, since the import opens spreadsheets by path.
    folder: PathBuf,
}

fn now() -> LocalDateTime {
    LocalDateTime::from_parts(Day::from_ymd(2024, 7, 31).expect("a real date"), 18, 0, 0)
}

const REPS_CSV: &str = "工号,姓名,团队,上级团队\nR001,张三,销售一部,华东区\nR002,李四,销售一部,华东区\nR003,王五,销售二部,华东区\n";

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        // scripts/fuzz gives a folder in memory: the store is written on every input.
        let base = std::env::var_os("SALESCOPE_FUZZ_STORE").map_or_else(std::env::temp_dir, PathBuf::from);
        let folder = base.join(format!("salescope-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("a folder for the fuzz store");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
        let db = runtime.block_on(async {
            let db = Db::open(&folder.join("fuzz.db").display().to_string()).await.expect("an SQLite store");
            let source = Source::csv(Box::new(Cursor::new(REPS_CSV.as_bytes())), REPS_CSV.len() as u64, Encoding::Auto).expect("reps");
            let report = import(&db, Kind::Reps, source, &ImportOptions::new(Kind::Reps, "reps", now()), Arc::new(NoProgress))
                .await
                .expect("the reps import");
            assert_eq!(report.inserted, 3, "{}", report.render_text());
            db
        });
        Store { runtime, db, folder }
    })
}

/// A dry-run import of `source` as `kind`, with the properties every import report keeps.
fn import_dry_run(kind: Kind, source: Source) {
    let store = store();
    let mut options = ImportOptions::new(kind, "fuzz", now());
    options.dry_run = true;
    options.lang = Lang::ZhCn;
    match store.runtime.block_on(import(&store.db, kind, source, &options, Arc::new(NoProgress))) {
        Ok(report) => check_report(&report),
        Err(e) => check_import_error(&e),
    }
}

fn check_report(report: &ImportReport) {
    assert!(!report.committed || report.dry_run, "a dry run stores nothing");
    assert_eq!(
        report.inserted + report.updated + report.unchanged + report.rejected,
        report.rows_read,
        "every row read is stored, unchanged or rejected\n{}",
        report.render_text()
    );
    for issue in report.errors.iter().chain(&report.warnings) {
        assert!(issue.row >= 1, "an issue names its row (1 = the first line): {issue:?}");
        assert!(!issue.rule.is_empty() && !issue.message.is_empty(), "an issue names its rule: {issue:?}");
        assert!(issue.column.is_none() || issue.field.is_some(), "a column is named with its field: {issue:?}");
    }
    let rejected_by_rule: u64 = report.rejected_by_rule.values().sum();
    assert!(rejected_by_rule >= report.rejected, "every rejected row is counted under a rule\n{}", report.render_text());
}

fn check_import_error(e: &ImportError) {
    assert!(!e.code().is_empty());
    for lang in [Lang::ZhCn, Lang::En] {
        assert!(!e.message(lang).trim().is_empty(), "{e:?} has no message in {lang:?}");
    }
}

/// Any bytes as a CSV file of calls: encoding detection (UTF-8 with or without BOM, GB18030,
/// UTF-16), separator sniffing, finding the header row, reading and validating every row.
pub fn csv_import(bytes: &[u8]) {
    match Source::csv(Box::new(Cursor::new(bytes.to_vec())), bytes.len() as u64, Encoding::Auto) {
        Ok(source) => import_dry_run(Kind::Calls, source),
        Err(e) => panic!("reading from memory cannot fail: {e}"),
    }
}

/// Any bytes as an ingestion request body (a JSON array of daily reports): refused with an error
/// or read as rows, each of which becomes a record or names a rule.
pub fn json_records(bytes: &[u8]) {
    let Ok(source) = Source::json(bytes) else { return };
    let mut ctx = ParseContext::default();
    ctx.reps.insert("R1", "张三");
    let mut mapping = None;
    let scanned = source.scan(|row| {
        match &mapping {
            None => mapping = Some(map_headers(DailyReport::FIELDS, row.fields, &CustomMapping::default())),
            Some(m) => {
                let parsed = parse_row::<DailyReport>(&m.values(row.fields), &ctx);
                assert!(parsed.record.is_some() || !parsed.issues.is_empty(), "a refused row names its rule");
            }
        }
        true
    });
    assert!(scanned.is_ok(), "a parsed JSON array always scans");
}

/// Imports a spreadsheet file the way an upload is imported: written to disk with its
/// extension, opened by calamine, imported as deals.
fn import_spreadsheet(bytes: &[u8]) {
    let store = store();
    let path = store.folder.join("input.xlsx");
    std::fs::write(&path, bytes).expect("writing the spreadsheet");
    match Source::open(&path, None, Encoding::Auto) {
        Ok(source) => import_dry_run(Kind::Deals, source),
        Err(e) => check_import_error(&e),
    }
}

/// Any bytes as an `.xlsx` upload: the zip container, its parts, the cells.
pub fn xlsx_file(bytes: &[u8]) {
    import_spreadsheet(bytes);
}

/// The parts of a workbook, packed into a valid zip, so that mutations reach calamine's XML
/// reading instead of stopping at the zip's checksums. The input is the parts' texts separated by
/// `PART_SEPARATOR`, in the order of `PARTS`; missing parts are left out of the package.
pub fn xlsx_parts(bytes: &[u8]) {
    import_spreadsheet(&pack_parts(bytes));
}

pub const PART_SEPARATOR: &[u8] = b"\n@@part@@\n";

/// The parts of a one-sheet workbook, as rust_xlsxwriter names them.
pub const PARTS: &[&str] = &[
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/worksheets/sheet1.xml",
];

pub fn pack_parts(bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut rest = bytes;
    for name in PARTS {
        let (part, next) = match rest.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
            Some(at) => (&rest[..at], &rest[at + PART_SEPARATOR.len()..]),
            None => (rest, &[][..]),
        };
        zip.start_file(*name, stored).expect("a zip entry in memory");
        zip.write_all(part).expect("writing to memory");
        rest = next;
        if rest.is_empty() {
            break;
        }
    }
    zip.finish().expect("closing a zip in memory").into_inner()
}

// ---------------------------------------------------------------------------------------------
// Transcripts: the five formats, told apart as the import tells them, by extension and content.

fn segmenter() -> &'static (Segmenter, PhraseConfig) {
    static SEGMENTER: OnceLock<(Segmenter, PhraseConfig)> = OnceLock::new();
    SEGMENTER.get_or_init(|| {
        let config = PhraseConfig::defaults();
        (Segmenter::new(&config), config)
    })
}

/// Reads `bytes` as the file `name`; every transcript read has turns and measurable metrics, and
/// every problem names its file and rule, and its line where the format has lines.
fn transcript(name: &str, bytes: &[u8], lined: bool) {
    const RULES: &[&str] =
        &["unreadable", "bad_json", "unknown_speaker", "ends_before_start", "missing_time", "no_call_id", "no_turns", "unknown_call"];
    let agent_channel = bytes.first().map_or(0, |b| b & 1);
    let (read, issues) = read_file(name, bytes, agent_channel, Lang::ZhCn);
    let (segmenter, config) = segmenter();
    for t in &read {
        assert_eq!(t.file, name);
        assert!(!t.transcript.turns.is_empty(), "a transcript without turns is reported, not read");
        let m = metrics(&t.transcript);
        for value in [m.talk_ratio, m.longest_monologue_seconds, m.interactivity_per_minute, m.patience_seconds].into_iter().flatten() {
            assert!(!value.is_nan(), "metrics of {:?}: {m:?}", t.transcript.call_id);
        }
        if let Some(ratio) = m.talk_ratio {
            assert!((0.0..=1.0).contains(&ratio), "talk ratio {ratio}");
        }
        let _ = find(segmenter, config, &t.transcript);
    }
    for issue in &issues {
        assert_eq!(issue.file, name);
        assert!(RULES.contains(&issue.rule.as_str()), "undocumented rule {:?}", issue.rule);
        assert!(has_key(&format!("transcripts.rule.{}", issue.rule)) && !issue.message.trim().is_empty(), "{issue:?}");
        if lined && issue.rule != "unreadable" && issue.rule != "no_turns" {
            assert!(issue.line.is_some_and(|l| l >= 1), "a problem in a file of lines names its line: {issue:?}");
        }
    }
}

pub fn transcript_json(bytes: &[u8]) {
    transcript("calls/C1.json", bytes, false);
}

pub fn transcript_jsonl(bytes: &[u8]) {
    transcript("calls/day.jsonl", bytes, true);
}

pub fn transcript_text(bytes: &[u8]) {
    transcript("calls/C1.txt", bytes, true);
}

pub fn transcript_vtt(bytes: &[u8]) {
    transcript("calls/C1.vtt", bytes, true);
}

/// A speech-recognition result is a `.json` file; without an extension the content decides.
pub fn transcript_asr(bytes: &[u8]) {
    transcript("calls/asr.json", bytes, false);
    transcript("calls/asr", bytes, false);
}

// ---------------------------------------------------------------------------------------------
// The languages people write: KPI formulas and action criteria.

/// A formula that parses prints as one that parses to the same; an error points at a character of
/// the text.
pub fn formula(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let is_custom = |name: &str| name == "online_leads" || name == "线上线索";
    match Expr::parse(text, &is_custom) {
        Ok(expr) => {
            let printed = expr.to_string();
            assert_eq!(Expr::parse(&printed, &is_custom).as_ref(), Ok(&expr), "{text:?} printed as {printed:?}");
            let mut bases = Vec::new();
            expr.bases(&mut bases);
            let value = expr.eval(&|_: &Base| Some(3.0));
            assert!(value.is_none_or(f64::is_finite), "{text:?} = {value:?}");
            let _ = expr.is_additive();
        }
        Err(e) => {
            let characters = text.chars().count();
            assert!(e.position <= characters, "{text:?}: error at character {} of {characters}", e.position);
            assert!(!e.message.is_empty());
        }
    }
}

/// A criterion that parses prints as one that parses to the same, and has a window to be checked
/// over; an error names its place and reads in both languages.
pub fn criterion(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    match Criterion::parse(text) {
        Ok(c) => {
            let printed = c.to_string();
            assert_eq!(Criterion::parse(&printed).as_ref(), Ok(&c), "{text:?} printed as {printed:?}");
            let raised = Day::from_ymd(2024, 7, 1).expect("a real date");
            let deadline = Day::from_ymd(2024, 7, 31).expect("a real date");
            let window = c.window(raised, deadline, &salescope_core::calendar::WorkCalendar::default());
            assert!(window.start <= window.end, "{text:?}: window {window:?}");
        }
        Err(e) => {
            assert!(e.position <= text.chars().count(), "{text:?}: error at {}", e.position);
            assert!(has_key(e.key), "{text:?}: {e:?} has no message in the catalogue");
            for lang in [Lang::ZhCn, Lang::En] {
                assert!(!e.message(lang).trim().is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

/// A mapping file is read or refused with a message; what is read applies to an import.
pub fn mapping_file(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    match parse_mapping(text) {
        Ok(mapping) => {
            let mut options = ImportOptions::new(Kind::Calls, "fuzz", now());
            mapping.apply(&mut options);
            let _ = CustomMapping::new(options.mapping.iter().map(|(h, f)| (h.as_str(), f.as_str())), Call::FIELDS);
        }
        Err(e) => check_import_error(&e),
    }
}

/// A pipeline file is read or refused with messages; what is read writes back to a file that
/// reads the same.
pub fn pipeline_file(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    match parse_pipelines(text, Lang::ZhCn) {
        Ok(pipelines) => {
            let written = pipelines_toml(&pipelines);
            assert_eq!(parse_pipelines(&written, Lang::ZhCn).as_ref(), Ok(&pipelines), "{text:?} written as {written:?}");
        }
        Err(problems) => {
            assert!(!problems.is_empty() && problems.iter().all(|p| !p.trim().is_empty()), "{text:?}: {problems:?}");
        }
    }
}
