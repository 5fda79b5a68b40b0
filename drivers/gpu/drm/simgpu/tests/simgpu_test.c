// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit tests for simgpu's device model: page table and TLB, TLB-flush and
 * preemption completion, fault service, and the stale-access oracle.
 *
 * Copyright © 2026 The drm_userptr authors
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mman.h>
#include <linux/platform_device.h>
#include <linux/uaccess.h>

#include "../simgpu_drv.h"

#define TEST_PAGES	4
#define TEST_LEN	(TEST_PAGES * PAGE_SIZE)
#define TEST_GPU_ADDR	0x100000ULL

struct simgpu_test {
	struct simgpu_device *sdev;
	struct simgpu_engine *engine;
	struct simgpu_vm *vm;
	struct simgpu_bo *bo;
	unsigned long addr;
};

static void simgpu_test_put_device(void *data)
{
	put_device(data);
}

static void simgpu_test_close_vm(void *data)
{
	simgpu_vm_close(data);
}

static void simgpu_test_put_bo(void *data)
{
	struct simgpu_bo *bo = data;

	drm_gem_object_put(&bo->base);
}

/* GPU 0 of the built-in driver and a fresh VM in @mode, without BOs. */
static struct simgpu_test *simgpu_test_setup_vm(struct kunit *test, u32 mode)
{
	struct simgpu_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct device *dev;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, t);
	dev = bus_find_device_by_name(&platform_bus_type, NULL, "simgpu.0");
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "no simgpu.0 device");
	err = kunit_add_action_or_reset(test, simgpu_test_put_device, dev);
	KUNIT_ASSERT_EQ(test, err, 0);
	t->sdev = dev_get_drvdata(dev);
	KUNIT_ASSERT_NOT_NULL(test, t->sdev);
	t->engine = &t->sdev->engines[0];

	t->vm = simgpu_vm_create(t->sdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->vm));
	err = kunit_add_action_or_reset(test, simgpu_test_close_vm, t->vm);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, simgpu_vm_configure(t->vm, mode, 0), 0);
	return t;
}

/*
 * simgpu_test_setup_vm(), and a populated TEST_LEN userptr BO of the test's
 * own memory bound at TEST_GPU_ADDR.
 */
static struct simgpu_test *simgpu_test_setup(struct kunit *test, u32 mode,
					     u32 bo_flags, u32 bind_flags)
{
	struct simgpu_test *t = simgpu_test_setup_vm(test, mode);
	int err;

	t->addr = kunit_vm_mmap(test, NULL, 0, TEST_LEN,
				PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, t->addr, 0);
	KUNIT_ASSERT_EQ(test, clear_user((void __user *)t->addr, TEST_LEN), 0);

	t->bo = simgpu_bo_create(t->vm, t->addr, TEST_LEN,
				 bo_flags | DRM_SIMGPU_USERPTR_POPULATE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->bo));
	/* Bindings hold references of their own. */
	err = kunit_add_action_or_reset(test, simgpu_test_put_bo, t->bo);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, simgpu_vm_bind(t->vm, t->bo, TEST_GPU_ADDR,
					     bind_flags), 0);
	return t;
}

static int simgpu_test_read(struct simgpu_test *t, u64 gpu_addr, u32 *val)
{
	return simgpu_engine_access(t->engine, t->vm, gpu_addr, val,
				    sizeof(*val), SIMGPU_ACCESS_READ);
}

static int simgpu_test_write(struct simgpu_test *t, u64 gpu_addr, u32 val)
{
	return simgpu_engine_access(t->engine, t->vm, gpu_addr, &val,
				    sizeof(val), SIMGPU_ACCESS_WRITE);
}

static struct simgpu_vma *simgpu_test_vma(struct simgpu_test *t)
{
	return mtree_load(&t->vm->vmas, TEST_GPU_ADDR >> PAGE_SHIFT);
}

