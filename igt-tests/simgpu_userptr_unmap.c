// SPDX-License-Identifier: MIT
/*
 * simgpu userptr BOs whose CPU mapping changes under them: munmap() after a
 * job, during one and of part of a BO; close() of the VM and of the BO while
 * a job runs; MAP_FIXED and mremap() over a BO's range; mprotect(),
 * MADV_DONTNEED and MADV_FREE. In every invalidation mode.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: simgpu userptr BOs whose CPU mapping changes under them
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: userptr invalidation
 * Test category: functionality test
 *
 * SUBTEST: unmap
 * Description: munmap() of a BO memory after a job, during one, and of
 *              part of it, in every mode: wait-idle waits for the job,
 *              preempt and fault do not, and the GPU never writes the old
 *              pages after the munmap() returns.
 * Functionality: munmap
 *
 * SUBTEST: close-busy
 * Description: close() of the VM and GEM_CLOSE of the BO during a job: the
 *              job still completes and writes its memory, then everything
 *              is freed.
 * Functionality: close
 *
 * SUBTEST: remap
 * Description: MAP_FIXED and mremap() over a BO range: the BO follows its
 *              range, not the pages that were there.
 * Functionality: remap
 *
 * SUBTEST: protection
 * Description: mprotect(PROT_READ), MADV_DONTNEED, MADV_FREE and reclaim
 *              after MADV_FREE: GPU writes to lazily freed or swap-cache
 *              pages are not lost, and a read-only BO leaves them clean.
 * Functionality: mprotect and madvise
 *
 * SUBTEST: legacy-unmap-during-job
 * Description: The legacy notifier baseline: munmap() during a job waits
 *              for it, with the DMA mappings kept until the wait is over.
 * Functionality: legacy baseline
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "simgpu_igt.h"

/* Where the page that receives GPU checksums is bound. */
#define RESULT_VA		(4ull << 32)

/* A job that spins this long before it touches its BO... */
#define SPIN_US			200000
/* ...while the CPU changes the BO's mapping this long after submitting it. */
#define CHANGE_DELAY_US		50000
/* A change that does not wait for the job returns faster than this. */
#define NO_WAIT_MAX_NS		(150 * SIMGPU_IGT_NS_PER_MS)

/* close() of the VM or the BO during a job spinning this long. */
#define CLOSE_SPIN_US		150000
#define JOB_DONE_TIMEOUT_NS	(10000 * SIMGPU_IGT_NS_PER_MS)

/* Values the CPU and the GPU write. */
#define OLD_VALUE		0x0badf00du
#define FILL_A			0xaaaaaaaau
#define FILL_B			0xbbbbbbbbu
#define FILL_C			0xccccccccu

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

/* A VM in one mode, with a page bound at RESULT_VA for checksums. */
struct test_vm {
	int fd;
	__u32 mode;
	__u64 *result;
};

/* A job submitted by spin_then_fill(). */
struct spin_job {
	__u64 number;
	__u64 submit_ns;
};

static void vm_open(struct test_vm *vm, const struct simgpu_igt_gpu *gpu,
		    __u32 mode)
{
	vm->fd = simgpu_igt_vm(gpu, mode);
	vm->mode = mode;
	vm->result = simgpu_igt_mmap(page_size);
	simgpu_igt_userptr_bound(vm->fd, vm->result, page_size, RESULT_VA);
}

static void vm_close(struct test_vm *vm)
{
	close(vm->fd);
	munmap(vm->result, page_size);
}

/* The FNV-1a hash of [@va, @va + @size) as the GPU reads it. */
static __u64 gpu_checksum(struct test_vm *vm, __u64 va, size_t size)
{
	vm->result[0] = 0;
	simgpu_igt_checksum(vm->fd, va, size, RESULT_VA);
	return vm->result[0];
}

/* The GPU copies [@src, @src + @size) to @dst. */
static void gpu_copy(const struct test_vm *vm, __u64 dst, __u64 src,
		     size_t size)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_copy(dst, src, size);

	igt_assert_eq(simgpu_igt_run(vm->fd, &cmd, 1), 0);
}

/* Nonzero dwords, different in every dword and for every @seed. */
static void write_pattern(void *p, size_t size, __u32 seed)
{
	__u32 *dw = p;
	size_t i;

	for (i = 0; i < size / sizeof(*dw); i++)
		dw[i] = (seed + i * 0x9e3779b9u) | 1;
}

