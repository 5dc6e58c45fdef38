//! Loading the demo organisation through the import, and its summary.

use crate::progress;
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_demo::{DAILY_REPORT_OVERRIDES, Demo, DemoParams};
use salescope_import::{ImportOptions, Source};
use salescope_store::Db;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Generates the demo organisation and imports it, kind by kind, with the same validation as
/// any file. Skips the work when the same demo is already in the store.
pub async fn load(db: &Db, params: DemoParams, lang: Lang, always_summarise: bool) -> anyhow::Result<()> {
    let marker = format!("seed={} reps={} months={} until={}", params.seed, params.reps, params.months, params.until);
    if db.internal("demo").await?.as_deref() == Some(marker.as_str()) {
        println!("{}", lang.format("demo.already", &[("params", &marker)]));
        if always_summarise {
            print_teams(db, lang).await?;
        }
        return Ok(());
    }
    let started = Instant::now();
    let zone = db.settings().await?.zone;
    let now = salescope_web::local_now(&zone);
    let mut per_kind: BTreeMap<Kind, (u64, u64)> = BTreeMap::new();
    for table in Demo::generate(params).tables() {
        let kind = table.kind;
        let mut options = ImportOptions::new(kind, "demo", now);
        options.lang = lang;
        options.today = params.until;
        if kind == Kind::DailyReports {
            options.rule_overrides = DAILY_REPORT_OVERRIDES.iter().map(|s| s.to_string()).collect();
        }
        let source = Source::Rows {
            headers: table.headers.iter().map(|h| h.to_string()).collect(),
            rows: table.rows,
            description: "demo".into(),
            total_rows: table.len as u64,
        };
        let report = salescope_import::import(db, kind, source, &options, Arc::new(progress::Bar::rows(kind.id())))
            .await
            .map_err(|e| anyhow::anyhow!("loading the demo {kind}: {}", e.message(lang)))?;
        anyhow::ensure!(report.rejected == 0, "the demo's {kind} broke the entry rules:\n{}", report.render_text());
        let entry = per_kind.entry(kind).or_default();
        entry.0 += report.inserted + report.updated + report.unchanged;
        entry.1 += report.warned;
    }
    db.set_internal("demo", &marker).await?;
    println!("{}", lang.format("demo.loaded", &[("seconds", &format!("{:.1}", started.elapsed().as_secs_f64()))]));
    println!("{}", lang.format("demo.period", &[("from", &params.first_day()), ("to", &params.until)]));
    println!("{}:", lang.tr("demo.records"));
    for (kind, (records, flagged)) in &per_kind {
        if *flagged > 0 {
            println!("  {:<14} {records:>9}  ({})", kind.id(), lang.format("demo.flagged", &[("count", flagged)]));
        } else {
            println!("  {:<14} {records:>9}", kind.id());
        }
    }
    print_teams(db, lang).await
}

async fn print_teams(db: &Db, lang: Lang) -> anyhow::Result<()> {
    println!("{}:", lang.tr("demo.per_team"));
    for team in db.team_totals().await? {
        println!(
            "  {:<8} {:>3} {}  {:>8} {}  {:>6} {}  ¥{}",
            team.team,
            team.reps,
            lang.tr("demo.reps"),
            team.calls,
            lang.tr("demo.calls"),
            team.won_deals,
            lang.tr("demo.won_deals"),
            salescope_core::values::format_cents(team.revenue_cents),
        );
    }
    Ok(())
}
