//! Diagnostic: does the grid lose text? For every filing given (files or folders), every
//! table the plugin stores cells for: the source cells' non-empty texts that appear in no
//! stored cell of that table (a "$" glued to its number still appears inside it).
//!
//!     target/release/examples/grid_loss ../shared/corpus/filings [-v]
use finloom_plugin_api::Plugin;
use finloom_plugin_kit::testing;
use finloom_tables_v1::TablesPlugin;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut es: Vec<_> = std::fs::read_dir(p)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        es.sort();
        for e in es {
            files(&e, out);
        }
    } else {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let mut paths = Vec::new();
    for a in args.iter().filter(|a| *a != "-v") {
        files(Path::new(a), &mut paths);
    }
    let (mut total_src, mut total_lost) = (0usize, 0usize);
    for path in paths {
        let (meta, doc) = testing::load(&path);
        let Ok(out) = TablesPlugin::extract(&meta, &doc, &[], "{}") else {
            continue;
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
            let Some(stored) = by_table.get(&(i as i64)) else {
                continue;
            };
            for row in t.rows.iter() {
                for c in row.cells.iter() {
                    let text = c.text.as_str().trim();
                    if text.is_empty() {
                        continue;
                    }
                    src += 1;
                    if !stored.iter().any(|s| s.contains(text)) {
                        lost += 1;
                        if verbose {
                            println!("  {} t{i}: {text:?}", path.display());
                        }
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
}
