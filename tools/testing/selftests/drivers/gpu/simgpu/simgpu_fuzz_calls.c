// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: the simgpu ioctls, with random and boundary arguments, and
 * the table of every call the fuzzer makes.
 *
 * Each ioctl is either sane (3 in 4: valid-looking arguments, which should
 * mostly succeed) or not (any mix of valid and garbage: bad flags, nonzero
 * padding, huge and overflowing sizes, unaligned and foreign addresses,
 * other VMs' handles, wrong ioctl sizes and directions). Generators run
 * with the process's lock held; fuzz_ioctl() drops it around the call, so
 * whatever a generator read may have changed by the time the call returns,
 * and the bookkeeping after it checks that the VM is still the same file.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "simgpu_fuzz.h"

/* A VM of the process, or NULL if it has none. */
struct fuzz_vm *fuzz_any_vm(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = &t->proc->vms[rnd(t, MAX_VMS)];
	int i;

	for (i = 0; i < MAX_VMS && vm->fd < 0; i++)
		vm = &t->proc->vms[(vm - t->proc->vms + 1) % MAX_VMS];
	return vm->fd < 0 ? NULL : vm;
}

static const struct fuzz_gpu *vm_gpu(const struct fuzz_vm *vm)
{
	return &fuzz_gpus[vm->gpu];
}

/* The same ioctl number with another size, and sometimes direction. */
static unsigned long maybe_resize(struct fuzz_thread *t, unsigned long request)
{
	unsigned long dir = _IOC_DIR(request);

	if (t->sane || !one_in(t, 8))
		return request;
	if (one_in(t, 4))
		dir = rnd(t, 4);
	return _IOC(dir, _IOC_TYPE(request), _IOC_NR(request),
		    rnd(t, ARG_SIZE / 2));
}

static __u64 cpu_size(struct fuzz_thread *t, const struct fuzz_vm *vm,
		      __u64 addr)
{
	__u64 max = vm_gpu(vm)->q.max_bo_size;

	switch (rnd(t, 8)) {
	case 0:
		return 0;
	case 1:
		return fuzz_page_size * (1 + rnd(t, SLOT_PAGES)) + 1 +
		       rnd(t, fuzz_page_size - 1);
	case 2:
		return max <= MAX_GUARD / 2 ? max + fuzz_page_size * rnd(t, 2) : 0;
	case 3:
		return ~0ull & ~(fuzz_page_size - 1);
	case 4:
		/* addr + size overflows. */
		return (0 - addr) + fuzz_page_size * (1 + rnd(t, 4));
	default:
		return fuzz_page_size * (1 + rnd(t, 2 * SLOT_PAGES));
	}
}

static const struct fuzz_binding *any_binding(struct fuzz_thread *t,
					      const struct fuzz_vm *vm)
{
	return vm->num_bindings ? &vm->bindings[rnd(t, vm->num_bindings)] : NULL;
}

static __u64 gpu_addr_for_bind(struct fuzz_thread *t, const struct fuzz_vm *vm)
{
	const struct fuzz_binding *b = any_binding(t, vm);
	__u64 va_size = vm_gpu(vm)->q.va_size;

	if (!t->sane) {
		switch (rnd(t, 8)) {
		case 0:
			return b ? b->gpu_addr + fuzz_page_size * rnd(t, 2) : 0;
		case 1:
			return (va_size - fuzz_page_size) & ~(fuzz_page_size - 1);
		case 2:
			return va_size;
		case 3:
			return ~0ull & ~(fuzz_page_size - 1);
		case 4:
			return rnd(t, VA_WINDOW);
		case 5:
			return rnd64(t);
		}
	}
	return (__u64)fuzz_page_size * rnd(t, VA_WINDOW / fuzz_page_size);
}

/*
 * A command's GPU address for @size bytes, @align aligned: inside a binding
 * (@size is cut to fit), or if not sane, also across its end or anywhere.
 * A VM from another process has no known bindings: its addresses are
 * mostly where the canary binds its memory (simgpu_fuzz_canary.c).
 */
static __u64 gpu_addr_for_cmd(struct fuzz_thread *t, const struct fuzz_vm *vm,
			      __u64 *size, unsigned int align)
{
	const struct fuzz_binding *b = any_binding(t, vm);
	__u64 off;

	if (vm->foreign && (!b || one_in(t, 2)))
		return ((one_in(t, 2) ? CANARY_GPU_ADDR : 0) +
			rnd(t, CANARY_PAGES * fuzz_page_size)) &
		       ~(__u64)(align - 1);
	if (!b || (!t->sane && one_in(t, 8)))
		return one_in(t, 2) ? rnd(t, VA_WINDOW) : rnd64(t);
	if (!t->sane && one_in(t, 8))
		return b->gpu_addr + b->size - rnd_u64(t, *size + 1);
	if (*size > b->size)
		*size = b->size;
	off = rnd_u64(t, b->size - *size + 1);
	return b->gpu_addr + (off & ~(__u64)(align - 1));
}

static __u32 handle_for(struct fuzz_thread *t, const struct fuzz_vm *vm)
{
	const struct fuzz_vm *other = fuzz_any_vm(t);

	if (!t->sane || vm->foreign) {
		switch (rnd(t, 4)) {
		case 0:
			return one_in(t, 2) ? rnd64(t) : rnd(t, 64);
		case 1:
			return other && other->num_bos ?
			       other->bos[rnd(t, other->num_bos)].handle : 1;
		}
	}
	return vm->num_bos ? vm->bos[rnd(t, vm->num_bos)].handle : 1 + rnd(t, 8);
}

__u32 fuzz_syncobj_for(struct fuzz_thread *t, const struct fuzz_vm *vm,
		       bool zero_likely)
{
	if (zero_likely && !one_in(t, 4))
		return 0;
	if (!t->sane && one_in(t, 2))
		return one_in(t, 2) ? rnd64(t) : rnd(t, 64);
	return vm->num_syncobjs ? vm->syncobjs[rnd(t, vm->num_syncobjs)] :
				  1 + rnd(t, 8);
}

/* Tracking of what the VMs hold */

static __u64 bo_size(const struct fuzz_vm *vm, __u32 handle)
{
	int i;

	for (i = 0; i < vm->num_bos; i++)
		if (vm->bos[i].handle == handle)
			return vm->bos[i].size;
	return fuzz_page_size;
}

void fuzz_add_bo(struct fuzz_vm *vm, __u32 handle, __u64 size)
{
	if (vm->num_bos == MAX_BOS) {
		simgpu_gem_close(vm->fd, handle);
		return;
	}
	vm->bos[vm->num_bos++] = (struct fuzz_bo){ handle, size };
}

static void remove_bo(struct fuzz_vm *vm, __u32 handle)
{
	int i;

	for (i = 0; i < vm->num_bos; i++) {
		if (vm->bos[i].handle == handle) {
			vm->bos[i] = vm->bos[--vm->num_bos];
			return;
		}
	}
}

static void add_binding(struct fuzz_vm *vm, __u64 gpu_addr, __u64 size)
{
	if (vm->num_bindings == MAX_BINDINGS) {
		simgpu_unbind(vm->fd, gpu_addr);
		return;
	}
	vm->bindings[vm->num_bindings++] =
		(struct fuzz_binding){ gpu_addr, size };
}

static void remove_binding(struct fuzz_vm *vm, __u64 gpu_addr)
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

static void fuzz_query(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	fuzz_ioctl(t, vm->fd, maybe_resize(t, DRM_IOCTL_SIMGPU_QUERY));
}

static void fuzz_vm_config(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 flags;

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.vm_config.mode = t->sane ? rnd(t, 4) :
				one_in(t, 2) ? rnd64(t) : rnd(t, 8);
	flags = one_in(t, 3) ? DRM_SIMGPU_VM_SINGLE_PASS : 0;
	if (one_in(t, 8))
		flags = DRM_SIMGPU_VM_LEGACY_MN;
	t->arg.vm_config.flags = junk(t, flags);
	t->arg.vm_config.reserved = junk(t, 0);
	if (t->arg.vm_config.mode > DRM_SIMGPU_MODE_FAULT ||
	    t->arg.vm_config.flags != flags || t->arg.vm_config.reserved)
		t->variant = 6;
	else if (flags)
		t->variant = flags == DRM_SIMGPU_VM_SINGLE_PASS ? 4 : 5;
	else
		t->variant = t->arg.vm_config.mode;
	fuzz_note(t, t->arg.vm_config.mode, t->arg.vm_config.flags,
		  t->arg.vm_config.reserved);
	fuzz_ioctl(t, vm->fd, maybe_resize(t, DRM_IOCTL_SIMGPU_VM_CONFIG));
}

static void fuzz_userptr(struct fuzz_thread *t)
{
	unsigned long request = maybe_resize(t, DRM_IOCTL_SIMGPU_USERPTR);
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u64 addr, size;
	__u32 flags = rnd(t, 4);
	int fd;

	if (!vm)
		return;
	fuzz_region_range(t, &addr, &size);
	if (!t->sane) {
		addr = fuzz_cpu_addr(t);
		size = cpu_size(t, vm, addr);
	}
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.userptr.addr = addr;
	t->arg.userptr.size = size;
	t->arg.userptr.flags = junk(t, flags);
	t->arg.userptr.handle = junk(t, 0);
	t->variant = t->arg.userptr.flags == flags ? flags : 4;
	fuzz_note(t, addr, size, t->arg.userptr.flags);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, request) && request == DRM_IOCTL_SIMGPU_USERPTR &&
	    vm->fd == fd)
		fuzz_add_bo(vm, t->arg.userptr.handle, size);
}

