#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run test suites inside the test VM and leave their TAP/KTAP output under
# $RESULTS/<suite>/. The host summarises them (scripts/check/summarize-results.py).
#
# Usage: run-suites.sh SUITE...
#   kunit   collect the KUnit suites built into the kernel (they ran at boot)
#   hmm     tools/testing/selftests/mm/hmm-tests against test_hmm.ko
#   simgpu  the simgpu smoke test on every simulated GPU, then the
#           multi-process fuzzer for 60 s (fixed seed)
#   fuzz=SECONDS[:SEED]  only the fuzzer, for that long
#   stress=SECONDS       only the IGT stress subtest, for that long
#   igt     every subtest of the IGT tests in igt-tests/, one process each
#   bench   a short run of every simgpu benchmark (the host checks that its
#           output is sane, never a timing: scripts/check/check-bench-output.py)
#   swiotlb on a swiotlb=force boot: the drm_userptr KUnit cases about bounce
#           buffers, and the IGT subtest that simgpu refuses to bounce
#   adoption  on the adoption kernel: the KUnit suites of the real drivers'
#           userptr code (they ran at boot)
# Needs $RESULTS and $KBUILD_OUT (the kernel build directory) from the host.
set -u
here=${0%/*}
. "$here/../lib/suites.conf"
: "${RESULTS:?}" "${KBUILD_OUT:?}"
modroot="$KBUILD_OUT/modroot"
# One regex from scripts/lib/splat-patterns, as the host's log check reads it.
splat_re=$(grep -v '^#' "$here/../lib/splat-patterns" | grep . | paste -sd'|')
status=0

say() { echo "guest: $*" > /dev/kmsg; echo "guest: $*"; }

# The KTAP a KUnit suite left in debugfs, or a failed result if it never ran.
collect_kunit_suite() {
	local suite=$1 dir=$RESULTS/kunit
	mkdir -p "$dir"
	if [ -r "/sys/kernel/debug/kunit/$suite/results" ]; then
		cat "/sys/kernel/debug/kunit/$suite/results" > "$dir/$suite.ktap"
	else
		printf 'KTAP version 1\n1..1\nnot ok 1 %s # the suite did not run\n' \
			"$suite" > "$dir/$suite.ktap"
		status=1
	fi
}

# The tracepoints a suite's subsystem must emit while the suite runs.
tracing=/sys/kernel/tracing
trace_events_begin() {
	[ -d "$tracing/events/$1" ] || return 0
	echo 4096 > "$tracing/buffer_size_kb"
	echo > "$tracing/trace"
	echo 1 > "$tracing/events/$1/enable"
}

# One TAP test per event of the subsystem: it fired at least once.
trace_events_end() {
	local system=$1 dir=$RESULTS/trace event n=0 count
	mkdir -p "$dir"
	{
		echo "TAP version 13"
		if [ ! -d "$tracing/events/$system" ]; then
			echo "1..1"
			echo "not ok 1 $system tracepoints exist"
			status=1
			return
		fi
		echo 0 > "$tracing/events/$system/enable"
		local events=("$tracing/events/$system"/*/)
		echo "1..${#events[@]}"
		for event in "${events[@]}"; do
			event=${event%/}
			event=${event##*/}
			n=$((n + 1))
			count=$(grep -c " $event:" "$tracing/trace")
			if [ "$count" -gt 0 ]; then
				echo "ok $n $event # fired $count times"
			else
				echo "not ok $n $event # never fired"
				status=1
			fi
		done
	} > "$dir/$system-tracepoints.tap"
}

# Run a built-in suite again, now that debugfs is up: with failslab and
# fail_page_alloc allowed to fail GFP_KERNEL allocations, so that its
# fault-injection cases (which use the task's fail-nth counter and only it)
# run instead of skipping.
rerun_with_fault_injection() {
	local suite=$1 attr traced=""
	[[ " $KUNIT_TRACED_SUITES " == *" $suite "* ]] && traced=1
	# Quiet: each injected failure would log a stack trace, and the
	# tests check the outcome of every one themselves.
	for attr in failslab fail_page_alloc; do
		echo N > "/sys/kernel/debug/$attr/ignore-gfp-wait"
		echo 0 > "/sys/kernel/debug/$attr/verbose"
	done
	say "re-running KUnit suite $suite with fault injection"
	[ -n "$traced" ] && trace_events_begin "$suite"
	echo 1 > "/sys/kernel/debug/kunit/$suite/run"
	[ -n "$traced" ] && trace_events_end "$suite"
	for attr in failslab fail_page_alloc; do
		echo Y > "/sys/kernel/debug/$attr/ignore-gfp-wait"
		echo 2 > "/sys/kernel/debug/$attr/verbose"
	done
}

