// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit helpers for tests of device access to user memory.
 *
 * A test of a userptr path maps memory into the KUnit thread's mm with
 * kunit_vm_mmap() and changes it through the real mm paths, as a process
 * would with a system call. munmap has vm_munmap() and MADV_DONTNEED has
 * do_madvise(); mprotect and fork have no kernel entry point, so these
 * helpers call what the system calls call. They use mm internals that are
 * not exported, so they and their users are built in.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <asm/tlb.h>

#include <drm/drm_kunit_mm.h>

/**
 * drm_kunit_mm_dma_device() - a device that can DMA to any system memory
 * @test: the test the device lives as long as
 * @name: its name, unique among the devices of @test
 *
 * A KUnit device with a 64-bit DMA mask: the DMA API maps pages for it
 * directly (or through swiotlb when the kernel forces bounce buffers), so
 * the DMA addresses a driver gets for it are real and
 * drm_kunit_mm_dma_to_virt() reads the memory behind them.
 *
 * Return: the device; the test fails if it cannot be made.
 */
struct device *drm_kunit_mm_dma_device(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	return dev;
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_dma_device);

/**
 * drm_kunit_mm_dma_to_virt() - the kernel address of a DMA address
 * @dev: the device from drm_kunit_mm_dma_device() the address is for
 * @addr: a DMA address mapped for @dev
 *
 * Return: where the kernel sees the memory the device accesses at @addr.
 */
void *drm_kunit_mm_dma_to_virt(struct device *dev, dma_addr_t addr)
{
	return phys_to_virt(dma_to_phys(dev, addr));
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_dma_to_virt);

/**
 * drm_kunit_mm_mmap() - anonymous private memory in the test's mm
 * @test: the test; the memory is unmapped when it ends
 * @len: the size in bytes
 * @prot: PROT_* as for mmap(2)
 *
 * Return: the user address; the test fails if the mapping cannot be made.
 */
unsigned long drm_kunit_mm_mmap(struct kunit *test, size_t len,
				unsigned long prot)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, len, prot,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_NE_MSG(test, addr, 0, "kunit_vm_mmap() failed");
	return addr;
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_mmap);

/**
 * drm_kunit_mm_mprotect() - mprotect(2) in the test's mm
 * @start: first address, page-aligned
 * @len: length in bytes, within one VMA
 * @prot: the new PROT_* protection
 *
 * Return: 0, or the negative errno mprotect(2) would return.
 */
int drm_kunit_mm_mprotect(unsigned long start, size_t len, unsigned long prot)
{
	VMA_ITERATOR(vmi, current->mm, start);
	struct mm_struct *mm = current->mm;
	unsigned long end = start + len;
	struct vm_area_struct *vma, *prev;
	struct mmu_gather tlb;
	unsigned long newflags;
	int ret = -ENOMEM;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_find(&vmi, end);
	if (!vma || vma->vm_start > start || vma->vm_end < end)
		goto out;
	prev = vma_prev(&vmi);
	if (start > vma->vm_start)
		prev = vma;

	tlb_gather_mmu(&tlb, mm);
	for_each_vma_range(vmi, vma, end) {
		newflags = calc_vm_prot_bits(prot, 0) |
			   (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
		ret = mprotect_fixup(&vmi, &tlb, vma, &prev, start, end,
				     newflags);
		break;
	}
	tlb_finish_mmu(&tlb);
out:
	mmap_write_unlock(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_mprotect);

/**
 * drm_kunit_mm_dontneed() - madvise(MADV_DONTNEED) in the test's mm
 * @start: first address, page-aligned
 * @len: length in bytes
 *
 * Return: 0, or the negative errno madvise(2) would return.
 */
int drm_kunit_mm_dontneed(unsigned long start, size_t len)
{
	return do_madvise(current->mm, start, len, MADV_DONTNEED);
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_dontneed);

/* A forked child that keeps the pre-fork pages shared until told to go. */
struct drm_kunit_mm_child {
	unsigned long addr;
	u8 seen;
	struct completion started;
	struct completion release;
	struct completion exiting;
};

static int drm_kunit_mm_child_fn(void *data)
{
	struct drm_kunit_mm_child *child = data;

	if (get_user(child->seen, (u8 __user *)child->addr))
		child->seen = 0;
	complete(&child->started);
	wait_for_completion(&child->release);
	/* The last touch of @child: the test frees it once this returns. */
	complete(&child->exiting);
	do_exit(0);
}

/*
 * At the end of the case, however it ends (an assertion returns early):
 * let the child go and wait until it no longer touches test memory.
 */
static void drm_kunit_mm_child_release(void *data)
{
	struct drm_kunit_mm_child *child = data;

	complete(&child->release);
	wait_for_completion(&child->exiting);
}

/**
 * drm_kunit_mm_fork_and_read() - fork(2) the test thread
 * @test: the test; the child stays until it ends
 * @addr: a user address the child reads
 *
 * The child gets a copy-on-write copy of the test's mm (a kernel_clone()
 * without CLONE_VM), so the parent's private pages are write-protected
 * until the parent writes to them, which breaks COW. The child reads the
 * byte at @addr of its copy and keeps the pages shared until the test
 * ends. SIGCHLD: the KUnit thread ignores it, so the child is reaped.
 *
 * Return: the byte the child read (0 if it could not).
 */
u8 drm_kunit_mm_fork_and_read(struct kunit *test, unsigned long addr)
{
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED,
		.exit_signal = SIGCHLD,
		.fn = drm_kunit_mm_child_fn,
	};
	struct drm_kunit_mm_child *child;
	pid_t pid;

	child = kunit_kzalloc(test, sizeof(*child), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, child);
	child->addr = addr;
	init_completion(&child->started);
	init_completion(&child->release);
	init_completion(&child->exiting);
	args.fn_arg = child;
	pid = kernel_clone(&args);
	KUNIT_ASSERT_GT(test, pid, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							drm_kunit_mm_child_release,
							child), 0);
	wait_for_completion(&child->started);
	return child->seen;
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_fork_and_read);

/**
 * drm_kunit_mm_failslab_available() - can allocations be failed one by one?
 *
 * Fault-injection cases fail the n-th allocation of the code under test
 * with the task's fail-nth counter. That needs CONFIG_FAULT_INJECTION and
 * CONFIG_FAILSLAB, and failslab allowed to fail GFP_KERNEL allocations
 * (``/sys/kernel/debug/failslab/ignore-gfp-wait`` set to N), which only a
 * run after boot can set.
 *
 * Return: true if the current task can be made to fail a GFP_KERNEL slab
 * allocation now.
 */
bool drm_kunit_mm_failslab_available(void)
{
#ifdef CONFIG_FAULT_INJECTION
	void *probe;

	current->fail_nth = 1;
	probe = kmalloc(16, GFP_KERNEL);
	current->fail_nth = 0;
	kfree(probe);
	return !probe;
#else
	return false;
#endif
}
EXPORT_SYMBOL_GPL(drm_kunit_mm_failslab_available);
