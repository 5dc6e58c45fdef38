//! Process analytics on SQLite and PostgreSQL, against figures worked out by hand.
//!
//! July 2024, stages 接触 → 报价 → 谈判, every change at 9:00. R1 (一部) and R2 (二部):
//!
//! | deal | rep | stages (day) | closed | amount |
//! |------|-----|--------------|--------|--------|
//! | D1 | R1 | 接触 1, 报价 3, 谈判 6 | won 10 July | 1,000 |
//! | D2 | R2 | 接触 2, 报价 4 | lost 5 July | 500 |
//! | D3 | R1 | 接触 3 | lost 9 July | 200 |
//! | D4 | R2 | 接触 5, 报价 8 | open | 800 |
//! | D5 | R1 | 接触 1 Sep | won 20 Sep | 500 |

mod common;

use salescope_core::period::Period;
use salescope_core::records::{Deal, DealStage, DealStatus, Rep, Role};
use salescope_core::scope::Scope;
use salescope_core::time::{Day, LocalDateTime};
use salescope_engine::Context;
use salescope_engine::pipeline::{Deals, backtest, forecast, funnel, lead_assignment, stuck, volatility, weighted, winloss};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

fn day(m: u32, d: u32) -> Day {
    Day::from_ymd(2024, m, d).expect("date")
}

fn at(m: u32, d: u32) -> LocalDateTime {
    LocalDateTime::from_parts(day(m, d), 9, 0, 0)
}

fn rep(id: &str, team: &str) -> Rep {
    Rep {
        rep_id: id.into(),
        name: format!("Rep {id}"),
        team: team.into(),
        parent_team: None,
        hire_date: Some(day(1, 1)),
        email: None,
        role: Role::Rep,
        team_from: None,
        flags: String::new(),
    }
}

fn deal(id: &str, rep: &str, created: LocalDateTime, closed: Option<(LocalDateTime, DealStatus)>, yuan: i64) -> Deal {
    Deal {
        deal_id: id.into(),
        rep_id: rep.into(),
        customer_id: format!("K-{id}"),
        segment: Some("大客户".into()),
        source: None,
        created_at: created,
        status: closed.map_or(DealStatus::Open, |(_, s)| s),
        amount: yuan * 100,
        stage: None,
        closed_at: closed.map(|(t, _)| t),
        loss_reason: None,
        contract_no: Some(format!("HT-{id}")),
        flags: String::new(),
    }
}

fn change(id: &str, stage: &str, entered: LocalDateTime) -> DealStage {
    DealStage { deal_id: id.into(), stage: stage.into(), entered_at: entered, flags: String::new() }
}

async fn organisation(db: &Db) {
    let ctx = WriteContext { today: day(9, 30), counted: false };
    db.write(vec![rep("R1", "一部"), rep("R2", "二部")], &ctx).await.expect("reps");
    db.write(
        vec![
            deal("D1", "R1", at(7, 1), Some((at(7, 10), DealStatus::Won)), 1_000),
            deal("D2", "R2", at(7, 2), Some((at(7, 5), DealStatus::Lost)), 500),
            deal("D3", "R1", at(7, 3), Some((at(7, 9), DealStatus::Lost)), 200),
            deal("D4", "R2", at(7, 5), None, 800),
            deal("D5", "R1", at(9, 1), Some((at(9, 20), DealStatus::Won)), 500),
        ],
        &ctx,
    )
    .await
    .expect("deals");
    db.write(
        vec![
            change("D1", "接触", at(7, 1)),
            change("D1", "报价", at(7, 3)),
            change("D1", "谈判", at(7, 6)),
            change("D2", "接触", at(7, 2)),
            change("D2", "报价", at(7, 4)),
            change("D3", "接触", at(7, 3)),
            change("D4", "接触", at(7, 5)),
            change("D4", "报价", at(7, 8)),
            change("D5", "接触", at(9, 1)),
        ],
        &ctx,
    )
    .await
    .expect("stages");
}

