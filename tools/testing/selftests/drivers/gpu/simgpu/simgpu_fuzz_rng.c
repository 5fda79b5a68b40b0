// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: random numbers. Each thread has its own generator, seeded
 * from the run's seed and the thread's place, so that one thread's calls
 * can be replayed on their own (--replay).
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include "simgpu_fuzz.h"

__u64 rnd64(struct fuzz_thread *t)
{
	return simgpu_rng_next(&t->rng);
}

/* 0 to @n - 1. */
__u32 rnd(struct fuzz_thread *t, __u32 n)
{
	return simgpu_rng_below(&t->rng, n);
}

__u64 rnd_u64(struct fuzz_thread *t, __u64 n)
{
	return n ? rnd64(t) % n : 0;
}

bool one_in(struct fuzz_thread *t, __u32 n)
{
	return rnd(t, n) == 0;
}

/* Padding, reserved fields and flags: @valid, or sometimes garbage. */
__u64 junk(struct fuzz_thread *t, __u64 valid)
{
	if (t->sane)
		return valid;
	switch (rnd(t, 16)) {
	case 0:
		return rnd64(t);
	case 1:
		return 1ull << rnd(t, 64);
	case 2:
		return valid | (1ull << rnd(t, 32));
	default:
		return valid;
	}
}
