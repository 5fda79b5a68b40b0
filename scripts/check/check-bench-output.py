#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the output of a simgpu_bench run (make check runs it with --smoke).

Prints TAP: the run ended well, every CSV has its header and at least one
row of finite positive numbers, and the summary lines are there. It never
judges a timing: under TCG they say nothing about a target.

Usage: check-bench-output.py DIR
"""
import csv
import math
import os
import re
import sys

CSVS = {
    "latency.csv": ["scheme", "mode", "gpus", "flush_us", "preempt_us", "op",
                    "reps", "median_us", "p99_us", "mean_us", "min_us",
                    "max_us"],
    "populate.csv": ["pages", "method", "size_mib", "reps", "median_ms",
                     "mib_per_s"],
    "scaling.csv": ["bos", "op", "reps", "median_us", "ratio_vs_0"],
    "scaling-memory.csv": ["bos", "slab_delta_kib", "bytes_per_userptr",
                           "create_us_per_bo"],
    "revalidate.csv": ["mode", "reps", "median_us", "p99_us",
                       "invalidate_median_us"],
    "partial.csv": ["mode", "size_mib", "event", "inval_kib", "reps",
                    "populate_us", "steady_us", "after_us", "ratio"],
    "stall.csv": ["populate_mib", "reps", "idle_median_us", "busy_median_us",
                  "busy_p99_us", "ratio"],
    "spin.csv": ["spin_s", "wall_s", "cpu_ms", "cpu_percent"],
    "fork.csv": ["userptrs", "access", "reps", "fork_median_us",
                 "preemptions_per_fork", "tlb_flushes_per_fork"],
}
TEXT_FIELDS = {"scheme", "mode", "op", "method", "pages", "event", "access"}
SIGNED_FIELDS = {"slab_delta_kib", "bytes_per_userptr"}
DEVICE_LINE = re.compile(r"^two-pass 1-GPU stall over the device latency, "
                         r"(preempt|fault): \d+\.\d\d \(-?\d+ us above it\)$")
# The summary lines that must be printed: the check's name, the line, and
# what is said when it is missing.
SUMMARY_LINES = [
    ("the two-pass latency ratio line is printed",
     r"^two-pass \d+/1 GPU latency ratio: \d+\.\d\d$",
     "no 'two-pass N/1 GPU latency ratio' line"),
    ("the partial revalidation ratio line is printed",
     r"^partial revalidation, worst job after/steady ratio: "
     r"\d+\.\d\d \(target <= 2\)$",
     "no 'partial revalidation' line"),
    ("the populate stall ratio line is printed",
     r"^munmap stall during a populate, over idle: "
     r"\d+\.\d\d \(target <= 1\.5\)$",
     "no 'munmap stall during a populate' line"),
    ("the fork line is printed",
     r"^fork, read-only: preemptions and TLB "
     r"flushes per fork \d+\.\d\d \(target 0\)$",
     "no 'fork, read-only' line"),
    ("the CPU time of a SPIN job is printed",
     r"^guest CPU time during a SPIN job: \d+\.\d% of one CPU$",
     "no 'guest CPU time during a SPIN job' line"),
]


def check_csv(path, header):
    if not os.path.exists(path):
        return "missing"
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != header:
        return f"header is {rows[0] if rows else None}, not {header}"
    if len(rows) < 2:
        return "no rows"
    for row in rows[1:]:
        if len(row) != len(header):
            return f"row {row} has {len(row)} fields"
        for name, value in zip(header, row):
            if name in TEXT_FIELDS:
                continue
            try:
                number = float(value)
            except ValueError:
                return f"{name}={value!r} is not a number"
            if not math.isfinite(number):
                return f"{name}={value} is not a finite number"
            # Slab deltas are differences of system-wide counters: other
            # frees can make them negative for small counts.
            if number < 0 and name not in SIGNED_FIELDS:
                return f"{name}={value} is not a finite number >= 0"
            if name in ("reps", "gpus", "median_us", "mib_per_s") and number <= 0:
                return f"{name}={value} is not positive"
    return None


def main():
    out = sys.argv[1]
    checks = []
    status = open(os.path.join(out, "status")).read().strip() \
        if os.path.exists(os.path.join(out, "status")) else "missing"
    checks.append(("simgpu_bench exited 0", None if status == "0"
                   else f"exit status {status}"))
    for name, header in CSVS.items():
        checks.append((f"{name} is sane", check_csv(os.path.join(out, name),
                                                    header)))
    text = open(os.path.join(out, "bench.txt")).read().splitlines() \
        if os.path.exists(os.path.join(out, "bench.txt")) else []
    for check, pattern, missing in SUMMARY_LINES:
        found = any(re.match(pattern, line) for line in text)
        checks.append((check, None if found else missing))
    device = {m.group(1) for m in map(DEVICE_LINE.match, text) if m}
    checks.append(("the 1-GPU stall over the device latency is printed per mode",
                   None if device == {"preempt", "fault"}
                   else f"only for {sorted(device)}"))
    print("TAP version 13")
    print(f"1..{len(checks)}")
    failed = 0
    for i, (name, problem) in enumerate(checks, 1):
        if problem:
            failed += 1
            print(f"not ok {i} {name} # {problem}")
        else:
            print(f"ok {i} {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
