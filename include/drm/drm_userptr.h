/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * drm_userptr: device access to user memory through hmm_range_fault() and
 * two-pass mmu_interval_notifiers.
 */
#ifndef _DRM_USERPTR_H_
#define _DRM_USERPTR_H_

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/dma-direction.h>
#include <linux/llist.h>
#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct device;
struct drm_printer;
struct drm_userptr;

#ifndef DRM_USERPTR_HAVE_TWO_PASS_NOTIFIER
/*
 * Kernels without two-pass interval notifiers (the build-time probe in the
 * project's Kbuild defines DRM_USERPTR_HAVE_TWO_PASS_NOTIFIER for every
 * object it builds when they have them): the same layout, so that struct
 * drm_userptr is the same everywhere, used as storage only. An object built
 * without the probe's flag on a two-pass kernel fails to compile here
 * instead of disagreeing about the layout.
 */
struct mmu_interval_notifier_finish {
	struct llist_node link;
	struct mmu_interval_notifier *notifier;
};
#endif

/**
 * struct drm_userptr_ops - what a driver does when a userptr's pages go away
 *
 * @invalidate_start is called for every event (munmap, mprotect, madvise,
 * migration, COW, reclaim, mm teardown, ...) that overlaps DMA-mapped
 * pages of a userptr; for pages that are not mapped nothing is called.
 * @invalidate_finish is called exactly once for every @invalidate_start
 * that returned true, before the pages are DMA-unmapped. See DOC: Locking
 * in drm_userptr.c for the non-blockable case.
 */
struct drm_userptr_ops {
	/**
	 * @invalidate_start: First step. Called with the domain's notifier
	 * lock held in write mode, after the helper has marked the pages
	 * invalid and set the notifier sequence, so no new device page-table
	 * entries can be committed for them. Zap the device page-table
	 * entries that point at the pages the helper will unmap (the pages of
	 * the event, widened to whole DMA mappings,
	 * drm_userptr_invalidated_pages(); zapping the whole userptr is
	 * correct too) and start whatever must complete
	 * before the pages may be released (context preemption, TLB flush).
	 * Must not wait for it, must not allocate memory other than with
	 * GFP_NOWAIT, and must not sleep at all: the helper runs it between
	 * non_block_start() and non_block_end(), so that a sleep is reported
	 * on kernels with CONFIG_DEBUG_ATOMIC_SLEEP, whether the range is
	 * blockable or not.
	 *
	 * Return: true if the device may still be accessing the pages and
	 * @invalidate_finish must wait for it; false if the device is already
	 * done with them.
	 */
	bool (*invalidate_start)(struct drm_userptr *uptr,
				 const struct mmu_notifier_range *range);

	/**
	 * @invalidate_finish: Second step, called once for every
	 * @invalidate_start that returned true, without the notifier lock.
	 * Wait until the device can no longer access the pages. The helper
	 * DMA-unmaps them when this returns. Cannot fail. Usually called by
	 * the same invalidation; after a refused non-blockable one, by the
	 * next invalidation, drm_userptr_populate() or drm_userptr_fini() of
	 * the userptr, in their context.
	 */
	void (*invalidate_finish)(struct drm_userptr *uptr);

	/**
	 * @check_vmas: Optional. Called by drm_userptr_populate() before
	 * each walk of the userptr's pages with hmm_range_fault(), with the
	 * mmap_lock held in read mode for that walk, so that what it finds
	 * holds while the pages are faulted in. Refuse memory the driver must
	 * not map (amdgpu's anonymous-only userptrs refuse file mappings and
	 * a range that is not one VMA) by returning a negative errno, which
	 * drm_userptr_populate() returns without walking. May not take the
	 * notifier lock.
	 *
	 * Return: 0 to walk the pages, or a negative errno.
	 */
	int (*check_vmas)(struct drm_userptr *uptr);
};

/**
 * enum drm_userptr_domain_flags - behaviour of a &drm_userptr_domain
 * @DRM_USERPTR_DOMAIN_SINGLE_PASS: do not use two-pass notifiers even where
 *	the kernel has them: every invalidation waits for its device before
 *	the next notifier runs. For comparison and testing.
 */
enum drm_userptr_domain_flags {
	DRM_USERPTR_DOMAIN_SINGLE_PASS = BIT(0),
};

