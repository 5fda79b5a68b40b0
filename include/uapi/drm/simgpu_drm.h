/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The drm_userptr authors
 */
#ifndef _SIMGPU_DRM_H_
#define _SIMGPU_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: simgpu uapi
 *
 * simgpu is a DRM driver for simulated GPUs. Each GPU is a DRM device with a
 * render node. Every open file of a render node is a GPU VM: userptr buffer
 * objects (BOs) are created from process memory, bound at GPU virtual
 * addresses, and used by jobs whose commands the simulated engines execute
 * through the VM's page table and a per-engine TLB.
 *
 * All structures are fixed-size. Every flag is validated and every
 * @pad and @reserved field must be zero: anything else is -EINVAL. Output
 * fields are ignored on input.
 *
 * Invalidation modes (&drm_simgpu_vm_config.mode) decide what happens when
 * the CPU mapping behind a userptr BO changes (munmap, mprotect, COW, page
 * migration, ...):
 *
 * - %DRM_SIMGPU_MODE_WAIT_IDLE: the invalidation waits for the jobs using
 *   the BO to finish, then removes the mapping.
 * - %DRM_SIMGPU_MODE_PREEMPT: the VM's context is preempted; it resumes once
 *   the driver has repopulated the VM's userptrs.
 * - %DRM_SIMGPU_MODE_FAULT: the mapping is removed at once; the next GPU
 *   access takes a recoverable page fault that repopulates the BO and
 *   replays the access.
 *
 * A job that accesses memory that cannot be mapped (a BO whose memory is
 * not mapped, or outside every binding the job was checked against) stops
 * with -EFAULT; a write through a read-only binding stops it with -EACCES;
 * a job still running after the job timeout (module parameter
 * ``job_timeout_ms``, 30 s by default) is stopped with -ETIMEDOUT, and
 * whatever waits for it (an munmap() of its memory, UNBIND, close) goes
 * on. &drm_simgpu_wait.status reports it. A job that only spins stops when
 * its VM's file is closed.
 *
 * Job completion: a job of a wait-idle VM completes without help from the
 * CPU's memory management, so its fence is a dma-fence like any other: it
 * can go to a syncobj (&drm_simgpu_exec.out_syncobj) and from there to any
 * other VM, GPU or driver. A job of a preempt or fault VM is long-running:
 * it can only go on once the driver has faulted its memory back in, which
 * takes the process's mmap_lock, and whoever holds that lock may be waiting
 * for a fence (an munmap() waiting for a wait-idle job, say). Such a job's
 * completion must never be a dma-fence others wait for, so those VMs
 * refuse @out_syncobj (-EOPNOTSUPP). Every job, in every mode, can be
 * waited for by its number in its VM (&drm_simgpu_exec.job,
 * %DRM_SIMGPU_WAIT_JOB), from the VM's own file only.
 *
 * Ownership: a userptr BO belongs to the VM it was created in and to the
 * process whose memory it maps. It cannot be exported (PRIME handle to fd:
 * -EPERM) and a VM refuses to bind a BO of another VM (-EPERM, for a BO
 * that reached it through a GEM name). BIND and EXEC refuse a BO of
 * another process's memory (-EPERM), so a child after fork(), or a process
 * that received the file over a socket, cannot reach the memory of the
 * process that made the BO.
 */

#define DRM_SIMGPU_QUERY	0x00
#define DRM_SIMGPU_VM_CONFIG	0x01
#define DRM_SIMGPU_USERPTR	0x02
#define DRM_SIMGPU_BIND		0x03
#define DRM_SIMGPU_UNBIND	0x04
#define DRM_SIMGPU_EXEC		0x05
#define DRM_SIMGPU_WAIT		0x06
#define DRM_SIMGPU_STATS	0x07

#define DRM_IOCTL_SIMGPU_QUERY \
	DRM_IOR(DRM_COMMAND_BASE + DRM_SIMGPU_QUERY, struct drm_simgpu_query)
#define DRM_IOCTL_SIMGPU_VM_CONFIG \
	DRM_IOW(DRM_COMMAND_BASE + DRM_SIMGPU_VM_CONFIG, struct drm_simgpu_vm_config)
#define DRM_IOCTL_SIMGPU_USERPTR \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SIMGPU_USERPTR, struct drm_simgpu_userptr)
#define DRM_IOCTL_SIMGPU_BIND \
	DRM_IOW(DRM_COMMAND_BASE + DRM_SIMGPU_BIND, struct drm_simgpu_bind)
