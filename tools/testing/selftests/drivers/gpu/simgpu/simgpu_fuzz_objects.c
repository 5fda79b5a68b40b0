// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: VM files and the DRM core objects around them. VMs are
 * opened, configured, duplicated and closed with jobs running; BOs are
 * exported and fds imported through PRIME; syncobjs are created, exported
 * as fds and sync_files, imported into other VMs (of this and other GPUs),
 * waited for, reset and signalled; VM files and syncobj fds are passed to
 * the next worker process over a UNIX socket, so that a process uses
 * another one's VM and fences.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "simgpu_fuzz.h"

/* A slot of the VM table being opened or closed: no thread uses it. */
#define VM_FD_BUSY	(-2)

void fuzz_vm_forget(struct fuzz_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
}

/*
 * Opens a new VM on @gpu into @vm, in a random mode, with its syncobjs.
 * Called without the process's lock, on a slot no other thread uses.
 */
int fuzz_vm_open(struct fuzz_thread *t, struct fuzz_vm *vm, int gpu)
{
	int fd, ret;

	fd = simgpu_reopen(fuzz_gpus[gpu].fd);
	if (fd < 0)
		return fd;
	fuzz_vm_forget(vm);
	vm->gpu = gpu;
	t->variant = rnd(t, 4);
	if (t->variant < 3)
		simgpu_vm_config(fd, 1 + t->variant, one_in(t, 4) ?
				 DRM_SIMGPU_VM_SINGLE_PASS : 0);
	while (vm->num_syncobjs < NUM_SYNCOBJS) {
		ret = simgpu_syncobj_create(fd, &vm->syncobjs[vm->num_syncobjs]);
		if (ret)
			break;
		vm->num_syncobjs++;
	}
	vm->fd = fd;
	return 0;
}

static struct fuzz_vm *free_vm_slot(struct fuzz_proc *p)
{
	int i;

	for (i = 0; i < MAX_VMS; i++)
		if (p->vms[i].fd == -1)
			return &p->vms[i];
	return NULL;
}

/* Takes @vm's fd out of the table, so that the caller can close it. */
static int take_vm(struct fuzz_vm *vm)
{
	int fd = vm->fd;

	vm->fd = VM_FD_BUSY;
	return fd;
}

/* Opens a VM, closing one first if the table is full. */
void fuzz_vm_reopen(struct fuzz_thread *t)
{
	struct fuzz_proc *p = t->proc;
	struct fuzz_vm *vm = free_vm_slot(p);
	int old = -1, ret;

	if (!vm) {
		vm = fuzz_any_vm(t);
		if (!vm)
			return;
		old = take_vm(vm);
	} else {
		vm->fd = VM_FD_BUSY;
	}
	fuzz_enter(t, old);
	pthread_mutex_unlock(&p->lock);
	if (old >= 0)
		close(old);
	ret = fuzz_vm_open(t, vm, rnd(t, fuzz_num_gpus));
	pthread_mutex_lock(&p->lock);
	if (ret)
		vm->fd = -1;
	fuzz_end(t, ret);
}

/* Closes a VM's file, jobs, bindings and all. */
void fuzz_vm_close(struct fuzz_thread *t)
{
	struct fuzz_proc *p = t->proc;
	struct fuzz_vm *vm = fuzz_any_vm(t);
	int fd;

	if (!vm)
		return;
	t->variant = vm->next_job != 0;
	fd = take_vm(vm);
	fuzz_enter(t, fd);
	pthread_mutex_unlock(&p->lock);
	close(fd);
	pthread_mutex_lock(&p->lock);
	fuzz_vm_forget(vm);
	fuzz_end(t, 0);
}

/* A second fd of a VM's file: closing one of them leaves the VM alive. */
void fuzz_vm_dup(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t), *copy;
	int fd;

	copy = free_vm_slot(t->proc);
	if (!vm || !copy)
		return;
	fuzz_enter(t, vm->fd);
	fd = dup(vm->fd);
	if (fd >= 0) {
		*copy = *vm;
		copy->fd = fd;
	}
	fuzz_end(t, fd < 0 ? -errno : 0);
}

