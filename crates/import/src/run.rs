//! The import pipeline: a reader thread turns rows into records while the writer stores them,
//! all in one transaction, so an import lands whole or not at all.

use crate::report::{ColumnMapping, ColumnReport, ImportReport};
use crate::source::{RowRef, Source};
use crate::{ImportError, ImportOptions, Progress};
use salescope_core::access::WriteScope;
use salescope_core::fxhash::FxHashSet;
use salescope_core::header::{CustomMapping, HeaderMapping, map_headers, match_header};
use salescope_core::parse::{Issue, ParseContext, Record, parse_row};
use salescope_core::records::{DailyReport, Deal, DealSpan, DealStage, stage_rules};
use salescope_core::rollup::RollupDelta;
use salescope_core::rules::{Rule, RulePolicy, Severity};
use salescope_core::schema::Value;
use salescope_core::scope::TeamTree;
use salescope_core::time::Day;
use salescope_core::training::{Assessment, Attendance, Course, Session, TrainingFeedback};
use salescope_store::{BatchOutcome, Db, StoreError, Stored, Tx, WriteContext};
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// Records per batch handed from the reader to the writer.
const BATCH: usize = 4096;
/// How many leading rows are searched for the header row (spreadsheets often carry a title).
const HEADER_SEARCH_ROWS: usize = 10;

/// A record kind that can be imported.
pub trait Importable: Stored {
    /// Rules that need the store to check (a stage change must name a known deal). Returns the
    /// issues of each record, aligned with `batch`.
    fn check_references(
        _tx: &mut Tx,
        batch: &[Self],
        _policy: &RulePolicy,
    ) -> impl Future<Output = Result<Vec<Vec<Issue>>, StoreError>> + Send {
        let none = vec![Vec::new(); batch.len()];
        async move { Ok(none) }
    }

    /// The rep the record belongs to, for the writer's scope; none for the organisation's
    /// records (customers, courses).
    fn rep_of(&self) -> Option<&str> {
        None
    }

    /// For a rep record, the team the write puts the rep in.
    fn team_after(&self) -> Option<&str> {
        None
    }

    /// For a report of a day's work, the day, which `DailyReport::filing_rule` bounds.
    fn day_reported(&self) -> Option<Day> {
        None
    }

    /// The rep each record of a batch belongs to, where that takes the store to know.
    fn owners(_tx: &mut Tx, batch: &[Self]) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
        let owners = batch.iter().map(|r| r.rep_of().map(str::to_string)).collect();
        async move { Ok(owners) }
    }
}

/// Kinds that name their rep in a `rep_id` field.
macro_rules! importable_of_a_rep {
    ($($kind:ty),* $(,)?) => {$(
        impl Importable for $kind {
            fn rep_of(&self) -> Option<&str> {
                Some(&self.rep_id)
            }
        }
    )*};
}

importable_of_a_rep!(salescope_core::records::Call, salescope_core::records::Activity, Deal, salescope_core::records::MeasureValue,);

impl Importable for DailyReport {
    fn rep_of(&self) -> Option<&str> {
        Some(&self.rep_id)
    }

    fn day_reported(&self) -> Option<Day> {
        Some(self.date)
    }
}

impl Importable for salescope_core::records::Rep {
    fn rep_of(&self) -> Option<&str> {
        Some(&self.rep_id)
    }

    fn team_after(&self) -> Option<&str> {
        Some(&self.team)
    }
}

impl Importable for salescope_core::records::Customer {}

impl Importable for salescope_core::records::Lead {
    fn rep_of(&self) -> Option<&str> {
        self.rep_id.as_deref()
    }
}

impl Importable for salescope_core::records::Feedback {
    fn rep_of(&self) -> Option<&str> {
        self.rep_id.as_deref()
    }
}

