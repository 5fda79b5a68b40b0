// SPDX-License-Identifier: MIT
/*
 * simgpu userptr BOs beyond one BO in one process: overlapping BOs of one
 * range, one range in a BO on every GPU, the jobs of a process that exits,
 * and threads changing CPU mappings under running jobs. The ioctl fuzzer is
 * the simgpu_fuzz selftest.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: simgpu userptr BOs across BOs, GPUs and processes
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: multi-GPU invalidation
 * Test category: functionality test
 *
 * SUBTEST: overlap
 * Description: Overlapping BOs of one range in one VM, and one range in a
 *              BO on every GPU: one munmap() invalidates all of them, each
 *              GPU stops before the pages go, and the data stays right.
 * Functionality: overlapping BOs
 *
 * SUBTEST: process-exit
 * Description: A process exits with jobs on every GPU: every job completes
 *              and writes its memory, none is lost, and everything is
 *              freed.
 * Functionality: process exit
 *
 * SUBTEST: stress
 * Description: Threads change CPU mappings (munmap, mprotect,
 *              MADV_DONTNEED, remaps) while other threads run jobs on
 *              every GPU: no stale access, no lost write, no kernel splat.
 * Functionality: stress
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "simgpu_igt.h"

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

static __u64 env_u64(const char *name, __u64 def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

/*
 * Reserve [p, p + size), which nothing maps any more, with PROT_NONE: no
 * other mapping can land there, and the GPU cannot use it (-EFAULT) just as
 * if it were a hole.
 */
static void reserve(void *p, size_t size)
{
	void *q = mmap(p, size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		       MAP_FIXED_NOREPLACE, -1, 0);

	igt_assert_f(q == p, "reserving %p: %s\n", p,
		     q == MAP_FAILED ? strerror(errno) : "moved");
}

/* Fresh read-write anonymous memory over a range of ours. */
static void remap_rw(void *p, size_t size)
{
	igt_assert(mmap(p, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p);
}

static struct drm_simgpu_stats gpu_stats(const struct simgpu_igt_gpu *gpu)
{
	struct drm_simgpu_stats s;

	igt_assert_eq(simgpu_stats(gpu->fd, &s), 0);
	return s;
}

/*
 * Every GPU still works on @mem: a FILL seen by the CPU, and a CHECKSUM of
 * CPU data into the page after @mem, which must be read-write too.
 */
static void assert_gpus_work(char *mem, size_t size)
{
	__u64 *hash = (__u64 *)(mem + size);
	int i, fd;

	for (i = 0; i < num_gpus; i++) {
		fd = simgpu_igt_vm(&gpus[i], simgpu_modes[i % SIMGPU_NUM_MODES].mode);
		simgpu_igt_userptr_bound(fd, mem, size, SIMGPU_IGT_VA);
		simgpu_igt_userptr_bound(fd, hash, page_size, SIMGPU_IGT_VA2);
		simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, 0xc4ec0000 | i);
		simgpu_igt_assert_filled(mem, size, 0xc4ec0000 | i);
		mem[i * 4099 % size] = 0x42;
		simgpu_igt_checksum(fd, SIMGPU_IGT_VA, size, SIMGPU_IGT_VA2);
		igt_assert_eq_u64(*hash, simgpu_fnv1a(mem, size));
		close(fd);
	}
}

static unsigned char data_byte(size_t i)
{
	return i * 7 + (i >> 12);
}

/*
 * A = pages 0-7 and B = pages 4-11 of one region, in one VM: what the GPU
 * writes through one is what it reads through the other, and unmapping the
 * overlap invalidates both.
 */
