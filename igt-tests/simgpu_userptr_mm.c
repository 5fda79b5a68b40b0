// SPDX-License-Identifier: MIT
/*
 * simgpu userptr BOs and the process's memory management: fork (COW,
 * shared memory, MADV_DONTFORK, a child exiting while a job runs),
 * transparent huge pages (splits, compaction), file-backed memory (memfd,
 * shmem, truncation, private COW mappings, writeback to a disk file system)
 * and userfaultfd.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: simgpu userptr BOs and the process memory management
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: userptr invalidation
 * Test category: functionality test
 *
 * SUBTEST: fork
 * Description: fork() with BOs: COW breaks, MAP_SHARED memory,
 *              MADV_DONTFORK, a child exiting with a job running, read-
 *              only BOs. The parent BOs follow the parent pages and the
 *              GPU never writes a page the child now owns.
 * Functionality: fork
 *
 * SUBTEST: thp
 * Description: Transparent huge pages under BOs: huge mappings, splits by
 *              munmap() and mprotect() of half a huge page, and compaction
 *              moving the pages. The GPU follows the pages as they split
 *              and move.
 * Functionality: THP
 *
 * SUBTEST: partial
 * Description: One page changing in a BO of four 2 MiB chunks: only that
 *              chunk is invalidated and repopulated, and the data of the
 *              others stays where the GPU reads it.
 * Functionality: partial invalidation
 *
 * SUBTEST: file-backed
 * Description: File mappings: memfd, /dev/shm, truncation, private COW of
 *              a file, and ext4 writeback. GPU writes reach the file and
 *              are not lost when the page is written back or truncated.
 * Functionality: file-backed memory
 *
 * SUBTEST: userfaultfd
 * Description: Missing pages of a userfaultfd range served by a handler
 *              thread: population waits for the handler instead of
 *              failing.
 * Functionality: userfaultfd
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/userfaultfd.h>

#include "simgpu_igt.h"

#define SZ_1M			(1024ul * 1024)
#define SZ_2M			(2 * SZ_1M)

/* Where the tests bind the page that receives GPU checksums. */
#define RESULT_VA		SIMGPU_IGT_VA3

/* How long a child waits for its parent before giving up. */
#define CHILD_TIMEOUT_MS	20000

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

/* Every dword of @p is @value; safe in a forked child (no assert). */
static void cpu_fill(void *p, size_t size, __u32 value)
{
	__u32 *dw = p;
	size_t i;

	for (i = 0; i < size / sizeof(*dw); i++)
		dw[i] = value;
}

/* A pattern in which every dword differs; safe in a forked child. */
static void cpu_pattern(void *p, size_t size, __u32 seed)
{
	__u32 *dw = p;
	size_t i;

	for (i = 0; i < size / sizeof(*dw); i++)
		dw[i] = seed + (__u32)i * 0x9e3779b9u;
}

/* Whether @p holds cpu_pattern(@seed); safe in a forked child. */
static bool is_pattern(const void *p, size_t size, __u32 seed)
{
	const __u32 *dw = p;
	size_t i;

	for (i = 0; i < size / sizeof(*dw); i++)
		if (dw[i] != seed + (__u32)i * 0x9e3779b9u)
			return false;
	return true;
}

/* FNV-1a of @size bytes filled with the dword @value. */
static __u64 fnv1a_filled(size_t size, __u32 value)
{
	void *buf = malloc(size);
	__u64 hash;

	igt_assert(buf);
	cpu_fill(buf, size, value);
	hash = simgpu_fnv1a(buf, size);
	free(buf);
	return hash;
}

/* FNV-1a of @size bytes of cpu_pattern(@seed). */
static __u64 fnv1a_pattern(size_t size, __u32 seed)
{
	void *buf = malloc(size);
	__u64 hash;

	igt_assert(buf);
	cpu_pattern(buf, size, seed);
	hash = simgpu_fnv1a(buf, size);
	free(buf);
	return hash;
}

/* A page of anonymous memory bound at RESULT_VA, for GPU checksums. */
static __u64 *bind_result(int fd)
{
	__u64 *result = simgpu_igt_mmap(page_size);

	simgpu_igt_userptr_bound(fd, result, page_size, RESULT_VA);
	return result;
}

/* The GPU's FNV-1a of [@va, @va + @size), through the result page. */
static __u64 gpu_hash(int fd, __u64 va, size_t size, const __u64 *result)
{
	simgpu_igt_checksum(fd, va, size, RESULT_VA);
	return *result;
}

/* fork(), which must succeed. */
static pid_t fork_child(void)
{
	pid_t pid = fork();

	igt_assert_f(pid >= 0, "fork: %s\n", strerror(errno));
	return pid;
}

/* Send a byte through a pipe; safe in a forked child. */
static bool pipe_notify(int fd)
{
	char c = 1;

	return write(fd, &c, 1) == 1;
}

/* Wait for a byte from a pipe; safe in a forked child. */
static bool pipe_await(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return false;
	return read(fd, &c, 1) == 1;
}

