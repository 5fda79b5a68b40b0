// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * GPU VMs of a simulated GPU: bindings, page-table commits, GPU page-fault
 * service and the rebind worker of preempt mode.
 */

#include <linux/bitmap.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>

#include "simgpu_drv.h"

static atomic64_t simgpu_next_vm_id = ATOMIC64_INIT(0);

/*
 * Preempt and fault VMs run long-running jobs: they go on only after the
 * driver has faulted memory back in, under the mmap_lock.
 */
static bool simgpu_mode_is_long_running(enum drm_simgpu_mode mode)
{
	return mode == DRM_SIMGPU_MODE_PREEMPT || mode == DRM_SIMGPU_MODE_FAULT;
}

/* One entity per engine, on the scheduler of the VM's kind of jobs. */
static int simgpu_vm_entities_init(struct simgpu_vm *vm)
{
	struct simgpu_device *sdev = vm->sdev;
	struct drm_gpu_scheduler *sched;
	unsigned int i;
	int err;

	for (i = 0; i < sdev->num_engines; i++) {
		sched = vm->long_running ? &sdev->engines[i].lr_sched :
					   &sdev->engines[i].sched;
		err = drm_sched_entity_init(&vm->entities[i],
					    DRM_SCHED_PRIORITY_NORMAL,
					    &sched, 1, NULL);
		if (err)
			goto err_entities;
	}
	return 0;

err_entities:
	while (i--)
		drm_sched_entity_destroy(&vm->entities[i]);
	return err;
}

static void simgpu_vm_entities_fini(struct simgpu_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->sdev->num_engines; i++)
		drm_sched_entity_destroy(&vm->entities[i]);
}

/*
 * One call site, so that every domain of simgpu, whatever its mode, has
 * the same lockdep class.
 */
static int simgpu_vm_domain_init(struct simgpu_vm *vm, unsigned int flags)
{
	return drm_userptr_domain_init(&vm->domain, vm->sdev->drm.dev,
				       &simgpu_userptr_ops, flags);
}

/**
 * simgpu_vm_create() - create a VM
 * @sdev: the GPU
 *
 * Return: the VM, or an ERR_PTR().
 */
struct simgpu_vm *simgpu_vm_create(struct simgpu_device *sdev)
{
	struct simgpu_vm *vm;
	int err;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->ref);
	/* The engines and the device outlive every VM, also after unplug. */
	drm_dev_get(&sdev->drm);
	vm->sdev = sdev;
	vm->id = atomic64_inc_return(&simgpu_next_vm_id);
	vm->mode = simgpu_default_mode;
	mutex_init(&vm->lock);
	mutex_init(&vm->commit_lock);
	spin_lock_init(&vm->pt_lock);
	spin_lock_init(&vm->bo_lock);
	spin_lock_init(&vm->jobs_lock);
	mt_init_flags(&vm->vmas, MT_FLAGS_USE_RCU);
	INIT_LIST_HEAD(&vm->vma_list);
	INIT_LIST_HEAD(&vm->bo_list);
	simgpu_preempt_init(&vm->preempt);
	INIT_WORK(&vm->rebind_work, simgpu_vm_rebind_work);

	err = simgpu_vm_domain_init(vm, 0);
	if (err)
		goto err_free;

	/* Wait-idle jobs run on it: reclaim may wait for their fences. */
	vm->ctx_wq = alloc_ordered_workqueue("simgpu%u-vm%llu", WQ_MEM_RECLAIM,
					     sdev->index, vm->id);
	if (!vm->ctx_wq) {
		err = -ENOMEM;
		goto err_domain;
	}

	vm->long_running = simgpu_mode_is_long_running(vm->mode);
	err = simgpu_vm_entities_init(vm);
	if (err)
		goto err_wq;

	mutex_lock(&sdev->vms_lock);
	list_add_tail(&vm->sdev_link, &sdev->vms);
	mutex_unlock(&sdev->vms_lock);
	return vm;

