#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM. The root file system is the host's, read-only over
# virtio-9p; everything writable is tmpfs, except $RESULTS, a 9p share of a
# host directory. Runs the command given after "--" on the kernel command
# line (or a shell with "interactive"), saves the kernel log and leaves the
# command's exit status in $RESULTS/exit-status, then powers the VM off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=${TERM:-linux}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/tmp
mount -t tmpfs tmpfs /root
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p "$RESULTS"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$RESULTS"
hostname drm-userptr-vm

echo "guest: up $(cut -d' ' -f1 /proc/uptime)s after boot" | tee "$RESULTS/boot-time"

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
echo "guest: powering off (status $status)"
echo o > /proc/sysrq-trigger
sleep 5
echo b > /proc/sysrq-trigger
