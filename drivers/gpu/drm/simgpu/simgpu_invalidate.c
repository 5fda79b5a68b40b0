// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * Userptr invalidation on a simulated GPU: drm_userptr's two steps in the
 * three modes. The preemption they use is simgpu_preempt.c.
 */

#include <linux/dma-resv.h>
#include <linux/ktime.h>

#include "simgpu_drv.h"

/**
 * DOC: invalidation
 *
 * drm_userptr calls &drm_userptr_ops.invalidate_start with the domain's
 * notifier lock held in write mode, for every GPU's userptr that the CPU
 * mapping change touches, and only then the &drm_userptr_ops.invalidate_finish
 * steps. What each step does depends on the VM's mode:
 *
 * - wait-idle: start zaps the BO's PTEs and starts a TLB flush if no job
 *   uses the BO; otherwise nothing, since the running jobs may keep using
 *   the pages until finish. Finish waits for the BO's fences, then zaps,
 *   flushes and waits for the flush.
 * - preempt: start requests preemption of the VM's context if it has jobs
 *   in flight (else it zaps and flushes as above). The completion of the
 *   preemption zaps the BOs waiting for it and starts their TLB flush, so
 *   the flushes of several GPUs overlap. Finish waits for the preemption
 *   and the flush, then queues the VM's rebind worker, which repopulates
 *   the userptrs and resumes the context.
 * - fault: start zaps and starts the flush; finish waits for it. The next
 *   access faults and repopulates.
 *
 * The zap happens before the pages are released in every mode, and the
 * flush completes only when no page access through an old translation is
 * in flight, so after finish the GPU cannot reach the old pages. The
 * stale-access oracle checks exactly that.
 */

static struct simgpu_bo *uptr_to_bo(struct drm_userptr *uptr)
{
	return container_of(uptr, struct simgpu_bo, uptr);
}

/*
 * Add the pages [@pgoff, @pgoff + @npages) to what the next zap takes away.
 * The span only grows until a zap takes it, so an invalidation whose start
 * added to it is covered by whichever zap comes first, its own or another
 * one's; the flag says, with the span, whether that zap has come.
 */
static void simgpu_bo_zap_add(struct simgpu_bo *bo, unsigned long pgoff,
			      unsigned long npages)
{
	unsigned long flags;

	if (!npages)
		return;
	spin_lock_irqsave(&bo->vm->pt_lock, flags);
	if (bo->zap_first == bo->zap_end) {
		bo->zap_first = pgoff;
		bo->zap_end = pgoff + npages;
	} else {
		bo->zap_first = min(bo->zap_first, pgoff);
		bo->zap_end = max(bo->zap_end, pgoff + npages);
	}
	WRITE_ONCE(bo->zapped, false);
	spin_unlock_irqrestore(&bo->vm->pt_lock, flags);
}

/**
 * simgpu_bo_zap_and_flush() - zap what a BO's invalidations take away
 * @bo: the BO
 *
 * Zaps the span in every binding of the BO, empties it and requests the
 * TLB flush that covers it, all in one critical section: a start either
 * added to the span before (and this zap and flush cover it) or adds to it
 * after (and clears &simgpu_bo.zapped again, so its own finish zaps).
 * Called from the invalidation steps and, under &simgpu_preempt.lock,
 * from the completion of a preemption.
 */
void simgpu_bo_zap_and_flush(struct simgpu_bo *bo)
{
	struct simgpu_vma *vma;
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&bo->vm->pt_lock, flags);
	list_for_each_entry(vma, &bo->vmas, bo_link)
		simgpu_vma_zap_range_locked(vma, bo->zap_first, bo->zap_end);
	bo->zap_first = 0;
	bo->zap_end = 0;
	seq = simgpu_tlb_flush_request(bo->vm->sdev);
	list_for_each_entry(vma, &bo->vmas, bo_link) {
		if (vma->zap_marks[1].zaps == vma->zap_count)
			continue;
		vma->zap_marks[0] = vma->zap_marks[1];
		vma->zap_marks[1].zaps = vma->zap_count;
		vma->zap_marks[1].flush_seq = seq;
	}
	WRITE_ONCE(bo->flush_seq, seq);
	WRITE_ONCE(bo->zapped, true);
	spin_unlock_irqrestore(&bo->vm->pt_lock, flags);
}

/* The TLB flush that covers every zap of the BO so far. */
static u64 simgpu_bo_flush_seq(struct simgpu_bo *bo)
{
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&bo->vm->pt_lock, flags);
	seq = bo->flush_seq;
	spin_unlock_irqrestore(&bo->vm->pt_lock, flags);
	return seq;
}

/*
 * The zaps of the BO's bindings whose TLB flush has completed are finished:
 * from now on, an access through a translation filled before them is
 * stale. A newer zap whose flush is still running is left to its own
 * finish.
 */
static void simgpu_bo_zaps_finished(struct simgpu_bo *bo)
{
	struct simgpu_device *sdev = bo->vm->sdev;
	struct simgpu_vma *vma;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&bo->vm->pt_lock, flags);
	list_for_each_entry(vma, &bo->vmas, bo_link) {
		for (i = ARRAY_SIZE(vma->zap_marks) - 1; i >= 0; i--) {
			const struct simgpu_zap_mark *mark = &vma->zap_marks[i];

			if (mark->flush_seq &&
			    simgpu_tlb_flush_done(sdev, mark->flush_seq)) {
				if (mark->zaps > vma->finished_zaps)
					WRITE_ONCE(vma->finished_zaps, mark->zaps);
				break;
			}
		}
	}
	spin_unlock_irqrestore(&bo->vm->pt_lock, flags);
}

