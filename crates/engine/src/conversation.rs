//! Transcribed calls with their behaviour metrics (C8), for a scope and period: what a manager
//! lists, compares and drills into. The metrics are computed on import (see
//! `salescope_core::conversation`); here they are joined with the call's rep, team and outcome.

use crate::{Context, Result};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::time::Day;
use salescope_store::{Db, TranscribedCall};
use serde::Serialize;

/// One transcribed call. The metric fields carry the names of the definitions.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CallBehaviour {
    pub call_id: String,
    pub rep_id: String,
    pub rep_name: String,
    pub team: String,
    /// `YYYY-MM-DD HH:MM:SS`, in the organisation's time zone.
    pub started_at: String,
    /// `time` (from turn times) or `characters` (no times: talk ratio by characters, the
    /// time-based metrics null).
    pub basis: String,
    pub talk_ratio: Option<f64>,
    pub longest_monologue_seconds: Option<f64>,
    pub longest_customer_story_seconds: Option<f64>,
    pub interactivity_per_minute: Option<f64>,
    pub patience_seconds: Option<f64>,
    pub questions: i64,
    /// Sentiment of the customer's first two and last two turns: above 0 positive.
    pub customer_sentiment_start: Option<f64>,
    pub customer_sentiment_end: Option<f64>,
    /// Ids of the key messages (关键话术) the agent covered.
    pub key_messages: Vec<String>,
    /// How many key messages the agent covered.
    pub key_messages_covered: i64,
    /// Objection categories the customer raised (one per category and turn).
    pub objections: Vec<String>,
    pub objections_raised: i64,
    /// Of them, answered in the agent's next turn.
    pub objections_answered: i64,
    pub filler_words: i64,
    pub competitor_mentions: i64,
    /// `won` or `lost`: the customer's deal with this rep closed within 30 days after the call;
    /// null when none closed.
    pub outcome: Option<String>,
}

/// The transcribed calls of reps in `scope` (in it on the day of the call) started in `period`.
pub async fn calls(db: &Db, ctx: &Context, scope: &Scope, period: &Period) -> Result<Vec<CallBehaviour>> {
    ctx.check_scope(scope)?;
    let rows = db.transcribed_calls(period.start.start(), period.end.plus_days(1).start()).await?;
    Ok(rows.into_iter().filter(|c| ctx.rep_in_scope_on(scope, &c.rep_id, c.started_at.day())).map(|c| behaviour(ctx, c)).collect())
}

fn behaviour(ctx: &Context, c: TranscribedCall) -> CallBehaviour {
    let rep = ctx.rep(&c.rep_id);
    let t = c.row;
    CallBehaviour {
        rep_name: rep.map(|r| r.name.clone()).unwrap_or_default(),
        team: ctx.team_on(&c.rep_id, c.started_at.day()).or(rep.map(|r| r.team.as_str())).unwrap_or_default().to_string(),
        call_id: t.call_id,
        rep_id: c.rep_id,
        started_at: c.started_at.to_string(),
        basis: t.basis,
        talk_ratio: t.talk_ratio,
        longest_monologue_seconds: t.longest_monologue_seconds,
        longest_customer_story_seconds: t.longest_customer_story_seconds,
        interactivity_per_minute: t.interactivity_per_minute,
        patience_seconds: t.patience_seconds,
        questions: t.questions,
        customer_sentiment_start: t.customer_sentiment_start,
        customer_sentiment_end: t.customer_sentiment_end,
        key_messages_covered: list(&t.key_messages).len() as i64,
        key_messages: list(&t.key_messages),
        objections: list(&t.objections).iter().map(|o| o.split(':').next().unwrap_or_default().to_string()).collect(),
        objections_raised: t.objections_raised,
        objections_answered: t.objections_answered,
        filler_words: t.filler_words,
        competitor_mentions: t.competitor_mentions,
        outcome: c.outcome,
    }
}