static void fuzz_bind(struct fuzz_thread *t)
{
	unsigned long request = maybe_resize(t, DRM_IOCTL_SIMGPU_BIND);
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 handle, flags;
	__u64 gpu_addr;
	int fd;

	if (!vm)
		return;
	handle = handle_for(t, vm);
	gpu_addr = gpu_addr_for_bind(t, vm);
	flags = one_in(t, 4) ? DRM_SIMGPU_BIND_READ_ONLY : 0;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.bind.handle = handle;
	t->arg.bind.flags = junk(t, flags);
	t->arg.bind.gpu_addr = gpu_addr;
	t->arg.bind.reserved = junk(t, 0);
	t->variant = t->arg.bind.flags != flags || t->arg.bind.reserved ? 2 :
		     flags ? 1 : 0;
	fuzz_note(t, handle, gpu_addr, t->arg.bind.flags);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, request) && request == DRM_IOCTL_SIMGPU_BIND &&
	    vm->fd == fd)
		add_binding(vm, gpu_addr, bo_size(vm, handle));
}

static void fuzz_unbind(struct fuzz_thread *t)
{
	unsigned long request = maybe_resize(t, DRM_IOCTL_SIMGPU_UNBIND);
	struct fuzz_vm *vm = fuzz_any_vm(t);
	const struct fuzz_binding *b;
	__u64 gpu_addr;
	int fd;

	if (!vm)
		return;
	b = any_binding(t, vm);
	gpu_addr = b && (t->sane || one_in(t, 2)) ? b->gpu_addr :
		   gpu_addr_for_bind(t, vm);
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.unbind.gpu_addr = gpu_addr;
	t->arg.unbind.reserved = junk(t, 0);
	fuzz_note(t, gpu_addr, t->arg.unbind.reserved, 0);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, request) && request == DRM_IOCTL_SIMGPU_UNBIND &&
	    vm->fd == fd)
		remove_binding(vm, gpu_addr);
}

