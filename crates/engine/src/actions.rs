//! Improvement actions (问题分析与改进): a problem, its cause, the measures taken, an owner, a
//! deadline, and a verification criterion checked against the data when the deadline comes.

use crate::context::Context;
use crate::targets::values_of;
use crate::{EngineError, Result};
use salescope_core::criterion::{Criterion, RepBasis, canonical};
use salescope_core::format::format_value;
use salescope_core::i18n::Lang;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::time::Day;
use salescope_store::{ActionRow, Db};
use serde::{Deserialize, Serialize};

pub const CAUSE_CATEGORIES: [&str; 3] = ["ability", "resource", "strategy"];
pub const CAUSE_KINDS: [&str; 3] = ["subjective", "objective", "both"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Verified,
    NotMet,
    Cancelled,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [ActionStatus::Open, ActionStatus::Verified, ActionStatus::NotMet, ActionStatus::Cancelled];

    pub fn id(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Verified => "verified",
            ActionStatus::NotMet => "not_met",
            ActionStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_id(id: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// What an action is created with.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub raised_on: Option<Day>,
    pub problem: String,
    pub people: String,
    pub cause_category: String,
    pub cause_kind: String,
    pub cause: String,
    pub measures: String,
    pub owner: String,
    pub deadline: Day,
    pub criterion: String,
}

/// Fields to change; `None` leaves a field as it is. The status may be set to open or
/// cancelled by hand; verified and not met come from checks.
#[derive(Debug, Clone, Default)]
pub struct ActionChanges {
    pub problem: Option<String>,
    pub people: Option<String>,
    pub cause_category: Option<String>,
    pub cause_kind: Option<String>,
    pub cause: Option<String>,
    pub measures: Option<String>,
    pub owner: Option<String>,
    pub deadline: Option<Day>,
    pub criterion: Option<String>,
    pub status: Option<String>,
}

/// One rep's value in a check of an `each rep` criterion.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct RepEvidence {
    pub rep_id: String,
    pub name: String,
    pub value: Option<f64>,
    pub met: bool,
}

/// What a check found: the value over the window against the threshold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Evidence {
    pub criterion: String,
    pub window: String,
    pub kpi: String,
    /// The scope's value; per rep for `per rep`; the furthest from the threshold for `each
    /// rep`; `None` when there was no data (which never meets a criterion).
    pub value: Option<f64>,
    pub comparison: String,
    pub threshold: f64,
    /// Reps the scope's value was divided among (`per rep`) or each checked (`each rep`).
    pub reps: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_rep: Vec<RepEvidence>,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ActionView {
    pub id: i64,
    pub raised_on: String,
    pub problem: String,
    pub people: String,
    pub cause_category: String,
    pub cause_kind: String,
    pub cause: String,
    pub measures: String,
    pub owner: String,
    pub deadline: String,
    pub criterion: String,
    pub status: ActionStatus,
    /// Past the deadline and not verified.
    pub overdue: bool,
    pub evidence: Option<Evidence>,
    pub checked_on: Option<String>,
}

impl ActionView {
    fn new(row: ActionRow, today: Day) -> ActionView {
        let status = ActionStatus::from_id(&row.status).unwrap_or(ActionStatus::Open);
        ActionView {
            id: row.id,
            raised_on: row.raised_on.to_string(),
            problem: row.problem,
            people: row.people,
            cause_category: row.cause_category,
            cause_kind: row.cause_kind,
            cause: row.cause,
            measures: row.measures,
            owner: row.owner,
            deadline: row.deadline.to_string(),
            criterion: row.criterion,
            status,
            overdue: row.deadline < today && matches!(status, ActionStatus::Open | ActionStatus::NotMet),
            evidence: row.evidence.as_deref().and_then(|e| serde_json::from_str(e).ok()),
            checked_on: row.checked_on.map(|d| d.to_string()),
        }
    }
}

fn one_of(value: &str, field: &'static str, choices: &[&str]) -> Result<String> {
    let value = value.trim().to_ascii_lowercase();
    if choices.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(EngineError::invalid("error.bad_choice", &[("value", &value), ("field", &field), ("choices", &choices.join(", "))]))
    }
}

