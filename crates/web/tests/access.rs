//! Logging in and who sees what, over HTTP against the real server, on SQLite and PostgreSQL.

use salescope_app::accounts;
use salescope_app::clock::Clock;
use salescope_core::period::Period;
use salescope_core::time::{Day, OrgZone};
use salescope_store::testing::{TestDb, each_backend};
use salescope_web::AppState;
use serde_json::{Value, json};

const PASSWORD: &str = "password-of-tests";

/// The organisation: 一部 (R1, R2 and their lead L1) and 二部 (R3); one account per role.
async fn start(store: &TestDb) -> String {
    for (login, role, rep, team) in [
        ("admin", "admin", None, None),
        ("boss", "manager", None, None),
        ("lead", "team_lead", Some("L1"), Some("一部")),
        ("coach", "trainer", None, None),
        ("unit", "manager", None, Some("一部")),
        ("r1", "rep", Some("R1"), None),
    ] {
        let new = accounts::NewUser {
            login: login.into(),
            name: login.into(),
            role: role.into(),
            rep_id: rep.map(Into::into),
            team: team.map(Into::into),
            lang: None,
            password: PASSWORD.into(),
        };
        accounts::add_user(&store.db, new, "test").await.expect("account");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let db = store.db.clone();
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { salescope_web::serve(listener, AppState::new(db, Clock::system())).await });
    let admin = logged_in(&base, "admin").await;
    let reps = json!([
        {"rep_id": "L1", "name": "王主管", "team": "一部", "role": "team_lead"},
        {"rep_id": "R1", "name": "张三", "team": "一部"},
        {"rep_id": "R2", "name": "李四", "team": "一部"},
        {"rep_id": "R3", "name": "赵六", "team": "二部"}
    ]);
    let calls = json!([
        {"call_id": "C1", "rep_id": "R1", "direction": "outbound", "started_at": "2024-07-08 10:00:00", "talk_seconds": 95, "outcome": "connected"},
        {"call_id": "C2", "rep_id": "R2", "direction": "outbound", "started_at": "2024-07-08 11:00:00", "talk_seconds": 60, "outcome": "connected"},
        {"call_id": "C3", "rep_id": "R3", "direction": "outbound", "started_at": "2024-07-08 12:00:00", "talk_seconds": 30, "outcome": "connected"}
    ]);
    for (kind, records) in [("reps", reps), ("calls", calls)] {
        let response = admin.post(format!("{base}/api/v1/ingest/{kind}")).json(&records).send().await.expect("ingest");
        assert_eq!(response.status().as_u16(), 200);
    }
    base
}

/// The server's today: the organisation keeps the default zone.
fn today() -> Day {
    Clock::system().today(&OrgZone::default())
}

/// A browser-like client of an account: logged in through the form, with its session cookie
/// and the page's CSRF token sent on every request.
struct Browser {
    client: reqwest::Client,
    csrf: String,
    base: String,
}

impl Browser {
    fn get(&self, url: String) -> reqwest::RequestBuilder {
        self.client.get(url)
    }

    fn post(&self, url: String) -> reqwest::RequestBuilder {
        self.client.post(url).header("x-csrf-token", &self.csrf)
    }

    /// Submits a page's form to `path`: the status and the page that came back.
    async fn submit(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = self.post(format!("{}{path}", self.base)).form(form).send().await.expect("post");
        (response.status().as_u16(), response.text().await.expect("text"))
    }

    fn put(&self, url: String) -> reqwest::RequestBuilder {
        self.client.put(url).header("x-csrf-token", &self.csrf)
    }
}

async fn logged_in(base: &str, login: &str) -> Browser {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = client.post(format!("{base}/login")).form(&[("login", login), ("password", PASSWORD)]).send().await.expect("login");
    assert_eq!(response.status().as_u16(), 303, "{login} logs in");
    let page = client.get(format!("{base}/daily-report")).send().await.expect("page").text().await.expect("text");
    let csrf = page.split("\"X-CSRF-Token\": \"").nth(1).and_then(|rest| rest.split('"').next()).expect("the page carries its CSRF token");
    Browser { client, csrf: csrf.to_string(), base: base.to_string() }
}

#[tokio::test]
async fn nobody_gets_in_without_logging_in_and_wrong_passwords_are_throttled() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let response = anonymous.get(format!("{base}/api/v1/kpis?kpi=revenue")).send().await.expect("get");
        assert_eq!(response.status().as_u16(), 401);
        let response = anonymous.get(format!("{base}/dashboard")).send().await.expect("get");
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["location"], "/login?next=%2Fdashboard");
        let response = anonymous.get(format!("{base}/api/v1/kpis")).bearer_auth("sst_not_a_token").send().await.expect("get");
        assert_eq!(response.status().as_u16(), 401);
        let login = anonymous.get(format!("{base}/login")).send().await.expect("get");
        let header = |name: &str| login.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(header("content-security-policy").contains("script-src 'self';"), "no inline scripts");
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!((header("x-frame-options"), header("x-content-type-options")), ("DENY".into(), "nosniff".into()));

        let attempt = |login: &'static str, password: &'static str| {
            let anonymous = anonymous.clone();
            let base = base.clone();
            async move {
                let form = [("login", login), ("password", password)];
                anonymous.post(format!("{base}/login")).form(&form).send().await.expect("login").status().as_u16()
            }
        };
        for _ in 0..5 {
            assert_eq!(attempt("boss", "wrong").await, 401);
        }
        assert_eq!(attempt("boss", PASSWORD).await, 429, "after five failures even the right password waits");
        // Whitespace around a login is no part of it: padding neither escapes the count nor
        // starts a fresh one.
        for padded in ["boss ", " boss", "\tboss", "boss\n", "BOSS"] {
            assert_eq!(attempt(padded, PASSWORD).await, 429, "{padded:?} is the same login");
        }
        for padded in ["lead ", " lead", "\tlead", "lead\n", "lead  "] {
            assert_eq!(attempt(padded, "wrong").await, 401);
        }
        assert_eq!(attempt("lead", PASSWORD).await, 429, "five padded failures count for the login");
    })
    .await;
}

#[tokio::test]
async fn state_changing_requests_of_a_session_need_its_csrf_token() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let boss = logged_in(&base, "boss").await;
        let target = json!({"kpi": "revenue", "scope": "team:一部", "period": "2024-07", "value": 1000});
        let forged = boss.client.put(format!("{base}/api/v1/targets")).json(&target).send().await.expect("put");
        assert_eq!(forged.status().as_u16(), 403);
        let body: Value = forged.json().await.expect("json");
        assert_eq!(body["code"], "csrf");
        let genuine = boss.put(format!("{base}/api/v1/targets")).json(&target).send().await.expect("put");
        assert_eq!(genuine.status().as_u16(), 200);

        // Every change is in the log, with who made it and the value before and after.
        let again = json!({"kpi": "revenue", "scope": "team:一部", "period": "2024-07", "value": 1500});
        assert_eq!(boss.put(format!("{base}/api/v1/targets")).json(&again).send().await.expect("put").status().as_u16(), 200);
        let changes = store.db.changes(10, 0).await.expect("changes");
        let latest = changes.iter().find(|c| c.entity == "target").expect("logged");
        assert_eq!((latest.login.as_str(), latest.subject.as_str()), ("boss", "revenue/team:一部/2024-07"));
        assert_eq!(latest.before_value.as_deref(), Some(r#"{"value":1000.0}"#));
        assert_eq!(latest.after_value.as_deref(), Some(r#"{"value":1500.0}"#));
        assert!(changes.iter().any(|c| c.entity == "import" && c.subject == "calls" && c.login == "admin"));

        let log = boss.get(format!("{base}/changes")).send().await.expect("get");
        assert_eq!(log.status().as_u16(), 200);
        let html = log.text().await.expect("text");
        assert!(html.contains("target · set") && html.contains("boss") && html.contains("1500"), "{html}");
    })
    .await;
}

/// Every GET route of the API, with its path parameters filled in.
async fn api_get_routes(base: &str) -> Vec<String> {
    let doc: Value = reqwest::get(format!("{base}/api/v1/openapi.json")).await.expect("get").json().await.expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(path, _)| path.replace("{sheet}", "weekly"))
        .filter(|path| !path.contains('{') && path != "/api/v1/openapi.json" && path != "/healthz")
        .collect()
}

