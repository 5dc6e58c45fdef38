//! The HTTP API, served on a loopback port and spoken to over HTTP, on SQLite and PostgreSQL.

use salescope_app::accounts;
use salescope_app::clock::Clock;
use salescope_store::testing::{TestDb, each_backend};
use salescope_web::AppState;
use serde_json::{Value, json};

/// The API token of the administrator every test acts as (the access tests cover the others).
const ADMIN_TOKEN: &str = "sst_admin_token_of_the_api_tests";

/// Starts the server on a free loopback port, with an administrator holding [`ADMIN_TOKEN`],
/// and returns its base URL.
async fn start(store: &TestDb) -> String {
    let admin = accounts::NewUser {
        login: "admin".into(),
        name: "Admin".into(),
        role: "admin".into(),
        rep_id: None,
        team: None,
        lang: None,
        password: "admin-password".into(),
    };
    accounts::add_user(&store.db, admin, "test").await.expect("admin");
    store.db.insert_api_token("admintoken", &accounts::token_hash(ADMIN_TOKEN), "tests", "admin", 0).await.expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let state = AppState::new(store.db.clone(), Clock::system());
    tokio::spawn(async move { salescope_web::serve(listener, state).await });
    format!("http://{address}")
}

/// An HTTP client that sends the administrator's token.
fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}").parse().expect("header"));
    reqwest::Client::builder().default_headers(headers).build().expect("client")
}

async fn get(url: String) -> reqwest::Response {
    client().get(url).send().await.expect("get")
}

async fn post(url: &str, body: impl Into<reqwest::Body>, lang: &str) -> (u16, Value) {
    let response = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept-language", lang)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn health_reports_the_database_in_use() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let body: Value = get(format!("{base}/healthz")).await.json().await.expect("json");
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], store.db.backend().name());
    })
    .await;
}

#[tokio::test]
async fn ingested_records_are_validated_stored_and_reported() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}]);
        let (status, report) = post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["inserted"], 1);

        let calls = json!([
            {"call_id": "C1", "rep_id": "R1", "direction": "outbound", "started_at": "2024-07-08 10:00:00", "talk_seconds": 95, "outcome": "connected"},
            {"call_id": "C2", "座席": "张三", "direction": "呼出", "started_at": "2024-07-08 10:05:00", "talk_seconds": 400, "duration_seconds": 100, "outcome": "接通"},
            {"call_id": "C3", "rep_id": "R1", "direction": "outbound", "started_at": "yesterday", "talk_seconds": 0, "outcome": "busy"}
        ]);
        let (status, report) = post(&format!("{base}/api/v1/ingest/calls"), calls.to_string(), "zh-CN").await;
        assert_eq!(status, 200, "{report}");
        assert_eq!((report["inserted"].as_u64(), report["rejected"].as_u64()), (Some(1), Some(2)));
        assert_eq!(report["errors"][0]["row"], 2);
        assert_eq!(report["errors"][0]["rule"], "talk_exceeds_duration");
        assert_eq!(report["errors"][0]["message"], "通话时长超过了呼叫总时长");
        assert_eq!(report["errors"][1]["rule"], "date_invalid");

        // The same request again changes nothing.
        let (_, again) = post(&format!("{base}/api/v1/ingest/calls"), calls.to_string(), "en").await;
        assert_eq!((again["inserted"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(1)));

        // Strict: any rejection and nothing is stored.
        let (status, strict) = post(&format!("{base}/api/v1/ingest/calls?strict=true"), calls.to_string(), "en").await;
        assert_eq!(status, 422);
        assert_eq!(strict["committed"], false);
    })
    .await;
}

#[tokio::test]
async fn bad_requests_get_clear_errors() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let (status, body) = post(&format!("{base}/api/v1/ingest/calls"), "{not json", "en").await;
        assert_eq!(status, 400);
        assert_eq!(body["code"], "bad_json");
        assert_eq!(body["type"], "invalid_request");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("JSON")), "{body}");

        let (status, body) = post(&format!("{base}/api/v1/ingest/calls"), r#"{"call_id": "C1"}"#, "en").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_json")));

        let (status, body) = post(&format!("{base}/api/v1/ingest/widgets"), "[]", "zh-CN").await;
        assert_eq!(status, 404);
        assert_eq!(body["code"], "unknown_kind");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("未知的记录类型")), "{body}");

        let (status, body) = post(&format!("{base}/api/v1/ingest/calls"), r#"[{"call_id": "C1"}]"#, "en").await;
        assert_eq!(status, 422);
        assert_eq!(body["code"], "missing_columns");
    })
    .await;
}