/*
 * Private anonymous memory is COW-shared with a child by fork(): the
 * parent's BO keeps following the parent's pages, whatever the child
 * writes to its copy, and the child never sees the parent's GPU writes.
 */
static void test_fork_cow(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 p_val = 0x0c0e0001, s_val = 0x0c0e0005;
	const __u32 q_seed = 0x0c0e1000, r_seed = 0x0c0e2000;
	int fd = simgpu_igt_vm(gpu, mode);
	__u32 *p = simgpu_igt_mmap(size);
	__u64 *result = bind_result(fd);
	int to_parent[2], to_child[2];
	pid_t pid;

	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, p_val);
	simgpu_igt_assert_filled(p, size, p_val);

	igt_assert_eq(pipe(to_parent), 0);
	igt_assert_eq(pipe(to_child), 0);
	pid = fork_child();
	if (!pid) {
		int ret = 0;

		close(to_parent[0]);
		close(to_child[1]);
		if (!simgpu_igt_is_filled(p, size, p_val))
			ret |= 1;
		cpu_pattern(p, size, q_seed);
		if (!pipe_notify(to_parent[1]))
			ret |= 2;
		if (!pipe_await(to_child[0], CHILD_TIMEOUT_MS))
			ret |= 4;
		/* The parent's GPU fill went to the parent's pages only. */
		if (!is_pattern(p, size, q_seed))
			ret |= 8;
		_exit(ret);
	}
	close(to_parent[1]);
	close(to_child[0]);
	igt_assert(pipe_await(to_parent[0], CHILD_TIMEOUT_MS));

	/* The child has written its copy: the parent's data is unchanged. */
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_filled(size, p_val));
	simgpu_igt_assert_filled(p, size, p_val);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, s_val);
	simgpu_igt_assert_filled(p, size, s_val);

	igt_assert(pipe_notify(to_child[1]));
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);
	close(to_parent[0]);
	close(to_child[1]);

	cpu_pattern(p, size, r_seed);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_pattern(size, r_seed));

	close(fd);
	munmap(p, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * MAP_SHARED anonymous memory is the same pages in parent and child: the
 * parent's GPU sees what the child wrote, and a child sees the GPU's
 * writes.
 */
static void test_fork_shared(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 p_val = 0x5ea70001, s_val = 0x5ea70005;
	const __u32 q_seed = 0x5ea71000;
	int fd = simgpu_igt_vm(gpu, mode);
	__u64 *result = bind_result(fd);
	__u32 *p;
	pid_t pid;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(p != MAP_FAILED);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, p_val);
	simgpu_igt_assert_filled(p, size, p_val);

	pid = fork_child();
	if (!pid) {
		int ret = simgpu_igt_is_filled(p, size, p_val) ? 0 : 1;

		cpu_pattern(p, size, q_seed);
		_exit(ret);
	}
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);

	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_pattern(size, q_seed));
	igt_assert(is_pattern(p, size, q_seed));

	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, s_val);
	simgpu_igt_assert_filled(p, size, s_val);
	pid = fork_child();
	if (!pid)
		_exit(simgpu_igt_is_filled(p, size, s_val) ? 0 : 1);
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);

	close(fd);
	munmap(p, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * MADV_DONTFORK memory is not in the child at all: the child can map
 * something else there, and the parent's BO is not affected.
 */
static void test_fork_dontfork(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 p_val = 0xd0f00001, q_val = 0xd0f00003;
	const __u32 s_val = 0xd0f00005;
	int fd = simgpu_igt_vm(gpu, mode);
	__u32 *p = simgpu_igt_mmap(size);
	__u64 *result = bind_result(fd);
	pid_t pid;

	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, p_val);
	igt_assert_eq(madvise(p, size, MADV_DONTFORK), 0);

	pid = fork_child();
	if (!pid) {
		int ret = 0;
		void *q;

		/* Nothing is mapped there in the child. */
		if (msync(p, size, MS_ASYNC) != -1 || errno != ENOMEM)
			ret |= 1;
		q = mmap(p, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
		if (q != (void *)p)
			ret |= 2;
		else
			cpu_fill(q, size, q_val);
		_exit(ret);
	}
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);

	simgpu_igt_assert_filled(p, size, p_val);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_filled(size, p_val));
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, s_val);
	simgpu_igt_assert_filled(p, size, s_val);

	close(fd);
	munmap(p, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * fork() while a job writes the parent's memory, and the child writes its
 * copy and exits: the job completes, and its writes are in the parent's
 * pages. In wait-idle mode fork() itself waits for the job (fork
 * write-protects the parent's pages: an invalidation).
 */
static void test_fork_child_exits_busy(const struct simgpu_igt_gpu *gpu,
				       __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 p_val = 0xb5e70001, q_val = 0xb5e70003;
	int fd = simgpu_igt_vm(gpu, mode);
	__u32 *p = simgpu_igt_mmap(size);
	__u64 *result = bind_result(fd);
	struct drm_simgpu_cmd cmds[2];
	__u64 job;
	int status;
	pid_t pid;

	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	/* Mapped by the GPU before the fork, in every mode. */
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, 0);

	cmds[0] = simgpu_cmd_spin(200000);
	cmds[1] = simgpu_cmd_fill(SIMGPU_IGT_VA, size, p_val);
	job = simgpu_igt_submit(fd, cmds, 2);
	usleep(50000);

	pid = fork_child();
	if (!pid) {
		cpu_fill(p, size, q_val);
		_exit(0);
	}
	if (mode == DRM_SIMGPU_MODE_WAIT_IDLE) {
		igt_assert_eq(simgpu_wait_job(fd, job, 0, &status), 0);
		igt_assert_eq(status, 0);
	}
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);

	igt_assert_eq(simgpu_igt_wait(fd, job), 0);
	simgpu_igt_assert_filled(p, size, p_val);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_filled(size, p_val));

	close(fd);
	munmap(p, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * fork() write-protects the parent's private pages for COW. That changes
 * no page a read-only BO maps, so with a job running on the BO the fork
 * causes no invalidation, preemption or TLB flush on the GPU. The write
 * the parent makes then breaks the COW: the GPU must read the new pages.
 */
static void test_fork_read_only(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 seed = 0x0f0e1000, c_seed = 0x0f0e2000, w_seed = 0x0f0e3000;
	int fd = simgpu_igt_vm(gpu, mode);
	__u32 *p = simgpu_igt_mmap(size);
	__u64 *result = simgpu_igt_mmap(page_size);
	struct drm_simgpu_stats before, after;
	struct drm_simgpu_cmd cmds[2];
	__u32 handle;
	__u64 job;
	pid_t pid;

	/* Not COW-shared: the fork write-protects only the BO's pages. */
	igt_assert_eq(madvise(result, page_size, MADV_DONTFORK), 0);
	simgpu_igt_userptr_bound(fd, result, page_size, RESULT_VA);
	cpu_pattern(p, size, seed);
	handle = simgpu_igt_userptr(fd, p, size, DRM_SIMGPU_USERPTR_READ_ONLY);
	simgpu_igt_bind(fd, handle, SIMGPU_IGT_VA, 0);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_pattern(size, seed));

	/* A job on the BO: what an invalidation would preempt or wait for. */
	cmds[0] = simgpu_cmd_spin(200000);
	cmds[1] = simgpu_cmd_checksum(RESULT_VA, SIMGPU_IGT_VA, size);
	job = simgpu_igt_submit(fd, cmds, 2);
	usleep(50000);

	igt_assert_eq(simgpu_stats(gpu->fd, &before), 0);
	pid = fork_child();
	if (!pid) {
		cpu_pattern(p, size, c_seed);
		_exit(0);
	}
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);
	igt_assert_eq(simgpu_stats(gpu->fd, &after), 0);
	igt_info("fork with a read-only BO: %llu invalidations, %llu preemptions, %llu TLB flushes\n",
		 (unsigned long long)(after.invalidations - before.invalidations),
		 (unsigned long long)(after.preemptions - before.preemptions),
		 (unsigned long long)(after.tlb_flushes - before.tlb_flushes));
	igt_assert_eq_u64(after.invalidations, before.invalidations);
	igt_assert_eq_u64(after.preemptions, before.preemptions);
	igt_assert_eq_u64(after.tlb_flushes, before.tlb_flushes);

	igt_assert_eq(simgpu_igt_wait(fd, job), 0);
	igt_assert_eq_u64(*result, fnv1a_pattern(size, seed));

	/* The COW break is a real change: the GPU follows it. */
	cpu_pattern(p, size, w_seed);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_pattern(size, w_seed));

	close(fd);
	munmap(p, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/* kB of AnonHugePages in the mapping that holds @p; -1 if not found. */
static long thp_kb(const void *p)
{
	return simgpu_smaps_kb(p, "AnonHugePages:");
}

struct thp_region {
	void *map;
	size_t map_size;
	char *p;
	size_t size;
};

/*
 * @size bytes of anonymous memory at a 2 MiB boundary, MADV_HUGEPAGE and
 * touched, so that THP gives it huge pages where it can.
 */
static void thp_alloc(struct thp_region *r, size_t size)
{
	size_t off;
	long kb;

	r->size = size;
	r->map_size = size + SZ_2M;
	r->map = simgpu_igt_mmap(r->map_size);
	r->p = (char *)(((uintptr_t)r->map + SZ_2M - 1) & ~(SZ_2M - 1));
	igt_require_f(!madvise(r->p, size, MADV_HUGEPAGE),
		      "MADV_HUGEPAGE: %s\n", strerror(errno));
	for (off = 0; off < size; off += page_size)
		r->p[off] = 1;
	kb = thp_kb(r->p);
	igt_info("THP region %p+%#zx: AnonHugePages %ld kB%s\n", r->p, size,
		 kb, kb > 0 ? "" : " (no huge page: tested with small pages)");
}

static void thp_free(struct thp_region *r)
{
	munmap(r->map, r->map_size);
}

/*
 * One page of a BO of four 2 MiB chunks changes at a time (MADV_DONTNEED,
 * then a CPU write into it): drm_userptr maps only the page it hit again.
 * Every GPU read must see the new page and the data of every other chunk,
 * every GPU write must reach all of them, and no access may go through an
 * old mapping.
 */
static void test_partial_one_page(const struct simgpu_igt_gpu *gpu,
				  __u32 mode)
{
	const __u32 a_val = 0x9a700001, seed = 0x9a701000;
	const __u32 page_seed = 0x9a702000;
	const size_t size = 4 * SZ_2M, map_size = size + SZ_2M;
	int fd = simgpu_igt_vm(gpu, mode);
	__u64 *result = bind_result(fd);
	char *map = simgpu_igt_mmap(map_size);
	char *p = (char *)(((uintptr_t)map + SZ_2M - 1) &
			   ~(uintptr_t)(SZ_2M - 1));
	unsigned int chunk;
	char *page;

	/* Small pages: the event changes one page, not a huge one. */
	igt_assert_eq(madvise(p, size, MADV_NOHUGEPAGE), 0);
	cpu_pattern(p, size, seed);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  simgpu_fnv1a(p, size));

	for (chunk = 1; chunk < 4; chunk += 2) {
		page = p + chunk * SZ_2M + 7 * page_size;
		igt_assert_eq(madvise(page, page_size, MADV_DONTNEED), 0);
		/* The GPU reads the zeroed page, and the rest as it was. */
		igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
				  simgpu_fnv1a(p, size));
		cpu_pattern(page, page_size, page_seed + chunk);
		igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
				  simgpu_fnv1a(p, size));
	}

	/* GPU writes reach the chunk mapped again and the ones kept. */
	for (chunk = 0; chunk < 2; chunk++) {
		simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, a_val + chunk);
		simgpu_igt_assert_filled(p, size, a_val + chunk);
		igt_assert_eq(madvise(p + 2 * SZ_2M, page_size, MADV_DONTNEED),
			      0);
	}

	close(fd);
	munmap(map, map_size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/* A BO over huge pages: GPU writes and reads of every page. */
static void test_thp_huge(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const __u32 a_val = 0x70900001, seed = 0x70901000;
	int fd = simgpu_igt_vm(gpu, mode);
	__u64 *result = bind_result(fd);
	struct thp_region r;

	thp_alloc(&r, 2 * SZ_2M);
	simgpu_igt_userptr_bound(fd, r.p, r.size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, r.size, a_val);
	simgpu_igt_assert_filled(r.p, r.size, a_val);

	cpu_pattern(r.p, r.size, seed);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, r.size, result),
			  fnv1a_pattern(r.size, seed));
	igt_info("after the GPU jobs: AnonHugePages %ld kB\n", thp_kb(r.p));

	close(fd);
	thp_free(&r);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * The start of the split tests: a VM in @mode with a result page bound
 * (*@result), and a BO over two huge pages (@r) that the GPU filled with
 * @value. Return: the VM.
 */
