//! Unit tests over hand-built documents: one test per hard case.

use super::*;
use finloom_plugin_api::Style;
use finloom_plugin_kit::testing::{self, DocBuilder};

fn meta(form: &str) -> FilingMeta {
    testing::meta(form, "0000000000-24-000001")
}

/// The sections of `doc` as a `form` filing. The plugin's rows for it, one per section, pass
/// the host's checks (types, NULLs, unique keys).
fn run(form: &str, doc: &Document) -> Vec<Section> {
    let s = extract_sections(&meta(form), doc, &Config::default()).expect("extract");
    let rows = testing::extract_one::<Sections>(&meta(form), doc, &[], "{}");
    assert_eq!(rows.rows.len(), s.len());
    s
}

fn types(s: &[Section]) -> Vec<String> {
    s.iter().map(|s| s.section_type.clone()).collect()
}

const BODY: &str = "The Company designs, manufactures and markets products. It sells them \
    worldwide through its retail and online stores and its direct sales force, as well as \
    through third-party cellular network carriers, wholesalers, retailers and resellers. The \
    Company's fiscal year is the 52- or 53-week period that ends on the last Saturday of \
    September of each year.";

#[test]
fn toc_table_is_skipped() {
    let doc = DocBuilder::new()
        .p("Annual Report on Form 10-K")
        .table(&[
            &["", "Page"],
            &["Item 1.", "Business", "1"],
            &["Item 1A.", "Risk Factors", "5"],
            &["Item 2.", "Properties", "9"],
            &["Item 7.", "Management's Discussion and Analysis", "12"],
        ])
        .h("PART I")
        .h("Item 1. Business")
        .p(BODY)
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .h("Item 2. Properties")
        .p(BODY)
        .h("PART II")
        .h("Item 7. Management's Discussion and Analysis")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_1a", "item_2", "item_7"]);
    assert_eq!(s[0].title.as_deref(), Some("Item 1. Business"));
    assert_eq!(s[0].text, BODY);
    // The PART II heading introduces Item 7; it is not part of Item 2.
    assert_eq!(s[2].text, BODY);
    assert_eq!(s[3].part.as_deref(), Some("part2"));
    assert!(s.iter().all(|x| x.method == "heading"));
}

/// "ltem 9A." (a lower-case L for the I, a typo found in a 2025 10-K's Item 9A heading) is a
/// heading like "Item 9A.", and its bare label on a line of its own is too.
#[test]
fn a_lower_case_l_for_the_i_of_item_is_read_as_item() {
    let html = format!(
        "<html><body>\
         <p style=\"font-weight:bold\">Item 9. Changes in and Disagreements with Accountants</p><p>{BODY}</p>\
         <p style=\"font-weight:bold\">ltem 9A. Controls and Procedures</p><p>{BODY}</p>\
         <p style=\"font-weight:bold\">LTEM 9B.</p><p style=\"font-weight:bold\">OTHER INFORMATION</p><p>{BODY}</p>\
         </body></html>"
    );
    let (meta, doc) = testing::from_html(&html, "10-K", "0000000000-24-000001");
    let s = extract_sections(&meta, &doc, &Config::default()).expect("extract");
    assert_eq!(types(&s), ["item_9", "item_9a", "item_9b"]);
    assert_eq!(
        s[1].title.as_deref(),
        Some("ltem 9A. Controls and Procedures")
    );
    assert_eq!(s[2].title.as_deref(), Some("LTEM 9B. OTHER INFORMATION"));
    assert!(s.iter().all(|x| x.text == BODY), "{s:#?}");
}

/// The same layout as HTML read by ingest (as a run reads a filing): headings as `<h2>`, a
/// bold `<p>` and a heading laid out in a one-row table.
#[test]
fn html_headings_read_by_ingest() {
    let html = format!(
        "<html><body>\
         <h2>Item 1. Business</h2><p>{BODY}</p>\
         <p style=\"font-weight:bold\">ITEM 1A. RISK FACTORS</p><p>{BODY}</p>\
         <table><tr><td>Item 2.</td><td>Properties</td></tr></table><p>{BODY}</p>\
         </body></html>"
    );
    let (meta, doc) = testing::from_html(&html, "10-K", "0000000000-24-000001");
    let s = extract_sections(&meta, &doc, &Config::default()).expect("extract");
    assert_eq!(types(&s), ["item_1", "item_1a", "item_2"]);
    assert_eq!(
        s.iter().map(|x| x.method).collect::<Vec<_>>(),
        ["heading", "heading", "heading_table"]
    );
    assert_eq!(s[1].title.as_deref(), Some("ITEM 1A. RISK FACTORS"));
    assert!(s.iter().all(|x| x.text == BODY), "{s:#?}");
    assert_eq!(run("10-K", &doc), s);
}

#[test]
fn toc_as_paragraphs_is_skipped() {
    let doc = DocBuilder::new()
        .p("TABLE OF CONTENTS")
        .p("Item 1. Business 3")
        .p("Item 1A. Risk Factors 8")
        .p("Item 2. Properties 15")
        .p("Item 3. Legal Proceedings 16")
        .h("Item 1. Business")
        .p(BODY)
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .h("Item 2. Properties")
        .p(BODY)
        .h("Item 3. Legal Proceedings")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_1a", "item_2", "item_3"]);
    for x in &s {
        assert_eq!(x.text, BODY, "{}", x.section_type);
        assert!(!x.title.as_ref().unwrap().ends_with(char::is_numeric));
    }
}

#[test]
fn cross_reference_is_not_a_heading() {
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p("For more information, see Item 7 of this report.")
        .p("Item 7 of this report describes the results of operations in detail.")
        .p("Item 7, Management's Discussion and Analysis, describes liquidity.")
        .h("Item 2. Properties")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_2"]);
    assert!(s[0].text.contains("Item 7 of this report describes"));
}

#[test]
fn split_heading_is_joined() {
    let doc = DocBuilder::new()
        .h("ITEM 7.")
        .h("MANAGEMENT'S DISCUSSION AND ANALYSIS OF FINANCIAL CONDITION AND RESULTS OF OPERATIONS")
        .p(BODY)
        .h("ITEM 8.")
        .h("Financial Statements and Supplementary Data")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_7", "item_8"]);
    assert_eq!(
        s[0].title.as_deref(),
        Some("ITEM 7. MANAGEMENT'S DISCUSSION AND ANALYSIS OF FINANCIAL CONDITION AND RESULTS OF OPERATIONS")
    );
    assert_eq!(s[0].text, BODY);
    assert_eq!(
        s[1].title.as_deref(),
        Some("ITEM 8. Financial Statements and Supplementary Data")
    );
}