#[tokio::test]
async fn a_rep_sees_nothing_outside_their_own_records_and_team_figures_on_any_route() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let rep = logged_in(&base, "r1").await;
        let routes = api_get_routes(&base).await;
        assert!(routes.len() >= 14, "{routes:?}");
        let others = ["R2", "R3", "李四", "赵六", "二部"];
        for route in &routes {
            for scope in ["org", "team:二部", "rep:R2", "rep:R3"] {
                let url = format!("{base}{route}?scope={scope}&period=2024-07&kpi=outbound_calls");
                let response = rep.get(url.clone()).send().await.expect("get");
                let status = response.status().as_u16();
                let body = response.text().await.expect("text");
                // Lists that filter rather than refuse, and the organisation-wide settings.
                let filters =
                    ["/catalogue", "/scorecards", "/calendar", "/targets", "/tracking", "/pipelines"].iter().any(|r| route.ends_with(r));
                assert!(status == 403 || (status == 200 && filters), "{url}: {status}");
                if status == 200 {
                    for other in others {
                        assert!(!body.contains(other), "{url} shows {other}: {body}");
                    }
                }
            }
            // Without a scope every route answers with the rep's own data, or refuses, or says why not.
            let url = format!("{base}{route}?period=2024-07");
            let response = rep.get(url.clone()).send().await.expect("get");
            let status = response.status().as_u16();
            let body = response.text().await.expect("text");
            assert!(matches!(status, 200 | 400 | 403), "{url}: {status} {body}");
            if status == 200 {
                for other in others {
                    assert!(!body.contains(other), "{url} shows {other}: {body}");
                }
            }
        }
        // Their own figures and their team's aggregates are theirs to see.
        let own = rep.get(format!("{base}/api/v1/kpis?kpi=outbound_calls&scope=rep:R1&period=2024-07")).send().await.expect("get");
        assert_eq!(own.status().as_u16(), 200);
        let team = rep.get(format!("{base}/api/v1/kpis?kpi=outbound_calls&scope=team:一部&period=2024-07")).send().await.expect("get");
        assert_eq!(team.status().as_u16(), 200);
        let team: Value = team.json().await.expect("json");
        assert_eq!(team["values"][0]["value"], 2.0);

        // Pages: their own page, not a teammate's; no dashboard of the organisation.
        assert_eq!(rep.get(format!("{base}/reps/R1")).send().await.expect("get").status().as_u16(), 200);
        assert_eq!(rep.get(format!("{base}/reps/R2")).send().await.expect("get").status().as_u16(), 403);
        assert_eq!(rep.get(format!("{base}/dashboard?scope=org")).send().await.expect("get").status().as_u16(), 403);
        assert_eq!(rep.get(format!("{base}/changes")).send().await.expect("get").status().as_u16(), 403);
        // Nor may they change anything that is not theirs.
        let target = json!({"kpi": "revenue", "scope": "rep:R1", "period": "2024-07", "value": 1});
        assert_eq!(rep.put(format!("{base}/api/v1/targets")).json(&target).send().await.expect("put").status().as_u16(), 403);
        let records = json!([{"rep_id": "R9", "name": "X", "team": "一部"}]);
        assert_eq!(rep.post(format!("{base}/api/v1/ingest/reps")).json(&records).send().await.expect("post").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn a_manager_of_one_unit_writes_only_records_of_its_reps_and_cannot_take_other_units_reps_over() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let unit = logged_in(&base, "unit").await;
        let ingest = async |kind: &str, records: Value| {
            let response = unit.post(format!("{base}/api/v1/ingest/{kind}")).json(&records).send().await.expect("post");
            (response.status().as_u16(), response.json::<Value>().await.expect("report"))
        };
        // R3 is in 二部, outside the unit: refused with the rule and its row, and nothing of the
        // request is stored, not even its rows inside the unit.
        let reports = json!([
            {"rep_id": "R1", "date": "2024-07-08", "new_customers": 1, "followups": 0, "deal_amount": 0},
            {"rep_id": "R3", "date": "2024-07-08", "new_customers": 9, "followups": 0, "deal_amount": 0}
        ]);
        let (status, report) = ingest("daily-reports", reports).await;
        assert_eq!(status, 403, "{report}");
        assert_eq!((report["outside_scope"].as_u64(), report["committed"].as_bool()), (Some(1), Some(false)));
        assert_eq!(
            (report["errors"][0]["rule"].as_str(), report["errors"][0]["row"].as_u64()),
            (Some("outside_scope"), Some(2)),
            "the second record"
        );
        let won = json!([{"deal_id": "X1", "rep_id": "R3", "customer_id": "K9", "created_at": "2024-07-01 09:00", "status": "won",
                          "amount": 50000000, "closed_at": "2024-07-02 10:00", "contract_no": "HT-X1"}]);
        assert_eq!(ingest("deals", won).await.0, 403);
        // Taking another unit's rep in, or moving one's own rep out, is refused.
        assert_eq!(ingest("reps", json!([{"rep_id": "R3", "name": "赵六", "team": "一部"}])).await.0, 403);
        assert_eq!(ingest("reps", json!([{"rep_id": "R2", "name": "李四", "team": "二部"}])).await.0, 403);
        let r3 = unit.get(format!("{base}/api/v1/kpis?kpi=revenue&scope=rep:R3&period=2024-07")).send().await.expect("get");
        assert_eq!(r3.status().as_u16(), 403, "R3 stayed in 二部");
        let lead = logged_in(&base, "lead").await;
        let mine = lead.get(format!("{base}/api/v1/kpis?kpi=revenue&scope=rep:R2&period=2024-07")).send().await.expect("get");
        assert_eq!(mine.status().as_u16(), 200, "R2 is still the lead's");
        // Inside the unit, writes go through: a new rep of 一部 and R1's daily report.
        assert_eq!(ingest("reps", json!([{"rep_id": "R5", "name": "钱七", "team": "一部"}])).await.0, 200);
        let own = json!([{"rep_id": "R1", "date": "2024-07-08", "new_customers": 1, "followups": 0, "deal_amount": 0}]);
        let (status, report) = ingest("daily-reports", own).await;
        assert_eq!((status, report["inserted"].as_u64()), (200, Some(1)), "{report}");
        // Customers belong to the organisation, not to the unit.
        assert_eq!(ingest("customers", json!([{"customer_id": "K1", "name": "甲公司"}])).await.0, 403);
    })
    .await;
}

#[tokio::test]
async fn bodies_are_limited_by_who_is_asking_before_they_are_read() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let rep = logged_in(&base, "r1").await;
        let three_megabytes = format!("[{}]", "0,".repeat(1_500_000) + "0");
        let response = rep.post(format!("{base}/api/v1/ingest/calls")).body(three_megabytes.clone()).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 413, "a rep may not import, so gets the small limit");
        let error: Value = response.json().await.expect("error");
        assert_eq!(error["code"], "body_too_large");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("2 MB")), "{error}");
        let form = rep.post(format!("{base}/daily-report")).body(three_megabytes.clone()).send().await.expect("post");
        assert_eq!(form.status().as_u16(), 413);
        // Someone who may import sends the same three megabytes to the ingest route: read, and
        // refused only as the records they are.
        let admin = logged_in(&base, "admin").await;
        let response = admin.post(format!("{base}/api/v1/ingest/calls")).body(three_megabytes).send().await.expect("post");
        assert_ne!(response.status().as_u16(), 413);
    })
    .await;
}

#[tokio::test]
async fn a_team_lead_sees_their_team_and_a_manager_everything() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let lead = logged_in(&base, "lead").await;
        let ok = |b: &Browser, path: &str| b.get(format!("{base}{path}")).send();
        assert_eq!(ok(&lead, "/api/v1/kpis?kpi=outbound_calls&scope=rep:R2&period=2024-07").await.expect("get").status().as_u16(), 200);
        assert_eq!(ok(&lead, "/api/v1/kpis?kpi=outbound_calls&scope=rep:R3&period=2024-07").await.expect("get").status().as_u16(), 403);
        assert_eq!(ok(&lead, "/api/v1/kpis?kpi=outbound_calls&scope=org&period=2024-07").await.expect("get").status().as_u16(), 403);
        let dashboard = ok(&lead, "/dashboard?period=2024-07").await.expect("get");
        assert_eq!(dashboard.status().as_u16(), 200);
        let html = dashboard.text().await.expect("text");
        assert!(html.contains("张三") && html.contains("李四") && !html.contains("赵六"), "the lead's dashboard opens on their team");
        let explored = ok(&lead, "/explore?kpi=outbound_calls&kpi=connect_rate&scope=team:一部&period=2024-07&by=week").await.expect("get");
        assert_eq!(explored.status().as_u16(), 200);
        let html = explored.text().await.expect("text");
        assert!(html.contains("id=\"chart-outbound_calls\"") && html.contains("id=\"chart-connect_rate\""), "one chart per chosen KPI");
        assert!(html.contains("format=xlsx"), "with the export links");
        assert_eq!(ok(&lead, "/explore?kpi=revenue&scope=org").await.expect("get").status().as_u16(), 403);

        let boss = logged_in(&base, "boss").await;
        let html = ok(&boss, "/dashboard?period=2024-07").await.expect("get").text().await.expect("text");
        assert!(html.contains("id=\"kpi-table\"") && html.contains("一部") && html.contains("二部"));
        let teams = ok(&lead, "/settings/teams").await.expect("get").text().await.expect("text");
        assert!(teams.contains("一部") && teams.contains("王主管") && !teams.contains("二部"), "the lead's team, its lead, not the others");
        let coach = logged_in(&base, "coach").await;
        assert_eq!(ok(&coach, "/dashboard?period=2024-07").await.expect("get").status().as_u16(), 200);
        let target = json!({"kpi": "revenue", "scope": "org", "period": "2024-07", "value": 1});
        assert_eq!(coach.put(format!("{base}/api/v1/targets")).json(&target).send().await.expect("put").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn the_daily_report_form_shows_rule_errors_beside_fields_and_stores_a_valid_report() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let rep = logged_in(&base, "r1").await;
        let today = today().to_string();
        let bad =
            [("csrf", rep.csrf.as_str()), ("date", today.as_str()), ("new_customers", "2"), ("followups", "3"), ("deal_amount", "500")];
        let response =
            rep.client.post(format!("{base}/daily-report")).header("accept-language", "zh-CN").form(&bad).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 422);
        let html = response.text().await.expect("text");
        assert!(html.contains("id=\"error-followup_notes\""), "the notes rule is shown beside the notes field");
        assert!(html.contains("id=\"error-contract_nos\""), "the contract rule beside the contract field");
        assert!(html.contains("value=\"3\""), "what was typed is kept");

        let good = [
            ("csrf", rep.csrf.as_str()),
            ("date", today.as_str()),
            ("new_customers", "2"),
            ("followups", "3"),
            ("followup_notes", "回访三位老客户"),
            ("deal_amount", "500"),
            ("contract_nos", "HT-1"),
        ];
        let response = rep.client.post(format!("{base}/daily-report")).form(&good).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["location"], "/reps/R1?saved=1");
        let kpis: Value = rep
            .get(format!("{base}/api/v1/kpis?kpi=reported_new_customers,daily_reports&scope=rep:R1&period={}", &today[..7]))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!((kpis["values"][0]["value"].as_f64(), kpis["values"][1]["value"].as_f64()), (Some(2.0), Some(1.0)));
    })
    .await;
}

/// The value of the form's hidden `version` field on a page.
fn form_version(html: &str) -> String {
    let after = html.split("name=\"version\" value=\"").nth(1).expect("the form carries the version it opened on");
    after.split('"').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_daily_report_form_opens_on_the_stored_report_and_refuses_to_save_over_a_newer_one() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let rep = logged_in(&base, "r1").await;
        let day = today();
        let today = day.to_string();
        let report = |followups: &'static str, version: String| {
            vec![
                ("date", today.clone()),
                ("version", version),
                ("new_customers", "1".to_string()),
                ("followups", followups.to_string()),
                ("followup_notes", "回访老客户".to_string()),
                ("deal_amount", "44100".to_string()),
                ("contract_nos", "HT-7".to_string()),
            ]
        };
        let empty = rep.get(format!("{base}/daily-report")).send().await.expect("get").text().await.expect("text");
        assert!(empty.contains("id=\"saved-status\"") && empty.contains("No report is filed"), "a day without a report says so");
        let created = rep.post(format!("{base}/daily-report")).form(&report("13", form_version(&empty))).send().await.expect("post");
        assert_eq!(created.status().as_u16(), 303);

        let opened = rep.get(format!("{base}/daily-report?date={today}")).send().await.expect("get").text().await.expect("text");
        assert!(opened.contains("id=\"f-followups\" name=\"followups\" type=\"number\" value=\"13\""), "the stored follow-ups are shown");
        assert!(opened.contains("value=\"44100.00\"") && opened.contains("HT-7"), "and the stored amount and contract");
        assert!(opened.contains("Last saved") && opened.contains("r1"), "it says when and by whom it was saved");
        let version = form_version(&opened);

        // Two tabs opened on the same report: the first save goes through, the second is told.
        let first = rep.post(format!("{base}/daily-report")).form(&report("14", version.clone())).send().await.expect("post");
        assert_eq!(first.status().as_u16(), 303);
        let second = rep.post(format!("{base}/daily-report")).form(&report("15", version)).send().await.expect("post");
        assert_eq!(second.status().as_u16(), 409);
        let conflict = second.text().await.expect("text");
        assert!(
            conflict.contains("id=\"conflict\"") && conflict.contains("<td>14</td><td>15</td>"),
            "the stored 14 is shown beside the typed 15"
        );
        let stored = store.db.daily_report("R1", day).await.expect("read").expect("stored");
        assert_eq!(stored.followups, 14, "the refused save changed nothing");

        let changes = store.db.changes(20, 0).await.expect("changes");
        let update = changes.iter().find(|c| c.entity == "daily_report" && c.action == "update").expect("the edit is logged");
        let before: Value = serde_json::from_str(update.before_value.as_deref().expect("a before")).expect("json");
        assert_eq!(before["followups"], "13", "the change log keeps what it was before");
        assert_eq!(
            changes.iter().filter(|c| c.entity == "daily_report").count(),
            2,
            "a create and one update; the refused save is not logged"
        );
    })
    .await;
}

