// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 */

#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>

#include "simgpu_drv.h"

/**
 * DOC: simgpu
 *
 * simgpu is a DRM driver for simulated GPUs, the reference driver of
 * drm_userptr. Its "hardware" runs in the kernel and is modelled where
 * userptr correctness lives:
 *
 * - Each GPU is a platform device with a 64-bit DMA mask and a render node;
 *   drm_userptr DMA-maps the pages for it, and the engines read and write
 *   memory only through those DMA addresses.
 * - Each open file is a VM with a two-level device page table: bindings
 *   (&struct simgpu_vma) found by GPU page number, each holding one PTE per
 *   page. Each engine has a small direct-mapped TLB tagged by VM.
 * - Jobs are scheduled with drm_sched, one entity per VM and engine, and
 *   run in the VM's context (an ordered workqueue), so several VMs run on a
 *   GPU at once.
 * - TLB flushes and context preemptions complete asynchronously, after the
 *   ``tlb_flush_latency_us`` and ``preempt_latency_us`` module parameters,
 *   from hrtimers. A flush cannot complete while an engine is in the middle
 *   of a page access; a preemption completes at the first page-access
 *   boundary after its latency.
 * - A stale-access oracle checks every page access: through a translation
 *   whose invalidation had finished (&drm_simgpu_stats.stale_translations),
 *   or to a page other than the one the CPU maps at that address
 *   (&drm_simgpu_stats.stale_pages, looked up without faulting).
 *
 * The three invalidation modes are described in the uapi header. All use
 * drm_userptr's two steps: see simgpu_invalidate.c.
 */

/**
 * DOC: simgpu locking
 *
 * Outermost first; a lock is only taken while holding those above it.
 *
 * 1. &simgpu_vm.lock (mutex, process context): config, userptr creation,
 *    bind, unbind, close and exec of one VM.
 * 2. &simgpu_device.legacy_lock (mutex): the device's legacy notifiers.
 *    Held while a legacy-baseline BO joins its process's notifier, across
 *    the allocation and mmu_notifier_register(), which takes the mmap_lock.
 * 3. The mmap_lock: read mode around populations (hmm_range_fault()), in
 *    exec, the fault handler and the rebind worker; write mode in
 *    mmu_notifier_register().
 * 4. The BOs' reservations, in one drm_exec section (exec only).
 * 5. &simgpu_legacy_mn.lock (rw_semaphore): exec of a legacy-baseline VM
 *    takes it in write mode, as does a BO joining or leaving; the
 *    whole-mm notifier takes it in read mode, never sleeping on a range
 *    that must not block.
 * 6. The domain's notifier lock (drm_userptr_notifier_lock()): read mode
 *    around every commit of PTEs (exec, bind, the fault handler, the
 *    rebind worker); the helper takes it in write mode around the
 *    invalidate_start steps, inside the mmu notifier, where nothing may
 *    allocate or wait for the GPU.
 * 7. &simgpu_vm.commit_lock (mutex): writers of the bindings' PTEs and of
 *    the binding lists: commits, and the removal of bindings (unbind,
 *    close), which takes it without the notifier lock. Nothing under it
 *    allocates.
 * 8. &simgpu_preempt.lock (spinlock, irqsave): the preemption state and
 *    &simgpu_preempt.pending. Taken from the preemption hrtimer, whose
 *    completion zaps the pending BOs under it.
 * 9. &simgpu_engine.tlb_lock (spinlock, irqsave): one engine's TLB, held
 *    across each page access, so that a completed TLB flush (which takes
 *    it from the flush hrtimer) means no access through an old
 *    translation is in flight.
 * 10. &simgpu_vm.pt_lock (spinlock, irqsave): the page table
 *     (&simgpu_vma.present, .zap_count, .zap_marks) and the zap state of
 *     each BO: &simgpu_bo.zap_first, .zap_end, .zapped and .flush_seq. A
 *     start adds to the span and clears @zapped, a zap empties the span,
 *     requests the flush, records it in @flush_seq and sets @zapped, each
 *     in one critical section; so after a finish, @zapped is true and
 *     @flush_seq names a completed flush that covers every zap the
 *     invalidation needed. A finish reads @zapped without the lock: true
 *     means that a zap after its own start took its pages (pages a later
 *     start added are that start's finish's to zap). In preempt mode the
 *     finish reads it again under &simgpu_preempt.lock, which the
 *     completion of a preemption holds while it zaps.
 * 11. &simgpu_flush.lock (spinlock, irqsave): a GPU's flush requests; the
 *     flush hrtimer takes it after, not inside, the TLB locks.
 *
 * Leaves, under which nothing else is taken: &simgpu_vm.bo_lock (the VM's
 * BO list), &simgpu_vm.jobs_lock (its job fences),
 * &simgpu_engine.fence_lock (hardware fences), &simgpu_device.vms_lock
 * (a mutex, the device's list of VMs) and the DMA oracle's xarray.
 *
 * &simgpu_bo.inval_start_ns is a timestamp for the statistics only, written
 * by each start and read by each finish without a lock.
 */

