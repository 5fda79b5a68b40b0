#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run simgpu_bench inside the test VM, with CSV files and its table under
# $RESULTS/bench/. Arguments go to simgpu_bench.
set -u
: "${RESULTS:?}" "${KBUILD_OUT:?}"
mkdir -p "$RESULTS/bench"
echo "guest: simgpu_bench $*" > /dev/kmsg
cd /tmp && "$KBUILD_OUT/tests/simgpu_bench" --out "$RESULTS/bench" "$@" \
	> "$RESULTS/bench/bench.txt" 2> "$RESULTS/bench/bench.err"
status=$?
echo "$status" > "$RESULTS/bench/status"
exit $status
