//! Verification criteria of improvement actions, written as KPI conditions:
//!
//! ```text
//! new_customers per rep per week >= 3 for team:销售一部
//! conversion_rate for each rep >= 20% for team:销售二部
//! revenue >= 50万 for rep:R007 in 2024-08
//! sales_cycle_days <= 30 for team:大客户部
//! ```
//!
//! `KPI [per rep | each rep] [per day | per week | per month] OP NUMBER [for SCOPE] [in PERIOD]`
//! with OP one of `>= > <= < =` (or `≥ ≤`), NUMBER possibly with `%` or `万`. `per rep` divides
//! the scope's value by its reps; `each rep` requires every rep to meet it. The window checked
//! is `in PERIOD` when given; else, with `per week`/`per month`/`per day`, the last whole week,
//! month or working day up to the deadline; else from the day the action was raised to the
//! deadline.

use crate::calendar::WorkCalendar;
use crate::i18n::Lang;
use crate::period::{Period, PeriodKind};
use crate::scope::Scope;
use crate::time::Day;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    AtLeast,
    MoreThan,
    AtMost,
    LessThan,
    Equal,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::MoreThan => ">",
            Comparison::AtMost => "<=",
            Comparison::LessThan => "<",
            Comparison::Equal => "=",
        }
    }

    fn parse(text: &str) -> Option<Comparison> {
        match text {
            ">=" | "≥" | "=>" => Some(Comparison::AtLeast),
            ">" => Some(Comparison::MoreThan),
            "<=" | "≤" | "=<" => Some(Comparison::AtMost),
            "<" => Some(Comparison::LessThan),
            "=" | "==" => Some(Comparison::Equal),
            _ => None,
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= threshold - 1e-9,
            Comparison::MoreThan => value > threshold,
            Comparison::AtMost => value <= threshold + 1e-9,
            Comparison::LessThan => value < threshold,
            Comparison::Equal => (value - threshold).abs() < 1e-9,
        }
    }
}

/// Whose value is compared: the scope's, the scope's per rep, or each rep's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepBasis {
    Scope,
    PerRep,
    EachRep,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub kpi: String,
    pub basis: RepBasis,
    /// `per day`, `per week`, `per month`: the unit of time the number is about.
    pub unit: Option<PeriodKind>,
    pub comparison: Comparison,
    pub threshold: f64,
    pub scope: Scope,
    pub period: Option<Period>,
}

/// What was wrong with a criterion: a catalogue key, the offending text and where it begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionError {
    pub key: &'static str,
    pub found: String,
    /// Character position (0-based) in the criterion.
    pub position: usize,
}

impl CriterionError {
    pub fn message(&self, lang: Lang) -> String {
        let found = if self.found.is_empty() { lang.tr("criterion.end").to_string() } else { format!("`{}`", self.found) };
        let detail = lang.format(self.key, &[("found", &found)]);
        lang.format("criterion.error", &[("position", &(self.position + 1)), ("detail", &detail)])
    }
}

impl fmt::Display for CriterionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for CriterionError {}

const OPERATOR_CHARS: &[char] = &['>', '<', '=', '≥', '≤'];

/// Words and operators with their character positions.
fn tokens(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String, bool)> = None;
    for (i, c) in text.chars().enumerate() {
        let is_op = OPERATOR_CHARS.contains(&c);
        if c.is_whitespace() {
            if let Some((at, word, _)) = current.take() {
                out.push((at, word));
            }
            continue;
        }
        match &mut current {
            Some((_, word, op)) if *op == is_op => word.push(c),
            _ => {
                if let Some((at, word, _)) = current.take() {
                    out.push((at, word));
                }
                current = Some((i, c.to_string(), is_op));
            }
        }
    }
    if let Some((at, word, _)) = current {
        out.push((at, word));
    }
    out
}

fn number(text: &str) -> Option<f64> {
    let t = text.trim_end_matches('%').replace(',', "");
    let (digits, factor) = match t.strip_suffix('万') {
        Some(rest) => (rest.to_string(), 10_000.0),
        None => (t, 1.0),
    };
    // Finite after the factor too: `1e308万` is no number a threshold can be compared with.
    digits.parse::<f64>().ok().map(|v| v * factor).filter(|v| v.is_finite())
}