static struct platform_device *simgpu_pdevs[SIMGPU_MAX_GPUS];

unsigned int simgpu_num_gpus = 4;
module_param_named(num_gpus, simgpu_num_gpus, uint, 0444);
MODULE_PARM_DESC(num_gpus, "Number of simulated GPUs, 1 to 16 (default 4)");

unsigned int simgpu_num_engines = 2;
module_param_named(num_engines, simgpu_num_engines, uint, 0444);
MODULE_PARM_DESC(num_engines, "Engines per GPU, 1 to 4 (default 2)");

unsigned int simgpu_tlb_flush_latency_us = 100;
module_param_named(tlb_flush_latency_us, simgpu_tlb_flush_latency_us, uint, 0644);
MODULE_PARM_DESC(tlb_flush_latency_us,
		 "Time a TLB flush takes, in microseconds (default 100; writable)");

unsigned int simgpu_preempt_latency_us = 500;
module_param_named(preempt_latency_us, simgpu_preempt_latency_us, uint, 0644);
MODULE_PARM_DESC(preempt_latency_us,
		 "Time a context preemption takes, in microseconds (default 500; writable)");

unsigned int simgpu_default_mode = DRM_SIMGPU_MODE_WAIT_IDLE;
module_param_named(mode, simgpu_default_mode, uint, 0444);
MODULE_PARM_DESC(mode,
		 "Default invalidation mode: 1 wait-idle (default), 2 preempt, 3 fault");

unsigned int simgpu_job_timeout_ms = SIMGPU_DEFAULT_JOB_TIMEOUT_MS;

/* Every engine's schedulers time jobs out after the new value from now on. */
static int simgpu_job_timeout_set(const char *val, const struct kernel_param *kp)
{
	struct simgpu_device *sdev;
	unsigned int i, e, ms;
	int err;

	err = kstrtouint(val, 0, &ms);
	if (err)
		return err;
	if (!ms || ms > SIMGPU_MAX_JOB_TIMEOUT_MS)
		return -EINVAL;
	WRITE_ONCE(simgpu_job_timeout_ms, ms);
	for (i = 0; i < ARRAY_SIZE(simgpu_pdevs); i++) {
		sdev = simgpu_pdevs[i] ? platform_get_drvdata(simgpu_pdevs[i]) : NULL;
		if (!sdev)
			continue;
		for (e = 0; e < sdev->num_engines; e++)
			simgpu_engine_set_timeout(&sdev->engines[e], ms);
	}
	return 0;
}

static const struct kernel_param_ops simgpu_job_timeout_ops = {
	.set = simgpu_job_timeout_set,
	.get = param_get_uint,
};

module_param_cb(job_timeout_ms, &simgpu_job_timeout_ops, &simgpu_job_timeout_ms,
		0644);
MODULE_PARM_DESC(job_timeout_ms,
		 "A job still running after this many milliseconds is stopped with -ETIMEDOUT (default 30000; writable)");

bool simgpu_oracle_cpu_check = true;
module_param_named(oracle_cpu_check, simgpu_oracle_cpu_check, bool, 0644);
MODULE_PARM_DESC(oracle_cpu_check,
		 "Compare every GPU page access with the CPU page table (default on)");

