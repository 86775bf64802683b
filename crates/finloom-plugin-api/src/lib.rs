//! The finloom plugin interface.
//!
//! Everything that crosses the boundary between the `finloom` host and an extractor plugin
//! (a `cdylib` loaded at run time) is defined here, with `abi_stable` layouts so that a host
//! and a plugin built separately — even by different compiler versions — agree on it, and
//! so that a plugin built against an incompatible interface is refused at load time instead
//! of crashing.
//!
//! The contract, in short (the full text is `docs/plugin-contract.md`):
//!
//! * A plugin exports one root module, [`PluginMod`], with three functions: `manifest`, which
//!   describes the plugin (name, version, interface version, stage, input tables, output
//!   tables with typed columns), `check_config`, which the host calls once per stage before
//!   any filing is read, and `extract`, which turns one filing into rows.
//! * The host parses every document once into a [`Document`] (blocks in reading order with
//!   style hints, tables with cells, one normalised text) and hands the same model to every
//!   plugin, along with the raw document, the rows of the upstream tables the plugin asked for,
//!   and the plugin's own config table from `pipeline.toml` as JSON.
//! * A plugin must never unwind across the boundary: [`export_plugin!`] wraps `extract` in
//!   `catch_unwind` and turns a panic into an error for that one filing.

use abi_stable::{
    declare_root_module_statics,
    library::RootModule,
    package_version_strings,
    sabi_types::VersionStrings,
    std_types::{RResult, RSlice, RStr, RString, RVec},
    StableAbi,
};

pub mod model;
pub mod schema;
pub mod util;

pub use model::*;

/// The interface version this crate defines. Bumped (together with the crate's major
/// version) on any change to the types in this crate.
///
/// 2: `check_config` (the stage's config is checked when the pipeline is planned).
pub const INTERFACE_VERSION: u32 = 2;

/// Column types a plugin may declare. They map to DuckDB types as documented in
/// `docs/schema.md`: Text → VARCHAR, BigInt → BIGINT, Double → DOUBLE, Boolean → BOOLEAN,
/// Date → DATE (values given as `Value::Text("YYYY-MM-DD")`).
#[repr(u8)]
#[derive(StableAbi, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    Text,
    BigInt,
    Double,
    Boolean,
    Date,
}

impl ColumnType {
    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Text => "VARCHAR",
            ColumnType::BigInt => "BIGINT",
            ColumnType::Double => "DOUBLE",
            ColumnType::Boolean => "BOOLEAN",
            ColumnType::Date => "DATE",
        }
    }
}

/// One declared output column.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct ColumnDecl {
    pub name: RString,
    pub ty: ColumnType,
    /// Whether NULL is allowed. Non-nullable columns are checked before merge.
    pub nullable: bool,
    /// `"<table>.<column>"` when every non-null value must name an existing row of that table
    /// for the same filing (checked before merge), else empty.
    pub references: RString,
}

/// One declared output table. Every table must have an `accession_number` column: the merge
/// replaces a filing's rows by deleting on it.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct TableDecl {
    pub name: RString,
    pub columns: RVec<ColumnDecl>,
    /// Columns that identify a row; must be unique within a filing (checked before merge)
    /// and are the table's de-duplication key.
    pub key: RVec<RString>,
}

/// What a plugin says about itself.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct Manifest {
    /// Plugin name, e.g. `chunker`. Plain identifier.
    pub name: RString,
    /// Plugin version, `MAJOR.MINOR.PATCH`. Part of every stage fingerprint.
    pub version: RString,
    /// The [`INTERFACE_VERSION`] the plugin was built against.
    pub interface_version: u32,
    /// The kind of stage it implements (`sections`, `tables`, `footnotes`, `chunks`, …).
    pub stage: RString,
    /// Tables produced by other stages whose rows this plugin needs for each filing.
    pub inputs: RVec<RString>,
    /// The tables it writes.
    pub outputs: RVec<TableDecl>,
}

/// A cell value. `Text` is also used for `Date` columns (`YYYY-MM-DD`).
#[repr(u8)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(RString),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s.into())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(v as i64)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }
}

/// Rows for one table: column names in order, then the rows.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Default)]
pub struct TableRows {
    pub table: RString,
    pub columns: RVec<RString>,
    pub rows: RVec<RVec<Value>>,
}

impl TableRows {
    pub fn new(table: &str, columns: &[&str]) -> Self {
        TableRows {
            table: table.into(),
            columns: columns.iter().map(|c| RString::from(*c)).collect(),
            rows: RVec::new(),
        }
    }
    pub fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row.into());
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.as_str() == name)
    }
    /// The value of `column` in `row`, or `Null` if the column is absent.
    pub fn get<'a>(&'a self, row: &'a [Value], column: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.column_index(column)
            .and_then(|i| row.get(i))
            .unwrap_or(&NULL)
    }
}

/// Metadata of the filing being extracted, as ingest found it.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Default)]
pub struct FilingMeta {
    pub accession_number: RString,
    pub cik: RString,
    pub company_name: RString,
    /// e.g. `10-K`, `10-K405`, `10-Q`, `8-K`.
    pub form_type: RString,
    /// `YYYY-MM-DD` or empty.
    pub filed_date: RString,
    /// `YYYY-MM-DD` or empty.
    pub period_of_report: RString,
    pub source_path: RString,
}

