#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack Debian's kernel source into the cache, check its version, apply
# patches/linux-6.12/*.patch in order (see kernel_patches in common.sh) and
# hook the project's Kconfig and Kbuild into drivers/gpu/drm. Prints the
# source directory.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

src=$(kernel_src_dir)
if [ ! -f "$src/.prepared" ]; then
	tmp="$src.tmp.$$"
	rm -rf "$src" "$tmp"
	mkdir -p "$tmp"
	log "unpacking $KERNEL_TARBALL"
	tar -xJf "$KERNEL_TARBALL" -C "$tmp" --strip-components=1

	mk=$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$tmp/Makefile" | paste -sd.)
	[ "$mk" = "$KERNEL_VERSION" ] ||
		die "$KERNEL_TARBALL holds Linux $mk, expected $KERNEL_VERSION"

	for p in $(kernel_patches); do
		log "applying $(basename "$p")"
		patch -d "$tmp" -p1 --quiet --forward < "$p" ||
			die "$(basename "$p") does not apply to $KERNEL_VERSION"
	done

	# The project's top-level Kconfig and Kbuild, hooked in where the
	# series would add them upstream.
	printf '\nsource "drivers/gpu/drm/Kconfig.drm_userptr"\n' \
		>> "$tmp/drivers/gpu/drm/Kconfig"
	printf '\ninclude $(srctree)/drivers/gpu/drm/Kbuild.drm_userptr\n' \
		>> "$tmp/drivers/gpu/drm/Makefile"

	echo "$KERNEL_PKG_VERSION" > "$tmp/.debian-version"
	touch "$tmp/.prepared"
	mv "$tmp" "$src"
fi

# Copy the project's sources to their mirrored places. rsync -c copies only
# files whose content changed, so Kbuild rebuilds only what was edited.
overlay() { # project dir, kernel dir
	[ -d "$PROJECT_ROOT/$1" ] || return 0
	rsync -rc --mkpath --include='*/' --include='*.[ch]' --include=Kconfig \
		--include=Makefile --include=config --exclude='*' \
		"$PROJECT_ROOT/$1/" "$src/$2/"
}
overlay drivers/gpu/drm drivers/gpu/drm
overlay include/drm include/drm
overlay include/uapi/drm include/uapi/drm
overlay tools/lib/simgpu tools/lib/simgpu
overlay tools/testing/selftests/drivers/gpu/simgpu \
	tools/testing/selftests/drivers/gpu/simgpu
rsync -c "$PROJECT_ROOT/Kconfig" "$src/drivers/gpu/drm/Kconfig.drm_userptr"
# The top-level Kbuild names objects relative to the project root (as the
# out-of-tree M= build sees them); in-tree they sit under drivers/gpu/drm.
sed 's|\(+= *\)drivers/gpu/drm/|\1|' "$PROJECT_ROOT/Kbuild" > "$src/.kbuild.new"
if ! cmp -s "$src/.kbuild.new" "$src/drivers/gpu/drm/Kbuild.drm_userptr"; then
	mv "$src/.kbuild.new" "$src/drivers/gpu/drm/Kbuild.drm_userptr"
else
	rm "$src/.kbuild.new"
fi
echo "$src"
