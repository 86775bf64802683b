//! Ingest over the 27 real filings in `tests/fixtures/filings`, plus error and robustness
//! cases.

#[path = "../../../tests/support/paths.rs"]
mod paths;
use paths::manifest_dir;

use std::path::{Path, PathBuf};

use finloom_ingest::{discover, read_filing, read_filing_bytes, IngestError, MetadataSource};
use finloom_plugin_api::{BlockKind, Document};

fn fixtures() -> PathBuf {
    manifest_dir().join("../../tests/fixtures/filings")
}

fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// Checks every documented invariant of the model.
fn check_document(d: &Document, what: &str) {
    let text = d.text.as_str();
    assert!(!d.blocks.is_empty(), "{what}: no blocks");
    let mut prev_end = None;
    for (i, b) in d.blocks.iter().enumerate() {
        let (s, e) = (b.start as usize, b.end as usize);
        assert!(s < e && e <= text.len(), "{what}: block {i} span {s}..{e}");
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(e),
            "{what}: block {i} boundary"
        );
        match prev_end {
            None => assert_eq!(s, 0, "{what}: text must start with the first block"),
            Some(pe) => assert_eq!(&text[pe..s], "\n\n", "{what}: separator before block {i}"),
        }
        prev_end = Some(e);
        let bt = d.block_text(b);
        assert!(!bt.trim().is_empty(), "{what}: block {i} empty");
        if b.kind == BlockKind::Preformatted {
            assert!(
                bt.lines().all(|l| l == l.trim_end()),
                "{what}: block {i} trailing spaces"
            );
        }
        if b.kind == BlockKind::Paragraph {
            assert_eq!(bt, bt.trim(), "{what}: block {i} not trimmed");
            assert!(
                !bt.contains('\n') && !bt.contains("  "),
                "{what}: block {i} not folded: {bt:?}"
            );
        }
        assert!(!bt.contains('\u{A0}'), "{what}: nbsp left in block {i}");
        if b.kind == BlockKind::Table {
            let t = &d.tables[b.table as usize];
            assert_eq!(t.block as usize, i, "{what}: table back-reference");
            let rows: Vec<String> = t
                .rows
                .iter()
                .map(|r| {
                    r.cells
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .collect();
            assert_eq!(bt, rows.join("\n"), "{what}: table {} text", b.table);
            for r in t.rows.iter() {
                for c in r.cells.iter() {
                    assert!((1..=1000).contains(&c.colspan) && (1..=1000).contains(&c.rowspan));
                    for &fi in c.facts.iter() {
                        let f = &d.facts[fi as usize];
                        assert!(f.numeric);
                        assert!(
                            f.start >= b.start && f.end <= b.end,
                            "{what}: cell fact outside table"
                        );
                    }
                }
            }
        } else {
            assert_eq!(b.table, -1);
        }
    }
    assert_eq!(
        prev_end,
        Some(text.len()),
        "{what}: text must end with the last block"
    );
    let mut last_start = 0;
    for (i, f) in d.facts.iter().enumerate() {
        let (s, e) = (f.start as usize, f.end as usize);
        assert!(s <= e && e <= text.len(), "{what}: fact {i} span");
        assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
        assert_eq!(&text[s..e], f.display.as_str(), "{what}: fact {i} display");
        assert!(!f.name.is_empty(), "{what}: fact {i} without name");
        assert!(
            s >= last_start || f.display.is_empty(),
            "{what}: facts out of order at {i}"
        );
        if !f.display.is_empty() {
            last_start = s;
        }
    }
}

#[test]
fn every_fixture_loads() {
    let files = discover(&fixtures()).unwrap();
    assert_eq!(files.len(), 27, "{files:?}");
    for p in &files {
        let f = read_filing(p).unwrap_or_else(|e| panic!("{e}"));
        let what = p.display().to_string();
        let m = &f.meta;
        assert!(!m.accession_number.is_empty(), "{what}");
        assert!(
            ["10-K", "10-Q", "8-K"].contains(&m.form_type.as_str()),
            "{what}: form {}",
            m.form_type
        );
        // The form agrees with the fixture folder.
        let folder = p.parent().unwrap().file_name().unwrap().to_str().unwrap();
        assert_eq!(m.form_type.as_str(), folder, "{what}");
        for d in [&m.filed_date, &m.period_of_report] {
            assert!(
                d.is_empty() || (d.len() == 10 && &d[4..5] == "-"),
                "{what}: date {d}"
            );
        }
        assert!(
            m.cik.is_empty() || m.cik.len() == 10,
            "{what}: cik {}",
            m.cik
        );
        assert_eq!(f.source_hash.len(), 64);
        assert_eq!(m.source_path.as_str(), p.to_string_lossy());
        check_document(&f.document, &what);
        let is_html = f.document.format == finloom_plugin_api::DocFormat::Html;
        if is_html {
            assert!(!f.document.tables.is_empty(), "{what}: no tables");
        }
        assert!(!f.document.raw.is_empty());
    }
}

fn meta_of(rel: &str) -> finloom_ingest::Filing {
    read_filing(&fixture(rel)).unwrap()
}

#[test]
fn metadata_apple_1994_pem_wrapped_text() {
    let f = meta_of("10-K/AAPL_0000320193-94-000016.txt");
    let m = &f.meta;
    assert_eq!(m.accession_number.as_str(), "0000320193-94-000016");
    assert_eq!(m.form_type.as_str(), "10-K");
    assert_eq!(m.cik.as_str(), "0000320193");
    assert_eq!(m.company_name.as_str(), "APPLE COMPUTER INC");
    assert_eq!(m.filed_date.as_str(), "1994-12-13");
    assert_eq!(m.period_of_report.as_str(), "1994-09-30");
    assert_eq!(f.metadata_source, MetadataSource::Header);
    assert_eq!(f.primary_doc_type, "10-K");
    let d = &f.document;
    assert_eq!(d.format, finloom_plugin_api::DocFormat::Text);
    assert!(d.blocks.iter().all(|b| b.kind == BlockKind::Preformatted));
    // <PAGE> markers removed and turned into page breaks; SGML table tags stripped.
    assert!(!d.text.contains("<PAGE>") && !d.text.contains("<S>") && !d.text.contains("<C>"));
    assert!(
        d.blocks
            .iter()
            .filter(|b| b.style.page_break_before)
            .count()
            > 20
    );
    // Only the primary document, not the exhibits (EX-27 financial data schedule tags).
    assert!(!d.text.contains("TOTAL-ASSETS"));
    assert!(d.text.contains("Item 1."));
}

#[test]
fn metadata_apple_2024_ixbrl() {
    let f = meta_of("10-K/AAPL_0000320193-24-000123.html");
    let m = &f.meta;
    assert_eq!(m.accession_number.as_str(), "0000320193-24-000123");
    assert_eq!(m.form_type.as_str(), "10-K");
    assert_eq!(m.cik.as_str(), "0000320193");
    assert_eq!(m.company_name.as_str(), "Apple Inc.");
    assert_eq!(m.filed_date.as_str(), "");
    assert_eq!(m.period_of_report.as_str(), "2024-09-28");
    assert_eq!(f.metadata_source, MetadataSource::InlineXbrl);
    assert_eq!(
        f.field_sources.accession_number,
        Some(MetadataSource::FileName)
    );

    let d = &f.document;
    assert!(d.facts.len() > 1000, "{} facts", d.facts.len());
    let numeric = d.facts.iter().filter(|f| f.numeric).count();
    assert!(numeric > 900);
    // Hidden ix:header content is not in the text.
    for junk in [
        "http://fasb.org",
        "iso4217:USD",
        "xbrli:shares",
        "P856D",
        "aapl:Vendor",
    ] {
        assert!(
            !d.text.contains(junk),
            "hidden content {junk:?} leaked into text"
        );
    }
    assert!(!d.text.starts_with("false"));
    // Numeric facts are attached to table cells.
    let cell_facts: usize = d
        .tables
        .iter()
        .flat_map(|t| t.rows.iter())
        .flat_map(|r| r.cells.iter())
        .map(|c| c.facts.len())
        .sum();
    assert!(cell_facts > 700, "{cell_facts} facts in cells");
    // A known fact: total net sales 391,035 (millions).
    let sales = d
        .facts
        .iter()
        .find(|f| {
            f.name.as_str() == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
                && f.display.as_str() == "391,035"
        })
        .expect("net sales fact");
    assert_eq!(sales.scale, 6);
    assert_eq!(sales.unit_ref.as_str(), "usd");
    // TextBlocks (notes) contain nested numeric facts.
    let tb = d
        .facts
        .iter()
        .position(|f| f.name.ends_with("TextBlock") && f.end - f.start > 1000)
        .expect("a text block");
    let (s, e) = (d.facts[tb].start, d.facts[tb].end);
    assert!(d.facts[tb + 1..]
        .iter()
        .any(|f| f.numeric && f.start >= s && f.end <= e));
    // Headings keep their style hints.
    let part1 = d
        .blocks
        .iter()
        .find(|b| d.block_text(b) == "PART I")
        .unwrap();
    assert!(part1.style.bold && part1.style.all_caps);
    assert!(d.blocks.iter().any(|b| b.style.page_break_before));
}

#[test]
fn metadata_apple_2023_10q() {
    let f = meta_of("10-Q/AAPL_0000320193-23-000077.html");
    let m = &f.meta;
    assert_eq!(m.accession_number.as_str(), "0000320193-23-000077");
    assert_eq!(m.form_type.as_str(), "10-Q");
    assert_eq!(m.cik.as_str(), "0000320193");
    assert_eq!(m.company_name.as_str(), "Apple Inc.");
    assert_eq!(m.filed_date.as_str(), "");
    assert_eq!(m.period_of_report.as_str(), "2023-07-01");
    assert!(f.document.facts.len() > 500);
}

#[test]
fn metadata_envelope_8k() {
    let f = meta_of("8-K/1001426_0001275287-05-004848.htm");
    let m = &f.meta;
    assert_eq!(m.accession_number.as_str(), "0001275287-05-004848");
    assert_eq!(m.form_type.as_str(), "8-K");
    assert_eq!(m.cik.as_str(), "0001001426");
    assert_eq!(m.company_name.as_str(), "PERICOM SEMICONDUCTOR CORPORATION");
    assert_eq!(m.filed_date.as_str(), "");
    assert_eq!(m.period_of_report.as_str(), "2005-11-30");
    assert_eq!(f.field_sources.form_type, Some(MetadataSource::Envelope));
    assert_eq!(f.primary_filename, "ps4240.htm");
    // The envelope is not part of the document.
    assert!(!f.document.text.contains("ps4240.htm"));
    assert!(!f.document.raw.contains("<SEQUENCE>"));
}

#[test]
fn metadata_unknown_accession() {
    let f = meta_of("10-K/RESC_2003-10-31.html");
    let m = &f.meta;
    assert_eq!(m.accession_number.as_str(), "RESC_2003-10-31");
    assert_eq!(
        f.field_sources.accession_number,
        Some(MetadataSource::FileStem)
    );
    assert!(f.warnings.iter().any(|w| w.contains("accession")));
    assert_eq!(m.form_type.as_str(), "10-K");
    assert_eq!(m.cik.as_str(), "");
    assert_eq!(
        m.company_name.as_str(),
        "ROANOKE ELECTRIC STEEL CORPORATION"
    );
    assert_eq!(m.filed_date.as_str(), "");
    assert_eq!(m.period_of_report.as_str(), "2003-10-31");
}

#[test]
fn metadata_submission_with_ixbrl_primary() {
    let f = meta_of("8-K/BCOW_0000943374-24-000509.txt");
    let m = &f.meta;
    assert_eq!(m.accession_number.as_str(), "0000943374-24-000509");
    assert_eq!(m.form_type.as_str(), "8-K");
    assert_eq!(m.cik.as_str(), "0001847360");
    assert_eq!(
        m.company_name.as_str(),
        "1895 Bancorp of Wisconsin, Inc. /MD/"
    );
    assert_eq!(m.filed_date.as_str(), "2024-12-27");
    assert_eq!(m.period_of_report.as_str(), "2024-12-20");
    assert_eq!(f.metadata_source, MetadataSource::Header);
    assert_eq!(f.primary_doc_type, "8-K");
    assert_eq!(f.document.format, finloom_plugin_api::DocFormat::Html);
    assert!(!f.document.facts.is_empty());
    // Exhibits are not part of the primary document.
    assert!(!f.document.raw.contains("<TYPE>EX-"));
}

#[test]
fn truncated_exhibit_is_a_warning() {
    // The 1997 10-Q fixture is cut off inside its last exhibit (EX-27).
    let f = meta_of("10-Q/AAPL_0000320193-97-000011.txt");
    assert!(f
        .warnings
        .iter()
        .any(|w| w.contains("EX-27") && w.contains("truncated")));
    assert_eq!(f.meta.period_of_report.as_str(), "1997-03-28");
}

#[test]
fn deterministic() {
    for rel in [
        "10-K/GAXY_2021-06-30.html",
        "10-K/AAPL_0000320193-94-000016.txt",
        "8-K/ORCL_2024-11-14.html",
    ] {
        let a = meta_of(rel);
        let b = meta_of(rel);
        assert_eq!(a.meta, b.meta);
        assert_eq!(a.document, b.document);
        assert_eq!(a.source_hash, b.source_hash);
        assert_eq!(a.warnings, b.warnings);
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let p = Path::new("x/10-K/0000000001-24-000001.txt");
    let e = read_filing_bytes(p, b"").unwrap_err();
    assert!(matches!(e, IngestError::Empty { .. }), "{e}");
    assert!(e.to_string().contains("empty"));
    assert!(matches!(
        read_filing_bytes(p, b" \n\t\n").unwrap_err(),
        IngestError::Empty { .. }
    ));

    let mut bin = b"%PDF-1.4\n".to_vec();
    bin.extend((0..4000u32).map(|i| (i % 32) as u8));
    let e = read_filing_bytes(p, &bin).unwrap_err();
    assert!(matches!(e, IngestError::Binary { .. }), "{e}");
    assert!(e.to_string().contains("not a text file"));

    let header_only = b"<SEC-DOCUMENT>x\n<SEC-HEADER>x\nACCESSION NUMBER:\t0000000001-24-000001\nCONFORMED SUBMISSION TYPE:\t10-K\n</SEC-HEADER>\n";
    let e = read_filing_bytes(p, header_only).unwrap_err();
    assert!(matches!(e, IngestError::NoDocuments { .. }), "{e}");
    assert!(e.to_string().contains("no <DOCUMENT>"));

    let mut unclosed = header_only.to_vec();
    unclosed
        .extend_from_slice(b"<DOCUMENT>\n<TYPE>10-K\n<TEXT>\nITEM 1. BUSINESS\n\nWe make things");
    let e = read_filing_bytes(p, &unclosed).unwrap_err();
    assert!(matches!(e, IngestError::UnclosedDocument { .. }), "{e}");
    assert!(e.to_string().contains("never closed"));

    let e = read_filing(Path::new("/nonexistent/dir/file.txt")).unwrap_err();
    assert!(matches!(e, IngestError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/dir/file.txt"));
}

#[test]
fn windows_1252_filing() {
    let bytes = b"<html><body><p>The Company\x92s \x93net sales\x94 rose 5\xA0% \x96 see Item\xA07.</p></body></html>";
    let f = read_filing_bytes(Path::new("in/10-K/ACME_0000000001-24-000001.htm"), bytes).unwrap();
    assert_eq!(
        f.document.text.as_str(),
        "The Company\u{2019}s \u{201C}net sales\u{201D} rose 5 % \u{2013} see Item 7."
    );
    assert_eq!(f.meta.accession_number.as_str(), "0000000001-24-000001");
    assert_eq!(f.meta.form_type.as_str(), "10-K");
    assert!(f.warnings.iter().any(|w| w.contains("Windows-1252")));
}

#[test]
fn plain_text_file_without_sgml() {
    let f = read_filing_bytes(
        Path::new("d/8-K/1234567_8K_2001_0001234567-01-000001.txt"),
        b"FORM 8-K\n\nItem 5. Other Events\n\nSomething happened.\n",
    )
    .unwrap();
    assert_eq!(f.meta.cik.as_str(), "0001234567");
    assert_eq!(f.meta.form_type.as_str(), "8-K");
    assert_eq!(f.document.blocks.len(), 3);
}

/// A 1990s table with a `<font>` left open in every cell, then more document: nothing is
/// nested, so nothing is removed — the later headings stay blocks of their own and the
/// later table stays a table.
#[test]
fn fonts_left_open_in_table_cells_lose_no_structure() {
    let rows: String = (0..600)
        .map(|i| format!("<tr><td><font size=2>Line {i}</td><td><font size=2>{i},000</td></tr>"))
        .collect();
    let html = format!(
        "<html><body><p><b>Item 2.02 Results of Operations.</b></p><table>{rows}</table>\
         <div><b>Item 9.01 Financial Statements and Exhibits.</b></div>\
         <div><table><tr><td>Net income</td><td>1,234</td></tr></table></div></body></html>"
    );
    let f =
        read_filing_bytes(Path::new("x/8-K/0000000001-05-000001.htm"), html.as_bytes()).unwrap();
    assert!(
        !f.warnings.iter().any(|w| w.contains("nested deeper")),
        "{:?}",
        f.warnings
    );
    let d = &f.document;
    assert_eq!(d.tables.len(), 2);
    assert!(d.blocks.iter().any(|b| {
        d.text[b.start as usize..b.end as usize].trim()
            == "Item 9.01 Financial Statements and Exhibits."
            && b.style.bold
    }));
}

#[test]
fn deep_nesting_does_not_crash() {
    let n = 100_000;
    for (open, close) in [
        ("<div>", "</div>"),
        ("<span>", "</span>"),
        ("<b>", "</b>"),
        ("<font>", "</font>"),
        ("<ix:nonNumeric name=\"a:B\">", "</ix:nonNumeric>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<ul><li>", "</li></ul>"),
        ("<dl><dd>", "</dd></dl>"),
        ("<div><span>", "</span></div>"),
    ] {
        let html = format!(
            "<html><body><p>start</p>{}deep text{}<p>end</p></body></html>",
            open.repeat(n),
            close.repeat(n)
        );
        let t = std::time::Instant::now();
        let f = read_filing_bytes(
            Path::new("x/10-K/0000000001-24-000001.htm"),
            html.as_bytes(),
        )
        .unwrap();
        let d = &f.document;
        assert!(d.text.contains("deep text"), "{open}");
        assert!(
            d.text.starts_with("start") && d.text.ends_with("end"),
            "{open}: {:?}",
            &d.text[..d.text.len().min(200)]
        );
        check_document(d, open);
        assert!(t.elapsed().as_secs() < 60, "{open}: {:?}", t.elapsed());
        if open == "<div>" {
            assert!(
                f.warnings.iter().any(|w| w.contains("nested deeper")),
                "{:?}",
                f.warnings
            );
        }
    }
    // Unclosed tags too.
    let html = format!("<html><body>{}x", "<div>".repeat(n));
    let d = finloom_ingest::parse_html(&html);
    assert_eq!(d.text.as_str(), "x");
}

#[test]
fn discover_is_sorted_recursive_and_skips_hidden() {
    let dir = std::env::temp_dir().join(format!("finloom-ingest-discover-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in [
        "b/2.HTM",
        "a.txt",
        "b/1.html",
        ".hidden/x.txt",
        "b/.y.htm",
        "c/readme.md",
        "c/d/e.Txt",
    ] {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "x").unwrap();
    }
    let got: Vec<String> = discover(&dir)
        .unwrap()
        .iter()
        .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(got, ["a.txt", "b/1.html", "b/2.HTM", "c/d/e.Txt"]);
}

#[test]
fn report_date_printed_above_its_caption() {
    // SPHS prints "March 23, 2016" above "Date of Report (Date of earliest event reported)";
    // the body's "year ended December 31, 2015" must not be taken for an 8-K.
    let f = meta_of("8-K/SPHS_0001437749-16-028287.html");
    assert_eq!(f.meta.period_of_report.as_str(), "2016-03-23");
    assert_eq!(f.meta.company_name.as_str(), "Sophiris Bio Inc.");
}
