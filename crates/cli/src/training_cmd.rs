//! `salescope training`: the training plan, sign-in sheets, and whether a course worked.

use crate::args::fail;
use crate::report_cmd::{Output, emit, output};
use clap::{Args, Subcommand};
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::training::{EffectOptions, course_report, find_course, kpi_effects};
use salescope_engine::training_sheets::{course_report_sheet, effect_sheet, signin_sheet, training_plan_sheet};
use salescope_store::Db;

#[derive(Args)]
pub struct EffectWindow {
    /// Weeks before training compared (`8w` or `8`).
    #[arg(long, default_value = "8w")]
    pre: String,
    /// Weeks after training compared.
    #[arg(long, default_value = "8w")]
    post: String,
    /// Untrained reps to compare with: `auto` (matched on the KPI's pre-training level and
    /// trend), `team:<name>[,<name>…]` or `reps:<id>[,<id>…]`.
    #[arg(long, default_value = "auto")]
    control: String,
    /// Only the reps of this session (default: every session of the course).
    #[arg(long)]
    session: Option<String>,
}

#[derive(Subcommand)]
pub enum TrainingAction {
    /// The training plan 培训计划表: every session with its course, trainer, place and attendance.
    Plan {
        #[command(flatten)]
        output: Output,
    },
    /// The sign-in & feedback sheet 培训签到与反馈表 of a course or one of its sessions.
    Signin {
        #[arg(long)]
        course: String,
        #[arg(long)]
        session: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// The causal effect of a course on one KPI: difference-in-differences of trained against
    /// untrained reps with its 95% interval, beside the naive before/after.
    Effect {
        #[arg(long)]
        course: String,
        #[arg(long)]
        kpi: String,
        #[command(flatten)]
        window: EffectWindow,
        #[command(flatten)]
        output: Output,
    },
    /// A course's five levels: reaction, learning, behaviour, results and ROI.
    Report {
        #[arg(long)]
        course: String,
        #[command(flatten)]
        window: EffectWindow,
        #[command(flatten)]
        output: Output,
    },
}

fn options(window: &EffectWindow, today: Day, lang: Lang) -> anyhow::Result<EffectOptions> {
    EffectOptions::parse(Some(&window.pre), Some(&window.post), Some(&window.control), window.session.as_deref(), today).map_err(fail(lang))
}

pub async fn run(action: TrainingAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let records = db.training_records().await?;
    match action {
        TrainingAction::Plan { output: out } => output(&training_plan_sheet(&records, lang), &out, lang),
        TrainingAction::Signin { course, session, output: out } => {
            find_course(&records, &course).map_err(fail(lang))?;
            output(&signin_sheet(&records, &ctx, &course, session.as_deref(), lang), &out, lang)
        }
        TrainingAction::Effect { course, kpi, window, output: out } => {
            let options = options(&window, today, lang)?;
            let title = find_course(&records, &course).map_err(fail(lang))?.title.clone();
            let kpi = ctx.kpi(&kpi).map_err(fail(lang))?;
            let effects = kpi_effects(db, &ctx, &records, &course, &[kpi], &options, lang).await.map_err(fail(lang))?;
            let effect = effects.first().ok_or_else(|| anyhow::anyhow!(lang.tr("training.error.no_effect")))?;
            emit(effect, || effect_sheet(effect, &title, lang), &out, lang)
        }
        TrainingAction::Report { course, window, output: out } => {
            let options = options(&window, today, lang)?;
            let report = course_report(db, &ctx, &course, &options, None, lang).await.map_err(fail(lang))?;
            emit(&report, || course_report_sheet(&report, lang), &out, lang)?;
            if out.is_table() {
                for effect in report.behaviour.iter().chain(&report.results) {
                    println!("{}", effect.summary);
                }
                if let Some(roi) = &report.roi {
                    println!("{}", roi.formula);
                    if let Some(unproven) = &roi.unproven {
                        println!("{unproven}");
                    }
                }
            }
            Ok(())
        }
    }
}
