//! The demo's training calendar, with effects known in advance so the effectiveness report can be
//! checked against them:
//!
//! - 客户谈判技巧 (negotiation) truly works: from the day a rep attends it, each deal they close
//!   is won with probability [`NEGOTIATION_WIN_LIFT`] higher;
//! - 产品知识强化 (product knowledge) does nothing, but runs just before the spring buying season,
//!   which lifts every rep's win rate alike ([`spring_season_lift`]) — a naive before/after
//!   credits the course with it;
//! - 大客户策略 (key accounts) trains the key-account team and has no effect either.

use crate::{RepPlan, TEAMS};
use salescope_core::calendar::WorkCalendar;
use salescope_core::random::Rng;
use salescope_core::records::Role;
use salescope_core::time::{Day, LocalDateTime};

/// The planted effect of the negotiation course on the chance of winning a deal.
pub const NEGOTIATION_WIN_LIFT: f64 = 0.15;
/// The spring buying season's lift of every rep's chance of winning a deal.
pub const SPRING_SEASON_LIFT: f64 = 0.10;

/// Days after the Spring Festival that the buying season runs: budgets are approved once work
/// has restarted.
const SPRING_SEASON: std::ops::Range<i32> = 25..85;

/// The spring season's lift on a deal closing on `day`.
pub fn spring_season_lift(day: Day, calendar: &WorkCalendar) -> f64 {
    match calendar.next_holiday("春节", day.plus_days(-SPRING_SEASON.end)) {
        Some(festival) if SPRING_SEASON.contains(&(day.0 - festival.0)) => SPRING_SEASON_LIFT,
        _ => 0.0,
    }
}

pub(crate) struct CoursePlan {
    pub id: &'static str,
    pub title: &'static str,
    pub topic: &'static str,
    pub content: &'static str,
    pub trainer: &'static str,
    pub format: &'static str,
    pub audience: &'static str,
    pub method: &'static str,
    pub pass_score: f64,
    pub cost_yuan: i64,
    pub hours: f64,
    pub targets: &'static str,
    /// Sessions: (day, place, rep indices enrolled, of whom these did not come).
    pub sessions: Vec<SessionPlan>,
    pub mean_pre: f64,
    pub mean_gain: f64,
    /// Mean feedback per dimension (content, trainer, practice, organisation).
    pub feedback: [f64; 4],
    pub comments: &'static [&'static str],
    /// Added to an attendee's chance of winning each deal closed from the session on.
    pub win_lift: f64,
}

pub(crate) struct SessionPlan {
    pub day: Day,
    pub place: &'static str,
    pub enrolled: Vec<usize>,
    pub absent: Vec<usize>,
}

/// The Monday on or after `day`.
fn monday_from(day: Day) -> Day {
    day.plus_days((8 - day.iso_weekday() as i32) % 7)
}

/// The first working day from `day` on.
fn working_from(mut day: Day, calendar: &WorkCalendar) -> Day {
    while !calendar.is_working_day(day) {
        day = day.plus_days(1);
    }
    day
}

/// Picks each eligible rep with probability `share`, some of whom then miss the session.
fn enrol(reps: &[RepPlan], eligible: impl Fn(&RepPlan) -> bool, share: f64, rng: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let enrolled: Vec<usize> = (0..reps.len()).filter(|i| eligible(&reps[*i]) && rng.chance(share)).collect();
    let absent = enrolled.iter().copied().filter(|_| rng.chance(0.08)).collect();
    (enrolled, absent)
}

