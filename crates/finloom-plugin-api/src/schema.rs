//! Declaring a table once: [`TableSchema`] yields both the declaration the host reads
//! ([`TableSchema::decl`], for the manifest) and the rows the plugin returns
//! ([`TableSchema::rows`]), so that the two cannot drift apart.
//!
//! ```
//! use finloom_plugin_api::schema::{ColumnSpec as C, TableSchema};
//! use finloom_plugin_api::Value;
//!
//! const STATS: TableSchema<3> = TableSchema::new(
//!     "word_stats",
//!     [C::text("accession_number"), C::text("form_type").nullable(), C::bigint("words")],
//!     &["accession_number"],
//! );
//!
//! let mut rows = STATS.rows();
//! // One value per column, in declaration order: a missing or extra value does not compile;
//! // a value of the wrong type (or NULL in a non-nullable column) is an error naming the column.
//! rows.push(["0000000000-24-000001".into(), Value::Null, 1234usize.into()]).unwrap();
//! assert!(rows.push([Value::Null, Value::Null, 1usize.into()]).is_err());
//! let table = rows.finish();
//! assert_eq!(table.rows.len(), 1);
//! assert_eq!(STATS.decl().columns.len(), 3);
//! ```

use crate::{ColumnDecl, ColumnType, TableDecl, TableRows, Value};
use abi_stable::std_types::{RString, RVec};

/// One column: name, type, nullability and, optionally, the `table.column` its values name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    /// `"table.column"` or empty.
    pub references: &'static str,
}

impl ColumnSpec {
    pub const fn new(name: &'static str, ty: ColumnType) -> Self {
        ColumnSpec {
            name,
            ty,
            nullable: false,
            references: "",
        }
    }
    pub const fn text(name: &'static str) -> Self {
        Self::new(name, ColumnType::Text)
    }
    pub const fn bigint(name: &'static str) -> Self {
        Self::new(name, ColumnType::BigInt)
    }
    pub const fn double(name: &'static str) -> Self {
        Self::new(name, ColumnType::Double)
    }
    pub const fn boolean(name: &'static str) -> Self {
        Self::new(name, ColumnType::Boolean)
    }
    /// Values given as `Value::Text("YYYY-MM-DD")`.
    pub const fn date(name: &'static str) -> Self {
        Self::new(name, ColumnType::Date)
    }
    /// NULL allowed.
    pub const fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }
    /// Every non-null value names a row of `target` (`"table.column"`) of the same filing.
    pub const fn references(mut self, target: &'static str) -> Self {
        self.references = target;
        self
    }

    pub fn decl(&self) -> ColumnDecl {
        ColumnDecl {
            name: self.name.into(),
            ty: self.ty,
            nullable: self.nullable,
            references: self.references.into(),
        }
    }

    /// Whether `v` may be stored in this column (the host checks the same before merge).
    pub fn fits(&self, v: &Value) -> bool {
        match (v, self.ty) {
            (Value::Null, _) => self.nullable,
            (Value::Text(_), ColumnType::Text | ColumnType::Date) => true,
            (Value::Int(_), ColumnType::BigInt | ColumnType::Double) => true,
            (Value::Float(f), ColumnType::Double) => f.is_finite(),
            (Value::Bool(_), ColumnType::Boolean) => true,
            _ => false,
        }
    }
}

/// A table of `N` columns, declared once.
#[derive(Clone, Copy, Debug)]
pub struct TableSchema<const N: usize> {
    pub name: &'static str,
    pub columns: [ColumnSpec; N],
    /// The columns that identify a row within a filing.
    pub key: &'static [&'static str],
}

impl<const N: usize> TableSchema<N> {
    pub const fn new(
        name: &'static str,
        columns: [ColumnSpec; N],
        key: &'static [&'static str],
    ) -> Self {
        TableSchema { name, columns, key }
    }

    /// The declaration for the plugin's manifest.
    pub fn decl(&self) -> TableDecl {
        TableDecl {
            name: self.name.into(),
            columns: self.columns.iter().map(ColumnSpec::decl).collect(),
            key: self.key.iter().map(|&k| RString::from(k)).collect(),
        }
    }

    pub fn column_names(&self) -> [&'static str; N] {
        self.columns.map(|c| c.name)
    }

    /// An empty set of rows for this table.
    pub fn rows(&self) -> Rows<'_, N> {
        Rows {
            schema: self,
            out: TableRows::new(self.name, &self.column_names()),
        }
    }
}

/// Rows of one [`TableSchema`], built one checked row at a time.
pub struct Rows<'a, const N: usize> {
    schema: &'a TableSchema<N>,
    out: TableRows,
}

impl<const N: usize> Rows<'_, N> {
    /// Appends a row: one value per column, in declaration order (the count is checked when
    /// the plugin compiles). A value that does not fit its column is an error naming it.
    pub fn push(&mut self, row: [Value; N]) -> Result<(), String> {
        for (v, c) in row.iter().zip(&self.schema.columns) {
            if !c.fits(v) {
                return Err(format!(
                    "table {}: column {} ({:?}{}) cannot hold {v:?}",
                    self.schema.name,
                    c.name,
                    c.ty,
                    if c.nullable { ", nullable" } else { "" }
                ));
            }
        }
        self.out.rows.push(row.into_iter().collect::<RVec<Value>>());
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.out.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.rows.is_empty()
    }

    /// The rows, for `extract` to return.
    pub fn finish(self) -> TableRows {
        self.out
    }
}