#[tokio::test]
async fn funnel_weighted_pipeline_stuck_deals_and_volatility_match_the_hand_figures() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let ctx = Context::load(&store.db).await.expect("context");
        let july = Period::parse("2024-07").expect("period");
        let deals = Deals::load(&store.db, None).await.expect("deals");

        let org = funnel(&deals, &ctx, &Scope::Org, &july).expect("funnel");
        let rows: Vec<(&str, usize, usize, Option<f64>)> =
            org.stages.iter().map(|s| (s.stage.as_str(), s.entered, s.advanced, s.conversion)).collect();
        assert_eq!(rows, [("接触", 4, 3, Some(75.0)), ("报价", 3, 1, Some(33.33)), ("谈判", 1, 1, Some(100.0))]);
        // 接触 stays 2, 2, 6 and 3 days: median 2.5, p75 3.75.
        assert_eq!((org.stages[0].median_days, org.stages[0].p75_days), (Some(2.5), Some(3.75)));
        // 二部 is R2's: D2 and D4 entered 接触, both reached 报价; D2's 报价 ended in a loss.
        let second = funnel(&deals, &ctx, &Scope::Team("二部".into()), &july).expect("funnel");
        assert_eq!(
            (second.stages[0].entered, second.stages[0].advanced, second.stages[1].entered, second.stages[1].advanced),
            (2, 2, 2, 0)
        );

        // As of 11 July: win probabilities 接触 1/3, 报价 1/2, 谈判 1/1; D4 open in 报价.
        let pipeline = weighted(&deals, &ctx, &Scope::Org, day(7, 11)).expect("weighted");
        assert_eq!(pipeline.stages[1].win_probability, Some(0.5));
        assert_eq!(pipeline.stages[0].win_probability, Some(0.3333));
        assert_eq!((pipeline.stages[1].open_deals, pipeline.stages[1].amount), (1, 800.0));
        assert_eq!((pipeline.total_amount, pipeline.total_weighted), (800.0, 400.0));
        let first = weighted(&deals, &ctx, &Scope::Team("一部".into()), day(7, 11)).expect("weighted");
        assert_eq!(first.total_weighted, 0.0, "D4 is 二部's");

        // D4 entered 报价 on 8 July at 9:00; by the end of the 11th that is 3.62 days, above the
        // p75 of the completed 报价 stays (D1 3 days, D2 1 day → 2.5).
        let found = stuck(&deals, &ctx, &Scope::Org, day(7, 11)).expect("stuck");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].deal_id.as_str(), found[0].stage.as_str(), found[0].days_in_stage, found[0].p75_days),
            ("D4", "报价", 3.6, 2.5)
        );
        assert!(stuck(&deals, &ctx, &Scope::Org, day(7, 9)).expect("stuck").is_empty(), "on the 9th it was 1.6 days");

        // July closed D1 (won), D2 and D3 (lost); without sources or segments there is no factor.
        let factors = winloss(&store.db, &deals, &ctx, &Scope::Org, &july).await.expect("winloss");
        assert_eq!((factors.closed, factors.won, factors.factors.len()), (3, 1, 0));

        // July as of the 11th: D1's 1,000 won; D4 (800) open in 报价, win probability 1/2, and the
        // one 报价 deal that closed after such a stay closed in time; no earlier month to learn a
        // run-rate from.
        let f = forecast(&deals, &ctx, &Scope::Org, &july, day(7, 11)).expect("forecast");
        assert_eq!((f.won, f.pipeline, f.run_rate, f.forecast, f.open_deals), (1_000.0, 400.0, 0.0, 1_400.0, 1));
        // Q4 replayed as of 30 September: D4 has been in 报价 84 days, longer than any closed
        // stay, so it is not expected to close; the run-rate is what Q3 brought from deals created
        // after its eve (D1 and D5, 1,500). Nothing was won in Q4.
        let replay = backtest(&deals, &ctx, &Scope::Org, Day::from_ymd(2025, 1, 5).expect("date")).expect("backtest");
        assert_eq!(replay.rows.len(), 1);
        let q4 = &replay.rows[0];
        assert_eq!((q4.period.as_str(), q4.actual, q4.forecast, q4.weighted), ("2024-Q4", 0.0, 1_500.0, 400.0));
        assert_eq!((q4.last_period, q4.same_last_year), (Some(1_500.0), None));
        assert_eq!(replay.mape.forecast, None, "no error in % of a zero actual");

        // A 大客户 lead on 1 October: R1 won 2 of 3, R2 0 of 1; pooled 2 of 4. The spread between
        // them is within the prior's floor, so k = 10: R1 (2 + 5) / 13 = 53.8%, R2 5 / 11 = 45.5%.
        // R2 has D4 open, above a usual load of 0.5 (open at three of the last six month-ends).
        let october = Day::from_ymd(2024, 10, 1).expect("date");
        let leads = lead_assignment(&deals, &ctx, "大客户", None, october, salescope_core::i18n::Lang::En);
        // Ranked by the rate they have at least, 90% sure: the 10th percentile of Beta(3, 2)
        // (4x³ − 3x⁴ = 0.1 at x = 0.3205) for R1, of Beta(1, 2) (1 − √0.9 = 0.0513) for R2, each
        // below the bound of their pooled posterior, Beta(7, 6) and Beta(5, 6).
        let ranked: Vec<(&str, f64, f64, usize, f64, bool)> = leads
            .candidates
            .iter()
            .map(|c| (c.rep_id.as_str(), c.win_rate_at_least, c.win_rate, c.open_deals, c.usual_load, c.has_capacity))
            .collect();
        assert_eq!(ranked, [("R1", 32.0, 53.8, 0, 0.0, true), ("R2", 5.1, 45.5, 1, 0.5, false)]);
        assert_eq!(leads.pooled_win_rate, Some(50.0));
        assert!(leads.candidates[0].reason.starts_with("won 2 of 3 大客户 deals"), "{}", leads.candidates[0].reason);

        // R1 won 1,000 in July, nothing in August, 500 in September: mean 500, population sd
        // √((500² + 500² + 0²) / 3) = 408.25, CV 0.8165. R2 won nothing.
        let quarter = Period::parse("2024-07-01..2024-09-30").expect("period");
        let swings = volatility(&deals, &ctx, &Scope::Org, &quarter, day(10, 1)).expect("volatility");
        assert_eq!(swings.months, ["2024-07", "2024-08", "2024-09"]);
        assert_eq!(swings.reps[0].rep_id, "R1");
        assert_eq!(swings.reps[0].monthly, [Some(1_000.0), Some(0.0), Some(500.0)]);
        assert_eq!(swings.reps[0].cv, Some(0.8165));
        assert_eq!((swings.reps[1].rep_id.as_str(), swings.reps[1].cv), ("R2", None));
    })
    .await;
}

