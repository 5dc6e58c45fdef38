//! Call transcripts in five formats, recognised by extension and content:
//!
//! - Salescope JSON, one call per file: `{"call_id": …, "turns": [{"speaker", "start", "end", "text"}]}`;
//! - JSON Lines (`.jsonl`): one such object per line;
//! - text (`.txt`): one turn per line, `坐席：`/`客户：`, `销售:`/`顾客:`, `Agent:`/`Customer:`,
//!   optionally led by `[mm:ss]` (a turn then ends where the next begins; the last has no length);
//! - WebVTT (`.vtt`) with `<v Agent>`/`<v Customer>` voices (or 坐席/客户);
//! - a dual-channel speech-recognition result (`{"TaskId", "Result": {"Sentences": [{"ChannelId",
//!   "BeginTime", "EndTime", "Text"}]}}`, milliseconds), channel 0 the agent unless told otherwise.
//!
//! A problem is reported with its file and line (for JSON files, the turn), and only the
//! transcript it concerns is left out.

use crate::ImportError;
use salescope_core::access::WriteScope;
use salescope_core::conversation::{Speaker, Transcript, Turn, metrics};
use salescope_core::i18n::Lang;
use salescope_core::phrases::{PhraseConfig, PhraseSet, Segmenter, find};
use salescope_core::time::LocalDateTime;
use salescope_store::{Db, TranscriptRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    JsonLines,
    Text,
    WebVtt,
    SpeechRecognition,
}

impl Format {
    pub fn id(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::Text => "text",
            Format::WebVtt => "webvtt",
            Format::SpeechRecognition => "asr",
        }
    }
}

/// One transcript that could not be imported, or one file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TranscriptIssue {
    pub file: String,
    /// The line of the file (1-based); for JSON files the line of the JSON Lines record, else none.
    pub line: Option<u64>,
    pub call_id: Option<String>,
    /// A stable id: `unreadable`, `bad_json`, `unknown_speaker`, `ends_before_start`,
    /// `missing_time`, `no_call_id`, `no_turns`, `unknown_call`, `outside_scope`.
    pub rule: String,
    /// What was wrong, in the report's language.
    pub message: String,
}

/// What an import of transcripts did, in the shape of every import's report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TranscriptReport {
    pub kind: String,
    pub source: String,
    pub files: u64,
    /// Transcripts read without a problem of their own.
    pub transcripts_read: u64,
    pub inserted: u64,
    /// Calls whose earlier transcript was replaced.
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Transcripts of calls the writer may not write; any refuses the whole import.
    pub outside_scope: u64,
    pub errors: Vec<TranscriptIssue>,
    pub seconds: f64,
    #[serde(skip)]
    pub lang: Lang,
}

impl TranscriptReport {
    pub fn render_text(&self) -> String {
        let lang = self.lang;
        let mut out = lang.format(
            "transcripts.summary",
            &[
                ("files", &self.files),
                ("read", &self.transcripts_read),
                ("inserted", &self.inserted),
                ("updated", &self.updated),
                ("unchanged", &self.unchanged),
                ("rejected", &self.rejected),
            ],
        );
        out.push_str(&format!("  ({:.2} s)\n", self.seconds));
        for issue in &self.errors {
            let place = match issue.line {
                Some(line) => format!("{}:{line}", issue.file),
                None => issue.file.clone(),
            };
            let call = issue.call_id.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
            out.push_str(&format!("  {place}{call}: {} ({})\n", issue.message, issue.rule));
        }
        out
    }
}

/// A transcript read from a file, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTranscript {
    pub transcript: Transcript,
    pub file: String,
    pub line: Option<u64>,
    pub format: Format,
}

struct Reader<'a> {
    file: &'a str,
    lang: Lang,
    agent_channel: u8,
    read: Vec<ReadTranscript>,
    issues: Vec<TranscriptIssue>,
}

