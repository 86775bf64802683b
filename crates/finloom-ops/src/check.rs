//! `finloom check`: data-quality checks, the seed plan's verification queries, and the
//! `data_health` view.
//!
//! Violations (exit code 1): duplicate keys, rows whose filing or referenced row does not
//! exist, filings (status ok) missing a stage, failed filings, and the seed's first and third
//! queries returning anything. Warnings: leftover staging files of earlier runs (kept on
//! purpose after failures, for inspection) and filings with no rows in a table (legitimate
//! for some stages: a short 8-K has no tables).

use crate::{file_size, OpsError, Result, TableKey};
use duckdb::Connection;
use finloom_store::{ident, table_columns};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct Duplicates {
    pub table: String,
    pub key: Vec<String>,
    pub duplicate_keys: i64,
    pub extra_rows: i64,
}

#[derive(Debug, Serialize)]
pub struct Orphans {
    pub table: String,
    pub column: String,
    pub references: String,
    pub rows: i64,
}

#[derive(Debug, Serialize)]
pub struct Coverage {
    pub stage: String,
    pub form_type: String,
    /// Filings (status ok) for which the stage has run.
    pub done: i64,
    /// Filings with at least one row in the stage's first table.
    pub with_rows: i64,
    pub total: i64,
}

#[derive(Debug, Serialize, Default)]
pub struct Seed {
    pub filings_without_sections: Option<i64>,
    pub filings_without_tables: Option<i64>,
    pub duplicate_section_keys: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub database: String,
    pub size_bytes: u64,
    pub filings: i64,
    pub duplicates: Vec<Duplicates>,
    pub orphans: Vec<Orphans>,
    pub coverage: Vec<Coverage>,
    pub failed_filings: Vec<(String, String)>,
    pub leftover_staging: Vec<String>,
    pub seed: Seed,
    pub violations: Vec<String>,
    pub warnings: Vec<String>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The few things the checks ask of a database, on either store. Every query below is
/// written in the SQL both DuckDB and PostgreSQL accept (subqueries named, casts with `::`).
trait Db {
    fn count(&mut self, sql: &str) -> Result<i64>;
    /// Rows of text and integer columns (`param` binds the one `?`/`$1`, if any).
    fn rows(&mut self, sql: &str, param: Option<&str>) -> Result<Vec<Vec<Cell>>>;
    fn has_table(&mut self, table: &str) -> Result<bool>;
    fn execute(&mut self, sql: &str) -> Result<()>;
    /// A `$1`/`?` placeholder in this store's dialect.
    fn placeholder(&self) -> &'static str;
}

enum Cell {
    Text(String),
    Int(i64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
        }
    }
    fn int(&self) -> i64 {
        match self {
            Cell::Int(i) => *i,
            Cell::Text(s) => s.parse().unwrap_or(0),
        }
    }
}

struct Duck<'c>(&'c Connection, String);

impl Db for Duck<'_> {
    fn count(&mut self, sql: &str) -> Result<i64> {
        Ok(self.0.query_row(sql, [], |r| r.get(0))?)
    }
    fn rows(&mut self, sql: &str, param: Option<&str>) -> Result<Vec<Vec<Cell>>> {
        let mut st = self.0.prepare(sql)?;
        let mut rows = match param {
            Some(p) => st.query([p])?,
            None => st.query([])?,
        };
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let n = r.as_ref().column_count();
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get::<_, duckdb::types::Value>(i)? {
                    duckdb::types::Value::BigInt(v) => Cell::Int(v),
                    duckdb::types::Value::Int(v) => Cell::Int(v as i64),
                    duckdb::types::Value::HugeInt(v) => Cell::Int(v as i64),
                    duckdb::types::Value::UBigInt(v) => Cell::Int(v as i64),
                    duckdb::types::Value::Text(t) => Cell::Text(t),
                    duckdb::types::Value::Null => Cell::Text(String::new()),
                    other => Cell::Text(format!("{other:?}")),
                });
            }
            out.push(row);
        }
        Ok(out)
    }
    fn has_table(&mut self, table: &str) -> Result<bool> {
        Ok(!table_columns(self.0, &self.1, table)?.is_empty())
    }
    fn execute(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.execute_batch(sql)?)
    }
    fn placeholder(&self) -> &'static str {
        "?"
    }
}

