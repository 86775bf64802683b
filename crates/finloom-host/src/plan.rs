//! A pipeline checked against its plugins.

use crate::loader::{self, LoadedPlugin};
use crate::HostError;
use finloom_config::Pipeline;
use finloom_store::TableSpec;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct StagePlan {
    pub name: String,
    pub plugin: LoadedPlugin,
    /// Indexes of the stages this one depends on (directly).
    pub depends_on: Vec<usize>,
    /// All upstream stages, transitively, in pipeline order.
    pub upstream: Vec<usize>,
    pub config_json: String,
    pub config_hash: String,
    /// Indexes into [`Plan::specs`] of the tables this stage writes.
    pub tables: Vec<usize>,
    /// For each input the plugin declared: (declared table name, producing stage, spec index).
    pub inputs: Vec<(String, usize, usize)>,
    /// `from=to` renames, for the fingerprint.
    pub renames: String,
}

impl StagePlan {
    pub fn kind(&self) -> &str {
        self.plugin.manifest.stage.as_str()
    }
    pub fn plugin_name(&self) -> &str {
        self.plugin.manifest.name.as_str()
    }
    pub fn plugin_version(&self) -> &str {
        self.plugin.manifest.version.as_str()
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub pipeline: Pipeline,
    pub stages: Vec<StagePlan>,
    pub specs: Vec<TableSpec>,
}

impl Plan {
    /// Loads every plugin and checks the pipeline. Any problem stops here, before any work.
    pub fn build(pipeline: Pipeline) -> Result<Plan, HostError> {
        let search = loader::search_path(&pipeline);
        let mut plugins = Vec::new();
        for s in &pipeline.stages {
            let path = loader::resolve(&s.plugin, &search)?;
            plugins.push(loader::load(&path)?);
        }
        for (i, (s, plugin)) in pipeline.stages.iter().zip(&plugins).enumerate() {
            check_config(&pipeline, i, s, plugin)?;
        }
        Self::with_plugins(pipeline, plugins)
    }