#[tokio::test]
async fn kpis_are_served_for_a_scope_and_period_with_clear_errors() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}, {"rep_id": "R2", "name": "李四", "team": "销售二部"}]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let calls = json!([
            {"call_id": "C1", "rep_id": "R1", "customer_id": "K1", "direction": "outbound", "started_at": "2024-07-08 10:00:00", "talk_seconds": 95, "outcome": "connected"},
            {"call_id": "C2", "rep_id": "R1", "customer_id": "K2", "direction": "outbound", "started_at": "2024-07-09 10:00:00", "talk_seconds": 0, "outcome": "no_answer"},
            {"call_id": "C3", "rep_id": "R2", "customer_id": "K1", "direction": "outbound", "started_at": "2024-07-09 11:00:00", "talk_seconds": 40, "outcome": "connected"}
        ]);
        post(&format!("{base}/api/v1/ingest/calls"), calls.to_string(), "en").await;
        let get = |path: String| async move {
            let response = client().get(path).header("accept-language", "zh-CN").send().await.expect("get");
            (response.status().as_u16(), response.json::<Value>().await.expect("json"))
        };
        let (status, body) = get(format!("{base}/api/v1/kpis?kpi=outbound_calls,connect_rate,contacted_customers&scope=org&period=2024-07&today=2024-07-10")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["values"][0]["value"], 3.0);
        assert_eq!(body["values"][0]["name"], "呼出量");
        assert!((body["values"][1]["value"].as_f64().unwrap_or_default() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(body["values"][2]["value"], 1.0, "K1, reached by two reps, counts once; K2 never answered");
        assert_eq!(body["values"][0]["pace"]["elapsed_working_days"], 8);

        let (status, body) = get(format!("{base}/api/v1/kpis?kpi=outbound_calls&scope=team:销售一部&period=2024-W28&by=day")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["values"][0]["value"], 2.0);
        assert_eq!(body["values"][0]["trend"].as_array().map(Vec::len), Some(7));

        let csv = client()
            .get(format!("{base}/api/v1/kpis?kpi=outbound_calls&scope=team:销售一部&period=2024-W28&by=day&format=csv&lang=zh-CN"))
            .send()
            .await
            .expect("get");
        assert!(csv.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/csv"));
        let csv = csv.text().await.expect("text");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 1 + 7 + 1, "a heading, the seven days, the week: {csv}");
        assert!(lines[0].starts_with("期间,指标代码,指标"), "{csv}");
        assert!(lines[8].starts_with("2024-W28,outbound_calls,呼出量,count,2,"), "{csv}");

        let (status, body) = get(format!("{base}/api/v1/kpis?kpi=revenue&period=July")).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_period")));
        assert!(body["message"].as_str().is_some_and(|m| m.contains("不是有效的期间")), "{body}");
        let (status, body) = get(format!("{base}/api/v1/kpis?kpi=revenue&scope=team:销售九部&period=2024-07")).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("unknown_team")));
        let (status, body) = get(format!("{base}/api/v1/kpis?kpi=revnue&period=2024-07")).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("unknown_kpi")));
        let (status, body) = get(format!("{base}/api/v1/kpis/catalogue")).await;
        assert_eq!(status, 200);
        assert!(body.as_array().is_some_and(|a| a.iter().any(|k| k["id"] == "conversion_rate" && k["name"] == "转化率")));
    })
    .await;
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.header("accept-language", "en").send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn targets_are_set_split_listed_and_drive_daily_tracking() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let client = client();
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}, {"rep_id": "R2", "name": "李四", "team": "销售一部"}]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let deals = json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01", "closed_at": "2024-07-03", "status": "won", "amount": 9000, "contract_no": "HT1"},
            {"deal_id": "D2", "rep_id": "R2", "customer_id": "K2", "created_at": "2024-07-01", "closed_at": "2024-07-04", "status": "won", "amount": 1000, "contract_no": "HT2"}
        ]);
        let (status, report) = post(&format!("{base}/api/v1/ingest/deals"), deals.to_string(), "en").await;
        assert_eq!(status, 200, "{report}");

        let target = json!({"kpi": "revenue", "scope": "team:销售一部", "period": "2024-07", "value": 40000});
        let (status, body) = send(client.put(format!("{base}/api/v1/targets")).body(target.to_string())).await;
        assert_eq!(status, 200, "{body}");
        let split = json!({"kpi": "revenue", "scope": "team:销售一部", "period": "2024-07", "into": "reps", "by": "weights", "weights": {"R1": 3, "R2": 1}});
        let (status, parts) = send(client.post(format!("{base}/api/v1/targets/split")).body(split.to_string())).await;
        assert_eq!(status, 200, "{parts}");
        assert_eq!(parts, json!([
            {"kpi": "revenue", "scope": "rep:R1", "period": "2024-07", "value": 30000.0},
            {"kpi": "revenue", "scope": "rep:R2", "period": "2024-07", "value": 10000.0}
        ]));
        let (status, listed) = send(client.get(format!("{base}/api/v1/targets?scope=rep:R2"))).await;
        assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(1)));

        // On 5 July, 5 of 23 working days have passed: too early to judge anyone (the rule waits
        // for max(3, ⌈25 % × 23⌉) = 6).
        let (status, changes) = send(client.post(format!("{base}/api/v1/tracking/update")).body(r#"{"today": "2024-07-05"}"#)).await;
        assert_eq!((status, changes.as_array().map(Vec::len)), (200, Some(0)), "{changes}");
        // On 9 July, 7 of 23: R1 projects 9,000 × 23 / 7 = 29,571, 98.6 % of 30,000; R2
        // 1,000 × 23 / 7 = 3,286, 32.9 % of 10,000, and goes on daily tracking.
        let (status, changes) = send(client.post(format!("{base}/api/v1/tracking/update")).body(r#"{"today": "2024-07-09"}"#)).await;
        assert_eq!(status, 200, "{changes}");
        assert_eq!(changes.as_array().map(Vec::len), Some(1), "{changes}");
        assert_eq!((changes[0]["rep_id"].as_str(), changes[0]["change"].as_str()), (Some("R2"), Some("started")));
        let (_, tracked) = send(client.get(format!("{base}/api/v1/tracking"))).await;
        assert_eq!(tracked[0]["rep_id"], "R2");
        assert_eq!(tracked[0]["started_on"], "2024-07-09");

        let bad = json!({"kpi": "revenue", "scope": "team:销售一部", "period": "2024-07", "into": "centuries"});
        let (status, body) = send(client.post(format!("{base}/api/v1/targets/split")).body(bad.to_string())).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_split")));
        let unknown = json!({"kpi": "revenue", "scope": "team:销售九部", "period": "2024-07", "value": 1});
        let (status, body) = send(client.put(format!("{base}/api/v1/targets")).body(unknown.to_string())).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("unknown_team")));
    })
    .await;
}