#define DRM_IOCTL_SIMGPU_UNBIND \
	DRM_IOW(DRM_COMMAND_BASE + DRM_SIMGPU_UNBIND, struct drm_simgpu_unbind)
#define DRM_IOCTL_SIMGPU_EXEC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SIMGPU_EXEC, struct drm_simgpu_exec)
#define DRM_IOCTL_SIMGPU_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SIMGPU_WAIT, struct drm_simgpu_wait)
#define DRM_IOCTL_SIMGPU_STATS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SIMGPU_STATS, struct drm_simgpu_stats)

/**
 * enum drm_simgpu_mode - how a VM handles invalidation of its userptrs
 * @DRM_SIMGPU_MODE_DEFAULT: the driver's default (module parameter
 *	``mode``); only valid in &drm_simgpu_vm_config
 * @DRM_SIMGPU_MODE_WAIT_IDLE: wait for the BO's jobs, then unmap
 * @DRM_SIMGPU_MODE_PREEMPT: preempt the VM's context, resume after repopulation
 * @DRM_SIMGPU_MODE_FAULT: unmap at once; GPU page faults repopulate
 */
enum drm_simgpu_mode {
	DRM_SIMGPU_MODE_DEFAULT = 0,
	DRM_SIMGPU_MODE_WAIT_IDLE = 1,
	DRM_SIMGPU_MODE_PREEMPT = 2,
	DRM_SIMGPU_MODE_FAULT = 3,
};

/* &drm_simgpu_query.flags */
/* DRM_SIMGPU_QUERY_TWO_PASS: the kernel has two-pass interval notifiers. */
#define DRM_SIMGPU_QUERY_TWO_PASS	(1u << 0)

/**
 * struct drm_simgpu_query - device information (DRM_IOCTL_SIMGPU_QUERY)
 *
 * Output only.
 */
struct drm_simgpu_query {
	/** @gpu_index: index of this GPU, 0 to @num_gpus - 1. */
	__u32 gpu_index;
	/** @num_gpus: number of simulated GPUs. */
	__u32 num_gpus;
	/** @num_engines: engines of this GPU; &drm_simgpu_exec.engine range. */
	__u32 num_engines;
	/** @tlb_entries: translations each engine's TLB holds. */
	__u32 tlb_entries;
	/** @tlb_flush_latency_us: time a TLB flush takes to complete. */
	__u32 tlb_flush_latency_us;
	/** @preempt_latency_us: time a context preemption takes. */
	__u32 preempt_latency_us;
	/** @default_mode: &enum drm_simgpu_mode of new VMs. */
	__u32 default_mode;
	/** @flags: %DRM_SIMGPU_QUERY_TWO_PASS. */
	__u32 flags;
	/** @va_size: size of the GPU virtual address space, in bytes. */
	__u64 va_size;
	/** @max_bo_size: largest userptr BO, in bytes. */
	__u64 max_bo_size;
	/** @max_cmds: most commands one job may hold. */
	__u32 max_cmds;
	/** @max_spin_us: longest %DRM_SIMGPU_CMD_SPIN. */
	__u32 max_spin_us;
	/** @max_bindings: most bindings one VM may hold at a time. */
	__u32 max_bindings;
	/** @max_vm_jobs: most unfinished jobs of a VM, %DRM_SIMGPU_MAX_VM_JOBS. */
	__u32 max_vm_jobs;
};

/* &drm_simgpu_vm_config.flags */
/*
 * DRM_SIMGPU_VM_SINGLE_PASS: invalidate this VM's userptrs in one pass
 * (zap, then wait, before the next notifier runs), as drivers do without
 * two-pass notifiers. A benchmark baseline.
 */
#define DRM_SIMGPU_VM_SINGLE_PASS	(1u << 0)
/*
 * DRM_SIMGPU_VM_LEGACY_MN: a benchmark baseline only (CAP_SYS_ADMIN, else
 * -EPERM), the locking scheme
 * drm_userptr replaces (amdgpu_mn before interval notifiers): one
 * mmu_notifier per GPU and process whose invalidate_range_start takes a
 * per-process lock for read and walks all the process's BOs; exec takes
 * the write side while it checks and commits. The BOs touched are waited
 * for one after another, each before the next is invalidated.
 */
#define DRM_SIMGPU_VM_LEGACY_MN		(1u << 1)