fn required(value: &str, field: &'static str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() { Err(EngineError::invalid("error.required", &[("field", &field)])) } else { Ok(value.to_string()) }
}

/// Parses a criterion, in the criterion language or in people's words (KPI, team and rep names
/// in either language), and checks that its KPI and scope exist and that `per rep` applies.
pub fn parse_criterion(ctx: &Context, text: &str) -> Result<Criterion> {
    let criterion = Criterion::parse(&canonical(text, ctx)).map_err(|e| EngineError::Criterion(e.clone()))?;
    let kpi = ctx.kpi(&criterion.kpi)?;
    ctx.check_scope(&criterion.scope)?;
    if criterion.basis == RepBasis::PerRep && !kpi.is_additive() {
        return Err(EngineError::invalid("error.per_rep_needs_total", &[("kpi", &kpi.id)]));
    }
    Ok(criterion)
}

/// A stored criterion in a person's words, KPI and scope by name in `lang` (as written, when it
/// no longer reads: a KPI since removed, say).
pub fn criterion_in_words(ctx: &Context, text: &str, lang: Lang) -> String {
    match parse_criterion(ctx, text) {
        Ok(c) => {
            let kpi = ctx.kpi(&c.kpi).map_or_else(|_| c.kpi.clone(), |k| k.name(lang).to_string());
            c.in_words(lang, &kpi, &crate::kpis::scope_name(ctx, &c.scope, lang))
        }
        Err(_) => text.to_string(),
    }
}

/// Records a new action.
pub async fn create(db: &Db, ctx: &Context, new: NewAction, today: Day) -> Result<ActionView> {
    let criterion = parse_criterion(ctx, &new.criterion)?;
    let raised_on = new.raised_on.unwrap_or(today);
    if new.deadline < raised_on {
        return Err(EngineError::invalid("error.deadline_before_raised", &[("deadline", &new.deadline), ("raised", &raised_on)]));
    }
    let mut row = ActionRow {
        id: 0,
        raised_on,
        problem: required(&new.problem, "problem")?,
        people: new.people.trim().to_string(),
        cause_category: one_of(&new.cause_category, "cause_category", &CAUSE_CATEGORIES)?,
        cause_kind: one_of(&new.cause_kind, "cause_kind", &CAUSE_KINDS)?,
        cause: new.cause.trim().to_string(),
        measures: required(&new.measures, "measures")?,
        owner: required(&new.owner, "owner")?,
        deadline: new.deadline,
        criterion: criterion.to_string(),
        status: ActionStatus::Open.id().to_string(),
        evidence: None,
        checked_on: None,
    };
    row.id = db.insert_action(&row).await?;
    Ok(ActionView::new(row, today))
}

/// Changes an action's fields.
pub async fn update(db: &Db, ctx: &Context, id: i64, changes: ActionChanges, today: Day) -> Result<ActionView> {
    let mut row = db.action(id).await?.ok_or_else(|| EngineError::not_found("error.unknown_action", &[("id", &id)]))?;
    let text = |value: Option<String>, field: &'static str, current: &mut String| -> Result<()> {
        if let Some(value) = value {
            *current = required(&value, field)?;
        }
        Ok(())
    };
    text(changes.problem, "problem", &mut row.problem)?;
    text(changes.measures, "measures", &mut row.measures)?;
    text(changes.owner, "owner", &mut row.owner)?;
    if let Some(people) = changes.people {
        row.people = people.trim().to_string();
    }
    if let Some(cause) = changes.cause {
        row.cause = cause.trim().to_string();
    }
    if let Some(category) = changes.cause_category {
        row.cause_category = one_of(&category, "cause_category", &CAUSE_CATEGORIES)?;
    }
    if let Some(kind) = changes.cause_kind {
        row.cause_kind = one_of(&kind, "cause_kind", &CAUSE_KINDS)?;
    }
    if let Some(deadline) = changes.deadline {
        if deadline < row.raised_on {
            return Err(EngineError::invalid("error.deadline_before_raised", &[("deadline", &deadline), ("raised", &row.raised_on)]));
        }
        row.deadline = deadline;
    }
    if let Some(criterion) = changes.criterion {
        row.criterion = parse_criterion(ctx, &criterion)?.to_string();
    }
    if let Some(status) = changes.status {
        row.status = one_of(&status, "status", &[ActionStatus::Open.id(), ActionStatus::Cancelled.id()])?;
        if row.status == ActionStatus::Open.id() {
            row.evidence = None;
            row.checked_on = None;
        }
    }
    db.update_action(&row).await?;
    Ok(ActionView::new(row, today))
}

