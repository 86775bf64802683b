//! Filing metadata from the places it can be found, in order of authority.
//!
//! 1. the SGML `<SEC-HEADER>` of a full submission (written by EDGAR itself);
//! 2. the `<TYPE>` of a `<DOCUMENT>` envelope (form type only);
//! 3. inline-XBRL `dei:` facts (written by the filer, validated by EDGAR);
//! 4. the file name (`<CIK>_<FORM>_<YEAR>_<ACCESSION>.htm` from edgar-crawler,
//!    `<anything>_<ACCESSION>.<ext>`), a parent folder named like a form type, and a parent
//!    folder named by the accession number with the folders above it (sec-edgar-downloader's
//!    `<CIK or ticker>/<form>/<accession>/primary-document.html`);
//! 5. the document text (cover page: `FORM 10-K`, `(Exact name of registrant …)`,
//!    `For the fiscal year ended …`, `Date of Report …`);
//! 6. for the accession number only, the file stem (with a warning), so that a filing whose
//!    accession number is unknown can still be loaded and keyed.
//!
//! Each field takes the first source that has it; [`FieldSources`] says which one did.
//!
//! Normal forms: CIKs are 10-digit zero-padded (the form EDGAR prints in headers and URLs),
//! dates are `YYYY-MM-DD` or empty, form types upper case as EDGAR writes them (`10-K405`).

use std::path::Path;
use std::sync::LazyLock;

use finloom_plugin_api::Document;
use regex::Regex;

/// Where a piece of metadata came from, most authoritative first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetadataSource {
    /// The `<SEC-HEADER>`/`<IMS-HEADER>` of a full submission.
    Header,
    /// The `<TYPE>` of a `<DOCUMENT>` envelope around a primary document.
    Envelope,
    /// Inline-XBRL `dei:` facts.
    InlineXbrl,
    /// The file name, or the folders it sits in (see [`from_path`]).
    FileName,
    /// The document's own text (cover page).
    DocumentText,
    /// Accession number only: the file stem, used when no accession number exists anywhere.
    FileStem,
}

/// The source of each metadata field (`None`: not found, the field is empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldSources {
    pub accession_number: Option<MetadataSource>,
    pub cik: Option<MetadataSource>,
    pub company_name: Option<MetadataSource>,
    pub form_type: Option<MetadataSource>,
    pub filed_date: Option<MetadataSource>,
    pub period_of_report: Option<MetadataSource>,
}

/// One candidate value per source for a field.
#[derive(Default)]
pub(crate) struct Candidates {
    pub accession: Vec<(MetadataSource, String)>,
    pub cik: Vec<(MetadataSource, String)>,
    pub company: Vec<(MetadataSource, String)>,
    pub form: Vec<(MetadataSource, String)>,
    pub filed: Vec<(MetadataSource, String)>,
    pub period: Vec<(MetadataSource, String)>,
}

pub(crate) fn pick(c: &[(MetadataSource, String)]) -> Option<(MetadataSource, String)> {
    c.iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .min_by_key(|(s, _)| *s)
        .cloned()
}

static ACCESSION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{10}-\d{2}-\d{6}").unwrap());
static FORM_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(10-?K405|10-?KSB|10-?KT|10-?K|10-?QSB|10-?QT|10-?Q|8-?K|20-?F|40-?F|6-?K)(/A)?$",
    )
    .unwrap()
});
static FORM_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bFORM\s+(10-K405|10-KSB|10-KT|10-K|10-QSB|10-Q|8-K|20-F|40-F|6-K)\b").unwrap()
});
static PERIOD_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:fiscal\s+year|quarterly\s+period|transition\s+period|year|quarter|period)\s+ended:?[\s|]*([a-z]{3,9}\.?\s+\d{1,2}\s*,?\s*\d{4})",
    )
    .unwrap()
});
static REPORT_DATE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)date\s+of\s+report[^0-9]{0,80}?([a-z]{3,9}\.?\s+\d{1,2}\s*,?\s*\d{4})")
        .unwrap()
});
/// The date printed *above* its "Date of Report" caption (a common cover layout).
static REPORT_DATE_BEFORE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)([a-z]{3,9}\.?\s+\d{1,2}\s*,?\s*\d{4})[^0-9a-z]{0,20}\(?\s*date\s+of\s+report")
        .unwrap()
});