pub(crate) fn plan_courses(reps: &[RepPlan], first: Day, until: Day, calendar: &WorkCalendar, rng: &mut Rng) -> Vec<CoursePlan> {
    let span = until.0 - first.0;
    let at = |share: f64| working_from(monday_from(first.plus_days((span as f64 * share) as i32)), calendar);
    // Reps who sell and were on board well before a session, so it has a pre-period to compare.
    let seasoned = |day: Day| move |r: &RepPlan| matches!(r.role, Role::Rep | Role::TeamLead) && r.hire < day.plus_days(-90);
    let eight_weeks = 56;
    let season_start = calendar
        .next_holiday("春节", first)
        .map(|festival| monday_from(festival.plus_days(SPRING_SEASON.start)))
        .filter(|d| d.plus_days(-eight_weeks) >= first && d.plus_days(eight_weeks) <= until);
    // Product knowledge: the Monday the spring season starts, when it fits in the period.
    let product_day = working_from(season_start.unwrap_or_else(|| at(0.3)), calendar);
    let negotiation_day = at(0.62);
    let key_accounts_day = at(0.45);

    let (product, product_absent) = enrol(reps, seasoned(product_day), 0.4, rng);
    let (negotiation, negotiation_absent) = enrol(reps, |r| seasoned(negotiation_day)(r) && r.team < TEAMS.len() - 1, 0.45, rng);
    let (key_accounts, key_absent) = enrol(reps, |r| seasoned(key_accounts_day)(r) && r.team == TEAMS.len() - 1, 1.0, rng);
    // The negotiation course runs twice, a week apart, half the class each time.
    let (first_half, second_half): (Vec<usize>, Vec<usize>) = negotiation.iter().partition(|i| i.is_multiple_of(2));
    let absent_of = |class: &[usize]| negotiation_absent.iter().copied().filter(|i| class.contains(i)).collect();

    vec![
        CoursePlan {
            id: "CRS-NEG",
            title: "客户谈判技巧",
            topic: "销售技巧",
            content: "议价策略、让步节奏、异议处理与促成签约",
            trainer: "王立群",
            format: "线下工作坊",
            audience: "销售一部、二部、三部代表",
            method: "笔试 + 角色扮演",
            pass_score: 70.0,
            cost_yuan: 36_000,
            hours: 6.0,
            targets: "win_rate,conversion_rate,revenue,avg_talk_seconds",
            sessions: vec![
                SessionPlan { day: negotiation_day, place: "总部3楼培训室", absent: absent_of(&first_half), enrolled: first_half },
                SessionPlan {
                    day: working_from(negotiation_day.plus_days(7), calendar),
                    place: "总部3楼培训室",
                    absent: absent_of(&second_half),
                    enrolled: second_half,
                },
            ],
            mean_pre: 58.0,
            mean_gain: 17.0,
            feedback: [4.5, 4.6, 4.4, 4.2],
            comments: &[
                "角色扮演很有帮助，希望多一些真实案例",
                "议价部分讲得很透",
                "时间有点紧",
                "让步节奏的方法马上就能用",
                "希望有进阶课程",
            ],
            win_lift: NEGOTIATION_WIN_LIFT,
        },
        CoursePlan {
            id: "CRS-PRD",
            title: "产品知识强化",
            topic: "产品知识",
            content: "新版产品线功能、价格体系与竞品对比",
            trainer: "李静",
            format: "线上直播",
            audience: "全体销售",
            method: "线上笔试",
            pass_score: 60.0,
            cost_yuan: 12_000,
            hours: 4.0,
            targets: "win_rate,conversion_rate",
            sessions: vec![SessionPlan { day: product_day, place: "线上（腾讯会议）", enrolled: product, absent: product_absent }],
            mean_pre: 62.0,
            mean_gain: 12.0,
            feedback: [4.2, 4.0, 3.5, 4.4],
            comments: &["竞品对比很实用", "内容偏多，练习太少", "直播有点卡", "价格体系讲得清楚"],
            win_lift: 0.0,
        },
        CoursePlan {
            id: "CRS-KA",
            title: "大客户策略",
            topic: "大客户销售",
            content: "客户组织结构分析、决策链与长期经营",
            trainer: "陈国栋",
            format: "线下课程",
            audience: "大客户部",
            method: "案例答辩",
            pass_score: 70.0,
            cost_yuan: 48_000,
            hours: 12.0,
            targets: "avg_deal_size,won_deals",
            sessions: vec![SessionPlan { day: key_accounts_day, place: "总部5楼会议室", enrolled: key_accounts, absent: key_absent }],
            mean_pre: 60.0,
            mean_gain: 10.0,
            feedback: [4.3, 4.5, 4.0, 3.9],
            comments: &["决策链分析的工具很好用", "案例贴近我们的客户", "两天有点长"],
            win_lift: 0.0,
        },
    ]
}

