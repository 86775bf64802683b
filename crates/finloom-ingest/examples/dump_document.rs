//! Prints a filing's metadata and blocks, for debugging ingest.
//!
//! `cargo run -p finloom-ingest --example dump -- FILE [MAX_BLOCKS]`
//! With a directory instead of a file: one summary line per discovered filing, and the
//! total parse throughput (use `--release` for meaningful numbers).

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first() else {
        eprintln!("usage: dump FILE|DIR [MAX_BLOCKS]");
        std::process::exit(2);
    };
    let max: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let path = Path::new(target);
    if path.is_dir() {
        summary(path);
        return;
    }
    let f = match finloom_ingest::read_filing(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let m = &f.meta;
    println!("accession_number: {}", m.accession_number);
    println!("cik:              {}", m.cik);
    println!("company_name:     {}", m.company_name);
    println!("form_type:        {}", m.form_type);
    println!("filed_date:       {}", m.filed_date);
    println!("period_of_report: {}", m.period_of_report);
    println!(
        "source:           {:?} {:?}",
        f.metadata_source, f.field_sources
    );
    println!(
        "primary:          type={:?} file={:?}",
        f.primary_doc_type, f.primary_filename
    );
    println!("hash:             {}", f.source_hash);
    for w in &f.warnings {
        println!("warning:          {w}");
    }
    let d = &f.document;
    println!(
        "document: {:?}, {} bytes text, {} blocks, {} tables, {} facts",
        d.format,
        d.text.len(),
        d.blocks.len(),
        d.tables.len(),
        d.facts.len()
    );
    for (i, b) in d.blocks.iter().enumerate().take(max) {
        let s = &b.style;
        let mut flags = String::new();
        for (on, c) in [
            (s.bold, 'B'),
            (s.italic, 'I'),
            (s.underline, 'U'),
            (s.centered, 'C'),
            (s.all_caps, 'A'),
            (s.page_break_before, 'P'),
        ] {
            flags.push(if on { c } else { '.' });
        }
        let t: String = d
            .block_text(b)
            .chars()
            .take(80)
            .collect::<String>()
            .replace('\n', "⏎");
        let h = if s.heading_level > 0 {
            format!("h{}", s.heading_level)
        } else {
            "  ".into()
        };
        println!(
            "{i:5} {:?} {flags} {h} {:4.1}pt  {t}",
            kind(b.kind),
            s.font_size
        );
    }
}

fn kind(k: finloom_plugin_api::BlockKind) -> &'static str {
    match k {
        finloom_plugin_api::BlockKind::Paragraph => "P",
        finloom_plugin_api::BlockKind::Table => "T",
        finloom_plugin_api::BlockKind::Preformatted => "F",
    }
}

fn summary(dir: &Path) {
    let files = finloom_ingest::discover(dir).expect("discover");
    let mut bytes = 0usize;
    let t0 = Instant::now();
    for p in &files {
        let size = std::fs::metadata(p).map(|m| m.len() as usize).unwrap_or(0);
        bytes += size;
        let t = Instant::now();
        match finloom_ingest::read_filing(p) {
            Ok(f) => println!(
                "{:>8.1}ms {:>9} {} | {} | {} | {} | {} | {} | {} | {} blocks {} tables {} facts | {:?}",
                t.elapsed().as_secs_f64() * 1e3,
                size,
                p.display(),
                f.meta.accession_number,
                f.meta.form_type,
                f.meta.cik,
                f.meta.company_name,
                f.meta.filed_date,
                f.meta.period_of_report,
                f.document.blocks.len(),
                f.document.tables.len(),
                f.document.facts.len(),
                f.metadata_source
            ),
            Err(e) => println!("ERROR {e}"),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{} files, {:.1} MB in {:.3}s = {:.1} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
}
