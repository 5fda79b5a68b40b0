// SPDX-License-Identifier: MIT
/*
 * simgpu userptr BOs: the basics, sizes, unaligned buffers, invalid input,
 * read-only memory, and the kernel memory they cost charged to the caller's
 * memory cgroup.
 *
 * Copyright © 2026 The drm_userptr authors
 */

/**
 * TEST: simgpu userptr BOs: basics, sizes and bad input
 * Category: Software building block
 * Mega feature: userptr
 * Sub-category: userptr
 * Test category: functionality test
 *
 * SUBTEST: basic
 * Description: GPU fill, copy, checksum and atomics through userptr BOs on
 *              every GPU and in every mode, checked by the CPU: the GPU
 *              reaches exactly the process memory of the BO.
 * Functionality: GPU access
 *
 * SUBTEST: sizes
 * Description: BOs from one page to 1 GiB, filled by the GPU and checked
 *              by the CPU: population and DMA mapping scale, and every
 *              page is reached.
 * Functionality: population
 *
 * SUBTEST: unaligned
 * Description: malloc() memory at an odd address and length: the BO covers
 *              the pages the allocation covers, and no byte outside it is
 *              written.
 * Functionality: population
 *
 * SUBTEST: invalid-input
 * Description: Bad USERPTR, BIND, EXEC arguments, unmappable memory (a
 *              hole, PROT_NONE, a PCI BAR) and nonzero reserved fields:
 *              each gets its documented errno and leaves no BO behind.
 * Functionality: uapi
 *
 * SUBTEST: read-only
 * Description: Read-only memory in a read-only BO: GPU reads work and GPU
 *              writes fault, so the GPU never writes memory the process
 *              cannot.
 * Functionality: read-only BOs
 *
 * SUBTEST: bounce-buffers
 * Description: Booted with swiotlb=force, userptr BOs are refused with
 *              -EOPNOTSUPP rather than silently bounced, since a bounce
 *              buffer cannot stay coherent with the CPU.
 * Functionality: DMA
 *
 * SUBTEST: memcg-limit
 * Description: The kernel memory a BO costs is charged to the memory
 *              cgroup of the caller, and its limit is met with -ENOMEM,
 *              not an OOM kill or a kernel allocation failure.
 * Functionality: memcg
 *
 * SUBTEST: bindings-limit
 * Description: A VM refuses its 4097th binding with -ENOSPC: the number of
 *              bindings, and the kernel memory they cost, is bounded.
 * Functionality: bind
 *
 * SUBTEST: memcg-bindings
 * Description: The page tables of bindings are charged to the caller
 *              memory cgroup as well, so no process can pin kernel memory
 *              beyond its limit.
 * Functionality: memcg
 *
 * SUBTEST: exec-bound
 * Description: EXEC takes time linear in its commands and bindings, never
 *              quadratic: a large submission cannot stall the kernel.
 * Functionality: exec
 */

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "simgpu_igt.h"

static struct simgpu_igt_gpu gpus[SIMGPU_IGT_MAX_GPUS];
static int num_gpus;
static size_t page_size;

/* Fill, copy, checksum and atomics through two BOs, checked on the CPU. */
static void test_basic(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	int fd = simgpu_igt_vm(gpu, mode);
	__u32 *a = simgpu_igt_mmap(size), *b = simgpu_igt_mmap(size);
	struct drm_simgpu_cmd cmds[3];
	__u64 hash;

	simgpu_igt_userptr_bound(fd, a, size, SIMGPU_IGT_VA);
	simgpu_igt_userptr_bound(fd, b, size, SIMGPU_IGT_VA2);

	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, 0xc0ffee00 + gpu->q.gpu_index);
	simgpu_igt_assert_filled(a, size, 0xc0ffee00 + gpu->q.gpu_index);

	memset(a, 0x3c, size);
	a[7] = 0x12345678;
	cmds[0] = simgpu_cmd_copy(SIMGPU_IGT_VA2, SIMGPU_IGT_VA, size);
	igt_assert_eq(simgpu_igt_run(fd, cmds, 1), 0);
	igt_assert(!memcmp(a, b, size));

	simgpu_igt_checksum(fd, SIMGPU_IGT_VA, size, SIMGPU_IGT_VA2);
	memcpy(&hash, b, sizeof(hash));
	igt_assert_eq_u64(hash, simgpu_fnv1a(a, size));

	a[0] = 40;
	cmds[0] = simgpu_cmd_atomic_add(SIMGPU_IGT_VA, 1);
	cmds[1] = simgpu_cmd_atomic_add(SIMGPU_IGT_VA, 1);
	cmds[2] = simgpu_cmd_store_dword(SIMGPU_IGT_VA + 4, 0xabcd);
	igt_assert_eq(simgpu_igt_run(fd, cmds, 3), 0);
	igt_assert_eq(a[0], 42);
	igt_assert_eq(a[1], 0xabcd);

	close(fd);
	munmap(a, size);
	munmap(b, size);
	simgpu_igt_assert_no_stale(gpu);
}

