//! Step 3, **choosing the body headings**: each candidate gets its part and its position in
//! the form's order, then a weight (its score times how much text follows it), and the
//! chosen headings are the maximum-weight chain whose item order strictly increases — which
//! skips the table of contents, stray cross-references and repeated running heads.

use super::candidates::Candidate;
use super::numbering::{item_order, ten_k_part, ten_ksb_part, Form};
use super::units::Unit;

/// Assigns parts (10-Q: from PART headings, or inferred when item numbers restart), drops
/// items that do not exist in the form, and computes each candidate's order key.
pub(super) fn assign_parts(units: &[Unit], cands: Vec<Candidate>, form: Form) -> Vec<Candidate> {
    let mut out = Vec::new();
    match form {
        Form::EightK => {
            // Since August 2004 8-K items are numbered `N.NN`; older filings use 1–13. A filing
            // uses one scheme, so dotted headings, when present, win.
            let dotted = cands.iter().any(|c| c.item.minor.is_some());
            for mut c in cands {
                if dotted != c.item.minor.is_some() {
                    continue;
                }
                if let Some(o) = item_order(form, 0, &c.item) {
                    c.ord = o;
                    out.push(c);
                }
            }
        }
        Form::TenKsb => {
            for mut c in cands {
                if let Some(o) = item_order(form, 0, &c.item) {
                    c.ord = o;
                    c.part = ten_ksb_part(&c.item);
                    out.push(c);
                }
            }
        }
        Form::TenK => {
            for mut c in cands {
                if let Some(o) = item_order(form, 0, &c.item) {
                    c.ord = o;
                    c.part = ten_k_part(&c.item);
                    // Pre-2003 10-Ks put exhibits in Item 14 of Part IV: honour an explicit
                    // PART heading for that one ambiguous case.
                    if c.item.num == 14 && last_part_before(units, c.unit) == Some(4) {
                        c.part = 4;
                    }
                    out.push(c);
                }
            }
        }
        Form::TenQ => {
            let mut part: u8 = 1;
            let mut prev: Option<(usize, u8)> = None; // (unit, item num) of previous candidate
            let mut ci = 0;
            let mut seen_part_since_prev = false;
            for (ui, u) in units.iter().enumerate() {
                if let Some(p) = u.part {
                    if p == 1 || p == 2 {
                        part = p;
                        seen_part_since_prev = true;
                    }
                }
                while ci < cands.len() && cands[ci].unit == ui {
                    let mut c = cands[ci].clone();
                    ci += 1;
                    if let Some(p) = c.explicit_part {
                        part = p;
                    } else if let Some((_, pn)) = prev {
                        if !seen_part_since_prev && c.item.num < pn {
                            // Numbers restarted without a PART heading: next part (or, after
                            // part II, back to part I — a ToC followed by the body).
                            part = if part == 1 { 2 } else { 1 };
                        }
                    }
                    prev = Some((ui, c.item.num));
                    seen_part_since_prev = false;
                    c.part = part;
                    if let Some(o) = item_order(form, part, &c.item) {
                        c.ord = o;
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

fn last_part_before(units: &[Unit], ui: usize) -> Option<u8> {
    units[..=ui].iter().rev().find_map(|u| u.part)
}

/// Weights each candidate by how much content follows it before the next candidate and
/// picks the maximum-weight chain of strictly increasing item order.
pub(super) fn choose_chain(units: &[Unit], cands: &mut [Candidate]) -> Vec<usize> {
    let n = cands.len();
    if n == 0 {
        return Vec::new();
    }
    // Prefix sums of content length over units.
    let mut pre = vec![0usize; units.len() + 1];
    for (i, u) in units.iter().enumerate() {
        pre[i + 1] = pre[i] + u.content_len();
    }
    for i in 0..n {
        let from = cands[i].title_end_unit + 1;
        let to = if i + 1 < n {
            cands[i + 1].unit
        } else {
            units.len()
        };
        let mut gap = if to > from { pre[to] - pre[from] } else { 0 };
        if let Some(b) = cands[i].body_in_unit {
            gap += units[cands[i].unit].end.saturating_sub(b);
        }
        let gap_factor = 0.25 + 0.75 * (gap as f64 / 300.0).min(1.0);
        cands[i].weight = cands[i].score * gap_factor;
    }
    let mut best = vec![0f64; n];
    let mut pred: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        best[i] = cands[i].weight;
        for j in 0..i {
            // Strictly better only: on ties the earlier predecessor wins (a repeated running
            // head does not steal the start of its section).
            if cands[j].ord < cands[i].ord && best[j] + cands[i].weight > best[i] + 1e-12 {
                best[i] = best[j] + cands[i].weight;
                pred[i] = Some(j);
            }
        }
    }
    let mut end = 0;
    for i in 0..n {
        if best[i] > best[end] + 1e-12 {
            end = i;
        }
    }
    let mut chain = vec![end];
    let mut cur = end;
    while let Some(p) = pred[cur] {
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    chain
}