    pub fn with_plugins(pipeline: Pipeline, plugins: Vec<LoadedPlugin>) -> Result<Plan, HostError> {
        let perr = |message: String| HostError::Plan {
            path: pipeline.path.clone(),
            message,
        };
        let mut specs: Vec<TableSpec> = Vec::new();
        let mut owner: BTreeMap<String, usize> = BTreeMap::new();
        let mut stages: Vec<StagePlan> = Vec::new();
        for (i, (s, plugin)) in pipeline.stages.iter().zip(plugins).enumerate() {
            let renames: BTreeMap<String, String> = s.table_renames.iter().cloned().collect();
            for from in renames.keys() {
                if !plugin
                    .manifest
                    .outputs
                    .iter()
                    .any(|t| t.name.as_str() == from)
                {
                    return Err(perr(format!(
                        "stage {:?}: `tables` renames {from:?}, but plugin {} declares no such table",
                        s.name,
                        plugin.manifest.name.as_str()
                    )));
                }
            }
            let rename = |t: &str| renames.get(t).cloned().unwrap_or_else(|| t.to_string());
            let mut tables = Vec::new();
            for decl in plugin.manifest.outputs.iter() {
                let spec =
                    TableSpec::from_decl(decl, &rename).map_err(|e| HostError::PluginLoad {
                        path: plugin.path.clone(),
                        reason: format!("invalid output table declaration: {e}"),
                    })?;
                // Case-insensitive: DuckDB resolves `Chunks` and `chunks` to one table.
                if let Some(&other) = owner.get(&spec.name.to_ascii_lowercase()) {
                    return Err(perr(format!(
                        "stages {:?} and {:?} both write table {:?}; give one of them \
                         `tables = {{ {} = \"<other name>\" }}` so their rows never mix",
                        pipeline.stages[other].name, s.name, spec.name, spec.declared
                    )));
                }
                owner.insert(spec.name.to_ascii_lowercase(), i);
                tables.push(specs.len());
                specs.push(spec);
            }
            let depends_on: Vec<usize> = s
                .depends_on
                .iter()
                .map(|d| pipeline.stages.iter().position(|x| &x.name == d).unwrap())
                .collect();
            let mut up: BTreeSet<usize> = BTreeSet::new();
            for &d in &depends_on {
                up.insert(d);
                up.extend(stages[d].upstream.iter().copied());
            }
            let upstream: Vec<usize> = up.into_iter().collect();
            let mut inputs = Vec::new();
            for input in plugin.manifest.inputs.iter() {
                let found = upstream.iter().find_map(|&u| {
                    stages[u]
                        .tables
                        .iter()
                        .find(|&&t| specs[t].declared == input.as_str())
                        .map(|&t| (u, t))
                });
                match found {
                    Some((u, t)) => inputs.push((input.as_str().to_string(), u, t)),
                    None => {
                        return Err(perr(format!(
                            "stage {:?}: plugin {} needs table {:?}, which no stage it depends on \
                             produces; add the producing stage to its depends_on",
                            s.name,
                            plugin.manifest.name.as_str(),
                            input.as_str()
                        )))
                    }
                }
            }
            // References must point at this stage's own tables or upstream tables.
            for &t in &tables {
                for c in &specs[t].columns {
                    if let Some((rt, rc)) = &c.references {
                        let ok = tables
                            .iter()
                            .chain(upstream.iter().flat_map(|&u| stages[u].tables.iter()))
                            .any(|&x| {
                                specs[x].name.eq_ignore_ascii_case(rt)
                                    && specs[x].column(rc).is_some()
                            });
                        if !ok {
                            return Err(perr(format!(
                                "stage {:?}: column {}.{} references {rt}.{rc}, which is not a \
                                 column of this stage or of a stage it depends on",
                                s.name, specs[t].name, c.name
                            )));
                        }
                    }
                }
            }
            stages.push(StagePlan {
                name: s.name.clone(),
                plugin,
                depends_on,
                upstream,
                config_hash: blake3::hash(s.config_json.as_bytes()).to_hex()[..16].to_string(),
                config_json: s.config_json.clone(),
                tables,
                inputs,
                renames: renames
                    .iter()
                    .map(|(a, b)| format!("{a}={b}"))
                    .collect::<Vec<_>>()
                    .join(","),
            });
        }
        Ok(Plan {
            pipeline,
            stages,
            specs,
        })
    }

