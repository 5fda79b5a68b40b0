// SPDX-License-Identifier: MIT
/*
 * simgpu userptr BOs beyond one BO in one process: overlapping BOs of one
 * range, one range in a BO on every GPU, the jobs of a process that exits,
 * threads changing CPU mappings under running jobs, and a small ioctl fuzzer.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#define _GNU_SOURCE
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

#define NSEC_PER_MSEC	1000000ull
#define NSEC_PER_SEC	1000000000ull

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

/* xorshift64*: self-contained, so that a seed gives the same sequence. */
static __u64 rnd64(__u64 *state)
{
	__u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static __u32 rnd(__u64 *state, __u32 n)
{
	return (rnd64(state) >> 32) % n;
}

static bool one_in(__u64 *state, __u32 n)
{
	return !rnd(state, n);
}

/* A splitmix64 step: a nonzero state for any seed. */
static __u64 rnd_init(__u64 seed)
{
	seed += 0x9e3779b97f4a7c15ull;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
	seed ^= seed >> 31;
	return seed ? seed : 1;
}

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
		fd = simgpu_igt_vm(&gpus[i], simgpu_igt_modes[i % 3].mode);
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
static void test_overlap_all_gpus(__u32 mode)
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
	ms = (simgpu_igt_now_ns() - t0) / NSEC_PER_MSEC;
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
static void test_process_exit(__u32 mode)
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
	deadline = simgpu_igt_now_ns() + 10 * NSEC_PER_SEC;
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
#define STRESS_WAIT_NS		(30 * NSEC_PER_SEC)

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

	switch (rnd(&t->rng, 6)) {
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
			memset(s->addr, rnd(&t->rng, 256), size);
		break;
	case 2:
		if (s->state == SLOT_NONE)
			break;
		if (mprotect(s->addr, size, PROT_READ)) {
			stress_bad(t, "mprotect", -errno);
			break;
		}
		s->state = SLOT_RO;
		if (one_in(&t->rng, 2))
			break;
		usleep(rnd(&t->rng, 200));
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
			memset(s->addr + rnd(&t->rng, STRESS_SLOT_PAGES) *
			       page_size, rnd(&t->rng, 256), page_size);
		break;
	}
}

