//! Benchmarks of SPEC §4, measured side by side with the reference tools, written to
//! docs/benchmarks.md. Not timed tests: they report what this machine does, as medians.

mod dashboard;
mod import;
mod pipeline;
mod serve;
mod transcripts;

use anyhow::Context;
use clap::{Args, Subcommand};
use salescope_core::random::Rng;
use salescope_core::time::{Day, LocalDateTime};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    which: Which,
    /// Markdown file whose section for this benchmark is replaced with the results.
    #[arg(long, global = true, default_value = "docs/benchmarks.md")]
    output: PathBuf,
    /// Repetitions of each measurement; the median is reported.
    #[arg(long, global = true, default_value_t = 3)]
    runs: usize,
    /// PostgreSQL server on which to create throw-away benchmark databases.
    #[arg(long, global = true, env = "SALESCOPE_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
}

#[derive(Subcommand)]
enum Which {
    /// Call rows per second from CSV, against `sqlite3 .import` and PostgreSQL `COPY`.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
    },
    /// The organisation's headline KPIs with comparisons for a month, against DuckDB's GROUP BY
    /// over the raw calls.
    Dashboard {
        /// Calls in the year (500 reps making 80 a working day make 10 million).
        #[arg(long, default_value_t = 10_000_000)]
        calls: usize,
        /// Directory for the generated data, kept and reused between runs (default: a directory
        /// in the system's temporary folder).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// The process analytics of the pipeline page over a million deals and about five million
    /// stage changes, against the same definitions in DuckDB over the raw tables.
    Pipeline {
        #[arg(long, default_value_t = 1_000_000)]
        deals: usize,
        /// Directory for the generated data, kept and reused between runs.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Only the analyses whose name contains this (to profile one; DuckDB is skipped).
        #[arg(long)]
        only: Option<String>,
    },
    /// `salescope serve` under load: dashboard requests a second, their latency and the server's
    /// resident memory, over the dashboard benchmark's organisation.
    Serve {
        /// Calls in the year of the organisation (as for `bench dashboard`, whose data it reuses).
        #[arg(long, default_value_t = 10_000_000)]
        calls: usize,
        /// Directory for the generated data, kept and reused between runs (shared with `bench
        /// dashboard`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Keep-alive connections sending requests at once.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Length of each measured round.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Reading transcripts and computing every metric on Chinese text, MB/s on one core, beside
    /// Python jieba's segmentation alone of the same text.
    Transcripts {
        /// Megabytes of transcript files to generate.
        #[arg(long, default_value_t = 20)]
        megabytes: usize,
    },
}

pub(super) const CALL_COLUMNS: [&str; 12] = [
    "call_id",
    "rep_id",
    "customer_id",
    "direction",
    "started_at",
    "ring_seconds",
    "talk_seconds",
    "duration_seconds",
    "outcome",
    "disposition",
    "resolved_first_contact",
    "campaign",
];
pub(super) const BENCH_REPS: usize = 500;
/// Reps per team of the generated organisation: its teams are `Team 1` … `Team 10`.
pub(super) const REPS_PER_TEAM: usize = 50;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.runs >= 1, "--runs must be at least 1");
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run benchmarks with `cargo xtask bench …`");
    }
    let (name, section) = match args.which {
        Which::Import { rows } => ("import", import::run(rows, args.runs, &args.postgres_url).await?),
        Which::Dashboard { calls, data } => ("dashboard", dashboard::run(calls, args.runs, data).await?),
        Which::Pipeline { deals, data, only } => ("pipeline", pipeline::run(deals, args.runs, data, only.as_deref()).await?),
        Which::Serve { calls, data, connections, seconds } => ("serve", serve::run(calls, data, connections, seconds, args.runs).await?),
        Which::Transcripts { megabytes } => ("transcripts", transcripts::run(megabytes, args.runs)?),
    };
    write_section(&args.output, name, &section)?;
    println!("{section}");
    println!("Written to {}", args.output.display());
    Ok(())
}

