//! The host tables — `filings`, `finloom_runs`, `finloom_filing_stages`, `finloom_failures` —
//! and every statement that writes them.
//!
//! One module owns them so that their meaning is written down once: what a run records when
//! it starts and ends, what a committed filing leaves in the ledger, what a failure leaves,
//! and what the next run reads back to decide what to skip. The merge calls the functions
//! here with the production database attached under a catalog name; the run calls them on
//! its short setup and finish sessions.

use crate::{Result, TableSpec};
use duckdb::{params, Connection};
use std::collections::{HashMap, HashSet};

/// The host schema. `catalog` is the attached database's name, or "" for the default one.
///
/// Columns added after the first release are also added to an existing database
/// (`ADD COLUMN IF NOT EXISTS`), so an older database opens without a migration step.
pub fn schema_sql(catalog: &str) -> String {
    let p = prefix(catalog);
    format!(
        "CREATE TABLE IF NOT EXISTS {p}filings (
            accession_number VARCHAR NOT NULL,
            cik VARCHAR,
            company_name VARCHAR,
            form_type VARCHAR,
            filed_date DATE,
            period_of_report DATE,
            source_path VARCHAR,
            source_hash VARCHAR,
            status VARCHAR NOT NULL,
            error VARCHAR,
            sections_processed BOOLEAN NOT NULL DEFAULT FALSE,
            last_run_id VARCHAR,
            updated_at TIMESTAMP
        );
        ALTER TABLE {p}filings ADD COLUMN IF NOT EXISTS warnings VARCHAR;
        CREATE TABLE IF NOT EXISTS {p}finloom_runs (
            run_id VARCHAR NOT NULL,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            status VARCHAR NOT NULL,
            pipeline_path VARCHAR,
            config_hash VARCHAR,
            plugins VARCHAR,
            forced BOOLEAN,
            files_seen BIGINT,
            processed BIGINT,
            skipped BIGINT,
            failed BIGINT,
            rows_merged VARCHAR,
            wall_seconds DOUBLE,
            merge_seconds DOUBLE,
            db_held_seconds DOUBLE,
            staging_path VARCHAR,
            message VARCHAR
        );
        ALTER TABLE {p}finloom_runs ADD COLUMN IF NOT EXISTS workers BIGINT;
        ALTER TABLE {p}finloom_runs ADD COLUMN IF NOT EXISTS cpu_seconds VARCHAR;
        ALTER TABLE {p}finloom_runs ADD COLUMN IF NOT EXISTS workers_replaced BIGINT;
        CREATE TABLE IF NOT EXISTS {p}finloom_filing_stages (
            accession_number VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            plugin_name VARCHAR NOT NULL,
            plugin_version VARCHAR NOT NULL,
            config_hash VARCHAR NOT NULL,
            source_hash VARCHAR NOT NULL,
            fingerprint VARCHAR NOT NULL,
            tables VARCHAR NOT NULL,
            row_count BIGINT NOT NULL,
            run_id VARCHAR NOT NULL,
            updated_at TIMESTAMP
        );
        CREATE TABLE IF NOT EXISTS {p}finloom_failures (
            run_id VARCHAR NOT NULL,
            source_path VARCHAR,
            accession_number VARCHAR,
            stage VARCHAR,
            error VARCHAR NOT NULL
        );
        ALTER TABLE {p}finloom_failures ADD COLUMN IF NOT EXISTS source_hash VARCHAR;
        ALTER TABLE {p}finloom_failures ADD COLUMN IF NOT EXISTS fingerprint VARCHAR;"
    )
}

fn prefix(catalog: &str) -> String {
    if catalog.is_empty() {
        String::new()
    } else {
        format!("{catalog}.")
    }
}

/// Filing metadata as merged into `filings`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FilingRecord {
    pub accession_number: String,
    pub cik: String,
    pub company_name: String,
    pub form_type: String,
    pub filed_date: String,
    pub period_of_report: String,
    pub source_path: String,
    pub source_hash: String,
}

