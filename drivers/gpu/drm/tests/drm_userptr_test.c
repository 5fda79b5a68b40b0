// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit tests for drm_userptr, with a fake GPU on real user memory.
 *
 * Each test maps memory into the KUnit thread's mm (kunit_vm_mmap()), and
 * changes it through the real mm paths (munmap, mprotect, MADV_DONTNEED, a
 * COW fault). The fake GPU has a DMA-capable device, so the helper's DMA
 * mappings are real and the data behind them is read back; its TLB flush
 * completes asynchronously from an hrtimer, as a GPU's would.
 */
#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/dma-mapping.h>
#include <linux/hmm.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagewalk.h>
#include <linux/moduleparam.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>

#include <drm/drm_kunit_mm.h>
#include <drm/drm_print.h>
#include <drm/drm_userptr.h>

#define FAKE_PAGES		16
#define FAKE_LEN		(FAKE_PAGES * PAGE_SIZE)
#define FAKE_MAX_EVENTS		16
#define FAKE_FLUSH_US		2000

/* The order in which the fake GPUs' callbacks ran, shared by a test. */
struct fake_log {
	/* Serialises appends to @events. */
	spinlock_t lock;
	unsigned int count;
	char events[FAKE_MAX_EVENTS][4];
};

/* A GPU whose TLB flush completes asynchronously after FAKE_FLUSH_US. */
struct fake_gpu {
	struct drm_userptr_domain domain;
	struct device *dev;
	struct fake_log *log;
	int id;
	/* The device still has work on the userptr: a flush is needed. */
	bool busy;
	struct hrtimer flush_timer;
	struct completion flush_done;
	/* The last finish ran while the pages were still DMA-mapped. */
	bool finish_saw_mapping;
	/* What the helper said the last start has to zap. */
	unsigned long zap_pgoff;
	unsigned long zap_npages;
	/*
	 * Finish number n (from 0), if below @nr_finish_gates, waits for
	 * @finish_gates[n] instead of the flush, so that a test decides
	 * which device work completes first.
	 */
	struct completion *finish_gates;
	unsigned int nr_finish_gates;
	atomic_t nr_finishes;
	/* What the VMA check returns, and how often it ran. */
	int vma_check_err;
	atomic_t nr_vma_checks;
};

static void fake_log_add(struct fake_gpu *gpu, char what)
{
	struct fake_log *log = gpu->log;

	spin_lock(&log->lock);
	if (log->count < FAKE_MAX_EVENTS)
		snprintf(log->events[log->count], sizeof(log->events[0]),
			 "%c%d", what, gpu->id);
	log->count++;
	spin_unlock(&log->lock);
}

static enum hrtimer_restart fake_flush_complete(struct hrtimer *timer)
{
	struct fake_gpu *gpu = container_of(timer, struct fake_gpu,
					    flush_timer);

	complete_all(&gpu->flush_done);
	return HRTIMER_NORESTART;
}

static struct fake_gpu *to_fake_gpu(struct drm_userptr *uptr)
{
	return container_of(uptr->domain, struct fake_gpu, domain);
}

static bool fake_invalidate_start(struct drm_userptr *uptr,
				  const struct mmu_notifier_range *range)
{
	struct fake_gpu *gpu = to_fake_gpu(uptr);

	lockdep_assert_held_write(&uptr->domain->notifier_lock);
	fake_log_add(gpu, 'S');
	drm_userptr_invalidated_pages(uptr, range, &gpu->zap_pgoff,
				      &gpu->zap_npages);
	if (!gpu->busy)
		return false;
	/* Kick the flush; it completes on its own. */
	reinit_completion(&gpu->flush_done);
	hrtimer_start(&gpu->flush_timer, ns_to_ktime(FAKE_FLUSH_US * NSEC_PER_USEC),
		      HRTIMER_MODE_REL);
	return true;
}

static void fake_invalidate_finish(struct drm_userptr *uptr)
{
	struct fake_gpu *gpu = to_fake_gpu(uptr);
	unsigned int n;

	fake_log_add(gpu, 'F');
	gpu->finish_saw_mapping = uptr->nr_mapped_chunks != 0;
	n = atomic_fetch_inc(&gpu->nr_finishes);
	if (n < gpu->nr_finish_gates)
		wait_for_completion(&gpu->finish_gates[n]);
	else
		wait_for_completion(&gpu->flush_done);
	gpu->busy = false;
}

static int fake_check_vmas(struct drm_userptr *uptr)
{
	struct fake_gpu *gpu = to_fake_gpu(uptr);

	mmap_assert_locked(drm_userptr_mm(uptr));
	lockdep_assert_not_held(&uptr->domain->notifier_lock);
	atomic_inc(&gpu->nr_vma_checks);
	return gpu->vma_check_err;
}

static const struct drm_userptr_ops fake_userptr_ops = {
	.invalidate_start = fake_invalidate_start,
	.invalidate_finish = fake_invalidate_finish,
	.check_vmas = fake_check_vmas,
};

static void fake_gpu_fini(void *data)
{
	struct fake_gpu *gpu = data;

	hrtimer_cancel(&gpu->flush_timer);
	drm_userptr_domain_fini(&gpu->domain);
}

static struct fake_gpu *fake_gpu_create(struct kunit *test,
					struct fake_log *log, int id,
					unsigned int flags)
{
	struct fake_gpu *gpu;
	char name[32];
	int err;

	gpu = kunit_kzalloc(test, sizeof(*gpu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gpu);
	snprintf(name, sizeof(name), "drm_userptr_fake_gpu%d", id);
	gpu->dev = drm_kunit_mm_dma_device(test, name);
	gpu->log = log;
	gpu->id = id;
	hrtimer_init(&gpu->flush_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	gpu->flush_timer.function = fake_flush_complete;
	init_completion(&gpu->flush_done);
	err = drm_userptr_domain_init(&gpu->domain, gpu->dev,
				      &fake_userptr_ops, flags);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kunit_add_action_or_reset(test, fake_gpu_fini, gpu);
	KUNIT_ASSERT_EQ(test, err, 0);
	return gpu;
}

static void fake_userptr_fini(void *data)
{
	drm_userptr_fini(data);
}

static struct drm_userptr *fake_userptr(struct kunit *test,
					struct fake_gpu *gpu,
					unsigned long addr, unsigned long size,
					unsigned int flags)
{
	struct drm_userptr *uptr;
	int err;

	uptr = kunit_kzalloc(test, sizeof(*uptr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, uptr);
	err = drm_userptr_init(uptr, &gpu->domain, current->mm, addr, size,
			       flags);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kunit_add_action_or_reset(test, fake_userptr_fini, uptr);
	KUNIT_ASSERT_EQ(test, err, 0);
	return uptr;
}

static struct fake_log *fake_log_create(struct kunit *test)
{
	struct fake_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	spin_lock_init(&log->lock);
	return log;
}

/* Map FAKE_LEN of anonymous memory with @prot into the test's mm. */
static unsigned long fake_mmap(struct kunit *test, unsigned long prot)
{
	return drm_kunit_mm_mmap(test, FAKE_LEN, prot);
}

/* Fill each of @npages pages at @addr with its index plus @seed. */
static void fake_fill_pages(struct kunit *test, unsigned long addr,
			    unsigned long npages, u8 seed)
{
	static u8 buf[PAGE_SIZE];
	unsigned long i;

	for (i = 0; i < npages; i++) {
		memset(buf, seed + i, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr +
						   i * PAGE_SIZE, buf,
						   PAGE_SIZE), 0);
	}
}

static void fake_fill(struct kunit *test, unsigned long addr, u8 seed)
{
	fake_fill_pages(test, addr, FAKE_PAGES, seed);
}

/*
 * Read the userptr back the way the device sees it, through its DMA
 * addresses, and check every byte of page i is @seed + i (or 0 if @zero).
 * Returns the number of wrong pages; -1 if the userptr is not valid.
 */
static int fake_read_back(struct drm_userptr *uptr, u8 seed, bool zero)
{
	struct fake_gpu *gpu = to_fake_gpu(uptr);
	int i, wrong = 0;

	drm_userptr_notifier_lock(&gpu->domain);
	if (drm_userptr_check_valid(uptr)) {
		drm_userptr_notifier_unlock(&gpu->domain);
		return -1;
	}
	for (i = 0; i < uptr->npages; i++) {
		dma_addr_t addr = drm_userptr_dma_addr(uptr, i);
		u8 *data = drm_kunit_mm_dma_to_virt(gpu->dev, addr);
		u8 want = zero ? 0 : (u8)(seed + i);

		if (data[0] != want || data[PAGE_SIZE - 1] != want ||
		    memchr_inv(data, want, PAGE_SIZE))
			wrong++;
	}
	drm_userptr_notifier_unlock(&gpu->domain);
	return wrong;
}

/*
 * Write the userptr the way the device does, through its DMA addresses:
 * every byte of page i becomes @seed + i. The CPU's page tables do not see
 * it. Returns -1 if the userptr is not valid, else 0.
 */
static int fake_device_write(struct drm_userptr *uptr, u8 seed)
{
	struct fake_gpu *gpu = to_fake_gpu(uptr);
	unsigned long i;

	drm_userptr_notifier_lock(&gpu->domain);
	if (drm_userptr_check_valid(uptr)) {
		drm_userptr_notifier_unlock(&gpu->domain);
		return -1;
	}
	for (i = 0; i < uptr->npages; i++) {
		dma_addr_t addr = drm_userptr_dma_addr(uptr, i);

		memset(drm_kunit_mm_dma_to_virt(gpu->dev, addr), seed + i,
		       PAGE_SIZE);
	}
	drm_userptr_notifier_unlock(&gpu->domain);
	return 0;
}

/*
 * Number of pages at @addr whose every byte, read by the CPU, is not
 * @seed + i (0 for every page if @zero).
 */
static int fake_cpu_wrong_pages(struct kunit *test, unsigned long addr,
				unsigned long npages, u8 seed, bool zero)
{
	static u8 buf[PAGE_SIZE];
	unsigned long i;
	int wrong = 0;

	for (i = 0; i < npages; i++) {
		KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)addr +
						     i * PAGE_SIZE, PAGE_SIZE),
				0);
		if (memchr_inv(buf, zero ? 0 : (u8)(seed + i), PAGE_SIZE))
			wrong++;
	}
	return wrong;
}

/*
 * Reclaim [@addr, @addr + @len) now, as MADV_PAGEOUT does, with every
 * CPU's LRU batches drained first so that every folio can be isolated.
 */
static void fake_pageout(struct kunit *test, unsigned long addr, size_t len)
{
	lru_add_drain_all();
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, len,
					 MADV_PAGEOUT), 0);
}

/* Index of @event ("S0", "F1", ...) in the log, or -1. */
static int fake_log_find(const struct fake_log *log, const char *event)
{
	unsigned int i;

	for (i = 0; i < min(log->count, FAKE_MAX_EVENTS); i++)
		if (!strcmp(log->events[i], event))
			return i;
	return -1;
}

/* Fill FAKE_LEN at @addr from @seed and register it on @gpu. */
static struct drm_userptr *fake_filled(struct kunit *test, struct fake_gpu *gpu,
				       unsigned long addr, u8 seed)
{
	fake_fill(test, addr, seed);
	return fake_userptr(test, gpu, addr, FAKE_LEN, 0);
}

/* As fake_filled(), and populated. */
static struct drm_userptr *fake_populated(struct kunit *test,
					  struct fake_gpu *gpu,
					  unsigned long addr, u8 seed)
{
	struct drm_userptr *uptr = fake_filled(test, gpu, addr, seed);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	return uptr;
}

