//! `salescope conversation`: behaviour metrics of transcribed calls.

use crate::args::{self, fail};
use crate::report_cmd::{Output, emit};
use clap::Subcommand;
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::conversation::{CompareBy, calls, calls_sheet, compare, comparison_sheet};
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
    /// Each metric's difference between won and lost calls (`--by outcome`) or between the top
    /// quartile of reps by win rate and the rest (`--by performer`), with its 95% interval.
    Compare {
        #[arg(long, default_value = "org")]
        scope: String,
        /// Default: this month.
        #[arg(long)]
        period: Option<String>,
        /// outcome or performer.
        #[arg(long, default_value = "outcome")]
        by: String,
        #[command(flatten)]
        output: Output,
    },
    /// The phrases calls are read for: key messages (关键话术), objections by category,
    /// competitors, fillers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Customer sentiment of each line read on stdin: a JSON list of `{"score": s}`, s > 0
    /// positive, s < 0 negative (offline model, see docs/conversation.md).
    Sentiment {
        /// json (one object per input line) or table.
        #[arg(long, default_value = "json")]
        format: String,
    },
}

/// `conversation sentiment`: needs no store.
pub fn sentiment(format: &str, lang: Lang) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut scores = Vec::new();
    let mut texts = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        scores.push(serde_json::json!({"score": salescope_core::sentiment::score(&line)}));
        texts.push(line);
    }
    match format {
        "json" => println!("{}", serde_json::Value::Array(scores)),
        "table" => {
            let headings = vec![lang.tr("sentiment.score").to_string(), lang.tr("sentiment.text").to_string()];
            let rows: Vec<Vec<String>> = scores
                .iter()
                .zip(&texts)
                .map(|(s, t)| vec![format!("{:+.2}", s["score"].as_f64().unwrap_or_default()), t.clone()])
                .collect();
            print!("{}", crate::table::render(&headings, &rows));
        }
        other => anyhow::bail!(lang.format("error.bad_choice", &[("value", &other), ("field", &"--format"), ("choices", &"json, table")])),
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ConfigAction {
    /// Print the configuration in force (the defaults until one is imported), as TOML.
    Show,
    /// Replace the configuration with a TOML file: `[key_messages]` and `[objections]` tables of
    /// id = [phrases], `competitors = [...]`, `fillers = [...]`.
    Import { file: std::path::PathBuf },
}

async fn config(action: ConfigAction, db: &Db, lang: Lang) -> anyhow::Result<()> {
    use salescope_import::transcripts::{phrase_config, phrase_config_toml, save_phrase_config};
    match action {
        ConfigAction::Show => {
            let config = phrase_config(db).await.map_err(|e| anyhow::anyhow!(e.message(lang)))?;
            print!("{}", phrase_config_toml(&config));
        }
        ConfigAction::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!(lang.format("error.file_unreadable", &[("file", &file.display()), ("detail", &e)])))?;
            let config = save_phrase_config(db, &text)
                .await
                .map_err(|e| anyhow::anyhow!(e.message(lang)))?
                .map_err(|e| anyhow::anyhow!(lang.format("error.bad_phrase_config", &[("detail", &e)])))?;
            println!(
                "{}",
                lang.format(
                    "conversation.config_saved",
                    &[
                        ("key_messages", &config.key_messages.len()),
                        ("objections", &config.objections.len()),
                        ("competitors", &config.competitors.len()),
                        ("fillers", &config.fillers.len()),
                    ]
                )
            );
        }
    }
    Ok(())
}

pub async fn run(action: ConversationAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    let scope_and_period = |scope: &str, period: Option<String>| -> anyhow::Result<_> {
        Ok((args::scope(scope, lang)?, args::period_or_month(period.as_deref(), today, lang)?))
    };
    match action {
        ConversationAction::Calls { scope, period, output: out } => {
            let (scope, period) = scope_and_period(&scope, period)?;
            let found = calls(db, &ctx, &scope, &period).await.map_err(fail(lang))?;
            emit(&found, || calls_sheet(&found, &scope, &period, lang), &out, lang)
        }
        ConversationAction::Compare { scope, period, by, output: out } => {
            let (scope, period) = scope_and_period(&scope, period)?;
            let by = CompareBy::from_id(&by).ok_or_else(|| {
                anyhow::anyhow!(lang.format("error.bad_choice", &[("value", &by), ("field", &"--by"), ("choices", &"outcome, performer")]))
            })?;
            let comparison = compare(db, &ctx, &scope, &period, by, lang).await.map_err(fail(lang))?;
            emit(&comparison.metrics, || comparison_sheet(&comparison, lang), &out, lang)
        }
        ConversationAction::Sentiment { format } => sentiment(&format, lang),
        ConversationAction::Config { action } => config(action, db, lang).await,
    }
}