impl Criterion {
    pub fn parse(text: &str) -> Result<Criterion, CriterionError> {
        let tokens = tokens(text);
        let end = text.chars().count();
        let error = |key: &'static str, at: usize| {
            let (position, found) = tokens.get(at).map_or((end, String::new()), |(p, w)| (*p, w.clone()));
            CriterionError { key, found, position }
        };
        let mut i = 0;
        let word = |i: usize| tokens.get(i).map(|(_, w)| w.to_ascii_lowercase());
        let kpi = match tokens.first() {
            Some((_, w)) if !OPERATOR_CHARS.iter().any(|c| w.starts_with(*c)) => w.clone(),
            _ => return Err(error("criterion.expected_kpi", 0)),
        };
        i += 1;
        let (mut basis, mut unit) = (RepBasis::Scope, None);
        loop {
            match (word(i).as_deref(), word(i + 1).as_deref()) {
                (Some("per"), Some("rep")) if basis == RepBasis::Scope => basis = RepBasis::PerRep,
                (Some("for"), Some("each")) if basis == RepBasis::Scope => {
                    // `for each rep`
                    if word(i + 2).as_deref() != Some("rep") {
                        return Err(error("criterion.expected_rep", i + 2));
                    }
                    basis = RepBasis::EachRep;
                    i += 1;
                }
                (Some("each"), Some("rep")) if basis == RepBasis::Scope => basis = RepBasis::EachRep,
                (Some("per"), Some(u)) if unit.is_none() => {
                    unit = Some(match u {
                        "day" => PeriodKind::Day,
                        "week" => PeriodKind::Week,
                        "month" => PeriodKind::Month,
                        _ => return Err(error("criterion.expected_per", i + 1)),
                    })
                }
                _ => break,
            }
            i += 2;
        }
        let comparison = tokens.get(i).and_then(|(_, w)| Comparison::parse(w)).ok_or_else(|| error("criterion.expected_comparison", i))?;
        i += 1;
        let threshold = tokens.get(i).and_then(|(_, w)| number(w)).ok_or_else(|| error("criterion.expected_number", i))?;
        i += 1;
        let mut scope = Scope::Org;
        let mut period = None;
        while i < tokens.len() {
            match word(i).as_deref() {
                Some("for") => {
                    // A team name may hold spaces: the scope runs until `in` or the end.
                    let stop = (i + 1..tokens.len()).find(|j| word(*j).as_deref() == Some("in")).unwrap_or(tokens.len());
                    if stop == i + 1 {
                        return Err(error("criterion.expected_scope", i + 1));
                    }
                    let text: Vec<&str> = tokens[i + 1..stop].iter().map(|(_, w)| w.as_str()).collect();
                    scope = Scope::parse(&text.join(" ")).map_err(|_| error("criterion.bad_scope", i + 1))?;
                    i = stop;
                }
                Some("in") => {
                    period = Some(
                        tokens.get(i + 1).and_then(|(_, w)| Period::parse(w).ok()).ok_or_else(|| error("criterion.bad_period", i + 1))?,
                    );
                    i += 2;
                }
                _ => return Err(error("criterion.unexpected", i)),
            }
        }
        if basis != RepBasis::Scope && matches!(scope, Scope::Rep(_)) {
            return Err(CriterionError { key: "criterion.per_rep_of_rep", found: scope.label(), position: 0 });
        }
        Ok(Criterion { kpi, basis, unit, comparison, threshold, scope, period })
    }

    /// The days the criterion is checked over, for an action raised on `raised_on` and due on
    /// `deadline`.
    pub fn window(&self, raised_on: Day, deadline: Day, calendar: &WorkCalendar) -> Period {
        if let Some(period) = self.period {
            return period;
        }
        match self.unit {
            Some(PeriodKind::Week) => {
                let week = Period::week_of(deadline);
                if week.end == deadline { week } else { week.previous() }
            }
            Some(PeriodKind::Month) => {
                let month = Period::month_of(deadline);
                if month.end == deadline { month } else { month.previous() }
            }
            Some(_) => {
                let mut day = deadline;
                while !calendar.is_working_day(day) && day > raised_on {
                    day = day.plus_days(-1);
                }
                Period::day(day)
            }
            None => Period::range(raised_on.min(deadline), deadline).unwrap_or(Period::day(deadline)),
        }
    }
}

