//! Fixture tests over real filings in `tests/fixtures/filings/`.
//!
//! The inline-XBRL oracle: every tagged number states its own value (displayed number ×
//! 10^scale, negated when `sign="-"`). Over the cells holding a fact, `value_normalized` must
//! have the fact's magnitude and be negative where the fact is; a mismatch means a wrong
//! scale, a wrong exemption (per-share, shares) or a misparsed number.

use finloom_plugin_api::{Document, TableRows, Value};
use finloom_plugin_kit::testing;
use finloom_tables_v1::TablesPlugin;

fn f(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// A sample filing (`rel` under `tests/fixtures/filings/`) and the plugin's `tables` and
/// `table_cells` rows for it, run as the host runs it (the rows pass the host's checks).
fn run(rel: &str) -> (Document, Vec<TableRows>) {
    let (meta, doc) = testing::load_filing(rel);
    let out = testing::extract::<TablesPlugin>(&meta, &doc, &[], "{}");
    (doc, out)
}

/// Over cells with a fact: (magnitude and sign agree, magnitude agrees, total numeric cells,
/// dash cells tagged as zero, facts in text cells).
fn xbrl_agreement(cells: &TableRows, verbose: bool) -> (usize, usize, usize, usize, usize) {
    let (mut ok, mut mag_ok, mut total, mut dash_zero, mut in_text) = (0, 0, 0, 0, 0);
    let mut shown = 0;
    for r in testing::rows(cells) {
        if r.get("xbrl_concept").as_str().is_none() {
            continue;
        }
        let Some(xv) = f(r.get("xbrl_value")) else {
            continue;
        };
        let raw = r.get("raw_text").as_str().unwrap_or("");
        if !finloom_tables_v1::number::parse_cell_number(raw).numeric_like {
            // A fact inside a text cell (a par value in a row label, a rate range): the cell
            // is text, not a number.
            in_text += 1;
            continue;
        }
        total += 1;
        let vn = f(r.get("value_normalized"));
        let same_mag =
            vn.is_some_and(|vn| (vn.abs() - xv.abs()).abs() <= 1e-9 * xv.abs().max(1e-9));
        if same_mag {
            mag_ok += 1;
        }
        let good = same_mag && (xv >= 0.0 || vn.is_some_and(|v| v < 0.0));
        if good {
            ok += 1;
        } else if vn.is_none() && xv == 0.0 {
            dash_zero += 1;
        } else if verbose && shown < 40 {
            shown += 1;
            eprintln!(
                "  mismatch {} raw={:?} label={:?} vn={:?} xv={} concept={:?}",
                r.get("id").as_str().unwrap_or(""),
                r.get("raw_text").as_str(),
                r.get("row_label").as_str(),
                vn,
                xv,
                r.get("xbrl_concept").as_str()
            );
        }
    }
    (ok, mag_ok, total, dash_zero, in_text)
}

#[test]
fn inline_xbrl_cell_values_agree_with_facts() {
    for rel in [
        "10-K/AAPL_0000320193-24-000123.html",
        "10-Q/AAPL_0000320193-23-000077.html",
        "10-K/GME_0001326380-24-000012.html",
        "10-K/GAXY_2021-06-30.html",
    ] {
        let (doc, out) = run(rel);
        let cells = &out[1];
        let (ok, mag_ok, total, dash_zero, in_text) = xbrl_agreement(cells, true);
        let numeric_facts = doc.facts.iter().filter(|f| f.numeric).count();
        let pct = |n: usize| n as f64 * 100.0 / total.max(1) as f64;
        eprintln!(
            "{rel}: over {total} numeric cells with a fact: magnitude agrees {mag_ok} ({:.2}%), magnitude+sign agree {ok} ({:.2}%), + {dash_zero} dash cells tagged zero (sign rule incl. dashes {:.2}%, magnitude incl. dashes {:.2}%); {in_text} facts in text cells left out; {} of {numeric_facts} numeric facts sit in emitted cells",
            pct(mag_ok),
            pct(ok),
            pct(ok + dash_zero),
            pct(mag_ok + dash_zero),
            total + in_text,
        );
        assert!(total > 100, "{rel}: too few tagged cells ({total})");
        let magnitude = (mag_ok + dash_zero) as f64 / total as f64;
        assert!(
            magnitude >= 0.995,
            "{rel}: magnitude agreement {magnitude:.4}"
        );
        let both = (ok + dash_zero) as f64 / total as f64;
        assert!(
            both >= 0.995,
            "{rel}: magnitude and sign agreement {both:.4}"
        );
    }
}

/// Every fixture filing runs (rows the host accepts); ids are unique; cell table ids exist.
#[test]
fn all_fixtures_extract() {
    for rel in testing::fixture_filings() {
        let (doc, out) = run(&rel);
        let (tables, cells) = (testing::rows(&out[0]), testing::rows(&out[1]));
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        for r in &tables {
            *kinds.entry(r.str("kind").to_string()).or_default() += 1;
        }
        let synthetic = tables
            .iter()
            .filter(|r| r.int("table_index") as usize >= doc.tables.len())
            .count();
        eprintln!(
            "{}: {} tables {:?} ({} from preformatted text), {} cells",
            rel.rsplit('/').next().unwrap(),
            tables.len(),
            kinds,
            synthetic,
            cells.len()
        );
        let ids: std::collections::HashSet<&str> = tables.iter().map(|r| r.str("id")).collect();
        assert_eq!(ids.len(), tables.len());
        let cids: std::collections::HashSet<&str> = cells.iter().map(|r| r.str("id")).collect();
        assert_eq!(cids.len(), cells.len());
        assert!(cells.iter().all(|r| ids.contains(r.str("table_id"))));
    }
}

/// The tagged cell (one holding an inline-XBRL fact) of a table whose caption contains
/// `caption`, in row `label`, under a column header ending in `col`.
fn find<'a>(out: &'a [TableRows], caption: &str, label: &str, col: &str) -> &'a [Value] {
    let (tables, cells) = (&out[0], &out[1]);
    let idx: Vec<i64> = tables
        .rows
        .iter()
        .filter(|t| {
            tables
                .get(t, "caption")
                .as_str()
                .is_some_and(|c| c.contains(caption))
        })
        .filter_map(|t| tables.get(t, "table_index").as_i64())
        .collect();
    cells
        .rows
        .iter()
        .find(|r| {
            cells
                .get(r, "table_index")
                .as_i64()
                .is_some_and(|i| idx.contains(&i))
                && cells.get(r, "xbrl_concept").as_str().is_some()
                && cells.get(r, "row_label").as_str() == Some(label)
                && cells
                    .get(r, "column_header")
                    .as_str()
                    .is_some_and(|h| h.ends_with(col))
        })
        .unwrap_or_else(|| panic!("no cell {caption:?} / {label:?} / {col:?}"))
}

