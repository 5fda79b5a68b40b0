// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: the canary, a process whose memory no other process may
 * reach through the GPU.
 *
 * The canary fills some memory with a pattern, makes userptr BOs of it in
 * VMs of every mode on every GPU, binds them where the workers' random
 * commands land (the start of the GPU address window), and keeps passing
 * those VM files to the workers, which use them like their own. Its own
 * children (after fork(), with the files and a copy of the memory) submit
 * fills over the bindings, which must be refused (-EPERM). The canary
 * never runs a job, so at the end its memory must hold the pattern, byte
 * for byte: anything else is a write from another process.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simgpu_fuzz.h"

#define CANARY_MODES	3
#define CANARY_MAX_VMS	(MAX_FUZZ_GPUS * CANARY_MODES)

struct canary {
	unsigned char *mem;
	size_t size;
	int vm_fds[CANARY_MAX_VMS];
	int vm_gpus[CANARY_MAX_VMS];
	int num_vms;
};

static unsigned char pattern(size_t i)
{
	return (i * 131 + 7) & 0xff;
}

/* Two bindings of one BO over all the canary's memory, per VM. */
static int canary_vm(struct canary *c, int gpu, __u32 mode)
{
	__u32 handle;
	int fd, ret;

	fd = simgpu_reopen(fuzz_gpus[gpu].fd);
	if (fd < 0)
		return fd;
	ret = simgpu_vm_config(fd, mode, 0);
	if (!ret)
		ret = simgpu_userptr_bound(fd, c->mem, c->size,
					   DRM_SIMGPU_USERPTR_POPULATE, 0,
					   &handle);
	if (!ret)
		ret = simgpu_bind(fd, handle, CANARY_GPU_ADDR, 0);
	if (ret) {
		close(fd);
		return ret;
	}
	c->vm_fds[c->num_vms] = fd;
	c->vm_gpus[c->num_vms++] = gpu;
	return 0;
}

static void send_vm(const struct canary *c, int mailbox, unsigned int i)
{
	struct fuzz_fd_msg msg = { FD_MSG_VM, c->vm_gpus[i] };

	fuzz_send_fd(mailbox, c->vm_fds[i], &msg);
}

/*
 * A child of the canary fills the canary's bindings through every VM it
 * inherited. The memory is not the child's: EXEC must refuse (-EPERM),
 * unless a worker has unbound or closed the canary's BO in that VM, and in
 * no case may the memory change.
 */
static void canary_child(const struct canary *c)
{
	struct drm_simgpu_cmd fill[2];
	int i, ret;
	__u64 job;

	fill[0] = simgpu_cmd_fill(0, c->size, 0xdeadbeef);
	fill[1] = simgpu_cmd_fill(CANARY_GPU_ADDR, c->size, 0xdeadbeef);
	for (i = 0; i < c->num_vms; i++) {
		ret = simgpu_submit(c->vm_fds[i], fill, 2, 0, 0, 0, &job);
		__atomic_fetch_add(&fuzz_shared->c.canary_execs, 1,
				   __ATOMIC_RELAXED);
		if (ret == -EPERM)
			__atomic_fetch_add(&fuzz_shared->c.canary_refused, 1,
					   __ATOMIC_RELAXED);
		if (!ret)
			simgpu_wait_job(c->vm_fds[i], job, SIMGPU_RUN_TIMEOUT_NS,
					NULL);
	}
	_exit(0);
}

/* Counts the bytes that no longer hold the pattern. */
static void canary_check(const struct canary *c)
{
	__u64 bad = 0, first = 0;
	size_t i;

	for (i = 0; i < c->size; i++) {
		if (c->mem[i] != pattern(i)) {
			if (!bad)
				first = i;
			bad++;
		}
	}
	if (bad && !fuzz_shared->canary_bad_bytes) {
		fuzz_shared->canary_first_bad = first;
		fuzz_shared->canary_bad_bytes = bad;
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };

	nanosleep(&ts, NULL);
}

/*
 * Runs the canary until the run stops. @mailboxes: the sending end of
 * each worker's mailbox. Returns 0, or 1 if it could not set up or a
 * child of its own crashed; a change of its memory is left in
 * fuzz_shared->canary_bad_bytes.
 */
int fuzz_canary_run(const int *mailboxes, int num_workers, __u64 seed)
{
	struct canary c = { .size = CANARY_PAGES * fuzz_page_size };
	int status, gpu, failed = 0, children_crashed = 0;
	unsigned int tick = 0;
	__u64 rng = simgpu_rng_seed(seed);
	__u32 mode;
	size_t i;
	pid_t pid;

	c.mem = mmap(NULL, c.size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.mem == MAP_FAILED)
		return 1;
	for (i = 0; i < c.size; i++)
		c.mem[i] = pattern(i);
	for (gpu = 0; gpu < fuzz_num_gpus; gpu++)
		for (mode = 1; mode <= CANARY_MODES; mode++)
			if (canary_vm(&c, gpu, mode))
				failed = 1;
	if (failed || !c.num_vms) {
		printf("# canary: setup failed\n");
		return 1;
	}
	fuzz_shared->canary_ready = 1;

	while (!fuzz_shared->stop) {
		rng = simgpu_rng_seed(rng);
		if (num_workers)
			send_vm(&c, mailboxes[rng % num_workers],
				(rng >> 32) % c.num_vms);
		if (++tick % 25 == 0) {
			pid = fork();
			if (pid == 0)
				canary_child(&c);
			if (pid > 0 && waitpid(pid, &status, 0) == pid &&
			    !WIFEXITED(status))
				children_crashed++;
			canary_check(&c);
		}
		sleep_ms(20);
	}
	canary_check(&c);
	for (i = 0; i < (size_t)c.num_vms; i++)
		close(c.vm_fds[i]);
	if (children_crashed)
		printf("# canary: %d children crashed\n", children_crashed);
	return children_crashed ? 1 : 0;
}
