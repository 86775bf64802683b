//! Fixture tests over real filings: the notes found against the inline-XBRL `…TextBlock`
//! facts that wrap each note to the financial statements.
//!
//! Note-level TextBlocks are taken to be the `…TextBlock` facts (not `dei:`/`ecd:` cover or
//! governance blocks) that are not nested inside another TextBlock: policies and schedules
//! sit inside their note's block.

use finloom_footnotes_v1::FootnotesPlugin;
use finloom_plugin_api::{Document, FilingMeta, TableRows};
use finloom_plugin_kit::testing;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn words(t: &str) -> HashSet<String> {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// A `…TextBlock` fact rebuilt from the raw iXBRL: its first fragment plus the
/// `ix:continuation` chain (`continuedAt`), as byte ranges of `Document::raw` and text.
///
/// The document model records a fact's span only for its first fragment, so a note whose
/// block continues across page breaks would look like its title alone; the oracle needs the
/// whole text, which only the raw document has.
struct RawBlock {
    name: String,
    ranges: Vec<(usize, usize)>,
    text: String,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!(" {name}=\"");
    let i = tag.find(&pat)? + pat.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_string())
}

/// Byte range of the element whose start tag begins at `at` (tags named `tag`, nesting-aware).
fn element_range(raw: &str, at: usize, tag: &str) -> (usize, usize) {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut depth = 0usize;
    let mut i = at;
    loop {
        let o = raw[i..].find(&open).map(|x| x + i);
        let c = raw[i..].find(&close).map(|x| x + i);
        match (o, c) {
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                i = o + open.len();
            }
            (_, Some(c)) => {
                depth = depth.saturating_sub(1);
                i = c + close.len();
                if depth == 0 {
                    return (at, i);
                }
            }
            _ => return (at, raw.len()),
        }
    }
}

fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    // Entities: numeric and the common named ones.
    let mut res = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find('&') {
        res.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(j) = tail[..tail.len().min(12)].find(';') {
            let ent = &tail[1..j];
            let ch = if let Some(h) = ent.strip_prefix("#x").or(ent.strip_prefix("#X")) {
                u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
            } else if let Some(d) = ent.strip_prefix('#') {
                d.parse().ok().and_then(char::from_u32)
            } else {
                match ent {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "nbsp" => Some(' '),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => None,
                }
            };
            if let Some(c) = ch {
                res.push(c);
                rest = &tail[j + 1..];
                continue;
            }
        }
        res.push('&');
        rest = &tail[1..];
    }
    res.push_str(rest);
    res
}