static int thp_bo_filled(const struct simgpu_igt_gpu *gpu, __u32 mode,
			 struct thp_region *r, __u64 **result, __u32 value)
{
	int fd = simgpu_igt_vm(gpu, mode);

	*result = bind_result(fd);
	thp_alloc(r, 2 * SZ_2M);
	simgpu_igt_userptr_bound(fd, r->p, r->size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, r->size, value);
	simgpu_igt_assert_filled(r->p, r->size, value);
	return fd;
}

/*
 * munmap() of half a huge page splits it: the BO now has a hole and its
 * jobs fault, while a BO over what is left works and sees the data.
 */
static void test_thp_split_munmap(const struct simgpu_igt_gpu *gpu,
				  __u32 mode)
{
	const __u32 a_val = 0x5b110001, b_val = 0x5b110002;
	const __u32 c_val = 0x5b110003, seed = 0x5b111000;
	struct drm_simgpu_cmd cmd;
	struct thp_region r;
	__u64 *result;
	int fd = thp_bo_filled(gpu, mode, &r, &result, a_val);

	igt_assert_eq(munmap(r.p + SZ_1M, SZ_1M), 0);
	/* The split kept the data of what is still mapped. */
	simgpu_igt_assert_filled(r.p, SZ_1M, a_val);
	simgpu_igt_assert_filled(r.p + SZ_2M, SZ_2M, a_val);

	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, r.size, b_val);
	simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EFAULT);
	/* The failed job wrote nothing. */
	simgpu_igt_assert_filled(r.p, SZ_1M, a_val);
	simgpu_igt_assert_filled(r.p + SZ_2M, SZ_2M, a_val);

	cpu_pattern(r.p, SZ_1M, seed);
	simgpu_igt_userptr_bound(fd, r.p, SZ_1M, SIMGPU_IGT_VA2);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA2, SZ_1M, result),
			  fnv1a_pattern(SZ_1M, seed));
	simgpu_igt_fill(fd, SIMGPU_IGT_VA2, SZ_1M, c_val);
	simgpu_igt_assert_filled(r.p, SZ_1M, c_val);

	close(fd);
	thp_free(&r);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * mprotect() of half a huge page splits it: read-only, the writable BO
 * cannot be populated; read-write again, it works as before.
 */