static int fake_check_valid(struct drm_userptr *uptr)
{
	int err;

	drm_userptr_notifier_lock(uptr->domain);
	err = drm_userptr_check_valid(uptr);
	drm_userptr_notifier_unlock(uptr->domain);
	return err;
}

static void drm_userptr_test_populate_reads_user_data(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr = fake_filled(test, gpu, addr, 0x10);

	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x10, false), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.populates), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps),
			FAKE_PAGES);

	/* Still valid: a second populate does nothing. */
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps),
			FAKE_PAGES);
}

/* A drm_printer that collects into a buffer. */
struct fake_text {
	char buf[512];
	size_t len;
};

static void fake_text_printfn(struct drm_printer *p, struct va_format *vaf)
{
	struct fake_text *text = p->arg;

	text->len += scnprintf(text->buf + text->len,
			       sizeof(text->buf) - text->len, "%pV", vaf);
}

static void drm_userptr_test_stats_print(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_text *text = kunit_kzalloc(test, sizeof(*text), GFP_KERNEL);
	struct drm_printer p = { .printfn = fake_text_printfn };
	struct drm_userptr *uptr;
	const char *mode;

	KUNIT_ASSERT_NOT_NULL(test, text);
	p.arg = text;
	uptr = fake_populated(test, gpu, addr, 0x11);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, FAKE_LEN,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	mode = drm_userptr_domain_two_pass(&gpu->domain) ?
	       "mode: two-pass\n" : "mode: single-pass\n";
	drm_userptr_domain_print_stats(&gpu->domain, &p);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text->buf, mode));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text->buf, "userptrs: 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text->buf, "invalidations: 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text->buf, "populates: 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text->buf, "dma_maps: 16\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text->buf, "commit_eagain: 1\n"));
}

static void drm_userptr_test_init_rejects_bad_ranges(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr uptr;

	KUNIT_EXPECT_EQ(test, drm_userptr_init(&uptr, &gpu->domain, current->mm,
					       addr, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_userptr_init(&uptr, &gpu->domain, current->mm,
					       addr + 1, PAGE_SIZE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_userptr_init(&uptr, &gpu->domain, current->mm,
					       addr, PAGE_SIZE + 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_userptr_init(&uptr, &gpu->domain, current->mm,
					       PAGE_MASK, 2 * PAGE_SIZE, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, drm_userptr_init(&uptr, &gpu->domain, current->mm,
					       addr, PAGE_SIZE, BIT(7)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->domain.nr_userptrs), 0);
}

static void drm_userptr_test_read_only(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ);
	struct drm_userptr *ro, *rw;

	ro = fake_userptr(test, gpu, addr, FAKE_LEN, DRM_USERPTR_READ_ONLY);
	rw = fake_userptr(test, gpu, addr, FAKE_LEN, 0);

	/* Read-only memory reads as zeroes; asking to write it is refused. */
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(ro, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(ro, 0, true), 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(rw, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, fake_check_valid(rw), -EAGAIN);
}

/*
 * The driver's VMA check runs under the mmap_lock before the walk, and its
 * refusal is what populate returns: nothing is walked or mapped. Once it
 * accepts, the same userptr populates.
 */
static void drm_userptr_test_check_vmas_refuses(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr = fake_filled(test, gpu, addr, 0x30);

	gpu->vma_check_err = -EPERM;
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EPERM);
	KUNIT_EXPECT_GT(test, atomic_read(&gpu->nr_vma_checks), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps), 0);

	gpu->vma_check_err = 0;
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x30, false), 0);
}

static void drm_userptr_test_holes_and_prot_none_fault(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *hole, *none;

	/* Made before the userptrs exist, so that no invalidation is seen. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, drm_kunit_mm_mprotect(addr + 8 * PAGE_SIZE,
						    4 * PAGE_SIZE, PROT_NONE), 0);
	hole = fake_userptr(test, gpu, addr, 4 * PAGE_SIZE, 0);
	none = fake_userptr(test, gpu, addr + 8 * PAGE_SIZE, 4 * PAGE_SIZE, 0);

	KUNIT_EXPECT_EQ(test, drm_userptr_populate(hole, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(none, 0), -EFAULT);
}

/* mmap() of a device-like file: VM_IO | VM_PFNMAP over a kernel page. */
static int fake_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct page *page = file->private_data;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(page),
			       PAGE_SIZE, vma->vm_page_prot);
}

static const struct file_operations fake_pfnmap_fops = {
	.owner = THIS_MODULE,
	.mmap = fake_pfnmap_mmap,
};

static void fake_free_page(void *page)
{
	__free_page(page);
}

static void drm_userptr_test_pfnmap_faults(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	struct drm_userptr *uptr;
	struct file *file;
	unsigned long addr;
	struct page *page;
	int err;

	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	err = kunit_add_action_or_reset(test, fake_free_page, page);
	KUNIT_ASSERT_EQ(test, err, 0);
	file = anon_inode_getfile("drm_userptr_pfnmap", &fake_pfnmap_fops,
				  page, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_NE(test, addr, 0);

	/* No struct pages behind it for the device: refused, not mapped. */
	uptr = fake_userptr(test, gpu, addr, PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EFAULT);
	uptr = fake_userptr(test, gpu, addr, PAGE_SIZE, DRM_USERPTR_READ_ONLY);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps), 0);
}

static void drm_userptr_test_munmap_then_remap(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;
	unsigned long again;

	uptr = fake_populated(test, gpu, addr, 0x20);
	gpu->busy = true;

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	/* The device was stopped and waited for before munmap went on. */
	KUNIT_EXPECT_EQ(test, log->count, 2);
	KUNIT_EXPECT_FALSE(test, gpu->busy);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	/* Nothing mapped there: populate fails, and can be tried again. */
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	/* New memory at the same address is what the device sees next. */
	again = vm_mmap(NULL, addr, FAKE_LEN, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, again, addr);
	fake_fill(test, addr, 0x70);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x70, false), 0);
}

static void drm_userptr_test_mprotect_invalidates(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	uptr = fake_populated(test, gpu, addr, 0x30);

	KUNIT_ASSERT_EQ(test, drm_kunit_mm_mprotect(addr, FAKE_LEN, PROT_READ), 0);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EPERM);

	KUNIT_ASSERT_EQ(test, drm_kunit_mm_mprotect(addr, FAKE_LEN,
						    PROT_READ | PROT_WRITE), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x30, false), 0);
}

static void drm_userptr_test_dontneed_gives_zero_pages(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	uptr = fake_populated(test, gpu, addr, 0x40);
	gpu->busy = true;

	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, FAKE_LEN,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_FALSE(test, gpu->busy);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0, true), 0);
}

/*
 * Memory an allocator gave back with MADV_FREE and handed out again as a
 * device output buffer: the CPU's page tables say clean, and only the
 * device writes it. Reclaim must keep what the device wrote.
 */
static void drm_userptr_test_lazyfree_device_write_survives_reclaim(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	uptr = fake_populated(test, gpu, addr, 0x12);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, FAKE_LEN,
					 MADV_FREE), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_ASSERT_EQ(test, fake_device_write(uptr, 0x34), 0);

	fake_pageout(test, addr, FAKE_LEN);
	/* Reclaim went through the userptr's pages... */
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	/* ...and found them dirty: the device's data is still there. */
	KUNIT_EXPECT_EQ(test, fake_cpu_wrong_pages(test, addr, FAKE_PAGES,
						   0x34, false), 0);
}

/*
 * A read-only userptr must leave the pages as clean as it found them:
 * lazily freed memory stays free to drop, which the same reclaim does.
 * (This is also what shows the reclaim above really runs.)
 */
static void drm_userptr_test_read_only_dirties_nothing(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	fake_fill(test, addr, 0x56);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, DRM_USERPTR_READ_ONLY);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, FAKE_LEN,
					 MADV_FREE), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x56, false), 0);

	fake_pageout(test, addr, FAKE_LEN);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, fake_cpu_wrong_pages(test, addr, FAKE_PAGES, 0,
						   true), 0);
}

static void drm_userptr_test_cow_write_invalidates(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	/* Read-only population maps the shared zero page, copy-on-write. */
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, DRM_USERPTR_READ_ONLY);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0, true), 0);

	/* The CPU's write breaks COW: the device must see the new pages. */
	fake_fill(test, addr, 0x50);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x50, false), 0);
}

static void drm_userptr_test_shared_file_memory(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	struct drm_userptr *uptr;
	struct file *file;
	unsigned long addr;

	/* A shmem file (as memfd is) mapped MAP_SHARED. */
	file = shmem_file_setup("drm_userptr_test", FAKE_LEN, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, FAKE_LEN, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_NE(test, addr, 0);
	fake_fill(test, addr, 0xa0);

	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0xa0, false), 0);

	/* Writes through the mapping reach the same page-cache pages. */
	fake_fill(test, addr, 0xb0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0xb0, false), 0);
}

static void drm_userptr_test_fork_then_write_cows(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	uptr = fake_populated(test, gpu, addr, 0xc0);

	/* fork(): the child gets a copy-on-write copy of this mm. */
	KUNIT_EXPECT_EQ(test, drm_kunit_mm_fork_and_read(test, addr), 0xc0);

	/* Fork write-protected the pages the device mapped. */
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	/* The parent writes: COW gives it new pages, and the GPU follows. */
	fake_fill(test, addr, 0xd0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0xd0, false), 0);
}

/*
 * fork() write-protects the parent's pages for COW: nothing a read-only
 * userptr maps changes, so the device is not stopped and the userptr stays
 * valid. The parent's write that follows breaks the COW, and that must
 * invalidate it.
 */
static void drm_userptr_test_fork_keeps_read_only_valid(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr_stats *stats = &gpu->domain.stats;
	struct drm_userptr *uptr;

	fake_fill(test, addr, 0xe0);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, DRM_USERPTR_READ_ONLY);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);

	KUNIT_EXPECT_EQ(test, drm_kunit_mm_fork_and_read(test, addr), 0xe0);

	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), -1);
	KUNIT_EXPECT_GT(test, atomic64_read(&stats->skipped_invalidations), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0xe0, false), 0);

	fake_fill(test, addr, 0xf0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0xf0, false), 0);
}

/* A blocking invalidation of [@addr, @addr + FAKE_LEN) for @event. */
static void fake_invalidate_event(unsigned long addr,
				  enum mmu_notifier_event event)
{
	struct mmu_notifier_range range;

	mmu_notifier_range_init(&range, event, 0, current->mm, addr,
				addr + FAKE_LEN);
	mmap_read_lock(current->mm);
	mmu_notifier_invalidate_range_start(&range);
	mmu_notifier_invalidate_range_end(&range);
	mmap_read_unlock(current->mm);
}

/*
 * Only pure write-protection is skipped, and only for read-only userptrs:
 * a writable userptr's device writes must stop before the CPU's copy or
 * writeback, and mprotect() may take read access away too.
 */