/* Spoils one field of a command. */
static void spoil_cmd(struct fuzz_thread *t, struct drm_simgpu_cmd *c)
{
	switch (rnd(t, 6)) {
	case 0:
		c->op = one_in(t, 2) ? rnd(t, 16) : rnd64(t);
		break;
	case 1:
		c->pad = rnd64(t) | 1;
		break;
	case 2:
		c->size = one_in(t, 2) ? rnd64(t) : c->size + 1 + rnd(t, 3);
		break;
	case 3:
		c->dst += 1 + rnd(t, 7);
		break;
	case 4:
		c->src = rnd64(t);
		break;
	default:
		/* SPIN stays short: its value is never spoiled. */
		if (c->op != DRM_SIMGPU_CMD_SPIN)
			c->value = rnd64(t);
		break;
	}
}

static struct drm_simgpu_cmd random_cmd(struct fuzz_thread *t,
					const struct fuzz_vm *vm)
{
	struct drm_simgpu_cmd c = { .op = 1 + rnd(t, DRM_SIMGPU_CMD_SPIN) };
	__u64 size = 4 * (1 + rnd(t, one_in(t, 2) ? 64 : 2 * fuzz_page_size));
	__u64 four = 4, eight = 8;

	switch (c.op) {
	case DRM_SIMGPU_CMD_SPIN:
		c.value = rnd(t, MAX_SPIN_US + 1);
		break;
	case DRM_SIMGPU_CMD_STORE_DWORD:
	case DRM_SIMGPU_CMD_ATOMIC_ADD:
		c.dst = gpu_addr_for_cmd(t, vm, &four, 4);
		c.value = (__u32)rnd64(t);
		break;
	case DRM_SIMGPU_CMD_FILL:
		c.dst = gpu_addr_for_cmd(t, vm, &size, 4);
		c.size = size & ~3ull;
		c.value = (__u32)rnd64(t);
		break;
	case DRM_SIMGPU_CMD_CHECKSUM:
		c.dst = gpu_addr_for_cmd(t, vm, &eight, 8);
		c.src = gpu_addr_for_cmd(t, vm, &size, 1);
		c.size = size;
		break;
	default:
		c.src = gpu_addr_for_cmd(t, vm, &size, 1);
		c.dst = gpu_addr_for_cmd(t, vm, &size, 1);
		c.size = size;
		break;
	}
	if (!t->sane && one_in(t, 4))
		spoil_cmd(t, &c);
	return c;
}

