// SPDX-License-Identifier: MIT
/*
 * Job completion and the dma-fence rules: a preempt or fault VM's job can
 * only go on after the kernel has taken the process's mmap_lock, so its
 * completion must never be a fence that someone holding that lock waits
 * for. Such VMs refuse out-syncobjs, their jobs never hold back a
 * wait-idle job, and every job can be waited for by its number instead.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: simgpu job completion and the dma-fence rules
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: dma-fence
 * Test category: functionality test
 *
 * SUBTEST: out-syncobj
 * Description: Only wait-idle jobs give their fence to a syncobj; preempt
 *              and fault VMs refuse out-syncobjs, since their jobs depend
 *              on the mmap_lock and their fences must never be waited for
 *              under it.
 * Functionality: syncobj
 *
 * SUBTEST: in-syncobj-same-engine
 * Description: An in-syncobj orders jobs of two VMs on one engine: the
 *              second job sees the first one writes.
 * Functionality: syncobj
 *
 * SUBTEST: in-syncobj-other-gpu
 * Description: An in-syncobj orders jobs of two VMs on two GPUs, across
 *              devices.
 * Functionality: syncobj
 *
 * SUBTEST: job-numbers
 * Description: Every job can be waited for by its number in the VM, the
 *              way long-running VMs are waited for without a dma-fence.
 * Functionality: wait
 *
 * SUBTEST: hung-job-timeout
 * Description: A hung job is stopped by the job timeout with an error, so
 *              that a stuck GPU never holds an invalidation forever.
 * Functionality: job timeout
 *
 * SUBTEST: close-stops-spin
 * Description: A spinning job stops when its file is closed: closing a VM
 *              frees its GPU time.
 * Functionality: close
 *
 * SUBTEST: fault-jobs-mprotect
 * Description: Fault jobs waiting for the mmap_lock never hold back a
 *              wait-idle job, whose fence an mprotect() holding that lock
 *              may be waiting for: no deadlock across VMs.
 * Functionality: scheduling
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "simgpu_igt.h"

/* More jobs than a scheduler lets run at once (its credit limit, 64). */
#define MANY_JOBS		80
/* Spin of the first fault job: longer than submitting the rest takes. */
#define LR_SPIN_US		2000000

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

static bool is_long_running(__u32 mode)
{
	return mode == DRM_SIMGPU_MODE_PREEMPT || mode == DRM_SIMGPU_MODE_FAULT;
}

/*
 * Only a wait-idle VM's job gives its fence to a syncobj; in a preempt or
 * fault VM the job is refused with -EOPNOTSUPP, and nothing is queued.
 * A wait-idle job's fence, exported and imported on another GPU, orders a
 * job there.
 */
static void test_out_syncobj(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_spin(1000);
	struct drm_simgpu_stats before, after;
	int fd = simgpu_igt_vm(gpu, mode), other, status = -1, sync_fd;
	const struct simgpu_igt_gpu *peer = &gpus[num_gpus > 1];
	__u32 syncobj, imported;
	__u64 job;

	igt_assert_eq(simgpu_syncobj_create(fd, &syncobj), 0);
	igt_assert_eq(simgpu_stats(fd, &before), 0);
	if (is_long_running(mode)) {
		igt_assert_eq(simgpu_submit(fd, &cmd, 1, 0, 0, syncobj, &job),
			      -EOPNOTSUPP);
		igt_assert_eq(simgpu_wait(fd, syncobj, 0, NULL), -EINVAL);
		igt_assert_eq(simgpu_stats(fd, &after), 0);
		igt_assert_eq_u64(after.jobs, before.jobs);
		/* Without one the job runs, and is waited for by number. */
		igt_assert_eq(simgpu_submit(fd, &cmd, 1, 0, 0, 0, &job), 0);
		igt_assert_eq(simgpu_igt_wait(fd, job), 0);
		close(fd);
		return;
	}

	cmd = simgpu_cmd_spin(200000);
	igt_assert_eq(simgpu_submit(fd, &cmd, 1, 0, 0, syncobj, &job), 0);
	igt_assert_eq(drmSyncobjExportSyncFile(fd, syncobj, &sync_fd), 0);
	other = simgpu_igt_vm(peer, DRM_SIMGPU_MODE_WAIT_IDLE);
	igt_assert_eq(simgpu_syncobj_create(other, &imported), 0);
	igt_assert_eq(drmSyncobjImportSyncFile(other, imported, sync_fd), 0);
	close(sync_fd);
	cmd = simgpu_cmd_spin(1000);
	igt_assert_eq(simgpu_submit(other, &cmd, 1, 0, imported, 0, &job), 0);
	/* It waits for the first job. */
	igt_assert_eq(simgpu_wait_job(other, job, 0, NULL), -ETIME);
	igt_assert_eq(simgpu_wait(fd, syncobj, 10ll * SIMGPU_IGT_NS_PER_SEC, &status), 0);
	igt_assert_eq(status, 0);
	igt_assert_eq(simgpu_igt_wait(other, job), 0);
	close(other);
	close(fd);
}