static void drm_userptr_test_write_protect_skips_only_read_only(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long ro_addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	unsigned long rw_addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr_stats *stats = &gpu->domain.stats;
	struct drm_userptr *ro, *rw;

	fake_fill(test, ro_addr, 0x90);
	ro = fake_userptr(test, gpu, ro_addr, FAKE_LEN, DRM_USERPTR_READ_ONLY);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(ro, 0), 0);
	rw = fake_populated(test, gpu, rw_addr, 0xa0);

	fake_invalidate_event(ro_addr, MMU_NOTIFY_PROTECTION_PAGE);
	fake_invalidate_event(ro_addr, MMU_NOTIFY_SOFT_DIRTY);
	KUNIT_EXPECT_EQ(test, fake_check_valid(ro), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->skipped_invalidations), 2);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), -1);

	fake_invalidate_event(rw_addr, MMU_NOTIFY_PROTECTION_PAGE);
	KUNIT_EXPECT_EQ(test, fake_check_valid(rw), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->skipped_invalidations), 2);

	KUNIT_ASSERT_EQ(test, drm_kunit_mm_mprotect(ro_addr, FAKE_LEN, PROT_NONE), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(ro), -EAGAIN);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(ro, 0), -EFAULT);
}

#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)
/* Take the page at @addr for a device's atomics, as @owner. */
static bool fake_make_exclusive(unsigned long addr, void *owner)
{
	struct page *page = NULL;
	int npages;

	mmap_read_lock(current->mm);
	npages = make_device_exclusive_range(current->mm, addr,
					     addr + PAGE_SIZE, &page, owner);
	mmap_read_unlock(current->mm);
	if (npages != 1 || !page)
		return false;
	unlock_page(page);
	put_page(page);
	return true;
}

/*
 * Pages the driver takes for its own device's atomics stay where they
 * are: its userptrs over them stay valid. Another owner's exclusive
 * access still invalidates, and the populate that follows takes the
 * pages back for the CPU and maps them again.
 */
static void drm_userptr_test_own_exclusive_access_keeps_valid(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr_stats *stats = &gpu->domain.stats;
	struct drm_userptr *uptr;

	gpu->domain.exclusive_owner = gpu;
	uptr = fake_populated(test, gpu, addr, 0x50);

	KUNIT_ASSERT_TRUE(test, fake_make_exclusive(addr, gpu));
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), -1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->skipped_invalidations), 1);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x50, false), 0);

	KUNIT_ASSERT_TRUE(test, fake_make_exclusive(addr + PAGE_SIZE, log));
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->skipped_invalidations), 1);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x50, false), 0);
}
#endif

static unsigned long drm_userptr_test_race_addr;

/* Invalidate the range once, right after the fault: a racing munmap-like. */
static void drm_userptr_test_race_stub(struct drm_userptr *uptr)
{
	struct kunit *test = kunit_get_current_test();

	kunit_deactivate_static_stub(test, drm_userptr_fault_done);
	do_madvise(current->mm, drm_userptr_test_race_addr, FAKE_LEN,
		   MADV_DONTNEED);
}

static void drm_userptr_test_populate_retries_on_race(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	fake_fill(test, addr, 0x60);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	drm_userptr_test_race_addr = addr;
	kunit_activate_static_stub(test, drm_userptr_fault_done,
				   drm_userptr_test_race_stub);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.retries), 1);
	/* The pages of the retry, zeroed by the race, are what got mapped. */
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0, true), 0);
}

/*
 * Command submission wants one attempt: -EAGAIN at the first race, for its
 * caller to restart, and nothing left half done.
 */
static void drm_userptr_test_populate_once_returns_eagain(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	fake_fill(test, addr, 0x64);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, BIT(7)), -EINVAL);

	drm_userptr_test_race_addr = addr;
	kunit_activate_static_stub(test, drm_userptr_fault_done,
				   drm_userptr_test_race_stub);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr,
						   DRM_USERPTR_POPULATE_ONCE),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_NULL(test, uptr->dma);

	/* The race is over: the next attempt succeeds. */
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr,
						   DRM_USERPTR_POPULATE_ONCE), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0, true), 0);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * One PMD of anonymous memory, PMD-aligned and asking for a THP, filled
 * from @seed. Whether it came as a THP the caller sees after populate.
 */
static unsigned long fake_thp_mmap(struct kunit *test, u8 seed)
{
	unsigned long base, addr;

	base = kunit_vm_mmap(test, NULL, 0, 2 * HPAGE_PMD_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, base, 0);
	addr = ALIGN(base, HPAGE_PMD_SIZE);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, HPAGE_PMD_SIZE,
					 MADV_HUGEPAGE), 0);
	fake_fill_pages(test, addr, HPAGE_PMD_NR, seed);
	return addr;
}
#endif

/*
 * An invalidation of [addr, addr + len) that changes nothing in the CPU's
 * page tables, as a driver's own mmu_notifier_invalidate_range_start()
 * would: it lets a test aim an event at part of a huge mapping, which the
 * mm's own events split first.
 */
static void fake_invalidate_len(unsigned long addr, unsigned long len)
{
	struct mmu_notifier_range range;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, current->mm,
				addr, addr + len);
	mmap_read_lock(current->mm);
	mmu_notifier_invalidate_range_start(&range);
	mmu_notifier_invalidate_range_end(&range);
	mmap_read_unlock(current->mm);
}

static void drm_userptr_test_thp_one_mapping_per_folio(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	struct drm_userptr *uptr;
	unsigned long addr;

	if (!has_transparent_hugepage())
		kunit_skip(test, "no transparent huge pages on this machine");
	addr = fake_thp_mmap(test, 0x80);

	uptr = fake_userptr(test, gpu, addr, HPAGE_PMD_SIZE, 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	if (uptr->dma[0].order == 0)
		kunit_skip(test, "the memory did not come as a THP");
	/* One DMA mapping for the whole PMD-mapped folio. */
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps), 1);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x80, false), 0);
#else
	kunit_skip(test, "CONFIG_TRANSPARENT_HUGEPAGE is off");
#endif
}

/*
 * A device that cannot take a mapping as large as a PMD (dma_max_mapping_size())
 * gets a THP in pieces of the largest order it can take, not a failure.
 */
static void drm_userptr_test_thp_split_to_dma_limit(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	struct drm_userptr *uptr;
	unsigned long addr;

	if (!has_transparent_hugepage())
		kunit_skip(test, "no transparent huge pages on this machine");
	if (is_swiotlb_force_bounce(gpu->dev))
		kunit_skip(test, "the device bounces: see drm_userptr_test_bounce_refused");
	addr = fake_thp_mmap(test, 0x84);

	/* What swiotlb allows: 256 KiB, order 6. */
	gpu->domain.max_map_order = 6;
	uptr = fake_userptr(test, gpu, addr, HPAGE_PMD_SIZE, 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	if (uptr->dma[0].order == 0)
		kunit_skip(test, "the memory did not come as a THP");
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, HPAGE_PMD_NR >> 6);
	KUNIT_EXPECT_EQ(test, uptr->dma[HPAGE_PMD_NR - 1].order, 6);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x84, false), 0);

	/*
	 * An event on one page takes the whole mapping holding it, and only
	 * that one: the driver is told to zap its 64 pages.
	 */
	fake_invalidate_len(addr + 100 * PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, gpu->zap_pgoff, 64);
	KUNIT_EXPECT_EQ(test, gpu->zap_npages, 64);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, (HPAGE_PMD_NR >> 6) - 1);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, HPAGE_PMD_NR >> 6);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x84, false), 0);
#else
	kunit_skip(test, "CONFIG_TRANSPARENT_HUGEPAGE is off");
#endif
}

/*
 * Booted with swiotlb=force, every DMA mapping bounces: device writes would
 * reach the user's pages only at unmap, device reads would see a copy. A
 * userptr cannot work that way and must be refused, small pages and THP
 * alike, with nothing left mapped.
 */
static void drm_userptr_test_bounce_refused(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	if (!is_swiotlb_force_bounce(gpu->dev))
		kunit_skip(test, "the device does not bounce (boot with swiotlb=force)");
	fake_fill(test, addr, 0x88);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_FALSE(test, uptr->nr_mapped_chunks);
	KUNIT_EXPECT_NULL(test, uptr->dma);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps), 0);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (has_transparent_hugepage()) {
		addr = fake_thp_mmap(test, 0x8c);
		uptr = fake_userptr(test, gpu, addr, HPAGE_PMD_SIZE, 0);
		/* Split to the 256 KiB swiotlb allows, then refused. */
		KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0),
				-EOPNOTSUPP);
		KUNIT_EXPECT_FALSE(test, uptr->nr_mapped_chunks);
	}
#endif
	/* Mapped as one sg table (behind an IOMMU): refused the same way. */
	gpu->domain.map_chunks = true;
	addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_FALSE(test, uptr->nr_mapped_chunks);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps), 0);
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * Fail every allocation that registering and populating a userptr makes,
 * one at a time (the task's fail-nth counter): each failure must come back
 * as an error, leave nothing registered or mapped, and the helper must
 * work again right after.
 */
static void drm_userptr_test_failslab_every_allocation(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;
	unsigned int nth, left;
	int map_chunks, err;

	/*
	 * At boot, failslab still ignores GFP_KERNEL allocations and debugfs
	 * is not there to change it; the VM harness runs the suite again
	 * later with failslab/ignore-gfp-wait=N. Not a skip: KUnit would
	 * never run a case again once it has skipped it.
	 */
	if (system_state != SYSTEM_RUNNING) {
		kunit_info(test, "needs failslab/ignore-gfp-wait=N: runs after boot\n");
		return;
	}
	KUNIT_ASSERT_TRUE_MSG(test, drm_kunit_mm_failslab_available(),
			      "failslab cannot fail GFP_KERNEL: set failslab/ignore-gfp-wait to N");

	uptr = kunit_kzalloc(test, sizeof(*uptr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, uptr);
	fake_fill(test, addr, 0x90);
	/* Per-folio mappings, then one sg table per chunk (an IOMMU's). */
	for (map_chunks = 0; map_chunks < 2; map_chunks++) {
		gpu->domain.map_chunks = map_chunks;
		left = 0;
		for (nth = 1; nth < 200 && !left; nth++) {
			current->fail_nth = nth;
			err = drm_userptr_init(uptr, &gpu->domain, current->mm,
					       addr, FAKE_LEN, 0);
			if (!err)
				err = drm_userptr_populate(uptr, 0);
			left = current->fail_nth;
			current->fail_nth = 0;

			/*
			 * Allocation failures surface as -ENOMEM, or -EFAULT
			 * from a fault that could not allocate; some are
			 * absorbed (kvmalloc falls back to vmalloc).
			 */
			KUNIT_EXPECT_TRUE_MSG(test, !err || err == -ENOMEM ||
					      err == -EFAULT,
					      "failing allocation %u gave %d",
					      nth, err);
			if (!err)
				KUNIT_EXPECT_EQ(test,
						fake_read_back(uptr, 0x90, false),
						0);
			if (atomic_read(&gpu->domain.nr_userptrs))
				drm_userptr_fini(uptr);
			KUNIT_EXPECT_EQ(test,
					atomic_read(&gpu->domain.nr_userptrs), 0);
		}
		/* Some were failed, and the loop ran past the last one. */
		kunit_info(test, "map_chunks %d: failed each of %u allocations in turn\n",
			   map_chunks, nth - 2);
		KUNIT_EXPECT_GT(test, nth, 2);
		KUNIT_EXPECT_NE(test, left, 0);
	}
}
#else
static void drm_userptr_test_failslab_every_allocation(struct kunit *test)
{
	kunit_skip(test, "CONFIG_FAULT_INJECTION is off");
}
#endif

static void drm_userptr_test_exit_while_busy(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	struct drm_userptr *uptr;
	struct mm_struct *mm;
	unsigned long addr;
	int err;

	KUNIT_ASSERT_NULL(test, current->mm);
	uptr = kunit_kzalloc(test, sizeof(*uptr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, uptr);

	/* A process of our own, whose last reference the test drops. */
	mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, mm);
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(mm);
	addr = vm_mmap(NULL, 0, FAKE_LEN, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	err = IS_ERR_VALUE(addr) ? (int)addr :
	      drm_userptr_init(uptr, &gpu->domain, mm, addr, FAKE_LEN, 0);
	if (!err)
		err = drm_userptr_populate(uptr, 0);
	kthread_unuse_mm(mm);
	gpu->busy = true;
	/* Process exit: the release invalidation waits for the device. */
	mmput(mm);

	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_FALSE(test, gpu->busy);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), 0);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "F0"), 1);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EFAULT);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EFAULT);
	/* The buffer object outlives the process; freeing it is clean. */
	drm_userptr_fini(uptr);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->domain.nr_userptrs), 0);
}