#[test]
fn short_answer_is_not_joined_to_title() {
    let doc = DocBuilder::new()
        .h("Item 3.")
        .h("Legal Proceedings")
        .p(BODY)
        .h("Item 4.")
        .p("None.")
        .h("Item 5. Market for Registrant's Common Equity")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_3", "item_4", "item_5"]);
    assert_eq!(s[1].title.as_deref(), Some("Item 4."));
    assert_eq!(s[1].text, "None.");
    assert_eq!(s[1].status, "present");
}

#[test]
fn heading_variants() {
    let doc = DocBuilder::new()
        .h("Item No. 1 Business")
        .p(BODY)
        .h("Item\u{a0}1A.\u{a0}\u{a0}Risk Factors")
        .p(BODY)
        .h("ITEM 2 - PROPERTIES")
        .p(BODY)
        .h("Item 3: Legal Proceedings")
        .p(BODY)
        .h("ITEM 7A \u{2014} QUANTITATIVE AND QUALITATIVE DISCLOSURES")
        .p(BODY)
        .h("ITEM 9A(T). CONTROLS AND PROCEDURES")
        .p(BODY)
        .build();
    let s = run("10-K405", &doc);
    assert_eq!(
        types(&s),
        ["item_1", "item_1a", "item_2", "item_3", "item_7a", "item_9a"]
    );
    assert_eq!(s[4].item, "7A");
    assert_eq!(s[1].title.as_deref(), Some("Item 1A. Risk Factors"));
}

#[test]
fn items_heading_takes_first_item() {
    let doc = DocBuilder::new()
        .h("Items 1 and 2. Business and Properties")
        .p(BODY)
        .h("Item 3. Legal Proceedings")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    // The heading's first item locates the section; the others get the same text (see
    // a_combined_heading_is_stored_under_each_item_it_names).
    assert_eq!(types(&s), ["item_1", "item_2", "item_3"]);
    assert_eq!(s[0].method, "heading");
}

#[test]
fn items_not_applicable_list_is_not_a_heading() {
    let doc = DocBuilder::new()
        .p("Items 1 through 4, 6 and 8 Not Applicable.")
        .p("Item 5. Other Events.")
        .p(BODY)
        .build();
    let s = run("8-K", &doc);
    assert_eq!(types(&s), ["item_5"]);
}

#[test]
fn ten_q_parts() {
    let doc = DocBuilder::new()
        .table(&[
            &["Part I", ""],
            &["Item 1.", "Financial Statements", "1"],
            &["Item 2.", "MD&A", "10"],
            &["Part II", ""],
            &["Item 1.", "Legal Proceedings", "20"],
            &["Item 6.", "Exhibits", "22"],
        ])
        .h("PART I \u{2014} FINANCIAL INFORMATION")
        .h("Item 1. Financial Statements")
        .table(&[
            &["Net sales", "$", "94,836"],
            &["Cost of sales", "", "52,860"],
        ])
        .p(BODY)
        .h("Item 2. Management's Discussion and Analysis")
        .p(BODY)
        .h("PART II \u{2014} OTHER INFORMATION")
        .h("Item 1. Legal Proceedings")
        .p(BODY)
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .h("Item 6. Exhibits")
        .p(BODY)
        .build();
    let s = run("10-Q", &doc);
    assert_eq!(
        types(&s),
        [
            "part1_item1",
            "part1_item2",
            "part2_item1",
            "part2_item1a",
            "part2_item6"
        ]
    );
    assert_eq!(s[2].part.as_deref(), Some("part2"));
    assert_eq!(s[2].item, "1");
    // Tables stay in place as read, under a line naming the table id.
    assert!(s[0]
        .text
        .starts_with("[TABLE 0000000000-24-000001/tbl/1]\n"));
    assert!(s[0].text.contains("\n[/TABLE]\n\n"));
    // The PART II heading is not in Item 2's text.
    assert_eq!(s[1].text, BODY);
}

#[test]
fn ten_q_parts_inferred_without_part_headings() {
    let doc = DocBuilder::new()
        .h("Item 1. Financial Statements")
        .p(BODY)
        .h("Item 4. Controls and Procedures")
        .p(BODY)
        .h("Item 1. Legal Proceedings")
        .p(BODY)
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .build();
    let s = run("10-Q", &doc);
    assert_eq!(
        types(&s),
        ["part1_item1", "part1_item4", "part2_item1", "part2_item1a"]
    );
}

#[test]
fn eight_k_items_and_signatures() {
    let doc = DocBuilder::new()
        .p("FORM 8-K")
        .p("Check the appropriate box below if the Form 8-K filing is intended to satisfy the filing obligation.")
        .h("Item 2.02 Results of Operations and Financial Condition.")
        .p(BODY)
        .h("Item 9.01 Financial Statements and Exhibits.")
        .p("(d) Exhibits.")
        .table(&[&["Exhibit No.", "Description"], &["99.1", "Press release"]])
        .h("SIGNATURES")
        .p("Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly caused this report to be signed.")
        .build();
    let s = run("8-K", &doc);
    assert_eq!(types(&s), ["item_2.02", "item_9.01"]);
    assert_eq!(s[0].item, "2.02");
    assert_eq!(s[0].part, None);
    assert_eq!(
        s[1].text,
        "(d) Exhibits.\n\n[TABLE 0000000000-24-000001/tbl/0]\n\
         Exhibit No. | Description\n99.1 | Press release\n[/TABLE]"
    );
}

#[test]
fn eight_k_old_numbering_and_inline_heading() {
    let doc = DocBuilder::new()
        .p("Item 5. Other Events. On January 10, 1997, the Company announced that it had completed the acquisition of the assets of a home health agency located in Pennsylvania, for a purchase price of approximately $3 million.")
        .p("Item 7. Financial Statements and Exhibits.")
        .p("(c) Exhibits. 99.1 Press Release.")
        .build();
    let s = run("8-K", &doc);
    assert_eq!(types(&s), ["item_5", "item_7"]);
    assert_eq!(s[0].method, "heading_text");
    assert_eq!(s[0].title.as_deref(), Some("Item 5. Other Events."));
    assert!(s[0].text.starts_with("On January 10, 1997"));
}