#[tokio::test]
async fn a_rep_files_a_daily_report_for_today_or_up_to_a_week_back_flagged_late_and_never_for_a_day_to_come() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let rep = logged_in(&base, "r1").await;
        let today = today();
        let file = async |date: Day| {
            let date = date.to_string();
            let report = [("csrf", rep.csrf.as_str()), ("date", date.as_str()), ("new_customers", "1"), ("followups", "0"), ("deal_amount", "0")];
            let response = rep.client.post(format!("{base}/daily-report")).form(&report).send().await.expect("post");
            (response.status().as_u16(), response.text().await.expect("text"))
        };
        for refused in [today.plus_days(1), today.plus_days(-8), Day::from_ymd(2025, 1, 1).expect("day")] {
            let (status, page) = file(refused).await;
            assert_eq!(status, 422, "{refused}");
            assert!(page.contains("id=\"error-date\""), "{refused}: the rule is shown beside the date");
        }
        assert_eq!(file(today.plus_days(-7)).await.0, 303, "a week back is late, not refused");
        assert_eq!(file(today).await.0, 303);

        let lead = logged_in(&base, "lead").await;
        let period = format!("{}..{today}", today.plus_days(-7));
        let drawn: Value = lead
            .get(format!("{base}/api/v1/audit/sample?scope=team:一部&period={period}&percent=100"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let late: Vec<(&str, bool)> =
            drawn.as_array().expect("rows").iter().map(|r| (r["date"].as_str().unwrap_or_default(), r["filed_late"] == true)).collect();
        let (week_back, day) = (today.plus_days(-7).to_string(), today.to_string());
        assert_eq!(late, vec![(week_back.as_str(), true), (day.as_str(), false)], "the audit sees which was filed late");

        // A manager entering history for a rep is held to no window, but never to a day to come.
        let boss = logged_in(&base, "boss").await;
        let history = json!([{"rep_id": "R1", "date": "2025-01-01", "new_customers": 1, "followups": 0, "deal_amount": 0},
                             {"rep_id": "R1", "date": today.plus_days(1).to_string(), "new_customers": 1, "followups": 0, "deal_amount": 0}]);
        let report: Value =
            boss.post(format!("{base}/api/v1/ingest/daily-reports")).json(&history).send().await.expect("post").json().await.expect("report");
        assert_eq!(report["inserted"].as_u64(), Some(1), "{report}");
        assert_eq!((report["errors"][0]["row"].as_u64(), report["errors"][0]["rule"].as_str()), (Some(2), Some("report_in_future")));
    })
    .await;
}

#[tokio::test]
async fn review_notes_and_improvement_actions_are_written_from_the_pages_and_logged() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let lead = logged_in(&base, "lead").await;
        let page = lead.get(format!("{base}/reviews/weekly?scope=team:一部&period=2024-07")).send().await.expect("get");
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.expect("text").contains("hx-post=\"/reviews/weekly/note\""), "the lead may write the sheet's cells");
        let note = [("scope", "team:一部"), ("period", "2024-W28"), ("field", "main_problem"), ("value", "接通率低")];
        let response = lead.post(format!("{base}/reviews/weekly/note")).form(&note).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 200);
        let sheet: Value = lead
            .get(format!("{base}/api/v1/reports/weekly?scope=team:一部&period=2024-W28"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert!(sheet.to_string().contains("接通率低"), "{sheet}");
        let elsewhere = [("scope", "team:二部"), ("period", "2024-W28"), ("field", "main_problem"), ("value", "x")];
        assert_eq!(lead.post(format!("{base}/reviews/weekly/note")).form(&elsewhere).send().await.expect("post").status().as_u16(), 403);

        // A cell saved from a page opened before that save is refused; opened on it, it saves.
        let from = |opened: &'static str, value: &'static str| {
            [("scope", "team:一部"), ("period", "2024-W28"), ("field", "main_problem"), ("value", value), ("opened", opened)]
        };
        let stale = lead.post(format!("{base}/reviews/weekly/note")).form(&from("", "开场白太长")).send().await.expect("post");
        assert_eq!(stale.status().as_u16(), 409, "the cell was empty when that page opened; it holds 接通率低 now");
        assert!(stale.text().await.expect("text").contains("Reload"), "the cell says why and what to do");
        let fresh =
            lead.post(format!("{base}/reviews/weekly/note")).form(&from("接通率低", "接通率低，开场白太长")).send().await.expect("post");
        assert_eq!(fresh.status().as_u16(), 200);
        let logged = store.db.changes(5, 0).await.expect("changes");
        let before = logged.iter().find(|c| c.entity == "review_note").and_then(|c| c.before_value.clone());
        assert_eq!(before.as_deref(), Some(r#"{"value":"接通率低"}"#), "the change log keeps the cell as it was");

        let action = [
            ("problem", "接通率低于 30%"),
            ("people", "张三"),
            ("cause_category", "ability"),
            ("measures", "每天练习开场白"),
            ("owner", "王主管"),
            ("deadline", "2030-12-31"),
            ("criterion", "connect_rate >= 40% for team:一部"),
        ];
        let response = lead.post(format!("{base}/actions")).form(&action).send().await.expect("post");
        let status = response.status().as_u16();
        assert_eq!(status, 303, "{}", response.text().await.unwrap_or_default().split("action-error").nth(1).unwrap_or_default());
        let listed = lead.get(format!("{base}/actions")).send().await.expect("get").text().await.expect("text");
        assert!(listed.contains("每天练习开场白"));
        let mut bad = action;
        bad[6] = ("criterion", "connect_rate >= for team:一部");
        let response = lead.post(format!("{base}/actions")).form(&bad).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 422, "a criterion that does not parse comes back with the reason");
        assert!(response.text().await.expect("text").contains("id=\"action-error\""));
        let logged = store.db.changes(20, 0).await.expect("changes");
        assert!(logged.iter().any(|c| c.entity == "review_note" && c.login == "lead"));
        assert!(logged.iter().any(|c| c.entity == "action" && c.action == "create" && c.login == "lead"));

        // Actions about another team are neither shown to the lead nor theirs to record.
        let mut elsewhere = action;
        elsewhere[0] = ("problem", "二部转化率低");
        elsewhere[6] = ("criterion", "conversion_rate >= 20% for team:二部");
        assert_eq!(lead.post(format!("{base}/actions")).form(&elsewhere).send().await.expect("post").status().as_u16(), 403);
        let boss = logged_in(&base, "boss").await;
        assert_eq!(boss.post(format!("{base}/actions")).form(&elsewhere).send().await.expect("post").status().as_u16(), 303);
        let listed = lead.get(format!("{base}/actions")).send().await.expect("get").text().await.expect("text");
        assert!(listed.contains("每天练习开场白") && !listed.contains("二部转化率低"));
        let api: Value = lead.get(format!("{base}/api/v1/actions")).send().await.expect("get").json().await.expect("json");
        assert_eq!(api.as_array().map(Vec::len), Some(1), "{api}");

        let rep = logged_in(&base, "r1").await;
        assert_eq!(rep.get(format!("{base}/actions")).send().await.expect("get").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn a_target_and_a_criterion_are_read_as_people_type_them() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let boss = logged_in(&base, "boss").await;
        let target = [("kpi", "revenue"), ("scope", "team:一部"), ("period", "2024-07"), ("value", "150万")];
        assert_eq!(boss.post(format!("{base}/targets")).form(&target).send().await.expect("post").status().as_u16(), 303);
        let stored = store.db.targets().await.expect("targets");
        let revenue = stored.iter().find(|t| t.kpi == "revenue" && t.scope == "team:一部").expect("stored");
        assert_eq!(revenue.value, 1_500_000.0, "150万 is one and a half million");

        let lead = logged_in(&base, "lead").await;
        let action = |criterion: &'static str| {
            [
                ("problem", "接通率低于 30%"),
                ("cause_category", "ability"),
                ("measures", "每天练习开场白"),
                ("owner", "王主管"),
                ("deadline", "2030-12-31"),
                ("criterion", criterion),
            ]
        };
        let created = lead.post(format!("{base}/actions")).form(&action("接通率 >= 40% 一部")).send().await.expect("post");
        assert_eq!(created.status().as_u16(), 303, "{}", created.text().await.unwrap_or_default());
        let actions = store.db.actions().await.expect("actions");
        assert_eq!(actions[0].criterion, "connect_rate >= 40 for team:一部", "stored in the criterion language");
        let elsewhere = lead.post(format!("{base}/actions")).form(&action("接通率 >= 40% 二部")).send().await.expect("post");
        assert_eq!(elsewhere.status().as_u16(), 403, "another team named in Chinese is still another team");
    })
    .await;
}

#[tokio::test]
async fn targets_are_set_and_split_on_their_page_and_accounts_are_managed_by_the_admin() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let boss = logged_in(&base, "boss").await;
        let target = [("kpi", "outbound_calls"), ("scope", "team:一部"), ("period", "2024-07"), ("value", "40")];
        let response = boss.post(format!("{base}/targets")).form(&target).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 303);
        let split = [("kpi", "outbound_calls"), ("scope", "team:一部"), ("period", "2024-07"), ("into", "reps"), ("by", "even")];
        assert_eq!(boss.post(format!("{base}/targets/split")).form(&split).send().await.expect("post").status().as_u16(), 303);
        let page = boss.get(format!("{base}/targets?period=2024-07")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("张三") && page.contains("王主管"), "the parts of the split are listed with their reps");
        let bad = [("kpi", "outbound_calls"), ("scope", "team:一部"), ("period", "2024-07"), ("value", "many")];
        let response = boss.post(format!("{base}/targets")).form(&bad).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 422);
        assert!(response.text().await.expect("text").contains("id=\"target-error\""));

        // A rep sees their own target and nobody else's.
        let rep = logged_in(&base, "r1").await;
        let page = rep.get(format!("{base}/targets?period=2024-07")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("rep:R1") && !page.contains("rep:R2"), "{page}");
        assert_eq!(rep.post(format!("{base}/targets")).form(&target).send().await.expect("post").status().as_u16(), 403);

        // The admin adds an account; its generated password logs in; disabled, it no longer does.
        let admin = logged_in(&base, "admin").await;
        let new = [("login", "r2"), ("name", "李四"), ("role", "rep"), ("rep_id", "R2")];
        let page = admin.post(format!("{base}/settings/users")).form(&new).send().await.expect("post").text().await.expect("text");
        let password = page.split("id=\"new-password\">").nth(1).and_then(|p| p.split('<').next()).expect("the password is shown once");
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let log_in = |password: String| {
            let client = client.clone();
            let base = base.clone();
            async move {
                client
                    .post(format!("{base}/login"))
                    .form(&[("login", "r2"), ("password", password.as_str())])
                    .send()
                    .await
                    .expect("login")
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(log_in(password.to_string()).await, 303);
        assert_eq!(admin.post(format!("{base}/settings/users/r2/disable")).send().await.expect("post").status().as_u16(), 303);
        assert_eq!(log_in(password.to_string()).await, 401, "a disabled account cannot log in");
        assert_eq!(
            boss.get(format!("{base}/settings/users")).send().await.expect("get").status().as_u16(),
            403,
            "only the admin manages accounts"
        );
    })
    .await;
}