/* A thread that runs one step of a race in the test's mm. */
struct fake_race_thread {
	struct mm_struct *mm;
	struct drm_userptr *uptr;
	unsigned long addr;
	int (*step)(struct fake_race_thread *race);
	int err;
	struct task_struct *task;
	struct completion done;
};

static int fake_race_munmap(struct fake_race_thread *race)
{
	return vm_munmap(race->addr, FAKE_LEN);
}

static int fake_race_populate(struct fake_race_thread *race)
{
	return drm_userptr_populate(race->uptr, 0);
}

static int fake_race_fini(struct fake_race_thread *race)
{
	drm_userptr_fini(race->uptr);
	return 0;
}

static void fake_put_task(void *task)
{
	put_task_struct(task);
}

static int fake_race_fn(void *data)
{
	struct fake_race_thread *race = data;

	kthread_use_mm(race->mm);
	race->err = race->step(race);
	kthread_unuse_mm(race->mm);
	mmput(race->mm);
	complete(&race->done);
	return 0;
}

static void fake_race_start(struct kunit *test, struct fake_race_thread *race,
			    int (*step)(struct fake_race_thread *race))
{
	struct task_struct *thread;

	race->step = step;
	race->mm = current->mm;
	mmget(race->mm);
	init_completion(&race->done);
	thread = kthread_create(fake_race_fn, race, "drm_userptr_race");
	if (IS_ERR(thread))
		mmput(race->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	race->task = get_task_struct(thread);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_put_task,
							thread), 0);
	wake_up_process(thread);
}

/*
 * Whether @race's thread is blocked: seen in uninterruptible sleep, and
 * not done, at five looks 10 ms apart. Gives up (false) when the thread
 * is done or after 5 s: a step that should block but returns is caught
 * however slowly the thread is scheduled.
 */
static bool fake_race_blocked(struct fake_race_thread *race)
{
	unsigned int i, seen = 0;

	for (i = 0; i < 500 && seen < 5; i++) {
		if (completion_done(&race->done))
			return false;
		if (READ_ONCE(race->task->__state) == TASK_UNINTERRUPTIBLE)
			seen++;
		else
			seen = 0;
		usleep_range(10000, 11000);
	}
	return seen == 5 && !completion_done(&race->done);
}

/* A flush that only completes when the test says so. */
static enum hrtimer_restart fake_flush_held(struct hrtimer *timer)
{
	return HRTIMER_NORESTART;
}

static void drm_userptr_test_fini_waits_for_invalidation(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_race_thread unmapper = { .addr = addr };
	struct fake_race_thread freer = {};
	int i;

	freer.uptr = kunit_kzalloc(test, sizeof(*freer.uptr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, freer.uptr);
	KUNIT_ASSERT_EQ(test, drm_userptr_init(freer.uptr, &gpu->domain,
					       current->mm, addr, FAKE_LEN, 0),
			0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(freer.uptr, 0), 0);
	gpu->busy = true;
	gpu->flush_timer.function = fake_flush_held;

	/* munmap, and wait until it is inside the driver's finish. */
	fake_race_start(test, &unmapper, fake_race_munmap);
	for (i = 0; i < 250 && fake_log_find(log, "F0") < 0; i++)
		msleep(20);
	KUNIT_ASSERT_GE(test, fake_log_find(log, "F0"), 0);

	/* Freeing the userptr now must wait for the invalidation to end. */
	fake_race_start(test, &freer, fake_race_fini);
	KUNIT_EXPECT_TRUE(test, fake_race_blocked(&freer));
	KUNIT_EXPECT_FALSE(test, completion_done(&unmapper.done));

	complete_all(&gpu->flush_done);
	wait_for_completion(&unmapper.done);
	wait_for_completion(&freer.done);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->domain.nr_userptrs), 0);
	KUNIT_EXPECT_EQ(test, log->count, 2);
}

static int fake_race_dontneed(struct fake_race_thread *race)
{
	return do_madvise(race->mm, race->addr, FAKE_LEN, MADV_DONTNEED);
}

static int fake_race_dontneed_page(struct fake_race_thread *race)
{
	return do_madvise(race->mm, race->addr, PAGE_SIZE, MADV_DONTNEED);
}

/* The mappings @uptr holds, read under the notifier lock. */
static unsigned long fake_nr_dma_maps(struct drm_userptr *uptr)
{
	unsigned long nr;

	drm_userptr_notifier_lock(uptr->domain);
	nr = uptr->nr_dma_maps;
	drm_userptr_notifier_unlock(uptr->domain);
	return nr;
}

/* At the end of a test, even a failed one: let every gated finish return. */
static void fake_open_gates(void *data)
{
	struct fake_gpu *gpu = data;
	unsigned int n;

	for (n = 0; n < gpu->nr_finish_gates; n++)
		complete_all(&gpu->finish_gates[n]);
}

/*
 * Two invalidations of different pages of one chunk at once, the first
 * one's device work done first: its finish drops its own page only. The
 * second page stays mapped until the second finish has waited for the
 * device, which the first start never asked to stop using it.
 */
static void drm_userptr_test_finish_drops_only_its_own_pages(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_race_thread first = { .addr = addr };
	struct fake_race_thread second = { .addr = addr + 8 * PAGE_SIZE };
	struct completion *gates;
	struct drm_userptr *uptr;
	int i;

	uptr = fake_populated(test, gpu, addr, 0xd0);
	KUNIT_ASSERT_EQ(test, fake_nr_dma_maps(uptr), FAKE_PAGES);
	gates = kunit_kcalloc(test, 2, sizeof(*gates), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gates);
	init_completion(&gates[0]);
	init_completion(&gates[1]);
	gpu->finish_gates = gates;
	gpu->nr_finish_gates = 2;
	atomic_set(&gpu->nr_finishes, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_open_gates,
							gpu), 0);
	gpu->busy = true;
	gpu->flush_timer.function = fake_flush_held;

	fake_race_start(test, &first, fake_race_dontneed_page);
	for (i = 0; i < 250 && fake_log_find(log, "F0") < 0; i++)
		msleep(20);
	KUNIT_ASSERT_GE(test, fake_log_find(log, "F0"), 0);
	fake_race_start(test, &second, fake_race_dontneed_page);
	for (i = 0; i < 250 && atomic_read(&gpu->nr_finishes) < 2; i++)
		msleep(20);
	KUNIT_ASSERT_EQ(test, atomic_read(&gpu->nr_finishes), 2);
	KUNIT_EXPECT_EQ(test, log->count, 4);

	complete_all(&gates[0]);
	wait_for_completion(&first.done);
	KUNIT_EXPECT_TRUE(test, fake_race_blocked(&second));
	KUNIT_EXPECT_EQ(test, fake_nr_dma_maps(uptr), FAKE_PAGES - 1);

	complete_all(&gates[1]);
	wait_for_completion(&second.done);
	KUNIT_EXPECT_EQ(test, fake_nr_dma_maps(uptr), FAKE_PAGES - 2);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_nr_dma_maps(uptr), FAKE_PAGES);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
}

/*
 * Two invalidations of one userptr at once (two MADV_DONTNEED, which only
 * take the mmap lock for read): the first hands its embedded finish to the
 * core and waits in the second pass; the second finds the finish in use and
 * waits in its first pass instead. Both must complete, and the device must
 * have been waited for by both.
 */
static void drm_userptr_test_finish_in_use_falls_back(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_race_thread first = { .addr = addr };
	struct fake_race_thread second = { .addr = addr };
	struct drm_userptr_domain probe = {};
	struct drm_userptr_stats *stats = &gpu->domain.stats;
	struct drm_userptr *uptr;
	int i;

	if (!drm_userptr_domain_two_pass(&probe))
		kunit_skip(test, "this kernel has no two-pass notifiers");
	kunit_info(test, "struct drm_userptr: %zu bytes, finish storage %zu\n",
		   sizeof(*uptr), sizeof(uptr->finish));

	uptr = fake_populated(test, gpu, addr, 0xe0);
	gpu->busy = true;
	gpu->flush_timer.function = fake_flush_held;

	fake_race_start(test, &first, fake_race_dontneed);
	for (i = 0; i < 250 && fake_log_find(log, "F0") < 0; i++)
		msleep(20);
	KUNIT_ASSERT_EQ(test, atomic64_read(&stats->deferred_finishes), 1);

	/* Still mapped and busy: the second one must wait too. */
	fake_race_start(test, &second, fake_race_dontneed);
	KUNIT_EXPECT_TRUE(test, fake_race_blocked(&second));
	KUNIT_EXPECT_EQ(test, log->count, 4);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->sync_finishes), 1);

	complete_all(&gpu->flush_done);
	wait_for_completion(&first.done);
	wait_for_completion(&second.done);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->deferred_finishes), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->sync_finishes), 1);
	KUNIT_EXPECT_FALSE(test, test_bit(DRM_USERPTR_STATE_FINISH_IN_USE,
					  &uptr->state));
}

/* The OOM reaper's invalidation of [addr, addr + len): 0 or -EAGAIN. */
static int fake_nonblock_invalidate_len(unsigned long addr, unsigned long len)
{
	struct mmu_notifier_range range;
	int err;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, current->mm,
				addr, addr + len);
	err = mmu_notifier_invalidate_range_start_nonblock(&range);
	if (!err)
		mmu_notifier_invalidate_range_end(&range);
	return err;
}

static int fake_nonblock_invalidate(unsigned long addr)
{
	return fake_nonblock_invalidate_len(addr, FAKE_LEN);
}

/* Another task in the middle of a commit: holds the notifier lock. */
struct fake_lock_holder {
	struct drm_userptr_domain *domain;
	struct completion locked;
	struct completion release;
	struct completion done;
};

static int fake_lock_holder_fn(void *data)
{
	struct fake_lock_holder *holder = data;

	drm_userptr_notifier_lock(holder->domain);
	complete(&holder->locked);
	wait_for_completion(&holder->release);
	drm_userptr_notifier_unlock(holder->domain);
	complete(&holder->done);
	return 0;
}

