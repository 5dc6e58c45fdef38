//! Benchmarks of SPEC §4, measured side by side with the reference tools, written to
//! docs/benchmarks.md. Not timed tests: they report what this machine does, as medians.

use anyhow::Context;
use clap::{Args, Subcommand};
use salescope_core::i18n::Lang;
use salescope_core::random::Rng;
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime};
use salescope_import::{Encoding, ImportOptions, NoProgress};
use salescope_store::Db;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

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
}

const CALL_COLUMNS: [&str; 12] = [
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
const BENCH_REPS: usize = 500;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.runs >= 1, "--runs must be at least 1");
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run benchmarks with `cargo run --release -- bench …`");
    }
    match args.which {
        Which::Import { rows } => {
            let section = import_benchmark(rows, args.runs, &args.postgres_url).await?;
            write_section(&args.output, "import", &section)?;
            println!("{section}");
            println!("Written to {}", args.output.display());
        }
    }
    Ok(())
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

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
const CALLS_PER_REP_DAY: usize = 80;

/// Writes `rows` calls of 500 reps as CSV in Salescope's canonical columns: working day after
/// working day from 2024-01-01, in time order with increasing ids, as call-centre systems
/// export them.
fn write_calls_csv(path: &Path, rows: usize) -> anyhow::Result<()> {
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

fn write_reps_csv(path: &Path) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "rep_id,name,team")?;
    for i in 1..=BENCH_REPS {
        writeln!(out, "R{i:04},Rep {i},Team {}", (i - 1) / 50 + 1)?;
    }
    out.flush()?;
    Ok(())
}

/// Imports reps (untimed) then calls (timed) into the store at `url`; returns seconds.
async fn time_salescope_import(url: &str, reps: &Path, calls: &Path, expected: usize) -> anyhow::Result<f64> {
    let db = Db::open(url).await?;
    let now = LocalDateTime::from_parts(Day::from_ymd(2025, 1, 1).context("date")?, 9, 0, 0);
    let import = |kind: Kind, path: &Path| {
        let db = db.clone();
        let path = path.to_path_buf();
        let options = ImportOptions { lang: Lang::En, ..ImportOptions::new(kind, "bench", now) };
        async move { salescope_import::import_file(&db, kind, &path, None, Encoding::Auto, &options, Arc::new(NoProgress)).await }
    };
    import(Kind::Reps, reps).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let report = import(Kind::Calls, calls).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.inserted as usize == expected, "imported {} of {expected} rows: {}", report.inserted, report.render_text());
    db.close().await;
    Ok(seconds)
}

