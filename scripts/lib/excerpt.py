#!/usr/bin/env python3
"""Cuts real-filing excerpts for the tables plugin's regression tests.

    python3 scripts/lib/excerpt.py ../shared/corpus plugins/tables/tests/fixtures

reads plugins/tables/tests/fixtures/EXCERPTS.tsv (fixture, source file under the corpus,
pieces) and writes each fixture as an HTML file: the pieces of the source's HTML, verbatim,
in source order, inside <html><body>, with a comment naming the source. The inline-XBRL
tags (ix:nonFraction with scale, sign, format) come along, so each fixture carries its own
oracle: the value the filing states for every tagged number.

(Written for the tables plugin's excerpts; the sections plugin's live beside them under
plugins/sections/tests/fixtures/ with their own EXCERPTS.tsv.)

A piece names the K-th occurrence (1-based) of TEXT in the raw HTML and is one of
- `table:TEXT#K:CHARS`: the <table> holding it, with CHARS characters of HTML before it (moved
  back to the start of a <div> or <p> element), where notes such as "(In millions)" sit;
- `next_table:TEXT#K`: from the <div>/<p> holding it (a caption, a note) to the end of the
  next table;
- `block:TEXT#K`: the <div>/<p> holding it (a running note such as "(Tables present dollars
  in millions)");
- `range:TEXT#K..END#K2`: from the <div>/<p> holding TEXT up to the one holding END;
- `contexts`: the source's `xbrli:context` elements that the excerpt's facts name in their
  `contextRef`, verbatim, in a hidden `ix:header` at the top: each fact's period, for tests
  of which period a column header gives a cell.
Pieces that overlap are merged.
"""
import os
import re
import sys


def find_nth(html, text, k):
    pos = -1
    for _ in range(k):
        pos = html.find(text, pos + 1)
        if pos < 0:
            raise SystemExit(f"not found: {text!r} #{k}")
    return pos


def block_start(html, pos):
    found = [html.rfind(t, 0, pos) for t in ("<div", "<p ", "<p>")]
    return max([s for s in found if s >= 0], default=pos)


def piece_range(html, spec):
    kind, rest = spec.split(":", 1)
    if kind == "range":
        # range:TEXT#K..END_TEXT#K2 — from the <div>/<p> holding TEXT to the one holding
        # END_TEXT (not included).
        left, right = rest.split("..", 1)
        (t1, k1), (t2, k2) = left.rsplit("#", 1), right.rsplit("#", 1)
        a = find_nth(html, t1, int(k1))
        b = find_nth(html, t2, int(k2))
        return block_start(html, a), block_start(html, b)
    m = re.match(r"^(.*?)#(\d+)(?::(\d+))?$", rest)
    if not m:
        raise SystemExit(f"bad piece {spec!r}")
    text, k, chars = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    pos = find_nth(html, text, k)
    if kind == "block":
        ends = [e for e in (html.find("</div>", pos), html.find("</p>", pos)) if e >= 0]
        end = min(ends)
        return block_start(html, pos), html.find(">", end) + 1
    if kind == "next_table":
        end = html.find("</table>", pos)
        return block_start(html, pos), end + len("</table>")
    if kind != "table":
        raise SystemExit(f"unknown piece kind {kind!r}")
    start = html.rfind("<table", 0, pos)
    end = html.find("</table>", pos)
    if start < 0 or end < 0:
        raise SystemExit(f"no table around {text!r}")
    end += len("</table>")
    if chars:
        lo = max(0, start - chars)
        snapped = [html.rfind(t, 0, lo + 1) for t in ("<div", "<p ", "<p>")]
        lo = max([s for s in snapped if s >= 0], default=lo)
        start = lo
    return start, end


def contexts(html, body):
    """The source's context elements that the facts in `body` name, in a hidden header."""
    refs = sorted(set(re.findall(r'contextRef="([^"]+)"', body)))
    found = []
    for ref in refs:
        m = re.search(
            r'<((?:[\w.-]+:)?context)\b[^>]*\bid="' + re.escape(ref) + r'"[^>]*>.*?</\1>',
            html,
            re.S,
        )
        if not m:
            raise SystemExit(f"context {ref!r} not found")
        found.append(m.group(0))
    return (
        '<div style="display:none"><ix:header><ix:resources>\n'
        + "\n".join(found)
        + "\n</ix:resources></ix:header></div>"
    )


def main():
    corpus, out_dir = sys.argv[1], sys.argv[2]
    spec_path = os.path.join(out_dir, "EXCERPTS.tsv")
    for line in open(spec_path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        name, source, *pieces = line.split("\t")
        if source.startswith("github:"):
            # Copied by hand from a repository, not from the corpus: nothing to cut here.
            print(f"{name}: kept as is ({source.split('@')[0]})")
            continue
        html = open(os.path.join(corpus, source), encoding="utf-8", errors="replace").read()
        want_contexts = "contexts" in pieces
        pieces = [p for p in pieces if p != "contexts"]
        ranges = sorted(piece_range(html, p) for p in pieces)
        merged = []
        for s, e in ranges:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        body = "\n<!-- … -->\n".join(html[s:e] for s, e in merged)
        if want_contexts:
            body = contexts(html, body) + "\n" + body
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(
                f"<html><body>\n<!-- Excerpt of {source} (SEC EDGAR, public record), cut by "
                f"scripts/lib/excerpt.py from plugins/tables/tests/fixtures/EXCERPTS.tsv -->\n"
            )
            f.write(body)
            f.write("\n</body></html>\n")
        print(f"{name}: {sum(e - s for s, e in merged)} bytes from {source}")


if __name__ == "__main__":
    main()
