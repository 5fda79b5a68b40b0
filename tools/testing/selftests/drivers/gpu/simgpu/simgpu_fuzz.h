/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * simgpu_fuzz: what the parts of the fuzzer share.
 *
 * The supervisor (simgpu_fuzz.c) forks worker processes and a canary
 * process. Every worker runs threads that make random calls (the tables of
 * simgpu_fuzz_calls.c) on the objects its process holds: VM files, BOs,
 * bindings, syncobjs, exported fds, memory regions. Everything the
 * supervisor reads while the workers run, the call counters and each
 * thread's last calls, lives in one shared mapping (struct fuzz_shared).
 *
 * Copyright © 2026 The drm_userptr authors
 */
#ifndef _SIMGPU_FUZZ_H_
#define _SIMGPU_FUZZ_H_

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "libsimgpu.h"

#define MAX_WORKERS		8
#define MAX_THREADS		8
/* One more thread slot per worker: the child of a fork(). */
#define THREAD_SLOTS		(MAX_THREADS + 1)
#define MAX_FUZZ_GPUS		8

/* What one process holds. */
#define MAX_VMS			12
#define MAX_BOS			16
#define MAX_BINDINGS		16
#define NUM_SYNCOBJS		4
#define NUM_JOBS		8
#define MAX_FDS			16
#define NUM_REGIONS		8
#define SLOT_PAGES		16

#define MAX_JOB_CMDS		64
#define MAX_SPIN_US		2000
/* GPU addresses of bindings: mostly in a small window, so that they meet. */
#define VA_WINDOW		(64ull << 20)
/* The canary's memory, bound at 0 and here in each of its VMs. */
#define CANARY_PAGES		16
#define CANARY_GPU_ADDR		(VA_WINDOW / 2)
/* Largest guard after the slots; bigger BO sizes are not tried. */
#define MAX_GUARD		(4ull << 40)
/* Buffer behind every ioctl, whatever size the ioctl number says. */
#define ARG_SIZE		4096

#define MAX_ERRNO		134
#define MAX_VARIANTS		12
#define CALL_LOG		32
#define NUM_CALLS		40

/* A GPU, opened by the supervisor before it forks. */
struct fuzz_gpu {
	int fd;
	struct drm_simgpu_query q;
};

struct fuzz_bo {
	__u32 handle;
	__u64 size;
};

struct fuzz_binding {
	__u64 gpu_addr;
	__u64 size;
};

/*
 * A VM file this process holds. @foreign: it came from another process
 * (over a socket), so its BOs are not this process's and none is known.
 */
struct fuzz_vm {
	int fd;
	int gpu;
	bool foreign;
	struct fuzz_bo bos[MAX_BOS];
	int num_bos;
	struct fuzz_binding bindings[MAX_BINDINGS];
	int num_bindings;
	__u32 syncobjs[NUM_SYNCOBJS];
	int num_syncobjs;
	__u64 jobs[NUM_JOBS];
	unsigned int next_job;
};

enum fuzz_fd_type { FD_FREE, FD_SYNCOBJ, FD_SYNC_FILE, FD_OTHER };

/* What goes with an fd passed to another process: its type and GPU. */
struct fuzz_fd_msg {
	__u32 type;
	__s32 gpu;
};

/* &fuzz_fd_msg.type of a VM file (the others are &enum fuzz_fd_type). */
#define FD_MSG_VM		100

/* An fd that is not a VM: an exported syncobj or sync_file, or junk. */
struct fuzz_fd {
	int fd;
	enum fuzz_fd_type type;
};

/*
 * Process memory BOs are made of. All of it lies in one reserved arena:
 * regions in slots at its start, then a PROT_NONE guard of twice the
 * largest BO size, so GPU writes can only ever land in the slots. @lock
 * orders the CPU's own accesses to the region against its changes.
 */
struct fuzz_region {
	pthread_mutex_t lock;
	char *addr;
	size_t size;
	bool live;
	bool file;
	bool read_only;
	int memfd;
};

