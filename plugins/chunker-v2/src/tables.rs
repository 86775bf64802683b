//! Step 3, **tables**: a table rendered as text, one row per line, its header rows picked out;
//! a table too big for one chunk cut into parts by rows, the header repeated on each.

use finloom_plugin_api::Table;
use finloom_plugin_kit::text::collapse_ws;
use finloom_plugin_kit::Bpe;

use crate::count_tokens;
use crate::pack::{Atom, TablePart};
use crate::split::hard_split;

/// A table rendered as text lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderedTable {
    /// Header rows, repeated at the top of every part when the table is split.
    pub header: Vec<String>,
    pub body: Vec<String>,
}

impl RenderedTable {
    pub fn text(&self) -> String {
        let mut lines: Vec<&str> = self.header.iter().map(String::as_str).collect();
        lines.extend(self.body.iter().map(String::as_str));
        lines.join("\n")
    }
}

fn row_line(row: &finloom_plugin_api::Row) -> String {
    let mut cells: Vec<String> = Vec::new();
    let mut pending_prefix = String::new();
    for c in row.cells.iter() {
        let t = collapse_ws(c.text.as_str());
        if t.is_empty() {
            continue;
        }
        if matches!(t.as_str(), "$" | "€" | "£" | "¥" | "US$") {
            pending_prefix.push_str(&t);
            continue;
        }
        if matches!(t.as_str(), "%" | ")" | ")%" | "%)") && pending_prefix.is_empty() {
            if let Some(last) = cells.last_mut() {
                last.push_str(&t);
                continue;
            }
        }
        cells.push(format!("{}{}", std::mem::take(&mut pending_prefix), t));
    }
    if !pending_prefix.is_empty() {
        cells.push(pending_prefix);
    }
    cells.join(" | ")
}

/// Renders a table: one line per non-empty row, non-empty cells joined by `" | "`, with the
/// header rows separated out (see the crate docs for how they are chosen).
pub fn render_table(table: &Table) -> RenderedTable {
    let rows: Vec<(&finloom_plugin_api::Row, String)> = table
        .rows
        .iter()
        .map(|r| (r, row_line(r)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if rows.len() < 2 {
        return RenderedTable {
            header: Vec::new(),
            body: rows.into_iter().map(|(_, l)| l).collect(),
        };
    }
    fn all_header(r: &finloom_plugin_api::Row) -> bool {
        r.cells
            .iter()
            .filter(|c| !c.text.trim().is_empty())
            .all(|c| c.header)
    }
    // Leading rows the source marks as header.
    let mut n = rows.iter().take_while(|(r, _)| all_header(r)).count();
    if n == 0 || n == rows.len() {
        // Leading rows with an empty label cell: column headings of a financial table.
        n = rows
            .iter()
            .take(4)
            .take_while(|(r, _)| r.cells.first().is_none_or(|c| c.text.trim().is_empty()))
            .count();
        if n == 0 || n == rows.len() {
            n = 1;
        }
    }
    let mut it = rows.into_iter().map(|(_, l)| l);
    let header = it.by_ref().take(n).collect();
    RenderedTable {
        header,
        body: it.collect(),
    }
}

/// A table's atoms: the whole table when it fits, else parts of rows with the header repeated.
///
/// `first_budget` (at most `budget`) is the size the first part is packed to, leaving room for
/// a caption (a heading or lead-in just before the table) to be merged into it.
pub(crate) fn table_atoms(
    bpe: &Bpe,
    table: &Table,
    (start, end): (usize, usize),
    budget: usize,
    first_budget: usize,
) -> Vec<Atom> {
    let rt = render_table(table);
    let whole = rt.text();
    let mk = |texts: Vec<String>| -> Vec<Atom> {
        let parts = texts.len();
        texts
            .into_iter()
            .enumerate()
            .map(|(part, text)| Atom {
                start,
                end,
                heading: false,
                table: Some(TablePart { text, part, parts }),
            })
            .collect()
    };
    if whole.trim().is_empty() {
        return Vec::new();
    }
    if count_tokens(bpe, &whole) <= budget {
        return mk(vec![whole]);
    }
    // The header to repeat: all header rows, or the first one, or none if even that would take
    // more than half of every part.
    let mut used = rt.header.len();
    let mut header = rt.header.join("\n");
    if count_tokens(bpe, &header) > budget / 2 {
        used = 1.min(used);
        header = rt.header.first().cloned().unwrap_or_default();
        if count_tokens(bpe, &header) > budget / 2 {
            used = 0;
            header.clear();
        }
    }
    // Header rows not repeated become ordinary rows.
    let body: Vec<String> = rt.header[used..]
        .iter()
        .chain(rt.body.iter())
        .cloned()
        .collect();
    let with_header = |lines: &[String]| -> String {
        let mut all: Vec<&str> = Vec::new();
        if !header.is_empty() {
            all.push(&header);
        }
        all.extend(lines.iter().map(String::as_str));
        all.join("\n")
    };
    let header_tokens = if header.is_empty() {
        0
    } else {
        count_tokens(bpe, &header)
    };
    // Greedy packing of rows into parts. Counts are added up (plus a margin for the line
    // break) and only re-encoded near the limit; every part is checked exactly below.
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut est = header_tokens;
    for line in body {
        let lt = count_tokens(bpe, &line);
        let limit = if parts.is_empty() {
            first_budget.min(budget)
        } else {
            budget
        };
        if !cur.is_empty() {
            if est + lt + 2 <= limit {
                cur.push(line);
                est += lt + 2;
                continue;
            }
            let mut cand = cur.clone();
            cand.push(line.clone());
            let exact = count_tokens(bpe, &with_header(&cand));
            if exact <= limit {
                cur = cand;
                est = exact;
                continue;
            }
            parts.push(std::mem::take(&mut cur));
        }
        if header_tokens + lt + 2 <= budget
            || count_tokens(bpe, &with_header(std::slice::from_ref(&line))) <= budget
        {
            est = header_tokens + lt + 2;
            cur.push(line);
            continue;
        }
        // One row too big for a part: hard-split it, each piece under the header.
        let mut room = budget.saturating_sub(header_tokens + 2).max(8);
        loop {
            let pieces: Vec<String> = hard_split(bpe, &line, 0, line.len(), room)
                .into_iter()
                .map(|(a, b)| line[a..b].to_string())
                .collect();
            if room <= 8
                || pieces
                    .iter()
                    .all(|p| count_tokens(bpe, &with_header(std::slice::from_ref(p))) <= budget)
            {
                parts.extend(pieces.into_iter().map(|p| vec![p]));
                break;
            }
            room -= 4.min(room - 8).max(1);
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    // Exact check: a part over the limit hands its last rows on to a new part.
    let mut texts = Vec::new();
    let mut queue: std::collections::VecDeque<Vec<String>> = parts.into();
    while let Some(mut rows) = queue.pop_front() {
        let mut carry = Vec::new();
        loop {
            let t = with_header(&rows);
            if rows.len() <= 1 || count_tokens(bpe, &t) <= budget {
                texts.push(t);
                break;
            }
            carry.insert(0, rows.pop().expect("more than one row"));
        }
        if !carry.is_empty() {
            queue.push_front(carry);
        }
    }
    mk(texts)
}
