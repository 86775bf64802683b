//! Step 2, the last resort: a paragraph larger than `max_tokens` by itself is split at line
//! breaks, then at sentence ends, then hard at a token boundary (preferably before a word).

use finloom_plugin_kit::Bpe;

use crate::count_tokens;

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "inc", "corp", "co", "ltd", "llc", "l.p", "lp", "no", "nos", "mr", "mrs", "ms", "dr", "st",
    "u.s", "u.k", "e.g", "i.e", "etc", "vs", "v", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "approx", "fig", "sec", "par", "art", "ch", "jr", "sr",
    "n.a", "s.a", "p.m", "a.m",
];

/// Byte offsets in `text` just after each sentence end (terminal punctuation plus closing
/// quotes / brackets, followed by white space; abbreviations and initials excluded).
pub fn sentence_ends(text: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | ';') {
            let mut j = i + 1;
            while j < chars.len()
                && matches!(chars[j].1, '"' | '\'' | ')' | ']' | '\u{201d}' | '\u{2019}')
            {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            let ws_after = chars.get(j).is_none_or(|x| x.1.is_whitespace());
            if ws_after && c == '.' {
                let word: String = text[..b]
                    .chars()
                    .rev()
                    .take_while(|ch| ch.is_alphanumeric() || *ch == '.')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
                    .to_lowercase();
                let next_word = text[end..].trim_start().chars().next();
                let abbrev = ABBREVIATIONS.contains(&word.as_str())
                    || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic));
                if !abbrev && !next_word.is_some_and(char::is_lowercase) {
                    out.push(end);
                }
            } else if ws_after {
                out.push(end);
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out.dedup();
    out
}

/// Trims white space off a byte range of `text`.
fn trim(text: &str, s: usize, e: usize) -> (usize, usize) {
    let piece = &text[s..e];
    let lead = piece.len() - piece.trim_start().len();
    if lead == piece.len() {
        return (s, s);
    }
    let trail = piece.len() - piece.trim_end().len();
    (s + lead, e - trail)
}

/// Cuts `text[s..e]` hard into trimmed pieces of at most `budget` tokens each, at token
/// boundaries that are character boundaries, preferring a cut just before a word.
pub(crate) fn hard_split(
    bpe: &Bpe,
    text: &str,
    s: usize,
    e: usize,
    budget: usize,
) -> Vec<(usize, usize)> {
    let budget = budget.max(1);
    let piece = &text[s..e];
    let offsets = bpe.token_offsets(piece);
    let mut out = Vec::new();
    let Some(offsets) = offsets else {
        // Not expected (BPE is lossless): cut by characters instead.
        let mut cs = 0;
        let chars: Vec<usize> = piece
            .char_indices()
            .map(|x| x.0)
            .chain(std::iter::once(piece.len()))
            .collect();
        while cs + 1 < chars.len() {
            let mut len = (budget * 2).min(chars.len() - 1 - cs).max(1);
            while len > 1 && count_tokens(bpe, &piece[chars[cs]..chars[cs + len]]) > budget {
                len /= 2;
            }
            let (a, b) = trim(text, s + chars[cs], s + chars[cs + len]);
            if a < b {
                out.push((a, b));
            }
            cs += len;
        }
        return out;
    };
    let n = offsets.len() - 1;
    let cuttable: Vec<bool> = offsets.iter().map(|&o| piece.is_char_boundary(o)).collect();
    let word_start = |i: usize| -> bool {
        let o = offsets[i];
        i == n
            || piece[o..].starts_with(char::is_whitespace)
            || piece[..o].ends_with(char::is_whitespace)
    };
    let mut start = 0usize;
    while start < n {
        let mut end = (start + budget).min(n);
        if end < n {
            // Prefer a word boundary in the last third of the window.
            let lo = start + (budget * 2 / 3).max(1);
            end = (lo..=end)
                .rev()
                .find(|&i| cuttable[i] && word_start(i))
                .or_else(|| (start + 1..=end).rev().find(|&i| cuttable[i]))
                .or_else(|| (end + 1..=n).find(|&i| cuttable[i]))
                .unwrap_or(n);
        }
        loop {
            let (a, b) = trim(piece, offsets[start], offsets[end]);
            let count = count_tokens(bpe, &piece[a..b]);
            if count <= budget || end <= start + 1 {
                if a < b {
                    out.push((s + a, s + b));
                }
                break;
            }
            let target = end - (count - budget).min(end - start - 1);
            let next = (start + 1..=target).rev().find(|&i| cuttable[i]);
            match next {
                Some(x) if x < end => end = x,
                _ => {
                    if a < b {
                        out.push((s + a, s + b));
                    }
                    break;
                }
            }
        }
        start = end;
        while start < n && !cuttable[start] {
            start += 1;
        }
    }
    out
}

/// Splits the range `text[s..e]`, which is larger than `budget` tokens, into ranges that each
/// fit: at line breaks if it has several lines, else at sentence ends, else hard.
pub(crate) fn split_text(
    bpe: &Bpe,
    text: &str,
    s: usize,
    e: usize,
    budget: usize,
) -> Vec<(usize, usize)> {
    let piece = &text[s..e];
    let mut cuts: Vec<usize> = piece
        .match_indices('\n')
        .map(|(i, _)| s + i + 1)
        .collect::<Vec<_>>();
    let by_lines = !cuts.is_empty();
    if !by_lines {
        cuts = sentence_ends(piece).into_iter().map(|b| s + b).collect();
    }
    cuts.retain(|&c| c > s && c < e);
    if cuts.is_empty() {
        return hard_split(bpe, text, s, e, budget);
    }
    let mut pieces = Vec::new();
    let mut prev = s;
    for c in cuts.into_iter().chain(std::iter::once(e)) {
        let (a, b) = trim(text, prev, c);
        if a < b {
            pieces.push((a, b));
        }
        prev = c;
    }
    let mut out = Vec::new();
    for (a, b) in pieces {
        if count_tokens(bpe, &text[a..b]) <= budget {
            out.push((a, b));
        } else if by_lines {
            // A long line: sentences, then hard.
            let ends: Vec<usize> = sentence_ends(&text[a..b])
                .into_iter()
                .map(|x| a + x)
                .filter(|&x| x > a && x < b)
                .collect();
            if ends.is_empty() {
                out.extend(hard_split(bpe, text, a, b, budget));
            } else {
                let mut p = a;
                for c in ends.into_iter().chain(std::iter::once(b)) {
                    let (x, y) = trim(text, p, c);
                    p = c;
                    if x >= y {
                        continue;
                    }
                    if count_tokens(bpe, &text[x..y]) <= budget {
                        out.push((x, y));
                    } else {
                        out.extend(hard_split(bpe, text, x, y, budget));
                    }
                }
            }
        } else {
            out.extend(hard_split(bpe, text, a, b, budget));
        }
    }
    out
}
