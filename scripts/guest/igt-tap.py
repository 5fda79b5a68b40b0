#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""TAP lines for one IGT subtest run in its own process, as igt_runner
judges it (IGT 1.27.1, runner/resultgen.c; Documentation/gpu/drm-userptr/
igt.rst compares the two).

Usage: igt-tap.py --subtest SUB --rc RC --ms MS --kmsg-lines N
                  --splats FILE --log FILE --first N

Prints, numbered from --first: one line per dynamic subtest the log
reports ("Dynamic subtest NAME: RESULT (TIME)"), else one line for the
subtest from its exit code; then a failed line if the kernel log since the
previous subtest holds a splat (--splats: the matching lines, one per
line). Exits 1 if any printed line is "not ok".

Exit codes, as IGT's: 0 pass, 77 skip, 98 fail, anything else a crash.
Stricter than igt_runner in one place: 79 (IGT_EXIT_INVALID, no such
subtest) fails here, where igt_runner reports a skip, since every subtest
run comes from the binary's own --list-subtests. With dynamic subtests,
their lines say it all, unless the process crashed after them.
"""
import argparse
import re
import sys

DYNAMIC = re.compile(r'^Dynamic subtest (.*): ([A-Z]+) \((.*)\)')
EXIT_PASS, EXIT_SKIP, EXIT_INVALID, EXIT_FAILURE = 0, 77, 79, 98


def first_line(lines, pattern, after=0, flags=0):
    """The first line matching pattern, with the `after` lines after it."""
    for i, line in enumerate(lines):
        if re.search(pattern, line, flags):
            return ' '.join(lines[i:i + 1 + after])
    return ''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--subtest', required=True)
    ap.add_argument('--rc', type=int, required=True)
    ap.add_argument('--ms', type=int, required=True)
    ap.add_argument('--kmsg-lines', type=int, required=True)
    ap.add_argument('--splats', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--first', type=int, required=True)
    args = ap.parse_args()

    with open(args.log, errors='replace') as f:
        log = f.read().splitlines()
    with open(args.splats, errors='replace') as f:
        splats = [line[:160] for line in f.read().splitlines() if line]

    tap = []
    sub = args.subtest
    for line in log:
        m = DYNAMIC.match(line)
        if not m:
            continue
        name, result, when = m.groups()
        if result == 'SUCCESS':
            tap.append(('ok', f'{sub}@{name} # {when}'))
        elif result == 'SKIP':
            tap.append(('ok', f'{sub}@{name} # SKIP'))
        else:
            tap.append(('not ok', f'{sub}@{name} # {result}'))
    if splats:
        tap.append(('not ok', f'{sub} # kernel log: {"; ".join(splats)}'))

    rc = args.rc
    dynamic = any(DYNAMIC.match(line) for line in log)
    if not dynamic or rc not in (EXIT_PASS, EXIT_SKIP, EXIT_FAILURE):
        if rc == EXIT_PASS:
            tap.append(('ok', f'{sub}'))
        elif rc == EXIT_SKIP:
            why = first_line(log, r'requirement|skip', flags=re.IGNORECASE)
            tap.append(('ok', f'{sub} # SKIP {why}'))
        elif rc == EXIT_FAILURE:
            why = first_line(log, r'Test assertion failure|Failed assertion', 1)
            tap.append(('not ok', f'{sub} # FAIL: {why}'))
        elif rc == EXIT_INVALID:
            tap.append(('not ok', f'{sub} # INVALID: exit {rc}'))
        else:
            tap.append(('not ok', f'{sub} # CRASH: exit {rc}'))

    for i, (result, text) in enumerate(tap):
        print(f'{result} {args.first + i} {text}')
    print(f'# {sub}: exit {rc} in {args.ms} ms, '
          f'{args.kmsg_lines} kernel log lines')
    return 1 if any(result == 'not ok' for result, _ in tap) else 0


if __name__ == '__main__':
    sys.exit(main())