static void fuzz_exec(struct fuzz_thread *t)
{
	unsigned long request = maybe_resize(t, DRM_IOCTL_SIMGPU_EXEC);
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 max_cmds, i, n;
	int fd;

	if (!vm)
		return;
	max_cmds = vm_gpu(vm)->q.max_cmds;
	n = 1 + rnd(t, 4);
	switch (t->sane ? 4 : rnd(t, 8)) {
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
		n = rnd64(t) | (1u << 31);
		break;
	}
	for (i = 0; i < ARRAY_SIZE(t->cmds); i++)
		t->cmds[i] = random_cmd(t, vm);

	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.exec.cmds = (__u64)(uintptr_t)t->cmds;
	if (!t->sane && one_in(t, 8))
		t->arg.exec.cmds = one_in(t, 2) ? fuzz_invalid_cpu_addr(t) :
				   t->arg.exec.cmds + 1 + rnd(t, 7);
	t->arg.exec.num_cmds = n;
	t->arg.exec.engine = rnd(t, vm_gpu(vm)->q.num_engines);
	if (!t->sane && one_in(t, 4))
		t->arg.exec.engine = one_in(t, 2) ? rnd64(t) :
				     vm_gpu(vm)->q.num_engines;
	t->arg.exec.in_syncobj = fuzz_syncobj_for(t, vm, true);
	t->arg.exec.out_syncobj = fuzz_syncobj_for(t, vm, true);
	t->arg.exec.flags = junk(t, 0);
	t->arg.exec.pad = junk(t, 0);
	t->variant = (t->arg.exec.in_syncobj ? 1 : 0) +
		     (t->arg.exec.out_syncobj ? 2 : 0);
	if (t->arg.exec.flags || t->arg.exec.pad)
		t->variant = 4;
	fuzz_note(t, n, t->cmds[0].op, t->cmds[0].dst);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, request) && request == DRM_IOCTL_SIMGPU_EXEC &&
	    vm->fd == fd)
		vm->jobs[vm->next_job++ % NUM_JOBS] = t->arg.exec.job;
}