/// The issues of records whose `reference` names no stored record of `R` (a session of an unknown
/// course, say), reported under `rule` on `field`.
async fn unknown_references<T, R: Record>(
    tx: &mut Tx,
    batch: &[T],
    reference: impl Fn(&T) -> &str,
    field: &'static str,
    rule: Rule,
) -> Result<Vec<Vec<Issue>>, StoreError> {
    let mut ids: Vec<&str> = batch.iter().map(&reference).collect();
    ids.sort_unstable();
    ids.dedup();
    let keys: Vec<Value> = ids.iter().map(|id| Value::Text(id.to_string())).collect();
    let known: std::collections::HashSet<String> = tx.fetch_by_keys::<R>(&keys).await?.iter().map(|r| r.key_text().into_owned()).collect();
    Ok(batch
        .iter()
        .map(|record| {
            let id = reference(record);
            if known.contains(id) {
                Vec::new()
            } else {
                vec![Issue { field: Some(field), rule, severity: Severity::Error, value: id.to_string() }]
            }
        })
        .collect())
}

impl Importable for Course {}

impl Importable for Session {
    async fn check_references(tx: &mut Tx, batch: &[Self], _: &RulePolicy) -> Result<Vec<Vec<Issue>>, StoreError> {
        unknown_references::<_, Course>(tx, batch, |s| &s.course_id, "course_id", Rule::CourseUnknown).await
    }
}

impl Importable for Attendance {
    fn rep_of(&self) -> Option<&str> {
        Some(&self.rep_id)
    }

    async fn check_references(tx: &mut Tx, batch: &[Self], _: &RulePolicy) -> Result<Vec<Vec<Issue>>, StoreError> {
        unknown_references::<_, Session>(tx, batch, |a| &a.session_id, "session_id", Rule::SessionUnknown).await
    }
}

impl Importable for Assessment {
    fn rep_of(&self) -> Option<&str> {
        Some(&self.rep_id)
    }

    async fn check_references(tx: &mut Tx, batch: &[Self], _: &RulePolicy) -> Result<Vec<Vec<Issue>>, StoreError> {
        unknown_references::<_, Course>(tx, batch, |a| &a.course_id, "course_id", Rule::CourseUnknown).await
    }
}

impl Importable for TrainingFeedback {
    fn rep_of(&self) -> Option<&str> {
        Some(&self.rep_id)
    }

    async fn check_references(tx: &mut Tx, batch: &[Self], _: &RulePolicy) -> Result<Vec<Vec<Issue>>, StoreError> {
        unknown_references::<_, Session>(tx, batch, |f| &f.session_id, "session_id", Rule::SessionUnknown).await
    }
}

impl Importable for DealStage {
    /// A stage change is its deal's, so the deal's rep's.
    async fn owners(tx: &mut Tx, batch: &[Self]) -> Result<Vec<Option<String>>, StoreError> {
        let ids: Vec<Value> = batch.iter().map(|s| Value::Text(s.deal_id.clone())).collect();
        let reps: HashMap<String, String> = tx.fetch_by_keys::<Deal>(&ids).await?.into_iter().map(|d| (d.deal_id, d.rep_id)).collect();
        Ok(batch.iter().map(|s| reps.get(&s.deal_id).cloned()).collect())
    }

    async fn check_references(tx: &mut Tx, batch: &[Self], policy: &RulePolicy) -> Result<Vec<Vec<Issue>>, StoreError> {
        let mut ids: Vec<Value> = batch.iter().map(|s| Value::Text(s.deal_id.clone())).collect();
        ids.dedup();
        let deals: std::collections::HashMap<String, DealSpan> = tx
            .fetch_by_keys::<Deal>(&ids)
            .await?
            .into_iter()
            .map(|d| (d.deal_id.clone(), DealSpan { created_at: d.created_at, closed_at: d.closed_at }))
            .collect();
        Ok(batch
            .iter()
            .map(|change| {
                stage_rules(change, deals.get(&change.deal_id))
                    .into_iter()
                    .map(|(rule, field, value)| Issue { field: Some(field), rule, severity: policy.severity(rule), value })
                    .filter(|i| i.severity != Severity::Off)
                    .collect()
            })
            .collect())
    }
}

/// What a writer whose scope is limited may write: the rep a record belongs to must lie within
/// the scope (core::access) before the write — as stored — and after it.
pub(crate) struct WriterGuard {
    scope: WriteScope,
    tree: TeamTree,
    /// Each rep's team today.
    team_of: HashMap<String, String>,
}