/// The root module every plugin exports.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
#[sabi(missing_field(panic))]
pub struct PluginMod {
    /// Describes the plugin. Must not fail.
    pub manifest: extern "C" fn() -> Manifest,
    /// Checks the stage's config table (JSON, `{}` when the stage has none) once, before any
    /// filing is read. An error about one key starts with that key in backquotes and a
    /// colon (`` `max_tokens`: must be at least 16 ``), so that the host can point at its
    /// line in `pipeline.toml`.
    pub check_config: extern "C" fn(RStr<'_>) -> RResult<(), RString>,
    /// Extracts one filing: metadata, the parsed document, the rows of the requested input
    /// tables (for this filing only), and the stage's config table as JSON.
    #[sabi(last_prefix_field)]
    pub extract: extern "C" fn(
        &FilingMeta,
        &Document,
        RSlice<'_, TableRows>,
        RStr<'_>,
    ) -> RResult<RVec<TableRows>, RString>,
}

impl RootModule for PluginModRef {
    declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "finloom_plugin";
    const NAME: &'static str = "finloom_plugin";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// The safe side of a plugin: implement this and call [`export_plugin!`].
pub trait Plugin {
    fn manifest() -> Manifest;
    /// Checks the stage's config table (JSON) before any filing is read; see
    /// [`PluginMod::check_config`] for the error format. The default accepts no config at all:
    /// a plugin that reads config must check it here (`finloom_plugin_kit::config::parse`
    /// does it for a serde struct with `deny_unknown_fields`).
    fn check_config(config_json: &str) -> Result<(), String> {
        no_config(config_json)
    }
    fn extract(
        filing: &FilingMeta,
        doc: &Document,
        inputs: &[TableRows],
        config_json: &str,
    ) -> Result<Vec<TableRows>, String>;
}

/// The check for a plugin that takes no config: only an empty table passes.
pub fn no_config(config_json: &str) -> Result<(), String> {
    let t = config_json.trim();
    if t.is_empty() || t == "{}" {
        Ok(())
    } else {
        Err("this plugin takes no configuration: remove the stage's [stage.config] table".into())
    }
}

/// Runs `f`, turning a panic into an `Err` with the panic message, so that it never unwinds
/// across the FFI boundary (which would abort the host).
pub fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "non-string panic payload".to_string()
            };
            Err(format!("plugin panicked: {msg}"))
        }
    }
}

/// Exports a type implementing [`Plugin`] as this library's root module.
///
/// The plugin crate must be a `cdylib` and depend on `abi_stable` directly (the attribute
/// macro names it).
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        extern "C" fn __finloom_manifest() -> $crate::Manifest {
            // A manifest is static data; if building it panics, report an empty one rather
            // than unwind: the host then refuses the plugin with a clear message.
            match $crate::guard(|| Ok(<$plugin as $crate::Plugin>::manifest())) {
                Ok(m) => m,
                Err(_) => $crate::Manifest {
                    name: "".into(),
                    version: "".into(),
                    interface_version: 0,
                    stage: "".into(),
                    inputs: Default::default(),
                    outputs: Default::default(),
                },
            }
        }
        extern "C" fn __finloom_extract(
            filing: &$crate::FilingMeta,
            doc: &$crate::Document,
            inputs: ::abi_stable::std_types::RSlice<'_, $crate::TableRows>,
            config: ::abi_stable::std_types::RStr<'_>,
        ) -> ::abi_stable::std_types::RResult<
            ::abi_stable::std_types::RVec<$crate::TableRows>,
            ::abi_stable::std_types::RString,
        > {
            match $crate::guard(|| {
                <$plugin as $crate::Plugin>::extract(
                    filing,
                    doc,
                    inputs.as_slice(),
                    config.as_str(),
                )
            }) {
                Ok(v) => ::abi_stable::std_types::RResult::ROk(v.into_iter().collect()),
                Err(e) => ::abi_stable::std_types::RResult::RErr(e.into()),
            }
        }
        extern "C" fn __finloom_check_config(
            config: ::abi_stable::std_types::RStr<'_>,
        ) -> ::abi_stable::std_types::RResult<(), ::abi_stable::std_types::RString> {
            match $crate::guard(|| <$plugin as $crate::Plugin>::check_config(config.as_str())) {
                Ok(()) => ::abi_stable::std_types::RResult::ROk(()),
                Err(e) => ::abi_stable::std_types::RResult::RErr(e.into()),
            }
        }
        #[::abi_stable::export_root_module]
        pub fn __finloom_root_module() -> $crate::PluginModRef {
            use ::abi_stable::prefix_type::PrefixTypeTrait;
            $crate::PluginMod {
                manifest: __finloom_manifest,
                check_config: __finloom_check_config,
                extract: __finloom_extract,
            }
            .leak_into_prefix()
        }
    };
}

/// Convenience for declaring columns.
pub fn col(name: &str, ty: ColumnType, nullable: bool) -> ColumnDecl {
    ColumnDecl {
        name: name.into(),
        ty,
        nullable,
        references: RString::new(),
    }
}

/// A column whose values reference `table.column` of the same filing.
pub fn col_ref(name: &str, ty: ColumnType, nullable: bool, references: &str) -> ColumnDecl {
    ColumnDecl {
        name: name.into(),
        ty,
        nullable,
        references: references.into(),
    }
}
