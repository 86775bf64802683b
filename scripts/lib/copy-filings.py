"""Copies every filing under SRC into OUT, once per copy number in FIRST..LAST, under made-up
accession numbers (the accession in the file name and inside the file is rewritten: its first
four digits become the copy number, e.g. 0000320193-24-000123 -> 0007320193-24-000123 for copy
7), so each copy is a new filing. Up to 9999 copies.

    python3 scripts/lib/copy-filings.py SRC OUT FIRST LAST
"""
import os
import re
import sys

src, out, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
acc_re = re.compile(r"\d{10}-\d{2}-\d{6}")
os.makedirs(out, exist_ok=True)
for root, _, files in os.walk(src):
    for name in sorted(files):
        data = open(os.path.join(root, name), "rb").read()
        stem, ext = os.path.splitext(name)
        m = acc_re.search(stem)
        for i in range(first, last + 1):
            if m:
                acc = m.group(0)
                new = f"{i:04d}" + acc[4:]
                d = data.replace(acc.encode(), new.encode())
                d = d.replace(acc.replace("-", "").encode(), new.replace("-", "").encode())
                copy = stem.replace(acc, new) + ext
            else:  # the accession is the file stem: a new name is a new filing
                d, copy = data, f"{stem}_c{i}{ext}"
            open(os.path.join(out, copy), "wb").write(d)
