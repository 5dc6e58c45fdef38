//! Parsing of single field values as people type them into spreadsheets: amounts with currency
//! signs, separators and 万; counts with Chinese units; durations as seconds or `mm:ss`;
//! yes/no in both languages; enumerations through synonyms.

/// Money in hundredths of the currency unit (分 / cents), so sums stay exact.
pub type Cents = i64;

/// Strips an optional leading currency sign and trailing unit words.
fn strip_decorations<'a>(text: &'a str, suffixes: &[&str]) -> &'a str {
    let mut t = text.trim();
    for prefix in ["¥", "￥", "RMB", "CNY", "$"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim_start();
        }
    }
    for suffix in suffixes {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.trim_end();
        }
    }
    t
}

/// An amount of money: `25000`, `25,000.50`, `¥25,000`, `2.5万`, `-300`. Returns cents; the sign
/// is kept so that the caller can report negative amounts under their own rule.
/// The range money is kept in: ±10^12 yuan, in cents. Totals are 64-bit integers of cents, so
/// more than ninety thousand amounts at the limit still add up exactly.
pub const MAX_AMOUNT_CENTS: Cents = 100_000_000_000_000;

pub fn parse_amount(text: &str) -> Option<Cents> {
    let t = strip_decorations(text, &["元", "RMB", "CNY"]);
    let (t, multiplier) = match t.strip_suffix('万') {
        Some(rest) => (rest.trim_end(), 10_000),
        None => (t, 1),
    };
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    // Thousands separators are accepted only in their proper places.
    let groups: Vec<&str> = int_part.split(',').collect();
    if groups.len() > 1 && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return None;
    }
    let mut units: i64 = 0;
    for c in groups.concat().bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        units = units.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    if !frac_part.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Scale the fraction to 2 + log10(multiplier) digits and round half up on the rest.
    let scale_digits = 2 + if multiplier == 1 { 0 } else { 4 };
    let mut scaled_fraction: i64 = 0;
    for i in 0..scale_digits {
        let digit = frac_part.as_bytes().get(i).map_or(0, |c| (c - b'0') as i64);
        scaled_fraction = scaled_fraction * 10 + digit;
    }
    if frac_part.as_bytes().get(scale_digits).is_some_and(|c| *c >= b'5') {
        scaled_fraction += 1;
    }
    let cents = units.checked_mul(100 * multiplier)?.checked_add(scaled_fraction)?;
    Some(if negative { -cents } else { cents })
}

/// A target as people type it, in the KPI's unit: `1500000`, `1,500,000`, `150万`, `¥150万`,
/// `40%`, `95.5`. Kept to hundredths, as money is.
pub fn parse_target(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = t.strip_suffix('%').or_else(|| t.strip_suffix('％')).map_or(t, str::trim_end);
    parse_amount(t).map(|cents| cents as f64 / 100.0)
}

/// Formats cents as a plain decimal amount (`25000.5` → `25000.50`).
pub fn format_cents(cents: Cents) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A whole count such as `3`, `3个`, `3次`, `3.0`. Negative counts parse (and are then reported
/// by the caller's rule); fractions other than `.0` do not.
pub fn parse_count(text: &str) -> Option<i64> {
    let t = strip_decorations(text, &["个", "次", "人", "位", "通", "单", "家"]);
    let t = t.strip_suffix(".0").or_else(|| t.strip_suffix(".00")).unwrap_or(t);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit() || c == b',') {
        return None;
    }
    let value: i64 = digits.replace(',', "").parse().ok()?;
    Some(if negative { -value } else { value })
}

/// A score on a small scale, allowing one decimal (`4.5`), returned in tenths.
pub fn parse_score_tenths(text: &str) -> Option<i64> {
    let t = text.trim().strip_suffix('分').unwrap_or(text.trim()).trim();
    let (i, f) = t.split_once('.').unwrap_or((t, ""));
    if i.is_empty() || !i.bytes().all(|c| c.is_ascii_digit()) || f.len() > 1 || !f.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = i.parse().ok()?;
    let tenth: i64 = if f.is_empty() { 0 } else { f.parse().ok()? };
    whole.checked_mul(10)?.checked_add(tenth)
}