static void simgpu_test_page_table_maps_user_memory(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	u32 val = 0xdeadbeef, got;
	unsigned long i;

	/* CPU writes, GPU reads, on every page. */
	for (i = 0; i < TEST_PAGES; i++) {
		val = 0x1000 + i;
		KUNIT_ASSERT_EQ(test, put_user(val, (u32 __user *)(t->addr +
							 i * PAGE_SIZE + 8)), 0);
		KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR +
						       i * PAGE_SIZE + 8, &got), 0);
		KUNIT_EXPECT_EQ(test, got, val);
	}

	/* GPU writes, CPU reads. */
	KUNIT_EXPECT_EQ(test, simgpu_test_write(t, TEST_GPU_ADDR + 12, 0x5a5a), 0);
	KUNIT_ASSERT_EQ(test, get_user(got, (u32 __user *)(t->addr + 12)), 0);
	KUNIT_EXPECT_EQ(test, got, 0x5a5a);

	/* Outside every binding. */
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR + TEST_LEN, &got),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR - 4, &got),
			-EFAULT);
}

static void simgpu_test_read_only_binding_refuses_writes(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, DRM_SIMGPU_BIND_READ_ONLY);
	u32 got;

	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	KUNIT_EXPECT_EQ(test, simgpu_test_write(t, TEST_GPU_ADDR, 1), -EACCES);
	KUNIT_EXPECT_EQ(test, simgpu_engine_access(t->engine, t->vm,
						   TEST_GPU_ADDR, &got, 4,
						   SIMGPU_ACCESS_ADD), -EACCES);
}

static void simgpu_test_tlb_caches_and_evicts(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	unsigned long pfn = TEST_GPU_ADDR >> PAGE_SHIFT;
	struct simgpu_tlb_entry *e = &t->engine->tlb[pfn % SIMGPU_TLB_ENTRIES];
	struct simgpu_vma *vma = simgpu_test_vma(t);
	u32 got;

	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_ASSERT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	KUNIT_EXPECT_TRUE(test, e->valid);
	KUNIT_EXPECT_EQ(test, e->vm_id, t->vm->id);
	KUNIT_EXPECT_EQ(test, e->gpu_pfn, pfn);
	KUNIT_EXPECT_EQ(test, e->vma_id, vma->id);
	KUNIT_EXPECT_EQ(test, e->addr, vma->ptes[0]);

	/* A hit does not need the page table: it survives a zap. */
	spin_lock_irq(&t->vm->pt_lock);
	simgpu_vma_zap_locked(vma);
	spin_unlock_irq(&t->vm->pt_lock);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	/* A miss does: the next page faults (not fault mode: fatal). */
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR + PAGE_SIZE,
					       &got), -EFAULT);
	/* Stop the zapped binding from looking stale to the oracle. */
	simgpu_tlb_flush_wait(t->sdev, simgpu_tlb_flush_request(t->sdev));
	KUNIT_EXPECT_FALSE(test, e->valid);
}

static void simgpu_test_tlb_flush_completes_after_latency(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	u64 flushes = simgpu_stat_read(t->sdev, SIMGPU_STAT_TLB_FLUSHES);
	ktime_t start;
	u64 first, second;
	s64 waited;
	u32 got;

	KUNIT_ASSERT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);

	start = ktime_get();
	first = simgpu_tlb_flush_request(t->sdev);
	second = simgpu_tlb_flush_request(t->sdev);
	KUNIT_EXPECT_GT(test, second, first);
	simgpu_tlb_flush_wait(t->sdev, first);
	waited = ktime_us_delta(ktime_get(), start);
	KUNIT_EXPECT_GE(test, waited, (s64)simgpu_tlb_flush_latency_us);
	KUNIT_EXPECT_TRUE(test, simgpu_tlb_flush_done(t->sdev, first));

	/* The second was made during the first: it takes a flush of its own. */
	simgpu_tlb_flush_wait(t->sdev, second);
	waited = ktime_us_delta(ktime_get(), start);
	KUNIT_EXPECT_GE(test, waited, 2 * (s64)simgpu_tlb_flush_latency_us);
	KUNIT_EXPECT_GE(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_TLB_FLUSHES),
			flushes + 2);
	KUNIT_EXPECT_FALSE(test, t->engine->tlb[(TEST_GPU_ADDR >> PAGE_SHIFT) %
						SIMGPU_TLB_ENTRIES].valid);
}