#[test]
fn plain_text_lines() {
    let doc = DocBuilder::new()
        .pre(
            "                                   PART I\n\
             \n\
             ITEM 1.  BUSINESS\n\
             \n\
             Apple Computer, Inc. designs, manufactures and markets personal computers\n\
             and related software. Further discussion appears in\n\
             Item 7 of this report.\n\
             \n\
                                                 12\n\
             \n\
             ITEM 2.  PROPERTIES AND\n\
             FACILITIES\n\
             \n\
             The Company's headquarters are located in Cupertino, California.\n",
        )
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_2"]);
    assert_eq!(s[0].title.as_deref(), Some("ITEM 1. BUSINESS"));
    assert_eq!(
        s[0].text,
        "Apple Computer, Inc. designs, manufactures and markets personal computers\n\
         and related software. Further discussion appears in\nItem 7 of this report."
    );
    assert!(s.iter().all(|x| x.method == "heading_text"));
    assert_eq!(
        s[1].title.as_deref(),
        Some("ITEM 2. PROPERTIES AND FACILITIES")
    );
    assert!(s[1].text.starts_with("The Company's headquarters"));
}

#[test]
fn page_furniture_is_dropped() {
    let footer = |n: u32| format!("Apple Inc. | 2024 Form 10-K | {n}");
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p(BODY)
        .p(&footer(1))
        .p("Table of Contents")
        .p(BODY)
        .p("F-12")
        .p(&footer(2))
        .p("- 3 -")
        .p("Page 4 of 40")
        .p(BODY)
        .p(&footer(3))
        .h("Item 2. Properties")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(s[0].text, [BODY, BODY, BODY].join("\n\n"));
}

/// Item 7 over three more pages, each opening with `head` (page break before it) followed by
/// `page`, then Item 8.
fn item_7_with_running_heads(head: &str, page: &[&str]) -> Vec<Section> {
    let new_page = Style {
        page_break_before: true,
        ..Style::default()
    };
    let mut d = DocBuilder::new()
        .h("Item 7. Management's Discussion")
        .p(BODY);
    for _ in 0..3 {
        d = d.styled(head, new_page);
        for p in page {
            d = d.p(p);
        }
    }
    let doc = d.h("Item 8. Financial Statements").p(BODY).build();
    run("10-K", &doc)
}

#[test]
fn running_heads_at_page_breaks_are_dropped() {
    let s = item_7_with_running_heads("GAMESTOP CORP.", &[BODY, "None."]);
    assert!(!s[0].text.contains("GAMESTOP"));
    // "None." repeated is content, not furniture.
    assert_eq!(s[0].text.matches("None.").count(), 3);
}

/// A running head spelled "ltem 7" atop every page of Item 7 is page furniture like "Item 7":
/// the label recognisers for headings and for running heads read the same spelling.
#[test]
fn ltem_running_heads_are_furniture_like_item_running_heads() {
    let s = item_7_with_running_heads("ltem 7", &[BODY]);
    assert_eq!(types(&s), ["item_7", "item_8"]);
    assert_eq!(
        s[0].text,
        [BODY, BODY, BODY, BODY].join("\n\n"),
        "{}",
        s[0].text
    );
}

#[test]
fn status_reserved_and_incorporated() {
    let doc = DocBuilder::new()
        .h("Item 5. Market for Registrant's Common Equity")
        .p(BODY)
        .h("Item 6. [Reserved]")
        .h("Item 7. Management's Discussion")
        .p(BODY)
        .h("Item 9B.")
        .p("[Reserved]")
        .h("Item 10. Directors, Executive Officers and Corporate Governance")
        .p("The information required by this Item will be included in the Company's 2025 Proxy Statement and is incorporated herein by reference.")
        .build();
    let s = run("10-K", &doc);
    assert_eq!(
        types(&s),
        ["item_5", "item_6", "item_7", "item_9b", "item_10"]
    );
    let st: Vec<&str> = s.iter().map(|x| x.status).collect();
    assert_eq!(
        st,
        [
            "present",
            "reserved",
            "present",
            "reserved",
            "incorporated_by_reference"
        ]
    );
    assert_eq!(s[3].title.as_deref(), Some("Item 9B. [Reserved]"));
}

#[test]
fn sub_items_and_shared_bodies() {
    let doc = DocBuilder::new()
        .h("Item 10: Directors and Executive Officers of the Registrant")
        .h("Item 11: Executive Compensation")
        .h("Item 12: Security Ownership")
        .p("The information called for by Items 10, 11 and 12 is incorporated by reference to the Company's definitive Proxy Statement.")
        .h("Item 14: Exhibits, Financial Statement Schedules and Reports on Form 8-K")
        .h("Item 14(a)(1):")
        .h("Financial Statements")
        .p(BODY)
        .h("Item 14 (a)(2):")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_10", "item_11", "item_12", "item_14"]);
    assert!(s[..3]
        .iter()
        .all(|x| x.status == "incorporated_by_reference"));
    assert_eq!(
        s[3].title.as_deref(),
        Some("Item 14: Exhibits, Financial Statement Schedules and Reports on Form 8-K")
    );
    assert!(s[3].text.starts_with("Item 14(a)(1):"));
}

#[test]
fn invalid_items_for_form_are_ignored() {
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p(BODY)
        .h("Item 17. Something Else")
        .p(BODY)
        .h("Item 2.02 Results of Operations")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1"]);
    assert!(s[0].text.contains("Item 17"));
}

#[test]
fn char_offsets_cover_heading_and_body() {
    let doc = DocBuilder::new()
        .p("Caf\u{e9} cover page \u{2014} r\u{e9}sum\u{e9}")
        .h("Item 1. Business")
        .p(BODY)
        .h("Item 2. Properties")
        .p("Cupertino.")
        .build();
    let s = run("10-K", &doc);
    let chars: Vec<char> = doc.text.chars().collect();
    let sec: String = chars[s[0].char_start..s[0].char_end].iter().collect();
    assert_eq!(sec, format!("Item 1. Business\n\n{BODY}"));
    let sec: String = chars[s[1].char_start..s[1].char_end].iter().collect();
    assert_eq!(sec, "Item 2. Properties\n\nCupertino.");
    assert_eq!(s[1].word_count, 1);
    assert_eq!(s[1].section_index, 1);
    assert_eq!(s[1].id, "0000000000-24-000001/sec/item_2");
}