static void fuzz_wait(struct fuzz_thread *t)
{
	static const __s64 timeouts[] = { 0, 1000, 100000, 2000000, 20000000,
					  -1, 200000000 };
	struct fuzz_vm *vm = fuzz_any_vm(t);
	bool by_job = one_in(t, 2);

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	if (by_job) {
		t->arg.wait.flags = DRM_SIMGPU_WAIT_JOB;
		t->arg.wait.job = t->sane ? vm->jobs[rnd(t, NUM_JOBS)] :
				  one_in(t, 2) ? rnd64(t) : rnd(t, 1024);
	} else {
		t->arg.wait.syncobj = fuzz_syncobj_for(t, vm, false);
	}
	t->arg.wait.flags = junk(t, t->arg.wait.flags);
	t->arg.wait.timeout_ns = timeouts[rnd(t, ARRAY_SIZE(timeouts))];
	t->arg.wait.status = rnd64(t);
	t->arg.wait.pad = junk(t, 0);
	t->variant = t->arg.wait.flags == (by_job ? DRM_SIMGPU_WAIT_JOB : 0) &&
		     !t->arg.wait.pad ? by_job : 2;
	fuzz_note(t, by_job ? t->arg.wait.job : t->arg.wait.syncobj,
		  t->arg.wait.flags, t->arg.wait.timeout_ns);
	fuzz_ioctl(t, vm->fd, maybe_resize(t, DRM_IOCTL_SIMGPU_WAIT));
}

static void fuzz_stats(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.stats.flags = junk(t, 0);
	t->arg.stats.pad = junk(t, 0);
	t->arg.stats.jobs = rnd64(t);
	fuzz_ioctl(t, vm->fd, maybe_resize(t, DRM_IOCTL_SIMGPU_STATS));
}

static void fuzz_gem_close(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 handle;
	int fd;

	if (!vm)
		return;
	handle = handle_for(t, vm);
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.gem_close.handle = handle;
	t->arg.gem_close.pad = junk(t, 0);
	fuzz_note(t, handle, 0, 0);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, DRM_IOCTL_GEM_CLOSE) && vm->fd == fd)
		remove_bo(vm, handle);
}

/* An ioctl number in the driver's range that the driver does not have. */
static void fuzz_unknown(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	unsigned long request;

	if (!vm)
		return;
	request = _IOC(rnd(t, 4), DRM_IOCTL_BASE,
		       DRM_COMMAND_BASE + 0x08 + rnd(t, 0x18),
		       rnd(t, ARG_SIZE / 2));
	memset(&t->arg, 0, sizeof(t->arg));
	if (one_in(t, 2))
		t->arg.exec.cmds = rnd64(t);
	fuzz_ioctl(t, vm->fd, request);
}

#define BAD "bad-flags"

