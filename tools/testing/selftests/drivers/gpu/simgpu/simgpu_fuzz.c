// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: random ioctls against every simgpu GPU, as TAP 13.
 *
 * Usage: simgpu-fuzz [--seed N] [--iterations N]
 *
 * Several VMs per GPU get random mixes of valid and invalid ioctl arguments
 * (known handles, bindings and syncobjs; live, dead, unaligned and garbage
 * addresses; bad flags, nonzero padding, huge and overflowing sizes; wrong
 * ioctl sizes and unknown ioctl numbers), while the anonymous and memfd
 * regions the BOs are made of are unmapped, remapped, protected, truncated
 * and zapped under them. Every ioctl must return 0 or an errno of
 * allowed_errnos[]; at the end no access may have been stale.
 *
 * All the memory a BO can cover lies inside one reserved arena: regions
 * live in slots at its start, an unmapped region is replaced by PROT_NONE,
 * and a guard of twice the largest BO size (and two slots) follows them.
 * Addresses outside the arena are only ever invalid ones (the zero page,
 * non-canonical and kernel addresses), so jobs only write to the regions.
 * The fuzzer allocates no memory once it runs.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libsimgpu.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define DEFAULT_SEED		0x5eed5eedull
#define DEFAULT_ITERATIONS	3000

#define MAX_FUZZ_GPUS		8
#define VMS_PER_GPU		3
#define MAX_VMS			(MAX_FUZZ_GPUS * VMS_PER_GPU)
#define MAX_BOS			16
#define MAX_BINDINGS		16
#define NUM_SYNCOBJS		4
#define NUM_REGIONS		8
#define SLOT_PAGES		16
#define MAX_JOB_CMDS		64
#define MAX_SPIN_US		2000
/* GPU addresses of bindings: mostly in a small window, so that they meet. */
#define VA_WINDOW		(64ull << 20)
/* Largest guard after the slots; bigger BO sizes are not tried. */
#define MAX_GUARD		(4ull << 40)
/* Buffer behind every ioctl, whatever size the ioctl number says. */
#define ARG_SIZE		4096
#define MAX_ERRNO		512
#define MAX_REPORTS		20
#define NUM_KINDS		10

struct bo {
	__u32 handle;
	__u64 size;
};

struct binding {
	__u64 gpu_addr;
	__u64 size;
};

struct gpu {
	int fd;
	struct drm_simgpu_query q;
};

struct vm {
	int fd;
	struct gpu *gpu;
	struct bo bos[MAX_BOS];
	int num_bos;
	struct binding bindings[MAX_BINDINGS];
	int num_bindings;
	__u32 syncobjs[NUM_SYNCOBJS];
	int num_syncobjs;
};

struct region {
	char *addr;
	size_t size;
	bool live;
	bool file;
	bool read_only;
	int memfd;
};

static const struct {
	int err;
	const char *name;
} allowed_errnos[] = {
	{ EINVAL, "EINVAL" }, { ENOENT, "ENOENT" }, { EFAULT, "EFAULT" },
	{ EEXIST, "EEXIST" }, { EBUSY, "EBUSY" }, { EAGAIN, "EAGAIN" },
	{ ETIME, "ETIME" }, { EPERM, "EPERM" }, { EACCES, "EACCES" },
	{ ENOTTY, "ENOTTY" }, { ENOMEM, "ENOMEM" }, { E2BIG, "E2BIG" },
	{ EINTR, "EINTR" }, { ENOSPC, "ENOSPC" }, { EOPNOTSUPP, "EOPNOTSUPP" },
};

static struct gpu gpus[MAX_FUZZ_GPUS];
static int num_gpus;
static struct vm vms[MAX_VMS];
static int num_vms;
static struct region regions[NUM_REGIONS];
static char *arena;
static size_t arena_size, slot_size, page_size;

