//! Rule tests: hand-built documents in, rows out.

use super::*;
use finloom_plugin_api::IxFact;
use finloom_plugin_kit::testing::{self, DocBuilder, RowView};

/// A bold paragraph at the top of a new page (`page_break_before`): a running page header.
fn page_top() -> Style {
    Style {
        bold: true,
        page_break_before: true,
        ..Style::default()
    }
}

fn meta() -> FilingMeta {
    testing::meta("", "0000000000-24-000001")
}

/// The plugin run as the host runs it: its rows pass the host's checks.
fn run(doc: &Document, inputs: &[TableRows]) -> TableRows {
    testing::extract_one::<FootnotesPlugin>(&meta(), doc, inputs, "{}")
}

fn of_kind<'a>(t: &'a TableRows, kind: &str) -> Vec<RowView<'a>> {
    testing::rows_where(t, "kind", kind)
}

/// The titles of the note rows, in order.
fn note_titles(rows: &TableRows) -> Vec<&str> {
    of_kind(rows, "note")
        .iter()
        .map(|r| r.str("title"))
        .collect()
}

/// The `sections` input the host hands the plugin: one row per `(section_type, from, to)`,
/// `from`/`to` byte offsets into the document's text (the table holds characters).
fn sections_input(doc: &Document, spans: &[(&str, usize, usize)]) -> TableRows {
    let chars = |b: usize| Value::Int(doc.text[..b].chars().count() as i64);
    let mut sec = TableRows::new(
        "sections",
        &["id", "section_type", "char_start", "char_end"],
    );
    for &(kind, from, to) in spans {
        sec.push(vec![
            format!("acc/sec/{kind}").into(),
            kind.into(),
            chars(from),
            chars(to),
        ]);
    }
    sec
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
    DocBuilder::new()
        .h("CONSOLIDATED BALANCE SHEETS")
        .p("See accompanying Notes to Consolidated Financial Statements.")
        .h("Notes to Consolidated Financial Statements")
        .h("Note 1 – Summary of Significant Accounting Policies")
        .p("The Company designs and sells things. See Note 2 for revenue.")
        .p("Note 2 describes revenue in detail.")
        .h("Note 2 – Revenue")
        .p("Net sales by category were as follows (in millions):")
        .table(&[&["", "2024"], &["iPhone (1)", "$ 201,183"]])
        .p("(1) Includes AppleCare and accessories sold with iPhone.")
        .h("NOTE 3. DEBT")
        .p("The Company has commercial paper outstanding.")
        .h("Report of Independent Registered Public Accounting Firm")
        .p("We have audited the accompanying balance sheets.")
        .build()
}

#[test]
fn note_headings_in_several_styles_and_running_text_ignored() {
    let rows = run(&basic_notes_doc(), &[]);
    let notes = of_kind(&rows, "note");
    let nums: Vec<&str> = notes.iter().map(|r| r.str("note_number")).collect();
    assert_eq!(nums, ["1", "2", "3"]);
    assert_eq!(
        notes[0].opt_str("title"),
        Some("Summary of Significant Accounting Policies")
    );
    assert_eq!(notes[2].opt_str("title"), Some("DEBT"));
    assert!(notes[0].str("text").contains("Note 2 describes"));
    // The last note stops at the auditor's report.
    assert!(!notes[2].str("text").contains("audited"));
    assert_eq!(
        notes[1].opt_str("table_ids"),
        Some("0000000000-24-000001/tbl/0")
    );
    assert_eq!(
        notes[0].opt_str("id"),
        Some("0000000000-24-000001/fn/note/0")
    );
    // Character offsets point at the heading.
    let doc = basic_notes_doc();
    let cs = notes[1].int("char_start") as usize;
    let t: String = doc.text.chars().skip(cs).take(6).collect();
    assert_eq!(t, "Note 2");
}

