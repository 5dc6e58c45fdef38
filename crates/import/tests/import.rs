//! Importing files and JSON into a real store, on SQLite and PostgreSQL.

use salescope_core::i18n::Lang;
use salescope_core::records::{CALLS, DAILY_REPORTS, DEAL_STAGES, REPS};
use salescope_core::rollup::Measure;
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime};
use salescope_import::{Encoding, ImportError, ImportOptions, ImportReport, NoProgress, Source, import, import_file};
use salescope_store::Db;
use salescope_store::testing::{TestDb, each_backend, temp_dir};
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

fn options(kind: Kind) -> ImportOptions {
    let now = LocalDateTime::from_parts(Day::from_ymd(2024, 7, 31).expect("date"), 18, 0, 0);
    ImportOptions::new(kind, "test", now)
}

async fn import_bytes(db: &Db, kind: Kind, bytes: &[u8], options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let source = Source::csv(Box::new(Cursor::new(bytes.to_vec())), bytes.len() as u64, Encoding::Auto).expect("source");
    import(db, kind, source, options, Arc::new(NoProgress)).await
}

const REPS_CSV: &str = "工号,姓名,团队,上级团队\nR001,张三,销售一部,华东区\nR002,李四,销售一部,华东区\nR003,王五,销售二部,华东区\n";

async fn with_reps(db: &Db) {
    let report = import_bytes(db, Kind::Reps, REPS_CSV.as_bytes(), &options(Kind::Reps)).await.expect("reps");
    assert_eq!(report.inserted, 3, "{}", report.render_text());
}

/// Rows 2 and 4 are good; row 3 talks longer than it lasted; row 5 names nobody; row 6 has no
/// real date; row 7 is negative.
const MIXED_CALLS: &str = "\
通话编号,座席,客户,呼叫方向,开始时间,通话时长(秒),总时长,呼叫结果,备注
C1,R001,K1,呼出,2024-07-08 10:00:00,120,130,接通,首次联系
C2,R001,K2,呼出,2024-07-08 10:05:00,700,300,接通,
C3,李四,K3,外呼,2024/7/8 11:00,0,20,未接通,
C4,R999,K4,呼出,2024-07-08 12:00:00,30,40,接通,
C5,R002,K5,呼入,2024-07-32 09:00:00,30,40,接通,
C6,R002,K6,呼入,2024-07-09 09:00:00,-5,40,接通,
";

#[tokio::test]
async fn a_mixed_file_keeps_every_good_row_and_reports_every_bad_one() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let report = import_bytes(db, Kind::Calls, MIXED_CALLS.as_bytes(), &options(Kind::Calls)).await.expect("import");
        assert!(report.committed);
        assert_eq!((report.rows_read, report.inserted, report.rejected), (6, 2, 4), "{}", report.render_text());
        let found: Vec<(u64, Option<&str>, &str, &str)> =
            report.errors.iter().map(|e| (e.row, e.column.as_deref(), e.rule.as_str(), e.value.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, Some("通话时长(秒)"), "talk_exceeds_duration", "700"),
                (5, Some("座席"), "rep_unknown", "R999"),
                (6, Some("开始时间"), "date_invalid", "2024-07-32 09:00:00"),
                (7, Some("通话时长(秒)"), "count_negative", "-5"),
            ]
        );
        assert_eq!(report.columns.ignored, vec!["备注".to_string()]);
        assert_eq!(db.count(&CALLS).await.expect("count"), 2);
        // The rep named by name (李四) resolved to R002.
        let rollups = db.rollup_rows().await.expect("rollups");
        let r002 = rollups.iter().find(|r| r.rep_id == "R002").expect("R002 has totals");
        assert_eq!(r002.totals[Measure::OutboundCalls as usize], 1);
        assert_eq!(r002.totals[Measure::OutboundConnected as usize], 0);

        let again = import_bytes(db, Kind::Calls, MIXED_CALLS.as_bytes(), &options(Kind::Calls)).await.expect("re-import");
        assert_eq!((again.inserted, again.updated, again.unchanged, again.rejected), (0, 0, 2, 4));
        assert_eq!(db.rollup_rows().await.expect("rollups"), rollups, "re-importing changes nothing");
    })
    .await;
}