/* An fd of the table, or -1. */
static struct fuzz_fd *any_fd(struct fuzz_thread *t, enum fuzz_fd_type type)
{
	struct fuzz_fd *f = &t->proc->fds[rnd(t, MAX_FDS)];
	int i;

	for (i = 0; i < MAX_FDS; i++, f = &t->proc->fds[(f - t->proc->fds + 1) %
							 MAX_FDS])
		if (f->type != FD_FREE && (type == FD_FREE || f->type == type))
			return f;
	return NULL;
}

/* Keeps @fd in the table, or closes it if the table is full. */
void fuzz_add_fd(struct fuzz_proc *p, int fd, enum fuzz_fd_type type)
{
	int i;

	for (i = 0; i < MAX_FDS; i++) {
		if (p->fds[i].type == FD_FREE) {
			p->fds[i] = (struct fuzz_fd){ fd, type };
			return;
		}
	}
	close(fd);
}

static int fd_for_import(struct fuzz_thread *t)
{
	struct fuzz_fd *f = any_fd(t, FD_FREE);
	struct fuzz_vm *vm;

	switch (rnd(t, 4)) {
	case 0:
		vm = fuzz_any_vm(t);
		t->variant = 3;
		return vm ? vm->fd : -1;
	case 1:
		t->variant = 2;
		return t->proc->regions[rnd(t, NUM_REGIONS)].memfd;
	default:
		if (!f)
			return rnd(t, 64);
		t->variant = f->type == FD_SYNCOBJ ? 0 :
			     f->type == FD_SYNC_FILE ? 1 : 2;
		return f->fd;
	}
}

/* PRIME: a userptr BO must not leave its VM (-EPERM). */
void fuzz_prime_export(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 flags = DRM_CLOEXEC | (one_in(t, 2) ? DRM_RDWR : 0);

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.prime.handle = vm->num_bos && t->sane ?
			      vm->bos[rnd(t, vm->num_bos)].handle : rnd(t, 64);
	t->arg.prime.flags = junk(t, flags);
	t->variant = t->arg.prime.flags != flags ? 2 : !(flags & DRM_RDWR);
	fuzz_note(t, t->arg.prime.handle, t->arg.prime.flags, 0);
	if (!fuzz_ioctl(t, vm->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD))
		fuzz_add_fd(t->proc, t->arg.prime.fd, FD_OTHER);
}

/*
 * PRIME import of whatever fd. None of them should be a dma-buf simgpu
 * takes; one that is becomes a BO of the VM like its own.
 */
void fuzz_prime_import(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	int fd;

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.prime.fd = fd_for_import(t);
	t->arg.prime.flags = junk(t, 0);
	fuzz_note(t, t->arg.prime.fd, t->arg.prime.flags, 0);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE) && vm->fd == fd)
		fuzz_add_bo(vm, t->arg.prime.handle, fuzz_page_size);
}

static void add_syncobj(struct fuzz_vm *vm, __u32 handle)
{
	if (vm->num_syncobjs < NUM_SYNCOBJS)
		vm->syncobjs[vm->num_syncobjs++] = handle;
	else
		simgpu_syncobj_destroy(vm->fd, handle);
}

void fuzz_syncobj_create(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 flags = one_in(t, 2) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0;
	int fd;

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.syncobj_create.flags = junk(t, flags);
	t->variant = t->arg.syncobj_create.flags != flags ? 2 : !!flags;
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, DRM_IOCTL_SYNCOBJ_CREATE) && vm->fd == fd)
		add_syncobj(vm, t->arg.syncobj_create.handle);
}

void fuzz_syncobj_destroy(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	int i, fd;

	if (!vm || !vm->num_syncobjs)
		return;
	i = rnd(t, vm->num_syncobjs);
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.syncobj_destroy.handle = vm->syncobjs[i];
	t->arg.syncobj_destroy.pad = junk(t, 0);
	fuzz_note(t, vm->syncobjs[i], 0, 0);
	fd = vm->fd;
	/* Forgotten first: another thread may reuse the handle at once. */
	vm->syncobjs[i] = vm->syncobjs[--vm->num_syncobjs];
	if (fuzz_ioctl(t, fd, DRM_IOCTL_SYNCOBJ_DESTROY) && vm->fd == fd)
		add_syncobj(vm, t->arg.syncobj_destroy.handle);
}