static void drm_userptr_test_nonblock_never_sleeps(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr_stats *stats = &gpu->domain.stats;
	struct fake_lock_holder holder;
	struct task_struct *thread;
	struct drm_userptr *uptr;

	uptr = fake_populated(test, gpu, addr, 0xf0);

	/* Another task is committing under the notifier lock: refuse. */
	holder.domain = &gpu->domain;
	init_completion(&holder.locked);
	init_completion(&holder.release);
	init_completion(&holder.done);
	thread = kthread_run(fake_lock_holder_fn, &holder, "drm_userptr_commit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	wait_for_completion(&holder.locked);
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate(addr), -EAGAIN);
	complete(&holder.release);
	wait_for_completion(&holder.done);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->nonblock_refusals), 1);
	KUNIT_EXPECT_EQ(test, log->count, 0);

	/* The device is busy: it is stopped, but not waited for. */
	gpu->busy = true;
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate(addr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->nonblock_refusals), 2);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), 0);
	KUNIT_EXPECT_LT(test, fake_log_find(log, "F0"), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	/*
	 * A blocking invalidation later waits and unmaps as usual: one
	 * finish for the one start that returned true, and no second start.
	 */
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, FAKE_LEN,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_FALSE(test, gpu->busy);
	KUNIT_EXPECT_FALSE(test, uptr->nr_mapped_chunks);
	KUNIT_EXPECT_EQ(test, log->count, 2);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "F0"), 1);
	KUNIT_EXPECT_TRUE(test, gpu->finish_saw_mapping);

	/* Idle and unlocked: the non-blocking invalidation goes through. */
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate(addr), 0);
	KUNIT_EXPECT_FALSE(test, uptr->nr_mapped_chunks);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->nonblock_refusals), 2);
}

/* Size of, and period of the invalidations during, the progress test. */
static unsigned int progress_mib = 64;
module_param(progress_mib, uint, 0644);
MODULE_PARM_DESC(progress_mib, "userptr size of the populate-progress case, MiB");
static unsigned int progress_period_us = 20000;
module_param(progress_period_us, uint, 0644);
MODULE_PARM_DESC(progress_period_us, "period of its one-page invalidations, us");
static bool progress_thp;
module_param(progress_thp, bool, 0644);
MODULE_PARM_DESC(progress_thp, "back it with transparent huge pages");

/* A thread that drops one page of a range every @period_us, elsewhere each time. */
struct fake_invalidator {
	struct mm_struct *mm;
	unsigned long addr;
	unsigned long npages;
	unsigned int period_us;
	unsigned int count;
	bool stop;
	struct completion started;
	struct completion done;
};

static int fake_invalidator_fn(void *data)
{
	struct fake_invalidator *inv = data;
	unsigned long page = 0;

	kthread_use_mm(inv->mm);
	while (!READ_ONCE(inv->stop)) {
		page = (page + 7919) % inv->npages;
		do_madvise(inv->mm, inv->addr + page * PAGE_SIZE, PAGE_SIZE,
			   MADV_DONTNEED);
		if (!inv->count++)
			complete(&inv->started);
		usleep_range(inv->period_us, inv->period_us + 50);
	}
	kthread_unuse_mm(inv->mm);
	mmput(inv->mm);
	complete(&inv->done);
	return 0;
}

/*
 * A large first populate while another thread keeps invalidating single
 * pages (NUMA balancing, khugepaged, compaction do): it must get there,
 * rather than restart the whole walk at every invalidation until -EBUSY.
 * It must also let the CPU go now and then (on a kernel without preemption
 * a long populate that never does stalls RCU, and on one CPU the other
 * thread would never run), so invalidations do happen while it runs.
 */
static void drm_userptr_test_populate_progresses_under_invalidations(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long size = (unsigned long)progress_mib << 20;
	struct fake_invalidator *inv;
	struct task_struct *thread;
	struct drm_userptr *uptr;
	unsigned int before, during;
	unsigned long addr;
	ktime_t start;
	s64 ms;
	int err;

	addr = kunit_vm_mmap(test, NULL, 0, size, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, addr, 0);
	if (progress_thp)
		do_madvise(current->mm, addr, size, MADV_HUGEPAGE);
	uptr = fake_userptr(test, gpu, addr, size, 0);

	inv = kunit_kzalloc(test, sizeof(*inv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inv);
	inv->mm = current->mm;
	inv->addr = addr;
	inv->npages = size >> PAGE_SHIFT;
	inv->period_us = progress_period_us;
	init_completion(&inv->started);
	init_completion(&inv->done);
	mmget(inv->mm);
	thread = kthread_run(fake_invalidator_fn, inv, "drm_userptr_inval");
	if (IS_ERR(thread))
		mmput(inv->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	if (!wait_for_completion_timeout(&inv->started, 5 * HZ)) {
		WRITE_ONCE(inv->stop, true);
		wait_for_completion(&inv->done);
		KUNIT_FAIL(test, "the invalidating thread never invalidated");
		return;
	}

	before = READ_ONCE(inv->count);
	start = ktime_get();
	err = drm_userptr_populate(uptr, 0);
	ms = ktime_ms_delta(ktime_get(), start);
	during = READ_ONCE(inv->count) - before;
	WRITE_ONCE(inv->stop, true);
	wait_for_completion(&inv->done);

	kunit_info(test, "%u MiB%s populated in %lld ms (%d) while a page was dropped every %u us: %u invalidations during it, %lld retries\n",
		   progress_mib, progress_thp ? " of THP" : "", ms, err,
		   progress_period_us, during,
		   atomic64_read(&gpu->domain.stats.retries));
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_GT_MSG(test, during, 0,
			    "no invalidation ran during the populate: it never let the CPU go");
}

/* The finish the refused start owed ran, once, before the unmap. */
static void fake_expect_owed_finish_ran(struct kunit *test,
					struct fake_gpu *gpu,
					struct fake_log *log)
{
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "F0"), 1);
	KUNIT_EXPECT_TRUE(test, gpu->finish_saw_mapping);
	KUNIT_EXPECT_FALSE(test, gpu->busy);
}

/*
 * The OOM reaper's invalidation is refused after the driver's start has
 * stopped the device and kicked a flush. The next populate (a GPU fault)
 * must wait for that flush through the driver's finish before it drops the
 * old DMA mappings, which the device may still be using.
 */
static void drm_userptr_test_nonblock_refusal_finished_by_populate(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	uptr = fake_populated(test, gpu, addr, 0x18);
	gpu->busy = true;
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate(addr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, log->count, 1);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	fake_expect_owed_finish_ran(test, gpu, log);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x18, false), 0);
	KUNIT_EXPECT_EQ(test, log->count, 2);
}

/*
 * While one populate runs the finish a refused non-blockable invalidation
 * owed (the device may still use the old mappings), another populate must
 * not map over them and succeed: the first one's unmap would then take
 * down mappings the driver was told are valid.
 */
static void drm_userptr_test_populate_waits_for_owed_finish(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_race_thread first = { .addr = addr };
	struct fake_race_thread second = { .addr = addr };
	struct drm_userptr *uptr;
	bool second_done;

	uptr = fake_populated(test, gpu, addr, 0x1c);
	gpu->busy = true;
	gpu->flush_timer.function = fake_flush_held;
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate(addr), -EAGAIN);

	/* The first populate runs the owed finish and waits in it. */
	first.uptr = uptr;
	fake_race_start(test, &first, fake_race_populate);
	KUNIT_ASSERT_TRUE(test, fake_race_blocked(&first));
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "F0"), 1);

	/* The second one can only give up while the device is not done. */
	second.uptr = uptr;
	fake_race_start(test, &second, fake_race_populate);
	second_done = wait_for_completion_timeout(&second.done, 5 * HZ);
	KUNIT_EXPECT_TRUE(test, second_done);
	KUNIT_EXPECT_EQ(test, second.err, -EBUSY);

	complete_all(&gpu->flush_done);
	wait_for_completion(&first.done);
	if (!second_done)
		wait_for_completion(&second.done);
	KUNIT_EXPECT_EQ(test, first.err, 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
	KUNIT_EXPECT_TRUE(test, uptr->nr_mapped_chunks);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x1c, false), 0);
	KUNIT_EXPECT_EQ(test, log->count, 2);
}

/* The same, when the buffer object is freed instead of used again. */
static void drm_userptr_test_nonblock_refusal_finished_by_fini(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	uptr = kunit_kzalloc(test, sizeof(*uptr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, uptr);
	KUNIT_ASSERT_EQ(test, drm_userptr_init(uptr, &gpu->domain, current->mm,
					       addr, FAKE_LEN, 0), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	gpu->busy = true;
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate(addr), -EAGAIN);

	drm_userptr_fini(uptr);
	KUNIT_EXPECT_EQ(test, fake_log_find(log, "S0"), 0);
	fake_expect_owed_finish_ran(test, gpu, log);
}

/*
 * Registering memory that is not there, or asking for more than the
 * per-page arrays can describe, must not leave kernel memory behind.
 */
static void drm_userptr_test_failed_populate_keeps_nothing(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr, huge;
	int err;

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EFAULT);
	KUNIT_EXPECT_NULL(test, uptr->dma);

	/* 1 TiB: 4 GiB of DMA entries, past what kvmalloc() may be asked. */
	err = drm_userptr_init(&huge, &gpu->domain, current->mm,
			       0x100000000000UL, 1UL << 40,
			       DRM_USERPTR_READ_ONLY);
	if (!err)
		drm_userptr_fini(&huge);
	KUNIT_EXPECT_EQ(test, err, -E2BIG);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->domain.nr_userptrs), 1);
}

static void drm_userptr_test_unbind_leaves_nothing(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptrs;
	int i;

	uptrs = kunit_kcalloc(test, 3, sizeof(*uptrs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, uptrs);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, drm_userptr_init(&uptrs[i], &gpu->domain,
						       current->mm, addr,
						       FAKE_LEN, 0), 0);
		KUNIT_ASSERT_EQ(test, drm_userptr_populate(&uptrs[i], 0), 0);
	}

	/* Unbind: the driver frees its objects, then the domain. */
	for (i = 0; i < 3; i++)
		drm_userptr_fini(&uptrs[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->domain.nr_userptrs), 0);
	drm_userptr_domain_fini(&gpu->domain);

	/* The memory stays with the process, which no longer reaches us. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	KUNIT_EXPECT_EQ(test, log->count, 0);
}

#define FAKE_CHUNKS		4
#define FAKE_CHUNK_PAGES	(PMD_SIZE >> PAGE_SHIFT)

/*
 * FAKE_CHUNKS PMD-aligned chunks of small anonymous pages, filled from
 * @seed, registered on @gpu and populated.
 */
static struct drm_userptr *fake_chunked(struct kunit *test,
					struct fake_gpu *gpu, u8 seed,
					unsigned long *addr)
{
	unsigned long base, npages = FAKE_CHUNKS * FAKE_CHUNK_PAGES;
	struct drm_userptr *uptr;

	base = kunit_vm_mmap(test, NULL, 0, (FAKE_CHUNKS + 1) * PMD_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, base, 0);
	*addr = ALIGN(base, PMD_SIZE);
	/* Small pages: a one-page event changes one page, not a THP. */
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, *addr,
					 FAKE_CHUNKS * PMD_SIZE,
					 MADV_NOHUGEPAGE), 0);
	fake_fill_pages(test, *addr, npages, seed);
	uptr = fake_userptr(test, gpu, *addr, npages << PAGE_SHIFT, 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	return uptr;
}

/*
 * Walk @uptr with drm_userptr_dma_run(): the runs must cover every page,
 * each starting at the page's own DMA address and each page of a run
 * following the one before it. Returns the number of runs, or -1 if a run
 * is wrong. Notifier lock held.
 */
