//! Plugin-level tests: hand-built documents in, rows out.

use super::*;
use crate::grid::tests::{apple_like, c, table};
use finloom_plugin_api::IxFact;
use finloom_plugin_kit::testing::{self, DocBuilder};

fn meta() -> FilingMeta {
    testing::meta("", "0000320193-24-000123")
}

/// The `tables` and `table_cells` rows, the plugin run as the host runs it (its rows pass the
/// host's checks).
fn run(doc: &Document, inputs: &[TableRows]) -> (TableRows, TableRows) {
    let mut out = testing::extract::<TablesPlugin>(&meta(), doc, inputs, "{}");
    assert_eq!(out.len(), 2);
    let cells = out.pop().unwrap();
    let tables = out.pop().unwrap();
    (tables, cells)
}

/// The `table_cells` row with this `id`.
/// `value_normalized` of the first table's cell at row `r`, column `col`.
fn normalized(cells: &TableRows, r: usize, col: usize) -> f64 {
    f(cells.get(
        cell(cells, &format!("0000320193-24-000123/tbl/0/r{r}/c{col}")),
        "value_normalized",
    ))
    .unwrap()
}

/// The `table_cells` row of table `t`'s cell at row `r`, column `col`.
fn cell_at(cells: &TableRows, t: usize, r: usize, col: usize) -> &[Value] {
    cell(cells, &format!("0000320193-24-000123/tbl/{t}/r{r}/c{col}"))
}

fn cell<'a>(cells: &'a TableRows, id: &str) -> &'a [Value] {
    testing::rows(cells)
        .into_iter()
        .find(|r| r.str("id") == id)
        .unwrap_or_else(|| panic!("no cell {id}"))
        .values()
}

/// Equal up to floating-point rounding (921.7 × 10^6 is not exactly 921.7e6).
/// The `kind` of each table row, in order.
fn kinds(tables: &TableRows) -> Vec<&str> {
    tables
        .rows
        .iter()
        .map(|r| tables.get(r, "kind").as_str().unwrap())
        .collect()
}

fn close(v: Option<f64>, want: f64) -> bool {
    v.is_some_and(|v| (v - want).abs() <= 1e-9 * want.abs().max(1.0))
}

fn f(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        _ => None,
    }
}

#[test]
fn manifest_is_consistent() {
    let m = TablesPlugin::manifest();
    assert_eq!(m.name.as_str(), "tables");
    assert_eq!(m.outputs.len(), 2);
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
            "section_type",
            "table_index",
            "caption",
            "n_rows",
            "n_cols",
            "kind",
            "scale",
            "scale_note",
            "char_start",
            "char_end",
            "scale_source"
        ]
    );
    let names: Vec<&str> = m.outputs[1]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "accession_number",
            "table_id",
            "table_index",
            "row_index",
            "col_index",
            "raw_text",
            "is_header",
            "row_label",
            "column_header",
            "value",
            "footnote_marker",
            "unit",
            "scale",
            "value_normalized",
            "xbrl_concept",
            "xbrl_value",
            "xbrl_fact_index",
            "scale_detected",
            "value_source"
        ]
    );
}

#[test]
fn statement_with_caption_scale_and_sections() {
    let doc = DocBuilder::new()
        .p("Item 8. Financial Statements")
        .p("CONSOLIDATED STATEMENTS OF OPERATIONS")
        .p("(In millions, except number of shares, which are reflected in thousands, and per-share amounts)")
        .table_of(apple_like())
        .build();
    let mut sections = TableRows::new(
        "sections",
        &["id", "section_type", "char_start", "char_end"],
    );
    let n = doc.text.chars().count() as i64;
    sections.push(vec![
        "acc/sec/item_8".into(),
        "item_8".into(),
        Value::Int(0),
        Value::Int(n),
    ]);
    let (tables, cells) = run(&doc, &[sections]);
    assert_eq!(tables.rows.len(), 1);
    let t = &tables.rows[0];
    assert_eq!(
        tables.get(t, "id").as_str(),
        Some("0000320193-24-000123/tbl/0")
    );
    assert_eq!(tables.get(t, "section_id").as_str(), Some("acc/sec/item_8"));
    assert_eq!(
        tables.get(t, "caption").as_str(),
        Some("CONSOLIDATED STATEMENTS OF OPERATIONS")
    );
    assert_eq!(tables.get(t, "kind").as_str(), Some("financial"));
    assert_eq!(tables.get(t, "scale").as_i64(), Some(6));
    assert!(tables
        .get(t, "scale_note")
        .as_str()
        .unwrap()
        .starts_with("(In millions"));
    let c = cell(&cells, "0000320193-24-000123/tbl/0/r3/c1");
    assert_eq!(f(cells.get(c, "value")), Some(294866.0));
    assert_eq!(f(cells.get(c, "value_normalized")), Some(294866e6));
    assert_eq!(cells.get(c, "unit").as_str(), Some("$"));
    assert_eq!(cells.get(c, "row_label").as_str(), Some("Products"));
    assert_eq!(
        cells.get(c, "column_header").as_str(),
        Some("Years ended / 2024")
    );
    let c = cell(&cells, "0000320193-24-000123/tbl/0/r5/c1");
    assert_eq!(f(cells.get(c, "value")), Some(-1234.0));
    let c = cell(&cells, "0000320193-24-000123/tbl/0/r5/c2");
    assert_eq!(
        cells.get(c, "value"),
        &Value::Null,
        "a dash is no amount, not zero"
    );
}

