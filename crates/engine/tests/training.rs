//! Training effectiveness on SQLite and PostgreSQL, on a synthetic organisation with effects
//! planted in the data:
//!
//! 24 reps in two teams, 20 weeks from Monday 1 January 2024. Each rep closes 10 deals a week,
//! each won with probability 0.30 + the rep's own level (±0.10) + 0.10 from week 10 on (a
//! season that lifts everyone) + 0.20 from week 14 on for the reps who attended the effective
//! course (COACH, session on Monday of week 14). A second course (SEASON) trains half the reps
//! on Monday of week 10, exactly when the season starts, and does nothing.

use salescope_core::i18n::Lang;
use salescope_core::random::Rng;
use salescope_core::records::{Deal, DealStatus, Rep, Role};
use salescope_core::time::{Day, LocalDateTime};
use salescope_core::training::{Assessment, Attendance, Course, Phase, Session, TrainingFeedback};
use salescope_engine::Context;
use salescope_engine::training::{
    ControlChoice, EffectOptions, RoiAssumptions, VerdictKind, course_report, kpi_effects, reaction, roi, week_index,
};
use salescope_engine::training_sheets::{course_report_sheet, effect_sheet};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

const PLANTED: f64 = 20.0;
const SEASON: f64 = 10.0;

/// Deal `n` of rep `r` in `week`, of ¥10,000, closed on `closed`, won or lost.
fn weekly_deal(r: usize, week: i32, n: i32, closed: Day, won: bool) -> Deal {
    Deal {
        deal_id: format!("D{r}-{week}-{n}"),
        rep_id: rep_id(r),
        customer_id: format!("K{r}-{week}-{n}"),
        segment: None,
        source: None,
        created_at: closed.plus_days(-10).start(),
        status: if won { DealStatus::Won } else { DealStatus::Lost },
        amount: 1_000_000,
        stage: None,
        closed_at: Some(closed.start()),
        loss_reason: None,
        contract_no: won.then(|| format!("HT-{r}-{week}-{n}")),
        flags: String::new(),
    }
}

fn monday(week: i32) -> Day {
    Day::from_ymd(2024, 1, 1).expect("date").plus_days(7 * week)
}

fn rep_id(i: usize) -> String {
    format!("R{:02}", i + 1)
}

fn course(id: &str, targets: &str) -> Course {
    Course {
        course_id: id.into(),
        title: format!("Course {id}"),
        topic: None,
        content: None,
        trainer: None,
        format: None,
        audience: None,
        assessment_method: None,
        pass_score: Some(60.0),
        cost: Some(2_000_000),
        hours: Some(4.0),
        target_kpis: Some(targets.into()),
        flags: String::new(),
    }
}

fn session(id: &str, course: &str, week: i32) -> Session {
    Session {
        session_id: id.into(),
        course_id: course.into(),
        starts_at: LocalDateTime::from_parts(monday(week), 9, 0, 0),
        hours: None,
        place: None,
        trainer: None,
        flags: String::new(),
    }
}

fn attended(session: &str, rep: usize) -> Attendance {
    Attendance { session_id: session.into(), rep_id: rep_id(rep), signed_in_at: None, attended: true, flags: String::new() }
}

/// COACH trains the even reps, SEASON the odd ones; both teams have some of each.
fn coached(rep: usize) -> bool {
    rep.is_multiple_of(2)
}

async fn organisation(db: &Db) {
    let ctx = WriteContext { today: monday(20), counted: false };
    let reps: Vec<Rep> = (0..24)
        .map(|i| Rep {
            rep_id: rep_id(i),
            name: format!("Rep {i}"),
            team: if i < 12 { "一部" } else { "二部" }.into(),
            parent_team: None,
            hire_date: Some(Day::from_ymd(2022, 1, 1).expect("date")),
            email: None,
            role: Role::Rep,
            team_from: None,
            flags: String::new(),
        })
        .collect();
    db.write(reps, &ctx).await.expect("reps");
    let mut rng = Rng::new(2024);
    let mut deals = Vec::new();
    for r in 0..24 {
        let level = 0.1 * rng.normal().clamp(-1.0, 1.0);
        for week in 0..20 {
            for n in 0..10 {
                let closed = monday(week).plus_days(n % 5);
                let p = 0.30
                    + level
                    + if week >= 10 { SEASON / 100.0 } else { 0.0 }
                    + if coached(r) && week >= 14 { PLANTED / 100.0 } else { 0.0 };
                let won = rng.chance(p);
                deals.push(weekly_deal(r, week, n, closed, won));
            }
        }
    }
    db.write(deals, &ctx).await.expect("deals");
    db.write(vec![course("COACH", "win_rate,won_deals"), course("SEASON", "win_rate")], &ctx).await.expect("courses");
    db.write(vec![session("COACH-1", "COACH", 14), session("SEASON-1", "SEASON", 10)], &ctx).await.expect("sessions");
    let signed: Vec<Attendance> = (0..24).map(|r| if coached(r) { attended("COACH-1", r) } else { attended("SEASON-1", r) }).collect();
    db.write(signed, &ctx).await.expect("attendance");
}

