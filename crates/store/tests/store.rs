//! Storage behaviour, run on SQLite and on PostgreSQL.

use salescope_core::parse::Record;
use salescope_core::random::Rng;
use salescope_core::records::*;
use salescope_core::rollup::{Measure, RollupDelta};
use salescope_core::schema::Value;
use salescope_core::time::{Day, LocalDateTime};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{BatchOutcome, Db, Stored, WriteContext};

fn day(y: i32, m: u32, d: u32) -> Day {
    Day::from_ymd(y, m, d).expect("valid date")
}

fn at(y: i32, m: u32, d: u32, hour: u32) -> LocalDateTime {
    LocalDateTime::from_parts(day(y, m, d), hour, 0, 0)
}

const CTX: WriteContext = WriteContext { today: Day(20_000), counted: false };

fn rep(id: &str, team: &str) -> Rep {
    Rep {
        rep_id: id.into(),
        name: format!("Rep {id}"),
        team: team.into(),
        parent_team: None,
        hire_date: None,
        email: None,
        role: Role::Rep,
        team_from: None,
        flags: String::new(),
    }
}

fn call(id: &str, rep: &str, started: LocalDateTime, talk: i64, outcome: Outcome) -> Call {
    Call {
        call_id: id.into(),
        rep_id: rep.into(),
        customer_id: Some(format!("K-{id}")),
        direction: Direction::Outbound,
        started_at: started,
        ring_seconds: Some(5),
        talk_seconds: talk,
        duration_seconds: None,
        outcome,
        disposition: None,
        resolved_first_contact: None,
        campaign: None,
        flags: String::new(),
    }
}

fn deal(id: &str, rep: &str, customer: &str, status: DealStatus, amount: i64, closed: Option<LocalDateTime>) -> Deal {
    Deal {
        deal_id: id.into(),
        rep_id: rep.into(),
        customer_id: customer.into(),
        segment: None,
        source: None,
        created_at: at(2024, 6, 1, 9),
        status,
        amount,
        stage: None,
        closed_at: closed,
        loss_reason: None,
        contract_no: Some(format!("HT-{id}")),
        flags: String::new(),
    }
}

async fn total(db: &Db, rep: &str, d: Day, m: Measure) -> i64 {
    db.rollup_rows().await.expect("rollups").iter().find(|r| r.rep_id == rep && r.day == d).map_or(0, |r| r.totals[m as usize])
}

#[tokio::test]
async fn every_table_has_the_columns_the_core_declares() {
    each_backend(async |store: &TestDb| {
        store.db.verify_schema().await.expect("schema matches the core's tables");
        for table in [&REPS, &CUSTOMERS, &CALLS, &ACTIVITIES, &LEADS, &DEALS, &DEAL_STAGES, &FEEDBACK, &DAILY_REPORTS] {
            assert_eq!(store.db.count(table).await.expect(table.name), 0);
        }
        let mut tx = store.db.begin().await.expect("tx");
        tx.write_records(vec![rep("R1", "A")], &mut RollupDelta::default(), &CTX).await.expect("write");
        let back: Vec<Rep> = tx.fetch_by_keys(&[Value::Text("R1".into())]).await.expect("read");
        assert_eq!(back, vec![rep("R1", "A")]);
        tx.rollback().await.expect("rollback");
        assert_eq!(store.db.count(&REPS).await.expect("count"), 0, "a rolled-back write leaves nothing");
    })
    .await;
}

