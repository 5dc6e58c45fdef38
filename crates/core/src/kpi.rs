//! The KPI catalogue: every built-in KPI with its stable id, names, unit, direction and formula.
//! Custom KPIs are the same struct, defined by an administrator and stored.

use crate::formula::{Base, Expr, FormulaError};
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Count,
    /// Currency units (yuan), not cents.
    Money,
    /// 0–100.
    Percent,
    Seconds,
    Minutes,
    Days,
    /// A score on its own scale (CSAT 1–5, NPS −100–100).
    Score,
}

impl Unit {
    pub fn id(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Money => "money",
            Unit::Percent => "percent",
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
            Unit::Days => "days",
            Unit::Score => "score",
        }
    }

    pub fn from_id(id: &str) -> Option<Unit> {
        [Unit::Count, Unit::Money, Unit::Percent, Unit::Seconds, Unit::Minutes, Unit::Days, Unit::Score]
            .into_iter()
            .find(|u| u.id() == id.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    pub fn id(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher",
            Direction::LowerIsBetter => "lower",
        }
    }

    pub fn from_id(id: &str) -> Option<Direction> {
        match id.trim() {
            "higher" => Some(Direction::HigherIsBetter),
            "lower" => Some(Direction::LowerIsBetter),
            _ => None,
        }
    }

    /// Whether `a` is better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::HigherIsBetter => a > b,
            Direction::LowerIsBetter => a < b,
        }
    }
}

/// Which family a KPI belongs to (SPEC C2), for grouping on pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    Results,
    Activity,
    Service,
    /// Behaviour in transcribed calls.
    Conversation,
    Custom,
}

impl Group {
    pub fn id(self) -> &'static str {
        match self {
            Group::Results => "results",
            Group::Activity => "activity",
            Group::Service => "service",
            Group::Conversation => "conversation",
            Group::Custom => "custom",
        }
    }
}

#[derive(Debug, Clone)]
pub struct KpiDef {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub unit: Unit,
    pub direction: Direction,
    pub group: Group,
    pub formula: Expr,
    /// The formula as written.
    pub formula_text: String,
}

impl KpiDef {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.name_en,
            Lang::ZhCn => &self.name_zh,
        }
    }

    pub fn bases(&self) -> Vec<Base> {
        let mut out = Vec::new();
        self.formula.bases(&mut out);
        out
    }

    /// A sum over reps and days, so that it has a run rate and splits evenly.
    pub fn is_additive(&self) -> bool {
        self.formula.is_additive()
    }
}

/// (id, English, 中文, unit, direction, group, formula)
type Builtin = (&'static str, &'static str, &'static str, Unit, Direction, Group, &'static str);

use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};
use Group::{Activity, Conversation, Results, Service};

