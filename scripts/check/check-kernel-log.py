#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fail if a guest kernel log holds a splat.

A lockdep report, WARN, BUG, Oops, KASAN, UBSAN or kmemleak report, hung task
or RCU stall anywhere in the log fails the run (the patterns are in
scripts/lib/splat-patterns, which the guest's per-subtest check reads too); the
offending lines are printed with some context.

A test that provokes a warning on purpose brackets it with the lines
"expect-splat-begin: SYMBOL" and "expect-splat-end"; a "WARNING: ... at
SYMBOL+0x..." report between them, and the trace that follows it, is then
expected rather than a failure. Nothing else is excused.

Usage: check-kernel-log.py LOG [LOG ...]   (missing files are skipped)
"""
import os
import re
import sys

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "lib", "splat-patterns")) as f:
    SPLAT = re.compile("|".join(l.rstrip("\n") for l in f
                                if l.strip() and not l.startswith("#")))
PREFIX = re.compile(r"^(?:\[\s*\d+\.\d+\]\s*)?(?:\[\s*[CT]\d+\]\s*)?")
BEGIN = re.compile(r"expect-splat-begin: (\S+)")
END = re.compile(r"expect-splat-end")
TRACE_END = re.compile(r"---\[ end trace")


def check(path):
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    bad = []
    expected = None
    in_expected_trace = False
    for i, line in enumerate(lines):
        text = PREFIX.sub("", line)
        m = BEGIN.search(text)
        if m:
            expected = m.group(1)
            continue
        if END.search(text):
            expected = None
            in_expected_trace = False
            continue
        if in_expected_trace:
            if TRACE_END.search(text):
                in_expected_trace = False
            continue
        if expected and text.startswith("WARNING:") and \
                re.search(r" at .*\b%s\+0x" % re.escape(expected), text):
            in_expected_trace = True
            continue
        if SPLAT.search(text):
            bad.append(i)
    return lines, bad


def main():
    failed = False
    for path in sys.argv[1:]:
        if not os.path.exists(path):
            continue
        lines, bad = check(path)
        if not bad:
            continue
        failed = True
        print(f"kernel log check: {len(bad)} splat line(s) in {path}:",
              file=sys.stderr)
        shown = set()
        for i in bad[:20]:
            for j in range(max(0, i - 2), min(len(lines), i + 12)):
                if j not in shown:
                    print(f"  {j + 1}: {lines[j]}", file=sys.stderr)
                    shown.add(j)
            print("  ...", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