#[test]
fn per_share_and_share_rows_are_exempt() {
    let t = table(vec![
        vec![c("", 1), c("2024", 1)],
        vec![c("Net income", 1), c("$ 93,736", 1)],
        vec![c("Earnings per share:", 1), c("", 1)],
        vec![c("Diluted", 1), c("$ 6.08", 1)],
        vec![
            c("Shares used in computing earnings per share:", 1),
            c("", 1),
        ],
        vec![c("Diluted", 1), c("15,408,095", 1)],
        vec![c("Gross margin", 1), c("46.2%", 1)],
    ]);
    let doc = DocBuilder::new()
        .p("(In millions, except number of shares, which are reflected in thousands, and per-share amounts)")
        .table_of(t)
        .build();
    let (_, cells) = run(&doc, &[]);
    let id = |r: usize| format!("0000320193-24-000123/tbl/0/r{r}/c1");
    assert_eq!(
        f(cells.get(cell(&cells, &id(1)), "value_normalized")),
        Some(93736e6)
    );
    assert_eq!(
        f(cells.get(cell(&cells, &id(3)), "value_normalized")),
        Some(6.08)
    );
    assert_eq!(
        f(cells.get(cell(&cells, &id(5)), "value_normalized")),
        Some(15408095e3)
    );
    let pct = f(cells.get(cell(&cells, &id(6)), "value_normalized")).unwrap();
    assert!(
        (pct - 0.462).abs() < 1e-12,
        "a percentage is normalised to a ratio"
    );
    assert_eq!(f(cells.get(cell(&cells, &id(6)), "value")), Some(46.2));
    assert_eq!(cells.get(cell(&cells, &id(6)), "unit").as_str(), Some("%"));
}

#[test]
fn xbrl_fact_value_is_kept_separate_from_display() {
    let mut t = table(vec![
        vec![c("", 1), c("2024", 1)],
        vec![c("Other income/(expense), net", 1), c("(269)", 1)],
        vec![c("Repurchases", 1), c("(94,949)", 1)],
    ]);
    t.rows[1].cells[1].facts.push(0);
    t.rows[2].cells[1].facts.push(1);
    let mut doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    doc.facts.push(IxFact {
        name: "us-gaap:NonoperatingIncomeExpense".into(),
        scale: 6,
        negative: true,
        display: "269".into(),
        numeric: true,
        ..Default::default()
    });
    doc.facts.push(IxFact {
        name: "us-gaap:PaymentsForRepurchaseOfCommonStock".into(),
        scale: 6,
        negative: false,
        display: "94,949".into(),
        numeric: true,
        ..Default::default()
    });
    let (_, cells) = run(&doc, &[]);
    let a = cell(&cells, "0000320193-24-000123/tbl/0/r1/c1");
    assert_eq!(
        cells.get(a, "xbrl_concept").as_str(),
        Some("us-gaap:NonoperatingIncomeExpense")
    );
    assert_eq!(f(cells.get(a, "xbrl_value")), Some(-269e6));
    assert_eq!(f(cells.get(a, "value_normalized")), Some(-269e6));
    // Parentheses without sign="-": shown negative, the fact stays positive.
    let b = cell(&cells, "0000320193-24-000123/tbl/0/r2/c1");
    assert_eq!(f(cells.get(b, "value")), Some(-94949.0));
    assert_eq!(f(cells.get(b, "xbrl_value")), Some(94949e6));
}

#[test]
fn layout_tables_get_a_row_but_no_cells() {
    let toc = table(vec![
        vec![c("Item 1.", 1), c("Business", 1), c("1", 1)],
        vec![c("Item 1A.", 1), c("Risk Factors", 1), c("5", 1)],
        vec![c("Item 2.", 1), c("Properties", 1), c("17", 1)],
        vec![c("Item 3.", 1), c("Legal Proceedings", 1), c("17", 1)],
    ]);
    let single = table(vec![vec![c("Apple Inc. | 2024 Form 10-K | 20", 1)]]);
    let sig = table(vec![
        vec![c("By:", 1), c("/s/ Timothy D. Cook", 1)],
        vec![c("", 1), c("Chief Executive Officer", 1)],
    ]);
    let text = table(vec![
        vec![c("Name", 1), c("Position", 1)],
        vec![c("Tim Cook", 1), c("CEO", 1)],
        vec![c("Luca Maestri", 1), c("CFO", 1)],
    ]);
    let doc = DocBuilder::new()
        .table_of(toc)
        .table_of(single)
        .table_of(sig)
        .table_of(text)
        .build();
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(kinds(&tables), ["layout", "layout", "layout", "text"]);
    assert!(cells
        .rows
        .iter()
        .all(|r| cells.get(r, "table_index").as_i64() == Some(3)));
    assert!(!cells.rows.is_empty());
}

#[test]
fn preformatted_statement_becomes_a_synthetic_table() {
    let doc = DocBuilder::new()
        .table_of(table(vec![vec![c("x", 1), c("1", 1)], vec![c("y", 1), c("2", 1)]]))
        .pre("                     CONSOLIDATED STATEMENTS OF INCOME\n                 (In thousands, except per share amounts)\n\n                                              1994         1993\n                                           ----------   ----------\nNet sales                                  $9,188,748   $7,976,954\n  Cost of sales                             6,844,915    5,248,834\nNet income (loss)                             (24,000)     (37,000)\nEarnings per share                               $2.61        $0.73\n")
        .build();
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(tables.rows.len(), 2);
    let t = &tables.rows[1];
    assert_eq!(
        tables.get(t, "id").as_str(),
        Some("0000320193-24-000123/tbl/1")
    );
    assert_eq!(tables.get(t, "kind").as_str(), Some("financial"));
    assert_eq!(tables.get(t, "scale").as_i64(), Some(3));
    let net = cells
        .rows
        .iter()
        .find(|r| {
            cells.get(r, "table_index").as_i64() == Some(1)
                && cells.get(r, "row_label").as_str() == Some("Net sales")
                && cells.get(r, "col_index").as_i64() == Some(1)
        })
        .expect("net sales cell");
    assert_eq!(f(cells.get(net, "value_normalized")), Some(9188748e3));
    assert_eq!(cells.get(net, "column_header").as_str(), Some("1994"));
    let eps = cells
        .rows
        .iter()
        .find(|r| {
            cells.get(r, "row_label").as_str() == Some("Earnings per share")
                && cells.get(r, "col_index").as_i64() == Some(1)
        })
        .expect("eps cell");
    assert_eq!(f(cells.get(eps, "value_normalized")), Some(2.61));
}

