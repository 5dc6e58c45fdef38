//! Numbers as people read them, per unit and language.

use crate::i18n::Lang;
use crate::kpi::Unit;

/// `1234567.891` → `1,234,567.89` with `decimals` places, halves rounded away from zero as people
/// round (11,750.5 → 11,751; `format!` would give the even 11,750).
pub fn grouped(value: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let text = format!("{:.*}", decimals, (value.abs() * scale).round() / scale);
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

/// Amounts from this size up are read in whole yuan: cents on ¥628,500.37 are noise to a reader.
pub const WHOLE_YUAN_FROM: f64 = 10_000.0;

/// Money as a page shows it: `¥628,500`, `¥9,876.50`, `¥120`. Whole yuan from
/// [`WHOLE_YUAN_FROM`] up and for whole amounts, cents below it. Exports keep full precision.
pub fn money(value: f64) -> String {
    let whole = value.fract() == 0.0 || value.abs() >= WHOLE_YUAN_FROM;
    let amount = grouped(value, if whole { 0 } else { 2 });
    match amount.strip_prefix('-') {
        Some(positive) => format!("-¥{positive}"),
        None => format!("¥{amount}"),
    }
}

/// A count: `12,345`; a fractional count (an average per rep) with one decimal, `12.5`, never `12.0`.
pub fn count(value: f64) -> String {
    let tenths = (value * 10.0).round() / 10.0;
    grouped(tenths, if tenths.fract() == 0.0 { 0 } else { 1 })
}

/// A value held in percent (47.25 for 47.25%): `47.3%`.
pub fn percent(value: f64) -> String {
    format!("{}%", grouped(value, 1))
}

/// A share held as a ratio (0.4725 of the talk time) shown as a percent, like every percent: `47.3%`.
pub fn ratio_percent(ratio: f64) -> String {
    percent(ratio * 100.0)
}

/// A KPI value with its unit; `—` when there is no value.
pub fn format_value(value: Option<f64>, unit: Unit, lang: Lang) -> String {
    let Some(v) = value else { return "—".to_string() };
    match (unit, lang) {
        (Unit::Count, _) => count(v),
        (Unit::Money, _) => money(v),
        (Unit::Percent, _) => percent(v),
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
        // From ¥10,000 up in whole yuan: 11,750.50 rounds to 11,751; below it the cents stay.
        assert_eq!(format_value(Some(11_750.5), Unit::Money, Lang::En), "¥11,751");
        assert_eq!(format_value(Some(9_876.5), Unit::Money, Lang::En), "¥9,876.50");
        assert_eq!(format_value(Some(500.0 / 7.0), Unit::Percent, Lang::En), "71.4%");
        assert_eq!(format_value(Some(1410.0), Unit::Seconds, Lang::ZhCn), "1,410 秒");
        assert_eq!(format_value(None, Unit::Count, Lang::En), "—");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(format_change(Some(12.5)), "+12.5%");
    }

    #[test]
    fn money_has_thousands_separators_and_whole_yuan_from_ten_thousand() {
        assert_eq!(money(628_500.0), "¥628,500");
        assert_eq!(money(43_226.79), "¥43,227");
        assert_eq!(money(12_000.0), "¥12,000");
        assert_eq!(money(9_999.99), "¥9,999.99");
        assert_eq!(money(120.0), "¥120");
        assert_eq!(money(-25_000.4), "-¥25,000");
    }

    #[test]
    fn counts_never_show_a_spurious_decimal() {
        assert_eq!(count(2_061.0), "2,061");
        assert_eq!(count(257.0), "257");
        // An average count keeps its tenth: 257.6; 12.04 rounds to 12.0 and shows as 12.
        assert_eq!(count(257.6), "257.6");
        assert_eq!(count(12.04), "12");
    }

    #[test]
    fn ratios_show_as_the_percent_they_are() {
        // 0.466 of the talk time is 46.6%, as the talk_ratio KPI shows it.
        assert_eq!(ratio_percent(0.466), "46.6%");
        assert_eq!(percent(1_940.0), "1,940.0%");
    }
}