#[test]
fn table_notes_are_linked_to_their_table() {
    let rows = run(&basic_notes_doc(), &[]);
    let tn = of_kind(&rows, "table_note");
    assert_eq!(tn.len(), 1);
    assert_eq!(tn[0].opt_str("note_number"), Some("(1)"));
    assert_eq!(
        tn[0].opt_str("table_ids"),
        Some("0000000000-24-000001/tbl/0")
    );
    assert!(tn[0].str("text").starts_with("(1) Includes"));
}

#[test]
fn title_in_the_next_block_and_bare_numbers() {
    let doc = DocBuilder::new()
        .h("NOTES TO FINANCIAL STATEMENTS")
        .h("1.")
        .h("Organization")
        .p("The company was organized in 1990.")
        .p("1. This numbered list item is running text and not a heading.")
        .h("2. Inventories")
        .p("Inventories are stated at cost.")
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 2, "{rows:#?}");
    assert_eq!(notes[0].opt_str("title"), Some("Organization"));
    assert_eq!(notes[1].opt_str("title"), Some("Inventories"));
}

#[test]
fn numbering_restarts_for_a_second_set_of_statements() {
    let doc = DocBuilder::new()
        .h("Note 1 – Basis")
        .p("a")
        .h("Note 2 – Debt")
        .p("b")
        .h("Note 3 – Taxes")
        .p("c")
        .h("Note 1 – Parent Company Basis")
        .p("d")
        .h("Note 2 – Parent Company Debt")
        .p("e")
        .build();
    let rows = run(&doc, &[]);
    let nums: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| r.str("note_number"))
        .collect();
    assert_eq!(nums, ["1", "2", "3", "1", "2"]);
    let ids: std::collections::BTreeSet<&str> =
        testing::rows(&rows).iter().map(|r| r.str("id")).collect();
    assert_eq!(ids.len(), rows.rows.len(), "ids are unique");
}

#[test]
fn sections_input_limits_the_region_and_sets_section_id() {
    let doc = DocBuilder::new()
        .h("Note 1 – Outside")
        .p("risk factor text")
        .h("Note 2 – Outside too")
        .p("more")
        .h("Item 8. Financial Statements")
        .h("Note 1 – Inside")
        .p("x")
        .h("Note 2 – Inside Again")
        .p("y")
        .build();
    let start = doc.text.find("Item 8").unwrap();
    let sec = sections_input(&doc, &[("item_8", start, doc.text.len())]);
    let rows = run(&doc, &[sec]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].opt_str("title"), Some("Inside"));
    assert_eq!(notes[0].opt_str("section_id"), Some("acc/sec/item_8"));
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
        notes[0].opt_str("xbrl_concept"),
        Some("us-gaap:SignificantAccountingPoliciesTextBlock")
    );
    assert_eq!(
        notes[1].opt_str("xbrl_concept"),
        Some("us-gaap:RevenueFromContractWithCustomerTextBlock")
    );
    assert_eq!(notes[2].opt_str("xbrl_concept"), None);
}

#[test]
fn plain_text_notes_are_found_line_by_line() {
    let doc = DocBuilder::new()
        .pre(
            "                 NOTES TO CONSOLIDATED FINANCIAL STATEMENTS\n\n1.  SUMMARY OF SIGNIFICANT ACCOUNTING POLICIES\n\n    The Company designs personal computers.\n    See Note 2 below.\n\n2.  INVENTORIES\n\n    Inventories are stated at the lower of cost or market.\n\n3.  INCOME TAXES\n\n    Taxes were paid.\n",
        )
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let titles: Vec<&str> = notes.iter().map(|r| r.str("title")).collect();
    assert_eq!(
        titles,
        [
            "SUMMARY OF SIGNIFICANT ACCOUNTING POLICIES",
            "INVENTORIES",
            "INCOME TAXES"
        ]
    );
    assert!(notes[0].str("text").contains("See Note 2 below."));
}