#[test]
fn unsupported_form_is_an_error_and_output_is_deterministic() {
    let doc = DocBuilder::new().h("Item 1. Business").p(BODY).build();
    assert!(extract_sections(&meta("S-1"), &doc, &Config::default()).is_err());
    let a = extract_table(&meta("10-K"), &doc, "{}").unwrap();
    let b = extract_table(&meta("10-K"), &doc, "").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.rows.len(), 1);
    assert!(parse_config("{\"stop_at_signatures\": false}").is_ok());
    assert!(parse_config("[").is_err());
}

#[test]
fn manifest_declares_sections_table() {
    let m = manifest();
    assert_eq!(m.name.as_str(), "sections");
    assert_eq!(m.stage.as_str(), "sections");
    assert!(m.inputs.is_empty());
    let t = &m.outputs[0];
    assert_eq!(t.name.as_str(), "sections");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "accession_number",
            "section_type",
            "part",
            "item",
            "title",
            "text",
            "char_start",
            "char_end",
            "word_count",
            "status",
            "method",
            "confidence",
            "section_index"
        ]
    );
    let keys: Vec<&str> = t.key.iter().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["accession_number", "section_type"]);
}

/// A 10-K organised by a "Form 10-K cross-reference index" (GE, Citigroup and others): the
/// body has captions ("Risk Factors") but no "Item" headings, and a table at the end maps
/// each item to pages and captions. The items come out with their body text — located by
/// caption where the caption is a heading in the body, else by the first page of the range —
/// and never with the index rows as their text. An item the index answers "Not applicable"
/// is that row (as "Item 4. Mine Safety Disclosures — Not applicable." would be in a filing
/// with item headings).
#[test]
fn cross_reference_index_locates_items_by_caption_and_page() {
    let doc = DocBuilder::new()
        .p("2023 Annual Report")
        .h("Our Business")
        .p(BODY)
        .p("1")
        .p("Our segments serve customers in more than 100 countries.")
        .p("2")
        .h("Risk Factors")
        .p("Our results can be affected by many risks.")
        .p("3")
        .h("Legal Proceedings")
        .p("We are party to routine litigation.")
        .p("4")
        .h("Management's Discussion and Analysis")
        .p(BODY)
        .p("5")
        .h("Consolidated Statement of Earnings")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p("6")
        .p("Form 10-K Cross-Reference Index")
        .table(&[
            &["Item Number", "", "Page(s)"],
            &["Item 1.", "Business", "1-2"],
            &["Item 1A.", "Risk Factors", "3"],
            &["Item 3.", "Legal Proceedings", "4"],
            &["Item 4.", "Mine Safety Disclosures", "Not applicable"],
            &["Item 7.", "Management's Discussion and Analysis", "5"],
            &[
                "Item 8.",
                "Financial Statements and Supplementary Data",
                "6",
            ],
        ])
        .h("SIGNATURES")
        .p("Pursuant to the requirements of the Securities Exchange Act of 1934.")
        .build();
    let s = run("10-K", &doc);
    assert_eq!(
        types(&s),
        ["item_1", "item_1a", "item_3", "item_7", "item_8", "item_4"]
    );
    assert!(s.iter().all(|x| x.method == "cross_reference_index"));
    // Item 1 is found by its page (the body's caption is "Our Business"): its text is the
    // whole of pages 1-2 without the page numbers, heading included (there is no item heading).
    assert_eq!(
        s[0].text,
        format!("2023 Annual Report\n\nOur Business\n\n{BODY}\n\nOur segments serve customers in more than 100 countries.")
    );
    assert_eq!(s[0].title.as_deref(), Some("Item 1. Business"));
    // Item 1A by its caption, which is the section's heading.
    assert_eq!(s[1].text, "Our results can be affected by many risks.");
    assert_eq!(s[2].text, "We are party to routine litigation.");
    assert_eq!(s[3].text, BODY);
    // Item 8 (caption not printed in the body) by page 6; it stops before the index.
    assert_eq!(
        s[4].text,
        "Consolidated Statement of Earnings\n\n[TABLE 0000000000-24-000001/tbl/0]\n\
         Revenues | $ 1,000\nNet earnings | 100\n[/TABLE]"
    );
    assert!(s[..5].iter().all(|x| !x.text.contains("Not applicable")));
    assert_eq!(s[5].text, "Not applicable");
    assert_eq!(
        s[5].title.as_deref(),
        Some("Item 4. Mine Safety Disclosures")
    );
    assert_eq!(s[5].status, "present");
}

/// An ordinary 10-K whose table of contents gives pages is not read as a cross-reference
/// index: its body headings win.
#[test]
fn table_of_contents_with_pages_is_not_a_cross_reference_index() {
    let doc = DocBuilder::new()
        .table(&[
            &["Item 1.", "Business", "1"],
            &["Item 1A.", "Risk Factors", "2"],
            &["Item 2.", "Properties", "3"],
            &["Item 3.", "Legal Proceedings", "3"],
        ])
        .h("Item 1. Business")
        .p(BODY)
        .p("1")
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .p("2")
        .h("Item 2. Properties")
        .p(BODY)
        .h("Item 3. Legal Proceedings")
        .p(BODY)
        .p("3")
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_1a", "item_2", "item_3"]);
    assert!(s.iter().all(|x| x.method == "heading"));
}

#[test]
fn heading_laid_out_in_a_one_row_table() {
    let doc = DocBuilder::new()
        .table(&[&["Item 1.", "Business"]])
        .p(BODY)
        .table(&[&["ITEM 1A.", "RISK FACTORS"]])
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_1a"]);
    assert!(s.iter().all(|x| x.method == "heading_table"));
    assert_eq!(s[0].title.as_deref(), Some("Item 1. Business"));
    assert_eq!(s[0].text, BODY);
}

#[test]
fn mid_sentence_item_names_are_cross_references() {
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p(BODY)
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .h("Item 7. Management's Discussion and Analysis")
        .p("Our results are subject to the risks described in Part I, Item 1A \u{2014} Risk Factors of this report, which could affect our liquidity.")
        .p("Item 1A \u{2014} Risk Factors, above, describes the principal risks in more detail than this discussion does, and readers should consider them together.")
        .p(BODY)
        .h("Item 8. Financial Statements")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_1a", "item_7", "item_8"]);
    assert!(s[2].text.contains("Item 1A \u{2014} Risk Factors, above"));
    assert_eq!(s[1].text, BODY);
}