/// Every action, by deadline.
pub async fn list(db: &Db, today: Day) -> Result<Vec<ActionView>> {
    Ok(db.actions().await?.into_iter().map(|row| ActionView::new(row, today)).collect())
}

/// Evaluates a criterion for an action raised on `raised_on` and due on `deadline`.
pub async fn evaluate(db: &Db, ctx: &Context, criterion: &Criterion, raised_on: Day, deadline: Day) -> Result<Evidence> {
    let kpi = ctx.kpi(&criterion.kpi)?;
    let window = criterion.window(raised_on, deadline, &ctx.calendar);
    let holds = |value: Option<f64>| value.is_some_and(|v| criterion.comparison.holds(v, criterion.threshold));
    let mut evidence = Evidence {
        criterion: criterion.to_string(),
        window: window.label(),
        kpi: kpi.id.clone(),
        value: None,
        comparison: criterion.comparison.symbol().to_string(),
        threshold: criterion.threshold,
        reps: None,
        by_rep: Vec::new(),
        met: false,
    };
    match criterion.basis {
        RepBasis::Scope => {
            evidence.value = values_of(db, ctx, &[kpi], std::slice::from_ref(&criterion.scope), window).await?[0][0];
            evidence.met = holds(evidence.value);
        }
        RepBasis::PerRep => {
            let reps = ctx.sellers_in(&criterion.scope, &window).len();
            let total = values_of(db, ctx, &[kpi], std::slice::from_ref(&criterion.scope), window).await?[0][0];
            evidence.value = total.filter(|_| reps > 0).map(|t| t / reps as f64);
            evidence.reps = Some(reps);
            evidence.met = holds(evidence.value);
        }
        RepBasis::EachRep => {
            let reps = ctx.sellers_in(&criterion.scope, &window);
            let scopes: Vec<Scope> = reps.iter().map(|r| Scope::Rep(r.rep_id.clone())).collect();
            let values = values_of(db, ctx, &[kpi], &scopes, window).await?;
            evidence.by_rep = reps
                .iter()
                .zip(values)
                .map(|(rep, v)| RepEvidence { rep_id: rep.rep_id.clone(), name: rep.name.clone(), value: v[0], met: holds(v[0]) })
                .collect();
            evidence.reps = Some(reps.len());
            evidence.value =
                evidence.by_rep.iter().filter_map(|r| r.value).reduce(|a, b| if criterion.comparison.holds(a, b) { b } else { a });
            evidence.met = !evidence.by_rep.is_empty() && evidence.by_rep.iter().all(|r| r.met);
        }
    }
    Ok(evidence)
}

/// The outcome of checking one action: stored when the action was due, a preview otherwise.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CheckOutcome {
    pub action: ActionView,
    pub stored: bool,
}

/// Checks actions against the data. Without `ids`, every open action: those due by `today`
/// are marked verified or not met with the evidence; the others are previewed. With `ids`,
/// those actions, re-checking ones already checked (after a data correction, say).
pub async fn check(db: &Db, ctx: &Context, today: Day, ids: Option<&[i64]>) -> Result<Vec<CheckOutcome>> {
    check_among(db, ctx, today, db.actions().await?, ids).await
}