#[tokio::test]
async fn review_sheets_are_served_as_json_csv_and_xlsx_and_take_written_cells() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let client = client();
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}, {"rep_id": "R2", "name": "李四", "team": "销售一部"}]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let deals = json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01", "closed_at": "2024-07-03", "status": "won", "amount": 9000, "contract_no": "HT1"}
        ]);
        post(&format!("{base}/api/v1/ingest/deals"), deals.to_string(), "en").await;
        let note = json!({"scope": "team:销售一部", "period": "2024-07", "field": "problems", "value": "新客户开发未达标"});
        let (status, body) = send(client.put(format!("{base}/api/v1/reports/monthly/notes")).body(note.to_string())).await;
        assert_eq!(status, 200, "{body}");

        let url = format!("{base}/api/v1/reports/monthly?scope=team:销售一部&period=2024-07&lang=zh-CN");
        let (status, sheet) = send(client.get(&url)).await;
        assert_eq!(status, 200, "{sheet}");
        assert_eq!(sheet["title"], "月度业绩复盘表");
        assert_eq!(sheet["columns"][0]["heading"], "月份");
        assert_eq!(sheet["rows"][0]["cells"]["actual"], 9000.0);
        assert_eq!(sheet["rows"][0]["cells"]["problems"], "新客户开发未达标");
        assert_eq!(sheet["rows"][1]["scope"], "rep:R1");

        let response = client.get(format!("{url}&format=xlsx")).send().await.expect("xlsx");
        assert_eq!(response.status().as_u16(), 200);
        let headers = response.headers().clone();
        assert!(headers[reqwest::header::CONTENT_TYPE].to_str().unwrap_or_default().contains("spreadsheetml"));
        assert!(headers[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap_or_default().contains("filename*=UTF-8''monthly-team-%E9%94%80"));
        let bytes = response.bytes().await.expect("body");
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
        let csv = client.get(format!("{url}&format=csv")).send().await.expect("csv").bytes().await.expect("body");
        assert!(String::from_utf8_lossy(&csv).starts_with("\u{feff}月份,销售人员/团队,月度目标（元）"));

        let (status, body) = send(client.get(format!("{base}/api/v1/reports/quarterly"))).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("unknown_sheet")));
        let bad = json!({"scope": "rep:R1", "period": "2024-07", "field": "actual", "value": "1"});
        let (status, body) = send(client.put(format!("{base}/api/v1/reports/monthly/notes")).body(bad.to_string())).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")));
    })
    .await;
}