const struct fuzz_call fuzz_calls[] = {
	{ fuzz_query, "QUERY", 1, true, { "-" } },
	{ fuzz_vm_config, "VM_CONFIG", 2, true, { "default", "wait-idle",
	  "preempt", "fault", "single-pass", "legacy-mn", BAD } },
	{ fuzz_userptr, "USERPTR", 8, true, { "rw", "read-only", "populate",
	  "ro+populate", BAD } },
	{ fuzz_bind, "BIND", 8, true, { "rw", "read-only", BAD } },
	{ fuzz_unbind, "UNBIND", 3, true, { "-" } },
	{ fuzz_exec, "EXEC", 16, true, { "no-sync", "in-sync", "out-sync",
	  "in+out-sync", BAD } },
	{ fuzz_wait, "WAIT", 6, true, { "syncobj", "job", BAD } },
	{ fuzz_stats, "STATS", 1, true, { "-" } },
	{ fuzz_gem_close, "GEM_CLOSE", 2, true, { "-" } },
	{ fuzz_unknown, "unknown-ioctl", 1, true, { "-" } },
	{ fuzz_prime_export, "PRIME_EXPORT", 2, true, { "rdwr", "read-only",
	  BAD } },
	{ fuzz_prime_import, "PRIME_IMPORT", 2, true, { "syncobj-fd",
	  "sync-file", "other-fd", "vm-fd" } },
	{ fuzz_syncobj_create, "SYNCOBJ_CREATE", 2, true, { "unsignaled",
	  "signaled", BAD } },
	{ fuzz_syncobj_destroy, "SYNCOBJ_DESTROY", 1, true, { "-" } },
	{ fuzz_syncobj_export, "SYNCOBJ_EXPORT", 3, true, { "syncobj-fd",
	  "sync-file", BAD } },
	{ fuzz_syncobj_import, "SYNCOBJ_IMPORT", 3, true, { "syncobj-fd",
	  "sync-file", BAD } },
	{ fuzz_syncobj_wait, "SYNCOBJ_WAIT", 2, true, { "any", "all",
	  "for-submit", "all+for-submit", BAD } },
	{ fuzz_syncobj_reset_signal, "SYNCOBJ_RESET", 1, true, { "reset",
	  "signal" } },
	{ fuzz_vm_reopen, "open", 1, false, { "wait-idle", "preempt",
	  "fault", "default" } },
	{ fuzz_vm_close, "close-vm", 1, false, { "idle", "busy" } },
	{ fuzz_vm_dup, "dup-vm", 1, false, { "-" } },
	{ fuzz_fd_send, "send-fd", 2, false, { "vm", "syncobj-fd",
	  "sync-file" } },
	{ fuzz_fd_recv, "recv-fd", 2, false, { "-" } },
	{ fuzz_fd_close, "close-fd", 1, false, { "-" } },
	{ fuzz_mmap, "mmap", 2, false, { "anon", "memfd" } },
	{ fuzz_munmap, "munmap", 1, false, { "-" } },
	{ fuzz_mprotect, "mprotect", 1, false, { "read-only", "read-write",
	  "none" } },
	{ fuzz_madvise, "madvise", 2, false, { "DONTNEED", "FREE", "PAGEOUT",
	  "COLD" } },
	{ fuzz_mremap, "mremap", 1, false, { "move", "dontunmap" } },
	{ fuzz_ftruncate, "ftruncate", 1, false, { "-" } },
	{ fuzz_fork, "fork", 1, false, { "-" } },
};

const unsigned int fuzz_num_calls = ARRAY_SIZE(fuzz_calls);

/*
 * One random call. @ioctls_only: a child after fork(), which must not
 * touch memory or locks the parent's other threads may have held.
 */
void fuzz_one_call(struct fuzz_thread *t, bool ioctls_only)
{
	unsigned int i, total = 0, pick;

	for (i = 0; i < fuzz_num_calls; i++)
		if (fuzz_calls[i].ioctl || !ioctls_only)
			total += fuzz_calls[i].weight;
	pick = rnd(t, total);
	for (i = 0; i < fuzz_num_calls; i++) {
		if (!fuzz_calls[i].ioctl && ioctls_only)
			continue;
		if (pick < fuzz_calls[i].weight)
			break;
		pick -= fuzz_calls[i].weight;
	}
	t->sane = !one_in(t, 4);
	fuzz_start(t, i);
	fuzz_calls[i].fn(t);
}