/// The calls file as Excel on Windows saves it: CRLF line ends, a title on line 1, a blank line 2,
/// the header on line 3. C1's note (line 4) runs on to line 5, so C2 is on line 6; a blank line 7,
/// then C3 on line 8 and C4 on line 9.
const EXCEL_SAVED_CALLS: &str = "通话记录导出\r\n\r\n\
通话编号,座席,客户,呼叫方向,开始时间,通话时长(秒),总时长,呼叫结果,备注\r\n\
C1,R001,K1,呼出,2024-07-08 10:00:00,120,130,接通,\"首次联系\r\n约下周再谈\"\r\n\
C2,R001,K2,呼出,2024-07-08 10:05:00,700,300,接通,\r\n\
\r\n\
C3,R002,K3,呼入,2024-07-32 09:00:00,30,40,接通,\r\n\
C4,R999,K4,呼出,2024-07-08 12:00:00,30,40,接通,";

#[tokio::test]
async fn a_csv_rows_number_is_the_line_of_the_file_it_starts_on() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let report = import_bytes(db, Kind::Calls, EXCEL_SAVED_CALLS.as_bytes(), &options(Kind::Calls)).await.expect("import");
        assert_eq!((report.rows_before_header, report.rows_read, report.inserted), (1, 4, 1), "{}", report.render_text());
        let rows: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!(rows, vec![(6, "talk_exceeds_duration"), (8, "date_invalid"), (9, "rep_unknown")]);
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_reports_what_an_import_would_do_and_stores_nothing() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let rollups = db.rollup_rows().await.expect("rollups");
        let mut preview = options(Kind::Calls);
        preview.dry_run = true;
        let report = import_bytes(db, Kind::Calls, MIXED_CALLS.as_bytes(), &preview).await.expect("dry run");
        assert!(report.dry_run && !report.committed);
        assert_eq!((report.inserted, report.rejected), (2, 4), "the counts a real import would have");
        assert_eq!(db.count(&CALLS).await.expect("count"), 0);
        assert_eq!(db.rollup_rows().await.expect("rollups"), rollups, "and no totals moved");
    })
    .await;
}

#[tokio::test]
async fn strict_mode_stores_nothing_when_any_row_is_rejected() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let mut opts = options(Kind::Calls);
        opts.strict = true;
        let report = import_bytes(db, Kind::Calls, MIXED_CALLS.as_bytes(), &opts).await.expect("import");
        assert!(!report.committed);
        assert_eq!(report.rejected, 4);
        assert_eq!(report.inserted, 0);
        assert_eq!(db.count(&CALLS).await.expect("count"), 0);
        assert!(db.rollup_rows().await.expect("rollups").is_empty());
    })
    .await;
}

/// The seed's daily tracking sheet, as Chinese Excel saves it: GBK, Chinese headers, rep names.
const SEED_DAILY_SHEET: &str = "\
日期,销售人员,新客户开发数量(个),意向客户跟进次数(次),成交金额(元),未完成目标原因(若有),次日核心计划,跟进备注,合同编号
2024-07-08,张三,2,3,\"25,000\",客户反馈需内部审批，未签约,跟进A客户审批进度,A客户审批中；B客户约周三,HT-0708-01
2024-07-08,李四,1,2,\"15,000\",重点客户出差,电话联系C客户,,HT-0708-02
2024-07-08,王五,0,0,8000,,,,
";

#[tokio::test]
async fn a_gbk_daily_sheet_with_seed_headers_enforces_the_entry_rules() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(SEED_DAILY_SHEET);
        assert!(!unmappable);
        let mut opts = options(Kind::DailyReports);
        opts.lang = Lang::ZhCn;
        let report = import_bytes(db, Kind::DailyReports, &gbk, &opts).await.expect("import");
        assert_eq!(report.format, "CSV 文件，GB18030 编码", "said in the report's language");
        assert_eq!((report.inserted, report.rejected), (1, 2), "{}", report.render_text());
        let rules: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!(rules, vec![(3, "followup_without_notes"), (4, "deal_amount_without_contract")]);
        assert_eq!(report.errors[0].message, "意向客户跟进次数需备注沟通要点");
        let rollups = db.rollup_rows().await.expect("rollups");
        assert_eq!(rollups[0].totals[Measure::ReportedDealCents as usize], 2_500_000);

        // An operator importing a legacy sheet can downgrade the rule for one run.
        opts.rule_overrides = vec!["followup_without_notes=warning".into()];
        let report = import_bytes(db, Kind::DailyReports, &gbk, &opts).await.expect("import");
        assert_eq!((report.inserted, report.unchanged, report.rejected, report.warned), (1, 1, 1, 1));
        assert_eq!(report.warnings[0].rule, "followup_without_notes");
        assert_eq!(db.count(&DAILY_REPORTS).await.expect("count"), 2);
    })
    .await;
}