#[tokio::test]
async fn the_admin_edits_the_talk_tracks_on_a_page_that_refuses_a_broken_file() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let admin = logged_in(&base, "admin").await;
        let page = admin.get(format!("{base}/settings/conversation")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("[key_messages]"), "the defaults are shown as TOML");
        let broken = [("text", "[key_messages\nopening = [")];
        let page =
            admin.post(format!("{base}/settings/conversation")).form(&broken).send().await.expect("post").text().await.expect("text");
        assert!(
            page.contains("class=\"error\" id=\"phrases-message\"") && page.contains("[key_messages\nopening = ["),
            "the reason, and the text kept"
        );
        let config =
            "competitors = [\"友商\"]\nfillers = [\"那个\"]\n\n[key_messages]\nopening = [\"您好\"]\n\n[objections]\nprice = [\"太贵\"]\n";
        let page = admin
            .post(format!("{base}/settings/conversation"))
            .form(&[("text", config)])
            .send()
            .await
            .expect("post")
            .text()
            .await
            .expect("text");
        assert!(page.contains("class=\"notice\" id=\"phrases-message\""), "{page}");
        let stored = salescope_import::transcripts::phrase_config(&store.db).await.expect("config");
        assert_eq!(stored.key_messages.len(), 1);
        let boss = logged_in(&base, "boss").await;
        assert_eq!(boss.get(format!("{base}/settings/conversation")).send().await.expect("get").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn a_team_lead_checks_sampled_daily_reports_against_the_records() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let rep = logged_in(&base, "r1").await;
        let (day, week) = (today().to_string(), Period::week_of(today()).label());
        let report =
            [("csrf", rep.csrf.as_str()), ("date", day.as_str()), ("new_customers", "1"), ("followups", "0"), ("deal_amount", "0")];
        assert_eq!(rep.client.post(format!("{base}/daily-report")).form(&report).send().await.expect("post").status().as_u16(), 303);

        let lead = logged_in(&base, "lead").await;
        let page = lead.get(format!("{base}/audit?scope=team:一部&period={week}")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("张三") && page.contains("class=\"inline check-form\""), "the report is drawn, unchecked");
        let check = [
            ("rep_id", "R1"),
            ("date", day.as_str()),
            ("result", "discrepancy"),
            ("note", "无通话记录"),
            ("scope", "team:一部"),
            ("period", week.as_str()),
        ];
        let response = lead.post(format!("{base}/audit/check")).form(&check).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 303);
        let page = lead.get(format!("{base}/audit?scope=team:一部&period={week}")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("无通话记录") && !page.contains("class=\"inline check-form\""), "the check is shown in place of the form");
        assert_eq!(rep.get(format!("{base}/audit")).send().await.expect("get").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn the_calendar_page_shows_a_year_and_takes_changes_from_planners_only() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let boss = logged_in(&base, "boss").await;
        let page = boss.get(format!("{base}/settings/calendar?year=2025")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("248"), "2025 has 248 working days");
        let change = [("days", "2027-02-06..2027-02-12"), ("kind", "holiday"), ("name", "春节")];
        let response = boss.post(format!("{base}/settings/calendar")).form(&change).send().await.expect("post");
        assert_eq!(response.headers()["location"], "/settings/calendar?year=2027");
        let page = boss.get(format!("{base}/settings/calendar?year=2027")).send().await.expect("get").text().await.expect("text");
        assert_eq!(page.matches("<span class=\"badge good\">春节</span>").count(), 7, "seven days of 春节");
        let bad = [("days", "2027-01-01..2027-03-31"), ("kind", "holiday"), ("name", "x")];
        assert_eq!(boss.post(format!("{base}/settings/calendar")).form(&bad).send().await.expect("post").status().as_u16(), 422);
        let lead = logged_in(&base, "lead").await;
        assert_eq!(lead.post(format!("{base}/settings/calendar")).form(&change).send().await.expect("post").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn the_admin_defines_a_custom_kpi_and_sets_a_scorecard_on_the_kpi_page() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let admin = logged_in(&base, "admin").await;
        let page = admin.get(format!("{base}/settings/kpis")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("outbound_connected &#x2f; outbound_calls * 100"), "the catalogue shows formulas");
        let kpi = [
            ("id", "talk_per_call"),
            ("name_en", "Talk per connected call"),
            ("name_zh", "每通接通通话时长"),
            ("unit", "seconds"),
            ("direction", "higher"),
            ("formula", "talk_seconds / outbound_connected"),
        ];
        let response = admin.post(format!("{base}/settings/kpis")).form(&kpi).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 303);
        let values: Value = admin
            .get(format!("{base}/api/v1/kpis?kpi=talk_per_call&scope=org&period=2024-07"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert!(values["values"][0]["value"].is_number(), "the new KPI is computed: {values}");
        let mut bad = kpi;
        bad[5] = ("formula", "talk_seconds / nothing_like_this");
        let response = admin.post(format!("{base}/settings/kpis")).form(&bad).send().await.expect("post");
        assert_eq!(response.status().as_u16(), 422);
        assert!(response.text().await.expect("text").contains("id=\"kpi-error\""));

        let card = [("role", "rep"), ("weights", "revenue=50, talk_per_call=50")];
        assert_eq!(admin.post(format!("{base}/settings/kpis/scorecard")).form(&card).send().await.expect("post").status().as_u16(), 303);
        let cards: Value = admin.get(format!("{base}/api/v1/scorecards")).send().await.expect("get").json().await.expect("json");
        assert!(cards.to_string().contains("talk_per_call"), "{cards}");
        let boss = logged_in(&base, "boss").await;
        assert_eq!(boss.post(format!("{base}/settings/kpis")).form(&kpi).send().await.expect("post").status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn the_trainer_plans_a_course_signs_reps_in_and_only_attendees_give_feedback() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let coach = logged_in(&base, "coach").await;
        let course = [
            ("course_id", "NEG"),
            ("title", "客户谈判技巧"),
            ("pass_score", "70"),
            ("cost", "12,000"),
            ("hours", "6"),
            ("target_kpis", "win_rate，outbound_calls"),
        ];
        assert_eq!(coach.submit("/training/courses", &course).await.0, 303);
        // A session of a course that does not exist is refused with the rule's message.
        let (status, page) =
            coach.submit("/training/sessions", &[("session_id", "X-1"), ("course_id", "NOPE"), ("starts_at", "2024-07-08 09:00")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("no course has this id"), "{page}");
        let session = [("session_id", "NEG-1"), ("course_id", "NEG"), ("starts_at", "2024-07-08 09:00"), ("place", "总部")];
        assert_eq!(coach.submit("/training/sessions", &session).await.0, 303);
        assert_eq!(coach.submit("/training/sessions/NEG-1/signin", &[("rep_id", "R1"), ("signed_in_at", "2024-07-08 08:55")]).await.0, 303);
        assert_eq!(coach.submit("/training/sessions/NEG-1/score", &[("rep_id", "R1"), ("phase", "post"), ("score", "82")]).await.0, 303);
        let (status, page) = coach.submit("/training/sessions/NEG-1/score", &[("rep_id", "R1"), ("phase", "pre"), ("score", "130")]).await;
        assert_eq!(status, 422, "a score above 100 is refused: {page}");
        let sheet = coach.get(format!("{base}/training/sessions/NEG-1")).send().await.expect("get").text().await.expect("text");
        assert!(sheet.contains("张三") && sheet.contains("2024-07-08 08:55") && sheet.contains("82"), "{sheet}");

        // R1 attended and may rate the session; the lead did not and may not; nobody may rate twice as someone else.
        let r1 = logged_in(&base, "r1").await;
        assert_eq!(r1.get(format!("{base}/training/sessions/NEG-1/feedback")).send().await.expect("get").status().as_u16(), 200);
        let rating =
            [("content", "5"), ("trainer", "4"), ("practice", "4"), ("organisation", "3"), ("comment", "很实用"), ("rep_id", "R2")];
        assert_eq!(r1.submit("/training/sessions/NEG-1/feedback", &rating).await.0, 303);
        let lead = logged_in(&base, "lead").await;
        assert_eq!(lead.submit("/training/sessions/NEG-1/feedback", &rating).await.0, 403);
        // The course report names reps: the trainer reads it, the rep does not.
        let report: Value =
            coach.get(format!("{base}/api/v1/training/courses/NEG/report")).send().await.expect("get").json().await.expect("json");
        assert_eq!(report["reaction"]["responses"], 1, "{report}");
        assert_eq!(report["reaction"]["dimensions"][0]["mean"], 5.0);
        assert_eq!(report["reaction"]["comments"][0], "很实用");
        assert_eq!(report["learning"]["passed"], 1);
        assert_eq!(report["course"]["target_kpis"], json!(["win_rate", "outbound_calls"]));
        for path in [
            "/api/v1/training/courses/NEG/report",
            "/api/v1/training/courses/NEG/signin",
            "/api/v1/training/plan",
            "/training/courses/NEG",
            "/training/sessions/NEG-1",
        ] {
            assert_eq!(r1.get(format!("{base}{path}")).send().await.expect("get").status().as_u16(), 403, "{path}");
        }
        let page = r1.get(format!("{base}/training")).send().await.expect("get").text().await.expect("text").replace("&#x2f;", "/");
        assert!(page.contains("/training/sessions/NEG-1/feedback"), "an attendee is offered the feedback form");
        // Nor may a rep plan courses.
        assert_eq!(r1.submit("/training/courses", &course).await.0, 403);
        let xlsx = coach.get(format!("{base}/api/v1/training/courses/NEG/signin?format=xlsx")).send().await.expect("get");
        assert_eq!(xlsx.status().as_u16(), 200);
        assert!(xlsx.bytes().await.expect("bytes").starts_with(b"PK"), "an XLSX file");
        let admin = logged_in(&base, "admin").await;
        let log = admin.get(format!("{base}/changes")).send().await.expect("get").text().await.expect("text");
        for entity in ["courses", "sessions", "attendance", "assessments", "training-feedback"] {
            assert!(log.contains(entity), "{entity} is in the change log");
        }
    })
    .await;
}

#[tokio::test]
async fn reps_put_their_own_deals_in_forecast_categories_and_the_forecast_rolls_them_up() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let admin = logged_in(&base, "admin").await;
        let deals = json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01 09:00", "status": "open", "amount": 1000},
            {"deal_id": "D2", "rep_id": "R1", "customer_id": "K2", "created_at": "2024-07-02 09:00", "status": "won", "amount": 300, "closed_at": "2024-07-05 10:00", "contract_no": "HT-2"},
            {"deal_id": "D3", "rep_id": "R3", "customer_id": "K3", "created_at": "2024-07-03 09:00", "status": "open", "amount": 500}
        ]);
        let response = admin.post(format!("{base}/api/v1/ingest/deals")).json(&deals).send().await.expect("ingest");
        assert_eq!(response.status().as_u16(), 200);
        let r1 = logged_in(&base, "r1").await;
        let set = |browser: &Browser, deal: &str, category: &str| {
            let request = browser.put(format!("{base}/api/v1/deals/{deal}/forecast-category")).json(&json!({"category": category}));
            async move { request.send().await.expect("put").status().as_u16() }
        };
        assert_eq!(set(&r1, "D1", "commit").await, 204, "a rep sets their own deal");
        assert_eq!(set(&r1, "D3", "commit").await, 403, "not a deal of another team's rep");
        assert_eq!(set(&r1, "D1", "maybe").await, 400);
        assert_eq!(set(&r1, "D9", "commit").await, 404);
        // The page form does the same and lands back on the rep's page.
        let form = r1.post(format!("{base}/reps/R1/deals/D1/category")).form(&[("category", "best_case")]).send().await.expect("post");
        assert_eq!(form.status().as_u16(), 303);
        let page = r1.get(format!("{base}/reps/R1")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("value=\"best_case\" selected"), "the page shows the category");
        // A manager's roll-up for July as of the 31st: closed 300, commit unchanged, best case
        // + D1's 1,000, pipeline + D3's 500 (no category: pipeline).
        let boss = logged_in(&base, "boss").await;
        let forecast: Value = boss
            .get(format!("{base}/api/v1/forecast?period=2024-07&as_of=2024-07-31"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(forecast["categories"], json!({"closed": 300.0, "commit": 300.0, "best_case": 1300.0, "pipeline": 1800.0}));
        // Asked in October, July is over: it is forecast, not a server error.
        let late = boss.get(format!("{base}/api/v1/forecast?period=2024-07&as_of=2024-10-01")).send().await.expect("get");
        assert_eq!(late.status().as_u16(), 200);
        let log = admin.get(format!("{base}/changes")).send().await.expect("get").text().await.expect("text");
        assert!(log.contains("forecast_category"), "category changes are logged");
    })
    .await;
}