#[test]
fn output_is_deterministic_and_bad_config_is_an_error() {
    let doc = DocBuilder::new()
        .p("(In millions)")
        .table_of(apple_like())
        .build();
    let a = TablesPlugin::extract(&meta(), &doc, &[], "{}").unwrap();
    let b = TablesPlugin::extract(&meta(), &doc, &[], "{\"max_span\": 64}").unwrap();
    assert_eq!(a, b);
    assert!(TablesPlugin::extract(&meta(), &doc, &[], "{\"max_span\": \"x\"}").is_err());
}

#[test]
fn running_tabular_note_scales_later_tables_without_their_own_note() {
    let amounts = || {
        table(vec![
            vec![c("", 1), c("2023", 1), c("2022", 1)],
            vec![c("Cash", 1), c("$ 921.7", 1), c("$ 1,139.0", 1)],
            vec![c("Restricted cash", 1), c("3.5", 1), c("41.3", 1)],
        ])
    };
    let doc = DocBuilder::new()
        .p("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS")
        .p("(Tabular amounts in millions, except per share amounts)")
        .p("1. General Information")
        .p("The Company sells games. It has stores in many countries and a website.")
        .p("It also sells collectibles, which are a growing part of its business.")
        .p("The following table presents a reconciliation of cash:")
        .table_of(amounts())
        .p("Deferred taxes are recorded for temporary differences as follows:")
        .p("(In thousands)")
        .table_of(amounts())
        .build();
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(tables.get(&tables.rows[0], "scale").as_i64(), Some(6));
    assert_eq!(
        tables.get(&tables.rows[0], "scale_note").as_str(),
        Some("(Tabular amounts in millions, except per share amounts)")
    );
    let a = cell(&cells, "0000320193-24-000123/tbl/0/r1/c1");
    assert!(close(f(cells.get(a, "value_normalized")), 921.7e6));
    // A table's own note wins over the running one.
    assert_eq!(tables.get(&tables.rows[1], "scale").as_i64(), Some(3));
    // An ordinary "(In millions)" above one table carries over to a later table that prints
    // currency amounts without a note of its own (Costco's, Eli Lilly's and Stryker's note
    // tables), not to one of bare counts.
    let counts = || {
        table(vec![
            vec![c("", 1), c("2023", 1), c("2022", 1)],
            vec![c("U.S.", 1), c("621", 1), c("600", 1)],
            vec![c("Canada", 1), c("108", 1), c("107", 1)],
        ])
    };
    let doc = DocBuilder::new()
        .p("(In millions)")
        .table_of(amounts())
        .p("Store counts at year end were as follows, by segment and by country:")
        .p("Stores are leased; the table shows the count of open stores at each date.")
        .p("Counts include temporarily closed stores and exclude pop-up locations.")
        .table_of(counts())
        .p("Cash at the end of each year was as follows:")
        .table_of(amounts())
        .build();
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(tables.get(&tables.rows[0], "scale").as_i64(), Some(6));
    assert_eq!(tables.get(&tables.rows[1], "scale").as_i64(), Some(0));
    assert_eq!(tables.get(&tables.rows[2], "scale").as_i64(), Some(6));
    let a = cell(&cells, "0000320193-24-000123/tbl/2/r1/c1");
    assert!(close(f(cells.get(a, "value_normalized")), 921.7e6));
}

#[test]
fn bare_numbers_between_percent_rows_are_percentages() {
    // A rate reconciliation: "%" on the statutory and effective rates only.
    let t = table(vec![
        vec![c("", 1), c("2023", 1), c("2022", 1)],
        vec![
            c("Federal statutory tax rate", 1),
            c("21.0%", 1),
            c("21.0%", 1),
        ],
        vec![c("State income taxes", 1), c("151.5", 1), c("2.3", 1)],
        vec![
            c("Change in valuation allowance", 1),
            c("(133.4)", 1),
            c("(27.2)", 1),
        ],
        vec![c("Effective tax rate", 1), c("48.9%", 1), c("(3.6)%", 1)],
        vec![c("Income tax expense", 1), c("$ 12.0", 1), c("$ 5.0", 1)],
    ]);
    let doc = DocBuilder::new()
        .p("(Tabular amounts in millions)")
        .table_of(t)
        .build();
    let (_, cells) = run(&doc, &[]);
    let vn = |r: usize, col: usize| normalized(&cells, r, col);
    assert!((vn(2, 1) - 1.515).abs() < 1e-12);
    assert!((vn(3, 2) + 0.272).abs() < 1e-12);
    assert!((vn(4, 2) + 0.036).abs() < 1e-12);
    // Outside the stretch the table's scale holds.
    assert!(close(Some(vn(5, 1)), 12.0e6));
    // A column that mixes currency amounts and rates is left alone.
    let t = table(vec![
        vec![c("", 1), c("2024", 1)],
        vec![c("Gross margin percentage", 1), c("46.2%", 1)],
        vec![c("Net sales", 1), c("$ 391,035", 1)],
        vec![c("Cost of sales", 1), c("210,352", 1)],
        vec![c("Operating margin percentage", 1), c("31.5%", 1)],
    ]);
    let doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    let (_, cells) = run(&doc, &[]);
    let c3 = cell(&cells, "0000320193-24-000123/tbl/0/r3/c1");
    assert_eq!(f(cells.get(c3, "value_normalized")), Some(210_352e6));
}