static void simgpu_test_fault_mode_services_faults(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_FAULT,
						  0, 0);
	u64 faults = simgpu_stat_read(t->sdev, SIMGPU_STAT_PAGE_FAULTS);
	struct simgpu_vma *vma = simgpu_test_vma(t);
	u32 got;

	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_ASSERT_EQ(test, put_user(77u, (u32 __user *)(t->addr + PAGE_SIZE)), 0);
	/* The CPU change invalidates: zap, flush; the access faults it back. */
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, t->addr, TEST_LEN,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(vma->present, vma->npages));
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR + PAGE_SIZE,
					       &got), 0);
	KUNIT_EXPECT_EQ(test, got, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_full(vma->present, vma->npages));
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_PAGE_FAULTS),
			faults + 1);
}

/*
 * A one-page invalidation of a BO of two drm_userptr chunks zaps the PTE
 * of the page it hit and only that one: the other pages, those of its own
 * chunk too, keep their translations (no fault), the page hit faults once
 * and reads what the CPU has there now.
 */
static void simgpu_test_partial_invalidation_zaps_one_page(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup_vm(test, DRM_SIMGPU_MODE_FAULT);
	unsigned long chunk = PMD_SIZE >> PAGE_SHIFT, len = 2 * PMD_SIZE;
	unsigned long base, hit = chunk + 3;
	struct simgpu_vma *vma;
	u64 faults;
	u32 got;
	int err;

	base = kunit_vm_mmap(test, NULL, 0, len + PMD_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, base, 0);
	t->addr = ALIGN(base, PMD_SIZE);
	/* Small pages: a one-page event changes one page, not a THP. */
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, t->addr, len,
					 MADV_NOHUGEPAGE), 0);
	KUNIT_ASSERT_EQ(test, clear_user((void __user *)t->addr, len), 0);
	KUNIT_ASSERT_EQ(test, put_user(11u, (u32 __user *)t->addr), 0);
	KUNIT_ASSERT_EQ(test, put_user(22u, (u32 __user *)(t->addr +
						      (chunk + 1) * PAGE_SIZE)), 0);
	t->bo = simgpu_bo_create(t->vm, t->addr, len,
				 DRM_SIMGPU_USERPTR_POPULATE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->bo));
	err = kunit_add_action_or_reset(test, simgpu_test_put_bo, t->bo);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, simgpu_vm_bind(t->vm, t->bo, TEST_GPU_ADDR, 0), 0);
	vma = simgpu_test_vma(t);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_ASSERT_TRUE(test, bitmap_full(vma->present, vma->npages));

	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, t->addr + hit * PAGE_SIZE,
					 PAGE_SIZE, MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(vma->present, vma->npages),
			vma->npages - 1);
	KUNIT_EXPECT_FALSE(test, test_bit(hit, vma->present));

	faults = simgpu_stat_read(t->sdev, SIMGPU_STAT_PAGE_FAULTS);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 11);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR +
					       (chunk + 1) * PAGE_SIZE, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 22);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_PAGE_FAULTS), faults);

	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR +
					       hit * PAGE_SIZE, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 0);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_PAGE_FAULTS),
			faults + 1);
	KUNIT_EXPECT_TRUE(test, bitmap_full(vma->present, vma->npages));
}

/*
 * GPU accesses leave the CPU side of the mm alone: the stale-access
 * oracle looks the CPU's page up without marking it accessed (which would
 * queue an activation that keeps the folio off the LRU, out of reach of
 * MADV_FREE and reclaim) and without keeping a reference to it.
 */
static void simgpu_test_oracle_leaves_pages_untouched(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	struct folio *folio;
	struct page *page;
	int refs;
	u32 got;

	KUNIT_ASSERT_TRUE(test, READ_ONCE(simgpu_oracle_cpu_check));
	KUNIT_ASSERT_EQ(test, put_user(33u, (u32 __user *)(t->addr + PAGE_SIZE)), 0);
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(t->addr + PAGE_SIZE, 1, 0,
						  &page), 1);
	folio = page_folio(page);
	folio_clear_referenced(folio);
	refs = folio_ref_count(folio);

	/* A first touch would set the referenced flag... */
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR + PAGE_SIZE,
					       &got), 0);
	KUNIT_EXPECT_EQ(test, got, 33);
	KUNIT_EXPECT_FALSE(test, folio_test_referenced(folio));
	/* ...a second one queue the activation, with a reference. */
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR + PAGE_SIZE,
					       &got), 0);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), refs);
	KUNIT_EXPECT_FALSE(test, folio_test_active(folio));
	put_page(page);
}

