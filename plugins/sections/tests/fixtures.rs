//! Fixtures in, rows out: real EDGAR filings from `tests/fixtures/filings/` are read with
//! `finloom_ingest::read_filing` (through `finloom_plugin_kit::testing`) and split into
//! sections; the item sets are compared with what peer tools found (`tests/fixtures/expected/`).
//! Each test prints a comparison table (`cargo test -- --nocapture` to see it).

// `snapshots` finds the snapshot folder through `paths`.
#[path = "../../../tests/support/paths.rs"]
mod paths;
#[path = "../../../tests/support/snapshots.rs"]
mod snapshots;
use snapshots::snapshots;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use finloom_plugin_kit::testing;
use finloom_sections_v1::{extract_sections, Config, Section, Sections};

/// finloom's `tests/fixtures` (sample filings under `filings/`, peer results under
/// `expected/`).
fn fixtures() -> PathBuf {
    testing::fixtures_dir()
}

fn run(rel: &str) -> Vec<Section> {
    let (meta, doc) = testing::load(fixtures().join(rel));
    extract_sections(&meta, &doc, &Config::default())
        .unwrap_or_else(|e| panic!("extract_sections({rel}): {e}"))
}

/// Peer item sets from `expected/sections.jsonl`, by (file, source).
fn peer_items() -> BTreeMap<(String, String), BTreeSet<String>> {
    let text = std::fs::read_to_string(fixtures().join("expected/sections.jsonl")).unwrap();
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = (
            v["file"].as_str().unwrap().to_string(),
            v["source"].as_str().unwrap().to_string(),
        );
        out.entry(key)
            .or_default()
            .insert(v["item"].as_str().unwrap().to_string());
    }
    out
}

/// Non-empty `item_*` keys of an edgar-crawler 8-K JSON.
fn edgar_crawler_items(name: &str) -> BTreeSet<String> {
    let p = fixtures().join("expected/edgar-crawler-8k").join(name);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| k.starts_with("item_") && v.as_str().is_some_and(|s| !s.trim().is_empty()))
        .map(|(k, _)| k.clone())
        .collect()
}

fn ours(s: &[Section]) -> BTreeSet<String> {
    s.iter().map(|s| s.section_type.clone()).collect()
}

fn fmt(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(",")
}

/// Prints one comparison line per filing and returns the filings that differ.
fn compare(rows: &[(String, BTreeSet<String>, BTreeSet<String>)]) -> Vec<String> {
    println!("\n{:<55} {:<6} ours / peer (diff)", "filing", "match");
    let mut bad = Vec::new();
    for (name, ours, peer) in rows {
        let ok = ours == peer;
        let missing: Vec<_> = peer.difference(ours).cloned().collect();
        let extra: Vec<_> = ours.difference(peer).cloned().collect();
        println!(
            "{name:<55} {:<6} {} / {}{}",
            if ok { "yes" } else { "NO" },
            fmt(ours),
            fmt(peer),
            if ok {
                String::new()
            } else {
                format!("  (missing {missing:?}, extra {extra:?})")
            }
        );
        if !ok {
            bad.push(name.clone());
        }
    }
    bad
}

#[test]
fn eight_k_item_sets_match_edgar_crawler() {
    let files = [
        "1000180_0000950123-10-080629.htm",
        "1000685_0001000685-97-000006.txt",
        "1001258_0001125282-04-000379.txt",
        "1001426_0001275287-05-004848.htm",
        "1002022_0000912057-00-043726.txt",
        "1002047_0001564590-21-031393.htm",
        "1002517_0000950135-08-006327.htm",
        "108516_0001193125-23-289222.htm",
    ];
    let mut rows = Vec::new();
    for f in files {
        let stem = f.rsplit_once('.').unwrap().0;
        let peer = edgar_crawler_items(&format!("{stem}.json"));
        let s = run(&format!("filings/8-K/{f}"));
        rows.push((f.to_string(), ours(&s), peer));
    }
    let bad = compare(&rows);
    assert!(
        bad.is_empty(),
        "8-K item sets differ from edgar-crawler: {bad:?}"
    );
}

#[test]
fn ten_k_item_sets_match_secapi() {
    let peers = peer_items();
    let mut rows = Vec::new();
    for f in [
        "AAPL_0000320193-24-000123.html",
        "GME_0001326380-24-000012.html",
        "IBM_0000051143-24-000012.html",
    ] {
        let rel = format!("filings/10-K/{f}");
        let peer = peers[&(rel.clone(), "secapi".to_string())].clone();
        // sec-api never reports Items 1C, 9C and 16 (see the fixtures README).
        let mine: BTreeSet<String> = ours(&run(&rel))
            .into_iter()
            .filter(|t| !matches!(t.as_str(), "item_1c" | "item_9c" | "item_16"))
            .collect();
        rows.push((f.to_string(), mine, peer));
    }
    let bad = compare(&rows);
    assert!(
        bad.is_empty(),
        "10-K item sets differ from sec-api: {bad:?}"
    );
}

