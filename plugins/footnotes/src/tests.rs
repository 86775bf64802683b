//! Rule tests: hand-built documents in, rows out.

use super::*;
use finloom_plugin_api::{Block, Cell, IxFact, Row, Table};

pub enum B {
    /// Plain paragraph.
    P(&'static str),
    /// Bold paragraph.
    H(&'static str),
    /// A table with the given rows of cell texts.
    T(Vec<Vec<&'static str>>),
    Pre(&'static str),
    /// Bold paragraph at the top of a new page (`page_break_before`).
    Break(&'static str),
}

pub fn doc_of(blocks: Vec<B>) -> Document {
    let mut doc = Document::default();
    let mut text = String::new();
    for b in blocks {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let start = text.len() as u32;
        let mut style = Style::default();
        let mut table = -1;
        let kind = match b {
            B::P(t) => {
                text.push_str(t);
                BlockKind::Paragraph
            }
            B::H(t) => {
                text.push_str(t);
                style.bold = true;
                BlockKind::Paragraph
            }
            B::Break(t) => {
                text.push_str(t);
                style.bold = true;
                style.page_break_before = true;
                BlockKind::Paragraph
            }
            B::Pre(t) => {
                text.push_str(t);
                BlockKind::Preformatted
            }
            B::T(rows) => {
                text.push_str(
                    &rows
                        .iter()
                        .map(|r| r.join(" | "))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                table = doc.tables.len() as i32;
                doc.tables.push(Table {
                    block: doc.blocks.len() as u32,
                    rows: rows
                        .iter()
                        .map(|r| Row {
                            cells: r
                                .iter()
                                .map(|t| Cell {
                                    text: (*t).into(),
                                    colspan: 1,
                                    rowspan: 1,
                                    header: false,
                                    bold: false,
                                    align: 0,
                                    facts: Default::default(),
                                })
                                .collect(),
                        })
                        .collect(),
                });
                BlockKind::Table
            }
        };
        doc.blocks.push(Block {
            kind,
            start,
            end: text.len() as u32,
            style,
            table,
        });
    }
    doc.text = text.into();
    doc
}

fn meta() -> FilingMeta {
    FilingMeta {
        accession_number: "0000000000-24-000001".into(),
        ..Default::default()
    }
}

fn run(doc: &Document, inputs: &[TableRows]) -> TableRows {
    FootnotesPlugin::extract(&meta(), doc, inputs, "{}")
        .unwrap()
        .pop()
        .unwrap()
}

fn of_kind<'a>(t: &'a TableRows, kind: &str) -> Vec<&'a [Value]> {
    t.rows
        .iter()
        .filter(|r| t.get(r, "kind").as_str() == Some(kind))
        .map(|r| r.as_slice())
        .collect()
}

fn s<'a>(t: &'a TableRows, r: &'a [Value], c: &str) -> Option<&'a str> {
    t.get(r, c).as_str()
}

#[test]
fn manifest_columns_match_rows() {
    let m = FootnotesPlugin::manifest();
    let names: Vec<&str> = m.outputs[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "accession_number",
            "section_id",
            "kind",
            "note_number",
            "title",
            "text",
            "char_start",
            "char_end",
            "table_ids",
            "xbrl_concept",
            "ordinal"
        ]
    );
    assert_eq!(m.inputs.len(), 2);
}

fn basic_notes_doc() -> Document {
    doc_of(vec![
        B::H("CONSOLIDATED BALANCE SHEETS"),
        B::P("See accompanying Notes to Consolidated Financial Statements."),
        B::H("Notes to Consolidated Financial Statements"),
        B::H("Note 1 – Summary of Significant Accounting Policies"),
        B::P("The Company designs and sells things. See Note 2 for revenue."),
        B::P("Note 2 describes revenue in detail."),
        B::H("Note 2 – Revenue"),
        B::P("Net sales by category were as follows (in millions):"),
        B::T(vec![vec!["", "2024"], vec!["iPhone (1)", "$ 201,183"]]),
        B::P("(1) Includes AppleCare and accessories sold with iPhone."),
        B::H("NOTE 3. DEBT"),
        B::P("The Company has commercial paper outstanding."),
        B::H("Report of Independent Registered Public Accounting Firm"),
        B::P("We have audited the accompanying balance sheets."),
    ])
}

#[test]
fn note_headings_in_several_styles_and_running_text_ignored() {
    let rows = run(&basic_notes_doc(), &[]);
    let notes = of_kind(&rows, "note");
    let nums: Vec<&str> = notes
        .iter()
        .map(|r| s(&rows, r, "note_number").unwrap())
        .collect();
    assert_eq!(nums, ["1", "2", "3"]);
    assert_eq!(
        s(&rows, notes[0], "title"),
        Some("Summary of Significant Accounting Policies")
    );
    assert_eq!(s(&rows, notes[2], "title"), Some("DEBT"));
    assert!(s(&rows, notes[0], "text")
        .unwrap()
        .contains("Note 2 describes"));
    // The last note stops at the auditor's report.
    assert!(!s(&rows, notes[2], "text").unwrap().contains("audited"));
    assert_eq!(
        s(&rows, notes[1], "table_ids"),
        Some("0000000000-24-000001/tbl/0")
    );
    assert_eq!(
        s(&rows, notes[0], "id"),
        Some("0000000000-24-000001/fn/note/0")
    );
    // Character offsets point at the heading.
    let doc = basic_notes_doc();
    let cs = rows.get(notes[1], "char_start").as_i64().unwrap() as usize;
    let t: String = doc.text.chars().skip(cs).take(6).collect();
    assert_eq!(t, "Note 2");
}

#[test]
fn table_notes_are_linked_to_their_table() {
    let rows = run(&basic_notes_doc(), &[]);
    let tn = of_kind(&rows, "table_note");
    assert_eq!(tn.len(), 1);
    assert_eq!(s(&rows, tn[0], "note_number"), Some("(1)"));
    assert_eq!(
        s(&rows, tn[0], "table_ids"),
        Some("0000000000-24-000001/tbl/0")
    );
    assert!(s(&rows, tn[0], "text").unwrap().starts_with("(1) Includes"));
}

#[test]
fn title_in_the_next_block_and_bare_numbers() {
    let doc = doc_of(vec![
        B::H("NOTES TO FINANCIAL STATEMENTS"),
        B::H("1."),
        B::H("Organization"),
        B::P("The company was organized in 1990."),
        B::P("1. This numbered list item is running text and not a heading."),
        B::H("2. Inventories"),
        B::P("Inventories are stated at cost."),
    ]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 2, "{rows:#?}");
    assert_eq!(s(&rows, notes[0], "title"), Some("Organization"));
    assert_eq!(s(&rows, notes[1], "title"), Some("Inventories"));
}

#[test]
fn numbering_restarts_for_a_second_set_of_statements() {
    let doc = doc_of(vec![
        B::H("Note 1 – Basis"),
        B::P("a"),
        B::H("Note 2 – Debt"),
        B::P("b"),
        B::H("Note 3 – Taxes"),
        B::P("c"),
        B::H("Note 1 – Parent Company Basis"),
        B::P("d"),
        B::H("Note 2 – Parent Company Debt"),
        B::P("e"),
    ]);
    let rows = run(&doc, &[]);
    let nums: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| s(&rows, r, "note_number").unwrap())
        .collect();
    assert_eq!(nums, ["1", "2", "3", "1", "2"]);
    let ids: std::collections::BTreeSet<&str> = rows
        .rows
        .iter()
        .map(|r| s(&rows, r, "id").unwrap())
        .collect();
    assert_eq!(ids.len(), rows.rows.len(), "ids are unique");
}

#[test]
fn sections_input_limits_the_region_and_sets_section_id() {
    let doc = doc_of(vec![
        B::H("Note 1 – Outside"),
        B::P("risk factor text"),
        B::H("Note 2 – Outside too"),
        B::P("more"),
        B::H("Item 8. Financial Statements"),
        B::H("Note 1 – Inside"),
        B::P("x"),
        B::H("Note 2 – Inside Again"),
        B::P("y"),
    ]);
    let start = doc.text.find("Item 8").unwrap();
    let mut sec = TableRows::new(
        "sections",
        &["id", "section_type", "char_start", "char_end"],
    );
    sec.push(vec![
        "acc/sec/item_8".into(),
        "item_8".into(),
        Value::Int(doc.text[..start].chars().count() as i64),
        Value::Int(doc.text.chars().count() as i64),
    ]);
    let rows = run(&doc, &[sec]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 2);
    assert_eq!(s(&rows, notes[0], "title"), Some("Inside"));
    assert_eq!(s(&rows, notes[0], "section_id"), Some("acc/sec/item_8"));
}

#[test]
fn textblock_fact_overlapping_most_is_linked() {
    let mut doc = basic_notes_doc();
    let a = doc.text.find("Summary of Significant").unwrap() as u32;
    let b = doc.text.find("NOTE 3").unwrap() as u32;
    let r = doc.text.find("Revenue").unwrap() as u32;
    doc.facts.push(IxFact {
        name: "us-gaap:SignificantAccountingPoliciesTextBlock".into(),
        start: a,
        end: r,
        ..Default::default()
    });
    doc.facts.push(IxFact {
        name: "us-gaap:RevenueFromContractWithCustomerTextBlock".into(),
        start: r,
        end: b,
        ..Default::default()
    });
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(
        s(&rows, notes[0], "xbrl_concept"),
        Some("us-gaap:SignificantAccountingPoliciesTextBlock")
    );
    assert_eq!(
        s(&rows, notes[1], "xbrl_concept"),
        Some("us-gaap:RevenueFromContractWithCustomerTextBlock")
    );
    assert_eq!(s(&rows, notes[2], "xbrl_concept"), None);
}

#[test]
fn plain_text_notes_are_found_line_by_line() {
    let doc = doc_of(vec![B::Pre(
        "                 NOTES TO CONSOLIDATED FINANCIAL STATEMENTS\n\n1.  SUMMARY OF SIGNIFICANT ACCOUNTING POLICIES\n\n    The Company designs personal computers.\n    See Note 2 below.\n\n2.  INVENTORIES\n\n    Inventories are stated at the lower of cost or market.\n\n3.  INCOME TAXES\n\n    Taxes were paid.\n",
    )]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let titles: Vec<&str> = notes
        .iter()
        .map(|r| s(&rows, r, "title").unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "SUMMARY OF SIGNIFICANT ACCOUNTING POLICIES",
            "INVENTORIES",
            "INCOME TAXES"
        ]
    );
    assert!(s(&rows, notes[0], "text")
        .unwrap()
        .contains("See Note 2 below."));
}

#[test]
fn footnote_rows_inside_a_table() {
    let doc = doc_of(vec![B::T(vec![
        vec!["", "2024"],
        vec!["Revenue*", "1,000"],
        vec!["* Excludes discontinued operations of the segment.", ""],
    ])]);
    let rows = run(&doc, &[]);
    let tn = of_kind(&rows, "table_note");
    assert_eq!(tn.len(), 1);
    assert_eq!(s(&rows, tn[0], "note_number"), Some("*"));
    assert_eq!(rows.get(tn[0], "char_start"), &Value::Null);
}

#[test]
fn deterministic() {
    let d = basic_notes_doc();
    assert_eq!(run(&d, &[]), run(&d, &[]));
}

#[test]
fn note_colon_with_the_title_in_the_next_block() {
    // "Note 1:" alone, the title set in its own (bold) paragraph: a title split over tags.
    let doc = doc_of(vec![
        B::H("Note 1:"),
        B::H("Organization and Nature of Business"),
        B::P("The Company was incorporated in Delaware."),
        B::H("Note 2:"),
        B::H("Inventories"),
        B::P("Inventories are stated at cost. See Note 1 above."),
    ]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (s(&rows, r, "note_number"), s(&rows, r, "title")))
        .collect();
    assert_eq!(
        got,
        [
            (Some("1"), Some("Organization and Nature of Business")),
            (Some("2"), Some("Inventories"))
        ]
    );
}

#[test]
fn parenthesised_numbers_in_a_layout_table() {
    let doc = doc_of(vec![
        B::H("Notes to Consolidated Financial Statements"),
        B::T(vec![vec![
            "(1)",
            "Background and Summary of Accounting Policies",
        ]]),
        B::P("The Company is an insurance holding company."),
        B::T(vec![vec!["(2)", "Investments"]]),
        B::P("Bonds are carried at fair value."),
        B::T(vec![vec![
            "(3)",
            "Income taxes are provided for by the Company.",
        ]]),
    ]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let titles: Vec<&str> = notes
        .iter()
        .map(|r| s(&rows, r, "title").unwrap())
        .collect();
    // The third row is a sentence, not a title: a table footnote, not a note.
    assert_eq!(
        titles,
        [
            "Background and Summary of Accounting Policies",
            "Investments"
        ]
    );
}

#[test]
fn plain_text_notes_without_titles() {
    // 1990s 10-Q: "1.<TAB>Interim information is unaudited; …" (tabs arrive expanded).
    let doc = doc_of(vec![B::Pre(
        "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS (Unaudited)\n\n1.      Interim information is unaudited; however, in the opinion of\nmanagement all adjustments have been included.\n\n2.      In the second quarter of 1996, the Company announced a plan:\n    1.  an indented list item is not a note;\n\n3.      On February 4, 1997, the Company acquired NeXT.\n",
    )]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (s(&rows, r, "note_number"), s(&rows, r, "title")))
        .collect();
    assert_eq!(
        got,
        [(Some("1"), None), (Some("2"), None), (Some("3"), None)]
    );
    assert!(s(&rows, notes[1], "text")
        .unwrap()
        .contains("indented list item"));
    assert!(s(&rows, notes[0], "text").unwrap().ends_with("included."));
}

#[test]
fn plain_text_notes_with_underlined_titles_and_no_numbers() {
    let doc = doc_of(vec![B::Pre(
        "Notes to Consolidated Financial Statements\n\nSummary of Significant Accounting Policies\n__________________________________________\n\nBasis of Presentation\nThe statements include the accounts of the Company.\n\nBorrowings\n__________\n\nThe Company has short-term borrowings.\n\nCommon Stock\n____________\n\nShares were issued.\n\nItem 9.    Changes in and Disagreements with Accountants\n\nNone.\n",
    )]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (s(&rows, r, "note_number"), s(&rows, r, "title")))
        .collect();
    assert_eq!(
        got,
        [
            (None, Some("Summary of Significant Accounting Policies")),
            (None, Some("Borrowings")),
            (None, Some("Common Stock"))
        ]
    );
    // The last note stops at the next Item.
    assert!(!s(&rows, notes[2], "text").unwrap().contains("None."));
}

#[test]
fn running_page_headers_are_not_note_text() {
    let doc = doc_of(vec![
        B::H("Notes to Consolidated Financial Statements"),
        B::H("1. Organization"),
        B::P("We sell games."),
        B::Break("ACME CORP."),
        B::H("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::P("(Tabular amounts in millions)"),
        B::P("More about the organization."),
        B::H("2. Revenue"),
        B::P("Revenue is recognised at the point of sale."),
        B::Break("ACME CORP."),
        B::H("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::P("(Tabular amounts in millions)"),
        B::H("3. Leases"),
        B::P("We lease stores."),
        B::Break("ACME CORP."),
        B::H("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::P("(Tabular amounts in millions)"),
        B::P("Lease terms run five years."),
    ]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 3);
    for n in &notes {
        let t = s(&rows, n, "text").unwrap();
        assert!(!t.contains("ACME") && !t.contains("Tabular"), "{t}");
    }
    assert!(s(&rows, notes[0], "text")
        .unwrap()
        .contains("More about the organization."));
    assert!(s(&rows, notes[2], "text")
        .unwrap()
        .ends_with("Lease terms run five years."));
}

#[test]
fn a_note_tagged_twice_records_the_enclosing_concept() {
    let mut doc = basic_notes_doc();
    let a = doc.text.find("Note 2 – Revenue").unwrap() as u32;
    let b = doc.text.find("NOTE 3").unwrap() as u32;
    for name in [
        "us-gaap:LesseeOperatingLeasesTextBlock",
        "us-gaap:LesseeFinanceLeasesTextBlock",
    ] {
        doc.facts.push(IxFact {
            name: name.into(),
            start: a,
            end: b,
            ..Default::default()
        });
    }
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(
        s(&rows, notes[1], "xbrl_concept"),
        Some("us-gaap:LesseeOperatingLeasesTextBlock")
    );
}

#[test]
fn a_long_statements_section_without_notes_is_not_searched_beyond() {
    // Item 8 holds statements whose notes this plugin cannot see; the Item 14 list after it
    // ("1. Financial Statements", "2. Financial Statement Schedules", "3. Exhibits") must not
    // become notes.
    let filler = "The statements present fairly the financial position. ".repeat(400);
    let filler: &'static str = Box::leak(filler.into_boxed_str());
    let doc = doc_of(vec![
        B::H("Item 8. Financial Statements"),
        B::P(filler),
        B::H("Item 14. Exhibits, Financial Statement Schedules"),
        B::H("Notes to Consolidated Financial Statements"),
        B::H("1. Financial Statements"),
        B::P("The financial statements are listed in the index."),
        B::H("2. Financial Statement Schedules"),
        B::P("The schedules are listed in the index."),
        B::H("3. Exhibits"),
        B::P("The exhibits are listed in the index."),
    ]);
    let start = doc.text.find("Item 8").unwrap();
    let end = doc.text.find("Item 14").unwrap();
    let mut sec = TableRows::new(
        "sections",
        &["id", "section_type", "char_start", "char_end"],
    );
    sec.push(vec![
        "acc/sec/item_8".into(),
        "item_8".into(),
        Value::Int(doc.text[..start].chars().count() as i64),
        Value::Int(doc.text[..end].chars().count() as i64),
    ]);
    let rows = run(&doc, &[sec]);
    assert!(of_kind(&rows, "note").is_empty(), "{rows:#?}");
    // Nor does the fallback (no section, or a stub) take that list for notes.
    let rows = run(&doc, &[]);
    assert!(of_kind(&rows, "note").is_empty(), "{rows:#?}");
}

#[test]
fn the_item_15_list_is_not_a_set_of_notes() {
    // Item 15 is a statements section too (F-pages filers put the statements there); its
    // "(a) 1. Consolidated Financial Statements: 2. … 3. Exhibits:" list is not notes.
    let doc = doc_of(vec![
        B::H("Notes to Consolidated Financial Statements"),
        B::H("1. Consolidated Financial Statements:"),
        B::P("See the index on page F-1."),
        B::H("2. Financial Statement Schedule:"),
        B::P("None."),
        B::H("3. Exhibits:"),
        B::P("See the exhibit index."),
        B::H("1. Organization"),
        B::P("We make things."),
        B::H("2. Revenue"),
        B::P("We sell things."),
    ]);
    let rows = run(&doc, &[]);
    let titles: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| s(&rows, r, "title").unwrap())
        .collect();
    assert_eq!(titles, ["Organization", "Revenue"]);
}

#[test]
fn run_in_headings_open_the_first_paragraph() {
    let doc = doc_of(vec![
        B::H("Notes to the Consolidated Financial Statements (unaudited)"),
        B::P("A. Basis of Presentation – The interim statements are unaudited."),
        B::P("They include all adjustments."),
        B::P("B. Revenue — The Company recognizes revenue when control passes."),
        B::P("C. well-known - this is running text with a hyphen, not a heading."),
        B::P("C. Debt – In May 2018, the Company issued notes."),
    ]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (s(&rows, r, "note_number"), s(&rows, r, "title")))
        .collect();
    assert_eq!(
        got,
        [
            (Some("A"), Some("Basis of Presentation")),
            (Some("B"), Some("Revenue")),
            (Some("C"), Some("Debt"))
        ]
    );
    assert!(s(&rows, notes[0], "text")
        .unwrap()
        .contains("They include all adjustments."));
}

#[test]
fn a_list_after_a_table_is_not_its_footnotes() {
    let doc = doc_of(vec![
        B::T(vec![vec!["", "2015"], vec!["Lease revenue", "1,000"]]),
        B::P("(a) invest in junior trust deeds unless received in a sale;"),
        B::P("(b) acquire any equipment for units;"),
        B::T(vec![vec!["", "2024"], vec!["Net sales1", "5,000"]]),
        B::P("(1) Includes amounts sold through resellers."),
    ]);
    let rows = run(&doc, &[]);
    let tn = of_kind(&rows, "table_note");
    assert_eq!(tn.len(), 1, "{rows:#?}");
    assert_eq!(s(&rows, tn[0], "note_number"), Some("(1)"));
    assert_eq!(
        s(&rows, tn[0], "table_ids"),
        Some("0000000000-24-000001/tbl/1")
    );
}

#[test]
fn footnotes_in_their_own_layout_tables_or_under_a_rule() {
    let doc = doc_of(vec![
        B::T(vec![
            vec!["", "2018"],
            vec!["Alumina (1)", "100"],
            vec!["Aluminum (2)", "200"],
        ]),
        B::T(vec![vec!["(1)", "Includes third-party sales of alumina."]]),
        B::T(vec![vec![
            "(2)",
            "Includes sales of primary aluminum ingot.",
        ]]),
        B::P("Net sales grew."),
        B::T(vec![vec!["", "2023"], vec!["Hardware (1)", "2,996.8"]]),
        B::P("______________________________"),
        B::P("(1) Recognized in prepaid expenses and other current assets."),
    ]);
    let rows = run(&doc, &[]);
    let tn: Vec<(Option<&str>, Option<&str>)> = of_kind(&rows, "table_note")
        .iter()
        .map(|r| (s(&rows, r, "note_number"), s(&rows, r, "table_ids")))
        .collect();
    assert_eq!(
        tn,
        [
            (Some("(1)"), Some("0000000000-24-000001/tbl/0")),
            (Some("(2)"), Some("0000000000-24-000001/tbl/0")),
            (Some("(1)"), Some("0000000000-24-000001/tbl/3")),
        ]
    );
}

#[test]
fn bold_title_on_its_own_line_followed_by_the_number() {
    // The title first, in bold, then "Note N" alone: the note starts at its title.
    let doc = doc_of(vec![
        B::H("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::H("Summary of Significant Accounting Policies"),
        B::P("Note 1"),
        B::P("The Company designs and sells widgets. See Note 2 for its debt."),
        B::H("Long-Term Debt"),
        B::P("Note 2"),
        B::P("Debt consists of senior notes due 2030 and a revolving credit facility."),
        B::H("INCOME TAXES"),
        B::H("NOTE 3"),
        B::P("The provision for income taxes consists of federal and state taxes."),
    ]);
    let t = run(&doc, &[]);
    let notes = of_kind(&t, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (s(&t, r, "note_number"), s(&t, r, "title")))
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("1"),
                Some("Summary of Significant Accounting Policies")
            ),
            (Some("2"), Some("Long-Term Debt")),
            (Some("3"), Some("INCOME TAXES")),
        ]
    );
    let first = s(&t, notes[0], "text").unwrap();
    assert!(
        first.starts_with("Summary of Significant Accounting Policies\n\nNote 1\n\nThe Company")
    );
    assert!(!first.contains("Long-Term Debt"), "{first}");
}

#[test]
fn number_alone_then_title_is_not_read_backwards() {
    // "NOTE 2" / "DEBT" (number first) after a bold page header: the header is not the title.
    let doc = doc_of(vec![
        B::H("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::H("NOTE 1"),
        B::H("ORGANIZATION"),
        B::P("The Company was incorporated in Delaware in 1999 and makes widgets."),
        B::H("ACME WIDGETS, INC."),
        B::H("NOTE 2"),
        B::H("DEBT"),
        B::P("Debt consists of senior notes due 2030 and a revolving credit facility."),
    ]);
    let t = run(&doc, &[]);
    let got: Vec<Option<&str>> = of_kind(&t, "note")
        .iter()
        .map(|r| s(&t, r, "title"))
        .collect();
    assert_eq!(got, [Some("ORGANIZATION"), Some("DEBT")]);
}

#[test]
fn headings_of_2025_10ks_sentence_case_boxed_and_with_a_scale_note() {
    // Amgen: "1. Summary of significant accounting policies" in bold, sentence case.
    // Intuit: "2. Revenue" boxed in a one-cell table.
    let doc = doc_of(vec![
        B::H("Notes to Consolidated Financial Statements"),
        B::H("1. Summary of significant accounting policies"),
        B::P("Amgen Inc. is a global biotechnology pioneer."),
        B::T(vec![vec!["2. Revenue"]]),
        B::P("We recognize revenue when control transfers."),
        B::P("1. A numbered list item that runs on as a sentence."),
        B::H("Report of Independent Registered Public Accounting Firm"),
    ]);
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let titles: Vec<&str> = notes
        .iter()
        .map(|r| s(&rows, r, "title").unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Summary of significant accounting policies", "Revenue"]
    );
    assert!(s(&rows, notes[1], "text")
        .unwrap()
        .contains("numbered list item"));
    // Starbucks: "Note 2: Inventories (in millions)" in plain type.
    let doc = doc_of(vec![
        B::H("Notes to Consolidated Financial Statements"),
        B::H("Note 1: Summary of Significant Accounting Policies"),
        B::P("We purchase and roast high-quality coffees."),
        B::P("Note 2: Inventories (in millions)"),
        B::T(vec![vec!["", "2025"], vec!["Coffee", "$ 911.2"]]),
        B::H("Report of Independent Registered Public Accounting Firm"),
    ]);
    let rows = run(&doc, &[]);
    let titles: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| s(&rows, r, "title").unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Summary of Significant Accounting Policies",
            "Inventories (in millions)"
        ]
    );
}

#[test]
fn notes_after_the_signatures_are_found_past_an_index_line() {
    // Amgen, Booking: Item 8 points to page F-1, Item 15 is a long exhibit index whose list
    // names "Notes to Consolidated Financial Statements" right before "Schedule II"; the
    // notes themselves follow the signatures.
    let doc = doc_of(vec![
        B::H("Item 8. Financial Statements and Supplementary Data"),
        B::P("The information required by this item is incorporated herein by reference to the financial statements on page F-1."),
        B::H("Item 15. Exhibits and Financial Statement Schedules"),
        B::P("Notes to Consolidated Financial Statements"),
        B::H("Schedule II. Valuation and Qualifying Accounts"),
        B::P("All other schedules are omitted because they are not applicable."),
        B::H("SIGNATURES"),
        B::P("Pursuant to the requirements of the Securities Exchange Act of 1934."),
        B::H("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::H("Note 1. Basis of Presentation"),
        B::P("The consolidated financial statements include our accounts."),
        B::H("Note 2. Revenue"),
        B::P("Revenue is recognized when control transfers."),
    ]);
    let rows = run(&doc, &[]);
    let nums: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| s(&rows, r, "note_number").unwrap())
        .collect();
    assert_eq!(nums, ["1", "2"]);
}

#[test]
fn index_lines_are_not_notes() {
    // Intuit's Item 15: "1. INDEX TO CONSOLIDATED FINANCIAL STATEMENTS", "2. INDEX TO
    // FINANCIAL STATEMENT SCHEDULES", bold, before the real notes.
    let doc = doc_of(vec![
        B::H("1. INDEX TO CONSOLIDATED FINANCIAL STATEMENTS"),
        B::P("The following financial statements are filed as part of this report."),
        B::H("2. INDEX TO FINANCIAL STATEMENT SCHEDULES"),
        B::P("All schedules are omitted."),
        B::H("Notes to Consolidated Financial Statements"),
        B::H("1. Description of Business"),
        B::P("Intuit is a global financial technology platform."),
        B::H("2. Revenue"),
        B::P("We recognize revenue when control transfers."),
    ]);
    let rows = run(&doc, &[]);
    let titles: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| s(&rows, r, "title").unwrap())
        .collect();
    assert_eq!(titles, ["Description of Business", "Revenue"]);
}
