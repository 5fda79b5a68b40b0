#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The differential run of the real drivers' KUnit suites: the same suites on
# the adoption kernel with the stock 6.12 drivers (the conversion patches
# left out, their test patches kept) and with the converted ones, side by
# side. A case that fails on stock and passes converted is a behaviour the
# conversion changes on purpose; one that passes on stock and fails
# converted is a regression.
#
# Usage: differential.sh
# Prints one line per case: its result on stock, then converted. Exits 1 on
# a regression. Builds a second source tree (stock drivers) next to the
# usual one; both share the ccache.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$PROJECT_ROOT/scripts/lib/suites.conf"

# The patches that change a driver: the conversions and fixes (their tests
# come before them, and stay in the stock run).
conversions="*-drm-xe-use-drm_userptr-* *-drm-amdgpu-leave-a-KFD-userptr-no-stale-pages-* *-drm-amdgpu-use-drm_userptr-* *-drm-amdkfd-evict-the-queues-* *-drm-amdkfd-let-an-MMU-notifier-*"

runs="$CACHE_DIR/runs/differential-$(date +%Y%m%d-%H%M%S)"
for variant in stock converted; do
	skip=""
	[ $variant = stock ] && skip=$conversions
	log "$variant drivers: building the adoption kernel"
	KERNEL_SKIP_PATCHES=$skip KERNEL_FLAVOUR=adoption \
		"$PROJECT_ROOT/scripts/build/build-kernel.sh" > /dev/null
	log "$variant drivers: running ${KUNIT_ADOPTION_SUITES}"
	rc=0
	KERNEL_SKIP_PATCHES=$skip KERNEL_FLAVOUR=adoption \
		"$PROJECT_ROOT/scripts/vm/run-vm.sh" --results "$runs/$variant" \
		--append "kunit.filter_glob=$KUNIT_ADOPTION_GLOB" -- \
		"$PROJECT_ROOT/scripts/guest/run-suites.sh" adoption || rc=$?
	case $rc in 0|1) ;; *) die "the $variant run failed ($rc): see $runs/$variant" ;; esac
done

python3 - "$runs" <<'PY'
import os, re, sys
runs = sys.argv[1]
def cases(variant):
    # A "# Subtest: NAME" header indented by 4 * (d + 1) names the
    # container whose own result, after its children, is at depth d.
    out, headers = {}, {}
    d = os.path.join(runs, variant, "kunit")
    for name in sorted(os.listdir(d)):
        for line in open(os.path.join(d, name), errors="replace"):
            line = line.rstrip().expandtabs(4)
            indent = len(line) - len(line.lstrip())
            m = re.match(r"^\s*# Subtest: (.*)$", line)
            if m:
                headers[indent // 4 - 1] = m.group(1)
                continue
            m = re.match(r"^\s*(not ok|ok) \d+ (.*?)(\s+#.*)?$", line)
            if not m:
                continue
            depth = indent // 4
            path = [headers.get(i, "?") for i in range(depth)] + [m.group(2)]
            out[" / ".join(path)] = "pass" if m.group(1) == "ok" else "FAIL"
    # Keep the leaves only: a parameterised case's parameters.
    return {k: v for k, v in out.items()
            if not any(o != k and o.startswith(k + " / ") for o in out)}
stock, conv = cases("stock"), cases("converted")
regressions = 0
for case in sorted(set(stock) | set(conv), key=lambda c: list(conv).index(c) if c in conv else 0):
    s, c = stock.get(case, "-"), conv.get(case, "-")
    note = ""
    if s == "pass" and c != "pass":
        note, regressions = "  <- regression", regressions + 1
    elif s != "pass" and c == "pass":
        note = "  <- changed on purpose"
    print(f"{s:5s} {c:5s}  {case}{note}")
print(f"{regressions} regressions; results in {runs}")
sys.exit(1 if regressions else 0)
PY
