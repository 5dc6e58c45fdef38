//! The canonical input records of SPEC §3: fields, parsing rules, storage and rollup contribution.

use crate::customers::Family;
use crate::parse::{Record, RowReader, ValueCursor};
use crate::rollup::{Measure, RollupDelta, UNATTRIBUTED};
use crate::rules::Rule;
use crate::schema::Value;
use crate::time::{Day, LocalDateTime};
use crate::values::Cents;
use crate::{fields, table};
use std::borrow::Cow;

/// Declares an enumeration stored by its id and read through synonyms.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $id:literal [$($syn:literal),* $(,)?],)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub const SYNONYMS: &'static [($name, &'static [&'static str])] = &[$(($name::$variant, &[$id, $($syn),*])),*];

            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id),* }
            }

            pub fn from_id(id: &str) -> Option<$name> {
                match id { $($id => Some($name::$variant),)* _ => None }
            }
        }
    };
}

choice! {
    /// The job a person does in the sales organisation (SPEC §1).
    Role {
        Admin = "admin" ["administrator", "管理员", "系统管理员"],
        Manager = "manager" ["sales manager", "销售经理", "经理", "销售总监", "总监"],
        TeamLead = "team_lead" ["team lead", "lead", "supervisor", "团队主管", "主管", "组长", "团队长"],
        Trainer = "trainer" ["培训负责人", "讲师", "培训师"],
        Rep = "rep" ["sales rep", "agent", "销售代表", "代表", "销售", "座席", "坐席", "业务员", "新人"],
    }
}

choice! {
    Direction {
        Outbound = "outbound" ["out", "ob", "outgoing", "呼出", "外呼", "去电"],
        Inbound = "inbound" ["in", "ib", "incoming", "呼入", "来电"],
    }
}

choice! {
    Outcome {
        Connected = "connected" ["answered", "接通", "已接通", "成功", "接听", "已接听"],
        NoAnswer = "no_answer" ["no answer", "unanswered", "未接", "未接通", "无人接听", "未接听"],
        Busy = "busy" ["占线", "忙", "忙线"],
        Voicemail = "voicemail" ["voice mail", "语音信箱", "留言"],
        Failed = "failed" ["fail", "error", "失败", "呼叫失败", "空号"],
    }
}

choice! {
    ActivityKind {
        Email = "email" ["e-mail", "mail", "邮件", "电子邮件"],
        Sms = "sms" ["text", "text message", "短信"],
        Visit = "visit" ["拜访", "上门", "走访", "外访"],
        Meeting = "meeting" ["会议", "面谈", "会面", "视频会议"],
    }
}

choice! {
    DealStatus {
        Open = "open" ["pipeline", "in progress", "进行中", "跟进中", "未关闭"],
        Won = "won" ["closed won", "win", "赢单", "成交", "已成交", "签约", "已签约"],
        Lost = "lost" ["closed lost", "lose", "输单", "丢单", "失败", "未成交"],
    }
}

fn day_value(d: Option<Day>) -> Value {
    Value::opt_int(d.map(|d| d.0 as i64))
}

fn time_value(t: Option<LocalDateTime>) -> Value {
    Value::opt_int(t.map(|t| t.0))
}

/// Stored flags: NULL when the record broke no rule (most records; NULL costs nothing to bind).
fn flags_value(flags: String) -> Value {
    if flags.is_empty() { Value::Null } else { Value::Text(flags) }
}

/// Header names by which a field that names a rep is recognised in every kind.
macro_rules! rep_synonyms {
    () => {
        [
            "rep",
            "rep id",
            "agent",
            "agent id",
            "salesperson",
            "sales rep",
            "owner",
            "销售人员",
            "销售代表",
            "销售",
            "座席",
            "坐席",
            "座席工号",
            "坐席工号",
            "工号",
            "业务员",
            "员工",
            "负责人",
            "跟进人",
            "姓名",
        ]
    };
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum RepField in REP_FIELDS {
        RepId = "rep_id", required, ["rep", "rep id", "agent id", "employee id", "工号", "员工编号", "销售编号", "座席编号", "坐席编号", "座席工号"];
        Name = "name", required, ["rep name", "agent", "agent name", "姓名", "销售人员", "销售代表", "座席", "坐席", "员工姓名"];
        Team = "team", required, ["team name", "团队", "部门", "所属团队", "所属部门", "小组", "组别"];
        ParentTeam = "parent_team", optional, ["parent", "上级团队", "上级部门", "事业部", "大区"];
        HireDate = "hire_date", optional, ["hired", "hire date", "入职日期", "入职时间"];
        Email = "email", optional, ["e-mail", "mail", "邮箱", "电子邮件"];
        Role = "role", optional, ["job", "position", "角色", "岗位", "职位"];
        TeamFrom = "team_from", optional, ["team since", "in team since", "调入日期", "入组日期", "调岗日期"];
    }
}

table!(pub static REPS = "reps" key 1 {
    "rep_id": Text, "name": Text, "team": Text, "parent_team": Text, "hire_date": Int, "email": Text, "role": Text, "team_from": Int, "flags": Text,
});

/// A member of the sales organisation. Re-importing a rep with another team moves them from
/// `team_from` (or the day of the import) on; KPIs before that day stay with the old team.
#[derive(Debug, Clone, PartialEq)]
pub struct Rep {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub parent_team: Option<String>,
    pub hire_date: Option<Day>,
    pub email: Option<String>,
    pub role: Role,
    pub team_from: Option<Day>,
    pub flags: String,
}