/// A form-type token as found in a file or folder name (`10K` → `10-K`), if it is one.
/// EDGAR's spelling of a form type: upper case, a dash after the leading digits ("10KSB" and
/// "10-ksb" → "10-KSB", "10K405" → "10-K405", "8-K/A" stays). Older submissions and some
/// file names write the type without its dash.
pub(crate) fn canonical_form(form: &str) -> String {
    let f = form.trim().to_ascii_uppercase();
    let d = f.bytes().take_while(u8::is_ascii_digit).count();
    if d > 0 && d < f.len() && f.as_bytes()[d].is_ascii_alphabetic() {
        format!("{}-{}", &f[..d], &f[d..])
    } else {
        f
    }
}

pub(crate) fn form_from_name_token(tok: &str) -> Option<String> {
    let caps = FORM_NAME.captures(tok)?;
    let base = caps[1].to_ascii_uppercase();
    let base = if base.contains('-') {
        base
    } else {
        // Insert the dash after the leading digits.
        let d = base.bytes().take_while(u8::is_ascii_digit).count();
        format!("{}-{}", &base[..d], &base[d..])
    };
    Some(format!("{}{}", base, caps.get(2).map_or("", |_| "/A")))
}

/// Candidates from the path: accession, CIK and form from the file name, form from the parent
/// folder; and the layout that keeps one filing per folder named by its accession number,
/// where the file's own name says nothing: sec-edgar-downloader's
/// `sec-edgar-filings/<CIK or ticker>/<form>/<accession>/` holding `full-submission.txt`
/// and `primary-document.html` (`filing-details.html` before its version 5), two copies of
/// the same filing.
///
/// Only the file's own folder is read as an accession number (a folder further up may be
/// anything), and only in full, 10-2-6 digits with dashes. EDGAR's own archive folders
/// (`edgar/data/<CIK>/<18 digits>/`) are *not* read: they hold the filing's exhibits and
/// XBRL renderings too, which would all claim the filing's accession number, and the first
/// of them in sorted order — an exhibit, as often as not — would own it. A file name's
/// accession number comes first.
pub(crate) fn from_path(path: &Path, c: &mut Candidates) {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if let Some(m) = ACCESSION.find(stem) {
        c.accession
            .push((MetadataSource::FileName, m.as_str().to_string()));
        let tokens: Vec<&str> = stem.split('_').collect();
        if tokens.len() >= 2 {
            let t0 = tokens[0];
            if is_cik(t0) {
                c.cik.push((MetadataSource::FileName, normalize_cik(t0)));
            }
            if tokens.len() >= 4 {
                if let Some(f) = form_from_name_token(tokens[1]) {
                    c.form.push((MetadataSource::FileName, f));
                }
            }
        }
    }
    let parent = path.parent();
    if let Some(dir) = name(parent) {
        if let Some(f) = form_from_name_token(dir) {
            c.form.push((MetadataSource::FileName, f));
        }
        if let Some(acc) = folder_accession(dir) {
            c.accession.push((MetadataSource::FileName, acc));
            // Above it: the form (sec-edgar-downloader), or a CIK; above a form folder, the
            // CIK (a ticker is not one).
            let up = parent.and_then(|p| p.parent());
            if let Some(d) = name(up) {
                if let Some(f) = form_from_name_token(d) {
                    c.form.push((MetadataSource::FileName, f));
                    if let Some(k) = name(up.and_then(|p| p.parent())).filter(|k| is_cik(k)) {
                        c.cik.push((MetadataSource::FileName, normalize_cik(k)));
                    }
                } else if is_cik(d) {
                    c.cik.push((MetadataSource::FileName, normalize_cik(d)));
                }
            }
        }
    }
}