/* A syncobj as an fd, or its fence as a sync_file. */
void fuzz_syncobj_export(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 flags = one_in(t, 2) ? DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE : 0;

	if (!vm || !vm->num_syncobjs)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.syncobj_handle.handle = vm->syncobjs[rnd(t, vm->num_syncobjs)];
	t->arg.syncobj_handle.flags = junk(t, flags);
	t->arg.syncobj_handle.pad = junk(t, 0);
	t->variant = t->arg.syncobj_handle.flags != flags ? 2 : !!flags;
	fuzz_note(t, t->arg.syncobj_handle.handle, t->arg.syncobj_handle.flags, 0);
	if (!fuzz_ioctl(t, vm->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD))
		fuzz_add_fd(t->proc, t->arg.syncobj_handle.fd,
			    flags ? FD_SYNC_FILE : FD_SYNCOBJ);
}

/*
 * A syncobj fd as a new syncobj of a VM, or a sync_file into one of its
 * syncobjs; the fd may come from another VM, GPU or process.
 */
void fuzz_syncobj_import(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	bool sync_file = one_in(t, 2);
	__u32 flags = sync_file ? DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE : 0;
	struct fuzz_fd *f = any_fd(t, sync_file ? FD_SYNC_FILE : FD_SYNCOBJ);
	int fd;

	if (!vm)
		return;
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.syncobj_handle.fd = f && t->sane ? f->fd : fd_for_import(t);
	t->arg.syncobj_handle.flags = junk(t, flags);
	t->arg.syncobj_handle.pad = junk(t, 0);
	if (sync_file)
		t->arg.syncobj_handle.handle = vm->num_syncobjs ?
			vm->syncobjs[rnd(t, vm->num_syncobjs)] : rnd(t, 64);
	t->variant = t->arg.syncobj_handle.flags != flags ? 2 : sync_file;
	fuzz_note(t, t->arg.syncobj_handle.fd, t->arg.syncobj_handle.flags,
		  t->arg.syncobj_handle.handle);
	fd = vm->fd;
	if (!fuzz_ioctl(t, fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE) && !sync_file &&
	    vm->fd == fd)
		add_syncobj(vm, t->arg.syncobj_handle.handle);
}

/* 1 to NUM_SYNCOBJS syncobj handles of @vm (or not) into @handles. */
static __u32 random_syncobjs(struct fuzz_thread *t, const struct fuzz_vm *vm,
			     __u32 *handles)
{
	__u32 n = 1 + rnd(t, NUM_SYNCOBJS), i;

	for (i = 0; i < n; i++)
		handles[i] = fuzz_syncobj_for(t, vm, false);
	return n;
}

void fuzz_syncobj_wait(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 handles[NUM_SYNCOBJS + 1] = { 0 }, flags = rnd(t, 4), n;

	if (!vm)
		return;
	n = random_syncobjs(t, vm, handles);
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.syncobj_wait.handles = (__u64)(uintptr_t)handles;
	t->arg.syncobj_wait.count_handles = t->sane ? n : rnd(t, 3) ? n + 1 : 0;
	t->arg.syncobj_wait.timeout_nsec = fuzz_now_ns() +
					   rnd(t, 20) * 1000000ull;
	t->arg.syncobj_wait.flags = junk(t, flags);
	t->variant = t->arg.syncobj_wait.flags != flags ? 4 : flags;
	fuzz_note(t, n, t->arg.syncobj_wait.flags, handles[0]);
	fuzz_ioctl(t, vm->fd, DRM_IOCTL_SYNCOBJ_WAIT);
}

