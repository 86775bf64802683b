//! Scale notes ("in millions, except per-share amounts") and the rows they exempt.
//!
//! A statement's numbers are printed in thousands or millions and the note saying so sits
//! above the table, in its header, or at the end of the sentence introducing it. The same
//! note says which rows are *not* scaled: per-share amounts, share counts (sometimes in a
//! different scale of their own: Apple prints "except number of shares, which are reflected in
//! thousands"). Percentages are never scaled, and per-share amounts never are either —
//! earnings of "$6.11 million per share" do not exist — so those two exemptions hold even when
//! the note forgets to state them.

use regex::Regex;
use std::sync::OnceLock;

/// What a scale note says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScaleInfo {
    /// Power of ten of the table's amounts.
    pub scale: i32,
    /// The text the scale was read from.
    pub note: Option<String>,
    /// Scale of share-count rows: `Some(0)` when the note exempts share data, `Some(3)` when it
    /// says shares are in thousands, `None` when it says nothing about shares (they follow the
    /// table's scale).
    pub shares_scale: Option<i32>,
    /// Read from a running note ("(Tabular amounts in millions …)" under every page header),
    /// not from a note belonging to this table: see [`running_scale`].
    pub running: bool,
    /// Where the table's scale came from (the `tables.scale_source` column): `above` (a note
    /// or sentence just above the table), `header` (its own top rows), `continued` (the part
    /// of the table before a page break), `running` (a running note such as "(Tabular
    /// amounts in millions …)"), `section` (the scale the filing last stated in the same
    /// section); empty when no scale was found.
    pub source: &'static str,
}

fn scale_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?ix)
            \b(?:in|of)\s+(?:u\.?s\.?\s+)?(?:\$\s*|€\s*|£\s*)?(?P<w1>thousands|millions|billions)\b
          | \(\s*(?:\$|us\$|€|£|dollars|usd|amounts)?\s*(?P<w2>thousands|millions|billions)\s*(?:\)|,|;|except\b|of\s+(?:u\.?s\.?\s+)?dollars\b)
          | \(\s*(?:in\s+)?\$?\s*(?P<z>000,000|000)(?:['’]?s)?(?:\s+omitted)?\s*\)
          | \(\s*(?:in\s+)?(?P<w7>thous|mil|mm)\.?\s*\)
          | \b(?P<w3>thousands|millions)\s+of\s+(?:u\.?s\.?\s+)?dollars\b
          | \bdollars\s+in\s+(?P<w4>thousands|millions|billions)\b
          | (?:\$|€|£)\s*(?P<w5>thousands|millions|billions)\b
          | ^\s*(?P<w6>thousands|millions|billions)\s*(?:,|;|$|except\b|\()",
        )
        .expect("scale regex")
    })
}

fn shares_phrase_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\bshares?\s+(?:are\s+|data\s+|amounts\s+)?in\s+(thousands|millions|000)(?:['’]?s)?\b|\b(thousands|millions)\s+of\s+shares\b")
            .expect("shares phrase regex")
    })
}

fn word_scale(w: &str) -> i32 {
    match w.to_ascii_lowercase().as_str() {
        "thousands" | "000" | "thous" => 3,
        "millions" | "000,000" | "mil" | "mm" => 6,
        "billions" => 9,
        _ => 0,
    }
}

