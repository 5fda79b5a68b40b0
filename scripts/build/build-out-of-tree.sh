#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build drm_userptr.ko out of tree (make M=) against a prepared kernel tree,
# from a copy of the project's sources, and report which invalidation mode
# the compile-time probe chose: "two-pass" if the kernel's interval notifier
# has invalidate_start/invalidate_finish, else "single-pass".
#
# Usage: build-out-of-tree.sh [--object-only] KDIR [two-pass|single-pass]
#   KDIR is anything "make -C KDIR M=..." accepts: a build directory, or
#   Debian's /usr/src/linux-headers-*-amd64. With an expected mode, exits 1
#   if the probe chose the other one. --object-only compiles the object
#   without linking the module, for a kernel that has drm_userptr built in
#   (the test kernel), where the module's exports would clash; its undefined
#   symbols are checked against that kernel's Module.symvers instead.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

target=modules
if [ "${1:-}" = --object-only ]; then
	target=drivers/gpu/drm/drm_userptr.o
	shift
fi
kdir=${1:?usage: build-out-of-tree.sh [--object-only] KDIR [two-pass|single-pass]}
expect=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rsync -r --include='*/' --include='*.[ch]' --exclude='*' \
	"$PROJECT_ROOT/drivers" "$PROJECT_ROOT/include" "$work/"
cp "$PROJECT_ROOT/Kbuild" "$work/"

# A tree prepared with modules_prepare has no Module.symvers: modpost cannot
# resolve the kernel's symbols there, so it only warns (Debian's headers
# have one, and are checked fully).
symbols=checked
extra=()
if [ "$target" = modules ] && [ ! -f "$kdir/Module.symvers" ]; then
	extra=(KBUILD_MODPOST_WARN=1)
	symbols="not checked: no Module.symvers"
fi
if ! make -C "$kdir" M="$work" CONFIG_DRM_USERPTR=m W=1 KCFLAGS=-Werror \
		"${extra[@]}" "$target" > "$work/build.log" 2>&1; then
	cat "$work/build.log" >&2
	die "drm_userptr does not build against $kdir"
fi
obj="$work/drivers/gpu/drm/drm_userptr.o"
[ "$target" != modules ] || [ -f "$work/drivers/gpu/drm/drm_userptr.ko" ] ||
	die "no drm_userptr.ko"

# The two-pass callbacks exist in the object only if the probe found them.
# (No grep -q: with pipefail, nm would die of SIGPIPE at the first match.)
if nm "$obj" | grep ' t drm_userptr_invalidate_finish$' >/dev/null; then
	mode=two-pass
else
	mode=single-pass
fi
release=$(make -s -C "$kdir" kernelrelease 2>/dev/null || echo unknown)
# Object only: the kernel must export everything the object needs, so that
# it could be loaded as a module there (modpost would say so, were the
# helper not built in).
if [ "$target" != modules ]; then
	[ -f "$kdir/Module.symvers" ] || die "no Module.symvers in $kdir"
	missing=$(comm -23 <(nm -u "$obj" | awk '{print $2}' | sort -u) \
			   <(awk '{print $2}' "$kdir/Module.symvers" | sort -u))
	[ -z "$missing" ] || die "not exported by $kdir:" $missing
	symbols="checked against Module.symvers"
fi
echo "drm_userptr ($target, symbols $symbols) for $release ($kdir): $mode"
[ -z "$expect" ] || [ "$mode" = "$expect" ] ||
	die "expected $expect against $kdir"