/*
 * Jobs are numbered from 1 in each VM; a VM keeps the status of its last
 * DRM_SIMGPU_MAX_VM_JOBS jobs and refuses more unfinished ones. The first
 * job spins for BLOCKER_SPINS x 2 s, so that it is still running when the
 * last of the others has been submitted however slow the submissions are
 * (each takes tens of milliseconds under TCG with the debug kernel); the
 * close of its VM stops it.
 */
#define BLOCKER_SPINS	10

static void test_job_numbers(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	struct drm_simgpu_cmd blocker[BLOCKER_SPINS], cmd = simgpu_cmd_spin(0);
	int fd = simgpu_igt_vm(gpu, mode), other = simgpu_igt_vm(gpu, mode);
	struct drm_simgpu_wait bad = {
		.flags = DRM_SIMGPU_WAIT_JOB,
		.syncobj = 1,
		.job = 1,
	};
	__u64 job, i;

	for (i = 0; i < BLOCKER_SPINS; i++)
		blocker[i] = simgpu_cmd_spin(gpu->q.max_spin_us);
	igt_assert_eq(simgpu_wait_job(fd, 1, 0, NULL), -EINVAL);
	igt_assert_eq(simgpu_submit(fd, blocker, BLOCKER_SPINS, 0, 0, 0, &job), 0);
	igt_assert_eq_u64(job, 1);
	/* Numbers are per VM. */
	igt_assert_eq(simgpu_wait_job(other, 1, 0, NULL), -EINVAL);
	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_SIMGPU_WAIT, &bad), -1);
	igt_assert_eq(errno, EINVAL);
	igt_assert_eq(simgpu_wait_job(fd, 0, 0, NULL), -EINVAL);
	igt_assert_eq(simgpu_wait_job(fd, 2, 0, NULL), -EINVAL);

	/* They queue behind the first one, in the VM's context. */
	for (i = 2; i <= DRM_SIMGPU_MAX_VM_JOBS; i++) {
		igt_assert_eq(simgpu_submit(fd, &cmd, 1, 0, 0, 0, &job), 0);
		igt_assert_eq_u64(job, i);
	}
	igt_assert_eq(simgpu_wait_job(fd, 1, 0, NULL), -ETIME);
	igt_assert_eq(simgpu_submit(fd, &cmd, 1, 0, 0, 0, &job), -EBUSY);
	close(fd);

	/* Finished jobs make room; the oldest status is dropped first. */
	for (i = 1; i <= DRM_SIMGPU_MAX_VM_JOBS + 1; i++) {
		igt_assert_eq(simgpu_submit(other, &cmd, 1, 0, 0, 0, &job), 0);
		igt_assert_eq_u64(job, i);
		igt_assert_eq(simgpu_igt_wait(other, job), 0);
	}
	igt_assert_eq(simgpu_wait_job(other, 1, 0, NULL), -ENOENT);
	igt_assert_eq(simgpu_igt_wait(other, 2), 0);
	close(other);
}

/*
 * A job that waits for another VM's job through a syncobj runs after it,
 * also when both VMs share the engine: the engines run VMs' contexts side
 * by side, not in submission order.
 */