/**
 * simgpu_hist_add() - count a latency in a histogram
 * @hist: the histogram
 * @ns: the latency in nanoseconds
 */
void simgpu_hist_add(struct simgpu_hist *hist, u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);
	unsigned int i = us ? min_t(unsigned int, fls64(us),
				    SIMGPU_HIST_BUCKETS - 1) : 0;

	atomic64_inc(&hist->bucket[i]);
	atomic64_add(ns, &hist->total_ns);
}

static int simgpu_open(struct drm_device *drm, struct drm_file *file)
{
	struct simgpu_vm *vm = simgpu_vm_create(to_simgpu_device(drm));

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	file->driver_priv = vm;
	return 0;
}

static void simgpu_postclose(struct drm_device *drm, struct drm_file *file)
{
	simgpu_vm_close(file->driver_priv);
}

static int simgpu_query_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct simgpu_device *sdev = to_simgpu_device(drm);
	struct simgpu_vm *vm = file->driver_priv;
	struct drm_simgpu_query *q = data;

	memset(q, 0, sizeof(*q));
	q->gpu_index = sdev->index;
	q->num_gpus = simgpu_num_gpus;
	q->num_engines = sdev->num_engines;
	q->tlb_entries = SIMGPU_TLB_ENTRIES;
	q->tlb_flush_latency_us = READ_ONCE(simgpu_tlb_flush_latency_us);
	q->preempt_latency_us = READ_ONCE(simgpu_preempt_latency_us);
	q->default_mode = simgpu_default_mode;
	if (drm_userptr_domain_two_pass(&vm->domain))
		q->flags |= DRM_SIMGPU_QUERY_TWO_PASS;
	q->va_size = 1ULL << SIMGPU_VA_BITS;
	q->max_bo_size = SIMGPU_MAX_BO_SIZE;
	q->max_cmds = SIMGPU_MAX_CMDS;
	q->max_spin_us = SIMGPU_MAX_SPIN_US;
	q->max_bindings = SIMGPU_MAX_BINDINGS;
	q->max_vm_jobs = DRM_SIMGPU_MAX_VM_JOBS;
	return 0;
}

static int simgpu_vm_config_ioctl(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	struct drm_simgpu_vm_config *args = data;

	if (args->reserved)
		return -EINVAL;
	return simgpu_vm_configure(file->driver_priv, args->mode, args->flags);
}

static int simgpu_bind_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct drm_simgpu_bind *args = data;
	struct drm_gem_object *obj;
	int err;

	if (args->reserved || args->flags & ~DRM_SIMGPU_BIND_READ_ONLY)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	err = simgpu_vm_bind(file->driver_priv, to_simgpu_bo(obj),
			     args->gpu_addr, args->flags);
	drm_gem_object_put(obj);
	return err;
}

static int simgpu_unbind_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct drm_simgpu_unbind *args = data;

	if (args->reserved)
		return -EINVAL;
	return simgpu_vm_unbind(file->driver_priv, args->gpu_addr);
}