#[test]
fn a_percent_column_holds_percentages_whatever_its_rows() {
    // Union Pacific's operating statistics "(in billions)" and Lilly's "Percent Change" next to
    // an EPS row: "% Change" and "(%)" say per cent, over the table's scale and over a row of
    // hours or of per-share amounts.
    let t = table(vec![
        vec![c("", 1), c("2024", 1), c("% Change", 1)],
        vec![
            c("Revenue ton-miles (billions)", 1),
            c("400", 1),
            c("(1)", 1),
        ],
        vec![
            c("Average terminal dwell time (hours)", 1),
            c("22.4", 1),
            c("(3)", 1),
        ],
        vec![
            c("Earnings per share - diluted", 1),
            c("11.71", 1),
            c("102", 1),
        ],
        vec![c("Operating ratio (%)", 1), c("59.9", 1), c("(2.4)pts", 1)],
    ]);
    let doc = DocBuilder::new().p("(In billions)").table_of(t).build();
    let (_, cells) = run(&doc, &[]);
    let vn = |r: usize, col: usize| normalized(&cells, r, col);
    assert!((vn(1, 2) + 0.01).abs() < 1e-12);
    assert!((vn(2, 2) + 0.03).abs() < 1e-12);
    assert!((vn(3, 2) - 1.02).abs() < 1e-12);
    assert!((vn(4, 1) - 0.599).abs() < 1e-12);
    assert!((vn(4, 2) + 0.024).abs() < 1e-12);
    // The amounts keep the table's scale.
    assert!(close(Some(vn(1, 1)), 400e9));
}

#[test]
fn sign_minus_fact_makes_the_normalised_value_negative_but_not_the_display() {
    // Cash-flow "Changes in operating assets and liabilities": a decrease in receivables is
    // printed as a positive adjustment while the fact IncreaseDecreaseInAccountsReceivable
    // is tagged sign="-".
    let mut t = table(vec![
        vec![c("", 1), c("2023", 1), c("2022", 1)],
        vec![
            c("Accounts receivable, net", 1),
            c("7,609", 1),
            c("(3,788)", 1),
        ],
    ]);
    t.rows[1].cells[1].facts.push(0);
    t.rows[1].cells[2].facts.push(1);
    let mut doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    for (display, negative) in [("7,609", true), ("3,788", false)] {
        doc.facts.push(IxFact {
            name: "us-gaap:IncreaseDecreaseInAccountsReceivable".into(),
            scale: 6,
            negative,
            display: display.into(),
            numeric: true,
            ..Default::default()
        });
    }
    let (_, cells) = run(&doc, &[]);
    let a = cell(&cells, "0000320193-24-000123/tbl/0/r1/c1");
    assert_eq!(f(cells.get(a, "value")), Some(7609.0), "display kept");
    assert_eq!(f(cells.get(a, "value_normalized")), Some(-7609e6));
    assert_eq!(f(cells.get(a, "xbrl_value")), Some(-7609e6));
    assert_eq!(cells.get(a, "xbrl_fact_index").as_i64(), Some(0));
    // Parentheses without sign="-": shown negative, normalised negative, fact positive.
    let b = cell(&cells, "0000320193-24-000123/tbl/0/r1/c2");
    assert_eq!(f(cells.get(b, "value_normalized")), Some(-3788e6));
    assert_eq!(f(cells.get(b, "xbrl_value")), Some(3788e6));
    assert_eq!(cells.get(b, "xbrl_fact_index").as_i64(), Some(1));
}

#[test]
fn share_counts_under_a_running_note() {
    let awards = table(vec![
        vec![c("", 1), c("Restricted Stock Units", 2)],
        vec![
            c("", 1),
            c("Shares", 1),
            c("Weighted- Average Grant Date Fair Value", 1),
        ],
        vec![
            c("Nonvested at January 28, 2023", 1),
            c("5,911,378", 1),
            c("$ 34.84", 1),
        ],
        vec![c("Vested", 1), c("(1,322,906)", 1), c("31.04", 1)],
    ]);
    let eps = table(vec![
        vec![c("", 1), c("2023", 1), c("2022", 1)],
        vec![
            c("Weighted-average common shares outstanding", 1),
            c("305.1", 1),
            c("304.2", 1),
        ],
        vec![c("Net income (loss)", 1), c("$ 6.7", 1), c("$ (313.1)", 1)],
    ]);
    let doc = DocBuilder::new()
        .p("(Tabular amounts in millions, except per share amounts)")
        .p("Share-based compensation is recognised over the vesting period of each award.")
        .p("Awards vest over three years; forfeitures are recognised as they occur.")
        .p("The following table presents a summary of our RSU activity in the year:")
        .table_of(awards)
        .p("Basic net income per share is net income divided by weighted-average shares.")
        .p("Diluted net income per share includes the effect of dilutive share awards.")
        .p("The following is a reconciliation of shares used in calculating EPS:")
        .table_of(eps)
        .build();
    let (_, cells) = run(&doc, &[]);
    let vn = |t: usize, r: usize, col: usize| {
        f(cells.get(cell_at(&cells, t, r, col), "value_normalized"))
    };
    // Whole share counts stay as printed; the grant-date fair value is per share.
    assert_eq!(vn(0, 2, 1), Some(5_911_378.0));
    assert_eq!(vn(0, 3, 1), Some(-1_322_906.0));
    assert_eq!(vn(0, 2, 2), Some(34.84));
    // Counts printed with decimals follow the note (millions), as do the amounts.
    assert!(close(vn(1, 1, 1), 305.1e6));
    assert!(close(vn(1, 2, 2), -313.1e6));
}

