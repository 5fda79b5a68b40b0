// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: the memory the BOs are made of, changed under them (mmap
 * over, munmap, mprotect, madvise, mremap, ftruncate), and fork(), whose
 * child uses the parent's VMs and BOs.
 *
 * All the memory a BO can cover lies inside one reserved arena: regions
 * live in slots at its start, an unmapped region is replaced by PROT_NONE
 * in one mmap(MAP_FIXED), and a guard of twice the largest BO size (and two
 * slots) follows them. Addresses outside the arena are only ever invalid
 * ones (the zero page, non-canonical and kernel addresses), so jobs only
 * ever write to the regions, whatever the fuzzer does. The CPU writes a
 * region only right after mapping it, under the region's lock, so
 * truncation and protection changes never fault the fuzzer itself.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simgpu_fuzz.h"

#define FORK_CALLS	32

/* An address outside the arena that no process memory can be at. */
__u64 fuzz_invalid_cpu_addr(struct fuzz_thread *t)
{
	switch (rnd(t, 5)) {
	case 0:
		return 0;
	case 1:
		return fuzz_page_size * rnd(t, 8);
	case 2:
		return (1ull << 47) + fuzz_page_size * rnd(t, 1024);
	case 3:
		return 0xffff800000000000ull + fuzz_page_size * rnd(t, 1 << 20);
	default:
		return ~0ull - fuzz_page_size * rnd(t, 16) - (fuzz_page_size - 1);
	}
}

/* Page-aligned memory inside a region, live if one is. */
void fuzz_region_range(struct fuzz_thread *t, __u64 *addr, __u64 *size)
{
	struct fuzz_region *r = &t->proc->regions[rnd(t, NUM_REGIONS)];
	size_t pages, first;
	int i;

	for (i = 0; i < NUM_REGIONS && !r->live; i++)
		r = &t->proc->regions[rnd(t, NUM_REGIONS)];
	pages = r->live ? r->size / fuzz_page_size : SLOT_PAGES;
	first = rnd(t, pages);
	*addr = (__u64)(uintptr_t)r->addr + first * fuzz_page_size;
	*size = (1 + rnd(t, pages - first)) * fuzz_page_size;
}

__u64 fuzz_cpu_addr(struct fuzz_thread *t)
{
	__u64 addr, size;

	fuzz_region_range(t, &addr, &size);
	switch (rnd(t, 8)) {
	case 0:
		return addr + 1 + rnd(t, fuzz_page_size - 1);
	case 1:
		/* At the start of the guard. */
		return (__u64)(uintptr_t)t->proc->arena +
		       NUM_REGIONS * t->proc->slot_size +
		       fuzz_page_size * rnd(t, SLOT_PAGES);
	case 2:
		return fuzz_invalid_cpu_addr(t);
	default:
		return addr;
	}
}

static int reserve(void *addr, size_t size)
{
	return mmap(addr, size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		    -1, 0) == MAP_FAILED ? -errno : 0;
}

/* Maps @r anew (anonymous or its memfd), over what was there. */
static int region_map(struct fuzz_thread *t, struct fuzz_region *r)
{
	size_t slot_size = t->proc->slot_size;
	int prot = PROT_READ | PROT_WRITE;
	void *p;

	r->size = fuzz_page_size * (1 + rnd(t, SLOT_PAGES));
	r->file = one_in(t, 2);
	r->read_only = false;
	r->live = false;
	if (r->file && ftruncate(r->memfd, r->size))
		return -errno;
	if (r->file)
		p = mmap(r->addr, r->size, prot, MAP_SHARED | MAP_FIXED,
			 r->memfd, 0);
	else
		p = mmap(r->addr, r->size, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* The rest of the slot may still hold a larger earlier mapping. */
	if (r->size < slot_size && reserve(r->addr + r->size, slot_size - r->size))
		return -errno;
	memset(r->addr, rnd(t, 256), r->size);
	r->live = true;
	return 0;
}

int fuzz_regions_init(struct fuzz_thread *t)
{
	struct fuzz_proc *p = t->proc;
	__u64 max_bo = 0;
	size_t guard;
	int i, ret;

	for (i = 0; i < fuzz_num_gpus; i++)
		if (fuzz_gpus[i].q.max_bo_size > max_bo)
			max_bo = fuzz_gpus[i].q.max_bo_size;
	p->slot_size = SLOT_PAGES * fuzz_page_size;
	guard = max_bo < MAX_GUARD / 2 ? 2 * max_bo : MAX_GUARD;
	guard = ((guard + fuzz_page_size - 1) & ~(fuzz_page_size - 1)) +
		2 * p->slot_size;
	p->arena_size = NUM_REGIONS * p->slot_size + guard;
	p->arena = mmap(NULL, p->arena_size, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->arena == MAP_FAILED)
		return -errno;
	for (i = 0; i < NUM_REGIONS; i++) {
		struct fuzz_region *r = &p->regions[i];

		pthread_mutex_init(&r->lock, NULL);
		r->addr = p->arena + i * p->slot_size;
		r->memfd = memfd_create("simgpu_fuzz", MFD_CLOEXEC);
		if (r->memfd < 0)
			return -errno;
		ret = region_map(t, r);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Runs an mm call on a random region: the process's lock is dropped (an
 * munmap may wait for the GPU), the region's is held.
 */
static void region_call(struct fuzz_thread *t,
			int (*fn)(struct fuzz_thread *t, struct fuzz_region *r))
{
	struct fuzz_region *r = &t->proc->regions[rnd(t, NUM_REGIONS)];
	int ret;

	pthread_mutex_unlock(&t->proc->lock);
	pthread_mutex_lock(&r->lock);
	fuzz_note(t, (uintptr_t)r->addr, r->size, r->live);
	fuzz_enter(t, -1);
	ret = fn(t, r);
	fuzz_end(t, ret);
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_lock(&t->proc->lock);
}

static int do_mmap(struct fuzz_thread *t, struct fuzz_region *r)
{
	int ret = region_map(t, r);

	t->variant = r->file;
	return ret;
}

/* munmap(), as PROT_NONE over the region: the arena stays whole. */
static int do_munmap(struct fuzz_thread *t, struct fuzz_region *r)
{
	r->live = false;
	return reserve(r->addr, t->proc->slot_size);
}

static int do_mprotect(struct fuzz_thread *t, struct fuzz_region *r)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_NONE };

	if (!r->live)
		return 0;
	t->variant = rnd(t, ARRAY_SIZE(prots));
	r->read_only = t->variant != 1;
	return mprotect(r->addr, r->size, prots[t->variant]) ? -errno : 0;
}