#[tokio::test]
async fn a_repeated_record_in_one_file_is_flagged_and_the_later_row_wins() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let csv = "call_id,rep_id,direction,started_at,talk_seconds,outcome\nC1,R001,outbound,2024-07-08 10:00:00,100,connected\nC1,R001,outbound,2024-07-08 10:00:00,200,connected\n";
        let report = import_bytes(db, Kind::Calls, csv.as_bytes(), &options(Kind::Calls)).await.expect("import");
        assert_eq!(report.warnings_by_rule.get("duplicate_in_file"), Some(&1));
        assert_eq!(report.warnings[0].row, 3);
        assert_eq!(db.count(&CALLS).await.expect("count"), 1);
        let rollups = db.rollup_rows().await.expect("rollups");
        assert_eq!(rollups[0].totals[Measure::TalkSeconds as usize], 200);
    })
    .await;
}

#[tokio::test]
async fn a_broken_export_is_refused_row_by_row_with_the_rule_that_explains_it() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let long = "长".repeat(201);
        let reps = format!(
            "工号,姓名,团队\nR001,张\0三,销售一部\nR002,{long},销售一部\nR003,王五,销售二部\nR004,\"赵六,销售二部\nR005,钱七,销售二部\n"
        );
        let report = import_bytes(db, Kind::Reps, reps.as_bytes(), &options(Kind::Reps)).await.expect("import");
        let found: Vec<(u64, Option<&str>, &str)> = report.errors.iter().map(|e| (e.row, e.column.as_deref(), e.rule.as_str())).collect();
        assert_eq!(
            found,
            vec![(2, Some("姓名"), "control_character"), (3, Some("姓名"), "text_too_long"), (5, Some("姓名"), "quote_unclosed")],
            "{}",
            report.render_text()
        );
        assert_eq!(report.inserted, 1, "only R003 is whole");
        assert_eq!(db.count(&REPS).await.expect("count"), 1);
    })
    .await;
}

#[tokio::test]
async fn stage_changes_must_name_a_known_deal_and_fit_its_dates() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let deals = "deal_id,rep_id,customer_id,created_at,status,amount,closed_at,contract_no\nD1,R001,K1,2024-07-01,won,50000,2024-07-20,HT-1\n";
        import_bytes(db, Kind::Deals, deals.as_bytes(), &options(Kind::Deals)).await.expect("deals");
        let stages = "商机编号,阶段,进入时间\nD1,初步接触,2024-07-01 09:00\nD1,方案报价,2024-07-10 09:00\nD9,初步接触,2024-07-02\nD1,谈判,2024-06-01\nD1,回访,2024-08-01\n";
        let report = import_bytes(db, Kind::DealStages, stages.as_bytes(), &options(Kind::DealStages)).await.expect("stages");
        let rules: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!(rules, vec![(4, "deal_unknown"), (5, "stage_before_deal_created"), (6, "stage_after_deal_closed")]);
        assert_eq!(db.count(&DEAL_STAGES).await.expect("count"), 2);
    })
    .await;
}

#[tokio::test]
async fn missing_required_columns_stop_the_import_naming_them() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let err = import_bytes(db, Kind::Calls, b"call_id,rep_id\nC1,R001\n", &options(Kind::Calls)).await.expect_err("must fail");
        let ImportError::MissingColumns { missing, .. } = &err else { panic!("{err}") };
        assert!(missing.contains(&"talk_seconds".to_string()));
        assert!(err.message(Lang::ZhCn).starts_with("缺少必填列"));
        assert!(matches!(import_bytes(db, Kind::Calls, b"", &options(Kind::Calls)).await, Err(ImportError::EmptyFile)));
    })
    .await;
}