err_wq:
	destroy_workqueue(vm->ctx_wq);
err_domain:
	drm_userptr_domain_fini(&vm->domain);
err_free:
	drm_dev_put(&sdev->drm);
	kfree(vm);
	return ERR_PTR(err);
}

static void simgpu_vm_release(struct kref *ref)
{
	struct simgpu_vm *vm = container_of(ref, struct simgpu_vm, ref);
	struct simgpu_device *sdev;
	unsigned int i;

	/*
	 * The rebind worker holds a reference while queued, so it is not
	 * queued now; it may be what dropped the last reference.
	 */
	for (i = 0; i < ARRAY_SIZE(vm->job_fences); i++)
		dma_fence_put(vm->job_fences[i]);
	hrtimer_cancel(&vm->preempt.timer);
	destroy_workqueue(vm->ctx_wq);
	WARN_ON(!mtree_empty(&vm->vmas));
	mtree_destroy(&vm->vmas);
	drm_userptr_domain_fini(&vm->domain);
	mutex_destroy(&vm->commit_lock);
	mutex_destroy(&vm->lock);
	sdev = vm->sdev;
	kfree(vm);
	/* Last: this may release the device and its engines. */
	drm_dev_put(&sdev->drm);
}

/**
 * simgpu_vm_put() - drop a reference to a VM
 * @vm: the VM
 */
void simgpu_vm_put(struct simgpu_vm *vm)
{
	kref_put(&vm->ref, simgpu_vm_release);
}

/**
 * simgpu_vm_configure() - set a VM's invalidation mode and flags
 * @vm: the VM
 * @mode: &enum drm_simgpu_mode
 * @flags: %DRM_SIMGPU_VM_SINGLE_PASS or %DRM_SIMGPU_VM_LEGACY_MN
 *
 * Return: 0; -EINVAL for a bad mode or flag; -EBUSY if the VM has BOs or
 * unfinished jobs; -EPERM for %DRM_SIMGPU_VM_LEGACY_MN without
 * CAP_SYS_ADMIN; -ERESTARTSYS.
 */
