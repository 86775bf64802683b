//! Grows a finloom database for scale benchmarks: every filing's rows are copied N times
//! under made-up accession numbers (`<accession>-x<i>`, ids suffixed the same way), so the
//! fact tables reach production sizes while the real filings stay in place to be re-merged.
//!
//!   inflate <DATABASE> <COPIES>
//!
//! Used by `scripts/bench-scale`; not part of finloom itself (the copies are not real filings
//! and would fail `finloom check`'s referential checks only in their ids' suffixes).
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: inflate <DATABASE> <COPIES>");
        std::process::exit(2);
    };
    let copies: u32 = n.parse()?;
    let conn = finloom_store::open_rw(&PathBuf::from(&db))?;
    let catalog = finloom_store::current_catalog(&conn)?;
    let tables: Vec<String> = finloom_store::list_tables(&conn, &catalog)?;
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE inflate_k AS SELECT range AS i FROM range(1, {})",
        copies + 1
    ))?;
    for t in tables {
        let cols = finloom_store::table_columns(&conn, &catalog, &t)?;
        if !cols.iter().any(|(c, _)| c == "accession_number") || t == "finloom_failures" {
            continue;
        }
        let mut rep = vec!["accession_number || '-x' || k.i AS accession_number".to_string()];
        if cols.iter().any(|(c, _)| c == "id") {
            rep.push("id || '-x' || k.i AS id".into());
        }
        let q = finloom_store::ident(&t)?;
        let n = conn.execute(
            &format!(
                "INSERT INTO {q} SELECT {q}.* REPLACE ({}) FROM {q}, inflate_k k",
                rep.join(", ")
            ),
            [],
        )?;
        eprintln!("{t}: +{n} rows");
    }
    conn.execute_batch("CHECKPOINT")?;
    Ok(())
}