#[tokio::test]
async fn writing_the_same_records_twice_changes_nothing() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write(vec![rep("R1", "A")], &CTX).await.expect("reps");
        let calls =
            vec![call("C1", "R1", at(2024, 7, 8, 10), 120, Outcome::Connected), call("C2", "R1", at(2024, 7, 8, 11), 0, Outcome::NoAnswer)];
        let first = db.write(calls.clone(), &CTX).await.expect("first");
        assert_eq!(first, BatchOutcome { inserted: 2, updated: 0, unchanged: 0 });
        let rollups = db.rollup_rows().await.expect("rollups");
        let second = db.write(calls, &CTX).await.expect("second");
        assert_eq!(second, BatchOutcome { inserted: 0, updated: 0, unchanged: 2 });
        assert_eq!(db.rollup_rows().await.expect("rollups"), rollups);
        let d = day(2024, 7, 8);
        assert_eq!(total(db, "R1", d, Measure::OutboundCalls).await, 2);
        assert_eq!(total(db, "R1", d, Measure::OutboundConnected).await, 1);
        assert_eq!(total(db, "R1", d, Measure::TalkSeconds).await, 120);
        assert_eq!(total(db, "R1", d, Measure::ConnectedOver1Min).await, 1);
        assert_eq!(total(db, "R1", d, Measure::ConnectedOver3Min).await, 0);
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_wait_their_turn_and_all_land() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write(vec![rep("R1", "A")], &CTX).await.expect("reps");
        // Four transactions at once, each reading the stored ids before writing its calls.
        let writers = (0..4u32).map(|w| {
            let calls: Vec<Call> =
                (0..50).map(|i| call(&format!("C{w}-{i:03}"), "R1", at(2024, 7, 8, 9 + w), 60, Outcome::Connected)).collect();
            db.write(calls, &CTX)
        });
        for outcome in futures_util::future::join_all(writers).await {
            assert_eq!(outcome.expect("every writer lands"), BatchOutcome { inserted: 50, updated: 0, unchanged: 0 });
        }
        assert_eq!(total(db, "R1", day(2024, 7, 8), Measure::OutboundCalls).await, 200);
    })
    .await;
}

#[tokio::test]
async fn a_changed_record_moves_its_old_contribution_out() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write(vec![rep("R1", "A"), rep("R2", "A")], &CTX).await.expect("reps");
        db.write(vec![call("C1", "R1", at(2024, 7, 8, 10), 120, Outcome::Connected)], &CTX).await.expect("write");
        // The call is corrected: another rep, another day, shorter.
        let outcome = db.write(vec![call("C1", "R2", at(2024, 7, 9, 10), 30, Outcome::Connected)], &CTX).await.expect("rewrite");
        assert_eq!(outcome, BatchOutcome { inserted: 0, updated: 1, unchanged: 0 });
        let rows = db.rollup_rows().await.expect("rollups");
        assert_eq!(rows.len(), 1, "the emptied (R1, 8 July) row is removed: {rows:?}");
        assert_eq!(rows[0].rep_id, "R2");
        assert_eq!(rows[0].day, day(2024, 7, 9));
        assert_eq!(rows[0].totals[Measure::TalkSeconds as usize], 30);
        assert_eq!(rows[0].totals[Measure::ConnectedOver1Min as usize], 0);
    })
    .await;
}

#[tokio::test]
async fn a_key_repeated_in_one_batch_keeps_its_last_version() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write(vec![rep("R1", "A")], &CTX).await.expect("reps");
        let batch = vec![
            call("C1", "R1", at(2024, 7, 8, 10), 100, Outcome::Connected),
            call("C1", "R1", at(2024, 7, 8, 10), 200, Outcome::Connected),
        ];
        let outcome = db.write(batch, &CTX).await.expect("write");
        assert_eq!(outcome, BatchOutcome { inserted: 1, updated: 1, unchanged: 0 });
        assert_eq!(total(db, "R1", day(2024, 7, 8), Measure::TalkSeconds).await, 200);
        assert_eq!(db.count(&CALLS).await.expect("count"), 1);
    })
    .await;
}