fn configured(id: &str, keys: &[&str]) -> salescope_core::process::PipelineDef {
    use salescope_core::process::{PipelineDef, StageDef};
    PipelineDef {
        id: id.into(),
        name_en: format!("{id} line"),
        name_zh: String::new(),
        stages: keys
            .iter()
            .map(|k| StageDef {
                key: k.to_string(),
                name_en: format!("{k} (en)"),
                milestones: vec!["m1".into(), "m2".into()],
                ..StageDef::default()
            })
            .collect(),
    }
}

#[tokio::test]
async fn configured_pipelines_split_the_deals_and_set_the_stage_order() {
    use salescope_engine::pipeline::process_overview;
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        // A service deal with stages of its own.
        let ctx = WriteContext { today: day(9, 30), counted: false };
        store.db.write(vec![deal("S1", "R2", at(7, 2), None, 300)], &ctx).await.expect("deal");
        store.db.write(vec![change("S1", "调研", at(7, 2)), change("S1", "方案", at(7, 4))], &ctx).await.expect("stages");

        let learned = process_overview(&store.db).await.expect("overview");
        assert!(!learned.configured);
        let (order, counts) = &learned.pipelines[0];
        assert_eq!(order.order(), ["接触", "调研", "报价", "方案", "谈判"], "by mean entry position, ties by name");
        assert_eq!(counts, &[5, 1, 3, 1, 1]);

        let pipelines = [configured("sales", &["接触", "报价", "谈判"]), configured("service", &["调研", "方案"])];
        store.db.replace_pipelines(&pipelines).await.expect("configure");
        assert_eq!(store.db.pipelines().await.expect("read back"), pipelines);

        let sales = Deals::load(&store.db, None).await.expect("first pipeline");
        assert_eq!(sales.pipeline().map(|p| p.id.as_str()), Some("sales"));
        assert_eq!(sales.order(), ["接触", "报价", "谈判"]);
        assert_eq!(sales.stage_name("报价", salescope_core::i18n::Lang::ZhCn), "报价 (en)", "falls back to the English name");
        let july = Period::parse("2024-07").expect("period");
        let rows: Vec<(String, usize)> = funnel(&sales, &Context::load(&store.db).await.expect("ctx"), &Scope::Org, &july)
            .expect("funnel")
            .stages
            .into_iter()
            .map(|s| (s.stage, s.entered))
            .collect();
        assert_eq!(rows, [("接触".to_string(), 4), ("报价".to_string(), 3), ("谈判".to_string(), 1)], "S1 is not a sales deal");

        let service = Deals::load(&store.db, Some("service")).await.expect("service");
        let rows: Vec<(String, usize, usize)> = funnel(&service, &Context::load(&store.db).await.expect("ctx"), &Scope::Org, &july)
            .expect("funnel")
            .stages
            .into_iter()
            .map(|s| (s.stage, s.entered, s.advanced))
            .collect();
        assert_eq!(rows, [("调研".to_string(), 1, 1), ("方案".to_string(), 1, 0)]);

        let overview = process_overview(&store.db).await.expect("overview");
        assert!(overview.configured);
        let counts: Vec<&Vec<usize>> = overview.pipelines.iter().map(|(_, c)| c).collect();
        assert_eq!(counts, [&vec![5, 3, 1], &vec![1, 1]]);

        let unknown = Deals::load(&store.db, Some("hardware")).await.err().expect("no such pipeline");
        assert!(matches!(unknown, salescope_engine::EngineError::NotFound(_)), "{unknown:?}");
    })
    .await;
}

