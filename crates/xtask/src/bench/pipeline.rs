//! The process-analytics benchmark: a million deals with about five million stage changes, each
//! analysis of the pipeline page timed as the server runs it, beside the same questions asked of
//! DuckDB over the raw tables.

use super::{BENCH_REPS, machine_description, median, write_reps_csv};
use anyhow::Context as _;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::random::Rng;
use salescope_core::schema::Kind;
use salescope_core::scope::Scope;
use salescope_core::time::{Day, LocalDateTime};
use salescope_engine::Context;
use salescope_engine::pipeline::{self as analyses, Deals};
use salescope_store::Db;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The sales process of the generated organisation.
const STAGES: [&str; 7] = ["线索确认", "需求分析", "方案设计", "方案报价", "商务谈判", "合同审批", "签约"];
/// The chance a deal moves on from each stage: about 4.9 stage changes a deal.
const ADVANCE: f64 = 0.88;
const SEGMENTS: [&str; 3] = ["小微企业", "中型企业", "大客户"];
const SOURCES: [&str; 4] = ["电话营销", "官网", "转介绍", "展会"];

fn first_day() -> anyhow::Result<Day> {
    Day::from_ymd(2023, 1, 1).context("date")
}

fn last_day() -> anyhow::Result<Day> {
    Day::from_ymd(2025, 12, 31).context("date")
}

/// Writes `count` deals of 500 reps created evenly over 2023–2025, each entering the stages in
/// order until it drops out (lost) or passes the last (won), a few days apart; deals whose end
/// falls after 2025 are still open. Returns the stage changes written.
fn write_deals(dir: &Path, count: usize) -> anyhow::Result<usize> {
    let mut deals = std::io::BufWriter::new(std::fs::File::create(dir.join("deals.csv"))?);
    let mut stages = std::io::BufWriter::new(std::fs::File::create(dir.join("deal_stages.csv"))?);
    writeln!(deals, "deal_id,rep_id,customer_id,segment,source,created_at,status,amount,closed_at,contract_no")?;
    writeln!(stages, "deal_id,stage,entered_at")?;
    let mut rng = Rng::new(2025);
    let (start, end) = (first_day()?.start().0, LocalDateTime::from_parts(last_day()?, 23, 59, 59).0);
    let span = end - start;
    let mut changes = 0;
    for n in 0..count {
        let rep = rng.range(1, BENCH_REPS as i64);
        // Evenly spread, during office hours.
        let day_start = start + (span * n as i64 / count as i64) / 86_400 * 86_400;
        let mut at = day_start + 9 * 3600 + rng.range(0, 9 * 3600);
        let created = at;
        let mut reached = 0;
        let mut entered = Vec::with_capacity(STAGES.len());
        loop {
            entered.push(at);
            reached += 1;
            if reached == STAGES.len() || !rng.chance(ADVANCE) {
                break;
            }
            at += rng.range(3_600, 9 * 86_400);
        }
        let closed_at = at + rng.range(3_600, 6 * 86_400);
        let won = reached == STAGES.len();
        let (status, closed, contract) = if closed_at > end {
            ("open", String::new(), String::new())
        } else if won {
            ("won", LocalDateTime(closed_at).to_string(), format!("HT{n:08}"))
        } else {
            ("lost", LocalDateTime(closed_at).to_string(), String::new())
        };
        writeln!(
            deals,
            "D{n:08},R{rep:04},K{:07},{},{},{},{status},{},{closed},{contract}",
            rng.range(1, 300_000),
            SEGMENTS[rng.weighted(&[6.0, 3.0, 1.0])],
            SOURCES[rng.weighted(&[5.0, 3.0, 1.5, 1.0])],
            LocalDateTime(created),
            rng.range(10, 2_000) * 100,
        )?;
        for (stage, t) in STAGES.iter().zip(&entered) {
            if *t <= end {
                writeln!(stages, "D{n:08},{stage},{}", LocalDateTime(*t))?;
                changes += 1;
            }
        }
    }
    deals.flush()?;
    stages.flush()?;
    Ok(changes)
}

struct Dataset {
    dir: PathBuf,
    db_url: String,
    records: String,
    import: Option<String>,
}

