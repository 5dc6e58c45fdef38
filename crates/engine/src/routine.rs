//! What the server does once a day, in the organisation's time zone: put reps behind pace on
//! daily tracking (and take off those who recovered) by the organisation's tracking rule, and
//! mark the improvement actions that fell due as verified or not met.

use crate::Context;
use crate::Result;
use crate::actions::{CheckOutcome, check};
use crate::targets::{TrackingEntry, update_tracking};
use salescope_core::time::Day;
use salescope_store::Db;

/// Where the last day the routine ran is kept, so that a restart or a second server does not
/// run it twice.
const LAST_RUN_KEY: &str = "daily_routine.last_day";

#[derive(Debug)]
pub struct DailyRun {
    pub day: Day,
    pub tracking: Vec<TrackingEntry>,
    /// Actions due and now marked; open actions not yet due are left out.
    pub actions: Vec<CheckOutcome>,
}

/// Runs the routine for `today` unless it already ran for `today` or a later day.
pub async fn run_daily(db: &Db, today: Day) -> Result<Option<DailyRun>> {
    let last = db.internal(LAST_RUN_KEY).await?.and_then(|text| text.parse::<i32>().ok());
    if last.is_some_and(|last| last >= today.0) {
        return Ok(None);
    }
    db.set_internal(LAST_RUN_KEY, &today.0.to_string()).await?;
    let rule = db.settings().await?.tracking;
    let ctx = Context::load(db).await?;
    let tracking = update_tracking(db, &ctx, today, &rule).await?;
    let actions = check(db, &ctx, today, None).await?.into_iter().filter(|outcome| outcome.stored).collect();
    Ok(Some(DailyRun { day: today, tracking, actions }))
}
