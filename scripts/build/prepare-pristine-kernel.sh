#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare Debian's linux-source-6.12 *without* the project's patches for
# out-of-tree module builds (make modules_prepare): the kernel a driver sees
# where the two-pass interval notifier is not available. Cached next to the
# test kernel. Prints the build directory.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

"$PROJECT_ROOT/scripts/build/setup-host.sh"
base="$CACHE_DIR/linux-$KERNEL_VERSION-pristine"
src="$base/src" out="$base/build"
if [ ! -f "$out/.prepared" ]; then
	rm -rf "$base"
	mkdir -p "$src" "$out"
	log "unpacking $KERNEL_TARBALL (no patches)"
	tar -xJf "$KERNEL_TARBALL" -C "$src" --strip-components=1
	# The guest and mm fragments give MMU_NOTIFIER and HMM_MIRROR.
	make -C "$src" O="$out" -s tinyconfig >/dev/null
	KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$out/.config" \
		"$PROJECT_ROOT/scripts/kconfig/10-guest.config" \
		"$PROJECT_ROOT/scripts/kconfig/20-mm.config" >/dev/null
	make -C "$src" O="$out" -s olddefconfig >/dev/null
	log "make modules_prepare"
	make -C "$src" O="$out" -s -j"$(nproc)" modules_prepare >/dev/null
	touch "$out/.prepared"
fi
echo "$out"
