// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the simgpu IGT tests.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simgpu_igt.h"

/* Wait for a job at most this long: a lost job fails the subtest. */
#define SIMGPU_IGT_WAIT_NS	(120ll * 1000 * 1000 * 1000)

/**
 * simgpu_igt_open_gpus() - open every simgpu GPU, or skip
 * @gpus: filled with the GPUs, by index
 * @max: size of @gpus
 *
 * Return: the number of GPUs, at least one.
 */
int simgpu_igt_open_gpus(struct simgpu_igt_gpu *gpus, int max)
{
	int fds[SIMGPU_IGT_MAX_GPUS];
	int i, n;

	n = simgpu_open_all(fds, max < SIMGPU_IGT_MAX_GPUS ?
			    max : SIMGPU_IGT_MAX_GPUS);
	igt_require_f(n > 0, "no simgpu device (%d)\n", n);
	for (i = 0; i < n; i++) {
		gpus[i].fd = fds[i];
		igt_assert_eq(simgpu_query(fds[i], &gpus[i].q), 0);
	}
	return n;
}

/**
 * simgpu_igt_init() - the first fixture of every test: the page size and
 * every GPU, or skip
 * @gpus: filled with the GPUs, %SIMGPU_IGT_MAX_GPUS entries
 * @page_size: set to the CPU page size
 *
 * Return: the number of GPUs, at least one.
 */
int simgpu_igt_init(struct simgpu_igt_gpu *gpus, size_t *page_size)
{
	*page_size = simgpu_igt_page_size();
	return simgpu_igt_open_gpus(gpus, SIMGPU_IGT_MAX_GPUS);
}

/**
 * simgpu_igt_close_gpus() - close what simgpu_igt_open_gpus() opened
 * @gpus: the GPUs; a test that closed one sets its fd to -1
 * @n: how many
 */
void simgpu_igt_close_gpus(struct simgpu_igt_gpu *gpus, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		/* A close that fails is a test closing a GPU's fd twice. */
		if (gpus[i].fd >= 0)
			igt_assert_eq(close(gpus[i].fd), 0);
		gpus[i].fd = -1;
	}
}

/**
 * simgpu_igt_run_mode_tests() - one dynamic subtest per mode and test
 * @gpu: the GPU the tests run on
 * @tests: the tests
 * @n: how many
 *
 * Called inside an igt_subtest_with_dynamic(). Each dynamic subtest is
 * named "<mode>-<test>", or "<mode>" for a test without a name, and ends
 * with the stale-access check of @gpu.
 */
void simgpu_igt_run_mode_tests(const struct simgpu_igt_gpu *gpu,
			       const struct simgpu_igt_mode_test *tests,
			       unsigned int n)
{
	const struct simgpu_mode *m;
	unsigned int t;

	for_each_simgpu_mode(m) {
		for (t = 0; t < n; t++) {
			igt_dynamic_f("%s%s%s", m->name, tests[t].name ? "-" : "",
				      tests[t].name ?: "") {
				tests[t].func(gpu, m->mode);
				simgpu_igt_assert_no_stale(gpu);
			}
		}
	}
}

/**
 * simgpu_igt_run_per_mode() - one dynamic subtest per mode, named after it
 * @gpu: the GPU the test runs on
 * @func: the test
 */
void simgpu_igt_run_per_mode(const struct simgpu_igt_gpu *gpu,
			     void (*func)(const struct simgpu_igt_gpu *gpu,
					  __u32 mode))
{
	const struct simgpu_igt_mode_test test = { NULL, func };

	simgpu_igt_run_mode_tests(gpu, &test, 1);
}

/**
 * simgpu_igt_vm() - a new VM on a GPU, in an invalidation mode
 * @gpu: the GPU
 * @mode: &enum drm_simgpu_mode
 *
 * Return: the VM's file descriptor; close() it to destroy the VM.
 */
int simgpu_igt_vm(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	int fd = simgpu_reopen(gpu->fd);

	igt_assert_f(fd >= 0, "reopen: %s\n", strerror(-fd));
	igt_assert_eq(simgpu_vm_config(fd, mode, 0), 0);
	return fd;
}

/**
 * simgpu_igt_page_size() - the CPU page size
 *
 * Return: the page size in bytes.
 */