#define SIMGPU_STAT(stat, field)					\
	[stat] = { #field, offsetof(struct drm_simgpu_stats, field) }

/* The counters as debugfs lists them and STATS reports them. */
const struct simgpu_stat_desc simgpu_stat_descs[SIMGPU_NUM_STATS] = {
	SIMGPU_STAT(SIMGPU_STAT_STALE_TRANSLATIONS, stale_translations),
	SIMGPU_STAT(SIMGPU_STAT_STALE_PAGES, stale_pages),
	SIMGPU_STAT(SIMGPU_STAT_STALE_DMA, stale_dma),
	SIMGPU_STAT(SIMGPU_STAT_INVALIDATIONS, invalidations),
	SIMGPU_STAT(SIMGPU_STAT_TLB_FLUSHES, tlb_flushes),
	SIMGPU_STAT(SIMGPU_STAT_PREEMPTIONS, preemptions),
	SIMGPU_STAT(SIMGPU_STAT_PAGE_FAULTS, page_faults),
	SIMGPU_STAT(SIMGPU_STAT_POPULATES, populates),
	SIMGPU_STAT(SIMGPU_STAT_RETRIES, retries),
	SIMGPU_STAT(SIMGPU_STAT_EAGAIN, eagain),
	SIMGPU_STAT(SIMGPU_STAT_JOBS, jobs),
	SIMGPU_STAT(SIMGPU_STAT_JOB_ERRORS, job_errors),
	SIMGPU_STAT(SIMGPU_STAT_BYTES, bytes),
	SIMGPU_STAT(SIMGPU_STAT_JOB_TIMEOUTS, job_timeouts),
	/* The legacy baseline's, not in the uapi. */
	[SIMGPU_STAT_LEGACY_OVERLAPS] = { "legacy_overlaps", SIZE_MAX },
};

static int simgpu_stats_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct simgpu_device *sdev = to_simgpu_device(drm);
	struct drm_simgpu_stats *out = data;
	enum simgpu_stat stat;

	if (out->flags || out->pad)
		return -EINVAL;
	for (stat = 0; stat < SIMGPU_NUM_STATS; stat++) {
		size_t offset = simgpu_stat_descs[stat].uapi_offset;

		if (offset != SIZE_MAX)
			*(__u64 *)((char *)out + offset) =
				simgpu_stat_read(sdev, stat);
	}
	/* Mappings the DMA oracle saw go wrong are stale DMA too. */
	out->stale_dma += simgpu_dma_oracle_errors(sdev->dma_oracle);
	return 0;
}

/*
 * The ioctls that change a VM or reach the engines run inside
 * drm_dev_enter(): once the device is unplugged they return -ENODEV, and
 * drm_dev_unplug() waits for those in flight. QUERY, WAIT and STATS only
 * read what lives as long as the file.
 */
static int simgpu_guarded(struct drm_device *drm, void *data,
			  struct drm_file *file, drm_ioctl_t *ioctl)
{
	int idx, err;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	err = ioctl(drm, data, file);
	drm_dev_exit(idx);
	return err;
}

static int simgpu_vm_config_guarded(struct drm_device *drm, void *data,
				    struct drm_file *file)
{
	return simgpu_guarded(drm, data, file, simgpu_vm_config_ioctl);
}

static int simgpu_userptr_guarded(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	return simgpu_guarded(drm, data, file, simgpu_userptr_ioctl);
}

static int simgpu_bind_guarded(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	return simgpu_guarded(drm, data, file, simgpu_bind_ioctl);
}

static int simgpu_unbind_guarded(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	return simgpu_guarded(drm, data, file, simgpu_unbind_ioctl);
}

static int simgpu_exec_guarded(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	return simgpu_guarded(drm, data, file, simgpu_exec_ioctl);
}

static const struct drm_ioctl_desc simgpu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(SIMGPU_QUERY, simgpu_query_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_VM_CONFIG, simgpu_vm_config_guarded, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_USERPTR, simgpu_userptr_guarded, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_BIND, simgpu_bind_guarded, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_UNBIND, simgpu_unbind_guarded, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_EXEC, simgpu_exec_guarded, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_WAIT, simgpu_wait_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_STATS, simgpu_stats_ioctl, DRM_RENDER_ALLOW),
};

DEFINE_DRM_GEM_FOPS(simgpu_fops);

static const struct drm_driver simgpu_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ,
	.open = simgpu_open,
	.postclose = simgpu_postclose,
	.ioctls = simgpu_ioctls,
	.num_ioctls = ARRAY_SIZE(simgpu_ioctls),
	.fops = &simgpu_fops,
	.name = "simgpu",
	.desc = "Simulated GPU for drm_userptr",
	.date = "20261121",
	.major = 1,
	.minor = 0,
};

/*
 * Released with the DRM device, after the last VM: the engines run jobs
 * until then, also after the device was unplugged.
 */
static void simgpu_engines_fini(struct drm_device *drm, void *data)
{
	struct simgpu_device *sdev = data;
	unsigned int i;

	for (i = 0; i < sdev->num_engines; i++)
		simgpu_engine_fini(&sdev->engines[i]);
	hrtimer_cancel(&sdev->flush.timer);
}

