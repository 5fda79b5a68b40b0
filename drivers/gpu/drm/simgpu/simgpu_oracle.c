// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * The stale-access oracle of a simulated GPU: after every page access, was
 * the translation still allowed, and does the process still map that page?
 * Its counters, %SIMGPU_STAT_STALE_TRANSLATIONS and
 * %SIMGPU_STAT_STALE_PAGES, must stay at zero; simgpu_dma_oracle.c judges the DMA address itself.
 */

#include <linux/hmm.h>
#include <linux/hugetlb_inline.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "simgpu_drv.h"

/**
 * simgpu_oracle_cpu_page() - the page the process maps behind a GPU page
 * @vm: the VM
 * @gpu_pfn: the GPU page number
 *
 * The oracle's view of the CPU side, taken before an access. It is a
 * snapshot through hmm_range_fault() without a fault: unlike
 * get_user_pages_remote(), which always touches the page, it neither
 * marks the folio accessed (an activation queued on the engine's CPU,
 * holding a reference, keeps the folio off the LRU and makes MADV_FREE
 * and reclaim skip it) nor takes a reference. The page is therefore only
 * compared, never used. It takes the userptr's notifier sequence as it is
 * instead of mmu_interval_read_begin(), which would wait for an
 * invalidation in progress, one that may be waiting for this very access.
 * hugetlb mappings are not looked at: their walk takes the VMA's hugetlb
 * lock, which a truncation of the file holds, without the mmap_lock,
 * while its invalidation waits for this access.
 *
 * Return: the page, or NULL if that cannot be told without waiting (the
 * mmap_lock is contended), nothing is mapped there, or the check is off
 * (the oracle_cpu_check module parameter).
 */
struct page *simgpu_oracle_cpu_page(struct simgpu_vm *vm,
				    unsigned long gpu_pfn)
{
	struct simgpu_bo *bo = NULL;
	struct page *page = NULL;
	struct simgpu_vma *vma;
	unsigned long hmm_pfn = 0;
	struct hmm_range range = {
		.hmm_pfns = &hmm_pfn,
	};
	struct mm_struct *mm;

	if (!READ_ONCE(simgpu_oracle_cpu_check))
		return NULL;

	rcu_read_lock();
	vma = mtree_load(&vm->vmas, gpu_pfn);
	if (vma && kref_get_unless_zero(&vma->bo->base.refcount)) {
		bo = vma->bo;
		range.start = drm_userptr_start(&bo->uptr) +
			      ((gpu_pfn - vma->first) << PAGE_SHIFT);
	}
	rcu_read_unlock();
	if (!bo)
		return NULL;

	range.end = range.start + PAGE_SIZE;
	range.notifier = drm_userptr_notifier(&bo->uptr);
	range.notifier_seq = READ_ONCE(range.notifier->invalidate_seq);
	mm = drm_userptr_mm(&bo->uptr);
	if (mmget_not_zero(mm)) {
		if (mmap_read_trylock(mm)) {
			struct vm_area_struct *cpu_vma = vma_lookup(mm, range.start);

			if (cpu_vma && !is_vm_hugetlb_page(cpu_vma) &&
			    !hmm_range_fault(&range) && (hmm_pfn & HMM_PFN_VALID))
				page = hmm_pfn_to_page(hmm_pfn);
			mmap_read_unlock(mm);
		}
		/* Never tear an exited process's mm down from an engine. */
		mmput_async(mm);
	}
	drm_gem_object_put(&bo->base);
	return page;
}

/**
 * simgpu_oracle_check() - judge an engine's page access
 * @vm: the VM whose context made it
 * @e: the TLB entry it went through
 * @page: the page it reached
 * @cpu_page: simgpu_oracle_cpu_page() of the GPU page, before the access
 *
 * Counts a stale translation if @e was filled before a zap whose flush has
 * finished, and a stale page if the process maps another page there.
 */
void simgpu_oracle_check(struct simgpu_vm *vm,
			 const struct simgpu_tlb_entry *e,
			 struct page *page, struct page *cpu_page)
{
	struct simgpu_vma *vma;

	rcu_read_lock();
	vma = mtree_load(&vm->vmas, e->gpu_pfn);
	if (!vma || vma->id != e->vma_id ||
	    e->zap_count < READ_ONCE(vma->finished_zaps))
		simgpu_stat_inc(vm->sdev, SIMGPU_STAT_STALE_TRANSLATIONS);
	rcu_read_unlock();

	if (cpu_page && cpu_page != page)
		simgpu_stat_inc(vm->sdev, SIMGPU_STAT_STALE_PAGES);
}