/* Ask for a preemption without an invalidation, as a start does. */
static void simgpu_test_preempt_request(struct simgpu_vm *vm)
{
	spin_lock_irq(&vm->preempt.lock);
	simgpu_preempt_request_locked(vm);
	spin_unlock_irq(&vm->preempt.lock);
}

static void simgpu_test_preempt_completes_at_boundary(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_PREEMPT,
						  0, 0);
	struct simgpu_preempt *p = &t->vm->preempt;
	unsigned int latency = simgpu_preempt_latency_us;
	ktime_t start;

	/* An access in flight holds the preemption past its latency... */
	simgpu_preempt_enter(t->vm);
	simgpu_test_preempt_request(t->vm);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p->state), SIMGPU_PREEMPT_REQUESTED);
	fsleep(2 * latency);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(p->elapsed));
	KUNIT_EXPECT_EQ(test, READ_ONCE(p->state), SIMGPU_PREEMPT_REQUESTED);
	/* ...which completes at the access boundary. */
	simgpu_preempt_exit(t->vm);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p->state), SIMGPU_PREEMPTED);
	simgpu_preempt_resume(t->vm);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p->state), SIMGPU_RUNNING);

	/* An idle context is preempted by the timer, after the latency. */
	start = ktime_get();
	simgpu_test_preempt_request(t->vm);
	KUNIT_EXPECT_TRUE(test,
			  wait_event_timeout(p->wq,
					     READ_ONCE(p->state) == SIMGPU_PREEMPTED,
					     HZ));
	KUNIT_EXPECT_GE(test, ktime_us_delta(ktime_get(), start), (s64)latency);
	simgpu_preempt_resume(t->vm);
}

/*
 * Inject what the oracle exists to catch: a TLB flush that leaves the
 * entries in place. After MADV_DONTNEED the GPU then reads, through its
 * old TLB entry, a page the process no longer maps (kept allocated here by
 * a reference, so the test itself does not touch freed memory).
 */
static void simgpu_test_oracle_catches_injected_stale_access(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	u64 translations = simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_TRANSLATIONS);
	u64 pages = simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_PAGES);
	u64 dma = simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA);
	bool dma_oracle = t->sdev->dma_oracle->active;
	struct page *old;
	u32 got;

	KUNIT_ASSERT_EQ(test, put_user(1u, (u32 __user *)t->addr), 0);
	KUNIT_ASSERT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 1);
	/* Correct so far. */
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_TRANSLATIONS),
			translations);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_PAGES), pages);

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(t->addr, 1, 0, &old), 1);
	WRITE_ONCE(t->sdev->inject_skip_tlb_flush, true);
	KUNIT_EXPECT_EQ(test, do_madvise(current->mm, t->addr, PAGE_SIZE,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, put_user(2u, (u32 __user *)t->addr), 0);
	got = 0;
	/*
	 * The stale TLB entry still reaches the old page, whose DMA mapping
	 * the helper has dropped: the DMA oracle faults the access too.
	 */
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got),
			dma_oracle ? -EFAULT : 0);
	WRITE_ONCE(t->sdev->inject_skip_tlb_flush, false);

	KUNIT_EXPECT_EQ(test, got, dma_oracle ? 0 : 1);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_TRANSLATIONS),
			translations + 1);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_PAGES), pages + 1);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA),
			dma + dma_oracle);

	/* A real flush clears the stale entry; the next access faults. */
	simgpu_tlb_flush_wait(t->sdev, simgpu_tlb_flush_request(t->sdev));
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), -EFAULT);
	put_page(old);

	/* The counters are the device's: leave them as userspace expects. */
	atomic64_set(&t->sdev->stats.count[SIMGPU_STAT_STALE_TRANSLATIONS], translations);
	atomic64_set(&t->sdev->stats.count[SIMGPU_STAT_STALE_PAGES], pages);
	atomic64_set(&t->sdev->stats.count[SIMGPU_STAT_STALE_DMA], dma);
}