#[tokio::test]
async fn improvement_actions_are_recorded_checked_and_changed() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let client = client();
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}, {"rep_id": "R2", "name": "李四", "team": "销售一部"}]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let deals = json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01", "closed_at": "2024-07-30", "status": "won", "amount": 9000, "contract_no": "HT1"},
            {"deal_id": "D2", "rep_id": "R2", "customer_id": "K2", "created_at": "2024-07-01", "closed_at": "2024-08-01", "status": "won", "amount": 1000, "contract_no": "HT2"}
        ]);
        post(&format!("{base}/api/v1/ingest/deals"), deals.to_string(), "en").await;
        let action = json!({
            "raised_on": "2024-07-25", "problem": "新客户开发数量连续2周不达标", "people": "销售一部全体",
            "cause_category": "ability", "cause_kind": "subjective", "cause": "新员工客户开拓技巧不足",
            "measures": "专项培训", "owner": "销售经理", "deadline": "2024-08-05",
            "criterion": "new_customers per rep per week >= 1 for team:销售一部"
        });
        let (status, created) = send(client.post(format!("{base}/api/v1/actions")).body(action.to_string())).await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(created["status"], "open");
        let id = created["id"].as_i64().expect("id");

        // Week 31 (29 July – 4 August): K1 and K2 were won as new customers by the team's 2 reps.
        let (status, checked) = send(client.post(format!("{base}/api/v1/actions/check")).body(r#"{"today": "2024-08-05"}"#)).await;
        assert_eq!(status, 200, "{checked}");
        assert_eq!(checked[0]["stored"], true);
        assert_eq!(checked[0]["action"]["status"], "verified");
        assert_eq!(checked[0]["action"]["evidence"]["window"], "2024-W31");
        assert_eq!(checked[0]["action"]["evidence"]["value"], 1.0);
        let (_, verified) = send(client.get(format!("{base}/api/v1/actions?status=verified&today=2024-08-06"))).await;
        assert_eq!(verified.as_array().map(Vec::len), Some(1));

        let (status, changed) = send(client.patch(format!("{base}/api/v1/actions/{id}")).body(r#"{"owner": "张主管"}"#)).await;
        assert_eq!((status, changed["owner"].as_str()), (200, Some("张主管")));
        let (status, body) = send(client.patch(format!("{base}/api/v1/actions/999")).body("{}")).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
        let mut bad = action.clone();
        bad["criterion"] = json!("new_customers per rep 3");
        let (status, body) = send(client.post(format!("{base}/api/v1/actions")).body(bad.to_string())).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_criterion")));
        assert!(body["message"].as_str().is_some_and(|m| m.contains("at character 23")), "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_audit_samples_reconciles_and_records_checks() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let client = client();
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let calls = json!([
            {"call_id": "C1", "rep_id": "R1", "customer_id": "K1", "direction": "outbound", "started_at": "2024-07-08 10:00:00", "talk_seconds": 95, "outcome": "connected"},
            {"call_id": "C2", "rep_id": "R1", "customer_id": "K1", "direction": "outbound", "started_at": "2024-07-09 10:00:00", "talk_seconds": 60, "outcome": "connected"}
        ]);
        post(&format!("{base}/api/v1/ingest/calls"), calls.to_string(), "en").await;
        let reports = json!([
            {"rep_id": "R1", "date": "2024-07-08", "new_customers": 1, "followups": 0, "deal_amount": 0},
            {"rep_id": "R1", "date": "2024-07-09", "new_customers": 0, "followups": 6, "followup_notes": "回访", "deal_amount": 0}
        ]);
        let (status, report) = post(&format!("{base}/api/v1/ingest/daily-reports"), reports.to_string(), "en").await;
        assert_eq!(status, 200, "{report}");

        let (status, rows) = send(client.get(format!("{base}/api/v1/audit/reconcile?scope=team:销售一部&period=2024-W28"))).await;
        assert_eq!(status, 200, "{rows}");
        assert_eq!(rows[0]["new_customers"]["recorded"], 1.0);
        assert_eq!(rows[0]["followups"]["recorded"], 1.0, "C2 followed K1 up");
        assert_eq!(rows[0]["followups"]["flagged"], true);

        let (status, drawn) = send(client.get(format!("{base}/api/v1/audit/sample?scope=team:销售一部&period=2024-W28&percent=100"))).await;
        assert_eq!((status, drawn.as_array().map(Vec::len)), (200, Some(2)));
        let order: Vec<(&str, &Value)> = drawn.as_array().expect("rows").iter().map(|r| (r["date"].as_str().unwrap_or_default(), &r["disagreements"])).collect();
        assert_eq!(order, [("2024-07-09", &json!(["followups"])), ("2024-07-08", &json!([]))], "6 reported against 1 recorded comes first");
        let check = json!({"rep_id": "R1", "date": "2024-07-09", "result": "discrepancy", "checked_by": "张主管", "note": "只有一次回访"});
        let (status, body) = send(client.post(format!("{base}/api/v1/audit/checks")).body(check.to_string())).await;
        assert_eq!(status, 200, "{body}");
        let (_, drawn) = send(client.get(format!("{base}/api/v1/audit/sample?scope=team:销售一部&period=2024-W28&percent=100"))).await;
        assert_eq!(drawn[0]["result"], "discrepancy");
        let missing = json!({"rep_id": "R1", "date": "2024-07-10", "result": "confirmed", "checked_by": "张主管"});
        let (status, body) = send(client.post(format!("{base}/api/v1/audit/checks")).body(missing.to_string())).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    })
    .await;
}

#[tokio::test]
async fn scorecards_scores_and_leaderboards_are_served() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let client = client();
        let reps = json!([
            {"rep_id": "R1", "name": "张三", "team": "销售一部"}, {"rep_id": "R2", "name": "李四", "team": "销售一部"},
            {"rep_id": "R3", "name": "王五", "team": "销售二部"}
        ]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let deal = |id: &str, rep: &str, amount: i64| {
            json!({"deal_id": id, "rep_id": rep, "customer_id": format!("K{id}"), "created_at": "2024-07-01", "closed_at": "2024-07-03", "status": "won", "amount": amount, "contract_no": id})
        };
        let deals = json!([deal("D1", "R1", 5000), deal("D2", "R2", 5000), deal("D3", "R3", 2000)]);
        post(&format!("{base}/api/v1/ingest/deals"), deals.to_string(), "en").await;

        let (status, card) = send(client.put(format!("{base}/api/v1/scorecards/rep")).body(r#"{"revenue": 1}"#)).await;
        assert_eq!(status, 200, "{card}");
        assert_eq!(card["entries"], json!([["revenue", 1.0]]));
        let (_, cards) = send(client.get(format!("{base}/api/v1/scorecards"))).await;
        assert_eq!(cards[1]["role"], "team_lead");
        assert_eq!(cards[1]["inherited"], true);

        let (status, board) = send(client.get(format!("{base}/api/v1/leaderboard?kpi=revenue&period=2024-07"))).await;
        assert_eq!(status, 200, "{board}");
        let ranks: Vec<(i64, bool)> =
            board["entries"].as_array().map(|e| e.iter().map(|x| (x["rank"].as_i64().unwrap_or(0), x["champion"] == true)).collect()).unwrap_or_default();
        assert_eq!(ranks, [(1, true), (1, true), (3, false)], "R1 and R2 tie for first");
        let (_, teams) = send(client.get(format!("{base}/api/v1/leaderboard?kpi=revenue&period=2024-07&level=teams"))).await;
        assert_eq!(teams["entries"][0]["scope"], "team:销售一部");
        let (status, scores) = send(client.get(format!("{base}/api/v1/scores?period=2024-07&scope=team:销售一部"))).await;
        assert_eq!(status, 200, "{scores}");
        assert_eq!(scores.as_array().map(Vec::len), Some(2));
        assert_eq!(scores[0]["score"], 75.0, "tied for the top of three: (1 + 0.5) ÷ 2");
        let (status, body) = send(client.get(format!("{base}/api/v1/leaderboard?level=squads"))).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_level")));
    })
    .await;
}

/// Every `$ref` in a JSON value.
#[tokio::test]
async fn the_calendar_takes_a_new_years_holidays_and_refuses_bad_changes() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let client = client();
        let (status, before) = send(client.get(format!("{base}/api/v1/calendar?year=2027"))).await;
        assert_eq!((status, before["has_holidays"].as_bool()), (200, Some(false)), "{before}");
        let holiday = json!({"days": "2027-02-06..2027-02-12", "kind": "holiday", "name": "春节"});
        let (status, body) = send(client.put(format!("{base}/api/v1/calendar")).body(holiday.to_string())).await;
        assert_eq!((status, body["changed"].as_u64()), (200, Some(7)), "{body}");
        let (_, after) = send(client.get(format!("{base}/api/v1/calendar?year=2027"))).await;
        let february = after["months"].as_array().and_then(|m| m.iter().find(|m| m["month"] == "2027-02")).cloned();
        assert_eq!(february.map(|m| m["working_days"].clone()), Some(json!(15)), "{after}");
        assert_eq!(after["days"][0], json!({"date": "2027-02-06", "weekday": 6, "kind": "holiday", "name": "春节", "custom": true}));

        let nameless = json!({"days": "2027-10-01", "kind": "holiday"});
        let (status, body) = send(client.put(format!("{base}/api/v1/calendar?lang=zh-CN")).body(nameless.to_string())).await;
        assert_eq!(status, 400);
        assert!(body["message"].as_str().is_some_and(|m| m.contains("节假日需要名称")), "{body}");
        let bad_day = json!({"days": "2027-02-30", "kind": "workday"});
        let (status, body) = send(client.put(format!("{base}/api/v1/calendar")).body(bad_day.to_string())).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_period")), "{body}");
    })
    .await;
}

