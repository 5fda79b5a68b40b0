// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * drm_userptr: device access to user memory through hmm_range_fault() and
 * two-pass mmu_interval_notifiers.
 */

#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_print.h>
#include <drm/drm_userptr.h>

#if IS_ENABLED(CONFIG_DRM_USERPTR_KUNIT_TEST)
#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#endif

#define CREATE_TRACE_POINTS
#include "drm_userptr_trace.h"

/**
 * DOC: Overview
 *
 * A userptr lets a device access ordinary process memory (malloc, a file
 * mapping, a THP) without pinning it. The helper mirrors the CPU page
 * tables: drm_userptr_populate() faults the range in with hmm_range_fault()
 * and DMA-maps the pages, and an mmu_interval_notifier tells the helper,
 * and through &struct drm_userptr_ops the driver, whenever the CPU mapping
 * changes, after which the pages must be faulted in again before the device
 * may use them.
 *
 * Every driver that does this today (amdgpu_hmm, xe, nouveau, drm_gpusvm)
 * writes the same retry loop, the same sequence-count dance around a driver
 * lock and the same DMA bookkeeping, and each gets the corner cases subtly
 * differently. This helper owns them, and adds what none of them has yet:
 * with two-pass interval notifiers (mmu_interval_notifier_ops.invalidate_start
 * and .invalidate_finish), when one munmap has to stop several GPUs, each
 * with its own userptr on the memory, every GPU is told to preempt or flush
 * first, and only then is each waited for. The wait is then that of the
 * slowest GPU instead of the sum of all of them.
 *
 * A driver embeds a &struct drm_userptr in each userptr buffer object and
 * a &struct drm_userptr_domain per device (or per GPU VM). Its use follows
 * this pattern::
 *
 *	static bool my_invalidate_start(struct drm_userptr *uptr,
 *					const struct mmu_notifier_range *range)
 *	{
 *		struct my_bo *bo = container_of(uptr, struct my_bo, uptr);
 *
 *		my_zap_ptes(bo);
 *		return my_kick_tlb_flush(bo);	// true: something to wait for
 *	}
 *
 *	static void my_invalidate_finish(struct drm_userptr *uptr)
 *	{
 *		my_wait_tlb_flush(container_of(uptr, struct my_bo, uptr));
 *	}
 *
 *	static const struct drm_userptr_ops my_userptr_ops = {
 *		.invalidate_start = my_invalidate_start,
 *		.invalidate_finish = my_invalidate_finish,
 *	};
 *
 *	drm_userptr_domain_init(&gpu->userptr_domain, gpu->dev,
 *				&my_userptr_ops, 0);
 *	err = drm_userptr_init(&bo->uptr, &gpu->userptr_domain, current->mm,
 *			       addr, size, 0);
 *
 *	// At submission, or on a GPU page fault:
 *	again:
 *	err = drm_userptr_populate(&bo->uptr);
 *	if (err)
 *		return err;
 *	drm_userptr_notifier_lock(&gpu->userptr_domain);
 *	err = drm_userptr_check_valid(&bo->uptr);
 *	if (err == -EAGAIN) {
 *		drm_userptr_notifier_unlock(&gpu->userptr_domain);
 *		goto again;
 *	}
 *	if (!err)
 *		my_write_ptes(bo, drm_userptr_dma_addr(&bo->uptr, 0), ...);
 *	drm_userptr_notifier_unlock(&gpu->userptr_domain);
 *
 *	// When the buffer object dies, once the device is idle on it:
 *	drm_userptr_fini(&bo->uptr);
 *
 * Re-population after an invalidation maps the whole range again. The
 * invalidation has to DMA-unmap every page it covered before it returns
 * (after that the pages may be freed), and the notifier sequence is per
 * userptr, so the whole range needs faulting again in any case; keeping the
 * mappings of the pages outside the invalidated part would need page
 * references, which is what pinning does and what this helper avoids.
 */