#[test]
fn heading_split_over_inline_tags_and_mixed_case() {
    // Ingest joins the spans of one <p> into one block; what reaches the plugin is one unit
    // with odd spacing and case.
    let doc = DocBuilder::new()
        .h("iTeM   7 .  Management\u{2019}s Discussion")
        .p(BODY)
        .h("ITEM 7A-QUANTITATIVE AND QUALITATIVE DISCLOSURES")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_7", "item_7a"]);
}

/// The GE / Citigroup layout: index rows "1A. Risk Factors | 3" without the word "Item",
/// page numbers at the end of a running foot ("2023 FORM 10-K 3").
#[test]
fn cross_reference_index_with_bare_item_numbers_and_running_feet() {
    let foot = |n: u32| format!("2023 FORM 10-K {n}");
    let doc = DocBuilder::new()
        .h("BUSINESS OVERVIEW")
        .p(BODY)
        .p(&foot(1))
        .h("RISK FACTORS")
        .p("Our results can be affected by many risks.")
        .p(&foot(2))
        .h("PROPERTIES")
        .p("We own plants in 20 countries.")
        .p(&foot(3))
        .h("LEGAL PROCEEDINGS")
        .p("We are party to routine litigation.")
        .p(&foot(4))
        .p("FORM 10-K CROSS REFERENCE INDEX")
        .table(&[
            &["Item Number", "Page(s)"],
            &["Part I", ""],
            &["1. Business", "1"],
            &["1A. Risk Factors", "2"],
            &["1B. Unresolved Staff Comments", "Not applicable"],
            &["2. Properties", "3"],
            &["3. Legal Proceedings", "4"],
        ])
        .build();
    let s = run("10-K", &doc);
    assert_eq!(
        types(&s),
        ["item_1", "item_1a", "item_2", "item_3", "item_1b"]
    );
    assert_eq!(s[4].text, "Not applicable");
    assert_eq!(s[0].title.as_deref(), Some("1. Business"));
    assert_eq!(s[0].text, format!("BUSINESS OVERVIEW\n\n{BODY}"));
    assert_eq!(s[1].text, "Our results can be affected by many risks.");
    assert_eq!(s[3].text, "We are party to routine litigation.");
    assert!(s.iter().all(|x| !x.text.contains("2023 FORM 10-K")));
}

#[test]
fn one_row_and_one_column_layout_tables_are_inlined_as_text() {
    // Bullets set as "• | text" one-row tables, a one-column list, and a real grid: the first
    // two get no cells from the tables plugin, so their words go into the text; the grid
    // keeps its placeholder.
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p("We sell through:")
        .table(&[&["•", "", "Retail stores in 25 countries;"]])
        .table(&[&["•", "", "Online stores and resellers."]])
        .table(&[&["Segments:"], &["Americas"], &[""], &["Europe"]])
        .table(&[&["Region", "2024"], &["Americas", "167,045"]])
        .h("Item 1A. Risk Factors")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(
        s[0].text,
        "We sell through:\n\n• Retail stores in 25 countries;\n\n• Online stores and resellers.\n\n\
         Segments:\nAmericas\nEurope\n\n[TABLE 0000000000-24-000001/tbl/3]\n\
         Region | 2024\nAmericas | 167,045\n[/TABLE]"
    );
}

#[test]
fn continued_item_headers_on_every_page_do_not_restart_the_item() {
    // Ford's 10-Q repeats "Item 1. Financial Statements (Continued)" (italic) atop every page
    // of its statements and notes: the item runs from its own heading to Item 2.
    let cont = Style {
        italic: true,
        page_break_before: true,
        ..Style::default()
    };
    let doc = DocBuilder::new()
        .h("PART I. FINANCIAL INFORMATION")
        .h("Item 1. Financial Statements")
        .p(BODY)
        .styled("Item 1. Financial Statements (Continued)", cont)
        .p(BODY)
        .styled("Item 1. Financial Statements (Continued)", cont)
        .p(BODY)
        .h("Item 2. Management's Discussion and Analysis of Financial Condition and Results of Operations")
        .p(BODY)
        .h("PART II. OTHER INFORMATION")
        .h("Item 1. Legal Proceedings")
        .p(BODY)
        .build();
    let s = run("10-Q", &doc);
    assert_eq!(types(&s), ["part1_item1", "part1_item2", "part2_item1"]);
    assert_eq!(s[0].title.as_deref(), Some("Item 1. Financial Statements"));
    assert_eq!(
        s[0].text.matches("The Company designs").count(),
        3,
        "{}",
        s[0].text
    );
}

#[test]
fn ten_ksb_keeps_its_own_numbering_whatever_the_spelling_of_the_form() {
    let doc = DocBuilder::new()
        .h("PART I")
        .h("Item 1. Description of Business")
        .p(BODY)
        .h("Item 2. Description of Property")
        .p(BODY)
        .h("PART II")
        .h("Item 6. Management's Discussion and Analysis or Plan of Operation")
        .p(BODY)
        .h("Item 7. Financial Statements")
        .p(BODY)
        .h("Item 8A. Controls and Procedures")
        .p(BODY)
        .h("Item 8B. Other Information")
        .p(BODY)
        .h("PART III")
        .h("Item 13. Exhibits")
        .p(BODY)
        .build();
    for form in ["10-KSB", "10KSB", "10-KSB40", "10-KSB/A"] {
        let s = run(form, &doc);
        assert_eq!(
            types(&s),
            ["item_1", "item_2", "item_6", "item_7", "item_8a", "item_8b", "item_13"],
            "{form}"
        );
        // 10-KSB parts: Item 7 (financial statements) and 8A/8B are Part II, 13 is Part III.
        assert_eq!(s[3].part.as_deref(), Some("part2"), "{form}");
        assert_eq!(s[5].part.as_deref(), Some("part2"), "{form}");
        assert_eq!(s[6].part.as_deref(), Some("part3"), "{form}");
    }
    // The other variants map onto their base form's items.
    for (form, base) in [
        ("10-K405", "10-K"),
        ("10-KT", "10-K"),
        ("10-K/A", "10-K"),
        ("10-QSB", "10-Q"),
        ("10-Q/A", "10-Q"),
        ("8-K/A", "8-K"),
        ("10KSB", "10-KSB"),
    ] {
        assert_eq!(form_family(form), form_family(base), "{form}");
    }
}