/// A duration in whole seconds: `125`, `125秒`, `125.4`, `2:05`, `00:02:05`, `2分5秒`, `1小时2分`.
pub fn parse_seconds(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit())) {
            return None;
        }
        let mut total: i64 = 0;
        for (i, p) in parts.iter().enumerate() {
            let v: i64 = p.parse().ok()?;
            if i > 0 && v > 59 {
                return None;
            }
            total = total.checked_mul(60)?.checked_add(v)?;
        }
        return Some(total);
    }
    if t.contains(['时', '分', '秒']) {
        let mut total: i64 = 0;
        let mut number = String::new();
        let mut seen_unit = false;
        let mut chars = t.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let factor = match c {
                '小' if chars.peek() == Some(&'时') => {
                    chars.next();
                    3600
                }
                '时' => 3600,
                '分' => {
                    if chars.peek() == Some(&'钟') {
                        chars.next();
                    }
                    60
                }
                '秒' => 1,
                ' ' => continue,
                _ => return None,
            };
            let v: i64 = number.parse().ok()?;
            total = total.checked_add(v.checked_mul(factor)?)?;
            number.clear();
            seen_unit = true;
        }
        if !number.is_empty() || !seen_unit {
            return None;
        }
        return Some(total);
    }
    let t = t.strip_suffix('s').unwrap_or(t);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (i, f) = digits.split_once('.').unwrap_or((digits, ""));
    if i.is_empty() || !i.bytes().all(|c| c.is_ascii_digit()) || !f.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = i.parse().ok()?;
    if f.as_bytes().first().is_some_and(|c| *c >= b'5') {
        v = v.checked_add(1)?;
    }
    Some(if negative { -v } else { v })
}