/// Finds a scale statement in `text`. Returns the scale, the byte range of the match and the
/// text after it (for the "except" clause).
pub fn find_scale(text: &str) -> Option<ScaleInfo> {
    // Most texts asked (every row label, every caption) state no scale: the plain match runs
    // on the regex's fast engine, the captures below on its slower one.
    if !scale_re().is_match(text) {
        return None;
    }
    // "The graph assumes $100 (not in millions) invested": a scale the text denies is none.
    let caps = scale_re().captures_iter(text).find(|c| {
        let start = c.get(0).map_or(0, |m| m.start());
        let before = text[..start].trim_end().to_ascii_lowercase();
        !(before.ends_with("not") || before.ends_with("(not"))
    })?;
    let m = caps.get(0)?;
    let g = ["w1", "w2", "z", "w3", "w4", "w5", "w6", "w7"]
        .iter()
        .find_map(|n| caps.name(n))?;
    let scale = word_scale(g.as_str());
    if scale == 0 {
        return None;
    }
    // The except clause: from the scale word to the end of the parenthesis or sentence.
    let after = &text[g.end()..];
    let clause_end = after
        .find([')', '.', ';', '\n'])
        .map(|i| {
            // "(in millions, except number of shares, which are reflected in thousands, and
            // per-share amounts)": a parenthesis closes the clause.
            i
        })
        .unwrap_or(after.len());
    let clause = after[..clause_end].to_ascii_lowercase();
    let mut shares_scale = None;
    if let Some(ex) = clause.find("except") {
        let ex = &clause[ex..];
        let without_per_share = ex
            .replace("per-share", "")
            .replace("per share", "")
            .replace("per unit", "");
        if without_per_share.contains("share") || without_per_share.contains("unit") {
            shares_scale = Some(if without_per_share.contains("thousand") {
                3
            } else if without_per_share.contains("million") {
                6
            } else {
                0
            });
        }
    }
    // "(net income in millions and shares in thousands)", "shares in thousands".
    if shares_scale.is_none() {
        if let Some(c) = shares_phrase_re().captures(text) {
            let w = c.get(1).or(c.get(2)).map(|m| m.as_str()).unwrap_or("");
            shares_scale = Some(word_scale(w));
        }
    }
    // The note: the whole text when short, else the matched phrase with its clause.
    let note = if text.chars().count() <= 200 {
        text.trim().to_string()
    } else {
        let start = text[..m.start()]
            .rfind('(')
            .filter(|&p| m.start() - p < 40)
            .unwrap_or(m.start());
        let end = g.end() + clause_end + usize::from(after[clause_end..].starts_with(')'));
        text[start..end.min(text.len())].trim().to_string()
    };
    Some(ScaleInfo {
        scale,
        note: Some(note),
        shares_scale,
        running: false,
        source: "above",
    })
}

/// The scale a row label or column header states for its own numbers: a scale note
/// ("Revenue (in millions)"), or a count of shares in thousands or millions ("Denominator
/// (Thousands of shares)", "Shares in millions"), which is no scale note for a table of
/// dollars but is the scale of the line that says it.
pub fn label_scale(label: &str) -> Option<i32> {
    find_scale(label)
        .map(|s| s.scale)
        .or_else(|| shares_phrase_scale(label))
}

/// The scale `text` states for share counts: "shares in thousands", "(shares in 000's)",
/// "millions of shares".
pub fn shares_phrase_scale(text: &str) -> Option<i32> {
    if !shares_phrase_re().is_match(text) {
        return None;
    }
    shares_phrase_re()
        .captures(text)
        .and_then(|c| c.get(1).or(c.get(2)))
        .map(|m| word_scale(m.as_str()))
}

fn running_note_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\btabular\b|\ball\s+(?:dollar\s+)?amounts\b|\bdollar\s+amounts\b|\btables?\s+(?:present|are\s+(?:presented|stated|shown)|show)\b|\bamounts\s+in\s+(?:the\s+)?tables\b|\botherwise\s+(?:noted|stated|indicated|specified)\b")
            .expect("running note regex")
    })
}

/// A scale note that states its own scope as every table that follows, not only the next
/// one: "(Tabular amounts in millions, except per share amounts)" printed under the page
/// header of every page of the notes, "(Dollars in millions, unless otherwise stated)". Such a
/// note, standing as its own short block, sets the scale of the tables after it that carry
/// no note of their own. `None` for ordinary notes ("(In millions)"), which belong to the
/// table right below them.
pub fn running_scale(block_text: &str) -> Option<ScaleInfo> {
    let t = block_text.trim();
    if t.is_empty() || t.chars().count() > 200 || !running_note_re().is_match(t) {
        return None;
    }
    find_scale(t).map(|s| ScaleInfo {
        running: true,
        source: "running",
        ..s
    })
}