/// One call for its page: the behaviour, the turns, and each metric's median over the calls of
/// the rep's team in the call's month.
#[derive(Debug, Clone, Serialize)]
pub struct CallDetail {
    pub call: CallBehaviour,
    pub turns: Vec<CallTurn>,
    /// (metric, this call's value, the team's median).
    pub against_team: Vec<(String, Option<f64>, Option<f64>)>,
}

pub async fn call_detail(db: &Db, ctx: &Context, call_id: &str) -> Result<Option<CallDetail>> {
    let Some(found) = db.transcribed_call(call_id).await? else { return Ok(None) };
    let turns = turns_of(&found.row.turns);
    let call = behaviour(ctx, found);
    let month = Period::month_of(salescope_core::time::parse_date(&call.started_at[..10], &Default::default()).unwrap_or(Day(0)));
    let team = Scope::Team(call.team.clone());
    let peers = if ctx.tree.contains(&call.team) { calls(db, ctx, &team, &month).await? } else { Vec::new() };
    let against_team = COMPARED_METRICS
        .iter()
        .map(|&metric| {
            let values: Vec<f64> = peers.iter().filter_map(|c| metric_value(c, metric)).collect();
            (metric.to_string(), metric_value(&call, metric), salescope_core::stats::median(&values))
        })
        .collect();
    Ok(Some(CallDetail { call, turns, against_team }))
}

/// A turn as the call page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CallTurn {
    /// `agent` or `customer`.
    pub speaker: &'static str,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub text: String,
    /// An agent turn that asks a question (counted in `questions`).
    pub asks: bool,
}

/// The stored turns (`[{speaker, start, end, text}]`); a row that does not read gives none.
fn turns_of(json: &str) -> Vec<CallTurn> {
    use salescope_core::conversation::Speaker;
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json) else { return Vec::new() };
    items
        .iter()
        .filter_map(|t| {
            let speaker = Speaker::from_label(t.get("speaker")?.as_str()?)?;
            let text = t.get("text")?.as_str()?.to_string();
            Some(CallTurn {
                speaker: speaker.id(),
                start: t.get("start").and_then(serde_json::Value::as_f64),
                end: t.get("end").and_then(serde_json::Value::as_f64),
                asks: speaker == Speaker::Agent && text.contains(['?', '？']),
                text,
            })
        })
        .collect()
}