#[test]
fn footnote_markers_go_to_their_own_column() {
    let t = table(vec![
        vec![c("", 1), c("2024", 1), c("2023", 1)],
        vec![
            c("Total revenue (1)", 1),
            c("1,234 (2)", 1),
            c("(45)(a)", 1),
        ],
        vec![c("Other*", 1), c("5.2*", 1), c("\u{2212}12", 1)],
    ]);
    let doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    let (_, cells) = run(&doc, &[]);
    let at =
        |r: usize, col: usize| cell(&cells, &format!("0000320193-24-000123/tbl/0/r{r}/c{col}"));
    assert_eq!(f(cells.get(at(1, 1), "value")), Some(1234.0));
    assert_eq!(cells.get(at(1, 1), "footnote_marker").as_str(), Some("(2)"));
    assert_eq!(f(cells.get(at(1, 2), "value")), Some(-45.0));
    assert_eq!(cells.get(at(1, 2), "footnote_marker").as_str(), Some("(a)"));
    assert_eq!(cells.get(at(1, 0), "footnote_marker").as_str(), Some("(1)"));
    assert_eq!(f(cells.get(at(2, 1), "value")), Some(5.2));
    assert_eq!(cells.get(at(2, 1), "footnote_marker").as_str(), Some("*"));
    assert_eq!(f(cells.get(at(2, 2), "value")), Some(-12.0), "U+2212 minus");
    assert_eq!(f(cells.get(at(2, 2), "value_normalized")), Some(-12e6));
}

#[test]
fn scale_note_inside_the_table_header() {
    let t = table(vec![
        vec![c("(In thousands)", 1), c("2024", 1), c("2023", 1)],
        vec![c("Revenue", 1), c("$ 12,500", 1), c("$ 11,000", 1)],
        vec![
            c("Net loss per share", 1),
            c("$ (0.42)", 1),
            c("$ (0.50)", 1),
        ],
    ]);
    let doc = DocBuilder::new()
        .p("Results of operations were as follows:")
        .table_of(t)
        .build();
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(tables.get(&tables.rows[0], "scale").as_i64(), Some(3));
    let at =
        |r: usize, col: usize| cell(&cells, &format!("0000320193-24-000123/tbl/0/r{r}/c{col}"));
    assert_eq!(f(cells.get(at(1, 1), "value_normalized")), Some(12_500e3));
    assert_eq!(f(cells.get(at(2, 1), "value_normalized")), Some(-0.42));
    assert_eq!(cells.get(at(1, 1), "column_header").as_str(), Some("2024"));
}

#[test]
fn the_fact_wins_where_the_scale_read_disagrees_and_says_so() {
    // No note anywhere: the plugin reads the amounts as printed; the filing's facts say
    // millions. The fact's value is stored, the reading is kept in scale_detected.
    let mut t = table(vec![
        vec![c("", 1), c("2024", 1)],
        vec![c("Net sales", 1), c("$ 391,035", 1)],
        vec![c("Other", 1), c("—", 1)],
        vec![c("Units", 1), c("12", 1)],
    ]);
    t.rows[1].cells[1].facts.push(0);
    t.rows[2].cells[1].facts.push(1);
    let mut doc = DocBuilder::new().table_of(t).build();
    doc.facts.push(IxFact {
        name: "us-gaap:Revenues".into(),
        scale: 6,
        display: "391,035".into(),
        numeric: true,
        ..Default::default()
    });
    doc.facts.push(IxFact {
        name: "us-gaap:OtherNonoperatingIncomeExpense".into(),
        format: "ixt:fixed-zero".into(),
        display: "—".into(),
        numeric: true,
        ..Default::default()
    });
    let (_, cells) = run(&doc, &[]);
    let a = cell(&cells, "0000320193-24-000123/tbl/0/r1/c1");
    assert_eq!(f(cells.get(a, "value_normalized")), Some(391_035e6));
    assert_eq!(cells.get(a, "scale").as_i64(), Some(6));
    assert_eq!(cells.get(a, "scale_detected").as_i64(), Some(0));
    assert_eq!(cells.get(a, "value_source").as_str(), Some("xbrl"));
    // A dash tagged as zero is 0.
    let b = cell(&cells, "0000320193-24-000123/tbl/0/r2/c1");
    assert_eq!(f(cells.get(b, "value")), None);
    assert_eq!(f(cells.get(b, "value_normalized")), Some(0.0));
    // An untagged cell keeps the reading.
    let u = cell(&cells, "0000320193-24-000123/tbl/0/r3/c1");
    assert_eq!(f(cells.get(u, "value_normalized")), Some(12.0));
    assert_eq!(cells.get(u, "value_source").as_str(), Some("display"));
}

#[test]
fn a_one_row_table_with_a_tagged_number_keeps_its_cells() {
    let mut t = table(vec![vec![c("Total", 1), c("$ 1,234", 1)]]);
    t.rows[0].cells[1].facts.push(0);
    let mut doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    doc.facts.push(IxFact {
        name: "us-gaap:Assets".into(),
        scale: 6,
        display: "1,234".into(),
        numeric: true,
        ..Default::default()
    });
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(
        tables.get(&tables.rows[0], "kind").as_str(),
        Some("financial")
    );
    assert!(cells
        .rows
        .iter()
        .any(|r| f(cells.get(r, "value_normalized")) == Some(1_234e6)));
}