static int simgpu_probe(struct platform_device *pdev)
{
	struct simgpu_device *sdev;
	unsigned int i;
	int err;

	err = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;

	sdev = devm_drm_dev_alloc(&pdev->dev, &simgpu_driver,
				  struct simgpu_device, drm);
	if (IS_ERR(sdev))
		return PTR_ERR(sdev);
	sdev->index = pdev->id;
	sdev->dma_oracle = simgpu_dma_oracle_get(&pdev->dev, pdev->id);
	sdev->num_engines = clamp(simgpu_num_engines, 1U, SIMGPU_MAX_ENGINES);
	mutex_init(&sdev->vms_lock);
	INIT_LIST_HEAD(&sdev->vms);
	mutex_init(&sdev->legacy_lock);
	INIT_LIST_HEAD(&sdev->legacy_mns);
	simgpu_flush_init(sdev);

	for (i = 0; i < sdev->num_engines; i++) {
		err = simgpu_engine_init(sdev, i);
		if (err) {
			while (i--)
				simgpu_engine_fini(&sdev->engines[i]);
			return err;
		}
	}
	err = drmm_add_action_or_reset(&sdev->drm, simgpu_engines_fini, sdev);
	if (err)
		return err;

	simgpu_debugfs_init(sdev);
	platform_set_drvdata(pdev, sdev);
	return drm_dev_register(&sdev->drm, 0);
}

/*
 * Unbind or unload with files open: no new ioctl gets in (-ENODEV), those
 * in flight finish first, and the VMs, their jobs and the engines live on
 * until the last VM is released.
 */
static void simgpu_remove(struct platform_device *pdev)
{
	struct simgpu_device *sdev = platform_get_drvdata(pdev);

	drm_dev_unplug(&sdev->drm);
}

static struct platform_driver simgpu_platform_driver = {
	.probe = simgpu_probe,
	.remove_new = simgpu_remove,
	.driver = {
		.name = "simgpu",
	},
};

static void simgpu_unregister_devices(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(simgpu_pdevs); i++) {
		if (simgpu_pdevs[i])
			platform_device_unregister(simgpu_pdevs[i]);
		simgpu_pdevs[i] = NULL;
	}
}

static int __init simgpu_init(void)
{
	unsigned int i;
	int err;

	if (!simgpu_num_gpus || simgpu_num_gpus > SIMGPU_MAX_GPUS ||
	    !simgpu_num_engines || simgpu_num_engines > SIMGPU_MAX_ENGINES ||
	    simgpu_default_mode < DRM_SIMGPU_MODE_WAIT_IDLE ||
	    simgpu_default_mode > DRM_SIMGPU_MODE_FAULT) {
		pr_err("simgpu: invalid module parameters\n");
		return -EINVAL;
	}

	err = simgpu_dma_oracle_register();
	if (err)
		return err;
	err = platform_driver_register(&simgpu_platform_driver);
	if (err) {
		simgpu_dma_oracle_unregister();
		return err;
	}

	for (i = 0; i < simgpu_num_gpus; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple("simgpu", i, NULL, 0);
		if (IS_ERR(pdev)) {
			err = PTR_ERR(pdev);
			goto err_unregister;
		}
		simgpu_pdevs[i] = pdev;
		if (!platform_get_drvdata(pdev)) {
			err = -ENODEV;
			goto err_unregister;
		}
	}
	return 0;

err_unregister:
	simgpu_unregister_devices();
	platform_driver_unregister(&simgpu_platform_driver);
	simgpu_dma_oracle_unregister();
	return err;
}

static void __exit simgpu_exit(void)
{
	simgpu_unregister_devices();
	platform_driver_unregister(&simgpu_platform_driver);
	simgpu_dma_oracle_unregister();
}

module_init(simgpu_init);
module_exit(simgpu_exit);

MODULE_DESCRIPTION("Simulated GPUs for the DRM userptr helpers");
MODULE_LICENSE("Dual MIT/GPL");
