//! Real filings in, rows out: every fixture in `tests/fixtures/` is an excerpt cut verbatim
//! from a real inline-XBRL 10-K of the development corpus (`scripts/lib/excerpt.py` reads
//! `tests/fixtures/EXCERPTS.tsv`, which names the source file and the pieces), each one a
//! layout on which the plugin once stored wrong magnitudes.
//!
//! The excerpts carry their own oracle: every `ix:nonFraction` states the value the filer
//! certified (displayed number × 10^scale, negative with `sign="-"`). So the test does not
//! compare against numbers written down by hand. For every cell holding one tagged number it
//! checks
//! * that the stored `value_normalized` is the fact's value (what users query), and
//! * that the plugin's *own* reading (printed number × the scale it read from the notes,
//!   `scale_detected`) already agrees, i.e. `value_source` is `display` and the fact was not
//!   needed. A filing without inline XBRL gets only this reading, so this is the part
//!   that must hold on its own.

use finloom_plugin_api::{Document, TableRows, Value};
use finloom_plugin_kit::testing;
use finloom_tables_v1::TablesPlugin;

/// An excerpt of this crate's `tests/fixtures/` and its `table_cells` rows, the plugin run as
/// the host runs it at its default config (the rows pass the host's checks).
fn run(name: &str) -> (Document, TableRows) {
    let (meta, doc) = testing::load(testing::own_fixture(name));
    let mut out = testing::extract::<TablesPlugin>(&meta, &doc, &[], "{}");
    let cells = out.pop().expect("table_cells");
    (doc, cells)
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        Value::Int(x) => Some(*x as f64),
        _ => None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

/// Checks every tagged cell of the fixture; returns how many were checked.
fn check(name: &str) -> usize {
    let (doc, cells) = run(name);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for r in &cells.rows {
        let Some(expected) = num(cells.get(r, "xbrl_value")) else {
            continue;
        };
        let fact = cells
            .get(r, "xbrl_fact_index")
            .as_i64()
            .and_then(|i| doc.facts.get(i as usize))
            .expect("a cell with xbrl_value names its fact");
        let raw = cells.get(r, "raw_text").as_str().unwrap_or("").to_string();
        let printed = num(cells.get(r, "value"));
        let is_dash = printed.is_none() && expected == 0.0;
        if printed.is_none() && !is_dash {
            continue; // a text cell (a rate inside a label): no single value to compare
        }
        checked += 1;
        let stored = num(cells.get(r, "value_normalized"));
        let stored_ok = stored.is_some_and(|v| {
            close(v.abs(), expected.abs()) && (!fact.negative || v < 0.0 || expected == 0.0)
        });
        let read_ok = match printed {
            Some(p) => {
                let sd = cells.get(r, "scale_detected").as_i64().unwrap_or(0) as i32;
                close(p.abs() * 10f64.powi(sd), expected.abs())
            }
            None => stored == Some(0.0),
        };
        if !stored_ok || !read_ok {
            wrong.push(format!(
                "{} {raw:?} ({}): stored {stored:?}, read ×10^{}, fact {expected} [{}]",
                cells.get(r, "id").as_str().unwrap_or(""),
                cells.get(r, "row_label").as_str().unwrap_or("-"),
                cells.get(r, "scale_detected").as_i64().unwrap_or(0),
                fact.name.as_str()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{name}: {} of {checked} tagged cells wrong:\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
    eprintln!("{name}: {checked} tagged cells right");
    checked
}

/// "Millions, for the Years Ended December 31," in the label column's header cell: a note
/// without "in" or parentheses (Union Pacific). Once stored unscaled.
#[test]
fn bare_millions_in_the_header_cell() {
    assert!(check("UNP_0000100885-25-000042.millions-header.html") >= 60);
}

/// "$ -" that the filing tags as zero (`ixt:fixed-zero`): 0, not NULL (Union Pacific's
/// pension plan assets).
#[test]
fn dollar_dash_tagged_zero_is_zero() {
    let name = "UNP_0000100885-25-000042.dash-zero.html";
    assert!(check(name) >= 20);
    let (_, cells) = run(name);
    let zero_dashes = cells
        .rows
        .iter()
        .filter(|r| {
            cells.get(r, "raw_text").as_str() == Some("$ -")
                && num(cells.get(r, "xbrl_value")) == Some(0.0)
        })
        .inspect(|r| assert_eq!(num(cells.get(r, "value_normalized")), Some(0.0)))
        .count();
    assert!(zero_dashes >= 2, "{zero_dashes} tagged \"$ -\" cells");
}

/// "(thousands, except per share amounts)": a parenthesised note that goes on after the
/// scale word (Analog Devices' income statement). Once stored unscaled.
#[test]
fn thousands_except_per_share() {
    assert!(check("ADI_0000006281-25-000153.thousands-except.html") >= 40);
}

/// The statement title and "Twelve Months Ended" rows come first; "(In millions)" is the
/// third row (Intuit's cash-flow statement). Once stored unscaled.
#[test]
fn note_below_title_rows() {
    assert!(check("INTU_0000896878-25-000035.note-in-third-row.html") >= 60);
}

/// "(Tables present dollars in millions, except per-share data)" once at the head of the
/// notes, then note tables with no note of their own (Eli Lilly's revenue by product).
/// Once stored unscaled.
#[test]
fn running_note_in_other_words() {
    assert!(check("LLY_0000059478-25-000067.tables-present.html") >= 100);
}

/// A statement states "(amounts in millions …)" and a later note table prints dollar amounts
/// with no note at all (Costco's segment table): the statement's scale carries over.
#[test]
fn note_table_without_a_note_takes_the_statements_scale() {
    assert!(check("COST_0000909832-25-000101.statement-then-note.html") >= 80);
}

/// "(In millions, except percentages)" inside a column header: the whole column was taken
/// for percentages (Applied Materials' segment table). Once stored ×10^-2.
#[test]
fn scale_note_in_a_column_header_does_not_make_it_percent() {
    assert!(check("AMAT_0001628280-25-056742.except-percentages.html") >= 40);
}

/// "(In millions, except per share data)" inside the year header of an EPS table: the dollar
/// amounts were taken for per-share values (Broadcom). Once stored unscaled.
#[test]
fn eps_table_amounts_are_scaled_and_per_share_rows_are_not() {
    let name = "AVGO_0001730168-25-000121.eps-header-note.html";
    assert!(check(name) >= 10);
    // Its per-share rows are checked by the same oracle: EPS facts carry scale 0.
    let (doc, cells) = run(name);
    let per_share = cells
        .rows
        .iter()
        .filter(|r| {
            cells
                .get(r, "xbrl_fact_index")
                .as_i64()
                .and_then(|i| doc.facts.get(i as usize))
                .is_some_and(|f| f.name.as_str().contains("EarningsPerShare"))
        })
        .count();
    assert!(per_share >= 2, "{per_share} EPS cells");
}

/// An option-activity table: option counts printed to the share beside per-share exercise
/// prices and an "Aggregate Intrinsic Value (in thousands)" column (Netflix). The column's
/// own note covers that column only; counts and prices are never scaled by it (the Abbott
/// failure: 28,288,046 options stored ×10^6).
#[test]
fn share_counts_and_prices_beside_a_column_in_thousands() {
    let name = "NFLX_0001065280-25-000044.option-counts.html";
    assert!(check(name) >= 20);
    let (_, cells) = run(name);
    let counts = cells
        .rows
        .iter()
        .filter(|r| {
            cells
                .get(r, "column_header")
                .as_str()
                .is_some_and(|h| h.contains("Number of Shares"))
                && num(cells.get(r, "value")).is_some()
        })
        .inspect(|r| assert_eq!(cells.get(r, "scale_detected").as_i64(), Some(0)))
        .count();
    assert!(counts >= 5, "{counts} option counts");
}

/// Options by range of exercise prices: "Options Outstanding | Options Exercisable" over a row
/// of titles that also names the label column ("Range of Exercise Prices | Number of Shares |
/// Weighted-Average Remaining Contractual Life | …"), under "(number of shares and aggregate
/// intrinsic value in millions)" (Intuitive Surgical). That row was read as a group label,
/// so every option count was taken for an exercise price and stored unscaled; the remaining
/// lives are years, never millions.
#[test]
fn option_ranges_under_a_row_of_titles() {
    let name = "ISRG_0001035267-25-000017.option-ranges.html";
    assert!(check(name) >= 40);
    let (_, cells) = run(name);
    let lives = cells
        .rows
        .iter()
        .filter(|r| {
            cells
                .get(r, "column_header")
                .as_str()
                .is_some_and(|h| h.contains("Remaining Contractual Life"))
                && num(cells.get(r, "value")).is_some()
        })
        .inspect(|r| assert_eq!(cells.get(r, "scale_detected").as_i64(), Some(0)))
        .count();
    assert!(lives >= 4, "{lives} remaining lives");
}

/// An EPS table whose denominator states its own scale: "Denominator (Thousands of shares)"
/// in a table under "Numerator (Millions of dollars)", and "Effect of dilutive securities"
/// nested in it (Linde). The share counts were stored in millions.
#[test]
fn eps_denominator_in_thousands_of_shares() {
    assert!(check("LIN_0001628280-25-007990.eps-thousands-of-shares.html") >= 20);
}

/// An EPS table under a running note that says nothing of shares ("(all tabular amounts in
/// thousands except per share amounts)", Analog Devices): net income / weighted-average
/// shares is the EPS printed below only with the shares in thousands too. The counts were
/// stored as printed.
#[test]
fn eps_identity_sets_the_share_scale() {
    assert!(check("ADI_0000006281-25-000153.eps-running-note.html") >= 20);
}

/// "(shares in 000's)" (Costco's EPS note). Once stored as printed.
#[test]
fn shares_in_000s() {
    assert!(check("COST_0000909832-25-000101.eps-shares-000s.html") >= 50);
}

/// An EPS table's numerator and denominator: "Net income … for basic EPS"-style lines are
/// amounts, the rows under "Denominator" and "Weighted-average effect of potentially dilutive
/// securities:" are share counts in the note's "share amounts … in thousands" (Uber). RSAs
/// and warrants were stored in millions.
#[test]
fn eps_numerator_and_denominator() {
    assert!(check("UBER_0001543151-25-000008.eps-dilutive-shares.html") >= 55);
}

/// The same layout with a row of units under the titles ("(in thousands) | (in years) | (per
/// share)", Vertex): the titles row still heads the columns, and the option counts are in
/// thousands.
#[test]
fn option_ranges_with_a_units_row() {
    assert!(check("VRTX_0000875320-25-000053.option-ranges-units-row.html") >= 8);
}

/// Every tagged cell's column header names the year of the fact's own period, read from the
/// excerpt's contexts (the `contexts` piece of `EXCERPTS.tsv` copies them from the filing):
/// the fact's period ends in a year the header names, or, for a balance on a "Beginning
/// balance" row, the header names the period that balance opens. Returns how many cells were
/// checked; every tagged value cell must be checkable (its header names a year).
fn check_periods(name: &str) -> usize {
    let source = std::fs::read_to_string(testing::own_fixture(name)).expect("fixture");
    // context id → (year its period ends, whether it is an instant)
    let context = regex::Regex::new(
        r#"(?s)<xbrli:context id="([^"]+)">.*?<xbrli:(endDate|instant)>(\d{4})-.*?</xbrli:context>"#,
    )
    .expect("context pattern");
    let periods: std::collections::HashMap<String, (i32, bool)> = context
        .captures_iter(&source)
        .map(|c| {
            (
                c[1].to_string(),
                (c[3].parse().expect("year"), &c[2] == "instant"),
            )
        })
        .collect();
    let year = regex::Regex::new(r"\b(?:19|20)\d\d\b").expect("year pattern");
    let (doc, cells) = run(name);
    let (mut checked, mut wrong) = (0, Vec::new());
    for r in &cells.rows {
        let Some(fi) = cells.get(r, "xbrl_fact_index").as_i64() else {
            continue;
        };
        if num(cells.get(r, "value")).is_none() {
            continue; // a text cell or a dash
        }
        let fact = &doc.facts[fi as usize];
        let header = cells.get(r, "column_header").as_str().unwrap_or("");
        let label = cells.get(r, "row_label").as_str().unwrap_or("");
        let named: Vec<i32> = year
            .find_iter(header)
            .map(|m| m.as_str().parse().expect("year"))
            .collect();
        let (y, instant) = periods[fact.context_ref.as_str()];
        let opening = instant && label.to_ascii_lowercase().contains("beginning");
        checked += 1;
        if !(named.contains(&y) || opening && named.contains(&(y + 1))) {
            wrong.push(format!(
                "{} {:?} ({label}) under {header:?}: {} of {y}",
                cells.get(r, "id").as_str().unwrap_or(""),
                cells.get(r, "raw_text").as_str().unwrap_or(""),
                fact.name.as_str()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{name}: {} of {checked} tagged cells under another year:\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
    checked
}

/// A stacked table (Linde's sales by segment): one block of rows per year, each under its own
/// "Year Ended December 31, 20xx | Americas | EMEA …" header. The 2023 and 2022 amounts were
/// stored under the 2024 header.
#[test]
fn stacked_blocks_under_their_own_year() {
    assert!(check_periods("LIN_0001628280-25-007990.stacked-years.html") >= 100);
    assert!(check("LIN_0001628280-25-007990.stacked-years.html") >= 100);
}

/// The same with a column retitled in the second block ("Gains (Losses) on Hedge Instruments"
/// over 2024, "Losses on Hedge Instruments" over 2023: Intuitive Surgical's other
/// comprehensive income roll-forward).
#[test]
fn a_repeated_block_may_retitle_a_column() {
    let name = "ISRG_0001035267-25-000017.retitled-block.html";
    assert!(check_periods(name) >= 40);
    // The 2023 block's hedge column takes that block's own title.
    let (_, cells) = run(name);
    let headers: Vec<&str> = cells
        .rows
        .iter()
        .filter_map(|r| cells.get(r, "column_header").as_str())
        .filter(|h| h.contains("2023") && h.contains("Hedge"))
        .collect();
    assert!(!headers.is_empty());
    assert!(
        headers
            .iter()
            .all(|h| h.ends_with("/ Losses on Hedge Instruments")),
        "{headers:?}"
    );
}

/// A row of dates further down restating the header's periods for the lines below it
/// (Starbucks' long-lived assets, "Sep 28, 2025 | Sep 29, 2024", under a revenue table headed
/// by three fiscal years): the assets were stored one year off.
#[test]
fn a_row_of_periods_restates_the_header() {
    assert!(check_periods("SBUX_0000829224-25-000114.period-row.html") >= 20);
}

/// A title alone in the label column above the years ("For the Years Ended December 31," over
/// "(In millions) | 2024 | 2023 | 2022", Marsh & McLennan's cash flows): the title was read as
/// the first data row, so the years headed nothing.
#[test]
fn a_title_above_the_years_leaves_them_the_header() {
    let name = "MMC_0000062709-25-000015.title-above-years.html";
    assert!(check_periods(name) >= 100);
    assert!(check(name) >= 100);
}

/// A title across the whole table ("CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions)",
/// Palo Alto Networks) likewise; it heads the table, not its columns.
#[test]
fn a_full_width_title_heads_the_table_not_its_columns() {
    let name = "PANW_0001327567-25-000027.full-width-title.html";
    assert!(check_periods(name) >= 100);
    let (_, cells) = run(name);
    assert!(cells.rows.iter().all(|r| !cells
        .get(r, "column_header")
        .as_str()
        .unwrap_or("")
        .contains("CONSOLIDATED")));
}

/// Under a table title, "Weighted-Average Grant Date Fair Value" over "RSUs | PSUs" (Stryker):
/// the award names under a price title are prices per unit, not counts in the table's
/// millions of shares.
#[test]
fn award_names_under_a_price_title_are_prices() {
    assert!(check("SYK_0000310764-25-000023.title-over-award-prices.html") >= 20);
}

/// A white "4" on no background in the top-left cell of Salesforce's statements, invisible to
/// a reader: read as text it stood in the label column ahead of "Fiscal Year Ended January
/// 31,", the header looked like a data row, and no amount had a column header. The reader
/// now leaves invisible text out (`finloom-ingest`, document version 8).
#[test]
fn invisible_text_does_not_hide_the_header() {
    assert!(check_periods("CRM_0001108524-25-000006.invisible-corner.html") >= 90);
}