static BUILTINS: &[Builtin] = &[
    ("revenue", "Revenue", "销售额", Unit::Money, Up, Results, "revenue_cents / 100"),
    ("won_deals", "Won deals", "成交单数", Unit::Count, Up, Results, "won_deals"),
    ("avg_deal_size", "Average deal size", "客单价", Unit::Money, Up, Results, "revenue_cents / 100 / won_deals"),
    ("new_customers", "New customers", "新客户数", Unit::Count, Up, Results, "new_customers"),
    ("contacted_customers", "Contacted customers", "接触客户数", Unit::Count, Up, Results, "contacted_customers"),
    ("conversion_rate", "Conversion rate", "转化率", Unit::Percent, Up, Results, "won_customers / contacted_customers * 100"),
    ("win_rate", "Win rate", "赢单率", Unit::Percent, Up, Results, "won_deals / (won_deals + lost_deals) * 100"),
    ("sales_cycle_days", "Sales cycle", "销售周期", Unit::Days, Down, Results, "won_cycle_seconds / won_deals / 86400"),
    ("deals_created", "Deals created", "新建商机数", Unit::Count, Up, Results, "deals_created"),
    ("repeat_purchase_rate", "Repeat-purchase rate", "复购率", Unit::Percent, Up, Results, "(won_deals - new_customers) / won_deals * 100"),
    ("retention_rate", "Customer retention", "客户留存率", Unit::Percent, Up, Results, "retained_customers / previous_won_customers * 100"),
    (
        "churn_rate",
        "Customer churn",
        "客户流失率",
        Unit::Percent,
        Down,
        Results,
        "(previous_won_customers - retained_customers) / previous_won_customers * 100",
    ),
    ("outbound_calls", "Outbound calls", "呼出量", Unit::Count, Up, Activity, "outbound_calls"),
    ("connected_calls", "Connected calls", "接通量", Unit::Count, Up, Activity, "outbound_connected"),
    ("connect_rate", "Connect rate", "接通率", Unit::Percent, Up, Activity, "outbound_connected / outbound_calls * 100"),
    ("inbound_calls", "Inbound calls", "呼入量", Unit::Count, Up, Activity, "inbound_calls"),
    ("talk_seconds", "Talk time", "通话时长", Unit::Seconds, Up, Activity, "talk_seconds"),
    (
        "avg_talk_seconds",
        "Average talk time",
        "平均通话时长",
        Unit::Seconds,
        Up,
        Activity,
        "connected_talk_seconds / (outbound_connected + inbound_connected)",
    ),
    ("calls_over_1min", "Calls of 1 min or more", "1分钟以上通话", Unit::Count, Up, Activity, "connected_over_1min"),
    ("calls_over_3min", "Calls of 3 min or more", "3分钟以上通话", Unit::Count, Up, Activity, "connected_over_3min"),
    ("calls_over_5min", "Calls of 5 min or more", "5分钟以上通话", Unit::Count, Up, Activity, "connected_over_5min"),
    ("calls_over_10min", "Calls of 10 min or more", "10分钟以上通话", Unit::Count, Up, Activity, "connected_over_10min"),
    ("followups", "Follow-ups (reported)", "跟进次数", Unit::Count, Up, Activity, "reported_followups"),
    ("reported_new_customers", "New customers (reported)", "新客户开发数量", Unit::Count, Up, Activity, "reported_new_customers"),
    ("reported_deal_amount", "Deal amount (reported)", "填报成交金额", Unit::Money, Up, Activity, "reported_deal_cents / 100"),
    ("daily_reports", "Daily reports filed", "日报提交数", Unit::Count, Up, Activity, "reports"),
    ("emails", "E-mails", "邮件数", Unit::Count, Up, Activity, "emails"),
    ("email_open_rate", "E-mail open rate", "邮件打开率", Unit::Percent, Up, Activity, "emails_opened / emails * 100"),
    ("email_click_rate", "E-mail click rate", "邮件点击率", Unit::Percent, Up, Activity, "emails_clicked / emails * 100"),
    ("email_reply_rate", "E-mail reply rate", "邮件回复率", Unit::Percent, Up, Activity, "emails_replied / emails * 100"),
    ("sms", "SMS sent", "短信数", Unit::Count, Up, Activity, "sms"),
    ("sms_click_rate", "SMS click rate", "短信点击率", Unit::Percent, Up, Activity, "sms_clicked / sms * 100"),
    ("sms_reply_rate", "SMS reply rate", "短信回复率", Unit::Percent, Up, Activity, "sms_replied / sms * 100"),
    ("visits", "Visits", "拜访次数", Unit::Count, Up, Activity, "visits"),
    ("meetings", "Meetings", "会议次数", Unit::Count, Up, Activity, "meetings"),
    ("leads", "Leads", "线索量", Unit::Count, Up, Activity, "leads"),
    ("response_time_minutes", "Customer response time", "客户响应时间", Unit::Minutes, Down, Service, "median_response_minutes"),
    ("lead_response_rate", "Leads answered", "线索响应率", Unit::Percent, Up, Service, "leads_responded / leads * 100"),
    (
        "fcr_rate",
        "First-contact resolution",
        "首次呼叫解决率",
        Unit::Percent,
        Up,
        Service,
        "inbound_resolved_first_contact / inbound_connected * 100",
    ),
    ("csat", "Customer satisfaction (CSAT)", "满意度", Unit::Score, Up, Service, "csat_sum / csat_count"),
    (
        "nps",
        "Net promoter score (NPS)",
        "净推荐值",
        Unit::Score,
        Up,
        Service,
        "(nps_promoters - nps_detractors) / (nps_promoters + nps_passives + nps_detractors) * 100",
    ),
    ("complaints", "Complaints", "投诉数", Unit::Count, Down, Service, "complaints"),
    ("complaint_rate", "Complaint rate", "投诉率", Unit::Percent, Down, Service, "complaints / contacted_customers * 100"),
    ("transcribed_calls", "Transcribed calls", "转写通话数", Unit::Count, Up, Conversation, "conv_calls"),
    (
        "talk_ratio",
        "Agent talk ratio",
        "坐席说话占比",
        Unit::Percent,
        Down,
        Conversation,
        "conv_talk_ratio_sum / conv_talk_ratio_calls * 100",
    ),
    ("questions_per_call", "Questions per call", "每通提问数", Unit::Score, Up, Conversation, "conv_questions_sum / conv_calls"),
    ("longest_monologue", "Longest monologue", "最长独白", Unit::Seconds, Down, Conversation, "conv_monologue_sum / conv_monologue_calls"),
    ("customer_story", "Longest customer story", "客户最长陈述", Unit::Seconds, Up, Conversation, "conv_story_sum / conv_story_calls"),
    (
        "interactivity",
        "Speaker changes per minute",
        "每分钟交互次数",
        Unit::Score,
        Up,
        Conversation,
        "conv_interactivity_sum / conv_interactivity_calls",
    ),
    ("patience", "Patience", "等待时长", Unit::Seconds, Up, Conversation, "conv_patience_sum / conv_patience_calls"),
];