/// The name of the folder `p`, if it has one in UTF-8.
fn name(p: Option<&Path>) -> Option<&str> {
    p.and_then(|p| p.file_name()).and_then(|s| s.to_str())
}

/// A folder named by an accession number, `0000320193-24-000123`.
fn folder_accession(dir: &str) -> Option<String> {
    ACCESSION
        .find(dir)
        .filter(|m| m.range() == (0..dir.len()))
        .map(|m| m.as_str().to_string())
}

/// A folder or file-name token that can be a CIK: 1 to 10 digits.
fn is_cik(s: &str) -> bool {
    !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Candidates from the SEC header.
pub(crate) fn from_header(s: &crate::sgml::Submission<'_>, c: &mut Candidates) {
    let h = MetadataSource::Header;
    if let Some(v) = s.field("ACCESSION NUMBER") {
        c.accession.push((h, v.to_string()));
    }
    if let Some(v) = s.field("CENTRAL INDEX KEY") {
        c.cik.push((h, normalize_cik(v)));
    }
    if let Some(v) = s.field("COMPANY CONFORMED NAME") {
        c.company.push((h, v.to_string()));
    }
    if let Some(v) = s
        .field("CONFORMED SUBMISSION TYPE")
        .or_else(|| s.field("FORM TYPE"))
    {
        c.form.push((h, v.to_ascii_uppercase()));
    }
    if let Some(v) = s.field("FILED AS OF DATE").and_then(normalize_date) {
        c.filed.push((h, v));
    }
    if let Some(v) = s
        .field("CONFORMED PERIOD OF REPORT")
        .and_then(normalize_date)
    {
        c.period.push((h, v));
    }
}

/// Candidates from inline-XBRL `dei:` facts.
pub(crate) fn from_dei(dei: &[(String, String)], c: &mut Candidates) {
    let x = MetadataSource::InlineXbrl;
    let get = |name: &str| {
        dei.iter()
            .find(|(n, v)| n.eq_ignore_ascii_case(name) && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    };
    if let Some(v) = get("dei:DocumentType") {
        c.form.push((x, v.to_ascii_uppercase()));
    }
    if let Some(v) = get("dei:EntityCentralIndexKey") {
        c.cik.push((x, normalize_cik(v)));
    }
    if let Some(v) = get("dei:EntityRegistrantName") {
        c.company.push((x, fold_ws(v)));
    }
    if let Some(v) = get("dei:DocumentPeriodEndDate").and_then(normalize_date) {
        c.period.push((x, v));
    }
}

/// Candidates from the document text (cover page).
pub(crate) fn from_text(doc: &Document, form_hint: Option<&str>, c: &mut Candidates) {
    let t = MetadataSource::DocumentText;
    let text = doc.text.as_str();
    let head = &text[..crate::sgml::floor_boundary(text, 20_000)];
    let top = &text[..crate::sgml::floor_boundary(text, 5_000)];
    if let Some(m) = FORM_TEXT.captures(top) {
        c.form.push((t, m[1].to_ascii_uppercase()));
    }
    let form = form_hint
        .map(str::to_string)
        .or_else(|| pick(&c.form).map(|(_, f)| f))
        .unwrap_or_default();
    // A current report's "period" is its event date; the fiscal-period pattern would pick up
    // unrelated dates from the body ("for the year ended …" in an earnings release).
    let patterns: &[&Regex] = if form.starts_with("8-K") || form.starts_with("6-K") {
        &[&REPORT_DATE_TEXT, &REPORT_DATE_BEFORE_TEXT]
    } else {
        &[&PERIOD_TEXT]
    };
    if let Some(d) = patterns
        .iter()
        .find_map(|re| re.captures(head).and_then(|m| normalize_date(&m[1])))
    {
        c.period.push((t, d));
    }
    if let Some(name) = registrant_from_cover(doc) {
        c.company.push((t, name));
    }
}

/// The registrant name printed above "(Exact name of registrant as specified in its charter)".
fn registrant_from_cover(doc: &Document) -> Option<String> {
    const PHRASE: &str = "exact name of registrant";
    for (i, b) in doc.blocks.iter().enumerate().take(300) {
        let bt = doc.block_text(b);
        let Some(p) = crate::sgml::find_ci(bt, PHRASE, 0) else {
            continue;
        };
        // Same line/cell before the phrase (`ACME CORP (Exact name of …)`).
        let line_start = bt[..p].rfind(['\n']).map_or(0, |i| i + 1);
        let cell_start = bt[line_start..p]
            .rfind(" | ")
            .map_or(line_start, |i| line_start + i + 3);
        let before = clean_name(&bt[cell_start..p]);
        if before.len() >= 2 {
            return Some(before);
        }
        // Previous line of the same block (table row / preformatted line).
        if line_start > 0 {
            let prev = &bt[..line_start - 1];
            let prev_line = &prev[prev.rfind('\n').map_or(0, |i| i + 1)..];
            let name = clean_name(
                prev_line
                    .split(" | ")
                    .find(|s| !s.trim().is_empty())
                    .unwrap_or(""),
            );
            if name.len() >= 2 {
                return Some(name);
            }
        }
        // Previous block.
        if i > 0 {
            let pb = doc.block_text(&doc.blocks[i - 1]);
            let last = pb.rsplit('\n').next().unwrap_or(pb);
            let name = clean_name(
                last.split(" | ")
                    .find(|s| !s.trim().is_empty())
                    .unwrap_or(""),
            );
            if name.len() >= 2 && name.len() <= 150 {
                return Some(name);
            }
        }
        return None;
    }
    None
}

fn clean_name(s: &str) -> String {
    let s = fold_ws(s);
    s.trim_matches(|c: char| c == '(' || c == '|' || c == '-' || c == '_' || c.is_whitespace())
        .to_string()
}

pub(crate) fn fold_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Digits → 10-digit zero-padded; anything else as printed (trimmed).
pub(crate) fn normalize_cik(v: &str) -> String {
    let v = v.trim();
    if !v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("{v:0>10}")
    } else {
        v.to_string()
    }
}

/// `YYYYMMDD`, `YYYY-MM-DD`, `MM/DD/YYYY`, `June 30, 2021`, `Jun. 30 2021`, `30 June 2021`
/// → `YYYY-MM-DD`. `None` if not a valid date.
pub(crate) fn normalize_date(v: &str) -> Option<String> {
    let v = v.trim();
    let ok = |y: u32, m: u32, d: u32| -> Option<String> {
        ((1900..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
            .then(|| format!("{y:04}-{m:02}-{d:02}"))
    };
    let b = v.as_bytes();
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        return ok(
            v[..4].parse().ok()?,
            v[4..6].parse().ok()?,
            v[6..].parse().ok()?,
        );
    }
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        return ok(
            v[..4].parse().ok()?,
            v[5..7].parse().ok()?,
            v[8..].parse().ok()?,
        );
    }
    if let [m, d, y] = v.split('/').collect::<Vec<_>>()[..] {
        return ok(
            y.trim().parse().ok()?,
            m.trim().parse().ok()?,
            d.trim().parse().ok()?,
        );
    }
    // Month names.
    let toks: Vec<&str> = v
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|t| !t.is_empty())
        .collect();
    if toks.len() != 3 {
        return None;
    }
    let (mon, day, year) = if let Some(m) = month(toks[0]) {
        (m, toks[1], toks[2])
    } else if let Some(m) = month(toks[1]) {
        (m, toks[0], toks[2])
    } else {
        return None;
    };
    let day: u32 = day
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()?;
    ok(year.parse().ok()?, mon, day)
}