static void test_thp_split_mprotect(const struct simgpu_igt_gpu *gpu,
				    __u32 mode)
{
	const __u32 a_val = 0x5b120001, b_val = 0x5b120002;
	const __u32 c_val = 0x5b120003, seed = 0x5b121000;
	struct drm_simgpu_cmd cmd;
	struct thp_region r;
	__u64 *result;
	int fd = thp_bo_filled(gpu, mode, &r, &result, a_val);

	igt_assert_eq(mprotect(r.p, SZ_1M, PROT_READ), 0);
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, r.size, b_val);
	simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EPERM);
	simgpu_igt_assert_filled(r.p, r.size, a_val);

	igt_assert_eq(mprotect(r.p, SZ_1M, PROT_READ | PROT_WRITE), 0);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, r.size, c_val);
	simgpu_igt_assert_filled(r.p, r.size, c_val);
	cpu_pattern(r.p, r.size, seed);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, r.size, result),
			  fnv1a_pattern(r.size, seed));

	close(fd);
	thp_free(&r);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/* Compaction may migrate the BO's pages: the GPU follows them. */
static void test_thp_compaction(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	static const char compact[] = "/proc/sys/vm/compact_memory";
	const size_t size = 16 * SZ_1M;
	const __u32 d_val = 0xc0a10001, seed = 0xc0a11000;
	struct drm_simgpu_stats before, after;
	__u64 *result;
	__u32 *p;
	int fd, cfd;

	cfd = open(compact, O_WRONLY);
	igt_require_f(cfd >= 0, "%s: %s\n", compact, strerror(errno));

	fd = simgpu_igt_vm(gpu, mode);
	result = bind_result(fd);
	p = simgpu_igt_mmap(size);
	cpu_pattern(p, size, seed);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  simgpu_fnv1a(p, size));

	igt_assert_eq(simgpu_stats(gpu->fd, &before), 0);
	igt_assert_eq(write(cfd, "1", 1), 1);
	close(cfd);
	igt_assert_eq(simgpu_stats(gpu->fd, &after), 0);
	igt_info("compaction: %llu invalidations on gpu%u\n",
		 (unsigned long long)(after.invalidations -
				      before.invalidations),
		 gpu->q.gpu_index);

	igt_assert(is_pattern(p, size, seed));
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  simgpu_fnv1a(p, size));
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, d_val);
	simgpu_igt_assert_filled(p, size, d_val);

	close(fd);
	munmap(p, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * A BO over a MAP_SHARED mapping of @ffd (64 KiB): GPU writes are in the
 * file, seen through another mapping and pread(); pwrite() is seen by the
 * GPU.
 */
static void test_shared_file(const struct simgpu_igt_gpu *gpu, __u32 mode,
			     int ffd)
{
	const size_t size = 64 << 10;
	const __u32 a_val = 0xf11e0001, seed = 0xf11e1000;
	int fd = simgpu_igt_vm(gpu, mode);
	__u64 *result = bind_result(fd);
	void *p, *view, *buf = malloc(size);

	igt_assert(buf);
	igt_assert_eq(ftruncate(ffd, size), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	igt_assert(p != MAP_FAILED);
	view = mmap(NULL, size, PROT_READ, MAP_SHARED, ffd, 0);
	igt_assert(view != MAP_FAILED);

	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, a_val);
	simgpu_igt_assert_filled(view, size, a_val);
	igt_assert_eq(pread(ffd, buf, size, 0), size);
	simgpu_igt_assert_filled(buf, size, a_val);

	cpu_pattern(buf, size, seed);
	igt_assert_eq(pwrite(ffd, buf, size, 0), size);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  simgpu_fnv1a(buf, size));
	igt_assert(!memcmp(p, buf, size));

	close(fd);
	munmap(p, size);
	munmap(view, size);
	munmap(result, page_size);
	free(buf);
	simgpu_igt_assert_no_stale(gpu);
}