fn asides_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\([^()]*(?:\b(?:thousands|millions|billions)\b|\$\s*\d)[^()]*\)|\$\s*\d[\d,.]*\s+per\s+(?:common\s+|ordinary\s+)?(?:share|unit)\b|\bpar\s+value(?:\s+of)?(?:\s+\$\s*\d[\d,.]*)?\s+per\s+(?:common\s+|ordinary\s+)?share\b|\bper\s+(?:common\s+|ordinary\s+)?share\s*[:–—-]?\s*\$\s*\d[\d,.]*")
            .expect("asides regex")
    })
}

/// `label` without scale notes in parentheses ("(In millions, except per share data)"),
/// without parentheses stating an amount ("(Dividends declared per share $3.20)"), without
/// a stated rate ("$2.16 per share", "dividends declared per share: $4.07") and without the
/// stock's par value ("Common stock, $0.01 par value per share"): such a line is an amount.
/// "(per share)" alone stays: it is the label's own word.
fn strip_asides(label: &str) -> String {
    asides_re().replace_all(label, " ").into_owned()
}

/// What a row (or column) holds, for scale exemptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    PerShare,
    Shares,
    Percent,
    /// Not an amount of money: years, days, counts of stores or employees, exchange rates.
    /// Never scaled by the table's note (unless the row or column states its own scale).
    Unscaled,
    /// An amount of money by its column's name ("Additional Paid-in Capital", "Common Stock /
    /// Amount", "Treasury Stock"): in the table's scale, even on a row of shares ("Shares
    /// withheld for taxes" across an equity statement). Only for column headers, see
    /// [`money_column`].
    Money,
}

/// A column header naming an amount of money: the equity statement's columns other than
/// share counts. A scale note in the header ("(in millions, except per share amounts)")
/// names no column.
pub fn money_column(header: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:paid[- ]in|amounts?|retained\s+earnings|accumulated\s+deficit|treasury\s+stock|capital\s+in\s+excess|capital\s+surplus|additional\s+capital|total\s+(?:(?:stockholders|shareholders)['’]?\s+)?equity|(?:stockholders|shareholders)['’]?\s+equity)\b")
            .expect("money column regex")
    })
    .is_match(&strip_asides(header))
        && measure_of(header).is_none()
}

fn unscaled_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\(\s*(?:in\s+)?(?:years|days|months)\s*\)|\bin\s+(?:years|days|months)\b|\b(?:remaining\s+)?contractual\s+(?:life|term)s?\b|\bremaining\s+(?:life|term)\b|\bnumber\s+of\s+(?:employees|stockholders|shareholders|shareowners|stores|warehouses|locations|restaurants|members|holders|record\s+holders|countries|hotels|rooms|branches|aircraft|vessels|rigs|wells|plants|facilities|sites|customers|days)\b|\b(?:exchange|contract|blended)\s+rates?\s*$|\b(?:exchange|conversion)\s+ratios?\b|\bconversion\s+rates?\b")
            .expect("unscaled regex")
    })
}

/// A row label that names an amount of money by what it is: income, interest, expense,
/// earnings, a loss, dividends, and no shares or stock. Under a label of shares ("Effect of
/// dilutive securities:") such a row is still an amount; "Assumed redemption of … convertible
/// common shares, non-controlling interest" (Uber) is a share count.
pub fn names_an_amount(label: &str) -> bool {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    let (amount, shares) = RE.get_or_init(|| {
        (
            Regex::new(
                r"(?i)\b(?:income|interest|expenses?|earnings|loss(?:es)?|dividends?|revenues?)\b",
            )
            .expect("amount label regex"),
            Regex::new(r"(?i)\b(?:shares?|stock|units?)\b").expect("shares label regex"),
        )
    });
    amount.is_match(label) && !shares.is_match(label)
}

/// A label that names its unit as per cent in parentheses: "Operating ratio (%)", "Effective
/// tax rate (in %)". A "%" after a number ("Fixed-rate 4.850% notes") names a rate, not the
/// unit.
fn percent_unit_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\(\s*(?:in\s+)?%\s*\)").expect("percent unit regex"))
}

