// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_smoke: functional tests of the simgpu driver, a kselftest.
 *
 * One fixture variant per invalidation mode; each test runs on every
 * simgpu GPU, on a new VM each:
 *  - FILL, CHECKSUM, COPY, STORE_DWORD and ATOMIC_ADD through userptr BOs of
 *    page-aligned memory, and of malloc() memory (the BO covers the pages the
 *    allocation covers, the commands only the allocation);
 *  - munmap() of the memory of a BO while a job that uses it runs;
 *  - close() of the VM, and exit of the process, while a job runs.
 * Then, per GPU, the driver's counters must show no stale access.
 *
 * There must be a GPU: the harness loads the driver first, so a missing
 * GPU is a failure, not a skip.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../../kselftest_harness.h"
#include "libsimgpu.h"

#define BO_SIZE			(64 * 1024)
#define VA_A			0x100000ull
#define VA_B			0x200000ull
#define VA_C			0x300000ull
#define WAIT_NS			(10ll * 1000 * 1000 * 1000)

/* munmap() during a job: the job spins, then fills the BO. */
#define SPIN_US			300000
#define MUNMAP_AFTER_MS		50
/* WAIT_IDLE: munmap() waits for the rest of the job (~250 ms). */
#define WAIT_IDLE_MIN_MS	200
/* PREEMPT and FAULT: munmap() does not wait for the job. */
#define NO_WAIT_MAX_MS		250
/* close() and exit during a job: it must still complete. */
#define BUSY_SPIN_US		100000
#define JOB_DONE_TIMEOUT_MS	10000
#define FILL_PATTERN		0x6b6b6b6bu

struct gpu {
	int fd;
	struct drm_simgpu_query q;
};

static size_t page_size;

/*
 * Why the current test failed: fail() sets it unless an earlier failure of
 * the test did, and evaluates to -1.
 */
static char reason[256];
#define fail(...) \
	(reason[0] ? -1 : (snprintf(reason, sizeof(reason), __VA_ARGS__), -1))

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *page_alloc(size_t size)
{
	void *p;

	if (posix_memalign(&p, page_size, size))
		return NULL;
	memset(p, 0, size);
	return p;
}

/* A new VM on the GPU of @g, in @mode. */
static int vm_open(const struct gpu *g, __u32 mode, int *fd)
{
	int ret;

	*fd = simgpu_reopen(g->fd);
	if (*fd < 0)
		return fail("reopen: %s", strerror(-*fd));
	ret = simgpu_vm_config(*fd, mode, 0);
	if (ret) {
		close(*fd);
		return fail("VM_CONFIG mode %u: %s", mode, strerror(-ret));
	}
	return 0;
}

/* 0, or the failure of the libsimgpu call that returned @ret. */
static int check_ret(int ret, const char *what)
{
	return ret ? fail("%s: %s", what, strerror(-ret)) : 0;
}

/* Runs a job that must succeed. */
static int run(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
	       const char *what)
{
	int ret, status = 0;

	ret = simgpu_run(fd, cmds, n, &status);
	if (ret)
		return fail("%s: %s", what, strerror(-ret));
	if (status)
		return fail("%s: job status %d (%s)", what, status,
			    strerror(-status));
	return 0;
}

/*
 * The commands on the @len bytes at @buf, which BO A maps at VA_A + @off; B
 * is a page at VA_B for results, C holds @len bytes at VA_C.
 */