fn write_workbook(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("说明").expect("name");
    notes.write_string(0, 0, "本工作簿第二页为销售人员名单").expect("write");
    let sheet = book.add_worksheet();
    sheet.set_name("名单").expect("name");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_string(0, 0, "销售团队人员名单（2024年7月）").expect("title");
    for (col, header) in ["工号", "姓名", "团队", "入职日期"].iter().enumerate() {
        sheet.write_string(2, col as u16, *header).expect("header");
    }
    let rows = [("R010", "赵六", "销售二部", (2023, 3, 1)), ("R011", "孙七", "销售二部", (2024, 1, 15))];
    for (i, (id, name, team, (y, m, d))) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_string(r, 0, *id).expect("id");
        sheet.write_string(r, 1, *name).expect("name");
        sheet.write_string(r, 2, *team).expect("team");
        let when = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
        sheet.write_datetime_with_format(r, 3, &when, &date).expect("hire date");
    }
    book.save(path).expect("save");
}

#[tokio::test]
async fn a_named_sheet_with_a_title_row_and_excel_dates_imports() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let dir = temp_dir("xlsx");
        let path = dir.join("名单.xlsx");
        write_workbook(&path);
        let opts = options(Kind::Reps);
        let report = import_file(db, Kind::Reps, &path, Some("名单"), Encoding::Auto, &opts, Arc::new(NoProgress)).await.expect("import");
        assert_eq!((report.rows_read, report.inserted, report.rows_before_header), (2, 2, 2), "{}", report.render_text());
        let history = db.team_history("R011").await.expect("history");
        assert_eq!(history[0].1, Day::from_ymd(2024, 1, 15).map(|d| d.0 as i64));
        let missing = import_file(db, Kind::Reps, &path, Some("Sheet9"), Encoding::Auto, &opts, Arc::new(NoProgress)).await;
        assert!(matches!(missing, Err(ImportError::SheetNotFound { .. })));
        assert_eq!(db.count(&REPS).await.expect("count"), 2);
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test]
async fn json_records_go_through_the_same_rules() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let body = br#"[
            {"call_id": "J1", "rep_id": "R001", "direction": "outbound", "started_at": "2024-07-08T02:00:00Z", "talk_seconds": 61, "outcome": "Connected"},
            {"call_id": "J2", "rep_id": "R001", "direction": "sideways", "started_at": "2024-07-08 10:00:00", "talk_seconds": 1, "outcome": "connected"}
        ]"#;
        let report = import(db, Kind::Calls, Source::json(body).expect("json"), &options(Kind::Calls), Arc::new(NoProgress)).await.expect("import");
        assert_eq!((report.inserted, report.rejected), (1, 1));
        assert_eq!((report.errors[0].row, report.errors[0].rule.as_str()), (2, "value_invalid"));
        let rollups = db.rollup_rows().await.expect("rollups");
        // 02:00 UTC is 10:00 in Shanghai, on the same day.
        assert_eq!(rollups[0].day, Day::from_ymd(2024, 7, 8).expect("date"));
        assert_eq!(rollups[0].totals[Measure::ConnectedOver1Min as usize], 1);
    })
    .await;
}