/**
 * struct drm_simgpu_vm_config - configure the file's VM (DRM_IOCTL_SIMGPU_VM_CONFIG)
 *
 * Only allowed while the VM has no BOs and no unfinished jobs: -EBUSY
 * otherwise.
 */
struct drm_simgpu_vm_config {
	/** @mode: &enum drm_simgpu_mode. */
	__u32 mode;
	/**
	 * @flags: %DRM_SIMGPU_VM_SINGLE_PASS or %DRM_SIMGPU_VM_LEGACY_MN (not
	 * both).
	 */
	__u32 flags;
	/** @reserved: must be zero. */
	__u64 reserved;
};

/* &drm_simgpu_userptr.flags */
/* DRM_SIMGPU_USERPTR_READ_ONLY: the GPU only reads the memory. */
#define DRM_SIMGPU_USERPTR_READ_ONLY	(1u << 0)
/* DRM_SIMGPU_USERPTR_POPULATE: fault in and map the pages now. */
#define DRM_SIMGPU_USERPTR_POPULATE	(1u << 1)

/**
 * struct drm_simgpu_userptr - create a userptr BO (DRM_IOCTL_SIMGPU_USERPTR)
 *
 * Creates a GEM BO backed by the calling process's memory at [@addr,
 * @addr + @size). The memory is not pinned: the BO follows changes of the
 * CPU mapping. @addr and @size must be page aligned, @size nonzero and at
 * most &drm_simgpu_query.max_bo_size (-EINVAL). With
 * %DRM_SIMGPU_USERPTR_POPULATE the pages are faulted in first, and the
 * errors of doing so are returned: -EFAULT for a hole, PROT_NONE or
 * %VM_PFNMAP/%VM_IO memory, or a write BO on read-only memory (-EPERM where
 * the kernel reports it so); -EBUSY if the range kept changing;
 * -EOPNOTSUPP if the GPU could reach the memory only through bounce
 * buffers (swiotlb), which cannot share it coherently with the CPU;
 * -ENOMEM, also when the kernel memory the BO needs (about 24 bytes per
 * page, charged to the caller's memory cgroup) exceeds the cgroup's limit.
 */
struct drm_simgpu_userptr {
	/** @addr: first byte, page aligned. */
	__u64 addr;
	/** @size: bytes, page aligned. */
	__u64 size;
	/** @flags: %DRM_SIMGPU_USERPTR_READ_ONLY, %DRM_SIMGPU_USERPTR_POPULATE. */
	__u32 flags;
	/** @handle: output, the GEM handle. */
	__u32 handle;
};

/* &drm_simgpu_bind.flags */
/* DRM_SIMGPU_BIND_READ_ONLY: map read-only (always so for a read-only BO). */
#define DRM_SIMGPU_BIND_READ_ONLY	(1u << 0)

/**
 * struct drm_simgpu_bind - map a BO into the VM (DRM_IOCTL_SIMGPU_BIND)
 *
 * Maps the whole BO at @gpu_addr. Errors: -ENOENT for a bad @handle;
 * -EINVAL for an unaligned @gpu_addr or one whose range leaves the VA
 * space; -EEXIST if the range overlaps another binding; -EPERM for a BO
 * of another VM or of another process's memory; -ENOSPC if the VM holds
 * &drm_simgpu_query.max_bindings bindings; -ENOMEM, also when the page
 * table of the binding (8 bytes per page, charged to the caller's memory
 * cgroup) exceeds the cgroup's limit.
 */
struct drm_simgpu_bind {
	/** @handle: the BO. */
	__u32 handle;
	/** @flags: %DRM_SIMGPU_BIND_READ_ONLY. */
	__u32 flags;
	/** @gpu_addr: GPU virtual address, page aligned. */
	__u64 gpu_addr;
	/** @reserved: must be zero. */
	__u64 reserved;
};

/**
 * struct drm_simgpu_unbind - unmap a binding (DRM_IOCTL_SIMGPU_UNBIND)
 *
 * Waits for the jobs that use the BO, then removes the binding that starts
 * at @gpu_addr and flushes the TLBs. -ENOENT if no binding starts there.
 */
struct drm_simgpu_unbind {
	/** @gpu_addr: start of the binding. */
	__u64 gpu_addr;
	/** @reserved: must be zero. */
	__u64 reserved;
};

/* The FNV-1a parameters of %DRM_SIMGPU_CMD_CHECKSUM. */
#define DRM_SIMGPU_FNV1A_OFFSET	0xcbf29ce484222325ULL
#define DRM_SIMGPU_FNV1A_PRIME	0x100000001b3ULL