fn options(pre: u32, post: u32) -> EffectOptions {
    EffectOptions { session_id: None, pre_weeks: pre, post_weeks: post, control: ControlChoice::Auto, today: monday(20) }
}

#[tokio::test]
async fn the_effective_course_is_credited_with_the_planted_effect_and_the_seasonal_one_with_none() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let ctx = Context::load(&store.db).await.expect("context");
        let records = store.db.training_records().await.expect("records");
        let win_rate = ctx.kpi("win_rate").expect("kpi");

        let coach = &kpi_effects(&store.db, &ctx, &records, "COACH", &[win_rate], &options(4, 4), Lang::En).await.expect("effect")[0];
        let e = coach.estimate.as_ref().expect("estimate");
        assert!(e.ci_low < PLANTED && PLANTED < e.ci_high, "the interval {:?} misses the planted {PLANTED} pp", (e.ci_low, e.ci_high));
        assert_eq!(coach.verdict, VerdictKind::Improved, "{}", coach.summary);
        assert_eq!(coach.trained.len(), 12);
        assert!(coach.control.len() >= 4 && coach.control.iter().all(|r| !coached(r[1..].parse::<usize>().expect("id") - 1)));
        assert_eq!(coach.post_weeks_observed, 4);
        let reference = coach.event_study.iter().find(|p| p.relative_week == -1).expect("reference week");
        assert_eq!((reference.effect, reference.ci_low, reference.ci_high), (0.0, 0.0, 0.0));
        assert!(coach.summary.starts_with("Win rate +"), "{}", coach.summary);

        // The season starts with SEASON's session: the naive before/after credits the course
        // with it, the comparison with untrained reps does not.
        let season = &kpi_effects(&store.db, &ctx, &records, "SEASON", &[win_rate], &options(4, 4), Lang::En).await.expect("effect")[0];
        let naive = season.naive.as_ref().expect("naive");
        assert!(naive.difference > SEASON / 2.0, "the naive comparison should show the season: {naive:?}");
        let e = season.estimate.as_ref().expect("estimate");
        assert!(e.ci_low < 0.0 && 0.0 < e.ci_high, "no effect was planted: {:?}", (e.effect, e.ci_low, e.ci_high));
        assert_eq!(season.verdict, VerdictKind::NoDetectableEffect, "{}", season.summary);
        assert!(season.pre_trend.as_ref().is_some_and(|p| p.parallel));
    })
    .await;
}

#[tokio::test]
async fn a_control_group_named_by_team_and_too_few_reps_are_reported_as_such() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let ctx = Context::load(&store.db).await.expect("context");
        let records = store.db.training_records().await.expect("records");
        let win_rate = ctx.kpi("win_rate").expect("kpi");
        let by_team = EffectOptions { control: ControlChoice::Teams(vec!["二部".into()]), ..options(4, 4) };
        let effect = &kpi_effects(&store.db, &ctx, &records, "COACH", &[win_rate], &by_team, Lang::En).await.expect("effect")[0];
        // The untrained reps of 二部 are its odd ones: R14, R16 … R24.
        assert_eq!(effect.control, (12..24).filter(|r| !coached(*r)).map(rep_id).collect::<Vec<_>>());
        assert_eq!(effect.control_method, "team:二部");

        let few = EffectOptions { control: ControlChoice::Reps(vec![rep_id(1), rep_id(3)]), ..options(4, 4) };
        let effect = &kpi_effects(&store.db, &ctx, &records, "COACH", &[win_rate], &few, Lang::ZhCn).await.expect("effect")[0];
        assert_eq!(effect.verdict, VerdictKind::TooFewReps);
        assert!(effect.summary.contains("人数太少"), "{}", effect.summary);
    })
    .await;
}