/// [`check`] over the actions `rows` only (those a caller may see, read once by the caller).
pub async fn check_among(db: &Db, ctx: &Context, today: Day, rows: Vec<ActionRow>, ids: Option<&[i64]>) -> Result<Vec<CheckOutcome>> {
    if let Some(ids) = ids
        && let Some(missing) = ids.iter().find(|id| !rows.iter().any(|r| r.id == **id))
    {
        return Err(EngineError::not_found("error.unknown_action", &[("id", missing)]));
    }
    let mut outcomes = Vec::new();
    for mut row in rows {
        let wanted = match ids {
            Some(ids) => ids.contains(&row.id) && row.status != ActionStatus::Cancelled.id(),
            None => row.status == ActionStatus::Open.id(),
        };
        if !wanted {
            continue;
        }
        let criterion = parse_criterion(ctx, &row.criterion)?;
        let evidence = evaluate(db, ctx, &criterion, row.raised_on, row.deadline).await?;
        let due = row.deadline <= today;
        row.evidence = serde_json::to_string(&evidence).ok();
        if due {
            row.status = if evidence.met { ActionStatus::Verified } else { ActionStatus::NotMet }.id().to_string();
            row.checked_on = Some(today);
            db.update_action(&row).await?;
        }
        outcomes.push(CheckOutcome { action: ActionView::new(row, today), stored: due });
    }
    Ok(outcomes)
}

/// The evidence as a sentence: `2024-W31: 3.4 (>= 3: met)`.
pub fn evidence_text(ctx: &Context, evidence: &Evidence, lang: Lang) -> String {
    let unit = ctx.kpi(&evidence.kpi).map(|k| k.unit).unwrap_or(salescope_core::kpi::Unit::Count);
    let value = format_value(evidence.value, unit, lang);
    let threshold = format_value(Some(evidence.threshold), unit, lang);
    let verdict = lang.tr(if evidence.met { "action.met" } else { "action.not_met" });
    let mut text = lang.format(
        "action.evidence",
        &[
            ("window", &evidence.window),
            ("value", &value),
            ("comparison", &evidence.comparison),
            ("threshold", &threshold),
            ("verdict", &verdict),
        ],
    );
    let failing: Vec<String> =
        evidence.by_rep.iter().filter(|r| !r.met).map(|r| format!("{} {}", r.name, format_value(r.value, unit, lang))).collect();
    if !failing.is_empty() {
        text.push_str(&lang.format("action.failing_reps", &[("reps", &failing.join(lang.tr("sheet.list_separator")))]));
    }
    text
}

/// The seed's 业绩问题分析与改进表: every action, with its verification.
pub fn actions_sheet(ctx: &Context, actions: &[ActionView], lang: Lang) -> Sheet {
    use CellKind::Text;
    let columns: Vec<SheetColumn> =
        ["date", "problem", "people", "cause", "measures", "owner", "deadline", "verification", "id", "category", "status", "overdue"]
            .into_iter()
            .map(|id| SheetColumn { id, heading: lang.tr(&format!("sheet.actions.{id}")).to_string(), kind: Text, editable: false })
            .collect();
    let rows = actions
        .iter()
        .map(|a| {
            let cause = match a.cause_kind.as_str() {
                "both" => a.cause.clone(),
                kind => {
                    format!("{}{}", lang.tr(&format!("action.kind.{kind}")), lang.format("action.cause_of_kind", &[("cause", &a.cause)]))
                }
            };
            let mut verification = a.criterion.clone();
            if let Some(evidence) = &a.evidence {
                verification = format!("{verification}{}{}", lang.tr("sheet.list_separator"), evidence_text(ctx, evidence, lang));
            }
            let cells = vec![
                Cell::text(a.raised_on.clone()),
                Cell::text(a.problem.clone()),
                Cell::text(a.people.clone()),
                Cell::text(cause),
                Cell::text(a.measures.clone()),
                Cell::text(a.owner.clone()),
                Cell::text(a.deadline.clone()),
                Cell::text(verification),
                Cell::text(a.id.to_string()),
                Cell::text(lang.tr(&format!("action.category.{}", a.cause_category))),
                Cell::text(lang.tr(&format!("action.status.{}", a.status.id()))),
                Cell::text(if a.overdue { lang.tr("action.overdue") } else { "" }),
            ];
            SheetRow { scope: String::new(), period: a.raised_on.clone(), cells }
        })
        .collect();
    Sheet { id: "actions", title: lang.tr("sheet.actions.title").to_string(), scope: "org".into(), period: String::new(), columns, rows }
}
