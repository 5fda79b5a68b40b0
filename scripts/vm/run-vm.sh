#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel in qemu with the host's root shared read-only over
# virtio-9p, run a command in the guest and check the kernel log.
#
# Usage: run-vm.sh [options] [--] [guest command ...]
#   -i, --interactive   a shell on the serial console instead of a command
#   -t, --timeout SEC   hard limit for the whole VM run (default 1200)
#   -r, --results DIR   directory the guest writes results to (default: new)
#   -s, --smp N         virtual CPUs (default 2)
#   -m, --mem SIZE      guest memory (default 3G)
#   -a, --append ARGS   extra kernel command line
# The guest command runs as root in the guest with the project at the same
# path as on the host and $RESULTS naming the writable results directory.
# Exit status: the guest command's, or 124 on timeout, or 3 if the kernel log
# holds a lockdep report, WARN, BUG, Oops, KASAN or kmemleak report.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

interactive=0 timeout=1200 results="" smp=2 mem=3G append=""
while [ $# -gt 0 ]; do
	case "$1" in
	-i|--interactive) interactive=1 ;;
	-t|--timeout) timeout=$2; shift ;;
	-r|--results) results=$2; shift ;;
	-s|--smp) smp=$2; shift ;;
	-m|--mem) mem=$2; shift ;;
	-a|--append) append=$2; shift ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see the top of $0)" ;;
	*) break ;;
	esac
	shift
done

out=$(kernel_out_dir)
kernel="$out/arch/x86/boot/bzImage"
[ -f "$kernel" ] || die "no test kernel at $kernel: run 'make kernel' first"

if [ -z "$results" ]; then
	results="$CACHE_DIR/runs/$(date +%Y%m%d-%H%M%S)-$$"
fi
mkdir -p "$results"
results=$(cd "$results" && pwd)
console="$results/console.log"
: > "$console"

# KVM only where it works: the device must exist and the CPU must offer
# hardware virtualisation (here /dev/kvm exists but guests hang).
accel=tcg,thread=multi
if [ "${DRM_USERPTR_ACCEL:-auto}" = kvm ] ||
   { [ "${DRM_USERPTR_ACCEL:-auto}" = auto ] && [ -w /dev/kvm ] &&
     grep -qwE 'vmx|svm' /proc/cpuinfo; }; then
	accel=kvm
fi

# The guest command reaches init through the kernel command line; the
# command line cannot carry spaces inside one argument.
for arg in "$@"; do
	case "$arg" in *[[:space:]]*) die "guest arguments cannot hold spaces: '$arg'" ;; esac
done
cmdline="console=ttyS0 loglevel=7 log_buf_len=8M panic=-1 oops=panic"
cmdline+=" root=hostroot rootfstype=9p ro"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
cmdline+=" kmemleak=on"
# TCG's TSC follows the host's clock. When the host is busy (a compile next
# to the VM), the clocksource watchdog sees the TSC skew against jiffies and
# switches the guest to a 4 ms jiffies clock, and every timing the tests
# take (the benchmark smoke, timeouts measured in the guest) goes wrong. The
# boot-time calibration against the PIT fails the same way, so the guest is
# told the TSC's rate: TCG's TSC is the host's.
cmdline+=" tsc=reliable"
host_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
[ -z "$host_khz" ] || [ "$accel" != "tcg,thread=multi" ] ||
	cmdline+=" tsc_early_khz=$host_khz"
# 4-level paging: qemu's "-cpu max" offers LA57, and with 5-level paging an
# interrupt that lands while identify_cpu() has cleared the boot CPU's
# feature bits makes KASAN judge addresses by the 4-level layout and report a
# false wild-memory-access (seen once in about twenty boots, at ~4 s).
cmdline+=" no5lvl"
# Huge pages for hmm-tests' hugetlbfs case, and 512M at 2G kept out of System
# RAM for test_hmm's two device-coherent memories (spm_addr_dev0/1).
cmdline+=" hugepages=16 memmap=512M\$0x80000000"
cmdline+=" init=$PROJECT_ROOT/scripts/guest/init.sh $append"
if [ $interactive = 1 ]; then
	cmdline+=" -- interactive"
else
	[ $# -gt 0 ] || die "no guest command given (or use --interactive)"
	cmdline+=" -- $*"
fi

qemu=(qemu-system-x86_64 -machine pc -accel "$accel" -cpu max -smp "$smp"
      -m "$mem" -nographic -no-reboot -nodefaults -kernel "$kernel"
      -append "RESULTS=/run/results KBUILD_OUT=$out $cmdline"
      -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
      -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
      -fsdev "local,id=results,path=$results,security_model=none,multidevs=remap"
      -device virtio-9p-pci,fsdev=results,mount_tag=results)

log "booting $(basename "$kernel") ($accel, $smp CPUs, $mem), results in $results"
start=$(date +%s.%N)
rc=0
if [ $interactive = 1 ]; then
	"${qemu[@]}" -serial mon:stdio || rc=$?
else
	timeout -k 10 "$timeout" "${qemu[@]}" -serial "file:$console" \
		</dev/null >/dev/null 2>"$results/qemu.err" || rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "error: the VM did not finish within ${timeout}s" >&2
		tail -30 "$console" >&2
		exit 124
	fi
fi
end=$(date +%s.%N)
echo "$start $end" > "$results/vm-wallclock"

[ $interactive = 1 ] && exit $rc

# The guest writes its exit status last; no status means it never got there.
if [ ! -f "$results/exit-status" ]; then
	echo "error: the guest did not finish (no exit status); console tail:" >&2
	tail -40 "$console" >&2
	rc=1
else
	rc=$(cat "$results/exit-status")
fi
if ! "$PROJECT_ROOT/scripts/check/check-kernel-log.py" "$console" \
		${results:+"$results/dmesg.txt"}; then
	rc=3
fi
exit "$rc"
