#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the userspace test programs the guest runs, into the kernel build
# directory's tests/ (they belong to that kernel's uapi).
set -euo pipefail
. "$(dirname "$0")/common.sh"

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