static int check_ops(int fd, unsigned char *buf, size_t off, size_t len,
		     __u64 *small, unsigned char *copy, __u32 pattern)
{
	__u32 *dw = (__u32 *)buf, *counter = (__u32 *)small + 16;
	struct drm_simgpu_cmd cmds[2];
	__u64 sum;
	size_t i;
	int ret;

	cmds[0] = simgpu_cmd_fill(VA_A + off, len, pattern);
	ret = run(fd, cmds, 1, "FILL");
	if (ret)
		return ret;
	for (i = 0; i < len / 4; i++)
		if (dw[i] != pattern)
			return fail("FILL: dword %zu is %#x, not %#x", i,
				    dw[i], pattern);

	for (i = 0; i < len; i++)
		buf[i] = (i * 131 + pattern) >> 3;
	small[0] = 0;
	cmds[0] = simgpu_cmd_checksum(VA_B, VA_A + off, len);
	ret = run(fd, cmds, 1, "CHECKSUM");
	if (ret)
		return ret;
	sum = simgpu_fnv1a(buf, len);
	if (small[0] != sum)
		return fail("CHECKSUM: %#llx, not %#llx",
			    (unsigned long long)small[0],
			    (unsigned long long)sum);

	memset(copy, 0, len);
	cmds[0] = simgpu_cmd_copy(VA_C, VA_A + off, len);
	ret = run(fd, cmds, 1, "COPY");
	if (ret)
		return ret;
	if (memcmp(copy, buf, len))
		return fail("COPY: the copy differs");

	*counter = 100;
	cmds[0] = simgpu_cmd_atomic_add(VA_B + 64, 5);
	cmds[1] = simgpu_cmd_store_dword(VA_B + 128, pattern);
	ret = run(fd, cmds, 2, "ATOMIC_ADD, STORE_DWORD");
	if (ret)
		return ret;
	cmds[0] = simgpu_cmd_atomic_add(VA_B + 64, 7);
	ret = run(fd, cmds, 1, "ATOMIC_ADD");
	if (ret)
		return ret;
	if (*counter != 112)
		return fail("ATOMIC_ADD: 100 + 5 + 7 gave %u", *counter);
	if (counter[16] != pattern)
		return fail("STORE_DWORD: %#x, not %#x", counter[16], pattern);
	return 0;
}

static int test_ops(const struct gpu *g, __u32 mode, bool use_malloc)
{
	unsigned char *buf, *bo_cpu, *copy = NULL;
	__u32 handle_a, handle_b, handle_c;
	size_t off = 0, bo_size = BO_SIZE;
	__u64 *small = NULL;
	int fd, ret;

	ret = vm_open(g, mode, &fd);
	if (ret)
		return ret;

	/* Every allocation first: none while the BOs exist. */
	buf = use_malloc ? malloc(BO_SIZE) : page_alloc(BO_SIZE);
	small = page_alloc(page_size);
	copy = page_alloc(BO_SIZE);
	if (!buf || !small || !copy) {
		ret = fail("out of memory");
		goto out_free;
	}
	bo_cpu = buf;
	if (use_malloc) {
		bo_cpu = (void *)((uintptr_t)buf & ~(page_size - 1));
		off = buf - bo_cpu;
		bo_size = (off + BO_SIZE + page_size - 1) & ~(page_size - 1);
	}
	printf("# buffer %p, BO %p+%#zx, offset %#zx\n", buf, bo_cpu, bo_size,
	       off);

	ret = check_ret(simgpu_userptr_bound(fd, bo_cpu, bo_size, 0, VA_A, &handle_a),
			"USERPTR+BIND");
	if (ret)
		goto out_free;
	ret = check_ret(simgpu_userptr_bound(fd, small, page_size, 0, VA_B, &handle_b),
			"USERPTR+BIND");
	if (ret)
		goto out_a;
	ret = check_ret(simgpu_userptr_bound(fd, copy, BO_SIZE, 0, VA_C, &handle_c),
			"USERPTR+BIND");
	if (ret)
		goto out_b;

	ret = check_ops(fd, buf, off, BO_SIZE, small, copy, 0xc0de0000 | mode);

	if (check_ret(simgpu_unbind_close(fd, handle_c, VA_C), "UNBIND+GEM_CLOSE"))
		ret = -1;
out_b:
	if (check_ret(simgpu_unbind_close(fd, handle_b, VA_B), "UNBIND+GEM_CLOSE"))
		ret = -1;
out_a:
	if (check_ret(simgpu_unbind_close(fd, handle_a, VA_A), "UNBIND+GEM_CLOSE"))
		ret = -1;
out_free:
	close(fd);
	free(copy);
	free(small);
	free(buf);
	return ret;
}

static int test_ops_aligned(const struct gpu *g, __u32 mode)
{
	return test_ops(g, mode, false);
}

static int test_ops_malloc(const struct gpu *g, __u32 mode)
{
	return test_ops(g, mode, true);
}

/*
 * The exec after the munmap() must fail with -EFAULT. In FAULT mode exec
 * leaves the BO to page faults, so the job may be queued instead and then
 * must stop with -EFAULT.
 */