/**
 * DOC: Locking
 *
 * The helper uses three locks, always in this order and never two at once
 * except as listed:
 *
 * - The process's mmap_lock, in read mode, only around hmm_range_fault() in
 *   drm_userptr_populate(). Nothing else is held with it.
 * - The core's interval-notifier "lock": the sequence count behind
 *   mmu_interval_read_begin(), mmu_interval_read_retry() and
 *   mmu_interval_set_seq(). It is not a real lock; the helper uses it
 *   exactly as the core documents, with the notifier lock below.
 * - &drm_userptr_domain.notifier_lock, a rw_semaphore per domain. Write
 *   mode: the invalidation callbacks (mark the pages invalid, set the
 *   sequence, call &drm_userptr_ops.invalidate_start, DMA-unmap), and
 *   populate while it DMA-maps. Read mode: the driver, from
 *   drm_userptr_check_valid() until its device page-table entries are
 *   written (drm_userptr_notifier_lock() / drm_userptr_notifier_unlock()).
 *
 * The notifier lock is taken inside mmu-notifier invalidations, which run
 * from memory reclaim and from the OOM reaper. So nothing may allocate
 * memory with reclaim (GFP_KERNEL) under it, and nothing may wait for the
 * device under it: &drm_userptr_ops.invalidate_finish runs without it.
 * drm_userptr_domain_init() tells lockdep that the lock nests inside
 * fs_reclaim, and lockdep records its nesting inside the core's
 * invalidation map at the first invalidation, so a violation is reported
 * when the code path runs, not when the deadlock happens. drm_userptr_check_valid() and
 * drm_userptr_dma_addr() assert that the lock is held.
 *
 * On a non-blockable invalidation (the OOM reaper), the helper only
 * try-locks; if the lock is contended, or the driver's
 * &drm_userptr_ops.invalidate_start says the device still has to be waited
 * for, the callback returns false and the reaper retries later. It never
 * sleeps there.
 *
 * The driver's obligations:
 *
 * - Write device page-table entries for a userptr only under
 *   drm_userptr_notifier_lock() and only after drm_userptr_check_valid()
 *   returned 0; on -EAGAIN, drop the lock and populate again.
 * - In &drm_userptr_ops.invalidate_start, make the device stop translating
 *   to the pages (zap entries, start a TLB flush or a preemption) without
 *   waiting; return whether there is anything to wait for.
 * - In &drm_userptr_ops.invalidate_finish, wait for it.
 * - Call drm_userptr_fini() only when the device no longer uses the
 *   userptr, and never from an invalidation callback.
 *
 * Two-pass operation: where the kernel has two-pass interval notifiers
 * (detected at build time), the helper registers invalidate_start /
 * invalidate_finish. The first pass runs &drm_userptr_ops.invalidate_start
 * and, if it returned true, hands the core the userptr's embedded finish;
 * the core runs every overlapping notifier's first pass (the other GPUs')
 * before the finishes. Two invalidations of one userptr can run at once on
 * different CPUs; the embedded finish serves one of them, and the other
 * waits synchronously in its first pass (counted in
 * &drm_userptr_stats.sync_finishes). Where the kernel lacks two-pass
 * notifiers, or the domain has %DRM_USERPTR_DOMAIN_SINGLE_PASS, every
 * invalidation waits in its only pass.
 *
 * Why an embedded finish rather than a pool or an allocation: the second
 * pass cannot fail, so the finish must be at hand without allocating in the
 * notifier (GFP_NOWAIT fails under exactly the memory pressure that makes
 * invalidations frequent), and a pool would need sizing, a lock or a
 * lockless stack in the notifier path, and the same synchronous fallback
 * when it runs dry. The embedded finish costs 16 bytes and one bit per
 * userptr (struct drm_userptr is 176 bytes on x86-64), needs no lock, and
 * falls back only when two invalidations of the same userptr overlap in
 * time, which the core mm does only for concurrent operations on the same
 * pages; the KUnit test drm_userptr_test_finish_in_use_falls_back forces
 * that case.
 */

/* The core of this kernel has two-pass interval notifiers (see Kbuild). */
#ifdef DRM_USERPTR_HAVE_TWO_PASS_NOTIFIER
#define DRM_USERPTR_TWO_PASS_BUILT	true
#else
#define DRM_USERPTR_TWO_PASS_BUILT	false
#endif

