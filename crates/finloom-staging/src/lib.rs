//! Staging: where extracted rows wait before the merge.
//!
//! **Why a separate database file per run, not tables inside the production file.** DuckDB lets
//! one process hold a database file for writing, and while it does no other process can even
//! read it. Users query the production database during long runs, so extraction must not hold
//! it. Each run therefore writes into its own staging file,
//! `<staging_dir>/run-<id>.duckdb`, and the production file is attached only for the short
//! merge batches. A crash leaves the staging file behind for inspection (`finloom check`
//! reports leftovers) and never touches production.
//!
//! **Why per-worker tables.** Inside the staging file every worker appends to its own set of
//! tables, `stg_w<k>__<table>`, through its own connection (DuckDB connections are not `Sync`;
//! each worker gets a `try_clone`). There is no write contention between workers, and a
//! filing's rows all live in the tables of the worker that extracted it. A hidden `_seq` column
//! keeps the plugin's row order so the merge inserts rows in a deterministic order.

use duckdb::types::Value as Dv;
use duckdb::{appender_params_from_iter, Connection};
use finloom_plugin_api::{ColumnType, TableRows, Value};
use finloom_store::{ident, TableSpec};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(thiserror::Error, Debug)]
pub enum StagingError {
    #[error("cannot create staging database {path}: {detail}")]
    Create { path: PathBuf, detail: String },
    #[error("staging write failed for table {table}: {detail}")]
    Write { table: String, detail: String },
    #[error(transparent)]
    Store(#[from] finloom_store::StoreError),
    #[error("staging database error: {0}")]
    Duck(#[from] duckdb::Error),
}

pub struct Staging {
    path: PathBuf,
    main: Mutex<Connection>,
    workers: Vec<Mutex<Connection>>,
    specs: Vec<TableSpec>,
}

/// Staging table name for `worker` and database table `table`.
pub fn staging_table(worker: usize, table: &str) -> String {
    format!("stg_w{worker}__{table}")
}

/// Staging column type: DATE values travel as text and are cast on merge.
fn staging_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Date => "VARCHAR",
        other => other.sql(),
    }
}

impl Staging {
    /// Creates `dir/run-<run_id>.duckdb` with tables for `workers` workers.
    pub fn create(
        dir: &Path,
        run_id: &str,
        specs: &[TableSpec],
        workers: usize,
    ) -> Result<Staging, StagingError> {
        let path = dir.join(format!("{run_id}.duckdb"));
        let create_err = |detail: String| StagingError::Create {
            path: path.clone(),
            detail,
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| create_err(format!("cannot create folder: {e}")))?;
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| create_err(e.to_string()))?;
        }
        let main = Connection::open(&path).map_err(|e| create_err(e.to_string()))?;
        let mut ddl = String::new();
        for w in 0..workers {
            for s in specs {
                let cols: Vec<String> = s
                    .columns
                    .iter()
                    .map(|c| format!("\"{}\" {}", c.name, staging_type(c.ty)))
                    .collect();
                ddl.push_str(&format!(
                    "CREATE TABLE {} ({}, _seq BIGINT NOT NULL);\n",
                    ident(&staging_table(w, &s.name))?,
                    cols.join(", ")
                ));
            }
        }
        main.execute_batch(&ddl)
            .map_err(|e| create_err(e.to_string()))?;
        let mut conns = Vec::new();
        for _ in 0..workers {
            conns.push(Mutex::new(main.try_clone()?));
        }
        Ok(Staging {
            path,
            main: Mutex::new(main),
            workers: conns,
            specs: specs.to_vec(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// The connection the merge uses (it attaches the production file to it).
    pub fn main(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.main.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends one filing's rows. `rows` must already be validated against the specs
    /// (see `finloom-host`), so a failure here is an I/O-level problem (disk full, …).
    pub fn stage(&self, worker: usize, rows: &[(usize, &TableRows)]) -> Result<(), StagingError> {
        let conn = self.workers[worker % self.workers.len()]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for (spec_idx, t) in rows {
            let spec = &self.specs[*spec_idx];
            let table = staging_table(worker % self.workers.len(), &spec.name);
            let werr = |detail: String| StagingError::Write {
                table: spec.name.clone(),
                detail,
            };
            // Map declared column order to the plugin's column order once per table.
            let order: Vec<Option<usize>> = spec
                .columns
                .iter()
                .map(|c| t.column_index(&c.name))
                .collect();
            let mut app = conn.appender(&table).map_err(|e| werr(e.to_string()))?;
            for (seq, row) in t.rows.iter().enumerate() {
                let mut vals: Vec<Dv> = Vec::with_capacity(order.len() + 1);
                for (c, idx) in spec.columns.iter().zip(&order) {
                    let v = idx.and_then(|i| row.get(i)).unwrap_or(&Value::Null);
                    vals.push(
                        to_duck(v, c.ty).map_err(|m| werr(format!("column {}: {m}", c.name)))?,
                    );
                }
                vals.push(Dv::BigInt(seq as i64));
                app.append_row(appender_params_from_iter(vals))
                    .map_err(|e| werr(e.to_string()))?;
            }
            // Flush explicitly: dropping an Appender swallows its errors.
            app.flush().map_err(|e| werr(e.to_string()))?;
        }
        Ok(())
    }

    /// Deletes the staging file (after a run with no failures, unless retention says keep).
    pub fn remove(self) -> std::io::Result<()> {
        let path = self.path.clone();
        drop(self.workers);
        drop(self.main);
        std::fs::remove_file(&path)?;
        let wal = PathBuf::from(format!("{}.wal", path.display()));
        if wal.exists() {
            std::fs::remove_file(wal)?;
        }
        if let Some(dir) = path.parent() {
            // Remove the folder too when this was the last staging file in it.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }
}

/// Converts a plugin value to a DuckDB value for a column of type `ty`, or says why not.
pub fn to_duck(v: &Value, ty: ColumnType) -> Result<Dv, String> {
    Ok(match (v, ty) {
        (Value::Null, _) => Dv::Null,
        (Value::Text(s), ColumnType::Text) => Dv::Text(s.as_str().to_string()),
        (Value::Text(s), ColumnType::Date) => {
            if !is_date(s.as_str()) {
                return Err(format!("{:?} is not a YYYY-MM-DD date", s.as_str()));
            }
            Dv::Text(s.as_str().to_string())
        }
        (Value::Int(i), ColumnType::BigInt) => Dv::BigInt(*i),
        (Value::Int(i), ColumnType::Double) => Dv::Double(*i as f64),
        (Value::Float(f), ColumnType::Double) => {
            if !f.is_finite() {
                return Err(format!("{f} is not a finite number"));
            }
            Dv::Double(*f)
        }
        (Value::Bool(b), ColumnType::Boolean) => Dv::Boolean(*b),
        (v, ty) => return Err(format!("value {v:?} does not fit declared type {ty:?}")),
    })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}
