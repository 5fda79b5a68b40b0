#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A long run of one load in the test VM: `make fuzz` (the multi-process
# ioctl fuzzer) or `make stress` (the IGT stress subtest), for DURATION
# seconds. Builds what it needs, checks the kernel log as every run does
# (a lockdep report, WARN, BUG, hung task, KASAN or kmemleak report fails
# it), and prints the load's figures and result.
#
# Usage: soak.sh fuzz|stress DURATION [SEED]
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

load=${1:-} duration=${2:-} seed=${3:-}
case "$load" in fuzz|stress) ;; *) die "usage: $0 fuzz|stress DURATION [SEED]" ;; esac
[[ $duration =~ ^[0-9]+$ ]] && [ "$duration" -gt 0 ] ||
	die "DURATION must be a number of seconds, not '$duration'"
[ -z "$seed" ] || [[ $seed =~ ^(0x)?[0-9a-fA-F]+$ ]] || die "bad SEED '$seed'"

"$PROJECT_ROOT/scripts/build/setup-host.sh" > /dev/null
"$PROJECT_ROOT/scripts/build/build-kernel.sh" > /dev/null
"$PROJECT_ROOT/scripts/build/build-tests.sh" > /dev/null

results="$CACHE_DIR/runs/$load-$(date +%Y%m%d-%H%M%S)"
suite="$load=$duration"
[ -z "$seed" ] || suite+=":$seed"
rc=0
# The load, plus the boot, plus a hang timeout's worth of shutting down.
"$PROJECT_ROOT/scripts/vm/run-vm.sh" --timeout $((duration + 600)) \
	--results "$results" -- \
	"$PROJECT_ROOT/scripts/guest/run-suites.sh" "$suite" || rc=$?

case $load in
fuzz) tap=$results/simgpu/simgpu_fuzz.tap ;;
stress) tap=$results/igt/simgpu_userptr_multi.tap
	cat "$results/igt/simgpu_userptr_multi@stress.log" 2> /dev/null |
		grep -E 'stress:|thread [0-9]+:' || true ;;
esac
[ -f "$tap" ] && cat "$tap"
case $rc in
0) log "$load: passed; results and kernel log in $results" ;;
3) log "$load: the kernel log has a splat (see above); results in $results" ;;
124) log "$load: the VM did not finish in time; results in $results" ;;
*) log "$load: FAILED ($rc); results in $results" ;;
esac
exit $rc
