#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Render Documentation/gpu/drm-userptr/ with the kernel's own Sphinx setup
# (Documentation/conf.py and its kernel-doc extension), in the prepared
# kernel tree, where the kernel-doc directives find the project's sources
# and the patched core headers at their places.
#
# Usage: build-docs.sh [--check]
#   --check: fail if Sphinx or kernel-doc reports any warning or error.
# The HTML goes to results/docs/; its index is printed.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

src=$(kernel_src_dir)
[ -f "$src/Documentation/conf.py" ] || die "no prepared kernel tree: run 'make kernel' first"
command -v sphinx-build > /dev/null || die "no sphinx-build: run 'make setup'"
out="$PROJECT_ROOT/results/docs"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The pages join the tree's Documentation/gpu/, as they would upstream.
rsync -rc --delete "$PROJECT_ROOT/Documentation/gpu/drm-userptr/" \
	"$src/Documentation/gpu/drm-userptr/"
mkdir -p "$out"
if ! make -C "$src" O="$out/build" BUILDDIR="$out" SPHINXDIRS=gpu/drm-userptr \
	SPHINXOPTS="-j1 -q" htmldocs > "$log" 2>&1; then
	cat "$log" >&2
	die "make htmldocs failed"
fi
# Sphinx and kernel-doc print their findings as warnings and errors; the
# media uapi step of htmldocs is the kernel's own and is not ours to judge.
findings=$(grep -i 'warning\|error' "$log" |
	grep -v 'userspace-api/media\|dot(1) not found' || true)
if [ -n "$findings" ]; then
	echo "$findings" >&2
	[ "${1:-}" != --check ] || die "the documentation has warnings"
fi
echo "$out/gpu/drm-userptr/index.html"
