#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing needs, from Debian's archive only, and
# check that the kernel source package is the exact version the patches and
# config were made for.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

missing=()
for pkg in "${HOST_PACKAGES[@]}"; do
	name=${pkg%%=*}
	want=${pkg#*=}
	have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	ii*) [ "$want" = "$pkg" ] || [ "${have#ii }" = "$want" ] || missing+=("$pkg") ;;
	*) missing+=("$pkg") ;;
	esac
done

if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get could not install ${missing[*]}"
fi

have=$(dpkg-query -W -f='${Version}' "$KERNEL_PKG")
[ "$have" = "$KERNEL_PKG_VERSION" ] ||
	die "$KERNEL_PKG is $have, but the patches and config are for $KERNEL_PKG_VERSION"
[ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL is missing"