static void test_in_syncobj_orders(const struct simgpu_igt_gpu *gpu,
				   const struct simgpu_igt_gpu *peer)
{
	int first = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	int second = simgpu_igt_vm(peer, DRM_SIMGPU_MODE_WAIT_IDLE);
	__u32 *mem = simgpu_igt_mmap(page_size);
	struct drm_simgpu_cmd cmds[2];
	__u32 syncobj, imported;
	int sync_fd;
	__u64 job;

	mem[0] = 1;
	mem[1] = 0;
	simgpu_igt_userptr_bound(first, mem, page_size, SIMGPU_IGT_VA);
	simgpu_igt_userptr_bound(second, mem, page_size, SIMGPU_IGT_VA);
	igt_assert_eq(simgpu_syncobj_create(first, &syncobj), 0);
	igt_assert_eq(simgpu_syncobj_create(second, &imported), 0);

	cmds[0] = simgpu_cmd_spin(200000);
	cmds[1] = simgpu_cmd_store_dword(SIMGPU_IGT_VA, 2);
	igt_assert_eq(simgpu_submit(first, cmds, 2, 0, 0, syncobj, NULL), 0);
	igt_assert_eq(drmSyncobjExportSyncFile(first, syncobj, &sync_fd), 0);
	igt_assert_eq(drmSyncobjImportSyncFile(second, imported, sync_fd), 0);
	close(sync_fd);
	cmds[0] = simgpu_cmd_copy(SIMGPU_IGT_VA + 4, SIMGPU_IGT_VA, 4);
	igt_assert_eq(simgpu_submit(second, cmds, 1, 0, imported, 0, &job), 0);
	igt_assert_eq(simgpu_igt_wait(second, job), 0);
	igt_assert_f(mem[1] == 2, "the second job read %u before the first wrote\n",
		     mem[1]);
	close(second);
	close(first);
	munmap(mem, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/* A job that would spin for @spins times the longest spin, then fill. */
static __u64 submit_hung_job(int fd, unsigned int spins, size_t size)
{
	struct drm_simgpu_cmd cmds[17];
	unsigned int i;

	igt_assert(spins < ARRAY_SIZE(cmds));
	for (i = 0; i < spins; i++)
		cmds[i] = simgpu_cmd_spin(2000000);
	cmds[spins] = simgpu_cmd_fill(SIMGPU_IGT_VA, size, 0x5707);
	return simgpu_igt_submit(fd, cmds, spins + 1);
}

/*
 * A job that never ends on its own, as a hung one would (16 spins of 2 s
 * stand in for it): the job timeout stops it with -ETIMEDOUT, and an
 * munmap() of its BO, which waits for it in wait-idle mode, returns within
 * the timeout plus a second.
 */
static void test_hung_job_timeout(const struct simgpu_igt_gpu *gpu)
{
	const size_t size = 4 * page_size;
	unsigned int saved = simgpu_igt_job_timeout_ms(0), timeout = 1000;
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE), status = 0;
	__u32 *p = simgpu_igt_mmap(size);
	__u64 job, t0, ms;

	if (saved)
		igt_assert_eq(simgpu_igt_job_timeout_ms(timeout), timeout);
	else
		igt_info("the driver has no %s\n", SIMGPU_IGT_JOB_TIMEOUT_PARAM);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, 1);
	job = submit_hung_job(fd, 16, size);
	usleep(100000);

	t0 = simgpu_igt_now_ns();
	igt_assert_eq(munmap(p, size), 0);
	ms = (simgpu_igt_now_ns() - t0) / SIMGPU_IGT_NS_PER_MS;
	igt_info("munmap() of the hung job's BO took %llu ms\n",
		 (unsigned long long)ms);
	igt_assert_eq(simgpu_wait_job(fd, job, 0, &status), 0);
	if (saved)
		simgpu_igt_job_timeout_ms(saved);
	igt_assert_f(ms < timeout + 1000, "munmap() took %llu ms\n",
		     (unsigned long long)ms);
	igt_assert_eq(status, -ETIMEDOUT);
	close(fd);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * A job that only spins stops when its VM's file is closed, at once: the
 * engine sleeps through a spin, and close must wake it well before the
 * 2 s of the spin command running.
 */
static void test_close_stops_spin(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	struct drm_simgpu_cmd cmds[16];
	int fd = simgpu_igt_vm(gpu, mode);
	struct drm_simgpu_stats s;
	__u64 jobs, t0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		cmds[i] = simgpu_cmd_spin(2000000);
	simgpu_igt_submit(fd, cmds, ARRAY_SIZE(cmds));
	usleep(100000);
	igt_assert_eq(simgpu_stats(gpu->fd, &s), 0);
	jobs = s.jobs;
	t0 = simgpu_igt_now_ns();
	close(fd);
	do {
		usleep(10000);
		igt_assert_eq(simgpu_stats(gpu->fd, &s), 0);
	} while (s.jobs == jobs && simgpu_igt_now_ns() - t0 < 5 * SIMGPU_IGT_NS_PER_SEC);
	t0 = (simgpu_igt_now_ns() - t0) / SIMGPU_IGT_NS_PER_MS;
	igt_info("waited %llu ms after close()\n", (unsigned long long)t0);
	igt_assert_f(s.jobs > jobs, "the job still spins after close()\n");
	igt_assert_f(t0 < 1000, "the job spun on for %llu ms after close()\n",
		     (unsigned long long)t0);
}

struct mprotect_call {
	void *addr;
	size_t size;
	__u64 ns;
};

static void *mprotect_thread(void *arg)
{
	struct mprotect_call *c = arg;
	__u64 t0 = simgpu_igt_now_ns();

	igt_assert_eq(mprotect(c->addr, c->size, PROT_READ), 0);
	c->ns = simgpu_igt_now_ns() - t0;
	return NULL;
}

/*
 * The deadlock the dma-fence rules forbid, through the one thing a
 * long-running VM still shares with a wait-idle one, the engine: many fault
 * VM jobs, the first of which takes a GPU page fault once mprotect() holds
 * the mmap_lock, queued ahead of a wait-idle job that the mprotect()
 * waits for. The wait-idle job must not wait for the fault jobs.
 */
static void test_fault_jobs_mprotect(const struct simgpu_igt_gpu *gpu,
				     __u32 mode)
{
	const size_t size = 16 * page_size;
	int lr = simgpu_igt_vm(gpu, mode);
	int wi = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	__u32 *a = simgpu_igt_mmap(size), *b = simgpu_igt_mmap(size);
	struct mprotect_call call = { .addr = b, .size = size };
	__u64 lr_jobs[MANY_JOBS], wi_job;
	struct drm_simgpu_cmd cmds[2];
	pthread_t thread;
	int i;

	simgpu_igt_userptr_bound(lr, a, size, SIMGPU_IGT_VA);
	simgpu_igt_userptr_bound(wi, b, size, SIMGPU_IGT_VA);
	simgpu_igt_fill(lr, SIMGPU_IGT_VA, size, 0);
	simgpu_igt_fill(wi, SIMGPU_IGT_VA, size, 0);

	/*
	 * The first job spins for longer than everything below takes, then
	 * faults on the page dropped here.
	 */
	igt_assert_eq(madvise(a, size, MADV_DONTNEED), 0);
	cmds[0] = simgpu_cmd_spin(LR_SPIN_US);
	cmds[1] = simgpu_cmd_store_dword(SIMGPU_IGT_VA, 1);
	lr_jobs[0] = simgpu_igt_submit(lr, cmds, 2);
	for (i = 1; i < MANY_JOBS; i++) {
		cmds[0] = simgpu_cmd_store_dword(SIMGPU_IGT_VA + 4 * (i % 1024),
						 i + 1);
		lr_jobs[i] = simgpu_igt_submit(lr, cmds, 1);
	}
	cmds[0] = simgpu_cmd_spin(100000);
	cmds[1] = simgpu_cmd_fill(SIMGPU_IGT_VA, size, 0x77777777);
	wi_job = simgpu_igt_submit(wi, cmds, 2);

	/* mprotect() takes the mmap_lock and waits for the wait-idle job. */
	igt_assert_eq(pthread_create(&thread, NULL, mprotect_thread, &call), 0);
	igt_assert_eq(pthread_join(thread, NULL), 0);
	igt_info("mprotect() took %llu ms\n",
		 (unsigned long long)(call.ns / SIMGPU_IGT_NS_PER_MS));
	/* It waited for the wait-idle job only, not for the fault jobs. */
	igt_assert_f(simgpu_wait_job(lr, lr_jobs[0], 0, NULL) == -ETIME,
		     "the fault job ended before the mprotect(): no race\n");

	igt_assert_eq(simgpu_igt_wait(wi, wi_job), 0);
	simgpu_igt_assert_filled(b, size, 0x77777777);
	for (i = 0; i < MANY_JOBS; i++)
		igt_assert_eq(simgpu_igt_wait(lr, lr_jobs[i]), 0);
	for (i = 1; i < MANY_JOBS; i++)
		igt_assert_eq(a[i % 1024], i + 1);

	close(wi);
	close(lr);
	munmap(a, size);
	munmap(b, size);
	simgpu_igt_assert_no_stale(gpu);
}

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("Only wait-idle jobs give their fence to a syncobj.");
	igt_subtest_with_dynamic("out-syncobj")
		simgpu_igt_run_per_mode(&gpus[0], test_out_syncobj);

	igt_describe("An in-syncobj orders jobs of two VMs on one engine.");
	igt_subtest("in-syncobj-same-engine")
		test_in_syncobj_orders(&gpus[0], &gpus[0]);

	igt_describe("An in-syncobj orders jobs of two VMs on two GPUs.");
	igt_subtest("in-syncobj-other-gpu") {
		igt_require(num_gpus > 1);
		test_in_syncobj_orders(&gpus[0], &gpus[1]);
	}

	igt_describe("Jobs are waited for by their number in the VM.");
	igt_subtest_with_dynamic("job-numbers")
		simgpu_igt_run_per_mode(&gpus[0], test_job_numbers);

	igt_describe("A hung job is stopped by the job timeout.");
	igt_subtest("hung-job-timeout")
		test_hung_job_timeout(&gpus[0]);

	igt_describe("A spinning job stops when its file is closed.");
	igt_subtest_with_dynamic("close-stops-spin")
		simgpu_igt_run_per_mode(&gpus[0], test_close_stops_spin);

	igt_describe("Fault jobs waiting for the mmap_lock never hold back a wait-idle job.");
	igt_subtest("fault-jobs-mprotect")
		test_fault_jobs_mprotect(&gpus[0], DRM_SIMGPU_MODE_FAULT);

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