impl Criterion {
    /// The criterion in a person's words, its KPI and scope by name (`新客户数 每人 每周 >= 3
    /// 销售二部`); [`canonical`] reads it back.
    pub fn in_words(&self, lang: Lang, kpi_name: &str, scope_name: &str) -> String {
        let chinese = lang == Lang::ZhCn;
        let mut words = vec![kpi_name.to_string()];
        words.extend(
            match (self.basis, chinese) {
                (RepBasis::Scope, _) => None,
                (RepBasis::PerRep, true) => Some("每人"),
                (RepBasis::EachRep, true) => Some("每个人"),
                (RepBasis::PerRep, false) => Some("per rep"),
                (RepBasis::EachRep, false) => Some("each rep"),
            }
            .map(str::to_string),
        );
        words.extend(
            match (self.unit, chinese) {
                (Some(PeriodKind::Day), true) => Some("每天"),
                (Some(PeriodKind::Week), true) => Some("每周"),
                (Some(PeriodKind::Month), true) => Some("每月"),
                (Some(PeriodKind::Day), false) => Some("per day"),
                (Some(PeriodKind::Week), false) => Some("per week"),
                (Some(PeriodKind::Month), false) => Some("per month"),
                _ => None,
            }
            .map(str::to_string),
        );
        words.push(self.comparison.symbol().to_string());
        words.push(self.threshold.to_string());
        if self.scope != Scope::Org {
            if !chinese {
                words.push("for".to_string());
            }
            words.push(scope_name.to_string());
        }
        if let Some(period) = self.period {
            words.push(format!("in {period}"));
        }
        words.join(" ")
    }
}

/// What a criterion written in people's words is resolved against: the organisation's KPI names
/// in either language, and its team and rep names.
pub trait Vocabulary {
    /// The KPI id a KPI's id or name (in either language) means.
    fn kpi_id(&self, name: &str) -> Option<String>;
    /// The scope a team's or rep's name (or a rep's id) means.
    fn scope_named(&self, name: &str) -> Option<Scope>;
}

/// Chinese words for whose value is compared and over what time, with the criterion language's.
const BASIS_WORDS: [(&str, &str); 7] = [
    ("人均", "per rep"),
    ("每人", "per rep"),
    ("每个人", "each rep"),
    ("每位", "each rep"),
    ("每天", "per day"),
    ("每日", "per day"),
    ("每周", "per week"),
];
const MONTH_WORD: (&str, &str) = ("每月", "per month");

