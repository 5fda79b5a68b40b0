/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * libsimgpu: a small userspace library for the simgpu DRM driver, over
 * libdrm, and the /proc readers its tests share. Every function that
 * returns an int or a long returns 0 (or a count) on success and a negative
 * errno on failure; none of them returns -1 with errno set. The functions
 * are documented in libsimgpu.c.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#ifndef _LIBSIMGPU_H_
#define _LIBSIMGPU_H_

#include <stdbool.h>
#include <stddef.h>

#include "simgpu_drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Most simgpu GPUs simgpu_open_all() looks for: the render minors 128-191. */
#define SIMGPU_LIB_MAX_GPUS	64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* The invalidation modes a VM can be configured in, and their names. */
struct simgpu_mode {
	__u32 mode;
	const char *name;
};

#define SIMGPU_NUM_MODES	3
extern const struct simgpu_mode simgpu_modes[SIMGPU_NUM_MODES];

/* Timeout of simgpu_run(), in nanoseconds. */
#define SIMGPU_RUN_TIMEOUT_NS	(10ll * 1000 * 1000 * 1000)

/* Devices */
int simgpu_open_all(int *fds, int max);
int simgpu_reopen(int fd);

/* The simgpu ioctls */
int simgpu_query(int fd, struct drm_simgpu_query *q);
int simgpu_vm_config(int fd, __u32 mode, __u32 flags);
int simgpu_userptr(int fd, void *addr, __u64 size, __u32 flags,
		   __u32 *handle);
int simgpu_bind(int fd, __u32 handle, __u64 gpu_addr, __u32 flags);
int simgpu_unbind(int fd, __u64 gpu_addr);
int simgpu_submit(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
		  unsigned int engine, __u32 in_syncobj, __u32 out_syncobj,
		  __u64 *job);
int simgpu_exec(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
		unsigned int engine, __u32 in_syncobj, __u32 out_syncobj);
int simgpu_wait(int fd, __u32 syncobj, __s64 timeout_ns, int *status);
int simgpu_wait_job(int fd, __u64 job, __s64 timeout_ns, int *status);
int simgpu_stats(int fd, struct drm_simgpu_stats *s);

/* DRM core objects */
int simgpu_gem_close(int fd, __u32 handle);
int simgpu_userptr_bound(int fd, void *addr, __u64 size, __u32 flags,
			 __u64 gpu_addr, __u32 *handle);
int simgpu_unbind_close(int fd, __u32 handle, __u64 gpu_addr);
int simgpu_syncobj_create(int fd, __u32 *handle);
int simgpu_syncobj_destroy(int fd, __u32 handle);

/* Command builders */
struct drm_simgpu_cmd simgpu_cmd_fill(__u64 dst, __u64 size, __u32 value);
struct drm_simgpu_cmd simgpu_cmd_copy(__u64 dst, __u64 src, __u64 size);
struct drm_simgpu_cmd simgpu_cmd_store_dword(__u64 dst, __u32 value);
struct drm_simgpu_cmd simgpu_cmd_atomic_add(__u64 dst, __u32 value);
struct drm_simgpu_cmd simgpu_cmd_checksum(__u64 dst, __u64 src, __u64 size);
struct drm_simgpu_cmd simgpu_cmd_spin(__u32 usecs);

/* Helpers */
const char *simgpu_mode_name(__u32 mode);
__u64 simgpu_fnv1a(const void *p, size_t n);
long simgpu_smaps_kb(const void *p, const char *field);
long simgpu_meminfo_kb(const char *field);
int simgpu_run(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
	       int *status);

/* Random numbers: a seed gives the same sequence on every machine. */
__u64 simgpu_rng_seed(__u64 seed);
__u64 simgpu_rng_next(__u64 *state);
__u32 simgpu_rng_below(__u64 *state, __u32 n);
bool simgpu_rng_one_in(__u64 *state, __u32 n);

#if defined(__cplusplus)
}
#endif

#endif /* _LIBSIMGPU_H_ */
