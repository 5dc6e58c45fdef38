//! The review sheets (daily, weekly, monthly) on the organisation of `common`, on SQLite and
//! PostgreSQL: values worked out by hand, written cells that round-trip.

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::records::DailyReport;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, Sheet};
use salescope_engine::Context;
use salescope_engine::reports::{SheetKind, review_sheet, write_note};
use salescope_engine::targets::set;
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

async fn sheet(db: &Db, kind: SheetKind, scope: &str, period: &str, lang: Lang) -> Sheet {
    let ctx = Context::load(db).await.expect("context");
    let scope = Scope::parse(scope).expect("scope");
    review_sheet(db, &ctx, kind, &scope, &Period::parse(period).expect("period"), day(7, 31), lang).await.expect("sheet")
}

fn number(sheet: &Sheet, scope: &str, period: &str, column: &str) -> Option<f64> {
    let row = sheet.row(scope, period).unwrap_or_else(|| panic!("no row {scope} {period}"));
    sheet.cell(row, column).and_then(Cell::as_number)
}

fn text(sheet: &Sheet, scope: &str, period: &str, column: &str) -> String {
    let row = sheet.row(scope, period).unwrap_or_else(|| panic!("no row {scope} {period}"));
    sheet.cell(row, column).and_then(Cell::as_text).unwrap_or_default().to_string()
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|a| (a - expected).abs() < 1e-6)
}

async fn write(db: &Db, kind: SheetKind, scope: &str, period: &str, field: &str, value: &str) -> salescope_engine::Result<()> {
    let ctx = Context::load(db).await.expect("context");
    write_note(db, &ctx, kind, &Scope::parse(scope).expect("scope"), &Period::parse(period).expect("period"), field, value).await
}

#[tokio::test]
async fn the_weekly_summary_has_targets_actuals_attainment_and_week_on_week_growth() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        let team = Scope::Team("销售一部".into());
        // July 2024 has 23 working days, week 28 five of them: 46,000 × 5 / 23 = 10,000.
        set(db, &ctx, "revenue", &team, &Period::parse("2024-07").expect("period"), 46_000.0).await.expect("target");
        let week = sheet(db, SheetKind::Weekly, "team:销售一部", "2024-W28", Lang::ZhCn).await;
        let headings: Vec<&str> = week.columns.iter().take(8).map(|c| c.heading.as_str()).collect();
        assert_eq!(
            headings,
            ["周次", "销售人员", "周目标（元）", "实际完成（元）", "达成率（%）", "环比增长（%）", "主要问题", "下周重点目标"]
        );
        let scopes: Vec<&str> = week.rows.iter().map(|r| r.scope.as_str()).collect();
        assert_eq!(scopes, ["team:销售一部", "rep:R1", "rep:R2", "rep:R3"], "R3 was still in 一部 in week 28");
        assert_eq!(text(&week, "team:销售一部", "2024-W28", "week"), "2024年第28周");
        assert!(close(number(&week, "team:销售一部", "2024-W28", "target"), 10_000.0));
        // D2 30,000 (R2, 11 July) and D3 5,000 (R3, 12 July); week 27 had D1 10,000.
        assert!(close(number(&week, "team:销售一部", "2024-W28", "actual"), 35_000.0));
        assert!(close(number(&week, "team:销售一部", "2024-W28", "attainment"), 350.0));
        assert!(close(number(&week, "team:销售一部", "2024-W28", "wow_growth"), 250.0));
        assert!(close(number(&week, "rep:R2", "2024-W28", "actual"), 30_000.0));
        assert_eq!(number(&week, "rep:R2", "2024-W28", "target"), None, "R2 has no target of its own");

        write(db, SheetKind::Weekly, "rep:R2", "2024-W28", "main_problem", "大客户成交周期较长").await.expect("note");
        write(db, SheetKind::Weekly, "rep:R2", "2024-W28", "next_week_focus", "推进D客户签约").await.expect("note");
        let month = sheet(db, SheetKind::Weekly, "team:销售一部", "2024-07", Lang::En).await;
        assert_eq!(month.rows.iter().filter(|r| r.scope == "team:销售一部").count(), 5, "weeks 27 to 31");
        assert_eq!(text(&month, "rep:R2", "2024-W28", "main_problem"), "大客户成交周期较长");
        assert_eq!(text(&month, "rep:R2", "2024-W28", "next_week_focus"), "推进D客户签约");
        assert_eq!(text(&month, "rep:R2", "2024-W27", "main_problem"), "");
        assert!(month.row("rep:R3", "2024-W31").is_none(), "R3 left 一部 on 16 July");

        // An empty value clears the note.
        write(db, SheetKind::Weekly, "rep:R2", "2024-W28", "main_problem", "").await.expect("clear");
        let week = sheet(db, SheetKind::Weekly, "rep:R2", "2024-W28", Lang::En).await;
        assert_eq!(week.rows.len(), 1);
        assert_eq!(text(&week, "rep:R2", "2024-W28", "main_problem"), "");
    })
    .await;
}

