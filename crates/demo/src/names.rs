//! Names and texts for the demo: people, companies, comments and notes in Chinese.

use salescope_core::random::Rng;
use std::collections::BTreeSet;

const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁",
    "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: [&str; 36] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "婷",
    "浩", "宇", "欣怡", "子涵", "梓萱", "俊杰", "晓东", "海燕", "建华", "文博", "雨桐", "嘉怡", "志强", "思远",
];

/// Distinct person names.
pub struct PersonNames {
    rng: Rng,
    used: BTreeSet<String>,
}

impl PersonNames {
    pub fn new(rng: Rng) -> Self {
        PersonNames { rng, used: BTreeSet::new() }
    }

    pub fn next(&mut self) -> String {
        loop {
            let name = format!("{}{}", self.rng.pick(&SURNAMES).unwrap_or(&"王"), self.rng.pick(&GIVEN).unwrap_or(&"伟"));
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

const CITIES: [&str; 8] = ["上海", "杭州", "南京", "苏州", "合肥", "宁波", "无锡", "常州"];
const WORDS: [&str; 20] = [
    "恒信", "华瑞", "鼎盛", "博远", "新创", "金桥", "宏达", "卓越", "东方", "天成", "瑞丰", "嘉禾", "远景", "明德", "汇通", "佳联", "同舟",
    "启航", "正和", "永泰",
];
const INDUSTRIES: [&str; 8] = ["制造业", "零售", "教育", "医疗", "互联网", "金融", "物流", "餐饮"];
const SUFFIXES: [&str; 8] = ["制造", "商贸", "教育科技", "医疗器械", "网络科技", "投资", "物流", "餐饮管理"];

pub fn company(rng: &mut Rng) -> String {
    let i = rng.range(0, SUFFIXES.len() as i64 - 1) as usize;
    format!("{}{}{}有限公司", rng.pick(&CITIES).unwrap_or(&"上海"), rng.pick(&WORDS).unwrap_or(&"恒信"), SUFFIXES[i])
}

pub fn industry(rng: &mut Rng) -> &'static str {
    rng.pick(&INDUSTRIES).copied().unwrap_or("制造业")
}

pub fn region(rng: &mut Rng) -> &'static str {
    rng.pick(&CITIES).copied().unwrap_or("上海")
}

pub const LOSS_REASONS: [&str; 6] = ["价格偏高", "选择了竞品", "预算取消", "决策人变更", "需求不匹配", "项目延期"];

pub const MISSED_REASONS: [&str; 6] = [
    "客户反馈需内部审批，未签约",
    "重点客户出差，未及时跟进",
    "客户决策周期长",
    "新客户开发量不足",
    "客户对价格敏感，仍在比价",
    "当天接通率低",
];

const POSITIVE: [&str; 6] = [
    "服务很专业，解答很耐心",
    "顾问讲得很清楚，很满意",
    "响应及时，问题一次就解决了",
    "态度热情，推荐的方案很合适",
    "沟通顺畅，效率很高",
    "非常满意，会推荐给朋友",
];
const NEUTRAL: [&str; 4] = ["还可以，希望再便宜一点", "整体一般，等待时间有点长", "介绍得比较清楚，还要再考虑", "服务尚可"];
const NEGATIVE: [&str; 5] =
    ["打了好几次电话都没解决", "推销太频繁，有点反感", "承诺的优惠没有兑现", "态度不好，很不满意", "说的和实际不一样"];

/// A customer comment matching a CSAT score.
pub fn comment(csat: u8, rng: &mut Rng) -> &'static str {
    let pool: &[&'static str] = match csat {
        4..=5 => &POSITIVE,
        3 => &NEUTRAL,
        _ => &NEGATIVE,
    };
    rng.pick(pool).copied().unwrap_or("服务尚可")
}

const NOTES: [&str; 6] = [
    "A客户审批中，约周三回电",
    "介绍了新品功能，客户要求发报价",
    "客户关注售后服务，已发案例",
    "确认了采购预算和决策人",
    "客户在比价，强调我们的交付周期",
    "约了下周上门演示",
];

pub fn followup_note(rng: &mut Rng) -> String {
    let first = rng.pick(&NOTES).copied().unwrap_or("跟进中");
    let second = rng.pick(&NOTES).copied().unwrap_or("跟进中");
    if first == second { first.to_string() } else { format!("{first}；{second}") }
}

const PLANS: [&str; 6] = [
    "跟进A客户审批进度，接触B新客户",
    "电话联系C客户，预约下次拜访",
    "整理报价单并发送给意向客户",
    "回访上周成交客户，挖掘转介绍",
    "集中外呼新线索",
    "准备大客户方案演示",
];

pub fn plan(rng: &mut Rng) -> String {
    rng.pick(&PLANS).copied().unwrap_or("继续跟进意向客户").to_string()
}
