//! Plain-text tables for the terminal, aligned for Chinese text (two columns per character).

fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => {
                2
            }
            _ => 1,
        })
        .sum()
}

/// Renders rows under headings; columns after the first are right-aligned.
pub fn render(headings: &[String], rows: &[Vec<String>]) -> String {
    let columns = headings.len();
    let mut widths: Vec<usize> = headings.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate().take(columns) {
            let pad = " ".repeat(widths[i].saturating_sub(width(cell)));
            if i > 0 {
                out.push_str("  ");
            }
            if i == 0 {
                out.push_str(cell);
                out.push_str(&pad);
            } else {
                out.push_str(&pad);
                out.push_str(cell);
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(headings);
    out.push('\n');
    out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_cells_take_two_columns() {
        let text = render(&["指标".into(), "value".into()], &[vec!["销售额".into(), "¥1".into()], vec!["revenue".into(), "¥100".into()]]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "销售额      ¥1");
        assert_eq!(lines[3], "revenue   ¥100");
    }
}
