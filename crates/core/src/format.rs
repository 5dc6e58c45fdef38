//! Numbers as people read them, per unit and language.

use crate::i18n::Lang;
use crate::kpi::Unit;

/// `1234567.891` → `1,234,567.89` with `decimals` places.
pub fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    if value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A KPI value with its unit; `—` when there is no value.
pub fn format_value(value: Option<f64>, unit: Unit, lang: Lang) -> String {
    let Some(v) = value else { return "—".to_string() };
    let whole = v.fract() == 0.0;
    match (unit, lang) {
        (Unit::Count, _) => grouped(v, if whole { 0 } else { 1 }),
        (Unit::Money, _) => format!("¥{}", grouped(v, if whole { 0 } else { 2 })),
        (Unit::Percent, _) => format!("{v:.1}%"),
        (Unit::Seconds, Lang::En) => format!("{} s", grouped(v, 0)),
        (Unit::Seconds, Lang::ZhCn) => format!("{} 秒", grouped(v, 0)),
        (Unit::Minutes, Lang::En) => format!("{v:.1} min"),
        (Unit::Minutes, Lang::ZhCn) => format!("{v:.1} 分钟"),
        (Unit::Days, Lang::En) => format!("{v:.1} d"),
        (Unit::Days, Lang::ZhCn) => format!("{v:.1} 天"),
        (Unit::Score, _) => format!("{v:.2}"),
    }
}

/// A signed percentage change: `+12.5%`, `-5.0%`, `—`.
pub fn format_change(pct: Option<f64>) -> String {
    pct.map_or_else(|| "—".to_string(), |p| format!("{p:+.1}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_naturally_in_both_languages() {
        assert_eq!(format_value(Some(47_000.0), Unit::Money, Lang::En), "¥47,000");
        assert_eq!(format_value(Some(11_750.5), Unit::Money, Lang::En), "¥11,750.50");
        assert_eq!(format_value(Some(500.0 / 7.0), Unit::Percent, Lang::En), "71.4%");
        assert_eq!(format_value(Some(1410.0), Unit::Seconds, Lang::ZhCn), "1,410 秒");
        assert_eq!(format_value(None, Unit::Count, Lang::En), "—");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(format_change(Some(12.5)), "+12.5%");
    }
}
