//! Tokenizer speed on filing text: the kit's exact fast path against `tiktoken-rs`.
//!
//!     cargo run --release -p finloom-plugin-kit --example tokenizer_speed [FOLDER]
//!
//! FOLDER defaults to the fixture filings; it is searched recursively. Prints MB/s of
//! document text for counting with each encoder (one thread), and checks the counts agree.

use finloom_plugin_kit::Bpe;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("htm" | "html" | "txt")
        ) {
            out.push(p);
        }
    }
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/filings")
        });
    let mut paths = Vec::new();
    files(&root, &mut paths);
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| finloom_ingest::read_filing(p).ok())
        .map(|f| f.document.text.to_string())
        .collect();
    let mb = texts.iter().map(|t| t.len()).sum::<usize>() as f64 / 1e6;
    let bpe = Bpe::named("cl100k_base").unwrap();
    let t = Instant::now();
    let fast: usize = texts.iter().map(|s| bpe.count(s)).sum();
    let fast_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let slow: usize = texts
        .iter()
        .map(|s| bpe.reference().encode_ordinary(s).len())
        .sum();
    let slow_s = t.elapsed().as_secs_f64();
    println!(
        "{} documents, {mb:.1} MB of text, {fast} tokens\n  finloom-plugin-kit: {fast_s:.2} s ({:.1} MB/s)\n  tiktoken-rs:        {slow_s:.2} s ({:.1} MB/s)",
        texts.len(),
        mb / fast_s,
        mb / slow_s
    );
    assert_eq!(fast, slow, "token counts differ");
}
