# SPDX-License-Identifier: GPL-2.0
# Shared settings for the build and VM scripts. Source it; do not run it.

# The exact Debian source package the test kernel is built from. The tarball
# it ships is checked against these numbers before anything is built.
KERNEL_PKG=linux-source-6.12
KERNEL_PKG_VERSION=6.12.117-1~deb12u1
KERNEL_VERSION=6.12.117
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Bump when prepare-kernel-tree.sh changes how it unpacks, patches or hooks
# the tree: the cache key includes it, so the next build starts afresh.
KERNEL_TREE_LAYOUT=1

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything built lives outside the clone so that a fresh clone reuses it.
CACHE_DIR=${DRM_USERPTR_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/drm-userptr}

# Host packages every command needs, all from Debian's archive.
HOST_PACKAGES=(
	"$KERNEL_PKG=$KERNEL_PKG_VERSION"
	build-essential flex bison bc libelf-dev libssl-dev kmod cpio xz-utils
	rsync ccache sparse perl python3 qemu-system-x86
	linux-headers-amd64 libdrm-dev intel-gpu-tools gnuplot-nox e2fsprogs
)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Hash of everything that decides the kernel source tree: the package
# version, the patches and the way the tree is prepared. The config is not
# part of it: it is regenerated from the fragments on every build, recorded
# in the build directory, and Kbuild rebuilds exactly the objects that depend
# on an option that changed.
kernel_cache_key() {
	{
		echo "$KERNEL_PKG_VERSION"
		cat "$PROJECT_ROOT"/patches/linux-6.12/*.patch 2>/dev/null
		echo "$KERNEL_TREE_LAYOUT"
	} | sha256sum | cut -c1-16
}

# make in the test-kernel tree, the same way for every script: out-of-tree
# build directory, ccache (paths under the cache are hashed relative to the
# build directory, so a tree with another key still hits the objects it
# shares with the last one) and reproducible build metadata.
kmake() {
	CCACHE_DIR="$CACHE_DIR/ccache" CCACHE_BASEDIR="$CACHE_DIR" CCACHE_NOHASHDIR=1 \
	make -C "$(kernel_src_dir)" O="$(kernel_out_dir)" -j"$(nproc)" \
		CC="ccache gcc" KBUILD_BUILD_TIMESTAMP="" \
		KBUILD_BUILD_USER=drm-userptr KBUILD_BUILD_HOST=ci "$@"
}

kernel_src_dir() { echo "$CACHE_DIR/linux-$KERNEL_VERSION-$(kernel_cache_key)/src"; }
kernel_out_dir() { echo "$CACHE_DIR/linux-$KERNEL_VERSION-$(kernel_cache_key)/build"; }
