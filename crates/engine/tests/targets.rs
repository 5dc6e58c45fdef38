//! Targets on awkward days, on SQLite and on PostgreSQL: splits by the last complete period
//! with a floor for reps without history, weeks across two months, and daily tracking that
//! waits for enough working days and counts a new hire's pace from the hire date. The
//! organisation is `common`'s (July 2024, its figures worked out there) with the reps each test
//! adds.

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::records::{DealStatus, Rep};
use salescope_core::scope::Scope;
use salescope_core::settings::TrackingRule;
use salescope_core::sheet::Cell;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::reports::{SheetKind, review_sheet};
use salescope_engine::targets::{ShareBy, SplitInto, TrackingChange, last_complete, set, split, update_tracking};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

fn hired(id: &str, team: &str, on: Day) -> Rep {
    Rep { hire_date: Some(on), ..rep(id, team, None) }
}

async fn add_reps(db: &Db, reps: Vec<Rep>) {
    db.write(reps, &WriteContext { today: day(8, 31), counted: false }).await.expect("reps");
}

fn period(text: &str) -> Period {
    Period::parse(text).expect("period")
}

fn parts(rows: Vec<salescope_store::TargetRow>) -> Vec<(String, f64)> {
    rows.into_iter().map(|t| (t.scope, t.value)).collect()
}

#[test]
fn the_last_complete_period_skips_the_one_still_in_progress() {
    // On 20 July, July has not ended: August's last complete month is June. On 1 August, July.
    assert_eq!(last_complete(&period("2024-08"), day(7, 20)).label(), "2024-06");
    assert_eq!(last_complete(&period("2024-08"), day(8, 1)).label(), "2024-07");
    // Splitting the month in progress: the month before has ended.
    assert_eq!(last_complete(&period("2024-07"), day(7, 20)).label(), "2024-06");
    assert_eq!(last_complete(&period("2024-W30"), day(7, 24)).label(), "2024-W29");
}

#[tokio::test]
async fn a_split_by_last_period_gives_new_hires_and_reps_without_sales_half_an_even_share_prorated() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        // R6 sold nothing in July (a long leave); R4 joins 一部 on 12 August.
        add_reps(db, vec![rep("R6", "销售一部", None), hired("R4", "销售一部", Day::from_ymd(2024, 8, 12).expect("date"))]).await;
        let ctx = Context::load(db).await.expect("context");
        let team = Scope::Team("销售一部".into());
        let august = period("2024-08");
        set(db, &ctx, "revenue", &team, &august, 616_000.0).await.expect("set");
        let ctx = Context::load(db).await.expect("context");
        // On 1 August July is complete: R1 sold 12,000 and R2 30,000 there (R3 is in 二部 now).
        // August has 22 working days, R4 can sell 15 of them (12–30 August). Even share
        // 616,000 / 4 = 154,000, floor half of it: R6 77,000, R4 77,000 × 15 / 22 = 52,500. R1
        // and R2 share the other 486,500 as 12,000 : 30,000 = 139,000 : 347,500.
        let rows = split(db, &ctx, "revenue", &team, &august, SplitInto::Reps, &ShareBy::LastPeriod, day(8, 1)).await.expect("split");
        assert_eq!(
            parts(rows),
            vec![
                ("rep:R1".to_string(), 139_000.0),
                ("rep:R2".to_string(), 347_500.0),
                ("rep:R4".to_string(), 52_500.0),
                ("rep:R6".to_string(), 77_000.0)
            ]
        );
        // Split on 20 July, July is still in progress and June is the last complete month, when
        // nobody sold: the shares follow the working days each can sell, 22 : 22 : 15 : 22 of
        // 81. 616,000 × 22 / 81 = 167,308.64 (three reps), × 15 / 81 = 114,074.07; whole units,
        // the two spare to the largest remainders in order: R1 and R2.
        let rows = split(db, &ctx, "revenue", &team, &august, SplitInto::Reps, &ShareBy::LastPeriod, day(7, 20)).await.expect("split");
        assert_eq!(
            parts(rows),
            vec![
                ("rep:R1".to_string(), 167_309.0),
                ("rep:R2".to_string(), 167_309.0),
                ("rep:R4".to_string(), 114_074.0),
                ("rep:R6".to_string(), 167_308.0)
            ]
        );
        // July's split leaves R4 out: hired after July.
        set(db, &ctx, "revenue", &team, &period("2024-07"), 90_000.0).await.expect("set");
        let ctx = Context::load(db).await.expect("context");
        let rows = split(db, &ctx, "revenue", &team, &period("2024-07"), SplitInto::Reps, &ShareBy::Even, day(7, 1)).await.expect("split");
        assert_eq!(parts(rows).into_iter().map(|(s, _)| s).collect::<Vec<_>>(), vec!["rep:R1", "rep:R2", "rep:R3", "rep:R6"]);
    })
    .await;
}

