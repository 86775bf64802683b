//! Runs SQL statements against a DuckDB file in order, printing each one's rows on stdout and
//! its wall time on stderr: the probe behind the storage measurements in the README and in
//! `finloom_store::ROW_GROUP_SIZE` (row-group layouts, checkpoint costs, DELETE scans).
//!
//!   sqlprobe <DATABASE> <SQL> [<SQL> ...]
//!
//! The file is opened read-write with DuckDB's defaults (not finloom's attach options): use
//! `ATTACH '<file>' AS x (ROW_GROUP_SIZE n)` in the statements to try a layout, and a copy of
//! a database you care about.
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(db) = args.next() else {
        eprintln!("usage: sqlprobe <DATABASE> <SQL> [<SQL> ...]");
        std::process::exit(2);
    };
    let conn = duckdb::Connection::open(&db)?;
    for sql in args {
        let t = Instant::now();
        let mut st = conn.prepare(&sql)?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let n = r.as_ref().column_count();
            let mut cells = Vec::new();
            for i in 0..n {
                let v: duckdb::types::Value = r.get(i)?;
                cells.push(match v {
                    duckdb::types::Value::Text(s) => s,
                    o => format!("{o:?}"),
                });
            }
            out.push(cells.join(" | "));
        }
        let head: String = sql.chars().take(100).collect();
        eprintln!("-- {:.3}s  {head}", t.elapsed().as_secs_f64());
        for l in out {
            println!("{l}");
        }
    }
    Ok(())
}