size_t simgpu_igt_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/**
 * simgpu_igt_mmap() - anonymous private read-write memory
 * @size: bytes
 *
 * Return: the mapping.
 */
void *simgpu_igt_mmap(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

/**
 * simgpu_igt_userptr() - create a userptr BO that must succeed
 * @fd: the VM
 * @addr: first byte, page aligned
 * @size: bytes, page aligned
 * @flags: DRM_SIMGPU_USERPTR_*
 *
 * Return: the handle.
 */
__u32 simgpu_igt_userptr(int fd, void *addr, size_t size, __u32 flags)
{
	__u32 handle = 0;
	int ret = simgpu_userptr(fd, addr, size, flags, &handle);

	igt_assert_f(!ret, "USERPTR %p+%#zx flags %#x: %s\n", addr, size,
		     flags, strerror(-ret));
	return handle;
}

/**
 * simgpu_igt_bind() - bind a BO, which must succeed
 * @fd: the VM
 * @handle: the BO
 * @va: GPU address
 * @flags: DRM_SIMGPU_BIND_*
 */
void simgpu_igt_bind(int fd, __u32 handle, __u64 va, __u32 flags)
{
	int ret = simgpu_bind(fd, handle, va, flags);

	igt_assert_f(!ret, "BIND %u at %#llx: %s\n", handle,
		     (unsigned long long)va, strerror(-ret));
}

/**
 * simgpu_igt_userptr_bound() - a userptr BO of @addr bound at @va
 * @fd: the VM
 * @addr: first byte, page aligned
 * @size: bytes, page aligned
 * @va: GPU address
 *
 * Return: the handle.
 */
__u32 simgpu_igt_userptr_bound(int fd, void *addr, size_t size, __u64 va)
{
	__u32 handle = simgpu_igt_userptr(fd, addr, size, 0);

	simgpu_igt_bind(fd, handle, va, 0);
	return handle;
}

/**
 * simgpu_igt_submit() - submit a job that the driver must accept
 * @fd: the VM
 * @cmds: the commands
 * @n: number of @cmds
 *
 * Return: the job's number, for simgpu_igt_wait() and simgpu_wait_job().
 */
__u64 simgpu_igt_submit(int fd, const struct drm_simgpu_cmd *cmds,
			unsigned int n)
{
	__u64 job = 0;
	int ret;

	ret = simgpu_submit(fd, cmds, n, 0, 0, 0, &job);
	igt_assert_f(!ret, "EXEC: %s\n", strerror(-ret));
	return job;
}

/**
 * simgpu_igt_wait() - wait for a job submitted by simgpu_igt_submit()
 * @fd: the VM
 * @job: its number
 *
 * Return: the job's status, 0 or a negative errno.
 */
int simgpu_igt_wait(int fd, __u64 job)
{
	int ret, status = 0;

	ret = simgpu_wait_job(fd, job, SIMGPU_IGT_WAIT_NS, &status);
	igt_assert_f(!ret, "WAIT: %s\n", strerror(-ret));
	return status;
}

/**
 * simgpu_igt_run() - run a job to completion
 * @fd: the VM
 * @cmds: the commands
 * @n: number of @cmds
 *
 * Return: the job's status, 0 or a negative errno.
 */
int simgpu_igt_run(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n)
{
	return simgpu_igt_wait(fd, simgpu_igt_submit(fd, cmds, n));
}

/**
 * simgpu_igt_fill() - fill GPU memory with a dword, which must succeed
 * @fd: the VM
 * @va: GPU address
 * @size: bytes
 * @value: the dword
 */
void simgpu_igt_fill(int fd, __u64 va, size_t size, __u32 value)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(va, size, value);

	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), 0);
}

/**
 * simgpu_igt_checksum() - hash GPU memory on the GPU
 * @fd: the VM
 * @va: GPU address of the bytes
 * @size: bytes
 * @result_va: GPU address of a mapped u64 that receives the hash
 *
 * The hash is in memory at @result_va afterwards.
 */
void simgpu_igt_checksum(int fd, __u64 va, size_t size, __u64 result_va)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_checksum(result_va, va, size);

	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), 0);
}

/**
 * simgpu_igt_assert_filled() - every dword of CPU memory is @value
 * @p: the memory
 * @size: bytes, a multiple of 4
 * @value: the dword
 */