#[tokio::test]
async fn reaction_learning_and_roi_follow_the_records_and_the_assumptions() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let ctx = WriteContext { today: monday(20), counted: false };
        let feedback = |rep: usize, scores: [Option<i64>; 4], comment: Option<&str>| TrainingFeedback {
            session_id: "COACH-1".into(),
            rep_id: rep_id(rep),
            scores,
            comment: comment.map(str::to_string),
            flags: String::new(),
        };
        store
            .db
            .write(
                vec![
                    feedback(0, [Some(5), Some(4), Some(3), Some(4)], Some("useful")),
                    feedback(2, [Some(4), Some(4), None, Some(2)], None),
                    feedback(4, [Some(3), Some(5), Some(5), Some(3)], Some("  ")),
                ],
                &ctx,
            )
            .await
            .expect("feedback");
        let test = |rep: usize, phase: Phase, score: f64| Assessment {
            course_id: "COACH".into(),
            rep_id: rep_id(rep),
            phase,
            score,
            taken_on: None,
            passed: None,
            flags: String::new(),
        };
        store
            .db
            .write(
                vec![
                    test(0, Phase::Pre, 50.0),
                    test(0, Phase::Post, 70.0),
                    test(2, Phase::Pre, 40.0),
                    test(2, Phase::Post, 55.0),
                    test(4, Phase::Pre, 62.0),
                    test(4, Phase::Post, 58.0),
                ],
                &ctx,
            )
            .await
            .expect("assessments");
        let records = store.db.training_records().await.expect("records");
        let r = reaction(&records, "COACH", None);
        // Content (5 + 4 + 3) / 3 = 4; practice (3 + 5) / 2 = 4; 3 of 12 attendees answered.
        assert_eq!(r.dimensions[0].mean, Some(4.0));
        assert_eq!((r.dimensions[2].mean, r.dimensions[2].responses), (Some(4.0), 2));
        assert_eq!((r.responses, r.attendees, r.response_rate), (3, 12, Some(25.0)));
        assert_eq!(r.comments, vec!["useful".to_string()]);

        let ctx = Context::load(&store.db).await.expect("context");
        let report = course_report(&store.db, &ctx, "COACH", &options(4, 4), None, Lang::En).await.expect("report");
        // Post-tests 70, 55, 58 against the pass score 60: one passes. Gains 20, 15, −4: mean 31/3,
        // sd √(Σ(g − ḡ)²/2) = √163/… checked against scipy in the core's tests; here the wiring.
        let learning = &report.learning;
        assert_eq!((learning.passed, learning.post_tests), (1, 3));
        assert!((learning.pass_rate.expect("rate") - 100.0 / 3.0).abs() < 1e-9);
        let gain = learning.gain.as_ref().expect("paired test");
        assert!((gain.mean_gain - 31.0 / 3.0).abs() < 1e-9 && gain.pairs == 3);
        assert!(report.behaviour.is_empty(), "win_rate and won_deals are results KPIs");
        assert_eq!(report.results.iter().map(|e| e.kpi.as_str()).collect::<Vec<_>>(), ["win_rate", "won_deals"]);

        // The derived assumptions: 10 closed deals per rep and week at 10,000 yuan each.
        let derived = &report.roi.as_ref().expect("roi").assumptions;
        assert_eq!((derived.kpi.as_str(), derived.volume_per_rep_week, derived.avg_deal_size), ("win_rate", 10.0, 10_000.0));
        assert_eq!((derived.course_cost, derived.attendee_hours), (20_000.0, 4.0));

        let assumptions = RoiAssumptions {
            kpi: "win_rate".into(),
            horizon_weeks: 10.0,
            gross_margin_pct: 25.0,
            avg_deal_size: 10_000.0,
            volume_per_rep_week: 10.0,
            hourly_cost: 100.0,
            attendee_hours: 4.0,
            course_cost: 20_000.0,
        };
        let effect = &report.results[0];
        let figures = roi(&assumptions, effect, Lang::En).expect("roi");
        // One pp of win rate on 10 deals a week is 0.1 deal = 1,000 yuan of revenue, 250 of margin.
        let effect_pp = effect.estimate.as_ref().expect("estimate").effect;
        let benefit = effect_pp * 250.0 * 12.0 * 10.0;
        let cost = 20_000.0 + 12.0 * 4.0 * 100.0;
        assert!((figures.value_per_unit - 250.0).abs() < 1e-9);
        assert!((figures.benefit - benefit).abs() < 1e-6 && (figures.cost - cost).abs() < 1e-9);
        assert!((figures.roi_pct.expect("roi") - (benefit - cost) / cost * 100.0).abs() < 1e-9);
        assert!((figures.payback_weeks.expect("payback") - cost / (benefit / 10.0)).abs() < 1e-9);
        assert!(figures.effect_detectable && figures.proven && figures.unproven.is_none());
        assert_eq!(week_index(monday(14)) - week_index(monday(10)), 4);
    })
    .await;
}

