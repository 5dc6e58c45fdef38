//! `salescope target` and `salescope tracking`.

use crate::args::{self, fail};
use crate::table;
use clap::Subcommand;
use salescope_core::format::format_value;
use salescope_core::i18n::Lang;
use salescope_core::period::PeriodKind;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::targets::{ShareBy, SplitInto, set, split, update_tracking};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum TargetAction {
    /// Set a target: `target set revenue team:销售一部 2024-07 300000`.
    Set { kpi: String, scope: String, period: String, value: f64 },
    /// List the targets set.
    List {
        #[arg(long)]
        kpi: Option<String>,
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        period: Option<String>,
    },
    /// Split a target among reps or teams, or into quarters, months, weeks or working days.
    Split {
        kpi: String,
        scope: String,
        period: String,
        /// reps, teams, quarters, months, weeks or days.
        #[arg(long)]
        into: String,
        /// even, last-period (shares of the period before) or weights.
        #[arg(long, default_value = "even")]
        by: String,
        /// With --by weights: R001=2,R002=1 (or team names).
        #[arg(long)]
        weights: Option<String>,
    },
    /// Remove a target.
    Remove { kpi: String, scope: String, period: String },
}

#[derive(Subcommand)]
pub enum TrackingAction {
    /// Put reps whose pace falls short on daily tracking, and take off those who recovered.
    /// Without options, by the organisation's rule (settings tracking.kpi, tracking.period,
    /// tracking.threshold: revenue, month and 80 unless changed), as the server does daily;
    /// nobody is judged before tracking.min_elapsed_days (3) and tracking.min_elapsed_pct (25 %)
    /// of their working days in the period have passed.
    Update {
        #[arg(long)]
        kpi: Option<String>,
        /// The period whose target the pace is measured against: week, month, quarter or year.
        #[arg(long)]
        period: Option<String>,
        /// Projected attainment (%) below which a rep is tracked daily.
        #[arg(long)]
        threshold: Option<f64>,
    },
    /// Reps on daily tracking now (--all: the whole history).
    List {
        #[arg(long)]
        all: bool,
    },
}

fn period_kind(text: &str) -> anyhow::Result<PeriodKind> {
    Ok(match text.trim() {
        "quarters" | "quarter" => PeriodKind::Quarter,
        "months" | "month" => PeriodKind::Month,
        "weeks" | "week" => PeriodKind::Week,
        "days" | "day" => PeriodKind::Day,
        "years" | "year" => PeriodKind::Year,
        other => anyhow::bail!("`{other}` is not quarters, months, weeks or days"),
    })
}

