// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * Job submission on a simulated GPU: the exec ioctl with its userptr
 * validation and commit, the scheduler backend, and the wait ioctl.
 */

#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_exec.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>

#include "simgpu_drv.h"

static struct simgpu_job *to_simgpu_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct simgpu_job, base);
}

static const char *simgpu_fence_driver_name(struct dma_fence *fence)
{
	return "simgpu";
}

static const char *simgpu_fence_timeline_name(struct dma_fence *fence)
{
	return "engine";
}

static const struct dma_fence_ops simgpu_hw_fence_ops = {
	.get_driver_name = simgpu_fence_driver_name,
	.get_timeline_name = simgpu_fence_timeline_name,
};

/**
 * DOC: job fences
 *
 * A wait-idle VM's job completes without the CPU's memory management: its
 * finished fence may be published (an out-syncobj) and waited for by
 * reclaim, munmap() and every other driver, so everything from its
 * submission to the engine until its signal is a dma-fence signalling
 * critical section, annotated as one: run_job and the job's execution in
 * the VM's context. lockdep then reports any lock or allocation there that
 * could wait for memory reclaim or the mmap_lock.
 *
 * A preempt or fault VM's job depends on page-fault service and rebinds,
 * which take the mmap_lock: it is long-running. Its fence never leaves the
 * driver (no out-syncobj, no export of its BOs), it runs on the engine's
 * other scheduler so that it never delays a wait-idle job, and its
 * execution is not a signalling section. Userspace waits for it by its job
 * number, as for any job.
 */

/* The VM's context runs the job on the engine. */
static void simgpu_job_run_work(struct work_struct *work)
{
	struct simgpu_job *job = container_of(work, struct simgpu_job,
					      run_work);
	struct simgpu_device *sdev = job->vm->sdev;
	struct dma_fence *fence = job->hw_fence;
	/* The job may be freed as soon as its fence signals. */
	bool long_running = job->long_running;
	bool cookie = false;
	unsigned int i;
	int err = 0;

	if (!long_running)
		cookie = dma_fence_begin_signalling();
	/* Its own deadline: drm_sched's timer restarts with every job. */
	job->deadline = ktime_add_ms(ktime_get(),
				     READ_ONCE(simgpu_job_timeout_ms));
	for (i = 0; i < job->num_cmds && !err; i++)
		err = simgpu_job_stopped(job) ? -ETIMEDOUT :
		      simgpu_job_execute_cmd(job, &job->cmds[i]);

	simgpu_stat_inc(sdev, SIMGPU_STAT_JOBS);
	if (err) {
		simgpu_stat_inc(sdev, SIMGPU_STAT_JOB_ERRORS);
		dma_fence_set_error(fence, err);
	}
	/*
	 * The job may be freed once its fence signals; job->hw_fence's
	 * reference is dropped then.
	 */
	dma_fence_signal(fence);
	if (!long_running)
		dma_fence_end_signalling(cookie);
}

static struct dma_fence *simgpu_run_job(struct drm_sched_job *sched_job)
{
	struct simgpu_job *job = to_simgpu_job(sched_job);
	struct simgpu_engine *engine = job->engine;
	struct dma_fence *fence;
	bool cookie;

	if (unlikely(sched_job->s_fence->finished.error))
		return NULL;

	cookie = dma_fence_begin_signalling();
	fence = job->hw_fence_mem;
	job->hw_fence_mem = NULL;
	/* Each scheduler submits on its own queue: a timeline each. */
	dma_fence_init(fence, &simgpu_hw_fence_ops, &engine->fence_lock,
		       engine->fence_context + job->long_running,
		       ++engine->fence_seqno[job->long_running]);
	/* One reference for the job, the first one for the scheduler. */
	job->hw_fence = dma_fence_get(fence);
	queue_work(job->vm->ctx_wq, &job->run_work);
	dma_fence_end_signalling(cookie);
	return fence;
}

