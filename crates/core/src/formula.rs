//! KPI formulas: arithmetic over base quantities, written as text so that built-in and custom
//! KPIs share one language.
//!
//! ```text
//! revenue_cents / 100 / won_deals
//! won_deals[source=官网] / leads[source=官网] * 100
//! (nps_promoters - nps_detractors) / (nps_promoters + nps_passives + nps_detractors) * 100
//! ```
//!
//! A name is a rollup measure (`won_deals`), a distinct-customer count (`contacted_customers`), the
//! median lead response time (`median_response_minutes`), or a custom measure imported by name. A
//! deal or lead measure may carry filters on the record's dimensions in brackets.

use crate::rollup::Measure;
use std::fmt;

/// Dimensions a filter may test, by the record kind they belong to.
pub const DEAL_DIMENSIONS: [&str; 3] = ["source", "segment", "stage"];
pub const LEAD_DIMENSIONS: [&str; 3] = ["source", "segment", "status"];

/// A deal or lead measure restricted by dimension filters, read from the records themselves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Filtered {
    pub measure: FilteredMeasure,
    /// (dimension, value) pairs, all of which must hold.
    pub filters: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilteredMeasure {
    WonDeals,
    RevenueCents,
    DealsCreated,
    LostDeals,
    Leads,
    LeadsResponded,
}

impl FilteredMeasure {
    pub fn from_name(name: &str) -> Option<FilteredMeasure> {
        Some(match name {
            "won_deals" => FilteredMeasure::WonDeals,
            "revenue_cents" => FilteredMeasure::RevenueCents,
            "deals_created" => FilteredMeasure::DealsCreated,
            "lost_deals" => FilteredMeasure::LostDeals,
            "leads" => FilteredMeasure::Leads,
            "leads_responded" => FilteredMeasure::LeadsResponded,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            FilteredMeasure::WonDeals => "won_deals",
            FilteredMeasure::RevenueCents => "revenue_cents",
            FilteredMeasure::DealsCreated => "deals_created",
            FilteredMeasure::LostDeals => "lost_deals",
            FilteredMeasure::Leads => "leads",
            FilteredMeasure::LeadsResponded => "leads_responded",
        }
    }

    pub fn is_lead_measure(self) -> bool {
        matches!(self, FilteredMeasure::Leads | FilteredMeasure::LeadsResponded)
    }

    pub fn dimensions(self) -> &'static [&'static str] {
        if self.is_lead_measure() { &LEAD_DIMENSIONS } else { &DEAL_DIMENSIONS }
    }
}

/// A quantity a formula reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Base {
    Measure(Measure),
    /// Distinct customers with a connected call.
    ContactedCustomers,
    /// Distinct customers with a won deal closed in the period.
    WonCustomers,
    /// Of the [`Base::PreviousWonCustomers`], those still active at the period's end: with a won
    /// deal in the retention window (N days, setting `retention.window_days`) ending on its last
    /// day.
    RetainedCustomers,
    /// Distinct customers active on the period's eve: with a won deal in the N days before it.
    PreviousWonCustomers,
    /// Median minutes from a lead's creation to its first response.
    MedianResponseMinutes,
    Filtered(Filtered),
    /// A measure imported with `salescope import measure NAME`.
    Custom(String),
}

