//! A plugin that says it was built against interface version 0, to prove the host refuses
//! a plugin built against another interface version (naming both versions).

use finloom_plugin_api::{
    col, export_plugin, ColumnType as T, Document, FilingMeta, Manifest, Plugin, TableDecl,
    TableRows,
};

pub struct Old;

impl Plugin for Old {
    fn manifest() -> Manifest {
        Manifest {
            name: "old".into(),
            version: "0.9.0".into(),
            interface_version: 0,
            stage: "old".into(),
            inputs: Default::default(),
            outputs: vec![TableDecl {
                name: "old_rows".into(),
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

export_plugin!(Old);