/**
 * struct drm_userptr_stats - counters a driver can expose
 * @invalidations: invalidation callbacks received and acted on.
 * @skipped_invalidations: invalidation callbacks that changed nothing the
 *	userptr maps (write-protection of a read-only userptr's pages, the
 *	driver's own exclusive access), so the device was left alone.
 * @deferred_finishes: finishes deferred to the core's second pass.
 * @sync_finishes: finishes run synchronously in the first pass (single-pass
 *	mode, kernels without two-pass notifiers, or the embedded finish was
 *	in use by a concurrent invalidation).
 * @nonblock_refusals: invalidations refused on a non-blockable range.
 * @populates: successful populates.
 * @retries: populate attempts restarted by a concurrent invalidation
 *	(hmm_range_fault() -EBUSY or a failed read_retry).
 * @dma_maps: DMA mappings made, for each device of the domain; a huge
 *	folio counts once per device.
 * @commit_eagain: commit checks that found the pages invalidated.
 */
struct drm_userptr_stats {
	atomic64_t invalidations;
	atomic64_t skipped_invalidations;
	atomic64_t deferred_finishes;
	atomic64_t sync_finishes;
	atomic64_t nonblock_refusals;
	atomic64_t populates;
	atomic64_t retries;
	atomic64_t dma_maps;
	atomic64_t commit_eagain;
};

/**
 * struct drm_userptr_domain - userptrs sharing a DMA device and a lock
 *
 * A driver has one domain per device (or per GPU VM, as it prefers). All
 * userptrs of a domain are DMA-mapped for @dev and share @notifier_lock.
 * Domains are independent: two GPUs, each with its own domain and its own
 * userptr on the same memory, are invalidated in parallel.
 *
 * A driver whose buffers are used by several devices at once (KFD maps a
 * process's userptrs for each of its GPUs) adds them to one domain as
 * peers with drm_userptr_domain_add_peer(): each populate then faults the
 * pages in once, with one hmm_range_fault() walk under one interval
 * notifier, and maps them for @dev and every peer; each invalidation is
 * one &drm_userptr_ops.invalidate_start and one
 * &drm_userptr_ops.invalidate_finish for all of them, after which the
 * mappings of every device are dropped.
 */
struct drm_userptr_domain {
	/** @dev: the device the pages are DMA-mapped for. */
	struct device *dev;
	/**
	 * @peers: the other devices the pages are DMA-mapped for, in the
	 * order drm_userptr_domain_add_peer() added them; @nr_peers of them.
	 * Fixed once the domain has a userptr.
	 */
	struct device **peers;
	/** @nr_peers: number of entries in @peers. */
	unsigned int nr_peers;
	/** @ops: the driver's invalidation callbacks. */
	const struct drm_userptr_ops *ops;
	/** @flags: &enum drm_userptr_domain_flags. */
	unsigned int flags;
	/**
	 * @max_map_order: the largest order one DMA mapping may have, from
	 * dma_max_mapping_size() of @dev and of each peer; a huge folio is
	 * mapped in pieces of at most this order.
	 */
	unsigned int max_map_order;
	/**
	 * @map_chunks: @dev, or a peer, is behind an IOMMU
	 * (device_iommu_mapped()): each chunk of a userptr is DMA-mapped, for
	 * @dev and for each peer, with one dma_map_sgtable(), which
	 * the IOMMU gives one IOVA range, so that the device sees it as
	 * contiguous (and can use large page-table entries), as drivers that
	 * map an sg table get; a device of the domain that is not behind one
	 * gets its direct addresses from the same call. Without an IOMMU, DMA
	 * addresses are physical and every folio is mapped on its own, with
	 * no sg table to keep. A device in an identity domain (iommu=pt) is
	 * mapped directly even so, and gets one DMA segment per physically contiguous run, not one
	 * per chunk; so may a device whose mappings dma-iommu would bounce,
	 * which the helper refuses instead (-EOPNOTSUPP).
	 */
	bool map_chunks;
	/**
	 * @exclusive_owner: the owner the driver passes to
	 * make_device_exclusive_range() when it takes pages for its device's
	 * atomics, or NULL. Those pages stay where they are, so an
	 * MMU_NOTIFY_EXCLUSIVE invalidation carrying this owner leaves the
	 * domain's userptrs valid. Set by the driver after
	 * drm_userptr_domain_init(), before its first userptr. Migration
	 * (MMU_NOTIFY_MIGRATE) is never skipped, whoever started it: it
	 * moves the pages to new memory, so the mappings must go.
	 */
	void *exclusive_owner;
	/**
	 * @notifier_lock: The lock the interval-notifier sequence scheme
	 * needs. Held in write mode by the helper while it marks pages invalid
	 * and calls &drm_userptr_ops.invalidate_start, and while it DMA-maps
	 * or unmaps pages. Held in read mode by the driver, through
	 * drm_userptr_notifier_lock(), from the validity check with
	 * drm_userptr_check_valid() until the device page-table entries for
	 * the pages are written. It is taken inside mmu-notifier
	 * invalidations, which can run from memory reclaim, so nothing under
	 * it may allocate memory with reclaim, nor wait for the device in read
	 * mode; lockdep is told at drm_userptr_domain_init() that it nests
	 * inside fs_reclaim. A driver may wait for its device's fences with it
	 * held in write mode from &drm_userptr_ops.invalidate_finish, as the
	 * single-pass notifiers of drivers do, to exclude its binds while it
	 * zaps page-table entries; every populate and bind commit of the
	 * domain waits meanwhile. Invalidations run with the mmap_lock held, so the order
	 * is the mmap_lock, then this lock: never take the mmap_lock under it.
	 */
	struct rw_semaphore notifier_lock;
	/** @stats: counters, see &struct drm_userptr_stats. */
	struct drm_userptr_stats stats;
	/** @nr_userptrs: userptrs initialised and not yet finalised. */
	atomic_t nr_userptrs;
};