static int memfd_new(void)
{
	int fd = memfd_create("simgpu-userptr-mm", MFD_CLOEXEC);

	igt_assert_f(fd >= 0, "memfd_create: %s\n", strerror(errno));
	return fd;
}

static void test_file_memfd(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	int ffd = memfd_new();

	test_shared_file(gpu, mode, ffd);
	close(ffd);
}

static void test_file_shmem(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	struct statfs sfs;
	char path[64];
	int ffd;

	snprintf(path, sizeof(path), "/dev/shm/simgpu-userptr-mm-%d",
		 (int)getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	igt_require_f(ffd >= 0, "%s: %s\n", path, strerror(errno));
	unlink(path);
	igt_require_f(!fstatfs(ffd, &sfs) && sfs.f_type == TMPFS_MAGIC,
		      "/dev/shm is not a tmpfs\n");

	test_shared_file(gpu, mode, ffd);
	close(ffd);
}

/* Where the guest runner mounts an ext4 file system on a loop device. */
#define EXT4_DIR_DEFAULT	"/run/simgpu-ext4"

/*
 * A BO over a MAP_SHARED mapping of a file on a disk file system: what the
 * GPU wrote reaches the disk through writeback. The file is written and
 * synced first, so that its pages start clean; after the GPU's write the
 * mapping goes (munmap), the file is synced and its page cache dropped,
 * and the data read back comes from the disk.
 */
static void test_file_ext4_writeback(const struct simgpu_igt_gpu *gpu,
				     __u32 mode)
{
	const char *dir = getenv("SIMGPU_IGT_EXT4_DIR") ?: EXT4_DIR_DEFAULT;
	const size_t size = 64 << 10;
	const __u32 a_val = 0xe4700001;
	unsigned char resident[16];
	struct statfs sfs;
	char path[256];
	void *p, *buf;
	int ffd, fd;
	size_t i;

	igt_require_f(!statfs(dir, &sfs) && sfs.f_type == EXT4_SUPER_MAGIC,
		      "no ext4 file system at %s\n", dir);
	igt_assert(size / page_size <= sizeof(resident));
	snprintf(path, sizeof(path), "%s/simgpu-userptr-%d", dir,
		 (int)getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	igt_assert_f(ffd >= 0, "%s: %s\n", path, strerror(errno));
	buf = malloc(size);
	igt_assert(buf);
	cpu_pattern(buf, size, 0xe4701000);
	igt_assert_eq(pwrite(ffd, buf, size, 0), size);
	igt_assert_eq(fsync(ffd), 0);

	fd = simgpu_igt_vm(gpu, mode);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	igt_assert(p != MAP_FAILED);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, a_val);
	igt_assert_eq(munmap(p, size), 0);
	close(fd);

	igt_assert_eq(fsync(ffd), 0);
	igt_assert_eq(posix_fadvise(ffd, 0, size, POSIX_FADV_DONTNEED), 0);
	/* The page cache really is empty: the read below is from the disk. */
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, ffd, 0);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq(mincore(p, size, resident), 0);
	for (i = 0; i < size / page_size; i++)
		igt_assert_f(!(resident[i] & 1), "page %zu still cached\n", i);
	munmap(p, size);

	memset(buf, 0, size);
	igt_assert_eq(pread(ffd, buf, size, 0), size);
	simgpu_igt_assert_filled(buf, size, a_val);

	close(ffd);
	unlink(path);
	free(buf);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * ftruncate() of a mapped file below the BO's end: the pages past EOF are
 * gone (SIGBUS for the CPU), so the BO cannot be populated; extended
 * again, the BO works and the file holds what the GPU wrote. In fault mode
 * the pages before EOF keep their translations, and the job writes them
 * before it faults at EOF.
 */
static void test_file_truncate(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size, half = 8 * page_size;
	const __u32 a_val = 0x7c000001, b_val = 0x7c000002;
	const __u32 c_val = 0x7c000003;
	const __u32 kept = mode == DRM_SIMGPU_MODE_FAULT ? b_val : a_val;
	int fd = simgpu_igt_vm(gpu, mode);
	int ffd = memfd_new();
	struct drm_simgpu_cmd cmd;
	void *p, *buf = malloc(size);

	igt_assert(buf);
	igt_assert_eq(ftruncate(ffd, size), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	igt_assert(p != MAP_FAILED);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, a_val);
	igt_assert_eq(pread(ffd, buf, size, 0), size);
	simgpu_igt_assert_filled(buf, size, a_val);

	igt_assert_eq(ftruncate(ffd, half), 0);
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size, b_val);
	simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EFAULT);
	/* Only half the file is left, and nothing was written past it. */
	memset(buf, 0, size);
	igt_assert_eq(pread(ffd, buf, size, 0), half);
	simgpu_igt_assert_filled(buf, half, kept);

	igt_assert_eq(ftruncate(ffd, size), 0);
	igt_assert_eq(pread(ffd, buf, size, 0), size);
	simgpu_igt_assert_filled(buf, half, kept);
	simgpu_igt_assert_filled((char *)buf + half, size - half, 0);

	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, c_val);
	igt_assert_eq(pread(ffd, buf, size, 0), size);
	simgpu_igt_assert_filled(buf, size, c_val);
	simgpu_igt_assert_filled(p, size, c_val);

	close(fd);
	munmap(p, size);
	close(ffd);
	free(buf);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * A MAP_PRIVATE file mapping: populating the writable BO breaks COW, so
 * the GPU reads the file's data but writes only the process's copies.
 */
