//! `finloom eval sections`: the `sections` table against three peer tools.
//!
//! The evidence is `expected/sections.jsonl`, one line per (filing, item, source) with the
//! fields `file, accession, form, item, source, text, size_hint` (see the corpus README):
//!
//! * **edgar-crawler** (8-K): which items a filing has, and each item's text (starting with
//!   its heading line);
//! * **secapi** (10-K, also some 10-Q): which items a filing has, and each item's size in HTML
//!   characters (`size_hint`, no text);
//! * **sec-parser** (10-Q, hand-reviewed): the Part/Item sequence and each item's text.
//!
//! Database rows are matched to the evidence by accession number. Filings of the evidence that
//! are not in the database at all are listed and left out (the database was built from other
//! filings); a filing that is in the database but has no `sections` rows counts as finding
//! nothing.
//!
//! Figures (targets in brackets):
//! * item-set precision / recall / F1 per filing and overall (micro-averaged) per source
//!   [F1 ≥ 0.98 for each source];
//! * edgar-crawler: share of matched items whose word-level Jaccard similarity to the peer
//!   text is ≥ 0.9 [≥ 95 %];
//! * sec-parser: the same share [≥ 80 %], and whether the Part/Item sequence is the same;
//! * secapi 10-K: Spearman rank correlation between our item sizes and `size_hint`, per
//!   filing, mean over filings [≥ 0.90] (10-Q filings are shown for information).
//!
//! How texts are made comparable (the peers print things we store elsewhere):
//! * **Heading.** Peer texts start with the heading line; our `text` excludes it and `title`
//!   holds the heading as printed. We compare `title + text` with the peer text, so both sides
//!   carry the heading once.
//! * **Tables.** Our text shows every table in place as `[TABLE <id>]`, its rows (cells
//!   joined by ` | `) and `[/TABLE]`; the whole block is treated as one placeholder. Dropping all placeholders
//!   would punish us for the tables a peer keeps, expanding all of them for the tables a peer
//!   removes, so each placeholder is expanded to the table's cell text (read from the filing
//!   itself, `filings.source_path`, with `finloom_ingest::read_filing`) exactly when the peer
//!   keeps such a table, and dropped otherwise:
//!   - edgar-crawler removes only tables with a coloured background from HTML: exhibit
//!     lists, bullet lists laid out as tables and footnote tables stay in its text, so every
//!     table is expanded. (The few background-coloured financial tables it drops then count
//!     against us; that is the conservative side.) From plain-text filings it removes the
//!     SGML `<TABLE>` … `</TABLE>` blocks, which our text keeps as lines (a text filing has
//!     no table blocks): those lines, found in the raw document, are left out of our side.
//!   - sec-parser turns tables of more than one row into `TableElement`s, which the
//!     normalised text leaves out; one-row tables (footnotes, bullets) stay text. So tables
//!     with at most one non-empty row are expanded, the others dropped.
//!   - For sizes (secapi counts the HTML of the whole item, tables included) every table is
//!     expanded.
//! * **Signatures.** The signature block after the last item belongs to no item; our
//!   sections stop at `SIGNATURES`, while sec-parser (and sometimes edgar-crawler) runs the
//!   last item on into it. Peer text from a line that is just `SIGNATURE`/`SIGNATURES` on is
//!   cut before comparing, and each item where that happened is listed in the report with
//!   this reason (the plugin's fixture tests pin the two corpus filings where it happens).
//! * **secapi item lists** never contain 10-K Items 1C, 9C and 16, and leave out items it
//!   found empty: our rows for those (and our rows with no words at all) are not counted as
//!   false positives when secapi does not list them; they are listed as "not counted".

use crate::{jaccard, prf1, spearman, EvalError, Report, Result};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Item-set F1 every source must reach.
pub const TARGET_F1: f64 = 0.98;
/// Share of matched edgar-crawler 8-K items with Jaccard ≥ [`JACCARD_MIN`].
pub const TARGET_EDGAR_CRAWLER_JACCARD_SHARE: f64 = 0.95;
/// Share of matched sec-parser 10-Q items with Jaccard ≥ [`JACCARD_MIN`].
pub const TARGET_SEC_PARSER_JACCARD_SHARE: f64 = 0.80;
/// Mean Spearman correlation of item sizes with secapi (10-K).
pub const TARGET_RANK_CORRELATION: f64 = 0.90;
/// A matched item "agrees" with the peer text at this word-level Jaccard similarity.
pub const JACCARD_MIN: f64 = 0.9;

