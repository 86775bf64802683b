#!/usr/bin/env python3
"""Rewrites an HTML filing in a way that must not change what finloom extracts: the same
document as another filer's software would have written it (scripts/metamorphic runs them).

    perturb.py MODE IN OUT      MODE: spans | nbsp | fontcells | fontparas | boldcss | crlf |
                                      upper | wrap | entities | divs |
                                      itemtable | itemsplit | brparas | pagebreaks |
                                      layout | brheading | caps | itempunct | itemh |
                                      itemplain | noteul | noteital | cellmerge |
                                      negminus | usd

spans:     every other word of the body's text sits in a <span> of its own (no style);
nbsp:      every other space between words is a no-break space (&#160;), as Word writes them;
fontcells: every table cell opens a <font> that is never closed (<td><font>1,234</td>);
fontparas: every paragraph opens a <font size="2"> that is never closed (<p><font size="2">…<p>);
boldcss:   <b>/<strong> become <span style="font-weight:bold">;
crlf:      every line ends in CR LF (plain-text filings too);
upper:     tag and attribute names in capitals (<P ALIGN="center">; ix: tags and values kept);
wrap:      the text hard-wrapped, every fourth space between words a line end (not in <pre>);
entities:  every non-ASCII character and named entity as a numeric reference (&#8217;);
divs:      closed paragraphs (<p>…</p>) as <div>s;
itemtable: a paragraph that is only an Item heading becomes a one-row table (number | title);
itemsplit: ... or two bold paragraphs, the number, then the title;
brparas:   consecutive paragraphs outside tables become one paragraph with <br><br> between;
pagebreaks: every 12th paragraph outside tables ends a page, with a footer ("ACME Corp | 2024
           Form 10-K | 3") before the break and a "Table of Contents" link line after it;
layout:    the whole body inside one cell of a layout table;
brheading: an Item heading paragraph as the number, a <br> and the title in one bold paragraph;
caps:      an Item heading paragraph in capitals ("ITEM 7. MANAGEMENT'S DISCUSSION …");
itempunct: ... with a colon or a dash after the number ("Item 7: …", "Item 7 — …");
itemh:     ... as an <h2> (no <b>, no CSS);
itemplain: ... in plain type (no bold, no underline);
noteul:    a note heading paragraph ("1. Summary of …", "NOTE 2 — Revenue") underlined, not bold;
noteital:  ... in italics;
cellmerge: a "$" cell's sign moves into the next cell's number, a ")" cell's parenthesis into
           the negative number before it (the emptied cells stay);
negminus:  a cell holding only a negative number in parentheses, "(1,234)", shows it with a
           minus sign, "−1,234" (U+2212);
usd:       a cell holding only a "$" amount shows "US$".
The first ten leave every row as it was; the next twelve move text between blocks or add tables
or text, so only which items and notes are found (and the notes' titles) must stay the same;
after the last three, every number read must stay the same (its column position aside).
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

def body_text(s, fn, skip='script|style|title'):
    """Applies fn to every text node (between '>' and '<') of the body, outside <script>,
    <style> and <title> (the elements named in skip); exits 3 when there is no <body>."""
    m = re.search(r'(?is)<body\b[^>]*>', s)
    if not m:
        sys.exit(3)
    parts = re.split(r'(?is)(<(' + skip + r')\b.*?</\2\s*>)', s[m.end():])
    out = []
    for i in range(0, len(parts), 3):
        out.append(re.sub(r'>([^<>]+)<', lambda t: '>' + fn(t.group(1)) + '<', parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return s[:m.end()] + ''.join(out)

def item_headings(s, heading_re, make):
    """Rewrites every <p>/<div> whose whole text is an Item heading: heading_re splits the
    text into number and title, make(number, title) (both HTML-escaped) gives the new HTML.
    A paragraph holding blocks or inline-XBRL tags is left as it is (rewriting its text alone
    would drop the tags)."""
    import html as H
    def heading(m):
        inner = m.group(3)
        if re.search(r'(?i)<(table|div|p|ix:)\b', inner):
            return m.group(0)
        text = H.unescape(re.sub(r'<[^>]+>', '', inner)).replace('\xa0', ' ').strip()
        mm = re.match(heading_re, text)
        if not mm:
            return m.group(0)
        return make(H.escape(mm.group(1)), H.escape(mm.group(2)))
    return re.sub(r'(?is)<(p|div)(\s[^>]*)?>((?:(?!</?(?:p|div)\b).)*?)</\1\s*>', heading, s)

def outside_tables(s, pattern, replace):
    """Replaces the matches of pattern that are not inside a <table>: replace(match, k) for
    the k-th such match (from 1) gives the new text."""
    out, depth, pos, k = [], 0, 0, 0
    for m in re.finditer(r'(?is)<(/?)table\b[^>]*>|' + pattern, s):
        t = m.group(0).lower()
        if t.startswith('<table'):
            depth += 1
        elif t.startswith('</table'):
            depth = max(0, depth - 1)
        elif depth == 0:
            k += 1
            out.append(s[pos:m.start()])
            out.append(replace(m, k))
            pos = m.end()
    out.append(s[pos:])
    return ''.join(out)

if mode == 'spans':
    def spans(t):
        if ' ' not in t.strip():
            return t
        # word groups and the spaces between them; every other word group in a span
        pieces = re.split(r'( +)', t)
        return ''.join('<span>' + p + '</span>' if k % 4 == 2 and p.strip() else p
                       for k, p in enumerate(pieces))
    s = body_text(s, spans)
elif mode == 'nbsp':
    # every other space between words becomes a no-break space (&#160;), as Word exports do
    def nbsp(t):
        n = [0]
        def sp(_):
            n[0] += 1
            return '&#160;' if n[0] % 2 else ' '
        return re.sub(r'(?<=\S) (?=\S)', sp, t)
    s = body_text(s, nbsp)
elif mode == 'fontcells':
    # a <font> opened in every table cell and never closed, as some 1990s-2000s HTML writers do
    s = re.sub(r'(?i)(<t[dh]\b[^>]*>)', r'\1<font>', s)
elif mode == 'itemtable':
    # a paragraph that is only an Item heading becomes a one-row table: number | title
    cell = '<td style="font-weight:bold">%s</td>'
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\.?)\s*[-–—:.]?\s*([A-Za-z(“"].{2,150})$',
                      lambda n, t: '<table><tr>' + cell % n + cell % t + '</tr></table>')
elif mode == 'itemsplit':
    # a paragraph that is only an Item heading becomes two bold paragraphs: number, then title
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\s*[-–—:.]?)\s*([A-Za-z(“"].{2,150})$',
                      lambda n, t: '<p><b>%s</b></p><p><b>%s</b></p>' % (n.strip(), t))
elif mode == 'brparas':
    # consecutive paragraphs outside tables become one paragraph with line breaks
    s = outside_tables(s, r'</p\s*>\s*<p(\s[^>]*)?>', lambda m, k: '<br><br>')
elif mode == 'crlf':
    # Windows line ends (any file: the caller sends plain-text filings here too)
    s = s.replace('\r\n', '\n').replace('\n', '\r\n')
elif mode == 'pagebreaks':
    # every 12th paragraph outside tables ends a page: a footer, a page break, a header
    footer = ('<p style="text-align:center">ACME Corp | 2024 Form 10-K | %d</p>'
              '<hr style="page-break-after:always">'
              '<p style="text-align:center">Table of Contents</p>')
    s = outside_tables(s, r'</p\s*>',
                       lambda m, k: m.group(0) + (footer % (k // 12) if k % 12 == 0 else ''))
elif mode == 'boldcss':
    s = re.sub(r'(?i)<(b|strong)(\s[^>]*)?>', '<span style="font-weight:bold">', s)
    s = re.sub(r'(?i)</(b|strong)\s*>', '</span>', s)
elif mode == 'upper':
    # tag and attribute names in capitals, as 1990s-2000s HTML writers did (<P ALIGN="center">);
    # namespaced tags (ix:…) and attribute values are left alone
    def up(m):
        attrs = re.sub(r'(\s)([A-Za-z][\w-]*)(?==)', lambda a: a.group(1) + a.group(2).upper(), m.group(3))
        return '<' + m.group(1) + m.group(2).upper() + attrs + '>'
    s = re.sub(r'<(/?)([A-Za-z][A-Za-z0-9]*)(?![:\w])([^<>]*)>', up, s)
elif mode == 'wrap':
    # the source's text hard-wrapped: every fourth space between words becomes a line end
    def wrap(t):
        n = [0]
        def sp(_):
            n[0] += 1
            return '\n' if n[0] % 4 == 0 else ' '
        return re.sub(r'(?<=\S) (?=\S)', sp, t)
    s = body_text(s, wrap, skip='script|style|title|pre')
elif mode == 'entities':
    # every character outside ASCII as a numeric character reference, and the named entities
    # as numeric ones (&nbsp; -> &#160;), as ASCII-only EDGAR writers do
    import html.entities as E
    def ents(t):
        t = re.sub(r'&([A-Za-z][A-Za-z0-9]*);',
                   lambda m: '&#%d;' % E.name2codepoint[m.group(1)]
                   if m.group(1) in E.name2codepoint and m.group(1) not in ('amp', 'lt', 'gt') else m.group(0), t)
        return ''.join(c if ord(c) < 128 else '&#%d;' % ord(c) for c in t)
    s = body_text(s, ents)
elif mode == 'divs':
    # closed paragraphs as <div>s (an unclosed <p> is closed by the next block; an unclosed
    # <div> is not, so those are left as they are)
    s = re.sub(r'(?is)<p(\s[^>]*)?>((?:(?!</?p\b).)*?)</p\s*>',
               lambda m: '<div' + (m.group(1) or '') + '>' + m.group(2) + '</div>', s)
elif mode == 'fontparas':
    # every paragraph opens a <font> that is never closed (<p><font size="2">text<p>…), as
    # 1990s-2000s HTML writers did; the parser carries the open font into the next blocks
    s = re.sub(r'(?i)(<p\b[^>]*>)', r'\1<font size="2">', s)
elif mode == 'layout':
    # the whole body inside one cell of a layout table, as early HTML converters wrote it
    m = re.search(r'(?is)<body\b[^>]*>', s)
    e = re.search(r'(?is)</body\s*>', s)
    if not m or not e:
        sys.exit(3)
    s = s[:m.end()] + '<table width="100%"><tr><td>' + s[m.end():e.start()] + '</td></tr></table>' + s[e.start():]
elif mode == 'brheading':
    # an Item heading paragraph as the number, a line break, and the title
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\s*[-–—:.]?)\s*([A-Za-z(“"].{2,150})$',
                      lambda n, t: '<p><b>%s<br>%s</b></p>' % (n.strip(), t))
elif mode == 'caps':
    # an Item heading paragraph in capitals (ITEM 7. MANAGEMENT'S DISCUSSION …)
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\s*[-–—:.]?)\s*([A-Za-z(“"].{2,150})$',
                      lambda n, t: '<p><b>%s %s</b></p>' % (n.strip().upper(), t.upper()))
elif mode == 'itempunct':
    # an Item heading paragraph with a colon or a dash after the number ("Item 7: …", "Item 7 — …")
    n = [0]
    def punct(num, t):
        n[0] += 1
        num = re.sub(r'\s*[-–—:.]?\s*$', '', num)
        return '<p><b>%s%s%s</b></p>' % (num, ': ' if n[0] % 2 else ' \u2014 ', t)
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\s*[-–—:.]?)\s*([A-Za-z(“"].{2,150})$', punct)
elif mode == 'itemh':
    # an Item heading paragraph as an <h2>, its weight left to the browser (no <b>, no CSS)
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\s*[-–—:.]?)\s*([A-Za-z(“"].{2,150})$',
                      lambda n, t: '<h2>%s %s</h2>' % (n.strip(), t))
elif mode == 'itemplain':
    # an Item heading paragraph in plain type: no bold, no underline, only the words
    s = item_headings(s, r'(?is)^(item\s+\d{1,2}(?:\.\d{2})?[a-c]?\s*[-–—:.]?)\s*([A-Za-z(“"].{2,150})$',
                      lambda n, t: '<p>%s %s</p>' % (n.strip(), t))
elif mode in ('noteul', 'noteital'):
    # a note heading paragraph ("1. Summary of Significant Accounting Policies", "NOTE 2 —
    # Revenue") underlined or in italics instead of bold
    tag = 'u' if mode == 'noteul' else 'i'
    s = item_headings(s, r'(?s)^((?:note|NOTE|Note)\s+\d{1,2}[A-Z]?\s*[-–—:.]?|\d{1,2}[A-Z]?\s*[-–—:.])\s*([A-Z(“"][^.]{2,120})$',
                      lambda n, t: '<p><%s>%s %s</%s></p>' % (tag, n.strip(), t, tag))
elif mode in ('negminus', 'usd'):
    # in every table cell that holds only a number: negminus writes a negative number in
    # parentheses, "(1,234)" or "$(1,234)", with a minus sign, "−1,234" (U+2212); usd writes
    # "$" as "US$"
    import html as H
    def cells(m):
        body = m.group(2)
        text = H.unescape(re.sub(r'<[^>]+>', '', body)).replace('\xa0', ' ').strip()
        if mode == 'negminus' and re.fullmatch(r'\$?\s*\(\s*\d[\d,]*(?:\.\d+)?\s*\)%?', text):
            body = re.sub(r'\((\s*(?:<[^>]*>\s*)*\d)', lambda g: '\u2212' + g.group(1)[:-1] + g.group(1)[-1], body, count=1)
            body = re.sub(r'(\d(?:\s*<[^>]*>)*\s*)\)', r'\1', body, count=1)
        elif mode == 'usd' and re.fullmatch(r'\$\s*\(?\s*\d[\d,]*(?:\.\d+)?\s*\)?', text):
            body = re.sub(r'(?<![A-Za-z])\$', 'US$', body, count=1)
        return m.group(1) + body + m.group(3)
    s = re.sub(r'(?is)(<t[dh]\b[^>]*>)((?:(?!</?t[dhr]\b|</?table\b).)*)(</t[dh]\s*>)', cells, s)
elif mode == 'cellmerge':
    # a currency sign in a cell of its own moves into the number's cell ("$ | 1,234" becomes
    # " | $1,234"), and a closing parenthesis after a negative number moves into its cell
    # ("(12 | )%" becomes "(12)% | "): cells stay where they are, only their text moves
    import html as H
    cell_re = re.compile(r'(?is)(<t[dh]\b[^>]*>)((?:(?!</?t[dhr]\b|</?table\b).)*)(</t[dh]\s*>)')
    lead = r'^((?:<(?!ix:)[^>]*>|\s|&nbsp;|&#160;)*)'
    trail = r'((?:<(?!/ix:)[^>]*>|\s|&nbsp;|&#160;)*)$'
    def text(c):
        return H.unescape(re.sub(r'<[^>]+>', '', c)).replace('\xa0', ' ').strip()
    def row(m):
        cells = list(cell_re.finditer(m.group(0)))
        if len(cells) < 2:
            return m.group(0)
        inner = [c.group(2) for c in cells]
        for k in range(len(cells)):
            t = text(inner[k])
            if t in ('$', '€', '£') and k + 1 < len(cells) and re.match(r'^\(?[\d.,]+$', text(inner[k + 1])):
                inner[k] = ''
                inner[k + 1] = re.sub(lead, lambda g: g.group(1) + H.escape(t), inner[k + 1], count=1)
            elif t in (')', ')%') and k > 0 and re.match(r'^\$?\([\d.,]*\d$', text(inner[k - 1])):
                inner[k] = ''
                inner[k - 1] = re.sub(trail, lambda g: t + g.group(1), inner[k - 1], count=1)
        out, pos = [], 0
        for c, body in zip(cells, inner):
            out.append(m.group(0)[pos:c.start(2)])
            out.append(body)
            pos = c.end(2)
        out.append(m.group(0)[pos:])
        return ''.join(out)
    s = re.sub(r'(?is)<tr\b.*?(?=<tr\b|</table\b)', row, s)
elif mode == 'submission':
    # the filing as its full submission (sec-edgar-downloader's full-submission.txt, EDGAR's
    # <accession>.txt): an SGML header, the document inside <TEXT> (and <XBRL> when it is
    # inline XBRL), then the other documents of a real 2024 submission — XBRL schema and
    # linkbases, R1.htm … renderings, a uuencoded workbook and zip. Needs the accession
    # number in the file name and the form as the folder's name; a file that already has
    # an SGML envelope is left alone.
    import os
    acc = re.search(r'\d{10}-\d{2}-\d{6}', os.path.basename(src))
    form = os.path.basename(os.path.dirname(src)).upper()
    if not acc or not re.fullmatch(r'10-K|10-Q|8-K', form) or re.match(r'(?is)\s*<(SEC-)?DOCUMENT>', s):
        sys.exit(3)
    tmpl = open('tests/fixtures/filings/8-K/BCOW_0000943374-24-000509.txt', encoding='latin-1').read()
    others = tmpl[tmpl.index('</DOCUMENT>') + len('</DOCUMENT>'):tmpl.rindex('</SEC-DOCUMENT>')]
    a = acc.group(0)
    ix = re.search(r'(?i)<ix:(nonfraction|nonnumeric|header)\b', s) is not None
    body = s.lstrip('\ufeff')
    if ix:
        body = '<XBRL>\n' + body + '\n</XBRL>'
    s = (f'<SEC-DOCUMENT>{a}.txt : 20250101\n<SEC-HEADER>{a}.hdr.sgml : 20250101\n'
         f'ACCESSION NUMBER:\t\t{a}\nCONFORMED SUBMISSION TYPE:\t{form}\n'
         f'PUBLIC DOCUMENT COUNT:\t\t13\n</SEC-HEADER>\n<DOCUMENT>\n<TYPE>{form}\n<SEQUENCE>1\n'
         f'<FILENAME>{os.path.basename(src)}\n<TEXT>\n{body}\n</TEXT>\n</DOCUMENT>{others}</SEC-DOCUMENT>\n')
else:
    sys.exit(2)
open(dst, 'wb').write(s.encode(enc))