static struct drm_simgpu_cmd cmds[MAX_JOB_CMDS + 1];
static union {
	struct drm_simgpu_query query;
	struct drm_simgpu_vm_config vm_config;
	struct drm_simgpu_userptr userptr;
	struct drm_simgpu_bind bind;
	struct drm_simgpu_unbind unbind;
	struct drm_simgpu_exec exec;
	struct drm_simgpu_wait wait;
	struct drm_simgpu_stats stats;
	struct drm_gem_close gem_close;
	unsigned char raw[ARG_SIZE];
} arg;

static unsigned long long errno_count[MAX_ERRNO + 1];
static unsigned long long num_calls, num_unexpected;
static unsigned long long kind_calls[NUM_KINDS], kind_ok[NUM_KINDS];
static unsigned int kind;
static int iteration;

/* xorshift64*, seeded through splitmix64. */
static __u64 rng_state;

static void rnd_seed(__u64 seed)
{
	__u64 z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	rng_state = (z ^ (z >> 31)) ?: 1;
}

static __u64 rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* 0 to @n - 1. */
static __u32 rnd(__u32 n)
{
	return n ? (rnd64() >> 32) % n : 0;
}

static __u64 rnd_u64(__u64 n)
{
	return n ? rnd64() % n : 0;
}

static bool one_in(__u32 n)
{
	return rnd(n) == 0;
}

static bool errno_allowed(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(allowed_errnos); i++)
		if (allowed_errnos[i].err == err)
			return true;
	return false;
}

/*
 * One ioctl, counted and checked. ioctl() rather than drmIoctl(), which
 * would repeat the call on EINTR and EAGAIN instead of reporting them.
 */
static int fuzz_ioctl(int fd, unsigned long request)
{
	int ret, err;

	ret = ioctl(fd, request, &arg);
	err = ret < 0 ? errno : 0;
	num_calls++;
	kind_calls[kind]++;
	if (!ret)
		kind_ok[kind]++;
	errno_count[err <= MAX_ERRNO ? err : MAX_ERRNO]++;
	if (ret > 0 || (ret < 0 && !errno_allowed(err))) {
		if (num_unexpected++ < MAX_REPORTS)
			printf("# iteration %d: ioctl %#lx returned %d, errno %d (%s)\n",
			       iteration, request, ret, err, strerror(err));
	}
	return ret < 0 ? -err : 0;
}

/*
 * Arguments. Each ioctl is either sane (3 in 4: valid-looking arguments,
 * which should mostly succeed) or not (any mix of valid and garbage).
 */
static bool sane;

/* Padding, reserved fields and flags: @valid, or sometimes garbage. */
static __u64 junk(__u64 valid)
{
	if (sane)
		return valid;
	switch (rnd(16)) {
	case 0:
		return rnd64();
	case 1:
		return 1ull << rnd(64);
	case 2:
		return valid | (1ull << rnd(32));
	default:
		return valid;
	}
}

/* The same ioctl number with another size, and sometimes direction. */
static unsigned long maybe_resize(unsigned long request)
{
	unsigned long dir = _IOC_DIR(request);

	if (sane || !one_in(8))
		return request;
	if (one_in(4))
		dir = rnd(4);
	return _IOC(dir, _IOC_TYPE(request), _IOC_NR(request),
		    rnd(ARG_SIZE / 2));
}

/* An address outside the arena that no process memory can be at. */
static __u64 invalid_cpu_addr(void)
{
	switch (rnd(5)) {
	case 0:
		return 0;
	case 1:
		return page_size * rnd(8);
	case 2:
		return (1ull << 47) + page_size * rnd(1024);
	case 3:
		return 0xffff800000000000ull + page_size * rnd(1 << 20);
	default:
		return ~0ull - page_size * rnd(16) - (page_size - 1);
	}
}

/* Page-aligned memory inside a region, live if one is. */
static void region_range(__u64 *addr, __u64 *size)
{
	struct region *r = &regions[rnd(NUM_REGIONS)];
	size_t pages, first;
	int i;

	for (i = 0; i < NUM_REGIONS && !r->live; i++)
		r = &regions[rnd(NUM_REGIONS)];
	pages = r->live ? r->size / page_size : SLOT_PAGES;
	first = rnd(pages);
	*addr = (__u64)(uintptr_t)r->addr + first * page_size;
	*size = (1 + rnd(pages - first)) * page_size;
}

