//! Tables on PostgreSQL: the host's and the plugins', created or checked at the start of
//! every run, under an advisory lock so that processes starting together do not race on
//! `CREATE TABLE` (PostgreSQL's `IF NOT EXISTS` is not safe against a concurrent create).
//!
//! Type mapping (also in docs/schema.md):
//!
//! | declared (`ColumnType`) | DuckDB    | PostgreSQL         |
//! |-------------------------|-----------|--------------------|
//! | `Text`                  | VARCHAR   | TEXT               |
//! | `BigInt`                | BIGINT    | BIGINT             |
//! | `Double`                | DOUBLE    | DOUBLE PRECISION   |
//! | `Boolean`               | BOOLEAN   | BOOLEAN            |
//! | `Date`                  | DATE      | DATE               |
//!
//! Unlike the DuckDB store, every table with an `accession_number` column gets a plain
//! (non-unique) B-tree index on it: the merge deletes a filing's old rows by accession number,
//! and PostgreSQL, unlike DuckDB, has no constraint-and-index bug history that argues against
//! it. Uniqueness is still checked by queries (`finloom check`), never by constraints.

use crate::{q, PgError, Result};
use finloom_plugin_api::ColumnType;
use finloom_store::TableSpec;
use postgres::GenericClient;

/// Advisory lock key for schema changes and run ids ("finloom" in ASCII, as a number).
pub const SETUP_LOCK: i64 = 0x66_69_6e_6c_6f_6f_6d;

/// PostgreSQL type of a declared column type.
pub fn pg_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Text => "TEXT",
        ColumnType::BigInt => "BIGINT",
        ColumnType::Double => "DOUBLE PRECISION",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Date => "DATE",
    }
}

/// What `information_schema.columns.data_type` says for a declared column type.
fn info_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Text => "text",
        ColumnType::BigInt => "bigint",
        ColumnType::Double => "double precision",
        ColumnType::Boolean => "boolean",
        ColumnType::Date => "date",
    }
}

/// The host tables, as in the DuckDB store (`finloom_store::ledger::schema_sql`), plus
/// `finloom_claims`. Indexes on accession numbers keep the per-filing DELETEs of the merge
/// and the ledger reads from scanning.
pub const HOST_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS filings (
    accession_number TEXT NOT NULL,
    cik TEXT,
    company_name TEXT,
    form_type TEXT,
    filed_date DATE,
    period_of_report DATE,
    source_path TEXT,
    source_hash TEXT,
    status TEXT NOT NULL,
    error TEXT,
    sections_processed BOOLEAN NOT NULL DEFAULT FALSE,
    last_run_id TEXT,
    updated_at TIMESTAMP,
    warnings TEXT
);
CREATE INDEX IF NOT EXISTS filings_accession_number ON filings (accession_number);
CREATE TABLE IF NOT EXISTS finloom_runs (
    run_id TEXT NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    status TEXT NOT NULL,
    pipeline_path TEXT,
    config_hash TEXT,
    plugins TEXT,
    forced BOOLEAN,
    files_seen BIGINT,
    processed BIGINT,
    skipped BIGINT,
    failed BIGINT,
    rows_merged TEXT,
    wall_seconds DOUBLE PRECISION,
    merge_seconds DOUBLE PRECISION,
    db_held_seconds DOUBLE PRECISION,
    staging_path TEXT,
    message TEXT,
    workers BIGINT,
    cpu_seconds TEXT,
    workers_replaced BIGINT
);
CREATE TABLE IF NOT EXISTS finloom_filing_stages (
    accession_number TEXT NOT NULL,
    stage TEXT NOT NULL,
    plugin_name TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    tables TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    run_id TEXT NOT NULL,
    updated_at TIMESTAMP
);
CREATE INDEX IF NOT EXISTS finloom_filing_stages_accession_number
    ON finloom_filing_stages (accession_number);
