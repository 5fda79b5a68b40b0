// SPDX-License-Identifier: MIT
/*
 * The errnos of the simgpu uapi where signals and privileges come in: a
 * WAIT interrupted by signals still times out when it should, a negative
 * timeout is refused, an ioctl interrupted while it waits for the VM's
 * lock is restarted rather than failed, and the legacy-notifier baseline
 * is only for the privileged.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: simgpu uapi errnos under signals and privileges
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: uapi
 * Test category: functionality test
 *
 * SUBTEST: wait-timeout-after-signals
 * Description: A WAIT interrupted by signals again and again still times
 *              out when its timeout says: a restarted wait must not
 *              restart its clock.
 * Functionality: wait
 *
 * SUBTEST: wait-negative-timeout
 * Description: A negative WAIT timeout is refused with -EINVAL, as the
 *              uapi documents, instead of waiting forever.
 * Functionality: wait
 *
 * SUBTEST: bind-restarts
 * Description: A BIND interrupted by a signal while it waits for the VM
 *              lock is restarted, not failed with -EINTR: userspace never
 *              sees a spurious error.
 * Functionality: bind
 *
 * SUBTEST: legacy-mn-privileged
 * Description: VM_CONFIG with the legacy-notifier baseline needs
 *              CAP_SYS_ADMIN: the baseline walks every BO of a process on
 *              every invalidation, a cost an unprivileged process must not
 *              impose.
 * Functionality: legacy baseline
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <xf86drm.h>

#include "simgpu_igt.h"

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

static volatile unsigned long signals_caught;

static void count_signal(int sig)
{
	signals_caught++;
}

/* SIGUSR1 counts and restarts system calls (SA_RESTART). */
static void install_restarting_handler(void)
{
	struct sigaction sa = { .sa_handler = count_signal,
				.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	igt_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
}

struct signaller {
	pthread_t target;
	volatile bool stop;
	unsigned int period_us;
};

static void *signaller_fn(void *arg)
{
	struct signaller *s = arg;

	while (!s->stop) {
		pthread_kill(s->target, SIGUSR1);
		usleep(s->period_us);
	}
	return NULL;
}

static void signaller_start(struct signaller *s, pthread_t *thread,
			    unsigned int period_us)
{
	s->target = pthread_self();
	s->stop = false;
	s->period_us = period_us;
	igt_assert_eq(pthread_create(thread, NULL, signaller_fn, s), 0);
}

static void signaller_stop(struct signaller *s, pthread_t thread)
{
	s->stop = true;
	igt_assert_eq(pthread_join(thread, NULL), 0);
}

/* A raw WAIT for a job, without libdrm's restart on EINTR. */
static int raw_wait_job(int fd, __u64 job, __s64 timeout_ns)
{
	struct drm_simgpu_wait args = {
		.flags = DRM_SIMGPU_WAIT_JOB,
		.timeout_ns = timeout_ns,
		.job = job,
	};

	return ioctl(fd, DRM_IOCTL_SIMGPU_WAIT, &args) ? -errno : 0;
}

/*
 * Signals every 5 ms during a 200 ms WAIT for a job of 2 s: the WAIT is
 * restarted after each, for the time that is left, and ends with -ETIME
 * after about 200 ms, not when the job ends.
 */
static void test_wait_timeout_after_signals(const struct simgpu_igt_gpu *gpu)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_spin(2000000);
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	struct signaller s;
	pthread_t thread;
	__u64 job, t0, ms;
	unsigned long caught;
	int ret;

	install_restarting_handler();
	job = simgpu_igt_submit(fd, &cmd, 1);
	signals_caught = 0;
	signaller_start(&s, &thread, 5000);
	t0 = simgpu_igt_now_ns();
	ret = raw_wait_job(fd, job, 200 * SIMGPU_IGT_NS_PER_MS);
	ms = (simgpu_igt_now_ns() - t0) / SIMGPU_IGT_NS_PER_MS;
	signaller_stop(&s, thread);
	caught = signals_caught;
	igt_info("WAIT returned %d after %llu ms and %lu signals\n", ret,
		 (unsigned long long)ms, caught);
	igt_assert_lt(10, caught);
	igt_assert_eq(ret, -ETIME);
	igt_assert_f(ms < 1000, "WAIT took %llu ms\n", (unsigned long long)ms);
	igt_assert_eq(simgpu_igt_wait(fd, job), 0);
	close(fd);
}

