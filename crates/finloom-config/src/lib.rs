//! `pipeline.toml`: what a run does.
//!
//! The file is parsed with `deny_unknown_fields` everywhere and with value checks inside
//! serde (`deserialize_with`), so that every mistake — an unknown key, a wrong type, a bad
//! value — comes back from the `toml` crate with the line, column and the offending text.
//! A user who typos `wokers = 4` is told the line and the keys that are allowed, instead of
//! having the key silently ignored.
//!
//! Relative paths are resolved against the directory holding the pipeline file, never the
//! current directory, so `finloom run some/dir/pipeline.toml` works from anywhere.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(thiserror::Error, Debug)]
pub enum ConfigError {
    #[error("cannot read pipeline file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid pipeline file {path}:\n{message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid pipeline file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// What to do with a run's staging database after the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Retention {
    /// Remove staging after a run with no failures (kept whenever a filing failed).
    Drop,
    /// Always keep staging.
    Keep,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    pipeline: RawPipeline,
    #[serde(default, rename = "stage")]
    stages: Vec<RawStage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    #[serde(deserialize_with = "non_empty")]
    database: String,
    #[serde(deserialize_with = "non_empty")]
    source: String,
    #[serde(default = "default_workers", deserialize_with = "workers")]
    workers: usize,
    #[serde(default)]
    plugin_path: Vec<String>,
    #[serde(default = "default_retention")]
    staging: Retention,
    #[serde(default)]
    staging_dir: Option<String>,
    #[serde(default)]
    backup_dir: Option<String>,
    #[serde(default = "default_timeout", deserialize_with = "positive_u64")]
    filing_timeout_secs: u64,
    #[serde(default = "default_batch", deserialize_with = "positive_u64")]
    merge_batch: u64,
    #[serde(default = "default_max_filing_mb", deserialize_with = "positive_u64")]
    max_filing_mb: u64,
    #[serde(
        default = "default_worker_memory_mb",
        deserialize_with = "positive_u64"
    )]
    worker_memory_mb: u64,
    #[serde(default = "default_merge_memory_mb", deserialize_with = "positive_u64")]
    merge_memory_mb: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    #[serde(deserialize_with = "identifier")]
    name: String,
    #[serde(deserialize_with = "non_empty")]
    plugin: String,
    #[serde(default)]
    depends_on: Vec<String>,
    #[serde(default)]
    config: toml::Table,
    /// Rename output tables: `{ chunks = "chunks_v2" }`, so two versions of one plugin can
    /// run side by side into different tables.
    #[serde(default)]
    tables: toml::Table,
}

fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
fn default_retention() -> Retention {
    Retention::Drop
}
fn default_timeout() -> u64 {
    600
}
fn default_batch() -> u64 {
    64
}

/// A worker process whose resident memory grows past this is killed and its filing fails.
/// Real filings stay far below it (a 10-K's worker peaks around 200 MB); it is there for a
/// plugin that allocates without bound, before it takes the machine down.
fn default_worker_memory_mb() -> u64 {
    4096
}

/// DuckDB's memory limit for the merge (the `finloom run` process's cache of the production
/// file and what a hold has committed but not yet checkpointed). With two workers the whole
/// run (the run process and its workers, summed) then peaks under 1 GiB at 19,980 filings:
/// 0.87–0.93 GB, against 1.18–1.24 GB at 768 MB, the limit before, which ran 3–11 % faster
/// on it (`scripts/bench-many 740 2`, README). Raise it on a machine with memory to spare.
fn default_merge_memory_mb() -> u64 {
    384
}

/// Large enough for real primary documents and most full submissions (a 10-K's primary
/// document is rarely over 20 MB), small enough that one filing cannot eat the machine's memory
/// (a document is parsed whole, several times its size in memory).
fn default_max_filing_mb() -> u64 {
    150
}

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Err(serde::de::Error::custom("must not be empty"));
    }
    Ok(s)
}
fn workers<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n = i64::deserialize(d)?;
    if !(1..=256).contains(&n) {
        return Err(serde::de::Error::custom(format!(
            "workers must be between 1 and 256, got {n}"
        )));
    }
    Ok(n as usize)
}
fn positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = i64::deserialize(d)?;
    if n < 1 {
        return Err(serde::de::Error::custom(format!(
            "must be a positive whole number, got {n}"
        )));
    }
    Ok(n as u64)
}
fn identifier<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if !is_identifier(&s) {
        return Err(serde::de::Error::custom(format!(
            "{s:?} is not a plain identifier (letters, digits, underscore; not starting with a digit)"
        )));
    }
    Ok(s)
}