static void *dup_memory(const void *p, size_t size)
{
	void *copy = malloc(size);

	igt_assert(copy);
	memcpy(copy, p, size);
	return copy;
}

/* Fresh anonymous memory at @addr, where nothing is mapped now. */
static void map_anon_at(void *addr, size_t size)
{
	void *p = mmap(addr, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	igt_assert_f(p == addr, "mmap at %p: %s\n", addr,
		     p == MAP_FAILED ? strerror(errno) : "elsewhere");
}

/*
 * Shared memory of a memfd filled with OLD_VALUE: its pages outlive an
 * munmap() of the mapping, so that what a job wrote to them can be read
 * with pread() afterwards.
 */
static void *map_memfd(size_t size, int *memfd)
{
	__u32 *p;
	size_t i;

	*memfd = memfd_create("simgpu-userptr-unmap", MFD_CLOEXEC);
	igt_assert_f(*memfd >= 0, "memfd_create: %s\n", strerror(errno));
	igt_assert_eq(ftruncate(*memfd, size), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *memfd, 0);
	igt_assert(p != MAP_FAILED);
	for (i = 0; i < size / sizeof(*p); i++)
		p[i] = OLD_VALUE;
	return p;
}

/* The memfd's contents, whether mapped or not. */
static void *read_memfd(int memfd, size_t size)
{
	void *buf = malloc(size);

	igt_assert(buf);
	igt_assert_eq(pread(memfd, buf, size, 0), (ssize_t)size);
	return buf;
}

/* Submit [SPIN @spin_us, FILL [@va, @va + @size) with @value]. */
static void spin_then_fill(int fd, struct spin_job *job, __u32 spin_us,
			   __u64 va, size_t size, __u32 value)
{
	struct drm_simgpu_cmd cmds[2] = {
		simgpu_cmd_spin(spin_us),
		simgpu_cmd_fill(va, size, value),
	};

	job->submit_ns = simgpu_igt_now_ns();
	job->number = simgpu_igt_submit(fd, cmds, 2);
}

/* The job has not finished yet. */
static void assert_job_busy(int fd, const struct spin_job *job)
{
	int status;

	igt_assert_f(simgpu_wait_job(fd, job->number, 0, &status) == -ETIME,
		     "the job ended before the test could act on it\n");
}

/*
 * A CPU call that changed the mapping of the BO of a running job (submitted
 * by spin_then_fill() with SPIN_US) ran from @start to @end. In wait-idle
 * mode it waited for the job: the job is done when it returns, which is at
 * least SPIN_US after the submission (so the call took SPIN_US -
 * CHANGE_DELAY_US, 150 ms, unless the CPU was late). In preempt and fault
 * mode it did not wait.
 */
static void assert_change_timing(const struct test_vm *vm,
				 const struct spin_job *job, __u64 start,
				 __u64 end)
{
	int status;

	igt_info("the change took %.1f ms, %.1f ms after the submission\n",
		 (end - start) / 1e6, (start - job->submit_ns) / 1e6);
	if (vm->mode == DRM_SIMGPU_MODE_WAIT_IDLE) {
		igt_assert_f(simgpu_wait_job(vm->fd, job->number, 0, &status) == 0,
			     "the change returned before the job ended\n");
		igt_assert_f(end - job->submit_ns >= SPIN_US * 1000ull,
			     "the change returned %.1f ms after the submission, before the spin ended\n",
			     (end - job->submit_ns) / 1e6);
	} else {
		igt_assert_f(end - start < NO_WAIT_MAX_NS,
			     "the change took %.1f ms: it waited for the job\n",
			     (end - start) / 1e6);
	}
}

/*
 * munmap() of an idle BO's memory: the next job cannot populate it. Memory
 * mapped there again is used from then on.
 */
static void test_unmap_after_exec(const struct simgpu_igt_gpu *gpu,
				  __u32 mode)
{
	const size_t size = 16 * page_size;
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size,
						    FILL_B);
	struct drm_simgpu_stats before, after;
	struct test_vm vm;
	void *p;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_A);
	simgpu_igt_assert_filled(p, size, FILL_A);

	igt_assert_eq(simgpu_stats(gpu->fd, &before), 0);
	igt_assert_eq(munmap(p, size), 0);
	igt_assert_eq(simgpu_stats(gpu->fd, &after), 0);
	igt_assert_f(after.invalidations > before.invalidations,
		     "munmap() did not invalidate the BO\n");

	simgpu_igt_assert_job_fails(vm.fd, vm.mode, &cmd, 1, -EFAULT);

	map_anon_at(p, size);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_C);
	simgpu_igt_assert_filled(p, size, FILL_C);

	vm_close(&vm);
	munmap(p, size);
}