static void test_file_private_cow(const struct simgpu_igt_gpu *gpu,
				  __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 a_val = 0x9c0e0001, seed = 0x9c0e1000, seed2 = 0x9c0e2000;
	int fd = simgpu_igt_vm(gpu, mode);
	__u64 *result = bind_result(fd);
	int ffd = memfd_new();
	void *p, *view, *buf = malloc(size);

	igt_assert(buf);
	cpu_pattern(buf, size, seed);
	igt_assert_eq(pwrite(ffd, buf, size, 0), size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, ffd, 0);
	igt_assert(p != MAP_FAILED);
	view = mmap(NULL, size, PROT_READ, MAP_SHARED, ffd, 0);
	igt_assert(view != MAP_FAILED);

	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_pattern(size, seed));

	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, a_val);
	simgpu_igt_assert_filled(p, size, a_val);
	memset(buf, 0, size);
	igt_assert_eq(pread(ffd, buf, size, 0), size);
	igt_assert(is_pattern(buf, size, seed));
	igt_assert(is_pattern(view, size, seed));

	cpu_pattern(p, size, seed2);
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  fnv1a_pattern(size, seed2));
	igt_assert(is_pattern(view, size, seed));

	close(fd);
	munmap(p, size);
	munmap(view, size);
	munmap(result, page_size);
	close(ffd);
	free(buf);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * A userfaultfd handler thread: serves every missing-page fault of
 * [base, base + size) with UFFDIO_COPY of uffd_page(), until told to stop.
 * Static, so that a thread left behind by a failed subtest still finds it.
 */
