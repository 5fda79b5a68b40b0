#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Everything `make check` does: set up the host, build the test kernel and
# test programs, lint, run every suite in the VM, check the kernel log, and
# print per-suite results ending in "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

logs="$CACHE_DIR/logs"
mkdir -p "$logs"
checks=()
t_start=$(date +%s)

# Run one step with its output in a log file; show the tail if it fails.
step() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	log "$name"
	"$@" > "$logs/$name.log" 2>&1 || rc=$?
	log "$name: $([ $rc = 0 ] && echo ok || echo "FAILED ($rc)") in $(( $(date +%s) - t0 ))s"
	if [ $rc != 0 ]; then
		tail -40 "$logs/$name.log" | sed 's/^/    /' >&2
	fi
	return $rc
}

step setup "$PROJECT_ROOT/scripts/build/setup-host.sh" || exit 1
step kernel "$PROJECT_ROOT/scripts/build/build-kernel.sh" || { echo "0 passed, 1 failed"; exit 1; }
step kernel-adoption env KERNEL_FLAVOUR=adoption "$PROJECT_ROOT/scripts/build/build-kernel.sh" ||
	{ echo "0 passed, 1 failed"; exit 1; }
step tests "$PROJECT_ROOT/scripts/build/build-tests.sh" || { echo "0 passed, 1 failed"; exit 1; }

if step lint "$PROJECT_ROOT/scripts/check/lint.sh"; then
	checks+=(--check lint=pass)
else
	checks+=(--check lint=fail)
fi

results="$CACHE_DIR/runs/check-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results/host"
# Host-side suites: the checks the VM runs rely on.
"$PROJECT_ROOT/scripts/tests/check-kernel-log-test.sh" > "$results/host/check-kernel-log.tap"
step out-of-tree "$PROJECT_ROOT/scripts/tests/out-of-tree-test.sh"
cp "$logs/out-of-tree.log" "$results/host/out-of-tree.tap"

# A VM run's status as a host-side check: its kernel log (clean unless
# run-vm.sh said 3), or the run itself if it failed otherwise.
vm_check() { # name suffix, run-vm.sh status
	case $2 in
	0|1) checks+=(--check "kernel-log$1=pass") ;;
	3) checks+=(--check "kernel-log$1=fail") ;;
	*) checks+=(--check "vm-run$1=fail") ;;
	esac
}

vm_rc=0
# About 21 minutes on a slow 2-core host (2026-12-02): twice that before
# the run counts as hung.
step vm "$PROJECT_ROOT/scripts/vm/run-vm.sh" --timeout 2700 --results "$results" -- \
	"$PROJECT_ROOT/scripts/guest/run-suites.sh" kunit hmm simgpu igt bench || vm_rc=$?
vm_check "" "$vm_rc"
[ -f "$results/boot-time" ] && log "$(cat "$results/boot-time")"
# Every DMA mapping through bounce buffers: userptrs must be refused, not
# silently bounced. Only the cases about it run on this boot.
swiotlb_rc=0
step vm-swiotlb "$PROJECT_ROOT/scripts/vm/run-vm.sh" --results "$results/swiotlb" \
	--append "swiotlb=force kunit.filter_glob=drm_userptr.drm_userptr_test_bounce_refused" -- \
	"$PROJECT_ROOT/scripts/guest/run-suites.sh" swiotlb || swiotlb_rc=$?
vm_check "-swiotlb" "$swiotlb_rc"
# The adoption kernel: the real drivers' userptr code under KUnit (only
# those suites; the project's own ran on the test kernel).
. "$PROJECT_ROOT/scripts/lib/suites.conf"
adoption_rc=0
step vm-adoption env KERNEL_FLAVOUR=adoption "$PROJECT_ROOT/scripts/vm/run-vm.sh" \
	--results "$results/adoption" --append "kunit.filter_glob=$KUNIT_ADOPTION_GLOB" -- \
	"$PROJECT_ROOT/scripts/guest/run-suites.sh" adoption || adoption_rc=$?
vm_check "-adoption" "$adoption_rc"
# The benchmarks' smoke run: sane output, never a timing.
"$PROJECT_ROOT/scripts/check/check-bench-output.py" "$results/bench" \
	> "$results/bench-sanity.tap" 2>&1 || true
log "results and full kernel log: $results"

echo "Results ($(( $(date +%s) - t_start ))s):"
"$PROJECT_ROOT/scripts/check/summarize-results.py" "$results" "${checks[@]}"