impl Reader<'_> {
    fn issue(&mut self, line: Option<u64>, call_id: Option<&str>, rule: &str, args: &[(&str, &dyn std::fmt::Display)]) {
        self.issues.push(TranscriptIssue {
            file: self.file.to_string(),
            line,
            call_id: call_id.map(str::to_string),
            rule: rule.to_string(),
            message: self.lang.format(&format!("transcripts.rule.{rule}"), args),
        });
    }

    fn keep(&mut self, transcript: Transcript, line: Option<u64>, format: Format) {
        if transcript.turns.is_empty() {
            let call_id = transcript.call_id.clone();
            self.issue(line, Some(&call_id), "no_turns", &[]);
        } else {
            self.read.push(ReadTranscript { transcript, file: self.file.to_string(), line, format });
        }
    }
}

/// Reads the transcripts of one file. `name` is the file's path as the user gave it; its
/// extension and stem matter (the stem is the call id of text and WebVTT files).
pub fn read_file(name: &str, bytes: &[u8], agent_channel: u8, lang: Lang) -> (Vec<ReadTranscript>, Vec<TranscriptIssue>) {
    let mut reader = Reader { file: name, lang, agent_channel, read: Vec::new(), issues: Vec::new() };
    let Some(text) = decode(bytes) else {
        reader.issue(None, None, "unreadable", &[("detail", &lang.tr("transcripts.not_text"))]);
        return (reader.read, reader.issues);
    };
    let path = Path::new(name);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or(name).to_string();
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let trimmed = text.trim_start();
    let format = match extension.as_deref() {
        Some("jsonl") | Some("ndjson") => Format::JsonLines,
        Some("json") => Format::Json,
        Some("vtt") => Format::WebVtt,
        Some("txt") => Format::Text,
        _ if trimmed.starts_with("WEBVTT") => Format::WebVtt,
        _ if trimmed.starts_with('{') && trimmed.lines().filter(|l| !l.trim().is_empty()).count() > 1 && !text.contains("\n ") => {
            Format::JsonLines
        }
        _ if trimmed.starts_with('{') => Format::Json,
        _ => Format::Text,
    };
    match format {
        Format::Json | Format::SpeechRecognition => match serde_json::from_str::<Value>(&text) {
            Ok(value) => json_call(&mut reader, &value, None, Some(&stem)),
            Err(e) => reader.issue(Some(e.line() as u64), None, "bad_json", &[("detail", &e)]),
        },
        Format::JsonLines => {
            for (n, line) in text.lines().enumerate() {
                let number = Some(n as u64 + 1);
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(value) => json_call(&mut reader, &value, number, None),
                    Err(e) => reader.issue(number, None, "bad_json", &[("detail", &e)]),
                }
            }
        }
        Format::Text => text_call(&mut reader, &text, &stem),
        Format::WebVtt => vtt_call(&mut reader, &text, &stem),
    }
    (reader.read, reader.issues)
}

/// UTF-8 (a BOM is dropped), else GB18030 as Chinese Windows tools write; `None` for binary.
fn decode(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)?.into_owned(),
    };
    (!text.contains('\0')).then_some(text)
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A Salescope JSON call or a speech-recognition result.
fn json_call(reader: &mut Reader, value: &Value, line: Option<u64>, stem: Option<&str>) {
    if value.get("Result").is_some() || value.get("TaskId").is_some() {
        return asr_call(reader, value, line, stem);
    }
    let call_id = value.get("call_id").and_then(id_text).or_else(|| stem.map(str::to_string));
    let Some(call_id) = call_id else {
        return reader.issue(line, None, "no_call_id", &[]);
    };
    let Some(items) = value.get("turns").and_then(Value::as_array) else {
        return reader.issue(line, Some(&call_id), "bad_json", &[("detail", &reader.lang.tr("transcripts.turns_missing"))]);
    };
    let mut turns = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let number = n + 1;
        let label = item.get("speaker").and_then(Value::as_str).unwrap_or_default();
        let Some(speaker) = Speaker::from_label(label) else {
            return reader.issue(line, Some(&call_id), "unknown_speaker", &[("label", &label), ("turn", &number)]);
        };
        let (start, end) = (item.get("start").and_then(Value::as_f64), item.get("end").and_then(Value::as_f64));
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return reader.issue(line, Some(&call_id), "ends_before_start", &[("turn", &number), ("start", &s), ("end", &e)]);
        }
        let text = item.get("text").and_then(Value::as_str).unwrap_or_default().to_string();
        turns.push(Turn { speaker, start, end, text });
    }
    reader.keep(Transcript::new(call_id, turns), line, if line.is_some() { Format::JsonLines } else { Format::Json });
}

