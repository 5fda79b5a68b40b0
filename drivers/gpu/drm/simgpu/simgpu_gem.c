// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * Userptr GEM objects of a simulated GPU.
 */

#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_file.h>

#include "simgpu_drv.h"

static void simgpu_bo_free(struct drm_gem_object *obj)
{
	struct simgpu_bo *bo = to_simgpu_bo(obj);
	struct simgpu_vm *vm = bo->vm;

	WARN_ON(!list_empty(&bo->vmas));
	if (bo->legacy)
		simgpu_legacy_mn_remove(bo);
	spin_lock(&vm->bo_lock);
	list_del(&bo->vm_link);
	spin_unlock(&vm->bo_lock);
	drm_userptr_fini(&bo->uptr);
	drm_gem_object_release(obj);
	atomic_dec(&vm->num_bos);
	kfree(bo);
	simgpu_vm_put(vm);
}

/*
 * A userptr BO maps one process's memory under its VM's notifier lock:
 * another VM, GPU or driver could neither follow its invalidations nor be
 * allowed that memory.
 */
static struct dma_buf *simgpu_bo_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EPERM);
}

static const struct drm_gem_object_funcs simgpu_gem_funcs = {
	.free = simgpu_bo_free,
	.export = simgpu_bo_export,
};

/**
 * simgpu_bo_create() - create a userptr BO in a VM
 * @vm: the VM
 * @addr: first user address, page aligned, in the calling process
 * @size: bytes, page aligned
 * @flags: %DRM_SIMGPU_USERPTR_READ_ONLY, %DRM_SIMGPU_USERPTR_POPULATE
 *
 * Return: the BO with one reference, or an ERR_PTR(): -EINVAL for bad
 * arguments, -ESRCH without a process mm, -ERESTARTSYS, the errors of
 * drm_userptr_init() and, with %DRM_SIMGPU_USERPTR_POPULATE, of
 * drm_userptr_populate().
 */
struct simgpu_bo *simgpu_bo_create(struct simgpu_vm *vm, u64 addr, u64 size,
				   u32 flags)
{
	bool read_only = flags & DRM_SIMGPU_USERPTR_READ_ONLY;
	struct simgpu_bo *bo;
	u64 end;
	int err;

	if (flags & ~(DRM_SIMGPU_USERPTR_READ_ONLY |
		      DRM_SIMGPU_USERPTR_POPULATE) ||
	    !size || size > SIMGPU_MAX_BO_SIZE ||
	    !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) ||
	    check_add_overflow(addr, size, &end) || end > TASK_SIZE)
		return ERR_PTR(-EINVAL);
	if (!current->mm)
		return ERR_PTR(-ESRCH);

	bo = kzalloc(sizeof(*bo), SIMGPU_USER_GFP);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	drm_gem_private_object_init(&vm->sdev->drm, &bo->base, size);
	bo->base.funcs = &simgpu_gem_funcs;
	bo->read_only = read_only;
	INIT_LIST_HEAD(&bo->vmas);
	INIT_LIST_HEAD(&bo->legacy_link);
	INIT_LIST_HEAD(&bo->preempt_link);

	if (mutex_lock_interruptible(&vm->lock)) {
		err = -ERESTARTSYS;
		goto err_release;
	}
	err = drm_userptr_init(&bo->uptr, &vm->domain, current->mm, addr, size,
			       read_only ? DRM_USERPTR_READ_ONLY : 0);
	if (err) {
		mutex_unlock(&vm->lock);
		goto err_release;
	}
	bo->vm = vm;
	kref_get(&vm->ref);
	atomic_inc(&vm->num_bos);
	spin_lock(&vm->bo_lock);
	list_add_tail(&bo->vm_link, &vm->bo_list);
	spin_unlock(&vm->bo_lock);
	err = vm->legacy_mn ? simgpu_legacy_mn_add(bo) : 0;
	mutex_unlock(&vm->lock);
	if (err) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(err);
	}

	if (flags & DRM_SIMGPU_USERPTR_POPULATE) {
		err = simgpu_bo_populate(bo);
		if (err) {
			drm_gem_object_put(&bo->base);
			return ERR_PTR(err);
		}
	}
	return bo;

err_release:
	drm_gem_object_release(&bo->base);
	kfree(bo);
	return ERR_PTR(err);
}

/**
 * simgpu_userptr_ioctl() - DRM_IOCTL_SIMGPU_USERPTR
 * @drm: the device
 * @data: &struct drm_simgpu_userptr
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_simgpu_userptr.
 */
int simgpu_userptr_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct drm_simgpu_userptr *args = data;
	struct simgpu_bo *bo;
	u32 handle;
	int err;

	bo = simgpu_bo_create(file->driver_priv, args->addr, args->size,
			      args->flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	err = drm_gem_handle_create(file, &bo->base, &handle);
	drm_gem_object_put(&bo->base);
	if (err)
		return err;
	args->handle = handle;
	return 0;
}