#[test]
fn ten_q_item_sets_match_sec_parser() {
    let peers = peer_items();
    let mut rows = Vec::new();
    for (f, source) in [
        ("AAPL_0000320193-23-000077.html", "sec-parser"),
        ("META_0001326801-19-000037.html", "sec-parser"),
        ("AA_0001193125-18-236766.html", "secapi"),
    ] {
        let rel = format!("filings/10-Q/{f}");
        let peer = peers[&(rel.clone(), source.to_string())].clone();
        rows.push((format!("{f} ({source})"), ours(&run(&rel)), peer));
    }
    let bad = compare(&rows);
    assert!(bad.is_empty(), "10-Q item sets differ from peers: {bad:?}");
}

/// Invariants every filing of the corpus must satisfy.
#[test]
fn all_fixtures_invariants() {
    println!();
    for rel in testing::fixture_filings() {
        let rel = format!("filings/{rel}");
        let (meta, doc) = testing::load(fixtures().join(&rel));
        let a = extract_sections(&meta, &doc, &Config::default()).unwrap();
        let b = extract_sections(&meta, &doc, &Config::default()).unwrap();
        assert_eq!(a, b, "{rel}: not deterministic");
        // As the plugin: rows the host accepts, one per section.
        let rows = testing::extract_one::<Sections>(&meta, &doc, &[], "{}");
        assert_eq!(rows.rows.len(), a.len(), "{rel}");
        println!(
            "{rel:<55} {}",
            a.iter()
                .map(|s| s.section_type.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let total_chars = doc.text.chars().count();
        let mut seen = BTreeSet::new();
        let mut prev_end = 0;
        for (i, s) in a.iter().enumerate() {
            assert!(
                seen.insert(s.section_type.clone()),
                "{rel}: duplicate {}",
                s.section_type
            );
            assert_eq!(s.section_index, i);
            assert!(
                s.char_start < s.char_end && s.char_end <= total_chars,
                "{rel}: offsets"
            );
            // Items that share one heading or one part body share its range.
            let shared = matches!(s.method, "combined_heading" | "part_body")
                && i > 0
                && a[i - 1].char_start == s.char_start;
            assert!(
                s.char_start >= prev_end || shared,
                "{rel}: sections overlap"
            );
            prev_end = s.char_end;
            assert!((0.0..=1.0).contains(&s.confidence));
            assert!(s.id.ends_with(&format!("/sec/{}", s.section_type)));
            // The heading is where char_start points.
            let head: String = doc.text.chars().skip(s.char_start).take(60).collect();
            let head = head.to_ascii_lowercase();
            assert!(
                head.contains("item")
                    || (s.method == "part_body" && head.contains("part"))
                    || (s.section_type == "executive_officers"
                        && head.contains("executive officers")),
                "{rel}: {} starts with {head:?}",
                s.section_type
            );
        }
    }
}

fn snapshot_of(rel: &str) -> String {
    run(rel)
        .iter()
        .map(|s| {
            format!(
                "{:<14} {:<25} {:>6}  {:<13} {}",
                s.section_type,
                s.status,
                s.word_count,
                s.method,
                s.title.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn snapshot_aapl_10k_2024() {
    snapshots().bind(|| {
        insta::assert_snapshot!(snapshot_of("filings/10-K/AAPL_0000320193-24-000123.html"))
    });
}

#[test]
fn snapshot_aapl_10k_1994_plain_text() {
    snapshots().bind(|| {
        insta::assert_snapshot!(snapshot_of("filings/10-K/AAPL_0000320193-94-000016.txt"))
    });
}

#[test]
fn snapshot_medicis_10k_1999() {
    snapshots().bind(|| {
        insta::assert_snapshot!(snapshot_of(
            "filings/10-K/MEDICIS_0000950153-99-001234.html"
        ))
    });
}

#[test]
fn snapshot_aapl_10q_1997_plain_text() {
    snapshots().bind(|| {
        insta::assert_snapshot!(snapshot_of("filings/10-Q/AAPL_0000320193-97-000011.txt"))
    });
}

#[test]
fn snapshot_lge_ku_8k_2003() {
    snapshots().bind(|| {
        insta::assert_snapshot!(snapshot_of("filings/8-K/LGE-KU_0001104659-03-004925.html"))
    });
}

/// Inline XBRL: the facts hidden in `ix:header` (`ix:hidden`: "false", "FY", the CIK,
/// `http://fasb.org/us-gaap/2024#…` member URIs, contexts) are not document text, so no
/// section carries them.
#[test]
fn inline_xbrl_hidden_facts_are_not_section_text() {
    for rel in [
        "filings/10-K/AAPL_0000320193-24-000123.html",
        "filings/10-K/GME_0001326380-24-000012.html",
        "filings/10-K/IBM_0000051143-24-000012.html",
        "filings/10-K/GAXY_2021-06-30.html",
        "filings/10-Q/AAPL_0000320193-23-000077.html",
    ] {
        let s = run(rel);
        assert!(!s.is_empty(), "{rel}");
        for x in &s {
            for hidden in ["fasb.org/us-gaap", "xbrli:", "iso4217", "ix:header", "dei:"] {
                assert!(
                    !x.text.contains(hidden),
                    "{rel} {}: contains {hidden:?}",
                    x.section_type
                );
            }
        }
    }
}

/// Where sec-parser is wrong and we are right: in both hand-reviewed 10-Qs
/// (AAPL 0000320193-23-000077, META 0001326801-19-000037) sec-parser's Part II Item 6 runs on
/// into the signature block ("SIGNATURE(S)" / "Pursuant to the requirements of the Securities
/// Exchange Act of 1934…"), which belongs to no item. Our Item 6 stops at the SIGNATURES
/// heading; `finloom eval sections` cuts the peer text at that line before comparing and says
/// so in its report.
#[test]
fn ten_q_item_6_stops_at_signatures_where_sec_parser_runs_on() {
    let text = std::fs::read_to_string(fixtures().join("expected/sections.jsonl")).unwrap();
    for (rel, acc) in [
        (
            "filings/10-Q/AAPL_0000320193-23-000077.html",
            "0000320193-23-000077",
        ),
        (
            "filings/10-Q/META_0001326801-19-000037.html",
            "0001326801-19-000037",
        ),
    ] {
        let peer = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| {
                v["accession"] == acc && v["source"] == "sec-parser" && v["item"] == "part2_item6"
            })
            .unwrap();
        let peer_text = peer["text"].as_str().unwrap();
        assert!(
            peer_text.contains("Pursuant to the requirements of the Securities Exchange Act"),
            "{rel}: the peer's Item 6 includes the signature block"
        );
        let ours = run(rel);
        let item6 = ours
            .iter()
            .find(|s| s.section_type == "part2_item6")
            .unwrap();
        assert!(
            !item6.text.contains("Pursuant to the requirements"),
            "{rel}: our Item 6 must stop at SIGNATURES: {:?}",
            item6.text
        );
        assert!(
            item6.text.contains("[TABLE "),
            "{rel}: the exhibit index is in Item 6"
        );
    }
}

/// Part I's unnumbered "Executive Officers of the Registrant" (General Instruction G(3)) is
/// a section of its own, not the tail of Item 4: Roanoke Electric Steel's 2003 10-K (HTML) and
/// Apple's 1994 10-K (plain text).
#[test]
fn executive_officers_are_their_own_section_not_item_4() {
    for rel in [
        "filings/10-K/RESC_2003-10-31.html",
        "filings/10-K/AAPL_0000320193-94-000016.txt",
    ] {
        let s = run(rel);
        let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
        let eo = types
            .iter()
            .position(|t| *t == "executive_officers")
            .unwrap_or_else(|| panic!("{rel}: no executive_officers in {types:?}"));
        // Right after Item 4, before Part II.
        assert_eq!(types[eo - 1], "item_4", "{rel}: {types:?}");
        assert_eq!(types[eo + 1], "item_5", "{rel}: {types:?}");
        let officers = &s[eo];
        assert!(
            officers
                .title
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("executive officers"),
            "{rel}: {:?}",
            officers.title
        );
        assert!(officers.word_count > 100, "{rel}: {}", officers.word_count);
        assert_eq!(officers.part.as_deref(), Some("part1"));
        let item4 = &s[eo - 1];
        assert!(
            !item4
                .text
                .to_ascii_lowercase()
                .contains("executive officers of the registrant"),
            "{rel}: Item 4 runs on into the executive officers: {}",
            item4.text
        );
    }
}

/// Sections of an excerpt of a 10-K under this crate's tests/fixtures (cut by
/// scripts/lib/excerpt.py from tests/fixtures/EXCERPTS.tsv): the excerpt has no SGML header,
/// so the form is given.
fn run_10k_excerpt(name: &str) -> Vec<Section> {
    run_excerpt(name, "10-K")
}

fn run_excerpt(name: &str, form: &str) -> Vec<Section> {
    let (mut meta, doc) = testing::load(testing::own_fixture(name));
    meta.form_type = form.into();
    extract_sections(&meta, &doc, &Config::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Dell's 2006 10-K prints no Item 10–14 headings: after Item 9B comes "PART III" and one
/// paragraph naming Items 10 to 14 as incorporated by reference from the proxy statement.
/// Item 9B ends at PART III, and each item the paragraph names is stored with that text
/// (an excerpt of the filing, cut by scripts/lib/excerpt.py from
/// plugins/sections/tests/fixtures/EXCERPTS.tsv).
#[test]
fn a_part_body_without_item_headings_speaks_for_the_items_it_names() {
    let s = run_10k_excerpt("DELL_0000950134-06-005149.part-iii-body.html");
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    assert_eq!(
        types,
        ["item_9a", "item_9b", "item_10", "item_11", "item_12", "item_13", "item_14", "item_15"]
    );
    assert_eq!(s[1].text.trim(), "None.", "Item 9B ends at PART III");
    for x in &s[2..7] {
        assert_eq!(x.method, "part_body");
        assert_eq!(x.status, "incorporated_by_reference", "{}", x.section_type);
        assert!(x.text.contains("definitive proxy statement"));
        assert_eq!(x.part.as_deref(), Some("part3"));
    }
}

/// Wells Fargo's 2024 10-K answers most items with a pointer into the Annual Report exhibit
/// ("Information in response to this Item 7 can be found in the 2024 Annual Report to
/// Shareholders under … That information is incorporated into this item by reference."):
/// each such item is found, under its heading laid out in a table, and is
/// `incorporated_by_reference`, not `present`; Item 9 ("Not applicable.") and 9B (its own
/// text) stay `present` (an excerpt, see EXCERPTS.tsv).
#[test]
fn items_that_point_into_the_annual_report_are_incorporated_by_reference() {
    let s = run_10k_excerpt("WFC_0000072971-25-000066.annual-report-pointers.html");
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    assert_eq!(
        types,
        ["item_7", "item_7a", "item_8", "item_9", "item_9a", "item_9b"]
    );
    for x in s
        .iter()
        .filter(|x| ["item_7", "item_7a", "item_8", "item_9a"].contains(&x.section_type.as_str()))
    {
        assert_eq!(
            x.status, "incorporated_by_reference",
            "{}: {}",
            x.section_type, x.text
        );
        assert!(
            x.text.contains("Annual Report to Shareholders"),
            "{}",
            x.section_type
        );
    }
}

/// Microsoft's 2013 10-K heads every page with the item it belongs to ("PART I" / "Item 1A",
/// centered, like a heading) and prints each item's own heading ("ITEM 1A. RISK FACTORS") below
/// the running head of its first page. The running heads are page furniture: Item 1 starts at
/// "ITEM 1. BUSINESS", not at the running head above the forward-looking statements; Item 1
/// and Item 7 end where their page ends, not with the "Item 1A" / "Item 7A" line of the next
/// page; no item's text carries the running heads (an excerpt of the filing, from a public
/// GitHub repository; see EXCERPTS.tsv).
#[test]
fn running_heads_that_name_the_item_are_not_its_heading() {
    let s = run_10k_excerpt("MSFT_0001193125-13-310206.item-headings-and-running-heads.html");
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    assert_eq!(types, ["item_1", "item_1a", "item_7", "item_7a", "item_8"]);
    let titles: Vec<&str> = s.iter().map(|x| x.title.as_deref().unwrap_or("")).collect();
    assert_eq!(
        titles,
        [
            "ITEM 1. BUSINESS",
            "ITEM 1A. RISK FACTORS",
            "ITEM 7. MANAGEMENT\u{2019}S DISCUSSION AND ANALYSIS OF FINANCIAL CONDITION AND RESULTS OF OPERATIONS",
            "ITEM 7A. QUANTITATIVE AND QUALITATIVE DISCLOSURES ABOUT MARKET RISK",
            "ITEM 8. FINANCIAL STATEMENTS AND SUPPLEMENTARY DATA",
        ]
    );
    assert!(s.iter().all(|x| x.method == "heading"));
    let (i1, i1a, i7, i7a, i8) = (&s[0].text, &s[1].text, &s[2].text, &s[3].text, &s[4].text);
    // Item 1 starts with its first sub-heading, after the forward-looking statements.
    assert!(
        i1.starts_with("GENERAL\n\nMicrosoft was founded in 1975."),
        "{i1}"
    );
    assert!(!i1.contains("Forward-Looking"), "{i1}");
    assert!(
        i1.ends_with("The information found on our website is not part of this or any other report we file with, or furnish to, the SEC."),
        "{i1}"
    );
    assert!(i1a.starts_with(
        "Our operations and financial results are subject to various risks and uncertainties"
    ));
    assert!(
        i1a.ends_with("Companies compete with us based on a growing variety of business models.")
    );
    assert!(i7.starts_with("The following Management\u{2019}s Discussion and Analysis"));
    // The statement of management's responsibility sits on the last page of Item 7.
    assert!(i7.ends_with("Chief Accounting Officer"), "{i7}");
    assert!(i7a.starts_with("RISKS\n\nWe are exposed to economic risk from foreign currency"));
    assert!(i7a.ends_with("expect their economic risk and return to correlate with these indices."));
    assert_eq!(i8, "INCOME STATEMENTS");
    for x in &s {
        for line in x.text.lines() {
            let l = line.trim();
            assert!(
                !(l.starts_with("Item ") && l.len() <= 8) && l != "PART I" && l != "PART II",
                "{}: running head {l:?} in the text",
                x.section_type
            );
        }
    }
}

/// General Electric's 2025 10-K prints no item headings: its chapters carry their own captions
/// ("ABOUT GE AEROSPACE.", "RISK FACTORS. The following …" run into their first paragraph) and
/// a "FORM 10-K CROSS REFERENCE INDEX" table near the end maps each item to pages ("4-7, 9-10,
/// 71-73"), to "Not applicable", or to a note under the table ("(b) Incorporated by reference
/// to … in the 2026 Proxy Statement"). Page numbers sit at the foot of each page, on the left
/// of even pages ("74 2025 FORM 10-K") and on the right of odd ones ("2025 FORM 10-K 77"). An
/// excerpt of the filing, from a public GitHub repository (see EXCERPTS.tsv); expectations
/// read off the excerpt.
#[test]
fn cross_reference_index_of_a_real_filing_locates_every_item_it_can() {
    let s = run_10k_excerpt("GE_0000040545-26-000008.cross-reference-index.html");
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    // In document order: the located items, then the index rows that answer "Not
    // applicable", then the notes under the index.
    assert_eq!(
        types,
        [
            "item_1", "item_2", "item_7", "item_1c", "item_1a", "item_10", "item_15", "item_1b",
            "item_4", "item_6", "item_9", "item_9b", "item_9c", "item_16", "item_11", "item_12",
            "item_13", "item_14"
        ]
    );
    assert!(s.iter().all(|x| x.method == "cross_reference_index"));
    let sec = |t: &str| s.iter().find(|x| x.section_type == t).unwrap();
    assert_eq!(sec("item_1").title.as_deref(), Some("Item 1. Business"));
    assert_eq!(
        sec("item_11").title.as_deref(),
        Some("Item 11. Executive Compensation")
    );

    // Item 1 ("4-7, …"): from the top of page 4 to the MD&A heading on page 7.
    let i1 = &sec("item_1").text;
    assert!(i1.starts_with("ABOUT GE AEROSPACE. General Electric Company operates as GE Aerospace"));
    assert!(i1.ends_with("Reports filed with the SEC may be viewed at www.sec.gov."));
    assert!(!i1.contains("MANAGEMENT\u{2019}S DISCUSSION"));
    // Item 2 ("4") starts on Item 1's page: it is that page.
    let i2 = sec("item_2");
    assert_eq!(i2.char_start, sec("item_1").char_start);
    assert!(i2
        .text
        .contains("Manufacturing and service operations are carried out at 70 facilities"));
    assert!(i2
        .text
        .ends_with("Commercial Engines & Services and Defense & Propulsion Technologies."));
    assert!(!i2.text.contains("LEGACY BUSINESSES"));
    // Item 7 ("7-22") starts at its caption, which runs into the paragraph, mid-page 7.
    let i7 = &sec("item_7").text;
    assert!(i7.starts_with(
        "The consolidated financial statements of GE Aerospace are prepared in conformity with U.S. generally accepted accounting principles (GAAP)."
    ));
    assert!(!i7.contains("www.sec.gov") && !i7.contains("CYBERSECURITY"));
    // Items 1C ("23") and 1A ("24-31") by their captions; 1A does not run into 1C's page.
    let i1c = &sec("item_1c").text;
    assert!(
        i1c.starts_with("CYBERSECURITY RISK MANAGEMENT AND STRATEGY. GE Aerospace has developed")
    );
    assert!(i1c.ends_with("for additional information about these risks."));
    assert!(!i1c.contains("RISK FACTORS"));
    let i1a = &sec("item_1a").text;
    assert!(i1a.starts_with(
        "The following discussion of the material factors, events and uncertainties that may make an investment in the Company speculative or risky"
    ));
    assert!(i1a.contains("STRATEGIC RISKS."));
    // Item 10 ("74, (a)"): page 74, the executive officers and a pointer to the proxy for
    // the rest; it ends where Item 15's caption starts page 75.
    let i10 = sec("item_10");
    assert!(i10
        .text
        .starts_with("Information about our Executive Officers (as of January 29, 2026)"));
    assert!(i10.text.contains(
        "The remaining information called for by this item is incorporated by reference"
    ));
    assert!(!i10
        .text
        .contains("EXHIBITS AND FINANCIAL STATEMENT SCHEDULES"));
    assert_eq!(i10.status, "present");
    // Item 15 ("75-78") stops before the index, and keeps its own "(a)3. Exhibit Index".
    let i15 = &sec("item_15").text;
    assert!(i15.starts_with("(a)1. Financial Statements"));
    assert!(i15.ends_with("(a)3. Exhibit Index"), "{i15}");
    assert!(!i15.contains("CROSS REFERENCE") && !i15.contains("Item 1B"));
    // Rows answering "Not applicable" are the items' text (Item 6 is "[Reserved]").
    for t in [
        "item_1b", "item_4", "item_6", "item_9", "item_9b", "item_9c", "item_16",
    ] {
        let x = sec(t);
        assert_eq!(x.text, "Not applicable", "{t}");
        let want = if t == "item_6" { "reserved" } else { "present" };
        assert_eq!(x.status, want, "{t}");
    }
    // Items 11-14 point to notes (b)-(e) under the index: incorporated by reference.
    for (t, words) in [
        ("item_11", "\u{201c}Compensation\u{201d}"),
        ("item_12", "\u{201c}Stock Ownership Information\u{201d}"),
        ("item_13", "\u{201c}Related Person Transactions\u{201d}"),
        ("item_14", "\u{201c}Independent Auditor\u{201d}"),
    ] {
        let x = sec(t);
        assert!(
            x.text.starts_with("Incorporated by reference to "),
            "{t}: {}",
            x.text
        );
        assert!(
            x.text.contains(words) && x.text.contains("2026 Proxy Statement"),
            "{t}"
        );
        assert_eq!(x.status, "incorporated_by_reference", "{t}");
    }
    assert!(s.iter().all(|x| !x.text.contains("2025 FORM 10-K")));
    // Of the 22 items a 2025 10-K calls for, the ones not found are on pages this excerpt
    // leaves out (3: "70-71", 5: "22" with page 22 cut, 7A: "13, 68-69", 8: "36-73",
    // 9A: "32").
    let required = [
        "item_1", "item_1a", "item_1b", "item_1c", "item_2", "item_3", "item_4", "item_5",
        "item_6", "item_7", "item_7a", "item_8", "item_9", "item_9a", "item_9b", "item_9c",
        "item_10", "item_11", "item_12", "item_13", "item_14", "item_15",
    ];
    let missing: Vec<&str> = required
        .into_iter()
        .filter(|t| !types.contains(t))
        .collect();
    assert_eq!(
        missing,
        ["item_3", "item_5", "item_7a", "item_8", "item_9a"]
    );
}

/// A 10-KSB, read as a run reads it (its SGML header says `10KSB`): the small-business form's
/// own numbering — Item 6 "Plan of Operation", Item 7 the financial statements, 8A (printed
/// "8A(T)", the temporary form of 2007–2009) and 8B in Part II, Items 9–14 in Part III — every
/// item found, in its part; "RISK FACTORS" stays inside Item 1 (the form has no Item 1A); a
/// heading in capitals wrapped onto a second line of capitals keeps both lines as its title.
/// 24Holdings Inc.'s 10-KSB for 2007 (accession 0000930413-08-001093), an excerpt: its SGML
/// header and pieces of its primary document, verbatim, from a public GitHub repository (see
/// EXCERPTS.tsv). Expectations read off the filing.
#[test]
fn ten_ksb_items_use_the_small_business_numbering() {
    let (meta, doc) = testing::load(testing::own_fixture(
        "24HOLDINGS_0000930413-08-001093.10-ksb.txt",
    ));
    assert_eq!(meta.accession_number.as_str(), "0000930413-08-001093");
    let s = extract_sections(&meta, &doc, &Config::default()).unwrap();
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "item_1", "item_2", "item_3", "item_4", "item_5", "item_6", "item_7", "item_8",
            "item_8a", "item_8b", "item_9", "item_10", "item_11", "item_12", "item_13", "item_14"
        ]
    );
    for x in &s {
        let n: u32 = x.section_type[5..]
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .unwrap();
        let part = match n {
            1..=4 => "part1",
            5..=8 => "part2",
            _ => "part3",
        };
        assert_eq!(x.part.as_deref(), Some(part), "{}", x.section_type);
        assert_eq!(x.status, "present", "{}", x.section_type);
    }
    let sec = |t: &str| s.iter().find(|x| x.section_type == t).unwrap();
    let i1 = &sec("item_1").text;
    assert!(i1.starts_with("THE COMPANY'S HISTORY"));
    assert!(i1.contains("RISK FACTORS") && i1.contains("WE HAVE NO RECENT OPERATING HISTORY"));
    assert!(i1.ends_with("in the market or at all."));
    assert_eq!(
        sec("item_6").title.as_deref(),
        Some("ITEM 6. PLAN OF OPERATION")
    );
    assert_eq!(
        sec("item_7").text.trim(),
        "See the index to the Financial Statements below, beginning on page F-1."
    );
    assert_eq!(
        sec("item_8a").title.as_deref(),
        Some("ITEM 8A(T). CONTROLS AND PROCEDURES.")
    );
    assert!(sec("item_8a")
        .text
        .starts_with("(a)   EVALUATION OF DISCLOSURE CONTROLS AND PROCEDURES"));
    assert_eq!(sec("item_8b").text.trim(), "None.");
    let i9 = sec("item_9");
    assert_eq!(
        i9.title.as_deref(),
        Some(
            "ITEM 9. DIRECTORS, EXECUTIVE OFFICERS, PROMOTERS, CONTROL PERSONS AND CORPORATE \
             GOVERNANCE; COMPLIANCE WITH SECTION 16(A) OF THE EXCHANGE ACT."
        )
    );
    assert!(i9
        .text
        .starts_with("The following table sets forth information concerning our officers"));
    assert!(i9.text.ends_with("will adopt a Code of Ethics."));
    let i14 = &sec("item_14").text;
    assert!(i14.starts_with("AUDIT FEES:"));
    assert!(i14.ends_with("approved by our Board of Directors."));
    assert!(!i14.contains("SIGNATURES"));
}

/// Exxon Mobil's 2021 10-K prints every item heading in the body, but Items 7, 7A and 8 only
/// point into the "FINANCIAL SECTION" that follows Item 16 (its own table of contents, MD&A,
/// statements and notes; SIGNATURES come after it). Every item is found in order (Item 6 has no
/// heading in this filing, only a hidden row in the table of contents), the pointer items hold
/// their pointer, Part III incorporates the proxy statement, and Item 16 ends at the FINANCIAL
/// SECTION title instead of running on through the financial statements (an excerpt of the
/// filing, from a public GitHub repository; see EXCERPTS.tsv).
#[test]
fn financial_section_after_the_items_is_in_no_item() {
    let s = run_10k_excerpt("XOM_0000034088-22-000011.financial-section.html");
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "item_1",
            "item_1a",
            "item_1b",
            "item_2",
            "item_3",
            "item_4",
            "executive_officers",
            "item_5",
            "item_7",
            "item_7a",
            "item_8",
            "item_9",
            "item_9a",
            "item_9b",
            "item_9c",
            "item_10",
            "item_11",
            "item_12",
            "item_13",
            "item_14",
            "item_15",
            "item_16"
        ]
    );
    let sec = |t: &str| s.iter().find(|x| x.section_type == t).unwrap();
    assert_eq!(
        sec("item_7").title.as_deref(),
        Some("ITEM 7. MANAGEMENT'S DISCUSSION AND ANALYSIS OF FINANCIAL CONDITION AND RESULTS OF OPERATIONS")
    );
    assert_eq!(
        sec("item_7").text,
        "Reference is made to the section entitled \u{201c}Management\u{2019}s Discussion and \
         Analysis of Financial Condition and Results of Operations\u{201d} in the Financial Section \
         of this report."
    );
    assert!(sec("item_7a")
        .text
        .starts_with("Reference is made to the section entitled \u{201c}Market Risks\u{201d}"));
    assert!(sec("item_8").text.starts_with(
        "Reference is made to the following in the Financial Section of this report:"
    ));
    assert!(sec("item_8")
        .text
        .contains("Note 19: Income and Other Taxes"));
    assert!(sec("item_8")
        .text
        .ends_with("in the consolidated financial statements or notes thereto."));
    for t in ["item_7", "item_7a", "item_8", "item_9a", "item_15"] {
        assert_eq!(sec(t).status, "present", "{t}");
    }
    for t in ["item_10", "item_11", "item_12", "item_13", "item_14"] {
        assert_eq!(sec(t).status, "incorporated_by_reference", "{t}");
    }
    // Item 9A carries its own copy of management's report; the Financial Section's copy is
    // not appended to it.
    assert!(sec("item_9a")
        .text
        .contains("Management\u{2019}s Report on Internal Control Over Financial Reporting"));
    assert!(sec("item_9a")
        .text
        .ends_with("the Corporation\u{2019}s internal control over financial reporting."));
    assert_eq!(
        sec("executive_officers").text,
        "(positions and ages as of February 23, 2022)"
    );
    assert!(sec("item_15")
        .text
        .ends_with("See Index to Exhibits of this report."));
    // The last item stops at the FINANCIAL SECTION title: the financial section's table of
    // contents, MD&A, auditor's report and notes belong to no item.
    assert_eq!(sec("item_16").text, "None.");
    for x in &s {
        for later in [
            "FINANCIAL SECTION",
            "Business Profile",
            "FORWARD-LOOKING STATEMENTS",
            "To the Board of Directors and Shareholders of Exxon Mobil Corporation",
            "Summary of Accounting Policies",
        ] {
            assert!(
                !x.text.contains(later),
                "{} holds {later:?}",
                x.section_type
            );
        }
    }
}

/// Chevron's 2015 10-K: item headings in the body, Items 6, 7, 7A and 8 one-paragraph
/// pointers to pages numbered FS-1 onwards, which follow the signatures (the "Financial Table
/// of Contents" on FS-1, MD&A, reports, statements, notes). Every item is found in order, the
/// pointers are kept as their items' text, the executive officers stay inside Item 10 where this
/// filing prints them, and Item 15 ends at Signatures: nothing of the FS pages is in an item
/// (an excerpt of the filing, from a public GitHub repository; see EXCERPTS.tsv).
#[test]
fn items_that_point_to_fs_pages_keep_their_pointer_and_stop_before_them() {
    let s = run_10k_excerpt("CVX_0000093410-16-000049.financial-pages.html");
    let types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "item_1", "item_1a", "item_1b", "item_2", "item_3", "item_4", "item_5", "item_6",
            "item_7", "item_7a", "item_8", "item_9", "item_9a", "item_9b", "item_10", "item_11",
            "item_12", "item_13", "item_14", "item_15"
        ]
    );
    assert!(s.iter().all(|x| x.method == "heading"));
    let sec = |t: &str| s.iter().find(|x| x.section_type == t).unwrap();
    assert_eq!(
        sec("item_7").title.as_deref(),
        Some("Item 7. Management\u{2019}s Discussion and Analysis of Financial Condition and Results of Operations")
    );
    assert_eq!(
        sec("item_7").text,
        "The index to Management\u{2019}s Discussion and Analysis of Financial Condition and \
         Results of Operations, Consolidated Financial Statements and Supplementary Data is \
         presented on page FS-1."
    );
    assert_eq!(
        sec("item_8").text,
        "The index to Management\u{2019}s Discussion and Analysis, Consolidated Financial \
         Statements and Supplementary Data is presented on page FS-1."
    );
    assert_eq!(
        sec("item_6").text,
        "The selected financial data for years 2011 through 2015 are presented on page FS-60."
    );
    assert!(sec("item_7a").text.ends_with("beginning on page FS-35."));
    for t in ["item_6", "item_7", "item_7a", "item_8"] {
        assert_eq!(sec(t).status, "present", "{t}");
    }
    for t in ["item_11", "item_12", "item_13", "item_14"] {
        assert_eq!(sec(t).status, "incorporated_by_reference", "{t}");
    }
    assert!(sec("item_10")
        .text
        .starts_with("Executive Officers of the Registrant at February 25, 2016"));
    assert!(sec("item_1a")
        .text
        .starts_with("Chevron is a global energy company and its operating and financial results"));
    assert_eq!(sec("item_1b").text, "None.");
    assert!(sec("item_15").text.ends_with("(1) Financial Statements:"));
    for x in &s {
        for later in [
            "Signatures",
            "Financial Table of Contents",
            "Key Financial Results",
            "Management\u{2019}s Responsibility for Financial Statements",
            "In our opinion, the accompanying consolidated balance sheets",
            "Summary of Significant Accounting Policies",
        ] {
            assert!(
                !x.text.contains(later),
                "{} holds {later:?}",
                x.section_type
            );
        }
    }
}

/// General Electric's 10-Q for the second quarter of 2023 prints no item headings either: a
/// "FORM 10-Q CROSS REFERENCE INDEX" on its last page lists Part I and Part II, whose item
/// numbers both start at 1 ("Item 1." twice), with pages ("19-40"), "Not applicable", or
/// "Not applicable(a)" and a note (a) under the table. Every item whose page is in the
/// excerpt comes out under its own part; Items 1 and 3 of Part I point only to pages the
/// excerpt leaves out (19-40; 13 and 36-37), so they are not located. An excerpt of the
/// filing, from a public GitHub repository (see EXCERPTS.tsv).
#[test]
fn ten_q_cross_reference_index_of_a_real_filing_gives_both_parts() {
    let s = run_excerpt(
        "GE_0000040545-23-000198.10-q-cross-reference-index.html",
        "10-Q",
    );
    let mut types: Vec<&str> = s.iter().map(|x| x.section_type.as_str()).collect();
    types.sort();
    assert_eq!(
        types,
        [
            "part1_item2",
            "part1_item4",
            "part2_item1",
            "part2_item1a",
            "part2_item2",
            "part2_item3",
            "part2_item4",
            "part2_item5",
            "part2_item6"
        ]
    );
    assert!(s.iter().all(|x| x.method == "cross_reference_index"));
    let sec = |t: &str| s.iter().find(|x| x.section_type == t).unwrap();
    for x in &s {
        let want = if x.section_type.starts_with("part1") {
            "part1"
        } else {
            "part2"
        };
        assert_eq!(x.part.as_deref(), Some(want), "{}", x.section_type);
        assert!(
            !x.text.contains("CROSS REFERENCE INDEX"),
            "{}",
            x.section_type
        );
        assert!(!x.text.contains("2023 2Q FORM 10-Q"), "{}", x.section_type);
    }
    // Item 2 (pages 4-18) starts at its caption, run into the paragraph mid-page 4.
    let mda = &sec("part1_item2").text;
    assert!(mda.starts_with(
        "The consolidated financial statements of General Electric Company are prepared in conformity"
    ));
    assert!(!mda.contains("ABOUT GENERAL ELECTRIC"));
    // Item 4 at its caption on page 18.
    assert!(sec("part1_item4").text.starts_with(
        "Under the direction of our Chief Executive Officer and Chief Financial Officer"
    ));
    assert_eq!(
        sec("part1_item4").title.as_deref(),
        Some("Item 4. Controls and Procedures")
    );
    // Part II, Item 1 (pages 38-40, no caption in the body): from the top of page 38 to the
    // EXHIBITS caption of Item 6, legal matters included.
    let legal = &sec("part2_item1").text;
    assert!(legal.starts_with("NOTE 23. COMMITMENTS, GUARANTEES"));
    assert!(legal.contains("LEGAL MATTERS. The following information supplements"));
    assert!(!legal.contains("Exhibit 31(a)"));
    assert!(sec("part2_item6").text.starts_with("Exhibit 10(a)."));
    assert!(!sec("part2_item6").text.contains("SIGNATURES"));
    // "Not applicable(a)": the note under the index says where the item is.
    assert_eq!(
        sec("part2_item1a").text,
        "For a discussion of our risk factors, refer to our Annual Report on Form 10-K for the year ended December 31, 2022."
    );
    for t in ["part2_item3", "part2_item4", "part2_item5"] {
        assert_eq!(sec(t).text, "Not applicable", "{t}");
    }
    assert_eq!(
        sec("part2_item3").title.as_deref(),
        Some("Item 3. Defaults Upon Senior Securities")
    );
}