/// Today's date in the default zone, for the reports' "measured on".
fn today_text() -> String {
    salescope_app::clock::Clock::system().today(&Default::default()).to_string()
}

/// A benchmark's generated data, kept between runs in a folder with a note of what it holds:
/// generating and importing millions of rows takes minutes, measuring them seconds.
pub(super) struct KeptData {
    pub dir: PathBuf,
    name: &'static str,
}

impl KeptData {
    /// The folder `data`, or `salescope-bench-NAME` in the temporary folder.
    pub fn new(data: Option<PathBuf>, name: &'static str) -> anyhow::Result<KeptData> {
        let dir = data.unwrap_or_else(|| std::env::temp_dir().join(format!("salescope-bench-{name}")));
        std::fs::create_dir_all(&dir)?;
        Ok(KeptData { dir, name })
    }

    fn db_file(&self) -> PathBuf {
        self.dir.join(format!("{}.db", self.name))
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.db_file().display())
    }

    fn note_file(&self) -> PathBuf {
        self.dir.join("generated.txt")
    }

    /// The lines noted when the data was generated for `wanted`, while its database and the
    /// `files` are still there.
    pub fn noted(&self, wanted: &str, files: &[&Path]) -> Option<Vec<String>> {
        let note = std::fs::read_to_string(self.note_file()).ok()?;
        let mut lines = note.lines();
        let present = self.db_file().exists() && files.iter().all(|f| f.exists());
        (lines.next() == Some(wanted) && present).then(|| lines.map(str::to_string).collect())
    }

    /// Removes the databases of an earlier generation (SQLite and DuckDB).
    pub fn clear(&self, duckdb_file: &str) {
        for file in [format!("{}.db", self.name), format!("{}.db-wal", self.name), format!("{}.db-shm", self.name), duckdb_file.to_string()]
        {
            let _ = std::fs::remove_file(self.dir.join(file));
        }
    }

    pub fn note(&self, wanted: &str, lines: &[&str]) -> anyhow::Result<()> {
        std::fs::write(self.note_file(), format!("{wanted}\n{}\n", lines.join("\n")))?;
        Ok(())
    }
}

/// Imports the generated files of `dir` through `salescope import`, in order: each file's rows
/// stored and seconds taken. Any rejected row stops the benchmark (generated data is valid).
pub(super) async fn import_files(
    db: &salescope_store::Db,
    dir: &Path,
    files: &[(salescope_core::schema::Kind, &str)],
    now: LocalDateTime,
) -> anyhow::Result<Vec<(u64, f64)>> {
    let mut imported = Vec::new();
    for (kind, file) in files {
        eprintln!("importing {file}…");
        let options = salescope_import::ImportOptions {
            lang: salescope_core::i18n::Lang::En,
            ..salescope_import::ImportOptions::new(*kind, file, now)
        };
        let started = std::time::Instant::now();
        let progress = std::sync::Arc::new(salescope_import::NoProgress);
        let report = salescope_import::import_file(db, *kind, &dir.join(file), None, salescope_import::Encoding::Auto, &options, progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(report.rejected == 0, "{}", report.render_text());
        imported.push((report.inserted, started.elapsed().as_secs_f64()));
    }
    Ok(imported)
}

/// A scratch directory removed on drop.
pub(super) struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("salescope-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Calls per rep per working day in the generated organisation: 500 reps at this pace make the
/// 10 million calls a year of the dashboard benchmark.
pub(super) const CALLS_PER_REP_DAY: usize = 80;

/// Writes `rows` calls of 500 reps as CSV in Salescope's canonical columns: working day after
/// working day from 2024-01-01, in time order with increasing ids, as call-centre systems
/// export them.
pub(super) fn write_calls_csv(path: &Path, rows: usize) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{}", CALL_COLUMNS.join(","))?;
    let mut rng = Rng::new(2024);
    let calendar = salescope_core::calendar::WorkCalendar::china();
    let mut day = Day::from_ymd(2024, 1, 1).context("date")?;
    let per_day = BENCH_REPS * CALLS_PER_REP_DAY;
    let outcomes = ["connected", "no_answer", "busy", "voicemail"];
    for i in 0..rows {
        if i % per_day == 0 {
            if i > 0 {
                day = day.plus_days(1);
            }
            while !calendar.is_working_day(day) {
                day = day.plus_days(1);
            }
        }
        // The day's calls spread over 09:00–19:00 in id order.
        let started = LocalDateTime(day.start().0 + 9 * 3600 + ((i % per_day) * 36_000 / per_day) as i64);
        let outcome = if rng.chance(0.4) { "connected" } else { outcomes[rng.range(1, 3) as usize] };
        let talk = if outcome == "connected" { rng.range(10, 900) } else { 0 };
        let ring = rng.range(3, 40);
        let inbound = rng.chance(0.08);
        writeln!(
            out,
            "C{:09},R{:04},K{:07},{},{started},{ring},{talk},{},{outcome},,{},{}",
            i + 1,
            rng.range(1, BENCH_REPS as i64),
            rng.range(1, 200_000),
            if inbound { "inbound" } else { "outbound" },
            ring + talk + 2,
            if inbound && outcome == "connected" { if rng.chance(0.75) { "yes" } else { "no" } } else { "" },
            ["老客户回访", "新品推广", "季末冲刺"][rng.range(0, 2) as usize],
        )?;
    }
    out.flush()?;
    Ok(())
}

pub(super) fn write_reps_csv(path: &Path) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "rep_id,name,team")?;
    for i in 1..=BENCH_REPS {
        writeln!(out, "R{i:04},Rep {i},Team {}", (i - 1) / REPS_PER_TEAM + 1)?;
    }
    out.flush()?;
    Ok(())
}

