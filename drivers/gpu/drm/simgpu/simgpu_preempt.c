// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * Preemption of a VM's context on a simulated GPU. A request completes
 * after the preemption latency (an hrtimer) at the first moment no page
 * access of the context is in flight; the engines mark each access with
 * simgpu_preempt_enter() and simgpu_preempt_exit(). Completing zaps the
 * BOs whose invalidation waits for it. The context then stays off the
 * engines until the VM's rebind worker resumes it.
 */

#include "simgpu_drv.h"

/*
 * The context is off the engines: zap the BOs whose invalidation waited for
 * that, and start their TLB flush at once, as hardware signalling
 * preemption completion lets a driver do. Every GPU's flush then runs in
 * parallel with the others', instead of after each invalidate_finish.
 */
static void simgpu_preempt_zap_pending(struct simgpu_vm *vm)
{
	struct simgpu_bo *bo, *next;

	lockdep_assert_held(&vm->preempt.lock);
	list_for_each_entry_safe(bo, next, &vm->preempt.pending, preempt_link) {
		simgpu_bo_zap_and_flush(bo);
		list_del_init(&bo->preempt_link);
	}
}

static void simgpu_preempt_try_ack(struct simgpu_vm *vm)
{
	struct simgpu_preempt *p = &vm->preempt;

	lockdep_assert_held(&p->lock);
	if (p->state == SIMGPU_PREEMPT_REQUESTED && p->elapsed && !p->active) {
		p->state = SIMGPU_PREEMPTED;
		simgpu_stat_inc(vm->sdev, SIMGPU_STAT_PREEMPTIONS);
		simgpu_preempt_zap_pending(vm);
		wake_up_all(&p->wq);
	}
}

/**
 * simgpu_preempt_request_locked() - ask for a VM's context to be preempted
 * @vm: the VM; &simgpu_preempt.lock held
 *
 * Does not wait: the preemption completes after the preemption latency, at
 * the first page-access boundary with no access in flight. Nothing happens
 * if a preemption is already requested or done.
 */
void simgpu_preempt_request_locked(struct simgpu_vm *vm)
{
	struct simgpu_preempt *p = &vm->preempt;

	lockdep_assert_held(&p->lock);
	if (p->state != SIMGPU_RUNNING)
		return;
	p->state = SIMGPU_PREEMPT_REQUESTED;
	p->elapsed = false;
	hrtimer_start(&p->timer, simgpu_us_to_ktime(READ_ONCE(simgpu_preempt_latency_us)),
		      HRTIMER_MODE_REL);
}

static enum hrtimer_restart simgpu_preempt_timer(struct hrtimer *timer)
{
	struct simgpu_vm *vm = container_of(timer, struct simgpu_vm,
					    preempt.timer);
	unsigned long flags;

	spin_lock_irqsave(&vm->preempt.lock, flags);
	vm->preempt.elapsed = true;
	simgpu_preempt_try_ack(vm);
	spin_unlock_irqrestore(&vm->preempt.lock, flags);
	return HRTIMER_NORESTART;
}

/**
 * simgpu_preempt_init() - initialise a VM context's preemption state
 * @preempt: the state
 */
void simgpu_preempt_init(struct simgpu_preempt *preempt)
{
	spin_lock_init(&preempt->lock);
	init_waitqueue_head(&preempt->wq);
	preempt->state = SIMGPU_RUNNING;
	INIT_LIST_HEAD(&preempt->pending);
	hrtimer_init(&preempt->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	preempt->timer.function = simgpu_preempt_timer;
}

/**
 * simgpu_preempt_enter() - a page-access boundary: start an access
 * @vm: the VM whose context is running
 *
 * Completes a preemption whose latency has passed and, while the context
 * is preempted, waits for it to be resumed. Each call is paired with
 * simgpu_preempt_exit().
 */
void simgpu_preempt_enter(struct simgpu_vm *vm)
{
	struct simgpu_preempt *p = &vm->preempt;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	for (;;) {
		simgpu_preempt_try_ack(vm);
		if (p->state != SIMGPU_PREEMPTED)
			break;
		spin_unlock_irqrestore(&p->lock, flags);
		wait_event(p->wq, READ_ONCE(p->state) != SIMGPU_PREEMPTED);
		spin_lock_irqsave(&p->lock, flags);
	}
	p->active++;
	spin_unlock_irqrestore(&p->lock, flags);
}

/**
 * simgpu_preempt_exit() - a page-access boundary: the access is done
 * @vm: the VM whose context is running
 */
void simgpu_preempt_exit(struct simgpu_vm *vm)
{
	struct simgpu_preempt *p = &vm->preempt;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	p->active--;
	simgpu_preempt_try_ack(vm);
	spin_unlock_irqrestore(&p->lock, flags);
}

/**
 * simgpu_preempt_resume() - let a preempted context run again
 * @vm: the VM
 *
 * Called by the rebind worker with the notifier lock held, once every
 * userptr of the VM is mapped again (or can never be). A preemption
 * requested since is left alone.
 */
void simgpu_preempt_resume(struct simgpu_vm *vm)
{
	struct simgpu_preempt *p = &vm->preempt;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	if (p->state == SIMGPU_PREEMPTED) {
		p->state = SIMGPU_RUNNING;
		wake_up_all(&p->wq);
	}
	spin_unlock_irqrestore(&p->lock, flags);
}

/**
 * simgpu_preempt_wait() - wait until a VM's context is off the engines
 * @vm: the VM
 *
 * Asks again if the context was resumed since the preemption was requested.
 */
void simgpu_preempt_wait(struct simgpu_vm *vm)
{
	struct simgpu_preempt *p = &vm->preempt;
	enum simgpu_preempt_state state;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&p->lock, flags);
		/* A resume for another userptr may have come in between. */
		simgpu_preempt_request_locked(vm);
		state = p->state;
		spin_unlock_irqrestore(&p->lock, flags);
		if (state == SIMGPU_PREEMPTED)
			return;
		wait_event(p->wq,
			   READ_ONCE(p->state) != SIMGPU_PREEMPT_REQUESTED);
	}
}
