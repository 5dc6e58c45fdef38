//! Transcribed calls with their behaviour metrics (C8), for a scope and period: what a manager
//! lists, compares and drills into. The metrics are computed on import (see
//! `salescope_core::conversation`); here they are joined with the call's rep, team and outcome.

use crate::{Context, Result};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_store::Db;
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
    /// `won` or `lost`: the customer's deal with this rep closed within 30 days after the call;
    /// null when none closed.
    pub outcome: Option<String>,
}

/// The transcribed calls of reps in `scope` (in it on the day of the call) started in `period`.
pub async fn calls(db: &Db, ctx: &Context, scope: &Scope, period: &Period) -> Result<Vec<CallBehaviour>> {
    ctx.check_scope(scope)?;
    let rows = db.transcribed_calls(period.start.start(), period.end.plus_days(1).start()).await?;
    Ok(rows
        .into_iter()
        .filter(|c| ctx.rep_in_scope_on(scope, &c.rep_id, c.started_at.day()))
        .map(|c| {
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
                outcome: c.outcome,
            }
        })
        .collect())
}

/// The calls as a sheet, for CSV and XLSX.
pub fn calls_sheet(calls: &[CallBehaviour], scope: &Scope, period: &Period, lang: Lang) -> Sheet {
    use CellKind::{Count, Number, Text};
    let ids: [(&'static str, CellKind); 13] = [
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