/// A plain SQL identifier: `[A-Za-z_][A-Za-z0-9_]*`, at most 63 characters.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 63
}

/// How a stage names its plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PluginRef {
    /// A path to a shared library (resolved against the pipeline file's folder).
    Path(PathBuf),
    /// `name@major`: looked up as `libfinloom_<name>_v<major>.so` on the search path.
    Named { name: String, major: u32 },
}

impl std::fmt::Display for PluginRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PluginRef::Path(p) => write!(f, "{}", p.display()),
            PluginRef::Named { name, major } => write!(f, "{name}@{major}"),
        }
    }
}

// Serialize/Deserialize: the run hands the pipeline, exactly as resolved (overrides applied),
// to its worker processes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub plugin: PluginRef,
    pub depends_on: Vec<String>,
    /// The stage's config table as JSON (keys sorted: serde_json's map is a BTreeMap).
    pub config: serde_json::Value,
    /// Canonical JSON of `config`; hashed into the stage fingerprint.
    pub config_json: String,
    /// Output-table renames, declared name → database name.
    pub table_renames: Vec<(String, String)>,
}

/// Whether a `database` setting names a PostgreSQL server (`postgresql://…` or
/// `postgres://…`) rather than a DuckDB file.
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pipeline {
    /// The pipeline file, absolute.
    pub path: PathBuf,
    /// The DuckDB file; for a PostgreSQL database, the URL as written (see `postgres`).
    pub database: PathBuf,
    /// `database = "postgresql://…"`: the PostgreSQL server that is the production store
    /// (`finloom-pg`); `None` for a DuckDB file.
    pub postgres: Option<String>,
    pub source: PathBuf,
    pub workers: usize,
    pub plugin_path: Vec<PathBuf>,
    pub staging: Retention,
    /// Where per-run staging databases go (default: `<database>.staging/` beside the database).
    pub staging_dir: PathBuf,
    pub backup_dir: PathBuf,
    pub filing_timeout_secs: u64,
    pub merge_batch: u64,
    /// Files larger than this (in MB, 10^6 bytes) fail with a reason instead of being read:
    /// a guard for memory, since a filing is parsed whole.
    pub max_filing_mb: u64,
    /// Resident memory limit of one worker process, in MB (10^6 bytes).
    pub worker_memory_mb: u64,
    /// DuckDB memory limit of the merge, in MB (DuckDB's MB: 10^6 bytes).
    pub merge_memory_mb: u64,
    pub stages: Vec<Stage>,
    /// blake3 of the file's bytes.
    pub config_hash: String,
}