#[tokio::test]
async fn a_team_lead_turns_a_gap_into_a_coaching_task_with_notes_a_follow_up_and_an_end() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let lead = logged_in(&base, "lead").await;
        let gap = [
            ("rep_id", "R1"),
            ("kind", "kpi"),
            ("name", "outbound_calls"),
            ("label", "Outbound calls"),
            ("baseline", "1"),
            ("team_median", "3"),
            ("due", "2024-08-15"),
        ];
        assert_eq!(lead.submit("/coaching/tasks", &gap).await.0, 303);
        let mut other = gap;
        other[0] = ("rep_id", "R3");
        assert_eq!(lead.submit("/coaching/tasks", &other).await.0, 403, "R3 is not in the lead's team");
        let page = lead.get(format!("{base}/coaching")).send().await.expect("get").text().await.expect("text");
        let id = page.split("data-id=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the task's row").to_string();
        assert_eq!(lead.submit(&format!("/coaching/tasks/{id}/note"), &[("note", "每天上午先打 20 通")]).await.0, 303);
        assert_eq!(lead.submit(&format!("/coaching/tasks/{id}/remeasure"), &[]).await.0, 303);
        let page = lead.get(format!("{base}/coaching")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("每天上午先打 20 通"), "the note is on the task");
        assert!(page.contains("no data yet"), "the follow-up found no calls in the last 30 days");
        assert!(page.contains("badge bad\">2024-08-15"), "the task is overdue");
        // The rep reads their own task but writes nothing.
        let rep = logged_in(&base, "r1").await;
        let own = rep.get(format!("{base}/coaching")).send().await.expect("get").text().await.expect("text");
        assert!(own.contains("每天上午先打 20 通") && !own.contains("remeasure"), "read-only for the rep");
        assert_eq!(rep.submit(&format!("/coaching/tasks/{id}/status"), &[("status", "done")]).await.0, 403);
        assert_eq!(lead.submit(&format!("/coaching/tasks/{id}/status"), &[("status", "done")]).await.0, 303);
        let admin = logged_in(&base, "admin").await;
        let log = admin.get(format!("{base}/changes")).send().await.expect("get").text().await.expect("text");
        assert!(log.contains("coaching_task"), "coaching tasks are in the change log");
    })
    .await;
}

#[tokio::test]
async fn a_manager_confirms_the_learned_stage_order_then_edits_the_pipelines_on_the_page_and_as_a_file() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let admin = logged_in(&base, "admin").await;
        let deals = json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01", "status": "open", "amount": 1000},
            {"deal_id": "D2", "rep_id": "R3", "customer_id": "K2", "created_at": "2024-07-01", "status": "open", "amount": 500}
        ]);
        let stages = json!([
            {"deal_id": "D1", "stage": "接触", "entered_at": "2024-07-01 09:00"},
            {"deal_id": "D1", "stage": "报价", "entered_at": "2024-07-03 09:00"},
            {"deal_id": "D2", "stage": "接触", "entered_at": "2024-07-02 09:00"}
        ]);
        for (kind, records) in [("deals", deals), ("deal-stages", stages)] {
            let response = admin.post(format!("{base}/api/v1/ingest/{kind}")).json(&records).send().await.expect("ingest");
            assert_eq!(response.status().as_u16(), 200);
        }
        let api: Value = admin.get(format!("{base}/api/v1/pipelines")).send().await.expect("get").json().await.expect("json");
        assert_eq!(api["configured"], json!(false));
        let learned: Vec<(Value, Value)> =
            api["pipelines"][0]["stages"].as_array().expect("stages").iter().map(|s| (s["key"].clone(), s["deals"].clone())).collect();
        assert_eq!(learned, [(json!("接触"), json!(2)), (json!("报价"), json!(1))]);
        let listed = api["pipelines"][0]["id"].as_str().expect("the learned order's id").to_string();
        let funnel = admin.get(format!("{base}/api/v1/pipeline/funnel?pipeline={listed}&period=2024-07")).send().await.expect("get");
        assert_eq!(funnel.status().as_u16(), 200, "the id the list gives is one the routes take");

        let boss = logged_in(&base, "boss").await;
        let rep = logged_in(&base, "r1").await;
        assert_eq!(rep.submit("/pipeline/stages/confirm", &[]).await.0, 403, "a rep does not configure the process");
        let page = boss.get(format!("{base}/pipeline/stages")).send().await.expect("get").text().await.expect("text");
        assert!(
            page.contains("id=\"learned-order\"") && page.contains("id=\"confirm-order\""),
            "the learned order awaits confirmation: {page}"
        );
        assert_eq!(boss.submit("/pipeline/stages/confirm", &[]).await.0, 303);

        // Rename a stage, add one, give milestones; a row with an empty key is dropped.
        let form = [
            ("name_en", "Sales"),
            ("name_zh", "销售"),
            ("key", "接触"),
            ("stage_name_en", "First contact"),
            ("stage_name_zh", ""),
            ("milestones", "需求确认\n决策人已识别"),
            ("entry_criteria", "客户同意沟通"),
            ("key", "报价"),
            ("stage_name_en", "Quote"),
            ("key", "谈判"),
            ("stage_name_en", "Negotiation"),
            ("key", ""),
            ("stage_name_en", "ignored"),
        ];
        assert_eq!(boss.submit("/pipeline/stages/default", &form).await.0, 303);
        let stored = store.db.pipelines().await.expect("pipelines");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].order(), ["接触", "报价", "谈判"]);
        assert_eq!(stored[0].stages[0].milestones, ["需求确认", "决策人已识别"]);
        let page =
            boss.get(format!("{base}/pipeline?lang=en&scope=org&period=2024-07")).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("First contact"), "the pipeline page names stages as configured");

        // A duplicate stage is refused with the rule named, and nothing changes.
        let dup = [("name_en", "Sales"), ("key", "接触"), ("key", "接触")];
        let (status, page) = boss.submit("/pipeline/stages/default", &dup).await;
        assert_eq!(status, 422);
        assert!(page.contains("id=\"process-message\"") && page.contains("twice"), "{page}");
        assert_eq!(store.db.pipelines().await.expect("pipelines"), stored);

        // The file: a broken one is refused and kept in the box; a good one replaces everything.
        let broken = "[[pipeline]]\nid = \"x\"\nstage = [";
        let (status, page) = boss.submit("/pipeline/stages/file", &[("file", broken)]).await;
        assert_eq!(status, 422);
        assert!(page.contains("line 3") && page.contains("id = &quot;x&quot;"), "{page}");
        let file = boss.get(format!("{base}/pipeline/stages.toml")).send().await.expect("get").text().await.expect("text");
        assert!(file.contains("key = \"接触\"") && file.contains("决策人已识别"), "{file}");
        let two = format!("{file}\n[[pipeline]]\nid = \"service\"\nname_zh = \"服务\"\n\n[[pipeline.stage]]\nkey = \"调研\"\n");
        assert_eq!(boss.submit("/pipeline/stages/file", &[("file", &two)]).await.0, 303);
        let api: Value = admin.get(format!("{base}/api/v1/pipelines")).send().await.expect("get").json().await.expect("json");
        assert_eq!(api["configured"], json!(true));
        assert_eq!(api["pipelines"][1]["id"], json!("service"));
        assert_eq!(api["pipelines"][0]["stages"][0]["deals"], json!(2));
        let funnel = admin.get(format!("{base}/api/v1/pipeline/funnel?period=2024-07&pipeline=service")).send().await.expect("get");
        assert_eq!(funnel.status().as_u16(), 200);
        let unknown = admin.get(format!("{base}/api/v1/pipeline/funnel?period=2024-07&pipeline=nope")).send().await.expect("get");
        assert_eq!(unknown.status().as_u16(), 404);
        assert_eq!(boss.submit("/pipeline/stages/service/delete", &[]).await.0, 303);
        assert_eq!(store.db.pipelines().await.expect("pipelines").len(), 1);
        let log = admin.get(format!("{base}/changes")).send().await.expect("get").text().await.expect("text");
        assert!(log.contains("pipeline"), "configuration changes are logged");
    })
    .await;
}

// ----- the scoping matrix: every route × every role × a record inside and outside their reach -----

/// The accounts a request is let through for, by login (see `start`). "Inside" is R1 or 一部,
/// "beyond" is R3, 二部 or the whole organisation.
type Who = &'static [&'static str];
const EVERY_ROLE: Who = &["r1", "lead", "unit", "coach", "boss", "admin"];
/// R1's own records: R1, the lead and the manager of 一部, the managers of everything.
const RECORDS_OF_R1: Who = &["r1", "lead", "unit", "boss", "admin"];
/// The records of the team 一部: not a rep of it.
const RECORDS_OF_UNIT: Who = &["lead", "unit", "boss", "admin"];
/// Figures of 一部: a rep of it sees their team's totals, the trainer every figure.
const FIGURES_OF_UNIT: Who = EVERY_ROLE;
/// Figures beyond 一部: the trainer and those who see everything.
const FIGURES_BEYOND: Who = &["coach", "boss", "admin"];
/// Records beyond 一部, and the organisation's own records.
const RECORDS_BEYOND: Who = &["boss", "admin"];
/// Targets, the calendar and tracking of 一部 (the `Plan` permission within reach).
const PLANNERS_OF_UNIT: Who = &["unit", "boss", "admin"];
/// Review notes, actions and audit checks of 一部.
const REVIEWERS_OF_UNIT: Who = &["lead", "unit", "boss", "admin"];
/// The training records and their reports: the organisation's, so not a manager of one unit.
const TRAINERS: Who = &["coach", "boss", "admin"];
/// Those who import: the manager of 一部 only for 一部's reps.
const IMPORTERS_OF_UNIT: Who = &["unit", "boss", "admin"];
/// Training records of R1: the trainers, and the manager of 一部 with the `Train` permission.
const TRAINERS_OF_R1: Who = &["unit", "coach", "boss", "admin"];
const ADMIN: Who = &["admin"];

