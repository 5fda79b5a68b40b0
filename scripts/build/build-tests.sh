#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the userspace test programs the guest runs, into the kernel build
# directory's tests/ (they belong to that kernel's uapi).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

src=$(kernel_src_dir)
out=$(kernel_out_dir)
[ -d "$src" ] || die "no prepared kernel tree: run 'make kernel' first"
mkdir -p "$out/tests"

# The kernel's own HMM selftest, from the same source as the kernel.
hmm_src="$src/tools/testing/selftests/mm/hmm-tests.c"
if [ ! "$out/tests/hmm-tests" -nt "$hmm_src" ]; then
	log "building hmm-tests"
	gcc -O2 -Wall -Werror -I"$src" -I"$src/tools/testing/selftests" \
		-o "$out/tests/hmm-tests" "$hmm_src" -lpthread
fi

# The simgpu selftests, with their kselftest Makefile, from their copy in
# the kernel tree (prepare-kernel-tree.sh): it includes the tree's lib.mk
# and kselftest_harness.h.
log "building the simgpu selftests"
make -s -C "$src" O="$out" headers >/dev/null
make -s -C "$src/tools/testing/selftests/drivers/gpu/simgpu" \
	OUTPUT="$out/tests" KHDR_INCLUDES="-isystem $out/usr/include" all \
	>/dev/null

# The IGT tests of igt-tests/, against the installed libigt.
"$PROJECT_ROOT/scripts/build/build-igt-tests.sh"
