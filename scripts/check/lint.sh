#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The project's static checks, all against the prepared test-kernel tree:
#  - scripts/checkpatch.pl --strict over the project's C files and patches;
#  - kernel-doc over the project's C files and the patched core files, and
#    Documentation/gpu/drm-userptr/ rendered from it by Sphinx, without a
#    warning;
#  - sparse (C=2) over the project's objects and the patched core objects;
#  - the same objects built with W=1 and -Werror;
#  - sparse and W=1 over the driver objects the patches touch, in the
#    adoption kernel (the test kernel does not build the real drivers).
# Exits non-zero if any of them reports anything.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

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
# objects from Kbuild (their paths there are the paths in the kernel tree).
core_objs="mm/mmu_notifier.o mm/mmu_notifier_kunit.o"
project_objs=$(sed -n 's|^obj-[^+]*+= *\(.*\.o\)$|\1|p' Kbuild)
# Drivers in their own directory (obj-y += dir/): every C file is an object.
for dir in $(sed -n 's|^obj-[^+]*+= *\(.*/\)$|\1|p' Kbuild); do
	project_objs+=" $(git ls-files "$dir*.c" | sed 's/\.c$/.o/')"
done
project_srcs=$(git ls-files '*.c' '*.h' | sed "s|^|$PROJECT_ROOT/|")

# checkpatch runs from inside the kernel tree: run from this git checkout it
# would take the project's history for the kernel's.
checkpatch() {
	(cd "$src" && perl scripts/checkpatch.pl --strict --quiet --no-summary \
		--show-types --ignore FILE_PATH_CHANGES "$@" 2>&1)
}
out_cp=""
kernel_srcs=$(echo "$project_srcs" | grep -v "^$PROJECT_ROOT/\(include/uapi\|tools\|igt-tests\)/" || true)
user_srcs=$(echo "$project_srcs" | grep "^$PROJECT_ROOT/\(tools\|igt-tests\)/" || true)
[ -z "$kernel_srcs" ] || out_cp+=$(checkpatch -f $kernel_srcs)
# Userspace: libdrm's and IGT's names are CamelCase; there is no BIT(),
# __noreturn or __printf (igt.h defines the last two where IGT lacks them);
# IGT's setjmp-based subtest macros need volatile and for_each-style macros
# reuse their argument.
user_ignore=CAMELCASE,BIT_MACRO,PREFER_DEFINED_ATTRIBUTE_MACRO,VOLATILE,MACRO_ARG_REUSE
[ -z "$user_srcs" ] || out_cp+=$(checkpatch --ignore "$user_ignore" -f $user_srcs)
# uapi headers are checked at their place in the tree, so that checkpatch
# applies its uapi rules (no BIT() outside the kernel).
for f in $(git ls-files 'include/uapi/*.h'); do
	out_cp+=$(checkpatch -f "$f")
done
# The pristine tree has no git history to look a Fixes: commit up in.
for p in "$PROJECT_ROOT"/patches/linux-6.12/*.patch; do
	out_cp+=$(checkpatch --ignore UNKNOWN_COMMIT_ID "$p")
done
report "checkpatch --strict" "$out_cp"

# kernel-doc: everything in the project; in the files the patches touch,
# every warning that the unpatched file does not have (line numbers aside;
# a file the patches add has no unpatched version, and every warning in it
# counts).
kdoc() { perl "$src/scripts/kernel-doc" -none -Wall "$@" 2>&1; }
out_kd=""
# The IGT tests open with IGT's test-plan block (TEST:, SUBTEST:), which is
# IGT's format, not kernel-doc; their helpers (simgpu_igt.c) are kernel-doc.
kdoc_srcs=$(echo "$project_srcs" | grep -v "/igt-tests/simgpu_\(userptr_[a-z]*\|uapi_errnos\)\.c$" || true)
[ -z "$kdoc_srcs" ] || out_kd+=$(kdoc $kdoc_srcs)
pristine="$(dirname "$("$PROJECT_ROOT/scripts/build/prepare-pristine-kernel.sh")")/src"
touched=$(sed -n 's|^+++ b/\(.*\.[ch]\)$|\1|p' patches/linux-6.12/*.patch | sort -u)
for f in $touched; do
	new=$(kdoc "$src/$f" | sed "s|^$src/||; s|:[0-9]*: |: |")
	old=""
	[ -f "$pristine/$f" ] && old=$(kdoc "$pristine/$f" | sed "s|^$pristine/||; s|:[0-9]*: |: |")
	out_kd+=$(comm -23 <(echo "$new" | sort) <(echo "$old" | sort) | grep .)
done
report "kernel-doc" "$out_kd"
report "make docs without warnings" \
	"$("$PROJECT_ROOT/scripts/build/build-docs.sh" --check 2>&1 >/dev/null)"

objs="$core_objs $project_objs"

# sparse runs on the objects as they are (C=2 checks without rebuilding).
out_sp=$(kmake C=2 $objs 2>&1 | grep -E 'warning:|error:')
report "sparse (C=2)" "$out_sp"

# W=1 builds the assembler output, so the objects of the test kernel stay as
# they are and nothing is relinked.
out_w1=$(kmake W=1 KCFLAGS=-Werror ${objs//.o/.s} 2>&1 | grep -E 'warning:|error:|Error')
report "W=1 -Werror" "$out_w1"

# The real drivers' objects the patches touch (drivers/gpu/drm/xe/*.c,
# drivers/gpu/drm/amd/amdgpu/*.c, drivers/gpu/drm/amd/amdkfd/*.c). Their
# tests are included into the driver's own files (xe_vm.c includes
# tests/...), so they are checked as part of those objects. KFD's files are
# objects of amdgpu's Makefile, which names them from its own directory
# (AMDKFD_PATH := ../amdkfd).
driver_objs=$(sed -n 's|^+++ b/\(drivers/gpu/drm/[a-z]*/\([a-z]*/\)\{0,1\}[^/]*\.c\)$|\1|p' \
	patches/linux-6.12/*.patch | grep -v /tests/ | sort -u | sed 's/\.c$/.o/' |
	sed 's|^drivers/gpu/drm/amd/amdkfd/|drivers/gpu/drm/amd/amdgpu/../amdkfd/|')
# What sparse finds in stock 6.12 amdgpu code the patches do not change: a
# static assertion sparse computes differently from the compiler.
# amdgpu_object.c's #warning asks for CONFIG_MTRR and CONFIG_X86_PAT, which
# the tinyconfig-based adoption kernel leaves out: configuration advice,
# not a finding, so #warning does not fail the W=1 build.
stock_sparse='amdgv_sriovmsg\.h:414:.*must be 1 KB'
stock_cpp='Please enable CONFIG_MTRR and CONFIG_X86_PAT'
if [ -n "$driver_objs" ]; then
	[ -f "$(KERNEL_FLAVOUR=adoption kernel_out_dir)/vmlinux" ] ||
		die "no built adoption kernel: run 'make adoption-kernel' first"
	out_sp=$(KERNEL_FLAVOUR=adoption kmake C=2 $driver_objs 2>&1 |
		grep -E 'warning:|error:' | grep -vE "$stock_sparse|$stock_cpp" || true)
	report "sparse (C=2), adoption kernel" "$out_sp"
	out_w1=$(KERNEL_FLAVOUR=adoption kmake W=1 KCFLAGS="-Werror -Wno-error=cpp" \
		${driver_objs//.o/.s} 2>&1 |
		grep -E 'warning:|error:|Error' | grep -v "$stock_cpp" || true)
	report "W=1 -Werror, adoption kernel" "$out_w1"
fi

exit $failed