/// One stage's output for one filing, as recorded in `finloom_filing_stages`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StageCommit {
    pub stage: String,
    /// The plugin's stage kind (`sections`, `chunks`, …).
    pub kind: String,
    pub plugin_name: String,
    pub plugin_version: String,
    pub config_hash: String,
    pub fingerprint: String,
    /// Database names of the tables this stage writes.
    pub tables: Vec<String>,
    pub row_count: i64,
}

/// A filing (or a file that never became one) that failed, with the reason.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FailedFiling {
    pub source_path: String,
    /// The accession whose `filings` row gets status `failed`. `None` when the failure must
    /// not touch any filing's status (a duplicate copy of a filing another path owns), or
    /// when the accession is unknown.
    pub accession_number: Option<String>,
    pub filing: Option<FilingRecord>,
    pub stage: Option<String>,
    pub error: String,
    /// The file's hash and the plan's fingerprint for it, when known: an unchanged file that
    /// failed under the same plugins and config is not retried (see [`Prior::known_failure`]).
    pub source_hash: Option<String>,
    pub fingerprint: Option<String>,
    /// For a duplicate copy: the accession number the file was read as, which another path
    /// owns. Not stored; the run uses it to retire a placeholder key the path held before
    /// (see [`retire_placeholder_keys`]).
    #[serde(default)]
    pub duplicate_of: Option<String>,
}

