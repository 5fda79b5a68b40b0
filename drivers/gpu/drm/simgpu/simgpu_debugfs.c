// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * debugfs of a simulated GPU: counters, latency histograms and the
 * drm_userptr counters of each VM, and the pinning baseline of the populate
 * benchmark.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

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
	enum simgpu_stat stat;

	for (stat = 0; stat < SIMGPU_NUM_STATS; stat++)
		seq_printf(m, "%s: %llu\n", simgpu_stat_descs[stat].name,
			   simgpu_stat_read(sdev, stat));
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

/*
 * simgpu_pin_bench, the baseline of the populate benchmark: writing
 * "ADDR SIZE" pins [ADDR, ADDR + SIZE) of the writer's memory with
 * pin_user_pages_fast(), DMA-maps every page for the GPU, then unmaps and
 * unpins everything. That is what a driver that pins userptrs does; the
 * benchmark times it against drm_userptr_populate() in the same run.
 */
static int simgpu_pin_and_map(struct device *dev, unsigned long addr,
			      unsigned long npages)
{
	unsigned long pinned = 0, mapped = 0, i;
	struct page **pages;
	dma_addr_t *dma;
	int n, err = 0;

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	dma = kvmalloc_array(npages, sizeof(*dma), GFP_KERNEL);
	if (!pages || !dma) {
		err = -ENOMEM;
		goto out;
	}
	while (pinned < npages) {
		n = pin_user_pages_fast(addr + (pinned << PAGE_SHIFT),
					min(npages - pinned, 1UL << 20),
					FOLL_WRITE, pages + pinned);
		if (n <= 0) {
			err = n ? n : -EFAULT;
			break;
		}
		pinned += n;
	}
	for (; !err && mapped < pinned; mapped++) {
		dma[mapped] = dma_map_page(dev, pages[mapped], 0, PAGE_SIZE,
					   DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, dma[mapped]))
			err = -EFAULT;
	}
	if (err && mapped)
		mapped--;	/* the one that failed */
	for (i = 0; i < mapped; i++)
		dma_unmap_page(dev, dma[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
	unpin_user_pages(pages, pinned);
out:
	kvfree(dma);
	kvfree(pages);
	return err;
}

static ssize_t simgpu_pin_bench_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct simgpu_device *sdev = file->private_data;
	unsigned long addr, size;
	char buf[64];
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%lx %lu", &addr, &size) != 2 || !size ||
	    !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) ||
	    size > SIMGPU_MAX_BO_SIZE)
		return -EINVAL;
	err = simgpu_pin_and_map(sdev->drm.dev, addr, size >> PAGE_SHIFT);
	return err ? err : len;
}

static const struct file_operations simgpu_pin_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = simgpu_pin_bench_write,
};

/**
 * simgpu_debugfs_init() - register a GPU's debugfs files
 * @sdev: the GPU, before drm_dev_register()
 */
void simgpu_debugfs_init(struct simgpu_device *sdev)
{
	drm_debugfs_add_file(&sdev->drm, "simgpu_stats",
			     simgpu_debugfs_stats_show, NULL);
	debugfs_create_file("simgpu_pin_bench", 0200, sdev->drm.debugfs_root,
			    sdev, &simgpu_pin_bench_fops);
}