/*
 * The job has run for simgpu_job_timeout_ms: the reset path of the
 * simulated engine stops it at its next step, and it completes with
 * -ETIMEDOUT. Whoever waits for it (an invalidation, unbind, close) goes on.
 */
static enum drm_gpu_sched_stat simgpu_timedout_job(struct drm_sched_job *sched_job)
{
	struct drm_gpu_scheduler *sched = sched_job->sched;
	struct simgpu_job *job = to_simgpu_job(sched_job);

	if (!job->hw_fence || !dma_fence_is_signaled(job->hw_fence)) {
		WRITE_ONCE(job->timed_out, true);
		/* A spinning job sleeps. */
		wake_up_all(&job->vm->preempt.wq);
		simgpu_stat_inc(job->vm->sdev, SIMGPU_STAT_JOB_TIMEOUTS);
	}
	/*
	 * drm_sched took the job off its pending list for the handler; it
	 * completes by itself now, and is freed from that list, as xe does.
	 * It may have completed meanwhile: kick the free work again.
	 */
	spin_lock(&sched->job_list_lock);
	list_add(&sched_job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
	drm_sched_wqueue_start(sched);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void simgpu_job_put_objects(struct simgpu_job *job)
{
	unsigned int i;

	for (i = 0; i < job->num_bos; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	kvfree(job->cmds);
	kfree(job->bounce);
	kfree(job->hw_fence_mem);
}

static void simgpu_job_free_work(struct work_struct *work)
{
	struct simgpu_job *job = container_of(work, struct simgpu_job,
					      free_work);

	atomic_dec(&job->vm->jobs_in_flight);
	simgpu_job_put_objects(job);
	dma_fence_put(job->hw_fence);
	simgpu_vm_put(job->vm);
	kfree(job);
}

static void simgpu_free_job(struct drm_sched_job *sched_job)
{
	struct simgpu_job *job = to_simgpu_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	/*
	 * Dropping BOs can wait for an invalidation, which can wait for
	 * another job of this scheduler: not from the scheduler's workqueue.
	 */
	queue_work(system_unbound_wq, &job->free_work);
}

const struct drm_sched_backend_ops simgpu_sched_ops = {
	.run_job = simgpu_run_job,
	.timedout_job = simgpu_timedout_job,
	.free_job = simgpu_free_job,
};

static bool simgpu_range_ok(u64 addr, u64 size)
{
	u64 end;

	return size && !check_add_overflow(addr, size, &end) &&
	       end <= BIT_ULL(SIMGPU_VA_BITS);
}

static int simgpu_cmd_check(const struct drm_simgpu_cmd *c)
{
	if (c->pad)
		return -EINVAL;

	switch (c->op) {
	case DRM_SIMGPU_CMD_FILL:
		if (c->src || c->value > U32_MAX ||
		    !IS_ALIGNED(c->dst | c->size, sizeof(u32)) ||
		    !simgpu_range_ok(c->dst, c->size))
			return -EINVAL;
		return 0;
	case DRM_SIMGPU_CMD_COPY:
		if (c->value || !simgpu_range_ok(c->dst, c->size) ||
		    !simgpu_range_ok(c->src, c->size) ||
		    (c->dst < c->src + c->size && c->src < c->dst + c->size))
			return -EINVAL;
		return 0;
	case DRM_SIMGPU_CMD_STORE_DWORD:
	case DRM_SIMGPU_CMD_ATOMIC_ADD:
		if (c->src || c->size || c->value > U32_MAX ||
		    !IS_ALIGNED(c->dst, sizeof(u32)) ||
		    !simgpu_range_ok(c->dst, sizeof(u32)))
			return -EINVAL;
		return 0;
	case DRM_SIMGPU_CMD_CHECKSUM:
		if (c->value || !IS_ALIGNED(c->dst, sizeof(u64)) ||
		    !simgpu_range_ok(c->dst, sizeof(u64)) ||
		    !simgpu_range_ok(c->src, c->size))
			return -EINVAL;
		return 0;
	case DRM_SIMGPU_CMD_SPIN:
		if (c->dst || c->src || c->size ||
		    c->value > SIMGPU_MAX_SPIN_US)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int simgpu_job_add_bo(struct simgpu_job *job, struct simgpu_bo *bo,
			     unsigned int *capacity)
{
	struct drm_gem_object **bos;

	lockdep_assert_held(&job->vm->lock);
	/* Collected already: constant time, whatever the number of BOs. */
	if (bo->exec_stamp == job->stamp)
		return 0;
	/* A child after fork() must not reach its parent's memory. */
	if (!simgpu_bo_is_callers(bo))
		return -EPERM;
	/* Also what lockdep can follow under one drm_exec (4095 locks). */
	if (job->num_bos == DRM_SIMGPU_MAX_JOB_BOS)
		return -E2BIG;
	if (job->num_bos == *capacity) {
		*capacity = max(2 * *capacity, 8U);
		bos = kvrealloc(job->bos, *capacity * sizeof(*bos),
				SIMGPU_USER_GFP);
		if (!bos)
			return -ENOMEM;
		job->bos = bos;
	}
	bo->exec_stamp = job->stamp;
	drm_gem_object_get(&bo->base);
	job->bos[job->num_bos++] = &bo->base;
	return 0;
}

/* Every page of [addr, addr + size) must be bound; collect the BOs. */
static int simgpu_job_add_range(struct simgpu_job *job, u64 addr, u64 size,
				unsigned int *capacity)
{
	unsigned long pfn = addr >> PAGE_SHIFT;
	unsigned long last = (addr + size - 1) >> PAGE_SHIFT;
	struct simgpu_vma *vma;
	int err;

	lockdep_assert_held(&job->vm->lock);
	while (pfn <= last) {
		vma = mtree_load(&job->vm->vmas, pfn);
		if (!vma)
			return -EINVAL;
		err = simgpu_job_add_bo(job, vma->bo, capacity);
		if (err)
			return err;
		pfn = vma->first + vma->npages;
		/* Up to SIMGPU_MAX_BINDINGS per command, under the VM's lock. */
		cond_resched();
	}
	return 0;
}

static int simgpu_job_collect_bos(struct simgpu_job *job)
{
	unsigned int i, capacity = 0;
	int err = 0;

	lockdep_assert_held(&job->vm->lock);
	/* A fresh stamp: no BO is collected yet, whatever an earlier EXEC did. */
	job->stamp = ++job->vm->exec_stamp;

	for (i = 0; i < job->num_cmds && !err; i++) {
		const struct drm_simgpu_cmd *c = &job->cmds[i];

		switch (c->op) {
		case DRM_SIMGPU_CMD_SPIN:
			break;
		case DRM_SIMGPU_CMD_STORE_DWORD:
		case DRM_SIMGPU_CMD_ATOMIC_ADD:
			err = simgpu_job_add_range(job, c->dst, sizeof(u32),
						   &capacity);
			break;
		case DRM_SIMGPU_CMD_CHECKSUM:
			err = simgpu_job_add_range(job, c->dst, sizeof(u64),
						   &capacity);
			if (!err)
				err = simgpu_job_add_range(job, c->src, c->size,
							   &capacity);
			break;
		case DRM_SIMGPU_CMD_COPY:
			err = simgpu_job_add_range(job, c->src, c->size,
						   &capacity);
			fallthrough;
		default:
			if (!err)
				err = simgpu_job_add_range(job, c->dst, c->size,
							   &capacity);
			break;
		}
	}
	return err;
}

/*
 * The commit: check the job's userptrs under the notifier lock and, if
 * they are all usable, write their PTEs, arm the job and publish its
 * fence, all before the lock is dropped. Called with every BO's
 * reservation locked (simgpu_job_validate_and_arm()).
 *
 * The notifier lock in read mode is what makes the check mean something:
 * an invalidation's first step runs under it in write mode, so between
 * drm_userptr_check_valid() and the unlock no invalidation can start, and
 * one that started before has made the check fail. The PTEs written here
 * are therefore of pages still mapped, and the fence is in the BOs'
 * reservations before any later invalidation looks for it (wait-idle mode
 * waits for exactly those fences); counting the job in jobs_in_flight
 * here, too, is what makes a later start in preempt mode ask for a
 * preemption.
 *
 * commit_lock, inside it, orders the PTE writes against a concurrent
 * unbind or close, which removes bindings under commit_lock alone. A
 * legacy-baseline VM takes its process's whole-mm lock before both, in
 * write mode, as amdgpu_mn did.
 *
 * Return: 0 with the job armed; -EAGAIN if a userptr was invalidated since
 * its population (the caller repopulates and retries); -EINVAL from the
 * legacy lock.
 */
static int simgpu_job_commit(struct simgpu_job *job)
{
	struct simgpu_vm *vm = job->vm;
	bool fault_mode = READ_ONCE(vm->mode) == DRM_SIMGPU_MODE_FAULT;
	struct dma_fence *fence;
	unsigned int i;
	int err = 0;

	if (vm->legacy_mn) {
		err = simgpu_legacy_mn_lock_bos(job->bos, job->num_bos);
		if (err)
			return err;
	}
	drm_userptr_notifier_lock(&vm->domain);
	mutex_lock(&vm->commit_lock);
	for (i = 0; i < job->num_bos && !err; i++) {
		struct simgpu_bo *bo = to_simgpu_bo(job->bos[i]);

		err = drm_userptr_check_valid(&bo->uptr);
		if (!err)
			simgpu_bo_commit(bo);
		else if (err == -EAGAIN && fault_mode)
			/*
			 * Its pages stay not present, and the job's first
			 * access to each faults and populates it. Anything
			 * but -EAGAIN (a userptr that can never be valid)
			 * still fails the exec.
			 */
			err = 0;
	}
	if (!err) {
		drm_sched_job_arm(&job->base);
		fence = &job->base.s_fence->finished;
		/*
		 * The engines run the contexts of several VMs side by side:
		 * being scheduled is not being done, even on one engine.
		 */
		set_bit(DRM_SCHED_FENCE_DONT_PIPELINE, &fence->flags);
		for (i = 0; i < job->num_bos; i++)
			dma_resv_add_fence(job->bos[i]->resv, fence,
					   DMA_RESV_USAGE_BOOKKEEP);
		atomic_inc(&vm->jobs_in_flight);
	}
	mutex_unlock(&vm->commit_lock);
	drm_userptr_notifier_unlock(&vm->domain);
	if (vm->legacy_mn)
		simgpu_legacy_mn_unlock_bos(job->bos, job->num_bos);
	return err;
}

/*
 * Populate the job's userptrs (not in fault mode), lock their
 * reservations and commit, until the commit sees no invalidation.
 *
 * Lock order (see DOC: simgpu locking): the VM's lock, held by the
 * caller; the mmap_lock, inside each population only; the reservations,
 * in one drm_exec section; then, in the commit, the legacy lock, the
 * notifier lock and commit_lock.
 *
 * The population comes first, outside drm_exec: hmm_range_fault() takes
 * the mmap_lock, which the kernel orders outside every reservation
 * (dma_resv_lockdep()), since a CPU fault on a mapped BO takes the BO's
 * reservation under it.
 *
 * Populating outside every lock leaves a window in which the pages can be
 * invalidated again; the commit then returns -EAGAIN and the whole
 * sequence repeats. An invalidation storm could repeat it forever, so it
 * gives up with -EAGAIN after %SIMGPU_EXEC_RETRIES retries, and userspace
 * calls again. In fault mode nothing is populated here: the engines
 * fault the pages in while the job runs.
 *
 * Return: 0 with the job armed; -EAGAIN after the last retry; or the
 * errno of a population, of the reservations or of the commit.
 */
static int simgpu_job_validate_and_arm(struct simgpu_job *job)
{
	struct simgpu_vm *vm = job->vm;
	struct drm_exec exec;
	unsigned int i, attempt;
	int err = 0;

	for (attempt = 0; ; attempt++) {
		if (READ_ONCE(vm->mode) != DRM_SIMGPU_MODE_FAULT) {
			for (i = 0; i < job->num_bos; i++) {
				err = simgpu_bo_populate(to_simgpu_bo(job->bos[i]));
				if (err)
					return err;
			}
		}

		err = 0;
		drm_exec_init(&exec, DRM_EXEC_INTERRUPTIBLE_WAIT, job->num_bos);
		drm_exec_until_all_locked(&exec) {
			for (i = 0; i < job->num_bos; i++) {
				err = drm_exec_prepare_obj(&exec, job->bos[i], 1);
				drm_exec_retry_on_contention(&exec);
				if (err)
					break;
			}
		}
		if (!err)
			err = simgpu_job_commit(job);
		drm_exec_fini(&exec);

		if (err != -EAGAIN)
			return err;
		if (attempt >= SIMGPU_EXEC_RETRIES) {
			simgpu_stat_inc(vm->sdev, SIMGPU_STAT_EAGAIN);
			return -EAGAIN;
		}
		simgpu_stat_inc(vm->sdev, SIMGPU_STAT_RETRIES);
	}
}

static struct simgpu_job *simgpu_job_create(struct simgpu_vm *vm,
					    struct drm_file *file,
					    const struct drm_simgpu_exec *args)
{
	struct simgpu_job *job;
	unsigned int i;
	int err;

	job = kzalloc(sizeof(*job), SIMGPU_USER_GFP);
	if (!job)
		return ERR_PTR(-ENOMEM);
	job->vm = vm;
	job->long_running = vm->long_running;
	job->engine = &vm->sdev->engines[args->engine];
	job->num_cmds = args->num_cmds;
	INIT_WORK(&job->run_work, simgpu_job_run_work);
	INIT_WORK(&job->free_work, simgpu_job_free_work);

	/* User-sized, and kept while the job is unfinished: charged. */
	job->cmds = kvmalloc_array(args->num_cmds, sizeof(*job->cmds),
				   SIMGPU_USER_GFP);
	if (!job->cmds) {
		err = -ENOMEM;
		goto err_free;
	}
	if (copy_from_user(job->cmds, u64_to_user_ptr(args->cmds),
			   array_size(args->num_cmds, sizeof(*job->cmds)))) {
		err = -EFAULT;
		goto err_free;
	}
	for (i = 0; i < job->num_cmds; i++) {
		err = simgpu_cmd_check(&job->cmds[i]);
		if (err)
			goto err_free;
	}
	job->bounce = kmalloc(PAGE_SIZE, SIMGPU_USER_GFP);
	job->hw_fence_mem = kzalloc(sizeof(*job->hw_fence_mem),
				    SIMGPU_USER_GFP);
	if (!job->bounce || !job->hw_fence_mem) {
		err = -ENOMEM;
		goto err_free;
	}

	err = drm_sched_job_init(&job->base, &vm->entities[args->engine], 1,
				 vm, file->client_id);
	if (err)
		goto err_free;
	if (args->in_syncobj) {
		err = drm_sched_job_add_syncobj_dependency(&job->base, file,
							   args->in_syncobj, 0);
		if (err)
			goto err_cleanup;
	}
	return job;

err_cleanup:
	drm_sched_job_cleanup(&job->base);
err_free:
	simgpu_job_put_objects(job);
	kfree(job);
	return ERR_PTR(err);
}

/**
 * simgpu_exec_ioctl() - DRM_IOCTL_SIMGPU_EXEC
 * @drm: the device
 * @data: &struct drm_simgpu_exec
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_simgpu_exec.
 */
int simgpu_exec_ioctl(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct drm_simgpu_exec *args = data;
	struct simgpu_vm *vm = file->driver_priv;
	struct drm_syncobj *out_syncobj = NULL;
	struct dma_fence *fence, **slot;
	struct simgpu_job *job;
	int err;

	if (args->flags || args->pad || !args->num_cmds ||
	    args->num_cmds > SIMGPU_MAX_CMDS ||
	    args->engine >= vm->sdev->num_engines)
		return -EINVAL;

	if (args->out_syncobj) {
		out_syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!out_syncobj)
			return -ENOENT;
	}

	if (mutex_lock_interruptible(&vm->lock)) {
		err = -ERESTARTSYS;
		goto out_syncobj;
	}
	/* See "job fences": a long-running job's fence stays here. */
	if (out_syncobj && vm->long_running) {
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	slot = &vm->job_fences[(vm->last_job + 1) % DRM_SIMGPU_MAX_VM_JOBS];
	if (*slot && !dma_fence_is_signaled(*slot)) {
		err = -EBUSY;
		goto out_unlock;
	}

	job = simgpu_job_create(vm, file, args);
	if (IS_ERR(job)) {
		err = PTR_ERR(job);
		goto out_unlock;
	}
	err = simgpu_job_collect_bos(job);
	if (!err)
		err = simgpu_job_validate_and_arm(job);
	if (err) {
		drm_sched_job_cleanup(&job->base);
		simgpu_job_put_objects(job);
		kfree(job);
		goto out_unlock;
	}

	kref_get(&vm->ref);
	fence = dma_fence_get(&job->base.s_fence->finished);
	spin_lock(&vm->jobs_lock);
	swap(*slot, fence);
	args->job = ++vm->last_job;
	spin_unlock(&vm->jobs_lock);
	/* The job that had the slot before. */
	dma_fence_put(fence);
	if (out_syncobj)
		drm_syncobj_replace_fence(out_syncobj, *slot);
	drm_sched_entity_push_job(&job->base);
out_unlock:
	mutex_unlock(&vm->lock);
out_syncobj:
	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
	return err;
}

/* The finished fence of job @args->job of the VM, referenced. */
static int simgpu_vm_job_fence(struct simgpu_vm *vm,
			       const struct drm_simgpu_wait *args,
			       struct dma_fence **fence)
{
	u64 job = args->job;
	int err = 0;

	if (args->syncobj)
		return -EINVAL;
	spin_lock(&vm->jobs_lock);
	if (!job || job > vm->last_job)
		err = -EINVAL;
	else if (vm->last_job - job >= DRM_SIMGPU_MAX_VM_JOBS)
		err = -ENOENT;
	else
		*fence = dma_fence_get(vm->job_fences[job % DRM_SIMGPU_MAX_VM_JOBS]);
	spin_unlock(&vm->jobs_lock);
	return err;
}

/**
 * simgpu_wait_ioctl() - DRM_IOCTL_SIMGPU_WAIT
 * @drm: the device
 * @data: &struct drm_simgpu_wait
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_simgpu_wait.
 */
int simgpu_wait_ioctl(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct drm_simgpu_wait *args = data;
	struct dma_fence *fence;
	long timeout, ret;
	ktime_t deadline;
	int err;

	if (args->flags & ~DRM_SIMGPU_WAIT_JOB || args->pad ||
	    args->timeout_ns < 0)
		return -EINVAL;
	if (args->flags & DRM_SIMGPU_WAIT_JOB)
		err = simgpu_vm_job_fence(file->driver_priv, args, &fence);
	else
		err = drm_syncobj_find_fence(file, args->syncobj, 0, 0, &fence);
	if (err)
		return err;

	deadline = ktime_add_safe(ktime_get(), ns_to_ktime(args->timeout_ns));
	timeout = args->timeout_ns > 0 ?
		  max(nsecs_to_jiffies(args->timeout_ns), 1UL) : 0;
	ret = dma_fence_wait_timeout(fence, true, timeout);
	if (ret == 0) {
		err = -ETIME;
	} else if (ret < 0) {
		/* A restart after the signal waits for what is left. */
		args->timeout_ns = max(ktime_to_ns(ktime_sub(deadline,
							     ktime_get())), 0);
		err = ret;
	} else {
		args->status = min(dma_fence_get_status(fence), 0);
		err = 0;
	}
	dma_fence_put(fence);
	return err;
}