static __u64 cpu_addr(void)
{
	__u64 addr, size;

	region_range(&addr, &size);
	switch (rnd(8)) {
	case 0:
		return addr + 1 + rnd(page_size - 1);
	case 1:
		/* At the start of the guard. */
		return (__u64)(uintptr_t)arena + NUM_REGIONS * slot_size +
		       page_size * rnd(SLOT_PAGES);
	case 2:
		return invalid_cpu_addr();
	default:
		return addr;
	}
}

static __u64 cpu_size(const struct gpu *g, __u64 addr)
{
	__u64 max = g->q.max_bo_size;

	switch (rnd(8)) {
	case 0:
		return 0;
	case 1:
		return page_size * (1 + rnd(SLOT_PAGES)) + 1 + rnd(page_size - 1);
	case 2:
		return max <= MAX_GUARD / 2 ? max + page_size * rnd(2) : 0;
	case 3:
		return ~0ull & ~(page_size - 1);
	case 4:
		/* addr + size overflows. */
		return (0 - addr) + page_size * (1 + rnd(4));
	default:
		return page_size * (1 + rnd(2 * SLOT_PAGES));
	}
}

static const struct binding *any_binding(const struct vm *vm)
{
	return vm->num_bindings ? &vm->bindings[rnd(vm->num_bindings)] : NULL;
}

static __u64 gpu_addr_for_bind(const struct vm *vm)
{
	const struct binding *b = any_binding(vm);
	__u64 va_size = vm->gpu->q.va_size;

	if (!sane) {
		switch (rnd(8)) {
		case 0:
			return b ? b->gpu_addr + page_size * rnd(2) : 0;
		case 1:
			return (va_size - page_size) & ~(page_size - 1);
		case 2:
			return va_size;
		case 3:
			return ~0ull & ~(page_size - 1);
		case 4:
			return rnd(VA_WINDOW);
		case 5:
			return rnd64();
		}
	}
	return (__u64)page_size * rnd(VA_WINDOW / page_size);
}

/*
 * A command's GPU address for @size bytes, @align aligned: inside a binding
 * (@size is cut to fit), or if not sane, also across its end or anywhere.
 */
static __u64 gpu_addr_for_cmd(const struct vm *vm, __u64 *size,
			      unsigned int align)
{
	const struct binding *b = any_binding(vm);
	__u64 off;

	if (!b || (!sane && one_in(8)))
		return one_in(2) ? rnd(VA_WINDOW) : rnd64();
	if (!sane && one_in(8))
		return b->gpu_addr + b->size - rnd_u64(*size + 1);
	if (*size > b->size)
		*size = b->size;
	off = rnd_u64(b->size - *size + 1);
	return b->gpu_addr + (off & ~(__u64)(align - 1));
}

static __u32 handle_for(const struct vm *vm)
{
	const struct vm *other = &vms[rnd(num_vms)];

	if (!sane) {
		switch (rnd(4)) {
		case 0:
			return rnd(2) ? rnd64() : rnd(64);
		case 1:
			return other->num_bos ?
			       other->bos[rnd(other->num_bos)].handle : 1;
		}
	}
	return vm->num_bos ? vm->bos[rnd(vm->num_bos)].handle : 1;
}

static __u32 syncobj_for(const struct vm *vm, bool zero_likely)
{
	if (zero_likely && !one_in(4))
		return 0;
	if (!sane && one_in(2))
		return one_in(2) ? rnd64() : rnd(64);
	return vm->num_syncobjs ? vm->syncobjs[rnd(vm->num_syncobjs)] : 0;
}

/* Tracking of what the VMs hold */

static __u64 bo_size(const struct vm *vm, __u32 handle)
{
	int i;

	for (i = 0; i < vm->num_bos; i++)
		if (vm->bos[i].handle == handle)
			return vm->bos[i].size;
	return page_size;
}