/*
 * A page table entry to a DMA address the device no longer has mapped (the
 * helper unmapped it while the driver's bookkeeping still trusts the
 * entry): the driver's own oracle cannot see it; the record of live DMA
 * mappings does, and the access faults instead of reaching the page.
 */
static void simgpu_test_dma_oracle_catches_unmapped_dma(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	struct device *dev = t->sdev->drm.dev;
	u64 stale = simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA);
	u64 translations = simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_TRANSLATIONS);
	struct page *page;
	dma_addr_t addr;
	u32 got;

	if (!t->sdev->dma_oracle->active)
		kunit_skip(test, "no DMA tracepoints in a modular simgpu");
	KUNIT_ASSERT_EQ(test, put_user(7u, (u32 __user *)t->addr), 0);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 7);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA), stale);

	addr = simgpu_test_vma(t)->ptes[0];
	page = pfn_to_page(PHYS_PFN(dma_to_phys(dev, addr)));
	dma_unmap_page(dev, addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), -EFAULT);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA), stale + 1);
	/* The driver's bookkeeping saw nothing wrong. */
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_TRANSLATIONS),
			translations);

	/* Mapped again (dma-direct gives the same address): fine again. */
	KUNIT_ASSERT_EQ(test, dma_map_page(dev, page, 0, PAGE_SIZE,
					   DMA_BIDIRECTIONAL), addr);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), 0);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA), stale + 1);

	/* The counters are the device's: leave them as userspace expects. */
	atomic64_set(&t->sdev->stats.count[SIMGPU_STAT_STALE_DMA], stale);
}

/*
 * A DMA address mapped for one page is not one for another: an engine
 * that reached a swiotlb bounce buffer through the address of the user's
 * page it was mapped for is refused.
 */
static void simgpu_test_dma_oracle_refuses_other_page(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_WAIT_IDLE,
						  0, 0);
	struct simgpu_dma_oracle *o = t->sdev->dma_oracle;
	struct device *dev = t->sdev->drm.dev;
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	phys_addr_t phys;
	dma_addr_t addr;

	KUNIT_ASSERT_NOT_NULL(test, page);
	phys = page_to_phys(page);
	addr = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, addr));
	if (o->active) {
		KUNIT_EXPECT_TRUE(test, simgpu_dma_oracle_check(o, addr, phys));
		KUNIT_EXPECT_FALSE(test, simgpu_dma_oracle_check(o, addr,
								 phys + PAGE_SIZE));
		KUNIT_EXPECT_FALSE(test, simgpu_dma_oracle_check(o, addr + PAGE_SIZE,
								 phys + PAGE_SIZE));
	}
	dma_unmap_page(dev, addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (o->active)
		KUNIT_EXPECT_FALSE(test, simgpu_dma_oracle_check(o, addr, phys));
	__free_pages(page, 1);
	if (!o->active)
		kunit_skip(test, "no DMA tracepoints in a modular simgpu");
}

/*
 * The legacy notifier baseline on a range that must not block (the OOM
 * reaper's): the GPU may be using the BO, which cannot be waited for, so
 * the invalidation is refused (-EAGAIN) without sleeping, and until a
 * blockable one has waited the BO keeps its DMA mappings: no GPU access
 * reaches unmapped DMA. Refusing must not trip the core's rules (a
 * notifier with invalidate_range_end must not fail) nor leave the
 * baseline's lock unbalanced: the blockable invalidation after it
 * completes.
 */
