//! Shared by the `distribution` examples: loads every fixture filing and prints the chunk
//! count and token-size distribution of a chunker.

use std::path::PathBuf;

use finloom_plugin_api::{Document, FilingMeta, TableRows};

// The sections plugin's extraction logic, compiled in (see tests/fixtures.rs for why); only
// `extract_table` is used, so the rest, re-exports included, is unused here.
#[allow(dead_code, unused_imports)]
#[path = "../../../sections/src/extract/mod.rs"]
mod sections;

fn fixtures() -> PathBuf {
    manifest_dir().join("../../tests/fixtures/filings")
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

/// The package directory, read at run time: `cargo test` sets it for the test process. The
/// compile-time value is only a fallback, because a test binary that cargo considers fresh may
/// have been compiled from another checkout sharing the same target directory (CI does that).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