pub async fn target(action: TargetAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let parse_scope = |s: &str| args::scope(s, lang);
    let parse_period = |p: &str| args::period(p, lang);
    match action {
        TargetAction::Set { kpi, scope, period, value } => {
            let row = set(db, &ctx, &kpi, &parse_scope(&scope)?, &parse_period(&period)?, value).await.map_err(fail(lang))?;
            println!("{} {} {} = {}", row.kpi, row.scope, row.period, row.value);
        }
        TargetAction::List { kpi, scope, period } => {
            let mut rows: Vec<_> = db
                .targets()
                .await?
                .into_iter()
                .filter(|t| {
                    kpi.as_ref().is_none_or(|k| *k == t.kpi)
                        && scope.as_ref().is_none_or(|s| *s == t.scope)
                        && period.as_ref().is_none_or(|p| *p == t.period)
                })
                .collect();
            rows.sort_by(|a, b| (&a.kpi, &a.period, &a.scope).cmp(&(&b.kpi, &b.period, &b.scope)));
            let headings: Vec<String> =
                ["kpi.kpi", "target.scope", "target.period", "kpi.target"].iter().map(|k| lang.tr(k).to_string()).collect();
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|t| {
                    let unit = ctx.kpi(&t.kpi).map(|k| k.unit).unwrap_or(salescope_core::kpi::Unit::Count);
                    vec![t.kpi.clone(), t.scope.clone(), t.period.clone(), format_value(Some(t.value), unit, lang)]
                })
                .collect();
            print!("{}", table::render(&headings, &table_rows));
        }
        TargetAction::Split { kpi, scope, period, into, by, weights } => {
            let into = match into.trim() {
                "reps" => SplitInto::Reps,
                "teams" => SplitInto::Teams,
                other => SplitInto::Periods(period_kind(other)?),
            };
            let share = match by.trim() {
                "even" => ShareBy::Even,
                "last-period" | "last_period" => ShareBy::LastPeriod,
                "weights" => {
                    let text = weights.ok_or_else(|| anyhow::anyhow!(lang.tr("error.weights_needed")))?;
                    ShareBy::Weights(args::weights(&text, lang)?)
                }
                other => anyhow::bail!("`{other}` is not even, last-period or weights"),
            };
            let rows =
                split(db, &ctx, &kpi, &parse_scope(&scope)?, &parse_period(&period)?, into, &share, today).await.map_err(fail(lang))?;
            for row in rows {
                println!("{} {} {} = {}", row.kpi, row.scope, row.period, row.value);
            }
        }
        TargetAction::Remove { kpi, scope, period } => {
            anyhow::ensure!(db.delete_target(&kpi, &scope, &period).await?, "no such target");
        }
    }
    Ok(())
}

pub async fn tracking(action: TrackingAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    match action {
        TrackingAction::Update { kpi, period, threshold } => {
            let mut rule = db.settings().await?.tracking;
            rule.kpi = kpi.unwrap_or(rule.kpi);
            rule.period = period.as_deref().map_or(Ok(rule.period), period_kind)?;
            rule.threshold = threshold.unwrap_or(rule.threshold);
            let entries = update_tracking(db, &ctx, today, &rule).await.map_err(fail(lang))?;
            let kpi = rule.kpi;
            let headings: Vec<String> =
                ["tracking.rep", "tracking.team", "kpi.value", "kpi.target", "tracking.projected", "tracking.change"]
                    .iter()
                    .map(|k| lang.tr(k).to_string())
                    .collect();
            let unit = ctx.kpi(&kpi).map(|k| k.unit).unwrap_or(salescope_core::kpi::Unit::Count);
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    let change = match e.change {
                        salescope_engine::targets::TrackingChange::Started => lang.tr("tracking.started"),
                        salescope_engine::targets::TrackingChange::Continues => lang.tr("tracking.continues"),
                        salescope_engine::targets::TrackingChange::Ended => lang.tr("tracking.ended"),
                    };
                    vec![
                        format!("{} {}", e.rep_id, e.name),
                        e.team.clone(),
                        format_value(e.value, unit, lang),
                        format_value(e.target, unit, lang),
                        e.projected_attainment.map_or("—".into(), |a| format!("{a:.1}%")),
                        change.to_string(),
                    ]
                })
                .collect();
            print!("{}", table::render(&headings, &rows));
        }
        TrackingAction::List { all } => {
            let headings: Vec<String> = ["tracking.rep", "kpi.kpi", "target.period", "tracking.since", "tracking.until", "tracking.reason"]
                .iter()
                .map(|k| lang.tr(k).to_string())
                .collect();
            let rows: Vec<Vec<String>> = db
                .tracking_rows(!all)
                .await?
                .into_iter()
                .map(|t| {
                    let name = ctx.rep(&t.rep_id).map(|r| r.name.clone()).unwrap_or_default();
                    let reason = salescope_engine::targets::tracking_reason(&t, lang);
                    vec![
                        format!("{} {name}", t.rep_id),
                        t.kpi,
                        t.period,
                        t.started_on.to_string(),
                        t.ended_on.map(|d| d.to_string()).unwrap_or_default(),
                        reason,
                    ]
                })
                .collect();
            print!("{}", table::render(&headings, &rows));
        }
    }
    Ok(())
}