static int check_dead_bo(int fd, __u32 mode)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_store_dword(VA_A, 1);
	int ret, status;
	__u64 job;

	ret = simgpu_submit(fd, &cmd, 1, 0, 0, 0, &job);
	if (ret == -EFAULT)
		return 0;
	if (ret || mode != DRM_SIMGPU_MODE_FAULT)
		return fail("exec on the unmapped BO: %d, not -EFAULT", ret);
	ret = simgpu_wait_job(fd, job, WAIT_NS, &status);
	if (ret)
		return fail("wait after the munmap: %s", strerror(-ret));
	if (status != -EFAULT)
		return fail("job on the unmapped BO: status %d, not -EFAULT",
			    status);
	printf("# exec on the unmapped BO: queued, job status -EFAULT\n");
	return 0;
}

/*
 * munmap() of a BO's memory while a job that uses it runs: WAIT_IDLE waits
 * for the job, which completes; PREEMPT and FAULT return at once and the
 * job stops with -EFAULT when it reaches the BO.
 */
static int test_munmap_busy(const struct gpu *g, __u32 mode)
{
	struct drm_simgpu_cmd cmds[2];
	double t0, t1, unmap_ms, job_ms;
	int fd, ret, status;
	__u32 handle;
	__u64 job;
	void *p;

	if (g->q.max_spin_us < SPIN_US)
		return fail("max_spin_us %u < %u", g->q.max_spin_us, SPIN_US);
	ret = vm_open(g, mode, &fd);
	if (ret)
		return ret;
	p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		ret = fail("mmap: %s", strerror(errno));
		goto out_close;
	}
	memset(p, 1, BO_SIZE);
	ret = check_ret(simgpu_userptr_bound(fd, p, BO_SIZE, 0, VA_A, &handle),
			"USERPTR+BIND");
	if (ret) {
		munmap(p, BO_SIZE);
		goto out_close;
	}

	cmds[0] = simgpu_cmd_spin(SPIN_US);
	cmds[1] = simgpu_cmd_fill(VA_A, BO_SIZE, 0x5a5a5a5a);
	t0 = now_ms();
	ret = simgpu_submit(fd, cmds, 2, 0, 0, 0, &job);
	if (ret) {
		munmap(p, BO_SIZE);
		ret = fail("exec: %s", strerror(-ret));
		goto out_bo;
	}
	usleep(MUNMAP_AFTER_MS * 1000);
	t1 = now_ms();
	munmap(p, BO_SIZE);
	unmap_ms = now_ms() - t1;
	ret = simgpu_wait_job(fd, job, WAIT_NS, &status);
	job_ms = now_ms() - t0;
	if (ret) {
		ret = fail("wait: %s", strerror(-ret));
		goto out_bo;
	}
	printf("# munmap %.1f ms, job %.1f ms, job status %d\n", unmap_ms,
	       job_ms, status);

	if (mode == DRM_SIMGPU_MODE_WAIT_IDLE) {
		if (unmap_ms < WAIT_IDLE_MIN_MS)
			ret = fail("munmap took %.1f ms: did not wait for the job",
				   unmap_ms);
		else if (status)
			ret = fail("job status %d, not 0", status);
	} else {
		if (unmap_ms >= NO_WAIT_MAX_MS)
			ret = fail("munmap took %.1f ms: waited for the job",
				   unmap_ms);
		else if (status != -EFAULT)
			ret = fail("job status %d, not -EFAULT", status);
	}
	if (!ret)
		ret = check_dead_bo(fd, mode);

out_bo:
	if (check_ret(simgpu_unbind_close(fd, handle, VA_A), "UNBIND+GEM_CLOSE"))
		ret = -1;
out_close:
	close(fd);
	return ret;
}

static int gpu_jobs(const struct gpu *g, __u64 *jobs)
{
	struct drm_simgpu_stats s;
	int ret = simgpu_stats(g->fd, &s);

	if (ret)
		return fail("STATS: %s", strerror(-ret));
	*jobs = s.jobs;
	return 0;
}

/* Wait until the GPU has run @target jobs since it was loaded. */
static int wait_jobs(const struct gpu *g, __u64 target)
{
	double t0 = now_ms();
	__u64 jobs;

	do {
		if (gpu_jobs(g, &jobs))
			return -1;
		if (jobs >= target)
			return 0;
		usleep(10000);
	} while (now_ms() - t0 < JOB_DONE_TIMEOUT_MS);
	return fail("the job was lost: %llu of %llu jobs ran",
		    (unsigned long long)jobs, (unsigned long long)target);
}

static int check_filled(const __u32 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		if (p[i] != FILL_PATTERN)
			return fail("dword %zu is %#x after the job, not %#x",
				    i, p[i], FILL_PATTERN);
	return 0;
}