const EDGAR_CRAWLER: &str = "edgar-crawler";
const SECAPI: &str = "secapi";
const SEC_PARSER: &str = "sec-parser";
/// Report order of the known sources; any other source in the file follows, item sets only.
const KNOWN_SOURCES: &[&str] = &[EDGAR_CRAWLER, SECAPI, SEC_PARSER];

/// One line of `sections.jsonl`.
#[derive(Debug, Clone, serde::Deserialize)]
struct PeerRow {
    file: String,
    accession: String,
    form: String,
    item: String,
    source: String,
    text: Option<String>,
    size_hint: Option<f64>,
}

/// One of our `sections` rows.
#[derive(Debug, Clone)]
struct OurRow {
    section_type: String,
    title: String,
    text: String,
    word_count: i64,
}

#[derive(Debug, Clone)]
struct FilingRow {
    form_type: String,
    source_path: Option<String>,
    status: String,
    /// Fiscal period end, else filing date (YYYY-MM-DD): which items the form called for.
    period: Option<String>,
}

/// A table of the filing's document: its cell text and how many rows have any text.
#[derive(Debug, Clone)]
struct TableText {
    text: String,
    rows: usize,
}

/// Which placeholders to expand into table text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TablePolicy {
    /// Every table (edgar-crawler keeps uncoloured tables; sizes count tables).
    All,
    /// Tables with at most one non-empty row (sec-parser keeps those as text).
    SingleRow,
}

