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
    let mut all = vec![TableKey {
        table: "filings".into(),
        key: vec!["accession_number".into()],
        references: vec![],
        stage: String::new(),
    }];
    all.extend(keys.iter().cloned());
    let mut report = DedupeReport::default();
    conn.execute_batch("BEGIN TRANSACTION")?;
    let result = (|| -> Result<()> {
        for k in &all {
            let cols = table_columns(&conn, &cat, &k.table)?;
            if cols.is_empty() {
                report
                    .skipped
                    .push((k.table.clone(), "no such table".into()));
                continue;
            }
            let has = |c: &str| cols.iter().any(|(n, _)| n == c);
            if let Some(missing) = k.key.iter().find(|c| !has(c)) {
                report
                    .skipped
                    .push((k.table.clone(), format!("key column {missing} is missing")));
                continue;
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
                "updated_at DESC NULLS LAST, rowid DESC"
            } else if has("id") {
                "id DESC NULLS LAST, rowid DESC"
            } else {
                "rowid DESC"
            };
            let before: i64 =
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            let removed = conn.execute(
                &format!(
                    "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM (SELECT rowid, ROW_NUMBER() OVER \
                     (PARTITION BY {partition} ORDER BY {order}) AS rn FROM {table}) WHERE rn > 1)"
                ),
                [],
            )? as i64;
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