static struct drm_userptr *to_drm_userptr(struct mmu_interval_notifier *mni)
{
	return container_of(mni, struct drm_userptr, notifier);
}

/* The DMA direction the userptr's pages are mapped with. */
static enum dma_data_direction drm_userptr_dma_dir(const struct drm_userptr *uptr)
{
	return uptr->flags & DRM_USERPTR_READ_ONLY ? DMA_TO_DEVICE :
						      DMA_BIDIRECTIONAL;
}

/* Unmap the mappings covering the first @npages pages; notifier lock held. */
static void drm_userptr_dma_unmap_first(struct drm_userptr *uptr,
					unsigned long npages)
{
	struct device *dev = uptr->domain->dev;
	enum dma_data_direction dir = drm_userptr_dma_dir(uptr);
	unsigned long i;

	for (i = 0; i < npages; i += 1UL << uptr->dma[i].order)
		dma_unmap_page(dev, uptr->dma[i].addr,
			       PAGE_SIZE << uptr->dma[i].order, dir);
}

/* Drop every DMA mapping of @uptr; notifier lock held in write mode. */
static void drm_userptr_dma_unmap(struct drm_userptr *uptr)
{
	lockdep_assert_held_write(&uptr->domain->notifier_lock);

	if (!uptr->mapped)
		return;
	drm_userptr_dma_unmap_first(uptr, uptr->npages);
	uptr->mapped = false;
	uptr->valid = false;
	uptr->nr_dma_maps = 0;
}

/*
 * The order to DMA-map page @i with: the order of the CPU mapping holding it
 * (a PMD-mapped THP), if that mapping starts at page @i and lies wholly
 * inside the userptr, else 0.
 */
static unsigned int drm_userptr_map_order(const struct drm_userptr *uptr,
					  const unsigned long *pfns,
					  unsigned long i)
{
	unsigned int order = hmm_pfn_to_map_order(pfns[i]);
	unsigned long addr = uptr->start + (i << PAGE_SHIFT);
	unsigned long nr = 1UL << order;

	if (!order || !IS_ALIGNED(addr, PAGE_SIZE << order) ||
	    nr > uptr->npages - i ||
	    !IS_ALIGNED(page_to_pfn(hmm_pfn_to_page(pfns[i])), nr))
		return 0;
	return order;
}

/*
 * DMA-map the pages hmm_range_fault() returned in @pfns, a huge folio once.
 * Notifier lock held in write mode, sequence checked.
 */
static int drm_userptr_dma_map(struct drm_userptr *uptr,
			       const unsigned long *pfns)
{
	struct device *dev = uptr->domain->dev;
	enum dma_data_direction dir = drm_userptr_dma_dir(uptr);
	unsigned long i, j, nr_maps = 0;
	unsigned int order;

	lockdep_assert_held_write(&uptr->domain->notifier_lock);

	/* Mappings kept by an invalidation refused on a non-blockable range. */
	drm_userptr_dma_unmap(uptr);

	for (i = 0; i < uptr->npages; i += 1UL << order) {
		struct page *page = hmm_pfn_to_page(pfns[i]);
		dma_addr_t addr;

		order = drm_userptr_map_order(uptr, pfns, i);
		addr = dma_map_page(dev, page, 0, PAGE_SIZE << order, dir);
		if (dma_mapping_error(dev, addr)) {
			drm_userptr_dma_unmap_first(uptr, i);
			return -EFAULT;
		}
		for (j = 0; j < 1UL << order; j++)
			uptr->dma[i + j] = (struct drm_userptr_dma) {
				.addr = addr + (j << PAGE_SHIFT),
				.order = order,
			};
		nr_maps++;
	}
	uptr->nr_dma_maps = nr_maps;
	uptr->mapped = true;
	atomic64_add(nr_maps, &uptr->domain->stats.dma_maps);
	return 0;
}

