//! `finloom eval`: measures what the extractors produce against evidence from outside
//! finloom — the peer tools' outputs shipped in `tests/fixtures/expected/` (edgar-crawler,
//! sec-api, sec-parser) and the filings' own inline XBRL (tagged numbers and note TextBlocks).
//!
//! Every evaluation reads a finloom database (read-only, so it can run next to a user's
//! queries but not during a run's merge) and returns a [`Report`]: a human-readable text for
//! stdout, the same figures as JSON for scripts, and the list of targets that were missed.
//! `finloom eval …` exits 1 when a target is missed, so CI can hold the line.
//!
//! One module per stage: [`sections`], [`tables`], [`footnotes`]; [`tokenizer`] checks the
//! chunkers' token counts against tiktoken's.

pub mod footnotes;
pub mod sections;
pub mod tables;
pub mod tokenizer;

use std::collections::HashSet;
use std::path::PathBuf;

#[derive(thiserror::Error, Debug)]
pub enum EvalError {
    #[error(transparent)]
    Store(#[from] finloom_store::StoreError),
    #[error("database error: {0}")]
    Duck(#[from] duckdb::Error),
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = EvalError> = std::result::Result<T, E>;

/// The result of one evaluation.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Human-readable report (stdout).
    pub text: String,
    /// The same figures for scripts (`--json`).
    pub json: serde_json::Value,
    /// Targets that were missed, one sentence each; empty means every target was met.
    pub missed: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.missed.is_empty()
    }
}

/// Words for similarity measures: maximal runs of letters and digits, lower-cased. Digits
/// stay (numbers are content in filings); punctuation, whitespace and markup do not count.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            cur.extend(ch.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Word-level Jaccard similarity of two texts: |A ∩ B| / |A ∪ B| over their word sets.
/// Two empty texts are identical (1.0).
pub fn jaccard(a: &str, b: &str) -> f64 {
    let a: HashSet<String> = words(a).into_iter().collect();
    let b: HashSet<String> = words(b).into_iter().collect();
    jaccard_sets(&a, &b)
}

pub fn jaccard_sets(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Spearman rank correlation of two equally long samples (average ranks for ties).
/// `None` when fewer than two points or a sample is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..x.len() {
        let (dx, dy) = (rx[i] - mx, ry[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            r[*k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Precision, recall and F1 of a predicted set against an expected one. Both empty: 1, 1, 1.
pub fn prf1(predicted: usize, expected: usize, matched: usize) -> (f64, f64, f64) {
    let p = if predicted == 0 {
        1.0
    } else {
        matched as f64 / predicted as f64
    };
    let r = if expected == 0 {
        1.0
    } else {
        matched as f64 / expected as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_counts_word_sets() {
        assert_eq!(jaccard("Net sales, net SALES", "net sales"), 1.0);
        assert!((jaccard("a b c", "a b d") - 0.5).abs() < 1e-12);
        assert_eq!(jaccard("", ""), 1.0);
        assert_eq!(jaccard("a", ""), 0.0);
    }

    #[test]
    fn spearman_handles_ties_and_order() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn prf1_edge_cases() {
        assert_eq!(prf1(0, 0, 0), (1.0, 1.0, 1.0));
        assert_eq!(prf1(2, 4, 2), (1.0, 0.5, 2.0 / 3.0));
    }
}