/// The failure recorded for a copy of a filing that another path owns: it names the owner,
/// leaves the owner's status alone (no accession), and carries the accession read
/// ([`FailedFiling::duplicate_of`]). sec-edgar-downloader saves every filing twice, as
/// `full-submission.txt` and (asked for details) `primary-document.html` in the same folder:
/// that copy is expected, and the message says so.
pub fn duplicate_copy(acc: &str, path: &str, owner: &str) -> FailedFiling {
    let name = |p: &str| {
        std::path::Path::new(p)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let folder = |p: &str| std::path::Path::new(p).parent().map(|d| d.to_path_buf());
    let downloader_pair = folder(path) == folder(owner)
        && name(owner) == "full-submission.txt"
        && ["primary-document.", "filing-details."]
            .iter()
            .any(|n| name(path).starts_with(n));
    FailedFiling {
        source_path: path.to_string(),
        accession_number: None,
        error: format!(
            "duplicate filing: accession number {acc} is also in {owner}, which is used instead \
             (the first path in sorted order wins){}",
            if downloader_pair {
                "; sec-edgar-downloader saves the primary document beside its full submission: \
                 this copy is expected and is never stored twice"
            } else {
                ""
            }
        ),
        duplicate_of: Some(acc.to_string()),
        ..Default::default()
    }
}

/// Starts a run: its ledger row, status `running`. Returns the run id (`run-000042`).
pub fn begin_run(
    conn: &Connection,
    pipeline_path: &str,
    config_hash: &str,
    plugins: &str,
    forced: bool,
    workers: usize,
) -> Result<String> {
    let n: i64 = conn.query_row("SELECT count(*) FROM finloom_runs", [], |r| r.get(0))?;
    let run_id = format!("run-{:06}", n + 1);
    conn.execute(
        "INSERT INTO finloom_runs (run_id, started_at, status, pipeline_path, config_hash, plugins, forced, workers) \
         VALUES (?, now(), 'running', ?, ?, ?, ?, ?)",
        params![run_id, pipeline_path, config_hash, plugins, forced, workers as i64],
    )?;
    Ok(run_id)
}

/// What a run reports in its ledger row when it ends.
#[derive(Debug, Default)]
pub struct RunRecord {
    pub status: String,
    pub files_seen: i64,
    pub processed: i64,
    pub skipped: i64,
    pub failed: i64,
    pub rows_json: String,
    pub wall_seconds: f64,
    pub merge_seconds: f64,
    pub held_seconds: f64,
    pub staging_path: Option<String>,
    pub cpu_json: String,
    pub workers_replaced: i64,
}

pub fn finish_run(conn: &Connection, run_id: &str, r: &RunRecord) -> Result<()> {
    conn.execute(
        "UPDATE finloom_runs SET finished_at = now(), status = ?, files_seen = ?, processed = ?, \
         skipped = ?, failed = ?, rows_merged = ?, wall_seconds = ?, merge_seconds = ?, \
         db_held_seconds = ?, staging_path = ?, cpu_seconds = ?, workers_replaced = ? WHERE run_id = ?",
        params![
            r.status,
            r.files_seen,
            r.processed,
            r.skipped,
            r.failed,
            r.rows_json,
            r.wall_seconds,
            r.merge_seconds,
            r.held_seconds,
            r.staging_path,
            r.cpu_json,
            r.workers_replaced,
            run_id
        ],
    )?;
    Ok(())
}

/// An accession number, as a regular expression both stores' SQL reads (whole-string matches
/// anchor it themselves).
pub const ACCESSION_SQL: &str = "[0-9]{10}-[0-9]{2}-[0-9]{6}";

/// The SQL that finds filings keyed by a placeholder — the file stem, used when no accession
/// number was found when the file was read — whose path this run has now read under a real
/// accession number: the same file, read again by a finloom that finds its accession number
/// (`finloom_ingest::DOCUMENT_VERSION` 10 reads sec-edgar-downloader's accession folders;
/// before it, every `primary-document.html` was keyed "primary-document"). The path was read
/// that way when the run committed it under another key (`run_param`), or when it was a
/// duplicate copy of a filing another path holds, committed (`claims`: path and accession
/// number read, from [`FailedFiling::duplicate_of`]). A filing keyed by an accession number
/// is never retired this way: a path that now holds another filing does not remove the one it
/// held (the database keeps filings whose files are gone).
///
/// `not_full_match` is the store's "`{}` is not a whole accession number" test.
pub fn placeholder_keys_sql(
    not_full_match: &str,
    run_param: &str,
    claims: &[(String, String)],
) -> String {
    let claimed: String = claims
        .iter()
        .map(|(path, acc)| {
            format!(
                " OR (o.source_path = {} AND EXISTS (SELECT 1 FROM filings a \
                 WHERE a.accession_number = {} AND a.status = 'ok'))",
                crate::literal(path),
                crate::literal(acc)
            )
        })
        .collect();
    format!(
        "SELECT DISTINCT o.accession_number FROM filings o \
         WHERE {} AND (EXISTS (SELECT 1 FROM filings n \
         WHERE n.source_path = o.source_path AND n.accession_number <> o.accession_number \
         AND n.last_run_id = {run_param} AND n.status = 'ok'){claimed}) ORDER BY 1",
        not_full_match.replace("{}", "o.accession_number")
    )
}

/// The (path, accession number) pairs of a run's duplicate copies, for
/// [`placeholder_keys_sql`].
pub fn duplicate_claims(failed: &[FailedFiling]) -> Vec<(String, String)> {
    failed
        .iter()
        .filter_map(|f| Some((f.source_path.clone(), f.duplicate_of.clone()?)))
        .collect()
}

/// The paths placeholder-keyed filings were read from: asked first, so that a database with
/// none (the usual case) costs one small query, and the claims put into
/// [`placeholder_keys_sql`] are only those of these paths (a run over sec-edgar-downloader
/// folders can have a duplicate copy per filing, tens of thousands).
pub fn placeholder_paths_sql(not_full_match: &str) -> String {
    format!(
        "SELECT DISTINCT source_path FROM filings WHERE source_path IS NOT NULL AND {}",
        not_full_match.replace("{}", "accession_number")
    )
}

/// `claims` whose path is one of `paths`.
pub fn claims_at(claims: &[(String, String)], paths: &HashSet<String>) -> Vec<(String, String)> {
    claims
        .iter()
        .filter(|(p, _)| paths.contains(p))
        .cloned()
        .collect()
}

/// Deletes the placeholder-keyed filings [`placeholder_keys_sql`] finds — their rows in every
/// plugin table, their stage ledger rows and their `filings` row — in one transaction, and
/// returns their keys.
pub fn retire_placeholder_keys(
    conn: &Connection,
    run_id: &str,
    specs: &[TableSpec],
    claims: &[(String, String)],
) -> Result<Vec<String>> {
    let not_full_match = format!("NOT regexp_full_match({{}}, '{ACCESSION_SQL}')");
    let not_full_match = not_full_match.as_str();
    let paths: HashSet<String> = conn
        .prepare(&placeholder_paths_sql(not_full_match))?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<std::result::Result<_, _>>()?;
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let sql = placeholder_keys_sql(not_full_match, "?", &claims_at(claims, &paths));
    let keys: Vec<String> = conn
        .prepare(&sql)?
        .query_map([run_id], |r| r.get::<_, String>(0))?
        .collect::<std::result::Result<_, _>>()?;
    if keys.is_empty() {
        return Ok(keys);
    }
    let list = keys
        .iter()
        .map(|k| crate::literal(k))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = String::from("BEGIN TRANSACTION;\n");
    for t in specs
        .iter()
        .map(|s| crate::ident(&s.name))
        .chain(["finloom_filing_stages", "filings"].map(|t| Ok(t.to_string())))
    {
        sql.push_str(&format!(
            "DELETE FROM {} WHERE accession_number IN ({list});\n",
            t?
        ));
    }
    sql.push_str("COMMIT;");
    if let Err(e) = conn.execute_batch(&sql) {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e.into());
    }
    Ok(keys)
}