/**
 * enum drm_simgpu_cmd_op - what a job command does
 * @DRM_SIMGPU_CMD_FILL: write the 32-bit @value to every dword of
 *	[@dst, @dst + @size); @dst and @size 4-byte aligned
 * @DRM_SIMGPU_CMD_COPY: copy @size bytes from @src to @dst (no overlap)
 * @DRM_SIMGPU_CMD_STORE_DWORD: write the 32-bit @value at @dst (aligned)
 * @DRM_SIMGPU_CMD_ATOMIC_ADD: add the 32-bit @value to the dword at @dst
 *	(aligned), atomically with respect to other GPU commands
 * @DRM_SIMGPU_CMD_CHECKSUM: write the 64-bit FNV-1a hash of the @size bytes
 *	at @src to the 8-byte aligned @dst: from %DRM_SIMGPU_FNV1A_OFFSET, each
 *	byte XORed in, then multiplied by %DRM_SIMGPU_FNV1A_PRIME
 * @DRM_SIMGPU_CMD_SPIN: keep the engine busy for @value microseconds, at
 *	most &drm_simgpu_query.max_spin_us; @dst, @src and @size zero
 *
 * Field names refer to &struct drm_simgpu_cmd. Unused fields must be zero.
 */
enum drm_simgpu_cmd_op {
	DRM_SIMGPU_CMD_FILL = 1,
	DRM_SIMGPU_CMD_COPY = 2,
	DRM_SIMGPU_CMD_STORE_DWORD = 3,
	DRM_SIMGPU_CMD_ATOMIC_ADD = 4,
	DRM_SIMGPU_CMD_CHECKSUM = 5,
	DRM_SIMGPU_CMD_SPIN = 6,
};

/**
 * struct drm_simgpu_cmd - one command of a job
 */
struct drm_simgpu_cmd {
	/** @op: &enum drm_simgpu_cmd_op. */
	__u32 op;
	/** @pad: must be zero. */
	__u32 pad;
	/** @dst: GPU address written. */
	__u64 dst;
	/** @src: GPU address read. */
	__u64 src;
	/** @size: bytes. */
	__u64 size;
	/** @value: operand. */
	__u64 value;
};

/**
 * struct drm_simgpu_exec - submit a job (DRM_IOCTL_SIMGPU_EXEC)
 *
 * Every GPU address range a command touches must lie inside bindings
 * (-EINVAL otherwise). Before the job is queued, the userptr BOs behind
 * those bindings are repopulated if an invalidation came since they were
 * last mapped (in %DRM_SIMGPU_MODE_FAULT mode this is left to page faults).
 * Errors: -EFAULT if part of a BO's memory is not mapped (a BO follows its
 * address range: memory mapped there again after an munmap() is used), or
 * its process has exited; -EAGAIN if the memory kept changing while being repopulated:
 * submit again; -ENOENT for a bad syncobj, -EINVAL for an @in_syncobj
 * without a fence; -EOPNOTSUPP for @out_syncobj in
 * a preempt or fault VM (see "Job completion" above); -ESRCH if the
 * process is exiting; -EPERM if a BO of
 * the job maps another process's memory; -E2BIG if the commands touch more
 * than %DRM_SIMGPU_MAX_JOB_BOS BOs; -EBUSY if
 * %DRM_SIMGPU_MAX_VM_JOBS jobs of the VM are unfinished; the errors of
 * &struct drm_simgpu_userptr population.
 */
struct drm_simgpu_exec {
	/** @cmds: user pointer to an array of &struct drm_simgpu_cmd. */
	__u64 cmds;
	/** @num_cmds: 1 to &drm_simgpu_query.max_cmds. */
	__u32 num_cmds;
	/** @engine: engine index, below &drm_simgpu_query.num_engines. */
	__u32 engine;
	/** @in_syncobj: syncobj whose fence the job waits for, or 0. */
	__u32 in_syncobj;
	/**
	 * @out_syncobj: syncobj that receives the job's fence, or 0; only in
	 * a wait-idle VM.
	 */
	__u32 out_syncobj;
	/** @flags: must be zero. */
	__u32 flags;
	/** @pad: must be zero. */
	__u32 pad;
	/**
	 * @job: output, the job's number in its VM: 1 for the VM's first
	 * job, then counting up. For &drm_simgpu_wait.job.
	 */
	__u64 job;
};

