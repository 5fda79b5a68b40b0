// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libsimgpu: a small userspace library for the simgpu DRM driver.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

#include "libsimgpu.h"

/* First and last render node minor: DRM allows 64 render nodes. */
#define SIMGPU_RENDER_MINOR_FIRST	128
#define SIMGPU_RENDER_MINOR_LAST	191

struct simgpu_node {
	int fd;
	__u32 gpu_index;
	__u32 num_gpus;
	dev_t rdev;
};

struct simgpu_nodes {
	struct simgpu_node node[SIMGPU_LIB_MAX_GPUS];
	int count;
	/* The first error other than "no such node", for the caller. */
	int err;
};

static int simgpu_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

/*
 * libdrm's helpers return the result of drmIoctl(): -1 with errno set (as in
 * libdrm 2.4.114), or a negative errno in some versions. errno is cleared
 * before the call, so that both give the negative errno here.
 */
static int simgpu_libdrm_ret(int ret)
{
	if (!ret)
		return 0;
	if (errno)
		return -errno;
	return ret < 0 ? ret : -EIO;
}

static void simgpu_nodes_error(struct simgpu_nodes *nodes, int err)
{
	if (err == -ENOENT || err == -ENXIO || err == -ENODEV)
		return;
	if (!nodes->err)
		nodes->err = err;
}

/*
 * Adds the render node @path to @nodes if it is a simgpu device that is not
 * there yet. Opening a render node creates a VM, so the node is compared by
 * device number before it is opened.
 */
static void simgpu_try_node(struct simgpu_nodes *nodes, const char *path)
{
	struct simgpu_node *node;
	struct drm_simgpu_query q;
	drmVersionPtr version;
	struct stat st;
	bool is_simgpu;
	int fd, i, ret;

	if (stat(path, &st)) {
		simgpu_nodes_error(nodes, -errno);
		return;
	}
	if (!S_ISCHR(st.st_mode))
		return;
	for (i = 0; i < nodes->count; i++)
		if (nodes->node[i].rdev == st.st_rdev)
			return;
	if (nodes->count == SIMGPU_LIB_MAX_GPUS)
		return;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		simgpu_nodes_error(nodes, -errno);
		return;
	}
	version = drmGetVersion(fd);
	is_simgpu = version && version->name &&
		    !strcmp(version->name, "simgpu");
	if (version)
		drmFreeVersion(version);
	if (!is_simgpu) {
		close(fd);
		return;
	}
	ret = simgpu_query(fd, &q);
	if (ret) {
		simgpu_nodes_error(nodes, ret);
		close(fd);
		return;
	}

	node = &nodes->node[nodes->count++];
	node->fd = fd;
	node->gpu_index = q.gpu_index;
	node->num_gpus = q.num_gpus;
	node->rdev = st.st_rdev;
}

/* The render nodes libdrm enumerates. */
static void simgpu_find_libdrm(struct simgpu_nodes *nodes)
{
	drmDevicePtr devices[SIMGPU_LIB_MAX_GPUS];
	int i, n;

	n = drmGetDevices2(0, devices, SIMGPU_LIB_MAX_GPUS);
	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (devices[i]->available_nodes & (1 << DRM_NODE_RENDER))
			simgpu_try_node(nodes, devices[i]->nodes[DRM_NODE_RENDER]);
	}
	drmFreeDevices(devices, n);
}

/* Every render node by name, whatever bus it is on. */
static void simgpu_find_scan(struct simgpu_nodes *nodes)
{
	char path[64];
	int minor;

	for (minor = SIMGPU_RENDER_MINOR_FIRST;
	     minor <= SIMGPU_RENDER_MINOR_LAST; minor++) {
		snprintf(path, sizeof(path), DRM_RENDER_DEV_NAME, DRM_DIR_NAME,
			 minor);
		simgpu_try_node(nodes, path);
	}
}

static int simgpu_node_cmp(const void *a, const void *b)
{
	const struct simgpu_node *x = a, *y = b;

	if (x->gpu_index != y->gpu_index)
		return x->gpu_index < y->gpu_index ? -1 : 1;
	return 0;
}