int simgpu_vm_configure(struct simgpu_vm *vm, u32 mode, u32 flags)
{
	bool single_pass = flags & DRM_SIMGPU_VM_SINGLE_PASS;
	bool legacy_mn = flags & DRM_SIMGPU_VM_LEGACY_MN;
	bool long_running;
	int err = 0;

	if (flags & ~(DRM_SIMGPU_VM_SINGLE_PASS | DRM_SIMGPU_VM_LEGACY_MN) ||
	    (single_pass && legacy_mn) || mode > DRM_SIMGPU_MODE_FAULT)
		return -EINVAL;
	if (mode == DRM_SIMGPU_MODE_DEFAULT)
		mode = simgpu_default_mode;
	long_running = simgpu_mode_is_long_running(mode);

	if (legacy_mn && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (mutex_lock_interruptible(&vm->lock))
		return -ERESTARTSYS;
	if (atomic_read(&vm->num_bos) || atomic_read(&vm->jobs_in_flight)) {
		err = -EBUSY;
		goto out;
	}
	/*
	 * No BO is left, so no invalidation can queue the rebind worker
	 * again, but one queued by the last BO's may still hold the
	 * domain's notifier lock.
	 */
	flush_work(&vm->rebind_work);
	if (long_running != vm->long_running) {
		/* No job is queued: the entities are idle. */
		simgpu_vm_entities_fini(vm);
		vm->long_running = long_running;
		/* Only fails for bad arguments. */
		WARN_ON(simgpu_vm_entities_init(vm));
	}
	/*
	 * The legacy baseline waits for one BO after another, before the
	 * helper drops each one's DMA mappings: a single-pass domain, whose
	 * finish runs right after each start, without the notifier lock.
	 */
	if ((single_pass || legacy_mn) != vm->single_pass) {
		drm_userptr_domain_fini(&vm->domain);
		err = simgpu_vm_domain_init(vm, single_pass || legacy_mn ?
					    DRM_USERPTR_DOMAIN_SINGLE_PASS : 0);
		/* Only fails for bad arguments. */
		WARN_ON(err);
		vm->single_pass = single_pass || legacy_mn;
	}
	WRITE_ONCE(vm->mode, mode);
	vm->legacy_mn = legacy_mn;
out:
	mutex_unlock(&vm->lock);
	return err;
}

/**
 * simgpu_bo_is_callers() - the BO maps the calling process's memory
 * @bo: the BO
 *
 * Return: true if @bo was created by a thread of the calling process.
 */
bool simgpu_bo_is_callers(const struct simgpu_bo *bo)
{
	return drm_userptr_mm(&bo->uptr) == current->mm;
}

/**
 * simgpu_bo_populate() - fault in and DMA-map a BO's pages if needed
 * @bo: the BO
 *
 * Return: 0 or the error of drm_userptr_populate().
 */
int simgpu_bo_populate(struct simgpu_bo *bo)
{
	bool was_valid = drm_userptr_is_valid(&bo->uptr);
	int err = drm_userptr_populate(&bo->uptr, 0);

	if (!err && !was_valid)
		simgpu_stat_inc(bo->vm->sdev, SIMGPU_STAT_POPULATES);
	return err;
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

/*
 * Write the PTEs the binding lacks, run by run of zapped pages, looking
 * only where zaps cleared entries since the last commit, so that the cost
 * follows what invalidations took away rather than the BO's size. Only
 * the zaps of an invalidation clear bits, and a commit runs only when
 * drm_userptr_check_valid() says no invalidation of the BO is in progress
 * (and under &simgpu_vm.commit_lock, which a binding's removal takes for
 * its zap): neither the bitmap nor the span changes under the walk.
 */
static void simgpu_vma_commit(struct simgpu_vma *vma)
{
	struct simgpu_vm *vm = vma->vm;
	unsigned long first, end, i, flags, stop = vma->missing_end;

	lockdep_assert_held(&vm->commit_lock);
	for (first = find_next_zero_bit(vma->present, stop, vma->missing_first);
	     first < stop;
	     first = find_next_zero_bit(vma->present, stop, end)) {
		end = find_next_bit(vma->present, stop, first);
		for (i = first; i < end; i++)
			vma->ptes[i] = drm_userptr_dma_addr(&vma->bo->uptr, i);
		spin_lock_irqsave(&vm->pt_lock, flags);
		bitmap_set(vma->present, first, end - first);
		spin_unlock_irqrestore(&vm->pt_lock, flags);
	}
	spin_lock_irqsave(&vm->pt_lock, flags);
	vma->missing_first = 0;
	vma->missing_end = 0;
	spin_unlock_irqrestore(&vm->pt_lock, flags);
}

/**
 * simgpu_bo_commit() - write a valid BO's DMA addresses into the page table
 * @bo: the BO; drm_userptr_check_valid() returned 0 for it
 *
 * Call with the notifier lock held in read mode and &simgpu_vm.commit_lock.
 */
void simgpu_bo_commit(struct simgpu_bo *bo)
{
	struct simgpu_vma *vma;

	lockdep_assert_held(&bo->vm->commit_lock);
	list_for_each_entry(vma, &bo->vmas, bo_link)
		simgpu_vma_commit(vma);
}

/**
 * simgpu_vm_bind() - map a BO at a GPU address
 * @vm: the VM
 * @bo: the BO
 * @gpu_addr: page-aligned GPU address
 * @flags: %DRM_SIMGPU_BIND_READ_ONLY
 *
 * Return: 0; -EINVAL for a bad address; -EEXIST if the range is in use;
 * -EPERM for a BO of another VM or another process's memory; -ENOSPC if
 * the VM has %SIMGPU_MAX_BINDINGS bindings; -ENOMEM; -ERESTARTSYS.
 */
int simgpu_vm_bind(struct simgpu_vm *vm, struct simgpu_bo *bo, u64 gpu_addr,
		   u32 flags)
{
	u64 size = bo->base.size, end;
	struct simgpu_vma *vma;
	unsigned long irqflags;
	int err;

	if (!PAGE_ALIGNED(gpu_addr) || check_add_overflow(gpu_addr, size, &end) ||
	    end > BIT_ULL(SIMGPU_VA_BITS))
		return -EINVAL;
	/*
	 * A BO is checked and committed under its own VM's notifier lock,
	 * and its pages are the memory of the process that created it.
	 */
	if (bo->vm != vm || !simgpu_bo_is_callers(bo))
		return -EPERM;

	/* All user-sized: charged to the caller's memory cgroup. */
	vma = kzalloc(sizeof(*vma), SIMGPU_USER_GFP);
	if (!vma)
		return -ENOMEM;
	vma->npages = size >> PAGE_SHIFT;
	vma->missing_end = vma->npages;
	vma->ptes = kvcalloc(vma->npages, sizeof(*vma->ptes),
			     SIMGPU_USER_GFP);
	vma->present = kvcalloc(BITS_TO_LONGS(vma->npages),
				sizeof(*vma->present), SIMGPU_USER_GFP);
	if (!vma->ptes || !vma->present) {
		err = -ENOMEM;
		goto err_free;
	}
	vma->vm = vm;
	vma->bo = bo;
	vma->first = gpu_addr >> PAGE_SHIFT;
	vma->read_only = bo->read_only || flags & DRM_SIMGPU_BIND_READ_ONLY;

	if (mutex_lock_interruptible(&vm->lock)) {
		err = -ERESTARTSYS;
		goto err_free;
	}
	if (vm->num_vmas >= SIMGPU_MAX_BINDINGS) {
		mutex_unlock(&vm->lock);
		err = -ENOSPC;
		goto err_free;
	}
	vma->id = ++vm->next_vma_id;
	err = mtree_insert_range(&vm->vmas, vma->first,
				 vma->first + vma->npages - 1, vma,
				 SIMGPU_USER_GFP);
	if (err) {
		mutex_unlock(&vm->lock);
		goto err_free;
	}
	vm->num_vmas++;
	drm_gem_object_get(&bo->base);

	drm_userptr_notifier_lock(&vm->domain);
	mutex_lock(&vm->commit_lock);
	spin_lock_irqsave(&vm->pt_lock, irqflags);
	list_add_tail(&vma->bo_link, &bo->vmas);
	list_add_tail(&vma->vm_link, &vm->vma_list);
	spin_unlock_irqrestore(&vm->pt_lock, irqflags);
	if (drm_userptr_is_valid(&bo->uptr) &&
	    !drm_userptr_check_valid(&bo->uptr))
		simgpu_vma_commit(vma);
	mutex_unlock(&vm->commit_lock);
	drm_userptr_notifier_unlock(&vm->domain);
	mutex_unlock(&vm->lock);
	return 0;

err_free:
	kvfree(vma->present);
	kvfree(vma->ptes);
	kfree(vma);
	return err;
}

/* Remove a binding whose BO is idle; the caller holds &simgpu_vm.lock. */
static void simgpu_vma_remove(struct simgpu_vma *vma)
{
	struct simgpu_vm *vm = vma->vm;
	unsigned long flags;
	u64 seq;

	lockdep_assert_held(&vm->lock);
	mutex_lock(&vm->commit_lock);
	spin_lock_irqsave(&vm->pt_lock, flags);
	simgpu_vma_zap_locked(vma);
	list_del(&vma->bo_link);
	list_del(&vma->vm_link);
	spin_unlock_irqrestore(&vm->pt_lock, flags);
	mutex_unlock(&vm->commit_lock);
	mtree_erase(&vm->vmas, vma->first);
	vm->num_vmas--;

	seq = simgpu_tlb_flush_request(vm->sdev);
	simgpu_tlb_flush_wait(vm->sdev, seq);
	/* Lookups fail from now on: any access through it is stale. */
	WRITE_ONCE(vma->finished_zaps, U64_MAX);

	drm_gem_object_put(&vma->bo->base);
	kvfree(vma->present);
	kvfree(vma->ptes);
	kfree_rcu(vma, rcu);
}

/**
 * simgpu_vm_unbind() - remove the binding that starts at a GPU address
 * @vm: the VM
 * @gpu_addr: start of the binding
 *
 * Waits for the jobs that use the BO first.
 *
 * Return: 0; -ENOENT if no binding starts there; -ERESTARTSYS.
 */
int simgpu_vm_unbind(struct simgpu_vm *vm, u64 gpu_addr)
{
	struct simgpu_vma *vma;
	long ret;

	if (!PAGE_ALIGNED(gpu_addr) || gpu_addr >= BIT_ULL(SIMGPU_VA_BITS))
		return -ENOENT;
	if (mutex_lock_interruptible(&vm->lock))
		return -ERESTARTSYS;
	vma = mtree_load(&vm->vmas, gpu_addr >> PAGE_SHIFT);
	if (!vma || vma->first != gpu_addr >> PAGE_SHIFT) {
		ret = -ENOENT;
		goto out;
	}
	ret = dma_resv_wait_timeout(vma->bo->base.resv, DMA_RESV_USAGE_BOOKKEEP,
				    true, MAX_SCHEDULE_TIMEOUT);
	if (ret < 0)
		goto out;
	simgpu_vma_remove(vma);
	ret = 0;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * simgpu_vm_close() - tear down a VM when its file is closed
 * @vm: the VM
 *
 * Queued jobs are flushed or killed, running ones complete, then every
 * binding is removed and the file's reference dropped.
 */
void simgpu_vm_close(struct simgpu_vm *vm)
{
	struct simgpu_device *sdev = vm->sdev;
	struct simgpu_vma *vma;

	WRITE_ONCE(vm->closed, true);
	/* Spinning jobs sleep until their end. */
	wake_up_all(&vm->preempt.wq);
	simgpu_vm_entities_fini(vm);

	mutex_lock(&vm->lock);
	while ((vma = list_first_entry_or_null(&vm->vma_list,
					       struct simgpu_vma, vm_link))) {
		dma_resv_wait_timeout(vma->bo->base.resv,
				      DMA_RESV_USAGE_BOOKKEEP, false,
				      MAX_SCHEDULE_TIMEOUT);
		simgpu_vma_remove(vma);
	}
	mutex_unlock(&vm->lock);

	mutex_lock(&sdev->vms_lock);
	list_del(&vm->sdev_link);
	mutex_unlock(&sdev->vms_lock);
	simgpu_vm_put(vm);
}

/**
 * simgpu_vm_service_fault() - service a recoverable GPU page fault
 * @vm: the VM, in fault mode
 * @gpu_pfn: the GPU page that faulted
 *
 * Repopulates the BO bound there and writes its PTEs, retrying while
 * invalidations race with it. Called by an engine, without locks.
 *
 * Return: 0 to replay the access; -EFAULT if nothing can be mapped there.
 */
int simgpu_vm_service_fault(struct simgpu_vm *vm, unsigned long gpu_pfn)
{
	struct simgpu_bo *bo = NULL;
	struct simgpu_vma *vma;
	unsigned int attempt;
	int err;

	rcu_read_lock();
	vma = mtree_load(&vm->vmas, gpu_pfn);
	if (vma && kref_get_unless_zero(&vma->bo->base.refcount))
		bo = vma->bo;
	rcu_read_unlock();
	if (!bo)
		return -EFAULT;

	simgpu_stat_inc(vm->sdev, SIMGPU_STAT_PAGE_FAULTS);
	for (attempt = 0; ; attempt++) {
		err = simgpu_bo_populate(bo);
		if (err)
			break;
		drm_userptr_notifier_lock(&vm->domain);
		err = drm_userptr_check_valid(&bo->uptr);
		if (!err) {
			mutex_lock(&vm->commit_lock);
			simgpu_bo_commit(bo);
			mutex_unlock(&vm->commit_lock);
		}
		drm_userptr_notifier_unlock(&vm->domain);
		if (err != -EAGAIN || attempt >= 100 * SIMGPU_EXEC_RETRIES)
			break;
		simgpu_stat_inc(vm->sdev, SIMGPU_STAT_RETRIES);
	}
	drm_gem_object_put(&bo->base);
	return err ? -EFAULT : 0;
}

/* Populate every bound BO of the VM that needs it; errors show at commit. */
static void simgpu_vm_populate_all(struct simgpu_vm *vm)
{
	struct simgpu_bo *bo, *prev = NULL;

	spin_lock(&vm->bo_lock);
	list_for_each_entry(bo, &vm->bo_list, vm_link) {
		if (list_empty(&bo->vmas) || drm_userptr_is_valid(&bo->uptr) ||
		    !kref_get_unless_zero(&bo->base.refcount))
			continue;
		/* The reference keeps @bo, and our place, on the list. */
		spin_unlock(&vm->bo_lock);
		if (prev)
			drm_gem_object_put(&prev->base);
		simgpu_bo_populate(bo);
		prev = bo;
		spin_lock(&vm->bo_lock);
	}
	spin_unlock(&vm->bo_lock);
	if (prev)
		drm_gem_object_put(&prev->base);
}

/**
 * simgpu_vm_queue_rebind() - queue a VM's rebind worker
 * @vm: the VM; the caller holds a reference, for instance through a BO
 *
 * The worker may drop the last references to the VM's BOs, and through
 * them to the VM: it holds a reference of its own until it is done.
 */
void simgpu_vm_queue_rebind(struct simgpu_vm *vm)
{
	kref_get(&vm->ref);
	if (!queue_work(system_unbound_wq, &vm->rebind_work))
		simgpu_vm_put(vm);
}

/**
 * simgpu_vm_rebind_work() - repopulate a preempted VM and resume it
 * @work: &simgpu_vm.rebind_work
 *
 * Resumes the context once every bound userptr is valid and committed, or
 * cannot be (not mapped, or still failing after the retries: the job then
 * takes an unrecoverable fault on it).
 */
void simgpu_vm_rebind_work(struct work_struct *work)
{
	struct simgpu_vm *vm = container_of(work, struct simgpu_vm,
					    rebind_work);
	struct simgpu_vma *vma;
	unsigned int attempt;
	bool again;
	int err;

	for (attempt = 0; ; attempt++) {
		simgpu_vm_populate_all(vm);

		again = false;
		drm_userptr_notifier_lock(&vm->domain);
		mutex_lock(&vm->commit_lock);
		list_for_each_entry(vma, &vm->vma_list, vm_link) {
			err = drm_userptr_check_valid(&vma->bo->uptr);
			if (!err)
				simgpu_vma_commit(vma);
			else if (err == -EAGAIN)
				again = true;
		}
		if (!again || attempt >= SIMGPU_EXEC_RETRIES)
			simgpu_preempt_resume(vm);
		mutex_unlock(&vm->commit_lock);
		drm_userptr_notifier_unlock(&vm->domain);

		if (!again || attempt >= SIMGPU_EXEC_RETRIES)
			break;
		simgpu_stat_inc(vm->sdev, SIMGPU_STAT_RETRIES);
	}
	/* Last: this may free the VM, and the work item with it. */
	simgpu_vm_put(vm);
}
