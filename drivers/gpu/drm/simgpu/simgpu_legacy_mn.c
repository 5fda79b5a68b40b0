// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * A BENCHMARK BASELINE ONLY: the userptr locking scheme drm_userptr
 * replaces, as amdgpu_mn had it before interval notifiers.
 */

#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>
#include <linux/slab.h>

#include "simgpu_drv.h"

/**
 * DOC: legacy notifier baseline
 *
 * VMs configured with %DRM_SIMGPU_VM_LEGACY_MN handle invalidations the way
 * amdgpu_mn did: one whole-mm &struct mmu_notifier per GPU and process,
 * whose invalidate_range_start takes the process's lock in read mode and
 * walks every legacy BO of the process on this GPU, on every invalidation
 * of the process, even of memory no BO uses. Exec takes the lock in write
 * mode while it checks and commits, so exec and invalidation exclude each
 * other.
 *
 * The BOs' own drm_userptr notifiers track validity and wait for the GPU,
 * in a single-pass domain: each BO is waited for right after its start,
 * before the next BO is invalidated, as in the whole-mm walk, and before
 * the helper drops its DMA mappings. The core runs interval notifiers
 * before whole-mm ones, so a wait in the whole-mm notifier would come
 * after the mappings are gone. N GPUs are thus waited for in turn. That
 * is what the benchmarks compare against.
 *
 * The lock is held only inside invalidate_range_start, which has no
 * invalidate_range_end: the core forbids a notifier with one to fail, and
 * on a range that must not block (the OOM reaper's) this one fails with
 * -EAGAIN when the lock is taken, without sleeping. Its BOs' interval
 * notifiers have refused such a range before this runs if they overlap
 * it.
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
	 * @lock: read mode in invalidate_range_start, write mode in exec and
	 * while @bos changes. Nothing that reclaims memory or takes the
	 * mmap_lock runs under it in write mode.
	 */
	struct rw_semaphore lock;
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
	unsigned long bo_start = drm_userptr_start(&bo->uptr);

	return bo_start < end &&
	       start < bo_start + drm_userptr_size(&bo->uptr);
}

static int
simgpu_legacy_invalidate_range_start(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	struct simgpu_legacy_mn *lmn = to_legacy_mn(mn);
	unsigned long overlapping = 0;
	struct simgpu_bo *bo;

	if (mmu_notifier_range_blockable(range))
		down_read(&lmn->lock);
	else if (!down_read_trylock(&lmn->lock))
		return -EAGAIN;
	/*
	 * The baseline's cost: every BO of the process, every time. The
	 * overlapping ones were waited for by their interval notifiers.
	 */
	list_for_each_entry(bo, &lmn->bos, legacy_link)
		overlapping += simgpu_legacy_overlaps(bo, range->start,
						      range->end);
	up_read(&lmn->lock);
	simgpu_stat_add(lmn->sdev, SIMGPU_STAT_LEGACY_OVERLAPS, overlapping);
	return 0;
}

static const struct mmu_notifier_ops simgpu_legacy_mn_ops = {
	.invalidate_range_start = simgpu_legacy_invalidate_range_start,
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
	struct mm_struct *mm = drm_userptr_mm(&bo->uptr);
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