impl WriterGuard {
    pub(crate) async fn load(db: &Db, scope: &WriteScope) -> Result<Option<WriterGuard>, StoreError> {
        if scope.is_everything() {
            return Ok(None);
        }
        let structure = db.org_structure().await?;
        Ok(Some(WriterGuard {
            scope: scope.clone(),
            tree: TeamTree::new(structure.teams),
            team_of: structure.reps.into_iter().map(|r| (r.rep_id, r.team)).collect(),
        }))
    }

    pub(crate) fn covers(&self, rep: Option<&str>, team: Option<&str>) -> bool {
        let team = team.or_else(|| rep.and_then(|r| self.team_of.get(r)).map(String::as_str));
        self.scope.covers(rep, team, &self.tree)
    }

    /// The `outside_scope` issue of each record the writer may not write, aligned with `batch`.
    async fn issues<R: Importable>(&self, tx: &mut Tx, batch: &[R]) -> Result<Vec<Vec<Issue>>, StoreError> {
        let owners = R::owners(tx, batch).await?;
        let keys: Vec<Value> = batch.iter().flat_map(Record::key_values).collect();
        let stored: HashMap<String, R> = tx.fetch_by_keys::<R>(&keys).await?.into_iter().map(|r| (r.key_text().into_owned(), r)).collect();
        Ok(batch
            .iter()
            .zip(&owners)
            .map(|(record, owner)| {
                let before = stored.get(record.key_text().as_ref());
                let allowed = self.covers(owner.as_deref(), record.team_after())
                    && before.is_none_or(|old| self.covers(old.rep_of().or(owner.as_deref()), None));
                if allowed {
                    return Vec::new();
                }
                let (field, value) = match record.team_after() {
                    Some(team) => ("team", team.to_string()),
                    None => ("rep_id", owner.clone().unwrap_or_default()),
                };
                vec![Issue { field: Some(field), rule: Rule::OutsideScope, severity: Severity::Error, value }]
            })
            .collect())
    }
}

struct Batch<R> {
    records: Vec<R>,
    /// Row number of each record.
    rows: Vec<u64>,
    /// Issues of each record that was kept (warnings only), aligned with `records`.
    record_issues: Vec<Vec<Issue>>,
    /// Rows that were rejected while reading, with their issues.
    rejected: Vec<(u64, Vec<Issue>)>,
    rows_read: u64,
    blank_rows: u64,
}

impl<R> Batch<R> {
    fn new() -> Self {
        Batch {
            records: Vec::with_capacity(BATCH),
            rows: Vec::new(),
            record_issues: Vec::new(),
            rejected: Vec::new(),
            rows_read: 0,
            blank_rows: 0,
        }
    }
}

enum Message<R> {
    Columns(HeaderMapping),
    Batch(Batch<R>),
    /// The end of the input, with the rollup contributions of every record read, counted as if
    /// all were new (see `WriteContext::counted`).
    End {
        rows_before_header: u64,
        failure: Option<ImportError>,
        counted: RollupDelta,
    },
}

