// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * debugfs of a simulated GPU: counters, latency histograms and the
 * drm_userptr counters of each VM.
 */

#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_print.h>

#include "simgpu_drv.h"

static void simgpu_hist_show(struct seq_file *m, const char *name,
			     const struct simgpu_hist *hist)
{
	unsigned int i;

	seq_printf(m, "%s_total_ns: %lld\n", name,
		   atomic64_read(&hist->total_ns));
	seq_printf(m, "%s_us:", name);
	for (i = 0; i < SIMGPU_HIST_BUCKETS; i++)
		seq_printf(m, " <%lu:%lld", 1UL << i,
			   atomic64_read(&hist->bucket[i]));
	seq_puts(m, "\n");
}

static int simgpu_debugfs_stats_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct simgpu_device *sdev = to_simgpu_device(entry->dev);
	struct simgpu_stats *s = &sdev->stats;
	struct drm_printer p = drm_seq_file_printer(m);
	struct simgpu_vm *vm;

	seq_printf(m, "stale_translations: %lld\n", atomic64_read(&s->stale_translations));
	seq_printf(m, "stale_pages: %lld\n", atomic64_read(&s->stale_pages));
	seq_printf(m, "invalidations: %lld\n", atomic64_read(&s->invalidations));
	seq_printf(m, "tlb_flushes: %lld\n", atomic64_read(&s->tlb_flushes));
	seq_printf(m, "preemptions: %lld\n", atomic64_read(&s->preemptions));
	seq_printf(m, "page_faults: %lld\n", atomic64_read(&s->page_faults));
	seq_printf(m, "populates: %lld\n", atomic64_read(&s->populates));
	seq_printf(m, "retries: %lld\n", atomic64_read(&s->retries));
	seq_printf(m, "eagain: %lld\n", atomic64_read(&s->eagain));
	seq_printf(m, "jobs: %lld\n", atomic64_read(&s->jobs));
	seq_printf(m, "job_errors: %lld\n", atomic64_read(&s->job_errors));
	seq_printf(m, "bytes: %lld\n", atomic64_read(&s->bytes));
	simgpu_hist_show(m, "invalidate_start", &s->start_time);
	simgpu_hist_show(m, "invalidate_finish_wait", &s->finish_wait);

	mutex_lock(&sdev->vms_lock);
	list_for_each_entry(vm, &sdev->vms, sdev_link) {
		seq_printf(m, "vm %llu: mode %u%s, %d BOs, %d jobs in flight\n",
			   vm->id, READ_ONCE(vm->mode),
			   vm->single_pass ? " single-pass" : "",
			   atomic_read(&vm->num_bos),
			   atomic_read(&vm->jobs_in_flight));
		drm_userptr_domain_print_stats(&vm->domain, &p);
	}
	mutex_unlock(&sdev->vms_lock);
	return 0;
}

/**
 * simgpu_debugfs_init() - register a GPU's debugfs files
 * @sdev: the GPU, before drm_dev_register()
 */
void simgpu_debugfs_init(struct simgpu_device *sdev)
{
	drm_debugfs_add_file(&sdev->drm, "simgpu_stats",
			     simgpu_debugfs_stats_show, NULL);
}