/// A column header whose first word is "%": "% of Total Revenues", "% Change". Only for
/// column headers: a row label "% of total revenue:" heads a group of rows that may end
/// without a label-only row, and the amounts after the group would be read as per cent.
pub fn is_percent_column(header: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*%\s*(?:of|change|chg|increase|decrease|growth)\b")
            .expect("percent column regex")
    })
    .is_match(header)
}

/// A label ending in `%` as its unit ("Gross margin %", "Tax rate%"), not in a figure it
/// states: "Less imputed interest on capital leases at an average rate of 5.3%" is a line of
/// amounts (Norfolk Southern's −6 million).
fn names_percent_unit(l: &str) -> bool {
    let l = l.trim_end();
    l.strip_suffix('%').is_some_and(|rest| {
        !rest
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

fn interest_rate_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:interest|coupon|discount|stated|effective)\s+(?:interest\s+)?rate\s*$|\byields?\s*$|(?:\bvolatility|\brates?\s+of\s+(?:compensation|salary)\s+increases?|\brates?\s+of\s+return(?:\s+on\s+(?:plan\s+)?assets)?|\b(?:compensation|salary)\s+increases?)\s*(?:\(\w{1,2}\)|\*+)?\s*$")
            .expect("interest rate regex")
    })
}

fn per_share_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\bper\s+(?:basic\s+|diluted\s+|common\s+|ordinary\s+|limited\s+partner\s+)*(?:share|unit|ads)\b|per-share|\beps\b|\bearnings\s+per\b|dividends?\s+declared\s+per|price\s+per|\b(?:closing|stock|share|market)\s+prices?\b|fair\s+value\s+per|exercise\s+prices?|\bwaep\b|\bper\s+(?:average\s+)?(?:employee|customer|member|subscriber|store|warehouse|square\s+(?:foot|feet|meter)|ton|barrel|boe|mcf|mwh|day|hour|mile|passenger|carload|room|bed|vehicle|user)\b")
            .expect("per share regex")
    })
}

fn shares_first_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*(?:total\s+)?(?:weighted[- ]average\s+)?(?:number\s+of\s+)?(?:common\s+|ordinary\s+|diluted\s+|basic\s+|restricted\s+)*(?:shares|units|rsus?|psus?|sars|warrants|options|stock\s+options)\b|^\s*outstanding\s+(?:stock\s+)?(?:options|awards|rsus?|warrants)\b|^\s*number\s+of\s+(?:[\w&.'’-]+\s+){0,3}(?:securities|common\s+stock)\b|\beffect\s+of\s+(?:potentially\s+)?dilutive\b|\bdilutive\s+(?:securities|shares|stock\s+options|options|awards)\b|^\s*(?:dilutive|incremental)\s+(?:common\s+)?shares\b|\b(?:shares|common\s+stock|units)\s+(?:issued\s+and\s+)?outstanding\b|\bweighted[- ]average\s+(?:number\s+of\s+)?(?:basic\s+|diluted\s+)?(?:common\s+)?(?:shares|units)\b|^\s*(?:number\s+of\s+)?shares\b")
            .expect("shares regex")
    })
}

/// A line that feeds an EPS computation and names it as its purpose: "Net income for basic
/// and diluted EPS", "Denominator for diluted earnings per share", "Net earnings … used in
/// computing basic earnings per share". Its numbers are the amount or the share count the
/// per-share figure is computed from, not per-share figures.
fn eps_input_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:for|in\s+(?:computing|calculating|determining|the\s+(?:computation|calculation)\s+of)|used\s+(?:in|for)(?:\s+(?:computing|calculating|determining|the\s+(?:computation|calculation)\s+of))?)\s+(?:(?:basic|diluted)\s+(?:and\s+(?:basic|diluted)\s+)?)?(?:eps\b|(?:net\s+income|earnings|net\s+earnings|income|loss)\s+(?:\(loss\)\s+)?per\b|per[- ]share\b)|^\s*(?:numerator|denominator)\b")
            .expect("eps input regex")
    })
}