fn raw_text_blocks(raw: &str) -> Vec<RawBlock> {
    let mut conts: std::collections::HashMap<String, (usize, usize, Option<String>)> =
        Default::default();
    let mut i = 0;
    while let Some(k) = raw[i..].find("<ix:continuation") {
        let at = i + k;
        let tag_end = raw[at..].find('>').map(|x| x + at).unwrap_or(raw.len());
        let tag = &raw[at..tag_end];
        let r = element_range(raw, at, "ix:continuation");
        if let Some(id) = attr(tag, "id") {
            conts.insert(id, (r.0, r.1, attr(tag, "continuedAt")));
        }
        i = tag_end;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = raw[i..].find("<ix:nonNumeric") {
        let at = i + k;
        let tag_end = raw[at..].find('>').map(|x| x + at).unwrap_or(raw.len());
        let tag = &raw[at..tag_end];
        i = tag_end;
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        if !name.ends_with("TextBlock") {
            continue;
        }
        let mut ranges = vec![element_range(raw, at, "ix:nonNumeric")];
        let mut next = attr(tag, "continuedAt");
        let mut guard = 0;
        while let Some(id) = next {
            guard += 1;
            let Some((a, b, n)) = conts.get(&id) else {
                break;
            };
            ranges.push((*a, *b));
            next = n.clone();
            if guard > 1000 {
                break;
            }
        }
        let text = ranges
            .iter()
            .map(|(a, b)| strip_html(&raw[*a..*b]))
            .collect::<Vec<_>>()
            .join(" ");
        out.push(RawBlock { name, ranges, text });
    }
    out
}

/// Note-level blocks (the rule `finloom eval footnotes` uses): not `dei:`/`ecd:` (cover page,
/// insider-trading disclosures), not an accounting policy (`…PolicyTextBlock`: a paragraph of
/// Note 1, sometimes tagged outside the note's own block), not a table or schedule
/// (`…TableTextBlock`, `ScheduleOf…`, e.g. Schedule II after the notes), and not starting
/// inside another TextBlock.
fn note_blocks(all: &[RawBlock]) -> Vec<&RawBlock> {
    all.iter()
        .filter(|b| !b.name.starts_with("dei:") && !b.name.starts_with("ecd:"))
        .filter(|b| !b.name.ends_with("PolicyTextBlock") && !b.name.ends_with("TableTextBlock"))
        .filter(|b| {
            !b.name
                .split(':')
                .next_back()
                .unwrap_or("")
                .starts_with("ScheduleOf")
        })
        .filter(|b| {
            let s = b.ranges[0].0;
            !all.iter()
                .any(|o| !std::ptr::eq(*b, o) && o.ranges.iter().any(|(a, e)| *a < s && s < *e))
        })
        .collect()
}

struct Score {
    found: usize,
    blocks: usize,
    matched_notes: usize,
    notes: usize,
}

fn score(rel: &str) -> Score {
    score_at(&testing::filing_path(rel), rel)
}

fn score_at(path: &Path, rel: &str) -> Score {
    let (meta, doc) = testing::load(path);
    let t = &testing::extract_one::<FootnotesPlugin>(&meta, &doc, &[], "{}");
    let notes: Vec<(String, String, HashSet<String>)> = testing::rows_where(t, "kind", "note")
        .iter()
        .map(|r| {
            (
                r.opt_str("note_number").unwrap_or("").to_string(),
                r.opt_str("title").unwrap_or("").to_string(),
                words(r.str("text")),
            )
        })
        .collect();
    let all = raw_text_blocks(doc.raw.as_str());
    let blocks = note_blocks(&all);
    let block_words: Vec<HashSet<String>> = blocks.iter().map(|b| words(&b.text)).collect();
    let mut found = 0;
    for (f, bw) in blocks.iter().zip(&block_words) {
        let best = notes
            .iter()
            .map(|(_, _, nw)| jaccard(bw, nw))
            .fold(0.0, f64::max);
        if best >= 0.9 {
            found += 1;
        } else {
            eprintln!("  {rel}: TextBlock {} best Jaccard {:.3}", f.name, best);
        }
    }
    let mut matched = 0;
    for (num, title, nw) in &notes {
        let best = block_words
            .iter()
            .map(|bw| jaccard(bw, nw))
            .fold(0.0, f64::max);
        if best >= 0.9 {
            matched += 1;
        } else {
            eprintln!("  {rel}: note {num} {title:?} best Jaccard {:.3}", best);
        }
    }
    Score {
        found,
        blocks: blocks.len(),
        matched_notes: matched,
        notes: notes.len(),
    }
}

#[test]
fn notes_match_inline_xbrl_textblocks() {
    for rel in [
        "10-K/AAPL_0000320193-24-000123.html",
        "10-Q/AAPL_0000320193-23-000077.html",
        "10-K/GME_0001326380-24-000012.html",
        "10-K/GAXY_2021-06-30.html",
    ] {
        let s = score(rel);
        let recall = s.found as f64 / s.blocks.max(1) as f64;
        let unmatched = 1.0 - s.matched_notes as f64 / s.notes.max(1) as f64;
        eprintln!(
            "{rel}: {}/{} note-level TextBlocks found with Jaccard >= 0.9 ({:.1}%); {}/{} notes match no TextBlock ({:.1}%)",
            s.found,
            s.blocks,
            recall * 100.0,
            s.notes - s.matched_notes,
            s.notes,
            unmatched * 100.0
        );
        assert!(
            s.blocks >= 5,
            "{rel}: expected note TextBlocks in the fixture"
        );
        assert!(recall >= 0.95, "{rel}: recall {recall:.3}");
        assert!(unmatched <= 0.05, "{rel}: unmatched {unmatched:.3}");
    }
}

/// Every fixture runs (rows the host accepts), ids unique; prints what was found.
#[test]
fn all_fixtures_extract() {
    for rel in testing::fixture_filings() {
        let (meta, doc) = testing::load_filing(&rel);
        let t = &testing::extract_one::<FootnotesPlugin>(&meta, &doc, &[], "{}");
        let notes: Vec<String> = testing::rows_where(t, "kind", "note")
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.opt_str("note_number").unwrap_or("?"),
                    r.opt_str("title")
                        .unwrap_or("")
                        .chars()
                        .take(30)
                        .collect::<String>()
                )
            })
            .collect();
        let tn = t.rows.len() - notes.len();
        eprintln!(
            "{}: {} notes, {} table notes: {:?}",
            rel.rsplit('/').next().unwrap(),
            notes.len(),
            tn,
            notes
        );
        let ids: HashSet<&str> = testing::rows(t).iter().map(|r| r.str("id")).collect();
        assert_eq!(ids.len(), t.rows.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Heading styles and table footnotes, one real filing each (no `sections` input: the plugin's
// own fallback region; the end-to-end run with sections is `crates/finloom-eval/tests/`).

struct NoteOut {
    number: Option<String>,
    title: Option<String>,
    text: String,
    concept: Option<String>,
}

/// A sample filing (`rel` under `tests/fixtures/filings/`) and the plugin's rows for it.
fn extract(rel: &str) -> (FilingMeta, Document, TableRows) {
    let (meta, doc) = testing::load_filing(rel);
    let t = testing::extract_one::<FootnotesPlugin>(&meta, &doc, &[], "{}");
    (meta, doc, t)
}

fn notes(rel: &str) -> Vec<NoteOut> {
    note_rows(&extract(rel).2)
}

/// The `kind = 'note'` rows of a footnotes output.
fn note_rows(t: &TableRows) -> Vec<NoteOut> {
    let s = |r: &testing::RowView, c: &str| r.opt_str(c).map(str::to_string);
    testing::rows_where(t, "kind", "note")
        .iter()
        .map(|r| NoteOut {
            number: s(r, "note_number"),
            title: s(r, "title"),
            text: s(r, "text").unwrap_or_default(),
            concept: s(r, "xbrl_concept"),
        })
        .collect()
}

fn numbers(n: &[NoteOut]) -> Vec<String> {
    n.iter()
        .map(|x| x.number.clone().unwrap_or_default())
        .collect()
}

fn one_to(k: usize) -> Vec<String> {
    (1..=k).map(|i| i.to_string()).collect()
}

/// "Note 1 – Summary of Significant Accounting Policies" (Apple, inline XBRL). Running text
/// such as "see Note 7" or "described in Note 2" starts no note: the numbers are exactly 1..13.
#[test]
fn style_note_dash_title_apple_10k() {
    let n = notes("10-K/AAPL_0000320193-24-000123.html");
    assert_eq!(numbers(&n), one_to(13));
    assert_eq!(
        n[0].title.as_deref(),
        Some("Summary of Significant Accounting Policies")
    );
    assert_eq!(
        n[12].title.as_deref(),
        Some("Segment Information and Geographic Data")
    );
    // The concept of the note's own TextBlock (for Leases, tagged with two concepts at once,
    // the enclosing one).
    let concepts: Vec<&str> = n
        .iter()
        .map(|x| x.concept.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        concepts[0],
        "us-gaap:BasisOfPresentationAndSignificantAccountingPoliciesTextBlock"
    );
    assert_eq!(concepts[6], "us-gaap:IncomeTaxDisclosureTextBlock");
    assert_eq!(concepts[7], "us-gaap:LesseeOperatingLeasesTextBlock");
    assert!(concepts.iter().all(|c| c.ends_with("TextBlock")));
}

/// "Note 1. | Summary of Significant Accounting Policies": number and title in two cells of a
/// one-row layout table (Meta 10-Q, 2019, before inline XBRL).
#[test]
fn style_number_and_title_in_layout_cells_meta_10q() {
    let n = notes("10-Q/META_0001326801-19-000037.html");
    assert_eq!(numbers(&n), one_to(13));
    assert_eq!(
        n[0].title.as_deref(),
        Some("Summary of Significant Accounting Policies")
    );
    assert_eq!(n[6].title.as_deref(), Some("Leases"));
    assert!(n.iter().all(|x| x.concept.is_none()), "no inline XBRL");
}

/// "1. Summary of Significant Accounting Policies" in bold, with a running page header
/// ("GAMESTOP CORP." / "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS" / "(Tabular amounts …)")
/// at the top of every page that must not end up in the notes' text.
#[test]
fn style_bare_number_bold_title_gme_10k() {
    let n = notes("10-K/GME_0001326380-24-000012.html");
    assert_eq!(numbers(&n), one_to(17));
    assert_eq!(
        n[5].title.as_deref(),
        Some("Associates' Defined Contribution Plan")
    );
    for x in &n {
        assert!(
            !x.text.contains("GAMESTOP CORP.") && !x.text.contains("Tabular amounts"),
            "note {:?} carries the page header",
            x.number
        );
    }
}

/// "1. Business" and "5. | Related Party Transactions" mixed (paragraph and layout-table
/// headings in one filing, 2016 HTML).
#[test]
fn style_bare_numbers_mixed_layout_cigf5_10k() {
    let n = notes("10-K/CIGF5_0001376474-16-000635.html");
    assert_eq!(numbers(&n), one_to(9));
    assert_eq!(n[0].title.as_deref(), Some("Business"));
    assert_eq!(n[4].title.as_deref(), Some("Related Party Transactions"));
}

/// Plain text, 1997: numbered notes without titles ("1.<TAB>Interim information is
/// unaudited; …").
#[test]
fn style_plain_text_untitled_numbers_apple_10q_1997() {
    let n = notes("10-Q/AAPL_0000320193-97-000011.txt");
    assert_eq!(numbers(&n), one_to(5));
    assert!(n.iter().all(|x| x.title.is_none()));
    assert!(n[0].text.contains("Interim information is unaudited"));
    assert!(n[2].text.contains("NeXT Software"));
    // The restructuring table belongs to note 2.
    assert!(n[1].text.contains("involuntarily"));
}

/// Plain text, 1994: unnumbered notes whose titles are underlined by a rule of underscores.
/// The Item 14 list "1. Financial Statements / 2. Financial Statement Schedules / 3. Exhibits"
/// is not a set of notes.
#[test]
fn style_plain_text_underlined_titles_apple_10k_1994() {
    let n = notes("10-K/AAPL_0000320193-94-000016.txt");
    let titles: Vec<&str> = n.iter().map(|x| x.title.as_deref().unwrap_or("")).collect();
    assert_eq!(
        &titles[..4],
        [
            "Summary of Significant Accounting Policies",
            "Financial Instruments",
            "Concentrations of Credit Risk",
            "Borrowings"
        ]
    );
    assert!(titles.contains(&"Commitments and Contingencies"));
    // Three notes lost their underline and open a page instead (one inside an SGML
    // `<CAPTION>`); they are notes of their own, not the tail of the note before.
    assert_eq!(
        &titles[4..],
        [
            "Restructuring of Operations",
            "Interest and Other Income (Expense), Net",
            "Income Taxes",
            "Common Stock",
            "Preferred Stock",
            "Commitments and Contingencies",
            "Industry Segment and Geographic Information",
            "Selected Quarterly  Financial Information (Unaudited)",
        ]
    );
    let tax = &n[6];
    assert!(tax
        .text
        .starts_with("Income Taxes\n\nThe provision for income taxes"));
    assert!(!n[5].text.contains("provision for income taxes consists"));
    // A sub-heading that happens to open a page stays inside its note.
    assert!(n[1].text.contains("Foreign Currency Instruments"));
    assert!(!titles.iter().any(|t| t.contains("Exhibits")), "{titles:?}");
    assert!(n.iter().all(|x| x.number.is_none()));
    assert!(n[0].text.contains("Basis of Presentation"));
}

/// Table footnotes: "(1) Level 1 fair value estimates …" under the fair-value table become
/// `table_note` rows whose marker is printed in that table, tied to it by `table_ids`, so a
/// cell's marker joins to its footnote.
#[test]
fn table_footnotes_link_to_their_table_apple() {
    for rel in [
        "10-Q/AAPL_0000320193-23-000077.html",
        "10-K/AAPL_0000320193-24-000123.html",
    ] {
        let (meta, doc, t) = extract(rel);
        let acc = meta.accession_number.to_string();
        let mut linked = 0;
        for r in testing::rows_where(&t, "kind", "table_note") {
            let marker = r.str("note_number");
            let ids = r.str("table_ids");
            let text = r.str("text");
            assert!(text.starts_with(marker), "{rel}: {marker} / {text}");
            // Every table it is tied to shows the marker (tables set one after the other
            // share the footnotes printed under the last).
            for id in ids.split(',') {
                let idx: usize = id
                    .strip_prefix(&format!("{acc}/tbl/"))
                    .and_then(|i| i.parse().ok())
                    .unwrap_or_else(|| panic!("{rel}: table id {id}"));
                let tb = &doc.tables[idx];
                let b = &doc.blocks[tb.block as usize];
                let table_text = &doc.text[b.start as usize..b.end as usize];
                let bare = marker.trim_matches(|c| c == '(' || c == ')');
                assert!(
                    table_text.contains(marker) || table_text.contains(bare),
                    "{rel}: {marker} not in table {idx}"
                );
            }
            if marker.starts_with('(') {
                linked += 1;
            }
        }
        assert!(linked >= 3, "{rel}: {linked} numbered table footnotes");
    }
    // The fair-value table of the 10-Q: (1), (2), (3) under one table.
    let (_, _, t) = extract("10-Q/AAPL_0000320193-23-000077.html");
    let fv: Vec<(&str, &str)> = testing::rows_where(&t, "kind", "table_note")
        .iter()
        .map(|r| (r.str("note_number"), r.str("table_ids")))
        .filter(|(_, id)| id.ends_with("/tbl/12"))
        .collect();
    assert_eq!(
        fv.iter().map(|x| x.0).collect::<Vec<_>>(),
        ["(1)", "(2)", "(3)"]
    );
    // The same layout for the prior year-end sits in the table before (a page footer
    // between): the footnotes printed once belong to both.
    assert!(fv.iter().all(|x| x.1.contains("/tbl/11,")), "{fv:?}");
}

/// "(1) Background and Summary of Accounting Policies": parenthesised numbers with the title
/// in the next cell (GAINSCO 10-K, 2009), and numbering that restarts at 1 for the notes to
/// the registrant's condensed parent-only statements (Schedule II) after note 18.
#[test]
fn style_parenthesised_numbers_and_restart_gainsco_10k() {
    let n = notes("10-K/GAINSCO_0001193125-10-073212.html");
    let mut want = one_to(18);
    want.extend(one_to(3));
    assert_eq!(numbers(&n), want);
    assert_eq!(
        n[0].title.as_deref(),
        Some("Background and Summary of Accounting Policies")
    );
    assert_eq!(n[10].title.as_deref(), Some("Federal Income Taxes"));
    assert_eq!(n[18].title.as_deref(), Some("General"));
}

/// Run-in headings with letters: "A. Basis of Presentation – The interim Consolidated
/// Financial Statements …" (Alcoa 10-Q, 2018): letter and title open the note's first
/// paragraph, set off by a dash; "O. Other Expenses (Income), Net" stands on its own line.
#[test]
fn style_run_in_lettered_headings_alcoa_10q() {
    let n = notes("10-Q/AA_0001193125-18-236766.html");
    let letters: Vec<String> = ('A'..='P').map(|c| c.to_string()).collect();
    assert_eq!(numbers(&n), letters);
    assert_eq!(n[0].title.as_deref(), Some("Basis of Presentation"));
    assert_eq!(n[9].title.as_deref(), Some("Debt"));
    assert_eq!(n[14].title.as_deref(), Some("Other Expenses (Income), Net"));
    assert!(n[0]
        .text
        .contains("The interim Consolidated Financial Statements"));
}

/// Footnotes laid out as one-row tables ("(1) | Effective in the first quarter of 2018, …"),
/// one per footnote, under the segment table they annotate (Alcoa 10-Q): tied to that table,
/// not to the layout tables that print them.
#[test]
fn table_footnotes_in_their_own_layout_tables_alcoa_10q() {
    let (meta, _, t) = extract("10-Q/AA_0001193125-18-236766.html");
    let acc = meta.accession_number.to_string();
    let under_25: Vec<&str> = testing::rows_where(&t, "kind", "table_note")
        .iter()
        .filter(|r| r.opt_str("table_ids") == Some(&format!("{acc}/tbl/25")))
        .map(|r| r.str("note_number"))
        .collect();
    assert_eq!(under_25, ["(1)", "(2)", "(3)", "(4)", "(5)"]);
}

// ---------------------------------------------------------------------------------------------
// Heading styles absent from the development corpus, from verbatim excerpts of other real
// filings (`tests/fixtures/`, provenance in its MANIFEST.tsv): the "Notes to … Financial
// Statements" page through the first three notes.

fn excerpt(name: &str) -> PathBuf {
    testing::own_fixture(name)
}

fn excerpt_notes(name: &str) -> (Vec<NoteOut>, Vec<String>) {
    let (meta, doc) = testing::load(excerpt(name));
    let t = testing::extract_one::<FootnotesPlugin>(&meta, &doc, &[], "{}");
    let table_notes = testing::rows_where(&t, "kind", "table_note")
        .iter()
        .map(|r| r.opt_str("note_number").unwrap_or_default().to_string())
        .collect();
    (note_rows(&t), table_notes)
}

/// Each note of an excerpt matches its own inline-XBRL TextBlock (Jaccard >= 0.9 both ways).
fn assert_matches_textblocks(name: &str) {
    let s = score_at(&excerpt(name), name);
    assert_eq!(
        s.blocks, 3,
        "{name}: three note-level TextBlocks in the excerpt"
    );
    assert_eq!(s.found, 3, "{name}: every TextBlock found");
    assert_eq!(
        s.matched_notes, s.notes,
        "{name}: every note matches a TextBlock"
    );
}

/// "NOTE 1.  PRESENTATION" (Ford 10-Q 2023, Workiva inline XBRL): upper case, a period, the
/// title on the same line — split over tags: "NOTE 1.&#160;&#160;" in a `<span>`, the title
/// inside the `<ix:nonNumeric>` TextBlock element that opens there and continues elsewhere. Every page repeats "Item 1. Financial
/// Statements (Continued)" / "FORD MOTOR COMPANY AND SUBSIDIARIES" / "NOTES TO THE FINANCIAL
/// STATEMENTS", and Note 3 repeats its own heading "NOTE 3.  REVENUE (Continued)": none of it
/// ends a note (the Item heading is a running header, not Item 2) or stays in its text.
#[test]
fn style_note_upper_period_title_ford_10q() {
    let name = "A_F_0000037996-23-000050.html";
    let (n, table_notes) = excerpt_notes(name);
    assert_eq!(numbers(&n), one_to(3));
    let titles: Vec<&str> = n.iter().map(|x| x.title.as_deref().unwrap_or("")).collect();
    assert_eq!(
        titles,
        ["PRESENTATION", "NEW ACCOUNTING STANDARDS", "REVENUE"]
    );
    assert_eq!(
        n[2].concept.as_deref(),
        Some("us-gaap:RevenueFromContractWithCustomerTextBlock")
    );
    for x in &n {
        for furniture in [
            "FORD MOTOR COMPANY AND SUBSIDIARIES",
            "Financial Statements (Continued)",
            "REVENUE (Continued)",
        ] {
            assert!(
                !x.text.contains(furniture),
                "note {:?} carries {furniture:?}",
                x.number
            );
        }
    }
    // Note 3 runs past two page breaks to its last paragraph.
    assert!(n[2]
        .text
        .ends_with("million in the first half of 2022 and 2023, respectively."));
    // "(a) Includes extended service contract revenue." under the revenue table.
    assert_eq!(table_notes, ["(a)"]);
    assert_matches_textblocks(name);
}

/// "Note 1: Summary of Significant Accounting Policies" (Lowe's 10-Q 2023): a colon after the
/// number. "Note: Merchandise division net sales … reclassified" inside Note 2 has no number
/// and starts nothing.
#[test]
fn style_note_colon_title_lowes_10q() {
    let name = "B_LOW_0000060667-23-000139.html";
    let (n, _) = excerpt_notes(name);
    assert_eq!(numbers(&n), one_to(3));
    let titles: Vec<&str> = n.iter().map(|x| x.title.as_deref().unwrap_or("")).collect();
    assert_eq!(
        titles,
        [
            "Summary of Significant Accounting Policies",
            "Revenue",
            "Restricted Investments"
        ]
    );
    assert!(n[1].text.contains("Note: Merchandise division net sales"));
    // Its last words, without the page number (set in a layout table) that follows them.
    assert!(n[1]
        .text
        .ends_with("The Canadian retail business was sold on February 3, 2023."));
    assert_eq!(
        n[0].concept.as_deref(),
        Some("us-gaap:SignificantAccountingPoliciesTextBlock")
    );
    assert_matches_textblocks(name);
}