/// What a source path was, the last time a run saw it.
#[derive(Debug, Clone)]
pub struct PathState {
    pub accession_number: String,
    pub source_hash: Option<String>,
    pub ok: bool,
}

/// A path's latest failure, when no later run succeeded with it.
#[derive(Debug, Clone)]
pub struct KnownFailure {
    pub source_hash: String,
    pub fingerprint: String,
    pub error: String,
    pub run_id: String,
}

/// What earlier runs left in production, for skip decisions.
#[derive(Debug, Default)]
pub struct Prior {
    /// accession → stage → (fingerprint, row_count, tables)
    pub stages: HashMap<String, HashMap<String, (String, i64, Vec<String>)>>,
    /// (table, accession) → rows in production now
    pub counts: HashMap<(String, String), i64>,
    /// source_path → what it held
    pub by_path: HashMap<String, PathState>,
    /// Filings whose status is not `ok`: re-processed whole when processed at all.
    pub failed: HashSet<String>,
    /// source_path → its latest unresolved failure.
    pub known_failures: HashMap<String, KnownFailure>,
    /// Accession numbers with rows in production (any plan table or `filings`): the merge
    /// deletes old rows only for these, so merging new filings never scans the fact tables.
    pub present: HashSet<String>,
}

impl Prior {
    /// Whether `stage` of `acc` is present in production with fingerprint `fp` and all of
    /// its rows (a deleted or half-copied table shows up as a count mismatch: a gap to fill).
    pub fn done(&self, acc: &str, stage: &str, fp: &str) -> bool {
        let Some((f, n, tables)) = self.stages.get(acc).and_then(|m| m.get(stage)) else {
            return false;
        };
        if f != fp {
            return false;
        }
        let have: i64 = tables
            .iter()
            .map(|t| {
                self.counts
                    .get(&(t.to_ascii_lowercase(), acc.to_string()))
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        have == *n
    }

    /// The failure an unchanged file had under the same plan, if any: such a file is not
    /// retried on every run (it would fail the same way), only when its bytes, a plugin
    /// version or the config change, or with `--retry-failed`.
    pub fn known_failure(
        &self,
        path: &str,
        hash: &str,
        fingerprint: &str,
    ) -> Option<&KnownFailure> {
        self.known_failures
            .get(path)
            .filter(|k| k.source_hash == hash && k.fingerprint == fingerprint)
    }
}

/// Reads what earlier runs left: stage fingerprints, row counts, known source files,
/// unresolved failures.
pub fn read_prior(conn: &Connection, specs: &[TableSpec]) -> Result<Prior> {
    let mut prior = Prior::default();
    {
        let mut st = conn.prepare(
            "SELECT accession_number, stage, fingerprint, row_count, tables FROM finloom_filing_stages",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (acc, stage, fp, n, tables) = row?;
            let tables: Vec<String> = tables
                .split(',')
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect();
            prior
                .stages
                .entry(acc)
                .or_default()
                .insert(stage, (fp, n, tables));
        }
    }
    for spec in specs {
        let mut st = conn.prepare(&format!(
            "SELECT accession_number, count(*) FROM \"{}\" GROUP BY 1",
            spec.name
        ))?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (acc, n) = row?;
            if let Some(acc) = acc {
                prior.present.insert(acc.clone());
                prior
                    .counts
                    .insert((spec.name.to_ascii_lowercase(), acc), n);
            }
        }
    }
    {
        // Last run per path wins when a path appears in several rows (a legacy database).
        let mut st = conn.prepare(
            "SELECT accession_number, status, source_path, source_hash FROM filings \
             ORDER BY coalesce(last_run_id, ''), accession_number",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for row in rows {
            let (acc, status, path, hash) = row?;
            prior.present.insert(acc.clone());
            let ok = status == "ok";
            if !ok {
                prior.failed.insert(acc.clone());
            }
            if let Some(path) = path {
                prior.by_path.insert(
                    path,
                    PathState {
                        accession_number: acc,
                        source_hash: hash,
                        ok,
                    },
                );
            }
        }
    }
    {
        // A path's latest failure that carries a fingerprint, unless a later run merged the
        // path successfully.
        let mut st = conn.prepare(
            "WITH f AS (
                SELECT source_path, arg_max(source_hash, run_id) AS h, arg_max(fingerprint, run_id) AS fp,
                       arg_max(error, run_id) AS e, max(run_id) AS r
                FROM finloom_failures WHERE source_path IS NOT NULL GROUP BY 1)
             SELECT f.source_path, f.h, f.fp, f.e, f.r FROM f
             WHERE f.h IS NOT NULL AND f.fp IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM filings x WHERE x.source_path = f.source_path AND x.status = 'ok'
                AND coalesce(x.last_run_id, '') >= f.r)",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (path, source_hash, fingerprint, error, run_id) = row?;
            prior.known_failures.insert(
                path,
                KnownFailure {
                    source_hash,
                    fingerprint,
                    error,
                    run_id,
                },
            );
        }
    }
    Ok(prior)
}