#[tokio::test]
async fn transcripts_are_ingested_with_their_metrics_and_problems_by_position() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let reps = json!([{"rep_id": "R001", "name": "张三", "team": "销售一部"}]);
        assert_eq!(post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await.0, 200);
        let calls = json!([{"call_id": "C1", "rep_id": "R001", "direction": "outbound", "started_at": "2024-07-08 10:00:00", "talk_seconds": 30, "outcome": "connected"}]);
        assert_eq!(post(&format!("{base}/api/v1/ingest/calls"), calls.to_string(), "en").await.0, 200);
        let transcripts = json!([
            {"TaskId": "C1", "Result": {"Sentences": [
                {"ChannelId": 1, "BeginTime": 0, "EndTime": 4000, "Text": "喂？"},
                {"ChannelId": 0, "BeginTime": 5000, "EndTime": 9000, "Text": "您好，我是小李。"}]}},
            {"call_id": "C9", "turns": [{"speaker": "agent", "text": "hi"}]}
        ]);
        let (status, report) = post(&format!("{base}/api/v1/ingest/transcripts?agent_channel=0"), transcripts.to_string(), "zh-CN").await;
        assert_eq!((status, report["inserted"].as_u64(), report["rejected"].as_u64()), (200, Some(1), Some(1)), "{report}");
        assert_eq!((report["errors"][0]["line"].as_u64(), report["errors"][0]["rule"].as_str()), (Some(2), Some("unknown_call")));
        assert!(report["errors"][0]["message"].as_str().is_some_and(|m| m.contains("C9")), "{report}");
        let (status, body) = post(&format!("{base}/api/v1/ingest/transcripts"), "not json".to_string(), "en").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_json")));
        let (status, body) = post(&format!("{base}/api/v1/ingest/transcripts"), r#"{"call_id": "C1"}"#.to_string(), "en").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_json")), "one object is not an array, as for every kind");

        // Customer 0–4 s, agent 5–9 s: half the talk, a one-second wait, one change in 9 s.
        let (status, calls) = send(client().get(format!("{base}/api/v1/conversation/calls?scope=team:销售一部&period=2024-07"))).await;
        assert_eq!(status, 200, "{calls}");
        assert_eq!((calls[0]["call_id"].as_str(), calls[0]["basis"].as_str()), (Some("C1"), Some("time")));
        assert_eq!((calls[0]["talk_ratio"].as_f64(), calls[0]["patience_seconds"].as_f64()), (Some(0.5), Some(1.0)));
        assert!(calls[0]["outcome"].is_null(), "no deal closed");
        let csv = get(format!("{base}/api/v1/conversation/calls?period=2024-07&format=csv&lang=zh-CN")).await;
        assert_eq!(csv.status().as_u16(), 200);
        assert!(csv.text().await.expect("body").contains("通话编号"));
        let (status, comparison) = send(client().get(format!("{base}/api/v1/conversation/compare?period=2024-07&by=outcome"))).await;
        assert_eq!((status, comparison["calls_a"].as_u64()), (200, Some(0)), "{comparison}");
        assert_eq!(comparison["metrics"][0]["verdict"].as_str(), Some("too few calls to tell"));
        let (status, body) = send(client().get(format!("{base}/api/v1/conversation/compare?by=mood"))).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("bad_choice")), "{body}");
    })
    .await;
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_resolves_every_schema() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let doc: Value = get(format!("{base}/api/v1/openapi.json")).await.json().await.expect("json");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
        let paths: Vec<&str> = doc["paths"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        for expected in [
            "/healthz",
            "/api/v1/ingest/{kind}",
            "/api/v1/kpis",
            "/api/v1/kpis/catalogue",
            "/api/v1/targets",
            "/api/v1/targets/split",
            "/api/v1/tracking",
            "/api/v1/tracking/update",
            "/api/v1/reports/{sheet}",
            "/api/v1/reports/{sheet}/notes",
            "/api/v1/actions",
            "/api/v1/actions/{id}",
            "/api/v1/actions/check",
            "/api/v1/audit/sample",
            "/api/v1/audit/reconcile",
            "/api/v1/audit/checks",
            "/api/v1/scorecards",
            "/api/v1/scorecards/{role}",
            "/api/v1/scores",
            "/api/v1/leaderboard",
            "/api/v1/calendar",
            "/api/v1/ingest/transcripts",
            "/api/v1/conversation/calls",
            "/api/v1/conversation/compare",
            "/api/v1/openapi.json",
        ] {
            assert!(paths.contains(&expected), "{expected} is not in the document: {paths:?}");
        }
        assert!(doc["paths"]["/api/v1/targets"]["put"]["requestBody"].is_object());
        // The document validates: one operation per id, and it says how to authenticate and that
        // every operation but the public ones can answer 401 and 403.
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!((schemes["bearer"]["scheme"].as_str(), schemes["session"]["in"].as_str()), (Some("bearer"), Some("cookie")));
        let mut ids = std::collections::BTreeMap::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("item") {
                let id = operation["operationId"].as_str().unwrap_or_default().to_string();
                assert!(
                    ids.insert(id.clone(), format!("{method} {path}")).is_none(),
                    "operationId {id} twice: {method} {path}, {:?}",
                    ids[&id]
                );
                let public = ["/healthz", "/api/v1/openapi.json"].contains(&path.as_str());
                let answers = |status: &str| operation["responses"][status].is_object();
                assert!(public || (answers("401") && answers("403")), "{method} {path} does not list 401 and 403");
                let open_to_all =
                    operation["security"].as_array().is_some_and(|s| s.len() == 1 && s[0].as_object().is_some_and(|o| o.is_empty()));
                assert_eq!(public, open_to_all, "{method} {path}: public routes need no authentication, the others do");
            }
        }
        // An ingest refused as a whole answers the error body, one refused record by record the
        // report: schemathesis found a 422 of missing columns that the document said was a report.
        for status in ["403", "422"] {
            let body = &doc["paths"]["/api/v1/ingest/{kind}"]["post"]["responses"][status]["content"]["application/json"]["schema"];
            let either: Vec<&str> = body["oneOf"].as_array().into_iter().flatten().filter_map(|s| s["$ref"].as_str()).collect();
            assert_eq!(either, ["#/components/schemas/ImportReport", "#/components/schemas/ErrorBody"], "{status}: {body}");
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.iter().any(|r| r.ends_with("/KpiReport")), "{all:?}");
        for reference in all {
            let name = reference.trim_start_matches("#/components/schemas/");
            assert!(doc["components"]["schemas"][name].is_object(), "{reference} does not resolve");
        }
    })
    .await;
}

