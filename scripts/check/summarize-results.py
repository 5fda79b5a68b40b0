#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the TAP/KTAP results a VM run left in its results directory.

Every *.tap and *.ktap file below the directory is one suite. Each leaf test
result counts once: a KUnit case, a parameterised case's parameter, a
kselftest test. Prints one line per suite, every KUnit case with its
result, every other failed test, then the totals as
"N passed, N failed, N skipped". Exits 1 if anything failed or if
no test ran at all.

Usage: summarize-results.py RESULTS_DIR [--check NAME=pass|fail ...]
A --check is a host-side check (lint, the kernel log) counted as one test.
"""
import argparse
import os
import re
import sys

RESULT = re.compile(r"^(\s*)(not ok|ok) (\d+)\s*-?\s*([^#]*?)\s*(#\s*(.*))?$")


def leaves(path):
    """Yield (name, status) for every leaf result in a TAP/KTAP file."""
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    results = []
    for line in lines:
        m = RESULT.match(line)
        if m:
            depth = len(m.group(1).expandtabs(4)) // 4
            results.append((depth, m.group(2), m.group(4), m.group(6) or ""))
    # A result is a container when the results just before it are deeper.
    prev_depth = -1
    for depth, ok, name, directive in results:
        is_container = prev_depth > depth
        prev_depth = depth
        if is_container:
            continue
        if directive.upper().startswith("SKIP"):
            status = "skip"
        elif ok == "ok":
            status = "pass"
        else:
            status = "fail"
        yield name, status, directive


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--check", action="append", default=[])
    args = ap.parse_args()

    total = {"pass": 0, "fail": 0, "skip": 0}
    for check in args.check:
        name, _, status = check.partition("=")
        total[status] += 1
        print(f"  {name:50s} {status.upper()}")
    files = []
    for root, _, names in os.walk(args.results):
        files += [os.path.join(root, n) for n in names
                  if n.endswith((".tap", ".ktap"))]
    for path in sorted(files):
        counts = {"pass": 0, "fail": 0, "skip": 0}
        failed = []
        for name, status, directive in leaves(path):
            counts[status] += 1
            if status == "fail":
                failed.append(name + (f" ({directive})" if directive else ""))
        suite = os.path.relpath(path, args.results)
        suite = suite.rsplit(".", 1)[0]
        if not sum(counts.values()):
            counts["fail"] = 1
            failed.append("(no test result in the output)")
        print(f"  {suite:50s} {counts['pass']:4d} passed, "
              f"{counts['fail']:3d} failed, {counts['skip']:3d} skipped")
        if path.endswith(".ktap"):
            # KUnit cases are few and each states a behaviour: list them.
            for name, status, directive in leaves(path):
                note = f" ({directive})" if directive else ""
                print(f"      {status.upper():4s} {name}{note}")
        else:
            for name in failed:
                print(f"      FAILED: {name}")
        for k in total:
            total[k] += counts[k]
    ran = total["pass"] + total["fail"]
    print(f"{total['pass']} passed, {total['fail']} failed, "
          f"{total['skip']} skipped")
    return 1 if total["fail"] or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
