//! Dev probe: runs each SQL argument against a DuckDB file, printing rows and timings.
use std::time::Instant;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args.next().unwrap();
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
        eprintln!(
            "-- {:.3}s  {}",
            t.elapsed().as_secs_f64(),
            &sql[..sql.len().min(100)]
        );
        for l in out {
            println!("{l}");
        }
    }
    Ok(())
}