#[test]
fn a_combined_heading_is_stored_under_each_item_it_names() {
    let doc = DocBuilder::new()
        .h("Items 1 and 2. Business and Properties")
        .p(BODY)
        .h("Item 3. Legal Proceedings")
        .p(BODY)
        .h("Item 5. Market for Registrant's Common Equity")
        .p(BODY)
        .h("Items 10 through 13. Directors, Executive Compensation, Security Ownership and Relationships")
        .p("The information required by these items is incorporated by reference to our proxy statement.")
        .build();
    let s = run("10-K", &doc);
    assert_eq!(
        types(&s),
        ["item_1", "item_2", "item_3", "item_5", "item_10", "item_11", "item_12", "item_13"]
    );
    assert_eq!(s[1].text, s[0].text);
    assert_eq!(s[1].method, "combined_heading");
    assert_eq!(s[1].item, "2");
    assert_eq!(s[7].status, s[4].status);
    assert!(s.iter().enumerate().all(|(k, x)| x.section_index == k));
    assert_eq!(
        items_named(Form::TenK, "Item 7. MD&A"),
        Vec::<String>::new()
    );
    assert_eq!(items_named(Form::TenK, "ITEMS 7 AND 7A. MD&A"), ["7", "7A"]);
    // Norfolk Southern 2008: "Item 1. Business and Item 2. Properties".
    assert_eq!(
        items_named(Form::TenK, "Item 1. Business and Item 2. Properties"),
        ["1", "2"]
    );
}

#[test]
fn items_headed_by_their_title_alone_end_the_item_before() {
    // American Express 2009 / Microsoft 2013 style: "RISK FACTORS" and the market-risk title
    // printed without their item numbers.
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p(BODY)
        .p("RISK FACTORS")
        .p("Our business is subject to many risks, described below in some detail.")
        .h("Item 2. Properties")
        .p(BODY)
        .h("Item 7. Management's Discussion and Analysis")
        .p(BODY)
        .h("Quantitative and Qualitative Disclosures About Market Risk")
        .p("We are exposed to interest rate and currency risk.")
        .h("Item 8. Financial Statements and Supplementary Data")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(
        types(&s),
        ["item_1", "item_1a", "item_2", "item_7", "item_7a", "item_8"]
    );
    assert_eq!(s[0].text, BODY);
    assert_eq!(s[1].method, "title_heading");
    assert!(s[1].text.starts_with("Our business is subject"));
    assert_eq!(s[3].text, BODY);
    assert!(s[4].text.starts_with("We are exposed"));
    // The title laid out in a one-row table counts too (Microsoft's headings sit in tables).
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p(BODY)
        .table(&[&["RISK FACTORS"]])
        .p("Our business is subject to many risks, described below in some detail.")
        .h("Item 2. Properties")
        .p(BODY)
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_1", "item_1a", "item_2"]);
    assert_eq!(s[0].text, BODY);
    // A "risk factors" sentence is not a heading.
    let doc = DocBuilder::new()
        .h("Item 1. Business")
        .p("See the risk factors below.")
        .h("Item 2. Properties")
        .p(BODY)
        .build();
    assert_eq!(types(&run("10-K", &doc)), ["item_1", "item_2"]);
}

#[test]
fn a_tables_rows_do_not_decide_the_status() {
    // An exhibit index whose rows say "included in … proxy statement" is not the item
    // pointing elsewhere: the item's status is judged on its prose.
    let doc = DocBuilder::new()
        .h("Item 15. Exhibits, Financial Statement Schedules")
        .table(&[
            &[
                "(a)(1)",
                "Financial statements, included in Part II of this report",
            ],
            &[
                "(a)(3)",
                "Portions of the proxy statement incorporated by reference",
            ],
        ])
        .build();
    let s = run("10-K", &doc);
    assert_eq!(types(&s), ["item_15"]);
    assert_eq!(s[0].status, "present");
    assert!(s[0].text.contains("proxy statement"));
}

#[test]
fn a_combined_ten_q_heading_names_items_of_its_own_part() {
    let doc = DocBuilder::new()
        .h("PART I — FINANCIAL INFORMATION")
        .h("Item 1. Financial Statements")
        .p(BODY)
        .h("Item 2. Management's Discussion and Analysis")
        .p(BODY)
        .h("PART II — OTHER INFORMATION")
        .h("Item 1. Legal Proceedings")
        .p(BODY)
        .h("Items 3 and 4. Defaults Upon Senior Securities and Mine Safety Disclosures")
        .p("Not applicable.")
        .h("Item 6. Exhibits")
        .p(BODY)
        .build();
    let s = run("10-Q", &doc);
    assert_eq!(
        types(&s),
        [
            "part1_item1",
            "part1_item2",
            "part2_item1",
            "part2_item3",
            "part2_item4",
            "part2_item6"
        ]
    );
    assert_eq!(s[4].method, "combined_heading");
    assert_eq!(s[4].part.as_deref(), Some("part2"));
}

/// A GE-style 10-Q's running foot: "2023 2Q FORM 10-Q 18".
fn q_foot(n: u32) -> String {
    format!("2023 2Q FORM 10-Q {n}")
}

/// A 10-Q whose first page is the MD&A under its caption, with no item heading.
fn ten_q_mda_page() -> DocBuilder {
    DocBuilder::new()
        .h("MANAGEMENT'S DISCUSSION AND ANALYSIS")
        .p(BODY)
        .p(&q_foot(1))
}

/// The section of type `t`.
fn section<'a>(s: &'a [Section], t: &str) -> &'a Section {
    s.iter()
        .find(|x| x.section_type == t)
        .unwrap_or_else(|| panic!("no section {t}"))
}

