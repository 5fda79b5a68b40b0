#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of scripts/check/check-kernel-log.py on small logs with known splats,
# so that the check every VM run relies on cannot silently stop failing.
# Prints TAP.
set -u
check="$(dirname "$0")/../check/check-kernel-log.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# report NAME WANTED GOT: one TAP line
report() {
	n=$((n + 1))
	if [ "$3" = "$2" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 # expected $2, got $3"
		failed=1
	fi
}

# expect NAME pass|fail LOG-LINES...
expect() {
	local name=$1 want=$2 got
	shift 2
	printf '%s\n' "$@" > "$tmp/log"
	if "$check" "$tmp/log" 2>/dev/null; then got=pass; else got=fail; fi
	report "$name" "$want" "$got"
}

echo "TAP version 13"
echo "1..18"
W='[   10.7] WARNING: CPU: 0 PID: 44 at mm/mmu_notifier.c:1000 __mmu_interval_notifier_insert+0x3d/0x2a0'
expect clean-log pass '[    0.0] Linux version 6.12.117' '[    1.0] guest: up'
expect warn fail "$W" '[   10.8] Call Trace:'
expect bug fail '[    5.0] BUG: sleeping function called from invalid context at mm/foo.c:1'
expect kasan fail '[    5.0] BUG: KASAN: slab-use-after-free in foo+0x1/0x2'
expect lockdep fail '[    5.0] WARNING: possible circular locking dependency detected'
expect lockdep-info fail '[    5.0] INFO: trying to register non-static key.'
expect kmemleak fail 'unreferenced object 0xffff888003a1c000 (size 64):'
expect oops fail '[    5.0] Oops: general protection fault, probably for non-canonical address'
expect hung-task fail '[  200.0] INFO: task foo:12 blocked for more than 60 seconds.'
expect expected-splat pass 'x: expect-splat-begin: __mmu_interval_notifier_insert' "$W" \
	'[   10.8] Call Trace:' '[   10.9] ---[ end trace 0000000000000000 ]---' 'x: expect-splat-end'
expect expected-splat-other-symbol fail 'x: expect-splat-begin: some_other_function' "$W" \
	'[   10.8] Call Trace:' '[   10.9] ---[ end trace 0000000000000000 ]---' 'x: expect-splat-end'
expect splat-after-expected-one fail 'x: expect-splat-begin: __mmu_interval_notifier_insert' "$W" \
	'[   10.9] ---[ end trace 0000000000000000 ]---' 'x: expect-splat-end' \
	'[   11.0] BUG: KASAN: use-after-free in bar+0x1/0x2'
expect list-corruption fail '[    5.0] list_add corruption. prev->next should be next'
expect panic fail '[    5.0] Kernel panic - not syncing: Fatal exception'

# The guest's check of each IGT subtest builds its regex from the same
# pattern file: the line of run-suites.sh that does it, run here.
guest_expect() { # NAME pass|fail LINE
	local got=pass
	[[ $3 =~ $splat_re ]] && got=fail
	report "guest-$1" "$2" "$got"
}
here="$(dirname "$0")/../guest"
eval "$(grep '^splat_re=' "$here/run-suites.sh")"
guest_expect clean pass '[    1.0] guest: up'
guest_expect list-corruption fail '[    5.0] list_add corruption. prev->next should be next'
guest_expect panic fail '[    5.0] Kernel panic - not syncing: Fatal exception'
guest_expect debug-locks fail '[    5.0] DEBUG_LOCKS_WARN_ON(1)'
exit $failed
