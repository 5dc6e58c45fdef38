//! Coaching gaps on SQLite and PostgreSQL, against figures worked out by hand.
//!
//! Team 一部, July 2024: R1…R4 each open four deals that enter 接触 on 1 July. R_n's first n
//! deals move on to 报价, the others are lost; R1's deals leave 接触 after 4 days, everyone
//! else's after 2. R1 makes one outbound call, the others three each, all connected.

use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::records::{Call, Deal, DealStage, DealStatus, Direction, Outcome, Rep, Role};
use salescope_core::time::{Day, LocalDateTime};
use salescope_core::training::Course;
use salescope_engine::Context;
use salescope_engine::coaching::{coaching_gaps, measure};
use salescope_engine::pipeline::Deals;
use salescope_store::WriteContext;
use salescope_store::testing::{TestDb, each_backend};

fn at(d: u32, h: u32) -> LocalDateTime {
    LocalDateTime::from_parts(Day::from_ymd(2024, 7, d).expect("date"), h, 0, 0)
}

fn course(id: &str, targets: &str) -> Course {
    Course {
        course_id: id.into(),
        title: format!("课程 {id}"),
        topic: None,
        content: None,
        trainer: None,
        format: None,
        audience: None,
        assessment_method: None,
        pass_score: None,
        cost: None,
        hours: None,
        target_kpis: Some(targets.into()),
        flags: String::new(),
    }
}

fn seller(n: u32) -> Rep {
    Rep {
        rep_id: format!("R{n}"),
        name: format!("Rep {n}"),
        team: "一部".into(),
        parent_team: None,
        hire_date: None,
        email: None,
        role: Role::Rep,
        team_from: None,
        flags: String::new(),
    }
}

fn connected_call(id: &str, rep: &str, when: LocalDateTime) -> Call {
    Call {
        call_id: id.into(),
        rep_id: rep.into(),
        customer_id: None,
        direction: Direction::Outbound,
        started_at: when,
        ring_seconds: None,
        talk_seconds: 60,
        duration_seconds: None,
        outcome: Outcome::Connected,
        disposition: None,
        resolved_first_contact: None,
        campaign: None,
        flags: String::new(),
    }
}