/*
 * The start of every "change the mapping during a job" test: a VM in
 * @mode with a BO over @size bytes of a memfd's memory (its fd in
 * *@memfd), which a GPU checksum reads correctly, and a job that spins
 * for SPIN_US before it fills the BO with FILL_A, still spinning when
 * this returns. Return: the BO's memory.
 */
static void *start_job_on_memfd(struct test_vm *vm,
				const struct simgpu_igt_gpu *gpu, __u32 mode,
				size_t size, int *memfd, struct spin_job *job)
{
	void *p;

	vm_open(vm, gpu, mode);
	p = map_memfd(size, memfd);
	simgpu_igt_userptr_bound(vm->fd, p, size, SIMGPU_IGT_VA);
	igt_assert_eq_u64(gpu_checksum(vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(p, size));

	spin_then_fill(vm->fd, job, SPIN_US, SIMGPU_IGT_VA, size, FILL_A);
	usleep(CHANGE_DELAY_US);
	assert_job_busy(vm->fd, job);
	return p;
}

/*
 * munmap() while a job spins before it fills the BO. The memory is a
 * memfd's, whose pages the munmap() does not free: wait-idle waits for the
 * job, whose fill lands in them; preempt and fault do not wait, and the job
 * then faults on the hole without having written anything.
 */
static void test_unmap_during_job(const struct simgpu_igt_gpu *gpu,
				  __u32 mode)
{
	const size_t size = 16 * page_size;
	const bool waits = mode == DRM_SIMGPU_MODE_WAIT_IDLE;
	__u32 expect = waits ? FILL_A : OLD_VALUE;
	struct spin_job job;
	struct test_vm vm;
	__u64 start, end;
	int memfd;
	void *p, *q, *buf;

	p = start_job_on_memfd(&vm, gpu, mode, size, &memfd, &job);
	start = simgpu_igt_now_ns();
	igt_assert_eq(munmap(p, size), 0);
	end = simgpu_igt_now_ns();
	assert_change_timing(&vm, &job, start, end);
	igt_assert_eq(simgpu_igt_wait(vm.fd, job.number),
		      waits ? 0 : -EFAULT);

	buf = read_memfd(memfd, size);
	simgpu_igt_assert_filled(buf, size, expect);

	/* Mapped again, the same pages are the BO's again. */
	q = mmap(p, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, memfd, 0);
	igt_assert(q == p);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(buf, size));
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_C);
	simgpu_igt_assert_filled(p, size, FILL_C);

	vm_close(&vm);
	munmap(p, size);
	close(memfd);
	free(buf);
}

/*
 * munmap() of the last two pages of an 8-page BO: a job on its first page
 * fails too, since the whole BO is populated before the job runs. In fault
 * mode the first page keeps its translation, which did not change: a job
 * there runs, and one on the last page faults, and the fault cannot
 * populate the BO. With the two pages mapped again, the whole BO works.
 */
static void test_unmap_partial(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 8 * page_size, tail = 2 * page_size;
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, page_size,
						    FILL_B);
	struct test_vm vm;
	char *p;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_A);
	simgpu_igt_assert_filled(p, size, FILL_A);

	igt_assert_eq(munmap(p + size - tail, tail), 0);
	if (vm.mode == DRM_SIMGPU_MODE_FAULT) {
		igt_assert_eq(simgpu_igt_run(vm.fd, &cmd, 1), 0);
		simgpu_igt_assert_filled(p, page_size, FILL_B);
		simgpu_igt_assert_filled(p + page_size, size - tail - page_size,
					 FILL_A);
		cmd = simgpu_cmd_fill(SIMGPU_IGT_VA + size - page_size,
				      page_size, FILL_B);
	}
	simgpu_igt_assert_job_fails(vm.fd, vm.mode, &cmd, 1, -EFAULT);
	if (vm.mode != DRM_SIMGPU_MODE_FAULT)
		simgpu_igt_assert_filled(p, size - tail, FILL_A);

	map_anon_at(p + size - tail, tail);
	simgpu_igt_assert_filled(p + size - tail, tail, 0);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_C);
	simgpu_igt_assert_filled(p, size, FILL_C);

	vm_close(&vm);
	munmap(p, size);
}