impl Base {
    fn name(&self) -> String {
        match self {
            Base::Measure(m) => m.column().to_string(),
            Base::ContactedCustomers => "contacted_customers".into(),
            Base::WonCustomers => "won_customers".into(),
            Base::RetainedCustomers => "retained_customers".into(),
            Base::PreviousWonCustomers => "previous_won_customers".into(),
            Base::MedianResponseMinutes => "median_response_minutes".into(),
            Base::Filtered(f) => {
                let filters: Vec<String> = f.filters.iter().map(|(d, v)| format!("{d}={v}")).collect();
                format!("{}[{}]", f.measure.name(), filters.join(","))
            }
            Base::Custom(name) => name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Base(Base),
    Neg(Box<Expr>),
    Binary(Box<Expr>, Op, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// Character position (0-based) in the formula.
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for FormulaError {}

/// Names the formula language knows besides measures: what a custom name must not shadow.
pub const RESERVED_NAMES: [&str; 5] =
    ["contacted_customers", "won_customers", "retained_customers", "previous_won_customers", "median_response_minutes"];

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    is_custom: &'a dyn Fn(&str) -> bool,
}

impl Parser<'_> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, FormulaError> {
        Err(self.error_at(self.pos, message))
    }

    /// An error at byte `at` of the text, located by character, as a person counts.
    fn error_at(&self, at: usize, message: impl Into<String>) -> FormulaError {
        FormulaError { position: self.text[..at].chars().count(), message: message.into() }
    }

    fn skip_space(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.text[self.pos..].chars().next().map_or(1, char::len_utf8);
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expression(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.term()?;
        loop {
            let op = if self.eat('+') {
                Op::Add
            } else if self.eat('-') {
                Op::Sub
            } else {
                return Ok(left);
            };
            left = Expr::Binary(Box::new(left), op, Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.factor()?;
        loop {
            let op = if self.eat('*') {
                Op::Mul
            } else if self.eat('/') || self.eat('÷') {
                Op::Div
            } else {
                return Ok(left);
            };
            left = Expr::Binary(Box::new(left), op, Box::new(self.factor()?));
        }
    }

    fn factor(&mut self) -> Result<Expr, FormulaError> {
        match self.peek() {
            Some('(') => {
                self.pos += 1;
                let inner = self.expression()?;
                if !self.eat(')') {
                    return self.error("expected `)`");
                }
                Ok(inner)
            }
            Some('-') => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.factor()?)))
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.pos;
                while self.text[self.pos..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                    self.pos += 1;
                }
                match self.text[start..self.pos].parse::<f64>() {
                    Ok(n) => Ok(Expr::Number(n)),
                    Err(_) => Err(self.error_at(start, "not a number")),
                }
            }
            Some(c) if c.is_alphabetic() || c == '_' => self.name(),
            Some(c) => self.error(format!("unexpected `{c}`")),
            None => self.error("the formula ends too early"),
        }
    }

    fn word(&mut self) -> &str {
        let start = self.pos;
        while self.text[self.pos..].starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            self.pos += self.text[self.pos..].chars().next().map_or(1, char::len_utf8);
        }
        &self.text[start..self.pos]
    }

    fn name(&mut self) -> Result<Expr, FormulaError> {
        let start = self.pos;
        let name = self.word().to_string();
        if self.peek() == Some('[') {
            let Some(measure) = FilteredMeasure::from_name(&name) else {
                return Err(self.error_at(
                    start,
                    format!(
                        "`{name}` cannot be filtered; filters apply to won_deals, revenue_cents, deals_created, lost_deals, leads, leads_responded"
                    ),
                ));
            };
            self.pos += 1;
            let mut filters = Vec::new();
            loop {
                self.skip_space();
                let dim_start = self.pos;
                let dimension = self.word().to_string();
                if !measure.dimensions().contains(&dimension.as_str()) {
                    return Err(self.error_at(
                        dim_start,
                        format!("`{name}` can be filtered by {}, not `{dimension}`", measure.dimensions().join(", ")),
                    ));
                }
                if !self.eat('=') {
                    return self.error("expected `=` after the dimension");
                }
                self.skip_space();
                let value_start = self.pos;
                while self.text[self.pos..].starts_with(|c: char| c != ',' && c != ']') {
                    self.pos += self.text[self.pos..].chars().next().map_or(1, char::len_utf8);
                }
                // Quotes and spaces around a value are one wrapping, taken off together: `" 官网"`
                // is 官网, as it prints and reads back.
                let value = self.text[value_start..self.pos].trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'').to_string();
                if value.is_empty() {
                    return self.error("expected a value after `=`");
                }
                filters.push((dimension, value));
                if self.eat(']') {
                    break;
                }
                if !self.eat(',') {
                    return self.error("expected `,` or `]`");
                }
            }
            filters.sort();
            return Ok(Expr::Base(Base::Filtered(Filtered { measure, filters })));
        }
        let base = match name.as_str() {
            "contacted_customers" => Base::ContactedCustomers,
            "won_customers" => Base::WonCustomers,
            "retained_customers" => Base::RetainedCustomers,
            "previous_won_customers" => Base::PreviousWonCustomers,
            "median_response_minutes" => Base::MedianResponseMinutes,
            other => match Measure::ALL.iter().find(|m| m.column() == other) {
                Some(m) => Base::Measure(*m),
                None if (self.is_custom)(other) => Base::Custom(other.to_string()),
                None => return Err(self.error_at(start, format!("unknown measure `{other}`"))),
            },
        };
        Ok(Expr::Base(base))
    }
}

