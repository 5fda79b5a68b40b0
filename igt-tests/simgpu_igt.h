/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the simgpu IGT tests: opening GPUs and VMs, userptr BOs,
 * running jobs, and the stale-access check every subtest ends with.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#ifndef SIMGPU_IGT_H
#define SIMGPU_IGT_H

#include <stddef.h>
#include <sys/types.h>

#include "igt.h"
#include "libsimgpu.h"

#define SIMGPU_IGT_MAX_GPUS	16

/* 64-bit, unlike IGT's int NSEC_PER_SEC. */
#define SIMGPU_IGT_NS_PER_MS	1000000ull
#define SIMGPU_IGT_NS_PER_SEC	1000000000ull

/* The job timeout module parameter. */
#define SIMGPU_IGT_JOB_TIMEOUT_PARAM \
	"/sys/module/simgpu/parameters/job_timeout_ms"

/* GPU addresses the tests bind at. */
#define SIMGPU_IGT_VA		(1ull << 32)
#define SIMGPU_IGT_VA2		(2ull << 32)
#define SIMGPU_IGT_VA3		(3ull << 32)

struct simgpu_igt_gpu {
	int fd;
	struct drm_simgpu_query q;
};

#define for_each_simgpu_mode(m)						\
	for ((m) = simgpu_modes; (m) < simgpu_modes + SIMGPU_NUM_MODES; (m)++)

/* A test run once per invalidation mode, see simgpu_igt_run_mode_tests(). */
struct simgpu_igt_mode_test {
	const char *name;
	void (*func)(const struct simgpu_igt_gpu *gpu, __u32 mode);
};

int simgpu_igt_open_gpus(struct simgpu_igt_gpu *gpus, int max);
int simgpu_igt_init(struct simgpu_igt_gpu *gpus, size_t *page_size);
void simgpu_igt_close_gpus(struct simgpu_igt_gpu *gpus, int n);
void simgpu_igt_run_mode_tests(const struct simgpu_igt_gpu *gpu,
			       const struct simgpu_igt_mode_test *tests,
			       unsigned int n);
void simgpu_igt_run_per_mode(const struct simgpu_igt_gpu *gpu,
			     void (*func)(const struct simgpu_igt_gpu *gpu,
					  __u32 mode));
int simgpu_igt_vm(const struct simgpu_igt_gpu *gpu, __u32 mode);
size_t simgpu_igt_page_size(void);
void *simgpu_igt_mmap(size_t size);
__u32 simgpu_igt_userptr(int fd, void *addr, size_t size, __u32 flags);
void simgpu_igt_bind(int fd, __u32 handle, __u64 va, __u32 flags);
__u32 simgpu_igt_userptr_bound(int fd, void *addr, size_t size, __u64 va);
int simgpu_igt_run(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n);
__u64 simgpu_igt_submit(int fd, const struct drm_simgpu_cmd *cmds,
			unsigned int n);
int simgpu_igt_wait(int fd, __u64 job);
void simgpu_igt_fill(int fd, __u64 va, size_t size, __u32 value);
void simgpu_igt_checksum(int fd, __u64 va, size_t size, __u64 result_va);
void simgpu_igt_assert_filled(const void *p, size_t size, __u32 value);
bool simgpu_igt_is_filled(const void *p, size_t size, __u32 value);
void simgpu_igt_assert_job_fails(int fd, __u32 mode,
				 const struct drm_simgpu_cmd *cmds,
				 unsigned int n, int exec_err);
int simgpu_igt_wait_child(pid_t pid);
unsigned int simgpu_igt_job_timeout_ms(unsigned int ms);
__u64 simgpu_igt_now_ns(void);
void simgpu_igt_assert_no_stale(const struct simgpu_igt_gpu *gpu);
void simgpu_igt_assert_no_stale_all(const struct simgpu_igt_gpu *gpus, int n);

#endif /* SIMGPU_IGT_H */