/**
 * enum drm_userptr_flags - flags of a userptr, fixed at drm_userptr_init()
 * @DRM_USERPTR_READ_ONLY: the device only reads the memory: populate never
 *	asks for write access, so read-only mappings work and no COW break is
 *	forced, and invalidations that only write-protect the CPU's mapping
 *	(fork()'s COW, writeback's mkclean, soft-dirty clearing) leave the
 *	userptr valid.
 */
enum drm_userptr_flags {
	DRM_USERPTR_READ_ONLY = BIT(0),
};

/**
 * enum drm_userptr_populate_flags - how drm_userptr_populate() waits
 * @DRM_USERPTR_POPULATE_ONCE: return -EAGAIN as soon as an invalidation
 *	races with the population, instead of retrying (command submission,
 *	whose caller restarts the ioctl).
 * @DRM_USERPTR_POPULATE_INTERRUPTIBLE: return -ERESTARTSYS when a signal
 *	is pending after an invalidation raced, instead of retrying.
 */
enum drm_userptr_populate_flags {
	DRM_USERPTR_POPULATE_ONCE = BIT(0),
	DRM_USERPTR_POPULATE_INTERRUPTIBLE = BIT(1),
};

/**
 * enum drm_userptr_dma_state - what the DMA entry of a page holds
 * @DRM_USERPTR_DMA_NONE: no mapping.
 * @DRM_USERPTR_DMA_CURRENT: a mapping no invalidation has overlapped since
 *	it was made: the page is still the one the CPU maps.
 * @DRM_USERPTR_DMA_STALE: a mapping an invalidation has ended; it is
 *	dropped once the invalidation's &drm_userptr_ops.invalidate_finish
 *	ran.
 * @DRM_USERPTR_DMA_NEW: a mapping the commit in progress made, under the
 *	notifier lock; current once the commit succeeds, dropped if it fails.
 */
enum drm_userptr_dma_state {
	DRM_USERPTR_DMA_NONE,
	DRM_USERPTR_DMA_CURRENT,
	DRM_USERPTR_DMA_STALE,
	DRM_USERPTR_DMA_NEW,
};

/**
 * struct drm_userptr_dma - the DMA mapping covering one page
 * @addr: DMA address of the page.
 * @order: order of the mapping the page belongs to: a huge folio mapped by
 *	the CPU with a PMD is DMA-mapped once, and each of its pages records
 *	that order. A mapping of order n starts at a page whose address is
 *	aligned to that size, and all its pages share one @state.
 * @state: &enum drm_userptr_dma_state.
 */
struct drm_userptr_dma {
	dma_addr_t addr;
	u8 order;
	u8 state;
};

