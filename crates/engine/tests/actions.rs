//! Improvement actions on the organisation of `common`, on SQLite and PostgreSQL: criteria
//! checked on the deadline with hand-worked evidence, previews before it, overdue flags.

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::actions::{ActionChanges, ActionStatus, NewAction, actions_sheet, check, create, list, update};
use salescope_store::Db;
use salescope_store::testing::{TestDb, each_backend};

fn action(criterion: &str, raised: Day, deadline: Day) -> NewAction {
    NewAction {
        raised_on: Some(raised),
        problem: "新客户开发数量连续2周不达标".into(),
        people: "销售一部全体".into(),
        cause_category: "ability".into(),
        cause_kind: "subjective".into(),
        cause: "新员工客户开拓技巧不足".into(),
        measures: "安排“新客户开发技巧”专项培训，老员工一对一带教".into(),
        owner: "销售经理".into(),
        deadline,
        criterion: criterion.into(),
    }
}

async fn add(db: &Db, criterion: &str, raised: Day, deadline: Day) -> i64 {
    let ctx = Context::load(db).await.expect("context");
    create(db, &ctx, action(criterion, raised, deadline), day(7, 20)).await.expect("create").id
}

#[tokio::test]
async fn actions_are_verified_or_not_met_on_their_deadline_with_the_evidence() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        // Due Monday 15 July: the week checked is 8–14 July, when 一部 (R1, R2, R3) won K2 and
        // K4 as new customers: 2 ÷ 3 reps < 1.
        let weekly = add(db, "new_customers per rep per week >= 1 for team:销售一部", day(7, 4), day(7, 15)).await;
        // 一部's July revenue is 47,000.
        let revenue = add(db, "revenue >= 40000 for team:销售一部 in 2024-07", day(7, 1), day(7, 19)).await;
        // Connect rates: R1 2/3, R2 1/2, R3 2/2 — R2 falls short.
        let each = add(db, "connect_rate for each rep >= 60 for team:销售一部", day(7, 1), day(7, 19)).await;
        // Not due until the end of July: previewed, not marked.
        let later = add(db, "won_deals >= 3", day(7, 1), day(7, 31)).await;

        let ctx = Context::load(db).await.expect("context");
        let outcomes = check(db, &ctx, day(7, 20), None).await.expect("check");
        assert_eq!(outcomes.len(), 4);
        let outcome = |id: i64| outcomes.iter().find(|o| o.action.id == id).expect("checked");

        let w = outcome(weekly);
        assert!(w.stored);
        assert_eq!(w.action.status, ActionStatus::NotMet);
        let evidence = w.action.evidence.as_ref().expect("evidence");
        assert_eq!((evidence.window.as_str(), evidence.reps), ("2024-W28", Some(3)));
        assert!((evidence.value.unwrap_or_default() - 2.0 / 3.0).abs() < 1e-9);
        assert!(w.action.overdue, "not met and past the deadline");

        let r = outcome(revenue);
        assert_eq!(r.action.status, ActionStatus::Verified);
        assert_eq!(r.action.evidence.as_ref().and_then(|e| e.value), Some(47_000.0));
        assert!(!r.action.overdue);

        let e = outcome(each);
        assert_eq!(e.action.status, ActionStatus::NotMet);
        let by_rep = &e.action.evidence.as_ref().expect("evidence").by_rep;
        let failing: Vec<&str> = by_rep.iter().filter(|r| !r.met).map(|r| r.rep_id.as_str()).collect();
        assert_eq!(failing, ["R2"]);
        assert_eq!(e.action.evidence.as_ref().and_then(|e| e.value), Some(50.0), "the furthest from the threshold");

        let l = outcome(later);
        assert!(!l.stored);
        assert_eq!(l.action.status, ActionStatus::Open);
        assert_eq!(l.action.evidence.as_ref().and_then(|e| e.value), Some(4.0), "D1, D2, D3 and D5");

        // What was stored stays; the preview was not.
        let listed = list(db, day(7, 20)).await.expect("list");
        let status = |id: i64| listed.iter().find(|a| a.id == id).map(|a| a.status);
        assert_eq!(status(weekly), Some(ActionStatus::NotMet));
        assert_eq!(status(later), Some(ActionStatus::Open));
        assert!(listed.iter().find(|a| a.id == later).is_some_and(|a| a.evidence.is_none()));

        // A second check leaves checked actions alone; asking by id re-checks them.
        let again = check(db, &ctx, day(7, 21), None).await.expect("check");
        assert_eq!(again.iter().map(|o| o.action.id).collect::<Vec<_>>(), [later]);
        let rechecked = check(db, &ctx, day(7, 21), Some(&[weekly])).await.expect("recheck");
        assert_eq!(rechecked[0].action.checked_on.as_deref(), Some("2024-07-21"));

        let sheet = actions_sheet(&ctx, &listed, Lang::ZhCn);
        let headings: Vec<&str> = sheet.columns.iter().take(8).map(|c| c.heading.as_str()).collect();
        assert_eq!(
            headings,
            ["日期", "问题描述", "涉及人员/部门", "原因分析（主观/客观）", "改进措施", "责任人", "完成时限", "效果验证（后续跟踪）"]
        );
        let first = &sheet.rows[0];
        assert_eq!(sheet.cell(first, "cause").and_then(|c| c.as_text()), Some("主观：新员工客户开拓技巧不足"));
        let verification = sheet.cell(first, "verification").and_then(|c| c.as_text()).unwrap_or_default();
        assert!(verification.contains("2024-W28：0.7（>= 1：未达成）"), "{verification}");
    })
    .await;
}