/// `sqlite3 .import` of the same file into a fresh database; returns seconds, or `None` when
/// the sqlite3 shell is not installed.
fn time_sqlite_shell(dir: &Path, calls: &Path, with_key: bool) -> anyhow::Result<Option<f64>> {
    let db = dir.join(if with_key { "shell-key.db" } else { "shell.db" });
    let _ = std::fs::remove_file(&db);
    let columns: Vec<String> = CALL_COLUMNS
        .iter()
        .map(|c| {
            let ty = if matches!(*c, "ring_seconds" | "talk_seconds" | "duration_seconds") { "INTEGER" } else { "TEXT" };
            if with_key && *c == "call_id" { format!("{c} TEXT PRIMARY KEY") } else { format!("{c} {ty}") }
        })
        .collect();
    let create = format!("CREATE TABLE calls ({}){};", columns.join(", "), if with_key { " WITHOUT ROWID" } else { "" });
    let import = format!(".import --csv --skip 1 {} calls", calls.display());
    let started = Instant::now();
    let status = match Command::new("sqlite3").arg(&db).arg("PRAGMA journal_mode=WAL;").arg(&create).arg(&import).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(status.status.success(), "sqlite3 failed: {}", String::from_utf8_lossy(&status.stderr));
    Ok(Some(seconds))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

struct Measured {
    label: String,
    seconds: Vec<f64>,
}

async fn import_benchmark(rows: usize, runs: usize, postgres_url: &str) -> anyhow::Result<String> {
    let scratch = Scratch::new()?;
    let calls = scratch.0.join("calls.csv");
    let reps = scratch.0.join("reps.csv");
    eprintln!("generating {rows} call rows…");
    write_calls_csv(&calls, rows)?;
    write_reps_csv(&reps)?;
    let size_mb = std::fs::metadata(&calls)?.len() as f64 / 1e6;

    let mut salescope_sqlite =
        Measured { label: "Salescope `import calls` → SQLite (validation, upsert by id, rollups)".into(), seconds: vec![] };
    let mut shell_plain = Measured { label: "`sqlite3 .import` → plain table (no key)".into(), seconds: vec![] };
    let mut shell_key = Measured { label: "`sqlite3 .import` → table keyed by call_id".into(), seconds: vec![] };
    let mut salescope_pg = Measured { label: "Salescope `import calls` → PostgreSQL".into(), seconds: vec![] };
    let mut pg_copy = Measured { label: "PostgreSQL `COPY … FROM STDIN` → plain table".into(), seconds: vec![] };
    let mut notes = Vec::new();
    for run in 1..=runs {
        eprintln!("run {run}/{runs}…");
        let file = scratch.0.join(format!("run{run}.db"));
        let url = format!("sqlite://{}", file.display());
        salescope_sqlite.seconds.push(time_salescope_import(&url, &reps, &calls, rows).await?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        match time_sqlite_shell(&scratch.0, &calls, false)? {
            Some(s) => shell_plain.seconds.push(s),
            None if run == 1 => {
                notes.push("The `sqlite3` shell is not installed here (`apt-get install sqlite3`); its rows are missing.".to_string())
            }
            None => {}
        }
        if let Some(s) = time_sqlite_shell(&scratch.0, &calls, true)? {
            shell_key.seconds.push(s);
        }
        let name = format!("salescope_bench_{}", std::process::id());
        match salescope_store::admin::create_postgres_database(postgres_url, &name).await {
            Ok(db_url) => {
                salescope_pg.seconds.push(time_salescope_import(&db_url, &reps, &calls, rows).await?);
                salescope_store::admin::drop_postgres_database(postgres_url, &name).await?;
                let db_url = salescope_store::admin::create_postgres_database(postgres_url, &name).await?;
                let started = Instant::now();
                let copied = salescope_store::admin::copy_csv_into_plain_table(&db_url, "calls", &CALL_COLUMNS, &calls).await?;
                pg_copy.seconds.push(started.elapsed().as_secs_f64());
                anyhow::ensure!(copied as usize == rows, "COPY loaded {copied} rows");
                salescope_store::admin::drop_postgres_database(postgres_url, &name).await?;
            }
            Err(e) if run == 1 => notes.push(format!(
                "PostgreSQL was not reachable at {} ({e}); its rows are missing.",
                salescope_store::redact_url(postgres_url)
            )),
            Err(_) => {}
        }
    }

    let mut table = String::from("| loader | median time | rows/s | MB/s |\n|---|---:|---:|---:|\n");
    let mut medians = Vec::new();
    for m in [&mut salescope_sqlite, &mut shell_plain, &mut shell_key, &mut salescope_pg, &mut pg_copy] {
        if m.seconds.is_empty() {
            continue;
        }
        let t = median(&mut m.seconds);
        medians.push((m.label.clone(), t));
        table.push_str(&format!("| {} | {:.2} s | {:.0} | {:.1} |\n", m.label, t, rows as f64 / t, size_mb / t));
    }
    let find = |label: &str| medians.iter().find(|(l, _)| l == label).map(|(_, t)| *t);
    let mut ratios = Vec::new();
    if let (Some(ours), Some(theirs)) = (find(&salescope_sqlite.label), find(&shell_plain.label)) {
        ratios.push(format!("- Salescope into SQLite is **{:.2}×** the speed of `sqlite3 .import` into a plain table.", theirs / ours));
    }
    if let (Some(ours), Some(theirs)) = (find(&salescope_sqlite.label), find(&shell_key.label)) {
        ratios.push(format!(
            "- Salescope into SQLite is **{:.2}×** the speed of `sqlite3 .import` into a table keyed by call id.",
            theirs / ours
        ));
    }
    if let (Some(ours), Some(theirs)) = (find(&salescope_pg.label), find(&pg_copy.label)) {
        ratios.push(format!("- Salescope into PostgreSQL is **{:.2}×** the speed of `COPY`.", theirs / ours));
    }
    if let Some(ours) = find(&salescope_sqlite.label) {
        let rate = rows as f64 / ours;
        let verdict = if rate >= 500_000.0 { "meets" } else { "misses" };
        ratios.push(format!("- Bar (SPEC §4): ≥ 500,000 rows/s into SQLite including validation and rollups — this run **{verdict}** it at {rate:.0} rows/s."));
    }
    Ok(format!(
        "## Import: call rows from CSV\n\n\
         `cargo run --release -- bench import --rows {rows} --runs {runs}` on {machine}, {date}.\n\n\
         {rows} generated call rows ({size_mb:.0} MB of CSV): 500 reps making 80 calls each per working day, \
         in time order, as a call-centre system exports them. Salescope's time is the whole \
         `import_file` call: reading, validating every row against the entry rules, upserting by call id, \
         updating the per-rep daily totals, committing. The reference tools only load text. \
         Medians of {runs} runs.\n\n{table}\n{}\n{}",
        ratios.join("\n"),
        if notes.is_empty() { String::new() } else { format!("\n{}\n", notes.join("\n")) },
        machine = machine_description(),
        date = crate::today_text(),
    ))
}

fn machine_description() -> String {
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
        "# Benchmarks\n\nMeasured by `salescope bench`, release build. Machines are noisy: medians, with the reference tools run in the same session.\n".into()
    });
    let block = format!("{begin}\n{}\n{end}", body.trim_end());
    let updated = match (existing.find(&begin), existing.find(&end)) {
        (Some(b), Some(e)) if e > b => format!("{}{block}{}", &existing[..b], &existing[e + end.len()..]),
        _ => format!("{}\n{block}\n", existing.trim_end()),
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