#[test]
fn what_a_line_says_it_holds_beats_the_tables_scale() {
    // An equity statement "(In millions, except share amounts which are reflected in
    // thousands)": the shares withheld row crosses money columns (Uber); the par-value and
    // dividend-rate labels are amounts (Applied Materials, Lilly).
    let equity = table(vec![
        vec![
            c("", 1),
            c("Common Stock / Shares", 1),
            c("Additional Paid-In Capital", 1),
            c("Total Equity", 1),
        ],
        vec![
            c("Shares withheld related to net share settlement", 1),
            c("(1,250)", 1),
            c("(17)", 1),
            c("(17)", 1),
        ],
        vec![
            c(
                "Common stock: $0.01 par value per share; 793 shares outstanding",
                1,
            ),
            c("", 1),
            c("8", 1),
            c("8", 1),
        ],
        vec![
            c("Cash dividends declared per share: $4.07", 1),
            c("", 1),
            c("(3,667.5)", 1),
            c("(3,667.5)", 1),
        ],
    ]);
    // Award valuations under the statements' millions: every currency amount is printed to
    // the cent (grant-date prices among rates), and a term in years between two rates is
    // years (Applied Materials, Intuitive Surgical).
    let awards = table(vec![
        vec![c("", 1), c("2025", 1), c("2024", 1)],
        vec![
            c("Grant date market value", 1),
            c("$169.08", 1),
            c("$148.39", 1),
        ],
        vec![c("Risk-free interest rate", 1), c("4.6%", 1), c("5.0%", 1)],
        vec![c("Expected term (in years)", 1), c("1.2", 1), c("1.2", 1)],
        vec![c("Expected volatility", 1), c("33%", 1), c("38%", 1)],
        vec![c("Exchange ratio", 1), c("0.2838", 1), c("0.2838", 1)],
    ]);
    let doc = DocBuilder::new()
        .p("(In millions, except share amounts which are reflected in thousands)")
        .table_of(equity)
        .p("(In millions)")
        .table_of(awards)
        .build();
    let (_, cells) = run(&doc, &[]);
    let vn = |t: usize, r: usize, col: usize| {
        f(cells.get(cell_at(&cells, t, r, col), "value_normalized"))
    };
    assert!(
        close(vn(0, 1, 1), -1_250e3),
        "shares withheld: thousands of shares"
    );
    assert!(close(vn(0, 1, 2), -17e6), "paid-in capital: millions");
    assert!(close(vn(0, 1, 3), -17e6), "total equity: millions");
    assert!(close(vn(0, 2, 2), 8e6), "par-value line: an amount");
    assert!(
        close(vn(0, 3, 2), -3_667.5e6),
        "dividends at a stated rate: an amount"
    );
    assert_eq!(vn(1, 1, 1), Some(169.08));
    assert_eq!(vn(1, 3, 1), Some(1.2));
    assert_eq!(vn(1, 5, 1), Some(0.2838));
}

#[test]
fn the_eps_identity_gives_the_share_counts_scale() {
    // "(Tabular amounts in thousands, except per share amounts)" and a whole share count:
    // 1,635,273 thousand / 494,381 = 3.31 per share only with the count in thousands too
    // (Analog Devices); the count under "Denominator" is shares by its section.
    let eps = table(vec![
        vec![c("", 1), c("2025", 1), c("2024", 1)],
        vec![c("Net income", 1), c("$ 1,635,273", 1), c("$ 1,635,273", 1)],
        vec![c("Denominator", 1), c("", 1), c("", 1)],
        vec![
            c("Weighted-average shares outstanding", 1),
            c("494,381", 1),
            c("496,000", 1),
        ],
        vec![
            c("Basic earnings per share", 1),
            c("$ 3.31", 1),
            c("$ 3.30", 1),
        ],
    ]);
    let doc = DocBuilder::new()
        .p("(Tabular amounts in thousands, except per share amounts)")
        .p("Basic earnings per share is net income divided by weighted-average shares.")
        .p("Diluted earnings per share includes the effect of dilutive share awards.")
        .p("Anti-dilutive awards are excluded from the computation of diluted shares.")
        .p("The following table shows the computation of basic earnings per share:")
        .table_of(eps)
        .build();
    let (_, cells) = run(&doc, &[]);
    let vn = |r: usize, col: usize| normalized(&cells, r, col);
    assert!(close(Some(vn(3, 1)), 494_381e3));
    assert!(close(Some(vn(1, 1)), 1_635_273e3));
    assert_eq!(vn(4, 1), 3.31);
}

#[test]
fn basis_points_and_multiples_keep_their_value() {
    // ADP's "50 bps" and a leverage ratio "4.08x" under the table's "(In millions)": they had
    // no value. Basis points are a ratio, as percentages are; a multiple is as printed.
    let t = table(vec![
        vec![c("", 1), c("2025", 1), c("2024", 1)],
        vec![c("Revenue", 1), c("$ 20,561", 1), c("$ 19,203", 1)],
        vec![
            c("Margin expansion", 1),
            c("50 bps", 1),
            c("(15)", 1),
            c("bps", 1),
        ],
        vec![c("Interest coverage", 1), c("4.08x", 1), c("3.90x", 1)],
    ]);
    let doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    let (_, cells) = run(&doc, &[]);
    let vn = |r: usize, col: usize| normalized(&cells, r, col);
    assert!(close(Some(vn(1, 1)), 20_561e6));
    assert!((vn(2, 1) - 0.005).abs() < 1e-12);
    assert!((vn(2, 2) + 0.0015).abs() < 1e-12);
    assert!((vn(3, 1) - 4.08).abs() < 1e-12);
    let unit = |r: usize, col: usize| cells.get(cell_at(&cells, 0, r, col), "unit").as_str();
    assert_eq!(unit(2, 1), Some("bps"));
    assert_eq!(unit(3, 2), Some("x"));
}

