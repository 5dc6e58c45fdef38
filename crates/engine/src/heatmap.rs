//! Best time to call: the connect rate of each weekday × hour cell over a period, from the
//! per-hour call totals kept on ingest.

use crate::{Context, Result};
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_store::Db;
use serde::Serialize;
use std::collections::BTreeMap;

/// One weekday × hour cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HeatCell {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    /// 0–23, in the organisation's time zone.
    pub hour: u32,
    /// Calls started in the cell, in both directions.
    pub calls: i64,
    pub connected: i64,
    /// connected / calls, in %; none without calls.
    pub connect_rate: Option<f64>,
}

/// The 7 × 24 cells of a scope and period, Monday 0:00 first; calls count for the team their rep
/// was in on the day.
pub async fn call_heatmap(db: &Db, ctx: &Context, scope: &Scope, period: &Period) -> Result<Vec<HeatCell>> {
    ctx.check_scope(scope)?;
    let mut cells: Vec<HeatCell> = (0..7 * 24).map(|i| HeatCell { weekday: i / 24 + 1, hour: i % 24, ..HeatCell::default() }).collect();
    for ((first, last), reps) in days_in_scope(ctx, scope, period) {
        for (day, hour, calls, connected) in db.call_hours_of(&reps, first, last).await? {
            let cell = &mut cells[((day.iso_weekday() - 1) * 24 + hour.min(23)) as usize];
            cell.calls += calls;
            cell.connected += connected;
        }
    }
    for cell in &mut cells {
        cell.connect_rate = (cell.calls > 0).then(|| cell.connected as f64 / cell.calls as f64 * 100.0);
    }
    Ok(cells)
}

/// The reps of the scope grouped by the runs of consecutive days of the period on which they
/// belonged to it: usually one run, the whole period, shared by every rep, so that the store sums
/// their cells in one query. Every rep with calls is in the organisation's reps: the import
/// refuses calls of unknown reps, and reps are never deleted.
fn days_in_scope<'a>(ctx: &'a Context, scope: &Scope, period: &Period) -> BTreeMap<(Day, Day), Vec<&'a str>> {
    let test = ctx.scope_test(scope);
    let mut runs: BTreeMap<(Day, Day), Vec<&str>> = BTreeMap::new();
    for rep in &ctx.structure.reps {
        let in_scope = test.rep(&rep.rep_id);
        let mut run: Option<(Day, Day)> = None;
        for day in (period.start.0..=period.end.0).map(Day) {
            if in_scope.on(day) {
                run = Some(run.map_or((day, day), |(first, _)| (first, day)));
            } else if let Some(done) = run.take() {
                runs.entry(done).or_default().push(&rep.rep_id);
            }
        }
        if let Some(run) = run {
            runs.entry(run).or_default().push(&rep.rep_id);
        }
    }
    runs
}