/*
 * DRM_SIMGPU_MAX_VM_JOBS: unfinished jobs one VM may have; the status of
 * its last this many jobs stays readable by %DRM_SIMGPU_WAIT_JOB.
 */
#define DRM_SIMGPU_MAX_VM_JOBS		256

/*
 * DRM_SIMGPU_MAX_JOB_BOS: most BOs the commands of one job may touch
 * (-E2BIG beyond).
 */
#define DRM_SIMGPU_MAX_JOB_BOS		1024

/* &drm_simgpu_wait.flags */
/*
 * DRM_SIMGPU_WAIT_JOB: wait for the VM's job &drm_simgpu_wait.job instead
 * of a syncobj's fence; &drm_simgpu_wait.syncobj must be zero.
 */
#define DRM_SIMGPU_WAIT_JOB		(1u << 0)

/**
 * struct drm_simgpu_wait - wait for a job (DRM_IOCTL_SIMGPU_WAIT)
 *
 * Waits for the fence in @syncobj, or with %DRM_SIMGPU_WAIT_JOB for the
 * VM's job @job, and reports how the job ended. Returns -ETIME if it did
 * not signal within @timeout_ns, -ENOENT for a bad handle, -EINVAL if the
 * syncobj has no fence or @job was never submitted, -ENOENT for a job
 * older than the VM's last %DRM_SIMGPU_MAX_VM_JOBS (its status is no
 * longer kept).
 */
struct drm_simgpu_wait {
	/** @syncobj: syncobj handle; zero with %DRM_SIMGPU_WAIT_JOB. */
	__u32 syncobj;
	/** @flags: %DRM_SIMGPU_WAIT_JOB. */
	__u32 flags;
	/**
	 * @timeout_ns: relative timeout; 0 polls; negative is -EINVAL. When a
	 * signal interrupts the wait, the time left is written back here, so
	 * that the restarted call waits only for the rest.
	 */
	__s64 timeout_ns;
	/** @status: output, 0 or the negative errno the job stopped with. */
	__s32 status;
	/** @pad: must be zero. */
	__u32 pad;
	/** @job: with %DRM_SIMGPU_WAIT_JOB, &drm_simgpu_exec.job of the job. */
	__u64 job;
};

/**
 * struct drm_simgpu_stats - the device's counters (DRM_IOCTL_SIMGPU_STATS)
 *
 * Counters since the driver was loaded, for the whole GPU (every VM).
 */
struct drm_simgpu_stats {
	/** @flags: must be zero. */
	__u32 flags;
	/** @pad: must be zero. */
	__u32 pad;
	/**
	 * @stale_translations: output, GPU accesses made through a translation
	 * whose invalidation had already finished. Must stay 0.
	 */
	__u64 stale_translations;
	/**
	 * @stale_pages: output, GPU accesses to a page other than the one the
	 * CPU maps at that address. Must stay 0.
	 */
	__u64 stale_pages;
	/** @invalidations: output, userptr invalidations handled. */
	__u64 invalidations;
	/** @tlb_flushes: output, TLB flushes completed. */
	__u64 tlb_flushes;
	/** @preemptions: output, context preemptions completed. */
	__u64 preemptions;
	/** @page_faults: output, recoverable GPU page faults serviced. */
	__u64 page_faults;
	/** @populates: output, userptr populations. */
	__u64 populates;
	/** @retries: output, populate-and-commit retries after a race. */
	__u64 retries;
	/** @eagain: output, exec calls that returned -EAGAIN. */
	__u64 eagain;
	/** @jobs: output, jobs completed. */
	__u64 jobs;
	/** @job_errors: output, jobs that stopped with an error. */
	__u64 job_errors;
	/** @bytes: output, bytes the engines accessed. */
	__u64 bytes;
	/**
	 * @job_timeouts: output, jobs stopped by the job timeout (module
	 * parameter ``job_timeout_ms``); they end with -ETIMEDOUT.
	 */
	__u64 job_timeouts;
	/**
	 * @stale_dma: output, GPU accesses to a DMA address the GPU had not
	 * mapped for that page (unmapped already, or a bounce buffer), as an
	 * IOMMU would see them, plus unmaps of DMA addresses that were not
	 * mapped, plus 1 if the record of DMA mappings this is judged by
	 * could not be kept. Such an access faults. Must stay 0.
	 */
	__u64 stale_dma;
};

#if defined(__cplusplus)
}
#endif

#endif /* _SIMGPU_DRM_H_ */