/* One BO of @size: the GPU fills it, the CPU checks a dword of each page. */
static void test_size(const struct simgpu_igt_gpu *gpu, size_t size)
{
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_DEFAULT);
	__u32 *p = simgpu_igt_mmap(size);
	size_t i, stride = page_size / sizeof(*p);
	unsigned int saved = simgpu_igt_job_timeout_ms(0);

	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	/* Filling 1 GiB takes the emulator a minute under TCG. */
	if (saved)
		simgpu_igt_job_timeout_ms(600000);
	simgpu_igt_fill(fd, SIMGPU_IGT_VA, size, 0x5a5a0000 | (size >> 20));
	if (saved)
		simgpu_igt_job_timeout_ms(saved);
	for (i = 0; i < size / sizeof(*p); i += stride)
		igt_assert_f(p[i] == (0x5a5a0000 | (size >> 20)) &&
			     p[i + stride - 1] == p[i],
			     "page %zu not filled\n", i / stride);
	close(fd);
	munmap(p, size);
	simgpu_igt_assert_no_stale(gpu);
}

/*
 * malloc() memory at odd offsets and lengths: the BO covers the pages, the
 * commands only the bytes, and the bytes around them stay as they were.
 */
static void test_unaligned(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t len = 3 * page_size + 21;
	unsigned char *buf = malloc(2 * len + 64);
	unsigned char *src = buf + 13, *dst = src + len + 7;
	unsigned long first = (unsigned long)buf & ~(page_size - 1);
	unsigned long end = ((unsigned long)buf + 2 * len + 64 +
			     page_size - 1) & ~(page_size - 1);
	__u64 src_va = SIMGPU_IGT_VA + ((unsigned long)src - first);
	__u64 dst_va = SIMGPU_IGT_VA + ((unsigned long)dst - first);
	__u64 *result = simgpu_igt_mmap(page_size);
	struct drm_simgpu_cmd cmd;
	int fd = simgpu_igt_vm(gpu, mode);
	size_t i;

	igt_assert(buf);
	memset(buf, 0xee, 2 * len + 64);
	for (i = 0; i < len; i++)
		src[i] = i * 7;
	simgpu_igt_userptr_bound(fd, (void *)first, end - first,
				 SIMGPU_IGT_VA);
	simgpu_igt_userptr_bound(fd, result, page_size, SIMGPU_IGT_VA2);

	cmd = simgpu_cmd_copy(dst_va, src_va, len);
	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), 0);
	igt_assert(!memcmp(dst, src, len));
	igt_assert_eq(dst[-1], 0xee);
	igt_assert_eq(dst[len], 0xee);
	igt_assert_eq(src[-1], 0xee);

	simgpu_igt_checksum(fd, src_va, len, SIMGPU_IGT_VA2);
	igt_assert_eq_u64(result[0], simgpu_fnv1a(src, len));

	close(fd);
	free(buf);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/* A mapping of a PCI memory BAR: VM_IO | VM_PFNMAP. */
static void *map_pci_bar(size_t *size)
{
	char path[512];
	struct dirent *d;
	struct stat st;
	void *p = NULL;
	DIR *dir;
	int fd;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return NULL;
	while (!p && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/resource0", d->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && st.st_size >= (off_t)page_size) {
			p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);
			if (p == MAP_FAILED)
				p = NULL;
		}
		close(fd);
	}
	closedir(dir);
	*size = page_size;
	return p;
}