/**
 * simgpu_open_all() - Open every simgpu GPU.
 * @fds: Receives one open render node file per GPU, by &drm_simgpu_query
 *	gpu_index.
 * @max: Size of @fds.
 *
 * The GPUs are found with drmGetDevices2(), keeping the render nodes whose
 * driver is "simgpu". libdrm identifies a platform device by its device-tree
 * name, or failing that by its MODALIAS ("platform:simgpu"): every simgpu GPU
 * then has the same bus information, drmGetDevices2() folds them into one
 * device, and it may skip platform devices altogether in some versions. So
 * unless it found as many GPUs as &drm_simgpu_query num_gpus says there are,
 * every render node from renderD128 to renderD191 is tried as well. Each file
 * is a new VM of its GPU. GPUs beyond @max are closed again.
 *
 * Return: the number of files stored in @fds, 0 if there is no simgpu GPU,
 * or a negative errno (for instance -EACCES if no GPU was found and a render
 * node could not be opened).
 */
int simgpu_open_all(int *fds, int max)
{
	struct simgpu_nodes nodes = { .count = 0 };
	__u32 num_gpus = 0;
	int i;

	if (!fds || max <= 0)
		return -EINVAL;

	simgpu_find_libdrm(&nodes);
	for (i = 0; i < nodes.count; i++)
		if (nodes.node[i].num_gpus > num_gpus)
			num_gpus = nodes.node[i].num_gpus;
	if (!nodes.count || (__u32)nodes.count < num_gpus)
		simgpu_find_scan(&nodes);
	if (!nodes.count)
		return nodes.err;

	qsort(nodes.node, nodes.count, sizeof(nodes.node[0]), simgpu_node_cmp);
	for (i = 0; i < nodes.count; i++) {
		if (i < max)
			fds[i] = nodes.node[i].fd;
		else
			close(nodes.node[i].fd);
	}
	return nodes.count < max ? nodes.count : max;
}

/**
 * simgpu_reopen() - Open a new VM on the GPU of a render node file.
 * @fd: An open simgpu render node.
 *
 * Opens the device node of @fd again, through /proc/self/fd or, without
 * /proc, as /dev/dri/renderD<minor>.
 *
 * Return: the new file descriptor, or a negative errno.
 */
int simgpu_reopen(int fd)
{
	struct stat st, st_path;
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_RDWR | O_CLOEXEC);
	if (nfd >= 0)
		return nfd;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	snprintf(path, sizeof(path), DRM_RENDER_DEV_NAME, DRM_DIR_NAME,
		 minor(st.st_rdev));
	if (stat(path, &st_path))
		return -errno;
	if (st_path.st_rdev != st.st_rdev)
		return -ENODEV;
	nfd = open(path, O_RDWR | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

/**
 * simgpu_query() - Read a GPU's device information.
 * @fd: A simgpu render node file.
 * @q: Receives the information.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_query(int fd, struct drm_simgpu_query *q)
{
	memset(q, 0, sizeof(*q));
	return simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_QUERY, q);
}

/**
 * simgpu_vm_config() - Configure the VM of a file.
 * @fd: A simgpu render node file, with no BO yet.
 * @mode: An &enum drm_simgpu_mode.
 * @flags: %DRM_SIMGPU_VM_SINGLE_PASS or 0.
 *
 * Return: 0 or a negative errno (-EBUSY if the VM has BOs).
 */
int simgpu_vm_config(int fd, __u32 mode, __u32 flags)
{
	struct drm_simgpu_vm_config args = {
		.mode = mode,
		.flags = flags,
	};

	return simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_VM_CONFIG, &args);
}