#[test]
fn a_table_continued_after_a_page_break_keeps_the_header_before_it() {
    let first = table(vec![
        vec![c("", 1), c("2025", 1), c("2024", 1)],
        vec![c("Net income", 1), c("$ 3,869", 1), c("$ 2,963", 1)],
    ]);
    // The financing lines, on the next page, under no header of their own.
    let rest = || {
        table(vec![
            vec![
                c("Purchases of treasury stock", 1),
                c("(2,772)", 1),
                c("(1,988)", 1),
            ],
            vec![c("Dividends paid", 1), c("(1,189)", 1), c("(1,034)", 1)],
        ])
    };
    let header = |doc: &Document| {
        let (_, cells) = run(doc, &[]);
        testing::rows(&cells)
            .into_iter()
            .find(|r| r.str("id") == "0000320193-24-000123/tbl/1/r0/c1")
            .expect("the second table's first amount")
            .opt_str("column_header")
            .map(str::to_string)
    };
    let doc = DocBuilder::new()
        .p("(In millions)")
        .table_of(first.clone())
        .p("52")
        .table_of(rest())
        .build();
    assert_eq!(header(&doc).as_deref(), Some("2025"));
    // A page footer set as a table between the parts passes the header on (it is table 1
    // there, so the part after it is table 2).
    let doc = DocBuilder::new()
        .p("(In millions)")
        .table_of(first.clone())
        .table_of(table(vec![vec![
            c("62", 1),
            c("Intuit Fiscal 2025 Form 10-K", 1),
        ]]))
        .table_of(rest())
        .build();
    let (_, cells) = run(&doc, &[]);
    let continued = testing::rows(&cells)
        .into_iter()
        .find(|r| r.str("id") == "0000320193-24-000123/tbl/2/r0/c1")
        .expect("the third table's first amount");
    assert_eq!(continued.opt_str("column_header"), Some("2025"));
    // Text between the two is no page break: the second table is a table of its own.
    let doc = DocBuilder::new()
        .p("(In millions)")
        .table_of(first)
        .p("Supplemental cash flow information was as follows:")
        .table_of(rest())
        .build();
    assert_eq!(header(&doc), None);
}

/// An exhibit index is a list of documents: its exhibit numbers ("3.1", "10(m)†", "(4.11)",
/// "*10.14") read as numbers, and it was classified `financial` (79 tables in the development
/// corpus). Its continuation after a page break keeps the index's own titles; titles that are
/// a first exhibit taken for a header ("+*10.2 | Letter Agreement …", Standard Pacific) are
/// not passed on. A table of amounts whose rows are numbered stays `financial`.
#[test]
fn an_exhibit_index_is_text() {
    let described = |n: &str, what: &str| {
        vec![
            c(n, 1),
            c(
                &format!("{what}, incorporated by reference to the Company's Form 10-K"),
                1,
            ),
        ]
    };
    let index = table(vec![
        vec![c("Exhibit No.", 1), c("Description", 1)],
        described("3.1", "Amended and Restated Certificate of Incorporation"),
        described("10(m)†", "Stock Unit Grant Agreement"),
        described("(4.11)", "Form of 3.250% Senior Note due 2027"),
        described(
            "*10.14",
            "Form of Performance Restricted Stock Unit Agreement",
        ),
    ]);
    let continued = table(vec![
        described(
            "10.15",
            "Form of Relative Total Shareholder Return Agreement",
        ),
        described("21", "Subsidiaries of the Registrant"),
        described(
            "23.1",
            "Consent of Independent Registered Public Accounting Firm",
        ),
    ]);
    let numbered = table(vec![
        vec![c("", 1), c("Line", 1), c("2024", 1), c("2023", 1)],
        vec![
            c("1", 1),
            c("Revenue from contracts with customers", 1),
            c("$ 1,234", 1),
            c("$ 1,100", 1),
        ],
        vec![
            c("2", 1),
            c("Cost of revenue excluding depreciation", 1),
            c("(567)", 1),
            c("(540)", 1),
        ],
    ]);
    let doc = DocBuilder::new()
        .table_of(index)
        .p("92")
        .table_of(continued)
        .p("The following table shows revenue:")
        .table_of(numbered)
        .build();
    let (tables, cells) = run(&doc, &[]);
    assert_eq!(kinds(&tables), ["text", "text", "financial"]);
    let rows = testing::rows(&cells);
    let header = |id: &str| {
        rows.iter()
            .find(|r| r.str("id") == id)
            .expect(id)
            .opt_str("column_header")
            .map(str::to_string)
    };
    assert_eq!(
        header("0000320193-24-000123/tbl/1/r0/c0").as_deref(),
        Some("Exhibit No.")
    );
    // An index whose first exhibit was taken for its header passes nothing on.
    let first_as_header = table(vec![
        described(
            "+*10.2",
            "Letter Agreement amending the Stockholders Agreement",
        ),
        described("10.3", "Credit Agreement among the Company and the lenders"),
        described("10.4", "First Amendment to the Credit Agreement"),
    ]);
    let doc = DocBuilder::new()
        .table_of(first_as_header)
        .p("93")
        .table_of(table(vec![
            described(
                "23.1",
                "Consent of Independent Registered Public Accounting Firm",
            ),
            described("31.1", "Certification of the Chief Executive Officer"),
            described("31.2", "Certification of the Chief Financial Officer"),
        ]))
        .build();
    let (_, cells) = run(&doc, &[]);
    let rows = testing::rows(&cells);
    let second: Vec<_> = rows
        .iter()
        .filter(|r| r.str("id").starts_with("0000320193-24-000123/tbl/1/"))
        .collect();
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|r| r.opt_str("column_header").is_none()),
        "{:?}",
        second
            .iter()
            .map(|r| r.opt_str("column_header"))
            .collect::<Vec<_>>()
    );
}