/// A criterion as a person may write it, in either language (`接通率 >= 40% 销售一部`,
/// `Connect rate ≥ 40％ for 销售一部`, `新客户数 每人每周 >= 3 一部`), in the criterion language's
/// own words (`connect_rate >= 40% for team:销售一部`). A criterion already written so, and
/// anything that does not resolve, is left as it is for [`Criterion::parse`] to judge.
pub fn canonical(text: &str, vocabulary: &impl Vocabulary) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let Some(op_at) = chars.iter().position(|c| OPERATOR_CHARS.contains(c)) else { return text.to_string() };
    let left: String = chars[..op_at].iter().collect();
    let right: String = chars[op_at..].iter().collect();

    // The KPI and the basis words before the comparison; Chinese basis words may be glued on.
    let mut words: Vec<String> = left.split_whitespace().map(str::to_string).collect();
    let mut basis: Vec<&str> = Vec::new();
    while let Some(last) = words.last_mut() {
        let Some((zh, en)) = BASIS_WORDS.iter().chain([&MONTH_WORD]).find(|(zh, _)| last.ends_with(zh)) else { break };
        basis.insert(0, en);
        last.truncate(last.len() - zh.len());
        if last.is_empty() {
            words.pop();
        }
    }
    let kpi_words = (1..=words.len()).rev().find_map(|n| vocabulary.kpi_id(&words[..n].join(" ")).map(|id| (id, n)));
    let mut out = match kpi_words {
        Some((id, n)) => std::iter::once(id).chain(words[n..].iter().cloned()).collect::<Vec<_>>(),
        None => words,
    };
    out.extend(basis.iter().map(|b| b.to_string()));

    // The comparison, the number, then an optional scope and period.
    let op_len = right.chars().take_while(|c| OPERATOR_CHARS.contains(c)).count();
    let rest: String = right.chars().skip(op_len).collect::<String>().trim_start().to_string();
    out.push(right.chars().take(op_len).collect());
    let number_len = rest.chars().take_while(|c| c.is_ascii_digit() || ".,%％万+-".contains(*c)).count();
    out.push(rest.chars().take(number_len).collect::<String>().replace('％', "%"));
    let tail: String = rest.chars().skip(number_len).collect();
    let tail: Vec<&str> = tail.split_whitespace().collect();
    let in_at = tail.iter().position(|w| w.eq_ignore_ascii_case("in")).unwrap_or(tail.len());
    let (scope_words, period_words) = tail.split_at(in_at);
    let named = match scope_words {
        [first, rest @ ..] if first.eq_ignore_ascii_case("for") => Some(rest.join(" ")),
        [] => None,
        words => Some(words.join(" ")),
    };
    if let Some(named) = named {
        let scope = Scope::parse(&named).ok().or_else(|| vocabulary.scope_named(&named));
        out.push("for".to_string());
        out.extend(Some(scope.map_or(named, |s| s.label())).filter(|s| !s.is_empty()));
    }
    out.extend(period_words.iter().map(|w| w.to_string()));
    out.join(" ")
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kpi)?;
        match self.basis {
            RepBasis::Scope => {}
            RepBasis::PerRep => f.write_str(" per rep")?,
            RepBasis::EachRep => f.write_str(" each rep")?,
        }
        match self.unit {
            Some(PeriodKind::Day) => f.write_str(" per day")?,
            Some(PeriodKind::Week) => f.write_str(" per week")?,
            Some(PeriodKind::Month) => f.write_str(" per month")?,
            _ => {}
        }
        write!(f, " {} {}", self.comparison.symbol(), self.threshold)?;
        if self.scope != Scope::Org {
            write!(f, " for {}", self.scope)?;
        }
        if let Some(period) = self.period {
            write!(f, " in {period}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 接通率 is connect_rate, 新客户数 new_customers; the teams are 销售一部 and 销售二部 and rep
    /// R007 is 王芳.
    struct Org;

    impl Vocabulary for Org {
        fn kpi_id(&self, name: &str) -> Option<String> {
            let kpis = [("connect_rate", "接通率", "connect rate"), ("new_customers", "新客户数", "new customers")];
            kpis.iter().find(|(id, zh, en)| name == *id || name == *zh || name.eq_ignore_ascii_case(en)).map(|(id, _, _)| id.to_string())
        }
        fn scope_named(&self, name: &str) -> Option<Scope> {
            match name {
                "销售一部" | "销售二部" => Some(Scope::Team(name.to_string())),
                "王芳" | "R007" => Some(Scope::Rep("R007".to_string())),
                _ => None,
            }
        }
    }

    #[test]
    fn criteria_in_peoples_words_read_as_the_criterion_language() {
        for (written, meant) in [
            ("接通率 >= 40% 销售一部", "connect_rate >= 40% for team:销售一部"),
            ("接通率>=40%销售一部", "connect_rate >= 40% for team:销售一部"),
            ("Connect rate ≥ 40％ for 销售一部", "connect_rate >= 40% for team:销售一部"),
            ("新客户数 每人每周 >= 3 销售二部", "new_customers per rep per week >= 3 for team:销售二部"),
            ("新客户数每人 >= 3 销售二部 in 2024-08", "new_customers per rep >= 3 for team:销售二部 in 2024-08"),
            ("接通率 >= 40 王芳", "connect_rate >= 40 for rep:R007"),
            ("connect_rate >= 40 for team:销售一部", "connect_rate >= 40 for team:销售一部"),
            ("connect_rate >= 40", "connect_rate >= 40"),
        ] {
            let canonical = canonical(written, &Org);
            assert_eq!(parse(&canonical), parse(meant), "{written} → {canonical}");
        }
    }

    #[test]
    fn a_criterion_in_words_reads_back_as_itself() {
        for (meant, zh, en) in [
            (
                "new_customers per rep per week >= 3 for team:销售二部",
                "新客户数 每人 每周 >= 3 销售二部",
                "new customers per rep per week >= 3 for 销售二部",
            ),
            ("connect_rate >= 40 for rep:R007 in 2024-08", "接通率 >= 40 王芳 in 2024-08", "connect rate >= 40 for 王芳 in 2024-08"),
            ("connect_rate each rep >= 40", "接通率 每个人 >= 40", "connect rate each rep >= 40"),
        ] {
            let criterion = parse(meant);
            let (kpi, scope) = if meant.starts_with("new") { ("新客户数", "销售二部") } else { ("接通率", "王芳") };
            let english_kpi = if meant.starts_with("new") { "new customers" } else { "connect rate" };
            assert_eq!(criterion.in_words(Lang::ZhCn, kpi, scope), zh);
            assert_eq!(criterion.in_words(Lang::En, english_kpi, scope), en);
            for words in [zh, en] {
                assert_eq!(parse(&canonical(words, &Org)), criterion, "{words}");
            }
        }
    }

    #[test]
    fn criteria_that_do_not_resolve_are_still_refused() {
        for refused in ["接通率 >= 40 for", "接通率 >= 40% 销售九部", "接通率 40%", "接通率 >= 四十"] {
            assert!(Criterion::parse(&canonical(refused, &Org)).is_err(), "{refused}");
        }
    }

    fn parse(text: &str) -> Criterion {
        Criterion::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_seed_criterion_reads_as_written() {
        let c = parse("new_customers per rep per week >= 3 for team:销售一部");
        assert_eq!(c.kpi, "new_customers");
        assert_eq!((c.basis, c.unit, c.comparison, c.threshold), (RepBasis::PerRep, Some(PeriodKind::Week), Comparison::AtLeast, 3.0));
        assert_eq!(c.scope, Scope::Team("销售一部".into()));
        assert_eq!(c.to_string(), "new_customers per rep per week >= 3 for team:销售一部");
    }

    #[test]
    fn operators_numbers_scopes_and_periods_in_their_other_spellings() {
        let c = parse("conversion_rate for each rep≥20% for team:销售 二部");
        assert_eq!((c.basis, c.comparison, c.threshold), (RepBasis::EachRep, Comparison::AtLeast, 20.0));
        assert_eq!(c.scope, Scope::Team("销售 二部".into()));
        let c = parse("revenue>5万 for rep:R007 in 2024-08");
        assert_eq!((c.comparison, c.threshold), (Comparison::MoreThan, 50_000.0));
        assert_eq!(c.period, Period::parse("2024-08").ok());
        assert_eq!(c.to_string(), "revenue > 50000 for rep:R007 in 2024-08");
        let c = parse("sales_cycle_days <= 30");
        assert_eq!((c.scope, c.comparison), (Scope::Org, Comparison::AtMost));
    }

    #[test]
    fn bad_criteria_say_where_and_what_was_expected() {
        let cases = [
            ("", "criterion.expected_kpi", 0),
            (">= 3", "criterion.expected_kpi", 0),
            ("new_customers per rep 3", "criterion.expected_comparison", 22),
            ("new_customers per year >= 3", "criterion.expected_per", 18),
            ("new_customers >= three", "criterion.expected_number", 17),
            ("revenue > 1e308万", "criterion.expected_number", 10),
            ("new_customers >= 3 for", "criterion.expected_scope", 22),
            ("new_customers >= 3 for squad:A", "criterion.bad_scope", 23),
            ("new_customers >= 3 in July", "criterion.bad_period", 22),
            ("new_customers >= 3 by Friday", "criterion.unexpected", 19),
            ("revenue per rep >= 3 for rep:R1", "criterion.per_rep_of_rep", 0),
        ];
        for (text, key, position) in cases {
            let error = Criterion::parse(text).expect_err(text);
            assert_eq!((error.key, error.position), (key, position), "{text}");
        }
        let error = Criterion::parse("new_customers per rep 3").expect_err("no operator");
        assert_eq!(error.message(Lang::En), "at character 23: expected a comparison (>=, >, <=, <, =) but found `3`");
    }

    #[test]
    fn the_window_is_the_last_whole_unit_up_to_the_deadline() {
        let calendar = WorkCalendar::china();
        let day = |m, d| Day::from_ymd(2024, m, d).expect("date");
        // Raised Thursday 25 July, due Monday 5 August: "next week" is 29 July – 4 August.
        let weekly = parse("new_customers per rep per week >= 3");
        assert_eq!(weekly.window(day(7, 25), day(8, 5), &calendar).label(), "2024-W31");
        assert_eq!(weekly.window(day(7, 25), day(8, 4), &calendar).label(), "2024-W31");
        let monthly = parse("revenue per month >= 1");
        assert_eq!(monthly.window(day(7, 1), day(8, 15), &calendar).label(), "2024-07");
        let daily = parse("outbound_calls per day >= 80");
        assert_eq!(daily.window(day(7, 1), day(8, 4), &calendar).label(), "2024-08-02", "4 August is a Sunday");
        let whole = parse("revenue >= 1");
        assert_eq!(whole.window(day(7, 25), day(8, 5), &calendar).label(), "2024-07-25..2024-08-05");
        let fixed = parse("revenue >= 1 in 2024-Q3");
        assert_eq!(fixed.window(day(7, 25), day(8, 5), &calendar).label(), "2024-Q3");
    }
}
