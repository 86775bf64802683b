#!/usr/bin/env python3
"""Rewrites an HTML filing in a way that must not change what finloom extracts: the same
document as another filer's software would have written it (scripts/metamorphic runs them).

    perturb.py MODE IN OUT      MODE: spans | nbsp | fontcells | boldcss

spans:     every other word of the body's text sits in a <span> of its own (no style);
nbsp:      every other space between words is a no-break space (&#160;), as Word writes them;
fontcells: every table cell opens a <font> that is never closed (<td><font>1,234</td>);
boldcss:   <b>/<strong> become <span style="font-weight:bold">.
Text inside <script>, <style> and <title>, and tags' attributes, are left alone. Exit code 3:
no <body> to rewrite (the caller copies the file unchanged).
"""
import re, sys

mode, src, dst = sys.argv[1:4]
data = open(src, 'rb').read()
try:
    s = data.decode('utf-8'); enc = 'utf-8'
except UnicodeDecodeError:
    s = data.decode('latin-1'); enc = 'latin-1'

def outside_raw(s, fn):
    # apply fn to the parts outside <script>/<style>/<title> and outside SGML header blocks
    parts = re.split(r'(?is)(<(script|style|title)\b.*?</\2\s*>)', s)
    out = []
    i = 0
    while i < len(parts):
        out.append(fn(parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
        i += 3
    return ''.join(out)

if mode == 'spans':
    def split_text(chunk):
        def rep(m):
            t = m.group(1)
            if not t.strip() or ' ' not in t.strip():
                return m.group(0)
            pieces = re.split(r'( +)', t)
            # group word + following spaces; wrap every other word group in a span
            out = []
            for k, p in enumerate(pieces):
                if k % 4 == 2 and p.strip():
                    out.append('<span>' + p + '</span>')
                else:
                    out.append(p)
            return '>' + ''.join(out) + '<'
        return re.sub(r'>([^<>]+)<', rep, chunk)
    # only inside the body
    m = re.search(r'(?is)<body\b[^>]*>', s)
    if not m:
        sys.exit(3)
    s = s[:m.end()] + outside_raw(s[m.end():], split_text)
elif mode == 'nbsp':
    # every other space between words becomes a no-break space (&#160;), as Word exports do
    def nb(chunk):
        def rep(m):
            t = m.group(1)
            n = [0]
            def sp(_):
                n[0] += 1
                return '&#160;' if n[0] % 2 else ' '
            return '>' + re.sub(r'(?<=\S) (?=\S)', sp, t) + '<'
        return re.sub(r'>([^<>]+)<', rep, chunk)
    m = re.search(r'(?is)<body\b[^>]*>', s)
    if not m:
        sys.exit(3)
    s = s[:m.end()] + outside_raw(s[m.end():], nb)
elif mode == 'fontcells':
    # a <font> opened in every table cell and never closed, as some 1990s-2000s HTML writers do
    s = re.sub(r'(?i)(<t[dh]\b[^>]*>)', r'\1<font>', s)
elif mode == 'boldcss':
    s = re.sub(r'(?i)<(b|strong)(\s[^>]*)?>', '<span style="font-weight:bold">', s)
    s = re.sub(r'(?i)</(b|strong)\s*>', '</span>', s)
else:
    sys.exit(2)
open(dst, 'wb').write(s.encode(enc))