static int do_madvise(struct fuzz_thread *t, struct fuzz_region *r)
{
	static const int advice[] = { MADV_DONTNEED, MADV_FREE, MADV_PAGEOUT,
				      MADV_COLD };

	if (!r->live)
		return 0;
	t->variant = rnd(t, ARRAY_SIZE(advice));
	return madvise(r->addr, r->size, advice[t->variant]) ? -errno : 0;
}

static int do_ftruncate(struct fuzz_thread *t, struct fuzz_region *r)
{
	if (!r->live || !r->file)
		return 0;
	return ftruncate(r->memfd, rnd(t, 2) ? r->size / 2 : 0) ? -errno : 0;
}

void fuzz_mmap(struct fuzz_thread *t)
{
	region_call(t, do_mmap);
}

void fuzz_munmap(struct fuzz_thread *t)
{
	region_call(t, do_munmap);
}

void fuzz_mprotect(struct fuzz_thread *t)
{
	region_call(t, do_mprotect);
}

void fuzz_madvise(struct fuzz_thread *t)
{
	region_call(t, do_madvise);
}

void fuzz_ftruncate(struct fuzz_thread *t)
{
	region_call(t, do_ftruncate);
}

/*
 * Moves a region to another slot (mremap), so that its BOs see their
 * pages leave and the other slot's BOs see new ones. With
 * MREMAP_DONTUNMAP the source stays mapped, empty; without it, it is
 * reserved again at once.
 */
void fuzz_mremap(struct fuzz_thread *t)
{
	unsigned int i = rnd(t, NUM_REGIONS), j = rnd(t, NUM_REGIONS);
	struct fuzz_region *a, *b, *src, *dst;
	int flags = MREMAP_MAYMOVE | MREMAP_FIXED, ret = 0, memfd;

	if (i == j)
		return;
	a = &t->proc->regions[i < j ? i : j];
	b = &t->proc->regions[i < j ? j : i];
	src = &t->proc->regions[i];
	dst = &t->proc->regions[j];
	pthread_mutex_unlock(&t->proc->lock);
	pthread_mutex_lock(&a->lock);
	pthread_mutex_lock(&b->lock);
	t->variant = rnd(t, 2);
	if (t->variant)
		flags |= MREMAP_DONTUNMAP;
	fuzz_note(t, (uintptr_t)src->addr, (uintptr_t)dst->addr, src->size);
	fuzz_enter(t, -1);
	if (src->live) {
		if (mremap(src->addr, src->size, src->size, flags,
			   dst->addr) == MAP_FAILED)
			ret = -errno;
		else if (!t->variant)
			ret = reserve(src->addr, t->proc->slot_size);
		if (!ret) {
			dst->size = src->size;
			dst->file = src->file;
			dst->read_only = src->read_only;
			dst->live = true;
			memfd = dst->memfd;
			dst->memfd = src->memfd;
			src->memfd = memfd;
			src->live = t->variant && !src->file;
		}
	}
	fuzz_end(t, ret);
	pthread_mutex_unlock(&b->lock);
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_lock(&t->proc->lock);
}

/*
 * fork(): the child uses the VM files, BOs and syncobjs it inherited (its
 * memory is a copy, so the BOs are not its own), then exits; the parent's
 * anonymous memory becomes copy-on-write. The child only makes ioctls: the
 * parent's other threads may have held region locks at the fork.
 */
void fuzz_fork(struct fuzz_thread *t)
{
	struct fuzz_thread_slot *slot;
	struct fuzz_thread child;
	int status, i, n, ret;
	pid_t pid;

	if (t->proc->forking)
		return;
	t->proc->forking = true;
	slot = &fuzz_shared->slots[t->proc->worker][MAX_THREADS];
	n = 1 + rnd(t, FORK_CALLS);
	fuzz_note(t, n, 0, 0);
	fuzz_enter(t, -1);
	pid = fork();
	if (pid == 0) {
		child = *t;
		memset(slot, 0, sizeof(*slot));
		slot->seed = simgpu_rng_seed(t->rng);
		slot->pid = getpid();
		slot->tid = getpid();
		child.slot = slot;
		child.rng = slot->seed;
		for (i = 0; i < n && !fuzz_shared->stop; i++)
			fuzz_one_call(&child, true);
		_exit(0);
	}
	__atomic_fetch_add(&fuzz_shared->c.forks, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->proc->lock);
	ret = pid < 0 ? -errno : 0;
	if (pid > 0 && waitpid(pid, &status, 0) == pid &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		/* The child died of a signal: a failure of the run. */
		fuzz_print_log(slot, "fork child");
		ret = -ECHILD;
	}
	pthread_mutex_lock(&t->proc->lock);
	t->proc->forking = false;
	fuzz_end(t, ret);
	if (ret == -ECHILD)
		fuzz_report(t, ret);
}
