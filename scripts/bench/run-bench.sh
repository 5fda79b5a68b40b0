#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: build what is needed (as make check does), boot the VM with 8
# simulated GPUs, run the invalidation-latency benchmark, and write its CSV
# and a PNG plot to a results folder, printed at the end. The last line is
#   two-pass 8/1 GPU latency ratio: X.XX
#
# Usage: run-bench.sh [--full] [--reps N] [--out DIR]
#   --full    every benchmark (latency, populate, scaling, revalidate,
#             partial, stall, spin, fork) on 16 GPUs, with several flush/preemption latencies
#             and more repetitions, in a 6 GiB guest (partial maps 2 GiB)
#   --reps N  repetitions of every measurement (simgpu_bench --reps)
# It runs on the benchmark kernel (KERNEL_FLAVOUR=bench: no KASAN, lockdep or
# kmemleak), built in its own directory from the test kernel's tree and
# ccache; KERNEL_FLAVOUR=test runs it on the debug test kernel instead.
set -euo pipefail
export KERNEL_FLAVOUR=${KERNEL_FLAVOUR:-bench}
. "$(dirname "$0")/../lib/common.sh"

full=0
out=""
reps=()
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--reps) reps=(--reps "$2"); shift ;;
	--out) out=$2; shift ;;
	*) die "usage: run-bench.sh [--full] [--reps N] [--out DIR]" ;;
	esac
	shift
done
out=${out:-$PROJECT_ROOT/results/bench-$(date +%Y%m%d-%H%M%S)$([ $full = 0 ] || echo -full)}
mkdir -p "$out"

"$PROJECT_ROOT/scripts/build/setup-host.sh" > "$out/setup.log" 2>&1 ||
	{ cat "$out/setup.log" >&2; die "host setup failed"; }
log "building the $KERNEL_FLAVOUR kernel and programs (log: $out/build.log)"
{ "$PROJECT_ROOT/scripts/build/build-kernel.sh" && "$PROJECT_ROOT/scripts/build/build-tests.sh"; } \
	> "$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; die "build failed"; }

if [ $full = 1 ]; then
	gpus=16
	args=(--full latency populate scaling revalidate partial stall spin fork)
	timeout=7200
	mem=6G
else
	gpus=8
	args=(latency)
	timeout=1800
	mem=3G
fi
log "running simgpu_bench ${args[*]} on $gpus GPUs in the VM"
vm_rc=0
"$PROJECT_ROOT/scripts/vm/run-vm.sh" --results "$out" --timeout "$timeout" --mem "$mem" \
	-a "simgpu.num_gpus=$gpus" -- \
	"$PROJECT_ROOT/scripts/guest/benchmarks.sh" "${reps[@]}" "${args[@]}" \
	> "$out/vm.log" 2>&1 || vm_rc=$?
bench=$out/bench
if [ ! -s "$bench/bench.txt" ] || [ "$(cat "$bench/status" 2>/dev/null)" != 0 ]; then
	cat "$bench/bench.err" "$out/vm.log" 2>/dev/null | tail -30 >&2
	die "the benchmark failed (results in $out)"
fi

"$PROJECT_ROOT/scripts/bench/plot-bench.sh" "$bench" > "$out/plot.log" 2>&1 ||
	log "warning: plotting failed (see $out/plot.log)"
{
	echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {print int($2 / 1048576)}' /proc/meminfo) GiB," \
		"$(. /etc/os-release; echo "$PRETTY_NAME"), guest under qemu TCG," \
		"$KERNEL_FLAVOUR kernel"
	echo "results: $bench (CSV, PNG)"
} >&2
cat "$bench/bench.txt"
if [ $vm_rc != 0 ]; then
	# After the table, so that it is the last thing said.
	echo "error: the kernel log of the run holds a lockdep, WARN, BUG or KASAN report: $out/console.log" >&2
	exit 3
fi