impl Pipeline {
    /// The 1-based line of the pipeline file where stage `stage` (its index) sets config key
    /// `key`, or failing that where its `[stage.config]` table, or the stage itself, starts.
    /// `None` if the file cannot be read again. For error messages only.
    pub fn config_line(&self, stage: usize, key: Option<&str>) -> Option<usize> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        let starts: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("[[stage]]"))
            .map(|(i, _)| i)
            .collect();
        let from = *starts.get(stage)?;
        let to = starts.get(stage + 1).copied().unwrap_or(lines.len());
        let block = &lines[from..to];
        let config = block
            .iter()
            .position(|l| l.trim_start().starts_with("[stage.config]"));
        if let (Some(key), Some(c)) = (key, config) {
            let sets = |l: &str| {
                let l = l.trim_start();
                let l = l.strip_prefix('"').unwrap_or(l);
                l.strip_prefix(key).is_some_and(|rest| {
                    let rest = rest.strip_prefix('"').unwrap_or(rest);
                    rest.trim_start().starts_with('=')
                })
            };
            if let Some(k) = block[c..].iter().position(|l| sets(l)) {
                return Some(from + c + k + 1);
            }
        }
        Some(from + config.unwrap_or(0) + 1)
    }

    pub fn load(path: &Path) -> Result<Pipeline, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Pipeline, ConfigError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let resolve = |p: &str| -> PathBuf {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        };
        let invalid = |message: String| ConfigError::Invalid {
            path: path.clone(),
            message,
        };
        let line_of = |needle: &str| -> String {
            text.lines()
                .position(|l| l.contains(needle))
                .map(|i| format!(" (line {})", i + 1))
                .unwrap_or_default()
        };

        let mut stages = Vec::new();
        let mut seen = BTreeSet::new();
        if raw.stages.is_empty() {
            return Err(invalid(
                "no [[stage]] tables: a pipeline needs at least one stage".into(),
            ));
        }
        for s in raw.stages {
            if !seen.insert(s.name.clone()) {
                return Err(invalid(format!(
                    "stage name {:?} is used twice{}",
                    s.name,
                    line_of(&format!("\"{}\"", s.name))
                )));
            }
            for d in &s.depends_on {
                if !seen.contains(d) || d == &s.name {
                    return Err(invalid(format!(
                        "stage {:?}: depends_on names {:?}, which is not a stage defined before it{}",
                        s.name,
                        d,
                        line_of("depends_on")
                    )));
                }
            }
            let plugin = parse_plugin_ref(&s.plugin, &resolve).map_err(|m| {
                invalid(format!(
                    "stage {:?}: key `plugin`{}: {m}",
                    s.name,
                    line_of(&s.plugin)
                ))
            })?;
            let config = serde_json::to_value(&s.config)
                .map_err(|e| invalid(format!("stage {:?}: config: {e}", s.name)))?;
            let config_json = serde_json::to_string(&config).expect("json of json");
            let mut table_renames = Vec::new();
            for (from, to) in &s.tables {
                let to = to.as_str().ok_or_else(|| {
                    invalid(format!(
                        "stage {:?}: key `tables.{from}`{} must be a string table name",
                        s.name,
                        line_of(from)
                    ))
                })?;
                if !is_identifier(to) {
                    return Err(invalid(format!(
                        "stage {:?}: key `tables.{from}`{}: {to:?} is not a plain identifier",
                        s.name,
                        line_of(from)
                    )));
                }
                table_renames.push((from.clone(), to.to_string()));
            }
            stages.push(Stage {
                name: s.name,
                plugin,
                depends_on: s.depends_on,
                config,
                config_json,
                table_renames,
            });
        }

        // A PostgreSQL URL is not a path: staging and backups then default to folders
        // beside the pipeline file (each machine stages into its own local folder).
        let postgres =
            is_postgres_url(&raw.pipeline.database).then(|| raw.pipeline.database.clone());
        let database = if postgres.is_some() {
            PathBuf::from(&raw.pipeline.database)
        } else {
            resolve(&raw.pipeline.database)
        };
        let staging_dir = match &raw.pipeline.staging_dir {
            Some(d) => resolve(d),
            None if postgres.is_some() => base.join("finloom.staging"),
            None => {
                let mut name = database
                    .file_name()
                    .map(|n| n.to_os_string())
                    .unwrap_or_default();
                name.push(".staging");
                database.with_file_name(name)
            }
        };
        let backup_dir = match &raw.pipeline.backup_dir {
            Some(d) => resolve(d),
            None if postgres.is_some() => base.join("backups"),
            None => database
                .parent()
                .map(|p| p.join("backups"))
                .unwrap_or_else(|| PathBuf::from("backups")),
        };
        Ok(Pipeline {
            config_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
            database,
            postgres,
            source: resolve(&raw.pipeline.source),
            workers: raw.pipeline.workers,
            plugin_path: raw
                .pipeline
                .plugin_path
                .iter()
                .map(|p| resolve(p))
                .collect(),
            staging: raw.pipeline.staging,
            staging_dir,
            backup_dir,
            filing_timeout_secs: raw.pipeline.filing_timeout_secs,
            merge_batch: raw.pipeline.merge_batch,
            max_filing_mb: raw.pipeline.max_filing_mb,
            worker_memory_mb: raw.pipeline.worker_memory_mb,
            merge_memory_mb: raw.pipeline.merge_memory_mb,
            stages,
            path,
        })
    }
}