#[tokio::test]
async fn actions_are_updated_cancelled_and_their_criteria_checked_when_written() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        let bad = |criterion: &str| action(criterion, day(7, 1), day(7, 31));
        let error = create(db, &ctx, bad("new_customers per rep 3"), day(7, 1)).await.expect_err("no comparison");
        assert_eq!(error.code(), "bad_criterion");
        assert!(error.message(Lang::ZhCn).contains("应为比较符"), "{}", error.message(Lang::ZhCn));
        let error = create(db, &ctx, bad("new_customer >= 3"), day(7, 1)).await.expect_err("unknown KPI");
        assert_eq!(error.code(), "unknown_kpi");
        let error = create(db, &ctx, bad("conversion_rate per rep >= 3 for team:销售一部"), day(7, 1)).await.expect_err("rate per rep");
        assert!(error.message(Lang::En).contains("each rep"), "{}", error.message(Lang::En));
        let error = create(db, &ctx, bad("won_deals >= 1 for team:销售九部"), day(7, 1)).await.expect_err("unknown team");
        assert_eq!(error.code(), "unknown_team");
        let mut wrong_category = bad("won_deals >= 1");
        wrong_category.cause_category = "luck".into();
        let error = create(db, &ctx, wrong_category, day(7, 1)).await.expect_err("category");
        assert!(error.message(Lang::En).contains("ability, resource, strategy"), "{}", error.message(Lang::En));

        let id = create(db, &ctx, bad("won_deals ≥ 1"), day(7, 1)).await.expect("create").id;
        let changes = ActionChanges {
            owner: Some("张主管".into()),
            criterion: Some("won_deals >= 2 for team:销售一部".into()),
            ..Default::default()
        };
        let updated = update(db, &ctx, id, changes, day(7, 2)).await.expect("update");
        assert_eq!((updated.owner.as_str(), updated.criterion.as_str()), ("张主管", "won_deals >= 2 for team:销售一部"));
        let cancelled = update(db, &ctx, id, ActionChanges { status: Some("cancelled".into()), ..Default::default() }, day(7, 2)).await;
        assert_eq!(cancelled.expect("cancel").status, ActionStatus::Cancelled);
        assert!(check(db, &ctx, day(8, 1), None).await.expect("check").is_empty(), "cancelled actions are not checked");
        let error = update(db, &ctx, id, ActionChanges { status: Some("verified".into()), ..Default::default() }, day(7, 2)).await;
        assert_eq!(error.expect_err("verified comes from checks").code(), "invalid_request");
        let error = update(db, &ctx, 999, ActionChanges::default(), day(7, 2)).await.expect_err("unknown action");
        assert!(error.message(Lang::En).contains("no action 999"), "{}", error.message(Lang::En));
    })
    .await;
}

#[tokio::test]
async fn the_daily_routine_checks_due_actions_and_tracks_reps_once_a_day() {
    use salescope_core::period::Period;
    use salescope_core::scope::Scope;
    use salescope_engine::routine::run_daily;
    use salescope_engine::targets::{TrackingChange, set};
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        // 一部's July revenue is 47,000: verified on its deadline, 19 July.
        let due = add(db, "revenue >= 40000 for team:销售一部 in 2024-07", day(7, 1), day(7, 19)).await;
        let later = add(db, "won_deals >= 3", day(7, 1), day(7, 31)).await;
        let ctx = Context::load(db).await.expect("context");
        set(db, &ctx, "revenue", &Scope::Rep("R1".into()), &Period::parse("2024-07").expect("period"), 100_000.0).await.expect("set");

        let run = run_daily(db, day(7, 19)).await.expect("routine").expect("first run of the day");
        assert_eq!(run.actions.len(), 1, "only the action due is marked");
        assert_eq!((run.actions[0].action.id, run.actions[0].action.status), (due, ActionStatus::Verified));
        // R1 has 12,000 of a 100,000 target with 15 of 23 working days gone: far behind pace.
        assert_eq!(run.tracking.len(), 1);
        assert_eq!((run.tracking[0].rep_id.as_str(), run.tracking[0].change), ("R1", TrackingChange::Started));

        assert!(run_daily(db, day(7, 19)).await.expect("routine").is_none(), "once a day");
        assert!(run_daily(db, day(7, 18)).await.expect("routine").is_none(), "never for an earlier day");
        let next = run_daily(db, day(7, 22)).await.expect("routine").expect("the next working day");
        assert_eq!(next.tracking[0].change, TrackingChange::Continues);
        let open: Vec<i64> = db.actions().await.expect("actions").iter().filter(|a| a.status == "open").map(|a| a.id).collect();
        assert_eq!(open, vec![later]);
    })
    .await;
}