static int raw_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

/* Nothing was left behind: a VM with a BO refuses VM_CONFIG. */
static void assert_vm_empty(int fd, __u32 mode)
{
	igt_assert_eq(simgpu_vm_config(fd, mode, 0), 0);
}

static void test_invalid_userptr_args(int fd)
{
	void *p = simgpu_igt_mmap(2 * page_size);
	__u64 max = gpus[0].q.max_bo_size;
	__u32 handle;

	igt_assert_eq(simgpu_userptr(fd, p, 0, 0, &handle), -EINVAL);
	igt_assert_eq(simgpu_userptr(fd, (char *)p + 1, page_size, 0, &handle),
		      -EINVAL);
	igt_assert_eq(simgpu_userptr(fd, p, page_size + 1, 0, &handle),
		      -EINVAL);
	igt_assert_eq(simgpu_userptr(fd, (void *)-page_size, 2 * page_size, 0,
				     &handle), -EINVAL);
	igt_assert_eq(simgpu_userptr(fd, p, max + page_size, 0, &handle),
		      -EINVAL);
	igt_assert_eq(simgpu_userptr(fd, p, page_size, 0x80, &handle),
		      -EINVAL);
	munmap(p, 2 * page_size);
}

static void test_invalid_memory(int fd)
{
	char *p = simgpu_igt_mmap(3 * page_size);
	struct drm_simgpu_cmd cmd;
	__u32 handle;
	size_t size;
	void *bar;

	/* A hole in the middle. */
	munmap(p + page_size, page_size);
	igt_assert_eq(simgpu_userptr(fd, p, 3 * page_size,
				     DRM_SIMGPU_USERPTR_POPULATE, &handle),
		      -EFAULT);
	/* Created lazily it exists, and exec finds the hole. */
	handle = simgpu_igt_userptr(fd, p, 3 * page_size, 0);
	simgpu_igt_bind(fd, handle, SIMGPU_IGT_VA, 0);
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, page_size, 1);
	igt_assert_eq(simgpu_exec(fd, &cmd, 1, 0, 0, 0), -EFAULT);
	igt_assert_eq(simgpu_unbind(fd, SIMGPU_IGT_VA), 0);
	igt_assert_eq(simgpu_gem_close(fd, handle), 0);
	munmap(p, 3 * page_size);

	/* PROT_NONE. */
	p = mmap(NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq(simgpu_userptr(fd, p, page_size,
				     DRM_SIMGPU_USERPTR_POPULATE, &handle),
		      -EFAULT);
	munmap(p, page_size);

	/* VM_IO | VM_PFNMAP, where the guest has a PCI BAR to map. */
	bar = map_pci_bar(&size);
	if (bar) {
		igt_assert_eq(simgpu_userptr(fd, bar, size,
					     DRM_SIMGPU_USERPTR_POPULATE,
					     &handle), -EFAULT);
		munmap(bar, size);
	} else {
		igt_info("no PCI BAR to map: VM_PFNMAP not tried\n");
	}
}

static void test_invalid_handles(int fd)
{
	struct drm_simgpu_cmd cmd = simgpu_cmd_spin(1);
	struct drm_gem_close close_args = { .handle = 0xdead };
	int status;

	igt_assert_eq(simgpu_bind(fd, 0xdead, SIMGPU_IGT_VA, 0), -ENOENT);
	igt_assert_eq(simgpu_unbind(fd, SIMGPU_IGT_VA), -ENOENT);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &close_args), -EINVAL);
	igt_assert_eq(simgpu_wait(fd, 0xdead, 0, &status), -ENOENT);
	igt_assert_eq(simgpu_exec(fd, &cmd, 1, 0, 0xdead, 0), -ENOENT);
	igt_assert_eq(simgpu_exec(fd, &cmd, 1, 0, 0, 0xdead), -ENOENT);
	/* A GPU address range nothing is bound at. */
	cmd = simgpu_cmd_store_dword(SIMGPU_IGT_VA, 1);
	igt_assert_eq(simgpu_exec(fd, &cmd, 1, 0, 0, 0), -EINVAL);
}