/// Evaluates the `sections` output in the database at `db` against the evidence in `expected`
/// (the corpus's `expected/` folder, which must hold `sections.jsonl`).
pub fn run(db: &Path, expected: &Path) -> Result<Report> {
    let peers = read_peers(&expected.join("sections.jsonl"))?;
    let conn = finloom_store::open_ro(db)?;
    let filings = read_filings(&conn)?;
    let ours = read_sections(&conn)?;
    drop(conn);
    let mut docs = DocCache::default();

    // (source, accession) → rows in file order; sources and filings in first-seen order.
    let mut groups: BTreeMap<(String, String), Vec<PeerRow>> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for p in peers {
        let k = (p.source.clone(), p.accession.clone());
        if !groups.contains_key(&k) {
            order.push(k.clone());
        }
        groups.entry(k).or_default().push(p);
    }
    let mut sources: Vec<String> = KNOWN_SOURCES.iter().map(|s| s.to_string()).collect();
    for (s, _) in &order {
        if !sources.contains(s) {
            sources.push(s.clone());
        }
    }

    let mut text = String::new();
    let _ = writeln!(
        text,
        "finloom eval sections\n  database: {}\n  expected: {}\n",
        db.display(),
        expected.join("sections.jsonl").display()
    );
    let mut missed = Vec::new();
    let mut targets = Vec::new();
    let mut sources_json = serde_json::Map::new();
    let mut target = |name: String, value: Option<f64>, min: f64, missed: &mut Vec<String>| {
        let met = value.is_some_and(|v| v >= min - 1e-12);
        if !met {
            missed.push(match value {
                Some(v) => format!("{name}: {v:.3} < {min:.2}"),
                None => format!("{name}: no data"),
            });
        }
        targets.push(json!({"name": name, "value": value, "target": min, "met": met}));
    };

    for source in &sources {
        let keys: Vec<&(String, String)> = order.iter().filter(|(s, _)| s == source).collect();
        if keys.is_empty() {
            continue;
        }
        let mut per_filing = Vec::new();
        let mut absent = Vec::new();
        let (mut n_pred, mut n_exp, mut n_match) = (0usize, 0usize, 0usize);
        let mut jac_items = 0usize;
        let mut jac_ok = 0usize;
        let mut rho_10k: Vec<f64> = Vec::new();
        let mut rho_other: Vec<f64> = Vec::new();
        let mut seq_ok = 0usize;
        let mut seq_n = 0usize;
        let mut lines = String::new();
        let mut notes = Vec::new();

        for key in keys {
            let rows = &groups[key];
            let acc = &key.1;
            let first = &rows[0];
            let Some(filing) = filings.get(acc) else {
                absent.push(json!({"accession": acc, "file": first.file}));
                continue;
            };
            let empty = Vec::new();
            let mine: &Vec<OurRow> = ours.get(acc).unwrap_or(&empty);
            let by_type: HashMap<&str, &OurRow> =
                mine.iter().map(|r| (r.section_type.as_str(), r)).collect();
            let peer_set: BTreeSet<&str> = rows.iter().map(|r| r.item.as_str()).collect();
            let our_set: BTreeSet<&str> = mine.iter().map(|r| r.section_type.as_str()).collect();
            let is_10k = first.form.to_ascii_uppercase().starts_with("10-K")
                || filing.form_type.to_ascii_uppercase().starts_with("10-K");

            // Our extra items that secapi would never list (see the module docs).
            let mut not_counted: Vec<(String, &'static str)> = Vec::new();
            if source == SECAPI {
                for t in our_set.difference(&peer_set) {
                    let r = by_type[t];
                    if is_10k && matches!(*t, "item_1c" | "item_9c" | "item_16") {
                        not_counted
                            .push((t.to_string(), "secapi never lists 10-K Items 1C, 9C, 16"));
                    } else if r.word_count == 0 {
                        not_counted.push((t.to_string(), "empty here; secapi omits empty items"));
                    }
                }
            }
            let matched: Vec<&str> = peer_set.intersection(&our_set).copied().collect();
            let missing: Vec<&str> = peer_set.difference(&our_set).copied().collect();
            let extra: Vec<&str> = our_set
                .difference(&peer_set)
                .copied()
                .filter(|t| !not_counted.iter().any(|(n, _)| n == t))
                .collect();
            let predicted = matched.len() + extra.len();
            let (p, r, f) = prf1(predicted, peer_set.len(), matched.len());
            n_pred += predicted;
            n_exp += peer_set.len();
            n_match += matched.len();

            let _ = write!(
                lines,
                "  {acc:<22} {:<6} P {p:.2}  R {r:.2}  F1 {f:.2}  ({} of {} peer items",
                filing.form_type,
                matched.len(),
                peer_set.len()
            );
            if filing.status != "ok" {
                let _ = write!(lines, "; filing status {}", filing.status);
            }
            let _ = writeln!(lines, ")  {}", first.file);
            if !missing.is_empty() {
                let _ = writeln!(lines, "      missing: {}", missing.join(", "));
            }
            if !extra.is_empty() {
                let _ = writeln!(lines, "      extra:   {}", extra.join(", "));
            }
            if !not_counted.is_empty() {
                let list: Vec<String> = not_counted
                    .iter()
                    .map(|(t, why)| format!("{t} ({why})"))
                    .collect();
                let _ = writeln!(lines, "      not counted: {}", list.join("; "));
            }

            let mut fj = json!({
                "accession": acc,
                "file": first.file,
                "form": filing.form_type,
                "precision": p,
                "recall": r,
                "f1": f,
                "peer_items": peer_set.iter().collect::<Vec<_>>(),
                "our_items": mine.iter().map(|r| r.section_type.as_str()).collect::<Vec<_>>(),
                "missing": missing,
                "extra": extra,
                "not_counted": not_counted.iter().map(|(t, why)| json!({"item": t, "reason": why})).collect::<Vec<_>>(),
            });

            // Text similarity (peers that give text).
            let policy = match source.as_str() {
                EDGAR_CRAWLER => Some(TablePolicy::All),
                SEC_PARSER => Some(TablePolicy::SingleRow),
                _ => None,
            };
            if let Some(policy) = policy {
                let doc = docs.get(acc, filing);
                let tables = doc.map(|d| d.tables.as_slice());
                // edgar-crawler drops `<TABLE>` blocks of plain-text filings: so do we.
                let empty_lines = HashSet::new();
                let table_lines = match (policy, doc) {
                    (TablePolicy::All, Some(d)) if source == EDGAR_CRAWLER => &d.text_table_lines,
                    _ => &empty_lines,
                };
                if tables.is_none() && mine.iter().any(|r| r.text.contains("[TABLE ")) {
                    notes.push(format!(
                        "{acc}: cannot re-read the filing ({}); table placeholders dropped",
                        filing.source_path.as_deref().unwrap_or("no source_path")
                    ));
                }
                let mut items_json = Vec::new();
                for row in rows {
                    let (Some(peer_text), Some(our)) = (&row.text, by_type.get(row.item.as_str()))
                    else {
                        continue;
                    };
                    let (peer_text, cut) = cut_at_signatures(peer_text);
                    if cut {
                        notes.push(format!(
                            "{acc} {}: peer text cut at its SIGNATURES line (the signature block belongs to no item; our section ends there)",
                            row.item
                        ));
                    }
                    let body =
                        without_lines(&expand_tables(&our.text, tables, policy), table_lines);
                    let mine_text = format!("{}\n{}", our.title, body);
                    let j = jaccard(&mine_text, peer_text);
                    jac_items += 1;
                    if j >= JACCARD_MIN {
                        jac_ok += 1;
                    }
                    let _ = writeln!(
                        lines,
                        "      {:<14} Jaccard {j:.3}{}",
                        row.item,
                        if j >= JACCARD_MIN { "" } else { "  < 0.9" }
                    );
                    items_json.push(
                        json!({"item": row.item, "jaccard": j, "peer_cut_at_signatures": cut}),
                    );
                }
                fj["items"] = Value::Array(items_json);
            }

            // Sizes (secapi).
            if source == SECAPI {
                let tables = docs.tables(acc, filing);
                let mut xs = Vec::new();
                let mut ys = Vec::new();
                for row in rows {
                    let (Some(size), Some(our)) = (row.size_hint, by_type.get(row.item.as_str()))
                    else {
                        continue;
                    };
                    xs.push(
                        expand_tables(&our.text, tables, TablePolicy::All)
                            .chars()
                            .count() as f64,
                    );
                    ys.push(size);
                }
                let rho = spearman(&xs, &ys);
                match rho {
                    Some(v) if is_10k => rho_10k.push(v),
                    Some(v) => rho_other.push(v),
                    None => {}
                }
                let _ = writeln!(
                    lines,
                    "      size rank correlation {} over {} items{}",
                    rho.map_or("n/a".to_string(), |v| format!("{v:.3}")),
                    xs.len(),
                    if is_10k {
                        ""
                    } else {
                        " (10-Q: for information)"
                    }
                );
                fj["size_rank_correlation"] = json!(rho);
                fj["sizes"] = json!({"ours": xs, "peer": ys});
            }

            // Part/Item sequence (sec-parser).
            if source == SEC_PARSER {
                let peer_seq: Vec<&str> = rows.iter().map(|r| r.item.as_str()).collect();
                let our_seq: Vec<&str> = mine.iter().map(|r| r.section_type.as_str()).collect();
                let same = peer_seq == our_seq;
                seq_n += 1;
                if same {
                    seq_ok += 1;
                }
                let _ = writeln!(
                    lines,
                    "      Part/Item sequence: {}",
                    if same {
                        "same".to_string()
                    } else {
                        format!(
                            "differs: ours {} / peer {}",
                            our_seq.join(","),
                            peer_seq.join(",")
                        )
                    }
                );
                fj["sequence_matches"] = json!(same);
            }
            per_filing.push(fj);
        }

        let (p, r, f) = prf1(n_pred, n_exp, n_match);
        let n_filings = per_filing.len();
        let label = match source.as_str() {
            EDGAR_CRAWLER => "edgar-crawler (8-K items and text)",
            SECAPI => "secapi (10-K item lists and sizes; 10-Q item lists)",
            SEC_PARSER => "sec-parser (hand-reviewed 10-Q structure and text)",
            other => other,
        };
        let _ = writeln!(text, "{label}: {n_filings} filings");
        text.push_str(&lines);
        for a in &absent {
            let _ = writeln!(
                text,
                "  {:<22} not in the database, left out  {}",
                a["accession"].as_str().unwrap_or(""),
                a["file"].as_str().unwrap_or("")
            );
        }
        for n in &notes {
            let _ = writeln!(text, "  note: {n}");
        }
        let _ = writeln!(
            text,
            "  overall item sets: P {p:.3}  R {r:.3}  F1 {f:.3}  ({n_match} matched, {} predicted, {n_exp} expected)  [target F1 ≥ {TARGET_F1:.2}]",
            n_pred
        );
        let mut sj = json!({
            "filings": per_filing,
            "absent_from_database": absent,
            "notes": notes,
            "item_sets": {"precision": p, "recall": r, "f1": f, "matched": n_match, "predicted": n_pred, "expected": n_exp},
        });
        let f1_value = if n_filings == 0 { None } else { Some(f) };
        target(
            format!("{source} item-set F1"),
            f1_value,
            TARGET_F1,
            &mut missed,
        );

        if source == EDGAR_CRAWLER || source == SEC_PARSER {
            let share = if jac_items == 0 {
                None
            } else {
                Some(jac_ok as f64 / jac_items as f64)
            };
            let min = if source == EDGAR_CRAWLER {
                TARGET_EDGAR_CRAWLER_JACCARD_SHARE
            } else {
                TARGET_SEC_PARSER_JACCARD_SHARE
            };
            let _ = writeln!(
                text,
                "  Jaccard ≥ {JACCARD_MIN}: {jac_ok} of {jac_items} matched items ({})  [target ≥ {:.0} %]",
                share.map_or("n/a".to_string(), |s| format!("{:.1} %", s * 100.0)),
                min * 100.0
            );
            sj["jaccard"] = json!({"threshold": JACCARD_MIN, "agreeing": jac_ok, "items": jac_items, "share": share});
            let what = if source == EDGAR_CRAWLER {
                "8-K"
            } else {
                "10-Q"
            };
            target(
                format!("{source} {what} share of matched items with Jaccard ≥ {JACCARD_MIN}"),
                share,
                min,
                &mut missed,
            );
        }
        if source == SEC_PARSER {
            let _ = writeln!(
                text,
                "  Part/Item sequence identical: {seq_ok} of {seq_n} filings"
            );
            sj["sequence"] = json!({"identical": seq_ok, "filings": seq_n});
        }
        if source == SECAPI {
            let mean = |v: &[f64]| {
                if v.is_empty() {
                    None
                } else {
                    Some(v.iter().sum::<f64>() / v.len() as f64)
                }
            };
            let (m10k, mother) = (mean(&rho_10k), mean(&rho_other));
            let _ = writeln!(
                text,
                "  mean size rank correlation, 10-K: {} over {} filings  [target ≥ {TARGET_RANK_CORRELATION:.2}]{}",
                m10k.map_or("n/a".to_string(), |v| format!("{v:.3}")),
                rho_10k.len(),
                mother.map_or(String::new(), |v| format!(
                    "; 10-Q (information): {v:.3} over {} filings",
                    rho_other.len()
                ))
            );
            sj["size_rank_correlation"] = json!({"mean_10k": m10k, "filings_10k": rho_10k.len(), "mean_other": mother, "filings_other": rho_other.len()});
            target(
                "secapi 10-K mean size rank correlation".to_string(),
                m10k,
                TARGET_RANK_CORRELATION,
                &mut missed,
            );
        }
        text.push('\n');
        sources_json.insert(source.clone(), sj);
    }

    // Coverage from the form's side: the items each 10-K / 10-Q must have for its form and
    // fiscal year, whether or not any peer looked at the filing.
    let mut rows: Vec<(f64, String, String, usize, usize, Vec<&'static str>)> = Vec::new();
    for (acc, f) in filings.iter().filter(|(_, f)| f.status == "ok") {
        let form = &f.form_type;
        let Some(required) = required_items(form, f.period.as_deref()) else {
            continue;
        };
        let have: HashSet<&str> = ours
            .get(acc)
            .map(|v| v.iter().map(|r| r.section_type.as_str()).collect())
            .unwrap_or_default();
        let missing: Vec<&'static str> = required
            .iter()
            .copied()
            .filter(|i| !have.contains(i))
            .collect();
        let found = required.len() - missing.len();
        let share = found as f64 / required.len() as f64;
        rows.push((
            share,
            acc.clone(),
            form.clone(),
            found,
            required.len(),
            missing,
        ));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let _ = writeln!(
        text,
        "coverage (the items each 10-K / 10-Q must have for its form and fiscal year; worst first): {} filings",
        rows.len()
    );
    for (share, acc, form, found, n, missing) in rows.iter().take(15) {
        let _ = writeln!(
            text,
            "  {acc:<22} {form:<8} {found:>2}/{n:<2} {:>6.1} %{}",
            share * 100.0,
            if missing.is_empty() {
                String::new()
            } else {
                format!("  missing: {}", missing.join(" "))
            }
        );
    }
    let min_cov = rows.first().map(|r| r.0);
    let all_found: usize = rows.iter().map(|r| r.3).sum();
    let all_due: usize = rows.iter().map(|r| r.4).sum();
    let _ = writeln!(
        text,
        "  overall {all_found} of {all_due} required items ({:.1} %)\n",
        if all_due > 0 {
            100.0 * all_found as f64 / all_due as f64
        } else {
            0.0
        }
    );
    if !rows.is_empty() {
        target(
            "lowest 10-K/10-Q coverage of the items its form and year call for".to_string(),
            min_cov,
            TARGET_COVERAGE,
            &mut missed,
        );
    }
    let coverage_json: Vec<Value> = rows
        .iter()
        .map(|(share, acc, form, found, n, missing)| {
            json!({"accession": acc, "form": form, "found": found, "required": n, "coverage": share, "missing": missing})
        })
        .collect();

    let _ = writeln!(text, "targets:");
    for t in &targets {
        let _ = writeln!(
            text,
            "  {:<4} {}: {} (target ≥ {:.2})",
            if t["met"].as_bool() == Some(true) {
                "met"
            } else {
                "MISS"
            },
            t["name"].as_str().unwrap_or(""),
            t["value"]
                .as_f64()
                .map_or("n/a".to_string(), |v| format!("{v:.3}")),
            t["target"].as_f64().unwrap_or(f64::NAN)
        );
    }
    let json = json!({
        "database": db.display().to_string(),
        "expected": expected.join("sections.jsonl").display().to_string(),
        "sources": Value::Object(sources_json),
        "coverage": coverage_json,
        "targets": targets,
        "missed": missed,
    });
    Ok(Report { text, json, missed })
}

/// Lowest share of its required items any 10-K / 10-Q may miss.
pub const TARGET_COVERAGE: f64 = 0.8;

/// The items a filing of `form` for the fiscal period ending on `date` (YYYY-MM-DD) must
/// have, as section types, from the form's history: Item 7A from 1997/98, Item 9A for fiscal
/// years from 2004 (controls and procedures), 15 (exhibits) from 2003 (Item 14 before), Items
/// 1A, 1B and 9B from December 2005, 9C from 2022, 1C for fiscal years ending after
/// 15 December 2023; a 10-Q's Part I Items 1–4 (3 from 1998, 4 from 2004), Part II Item 1A
/// from 2006 and Item 6. Items a filer may leave out when they do not apply (10-Q Part II
/// Items 1–5, 10-K Item 16) are not required. `None` for other forms.
pub fn required_items(form: &str, date: Option<&str>) -> Option<Vec<&'static str>> {
    let f: String = form
        .to_ascii_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let ymd = date.unwrap_or("").trim();
    let year: i32 = ymd.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let on_or_after =
        |y: i32, md: &str| year > y || (year == y && ymd.get(5..10).is_some_and(|x| x >= md));
    if f.starts_with("10KSB") {
        return Some(vec![
            "item_1", "item_2", "item_3", "item_4", "item_5", "item_6", "item_7", "item_8",
            "item_9", "item_10", "item_11", "item_12", "item_13",
        ]);
    }
    if f.starts_with("10K") {
        let mut v = vec!["item_1"];
        if on_or_after(2005, "12-01") {
            v.extend(["item_1a", "item_1b"]);
        }
        if on_or_after(2023, "12-15") {
            v.push("item_1c");
        }
        v.extend(["item_2", "item_3", "item_4", "item_5", "item_6", "item_7"]);
        if year >= 1998 {
            v.push("item_7a");
        }
        v.extend(["item_8", "item_9"]);
        if year >= 2004 {
            v.push("item_9a");
        }
        if on_or_after(2005, "12-01") {
            v.push("item_9b");
        }
        if year >= 2022 {
            v.push("item_9c");
        }
        v.extend(["item_10", "item_11", "item_12", "item_13", "item_14"]);
        if year >= 2003 {
            v.push("item_15");
        }
        return Some(v);
    }
    if f.starts_with("10Q") {
        let mut v = vec!["part1_item1", "part1_item2"];
        if year >= 1998 {
            v.push("part1_item3");
        }
        if year >= 2004 {
            v.push("part1_item4");
        }
        if year >= 2006 {
            v.push("part2_item1a");
        }
        v.push("part2_item6");
        return Some(v);
    }
    None
}

fn read_peers(path: &Path) -> Result<Vec<PeerRow>> {
    let data = std::fs::read_to_string(path).map_err(|e| EvalError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for (i, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: PeerRow = serde_json::from_str(line).map_err(|e| EvalError::Read {
            path: path.to_path_buf(),
            message: format!("line {}: {e}", i + 1),
        })?;
        out.push(row);
    }
    Ok(out)
}

fn read_filings(conn: &duckdb::Connection) -> Result<HashMap<String, FilingRow>> {
    let mut st = conn.prepare(
        "SELECT accession_number, coalesce(form_type, ''), source_path, status, \
         CAST(coalesce(period_of_report, filed_date) AS VARCHAR) FROM filings",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            FilingRow {
                form_type: r.get(1)?,
                source_path: r.get(2)?,
                status: r.get(3)?,
                period: r.get(4)?,
            },
        ))
    })?;
    let mut out = HashMap::new();
    for r in rows {
        let (a, f) = r?;
        out.insert(a, f);
    }
    Ok(out)
}

