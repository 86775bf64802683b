//! Running one filing through the stages, and checking what the plugins return.
//!
//! Validation happens here, on the rows exactly as they will be staged, before anything is
//! merged: the tables must be ones the plugin declared, with exactly the declared columns,
//! values of the declared types, no NULL where the declaration forbids it, the filing's own
//! accession number in every row (a plugin cannot write into another filing), unique keys
//! within the filing, and references that resolve to rows of the same filing. A filing that
//! fails any check is not merged; its rows are still staged for inspection and the reason is
//! recorded.

use crate::plan::Plan;
use abi_stable::std_types::{RResult, RSlice, RStr};
use finloom_ingest::Filing;
use finloom_plugin_api::{TableRows, Value};
use finloom_staging::check;
use std::collections::{BTreeMap, HashSet};

/// Why a filing failed in a stage.
#[derive(Debug, Clone)]
pub struct StageFailure {
    pub stage: String,
    pub error: String,
    /// Set when `on_stage` failed (the worker lost its channel to the run): not the filing's
    /// fault, and the worker stops.
    pub channel: Option<String>,
}

/// Output of the stages that ran: per stage index, the rows with their spec index.
pub type StageOutputs = Vec<Option<Vec<(usize, TableRows)>>>;

/// Runs the stages marked in `run` (which must be closed under "upstream of") and validates.
///
/// `on_stage(i)` is called before stage `i`'s plugin runs (the worker tells the run, so that
/// a crash or a time-out names the plugin); `lap(name)` after it ran and its rows were
/// checked (the worker's per-stage CPU clock).
pub fn extract_filing(
    plan: &Plan,
    filing: &Filing,
    run: &[bool],
    on_stage: &mut dyn FnMut(usize) -> Result<(), String>,
    lap: &mut dyn FnMut(&str),
) -> Result<StageOutputs, StageFailure> {
    let mut outputs: StageOutputs = vec![None; plan.stages.len()];
    for (i, stage) in plan.stages.iter().enumerate() {
        if !run[i] {
            continue;
        }
        let fail = |error: String| StageFailure {
            stage: stage.name.clone(),
            error,
            channel: None,
        };
        on_stage(i).map_err(|e| StageFailure {
            stage: stage.name.clone(),
            error: e.clone(),
            channel: Some(e),
        })?;
        let mut inputs: Vec<TableRows> = Vec::with_capacity(stage.inputs.len());
        for (declared, producer, spec) in &stage.inputs {
            let rows = outputs[*producer]
                .as_ref()
                .and_then(|o| o.iter().find(|(s, _)| s == spec))
                .map(|(_, t)| {
                    let mut t = t.clone();
                    t.table = declared.as_str().into();
                    t
                })
                .unwrap_or_else(|| TableRows {
                    table: declared.as_str().into(),
                    columns: plan.specs[*spec]
                        .columns
                        .iter()
                        .map(|c| c.name.as_str().into())
                        .collect(),
                    rows: Default::default(),
                });
            inputs.push(rows);
        }
        let extract = stage.plugin.module.extract();
        let result = extract(
            &filing.meta,
            &filing.document,
            RSlice::from_slice(&inputs),
            RStr::from_str(&stage.config_json),
        );
        let tables = match result {
            RResult::ROk(t) => t,
            RResult::RErr(e) => {
                return Err(fail(format!(
                    "plugin {} {}: {}",
                    stage.plugin_name(),
                    stage.plugin_version(),
                    e.as_str()
                )))
            }
        };
        let mut out: Vec<(usize, TableRows)> = Vec::new();
        for t in tables.into_iter() {
            let spec = stage
                .tables
                .iter()
                .copied()
                .find(|&s| plan.specs[s].declared == t.table.as_str())
                .ok_or_else(|| {
                    fail(format!(
                        "plugin returned rows for table {:?}, which it did not declare",
                        t.table.as_str()
                    ))
                })?;
            if out.iter().any(|(s, _)| *s == spec) {
                return Err(fail(format!(
                    "plugin returned table {:?} twice",
                    t.table.as_str()
                )));
            }
            validate_shape(plan, spec, &t, filing.meta.accession_number.as_str()).map_err(&fail)?;
            out.push((spec, t));
        }
        // Declared tables the plugin returned nothing for are simply empty.
        for &s in &stage.tables {
            if !out.iter().any(|(x, _)| *x == s) {
                let spec = &plan.specs[s];
                out.push((
                    s,
                    TableRows {
                        table: spec.declared.as_str().into(),
                        columns: spec
                            .columns
                            .iter()
                            .map(|c| c.name.as_str().into())
                            .collect(),
                        rows: Default::default(),
                    },
                ));
            }
        }
        out.sort_by_key(|(s, _)| *s);
        outputs[i] = Some(out);
        lap(&stage.name);
    }
    // References, now that every table of this filing is known.
    for (i, stage) in plan.stages.iter().enumerate() {
        let Some(out) = &outputs[i] else { continue };
        for (spec_idx, t) in out {
            let spec = &plan.specs[*spec_idx];
            for c in &spec.columns {
                let Some((rt, rc)) = &c.references else {
                    continue;
                };
                let target = outputs
                    .iter()
                    .flatten()
                    .flatten()
                    .find(|(s, _)| plan.specs[*s].name.eq_ignore_ascii_case(rt));
                let Some((_, target)) = target else { continue };
                let ti = target.column_index(rc).unwrap_or(usize::MAX);
                let known: HashSet<&str> = target
                    .rows
                    .iter()
                    .filter_map(|r| r.get(ti).and_then(|v| v.as_str()))
                    .collect();
                let ci = t.column_index(&c.name).unwrap_or(usize::MAX);
                for r in t.rows.iter() {
                    if let Some(v) = r.get(ci) {
                        let ok = match v {
                            Value::Null => true,
                            Value::Text(s) => known.contains(s.as_str()),
                            _ => false,
                        };
                        if !ok {
                            return Err(StageFailure {
                                stage: stage.name.clone(),
                                channel: None,
                                error: format!(
                                    "table {}: column {} = {v:?} references no row of {rt}.{rc} in this filing",
                                    spec.name, c.name
                                ),
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(outputs)
}

fn validate_shape(
    plan: &Plan,
    spec_idx: usize,
    t: &TableRows,
    accession: &str,
) -> Result<(), String> {
    let spec = &plan.specs[spec_idx];
    let mut seen = HashSet::new();
    for c in t.columns.iter() {
        if !seen.insert(c.as_str()) {
            return Err(format!(
                "table {}: column {:?} returned twice",
                spec.name,
                c.as_str()
            ));
        }
        if spec.column(c.as_str()).is_none() {
            return Err(format!(
                "table {}: returned column {:?} is not declared",
                spec.name,
                c.as_str()
            ));
        }
    }
    let mut index = Vec::new();
    for c in &spec.columns {
        match t.column_index(&c.name) {
            Some(i) => index.push(i),
            None => {
                return Err(format!(
                    "table {}: declared column {:?} is missing from the returned rows",
                    spec.name, c.name
                ))
            }
        }
    }
    let acc_i = t.column_index("accession_number").unwrap();
    let key_i: Vec<usize> = spec
        .key
        .iter()
        .map(|k| t.column_index(k).unwrap())
        .collect();
    let mut keys: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for (n, row) in t.rows.iter().enumerate() {
        if row.len() != t.columns.len() {
            return Err(format!(
                "table {}: row {n} has {} values for {} columns",
                spec.name,
                row.len(),
                t.columns.len()
            ));
        }
        for (c, &i) in spec.columns.iter().zip(&index) {
            let v = &row[i];
            if matches!(v, Value::Null) && !c.nullable {
                return Err(format!(
                    "table {}: row {n}: column {} is NULL but declared not nullable",
                    spec.name, c.name
                ));
            }
            check(v, c.ty)
                .map_err(|m| format!("table {}: row {n}: column {}: {m}", spec.name, c.name))?;
        }
        if row[acc_i].as_str() != Some(accession) {
            return Err(format!(
                "table {}: row {n} has accession_number {:?}, not this filing's {accession:?}",
                spec.name, row[acc_i]
            ));
        }
        let key: Vec<String> = key_i.iter().map(|&i| format!("{:?}", row[i])).collect();
        if let Some(first) = keys.insert(key.clone(), n) {
            return Err(format!(
                "table {}: rows {first} and {n} have the same key ({}) = ({})",
                spec.name,
                spec.key.join(", "),
                key.join(", ")
            ));
        }
    }
    Ok(())
}