static void test_invalid_fields(int fd)
{
	void *p = simgpu_igt_mmap(page_size);
	struct drm_simgpu_vm_config config = { .reserved = 1 };
	struct drm_simgpu_bind bind = { .reserved = 1 };
	struct drm_simgpu_unbind unbind = { .reserved = 1 };
	struct drm_simgpu_cmd cmd = simgpu_cmd_spin(1);
	struct drm_simgpu_exec exec = {
		.cmds = (uintptr_t)&cmd, .num_cmds = 1, .pad = 1,
	};
	struct drm_simgpu_wait wait = { .pad = 1 };
	struct drm_simgpu_stats stats = { .flags = 1 };
	__u32 handle = simgpu_igt_userptr(fd, p, page_size, 0);

	bind.handle = handle;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_VM_CONFIG, &config),
		      -EINVAL);
	igt_assert_eq(simgpu_vm_config(fd, 7, 0), -EINVAL);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_BIND, &bind), -EINVAL);
	bind.reserved = 0;
	bind.flags = 0x10;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_BIND, &bind), -EINVAL);
	bind.flags = 0;
	bind.gpu_addr = SIMGPU_IGT_VA + 8;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_BIND, &bind), -EINVAL);
	bind.gpu_addr = gpus[0].q.va_size;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_BIND, &bind), -EINVAL);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_UNBIND, &unbind), -EINVAL);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	exec.pad = 0;
	exec.flags = 1;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	exec.flags = 0;
	exec.engine = gpus[0].q.num_engines;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	exec.engine = 0;
	exec.num_cmds = 0;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	exec.num_cmds = gpus[0].q.max_cmds + 1;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	exec.num_cmds = 1;
	cmd.pad = 1;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	cmd = simgpu_cmd_spin(gpus[0].q.max_spin_us + 1);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	cmd = simgpu_cmd_spin(1);
	cmd.op = 99;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EINVAL);
	exec.cmds = 8;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &exec), -EFAULT);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_WAIT, &wait), -EINVAL);
	wait.pad = 0;
	wait.flags = 1;
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_WAIT, &wait), -EINVAL);
	igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_SIMGPU_STATS, &stats), -EINVAL);

	igt_assert_eq(simgpu_gem_close(fd, handle), 0);
	munmap(p, page_size);
}

/*
 * A read-only BO of read-only memory: the GPU reads it, a GPU write to it
 * stops the job with -EACCES, and a writable BO of the same memory is
 * refused.
 */
static void test_read_only(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 4 * page_size;
	int fd = simgpu_igt_vm(gpu, mode);
	unsigned char *ro = simgpu_igt_mmap(size);
	__u64 *result = simgpu_igt_mmap(page_size);
	struct drm_simgpu_cmd cmd;
	__u32 handle;

	memset(ro, 0x42, size);
	igt_assert_eq(mprotect(ro, size, PROT_READ), 0);

	igt_assert_eq(simgpu_userptr(fd, ro, size,
				     DRM_SIMGPU_USERPTR_POPULATE, &handle),
		      -EPERM);

	handle = simgpu_igt_userptr(fd, ro, size,
				    DRM_SIMGPU_USERPTR_READ_ONLY |
				    DRM_SIMGPU_USERPTR_POPULATE);
	simgpu_igt_bind(fd, handle, SIMGPU_IGT_VA, 0);
	simgpu_igt_userptr_bound(fd, result, page_size, SIMGPU_IGT_VA2);

	simgpu_igt_checksum(fd, SIMGPU_IGT_VA, size, SIMGPU_IGT_VA2);
	igt_assert_eq_u64(result[0], simgpu_fnv1a(ro, size));

	cmd = simgpu_cmd_store_dword(SIMGPU_IGT_VA, 0);
	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), -EACCES);
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size, 0);
	igt_assert_eq(simgpu_igt_run(fd, &cmd, 1), -EACCES);
	igt_assert_eq(ro[0], 0x42);

	close(fd);
	munmap(ro, size);
	munmap(result, page_size);
	simgpu_igt_assert_no_stale(gpu);
}