/**
 * DRM_USERPTR_MAX_PAGES - the most pages one userptr may have
 *
 * The helper keeps a &struct drm_userptr_dma per page; this keeps that
 * array within what one kvmalloc() may be asked for (512 GiB of 4 KiB
 * pages). drm_userptr_init() refuses a larger size with -E2BIG.
 */
#define DRM_USERPTR_MAX_PAGES	((unsigned long)INT_MAX / sizeof(struct drm_userptr_dma))

/* Bits of &drm_userptr.state. */
enum drm_userptr_state_bits {
	DRM_USERPTR_STATE_FINISH_IN_USE,
	DRM_USERPTR_STATE_FORCED_INVALID,
};

/**
 * struct drm_userptr_chunk - one PMD-sized, PMD-aligned part of a userptr
 *
 * Validity and the populate walk are kept per chunk, DMA mappings per page
 * (&struct drm_userptr_dma), so that an invalidation costs the device,
 * and the next populate, only the pages it takes away, and a populate
 * walks and commits one chunk at a time. Under the domain's notifier lock
 * (written in write mode).
 */
struct drm_userptr_chunk {
	/** @seq: bumped by every invalidation that overlaps the chunk. */
	unsigned int seq;
	/** @nr_maps: DMA mappings its pages hold, current or stale. */
	unsigned int nr_maps;
	/**
	 * @nr_stale: of those, the mappings an invalidation ended, which its
	 * &drm_userptr_ops.invalidate_finish drops; no populate commits the
	 * chunk until they are gone.
	 */
	unsigned int nr_stale;
	/** @valid: every page of the chunk holds a current mapping. */
	bool valid;
	/**
	 * @sgt: with &drm_userptr_domain.map_chunks, the chunk's folios (in
	 * the pieces the device takes) as the sg table mapped with one
	 * dma_map_sgtable(), kept for the unmap; empty otherwise.
	 */
	struct sg_table sgt;
	/**
	 * @peer_sgts: with &drm_userptr_domain.map_chunks and peers, the
	 * chunk's sg table as mapped for each peer, while @sgt is mapped;
	 * NULL otherwise.
	 */
	struct sg_table *peer_sgts;
};

/**
 * struct drm_userptr_pages - the pages [@first, @end) of a userptr
 * @first: index of the first page.
 * @end: index of the page after the last; empty if not above @first.
 */
struct drm_userptr_pages {
	unsigned long first;
	unsigned long end;
};

/**
 * struct drm_userptr - a range of user memory a device accesses
 *
 * Embedded by the driver in its buffer object. Drivers use the accessors;
 * the fields are the helper's, documented for its maintainers.
 */
