//! `salescope kpi`: KPI values for a scope and period, as a table, JSON or CSV.

use crate::table;
use clap::{Args, ValueEnum};
use salescope_core::format::{format_change, format_value};
use salescope_core::i18n::Lang;
use salescope_core::kpi::Unit;
use salescope_core::period::{Compare, Granularity};
use salescope_engine::Context;
use salescope_engine::kpis::{KpiQuery, KpiReport, kpi_report_with, kpi_sheet};
use salescope_store::Db;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct KpiArgs {
    #[command(subcommand)]
    action: Option<KpiAction>,
    /// KPI ids (see `salescope kpi --list`), or `all`.
    kpis: Vec<String>,
    /// org, team:<name> or rep:<rep id>.
    #[arg(long, default_value = "org")]
    scope: String,
    /// 2024-07-08, 2024-W28, 2024-07, 2024-Q3, 2024 or 2024-07-01..2024-07-15 (default: this month).
    #[arg(long)]
    period: Option<String>,
    /// Add a trend series by day, week or month.
    #[arg(long)]
    by: Option<String>,
    /// While the period is in progress, compare its days so far with the same days of the
    /// period before and of last year's (to-date), or with those whole periods (whole).
    #[arg(long, default_value = "to-date", value_parser = ["to-date", "whole"])]
    compare: String,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// List the KPI catalogue instead.
    #[arg(long)]
    list: bool,
}

#[derive(clap::Subcommand)]
enum KpiAction {
    /// Define (or redefine) a custom KPI as a formula; see docs/kpis.md.
    Define {
        id: String,
        #[arg(long)]
        name_en: String,
        #[arg(long)]
        name_zh: String,
        /// count, money, percent, seconds, minutes, days or score.
        #[arg(long, default_value = "count")]
        unit: String,
        /// higher or lower (which is better).
        #[arg(long, default_value = "higher")]
        direction: String,
        #[arg(long)]
        formula: String,
    },
    /// Remove a custom KPI.
    Remove { id: String },
}

fn unit_of(id: &str) -> Unit {
    Unit::from_id(id).unwrap_or(Unit::Count)
}

fn headings(lang: Lang) -> Vec<String> {
    ["kpi.kpi", "kpi.value", "kpi.target", "kpi.attainment", "kpi.projected", "kpi.previous", "kpi.last_year", "kpi.rank"]
        .iter()
        .map(|k| lang.tr(k).to_string())
        .collect()
}

fn rows(report: &KpiReport, lang: Lang) -> Vec<Vec<String>> {
    report
        .values
        .iter()
        .map(|v| {
            let unit = unit_of(v.unit);
            let projected = v.pace.as_ref().and_then(|p| p.projected);
            let rank = match (v.rank, v.peers) {
                (Some(r), Some(n)) => format!("{r}/{n}"),
                _ => "—".into(),
            };
            vec![
                v.name.clone(),
                format_value(v.value, unit, lang),
                format_value(v.target, unit, lang),
                v.attainment.map(|a| format!("{a:.1}%")).unwrap_or_else(|| "—".into()),
                format_value(projected, unit, lang),
                format_change(v.change_pct),
                format_change(v.yoy_change_pct),
                rank,
            ]
        })
        .collect()
}

pub async fn run(args: KpiArgs, db: &Db, lang: Lang, today: salescope_core::time::Day) -> anyhow::Result<()> {
    match args.action {
        Some(KpiAction::Define { id, name_en, name_zh, unit, direction, formula }) => {
            let row = salescope_store::CustomKpiRow { id, name_en, name_zh, unit, direction, formula };
            let def = salescope_engine::custom::define(db, row).await.map_err(crate::args::fail(lang))?;
            println!("{} = {}", def.id, def.formula);
            return Ok(());
        }
        Some(KpiAction::Remove { id }) => {
            let removed = salescope_engine::custom::remove(db, &id).await.map_err(crate::args::fail(lang))?;
            anyhow::ensure!(removed, "no custom KPI `{id}`");
            return Ok(());
        }
        None => {}
    }
    let ctx = Context::load(db).await.map_err(crate::args::fail(lang))?;
    if args.list {
        let rows: Vec<Vec<String>> = ctx
            .catalogue
            .iter()
            .map(|k| {
                vec![k.id.clone(), k.name(lang).to_string(), k.unit.id().to_string(), k.direction.id().to_string(), k.formula_text.clone()]
            })
            .collect();
        let headings: Vec<String> =
            ["kpi.id", "kpi.kpi", "kpi.unit", "kpi.direction", "kpi.formula"].iter().map(|k| lang.tr(k).to_string()).collect();
        print!("{}", table::render(&headings, &rows));
        return Ok(());
    }
    let kpis: Vec<String> = if args.kpis.is_empty() || args.kpis.iter().any(|k| k == "all") {
        ctx.catalogue.iter().map(|k| k.id.clone()).collect()
    } else {
        args.kpis.iter().flat_map(|k| k.split(',')).map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect()
    };
    let period = crate::args::period_or_month(args.period.as_deref(), today, lang)?;
    let by = match &args.by {
        Some(text) => Some(Granularity::parse(text).ok_or_else(|| anyhow::anyhow!("`{text}` is not day, week or month"))?),
        None => None,
    };
    let compare = Compare::parse(&args.compare).unwrap_or_default();
    let query = KpiQuery { kpis, scope: crate::args::scope(&args.scope, lang)?, period, by, today, compare, lang };
    let report = kpi_report_with(db, &ctx, &query).await.map_err(crate::args::fail(lang))?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv => {
            use std::io::Write;
            std::io::stdout().write_all(&salescope_export::to_csv(&kpi_sheet(&report, lang))?)?;
        }
        Format::Table => {
            let through = report.through.as_deref().unwrap_or("—");
            println!(
                "{} · {} ({} – {}, {})",
                report.scope_name,
                report.period,
                report.start,
                report.end,
                lang.format("kpi.through", &[("day", &through)])
            );
            print!("{}", table::render(&headings(lang), &rows(&report, lang)));
            println!("{}: {}", lang.tr("kpi.previous"), report.previous_note);
            println!("{}: {}", lang.tr("kpi.last_year"), report.last_year_note);
            if by.is_some() {
                for v in &report.values {
                    let points: Vec<String> =
                        v.trend.iter().map(|t| format!("{} {}", t.period, format_value(t.value, unit_of(v.unit), lang))).collect();
                    println!("{}: {}", v.name, points.join(" · "));
                }
            }
        }
    }
    Ok(())
}
