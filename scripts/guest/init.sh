#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM. The root file system is the host's, read-only over
# virtio-9p; everything writable is tmpfs, except $RESULTS, a 9p share of a
# host directory. Runs the command given after "--" on the kernel command
# line (or a shell with "interactive"), saves the kernel log and leaves the
# command's exit status in $RESULTS/exit-status, then powers the VM off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# /root stays the host's (the build cache lives under it): HOME is tmpfs.
export HOME=/tmp LANG=C.UTF-8 TERM=${TERM:-linux}

# Seconds since boot, without running a program.
uptime_s() { local up _; read -r up _ < /proc/uptime; echo "$up"; }

mount -t proc proc /proc
echo "guest: init running at $(uptime_s)s"

# devtmpfs is already on /dev (CONFIG_DEVTMPFS_MOUNT).
mount -a -T "${0%/*}/fstab"
: "${RESULTS:=/run/results}"

# The tmpfs mounts hide whatever the host has below them: put the project
# and the kernel build directory back where they are on the host, from a
# non-recursive bind of the host's root (which shows what tmpfs hides).
project=${0%/scripts/guest/init.sh}
for path in "$project" ${KBUILD_OUT:+"$KBUILD_OUT"}; do
	case "$path/" in
	/tmp/*|/var/tmp/*|/run/*|/dev/shm/*) ;;
	*) continue ;;
	esac
	if [ ! -d /run/host-root ]; then
		mkdir -p /run/host-root
		mount --bind / /run/host-root
	fi
	mkdir -p "$path"
	mount --bind "/run/host-root$path" "$path"
done
echo "guest: up $(uptime_s)s after boot" > "$RESULTS/boot-time"
echo "guest: up $(uptime_s)s after boot"

status=0
if [ "${1:-}" = interactive ]; then
	echo "guest: interactive shell; results go to $RESULTS; exit to power off"
	setsid bash -c 'exec bash -i </dev/ttyS0 >/dev/ttyS0 2>&1'
else
	"$@" || status=$?
fi

# A last kmemleak scan, so that leaks from the run are in the log.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > "$RESULTS/kmemleak.txt"
	[ -s "$RESULTS/kmemleak.txt" ] && cat "$RESULTS/kmemleak.txt" > /dev/kmsg
fi
dmesg > "$RESULTS/dmesg.txt"
echo "$status" > "$RESULTS/exit-status"
sync
echo "guest: done at $(uptime_s)s, status $status; resetting (qemu exits)"
echo b > /proc/sysrq-trigger