#[test]
fn footnote_rows_inside_a_table() {
    let doc = DocBuilder::new()
        .table(&[
            &["", "2024"],
            &["Revenue*", "1,000"],
            &["* Excludes discontinued operations of the segment.", ""],
        ])
        .build();
    let rows = run(&doc, &[]);
    let tn = of_kind(&rows, "table_note");
    assert_eq!(tn.len(), 1);
    assert_eq!(tn[0].opt_str("note_number"), Some("*"));
    assert_eq!(tn[0]["char_start"], Value::Null);
}

#[test]
fn deterministic() {
    let d = basic_notes_doc();
    assert_eq!(run(&d, &[]), run(&d, &[]));
}

#[test]
fn note_colon_with_the_title_in_the_next_block() {
    // "Note 1:" alone, the title set in its own (bold) paragraph: a title split over tags.
    let doc = DocBuilder::new()
        .h("Note 1:")
        .h("Organization and Nature of Business")
        .p("The Company was incorporated in Delaware.")
        .h("Note 2:")
        .h("Inventories")
        .p("Inventories are stated at cost. See Note 1 above.")
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (r.opt_str("note_number"), r.opt_str("title")))
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
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .table(&[&["(1)", "Background and Summary of Accounting Policies"]])
        .p("The Company is an insurance holding company.")
        .table(&[&["(2)", "Investments"]])
        .p("Bonds are carried at fair value.")
        .table(&[&["(3)", "Income taxes are provided for by the Company."]])
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let titles: Vec<&str> = notes.iter().map(|r| r.str("title")).collect();
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
    let doc = DocBuilder::new()
        .pre(
            "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS (Unaudited)\n\n1.      Interim information is unaudited; however, in the opinion of\nmanagement all adjustments have been included.\n\n2.      In the second quarter of 1996, the Company announced a plan:\n    1.  an indented list item is not a note;\n\n3.      On February 4, 1997, the Company acquired NeXT.\n",
        )
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (r.opt_str("note_number"), r.opt_str("title")))
        .collect();
    assert_eq!(
        got,
        [(Some("1"), None), (Some("2"), None), (Some("3"), None)]
    );
    assert!(notes[1].str("text").contains("indented list item"));
    assert!(notes[0].str("text").ends_with("included."));
}

#[test]
fn plain_text_notes_with_underlined_titles_and_no_numbers() {
    let doc = DocBuilder::new()
        .pre(
            "Notes to Consolidated Financial Statements\n\nSummary of Significant Accounting Policies\n__________________________________________\n\nBasis of Presentation\nThe statements include the accounts of the Company.\n\nBorrowings\n__________\n\nThe Company has short-term borrowings.\n\nCommon Stock\n____________\n\nShares were issued.\n\nItem 9.    Changes in and Disagreements with Accountants\n\nNone.\n",
        )
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (r.opt_str("note_number"), r.opt_str("title")))
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
    assert!(!notes[2].str("text").contains("None."));
}