static void test_overlap_one_gpu(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t bo_size = 8 * page_size, size = 12 * page_size;
	/* Page 5 of the region: page 1 of B, page 5 of A. */
	const size_t store = page_size + 20 * 4;
	int fd = simgpu_igt_vm(gpu, mode);
	char *region = simgpu_igt_mmap(size);
	char *a = region, *b = region + 4 * page_size;
	char *result = simgpu_igt_mmap(bo_size + page_size);
	__u64 *hash = (__u64 *)(result + bo_size);
	struct drm_simgpu_cmd cmd;
	__u64 inval;
	size_t i;

	memset(region, 0x5a, size);
	simgpu_igt_userptr_bound(fd, a, bo_size, SIMGPU_IGT_VA);
	simgpu_igt_userptr_bound(fd, b, bo_size, SIMGPU_IGT_VA2);
	simgpu_igt_userptr_bound(fd, result, bo_size + page_size,
				 SIMGPU_IGT_VA3);

	/* A FILL through A reaches pages 0-7 and nothing after. */
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, bo_size, 0x0a0a0a0a);
	simgpu_igt_assert_filled(region, bo_size, 0x0a0a0a0a);
	simgpu_igt_assert_filled(region + bo_size, size - bo_size, 0x5a5a5a5a);

	/* CPU data in pages 4-11, hashed through B. */
	for (i = 4 * page_size; i < size; i++)
		region[i] = data_byte(i);
	simgpu_igt_checksum(fd, SIMGPU_IGT_VA2, bo_size,
			    SIMGPU_IGT_VA3 + bo_size);
	igt_assert_eq_u64(*hash, simgpu_fnv1a(b, bo_size));

	/* Read through A first, so that A's translations are in use. */
	cmd = simgpu_cmd_copy(SIMGPU_IGT_VA3, SIMGPU_IGT_VA, bo_size);
	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), 0);
	igt_assert(!memcmp(result, a, bo_size));

	/* A dword stored through B is read back through A. */
	cmd = simgpu_cmd_store_dword(SIMGPU_IGT_VA2 + store, 0x0b5b5b5b);
	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), 0);
	igt_assert_eq(*(__u32 *)(b + store), 0x0b5b5b5b);
	memset(result, 0, bo_size);
	cmd = simgpu_cmd_copy(SIMGPU_IGT_VA3, SIMGPU_IGT_VA, bo_size);
	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), 0);
	igt_assert_eq(*(__u32 *)(result + 4 * page_size + store), 0x0b5b5b5b);
	igt_assert(!memcmp(result, a, bo_size));

	/* Unmapping the overlap invalidates both BOs. */
	inval = gpu_stats(gpu).invalidations;
	igt_assert_eq(munmap(region + 4 * page_size, 4 * page_size), 0);
	reserve(region + 4 * page_size, 4 * page_size);
	igt_assert_f(gpu_stats(gpu).invalidations >= inval + 2,
		     "%llu invalidations for two BOs\n",
		     (unsigned long long)(gpu_stats(gpu).invalidations - inval));
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, bo_size, 0x11111111);
	simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EFAULT);
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA2, bo_size, 0x22222222);
	simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EFAULT);
	/*
	 * A BO is populated whole before its job runs: neither job wrote
	 * anything. In fault mode the munmap left A's translations of pages
	 * 0-3, which did not change: A's fill wrote them and faulted at the
	 * hole, where B's begins.
	 */
	simgpu_igt_assert_filled(region, 4 * page_size,
				 mode == DRM_SIMGPU_MODE_FAULT ? 0x11111111 :
								 0x0a0a0a0a);
	for (i = bo_size; i < size; i++)
		igt_assert_eq(region[i], (char)data_byte(i));

	/* Memory mapped there again is used by both. */
	remap_rw(region + 4 * page_size, 4 * page_size);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA2, bo_size, 0x33333333);
	simgpu_igt_assert_filled(b, bo_size, 0x33333333);
	simgpu_igt_checksum(fd, SIMGPU_IGT_VA, bo_size,
			    SIMGPU_IGT_VA3 + bo_size);
	igt_assert_eq_u64(*hash, simgpu_fnv1a(a, bo_size));

	close(fd);
	munmap(region, size);
	munmap(result, bo_size + page_size);
	simgpu_igt_assert_no_stale(gpu);
}

#define MARKER(i)	(0x600d0000u | (i))
#define LATE(i)		(0x1a7e0000u | (i))

/*
 * One range in a BO on every GPU. It is a memfd mapped twice: the second
 * mapping shows where the jobs' writes went after the first is unmapped.
 */