struct drm_userptr {
	/** @notifier: the interval notifier watching the range. */
	struct mmu_interval_notifier notifier;
	/**
	 * @finish: second-pass storage, handed to the core by one
	 * invalidation at a time (see %DRM_USERPTR_STATE_FINISH_IN_USE in
	 * @state); a concurrent invalidation finishes synchronously.
	 */
	struct mmu_interval_notifier_finish finish;
	/**
	 * @finish_pages: the pages whose mappings the invalidation holding
	 * @finish drops once its finish ran.
	 */
	struct drm_userptr_pages finish_pages;
	/**
	 * @finish_owed_pages: with @finish_owed, the pages of the owed
	 * finish it runs too.
	 */
	struct drm_userptr_pages finish_owed_pages;
	/**
	 * @finish_wait: the start of the invalidation holding @finish
	 * returned true, so its &drm_userptr_ops.invalidate_finish runs.
	 */
	bool finish_wait;
	/**
	 * @finish_owed: the invalidation holding @finish also runs the finish
	 * a refused non-blockable invalidation owed (see @finish_pending).
	 */
	bool finish_owed;
	/** @domain: the domain this userptr belongs to. */
	struct drm_userptr_domain *domain;
	/** @start: first user address. */
	unsigned long start;
	/** @npages: size in pages. */
	unsigned long npages;
	/** @flags: &enum drm_userptr_flags. */
	unsigned int flags;
	/** @state: &enum drm_userptr_state_bits. */
	unsigned long state;
	/**
	 * @dma: one entry per page, allocated at the first populate;
	 * protected by the domain's notifier lock (written in write mode,
	 * read in read mode).
	 */
	struct drm_userptr_dma *dma;
	/**
	 * @peer_addrs: with peers in the domain, the DMA address of each page
	 * for each peer: page i of peer p at [p * @npages + i], valid where
	 * @dma says the page is mapped. Allocated, and protected, with @dma.
	 */
	dma_addr_t *peer_addrs;
	/** @chunks: the per-chunk state, &struct drm_userptr_chunk. */
	struct drm_userptr_chunk *chunks;
	/** @nr_chunks: number of entries in @chunks. */
	unsigned long nr_chunks;
	/**
	 * @nr_mapped_chunks: chunks holding mappings (&drm_userptr_chunk.nr_maps
	 * not 0); under the notifier lock.
	 */
	unsigned long nr_mapped_chunks;
	/** @nr_valid_chunks: valid chunks; under the notifier lock. */
	unsigned long nr_valid_chunks;
	/**
	 * @nr_dma_maps: DMA mappings held for the domain's device (each peer
	 * holds as many); under the notifier lock.
	 */
	unsigned long nr_dma_maps;
	/**
	 * @valid: every chunk is valid, so the device may use the whole
	 * range. Under the notifier lock; read locklessly only as a hint
	 * (drm_userptr_is_valid()).
	 */
	bool valid;
	/**
	 * @finish_pending: a non-blockable invalidation (the OOM reaper)
	 * called &drm_userptr_ops.invalidate_start, which asked to be
	 * waited for, and the helper refused the invalidation: the finish
	 * is still owed, and the mappings of @pending_span stay until it
	 * ran. The next blockable invalidation, populate or
	 * drm_userptr_fini() runs it. Under the notifier lock.
	 */
	bool finish_pending;
	/** @pending_pages: the pages whose mappings the owed finish protects. */
	struct drm_userptr_pages pending_pages;
	/**
	 * @generation: bumped by every invalidation of the range and when a
	 * forced invalidation takes effect; what drm_userptr_snapshot()
	 * returns. Under the notifier lock (written in write mode).
	 */
	unsigned long generation;
	/**
	 * @released: the process's address space is gone (it exited). The
	 * userptr can never be populated again. Under the notifier lock.
	 * An munmap() does not set it: like any other invalidation it only
	 * ends the validity of the chunks it overlaps, and the next populate
	 * finds whatever the process maps at the addresses then (-EFAULT if
	 * nothing).
	 */
	bool released;
};

int __drm_userptr_domain_init(struct drm_userptr_domain *domain,
			      struct device *dev,
			      const struct drm_userptr_ops *ops,
			      unsigned int flags, struct lock_class_key *key,
			      const char *name);

/**
 * drm_userptr_domain_init() - set up a userptr domain
 * @domain: the domain to initialise
 * @dev: the device the domain's userptrs are DMA-mapped for
 * @ops: the driver's invalidation callbacks
 * @flags: &enum drm_userptr_domain_flags
 *
 * Every call site gets its own lockdep class for the domain's notifier
 * lock, as init_rwsem() does: one per driver, so that the lock order one
 * driver sets up is not mixed with another's. See
 * __drm_userptr_domain_init().
 *
 * Return: 0, or -EINVAL if an argument is missing or a flag unknown.
 */