// ---------------------------------------------------------------------------------------------
// The merge's statements on the host tables.
//
// The merge first loads the batch it commits into two temporary tables on its own connection:
// `finloom_batch` (one row per filing: the columns of [`FilingRecord`], `fid`,
// `sections_now`, `warnings`) and `finloom_batch_stages` (one row per filing and stage: the
// columns of [`StageCommit`], `fid`, `accession_number`, `source_hash`). Every statement below
// reads those and writes the production catalog `prod`, inside the batch's transaction.
// ---------------------------------------------------------------------------------------------

/// Temporary table with the batch's filings (see the section comment above).
pub const BATCH: &str = "finloom_batch";
/// Temporary table with the batch's stage commits.
pub const BATCH_STAGES: &str = "finloom_batch_stages";
/// Temporary table: accession numbers of the batch whose production row already says
/// `sections_processed` (read before the transaction, which may write only production).
pub const BATCH_SECTIONS_BEFORE: &str = "finloom_batch_sp";

/// Statement that fills [`BATCH_SECTIONS_BEFORE`]; run before the batch's transaction.
/// `replace`: whether production may hold any filing of the batch (if not, the table is
/// made empty without reading production).
pub fn sections_before_sql(prod: &str, replace: bool) -> String {
    if replace {
        format!(
            "CREATE OR REPLACE TEMP TABLE {BATCH_SECTIONS_BEFORE} AS \
             SELECT DISTINCT accession_number FROM {prod}.filings \
             WHERE sections_processed AND accession_number IN (SELECT accession_number FROM {BATCH})"
        )
    } else {
        format!(
            "CREATE OR REPLACE TEMP TABLE {BATCH_SECTIONS_BEFORE} AS \
             SELECT accession_number FROM {BATCH} WHERE false"
        )
    }
}