run_kunit() {
	local suite
	for suite in $KUNIT_FAULT_INJECTION_SUITES; do
		rerun_with_fault_injection "$suite"
	done
	for suite in $KUNIT_BUILTIN_SUITES; do
		collect_kunit_suite "$suite"
	done
}

run_adoption() {
	local suite
	for suite in $KUNIT_ADOPTION_FAULT_INJECTION_SUITES; do
		rerun_with_fault_injection "$suite"
	done
	for suite in $KUNIT_ADOPTION_SUITES; do
		collect_kunit_suite "$suite"
	done
}

run_hmm() {
	local dir=$RESULTS/hmm
	mkdir -p "$dir"
	say "running hmm-tests against test_hmm"
	# Two device-private and two device-coherent mirrors; the coherent
	# memory is the range run-vm.sh keeps out of System RAM.
	if ! modprobe -d "$modroot" test_hmm \
		spm_addr_dev0=0x80000000 spm_addr_dev1=0x90000000; then
		printf 'TAP version 13\n1..1\nnot ok 1 modprobe test_hmm\n' > "$dir/hmm-tests.tap"
		status=1
		return
	fi
	(cd /tmp && "$KBUILD_OUT/tests/hmm-tests") > "$dir/hmm-tests.tap" 2>&1 || status=1
	modprobe -r -d "$modroot" test_hmm || status=1
}

# Render nodes as udev leaves them on a desktop, open to every user: the
# fuzzer's processes run unprivileged.
open_render_nodes() {
	chmod 0666 /dev/dri/renderD* 2> /dev/null
}

run_simgpu() {
	local dir=$RESULTS/simgpu
	mkdir -p "$dir"
	say "running simgpu_smoke"
	(cd /tmp && "$KBUILD_OUT/tests/simgpu_smoke") \
		> "$dir/simgpu_smoke.tap" 2>&1 || status=1
	run_fuzz 60
}

# The multi-process fuzzer for $1 seconds (seed $2 if given), its TAP in
# $RESULTS/simgpu/simgpu_fuzz.tap.
run_fuzz() {
	local dir=$RESULTS/simgpu seconds=$1 seed=${2:-}
	mkdir -p "$dir"
	open_render_nodes
	say "running simgpu_fuzz for $seconds s${seed:+, seed $seed}"
	(cd /tmp && "$KBUILD_OUT/tests/simgpu_fuzz" --duration "$seconds" \
		${seed:+--seed "$seed"}) > "$dir/simgpu_fuzz.tap" 2>&1 || status=1
	say "simgpu_fuzz done"
}

# The IGT stress subtest (threads racing mm changes against jobs on every
# GPU) for $1 seconds.
run_stress() {
	local dir=$RESULTS/igt bin=$KBUILD_OUT/tests/igt/simgpu_userptr_multi
	local tap n=0
	mkdir -p "$dir"
	tap=$dir/simgpu_userptr_multi.tap
	exec 3< /proc/kmsg
	dd of=/dev/null bs=1M count=64 iflag=nonblock <&3 2> /dev/null
	echo "TAP version 13" > "$tap"
	SIMGPU_STRESS_SECONDS=$1 run_igt_subtest "$bin" stress \
		"$dir/simgpu_userptr_multi@stress.log"
	echo "1..$n" >> "$tap"
	exec 3<&-
}

# The kernel log since the last call, from /proc/kmsg (fd 3, opened by
# run_igt): the lines that report a splat, one per line. Sets $kmsg_lines
# to the number of lines read.
kmsg_splats() {
	local line

	kmsg_lines=0
	while IFS= read -r -t 0.2 -u 3 line; do
		kmsg_lines=$((kmsg_lines + 1))
		if [[ $line =~ $splat_re ]]; then
			printf '%s\n' "$line"
		fi
	done
}

