//! The translation catalogue: every user-facing string, in English and Simplified Chinese.
//!
//! Messages are looked up by a stable key; `{name}` placeholders are filled by [`Lang::format`].

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// Reads a language tag or locale (`zh`, `zh-CN`, `zh_CN.UTF-8`, `en-US`); `None` when the
    /// language is neither Chinese nor English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if t.starts_with("en") || t == "c" || t == "posix" || t.starts_with("c.") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The preferred supported language of an HTTP `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::from_tag) else {
                continue;
            };
            let quality = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The message for `key`; the key itself when the catalogue lacks it (a test forbids that).
    pub fn tr(self, key: &str) -> &str {
        match CATALOGUE.binary_search_by(|(k, _, _)| (*k).cmp(key)) {
            Ok(i) => match self {
                Lang::En => CATALOGUE[i].1,
                Lang::ZhCn => CATALOGUE[i].2,
            },
            Err(_) => key,
        }
    }

    /// The message for `key` with `{name}` placeholders replaced.
    pub fn format(self, key: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
        let mut text = self.tr(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }
}

/// Whether the catalogue has `key`.
pub fn has_key(key: &str) -> bool {
    CATALOGUE.binary_search_by(|(k, _, _)| (*k).cmp(key)).is_ok()
}

/// (key, English, 简体中文), sorted by key.
static CATALOGUE: &[(&str, &str, &str)] = &[
    ("demo.loaded", "Demo organisation loaded in {seconds} s", "演示组织已载入，用时 {seconds} 秒"),
    ("demo.per_team", "Per team", "各团队"),
    ("demo.period", "Period covered: {from} to {to}", "覆盖期间：{from} 至 {to}"),
    ("demo.records", "Records per kind", "各类记录数"),
    ("demo.reps", "reps", "名销售"),
    ("error.bad_json", "The request body is not a JSON array of records: {detail}", "请求体不是记录组成的 JSON 数组：{detail}"),
    ("error.file_unreadable", "Cannot read {file}: {detail}", "无法读取 {file}：{detail}"),
    ("error.missing_columns", "Required columns are missing: {fields}", "缺少必填列：{fields}"),
    ("error.unknown_kind", "Unknown record kind `{kind}`; known kinds: {kinds}", "未知的记录类型“{kind}”；可用类型：{kinds}"),
    ("import.columns_duplicate", "Ignored repeated columns", "已忽略的重复列"),
    ("import.columns_ignored", "Ignored columns (no matching field)", "已忽略的列（无对应字段）"),
    ("import.columns_mapped", "Columns", "列映射"),
    (
        "import.committed_none",
        "Nothing was stored: strict mode rejects the whole file when any row is rejected.",
        "未保存任何数据：严格模式下只要有一行被拒绝，整个文件都不导入。",
    ),
    ("import.errors", "Rejected rows", "被拒绝的行"),
    ("import.more", "… and {count} more (see --json for the full list)", "……另有 {count} 条（完整列表见 --json）"),
    (
        "import.row_issue",
        "row {row}, column {column}: {message} [{rule}] value: {value}",
        "第 {row} 行，列“{column}”：{message} [{rule}] 值：{value}",
    ),
    (
        "import.summary",
        "{kind}: {rows} rows read, {inserted} added, {updated} updated, {unchanged} unchanged, {rejected} rejected, {warned} with warnings",
        "{kind}：读取 {rows} 行，新增 {inserted}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}，警告 {warned}",
    ),
    ("import.warnings", "Rows kept with warnings", "保留但有警告的行"),
    ("rule.amount_negative", "amounts must not be negative", "金额不能为负数"),
    ("rule.closed_before_created", "the close date is before the creation date", "关闭日期早于创建日期"),
    ("rule.closed_without_date", "a won or lost deal needs a close date", "赢单或输单的商机必须有关闭日期"),
    ("rule.count_negative", "counts and durations must not be negative", "数量和时长不能为负数"),
    ("rule.date_invalid", "not a real date or time", "不是有效的日期或时间"),
    ("rule.deal_amount_without_contract", "a reported deal amount needs a contract number", "填报成交金额必须附合同编号"),
    ("rule.deal_unknown", "no deal has this id", "没有此编号的商机"),
    (
        "rule.duplicate_in_file",
        "the same record appears earlier in this file; the later row wins",
        "同一记录在本文件中已出现过，以后一行为准",
    ),
    ("rule.followup_without_notes", "follow-ups need notes on what was discussed", "意向客户跟进次数需备注沟通要点"),
    ("rule.number_invalid", "not a number", "不是有效的数字"),
    ("rule.open_deal_with_close_date", "an open deal has a close date", "进行中的商机填写了关闭日期"),
    ("rule.rep_unknown", "no rep has this id or name; import reps first", "没有此工号或姓名的销售人员，请先导入销售人员"),
    ("rule.required_missing", "a required value is missing", "缺少必填值"),
    ("rule.response_before_created", "the first response is before the lead was created", "首次响应时间早于线索创建时间"),
    ("rule.score_out_of_range", "the score is outside its scale (CSAT 1–5, NPS 0–10)", "评分超出范围（满意度 1–5，NPS 0–10）"),
    ("rule.stage_after_deal_closed", "the stage was entered after the deal closed", "进入阶段的时间晚于商机关闭时间"),
    ("rule.stage_before_deal_created", "the stage was entered before the deal was created", "进入阶段的时间早于商机创建时间"),
    ("rule.talk_exceeds_duration", "talk time is longer than the call", "通话时长超过了呼叫总时长"),
    ("rule.talk_without_connection", "a call that did not connect has talk time", "未接通的呼叫却有通话时长"),
    ("rule.value_invalid", "not one of the accepted values", "不是可接受的取值"),
    ("rule.won_deal_without_contract", "a won deal needs a contract number", "赢单必须附合同编号"),
    ("severity.error", "error", "错误"),
    ("severity.off", "off", "关闭"),
    ("severity.warning", "warning", "警告"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    #[test]
    fn the_catalogue_is_sorted_and_complete_in_both_languages() {
        for pair in CATALOGUE.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} must sort before {}", pair[0].0, pair[1].0);
        }
        for (key, en, zh) in CATALOGUE {
            assert!(!en.is_empty() && !zh.is_empty(), "{key}");
            let placeholders = |s: &str| s.matches('{').count();
            assert_eq!(placeholders(en), placeholders(zh), "{key} has different placeholders");
        }
    }

    #[test]
    fn every_rule_has_a_message() {
        for rule in Rule::ALL {
            assert!(has_key(&rule.message_key()), "{}", rule.id());
        }
    }

    #[test]
    fn languages_are_read_from_tags_locales_and_accept_language() {
        assert_eq!(Lang::from_tag("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_accept_language("fr-FR,zh-CN;q=0.8,en;q=0.5"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de"), None);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(Lang::ZhCn.format("demo.loaded", &[("seconds", &2.5)]), "演示组织已载入，用时 2.5 秒");
    }
}
