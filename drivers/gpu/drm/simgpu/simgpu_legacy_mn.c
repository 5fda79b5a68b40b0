// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * A BENCHMARK BASELINE ONLY: the userptr locking scheme drm_userptr
 * replaces, as amdgpu_mn had it before interval notifiers.
 */

#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "simgpu_drv.h"

/**
 * DOC: legacy notifier baseline
 *
 * VMs configured with %DRM_SIMGPU_VM_LEGACY_MN handle invalidations the way
 * amdgpu_mn did: one whole-mm &struct mmu_notifier per GPU and process.
 * Its invalidate_range_start takes the process's lock in read mode, walks
 * every legacy BO of the process on this GPU, and for each one the range
 * touches zaps it and waits for the GPU (the VM's mode decides what that
 * means, as in simgpu_bo_invalidate_start() and _finish()); its
 * invalidate_range_end drops the lock. Exec takes the lock in write mode
 * while it checks and commits. The drm_userptr notifier of the BO still
 * tracks validity, but leaves the waiting to this one.
 *
 * Whole-mm notifiers run one after another, so N GPUs are waited for in
 * turn; every invalidation of the process, even of memory no BO uses,
 * walks the BO list; and exec and invalidation exclude each other. That
 * is what the benchmarks compare against.
 */

/**
 * struct simgpu_legacy_mn - the legacy notifier of one process on one GPU
 */
struct simgpu_legacy_mn {
	/** @mn: the whole-mm notifier. */
	struct mmu_notifier mn;
	/** @sdev: the GPU. */
	struct simgpu_device *sdev;
	/**
	 * @lock: read mode from invalidate_range_start to _end, write mode
	 * in exec and while @bos changes. Held across the two callbacks, so
	 * it is taken with down_read_non_owner() as amdgpu_mn did: lockdep
	 * cannot follow a lock that spans the core's own invalidation lockdep
	 * map (it reports the two as taken in both orders). This is the
	 * weakness of the scheme the benchmarks compare against.
	 */
	struct rw_semaphore lock;
	/** @read_lock: serialises taking and counting the read side. */
	struct mutex read_lock;
	/** @recursion: invalidations holding the read side. */
	atomic_t recursion;
	/** @bos: the process's legacy BOs on the GPU; under @lock. */
	struct list_head bos;
	/** @users: BOs using it; under &simgpu_device.legacy_lock. */
	unsigned int users;
	/** @sdev_link: in &simgpu_device.legacy_mns. */
	struct list_head sdev_link;
};

static struct simgpu_legacy_mn *to_legacy_mn(struct mmu_notifier *mn)
{
	return container_of(mn, struct simgpu_legacy_mn, mn);
}

static bool simgpu_legacy_overlaps(const struct simgpu_bo *bo,
				   unsigned long start, unsigned long end)
{
	return bo->uptr.start < end &&
	       start < bo->uptr.start + drm_userptr_size(&bo->uptr);
}

static int
simgpu_legacy_invalidate_range_start(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	struct simgpu_legacy_mn *lmn = to_legacy_mn(mn);
	bool blockable = mmu_notifier_range_blockable(range);
	struct simgpu_bo *bo;

	if (blockable)
		mutex_lock(&lmn->read_lock);
	else if (!mutex_trylock(&lmn->read_lock))
		return -EAGAIN;
	if (atomic_inc_return(&lmn->recursion) == 1)
		down_read_non_owner(&lmn->lock);
	mutex_unlock(&lmn->read_lock);

	list_for_each_entry(bo, &lmn->bos, legacy_link) {
		if (!simgpu_legacy_overlaps(bo, range->start, range->end))
			continue;
		if (!blockable) {
			/* No invalidate_range_end follows a failed start. */
			if (atomic_dec_return(&lmn->recursion) == 0)
				up_read_non_owner(&lmn->lock);
			return -EAGAIN;
		}
		simgpu_bo_invalidate_start(bo);
		simgpu_bo_invalidate_finish(bo);
	}
	/* Held until invalidate_range_end. */
	return 0;
}

static void
simgpu_legacy_invalidate_range_end(struct mmu_notifier *mn,
				   const struct mmu_notifier_range *range)
{
	struct simgpu_legacy_mn *lmn = to_legacy_mn(mn);

	if (atomic_dec_return(&lmn->recursion) == 0)
		up_read_non_owner(&lmn->lock);
}