#[tokio::test]
async fn training_records_import_with_chinese_headers_and_must_name_stored_courses_and_sessions() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let courses = "课程编号,课程名称,培训讲师,合格分数,费用,课时,目标指标\nNEG,客户谈判技巧,王老师,70,\"12,000\",6,\"win_rate，revenue\"\nBAD,产品,李老师,130,100,2,\n";
        let report = import_bytes(db, Kind::Courses, courses.as_bytes(), &options(Kind::Courses)).await.expect("courses");
        let rules: Vec<(u64, &str, Option<&str>)> = report.errors.iter().map(|e| (e.row, e.rule.as_str(), e.field.as_deref())).collect();
        assert_eq!(rules, vec![(3, "score_out_of_range", Some("pass_score"))]);
        let sessions = "场次编号,课程编号,培训时间,培训地点\nNEG-1,NEG,2024-07-08 09:00,总部\nX-1,NOPE,2024-07-09 09:00,总部\n";
        let report = import_bytes(db, Kind::Sessions, sessions.as_bytes(), &options(Kind::Sessions)).await.expect("sessions");
        let rules: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!((rules, report.inserted), (vec![(3, "course_unknown")], 1));
        // The seed's sign-in sheet: 场次, 姓名 (a rep's unique name), 签到时间; an unknown session.
        let signin = "场次,姓名,签到时间,是否出勤\nNEG-1,张三,2024-07-08 08:55,是\nNEG-1,R002,,否\nNEG-9,R003,2024-07-08 08:50,是\n";
        let report = import_bytes(db, Kind::Attendance, signin.as_bytes(), &options(Kind::Attendance)).await.expect("attendance");
        let rules: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!((rules, report.inserted), (vec![(4, "session_unknown")], 2));
        let tests = "课程编号,工号,测试类型,成绩\nNEG,R001,训前,55\nNEG,R001,训后,82.5\nNEG,R002,期中,70\n";
        let report = import_bytes(db, Kind::Assessments, tests.as_bytes(), &options(Kind::Assessments)).await.expect("assessments");
        let rules: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!((rules, report.inserted), (vec![(4, "value_invalid")], 2));
        let feedback = "场次,姓名,内容实用性,讲师水平,实战演练效果,组织流畅度,意见与建议\nNEG-1,张三,5,4,6,4,很实用\n";
        let report = import_bytes(db, Kind::TrainingFeedback, feedback.as_bytes(), &options(Kind::TrainingFeedback)).await.expect("feedback");
        assert_eq!(report.errors.iter().map(|e| e.rule.as_str()).collect::<Vec<_>>(), ["score_out_of_range"]);

        let records = db.training_records().await.expect("records");
        assert_eq!(records.courses[0].cost, Some(1_200_000));
        assert_eq!(records.courses[0].targets(), ["win_rate", "revenue"]);
        assert_eq!(records.attendance.iter().map(|a| (a.rep_id.as_str(), a.attended)).collect::<Vec<_>>(), [("R001", true), ("R002", false)]);
        let scores: Vec<(&str, f64)> = records.assessments.iter().map(|a| (a.phase.id(), a.score)).collect();
        assert_eq!(scores, [("post", 82.5), ("pre", 55.0)], "in key order");
        // Importing the same sign-in sheet again changes nothing.
        let again = import_bytes(db, Kind::Attendance, signin.as_bytes(), &options(Kind::Attendance)).await.expect("attendance");
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    })
    .await;
}

/// R001 won 3 of the 4 大客户 deals they closed and usually carries 2 open deals (one now); R002
/// and R003 have no history and nothing open.
const ASSIGNMENT_DEALS: &str = "\
deal_id,rep_id,customer_id,segment,created_at,status,amount,closed_at,contract_no
O1,R001,K1,大客户,2024-01-02,open,1000,,
O2,R001,K2,大客户,2024-01-02,lost,1000,2024-07-15,
W1,R001,K3,大客户,2024-03-10,won,1000,2024-03-20,HT-1
W2,R001,K4,大客户,2024-04-10,won,1000,2024-04-20,HT-2
W3,R001,K5,大客户,2024-05-10,won,1000,2024-05-20,HT-3
";

const NEW_LEADS: &str = "\
lead_id,customer_id,segment,created_at
L1,K11,大客户,2024-07-30 09:00
L2,K12,大客户,2024-07-30 10:00
L3,K13,大客户,2024-07-30 11:00
L4,K14,大客户,2024-07-30 12:00
";

#[tokio::test]
async fn the_assignment_rule_spreads_new_leads_over_the_best_reps_with_capacity_once_turned_on() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_reps(db).await;
        let deals = import_bytes(db, Kind::Deals, ASSIGNMENT_DEALS.as_bytes(), &options(Kind::Deals)).await.expect("deals");
        assert_eq!(deals.inserted, 5, "{}", deals.render_text());
        let unowned = async || -> Vec<String> { db.unowned_leads().await.expect("leads").into_iter().map(|l| l.lead_id).collect() };

        let off = import_bytes(db, Kind::Leads, NEW_LEADS.as_bytes(), &options(Kind::Leads)).await.expect("leads");
        assert!(off.assigned_leads.is_empty(), "the rule is off by default");
        assert_eq!(unowned().await, ["L1", "L2", "L3", "L4"]);

        db.set_setting("leads.assign_on_ingest", "on").await.expect("store").expect("setting");
        let on = import_bytes(db, Kind::Leads, NEW_LEADS.as_bytes(), &options(Kind::Leads)).await.expect("leads");
        let given: Vec<(&str, &str)> = on.assigned_leads.iter().map(|a| (a.lead_id.as_str(), a.rep_id.as_str())).collect();
        // R001 ranks first and has room for one more; R002 and R003 take one each; nobody has room for L4.
        assert_eq!(given, [("L1", "R001"), ("L2", "R002"), ("L3", "R003")], "{}", on.render_text());
        assert!(on.render_text().contains("L1 → 张三 (R001)"), "{}", on.render_text());
        assert_eq!(unowned().await, ["L4"], "the assignments are stored");
    })
    .await;
}