#[tokio::test]
async fn the_process_routes_serve_the_funnel_pipeline_stuck_deals_volatility_and_call_cells() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let records = [
            ("reps", r#"[{"rep_id":"R1","name":"张三","team":"一部"}]"#),
            (
                "deals",
                r#"[{"deal_id":"D1","rep_id":"R1","customer_id":"K1","created_at":"2024-07-01 09:00","status":"won","amount":1000,"closed_at":"2024-07-10 09:00","contract_no":"HT-1"},
                    {"deal_id":"D2","rep_id":"R1","customer_id":"K2","created_at":"2024-07-02 09:00","status":"open","amount":800}]"#,
            ),
            (
                "deal-stages",
                r#"[{"deal_id":"D1","stage":"接触","entered_at":"2024-07-01 09:00"},{"deal_id":"D1","stage":"报价","entered_at":"2024-07-03 09:00"},
                    {"deal_id":"D2","stage":"接触","entered_at":"2024-07-02 09:00"}]"#,
            ),
            ("calls", r#"[{"call_id":"C1","rep_id":"R1","direction":"outbound","started_at":"2024-07-08 10:00:00","talk_seconds":95,"outcome":"connected"}]"#),
        ];
        for (kind, body) in records {
            let (status, report) = post(&format!("{base}/api/v1/ingest/{kind}"), body.to_string(), "en").await;
            assert_eq!(status, 200, "{kind}: {report}");
        }
        let funnel: Value = get(format!("{base}/api/v1/pipeline/funnel?period=2024-07")).await.json().await.expect("json");
        assert_eq!(funnel["stages"][0]["stage"], "接触");
        assert_eq!((funnel["stages"][0]["entered"].as_u64(), funnel["stages"][0]["advanced"].as_u64()), (Some(2), Some(1)));
        let pipeline: Value = get(format!("{base}/api/v1/pipeline/weighted?as_of=2024-07-31")).await.json().await.expect("json");
        // D2 is open in 接触, whose one closed deal (D1) was won: weighted 800 × 1.
        assert_eq!((pipeline["total_amount"].as_f64(), pipeline["total_weighted"].as_f64()), (Some(800.0), Some(800.0)));
        let stuck: Value = get(format!("{base}/api/v1/pipeline/stuck?as_of=2024-07-31")).await.json().await.expect("json");
        assert_eq!(stuck[0]["deal_id"], "D2", "29.6 days in 接触 against D1's 2: {stuck}");
        let swings: Value = get(format!("{base}/api/v1/pipeline/volatility?period=2024-07-01..2024-08-31")).await.json().await.expect("json");
        assert_eq!(swings["reps"][0]["monthly"], serde_json::json!([1000.0, 0.0]));
        let cells: Value = get(format!("{base}/api/v1/calls/heatmap?period=2024-07")).await.json().await.expect("json");
        assert_eq!(cells["best"][0]["weekday"], 1);
        assert_eq!(cells["best"][0]["hour"], 10);
        let csv = get(format!("{base}/api/v1/pipeline/funnel?period=2024-07&format=csv")).await.text().await.expect("csv");
        assert!(csv.contains("接触"), "{csv}");
        let bad = get(format!("{base}/api/v1/pipeline/weighted?as_of=yesterday")).await;
        assert_eq!(bad.status().as_u16(), 400);
    })
    .await;
}

