//! Training records (SPEC C6): courses, their sessions, who signed in, assessment scores and the
//! attendees' feedback. They feed the effectiveness report (C7); they add nothing to the per-rep
//! daily totals.

use crate::parse::{Record, RowReader, ValueCursor};
use crate::rules::Rule;
use crate::schema::{Value, join_key};
use crate::time::{Day, LocalDateTime};
use crate::values::Cents;
use crate::{fields, table};
use std::borrow::Cow;

fn flags_value(flags: String) -> Value {
    if flags.is_empty() { Value::Null } else { Value::Text(flags) }
}

fn opt_real(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::Real)
}

/// The KPI ids a course names, from `a, b；c` (commas, Chinese commas, semicolons or spaces).
pub fn kpi_list(text: &str) -> Vec<String> {
    text.split([',', '，', ';', '；', '、', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fields! {
    pub enum CourseField in COURSE_FIELDS {
        CourseId = "course_id", required, ["course", "course id", "id", "课程编号", "课程id", "课程代码", "培训编号"];
        Title = "title", required, ["name", "course name", "course title", "课程名称", "课程", "培训主题", "培训名称", "主题"];
        Topic = "topic", optional, ["category", "subject", "培训类别", "课程类别", "类别", "培训类型"];
        Content = "content", optional, ["description", "outline", "培训内容", "课程内容", "内容", "课程大纲"];
        Trainer = "trainer", optional, ["instructor", "teacher", "讲师", "培训讲师", "培训师", "授课人"];
        Format = "format", optional, ["delivery", "mode", "培训形式", "形式", "授课方式", "培训方式"];
        Audience = "audience", optional, ["participants", "target audience", "参训对象", "培训对象", "参训人员", "对象"];
        AssessmentMethod = "assessment_method", optional, ["assessment", "evaluation", "考核方式", "考核方法", "评估方式"];
        PassScore = "pass_score", optional, ["pass mark", "passing score", "pass threshold", "合格分数", "及格分", "及格分数", "合格线"];
        Cost = "cost", optional, ["budget", "course cost", "费用", "培训费用", "费用预算", "成本", "预算"];
        Hours = "hours", optional, ["duration", "length", "课时", "时长", "培训时长", "学时"];
        TargetKpis = "target_kpis", optional, ["kpis", "target kpi", "targets", "目标指标", "提升指标", "考核指标", "关联指标"];
    }
}

table!(pub static COURSES = "courses" key 1 {
    "course_id": Text, "title": Text, "topic": Text, "content": Text, "trainer": Text, "format": Text, "audience": Text,
    "assessment_method": Text, "pass_score": Real, "cost": Int, "hours": Real, "target_kpis": Text, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub course_id: String,
    pub title: String,
    pub topic: Option<String>,
    pub content: Option<String>,
    pub trainer: Option<String>,
    pub format: Option<String>,
    pub audience: Option<String>,
    pub assessment_method: Option<String>,
    /// The score (0–100) at or above which an assessment passes.
    pub pass_score: Option<f64>,
    pub cost: Option<Cents>,
    /// Hours each attendee spends in the course (the attendee-time part of its cost).
    pub hours: Option<f64>,
    /// The KPI ids the course aims to move, comma-separated.
    pub target_kpis: Option<String>,
    pub flags: String,
}

impl Course {
    pub fn targets(&self) -> Vec<String> {
        self.target_kpis.as_deref().map(kpi_list).unwrap_or_default()
    }
}

/// A 0–100 score; out-of-range values are reported under `score_out_of_range`.
fn percent_score(row: &mut RowReader, field: usize) -> Option<f64> {
    let value = row.number(field)?;
    row.check(!(0.0..=100.0).contains(&value), Rule::ScoreOutOfRange, field, value);
    Some(value)
}

/// Hours, which cannot be negative.
fn hours(row: &mut RowReader, field: usize) -> Option<f64> {
    let value = row.number(field)?;
    row.check(value < 0.0, Rule::CountNegative, field, value);
    Some(value)
}

impl Record for Course {
    const FIELDS: &'static [crate::schema::FieldSpec] = COURSE_FIELDS;
    const TABLE: &'static crate::schema::Table = &COURSES;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use CourseField as F;
        Some(Course {
            course_id: row.required_text(F::CourseId),
            title: row.required_text(F::Title),
            topic: row.text(F::Topic),
            content: row.text(F::Content),
            trainer: row.text(F::Trainer),
            format: row.text(F::Format),
            audience: row.text(F::Audience),
            assessment_method: row.text(F::AssessmentMethod),
            pass_score: percent_score(row, F::PassScore.into()),
            cost: row.amount(F::Cost),
            hours: hours(row, F::Hours.into()),
            target_kpis: row.text(F::TargetKpis).map(|t| kpi_list(&t).join(",")),
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        self.course_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.course_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.course_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.course_id),
            Value::Text(self.title),
            Value::from(self.topic),
            Value::from(self.content),
            Value::from(self.trainer),
            Value::from(self.format),
            Value::from(self.audience),
            Value::from(self.assessment_method),
            opt_real(self.pass_score),
            Value::opt_int(self.cost),
            opt_real(self.hours),
            Value::from(self.target_kpis),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Course {
            course_id: c.text()?,
            title: c.text()?,
            topic: c.opt_text()?,
            content: c.opt_text()?,
            trainer: c.opt_text()?,
            format: c.opt_text()?,
            audience: c.opt_text()?,
            assessment_method: c.opt_text()?,
            pass_score: c.opt_real()?,
            cost: c.opt_int()?,
            hours: c.opt_real()?,
            target_kpis: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum SessionField in SESSION_FIELDS {
        SessionId = "session_id", required, ["session", "session id", "id", "场次编号", "场次", "班次", "期次", "培训场次"];
        CourseId = "course_id", required, ["course", "course id", "课程编号", "课程id", "课程代码", "培训编号"];
        StartsAt = "starts_at", required, ["start", "start time", "date", "time", "培训时间", "开始时间", "日期", "培训日期"];
        Hours = "hours", optional, ["duration", "length", "课时", "时长", "培训时长", "学时"];
        Place = "place", optional, ["location", "venue", "room", "培训地点", "地点", "会议室", "线上链接"];
        Trainer = "trainer", optional, ["instructor", "teacher", "讲师", "培训讲师", "培训师", "授课人"];
    }
}

table!(pub static SESSIONS = "training_sessions" key 1 {
    "session_id": Text, "course_id": Text, "starts_at": Int, "hours": Real, "place": Text, "trainer": Text, "flags": Text,
});

/// One running of a course at a time and a place (or online).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub session_id: String,
    pub course_id: String,
    pub starts_at: LocalDateTime,
    pub hours: Option<f64>,
    pub place: Option<String>,
    pub trainer: Option<String>,
    pub flags: String,
}

impl Record for Session {
    const FIELDS: &'static [crate::schema::FieldSpec] = SESSION_FIELDS;
    const TABLE: &'static crate::schema::Table = &SESSIONS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use SessionField as F;
        let session_id = row.required_text(F::SessionId);
        let course_id = row.required_text(F::CourseId);
        let starts_at = row.datetime(F::StartsAt);
        Some(Session {
            session_id,
            course_id,
            starts_at: starts_at?,
            hours: hours(row, F::Hours.into()),
            place: row.text(F::Place),
            trainer: row.text(F::Trainer),
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        self.session_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.session_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.session_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.session_id),
            Value::Text(self.course_id),
            Value::Int(self.starts_at.0),
            opt_real(self.hours),
            Value::from(self.place),
            Value::from(self.trainer),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Session {
            session_id: c.text()?,
            course_id: c.text()?,
            starts_at: c.time()?,
            hours: c.opt_real()?,
            place: c.opt_text()?,
            trainer: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// Header names of the field naming a training session in the attendance and feedback kinds.
macro_rules! session_synonyms {
    () => {
        ["session", "session id", "场次编号", "场次", "班次", "期次", "培训场次"]
    };
}

/// Header names of the field naming a rep in the training kinds (the seed's sign-in sheet uses 姓名).
macro_rules! attendee_synonyms {
    () => {
        ["rep", "rep id", "attendee", "participant", "employee", "工号", "姓名", "学员", "参训人", "参训人员", "销售人员", "员工"]
    };
}

fields! {
    pub enum AttendanceField in ATTENDANCE_FIELDS {
        SessionId = "session_id", required, session_synonyms!();
        RepId = "rep_id", required, attendee_synonyms!();
        SignedInAt = "signed_in_at", optional, ["sign-in time", "signed in", "check-in", "签到时间", "签到"];
        Attended = "attended", optional, ["present", "attendance", "是否出勤", "出勤", "是否参加", "到场"];
    }
}

table!(pub static ATTENDANCE = "training_attendance" key 2 {
    "session_id": Text, "rep_id": Text, "signed_in_at": Int, "attended": Bool, "flags": Text,
});

/// A rep's sign-in to a session. A row without `attended` counts as attended (it is a sign-in
/// sheet); `attended = no` records an enrolled rep who did not come.
#[derive(Debug, Clone, PartialEq)]
pub struct Attendance {
    pub session_id: String,
    pub rep_id: String,
    pub signed_in_at: Option<LocalDateTime>,
    pub attended: bool,
    pub flags: String,
}

impl Record for Attendance {
    const FIELDS: &'static [crate::schema::FieldSpec] = ATTENDANCE_FIELDS;
    const TABLE: &'static crate::schema::Table = &ATTENDANCE;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use AttendanceField as F;
        let session_id = row.required_text(F::SessionId);
        let rep_id = row.rep(F::RepId);
        let signed_in_at = row.datetime(F::SignedInAt);
        let attended = row.flag(F::Attended).unwrap_or(true);
        Some(Attendance { session_id, rep_id: rep_id?, signed_in_at, attended, flags: String::new() })
    }

    fn external_id(&self) -> String {
        format!("{}/{}", self.session_id, self.rep_id)
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Owned(join_key(&[&self.session_id, &self.rep_id]))
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.session_id.clone()), Value::Text(self.rep_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.session_id),
            Value::Text(self.rep_id),
            Value::opt_int(self.signed_in_at.map(|t| t.0)),
            Value::Bool(self.attended),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Attendance {
            session_id: c.text()?,
            rep_id: c.text()?,
            signed_in_at: c.opt_time()?,
            attended: c.opt_bool()?.unwrap_or(true),
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

macro_rules! choice_of_phase {
    () => {
        &[
            (Phase::Pre, &["pre", "before", "pre-test", "pretest", "baseline", "训前", "培训前", "前测", "课前"][..]),
            (Phase::Post, &["post", "after", "post-test", "posttest", "final", "训后", "培训后", "后测", "课后", "结业"][..]),
        ]
    };
}

/// Whether an assessment was taken before or after the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    Pre,
    Post,
}

impl Phase {
    pub fn id(self) -> &'static str {
        match self {
            Phase::Pre => "pre",
            Phase::Post => "post",
        }
    }

    pub fn from_id(id: &str) -> Option<Phase> {
        match id {
            "pre" => Some(Phase::Pre),
            "post" => Some(Phase::Post),
            _ => None,
        }
    }
}

fields! {
    pub enum AssessmentField in ASSESSMENT_FIELDS {
        CourseId = "course_id", required, ["course", "course id", "课程编号", "课程id", "课程代码", "培训编号"];
        RepId = "rep_id", required, attendee_synonyms!();
        Phase = "phase", required, ["test", "stage", "when", "测试类型", "考核阶段", "阶段", "类型"];
        Score = "score", required, ["result", "mark", "成绩", "得分", "分数", "考核成绩"];
        TakenOn = "taken_on", optional, ["date", "test date", "考核日期", "日期", "考试日期"];
        Passed = "passed", optional, ["pass", "result pass", "是否合格", "合格", "通过"];
    }
}

table!(pub static ASSESSMENTS = "training_assessments" key 3 {
    "course_id": Text, "rep_id": Text, "phase": Text, "score": Real, "taken_on": Int, "passed": Bool, "flags": Text,
});

/// A rep's score (0–100) in a course's pre- or post-test. `passed` is as recorded; when it is
/// missing the course's pass score decides.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub course_id: String,
    pub rep_id: String,
    pub phase: Phase,
    pub score: f64,
    pub taken_on: Option<Day>,
    pub passed: Option<bool>,
    pub flags: String,
}

impl Assessment {
    pub fn passes(&self, pass_score: Option<f64>) -> Option<bool> {
        self.passed.or_else(|| pass_score.map(|p| self.score >= p))
    }
}

impl Record for Assessment {
    const FIELDS: &'static [crate::schema::FieldSpec] = ASSESSMENT_FIELDS;
    const TABLE: &'static crate::schema::Table = &ASSESSMENTS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use AssessmentField as F;
        let course_id = row.required_text(F::CourseId);
        let rep_id = row.rep(F::RepId);
        let phase = row.choice(F::Phase, choice_of_phase!());
        let score = percent_score(row, F::Score.into());
        let taken_on = row.date(F::TakenOn);
        let passed = row.flag(F::Passed);
        Some(Assessment { course_id, rep_id: rep_id?, phase: phase?, score: score?, taken_on, passed, flags: String::new() })
    }

    fn external_id(&self) -> String {
        format!("{}/{}/{}", self.course_id, self.rep_id, self.phase.id())
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Owned(join_key(&[&self.course_id, &self.rep_id, &self.phase.id()]))
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.course_id.clone()), Value::Text(self.rep_id.clone()), Value::Text(self.phase.id().into())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.course_id),
            Value::Text(self.rep_id),
            Value::Text(self.phase.id().into()),
            Value::Real(self.score),
            Value::opt_int(self.taken_on.map(|d| d.0 as i64)),
            Value::opt_bool(self.passed),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Assessment {
            course_id: c.text()?,
            rep_id: c.text()?,
            phase: Phase::from_id(&c.text()?)?,
            score: c.real()?,
            taken_on: c.opt_day()?,
            passed: c.opt_bool()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// The dimensions attendees rate a session on (1–5), in the order of the seed's sheet.
pub const FEEDBACK_DIMENSIONS: [&str; 4] = ["content", "trainer", "practice", "organisation"];

fields! {
    pub enum TrainingFeedbackField in TRAINING_FEEDBACK_FIELDS {
        SessionId = "session_id", required, session_synonyms!();
        RepId = "rep_id", required, attendee_synonyms!();
        Content = "content", optional, ["content usefulness", "usefulness", "内容实用性", "内容", "课程内容"];
        Trainer = "trainer", optional, ["trainer rating", "instructor", "讲师水平", "讲师", "讲师评分"];
        Practice = "practice", optional, ["practice effect", "exercises", "实战演练效果", "实战演练", "演练"];
        Organisation = "organisation", optional, ["organization", "logistics", "组织流畅度", "组织", "组织安排"];
        Comment = "comment", optional, ["comments", "suggestions", "意见与建议", "意见", "建议", "备注", "评价"];
    }
}

table!(pub static TRAINING_FEEDBACK = "training_feedback" key 2 {
    "session_id": Text, "rep_id": Text, "content": Int, "trainer": Int, "practice": Int, "organisation": Int,
    "comment": Text, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct TrainingFeedback {
    pub session_id: String,
    pub rep_id: String,
    /// Scores 1–5 in the order of [`FEEDBACK_DIMENSIONS`].
    pub scores: [Option<i64>; 4],
    pub comment: Option<String>,
    pub flags: String,
}

impl Record for TrainingFeedback {
    const FIELDS: &'static [crate::schema::FieldSpec] = TRAINING_FEEDBACK_FIELDS;
    const TABLE: &'static crate::schema::Table = &TRAINING_FEEDBACK;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use TrainingFeedbackField as F;
        let session_id = row.required_text(F::SessionId);
        let rep_id = row.rep(F::RepId);
        let scores = [F::Content, F::Trainer, F::Practice, F::Organisation].map(|f| row.score(f, 1..=5));
        let comment = row.text(F::Comment);
        Some(TrainingFeedback { session_id, rep_id: rep_id?, scores, comment, flags: String::new() })
    }

    fn external_id(&self) -> String {
        format!("{}/{}", self.session_id, self.rep_id)
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Owned(join_key(&[&self.session_id, &self.rep_id]))
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.session_id.clone()), Value::Text(self.rep_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        let [content, trainer, practice, organisation] = self.scores.map(Value::opt_int);
        vec![
            Value::Text(self.session_id),
            Value::Text(self.rep_id),
            content,
            trainer,
            practice,
            organisation,
            Value::from(self.comment),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(TrainingFeedback {
            session_id: c.text()?,
            rep_id: c.text()?,
            scores: [c.opt_int()?, c.opt_int()?, c.opt_int()?, c.opt_int()?],
            comment: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_kpi_lists_accept_chinese_and_western_separators() {
        assert_eq!(kpi_list("conversion_rate，revenue; calls、 talk_minutes"), ["conversion_rate", "revenue", "calls", "talk_minutes"]);
        assert!(kpi_list(" , ").is_empty());
    }

    #[test]
    fn an_assessment_without_a_recorded_result_passes_by_the_course_pass_score() {
        let a = Assessment {
            course_id: "C1".into(),
            rep_id: "R1".into(),
            phase: Phase::Post,
            score: 72.0,
            taken_on: None,
            passed: None,
            flags: String::new(),
        };
        assert_eq!(a.passes(Some(70.0)), Some(true));
        assert_eq!(a.passes(Some(80.0)), Some(false));
        assert_eq!(a.passes(None), None);
        assert_eq!(Assessment { passed: Some(false), ..a }.passes(Some(70.0)), Some(false));
    }

    #[test]
    fn every_record_round_trips_through_its_stored_columns() {
        let course = Course {
            course_id: "C1".into(),
            title: "客户谈判技巧".into(),
            topic: None,
            content: Some("议价".into()),
            trainer: Some("王老师".into()),
            format: None,
            audience: None,
            assessment_method: None,
            pass_score: Some(70.0),
            cost: Some(1_200_000),
            hours: Some(6.0),
            target_kpis: Some("conversion_rate".into()),
            flags: String::new(),
        };
        assert_eq!(Course::from_values(course.to_values()), Some(course.clone()));
        assert_eq!(COURSES.columns.len(), course.to_values().len());
        let feedback = TrainingFeedback {
            session_id: "S1".into(),
            rep_id: "R1".into(),
            scores: [Some(5), None, Some(3), Some(4)],
            comment: Some("很实用".into()),
            flags: "score_out_of_range".into(),
        };
        assert_eq!(TrainingFeedback::from_values(feedback.to_values()), Some(feedback.clone()));
        assert_eq!(TRAINING_FEEDBACK.columns.len(), feedback.to_values().len());
    }
}
