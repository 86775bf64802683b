//! Parsing one displayed cell text into a number.
//!
//! Financial tables print numbers the way accountants read them, not the way computers
//! store them: `(1,234)` is minus 1,234, `—` is "nothing" (not zero: a dash says there is
//! no amount, and turning it into 0 would make averages and sums lie), `12.5%` is a percentage,
//! `$` may or may not be glued to the number, and a superscript footnote marker such as
//! `(1)` or `*` may follow it. This module turns such a text into a value plus the pieces it
//! split off (unit, marker), without ever guessing from context: scale and exemptions are
//! decided by the caller, which knows the table.

/// What a cell's text says, numerically.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedNumber {
    /// The value as displayed, with its sign (`(1,234)` → -1234). `None` for dashes, blanks,
    /// `n/a` and non-numeric text.
    pub value: Option<f64>,
    /// Whether the cell is numeric in kind: a number, or a dash / `n/a` standing in for one.
    pub numeric_like: bool,
    /// `$`, `%` or another currency symbol split off the number; `bps` for basis points
    /// ("25 bps"), `x` for a multiple ("4.08x").
    pub unit: Option<String>,
    /// A footnote marker split off the number: `(1)`, `(a)`, `*`, `†`.
    pub marker: Option<String>,
}

impl ParsedNumber {
    /// An amount of money: its unit is a currency symbol.
    pub fn currency(&self) -> bool {
        matches!(self.unit.as_deref(), Some("$" | "€" | "£" | "¥"))
    }
}

/// Texts that stand in for "no amount" in a numeric column.
fn is_nil(t: &str) -> bool {
    let t = t.trim();
    if t.is_empty() {
        return false;
    }
    if t.chars()
        .all(|c| matches!(c, '-' | '—' | '–' | '−' | '‒' | '―' | '_'))
    {
        return true;
    }
    matches!(
        t.to_ascii_lowercase().as_str(),
        "n/a" | "na" | "n/m" | "nm" | "nil" | "none" | "*" | "**" | "(*)"
    )
}

const MARKER_SYMBOLS: &[char] = &['*', '†', '‡', '§', '¶', '#'];

/// `t` without its footnote markers ("2012 1" → "2012", "2024 (a)" → "2024").
pub fn without_marker(t: &str) -> String {
    split_marker(t).0
}

/// Splits trailing (and leading) footnote markers off `t`; returns the rest and the marker.
fn split_marker(t: &str) -> (String, Option<String>) {
    let mut s = t.trim().to_string();
    let mut markers: Vec<String> = Vec::new();
    // Trailing markers, repeatedly: "1,234 (1)(2)", "5.2*", "(45)(a)".
    loop {
        let trimmed = s.trim_end().to_string();
        if let Some(last) = trimmed.chars().last() {
            if MARKER_SYMBOLS.contains(&last) {
                let mut cut = trimmed.len();
                let mut m = String::new();
                for (i, c) in trimmed.char_indices().rev() {
                    if MARKER_SYMBOLS.contains(&c) {
                        cut = i;
                        m.insert(0, c);
                    } else {
                        break;
                    }
                }
                let rest = trimmed[..cut].trim_end();
                if rest.chars().any(|c| c.is_ascii_digit()) {
                    markers.insert(0, m);
                    s = rest.to_string();
                    continue;
                }
                break;
            }
            // A superscript footnote number the reader set apart from the amount: "$ 432 3"
            // is 432 with note 3 (stored as "(3)", the form table notes are numbered in). One
            // or two digits after a space cannot be a thousands group.
            if let Some(sp) = trimmed.rfind(' ') {
                let tail = &trimmed[sp + 1..];
                let rest = trimmed[..sp].trim_end();
                if (1..=2).contains(&tail.len())
                    && tail.chars().all(|c| c.is_ascii_digit())
                    && rest.ends_with(|c: char| c.is_ascii_digit() || c == ')' || c == '%')
                    && rest.chars().any(|c| c.is_ascii_digit())
                {
                    markers.insert(0, format!("({tail})"));
                    s = rest.to_string();
                    continue;
                }
            }
            if last == ')' {
                if let Some(open) = trimmed.rfind('(') {
                    let inner = &trimmed[open + 1..trimmed.len() - 1];
                    let inner_t = inner.trim();
                    let is_marker = !inner_t.is_empty()
                        && inner_t.len() <= 2
                        && (inner_t.chars().all(|c| c.is_ascii_digit())
                            || inner_t.chars().all(|c| c.is_ascii_lowercase()))
                        || (inner_t.len() == 1 && inner_t.chars().all(|c| c.is_ascii_uppercase()));
                    let rest = trimmed[..open].trim_end();
                    // Only a marker when a number precedes it: "(1)" alone is minus one.
                    let rest_has_number =
                        rest.chars().any(|c| c.is_ascii_digit()) && !rest.ends_with(['(', '$']);
                    if is_marker && rest_has_number {
                        markers.insert(0, format!("({inner_t})"));
                        s = rest.to_string();
                        continue;
                    }
                }
            }
        }
        break;
    }
    // Leading symbol markers: "* 1,234".
    let lead: String = s
        .chars()
        .take_while(|c| MARKER_SYMBOLS.contains(c))
        .collect();
    if !lead.is_empty() && s[lead.len()..].chars().any(|c| c.is_ascii_digit()) {
        markers.insert(0, lead.clone());
        s = s[lead.len()..].trim_start().to_string();
    }
    let marker = if markers.is_empty() {
        None
    } else {
        Some(markers.concat())
    };
    (s, marker)
}

