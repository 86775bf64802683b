#!/usr/bin/env python3
"""Runs a command and samples, every 50 ms, the resident memory of it and all its descendants
summed (for `finloom run`: the run process and its worker processes). Writes the peak, in MB
(10^6 bytes), to the file named by the first argument; the rest is the command.

    python3 scripts/lib/rss-sum.py PEAK_FILE CMD [ARGS...]

finloom reports per process (`peak_rss_mb`, `peak_worker_rss_mb`) and, since session 14, the
sum itself (`peak_total_rss_mb`, sampled by the supervisor); this script is an independent
check of that figure, run by hand (the benchmarks no longer run it: a second sampler on the
same cores would be part of what they measure). A 50 ms sample can miss a shorter spike: the
figure is a floor.
"""
import os
import subprocess
import sys
import time


def children(pid):
    out = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree(pid):
    out = [pid]
    for c in children(pid):
        out += tree(c)
    return out


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


peak_file, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd)
peak = 0
while p.poll() is None:
    peak = max(peak, sum(rss(x) for x in tree(p.pid)))
    time.sleep(0.05)
with open(peak_file, "w") as f:
    f.write(f"{peak / 1e6:.0f}\n")
sys.exit(p.returncode)