/*
 * Wait at most 10 s until the GPU has completed a job more than in
 * @before: exactly one, without an error.
 */
static void wait_gpu_jobs(const struct simgpu_igt_gpu *gpu,
			  const struct drm_simgpu_stats *before)
{
	__u64 deadline = simgpu_igt_now_ns() + JOB_DONE_TIMEOUT_NS;
	struct drm_simgpu_stats s;

	for (;;) {
		igt_assert_eq(simgpu_stats(gpu->fd, &s), 0);
		if (s.jobs != before->jobs || simgpu_igt_now_ns() > deadline)
			break;
		usleep(10000);
	}
	igt_assert_f(s.jobs == before->jobs + 1,
		     "%llu jobs completed since the close(), not 1\n",
		     (unsigned long long)(s.jobs - before->jobs));
	igt_assert_f(s.job_errors == before->job_errors,
		     "the job failed\n");
}

/* close() of the VM while its job spins: the job still runs to the end. */
static void test_close_fd(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	struct drm_simgpu_stats before;
	struct spin_job job;
	void *p;
	int fd;

	fd = simgpu_igt_vm(gpu, mode);
	p = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, FILL_A);
	simgpu_igt_assert_filled(p, size, FILL_A);

	igt_assert_eq(simgpu_stats(gpu->fd, &before), 0);
	spin_then_fill(fd, &job, CLOSE_SPIN_US, SIMGPU_IGT_VA, size, FILL_B);
	assert_job_busy(fd, &job);
	close(fd);
	wait_gpu_jobs(gpu, &before);
	simgpu_igt_assert_filled(p, size, FILL_B);

	munmap(p, size);
}

/*
 * GEM_CLOSE of the BO while its job spins: the binding keeps the BO, the
 * job completes, and the binding can be removed afterwards.
 */
static void test_close_bo(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size,
						    FILL_C);
	struct spin_job job;
	__u32 handle;
	void *p;
	int fd;

	fd = simgpu_igt_vm(gpu, mode);
	p = simgpu_igt_mmap(size);
	handle = simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, FILL_A);
	simgpu_igt_assert_filled(p, size, FILL_A);

	spin_then_fill(fd, &job, CLOSE_SPIN_US, SIMGPU_IGT_VA, size, FILL_B);
	assert_job_busy(fd, &job);
	igt_assert_eq(simgpu_gem_close(fd, handle), 0);
	igt_assert_eq(simgpu_igt_wait(fd, job.number), 0);
	simgpu_igt_assert_filled(p, size, FILL_B);

	igt_assert_eq(simgpu_unbind(fd, SIMGPU_IGT_VA), 0);
	igt_assert_eq(simgpu_bind(fd, handle, SIMGPU_IGT_VA, 0), -ENOENT);
	igt_assert_eq(simgpu_exec(fd, &cmd, 1, 0, 0, 0), -EINVAL);
	simgpu_igt_assert_filled(p, size, FILL_B);

	close(fd);
	munmap(p, size);
}

/* New memory mapped over the BO's range between two jobs is the BO's. */
static void test_map_fixed_between_execs(const struct simgpu_igt_gpu *gpu,
					 __u32 mode)
{
	const size_t size = 16 * page_size;
	struct test_vm vm;
	void *p, *q;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_A);
	simgpu_igt_assert_filled(p, size, FILL_A);

	q = mmap(p, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(q == p);
	simgpu_igt_assert_filled(p, size, 0);
	write_pattern(p, size, 0x5eed0001);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(p, size));

	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_B);
	simgpu_igt_assert_filled(p, size, FILL_B);

	vm_close(&vm);
	munmap(p, size);
}