enum Body {
    Empty,
    Json(Value),
    Form(Vec<(&'static str, String)>),
    /// The login form with the account's own password, sent without a session.
    OwnLogin,
    /// The import page's upload of a daily-reports CSV.
    Upload(&'static str),
}

struct Probe {
    uri: String,
    body: Body,
    allowed: Who,
    /// Done by the first account let through; those after it find nothing left to do (422).
    once: bool,
}

/// One route as the router registers it, with the requests that probe its scoping.
struct Route {
    method: &'static str,
    path: &'static str,
    public: bool,
    probes: Vec<Probe>,
}

fn route(method: &'static str, path: &'static str) -> Route {
    Route { method, path, public: false, probes: Vec::new() }
}

impl Route {
    fn probe(mut self, uri: impl Into<String>, body: Body, allowed: Who) -> Route {
        self.probes.push(Probe { uri: uri.into(), body, allowed, once: false });
        self
    }

    /// Inside and beyond, the same request with `{in}` replaced by `inside` and by `beyond`.
    fn both(self, uri: &str, inside: (&str, Who), beyond: (&str, Who)) -> Route {
        self.probe(uri.replace("{in}", inside.0), Body::Empty, inside.1).probe(uri.replace("{in}", beyond.0), Body::Empty, beyond.1)
    }

    fn once(mut self) -> Route {
        if let Some(last) = self.probes.last_mut() {
            last.once = true;
        }
        self
    }

    fn public(mut self) -> Route {
        self.public = true;
        self
    }
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// The records the probes name: ids of rows the fixture creates.
struct Fixture {
    action_inside: String,
    action_beyond: String,
    task_inside: String,
    task_beyond: String,
    /// The pipelines as their file, learned from the deals' stages.
    pipelines_file: String,
}

/// The coaching-task form for a gap of `rep`, as the coaching page sends it.
fn coaching_gap(rep: &str) -> [(&'static str, &str); 7] {
    [
        ("rep_id", rep),
        ("kind", "kpi"),
        ("name", "outbound_calls"),
        ("label", "Outbound calls"),
        ("baseline", "1"),
        ("team_median", "3"),
        ("due", "2030-08-15"),
    ]
}

/// An improvement action about `team`, as the API takes it.
fn team_action(team: &str) -> Value {
    json!({"raised_on": "2024-07-25", "problem": "接通率低", "people": team, "cause_category": "ability", "cause_kind": "subjective",
           "cause": "开场白", "measures": "练习", "owner": "主管", "deadline": "2030-08-05",
           "criterion": format!("connect_rate >= 40% for team:{team}")})
}

/// Deals, daily reports, a course with two sessions, an action and a coaching task on each side.
async fn matrix_fixture(base: &str) -> Fixture {
    let admin = logged_in(base, "admin").await;
    let ingest = async |kind: &str, records: Value| {
        let response = admin.post(format!("{base}/api/v1/ingest/{kind}")).json(&records).send().await.expect("ingest");
        let report: Value = response.json().await.expect("report");
        assert_eq!(report["rejected"], 0, "{kind}: {report}");
    };
    ingest(
        "deals",
        json!([
            {"deal_id": "D1", "rep_id": "R1", "customer_id": "K1", "created_at": "2024-07-01 09:00", "status": "open", "amount": 5000},
            {"deal_id": "D3", "rep_id": "R3", "customer_id": "K3", "created_at": "2024-07-01 09:00", "status": "open", "amount": 7000}
        ]),
    )
    .await;
    ingest(
        "deal-stages",
        json!([
            {"deal_id": "D1", "stage": "接触", "entered_at": "2024-07-01 09:00"},
            {"deal_id": "D1", "stage": "报价", "entered_at": "2024-07-03 09:00"},
            {"deal_id": "D3", "stage": "接触", "entered_at": "2024-07-02 09:00"}
        ]),
    )
    .await;
    let pipelines_file = admin.get(format!("{base}/pipeline/stages.toml")).send().await.expect("get").text().await.expect("text");
    ingest(
        "daily-reports",
        json!([
            {"rep_id": "R1", "date": "2024-07-08", "new_customers": 1, "followups": 0, "deal_amount": 0},
            {"rep_id": "R3", "date": "2024-07-08", "new_customers": 3, "followups": 0, "deal_amount": 0}
        ]),
    )
    .await;
    let transcripts = json!([
        {"call_id": "C1", "turns": [{"speaker": "agent", "start": 0, "end": 4, "text": "您好"}, {"speaker": "customer", "start": 4, "end": 6, "text": "嗯"}]},
        {"call_id": "C3", "turns": [{"speaker": "agent", "start": 0, "end": 4, "text": "您好"}, {"speaker": "customer", "start": 4, "end": 6, "text": "嗯"}]}
    ]);
    let response = admin.post(format!("{base}/api/v1/ingest/transcripts")).json(&transcripts).send().await.expect("ingest");
    assert_eq!(response.status().as_u16(), 200);
    let course =
        [("course_id", "CRS"), ("title", "谈判"), ("pass_score", "70"), ("cost", "1000"), ("hours", "2"), ("target_kpis", "win_rate")];
    assert_eq!(admin.submit("/training/courses", &course).await.0, 303);
    for (session, rep) in [("S1", "R1"), ("S3", "R3")] {
        assert_eq!(
            admin.submit("/training/sessions", &[("session_id", session), ("course_id", "CRS"), ("starts_at", "2024-07-08 09:00")]).await.0,
            303
        );
        assert_eq!(
            admin.submit(&format!("/training/sessions/{session}/signin"), &[("rep_id", rep), ("signed_in_at", "2024-07-08 08:55")]).await.0,
            303
        );
    }
    let action = async |team: &str| {
        let created: Value =
            admin.post(format!("{base}/api/v1/actions")).json(&team_action(team)).send().await.expect("post").json().await.expect("json");
        created["id"].to_string()
    };
    let (action_inside, action_beyond) = (action("一部").await, action("二部").await);
    let mut tasks = Vec::new();
    for rep in ["R1", "R3"] {
        assert_eq!(admin.submit("/coaching/tasks", &coaching_gap(rep)).await.0, 303);
        let page = admin.get(format!("{base}/coaching")).send().await.expect("get").text().await.expect("text");
        let new =
            page.split("data-id=\"").skip(1).filter_map(|rest| rest.split('"').next()).find(|id| !tasks.iter().any(|t: &String| t == id));
        tasks.push(new.expect("the new task's row").to_string());
    }
    Fixture { action_inside, action_beyond, task_inside: tasks[0].clone(), task_beyond: tasks[1].clone(), pipelines_file }
}

/// Every route of the server with its probes. A route the router has and this table has not
/// fails the test: a new route gets its row here before it lands.
fn scoping_matrix(f: &Fixture) -> Vec<Route> {
    let q = "period=2024-07&kpi=outbound_calls";
    let today = today().to_string();
    let report = |rep: &str| form(&[("rep_id", rep), ("date", &today), ("new_customers", "1"), ("followups", "0"), ("deal_amount", "0")]);
    let note = |team: &str| form(&[("scope", team), ("period", "2024-W28"), ("field", "main_problem"), ("value", "接通率低")]);
    let action_form = |team: &str| {
        form(&[
            ("problem", "接通率低"),
            ("people", "张三"),
            ("cause_category", "ability"),
            ("measures", "练习"),
            ("owner", "主管"),
            ("deadline", "2030-12-31"),
            ("criterion", &format!("connect_rate >= 40% for team:{team}")),
        ])
    };
    let gap = |rep: &str| form(&coaching_gap(rep));
    let json_body = Body::Json;
    vec![
        // Public.
        route("GET", "/login").probe("/login", Body::Empty, EVERY_ROLE).public(),
        route("POST", "/login").probe("/login", Body::OwnLogin, EVERY_ROLE).public(),
        route("GET", "/healthz").probe("/healthz", Body::Empty, EVERY_ROLE).public(),
        route("GET", "/api/v1/openapi.json").probe("/api/v1/openapi.json", Body::Empty, EVERY_ROLE).public(),
        route("GET", "/static/{file}").probe("/static/app.css", Body::Empty, EVERY_ROLE).public(),
        // Pages of everyone signed in; each opens on the account's own reach.
        route("GET", "/").probe("/", Body::Empty, EVERY_ROLE),
        route("POST", "/language").probe("/language", form(&[("lang", "zh-CN")]), EVERY_ROLE),
        route("GET", "/dashboard").both(
            "/dashboard?scope={in}&period=2024-07",
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/explore").both(
            "/explore?scope={in}&period=2024-07&kpi=outbound_calls",
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/reps/{rep_id}").both("/reps/{in}", ("R1", RECORDS_OF_R1), ("R3", RECORDS_BEYOND)),
        route("GET", "/daily-report").probe("/daily-report", Body::Empty, &["r1", "lead"]),
        // The form files the account's own report, whichever rep the request names.
        route("POST", "/daily-report").probe("/daily-report", report("R1"), &["r1", "lead"]).probe(
            "/daily-report",
            report("R3"),
            &["r1", "lead"],
        ),
        route("GET", "/changes").probe("/changes", Body::Empty, &["unit", "boss", "admin"]),
        route("GET", "/conversation").both(
            "/conversation?scope={in}&period=2024-07",
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/calls/{call_id}").both("/calls/{in}", ("C1", RECORDS_OF_R1), ("C3", RECORDS_BEYOND)),
        route("GET", "/settings/conversation").probe("/settings/conversation", Body::Empty, ADMIN),
        route("POST", "/settings/conversation").probe("/settings/conversation", form(&[("text", "[key_messages\nopening = [")]), ADMIN),
        route("GET", "/targets").probe("/targets?period=2024-07", Body::Empty, EVERY_ROLE),
        route("POST", "/targets")
            .probe(
                "/targets",
                form(&[("kpi", "outbound_calls"), ("scope", "team:一部"), ("period", "2024-07"), ("value", "40")]),
                PLANNERS_OF_UNIT,
            )
            .probe(
                "/targets",
                form(&[("kpi", "outbound_calls"), ("scope", "team:二部"), ("period", "2024-07"), ("value", "40")]),
                RECORDS_BEYOND,
            ),
        route("POST", "/targets/split")
            .probe(
                "/targets/split",
                form(&[("kpi", "outbound_calls"), ("scope", "team:一部"), ("period", "2024-07"), ("into", "reps"), ("by", "even")]),
                PLANNERS_OF_UNIT,
            )
            .probe(
                "/targets/split",
                form(&[("kpi", "outbound_calls"), ("scope", "team:二部"), ("period", "2024-07"), ("into", "reps"), ("by", "even")]),
                RECORDS_BEYOND,
            ),
        route("GET", "/settings/calendar").probe("/settings/calendar?year=2024", Body::Empty, EVERY_ROLE),
        route("POST", "/settings/calendar").probe(
            "/settings/calendar",
            form(&[("days", "2027-02-06..2027-02-12"), ("kind", "holiday"), ("name", "春节")]),
            RECORDS_BEYOND,
        ),
        route("GET", "/settings/kpis").probe("/settings/kpis", Body::Empty, ADMIN),
        route("POST", "/settings/kpis").probe(
            "/settings/kpis",
            form(&[
                ("id", "talk_per_call"),
                ("name_en", "Talk per call"),
                ("name_zh", "每通时长"),
                ("unit", "seconds"),
                ("direction", "higher"),
                ("formula", "talk_seconds / outbound_connected"),
            ]),
            ADMIN,
        ),
        route("POST", "/settings/kpis/scorecard").probe(
            "/settings/kpis/scorecard",
            form(&[("role", "rep"), ("weights", "revenue=50, outbound_calls=50")]),
            ADMIN,
        ),
        route("GET", "/settings/teams").probe("/settings/teams", Body::Empty, EVERY_ROLE),
        route("GET", "/settings/users").probe("/settings/users", Body::Empty, ADMIN),
        route("POST", "/settings/users").probe(
            "/settings/users",
            form(&[("login", "spare2"), ("name", "备用"), ("role", "rep"), ("rep_id", "R2")]),
            ADMIN,
        ),
        route("POST", "/settings/users/{login}/{action}").probe("/settings/users/spare/disable", Body::Empty, ADMIN),
        route("GET", "/reviews/{kind}").both(
            "/reviews/weekly?scope={in}&period=2024-07",
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("POST", "/reviews/{kind}/note").probe("/reviews/weekly/note", note("team:一部"), REVIEWERS_OF_UNIT).probe(
            "/reviews/weekly/note",
            note("team:二部"),
            RECORDS_BEYOND,
        ),
        route("GET", "/actions").probe("/actions", Body::Empty, REVIEWERS_OF_UNIT),
        route("POST", "/actions").probe("/actions", action_form("一部"), REVIEWERS_OF_UNIT).probe(
            "/actions",
            action_form("二部"),
            RECORDS_BEYOND,
        ),
        route("POST", "/actions/{id}/status")
            .probe(format!("/actions/{}/status", f.action_inside), form(&[("status", "open")]), REVIEWERS_OF_UNIT)
            .probe(format!("/actions/{}/status", f.action_beyond), form(&[("status", "open")]), RECORDS_BEYOND),
        route("GET", "/audit").both("/audit?scope={in}&period=2024-W28", ("team:一部", REVIEWERS_OF_UNIT), ("team:二部", RECORDS_BEYOND)),
        route("POST", "/audit/check")
            .probe(
                "/audit/check",
                form(&[("rep_id", "R1"), ("date", "2024-07-08"), ("result", "confirmed"), ("scope", "team:一部"), ("period", "2024-W28")]),
                REVIEWERS_OF_UNIT,
            )
            .probe(
                "/audit/check",
                form(&[("rep_id", "R3"), ("date", "2024-07-08"), ("result", "confirmed"), ("scope", "team:二部"), ("period", "2024-W28")]),
                RECORDS_BEYOND,
            ),
        route("GET", "/import").probe("/import", Body::Empty, IMPORTERS_OF_UNIT),
        route("POST", "/import").probe(
            "/import",
            Body::Upload("rep_id,date,new_customers,followups,deal_amount\nR1,2024-07-10,1,0,0\n"),
            IMPORTERS_OF_UNIT,
        ),
        route("POST", "/import/commit").probe("/import/commit", form(&[("token", "none")]), IMPORTERS_OF_UNIT),
        route("GET", "/pipeline").both(
            "/pipeline?scope={in}&period=2024-07",
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/pipeline/stages").probe("/pipeline/stages", Body::Empty, EVERY_ROLE),
        route("GET", "/pipeline/stages.toml").probe("/pipeline/stages.toml", Body::Empty, EVERY_ROLE),
        route("POST", "/pipeline/stages/confirm").probe("/pipeline/stages/confirm", Body::Empty, RECORDS_BEYOND).once(),
        route("POST", "/pipeline/stages/file").probe("/pipeline/stages/file", form(&[("file", &f.pipelines_file)]), RECORDS_BEYOND),
        route("POST", "/pipeline/stages/{id}").probe(
            "/pipeline/stages/matrix",
            form(&[("name_en", "Matrix"), ("name_zh", "矩阵"), ("key", "接触"), ("stage_name_en", "Contact")]),
            RECORDS_BEYOND,
        ),
        route("POST", "/pipeline/stages/{id}/delete").probe("/pipeline/stages/matrix/delete", Body::Empty, RECORDS_BEYOND),
        // Lists each account's own reach: the content check keeps 二部 out of it.
        route("GET", "/coaching").probe("/coaching", Body::Empty, EVERY_ROLE),
        route("POST", "/coaching/tasks").probe("/coaching/tasks", gap("R1"), REVIEWERS_OF_UNIT).probe(
            "/coaching/tasks",
            gap("R3"),
            RECORDS_BEYOND,
        ),
        route("POST", "/coaching/tasks/{id}/note")
            .probe(format!("/coaching/tasks/{}/note", f.task_inside), form(&[("note", "每天 20 通")]), REVIEWERS_OF_UNIT)
            .probe(format!("/coaching/tasks/{}/note", f.task_beyond), form(&[("note", "每天 20 通")]), RECORDS_BEYOND),
        route("POST", "/coaching/tasks/{id}/remeasure")
            .probe(format!("/coaching/tasks/{}/remeasure", f.task_inside), Body::Empty, REVIEWERS_OF_UNIT)
            .probe(format!("/coaching/tasks/{}/remeasure", f.task_beyond), Body::Empty, RECORDS_BEYOND),
        route("POST", "/coaching/tasks/{id}/status")
            .probe(format!("/coaching/tasks/{}/status", f.task_inside), form(&[("status", "active")]), REVIEWERS_OF_UNIT)
            .probe(format!("/coaching/tasks/{}/status", f.task_beyond), form(&[("status", "active")]), RECORDS_BEYOND),
        route("POST", "/reps/{rep_id}/deals/{deal_id}/category")
            .probe("/reps/R1/deals/D1/category", form(&[("category", "best_case")]), RECORDS_OF_R1)
            .probe("/reps/R3/deals/D3/category", form(&[("category", "best_case")]), RECORDS_BEYOND),
        route("GET", "/training").probe("/training", Body::Empty, EVERY_ROLE),
        route("POST", "/training/courses").probe(
            "/training/courses",
            form(&[
                ("course_id", "CRS2"),
                ("title", "产品"),
                ("pass_score", "70"),
                ("cost", "1000"),
                ("hours", "2"),
                ("target_kpis", "win_rate"),
            ]),
            TRAINERS,
        ),
        route("POST", "/training/sessions").probe(
            "/training/sessions",
            form(&[("session_id", "S9"), ("course_id", "CRS"), ("starts_at", "2024-07-09 09:00")]),
            TRAINERS,
        ),
        route("GET", "/training/courses/{course}").probe("/training/courses/CRS", Body::Empty, TRAINERS),
        route("POST", "/training/courses/{course}/roi").probe(
            "/training/courses/CRS/roi",
            form(&[
                ("horizon_weeks", "12"),
                ("gross_margin_pct", "30"),
                ("avg_deal_size", "5000"),
                ("volume_per_rep_week", "2"),
                ("hourly_cost", "50"),
                ("attendee_hours", "2"),
                ("course_cost", "1000"),
            ]),
            TRAINERS,
        ),
        route("GET", "/training/sessions/{session}").probe("/training/sessions/S1", Body::Empty, TRAINERS),
        // Signing a rep in, or scoring them, is a record of that rep: a manager of 一部 may for R1.
        route("POST", "/training/sessions/{session}/signin")
            .probe("/training/sessions/S1/signin", form(&[("rep_id", "R1"), ("signed_in_at", "2024-07-09 08:55")]), TRAINERS_OF_R1)
            .probe("/training/sessions/S3/signin", form(&[("rep_id", "R3"), ("signed_in_at", "2024-07-09 08:55")]), TRAINERS),
        route("POST", "/training/sessions/{session}/score")
            .probe("/training/sessions/S1/score", form(&[("rep_id", "R1"), ("phase", "post"), ("score", "82")]), TRAINERS_OF_R1)
            .probe("/training/sessions/S3/score", form(&[("rep_id", "R3"), ("phase", "post"), ("score", "82")]), TRAINERS),
        route("GET", "/training/sessions/{session}/feedback").probe("/training/sessions/S1/feedback", Body::Empty, &["r1"]).probe(
            "/training/sessions/S3/feedback",
            Body::Empty,
            &[],
        ),
        route("POST", "/training/sessions/{session}/feedback")
            .probe(
                "/training/sessions/S1/feedback",
                form(&[("content", "5"), ("trainer", "4"), ("practice", "4"), ("organisation", "3")]),
                &["r1"],
            )
            .probe(
                "/training/sessions/S3/feedback",
                form(&[("content", "5"), ("trainer", "4"), ("practice", "4"), ("organisation", "3")]),
                &[],
            ),
        // The API.
        route("GET", "/api/v1/kpis").both(
            &format!("/api/v1/kpis?scope={{in}}&{q}"),
            ("team:一部", EVERY_ROLE),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/api/v1/kpis/catalogue").probe("/api/v1/kpis/catalogue", Body::Empty, EVERY_ROLE),
        route("GET", "/api/v1/leaderboard").both(
            &format!("/api/v1/leaderboard?scope={{in}}&{q}"),
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/scores").both(
            &format!("/api/v1/scores?scope={{in}}&{q}"),
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/scorecards").probe("/api/v1/scorecards", Body::Empty, EVERY_ROLE),
        route("PUT", "/api/v1/scorecards/{role}").probe("/api/v1/scorecards/rep", json_body(json!({"revenue": 1})), ADMIN),
        route("GET", "/api/v1/reports/{sheet}").both(
            &format!("/api/v1/reports/weekly?scope={{in}}&{q}"),
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("PUT", "/api/v1/reports/{sheet}/notes")
            .probe(
                "/api/v1/reports/monthly/notes",
                json_body(json!({"scope": "team:一部", "period": "2024-07", "field": "problems", "value": "x"})),
                REVIEWERS_OF_UNIT,
            )
            .probe(
                "/api/v1/reports/monthly/notes",
                json_body(json!({"scope": "team:二部", "period": "2024-07", "field": "problems", "value": "x"})),
                RECORDS_BEYOND,
            ),
        route("GET", "/api/v1/targets").probe("/api/v1/targets?period=2024-07", Body::Empty, EVERY_ROLE),
        route("PUT", "/api/v1/targets")
            .probe(
                "/api/v1/targets",
                json_body(json!({"kpi": "revenue", "scope": "team:一部", "period": "2024-07", "value": 1})),
                PLANNERS_OF_UNIT,
            )
            .probe(
                "/api/v1/targets",
                json_body(json!({"kpi": "revenue", "scope": "team:二部", "period": "2024-07", "value": 1})),
                RECORDS_BEYOND,
            ),
        route("POST", "/api/v1/targets/split")
            .probe(
                "/api/v1/targets/split",
                json_body(json!({"kpi": "revenue", "scope": "team:一部", "period": "2024-07", "into": "reps", "by": "even"})),
                PLANNERS_OF_UNIT,
            )
            .probe(
                "/api/v1/targets/split",
                json_body(json!({"kpi": "revenue", "scope": "team:二部", "period": "2024-07", "into": "reps", "by": "even"})),
                RECORDS_BEYOND,
            ),
        route("GET", "/api/v1/tracking").probe("/api/v1/tracking", Body::Empty, EVERY_ROLE),
        route("POST", "/api/v1/tracking/update").probe(
            "/api/v1/tracking/update",
            json_body(json!({"today": "2024-07-09"})),
            RECORDS_BEYOND,
        ),
        route("GET", "/api/v1/calendar").probe("/api/v1/calendar?year=2024", Body::Empty, EVERY_ROLE),
        route("PUT", "/api/v1/calendar").probe(
            "/api/v1/calendar",
            json_body(json!({"days": "2027-02-06..2027-02-12", "kind": "holiday", "name": "春节"})),
            RECORDS_BEYOND,
        ),
        route("GET", "/api/v1/actions").probe("/api/v1/actions", Body::Empty, REVIEWERS_OF_UNIT),
        route("POST", "/api/v1/actions").probe("/api/v1/actions", json_body(team_action("一部")), REVIEWERS_OF_UNIT).probe(
            "/api/v1/actions",
            json_body(team_action("二部")),
            RECORDS_BEYOND,
        ),
        route("PATCH", "/api/v1/actions/{id}")
            .probe(format!("/api/v1/actions/{}", f.action_inside), json_body(json!({"owner": "张主管"})), REVIEWERS_OF_UNIT)
            .probe(format!("/api/v1/actions/{}", f.action_beyond), json_body(json!({"owner": "张主管"})), RECORDS_BEYOND),
        route("POST", "/api/v1/actions/check")
            .probe("/api/v1/actions/check", json_body(json!({"today": "2024-08-05"})), REVIEWERS_OF_UNIT)
            .probe(
                "/api/v1/actions/check",
                json_body(json!({"today": "2024-08-05", "ids": [f.action_beyond.parse::<i64>().expect("id")]})),
                RECORDS_BEYOND,
            ),
        route("GET", "/api/v1/audit/sample").both(
            "/api/v1/audit/sample?scope={in}&period=2024-W28&percent=100",
            ("team:一部", REVIEWERS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/audit/reconcile").both(
            "/api/v1/audit/reconcile?scope={in}&period=2024-W28",
            ("team:一部", REVIEWERS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("POST", "/api/v1/audit/checks")
            .probe(
                "/api/v1/audit/checks",
                json_body(json!({"rep_id": "R1", "date": "2024-07-08", "result": "confirmed", "checked_by": "主管"})),
                REVIEWERS_OF_UNIT,
            )
            .probe(
                "/api/v1/audit/checks",
                json_body(json!({"rep_id": "R3", "date": "2024-07-08", "result": "confirmed", "checked_by": "主管"})),
                RECORDS_BEYOND,
            ),
        route("GET", "/api/v1/conversation/calls").both(
            &format!("/api/v1/conversation/calls?scope={{in}}&{q}"),
            ("rep:R1", RECORDS_OF_R1),
            ("rep:R3", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/conversation/compare").both(
            &format!("/api/v1/conversation/compare?scope={{in}}&{q}"),
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/calls/heatmap").both(
            &format!("/api/v1/calls/heatmap?scope={{in}}&{q}"),
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/api/v1/coaching/gaps").both(
            &format!("/api/v1/coaching/gaps?rep={{in}}&{q}"),
            ("R1", RECORDS_OF_R1),
            ("R3", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/forecast").both(
            &format!("/api/v1/forecast?scope={{in}}&{q}"),
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/api/v1/forecast/backtest").both(
            &format!("/api/v1/forecast/backtest?scope={{in}}&{q}"),
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        // Lead routing ranks the whole organisation's reps.
        route("GET", "/api/v1/leads/assign").both(
            &format!("/api/v1/leads/assign?segment=SMB&scope={{in}}&{q}"),
            ("team:一部", RECORDS_BEYOND),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/pipeline/funnel").both(
            &format!("/api/v1/pipeline/funnel?scope={{in}}&{q}"),
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/api/v1/pipeline/stuck").both(
            &format!("/api/v1/pipeline/stuck?scope={{in}}&{q}"),
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/pipeline/volatility").both(
            &format!("/api/v1/pipeline/volatility?scope={{in}}&{q}"),
            ("team:一部", RECORDS_OF_UNIT),
            ("team:二部", RECORDS_BEYOND),
        ),
        route("GET", "/api/v1/pipeline/weighted").both(
            &format!("/api/v1/pipeline/weighted?scope={{in}}&{q}"),
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/api/v1/pipeline/winloss").both(
            &format!("/api/v1/pipeline/winloss?scope={{in}}&{q}"),
            ("team:一部", FIGURES_OF_UNIT),
            ("team:二部", FIGURES_BEYOND),
        ),
        route("GET", "/api/v1/pipelines").probe("/api/v1/pipelines", Body::Empty, EVERY_ROLE),
        route("PUT", "/api/v1/deals/{deal}/forecast-category")
            .probe("/api/v1/deals/D1/forecast-category", json_body(json!({"category": "commit"})), RECORDS_OF_R1)
            .probe("/api/v1/deals/D3/forecast-category", json_body(json!({"category": "commit"})), RECORDS_BEYOND),
        route("GET", "/api/v1/training/plan").probe("/api/v1/training/plan", Body::Empty, TRAINERS),
        route("GET", "/api/v1/training/courses/{course}/signin").probe("/api/v1/training/courses/CRS/signin", Body::Empty, TRAINERS),
        route("GET", "/api/v1/training/courses/{course}/effect").probe(
            "/api/v1/training/courses/CRS/effect?kpi=win_rate",
            Body::Empty,
            TRAINERS,
        ),
        route("GET", "/api/v1/training/courses/{course}/report").probe("/api/v1/training/courses/CRS/report", Body::Empty, TRAINERS),
        route("POST", "/api/v1/ingest/{kind}")
            .probe(
                "/api/v1/ingest/daily-reports",
                json_body(json!([{"rep_id": "R1", "date": "2024-07-09", "new_customers": 1, "followups": 0, "deal_amount": 0}])),
                IMPORTERS_OF_UNIT,
            )
            .probe(
                "/api/v1/ingest/daily-reports",
                json_body(json!([{"rep_id": "R3", "date": "2024-07-09", "new_customers": 1, "followups": 0, "deal_amount": 0}])),
                RECORDS_BEYOND,
            ),
        route("POST", "/api/v1/ingest/transcripts")
            .probe(
                "/api/v1/ingest/transcripts",
                json_body(json!([{"call_id": "C1", "turns": [{"speaker": "agent", "text": "您好"}]}])),
                IMPORTERS_OF_UNIT,
            )
            .probe(
                "/api/v1/ingest/transcripts",
                json_body(json!([{"call_id": "C3", "turns": [{"speaker": "agent", "text": "您好"}]}])),
                RECORDS_BEYOND,
            ),
        // Last: it ends each account's session.
        route("POST", "/logout").probe("/logout", Body::Empty, EVERY_ROLE),
    ]
}

/// (method, path) of every route the server has: the API's from its OpenAPI document, the pages'
/// from the router's source, so a page added there without a row here is found.
async fn every_route(base: &str) -> std::collections::BTreeSet<(String, String)> {
    let doc: Value = reqwest::get(format!("{base}/api/v1/openapi.json")).await.expect("get").json().await.expect("json");
    let mut routes = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let source = include_str!("../src/routes.rs");
    for chunk in source.split(".route(").skip(1) {
        let chunk = chunk.split(".route(").next().unwrap_or(chunk);
        let path = chunk.split('"').nth(1).expect("a route's path");
        let bytes = chunk.as_bytes();
        for method in ["get", "put", "post", "patch", "delete"] {
            let called = chunk
                .match_indices(&format!("{method}("))
                .any(|(at, _)| at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_'));
            if called {
                routes.insert((method.to_uppercase(), path.to_string()));
            }
        }
    }
    routes
}

async fn send(who: &Browser, method: &str, uri: &str, body: &Body, login: &str) -> reqwest::Response {
    let url = format!("{}{uri}", who.base);
    let request = match method {
        "GET" => who.get(url),
        "POST" => who.post(url),
        "PUT" => who.put(url),
        "PATCH" => who.client.patch(url).header("x-csrf-token", &who.csrf),
        "DELETE" => who.client.delete(url).header("x-csrf-token", &who.csrf),
        other => panic!("a method the matrix does not send: {other}"),
    };
    let request = match body {
        Body::Empty => request,
        Body::Json(value) => request.json(value),
        Body::Form(fields) => request.form(fields),
        Body::Upload(csv) => {
            let boundary = "matrix-boundary";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ndaily-reports\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
            );
            request.header("content-type", format!("multipart/form-data; boundary={boundary}")).body(body)
        }
        Body::OwnLogin => {
            let fresh = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
            return fresh.post(format!("{}{uri}", who.base)).form(&[("login", login), ("password", PASSWORD)]).send().await.expect("login");
        }
    };
    request.send().await.expect("request")
}

#[tokio::test]
async fn every_route_answers_each_role_by_its_reach_inside_and_beyond_and_turns_strangers_away() {
    each_backend(async |store: &TestDb| {
        let base = start(store).await;
        let fixture = matrix_fixture(&base).await;
        let spare = accounts::NewUser {
            login: "spare".into(),
            name: "spare".into(),
            role: "rep".into(),
            rep_id: Some("R2".into()),
            team: None,
            lang: None,
            password: PASSWORD.into(),
        };
        accounts::add_user(&store.db, spare, "test").await.expect("account");
        let matrix = scoping_matrix(&fixture);
        let rows: std::collections::BTreeSet<(String, String)> =
            matrix.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
        let routes = every_route(&base).await;
        let missing: Vec<_> = routes.difference(&rows).collect();
        assert!(missing.is_empty(), "routes without a row in the scoping matrix: {missing:?}");
        let gone: Vec<_> = rows.difference(&routes).collect();
        assert!(gone.is_empty(), "rows of routes the server no longer has: {gone:?}");

        let mut sessions = Vec::new();
        for login in EVERY_ROLE {
            sessions.push((*login, logged_in(&base, login).await));
        }
        let stranger = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let mut wrong = Vec::new();
        for row in &matrix {
            for probe in &row.probes {
                if !row.public {
                    let url = format!("{base}{}", probe.uri);
                    let response = stranger.request(row.method.parse().expect("method"), url).send().await.expect("request");
                    let status = response.status().as_u16();
                    let to_login =
                        response.headers().get("location").and_then(|l| l.to_str().ok()).is_some_and(|l| l.starts_with("/login"));
                    if !(status == 401 || (status == 303 && to_login)) {
                        wrong.push(format!("{} {} without signing in: {status}", row.method, probe.uri));
                    }
                }
                let mut done = false;
                for (login, session) in &sessions {
                    let response = send(session, row.method, &probe.uri, &probe.body, login).await;
                    let status = response.status().as_u16();
                    let allowed = probe.allowed.contains(login);
                    // Through means done: the probes are valid requests, so a validation error
                    // is a wrong probe, not a pass. Refused is 403, or 404 where a record beyond
                    // reach is as unknown as one that does not exist.
                    let right = if allowed {
                        (200..300).contains(&status) || status == 303 || (probe.once && done && status == 422)
                    } else {
                        matches!(status, 403 | 404)
                    };
                    done |= allowed && right;
                    let said = response.text().await.unwrap_or_default();
                    // Beyond a status, what comes back: nobody below the organisation's managers
                    // reads R3's name, but a trainer's rosters, which list every rep to sign in.
                    let roster = *login == "coach" && probe.uri.contains("/training/");
                    if *login == "r1" && right && said.contains("李四") {
                        wrong.push(format!("{} {} as r1: shows R2 (李四)", row.method, probe.uri));
                    }
                    if right && allowed && !RECORDS_BEYOND.contains(login) && !roster && said.contains("赵六") {
                        wrong.push(format!("{} {} as {login}: shows R3 (赵六)", row.method, probe.uri));
                    }
                    if !right {
                        let said: String = said.chars().take(160).collect();
                        wrong.push(format!(
                            "{} {} as {login}: {status}, expected {}: {said}",
                            row.method,
                            probe.uri,
                            if allowed { "through" } else { "refused" }
                        ));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{} answers against the matrix:\n{}", wrong.len(), wrong.join("\n"));
    })
    .await;
}