/**
 * simgpu_bo_invalidate_start() - first step of invalidating a BO
 * @bo: the BO
 * @pgoff: first page of the BO the invalidation takes away
 * @npages: number of pages it takes away
 *
 * Zaps and kicks what the VM's mode needs, without waiting. Called with
 * the notifier lock held in write mode.
 */
void simgpu_bo_invalidate_start(struct simgpu_bo *bo, unsigned long pgoff,
				unsigned long npages)
{
	struct simgpu_vm *vm = bo->vm;
	struct simgpu_device *sdev = vm->sdev;
	u64 t0 = ktime_get_ns();
	unsigned long flags;

	simgpu_stat_inc(sdev, SIMGPU_STAT_INVALIDATIONS);
	WRITE_ONCE(bo->inval_start_ns, t0);
	simgpu_bo_zap_add(bo, pgoff, npages);

	switch (READ_ONCE(vm->mode)) {
	case DRM_SIMGPU_MODE_FAULT:
		simgpu_bo_zap_and_flush(bo);
		break;
	case DRM_SIMGPU_MODE_PREEMPT:
		spin_lock_irqsave(&vm->preempt.lock, flags);
		if (vm->preempt.state == SIMGPU_PREEMPTED ||
		    (vm->preempt.state == SIMGPU_RUNNING &&
		     !atomic_read(&vm->jobs_in_flight))) {
			/* Nothing of the context runs: zap now. */
			simgpu_bo_zap_and_flush(bo);
		} else {
			simgpu_preempt_request_locked(vm);
			list_move_tail(&bo->preempt_link, &vm->preempt.pending);
		}
		spin_unlock_irqrestore(&vm->preempt.lock, flags);
		break;
	default:
		if (dma_resv_test_signaled(bo->base.resv,
					   DMA_RESV_USAGE_BOOKKEEP))
			simgpu_bo_zap_and_flush(bo);
		break;
	}

	simgpu_hist_add(&sdev->stats.start_time, ktime_get_ns() - t0);
}

/**
 * simgpu_bo_invalidate_finish() - second step of invalidating a BO
 * @bo: the BO, after simgpu_bo_invalidate_start()
 *
 * Waits until the GPU can no longer reach the BO's old pages.
 */
void simgpu_bo_invalidate_finish(struct simgpu_bo *bo)
{
	struct simgpu_vm *vm = bo->vm;
	struct simgpu_device *sdev = vm->sdev;
	enum drm_simgpu_mode mode = READ_ONCE(vm->mode);

	if (mode == DRM_SIMGPU_MODE_PREEMPT) {
		unsigned long flags;

		/*
		 * Zapped already (nothing of the context ran at start, or
		 * the preemption completed): no preemption to wait for, and
		 * asking for one would cost a whole preemption latency.
		 */
		if (!READ_ONCE(bo->zapped))
			simgpu_preempt_wait(vm);
		/* Zapped when the preemption completed, unless resumed since. */
		spin_lock_irqsave(&vm->preempt.lock, flags);
		if (!bo->zapped)
			simgpu_bo_zap_and_flush(bo);
		list_del_init(&bo->preempt_link);
		spin_unlock_irqrestore(&vm->preempt.lock, flags);
	} else if (!READ_ONCE(bo->zapped)) {
		/*
		 * Only wait-idle jobs may be waited for here. In fault mode
		 * the flag is only clear because another invalidation's start
		 * is running: a fault job may be faulting on the range, and
		 * waiting for it would wait for this very invalidation.
		 */
		if (mode == DRM_SIMGPU_MODE_WAIT_IDLE)
			dma_resv_wait_timeout(bo->base.resv,
					      DMA_RESV_USAGE_BOOKKEEP, false,
					      MAX_SCHEDULE_TIMEOUT);
		simgpu_bo_zap_and_flush(bo);
	}
	simgpu_tlb_flush_wait(sdev, simgpu_bo_flush_seq(bo));
	simgpu_bo_zaps_finished(bo);

	if (mode == DRM_SIMGPU_MODE_PREEMPT)
		simgpu_vm_queue_rebind(vm);

	simgpu_hist_add(&sdev->stats.finish_wait,
			ktime_get_ns() - READ_ONCE(bo->inval_start_ns));
}

static bool simgpu_invalidate_start(struct drm_userptr *uptr,
				    const struct mmu_notifier_range *range)
{
	struct simgpu_bo *bo = uptr_to_bo(uptr);
	unsigned long pgoff, npages;

	/*
	 * Legacy baseline VMs too: their whole-mm notifier runs after this
	 * one, after the helper has dropped the DMA mappings, so it cannot be
	 * what waits for the GPU. Their domain is single-pass instead
	 * (simgpu_vm_configure()): each BO is waited for right after its
	 * start, one after another.
	 *
	 * Only the pages of the range (widened to whole DMA mappings) lose
	 * their mappings: zap those.
	 */
	drm_userptr_invalidated_pages(uptr, range, &pgoff, &npages);
	simgpu_bo_invalidate_start(bo, pgoff, npages);
	return true;
}

static void simgpu_invalidate_finish(struct drm_userptr *uptr)
{
	simgpu_bo_invalidate_finish(uptr_to_bo(uptr));
}

const struct drm_userptr_ops simgpu_userptr_ops = {
	.invalidate_start = simgpu_invalidate_start,
	.invalidate_finish = simgpu_invalidate_finish,
};