fn is_blank(fields: &[&str]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

/// Picks the header among the first non-blank rows: the one naming the most fields (the earliest
/// on a tie).
/// A row read before the header is settled, kept until it is.
struct Candidate {
    number: u64,
    fields: Vec<String>,
    flaw: Option<(usize, Rule)>,
}

fn choose_header(candidates: &[Candidate], fields: &'static [salescope_core::schema::FieldSpec], custom: &CustomMapping) -> Option<usize> {
    let score = |row: &Vec<String>| row.iter().filter(|h| match_header(fields, h, custom).is_some()).count();
    let mut best: Option<usize> = None;
    for (i, Candidate { fields: row, .. }) in candidates.iter().enumerate() {
        let row_fields: Vec<&str> = row.iter().map(String::as_str).collect();
        if is_blank(&row_fields) {
            continue;
        }
        if best.is_none_or(|b| score(row) > score(&candidates[b].fields)) {
            best = Some(i);
        }
    }
    best
}

/// What a mapping fills in before a row is parsed, by field index: values copied from another
/// field, the file's words turned into Salescope's, and defaults — in that order, each only where
/// the row leaves the field empty (words: where it has one of them).
#[derive(Default)]
struct RowFill {
    copies: Vec<(usize, usize)>,
    words: Vec<(usize, HashMap<String, String>)>,
    defaults: Vec<(usize, String)>,
}

impl RowFill {
    fn new<R: Record>(options: &ImportOptions) -> Result<RowFill, ImportError> {
        let index = |field: &str| {
            R::FIELDS
                .iter()
                .position(|f| f.name == field.trim())
                .ok_or_else(|| ImportError::BadMapping(format!("`{field}` is not a field of this kind")))
        };
        let mut fill = RowFill::default();
        for (target, source) in &options.copies {
            fill.copies.push((index(target)?, index(source)?));
        }
        for (field, words) in &options.values {
            fill.words.push((index(field)?, words.iter().map(|(word, value)| (word.trim().to_lowercase(), value.clone())).collect()));
        }
        for (field, text) in &options.defaults {
            fill.defaults.push((index(field)?, text.clone()));
        }
        Ok(fill)
    }

    /// Whether every row gets a value for the field even when the file has no column for it.
    fn supplies(&self, field: Option<usize>) -> bool {
        field.is_some_and(|f| self.defaults.iter().any(|(d, _)| *d == f) || self.copies.iter().any(|(c, _)| *c == f))
    }

    fn apply<'a>(&'a self, values: &mut [Option<&'a str>]) {
        let empty = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty());
        for &(target, source) in &self.copies {
            if empty(values[target]) {
                values[target] = values[source];
            }
        }
        for (field, words) in &self.words {
            if let Some(value) = values[*field].and_then(|v| words.get(&v.trim().to_lowercase())) {
                values[*field] = Some(value.as_str());
            }
        }
        for (field, text) in &self.defaults {
            if empty(values[*field]) {
                values[*field] = Some(text.as_str());
            }
        }
    }
}

/// Turns data rows into records and batches them.
struct RowParser<'a, R> {
    ctx: &'a ParseContext,
    fill: &'a RowFill,
    out: &'a mpsc::Sender<Message<R>>,
    batch: Batch<R>,
    /// Contributions of every record read so far: one delta for the whole input, merged with the
    /// writer's corrections once at the end rather than batch by batch.
    counted: RollupDelta,
    seen: SeenIds,
}

/// The external ids read so far, to catch one read twice.
///
/// Ids are kept as keyed 64-bit hashes: with random keys, two different ids collide with odds of
/// about n²/2⁶⁵ (one in a million for ten million rows). While the ids ascend — a system's export
/// in id order — none can repeat, so their hashes are only listed; the first id out of order turns
/// the list into a set. A million-row file in order thus skips a million inserts into a set far
/// larger than the processor's caches.
struct SeenIds {
    hasher: RandomState,
    order: SeenOrder,
}

enum SeenOrder {
    Ascending { last: String, hashes: Vec<u64> },
    Any(FxHashSet<u64>),
}

impl SeenIds {
    fn new() -> SeenIds {
        SeenIds { hasher: RandomState::new(), order: SeenOrder::Ascending { last: String::new(), hashes: Vec::new() } }
    }

    /// Notes `id`; `false` when it was read before.
    fn first_time(&mut self, id: &str) -> bool {
        let hash = self.hasher.hash_one(id);
        match &mut self.order {
            SeenOrder::Ascending { last, hashes } if hashes.is_empty() || id > last.as_str() => {
                last.clear();
                last.push_str(id);
                hashes.push(hash);
                true
            }
            SeenOrder::Ascending { hashes, .. } => {
                let mut set: FxHashSet<u64> = hashes.drain(..).collect();
                let first = set.insert(hash);
                self.order = SeenOrder::Any(set);
                first
            }
            SeenOrder::Any(set) => set.insert(hash),
        }
    }
}

