// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * The TLBs of a simulated GPU: the engines' lookups, and the flush unit
 * that empties them.
 */

#include <linux/ktime.h>

#include "simgpu_drv.h"

/**
 * simgpu_tlb_translate() - look a GPU page up in an engine's TLB
 * @engine: the engine; &simgpu_engine.tlb_lock held
 * @vm: the VM whose context runs
 * @gpu_pfn: the GPU page number
 * @entry: set to the TLB entry of @gpu_pfn, filled on success
 *
 * A miss walks the VM's page table and fills the entry, which then stays
 * until the next completed TLB flush, whatever zaps the page table since.
 *
 * Return: 0; -ENOENT if the page is bound but not present (a fault-mode VM
 * services the fault); -EFAULT if nothing is bound there.
 */
int simgpu_tlb_translate(struct simgpu_engine *engine, struct simgpu_vm *vm,
			 unsigned long gpu_pfn, struct simgpu_tlb_entry **entry)
{
	struct simgpu_tlb_entry *e = &engine->tlb[gpu_pfn % SIMGPU_TLB_ENTRIES];
	struct simgpu_vma *vma;
	int err = 0;

	lockdep_assert_held(&engine->tlb_lock);
	*entry = e;
	if (e->valid && e->vm_id == vm->id && e->gpu_pfn == gpu_pfn)
		return 0;

	spin_lock(&vm->pt_lock);
	vma = mtree_load(&vm->vmas, gpu_pfn);
	if (!vma) {
		err = -EFAULT;
	} else if (!test_bit(gpu_pfn - vma->first, vma->present)) {
		err = -ENOENT;
	} else {
		e->vm_id = vm->id;
		e->vma_id = vma->id;
		e->zap_count = vma->zap_count;
		e->gpu_pfn = gpu_pfn;
		e->addr = vma->ptes[gpu_pfn - vma->first];
		e->writable = !vma->read_only;
		e->valid = true;
	}
	spin_unlock(&vm->pt_lock);
	return err;
}

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
	simgpu_stat_inc(sdev, SIMGPU_STAT_TLB_FLUSHES);
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
