//! Best time to call: the connect rate of each weekday × hour cell over a period, from the
//! per-hour call totals kept on ingest.

use crate::{Context, Result};
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_store::Db;
use serde::Serialize;

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
    for (rep, day, hour, calls, connected) in db.call_hours(period.start, period.end).await? {
        if !ctx.rep_in_scope_on(scope, &rep, day) {
            continue;
        }
        let cell = &mut cells[((day.iso_weekday() - 1) * 24 + hour.min(23)) as usize];
        cell.calls += calls;
        cell.connected += connected;
    }
    for cell in &mut cells {
        cell.connect_rate = (cell.calls > 0).then(|| cell.connected as f64 / cell.calls as f64 * 100.0);
    }
    Ok(cells)
}