impl<R: Record> RowParser<'_, R> {
    fn row(&mut self, row: &RowRef, mapping: &HeaderMapping) -> bool {
        let batch = &mut self.batch;
        if is_blank(row.fields) {
            batch.blank_rows += 1;
            return true;
        }
        batch.rows_read += 1;
        let mut values = mapping.values(row.fields);
        self.fill.apply(&mut values);
        let mut parsed = parse_row::<R>(&values, self.ctx);
        if let Some((bad, rule)) = row.flaw {
            let field = mapping.columns.iter().position(|c| *c == Some(bad)).map(|f| R::FIELDS[f].name);
            // Bad bytes matter only in a column that is read; an open quote has swallowed the
            // rows after it whichever column it is in.
            if field.is_some() || rule == Rule::QuoteUnclosed {
                parsed.record = None;
                let issue = Issue { field, rule, severity: Severity::Error, value: row.fields[bad].chars().take(80).collect() };
                if rule == Rule::QuoteUnclosed {
                    // It explains the row's other issues: fields it left missing, say.
                    parsed.issues = vec![issue];
                } else {
                    parsed.issues.push(issue);
                }
            }
        }
        match parsed.record {
            Some(record) => {
                let mut issues = parsed.issues;
                if !self.seen.first_time(&record.key_text()) {
                    let severity = self.ctx.policy.severity(Rule::DuplicateInFile);
                    if severity != Severity::Off {
                        issues.push(Issue { field: None, rule: Rule::DuplicateInFile, severity, value: record.external_id() });
                    }
                }
                if issues.iter().any(|i| i.severity == Severity::Error) {
                    batch.rejected.push((row.number, issues));
                } else {
                    record.contribute(1, &mut self.counted);
                    batch.records.push(record);
                    batch.rows.push(row.number);
                    batch.record_issues.push(issues);
                }
            }
            None => batch.rejected.push((row.number, parsed.issues)),
        }
        if batch.records.len() + batch.rejected.len() >= BATCH {
            return self.flush();
        }
        true
    }

    /// Sends the current batch; `false` when the writer has gone.
    fn flush(&mut self) -> bool {
        let full = std::mem::replace(&mut self.batch, Batch::new());
        self.out.blocking_send(Message::Batch(full)).is_ok()
    }
}