static struct uffd_server {
	int uffd;
	char *base;
	size_t size;
	void *page;
	int stop;
	int faults;
	int error;
	pthread_t thread;
} uffd_server;

/* The contents the handler gives page @index: the index in dword 0. */
static void uffd_page(void *page, unsigned long index)
{
	__u32 *dw = page;
	size_t i;

	dw[0] = index;
	for (i = 1; i < page_size / sizeof(*dw); i++)
		dw[i] = 0x0ffd0000 ^ (index << 16) ^ i;
}

static void uffd_serve_one(struct uffd_server *s)
{
	struct uffdio_copy copy = {};
	struct uffd_msg msg;
	unsigned long addr;
	ssize_t n;

	n = read(s->uffd, &msg, sizeof(msg));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof(msg)) {
		s->error = n < 0 ? errno : EIO;
		return;
	}
	if (msg.event != UFFD_EVENT_PAGEFAULT) {
		s->error = EPROTO;
		return;
	}
	addr = msg.arg.pagefault.address & ~(page_size - 1);
	if (addr < (uintptr_t)s->base ||
	    addr >= (uintptr_t)s->base + s->size) {
		s->error = ERANGE;
		return;
	}
	uffd_page(s->page, (addr - (uintptr_t)s->base) / page_size);
	/* Counted before UFFDIO_COPY wakes the faulting thread. */
	__atomic_add_fetch(&s->faults, 1, __ATOMIC_SEQ_CST);
	copy.dst = addr;
	copy.src = (uintptr_t)s->page;
	copy.len = page_size;
	if (ioctl(s->uffd, UFFDIO_COPY, &copy) && errno != EEXIST) {
		struct uffdio_zeropage zero = {
			.range = { .start = addr, .len = page_size },
		};

		/* Resolve the fault anyway: the faulting thread must go on. */
		s->error = errno;
		ioctl(s->uffd, UFFDIO_ZEROPAGE, &zero);
	}
}

static void *uffd_handler(void *arg)
{
	struct uffd_server *s = arg;
	struct pollfd pfd = { .fd = s->uffd, .events = POLLIN };

	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		if (poll(&pfd, 1, 50) == 1)
			uffd_serve_one(s);
	}
	return NULL;
}

static int uffd_faults(void)
{
	return __atomic_load_n(&uffd_server.faults, __ATOMIC_SEQ_CST);
}

/*
 * Open a userfaultfd, user-mode faults only if the kernel has it: *@umo
 * tells. The kernel's own faults (hmm_range_fault()) on a missing page of
 * a user-mode-only userfaultfd fail at once; without that flag they fail
 * as well, but the kernel warns (with CONFIG_DEBUG_VM).
 */