/// The mapping file of docs/import.md whose first line names `file`, verbatim.
fn documented_mapping(file: &str) -> salescope_import::MappingFile {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/import.md")).expect("docs/import.md");
    let start = doc.find(&format!("```toml\n# {file}")).unwrap_or_else(|| panic!("docs/import.md has {file}")) + "```toml\n".len();
    let text = &doc[start..start + doc[start..].find("```").expect("the block ends")];
    salescope_import::parse_mapping(text).expect("the documented mapping reads")
}

#[tokio::test]
async fn the_documented_crm_export_mapping_imports_the_public_opportunity_data() {
    const TEAMS: &str =
        "sales_agent,manager,regional_office\nAnna Snelling,Dustin Brinkmann,Central\nMoses Frase,Dustin Brinkmann,Central\n";
    const ACCOUNTS: &str = "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n\
                            Cancity,retail,2001,718.62,2448,United States,\nBetasoloin,medical,1999,251.41,495,United States,\n";
    const PIPELINE: &str = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n\
                            1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n\
                            Z063OYW0,Anna Snelling,GTXPro,Betasoloin,Lost,2016-10-25,2017-03-11,0\n\
                            EC4QE1BX,Moses Frase,MG Special,Cancity,Engaging,2017-08-01,,\n\
                            JMUPNVI7,Anna Snelling,GTX Basic,,Prospecting,,,\n\
                            ZZZZZZZZ,Nobody Here,GTX Basic,Cancity,Won,2017-01-01,2017-02-01,500\n";
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let with = |kind: Kind, file: &str| {
            let mut options = options(kind);
            documented_mapping(file).apply(&mut options);
            options
        };
        let reps = import_bytes(db, Kind::Reps, TEAMS.as_bytes(), &with(Kind::Reps, "sales-teams.toml")).await.expect("reps");
        assert_eq!((reps.inserted, reps.rejected), (2, 0), "{}", reps.render_text());
        let accounts =
            import_bytes(db, Kind::Customers, ACCOUNTS.as_bytes(), &with(Kind::Customers, "accounts.toml")).await.expect("accounts");
        assert_eq!((accounts.inserted, accounts.rejected), (2, 0), "{}", accounts.render_text());
        let deals = import_bytes(db, Kind::Deals, PIPELINE.as_bytes(), &with(Kind::Deals, "sales-pipeline.toml")).await.expect("deals");
        assert_eq!((deals.inserted, deals.rejected), (4, 1), "{}", deals.render_text());
        assert_eq!(deals.rejected_by_rule.get("rep_unknown"), Some(&1), "the agent missing from the teams file");
        // One warning per won row, the rejected one included.
        assert_eq!(deals.warnings_by_rule.get("won_deal_without_contract"), Some(&2), "{}", deals.render_text());
        assert!(deals.columns.ignored.contains(&"product".to_string()));

        let history = db.deal_history().await.expect("deals");
        let paths = &history.paths;
        let found: Vec<(&str, &str, i64, bool)> =
            paths.iter().map(|d| (d.deal_id.as_str(), d.rep_id.as_str(), d.amount, d.closed.is_some())).collect();
        assert_eq!(
            found,
            [
                ("1C1I7A6R", "Moses Frase", 105_400, true),
                ("EC4QE1BX", "Moses Frase", 0, false),
                ("JMUPNVI7", "Anna Snelling", 0, false),
                ("Z063OYW0", "Anna Snelling", 0, true),
            ]
        );
        let won = paths.iter().find(|d| d.deal_id == "1C1I7A6R").and_then(|d| d.closed);
        assert!(matches!(won, Some((_, salescope_core::pipeline::Ending::Won))));
    })
    .await;
}
