//! Debug helper: `cargo run -p finloom-plugin-tables --example dump -- <file> <table_index>`
//! prints the blocks before a table, its tables row and its cells.
use finloom_plugin_api::{Plugin, Value};
use finloom_plugin_kit::testing;
use finloom_tables_v1::TablesPlugin;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (meta, doc) = testing::load(&args[1]);
    let doc = &doc;
    let idx: usize = args[2].parse().unwrap();
    let out = TablesPlugin::extract(&meta, doc, &[], "{}").unwrap();
    if let Some(t) = doc.tables.get(idx) {
        let bi = t.block as usize;
        for b in doc.blocks[bi.saturating_sub(4)..bi].iter() {
            println!(
                "BLOCK {:?} {:?}: {:?}",
                b.kind,
                b.style,
                &doc.text[b.start as usize..b.end as usize]
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
        }
        for r in t.rows.iter() {
            println!(
                "  SRC {:?}",
                r.cells
                    .iter()
                    .map(|c| format!(
                        "{}[{}{}]{}{}",
                        c.text,
                        c.colspan,
                        if c.rowspan > 1 {
                            format!("x{}", c.rowspan)
                        } else {
                            String::new()
                        },
                        if c.facts.is_empty() { "" } else { "F" },
                        if c.header { "H" } else { "" }
                    ))
                    .collect::<Vec<_>>()
            );
        }
    }
    let tables = &out[0];
    for r in tables
        .rows
        .iter()
        .filter(|r| tables.get(r, "table_index").as_i64() == Some(idx as i64))
    {
        println!("TABLE {:?}", r);
    }
    let cells = &out[1];
    for r in cells
        .rows
        .iter()
        .filter(|r| cells.get(r, "table_index").as_i64() == Some(idx as i64))
    {
        let g = |c: &str| match cells.get(r, c) {
            Value::Text(s) => s.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "∅".into(),
        };
        println!(
            "  r{} c{} {:>14} | lbl={} | hdr={} | v={} sc={} vn={} xv={} m={} u={}",
            g("row_index"),
            g("col_index"),
            g("raw_text"),
            g("row_label"),
            g("column_header"),
            g("value"),
            g("scale"),
            g("value_normalized"),
            g("xbrl_value"),
            g("footnote_marker"),
            g("unit")
        );
    }
}
