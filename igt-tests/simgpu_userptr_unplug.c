// SPDX-License-Identifier: MIT
/*
 * Unbinding a simgpu GPU (root only) while a process has a VM open and a
 * job running: every ioctl returns -ENODEV from then on, the job still
 * completes and writes its memory, closing frees everything, and the GPU
 * binds again.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: unbinding a simgpu GPU in use
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: hot-unplug
 * Test category: functionality test
 *
 * SUBTEST: unbind-busy
 * Description: Unbind a GPU with a VM open and a job running: every ioctl
 *              returns -ENODEV from then on, the job completes and writes
 *              its memory, closing frees everything, and the GPU binds
 *              again.
 * Functionality: unplug
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "simgpu_igt.h"

#define DRIVER_DIR	"/sys/bus/platform/drivers/simgpu"

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

static bool write_sysfs(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t ret;

	if (fd < 0)
		return false;
	ret = write(fd, text, strlen(text));
	close(fd);
	return ret == (ssize_t)strlen(text);
}

/* GPU @index, opened anew, fills a BO, and nothing was stale. */
static void assert_gpu_works(__u32 index, size_t size, __u32 value)
{
	struct simgpu_igt_gpu again[SIMGPU_IGT_MAX_GPUS];
	int i, n, fd;
	void *p;

	n = simgpu_igt_open_gpus(again, SIMGPU_IGT_MAX_GPUS);
	igt_assert_eq(n, num_gpus);
	for (i = 0; i < n; i++) {
		if (again[i].q.gpu_index != index)
			continue;
		p = simgpu_igt_mmap(size);
		fd = simgpu_igt_vm(&again[i], DRM_SIMGPU_MODE_WAIT_IDLE);
		simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
		simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, value);
		simgpu_igt_assert_filled(p, size, value);
		close(fd);
		munmap(p, size);
		simgpu_igt_assert_no_stale(&again[i]);
	}
	for (i = 0; i < n; i++)
		close(again[i].fd);
}

static void test_unbind_busy(struct simgpu_igt_gpu *gpu)
{
	const size_t size = 16 * page_size;
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	__u32 *p = simgpu_igt_mmap(size), *q = simgpu_igt_mmap(page_size);
	struct drm_simgpu_cmd cmds[2];
	char name[32];
	__u32 handle;
	__u64 job;

	snprintf(name, sizeof(name), "simgpu.%u", gpu->q.gpu_index);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	handle = simgpu_igt_userptr(fd, q, page_size, 0);
	cmds[0] = simgpu_cmd_spin(300000);
	cmds[1] = simgpu_cmd_fill(SIMGPU_IGT_VA, size, 0x0dead0);
	job = simgpu_igt_submit(fd, cmds, 2);

	igt_require_f(write_sysfs(DRIVER_DIR "/unbind", name),
		      "cannot unbind %s: %s\n", name, strerror(errno));
	/* Nothing new reaches the device... */
	igt_assert_eq(simgpu_exec(fd, cmds, 2, 0, 0, 0), -ENODEV);
	igt_assert_eq(simgpu_bind(fd, handle, SIMGPU_IGT_VA2, 0), -ENODEV);
	igt_assert_eq(simgpu_userptr(fd, q, page_size, 0, &handle), -ENODEV);
	igt_assert_eq(simgpu_vm_config(fd, DRM_SIMGPU_MODE_FAULT, 0), -ENODEV);
	igt_assert_eq(simgpu_wait_job(fd, job, 0, NULL), -ENODEV);
	/* ...and what was running completes: close() waits for it. */
	close(fd);
	simgpu_igt_assert_filled(p, size, 0x0dead0);
	munmap(p, size);
	munmap(q, page_size);

	igt_assert(write_sysfs(DRIVER_DIR "/bind", name));
	assert_gpu_works(gpu->q.gpu_index, size, 0xa11ce);

	/*
	 * The last file of the unbound device goes: its DRM device is
	 * released. The GPU bound again must not lose anything with it (its
	 * DMA mappings go through the same device, recorded once).
	 */
	close(gpu->fd);
	gpu->fd = -1;
	assert_gpu_works(gpu->q.gpu_index, size, 0xb0b);
}

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("Unbind a GPU with a VM open and a job running, then bind it again.");
	igt_subtest("unbind-busy")
		test_unbind_busy(&gpus[0]);

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