fn month(t: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let t = t.to_ascii_lowercase();
    if t.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    M.iter()
        .position(|m| t.starts_with(m))
        .filter(|&i| full[i].starts_with(&t) || t == "sept")
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(normalize_date("19940930").as_deref(), Some("1994-09-30"));
        assert_eq!(normalize_date("2024-09-28").as_deref(), Some("2024-09-28"));
        assert_eq!(
            normalize_date("June 30, 2021").as_deref(),
            Some("2021-06-30")
        );
        assert_eq!(
            normalize_date("Sept. 28, 2024").as_deref(),
            Some("2024-09-28")
        );
        assert_eq!(
            normalize_date("30 June 2021").as_deref(),
            Some("2021-06-30")
        );
        assert_eq!(normalize_date("06/30/2021").as_deref(), Some("2021-06-30"));
        assert_eq!(normalize_date("Junk 30, 2021"), None);
        assert_eq!(normalize_date("20241399"), None);
    }

    #[test]
    fn names() {
        assert_eq!(form_from_name_token("8K").as_deref(), Some("8-K"));
        assert_eq!(form_from_name_token("10-k").as_deref(), Some("10-K"));
        assert_eq!(form_from_name_token("10K405").as_deref(), Some("10-K405"));
        assert_eq!(canonical_form("10KSB"), "10-KSB");
        assert_eq!(canonical_form("10-ksb40"), "10-KSB40");
        assert_eq!(canonical_form("10-Q/A"), "10-Q/A");
        assert_eq!(canonical_form("8-K"), "8-K");
        assert_eq!(canonical_form(""), "");
        assert_eq!(form_from_name_token("AAPL"), None);
        assert_eq!(normalize_cik("320193"), "0000320193");
        let mut c = Candidates::default();
        from_path(
            Path::new("x/8-K/1000685_8K_1997_0001000685-97-000006.txt"),
            &mut c,
        );
        assert_eq!(pick(&c.accession).unwrap().1, "0001000685-97-000006");
        assert_eq!(pick(&c.cik).unwrap().1, "0001000685");
        assert_eq!(pick(&c.form).unwrap().1, "8-K");
    }

    #[test]
    fn accession_folders() {
        let read = |p: &str| {
            let mut c = Candidates::default();
            from_path(Path::new(p), &mut c);
            let get = |v: &[(MetadataSource, String)]| pick(v).map(|(_, s)| s);
            (get(&c.accession), get(&c.cik), get(&c.form))
        };
        let some = |s: &str| Some(s.to_string());
        // sec-edgar-downloader, fetched by CIK and by ticker.
        assert_eq!(
            read("/d/sec-edgar-filings/0000320193/10-K/0000320193-24-000123/primary-document.html"),
            (
                some("0000320193-24-000123"),
                some("0000320193"),
                some("10-K")
            )
        );
        assert_eq!(
            read("sec-edgar-filings/AAPL/8-K/0001140361-25-017716/full-submission.txt"),
            (some("0001140361-25-017716"), None, some("8-K"))
        );
        // EDGAR's archive folders are not read (their exhibits would claim the filing); a
        // CIK folder above a dashed accession folder is.
        assert_eq!(
            read("edgar/data/320193/000032019324000123/aapl-20240928.htm"),
            (None, None, None)
        );
        assert_eq!(
            read("filings/320193/0000320193-24-000123/aapl-20240928.htm"),
            (some("0000320193-24-000123"), some("0000320193"), None)
        );
        // The file name's accession number comes first.
        assert_eq!(
            read("x/0000320193-24-000123/AAPL_0000320193-23-000077.htm").0,
            some("0000320193-23-000077")
        );
        // Folders that are not accession numbers, or not the file's own folder.
        assert_eq!(read("x/00003201932400012/a.htm").0, None);
        assert_eq!(read("x/0000320193-24-0001234/a.htm").0, None);
        assert_eq!(read("0000320193-24-000123/x/a.htm").0, None);
    }
}
