// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * drm_userptr: device access to user memory through hmm_range_fault() and
 * two-pass mmu_interval_notifiers.
 */

#include <linux/backing-dev.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

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
 * Every driver that does this (amdgpu_hmm, xe, nouveau, drm_gpusvm) writes
 * the same retry loop, the same sequence-count dance around a driver lock
 * and the same DMA bookkeeping, and each gets the corner cases subtly
 * differently. This helper owns them, together with two-pass interval
 * notifiers (mmu_interval_notifier_ops.invalidate_start and
 * .invalidate_finish): when one munmap has to stop several GPUs, each with
 * its own userptr on the memory, every GPU is told to preempt or flush
 * first, and only then is each waited for. The wait is then that of the
 * slowest GPU instead of the sum of all of them. (Mainline has two-pass
 * notifiers since 7.1, with xe's userptr as their first user, in xe's own
 * code; 6.12, which this helper is written against, has neither.)
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
 * What the helper guarantees about the memory:
 *
 * - No device write is lost. DMA does not set the dirty bits of the CPU's
 *   page tables, so for a writable userptr the helper marks the pages dirty
 *   when it maps them (see drm_userptr_mark_dirty()); reclaim then neither
 *   drops lazily freed (MADV_FREE) or clean swap-cache pages the device
 *   wrote, nor does writeback skip them. A read-only userptr dirties
 *   nothing.
 * - The device never reaches a page through a stale DMA address: mappings
 *   are dropped only after the driver's &drm_userptr_ops.invalidate_finish
 *   has returned, including after a refused non-blockable invalidation.
 * - A device that would reach the pages only through bounce buffers
 *   (swiotlb), which cannot be coherent with the CPU, is refused with
 *   -EOPNOTSUPP at populate rather than silently given copies.
 * - The per-page memory is charged to the caller's memory cgroup, freed
 *   when a populate fails with nothing mapped, and bounded by
 *   %DRM_USERPTR_MAX_PAGES.
 *
 * What an invalidation costs follows what changed: DMA mappings are kept
 * per page (a huge folio's as one), validity per PMD-sized, PMD-aligned
 * chunk (&struct drm_userptr_chunk). An invalidation ends the validity of
 * the chunks it overlaps, its finish unmaps only the pages it took away
 * (widened to whole mappings), and the next populate walks and maps only
 * the pages of those chunks that lost their mappings. A 4 KiB munmap() in
 * a 2 GiB userptr costs one page, not 2 GiB; behind an IOMMU, where each
 * chunk is one IOVA range, one 2 MiB chunk. The other pages keep their
 * mappings without page references, as drm_gpusvm's ranges do: the CPU
 * page-table entries still reference those pages, and any change to them
 * raises an invalidation of its own. The userptr as a whole is valid when
 * every chunk is; drm_userptr_check_valid() answers for the whole range.
 */

/**
 * DOC: Locking
 *
 * The locks involved, in the order they nest (outermost first):
 *
 * - The process's mmap_lock. drm_userptr_populate() takes it in read mode
 *   around hmm_range_fault(), with nothing of the helper's held. The mm
 *   holds it (in either mode) around most invalidations: munmap(),
 *   mprotect() and madvise() call the notifiers with it held, so the
 *   invalidation callbacks, and with them the notifier lock below, nest
 *   inside it. A driver must therefore never take the mmap_lock while it
 *   holds the notifier lock, nor wait under the notifier lock for anything
 *   that does.
 * - The core's interval-notifier "lock": the sequence count behind
 *   mmu_interval_read_begin(), mmu_interval_read_retry() and
 *   mmu_interval_set_seq(). It is not a real lock; the helper uses it
 *   exactly as the core documents, with the notifier lock below.
 * - &drm_userptr_domain.notifier_lock, a rw_semaphore per domain. Write
 *   mode: the invalidation callbacks (mark the pages invalid, set the
 *   sequence, call &drm_userptr_ops.invalidate_start, DMA-unmap), and
 *   populate while it commits and DMA-maps. Read mode: the driver, from
 *   drm_userptr_check_valid() until its device page-table entries are
 *   written (drm_userptr_notifier_lock() / drm_userptr_notifier_unlock()).
 *   The driver may take it in write mode too
 *   (drm_userptr_notifier_lock_write()), outside the invalidation's first
 *   step, for page-table work that must exclude every commit of the domain
 *   (a zap of shared page tables in its finish). Each call site of
 *   drm_userptr_domain_init() has its own lockdep class, so each driver's
 *   lock order is checked on its own.
 * - Under the notifier lock the helper takes no sleeping lock. In
 *   particular it marks pages dirty without the folio lock (see
 *   drm_userptr_mark_dirty()): migration holds the folio lock while it
 *   invalidates, so taking it under the notifier lock would deadlock.
 *
 * The notifier lock is taken inside mmu-notifier invalidations, which run
 * from memory reclaim and from the OOM reaper. So nothing may allocate
 * memory with reclaim (GFP_KERNEL) under it, and nothing may wait for the
 * device under it: &drm_userptr_ops.invalidate_finish runs without it.
 * drm_userptr_domain_init() primes lockdep with one dependency, that the
 * lock is taken inside fs_reclaim, so an allocation under it is reported
 * the first time it happens, not when reclaim deadlocks. The nesting inside
 * the core's invalidation map (mmu_notifier_invalidate_range_start) is
 * recorded at the first invalidation of a domain's userptr, since that map
 * is not exported. drm_userptr_check_valid() and drm_userptr_dma_addr()
 * assert that the lock is held; drm_userptr_populate() asserts that it is
 * not.
 *
 * The callbacks, and when they run:
 *
 * - &drm_userptr_ops.invalidate_start runs, under the notifier lock in
 *   write mode, for each invalidation that overlaps DMA-mapped pages of a
 *   userptr. For pages that are not mapped (never populated, populate
 *   failed, or already invalidated and unmapped) nothing runs: the device
 *   has nothing to stop. Nor for an event that only write-protects the CPU's
 *   mapping (fork()'s COW, writeback's mkclean, soft-dirty clearing) of a
 *   %DRM_USERPTR_READ_ONLY userptr: its pages do not change.
 * - &drm_userptr_ops.invalidate_finish runs exactly once for every start
 *   that returned true, without the notifier lock, before the helper drops
 *   the DMA mappings: in the core's second pass, or synchronously in the
 *   first pass (single-pass domains, kernels without two-pass notifiers, a
 *   concurrent invalidation holding the embedded finish).
 * - On a non-blockable invalidation (the OOM reaper) the helper only
 *   try-locks. If the lock is contended it refuses (the callback returns
 *   false, and the reaper retries later) without calling the driver. If the
 *   driver's start returns true, the helper cannot wait for the device: it
 *   refuses too, keeps the mappings, and owes the finish
 *   (&drm_userptr.finish_pending). The next of these runs it, before the
 *   DMA unmap of the pages it protects: the next blockable invalidation
 *   (which calls a second start only if it overlaps other mapped pages),
 *   drm_userptr_populate(), drm_userptr_fini(). Until then every
 *   non-blockable invalidation of the userptr is refused without a change.
 *   The helper never sleeps on a non-blockable range.
 *
 * The driver's obligations:
 *
 * - Write device page-table entries for a userptr only under
 *   drm_userptr_notifier_lock() and only after drm_userptr_check_valid()
 *   returned 0; on -EAGAIN, drop the lock and populate again.
 * - In &drm_userptr_ops.invalidate_start, make the device stop translating
 *   to the pages (zap entries, start a TLB flush or a preemption) without
 *   waiting; return whether there is anything to wait for. The pages are
 *   those of the event, widened to whole DMA mappings
 *   (drm_userptr_invalidated_pages()); zapping the whole userptr is always
 *   correct. On a
 *   non-blockable range it may be called and then have its finish run
 *   later, from another context.
 * - In &drm_userptr_ops.invalidate_finish, wait for it: for everything
 *   the starts of the userptr asked of the device so far, since the helper
 *   may drop the mappings of pages that an earlier start stopped (a refused
 *   non-blockable invalidation's).
 * - Call drm_userptr_populate() without the notifier lock and never from
 *   the invalidation callbacks (it waits for invalidations to end).
 * - Call drm_userptr_fini() only when the device no longer uses the
 *   userptr and no populate of it runs, and never from an invalidation
 *   callback.
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
 * userptr, needs no lock, and falls back only when two invalidations of the
 * same userptr overlap in time, which the core mm does only for concurrent
 * operations on the same pages; the KUnit test
 * drm_userptr_test_finish_in_use_falls_back forces that case.
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

/*
 * The per-page arrays are sized by userspace: charge them to the caller's
 * memory cgroup, fail rather than OOM-kill when it is full, and never warn.
 */
#define DRM_USERPTR_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * Chunks: validity and the populate walk are kept per PMD-sized,
 * PMD-aligned chunk of the range, DMA mappings per page. Every
 * invalidation bumps the sequence of the chunks it overlaps and ends their
 * validity; it marks stale the mappings of the pages it takes away (the
 * pages of the event, widened to whole mappings: a huge folio's pages go
 * together, and behind an IOMMU a chunk is one mapping), and its finish
 * drops those and only those. Populate walks again only the pages of the
 * chunks that are not valid that hold no current mapping, maps only those,
 * and commits each chunk on its own, so a one-page event costs a one-page
 * walk and mapping, a racing invalidation costs a walk of the chunks it
 * hit, and a large populate makes progress under a steady stream of small
 * invalidations.
 */
#define DRM_USERPTR_CHUNK_SHIFT	PMD_SHIFT
#define DRM_USERPTR_CHUNK_ORDER	(DRM_USERPTR_CHUNK_SHIFT - PAGE_SHIFT)

/* No pages. */
#define DRM_USERPTR_NO_PAGES	((struct drm_userptr_pages) {})

static unsigned long drm_userptr_chunk(const struct drm_userptr *uptr,
				       unsigned long addr)
{
	return (addr >> DRM_USERPTR_CHUNK_SHIFT) -
	       (uptr->start >> DRM_USERPTR_CHUNK_SHIFT);
}

/* The chunk holding page @i of the userptr. */
static unsigned long drm_userptr_page_chunk(const struct drm_userptr *uptr,
					    unsigned long i)
{
	return drm_userptr_chunk(uptr, uptr->start + (i << PAGE_SHIFT));
}

static unsigned long drm_userptr_end(const struct drm_userptr *uptr)
{
	return uptr->start + drm_userptr_size(uptr);
}

/* Index of the first page of chunk @c inside the userptr. */
static unsigned long drm_userptr_chunk_first_page(const struct drm_userptr *uptr,
						  unsigned long c)
{
	unsigned long addr = ((uptr->start >> DRM_USERPTR_CHUNK_SHIFT) + c) <<
			     DRM_USERPTR_CHUNK_SHIFT;

	return (max(addr, uptr->start) - uptr->start) >> PAGE_SHIFT;
}

/* Index of the page after the last one of chunk @c. */
static unsigned long drm_userptr_chunk_end_page(const struct drm_userptr *uptr,
						unsigned long c)
{
	if (c + 1 >= uptr->nr_chunks)
		return uptr->npages;
	return drm_userptr_chunk_first_page(uptr, c + 1);
}

static bool drm_userptr_pages_empty(const struct drm_userptr_pages *pages)
{
	return pages->first >= pages->end;
}

static bool drm_userptr_pages_has(const struct drm_userptr_pages *pages,
				  unsigned long i)
{
	return i >= pages->first && i < pages->end;
}

/*
 * The first page of the mapping holding page @i, which holds one: mappings
 * start at pages whose address is aligned to their size.
 */
static unsigned long drm_userptr_map_first(const struct drm_userptr *uptr,
					   unsigned long i)
{
	unsigned long nr = 1UL << uptr->dma[i].order;

	return i - (((uptr->start >> PAGE_SHIFT) + i) & (nr - 1));
}

/*
 * The pages an event on [@start, @end) of the mm takes away from the
 * userptr: those of the range inside it, widened to the mappings holding
 * the first and the last (a huge folio is mapped, and dropped, as one),
 * and with &drm_userptr_domain.map_chunks to whole chunks, each of which
 * is one mapping. Notifier lock held.
 */
static struct drm_userptr_pages
drm_userptr_event_pages(const struct drm_userptr *uptr, unsigned long start,
			unsigned long end)
{
	struct drm_userptr_pages pages;
	unsigned long last;

	start = max(start, uptr->start);
	end = min(end, drm_userptr_end(uptr));
	if (start >= end)
		return DRM_USERPTR_NO_PAGES;
	if (uptr->domain->map_chunks) {
		pages.first = drm_userptr_chunk_first_page(uptr,
							   drm_userptr_chunk(uptr, start));
		pages.end = drm_userptr_chunk_end_page(uptr,
						       drm_userptr_chunk(uptr, end - 1));
		return pages;
	}
	pages.first = (start - uptr->start) >> PAGE_SHIFT;
	last = (end - 1 - uptr->start) >> PAGE_SHIFT;
	pages.end = last + 1;
	if (!uptr->dma)
		return pages;
	if (uptr->dma[pages.first].state != DRM_USERPTR_DMA_NONE)
		pages.first = drm_userptr_map_first(uptr, pages.first);
	if (uptr->dma[last].state != DRM_USERPTR_DMA_NONE)
		pages.end = drm_userptr_map_first(uptr, last) +
			    (1UL << uptr->dma[last].order);
	return pages;
}

/* The chunks pages @pages belong to: [*@first, *@last]. */
static void drm_userptr_pages_chunks(const struct drm_userptr *uptr,
				     const struct drm_userptr_pages *pages,
				     unsigned long *first, unsigned long *last)
{
	*first = drm_userptr_page_chunk(uptr, pages->first);
	*last = drm_userptr_page_chunk(uptr, pages->end - 1);
}

/*
 * dma_map_sgtable(), dma_unmap_sgtable(), dma_need_sync() and
 * dma_get_merge_boundary(), which KUnit tests redirect to a fake IOMMU.
 */
#if IS_ENABLED(CONFIG_DRM_USERPTR_KUNIT_TEST)
VISIBLE_IF_KUNIT int drm_userptr_dma_map_sgtable(struct device *dev,
						 struct sg_table *sgt,
						 enum dma_data_direction dir,
						 unsigned long attrs)
{
	KUNIT_STATIC_STUB_REDIRECT(drm_userptr_dma_map_sgtable, dev, sgt, dir,
				   attrs);
	return dma_map_sgtable(dev, sgt, dir, attrs);
}
EXPORT_SYMBOL_IF_KUNIT(drm_userptr_dma_map_sgtable);

VISIBLE_IF_KUNIT void drm_userptr_dma_unmap_sgtable(struct device *dev,
						    struct sg_table *sgt,
						    enum dma_data_direction dir,
						    unsigned long attrs)
{
	KUNIT_STATIC_STUB_REDIRECT(drm_userptr_dma_unmap_sgtable, dev, sgt,
				   dir, attrs);
	dma_unmap_sgtable(dev, sgt, dir, attrs);
}
EXPORT_SYMBOL_IF_KUNIT(drm_userptr_dma_unmap_sgtable);

VISIBLE_IF_KUNIT bool drm_userptr_dma_need_sync(struct device *dev,
						dma_addr_t addr)
{
	KUNIT_STATIC_STUB_REDIRECT(drm_userptr_dma_need_sync, dev, addr);
	return dma_need_sync(dev, addr);
}
EXPORT_SYMBOL_IF_KUNIT(drm_userptr_dma_need_sync);

VISIBLE_IF_KUNIT unsigned long drm_userptr_dma_merge_boundary(struct device *dev)
{
	KUNIT_STATIC_STUB_REDIRECT(drm_userptr_dma_merge_boundary, dev);
	return dma_get_merge_boundary(dev);
}
EXPORT_SYMBOL_IF_KUNIT(drm_userptr_dma_merge_boundary);
#else
static inline int drm_userptr_dma_map_sgtable(struct device *dev,
					      struct sg_table *sgt,
					      enum dma_data_direction dir,
					      unsigned long attrs)
{
	return dma_map_sgtable(dev, sgt, dir, attrs);
}

static inline void drm_userptr_dma_unmap_sgtable(struct device *dev,
						 struct sg_table *sgt,
						 enum dma_data_direction dir,
						 unsigned long attrs)
{
	dma_unmap_sgtable(dev, sgt, dir, attrs);
}

static inline bool drm_userptr_dma_need_sync(struct device *dev,
					     dma_addr_t addr)
{
	return dma_need_sync(dev, addr);
}

static inline unsigned long drm_userptr_dma_merge_boundary(struct device *dev)
{
	return dma_get_merge_boundary(dev);
}
#endif

/*
 * Whether dma-iommu may put the whole, page-aligned pages of a chunk in
 * bounce buffers, or map them for a device that needs syncs. It bounces
 * such pages only for an untrusted device whose IOMMU granule (the merge
 * boundary plus one) is larger than a page; swiotlb=force is refused too.
 */
static bool drm_userptr_iommu_may_bounce(struct device *dev,
					 unsigned long merge_boundary)
{
	if (!dev_is_dma_coherent(dev) || is_swiotlb_force_bounce(dev))
		return true;
	return dev_is_pci(dev) && to_pci_dev(dev)->untrusted &&
	       merge_boundary >= PAGE_SIZE;
}

/*
 * The devices of a userptr's domain, numbered from 0: the domain's own
 * device, then its peers in the order they were added.
 */
static unsigned int drm_userptr_nr_devs(const struct drm_userptr *uptr)
{
	return 1 + uptr->domain->nr_peers;
}

static struct device *drm_userptr_dev(const struct drm_userptr *uptr,
				      unsigned int d)
{
	return d ? uptr->domain->peers[d - 1] : uptr->domain->dev;
}

/* The DMA address of page @i for device @d, mapped per &drm_userptr.dma. */
static dma_addr_t drm_userptr_addr(const struct drm_userptr *uptr,
				   unsigned int d, unsigned long i)
{
	return d ? uptr->peer_addrs[(d - 1) * uptr->npages + i] :
		   uptr->dma[i].addr;
}

static void drm_userptr_set_addr(struct drm_userptr *uptr, unsigned int d,
				 unsigned long i, dma_addr_t addr)
{
	if (d)
		uptr->peer_addrs[(d - 1) * uptr->npages + i] = addr;
	else
		uptr->dma[i].addr = addr;
}

/* The sg table of chunk @chunk for device @d, with &domain.map_chunks. */
static struct sg_table *drm_userptr_chunk_sgt(struct drm_userptr_chunk *chunk,
					      unsigned int d)
{
	return d ? &chunk->peer_sgts[d - 1] : &chunk->sgt;
}

/*
 * Drop the mapping of order @order that starts at page @i, for every
 * device; notifier lock held in write mode.
 */
static void drm_userptr_dma_unmap_piece(struct drm_userptr *uptr,
					unsigned long i, unsigned int order,
					unsigned long attrs)
{
	unsigned int d;

	for (d = 0; d < drm_userptr_nr_devs(uptr); d++)
		dma_unmap_page_attrs(drm_userptr_dev(uptr, d),
				     drm_userptr_addr(uptr, d, i),
				     PAGE_SIZE << order,
				     drm_userptr_dma_dir(uptr), attrs);
}

/*
 * Unmap the sg tables of devices [0, @nr_devs) in @tables: a chunk's, or
 * those a commit mapped before it failed.
 */
static void drm_userptr_dma_unmap_sgts(struct drm_userptr *uptr,
				       struct drm_userptr_chunk *tables,
				       unsigned int nr_devs,
				       unsigned long attrs)
{
	unsigned int d;

	for (d = 0; d < nr_devs; d++)
		drm_userptr_dma_unmap_sgtable(drm_userptr_dev(uptr, d),
					      drm_userptr_chunk_sgt(tables, d),
					      drm_userptr_dma_dir(uptr), attrs);
}

/* Free the sg tables of @tables, mapped or not, and the peers' array. */
static void drm_userptr_free_sgts(struct drm_userptr *uptr,
				  struct drm_userptr_chunk *tables)
{
	unsigned int d;

	sg_free_table(&tables->sgt);
	if (tables->peer_sgts)
		for (d = 1; d < drm_userptr_nr_devs(uptr); d++)
			sg_free_table(drm_userptr_chunk_sgt(tables, d));
	kfree(tables->peer_sgts);
	tables->peer_sgts = NULL;
}

/*
 * Drop the mappings of chunk @c that are in @state (current or stale) and
 * lie in pages [@first, @end), which begin and end at mapping boundaries
 * (drm_userptr_event_pages(), or the chunk's own). With
 * &drm_userptr_domain.map_chunks the chunk is one mapping, in one state.
 * Notifier lock held in write mode.
 */
static void drm_userptr_dma_unmap_range(struct drm_userptr *uptr,
					unsigned long c, unsigned long first,
					unsigned long end, u8 state)
{
	struct drm_userptr_chunk *chunk = &uptr->chunks[c];
	struct drm_userptr_dma *dma = uptr->dma;
	unsigned long i, j, nr, dropped = 0;

	lockdep_assert_held_write(&uptr->domain->notifier_lock);

	if (!chunk->nr_maps)
		return;
	if (chunk->sgt.sgl) {
		first = drm_userptr_chunk_first_page(uptr, c);
		end = drm_userptr_chunk_end_page(uptr, c);
		if (dma[first].state != state)
			return;
		drm_userptr_dma_unmap_sgts(uptr, chunk,
					   drm_userptr_nr_devs(uptr), 0);
		drm_userptr_free_sgts(uptr, chunk);
		for (i = first; i < end; i++)
			dma[i].state = DRM_USERPTR_DMA_NONE;
		dropped = chunk->nr_maps;
	} else {
		for (i = first; i < end; i += nr) {
			nr = 1;
			if (dma[i].state != state)
				continue;
			nr = 1UL << dma[i].order;
			drm_userptr_dma_unmap_piece(uptr, i, dma[i].order, 0);
			for (j = 0; j < nr; j++)
				dma[i + j].state = DRM_USERPTR_DMA_NONE;
			dropped++;
		}
	}
	if (!dropped)
		return;
	chunk->nr_maps -= dropped;
	if (state == DRM_USERPTR_DMA_STALE)
		chunk->nr_stale -= dropped;
	uptr->nr_dma_maps -= dropped;
	if (!chunk->nr_maps)
		uptr->nr_mapped_chunks--;
	if (chunk->valid) {
		chunk->valid = false;
		uptr->nr_valid_chunks--;
		uptr->valid = false;
	}
}

/* Drop the current mappings of chunk @c; notifier lock held in write mode. */
static void drm_userptr_dma_unmap_current(struct drm_userptr *uptr,
					  unsigned long c)
{
	drm_userptr_dma_unmap_range(uptr, c,
				    drm_userptr_chunk_first_page(uptr, c),
				    drm_userptr_chunk_end_page(uptr, c),
				    DRM_USERPTR_DMA_CURRENT);
}

/*
 * Drop the mappings of @pages that an invalidation ended, once its finish
 * ran (or its start said the device was done with them); pages populated
 * again since, and the stale mappings of other invalidations outside
 * @pages, whose finishes may not have run, are left alone. Notifier lock
 * held in write mode. Not sleeping unless @may_sleep (a non-blockable
 * invalidation must not).
 */
static void drm_userptr_dma_unmap_stale(struct drm_userptr *uptr,
					const struct drm_userptr_pages *pages,
					bool may_sleep)
{
	unsigned long c, first, last;

	if (drm_userptr_pages_empty(pages) || !uptr->dma)
		return;
	drm_userptr_pages_chunks(uptr, pages, &first, &last);
	for (c = first; c <= last; c++) {
		if (uptr->chunks[c].nr_stale)
			drm_userptr_dma_unmap_range(uptr, c,
						    max(pages->first,
							drm_userptr_chunk_first_page(uptr, c)),
						    min(pages->end,
							drm_userptr_chunk_end_page(uptr, c)),
						    DRM_USERPTR_DMA_STALE);
		if (may_sleep)
			cond_resched();
	}
}

/* Drop every DMA mapping of @uptr; notifier lock held in write mode. */
static void drm_userptr_dma_unmap_all(struct drm_userptr *uptr)
{
	unsigned long c, first, end;

	for (c = 0; c < uptr->nr_chunks && uptr->nr_mapped_chunks; c++) {
		first = drm_userptr_chunk_first_page(uptr, c);
		end = drm_userptr_chunk_end_page(uptr, c);
		drm_userptr_dma_unmap_range(uptr, c, first, end,
					    DRM_USERPTR_DMA_STALE);
		drm_userptr_dma_unmap_range(uptr, c, first, end,
					    DRM_USERPTR_DMA_CURRENT);
		cond_resched();
	}
}

/*
 * The order to DMA-map page @i with: the order of the CPU mapping holding it
 * (a PMD-mapped THP; a larger hugetlb page is mapped by chunk), at most what
 * one DMA mapping of the device may cover, if a mapping of that order starts
 * at page @i and ends before page @end, else 0. @pfns holds the chunk's
 * pages from page @first, the chunk's first, on.
 */
static unsigned int drm_userptr_map_order(const struct drm_userptr *uptr,
					  const unsigned long *pfns,
					  unsigned long first, unsigned long end,
					  unsigned long i)
{
	unsigned long pfn = pfns[i - first];
	unsigned int order = min3(hmm_pfn_to_map_order(pfn),
				  uptr->domain->max_map_order,
				  (unsigned int)DRM_USERPTR_CHUNK_ORDER);
	unsigned long addr = uptr->start + (i << PAGE_SHIFT);
	unsigned long nr = 1UL << order;

	if (!order || !IS_ALIGNED(addr, PAGE_SIZE << order) || nr > end - i ||
	    !IS_ALIGNED(page_to_pfn(hmm_pfn_to_page(pfn)), nr))
		return 0;
	return order;
}

/*
 * The device may write the page from now on, and DMA does not set the
 * dirty bits of the CPU's page tables: tell the mm, so that reclaim does
 * not drop the page (lazily freed anonymous memory, a clean swap-cache
 * page) and writeback does not skip it. Called under the notifier lock,
 * after the sequence check: the page is still mapped, and nothing that
 * would unmap it can proceed without the lock, so it can be used without a
 * reference, as zap_pte_range() does under the page-table lock.
 *
 * Only folios whose dirtying takes no sleeping lock are marked here:
 * anonymous ones (and their swap cache) and those of mappings without
 * writeback (shmem, tmpfs), whose ->dirty_folio is noop_dirty_folio(). A
 * folio of a file system with writeback needs no marking: its shared
 * mappings are write-notified, so hmm_range_fault(), asked for write
 * access, made the CPU page-table entry writable by a write fault, and such
 * an entry is dirty until writeback's folio_mkclean(), which invalidates
 * the userptr first. Taking the folio lock here would deadlock against
 * migration, which holds it while it invalidates.
 */
static void drm_userptr_mark_dirty(struct page *page)
{
	struct folio *folio = page_folio(page);
	struct address_space *mapping;

	if (folio_test_dirty(folio))
		return;
	/*
	 * Anonymous, in the swap cache or not: what noop_dirty_folio() does,
	 * without folio_mapping(), which can race with the folio leaving the
	 * swap cache.
	 */
	if (folio_test_anon(folio)) {
		folio_test_set_dirty(folio);
		return;
	}
	mapping = folio->mapping;
	if (!mapping || mapping_can_writeback(mapping))
		return;
	folio_mark_dirty(folio);
}

/*
 * With &drm_userptr_domain.map_chunks: the sg table of chunk @c, one entry
 * per piece drm_userptr_dma_map_chunk() would map on its own (a folio, or
 * a part of one the device can take), from the walk in @pfns. Built before
 * the notifier lock is taken, since it allocates; freed by the caller if
 * the commit does not take it.
 */
static int drm_userptr_chunk_sgt_build(const struct drm_userptr *uptr,
				       unsigned long c,
				       const unsigned long *pfns,
				       struct sg_table *sgt)
{
	unsigned long first = drm_userptr_chunk_first_page(uptr, c);
	unsigned long end = drm_userptr_chunk_end_page(uptr, c);
	unsigned long i, nents = 0;
	struct scatterlist *sg;
	unsigned int order;
	int err;

	for (i = first; i < end; i += 1UL << order) {
		order = drm_userptr_map_order(uptr, pfns, first, end, i);
		nents++;
	}
	err = sg_alloc_table(sgt, nents, DRM_USERPTR_GFP);
	if (err)
		return err;
	sg = sgt->sgl;
	for (i = first; i < end; i += 1UL << order) {
		order = drm_userptr_map_order(uptr, pfns, first, end, i);
		sg_set_page(sg, hmm_pfn_to_page(pfns[i - first]),
			    PAGE_SIZE << order, 0);
		sg = sg_next(sg);
	}
	return 0;
}

/*
 * drm_userptr_chunk_sgt_build() for each device of the domain, into
 * @tables: the same pages, in as many tables, since each device's mapping
 * lives in its table. What was built is freed with drm_userptr_free_sgts().
 */
static int drm_userptr_chunk_sgts_build(const struct drm_userptr *uptr,
					unsigned long c,
					const unsigned long *pfns,
					struct drm_userptr_chunk *tables)
{
	unsigned int d;
	int err;

	err = drm_userptr_chunk_sgt_build(uptr, c, pfns, &tables->sgt);
	if (err || !uptr->domain->nr_peers)
		return err;
	tables->peer_sgts = kcalloc(uptr->domain->nr_peers,
				    sizeof(*tables->peer_sgts), DRM_USERPTR_GFP);
	if (!tables->peer_sgts)
		return -ENOMEM;
	for (d = 1; d < drm_userptr_nr_devs(uptr) && !err; d++)
		err = drm_userptr_chunk_sgt_build(uptr, c, pfns,
						  drm_userptr_chunk_sgt(tables, d));
	return err;
}

/*
 * Map @sgt, the sg table of pages [@first, @end), for device @d with one
 * dma_map_sgtable(), and give the pages their addresses from the DMA
 * segments in order (which may merge entries). Unmapped again on failure.
 *
 * A device the DMA layer maps directly (no merge boundary: no IOMMU, or an
 * identity domain) gets each segment checked with dma_need_sync(), as the
 * per-page path does. Behind dma-iommu that check cannot be asked: an IOVA
 * does not say whether it bounced, so dma_need_sync() says yes for every
 * address of a device that may need syncs at all, which is always under
 * CONFIG_DMA_API_DEBUG and once any mapping of the device has bounced.
 * drm_userptr_iommu_may_bounce() decides before mapping instead.
 */
static int drm_userptr_dma_map_sg_dev(struct drm_userptr *uptr, unsigned int d,
				      unsigned long first, unsigned long end,
				      struct sg_table *sgt)
{
	struct device *dev = drm_userptr_dev(uptr, d);
	enum dma_data_direction dir = drm_userptr_dma_dir(uptr);
	unsigned long merge_boundary = drm_userptr_dma_merge_boundary(dev);
	unsigned long i = first, off;
	struct scatterlist *sg;
	unsigned int k;
	int err;

	if (merge_boundary && drm_userptr_iommu_may_bounce(dev, merge_boundary))
		goto refuse;
	err = drm_userptr_dma_map_sgtable(dev, sgt, dir, 0);
	if (err)
		return err == -ENOMEM ? -ENOMEM : -EFAULT;

	for_each_sgtable_dma_sg(sgt, sg, k) {
		if ((!merge_boundary &&
		     drm_userptr_dma_need_sync(dev, sg_dma_address(sg))) ||
		    !PAGE_ALIGNED(sg_dma_len(sg)) ||
		    i + (sg_dma_len(sg) >> PAGE_SHIFT) > end)
			break;
		for (off = 0; off < sg_dma_len(sg); off += PAGE_SIZE)
			drm_userptr_set_addr(uptr, d, i++,
					     sg_dma_address(sg) + off);
	}
	if (i == end)
		return 0;
	/* Not copied back: the CPU may have written since. */
	drm_userptr_dma_unmap_sgtable(dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
refuse:
	dev_warn_once(dev, "userptr refused: DMA through bounce buffers or without coherence\n");
	return -EOPNOTSUPP;
}

/*
 * drm_userptr_dma_map_chunk() with &drm_userptr_domain.map_chunks: map the
 * chunk's sg tables in @tables (one per device, the same pages) with one
 * dma_map_sgtable() each, so that an IOMMU gives the chunk one IOVA range
 * on each device, and take the tables into the chunk.
 */
static int drm_userptr_dma_map_chunk_sg(struct drm_userptr *uptr,
					unsigned long c,
					struct drm_userptr_chunk *tables)
{
	struct drm_userptr_chunk *chunk = &uptr->chunks[c];
	bool writable = !(uptr->flags & DRM_USERPTR_READ_ONLY);
	unsigned long first = drm_userptr_chunk_first_page(uptr, c);
	unsigned long end = drm_userptr_chunk_end_page(uptr, c);
	unsigned int d, k, order, nents = tables->sgt.orig_nents;
	unsigned long i, j;
	struct scatterlist *sg;
	int err = 0;

	for (d = 0; d < drm_userptr_nr_devs(uptr) && !err; d++)
		err = drm_userptr_dma_map_sg_dev(uptr, d, first, end,
						 drm_userptr_chunk_sgt(tables, d));
	if (err) {
		/* Device d - 1 failed, and unmapped its table. */
		drm_userptr_dma_unmap_sgts(uptr, tables, d - 1,
					   DMA_ATTR_SKIP_CPU_SYNC);
		return err;
	}

	i = first;
	for_each_sgtable_sg(&tables->sgt, sg, k) {
		order = ilog2(sg->length >> PAGE_SHIFT);
		if (writable)
			drm_userptr_mark_dirty(sg_page(sg));
		for (j = 0; j < 1UL << order; j++) {
			uptr->dma[i].order = order;
			uptr->dma[i++].state = DRM_USERPTR_DMA_CURRENT;
		}
	}
	chunk->sgt = tables->sgt;
	chunk->peer_sgts = tables->peer_sgts;
	*tables = (struct drm_userptr_chunk) {};
	chunk->nr_maps = nents;
	uptr->nr_mapped_chunks++;
	uptr->nr_dma_maps += nents;
	atomic64_add(nents * drm_userptr_nr_devs(uptr),
		     &uptr->domain->stats.dma_maps);
	return 0;
}

/*
 * DMA-map @page, the first of a mapping of order @order at page @i, for
 * every device of the domain, and record the addresses of its pages for
 * each. Returns 0, or an error with no device left mapping it.
 */
static int drm_userptr_dma_map_piece(struct drm_userptr *uptr,
				     struct page *page, unsigned long i,
				     unsigned int order)
{
	enum dma_data_direction dir = drm_userptr_dma_dir(uptr);
	unsigned int d, nr_devs = drm_userptr_nr_devs(uptr);
	struct device *dev;
	dma_addr_t addr;
	unsigned long j;
	int err = 0;

	for (d = 0; d < nr_devs; d++) {
		dev = drm_userptr_dev(uptr, d);
		addr = dma_map_page(dev, page, 0, PAGE_SIZE << order, dir);
		if (dma_mapping_error(dev, addr)) {
			err = -EFAULT;
			break;
		}
		if (drm_userptr_dma_need_sync(dev, addr)) {
			/* Not copied back: the CPU may have written since. */
			dma_unmap_page_attrs(dev, addr, PAGE_SIZE << order, dir,
					     DMA_ATTR_SKIP_CPU_SYNC);
			dev_warn_once(dev, "userptr refused: DMA through bounce buffers or without coherence\n");
			err = -EOPNOTSUPP;
			break;
		}
		for (j = 0; j < 1UL << order; j++)
			drm_userptr_set_addr(uptr, d, i + j,
					     addr + (j << PAGE_SHIFT));
	}
	while (err && d--)
		dma_unmap_page_attrs(drm_userptr_dev(uptr, d),
				     drm_userptr_addr(uptr, d, i),
				     PAGE_SIZE << order, dir,
				     DMA_ATTR_SKIP_CPU_SYNC);
	return err;
}

/*
 * DMA-map pages [@i, @end) of chunk @c, which hold no mapping, from the
 * walk in @pfns (which holds the chunk's pages from its first on), a huge
 * folio in as few mappings as the devices allow, and mark them dirty if
 * the devices may write them. The mappings are new (%DRM_USERPTR_DMA_NEW)
 * until the commit succeeds. Returns the number of mappings made (for each
 * device) in *@nr_maps, or an error.
 */
static int drm_userptr_dma_map_run(struct drm_userptr *uptr, unsigned long c,
				   const unsigned long *pfns, unsigned long i,
				   unsigned long end, unsigned long *nr_maps)
{
	bool writable = !(uptr->flags & DRM_USERPTR_READ_ONLY);
	unsigned long first = drm_userptr_chunk_first_page(uptr, c);
	unsigned long j;
	unsigned int order;
	int err;

	for (; i < end; i += 1UL << order) {
		struct page *page = hmm_pfn_to_page(pfns[i - first]);

		order = drm_userptr_map_order(uptr, pfns, first, end, i);
		err = drm_userptr_dma_map_piece(uptr, page, i, order);
		if (err)
			return err;
		if (writable)
			drm_userptr_mark_dirty(page);
		for (j = 0; j < 1UL << order; j++) {
			uptr->dma[i + j].order = order;
			uptr->dma[i + j].state = DRM_USERPTR_DMA_NEW;
		}
		(*nr_maps)++;
	}
	return 0;
}

/*
 * DMA-map the pages of chunk @c that hold no mapping, which the walk
 * @walk covers, from what hmm_range_fault() returned in @pfns; the pages
 * that hold current mappings keep them. Notifier lock held in write mode,
 * the chunk's sequence checked and no stale mapping left in it. With
 * &drm_userptr_domain.map_chunks the chunk holds no mapping and is mapped
 * as a whole: @tables holds its sg table for each device
 * (drm_userptr_chunk_sgts_build()), which the chunk takes if the mapping
 * succeeds.
 *
 * Return: 0; -EFAULT if a mapping failed (-ENOMEM if for want of memory,
 * in an IOMMU); -EOPNOTSUPP if the device reaches
 * the pages only through bounce buffers or needs explicit cache syncs (a
 * userptr shares memory with the CPU coherently, which neither can do).
 * On failure the chunk holds the mappings it held before, and no others.
 */
static int drm_userptr_dma_map_chunk(struct drm_userptr *uptr,
				     unsigned long c,
				     const unsigned long *pfns,
				     const struct drm_userptr_pages *walk,
				     struct drm_userptr_chunk *tables)
{
	struct drm_userptr_chunk *chunk = &uptr->chunks[c];
	struct drm_userptr_dma *dma = uptr->dma;
	unsigned long i, run_end, nr_maps = 0;
	int err = 0;

	lockdep_assert_held_write(&uptr->domain->notifier_lock);

	if (uptr->domain->map_chunks)
		return drm_userptr_dma_map_chunk_sg(uptr, c, tables);

	for (i = walk->first; i < walk->end && !err; i = run_end) {
		run_end = i + 1;
		if (dma[i].state != DRM_USERPTR_DMA_NONE)
			continue;
		while (run_end < walk->end &&
		       dma[run_end].state == DRM_USERPTR_DMA_NONE)
			run_end++;
		err = drm_userptr_dma_map_run(uptr, c, pfns, i, run_end,
					      &nr_maps);
	}

	/* Make the new mappings current, or drop them all. */
	for (i = walk->first; i < walk->end; i++) {
		if (dma[i].state != DRM_USERPTR_DMA_NEW)
			continue;
		if (!err) {
			dma[i].state = DRM_USERPTR_DMA_CURRENT;
		} else {
			if (i == drm_userptr_map_first(uptr, i))
				drm_userptr_dma_unmap_piece(uptr, i,
							    dma[i].order, 0);
			dma[i].state = DRM_USERPTR_DMA_NONE;
		}
	}
	if (err || !nr_maps)
		return err;
	if (!chunk->nr_maps)
		uptr->nr_mapped_chunks++;
	chunk->nr_maps += nr_maps;
	uptr->nr_dma_maps += nr_maps;
	atomic64_add(nr_maps * drm_userptr_nr_devs(uptr),
		     &uptr->domain->stats.dma_maps);
	return 0;
}

/*
 * End the validity of the chunks @pages overlap and mark stale the
 * mappings of @pages; notifier lock held in write mode. Returns whether
 * the driver must be asked to stop the device: some page of @pages still
 * holds a mapping the device may reach, other than those of @owed, which a
 * refused invalidation's start already stopped.
 */
static bool drm_userptr_pages_invalidate(struct drm_userptr *uptr,
					 const struct drm_userptr_pages *pages,
					 const struct drm_userptr_pages *owed)
{
	struct drm_userptr_dma *dma = uptr->dma;
	unsigned long c, first, last, i, j, nr;
	bool stop = false;

	uptr->valid = false;
	if (drm_userptr_pages_empty(pages))
		return false;
	drm_userptr_pages_chunks(uptr, pages, &first, &last);
	for (c = first; c <= last; c++) {
		struct drm_userptr_chunk *chunk = &uptr->chunks[c];

		chunk->seq++;
		if (chunk->valid) {
			chunk->valid = false;
			uptr->nr_valid_chunks--;
		}
	}
	if (!dma || !uptr->nr_mapped_chunks)
		return false;

	for (i = pages->first; i < pages->end; i += nr) {
		nr = 1;
		if (dma[i].state == DRM_USERPTR_DMA_NONE)
			continue;
		nr = 1UL << dma[i].order;
		if (!drm_userptr_pages_has(owed, i))
			stop = true;
		if (dma[i].state != DRM_USERPTR_DMA_CURRENT)
			continue;
		for (j = 0; j < nr; j++)
			dma[i + j].state = DRM_USERPTR_DMA_STALE;
		uptr->chunks[drm_userptr_page_chunk(uptr, i)].nr_stale++;
	}
	return stop;
}

/*
 * Whether the event leaves the pages where they are, for this userptr:
 *
 * - The driver took them for its own device's atomics
 *   (make_device_exclusive_range() with &drm_userptr_domain.exclusive_owner):
 *   the CPU's entries become device-exclusive entries for the same pages.
 *   The CPU taking them back is an MMU_NOTIFY_EXCLUSIVE without an owner,
 *   which is not skipped. MMU_NOTIFY_MIGRATE never is: a migration copies
 *   the data to new pages and frees the old ones.
 * - For a read-only userptr, the event only takes write permission away
 *   from the CPU: fork() write-protecting private pages for COW
 *   (MMU_NOTIFY_PROTECTION_PAGE, as do writeback's mkclean and
 *   write-protecting a shared mapping for dirty tracking) and soft-dirty
 *   clearing. The write that follows, if any, raises an invalidation of
 *   its own (the COW break replaces the page). mprotect() is
 *   MMU_NOTIFY_PROTECTION_VMA, which may take read access away as well,
 *   and is never skipped.
 *
 * The sequence is left alone too: a concurrent walk finds the same pages.
 */
static bool drm_userptr_event_keeps_pages(const struct drm_userptr *uptr,
					  const struct mmu_notifier_range *range)
{
	const void *owner = uptr->domain->exclusive_owner;

	if (range->event == MMU_NOTIFY_EXCLUSIVE && owner &&
	    range->owner == owner)
		return true;
	if (!(uptr->flags & DRM_USERPTR_READ_ONLY))
		return false;
	return range->event == MMU_NOTIFY_PROTECTION_PAGE ||
	       range->event == MMU_NOTIFY_SOFT_DIRTY;
}

/* What the second step of an invalidation has to do. */
struct drm_userptr_inval {
	/* The pages whose mappings are dropped once the finishes ran. */
	struct drm_userptr_pages pages;
	/* With @owed, the pages of the owed finish. */
	struct drm_userptr_pages owed_pages;
	/* The driver's start returned true: its finish runs. */
	bool wait;
	/* The finish a refused non-blockable invalidation owed runs too. */
	bool owed;
};

/*
 * The first step of every invalidation, under the notifier lock: end the
 * validity of the chunks the event overlaps, mark stale the mappings of
 * the pages it takes away, and let the driver zap and kick. Returns false
 * if the range is non-blockable and the helper would have to sleep;
 * otherwise @inv says what the second step must do (nothing if neither
 * @inv->wait nor @inv->owed: the pages are unmapped already).
 *
 * On a non-blockable range whose start said the device must be waited for,
 * the helper cannot wait: it refuses, and records that the start's finish
 * is still owed (@finish_pending, for @pending_pages). Whoever comes next
 * runs that finish before any DMA unmap of those pages: the next blockable
 * invalidation (in its second step, which also covers its own start, if
 * its own pages needed one), populate or fini. Until then those pages
 * stay mapped and stale, so the device is never left on freed DMA, and a
 * later non-blockable invalidation is refused without changing anything.
 */
static bool drm_userptr_invalidate_begin(struct drm_userptr *uptr,
					 const struct mmu_notifier_range *range,
					 unsigned long cur_seq,
					 struct drm_userptr_inval *inv)
{
	struct drm_userptr_domain *domain = uptr->domain;
	bool blockable = mmu_notifier_range_blockable(range);
	bool stop;

	*inv = (struct drm_userptr_inval) {};
	if (drm_userptr_event_keeps_pages(uptr, range)) {
		atomic64_inc(&domain->stats.skipped_invalidations);
		return true;
	}
	if (blockable) {
		down_write(&domain->notifier_lock);
	} else if (!down_write_trylock(&domain->notifier_lock)) {
		atomic64_inc(&domain->stats.nonblock_refusals);
		return false;
	} else if (uptr->finish_pending) {
		/* The device is still to be waited for: nothing can go. */
		up_write(&domain->notifier_lock);
		atomic64_inc(&domain->stats.nonblock_refusals);
		return false;
	}

	atomic64_inc(&domain->stats.invalidations);
	mmu_interval_set_seq(&uptr->notifier, cur_seq);
	uptr->generation++;
	if (uptr->finish_pending) {
		/* Run the owed finish, and drop its pages, in step two. */
		inv->owed_pages = uptr->pending_pages;
		uptr->finish_pending = false;
		inv->owed = true;
	}
	inv->pages = drm_userptr_event_pages(uptr, range->start, range->end);
	stop = drm_userptr_pages_invalidate(uptr, &inv->pages,
					    &inv->owed_pages);
	/*
	 * After an munmap() the addresses may be mapped again, and the next
	 * populate uses what is there then, as userspace expects of a
	 * pointer. Only a vanished address space ends the userptr.
	 */
	if (range->event == MMU_NOTIFY_RELEASE)
		uptr->released = true;

	/*
	 * Nothing mapped means nothing the device can still reach. The first
	 * step only kicks the device: a sleep in it splats on kernels with
	 * CONFIG_DEBUG_ATOMIC_SLEEP.
	 */
	non_block_start();
	inv->wait = stop && domain->ops->invalidate_start(uptr, range);
	non_block_end();
	trace_drm_userptr_invalidate_start(uptr, range, inv->wait);

	if (inv->wait && !blockable) {
		/* Stopped, but the device must be waited for: retry later. */
		uptr->finish_pending = true;
		uptr->pending_pages = inv->pages;
		up_write(&domain->notifier_lock);
		atomic64_inc(&domain->stats.nonblock_refusals);
		return false;
	}
	if (!inv->wait && !inv->owed)
		drm_userptr_dma_unmap_stale(uptr, &inv->pages, blockable);
	up_write(&domain->notifier_lock);
	return true;
}

/*
 * The second step: wait for the device (the owed finish, then the one of
 * this invalidation's start), then drop the stale mappings. Sleeps;
 * notifier lock not held.
 */
static void drm_userptr_invalidate_end(struct drm_userptr *uptr,
				       const struct drm_userptr_inval *inv)
{
	struct drm_userptr_domain *domain = uptr->domain;

	if (inv->owed)
		domain->ops->invalidate_finish(uptr);
	if (inv->wait)
		domain->ops->invalidate_finish(uptr);
	down_write(&domain->notifier_lock);
	if (inv->owed)
		drm_userptr_dma_unmap_stale(uptr, &inv->owed_pages, true);
	drm_userptr_dma_unmap_stale(uptr, &inv->pages, true);
	up_write(&domain->notifier_lock);
	trace_drm_userptr_invalidate_finish(uptr);
}

/*
 * Run the finish a refused non-blockable invalidation left owed, and drop
 * the mappings it protected. Sleeps; notifier lock not held.
 */
static void drm_userptr_finish_refused(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;
	struct drm_userptr_inval inv = {};

	if (!READ_ONCE(uptr->finish_pending))
		return;
	down_write(&domain->notifier_lock);
	inv.owed = uptr->finish_pending;
	inv.owed_pages = uptr->pending_pages;
	uptr->finish_pending = false;
	up_write(&domain->notifier_lock);
	if (inv.owed)
		drm_userptr_invalidate_end(uptr, &inv);
}

static bool drm_userptr_invalidate(struct mmu_interval_notifier *mni,
				   const struct mmu_notifier_range *range,
				   unsigned long cur_seq)
{
	struct drm_userptr *uptr = to_drm_userptr(mni);
	struct drm_userptr_inval inv;

	if (!drm_userptr_invalidate_begin(uptr, range, cur_seq, &inv))
		return false;
	if (inv.wait || inv.owed) {
		atomic64_inc(&uptr->domain->stats.sync_finishes);
		drm_userptr_invalidate_end(uptr, &inv);
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
	struct drm_userptr_inval inv;

	if (!drm_userptr_invalidate_begin(uptr, range, cur_seq, &inv))
		return false;
	if (!inv.wait && !inv.owed)
		return true;

	/* Pairs with clear_bit_unlock() in drm_userptr_invalidate_finish(). */
	if (!test_and_set_bit_lock(DRM_USERPTR_STATE_FINISH_IN_USE,
				   &uptr->state)) {
		atomic64_inc(&stats->deferred_finishes);
		uptr->finish_pages = inv.pages;
		uptr->finish_owed_pages = inv.owed_pages;
		uptr->finish_wait = inv.wait;
		uptr->finish_owed = inv.owed;
		*finish = &uptr->finish;
		return true;
	}

	/* A concurrent invalidation holds the finish: wait right here. */
	atomic64_inc(&stats->sync_finishes);
	drm_userptr_invalidate_end(uptr, &inv);
	return true;
}

static void
drm_userptr_invalidate_finish(struct mmu_interval_notifier_finish *finish)
{
	struct drm_userptr *uptr = container_of(finish, struct drm_userptr,
						finish);
	struct drm_userptr_inval inv = {
		.pages = uptr->finish_pages,
		.owed_pages = uptr->finish_owed_pages,
		.wait = uptr->finish_wait,
		.owed = uptr->finish_owed,
	};

	drm_userptr_invalidate_end(uptr, &inv);
	clear_bit_unlock(DRM_USERPTR_STATE_FINISH_IN_USE, &uptr->state);
}

static const struct mmu_interval_notifier_ops drm_userptr_two_pass_ops = {
	.invalidate_start = drm_userptr_invalidate_start,
	.invalidate_finish = drm_userptr_invalidate_finish,
};
#endif

/* Bounce buffers (swiotlb) limit one mapping to far less than a THP. */
static unsigned int drm_userptr_max_map_order(struct device *dev)
{
	return ilog2(max_t(size_t, dma_max_mapping_size(dev), PAGE_SIZE) >>
		     PAGE_SHIFT);
}

/**
 * __drm_userptr_domain_init() - initialise a userptr domain
 * @domain: the domain
 * @dev: the device whose DMA mappings the domain's userptrs use
 * @ops: the driver's invalidation callbacks, both required
 * @flags: &enum drm_userptr_domain_flags
 * @key: the lockdep class of the domain's notifier lock
 * @name: the name lockdep reports the lock by
 *
 * Called through drm_userptr_domain_init(), which gives each call site its
 * own lockdep class. Also teaches lockdep that the domain's notifier lock is taken inside
 * memory reclaim.
 *
 * Return: 0, or -EINVAL if an argument is missing or a flag unknown.
 */
int __drm_userptr_domain_init(struct drm_userptr_domain *domain,
			      struct device *dev,
			      const struct drm_userptr_ops *ops,
			      unsigned int flags, struct lock_class_key *key,
			      const char *name)
{
	if (!dev || !ops || !ops->invalidate_start || !ops->invalidate_finish ||
	    flags & ~DRM_USERPTR_DOMAIN_SINGLE_PASS)
		return -EINVAL;

	memset(domain, 0, sizeof(*domain));
	domain->dev = dev;
	domain->ops = ops;
	domain->flags = flags;
	domain->max_map_order = drm_userptr_max_map_order(dev);
	domain->map_chunks = device_iommu_mapped(dev);
	__init_rwsem(&domain->notifier_lock, name, key);

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
EXPORT_SYMBOL_GPL(__drm_userptr_domain_init);

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
	kfree(domain->peers);
	domain->peers = NULL;
	domain->nr_peers = 0;
}
EXPORT_SYMBOL_GPL(drm_userptr_domain_fini);

/**
 * drm_userptr_domain_add_peer() - map a domain's userptrs for one more device
 * @domain: the domain, which has no userptr yet
 * @dev: the device
 *
 * Every populate of the domain's userptrs then DMA-maps the pages for @dev
 * too, from the same hmm_range_fault() walk, and every invalidation drops
 * @dev's mappings with the others once &drm_userptr_ops.invalidate_finish
 * ran: the driver's callbacks stop and flush every device of the domain.
 * The driver reads @dev's addresses with drm_userptr_peer_dma_run(). If
 * any device of the domain is behind an IOMMU, all of them are mapped by
 * chunk (&drm_userptr_domain.map_chunks: one dma_map_sgtable() per chunk
 * and device, which gives the IOMMU's devices one IOVA range and the
 * others their direct addresses), since a per-folio mapping cannot be
 * checked for bounce buffers behind an IOMMU; otherwise one mapping per
 * folio. Every mapping is in pieces no larger than the smallest
 * dma_max_mapping_size() of the devices. The domain is not locked: not
 * concurrently with drm_userptr_init(), another
 * drm_userptr_domain_add_peer() or drm_userptr_domain_fini() on @domain.
 *
 * Return: the peer's index, from 0, for drm_userptr_peer_dma_run();
 * -EINVAL if @dev is NULL; -EEXIST if @dev is already a device of the
 * domain; -EBUSY if the domain has userptrs; -ENOMEM.
 */
int drm_userptr_domain_add_peer(struct drm_userptr_domain *domain,
				struct device *dev)
{
	struct device **peers;
	unsigned int i;

	if (!dev)
		return -EINVAL;
	if (atomic_read(&domain->nr_userptrs))
		return -EBUSY;
	if (dev == domain->dev)
		return -EEXIST;
	for (i = 0; i < domain->nr_peers; i++)
		if (domain->peers[i] == dev)
			return -EEXIST;
	peers = krealloc_array(domain->peers, domain->nr_peers + 1,
			       sizeof(*peers), GFP_KERNEL);
	if (!peers)
		return -ENOMEM;
	peers[domain->nr_peers] = dev;
	domain->peers = peers;
	domain->max_map_order = min(domain->max_map_order,
				    drm_userptr_max_map_order(dev));
	domain->map_chunks |= device_iommu_mapped(dev);
	return domain->nr_peers++;
}
EXPORT_SYMBOL_GPL(drm_userptr_domain_add_peer);

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
	DRM_USERPTR_STAT(skipped_invalidations),
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
 * the range wraps around or ends beyond @mm's address space, or a flag is
 * unknown; -E2BIG if @size is more than
 * %DRM_USERPTR_MAX_PAGES pages, or its pages' DMA addresses for the
 * domain's peers are more than one kvmalloc() may hold; -ESRCH if @mm has no users left; -ENOMEM
 * (the helper's memory is charged to the caller's memory cgroup).
 */
int drm_userptr_init(struct drm_userptr *uptr,
		     struct drm_userptr_domain *domain, struct mm_struct *mm,
		     unsigned long start, unsigned long size,
		     unsigned int flags)
{
	unsigned long end;
	int err;

	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
	    check_add_overflow(start, size, &end) || end > mm->task_size ||
	    flags & ~DRM_USERPTR_READ_ONLY)
		return -EINVAL;
	if (size >> PAGE_SHIFT > DRM_USERPTR_MAX_PAGES ||
	    (size >> PAGE_SHIFT) * domain->nr_peers >
	    INT_MAX / sizeof(*uptr->peer_addrs))
		return -E2BIG;

	memset(uptr, 0, sizeof(*uptr));
	uptr->domain = domain;
	uptr->start = start;
	uptr->npages = size >> PAGE_SHIFT;
	uptr->flags = flags;
	uptr->nr_chunks = drm_userptr_chunk(uptr, end - 1) + 1;
	uptr->chunks = kvcalloc(uptr->nr_chunks, sizeof(*uptr->chunks),
				DRM_USERPTR_GFP);
	if (!uptr->chunks)
		return -ENOMEM;

	if (!mmget_not_zero(mm)) {
		err = -ESRCH;
		goto err_free;
	}
	err = mmu_interval_notifier_insert(&uptr->notifier, mm, start, size,
					   drm_userptr_notifier_ops(domain));
	mmput(mm);
	if (err)
		goto err_free;
	atomic_inc(&domain->nr_userptrs);
	return 0;

err_free:
	kvfree(uptr->chunks);
	uptr->chunks = NULL;
	return err;
}
EXPORT_SYMBOL_GPL(drm_userptr_init);

/**
 * drm_userptr_fini() - unregister a userptr and release its mappings
 * @uptr: the userptr
 *
 * Waits for an invalidation of the userptr that is in progress, runs the
 * &drm_userptr_ops.invalidate_finish a refused non-blockable invalidation
 * still owes, then drops the DMA mappings. The device must no longer use
 * the userptr, and no populate of it may be running. Must not be called
 * from an invalidation callback. Safe on a userptr whose process has
 * exited.
 */
void drm_userptr_fini(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;

	mmu_interval_notifier_remove(&uptr->notifier);
	drm_userptr_finish_refused(uptr);
	down_write(&domain->notifier_lock);
	drm_userptr_dma_unmap_all(uptr);
	up_write(&domain->notifier_lock);
	kvfree(uptr->dma);
	uptr->dma = NULL;
	kvfree(uptr->peer_addrs);
	uptr->peer_addrs = NULL;
	kvfree(uptr->chunks);
	uptr->chunks = NULL;
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
 * An invalidation raced with population (@why: -EBUSY from the walk,
 * -EAGAIN at the commit): count it, and say by @flags and @timeout whether
 * to try again (0) or what to return.
 */
static int drm_userptr_raced(struct drm_userptr *uptr, int why,
			     unsigned int flags, unsigned long timeout)
{
	atomic64_inc(&uptr->domain->stats.retries);
	trace_drm_userptr_retry(uptr, why);
	if (flags & DRM_USERPTR_POPULATE_ONCE)
		return -EAGAIN;
	if (flags & DRM_USERPTR_POPULATE_INTERRUPTIBLE &&
	    signal_pending(current))
		return -ERESTARTSYS;
	if (time_after(jiffies, timeout))
		return -EBUSY;
	return 0;
}

/*
 * hmm_range_fault() on @range, faulting only what must be: asked to fault,
 * it faults every page from the first one that needs it to the end of the
 * page table, present or not, so that repopulating a chunk after one of
 * its pages went costs a fault for most of the chunk. Take a snapshot
 * first, then fault only the runs of pages without a mapping (or without
 * write access, if @need_write), under the same notifier sequence.
 */
static int drm_userptr_hmm_fault(struct hmm_range *range, bool need_write)
{
	const unsigned long need = HMM_PFN_VALID |
				   (need_write ? HMM_PFN_WRITE : 0);
	unsigned long start = range->start, end = range->end;
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	unsigned long *pfns = range->hmm_pfns;
	unsigned long first, last;
	int err;

	range->default_flags = 0;
	err = hmm_range_fault(range);
	range->default_flags = HMM_PFN_REQ_FAULT |
			       (need_write ? HMM_PFN_REQ_WRITE : 0);
	for (first = 0; first < npages && !err; first = last) {
		for (last = first; last < npages &&
		     (pfns[last] & need) != need; last++)
			;
		if (last == first) {
			last++;
			continue;
		}
		range->start = start + (first << PAGE_SHIFT);
		range->end = start + (last << PAGE_SHIFT);
		range->hmm_pfns = pfns + first;
		err = hmm_range_fault(range);
	}
	range->start = start;
	range->end = end;
	range->hmm_pfns = pfns;
	return err;
}

/* What one walk of a chunk covered, and the chunk sequence it is good for. */
struct drm_userptr_walk {
	struct drm_userptr_pages pages;
	unsigned int seq;
};

/*
 * The pages of chunk @c a populate must walk and map: from the first to
 * the last that holds no current mapping (with
 * &drm_userptr_domain.map_chunks, the whole chunk, which is mapped as one).
 * A page that holds a current mapping has not changed since it was mapped,
 * or an invalidation would have made the mapping stale. Notifier lock
 * held.
 */
static struct drm_userptr_pages
drm_userptr_chunk_to_walk(const struct drm_userptr *uptr, unsigned long c)
{
	struct drm_userptr_pages pages = {
		.first = drm_userptr_chunk_first_page(uptr, c),
		.end = drm_userptr_chunk_end_page(uptr, c),
	};
	const struct drm_userptr_dma *dma = uptr->dma;

	if (!dma || uptr->domain->map_chunks || !uptr->chunks[c].nr_maps)
		return pages;
	while (pages.first < pages.end &&
	       dma[pages.first].state == DRM_USERPTR_DMA_CURRENT)
		pages.first++;
	while (pages.end > pages.first &&
	       dma[pages.end - 1].state == DRM_USERPTR_DMA_CURRENT)
		pages.end--;
	return pages;
}

/*
 * Walk with hmm_range_fault() the pages of chunk @c that lack a current
 * mapping, into @pfns (which has room for the chunk's pages, from its
 * first), until no invalidation races with the walk; *@walk says what was
 * walked and the chunk sequence the walk is good for. Gives up with
 * -EBUSY after @timeout.
 */
static int drm_userptr_fault_chunk(struct drm_userptr *uptr,
				   unsigned long *pfns, unsigned long c,
				   struct drm_userptr_walk *walk,
				   unsigned int flags, unsigned long timeout)
{
	struct drm_userptr_domain *domain = uptr->domain;
	struct mm_struct *mm = uptr->notifier.mm;
	unsigned long first = drm_userptr_chunk_first_page(uptr, c);
	struct hmm_range range = {
		.notifier = &uptr->notifier,
	};
	bool need_write = !(uptr->flags & DRM_USERPTR_READ_ONLY);
	int err;

	for (;;) {
		range.notifier_seq = mmu_interval_read_begin(&uptr->notifier);
		/*
		 * Under the lock, ordered against the set_seq() and the bump
		 * of an invalidation: one that the sequence below misses is
		 * one whose set_seq() hmm_range_fault() sees.
		 */
		down_read(&domain->notifier_lock);
		walk->seq = uptr->chunks[c].seq;
		walk->pages = drm_userptr_chunk_to_walk(uptr, c);
		up_read(&domain->notifier_lock);
		if (drm_userptr_pages_empty(&walk->pages))
			return 0;
		range.start = uptr->start + (walk->pages.first << PAGE_SHIFT);
		range.end = uptr->start + (walk->pages.end << PAGE_SHIFT);
		range.hmm_pfns = pfns + (walk->pages.first - first);

		err = mmap_read_lock_killable(mm);
		if (err)
			return err;
		err = domain->ops->check_vmas ? domain->ops->check_vmas(uptr) : 0;
		if (!err)
			err = drm_userptr_hmm_fault(&range, need_write);
		mmap_read_unlock(mm);
		if (err != -EBUSY)
			return err;
		/*
		 * Not a reason for %DRM_USERPTR_POPULATE_ONCE to give up: the
		 * walk's own faults (a COW break) invalidate the range too.
		 */
		err = drm_userptr_raced(uptr, -EBUSY,
					flags & ~DRM_USERPTR_POPULATE_ONCE, timeout);
		if (err)
			return err;
	}
}

/*
 * Allocate the DMA address arrays, once the range is known to be there.
 * Not under the notifier lock, which reclaim takes.
 */
static int drm_userptr_alloc_dma(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;
	dma_addr_t *peer_addrs = NULL;
	struct drm_userptr_dma *dma;

	if (READ_ONCE(uptr->dma))
		return 0;
	dma = kvcalloc(uptr->npages, sizeof(*dma), DRM_USERPTR_GFP);
	if (domain->nr_peers)
		peer_addrs = kvcalloc(uptr->npages * domain->nr_peers,
				      sizeof(*peer_addrs), DRM_USERPTR_GFP);
	if (!dma || (domain->nr_peers && !peer_addrs)) {
		kvfree(dma);
		kvfree(peer_addrs);
		return -ENOMEM;
	}
	down_write(&domain->notifier_lock);
	if (!uptr->dma) {
		swap(uptr->dma, dma);
		swap(uptr->peer_addrs, peer_addrs);
	}
	up_write(&domain->notifier_lock);
	kvfree(dma);
	kvfree(peer_addrs);
	return 0;
}

/*
 * The commit of chunk @c, under the notifier lock in write mode: map what
 * the walk @walk found if no invalidation has hit the chunk since. Then
 * the pages it did not walk still hold current mappings: only an
 * invalidation, which bumps the sequence, makes a mapping stale.
 *
 * Return: 0; -EBUSY if an invalidation raced (walk the chunk again);
 * -EFAULT if the address space is gone; the errors of
 * drm_userptr_dma_map_chunk().
 */
static int drm_userptr_commit_chunk(struct drm_userptr *uptr,
				    unsigned long c,
				    const unsigned long *pfns,
				    const struct drm_userptr_walk *walk,
				    struct drm_userptr_chunk *tables)
{
	struct drm_userptr_chunk *chunk = &uptr->chunks[c];
	int err;

	lockdep_assert_held_write(&uptr->domain->notifier_lock);

	if (uptr->released)
		return -EFAULT;
	/* A concurrent populate got here first: the device may use it. */
	if (chunk->valid)
		return 0;
	/*
	 * Stale mappings belong to an invalidation whose finish is owed or
	 * running: only that finish may drop them, once the device is done
	 * with them. A concurrent populate that failed may have freed the
	 * DMA array.
	 */
	if (chunk->nr_stale || !uptr->dma || walk->seq != chunk->seq)
		return -EBUSY;

	err = drm_userptr_dma_map_chunk(uptr, c, pfns, &walk->pages, tables);
	if (err)
		return err;
	chunk->valid = true;
	if (++uptr->nr_valid_chunks == uptr->nr_chunks)
		uptr->valid = true;
	return 0;
}

/*
 * Fault chunk @c in and DMA-map it, retrying while invalidations race with
 * it, for at most HMM_RANGE_DEFAULT_TIMEOUT ms. @pfns has room for the
 * chunk's pages.
 */
static int drm_userptr_populate_chunk(struct drm_userptr *uptr,
				      unsigned long c, unsigned long *pfns,
				      unsigned int flags)
{
	struct drm_userptr_domain *domain = uptr->domain;
	unsigned long timeout = jiffies +
				msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct drm_userptr_walk walk;
	/* Only the sg tables: what the chunk takes if the commit maps them. */
	struct drm_userptr_chunk tables = {};
	int err;

	for (;;) {
		/* Let a populate that runs an owed finish get to its unmap. */
		drm_userptr_finish_refused(uptr);
		err = drm_userptr_fault_chunk(uptr, pfns, c, &walk, flags,
					      timeout);
		if (err)
			return err;
		err = drm_userptr_alloc_dma(uptr);
		if (err)
			return err;
		if (domain->map_chunks) {
			err = drm_userptr_chunk_sgts_build(uptr, c, pfns,
							   &tables);
			if (err) {
				drm_userptr_free_sgts(uptr, &tables);
				return err;
			}
		}

		drm_userptr_fault_done(uptr);
		down_write(&domain->notifier_lock);
		err = drm_userptr_commit_chunk(uptr, c, pfns, &walk, &tables);
		up_write(&domain->notifier_lock);
		/* Not taken by the chunk: a race, an error, or already valid. */
		drm_userptr_free_sgts(uptr, &tables);
		if (err != -EBUSY)
			return err;
		err = drm_userptr_raced(uptr, -EAGAIN, flags, timeout);
		if (err)
			return err;
		cond_resched();
	}
}

/*
 * Populate every chunk that is not valid, one after the other, each
 * committed as soon as it is walked. Chunks that invalidations hit after
 * their commit are done again in another pass, for as long as each pass
 * has fewer of them to do than the one before: the call ends, whatever
 * the invalidations do, after at most one walk and commit of each chunk
 * per pass.
 */
static int drm_userptr_fault_and_map(struct drm_userptr *uptr,
				     unsigned long *pfns, unsigned int flags)
{
	unsigned long c, done, last = ULONG_MAX;
	int err;

	for (;;) {
		done = 0;
		for (c = 0; c < uptr->nr_chunks; c++) {
			if (READ_ONCE(uptr->chunks[c].valid))
				continue;
			err = drm_userptr_populate_chunk(uptr, c, pfns, flags);
			if (err)
				return err;
			done++;
			cond_resched();
		}
		if (drm_userptr_is_valid(uptr) || done >= last)
			return 0;
		last = done;
	}
}

/* After a failed populate: keep no per-page memory for nothing. */
static void drm_userptr_free_unused_dma(struct drm_userptr *uptr)
{
	struct drm_userptr_domain *domain = uptr->domain;
	struct drm_userptr_dma *dma = NULL;
	dma_addr_t *peer_addrs = NULL;

	down_write(&domain->notifier_lock);
	if (!uptr->nr_mapped_chunks) {
		swap(uptr->dma, dma);
		swap(uptr->peer_addrs, peer_addrs);
	}
	up_write(&domain->notifier_lock);
	kvfree(dma);
	kvfree(peer_addrs);
}

/*
 * After drm_userptr_force_invalidate(): end the validity of every chunk, as
 * an invalidation of the whole range would, and drop the current mappings,
 * which the driver has stopped the device's use of. Stale ones are left
 * to the finishes of their invalidations.
 */
static void drm_userptr_drop_forced(struct drm_userptr *uptr)
{
	struct drm_userptr_chunk *chunk;
	unsigned long c;

	down_write(&uptr->domain->notifier_lock);
	if (test_and_clear_bit(DRM_USERPTR_STATE_FORCED_INVALID, &uptr->state)) {
		uptr->generation++;
		for (c = 0; c < uptr->nr_chunks; c++) {
			chunk = &uptr->chunks[c];
			if (chunk->nr_maps == chunk->nr_stale)
				continue;
			chunk->seq++;
			drm_userptr_dma_unmap_current(uptr, c);
			cond_resched();
		}
	}
	up_write(&uptr->domain->notifier_lock);
}

/**
 * drm_userptr_populate() - fault a userptr in and DMA-map it
 * @uptr: the userptr
 * @flags: &enum drm_userptr_populate_flags
 *
 * Faults every page of the chunks that are not valid in with
 * hmm_range_fault() (asking for write access unless the userptr is
 * %DRM_USERPTR_READ_ONLY) and DMA-maps them for the domain's device and
 * its peers, a huge folio mapped by the CPU with a PMD in as few mappings
 * as the devices allow; the chunks that are still valid keep their mappings. Pages of a
 * writable userptr are marked dirty, so that what the device writes is
 * never lost to reclaim or writeback. Each chunk is committed as soon as
 * it is walked: an invalidation racing with the walk of a chunk restarts
 * that chunk's walk, and one that hits a chunk after its commit makes the
 * call do that chunk again, for as long as that gets it closer to a wholly
 * valid userptr. Returns at once if the mappings are still valid.
 *
 * Success only means that every chunk was valid at some point during the
 * call: the driver must still check drm_userptr_check_valid() under
 * drm_userptr_notifier_lock() before using the pages, and populate again on
 * -EAGAIN, which redoes only the chunks hit since. Must not be called with
 * the notifier lock held, nor from the driver's invalidation callbacks.
 *
 * Return: 0 on success;
 * -EFAULT if part of the range is not mapped (now: memory mapped again
 * after an munmap() is used), is PROT_NONE or a VM_IO / VM_PFNMAP mapping,
 * or the process's address space is gone (the userptr is dead for good
 * then), or DMA mapping failed;
 * -EOPNOTSUPP if a device of the domain would reach the pages only
 * through bounce buffers (swiotlb) or needs explicit cache maintenance,
 * which cannot keep memory shared with the CPU coherent;
 * -EPERM if write access was asked for and the memory is read-only;
 * -EBUSY if invalidations kept racing with the walk and commit of one
 * chunk for %HMM_RANGE_DEFAULT_TIMEOUT ms;
 * -EAGAIN if an invalidation raced and %DRM_USERPTR_POPULATE_ONCE was
 * given; -ERESTARTSYS if a signal is pending after a race and
 * %DRM_USERPTR_POPULATE_INTERRUPTIBLE was given;
 * -ESRCH if the process is exiting; -EINTR if a fatal signal is pending;
 * -ENOMEM, also when the memory cgroup of the userptr's process (which
 * the per-page memory is charged to, whoever populates) is at its limit. On
 * failure the chunks committed before stay mapped and valid, as after an
 * invalidation of the others; if none is, the helper keeps no per-page
 * memory.
 */
int drm_userptr_populate(struct drm_userptr *uptr, unsigned int flags)
{
	struct drm_userptr_domain *domain = uptr->domain;
	struct mm_struct *mm = uptr->notifier.mm;
	struct mem_cgroup *memcg, *old_memcg;
	unsigned long *pfns;
	int err;

	if (flags & ~(DRM_USERPTR_POPULATE_ONCE |
		      DRM_USERPTR_POPULATE_INTERRUPTIBLE))
		return -EINVAL;
	lockdep_assert_not_held(&domain->notifier_lock);

	if (test_bit(DRM_USERPTR_STATE_FORCED_INVALID, &uptr->state))
		drm_userptr_drop_forced(uptr);
	down_read(&domain->notifier_lock);
	err = uptr->released ? -EFAULT : uptr->valid;
	up_read(&domain->notifier_lock);
	if (err)
		return err < 0 ? err : 0;

	if (mmget_not_zero(mm)) {
		/*
		 * Charge the memory cgroup of the process whose memory this
		 * is, also when a driver's worker populates (GPU page faults,
		 * rebinds).
		 */
		memcg = get_mem_cgroup_from_mm(mm);
		old_memcg = set_active_memcg(memcg);
		pfns = kvmalloc_array(min(uptr->npages,
					  1UL << DRM_USERPTR_CHUNK_ORDER),
				      sizeof(*pfns), DRM_USERPTR_GFP);
		err = pfns ? drm_userptr_fault_and_map(uptr, pfns, flags) :
			     -ENOMEM;
		kvfree(pfns);
		set_active_memcg(old_memcg);
		mem_cgroup_put(memcg);
		/*
		 * If the process exited meanwhile, the last put tears the mm
		 * down, with invalidations that may wait for the very worker
		 * that populates: leave that to another context.
		 */
		mmput_async(mm);
	} else {
		err = -ESRCH;
	}

	if (err)
		drm_userptr_free_unused_dma(uptr);
	else
		atomic64_inc(&domain->stats.populates);
	trace_drm_userptr_populate(uptr, err);
	return err;
}

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
 * drm_userptr_notifier_lock_interruptible() - drm_userptr_notifier_lock(),
 *	interruptible
 * @domain: the domain
 *
 * For a commit made in an ioctl, which a signal may cut short.
 *
 * Return: 0 with the lock held in read mode, or -EINTR if a signal came
 * first.
 */
int drm_userptr_notifier_lock_interruptible(struct drm_userptr_domain *domain)
{
	return down_read_interruptible(&domain->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_userptr_notifier_lock_interruptible);

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
 * drm_userptr_notifier_lock_write() - take a domain's notifier lock
 *	exclusively
 * @domain: the domain
 *
 * Takes &drm_userptr_domain.notifier_lock in write mode, which excludes
 * every commit of the domain (drm_userptr_notifier_lock()) and the first
 * step of every invalidation. For device page-table work that must not run
 * beside a commit, outside &drm_userptr_ops.invalidate_start (which already
 * runs with the lock held in write mode): zapping entries of shared page
 * tables in &drm_userptr_ops.invalidate_finish, an error path that undoes
 * a commit. The rules of the read side apply: no allocation with reclaim,
 * no mmap_lock, and no wait for device work whose completion may need this
 * lock (a job that commits); waiting for a TLB invalidation, which
 * completes without it, is allowed. Never call it from
 * &drm_userptr_ops.invalidate_start.
 */
void drm_userptr_notifier_lock_write(struct drm_userptr_domain *domain)
{
	down_write(&domain->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_userptr_notifier_lock_write);

/**
 * drm_userptr_notifier_unlock_write() - release drm_userptr_notifier_lock_write()
 * @domain: the domain
 */
void drm_userptr_notifier_unlock_write(struct drm_userptr_domain *domain)
{
	up_write(&domain->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_userptr_notifier_unlock_write);

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
	    test_bit(DRM_USERPTR_STATE_FORCED_INVALID, &uptr->state)) {
		atomic64_inc(&uptr->domain->stats.commit_eagain);
		return -EAGAIN;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(drm_userptr_check_valid);

/**
 * drm_userptr_snapshot() - note which population a copy of the DMA
 *	addresses comes from
 * @uptr: the userptr
 *
 * drm_userptr_check_valid() says whether the userptr is valid now: if an
 * invalidation came after a driver copied DMA addresses out (into a GART
 * table, a per-submission list) and another thread populated the userptr
 * again before the copy is committed, the check passes although the copy
 * is stale. A driver that copies in one lock section and commits in a
 * later one takes a snapshot where it copies and checks it with
 * drm_userptr_check_snapshot() where it commits: each caller gets its own
 * check, as each holder of an hmm_range with its own notifier sequence
 * has.
 *
 * Must be called with the domain's notifier lock held, in either mode,
 * after drm_userptr_check_valid() returned 0; lockdep asserts the lock.
 *
 * Return: the snapshot, for drm_userptr_check_snapshot().
 */
unsigned long drm_userptr_snapshot(const struct drm_userptr *uptr)
{
	lockdep_assert_held(&uptr->domain->notifier_lock);
	return uptr->generation;
}
EXPORT_SYMBOL_GPL(drm_userptr_snapshot);

/**
 * drm_userptr_check_snapshot() - the commit check for a copy of the
 *	addresses
 * @uptr: the userptr
 * @snapshot: what drm_userptr_snapshot() returned where the copy was made
 *
 * drm_userptr_check_valid(), and no invalidation since @snapshot, even one
 * that a populate has made good again. Must be called with the domain's
 * notifier lock held; lockdep asserts it.
 *
 * Return: 0 if the copy taken at @snapshot may be used now; -EAGAIN if an
 * invalidation came since (populate, copy and snapshot again); -EFAULT if
 * the process's address space is gone.
 */
int drm_userptr_check_snapshot(struct drm_userptr *uptr,
			       unsigned long snapshot)
{
	int err = drm_userptr_check_valid(uptr);

	if (!err && uptr->generation != snapshot) {
		atomic64_inc(&uptr->domain->stats.commit_eagain);
		return -EAGAIN;
	}
	return err;
}
EXPORT_SYMBOL_GPL(drm_userptr_check_snapshot);

/**
 * drm_userptr_wait_invalidation() - wait for running invalidations to end
 * @uptr: the userptr
 *
 * Sleeps until no invalidation of the userptr's range is between its start
 * and its end in the core mm (both passes, with every notifier's finish,
 * done). For a driver that tears a mapping down and must not race with the
 * device page-table work of an invalidation still in flight (an unbind).
 * It does not wait for a finish that a refused non-blockable invalidation
 * owes (&drm_userptr.finish_pending): for the core mm that invalidation
 * has ended, and the finish runs in the next invalidation, populate or
 * drm_userptr_fini(). Must be called without the
 * notifier lock; lockdep asserts it.
 */
void drm_userptr_wait_invalidation(struct drm_userptr *uptr)
{
	lockdep_assert_not_held(&uptr->domain->notifier_lock);
	mmu_interval_read_begin(&uptr->notifier);
}
EXPORT_SYMBOL_GPL(drm_userptr_wait_invalidation);

/**
 * drm_userptr_force_invalidate() - treat a userptr as invalidated
 * @uptr: the userptr
 *
 * From now on drm_userptr_check_valid() returns -EAGAIN and
 * drm_userptr_is_valid() false, as after an invalidation of the whole
 * userptr, and the next drm_userptr_populate() maps every page again. For
 * fault injection into a driver's error paths, and for a driver whose own
 * work after a successful populate failed (an allocation for its copy of
 * the DMA addresses), so that its validity checks send it back to
 * populate. Nothing is called back:
 * the driver does itself what its &drm_userptr_ops.invalidate_start and
 * &drm_userptr_ops.invalidate_finish would do, and the device must no
 * longer use the mappings when the next populate runs, which drops them.
 * May be called with the notifier lock held in either mode.
 */
void drm_userptr_force_invalidate(struct drm_userptr *uptr)
{
	set_bit(DRM_USERPTR_STATE_FORCED_INVALID, &uptr->state);
}
EXPORT_SYMBOL_GPL(drm_userptr_force_invalidate);

/**
 * drm_userptr_invalidated_pages() - the pages an invalidation takes away
 * @uptr: the userptr, as passed to &drm_userptr_ops.invalidate_start
 * @range: the range passed with it
 * @pgoff: set to the index of the first page
 * @npages: set to the number of pages
 *
 * The pages of @range inside the userptr, widened to whole DMA mappings:
 * the helper maps a huge folio mapped by the CPU with a PMD as one (or in
 * as few pieces as the device takes), and behind an IOMMU
 * (&drm_userptr_domain.map_chunks) each PMD-sized chunk as one IOVA range,
 * and it unmaps a mapping as a whole. A driver that zaps only part of a
 * userptr in &drm_userptr_ops.invalidate_start must zap at least these
 * pages; the others keep their mappings. Call it from
 * &drm_userptr_ops.invalidate_start only (it reads the mappings under the
 * notifier lock the helper holds there).
 */
void drm_userptr_invalidated_pages(const struct drm_userptr *uptr,
				   const struct mmu_notifier_range *range,
				   unsigned long *pgoff, unsigned long *npages)
{
	struct drm_userptr_pages pages;

	lockdep_assert_held_write(&uptr->domain->notifier_lock);
	pages = drm_userptr_event_pages(uptr, range->start, range->end);
	*pgoff = pages.first;
	*npages = drm_userptr_pages_empty(&pages) ? 0 : pages.end - pages.first;
}
EXPORT_SYMBOL_GPL(drm_userptr_invalidated_pages);

/**
 * drm_userptr_dma_addr() - DMA address of one page of a userptr
 * @uptr: the userptr, valid per drm_userptr_check_valid()
 * @pgoff: page index inside the userptr
 *
 * Must be called with the domain's notifier lock held; lockdep asserts it.
 *
 * Return: the DMA address, or %DMA_MAPPING_ERROR (with a warning) if the
 * chunk holding the page is not valid or @pgoff is out of range.
 */
dma_addr_t drm_userptr_dma_addr(struct drm_userptr *uptr, unsigned long pgoff)
{
	lockdep_assert_held(&uptr->domain->notifier_lock);

	if (WARN_ON(pgoff >= uptr->npages ||
		    !uptr->chunks[drm_userptr_chunk(uptr, uptr->start +
						    (pgoff << PAGE_SHIFT))].valid))
		return DMA_MAPPING_ERROR;
	return uptr->dma[pgoff].addr;
}
EXPORT_SYMBOL_GPL(drm_userptr_dma_addr);

/* The run of drm_userptr_dma_run() from page @pgoff on, for device @d. */
static dma_addr_t drm_userptr_dev_dma_run(const struct drm_userptr *uptr,
					  unsigned int d, unsigned long pgoff,
					  unsigned long *npages)
{
	const struct drm_userptr_dma *dma = uptr->dma;
	unsigned long i;

	lockdep_assert_held(&uptr->domain->notifier_lock);

	*npages = 0;
	if (pgoff >= uptr->npages || !dma ||
	    dma[pgoff].state == DRM_USERPTR_DMA_NONE)
		return DMA_MAPPING_ERROR;
	for (i = pgoff + 1; i < uptr->npages; i++) {
		if (dma[i].state == DRM_USERPTR_DMA_NONE ||
		    drm_userptr_addr(uptr, d, i) !=
		    drm_userptr_addr(uptr, d, i - 1) + PAGE_SIZE)
			break;
	}
	*npages = i - pgoff;
	return drm_userptr_addr(uptr, d, pgoff);
}

/**
 * drm_userptr_dma_run() - the DMA-contiguous run of pages from one page on
 * @uptr: the userptr
 * @pgoff: index of the first page of the run
 * @npages: set to the number of pages of the run, 0 if @pgoff is not mapped
 *
 * The bulk export for a driver that builds device page tables from runs of
 * DMA addresses (a scatterlist, large page-table entries): the pages from
 * @pgoff on whose DMA addresses follow one another, across chunks and
 * mappings. Walk a userptr with ``pgoff += npages``. Behind an IOMMU
 * (&drm_userptr_domain.map_chunks) every chunk is one IOVA range, so a run
 * covers at least the rest of its chunk; without one, DMA addresses are
 * physical and runs are as long as the memory is contiguous. Unlike
 * drm_userptr_dma_addr() it does not require the pages to be valid: a
 * driver may copy the addresses of a userptr that an invalidation has just
 * ended and let its commit check (drm_userptr_check_valid()) decide. The
 * addresses of a chunk that is not valid are those of mappings its
 * invalidation's finish is about to drop.
 *
 * Must be called with the domain's notifier lock held, in either mode;
 * lockdep asserts it.
 *
 * Return: the DMA address of page @pgoff, or %DMA_MAPPING_ERROR if the
 * chunk holding it has no mappings or @pgoff is out of range.
 */
dma_addr_t drm_userptr_dma_run(const struct drm_userptr *uptr,
			       unsigned long pgoff, unsigned long *npages)
{
	return drm_userptr_dev_dma_run(uptr, 0, pgoff, npages);
}
EXPORT_SYMBOL_GPL(drm_userptr_dma_run);

/**
 * drm_userptr_peer_dma_run() - drm_userptr_dma_run() for a peer device
 * @uptr: the userptr
 * @peer: the peer's index, as drm_userptr_domain_add_peer() returned it
 * @pgoff: index of the first page of the run
 * @npages: set to the number of pages of the run, 0 if @pgoff is not mapped
 *
 * The same pages as drm_userptr_dma_run() gives for the domain's own
 * device, mapped at the same time and dropped at the same time, at the
 * addresses the peer reaches them by. Must be called with the domain's
 * notifier lock held, in either mode.
 *
 * Return: the peer's DMA address of page @pgoff, or %DMA_MAPPING_ERROR if
 * the chunk holding it has no mappings, or @pgoff or @peer is out of
 * range.
 */
dma_addr_t drm_userptr_peer_dma_run(const struct drm_userptr *uptr,
				    unsigned int peer, unsigned long pgoff,
				    unsigned long *npages)
{
	*npages = 0;
	if (peer >= uptr->domain->nr_peers)
		return DMA_MAPPING_ERROR;
	return drm_userptr_dev_dma_run(uptr, peer + 1, pgoff, npages);
}
EXPORT_SYMBOL_GPL(drm_userptr_peer_dma_run);

MODULE_DESCRIPTION("DRM userptr helpers: hmm_range_fault with two-pass interval notifiers");
MODULE_LICENSE("Dual MIT/GPL");