CREATE TABLE IF NOT EXISTS finloom_failures (
    run_id TEXT NOT NULL,
    source_path TEXT,
    accession_number TEXT,
    stage TEXT,
    error TEXT NOT NULL,
    source_hash TEXT,
    fingerprint TEXT
);
CREATE TABLE IF NOT EXISTS finloom_claims (
    source_key TEXT PRIMARY KEY,
    owner TEXT,
    lease_until TIMESTAMPTZ,
    done_fingerprint TEXT,
    done_status TEXT,
    done_run_id TEXT,
    updated_at TIMESTAMPTZ
);
";

/// Creates the host tables and every plan table (or checks them), in one transaction under
/// [`SETUP_LOCK`].
pub fn ensure_all(client: &mut postgres::Client, specs: &[TableSpec]) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])?;
    tx.batch_execute(HOST_SCHEMA)?;
    for spec in specs {
        ensure_table(&mut tx, spec)?;
    }
    tx.commit()?;
    Ok(())
}

/// The columns of a table in the current schema (name → data_type), found by name
/// case-insensitively (as DuckDB resolves names) — `None` if there is no such table.
pub fn table_columns(
    c: &mut impl GenericClient,
    table: &str,
) -> Result<Option<(String, Vec<(String, String)>)>> {
    let rows = c.query(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND lower(table_name) = lower($1) \
         ORDER BY table_name, ordinal_position",
        &[&table],
    )?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let actual: String = first.get(0);
    if rows.iter().any(|r| r.get::<_, String>(0) != actual) {
        return Err(PgError::Schema {
            table: table.into(),
            message: "several tables differ only in letter case; rename all but one".into(),
        });
    }
    Ok(Some((
        actual,
        rows.iter().map(|r| (r.get(1), r.get(2))).collect(),
    )))
}

/// Creates `spec`'s table (and its accession-number index) if missing; if present, checks
/// every declared column exists with the declared type, adding missing nullable columns (so a
/// plugin may grow its schema), exactly as the DuckDB store does.
pub fn ensure_table(c: &mut impl GenericClient, spec: &TableSpec) -> Result<()> {
    match table_columns(c, &spec.name)? {
        None => {
            let cols: Vec<String> = spec
                .columns
                .iter()
                .map(|col| {
                    format!(
                        "{} {}{}",
                        q(&col.name),
                        pg_type(col.ty),
                        if col.nullable { "" } else { " NOT NULL" }
                    )
                })
                .collect();
            c.batch_execute(&format!(
                "CREATE TABLE {} ({})",
                q(&spec.name),
                cols.join(", ")
            ))?;
        }
        Some((actual, existing)) => {
            if actual != spec.name {
                return Err(PgError::Schema {
                    table: spec.name.clone(),
                    message: format!(
                        "the database has it as {actual:?}; names differ only in letter case \
                         (rename the table, or the stage's output with `tables = {{ … }}`)"
                    ),
                });
            }
            for col in &spec.columns {
                match existing
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&col.name))
                {
                    Some((_, ty)) if ty == info_type(col.ty) => {}
                    Some((_, ty)) => {
                        return Err(PgError::Schema {
                            table: spec.name.clone(),
                            message: format!(
                                "column {} is {ty} in the database but the plugin declares {} \
                                 ({}); drop or rename the table, or rename the stage's output",
                                col.name,
                                info_type(col.ty),
                                pg_type(col.ty)
                            ),
                        })
                    }
                    None if col.nullable => c.batch_execute(&format!(
                        "ALTER TABLE {} ADD COLUMN {} {}",
                        q(&spec.name),
                        q(&col.name),
                        pg_type(col.ty)
                    ))?,
                    None => {
                        return Err(PgError::Schema {
                            table: spec.name.clone(),
                            message: format!(
                                "the plugin declares a new NOT NULL column {}, which an existing \
                                 table cannot get; drop the table or rename the stage's output",
                                col.name
                            ),
                        })
                    }
                }
            }
        }
    }
    if spec.column("accession_number").is_some() {
        c.batch_execute(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} (accession_number)",
            q(&format!("{}_accession_number", spec.name)),
            q(&spec.name)
        ))?;
    }
    Ok(())
}

/// Every table of the current schema, as the ops commands list them.
pub fn list_tables(c: &mut impl GenericClient) -> Result<Vec<String>> {
    Ok(c.query(
        "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        &[],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}