/// 24 reps as above, with no season and no planted jump: the even reps, who attend RAMP on Monday
/// of week 10, win 2 pp more each week from week 0 on (20% to 58% over 20 weeks), the odd ones
/// stay at 30%. After the session the trained reps are higher than before by more than the
/// untrained — but they were already climbing.
async fn climbing_organisation(db: &Db) {
    let ctx = WriteContext { today: monday(20), counted: false };
    let reps: Vec<Rep> = (0..24)
        .map(|i| Rep {
            rep_id: rep_id(i),
            name: format!("Rep {i}"),
            team: if i < 12 { "一部" } else { "二部" }.into(),
            parent_team: None,
            hire_date: Some(Day::from_ymd(2022, 1, 1).expect("date")),
            email: None,
            role: Role::Rep,
            team_from: None,
            flags: String::new(),
        })
        .collect();
    db.write(reps, &ctx).await.expect("reps");
    let mut rng = Rng::new(7);
    let mut deals = Vec::new();
    for r in 0..24 {
        for week in 0..20 {
            for n in 0..10 {
                let closed = monday(week).plus_days(n % 5);
                let p = if coached(r) { 0.20 + 0.02 * f64::from(week) } else { 0.30 };
                let won = rng.chance(p);
                deals.push(weekly_deal(r, week, n, closed, won));
            }
        }
    }
    db.write(deals, &ctx).await.expect("deals");
    db.write(vec![course("RAMP", "win_rate")], &ctx).await.expect("courses");
    db.write(vec![session("RAMP-1", "RAMP", 10)], &ctx).await.expect("sessions");
    let signed: Vec<Attendance> = (0..24).filter(|r| coached(*r)).map(|r| attended("RAMP-1", r)).collect();
    db.write(signed, &ctx).await.expect("attendance");
}

#[tokio::test]
async fn trends_that_differed_before_training_make_the_effect_unattributable_everywhere() {
    each_backend(async |store: &TestDb| {
        climbing_organisation(&store.db).await;
        let ctx = Context::load(&store.db).await.expect("context");
        let records = store.db.training_records().await.expect("records");
        let win_rate = ctx.kpi("win_rate").expect("kpi");
        let named = EffectOptions { control: ControlChoice::Reps((0..24).filter(|r| !coached(*r)).map(rep_id).collect()), ..options(6, 6) };
        let effect = &kpi_effects(&store.db, &ctx, &records, "RAMP", &[win_rate], &named, Lang::En).await.expect("effect")[0];
        let check = effect.pre_trend.as_ref().expect("pre-trend check");
        // The trained climb before the session (2 pp a week planted), the others not at all.
        assert!(!check.parallel && check.slope_difference > 0.0, "{check:?}");
        let e = effect.estimate.as_ref().expect("estimate");
        assert!(e.ci_low > 0.0, "the level shift alone looks significant: {e:?}");
        assert_eq!(effect.verdict, VerdictKind::NotAttributable, "{}", effect.summary);
        assert!(effect.summary.starts_with("Win rate: cannot be attributed: trends differed before training"), "{}", effect.summary);
        // The sheet the CLI and the exports render leads with the same verdict.
        let sheet = effect_sheet(effect, "Course RAMP", Lang::En);
        assert!(sheet.title.contains("cannot be attributed"), "{}", sheet.title);
        let first = &sheet.rows[0].cells;
        assert_eq!(first[1], salescope_core::sheet::Cell::text("Win rate: Cannot be attributed"));

        // An ROI on it is unproven, in its JSON and in the report sheet.
        let assumptions = RoiAssumptions {
            kpi: "win_rate".into(),
            horizon_weeks: 10.0,
            gross_margin_pct: 25.0,
            avg_deal_size: 10_000.0,
            volume_per_rep_week: 10.0,
            hourly_cost: 100.0,
            attendee_hours: 4.0,
            course_cost: 20_000.0,
        };
        let figures = roi(&assumptions, effect, Lang::En).expect("roi");
        assert!(figures.effect_detectable && !figures.proven, "detectable but not attributable");
        assert!(figures.unproven.as_deref().is_some_and(|u| u.contains("cannot be attributed")), "{:?}", figures.unproven);
        let report = course_report(&store.db, &ctx, "RAMP", &named, None, Lang::En).await.expect("report");
        assert_eq!(report.results[0].verdict, VerdictKind::NotAttributable);
        let roi_of_report = report.roi.as_ref().expect("roi");
        assert!(!roi_of_report.proven);
        let sheet = course_report_sheet(&report, Lang::En);
        let texts: Vec<String> = sheet.rows.iter().map(|r| format!("{:?}", r.cells[1])).collect();
        assert!(texts.iter().any(|t| t.contains("treat the ROI as unproven")), "{texts:?}");
    })
    .await;
}
