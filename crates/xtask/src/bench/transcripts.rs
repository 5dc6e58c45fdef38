//! The transcript benchmark: reading transcript files and computing every metric of every call —
//! talk-time metrics, questions, sentiment, and the phrase findings on jieba-segmented text — on
//! one core, beside Python jieba's segmentation alone of the same turn texts.

use super::{Scratch, machine_description, median, python_module};
use salescope_core::conversation::metrics;
use salescope_core::i18n::Lang;
use salescope_core::phrases::{PhraseConfig, Segmenter, find};
use salescope_demo::transcripts::{CallToTranscribe, transcript_files};
use salescope_import::transcripts::read_file;
use std::process::Command;
use std::time::Instant;

/// Generated transcripts of at least `megabytes` MB, with the text of their turns.
fn generate(megabytes: usize) -> (Vec<(String, Vec<u8>)>, String) {
    let mut files = Vec::new();
    let mut bytes = 0usize;
    let mut batch = 0usize;
    while bytes < megabytes * 1_000_000 {
        let calls: Vec<CallToTranscribe> = (0..2_000)
            .map(|i| {
                let n = batch * 2_000 + i;
                CallToTranscribe { call_id: format!("C{n:09}"), talk_seconds: 120 + (n % 480) as i64, won: Some(n.is_multiple_of(3)) }
            })
            .collect();
        for file in transcript_files(&calls, batch as u64) {
            bytes += file.1.len();
            files.push(file);
        }
        batch += 1;
    }
    let mut text = String::new();
    for (name, content) in &files {
        for read in read_file(name, content, 0, Lang::En).0 {
            for turn in &read.transcript.turns {
                text.push_str(&turn.text);
                text.push('\n');
            }
        }
    }
    (files, text)
}

/// Seconds to read every file and compute every metric, on this thread.
fn salescope_seconds(files: &[(String, Vec<u8>)], segmenter: &Segmenter, config: &PhraseConfig) -> (f64, usize) {
    let started = Instant::now();
    let mut calls = 0;
    for (name, content) in files {
        for read in read_file(name, content, 0, Lang::En).0 {
            std::hint::black_box((metrics(&read.transcript), find(segmenter, config, &read.transcript)));
            calls += 1;
        }
    }
    (started.elapsed().as_secs_f64(), calls)
}

const JIEBA_SCRIPT: &str = r#"
import jieba, logging, statistics, sys, time
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
times = []
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    for line in lines:
        jieba.lcut(line)
    times.append(time.perf_counter() - started)
print(statistics.median(times))
"#;

fn jieba_seconds(text: &str, runs: usize) -> anyhow::Result<Option<f64>> {
    if !python_module("jieba") {
        return Ok(None);
    }
    let scratch = Scratch::new()?;
    let path = scratch.0.join("turns.txt");
    std::fs::write(&path, text)?;
    let out = Command::new("python3").args(["-c", JIEBA_SCRIPT]).arg(&path).arg(runs.to_string()).output()?;
    anyhow::ensure!(out.status.success(), "python jieba failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse().ok())
}

pub(super) fn run(megabytes: usize, runs: usize) -> anyhow::Result<String> {
    eprintln!("generating {megabytes} MB of transcripts…");
    let (files, text) = generate(megabytes);
    let file_mb = files.iter().map(|f| f.1.len()).sum::<usize>() as f64 / 1e6;
    let text_mb = text.len() as f64 / 1e6;
    let config = PhraseConfig::defaults();
    let segmenter = Segmenter::new(&config);
    let mut times = Vec::with_capacity(runs);
    let mut calls = 0;
    for run in 1..=runs {
        eprintln!("run {run}/{runs}…");
        let (seconds, counted) = salescope_seconds(&files, &segmenter, &config);
        times.push(seconds);
        calls = counted;
    }
    let ours = median(&mut times);
    eprintln!("segmenting the same text with Python jieba…");
    let jieba = jieba_seconds(&text, runs)?;
    let mut lines = vec![
        "| what | median time | MB/s of files | MB/s of turn text |".to_string(),
        "|---|---:|---:|---:|".to_string(),
        format!(
            "| Salescope: read every file, order turns, all metrics, sentiment, jieba segmentation and phrase findings (one thread) | {ours:.2} s | {:.1} | {:.1} |",
            file_mb / ours,
            text_mb / ours
        ),
    ];
    match jieba {
        Some(seconds) => {
            lines.push(format!("| Python jieba: `jieba.lcut` of the turn texts alone | {seconds:.2} s | | {:.1} |", text_mb / seconds))
        }
        None => lines.push("| Python jieba: not run (`pip install jieba` failed) | | | |".to_string()),
    }
    let mut notes = vec![format!(
        "- Bar (SPEC §4): ≥ 5 MB/s per core — this run **{}** it at {:.1} MB/s of files.",
        if file_mb / ours >= 5.0 { "meets" } else { "misses" },
        file_mb / ours
    )];
    if let Some(seconds) = jieba {
        notes.push(format!("- Salescope does all of that **{:.1}×** as fast as Python jieba only segments the text.", seconds / ours));
    }
    Ok(format!(
        "## Transcripts: every metric on Chinese text\n\n\
         `cargo xtask bench transcripts --megabytes {megabytes} --runs {runs}` on {}, {}.\n\n\
         {calls} generated calls in {} files ({file_mb:.1} MB; {text_mb:.1} MB of turn text), in the demo's five formats, \
         85 % Chinese. Storing is not included (see the import benchmark). Medians of {runs} runs.\n\n{}\n\n{}\n",
        machine_description(),
        super::today_text(),
        files.len(),
        lines.join("\n"),
        notes.join("\n")
    ))
}
