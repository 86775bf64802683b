//! Fuzz target body: the tables plugin's parsers — grid cleaning (spans, header block,
//! anchors, `$`/`%` gluing), cell numbers, and column-aligned plain-text tables — on
//! documents built from arbitrary input.

pub fn run(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let doc = finloom_ingest::parse_html(&s);
    for t in doc.tables.iter() {
        let clean = finloom_tables_v1::grid::clean_table(t, 1000);
        assert!(clean
            .cells
            .iter()
            .all(|c| c.row < clean.n_rows.max(1) && c.col < clean.n_cols.max(1)));
        for c in &clean.cells {
            let _ = finloom_tables_v1::number::parse_cell_number(&c.text);
        }
    }
    for line in s.lines().take(200) {
        let n = finloom_tables_v1::number::parse_cell_number(line);
        if let Some(v) = n.value {
            assert!(!v.is_nan(), "NaN from {line:?}");
        }
    }
    for pt in finloom_tables_v1::pre::find_tables(&s, 0) {
        assert!(pt.start <= pt.end && pt.end <= s.len());
        let _ = finloom_tables_v1::grid::clean_table(&pt.table, 1000);
    }
}