static void simgpu_test_legacy_refuses_nonblockable_range(struct kunit *test)
{
	struct simgpu_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct mmu_notifier_range range;
	struct device *dev;
	u64 stale;
	u32 got;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, t);
	dev = bus_find_device_by_name(&platform_bus_type, NULL, "simgpu.0");
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, simgpu_test_put_device,
							dev), 0);
	t->sdev = dev_get_drvdata(dev);
	t->engine = &t->sdev->engines[0];
	t->vm = simgpu_vm_create(t->sdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->vm));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, simgpu_test_close_vm,
							t->vm), 0);
	KUNIT_ASSERT_EQ(test, simgpu_vm_configure(t->vm, DRM_SIMGPU_MODE_WAIT_IDLE,
						  DRM_SIMGPU_VM_LEGACY_MN), 0);
	t->addr = kunit_vm_mmap(test, NULL, 0, TEST_LEN, PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, t->addr, 0);
	KUNIT_ASSERT_EQ(test, put_user(5u, (u32 __user *)t->addr), 0);
	t->bo = simgpu_bo_create(t->vm, t->addr, TEST_LEN,
				 DRM_SIMGPU_USERPTR_POPULATE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->bo));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, simgpu_test_put_bo,
							t->bo), 0);
	KUNIT_ASSERT_EQ(test, simgpu_vm_bind(t->vm, t->bo, TEST_GPU_ADDR, 0), 0);
	stale = simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA);

	/* What __oom_reap_task_mm() does for each of the process's VMAs. */
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, current->mm,
				t->addr, t->addr + TEST_LEN);
	err = mmu_notifier_invalidate_range_start_nonblock(&range);
	if (!err)
		mmu_notifier_invalidate_range_end(&range);
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	/*
	 * The BO is idle, so its page table entries went at once; its DMA
	 * mappings stay until a blockable invalidation has waited. The GPU
	 * faults, it never reaches unmapped DMA.
	 */
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), -EFAULT);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA), stale);

	/* A blockable invalidation waits and unmaps: no lock left held. */
	KUNIT_EXPECT_EQ(test, do_madvise(current->mm, t->addr, TEST_LEN,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, simgpu_test_read(t, TEST_GPU_ADDR, &got), -EFAULT);
	KUNIT_EXPECT_EQ(test, simgpu_stat_read(t->sdev, SIMGPU_STAT_STALE_DMA), stale);
}

/* Holds a process's mmap_lock for writing, as an munmap() would. */
struct simgpu_test_locker {
	struct mm_struct *mm;
	unsigned long addr;
	struct completion locked;
	struct completion release;
	struct completion done;
};

static int simgpu_test_locker_fn(void *data)
{
	struct simgpu_test_locker *l = data;
	struct vm_area_struct *vma;

	mmap_write_lock(l->mm);
	/* Invalidate the BO: the rebind worker is queued, then must wait. */
	vma = find_vma(l->mm, l->addr);
	if (vma)
		zap_page_range_single(vma, l->addr, PAGE_SIZE, NULL);
	complete(&l->locked);
	wait_for_completion(&l->release);
	mmap_write_unlock(l->mm);
	complete(&l->done);
	return 0;
}

/*
 * The process closes its VM and drops the BO while the VM's rebind worker
 * waits for the mmap_lock in drm_userptr_populate(), holding a reference
 * to the BO: the worker then drops the last references to the BO and the
 * VM. It must free the VM without waiting for itself (a self-flush that
 * lockdep and the hung-task detector report) and never touch it after.
 */
static void simgpu_test_rebind_worker_drops_last_reference(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup(test, DRM_SIMGPU_MODE_PREEMPT,
						  0, 0);
	struct simgpu_test_locker l = {
		.mm = current->mm,
		.addr = t->addr,
	};
	struct task_struct *locker;
	bool worker_waits;

	init_completion(&l.locked);
	init_completion(&l.release);
	init_completion(&l.done);
	locker = kthread_run(simgpu_test_locker_fn, &l, "simgpu-test-locker");
	KUNIT_ASSERT_FALSE(test, IS_ERR(locker));
	wait_for_completion(&l.locked);
	/* Let the worker start, take its reference and block. */
	msleep(100);
	worker_waits = work_busy(&t->vm->rebind_work) & WORK_BUSY_RUNNING;

	kunit_release_action(test, simgpu_test_put_bo, t->bo);
	kunit_release_action(test, simgpu_test_close_vm, t->vm);
	complete(&l.release);
	wait_for_completion(&l.done);
	KUNIT_EXPECT_TRUE_MSG(test, worker_waits,
			      "the rebind worker was not waiting for the mmap_lock");
	/* The worker repopulates, then frees the BO and the VM. */
	msleep(100);
}

