//! `salescope audit`: sample daily reports to check, record the checks, reconcile reported
//! figures with the records.

use crate::args::{self, fail};
use crate::report_cmd::{Output, output};
use clap::Subcommand;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::audit::{
    DEFAULT_SAMPLE_PERCENT, DEFAULT_TOLERANCE_PERCENT, reconcile, reconcile_sheet, record_check, sample, sample_sheet,
};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum AuditAction {
    /// A reproducible random sample of a week's daily reports for a team lead to check, with
    /// what the records show beside each.
    Sample {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: last week.
        #[arg(long)]
        period: Option<String>,
        /// Share of the reports to draw, in %.
        #[arg(long, default_value_t = DEFAULT_SAMPLE_PERCENT)]
        percent: f64,
        #[command(flatten)]
        output: Output,
    },
    /// Record the check of a rep's daily report: `audit check R001 2024-07-08 --result confirmed --by 张主管`.
    Check {
        rep_id: String,
        date: String,
        /// confirmed or discrepancy.
        #[arg(long)]
        result: String,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reported new customers, follow-ups and deal amounts against the calls and deals; reps
    /// beyond the tolerance are flagged.
    Reconcile {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: last week.
        #[arg(long)]
        period: Option<String>,
        /// Allowed difference, in % of the recorded figure.
        #[arg(long, default_value_t = DEFAULT_TOLERANCE_PERCENT)]
        tolerance: f64,
        #[command(flatten)]
        output: Output,
    },
}

fn period_or_last_week(text: Option<&str>, today: Day, lang: Lang) -> anyhow::Result<Period> {
    match text {
        Some(text) => args::period(text, lang),
        None => Ok(Period::week_of(today).previous()),
    }
}

pub async fn run(action: AuditAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    match action {
        AuditAction::Sample { scope, period, percent, output: out } => {
            let (scope, period) = (args::scope(&scope, lang)?, period_or_last_week(period.as_deref(), today, lang)?);
            let drawn = sample(db, &ctx, &scope, &period, percent).await.map_err(fail(lang))?;
            output(&sample_sheet(&drawn, &scope, &period, lang), &out, lang)
        }
        AuditAction::Check { rep_id, date, result, by, note } => {
            let day = args::date(&date, lang)?;
            record_check(db, &ctx, &rep_id, day, &result, &by, &note).await.map_err(fail(lang))?;
            println!(
                "{}",
                lang.format("audit.recorded", &[("rep", &rep_id), ("date", &day), ("result", &lang.tr(&format!("audit.result.{result}")))])
            );
            Ok(())
        }
        AuditAction::Reconcile { scope, period, tolerance, output: out } => {
            let (scope, period) = (args::scope(&scope, lang)?, period_or_last_week(period.as_deref(), today, lang)?);
            let rows = reconcile(db, &ctx, &scope, &period, tolerance).await.map_err(fail(lang))?;
            output(&reconcile_sheet(&rows, &scope, &period, lang), &out, lang)
        }
    }
}