#[tokio::test]
async fn the_dashboard_shows_a_write_through_its_server_at_once_and_one_through_another_within_seconds() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let other_server = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let address = listener.local_addr().expect("address");
            tokio::spawn(salescope_web::serve(listener, AppState::new(store.db.clone(), Clock::system())));
            format!("http://{address}")
        };
        let dashboard = || async { get(format!("{base}/dashboard?scope=org&period=2024-07")).await.text().await.expect("page") };
        let rep = |id: &str, team: &str| json!([{"rep_id": id, "name": id, "team": team}]).to_string();
        post(&format!("{base}/api/v1/ingest/reps"), rep("R1", "销售一部"), "en").await;
        assert!(dashboard().await.contains("销售一部"));

        post(&format!("{base}/api/v1/ingest/reps"), rep("R2", "销售二部"), "en").await;
        assert!(dashboard().await.contains("销售二部"), "a write through this server shows on the next page");

        post(&format!("{other_server}/api/v1/ingest/reps"), rep("R3", "销售三部"), "en").await;
        tokio::time::sleep(salescope_web::DASHBOARD_FRESH_FOR + std::time::Duration::from_millis(200)).await;
        assert!(dashboard().await.contains("销售三部"), "a write through another server shows within seconds");
    })
    .await;
}

