//! The data-quality audit on the organisation of `common`, on SQLite and PostgreSQL: what the
//! records show per rep and day, worked out by hand from its calls and deals.

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::records::DailyReport;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::audit::{reconcile, reconcile_sheet, record_check, sample};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

fn report(rep: &str, date: Day, new_customers: i64, followups: i64, amount: i64) -> DailyReport {
    DailyReport {
        rep_id: rep.into(),
        date,
        new_customers,
        followups,
        followup_notes: (followups > 0).then(|| "回访".into()),
        deal_amount: amount * 100,
        contract_nos: (amount > 0).then(|| "HT-1".into()),
        missed_reason: None,
        next_day_plan: None,
        flags: String::new(),
    }
}

/// R1 reports honestly on 1 and 5 July but claims 5 follow-ups on 2 July, when the records
/// show one (C3, to K1, reached the day before). R2 claims ¥8,000 that no deal backs.
async fn with_reports(db: &Db) {
    organisation(db).await;
    let reports = vec![
        report("R1", day(7, 1), 1, 0, 0),
        report("R1", day(7, 2), 0, 5, 0),
        report("R1", day(7, 5), 0, 0, 10_000),
        report("R2", day(7, 1), 1, 0, 8_000),
    ];
    db.write(reports, &WriteContext { today: day(7, 31), counted: false }).await.expect("reports");
}

#[tokio::test]
async fn reported_figures_are_reconciled_with_the_calls_and_deals_of_the_same_days() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reports(db).await;
        let ctx = Context::load(db).await.expect("context");
        let week = Period::parse("2024-W27").expect("week");
        let rows = reconcile(db, &ctx, &Scope::Team("销售一部".into()), &week, 20.0).await.expect("reconcile");
        assert_eq!(rows.len(), 2);
        let r1 = &rows[0];
        assert_eq!((r1.rep_id.as_str(), r1.days_reported), ("R1", 3));
        // New customers: K1 on 1 July (R1 never reached K3's day, 3 July, in a report).
        assert_eq!((r1.new_customers.reported, r1.new_customers.recorded, r1.new_customers.flagged), (1.0, 1.0, false));
        // Follow-ups: C3 on 2 July only.
        assert_eq!((r1.followups.reported, r1.followups.recorded, r1.followups.flagged), (5.0, 1.0, true));
        assert_eq!(r1.followups.difference_pct, Some(400.0));
        // D1 closed on 5 July for ¥10,000, as reported.
        assert_eq!((r1.deal_amount.reported, r1.deal_amount.recorded, r1.deal_amount.flagged), (10_000.0, 10_000.0, false));
        assert!(r1.flagged);
        let r2 = &rows[1];
        // K2 was dialled by R1 on 1 July without an answer, so R2 reached it first.
        assert_eq!((r2.new_customers.recorded, r2.followups.recorded), (1.0, 0.0));
        assert_eq!((r2.deal_amount.recorded, r2.deal_amount.difference_pct, r2.deal_amount.flagged), (0.0, None, true));

        // A looser tolerance still flags a difference of four follow-ups on one.
        let loose = reconcile(db, &ctx, &Scope::Rep("R1".into()), &week, 300.0).await.expect("reconcile");
        assert!(loose[0].followups.flagged);
        let looser = reconcile(db, &ctx, &Scope::Rep("R1".into()), &week, 400.0).await.expect("reconcile");
        assert!(!looser[0].followups.flagged);

        let sheet = reconcile_sheet(&rows, &Scope::Team("销售一部".into()), &week, Lang::ZhCn);
        let flagged: Vec<&str> = sheet.rows.iter().filter_map(|r| sheet.cell(r, "flagged").and_then(|c| c.as_text())).collect();
        assert_eq!(flagged, ["跟进次数", "成交金额"]);
    })
    .await;
}

#[tokio::test]
async fn samples_are_reproducible_and_checks_are_recorded_against_filed_reports() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reports(db).await;
        let ctx = Context::load(db).await.expect("context");
        let (team, week) = (Scope::Team("销售一部".into()), Period::parse("2024-W27").expect("week"));
        let first = sample(db, &ctx, &team, &week, 50.0).await.expect("sample");
        let again = sample(db, &ctx, &team, &week, 50.0).await.expect("sample");
        assert_eq!(first.len(), 2, "half of four reports");
        assert_eq!(first, again, "the same sample every time");
        assert_eq!(sample(db, &ctx, &team, &week, 100.0).await.expect("sample").len(), 4);
        assert_eq!(sample(db, &ctx, &team, &week, 1.0).await.expect("sample").len(), 1, "at least one report is drawn");
        let everything = sample(db, &ctx, &team, &week, 100.0).await.expect("sample");
        let july_2 = everything.iter().find(|s| s.rep_id == "R1" && s.date == "2024-07-02").expect("drawn");
        assert_eq!((july_2.reported.followups, july_2.recorded.followups), (5, 1));

        record_check(db, &ctx, "R1", day(7, 2), "discrepancy", "张主管", "通话记录只有一次跟进").await.expect("check");
        let checked = sample(db, &ctx, &team, &week, 100.0).await.expect("sample");
        let july_2 = checked.iter().find(|s| s.rep_id == "R1" && s.date == "2024-07-02").expect("drawn");
        assert_eq!((july_2.result.as_deref(), july_2.checked_by.as_deref()), (Some("discrepancy"), Some("张主管")));

        let error = record_check(db, &ctx, "R1", day(7, 3), "confirmed", "张主管", "").await.expect_err("no report that day");
        assert_eq!(error.code(), "not_found");
        let error = record_check(db, &ctx, "R1", day(7, 2), "fine", "张主管", "").await.expect_err("unknown result");
        assert!(error.message(Lang::En).contains("confirmed, discrepancy"), "{}", error.message(Lang::En));
        let error = sample(db, &ctx, &team, &Period::parse("2024-Q3").expect("quarter"), 30.0).await.expect_err("too long");
        assert_eq!(error.code(), "invalid_request");
    })
    .await;
}
