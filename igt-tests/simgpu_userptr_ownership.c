// SPDX-License-Identifier: MIT
/*
 * Who may use a simgpu userptr BO: only its own VM, and only the process
 * whose memory it maps. A BO cannot be exported, a VM that got one through
 * a GEM name refuses to bind it, and a child after fork() or a process that
 * received the VM over a socket reaches neither the BO nor its memory.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: who may use a simgpu userptr BO
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: isolation
 * Test category: functionality test
 *
 * SUBTEST: fork-child
 * Description: A child after fork() cannot use its parent BOs: a BO maps
 *              its creator memory only.
 * Functionality: fork
 *
 * SUBTEST: passed-fd
 * Description: A VM passed over a UNIX socket does not give its BOs away:
 *              the receiving process reaches neither the BOs nor their
 *              memory.
 * Functionality: fd passing
 *
 * SUBTEST: prime-export
 * Description: Userptr BOs cannot be exported with PRIME, so no other
 *              device or process gets at the memory through a dma-buf.
 * Functionality: PRIME
 *
 * SUBTEST: gem-name
 * Description: A BO opened by GEM name in another VM cannot be bound
 *              there.
 * Functionality: GEM names
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "simgpu_igt.h"

/* How long a child waits for its parent before giving up. */
#define CHILD_TIMEOUT_MS	20000

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

/*
 * What a process that does not own @handle (bound at SIMGPU_IGT_VA in the
 * VM @fd) may do with the VM: not touch the BO, not bind it again, but use
 * a BO of its own memory. Returns 0, or the number of the failed step.
 * Safe in a forked child.
 */
static int foreign_process_steps(int fd, __u32 handle, size_t size)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size,
						    0xbad0bad0);
	__u32 own = 0, *mine;
	int status = 0;

	if (simgpu_exec(fd, &cmd, 1, 0, 0, 0) != -EPERM)
		return 1;
	if (simgpu_bind(fd, handle, SIMGPU_IGT_VA2, 0) != -EPERM)
		return 2;

	mine = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mine == MAP_FAILED)
		return 3;
	if (simgpu_userptr_bound(fd, mine, page_size, 0, SIMGPU_IGT_VA3, &own))
		return 4;
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA3, page_size, 0x600d600d);
	if (simgpu_run(fd, &cmd, 1, &status) || status)
		return 5;
	if (!simgpu_igt_is_filled(mine, page_size, 0x600d600d))
		return 6;
	if (simgpu_unbind_close(fd, own, SIMGPU_IGT_VA3))
		return 7;
	return 0;
}

/* A BO bound at SIMGPU_IGT_VA of a VM in @mode, filled with @value. */
static __u32 owned_bo(int fd, void *p, size_t size, __u32 value)
{
	__u32 handle = simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);

	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, value);
	simgpu_igt_assert_filled(p, size, value);
	return handle;
}

/*
 * After fork(), the child has the VM's file but not the parent's memory:
 * a job of the child on the parent's BO, or a binding of it, is refused,
 * and the parent's memory keeps what the parent's GPU wrote.
 */
static void test_fork_child(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 value = 0x0f0f0001;
	int fd = simgpu_igt_vm(gpu, mode);
	void *p = simgpu_igt_mmap(size);
	__u32 handle = owned_bo(fd, p, size, value);
	pid_t pid;

	pid = fork();
	igt_assert(pid >= 0);
	if (!pid)
		_exit(foreign_process_steps(fd, handle, size));
	igt_assert_eq(simgpu_igt_wait_child(pid), 0);

	simgpu_igt_assert_filled(p, size, value);
	/* The parent still uses its BO. */
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, value + 1);
	simgpu_igt_assert_filled(p, size, value + 1);
	close(fd);
	munmap(p, size);
	simgpu_igt_assert_no_stale(gpu);
}

static bool send_fd(int sock, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1;
}

