//! Fixture tests over real filings in `tests/fixtures/filings/`.
//!
//! The inline-XBRL oracle: every tagged number states its own value (displayed number ×
//! 10^scale, negated when `sign="-"`). Over the cells holding a fact, `value_normalized` must
//! have the fact's magnitude and be negative where the fact is; a mismatch means a wrong
//! scale, a wrong exemption (per-share, shares) or a misparsed number.

use finloom_plugin_api::{Plugin, TableRows, Value};
use finloom_tables_v1::TablesPlugin;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    manifest_dir()
        .join("../../tests/fixtures/filings")
        .join(rel)
}

fn f(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn run(rel: &str) -> (finloom_ingest::Filing, Vec<TableRows>) {
    let filing = finloom_ingest::read_filing(&fixture(rel)).expect("ingest reads the fixture");
    let out = TablesPlugin::extract(&filing.meta, &filing.document, &[], "{}").expect("extract");
    (filing, out)
}

/// Over cells with a fact: (magnitude and sign agree, magnitude agrees, total numeric cells,
/// dash cells tagged as zero, facts in text cells).
fn xbrl_agreement(cells: &TableRows, verbose: bool) -> (usize, usize, usize, usize, usize) {
    let (mut ok, mut mag_ok, mut total, mut dash_zero, mut in_text) = (0, 0, 0, 0, 0);
    let mut shown = 0;
    for r in cells.rows.iter() {
        if cells.get(r, "xbrl_concept").as_str().is_none() {
            continue;
        }
        let Some(xv) = f(cells.get(r, "xbrl_value")) else {
            continue;
        };
        let raw = cells.get(r, "raw_text").as_str().unwrap_or("");
        if !finloom_tables_v1::number::parse_cell_number(raw).numeric_like {
            // A fact inside a text cell (a par value in a row label, a rate range): the cell
            // is text, not a number.
            in_text += 1;
            continue;
        }
        total += 1;
        let vn = f(cells.get(r, "value_normalized"));
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
                cells.get(r, "id").as_str().unwrap_or(""),
                cells.get(r, "raw_text").as_str(),
                cells.get(r, "row_label").as_str(),
                vn,
                xv,
                cells.get(r, "xbrl_concept").as_str()
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
    ] {
        let (filing, out) = run(rel);
        let cells = &out[1];
        let (ok, mag_ok, total, dash_zero, in_text) = xbrl_agreement(cells, true);
        let numeric_facts = filing.document.facts.iter().filter(|f| f.numeric).count();
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
    }
}

/// Every fixture filing runs; ids are unique; cell table ids exist.
#[test]
fn all_fixtures_extract() {
    let root = fixture("");
    let mut paths: Vec<PathBuf> = Vec::new();
    for form in ["10-K", "10-Q", "8-K"] {
        for e in std::fs::read_dir(root.join(form)).unwrap() {
            paths.push(e.unwrap().path());
        }
    }
    paths.sort();
    for p in paths {
        let Ok(filing) = finloom_ingest::read_filing(&p) else {
            eprintln!("{}: ingest failed, skipped", p.display());
            continue;
        };
        let out = TablesPlugin::extract(&filing.meta, &filing.document, &[], "{}")
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let (tables, cells) = (&out[0], &out[1]);
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        for r in tables.rows.iter() {
            *kinds
                .entry(tables.get(r, "kind").as_str().unwrap().to_string())
                .or_default() += 1;
        }
        let synthetic = tables
            .rows
            .iter()
            .filter(|r| {
                tables.get(r, "table_index").as_i64().unwrap() as usize
                    >= filing.document.tables.len()
            })
            .count();
        eprintln!(
            "{}: {} tables {:?} ({} from preformatted text), {} cells",
            p.file_name().unwrap().to_string_lossy(),
            tables.rows.len(),
            kinds,
            synthetic,
            cells.rows.len()
        );
        let ids: std::collections::HashSet<&str> = tables
            .rows
            .iter()
            .map(|r| tables.get(r, "id").as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), tables.rows.len());
        let cids: std::collections::HashSet<&str> = cells
            .rows
            .iter()
            .map(|r| cells.get(r, "id").as_str().unwrap())
            .collect();
        assert_eq!(cids.len(), cells.rows.len());
        assert!(cells
            .rows
            .iter()
            .all(|r| ids.contains(cells.get(r, "table_id").as_str().unwrap())));
    }
}

/// The package directory, read at run time: `cargo test` sets it for the test process. The
/// compile-time value is only a fallback, because a test binary that cargo considers fresh may
/// have been compiled from another checkout sharing the same target directory (CI does that).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