/// Replaces the batch's `filings` rows (status `ok`) and their stage fingerprints.
/// `replace`: whether production may hold any filing of the batch; when it holds none, the
/// DELETEs (which scan the host tables) are skipped.
pub fn commit_host_rows(conn: &Connection, prod: &str, run_id: &str, replace: bool) -> Result<()> {
    if replace {
        conn.prepare_cached(&format!(
            "DELETE FROM {prod}.filings WHERE accession_number IN (SELECT accession_number FROM {BATCH})"
        ))?
        .execute([])?;
        conn.prepare_cached(&format!(
            "DELETE FROM {prod}.finloom_filing_stages WHERE accession_number || chr(31) || stage IN \
             (SELECT accession_number || chr(31) || stage FROM {BATCH_STAGES})"
        ))?
        .execute([])?;
    }
    conn.prepare_cached(&format!(
        "INSERT INTO {prod}.filings (accession_number, cik, company_name, form_type, filed_date, \
         period_of_report, source_path, source_hash, status, error, sections_processed, last_run_id, \
         updated_at, warnings) \
         SELECT accession_number, NULLIF(cik, ''), NULLIF(company_name, ''), NULLIF(form_type, ''), \
         TRY_CAST(NULLIF(filed_date, '') AS DATE), TRY_CAST(NULLIF(period_of_report, '') AS DATE), \
         source_path, source_hash, 'ok', NULL, \
         sections_now OR accession_number IN (SELECT accession_number FROM {BATCH_SECTIONS_BEFORE}), \
         ?, now(), NULLIF(warnings, '') FROM {BATCH} ORDER BY fid"
    ))?
    .execute([run_id])?;
    conn.prepare_cached(&format!(
        "INSERT INTO {prod}.finloom_filing_stages (accession_number, stage, plugin_name, plugin_version, \
         config_hash, source_hash, fingerprint, tables, row_count, run_id, updated_at) \
         SELECT accession_number, stage, plugin_name, plugin_version, config_hash, source_hash, \
         fingerprint, tables, row_count, ?, now() FROM {BATCH_STAGES} ORDER BY fid, stage"
    ))?
    .execute([run_id])?;
    Ok(())
}

/// Records a failure: the ledger row, and the filing's status (its rows are left untouched).
pub fn record_failure(conn: &Connection, prod: &str, run_id: &str, f: &FailedFiling) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO {prod}.finloom_failures (run_id, source_path, accession_number, stage, error, source_hash, fingerprint) \
             VALUES (?, ?, ?, ?, ?, ?, ?)"
        ),
        params![
            run_id,
            f.source_path,
            f.accession_number.as_ref().or(f.filing.as_ref().map(|r| &r.accession_number)),
            f.stage,
            f.error,
            f.source_hash,
            f.fingerprint
        ],
    )?;
    if let Some(acc) = &f.accession_number {
        let n = conn.execute(
            &format!(
                "UPDATE {prod}.filings SET status = 'failed', error = ?, last_run_id = ?, updated_at = now() \
                 WHERE accession_number = ?"
            ),
            params![f.error, run_id, acc],
        )?;
        if n == 0 {
            let r = f.filing.clone().unwrap_or_else(|| FilingRecord {
                accession_number: acc.clone(),
                source_path: f.source_path.clone(),
                source_hash: f.source_hash.clone().unwrap_or_default(),
                ..Default::default()
            });
            conn.execute(
                &format!(
                    "INSERT INTO {prod}.filings (accession_number, cik, company_name, form_type, filed_date, \
                     period_of_report, source_path, source_hash, status, error, sections_processed, last_run_id, updated_at) \
                     VALUES (?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), TRY_CAST(NULLIF(?, '') AS DATE), \
                     TRY_CAST(NULLIF(?, '') AS DATE), ?, NULLIF(?, ''), 'failed', ?, FALSE, ?, now())"
                ),
                params![
                    acc,
                    r.cik,
                    r.company_name,
                    r.form_type,
                    r.filed_date,
                    r.period_of_report,
                    r.source_path,
                    r.source_hash,
                    f.error,
                    run_id
                ],
            )?;
        }
    }
    Ok(())
}