static void *stress_mm_thread(void *arg)
{
	struct stress_thread *t = arg;
	struct stress_slot *s;

	while (stress_running()) {
		s = &stress_slots[rnd(&t->rng, STRESS_SLOTS)];
		if (pthread_mutex_trylock(&s->lock))
			continue;
		stress_mm_op(t, s);
		pthread_mutex_unlock(&s->lock);
		t->ops++;
		usleep(rnd(&t->rng, 300));
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
		si = rnd(&t->rng, STRESS_SLOTS / STRESS_GPU_THREADS) *
		     STRESS_GPU_THREADS + t->index;
	else
		si = rnd(&t->rng, STRESS_SLOTS);
	s = &stress_slots[si];
	owned = si % STRESS_GPU_THREADS == (unsigned int)t->index;
	first = rnd(&t->rng, STRESS_SLOT_PAGES);
	npages = 1 + rnd(&t->rng, STRESS_SLOT_PAGES - first);
	addr = s->addr + first * page_size;
	size = npages * page_size;
	ro = !verify && one_in(&t->rng, 4);
	write = verify || (owned && one_in(&t->rng, 2)) ||
		(ro && one_in(&t->rng, 4));
	value = rnd64(&t->rng);
	flags = ro ? DRM_SIMGPU_USERPTR_READ_ONLY : 0;
	if (one_in(&t->rng, 2))
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
		t->priv[i] = rnd64(&t->rng);
	if (!verify && one_in(&t->rng, 4))
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
		stress_gpu_iteration(t, reopen && one_in(&t->rng, 2));
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
	stress_deadline = simgpu_igt_now_ns() + seconds * NSEC_PER_SEC;
	for (i = 0; i < STRESS_THREADS; i++) {
		t = &threads[i];
		t->gpu = i >= STRESS_MM_THREADS;
		t->index = t->gpu ? i - STRESS_MM_THREADS : i;
		t->rng = rnd_init(seed + i);
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

/*
 * fuzz: random requests on two VMs per GPU, each built valid from what the
 * VM holds, then half of the time spoiled: one 32-bit word of it, or the
 * size in its ioctl number. A BO only ever starts in the arena or at an
 * invalid address, and the arena is followed by max_bo_size of PROT_NONE
 * reservation: the GPU can only reach the arena.
 */
#define FZ_VMS_PER_GPU	2
#define FZ_SLOTS	8
#define FZ_ARENA_PAGES	32
#define FZ_VA(k)	(SIMGPU_IGT_VA + ((__u64)(k) << 24))

enum fz_op {
	FZ_VM_CONFIG, FZ_USERPTR, FZ_BIND, FZ_UNBIND, FZ_EXEC, FZ_WAIT,
	FZ_STATS, FZ_GEM_CLOSE, FZ_SYNCOBJ_CREATE, FZ_SYNCOBJ_DESTROY,
	FZ_UNKNOWN, FZ_NUM_IOCTLS, FZ_MM = FZ_NUM_IOCTLS, FZ_REOPEN,
};

static const struct {
	const char *name;
	unsigned long request;
} fz_ioctls[FZ_NUM_IOCTLS] = {
	[FZ_VM_CONFIG] = { "VM_CONFIG", DRM_IOCTL_SIMGPU_VM_CONFIG },
	[FZ_USERPTR] = { "USERPTR", DRM_IOCTL_SIMGPU_USERPTR },
	[FZ_BIND] = { "BIND", DRM_IOCTL_SIMGPU_BIND },
	[FZ_UNBIND] = { "UNBIND", DRM_IOCTL_SIMGPU_UNBIND },
	[FZ_EXEC] = { "EXEC", DRM_IOCTL_SIMGPU_EXEC },
	[FZ_WAIT] = { "WAIT", DRM_IOCTL_SIMGPU_WAIT },
	[FZ_STATS] = { "STATS", DRM_IOCTL_SIMGPU_STATS },
	[FZ_GEM_CLOSE] = { "GEM_CLOSE", DRM_IOCTL_GEM_CLOSE },
	[FZ_SYNCOBJ_CREATE] = { "SYNCOBJ_CREATE", DRM_IOCTL_SYNCOBJ_CREATE },
	[FZ_SYNCOBJ_DESTROY] = { "SYNCOBJ_DESTROY", DRM_IOCTL_SYNCOBJ_DESTROY },
	[FZ_UNKNOWN] = { "unknown", DRM_IOWR(DRM_COMMAND_BASE + 0x0f,
					     struct drm_simgpu_exec) },
};

/* What a VM holds, 0 for nothing; bound[k]: size of the binding at FZ_VA(k). */
struct fz_vm {
	int fd;
	__u64 bo[FZ_SLOTS], bo_size[FZ_SLOTS], bound[FZ_SLOTS];
	__u64 syncobj[FZ_SLOTS];
};

static __u64 fz_rng;
static char *fz_arena;
static struct drm_simgpu_cmd fz_cmds[4];
/* Room for any size a spoiled ioctl number claims. */
static union {
	struct drm_simgpu_vm_config vm_config;
	struct drm_simgpu_userptr userptr;
	struct drm_simgpu_bind bind;
	struct drm_simgpu_unbind unbind;
	struct drm_simgpu_exec exec;
	struct drm_simgpu_wait wait;
	struct drm_gem_close gem_close;
	struct drm_syncobj_create syncobj_create;
	struct drm_syncobj_destroy syncobj_destroy;
	__u32 words[64];
} fz_arg;

static bool fz_allowed(int err)
{
	static const int allowed[] = {
		0, EINVAL, ENOENT, EFAULT, EEXIST, EBUSY, EAGAIN, ETIME, EPERM,
		EACCES, ENOTTY, ENOMEM, E2BIG, EINTR, ENOSPC, EOPNOTSUPP,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		if (err == allowed[i])
			return true;
	return false;
}

/* Spoil one word of @size bytes at @p. */
static void fz_spoil(void *p, size_t size)
{
	__u32 *w = (__u32 *)p + rnd(&fz_rng, size / 4);
	__u32 junk[] = { 0, ~0u, *w + 1, *w ^ 1u << rnd(&fz_rng, 32),
			 rnd64(&fz_rng) };

	*w = junk[rnd(&fz_rng, ARRAY_SIZE(junk))];
}

/* USERPTR is spoiled apart: its address must stay in the arena or be bad. */
static void fz_spoil_userptr(struct drm_simgpu_userptr *u)
{
	__u64 junk[] = { u->addr + 1 + rnd(&fz_rng, page_size - 1),
			 0xffffffff81000000ull, 1ull << 47,
			 -(__u64)page_size, 0, u->size + 1,
			 gpus[0].q.max_bo_size,
			 gpus[0].q.max_bo_size + page_size };
	unsigned int i = rnd(&fz_rng, ARRAY_SIZE(junk) + 1);

	if (i < 4)
		u->addr = junk[i];
	else if (i < ARRAY_SIZE(junk))
		u->size = junk[i];
	else
		fz_spoil(&u->flags, 4);
}

static void fz_vm_open(struct fz_vm *vm, const struct simgpu_igt_gpu *gpu)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE +
			       rnd(&fz_rng, 3));
}

/* A random slot of @held that holds something, if one does. */
static unsigned int fz_pick(const __u64 *held)
{
	unsigned int i, k = rnd(&fz_rng, FZ_SLOTS);

	for (i = 0; i < FZ_SLOTS && !held[k]; i++)
		k = (k + 1) % FZ_SLOTS;
	return k;
}

static void fz_build_exec(const struct fz_vm *vm,
			  const struct simgpu_igt_gpu *gpu)
{
	unsigned int i, a, b, n = 1 + rnd(&fz_rng, ARRAY_SIZE(fz_cmds));
	__u64 len;

	memset(fz_cmds, 0, sizeof(fz_cmds));
	for (i = 0; i < n; i++) {
		a = fz_pick(vm->bound);
		b = fz_pick(vm->bound);
		len = vm->bound[a] && vm->bound[a] < 2 * page_size ?
		      vm->bound[a] : 2 * page_size;
		len = 4 * (1 + rnd(&fz_rng, len / 4));
		if (one_in(&fz_rng, 5))
			fz_cmds[i] = simgpu_cmd_spin(rnd(&fz_rng, 1000));
		else if (one_in(&fz_rng, 4))
			fz_cmds[i] = simgpu_cmd_copy(FZ_VA(b), FZ_VA(a), len);
		else if (one_in(&fz_rng, 3))
			fz_cmds[i] = simgpu_cmd_checksum(FZ_VA(b), FZ_VA(a), len);
		else if (one_in(&fz_rng, 2))
			fz_cmds[i] = simgpu_cmd_atomic_add(FZ_VA(a) + len - 4, 1);
		else
			fz_cmds[i] = simgpu_cmd_fill(FZ_VA(a), len, len);
	}
	fz_arg.exec.cmds = (uintptr_t)fz_cmds;
	fz_arg.exec.num_cmds = n;
	fz_arg.exec.engine = rnd(&fz_rng, gpu->q.num_engines);
	if (one_in(&fz_rng, 4))
		fz_arg.exec.in_syncobj = vm->syncobj[fz_pick(vm->syncobj)];
	if (!one_in(&fz_rng, 4))
		fz_arg.exec.out_syncobj = vm->syncobj[fz_pick(vm->syncobj)];
}

/* One random request on @vm; returns whether it succeeded. */
static bool fz_one(struct fz_vm *vm, const struct simgpu_igt_gpu *gpu,
		   unsigned int iteration)
{
	/* More BOs, bindings and jobs, and CPU mapping changes. */
	static const unsigned char extra[] = {
		FZ_USERPTR, FZ_BIND, FZ_EXEC, FZ_EXEC, FZ_MM, FZ_REOPEN,
	};
	unsigned int op = rnd(&fz_rng, FZ_NUM_IOCTLS + ARRAY_SIZE(extra));
	unsigned int k = rnd(&fz_rng, FZ_SLOTS), j = rnd(&fz_rng, FZ_SLOTS);
	unsigned int first = rnd(&fz_rng, FZ_ARENA_PAGES), i;
	unsigned int pages = FZ_ARENA_PAGES - first < 8 ?
			     FZ_ARENA_PAGES - first : 8;
	char *page = fz_arena + first * page_size;
	unsigned long request;
	int err;

	if (op >= FZ_NUM_IOCTLS)
		op = extra[op - FZ_NUM_IOCTLS];
	if (op == FZ_MM) {
		/* CPU mapping changes under the BOs, mostly undone at once. */
		if (k < 2)
			err = mprotect(page, page_size, k ? PROT_READ : PROT_NONE);
		else if (k < 4)
			err = madvise(page, page_size, MADV_DONTNEED);
		else
			err = mprotect(fz_arena, FZ_ARENA_PAGES * page_size,
				       PROT_READ | PROT_WRITE);
		igt_assert_eq(err, 0);
		return true;
	}
	if (op == FZ_REOPEN) {
		if (!k) {
			close(vm->fd);
			fz_vm_open(vm, gpu);
		}
		return true;
	}

	memset(&fz_arg, 0, sizeof(fz_arg));
	if (op == FZ_VM_CONFIG) {
		fz_arg.vm_config.mode = rnd(&fz_rng, 4);
		fz_arg.vm_config.flags = rnd(&fz_rng, 2);
	} else if (op == FZ_USERPTR) {
		fz_arg.userptr.addr = (uintptr_t)page;
		fz_arg.userptr.size = (1 + rnd(&fz_rng, pages)) * page_size;
		fz_arg.userptr.flags = rnd(&fz_rng, 4);
	} else if (op == FZ_BIND) {
		k = fz_pick(vm->bo);
		fz_arg.bind.handle = vm->bo[k];
		fz_arg.bind.gpu_addr = FZ_VA(j);
		fz_arg.bind.flags = rnd(&fz_rng, 2);
	} else if (op == FZ_UNBIND) {
		j = fz_pick(vm->bound);
		fz_arg.unbind.gpu_addr = FZ_VA(j);
	} else if (op == FZ_EXEC) {
		fz_build_exec(vm, gpu);
	} else if (op == FZ_WAIT) {
		fz_arg.wait.syncobj = vm->syncobj[fz_pick(vm->syncobj)];
		fz_arg.wait.timeout_ns = rnd(&fz_rng, 3) * 10 * NSEC_PER_MSEC;
	} else if (op == FZ_GEM_CLOSE) {
		k = fz_pick(vm->bo);
		fz_arg.gem_close.handle = vm->bo[k];
	} else if (op == FZ_SYNCOBJ_DESTROY) {
		k = fz_pick(vm->syncobj);
		fz_arg.syncobj_destroy.handle = vm->syncobj[k];
	}

	request = fz_ioctls[op].request;
	if (one_in(&fz_rng, 2)) {
		if (op == FZ_USERPTR)
			fz_spoil_userptr(&fz_arg.userptr);
		else if (op == FZ_EXEC && one_in(&fz_rng, 2))
			fz_spoil(fz_cmds, sizeof(fz_cmds));
		else
			fz_spoil(&fz_arg, _IOC_SIZE(request));
	} else if (op != FZ_USERPTR && one_in(&fz_rng, 8)) {
		/* Not for USERPTR: a truncated address is anywhere. */
		request = _IOC(_IOC_DIR(request), _IOC_TYPE(request),
			       _IOC_NR(request),
			       rnd(&fz_rng, 2 * _IOC_SIZE(request) + 1));
	}
	/* Keep the run short: no long SPIN. */
	for (i = 0; i < ARRAY_SIZE(fz_cmds); i++)
		if (fz_cmds[i].op == DRM_SIMGPU_CMD_SPIN &&
		    fz_cmds[i].value > 1000 &&
		    fz_cmds[i].value <= gpu->q.max_spin_us)
			fz_cmds[i].value = 1000;

	err = ioctl(vm->fd, request, &fz_arg) ? errno : 0;
	igt_assert_f(fz_allowed(err), "iteration %u: %s on gpu%u: %s (%d)\n",
		     iteration, fz_ioctls[op].name, gpu->q.gpu_index,
		     strerror(err), err);
	if (err)
		return false;

	if (op == FZ_USERPTR) {
		vm->bo[k] = fz_arg.userptr.handle;
		vm->bo_size[k] = fz_arg.userptr.size;
	} else if (op == FZ_BIND || op == FZ_UNBIND) {
		vm->bound[j] = op == FZ_BIND ? vm->bo_size[k] : 0;
	} else if (op == FZ_GEM_CLOSE) {
		vm->bo[k] = 0;
	} else if (op == FZ_SYNCOBJ_CREATE || op == FZ_SYNCOBJ_DESTROY) {
		vm->syncobj[k] = op == FZ_SYNCOBJ_CREATE ?
				 fz_arg.syncobj_create.handle : 0;
	}
	return true;
}

static void test_fuzz(void)
{
	unsigned int iterations = env_u64("SIMGPU_FUZZ_ITERATIONS", 2000);
	__u64 seed = env_u64("SIMGPU_FUZZ_SEED", 0xf022ull);
	const size_t arena_size = FZ_ARENA_PAGES * page_size;
	const size_t reserved = arena_size + gpus[0].q.max_bo_size + page_size;
	struct fz_vm vms[SIMGPU_IGT_MAX_GPUS * FZ_VMS_PER_GPU];
	int v, n = num_gpus * FZ_VMS_PER_GPU;
	unsigned int i, ok = 0;

	igt_info("fuzz: seed %#llx (SIMGPU_FUZZ_SEED), %u iterations (SIMGPU_FUZZ_ITERATIONS)\n",
		 (unsigned long long)seed, iterations);
	fz_rng = rnd_init(seed);
	fz_arena = mmap(NULL, reserved, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(fz_arena != MAP_FAILED);
	remap_rw(fz_arena, arena_size);

	for (v = 0; v < n; v++)
		fz_vm_open(&vms[v], &gpus[v / FZ_VMS_PER_GPU]);
	for (i = 0; i < iterations; i++) {
		v = rnd(&fz_rng, n);
		ok += fz_one(&vms[v], &gpus[v / FZ_VMS_PER_GPU], i);
	}
	for (v = 0; v < n; v++)
		close(vms[v].fd);
	igt_info("fuzz: %u of %u requests succeeded\n", ok, iterations);
	igt_assert(ok > 0);

	igt_assert_eq(mprotect(fz_arena, arena_size, PROT_READ | PROT_WRITE),
		      0);
	assert_gpus_work(fz_arena, arena_size - page_size);
	munmap(fz_arena, reserved);
	simgpu_igt_assert_no_stale_all(gpus, num_gpus);
}

igt_main
{
	const struct simgpu_igt_mode *m;
	int i;

	igt_fixture {
		page_size = simgpu_igt_page_size();
		num_gpus = simgpu_igt_open_gpus(gpus, SIMGPU_IGT_MAX_GPUS);
	}

	igt_describe("Overlapping BOs in one VM, and one range in a BO on every GPU.");
	igt_subtest_with_dynamic("overlap") {
		for_each_simgpu_mode(m) {
			igt_dynamic_f("%s-one-gpu", m->name)
				test_overlap_one_gpu(&gpus[0], m->mode);
			igt_dynamic_f("%s-all-gpus", m->name)
				test_overlap_all_gpus(m->mode);
		}
	}

	igt_describe("A process exits with jobs on every GPU: none is lost.");
	igt_subtest_with_dynamic("process-exit") {
		for_each_simgpu_mode(m)
			igt_dynamic(m->name)
				test_process_exit(m->mode);
	}

	igt_describe("Threads change CPU mappings while other threads run jobs.");
	igt_subtest("stress")
		test_stress();

	igt_describe("Random valid and spoiled ioctls on two VMs per GPU.");
	igt_subtest("fuzz")
		test_fuzz();

	igt_fixture {
		for (i = 0; i < num_gpus; i++)
			close(gpus[i].fd);
	}
}
