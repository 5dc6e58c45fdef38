//! `salescope actions`: the problems-and-improvements tracker (问题分析与改进表).

use crate::args::{self, fail};
use crate::report_cmd::{Output, output};
use crate::table;
use clap::{Args, Subcommand};
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::actions::{
    ActionChanges, ActionStatus, ActionView, NewAction, actions_sheet, check, create, evidence_text, list, update,
};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum ActionsAction {
    /// Record a problem and the action taken on it, with a criterion to verify it by, e.g.
    /// --criterion "new_customers per rep per week >= 3 for team:销售一部".
    Add(AddArgs),
    /// The actions, by deadline (--status open|verified|not_met|cancelled|overdue).
    List {
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Change an action; --status cancelled withdraws it, --status open reopens it.
    Update {
        id: i64,
        #[command(flatten)]
        fields: UpdateArgs,
    },
    /// Check open actions: those due are marked verified or not met with the evidence; the
    /// others show where they stand. Give ids to (re)check those.
    Check { ids: Vec<i64> },
}

#[derive(Args)]
pub struct AddArgs {
    #[arg(long)]
    problem: String,
    /// People and teams concerned (涉及人员/部门).
    #[arg(long, default_value = "")]
    people: String,
    /// ability, resource or strategy (能力/资源/策略).
    #[arg(long)]
    category: String,
    /// subjective, objective or both (主观/客观).
    #[arg(long, default_value = "both")]
    cause_kind: String,
    #[arg(long, default_value = "")]
    cause: String,
    #[arg(long)]
    measures: String,
    #[arg(long)]
    owner: String,
    /// YYYY-MM-DD.
    #[arg(long)]
    deadline: String,
    /// The KPI condition that shows the action worked.
    #[arg(long)]
    criterion: String,
    /// The day the problem was raised (default: today).
    #[arg(long)]
    raised: Option<String>,
}

#[derive(Args)]
pub struct UpdateArgs {
    #[arg(long)]
    problem: Option<String>,
    #[arg(long)]
    people: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    cause_kind: Option<String>,
    #[arg(long)]
    cause: Option<String>,
    #[arg(long)]
    measures: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    deadline: Option<String>,
    #[arg(long)]
    criterion: Option<String>,
    /// open or cancelled.
    #[arg(long)]
    status: Option<String>,
}

fn print_actions(ctx: &Context, actions: &[ActionView], lang: Lang) {
    let headings: Vec<String> = ["id", "deadline", "owner", "problem", "status", "verification"]
        .iter()
        .map(|k| lang.tr(&format!("sheet.actions.{k}")).to_string())
        .collect();
    let rows: Vec<Vec<String>> = actions
        .iter()
        .map(|a| {
            let mut status = lang.tr(&format!("action.status.{}", a.status.id())).to_string();
            if a.overdue {
                status = format!("{status}, {}", lang.tr("action.overdue"));
            }
            let verification = a.evidence.as_ref().map_or_else(|| a.criterion.clone(), |e| evidence_text(ctx, e, lang));
            vec![a.id.to_string(), a.deadline.clone(), a.owner.clone(), a.problem.clone(), status, verification]
        })
        .collect();
    print!("{}", table::render(&headings, &rows));
}

pub async fn run(action: ActionsAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    let ctx = Context::load(db).await.map_err(fail(lang))?;
    match action {
        ActionsAction::Add(a) => {
            let new = NewAction {
                raised_on: a.raised.as_deref().map(|d| args::date(d, lang)).transpose()?,
                problem: a.problem,
                people: a.people,
                cause_category: a.category,
                cause_kind: a.cause_kind,
                cause: a.cause,
                measures: a.measures,
                owner: a.owner,
                deadline: args::date(&a.deadline, lang)?,
                criterion: a.criterion,
            };
            let view = create(db, &ctx, new, today).await.map_err(fail(lang))?;
            println!(
                "{}",
                lang.format("action.created", &[("id", &view.id), ("criterion", &view.criterion), ("deadline", &view.deadline)])
            );
        }
        ActionsAction::List { status, output: out } => {
            let mut actions = list(db, today).await.map_err(fail(lang))?;
            if let Some(status) = status {
                let wanted = ActionStatus::from_id(&status);
                anyhow::ensure!(
                    wanted.is_some() || status == "overdue",
                    lang.format(
                        "error.bad_choice",
                        &[("value", &status), ("field", &"--status"), ("choices", &"open, verified, not_met, cancelled, overdue")]
                    )
                );
                actions.retain(|a| if status == "overdue" { a.overdue } else { Some(a.status) == wanted });
            }
            if out.is_table() {
                print_actions(&ctx, &actions, lang);
            } else {
                output(&actions_sheet(&ctx, &actions, lang), &out, lang)?;
            }
        }
        ActionsAction::Update { id, fields: f } => {
            let changes = ActionChanges {
                problem: f.problem,
                people: f.people,
                cause_category: f.category,
                cause_kind: f.cause_kind,
                cause: f.cause,
                measures: f.measures,
                owner: f.owner,
                deadline: f.deadline.as_deref().map(|d| args::date(d, lang)).transpose()?,
                criterion: f.criterion,
                status: f.status,
            };
            let view = update(db, &ctx, id, changes, today).await.map_err(fail(lang))?;
            print_actions(&ctx, &[view], lang);
        }
        ActionsAction::Check { ids } => {
            let ids = (!ids.is_empty()).then_some(ids);
            let outcomes = check(db, &ctx, today, ids.as_deref()).await.map_err(fail(lang))?;
            let checked: Vec<ActionView> = outcomes.into_iter().map(|o| o.action).collect();
            print_actions(&ctx, &checked, lang);
        }
    }
    Ok(())
}