/// Generates and imports the deals, or reuses those generated before with the same size.
async fn dataset(count: usize, data: Option<PathBuf>) -> anyhow::Result<Dataset> {
    let kept = super::KeptData::new(data, "pipeline")?;
    let (dir, db_url) = (kept.dir.clone(), kept.db_url());
    let wanted = format!("deals={count} reps={BENCH_REPS}");
    if let Some(noted) = kept.noted(&wanted, &[]) {
        eprintln!("reusing the deals in {}", dir.display());
        let mut lines = noted.into_iter();
        let records = lines.next().unwrap_or_default();
        return Ok(Dataset { dir, db_url, records, import: lines.next().filter(|l| !l.is_empty()) });
    }
    kept.clear("pipeline.duckdb");
    eprintln!("generating {count} deals and their stage changes in {}…", dir.display());
    write_reps_csv(&dir.join("reps.csv"))?;
    let changes = write_deals(&dir, count)?;
    let db = Db::open(&db_url).await?;
    let now = LocalDateTime::from_parts(last_day()?, 23, 59, 59);
    let files = [(Kind::Reps, "reps.csv"), (Kind::Deals, "deals.csv"), (Kind::DealStages, "deal_stages.csv")];
    let counts = super::import_files(&db, &dir, &files, now).await?;
    let imported: Vec<String> = files
        .iter()
        .zip(&counts)
        .skip(1)
        .map(|((kind, _), (rows, seconds))| format!("{rows} {} rows in {seconds:.0} s", kind.id()))
        .collect();
    db.close().await;
    let records = format!("{BENCH_REPS} reps, {count} deals, {changes} stage changes");
    let import = imported.join(", ");
    kept.note(&wanted, &[&records, &import])?;
    Ok(Dataset { dir, db_url, records, import: Some(import) })
}

