//! `wordstats`: a new table of its own — per filing, the number of blocks, tables and words,
//! and the longest paragraph. Exists to prove that the host runs plugins it was not built with.

use finloom_plugin_api::{
    col, export_plugin, BlockKind, ColumnType as T, Document, FilingMeta, Manifest, Plugin,
    TableDecl, TableRows, Value,
};

pub struct WordStats;

impl Plugin for WordStats {
    fn manifest() -> Manifest {
        Manifest {
            name: "wordstats".into(),
            version: "1.0.0".into(),
            interface_version: finloom_plugin_api::INTERFACE_VERSION,
            stage: "wordstats".into(),
            inputs: Default::default(),
            outputs: vec![TableDecl {
                name: "word_stats".into(),
                columns: vec![
                    col("accession_number", T::Text, false),
                    col("form_type", T::Text, true),
                    col("blocks", T::BigInt, false),
                    col("tables", T::BigInt, false),
                    col("words", T::BigInt, false),
                    col("longest_paragraph_words", T::BigInt, false),
                ]
                .into(),
                key: vec!["accession_number".into()].into(),
            }]
            .into(),
        }
    }

    fn extract(
        filing: &FilingMeta,
        doc: &Document,
        _: &[TableRows],
        _: &str,
    ) -> Result<Vec<TableRows>, String> {
        let words = doc.text.split_whitespace().count();
        let longest = doc
            .blocks
            .iter()
            .filter(|b| b.kind != BlockKind::Table)
            .map(|b| doc.block_text(b).split_whitespace().count())
            .max()
            .unwrap_or(0);
        let mut t = TableRows::new(
            "word_stats",
            &[
                "accession_number",
                "form_type",
                "blocks",
                "tables",
                "words",
                "longest_paragraph_words",
            ],
        );
        t.push(vec![
            Value::from(filing.accession_number.as_str()),
            Value::from(filing.form_type.as_str()),
            Value::from(doc.blocks.len()),
            Value::from(doc.tables.len()),
            Value::from(words),
            Value::from(longest),
        ]);
        Ok(vec![t])
    }
}

export_plugin!(WordStats);