#define drm_userptr_domain_init(domain, dev, ops, flags)		\
({									\
	static struct lock_class_key __drm_userptr_key;			\
									\
	__drm_userptr_domain_init(domain, dev, ops, flags,		\
				  &__drm_userptr_key,			\
				  "&(" #domain ")->notifier_lock");	\
})
int drm_userptr_domain_add_peer(struct drm_userptr_domain *domain,
				struct device *dev);
void drm_userptr_domain_fini(struct drm_userptr_domain *domain);
bool drm_userptr_domain_two_pass(const struct drm_userptr_domain *domain);
void drm_userptr_domain_print_stats(const struct drm_userptr_domain *domain,
				    struct drm_printer *p);

int drm_userptr_init(struct drm_userptr *uptr,
		     struct drm_userptr_domain *domain, struct mm_struct *mm,
		     unsigned long start, unsigned long size,
		     unsigned int flags);
void drm_userptr_fini(struct drm_userptr *uptr);

int drm_userptr_populate(struct drm_userptr *uptr, unsigned int flags);

void drm_userptr_notifier_lock(struct drm_userptr_domain *domain);
int drm_userptr_notifier_lock_interruptible(struct drm_userptr_domain *domain);
void drm_userptr_notifier_unlock(struct drm_userptr_domain *domain);
void drm_userptr_notifier_lock_write(struct drm_userptr_domain *domain);
void drm_userptr_notifier_unlock_write(struct drm_userptr_domain *domain);
int drm_userptr_check_valid(struct drm_userptr *uptr);
unsigned long drm_userptr_snapshot(const struct drm_userptr *uptr);
int drm_userptr_check_snapshot(struct drm_userptr *uptr,
			       unsigned long snapshot);
void drm_userptr_wait_invalidation(struct drm_userptr *uptr);
void drm_userptr_force_invalidate(struct drm_userptr *uptr);
void drm_userptr_invalidated_pages(const struct drm_userptr *uptr,
				   const struct mmu_notifier_range *range,
				   unsigned long *pgoff, unsigned long *npages);
dma_addr_t drm_userptr_dma_addr(struct drm_userptr *uptr, unsigned long pgoff);
dma_addr_t drm_userptr_peer_dma_run(const struct drm_userptr *uptr,
				    unsigned int peer, unsigned long pgoff,
				    unsigned long *npages);
dma_addr_t drm_userptr_dma_run(const struct drm_userptr *uptr,
			       unsigned long pgoff, unsigned long *npages);

/**
 * drm_userptr_size() - size of a userptr in bytes
 * @uptr: the userptr
 *
 * Return: the size given to drm_userptr_init().
 */
static inline unsigned long drm_userptr_size(const struct drm_userptr *uptr)
{
	return uptr->npages << PAGE_SHIFT;
}

/**
 * drm_userptr_start() - the first user address of a userptr
 * @uptr: the userptr
 *
 * Return: the start given to drm_userptr_init().
 */
static inline unsigned long drm_userptr_start(const struct drm_userptr *uptr)
{
	return uptr->start;
}

/**
 * drm_userptr_is_valid() - a hint: is the whole userptr valid?
 * @uptr: the userptr
 *
 * Read without the notifier lock, so the answer may be stale by the time
 * the caller acts on it: use it to skip work (a populate that is not
 * needed), never to decide that the pages may be used; that is
 * drm_userptr_check_valid(), under the lock.
 *
 * Return: true if every chunk of @uptr was valid when it was read.
 */
static inline bool drm_userptr_is_valid(const struct drm_userptr *uptr)
{
	return READ_ONCE(uptr->valid) &&
	       !test_bit(DRM_USERPTR_STATE_FORCED_INVALID, &uptr->state);
}

/**
 * drm_userptr_mm() - the address space a userptr's memory belongs to
 * @uptr: the userptr
 *
 * Return: the mm given to drm_userptr_init(). The helper holds a reference
 * to the mm_struct (not to its address space, which may be gone: take one
 * with mmget_not_zero() to look at it) until drm_userptr_fini().
 */
static inline struct mm_struct *drm_userptr_mm(const struct drm_userptr *uptr)
{
	return uptr->notifier.mm;
}

/**
 * drm_userptr_notifier() - the interval notifier watching a userptr
 * @uptr: the userptr
 *
 * For a driver's own hmm_range_fault() snapshot of the CPU mapping behind
 * the userptr, one that must not fault (a debugging check of what the
 * device accessed, say). Its sequence is the helper's: never call
 * mmu_interval_set_seq() on it, and expect hmm_range_fault() to return
 * -EBUSY during an invalidation.
 *
 * Return: the notifier; it lives until drm_userptr_fini().
 */
static inline struct mmu_interval_notifier *
drm_userptr_notifier(struct drm_userptr *uptr)
{
	return &uptr->notifier;
}

#if IS_ENABLED(CONFIG_DRM_USERPTR_KUNIT_TEST)
void drm_userptr_fault_done(struct drm_userptr *uptr);
int drm_userptr_dma_map_sgtable(struct device *dev, struct sg_table *sgt,
				enum dma_data_direction dir, unsigned long attrs);
void drm_userptr_dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				   enum dma_data_direction dir,
				   unsigned long attrs);
bool drm_userptr_dma_need_sync(struct device *dev, dma_addr_t addr);
unsigned long drm_userptr_dma_merge_boundary(struct device *dev);
#endif

#endif /* _DRM_USERPTR_H_ */