#[tokio::test]
async fn the_monthly_review_reports_key_indicators_and_stores_next_months_target() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        let team = Scope::Team("销售一部".into());
        let july = Period::parse("2024-07").expect("period");
        set(db, &ctx, "revenue", &team, &july, 46_000.0).await.expect("target");
        set(db, &ctx, "new_customers", &team, &july, 4.0).await.expect("target");
        let review = sheet(db, SheetKind::Monthly, "team:销售一部", "2024-07", Lang::ZhCn).await;
        let headings: Vec<&str> = review.columns.iter().take(10).map(|c| c.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "月份",
                "销售人员/团队",
                "月度目标（元）",
                "实际完成（元）",
                "达成率（%）",
                "关键指标完成情况",
                "业绩亮点",
                "存在问题",
                "改进措施",
                "下月目标（元）"
            ]
        );
        // R1 12,000 + R2 30,000 + R3 5,000 (closed on 12 July, while in 一部).
        assert!(close(number(&review, "team:销售一部", "2024-07", "actual"), 47_000.0));
        assert!(close(number(&review, "team:销售一部", "2024-07", "attainment"), 47_000.0 / 46_000.0 * 100.0));
        // K1, K2 and K4 first bought in July through 一部.
        assert_eq!(text(&review, "team:销售一部", "2024-07", "key_indicators"), "新客户数 3（目标 4）");
        assert_eq!(text(&review, "rep:R2", "2024-07", "key_indicators"), "新客户数 1，客单价 ¥30,000，转化率 100.0%");
        assert_eq!(text(&review, "rep:R2", "2024-07", "rep"), "Rep R2");
        assert_eq!(text(&review, "team:销售一部", "2024-07", "team"), "销售中心");

        write(db, SheetKind::Monthly, "team:销售一部", "2024-07", "highlights", "大客户A签约30,000元").await.expect("note");
        write(db, SheetKind::Monthly, "team:销售一部", "2024-07", "next_month_target", "5万").await.expect("target");
        let review = sheet(db, SheetKind::Monthly, "team:销售一部", "2024-07", Lang::ZhCn).await;
        assert_eq!(text(&review, "team:销售一部", "2024-07", "highlights"), "大客户A签约30,000元");
        assert!(close(number(&review, "team:销售一部", "2024-07", "next_month_target"), 50_000.0));
        let ctx = Context::load(db).await.expect("context");
        let august = ctx.target(ctx.kpi("revenue").expect("kpi"), &team, &Period::parse("2024-08").expect("period"));
        assert_eq!(august, Some(50_000.0), "the next month's target is a real target");
    })
    .await;
}

fn daily_report(rep: &str, d: salescope_core::time::Day, amount: i64, reason: Option<&str>) -> DailyReport {
    DailyReport {
        rep_id: rep.into(),
        date: d,
        new_customers: 2,
        followups: 3,
        followup_notes: Some("A客户报价".into()),
        deal_amount: amount * 100,
        contract_nos: (amount > 0).then(|| "HT-2024-001".into()),
        missed_reason: reason.map(str::to_string),
        next_day_plan: Some("跟进A客户审批进度".into()),
        flags: String::new(),
    }
}