fn read_sections(conn: &duckdb::Connection) -> Result<HashMap<String, Vec<OurRow>>> {
    let mut st = conn
        .prepare(
            "SELECT accession_number, section_type, coalesce(title, ''), text, \
             coalesce(word_count, 0) FROM sections ORDER BY accession_number, section_index",
        )
        .map_err(|e| {
            EvalError::Other(format!(
                "cannot read the `sections` table (does the pipeline have a sections stage, and has it run?): {e}"
            ))
        })?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            OurRow {
                section_type: r.get(1)?,
                title: r.get(2)?,
                text: r.get(3)?,
                word_count: r.get(4)?,
            },
        ))
    })?;
    let mut out: HashMap<String, Vec<OurRow>> = HashMap::new();
    for r in rows {
        let (a, row) = r?;
        out.entry(a).or_default().push(row);
    }
    Ok(out)
}

/// What the evaluation needs from a filing's own document.
struct DocInfo {
    /// `Document::tables`, as text.
    tables: Vec<TableText>,
    /// Plain-text documents: the lines inside SGML `<TABLE>` … `</TABLE>` blocks of the raw
    /// document, whitespace-collapsed (our text keeps them as lines; edgar-crawler drops them).
    text_table_lines: HashSet<String>,
}

/// Each filing's document, read once on demand (`None`: unreadable).
#[derive(Default)]
struct DocCache {
    docs: HashMap<String, Option<DocInfo>>,
}

