//! Diagnostic: does the grid lose text? For every filing given (files or folders), every
//! table the plugin stores cells for: the source cells' non-empty texts that appear in no
//! stored cell of that table (a "$" glued to its number still appears inside it).
//!
//!     target/release/examples/grid_loss ../shared/corpus/filings [-v]
use finloom_plugin_api::Plugin;
use finloom_plugin_kit::testing;
use finloom_tables_v1::TablesPlugin;
use std::collections::HashMap;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    // Folders are listed as `finloom run` lists a source folder.
    let mut paths = Vec::new();
    for a in args.iter().filter(|a| *a != "-v") {
        let p = Path::new(a);
        if p.is_dir() {
            paths.extend(finloom_ingest::discover(p).expect("list the folder"));
        } else {
            paths.push(p.to_path_buf());
        }
    }
    let (mut total_src, mut total_lost) = (0usize, 0usize);
    // Tables the plugin stored no cells for (layout tables: their text is in the sections):
    // outside the count above, so said apart.
    let (mut unstored_tables, mut unstored_src) = (0usize, 0usize);
    for path in paths {
        let (meta, doc) = testing::load(&path);
        let out = match TablesPlugin::extract(&meta, &doc, &[], "{}") {
            Ok(out) => out,
            Err(e) => {
                println!("{}: not counted, the plugin failed: {e}", path.display());
                continue;
            }
        };
        let cells = &out[1];
        let mut by_table: HashMap<i64, Vec<String>> = HashMap::new();
        for r in cells.rows.iter() {
            let ti = cells.get(r, "table_index").as_i64().unwrap_or(-1);
            let t = cells.get(r, "raw_text").as_str().unwrap_or("").to_string();
            by_table.entry(ti).or_default().push(t);
        }
        let (mut src, mut lost) = (0usize, 0usize);
        for (i, t) in doc.tables.iter().enumerate() {
            let texts = || {
                t.rows
                    .iter()
                    .flat_map(|r| r.cells.iter())
                    .map(|c| c.text.as_str().trim())
                    .filter(|t| !t.is_empty())
            };
            let Some(stored) = by_table.get(&(i as i64)) else {
                unstored_tables += 1;
                unstored_src += texts().count();
                continue;
            };
            for text in texts() {
                src += 1;
                if !stored.iter().any(|s| s.contains(text)) {
                    lost += 1;
                    if verbose {
                        println!("  {} t{i}: {text:?}", path.display());
                    }
                }
            }
        }
        if lost > 0 {
            println!("{}: {lost} of {src} cell texts not stored", path.display());
        }
        total_src += src;
        total_lost += lost;
    }
    println!("total: {total_lost} of {total_src} source cell texts of stored tables not found in any stored cell of their table");
    println!("not counted: {unstored_tables} tables ({unstored_src} source cell texts) the plugin stored no cells for");
}