void simgpu_igt_assert_filled(const void *p, size_t size, __u32 value)
{
	const __u32 *dw = p;
	size_t i;

	for (i = 0; i < size / sizeof(*dw); i++)
		igt_assert_f(dw[i] == value, "dword %zu is %#x, not %#x\n",
			     i, dw[i], value);
}

/**
 * simgpu_igt_is_filled() - whether every dword of CPU memory is @value
 * @p: the memory
 * @size: bytes, a multiple of 4
 * @value: the dword
 *
 * Asserts nothing, so a forked child may call it.
 *
 * Return: true if every dword is @value.
 */
bool simgpu_igt_is_filled(const void *p, size_t size, __u32 value)
{
	const __u32 *dw = p;
	size_t i;

	for (i = 0; i < size / sizeof(*dw); i++)
		if (dw[i] != value)
			return false;
	return true;
}

/**
 * simgpu_igt_assert_job_fails() - a job whose BO cannot be populated fails
 * @fd: the VM
 * @mode: the VM's &enum drm_simgpu_mode
 * @cmds: the job's commands
 * @n: number of @cmds
 * @exec_err: what exec returns in wait-idle and preempt mode
 *
 * Wait-idle and preempt mode populate at exec, which fails with @exec_err;
 * fault mode leaves it to page faults: exec succeeds and the job stops
 * with -EFAULT at its first access to the BO.
 */
void simgpu_igt_assert_job_fails(int fd, __u32 mode,
				 const struct drm_simgpu_cmd *cmds,
				 unsigned int n, int exec_err)
{
	if (mode == DRM_SIMGPU_MODE_FAULT)
		igt_assert_eq(simgpu_igt_run(fd, cmds, n), -EFAULT);
	else
		igt_assert_eq(simgpu_exec(fd, cmds, n, 0, 0, 0), exec_err);
}

/**
 * simgpu_igt_wait_child() - reap a child, which must have exited normally
 * @pid: the child
 *
 * Return: its exit code.
 */
int simgpu_igt_wait_child(pid_t pid)
{
	int status;

	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status), "child %d died, status %#x\n", pid,
		     status);
	return WEXITSTATUS(status);
}

/**
 * simgpu_igt_job_timeout_ms() - read, and set, the driver's job timeout
 * @ms: the new timeout in milliseconds, or 0 to only read it
 *
 * Return: the timeout in milliseconds (after setting it), or 0 if the
 * driver has none.
 */
unsigned int simgpu_igt_job_timeout_ms(unsigned int ms)
{
	char buf[32];
	int fd, n;

	fd = open(SIMGPU_IGT_JOB_TIMEOUT_PARAM, ms ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return 0;
	if (ms) {
		n = snprintf(buf, sizeof(buf), "%u\n", ms);
		igt_assert_eq(write(fd, buf, n), n);
		igt_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	igt_assert(n > 0);
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

/**
 * simgpu_igt_now_ns() - CLOCK_MONOTONIC in nanoseconds
 *
 * Return: the time.
 */
__u64 simgpu_igt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/**
 * simgpu_igt_assert_no_stale() - the GPU's oracle saw no stale access
 * @gpu: the GPU
 */
void simgpu_igt_assert_no_stale(const struct simgpu_igt_gpu *gpu)
{
	struct drm_simgpu_stats s;

	igt_assert_eq(simgpu_stats(gpu->fd, &s), 0);
	igt_assert_f(!s.stale_translations && !s.stale_pages && !s.stale_dma,
		     "gpu%u: %llu stale translations, %llu stale pages, %llu stale DMA\n",
		     gpu->q.gpu_index,
		     (unsigned long long)s.stale_translations,
		     (unsigned long long)s.stale_pages,
		     (unsigned long long)s.stale_dma);
}

/**
 * simgpu_igt_assert_no_stale_all() - no GPU's oracle saw a stale access
 * @gpus: the GPUs
 * @n: how many
 */
void simgpu_igt_assert_no_stale_all(const struct simgpu_igt_gpu *gpus, int n)
{
	int i;

	for (i = 0; i < n; i++)
		simgpu_igt_assert_no_stale(&gpus[i]);
}