static long fake_dma_runs(struct drm_userptr *uptr)
{
	unsigned long pgoff, run, i;
	long nr_runs = 0;
	dma_addr_t addr;

	for (pgoff = 0; pgoff < uptr->npages; pgoff += run) {
		addr = drm_userptr_dma_run(uptr, pgoff, &run);
		if (addr == DMA_MAPPING_ERROR || !run || pgoff + run > uptr->npages)
			return -1;
		for (i = 0; i < run; i++)
			if (uptr->dma[pgoff + i].addr != addr + i * PAGE_SIZE)
				return -1;
		/* A run ends where the addresses stop following each other. */
		if (pgoff + run < uptr->npages &&
		    uptr->dma[pgoff + run].addr == addr + run * PAGE_SIZE)
			return -1;
		nr_runs++;
	}
	return nr_runs;
}

/*
 * The bulk export covers every mapped page in DMA-contiguous runs, a THP in
 * one, and gives nothing for a chunk without mappings.
 */
static void drm_userptr_test_dma_runs(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr = fake_populated(test, gpu, addr, 0x30);
	unsigned long run;
	long nr_runs;

	drm_userptr_notifier_lock(&gpu->domain);
	nr_runs = fake_dma_runs(uptr);
	drm_userptr_notifier_unlock(&gpu->domain);
	KUNIT_EXPECT_GT(test, nr_runs, 0);
	KUNIT_EXPECT_LE(test, nr_runs, FAKE_PAGES);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, drm_userptr_dma_run(uptr, 0, &run),
			DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, run, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_dma_run(uptr, FAKE_PAGES, &run),
			DMA_MAPPING_ERROR);
	drm_userptr_notifier_unlock(&gpu->domain);

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (!has_transparent_hugepage())
		return;
	addr = fake_thp_mmap(test, 0x40);
	uptr = fake_userptr(test, gpu, addr, HPAGE_PMD_SIZE, 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	if (uptr->dma[0].order == 0)
		return;
	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, fake_dma_runs(uptr), 1);
	drm_userptr_notifier_unlock(&gpu->domain);
#endif
}

/*
 * drm_userptr_force_invalidate() acts as an invalidation of the whole
 * userptr without a callback: the commit check fails, the mappings stay
 * readable through the bulk export (without a warning) until the next
 * populate, which maps every page again.
 */
static void drm_userptr_test_force_invalidate(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr = fake_populated(test, gpu, addr, 0x50);
	s64 maps = atomic64_read(&gpu->domain.stats.dma_maps);
	long nr_runs;

	drm_userptr_force_invalidate(uptr);
	KUNIT_EXPECT_FALSE(test, drm_userptr_is_valid(uptr));
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gpu->log->count, 0);
	drm_userptr_notifier_lock(&gpu->domain);
	nr_runs = fake_dma_runs(uptr);
	drm_userptr_notifier_unlock(&gpu->domain);
	KUNIT_EXPECT_GT(test, nr_runs, 0);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_TRUE(test, drm_userptr_is_valid(uptr));
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps) - maps,
			uptr->nr_dma_maps);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x50, false), 0);
}

/*
 * The per-caller check: a copy of the addresses made before an
 * invalidation fails its commit check even after another populate made the
 * userptr valid again, where drm_userptr_check_valid() alone passes; a
 * forced invalidation counts too.
 */
static void drm_userptr_test_snapshot_sees_repopulate(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr = fake_populated(test, gpu, addr, 0x20);
	unsigned long copied, fresh;

	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_ASSERT_EQ(test, drm_userptr_check_valid(uptr), 0);
	copied = drm_userptr_snapshot(uptr);
	KUNIT_EXPECT_EQ(test, drm_userptr_check_snapshot(uptr, copied), 0);
	drm_userptr_notifier_unlock(&gpu->domain);

	/* An invalidation, and another caller's populate, before the commit. */
	KUNIT_ASSERT_EQ(test, drm_kunit_mm_dontneed(addr, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);

	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, drm_userptr_check_valid(uptr), 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_check_snapshot(uptr, copied), -EAGAIN);
	fresh = drm_userptr_snapshot(uptr);
	KUNIT_EXPECT_EQ(test, drm_userptr_check_snapshot(uptr, fresh), 0);
	drm_userptr_notifier_unlock(&gpu->domain);

	drm_userptr_force_invalidate(uptr);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, drm_userptr_check_snapshot(uptr, fresh), -EAGAIN);
	drm_userptr_notifier_unlock(&gpu->domain);
}

/*
 * A device behind an IOMMU (&drm_userptr_domain.map_chunks), on the real
 * DMA API without one: every chunk is mapped as one sg table, the data
 * reads back through the addresses, and every mapping and table goes away
 * with the invalidation (kmemleak and the DMA API's own checks watch).
 */
static void drm_userptr_test_map_chunks_direct(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	gpu->domain.map_chunks = true;
	uptr = fake_populated(test, gpu, addr, 0x60);
	KUNIT_EXPECT_NOT_NULL(test, uptr->chunks[0].sgt.sgl);
	KUNIT_EXPECT_EQ(test, uptr->chunks[0].sgt.orig_nents, uptr->nr_dma_maps);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x60, false), 0);
	KUNIT_EXPECT_EQ(test, fake_device_write(uptr, 0x70), 0);

	KUNIT_ASSERT_EQ(test, drm_kunit_mm_dontneed(addr, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, 0);
	KUNIT_EXPECT_NULL(test, uptr->chunks[0].sgt.sgl);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	/* The device's write reached the pages the CPU kept. */
	KUNIT_EXPECT_EQ(test, fake_cpu_wrong_pages(test, addr + PAGE_SIZE,
						   FAKE_PAGES - 1, 0x71, false), 0);
}

/*
 * A fake IOMMU: each sg table gets one IOVA range, 2 MiB apart, from far
 * above any RAM (so that nothing takes them for bounce buffers).
 */
#define FAKE_IOVA_BASE	((dma_addr_t)1 << 40)

struct fake_iommu {
	dma_addr_t next_iova;
	unsigned int maps;
	unsigned int unmaps;
	/* A device whose mappings fail for want of IOVA space. */
	struct device *full_dev;
};

static struct fake_iommu *fake_iommu_of(struct kunit *test)
{
	return test->priv;
}

static int fake_iommu_map_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir,
				  unsigned long attrs)
{
	struct fake_iommu *iommu = fake_iommu_of(kunit_get_current_test());
	struct scatterlist *sg;
	unsigned int len = 0, k;

	if (dev == iommu->full_dev)
		return -ENOMEM;
	for_each_sgtable_sg(sgt, sg, k)
		len += sg->length;
	sg_dma_address(sgt->sgl) = iommu->next_iova;
	sg_dma_len(sgt->sgl) = len;
	sgt->nents = 1;
	iommu->next_iova += SZ_2M;
	iommu->maps++;
	return 0;
}

static void fake_iommu_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				     enum dma_data_direction dir,
				     unsigned long attrs)
{
	fake_iommu_of(kunit_get_current_test())->unmaps++;
}

/*
 * dma-iommu's answer: it cannot tell from an IOVA whether the mapping
 * bounced, so dma_need_sync() says yes whenever the device may need syncs
 * at all (always under CONFIG_DMA_API_DEBUG, and once any mapping of the
 * device has bounced).
 */
static bool fake_iommu_need_sync(struct device *dev, dma_addr_t addr)
{
	return true;
}

/* A 4 KiB IOMMU granule, which dma_get_merge_boundary() reports less one. */
static unsigned long fake_iommu_merge_boundary(struct device *dev)
{
	return SZ_4K - 1;
}

/*
 * Behind an IOMMU a chunk is one mapping: the bulk export gives one run for
 * the whole chunk, however the pages lie in physical memory, and the
 * invalidation unmaps it in one call.
 */
/* What the helper's DMA calls become for a test. */
struct fake_dma_calls {
	int (*map_sgtable)(struct device *dev, struct sg_table *sgt,
			   enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_sgtable)(struct device *dev, struct sg_table *sgt,
			      enum dma_data_direction dir, unsigned long attrs);
	bool (*need_sync)(struct device *dev, dma_addr_t addr);
	unsigned long (*merge_boundary)(struct device *dev);
};

static const struct fake_dma_calls fake_iommu_calls = {
	.map_sgtable = fake_iommu_map_sgtable,
	.unmap_sgtable = fake_iommu_unmap_sgtable,
	.need_sync = fake_iommu_need_sync,
	.merge_boundary = fake_iommu_merge_boundary,
};

/* A fake IOMMU for @test, which the helper's DMA calls go to via @calls. */
static struct fake_iommu *fake_iommu_create(struct kunit *test,
					    const struct fake_dma_calls *calls)
{
	struct fake_iommu *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	iommu->next_iova = FAKE_IOVA_BASE;
	test->priv = iommu;
	kunit_activate_static_stub(test, drm_userptr_dma_map_sgtable,
				   *calls->map_sgtable);
	kunit_activate_static_stub(test, drm_userptr_dma_unmap_sgtable,
				   *calls->unmap_sgtable);
	kunit_activate_static_stub(test, drm_userptr_dma_need_sync,
				   *calls->need_sync);
	kunit_activate_static_stub(test, drm_userptr_dma_merge_boundary,
				   *calls->merge_boundary);
	return iommu;
}

/* Put the devices of @gpu's domain behind the fake IOMMU, for @test. */
static struct fake_iommu *fake_iommu_install(struct kunit *test,
					     struct fake_gpu *gpu)
{
	struct fake_iommu *iommu = fake_iommu_create(test, &fake_iommu_calls);

	gpu->domain.map_chunks = true;
	return iommu;
}

/*
 * The userptr at @addr, one chunk, is mapped on device @peer (the domain's
 * own if negative) as the fake IOMMU's first IOVA range, whole, and an
 * munmap() unmaps it with one call.
 */
static void fake_expect_first_iova_range(struct kunit *test,
					 struct drm_userptr *uptr, int peer,
					 unsigned long addr)
{
	struct fake_iommu *iommu = fake_iommu_of(test);
	unsigned long run;
	dma_addr_t iova;

	drm_userptr_notifier_lock(uptr->domain);
	if (peer < 0)
		iova = drm_userptr_dma_run(uptr, 0, &run);
	else
		iova = drm_userptr_peer_dma_run(uptr, peer, 0, &run);
	drm_userptr_notifier_unlock(uptr->domain);
	KUNIT_EXPECT_EQ(test, iova, FAKE_IOVA_BASE);
	KUNIT_EXPECT_EQ(test, run, FAKE_PAGES);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	KUNIT_EXPECT_EQ(test, iommu->unmaps, 1);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, 0);
}

static void drm_userptr_test_map_chunks_one_iova_range(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_iommu *iommu = fake_iommu_install(test, gpu);
	struct drm_userptr *uptr;

	fake_fill(test, addr, 0x20);
	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, iommu->maps, 1);
	fake_expect_first_iova_range(test, uptr, -1, addr);
}

/*
 * What page @i of @uptr reads as through the DMA address device @dev has
 * for it: peer @peer of the domain, or the domain's own device if @peer is
 * negative. Every byte of a page holds one value; -1 if they differ or the
 * device has no mapping of the page.
 */
static int fake_dev_page(struct drm_userptr *uptr, int peer,
			 struct device *dev, unsigned long i)
{
	unsigned long run;
	dma_addr_t addr;
	int value = -1;
	u8 *data;

	drm_userptr_notifier_lock(uptr->domain);
	if (peer < 0)
		addr = drm_userptr_dma_run(uptr, i, &run);
	else
		addr = drm_userptr_peer_dma_run(uptr, peer, i, &run);
	if (run) {
		data = drm_kunit_mm_dma_to_virt(dev, addr);
		if (!memchr_inv(data, data[0], PAGE_SIZE))
			value = data[0];
	}
	drm_userptr_notifier_unlock(uptr->domain);
	return value;
}

