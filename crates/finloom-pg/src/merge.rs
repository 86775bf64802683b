//! The merge into PostgreSQL: the same contract as the DuckDB merge (`finloom-merge`), one
//! group commit per sealed staging segment.
//!
//! For each segment, its accepted filings are committed in **one PostgreSQL transaction**:
//!
//! 1. take a transaction-scoped advisory lock per accession number (in sorted order, so two
//!    processes never deadlock): two processes committing the same filing at once — the same
//!    accession under two paths — are serialised, and the second sees the first's rows;
//! 2. **one accession, one owner, across processes**: if `filings` already holds the accession
//!    as merged from another path that this run's listing also holds and that sorts first,
//!    this copy is the duplicate: it is left out and recorded as such, exactly as one process
//!    decides it (the path first in sorted order owns the filing);
//! 3. for every table of every stage the batch commits, `DELETE` the batch's filings' old rows
//!    (by the accession-number index) and `COPY … FROM STDIN (FORMAT binary)` the staged rows,
//!    read from the segment in (file, plugin row) order;
//! 4. replace the `filings` rows (status `ok`) and stage fingerprints, mark the claims done;
//! 5. commit.
//!
//! If the batch fails it is rolled back and retried one filing per transaction; a filing
//! that fails alone is recorded as failed and its segment kept. Readers are never shut out:
//! PostgreSQL shows them the last committed state throughout.

use crate::claims;
use crate::ledger::{self, BatchFiling, BatchStage};
use crate::{q, PgDate, PgError, Result};
use finloom_merge::{thread_cpu, FailedFiling, MergeJob, MergeNote, MergeReport, SegmentJob};
use finloom_plugin_api::ColumnType;
use finloom_staging::{remove_segment, segment_table, SEG_FILINGS, SEG_STAGES};
use finloom_store::ledger::{duplicate_copy, FilingRecord};
use finloom_store::{literal, TableSpec};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::mpsc::Receiver;
use std::time::Instant;

pub struct PgMergeConfig {
    pub url: String,
    pub run_id: String,
    pub specs: Vec<TableSpec>,
    /// Per pipeline stage: its name and the indexes into `specs` of the tables it writes.
    pub stage_tables: Vec<(String, Vec<usize>)>,
    pub keep_segments: bool,
    /// The source paths this run processes, by `fid`.
    pub paths: Vec<String>,
    /// Every source path of the listing (also those of other shards): the cross-process owner
    /// rule — the path first in sorted order owns a filing.
    pub listing: Vec<String>,
    /// Per `fid`: the claim key and the fingerprint the claim is done under (files this run
    /// processes; others are `None`).
    pub claim_keys: Vec<Option<(String, String)>>,
}

pub struct PgMerger<'a> {
    pub config: PgMergeConfig,
    pub owns: &'a (dyn Fn(i64, &str) -> bool + Sync),
    pub stop: &'a (dyn Fn() -> bool + Sync),
    pub note: &'a (dyn Fn(MergeNote<'_>) + Sync),
}

const SEG: &str = "finloom_seg";

/// A staged value on its way to PostgreSQL.
#[derive(Debug)]
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Date(Option<PgDate>),
}

impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        match self {
            Cell::Text(v) => v.to_sql(ty, out),
            Cell::Int(v) => v.to_sql(ty, out),
            Cell::Float(v) => v.to_sql(ty, out),
            Cell::Bool(v) => v.to_sql(ty, out),
            Cell::Date(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn copy_type(t: ColumnType) -> Type {
    match t {
        ColumnType::Text => Type::TEXT,
        ColumnType::BigInt => Type::INT8,
        ColumnType::Double => Type::FLOAT8,
        ColumnType::Boolean => Type::BOOL,
        ColumnType::Date => Type::DATE,
    }
}

type Accepted<'s> = Vec<&'s (i64, String, String)>;

impl PgMerger<'_> {
    /// Merges jobs until the channel closes.
    pub fn run(self, rx: Receiver<MergeJob>) -> Result<MergeReport> {
        let cpu_start = thread_cpu();
        let mut report = MergeReport::default();
        let mut client = crate::connect(&self.config.url)?;
        // Position in the sorted listing: "sorts first" means exactly what it means inside one
        // process (the listing's order, not a string comparison of the paths).
        let listing: HashMap<&str, usize> = self
            .config
            .listing
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect();
        let fault = std::env::var(finloom_merge::FAULT_ENV).ok();
        for job in rx {
            let started = Instant::now();
            match job {
                MergeJob::Failures(fs) => {
                    let mut tx = client.transaction()?;
                    for f in fs {
                        self.record_failure(&mut tx, &f)?;
                        report.failed.push(f);
                    }
                    tx.commit()?;
                    report.transactions += 1;
                }
                MergeJob::Segment(seg) => {
                    if (self.stop)() {
                        report
                            .not_merged
                            .extend(seg.filings.iter().map(|(_, _, p)| p.clone()));
                        continue;
                    }
                    self.merge_segment(&mut client, &listing, &seg, fault.as_deref(), &mut report)?;
                }
            }
            let busy = started.elapsed().as_secs_f64();
            report.merge_seconds += busy;
            report.held_seconds += busy;
            report.longest_hold_seconds = report.longest_hold_seconds.max(busy);
        }
        report.cpu_seconds = thread_cpu() - cpu_start;
        Ok(report)
    }

    fn record_failure(&self, tx: &mut postgres::Transaction<'_>, f: &FailedFiling) -> Result<()> {
        ledger::record_failure(tx, &self.config.run_id, f)?;
        // A failure is an outcome too: other processes do not redo it under the same plan.
        if let (Some(h), Some(fp)) = (&f.source_hash, &f.fingerprint) {
            if let Some(key) = self.key_of_path(&f.source_path) {
                claims::mark_done(
                    tx,
                    &[(key, claims::done_fingerprint(h, fp))],
                    "failed",
                    &self.config.run_id,
                )?;
            }
        }
        Ok(())
    }

    fn key_of_path(&self, path: &str) -> Option<String> {
        let fid = self.config.paths.iter().position(|p| p == path)?;
        self.config.claim_keys[fid].as_ref().map(|(k, _)| k.clone())
    }

    fn merge_segment(
        &self,
        client: &mut postgres::Client,
        listing: &HashMap<&str, usize>,
        seg: &SegmentJob,
        fault: Option<&str>,
        report: &mut MergeReport,
    ) -> Result<()> {
        let accepted: Accepted<'_> = seg
            .filings
            .iter()
            .filter(|(fid, acc, _)| (self.owns)(*fid, acc))
            .collect();
        if accepted.is_empty() {
            self.done_with(seg, false);
            return Ok(());
        }
        let duck = duckdb::Connection::open_in_memory()?;
        duck.execute_batch("SET threads = 1")?;
        duck.execute_batch(&format!(
            "ATTACH {} AS {SEG} (READ_ONLY)",
            literal(&seg.path.to_string_lossy())
        ))?;
        let mut keep = false;
        match self.commit(client, &duck, listing, &accepted, fault, report) {
            Ok(()) => {}
            Err(e) if accepted.len() > 1 => {
                tracing::warn!(
                    segment = %seg.path.display(),
                    "group commit failed, retrying one filing per transaction: {e}"
                );
                for one in &accepted {
                    if let Err(e) = self.commit(client, &duck, listing, &[*one], fault, report) {
                        keep = true;
                        self.fail(client, one, e, report)?;
                    }
                }
            }
            Err(e) => {
                keep = true;
                self.fail(client, accepted[0], e, report)?;
            }
        }
        drop(duck);
        self.done_with(seg, keep);
        Ok(())
    }

    fn done_with(&self, seg: &SegmentJob, keep: bool) {
        if keep || self.config.keep_segments {
            return;
        }
        if let Err(e) = remove_segment(&seg.path) {
            tracing::warn!(segment = %seg.path.display(), "cannot remove merged segment: {e}");
        }
    }

    fn fail(
        &self,
        client: &mut postgres::Client,
        (fid, acc, path): &(i64, String, String),
        e: PgError,
        report: &mut MergeReport,
    ) -> Result<()> {
        tracing::warn!(accession = %acc, "merge failed, rolled back: {e}");
        let f = FailedFiling {
            source_path: path.clone(),
            accession_number: Some(acc.clone()),
            error: format!("merge failed and was rolled back: {e}"),
            source_hash: None,
            fingerprint: None,
            ..Default::default()
        };
        let mut tx = client.transaction()?;
        ledger::record_failure(&mut tx, &self.config.run_id, &f)?;
        if let Some((key, fp)) = &self.config.claim_keys[*fid as usize] {
            claims::mark_done(
                &mut tx,
                &[(key.clone(), fp.clone())],
                "failed",
                &self.config.run_id,
            )?;
        }
        tx.commit()?;
        (self.note)(MergeNote::Failed(&f));
        report.failed.push(f);
        Ok(())
    }

    /// One transaction: the filings of `group`, all or nothing.
    fn commit(
        &self,
        client: &mut postgres::Client,
        duck: &duckdb::Connection,
        listing: &HashMap<&str, usize>,
        group: &[&(i64, String, String)],
        fault: Option<&str>,
        report: &mut MergeReport,
    ) -> Result<()> {
        let fid_list = group
            .iter()
            .map(|(f, _, _)| f.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut filings: BTreeMap<i64, BatchFiling> = BTreeMap::new();
        {
            let mut st = duck.prepare(&format!(
                "SELECT fid, accession_number, cik, company_name, form_type, filed_date, \
                 period_of_report, source_path, source_hash, sections_now, warnings \
                 FROM {SEG}.{SEG_FILINGS} WHERE fid IN ({fid_list}) ORDER BY fid"
            ))?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let s = |i: usize| -> duckdb::Result<String> {
                    Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
                };
                filings.insert(
                    r.get(0)?,
                    BatchFiling {
                        record: FilingRecord {
                            accession_number: s(1)?,
                            cik: s(2)?,
                            company_name: s(3)?,
                            form_type: s(4)?,
                            filed_date: s(5)?,
                            period_of_report: s(6)?,
                            source_path: s(7)?,
                            source_hash: s(8)?,
                        },
                        sections_now: r.get(9)?,
                        warnings: s(10)?,
                    },
                );
            }
        }
        let mut stages: Vec<(i64, BatchStage)> = Vec::new();
        {
            let mut st = duck.prepare(&format!(
                "SELECT fid, accession_number, stage, plugin_name, plugin_version, config_hash, \
                 source_hash, fingerprint, tables, row_count \
                 FROM {SEG}.{SEG_STAGES} WHERE fid IN ({fid_list}) ORDER BY fid, stage"
            ))?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let s = |i: usize| -> duckdb::Result<String> {
                    Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
                };
                stages.push((
                    r.get(0)?,
                    BatchStage {
                        accession_number: s(1)?,
                        stage: s(2)?,
                        plugin_name: s(3)?,
                        plugin_version: s(4)?,
                        config_hash: s(5)?,
                        source_hash: s(6)?,
                        fingerprint: s(7)?,
                        tables: s(8)?,
                        row_count: r.get::<_, Option<i64>>(9)?.unwrap_or(0),
                    },
                ));
            }
        }

        let mut tx = client.transaction()?;
        // 1. Serialise commits of the same accession across processes.
        let mut accs: Vec<&str> = filings
            .values()
            .map(|f| f.record.accession_number.as_str())
            .collect();
        accs.sort_unstable();
        accs.dedup();
        let lock = tx.prepare("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")?;
        for a in &accs {
            tx.execute(&lock, &[a])?;
        }
        // 2. One owner across processes: an earlier-sorting path of this listing already
        //    merged the accession → this copy is the duplicate.
        let mut duplicates: Vec<(i64, FailedFiling)> = Vec::new();
        for r in tx.query(
            "SELECT accession_number, source_path FROM filings \
             WHERE accession_number = ANY($1) AND status = 'ok' AND source_path IS NOT NULL",
            &[&accs],
        )? {
            let (acc, owner_path): (String, String) = (r.get(0), r.get(1));
            for (fid, f) in &filings {
                let mine = &f.record.source_path;
                let first = match (listing.get(owner_path.as_str()), listing.get(mine.as_str())) {
                    (Some(o), Some(m)) => o < m,
                    _ => false,
                };
                if f.record.accession_number == acc && owner_path != *mine && first {
                    duplicates.push((*fid, duplicate_copy(&acc, mine, &owner_path)));
                }
            }
        }
        for (fid, _) in &duplicates {
            filings.remove(fid);
            stages.retain(|(f, _)| f != fid);
        }
        let accs: Vec<&str> = filings
            .values()
            .map(|f| f.record.accession_number.as_str())
            .collect();
        let sections_before: HashSet<String> = tx
            .query(
                "SELECT DISTINCT accession_number FROM filings \
                 WHERE sections_processed AND accession_number = ANY($1)",
                &[&accs],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        // 3. Per stage and table: old rows out, staged rows in.
        let mut rows_in: Vec<(String, i64)> = Vec::new();
        for (stage, tables) in &self.config.stage_tables {
            let of_stage: Vec<&(i64, BatchStage)> =
                stages.iter().filter(|(_, s)| &s.stage == stage).collect();
            if of_stage.is_empty() {
                continue;
            }
            let stage_accs: Vec<&str> = of_stage
                .iter()
                .map(|(_, s)| s.accession_number.as_str())
                .collect();
            let stage_fids = of_stage
                .iter()
                .map(|(f, _)| f.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            for &t in tables {
                let spec = &self.config.specs[t];
                tx.execute(
                    &format!(
                        "DELETE FROM {} WHERE accession_number = ANY($1)",
                        q(&spec.name)
                    ),
                    &[&stage_accs],
                )?;
                if let Some(f) = fault {
                    if stage_accs.contains(&f) {
                        return Err(PgError::Data(format!(
                            "{} is set to {f}: failing between delete and insert",
                            finloom_merge::FAULT_ENV
                        )));
                    }
                }
                let n = copy_table(&mut tx, duck, spec, &stage_fids)?;
                rows_in.push((spec.name.clone(), n));
            }
        }
        // 4. Host rows and claims.
        let batch: Vec<BatchFiling> = filings.into_values().collect();
        let stage_rows: Vec<BatchStage> = stages.into_iter().map(|(_, s)| s).collect();
        ledger::commit_host_rows(
            &mut tx,
            &self.config.run_id,
            &batch,
            &stage_rows,
            &sections_before,
        )?;
        let fid_of: HashMap<&str, i64> = group.iter().map(|(f, _, p)| (p.as_str(), *f)).collect();
        let done: Vec<(String, String)> = batch
            .iter()
            .filter_map(|b| fid_of.get(b.record.source_path.as_str()))
            .filter_map(|fid| self.config.claim_keys[*fid as usize].clone())
            .collect();
        claims::mark_done(&mut tx, &done, "ok", &self.config.run_id)?;
        for (fid, d) in &duplicates {
            ledger::record_failure(&mut tx, &self.config.run_id, d)?;
            if let Some(c) = &self.config.claim_keys[*fid as usize] {
                claims::mark_done(&mut tx, &[c.clone()], "duplicate", &self.config.run_id)?;
            }
        }
        tx.commit()?;
        report.transactions += 1;
        for (t, n) in rows_in {
            *report.rows.entry(t).or_default() += n;
        }
        for b in &batch {
            (self.note)(MergeNote::Merged {
                source_path: &b.record.source_path,
            });
        }
        for (_, d) in duplicates {
            (self.note)(MergeNote::Failed(&d));
            report.failed.push(d);
        }
        report.merged += batch.len();
        Ok(())
    }
}

/// Copies one table's staged rows of the given filings into PostgreSQL (binary COPY), in
/// (file, plugin row) order. Returns the rows copied.
fn copy_table(
    tx: &mut postgres::Transaction<'_>,
    duck: &duckdb::Connection,
    spec: &TableSpec,
    fids: &str,
) -> Result<i64> {
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let mut st = duck.prepare(&format!(
        "SELECT {} FROM {SEG}.\"{}\" WHERE _fid IN ({fids}) ORDER BY _fid, _seq",
        cols.join(", "),
        segment_table(&spec.name)
    ))?;
    let mut rows = st.query([])?;
    let types: Vec<Type> = spec.columns.iter().map(|c| copy_type(c.ty)).collect();
    let sink = tx.copy_in(&format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        q(&spec.name),
        spec.columns
            .iter()
            .map(|c| q(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let mut w = BinaryCopyInWriter::new(sink, &types);
    let mut cells: Vec<Cell> = Vec::with_capacity(types.len());
    while let Some(r) = rows.next()? {
        cells.clear();
        for (i, c) in spec.columns.iter().enumerate() {
            cells.push(match c.ty {
                ColumnType::Text => Cell::Text(r.get(i)?),
                ColumnType::BigInt => Cell::Int(r.get(i)?),
                ColumnType::Double => Cell::Float(r.get(i)?),
                ColumnType::Boolean => Cell::Bool(r.get(i)?),
                ColumnType::Date => {
                    let s: Option<String> = r.get(i)?;
                    Cell::Date(match s {
                        None => None,
                        Some(s) => Some(PgDate::parse(&s).ok_or_else(|| {
                            PgError::Data(format!(
                                "table {} column {}: {s:?} is not a date (YYYY-MM-DD)",
                                spec.name, c.name
                            ))
                        })?),
                    })
                }
            });
        }
        let refs: Vec<&(dyn ToSql + Sync)> =
            cells.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        w.write(&refs)?;
    }
    Ok(w.finish()? as i64)
}