#[tokio::test]
async fn amounts_beyond_the_range_money_is_kept_in_are_refused_and_totals_stay_exact() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let reps = json!([{"rep_id": "R1", "name": "张三", "team": "销售一部"}]);
        post(&format!("{base}/api/v1/ingest/reps"), reps.to_string(), "en").await;
        let deals = json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01", "closed_at": "2024-07-03", "status": "won", "amount": "1000000000000", "contract_no": "HT1"},
            {"deal_id": "D2", "rep_id": "R1", "customer_id": "K2", "created_at": "2024-07-01", "closed_at": "2024-07-03", "status": "won", "amount": "92000000000000000", "contract_no": "HT2"},
            {"deal_id": "D3", "rep_id": "R1", "customer_id": "K3", "created_at": "2024-07-01", "closed_at": "2024-07-03", "status": "won", "amount": "-1000000000001", "contract_no": "HT3"}
        ]);
        let (status, report) = post(&format!("{base}/api/v1/ingest/deals"), deals.to_string(), "en").await;
        assert_eq!(status, 200, "{report}");
        let rules: Vec<(u64, &str)> =
            report["errors"].as_array().expect("errors").iter().map(|e| (e["row"].as_u64().unwrap_or(0), e["rule"].as_str().unwrap_or(""))).collect();
        assert_eq!(rules, vec![(2, "amount_out_of_range"), (3, "amount_out_of_range")], "{report}");
        let (status, kpis) = send(client().get(format!("{base}/api/v1/kpis?kpi=revenue&period=2024-07&today=2024-07-31"))).await;
        assert_eq!((status, kpis["values"][0]["value"].as_f64()), (200, Some(1e12)), "exactly the amount at the limit");
    })
    .await;
}

#[tokio::test]
async fn kpi_requests_that_would_take_unbounded_work_are_refused_with_the_limit() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let get = |query: &'static str| send(client().get(format!("{base}/api/v1/kpis?kpi=revenue&{query}")));
        let refused = async |query: &'static str, says: &str| {
            let (status, error) = get(query).await;
            assert_eq!(status, 400, "{query}: {error}");
            assert!(error["message"].as_str().is_some_and(|m| m.contains(says)), "{query}: {error}");
        };
        refused("period=2000-01-01..2030-12-31&by=day", "at most 3660").await;
        refused("period=1970-01-01..9999-12-31", "at most 3660").await;
        refused("period=2020-01-01..2024-12-31&by=day", "at most 370").await;
        assert_eq!(get("period=2020-01-01..2024-12-31&by=week").await.0, 200, "five years by week");
        assert_eq!(get("period=2024&by=day").await.0, 200, "a leap year by day");
    })
    .await;
}

#[tokio::test]
async fn requests_the_server_cannot_read_get_the_documented_json_error() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let (status, error) = send(client().post(format!("{base}/api/v1/ingest/calls?strict=maybe")).body("[]")).await;
        assert_eq!((status, error["type"].as_str()), (400, Some("invalid_request")), "{error}");
        assert_eq!(error["code"], "bad_request");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("strict")), "{error}");
        let (status, error) = send(client().get(format!("{base}/api/v1/no-such-route"))).await;
        assert_eq!((status, error["code"].as_str()), (404, Some("not_found")), "{error}");
        let (status, error) = send(client().delete(format!("{base}/api/v1/kpis"))).await;
        assert_eq!((status, error["code"].as_str()), (405, Some("method_not_allowed")), "{error}");
    })
    .await;
}