/* A device for @test, added to @gpu's domain as its peer @index. */
static struct device *fake_peer(struct kunit *test, struct fake_gpu *gpu,
				int index)
{
	char name[40];
	struct device *dev;

	snprintf(name, sizeof(name), "drm_userptr_fake_gpu%d_peer%d", gpu->id,
		 index);
	dev = drm_kunit_mm_dma_device(test, name);
	KUNIT_ASSERT_EQ(test, drm_userptr_domain_add_peer(&gpu->domain, dev),
			index);
	return dev;
}

/*
 * One walk, one notifier, two devices: a populate faults the pages in once
 * and maps them for the domain's device and its peer, each reading the
 * user's data at its own addresses; an invalidation is one start and one
 * finish, after which neither device maps the page it took, and the next
 * populate gives both the new page.
 */
static void drm_userptr_test_peer_shares_the_walk(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	struct device *peer = fake_peer(test, gpu, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr = fake_populated(test, gpu, addr, 0x40);
	unsigned long i;

	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.populates), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps),
			2 * FAKE_PAGES);
	for (i = 0; i < FAKE_PAGES; i++) {
		KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, -1, gpu->dev, i),
				0x40 + i);
		KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, 0, peer, i), 0x40 + i);
	}

	gpu->busy = true;
	KUNIT_ASSERT_EQ(test, drm_kunit_mm_dontneed(addr + 3 * PAGE_SIZE,
						    PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, log->count, 2);
	KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, -1, gpu->dev, 3), -1);
	KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, 0, peer, 3), -1);
	KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, 0, peer, 4), 0x44);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, FAKE_PAGES - 1);

	fake_fill_pages(test, addr + 3 * PAGE_SIZE, 1, 0x93);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps),
			2 * FAKE_PAGES + 2);
	KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, -1, gpu->dev, 3), 0x93);
	KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, 0, peer, 3), 0x93);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, 0);
	KUNIT_EXPECT_EQ(test, fake_dev_page(uptr, 0, peer, 0), -1);
}

/* Peers are added once, before the domain has userptrs. */
static void drm_userptr_test_add_peer_refusals(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct device *peer0, *late;
	struct drm_userptr *uptr;
	unsigned long run = 1;

	KUNIT_EXPECT_EQ(test, drm_userptr_domain_add_peer(&gpu->domain, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, drm_userptr_domain_add_peer(&gpu->domain,
							  gpu->dev), -EEXIST);
	peer0 = fake_peer(test, gpu, 0);
	KUNIT_EXPECT_EQ(test, drm_userptr_domain_add_peer(&gpu->domain, peer0),
			-EEXIST);
	fake_peer(test, gpu, 1);

	uptr = fake_populated(test, gpu, addr, 0x50);
	late = drm_kunit_mm_dma_device(test, "drm_userptr_fake_late_peer");
	KUNIT_EXPECT_EQ(test, drm_userptr_domain_add_peer(&gpu->domain, late),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, gpu->domain.nr_peers, 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps),
			3 * FAKE_PAGES);

	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, drm_userptr_peer_dma_run(uptr, 2, 0, &run),
			DMA_MAPPING_ERROR);
	drm_userptr_notifier_unlock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, run, 0);
}

/*
 * Behind an IOMMU each device gets the chunk as one IOVA range of its own,
 * and an invalidation unmaps both. A peer whose mapping fails leaves the
 * domain's device unmapped too, and the userptr holding nothing.
 */
static void drm_userptr_test_peer_map_chunks(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	struct device *peer = fake_peer(test, gpu, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_iommu *iommu = fake_iommu_install(test, gpu);
	struct drm_userptr *uptr = fake_filled(test, gpu, addr, 0x58);
	unsigned long run;
	dma_addr_t iova;

	iommu->full_dev = peer;
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, iommu->maps, 1);
	KUNIT_EXPECT_EQ(test, iommu->unmaps, 1);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, 0);
	KUNIT_EXPECT_NULL(test, uptr->peer_addrs);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	iommu->full_dev = NULL;
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, iommu->maps, 3);
	drm_userptr_notifier_lock(&gpu->domain);
	iova = drm_userptr_peer_dma_run(uptr, 0, 0, &run);
	drm_userptr_notifier_unlock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, iova, FAKE_IOVA_BASE + 2 * SZ_2M);
	KUNIT_EXPECT_EQ(test, run, FAKE_PAGES);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	KUNIT_EXPECT_EQ(test, iommu->unmaps, 3);
	KUNIT_EXPECT_NULL(test, uptr->chunks[0].peer_sgts);
}

/* Only the domain's own device (the test's priv) is coherent. */
static bool fake_peer_needs_sync(struct device *dev, dma_addr_t addr)
{
	struct fake_gpu *gpu = kunit_get_current_test()->priv;

	return dev != gpu->dev;
}

/*
 * Without an IOMMU, every folio is mapped for each device in turn: a peer
 * that cannot take the pages coherently refuses the userptr, and the
 * mappings the domain's device got are undone.
 */
static void drm_userptr_test_peer_refusal_undoes_mappings(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;

	fake_peer(test, gpu, 0);
	uptr = fake_filled(test, gpu, addr, 0x5c);
	test->priv = gpu;
	kunit_activate_static_stub(test, drm_userptr_dma_need_sync,
				   fake_peer_needs_sync);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, 0);
	KUNIT_EXPECT_NULL(test, uptr->dma);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps), 0);

	kunit_deactivate_static_stub(test, drm_userptr_dma_need_sync);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x5c, false), 0);
}

/* The mixed IOMMU: fake IOVAs for devices in an IOMMU group, else real. */
static int fake_mixed_map_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir,
				  unsigned long attrs)
{
	if (device_iommu_mapped(dev))
		return fake_iommu_map_sgtable(dev, sgt, dir, attrs);
	return dma_map_sgtable(dev, sgt, dir, attrs);
}

static void fake_mixed_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				     enum dma_data_direction dir,
				     unsigned long attrs)
{
	if (device_iommu_mapped(dev))
		fake_iommu_unmap_sgtable(dev, sgt, dir, attrs);
	else
		dma_unmap_sgtable(dev, sgt, dir, attrs);
}

static bool fake_mixed_need_sync(struct device *dev, dma_addr_t addr)
{
	return device_iommu_mapped(dev) || dma_need_sync(dev, addr);
}

static unsigned long fake_mixed_merge_boundary(struct device *dev)
{
	return device_iommu_mapped(dev) ? fake_iommu_merge_boundary(dev) : 0;
}

static const struct fake_dma_calls fake_mixed_calls = {
	.map_sgtable = fake_mixed_map_sgtable,
	.unmap_sgtable = fake_mixed_unmap_sgtable,
	.need_sync = fake_mixed_need_sync,
	.merge_boundary = fake_mixed_merge_boundary,
};

static void fake_leave_iommu_group(void *data)
{
	struct device *dev = data;

	dev->iommu_group = NULL;
}

/*
 * A peer behind an IOMMU, the domain's device not: dma_need_sync() cannot
 * be asked of the peer's IOVAs, so both are mapped by chunk, each as its
 * DMA layer does (one IOVA range for the peer, direct addresses for the
 * domain's device), instead of every populate being refused.
 */
static void drm_userptr_test_peer_behind_iommu(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct fake_iommu *iommu;
	struct drm_userptr *uptr;
	struct device *peer;

	iommu = fake_iommu_create(test, &fake_mixed_calls);
	peer = drm_kunit_mm_dma_device(test, "drm_userptr_fake_iommu_peer");
	/* Only its being non-NULL is looked at: by the helper and the stubs. */
	peer->iommu_group = (struct iommu_group *)iommu;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							fake_leave_iommu_group,
							peer), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_domain_add_peer(&gpu->domain, peer), 0);

	uptr = fake_populated(test, gpu, addr, 0x68);
	KUNIT_EXPECT_EQ(test, fake_read_back(uptr, 0x68, false), 0);
	KUNIT_EXPECT_EQ(test, iommu->maps, 1);
	fake_expect_first_iova_range(test, uptr, 0, addr);
}

static int fake_take_young(pte_t *pte, unsigned long addr,
			   unsigned long next, struct mm_walk *walk)
{
	unsigned long *young = walk->private;

	if (pte_present(ptep_get(pte)) &&
	    ptep_test_and_clear_young(walk->vma, addr, pte))
		(*young)++;
	return 0;
}

static const struct mm_walk_ops fake_young_ops = {
	.pte_entry = fake_take_young,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * The CPU page-table entries in [@addr, @addr + @len) that were used
 * (faulted or accessed) since the last call: the accessed bits are
 * counted and cleared.
 */
static unsigned long fake_pages_touched(unsigned long addr, unsigned long len)
{
	unsigned long young = 0;

	mmap_read_lock(current->mm);
	walk_page_range(current->mm, addr, addr + len, &fake_young_ops, &young);
	mmap_read_unlock(current->mm);
	return young;
}

/*
 * Repopulating a chunk after one of its pages went faults that page in,
 * and leaves the CPU's entries for the other pages of the chunk alone
 * (hmm_range_fault(), asked to fault, faults every page after the first
 * one that needs it).
 */
static void drm_userptr_test_repopulate_faults_only_what_went(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long hit = FAKE_CHUNK_PAGES + 7, addr, chunk;
	struct drm_userptr *uptr;

	uptr = fake_chunked(test, gpu, 0x60, &addr);
	chunk = addr + PMD_SIZE;
	fake_pages_touched(chunk, PMD_SIZE);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr + hit * PAGE_SIZE,
					 PAGE_SIZE, MADV_DONTNEED), 0);
	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_pages_touched(chunk, PMD_SIZE), 1);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
}

/*
 * A one-page event in a userptr of several chunks costs one page: only
 * that page is unmapped and mapped again, the driver is told to zap
 * exactly that page, the other pages of its chunk keep their mappings, an
 * event on a page that is not mapped costs the device nothing, and the
 * device sees the new page and the old data everywhere else.
 */
static void drm_userptr_test_partial_invalidation_remaps_one_page(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	unsigned long npages = FAKE_CHUNKS * FAKE_CHUNK_PAGES;
	unsigned long hit = FAKE_CHUNK_PAGES + 7;
	unsigned long addr, i, wrong = 0, moved = 0;
	struct drm_userptr *uptr;
	dma_addr_t *before;
	s64 maps;

	uptr = fake_chunked(test, gpu, 0x30, &addr);
	before = kunit_kmalloc_array(test, npages, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	drm_userptr_notifier_lock(&gpu->domain);
	for (i = 0; i < npages; i++)
		before[i] = drm_userptr_dma_addr(uptr, i);
	drm_userptr_notifier_unlock(&gpu->domain);
	maps = atomic64_read(&gpu->domain.stats.dma_maps);

	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr + hit * PAGE_SIZE,
					 PAGE_SIZE, MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);
	KUNIT_EXPECT_EQ(test, log->count, 1);
	KUNIT_EXPECT_EQ(test, gpu->zap_pgoff, hit);
	KUNIT_EXPECT_EQ(test, gpu->zap_npages, 1);
	KUNIT_EXPECT_EQ(test, uptr->nr_mapped_chunks, FAKE_CHUNKS);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, npages - 1);

	/* The page is unmapped already: nothing for the device to stop. */
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr + hit * PAGE_SIZE,
					 PAGE_SIZE, MADV_DONTNEED), 0);
	KUNIT_EXPECT_EQ(test, log->count, 1);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gpu->domain.stats.dma_maps) - maps,
			1);

	drm_userptr_notifier_lock(&gpu->domain);
	KUNIT_ASSERT_EQ(test, drm_userptr_check_valid(uptr), 0);
	for (i = 0; i < npages; i++) {
		dma_addr_t dma = drm_userptr_dma_addr(uptr, i);
		u8 *data = drm_kunit_mm_dma_to_virt(gpu->dev, dma);

		if (memchr_inv(data, i == hit ? 0 : (u8)(0x30 + i), PAGE_SIZE))
			wrong++;
		if (i != hit && dma != before[i])
			moved++;
	}
	drm_userptr_notifier_unlock(&gpu->domain);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_EQ(test, moved, 0);
}