impl Record for Rep {
    const FIELDS: &'static [crate::schema::FieldSpec] = REP_FIELDS;
    const TABLE: &'static crate::schema::Table = &REPS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use RepField as F;
        let rep_id = row.required_text(F::RepId);
        let name = row.required_text(F::Name);
        let team = row.required_text(F::Team);
        let parent_team = row.text(F::ParentTeam);
        let hire_date = row.date(F::HireDate);
        let email = row.text(F::Email);
        let role = row.choice(F::Role, Role::SYNONYMS).unwrap_or(Role::Rep);
        let team_from = row.date(F::TeamFrom);
        row.check(parent_team.as_deref() == Some(team.as_str()), Rule::ValueInvalid, F::ParentTeam, &team);
        Some(Rep { rep_id, name, team, parent_team, hire_date, email, role, team_from, flags: String::new() })
    }

    fn external_id(&self) -> String {
        self.rep_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.rep_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.rep_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.rep_id),
            Value::Text(self.name),
            Value::Text(self.team),
            Value::from(self.parent_team),
            day_value(self.hire_date),
            Value::from(self.email),
            Value::Text(self.role.id().to_string()),
            day_value(self.team_from),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Rep {
            rep_id: c.text()?,
            name: c.text()?,
            team: c.text()?,
            parent_team: c.opt_text()?,
            hire_date: c.opt_day()?,
            email: c.opt_text()?,
            role: Role::from_id(&c.text()?)?,
            team_from: c.opt_day()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum CustomerField in CUSTOMER_FIELDS {
        CustomerId = "customer_id", required, ["customer", "customer id", "客户编号", "客户id", "客户代码"];
        Name = "name", optional, ["customer name", "客户名称", "客户", "客户姓名", "公司名称"];
        Segment = "segment", optional, ["customer segment", "客户分级", "客户类型", "客户分层", "细分市场"];
        Industry = "industry", optional, ["行业", "所属行业"];
        Region = "region", optional, ["地区", "区域", "省份", "城市"];
        CreatedAt = "created_at", optional, ["created", "创建时间", "创建日期", "建档日期"];
    }
}