/* What a worker process holds; @lock guards every table of it. */
struct fuzz_proc {
	pthread_mutex_t lock;
	int worker;
	struct fuzz_vm vms[MAX_VMS];
	struct fuzz_fd fds[MAX_FDS];
	struct fuzz_region regions[NUM_REGIONS];
	char *arena;
	size_t arena_size, slot_size;
	/* fd passing: this worker's mailbox, and the next worker's. */
	int mailbox_in, mailbox_out;
	/* A thread is in fork(): one at a time, for the child's log slot. */
	bool forking;
};

/* One call, as the thread's log keeps it. */
struct fuzz_call_rec {
	__u64 seq;
	__u16 call;
	__u16 variant;
	__s32 fd;
	__u64 a[3];
	__s32 err;
};

/* A thread's slot in the shared mapping. */
struct fuzz_thread_slot {
	__u64 seed;
	__s32 pid, tid;
	/* CLOCK_MONOTONIC ns when the current call began, 0 between calls. */
	__u64 in_call_since;
	__u64 calls;
	struct fuzz_call_rec log[CALL_LOG];
};

struct fuzz_counters {
	__u64 calls[NUM_CALLS][MAX_VARIANTS];
	__u64 ok[NUM_CALLS][MAX_VARIANTS];
	__u64 errnos[NUM_CALLS][MAX_ERRNO + 1];
	__u64 unexpected;
	__u64 ioctls;
	__u64 forks, respawns, fds_passed;
	__u64 canary_execs, canary_refused;
};

struct fuzz_shared {
	volatile int stop;
	struct fuzz_counters c;
	struct fuzz_thread_slot slots[MAX_WORKERS][THREAD_SLOTS];
	/* The canary: set when it found its memory changed, and where. */
	volatile int canary_ready;
	__u64 canary_bad_bytes;
	__u64 canary_first_bad;
	/* Unexpected results, in the order they happened (the first few). */
	char reports[16][200];
	unsigned int num_reports;
};

/* A fuzzing thread's state. */
struct fuzz_thread {
	struct fuzz_proc *proc;
	struct fuzz_thread_slot *slot;
	__u64 rng;
	/* 3 calls in 4 get valid-looking arguments; the rest any mix. */
	bool sane;
	unsigned int call, variant;
	struct fuzz_call_rec rec;
	bool verbose;
	struct drm_simgpu_cmd cmds[MAX_JOB_CMDS + 1];
	union {
		struct drm_simgpu_query query;
		struct drm_simgpu_vm_config vm_config;
		struct drm_simgpu_userptr userptr;
		struct drm_simgpu_bind bind;
		struct drm_simgpu_unbind unbind;
		struct drm_simgpu_exec exec;
		struct drm_simgpu_wait wait;
		struct drm_simgpu_stats stats;
		struct drm_gem_close gem_close;
		struct drm_prime_handle prime;
		struct drm_syncobj_create syncobj_create;
		struct drm_syncobj_destroy syncobj_destroy;
		struct drm_syncobj_handle syncobj_handle;
		struct drm_syncobj_wait syncobj_wait;
		struct drm_syncobj_array syncobj_array;
		unsigned char raw[ARG_SIZE];
	} arg;
};

/* A call the fuzzer makes: an ioctl, or a change to files or memory. */
struct fuzz_call {
	void (*fn)(struct fuzz_thread *t);
	const char *name;
	unsigned int weight;
	/* An ioctl: its errno must be one the uapi documents. */
	bool ioctl;
	const char *const variants[MAX_VARIANTS];
};

extern struct fuzz_gpu fuzz_gpus[MAX_FUZZ_GPUS];
extern int fuzz_num_gpus;
extern size_t fuzz_page_size;
extern struct fuzz_shared *fuzz_shared;
extern const struct fuzz_call fuzz_calls[];
extern const unsigned int fuzz_num_calls;