#define CGROUP_ROOT		"/sys/fs/cgroup"
/* The memory limit of the cgroup, and the BOs created inside it. */
#define MEMCG_MAX		"2M"
#define MEMCG_BO_SIZE		(64ul << 20)
#define MEMCG_MAX_BOS		64

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text), ret;

	if (fd < 0)
		return false;
	ret = write(fd, text, len);
	close(fd);
	return ret == len;
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[256] = "", *tok, *save;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = 0;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

/*
 * In a memory cgroup of its own: read-only BOs over untouched memory (the
 * zero page, which costs the cgroup nothing) until creation fails. Exit
 * status 0 for -ENOMEM, 1 if every BO was created, else 100 + the errno.
 */
/* memory.current of cgroup @cg, or -1. */
static long memcg_current(const char *cg)
{
	char path[192], buf[32] = "";
	long val = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		val = strtol(buf, NULL, 10);
	close(fd);
	return val;
}

/*
 * In a forked child: move into cgroup @cg and open a VM there. Exits with
 * 100 + the errno on failure.
 */
static int memcg_join(const struct simgpu_igt_gpu *gpu, const char *cg)
{
	char path[192], pid[32];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!write_file(path, pid))
		_exit(100 + EPERM);
	fd = simgpu_reopen(gpu->fd);
	if (fd < 0)
		_exit(100 + -fd);
	return fd;
}

/*
 * Run @child in a new memory cgroup limited to @max, and return its exit
 * status; it must not be killed.
 */