#[tokio::test]
async fn a_customer_counts_as_new_on_the_day_of_their_first_won_deal() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write(vec![rep("R1", "A"), rep("R2", "A")], &CTX).await.expect("reps");
        let early = deal("D1", "R1", "K1", DealStatus::Won, 10_000, Some(at(2024, 7, 1, 9)));
        let late = deal("D2", "R2", "K1", DealStatus::Won, 20_000, Some(at(2024, 7, 20, 9)));
        db.write(vec![late.clone(), early.clone()], &CTX).await.expect("deals");
        assert_eq!(total(db, "R1", day(2024, 7, 1), Measure::NewCustomers).await, 1);
        assert_eq!(total(db, "R2", day(2024, 7, 20), Measure::NewCustomers).await, 0);
        assert_eq!(total(db, "R2", day(2024, 7, 20), Measure::RevenueCents).await, 20_000);
        // The early deal turns out lost: the customer became new with the later deal.
        db.write(vec![Deal { status: DealStatus::Lost, ..early }], &CTX).await.expect("correction");
        assert_eq!(total(db, "R1", day(2024, 7, 1), Measure::NewCustomers).await, 0);
        assert_eq!(total(db, "R1", day(2024, 7, 1), Measure::LostDeals).await, 1);
        assert_eq!(total(db, "R2", day(2024, 7, 20), Measure::NewCustomers).await, 1);
        assert_eq!(total(db, "R1", day(2024, 7, 1), Measure::RevenueCents).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_rep_moving_team_keeps_the_history_of_both_teams() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let mut r = rep("R1", "销售一部");
        r.hire_date = Some(day(2023, 1, 1));
        db.write(vec![r.clone()], &CTX).await.expect("hire");
        r.team = "销售二部".into();
        r.parent_team = Some("华东区".into());
        r.team_from = Some(day(2024, 7, 1));
        db.write(vec![r.clone()], &CTX).await.expect("move");
        let history = db.team_history("R1").await.expect("history");
        let jul1 = day(2024, 7, 1).0 as i64;
        assert_eq!(
            history,
            vec![("销售一部".to_string(), Some(day(2023, 1, 1).0 as i64), Some(jul1)), ("销售二部".to_string(), Some(jul1), None)]
        );
        // Re-importing the same record is not another move.
        db.write(vec![r], &CTX).await.expect("again");
        assert_eq!(db.team_history("R1").await.expect("history").len(), 2);
        let teams = db.teams().await.expect("teams");
        assert!(teams.contains(&("销售二部".to_string(), Some("华东区".to_string()))), "{teams:?}");
        assert!(teams.contains(&("华东区".to_string(), None)), "{teams:?}");
    })
    .await;
}

#[tokio::test]
async fn settings_are_validated_and_stored() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        assert_eq!(db.settings().await.expect("settings").zone.name(), "Asia/Shanghai");
        db.set_setting("timezone", "Europe/London").await.expect("db").expect("valid zone");
        db.set_setting("rule.won_deal_without_contract", "warning").await.expect("db").expect("valid rule");
        assert!(db.set_setting("timezone", "Nowhere/Town").await.expect("db").is_err());
        assert!(db.set_setting("rule.rep_unknown", "off").await.expect("db").is_err());
        let settings = db.settings().await.expect("settings");
        assert_eq!(settings.zone.name(), "Europe/London");
        assert_eq!(settings.policy.severity(salescope_core::rules::Rule::WonDealWithoutContract), salescope_core::rules::Severity::Warning);
    })
    .await;
}

/// Random records over a few reps, customers and days, drawn so that re-writes often hit
/// existing keys with changed values.
struct Generator {
    rng: Rng,
}

impl Generator {
    fn rep(&mut self) -> String {
        format!("R{}", self.rng.range(1, 4))
    }

    fn when(&mut self) -> LocalDateTime {
        let d = day(2024, 7, 1).plus_days(self.rng.range(0, 9) as i32);
        LocalDateTime::from_parts(d, self.rng.range(8, 20) as u32, 0, 0)
    }

    fn call(&mut self) -> Call {
        let outcome = *self.rng.pick(Outcome::ALL).expect("outcomes");
        let talk = if outcome == Outcome::Connected { self.rng.range(0, 900) } else { 0 };
        let mut c = call(&format!("C{}", self.rng.range(1, 40)), &self.rep(), self.when(), talk, outcome);
        c.customer_id = self.rng.chance(0.9).then(|| format!("K{}", self.rng.range(1, 8)));
        c.direction = if self.rng.chance(0.3) { Direction::Inbound } else { Direction::Outbound };
        c.resolved_first_contact = self.rng.chance(0.5).then_some(self.rng.chance(0.5));
        c
    }

    fn deal(&mut self) -> Deal {
        let status = *self.rng.pick(DealStatus::ALL).expect("statuses");
        let closed = (status != DealStatus::Open).then(|| self.when());
        let rep = self.rep();
        deal(&format!("D{}", self.rng.range(1, 15)), &rep, &format!("K{}", self.rng.range(1, 6)), status, self.rng.range(0, 50_000), closed)
    }

