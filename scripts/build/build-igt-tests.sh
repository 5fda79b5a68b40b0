#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the IGT tests in igt-tests/ against Debian's libigt.so.0 into the
# kernel build directory's tests/igt/.
#
# Debian's intel-gpu-tools ships the library but no headers, so the tests
# build with igt-tests/include/igt.h, which declares the subset of IGT's
# core API they use. First check that it still fits the installed library:
# the package version the subset was written for, and every declared
# symbol defined (a link with --no-undefined that takes each one's address).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

IGT_VERSION=1.27.1
out=$(kernel_out_dir)/tests/igt
mkdir -p "$out"

have=$(dpkg-query -W -f='${Version}' intel-gpu-tools 2>/dev/null || true)
case "$have" in
"$IGT_VERSION"|"$IGT_VERSION"-*) ;;
*) die "igt-tests/include/igt.h declares IGT $IGT_VERSION, intel-gpu-tools is '${have:-not installed}'" ;;
esac

# IGT builds its tests with -D_GNU_SOURCE (meson.build's project
# arguments) and -Wno-clobbered: the subtest macros setjmp.
cflags=(-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-clobbered
	-D_GNU_SOURCE
	-I"$PROJECT_ROOT/igt-tests/include" -I"$PROJECT_ROOT/igt-tests"
	-I"$PROJECT_ROOT/tools/lib/simgpu" -I"$PROJECT_ROOT/include/uapi/drm"
	-I/usr/include/libdrm)
libs=(-l:libigt.so.0 -ldrm -lpthread)

gcc "${cflags[@]}" -Wl,--no-undefined -o "$out/.igt_abi_check" \
	"$PROJECT_ROOT/igt-tests/include/igt_abi_check.c" "${libs[@]}" ||
	die "libigt.so.0 lacks a symbol igt-tests/include/igt.h declares"

common=("$PROJECT_ROOT/igt-tests/simgpu_igt.c" "$PROJECT_ROOT/tools/lib/simgpu/libsimgpu.c")
for test in "$PROJECT_ROOT"/igt-tests/simgpu_*.c; do
	name=$(basename "$test" .c)
	[ "$name" != simgpu_igt ] || continue
	log "building igt test $name"
	gcc "${cflags[@]}" -o "$out/$name" "$test" "${common[@]}" "${libs[@]}"
done

# Every subtest has its test-plan entry (a "SUBTEST:" line in the source's
# TEST: block), and every entry is a subtest: the documentation cannot
# drift from the tests.
for test in "$PROJECT_ROOT"/igt-tests/simgpu_*.c; do
	name=$(basename "$test" .c)
	[ "$name" != simgpu_igt ] || continue
	listed=$("$out/$name" --list-subtests | sort)
	documented=$(sed -n 's/^ \* SUBTEST: //p' "$test" | sort)
	[ "$listed" = "$documented" ] ||
		die "$name: subtests and SUBTEST: entries differ: $(diff <(echo "$listed") <(echo "$documented") | grep '^[<>]' | tr '\n' ' ')"
done