table!(pub static CUSTOMERS = "customers" key 1 {
    "customer_id": Text, "name": Text, "segment": Text, "industry": Text, "region": Text, "created_at": Int, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub customer_id: String,
    pub name: Option<String>,
    pub segment: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub created_at: Option<LocalDateTime>,
    pub flags: String,
}

impl Record for Customer {
    const FIELDS: &'static [crate::schema::FieldSpec] = CUSTOMER_FIELDS;
    const TABLE: &'static crate::schema::Table = &CUSTOMERS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use CustomerField as F;
        Some(Customer {
            customer_id: row.required_text(F::CustomerId),
            name: row.text(F::Name),
            segment: row.text(F::Segment),
            industry: row.text(F::Industry),
            region: row.text(F::Region),
            created_at: row.datetime(F::CreatedAt),
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        self.customer_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.customer_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.customer_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.customer_id),
            Value::from(self.name),
            Value::from(self.segment),
            Value::from(self.industry),
            Value::from(self.region),
            time_value(self.created_at),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Customer {
            customer_id: c.text()?,
            name: c.opt_text()?,
            segment: c.opt_text()?,
            industry: c.opt_text()?,
            region: c.opt_text()?,
            created_at: c.opt_time()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum CallField in CALL_FIELDS {
        CallId = "call_id", required, ["id", "call id", "通话id", "通话编号", "呼叫id", "呼叫编号", "话单编号", "录音编号"];
        RepId = "rep_id", required, rep_synonyms!();
        CustomerId = "customer_id", optional, ["customer", "customer id", "客户", "客户编号", "客户id"];
        Direction = "direction", required, ["call direction", "call type", "呼叫方向", "方向", "呼叫类型"];
        StartedAt = "started_at", required, ["start", "start time", "started", "call time", "开始时间", "呼叫时间", "通话开始时间", "拨打时间"];
        RingSeconds = "ring_seconds", optional, ["ring", "ring time", "振铃时长", "响铃时长", "等待时长"];
        TalkSeconds = "talk_seconds", required, ["talk", "talk time", "talk duration", "通话时长", "通话秒数"];
        DurationSeconds = "duration_seconds", optional, ["duration", "call duration", "total duration", "总时长", "呼叫时长"];
        Outcome = "outcome", required, ["result", "call result", "呼叫结果", "接通状态", "通话结果", "结果"];
        Disposition = "disposition", optional, ["wrap-up", "小结", "通话小结", "处理结果", "意向"];
        ResolvedFirstContact = "resolved_first_contact", optional, ["fcr", "first contact resolution", "首次解决", "一次解决", "首呼解决"];
        Campaign = "campaign", optional, ["campaign name", "营销活动", "外呼任务", "项目"];
    }
}

table!(pub static CALLS = "calls" key 1 {
    "call_id": Text, "rep_id": Text, "customer_id": Text, "direction": Text, "started_at": Int, "ring_seconds": Int,
    "talk_seconds": Int, "duration_seconds": Int, "outcome": Text, "disposition": Text, "resolved_first_contact": Bool,
    "campaign": Text, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub call_id: String,
    pub rep_id: String,
    pub customer_id: Option<String>,
    pub direction: Direction,
    pub started_at: LocalDateTime,
    pub ring_seconds: Option<i64>,
    pub talk_seconds: i64,
    /// Length of the whole call from dialling to hang-up, ring time included.
    pub duration_seconds: Option<i64>,
    pub outcome: Outcome,
    pub disposition: Option<String>,
    pub resolved_first_contact: Option<bool>,
    pub campaign: Option<String>,
    pub flags: String,
}

impl Record for Call {
    const FIELDS: &'static [crate::schema::FieldSpec] = CALL_FIELDS;
    const TABLE: &'static crate::schema::Table = &CALLS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use CallField as F;
        let call_id = row.required_text(F::CallId);
        let rep_id = row.rep(F::RepId);
        let customer_id = row.text(F::CustomerId);
        let direction = row.choice(F::Direction, Direction::SYNONYMS);
        let started_at = row.datetime(F::StartedAt);
        let ring_seconds = row.seconds(F::RingSeconds);
        let talk_seconds = row.seconds(F::TalkSeconds);
        let duration_seconds = row.seconds(F::DurationSeconds);
        let outcome = row.choice(F::Outcome, Outcome::SYNONYMS);
        let disposition = row.text(F::Disposition);
        let resolved_first_contact = row.flag(F::ResolvedFirstContact);
        let campaign = row.text(F::Campaign);
        if let (Some(talk), Some(duration)) = (talk_seconds, duration_seconds) {
            let occupied = talk + ring_seconds.unwrap_or(0);
            row.check(occupied > duration, Rule::TalkExceedsDuration, F::TalkSeconds, talk);
        }
        if let (Some(talk), Some(outcome)) = (talk_seconds, outcome) {
            row.check(talk > 0 && outcome != Outcome::Connected, Rule::TalkWithoutConnection, F::TalkSeconds, talk);
        }
        Some(Call {
            call_id,
            rep_id: rep_id?,
            customer_id,
            direction: direction?,
            started_at: started_at?,
            ring_seconds,
            talk_seconds: talk_seconds?,
            duration_seconds,
            outcome: outcome?,
            disposition,
            resolved_first_contact,
            campaign,
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        self.call_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.call_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.call_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.call_id),
            Value::Text(self.rep_id),
            Value::from(self.customer_id),
            Value::Text(self.direction.id().to_string()),
            Value::Int(self.started_at.0),
            Value::opt_int(self.ring_seconds),
            Value::Int(self.talk_seconds),
            Value::opt_int(self.duration_seconds),
            Value::Text(self.outcome.id().to_string()),
            Value::from(self.disposition),
            Value::opt_bool(self.resolved_first_contact),
            Value::from(self.campaign),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Call {
            call_id: c.text()?,
            rep_id: c.text()?,
            customer_id: c.opt_text()?,
            direction: Direction::from_id(&c.text()?)?,
            started_at: c.time()?,
            ring_seconds: c.opt_int()?,
            talk_seconds: c.int()?,
            duration_seconds: c.opt_int()?,
            outcome: Outcome::from_id(&c.text()?)?,
            disposition: c.opt_text()?,
            resolved_first_contact: c.opt_bool()?,
            campaign: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }

    fn contribute(&self, sign: i64, delta: &mut RollupDelta) {
        let (rep, day) = (self.rep_id.as_str(), self.started_at.day());
        let connected = self.outcome == Outcome::Connected;
        let mut totals = delta.entry(rep, day, sign);
        let mut add = |m: Measure, v: i64| totals.add(m, v);
        match self.direction {
            Direction::Outbound => {
                add(Measure::OutboundCalls, 1);
                add(Measure::OutboundConnected, connected as i64);
            }
            Direction::Inbound => {
                add(Measure::InboundCalls, 1);
                add(Measure::InboundConnected, connected as i64);
                add(Measure::InboundResolvedFirstContact, (connected && self.resolved_first_contact == Some(true)) as i64);
            }
        }
        add(Measure::TalkSeconds, self.talk_seconds);
        if let (true, Some(customer)) = (connected, &self.customer_id) {
            totals.member(Family::Contacted, customer);
        }
        let mut add = |m: Measure, v: i64| totals.add(m, v);
        if connected {
            add(Measure::ConnectedTalkSeconds, self.talk_seconds);
            add(Measure::ConnectedOver1Min, (self.talk_seconds >= 60) as i64);
            add(Measure::ConnectedOver3Min, (self.talk_seconds >= 180) as i64);
            add(Measure::ConnectedOver5Min, (self.talk_seconds >= 300) as i64);
            add(Measure::ConnectedOver10Min, (self.talk_seconds >= 600) as i64);
        }
        totals.call_hour(self.started_at.hour(), connected);
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum ActivityField in ACTIVITY_FIELDS {
        ActivityId = "activity_id", required, ["id", "activity id", "活动编号", "记录编号"];
        RepId = "rep_id", required, rep_synonyms!();
        CustomerId = "customer_id", optional, ["customer", "customer id", "客户", "客户编号", "客户id"];
        Kind = "kind", required, ["type", "activity type", "channel", "类型", "活动类型", "方式", "渠道"];
        At = "at", required, ["time", "date", "timestamp", "时间", "日期", "发生时间"];
        Opened = "opened", optional, ["open", "打开", "已打开", "是否打开"];
        Clicked = "clicked", optional, ["click", "点击", "已点击", "是否点击"];
        Replied = "replied", optional, ["reply", "回复", "已回复", "是否回复"];
    }
}

table!(pub static ACTIVITIES = "activities" key 1 {
    "activity_id": Text, "rep_id": Text, "customer_id": Text, "kind": Text, "at": Int, "opened": Bool, "clicked": Bool,
    "replied": Bool, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub activity_id: String,
    pub rep_id: String,
    pub customer_id: Option<String>,
    pub kind: ActivityKind,
    pub at: LocalDateTime,
    pub opened: Option<bool>,
    pub clicked: Option<bool>,
    pub replied: Option<bool>,
    pub flags: String,
}

impl Record for Activity {
    const FIELDS: &'static [crate::schema::FieldSpec] = ACTIVITY_FIELDS;
    const TABLE: &'static crate::schema::Table = &ACTIVITIES;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use ActivityField as F;
        let activity_id = row.required_text(F::ActivityId);
        let rep_id = row.rep(F::RepId);
        let customer_id = row.text(F::CustomerId);
        let kind = row.choice(F::Kind, ActivityKind::SYNONYMS);
        let at = row.datetime(F::At);
        let (opened, clicked, replied) = (row.flag(F::Opened), row.flag(F::Clicked), row.flag(F::Replied));
        Some(Activity { activity_id, rep_id: rep_id?, customer_id, kind: kind?, at: at?, opened, clicked, replied, flags: String::new() })
    }

    fn external_id(&self) -> String {
        self.activity_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.activity_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.activity_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.activity_id),
            Value::Text(self.rep_id),
            Value::from(self.customer_id),
            Value::Text(self.kind.id().to_string()),
            Value::Int(self.at.0),
            Value::opt_bool(self.opened),
            Value::opt_bool(self.clicked),
            Value::opt_bool(self.replied),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Activity {
            activity_id: c.text()?,
            rep_id: c.text()?,
            customer_id: c.opt_text()?,
            kind: ActivityKind::from_id(&c.text()?)?,
            at: c.time()?,
            opened: c.opt_bool()?,
            clicked: c.opt_bool()?,
            replied: c.opt_bool()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }

    fn contribute(&self, sign: i64, delta: &mut RollupDelta) {
        let (rep, day) = (self.rep_id.as_str(), self.at.day());
        let yes = |v: Option<bool>| (v == Some(true)) as i64;
        let mut totals = delta.entry(rep, day, sign);
        let mut add = |m: Measure, v: i64| totals.add(m, v);
        match self.kind {
            ActivityKind::Email => {
                add(Measure::Emails, 1);
                add(Measure::EmailsOpened, yes(self.opened));
                add(Measure::EmailsClicked, yes(self.clicked));
                add(Measure::EmailsReplied, yes(self.replied));
            }
            ActivityKind::Sms => {
                add(Measure::Sms, 1);
                add(Measure::SmsClicked, yes(self.clicked));
                add(Measure::SmsReplied, yes(self.replied));
            }
            ActivityKind::Visit => add(Measure::Visits, 1),
            ActivityKind::Meeting => add(Measure::Meetings, 1),
        }
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum LeadField in LEAD_FIELDS {
        LeadId = "lead_id", required, ["id", "lead", "lead id", "线索编号", "线索id"];
        CustomerId = "customer_id", optional, ["customer", "customer id", "客户", "客户编号", "客户id"];
        RepId = "rep_id", optional, rep_synonyms!();
        Source = "source", optional, ["lead source", "来源", "线索来源", "获客渠道"];
        Segment = "segment", optional, ["customer segment", "客户分级", "客户类型", "细分市场"];
        CreatedAt = "created_at", required, ["created", "created time", "创建时间", "获取时间", "录入时间", "询盘时间"];
        FirstResponseAt = "first_response_at", optional, ["first response", "responded at", "首次响应时间", "首次跟进时间", "响应时间"];
        Status = "status", optional, ["lead status", "状态", "线索状态"];
    }
}

table!(pub static LEADS = "leads" key 1 {
    "lead_id": Text, "customer_id": Text, "rep_id": Text, "source": Text, "segment": Text, "created_at": Int,
    "first_response_at": Int, "status": Text, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub lead_id: String,
    pub customer_id: Option<String>,
    pub rep_id: Option<String>,
    pub source: Option<String>,
    pub segment: Option<String>,
    pub created_at: LocalDateTime,
    pub first_response_at: Option<LocalDateTime>,
    pub status: Option<String>,
    pub flags: String,
}

impl Record for Lead {
    const FIELDS: &'static [crate::schema::FieldSpec] = LEAD_FIELDS;
    const TABLE: &'static crate::schema::Table = &LEADS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use LeadField as F;
        let lead_id = row.required_text(F::LeadId);
        let customer_id = row.text(F::CustomerId);
        let rep_id = row.rep(F::RepId);
        let source = row.text(F::Source);
        let segment = row.text(F::Segment);
        let created_at = row.datetime(F::CreatedAt);
        let first_response_at = row.datetime(F::FirstResponseAt);
        if let (Some(created), Some(response)) = (created_at, first_response_at) {
            row.check(response < created, Rule::ResponseBeforeCreated, F::FirstResponseAt, response);
        }
        let status = row.text(F::Status);
        Some(Lead {
            lead_id,
            customer_id,
            rep_id,
            source,
            segment,
            created_at: created_at?,
            first_response_at,
            status,
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        self.lead_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.lead_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.lead_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.lead_id),
            Value::from(self.customer_id),
            Value::from(self.rep_id),
            Value::from(self.source),
            Value::from(self.segment),
            Value::Int(self.created_at.0),
            time_value(self.first_response_at),
            Value::from(self.status),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Lead {
            lead_id: c.text()?,
            customer_id: c.opt_text()?,
            rep_id: c.opt_text()?,
            source: c.opt_text()?,
            segment: c.opt_text()?,
            created_at: c.time()?,
            first_response_at: c.opt_time()?,
            status: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }

    fn contribute(&self, sign: i64, delta: &mut RollupDelta) {
        let rep = self.rep_id.as_deref().unwrap_or(UNATTRIBUTED);
        let day = self.created_at.day();
        let mut totals = delta.entry(rep, day, sign);
        totals.add(Measure::Leads, 1);
        if let Some(response) = self.first_response_at {
            totals.add(Measure::LeadsResponded, 1);
            totals.add(Measure::LeadResponseSeconds, response.0 - self.created_at.0);
        }
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum DealField in DEAL_FIELDS {
        DealId = "deal_id", required, ["id", "deal", "deal id", "opportunity id", "商机编号", "商机id", "订单编号", "机会编号"];
        RepId = "rep_id", required, rep_synonyms!();
        CustomerId = "customer_id", required, ["customer", "customer id", "客户", "客户编号", "客户id"];
        Segment = "segment", optional, ["customer segment", "客户分级", "客户类型", "细分市场"];
        Source = "source", optional, ["lead source", "来源", "线索来源", "获客渠道"];
        CreatedAt = "created_at", required, ["created", "created date", "创建时间", "创建日期", "商机创建时间"];
        Status = "status", required, ["deal status", "won/lost", "状态", "商机状态", "赢单状态", "结果"];
        Amount = "amount", required, ["deal amount", "value", "金额", "成交金额", "合同金额", "商机金额"];
        Stage = "stage", optional, ["current stage", "deal stage", "当前阶段", "阶段", "销售阶段"];
        ClosedAt = "closed_at", optional, ["closed", "close date", "closed date", "成交日期", "关闭日期", "签约日期", "成交时间"];
        LossReason = "loss_reason", optional, ["lost reason", "reason lost", "输单原因", "丢单原因", "失败原因"];
        ContractNo = "contract_no", optional, ["contract", "contract number", "contract id", "合同编号", "合同号"];
    }
}

table!(pub static DEALS = "deals" key 1 {
    "deal_id": Text, "rep_id": Text, "customer_id": Text, "segment": Text, "source": Text, "created_at": Int,
    "status": Text, "amount_cents": Int, "stage": Text, "closed_at": Int, "loss_reason": Text, "contract_no": Text,
    "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pub deal_id: String,
    pub rep_id: String,
    pub customer_id: String,
    pub segment: Option<String>,
    pub source: Option<String>,
    pub created_at: LocalDateTime,
    pub status: DealStatus,
    pub amount: Cents,
    pub stage: Option<String>,
    pub closed_at: Option<LocalDateTime>,
    pub loss_reason: Option<String>,
    pub contract_no: Option<String>,
    pub flags: String,
}

impl Deal {
    /// The day a won deal counts for, if it is won and dated.
    pub fn won_on(&self) -> Option<Day> {
        (self.status == DealStatus::Won).then_some(self.closed_at?.day())
    }
}

impl Record for Deal {
    const FIELDS: &'static [crate::schema::FieldSpec] = DEAL_FIELDS;
    const TABLE: &'static crate::schema::Table = &DEALS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use DealField as F;
        let deal_id = row.required_text(F::DealId);
        let rep_id = row.rep(F::RepId);
        let customer_id = row.required_text(F::CustomerId);
        let segment = row.text(F::Segment);
        let source = row.text(F::Source);
        let created_at = row.datetime(F::CreatedAt);
        let status = row.choice(F::Status, DealStatus::SYNONYMS);
        let amount = row.amount(F::Amount);
        let stage = row.text(F::Stage);
        let closed_at = row.datetime(F::ClosedAt);
        let loss_reason = row.text(F::LossReason);
        let contract_no = row.text(F::ContractNo);
        let closed_text = closed_at.map(|t| t.to_string()).unwrap_or_default();
        match status {
            Some(DealStatus::Won) => {
                row.check(contract_no.is_none(), Rule::WonDealWithoutContract, F::ContractNo, "");
                row.check(closed_at.is_none(), Rule::ClosedWithoutDate, F::ClosedAt, "");
            }
            Some(DealStatus::Lost) => row.check(closed_at.is_none(), Rule::ClosedWithoutDate, F::ClosedAt, ""),
            Some(DealStatus::Open) => row.check(closed_at.is_some(), Rule::OpenDealWithCloseDate, F::ClosedAt, &closed_text),
            None => {}
        }
        if let (Some(created), Some(closed)) = (created_at, closed_at) {
            row.check(closed < created, Rule::ClosedBeforeCreated, F::ClosedAt, &closed_text);
        }
        Some(Deal {
            deal_id,
            rep_id: rep_id?,
            customer_id,
            segment,
            source,
            created_at: created_at?,
            status: status?,
            amount: amount?,
            stage,
            closed_at,
            loss_reason,
            contract_no,
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        self.deal_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.deal_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.deal_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.deal_id),
            Value::Text(self.rep_id),
            Value::Text(self.customer_id),
            Value::from(self.segment),
            Value::from(self.source),
            Value::Int(self.created_at.0),
            Value::Text(self.status.id().to_string()),
            Value::Int(self.amount),
            Value::from(self.stage),
            time_value(self.closed_at),
            Value::from(self.loss_reason),
            Value::from(self.contract_no),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Deal {
            deal_id: c.text()?,
            rep_id: c.text()?,
            customer_id: c.text()?,
            segment: c.opt_text()?,
            source: c.opt_text()?,
            created_at: c.time()?,
            status: DealStatus::from_id(&c.text()?)?,
            amount: c.int()?,
            stage: c.opt_text()?,
            closed_at: c.opt_time()?,
            loss_reason: c.opt_text()?,
            contract_no: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }

    fn contribute(&self, sign: i64, delta: &mut RollupDelta) {
        let rep = self.rep_id.as_str();
        delta.add(rep, self.created_at.day(), Measure::DealsCreated, sign);
        let Some(closed) = self.closed_at else { return };
        match self.status {
            DealStatus::Won => {
                let day = closed.day();
                let mut totals = delta.entry(rep, day, sign);
                totals.add(Measure::WonDeals, 1);
                totals.add(Measure::RevenueCents, self.amount);
                totals.add(Measure::WonCycleSeconds, closed.0 - self.created_at.0);
                totals.member(Family::Won, &self.customer_id);
            }
            DealStatus::Lost => delta.add(rep, closed.day(), Measure::LostDeals, sign),
            DealStatus::Open => {}
        }
    }
}

/// The deal through which a customer became a customer: their earliest won deal (ties broken by
/// deal id). `new_customers` counts it on its close day for its rep.
pub fn first_win<'a>(deals: impl IntoIterator<Item = &'a Deal>) -> Option<&'a Deal> {
    deals.into_iter().filter(|d| d.won_on().is_some()).min_by(|a, b| (a.closed_at, &a.deal_id).cmp(&(b.closed_at, &b.deal_id)))
}

/// Adds `sign` times the `new_customers` contribution of a customer's first win.
pub fn contribute_first_win(first: &Deal, sign: i64, delta: &mut RollupDelta) {
    if let Some(day) = first.won_on() {
        delta.add(&first.rep_id, day, Measure::NewCustomers, sign);
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum DealStageField in DEAL_STAGE_FIELDS {
        DealId = "deal_id", required, ["deal", "deal id", "opportunity id", "商机编号", "商机id", "订单编号"];
        Stage = "stage", required, ["stage name", "阶段", "销售阶段", "阶段名称"];
        EnteredAt = "entered_at", required, ["entered", "date", "time", "changed at", "进入时间", "变更时间", "日期", "时间"];
    }
}

table!(pub static DEAL_STAGES = "deal_stages" key 3 {
    "deal_id": Text, "stage": Text, "entered_at": Int, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct DealStage {
    pub deal_id: String,
    pub stage: String,
    pub entered_at: LocalDateTime,
    pub flags: String,
}

impl Record for DealStage {
    const FIELDS: &'static [crate::schema::FieldSpec] = DEAL_STAGE_FIELDS;
    const TABLE: &'static crate::schema::Table = &DEAL_STAGES;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use DealStageField as F;
        let deal_id = row.required_text(F::DealId);
        let stage = row.required_text(F::Stage);
        let entered_at = row.datetime(F::EnteredAt)?;
        Some(DealStage { deal_id, stage, entered_at, flags: String::new() })
    }

    fn external_id(&self) -> String {
        format!("{}/{}/{}", self.deal_id, self.stage, self.entered_at)
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Owned(crate::schema::join_key(&[&self.deal_id, &self.stage, &self.entered_at.0]))
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.deal_id.clone()), Value::Text(self.stage.clone()), Value::Int(self.entered_at.0)]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![Value::Text(self.deal_id), Value::Text(self.stage), Value::Int(self.entered_at.0), flags_value(self.flags)]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(DealStage { deal_id: c.text()?, stage: c.text()?, entered_at: c.time()?, flags: c.opt_text()?.unwrap_or_default() })
    }
}

/// What a stage change is checked against: the deal it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealSpan {
    pub created_at: LocalDateTime,
    pub closed_at: Option<LocalDateTime>,
}

/// The rules a stage change breaks given its deal (`None` when the deal is unknown).
pub fn stage_rules(change: &DealStage, deal: Option<&DealSpan>) -> Vec<(Rule, &'static str, String)> {
    let Some(deal) = deal else {
        return vec![(Rule::DealUnknown, "deal_id", change.deal_id.clone())];
    };
    let mut broken = Vec::new();
    if change.entered_at < deal.created_at {
        broken.push((Rule::StageBeforeDealCreated, "entered_at", change.entered_at.to_string()));
    }
    if deal.closed_at.is_some_and(|closed| change.entered_at > closed) {
        broken.push((Rule::StageAfterDealClosed, "entered_at", change.entered_at.to_string()));
    }
    broken
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum FeedbackField in FEEDBACK_FIELDS {
        FeedbackId = "feedback_id", required, ["id", "feedback id", "survey id", "反馈编号", "评价编号", "问卷编号"];
        CustomerId = "customer_id", optional, ["customer", "customer id", "客户", "客户编号", "客户id"];
        RepId = "rep_id", optional, rep_synonyms!();
        CallId = "call_id", optional, ["call", "call id", "通话id", "通话编号"];
        Date = "date", required, ["day", "feedback date", "survey date", "日期", "反馈日期", "评价日期", "时间"];
        Csat = "csat", optional, ["csat score", "satisfaction", "满意度", "满意度评分"];
        Nps = "nps", optional, ["nps score", "likelihood to recommend", "推荐度", "推荐意愿", "净推荐值"];
        Complaint = "complaint", optional, ["is complaint", "投诉", "是否投诉"];
        Comment = "comment", optional, ["comments", "remark", "评价", "意见", "备注", "评论", "意见与建议"];
    }
}

table!(pub static FEEDBACK = "feedback" key 1 {
    "feedback_id": Text, "customer_id": Text, "rep_id": Text, "call_id": Text, "day": Int, "csat": Int, "nps": Int,
    "complaint": Bool, "comment": Text, "flags": Text,
});

#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub feedback_id: String,
    pub customer_id: Option<String>,
    pub rep_id: Option<String>,
    pub call_id: Option<String>,
    pub date: Day,
    pub csat: Option<i64>,
    pub nps: Option<i64>,
    pub complaint: Option<bool>,
    pub comment: Option<String>,
    pub flags: String,
}

impl Record for Feedback {
    const FIELDS: &'static [crate::schema::FieldSpec] = FEEDBACK_FIELDS;
    const TABLE: &'static crate::schema::Table = &FEEDBACK;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use FeedbackField as F;
        let feedback_id = row.required_text(F::FeedbackId);
        let customer_id = row.text(F::CustomerId);
        let rep_id = row.rep(F::RepId);
        let call_id = row.text(F::CallId);
        let date = row.date(F::Date);
        let csat = row.score(F::Csat, 1..=5);
        let nps = row.score(F::Nps, 0..=10);
        let complaint = row.flag(F::Complaint);
        let comment = row.text(F::Comment);
        Some(Feedback { feedback_id, customer_id, rep_id, call_id, date: date?, csat, nps, complaint, comment, flags: String::new() })
    }

    fn external_id(&self) -> String {
        self.feedback_id.clone()
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.feedback_id)
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.feedback_id.clone())]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.feedback_id),
            Value::from(self.customer_id),
            Value::from(self.rep_id),
            Value::from(self.call_id),
            Value::Int(self.date.0 as i64),
            Value::opt_int(self.csat),
            Value::opt_int(self.nps),
            Value::opt_bool(self.complaint),
            Value::from(self.comment),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(Feedback {
            feedback_id: c.text()?,
            customer_id: c.opt_text()?,
            rep_id: c.opt_text()?,
            call_id: c.opt_text()?,
            date: c.day()?,
            csat: c.opt_int()?,
            nps: c.opt_int()?,
            complaint: c.opt_bool()?,
            comment: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }

    fn contribute(&self, sign: i64, delta: &mut RollupDelta) {
        let rep = self.rep_id.as_deref().unwrap_or(UNATTRIBUTED);
        let mut totals = delta.entry(rep, self.date, sign);
        let mut add = |m: Measure, v: i64| totals.add(m, v);
        add(Measure::Feedback, 1);
        // Out-of-range scores can only be stored when the organisation turned the rule off or
        // down to a warning; they are kept on the record but left out of the totals.
        if let Some(csat) = self.csat.filter(|v| (1..=5).contains(v)) {
            add(Measure::CsatSum, csat);
            add(Measure::CsatCount, 1);
        }
        if let Some(nps) = self.nps.filter(|v| (0..=10).contains(v)) {
            let bucket = match nps {
                9..=10 => Measure::NpsPromoters,
                7..=8 => Measure::NpsPassives,
                _ => Measure::NpsDetractors,
            };
            add(bucket, 1);
        }
        add(Measure::Complaints, (self.complaint == Some(true)) as i64);
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum DailyReportField in DAILY_REPORT_FIELDS {
        RepId = "rep_id", required, rep_synonyms!();
        Date = "date", required, ["day", "report date", "日期", "填报日期"];
        NewCustomers = "new_customers", required, ["new customers", "新客户开发数量", "新客户数", "新增客户", "新客户"];
        Followups = "followups", required, ["follow-ups", "followup", "follow ups", "意向客户跟进次数", "跟进次数", "跟进"];
        FollowupNotes = "followup_notes", optional, ["follow-up notes", "notes", "跟进备注", "沟通要点", "跟进记录", "跟进要点"];
        DealAmount = "deal_amount", required, ["amount", "deal amount", "成交金额", "金额"];
        ContractNos = "contract_nos", optional, ["contract", "contracts", "contract no", "合同编号", "合同号"];
        MissedReason = "missed_reason", optional, ["reason", "missed target reason", "未完成目标原因", "未完成原因", "未达标原因"];
        NextDayPlan = "next_day_plan", optional, ["plan", "tomorrow plan", "次日核心计划", "次日计划", "明日计划"];
    }
}

table!(pub static DAILY_REPORTS = "daily_reports" key 2 {
    "rep_id": Text, "day": Int, "new_customers": Int, "followups": Int, "followup_notes": Text, "deal_amount_cents": Int,
    "contract_nos": Text, "missed_reason": Text, "next_day_plan": Text, "flags": Text,
});

/// A rep's own end-of-day report (每日业绩跟踪表).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyReport {
    pub rep_id: String,
    pub date: Day,
    pub new_customers: i64,
    pub followups: i64,
    pub followup_notes: Option<String>,
    pub deal_amount: Cents,
    pub contract_nos: Option<String>,
    pub missed_reason: Option<String>,
    pub next_day_plan: Option<String>,
    pub flags: String,
}

impl Record for DailyReport {
    const FIELDS: &'static [crate::schema::FieldSpec] = DAILY_REPORT_FIELDS;
    const TABLE: &'static crate::schema::Table = &DAILY_REPORTS;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use DailyReportField as F;
        let rep_id = row.rep(F::RepId);
        let date = row.date(F::Date);
        let new_customers = row.count(F::NewCustomers);
        let followups = row.count(F::Followups);
        let followup_notes = row.text(F::FollowupNotes);
        let deal_amount = row.amount(F::DealAmount);
        let contract_nos = row.text(F::ContractNos);
        let missed_reason = row.text(F::MissedReason);
        let next_day_plan = row.text(F::NextDayPlan);
        if let Some(n) = followups {
            row.check(n > 0 && followup_notes.is_none(), Rule::FollowupWithoutNotes, F::FollowupNotes, "");
        }
        if let Some(amount) = deal_amount {
            row.check(amount > 0 && contract_nos.is_none(), Rule::DealAmountWithoutContract, F::ContractNos, "");
        }
        Some(DailyReport {
            rep_id: rep_id?,
            date: date?,
            new_customers: new_customers?,
            followups: followups?,
            followup_notes,
            deal_amount: deal_amount?,
            contract_nos,
            missed_reason,
            next_day_plan,
            flags: String::new(),
        })
    }

    fn external_id(&self) -> String {
        format!("{}/{}", self.rep_id, self.date)
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Owned(crate::schema::join_key(&[&self.rep_id, &self.date.0]))
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.rep_id.clone()), Value::Int(self.date.0 as i64)]
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            Value::Text(self.rep_id),
            Value::Int(self.date.0 as i64),
            Value::Int(self.new_customers),
            Value::Int(self.followups),
            Value::from(self.followup_notes),
            Value::Int(self.deal_amount),
            Value::from(self.contract_nos),
            Value::from(self.missed_reason),
            Value::from(self.next_day_plan),
            flags_value(self.flags),
        ]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        Some(DailyReport {
            rep_id: c.text()?,
            date: c.day()?,
            new_customers: c.int()?,
            followups: c.int()?,
            followup_notes: c.opt_text()?,
            deal_amount: c.int()?,
            contract_nos: c.opt_text()?,
            missed_reason: c.opt_text()?,
            next_day_plan: c.opt_text()?,
            flags: c.opt_text()?.unwrap_or_default(),
        })
    }

    fn contribute(&self, sign: i64, delta: &mut RollupDelta) {
        let mut totals = delta.entry(&self.rep_id, self.date, sign);
        let mut add = |m: Measure, v: i64| totals.add(m, v);
        add(Measure::Reports, 1);
        add(Measure::ReportedNewCustomers, self.new_customers);
        add(Measure::ReportedFollowups, self.followups);
        add(Measure::ReportedDealCents, self.deal_amount);
    }
}

impl DailyReport {
    /// The rule a report dated `date` breaks when filed on `today`, if any. Reports are of work
    /// done, so never of a day after today. A rep filing their own (`own_window` is how many days
    /// back they may file) is refused older days and flagged late for any day but today; those
    /// who write for others — a manager, an admin loading history — are held to no window.
    pub fn filing_rule(date: Day, today: Day, own_window: Option<i32>) -> Option<Rule> {
        if date > today {
            return Some(Rule::ReportInFuture);
        }
        let window = own_window?;
        if date < today.plus_days(-window) {
            Some(Rule::ReportTooLate)
        } else if date < today {
            Some(Rule::ReportFiledLate)
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------

fields! {
    pub enum MeasureField in MEASURE_FIELDS {
        Measure = "measure", required, ["measure name", "指标", "度量"];
        RepId = "rep_id", required, rep_synonyms!();
        Date = "date", required, ["day", "日期"];
        Value = "value", required, ["amount", "count", "数值", "数量", "值"];
    }
}

table!(pub static CUSTOM_MEASURES = "custom_measures" key 3 {
    "name": Text, "rep_id": Text, "day": Int, "value": Real,
});

/// One value of a measure that only arrives by import (线上线索量, say), per rep and day.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureValue {
    pub measure: String,
    pub rep_id: String,
    pub date: Day,
    pub value: f64,
    pub flags: String,
}

/// Whether a name can be a custom measure: an id that no built-in quantity already uses.
pub fn is_valid_measure_name(name: &str) -> bool {
    crate::kpi::is_valid_id(name)
        && !crate::rollup::Measure::ALL.iter().any(|m| m.column() == name)
        && !crate::formula::RESERVED_NAMES.contains(&name)
        && !crate::conversation::MEASURES.contains(&name)
        && crate::formula::FilteredMeasure::from_name(name).is_none()
}

impl Record for MeasureValue {
    const FIELDS: &'static [crate::schema::FieldSpec] = MEASURE_FIELDS;
    const TABLE: &'static crate::schema::Table = &CUSTOM_MEASURES;

    fn parse(row: &mut RowReader) -> Option<Self> {
        use MeasureField as F;
        let measure = row.required_text(F::Measure);
        row.check(!measure.is_empty() && !is_valid_measure_name(&measure), Rule::ValueInvalid, F::Measure, &measure);
        let rep_id = row.rep(F::RepId);
        let date = row.date(F::Date);
        let value = row.number(F::Value);
        Some(MeasureValue { measure, rep_id: rep_id?, date: date?, value: value?, flags: String::new() })
    }

    fn key_text(&self) -> Cow<'_, str> {
        Cow::Owned(crate::schema::join_key(&[&self.measure, &self.rep_id, &self.date.0]))
    }

    fn key_values(&self) -> Vec<Value> {
        vec![Value::Text(self.measure.clone()), Value::Text(self.rep_id.clone()), Value::Int(self.date.0 as i64)]
    }

    fn external_id(&self) -> String {
        format!("{}/{}/{}", self.measure, self.rep_id, self.date)
    }

    fn flags_mut(&mut self) -> &mut String {
        &mut self.flags
    }

    fn into_values(self) -> Vec<Value> {
        vec![Value::Text(self.measure), Value::Text(self.rep_id), Value::Int(self.date.0 as i64), Value::Real(self.value)]
    }

    fn from_values(values: Vec<Value>) -> Option<Self> {
        let mut c = ValueCursor::new(values);
        let (measure, rep_id, date) = (c.text()?, c.text()?, c.day()?);
        let value = match c.value()? {
            Value::Real(v) => v,
            Value::Int(v) => v as f64,
            _ => return None,
        };
        Some(MeasureValue { measure, rep_id, date, value, flags: String::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rep_files_today_or_up_to_the_window_back_late_and_never_ahead() {
        let monday = Day::from_ymd(2026, 12, 7).expect("day");
        let rule = |date: Day, window| DailyReport::filing_rule(date, monday, window);
        assert_eq!(rule(monday, Some(7)), None);
        assert_eq!(rule(monday.plus_days(1), Some(7)), Some(Rule::ReportInFuture));
        assert_eq!(rule(monday.plus_days(-1), Some(7)), Some(Rule::ReportFiledLate));
        // The window's last day, Monday a week before, is still late, not refused.
        assert_eq!(rule(monday.plus_days(-7), Some(7)), Some(Rule::ReportFiledLate));
        assert_eq!(rule(monday.plus_days(-8), Some(7)), Some(Rule::ReportTooLate));
        assert_eq!(rule(monday.plus_days(-1), Some(0)), Some(Rule::ReportTooLate));
        // Written for others, history of any age is no one's late filing; tomorrow still is no report.
        assert_eq!(rule(Day::from_ymd(2025, 1, 1).expect("day"), None), None);
        assert_eq!(rule(Day::from_ymd(2027, 6, 1).expect("day"), None), Some(Rule::ReportInFuture));
    }
}