fn grant_value_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\bweighted[- ]\s*average\s+(?:(?:grant[- ]date\s+)?fair\s+value|(?:(?:exercise|purchase|grant|strike|sale|sales|share|stock)\s+)?prices?)\b")
            .expect("grant value regex")
    })
}

/// Classifies a row label or column header.
///
/// Share-award tables (RSU, option activity) print a "Weighted-Average Grant Date Fair Value"
/// or "Weighted-Average Exercise Price" column next to the share counts: a value per share,
/// unless the header says it is an aggregate or carries its own scale ("Aggregate Fair Value
/// (in millions)").
pub fn measure_of(label: &str) -> Option<Measure> {
    // What a label says about its own numbers, not what its asides say: a scale note in a
    // header ("2025 / (In millions, except per share data)") names the exceptions of the
    // whole table, and "Dividends (declared per common share $3.20)" or "Cash dividends
    // declared, $2.16 per share" is a row of amounts that mentions a per-share rate.
    let par_value = label.to_ascii_lowercase().contains("par value");
    let stripped = strip_asides(label);
    let label = stripped.as_str();
    if label.trim().is_empty() {
        return None;
    }
    let l = label.to_ascii_lowercase();
    // Amounts about shares ("Common stock, $0.00001 par value: 50,400,000 shares
    // authorized") are amounts.
    let about_money = l.contains('$')
        || par_value
        || l.contains("amount")
        || l.contains("paid-in")
        || l.contains("cost")
        || l.contains("proceeds");
    if shares_first_re().is_match(label) && !about_money {
        return Some(Measure::Shares);
    }
    if eps_input_re().is_match(label) {
        // The denominator is a share count; the numerator an amount in the table's scale,
        // whatever it says of shares ("Net income attributable to common shares for basic
        // EPS"). A share count that names its purpose starts with shares and was caught above.
        return l.contains("denominator").then_some(Measure::Shares);
    }
    if per_share_re().is_match(label) {
        return Some(Measure::PerShare);
    }
    if grant_value_re().is_match(label)
        && !l.contains("aggregate")
        && !l.contains("total")
        && find_scale(label).is_none()
    {
        return Some(Measure::PerShare);
    }
    if l.contains("percent")
        || l.contains("margin %")
        || names_percent_unit(&l)
        || percent_unit_re().is_match(label)
        || interest_rate_re().is_match(label)
    {
        return Some(Measure::Percent);
    }
    if unscaled_re().is_match(label) {
        return Some(Measure::Unscaled);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_scale_notes() {
        assert_eq!(find_scale("(In millions)").unwrap().scale, 6);
        assert_eq!(find_scale("(Dollars in thousands)").unwrap().scale, 3);
        assert_eq!(find_scale("($ in billions)").unwrap().scale, 9);
        assert_eq!(find_scale("(000's omitted)").unwrap().scale, 3);
        assert_eq!(find_scale("(millions)").unwrap().scale, 6);
        assert_eq!(
            find_scale("Amounts in thousands of U.S. dollars")
                .unwrap()
                .scale,
            3
        );
        assert!(find_scale("Revenue grew 5% in fiscal 2024").is_none());
        // Stryker's performance graph: "$100 (not in millions)".
        assert!(find_scale("The graph assumes $100 (not in millions) invested").is_none());
    }

    #[test]
    fn except_clauses() {
        let s = find_scale("(In millions, except number of shares, which are reflected in thousands, and per-share amounts)").unwrap();
        assert_eq!(s.scale, 6);
        assert_eq!(s.shares_scale, Some(3));
        let s = find_scale("(in thousands, except per share data)").unwrap();
        assert_eq!(s.shares_scale, None);
        let s = find_scale("(net income in millions and shares in thousands):").unwrap();
        assert_eq!((s.scale, s.shares_scale), (6, Some(3)));
        let s = find_scale("(in thousands, except share and per share data)").unwrap();
        assert_eq!(s.shares_scale, Some(0));
    }

    #[test]
    fn long_paragraph_note_is_the_phrase() {
        let p = format!(
            "{} The following table shows revenue by category (in millions):",
            "Lorem ipsum. ".repeat(30)
        );
        let s = find_scale(&p).unwrap();
        assert_eq!(s.scale, 6);
        assert_eq!(s.note.as_deref(), Some("(in millions)"));
    }

    #[test]
    fn running_notes_are_only_the_ones_that_say_so() {
        assert_eq!(
            running_scale("(Tabular amounts in millions, except per share amounts)")
                .unwrap()
                .scale,
            6
        );
        assert_eq!(
            running_scale("(Dollars in thousands, unless otherwise stated)")
                .unwrap()
                .scale,
            3
        );
        assert!(running_scale("(In millions)").is_none());
        assert!(
            running_scale("Unless otherwise stated, references to years are fiscal years.")
                .is_none()
        );
    }

    #[test]
    fn lines_that_say_what_they_hold() {
        use Measure::*;
        let cases: &[(&str, Option<Measure>)] = &[
            // EPS inputs: the numerator is an amount, the denominator a count.
            ("Net income for basic and diluted EPS", None),
            ("Net earnings from continuing operations attributable to common stockholders for Basic EPS", None),
            ("Numerator for basic earnings (loss) per share – income available to common shareholders", None),
            ("Denominator for diluted earnings per share", Some(Shares)),
            ("Net income attributable to common shares for basic EPS", None),
            ("Weighted average shares used in computing diluted EPS", Some(Shares)),
            ("Denominator (Thousands of shares)", Some(Shares)),
            ("Effect of dilutive securities", Some(Shares)),
            ("Weighted-average effect of potentially dilutive securities:", Some(Shares)),
            ("Outstanding stock options and unvested stock awards", Some(Shares)),
            ("SARs Outstanding Number of SARs", Some(Shares)),
            ("Number of securities to be issued upon exercise of outstanding options", Some(Shares)),
            // Prices and values per share.
            ("Closing price of our common stock on grant date", Some(PerShare)),
            ("Weighted average fair value of options issued", Some(PerShare)),
            ("Weighted Average Price (in dollars)", Some(PerShare)),
            ("Basic earnings per share", Some(PerShare)),
            // Amounts that mention a per-share figure.
            ("Common stock: $0.01 par value per share; 2,500 shares authorized; 793 shares outstanding", None),
            ("Common stock, $1 par value per share", None),
            ("Cash dividends declared per share: $4.07", None),
            // Years, ratios and rates.
            ("Weighted-Average Remaining Contractual Term", Some(Unscaled)),
            ("Average Remaining Life", Some(Unscaled)),
            ("Exchange ratio", Some(Unscaled)),
            ("Conversion Rate per $1,000 Principal", Some(Unscaled)),
            ("Expected volatility", Some(Percent)),
            ("Rate of compensation increase", Some(Percent)),
            ("Expected long-term rate of return on plan assets", Some(Percent)),
            // … but an amount about a rate is an amount.
            ("Effect of change in expected rate of return on plan assets on pension costs", None),
            ("Expected return on plan assets", None),
        ];
        for (label, want) in cases {
            assert_eq!(measure_of(label), *want, "{label}");
        }
        assert_eq!(label_scale("Denominator (Thousands of shares)"), Some(3));
        assert_eq!(
            shares_phrase_scale("outstanding (shares in 000’s):"),
            Some(3)
        );
        assert!(money_column("Additional Paid-In Capital"));
        assert!(money_column("Total Stockholders’ Equity"));
        assert!(money_column("Amount"));
        assert!(!money_column("(In millions, except per share amounts)"));
        assert!(!money_column("Shares"));
    }

    #[test]
    fn measures() {
        assert_eq!(
            measure_of("Diluted earnings per share"),
            Some(Measure::PerShare)
        );
        assert_eq!(
            measure_of("Shares used in computing earnings per share:"),
            Some(Measure::Shares)
        );
        assert_eq!(
            measure_of("Weighted-average shares outstanding"),
            Some(Measure::Shares)
        );
        assert_eq!(
            measure_of("Cash dividends declared per share"),
            Some(Measure::PerShare)
        );
        assert_eq!(
            measure_of("Gross margin percentage"),
            Some(Measure::Percent)
        );
        assert_eq!(measure_of("Total net sales"), None);
        // A label naming its unit in parentheses (Union Pacific's "Operating ratio (%)" in a
        // table in billions was read as 59.9 billion).
        for l in [
            "Operating ratio (%)",
            "Effective tax rate (in %)",
            "Margin ( % ) ",
        ] {
            assert_eq!(measure_of(l), Some(Measure::Percent), "{l}");
        }
        // A rate in a label is not the row's unit.
        assert_eq!(measure_of("Fixed-rate 0.000% – 4.850% notes"), None);
        assert_eq!(
            measure_of("Less imputed interest on capital leases at an average rate of 5.3%"),
            None
        );
        assert_eq!(measure_of("Gross margin %"), Some(Measure::Percent));
        // A column headed "% of …" (Salesforce's "% of Total Revenues", read in millions).
        assert!(is_percent_column("% of Total Revenues"));
        assert!(is_percent_column("% Change"));
        assert!(!is_percent_column("Total Revenues"));
        assert!(!is_percent_column("10% notes"));
        assert_eq!(measure_of("RSUs granted"), Some(Measure::Shares));
        assert_eq!(
            measure_of("Effect of dilutive share-based awards"),
            Some(Measure::Shares)
        );
        assert_eq!(
            measure_of("Common stock and additional paid-in capital, $0.00001 par value: 50,400,000 shares authorized; 15,116,786 shares issued"),
            None
        );
        assert_eq!(
            measure_of("Weighted-Average Grant Date Fair Value Per RSU"),
            Some(Measure::PerShare)
        );
        assert_eq!(
            measure_of("Weighted- Average Grant Date Fair Value"),
            Some(Measure::PerShare)
        );
        assert_eq!(
            measure_of("Weighted-Average Exercise Price"),
            Some(Measure::PerShare)
        );
        assert_eq!(
            measure_of("Aggregate Weighted-Average Grant Date Fair Value (in millions)"),
            None
        );
        // Rates, years and counts are not amounts of money; a row of hedges on interest
        // rates is.
        assert_eq!(measure_of("Interest rates"), None);
        assert_eq!(measure_of("WAEP"), Some(Measure::PerShare));
        assert_eq!(
            measure_of("Risk-free interest rate"),
            Some(Measure::Percent)
        );
        assert_eq!(
            measure_of("Contractual Interest Rate"),
            Some(Measure::Percent)
        );
        assert_eq!(measure_of("Blended Contract Rate"), Some(Measure::Unscaled));
        assert!(names_an_amount(
            "Net income allocated to preferred shareholder"
        ));
        assert!(names_an_amount(
            "Interest on 1¼% convertible senior notes due 2032"
        ));
        assert!(!names_an_amount("Stock options"));
        assert!(!names_an_amount(
            "Assumed redemption of Freight Holding convertible common shares, non-controlling interest"
        ));
        // Counts of people (Norfolk Southern's five-year summary).
        for l in [
            "Number of stockholders at year end",
            "Average number of employees:",
            "Number of shareholders of record",
        ] {
            assert_eq!(measure_of(l), Some(Measure::Unscaled), "{l}");
        }
        assert_eq!(
            measure_of("Weighted-average remaining contractual term (in years)"),
            Some(Measure::Unscaled)
        );
        // A scale note in a header path names the table's exceptions, not the column's.
        assert_eq!(
            measure_of(
                "Fiscal Year Ended / November 2, 2025 / (In millions, except per share data)"
            ),
            None
        );
        assert_eq!(
            measure_of("Semiconductor Systems / (In millions, except percentages)"),
            None
        );
        assert_eq!(measure_of("Cash dividends declared, $2.16 per share"), None);
        assert_eq!(
            measure_of("Basic weighted-average common stock outstanding"),
            Some(Measure::Shares)
        );
    }
}
