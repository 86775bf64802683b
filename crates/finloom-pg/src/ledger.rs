//! The host tables on PostgreSQL: the same records as `finloom_store::ledger` writes to
//! DuckDB (a run's row, a committed filing's rows, a failure), and the same read-back for skip
//! decisions ([`read_prior`] returns the DuckDB store's own [`Prior`]).

use crate::schema::SETUP_LOCK;
use crate::{q, PgDate, Result};
use finloom_store::ledger::{
    FailedFiling, FilingRecord, KnownFailure, PathState, Prior, RunRecord,
};
use finloom_store::TableSpec;
use postgres::GenericClient;

/// Starts a run: its ledger row, status `running`; returns the run id (`run-000042`).
/// Run ids are numbered under the setup lock, so processes starting together get distinct ids.
pub fn begin_run(
    client: &mut postgres::Client,
    pipeline_path: &str,
    config_hash: &str,
    plugins: &str,
    forced: bool,
    workers: usize,
) -> Result<String> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])?;
    let n: i64 = tx
        .query_one("SELECT count(*) FROM finloom_runs", &[])?
        .get(0);
    let run_id = format!("run-{:06}", n + 1);
    tx.execute(
        "INSERT INTO finloom_runs (run_id, started_at, status, pipeline_path, config_hash, plugins, forced, workers) \
         VALUES ($1, localtimestamp, 'running', $2, $3, $4, $5, $6)",
        &[&run_id, &pipeline_path, &config_hash, &plugins, &forced, &(workers as i64)],
    )?;
    tx.commit()?;
    Ok(run_id)
}

/// `finloom_store::ledger::retire_placeholder_keys` on PostgreSQL: filings keyed by a file
/// stem whose path this run read under a real accession number are deleted, with their rows,
/// in one transaction; returns their keys.
pub fn retire_placeholder_keys(
    client: &mut postgres::Client,
    run_id: &str,
    specs: &[TableSpec],
    claims: &[(String, String)],
) -> Result<Vec<String>> {
    use finloom_store::ledger::{
        claims_at, placeholder_keys_sql, placeholder_paths_sql, ACCESSION_SQL,
    };
    let not_full_match = format!("{{}} !~ '^{ACCESSION_SQL}$'");
    let not_full_match = not_full_match.as_str();
    let paths: std::collections::HashSet<String> = client
        .query(&placeholder_paths_sql(not_full_match), &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let sql = placeholder_keys_sql(not_full_match, "$1", &claims_at(claims, &paths));
    let keys: Vec<String> = client
        .query(&sql, &[&run_id])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if keys.is_empty() {
        return Ok(keys);
    }
    let mut tx = client.transaction()?;
    for t in specs
        .iter()
        .map(|s| q(&s.name))
        .chain(["finloom_filing_stages", "filings"].map(q))
    {
        tx.execute(
            &format!("DELETE FROM {t} WHERE accession_number = ANY($1)"),
            &[&keys],
        )?;
    }
    tx.commit()?;
    Ok(keys)
}

pub fn finish_run(c: &mut impl GenericClient, run_id: &str, r: &RunRecord) -> Result<()> {
    c.execute(
        "UPDATE finloom_runs SET finished_at = localtimestamp, status = $1, files_seen = $2, processed = $3, \
         skipped = $4, failed = $5, rows_merged = $6, wall_seconds = $7, merge_seconds = $8, \
         db_held_seconds = $9, staging_path = $10, cpu_seconds = $11, workers_replaced = $12 WHERE run_id = $13",
        &[
            &r.status,
            &r.files_seen,
            &r.processed,
            &r.skipped,
            &r.failed,
            &r.rows_json,
            &r.wall_seconds,
            &r.merge_seconds,
            &r.held_seconds,
            &r.staging_path,
            &r.cpu_json,
            &r.workers_replaced,
            &run_id,
        ],
    )?;
    Ok(())
}

/// What earlier runs (of any process) left: stage fingerprints, row counts per filing, known
/// source files, unresolved failures. Same meaning as `finloom_store::ledger::read_prior`.
pub fn read_prior(c: &mut impl GenericClient, specs: &[TableSpec]) -> Result<Prior> {
    let mut prior = Prior::default();
    for r in c.query(
        "SELECT accession_number, stage, fingerprint, row_count, tables FROM finloom_filing_stages",
        &[],
    )? {
        let tables: String = r.get(4);
        prior.stages.entry(r.get(0)).or_default().insert(
            r.get(1),
            (
                r.get(2),
                r.get(3),
                tables
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect(),
            ),
        );
    }
    for spec in specs {
        for r in c.query(
            &format!(
                "SELECT accession_number, count(*) FROM {} GROUP BY 1",
                q(&spec.name)
            ),
            &[],
        )? {
            if let Some(acc) = r.get::<_, Option<String>>(0) {
                prior.present.insert(acc.clone());
                prior
                    .counts
                    .insert((spec.name.to_ascii_lowercase(), acc), r.get(1));
            }
        }
    }
    // Last run per path wins when a path appears in several rows.
    for r in c.query(
        "SELECT accession_number, status, source_path, source_hash FROM filings \
         ORDER BY coalesce(last_run_id, ''), accession_number",
        &[],
    )? {
        let acc: String = r.get(0);
        let status: String = r.get(1);
        prior.present.insert(acc.clone());
        let ok = status == "ok";
        if !ok {
            prior.failed.insert(acc.clone());
        }
        if let Some(path) = r.get::<_, Option<String>>(2) {
            prior.by_path.insert(
                path,
                PathState {
                    accession_number: acc,
                    source_hash: r.get(3),
                    ok,
                },
            );
        }
    }
    // A path's latest failure that carries a fingerprint, unless a later run merged the path.
    for r in c.query(
        "WITH f AS (
            SELECT DISTINCT ON (source_path) source_path, source_hash AS h, fingerprint AS fp,
                   error AS e, run_id AS r
            FROM finloom_failures WHERE source_path IS NOT NULL
            ORDER BY source_path, run_id DESC)
         SELECT f.source_path, f.h, f.fp, f.e, f.r FROM f
         WHERE f.h IS NOT NULL AND f.fp IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM filings x WHERE x.source_path = f.source_path AND x.status = 'ok'
            AND coalesce(x.last_run_id, '') >= f.r)",
        &[],
    )? {
        prior.known_failures.insert(
            r.get(0),
            KnownFailure {
                source_hash: r.get(1),
                fingerprint: r.get(2),
                error: r.get(3),
                run_id: r.get(4),
            },
        );
    }
    Ok(prior)
}