impl DocCache {
    fn get(&mut self, acc: &str, filing: &FilingRow) -> Option<&DocInfo> {
        self.docs
            .entry(acc.to_string())
            .or_insert_with(|| {
                let path = PathBuf::from(filing.source_path.as_deref()?);
                let f = finloom_ingest::read_filing(&path).ok()?;
                let d = &f.document;
                let text_table_lines = if d.format == finloom_plugin_api::DocFormat::Text {
                    sgml_table_lines(d.raw.as_str())
                } else {
                    HashSet::new()
                };
                Some(DocInfo {
                    tables: d.tables.iter().map(table_text).collect(),
                    text_table_lines,
                })
            })
            .as_ref()
    }

    fn tables(&mut self, acc: &str, filing: &FilingRow) -> Option<&[TableText]> {
        self.get(acc, filing).map(|d| d.tables.as_slice())
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whitespace-collapsed lines inside `<TABLE>` … `</TABLE>` (any case) of a plain-text
/// document, without the SGML tag lines themselves.
fn sgml_table_lines(raw: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut inside = false;
    for line in raw.lines() {
        let t = line.trim();
        let upper = t.to_ascii_uppercase();
        if upper.starts_with("<TABLE") {
            inside = true;
        }
        if inside {
            let content = collapse(&strip_sgml_tags(t));
            if !content.is_empty() {
                out.insert(content);
            }
        }
        if upper.contains("</TABLE>") {
            inside = false;
        }
    }
    out
}

fn strip_sgml_tags(line: &str) -> String {
    let mut out = line.to_string();
    for tag in [
        "<TABLE>",
        "</TABLE>",
        "<CAPTION>",
        "</CAPTION>",
        "<S>",
        "<C>",
        "<FN>",
        "</FN>",
    ] {
        out = out
            .replace(tag, " ")
            .replace(&tag.to_ascii_lowercase(), " ");
    }
    out
}

/// Drops the lines of `text` that are lines of an SGML text table.
fn without_lines(text: &str, lines: &HashSet<String>) -> String {
    if lines.is_empty() {
        return text.to_string();
    }
    text.lines()
        .filter(|l| !lines.contains(&collapse(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn table_text(t: &finloom_plugin_api::Table) -> TableText {
    let mut lines = Vec::new();
    for row in t.rows.iter() {
        let cells: Vec<&str> = row
            .cells
            .iter()
            .map(|c| c.text.as_str().trim())
            .filter(|s| !s.is_empty())
            .collect();
        if !cells.is_empty() {
            lines.push(cells.join(" "));
        }
    }
    TableText {
        rows: lines.len(),
        text: lines.join("\n"),
    }
}

/// Replaces each `[TABLE <acc>/tbl/<n>]` placeholder by the text of table `n` when `policy`
/// keeps it, else by nothing. Without the document's tables every placeholder is dropped.
fn expand_tables(text: &str, tables: Option<&[TableText]>, policy: TablePolicy) -> String {
    const OPEN: &str = "[TABLE ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len()..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let id = &after[..close];
        let table = id
            .rsplit_once("/tbl/")
            .and_then(|(_, n)| n.parse::<usize>().ok())
            .and_then(|n| tables.and_then(|t| t.get(n)));
        if let Some(t) = table {
            let keep = match policy {
                TablePolicy::All => true,
                TablePolicy::SingleRow => t.rows <= 1,
            };
            if keep {
                out.push_str(&t.text);
            }
        }
        rest = &after[close + 1..];
        // The table's rows as read (`sections.text` keeps them after the id line, up to
        // `[/TABLE]`): replaced like the id, by the table's text or by nothing.
        if let Some(end) = rest.find("\n[/TABLE]") {
            if rest.starts_with('\n') && !rest[..end].contains("\n\n") {
                rest = &rest[end + "\n[/TABLE]".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Cuts `text` at its first line that is only `SIGNATURE` / `SIGNATURES` (any case, optional
/// colon). Returns the text before it and whether a cut happened.
fn cut_at_signatures(text: &str) -> (&str, bool) {
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let t = line
            .trim()
            .trim_end_matches(':')
            .trim()
            .to_ascii_uppercase();
        if (t == "SIGNATURE" || t == "SIGNATURES") && off > 0 {
            return (&text[..off], true);
        }
        off += line.len();
    }
    (text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_items_follow_the_forms_history() {
        let k = |d: &str| required_items("10-K", Some(d)).unwrap();
        // 1994: no 1A/1B/7A/9A/9B/9C/1C, Item 14 held the exhibits, no Item 15.
        assert_eq!(k("1994-09-30").len(), 14);
        assert!(!k("1994-09-30").contains(&"item_15"));
        assert!(k("2003-10-31").contains(&"item_15") && !k("2003-10-31").contains(&"item_9a"));
        assert!(k("2006-02-03").contains(&"item_1a") && k("2006-02-03").contains(&"item_9b"));
        assert!(!k("2023-09-30").contains(&"item_1c"));
        assert!(k("2023-12-31").contains(&"item_1c") && k("2023-12-31").contains(&"item_9c"));
        assert_eq!(k("2024-12-31").len(), 22);
        assert_eq!(
            required_items("10-K405", Some("2000-12-31")).unwrap().len(),
            15
        );
        let q = required_items("10-Q", Some("2023-07-01")).unwrap();
        assert_eq!(
            q,
            [
                "part1_item1",
                "part1_item2",
                "part1_item3",
                "part1_item4",
                "part2_item1a",
                "part2_item6"
            ]
        );
        assert_eq!(required_items("10KSB", None).unwrap().len(), 13);
        assert!(required_items("8-K", Some("2024-01-01")).is_none());
    }

    fn tables() -> Vec<TableText> {
        vec![
            TableText {
                text: "Exhibit 99.1 Press release".into(),
                rows: 2,
            },
            TableText {
                text: "(1) A footnote".into(),
                rows: 1,
            },
        ]
    }

    #[test]
    fn placeholders_follow_the_peer_policy() {
        let t = tables();
        let s = "Intro.\n\n[TABLE 0001-23-000001/tbl/0]\n\n[TABLE 0001-23-000001/tbl/1]\n\nEnd.";
        assert_eq!(
            expand_tables(s, Some(&t), TablePolicy::All),
            "Intro.\n\nExhibit 99.1 Press release\n\n(1) A footnote\n\nEnd."
        );
        assert_eq!(
            expand_tables(s, Some(&t), TablePolicy::SingleRow),
            "Intro.\n\n\n\n(1) A footnote\n\nEnd."
        );
        assert_eq!(
            expand_tables(s, None, TablePolicy::All),
            "Intro.\n\n\n\n\n\nEnd."
        );
        // A table number the document does not have is dropped; a lone bracket is kept.
        // A table shown in place (id line, rows, end line) is one placeholder.
        let s = "Intro.\n\n[TABLE 0001-23-000001/tbl/1]\n(1) | A footnote\n[/TABLE]\n\nEnd.";
        assert_eq!(
            expand_tables(s, Some(&t), TablePolicy::All),
            "Intro.\n\n(1) A footnote\n\nEnd."
        );
        assert_eq!(
            expand_tables(s, Some(&t), TablePolicy::SingleRow),
            "Intro.\n\n(1) A footnote\n\nEnd."
        );
        assert_eq!(
            expand_tables("a [TABLE x/tbl/9] b [TABLE", Some(&t), TablePolicy::All),
            "a  b [TABLE"
        );
    }

    #[test]
    fn sgml_text_table_lines_are_left_out_for_edgar_crawler() {
        let raw = "ITEM 7. FINANCIAL STATEMENTS\n<TABLE>\n<CAPTION>\n        Exhibit\n<S>     <C>\n99.1    Press   release\n</TABLE>\nSigned.\n";
        let lines = sgml_table_lines(raw);
        assert!(lines.contains("Exhibit"));
        assert!(lines.contains("99.1 Press release"));
        assert!(!lines.contains("Signed."));
        assert_eq!(
            without_lines(
                "(c) Exhibits\n  Exhibit\n99.1 Press  release\nSigned.",
                &lines
            ),
            "(c) Exhibits\nSigned."
        );
        assert_eq!(without_lines("a\nb", &HashSet::new()), "a\nb");
    }

    #[test]
    fn peer_text_is_cut_at_a_signatures_line_only() {
        let (t, cut) =
            cut_at_signatures("Item 6. Exhibits\n* Filed herewith.\nSIGNATURES\nPursuant to");
        assert!(cut);
        assert_eq!(t, "Item 6. Exhibits\n* Filed herewith.\n");
        let (t, cut) = cut_at_signatures("Item 9.01\nSignatures of the parties are on file.");
        assert!(!cut);
        assert_eq!(t, "Item 9.01\nSignatures of the parties are on file.");
        assert!(cut_at_signatures("Item 6.\n  Signature: \nx").1);
    }
}