void fuzz_syncobj_reset_signal(struct fuzz_thread *t)
{
	struct fuzz_vm *vm = fuzz_any_vm(t);
	__u32 handles[NUM_SYNCOBJS], n;
	bool signal = one_in(t, 2);

	if (!vm)
		return;
	n = random_syncobjs(t, vm, handles);
	memset(&t->arg, 0, sizeof(t->arg));
	t->arg.syncobj_array.handles = (__u64)(uintptr_t)handles;
	t->arg.syncobj_array.count_handles = n;
	t->arg.syncobj_array.pad = junk(t, 0);
	t->variant = signal;
	fuzz_note(t, n, handles[0], 0);
	fuzz_ioctl(t, vm->fd, signal ? DRM_IOCTL_SYNCOBJ_SIGNAL :
		   DRM_IOCTL_SYNCOBJ_RESET);
}

/**
 * fuzz_send_fd() - pass an fd to another process
 * @sock: a UNIX datagram socket to the other process
 * @fd: the fd
 * @msg: what it is
 *
 * Never blocks: a full socket is -EAGAIN.
 *
 * Return: 0 or a negative errno.
 */
int fuzz_send_fd(int sock, int fd, const struct fuzz_fd_msg *msg)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)msg, sizeof(*msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_DONTWAIT) < 0)
		return -errno;
	__atomic_fetch_add(&fuzz_shared->c.fds_passed, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Passes a VM file or a syncobj fd to the next worker process. */
void fuzz_fd_send(struct fuzz_thread *t)
{
	struct fuzz_fd_msg msg = { .gpu = -1 };
	struct fuzz_vm *vm = fuzz_any_vm(t);
	struct fuzz_fd *f = NULL;
	int fd;

	if (one_in(t, 2) && vm) {
		fd = vm->fd;
		msg.type = FD_MSG_VM;
		msg.gpu = vm->gpu;
		t->variant = 0;
	} else {
		f = any_fd(t, one_in(t, 2) ? FD_SYNCOBJ : FD_SYNC_FILE);
		if (!f)
			return;
		fd = f->fd;
		msg.type = f->type;
		t->variant = f->type == FD_SYNCOBJ ? 1 : 2;
	}
	fuzz_enter(t, fd);
	fuzz_end(t, fuzz_send_fd(t->proc->mailbox_out, fd, &msg));
}

/* Takes an fd another process passed: a VM from then on used here too. */
void fuzz_fd_recv(struct fuzz_thread *t)
{
	struct fuzz_fd_msg msg;
	char buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &msg, sizeof(msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cmsg;
	struct fuzz_vm *vm;
	ssize_t n;
	int fd;

	fuzz_enter(t, t->proc->mailbox_in);
	n = recvmsg(t->proc->mailbox_in, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		fuzz_end(t, -errno);
		return;
	}
	cmsg = CMSG_FIRSTHDR(&mh);
	if (n != sizeof(msg) || !cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
		fuzz_end(t, -EPROTO);
		return;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	fuzz_note(t, msg.type, msg.gpu, fd);
	vm = free_vm_slot(t->proc);
	if (msg.type != FD_MSG_VM) {
		fuzz_add_fd(t->proc, fd, msg.type);
	} else if (msg.gpu < 0 || msg.gpu >= fuzz_num_gpus || !vm) {
		close(fd);
	} else {
		fuzz_vm_forget(vm);
		vm->fd = fd;
		vm->gpu = msg.gpu;
		vm->foreign = true;
	}
	fuzz_end(t, 0);
}

void fuzz_fd_close(struct fuzz_thread *t)
{
	struct fuzz_fd *f = any_fd(t, FD_FREE);

	if (!f)
		return;
	fuzz_enter(t, f->fd);
	close(f->fd);
	f->type = FD_FREE;
	fuzz_end(t, 0);
}

/* Closes everything the process holds, for an orderly exit. */
void fuzz_close_all(struct fuzz_proc *p)
{
	int i;

	for (i = 0; i < MAX_VMS; i++)
		if (p->vms[i].fd >= 0)
			close(p->vms[i].fd);
	for (i = 0; i < MAX_FDS; i++)
		if (p->fds[i].type != FD_FREE)
			close(p->fds[i].fd);
}