    fn feedback(&mut self) -> Feedback {
        Feedback {
            feedback_id: format!("F{}", self.rng.range(1, 15)),
            customer_id: None,
            rep_id: self.rng.chance(0.8).then(|| self.rep()),
            call_id: None,
            date: self.when().day(),
            csat: self.rng.chance(0.8).then(|| self.rng.range(1, 5)),
            nps: self.rng.chance(0.8).then(|| self.rng.range(0, 10)),
            complaint: Some(self.rng.chance(0.1)),
            comment: None,
            flags: String::new(),
        }
    }

    fn lead(&mut self) -> Lead {
        let created = self.when();
        Lead {
            lead_id: format!("L{}", self.rng.range(1, 15)),
            customer_id: None,
            rep_id: self.rng.chance(0.8).then(|| self.rep()),
            source: None,
            segment: None,
            created_at: created,
            first_response_at: self.rng.chance(0.7).then(|| LocalDateTime(created.0 + self.rng.range(60, 7200))),
            status: None,
            flags: String::new(),
        }
    }

    fn activity(&mut self) -> Activity {
        Activity {
            activity_id: format!("A{}", self.rng.range(1, 15)),
            rep_id: self.rep(),
            customer_id: None,
            kind: *self.rng.pick(ActivityKind::ALL).expect("kinds"),
            at: self.when(),
            opened: Some(self.rng.chance(0.5)),
            clicked: Some(self.rng.chance(0.3)),
            replied: Some(self.rng.chance(0.2)),
            flags: String::new(),
        }
    }

    fn report(&mut self) -> DailyReport {
        DailyReport {
            rep_id: self.rep(),
            date: self.when().day(),
            new_customers: self.rng.range(0, 4),
            followups: self.rng.range(0, 9),
            followup_notes: Some("跟进要点".into()),
            deal_amount: self.rng.range(0, 3) * 10_000,
            contract_nos: Some("HT-1".into()),
            missed_reason: None,
            next_day_plan: None,
            flags: String::new(),
        }
    }
}

async fn write_some<R: Stored>(db: &Db, records: Vec<R>) {
    db.write(records, &CTX).await.expect("write");
}

#[tokio::test]
async fn incremental_rollups_equal_a_rebuild_after_random_imports_and_reimports() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write((1..=4).map(|i| rep(&format!("R{i}"), "A")).collect::<Vec<_>>(), &CTX).await.expect("reps");
        let mut g = Generator { rng: Rng::new(20_240_708) };
        for _ in 0..60 {
            let n = g.rng.range(1, 12) as usize;
            match g.rng.range(0, 5) {
                0 => write_some(db, (0..n).map(|_| g.call()).collect()).await,
                1 => write_some(db, (0..n).map(|_| g.deal()).collect()).await,
                2 => write_some(db, (0..n).map(|_| g.feedback()).collect()).await,
                3 => write_some(db, (0..n).map(|_| g.lead()).collect()).await,
                4 => write_some(db, (0..n).map(|_| g.activity()).collect()).await,
                _ => write_some(db, (0..n).map(|_| g.report()).collect()).await,
            }
        }
        let incremental = db.rollup_rows().await.expect("rollups");
        let incremental_sets = db.customer_set_rows().await.expect("sets");
        let incremental_months = db.rollup_month_rows().await.expect("months");
        let every_day = (Day(0), Day(1_000_000));
        let incremental_hours = db.call_hours(every_day.0, every_day.1).await.expect("hours");
        assert!(incremental_hours.iter().any(|(_, _, _, _, connected)| *connected > 0), "{incremental_hours:?}");
        assert!(incremental.len() > 20, "the sequence should touch many rep-days, touched {}", incremental.len());
        assert!(incremental.iter().any(|r| r.totals[Measure::NewCustomers as usize] > 0));
        assert!(incremental_sets.iter().any(|s| s.period.starts_with("month:") && s.family == 2));
        let rebuilt_rows = db.rebuild_rollups().await.expect("rebuild");
        let rebuilt = db.rollup_rows().await.expect("rollups");
        assert_eq!(rebuilt.len(), rebuilt_rows);
        assert_eq!(incremental, rebuilt);
        assert_eq!(incremental_sets, db.customer_set_rows().await.expect("sets"));
        assert_eq!(incremental_months, db.rollup_month_rows().await.expect("months"));
        assert_eq!(incremental_hours, db.call_hours(every_day.0, every_day.1).await.expect("hours"), "the hour cells too");
    })
    .await;
}

