//! Chunk count and token-size distribution of `chunker@2` over every fixture filing, at the
//! default settings (see `distribution_v1` for v1):
//!
//!     cargo run -p finloom-plugin-chunker-v2 --example distribution_v2 [-- '<config json>']

mod common;

fn main() {
    let json = std::env::args().nth(1).unwrap_or_else(|| "{}".to_string());
    let cfg = finloom_chunker_v2::Config::parse(&json).expect("config");
    let filings = common::filings();
    let chunks: Vec<_> = filings
        .iter()
        .map(|(_, meta, doc, secs)| {
            finloom_chunker_v2::chunk_sections(meta, doc, secs, &cfg).expect("chunk")
        })
        .collect();
    common::report(
        &format!(
            "chunker@2 (max_tokens {}, min_tokens {})",
            cfg.max_tokens, cfg.min_tokens
        ),
        filings.len(),
        &chunks,
    );
}