static int memcg_run(const struct simgpu_igt_gpu *gpu, const char *max,
		     void (*child)(const struct simgpu_igt_gpu *gpu,
				   const char *cg))
{
	char cg[128], path[192];
	int status;
	pid_t pid;

	igt_require_f(file_has_word(CGROUP_ROOT "/cgroup.controllers",
				    "memory"),
		      "no memory controller at " CGROUP_ROOT "\n");
	igt_require_f(write_file(CGROUP_ROOT "/cgroup.subtree_control",
				 "+memory"),
		      "cannot enable the memory controller: %s\n",
		      strerror(errno));
	snprintf(cg, sizeof(cg), CGROUP_ROOT "/simgpu-igt-%d", (int)getpid());
	igt_assert_f(!mkdir(cg, 0755), "mkdir %s: %s\n", cg, strerror(errno));
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	igt_assert(write_file(path, max));

	pid = fork();
	igt_assert(pid >= 0);
	if (!pid)
		child(gpu, cg);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	rmdir(cg);
	igt_assert_f(WIFEXITED(status), "the child was killed by signal %d\n",
		     WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* In a forked child: MEMCG_BO_SIZE of untouched read-only memory. */
static void *memcg_region(void)
{
	void *p = mmap(NULL, MEMCG_BO_SIZE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		_exit(100 + errno);
	return p;
}

static void memcg_child(const struct simgpu_igt_gpu *gpu, const char *cg)
{
	int fd, i, err = 0;
	long before;
	__u32 handle;
	void *p;

	fd = memcg_join(gpu, cg);
	/*
	 * All BOs over the same memory: its page tables (charged to the
	 * cgroup too, and the cause of an OOM kill when they do not fit) are
	 * made once, by the first populate; every further BO costs the cgroup
	 * only the kernel memory of the BO itself.
	 */
	p = memcg_region();
	/* A huge zero page where THP allows it: a quick populate. */
	madvise(p, MEMCG_BO_SIZE, MADV_HUGEPAGE);
	for (i = 0; i < MEMCG_MAX_BOS && !err; i++) {
		before = memcg_current(cg);
		err = simgpu_userptr(fd, p, MEMCG_BO_SIZE,
				     DRM_SIMGPU_USERPTR_READ_ONLY |
				     DRM_SIMGPU_USERPTR_POPULATE, &handle);
		/* What one BO costs the cgroup, for the record. */
		fprintf(stderr, "BO %d of %lu MiB: %s, memory.current %ld -> %ld\n",
			i, MEMCG_BO_SIZE >> 20, err ? strerror(-err) : "created",
			before, memcg_current(cg));
	}
	_exit(err == -ENOMEM ? 0 : err ? 100 + -err : 1);
}

/*
 * The per-page arrays a BO costs the kernel are charged to the memory
 * cgroup of the process that creates it: past its limit, creation fails
 * with -ENOMEM (no OOM kill), and processes outside are not hurt.
 */
static void test_memcg_limit(const struct simgpu_igt_gpu *gpu)
{
	int status = memcg_run(gpu, MEMCG_MAX, memcg_child), fd;
	__u32 handle;
	void *p;

	igt_assert_f(status != 1,
		     "%d BOs of %lu MiB created within memory.max=%s\n",
		     MEMCG_MAX_BOS, MEMCG_BO_SIZE >> 20, MEMCG_MAX);
	igt_assert_f(status == 0, "creation failed with %s\n",
		     strerror(status - 100));

	/* Outside the cgroup the same BO is created as before. */
	fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_DEFAULT);
	p = mmap(NULL, MEMCG_BO_SIZE, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(p != MAP_FAILED);
	madvise(p, MEMCG_BO_SIZE, MADV_HUGEPAGE);
	handle = simgpu_igt_userptr(fd, p, MEMCG_BO_SIZE,
				    DRM_SIMGPU_USERPTR_READ_ONLY |
				    DRM_SIMGPU_USERPTR_POPULATE);
	igt_assert_eq(simgpu_gem_close(fd, handle), 0);
	close(fd);
	munmap(p, MEMCG_BO_SIZE);
}

/* The most bindings a VM may have; 4096 before the query reported it. */
static unsigned int max_bindings(const struct simgpu_igt_gpu *gpu)
{
	return gpu->q.max_bindings ? gpu->q.max_bindings : 4096;
}

/*
 * A VM holds at most &drm_simgpu_query.max_bindings bindings: one more is
 * -ENOSPC, until one is removed.
 */
static void test_bindings_limit(const struct simgpu_igt_gpu *gpu)
{
	unsigned int i, max = max_bindings(gpu);
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_DEFAULT);
	void *p = simgpu_igt_mmap(page_size);
	__u32 handle = simgpu_igt_userptr(fd, p, page_size, 0);

	for (i = 0; i < max; i++)
		simgpu_igt_bind(fd, handle, SIMGPU_IGT_VA + i * page_size, 0);
	igt_assert_eq(simgpu_bind(fd, handle, SIMGPU_IGT_VA + max * page_size, 0),
		      -ENOSPC);
	igt_assert_eq(simgpu_unbind(fd, SIMGPU_IGT_VA), 0);
	simgpu_igt_bind(fd, handle, SIMGPU_IGT_VA + max * page_size, 0);
	close(fd);
	munmap(p, page_size);
}

/* Bindings of one 64 MiB BO, each 128 KiB of page table, in the cgroup. */
#define MEMCG_BINDINGS		256

/* Exit status 0 for -ENOMEM, 1 if every binding was made, else 100 + errno. */
static void memcg_bind_child(const struct simgpu_igt_gpu *gpu, const char *cg)
{
	int fd, i, err = 0;
	__u32 handle;
	void *p;

	fd = memcg_join(gpu, cg);
	p = memcg_region();
	err = simgpu_userptr(fd, p, MEMCG_BO_SIZE, DRM_SIMGPU_USERPTR_READ_ONLY,
			     &handle);
	for (i = 0; i < MEMCG_BINDINGS && !err; i++)
		err = simgpu_bind(fd, handle, SIMGPU_IGT_VA + i * MEMCG_BO_SIZE,
				  0);
	fprintf(stderr, "%d bindings of %lu MiB: %s, memory.current %ld\n", i,
		MEMCG_BO_SIZE >> 20, err ? strerror(-err) : "made",
		memcg_current(cg));
	_exit(err == -ENOMEM ? 0 : err ? 100 + -err : 1);
}

/*
 * The page table of a binding (8 bytes per page) is charged to the memory
 * cgroup of the process that binds: past the limit BIND fails with
 * -ENOMEM, so re-binding a BO cannot take the kernel's memory.
 */
static void test_memcg_bindings(const struct simgpu_igt_gpu *gpu)
{
	int status = memcg_run(gpu, "4M", memcg_bind_child);

	igt_assert_f(status != 1,
		     "%d bindings of %lu MiB made within memory.max=4M\n",
		     MEMCG_BINDINGS, MEMCG_BO_SIZE >> 20);
	igt_assert_f(status == 0, "BIND failed with %s\n",
		     strerror(status - 100));
}

/*
 * EXEC's work is bounded by its arguments: 1024 commands, each over every
 * one of thousands of one-page bindings of as many BOs, are checked and
 * deduplicated in linear time, not in time growing with the square of the
 * bindings under the VM's lock. The job itself is then stopped by a short
 * job timeout.
 */
static void test_exec_bound(const struct simgpu_igt_gpu *gpu)
{
	unsigned int i, n = DRM_SIMGPU_MAX_JOB_BOS, saved;
	int fd = simgpu_igt_vm(gpu, DRM_SIMGPU_MODE_WAIT_IDLE);
	size_t size = (size_t)n * page_size;
	char *p = simgpu_igt_mmap(size + page_size);
	struct drm_simgpu_cmd *cmds;
	__u64 job, t0, ms;
	int status;

	igt_require(gpu->q.max_cmds >= 1024);
	memset(p, 0, size + page_size);
	for (i = 0; i <= n; i++)
		simgpu_igt_bind(fd, simgpu_igt_userptr(fd, p + i * page_size,
						       page_size, 0),
				SIMGPU_IGT_VA + i * page_size, 0);
	cmds = calloc(1024, sizeof(*cmds));
	igt_assert(cmds);

	/* One BO more than a job may touch. */
	cmds[0] = simgpu_cmd_checksum(SIMGPU_IGT_VA, SIMGPU_IGT_VA + 8, size);
	igt_assert_eq(simgpu_submit(fd, cmds, 1, 0, 0, 0, &job), -E2BIG);

	/* Populated first, so that the EXEC below only checks. */
	cmds[0] = simgpu_cmd_checksum(SIMGPU_IGT_VA, SIMGPU_IGT_VA + 8,
				      size - 8);
	igt_assert_eq(simgpu_igt_run(fd, cmds, 1), 0);
	for (i = 0; i < 1024; i++)
		cmds[i] = cmds[0];

	/* The job would read 4 GiB through the oracle: cut it short. */
	saved = simgpu_igt_job_timeout_ms(0);
	simgpu_igt_job_timeout_ms(1000);
	t0 = simgpu_igt_now_ns();
	igt_assert_eq(simgpu_submit(fd, cmds, 1024, 0, 0, 0, &job), 0);
	ms = (simgpu_igt_now_ns() - t0) / 1000000;
	igt_info("EXEC of 1024 commands over %u bindings took %llu ms\n", n,
		 (unsigned long long)ms);
	igt_assert_eq(simgpu_wait_job(fd, job, 120ll * 1000000000, &status), 0);
	simgpu_igt_job_timeout_ms(saved);
	igt_assert_f(ms < 30000, "EXEC took %llu ms\n", (unsigned long long)ms);
	free(cmds);
	close(fd);
	munmap(p, size + page_size);
	simgpu_igt_assert_no_stale(gpu);
}

/* Whether the kernel was booted with swiotlb=force: every mapping bounces. */
static bool swiotlb_forced(void)
{
	char cmdline[4096] = "";
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return false;
	len = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (len > 0)
		cmdline[len] = 0;
	return strstr(cmdline, "swiotlb=force");
}

/*
 * Through bounce buffers the GPU would write a copy of the user's pages
 * and read a stale one: a BO is refused (-EOPNOTSUPP), never populated
 * silently, and the GPU never touches the memory.
 */
static void test_bounce_refused(const struct simgpu_igt_gpu *gpu, __u32 mode)
{
	const size_t size = 16 * page_size;
	int fd = simgpu_igt_vm(gpu, mode);
	__u32 *p = simgpu_igt_mmap(size);
	struct drm_simgpu_cmd cmd;
	__u32 handle;

	memset(p, 0x5a, size);
	igt_assert_eq(simgpu_userptr(fd, p, size, DRM_SIMGPU_USERPTR_POPULATE,
				     &handle), -EOPNOTSUPP);
	simgpu_igt_userptr_bound(fd, p, size, SIMGPU_IGT_VA);
	cmd = simgpu_cmd_fill(SIMGPU_IGT_VA, size, 0xb0b0b0b0);
	simgpu_igt_assert_job_fails(fd, mode, &cmd, 1, -EOPNOTSUPP);
	simgpu_igt_assert_filled(p, size, 0x5a5a5a5a);

	close(fd);
	munmap(p, size);
	simgpu_igt_assert_no_stale(gpu);
}

igt_main
{
	const struct simgpu_mode *m;
	int i;

	igt_fixture
		num_gpus = simgpu_igt_init(gpus, &page_size);

	igt_describe("GPU fill, copy, checksum and atomics, checked by the CPU.");
	igt_subtest_with_dynamic("basic") {
		for (i = 0; i < num_gpus; i++)
			for_each_simgpu_mode(m)
				igt_dynamic_f("gpu%d-%s", i, m->name)
					test_basic(&gpus[i], m->mode);
	}

	igt_describe("BOs from one page to 1 GiB, filled by the GPU.");
	igt_subtest_with_dynamic("sizes") {
		static const size_t sizes_kib[] = {
			4, 64, 2048, 64 * 1024, 1024 * 1024,
		};
		unsigned int s;

		for (s = 0; s < ARRAY_SIZE(sizes_kib); s++)
			igt_dynamic_f("%zuKiB", sizes_kib[s])
				test_size(&gpus[0], sizes_kib[s] << 10);
	}

	igt_describe("malloc() memory at an odd address and length.");
	igt_subtest_with_dynamic("unaligned")
		simgpu_igt_run_per_mode(&gpus[0], test_unaligned);

	igt_describe("Bad input: the documented errno, and no BO left.");
	igt_subtest_with_dynamic("invalid-input") {
		int fd;

		igt_dynamic("userptr-args") {
			fd = simgpu_igt_vm(&gpus[0], DRM_SIMGPU_MODE_DEFAULT);
			test_invalid_userptr_args(fd);
			assert_vm_empty(fd, DRM_SIMGPU_MODE_DEFAULT);
			close(fd);
		}
		igt_dynamic("unmappable-memory") {
			fd = simgpu_igt_vm(&gpus[0], DRM_SIMGPU_MODE_DEFAULT);
			test_invalid_memory(fd);
			assert_vm_empty(fd, DRM_SIMGPU_MODE_DEFAULT);
			close(fd);
		}
		igt_dynamic("handles") {
			fd = simgpu_igt_vm(&gpus[0], DRM_SIMGPU_MODE_DEFAULT);
			test_invalid_handles(fd);
			assert_vm_empty(fd, DRM_SIMGPU_MODE_DEFAULT);
			close(fd);
		}
		igt_dynamic("flags-and-reserved") {
			fd = simgpu_igt_vm(&gpus[0], DRM_SIMGPU_MODE_DEFAULT);
			test_invalid_fields(fd);
			assert_vm_empty(fd, DRM_SIMGPU_MODE_DEFAULT);
			close(fd);
		}
	}

	igt_describe("Read-only memory: GPU reads work, writes fault.");
	igt_subtest_with_dynamic("read-only")
		simgpu_igt_run_per_mode(&gpus[0], test_read_only);

	igt_describe("Booted with swiotlb=force: BOs are refused, never bounced.");
	igt_subtest_with_dynamic("bounce-buffers") {
		igt_require_f(swiotlb_forced(), "not booted with swiotlb=force\n");
		simgpu_igt_run_per_mode(&gpus[0], test_bounce_refused);
	}

	igt_describe("A memory cgroup's limit bounds the kernel memory its BOs cost.");
	igt_subtest("memcg-limit")
		test_memcg_limit(&gpus[0]);

	igt_describe("A VM's bindings are limited in number.");
	igt_subtest("bindings-limit")
		test_bindings_limit(&gpus[0]);

	igt_describe("A memory cgroup's limit bounds the page tables of bindings.");
	igt_subtest("memcg-bindings")
		test_memcg_bindings(&gpus[0]);

	igt_describe("EXEC takes time linear in its commands and bindings.");
	igt_subtest("exec-bound")
		test_exec_bound(&gpus[0]);

	igt_fixture {
		simgpu_igt_close_gpus(gpus, num_gpus);
	}
}