/// A 10-Q organised by a "Form 10-Q cross reference index" (GE, Citigroup): no "Item"
/// headings in the body; the index at the end lists Part I and Part II, whose item numbers
/// restart ("Item 1." twice), by caption and page, several "Not applicable" (one with a
/// note under the index, as GE's "Not applicable(a)"). Every item of both parts comes out,
/// under its own part.
#[test]
fn ten_q_cross_reference_index_gives_both_parts() {
    let doc = ten_q_mda_page()
        .h("CAPITAL RESOURCES AND LIQUIDITY")
        .p("Our exposure to interest rates is described below.")
        .p(&q_foot(2))
        .h("CONTROLS AND PROCEDURES")
        .p("Under the direction of our Chief Executive Officer we evaluated our controls.")
        .h("UNREGISTERED SALES OF EQUITY SECURITIES AND USE OF PROCEEDS")
        .p("We repurchased 1.2 million shares in the quarter.")
        .p(&q_foot(3))
        .h("STATEMENT OF EARNINGS")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p(&q_foot(4))
        .h("LEGAL PROCEEDINGS")
        .p("We are party to routine litigation.")
        .p(&q_foot(5))
        .h("EXHIBITS")
        .p("Exhibit 31. Certifications.")
        .table(&[
            &["FORM 10-Q CROSS REFERENCE INDEX", "Page(s)"],
            &["Part I \u{2013} FINANCIAL INFORMATION"],
            &["Item 1.", "Financial Statements", "4"],
            &["Item 2.", "Management\u{2019}s Discussion and Analysis of Financial Condition and Results of Operations", "1-3"],
            &["Item 3.", "Quantitative and Qualitative Disclosures About Market Risk", "2"],
            &["Item 4.", "Controls and Procedures", "3"],
            &["Part II \u{2013} OTHER INFORMATION"],
            &["Item 1.", "Legal Proceedings", "5"],
            &["Item 1A.", "Risk Factors", "Not applicable(a)"],
            &["Item 2.", "Unregistered Sales of Equity Securities and Use of Proceeds", "3"],
            &["Item 3.", "Defaults Upon Senior Securities", "Not applicable"],
            &["Item 4.", "Mine Safety Disclosures", "Not applicable"],
            &["Item 5.", "Other Information", "Not applicable"],
            &["Item 6.", "Exhibits", "6"],
            &["Signatures", "6"],
        ])
        .p("(a) For a discussion of our risk factors, refer to our Annual Report on Form 10-K for the year ended December 31, 2022.")
        .h("SIGNATURES")
        .p("Pursuant to the requirements of the Securities Exchange Act of 1934.")
        .p(&q_foot(6))
        .build();
    let s = run("10-Q", &doc);
    let mut got = types(&s);
    got.sort();
    assert_eq!(
        got,
        [
            "part1_item1",
            "part1_item2",
            "part1_item3",
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
    let get = |t: &str| section(&s, t);
    assert!(s.iter().all(|x| x.method == "cross_reference_index"));
    // The MD&A (pages 1-3) runs on over page 2, which the index gives Item 3 as well.
    assert_eq!(
        get("part1_item2").text,
        format!(
            "MANAGEMENT'S DISCUSSION AND ANALYSIS\n\n{BODY}\n\nCAPITAL RESOURCES AND LIQUIDITY\n\n\
             Our exposure to interest rates is described below."
        )
    );
    assert_eq!(
        get("part1_item3").text,
        "CAPITAL RESOURCES AND LIQUIDITY\n\nOur exposure to interest rates is described below."
    );
    assert_eq!(
        get("part1_item4").text,
        "Under the direction of our Chief Executive Officer we evaluated our controls."
    );
    assert_eq!(
        get("part2_item2").text,
        "We repurchased 1.2 million shares in the quarter."
    );
    assert_eq!(
        get("part2_item1").text,
        "We are party to routine litigation."
    );
    assert_eq!(get("part2_item1").part.as_deref(), Some("part2"));
    assert_eq!(get("part1_item1").part.as_deref(), Some("part1"));
    assert!(get("part1_item1").text.starts_with("STATEMENT OF EARNINGS"));
    assert_eq!(get("part2_item3").text, "Not applicable");
    // "Not applicable(a)": the note under the index is the item's text.
    assert!(get("part2_item1a")
        .text
        .starts_with("For a discussion of our risk factors"));
    assert_eq!(
        get("part2_item3").title.as_deref(),
        Some("Item 3. Defaults Upon Senior Securities")
    );
    assert_eq!(get("part2_item6").text, "Exhibit 31. Certifications.");
    assert!(s.iter().all(|x| !x.text.contains("CROSS REFERENCE")));
}

/// A 10-Q index without "Part" rows: the item numbers starting again (and "1A", "5", "6",
/// which Part I does not have) put the rest of the rows in Part II.
#[test]
fn ten_q_cross_reference_index_without_part_rows() {
    let doc = ten_q_mda_page()
        .h("STATEMENT OF EARNINGS")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p(&q_foot(2))
        .h("CONTROLS AND PROCEDURES")
        .p("Our disclosure controls were effective.")
        .h("LEGAL PROCEEDINGS")
        .p("We are party to routine litigation.")
        .p(&q_foot(3))
        .h("EXHIBITS")
        .p("Exhibit 31. Certifications.")
        .table(&[
            &["FORM 10-Q CROSS REFERENCE INDEX", "Page(s)"],
            &["Item 1.", "Financial Statements", "2"],
            &[
                "Item 2.",
                "Management\u{2019}s Discussion and Analysis",
                "1",
            ],
            &["Item 4.", "Controls and Procedures", "3"],
            &["Item 1.", "Legal Proceedings", "3"],
            &["Item 1A.", "Risk Factors", "Not applicable"],
            &["Item 6.", "Exhibits", "4"],
        ])
        .p(&q_foot(4))
        .build();
    let s = run("10-Q", &doc);
    let mut got = types(&s);
    got.sort();
    assert_eq!(
        got,
        [
            "part1_item1",
            "part1_item2",
            "part1_item4",
            "part2_item1",
            "part2_item1a",
            "part2_item6"
        ]
    );
    let get = |t: &str| section(&s, t);
    assert_eq!(
        get("part2_item1").text,
        "We are party to routine litigation."
    );
    assert_eq!(
        get("part1_item4").text,
        "Our disclosure controls were effective."
    );
}

/// An index item placed by its page alone, on a page where an item before it in the form's
/// order was found further down (GE's 10-Q: Part II, Item 2 on page 18, where Item 4's caption
/// sits mid-page under the end of the MD&A): it does not cut the item before it at the top of
/// the page; it gets the page, and the MD&A runs on to Item 4's caption.
#[test]
fn an_item_placed_by_page_after_an_earlier_item_on_that_page_gets_the_page() {
    let doc = ten_q_mda_page()
        .p("Our liquidity remained strong through the quarter.")
        .h("CONTROLS AND PROCEDURES")
        .p("Our disclosure controls were effective.")
        .h("OTHER FINANCIAL DATA")
        .p("We repurchased 1.2 million shares in the quarter.")
        .p(&q_foot(2))
        .h("STATEMENT OF EARNINGS")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p(&q_foot(3))
        .table(&[
            &["FORM 10-Q CROSS REFERENCE INDEX", "Page(s)"],
            &["Part I \u{2013} FINANCIAL INFORMATION"],
            &["Item 1.", "Financial Statements", "3"],
            &[
                "Item 2.",
                "Management\u{2019}s Discussion and Analysis",
                "1-2",
            ],
            &["Item 4.", "Controls and Procedures", "2"],
            &["Part II \u{2013} OTHER INFORMATION"],
            &["Item 1A.", "Risk Factors", "Not applicable"],
            &[
                "Item 2.",
                "Unregistered Sales of Equity Securities and Use of Proceeds",
                "2",
            ],
        ])
        .build();
    let s = run("10-Q", &doc);
    let get = |t: &str| section(&s, t);
    assert!(get("part1_item2")
        .text
        .ends_with("Our liquidity remained strong through the quarter."));
    assert!(get("part1_item4")
        .text
        .starts_with("Our disclosure controls were effective."));
    let p2i2 = &get("part2_item2").text;
    assert!(p2i2.contains("We repurchased 1.2 million shares in the quarter."));
    assert!(!p2i2.contains("STATEMENT OF EARNINGS"));
}

/// An index item that only its page places inside the page range of an item before it (GE's
/// 10-Q: Item 3 on page 13 of the MD&A's pages 4-18) is a part of that item: it gets its page,
/// and the item before it runs on.
#[test]
fn an_item_placed_by_page_inside_an_earlier_items_range_gets_the_page() {
    let doc = ten_q_mda_page()
        .p("Interest rate and currency risk are managed centrally.")
        .p(&q_foot(2))
        .p("Capital resources were ample at the end of the quarter.")
        .h("CONTROLS AND PROCEDURES")
        .p("Our disclosure controls were effective.")
        .p(&q_foot(3))
        .h("STATEMENT OF EARNINGS")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p(&q_foot(4))
        .table(&[
            &["FORM 10-Q CROSS REFERENCE INDEX", "Page(s)"],
            &["Part I \u{2013} FINANCIAL INFORMATION"],
            &["Item 1.", "Financial Statements", "4"],
            &[
                "Item 2.",
                "Management\u{2019}s Discussion and Analysis",
                "1-3",
            ],
            &[
                "Item 3.",
                "Quantitative and Qualitative Disclosures About Market Risk",
                "2",
            ],
            &["Item 4.", "Controls and Procedures", "3"],
        ])
        .build();
    let s = run("10-Q", &doc);
    let get = |t: &str| section(&s, t);
    let mda = &get("part1_item2").text;
    assert!(mda.contains("Interest rate and currency risk are managed centrally."));
    assert!(mda.ends_with("Capital resources were ample at the end of the quarter."));
    assert_eq!(
        get("part1_item3").text,
        "Interest rate and currency risk are managed centrally."
    );
    assert_eq!(
        get("part1_item4").text,
        "Our disclosure controls were effective."
    );
}

/// The pages an index gives an item inside another's range stop at the index when it sits on
/// the last of them (GE's 10-Q: Part II Item 1 on pages 38-40 of the statements' 19-40, the
/// index on page 40).
#[test]
fn an_items_pages_stop_at_the_index() {
    let doc = ten_q_mda_page()
        .h("STATEMENT OF EARNINGS")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p(&q_foot(2))
        .h("NOTE 9. COMMITMENTS AND CONTINGENCIES")
        .p("We are party to routine litigation.")
        .table(&[
            &["FORM 10-Q CROSS REFERENCE INDEX", "Page(s)"],
            &["Part I \u{2013} FINANCIAL INFORMATION"],
            &["Item 1.", "Financial Statements", "2-3"],
            &[
                "Item 2.",
                "Management\u{2019}s Discussion and Analysis",
                "1",
            ],
            &["Item 4.", "Controls and Procedures", "Not applicable"],
            &["Part II \u{2013} OTHER INFORMATION"],
            &["Item 1.", "Legal Proceedings", "3"],
            &["Item 1A.", "Risk Factors", "Not applicable"],
        ])
        .p("(a) For a discussion of our risk factors, refer to our Annual Report on Form 10-K.")
        .h("SIGNATURES")
        .p("Pursuant to the requirements of the Securities Exchange Act of 1934.")
        .p(&q_foot(3))
        .build();
    let s = run("10-Q", &doc);
    let get = |t: &str| section(&s, t);
    assert_eq!(
        get("part2_item1").text,
        "NOTE 9. COMMITMENTS AND CONTINGENCIES\n\nWe are party to routine litigation."
    );
    assert!(get("part1_item1")
        .text
        .contains("We are party to routine litigation."));
    assert!(!get("part1_item1").text.contains("CROSS REFERENCE"));
}

/// An index row that gives an item no page of its own, with the statements listed under it
/// ("1. Financial Statements:" then "Consolidated Statement of Income | 4", Citigroup's
/// indexes): the first row under it with a page says where the item starts.
#[test]
fn an_index_item_without_a_page_starts_at_its_first_sub_row_page() {
    let doc = ten_q_mda_page()
        .p("Capital resources were ample at the end of the quarter.")
        .p(&q_foot(2))
        .h("CONTROLS AND PROCEDURES")
        .p("Our disclosure controls were effective.")
        .p(&q_foot(3))
        .h("CONSOLIDATED STATEMENT OF INCOME")
        .table(&[&["Revenues", "$", "1,000"], &["Net earnings", "", "100"]])
        .p(&q_foot(4))
        .h("CONSOLIDATED BALANCE SHEET")
        .table(&[&["Total assets", "$", "9,000"]])
        .p(&q_foot(5))
        .table(&[
            &["FORM 10-Q CROSS-REFERENCE INDEX", "Page"],
            &["Part I\u{2014}Financial Information"],
            &["1.", "Financial Statements:"],
            &["", "Consolidated Statement of Income", "4"],
            &["", "Consolidated Balance Sheet", "5"],
            &["2.", "Management\u{2019}s Discussion and Analysis", "1-2"],
            &["4.", "Controls and Procedures", "3"],
            &["Part II\u{2014}Other Information"],
            &["1A.", "Risk Factors", "None"],
            &["3.", "Defaults Upon Senior Securities", "Not applicable"],
            &["4.", "Mine Safety Disclosures", "N/A"],
        ])
        .build();
    let s = run("10-Q", &doc);
    // "N/A" answers as "Not applicable" does.
    assert_eq!(section(&s, "part2_item4").text, "N/A");
    let i1 = &section(&s, "part1_item1").text;
    assert!(i1.starts_with("CONSOLIDATED STATEMENT OF INCOME"), "{i1}");
    assert!(i1.contains("CONSOLIDATED BALANCE SHEET"));
    assert_eq!(
        section(&s, "part1_item4").text,
        "Our disclosure controls were effective."
    );
}