/// Every built-in KPI, in catalogue order.
pub fn builtins() -> Vec<KpiDef> {
    BUILTINS
        .iter()
        .filter_map(|(id, en, zh, unit, direction, group, formula)| {
            let expr = Expr::parse(formula, &|name| crate::conversation::MEASURES.contains(&name)).ok()?;
            Some(KpiDef {
                id: id.to_string(),
                name_en: en.to_string(),
                name_zh: zh.to_string(),
                unit: *unit,
                direction: *direction,
                group: *group,
                formula: expr,
                formula_text: formula.to_string(),
            })
        })
        .collect()
}

pub fn is_builtin(id: &str) -> bool {
    BUILTINS.iter().any(|b| b.0 == id)
}

/// A custom KPI from its parts, checking the formula; `is_custom_measure` names the imported
/// measures a formula may use.
pub fn custom(
    id: &str,
    name_en: &str,
    name_zh: &str,
    unit: Unit,
    direction: Direction,
    formula: &str,
    is_custom_measure: &dyn Fn(&str) -> bool,
) -> Result<KpiDef, FormulaError> {
    let expr = Expr::parse(formula, is_custom_measure)?;
    Ok(KpiDef {
        id: id.to_string(),
        name_en: name_en.to_string(),
        name_zh: name_zh.to_string(),
        unit,
        direction,
        group: Group::Custom,
        formula: expr,
        formula_text: formula.to_string(),
    })
}

/// Whether a text is usable as a KPI or measure id: lower-case letters, digits and `_`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_formula_parses_and_ids_are_unique() {
        assert_eq!(builtins().len(), BUILTINS.len(), "a built-in formula does not parse");
        let mut ids: Vec<&str> = BUILTINS.iter().map(|b| b.0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), BUILTINS.len());
        assert!(ids.iter().all(|id| is_valid_id(id)));
    }

    #[test]
    fn the_issue_defined_kpis_exist_with_their_directions() {
        let all = builtins();
        let find = |id: &str| all.iter().find(|k| k.id == id).unwrap_or_else(|| panic!("{id} missing"));
        for id in [
            "revenue",
            "won_deals",
            "avg_deal_size",
            "outbound_calls",
            "connected_calls",
            "connect_rate",
            "talk_seconds",
            "avg_talk_seconds",
            "contacted_customers",
            "conversion_rate",
            "new_customers",
            "sales_cycle_days",
            "csat",
            "nps",
            "complaint_rate",
            "fcr_rate",
            "response_time_minutes",
        ] {
            find(id);
        }
        assert_eq!(find("sales_cycle_days").direction, Direction::LowerIsBetter);
        assert_eq!(find("response_time_minutes").direction, Direction::LowerIsBetter);
        assert!(find("revenue").is_additive());
        assert!(!find("connect_rate").is_additive());
    }

    #[test]
    fn ids_are_lower_case_words() {
        assert!(is_valid_id("online_conversion"));
        assert!(!is_valid_id("Online"));
        assert!(!is_valid_id("1st"));
        assert!(!is_valid_id("a-b"));
    }
}
