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

# The simgpu selftests, against the project's uapi header and libsimgpu.
simgpu_lib="$PROJECT_ROOT/tools/lib/simgpu"
simgpu_tests="$PROJECT_ROOT/tools/testing/selftests/drivers/gpu/simgpu"
# Rebuilt when any of its sources (and the headers next to them) is newer.
build_simgpu_test() { # program, sources (the one with main() first)
	local prog=$1 src
	shift
	for src in "$@" "${@/%.c/.h}" "$simgpu_lib"/libsimgpu.[ch] \
		"$PROJECT_ROOT/uapi/drm/simgpu_drm.h"; do
		[ "$src" -nt "$prog" ] || continue
		log "building $(basename "$prog")"
		gcc -O2 -g -Wall -Wextra -Werror -I"$PROJECT_ROOT/uapi/drm" \
			-I/usr/include/libdrm -I"$simgpu_lib" -o "$prog" \
			"$@" "$simgpu_lib/libsimgpu.c" -ldrm -lpthread
		return
	done
}
build_simgpu_test "$out/tests/simgpu-smoke" "$simgpu_tests/simgpu_smoke.c"
build_simgpu_test "$out/tests/simgpu-fuzz" "$simgpu_tests/simgpu_fuzz.c" \
	"$simgpu_tests"/simgpu_fuzz_*.c
build_simgpu_test "$out/tests/simgpu-bench" "$simgpu_tests/simgpu_bench.c"

# The IGT tests of igt-tests/, against the installed libigt.
"$PROJECT_ROOT/scripts/build-igt-tests.sh"