fn vn(cells: &TableRows, row: &[Value]) -> f64 {
    f(cells.get(row, "value_normalized")).expect("a value")
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// GameStop prints "(Tabular amounts in millions, except per share amounts)" under the page
/// header of every page of its notes, and most note tables carry no note of their own.
#[test]
fn gamestop_running_note_scales_the_notes_tables() {
    let (_, out) = run("10-K/GME_0001326380-24-000012.html");
    let cells = &out[1];
    let c = find(
        &out,
        "net sales by significant product category",
        "Software (2)",
        "2023",
    );
    assert!(near(vn(cells, c), 1_522.0e6), "{c:?}");
    // Share counts printed to the share stay as printed; grant-date fair values are per share.
    let c = find(&out, "summary of our RSUs activity", "Granted", "Shares");
    assert_eq!(vn(cells, c), 2_425_236.0);
    let c = find(
        &out,
        "summary of our RSUs activity",
        "Granted",
        "Fair Value",
    );
    assert_eq!(vn(cells, c), 17.27);
    // Weighted-average shares printed in millions ("305.1") follow the note.
    let c = find(
        &out,
        "reconciliation of shares used",
        "Weighted-average common shares outstanding",
        "2023",
    );
    assert!(near(vn(cells, c), 305.1e6), "{c:?}");
    // The rate reconciliation: "%" only on the first and last rows; the lines between are
    // percentages too, and "(3.6)" followed by a "%" cell is -3.6 %.
    let c = find(
        &out,
        "reconciliation of income tax expense",
        "State income taxes, net of federal effect",
        "2023",
    );
    assert!(near(vn(cells, c), 1.515), "{c:?}");
    let cap = "reconciliation of income tax expense";
    let (tables, cells) = (&out[0], &out[1]);
    let ti = tables
        .rows
        .iter()
        .find(|t| {
            tables
                .get(t, "caption")
                .as_str()
                .is_some_and(|c| c.contains(cap))
        })
        .and_then(|t| tables.get(t, "table_index").as_i64())
        .unwrap();
    let effective_2022 = cells
        .rows
        .iter()
        .find(|r| {
            cells.get(r, "table_index").as_i64() == Some(ti)
                && cells.get(r, "raw_text").as_str() == Some("(3.6)%")
        })
        .expect("(3.6) and % joined");
    assert!(near(vn(cells, effective_2022), -0.036));
}

/// Apple's cash-flow statement prints a decrease in receivables as a positive adjustment
/// ("7,609") and tags it IncreaseDecreaseInAccountsReceivable with sign="-".
#[test]
fn apple_sign_minus_facts_printed_positive_are_negative_when_normalised() {
    let (_, out) = run("10-Q/AAPL_0000320193-23-000077.html");
    let cells = &out[1];
    let c = cells
        .rows
        .iter()
        .find(|r| {
            cells.get(r, "xbrl_concept").as_str()
                == Some("us-gaap:IncreaseDecreaseInAccountsReceivable")
                && cells.get(r, "raw_text").as_str() == Some("7,609")
        })
        .expect("the receivables cell");
    assert_eq!(f(cells.get(c, "value")), Some(7609.0), "display kept");
    assert_eq!(vn(cells, c), -7609e6);
    assert_eq!(f(cells.get(c, "xbrl_value")), Some(-7609e6));
    assert!(cells.get(c, "xbrl_fact_index").as_i64().is_some());
}
