//! `salescope pipeline` and `salescope calls`: the sales process of a scope — funnel, weighted
//! pipeline, stuck deals, revenue volatility — and the best time to call.

use crate::args::{self, fail};
use crate::report_cmd::{Output, emit};
use clap::Subcommand;
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::pipeline::{
    Deals, funnel, funnel_sheet, heatmap, heatmap_sheet, last_twelve_months, stuck, stuck_sheet, volatility, volatility_sheet, weighted,
    weighted_sheet, winloss, winloss_sheet,
};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum PipelineAction {
    /// Per stage: deals that entered it in the period, how many went on to a later stage or were
    /// won, the conversion, and the median and p75 days in the stage.
    Funnel {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: this month.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Deals open at the end of a day by stage, each weighted by its stage's win probability.
    Weighted {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: today.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Open deals longer in their stage than the stage's p75 of completed stays.
    Stuck {
        #[arg(long, default_value = "org")]
        scope: String,
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Which sources and segments go with winning: each one's effect on the win rate of the
    /// deals closed in the period, with its 95% interval, strongest positive first.
    Winloss {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: the last twelve months.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Each rep's monthly revenue and its coefficient of variation, most volatile first.
    Volatility {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: the last twelve months.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// The configured pipelines and their stages, or the stage order learned from the stage
    /// history while none is configured; `--toml` prints the pipeline file.
    Stages {
        #[arg(long)]
        toml: bool,
    },
    /// Configures the pipelines from a pipeline file (TOML, see docs/process.md), replacing the
    /// configuration; `--confirm-learned` instead saves the learned order as the pipeline.
    Configure {
        #[arg(required_unless_present = "confirm_learned", conflicts_with = "confirm_learned")]
        file: Option<std::path::PathBuf>,
        #[arg(long)]
        confirm_learned: bool,
    },
}

#[derive(clap::Args)]
pub struct ForecastArgs {
    #[arg(long, default_value = "org")]
    scope: String,
    /// The quarter or month forecast (default: this quarter).
    #[arg(long)]
    period: Option<String>,
    /// A configured pipeline's id (default: the first configured).
    #[arg(long)]
    pipeline: Option<String>,
    /// Forecast as of this day (default: today).
    #[arg(long)]
    as_of: Option<String>,
    #[command(flatten)]
    output: Output,
}

#[derive(Subcommand)]
pub enum ForecastAction {
    /// Replays every past quarter as of its eve: the error (MAPE) and interval coverage of the
    /// forecast beside the naive baselines (last quarter, same quarter last year, weighted pipeline).
    Backtest {
        #[arg(long, default_value = "org")]
        scope: String,
        #[arg(long)]
        pipeline: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum LeadsAction {
    /// Reps ranked to take a new lead of a segment: their win rate in it shrunk toward the
    /// organisation's, their spare capacity, and the reason in a line.
    Assign {
        #[arg(long)]
        segment: String,
        #[arg(long)]
        source: Option<String>,
        /// Default: today.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum CoachingAction {
    /// A rep's gaps against their team's median and top quartile along the funnel and in the
    /// activity and conversation KPIs, ranked by what each costs, with the courses that target it.
    Gaps {
        #[arg(long)]
        rep: String,
        /// Default: this quarter.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// The coaching tasks made from gaps on the reps' pages: owner, due date, the gap then and
    /// at the last follow-up, notes (`--json` for everything).
    Tasks {
        /// Only this rep's.
        #[arg(long)]
        rep: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CallsAction {
    /// Connect rate by weekday × hour, with the best cells named.
    Heatmap {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: this month.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

fn as_of(text: Option<&str>, today: Day, lang: Lang) -> anyhow::Result<Day> {
    text.map_or(Ok(today), |t| args::date(t, lang))
}

pub async fn run(action: PipelineAction, pipeline: Option<&str>, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    match action {
        PipelineAction::Stages { toml } => stages(db, toml, lang).await,
        PipelineAction::Configure { file, confirm_learned } => configure(db, file.as_deref(), confirm_learned, lang).await,
        PipelineAction::Funnel { scope, period, output: out } => {
            let (scope, period) = (args::scope(&scope, lang)?, args::period_or_month(period.as_deref(), today, lang)?);
            let found = funnel(&Deals::load(db, pipeline).await.map_err(fail(lang))?, &ctx, &scope, &period).map_err(fail(lang))?;
            emit(&found, || funnel_sheet(&found, &ctx, &scope, lang), &out, lang)
        }
        PipelineAction::Weighted { scope, as_of: day, output: out } => {
            let (scope, day) = (args::scope(&scope, lang)?, as_of(day.as_deref(), today, lang)?);
            let found = weighted(&Deals::load(db, pipeline).await.map_err(fail(lang))?, &ctx, &scope, day).map_err(fail(lang))?;
            emit(&found, || weighted_sheet(&found, &ctx, &scope, lang), &out, lang)
        }
        PipelineAction::Stuck { scope, as_of: day, output: out } => {
            let (scope, day) = (args::scope(&scope, lang)?, as_of(day.as_deref(), today, lang)?);
            let found = stuck(&Deals::load(db, pipeline).await.map_err(fail(lang))?, &ctx, &scope, day).map_err(fail(lang))?;
            emit(&found, || stuck_sheet(&found, &ctx, &scope, day, lang), &out, lang)
        }
        PipelineAction::Winloss { scope, period, output: out } => {
            let scope = args::scope(&scope, lang)?;
            let period = period.as_deref().map_or_else(|| Ok(last_twelve_months(today)), |p| args::period(p, lang))?;
            let deals = Deals::load(db, pipeline).await.map_err(fail(lang))?;
            let found = winloss(db, &deals, &ctx, &scope, &period).await.map_err(fail(lang))?;
            emit(&found, || winloss_sheet(&found, &ctx, &scope, lang), &out, lang)
        }
        PipelineAction::Volatility { scope, period, output: out } => {
            let scope = args::scope(&scope, lang)?;
            let period = period.as_deref().map_or_else(|| Ok(last_twelve_months(today)), |p| args::period(p, lang))?;
            let found =
                volatility(&Deals::load(db, pipeline).await.map_err(fail(lang))?, &ctx, &scope, &period, today).map_err(fail(lang))?;
            emit(&found, || volatility_sheet(&found, &ctx, &scope, lang), &out, lang)
        }
    }
}

pub async fn calls(action: CallsAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let CallsAction::Heatmap { scope, period, output: out } = action;
    let (scope, period) = (args::scope(&scope, lang)?, args::period_or_month(period.as_deref(), today, lang)?);
    let found = heatmap(db, &ctx, &scope, &period).await.map_err(fail(lang))?;
    emit(&found, || heatmap_sheet(&found, &ctx, &scope, lang), &out, lang)?;
    if out.is_table() {
        let weekday = |d: u32| lang.tr(&format!("weekday.{d}")).to_string();
        let best: Vec<String> = found
            .best
            .iter()
            .map(|c| format!("{} {:02}:00 {:.1}% ({})", weekday(c.weekday), c.hour, c.connect_rate.unwrap_or(0.0), c.calls))
            .collect();
        println!("{}", lang.format("heatmap.best", &[("cells", &best.join(", "))]));
    }
    Ok(())
}

pub async fn coaching(action: CoachingAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let (rep, period, out) = match action {
        CoachingAction::Gaps { rep, period, output } => (rep, period, output),
        CoachingAction::Tasks { rep, json } => return tasks(db, rep.as_deref(), json, lang).await,
    };
    let period = period.as_deref().map_or_else(|| Ok(salescope_core::period::Period::quarter_of(today)), |p| args::period(p, lang))?;
    let found = salescope_engine::coaching::coaching_gaps(db, &ctx, &Deals::load(db, None).await.map_err(fail(lang))?, &rep, &period, lang)
        .await
        .map_err(fail(lang))?;
    emit(&found, || salescope_engine::coaching::gaps_sheet(&found, lang), &out, lang)
}

pub async fn forecast(action: Option<ForecastAction>, args: ForecastArgs, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    use salescope_engine::pipeline::{backtest, backtest_sheet, forecast, forecast_sheet};
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    if let Some(ForecastAction::Backtest { scope, pipeline, output: out }) = action {
        let deals = Deals::load(db, pipeline.as_deref()).await.map_err(fail(lang))?;
        let scope = args::scope(&scope, lang)?;
        let found = backtest(&deals, &ctx, &scope, today).map_err(fail(lang))?;
        return emit(&found, || backtest_sheet(&found, &ctx, &scope, lang), &out, lang);
    }
    let scope = args::scope(&args.scope, lang)?;
    let period = args.period.as_deref().map_or_else(|| Ok(salescope_core::period::Period::quarter_of(today)), |p| args::period(p, lang))?;
    let day = as_of(args.as_of.as_deref(), today, lang)?;
    let deals = Deals::load(db, args.pipeline.as_deref()).await.map_err(fail(lang))?;
    let found = forecast(&deals, &ctx, &scope, &period, day).map_err(fail(lang))?;
    emit(&found, || forecast_sheet(&found, &ctx, &scope, lang), &args.output, lang)
}

pub async fn leads(action: LeadsAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    use salescope_engine::pipeline::{lead_assignment, lead_assignment_sheet};
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let LeadsAction::Assign { segment, source, as_of: day, output: out } = action;
    let day = as_of(day.as_deref(), today, lang)?;
    let deals = Deals::load(db, None).await.map_err(fail(lang))?;
    let found = lead_assignment(&deals, &ctx, &segment, source.as_deref(), day, lang);
    emit(&found, || lead_assignment_sheet(&found, lang), &out, lang)
}

async fn tasks(db: &Db, rep: Option<&str>, json: bool, lang: Lang) -> anyhow::Result<()> {
    let tasks: Vec<_> = db.coaching_tasks().await?.into_iter().filter(|t| rep.is_none_or(|r| r == t.rep_id)).collect();
    if json {
        let rows: Vec<serde_json::Value> = tasks
            .iter()
            .map(|t| {
                serde_json::json!({"id": t.id, "rep_id": t.rep_id, "kind": t.kind, "name": t.name, "baseline": t.baseline, "team_median": t.team_median,
                    "latest": t.latest, "measured_on": t.measured_on.map(|d| d.to_string()), "owner": t.owner, "due": t.due.to_string(),
                    "status": t.status, "notes": t.notes.lines().collect::<Vec<_>>()})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let headings: Vec<String> = ["id", "rep", "gap", "baseline", "team_median", "latest", "owner", "due", "status"]
        .iter()
        .map(|h| lang.tr(&format!("coaching.column.{h}")).to_string())
        .collect();
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            vec![
                t.id.to_string(),
                t.rep_id.clone(),
                format!("{} · {}", lang.tr(&format!("coaching.kind.{}", t.kind)), t.label),
                t.baseline.to_string(),
                t.team_median.to_string(),
                t.latest.map(|v| v.to_string()).unwrap_or_default(),
                t.owner.clone(),
                t.due.to_string(),
                t.status.clone(),
            ]
        })
        .collect();
    print!("{}", crate::table::render(&headings, &rows));
    Ok(())
}

/// Prints the pipelines (or the learned order, marked unconfirmed) with each stage's names, the
/// deals that entered it, milestones and entry criteria.
async fn stages(db: &Db, toml: bool, lang: Lang) -> anyhow::Result<()> {
    let overview = salescope_engine::pipeline::process_overview(db).await.map_err(fail(lang))?;
    if toml {
        let configured: Vec<_> = overview.pipelines.into_iter().filter(|_| overview.configured).map(|(p, _)| p).collect();
        print!("{}", salescope_import::pipelines::pipelines_toml(&configured));
        return Ok(());
    }
    if !overview.configured {
        println!("{}", lang.tr("process.learned_unconfirmed"));
    }
    for (p, counts) in &overview.pipelines {
        println!("{} ({})", p.name(lang), p.id);
        for (i, (stage, deals)) in p.stages.iter().zip(counts).enumerate() {
            println!("{:>5}. {} [{}] — {}", i + 1, stage.name(lang), stage.key, lang.format("process.deals_entered", &[("n", deals)]));
            if !stage.entry_criteria.is_empty() {
                println!("         {}: {}", lang.tr("process.entry_criteria"), stage.entry_criteria);
            }
            if !stage.milestones.is_empty() {
                println!("         {}: {}", lang.tr("process.milestones"), stage.milestones.join(" · "));
            }
        }
    }
    Ok(())
}

async fn configure(db: &Db, file: Option<&std::path::Path>, confirm_learned: bool, lang: Lang) -> anyhow::Result<()> {
    let pipelines = match file {
        Some(path) if !confirm_learned => {
            let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            salescope_import::pipelines::parse_pipelines(&text, lang).map_err(|problems| anyhow::anyhow!("{}", problems.join("\n")))?
        }
        _ => vec![salescope_engine::pipeline::learned_pipeline(db).await.map_err(fail(lang))?],
    };
    db.replace_pipelines(&pipelines).await?;
    let stages: usize = pipelines.iter().map(|p| p.stages.len()).sum();
    println!("{}", lang.format("process.configured", &[("pipelines", &pipelines.len()), ("stages", &stages)]));
    Ok(())
}