/*
 * MAP_FIXED of new anonymous memory over a memfd mapping while a job spins
 * before it fills the BO. Wait-idle: the mmap() waits, the fill lands in
 * the memfd's pages and the new memory stays zero. Preempt and fault: the
 * mmap() returns at once and the fill lands in the new memory.
 */
static void test_map_fixed_during_job(const struct simgpu_igt_gpu *gpu,
				      __u32 mode)
{
	const size_t size = 16 * page_size;
	const bool waits = mode == DRM_SIMGPU_MODE_WAIT_IDLE;
	struct spin_job job;
	struct test_vm vm;
	__u64 start, end;
	void *p, *q, *buf;
	int memfd;

	p = start_job_on_memfd(&vm, gpu, mode, size, &memfd, &job);
	start = simgpu_igt_now_ns();
	q = mmap(p, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	end = simgpu_igt_now_ns();
	igt_assert(q == p);
	assert_change_timing(&vm, &job, start, end);
	igt_assert_eq(simgpu_igt_wait(vm.fd, job.number), 0);

	buf = read_memfd(memfd, size);
	simgpu_igt_assert_filled(buf, size, waits ? FILL_A : OLD_VALUE);
	simgpu_igt_assert_filled(p, size, waits ? 0 : FILL_A);
	free(buf);

	/* The new memory is the BO's from now on; the old pages are not. */
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_B);
	simgpu_igt_assert_filled(p, size, FILL_B);
	buf = read_memfd(memfd, size);
	simgpu_igt_assert_filled(buf, size, waits ? FILL_A : OLD_VALUE);

	vm_close(&vm);
	munmap(p, size);
	close(memfd);
	free(buf);
}

/*
 * mremap() of the BO's memory to another address: the old range is a hole
 * the BO cannot be populated from, and a BO of the new range has the data.
 */
static void test_mremap_move(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size,
						    FILL_A);
	struct test_vm vm;
	void *p, *dst, *q, *saved;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	write_pattern(p, size, 0x5eed0002);
	saved = dup_memory(p, size);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(saved, size));

	dst = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(dst != MAP_FAILED);
	q = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	igt_assert_f(q == dst, "mremap: %s\n",
		     q == MAP_FAILED ? strerror(errno) : "elsewhere");

	simgpu_igt_assert_job_fails(vm.fd, vm.mode, &cmd, 1, -EFAULT);
	igt_assert(!memcmp(q, saved, size));

	simgpu_igt_userptr_bound(vm.fd, q, size, SIMGPU_IGT_VA3);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA3, size),
			  simgpu_fnv1a(saved, size));
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA3, size, FILL_B);
	simgpu_igt_assert_filled(q, size, FILL_B);

	vm_close(&vm);
	munmap(q, size);
	free(saved);
}

/*
 * mremap() with MREMAP_DONTUNMAP: the old range stays mapped without pages,
 * and its BO reads zeros; a BO of the new range has the data.
 */
static void test_mremap_dontunmap(const struct simgpu_igt_gpu *gpu,
				  __u32 mode)
{
	const size_t size = 16 * page_size;
	void *p, *q, *copy, *saved, *zeros;
	struct test_vm vm;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	write_pattern(p, size, 0x5eed0003);
	saved = dup_memory(p, size);
	zeros = calloc(1, size);
	igt_assert(zeros);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	copy = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, copy, size, SIMGPU_IGT_VA2);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(saved, size));

	q = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	igt_require_f(q != MAP_FAILED, "MREMAP_DONTUNMAP: %s\n",
		      strerror(errno));
	igt_assert(q != p);

	memset(copy, 0xff, size);
	gpu_copy(&vm, SIMGPU_IGT_VA2, SIMGPU_IGT_VA, size);
	simgpu_igt_assert_filled(copy, size, 0);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(zeros, size));
	simgpu_igt_assert_filled(p, size, 0);

	igt_assert(!memcmp(q, saved, size));
	simgpu_igt_userptr_bound(vm.fd, q, size, SIMGPU_IGT_VA3);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA3, size),
			  simgpu_fnv1a(saved, size));
	gpu_copy(&vm, SIMGPU_IGT_VA2, SIMGPU_IGT_VA3, size);
	igt_assert(!memcmp(copy, saved, size));

	vm_close(&vm);
	munmap(p, size);
	munmap(q, size);
	munmap(copy, size);
	free(saved);
	free(zeros);
}