/* Runs VM_CONFIG from a thread of its own, as a second ioctl would. */
struct simgpu_test_configurer {
	struct simgpu_vm *vm;
	u32 flags;
	int err;
	struct completion done;
};

static int simgpu_test_configure_fn(void *data)
{
	struct simgpu_test_configurer *c = data;

	c->err = simgpu_vm_configure(c->vm, DRM_SIMGPU_MODE_PREEMPT, c->flags);
	complete(&c->done);
	return 0;
}

/*
 * VM_CONFIG turns a preempt-mode VM single-pass, which re-initialises its
 * domain and the domain's notifier lock, while the rebind worker queued by
 * the VM's last BO still holds that lock for reading: VM_CONFIG must wait
 * for the worker, or the worker releases a lock that is no longer taken.
 */
static void simgpu_test_configure_waits_for_rebind_worker(struct kunit *test)
{
	struct simgpu_test *t = simgpu_test_setup_vm(test,
						     DRM_SIMGPU_MODE_PREEMPT);
	struct simgpu_test_configurer c = {
		.vm = t->vm,
		.flags = DRM_SIMGPU_VM_SINGLE_PASS,
	};
	struct task_struct *configurer;
	bool worker_holds_lock;
	unsigned long early;

	init_completion(&c.done);
	/* Created first: no allocation under the commit lock. */
	configurer = kthread_create(simgpu_test_configure_fn, &c,
				    "simgpu-test-configure");
	KUNIT_ASSERT_FALSE(test, IS_ERR(configurer));
	/* The worker takes the notifier lock, then waits for this one. */
	mutex_lock(&t->vm->commit_lock);
	simgpu_vm_queue_rebind(t->vm);
	msleep(100);
	worker_holds_lock = rwsem_is_locked(&t->vm->domain.notifier_lock);
	wake_up_process(configurer);
	early = wait_for_completion_timeout(&c.done, msecs_to_jiffies(200));
	mutex_unlock(&t->vm->commit_lock);
	wait_for_completion(&c.done);
	flush_work(&t->vm->rebind_work);

	KUNIT_EXPECT_TRUE_MSG(test, worker_holds_lock,
			      "the rebind worker did not hold the notifier lock");
	KUNIT_EXPECT_EQ_MSG(test, early, 0,
			    "VM_CONFIG re-initialised the domain under the rebind worker");
	KUNIT_EXPECT_EQ(test, c.err, 0);
	KUNIT_EXPECT_TRUE(test, t->vm->single_pass);
}

static struct kunit_case simgpu_test_cases[] = {
	KUNIT_CASE(simgpu_test_page_table_maps_user_memory),
	KUNIT_CASE(simgpu_test_read_only_binding_refuses_writes),
	KUNIT_CASE(simgpu_test_tlb_caches_and_evicts),
	KUNIT_CASE(simgpu_test_tlb_flush_completes_after_latency),
	KUNIT_CASE(simgpu_test_fault_mode_services_faults),
	KUNIT_CASE(simgpu_test_partial_invalidation_zaps_one_page),
	KUNIT_CASE(simgpu_test_preempt_completes_at_boundary),
	KUNIT_CASE(simgpu_test_oracle_catches_injected_stale_access),
	KUNIT_CASE(simgpu_test_oracle_leaves_pages_untouched),
	KUNIT_CASE(simgpu_test_dma_oracle_catches_unmapped_dma),
	KUNIT_CASE(simgpu_test_dma_oracle_refuses_other_page),
	KUNIT_CASE(simgpu_test_legacy_refuses_nonblockable_range),
	KUNIT_CASE(simgpu_test_rebind_worker_drops_last_reference),
	KUNIT_CASE(simgpu_test_configure_waits_for_rebind_worker),
	{}
};

static struct kunit_suite simgpu_test_suite = {
	.name = "simgpu",
	.test_cases = simgpu_test_cases,
};

kunit_test_suite(simgpu_test_suite);