fn parse_plugin_ref(s: &str, resolve: &dyn Fn(&str) -> PathBuf) -> Result<PluginRef, String> {
    let looks_like_path = s.contains('/')
        || s.contains('\\')
        || s.ends_with(".so")
        || s.ends_with(".dylib")
        || s.ends_with(".dll");
    if looks_like_path {
        return Ok(PluginRef::Path(resolve(s)));
    }
    let (name, major) = s.split_once('@').ok_or_else(|| {
        format!("{s:?} is neither a path to a plugin library nor `name@major` (e.g. \"chunker@1\")")
    })?;
    if !is_identifier(name) {
        return Err(format!("plugin name {name:?} is not a plain identifier"));
    }
    let major: u32 = major.parse().map_err(|_| {
        format!("{s:?}: the part after @ must be a major version number, e.g. \"chunker@2\"")
    })?;
    Ok(PluginRef::Named {
        name: name.to_string(),
        major,
    })
}

/// The file name a named plugin is looked up as on this platform.
pub fn plugin_file_name(name: &str, major: u32) -> String {
    format!(
        "{}finloom_{name}_v{major}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[pipeline]
database = "out/db.duckdb"
source = "filings"
workers = 2

[[stage]]
name = "sections"
plugin = "sections@1"

[[stage]]
name = "chunks"
plugin = "chunker@1"
depends_on = ["sections"]
[stage.config]
max_tokens = 256
"#;

    fn parse(t: &str) -> Result<Pipeline, ConfigError> {
        Pipeline::parse(Path::new("/x/pipeline.toml"), t)
    }

    #[test]
    fn good_file_resolves_paths_against_its_folder() {
        let p = parse(GOOD).unwrap();
        assert_eq!(p.database, PathBuf::from("/x/out/db.duckdb"));
        assert_eq!(p.source, PathBuf::from("/x/filings"));
        assert_eq!(p.staging_dir, PathBuf::from("/x/out/db.duckdb.staging"));
        assert_eq!(p.stages.len(), 2);
        assert_eq!(
            p.stages[1].plugin,
            PluginRef::Named {
                name: "chunker".into(),
                major: 1
            }
        );
        assert_eq!(p.stages[1].config_json, r#"{"max_tokens":256}"#);
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let bad = GOOD.replace("workers = 2", "wokers = 2");
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("wokers"), "{e}");
        assert!(e.contains("line 5"), "{e}");
    }

    #[test]
    fn bad_value_names_line() {
        let bad = GOOD.replace("workers = 2", "workers = 0");
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("workers must be between 1 and 256"), "{e}");
        assert!(e.contains("line 5"), "{e}");
        let bad = GOOD.replace("workers = 2", "workers = \"two\"");
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("line 5"), "{e}");
    }

    #[test]
    fn merge_memory_defaults_to_384_mb_and_must_be_positive() {
        assert_eq!(parse(GOOD).unwrap().merge_memory_mb, 384);
        let p = parse(&GOOD.replace("workers = 2", "workers = 2\nmerge_memory_mb = 1024")).unwrap();
        assert_eq!(p.merge_memory_mb, 1024);
        let e = parse(&GOOD.replace("workers = 2", "workers = 2\nmerge_memory_mb = 0"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be a positive whole number"), "{e}");
        assert!(e.contains("merge_memory_mb"), "{e}");
        assert!(e.contains("line 6"), "{e}");
    }

    #[test]
    fn bad_plugin_ref_and_dependency() {
        let e = parse(&GOOD.replace("chunker@1", "chunker@two"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("plugin") && e.contains("line 13"), "{e}");
        let e = parse(&GOOD.replace("depends_on = [\"sections\"]", "depends_on = [\"tables\"]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"tables\"") && e.contains("line 14"), "{e}");
    }

    #[test]
    fn stage_name_must_be_identifier() {
        let e = parse(&GOOD.replace("name = \"chunks\"", "name = \"x; DROP\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("plain identifier") && e.contains("line 12"),
            "{e}"
        );
    }
}