/*
 * mprotect(PROT_READ) under a writable BO: populating it for write access
 * fails; back to read-write, it works again.
 */
static void test_mprotect(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size,
						    FILL_B);
	struct test_vm vm;
	void *p;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_A);
	simgpu_igt_assert_filled(p, size, FILL_A);

	igt_assert_eq(mprotect(p, size, PROT_READ), 0);
	simgpu_igt_assert_job_fails(vm.fd, vm.mode, &cmd, 1, -EPERM);
	simgpu_igt_assert_filled(p, size, FILL_A);

	igt_assert_eq(mprotect(p, size, PROT_READ | PROT_WRITE), 0);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_C);
	simgpu_igt_assert_filled(p, size, FILL_C);

	vm_close(&vm);
	munmap(p, size);
}

/* MADV_DONTNEED drops the pages: the BO reads zeros afterwards. */
static void test_dontneed(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	struct test_vm vm;
	void *p, *copy;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	write_pattern(p, size, 0x5eed0004);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	copy = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, copy, size, SIMGPU_IGT_VA2);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(p, size));

	igt_assert_eq(madvise(p, size, MADV_DONTNEED), 0);
	memset(copy, 0xff, size);
	gpu_copy(&vm, SIMGPU_IGT_VA2, SIMGPU_IGT_VA, size);
	simgpu_igt_assert_filled(copy, size, 0);
	simgpu_igt_assert_filled(p, size, 0);

	vm_close(&vm);
	munmap(p, size);
	munmap(copy, size);
}

/*
 * MADV_FREE: until the CPU writes them, the pages may be dropped, so the
 * GPU reads each page either as it was or as zeros (as it was, without
 * memory pressure). What the CPU writes afterwards the GPU reads.
 */
static void test_free(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	char *p, *copy, *saved, *zeros;
	unsigned int dropped = 0;
	struct test_vm vm;
	size_t off;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	write_pattern(p, size, 0x5eed0005);
	saved = dup_memory(p, size);
	zeros = calloc(1, page_size);
	igt_assert(zeros);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	copy = simgpu_igt_mmap(size);
	simgpu_igt_userptr_bound(vm.fd, copy, size, SIMGPU_IGT_VA2);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(saved, size));

	igt_require_f(!madvise(p, size, MADV_FREE), "MADV_FREE: %s\n",
		      strerror(errno));
	memset(copy, 0xff, size);
	gpu_copy(&vm, SIMGPU_IGT_VA2, SIMGPU_IGT_VA, size);
	for (off = 0; off < size; off += page_size) {
		if (!memcmp(copy + off, zeros, page_size)) {
			dropped++;
			continue;
		}
		igt_assert_f(!memcmp(copy + off, saved + off, page_size),
			     "page %zu is neither the old data nor zeros\n",
			     off / page_size);
	}
	igt_info("%u of %zu pages dropped after MADV_FREE\n", dropped,
		 size / page_size);

	write_pattern(p, size, 0x5eed0006);
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(p, size));
	gpu_copy(&vm, SIMGPU_IGT_VA2, SIMGPU_IGT_VA, size);
	igt_assert(!memcmp(copy, p, size));

	vm_close(&vm);
	munmap(p, size);
	munmap(copy, size);
	free(saved);
	free(zeros);
}

/*
 * Reclaim @p now, as memory pressure would. MADV_FREE queued the pages on
 * this CPU's lazy-free batch, and MADV_PAGEOUT drains only this CPU's
 * batches: the caller stays on one CPU (stay_on_one_cpu()) between the two.
 */
static void pageout(void *p, size_t size)
{
	igt_require_f(!madvise(p, size, MADV_PAGEOUT), "MADV_PAGEOUT: %s\n",
		      strerror(errno));
}

