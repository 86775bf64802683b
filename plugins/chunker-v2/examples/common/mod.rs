//! Shared by the `distribution` examples: loads every fixture filing and prints the chunk
//! count and token-size distribution of a chunker.

use std::path::{Path, PathBuf};

use finloom_plugin_api::{Document, FilingMeta, TableRows};

#[allow(dead_code)]
#[path = "../../../sections/src/extract.rs"]
mod sections;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/filings")
}

/// Every fixture filing (sorted), with its `sections` rows.
pub fn filings() -> Vec<(String, FilingMeta, Document, TableRows)> {
    let mut out = Vec::new();
    for form in ["10-K", "10-Q", "8-K"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join(form))
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .collect();
        paths.sort();
        for p in paths {
            let f = finloom_ingest::read_filing(&p).expect("ingest");
            let secs = sections::extract_table(&f.meta, &f.document, "{}").expect("sections");
            let name = format!("{form}/{}", p.file_name().unwrap().to_string_lossy());
            out.push((name, f.meta, f.document, secs));
        }
    }
    out
}

/// Prints chunk count and min / median / p90 / max of `token_count` over `chunks`.
pub fn report(label: &str, filings: usize, chunks: &[TableRows]) {
    let mut counts: Vec<i64> = chunks
        .iter()
        .flat_map(|t| {
            t.rows
                .iter()
                .map(|r| t.get(r, "token_count").as_i64().unwrap())
        })
        .collect();
    counts.sort_unstable();
    let q = |p: f64| counts[((counts.len() - 1) as f64 * p).round() as usize];
    let under = |n: i64| counts.iter().filter(|&&c| c < n).count();
    println!(
        "{label}: filings={filings} chunks={} tokens min={} median={} p90={} max={} total={} \
         (<32: {}, <64: {})",
        counts.len(),
        counts[0],
        q(0.5),
        q(0.9),
        counts[counts.len() - 1],
        counts.iter().sum::<i64>(),
        under(32),
        under(64),
    );
}