/// Parses plain digits with thousands separators: `1,234`, `1234.5`, `.5`, `1 234`.
fn parse_digits(t: &str) -> Option<f64> {
    let t: String = t.chars().filter(|c| *c != ' ').collect();
    if t.is_empty() {
        return None;
    }
    let (int_part, frac_part) = match t.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (t.as_str(), None),
    };
    if let Some(f) = frac_part {
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    if int_part.is_empty() {
        frac_part?;
    } else if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        if groups[0].is_empty()
            || groups[0].len() > 3
            || !groups[0].chars().all(|c| c.is_ascii_digit())
            || groups[1..]
                .iter()
                .any(|g| g.len() != 3 || !g.chars().all(|c| c.is_ascii_digit()))
        {
            return None;
        }
    } else if !int_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let clean: String = t.chars().filter(|c| *c != ',').collect();
    let clean = if clean.starts_with('.') {
        format!("0{clean}")
    } else {
        clean
    };
    clean.parse::<f64>().ok()
}

/// Parses a displayed cell text. See the module docs for the rules.
pub fn parse_cell_number(text: &str) -> ParsedNumber {
    let norm: String = text
        .chars()
        .map(|c| match c {
            '\u{a0}' | '\u{2009}' | '\u{202f}' => ' ',
            '\u{2212}' | '\u{2012}' => '-',
            _ => c,
        })
        .collect();
    let t = norm.trim();
    let mut out = ParsedNumber::default();
    if t.is_empty() {
        return out;
    }
    if is_nil(t) {
        out.numeric_like = true;
        return out;
    }
    let (rest, marker) = split_marker(t);
    out.marker = marker;
    let mut s = rest.trim().to_string();
    let mut negative = false;
    let mut unit: Option<String> = None;
    // Peel symbols from both ends until only digits remain.
    for _ in 0..8 {
        let before = s.clone();
        let st = s.trim();
        if let Some(r) = st.strip_prefix("US$") {
            unit = Some("$".into());
            s = r.to_string();
        } else if let Some(r) = st.strip_prefix(['$', '€', '£', '¥']) {
            unit = Some(st.chars().next().unwrap_or('$').to_string());
            s = r.to_string();
        } else if let Some(r) = st.strip_suffix('%') {
            unit = Some("%".into());
            s = r.to_string();
        } else if let Some(r) = st.strip_suffix("pts").filter(|r| {
            r.trim_end()
                .ends_with(|c: char| c.is_ascii_digit() || c == ')')
        }) {
            // Percentage points ("2.2 pts", "(2.4) pts": a change in a ratio), which the
            // grid joins to their number: a percentage, as XBRL states such a change.
            unit = Some("%".into());
            s = r.to_string();
        } else if let Some(r) = ["bps", "bp", " basis points"]
            .iter()
            .find_map(|suf| st.strip_suffix(suf))
            .filter(|r| {
                r.trim_end()
                    .ends_with(|c: char| c.is_ascii_digit() || c == ')')
            })
        {
            // Basis points ("25 bps", "(15)bps"): hundredths of a per cent.
            unit = Some("bps".into());
            s = r.to_string();
        } else if let Some(r) = st
            .strip_suffix(['x', 'X'])
            .filter(|r| r.ends_with(|c: char| c.is_ascii_digit()) && r.contains('.'))
        {
            // A multiple printed with its decimals ("4.08x", coverage and leverage ratios);
            // "12x" alone is too often something else.
            unit = Some("x".into());
            s = r.to_string();
        } else if let Some(r) = st.strip_prefix('(') {
            negative = true;
            s = r.strip_suffix(')').unwrap_or(r).to_string();
        } else if st.ends_with(')') && negative {
            s = st[..st.len() - 1].to_string();
        } else if is_nil(st) {
            // "$ -": the dash is the amount ("none"), not a minus sign.
            break;
        } else if let Some(r) = st.strip_prefix('-') {
            negative = !negative;
            s = r.to_string();
        } else if let Some(r) = st.strip_prefix('+') {
            s = r.to_string();
        } else {
            s = st.to_string();
        }
        if s == before {
            break;
        }
    }
    let s = s.trim();
    if is_nil(s) && (unit.is_some() || negative) {
        // "$ —" or "(—)": a nil amount.
        out.numeric_like = true;
        out.unit = unit;
        return out;
    }
    match parse_digits(s) {
        Some(v) => {
            out.value = Some(if negative { -v } else { v });
            out.numeric_like = true;
            out.unit = unit;
        }
        None => {
            out.marker = None;
        }
    }
    out
}

