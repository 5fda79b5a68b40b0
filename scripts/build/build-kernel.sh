#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test kernel (bzImage + modules) into the cache. A second run with
# the same patches and config rebuilds only what changed. KERNEL_FLAVOUR
# (common.sh) picks another kernel from the same tree and ccache.
#
# Usage: build-kernel.sh [extra make arguments, e.g. C=1 W=1]
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

"$PROJECT_ROOT/scripts/build/setup-host.sh"
src=$("$PROJECT_ROOT/scripts/build/prepare-kernel-tree.sh")
out=$(kernel_out_dir)
mkdir -p "$out"


# The config is made afresh from tinyconfig and the fragments every time, so
# that an option removed from a fragment goes away too.
mapfile -t fragments < <(kernel_fragments)
log "configuring: tinyconfig + ${fragments[*]##*/}"
kmake -s tinyconfig >/dev/null
KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" \
	-m -O "$out" "$out/.config" "${fragments[@]}" >/dev/null
kmake -s olddefconfig >/dev/null

# Every option the fragments ask for must have survived olddefconfig: a
# silently dropped debug option would make every test run meaningless. What
# a symbol is asked to be is its last line in the fragments, as for
# merge_config.sh.
bad=0
declare -A wanted=()
order=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) ;;
	"# CONFIG_"*" is not set") ;;
	*) continue ;;
	esac
	sym=${line#\# }
	sym=${sym%%[= ]*}
	[ -n "${wanted[$sym]+set}" ] || order+=("$sym")
	wanted[$sym]=$line
done < <(cat "${fragments[@]}")
for sym in "${order[@]}"; do
	want=${wanted[$sym]}
	if ! grep -qxF -- "$want" "$out/.config"; then
		if [ "$want" != "${want#\#}" ] && ! grep -q "^$sym=" "$out/.config"; then
			continue
		fi
		echo "config: asked for '$want', got '$(grep -E "^(# )?$sym[= ]" "$out/.config" || echo unset)'" >&2
		bad=1
	fi
done
[ $bad = 0 ] || die "the kernel config lost options the fragments ask for"

sha256sum < "$out/.config" | cut -c1-16 > "$out/config-key"
log "building $KERNEL_VERSION $KERNEL_FLAVOUR kernel (config $(cat "$out/config-key")) in $out"
kmake bzImage modules "$@"
rm -rf "$out/modroot.new"
kmake -s INSTALL_MOD_PATH="$out/modroot.new" modules_install >/dev/null
rm -rf "$out/modroot" && mv "$out/modroot.new" "$out/modroot"
# Keep the two most recent patched trees (the current one and the one
# before it); their keys are hex, unlike the pristine tree's name.
ls -dt "$CACHE_DIR"/linux-"$KERNEL_VERSION"-[0-9a-f]* 2>/dev/null | tail -n +3 |
	while read -r old; do log "pruning $old"; rm -rf "$old"; done
echo "$out"