static void test_overlap_all_gpus(const struct simgpu_igt_gpu *unused,
				  __u32 mode)
{
	const size_t size = 16 * page_size;
	int memfd = memfd_create("simgpu-all-gpus", MFD_CLOEXEC);
	char *results = simgpu_igt_mmap(num_gpus * page_size);
	__u64 jobs[SIMGPU_IGT_MAX_GPUS];
	__u64 inval[SIMGPU_IGT_MAX_GPUS];
	int fds[SIMGPU_IGT_MAX_GPUS];
	struct drm_simgpu_cmd cmds[2];
	__u32 *region, *view;
	__u64 t0, ms;
	int i;

	igt_assert(memfd >= 0);
	igt_assert_eq(ftruncate(memfd, size), 0);
	region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	igt_assert(region != MAP_FAILED && view != MAP_FAILED);
	close(memfd);
	memset(region, 0xff, size);

	for (i = 0; i < num_gpus; i++) {
		fds[i] = simgpu_igt_vm(&gpus[i], mode);
		simgpu_igt_userptr_bound(fds[i], region, size, SIMGPU_IGT_VA);
		simgpu_igt_userptr_bound(fds[i], results + i * page_size,
					 page_size, SIMGPU_IGT_VA2);
	}

	/* Each GPU in turn writes its own dword. */
	for (i = 0; i < num_gpus; i++) {
		cmds[0] = simgpu_cmd_store_dword(SIMGPU_IGT_VA + 4 * i,
						 MARKER(i));
		igt_assert_eq(simgpu_igt_run(fds[i], cmds, 1), 0);
	}
	for (i = 0; i < num_gpus; i++)
		igt_assert_eq(region[i], MARKER(i));
	simgpu_igt_assert_filled(region + num_gpus, size - 4 * num_gpus, ~0u);

	/* And every GPU reads what all of them wrote. */
	for (i = 0; i < num_gpus; i++) {
		simgpu_igt_checksum(fds[i], SIMGPU_IGT_VA, size, SIMGPU_IGT_VA2);
		igt_assert_eq_u64(*(__u64 *)(results + i * page_size),
				  simgpu_fnv1a(region, size));
	}

	/* Jobs on every GPU, still running when the range is unmapped. */
	for (i = 0; i < num_gpus; i++) {
		inval[i] = gpu_stats(&gpus[i]).invalidations;
		cmds[0] = simgpu_cmd_spin(300000);
		cmds[1] = simgpu_cmd_fill(SIMGPU_IGT_VA + 4 * i, 4, LATE(i));
		jobs[i] = simgpu_igt_submit(fds[i], cmds, 2);
	}
	usleep(50000);
	for (i = 0; i < num_gpus; i++)
		igt_assert_eq(simgpu_wait_job(fds[i], jobs[i], 0, NULL), -ETIME);
	t0 = simgpu_igt_now_ns();
	igt_assert_eq(munmap(region, size), 0);
	ms = (simgpu_igt_now_ns() - t0) / SIMGPU_IGT_NS_PER_MS;
	reserve(region, size);
	igt_info("munmap() with %d jobs running took %llu ms\n", num_gpus,
		 (unsigned long long)ms);
	if (mode == DRM_SIMGPU_MODE_WAIT_IDLE)
		igt_assert_f(ms >= 100, "munmap() did not wait for the jobs\n");
	else
		igt_assert_f(ms < 150, "munmap() waited for the jobs\n");

	for (i = 0; i < num_gpus; i++) {
		if (mode == DRM_SIMGPU_MODE_WAIT_IDLE) {
			/* The jobs finished on the old pages. */
			igt_assert_eq(simgpu_igt_wait(fds[i], jobs[i]), 0);
			igt_assert_eq(view[i], LATE(i));
		} else {
			/* They resumed on the hole: no write reached the pages. */
			igt_assert_eq(simgpu_igt_wait(fds[i], jobs[i]),
				      -EFAULT);
			igt_assert_eq(view[i], MARKER(i));
		}
		igt_assert_f(gpu_stats(&gpus[i]).invalidations > inval[i],
			     "gpu%d: BO not invalidated\n", i);
	}

	/* The one munmap() invalidated the BO on every GPU. */
	for (i = 0; i < num_gpus; i++) {
		struct drm_simgpu_cmd fill =
			simgpu_cmd_fill(SIMGPU_IGT_VA + 4 * i, 4, 0);

		simgpu_igt_assert_job_fails(fds[i], mode, &fill, 1, -EFAULT);
	}
	for (i = 0; i < num_gpus; i++)
		igt_assert_eq(view[i], mode == DRM_SIMGPU_MODE_WAIT_IDLE ?
			      LATE(i) : MARKER(i));

	for (i = 0; i < num_gpus; i++)
		close(fds[i]);
	munmap(region, size);
	munmap(view, size);
	munmap(results, num_gpus * page_size);
	simgpu_igt_assert_no_stale_all(gpus, num_gpus);
}