#[tokio::test]
async fn stored_records_read_back_identically() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        db.write(vec![rep("R1", "A")], &CTX).await.expect("reps");
        let mut g = Generator { rng: Rng::new(3) };
        let mut c = g.call();
        c.rep_id = "R1".into();
        c.disposition = Some("意向客户".into());
        c.campaign = Some("双十一".into());
        c.resolved_first_contact = Some(true);
        db.write(vec![c.clone()], &CTX).await.expect("write");
        let mut tx = db.begin().await.expect("tx");
        let back: Vec<Call> = tx.fetch_by_keys(&[Value::Text(c.call_id.clone())]).await.expect("read");
        tx.rollback().await.expect("rollback");
        assert_eq!(back, vec![c.clone()]);
        assert_eq!(Call::from_values(c.to_values()), Some(c));
    })
    .await;
}

fn user(login: &str, role: &str) -> salescope_store::UserRow {
    salescope_store::UserRow {
        login: login.into(),
        name: format!("User {login}"),
        role: role.into(),
        rep_id: None,
        team: None,
        lang: None,
        password_hash: "hash".into(),
        disabled: 0,
        created_at: 100,
    }
}

#[tokio::test]
async fn accounts_sessions_and_tokens_live_and_end_as_told() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        assert!(db.insert_user(&user("wang", "manager")).await.expect("insert"));
        assert!(!db.insert_user(&user("wang", "rep")).await.expect("insert again"), "a taken login is refused");
        assert_eq!(db.user_count().await.expect("count"), 1);

        db.insert_session("s1", "wang", "csrf1", 1_000).await.expect("session");
        let (found, csrf) = db.session_user("s1", 999).await.expect("lookup").expect("live session");
        assert_eq!((found.login.as_str(), csrf.as_str()), ("wang", "csrf1"));
        assert!(db.session_user("s1", 1_000).await.expect("lookup").is_none(), "expired at its expiry time");

        db.insert_api_token("tok1", "th1", "crm sync", "wang", 100).await.expect("token");
        assert_eq!(db.api_token_user("th1").await.expect("lookup").map(|u| u.login), Some("wang".to_string()));

        let mut disabled = user("wang", "manager");
        disabled.disabled = 1;
        assert!(db.update_user(&disabled).await.expect("update"));
        assert!(db.session_user("s1", 999).await.expect("lookup").is_none(), "a disabled account's session stops working");
        assert!(db.api_token_user("th1").await.expect("lookup").is_none(), "and so do its tokens");

        assert!(db.update_user(&user("wang", "manager")).await.expect("enable"));
        assert!(db.revoke_api_token("tok1", 200).await.expect("revoke"));
        assert!(!db.revoke_api_token("tok1", 201).await.expect("revoke twice"));
        assert!(db.api_token_user("th1").await.expect("lookup").is_none(), "a revoked token stops working");
        assert_eq!(db.api_tokens().await.expect("list")[0].revoked_at, Some(200));

        db.delete_sessions("wang", 0).await.expect("logout everywhere");
        assert!(db.session_user("s1", 999).await.expect("lookup").is_none());

        for (at, subject) in [(10, "first"), (20, "second")] {
            let change = salescope_store::ChangeRow {
                id: 0,
                at,
                login: "wang".into(),
                entity: "target".into(),
                subject: subject.into(),
                action: "update".into(),
                before_value: None,
                after_value: Some("{\"value\":1}".into()),
            };
            db.log_change(&change).await.expect("log");
        }
        let changes = db.changes(10, 0).await.expect("changes");
        assert_eq!(changes.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(), ["second", "first"], "latest first");
    })
    .await;
}
