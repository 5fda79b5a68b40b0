/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * KUnit helpers for tests of device access to user memory: the mm changes
 * (mprotect, fork) that a test of a userptr path needs to make to the KUnit
 * thread's mm, and a DMA-capable fake device.
 */
#ifndef _DRM_KUNIT_MM_H_
#define _DRM_KUNIT_MM_H_

#include <linux/types.h>

struct device;
struct kunit;

struct device *drm_kunit_mm_dma_device(struct kunit *test, const char *name);
unsigned long drm_kunit_mm_mmap(struct kunit *test, size_t len,
				unsigned long prot);
int drm_kunit_mm_mprotect(unsigned long start, size_t len,
			  unsigned long prot);
int drm_kunit_mm_dontneed(unsigned long start, size_t len);
u8 drm_kunit_mm_fork_and_read(struct kunit *test, unsigned long addr);
void *drm_kunit_mm_dma_to_virt(struct device *dev, dma_addr_t addr);
bool drm_kunit_mm_failslab_available(void);

#endif /* _DRM_KUNIT_MM_H_ */