/// Reads every row into records on the calling (blocking) thread, sending batches to `out`.
fn read_rows<R: Record>(
    source: Source,
    ctx: &ParseContext,
    custom: &CustomMapping,
    fill: &RowFill,
    out: &mpsc::Sender<Message<R>>,
    progress: &dyn Progress,
) {
    let mut parser = RowParser { fill, ctx, out, batch: Batch::new(), counted: RollupDelta::default(), seen: SeenIds::new() };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut mapping: Option<HeaderMapping> = None;
    let mut rows_before_header = 0u64;
    let mut failure: Option<ImportError> = None;
    let mut last_progress = 0u64;
    let progress_step = (source.total_bytes() / 200).max(1);

    // Settles the header among the buffered rows, then reads the buffered rows after it.
    let settle =
        |candidates: &mut Vec<Candidate>, parser: &mut RowParser<R>, rows_before_header: &mut u64| -> Result<HeaderMapping, ImportError> {
            let chosen = choose_header(candidates, R::FIELDS, custom).ok_or(ImportError::EmptyFile)?;
            *rows_before_header += chosen as u64;
            let headers: Vec<&str> = candidates[chosen].fields.iter().map(String::as_str).collect();
            let mut m = map_headers(R::FIELDS, &headers, custom);
            m.missing_required.retain(|field| !fill.supplies(R::FIELDS.iter().position(|f| f.name == *field)));
            if !m.missing_required.is_empty() {
                return Err(ImportError::MissingColumns {
                    missing: m.missing_required.iter().map(|s| s.to_string()).collect(),
                    headers: candidates[chosen].fields.clone(),
                });
            }
            let _ = out.blocking_send(Message::Columns(m.clone()));
            for Candidate { number, fields, flaw } in candidates.drain(..).skip(chosen + 1) {
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                parser.row(&RowRef { number, fields: &fields, flaw, bytes_read: 0 }, &m);
            }
            Ok(m)
        };

    let scanned = source.scan(|row| {
        if row.bytes_read.saturating_sub(last_progress) >= progress_step {
            progress.advance(row.bytes_read);
            last_progress = row.bytes_read;
        }
        if let Some(m) = &mapping {
            return parser.row(&row, m);
        }
        candidates.push(Candidate { number: row.number, fields: row.fields.iter().map(|f| f.to_string()).collect(), flaw: row.flaw });
        let non_blank = candidates.iter().filter(|c| c.fields.iter().any(|v| !v.trim().is_empty())).count();
        if non_blank < HEADER_SEARCH_ROWS {
            return true;
        }
        match settle(&mut candidates, &mut parser, &mut rows_before_header) {
            Ok(m) => {
                mapping = Some(m);
                true
            }
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    });
    if let Err(e) = scanned {
        failure = Some(e);
    }
    if mapping.is_none()
        && failure.is_none()
        && let Err(e) = settle(&mut candidates, &mut parser, &mut rows_before_header)
    {
        failure = Some(e);
    }
    if failure.is_none() {
        parser.flush();
    }
    let _ = out.blocking_send(Message::End { rows_before_header, failure, counted: parser.counted });
}

pub(crate) async fn run<R: Importable>(
    db: &Db,
    source: Source,
    options: &ImportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let settings = db.settings().await?;
    let mut policy = settings.policy;
    for assignment in &options.rule_overrides {
        policy.set_from_text(assignment).map_err(|e| ImportError::BadRule(e.to_string()))?;
    }
    let custom = CustomMapping::new(options.mapping.iter().map(|(h, f)| (h.as_str(), f.as_str())), R::FIELDS)
        .map_err(|field| ImportError::BadMapping(format!("`{field}` is not a field of this kind")))?;
    let reps = db.rep_directory().await?;
    let guard = WriterGuard::load(db, &options.write_scope).await?;
    // Reps filing their own records are held to the filing window; those writing for others are not.
    let own_window = matches!(options.write_scope, WriteScope::OwnRecords(_)).then_some(settings.late_filing_days);
    let fill = RowFill::new::<R>(options)?;
    let ctx = Arc::new(ParseContext { zone: settings.zone, policy: policy.clone(), reps });

    let mut report = ImportReport {
        kind: options.kind_label.clone(),
        source: options.source_name.clone(),
        format: source.format().describe(options.lang),
        strict: options.strict,
        dry_run: options.dry_run,
        lang: options.lang,
        ..Default::default()
    };
    progress.start(source.total_bytes());

    let (sender, mut receiver) = mpsc::channel::<Message<R>>(4);
    let reader = {
        let ctx = Arc::clone(&ctx);
        let progress = Arc::clone(&progress);
        tokio::task::spawn_blocking(move || read_rows::<R>(source, &ctx, &custom, &fill, &sender, progress.as_ref()))
    };

    let write_ctx = WriteContext { today: options.today, counted: true };
    let mut tx = db.begin().await?;
    let mut delta = RollupDelta::default();
    let mut outcome = BatchOutcome::default();
    let mut header_of: std::collections::HashMap<&'static str, String> = std::collections::HashMap::new();
    let mut failure = None;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Columns(mapping) => {
                header_of = mapping.mapped.iter().map(|(h, f)| (*f, h.clone())).collect();
                let column = |header: String, field: &str| ColumnMapping {
                    header,
                    field: field.to_string(),
                    label: R::FIELDS
                        .iter()
                        .find(|spec| spec.name == field)
                        .map_or_else(|| field.to_string(), |spec| spec.label(options.lang)),
                };
                report.columns = ColumnReport {
                    mapped: mapping.mapped.iter().map(|(h, f)| column(h.clone(), f)).collect(),
                    ignored: mapping.ignored,
                    duplicates: mapping.duplicates.into_iter().map(|(h, f)| column(h, f)).collect(),
                };
            }
            Message::Batch(batch) => {
                let column_of = |field: &str| header_of.get(field).cloned();
                report.rows_read += batch.rows_read;
                report.blank_rows += batch.blank_rows;
                for (row, issues) in &batch.rejected {
                    report.add_row_issues(*row, issues, &column_of);
                }
                let mut references = R::check_references(&mut tx, &batch.records, &policy).await?;
                if let Some(guard) = &guard {
                    for (issues, outside) in references.iter_mut().zip(guard.issues(&mut tx, &batch.records).await?) {
                        report.outside_scope += outside.len() as u64;
                        issues.extend(outside);
                    }
                }
                for (issues, record) in references.iter_mut().zip(&batch.records) {
                    if let Some(day) = record.day_reported()
                        && let Some(rule) = DailyReport::filing_rule(day, options.today, own_window)
                        && policy.severity(rule) != Severity::Off
                    {
                        issues.push(Issue { field: Some("date"), rule, severity: policy.severity(rule), value: day.to_string() });
                    }
                }
                let mut kept = Vec::with_capacity(batch.records.len());
                for (((mut record, row), mut issues), more) in
                    batch.records.into_iter().zip(batch.rows).zip(batch.record_issues).zip(references)
                {
                    let rejected = more.iter().any(|i| i.severity == Severity::Error);
                    if !more.is_empty() && !rejected {
                        let mut all = issues.iter().chain(&more).cloned().collect::<Vec<_>>();
                        all.retain(|i| i.rule != Rule::DuplicateInFile);
                        *record.flags_mut() = salescope_core::parse::warning_flags(&all);
                    }
                    issues.extend(more);
                    if !issues.is_empty() {
                        report.add_row_issues(row, &issues, &column_of);
                    }
                    if rejected {
                        record.contribute(-1, &mut delta);
                    } else {
                        kept.push(record);
                    }
                }
                if (options.strict && report.rejected > 0) || report.outside_scope > 0 {
                    continue; // Nothing will be kept; read on only to report every problem.
                }
                outcome.add(R::write_batch(&mut tx, kept, &mut delta, &write_ctx).await?);
            }
            Message::End { rows_before_header, failure: f, counted } => {
                report.rows_before_header = rows_before_header;
                failure = f;
                let corrections = std::mem::replace(&mut delta, counted);
                delta.merge(corrections);
            }
        }
    }
    reader.await.map_err(|e| ImportError::Unreadable { file: options.source_name.clone(), detail: e.to_string() })?;
    progress.finish();
    if let Some(failure) = failure {
        tx.rollback().await?;
        return Err(failure);
    }
    report.inserted = outcome.inserted;
    report.updated = outcome.updated;
    report.unchanged = outcome.unchanged;
    // A record outside the writer's scope refuses the whole import, strict or not: what the
    // writer may not touch is no partial success.
    if (options.strict && report.rejected > 0) || report.outside_scope > 0 {
        tx.rollback().await?;
        report.committed = false;
        report.inserted = 0;
        report.updated = 0;
        report.unchanged = 0;
    } else if options.dry_run {
        // The counts stand for what an import would do.
        tx.rollback().await?;
        report.committed = false;
    } else {
        tx.apply_rollup_delta(&delta).await?;
        tx.record_import_run(
            &report.kind,
            &report.source,
            options.now.0,
            options.strict,
            report.rows_read,
            outcome,
            report.rejected,
            report.warned,
        )
        .await?;
        tx.commit().await?;
        report.committed = true;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::SeenIds;

    fn repeats(ids: &[&str]) -> Vec<&'static str> {
        let mut seen = SeenIds::new();
        ids.iter().map(|id| if seen.first_time(id) { "new" } else { "again" }).collect()
    }

    #[test]
    fn ids_in_ascending_order_are_all_new() {
        assert_eq!(repeats(&["C1", "C2", "C3", "C9"]), ["new"; 4]);
    }

    #[test]
    fn an_id_repeated_straight_after_itself_is_caught() {
        assert_eq!(repeats(&["C1", "C2", "C2", "C3"]), ["new", "new", "again", "new"]);
    }

    #[test]
    fn ids_repeated_once_the_order_breaks_are_caught_early_and_late() {
        assert_eq!(repeats(&["C1", "C5", "C3", "C1", "C7", "C3", "C2"]), ["new", "new", "new", "again", "new", "again", "new"]);
    }
}