fn list(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The calls as a sheet, for CSV and XLSX.
pub fn calls_sheet(calls: &[CallBehaviour], scope: &Scope, period: &Period, lang: Lang) -> Sheet {
    use CellKind::{Count, Number, Text};
    let ids: [(&'static str, CellKind); 21] = [
        ("call_id", Text),
        ("started_at", Text),
        ("rep", Text),
        ("team", Text),
        ("basis", Text),
        ("talk_ratio", Number),
        ("longest_monologue_seconds", Number),
        ("longest_customer_story_seconds", Number),
        ("interactivity_per_minute", Number),
        ("patience_seconds", Number),
        ("questions", Count),
        ("customer_sentiment_start", Number),
        ("customer_sentiment_end", Number),
        ("key_messages", Text),
        ("objections", Text),
        ("objections_raised", Count),
        ("objections_answered", Count),
        ("filler_words", Count),
        ("competitor_mentions", Count),
        ("outcome", Text),
        ("rep_id", Text),
    ];
    let columns = ids
        .iter()
        .map(|(id, kind)| SheetColumn { id, heading: lang.tr(&format!("sheet.calls.{id}")).to_string(), kind: *kind, editable: false })
        .collect();
    let rows = calls
        .iter()
        .map(|c| SheetRow {
            scope: format!("rep:{}", c.rep_id),
            period: c.started_at.clone(),
            cells: vec![
                Cell::text(c.call_id.clone()),
                Cell::text(c.started_at.clone()),
                Cell::text(c.rep_name.clone()),
                Cell::text(c.team.clone()),
                Cell::text(lang.tr(&format!("conversation.basis.{}", c.basis))),
                Cell::number(c.talk_ratio),
                Cell::number(c.longest_monologue_seconds),
                Cell::number(c.longest_customer_story_seconds),
                Cell::number(c.interactivity_per_minute),
                Cell::number(c.patience_seconds),
                Cell::Number(c.questions as f64),
                Cell::number(c.customer_sentiment_start),
                Cell::number(c.customer_sentiment_end),
                Cell::text(c.key_messages.join(", ")),
                Cell::text(c.objections.join(", ")),
                Cell::Number(c.objections_raised as f64),
                Cell::Number(c.objections_answered as f64),
                Cell::Number(c.filler_words as f64),
                Cell::Number(c.competitor_mentions as f64),
                Cell::text(c.outcome.as_deref().map(|o| lang.tr(&format!("conversation.outcome.{o}")).to_string()).unwrap_or_default()),
                Cell::text(c.rep_id.clone()),
            ],
        })
        .collect();
    Sheet {
        id: "calls",
        title: lang.format("sheet.calls.title", &[("scope", &scope.label()), ("period", &period.label())]),
        scope: scope.to_string(),
        period: period.label(),
        columns,
        rows,
    }
}

/// The metrics compared between groups of calls, in the order they are shown.
/// Calls each group needs for a comparison: Welch's test needs two to see any spread.
const MIN_COMPARED_CALLS: usize = 2;

pub const COMPARED_METRICS: [&str; 12] = [
    "talk_ratio",
    "longest_monologue_seconds",
    "longest_customer_story_seconds",
    "interactivity_per_minute",
    "patience_seconds",
    "questions",
    "customer_sentiment_start",
    "customer_sentiment_end",
    "key_messages_covered",
    "objections_raised",
    "filler_words",
    "competitor_mentions",
];

/// The unit a compared metric is measured in, as [`MetricComparison::unit`] names it.
pub fn metric_unit(metric: &str) -> &'static str {
    match metric {
        "talk_ratio" => "ratio",
        "longest_monologue_seconds" | "longest_customer_story_seconds" | "patience_seconds" => "seconds",
        "interactivity_per_minute" => "per_minute",
        "customer_sentiment_start" | "customer_sentiment_end" => "score",
        _ => "count",
    }
}

fn metric_value(call: &CallBehaviour, metric: &str) -> Option<f64> {
    match metric {
        "talk_ratio" => call.talk_ratio,
        "longest_monologue_seconds" => call.longest_monologue_seconds,
        "longest_customer_story_seconds" => call.longest_customer_story_seconds,
        "interactivity_per_minute" => call.interactivity_per_minute,
        "patience_seconds" => call.patience_seconds,
        "questions" => Some(call.questions as f64),
        "customer_sentiment_start" => call.customer_sentiment_start,
        "customer_sentiment_end" => call.customer_sentiment_end,
        "key_messages_covered" => Some(call.key_messages_covered as f64),
        "objections_raised" => Some(call.objections_raised as f64),
        "filler_words" => Some(call.filler_words as f64),
        "competitor_mentions" => Some(call.competitor_mentions as f64),
        _ => None,
    }
}

/// How calls are split into the two groups compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareBy {
    /// Calls whose outcome is won against those lost; calls without an outcome take no part.
    Outcome,
    /// Calls of the top quartile of reps by win rate in the period against the other reps';
    /// reps without a closed deal (no win rate) take no part.
    Performer,
}

impl CompareBy {
    pub fn from_id(id: &str) -> Option<CompareBy> {
        match id.trim() {
            "outcome" => Some(CompareBy::Outcome),
            "performer" => Some(CompareBy::Performer),
            _ => None,
        }
    }

    fn groups(self) -> (&'static str, &'static str) {
        match self {
            CompareBy::Outcome => ("won", "lost"),
            CompareBy::Performer => ("top", "rest"),
        }
    }
}