/// Normalises an enumerated value or header for synonym lookup: lower-case ASCII, no spaces,
/// underscores, hyphens or dots, and full-width forms folded to half-width.
pub fn normalize_token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if c.is_whitespace() || matches!(c, '_' | '-' | '.' | '/') {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A yes/no value in English or Chinese.
pub fn parse_bool(text: &str) -> Option<bool> {
    match normalize_token(text).as_str() {
        "1" | "y" | "yes" | "true" | "t" | "是" | "有" | "对" | "已解决" | "解决" | "√" | "✓" => Some(true),
        "0" | "n" | "no" | "false" | "f" | "否" | "无" | "没有" | "不是" | "未解决" | "×" | "✗" => Some(false),
        _ => None,
    }
}

/// Looks up a normalised value among `(canonical, synonyms)` pairs.
pub fn lookup_synonym<T: Copy>(text: &str, table: &[(T, &[&str])]) -> Option<T> {
    // Most files spell values exactly as a synonym: try that before normalising.
    let trimmed = text.trim();
    if let Some((value, _)) = table.iter().find(|(_, names)| names.contains(&trimmed)) {
        return Some(*value);
    }
    let key = normalize_token(text);
    table.iter().find(|(_, names)| names.iter().any(|n| normalize_token(n) == key)).map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_with_wan_separators_currency_and_percent_signs() {
        for (typed, value) in [
            ("150万", 1_500_000.0),
            ("¥150万", 1_500_000.0),
            ("1,500,000", 1_500_000.0),
            ("40%", 40.0),
            ("40 ％", 40.0),
            ("95.5", 95.5),
            ("2.5万", 25_000.0),
        ] {
            assert_eq!(parse_target(typed), Some(value), "{typed}");
        }
        for refused in ["", "万", "forty", "40%%", "1,50,000"] {
            assert_eq!(parse_target(refused), None, "{refused}");
        }
    }

    #[test]
    fn amounts_accept_currency_separators_and_wan() {
        assert_eq!(parse_amount("25000"), Some(2_500_000));
        assert_eq!(parse_amount("25,000.5"), Some(2_500_050));
        assert_eq!(parse_amount("¥25,000"), Some(2_500_000));
        assert_eq!(parse_amount("￥ 1,234,567.89 元"), Some(123_456_789));
        assert_eq!(parse_amount("2.5万"), Some(2_500_000));
        assert_eq!(parse_amount("4.75万"), Some(4_750_000));
        assert_eq!(parse_amount("0.125"), Some(13));
        assert_eq!(parse_amount("-300"), Some(-30_000));
        assert_eq!(parse_amount(".5"), Some(50));
    }

    #[test]
    fn malformed_amounts_are_rejected() {
        for t in ["", "abc", "1,00", "12,3456", ",100", "1.2.3", "1e5", "¥", "--5", "9999999999999999999"] {
            assert_eq!(parse_amount(t), None, "{t}");
        }
    }

    #[test]
    fn cents_format_back_to_decimals() {
        assert_eq!(format_cents(2_500_050), "25000.50");
        assert_eq!(format_cents(-5), "-0.05");
    }

    #[test]
    fn counts_accept_units_and_reject_fractions() {
        assert_eq!(parse_count("3"), Some(3));
        assert_eq!(parse_count("3个"), Some(3));
        assert_eq!(parse_count(" 12 次"), Some(12));
        assert_eq!(parse_count("2.0"), Some(2));
        assert_eq!(parse_count("-1"), Some(-1));
        assert_eq!(parse_count("1,200"), Some(1200));
        for t in ["2.5", "", "x", "三"] {
            assert_eq!(parse_count(t), None, "{t}");
        }
    }

    #[test]
    fn durations_accept_seconds_clock_and_chinese_units() {
        assert_eq!(parse_seconds("125"), Some(125));
        assert_eq!(parse_seconds("125.6"), Some(126));
        assert_eq!(parse_seconds("2:05"), Some(125));
        assert_eq!(parse_seconds("01:02:05"), Some(3725));
        assert_eq!(parse_seconds("2分5秒"), Some(125));
        assert_eq!(parse_seconds("125秒"), Some(125));
        assert_eq!(parse_seconds("1小时2分钟"), Some(3720));
        assert_eq!(parse_seconds("-5"), Some(-5));
        for t in ["", "2:75", "abc", "5分x", "1:2:3:4", "分"] {
            assert_eq!(parse_seconds(t), None, "{t}");
        }
    }

    #[test]
    fn scores_allow_one_decimal() {
        assert_eq!(parse_score_tenths("4.5"), Some(45));
        assert_eq!(parse_score_tenths("4"), Some(40));
        assert_eq!(parse_score_tenths("4.25"), None);
    }

    /// Found by fuzzing: values too large for the arithmetic are refused, not overflowed.
    #[test]
    fn huge_numbers_are_refused_rather_than_overflowing() {
        assert_eq!(parse_score_tenths("5555555555555555555"), None);
        assert_eq!(parse_seconds("9223372036854775807:59"), None);
        assert_eq!(parse_seconds("9223372036854775807分"), None);
        assert_eq!(parse_seconds("9223372036854775807.9"), None);
    }

    #[test]
    fn booleans_in_both_languages() {
        for t in ["yes", "Y", "TRUE", "1", "是", "有"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for t in ["no", "N", "false", "0", "否", "无"] {
            assert_eq!(parse_bool(t), Some(false), "{t}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn tokens_fold_case_width_and_separators() {
        assert_eq!(normalize_token(" No_Answer "), "noanswer");
        assert_eq!(normalize_token("ＣＳＡＴ"), "csat");
        assert_eq!(normalize_token("通话 时长"), "通话时长");
    }
}