/* simgpu_fuzz_rng.c */
__u64 rnd64(struct fuzz_thread *t);
__u32 rnd(struct fuzz_thread *t, __u32 n);
__u64 rnd_u64(struct fuzz_thread *t, __u64 n);
bool one_in(struct fuzz_thread *t, __u32 n);
__u64 junk(struct fuzz_thread *t, __u64 valid);

/* simgpu_fuzz_log.c */
__u64 fuzz_now_ns(void);
void fuzz_start(struct fuzz_thread *t, unsigned int call);
void fuzz_note(struct fuzz_thread *t, __u64 a0, __u64 a1, __u64 a2);
void fuzz_enter(struct fuzz_thread *t, int fd);
int fuzz_end(struct fuzz_thread *t, int ret);
int fuzz_ioctl(struct fuzz_thread *t, int fd, unsigned long request);
void fuzz_report(struct fuzz_thread *t, int ret);
void fuzz_print_log(const struct fuzz_thread_slot *slot, const char *who);
void fuzz_print_counts(double seconds);

/* simgpu_fuzz_calls.c: the simgpu ioctls */
struct fuzz_vm *fuzz_any_vm(struct fuzz_thread *t);
__u32 fuzz_syncobj_for(struct fuzz_thread *t, const struct fuzz_vm *vm,
		       bool zero_likely);
void fuzz_add_bo(struct fuzz_vm *vm, __u32 handle, __u64 size);
void fuzz_one_call(struct fuzz_thread *t, bool ioctls_only);

/* simgpu_fuzz_objects.c: VM files, DRM core objects, fd passing */
int fuzz_vm_open(struct fuzz_thread *t, struct fuzz_vm *vm, int gpu);
void fuzz_vm_forget(struct fuzz_vm *vm);
void fuzz_add_fd(struct fuzz_proc *p, int fd, enum fuzz_fd_type type);
void fuzz_close_all(struct fuzz_proc *p);
int fuzz_send_fd(int sock, int fd, const struct fuzz_fd_msg *msg);
void fuzz_vm_reopen(struct fuzz_thread *t);
void fuzz_vm_close(struct fuzz_thread *t);
void fuzz_vm_dup(struct fuzz_thread *t);
void fuzz_prime_export(struct fuzz_thread *t);
void fuzz_prime_import(struct fuzz_thread *t);
void fuzz_syncobj_create(struct fuzz_thread *t);
void fuzz_syncobj_destroy(struct fuzz_thread *t);
void fuzz_syncobj_export(struct fuzz_thread *t);
void fuzz_syncobj_import(struct fuzz_thread *t);
void fuzz_syncobj_wait(struct fuzz_thread *t);
void fuzz_syncobj_reset_signal(struct fuzz_thread *t);
void fuzz_fd_send(struct fuzz_thread *t);
void fuzz_fd_recv(struct fuzz_thread *t);
void fuzz_fd_close(struct fuzz_thread *t);

/* simgpu_fuzz_canary.c */
int fuzz_canary_run(const int *mailboxes, int num_workers, __u64 seed);

/* simgpu_fuzz_mm.c: the memory BOs are made of */
int fuzz_regions_init(struct fuzz_thread *t);
void fuzz_region_range(struct fuzz_thread *t, __u64 *addr, __u64 *size);
__u64 fuzz_invalid_cpu_addr(struct fuzz_thread *t);
__u64 fuzz_cpu_addr(struct fuzz_thread *t);
void fuzz_mmap(struct fuzz_thread *t);
void fuzz_munmap(struct fuzz_thread *t);
void fuzz_mprotect(struct fuzz_thread *t);
void fuzz_madvise(struct fuzz_thread *t);
void fuzz_mremap(struct fuzz_thread *t);
void fuzz_ftruncate(struct fuzz_thread *t);
void fuzz_fork(struct fuzz_thread *t);

#endif /* _SIMGPU_FUZZ_H_ */