fn asr_call(reader: &mut Reader, value: &Value, line: Option<u64>, stem: Option<&str>) {
    let call_id = value.get("TaskId").and_then(id_text).or_else(|| stem.map(str::to_string));
    let Some(call_id) = call_id else {
        return reader.issue(line, None, "no_call_id", &[]);
    };
    let Some(sentences) = value.pointer("/Result/Sentences").and_then(Value::as_array) else {
        return reader.issue(line, Some(&call_id), "bad_json", &[("detail", &reader.lang.tr("transcripts.sentences_missing"))]);
    };
    let mut turns = Vec::with_capacity(sentences.len());
    for (n, sentence) in sentences.iter().enumerate() {
        let number = n + 1;
        let channel = sentence.get("ChannelId").and_then(Value::as_u64);
        let speaker = match channel {
            Some(c) if c == u64::from(reader.agent_channel) => Speaker::Agent,
            Some(0 | 1) => Speaker::Customer,
            _ => {
                let label = channel.map_or_else(|| "—".to_string(), |c| c.to_string());
                return reader.issue(line, Some(&call_id), "unknown_speaker", &[("label", &label), ("turn", &number)]);
            }
        };
        let seconds = |key: &str| sentence.get(key).and_then(Value::as_f64).map(|ms| ms / 1000.0);
        let (start, end) = (seconds("BeginTime"), seconds("EndTime"));
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return reader.issue(line, Some(&call_id), "ends_before_start", &[("turn", &number), ("start", &s), ("end", &e)]);
        }
        let text = sentence.get("Text").and_then(Value::as_str).unwrap_or_default().to_string();
        turns.push(Turn { speaker, start, end, text });
    }
    reader.keep(Transcript::new(call_id, turns), line, Format::SpeechRecognition);
}

/// `[mm:ss]`, `[hh:mm:ss]`, with optional fractions of a second.
fn clock_seconds(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut seconds = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        let value: f64 = if last { part.parse().ok()? } else { part.parse::<u32>().ok()? as f64 };
        if !value.is_finite() || value < 0.0 || (i > 0 && value >= 60.0) {
            return None;
        }
        seconds = seconds * 60.0 + value;
    }
    Some(seconds)
}

/// `Agent: text` or `坐席：text`: the speaker and the text.
fn labelled(line: &str) -> Option<(&str, &str)> {
    let at = line.find([':', '：'])?;
    let colon = line[at..].chars().next()?.len_utf8();
    Some((line[..at].trim(), line[at + colon..].trim()))
}