/// One metric compared between the groups: `difference` is group a − group b, with Welch's 95%
/// interval and p-value.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MetricComparison {
    pub metric: String,
    pub metric_name: String,
    /// The metric's own unit: `ratio` (0–1), `seconds`, `per_minute`, `count` or `score`.
    pub unit: String,
    /// `won` or `top`: the group whose mean is `mean_a`.
    pub group_a: String,
    /// `lost` or `rest`.
    pub group_b: String,
    pub mean_a: Option<f64>,
    pub n_a: usize,
    pub mean_b: Option<f64>,
    pub n_b: usize,
    pub difference: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p_value: Option<f64>,
    /// Whether the interval excludes zero.
    pub detectable: bool,
    /// The finding in words, in the reader's language.
    pub verdict: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub scope: String,
    pub period: String,
    /// `outcome` or `performer`.
    pub by: String,
    /// `won` / `lost`, or `top` / `rest`.
    pub group_a: String,
    pub group_b: String,
    pub calls_a: usize,
    pub calls_b: usize,
    /// With `performer`: the reps of the top quartile.
    pub top_reps: Vec<String>,
    pub metrics: Vec<MetricComparison>,
}

/// Compares the behaviour metrics of two groups of the scope's transcribed calls.
pub async fn compare(db: &Db, ctx: &Context, scope: &Scope, period: &Period, by: CompareBy, lang: Lang) -> Result<Comparison> {
    let all = calls(db, ctx, scope, period).await?;
    let mut top_reps = Vec::new();
    let (a, b): (Vec<&CallBehaviour>, Vec<&CallBehaviour>) = match by {
        CompareBy::Outcome => (
            all.iter().filter(|c| c.outcome.as_deref() == Some("won")).collect(),
            all.iter().filter(|c| c.outcome.as_deref() == Some("lost")).collect(),
        ),
        CompareBy::Performer => {
            let mut reps: Vec<String> = all.iter().map(|c| c.rep_id.clone()).collect();
            reps.sort();
            reps.dedup();
            let scopes: Vec<Scope> = reps.iter().map(|r| Scope::Rep(r.clone())).collect();
            let win_rate = ctx.kpi("win_rate")?;
            let values = crate::targets::values_of(db, ctx, &[win_rate], &scopes, *period).await?;
            let mut ranked: Vec<(String, f64)> = reps.into_iter().zip(values).filter_map(|(rep, v)| Some((rep, v[0]?))).collect();
            ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let cut = ranked.len().div_ceil(4);
            let threshold = ranked.get(cut.saturating_sub(1)).map(|r| r.1);
            top_reps = ranked.iter().filter(|r| threshold.is_some_and(|t| r.1 >= t)).map(|r| r.0.clone()).collect();
            let rest: Vec<&String> = ranked.iter().map(|r| &r.0).filter(|r| !top_reps.contains(r)).collect();
            (all.iter().filter(|c| top_reps.contains(&c.rep_id)).collect(), all.iter().filter(|c| rest.contains(&&c.rep_id)).collect())
        }
    };
    let (group_a, group_b) = by.groups();
    let metrics = COMPARED_METRICS
        .iter()
        .map(|&metric| {
            let values = |group: &[&CallBehaviour]| group.iter().filter_map(|c| metric_value(c, metric)).collect::<Vec<f64>>();
            let (va, vb) = (values(&a), values(&b));
            let welch = salescope_core::stats::Welch::test(&va, &vb);
            let enough = va.len() >= MIN_COMPARED_CALLS && vb.len() >= MIN_COMPARED_CALLS;
            let (mean_a, mean_b) = (salescope_core::stats::mean(&va), salescope_core::stats::mean(&vb));
            // (difference, 95% interval, p): Welch's; or, when neither group varies (every call
            // without a competitor mention, say), the difference of the constants, exact.
            let tested = match (&welch, mean_a, mean_b) {
                (Some(w), _, _) => Some((w.difference, w.ci_low, w.ci_high, Some(w.p_value))),
                (None, Some(a), Some(b)) if enough => Some((a - b, a - b, a - b, None)),
                _ => None,
            };
            let detectable = tested.is_some_and(|(_, low, high, _)| low > 0.0 || high < 0.0);
            let metric_name = lang.tr(&format!("sheet.calls.{metric}")).to_string();
            let name_a = lang.tr(&format!("conversation.group.{group_a}")).to_string();
            let name_b = lang.tr(&format!("conversation.group.{group_b}")).to_string();
            let verdict = match tested {
                None => lang.tr("conversation.verdict.too_few").to_string(),
                Some(_) if !detectable => lang.tr("conversation.verdict.no_difference").to_string(),
                Some((difference, ..)) => {
                    let key = if difference > 0.0 { "conversation.verdict.higher" } else { "conversation.verdict.lower" };
                    let metric_words = lang.tr(&format!("conversation.metric.{metric}")).to_string();
                    lang.format(key, &[("a", &name_a), ("b", &name_b), ("metric", &metric_words)])
                }
            };
            MetricComparison {
                metric: metric.to_string(),
                metric_name,
                unit: metric_unit(metric).to_string(),
                group_a: group_a.to_string(),
                group_b: group_b.to_string(),
                mean_a,
                n_a: va.len(),
                mean_b,
                n_b: vb.len(),
                difference: tested.map(|t| t.0),
                ci_low: tested.map(|t| t.1),
                ci_high: tested.map(|t| t.2),
                p_value: tested.and_then(|t| t.3),
                detectable,
                verdict,
            }
        })
        .collect();
    Ok(Comparison {
        scope: scope.to_string(),
        period: period.label(),
        by: match by {
            CompareBy::Outcome => "outcome",
            CompareBy::Performer => "performer",
        }
        .to_string(),
        group_a: group_a.to_string(),
        group_b: group_b.to_string(),
        calls_a: a.len(),
        calls_b: b.len(),
        top_reps,
        metrics,
    })
}

