//! The `salescope` command as people run it, on SQLite and PostgreSQL.

use salescope_store::testing::{TestDb, each_backend, temp_dir};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn salescope(store: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_salescope"))
        .arg("--database-url")
        .arg(&store.url)
        .args(args)
        .env_remove("SALESCOPE_CONFIG")
        .env("SALESCOPE_LANG", "en")
        .output()
        .expect("salescope runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const REPS: &str = "工号,姓名,团队\nR001,张三,销售一部\nR002,李四,销售一部\n";

/// Row 3 has talk time longer than the call, row 4 names an unknown rep.
const CALLS: &str = "通话编号,座席,呼叫方向,开始时间,通话时长(秒),总时长,呼叫结果\n\
C1,张三,呼出,2024-07-08 10:00:00,120,130,接通\n\
C2,R002,呼出,2024-07-08 10:05:00,700,300,接通\n\
C3,王五,呼出,2024-07-08 11:00:00,30,40,接通\n\
C4,R002,呼入,2024-07-08 11:30:00,45,50,接通\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

#[tokio::test]
async fn importing_a_mixed_file_reports_rows_and_keeps_the_good_ones() {
    each_backend(async |store: &TestDb| {
        let dir = temp_dir("cli");
        let reps = write(&dir, "reps.csv", REPS.as_bytes());
        let out = salescope(store, &["import", "reps", &reps]);
        assert!(out.status.success(), "{}", stderr(&out));

        let (gbk, _, _) = encoding_rs::GBK.encode(CALLS);
        let calls = write(&dir, "calls.csv", &gbk);
        let out = salescope(store, &["import", "calls", &calls]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("4 rows read, 2 added, 0 updated, 0 unchanged, 2 rejected"), "{text}");
        assert!(text.contains("CSV, GB18030"), "{text}");
        assert!(
            text.contains("row 3, column 通话时长(秒): talk time is longer than the call [talk_exceeds_duration] value: 700"),
            "{text}"
        );
        assert!(text.contains("row 4, column 座席"), "{text}");

        let out = salescope(store, &["import", "calls", &calls, "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert_eq!((report["inserted"].as_u64(), report["unchanged"].as_u64(), report["rejected"].as_u64()), (Some(0), Some(2), Some(2)));
        assert_eq!(report["errors"][1]["rule"], "rep_unknown");

        let out = salescope(store, &["--lang", "zh-CN", "import", "calls", &calls, "--strict"]);
        assert_eq!(out.status.code(), Some(3), "a strict import that rejects rows fails");
        assert!(stdout(&out).contains("严格模式"), "{}", stdout(&out));

        let out = salescope(store, &["rollup", "--rebuild"]);
        assert!(stdout(&out).contains("identical to the stored totals"), "{}", stdout(&out));
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test]
async fn unreadable_input_fails_with_a_clear_message() {
    each_backend(async |store: &TestDb| {
        let out = salescope(store, &["import", "calls", "/nonexistent/calls.csv"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("Cannot read /nonexistent/calls.csv"), "{}", stderr(&out));
        let out = salescope(store, &["import", "widgets", "/nonexistent/x.csv"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("Unknown record kind `widgets`"), "{}", stderr(&out));
    })
    .await;
}

#[tokio::test]
async fn the_demo_loads_once_and_summarises_the_organisation() {
    each_backend(async |store: &TestDb| {
        let args = ["demo", "--reps", "8", "--months", "1", "--until", "2025-03-31", "--seed", "7"];
        let out = salescope(store, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("Period covered: 2025-03-01 to 2025-03-31"), "{text}");
        assert!(text.contains("销售一部"), "{text}");
        assert!(text.contains("flagged for the audit"), "{text}");
        let again = salescope(store, &args);
        assert!(stdout(&again).contains("is already loaded"), "{}", stdout(&again));
        let out = salescope(store, &["rollup", "--rebuild"]);
        assert!(stdout(&out).contains("identical to the stored totals"), "{}", stdout(&out));
    })
    .await;
}

#[tokio::test]
async fn the_demo_answers_every_kpi_for_every_scope() {
    each_backend(async |store: &TestDb| {
        let out = salescope(store, &["demo", "--reps", "8", "--months", "1", "--until", "2025-03-31", "--seed", "7"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let reps = (1..=8).map(|n| format!("rep:R{n:03}"));
        let teams = ["销售一部", "销售二部", "销售三部", "大客户部"].map(|t| format!("team:{t}"));
        for scope in std::iter::once("org".to_string()).chain(teams).chain(reps) {
            let out = salescope(store, &["kpi", "all", "--scope", &scope, "--period", "2025-03", "--format", "json"]);
            assert!(out.status.success(), "{scope}: {}", stderr(&out));
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
            let values = report["values"].as_array().cloned().unwrap_or_default();
            assert!(values.len() >= 45, "{scope}: {} KPIs", values.len());
            // Retention and churn follow the customers won in the 90 days before the period,
            // which a one-month demo does not have; a rep who won nothing has no average deal,
            // cycle or repeat-purchase share.
            let missing: Vec<&str> = values.iter().filter(|v| v["value"].is_null()).filter_map(|v| v["kpi"].as_str()).collect();
            let won = values.iter().find(|v| v["kpi"] == "won_deals").and_then(|v| v["value"].as_f64()).expect("won deals");
            let expected: &[&str] = if won > 0.0 {
                &["retention_rate", "churn_rate"]
            } else {
                &["avg_deal_size", "sales_cycle_days", "repeat_purchase_rate", "retention_rate", "churn_rate"]
            };
            assert_eq!(missing, expected, "{scope}");
            let custom = values.iter().find(|v| v["kpi"] == "wechat_add_rate").expect("the demo's custom KPI");
            assert!(custom["value"].as_f64().is_some_and(|v| v > 0.0), "{scope}: {custom}");
        }
    })
    .await;
}

#[test]
fn sentiment_scores_each_line_of_stdin_as_json() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_salescope"))
        .args(["conversation", "sentiment", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child.stdin.take().expect("stdin").write_all("服务很好，非常满意\n\n太差了，我要投诉\n".as_bytes()).expect("write");
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success());
    let scores: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("a JSON list");
    let values: Vec<f64> = scores.iter().filter_map(|s| s["score"].as_f64()).collect();
    assert_eq!(values.len(), 3);
    assert!(values[0] > 0.0 && values[1] == 0.0 && values[2] < 0.0, "{values:?}");
}

#[tokio::test]
async fn settings_are_listed_and_checked() {
    each_backend(async |store: &TestDb| {
        let out = salescope(store, &["settings", "set", "rule.won_deal_without_contract", "warning"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("rule.won_deal_without_contract = warning"));
        let out = salescope(store, &["settings", "set", "timezone", "Mars/Base"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("not an IANA time zone"), "{}", stderr(&out));
    })
    .await;
}

#[test]
fn config_shows_where_each_value_comes_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_salescope"))
        .args(["--database-url", "postgres://app:secret@db/sales", "config"])
        .env("SALESCOPE_LANG", "zh-CN")
        .env_remove("SALESCOPE_CONFIG")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("runs");
    let text = stdout(&out);
    assert!(text.contains("database_url = \"postgres://app:***@db/sales\"  # command line"), "{text}");
    assert!(text.contains("lang = \"zh-CN\"  # environment"), "{text}");
    assert!(!text.contains("secret"));
}

#[tokio::test]
async fn review_sheets_open_in_a_spreadsheet_with_the_seed_headings() {
    use calamine::{Data, Reader, Xlsx};
    each_backend(async |store: &TestDb| {
        let dir = temp_dir("cli-report");
        let out = salescope(store, &["import", "reps", &write(&dir, "reps.csv", REPS.as_bytes())]);
        assert!(out.status.success(), "{}", stderr(&out));
        let reports = "日期,销售人员,新客户开发数量,意向客户跟进次数,跟进要点,成交金额,合同编号,未完成目标原因,次日核心计划\n\
            2024-07-08,张三,2,3,A客户报价,25000,HT-001,,跟进A客户审批进度\n";
        let out = salescope(store, &["import", "daily-reports", &write(&dir, "daily.csv", reports.as_bytes())]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = salescope(store, &["report", "note", "daily", "rep:R002", "2024-07-08", "missed_reason", "重点客户出差"]);
        assert!(out.status.success(), "{}", stderr(&out));

        let file = dir.join("daily.xlsx");
        let args = ["--lang", "zh-CN", "report", "daily", "--scope", "team:销售一部", "--period", "2024-07-08", "-o"];
        let out = salescope(store, &[&args[..], &[file.to_str().expect("path")]].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("每日业绩跟踪表（2 行）"), "{}", stdout(&out));
        let mut workbook: Xlsx<_> = calamine::open_workbook(&file).expect("workbook");
        let range = workbook.worksheet_range("每日业绩跟踪表").expect("sheet");
        let headings: Vec<String> = (0..7).map(|c| range.get((0, c)).map(|d| d.to_string()).unwrap_or_default()).collect();
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
        assert_eq!(range.get((1, 1)), Some(&Data::String("张三".into())));
        assert_eq!(range.get((1, 4)), Some(&Data::Float(25_000.0)));
        assert_eq!(range.get((2, 5)), Some(&Data::String("重点客户出差".into())));

        let out = salescope(store, &["report", "weekly", "--period", "2024-W28", "--format", "csv"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("\u{feff}Week,Rep,Weekly target (CNY)"), "{}", stdout(&out));
        let out = salescope(store, &["report", "monthly", "--format", "xlsx"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("-o FILE.xlsx"), "{}", stderr(&out));
    })
    .await;
}

#[tokio::test]
async fn an_improvement_action_on_the_demo_data_verifies_against_the_kpi_engine() {
    each_backend(async |store: &TestDb| {
        let out = salescope(store, &["demo", "--reps", "8", "--months", "1", "--until", "2025-03-31", "--seed", "7"]);
        assert!(out.status.success(), "{}", stderr(&out));
        // Due Monday 24 March: the week checked is 2025-W12.
        let add = [
            "actions",
            "add",
            "--raised",
            "2025-03-10",
            "--problem",
            "新客户开发不足",
            "--people",
            "销售一部",
            "--category",
            "ability",
            "--cause-kind",
            "subjective",
            "--cause",
            "开拓技巧不足",
            "--measures",
            "专项培训",
            "--owner",
            "销售经理",
            "--deadline",
            "2025-03-24",
            "--criterion",
            "new_customers per rep per week >= 0.5 for team:销售一部",
        ];
        let out = salescope(store, &add);
        assert!(out.status.success(), "{}", stderr(&out));
        // The demo raised two actions of its own.
        assert!(stdout(&out).contains("Recorded action 3"), "{}", stdout(&out));
        let out = salescope(store, &["--today", "2025-03-24", "actions", "check"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = salescope(store, &["--today", "2025-03-25", "actions", "list", "--format", "json"]);
        let sheet: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON sheet");
        let rows = sheet["rows"].as_array().cloned().unwrap_or_default();
        let ours = rows.iter().find(|r| r["cells"]["id"] == "3").cloned().expect("action 3 listed");
        let verification = ours["cells"]["verification"].as_str().unwrap_or_default().to_string();

        // The same figure from the KPI engine: the team's new customers in that week, per rep.
        let out = salescope(store, &["kpi", "new_customers", "--scope", "team:销售一部", "--period", "2025-W12", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let total = report["values"][0]["value"].as_f64().unwrap_or(0.0);
        let out = salescope(store, &["report", "weekly", "--scope", "team:销售一部", "--period", "2025-W12", "--format", "json"]);
        let weekly: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON sheet");
        let reps = weekly["rows"].as_array().map_or(0, |rows| rows.len() - 1) as f64;
        assert!(reps > 0.0);
        let per_rep = total / reps;
        let verdict = if per_rep >= 0.5 { "met" } else { "not met" };
        let expected = format!(
            "2025-W12: {} (>= 0.5: {verdict})",
            salescope_core::format::format_value(Some(per_rep), salescope_core::kpi::Unit::Count, salescope_core::i18n::Lang::En)
        );
        assert!(verification.contains(&expected), "{verification} should contain {expected}");
        let status = ours["cells"]["status"].as_str().unwrap_or_default();
        assert_eq!(status, if per_rep >= 0.5 { "verified" } else { "not met" });
    })
    .await;
}

/// `n` calls of R001 and R002 from `C{first}` on, a few a minute over working days; `talk`
/// seconds each, so that a second file can change the calls the first one stored.
fn calls_csv(first: usize, n: usize, talk: u32) -> String {
    let mut csv = String::from("call_id,rep_id,customer_id,direction,started_at,talk_seconds,duration_seconds,outcome\n");
    for i in first..first + n {
        let (day, minute) = (1 + (i / 600) % 28, i % 600);
        let (rep, customer) = (1 + i % 2, i % 5_000);
        let started = format!("2024-02-{day:02} {:02}:{:02}:00", 9 + minute / 60, minute % 60);
        csv.push_str(&format!("C{i:07},R00{rep},K{customer:05},outbound,{started},{talk},{},connected\n", talk + 15));
    }
    csv
}

/// What an import may change: the calls and the per-rep daily totals.
async fn stored_state(store: &TestDb) -> (i64, Vec<salescope_store::RollupRow>) {
    let calls = store.db.count(&salescope_core::records::CALLS).await.expect("count calls");
    (calls, store.db.rollup_rows().await.expect("rollup rows"))
}

#[tokio::test]
async fn an_import_killed_midway_leaves_the_store_as_before_and_a_rerun_completes_it() {
    each_backend(async |store: &TestDb| {
        let dir = temp_dir("killed");
        let reps = write(&dir, "reps.csv", REPS.as_bytes());
        assert!(salescope(store, &["import", "reps", &reps]).status.success());
        let first = write(&dir, "first.csv", calls_csv(0, 1_000, 60).as_bytes());
        assert!(salescope(store, &["import", "calls", &first]).status.success());
        let before = stored_state(store).await;
        // Changes the last 500 stored calls and adds 119,500.
        let second_csv = calls_csv(500, 120_000, 90);
        let second = write(&dir, "second.csv", second_csv.as_bytes());

        // How long an import of the file takes on this machine, short of its commit: the same
        // rows and one from an unknown rep, imported strictly, are all written and rolled back.
        let rejected = format!("{second_csv}C9999999,R999,K1,outbound,2024-02-01 09:00:00,90,105,connected\n");
        let rejected = write(&dir, "rejected.csv", rejected.as_bytes());
        let started = std::time::Instant::now();
        assert_eq!(salescope(store, &["import", "calls", &rejected, "--strict"]).status.code(), Some(3));
        let uncommitted = started.elapsed();
        assert_eq!(stored_state(store).await, before, "a strict import that rejects a row stores nothing");

        // Kill imports at a tenth, two tenths … of that time and a little past it, around the
        // commit; then let one finish.
        let mut after_kills = Vec::new();
        for tenth in 1..=12 {
            let delay = uncommitted.mul_f64(f64::from(tenth) / 10.0);
            let mut child = Command::new(env!("CARGO_BIN_EXE_salescope"))
                .args(["--database-url", &store.url, "import", "calls", &second])
                .env_remove("SALESCOPE_CONFIG")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("salescope starts");
            tokio::time::sleep(delay).await;
            if child.try_wait().expect("child status").is_none() {
                child.kill().expect("SIGKILL");
            }
            let _ = child.wait();
            after_kills.push((delay, stored_state(store).await));
        }
        assert!(salescope(store, &["import", "calls", &second]).status.success());
        let whole = stored_state(store).await;
        assert_eq!(whole.0, 120_500);
        for (delay, state) in &after_kills {
            assert!(state == &before || state == &whole, "an import killed after {delay:?} left part of itself: {} calls", state.0);
        }
        let interrupted = after_kills.iter().filter(|(_, state)| state == &before).count();
        eprintln!("imports killed at tenths of {uncommitted:?}: {interrupted} of 12 before their commit");
        assert!(interrupted >= 5, "only {interrupted} of 12 imports were killed before they committed");

        let out = salescope(store, &["rollup", "--rebuild"]);
        assert!(stdout(&out).contains("identical to the stored totals"), "{}", stdout(&out));
        let out = salescope(store, &["import", "calls", &second]);
        assert!(stdout(&out).contains("120000 rows read, 0 added, 0 updated, 120000 unchanged"), "{}", stdout(&out));
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}