fn text_call(reader: &mut Reader, text: &str, call_id: &str) {
    let mut lines: Vec<(u64, Option<f64>, Speaker, String)> = Vec::new();
    let mut timed = None;
    for (n, raw) in text.lines().enumerate() {
        let number = n as u64 + 1;
        let mut line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let mut stamp = None;
        if let Some(rest) = line.strip_prefix('[')
            && let Some(close) = rest.find(']')
            && let Some(seconds) = clock_seconds(&rest[..close])
        {
            stamp = Some(seconds);
            line = rest[close + 1..].trim();
        }
        if *timed.get_or_insert(stamp.is_some()) != stamp.is_some() {
            return reader.issue(Some(number), Some(call_id), "missing_time", &[]);
        }
        let (label, words) = labelled(line).unwrap_or((line, ""));
        let Some(speaker) = Speaker::from_label(label) else {
            let label: String = label.chars().take(20).collect();
            return reader.issue(Some(number), Some(call_id), "unknown_speaker", &[("label", &label), ("turn", &(lines.len() + 1))]);
        };
        if let (Some(start), Some((_, Some(previous), _, _))) = (stamp, lines.last())
            && start < *previous
        {
            let turn = lines.len();
            return reader.issue(
                Some(number),
                Some(call_id),
                "ends_before_start",
                &[("turn", &turn), ("start", previous), ("end", &start)],
            );
        }
        lines.push((number, stamp, speaker, words.to_string()));
    }
    let starts: Vec<Option<f64>> = lines.iter().map(|l| l.1).collect();
    let turns = lines
        .into_iter()
        .enumerate()
        .map(|(i, (_, start, speaker, text))| {
            let end = starts.get(i + 1).copied().flatten().or(start);
            Turn { speaker, start, end, text }
        })
        .collect();
    reader.keep(Transcript::new(call_id, turns), None, Format::Text);
}

/// `00:01:02.500` or `01:02.500`.
fn vtt_seconds(text: &str) -> Option<f64> {
    clock_seconds(text.split_whitespace().next()?)
}

/// The voice of a cue line (`<v Agent>` or `<v.loud 坐席>`) and the text with tags removed.
fn voiced(line: &str) -> (Option<&str>, String) {
    let voice = line.strip_prefix("<v").and_then(|rest| {
        let close = rest.find('>')?;
        let inside = rest[..close].trim_start_matches(|c: char| c != ' ' && c != '\t');
        Some(inside.trim())
    });
    let mut text = String::with_capacity(line.len());
    let mut in_tag = false;
    for c in line.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    (voice, text.trim().to_string())
}

fn vtt_call(reader: &mut Reader, text: &str, call_id: &str) {
    let mut turns: Vec<Turn> = Vec::new();
    let mut cue: Option<(f64, f64)> = None;
    for (n, raw) in text.lines().enumerate() {
        let number = n as u64 + 1;
        let line = raw.trim();
        if line.is_empty() {
            cue = None;
            continue;
        }
        if let Some((from, to)) = line.split_once("-->") {
            let (Some(start), Some(end)) = (vtt_seconds(from), vtt_seconds(to)) else {
                return reader.issue(Some(number), Some(call_id), "missing_time", &[]);
            };
            if end < start {
                return reader.issue(
                    Some(number),
                    Some(call_id),
                    "ends_before_start",
                    &[("turn", &(turns.len() + 1)), ("start", &start), ("end", &end)],
                );
            }
            cue = Some((start, end));
            continue;
        }
        let Some((start, end)) = cue else { continue }; // header, cue ids, NOTE and STYLE blocks
        let (voice, words) = voiced(line);
        match voice {
            Some(label) => {
                let Some(speaker) = Speaker::from_label(label) else {
                    return reader.issue(
                        Some(number),
                        Some(call_id),
                        "unknown_speaker",
                        &[("label", &label), ("turn", &(turns.len() + 1))],
                    );
                };
                turns.push(Turn { speaker, start: Some(start), end: Some(end), text: words });
            }
            // A cue line without a voice continues the cue's turn (a wrapped line).
            None => match turns.last_mut() {
                Some(turn) if turn.start == Some(start) => {
                    turn.text.push(' ');
                    turn.text.push_str(&words);
                }
                _ => return reader.issue(Some(number), Some(call_id), "unknown_speaker", &[("label", &"—"), ("turn", &(turns.len() + 1))]),
            },
        }
    }
    reader.keep(Transcript::new(call_id, turns), None, Format::WebVtt);
}