struct Pg<'c>(&'c mut finloom_pg::Client);

impl Db for Pg<'_> {
    fn count(&mut self, sql: &str) -> Result<i64> {
        Ok(self.0.query_one(sql, &[])?.get(0))
    }
    fn rows(&mut self, sql: &str, param: Option<&str>) -> Result<Vec<Vec<Cell>>> {
        let rows = match param {
            Some(p) => self.0.query(sql, &[&p])?,
            None => self.0.query(sql, &[])?,
        };
        Ok(rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| match r.try_get::<_, Option<i64>>(i) {
                        Ok(v) => Cell::Int(v.unwrap_or(0)),
                        Err(_) => Cell::Text(r.get::<_, Option<String>>(i).unwrap_or_default()),
                    })
                    .collect()
            })
            .collect())
    }
    fn has_table(&mut self, table: &str) -> Result<bool> {
        Ok(finloom_pg::schema::table_columns(self.0, table)?.is_some())
    }
    fn execute(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.batch_execute(sql)?)
    }
    fn placeholder(&self) -> &'static str {
        "$1"
    }
}

/// `finloom check` on a DuckDB file.
pub fn check(db: &Path, keys: &[TableKey], staging_dir: &Path) -> Result<CheckReport> {
    if !db.is_file() {
        return Err(OpsError::Missing(db.to_path_buf()));
    }
    let conn = finloom_store::open_rw(db)?;
    conn.execute_batch(&finloom_store::host_schema_sql(""))?;
    let cat = finloom_store::current_catalog(&conn)?;
    // The seed's data_health view, generalised to every plugin table, with DuckDB's size.
    let mut r = check_on(
        &mut Duck(&conn, cat),
        &db.display().to_string(),
        keys,
        staging_dir,
        "(SELECT database_size FROM pragma_database_size()) AS db_size",
    )?;
    drop(conn);
    r.size_bytes = file_size(db);
    Ok(r)
}

/// `finloom check` on PostgreSQL: the same checks; the `data_health` view carries the seed
/// plan's own size expression, `pg_size_pretty(pg_database_size('<database>'))`.
pub fn check_pg(url: &str, keys: &[TableKey], staging_dir: &Path) -> Result<CheckReport> {
    let mut client = finloom_pg::connect(url)?;
    client.batch_execute(finloom_pg::schema::HOST_SCHEMA)?;
    let name: String = client
        .query_one("SELECT current_database()::text", &[])?
        .get(0);
    let size = format!(
        "(SELECT pg_size_pretty(pg_database_size('{}'))) as db_size",
        name.replace('\'', "''")
    );
    let mut r = check_on(
        &mut Pg(&mut client),
        &finloom_pg::redact(url),
        keys,
        staging_dir,
        &size,
    )?;
    r.size_bytes = client
        .query_one("SELECT pg_database_size(current_database())", &[])?
        .get::<_, i64>(0) as u64;
    Ok(r)
}

