//! DuckDB access shared by staging, merge and the operations commands.
//!
//! Three things live here:
//!
//! * opening a database file with an error a user can act on when another process holds
//!   it (DuckDB allows one read-write process per file);
//! * the host-owned schema — `filings` and the ledger tables (`finloom_runs`,
//!   `finloom_filing_stages`, `finloom_failures`) — which no plugin may declare;
//! * [`TableSpec`], the host's owned copy of a plugin's table declaration, and creating or
//!   checking production tables from it. Table and column names are validated as plain
//!   identifiers before they are ever put into SQL text.
//!
//! Fact tables get no PRIMARY KEY / UNIQUE constraints on purpose: DuckDB has a long history
//! of bugs with deleting and re-inserting the same key inside one transaction, which is exactly
//! what a per-filing merge does. Uniqueness is checked by queries instead (before merge, in
//! memory; afterwards by `finloom check`).

use duckdb::Connection;
use finloom_config::is_identifier;
use finloom_plugin_api::{ColumnType, TableDecl};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use duckdb;

pub mod ledger;

#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    #[error(
        "database {path} is in use by another process: {detail}\n\
         finloom holds the file for writing only while merging; close the other program \
         (for example a duckdb shell or a notebook connection) or wait, then retry"
    )]
    Locked { path: PathBuf, detail: String },
    #[error("cannot open database {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error("{0:?} is not a plain identifier (letters, digits and _, not starting with a digit)")]
    BadIdentifier(String),
    #[error("table {table}: {message}")]
    Schema { table: String, message: String },
    #[error("database error: {0}")]
    Duck(#[from] duckdb::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Whether a DuckDB error means "another process holds the file".
pub fn is_lock_error(msg: &str) -> bool {
    msg.contains("Could not set lock") || msg.contains("Conflicting lock")
}

/// Row group size every finloom writer attaches a production file with (DuckDB's default is
/// 122,880 rows; it is an ATTACH option, not stored in the file).
///
/// Why smaller: each merge hold appends to every table, and DuckDB starts a new row group for
/// an append to a checkpointed table, then, at later checkpoints, merges small trailing row
/// groups into fewer, fuller ones (each at most the row group size) whenever they reach twice
/// the size of the first. Each row is therefore rewritten — decompressed and compressed again — about
/// log2(row group size / rows per hold) times. For the text tables (`sections` rows average
/// 13 KB of text, `chunks` 2 KB) a hold adds a few thousand rows, so at 122,880 that is four
/// or five rewrites of their text, in bursts: the uneven checkpoints (5–13 µs per row instead
/// of 1–2) of earlier measurements. At 16,384 a large run's holds are not merged at all (two do
/// not fit in one group) and a short run's small holds only up to a few groups
/// (`scripts/probe-rowgroups`). Measured on 19,980
/// filings (`scripts/bench-many 740 2`, same sitting): merge CPU 74.6 s at 122,880, 49.0 to
/// 56.3 s in three runs at 16,384; longest hold 14.1 s vs 3.0 to 4.3 s. Reading costs little:
/// an aggregate over 10 M `table_cells` rows 0.15 → 0.17 s, a text scan of `chunks` unchanged,
/// the file 4.6 % larger. The price: a checkpoint visits every row group, so each hold's fixed
/// cost grows faster with the file (50.7 M `table_cells` rows: 45–48 ms instead of 15 ms).
/// Runs of 540 new filings into such a file merge at 0.94–1.21× the cost per filing into a
/// 2.8 M-cell file, but 1.17–1.55× a 108-filing file's and 1.4–1.55× a fresh file's, and
/// `--force` re-runs 1.07–2.08× a small file's (their DELETEs scan the tables; four
/// `scripts/bench-scale 750 3` runs, sessions 12–13). Single runs vary because DuckDB's vacuum, when small trailing row
/// groups add up to one, rewrites them together with up to two full row groups before them
/// (README, session 12; `scripts/probe-holds`). 32,768 was tried: it cost 19 % more merge CPU
/// on 19,980 filings into a fresh file (session 11).
///
/// Every finloom connection that writes a production file uses it ([`open_rw`], the merge,
/// `compact`/`backup`'s source). A writer attaching with the default (a `duckdb` shell that
/// writes) merges the small row groups into full ones at its first checkpoint: a one-time
/// rewrite of the tables, like `finloom compact` does, after which finloom's appends again
/// form 16,384-row groups that the full ones never merge with.
pub const ROW_GROUP_SIZE: u64 = 16_384;

/// The catalog name [`open_rw`] attaches a database file under.
pub const RW_CATALOG: &str = "finloom_db";

/// The options finloom attaches a production file with for writing (see [`ROW_GROUP_SIZE`]).
pub fn rw_attach_options() -> String {
    format!("ROW_GROUP_SIZE {ROW_GROUP_SIZE}")
}

/// Opens (creating if needed) a database file for reading and writing: attached to an
/// in-memory instance with finloom's write options ([`rw_attach_options`]) and made the
/// default catalog, so unqualified names resolve in it as with `Connection::open`.
pub fn open_rw(path: &Path) -> Result<Connection> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && !parent.exists() {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                detail: format!("cannot create folder {}: {e}", parent.display()),
            })?;
        }
    }
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(&format!(
        "ATTACH {} AS {RW_CATALOG} ({}); USE {RW_CATALOG}",
        literal(&path.to_string_lossy()),
        rw_attach_options()
    ))
    .map_err(|e| classify_open_error(path, e))?;
    Ok(conn)
}