/// The transcript files of a path: the file itself, or the `.json`, `.jsonl`, `.txt` and `.vtt`
/// files under a folder, recursively, in name order.
pub fn transcript_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?.path();
            if entry.is_dir() {
                folders.push(entry);
            } else if entry
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "json" | "jsonl" | "ndjson" | "txt" | "vtt"))
            {
                files.push(entry);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Imports transcripts read from `files` (name, bytes): each good transcript of a known call is
/// stored with its metrics, replacing the call's earlier transcript; the rest are reported.
pub async fn import_transcripts(
    db: &Db,
    source: &str,
    files: Vec<(String, Vec<u8>)>,
    agent_channel: u8,
    now: LocalDateTime,
    write_scope: &WriteScope,
    lang: Lang,
) -> Result<TranscriptReport, ImportError> {
    let started = std::time::Instant::now();
    let mut report = TranscriptReport { kind: "transcripts".into(), source: source.into(), lang, ..TranscriptReport::default() };
    let mut read = Vec::new();
    for (name, bytes) in &files {
        report.files += 1;
        let (transcripts, issues) = read_file(name, bytes, agent_channel, lang);
        read.extend(transcripts);
        report.errors.extend(issues);
    }
    let ids: Vec<String> = read.iter().map(|r| r.transcript.call_id.clone()).collect();
    let known = db.call_reps(&ids).await?;
    let guard = crate::run::WriterGuard::load(db, write_scope).await?;
    let config = phrase_config(db).await?;
    let segmenter = Segmenter::new(&config);
    let mut rows: Vec<TranscriptRow> = Vec::with_capacity(read.len());
    let mut position_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in read {
        let call_id = item.transcript.call_id.clone();
        let Some(rep) = known.get(&call_id) else {
            report.errors.push(TranscriptIssue {
                file: item.file,
                line: item.line,
                call_id: Some(call_id.clone()),
                rule: "unknown_call".into(),
                message: lang.format("transcripts.rule.unknown_call", &[("call", &call_id)]),
            });
            continue;
        };
        // A transcript belongs to its call's rep: a writer of one unit writes only its reps'.
        if guard.as_ref().is_some_and(|g| !g.covers(Some(rep), None)) {
            report.outside_scope += 1;
            report.errors.push(TranscriptIssue {
                file: item.file,
                line: item.line,
                call_id: Some(call_id.clone()),
                rule: "outside_scope".into(),
                message: lang.tr("rule.outside_scope").to_string(),
            });
            continue;
        }
        report.transcripts_read += 1;
        let place = item.line.map_or_else(|| item.file.clone(), |line| format!("{}:{line}", item.file));
        let row = transcript_row(&item.transcript, &place, &segmenter, &config);
        // A call given twice in one import: the later transcript wins.
        match position_of.get(&call_id) {
            Some(&earlier) => rows[earlier] = row,
            None => {
                position_of.insert(call_id, rows.len());
                rows.push(row);
            }
        }
    }
    report.rejected = report.errors.len() as u64;
    // What someone may not touch is no partial success: nothing of the request is stored.
    if report.outside_scope > 0 {
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }
    let stored = db.store_transcripts(&rows, now).await?;
    report.inserted = stored.inserted;
    report.updated = stored.updated;
    report.unchanged = stored.unchanged;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The stored form of a transcript: its turns as JSON, its metrics, and what the phrase
/// configuration finds in it.
fn transcript_row(transcript: &Transcript, source: &str, segmenter: &Segmenter, config: &PhraseConfig) -> TranscriptRow {
    let m = metrics(transcript);
    let found = find(segmenter, config, transcript);
    let turns: Vec<Value> = transcript
        .turns
        .iter()
        .map(|t| serde_json::json!({"speaker": t.speaker.id(), "start": t.start, "end": t.end, "text": t.text}))
        .collect();
    TranscriptRow {
        call_id: transcript.call_id.clone(),
        source: source.to_string(),
        basis: m.basis.id().to_string(),
        turns: Value::Array(turns).to_string(),
        talk_ratio: m.talk_ratio,
        longest_monologue_seconds: m.longest_monologue_seconds,
        longest_customer_story_seconds: m.longest_customer_story_seconds,
        interactivity_per_minute: m.interactivity_per_minute,
        patience_seconds: m.patience_seconds,
        questions: i64::from(m.questions),
        customer_sentiment_start: m.customer_sentiment_start,
        customer_sentiment_end: m.customer_sentiment_end,
        key_messages: found.key_messages.join(","),
        objections: found
            .objections
            .iter()
            .map(|o| format!("{}:{}", o.category, if o.answered { "answered" } else { "unanswered" }))
            .collect::<Vec<_>>()
            .join(","),
        objections_raised: found.objections.len() as i64,
        objections_answered: found.objections.iter().filter(|o| o.answered).count() as i64,
        filler_words: i64::from(found.filler_words),
        competitor_mentions: i64::from(found.competitor_mentions),
    }
}

/// Where the organisation's phrase configuration is kept (as the TOML it was imported as).
pub const PHRASE_CONFIG_KEY: &str = "conversation_phrases";

/// The phrase configuration as a file holds it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseFile {
    #[serde(default)]
    key_messages: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    objections: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    competitors: Vec<String>,
    #[serde(default)]
    fillers: Vec<String>,
}

/// Reads a phrase configuration (TOML: `[key_messages]` and `[objections]` tables of id → phrases,
/// `competitors` and `fillers` lists); the error says what is wrong.
pub fn parse_phrase_config(text: &str) -> Result<PhraseConfig, String> {
    let file: PhraseFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let sets = |table: BTreeMap<String, Vec<String>>| -> Result<Vec<PhraseSet>, String> {
        table
            .into_iter()
            .map(|(id, phrases)| {
                if !salescope_core::kpi::is_valid_id(&id) {
                    return Err(format!("`{id}` cannot be an id: use lower-case letters, digits and _"));
                }
                if phrases.iter().any(|p| p.trim().is_empty()) {
                    return Err(format!("`{id}` has an empty phrase"));
                }
                Ok(PhraseSet { id, phrases: phrases.into_iter().map(|p| p.trim().to_string()).collect() })
            })
            .collect()
    };
    let words = |list: Vec<String>, what: &str| -> Result<Vec<String>, String> {
        if list.iter().any(|p| p.trim().is_empty()) {
            return Err(format!("an empty phrase in {what}"));
        }
        Ok(list.into_iter().map(|p| p.trim().to_string()).collect())
    };
    Ok(PhraseConfig {
        key_messages: sets(file.key_messages)?,
        objections: sets(file.objections)?,
        competitors: words(file.competitors, "competitors")?,
        fillers: words(file.fillers, "fillers")?,
    })
}

/// A phrase configuration as TOML, as `parse_phrase_config` reads it.
pub fn phrase_config_toml(config: &PhraseConfig) -> String {
    let table = |sets: &[PhraseSet]| sets.iter().map(|s| (s.id.clone(), s.phrases.clone())).collect();
    let file = PhraseFile {
        key_messages: table(&config.key_messages),
        objections: table(&config.objections),
        competitors: config.competitors.clone(),
        fillers: config.fillers.clone(),
    };
    toml::to_string(&file).unwrap_or_default()
}

/// The organisation's phrase configuration, or the defaults.
/// Replaces the organisation's phrase configuration with a TOML text; the inner error says why
/// the text is not a configuration (and nothing was stored).
pub async fn save_phrase_config(db: &Db, text: &str) -> Result<Result<PhraseConfig, String>, ImportError> {
    let config = match parse_phrase_config(text) {
        Ok(config) => config,
        Err(e) => return Ok(Err(e)),
    };
    db.set_internal(PHRASE_CONFIG_KEY, text).await?;
    Ok(Ok(config))
}

pub async fn phrase_config(db: &Db) -> Result<PhraseConfig, ImportError> {
    Ok(match db.internal(PHRASE_CONFIG_KEY).await? {
        Some(text) => parse_phrase_config(&text).unwrap_or_else(|e| {
            tracing::warn!("the stored phrase configuration is unusable ({e}); using the defaults");
            PhraseConfig::defaults()
        }),
        None => PhraseConfig::defaults(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use salescope_core::conversation::{Basis, metrics};

    fn one(name: &str, text: &str) -> Transcript {
        let (read, issues) = read_file(name, text.as_bytes(), 0, Lang::En);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(read.len(), 1);
        read.into_iter().next().map(|r| r.transcript).expect("one transcript")
    }

    fn rules(name: &str, text: &str) -> Vec<(Option<u64>, String)> {
        read_file(name, text.as_bytes(), 0, Lang::En).1.into_iter().map(|i| (i.line, i.rule)).collect()
    }

    /// The same call in every format: agent 0–10 "您好，请问是王总吗？", customer 12–20 "是的。",
    /// agent 21–30 "打扰您两分钟?". Agent speaks 19 of 27 s; changes 2 over 30 s = 4 a minute;
    /// waits 21 − 20 = 1 s; two questions.
    fn check_timed(t: &Transcript) {
        let m = metrics(t);
        assert_eq!(m.basis, Basis::Time);
        assert!((m.talk_ratio.unwrap_or_default() - 19.0 / 27.0).abs() < 1e-9, "{m:?}");
        assert_eq!(m.interactivity_per_minute, Some(4.0));
        assert_eq!(m.patience_seconds, Some(1.0));
        assert_eq!(m.longest_monologue_seconds, Some(10.0));
        assert_eq!(m.longest_customer_story_seconds, Some(8.0));
        assert_eq!(m.questions, 2);
    }

    #[test]
    fn salescope_json_and_json_lines_give_the_hand_computed_metrics() {
        let call = r#"{"call_id": "C1", "turns": [
            {"speaker": "agent", "start": 0, "end": 10, "text": "您好，请问是王总吗？"},
            {"speaker": "customer", "start": 12, "end": 20, "text": "是的。"},
            {"speaker": "agent", "start": 21, "end": 30, "text": "打扰您两分钟?"}]}"#;
        let t = one("calls/C1.json", call);
        assert_eq!(t.call_id, "C1");
        check_timed(&t);
        let lines = format!("{}\n{{broken\n{}\n", call.replace('\n', " "), call.replace('\n', " ").replace("C1", "C2"));
        let (read, issues) = read_file("batch.jsonl", lines.as_bytes(), 0, Lang::En);
        assert_eq!(read.iter().map(|r| (r.transcript.call_id.as_str(), r.line)).collect::<Vec<_>>(), [("C1", Some(1)), ("C2", Some(3))]);
        assert_eq!(issues.iter().map(|i| (i.line, i.rule.as_str())).collect::<Vec<_>>(), [(Some(2), "bad_json")]);
    }

    #[test]
    fn text_with_times_ends_each_turn_where_the_next_begins() {
        let t = one("C1.txt", "[00:00] 坐席：您好，请问是王总吗？\n[00:12] 客户: 是的。\n[00:21] Agent:打扰您两分钟?\n");
        assert_eq!(t.call_id, "C1");
        let ends: Vec<(Option<f64>, Option<f64>)> = t.turns.iter().map(|t| (t.start, t.end)).collect();
        assert_eq!(ends, [(Some(0.0), Some(12.0)), (Some(12.0), Some(21.0)), (Some(21.0), Some(21.0))]);
        // Agent 12 of 21 s spoken; 2 changes over 21 s; no wait (the agent starts as the customer ends).
        let m = metrics(&t);
        assert!((m.talk_ratio.unwrap_or_default() - 12.0 / 21.0).abs() < 1e-9);
        assert_eq!(m.patience_seconds, Some(0.0));
        assert_eq!(m.questions, 2);
    }

    #[test]
    fn text_without_times_counts_characters_in_file_order() {
        let t = one("C7.txt", "销售:您好，请问是王总吗？\n\n顾客：是的。\nCustomer：\n坐席：打扰您两分钟?\n");
        assert_eq!(t.turns.len(), 3, "the empty customer line is not a turn");
        let m = metrics(&t);
        assert_eq!(m.basis, Basis::Characters);
        // Agent 8 + 6 characters, customer 2.
        assert!((m.talk_ratio.unwrap_or_default() - 14.0 / 16.0).abs() < 1e-9);
        assert_eq!(m.interactivity_per_minute, None);
    }

    #[test]
    fn webvtt_voices_become_turns() {
        let vtt = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:10.000\n<v Agent>您好，请问是王总吗？</v>\n\n\
                   2\n00:00:12.000 --> 00:00:20.000\n<v 客户>是的。\n\n00:21.000 --> 00:30.000\n<v.loud Agent>打扰您\n两分钟?\n";
        let t = one("C1.vtt", vtt);
        assert_eq!(t.turns[2].text, "打扰您 两分钟?");
        check_timed(&t);
    }

    #[test]
    fn speech_recognition_channels_are_ordered_by_time() {
        let asr = r#"{"TaskId": "C1", "Result": {"Sentences": [
            {"ChannelId": 0, "BeginTime": 0, "EndTime": 10000, "Text": "您好，请问是王总吗？"},
            {"ChannelId": 0, "BeginTime": 21000, "EndTime": 30000, "Text": "打扰您两分钟?"},
            {"ChannelId": 1, "BeginTime": 12000, "EndTime": 20000, "Text": "是的。"}]}}"#;
        let t = one("task-77.json", asr);
        assert_eq!(t.call_id, "C1");
        assert_eq!(t.turns[1].speaker, Speaker::Customer);
        check_timed(&t);
        let (read, _) = read_file("task-77.json", asr.as_bytes(), 1, Lang::En);
        assert_eq!(read[0].transcript.turns[0].speaker, Speaker::Customer, "--agent-channel 1");
    }

    #[test]
    fn bad_input_is_reported_by_file_and_line_with_the_rule() {
        assert_eq!(rules("C1.txt", "坐席：你好\n主持人：大家好\n"), [(Some(2), "unknown_speaker".to_string())]);
        assert_eq!(rules("C1.txt", "[00:05] 坐席：你好\n客户：嗯\n"), [(Some(2), "missing_time".to_string())]);
        assert_eq!(rules("C1.txt", "[00:05] 坐席：你好\n[00:03] 客户：嗯\n"), [(Some(2), "ends_before_start".to_string())]);
        assert_eq!(rules("C1.vtt", "WEBVTT\n\n00:05.000 --> 00:04.000\n<v Agent>你好\n"), [(Some(3), "ends_before_start".to_string())]);
        assert_eq!(
            rules("C1.json", r#"{"call_id":"C1","turns":[{"speaker":"bot","text":"hi"}]}"#),
            [(None, "unknown_speaker".to_string())]
        );
        assert_eq!(rules("C1.json", "{\"call_id\": \n"), [(Some(2), "bad_json".to_string())]);
        assert_eq!(rules("C1.txt", "\n\n"), [(None, "no_turns".to_string())]);
        let (_, issues) = read_file("C1.txt", &[0xff, 0xfe, 0x00, 0x01], 0, Lang::En);
        assert_eq!(issues[0].rule, "unreadable");
    }

    #[test]
    fn phrase_configurations_round_trip_and_bad_ones_are_refused() {
        let config = PhraseConfig::defaults();
        let again = parse_phrase_config(&phrase_config_toml(&config)).expect("parses");
        assert_eq!(again.competitors, config.competitors);
        assert_eq!(again.objections.len(), config.objections.len());
        assert!(parse_phrase_config("[objections]\nPrice = [\"贵\"]\n").is_err(), "ids are lower case");
        assert!(parse_phrase_config("fillers = [\" \"]\n").is_err());
        assert!(parse_phrase_config("colours = [\"red\"]\n").is_err(), "unknown keys are refused");
    }

    #[test]
    fn gbk_text_files_are_read() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("坐席：您好\n客户：你好\n");
        let (read, issues) = read_file("C9.txt", &bytes, 0, Lang::En);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(read[0].transcript.turns[0].text, "您好");
    }
}