impl Expr {
    /// Parses a formula; `is_custom` says which other names are custom measures.
    pub fn parse(text: &str, is_custom: &dyn Fn(&str) -> bool) -> Result<Expr, FormulaError> {
        let mut parser = Parser { text, pos: 0, is_custom };
        let expr = parser.expression()?;
        if parser.peek().is_some() {
            return parser.error("unexpected text after the formula");
        }
        Ok(expr)
    }

    /// Every base quantity the formula reads.
    pub fn bases(&self, out: &mut Vec<Base>) {
        match self {
            Expr::Number(_) => {}
            Expr::Base(b) => {
                if !out.contains(b) {
                    out.push(b.clone());
                }
            }
            Expr::Neg(e) => e.bases(out),
            Expr::Binary(a, _, b) => {
                a.bases(out);
                b.bases(out);
            }
        }
    }

    /// The value, given the base quantities; `None` when a quantity is missing or a division
    /// has a zero divisor — a KPI without data is no number, never 0 or NaN.
    pub fn eval(&self, value_of: &dyn Fn(&Base) -> Option<f64>) -> Option<f64> {
        let v = match self {
            Expr::Number(n) => *n,
            Expr::Base(b) => value_of(b)?,
            Expr::Neg(e) => -e.eval(value_of)?,
            Expr::Binary(a, op, b) => {
                let (a, b) = (a.eval(value_of)?, b.eval(value_of)?);
                match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div if b == 0.0 => return None,
                    Op::Div => a / b,
                }
            }
        };
        v.is_finite().then_some(v)
    }

    /// Whether the formula is a plain sum of additive quantities (so that it paces with time and
    /// splits across reps and days).
    pub fn is_additive(&self) -> bool {
        match self {
            Expr::Number(_) => false,
            Expr::Base(Base::Measure(_) | Base::Custom(_) | Base::Filtered(_)) => true,
            Expr::Base(_) => false,
            Expr::Neg(e) => e.is_additive(),
            Expr::Binary(a, Op::Add | Op::Sub, b) => a.is_additive() && b.is_additive(),
            // Scaling by a constant keeps a sum a sum (revenue_cents / 100).
            Expr::Binary(a, Op::Mul | Op::Div, b) => {
                a.is_additive() && matches!(**b, Expr::Number(_)) || matches!(**a, Expr::Number(_)) && b.is_additive()
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => write!(f, "{n}"),
            Expr::Base(b) => f.write_str(&b.name()),
            Expr::Neg(e) => write!(f, "-{e}"),
            Expr::Binary(a, op, b) => {
                let op = match op {
                    Op::Add => "+",
                    Op::Sub => "-",
                    Op::Mul => "*",
                    Op::Div => "/",
                };
                write!(f, "({a} {op} {b})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Expr, FormulaError> {
        Expr::parse(text, &|name| name == "online_leads")
    }

    fn eval(text: &str, values: &[(&str, f64)]) -> Option<f64> {
        let expr = parse(text).unwrap_or_else(|e| panic!("{e}"));
        expr.eval(&|b| values.iter().find(|(n, _)| *n == b.name()).map(|(_, v)| *v))
    }

    #[test]
    fn arithmetic_follows_precedence_and_parentheses() {
        assert_eq!(eval("won_deals + lost_deals * 2", &[("won_deals", 1.0), ("lost_deals", 3.0)]), Some(7.0));
        assert_eq!(eval("(won_deals + lost_deals) * 2", &[("won_deals", 1.0), ("lost_deals", 3.0)]), Some(8.0));
        assert_eq!(eval("-won_deals / 4", &[("won_deals", 2.0)]), Some(-0.5));
        assert_eq!(eval("revenue_cents / 100 / won_deals", &[("revenue_cents", 500_000.0), ("won_deals", 2.0)]), Some(2500.0));
    }

    #[test]
    fn division_by_zero_and_missing_data_are_no_number() {
        assert_eq!(eval("outbound_connected / outbound_calls", &[("outbound_connected", 0.0), ("outbound_calls", 0.0)]), None);
        assert_eq!(eval("won_customers / contacted_customers", &[("won_customers", 3.0)]), None);
    }

    #[test]
    fn filters_name_dimensions_of_deals_and_leads() {
        let expr = parse("won_deals[source=官网, segment = 大客户] / leads[source=官网]").expect("valid");
        let mut bases = Vec::new();
        expr.bases(&mut bases);
        assert_eq!(bases.len(), 2);
        assert_eq!(
            bases[0],
            Base::Filtered(Filtered {
                measure: FilteredMeasure::WonDeals,
                filters: vec![("segment".into(), "大客户".into()), ("source".into(), "官网".into())]
            })
        );
        assert_eq!(expr.to_string(), "(won_deals[segment=大客户,source=官网] / leads[source=官网])");
    }

    #[test]
    fn a_filter_value_loses_its_quotes_and_spaces_together_and_prints_as_it_reads() {
        // Found by the fuzzer (fuzz/regressions/formula): `segment="" ""x` read as ` ""x`, which
        // printed as `segment= ""x` and read back as `x`.
        let expr = parse(r#"leads[source="  官网" ] + leads[source=官网] + won_deals[segment="" ""x]"#).expect("valid");
        assert_eq!(expr.to_string(), "((leads[source=官网] + leads[source=官网]) + won_deals[segment=x])");
        assert_eq!(parse(&expr.to_string()), Ok(expr));
        assert_eq!(parse(r#"leads[source=" '"]"#).expect_err("only quotes").message, "expected a value after `=`");
    }

    #[test]
    fn an_error_is_located_by_character_not_by_byte() {
        // `won_deals[source=官网] / ` is 23 characters (官网: 2 characters, 6 bytes), so `wins` is
        // the 24th character; its byte offset would say 28.
        assert_eq!(parse("won_deals[source=官网] / wins").expect_err("unknown").to_string(), "at character 24: unknown measure `wins`");
        assert_eq!(parse("官网").expect_err("unknown").position, 0);
        assert_eq!(parse("leads[source=官网] +").expect_err("ends").position, 18);
    }

    #[test]
    fn custom_measures_are_names_too() {
        assert_eq!(eval("won_deals / online_leads * 100", &[("won_deals", 2.0), ("online_leads", 8.0)]), Some(25.0));
    }

    #[test]
    fn mistakes_are_located_and_named() {
        let err = |t: &str| parse(t).expect_err(t).to_string();
        assert_eq!(err("won_deals / wins"), "at character 13: unknown measure `wins`");
        assert_eq!(err("won_deals / (leads"), "at character 19: expected `)`");
        assert_eq!(
            err("talk_seconds[source=x]"),
            "at character 1: `talk_seconds` cannot be filtered; filters apply to won_deals, revenue_cents, deals_created, lost_deals, leads, leads_responded"
        );
        assert_eq!(err("leads[stage=x]"), "at character 7: `leads` can be filtered by source, segment, status, not `stage`");
        assert_eq!(err("won_deals +"), "at character 12: the formula ends too early");
        assert_eq!(err("won_deals won_deals"), "at character 11: unexpected text after the formula");
    }

    #[test]
    fn sums_scaled_by_constants_are_additive_and_ratios_are_not() {
        assert!(parse("revenue_cents / 100").expect("ok").is_additive());
        assert!(parse("outbound_calls + inbound_calls").expect("ok").is_additive());
        assert!(!parse("outbound_connected / outbound_calls * 100").expect("ok").is_additive());
        assert!(!parse("contacted_customers").expect("ok").is_additive());
    }
}