/**
 * simgpu_userptr() - Create a userptr BO.
 * @fd: A simgpu render node file.
 * @addr: First byte of the memory, page aligned.
 * @size: Bytes, page aligned.
 * @flags: %DRM_SIMGPU_USERPTR_READ_ONLY, %DRM_SIMGPU_USERPTR_POPULATE.
 * @handle: Receives the GEM handle.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_userptr(int fd, void *addr, __u64 size, __u32 flags,
		   __u32 *handle)
{
	struct drm_simgpu_userptr args = {
		.addr = (__u64)(uintptr_t)addr,
		.size = size,
		.flags = flags,
	};
	int ret;

	ret = simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_USERPTR, &args);
	if (!ret)
		*handle = args.handle;
	return ret;
}

/**
 * simgpu_bind() - Map a BO into the VM.
 * @fd: A simgpu render node file.
 * @handle: The BO.
 * @gpu_addr: GPU virtual address, page aligned.
 * @flags: %DRM_SIMGPU_BIND_READ_ONLY or 0.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_bind(int fd, __u32 handle, __u64 gpu_addr, __u32 flags)
{
	struct drm_simgpu_bind args = {
		.handle = handle,
		.flags = flags,
		.gpu_addr = gpu_addr,
	};

	return simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_BIND, &args);
}

/**
 * simgpu_unbind() - Remove a binding, once its BO's jobs are done.
 * @fd: A simgpu render node file.
 * @gpu_addr: Start of the binding.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_unbind(int fd, __u64 gpu_addr)
{
	struct drm_simgpu_unbind args = {
		.gpu_addr = gpu_addr,
	};

	return simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_UNBIND, &args);
}

/**
 * simgpu_submit() - Submit a job and learn its number.
 * @fd: A simgpu render node file.
 * @cmds: The job's commands.
 * @n: Number of commands.
 * @engine: Engine index.
 * @in_syncobj: Syncobj whose fence the job waits for, or 0.
 * @out_syncobj: Syncobj that receives the job's fence, or 0 (a wait-idle
 *	VM only: preempt and fault VMs refuse it with -EOPNOTSUPP).
 * @job: Receives the job's number in the VM, for simgpu_wait_job(); may be
 *	NULL.
 *
 * drmIoctl() submits again by itself when the kernel returns -EAGAIN.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_submit(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
		  unsigned int engine, __u32 in_syncobj, __u32 out_syncobj,
		  __u64 *job)
{
	struct drm_simgpu_exec args = {
		.cmds = (__u64)(uintptr_t)cmds,
		.num_cmds = n,
		.engine = engine,
		.in_syncobj = in_syncobj,
		.out_syncobj = out_syncobj,
	};
	int ret;

	ret = simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_EXEC, &args);
	if (!ret && job)
		*job = args.job;
	return ret;
}

/**
 * simgpu_exec() - Submit a job.
 * @fd: A simgpu render node file.
 * @cmds: The job's commands.
 * @n: Number of commands.
 * @engine: Engine index.
 * @in_syncobj: Syncobj whose fence the job waits for, or 0.
 * @out_syncobj: Syncobj that receives the job's fence, or 0; see
 *	simgpu_submit().
 *
 * Return: 0 or a negative errno.
 */
int simgpu_exec(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
		unsigned int engine, __u32 in_syncobj, __u32 out_syncobj)
{
	return simgpu_submit(fd, cmds, n, engine, in_syncobj, out_syncobj,
			     NULL);
}

/**
 * simgpu_wait() - Wait for a job and read how it ended.
 * @fd: A simgpu render node file.
 * @syncobj: Syncobj holding the job's fence.
 * @timeout_ns: Relative timeout; 0 polls.
 * @status: Receives 0 or the negative errno the job stopped with, if 0 is
 *	returned; may be NULL.
 *
 * Return: 0 once the job is done, -ETIME on timeout, or a negative errno.
 */
int simgpu_wait(int fd, __u32 syncobj, __s64 timeout_ns, int *status)
{
	struct drm_simgpu_wait args = {
		.syncobj = syncobj,
		.timeout_ns = timeout_ns,
	};
	int ret;

	ret = simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_WAIT, &args);
	if (!ret && status)
		*status = args.status;
	return ret;
}