fn transcript(call_id: &str, questions: i64, talk_ratio: f64) -> salescope_store::TranscriptRow {
    salescope_store::TranscriptRow {
        call_id: call_id.into(),
        source: "test".into(),
        basis: "time".into(),
        turns: "[]".into(),
        talk_ratio: Some(talk_ratio),
        longest_monologue_seconds: None,
        longest_customer_story_seconds: None,
        interactivity_per_minute: None,
        patience_seconds: None,
        questions,
        customer_sentiment_start: None,
        customer_sentiment_end: None,
        key_messages: String::new(),
        objections: String::new(),
        objections_raised: 0,
        objections_answered: 0,
        filler_words: 0,
        competitor_mentions: 0,
    }
}

/// July's closed deals are D1 (R1, 1–10 July), D2 (R2, 2–5 July) and D3 (R1, 3–9 July).
#[tokio::test]
async fn deal_measures_count_what_the_rep_did_with_the_customer_while_the_deal_was_open() {
    use salescope_core::records::{Activity, ActivityKind, Direction, Lead, Outcome};
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let ctx = WriteContext { today: day(9, 30), counted: false };
        let activity = |id: &str, rep: &str, customer: &str, kind, at| Activity {
            activity_id: id.into(),
            rep_id: rep.into(),
            customer_id: Some(customer.into()),
            kind,
            at,
            opened: None,
            clicked: None,
            replied: None,
            flags: String::new(),
        };
        store
            .db
            .write(
                vec![
                    activity("A1", "R1", "K-D1", ActivityKind::Visit, at(7, 2)),
                    activity("A2", "R1", "K-D1", ActivityKind::Email, at(7, 12)), // after the close
                    activity("A3", "R2", "K-D1", ActivityKind::Visit, at(7, 3)),  // another rep
                    activity("A4", "R1", "K-D3", ActivityKind::Email, at(7, 4)),
                ],
                &ctx,
            )
            .await
            .expect("activities");
        let lead = |id: &str, customer: &str, created: LocalDateTime, minutes: i64| Lead {
            lead_id: id.into(),
            customer_id: Some(customer.into()),
            rep_id: None,
            source: None,
            segment: None,
            created_at: created,
            first_response_at: Some(LocalDateTime(created.0 + minutes * 60)),
            status: None,
            flags: String::new(),
        };
        store
            .db
            .write(
                vec![
                    lead("L1", "K-D1", LocalDateTime(at(7, 1).0 - 3_600), 45),
                    lead("L2", "K-D1", at(7, 5), 1), // after the deal was created
                    lead("L3", "K-D2", at(1, 2), 5), // months before
                ],
                &ctx,
            )
            .await
            .expect("leads");
        let call = |id: &str, rep: &str, customer: &str, started| {
            common::call(id, rep, started, Direction::Outbound, Outcome::Connected, 300, customer, None)
        };
        store
            .db
            .write(vec![call("C1", "R1", "K-D1", at(7, 2)), call("C2", "R1", "K-D1", at(7, 4)), call("C3", "R2", "K-D2", at(7, 3))], &ctx)
            .await
            .expect("calls");
        let transcripts = [transcript("C1", 6, 0.4), transcript("C2", 3, 0.6), transcript("C3", 1, 0.8)];
        store.db.store_transcripts(&transcripts, at(9, 30)).await.expect("transcripts");

        let measures = store.db.deal_measures(at(7, 1), at(7, 31)).await.expect("measures");
        let d1 = &measures["D1"];
        assert_eq!((d1.activities, d1.visits, d1.response_minutes), (1, 1, Some(45.0)));
        assert_eq!((d1.questions, d1.talk_ratio.map(|r| (r * 100.0).round() / 100.0)), (Some(4.5), Some(0.5)));
        let d2 = &measures["D2"];
        assert_eq!((d2.activities, d2.response_minutes, d2.questions), (0, None, Some(1.0)));
        let d3 = &measures["D3"];
        assert_eq!((d3.activities, d3.visits, d3.questions), (1, 0, None));
        assert!(!measures.contains_key("D5"), "D5 closed in September");
    })
    .await;
}

