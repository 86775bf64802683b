//! `finloom eval tokenizer`: the chunkers' fast BPE (`finloom_plugin_kit::Bpe`) against
//! `tiktoken-rs` itself, on every section text and every chunk text of a database.
//!
//! The chunkers promise tiktoken's token counts; the kit gets them without tiktoken's regex.
//! Its unit tests compare the two on random strings and on the fixture filings; this
//! evaluation does it on whatever corpus a database was built from (the whole development
//! corpus, or filings the project has never seen). Target: not one text whose tokens differ.

use crate::{EvalError, Report, Result};
use finloom_plugin_kit::Bpe;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

pub fn run(db: &Path, encoding: &str) -> Result<Report> {
    let bpe = Bpe::named(encoding).map_err(EvalError::Other)?;
    let conn = finloom_store::open_ro(db)?;
    let catalog = finloom_store::current_catalog(&conn)?;
    let tables = finloom_store::list_tables(&conn, &catalog)?;
    let mut texts: Vec<(String, String)> = Vec::new(); // (where, text)
    for (table, key) in [("sections", "id"), ("chunks", "id")] {
        if !tables.iter().any(|t| t == table) {
            continue;
        }
        let mut st = conn.prepare(&format!(
            "SELECT {key}, text FROM \"{table}\" WHERE text IS NOT NULL ORDER BY {key}"
        ))?;
        let rows = st.query_map([], |r| {
            Ok((format!("{table} {}", r.get::<_, String>(0)?), r.get(1)?))
        })?;
        for row in rows {
            texts.push(row?);
        }
    }
    drop(conn);
    if texts.is_empty() {
        return Err(EvalError::Other(format!(
            "{} has no section or chunk text: run a pipeline first",
            db.display()
        )));
    }
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let t0 = Instant::now();
    let fast: Vec<Vec<u32>> = texts.iter().map(|(_, t)| bpe.encode(t)).collect();
    let fast_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let reference: Vec<Vec<u32>> = texts
        .iter()
        .map(|(_, t)| bpe.reference().encode_ordinary(t))
        .collect();
    let ref_s = t0.elapsed().as_secs_f64();
    let differ: Vec<&str> = texts
        .iter()
        .zip(fast.iter().zip(&reference))
        .filter(|(_, (a, b))| a != b)
        .map(|((w, _), _)| w.as_str())
        .collect();
    let tokens: usize = reference.iter().map(Vec::len).sum();
    let mb = bytes as f64 / 1e6;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "tokenizer {encoding}: {} texts (sections and chunks), {mb:.1} MB, {tokens} tokens",
        texts.len()
    );
    let _ = writeln!(
        text,
        "  texts whose tokens differ from tiktoken-rs: {}",
        differ.len()
    );
    for w in differ.iter().take(20) {
        let _ = writeln!(text, "    {w}");
    }
    let _ = writeln!(
        text,
        "  encoding speed (one thread): finloom-plugin-kit {:.1} MB/s, tiktoken-rs {:.1} MB/s",
        mb / fast_s.max(1e-9),
        mb / ref_s.max(1e-9)
    );
    let mut missed = Vec::new();
    if !differ.is_empty() {
        missed.push(format!(
            "{} of {} texts tokenize differently from tiktoken-rs",
            differ.len(),
            texts.len()
        ));
    }
    let json = serde_json::json!({
        "encoding": encoding,
        "texts": texts.len(),
        "bytes": bytes,
        "tokens": tokens,
        "differ": differ,
        "fast_mb_per_s": mb / fast_s.max(1e-9),
        "tiktoken_mb_per_s": mb / ref_s.max(1e-9),
    });
    Ok(Report { text, json, missed })
}
