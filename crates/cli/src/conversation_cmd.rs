//! `salescope conversation`: behaviour metrics of transcribed calls.

use crate::args::{self, fail};
use crate::report_cmd::{Output, output};
use clap::Subcommand;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::conversation::{calls, calls_sheet};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum ConversationAction {
    /// Transcribed calls with talk ratio, monologues, interactivity, patience, questions and
    /// the outcome (`--format json`: one object per call).
    Calls {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: this month.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

pub async fn run(action: ConversationAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ConversationAction::Calls { scope, period, output: out } = action;
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let scope = args::scope(&scope, lang)?;
    let period = match period {
        Some(text) => args::period(&text, lang)?,
        None => Period::month_of(today),
    };
    let found = calls(db, &ctx, &scope, &period).await.map_err(fail(lang))?;
    if out.format.as_deref() == Some("json") && out.output.is_none() {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(());
    }
    output(&calls_sheet(&found, &scope, &period, lang), &out, lang)
}