static int uffd_open(bool *umo)
{
	int uffd = syscall(__NR_userfaultfd,
			   O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	*umo = uffd >= 0;
	if (uffd < 0 && errno == EINVAL)
		uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	igt_require_f(uffd >= 0, "userfaultfd: %s\n", strerror(errno));
	return uffd;
}

/*
 * Missing pages of a userfaultfd range: the handler provides them to the
 * CPU; the driver populates the pages that are there, sees the handler's
 * data, and fails where a page is missing (the kernel does not deliver
 * hmm_range_fault()'s faults to userspace).
 */
static void test_uffd_missing(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const unsigned int npages = 16;
	const size_t size = npages * page_size;
	const __u32 a_val = 0x0ffd0a0a;
	struct uffd_server *s = &uffd_server;
	struct uffdio_register reg = {};
	struct uffdio_api api = {};
	struct drm_simgpu_cmd cmd;
	__u64 *result;
	char *p, *expected;
	unsigned int i;
	__u32 handle;
	bool umo;
	int fd;

	memset(s, 0, sizeof(*s));
	s->uffd = uffd_open(&umo);
	api.api = UFFD_API;
	igt_require_f(!ioctl(s->uffd, UFFDIO_API, &api), "UFFDIO_API: %s\n",
		      strerror(errno));

	p = simgpu_igt_mmap(size);
	reg.range.start = (uintptr_t)p;
	reg.range.len = size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	igt_assert_f(!ioctl(s->uffd, UFFDIO_REGISTER, &reg),
		     "UFFDIO_REGISTER: %s\n", strerror(errno));
	igt_assert(reg.ioctls & (1ull << _UFFDIO_COPY));
	s->base = p;
	s->size = size;
	s->page = simgpu_igt_mmap(page_size);
	igt_assert_eq(pthread_create(&s->thread, NULL, uffd_handler, s), 0);

	fd = simgpu_igt_vm(gpu, mode);
	result = bind_result(fd);

	/* The driver cannot wait for the handler: missing is a hole to it. */
	if (umo) {
		igt_assert_eq(simgpu_userptr(fd, p, size,
					     DRM_SIMGPU_USERPTR_POPULATE,
					     &handle), -EFAULT);
		igt_assert_eq(uffd_faults(), 0);
	} else {
		igt_info("no UFFD_USER_MODE_ONLY: driver faults on missing pages not tried\n");
	}

	/* CPU faults: the handler serves each page once. */
	for (i = 0; i < npages; i++)
		igt_assert_eq(*(__u32 *)(p + i * page_size), i);
	igt_assert_eq(uffd_faults(), npages);

	handle = simgpu_igt_userptr(fd, p, size, DRM_SIMGPU_USERPTR_POPULATE);
	simgpu_igt_bind(fd, handle, SIMGPU_IGT_VA, 0);
	expected = malloc(size);
	igt_assert(expected);
	for (i = 0; i < npages; i++)
		uffd_page(expected + i * page_size, i);
	igt_assert(!memcmp(p, expected, size));
	igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
			  simgpu_fnv1a(expected, size));
	igt_assert_eq(uffd_faults(), npages);

	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, a_val);
	simgpu_igt_assert_filled(p, size, a_val);

	if (umo) {
		/* A page zapped again is missing again, for the GPU too. */
		igt_assert_eq(madvise(p + 5 * page_size, page_size,
				      MADV_DONTNEED), 0);
		cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size, ~a_val);
		simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EFAULT);
		igt_assert_eq(uffd_faults(), npages);
		igt_assert_eq(*(__u32 *)(p + 5 * page_size), 5);
		igt_assert_eq(uffd_faults(), npages + 1);
		uffd_page(expected, 5);
		igt_assert(!memcmp(p + 5 * page_size, expected, page_size));
		igt_assert_eq_u64(gpu_hash(fd, SIMGPU_IGT_VA, size, result),
				  simgpu_fnv1a(p, size));
	}

	__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
	igt_assert_eq(pthread_join(s->thread, NULL), 0);
	igt_assert_f(!s->error, "userfaultfd handler: %s\n",
		     strerror(s->error));
	igt_assert_eq(s->faults, umo ? npages + 1 : npages);

	close(fd);
	close(s->uffd);
	munmap(p, size);
	munmap(s->page, page_size);
	munmap(result, page_size);
	free(expected);
	simgpu_igt_assert_no_stale(gpu);
}

static const struct simgpu_igt_mode_test fork_tests[] = {
	{ "cow", test_fork_cow },
	{ "shared", test_fork_shared },
	{ "dontfork", test_fork_dontfork },
	{ "child-exits-busy", test_fork_child_exits_busy },
	{ "read-only", test_fork_read_only },
};

static const struct simgpu_igt_mode_test thp_tests[] = {
	{ "huge", test_thp_huge },
	{ "split-munmap", test_thp_split_munmap },
	{ "split-mprotect", test_thp_split_mprotect },
	{ "compaction", test_thp_compaction },
};

static const struct simgpu_igt_mode_test partial_tests[] = {
	{ "one-page", test_partial_one_page },
};

static const struct simgpu_igt_mode_test file_tests[] = {
	{ "memfd", test_file_memfd },
	{ "shmem", test_file_shmem },
	{ "truncate", test_file_truncate },
	{ "private-cow", test_file_private_cow },
	{ "ext4-writeback", test_file_ext4_writeback },
};

static const struct simgpu_igt_mode_test uffd_tests[] = {
	{ "missing", test_uffd_missing },
};

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("fork(): COW, MAP_SHARED, MADV_DONTFORK, busy child exit, read-only BOs.");
	igt_subtest_with_dynamic("fork")
		simgpu_igt_run_mode_tests(&gpus[0], fork_tests,
					  ARRAY_SIZE(fork_tests));

	igt_describe("THP under BOs: huge mappings, munmap/mprotect splits, compaction.");
	igt_subtest_with_dynamic("thp")
		simgpu_igt_run_mode_tests(&gpus[0], thp_tests,
					  ARRAY_SIZE(thp_tests));

	igt_describe("One page changing in a BO of four 2 MiB chunks.");
	igt_subtest_with_dynamic("partial")
		simgpu_igt_run_mode_tests(&gpus[0], partial_tests,
					  ARRAY_SIZE(partial_tests));

	igt_describe("File mappings: memfd, /dev/shm, truncation, private COW, ext4 writeback.");
	igt_subtest_with_dynamic("file-backed")
		simgpu_igt_run_mode_tests(&gpus[0], file_tests,
					  ARRAY_SIZE(file_tests));

	igt_describe("userfaultfd missing pages served by a handler thread.");
	igt_subtest_with_dynamic("userfaultfd")
		simgpu_igt_run_mode_tests(&gpus[0], uffd_tests,
					  ARRAY_SIZE(uffd_tests));

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