/* Pin the calling thread to the CPU it runs on; returns the old mask. */
static cpu_set_t stay_on_one_cpu(void)
{
	cpu_set_t old, one;

	igt_assert_eq(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	igt_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	return old;
}

/*
 * An allocator gave memory back with MADV_FREE and handed it out again as
 * a GPU output buffer. Only the GPU writes it, so the CPU's page tables
 * stay clean, and reclaim must still keep what the GPU wrote.
 */
static void test_free_gpu_write_pageout(const struct simgpu_igt_gpu *gpu,
					__u32 mode)
{
	const size_t size = 64 * page_size;
	struct test_vm vm;
	cpu_set_t cpus;
	void *p;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	write_pattern(p, size, 0x5eed0007);
	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_A);

	cpus = stay_on_one_cpu();
	igt_require_f(!madvise(p, size, MADV_FREE), "MADV_FREE: %s\n",
		      strerror(errno));
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_B);
	pageout(p, size);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	simgpu_igt_assert_filled(p, size, FILL_B);

	vm_close(&vm);
	munmap(p, size);
}

/*
 * A read-only BO leaves lazily freed memory clean: reclaim may still drop
 * it, and does (which is also what shows that the reclaim above runs).
 */
static void test_free_read_only_pageout(const struct simgpu_igt_gpu *gpu,
					__u32 mode)
{
	const size_t size = 64 * page_size;
	struct test_vm vm;
	cpu_set_t cpus;
	__u32 handle;
	void *p;

	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	write_pattern(p, size, 0x5eed0008);
	handle = simgpu_igt_userptr(vm.fd, p, size,
				    DRM_SIMGPU_USERPTR_READ_ONLY);
	simgpu_igt_bind(vm.fd, handle, SIMGPU_IGT_VA, DRM_SIMGPU_BIND_READ_ONLY);

	cpus = stay_on_one_cpu();
	igt_require_f(!madvise(p, size, MADV_FREE), "MADV_FREE: %s\n",
		      strerror(errno));
	igt_assert_eq_u64(gpu_checksum(&vm, SIMGPU_IGT_VA, size),
			  simgpu_fnv1a(p, size));
	pageout(p, size);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	simgpu_igt_assert_filled(p, size, 0);

	vm_close(&vm);
	munmap(p, size);
}

/*
 * A page read back from swap stays in the swap cache, clean, and its copy
 * in swap stays valid, so reclaim may drop it without writing it. Only the
 * GPU writes it next, which leaves the CPU's page tables clean: what the
 * GPU wrote must reach swap all the same.
 */
static void test_swapcache_gpu_write_pageout(const struct simgpu_igt_gpu *gpu,
					     __u32 mode)
{
	const size_t size = 64 * page_size;
	long swapped, cached;
	struct test_vm vm;
	cpu_set_t cpus;
	void *p, *saved;

	igt_require_f(simgpu_meminfo_kb("SwapTotal:") > 0,
		      "no swap (the guest runner enables some)\n");
	vm_open(&vm, gpu, mode);
	p = simgpu_igt_mmap(size);
	cpus = stay_on_one_cpu();
	write_pattern(p, size, 0x5eed000a);
	saved = dup_memory(p, size);
	pageout(p, size);
	swapped = simgpu_smaps_kb(p, "Swap:");
	igt_assert_f(swapped >= (long)(size / 1024),
		     "only %ld of %zu kB swapped out\n", swapped, size / 1024);
	/*
	 * Read faults bring the pages back (or map them from the swap cache,
	 * where the pageout left them) and keep them in the swap cache.
	 */
	igt_assert(!memcmp(p, saved, size));
	cached = simgpu_meminfo_kb("SwapCached:");
	igt_info("%ld kB swapped out, %ld kB in the swap cache after reading them back\n",
		 swapped, cached);
	/* Some may have left it (their swap freed, which dirties them). */
	igt_assert_f(cached >= (long)(size / 2048),
		     "most pages read back are not in the swap cache\n");

	simgpu_igt_userptr_bound(vm.fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(vm.fd, SIMGPU_IGT_VA, size, FILL_B);
	/*
	 * In preempt mode the rebind worker would fault the pages straight
	 * back in as reclaim takes them: let the BO go first. Its pages were
	 * writable to the GPU all the same.
	 */
	if (mode == DRM_SIMGPU_MODE_PREEMPT)
		vm_close(&vm);
	pageout(p, size);
	swapped = simgpu_smaps_kb(p, "Swap:");
	igt_assert_f(swapped >= (long)(size / 2048),
		     "the second pageout reclaimed %ld kB\n", swapped);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	simgpu_igt_assert_filled(p, size, FILL_B);

	if (mode != DRM_SIMGPU_MODE_PREEMPT)
		vm_close(&vm);
	munmap(p, size);
	free(saved);
}

/*
 * The legacy notifier baseline (root only): munmap() during a job. The
 * baseline waits for the GPU in its whole-mm notifier, which the core runs
 * after the BO's interval notifier; the BO's DMA mappings must outlive
 * that wait, or the job's fill goes to DMA addresses already unmapped (the
 * DMA oracle refuses it and counts it, &drm_simgpu_stats.stale_dma).
 */
static void test_legacy_unmap_during_job(const struct simgpu_igt_gpu *gpu)
{
	const size_t size = 16 * page_size;
	struct spin_job job;
	int fd, memfd, ret;
	void *p, *buf;

	fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	ret = simgpu_vm_config(fd, DRM_SIMGPU_MODE_WAIT_IDLE,
			       DRM_SIMGPU_VM_LEGACY_MN);
	igt_require_f(ret != -EPERM, "the legacy baseline needs CAP_SYS_ADMIN\n");
	igt_assert_eq(ret, 0);
	p = map_memfd(size, &memfd);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);

	spin_then_fill(fd, &job, SPIN_US, SIMGPU_IGT_VA, size, FILL_A);
	usleep(CHANGE_DELAY_US);
	assert_job_busy(fd, &job);
	igt_assert_eq(munmap(p, size), 0);
	/* The munmap() waited for the job, which wrote through live DMA. */
	igt_assert_eq(simgpu_wait_job(fd, job.number, 0, NULL), 0);
	igt_assert_eq(simgpu_igt_wait(fd, job.number), 0);
	buf = read_memfd(memfd, size);
	simgpu_igt_assert_filled(buf, size, FILL_A);

	close(fd);
	close(memfd);
	free(buf);
	simgpu_igt_assert_no_stale(gpu);
}

