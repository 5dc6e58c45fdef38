//! The import benchmark: call rows per second from CSV, against `sqlite3 .import` and
//! PostgreSQL `COPY`.

use super::{CALL_COLUMNS, Scratch, machine_description, median, write_calls_csv, write_reps_csv};
use anyhow::Context;
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime};
use salescope_import::{Encoding, ImportOptions, NoProgress};
use salescope_store::Db;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

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
    // Closing is timed too: like the shell's exit, it ends with SQLite's last checkpoint.
    db.close().await;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.inserted as usize == expected, "imported {} of {expected} rows: {}", report.inserted, report.render_text());
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

struct Measured {
    label: String,
    seconds: Vec<f64>,
}

pub(super) async fn run(rows: usize, runs: usize, postgres_url: &str) -> anyhow::Result<String> {
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
         `cargo xtask bench import --rows {rows} --runs {runs}` on {machine}, {date}.\n\n\
         {rows} generated call rows ({size_mb:.0} MB of CSV): 500 reps making 80 calls each per working day, \
         in time order, as a call-centre system exports them. Salescope's time is the whole \
         `import_file` call: reading, validating every row against the entry rules, upserting by call id, \
         updating the per-rep daily totals, the per-hour call cells and the customer sets, committing, and closing the \
         store (its last WAL checkpoint, as the shell's exit). The reference tools only load text. \
         Medians of {runs} runs.\n\n{table}\n{}\n{}",
        ratios.join("\n"),
        if notes.is_empty() { String::new() } else { format!("\n{}\n", notes.join("\n")) },
        machine = machine_description(),
        date = super::today_text(),
    ))
}