/*
 * The first step of every invalidation, under the notifier lock: end the
 * validity of the pages and let the driver zap and kick. Returns false if
 * the range is non-blockable and the helper would have to sleep; otherwise
 * *@wait says whether the driver must be waited for before the DMA unmap
 * (else the pages are unmapped already).
 */
static bool drm_userptr_invalidate_begin(struct drm_userptr *uptr,
					 const struct mmu_notifier_range *range,
					 unsigned long cur_seq, bool *wait)
{
	struct drm_userptr_domain *domain = uptr->domain;
	bool blockable = mmu_notifier_range_blockable(range);

	if (blockable) {
		down_write(&domain->notifier_lock);
	} else if (!down_write_trylock(&domain->notifier_lock)) {
		atomic64_inc(&domain->stats.nonblock_refusals);
		return false;
	}

	atomic64_inc(&domain->stats.invalidations);
	mmu_interval_set_seq(&uptr->notifier, cur_seq);
	uptr->valid = false;
	/*
	 * After an munmap() the addresses may be mapped again, and the next
	 * populate uses what is there then, as userspace expects of a
	 * pointer. Only a vanished address space ends the userptr.
	 */
	if (range->event == MMU_NOTIFY_RELEASE)
		uptr->released = true;

	/* Nothing mapped means nothing the device can still reach. */
	*wait = uptr->mapped && domain->ops->invalidate_start(uptr, range);
	trace_drm_userptr_invalidate_start(uptr, range, *wait);
	if (!*wait) {
		drm_userptr_dma_unmap(uptr);
	} else if (!blockable) {
		/* Zapped, but the device must be waited for: retry later. */
		up_write(&domain->notifier_lock);
		atomic64_inc(&domain->stats.nonblock_refusals);
		return false;
	}
	up_write(&domain->notifier_lock);
	return true;
}

/* The second step: wait for the device, then drop the DMA mappings. */
static void drm_userptr_invalidate_end(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;

	domain->ops->invalidate_finish(uptr);
	down_write(&domain->notifier_lock);
	drm_userptr_dma_unmap(uptr);
	up_write(&domain->notifier_lock);
	trace_drm_userptr_invalidate_finish(uptr);
}

static bool drm_userptr_invalidate(struct mmu_interval_notifier *mni,
				   const struct mmu_notifier_range *range,
				   unsigned long cur_seq)
{
	struct drm_userptr *uptr = to_drm_userptr(mni);
	bool wait;

	if (!drm_userptr_invalidate_begin(uptr, range, cur_seq, &wait))
		return false;
	if (wait) {
		atomic64_inc(&uptr->domain->stats.sync_finishes);
		drm_userptr_invalidate_end(uptr);
	}
	return true;
}

static const struct mmu_interval_notifier_ops drm_userptr_single_pass_ops = {
	.invalidate = drm_userptr_invalidate,
};

#ifdef DRM_USERPTR_HAVE_TWO_PASS_NOTIFIER
static bool
drm_userptr_invalidate_start(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq,
			     struct mmu_interval_notifier_finish **finish)
{
	struct drm_userptr *uptr = to_drm_userptr(mni);
	struct drm_userptr_stats *stats = &uptr->domain->stats;
	bool wait;

	if (!drm_userptr_invalidate_begin(uptr, range, cur_seq, &wait))
		return false;
	if (!wait)
		return true;

	/* Pairs with clear_bit_unlock() in drm_userptr_invalidate_finish(). */
	if (!test_and_set_bit_lock(DRM_USERPTR_STATE_FINISH_IN_USE,
				   &uptr->state)) {
		atomic64_inc(&stats->deferred_finishes);
		*finish = &uptr->finish;
		return true;
	}

	/* A concurrent invalidation holds the finish: wait right here. */
	atomic64_inc(&stats->sync_finishes);
	drm_userptr_invalidate_end(uptr);
	return true;
}

static void
drm_userptr_invalidate_finish(struct mmu_interval_notifier_finish *finish)
{
	struct drm_userptr *uptr = container_of(finish, struct drm_userptr,
						finish);

	drm_userptr_invalidate_end(uptr);
	clear_bit_unlock(DRM_USERPTR_STATE_FINISH_IN_USE, &uptr->state);
}

