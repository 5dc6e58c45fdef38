//! The training reports as sheets, for the page tables and the JSON, CSV and XLSX downloads:
//! the seed's training plan 培训计划表 and sign-in & feedback sheet 培训签到与反馈表, one KPI's
//! effect, and a course's five levels.

use crate::Context;
use crate::training::{CourseReport, KpiEffect};
use salescope_core::i18n::Lang;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::training::{FEEDBACK_DIMENSIONS, Phase};
use salescope_store::TrainingRecords;

fn columns(prefix: &str, ids: &[(&'static str, CellKind)], lang: Lang) -> Vec<SheetColumn> {
    ids.iter()
        .map(|(id, kind)| SheetColumn { id, heading: lang.tr(&format!("{prefix}.{id}")).to_string(), kind: *kind, editable: false })
        .collect()
}

fn row(scope: impl Into<String>, period: impl Into<String>, cells: Vec<Cell>) -> SheetRow {
    SheetRow { scope: scope.into(), period: period.into(), cells }
}

/// 培训计划表: one row per session, with the course's plan and who came.
pub fn training_plan_sheet(records: &TrainingRecords, lang: Lang) -> Sheet {
    use CellKind::{Count, Money, Number, Text};
    let ids = [
        ("course", Text),
        ("topic", Text),
        ("content", Text),
        ("trainer", Text),
        ("format", Text),
        ("audience", Text),
        ("session", Text),
        ("time", Text),
        ("place", Text),
        ("hours", Number),
        ("assessment_method", Text),
        ("pass_score", Number),
        ("cost", Money),
        ("enrolled", Count),
        ("attended", Count),
    ];
    let mut sessions: Vec<_> = records.sessions.iter().collect();
    sessions.sort_by_key(|s| (s.starts_at, s.session_id.clone()));
    let rows = sessions
        .iter()
        .filter_map(|s| {
            let course = records.courses.iter().find(|c| c.course_id == s.course_id)?;
            let signed: Vec<_> = records.attendance.iter().filter(|a| a.session_id == s.session_id).collect();
            let text = |v: &Option<String>| Cell::text(v.clone().unwrap_or_default());
            Some(row(
                format!("course:{}", course.course_id),
                s.starts_at.day().to_string(),
                vec![
                    Cell::text(course.title.clone()),
                    text(&course.topic),
                    text(&course.content),
                    text(&s.trainer.clone().or_else(|| course.trainer.clone())),
                    text(&course.format),
                    text(&course.audience),
                    Cell::text(s.session_id.clone()),
                    Cell::text(s.starts_at.to_string()),
                    text(&s.place),
                    Cell::number(s.hours.or(course.hours)),
                    text(&course.assessment_method),
                    Cell::number(course.pass_score),
                    Cell::number(course.cost.map(|c| c as f64 / 100.0)),
                    Cell::Number(signed.len() as f64),
                    Cell::Number(signed.iter().filter(|a| a.attended).count() as f64),
                ],
            ))
        })
        .collect();
    Sheet {
        id: "training_plan",
        title: lang.tr("sheet.training_plan.title").to_string(),
        scope: "org".into(),
        period: String::new(),
        columns: columns("sheet.training_plan", &ids, lang),
        rows,
    }
}

/// 培训签到与反馈表 of a course (or one of its sessions): each enrolled rep's sign-in, feedback
/// scores and comment, and test scores.
pub fn signin_sheet(records: &TrainingRecords, ctx: &Context, course_id: &str, session_id: Option<&str>, lang: Lang) -> Sheet {
    use CellKind::{Number, Text};
    let ids = [
        ("session", Text),
        ("rep_id", Text),
        ("name", Text),
        ("team", Text),
        ("signed_in_at", Text),
        ("attended", Text),
        ("content", Number),
        ("trainer", Number),
        ("practice", Number),
        ("organisation", Number),
        ("comment", Text),
        ("pre_score", Number),
        ("post_score", Number),
        ("passed", Text),
    ];
    debug_assert_eq!(FEEDBACK_DIMENSIONS, ["content", "trainer", "practice", "organisation"]);
    let course = records.courses.iter().find(|c| c.course_id == course_id);
    let sessions: Vec<_> = records
        .sessions
        .iter()
        .filter(|s| s.course_id == course_id && session_id.is_none_or(|id| id == s.session_id))
        .map(|s| s.session_id.as_str())
        .collect();
    let yes_no = |v: bool| lang.tr(if v { "common.yes" } else { "common.no" }).to_string();
    let score =
        |rep: &str, phase: Phase| records.assessments.iter().find(|a| a.course_id == course_id && a.rep_id == rep && a.phase == phase);
    let rows = records
        .attendance
        .iter()
        .filter(|a| sessions.contains(&a.session_id.as_str()))
        .map(|a| {
            let info = ctx.rep(&a.rep_id);
            let feedback = records.feedback.iter().find(|f| f.session_id == a.session_id && f.rep_id == a.rep_id);
            let dimension = |i: usize| Cell::number(feedback.and_then(|f| f.scores[i]).map(|s| s as f64));
            let post = score(&a.rep_id, Phase::Post);
            row(
                format!("rep:{}", a.rep_id),
                a.session_id.clone(),
                vec![
                    Cell::text(a.session_id.clone()),
                    Cell::text(a.rep_id.clone()),
                    Cell::text(info.map(|r| r.name.clone()).unwrap_or_default()),
                    Cell::text(info.map(|r| r.team.clone()).unwrap_or_default()),
                    Cell::text(a.signed_in_at.map(|t| t.to_string()).unwrap_or_default()),
                    Cell::text(yes_no(a.attended)),
                    dimension(0),
                    dimension(1),
                    dimension(2),
                    dimension(3),
                    Cell::text(feedback.and_then(|f| f.comment.clone()).unwrap_or_default()),
                    Cell::number(score(&a.rep_id, Phase::Pre).map(|s| s.score)),
                    Cell::number(post.map(|s| s.score)),
                    Cell::text(post.and_then(|p| p.passes(course.and_then(|c| c.pass_score))).map(yes_no).unwrap_or_default()),
                ],
            )
        })
        .collect();
    let title = course.map_or(course_id, |c| c.title.as_str());
    Sheet {
        id: "training_signin",
        title: lang.format("sheet.training_signin.title", &[("course", &title)]),
        scope: format!("course:{course_id}"),
        period: session_id.unwrap_or_default().to_string(),
        columns: columns("sheet.training_signin", &ids, lang),
        rows,
    }
}

const RESULT_COLUMNS: [(&str, CellKind); 7] = [
    ("level", CellKind::Text),
    ("measure", CellKind::Text),
    ("value", CellKind::Number),
    ("ci_low", CellKind::Number),
    ("ci_high", CellKind::Number),
    ("p_value", CellKind::Number),
    ("n", CellKind::Text),
];

/// The rows of one KPI's effect: the estimate, the naive comparison, the pre-trend check and
/// the event study.
fn effect_rows(effect: &KpiEffect, lang: Lang) -> Vec<SheetRow> {
    let level = lang.format("training.level_n", &[("n", &effect.level)]);
    let kpi = &effect.name;
    let line = |measure: String, value: Option<f64>, low: Option<f64>, high: Option<f64>, p: Option<f64>, n: String| {
        row(
            format!("kpi:{}", effect.kpi),
            String::new(),
            vec![
                Cell::text(level.clone()),
                Cell::text(measure),
                Cell::number(value),
                Cell::number(low),
                Cell::number(high),
                Cell::number(p),
                Cell::text(n),
            ],
        )
    };
    let groups = lang.format("training.groups", &[("trained", &effect.trained.len()), ("control", &effect.control.len())]);
    let mut rows = vec![line(
        lang.format(
            "training.measure.verdict",
            &[("kpi", kpi), ("verdict", &lang.tr(&format!("training.verdict_label.{}", effect.verdict.id())))],
        ),
        None,
        None,
        None,
        None,
        effect.summary.clone(),
    )];
    rows.push(line(
        lang.format("training.measure.did", &[("kpi", kpi)]),
        effect.estimate.as_ref().map(|e| e.effect),
        effect.estimate.as_ref().map(|e| e.ci_low),
        effect.estimate.as_ref().map(|e| e.ci_high),
        effect.estimate.as_ref().map(|e| e.p_value),
        groups.clone(),
    ));
    if let Some(naive) = &effect.naive {
        rows.push(line(lang.format("training.measure.naive", &[("kpi", kpi)]), Some(naive.difference), None, None, None, groups.clone()));
    }
    if let Some(check) = &effect.pre_trend {
        rows.push(line(
            lang.format("training.measure.pre_trend", &[("kpi", kpi)]),
            Some(check.slope_difference),
            None,
            None,
            Some(check.p_value),
            String::new(),
        ));
    }
    for point in &effect.event_study {
        rows.push(line(
            lang.format("training.measure.event_week", &[("kpi", kpi), ("week", &point.relative_week)]),
            Some(point.effect),
            Some(point.ci_low),
            Some(point.ci_high),
            None,
            String::new(),
        ));
    }
    rows
}

/// One KPI's effect as a sheet; its title is the verdict.
pub fn effect_sheet(effect: &KpiEffect, course_title: &str, lang: Lang) -> Sheet {
    Sheet {
        id: "training_effect",
        title: format!("{course_title} — {}", effect.summary),
        scope: format!("kpi:{}", effect.kpi),
        period: effect.training_day.clone(),
        columns: columns("sheet.training_result", &RESULT_COLUMNS, lang),
        rows: effect_rows(effect, lang),
    }
}

/// The five levels of a course, one measure per row.
pub fn course_report_sheet(report: &CourseReport, lang: Lang) -> Sheet {
    let line = |level: u8, measure: String, value: Option<f64>, low: Option<f64>, high: Option<f64>, p: Option<f64>, n: String| {
        row(
            format!("course:{}", report.course.course_id),
            String::new(),
            vec![
                Cell::text(lang.format("training.level_n", &[("n", &level)])),
                Cell::text(measure),
                Cell::number(value),
                Cell::number(low),
                Cell::number(high),
                Cell::number(p),
                Cell::text(n),
            ],
        )
    };
    let reaction = &report.reaction;
    let mut rows = vec![line(
        1,
        lang.tr("training.measure.response_rate").to_string(),
        reaction.response_rate,
        None,
        None,
        None,
        format!("{}/{}", reaction.responses, reaction.attendees),
    )];
    for d in &reaction.dimensions {
        rows.push(line(
            1,
            lang.tr(&format!("training.dimension.{}", d.dimension)).to_string(),
            d.mean,
            None,
            None,
            None,
            d.responses.to_string(),
        ));
    }
    let learning = &report.learning;
    rows.push(line(
        2,
        lang.tr("training.measure.pass_rate").to_string(),
        learning.pass_rate,
        None,
        None,
        None,
        format!("{}/{}", learning.passed, learning.post_tests),
    ));
    if let Some(gain) = &learning.gain {
        rows.push(line(
            2,
            lang.tr("training.measure.score_gain").to_string(),
            Some(gain.mean_gain),
            Some(gain.ci_low),
            Some(gain.ci_high),
            Some(gain.p_value),
            gain.pairs.to_string(),
        ));
    }
    for effect in report.behaviour.iter().chain(&report.results) {
        // The verdict, the estimate, the naive comparison and the pre-trend check.
        rows.extend(effect_rows(effect, lang).into_iter().take(4));
    }
    if let Some(roi) = &report.roi {
        let money = |measure: &str, value: Option<f64>| line(5, lang.tr(measure).to_string(), value, None, None, None, String::new());
        rows.push(line(
            5,
            lang.tr("training.measure.benefit").to_string(),
            Some(roi.benefit),
            Some(roi.benefit_low),
            Some(roi.benefit_high),
            None,
            String::new(),
        ));
        rows.push(money("training.measure.cost", Some(roi.cost)));
        rows.push(money("training.measure.roi_pct", roi.roi_pct));
        rows.push(money("training.measure.bcr", roi.benefit_cost_ratio));
        rows.push(money("training.measure.payback_weeks", roi.payback_weeks));
        if let Some(unproven) = &roi.unproven {
            rows.push(line(5, unproven.clone(), None, None, None, None, String::new()));
        }
    }
    Sheet {
        id: "training_report",
        title: lang.format("sheet.training_report.title", &[("course", &report.course.title)]),
        scope: format!("course:{}", report.course.course_id),
        period: String::new(),
        columns: columns("sheet.training_result", &RESULT_COLUMNS, lang),
        rows,
    }
}
