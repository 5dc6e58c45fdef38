//! Transcribed calls of the organisation of `common`, on SQLite and PostgreSQL: scoped by the team
//! a rep was in on the day of the call, with the outcome of the customer's deal with that rep
//! closed within 30 days after the call.

mod common;

use common::*;
use salescope_core::conversation::{Speaker, Transcript, Turn, metrics};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::conversation::{CompareBy, calls, calls_sheet, compare, comparison_sheet};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, TranscriptRow};

fn row(call_id: &str, timed: bool) -> TranscriptRow {
    let time = |s: f64| timed.then_some(s);
    let turns = vec![
        Turn { speaker: Speaker::Agent, start: time(0.0), end: time(30.0), text: "您好，了解一下我们的方案吗？".into() },
        Turn { speaker: Speaker::Customer, start: time(32.0), end: time(42.0), text: "好的".into() },
    ];
    let m = metrics(&Transcript::new(call_id, turns));
    TranscriptRow {
        call_id: call_id.into(),
        source: "test".into(),
        basis: m.basis.id().into(),
        turns: "[]".into(),
        talk_ratio: m.talk_ratio,
        longest_monologue_seconds: m.longest_monologue_seconds,
        longest_customer_story_seconds: m.longest_customer_story_seconds,
        interactivity_per_minute: m.interactivity_per_minute,
        patience_seconds: m.patience_seconds,
        questions: i64::from(m.questions),
        customer_sentiment_start: m.customer_sentiment_start,
        customer_sentiment_end: m.customer_sentiment_end,
        key_messages: "introduction,next_step".into(),
        objections: "price:answered".into(),
        objections_raised: 1,
        objections_answered: 1,
        filler_words: 2,
        competitor_mentions: 0,
    }
}

async fn with_transcripts(db: &Db) {
    organisation(db).await;
    let rows = vec![row("C1", true), row("C2", false), row("C4", true), row("C8", true)];
    let now = at(7, 31, 18);
    let stored = db.store_transcripts(&rows, now).await.expect("store");
    assert_eq!(stored.inserted, 4);
}

#[tokio::test]
async fn calls_carry_their_metrics_the_team_of_the_day_and_the_deal_outcome() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_transcripts(db).await;
        let ctx = Context::load(db).await.expect("context");
        let july = Period::parse("2024-07").expect("period");
        let org = calls(db, &ctx, &Scope::Org, &july).await.expect("calls");
        // C1 (R1, K1): D1 won on 5 July. C2 (R1, K2): K2's deal is R2's, so none. C4 (R1, K3):
        // no deal. C8 (R3, K5, 20 July): D4 lost on 25 July.
        let outcomes: Vec<(&str, Option<&str>)> = org.iter().map(|c| (c.call_id.as_str(), c.outcome.as_deref())).collect();
        assert_eq!(outcomes, [("C1", Some("won")), ("C2", None), ("C4", None), ("C8", Some("lost"))]);
        let c1 = &org[0];
        assert_eq!((c1.basis.as_str(), c1.questions, c1.started_at.as_str()), ("time", 1, "2024-07-01 10:00:00"));
        assert!((c1.talk_ratio.unwrap_or_default() - 0.75).abs() < 1e-12);
        // One speaker change over 42 s; no customer → agent change, so no patience.
        assert!((c1.interactivity_per_minute.unwrap_or_default() - 60.0 / 42.0).abs() < 1e-12);
        assert_eq!(c1.patience_seconds, None);
        assert_eq!((org[1].basis.as_str(), org[1].longest_monologue_seconds), ("characters", None));

        // R3 moved to 二部 on 16 July: C8 counts there, not in 一部.
        let first = calls(db, &ctx, &Scope::Team("销售一部".into()), &july).await.expect("calls");
        assert_eq!(first.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(), ["C1", "C2", "C4"]);
        let second = calls(db, &ctx, &Scope::Team("销售二部".into()), &july).await.expect("calls");
        assert_eq!((second.len(), second[0].team.as_str()), (1, "销售二部"));
        let week = calls(db, &ctx, &Scope::Rep("R1".into()), &Period::parse("2024-W27").expect("week")).await.expect("calls");
        assert_eq!(week.len(), 3);

        let sheet = calls_sheet(&org, &Scope::Org, &july, Lang::ZhCn);
        assert_eq!(sheet.columns[0].heading, "通话编号");
        assert_eq!(sheet.cell(&sheet.rows[3], "outcome").and_then(|c| c.as_text()), Some("输单"));
        assert!(calls(db, &ctx, &Scope::Team("无此团队".into()), &july).await.is_err());
    })
    .await;
}

/// Won calls: C1, C3 (R1 → D1), C5 (R2 → D2), C7 (R3 → D3); lost: C8, C9 (R3 → D4). Only the
/// talk ratio and the questions are set; the other metrics are null.
async fn with_compared_calls(db: &Db) {
    organisation(db).await;
    let set = |call_id: &str, talk: f64, questions: i64| TranscriptRow {
        talk_ratio: Some(talk),
        longest_monologue_seconds: None,
        longest_customer_story_seconds: None,
        interactivity_per_minute: None,
        patience_seconds: None,
        questions,
        basis: "time".into(),
        ..row(call_id, true)
    };
    let rows = vec![set("C1", 0.40, 3), set("C3", 0.45, 4), set("C5", 0.50, 5), set("C7", 0.42, 4), set("C8", 0.70, 4), set("C9", 0.75, 4)];
    db.store_transcripts(&rows, at(7, 31, 18)).await.expect("store");
}