#define EXIT_PATTERN(i)	(0xe0170000u | (i))

/*
 * The child of test_process_exit(): a VM on every GPU, a BO of the GPU's
 * region, a job, and no cleanup. Returns 0, or the failed step << 4 | GPU.
 */
static int child_submit(__u32 mode, char *shared, size_t region_size)
{
	struct drm_simgpu_cmd cmds[2];
	__u32 handle;
	int i, fd;

	for (i = 0; i < num_gpus; i++) {
		fd = simgpu_reopen(gpus[i].fd);
		if (fd < 0)
			return 0x10 | i;
		if (simgpu_vm_config(fd, mode, 0))
			return 0x20 | i;
		if (simgpu_userptr(fd, shared + i * region_size, region_size,
				   0, &handle))
			return 0x30 | i;
		if (simgpu_bind(fd, handle, SIMGPU_IGT_VA, 0))
			return 0x40 | i;
		cmds[0] = simgpu_cmd_spin(150000);
		cmds[1] = simgpu_cmd_fill(SIMGPU_IGT_VA, region_size,
					  EXIT_PATTERN(i));
		if (simgpu_exec(fd, cmds, 2, 0, 0, 0))
			return 0x60 | i;
	}
	return 0;
}

/* A process exits with jobs running on every GPU: none is lost. */
static void test_process_exit(const struct simgpu_igt_gpu *unused,
			      __u32 mode)
{
	const size_t region_size = 4 * page_size;
	const size_t size = num_gpus * region_size;
	struct drm_simgpu_stats before[SIMGPU_IGT_MAX_GPUS], s;
	char *shared = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int i, status, done;
	__u64 deadline;
	__u32 *r;
	size_t j;
	pid_t pid;

	igt_assert(shared != MAP_FAILED);
	for (i = 0; i < num_gpus; i++)
		before[i] = gpu_stats(&gpus[i]);

	pid = fork();
	igt_assert(pid >= 0);
	if (!pid)
		_exit(child_submit(mode, shared, region_size));
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && !WEXITSTATUS(status),
		     "child: wait status %#x (step %d on gpu%d)\n", status,
		     WEXITSTATUS(status) >> 4, WEXITSTATUS(status) & 15);

	/* Every job completes, however its process went. */
	deadline = simgpu_igt_now_ns() + 10 * SIMGPU_IGT_NS_PER_SEC;
	do {
		for (i = 0, done = 0; i < num_gpus; i++)
			done += gpu_stats(&gpus[i]).jobs > before[i].jobs;
		if (done == num_gpus)
			break;
		usleep(10000);
	} while (simgpu_igt_now_ns() < deadline);
	igt_assert_f(done == num_gpus, "%d of %d jobs lost\n",
		     num_gpus - done, num_gpus);

	for (i = 0; i < num_gpus; i++) {
		r = (__u32 *)(shared + i * region_size);
		s = gpu_stats(&gpus[i]);
		igt_info("gpu%d: %llu jobs, %llu failed\n", i,
			 (unsigned long long)(s.jobs - before[i].jobs),
			 (unsigned long long)(s.job_errors -
					      before[i].job_errors));
		if (mode == DRM_SIMGPU_MODE_WAIT_IDLE) {
			/* The exit waited for the job before dropping the mm. */
			simgpu_igt_assert_filled(r, region_size,
						 EXIT_PATTERN(i));
			igt_assert_eq_u64(s.job_errors, before[i].job_errors);
			continue;
		}
		/* Done in time or stopped by the exit: never elsewhere. */
		for (j = 0; j < region_size / 4; j++)
			igt_assert_f(!r[j] || r[j] == EXIT_PATTERN(i),
				     "gpu%d: dword %zu is %#x\n", i, j, r[j]);
	}

	/* The memory and every GPU still work for this process. */
	for (i = 0; i < num_gpus; i++) {
		int fd = simgpu_igt_vm(&gpus[i], mode);

		simgpu_igt_userptr_bound(fd, shared + i * region_size,
					 region_size, SIMGPU_IGT_VA);
		simgpu_igt_fill(fd, SIMGPU_IGT_VA, region_size,
				~EXIT_PATTERN(i));
		simgpu_igt_assert_filled(shared + i * region_size, region_size,
					 ~EXIT_PATTERN(i));
		close(fd);
	}
	munmap(shared, size);
	simgpu_igt_assert_no_stale_all(gpus, num_gpus);
}