/// Opens an existing database read-only (fails if it does not exist).
pub fn open_ro(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            detail: "no such file (run `finloom run` first, or check --database)".into(),
        });
    }
    let cfg = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .map_err(StoreError::Duck)?;
    Connection::open_with_flags(path, cfg).map_err(|e| classify_open_error(path, e))
}

pub fn classify_open_error(path: &Path, e: duckdb::Error) -> StoreError {
    let msg = e.to_string();
    if is_lock_error(&msg) {
        StoreError::Locked {
            path: path.to_path_buf(),
            detail: msg,
        }
    } else {
        StoreError::Open {
            path: path.to_path_buf(),
            detail: msg,
        }
    }
}

/// Runs `f` until it succeeds or fails with something other than a lock conflict, waiting
/// up to `wait` in total. Used for the short moments finloom needs the production file.
pub fn retry_locked<T>(wait: Duration, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        match f() {
            Err(StoreError::Locked { path, detail }) => {
                if start.elapsed() >= wait {
                    return Err(StoreError::Locked { path, detail });
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// Quotes an identifier after checking it is plain. Never builds SQL from anything else.
pub fn ident(name: &str) -> Result<String> {
    if is_identifier(name) {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::BadIdentifier(name.to_string()))
    }
}

/// A SQL string literal (for paths in ATTACH, which cannot be a bound parameter).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Host-owned tables. A plugin may not declare any of these names, nor any `finloom_` name.
pub const HOST_TABLES: &[&str] = &[
    "filings",
    "finloom_runs",
    "finloom_filing_stages",
    "finloom_failures",
];

/// Whether `name` is a host table or in a host prefix. Compared case-insensitively, as DuckDB
/// resolves names: a plugin table `FILINGS` *is* the host's `filings` to every statement.
pub fn is_reserved_table(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    HOST_TABLES.contains(&name.as_str()) || name.starts_with("finloom_") || name.starts_with("stg_")
}

/// The host schema (see [`ledger::schema_sql`]).
pub fn host_schema_sql(catalog: &str) -> String {
    ledger::schema_sql(catalog)
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// (table, column) in database names, after renames.
    pub references: Option<(String, String)>,
}

/// A plugin output table as the host uses it: names validated, renames applied.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// The name the plugin declared.
    pub declared: String,
    /// The name in the database (after `tables = { … }` renames).
    pub name: String,
    pub columns: Vec<ColumnSpec>,
    pub key: Vec<String>,
}

impl TableSpec {
    /// Validates a declaration. `rename` maps declared table names to database names.
    pub fn from_decl(decl: &TableDecl, rename: &dyn Fn(&str) -> String) -> Result<TableSpec> {
        let declared = decl.name.as_str().to_string();
        ident(&declared)?;
        let name = rename(&declared);
        ident(&name)?;
        if is_reserved_table(&name) {
            return Err(StoreError::Schema {
                table: name,
                message: "is a name reserved for finloom's own tables".into(),
            });
        }
        let schema_err = |m: String| StoreError::Schema {
            table: declared.clone(),
            message: m,
        };
        let mut columns = Vec::new();
        for c in decl.columns.iter() {
            let cname = c.name.as_str();
            ident(cname)?;
            if cname.starts_with('_') {
                return Err(schema_err(format!(
                    "column {cname:?}: names starting with _ are reserved for finloom"
                )));
            }
            if columns
                .iter()
                .any(|x: &ColumnSpec| x.name.eq_ignore_ascii_case(cname))
            {
                return Err(schema_err(format!("column {cname:?} declared twice")));
            }
            let references = if c.references.is_empty() {
                None
            } else {
                let (t, col) = c.references.as_str().split_once('.').ok_or_else(|| {
                    schema_err(format!(
                        "column {cname:?}: references {:?} is not `table.column`",
                        c.references.as_str()
                    ))
                })?;
                ident(t)?;
                ident(col)?;
                Some((rename(t), col.to_string()))
            };
            columns.push(ColumnSpec {
                name: cname.to_string(),
                ty: c.ty,
                nullable: c.nullable,
                references,
            });
        }
        match columns.iter().find(|c| c.name == "accession_number") {
            Some(c) if c.ty == ColumnType::Text => {}
            _ => {
                return Err(schema_err(
                    "must have a Text column `accession_number` (the merge replaces a filing's rows by it)"
                        .into(),
                ))
            }
        }
        let key: Vec<String> = decl.key.iter().map(|k| k.as_str().to_string()).collect();
        if key.is_empty() {
            return Err(schema_err("declares no key columns".into()));
        }
        for k in &key {
            if !columns.iter().any(|c| &c.name == k) {
                return Err(schema_err(format!(
                    "key column {k:?} is not a declared column"
                )));
            }
        }
        Ok(TableSpec {
            declared,
            name,
            columns,
            key,
        })
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `CREATE TABLE IF NOT EXISTS` for production (no constraints but NOT NULL).
    pub fn create_sql(&self, catalog: &str) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                format!(
                    "\"{}\" {}{}",
                    c.name,
                    c.ty.sql(),
                    if c.nullable { "" } else { " NOT NULL" }
                )
            })
            .collect();
        let p = if catalog.is_empty() {
            String::new()
        } else {
            format!("{catalog}.")
        };
        format!(
            "CREATE TABLE IF NOT EXISTS {p}\"{}\" ({})",
            self.name,
            cols.join(", ")
        )
    }

    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Creates the table if missing; if present, checks every declared column exists with the
/// declared type, adding missing nullable columns (so a plugin may grow its schema).
pub fn ensure_table(conn: &Connection, catalog: &str, spec: &TableSpec) -> Result<()> {
    let cat = if catalog.is_empty() {
        current_catalog(conn)?
    } else {
        catalog.to_string()
    };
    let existing = table_columns(conn, &cat, &spec.name)?;
    if existing.is_empty() {
        conn.execute_batch(&spec.create_sql(catalog))?;
        return Ok(());
    }
    for c in &spec.columns {
        match existing
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
        {
            Some((_, ty)) => {
                if !ty.eq_ignore_ascii_case(c.ty.sql()) {
                    return Err(StoreError::Schema {
                        table: spec.name.clone(),
                        message: format!(
                            "column {:?} is {ty} in the database but the plugin declares {}; \
                             migrate or rename the table (stage `tables = {{ … }}`)",
                            c.name,
                            c.ty.sql()
                        ),
                    });
                }
            }
            None => {
                let p = if catalog.is_empty() {
                    String::new()
                } else {
                    format!("{catalog}.")
                };
                conn.execute_batch(&format!(
                    "ALTER TABLE {p}\"{}\" ADD COLUMN \"{}\" {}",
                    spec.name,
                    c.name,
                    c.ty.sql()
                ))?;
            }
        }
    }
    Ok(())
}

pub fn current_catalog(conn: &Connection) -> Result<String> {
    // The default catalog: the file's own for `open_ro`, `RW_CATALOG` for `open_rw`.
    Ok(conn.query_row("SELECT current_database()", [], |r| r.get(0))?)
}

/// (column name, data type) of a table, in order; empty if it does not exist.
pub fn table_columns(
    conn: &Connection,
    catalog: &str,
    table: &str,
) -> Result<Vec<(String, String)>> {
    let mut st = conn.prepare(
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_catalog = ? AND table_schema = 'main' AND lower(table_name) = lower(?) ORDER BY ordinal_position",
    )?;
    let rows = st.query_map([catalog, table], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// All base tables of the main schema of a catalog.
pub fn list_tables(conn: &Connection, catalog: &str) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? \
         AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name",
    )?;
    let rows = st.query_map([catalog], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finloom_plugin_api::{col, col_ref, ColumnType as T};

    #[test]
    fn a_downloader_copy_is_called_expected_and_only_that_one() {
        let hint = "this copy is expected";
        let d =
            |path: &str, owner: &str| ledger::duplicate_copy("0000000001-25-000001", path, owner);
        let f = d(
            "/s/AAPL/10-K/a/primary-document.html",
            "/s/AAPL/10-K/a/full-submission.txt",
        );
        assert!(f.error.contains(hint), "{}", f.error);
        assert_eq!(f.duplicate_of.as_deref(), Some("0000000001-25-000001"));
        assert_eq!(f.accession_number, None);
        // Another folder's full submission, or a re-download under another name: no hint.
        assert!(!d("/s/a/primary-document.html", "/s/b/full-submission.txt")
            .error
            .contains(hint));
        assert!(!d("/s/a/zz_copy.htm", "/s/a/full-submission.txt")
            .error
            .contains(hint));
        assert!(!d(
            "/s/a/primary-document.html",
            "/s/a/0000000001-25-000001.txt"
        )
        .error
        .contains(hint));
    }

    fn decl(name: &str) -> TableDecl {
        TableDecl {
            name: name.into(),
            columns: vec![
                col("id", T::Text, false),
                col("accession_number", T::Text, false),
                col_ref("section_id", T::Text, true, "sections.id"),
            ]
            .into(),
            key: vec!["id".into()].into(),
        }
    }

    #[test]
    fn identifiers_are_checked_before_sql() {
        let id = |s: &str| s.to_string();
        assert!(TableSpec::from_decl(&decl("x; DROP TABLE filings"), &id).is_err());
        assert!(TableSpec::from_decl(&decl("filings"), &id).is_err());
        assert!(TableSpec::from_decl(&decl("finloom_runs"), &id).is_err());
        // DuckDB resolves names case-insensitively, so the checks must too.
        assert!(TableSpec::from_decl(&decl("FILINGS"), &id).is_err());
        assert!(TableSpec::from_decl(&decl("Finloom_Runs"), &id).is_err());
        assert!(TableSpec::from_decl(&decl("STG_x"), &id).is_err());
        let s = TableSpec::from_decl(&decl("chunks"), &id).unwrap();
        assert_eq!(
            s.columns[2].references,
            Some(("sections".into(), "id".into()))
        );
    }

    #[test]
    fn ensure_table_creates_then_checks() {
        let dir = std::env::temp_dir().join(format!("finloom-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.duckdb");
        let _ = std::fs::remove_file(&path);
        let conn = open_rw(&path).unwrap();
        conn.execute_batch(&host_schema_sql("")).unwrap();
        let spec = TableSpec::from_decl(&decl("chunks"), &|s: &str| s.to_string()).unwrap();
        ensure_table(&conn, "", &spec).unwrap();
        ensure_table(&conn, "", &spec).unwrap();
        let cat = current_catalog(&conn).unwrap();
        assert_eq!(table_columns(&conn, &cat, "chunks").unwrap().len(), 3);
        let mut other = spec.clone();
        other.columns[2].ty = T::BigInt;
        let e = ensure_table(&conn, "", &other).unwrap_err().to_string();
        assert!(e.contains("section_id"), "{e}");
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