static void add_bo(struct vm *vm, __u32 handle, __u64 size)
{
	if (vm->num_bos == MAX_BOS) {
		simgpu_gem_close(vm->fd, handle);
		return;
	}
	vm->bos[vm->num_bos++] = (struct bo){ handle, size };
}

static void remove_bo(struct vm *vm, __u32 handle)
{
	int i;

	for (i = 0; i < vm->num_bos; i++) {
		if (vm->bos[i].handle == handle) {
			vm->bos[i] = vm->bos[--vm->num_bos];
			return;
		}
	}
}

static void add_binding(struct vm *vm, __u64 gpu_addr, __u64 size)
{
	if (vm->num_bindings == MAX_BINDINGS) {
		simgpu_unbind(vm->fd, gpu_addr);
		return;
	}
	vm->bindings[vm->num_bindings++] = (struct binding){ gpu_addr, size };
}

static void remove_binding(struct vm *vm, __u64 gpu_addr)
{
	int i;

	for (i = 0; i < vm->num_bindings; i++) {
		if (vm->bindings[i].gpu_addr == gpu_addr) {
			vm->bindings[i] = vm->bindings[--vm->num_bindings];
			return;
		}
	}
}

/* The ioctls */

static void fuzz_query(struct vm *vm)
{
	memset(&arg, 0, sizeof(arg));
	fuzz_ioctl(vm->fd, maybe_resize(DRM_IOCTL_SIMGPU_QUERY));
}

static void fuzz_vm_config(struct vm *vm)
{
	memset(&arg, 0, sizeof(arg));
	arg.vm_config.mode = sane ? rnd(4) : rnd(2) ? rnd64() : rnd(8);
	arg.vm_config.flags = junk(one_in(2) ? DRM_SIMGPU_VM_SINGLE_PASS : 0);
	arg.vm_config.reserved = junk(0);
	fuzz_ioctl(vm->fd, maybe_resize(DRM_IOCTL_SIMGPU_VM_CONFIG));
}

static void fuzz_userptr(struct vm *vm)
{
	unsigned long request = maybe_resize(DRM_IOCTL_SIMGPU_USERPTR);
	__u64 addr, size;

	region_range(&addr, &size);
	if (!sane) {
		addr = cpu_addr();
		size = cpu_size(vm->gpu, addr);
	}
	memset(&arg, 0, sizeof(arg));
	arg.userptr.addr = addr;
	arg.userptr.size = size;
	arg.userptr.flags = junk(rnd(4));
	arg.userptr.handle = junk(0);
	if (!fuzz_ioctl(vm->fd, request) && request == DRM_IOCTL_SIMGPU_USERPTR)
		add_bo(vm, arg.userptr.handle, size);
}

static void fuzz_bind(struct vm *vm)
{
	unsigned long request = maybe_resize(DRM_IOCTL_SIMGPU_BIND);
	__u32 handle = handle_for(vm);
	__u64 gpu_addr = gpu_addr_for_bind(vm);

	memset(&arg, 0, sizeof(arg));
	arg.bind.handle = handle;
	arg.bind.flags = junk(one_in(4) ? DRM_SIMGPU_BIND_READ_ONLY : 0);
	arg.bind.gpu_addr = gpu_addr;
	arg.bind.reserved = junk(0);
	if (!fuzz_ioctl(vm->fd, request) && request == DRM_IOCTL_SIMGPU_BIND)
		add_binding(vm, gpu_addr, bo_size(vm, handle));
}

static void fuzz_unbind(struct vm *vm)
{
	unsigned long request = maybe_resize(DRM_IOCTL_SIMGPU_UNBIND);
	const struct binding *b = any_binding(vm);
	__u64 gpu_addr;

	gpu_addr = b && (sane || one_in(2)) ? b->gpu_addr :
		   gpu_addr_for_bind(vm);
	memset(&arg, 0, sizeof(arg));
	arg.unbind.gpu_addr = gpu_addr;
	arg.unbind.reserved = junk(0);
	if (!fuzz_ioctl(vm->fd, request) && request == DRM_IOCTL_SIMGPU_UNBIND)
		remove_binding(vm, gpu_addr);
}