/* Receive a file descriptor; -1 on failure. Safe in a forked child. */
static int recv_fd(int sock)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cmsg;
	int fd;

	if (poll(&pfd, 1, CHILD_TIMEOUT_MS) != 1 || recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * A process that receives a VM over a UNIX socket (it was forked before the
 * VM existed) is refused the sender's BOs just the same.
 */
static void test_passed_fd(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	const __u32 value = 0x0f0f0002;
	int sv[2], fd, ret;
	__u32 handle;
	void *p;
	pid_t pid;

	igt_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (!pid) {
		__u32 h;

		close(sv[0]);
		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(20);
		if (read(sv[1], &h, sizeof(h)) != sizeof(h))
			_exit(21);
		_exit(foreign_process_steps(fd, h, size));
	}
	close(sv[1]);

	fd = simgpu_igt_vm(gpu, mode);
	p = simgpu_igt_mmap(size);
	handle = owned_bo(fd, p, size, value);
	igt_assert(send_fd(sv[0], fd));
	igt_assert_eq(write(sv[0], &handle, sizeof(handle)), sizeof(handle));
	ret = simgpu_igt_wait_child(pid);
	igt_assert_f(!ret, "receiver failed at step %d\n", ret);
	close(sv[0]);

	simgpu_igt_assert_filled(p, size, value);
	close(fd);
	munmap(p, size);
	simgpu_igt_assert_no_stale(gpu);
}

/* PRIME export of a userptr BO is refused, so no other VM can import it. */
static void test_prime_export(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	int fd = simgpu_igt_vm(gpu, mode);
	void *p = simgpu_igt_mmap(page_size);
	__u32 handle = simgpu_igt_userptr_bound(fd, p, page_size,
						SIMGPU_IGT_VA);
	struct drm_prime_handle args = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};

	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args), -1);
	igt_assert_eq(errno, EPERM);
	args.flags = DRM_CLOEXEC;
	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args), -1);
	igt_assert_eq(errno, EPERM);
	igt_assert_eq(args.fd, -1);
	close(fd);
	munmap(p, page_size);
}

/*
 * A file of the primary node of @gpu: the DRM master if @master is -1,
 * else authenticated by @master.
 */
static int open_primary(const struct simgpu_igt_gpu *gpu, int master)
{
	char *name = drmGetPrimaryDeviceNameFromFd(gpu->fd);
	drm_magic_t magic;
	int fd;

	igt_require_f(name, "no primary node\n");
	fd = open(name, O_RDWR | O_CLOEXEC);
	free(name);
	igt_require_f(fd >= 0, "cannot open the primary node: %s\n",
		      strerror(errno));
	if (master < 0) {
		igt_require_f(drmIsMaster(fd) || !drmSetMaster(fd),
			      "cannot become DRM master\n");
	} else {
		igt_assert_eq(drmGetMagic(fd, &magic), 0);
		igt_assert_eq(drmAuthMagic(master, magic), 0);
	}
	return fd;
}

/*
 * A BO that reaches another VM through a GEM name (FLINK and GEM_OPEN on
 * the primary node) cannot be bound there, so no job, page fault or rebind
 * of that VM ever uses it under the wrong notifier lock.
 */
static void test_gem_name(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 4 * page_size;
	struct drm_simgpu_cmd cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size, 1);
	int owner = open_primary(gpu, -1), other = open_primary(gpu, owner);
	struct drm_gem_flink flink = { 0 };
	struct drm_gem_open open_args = { 0 };
	void *p = simgpu_igt_mmap(size);
	int i;

	igt_require_f(simgpu_vm_config(owner, mode, 0) == 0,
		      "primary node files are not VMs\n");
	igt_assert_eq(simgpu_vm_config(other, mode, 0), 0);
	flink.handle = owned_bo(owner, p, size, 0x0f0f0003);
	igt_require_f(drmIoctl(owner, DRM_IOCTL_GEM_FLINK, &flink) == 0,
		      "FLINK: %s\n", strerror(errno));
	open_args.name = flink.name;
	igt_assert_eq(drmIoctl(other, DRM_IOCTL_GEM_OPEN, &open_args), 0);

	igt_assert_eq(simgpu_bind(other, open_args.handle, SIMGPU_IGT_VA, 0),
		      -EPERM);
	/* Nothing was bound: no job of the other VM reaches the BO. */
	igt_assert_eq(simgpu_exec(other, &cmd, 1, 0, 0, 0), -EINVAL);
	simgpu_igt_assert_filled(p, size, 0x0f0f0003);

	/* The name means nothing on another GPU. */
	for (i = 0; i < num_gpus; i++) {
		int fd;

		if (&gpus[i] == gpu)
			continue;
		fd = open_primary(&gpus[i], -1);
		igt_assert_eq(drmIoctl(fd, DRM_IOCTL_GEM_OPEN, &open_args), -1);
		close(fd);
		break;
	}

	close(other);
	close(owner);
	munmap(p, size);
	simgpu_igt_assert_no_stale(gpu);
}

igt_main
{
	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("A child after fork() cannot use its parent's BOs.");
	igt_subtest_with_dynamic("fork-child")
		simgpu_igt_run_per_mode(&gpus[0], test_fork_child);

	igt_describe("A VM passed over a UNIX socket does not give its BOs away.");
	igt_subtest_with_dynamic("passed-fd")
		simgpu_igt_run_per_mode(&gpus[0], test_passed_fd);

	igt_describe("Userptr BOs cannot be exported with PRIME.");
	igt_subtest_with_dynamic("prime-export")
		simgpu_igt_run_per_mode(&gpus[0], test_prime_export);

	igt_describe("A BO opened by GEM name in another VM cannot be bound.");
	igt_subtest_with_dynamic("gem-name")
		simgpu_igt_run_per_mode(&gpus[0], test_gem_name);

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