/// A p-value as people read it: three decimals, or `< 0.001`.
fn p_value_text(p: f64) -> String {
    if p < 0.001 { "< 0.001".to_string() } else { format!("{p:.3}") }
}

/// A comparison as a sheet, for the terminal, CSV and XLSX.
pub fn comparison_sheet(comparison: &Comparison, lang: Lang) -> Sheet {
    use CellKind::{Count, Number, Text};
    let a = lang.tr(&format!("conversation.group.{}", comparison.group_a)).to_string();
    let b = lang.tr(&format!("conversation.group.{}", comparison.group_b)).to_string();
    let heading = |id: &str| lang.format(&format!("sheet.compare.{id}"), &[("a", &a), ("b", &b)]);
    let ids: [(&'static str, CellKind); 10] = [
        ("metric", Text),
        ("mean_a", Number),
        ("n_a", Count),
        ("mean_b", Number),
        ("n_b", Count),
        ("difference", Number),
        ("ci_low", Number),
        ("ci_high", Number),
        ("p_value", Text),
        ("verdict", Text),
    ];
    let columns = ids.iter().map(|(id, kind)| SheetColumn { id, heading: heading(id), kind: *kind, editable: false }).collect();
    let rows = comparison
        .metrics
        .iter()
        .map(|m| SheetRow {
            scope: comparison.scope.clone(),
            period: comparison.period.clone(),
            cells: vec![
                Cell::text(m.metric_name.clone()),
                Cell::number(m.mean_a),
                Cell::Number(m.n_a as f64),
                Cell::number(m.mean_b),
                Cell::Number(m.n_b as f64),
                Cell::number(m.difference),
                Cell::number(m.ci_low),
                Cell::number(m.ci_high),
                Cell::text(m.p_value.map(p_value_text).unwrap_or_default()),
                Cell::text(m.verdict.clone()),
            ],
        })
        .collect();
    Sheet {
        id: "compare",
        title: lang.format(
            "sheet.compare.title",
            &[("a", &a), ("b", &b), ("calls_a", &comparison.calls_a), ("calls_b", &comparison.calls_b), ("period", &comparison.period)],
        ),
        scope: comparison.scope.clone(),
        period: comparison.period.clone(),
        columns,
        rows,
    }
}
