//! Tables typed with spaces: statements in 1990s plain-text filings and `<PRE>` blocks.
//!
//! There is no markup, only alignment: a run of lines whose right-hand fields are numbers
//! separated by two or more spaces is a table, the lines just above its first numeric line
//! are its column titles, and numbers belong to the same column when their right edges line
//! up (amounts are right-aligned). We turn such a run into an ordinary [`Table`] (one cell per
//! field, no spans) so that the rest of the pipeline (header paths, values, scale) treats it
//! like any HTML table. Basic support: no multi-line labels, no nested column groups.

use crate::number::parse_cell_number;
use finloom_plugin_api::{Cell, Row, Table};

/// A table found in a preformatted block: the table and its byte range in `Document::text`.
#[derive(Debug, Clone)]
pub struct PreTable {
    pub table: Table,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
struct Field {
    text: String,
    start: usize, // char column
    end: usize,
}

/// Splits a line into fields separated by two or more spaces (or a tab).
fn fields(line: &str) -> Vec<Field> {
    let chars: Vec<char> = line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        let mut end = i;
        while i < chars.len() {
            if chars[i] == ' ' && (i + 1 >= chars.len() || chars[i + 1] == ' ') {
                break;
            }
            i += 1;
            end = i;
        }
        out.push(Field {
            text: chars[start..end].iter().collect(),
            start,
            end,
        });
    }
    // Glue a lone "$" to the number after it.
    let mut glued: Vec<Field> = Vec::new();
    let mut k = 0;
    while k < out.len() {
        if (out[k].text == "$" || out[k].text == "$(") && k + 1 < out.len() {
            let mut f = out[k + 1].clone();
            f.text = format!("{}{}", out[k].text, f.text);
            f.start = out[k].start;
            glued.push(f);
            k += 2;
        } else {
            glued.push(out[k].clone());
            k += 1;
        }
    }
    glued
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| matches!(c, '-' | '=' | '_' | ' ' | '+'))
}

fn is_year(t: &str) -> bool {
    let t = t.trim();
    t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) && t.starts_with(['1', '2'])
}

