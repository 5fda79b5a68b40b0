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

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Everything built lives outside the clone so that a fresh clone reuses it.
CACHE_DIR=${DRM_USERPTR_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/drm-userptr}

# Host packages every command needs, all from Debian's archive.
HOST_PACKAGES=(
	"$KERNEL_PKG=$KERNEL_PKG_VERSION"
	build-essential flex bison bc libelf-dev libssl-dev kmod cpio xz-utils
	rsync ccache sparse perl python3 qemu-system-x86
	linux-headers-amd64 libdrm-dev pkg-config intel-gpu-tools gnuplot-nox e2fsprogs
	python3-sphinx
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
		kernel_patches | xargs -r cat
		echo "$KERNEL_TREE_LAYOUT"
	} | sha256sum | cut -c1-16
}

# The patches the tree is made of, in order: patches/linux-6.12/*.patch,
# without those whose file name matches one of the glob patterns in
# $KERNEL_SKIP_PATCHES (the differential run leaves the driver conversions
# out to test the stock drivers).
kernel_patches() {
	local p pat
	for p in "$PROJECT_ROOT"/patches/linux-6.12/*.patch; do
		[ -e "$p" ] || continue
		for pat in ${KERNEL_SKIP_PATCHES:-}; do
			# shellcheck disable=SC2053 # a glob on purpose
			[[ ${p##*/} == $pat ]] && continue 2
		done
		echo "$p"
	done
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

# The kernels built from one source tree and one ccache, each in its own
# build directory, chosen by $KERNEL_FLAVOUR:
#   test      the debug kernel every suite runs on (scripts/kconfig/*.config)
#   adoption  the test kernel plus the real drivers converted to drm_userptr
#             and their KUnit suites (and scripts/kconfig/adoption/*.config)
#   bench     the benchmark kernel (make run): the test kernel without the
#             debug set (40-debug.config), plus scripts/kconfig/bench/*.config
# A later fragment overrides an earlier one, as merge_config.sh does.
KERNEL_FLAVOUR=${KERNEL_FLAVOUR:-test}

kernel_fragments() {
	local kconfig=$PROJECT_ROOT/scripts/kconfig
	case "$KERNEL_FLAVOUR" in
	test) printf '%s\n' "$kconfig"/*.config ;;
	adoption) printf '%s\n' "$kconfig"/*.config "$kconfig"/adoption/*.config ;;
	bench)
		printf '%s\n' "$kconfig"/*.config | grep -v '/40-debug\.config$'
		printf '%s\n' "$kconfig"/bench/*.config
		;;
	*) die "unknown KERNEL_FLAVOUR '$KERNEL_FLAVOUR' (test, adoption or bench)" ;;
	esac
}

kernel_src_dir() { echo "$CACHE_DIR/linux-$KERNEL_VERSION-$(kernel_cache_key)/src"; }
kernel_out_dir() {
	local dir=build
	[ "$KERNEL_FLAVOUR" = test ] || dir=build-$KERNEL_FLAVOUR
	echo "$CACHE_DIR/linux-$KERNEL_VERSION-$(kernel_cache_key)/$dir"
}