#[tokio::test]
async fn the_daily_sheet_shows_each_reps_report_or_that_none_was_filed() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let write_ctx = WriteContext { today: day(7, 31), counted: false };
        db.write(vec![daily_report("R1", day(7, 8), 25_000, Some("客户反馈需内部审批，未签约"))], &write_ctx).await.expect("report");
        let daily = sheet(db, SheetKind::Daily, "team:销售一部", "2024-07-08..2024-07-09", Lang::ZhCn).await;
        let headings: Vec<&str> = daily.columns.iter().take(7).map(|c| c.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "日期",
                "销售人员",
                "新客户开发数量（个）",
                "意向客户跟进次数（次）",
                "成交金额（元）",
                "未完成目标原因（若有）",
                "次日核心计划"
            ]
        );
        let keys: Vec<(&str, &str)> = daily.rows.iter().map(|r| (r.period.as_str(), r.scope.as_str())).collect();
        assert_eq!(
            keys,
            [
                ("2024-07-08", "rep:R1"),
                ("2024-07-08", "rep:R2"),
                ("2024-07-08", "rep:R3"),
                ("2024-07-09", "rep:R1"),
                ("2024-07-09", "rep:R2"),
                ("2024-07-09", "rep:R3")
            ]
        );
        assert!(close(number(&daily, "rep:R1", "2024-07-08", "deal_amount"), 25_000.0));
        assert!(close(number(&daily, "rep:R1", "2024-07-08", "followups"), 3.0));
        assert_eq!(text(&daily, "rep:R1", "2024-07-08", "contract_nos"), "HT-2024-001");
        assert_eq!(text(&daily, "rep:R1", "2024-07-08", "status"), "已提交");
        assert_eq!(text(&daily, "rep:R2", "2024-07-08", "status"), "未提交");
        assert_eq!(number(&daily, "rep:R2", "2024-07-08", "deal_amount"), None);

        // A written cell overrides what the report said; clearing it shows the report again.
        write(db, SheetKind::Daily, "rep:R1", "2024-07-08", "next_day_plan", "电话联系C客户，预约拜访").await.expect("note");
        let daily = sheet(db, SheetKind::Daily, "rep:R1", "2024-07-08", Lang::ZhCn).await;
        assert_eq!(text(&daily, "rep:R1", "2024-07-08", "next_day_plan"), "电话联系C客户，预约拜访");
        assert_eq!(text(&daily, "rep:R1", "2024-07-08", "missed_reason"), "客户反馈需内部审批，未签约");
        write(db, SheetKind::Daily, "rep:R1", "2024-07-08", "next_day_plan", " ").await.expect("clear");
        let daily = sheet(db, SheetKind::Daily, "rep:R1", "2024-07-08", Lang::ZhCn).await;
        assert_eq!(text(&daily, "rep:R1", "2024-07-08", "next_day_plan"), "跟进A客户审批进度");

        // R3 joined 二部 on 16 July; the weekend of 13–14 July has no rows.
        let second = sheet(db, SheetKind::Daily, "team:销售二部", "2024-07-12..2024-07-16", Lang::En).await;
        let keys: Vec<(&str, &str)> = second.rows.iter().map(|r| (r.period.as_str(), r.scope.as_str())).collect();
        assert_eq!(keys, [("2024-07-16", "rep:R3")]);
        assert_eq!(second.columns[0].heading, "Date");
    })
    .await;
}

#[tokio::test]
async fn sheets_reject_cells_nobody_writes_periods_of_the_wrong_kind_and_overlong_spans() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let error = write(db, SheetKind::Weekly, "rep:R1", "2024-W28", "actual", "1").await.expect_err("computed cell");
        assert!(error.message(Lang::En).contains("main_problem, next_week_focus"), "{}", error.message(Lang::En));
        let error = write(db, SheetKind::Weekly, "rep:R1", "2024-07", "main_problem", "x").await.expect_err("a month is not a week");
        assert_eq!(error.code(), "invalid_request");
        let error = write(db, SheetKind::Monthly, "rep:R9", "2024-07", "highlights", "x").await.expect_err("unknown rep");
        assert_eq!(error.code(), "unknown_rep");
        let ctx = Context::load(db).await.expect("context");
        let long = Period::parse("2024-Q3").expect("period");
        let error = review_sheet(db, &ctx, SheetKind::Daily, &Scope::Org, &long, day(7, 31), Lang::ZhCn).await.expect_err("92 days");
        assert!(error.message(Lang::ZhCn).contains("最多显示 31"), "{}", error.message(Lang::ZhCn));
    })
    .await;
}