/**
 * simgpu_wait_job() - Wait for a job of the VM by its number.
 * @fd: The simgpu render node file the job was submitted on.
 * @job: The number simgpu_submit() returned.
 * @timeout_ns: Relative timeout; 0 polls.
 * @status: Receives 0 or the negative errno the job stopped with, if 0 is
 *	returned; may be NULL.
 *
 * Works in every invalidation mode.
 *
 * Return: 0 once the job is done, -ETIME on timeout, or a negative errno.
 */
int simgpu_wait_job(int fd, __u64 job, __s64 timeout_ns, int *status)
{
	struct drm_simgpu_wait args = {
		.flags = DRM_SIMGPU_WAIT_JOB,
		.timeout_ns = timeout_ns,
		.job = job,
	};
	int ret;

	ret = simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_WAIT, &args);
	if (!ret && status)
		*status = args.status;
	return ret;
}

/**
 * simgpu_stats() - Read a GPU's counters.
 * @fd: A simgpu render node file.
 * @s: Receives the counters.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_stats(int fd, struct drm_simgpu_stats *s)
{
	memset(s, 0, sizeof(*s));
	return simgpu_ioctl(fd, DRM_IOCTL_SIMGPU_STATS, s);
}

/**
 * simgpu_gem_close() - Close a GEM handle.
 * @fd: A simgpu render node file.
 * @handle: The handle.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_gem_close(int fd, __u32 handle)
{
	struct drm_gem_close args = {
		.handle = handle,
	};

	return simgpu_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &args);
}

/**
 * simgpu_userptr_bound() - create a userptr BO and bind it
 * @fd: the VM
 * @addr: first byte, page aligned
 * @size: bytes, page aligned
 * @flags: DRM_SIMGPU_USERPTR_* flags
 * @gpu_addr: GPU address to bind it at
 * @handle: receives the BO's handle
 *
 * Return: 0, or the -errno of USERPTR or BIND (the BO is closed again if
 * the bind fails).
 */
int simgpu_userptr_bound(int fd, void *addr, __u64 size, __u32 flags,
			 __u64 gpu_addr, __u32 *handle)
{
	int ret = simgpu_userptr(fd, addr, size, flags, handle);

	if (ret)
		return ret;
	ret = simgpu_bind(fd, *handle, gpu_addr, 0);
	if (ret)
		simgpu_gem_close(fd, *handle);
	return ret;
}

/**
 * simgpu_unbind_close() - unbind a BO and close its handle
 * @fd: the VM
 * @handle: the BO
 * @gpu_addr: where it is bound
 *
 * Return: 0, or the -errno of UNBIND or GEM_CLOSE.
 */
int simgpu_unbind_close(int fd, __u32 handle, __u64 gpu_addr)
{
	int ret = simgpu_unbind(fd, gpu_addr);

	return ret ? ret : simgpu_gem_close(fd, handle);
}

/**
 * simgpu_syncobj_create() - Create a syncobj, without a fence.
 * @fd: A DRM file.
 * @handle: Receives the syncobj handle.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_syncobj_create(int fd, __u32 *handle)
{
	uint32_t h;
	int ret;

	errno = 0;
	ret = simgpu_libdrm_ret(drmSyncobjCreate(fd, 0, &h));
	if (!ret)
		*handle = h;
	return ret;
}

/**
 * simgpu_syncobj_destroy() - Destroy a syncobj.
 * @fd: A DRM file.
 * @handle: The syncobj handle.
 *
 * Return: 0 or a negative errno.
 */
int simgpu_syncobj_destroy(int fd, __u32 handle)
{
	errno = 0;
	return simgpu_libdrm_ret(drmSyncobjDestroy(fd, handle));
}

/**
 * simgpu_cmd_fill() - Build a %DRM_SIMGPU_CMD_FILL command.
 * @dst: GPU address, 4-byte aligned.
 * @size: Bytes, a multiple of 4.
 * @value: Dword written to each dword of [@dst, @dst + @size).
 *
 * Return: the command.
 */