/// The DuckDB questions, over tables loaded from the same CSV files: the funnel of the month, the
/// weighted pipeline and stuck deals at the year's end, and the reps' revenue volatility over the
/// year — each the definition of docs/process.md in SQL. Median milliseconds of each.
fn duckdb(data: &Dataset, runs: usize, month: Period, as_of: Day, year: Period) -> anyhow::Result<Option<Vec<(String, f64)>>> {
    if !super::python_module("duckdb") {
        return Ok(None);
    }
    let ranks: Vec<String> = STAGES.iter().enumerate().map(|(i, s)| format!("('{s}', {i})")).collect();
    let ranks = format!("ranks(stage, rank) AS (VALUES {})", ranks.join(", "));
    let t = format!("TIMESTAMP '{as_of} 23:59:59'");
    let spells = format!(
        "{ranks}, s AS (SELECT ds.deal_id, ds.stage, r.rank, ds.entered_at, \
           COALESCE(LEAD(ds.entered_at) OVER (PARTITION BY ds.deal_id ORDER BY ds.entered_at), d.closed_at) AS left_at, \
           MAX(r.rank) OVER (PARTITION BY ds.deal_id) AS top_rank, d.status, d.amount, d.created_at, d.closed_at \
         FROM deal_stages ds JOIN ranks r USING (stage) JOIN deals d USING (deal_id))"
    );
    let funnel = format!(
        "WITH {spells} SELECT stage, count(*) AS entered, count(*) FILTER (WHERE top_rank > rank OR status = 'won') AS advanced, \
           median(epoch(left_at - entered_at) / 86400), quantile_cont(epoch(left_at - entered_at) / 86400, 0.75) \
         FROM s WHERE entered_at >= TIMESTAMP '{} 00:00:00' AND entered_at < TIMESTAMP '{} 00:00:00' GROUP BY stage, rank ORDER BY rank",
        month.start,
        month.end.plus_days(1)
    );
    let weighted = format!(
        "WITH {spells}, probability AS (SELECT stage, avg(CASE WHEN status = 'won' THEN 1.0 ELSE 0.0 END) AS p FROM s \
           WHERE closed_at <= {t} GROUP BY stage), \
         current AS (SELECT deal_id, arg_max(stage, entered_at) AS stage, any_value(amount) AS amount FROM s \
           WHERE entered_at <= {t} AND created_at <= {t} AND (closed_at IS NULL OR closed_at > {t}) GROUP BY deal_id) \
         SELECT stage, count(*), sum(amount), sum(amount * p) FROM current JOIN probability USING (stage) GROUP BY stage"
    );
    let stuck = format!(
        "WITH {spells}, p75 AS (SELECT stage, quantile_cont(epoch(left_at - entered_at), 0.75) AS p FROM s WHERE left_at <= {t} GROUP BY stage), \
         current AS (SELECT deal_id, arg_max(stage, entered_at) AS stage, max(entered_at) AS since FROM s \
           WHERE entered_at <= {t} AND created_at <= {t} AND (closed_at IS NULL OR closed_at > {t}) GROUP BY deal_id) \
         SELECT count(*) FROM current JOIN p75 USING (stage) WHERE epoch({t} - since) > p"
    );
    let volatility = format!(
        "WITH months AS (SELECT rep_id, month(closed_at) AS m, sum(amount) AS revenue FROM deals WHERE status = 'won' \
           AND closed_at >= TIMESTAMP '{} 00:00:00' AND closed_at < TIMESTAMP '{} 00:00:00' GROUP BY ALL), \
         grid AS (SELECT rep_id, m FROM (SELECT DISTINCT rep_id FROM deals), range(1, 13) AS g(m)) \
         SELECT rep_id, stddev_pop(COALESCE(revenue, 0)) / avg(COALESCE(revenue, 0)) AS cv FROM grid LEFT JOIN months USING (rep_id, m) \
         GROUP BY rep_id ORDER BY cv DESC",
        year.start,
        year.end.plus_days(1)
    );
    let queries = serde_json::json!([["funnel", funnel], ["weighted", weighted], ["stuck", stuck], ["volatility", volatility]]);
    const SCRIPT: &str = r#"
import duckdb, json, os, statistics, sys, time
database, folder, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
queries = json.loads(os.environ["SALESCOPE_DUCKDB_QUERIES"])
con = duckdb.connect(database)
con.execute("SET enable_progress_bar = false")
if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'deals'").fetchone()[0]:
    con.execute("CREATE TABLE deals AS SELECT * FROM read_csv(?, header = true, types = {'created_at': 'TIMESTAMP', 'closed_at': 'TIMESTAMP', 'contract_no': 'VARCHAR'})", [folder + "/deals.csv"])
    con.execute("CREATE TABLE deal_stages AS SELECT * FROM read_csv(?, header = true, types = {'entered_at': 'TIMESTAMP'})", [folder + "/deal_stages.csv"])
out = {}
for name, query in queries:
    con.execute(query).fetchall()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rows = con.execute(query).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    out[name] = {"median_ms": statistics.median(times), "first": str(rows[0]) if rows else ""}
print(json.dumps(out))
"#;
    let (database, runs, queries) = (data.dir.join("pipeline.duckdb"), runs.to_string(), queries.to_string());
    let args = [database.as_os_str(), data.dir.as_os_str(), runs.as_ref()];
    let result = super::python_json(SCRIPT, &args, ("SALESCOPE_DUCKDB_QUERIES", &queries))?;
    eprintln!("DuckDB's first rows: {result}");
    Ok(Some(
        ["funnel", "weighted", "stuck", "volatility"]
            .iter()
            .filter_map(|name| Some((name.to_string(), result[name]["median_ms"].as_f64()?)))
            .collect(),
    ))
}

/// Times `analysis` `runs` times: (median, p90) milliseconds.
async fn timed<T, F, Fut>(runs: usize, mut analysis: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    analysis().await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        analysis().await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let p90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    Ok((median(&mut times), p90))
}