/* A VM with a BO of @p at VA_A and a queued job [spin, fill the BO]. */
static int start_busy_job(const struct gpu *g, __u32 mode, void *p, int *fd)
{
	struct drm_simgpu_cmd cmds[2] = {
		simgpu_cmd_spin(BUSY_SPIN_US),
		simgpu_cmd_fill(VA_A, BO_SIZE, FILL_PATTERN),
	};
	__u32 handle;
	int ret;

	ret = vm_open(g, mode, fd);
	if (ret)
		return ret;
	ret = check_ret(simgpu_userptr_bound(*fd, p, BO_SIZE, 0, VA_A, &handle),
			"USERPTR+BIND");
	if (!ret) {
		ret = simgpu_exec(*fd, cmds, 2, 0, 0, 0);
		if (ret)
			ret = fail("exec: %s", strerror(-ret));
	}
	if (ret)
		close(*fd);
	return ret;
}

/*
 * close() of the VM while its job spins: the job still runs to the end
 * and its writes land; the BO and VM are freed after it (kmemleak checks).
 */
static int test_close_busy(const struct gpu *g, __u32 mode)
{
	__u64 jobs;
	int fd, ret;
	void *p;

	p = page_alloc(BO_SIZE);
	if (!p)
		return fail("no memory");
	ret = gpu_jobs(g, &jobs);
	if (!ret)
		ret = start_busy_job(g, mode, p, &fd);
	if (!ret) {
		close(fd);
		ret = wait_jobs(g, jobs + 1);
	}
	if (!ret)
		ret = check_filled(p, BO_SIZE);
	free(p);
	return ret;
}

/*
 * A process exits while its job spins on shared memory. The job still
 * completes; in wait-idle mode the exit waited for it, so its writes are
 * in the memory the parent still maps.
 */
static int test_exit_busy(const struct gpu *g, __u32 mode)
{
	int status, ret, fd;
	__u64 jobs;
	pid_t pid;
	void *p;

	p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	ret = gpu_jobs(g, &jobs);
	if (ret)
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ret = fail("fork: %s", strerror(errno));
		goto out;
	}
	if (!pid)
		_exit(start_busy_job(g, mode, p, &fd) ? 1 : 0);

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ret = fail("the child could not submit its job");
		goto out;
	}
	ret = wait_jobs(g, jobs + 1);
	if (!ret && mode == DRM_SIMGPU_MODE_WAIT_IDLE)
		ret = check_filled(p, BO_SIZE);
out:
	munmap(p, BO_SIZE);
	return ret;
}

static int test_stats(const struct gpu *g)
{
	struct drm_simgpu_stats s;
	int ret;

	ret = simgpu_stats(g->fd, &s);
	if (ret)
		return fail("STATS: %s", strerror(-ret));
	printf("# jobs %llu (%llu errors), %llu bytes, %llu invalidations, %llu TLB flushes\n",
	       (unsigned long long)s.jobs, (unsigned long long)s.job_errors,
	       (unsigned long long)s.bytes,
	       (unsigned long long)s.invalidations,
	       (unsigned long long)s.tlb_flushes);
	printf("# %llu preemptions, %llu page faults, %llu populates, %llu retries, %llu -EAGAIN\n",
	       (unsigned long long)s.preemptions,
	       (unsigned long long)s.page_faults,
	       (unsigned long long)s.populates,
	       (unsigned long long)s.retries, (unsigned long long)s.eagain);
	printf("# stale translations %llu, stale pages %llu, stale DMA %llu\n",
	       (unsigned long long)s.stale_translations,
	       (unsigned long long)s.stale_pages,
	       (unsigned long long)s.stale_dma);
	if (s.stale_translations || s.stale_pages || s.stale_dma)
		return fail("stale accesses: %llu translations, %llu pages, %llu DMA",
			    (unsigned long long)s.stale_translations,
			    (unsigned long long)s.stale_pages,
			    (unsigned long long)s.stale_dma);
	if (!s.jobs)
		return fail("no job completed");
	return 0;
}

/* The GPUs must be 0 to num_gpus - 1, each found once. */
static int test_discovery(const struct gpu *gpus, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (gpus[i].q.num_gpus != (__u32)n)
			return fail("found %d GPUs, gpu%u says %u", n,
				    gpus[i].q.gpu_index, gpus[i].q.num_gpus);
		if (gpus[i].q.gpu_index != (__u32)i)
			return fail("GPU %d of the list is gpu%u", i,
				    gpus[i].q.gpu_index);
	}
	return 0;
}