struct drm_simgpu_cmd simgpu_cmd_fill(__u64 dst, __u64 size, __u32 value)
{
	return (struct drm_simgpu_cmd) {
		.op = DRM_SIMGPU_CMD_FILL,
		.dst = dst,
		.size = size,
		.value = value,
	};
}

/**
 * simgpu_cmd_copy() - Build a %DRM_SIMGPU_CMD_COPY command.
 * @dst: GPU address written.
 * @src: GPU address read.
 * @size: Bytes; the ranges do not overlap.
 *
 * Return: the command.
 */
struct drm_simgpu_cmd simgpu_cmd_copy(__u64 dst, __u64 src, __u64 size)
{
	return (struct drm_simgpu_cmd) {
		.op = DRM_SIMGPU_CMD_COPY,
		.dst = dst,
		.src = src,
		.size = size,
	};
}

/**
 * simgpu_cmd_store_dword() - Build a %DRM_SIMGPU_CMD_STORE_DWORD command.
 * @dst: GPU address, 4-byte aligned.
 * @value: Dword written.
 *
 * Return: the command.
 */
struct drm_simgpu_cmd simgpu_cmd_store_dword(__u64 dst, __u32 value)
{
	return (struct drm_simgpu_cmd) {
		.op = DRM_SIMGPU_CMD_STORE_DWORD,
		.dst = dst,
		.value = value,
	};
}

/**
 * simgpu_cmd_atomic_add() - Build a %DRM_SIMGPU_CMD_ATOMIC_ADD command.
 * @dst: GPU address of the dword, 4-byte aligned.
 * @value: Added to the dword.
 *
 * Return: the command.
 */
struct drm_simgpu_cmd simgpu_cmd_atomic_add(__u64 dst, __u32 value)
{
	return (struct drm_simgpu_cmd) {
		.op = DRM_SIMGPU_CMD_ATOMIC_ADD,
		.dst = dst,
		.value = value,
	};
}

/**
 * simgpu_cmd_checksum() - Build a %DRM_SIMGPU_CMD_CHECKSUM command.
 * @dst: GPU address receiving the 64-bit hash, 8-byte aligned.
 * @src: GPU address of the bytes hashed.
 * @size: Bytes hashed.
 *
 * Return: the command.
 */
struct drm_simgpu_cmd simgpu_cmd_checksum(__u64 dst, __u64 src, __u64 size)
{
	return (struct drm_simgpu_cmd) {
		.op = DRM_SIMGPU_CMD_CHECKSUM,
		.dst = dst,
		.src = src,
		.size = size,
	};
}

/**
 * simgpu_cmd_spin() - Build a %DRM_SIMGPU_CMD_SPIN command.
 * @usecs: Time the engine stays busy, in microseconds.
 *
 * Return: the command.
 */
struct drm_simgpu_cmd simgpu_cmd_spin(__u32 usecs)
{
	return (struct drm_simgpu_cmd) {
		.op = DRM_SIMGPU_CMD_SPIN,
		.value = usecs,
	};
}

const struct simgpu_mode simgpu_modes[SIMGPU_NUM_MODES] = {
	{ DRM_SIMGPU_MODE_WAIT_IDLE, "wait-idle" },
	{ DRM_SIMGPU_MODE_PREEMPT, "preempt" },
	{ DRM_SIMGPU_MODE_FAULT, "fault" },
};

/**
 * simgpu_mode_name() - The name tests and benchmarks give a mode.
 * @mode: &enum drm_simgpu_mode.
 *
 * Return: "wait-idle", "preempt", "fault", "default" for
 * %DRM_SIMGPU_MODE_DEFAULT, or "unknown".
 */
const char *simgpu_mode_name(__u32 mode)
{
	unsigned int i;

	if (mode == DRM_SIMGPU_MODE_DEFAULT)
		return "default";
	for (i = 0; i < SIMGPU_NUM_MODES; i++)
		if (simgpu_modes[i].mode == mode)
			return simgpu_modes[i].name;
	return "unknown";
}