/*
 * stress: CPU mapping changes race with jobs. The slots and the GPU
 * threads' private pages all lie in one arena reserved up front and only
 * ever remapped with MAP_FIXED, so GPU writes can only land there.
 */
#define STRESS_SLOTS		8
#define STRESS_SLOT_PAGES	8
#define STRESS_MM_THREADS	2
#define STRESS_GPU_THREADS	2
#define STRESS_THREADS		(STRESS_MM_THREADS + STRESS_GPU_THREADS)
/* Per GPU thread: data the jobs hash on page 0, the hashes on page 1. */
#define STRESS_PRIV_PAGES	2
#define STRESS_PRIV_DATA	256
#define STRESS_WAIT_NS		(30 * SIMGPU_IGT_NS_PER_SEC)

enum slot_state { SLOT_NONE, SLOT_RO, SLOT_RW };

/* The lock serializes CPU mapping changes of a slot and verified jobs. */
struct stress_slot {
	pthread_mutex_t lock;
	char *addr;
	enum slot_state state;
};

struct stress_thread {
	pthread_t thread;
	bool gpu;
	int index;
	__u64 rng;
	unsigned long ops;
	/* GPU threads */
	char *priv;
	int fd;
	__u32 mode;
	unsigned int reopens;
	unsigned long jobs_ok, jobs_failed, refused, verified;
	/* Unexpected results, and the first of them. */
	unsigned long num_bad;
	const char *bad_what;
	int bad_err;
	unsigned long bad_op;
};

static struct stress_slot stress_slots[STRESS_SLOTS];
static size_t stress_slot_size;
static __u64 stress_deadline;
static bool stress_stop;

static bool stress_running(void)
{
	return !__atomic_load_n(&stress_stop, __ATOMIC_RELAXED) &&
	       simgpu_igt_now_ns() < stress_deadline;
}

static void stress_bad(struct stress_thread *t, const char *what, int err)
{
	if (!t->num_bad++) {
		t->bad_what = what;
		t->bad_err = err;
		t->bad_op = t->ops;
	}
}

