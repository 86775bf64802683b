//! A plugin that declares a table name that is not a plain identifier; the host must refuse
//! it before the name gets anywhere near SQL.

use finloom_plugin_api::{
    col, export_plugin, ColumnType as T, Document, FilingMeta, Manifest, Plugin, TableDecl,
    TableRows,
};

pub struct BadTable;

impl Plugin for BadTable {
    fn manifest() -> Manifest {
        Manifest {
            name: "badtable".into(),
            version: "1.0.0".into(),
            interface_version: finloom_plugin_api::INTERFACE_VERSION,
            stage: "bad".into(),
            inputs: Default::default(),
            outputs: vec![TableDecl {
                name: "x; DROP TABLE filings".into(),
                columns: vec![col("accession_number", T::Text, false)].into(),
                key: vec!["accession_number".into()].into(),
            }]
            .into(),
        }
    }
    fn extract(
        _: &FilingMeta,
        _: &Document,
        _: &[TableRows],
        _: &str,
    ) -> Result<Vec<TableRows>, String> {
        Ok(vec![])
    }
}

export_plugin!(BadTable);