/* Spoils one field of a command. */
static void spoil_cmd(struct drm_simgpu_cmd *c)
{
	switch (rnd(6)) {
	case 0:
		c->op = one_in(2) ? rnd(16) : rnd64();
		break;
	case 1:
		c->pad = rnd64() | 1;
		break;
	case 2:
		c->size = one_in(2) ? rnd64() : c->size + 1 + rnd(3);
		break;
	case 3:
		c->dst += 1 + rnd(7);
		break;
	case 4:
		c->src = rnd64();
		break;
	default:
		/* SPIN stays short: its value is never spoiled. */
		if (c->op != DRM_SIMGPU_CMD_SPIN)
			c->value = rnd64();
		break;
	}
}

static struct drm_simgpu_cmd random_cmd(const struct vm *vm)
{
	struct drm_simgpu_cmd c = { .op = 1 + rnd(DRM_SIMGPU_CMD_SPIN) };
	__u64 size = 4 * (1 + rnd(one_in(2) ? 64 : 2 * page_size));
	__u64 four = 4, eight = 8;

	switch (c.op) {
	case DRM_SIMGPU_CMD_SPIN:
		c.value = rnd(MAX_SPIN_US + 1);
		break;
	case DRM_SIMGPU_CMD_STORE_DWORD:
	case DRM_SIMGPU_CMD_ATOMIC_ADD:
		c.dst = gpu_addr_for_cmd(vm, &four, 4);
		c.value = (__u32)rnd64();
		break;
	case DRM_SIMGPU_CMD_FILL:
		c.dst = gpu_addr_for_cmd(vm, &size, 4);
		c.size = size & ~3ull;
		c.value = (__u32)rnd64();
		break;
	case DRM_SIMGPU_CMD_CHECKSUM:
		c.dst = gpu_addr_for_cmd(vm, &eight, 8);
		c.src = gpu_addr_for_cmd(vm, &size, 1);
		c.size = size;
		break;
	default:
		c.src = gpu_addr_for_cmd(vm, &size, 1);
		c.dst = gpu_addr_for_cmd(vm, &size, 1);
		c.size = size;
		break;
	}
	if (!sane && one_in(4))
		spoil_cmd(&c);
	return c;
}