static const struct simgpu_igt_mode_test unmap_tests[] = {
	{ "after-exec", test_unmap_after_exec },
	{ "during-job", test_unmap_during_job },
	{ "partial", test_unmap_partial },
};

static const struct simgpu_igt_mode_test close_tests[] = {
	{ "close-fd", test_close_fd },
	{ "close-bo", test_close_bo },
};

static const struct simgpu_igt_mode_test remap_tests[] = {
	{ "map-fixed-between-execs", test_map_fixed_between_execs },
	{ "map-fixed-during-job", test_map_fixed_during_job },
	{ "mremap-move", test_mremap_move },
	{ "mremap-dontunmap", test_mremap_dontunmap },
};

static const struct simgpu_igt_mode_test protection_tests[] = {
	{ "mprotect", test_mprotect },
	{ "dontneed", test_dontneed },
	{ "free", test_free },
	{ "free-gpu-write-pageout", test_free_gpu_write_pageout },
	{ "free-read-only-pageout", test_free_read_only_pageout },
	{ "swapcache-gpu-write-pageout", test_swapcache_gpu_write_pageout },
};

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("munmap() of a BO's memory after a job, during one, and of part of it.");
	igt_subtest_with_dynamic("unmap")
		simgpu_igt_run_mode_tests(&gpus[0], unmap_tests,
					  ARRAY_SIZE(unmap_tests));

	igt_describe("close() of the VM, GEM_CLOSE of the BO during a job: the job completes.");
	igt_subtest_with_dynamic("close-busy")
		simgpu_igt_run_mode_tests(&gpus[0], close_tests,
					  ARRAY_SIZE(close_tests));

	igt_describe("MAP_FIXED and mremap() over a BO's range: the BO follows its range.");
	igt_subtest_with_dynamic("remap")
		simgpu_igt_run_mode_tests(&gpus[0], remap_tests,
					  ARRAY_SIZE(remap_tests));

	igt_describe("mprotect(PROT_READ), MADV_DONTNEED, MADV_FREE, and reclaim after MADV_FREE.");
	igt_subtest_with_dynamic("protection")
		simgpu_igt_run_mode_tests(&gpus[0], protection_tests,
					  ARRAY_SIZE(protection_tests));

	igt_describe("Legacy notifier baseline: munmap() during a job waits, DMA mapped.");
	igt_subtest("legacy-unmap-during-job")
		test_legacy_unmap_during_job(&gpus[0]);

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