fn close(x: Option<f64>, y: f64) -> bool {
    x.is_some_and(|x| (x - y).abs() < 1e-9)
}

#[tokio::test]
async fn won_and_lost_calls_are_compared_with_welch_intervals_and_plain_verdicts() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_compared_calls(db).await;
        let ctx = Context::load(db).await.expect("context");
        let july = Period::parse("2024-07").expect("period");
        let c = compare(db, &ctx, &Scope::Org, &july, CompareBy::Outcome, Lang::En).await.expect("compare");
        assert_eq!((c.calls_a, c.calls_b), (4, 2));
        // scipy.stats.ttest_ind([.40, .45, .50, .42], [.70, .75], equal_var=False).
        let talk = &c.metrics[0];
        assert_eq!((talk.metric.as_str(), talk.n_a, talk.n_b), ("talk_ratio", 4, 2));
        assert!(close(talk.difference, -0.2825));
        assert!(close(talk.ci_low, -0.3980116630064411) && close(talk.ci_high, -0.16698833699355886), "{talk:?}");
        assert!(close(talk.p_value, 0.005790264465188894), "{talk:?}");
        assert_eq!(talk.verdict, "talk ratio: lower for won calls than for lost calls");
        // Questions: 4 on average in both groups; the interval (−1.299, 1.299) crosses zero.
        let questions = &c.metrics[5];
        assert!(close(questions.difference, 0.0) && close(questions.ci_high, 1.299228263625111), "{questions:?}");
        assert_eq!((questions.detectable, questions.verdict.as_str()), (false, "no detectable difference"));
        let patience = &c.metrics[4];
        assert_eq!((patience.n_a, patience.difference, patience.verdict.as_str()), (0, None, "too few calls to tell"));
        // No call mentions a competitor: enough calls (4 and 2), neither group varies, and the
        // difference is exactly 0 — no detectable difference, not "too few calls".
        let competitors = &c.metrics[11];
        assert_eq!(competitors.metric, "competitor_mentions");
        assert_eq!((competitors.n_a, competitors.n_b, competitors.difference), (4, 2, Some(0.0)));
        assert_eq!((competitors.detectable, competitors.verdict.as_str()), (false, "no detectable difference"));
        let sheet = comparison_sheet(&c, Lang::ZhCn);
        assert_eq!(sheet.columns[1].heading, "均值：赢单通话");
    })
    .await;
}

#[tokio::test]
async fn top_quartile_reps_by_win_rate_are_compared_with_the_rest() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_compared_calls(db).await;
        let ctx = Context::load(db).await.expect("context");
        let july = Period::parse("2024-07").expect("period");
        // Win rates: R1 2 of 2, R2 1 of 1, R3 1 of 2. The top quarter of three reps is one place,
        // which R1 and R2 share.
        let c = compare(db, &ctx, &Scope::Org, &july, CompareBy::Performer, Lang::En).await.expect("compare");
        assert_eq!(c.top_reps, ["R1", "R2"]);
        assert_eq!((c.calls_a, c.calls_b), (3, 3));
        // scipy: ttest_ind([.40, .45, .50], [.42, .70, .75], equal_var=False).
        let talk = &c.metrics[0];
        assert!(close(talk.difference, -0.17333333333333328));
        assert!(close(talk.ci_low, -0.5774554661305966) && close(talk.p_value, 0.2286581953267969), "{talk:?}");
        assert_eq!(talk.verdict, "no detectable difference");
    })
    .await;
}

#[tokio::test]
async fn behaviour_metrics_are_kpis_averaged_over_the_calls_of_a_scope() {
    use salescope_engine::{KpiQuery, kpis::kpi_report_with};
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        with_compared_calls(db).await;
        let ctx = Context::load(db).await.expect("context");
        let value = async |scope: Scope, kpi: &str| {
            let query = KpiQuery {
                kpis: vec![kpi.into()],
                scope,
                period: Period::parse("2024-07").expect("period"),
                by: None,
                today: day(7, 31),
                compare: Default::default(),
                lang: Lang::En,
            };
            kpi_report_with(db, &ctx, &query).await.expect("report").values[0].value
        };
        // 一部 in July: C1, C3, C5 and C7 (R3 before the move): talk .40, .45, .50, .42.
        let first = || Scope::Team("销售一部".into());
        assert!(close(value(first(), "talk_ratio").await, 44.25));
        assert!(close(value(first(), "questions_per_call").await, 4.0));
        // 二部: C8 and C9 (R3 after the move).
        assert!(close(value(Scope::Team("销售二部".into()), "talk_ratio").await, 72.5));
        assert!(close(value(Scope::Org, "transcribed_calls").await, 6.0));
        assert_eq!(value(Scope::Org, "patience").await, None, "no call has a patience value");
    })
    .await;
}
