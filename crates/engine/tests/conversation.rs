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
use salescope_engine::conversation::{calls, calls_sheet};
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
