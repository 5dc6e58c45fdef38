//! The small organisation the engine tests share, its figures worked out by hand.
//!
//! July 2024. Teams 销售一部 and 销售二部 under 销售中心. R1 and R2 are in 一部 all month; R3
//! moves from 一部 to 二部 on 16 July.
//!
//! | call | rep | day   | dir | outcome   | talk | customer |
//! |------|-----|-------|-----|-----------|------|----------|
//! | C1   | R1  | 07-01 | out | connected | 120  | K1 |
//! | C2   | R1  | 07-01 | out | no_answer | 0    | K2 |
//! | C3   | R1  | 07-02 | out | connected | 300  | K1 |
//! | C4   | R1  | 07-03 | in  | connected | 60   | K3 (resolved) |
//! | C5   | R2  | 07-01 | out | connected | 600  | K2 |
//! | C6   | R2  | 07-10 | out | busy      | 0    | K6 |
//! | C7   | R3  | 07-08 | out | connected | 200  | K4 (in 一部) |
//! | C8   | R3  | 07-20 | out | connected | 100  | K5 (in 二部) |
//! | C9   | R3  | 07-22 | in  | connected | 30   | K5 (not resolved) |
//!
//! Deals: D1 R1 K1 06-20→07-05 won 10,000; D2 R2 K2 07-01→07-11 won 30,000; D3 R3 K4 07-08→07-12
//! won 5,000; D4 R3 K5 07-18→07-25 lost; D5 R1 K1 07-15→07-20 won 2,000 (K1's second win).
//! Feedback: R1 CSAT 5 NPS 10; R2 CSAT 3 NPS 6 complaint; no rep CSAT 4 NPS 8.
//! Leads: R1 answered in 30 min, R2 in 120 min, R1 in 10 min, one unassigned never answered.

// Each test binary uses part of the fixture.
#![allow(dead_code)]

use salescope_core::records::*;
use salescope_core::time::{Day, LocalDateTime};
use salescope_store::{Db, WriteContext};

pub fn day(m: u32, d: u32) -> Day {
    Day::from_ymd(2024, m, d).expect("date")
}

pub fn at(m: u32, d: u32, h: u32) -> LocalDateTime {
    LocalDateTime::from_parts(day(m, d), h, 0, 0)
}

pub fn rep(id: &str, team: &str, from: Option<Day>) -> Rep {
    Rep {
        rep_id: id.into(),
        name: format!("Rep {id}"),
        team: team.into(),
        parent_team: Some("销售中心".into()),
        hire_date: Some(Day::from_ymd(2023, 1, 1).expect("date")),
        email: None,
        role: Role::Rep,
        team_from: from,
        flags: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn call(
    id: &str,
    rep: &str,
    when: LocalDateTime,
    direction: Direction,
    outcome: Outcome,
    talk: i64,
    customer: &str,
    resolved: Option<bool>,
) -> Call {
    Call {
        call_id: id.into(),
        rep_id: rep.into(),
        customer_id: Some(customer.into()),
        direction,
        started_at: when,
        ring_seconds: None,
        talk_seconds: talk,
        duration_seconds: None,
        outcome,
        disposition: None,
        resolved_first_contact: resolved,
        campaign: None,
        flags: String::new(),
    }
}

pub fn deal(id: &str, rep: &str, customer: &str, created: Day, closed: Day, status: DealStatus, amount: i64) -> Deal {
    Deal {
        deal_id: id.into(),
        rep_id: rep.into(),
        customer_id: customer.into(),
        segment: None,
        source: None,
        created_at: created.start(),
        status,
        amount: amount * 100,
        stage: None,
        closed_at: Some(closed.start()),
        loss_reason: None,
        contract_no: Some(format!("HT-{id}")),
        flags: String::new(),
    }
}

pub fn feedback(id: &str, rep: Option<&str>, d: Day, csat: i64, nps: i64, complaint: bool) -> Feedback {
    Feedback {
        feedback_id: id.into(),
        customer_id: None,
        rep_id: rep.map(str::to_string),
        call_id: None,
        date: d,
        csat: Some(csat),
        nps: Some(nps),
        complaint: Some(complaint),
        comment: None,
        flags: String::new(),
    }
}

pub fn lead(id: &str, rep: Option<&str>, created: LocalDateTime, minutes: Option<i64>) -> Lead {
    Lead {
        lead_id: id.into(),
        customer_id: None,
        rep_id: rep.map(str::to_string),
        source: None,
        segment: None,
        created_at: created,
        first_response_at: minutes.map(|m| LocalDateTime(created.0 + m * 60)),
        status: None,
        flags: String::new(),
    }
}

pub async fn organisation(db: &Db) {
    let ctx = WriteContext { today: day(7, 31), counted: false };
    db.write(vec![rep("R1", "销售一部", None), rep("R2", "销售一部", None), rep("R3", "销售一部", None)], &ctx).await.expect("reps");
    db.write(vec![rep("R3", "销售二部", Some(day(7, 16)))], &ctx).await.expect("move");
    use Direction::{Inbound as In, Outbound as Out};
    use Outcome::*;
    db.write(
        vec![
            call("C1", "R1", at(7, 1, 10), Out, Connected, 120, "K1", None),
            call("C2", "R1", at(7, 1, 11), Out, NoAnswer, 0, "K2", None),
            call("C3", "R1", at(7, 2, 10), Out, Connected, 300, "K1", None),
            call("C4", "R1", at(7, 3, 10), In, Connected, 60, "K3", Some(true)),
            call("C5", "R2", at(7, 1, 10), Out, Connected, 600, "K2", None),
            call("C6", "R2", at(7, 10, 10), Out, Busy, 0, "K6", None),
            call("C7", "R3", at(7, 8, 10), Out, Connected, 200, "K4", None),
            call("C8", "R3", at(7, 20, 10), Out, Connected, 100, "K5", None),
            call("C9", "R3", at(7, 22, 10), In, Connected, 30, "K5", Some(false)),
        ],
        &ctx,
    )
    .await
    .expect("calls");
    db.write(
        vec![
            deal("D1", "R1", "K1", day(6, 20), day(7, 5), DealStatus::Won, 10_000),
            deal("D2", "R2", "K2", day(7, 1), day(7, 11), DealStatus::Won, 30_000),
            deal("D3", "R3", "K4", day(7, 8), day(7, 12), DealStatus::Won, 5_000),
            deal("D4", "R3", "K5", day(7, 18), day(7, 25), DealStatus::Lost, 8_000),
            deal("D5", "R1", "K1", day(7, 15), day(7, 20), DealStatus::Won, 2_000),
        ],
        &ctx,
    )
    .await
    .expect("deals");
    db.write(
        vec![
            feedback("F1", Some("R1"), day(7, 5), 5, 10, false),
            feedback("F2", Some("R2"), day(7, 6), 3, 6, true),
            feedback("F3", None, day(7, 7), 4, 8, false),
        ],
        &ctx,
    )
    .await
    .expect("feedback");
    db.write(
        vec![
            lead("L1", Some("R1"), at(7, 1, 9), Some(30)),
            lead("L2", Some("R2"), at(7, 2, 10), Some(120)),
            lead("L3", Some("R1"), at(7, 3, 9), Some(10)),
            lead("L4", None, at(7, 4, 9), None),
        ],
        &ctx,
    )
    .await
    .expect("leads");
}