#[tokio::test]
async fn a_reps_gaps_are_ranked_by_cost_against_the_team_median_and_top_quartile() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let ctx = WriteContext { today: at(31, 9).day(), counted: false };
        let reps: Vec<Rep> = (1..=4).map(seller).collect();
        db.write(reps, &ctx).await.expect("reps");
        let (mut deals, mut stages, mut calls) = (Vec::new(), Vec::new(), Vec::new());
        for n in 1..=4u32 {
            let stay = if n == 1 { 4 } else { 2 };
            for d in 1..=4u32 {
                let id = format!("D{n}{d}");
                let advances = d <= n;
                deals.push(Deal {
                    deal_id: id.clone(),
                    rep_id: format!("R{n}"),
                    customer_id: format!("K{n}{d}"),
                    segment: None,
                    source: None,
                    created_at: at(1, 9),
                    status: if advances { DealStatus::Open } else { DealStatus::Lost },
                    amount: 100_000,
                    stage: None,
                    closed_at: (!advances).then(|| at(1 + stay, 9)),
                    loss_reason: None,
                    contract_no: None,
                    flags: String::new(),
                });
                stages.push(DealStage { deal_id: id.clone(), stage: "接触".into(), entered_at: at(1, 9), flags: String::new() });
                if advances {
                    stages.push(DealStage { deal_id: id, stage: "报价".into(), entered_at: at(1 + stay, 9), flags: String::new() });
                }
            }
            for c in 0..if n == 1 { 1 } else { 3 } {
                calls.push(connected_call(&format!("C{n}{c}"), &format!("R{n}"), at(2, 10 + c)));
            }
        }
        db.write(deals, &ctx).await.expect("deals");
        db.write(stages, &ctx).await.expect("stages");
        db.write(calls, &ctx).await.expect("calls");
        db.write(vec![course("NEG", "win_rate"), course("CALL", "outbound_calls"), course("CSAT", "csat")], &ctx).await.expect("courses");

        let context = Context::load(db).await.expect("context");
        let july = Period::parse("2024-07").expect("period");
        let deals = Deals::load(db, None).await.expect("deals");
        let found = coaching_gaps(db, &context, &deals, "R1", &july, Lang::En).await.expect("gaps");
        assert_eq!((found.team.as_str(), found.team_size), ("一部", 4));
        let gaps: Vec<(&str, &str, f64, f64, f64, f64)> =
            found.gaps.iter().map(|g| (g.kind.as_str(), g.name.as_str(), g.rep_value, g.team_median, g.top_quartile, g.impact)).collect();
        // 接触 conversions 25, 50, 75, 100: median 62.5, top quartile 81.25; R1 loses
        // (62.5 − 25) % of its 4 entries = 1.5 deals. R1's 4 days in 接触 against a median of 2
        // (top quartile, the fast end, 2): 2 extra days × 4 deals. One call against a median of
        // three: 66.67% short.
        assert_eq!(
            gaps,
            [
                ("stage_conversion", "接触", 25.0, 62.5, 81.25, 1.5),
                ("time_in_stage", "接触", 4.0, 2.0, 2.0, 8.0),
                ("kpi", "outbound_calls", 1.0, 3.0, 3.0, 66.67),
            ]
        );
        assert_eq!(found.gaps[0].courses.iter().map(|c| c.course_id.as_str()).collect::<Vec<_>>(), ["NEG"]);
        assert_eq!(found.gaps[2].courses.iter().map(|c| c.course_id.as_str()).collect::<Vec<_>>(), ["CALL"]);
        // A follow-up measures a gap whether or not the rep is still behind.
        assert_eq!(measure(db, &context, &deals, "R1", &july, "kpi", "outbound_calls").await.expect("measure"), Some((1.0, 3.0)));
        assert_eq!(measure(db, &context, &deals, "R4", &july, "stage_conversion", "接触").await.expect("measure"), Some((100.0, 62.5)));
        assert_eq!(measure(db, &context, &deals, "R1", &july, "kpi", "csat").await.expect("measure"), None, "no feedback, no value");
        // The best rep has no gap to close.
        let best = coaching_gaps(db, &context, &deals, "R4", &july, Lang::En).await.expect("gaps");
        assert!(best.gaps.is_empty(), "{:?}", best.gaps);

        // R5 joins on 16 July and makes one call on the 17th; R2 makes three more on the 22nd.
        let r5 = Rep { hire_date: Some(Day::from_ymd(2024, 7, 16).expect("date")), ..seller(5) };
        db.write(vec![r5], &ctx).await.expect("new hire");
        let late = vec![
            connected_call("C50", "R5", at(17, 10)),
            connected_call("C60", "R2", at(22, 10)),
            connected_call("C61", "R2", at(22, 11)),
            connected_call("C62", "R2", at(22, 12)),
        ];
        db.write(late, &ctx).await.expect("late calls");
        let context = Context::load(db).await.expect("context");
        // July is still compared among the four who were there all month.
        let found = coaching_gaps(db, &context, &deals, "R1", &july, Lang::En).await.expect("gaps");
        assert_eq!(found.team_size, 4);
        // R5 is compared on 16–31 July, not on the fortnight before they joined: one call
        // against the median of R2's 3 and their own 1, which is 2 — 50 % short (over the
        // whole of July the median would be 3, 66.67 % short).
        let found = coaching_gaps(db, &context, &deals, "R5", &july, Lang::En).await.expect("gaps");
        assert_eq!((found.period.as_str(), found.team_size), ("2024-07-16..2024-07-31", 5));
        let gaps: Vec<(&str, f64, f64, f64)> = found.gaps.iter().map(|g| (g.name.as_str(), g.rep_value, g.team_median, g.impact)).collect();
        assert_eq!(gaps, [("outbound_calls", 1.0, 2.0, 50.0)]);
    })
    .await;
}