FIXTURE(simgpu) {
	struct gpu gpus[SIMGPU_LIB_MAX_GPUS];
	int num_gpus;
};

FIXTURE_VARIANT(simgpu) {
	__u32 mode;
};

FIXTURE_VARIANT_ADD(simgpu, wait_idle) {
	.mode = DRM_SIMGPU_MODE_WAIT_IDLE,
};

FIXTURE_VARIANT_ADD(simgpu, preempt) {
	.mode = DRM_SIMGPU_MODE_PREEMPT,
};

FIXTURE_VARIANT_ADD(simgpu, fault) {
	.mode = DRM_SIMGPU_MODE_FAULT,
};

FIXTURE_SETUP(simgpu)
{
	int fds[SIMGPU_LIB_MAX_GPUS];
	int i;

	page_size = sysconf(_SC_PAGESIZE);
	self->num_gpus = simgpu_open_all(fds, SIMGPU_LIB_MAX_GPUS);
	ASSERT_LT(0, self->num_gpus) TH_LOG("no simgpu GPU: %s",
					    self->num_gpus ?
					    strerror(-self->num_gpus) :
					    "none found");
	for (i = 0; i < self->num_gpus; i++) {
		self->gpus[i].fd = fds[i];
		ASSERT_EQ(0, simgpu_query(fds[i], &self->gpus[i].q));
	}
}

FIXTURE_TEARDOWN(simgpu)
{
	int i;

	for (i = 0; i < self->num_gpus; i++)
		close(self->gpus[i].fd);
}

/*
 * Run @test on every GPU in the variant's mode; a failure says which GPU
 * and why, and the other GPUs still run.
 */
#define SIMGPU_ON_EVERY_GPU(test)					\
	do {								\
		int i;							\
									\
		for (i = 0; i < self->num_gpus; i++) {			\
			reason[0] = '\0';				\
			EXPECT_EQ(0, test(&self->gpus[i], variant->mode))	\
				TH_LOG("gpu%u %s: %s",			\
				       self->gpus[i].q.gpu_index,	\
				       simgpu_mode_name(variant->mode),	\
				       reason);				\
		}							\
	} while (0)

static void print_query(const struct drm_simgpu_query *q)
{
	printf("# gpu%u of %u: %u engines, default mode %u, flags %#x\n",
	       q->gpu_index, q->num_gpus, q->num_engines, q->default_mode,
	       q->flags);
	printf("# TLB %u entries, TLB flush %u us, preemption %u us\n",
	       q->tlb_entries, q->tlb_flush_latency_us, q->preempt_latency_us);
	printf("# VA %#llx, max BO %#llx, max %u cmds, max spin %u us\n",
	       (unsigned long long)q->va_size,
	       (unsigned long long)q->max_bo_size, q->max_cmds,
	       q->max_spin_us);
}

TEST_F(simgpu, find_gpus)
{
	int i;

	for (i = 0; i < self->num_gpus; i++)
		print_query(&self->gpus[i].q);
	ASSERT_EQ(0, test_discovery(self->gpus, self->num_gpus))
		TH_LOG("%s", reason);
}

TEST_F(simgpu, ops_on_page_aligned_memory)
{
	SIMGPU_ON_EVERY_GPU(test_ops_aligned);
}

TEST_F(simgpu, ops_on_malloc_memory)
{
	SIMGPU_ON_EVERY_GPU(test_ops_malloc);
}

/*
 * The busy tests run a spinning job on each GPU in turn: on many GPUs,
 * or under an emulator, more than the harness's default 30 s.
 */
TEST_F_TIMEOUT(simgpu, munmap_during_a_job, 300)
{
	SIMGPU_ON_EVERY_GPU(test_munmap_busy);
}

TEST_F_TIMEOUT(simgpu, close_during_a_job, 300)
{
	SIMGPU_ON_EVERY_GPU(test_close_busy);
}

TEST_F_TIMEOUT(simgpu, process_exit_during_a_job, 300)
{
	SIMGPU_ON_EVERY_GPU(test_exit_busy);
}

/* Last of each variant: the tests above left no stale access behind. */
TEST_F(simgpu, no_stale_access)
{
	int i;

	for (i = 0; i < self->num_gpus; i++) {
		reason[0] = '\0';
		EXPECT_EQ(0, test_stats(&self->gpus[i]))
			TH_LOG("gpu%u: %s", self->gpus[i].q.gpu_index, reason);
	}
}

TEST_HARNESS_MAIN