    /// Stage fingerprints for a source file: plugin name and version, config, renames, the
    /// source hash, the version of the host's reading of the file into the document model
    /// ([`finloom_ingest::DOCUMENT_VERSION`]), and the fingerprints of the stages it depends
    /// on. Equal fingerprint ⇒ the stage would produce the same rows, so it can be skipped.
    pub fn fingerprints(&self, source_hash: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(self.stages.len());
        for s in &self.stages {
            let upstream: Vec<&str> = s.depends_on.iter().map(|&d| out[d].as_str()).collect();
            let f = stage_fingerprint(
                finloom_ingest::DOCUMENT_VERSION,
                [
                    s.plugin_name(),
                    s.plugin_version(),
                    s.config_json.as_str(),
                    s.renames.as_str(),
                    source_hash,
                ],
                &upstream,
            );
            out.push(f);
        }
        out
    }
}

/// One stage's fingerprint: the document model's version, the stage's own parts (plugin name
/// and version, config, renames, source hash) and its upstream stages' fingerprints.
fn stage_fingerprint(document_version: &str, parts: [&str; 5], upstream: &[&str]) -> String {
    let mut h = blake3::Hasher::new();
    for part in ["finloom-stage-fingerprint-1", document_version]
        .into_iter()
        .chain(parts)
    {
        h.update(part.as_bytes());
        h.update(&[0x1f]);
    }
    for u in upstream {
        h.update(u.as_bytes());
        h.update(&[0x1e]);
    }
    h.finalize().to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::stage_fingerprint;

    #[test]
    fn a_new_reading_of_the_files_changes_every_stage_fingerprint() {
        let parts = ["sections", "1.3.4", "{}", "", "abc123"];
        let a = stage_fingerprint("2", parts, &[]);
        assert_eq!(a, stage_fingerprint("2", parts, &[]), "deterministic");
        assert_ne!(a, stage_fingerprint("3", parts, &[]));
        // Each part counts, and so do the stages upstream.
        for i in 0..parts.len() {
            let mut p = parts;
            p[i] = "x";
            assert_ne!(a, stage_fingerprint("2", p, &[]), "part {i}");
        }
        assert_ne!(a, stage_fingerprint("2", parts, &["f00"]));
    }
}

impl Plan {
    /// One fingerprint for a file under the whole plan: every stage's fingerprint (plugins,
    /// config, the file's bytes) and the limits a filing can fail on (`max_filing_mb`,
    /// `filing_timeout_secs`, `worker_memory_mb`). A failure recorded with it is retried when
    /// any of them changes — a filing that timed out is retried once the limit is raised.
    pub fn plan_fingerprint(&self, stage_fingerprints: &[String]) -> String {
        let p = &self.pipeline;
        let mut h = blake3::Hasher::new();
        h.update(b"finloom-plan-fingerprint-2");
        for f in stage_fingerprints {
            h.update(f.as_bytes());
            h.update(&[0x1e]);
        }
        for limit in [p.max_filing_mb, p.filing_timeout_secs, p.worker_memory_mb] {
            h.update(&limit.to_le_bytes());
        }
        h.finalize().to_hex()[..32].to_string()
    }
}

impl Plan {
    /// `stage=plugin@version,…`, as the run ledger records it.
    pub fn plugin_list(&self) -> String {
        self.stages
            .iter()
            .map(|s| format!("{}={}@{}", s.name, s.plugin_name(), s.plugin_version()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The pipeline as a worker process must see it: every plugin given by the path this
    /// process loaded it from, so that a worker loads exactly the same libraries.
    pub fn worker_pipeline(&self) -> finloom_config::Pipeline {
        let mut p = self.pipeline.clone();
        for (s, plan) in p.stages.iter_mut().zip(&self.stages) {
            s.plugin = finloom_config::PluginRef::Path(plan.plugin.path.clone());
        }
        p
    }
}

/// Asks a stage's plugin whether it accepts the stage's config table, before any filing is
/// read: a misspelled key or a bad value stops the run here, naming the stage, the key and its
/// line, instead of failing every filing (or being silently ignored).
fn check_config(
    pipeline: &Pipeline,
    index: usize,
    stage: &finloom_config::Stage,
    plugin: &LoadedPlugin,
) -> Result<(), HostError> {
    let r = (plugin.module.check_config())(stage.config_json.as_str().into());
    let abi_stable::std_types::RResult::RErr(e) = r else {
        return Ok(());
    };
    let e = e.to_string();
    // `key`: message — the contract of `PluginMod::check_config`.
    let key = e
        .strip_prefix('`')
        .and_then(|r| r.split_once("`:"))
        .map(|(k, _)| k);
    let line = pipeline
        .config_line(index, key)
        .map(|l| format!(" (line {l})"))
        .unwrap_or_default();
    let (what, why) = match key {
        Some(k) => (
            format!("config key `{k}`{line}"),
            e[k.len() + 3..].trim_start().to_string(),
        ),
        None => (format!("config{line}"), e.clone()),
    };
    Err(HostError::Plan {
        path: pipeline.path.clone(),
        message: format!(
            "stage {:?} (plugin {} {}): {what}: {why}",
            stage.name,
            plugin.manifest.name.as_str(),
            plugin.manifest.version.as_str()
        ),
    })
}
