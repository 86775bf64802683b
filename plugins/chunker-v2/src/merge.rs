//! Step 4, **merging small neighbours**: a draft of nothing but headings joins the draft
//! after it, then drafts under `min_tokens` join a neighbour of the same section that has
//! room, until nothing changes.

use crate::pack::{Atom, Counter, Draft};

/// Merges text drafts under `min_tokens` into a neighbour that has room, until nothing
/// changes.
pub(crate) fn merge_small(
    counter: &Counter,
    mut drafts: Vec<Draft>,
    budget: usize,
    min: usize,
) -> Vec<Draft> {
    // First, a draft of nothing but headings (or a table's lead-in) joins what follows it.
    let mut i = 0;
    while i + 1 < drafts.len() {
        if drafts[i].all_headings()
            && drafts[i + 1].open_before()
            && drafts[i].tokens + drafts[i + 1].tokens <= budget
        {
            let mut atoms = drafts[i].atoms.clone();
            atoms.extend(drafts[i + 1].atoms.iter().cloned());
            let tokens = counter.count(&atoms);
            if tokens <= budget {
                drafts[i] = Draft { atoms, tokens };
                drafts.remove(i + 1);
                continue;
            }
        }
        i += 1;
    }
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < drafts.len() && drafts.len() > 1 {
            let d = &drafts[i];
            if d.tokens >= min || !d.whole_tables() {
                i += 1;
                continue;
            }
            // (neighbour index, merged atoms, merged tokens, neighbour tokens)
            let mut options: Vec<(usize, Vec<Atom>, usize, usize)> = Vec::new();
            if i > 0 && drafts[i - 1].open_after() && d.tokens + drafts[i - 1].tokens <= budget {
                let mut atoms = drafts[i - 1].atoms.clone();
                atoms.extend(d.atoms.iter().cloned());
                let t = counter.count(&atoms);
                if t <= budget {
                    options.push((i - 1, atoms, t, drafts[i - 1].tokens));
                }
            }
            if i + 1 < drafts.len()
                && drafts[i + 1].open_before()
                && d.tokens + drafts[i + 1].tokens <= budget
            {
                let mut atoms = d.atoms.clone();
                atoms.extend(drafts[i + 1].atoms.iter().cloned());
                let t = counter.count(&atoms);
                if t <= budget {
                    options.push((i + 1, atoms, t, drafts[i + 1].tokens));
                }
            }
            // A heading, or text right before a table (a caption), goes with what follows;
            // text right after a table (a note) with the table; else the smaller neighbour.
            let ends_with_heading = d.atoms.last().is_some_and(|a| a.heading);
            let table_next = drafts
                .get(i + 1)
                .and_then(|n| n.atoms.first())
                .is_some_and(|a| a.table.is_some());
            let table_before = i > 0
                && drafts[i - 1]
                    .atoms
                    .last()
                    .is_some_and(|a| a.table.is_some());
            let choice = if options.len() == 2 {
                let next_first = ends_with_heading
                    || table_next
                    || (!table_before && options[1].3 < options[0].3);
                if next_first {
                    options.pop()
                } else {
                    options.into_iter().next()
                }
            } else {
                options.pop()
            };
            match choice {
                Some((j, atoms, tokens, _)) => {
                    let lo = i.min(j);
                    drafts[lo] = Draft { atoms, tokens };
                    drafts.remove(lo + 1);
                    changed = true;
                    i = lo;
                }
                None => i += 1,
            }
        }
        if !changed {
            return drafts;
        }
    }
}