#[tokio::test]
async fn a_week_across_two_months_takes_its_part_of_each_months_target() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        let org = Scope::Org;
        // March 2025 has 21 working days; April 22 (21 weekdays less Qingming on Friday the 4th,
        // plus the make-up Sunday the 27th).
        set(db, &ctx, "revenue", &org, &period("2025-03"), 210_000.0).await.expect("set");
        set(db, &ctx, "revenue", &org, &period("2025-04"), 330_000.0).await.expect("set");
        set(db, &ctx, "connect_rate", &org, &period("2025-03"), 30.0).await.expect("set");
        set(db, &ctx, "connect_rate", &org, &period("2025-04"), 40.0).await.expect("set");
        set(db, &ctx, "new_customers", &org, &period("2025-03"), 21.0).await.expect("set");
        let ctx = Context::load(db).await.expect("context");
        let week = period("2025-W14");
        assert_eq!((week.start, week.end), (Day::from_ymd(2025, 3, 31).expect("date"), Day::from_ymd(2025, 4, 6).expect("date")));
        let target = |kpi: &str| ctx.target(ctx.kpi(kpi).expect("kpi"), &org, &week);
        // Monday 31 March is 1 of March's 21 working days: 210,000 / 21 = 10,000. 1–6 April has
        // 3 (the 4th is Qingming, the 5th and 6th the weekend): 330,000 × 3 / 22 = 45,000.
        assert_eq!(target("revenue"), Some(55_000.0));
        // A rate: the months' targets weighted by the week's working days in each,
        // (30 × 1 + 40 × 3) / 4 = 37.5.
        assert_eq!(target("connect_rate"), Some(37.5));
        // April has no new-customer target: the week has none either.
        assert_eq!(target("new_customers"), None);
        // A week inside one month is still its working-day share: 2025-W15 (7–11 April, 5 days).
        assert_eq!(ctx.target(ctx.kpi("revenue").expect("kpi"), &org, &period("2025-W15")), Some(75_000.0));
        // The weekly review sheet of that week shows it.
        let sheet = review_sheet(db, &ctx, SheetKind::Weekly, &org, &week, Day::from_ymd(2025, 4, 30).expect("date"), Lang::En)
            .await
            .expect("sheet");
        let row = sheet.row("org", "2025-W14").expect("the organisation's row");
        assert_eq!(sheet.cell(row, "target").and_then(Cell::as_number), Some(55_000.0));
    })
    .await;
}

#[tokio::test]
async fn daily_tracking_waits_for_enough_working_days_and_judges_a_new_hire_from_the_hire_date() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        // R4 joins on 16 July and wins 6,000 on the 18th; R5, hired in 2023, records nothing.
        add_reps(db, vec![hired("R4", "销售一部", day(7, 16)), rep("R5", "销售一部", None)]).await;
        let ctx = WriteContext { today: day(7, 31), counted: false };
        db.write(vec![deal("D6", "R4", "K7", day(7, 16), day(7, 18), DealStatus::Won, 6_000)], &ctx).await.expect("deal");
        let ctx = Context::load(db).await.expect("context");
        let july = period("2024-07");
        for (rep, target) in [("R1", 100_000.0), ("R2", 30_000.0), ("R4", 12_000.0), ("R5", 10_000.0)] {
            set(db, &ctx, "revenue", &Scope::Rep(rep.into()), &july, target).await.expect("set");
        }
        let ctx = Context::load(db).await.expect("context");
        let rule = TrackingRule::default();
        // July 2024 has 23 working days: nobody is judged before max(3, ⌈25 % × 23⌉) = 6 have
        // passed. On Tuesday 2 July, the 2nd, R1 and R5 have nothing yet and are left alone.
        assert_eq!(update_tracking(db, &ctx, day(7, 2), &rule).await.expect("update"), vec![]);
        assert_eq!(update_tracking(db, &ctx, day(7, 5), &rule).await.expect("update"), vec![]);
        // Monday 22 July is the 16th working day. R1: 12,000 × 23 / 16 = 17,250, 17.25 % of
        // 100,000. R2: 30,000 × 23 / 16 = 43,125, 143.75 %. R5: nothing, 0 %. R4's own part of
        // July is 16–31 July, 12 working days, 5 of them passed (16–19, 22; min max(3, 3) = 3):
        // 6,000 × 12 / 5 = 14,400, 120 % of 12,000 — not behind (from 1 July it would be
        // 6,000 × 23 / 16 = 8,625, 71.9 %).
        let entries = update_tracking(db, &ctx, day(7, 22), &rule).await.expect("update");
        let seen: Vec<(&str, TrackingChange, Option<f64>)> =
            entries.iter().map(|e| (e.rep_id.as_str(), e.change, e.projected_attainment.map(|a| (a * 1e6).round() / 1e6))).collect();
        assert_eq!(seen, vec![("R1", TrackingChange::Started, Some(17.25)), ("R5", TrackingChange::Started, Some(0.0))]);
        // R4 on 17 July has 2 of their 12 working days behind them: not judged yet, whatever
        // their pace.
        let early = TrackingRule { threshold: 200.0, ..TrackingRule::default() };
        let entries = update_tracking(db, &ctx, day(7, 17), &early).await.expect("update");
        assert!(entries.iter().all(|e| e.rep_id != "R4"), "{entries:?}");
    })
    .await;
}

#[tokio::test]
async fn nobody_is_tracked_on_a_target_anyone_meets() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        // A target of ¥0, as a split once gave a rep without history, is met by anyone.
        set(db, &ctx, "revenue", &Scope::Rep("R3".into()), &period("2024-07"), 0.0).await.expect("set");
        let ctx = Context::load(db).await.expect("context");
        assert_eq!(update_tracking(db, &ctx, day(7, 22), &TrackingRule::default()).await.expect("update"), vec![]);
    })
    .await;
}