/// The numeric value of an inline-XBRL fact's displayed text (before `scale` and `sign`),
/// honouring the `format` attribute where it changes the reading (`num-comma-decimal`,
/// `fixed-zero`, `zerodash`).
pub fn parse_fact_display(display: &str, format: &str) -> Option<f64> {
    let f = format.to_ascii_lowercase();
    let d = display.trim();
    if f.contains("fixed-zero") || f.contains("zerodash") || f.contains("fixedzero") {
        return Some(0.0);
    }
    if is_nil(d) {
        return Some(0.0);
    }
    let digits: String = if f.contains("comma-decimal") || f.contains("numcommadecimal") {
        d.chars()
            .filter(|c| c.is_ascii_digit() || *c == ',')
            .map(|c| if c == ',' { '.' } else { c })
            .collect()
    } else {
        d.chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect()
    };
    if digits.is_empty() {
        return word_number(d);
    }
    digits.parse::<f64>().ok()
}

/// `ixt-sec:numwordsen`: small numbers written as words ("three", "no", "none").
fn word_number(d: &str) -> Option<f64> {
    const WORDS: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let l = d.trim().to_ascii_lowercase();
    if l == "no" || l == "none" {
        return Some(0.0);
    }
    WORDS.iter().position(|w| *w == l).map(|i| i as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> Option<f64> {
        parse_cell_number(t).value
    }

    #[test]
    fn parentheses_are_negative() {
        assert_eq!(v("(1,234)"), Some(-1234.0));
        assert_eq!(v("$(1,234)"), Some(-1234.0));
        assert_eq!(v("($ 1,234)"), Some(-1234.0));
        assert_eq!(v("(1,234"), Some(-1234.0));
    }

    #[test]
    fn minus_signs() {
        assert_eq!(v("\u{2212}12"), Some(-12.0));
        assert_eq!(v("-12.5"), Some(-12.5));
    }

    #[test]
    fn dashes_and_blanks_are_null_not_zero() {
        for t in ["—", "-", "–", "", "  ", "$ —", "N/A"] {
            assert_eq!(v(t), None, "{t:?}");
        }
        assert!(parse_cell_number("—").numeric_like);
        assert!(!parse_cell_number("").numeric_like);
    }

    #[test]
    fn percentage_points_are_percentages() {
        // Union Pacific's "% Change" column: "2.2pts", and "(2.4)" then "pts" joined.
        let p = parse_cell_number("2.2pts");
        assert_eq!((p.value, p.unit.as_deref()), (Some(2.2), Some("%")));
        let p = parse_cell_number("(2.4) pts");
        assert_eq!((p.value, p.unit.as_deref()), (Some(-2.4), Some("%")));
        assert_eq!(parse_cell_number("pts").value, None);
        // Basis points and multiples keep their value and say what it is.
        let p = parse_cell_number("50 bps");
        assert_eq!((p.value, p.unit.as_deref()), (Some(50.0), Some("bps")));
        let p = parse_cell_number("(15)bps");
        assert_eq!((p.value, p.unit.as_deref()), (Some(-15.0), Some("bps")));
        let p = parse_cell_number("4.08x");
        assert_eq!((p.value, p.unit.as_deref()), (Some(4.08), Some("x")));
        assert!(!p.currency() && parse_cell_number("$ 4").currency());
        assert_eq!(parse_cell_number("Building 12x").value, None);
        assert_eq!(parse_cell_number("12x").value, None);
        assert_eq!(parse_cell_number("Depts").value, None);
    }

    #[test]
    fn percent_and_currency_units() {
        let p = parse_cell_number("12.5%");
        assert_eq!(p.value, Some(12.5));
        assert_eq!(p.unit.as_deref(), Some("%"));
        let d = parse_cell_number("$ 6.11");
        assert_eq!(d.value, Some(6.11));
        assert_eq!(d.unit.as_deref(), Some("$"));
        assert_eq!(v("(2.5)%"), Some(-2.5));
    }

    #[test]
    fn footnote_markers_split_off() {
        let p = parse_cell_number("1,234 (1)");
        assert_eq!(p.value, Some(1234.0));
        assert_eq!(p.marker.as_deref(), Some("(1)"));
        let p = parse_cell_number("(45)(a)");
        assert_eq!(p.value, Some(-45.0));
        assert_eq!(p.marker.as_deref(), Some("(a)"));
        let p = parse_cell_number("5.2*");
        assert_eq!(p.value, Some(5.2));
        assert_eq!(p.marker.as_deref(), Some("*"));
        let p = parse_cell_number("$ 100†");
        assert_eq!(p.value, Some(100.0));
        assert_eq!(p.marker.as_deref(), Some("†"));
        // A lone "(1)" is minus one, not a marker.
        assert_eq!(v("(1)"), Some(-1.0));
        // A superscript number set apart by the reader: "$ 432<sup>3</sup>".
        let p = parse_cell_number("$ 432 3");
        assert_eq!((p.value, p.marker.as_deref()), (Some(432.0), Some("(3)")));
        let p = parse_cell_number("(1,234) 12");
        assert_eq!(
            (p.value, p.marker.as_deref()),
            (Some(-1234.0), Some("(12)"))
        );
        // Three digits after a space are a thousands group.
        assert_eq!(v("1 234"), Some(1234.0));
    }

    #[test]
    fn text_is_not_a_number() {
        for t in ["Total", "2024 and 2023", "1,23", "12-31", "Note 7"] {
            let p = parse_cell_number(t);
            assert_eq!(p.value, None, "{t:?}");
            assert!(!p.numeric_like, "{t:?}");
        }
    }

    #[test]
    fn fact_display() {
        assert_eq!(
            parse_fact_display("294,866", "ixt:num-dot-decimal"),
            Some(294866.0)
        );
        assert_eq!(parse_fact_display("—", "ixt:fixed-zero"), Some(0.0));
        assert_eq!(
            parse_fact_display("1.234,5", "ixt:num-comma-decimal"),
            Some(1234.5)
        );
        assert_eq!(parse_fact_display("three", "ixt-sec:numwordsen"), Some(3.0));
    }
}