/// Numeric fields of a line: (label, numeric fields). `None` if the line is not a numeric row.
fn numeric_row(line: &str) -> Option<(Option<String>, Vec<Field>)> {
    let fs = fields(line);
    if fs.is_empty() {
        return None;
    }
    // Trailing numeric fields.
    let mut k = fs.len();
    while k > 0 && parse_cell_number(&fs[k - 1].text).numeric_like {
        k -= 1;
    }
    let nums: Vec<Field> = fs[k..].to_vec();
    if nums.is_empty() || nums.iter().all(|f| is_year(&f.text)) {
        return None;
    }
    if nums
        .iter()
        .filter(|f| parse_cell_number(&f.text).value.is_some())
        .count()
        == 0
    {
        return None;
    }
    let label = if k > 0 {
        Some(
            fs[..k]
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    } else {
        None
    };
    Some((label, nums))
}

/// Finds aligned numeric tables in one preformatted text starting at byte `base`.
pub fn find_tables(text: &str, base: usize) -> Vec<PreTable> {
    // Lines with byte offsets.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = 0;
    for l in text.split('\n') {
        lines.push((off, l));
        off += l.len() + 1;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Start of a run: a numeric row with at least two numbers.
        let Some((_, nums)) = numeric_row(lines[i].1) else {
            i += 1;
            continue;
        };
        if nums.len() < 2 {
            i += 1;
            continue;
        }
        // Extend the run: numeric rows, label-only lines, separators, single blank lines.
        let first = i;
        let mut last = i;
        let mut gap = 0;
        let mut numeric_count = 0;
        let mut j = i;
        while j < lines.len() {
            let l = lines[j].1;
            if numeric_row(l).is_some() {
                numeric_count += 1;
                last = j;
                gap = 0;
            } else if l.trim().is_empty() || is_separator(l) {
                gap += usize::from(l.trim().is_empty());
                if gap > 1 {
                    break;
                }
            } else if l.trim().chars().count() <= 70 && fields(l).len() == 1 {
                gap = 0; // a label line ("Current assets:")
            } else {
                break;
            }
            j += 1;
        }
        if numeric_count < 3 {
            i = j.max(i + 1);
            continue;
        }
        // Header lines: up to 4 non-blank, non-numeric lines right above `first`.
        let mut h = first;
        let mut header_lines = 0;
        while h > 0 && header_lines < 4 {
            let l = lines[h - 1].1;
            if l.trim().is_empty() || numeric_row(l).is_some() {
                break;
            }
            if !is_separator(l) && fields(l).len() < 2 && !l.starts_with("   ") {
                break; // prose, not a column title
            }
            h -= 1;
            header_lines += 1;
        }
        // Column clusters from numeric right edges.
        let mut edges: Vec<usize> = Vec::new();
        for (_, l) in &lines[first..=last] {
            if let Some((_, nums)) = numeric_row(l) {
                edges.extend(nums.iter().map(|f| f.end));
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut clusters: Vec<(usize, usize)> = Vec::new();
        for e in edges {
            match clusters.last_mut() {
                Some(c) if e <= c.1 + 3 => c.1 = e,
                _ => clusters.push((e, e)),
            }
        }
        let ncols = clusters.len() + 1;
        let col_of = |end: usize| -> usize {
            clusters
                .iter()
                .enumerate()
                .min_by_key(|(_, (a, b))| {
                    if end >= *a && end <= *b {
                        0
                    } else {
                        end.abs_diff(*a).min(end.abs_diff(*b))
                    }
                })
                .map(|(k, _)| k + 1)
                .unwrap_or(1)
        };
        let mut rows: Vec<Row> = Vec::new();
        for (_, l) in &lines[h..=last] {
            if l.trim().is_empty() || is_separator(l) {
                continue;
            }
            let mut cells: Vec<String> = vec![String::new(); ncols];
            let is_header_line = numeric_row(l).is_none() && fields(l).len() >= 2;
            if let Some((label, nums)) = numeric_row(l) {
                cells[0] = label.unwrap_or_default();
                for f in nums {
                    let k = col_of(f.end);
                    if cells[k].is_empty() {
                        cells[k] = f.text;
                    }
                }
            } else if is_header_line || l.starts_with("   ") && rows.is_empty() {
                for f in fields(l) {
                    let k = col_of(f.end);
                    if f.end + 14 < clusters[0].0 {
                        cells[0] = f.text;
                    } else if cells[k].is_empty() {
                        cells[k] = f.text;
                    } else {
                        cells[k] = format!("{} {}", cells[k], f.text);
                    }
                }
            } else {
                cells[0] = l.trim().to_string();
            }
            rows.push(Row {
                cells: cells
                    .into_iter()
                    .map(|t| Cell {
                        text: t.into(),
                        colspan: 1,
                        rowspan: 1,
                        header: false,
                        bold: false,
                        align: 0,
                        facts: Default::default(),
                    })
                    .collect(),
            });
        }
        let start = base + lines[h].0;
        let end = base + lines[last].0 + lines[last].1.len();
        out.push(PreTable {
            table: Table {
                block: 0,
                rows: rows.into_iter().collect(),
            },
            start,
            end,
        });
        i = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STMT: &str = "
                                                 Years ended September 30
                                              1994         1993         1992
                                           ----------   ----------   ----------
Net sales                                  $9,188,748   $7,976,954   $7,086,542
Costs and expenses:
  Cost of sales                             6,844,915    5,248,834    3,991,337
  Research and development                    564,303      664,564      602,135
Operating income (loss)                       (24,000)     (37,000)     22,000
";

    #[test]
    fn finds_an_aligned_statement() {
        let t = find_tables(STMT, 100);
        assert_eq!(t.len(), 1);
        let tb = &t[0].table;
        assert_eq!(tb.rows[0].cells.len(), 4);
        let row = |r: usize| -> Vec<String> {
            tb.rows[r]
                .cells
                .iter()
                .map(|c| c.text.to_string())
                .collect()
        };
        assert!(
            row(1).contains(&"1994".to_string()),
            "{:?}",
            tb.rows
                .iter()
                .map(|r| r
                    .cells
                    .iter()
                    .map(|c| c.text.to_string())
                    .collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
        let net = tb
            .rows
            .iter()
            .position(|r| r.cells[0].text.as_str() == "Net sales")
            .unwrap();
        assert_eq!(row(net)[1], "$9,188,748");
        assert_eq!(row(net)[3], "$7,086,542");
        assert!(t[0].start >= 100);
    }

    #[test]
    fn prose_is_not_a_table() {
        assert!(find_tables(
            "The Company had 1,234 employees in 1994 and 1,100 in 1993.\nNothing else.",
            0
        )
        .is_empty());
    }
}