/// A year printed alone in a table of millions is a year: "Year that the rate reaches the
/// ultimate trend rate | 2019" (Vulcan, Macy's) was stored as 2,019 million, or as a
/// percentage beside trend rates; a year row under "(In millions)" as 2,024 million. So is a
/// year with a note number ("2012 1", Vulcan's option assumptions, was 2,012 million).
#[test]
fn a_bare_year_is_never_scaled() {
    let doc = DocBuilder::new()
        .p("(In millions)")
        .table_of(table(vec![
            vec![c("", 1), c("2012", 1), c("2011", 1)],
            vec![
                c("Health care cost trend rate", 1),
                c("8.0%", 1),
                c("8.5%", 1),
            ],
            vec![
                c("Year that the rate reaches the ultimate trend rate", 1),
                c("2019", 1),
                c("2017", 1),
            ],
            // With a note number, superscript ("2027<sup>1</sup>", read "2027 1") or not.
            vec![
                c("Year the patent expires", 1),
                c("2027 1", 1),
                c("2030 (a)", 1),
            ],
            vec![c("Net periodic cost", 1), c("$ 1,234", 1), c("$ 1,100", 1)],
        ]))
        .build();
    let (_, cells) = run(&doc, &[]);
    let rows = testing::rows(&cells);
    let normalized = |text: &str| {
        rows.iter()
            .find(|r| r.str("raw_text") == text)
            .expect(text)
            .opt_float("value_normalized")
    };
    assert_eq!(normalized("2019"), Some(2019.0));
    assert_eq!(normalized("2017"), Some(2017.0));
    assert_eq!(normalized("2027 1"), Some(2027.0));
    assert_eq!(normalized("2030 (a)"), Some(2030.0));
    assert_eq!(normalized("$ 1,234"), Some(1_234_000_000.0));
}

/// Norfolk Southern's five-year summary: "2008 | 2007 | 2005 1" with "($ in millions, except
/// per share amounts)", a note that may sit on a line of its own or span the columns' headers
/// (then it is part of every column's header). Either way it is the table's scale, not a
/// section's or the columns' own: the amounts are in millions, but the employees and the
/// stockholders it counts are not (they were stored as 30,241 million).
#[test]
fn the_tables_note_does_not_scale_counts() {
    let note = "($ in millions, except per share amounts)";
    let years = || vec![c("", 1), c("2008", 1), c("2007", 1), c("2005 1", 1)];
    let layouts = [
        vec![years(), vec![c(note, 1), c("", 1), c("", 1), c("", 1)]],
        vec![vec![c("", 1), c(note, 3)], years()],
    ];
    for (k, top) in layouts.into_iter().enumerate() {
        let mut rows = top;
        rows.extend([
            vec![
                c("Railway operating revenues", 1),
                c("$ 10,661", 1),
                c("$ 9,432", 1),
                c("$ 9,407", 1),
            ],
            vec![
                c("Number of stockholders at year end", 1),
                c("35,466", 1),
                c("36,955", 1),
                c("38,900", 1),
            ],
            vec![c("Average number of employees:", 1)],
            vec![c("Rail", 1), c("30,241", 1), c("30,336", 1), c("30,079", 1)],
        ]);
        let doc = DocBuilder::new().table_of(table(rows)).build();
        let (_, cells) = run(&doc, &[]);
        let rows = testing::rows(&cells);
        let cell = |text: &str| {
            rows.iter()
                .find(|r| r.str("raw_text") == text)
                .unwrap_or_else(|| panic!("layout {k}: {text}"))
        };
        let vn = |text: &str| cell(text).opt_float("value_normalized");
        assert_eq!(vn("$ 10,661"), Some(10_661_000_000.0), "layout {k}");
        assert_eq!(vn("35,466"), Some(35_466.0), "layout {k}");
        assert_eq!(vn("30,241"), Some(30_241.0), "layout {k}");
        // The superscript year heads its column; it is no amount.
        assert!(cell("2005 1").opt_float("value").is_none(), "layout {k}");
        let header = cell("30,079").opt_str("column_header").unwrap_or("");
        assert!(header.contains("2005 1"), "layout {k}: {header}");
        if k == 1 {
            assert!(header.contains(note), "layout {k}: {header}");
        }
    }
}

/// Standard Pacific's EPS reconciliation lists, under "Effect of dilutive securities:", the
/// numerator's adjustments ("Interest on 1¼% convertible senior notes", in thousands of
/// dollars) beside the dilutive shares (printed in full: in the filing its EPS arithmetic
/// says so, here the note): the first are amounts, the second share counts.
#[test]
fn amounts_under_a_label_of_dilutive_securities_stay_amounts() {
    let doc = DocBuilder::new()
        .table_of(table(vec![
            vec![c("", 1), c("2013", 1), c("2012", 1)],
            vec![
                c(
                    "(Dollars in thousands, except share and per share amounts)",
                    1,
                ),
                c("", 1),
                c("", 1),
            ],
            vec![
                c("Net income (loss)", 1),
                c("$ 188,715", 1),
                c("$ 531,421", 1),
            ],
            vec![c("Effect of dilutive securities:", 1), c("", 1), c("", 1)],
            vec![
                c("Interest on 1¼% convertible senior notes due 2032", 1),
                c("899", 1),
                c("268", 1),
            ],
            vec![c("Stock options", 1), c("6,742,856", 1), c("5,988,625", 1)],
        ]))
        .build();
    let (_, cells) = run(&doc, &[]);
    let rows = testing::rows(&cells);
    let vn = |text: &str| {
        rows.iter()
            .find(|r| r.str("raw_text") == text)
            .unwrap_or_else(|| panic!("{text}"))
            .opt_float("value_normalized")
    };
    assert_eq!(vn("$ 188,715"), Some(188_715_000.0));
    assert_eq!(vn("899"), Some(899_000.0));
    assert_eq!(vn("6,742,856"), Some(6_742_856.0));
}