/* Make a slot read-write; its lock is held. */
static int slot_make_rw(struct stress_slot *s)
{
	if (s->state == SLOT_NONE) {
		if (mmap(s->addr, stress_slot_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    s->addr)
			return -errno;
	} else if (s->state == SLOT_RO &&
		   mprotect(s->addr, stress_slot_size, PROT_READ | PROT_WRITE)) {
		return -errno;
	}
	s->state = SLOT_RW;
	return 0;
}

/* One CPU mapping change of a slot; its lock is held. */
static void stress_mm_op(struct stress_thread *t, struct stress_slot *s)
{
	const size_t size = stress_slot_size;
	void *p;
	int err;

	switch (simgpu_rng_below(&t->rng, 6)) {
	case 0:
		/* munmap(), then reserve at once: the arena keeps no hole. */
		if (munmap(s->addr, size)) {
			stress_bad(t, "munmap", -errno);
			break;
		}
		p = mmap(s->addr, size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE, -1, 0);
		if (p != s->addr) {
			stress_bad(t, "reserve", p == MAP_FAILED ? -errno : 0);
			__atomic_store_n(&stress_stop, true, __ATOMIC_RELAXED);
		}
		s->state = SLOT_NONE;
		break;
	case 1:
		s->state = SLOT_NONE;
		err = slot_make_rw(s);
		if (err)
			stress_bad(t, "mmap MAP_FIXED", err);
		else
			memset(s->addr, simgpu_rng_below(&t->rng, 256), size);
		break;
	case 2:
		if (s->state == SLOT_NONE)
			break;
		if (mprotect(s->addr, size, PROT_READ)) {
			stress_bad(t, "mprotect", -errno);
			break;
		}
		s->state = SLOT_RO;
		if (simgpu_rng_one_in(&t->rng, 2))
			break;
		usleep(simgpu_rng_below(&t->rng, 200));
		err = slot_make_rw(s);
		if (err)
			stress_bad(t, "mprotect", err);
		break;
	case 3:
		if (s->state == SLOT_RO) {
			err = slot_make_rw(s);
			if (err)
				stress_bad(t, "mprotect", err);
		}
		break;
	case 4:
		if (madvise(s->addr, size, MADV_DONTNEED))
			stress_bad(t, "madvise", -errno);
		break;
	default:
		if (s->state == SLOT_RW)
			memset(s->addr + simgpu_rng_below(&t->rng, STRESS_SLOT_PAGES) *
			       page_size, simgpu_rng_below(&t->rng, 256), page_size);
		break;
	}
}

static void *stress_mm_thread(void *arg)
{
	struct stress_thread *t = arg;
	struct stress_slot *s;

	while (stress_running()) {
		s = &stress_slots[simgpu_rng_below(&t->rng, STRESS_SLOTS)];
		if (pthread_mutex_trylock(&s->lock))
			continue;
		stress_mm_op(t, s);
		pthread_mutex_unlock(&s->lock);
		t->ops++;
		usleep(simgpu_rng_below(&t->rng, 300));
	}
	return NULL;
}

/* A VM of the thread's next GPU and mode, with its private pages bound. */
static int stress_vm_open(struct stress_thread *t)
{
	const struct simgpu_igt_gpu *gpu;
	__u32 handle;
	int fd, err;

	gpu = &gpus[(t->index + STRESS_GPU_THREADS * t->reopens) % num_gpus];
	t->mode = DRM_SIMGPU_MODE_WAIT_IDLE + (t->index + t->reopens) % 3;
	fd = simgpu_reopen(gpu->fd);
	if (fd < 0) {
		stress_bad(t, "reopen", fd);
		return fd;
	}
	err = simgpu_vm_config(fd, t->mode, 0);
	if (!err)
		err = simgpu_userptr(fd, t->priv, STRESS_PRIV_PAGES * page_size,
				     DRM_SIMGPU_USERPTR_POPULATE, &handle);
	if (!err)
		err = simgpu_bind(fd, handle, SIMGPU_IGT_VA2, 0);
	if (err) {
		stress_bad(t, "VM setup", err);
		close(fd);
		return err;
	}
	t->fd = fd;
	return 0;
}

/* Exec and wait: the exec error, 0 with the job's status, or 1. */
static int stress_job(struct stress_thread *t,
		      const struct drm_simgpu_cmd *cmds, unsigned int n,
		      int *status)
{
	__u64 job;
	int err;

	err = simgpu_submit(t->fd, cmds, n, 0, 0, 0, &job);
	if (!err) {
		err = simgpu_wait_job(t->fd, job, STRESS_WAIT_NS, status);
		if (err) {
			stress_bad(t, "WAIT", err);
			err = 1;
		}
	}
	return err;
}

static bool stress_refusal_ok(int err)
{
	/* -EBUSY: population kept racing with invalidations (uapi). */
	return err == -EFAULT || err == -EPERM || err == -EBUSY;
}

/*
 * One job on a random part of a slot. Every eighth one is verified: on a
 * slot only this thread writes, held read-write under the slot's lock, it
 * must succeed and its FILL must be in memory. Only the slot owner writes
 * (other than through read-only BOs, which must fail), so that what the
 * verified job wrote stays there.
 */
static void stress_gpu_iteration(struct stress_thread *t, bool keep)
{
	const __u64 hashes_va = SIMGPU_IGT_VA2 + page_size;
	__u64 *hashes = (__u64 *)(t->priv + page_size);
	bool verify = !(t->ops % 8), ro, owned, write;
	unsigned int si, first, npages, n = 0;
	struct drm_simgpu_cmd cmds[4];
	__u32 handle, flags, value;
	struct stress_slot *s;
	int err, status = 0;
	size_t size, i;
	char *addr;

	if (verify)
		si = simgpu_rng_below(&t->rng, STRESS_SLOTS / STRESS_GPU_THREADS) *
		     STRESS_GPU_THREADS + t->index;
	else
		si = simgpu_rng_below(&t->rng, STRESS_SLOTS);
	s = &stress_slots[si];
	owned = si % STRESS_GPU_THREADS == (unsigned int)t->index;
	first = simgpu_rng_below(&t->rng, STRESS_SLOT_PAGES);
	npages = 1 + simgpu_rng_below(&t->rng, STRESS_SLOT_PAGES - first);
	addr = s->addr + first * page_size;
	size = npages * page_size;
	ro = !verify && simgpu_rng_one_in(&t->rng, 4);
	write = verify || (owned && simgpu_rng_one_in(&t->rng, 2)) ||
		(ro && simgpu_rng_one_in(&t->rng, 4));
	value = simgpu_rng_next(&t->rng);
	flags = ro ? DRM_SIMGPU_USERPTR_READ_ONLY : 0;
	if (simgpu_rng_one_in(&t->rng, 2))
		flags |= DRM_SIMGPU_USERPTR_POPULATE;

	if (verify) {
		pthread_mutex_lock(&s->lock);
		err = slot_make_rw(s);
		if (err) {
			stress_bad(t, "verify: mmap", err);
			goto unlock;
		}
	}

	err = simgpu_userptr(t->fd, addr, size, flags, &handle);
	if (err) {
		if (verify || !(flags & DRM_SIMGPU_USERPTR_POPULATE) ||
		    !stress_refusal_ok(err))
			stress_bad(t, "USERPTR", err);
		t->refused++;
		goto unlock;
	}
	err = simgpu_bind(t->fd, handle, SIMGPU_IGT_VA, 0);
	if (err) {
		stress_bad(t, "BIND", err);
		simgpu_gem_close(t->fd, handle);
		goto unlock;
	}

	for (i = 0; i < STRESS_PRIV_DATA; i++)
		t->priv[i] = simgpu_rng_next(&t->rng);
	if (!verify && simgpu_rng_one_in(&t->rng, 4))
		cmds[n++] = simgpu_cmd_spin(1000);
	cmds[n++] = simgpu_cmd_checksum(hashes_va, SIMGPU_IGT_VA2,
					STRESS_PRIV_DATA);
	if (write)
		cmds[n++] = simgpu_cmd_fill(SIMGPU_IGT_VA, size, value);
	if (!write || verify)
		cmds[n++] = simgpu_cmd_checksum(hashes_va + 8, SIMGPU_IGT_VA,
						size);

	err = stress_job(t, cmds, n, &status);
	if (err < 0) {
		if (verify || !stress_refusal_ok(err))
			stress_bad(t, "EXEC", err);
		t->refused++;
	} else if (!err && !status) {
		if (ro && write)
			stress_bad(t, "write through a read-only BO", 0);
		else if (hashes[0] != simgpu_fnv1a(t->priv, STRESS_PRIV_DATA))
			stress_bad(t, "CHECKSUM of stable memory", 0);
		t->jobs_ok++;
	} else if (!err) {
		if (verify || (status != -EFAULT &&
			       (status != -EACCES || !ro || !write)))
			stress_bad(t, "job status", status);
		t->jobs_failed++;
	}

	if (verify && !err && !status) {
		for (i = 0; i < size / 4; i++)
			if (((__u32 *)addr)[i] != value)
				break;
		if (i < size / 4)
			stress_bad(t, "verify: FILL not in memory", 0);
		else if (hashes[1] != simgpu_fnv1a(addr, size))
			stress_bad(t, "verify: CHECKSUM", 0);
		else
			t->verified++;
	}

	/* Sometimes left for closing the VM to clean up. */
	if (!keep) {
		err = simgpu_unbind(t->fd, SIMGPU_IGT_VA);
		if (err)
			stress_bad(t, "UNBIND", err);
		err = simgpu_gem_close(t->fd, handle);
		if (err)
			stress_bad(t, "GEM_CLOSE", err);
	}
unlock:
	if (verify)
		pthread_mutex_unlock(&s->lock);
}

static void *stress_gpu_thread(void *arg)
{
	struct stress_thread *t = arg;
	bool reopen;

	if (stress_vm_open(t))
		return NULL;
	while (stress_running()) {
		reopen = t->ops % 16 == 15;
		stress_gpu_iteration(t, reopen && simgpu_rng_one_in(&t->rng, 2));
		t->ops++;
		if (reopen) {
			close(t->fd);
			t->reopens++;
			if (stress_vm_open(t))
				return NULL;
		}
	}
	close(t->fd);
	return NULL;
}

static void test_stress(void)
{
	__u64 seconds = env_u64("SIMGPU_STRESS_SECONDS", 6);
	__u64 seed = env_u64("SIMGPU_STRESS_SEED", 0x57e55ull);
	const size_t priv_size = STRESS_PRIV_PAGES * page_size;
	struct stress_thread threads[STRESS_THREADS], *t;
	size_t slots_size, arena_size;
	unsigned long jobs_ok = 0;
	char *arena;
	int i;

	if (!seconds)
		seconds = 1;
	igt_info("stress: seed %#llx (SIMGPU_STRESS_SEED), %llu s (SIMGPU_STRESS_SECONDS)\n",
		 (unsigned long long)seed, (unsigned long long)seconds);

	stress_slot_size = STRESS_SLOT_PAGES * page_size;
	slots_size = STRESS_SLOTS * stress_slot_size;
	arena_size = slots_size + STRESS_GPU_THREADS * priv_size;
	arena = mmap(NULL, arena_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(arena != MAP_FAILED);
	remap_rw(arena, arena_size);
	memset(arena, 0x5a, arena_size);
	for (i = 0; i < STRESS_SLOTS; i++) {
		stress_slots[i].addr = arena + i * stress_slot_size;
		stress_slots[i].state = SLOT_RW;
		igt_assert_eq(pthread_mutex_init(&stress_slots[i].lock, NULL),
			      0);
	}

	memset(threads, 0, sizeof(threads));
	stress_stop = false;
	stress_deadline = simgpu_igt_now_ns() + seconds * SIMGPU_IGT_NS_PER_SEC;
	for (i = 0; i < STRESS_THREADS; i++) {
		t = &threads[i];
		t->gpu = i >= STRESS_MM_THREADS;
		t->index = t->gpu ? i - STRESS_MM_THREADS : i;
		t->rng = simgpu_rng_seed(seed + i);
		t->priv = arena + slots_size + t->index * priv_size;
		igt_assert_eq(pthread_create(&t->thread, NULL,
					     t->gpu ? stress_gpu_thread :
					     stress_mm_thread, t), 0);
	}
	for (i = 0; i < STRESS_THREADS; i++)
		igt_assert_eq(pthread_join(threads[i].thread, NULL), 0);

	for (i = 0; i < STRESS_THREADS; i++) {
		t = &threads[i];
		if (t->gpu)
			igt_info("gpu thread %d: %lu jobs, %lu ok, %lu failed, %lu refused, %lu verified, %u VMs\n",
				 t->index, t->ops, t->jobs_ok, t->jobs_failed,
				 t->refused, t->verified, t->reopens + 1);
		else
			igt_info("mm thread %d: %lu mapping changes\n",
				 t->index, t->ops);
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		t = &threads[i];
		igt_assert_f(!t->num_bad,
			     "%s thread %d: %lu unexpected results, the first at op %lu: %s: %d (%s)\n",
			     t->gpu ? "gpu" : "mm", t->index, t->num_bad,
			     t->bad_op, t->bad_what, t->bad_err,
			     strerror(-t->bad_err));
		if (t->gpu) {
			igt_assert_f(t->verified,
				     "gpu thread %d verified no job\n",
				     t->index);
			jobs_ok += t->jobs_ok;
		}
	}
	igt_assert(jobs_ok > 0);

	remap_rw(arena, slots_size);
	assert_gpus_work(arena, slots_size);
	munmap(arena, arena_size);
	for (i = 0; i < STRESS_SLOTS; i++)
		pthread_mutex_destroy(&stress_slots[i].lock);
	simgpu_igt_assert_no_stale_all(gpus, num_gpus);
}

static const struct simgpu_igt_mode_test overlap_tests[] = {
	{ "one-gpu", test_overlap_one_gpu },
	{ "all-gpus", test_overlap_all_gpus },
};

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("Overlapping BOs in one VM, and one range in a BO on every GPU.");
	igt_subtest_with_dynamic("overlap")
		simgpu_igt_run_mode_tests(&gpus[0], overlap_tests,
					  ARRAY_SIZE(overlap_tests));

	igt_describe("A process exits with jobs on every GPU: none is lost.");
	igt_subtest_with_dynamic("process-exit")
		simgpu_igt_run_per_mode(&gpus[0], test_process_exit);

	igt_describe("Threads change CPU mappings while other threads run jobs.");
	igt_subtest("stress")
		test_stress();

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