static void fuzz_exec(struct vm *vm)
{
	__u32 max_cmds = vm->gpu->q.max_cmds;
	__u32 i, n;

	n = 1 + rnd(4);
	switch (sane ? 4 : rnd(8)) {
	case 0:
		n = 0;
		break;
	case 1:
		n = max_cmds < MAX_JOB_CMDS ? max_cmds : MAX_JOB_CMDS;
		break;
	case 2:
		n = max_cmds < MAX_JOB_CMDS ? max_cmds + 1 : MAX_JOB_CMDS + 1;
		break;
	case 3:
		n = rnd64() | (1u << 31);
		break;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		cmds[i] = random_cmd(vm);

	memset(&arg, 0, sizeof(arg));
	arg.exec.cmds = (__u64)(uintptr_t)cmds;
	if (!sane && one_in(8))
		arg.exec.cmds = one_in(2) ? invalid_cpu_addr() :
				arg.exec.cmds + 1 + rnd(7);
	arg.exec.num_cmds = n;
	arg.exec.engine = rnd(vm->gpu->q.num_engines);
	if (!sane && one_in(4))
		arg.exec.engine = one_in(2) ? rnd64() : vm->gpu->q.num_engines;
	arg.exec.in_syncobj = syncobj_for(vm, true);
	arg.exec.out_syncobj = syncobj_for(vm, false);
	arg.exec.flags = junk(0);
	arg.exec.pad = junk(0);
	fuzz_ioctl(vm->fd, maybe_resize(DRM_IOCTL_SIMGPU_EXEC));
}

static void fuzz_wait(struct vm *vm)
{
	static const __s64 timeouts[] = { 0, 1000, 100000, 2000000, 20000000,
					  -1, 200000000 };

	memset(&arg, 0, sizeof(arg));
	arg.wait.syncobj = syncobj_for(vm, false);
	arg.wait.flags = junk(0);
	arg.wait.timeout_ns = timeouts[rnd(ARRAY_SIZE(timeouts))];
	arg.wait.status = rnd64();
	arg.wait.pad = junk(0);
	fuzz_ioctl(vm->fd, maybe_resize(DRM_IOCTL_SIMGPU_WAIT));
}

static void fuzz_stats(struct vm *vm)
{
	memset(&arg, 0, sizeof(arg));
	arg.stats.flags = junk(0);
	arg.stats.pad = junk(0);
	arg.stats.jobs = rnd64();
	fuzz_ioctl(vm->fd, maybe_resize(DRM_IOCTL_SIMGPU_STATS));
}

static void fuzz_gem_close(struct vm *vm)
{
	__u32 handle = handle_for(vm);

	memset(&arg, 0, sizeof(arg));
	arg.gem_close.handle = handle;
	arg.gem_close.pad = junk(0);
	if (!fuzz_ioctl(vm->fd, DRM_IOCTL_GEM_CLOSE))
		remove_bo(vm, handle);
}

/* An ioctl number in the driver's range that the driver does not have. */
static void fuzz_unknown(struct vm *vm)
{
	unsigned long request;

	request = _IOC(rnd(4), DRM_IOCTL_BASE,
		       DRM_COMMAND_BASE + 0x08 + rnd(0x18), rnd(ARG_SIZE / 2));
	memset(&arg, 0, sizeof(arg));
	if (one_in(2))
		arg.exec.cmds = rnd64();
	fuzz_ioctl(vm->fd, request);
}

static const struct {
	void (*fn)(struct vm *vm);
	const char *name;
	unsigned int weight;
} ioctls[NUM_KINDS] = {
	{ fuzz_query, "QUERY", 1 },
	{ fuzz_vm_config, "VM_CONFIG", 1 },
	{ fuzz_userptr, "USERPTR", 4 },
	{ fuzz_bind, "BIND", 4 },
	{ fuzz_unbind, "UNBIND", 2 },
	{ fuzz_exec, "EXEC", 8 },
	{ fuzz_wait, "WAIT", 4 },
	{ fuzz_stats, "STATS", 1 },
	{ fuzz_gem_close, "GEM_CLOSE", 1 },
	{ fuzz_unknown, "unknown", 1 },
};

static void fuzz_one_ioctl(struct vm *vm)
{
	unsigned int i, total = 0, pick;

	for (i = 0; i < NUM_KINDS; i++)
		total += ioctls[i].weight;
	pick = rnd(total);
	for (i = 0; pick >= ioctls[i].weight; i++)
		pick -= ioctls[i].weight;
	kind = i;
	sane = !one_in(4);
	ioctls[i].fn(vm);
}

/* VMs */

static int vm_open(struct vm *vm, struct gpu *g)
{
	int fd, ret;

	fd = simgpu_reopen(g->fd);
	if (fd < 0)
		return fd;
	memset(vm, 0, sizeof(*vm));
	vm->fd = fd;
	vm->gpu = g;
	if (!one_in(4))
		simgpu_vm_config(fd, 1 + rnd(3), one_in(4) ?
				 DRM_SIMGPU_VM_SINGLE_PASS : 0);
	while (vm->num_syncobjs < NUM_SYNCOBJS) {
		ret = simgpu_syncobj_create(fd, &vm->syncobjs[vm->num_syncobjs]);
		if (ret)
			return ret;
		vm->num_syncobjs++;
	}
	return 0;
}

/* Closes a VM, jobs and all, and opens a new one on the same GPU. */
static int vm_replace(struct vm *vm)
{
	close(vm->fd);
	return vm_open(vm, vm->gpu);
}

/* Regions */

static int region_map(struct region *r)
{
	int prot = PROT_READ | PROT_WRITE;
	void *p;

	r->size = page_size * (1 + rnd(SLOT_PAGES));
	r->file = one_in(2);
	r->read_only = false;
	if (r->file && ftruncate(r->memfd, r->size))
		return -errno;
	if (r->file)
		p = mmap(r->addr, r->size, prot, MAP_SHARED | MAP_FIXED,
			 r->memfd, 0);
	else
		p = mmap(r->addr, r->size, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* The rest of the slot may still hold a larger earlier mapping. */
	if (r->size < slot_size &&
	    mmap(r->addr + r->size, slot_size - r->size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		 -1, 0) == MAP_FAILED)
		return -errno;
	memset(r->addr, rnd(256), r->size);
	r->live = true;
	return 0;
}

/* munmap(), with PROT_NONE in the hole so that the arena stays whole. */
static int region_unmap(struct region *r)
{
	if (munmap(r->addr, slot_size))
		return -errno;
	r->live = false;
	if (mmap(r->addr, slot_size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		 -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

/*
 * Changes a region under the BOs. The CPU only writes a region right after
 * mapping it, so truncation and read-only protection never fault here.
 */
static int region_change(struct region *r)
{
	if (!r->live)
		return region_map(r);
	switch (rnd(6)) {
	case 0:
		return region_unmap(r);
	case 1:
		/* A new mapping over the old one, without a hole between. */
		return region_map(r);
	case 2:
		return madvise(r->addr, r->size, MADV_DONTNEED) ? -errno : 0;
	case 3:
		r->read_only = !r->read_only;
		return mprotect(r->addr, r->size, r->read_only ? PROT_READ :
				PROT_READ | PROT_WRITE) ? -errno : 0;
	case 4:
		if (!r->file)
			return 0;
		return ftruncate(r->memfd, r->size / 2) ? -errno : 0;
	default:
		return region_unmap(r);
	}
}

static int regions_init(void)
{
	__u64 max_bo = 0;
	size_t guard;
	int i, ret;

	for (i = 0; i < num_gpus; i++)
		if (gpus[i].q.max_bo_size > max_bo)
			max_bo = gpus[i].q.max_bo_size;
	slot_size = SLOT_PAGES * page_size;
	guard = max_bo < MAX_GUARD / 2 ? 2 * max_bo : MAX_GUARD;
	guard = ((guard + page_size - 1) & ~(page_size - 1)) + 2 * slot_size;
	arena_size = NUM_REGIONS * slot_size + guard;
	arena = mmap(NULL, arena_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		return -errno;
	printf("# arena %p+%#zx, %d slots of %#zx\n", arena, arena_size,
	       NUM_REGIONS, slot_size);

	for (i = 0; i < NUM_REGIONS; i++) {
		regions[i].addr = arena + i * slot_size;
		regions[i].memfd = memfd_create("simgpu-fuzz", MFD_CLOEXEC);
		if (regions[i].memfd < 0)
			return -errno;
		ret = region_map(&regions[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void regions_fini(void)
{
	int i;

	munmap(arena, arena_size);
	for (i = 0; i < NUM_REGIONS; i++)
		close(regions[i].memfd);
}

/* Results */

static void print_counts(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < NUM_KINDS; i++)
		printf("# %s: %llu calls, %llu succeeded\n", ioctls[i].name,
		       kind_calls[i], kind_ok[i]);

	printf("# success: %llu\n", errno_count[0]);
	for (i = 0; i < ARRAY_SIZE(allowed_errnos); i++) {
		err = allowed_errnos[i].err;
		if (errno_count[err])
			printf("# %s: %llu\n", allowed_errnos[i].name,
			       errno_count[err]);
	}
	for (err = 1; err <= MAX_ERRNO; err++)
		if (errno_count[err] && !errno_allowed(err))
			printf("# errno %d (%s), unexpected: %llu\n", err,
			       strerror(err), errno_count[err]);
}

/* No access may have been stale, whatever the fuzzing did. */
static int check_stats(void)
{
	struct drm_simgpu_stats s;
	int i, ret, failed = 0;

	for (i = 0; i < num_gpus; i++) {
		ret = simgpu_stats(gpus[i].fd, &s);
		if (ret) {
			printf("# gpu%u: STATS: %s\n", gpus[i].q.gpu_index,
			       strerror(-ret));
			failed = 1;
			continue;
		}
		printf("# gpu%u: %llu jobs, %llu errors, %llu invalidations\n",
		       gpus[i].q.gpu_index, (unsigned long long)s.jobs,
		       (unsigned long long)s.job_errors,
		       (unsigned long long)s.invalidations);
		printf("# gpu%u: %llu page faults, %llu retries, %llu -EAGAIN\n",
		       gpus[i].q.gpu_index, (unsigned long long)s.page_faults,
		       (unsigned long long)s.retries,
		       (unsigned long long)s.eagain);
		if (s.stale_translations || s.stale_pages) {
			printf("# gpu%u: %llu stale translations, %llu stale pages\n",
			       gpus[i].q.gpu_index,
			       (unsigned long long)s.stale_translations,
			       (unsigned long long)s.stale_pages);
			failed = 1;
		}
	}
	return failed;
}

static int setup(void)
{
	int fds[SIMGPU_MAX_GPUS];
	int i, n, ret;

	n = simgpu_open_all(fds, SIMGPU_MAX_GPUS);
	if (n <= 0)
		return n ? n : -ENODEV;
	for (i = 0; i < n; i++) {
		if (i >= MAX_FUZZ_GPUS) {
			close(fds[i]);
			continue;
		}
		gpus[i].fd = fds[i];
		ret = simgpu_query(fds[i], &gpus[i].q);
		if (ret)
			return ret;
		num_gpus++;
	}
	ret = regions_init();
	if (ret)
		return ret;
	for (i = 0; i < num_gpus * VMS_PER_GPU; i++) {
		ret = vm_open(&vms[i], &gpus[i % num_gpus]);
		if (ret)
			return ret;
		num_vms++;
	}
	printf("# %d GPUs, %d VMs\n", num_gpus, num_vms);
	return 0;
}

static int fuzz(unsigned int iterations)
{
	int i, ret;

	for (iteration = 0; iteration < (int)iterations; iteration++) {
		if (one_in(16)) {
			ret = region_change(&regions[rnd(NUM_REGIONS)]);
			if (ret)
				return ret;
		}
		if (one_in(256)) {
			ret = vm_replace(&vms[rnd(num_vms)]);
			if (ret)
				return ret;
		}
		fuzz_one_ioctl(&vms[rnd(num_vms)]);
	}
	for (i = 0; i < num_vms; i++)
		close(vms[i].fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = DEFAULT_SEED;
	unsigned int iterations = DEFAULT_ITERATIONS;
	int i, ret, stale;

	printf("TAP version 13\n");
	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--seed")) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (i + 1 < argc && !strcmp(argv[i], "--iterations")) {
			iterations = strtoul(argv[++i], NULL, 0);
		} else {
			printf("# usage: %s [--seed N] [--iterations N]\n",
			       argv[0]);
			printf("1..0 # SKIP bad arguments\n");
			return 2;
		}
	}
	page_size = sysconf(_SC_PAGESIZE);
	printf("# seed %llu\n", seed);
	printf("# iterations %u\n", iterations);
	rnd_seed(seed);
	printf("1..2\n");
	fflush(stdout);

	ret = setup();
	if (ret) {
		printf("not ok 1 fuzz # setup: %s\n", strerror(-ret));
		printf("not ok 2 fuzz: no stale access # not run\n");
		return 1;
	}
	ret = fuzz(iterations);
	regions_fini();

	print_counts();
	if (ret)
		printf("not ok 1 fuzz # iteration %d: %s\n", iteration,
		       strerror(-ret));
	else if (num_unexpected)
		printf("not ok 1 fuzz: %llu ioctls, seed %llu # %llu unexpected results\n",
		       num_calls, seed, num_unexpected);
	else
		printf("ok 1 fuzz: %llu ioctls, seed %llu, no unexpected errno\n",
		       num_calls, seed);

	stale = check_stats();
	printf("%sok 2 fuzz: no stale access\n", stale ? "not " : "");
	for (i = 0; i < num_gpus; i++)
		close(gpus[i].fd);
	return ret || num_unexpected || stale ? 1 : 0;
}