fn date(s: &str) -> Option<PgDate> {
    PgDate::parse(s)
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Records a failure: the ledger row, and the filing's status (its rows are left untouched).
pub fn record_failure(c: &mut impl GenericClient, run_id: &str, f: &FailedFiling) -> Result<()> {
    let acc = f
        .accession_number
        .as_ref()
        .or(f.filing.as_ref().map(|r| &r.accession_number));
    c.execute(
        "INSERT INTO finloom_failures (run_id, source_path, accession_number, stage, error, source_hash, fingerprint) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&run_id, &f.source_path, &acc, &f.stage, &f.error, &f.source_hash, &f.fingerprint],
    )?;
    if let Some(acc) = &f.accession_number {
        let n = c.execute(
            "UPDATE filings SET status = 'failed', error = $1, last_run_id = $2, updated_at = localtimestamp \
             WHERE accession_number = $3",
            &[&f.error, &run_id, acc],
        )?;
        if n == 0 {
            let r = f.filing.clone().unwrap_or_else(|| FilingRecord {
                accession_number: acc.clone(),
                source_path: f.source_path.clone(),
                source_hash: f.source_hash.clone().unwrap_or_default(),
                ..Default::default()
            });
            c.execute(
                "INSERT INTO filings (accession_number, cik, company_name, form_type, filed_date, \
                 period_of_report, source_path, source_hash, status, error, sections_processed, last_run_id, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'failed', $9, FALSE, $10, localtimestamp)",
                &[
                    acc,
                    &nonempty(&r.cik),
                    &nonempty(&r.company_name),
                    &nonempty(&r.form_type),
                    &date(&r.filed_date),
                    &date(&r.period_of_report),
                    &r.source_path,
                    &nonempty(&r.source_hash),
                    &f.error,
                    &run_id,
                ],
            )?;
        }
    }
    Ok(())
}

/// One filing of a batch as the merge writes its `filings` row.
pub struct BatchFiling {
    pub record: FilingRecord,
    pub sections_now: bool,
    pub warnings: String,
}

/// One stage ledger row of a batch.
pub struct BatchStage {
    pub accession_number: String,
    pub stage: String,
    pub plugin_name: String,
    pub plugin_version: String,
    pub config_hash: String,
    pub source_hash: String,
    pub fingerprint: String,
    pub tables: String,
    pub row_count: i64,
}

/// Replaces the batch's `filings` rows (status `ok`) and its stage ledger rows, inside the
/// batch's transaction. `sections_before`: accession numbers whose old row already said
/// `sections_processed` (read before the old rows were deleted).
pub fn commit_host_rows(
    c: &mut impl GenericClient,
    run_id: &str,
    filings: &[BatchFiling],
    stages: &[BatchStage],
    sections_before: &std::collections::HashSet<String>,
) -> Result<()> {
    let accs: Vec<&str> = filings
        .iter()
        .map(|f| f.record.accession_number.as_str())
        .collect();
    c.execute(
        "DELETE FROM filings WHERE accession_number = ANY($1)",
        &[&accs],
    )?;
    let ins = c.prepare(
        "INSERT INTO filings (accession_number, cik, company_name, form_type, filed_date, \
         period_of_report, source_path, source_hash, status, error, sections_processed, last_run_id, \
         updated_at, warnings) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ok', NULL, $9, $10, localtimestamp, $11)",
    )?;
    for f in filings {
        let r = &f.record;
        let sections = f.sections_now || sections_before.contains(&r.accession_number);
        c.execute(
            &ins,
            &[
                &r.accession_number,
                &nonempty(&r.cik),
                &nonempty(&r.company_name),
                &nonempty(&r.form_type),
                &date(&r.filed_date),
                &date(&r.period_of_report),
                &r.source_path,
                &r.source_hash,
                &sections,
                &run_id,
                &nonempty(&f.warnings),
            ],
        )?;
    }
    let (sa, ss): (Vec<&str>, Vec<&str>) = stages
        .iter()
        .map(|s| (s.accession_number.as_str(), s.stage.as_str()))
        .unzip();
    c.execute(
        "DELETE FROM finloom_filing_stages f USING unnest($1::text[], $2::text[]) AS b(a, s) \
         WHERE f.accession_number = b.a AND f.stage = b.s",
        &[&sa, &ss],
    )?;
    let ins = c.prepare(
        "INSERT INTO finloom_filing_stages (accession_number, stage, plugin_name, plugin_version, \
         config_hash, source_hash, fingerprint, tables, row_count, run_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, localtimestamp)",
    )?;
    for s in stages {
        c.execute(
            &ins,
            &[
                &s.accession_number,
                &s.stage,
                &s.plugin_name,
                &s.plugin_version,
                &s.config_hash,
                &s.source_hash,
                &s.fingerprint,
                &s.tables,
                &s.row_count,
                &run_id,
            ],
        )?;
    }
    Ok(())
}