fn check_on(
    conn: &mut dyn Db,
    database: &str,
    keys: &[TableKey],
    staging_dir: &Path,
    size_column: &str,
) -> Result<CheckReport> {
    let mut present: Vec<&TableKey> = Vec::new();
    for k in keys {
        if conn.has_table(&k.table)? {
            present.push(k);
        }
    }
    let mut r = CheckReport {
        database: database.to_string(),
        size_bytes: 0,
        filings: conn.count("SELECT count(*) FROM filings")?,
        duplicates: vec![],
        orphans: vec![],
        coverage: vec![],
        failed_filings: vec![],
        leftover_staging: vec![],
        seed: Seed::default(),
        violations: vec![],
        warnings: vec![],
    };
    for k in keys {
        if !present.iter().any(|p| p.table == k.table) {
            r.warnings
                .push(format!("table {} does not exist yet", k.table));
        }
    }

    // Duplicates per key (filings included).
    let filings_key = TableKey {
        table: "filings".into(),
        key: vec!["accession_number".into()],
        references: vec![],
        stage: String::new(),
    };
    for k in std::iter::once(&filings_key).chain(present.iter().copied()) {
        let t = ident(&k.table)?;
        let cols = k
            .key
            .iter()
            .map(|c| ident(c))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .join(", ");
        let row = conn.rows(
            &format!(
                "SELECT count(*)::BIGINT, coalesce(sum(n - 1), 0)::BIGINT FROM (SELECT count(*) AS n FROM {t} GROUP BY {cols} HAVING count(*) > 1) AS d"
            ),
            None,
        )?;
        let (keys_dup, extra) = (row[0][0].int(), row[0][1].int());
        if keys_dup > 0 {
            r.violations.push(format!(
                "{}: {keys_dup} keys ({}) appear more than once ({extra} extra rows); run `finloom dedupe`",
                k.table,
                k.key.join(", ")
            ));
        }
        r.duplicates.push(Duplicates {
            table: k.table.clone(),
            key: k.key.clone(),
            duplicate_keys: keys_dup,
            extra_rows: extra,
        });
    }

    // Referential integrity: every row's filing exists; every declared reference resolves.
    for k in &present {
        let t = ident(&k.table)?;
        let n = conn.count(
            &format!(
                "SELECT count(*) FROM {t} x WHERE NOT EXISTS (SELECT 1 FROM filings f WHERE f.accession_number = x.accession_number)"
            ),
        )?;
        r.orphans.push(Orphans {
            table: k.table.clone(),
            column: "accession_number".into(),
            references: "filings.accession_number".into(),
            rows: n,
        });
        if n > 0 {
            r.violations.push(format!(
                "{}: {n} rows belong to no filing in `filings`",
                k.table
            ));
        }
        for (col, rt, rc) in &k.references {
            if !present.iter().any(|p| &p.table == rt) {
                continue;
            }
            let n = conn.count(&format!(
                "SELECT count(*) FROM {t} x WHERE x.{c} IS NOT NULL AND NOT EXISTS \
                     (SELECT 1 FROM {rt_} y WHERE y.{rc_} = x.{c})",
                c = ident(col)?,
                rt_ = ident(rt)?,
                rc_ = ident(rc)?
            ))?;
            r.orphans.push(Orphans {
                table: k.table.clone(),
                column: col.clone(),
                references: format!("{rt}.{rc}"),
                rows: n,
            });
            if n > 0 {
                r.violations.push(format!(
                    "{}.{col}: {n} rows reference no existing {rt}.{rc}",
                    k.table
                ));
            }
        }
    }

    // Coverage per stage and form.
    let stages: BTreeSet<&str> = present.iter().map(|k| k.stage.as_str()).collect();
    for stage in stages {
        let first = present.iter().find(|k| k.stage == stage).unwrap();
        let t = ident(&first.table)?;
        let ph = conn.placeholder();
        let rows: Vec<Coverage> = conn
            .rows(
                &format!(
                    "SELECT coalesce(f.form_type, '?'), count(*)::BIGINT, count(s.accession_number)::BIGINT, \
                     count(w.accession_number)::BIGINT \
                     FROM (SELECT DISTINCT accession_number, form_type FROM filings WHERE status = 'ok') f \
                     LEFT JOIN (SELECT DISTINCT accession_number FROM finloom_filing_stages WHERE stage = {ph}) s USING (accession_number) \
                     LEFT JOIN (SELECT DISTINCT accession_number FROM {t}) w USING (accession_number) \
                     GROUP BY 1 ORDER BY 1"
                ),
                Some(stage),
            )?
            .into_iter()
            .map(|row| Coverage {
                stage: stage.to_string(),
                form_type: row[0].text(),
                total: row[1].int(),
                done: row[2].int(),
                with_rows: row[3].int(),
            })
            .collect();
        for c in rows {
            if c.done < c.total {
                r.violations.push(format!(
                    "stage {}: {} of {} {} filings have not been processed by it; run `finloom run` to fill the gap",
                    c.stage,
                    c.total - c.done,
                    c.total,
                    c.form_type
                ));
            }
            if c.with_rows < c.total {
                r.warnings.push(format!(
                    "{}: {} of {} {} filings have no rows",
                    first.table,
                    c.total - c.with_rows,
                    c.total,
                    c.form_type
                ));
            }
            r.coverage.push(c);
        }
    }

    // Failed filings.
    {
        let rows = conn.rows(
            "SELECT accession_number, coalesce(error, '') FROM filings WHERE status <> 'ok' ORDER BY 1",
            None,
        )?;
        for row in rows {
            let (a, e) = (row[0].text(), row[1].text());
            r.violations.push(format!("filing {a} failed: {e}"));
            r.failed_filings.push((a, e));
        }
    }

    // The seed plan's verification queries, where its tables exist.
    let has = |t: &str| present.iter().any(|k| k.table == t);
    if has("sections") {
        let q1 = conn.count("SELECT COUNT(*) FROM filings f LEFT JOIN sections s ON f.accession_number = s.accession_number WHERE s.id IS NULL")?;
        let q3 = conn.count("SELECT count(*) FROM (SELECT accession_number, section_type, COUNT(*) FROM sections GROUP BY 1, 2 HAVING COUNT(*) > 1) AS d")?;
        if q1 > 0 {
            r.violations
                .push(format!("{q1} filings have no sections (seed query 1)"));
        }
        if q3 > 0 {
            r.violations.push(format!(
                "{q3} (accession_number, section_type) pairs are duplicated (seed query 3)"
            ));
        }
        r.seed.filings_without_sections = Some(q1);
        r.seed.duplicate_section_keys = Some(q3);
    }
    if has("tables") {
        let q2 = conn.count("SELECT COUNT(*) FROM filings f LEFT JOIN tables t ON f.accession_number = t.accession_number WHERE t.id IS NULL")?;
        r.seed.filings_without_tables = Some(q2);
    }

    // Leftover staging.
    // A run keeps its segments in `<staging_dir>/<run_id>/` (older releases wrote one file
    // per run directly in the folder): both are listed.
    if let Ok(rd) = std::fs::read_dir(staging_dir) {
        let is_db = |p: &Path| p.extension().is_some_and(|x| x == "duckdb");
        let mut left: Vec<String> = Vec::new();
        for p in rd.filter_map(|e| e.ok()).map(|e| e.path()) {
            if p.is_dir() {
                if let Ok(inner) = std::fs::read_dir(&p) {
                    left.extend(
                        inner
                            .filter_map(|e| e.ok())
                            .map(|e| e.path())
                            .filter(|p| is_db(p))
                            .map(|p| p.display().to_string()),
                    );
                }
            } else if is_db(&p) {
                left.push(p.display().to_string());
            }
        }
        left.sort();
        for l in &left {
            r.warnings.push(format!(
                "leftover staging from an earlier run: {l} (delete it once inspected)"
            ));
        }
        r.leftover_staging = left;
    }

    let mut cols: Vec<String> = present
        .iter()
        .map(|k| {
            format!(
                "(SELECT COUNT(DISTINCT accession_number) FROM \"{0}\") AS filings_with_{0}",
                k.table
            )
        })
        .collect();
    cols.push("(SELECT COUNT(*) FROM filings) AS total_filings".into());
    cols.push(size_column.to_string());
    // Dropped and created rather than replaced: PostgreSQL cannot replace a view whose
    // columns changed (a plugin table added to or removed from the pipeline).
    conn.execute(&format!(
        "DROP VIEW IF EXISTS data_health; CREATE VIEW data_health AS SELECT {}",
        cols.join(", ")
    ))?;
    Ok(r)
}