/* A negative timeout is refused, not taken for a poll. */
static void test_wait_negative_timeout(const struct simgpu_igt_gpu *gpu)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_spin(1000);
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	__u32 syncobj;
	__u64 job;

	igt_assert_eq(simgpu_syncobj_create(fd, &syncobj), 0);
	igt_assert_eq(simgpu_submit(fd, &cmd, 1, 0, 0, syncobj, &job), 0);
	igt_assert_eq(raw_wait_job(fd, job, -1), -EINVAL);
	igt_assert_eq(simgpu_wait(fd, syncobj, -1, NULL), -EINVAL);
	igt_assert_eq(simgpu_igt_wait(fd, job), 0);
	close(fd);
}

struct exec_call {
	int fd;
	__u64 va;
	int ret;
};

static void *exec_thread(void *arg)
{
	struct exec_call *c = arg;
	struct drm_simgpu_cmd cmd = simgpu_cmd_store_dword(c->va, 1);

	c->ret = simgpu_exec(c->fd, &cmd, 1, 0, 0, 0);
	return NULL;
}

/*
 * An ioctl that waits for the VM's lock (held by an EXEC populating a big
 * BO) and is interrupted by a signal with SA_RESTART is restarted by the
 * kernel: -ERESTARTSYS, never -EINTR, reaches the signal code.
 */
static void test_bind_restarts(const struct simgpu_igt_gpu *gpu)
{
	const size_t big = 64ull << 20;
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	void *p = simgpu_igt_mmap(big), *q = simgpu_igt_mmap(page_size);
	struct exec_call call = { .fd = fd, .va = SIMGPU_IGT_VA };
	struct drm_simgpu_bind bind = { .gpu_addr = SIMGPU_IGT_VA2 };
	struct signaller s;
	pthread_t ex, sig;
	int ret;

	install_restarting_handler();
	memset(p, 1, big);
	simgpu_igt_userptr_bound(fd, p, big, SIMGPU_IGT_VA);
	bind.handle = simgpu_igt_userptr(fd, q, page_size, 0);

	/* The EXEC populates the whole BO under the VM's lock. */
	igt_assert_eq(madvise(p, big, MADV_DONTNEED), 0);
	signals_caught = 0;
	igt_assert_eq(pthread_create(&ex, NULL, exec_thread, &call), 0);
	usleep(20000);
	signaller_start(&s, &sig, 1000);
	ret = ioctl(fd, DRM_IOCTL_SIMGPU_BIND, &bind) ? -errno : 0;
	signaller_stop(&s, sig);
	igt_assert_eq(pthread_join(ex, NULL), 0);
	igt_info("BIND returned %d after %lu signals\n", ret, signals_caught);
	igt_assert_lt(10, signals_caught);
	igt_assert_eq(ret, 0);
	igt_assert_eq(call.ret, 0);
	close(fd);
	munmap(p, big);
	munmap(q, page_size);
}

/* Drop every capability of this (forked) process. */
static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	return syscall(SYS_capset, &hdr, data);
}

/*
 * DRM_SIMGPU_VM_LEGACY_MN, a benchmark baseline, needs CAP_SYS_ADMIN: a
 * process without it gets -EPERM.
 */
static void test_legacy_mn_privileged(const struct simgpu_igt_gpu *gpu)
{
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	pid_t pid;

	pid = fork();
	igt_assert(pid >= 0);
	if (!pid) {
		if (drop_capabilities())
			_exit(1);
		if (simgpu_vm_config(fd, DRM_SIMGPU_MODE_WAIT_IDLE,
				     DRM_SIMGPU_VM_LEGACY_MN) != -EPERM)
			_exit(2);
		/* Everything else still works. */
		if (simgpu_vm_config(fd, DRM_SIMGPU_MODE_WAIT_IDLE,
				     DRM_SIMGPU_VM_SINGLE_PASS))
			_exit(3);
		_exit(0);
	}
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);
	igt_assert_eq(simgpu_vm_config(fd, DRM_SIMGPU_MODE_WAIT_IDLE,
				       DRM_SIMGPU_VM_LEGACY_MN), 0);
	close(fd);
}

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("A WAIT interrupted by signals times out on time.");
	igt_subtest("wait-timeout-after-signals")
		test_wait_timeout_after_signals(&gpus[0]);

	igt_describe("A negative WAIT timeout is -EINVAL.");
	igt_subtest("wait-negative-timeout")
		test_wait_negative_timeout(&gpus[0]);

	igt_describe("An ioctl interrupted while waiting for the VM is restarted.");
	igt_subtest("bind-restarts")
		test_bind_restarts(&gpus[0]);

	igt_describe("The legacy notifier baseline needs CAP_SYS_ADMIN.");
	igt_subtest("legacy-mn-privileged")
		test_legacy_mn_privileged(&gpus[0]);

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
