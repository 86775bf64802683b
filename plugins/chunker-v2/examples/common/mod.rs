//! Shared by the `distribution` examples: loads every fixture filing and prints the chunk
//! count and token-size distribution of a chunker.

use finloom_plugin_api::{Document, FilingMeta, TableRows};
use finloom_plugin_kit::testing;

// The sections plugin's extraction logic, compiled in (see tests/fixtures.rs for why); only
// `extract_table` is used, so the rest, re-exports included, is unused here.
#[allow(dead_code, unused_imports)]
#[path = "../../../sections/src/extract/mod.rs"]
mod sections;

/// Every fixture filing (sorted), with its `sections` rows.
pub fn filings() -> Vec<(String, FilingMeta, Document, TableRows)> {
    testing::fixture_filings()
        .into_iter()
        .map(|name| {
            let (meta, doc) = testing::load_filing(&name);
            let secs = sections::extract_table(&meta, &doc, "{}").expect("sections");
            (name, meta, doc, secs)
        })
        .collect()
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