/// Whether Python can import `module`, installing it with pip when it cannot.
pub(super) fn python_module(module: &str) -> bool {
    let importable =
        || std::process::Command::new("python3").args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success());
    if importable() {
        return true;
    }
    eprintln!("installing {module} for Python (pip install {module})…");
    std::process::Command::new("python3").args(["-m", "pip", "install", "--quiet", module]).status().is_ok_and(|s| s.success())
        && importable()
}

/// Runs a Python script (DuckDB's side of a comparison) with `args` and `env`, and reads the JSON
/// object it prints last.
pub(super) fn python_json(script: &str, args: &[&std::ffi::OsStr], env: (&str, &str)) -> anyhow::Result<serde_json::Value> {
    let output = std::process::Command::new("python3").args(["-c", script]).args(args).env(env.0, env.1).output()?;
    anyhow::ensure!(output.status.success(), "DuckDB failed: {}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let answer = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_default();
    serde_json::from_str(answer).with_context(|| format!("DuckDB's answer: {stdout}"))
}

pub(super) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

pub(super) fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| info.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cores} cores ({cpu})")
}

/// Replaces the section between `<!-- bench:NAME -->` markers, or appends it.
fn write_section(path: &Path, name: &str, body: &str) -> anyhow::Result<()> {
    let begin = format!("<!-- bench:{name} -->");
    let end = format!("<!-- /bench:{name} -->");
    let existing = std::fs::read_to_string(path).unwrap_or_else(|_| {
        "# Benchmarks\n\nMeasured by `cargo xtask bench`, release build. Machines are noisy: medians, with the reference tools run in the same session.\n".into()
    });
    let block = format!("{begin}\n{}\n{end}", body.trim_end());
    let updated = match (existing.find(&begin), existing.find(&end)) {
        (Some(b), Some(e)) if e > b => format!("{}{block}{}", &existing[..b], &existing[e + end.len()..]),
        _ => format!("{}\n\n{block}\n", existing.trim_end()),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, updated)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_replaced_in_place() {
        let dir = std::env::temp_dir().join(format!("salescope-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("b.md");
        write_section(&path, "import", "first").expect("write");
        write_section(&path, "dashboard", "other").expect("write");
        write_section(&path, "import", "second").expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("second") && !text.contains("first") && text.contains("other"), "{text}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
