//! Chunk count and token-size distribution of `chunker@1` over every fixture filing, at its
//! default settings, for comparison with `distribution_v2`:
//!
//!     cargo run -p finloom-plugin-chunker-v2 --example distribution_v1
//!
//! chunker v1's code is compiled in from its source (linking the v1 crate next to this one
//! would define abi_stable's root-module symbol twice); this example does not use the v2
//! library, so only v1's copy of that symbol is linked.

mod common;

#[allow(dead_code)]
#[path = "../../chunker-v1/src/lib.rs"]
mod v1;

fn main() {
    let cfg = v1::Config::parse("{}").expect("config");
    let filings = common::filings();
    let chunks: Vec<_> = filings
        .iter()
        .map(|(_, meta, _, secs)| v1::chunk_sections(meta, secs, &cfg).expect("chunk"))
        .collect();
    common::report(
        "chunker@1 (max_tokens 512, overlap 64)",
        filings.len(),
        &chunks,
    );
}
