//! Fuzz target body: the document model builders (`parse_html`, `parse_text`) on arbitrary
//! text, and the invariants every plugin relies on: block offsets inside the text and on
//! character boundaries, in order; table blocks pointing at real tables and back.

use finloom_plugin_api::Document;

pub fn run(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    check(&finloom_ingest::parse_html(&s));
    check(&finloom_ingest::parse_text(&s));
}

pub fn check(d: &Document) {
    let text = d.text.as_str();
    let mut last = 0u32;
    for (i, b) in d.blocks.iter().enumerate() {
        assert!(b.start <= b.end, "block {i}: start after end");
        assert!(b.end as usize <= text.len(), "block {i}: end past the text");
        assert!(
            text.is_char_boundary(b.start as usize),
            "block {i}: start inside a char"
        );
        assert!(
            text.is_char_boundary(b.end as usize),
            "block {i}: end inside a char"
        );
        assert!(b.start >= last, "block {i}: out of order");
        last = b.start;
        if b.table >= 0 {
            let t = &d.tables[b.table as usize];
            assert_eq!(t.block as usize, i, "table {} points elsewhere", b.table);
        }
    }
    for (ti, t) in d.tables.iter().enumerate() {
        assert!((t.block as usize) < d.blocks.len(), "table {ti}: no block");
    }
}
