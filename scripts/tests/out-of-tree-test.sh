#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# drm_userptr builds out of tree (make M=) against three kernels, and its
# compile-time probe picks the invalidation mode each one supports:
#  - the patched test kernel: two-pass (object only: the helper is built in);
#  - the same 6.12 source without the patches: single-pass;
#  - Debian's stock kernel headers (linux-headers-amd64, 6.1): single-pass.
# Prints TAP.
set -u
here=$(dirname "$0")
. "$here/../lib/common.sh"
n=0 failed=0

check() { # name, build-out-of-tree.sh arguments...
	local name=$1 out
	shift
	n=$((n + 1))
	if out=$("$here/../build/build-out-of-tree.sh" "$@" 2>&1); then
		echo "ok $n $name # ${out##*: }"
	else
		echo "not ok $n $name"
		echo "$out" | tail -15 | sed 's/^/# /'
		failed=1
	fi
}

echo "TAP version 13"
echo "1..3"
check patched-6.12-two-pass --object-only "$(kernel_out_dir)" two-pass
if pristine=$("$here/../build/prepare-pristine-kernel.sh" 2>/dev/null); then
	check unpatched-6.12-single-pass "$pristine" single-pass
else
	n=$((n + 1)); echo "not ok $n unpatched-6.12-single-pass # could not prepare the tree"
	failed=1
fi
debian=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1)
if [ -n "$debian" ]; then
	check debian-6.1-headers-single-pass "$debian" single-pass
else
	n=$((n + 1)); echo "not ok $n debian-6.1-headers-single-pass # linux-headers-amd64 missing"
	failed=1
fi
exit $failed
