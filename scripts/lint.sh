#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The project's static checks, all against the prepared test-kernel tree:
#  - scripts/checkpatch.pl --strict over the project's C files and patches;
#  - kernel-doc over the project's C files and the patched core files;
#  - sparse (C=2) over the project's objects and the patched core objects;
#  - the same objects built with W=1 and -Werror.
# Exits non-zero if any of them reports anything.
set -uo pipefail
. "$(dirname "$0")/common.sh"

src=$(kernel_src_dir)
out=$(kernel_out_dir)
[ -f "$out/vmlinux" ] || die "no built test kernel: run 'make kernel' first"
cd "$PROJECT_ROOT" || exit 1
failed=0
report() { # name, output
	if [ -n "$2" ]; then
		echo "lint: $1: FAILED"
		echo "$2" | sed 's/^/    /'
		failed=1
	else
		echo "lint: $1: clean"
	fi
}

# Objects to check: the core files the patches touch, and the project's own
# objects from Kbuild (relative to drivers/gpu/drm in the kernel tree).
core_objs="mm/mmu_notifier.o mm/mmu_notifier_kunit.o"
project_objs=$(sed -n 's|^obj-[^+]*+= *\(.*\.o\)$|\1|p' Kbuild)
project_srcs=$(git ls-files '*.c' '*.h' 2>/dev/null)

checkpatch=(perl "$src/scripts/checkpatch.pl" --strict --quiet --no-summary
	    --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG)
out_cp=""
if [ -n "$project_srcs" ]; then
	out_cp+=$("${checkpatch[@]}" -f $project_srcs 2>&1)
fi
for p in patches/linux-6.12/*.patch; do
	out_cp+=$("${checkpatch[@]}" "$p" 2>&1 | sed "s|^|$(basename "$p"): |")
done
report "checkpatch --strict" "$out_cp"

# kernel-doc: everything in the project; in the patched core files, what the
# patches added (those files carry older comments kernel-doc dislikes).
kdoc=(perl "$src/scripts/kernel-doc" -none -Wall)
out_kd=""
if [ -n "$project_srcs" ]; then
	out_kd+=$("${kdoc[@]}" $project_srcs 2>&1)
fi
out_kd+=$("${kdoc[@]}" "$src/include/linux/mmu_notifier.h" "$src/mm/mmu_notifier.c" 2>&1 |
	  grep -E 'finish|invalidate_start|first_pass|insert' || true)
report "kernel-doc" "$out_kd"

kmake() {
	make -C "$src" O="$out" -j"$(nproc)" CC="ccache gcc" \
		KBUILD_BUILD_TIMESTAMP="" KBUILD_BUILD_USER=drm-userptr \
		KBUILD_BUILD_HOST=ci "$@" 2>&1
}
export CCACHE_DIR="$CACHE_DIR/ccache"
objs="$core_objs"
for o in $project_objs; do objs+=" drivers/gpu/drm/$o"; done

# sparse runs on the objects as they are (C=2 checks without rebuilding).
out_sp=$(kmake C=2 $objs | grep -E 'warning:|error:')
report "sparse (C=2)" "$out_sp"

# W=1 builds the assembler output, so the objects of the test kernel stay as
# they are and nothing is relinked.
out_w1=$(kmake W=1 KCFLAGS=-Werror ${objs//.o/.s} | grep -E 'warning:|error:|Error')
report "W=1 -Werror" "$out_w1"

exit $failed