/**
 * simgpu_fnv1a() - Hash bytes as %DRM_SIMGPU_CMD_CHECKSUM does.
 * @p: The bytes.
 * @n: Number of bytes.
 *
 * 64-bit FNV-1a: the hash starts at %DRM_SIMGPU_FNV1A_OFFSET; each byte is
 * XORed into it, then it is multiplied by %DRM_SIMGPU_FNV1A_PRIME.
 * %DRM_SIMGPU_CMD_CHECKSUM computes it on the GPU.
 *
 * Return: the hash.
 */
__u64 simgpu_fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	__u64 h = DRM_SIMGPU_FNV1A_OFFSET;

	while (n--) {
		h ^= *b++;
		h *= DRM_SIMGPU_FNV1A_PRIME;
	}
	return h;
}

/**
 * simgpu_run() - Run a job on engine 0 and wait for it.
 * @fd: A simgpu render node file.
 * @cmds: The job's commands.
 * @n: Number of commands.
 * @status: Receives 0 or the negative errno the job stopped with, if 0 is
 *	returned; may be NULL.
 *
 * Submits the job and waits for it by its number for at most
 * %SIMGPU_RUN_TIMEOUT_NS; works in every invalidation mode.
 *
 * Return: 0 if the job ran (whatever its @status), or the negative errno of
 * the submission or the wait (-ETIME if the job took too long).
 */
int simgpu_run(int fd, const struct drm_simgpu_cmd *cmds, unsigned int n,
	       int *status)
{
	__u64 job;
	int ret;

	ret = simgpu_submit(fd, cmds, n, 0, 0, 0, &job);
	if (!ret)
		ret = simgpu_wait_job(fd, job, SIMGPU_RUN_TIMEOUT_NS, status);
	return ret;
}

/**
 * simgpu_smaps_kb() - a field of the mapping that holds an address
 * @p: an address in the calling process's mapping
 * @field: the field's name with its colon, e.g. "AnonHugePages:"
 *
 * Neighbouring mappings with the same properties are merged into one, and
 * the field counts all of it.
 *
 * Return: the field in kB; -ENOENT if there is no such mapping or field,
 * or the errno of opening /proc/self/smaps.
 */
long simgpu_smaps_kb(const void *p, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	size_t len = strlen(field);
	unsigned long start, end;
	char line[256];
	bool in = false;
	long kb = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = (uintptr_t)p >= start && (uintptr_t)p < end;
			continue;
		}
		if (in && !strncmp(line, field, len) &&
		    sscanf(line + len, "%ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/**
 * simgpu_meminfo_kb() - a field of /proc/meminfo
 * @field: the field's name with its colon, e.g. "SwapCached:"
 *
 * Return: the field in kB; -ENOENT if there is no such field, or the
 * errno of opening /proc/meminfo.
 */
long simgpu_meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t len = strlen(field);
	char line[128];
	long kb = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) &&
		    sscanf(line + len, "%ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/**
 * simgpu_rng_seed() - The first state of a random number generator.
 * @seed: Any value.
 *
 * A splitmix64 step, so that close seeds give unrelated sequences.
 *
 * Return: a nonzero state for simgpu_rng_next().
 */
__u64 simgpu_rng_seed(__u64 seed)
{
	__u64 z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 1;
}

/**
 * simgpu_rng_next() - The next random number (xorshift64*).
 * @state: The generator, from simgpu_rng_seed().
 *
 * Return: 64 random bits.
 */
__u64 simgpu_rng_next(__u64 *state)
{
	__u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/**
 * simgpu_rng_below() - A random number below a bound.
 * @state: The generator.
 * @n: The bound.
 *
 * Return: 0 to @n - 1; 0 if @n is 0.
 */
__u32 simgpu_rng_below(__u64 *state, __u32 n)
{
	return n ? (simgpu_rng_next(state) >> 32) % n : 0;
}

/**
 * simgpu_rng_one_in() - True once in @n times, on average.
 * @state: The generator.
 * @n: The odds.
 *
 * Return: true with probability 1/@n.
 */
bool simgpu_rng_one_in(__u64 *state, __u32 n)
{
	return simgpu_rng_below(state, n) == 0;
}