/// Each rep's planted lifts: (from day, added chance of winning).
pub(crate) fn win_lifts(courses: &[CoursePlan], reps: usize) -> Vec<Vec<(Day, f64)>> {
    let mut lifts = vec![Vec::new(); reps];
    for course in courses.iter().filter(|c| c.win_lift != 0.0) {
        for session in &course.sessions {
            for rep in session.enrolled.iter().filter(|r| !session.absent.contains(r)) {
                lifts[*rep].push((session.day, course.win_lift));
            }
        }
    }
    lifts
}

/// A sign-in time around the session's start (9:00).
fn sign_in(day: Day, rng: &mut Rng) -> LocalDateTime {
    LocalDateTime(LocalDateTime::from_parts(day, 8, 45, 0).0 + rng.range(0, 25 * 60))
}

/// A table of one training kind: its kind, headers and rows.
pub(crate) type TrainingTable = (salescope_core::schema::Kind, Vec<&'static str>, Vec<Vec<String>>);

/// The rows of the five training kinds, in import order: courses, sessions, attendance,
/// assessments, training feedback. `rep_id` names a rep by index. A session not over by `now` is
/// planned: it has no sign-ins, scores or feedback yet (drawn all the same, so that the records
/// of the other sessions do not depend on `now`).
pub(crate) fn training_rows(courses: &[CoursePlan], reps: &[RepPlan], now: LocalDateTime, rng: &mut Rng) -> [TrainingTable; 5] {
    use salescope_core::schema::Kind;
    let (mut course_rows, mut session_rows, mut attendance, mut assessments, mut feedback) = (vec![], vec![], vec![], vec![], vec![]);
    for course in courses {
        course_rows.push(vec![
            course.id.into(),
            course.title.into(),
            course.topic.into(),
            course.content.into(),
            course.trainer.into(),
            course.format.into(),
            course.audience.into(),
            course.method.into(),
            course.pass_score.to_string(),
            course.cost_yuan.to_string(),
            course.hours.to_string(),
            course.targets.into(),
        ]);
        for (n, session) in course.sessions.iter().enumerate() {
            let session_id = format!("{}-{}", course.id, n + 1);
            let starts = LocalDateTime::from_parts(session.day, 9, 0, 0);
            let over = LocalDateTime(starts.0 + (course.hours * 3600.0) as i64) <= now;
            session_rows.push(vec![
                session_id.clone(),
                course.id.into(),
                starts.to_string(),
                course.hours.to_string(),
                session.place.into(),
                course.trainer.into(),
            ]);
            for &r in &session.enrolled {
                let rep = &reps[r];
                let came = !session.absent.contains(&r);
                let signed = if came { sign_in(session.day, rng).to_string() } else { String::new() };
                let attended = vec![session_id.clone(), rep.id.clone(), signed, if came { "yes" } else { "no" }.into()];
                if over {
                    attendance.push(attended);
                }
                if !came {
                    continue;
                }
                let responds = rng.chance(0.85);
                let pre = (course.mean_pre + 4.0 * rep.skill + 8.0 * rng.normal()).clamp(15.0, 98.0).round();
                let post = (pre + course.mean_gain + 6.0 * rng.normal()).clamp(pre - 10.0, 100.0).round();
                if over {
                    for (phase, score) in [("pre", pre), ("post", post)] {
                        assessments.push(vec![course.id.into(), rep.id.clone(), phase.into(), score.to_string(), session.day.to_string()]);
                    }
                }
                if responds {
                    let mut row = vec![session_id.clone(), rep.id.clone()];
                    row.extend(course.feedback.iter().map(|m| (m + 0.6 * rng.normal()).round().clamp(1.0, 5.0).to_string()));
                    let comment = if rng.chance(0.4) { rng.pick(course.comments).copied().unwrap_or_default() } else { "" };
                    row.push(comment.into());
                    if over {
                        feedback.push(row);
                    }
                }
            }
        }
    }
    [
        (Kind::Courses, salescope_core::training::COURSE_FIELDS.iter().map(|f| f.name).collect(), course_rows),
        (Kind::Sessions, vec!["session_id", "course_id", "starts_at", "hours", "place", "trainer"], session_rows),
        (Kind::Attendance, vec!["session_id", "rep_id", "signed_in_at", "attended"], attendance),
        (Kind::Assessments, vec!["course_id", "rep_id", "phase", "score", "taken_on"], assessments),
        (Kind::TrainingFeedback, vec!["session_id", "rep_id", "content", "trainer", "practice", "organisation", "comment"], feedback),
    ]
}
