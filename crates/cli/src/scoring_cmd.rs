//! `salescope scorecard`, `salescope scores` and `salescope leaderboard`.

use crate::args::{self, fail};
use crate::report_cmd::{Output, output};
use crate::table;
use clap::{Args, Subcommand};
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::scoring::{
    LeaderboardQuery, Level, SCORECARD_ROLES, leaderboard, leaderboard_sheet, scorecard, scores, set_scorecard,
};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum ScorecardAction {
    /// The weighted KPIs of each role (rep, team_lead, team).
    Show,
    /// Set a role's scorecard: `scorecard set rep revenue=40,new_customers=20,csat=10`; no
    /// weights returns the role to the default.
    Set { role: String, weights: Option<String> },
}

#[derive(Args)]
pub struct ScoresArgs {
    #[arg(long, default_value = "org")]
    scope: String,
    /// Default: this month.
    #[arg(long)]
    period: Option<String>,
    /// Score the selling teams instead of the reps.
    #[arg(long)]
    teams: bool,
}

#[derive(Args)]
pub struct LeaderboardArgs {
    /// A KPI id, or `score` for the composite score.
    #[arg(long, default_value = "revenue")]
    kpi: String,
    #[arg(long, default_value = "org")]
    scope: String,
    /// Default: this month (月度销冠).
    #[arg(long)]
    period: Option<String>,
    /// Rank the selling teams instead of the reps.
    #[arg(long)]
    teams: bool,
    /// Places to show (reps tied at the cut are all shown).
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    output: Output,
}

pub async fn scorecard_cmd(action: ScorecardAction, db: &Db, lang: Lang) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    if let ScorecardAction::Set { role, weights } = action {
        let entries = match weights.as_deref() {
            Some(text) => args::weights(text, lang)?,
            None => Vec::new(),
        };
        set_scorecard(db, &ctx, &role, &entries).await.map_err(fail(lang))?;
    }
    let headings: Vec<String> = ["target.scope", "kpi.kpi", "score.weight"].iter().map(|k| lang.tr(k).to_string()).collect();
    let mut rows = Vec::new();
    for role in SCORECARD_ROLES {
        let card = scorecard(db, role).await.map_err(fail(lang))?;
        for (kpi, weight) in &card.entries {
            let name = ctx.kpi(kpi).map(|k| k.name(lang).to_string()).unwrap_or_default();
            let role = if card.inherited { format!("{role} {}", lang.tr("score.default")) } else { role.to_string() };
            rows.push(vec![role, format!("{kpi} {name}"), format!("{weight}")]);
        }
    }
    print!("{}", table::render(&headings, &rows));
    Ok(())
}

pub async fn scores_cmd(a: ScoresArgs, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let (scope, period) = (args::scope(&a.scope, lang)?, args::period_or_month(a.period.as_deref(), today, lang)?);
    let level = if a.teams { Level::Teams } else { Level::Reps };
    let scored = scores(db, &ctx, level, &scope, &period, lang).await.map_err(fail(lang))?;
    let kpis: Vec<String> = scored.first().map(|s| s.kpis.iter().map(|k| k.kpi.clone()).collect()).unwrap_or_default();
    let mut headings: Vec<String> = vec![
        lang.tr("score.rank").into(),
        lang.tr("tracking.rep").into(),
        lang.tr("tracking.team").into(),
        lang.tr("score.composite").into(),
    ];
    headings.extend(kpis.iter().map(|k| ctx.kpi(k).map(|d| d.name(lang).to_string()).unwrap_or_else(|_| k.clone())));
    let rows: Vec<Vec<String>> = scored
        .iter()
        .map(|s| {
            let mut row = vec![
                s.rank.map_or("—".into(), |r| r.to_string()),
                s.name.clone(),
                s.team.clone(),
                s.score.map_or("—".into(), |v| format!("{v:.1}")),
            ];
            row.extend(s.kpis.iter().map(|k| k.score.map_or("—".into(), |v| format!("{v:.0}"))));
            row
        })
        .collect();
    print!("{}", table::render(&headings, &rows));
    Ok(())
}

pub async fn leaderboard_cmd(a: LeaderboardArgs, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let (scope, period) = (args::scope(&a.scope, lang)?, args::period_or_month(a.period.as_deref(), today, lang)?);
    let level = if a.teams { Level::Teams } else { Level::Reps };
    let query = LeaderboardQuery { metric: a.kpi, level, scope, period, top: a.top, lang };
    let board = leaderboard(db, &ctx, &query).await.map_err(fail(lang))?;
    output(&leaderboard_sheet(&board, &ctx, lang), &a.output, lang)
}
