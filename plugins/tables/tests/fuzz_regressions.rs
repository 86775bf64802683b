//! Replays the table-parser fuzz target's saved inputs (`fuzz/regressions/table_parser/*`)
//! and hostile tables through exactly the code the fuzzer runs (`fuzz/targets/table_parser.rs`).

#[path = "../../../tests/support/paths.rs"]
mod paths;
use paths::manifest_dir;

#[path = "../../../fuzz/targets/table_parser.rs"]
mod table_parser;

#[test]
fn table_parser_target_replays_regressions_and_hostile_tables() {
    let mut inputs =
        paths::saved_inputs(&manifest_dir().join("../../fuzz/regressions/table_parser"));
    let hostile: Vec<(&str, &[u8])> = vec![
        ("huge spans", b"<table><tr><td colspan=\"376967340\">Revenue</td><td rowspan=\"4294967296\">$</td><td>(1,234)</td></tr></table>"),
        ("negative and zero spans", b"<table><tr><td colspan=\"-3\">a</td><td colspan=\"0\" rowspan=\"0\">1</td></tr><tr><td colspan=\"x\">2</td></tr></table>"),
        ("only symbols", b"<table><tr><td>$</td><td>%</td><td>)</td><td>(</td><td>-</td><td>\xe2\x80\x94</td></tr></table>"),
        ("absurd numbers", b"<table><tr><td>1e999</td><td>(9,999,999,999,999,999,999,999,999,999)</td><td>.</td><td>,,,</td><td>\xe2\x88\x92</td></tr></table>"),
        ("empty table", b"<table></table><table><tr></tr></table>"),
        ("pre table", b"<pre>\n                      1997        1996\n Net sales        $ 7,081     $ 9,833\n Net loss          (1,045)       (816)\n ------- ---\n</pre>"),
    ];
    for (name, data) in hostile {
        inputs.push((name.to_string(), data.to_vec()));
    }
    for (name, data) in &inputs {
        let r = std::panic::catch_unwind(|| table_parser::run(data));
        assert!(r.is_ok(), "table_parser target failed on {name}");
    }
    assert!(inputs.len() >= 6);
}