static const struct mmu_interval_notifier_ops drm_userptr_two_pass_ops = {
	.invalidate_start = drm_userptr_invalidate_start,
	.invalidate_finish = drm_userptr_invalidate_finish,
};
#endif

/**
 * drm_userptr_domain_init() - initialise a userptr domain
 * @domain: the domain
 * @dev: the device whose DMA mappings the domain's userptrs use
 * @ops: the driver's invalidation callbacks, both required
 * @flags: &enum drm_userptr_domain_flags
 *
 * Also teaches lockdep that the domain's notifier lock is taken inside
 * memory reclaim.
 *
 * Return: 0, or -EINVAL if an argument is missing or a flag unknown.
 */
int drm_userptr_domain_init(struct drm_userptr_domain *domain,
			    struct device *dev,
			    const struct drm_userptr_ops *ops,
			    unsigned int flags)
{
	if (!dev || !ops || !ops->invalidate_start || !ops->invalidate_finish ||
	    flags & ~DRM_USERPTR_DOMAIN_SINGLE_PASS)
		return -EINVAL;

	memset(domain, 0, sizeof(*domain));
	domain->dev = dev;
	domain->ops = ops;
	domain->flags = flags;
	init_rwsem(&domain->notifier_lock);

	/*
	 * Invalidations run from reclaim: tell lockdep now, not at the first
	 * reclaim. (The nesting inside the core's invalidation map is
	 * recorded at the first invalidation; that map is not exported to
	 * modules.)
	 */
	if (IS_ENABLED(CONFIG_LOCKDEP)) {
		fs_reclaim_acquire(GFP_KERNEL);
		down_write(&domain->notifier_lock);
		up_write(&domain->notifier_lock);
		fs_reclaim_release(GFP_KERNEL);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(drm_userptr_domain_init);

/**
 * drm_userptr_domain_fini() - tear down a userptr domain
 * @domain: the domain
 *
 * Every userptr of the domain must have been finalised with
 * drm_userptr_fini() before; a userptr left behind would still receive
 * invalidations for a domain that is gone, and the function warns.
 */
void drm_userptr_domain_fini(struct drm_userptr_domain *domain)
{
	WARN_ON(atomic_read(&domain->nr_userptrs));
}
EXPORT_SYMBOL_GPL(drm_userptr_domain_fini);

/**
 * drm_userptr_domain_two_pass() - whether a domain uses two-pass notifiers
 * @domain: the domain
 *
 * Return: true if the kernel has two-pass interval notifiers and the domain
 * was not asked to use a single pass.
 */
bool drm_userptr_domain_two_pass(const struct drm_userptr_domain *domain)
{
	return DRM_USERPTR_TWO_PASS_BUILT &&
	       !(domain->flags & DRM_USERPTR_DOMAIN_SINGLE_PASS);
}
EXPORT_SYMBOL_GPL(drm_userptr_domain_two_pass);

/* The counters of struct drm_userptr_stats, by name, for printing. */
#define DRM_USERPTR_STAT(name) { #name, offsetof(struct drm_userptr_stats, name) }
static const struct {
	const char *name;
	size_t offset;
} drm_userptr_stat_fields[] = {
	DRM_USERPTR_STAT(invalidations),
	DRM_USERPTR_STAT(deferred_finishes),
	DRM_USERPTR_STAT(sync_finishes),
	DRM_USERPTR_STAT(nonblock_refusals),
	DRM_USERPTR_STAT(populates),
	DRM_USERPTR_STAT(retries),
	DRM_USERPTR_STAT(dma_maps),
	DRM_USERPTR_STAT(commit_eagain),
};

/**
 * drm_userptr_domain_print_stats() - print a domain's counters
 * @domain: the domain
 * @p: where to print, e.g. drm_seq_file_printer() in a debugfs file
 *
 * Prints the invalidation mode, the number of userptrs, and one
 * "name: value" line per counter of &struct drm_userptr_stats.
 */
void drm_userptr_domain_print_stats(const struct drm_userptr_domain *domain,
				    struct drm_printer *p)
{
	unsigned int i;

	drm_printf(p, "mode: %s\n", drm_userptr_domain_two_pass(domain) ?
		   "two-pass" : "single-pass");
	drm_printf(p, "userptrs: %d\n", atomic_read(&domain->nr_userptrs));
	for (i = 0; i < ARRAY_SIZE(drm_userptr_stat_fields); i++) {
		const atomic64_t *counter = (const void *)&domain->stats +
					    drm_userptr_stat_fields[i].offset;

		drm_printf(p, "%s: %lld\n", drm_userptr_stat_fields[i].name,
			   atomic64_read(counter));
	}
}
EXPORT_SYMBOL_GPL(drm_userptr_domain_print_stats);

/* The notifier callbacks a domain's userptrs register. */
static const struct mmu_interval_notifier_ops *
drm_userptr_notifier_ops(const struct drm_userptr_domain *domain)
{
#ifdef DRM_USERPTR_HAVE_TWO_PASS_NOTIFIER
	if (drm_userptr_domain_two_pass(domain))
		return &drm_userptr_two_pass_ops;
#endif
	return &drm_userptr_single_pass_ops;
}

/**
 * drm_userptr_init() - register a range of user memory
 * @uptr: the userptr, usually embedded in a buffer object
 * @domain: the domain it belongs to
 * @mm: the address space, usually current->mm
 * @start: first address, page-aligned
 * @size: size in bytes, page-aligned and not zero
 * @flags: &enum drm_userptr_flags
 *
 * Starts watching [@start, @start + @size) of @mm for changes. No memory is
 * faulted in or mapped until drm_userptr_populate(); a range that is not
 * (all) mapped is accepted here and fails there.
 *
 * Return: 0; -EINVAL if @start or @size is not page-aligned, @size is zero,
 * the range wraps around or a flag is unknown; -ESRCH if @mm has no users
 * left; -ENOMEM.
 */
int drm_userptr_init(struct drm_userptr *uptr,
		     struct drm_userptr_domain *domain, struct mm_struct *mm,
		     unsigned long start, unsigned long size,
		     unsigned int flags)
{
	unsigned long end;
	int err;

	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
	    check_add_overflow(start, size, &end) ||
	    flags & ~DRM_USERPTR_READ_ONLY)
		return -EINVAL;

	memset(uptr, 0, sizeof(*uptr));
	uptr->domain = domain;
	uptr->start = start;
	uptr->npages = size >> PAGE_SHIFT;
	uptr->flags = flags;

	if (!mmget_not_zero(mm))
		return -ESRCH;
	err = mmu_interval_notifier_insert(&uptr->notifier, mm, start, size,
					   drm_userptr_notifier_ops(domain));
	mmput(mm);
	if (err)
		return err;
	atomic_inc(&domain->nr_userptrs);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_userptr_init);

/**
 * drm_userptr_fini() - unregister a userptr and release its mappings
 * @uptr: the userptr
 *
 * Waits for an invalidation of the userptr that is in progress, then drops
 * the DMA mappings. The device must no longer use the userptr. Must not be
 * called from an invalidation callback. Safe on a userptr whose process has
 * exited.
 */
void drm_userptr_fini(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;

	mmu_interval_notifier_remove(&uptr->notifier);
	down_write(&domain->notifier_lock);
	drm_userptr_dma_unmap(uptr);
	up_write(&domain->notifier_lock);
	kvfree(uptr->dma);
	uptr->dma = NULL;
	atomic_dec(&domain->nr_userptrs);
}
EXPORT_SYMBOL_GPL(drm_userptr_fini);

/*
 * Called between a successful hmm_range_fault() and the commit under the
 * notifier lock: the window a concurrent invalidation must be caught in.
 * KUnit tests redirect it to inject one.
 */
#if IS_ENABLED(CONFIG_DRM_USERPTR_KUNIT_TEST)
VISIBLE_IF_KUNIT void drm_userptr_fault_done(struct drm_userptr *uptr)
{
	KUNIT_STATIC_STUB_REDIRECT(drm_userptr_fault_done, uptr);
}
EXPORT_SYMBOL_IF_KUNIT(drm_userptr_fault_done);
#else
static inline void drm_userptr_fault_done(struct drm_userptr *uptr)
{
}
#endif

/*
 * Fault the range in and DMA-map it, retrying while invalidations race with
 * it, until @timeout. @pfns has room for every page.
 */
static int drm_userptr_fault_and_map(struct drm_userptr *uptr,
				     unsigned long *pfns, unsigned long timeout)
{
	struct drm_userptr_domain *domain = uptr->domain;
	struct mm_struct *mm = uptr->notifier.mm;
	struct hmm_range range = {
		.notifier = &uptr->notifier,
		.start = uptr->start,
		.end = uptr->start + drm_userptr_size(uptr),
		.hmm_pfns = pfns,
		.default_flags = HMM_PFN_REQ_FAULT |
			(uptr->flags & DRM_USERPTR_READ_ONLY ? 0 : HMM_PFN_REQ_WRITE),
	};
	int err;

	for (;;) {
		if (time_after(jiffies, timeout))
			return -EBUSY;

		range.notifier_seq = mmu_interval_read_begin(&uptr->notifier);
		err = mmap_read_lock_killable(mm);
		if (err)
			return err;
		err = hmm_range_fault(&range);
		mmap_read_unlock(mm);
		if (err == -EBUSY) {
			atomic64_inc(&domain->stats.retries);
			trace_drm_userptr_retry(uptr, err);
			continue;
		}
		if (err)
			return err;

		drm_userptr_fault_done(uptr);
		down_write(&domain->notifier_lock);
		if (uptr->released) {
			err = -EFAULT;
		} else if (mmu_interval_read_retry(&uptr->notifier,
						   range.notifier_seq)) {
			up_write(&domain->notifier_lock);
			atomic64_inc(&domain->stats.retries);
			trace_drm_userptr_retry(uptr, -EAGAIN);
			continue;
		} else if (uptr->valid &&
			   !mmu_interval_read_retry(&uptr->notifier,
						    uptr->notifier_seq)) {
			/*
			 * A concurrent populate got here first, and the device
			 * may already use its mappings: keep them.
			 */
			err = 0;
		} else {
			err = drm_userptr_dma_map(uptr, pfns);
			if (!err) {
				uptr->notifier_seq = range.notifier_seq;
				uptr->valid = true;
			}
		}
		up_write(&domain->notifier_lock);
		return err;
	}
}

/**
 * drm_userptr_populate() - fault a userptr in and DMA-map it
 * @uptr: the userptr
 *
 * Faults every page of the range in with hmm_range_fault() (asking for
 * write access unless the userptr is %DRM_USERPTR_READ_ONLY) and DMA-maps
 * the pages for the domain's device, a huge folio mapped by the CPU with a
 * PMD as a single mapping. An invalidation racing with this restarts it.
 * Returns at once if the mappings are still valid.
 *
 * Success only means the pages were valid at some point: the driver must
 * still check drm_userptr_check_valid() under drm_userptr_notifier_lock()
 * before using them.
 *
 * Return: 0 on success;
 * -EFAULT if part of the range is not mapped (now: memory mapped again
 * after an munmap() is used), is PROT_NONE or a VM_IO / VM_PFNMAP mapping,
 * or the process's address space is gone (the userptr is dead for good
 * then), or DMA mapping failed;
 * -EPERM if write access was asked for and the memory is read-only;
 * -EBUSY if invalidations kept racing with population for
 * %HMM_RANGE_DEFAULT_TIMEOUT ms;
 * -ESRCH if the process is exiting; -EINTR if a fatal signal is pending;
 * -ENOMEM.
 */
int drm_userptr_populate(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;
	struct mm_struct *mm = uptr->notifier.mm;
	unsigned long timeout;
	unsigned long *pfns;
	int err;

	down_read(&domain->notifier_lock);
	err = uptr->released ? -EFAULT : 0;
	if (!err && uptr->valid &&
	    !mmu_interval_read_retry(&uptr->notifier, uptr->notifier_seq))
		err = 1;
	up_read(&domain->notifier_lock);
	if (err)
		return err < 0 ? err : 0;

	if (!uptr->dma) {
		struct drm_userptr_dma *dma;

		dma = kvcalloc(uptr->npages, sizeof(*dma), GFP_KERNEL);
		if (!dma)
			return -ENOMEM;
		down_write(&domain->notifier_lock);
		if (!uptr->dma)
			swap(uptr->dma, dma);
		up_write(&domain->notifier_lock);
		kvfree(dma);
	}

	pfns = kvmalloc_array(uptr->npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;

	if (mmget_not_zero(mm)) {
		timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
		err = drm_userptr_fault_and_map(uptr, pfns, timeout);
		/*
		 * Drivers populate from their own workers (GPU page faults,
		 * rebinds). If the process exited meanwhile, the last put
		 * tears the mm down, with invalidations that may wait for
		 * those very workers: leave that to another context.
		 */
		mmput_async(mm);
	} else {
		err = -ESRCH;
	}
	kvfree(pfns);

	if (!err)
		atomic64_inc(&domain->stats.populates);
	trace_drm_userptr_populate(uptr, err);
	return err;
}
EXPORT_SYMBOL_GPL(drm_userptr_populate);

/**
 * drm_userptr_notifier_lock() - take a domain's notifier lock for a commit
 * @domain: the domain
 *
 * Takes &drm_userptr_domain.notifier_lock in read mode. Between this and
 * drm_userptr_notifier_unlock(), a userptr for which
 * drm_userptr_check_valid() returned 0 stays valid, and its DMA addresses
 * may be written into device page tables. Do not allocate memory with
 * reclaim or wait for the device while holding it.
 */
void drm_userptr_notifier_lock(struct drm_userptr_domain *domain)
{
	down_read(&domain->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_userptr_notifier_lock);

/**
 * drm_userptr_notifier_unlock() - release a domain's notifier lock
 * @domain: the domain
 */
void drm_userptr_notifier_unlock(struct drm_userptr_domain *domain)
{
	up_read(&domain->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_userptr_notifier_unlock);

/**
 * drm_userptr_check_valid() - may the device use a userptr's pages now?
 * @uptr: the userptr
 *
 * The commit check. Must be called with the domain's notifier lock held
 * (drm_userptr_notifier_lock()); lockdep asserts it.
 *
 * Return: 0 if the pages populated last are still what the process has
 * mapped; -EAGAIN if an invalidation came since (populate again and retry
 * the commit); -EFAULT if the process's address space is gone.
 */
int drm_userptr_check_valid(struct drm_userptr *uptr)
{
	lockdep_assert_held(&uptr->domain->notifier_lock);

	if (uptr->released)
		return -EFAULT;
	if (!uptr->valid ||
	    mmu_interval_read_retry(&uptr->notifier, uptr->notifier_seq)) {
		atomic64_inc(&uptr->domain->stats.commit_eagain);
		return -EAGAIN;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(drm_userptr_check_valid);

/**
 * drm_userptr_dma_addr() - DMA address of one page of a userptr
 * @uptr: the userptr, valid per drm_userptr_check_valid()
 * @pgoff: page index inside the userptr
 *
 * Must be called with the domain's notifier lock held; lockdep asserts it.
 *
 * Return: the DMA address, or %DMA_MAPPING_ERROR (with a warning) if the
 * userptr is not valid or @pgoff is out of range.
 */
dma_addr_t drm_userptr_dma_addr(struct drm_userptr *uptr, unsigned long pgoff)
{
	lockdep_assert_held(&uptr->domain->notifier_lock);

	if (WARN_ON(!uptr->valid || pgoff >= uptr->npages))
		return DMA_MAPPING_ERROR;
	return uptr->dma[pgoff].addr;
}
EXPORT_SYMBOL_GPL(drm_userptr_dma_addr);

MODULE_DESCRIPTION("DRM userptr helpers: hmm_range_fault with two-pass interval notifiers");
MODULE_LICENSE("Dual MIT/GPL");