/// Two years of deals of three reps in two teams, each through some of 接触 → 报价 → 谈判.
async fn two_years_of_deals(db: &Db) -> Vec<Deal> {
    let mut rng = salescope_core::random::Rng::new(4);
    let ctx = WriteContext { today: Day::from_ymd(2025, 1, 5).expect("date"), counted: false };
    let hired = |id: &str, team: &str| Rep { hire_date: Day::from_ymd(2022, 1, 1), ..rep(id, team) };
    db.write(vec![hired("R1", "一部"), hired("R2", "一部"), hired("R3", "二部")], &ctx).await.expect("reps");
    let start = Day::from_ymd(2023, 1, 1).expect("date").start().0;
    let (mut deals, mut changes) = (Vec::new(), Vec::new());
    for n in 0..240 {
        let id = format!("G{n:03}");
        let created = LocalDateTime(start + rng.range(0, 720) * 86_400 + rng.range(8 * 3600, 18 * 3600));
        let mut entered = created;
        let reached = rng.range(1, 3) as usize;
        for stage in ["接触", "报价", "谈判"].iter().take(reached) {
            changes.push(change(&id, stage, entered));
            entered = LocalDateTime(entered.0 + rng.range(3_600, 30 * 86_400));
        }
        let closed = (entered.0 < Day::from_ymd(2024, 12, 31).expect("date").start().0 && rng.chance(0.85))
            .then(|| (entered, if reached == 3 && rng.chance(0.7) { DealStatus::Won } else { DealStatus::Lost }));
        deals.push(deal(&id, ["R1", "R2", "R3"][n % 3], created, closed, rng.range(1, 200) * 100));
    }
    db.write(deals.clone(), &ctx).await.expect("deals");
    db.write(changes, &ctx).await.expect("stages");
    deals
}