#[test]
fn running_page_headers_are_not_note_text() {
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .h("1. Organization")
        .p("We sell games.")
        .styled("ACME CORP.", page_top())
        .h("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .p("(Tabular amounts in millions)")
        .p("More about the organization.")
        .h("2. Revenue")
        .p("Revenue is recognised at the point of sale.")
        .styled("ACME CORP.", page_top())
        .h("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .p("(Tabular amounts in millions)")
        .h("3. Leases")
        .p("We lease stores.")
        .styled("ACME CORP.", page_top())
        .h("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .p("(Tabular amounts in millions)")
        .p("Lease terms run five years.")
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 3);
    for n in &notes {
        let t = n.str("text");
        assert!(!t.contains("ACME") && !t.contains("Tabular"), "{t}");
    }
    assert!(notes[0]
        .str("text")
        .contains("More about the organization."));
    assert!(notes[2]
        .str("text")
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
        notes[1].opt_str("xbrl_concept"),
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
    let doc = DocBuilder::new()
        .h("Item 8. Financial Statements")
        .p(filler)
        .h("Item 14. Exhibits, Financial Statement Schedules")
        .h("Notes to Consolidated Financial Statements")
        .h("1. Financial Statements")
        .p("The financial statements are listed in the index.")
        .h("2. Financial Statement Schedules")
        .p("The schedules are listed in the index.")
        .h("3. Exhibits")
        .p("The exhibits are listed in the index.")
        .build();
    let start = doc.text.find("Item 8").unwrap();
    let end = doc.text.find("Item 14").unwrap();
    let sec = sections_input(&doc, &[("item_8", start, end)]);
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
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .h("1. Consolidated Financial Statements:")
        .p("See the index on page F-1.")
        .h("2. Financial Statement Schedule:")
        .p("None.")
        .h("3. Exhibits:")
        .p("See the exhibit index.")
        .h("1. Organization")
        .p("We make things.")
        .h("2. Revenue")
        .p("We sell things.")
        .build();
    let rows = run(&doc, &[]);
    let titles = note_titles(&rows);
    assert_eq!(titles, ["Organization", "Revenue"]);
}

#[test]
fn the_item_15_list_in_apples_words_is_not_a_set_of_notes() {
    // Apple's 2024 10-K: "(1) All financial statements", "(2) Financial Statement
    // Schedules", "(3) Exhibits required by Item 601 of Regulation S-K". Only the middle
    // title was read as the list, and 1 and 3 made a chain (a gap of one is tolerated).
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .h("Note 1 – Summary of Significant Accounting Policies")
        .p("Apple designs, manufactures and markets smartphones.")
        .h("Note 2 – Revenue")
        .p("Net sales disaggregated by significant products and services.")
        .h("Item 15. Exhibit and Financial Statement Schedules")
        .p("(a) Documents filed as part of this report")
        .h("(1) All financial statements")
        .p("Index to Consolidated Financial Statements, Page 28.")
        .h("(2) Financial Statement Schedules")
        .p("All financial statement schedules have been omitted.")
        .h("(3) Exhibits required by Item 601 of Regulation S-K (1)")
        .p("Exhibit 3.1 Restated Articles of Incorporation.")
        .build();
    // Item 8 and Item 15 are searched one after the other, as the `sections` stage cuts them.
    let item_15 = doc.text.find("Item 15").unwrap();
    let sec = sections_input(
        &doc,
        &[("item_8", 0, item_15), ("item_15", item_15, doc.text.len())],
    );
    let rows = run(&doc, &[sec]);
    let titles = note_titles(&rows);
    assert_eq!(
        titles,
        ["Summary of Significant Accounting Policies", "Revenue"]
    );
}

#[test]
fn the_last_note_ends_at_the_schedule_or_at_managements_reports() {
    const LAST_NOTE: &str = "Note 2 – Restructuring\n\nThe liability for restructuring charges is included in accrued liabilities.";
    // What follows the notes in Intuit's, Lilly's and Yum's 10-Ks: none of it ended the last
    // note, whose text then ran on into the schedule or the reports.
    for (stop, body) in [
        (
            "INTUIT INC. SCHEDULE II - VALUATION AND QUALIFYING ACCOUNTS",
            "Allowance for doubtful accounts 5 50 (50) 5",
        ),
        (
            "Schedule II — Valuation and Qualifying Accounts",
            "Allowance for doubtful accounts 5 50 (50) 5",
        ),
        (
            "Schedule I - Condensed Financial Information of Parent (Booking Holdings Inc.)",
            "CONDENSED BALANCE SHEETS Cash and cash equivalents 4,173",
        ),
        (
            "Management's Reports",
            "Management's Report for Financial Statements.",
        ),
        (
            "Management\u{2019}s Responsibility for Financial Statements",
            "To Our Shareholders: we are responsible for the statements.",
        ),
    ] {
        let notes = || {
            DocBuilder::new()
                .h("Notes to Consolidated Financial Statements")
                .h("Note 1 – Summary of Significant Accounting Policies")
                .p("We design and sell things.")
                .h("Note 2 – Restructuring")
                .p("The liability for restructuring charges is included in accrued liabilities.")
        };
        let as_heading = notes().h(stop).p(body).build();
        // … and the same title set as the one-cell first row of the schedule's table.
        let in_table = notes()
            .table(&[
                &[stop],
                &["(In millions)", "Beginning Balance"],
                &[body, "5"],
            ])
            .build();
        for doc in [as_heading, in_table] {
            let rows = run(&doc, &[]);
            let notes = of_kind(&rows, "note");
            assert_eq!(notes.len(), 2, "{stop}: {rows:#?}");
            assert_eq!(notes[1].str("text"), LAST_NOTE, "{stop}");
        }
    }
}

#[test]
fn a_schedule_title_atop_each_of_its_pages_still_ends_the_notes() {
    // Booking: "Schedule I - Condensed Financial Information of Parent" heads each page of
    // the schedule, so it is a running page header; it ends the last note all the same.
    let title = "Schedule I - Condensed Financial Information of Parent (Acme Holdings Inc.)";
    let mut b = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .h("1. Organization")
        .p("We sell games.")
        .h("2. Other")
        .p("Accrued expenses include marketing accruals.");
    for statement in [
        "CONDENSED BALANCE SHEETS",
        "CONDENSED STATEMENTS OF OPERATIONS",
        "CONDENSED STATEMENTS OF CASH FLOWS",
    ] {
        b = b
            .styled("Acme Holdings Inc.", page_top())
            .h(title)
            .h(statement)
            .table(&[&["", "2024"], &["Cash", "4,173"]]);
    }
    let rows = run(&b.build(), &[]);
    let notes = of_kind(&rows, "note");
    assert_eq!(notes.len(), 2, "{rows:#?}");
    assert_eq!(
        notes[1].str("text"),
        "2. Other\n\nAccrued expenses include marketing accruals."
    );
}

#[test]
fn run_in_headings_open_the_first_paragraph() {
    let doc = DocBuilder::new()
        .h("Notes to the Consolidated Financial Statements (unaudited)")
        .p("A. Basis of Presentation – The interim statements are unaudited.")
        .p("They include all adjustments.")
        .p("B. Revenue — The Company recognizes revenue when control passes.")
        .p("C. well-known - this is running text with a hyphen, not a heading.")
        .p("C. Debt – In May 2018, the Company issued notes.")
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (r.opt_str("note_number"), r.opt_str("title")))
        .collect();
    assert_eq!(
        got,
        [
            (Some("A"), Some("Basis of Presentation")),
            (Some("B"), Some("Revenue")),
            (Some("C"), Some("Debt"))
        ]
    );
    assert!(notes[0]
        .str("text")
        .contains("They include all adjustments."));
}

#[test]
fn a_list_after_a_table_is_not_its_footnotes() {
    let doc = DocBuilder::new()
        .table(&[&["", "2015"], &["Lease revenue", "1,000"]])
        .p("(a) invest in junior trust deeds unless received in a sale;")
        .p("(b) acquire any equipment for units;")
        .table(&[&["", "2024"], &["Net sales1", "5,000"]])
        .p("(1) Includes amounts sold through resellers.")
        .build();
    let rows = run(&doc, &[]);
    let tn = of_kind(&rows, "table_note");
    assert_eq!(tn.len(), 1, "{rows:#?}");
    assert_eq!(tn[0].opt_str("note_number"), Some("(1)"));
    assert_eq!(
        tn[0].opt_str("table_ids"),
        Some("0000000000-24-000001/tbl/1")
    );
}

#[test]
fn footnotes_in_their_own_layout_tables_or_under_a_rule() {
    let doc = DocBuilder::new()
        .table(&[
            &["", "2018"],
            &["Alumina (1)", "100"],
            &["Aluminum (2)", "200"],
        ])
        .table(&[&["(1)", "Includes third-party sales of alumina."]])
        .table(&[&["(2)", "Includes sales of primary aluminum ingot."]])
        .p("Net sales grew.")
        .table(&[&["", "2023"], &["Hardware (1)", "2,996.8"]])
        .p("______________________________")
        .p("(1) Recognized in prepaid expenses and other current assets.")
        .build();
    let rows = run(&doc, &[]);
    let tn: Vec<(Option<&str>, Option<&str>)> = of_kind(&rows, "table_note")
        .iter()
        .map(|r| (r.opt_str("note_number"), r.opt_str("table_ids")))
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
    let doc = DocBuilder::new()
        .h("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .h("Summary of Significant Accounting Policies")
        .p("Note 1")
        .p("The Company designs and sells widgets. See Note 2 for its debt.")
        .h("Long-Term Debt")
        .p("Note 2")
        .p("Debt consists of senior notes due 2030 and a revolving credit facility.")
        .h("INCOME TAXES")
        .h("NOTE 3")
        .p("The provision for income taxes consists of federal and state taxes.")
        .build();
    let t = run(&doc, &[]);
    let notes = of_kind(&t, "note");
    let got: Vec<(Option<&str>, Option<&str>)> = notes
        .iter()
        .map(|r| (r.opt_str("note_number"), r.opt_str("title")))
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
    let first = notes[0].str("text");
    assert!(
        first.starts_with("Summary of Significant Accounting Policies\n\nNote 1\n\nThe Company")
    );
    assert!(!first.contains("Long-Term Debt"), "{first}");
}

#[test]
fn number_alone_then_title_is_not_read_backwards() {
    // "NOTE 2" / "DEBT" (number first) after a bold page header: the header is not the title.
    let doc = DocBuilder::new()
        .h("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .h("NOTE 1")
        .h("ORGANIZATION")
        .p("The Company was incorporated in Delaware in 1999 and makes widgets.")
        .h("ACME WIDGETS, INC.")
        .h("NOTE 2")
        .h("DEBT")
        .p("Debt consists of senior notes due 2030 and a revolving credit facility.")
        .build();
    let t = run(&doc, &[]);
    let got: Vec<Option<&str>> = of_kind(&t, "note")
        .iter()
        .map(|r| r.opt_str("title"))
        .collect();
    assert_eq!(got, [Some("ORGANIZATION"), Some("DEBT")]);
}

#[test]
fn headings_of_2025_10ks_sentence_case_boxed_and_with_a_scale_note() {
    // Amgen: "1. Summary of significant accounting policies" in bold, sentence case.
    // Intuit: "2. Revenue" boxed in a one-cell table.
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .h("1. Summary of significant accounting policies")
        .p("Amgen Inc. is a global biotechnology pioneer.")
        .table(&[&["2. Revenue"]])
        .p("We recognize revenue when control transfers.")
        .p("1. A numbered list item that runs on as a sentence.")
        .h("Report of Independent Registered Public Accounting Firm")
        .build();
    let rows = run(&doc, &[]);
    let notes = of_kind(&rows, "note");
    let titles: Vec<&str> = notes.iter().map(|r| r.str("title")).collect();
    assert_eq!(
        titles,
        ["Summary of significant accounting policies", "Revenue"]
    );
    assert!(notes[1].str("text").contains("numbered list item"));
    // Starbucks: "Note 2: Inventories (in millions)" in plain type.
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .h("Note 1: Summary of Significant Accounting Policies")
        .p("We purchase and roast high-quality coffees.")
        .p("Note 2: Inventories (in millions)")
        .table(&[&["", "2025"], &["Coffee", "$ 911.2"]])
        .h("Report of Independent Registered Public Accounting Firm")
        .build();
    let rows = run(&doc, &[]);
    let titles = note_titles(&rows);
    assert_eq!(
        titles,
        [
            "Summary of Significant Accounting Policies",
            "Inventories (in millions)"
        ]
    );
}

#[test]
fn italic_numbered_headings_are_note_headings_and_italic_letters_are_not() {
    // T-Mobile sets "Note 11 – Revenue from Contracts with Customers" in italics; others
    // "3. Revenue from Contracts with Customers" or a sentence-case "1. Summary of significant
    // accounting policies": italics set a numbered title apart as bold does. An italic
    // paragraph "U.S. Tax Litigation and Related Matters" inside a note is no note "U".
    let italic = Style {
        italic: true,
        ..Style::default()
    };
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .styled(
            "Note 1 – Summary of Significant Accounting Policies",
            italic.clone(),
        )
        .p("The Company provides wireless services.")
        .styled(
            "Note 2 – Revenue from Contracts with Customers",
            italic.clone(),
        )
        .p("We recognize revenue when control transfers.")
        .styled("U.S. Tax Litigation and Related Matters", italic.clone())
        .p("The Company petitioned the U.S. Tax Court.")
        .h("Report of Independent Registered Public Accounting Firm")
        .build();
    let rows = run(&doc, &[]);
    assert_eq!(
        note_titles(&rows),
        [
            "Summary of Significant Accounting Policies",
            "Revenue from Contracts with Customers"
        ]
    );
    assert!(of_kind(&rows, "note")[1].str("text").contains("Tax Court"));
    let doc = DocBuilder::new()
        .h("Notes to Consolidated Financial Statements")
        .styled(
            "1. Summary of significant accounting policies",
            italic.clone(),
        )
        .p("The Company designs and sells devices.")
        .styled("2. Revenue from Contracts with Customers", italic)
        .p("We recognize revenue when control transfers.")
        .h("Report of Independent Registered Public Accounting Firm")
        .build();
    let rows = run(&doc, &[]);
    assert_eq!(
        note_titles(&rows),
        [
            "Summary of significant accounting policies",
            "Revenue from Contracts with Customers"
        ]
    );
}

#[test]
fn notes_after_the_signatures_are_found_past_an_index_line() {
    // Amgen, Booking: Item 8 points to page F-1, Item 15 is a long exhibit index whose list
    // names "Notes to Consolidated Financial Statements" right before "Schedule II"; the
    // notes themselves follow the signatures.
    let doc = DocBuilder::new()
        .h("Item 8. Financial Statements and Supplementary Data")
        .p("The information required by this item is incorporated herein by reference to the financial statements on page F-1.")
        .h("Item 15. Exhibits and Financial Statement Schedules")
        .p("Notes to Consolidated Financial Statements")
        .h("Schedule II. Valuation and Qualifying Accounts")
        .p("All other schedules are omitted because they are not applicable.")
        .h("SIGNATURES")
        .p("Pursuant to the requirements of the Securities Exchange Act of 1934.")
        .h("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .h("Note 1. Basis of Presentation")
        .p("The consolidated financial statements include our accounts.")
        .h("Note 2. Revenue")
        .p("Revenue is recognized when control transfers.")
        .build();
    let rows = run(&doc, &[]);
    let nums: Vec<&str> = of_kind(&rows, "note")
        .iter()
        .map(|r| r.str("note_number"))
        .collect();
    assert_eq!(nums, ["1", "2"]);
}

#[test]
fn index_lines_are_not_notes() {
    // Intuit's Item 15: "1. INDEX TO CONSOLIDATED FINANCIAL STATEMENTS", "2. INDEX TO
    // FINANCIAL STATEMENT SCHEDULES", bold, before the real notes.
    let doc = DocBuilder::new()
        .h("1. INDEX TO CONSOLIDATED FINANCIAL STATEMENTS")
        .p("The following financial statements are filed as part of this report.")
        .h("2. INDEX TO FINANCIAL STATEMENT SCHEDULES")
        .p("All schedules are omitted.")
        .h("Notes to Consolidated Financial Statements")
        .h("1. Description of Business")
        .p("Intuit is a global financial technology platform.")
        .h("2. Revenue")
        .p("We recognize revenue when control transfers.")
        .build();
    let rows = run(&doc, &[]);
    let titles = note_titles(&rows);
    assert_eq!(titles, ["Description of Business", "Revenue"]);
}
