//! Repairing a database written by a non-idempotent pipeline.
//!
//! For every table with a known key (`filings` by accession number, and each plugin table by
//! the key its plugin declares) keep one row per key — the latest, i.e. the highest `id` as in
//! the seed plan's `ROW_NUMBER() OVER (PARTITION BY … ORDER BY id DESC)`, with the physical row
//! order (`rowid`) breaking ties between exact copies — and delete the rest. All tables in one
//! transaction: either the whole repair happens or none of it. Running it again removes nothing.

use crate::{OpsError, Result, TableKey};
use finloom_store::{ident, table_columns};
use std::path::Path;

#[derive(Debug, Default, serde::Serialize)]
pub struct DedupeReport {
    /// (table, rows before, rows removed)
    pub tables: Vec<(String, i64, i64)>,
    /// Tables that could not be checked, with the reason.
    pub skipped: Vec<(String, String)>,
}

impl DedupeReport {
    pub fn removed(&self) -> i64 {
        self.tables.iter().map(|t| t.2).sum()
    }
}

pub fn dedupe(db: &Path, keys: &[TableKey]) -> Result<DedupeReport> {
    if !db.is_file() {
        return Err(OpsError::Missing(db.to_path_buf()));
    }
    let conn = finloom_store::open_rw(db)?;
    let cat = finloom_store::current_catalog(&conn)?;
    let all = with_filings(keys);
    let mut report = DedupeReport::default();
    conn.execute_batch("BEGIN TRANSACTION")?;
    let result = (|| -> Result<()> {
        for k in &all {
            let cols: Vec<String> = table_columns(&conn, &cat, &k.table)?
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let (table, delete) = match repair_sql(k, &cols, "rowid")? {
                Ok(x) => x,
                Err(why) => {
                    report.skipped.push((k.table.clone(), why));
                    continue;
                }
            };
            let before: i64 =
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            let removed = conn.execute(&delete, [])? as i64;
            report.tables.push((k.table.clone(), before, removed));
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            conn.execute_batch("COMMIT")?;
            Ok(report)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// `filings` (keyed by accession number) followed by the plan's tables: what dedupe repairs.
pub(crate) fn with_filings(keys: &[TableKey]) -> Vec<TableKey> {
    let mut all = vec![TableKey {
        table: "filings".into(),
        key: vec!["accession_number".into()],
        references: vec![],
        stage: String::new(),
    }];
    all.extend(keys.iter().cloned());
    all
}

/// The repair of one table — its quoted name and the DELETE keeping the latest row per key —
/// or why it cannot be checked. `cols`: the table's columns (empty: no such table); `row`:
/// the store's physical row id (`rowid` in DuckDB, `ctid` in PostgreSQL), which breaks ties
/// between exact copies. The SQL is the same on both stores.
pub(crate) fn repair_sql(
    k: &TableKey,
    cols: &[String],
    row: &str,
) -> Result<std::result::Result<(String, String), String>> {
    if cols.is_empty() {
        return Ok(Err("no such table".into()));
    }
    let has = |c: &str| cols.iter().any(|n| n == c);
    if let Some(missing) = k.key.iter().find(|c| !has(c)) {
        return Ok(Err(format!("key column {missing} is missing")));
    }
    let table = ident(&k.table)?;
    let partition = k
        .key
        .iter()
        .map(|c| ident(c))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .join(", ");
    // "Latest": highest id where there is one (the seed's rule); filings by updated_at.
    let order = if k.table == "filings" && has("updated_at") {
        format!("updated_at DESC NULLS LAST, {row} DESC")
    } else if has("id") {
        format!("id DESC NULLS LAST, {row} DESC")
    } else {
        format!("{row} DESC")
    };
    let delete = format!(
        "DELETE FROM {table} WHERE {row} IN (SELECT {row} FROM (SELECT {row}, ROW_NUMBER() OVER \
         (PARTITION BY {partition} ORDER BY {order}) AS rn FROM {table}) AS d WHERE rn > 1)"
    );
    Ok(Ok((table, delete)))
}