#[tokio::test]
async fn the_backtest_forecasts_each_quarter_as_the_forecast_does_on_its_eve() {
    each_backend(async |store: &TestDb| {
        let generated = two_years_of_deals(&store.db).await;
        let deals = Deals::load(&store.db, None).await.expect("deals");
        let ctx = Context::load(&store.db).await.expect("ctx");
        let today = Day::from_ymd(2025, 1, 5).expect("date");
        let first = generated.iter().map(|d| d.created_at.day()).min().expect("deals");
        for (scope, reps) in
            [(Scope::Org, &["R1", "R2", "R3"][..]), (Scope::Team("一部".into()), &["R1", "R2"]), (Scope::Rep("R3".into()), &["R3"])]
        {
            let replay = backtest(&deals, &ctx, &scope, today).expect("backtest");
            let periods: Vec<&str> = replay.rows.iter().map(|r| r.period.as_str()).collect();
            assert_eq!(periods, ["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]);
            for row in &replay.rows {
                let quarter = Period::parse(&row.period).expect("quarter");
                let eve = quarter.start.plus_days(-1);
                assert_eq!(row.as_of, eve.to_string());
                let f = forecast(&deals, &ctx, &scope, &quarter, eve).expect("forecast");
                assert_eq!(
                    (row.model, row.forecast, row.low, row.high, row.calibrated_on),
                    (f.model_forecast, f.forecast, f.low, f.high, f.calibration.as_ref().map_or(0, |c| c.periods)),
                    "{scope:?} {}",
                    row.period
                );
                let w = weighted(&deals, &ctx, &scope, eve).expect("weighted");
                assert!(
                    (row.weighted - w.total_weighted).abs() < 0.015,
                    "{scope:?} {}: {} vs {}",
                    row.period,
                    row.weighted,
                    w.total_weighted
                );
                let won_in = |period: Period| -> f64 {
                    let cents: i64 = generated
                        .iter()
                        .filter(|d| d.status == DealStatus::Won && reps.contains(&d.rep_id.as_str()))
                        .filter(|d| d.closed_at.is_some_and(|at| period.contains(at.day())))
                        .map(|d| d.amount)
                        .sum();
                    cents as f64 / 100.0
                };
                assert_eq!(row.actual, won_in(quarter), "{scope:?} {}", row.period);
                let earlier = |period: Period| (period.start >= first).then(|| won_in(period));
                assert_eq!((row.last_period, row.same_last_year), (earlier(quarter.previous()), earlier(quarter.same_last_year())));
            }
            assert!(replay.rows.iter().any(|r| r.forecast > 0.0), "{scope:?}: {:?}", replay.rows);
        }
    })
    .await;
}

/// Six years of a steady business: three reps in two teams, about 70 deals a quarter created on
/// random days, each through 接触 → 报价 → 谈判 or dropping out, closing within two months. What a
/// quarter brings is random around a constant level, so a calibrated 80% interval must hold the
/// actual about four quarters in five.
async fn six_years_of_deals(db: &Db) {
    let mut rng = salescope_core::random::Rng::new(11);
    let ctx = WriteContext { today: Day::from_ymd(2025, 1, 5).expect("date"), counted: false };
    let hired = |id: &str, team: &str| Rep { hire_date: Day::from_ymd(2018, 1, 1), ..rep(id, team) };
    db.write(vec![hired("R1", "一部"), hired("R2", "一部"), hired("R3", "二部")], &ctx).await.expect("reps");
    let start = Day::from_ymd(2019, 1, 1).expect("date").start().0;
    let (mut deals, mut changes) = (Vec::new(), Vec::new());
    for n in 0..1_700 {
        let id = format!("S{n:04}");
        let created = LocalDateTime(start + rng.range(0, 6 * 365) * 86_400 + rng.range(8 * 3600, 18 * 3600));
        let mut entered = created;
        let reached = rng.range(1, 3) as usize;
        for stage in ["接触", "报价", "谈判"].iter().take(reached) {
            changes.push(change(&id, stage, entered));
            entered = LocalDateTime(entered.0 + rng.range(3_600, 20 * 86_400));
        }
        let closed = (entered.0 < Day::from_ymd(2024, 12, 31).expect("date").start().0)
            .then(|| (entered, if reached == 3 && rng.chance(0.6) { DealStatus::Won } else { DealStatus::Lost }));
        deals.push(deal(&id, ["R1", "R2", "R3"][n % 3], created, closed, rng.range(10, 400) * 100));
    }
    db.write(deals, &ctx).await.expect("deals");
    db.write(changes, &ctx).await.expect("stages");
}

#[tokio::test]
async fn the_calibrated_interval_holds_about_eight_quarters_in_ten() {
    each_backend(async |store: &TestDb| {
        six_years_of_deals(&store.db).await;
        let deals = Deals::load(&store.db, None).await.expect("deals");
        let ctx = Context::load(&store.db).await.expect("ctx");
        let today = Day::from_ymd(2025, 1, 5).expect("date");
        let (mut inside, mut calibrated) = (0, 0);
        for scope in [Scope::Org, Scope::Team("一部".into()), Scope::Team("二部".into())] {
            let replay = backtest(&deals, &ctx, &scope, today).expect("backtest");
            // 2019-Q2 … 2024-Q4 replayed: 23 quarters. 2019-Q2 to 2019-Q4 give the first three
            // errors, so 2020-Q1 on are calibrated.
            assert_eq!(replay.rows.len(), 23, "{scope:?}");
            assert_eq!(replay.rows.iter().filter(|r| r.calibrated_on > 0).count(), 20, "{scope:?}");
            assert_eq!(replay.rows.iter().find(|r| r.calibrated_on > 0).map(|r| r.period.as_str()), Some("2020-Q1"));
            for row in replay.rows.iter().filter(|r| r.calibrated_on > 0) {
                calibrated += 1;
                inside += usize::from(row.actual >= row.low && row.actual <= row.high);
                assert!(row.low < row.forecast && row.forecast < row.high, "{scope:?} {row:?}");
            }
        }
        // 60 calibrated quarters: a binomial share of 80% has an SD of √(0.8 · 0.2 / 60) = 5.2
        // points; the scopes share their deals, so the tolerance is ±15 points (about three SDs).
        let coverage = inside as f64 / calibrated as f64 * 100.0;
        assert!((65.0..=95.0).contains(&coverage), "{inside} of {calibrated} quarters in the calibrated interval");
    })
    .await;
}

#[tokio::test]
async fn a_naive_baseline_that_beat_the_model_stands_beside_the_forecast() {
    each_backend(async |store: &TestDb| {
        six_years_of_deals(&store.db).await;
        let deals = Deals::load(&store.db, None).await.expect("deals");
        let ctx = Context::load(&store.db).await.expect("ctx");
        let today = Day::from_ymd(2025, 1, 5).expect("date");
        let replay = backtest(&deals, &ctx, &Scope::Org, today).expect("backtest");
        // Each comparison is over the quarters both forecast: "same as last quarter" has one
        // for every replayed quarter (23), "same quarter last year" from 2020-Q1 (20).
        let shared: Vec<(&str, usize)> = replay.comparisons.iter().map(|c| (c.method.as_str(), c.periods)).collect();
        assert_eq!(shared, [("last_period", 23), ("same_last_year", 20), ("weighted", 23)]);
        let best = replay
            .comparisons
            .iter()
            .filter(|c| c.method != "weighted" && c.baseline_mape < c.forecast_mape)
            .min_by(|a, b| a.baseline_mape.total_cmp(&b.baseline_mape))
            .map(|c| c.method.clone());
        assert_eq!(replay.better_baseline, best);
        let q1 = Period::parse("2025-Q1").expect("quarter");
        let f = forecast(&deals, &ctx, &Scope::Org, &q1, Day::from_ymd(2024, 12, 31).expect("date")).expect("forecast");
        // The first deal was created on 1 January 2019, so 2019-Q1 is whole and every replayed
        // quarter, 2019-Q2 on, learned a run-rate: all 23 calibrate 2025-Q1.
        assert!(replay.rows.iter().all(|r| r.run_rate_periods > 0));
        assert_eq!(f.calibration.as_ref().map(|c| c.periods), Some(23));
        match (&f.better_baseline, &replay.better_baseline) {
            (Some(shown), Some(method)) => {
                assert_eq!(&shown.method, method);
                let baseline_quarter = if method == "last_period" { q1.previous() } else { q1.same_last_year() };
                let row = replay.rows.iter().find(|r| r.period == baseline_quarter.label()).expect("the baseline's quarter");
                assert_eq!(shown.value, Some(row.actual), "the baseline says what that quarter won");
            }
            (None, None) => {}
            other => panic!("the forecast and its backtest disagree: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn volatility_counts_only_the_complete_months_a_rep_was_employed() {
    each_backend(async |store: &TestDb| {
        let ctx = WriteContext { today: day(10, 5), counted: false };
        let hired = |id: &str, on: Day| Rep { hire_date: Some(on), ..rep(id, "一部") };
        // R1 since January; R3 from 1 July; R4 from 15 August, so September is their only
        // complete month.
        store.db.write(vec![hired("R1", day(1, 1)), hired("R3", day(7, 1)), hired("R4", day(8, 15))], &ctx).await.expect("reps");
        let wins = [("V1", "R1", 6, 400), ("V2", "R1", 7, 400), ("V3", "R1", 8, 400), ("V4", "R1", 9, 400)];
        let wins = wins.into_iter().chain([("V5", "R3", 7, 300), ("V6", "R3", 9, 600), ("V7", "R4", 9, 900)]);
        let (mut deals, mut changes) = (Vec::new(), Vec::new());
        for (id, rep_id, month, yuan) in wins {
            deals.push(deal(id, rep_id, at(month, 2), Some((at(month, 10), DealStatus::Won)), yuan));
            changes.push(change(id, "接触", at(month, 2)));
        }
        store.db.write(deals, &ctx).await.expect("deals");
        store.db.write(changes, &ctx).await.expect("stages");
        let deals = Deals::load(&store.db, None).await.expect("deals");
        let ctx = Context::load(&store.db).await.expect("context");
        let months = Period::parse("2024-06-01..2024-09-30").expect("period");
        let swings = volatility(&deals, &ctx, &Scope::Org, &months, day(10, 1)).expect("volatility");
        // On 30 September, September is in progress: R4 has no complete month, R3 two.
        let early = volatility(&deals, &ctx, &Scope::Org, &months, day(9, 30)).expect("volatility");
        let r3_early = early.reps.iter().find(|r| r.rep_id == "R3").expect("R3");
        assert_eq!((r3_early.monthly.as_slice(), r3_early.cv), (&[None, Some(300.0), Some(0.0), None][..], None));
        let by_rep = |id: &str| swings.reps.iter().find(|r| r.rep_id == id).expect("rep");
        // R3 over July–September: 300, 0, 600; mean 300, population SD √((0 + 300² + 300²) / 3)
        // = 244.95, CV 0.8165. Counting June's zero before the hire would give mean 225, SD
        // √((225² + 75² + 225² + 375²) / 4) = 248.75, CV 1.1055.
        let r3 = by_rep("R3");
        assert_eq!(r3.monthly, [None, Some(300.0), Some(0.0), Some(600.0)]);
        assert_eq!((r3.months_employed, r3.cv, r3.total), (3, Some(0.8165), 900.0));
        // R4 has one complete month: too short for a swing. R1 won the same every month.
        let r4 = by_rep("R4");
        assert_eq!((r4.monthly.as_slice(), r4.months_employed, r4.cv), (&[None, None, None, Some(900.0)][..], 1, None));
        assert_eq!((by_rep("R1").months_employed, by_rep("R1").cv), (4, Some(0.0)));
        let order: Vec<&str> = swings.reps.iter().map(|r| r.rep_id.as_str()).collect();
        assert_eq!(order, ["R3", "R1", "R4"], "most volatile first, those without a CV last");
    })
    .await;
}