pub(super) async fn run(count: usize, runs: usize, data: Option<PathBuf>, only: Option<&str>) -> anyhow::Result<String> {
    let runs = runs.max(5);
    let data = dataset(count, data).await?;
    let db = Db::open(&data.db_url).await?;
    let as_of = last_day()?;
    let month = Period::month_of(as_of).previous();
    let year = Period::year_of(as_of);
    let quarter = Period::quarter_of(as_of);
    let ctx = Context::load(&db).await?;
    let loading = Instant::now();
    Deals::load(&db, None).await?;
    let load_seconds = loading.elapsed().as_secs_f64();
    let org = Scope::Org;
    // Each run is a request's work: the deals as the request gets them (from the index while no
    // import changed them), then the analysis.
    let deals = async || Deals::load(&db, None).await.map_err(anyhow::Error::from);
    let mut rows: Vec<(&str, (f64, f64))> = Vec::new();
    let want = |name: &str| only.is_none_or(|only| name.contains(only));
    let (year_start, year_end) = (year.start.start(), LocalDateTime::from_parts(year.end, 23, 59, 59));
    if want("funnel of a month") {
        rows.push(("funnel of a month", timed(runs, async || Ok(analyses::funnel(&deals().await?, &ctx, &org, &month)?)).await?));
    }
    if want("weighted pipeline at the year's end") {
        rows.push((
            "weighted pipeline at the year's end",
            timed(runs, async || Ok(analyses::weighted(&deals().await?, &ctx, &org, as_of)?)).await?,
        ));
    }
    if want("stuck deals at the year's end") {
        rows.push(("stuck deals at the year's end", timed(runs, async || Ok(analyses::stuck(&deals().await?, &ctx, &org, as_of)?)).await?));
    }
    if want("of which: the deals' activity and conversation measures (SQL)") {
        rows.push((
            "of which: the deals' activity and conversation measures (SQL)",
            timed(runs, async || Ok(db.deal_measures(year_start, year_end).await?)).await?,
        ));
    }
    if want("win/loss factors of the year") {
        rows.push((
            "win/loss factors of the year",
            timed(runs, async || Ok(analyses::winloss(&db, &deals().await?, &ctx, &org, &year).await?)).await?,
        ));
    }
    if want("revenue volatility of the year") {
        rows.push((
            "revenue volatility of the year",
            timed(runs, async || Ok(analyses::volatility(&deals().await?, &ctx, &org, &year, as_of.plus_days(1))?)).await?,
        ));
    }
    if want("forecast of the quarter") {
        rows.push((
            "forecast of the quarter",
            timed(runs, async || Ok(analyses::forecast(&deals().await?, &ctx, &org, &quarter, as_of)?)).await?,
        ));
    }
    if want("forecast backtest of every quarter") {
        rows.push((
            "forecast backtest of every quarter",
            timed(runs, async || Ok(analyses::backtest(&deals().await?, &ctx, &org, as_of)?)).await?,
        ));
    }
    if want("lead assignment for a segment") {
        rows.push((
            "lead assignment for a segment",
            timed(runs, async || Ok(analyses::lead_assignment(&deals().await?, &ctx, "大客户", None, as_of, Lang::En))).await?,
        ));
    }
    let duck = if only.is_some() { None } else { duckdb(&data, runs, month, as_of, year)? };
    let duck_of = |name: &str| duck.as_ref().and_then(|d| d.iter().find(|(n, _)| n == name).map(|(_, ms)| *ms));
    let mut lines = vec![
        "| analysis (whole organisation) | Salescope median | p90 | DuckDB median | ratio |".to_string(),
        "|---|---:|---:|---:|---:|".to_string(),
    ];
    for (name, (p50, p90)) in &rows {
        let duck = match name.split_whitespace().next() {
            Some("funnel") => duck_of("funnel"),
            Some("weighted") => duck_of("weighted"),
            Some("stuck") => duck_of("stuck"),
            Some("revenue") => duck_of("volatility"),
            _ => None,
        };
        let (duck_text, ratio) = match duck {
            Some(ms) => (format!("{ms:.0} ms"), format!("{:.1}×", ms / p50)),
            None => (String::new(), String::new()),
        };
        lines.push(format!("| {name} | {p50:.0} ms | {p90:.0} ms | {duck_text} | {ratio} |"));
    }
    let over: Vec<&str> = rows.iter().filter(|(_, (p50, _))| *p50 > 100.0).map(|(name, _)| *name).collect();
    let verdict = if over.is_empty() {
        "- Bar (issue 9): every analysis ≤ 100 ms p50 — **met**.".to_string()
    } else {
        format!("- Bar (issue 9): every analysis ≤ 100 ms p50 — **missed** by: {}.", over.join(", "))
    };
    let file_mb = std::fs::metadata(data.db_url.trim_start_matches("sqlite://")).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    Ok(format!(
        "## Process analytics: a million deals\n\n\
         `cargo xtask bench pipeline --runs {runs}` on {machine}, {date}.\n\n\
         A generated organisation of {records} over 2023–2025 (SQLite file of {file_mb:.0} MB; imported through \
         `salescope import`: {import}). Salescope's times are the analyses the pipeline page runs, over \
         the deal index the server keeps in memory; building that index from the store takes \
         {load_seconds:.1} s and happens once after deals or stage changes are imported, not per request. \
         DuckDB answers the same definitions in SQL over tables loaded from the same CSV files, with its own threads. \
         Medians of {runs} runs after a warm-up.\n\n{}\n\n{verdict}\n",
        lines.join("\n"),
        machine = machine_description(),
        date = super::today_text(),
        records = data.records,
        import = data.import.as_deref().unwrap_or("earlier"),
    ))
}