/*
 * While a refused non-blockable invalidation of one chunk owes its finish,
 * a non-blockable invalidation of another chunk is refused without a
 * change, and a blockable one must stop the device on its own chunk too
 * (a second start) before the owed finish and its own let the mappings
 * go: the owed start only stopped the first chunk.
 */
static void drm_userptr_test_owed_finish_then_other_chunk(struct kunit *test)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpu = fake_gpu_create(test, log, 0, 0);
	struct drm_userptr *uptr;
	unsigned long addr;

	uptr = fake_chunked(test, gpu, 0x34, &addr);
	gpu->busy = true;
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate_len(addr, PAGE_SIZE),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, log->count, 1);
	KUNIT_EXPECT_EQ(test, fake_nonblock_invalidate_len(addr + PMD_SIZE,
							   PAGE_SIZE),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, log->count, 1);
	KUNIT_EXPECT_EQ(test, uptr->nr_valid_chunks, FAKE_CHUNKS - 1);

	gpu->busy = true;
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr + PMD_SIZE,
					 PAGE_SIZE, MADV_DONTNEED), 0);
	KUNIT_ASSERT_EQ(test, log->count, 4);
	KUNIT_EXPECT_STREQ(test, log->events[1], "S0");
	KUNIT_EXPECT_EQ(test, gpu->zap_pgoff, FAKE_CHUNK_PAGES);
	KUNIT_EXPECT_STREQ(test, log->events[2], "F0");
	KUNIT_EXPECT_STREQ(test, log->events[3], "F0");
	KUNIT_EXPECT_TRUE(test, gpu->finish_saw_mapping);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps,
			FAKE_CHUNKS * FAKE_CHUNK_PAGES - 2);
	KUNIT_EXPECT_FALSE(test, uptr->finish_pending);

	KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
	KUNIT_EXPECT_EQ(test, uptr->nr_dma_maps, FAKE_CHUNKS * FAKE_CHUNK_PAGES);
}

/* Invalidate the range after every fault: population can never settle. */
static void drm_userptr_test_always_race_stub(struct drm_userptr *uptr)
{
	do_madvise(current->mm, drm_userptr_test_race_addr, FAKE_LEN,
		   MADV_DONTNEED);
}

static void drm_userptr_test_populate_times_out(struct kunit *test)
{
	struct fake_gpu *gpu = fake_gpu_create(test, fake_log_create(test), 0, 0);
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	struct drm_userptr *uptr;
	unsigned long start;

	uptr = fake_userptr(test, gpu, addr, FAKE_LEN, 0);
	drm_userptr_test_race_addr = addr;
	kunit_activate_static_stub(test, drm_userptr_fault_done,
				   drm_userptr_test_always_race_stub);

	start = jiffies;
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), -EBUSY);
	KUNIT_EXPECT_GE(test, jiffies_to_msecs(jiffies - start),
			HMM_RANGE_DEFAULT_TIMEOUT);
	KUNIT_EXPECT_GT(test, atomic64_read(&gpu->domain.stats.retries), 1);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), -EAGAIN);

	/* Once the storm is over, population works again. */
	kunit_deactivate_static_stub(test, drm_userptr_fault_done);
	KUNIT_EXPECT_EQ(test, drm_userptr_populate(uptr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_check_valid(uptr), 0);
}

/* Two GPUs, each with a busy userptr on the same memory, then munmap. */
static struct fake_log *fake_two_gpus_munmap(struct kunit *test,
					     unsigned int flags,
					     unsigned int deferred)
{
	struct fake_log *log = fake_log_create(test);
	struct fake_gpu *gpus[2];
	unsigned long addr = fake_mmap(test, PROT_READ | PROT_WRITE);
	int i;

	fake_fill(test, addr, 0x70);
	for (i = 0; i < 2; i++) {
		struct drm_userptr *uptr;

		gpus[i] = fake_gpu_create(test, log, i, flags);
		uptr = fake_userptr(test, gpus[i], addr, FAKE_LEN, 0);
		KUNIT_ASSERT_EQ(test, drm_userptr_populate(uptr, 0), 0);
		gpus[i]->busy = true;
	}
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, FAKE_LEN), 0);
	for (i = 0; i < 2; i++) {
		struct drm_userptr_stats *stats = &gpus[i]->domain.stats;

		KUNIT_EXPECT_FALSE(test, gpus[i]->busy);
		KUNIT_EXPECT_EQ(test, atomic64_read(&stats->deferred_finishes),
				deferred);
		KUNIT_EXPECT_EQ(test, atomic64_read(&stats->sync_finishes),
				1 - deferred);
	}
	KUNIT_ASSERT_EQ(test, log->count, 4);
	return log;
}

static void drm_userptr_test_two_gpus_start_before_finish(struct kunit *test)
{
	struct drm_userptr_domain probe = {};
	struct fake_log *log;

	if (!drm_userptr_domain_two_pass(&probe))
		kunit_skip(test, "this kernel has no two-pass notifiers");
	log = fake_two_gpus_munmap(test, 0, 1);
	/* S S F F, the finishes in the order of the starts. */
	KUNIT_EXPECT_EQ(test, log->events[0][0], 'S');
	KUNIT_EXPECT_EQ(test, log->events[1][0], 'S');
	KUNIT_EXPECT_EQ(test, log->events[2][0], 'F');
	KUNIT_EXPECT_EQ(test, log->events[3][0], 'F');
	KUNIT_EXPECT_EQ(test, log->events[0][1], log->events[2][1]);
	KUNIT_EXPECT_EQ(test, log->events[1][1], log->events[3][1]);
}

static void drm_userptr_test_single_pass_start_finish_pairs(struct kunit *test)
{
	struct fake_log *log;

	log = fake_two_gpus_munmap(test, DRM_USERPTR_DOMAIN_SINGLE_PASS, 0);
	/* S F S F: each GPU is waited for before the next is told. */
	KUNIT_EXPECT_EQ(test, log->events[0][0], 'S');
	KUNIT_EXPECT_EQ(test, log->events[1][0], 'F');
	KUNIT_EXPECT_EQ(test, log->events[2][0], 'S');
	KUNIT_EXPECT_EQ(test, log->events[3][0], 'F');
	KUNIT_EXPECT_EQ(test, log->events[0][1], log->events[1][1]);
	KUNIT_EXPECT_EQ(test, log->events[2][1], log->events[3][1]);
}

static struct kunit_case drm_userptr_test_cases[] = {
	KUNIT_CASE(drm_userptr_test_populate_reads_user_data),
	KUNIT_CASE(drm_userptr_test_init_rejects_bad_ranges),
	KUNIT_CASE(drm_userptr_test_stats_print),
	KUNIT_CASE(drm_userptr_test_read_only),
	KUNIT_CASE(drm_userptr_test_check_vmas_refuses),
	KUNIT_CASE(drm_userptr_test_holes_and_prot_none_fault),
	KUNIT_CASE(drm_userptr_test_pfnmap_faults),
	KUNIT_CASE(drm_userptr_test_munmap_then_remap),
	KUNIT_CASE(drm_userptr_test_mprotect_invalidates),
	KUNIT_CASE(drm_userptr_test_dontneed_gives_zero_pages),
	KUNIT_CASE(drm_userptr_test_lazyfree_device_write_survives_reclaim),
	KUNIT_CASE(drm_userptr_test_read_only_dirties_nothing),
	KUNIT_CASE(drm_userptr_test_cow_write_invalidates),
	KUNIT_CASE(drm_userptr_test_shared_file_memory),
	KUNIT_CASE(drm_userptr_test_fork_then_write_cows),
	KUNIT_CASE(drm_userptr_test_fork_keeps_read_only_valid),
	KUNIT_CASE(drm_userptr_test_write_protect_skips_only_read_only),
#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)
	KUNIT_CASE(drm_userptr_test_own_exclusive_access_keeps_valid),
#endif
	KUNIT_CASE(drm_userptr_test_populate_retries_on_race),
	KUNIT_CASE(drm_userptr_test_populate_once_returns_eagain),
	KUNIT_CASE(drm_userptr_test_populate_times_out),
	KUNIT_CASE_SLOW(drm_userptr_test_populate_progresses_under_invalidations),
	KUNIT_CASE(drm_userptr_test_thp_one_mapping_per_folio),
	KUNIT_CASE(drm_userptr_test_thp_split_to_dma_limit),
	KUNIT_CASE(drm_userptr_test_bounce_refused),
	KUNIT_CASE(drm_userptr_test_failslab_every_allocation),
	KUNIT_CASE(drm_userptr_test_exit_while_busy),
	KUNIT_CASE(drm_userptr_test_fini_waits_for_invalidation),
	KUNIT_CASE(drm_userptr_test_finish_in_use_falls_back),
	KUNIT_CASE(drm_userptr_test_finish_drops_only_its_own_pages),
	KUNIT_CASE(drm_userptr_test_nonblock_never_sleeps),
	KUNIT_CASE(drm_userptr_test_nonblock_refusal_finished_by_populate),
	KUNIT_CASE(drm_userptr_test_nonblock_refusal_finished_by_fini),
	KUNIT_CASE_SLOW(drm_userptr_test_populate_waits_for_owed_finish),
	KUNIT_CASE(drm_userptr_test_failed_populate_keeps_nothing),
	KUNIT_CASE(drm_userptr_test_unbind_leaves_nothing),
	KUNIT_CASE(drm_userptr_test_dma_runs),
	KUNIT_CASE(drm_userptr_test_force_invalidate),
	KUNIT_CASE(drm_userptr_test_snapshot_sees_repopulate),
	KUNIT_CASE(drm_userptr_test_map_chunks_direct),
	KUNIT_CASE(drm_userptr_test_map_chunks_one_iova_range),
	KUNIT_CASE(drm_userptr_test_peer_shares_the_walk),
	KUNIT_CASE(drm_userptr_test_add_peer_refusals),
	KUNIT_CASE(drm_userptr_test_peer_map_chunks),
	KUNIT_CASE(drm_userptr_test_peer_refusal_undoes_mappings),
	KUNIT_CASE(drm_userptr_test_peer_behind_iommu),
	KUNIT_CASE(drm_userptr_test_partial_invalidation_remaps_one_page),
	KUNIT_CASE(drm_userptr_test_repopulate_faults_only_what_went),
	KUNIT_CASE(drm_userptr_test_owed_finish_then_other_chunk),
	KUNIT_CASE(drm_userptr_test_two_gpus_start_before_finish),
	KUNIT_CASE(drm_userptr_test_single_pass_start_finish_pairs),
	{}
};

static struct kunit_suite drm_userptr_test_suite = {
	.name = "drm_userptr",
	.test_cases = drm_userptr_test_cases,
};

kunit_test_suite(drm_userptr_test_suite);
