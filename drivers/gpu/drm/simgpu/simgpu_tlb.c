// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * The TLB-flush unit of a simulated GPU, and zapping of page-table entries.
 */

#include <linux/bitmap.h>
#include <linux/ktime.h>

#include "simgpu_drv.h"

static void simgpu_tlb_clear(struct simgpu_engine *engine)
{
	unsigned long flags;

	/* Waits for a page access in flight: it holds the lock. */
	spin_lock_irqsave(&engine->tlb_lock, flags);
	memset(engine->tlb, 0, sizeof(engine->tlb));
	spin_unlock_irqrestore(&engine->tlb_lock, flags);
}

static enum hrtimer_restart simgpu_flush_complete(struct hrtimer *timer)
{
	struct simgpu_device *sdev = container_of(timer, struct simgpu_device,
						  flush.timer);
	struct simgpu_flush *flush = &sdev->flush;
	enum hrtimer_restart restart = HRTIMER_NORESTART;
	unsigned long flags;
	unsigned int i;

	if (!READ_ONCE(sdev->inject_skip_tlb_flush)) {
		for (i = 0; i < sdev->num_engines; i++)
			simgpu_tlb_clear(&sdev->engines[i]);
	}

	spin_lock_irqsave(&flush->lock, flags);
	flush->completed = flush->inflight;
	atomic64_inc(&sdev->stats.tlb_flushes);
	if (flush->requested > flush->completed) {
		/* Requests made during this flush need a flush of their own. */
		flush->inflight = flush->requested;
		hrtimer_forward_now(timer,
				    simgpu_us_to_ktime(READ_ONCE(simgpu_tlb_flush_latency_us)));
		restart = HRTIMER_RESTART;
	} else {
		flush->busy = false;
	}
	spin_unlock_irqrestore(&flush->lock, flags);
	wake_up_all(&flush->wq);
	return restart;
}

/**
 * simgpu_flush_init() - initialise a GPU's TLB-flush unit
 * @sdev: the GPU
 */
void simgpu_flush_init(struct simgpu_device *sdev)
{
	struct simgpu_flush *flush = &sdev->flush;

	spin_lock_init(&flush->lock);
	init_waitqueue_head(&flush->wq);
	hrtimer_init(&flush->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	flush->timer.function = simgpu_flush_complete;
}

/**
 * simgpu_tlb_flush_request() - start a flush of all the GPU's TLBs
 * @sdev: the GPU
 *
 * Does not wait. Safe in any context.
 *
 * Return: the flush's number, for simgpu_tlb_flush_wait().
 */
u64 simgpu_tlb_flush_request(struct simgpu_device *sdev)
{
	struct simgpu_flush *flush = &sdev->flush;
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&flush->lock, flags);
	seq = ++flush->requested;
	if (!flush->busy) {
		flush->busy = true;
		flush->inflight = seq;
		hrtimer_start(&flush->timer,
			      simgpu_us_to_ktime(READ_ONCE(simgpu_tlb_flush_latency_us)),
			      HRTIMER_MODE_REL);
	}
	spin_unlock_irqrestore(&flush->lock, flags);
	return seq;
}

/**
 * simgpu_tlb_flush_done() - has a flush completed?
 * @sdev: the GPU
 * @seq: the flush's number
 *
 * Return: true once no TLB holds a translation the flush removed.
 */
bool simgpu_tlb_flush_done(struct simgpu_device *sdev, u64 seq)
{
	struct simgpu_flush *flush = &sdev->flush;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&flush->lock, flags);
	done = flush->completed >= seq;
	spin_unlock_irqrestore(&flush->lock, flags);
	return done;
}

/**
 * simgpu_tlb_flush_wait() - wait for a flush to complete
 * @sdev: the GPU
 * @seq: the flush's number, 0 for none
 */
void simgpu_tlb_flush_wait(struct simgpu_device *sdev, u64 seq)
{
	if (seq)
		wait_event(sdev->flush.wq, simgpu_tlb_flush_done(sdev, seq));
}

/**
 * simgpu_vma_zap_range_locked() - remove some of a binding's page-table entries
 * @vma: the binding; &simgpu_vm.pt_lock held
 * @first: index of the first page in the binding
 * @end: index after the last page, clamped to the binding
 *
 * The engines take a page fault at the next access to those pages that
 * misses their TLB. TLB entries stay until the next completed flush.
 */
void simgpu_vma_zap_range_locked(struct simgpu_vma *vma, unsigned long first,
				 unsigned long end)
{
	lockdep_assert_held(&vma->vm->pt_lock);
	end = min(end, vma->npages);
	if (first >= end || find_next_bit(vma->present, end, first) >= end)
		return;
	bitmap_clear(vma->present, first, end - first);
	if (vma->missing_first >= vma->missing_end) {
		vma->missing_first = first;
		vma->missing_end = end;
	} else {
		vma->missing_first = min(vma->missing_first, first);
		vma->missing_end = max(vma->missing_end, end);
	}
	vma->zap_count++;
}

/**
 * simgpu_vma_zap_locked() - remove all of a binding's page-table entries
 * @vma: the binding; &simgpu_vm.pt_lock held
 */
void simgpu_vma_zap_locked(struct simgpu_vma *vma)
{
	simgpu_vma_zap_range_locked(vma, 0, vma->npages);
}

/**
 * simgpu_vma_zap() - simgpu_vma_zap_locked(), taking the page-table lock
 * @vma: the binding
 */
void simgpu_vma_zap(struct simgpu_vma *vma)
{
	unsigned long flags;

	spin_lock_irqsave(&vma->vm->pt_lock, flags);
	simgpu_vma_zap_locked(vma);
	spin_unlock_irqrestore(&vma->vm->pt_lock, flags);
}