# One IGT subtest in its own process, as igt_runner runs them. Appends its
# TAP lines to $tap (igt-tap.py turns its output, exit code and the kernel
# log's splats into them) and counts them in $n.
run_igt_subtest() {
	local bin=$1 sub=$2 log=$3 rc=0 t0 ms before=$n

	say "igt: ${bin##*/} --run-subtest $sub"
	t0=${EPOCHREALTIME/./}
	(cd /tmp && "$bin" --run-subtest "$sub") > "$log" 2>&1 || rc=$?
	ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	kmsg_splats > "$log.kmsg-splats"
	/usr/bin/python3 "$here/igt-tap.py" --subtest "$sub" --rc "$rc" \
		--ms "$ms" --kmsg-lines "$kmsg_lines" \
		--splats "$log.kmsg-splats" --log "$log" --first $((n + 1)) \
		>> "$tap" || status=1
	n=$(grep -cE '^(not )?ok ' "$tap")
	if [ "$n" -eq "$before" ]; then
		n=$((n + 1))
		echo "not ok $n $sub # igt-tap.py gave no result" >> "$tap"
		status=1
	fi
}

# An ext4 file system on a loop device over a tmpfs file, for the IGT
# tests of file-backed memory with writeback (SIMGPU_IGT_EXT4_DIR).
mount_ext4() {
	local img=/tmp/simgpu-ext4.img
	export SIMGPU_IGT_EXT4_DIR=/run/simgpu-ext4
	mkdir -p "$SIMGPU_IGT_EXT4_DIR"
	truncate -s 64M "$img" &&
		mkfs.ext4 -q -F "$img" &&
		mount -t ext4 -o loop "$img" "$SIMGPU_IGT_EXT4_DIR" ||
		{ say "igt: cannot mount ext4 at $SIMGPU_IGT_EXT4_DIR"; status=1; }
}

# Swap on a loop device over a tmpfs file, for the IGT tests of GPU writes
# to pages in the swap cache. 64 MiB: what they swap out stays far below
# the half at which the kernel frees swap slots on swap-in.
enable_swap() {
	local img=/tmp/simgpu-swap.img dev
	truncate -s 64M "$img" &&
		dev=$(losetup -f --show "$img") &&
		mkswap -q "$dev" > /dev/null &&
		swapon "$dev" ||
		{ say "igt: cannot enable swap on $img"; status=1; }
}

run_igt() {
	local dir=$RESULTS/igt bin sub tap n t_all
	mkdir -p "$dir"
	mount_ext4
	enable_swap
	exec 3< /proc/kmsg
	# What the kernel logged before: /proc/kmsg hands it out once.
	dd of=/dev/null bs=1M count=64 iflag=nonblock <&3 2> /dev/null
	t_all=$SECONDS
	for bin in "$KBUILD_OUT"/tests/igt/simgpu_*; do
		[ -x "$bin" ] || continue
		tap=$dir/${bin##*/}.tap
		n=0
		echo "TAP version 13" > "$tap"
		for sub in $("$bin" --list-subtests); do
			run_igt_subtest "$bin" "$sub" "$dir/${bin##*/}@$sub.log"
		done
		echo "1..$n" >> "$tap"
	done
	exec 3<&-
	say "igt: all IGT tests ran in $((SECONDS - t_all)) s"
	echo "$((SECONDS - t_all))" > "$dir/runtime-seconds"
}

# The boot with swiotlb=force (and KUnit filtered to the drm_userptr cases
# about bounce buffers): those cases, and the IGT subtest that checks that
# simgpu refuses BOs rather than bounce them.
run_swiotlb() {
	local dir=$RESULTS/igt bin=$KBUILD_OUT/tests/igt/simgpu_userptr_basic
	local tap n=0
	collect_kunit_suite drm_userptr
	mkdir -p "$dir"
	tap=$dir/simgpu_userptr_basic.tap
	exec 3< /proc/kmsg
	dd of=/dev/null bs=1M count=64 iflag=nonblock <&3 2> /dev/null
	echo "TAP version 13" > "$tap"
	run_igt_subtest "$bin" bounce-buffers "$dir/simgpu_userptr_basic@bounce-buffers.log"
	echo "1..$n" >> "$tap"
	exec 3<&-
}

for suite in "$@"; do
	case "$suite" in
	kunit) run_kunit ;;
	adoption) run_adoption ;;
	swiotlb) run_swiotlb ;;
	hmm) run_hmm ;;
	simgpu) run_simgpu ;;
	fuzz=*) IFS=: read -r secs seed <<< "${suite#fuzz=}"; run_fuzz "$secs" "$seed" ;;
	stress=*) run_stress "${suite#stress=}" ;;
	igt) run_igt ;;
	bench) "$here/benchmarks.sh" --smoke || status=1 ;;
	*) say "unknown suite $suite"; status=1 ;;
	esac
done
exit $status