static void simgpu_legacy_release(struct mmu_notifier *mn,
				  struct mm_struct *mm)
{
	struct simgpu_legacy_mn *lmn = to_legacy_mn(mn);
	struct simgpu_bo *bo;

	down_read(&lmn->lock);
	list_for_each_entry(bo, &lmn->bos, legacy_link) {
		simgpu_bo_invalidate_start(bo);
		simgpu_bo_invalidate_finish(bo);
	}
	up_read(&lmn->lock);
}

static const struct mmu_notifier_ops simgpu_legacy_mn_ops = {
	.invalidate_range_start = simgpu_legacy_invalidate_range_start,
	.invalidate_range_end = simgpu_legacy_invalidate_range_end,
	.release = simgpu_legacy_release,
};

/**
 * simgpu_legacy_mn_add() - put a new BO under its process's legacy notifier
 * @bo: the BO, its userptr initialised
 *
 * Registers the notifier for the process and GPU if it is the first.
 *
 * Return: 0, -ENOMEM, or the error of mmu_notifier_register().
 */
int simgpu_legacy_mn_add(struct simgpu_bo *bo)
{
	struct simgpu_device *sdev = bo->vm->sdev;
	struct mm_struct *mm = bo->uptr.notifier.mm;
	struct simgpu_legacy_mn *lmn;
	int err = 0;

	mutex_lock(&sdev->legacy_lock);
	list_for_each_entry(lmn, &sdev->legacy_mns, sdev_link)
		if (lmn->mn.mm == mm)
			goto found;

	lmn = kzalloc(sizeof(*lmn), GFP_KERNEL);
	if (!lmn) {
		err = -ENOMEM;
		goto out;
	}
	lmn->sdev = sdev;
	lmn->mn.ops = &simgpu_legacy_mn_ops;
	init_rwsem(&lmn->lock);
	mutex_init(&lmn->read_lock);
	INIT_LIST_HEAD(&lmn->bos);
	err = mmu_notifier_register(&lmn->mn, mm);
	if (err) {
		kfree(lmn);
		goto out;
	}
	list_add(&lmn->sdev_link, &sdev->legacy_mns);
found:
	lmn->users++;
	down_write(&lmn->lock);
	list_add(&bo->legacy_link, &lmn->bos);
	up_write(&lmn->lock);
	bo->legacy = lmn;
out:
	mutex_unlock(&sdev->legacy_lock);
	return err;
}

/**
 * simgpu_legacy_mn_remove() - take a BO from its legacy notifier
 * @bo: the BO
 *
 * Unregisters the notifier with its last BO.
 */
void simgpu_legacy_mn_remove(struct simgpu_bo *bo)
{
	struct simgpu_legacy_mn *lmn = bo->legacy;
	struct simgpu_device *sdev = lmn->sdev;
	bool last;

	down_write(&lmn->lock);
	list_del(&bo->legacy_link);
	up_write(&lmn->lock);
	bo->legacy = NULL;

	mutex_lock(&sdev->legacy_lock);
	last = !--lmn->users;
	if (last)
		list_del(&lmn->sdev_link);
	mutex_unlock(&sdev->legacy_lock);
	if (last) {
		mmu_notifier_unregister(&lmn->mn, lmn->mn.mm);
		kfree(lmn);
	}
}

/**
 * simgpu_legacy_mn_lock_bos() - exec's side of the legacy lock
 * @bos: the job's BOs, all of a legacy VM
 * @n: how many
 *
 * Takes the write side of the lock of the BOs' process, excluding
 * invalidations until simgpu_legacy_mn_unlock_bos().
 *
 * Return: 0; -EINVAL if the BOs belong to more than one process (the
 * baseline does not order several such locks).
 */
int simgpu_legacy_mn_lock_bos(struct drm_gem_object **bos, unsigned int n)
{
	struct simgpu_legacy_mn *lmn = n ? to_simgpu_bo(bos[0])->legacy : NULL;
	unsigned int i;

	for (i = 1; i < n; i++)
		if (to_simgpu_bo(bos[i])->legacy != lmn)
			return -EINVAL;
	if (lmn)
		down_write(&lmn->lock);
	return 0;
}

/**
 * simgpu_legacy_mn_unlock_bos() - release simgpu_legacy_mn_lock_bos()
 * @bos: the job's BOs
 * @n: how many
 */
void simgpu_legacy_mn_unlock_bos(struct drm_gem_object **bos, unsigned int n)
{
	if (n)
		up_write(&to_simgpu_bo(bos[0])->legacy->lock);
}
