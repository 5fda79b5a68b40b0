/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright © 2026 The drm_userptr authors
 */
#ifndef _SIMGPU_DRV_H_
#define _SIMGPU_DRV_H_

#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/maple_tree.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_gem.h>
#include <drm/drm_userptr.h>
#include <drm/gpu_scheduler.h>
#include <drm/simgpu_drm.h>

#define SIMGPU_MAX_GPUS		16
#define SIMGPU_MAX_ENGINES	4
#define SIMGPU_TLB_ENTRIES	16
#define SIMGPU_VA_BITS		48
#define SIMGPU_MAX_BO_SIZE	(4ULL << 30)
#define SIMGPU_MAX_CMDS		1024
#define SIMGPU_MAX_BINDINGS	4096

/*
 * Allocations whose size userspace picks: charged to the caller's memory
 * cgroup, and failing with -ENOMEM at its limit rather than OOM-killing.
 */
#define SIMGPU_USER_GFP		(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)
#define SIMGPU_MAX_SPIN_US	2000000
#define SIMGPU_EXEC_RETRIES	16
#define SIMGPU_HIST_BUCKETS	24
#define SIMGPU_DEFAULT_JOB_TIMEOUT_MS	30000
#define SIMGPU_MAX_JOB_TIMEOUT_MS	(3600 * 1000)

/* Module parameters, fixed at load time (simgpu_drv.c). */
extern unsigned int simgpu_num_gpus;
extern unsigned int simgpu_num_engines;
extern unsigned int simgpu_tlb_flush_latency_us;
extern unsigned int simgpu_preempt_latency_us;
extern unsigned int simgpu_default_mode;
extern unsigned int simgpu_job_timeout_ms;
extern bool simgpu_oracle_cpu_check;

/**
 * struct simgpu_hist - latency histogram, log2 microsecond buckets
 * @bucket: bucket i counts latencies in [2^(i-1), 2^i) us; bucket 0 is < 1 us
 * @total_ns: sum of all latencies
 */
struct simgpu_hist {
	atomic64_t bucket[SIMGPU_HIST_BUCKETS];
	atomic64_t total_ns;
};

/**
 * enum simgpu_stat - a GPU's counters, see &struct drm_simgpu_stats
 * @SIMGPU_STAT_STALE_TRANSLATIONS: accesses through a finished invalidation.
 * @SIMGPU_STAT_STALE_PAGES: accesses to a page the CPU no longer maps there.
 * @SIMGPU_STAT_STALE_DMA: accesses to a DMA address the device had not
 *	mapped for that page (see &struct simgpu_dma_oracle); they fault.
 * @SIMGPU_STAT_INVALIDATIONS: invalidate_start calls.
 * @SIMGPU_STAT_TLB_FLUSHES: TLB flushes completed.
 * @SIMGPU_STAT_PREEMPTIONS: context preemptions completed.
 * @SIMGPU_STAT_PAGE_FAULTS: recoverable page faults serviced.
 * @SIMGPU_STAT_POPULATES: populations of an invalid userptr.
 * @SIMGPU_STAT_RETRIES: populate-and-commit retries.
 * @SIMGPU_STAT_EAGAIN: exec calls that gave up with -EAGAIN.
 * @SIMGPU_STAT_JOBS: jobs run.
 * @SIMGPU_STAT_JOB_ERRORS: jobs that stopped with an error.
 * @SIMGPU_STAT_BYTES: bytes accessed by the engines.
 * @SIMGPU_STAT_JOB_TIMEOUTS: jobs stopped by the job timeout.
 * @SIMGPU_STAT_LEGACY_OVERLAPS: BOs the legacy notifiers found in a range.
 * @SIMGPU_NUM_STATS: the number of counters.
 */
enum simgpu_stat {
	SIMGPU_STAT_STALE_TRANSLATIONS,
	SIMGPU_STAT_STALE_PAGES,
	SIMGPU_STAT_STALE_DMA,
	SIMGPU_STAT_INVALIDATIONS,
	SIMGPU_STAT_TLB_FLUSHES,
	SIMGPU_STAT_PREEMPTIONS,
	SIMGPU_STAT_PAGE_FAULTS,
	SIMGPU_STAT_POPULATES,
	SIMGPU_STAT_RETRIES,
	SIMGPU_STAT_EAGAIN,
	SIMGPU_STAT_JOBS,
	SIMGPU_STAT_JOB_ERRORS,
	SIMGPU_STAT_BYTES,
	SIMGPU_STAT_JOB_TIMEOUTS,
	SIMGPU_STAT_LEGACY_OVERLAPS,
	SIMGPU_NUM_STATS
};

/**
 * struct simgpu_stats - a GPU's counters and latency histograms
 */
struct simgpu_stats {
	/** @count: by &enum simgpu_stat. */
	atomic64_t count[SIMGPU_NUM_STATS];
	/** @start_time: time spent in invalidate_start. */
	struct simgpu_hist start_time;
	/** @finish_wait: from invalidate_start until invalidate_finish returns. */
	struct simgpu_hist finish_wait;
};

/**
 * struct simgpu_stat_desc - how a counter is listed and reported
 */
struct simgpu_stat_desc {
	/** @name: its name in debugfs. */
	const char *name;
	/**
	 * @uapi_offset: of its field in &struct drm_simgpu_stats, or SIZE_MAX
	 * if STATS does not report it.
	 */
	size_t uapi_offset;
};

extern const struct simgpu_stat_desc simgpu_stat_descs[SIMGPU_NUM_STATS];

/**
 * struct simgpu_tlb_entry - one cached translation
 *
 * Tagged with the VM id (never reused) rather than a pointer. @zap_count is
 * the binding's &simgpu_vma.zap_count when the entry was filled: the
 * stale-access oracle compares it with &simgpu_vma.finished_zaps.
 */
struct simgpu_tlb_entry {
	/** @vm_id: &simgpu_vm.id of the translation. */
	u64 vm_id;
	/** @vma_id: &simgpu_vma.id it was filled from. */
	u64 vma_id;
	/** @zap_count: &simgpu_vma.zap_count when it was filled. */
	u64 zap_count;
	/** @gpu_pfn: GPU page number. */
	unsigned long gpu_pfn;
	/** @addr: DMA address of the page. */
	dma_addr_t addr;
	/** @writable: the binding allows writes. */
	bool writable;
	/** @valid: the entry holds a translation. */
	bool valid;
};

/**
 * struct simgpu_engine - an engine: a scheduler and a TLB
 */
struct simgpu_engine {
	/** @sdev: the GPU. */
	struct simgpu_device *sdev;
	/** @index: engine index in the GPU. */
	unsigned int index;
	/** @name: name of @sched. */
	char name[24];
	/** @lr_name: name of @lr_sched. */
	char lr_name[28];
	/**
	 * @sched: the scheduler of wait-idle VMs' jobs, whose fences are
	 * dma-fences: nothing on its path waits for the CPU's memory
	 * management.
	 */
	struct drm_gpu_scheduler sched;
	/**
	 * @lr_sched: the scheduler of preempt and fault VMs' long-running jobs,
	 * which wait for page faults and rebinds (the mmap_lock). Apart from
	 * @sched so that they never hold back a wait-idle job, whose fence an
	 * invalidation under the mmap_lock may be waiting for.
	 */
	struct drm_gpu_scheduler lr_sched;
	/**
	 * @tlb_lock: protects @tlb. Taken from the TLB-flush hrtimer, so with
	 * interrupts off. An engine holds it across each page access, which
	 * is what makes a completed flush mean "no access through the old
	 * translations is still in flight". Nests outside &simgpu_vm.pt_lock.
	 */
	spinlock_t tlb_lock;
	/** @tlb: direct-mapped by GPU page number. */
	struct simgpu_tlb_entry tlb[SIMGPU_TLB_ENTRIES];
	/** @fence_lock: lock of the hardware fences. */
	spinlock_t fence_lock;
	/**
	 * @fence_context: context of the hardware fences of @sched; the one
	 * after it is @lr_sched's.
	 */
	u64 fence_context;
	/** @fence_seqno: last hardware fence number, of @sched and @lr_sched. */
	u64 fence_seqno[2];
};

/**
 * struct simgpu_flush - a GPU's TLB-flush unit
 *
 * Flush requests are numbered. A flush takes the flush latency; requests
 * made while one is running are served by the next one. @completed only
 * grows.
 */
struct simgpu_flush {
	/** @lock: protects the fields below; taken with interrupts off. */
	spinlock_t lock;
	/** @requested: last flush requested. */
	u64 requested;
	/** @inflight: last flush the running one serves. */
	u64 inflight;
	/** @completed: last flush completed. */
	u64 completed;
	/** @busy: a flush is running. */
	bool busy;
	/** @timer: completes the running flush. */
	struct hrtimer timer;
	/** @wq: waiters for @completed. */
	wait_queue_head_t wq;
};

/**
 * struct simgpu_dma_oracle - a GPU's record of its live DMA mappings
 *
 * Kept from the DMA API's map and unmap tracepoints, apart from every
 * driver and helper structure, one per platform device for as long as the
 * driver is loaded (simgpu_dma_oracle.c).
 */
struct simgpu_dma_oracle {
	/**
	 * @pages: DMA page frame to the physical page frame it maps and the
	 * number of live mappings of it. Its own lock.
	 */
	struct xarray pages;
	/** @dev: the device whose mappings these are. */
	struct device *dev;
	/** @active: the record is kept (built-in simgpu, tracepoints). */
	bool active;
	/** @lost: a mapping could not be recorded; no more judgement. */
	bool lost;
	/** @bad_unmaps: unmaps of DMA pages that had no live mapping. */
	atomic64_t bad_unmaps;
};

/**
 * struct simgpu_device - one simulated GPU
 */
struct simgpu_device {
	/** @drm: the DRM device. */
	struct drm_device drm;
	/** @index: GPU index, the platform device id. */
	unsigned int index;
	/** @num_engines: engines in use. */
	unsigned int num_engines;
	/** @engines: the engines. */
	struct simgpu_engine engines[SIMGPU_MAX_ENGINES];
	/** @flush: the TLB-flush unit. */
	struct simgpu_flush flush;
	/** @stats: counters. */
	struct simgpu_stats stats;
	/** @dma_oracle: the live DMA mappings, as an IOMMU sees them. */
	struct simgpu_dma_oracle *dma_oracle;
	/** @vms_lock: protects @vms (debugfs listing). */
	struct mutex vms_lock;
	/** @vms: the open VMs. */
	struct list_head vms;
	/** @inject_skip_tlb_flush: tests only: flushes keep the TLB entries. */
	bool inject_skip_tlb_flush;
	/** @legacy_lock: protects @legacy_mns. */
	struct mutex legacy_lock;
	/** @legacy_mns: legacy notifiers, one per process using the GPU. */
	struct list_head legacy_mns;
};

static inline struct simgpu_device *to_simgpu_device(struct drm_device *drm)
{
	return container_of(drm, struct simgpu_device, drm);
}

enum simgpu_preempt_state {
	SIMGPU_RUNNING,
	SIMGPU_PREEMPT_REQUESTED,
	SIMGPU_PREEMPTED,
};

/**
 * struct simgpu_preempt - preemption of a VM's context
 *
 * A request completes after the preemption latency, at the first moment
 * no page access of the context is in flight. The context stays off the
 * engines until the VM's rebind worker has repopulated its userptrs.
 */
struct simgpu_preempt {
	/** @lock: protects the fields below; taken with interrupts off. */
	spinlock_t lock;
	/** @state: &enum simgpu_preempt_state. */
	enum simgpu_preempt_state state;
	/** @elapsed: the latency of the requested preemption has passed. */
	bool elapsed;
	/** @active: page accesses of the context in flight. */
	unsigned int active;
	/** @timer: ends the preemption latency. */
	struct hrtimer timer;
	/**
	 * @wq: waiters for @state, and the VM's spinning jobs, which a job
	 * timeout and close wake too.
	 */
	wait_queue_head_t wq;
	/** @pending: BOs to zap when the preemption completes. */
	struct list_head pending;
};

/**
 * struct simgpu_vm - a GPU VM, one per open file
 *
 * Lock order: @lock, then the mmap_lock, then the domain's notifier lock,
 * then @commit_lock, then the engines' TLB locks, then @pt_lock.
 */
struct simgpu_vm {
	/** @ref: held by the file, its BOs and its jobs. */
	struct kref ref;
	/** @sdev: the GPU. */
	struct simgpu_device *sdev;
	/** @id: unique over the driver's life; tags TLB entries. */
	u64 id;
	/** @mode: &enum drm_simgpu_mode; fixed while the VM has BOs. */
	enum drm_simgpu_mode mode;
	/**
	 * @single_pass: the domain invalidates in one pass
	 * (%DRM_SIMGPU_VM_SINGLE_PASS, and the legacy baseline).
	 */
	bool single_pass;
	/** @legacy_mn: the legacy whole-mm notifier baseline handles it. */
	bool legacy_mn;
	/** @domain: the drm_userptr domain of the VM's userptrs. */
	struct drm_userptr_domain domain;
	/** @lock: serialises config, bind, unbind and exec. */
	struct mutex lock;
	/**
	 * @commit_lock: serialises writing PTEs (commits, under the notifier
	 * lock in read mode) against removing bindings; protects @vma_list
	 * and each BO's binding list for writers. Nothing under it allocates.
	 */
	struct mutex commit_lock;
	/**
	 * @pt_lock: protects &simgpu_vma.present and .zap_count,
	 * &simgpu_bo.zap_first and .zap_end, and readers
	 * of the BOs' binding lists (the invalidation callbacks). Taken with
	 * interrupts off: engines take it under their TLB lock.
	 */
	spinlock_t pt_lock;
	/** @vmas: bindings by GPU page number; RCU readers, writers under @lock. */
	struct maple_tree vmas;
	/** @vma_list: the bindings, for commits; see @commit_lock. */
	struct list_head vma_list;
	/** @next_vma_id: last binding id given out; under @lock. */
	u64 next_vma_id;
	/** @num_vmas: bindings, at most %SIMGPU_MAX_BINDINGS; under @lock. */
	unsigned int num_vmas;
	/** @exec_stamp: stamps the BOs of the EXEC being checked; under @lock. */
	u64 exec_stamp;
	/** @bo_lock: protects @bo_list. */
	spinlock_t bo_lock;
	/** @bo_list: every BO of the VM. */
	struct list_head bo_list;
	/** @num_bos: BOs of the VM. */
	atomic_t num_bos;
	/**
	 * @entities: scheduler entities, one per engine, on the engine's
	 * &simgpu_engine.sched or, with @long_running, its .lr_sched.
	 */
	struct drm_sched_entity entities[SIMGPU_MAX_ENGINES];
	/**
	 * @long_running: @mode is preempt or fault: the VM's jobs depend on
	 * the mmap_lock, and their fences never leave the driver. Under @lock.
	 */
	bool long_running;
	/** @jobs_lock: protects @job_fences for readers; writers hold @lock too. */
	spinlock_t jobs_lock;
	/** @last_job: number of the VM's last job; under @lock. */
	u64 last_job;
	/**
	 * @job_fences: the finished fences of the last %DRM_SIMGPU_MAX_VM_JOBS
	 * jobs, job n at n % %DRM_SIMGPU_MAX_VM_JOBS, referenced.
	 */
	struct dma_fence *job_fences[DRM_SIMGPU_MAX_VM_JOBS];
	/** @ctx_wq: runs the VM's jobs, in order: the VM's hardware context. */
	struct workqueue_struct *ctx_wq;
	/** @jobs_in_flight: jobs committed and not yet freed. */
	atomic_t jobs_in_flight;
	/** @preempt: preemption of the VM's context. */
	struct simgpu_preempt preempt;
	/**
	 * @rebind_work: repopulates and resumes a preempted context; holds a
	 * reference to the VM while queued or running.
	 */
	struct work_struct rebind_work;
	/** @sdev_link: in &simgpu_device.vms. */
	struct list_head sdev_link;
	/** @closed: the file is closed: running jobs stop spinning. */
	bool closed;
};

/**
 * struct simgpu_bo - a userptr BO
 */
struct simgpu_bo {
	/** @base: the GEM object. */
	struct drm_gem_object base;
	/** @vm: the VM, referenced. */
	struct simgpu_vm *vm;
	/** @uptr: the userptr. */
	struct drm_userptr uptr;
	/** @read_only: the GPU only reads the memory. */
	bool read_only;
	/** @vmas: bindings; see &simgpu_vm.commit_lock and .pt_lock. */
	struct list_head vmas;
	/** @vm_link: in &simgpu_vm.bo_list. */
	struct list_head vm_link;
	/**
	 * @flush_seq: the TLB flush of the last zap, which the current
	 * invalidations wait for; under &simgpu_vm.pt_lock.
	 */
	u64 flush_seq;
	/**
	 * @zapped: every page the started invalidations take away has been
	 * zapped (@zap_first to @zap_end is empty) and @flush_seq flushes
	 * it. Cleared by a start, set by a zap, both under &simgpu_vm.pt_lock
	 * with the span, so that a zap never covers a start it did not see.
	 */
	bool zapped;
	/**
	 * @zap_first: with @zap_end, the pages [first, end) of the BO that
	 * the invalidations started since the last zap take away
	 * (drm_userptr_invalidated_pages()); empty when equal. Under
	 * &simgpu_vm.pt_lock.
	 */
	unsigned long zap_first;
	/** @zap_end: see @zap_first. */
	unsigned long zap_end;
	/** @inval_start_ns: when the current invalidation started. */
	u64 inval_start_ns;
	/** @legacy: the legacy notifier of the BO's process, if any. */
	struct simgpu_legacy_mn *legacy;
	/** @legacy_link: in &simgpu_legacy_mn.bos. */
	struct list_head legacy_link;
	/** @preempt_link: in &simgpu_preempt.pending; under its lock. */
	struct list_head preempt_link;
	/**
	 * @exec_stamp: &simgpu_vm.exec_stamp of the last EXEC that collected
	 * the BO, so that each BO is collected once; under &simgpu_vm.lock.
	 */
	u64 exec_stamp;
};

static inline struct simgpu_bo *to_simgpu_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct simgpu_bo, base);
}

/**
 * struct simgpu_zap_mark - a zap count and the TLB flush that covers it
 */
struct simgpu_zap_mark {
	/** @zaps: &simgpu_vma.zap_count after the zap. */
	u64 zaps;
	/** @flush_seq: the flush requested after it; 0 for none. */
	u64 flush_seq;
};

/**
 * struct simgpu_vma - a binding of a BO in a VM: a level of the page table
 */
struct simgpu_vma {
	/** @vm: the VM. */
	struct simgpu_vm *vm;
	/** @bo: the BO, referenced. */
	struct simgpu_bo *bo;
	/** @bo_link: in &simgpu_bo.vmas. */
	struct list_head bo_link;
	/** @vm_link: in &simgpu_vm.vma_list. */
	struct list_head vm_link;
	/** @id: unique in the VM. */
	u64 id;
	/** @first: first GPU page number. */
	unsigned long first;
	/** @npages: size in pages. */
	unsigned long npages;
	/** @read_only: the mapping refuses writes. */
	bool read_only;
	/**
	 * @present: one bit per page: its entry in @ptes holds the BO's
	 * current DMA address. Set by commits, cleared by zaps, under
	 * &simgpu_vm.pt_lock.
	 */
	unsigned long *present;
	/**
	 * @missing_first: with @missing_end, the pages [first, end) that
	 * zaps cleared since the last commit (a hull: some inside may be
	 * present), all of them at bind; empty when equal. A commit looks
	 * only there, so that a job's commit costs what was zapped, not the
	 * binding's size. Under &simgpu_vm.pt_lock.
	 */
	unsigned long missing_first;
	/** @missing_end: see @missing_first. */
	unsigned long missing_end;
	/** @zap_count: times the PTEs were zapped. */
	u64 zap_count;
	/**
	 * @zap_marks: the zap count after the last two zaps of the BO's
	 * invalidations and the TLB flush requested after each, newest last;
	 * under &simgpu_vm.pt_lock. A finish publishes the newest whose flush
	 * has completed: a concurrent partial zap whose flush has not must not
	 * make the oracle judge translations of pages it left present.
	 */
	struct simgpu_zap_mark zap_marks[2];
	/** @finished_zaps: zaps whose TLB flush and wait have completed. */
	u64 finished_zaps;
	/** @ptes: one DMA address per page, meaningful while @present. */
	dma_addr_t *ptes;
	/** @rcu: frees the binding after lockless lookups. */
	struct rcu_head rcu;
};

/**
 * struct simgpu_job - a job: commands run on an engine in a VM's context
 */
struct simgpu_job {
	/** @base: the scheduler job. */
	struct drm_sched_job base;
	/** @vm: the VM, referenced. */
	struct simgpu_vm *vm;
	/** @engine: the engine it runs on. */
	struct simgpu_engine *engine;
	/** @stamp: &simgpu_vm.exec_stamp of the job's EXEC. */
	u64 stamp;
	/** @cmds: the commands, checked. */
	struct drm_simgpu_cmd *cmds;
	/** @num_cmds: number of @cmds. */
	unsigned int num_cmds;
	/** @bos: the BOs the commands' ranges are bound to, referenced. */
	struct drm_gem_object **bos;
	/** @num_bos: number of @bos. */
	unsigned int num_bos;
	/** @hw_fence: the engine's fence, once the job runs. */
	struct dma_fence *hw_fence;
	/**
	 * @hw_fence_mem: @hw_fence until the job runs, allocated at
	 * submission: run_job is on the fence-signalling path and must not
	 * allocate.
	 */
	struct dma_fence *hw_fence_mem;
	/** @long_running: the VM was long-running at submission. */
	bool long_running;
	/**
	 * @timed_out: set by the scheduler's timeout handler; the engine
	 * stops the job at its next access or spin step, with -ETIMEDOUT.
	 */
	bool timed_out;
	/** @deadline: when the job times out, set as it starts running. */
	ktime_t deadline;
	/** @run_work: runs the job in the VM's context. */
	struct work_struct run_work;
	/** @free_work: drops the job's references. */
	struct work_struct free_work;
	/** @bounce: a page of engine-internal storage for copies. */
	u8 *bounce;
};

static inline void simgpu_stat_add(struct simgpu_device *sdev,
				   enum simgpu_stat stat, u64 n)
{
	atomic64_add(n, &sdev->stats.count[stat]);
}

static inline void simgpu_stat_inc(struct simgpu_device *sdev,
				   enum simgpu_stat stat)
{
	atomic64_inc(&sdev->stats.count[stat]);
}

static inline u64 simgpu_stat_read(struct simgpu_device *sdev,
				   enum simgpu_stat stat)
{
	return atomic64_read(&sdev->stats.count[stat]);
}

static inline ktime_t simgpu_us_to_ktime(unsigned int us)
{
	return ns_to_ktime((u64)us * NSEC_PER_USEC);
}

/* simgpu_drv.c */
void simgpu_hist_add(struct simgpu_hist *hist, u64 ns);

/* simgpu_vm.c */
struct simgpu_vm *simgpu_vm_create(struct simgpu_device *sdev);
void simgpu_vm_close(struct simgpu_vm *vm);
void simgpu_vm_put(struct simgpu_vm *vm);
int simgpu_vm_configure(struct simgpu_vm *vm, u32 mode, u32 flags);
int simgpu_vm_bind(struct simgpu_vm *vm, struct simgpu_bo *bo, u64 gpu_addr,
		   u32 flags);
int simgpu_vm_unbind(struct simgpu_vm *vm, u64 gpu_addr);
void simgpu_bo_commit(struct simgpu_bo *bo);
void simgpu_vma_zap_range_locked(struct simgpu_vma *vma, unsigned long first,
				 unsigned long end);
void simgpu_vma_zap_locked(struct simgpu_vma *vma);
int simgpu_bo_populate(struct simgpu_bo *bo);
int simgpu_vm_service_fault(struct simgpu_vm *vm, unsigned long gpu_pfn);
void simgpu_vm_queue_rebind(struct simgpu_vm *vm);
void simgpu_vm_rebind_work(struct work_struct *work);
bool simgpu_bo_is_callers(const struct simgpu_bo *bo);

/* simgpu_gem.c */
struct simgpu_bo *simgpu_bo_create(struct simgpu_vm *vm, u64 addr, u64 size,
				   u32 flags);
int simgpu_userptr_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);

/* simgpu_invalidate.c */
extern const struct drm_userptr_ops simgpu_userptr_ops;
void simgpu_bo_invalidate_start(struct simgpu_bo *bo, unsigned long pgoff,
				unsigned long npages);
void simgpu_bo_invalidate_finish(struct simgpu_bo *bo);
void simgpu_bo_zap_and_flush(struct simgpu_bo *bo);

/* simgpu_preempt.c */
void simgpu_preempt_init(struct simgpu_preempt *preempt);
void simgpu_preempt_enter(struct simgpu_vm *vm);
void simgpu_preempt_exit(struct simgpu_vm *vm);
void simgpu_preempt_request_locked(struct simgpu_vm *vm);
void simgpu_preempt_wait(struct simgpu_vm *vm);
void simgpu_preempt_resume(struct simgpu_vm *vm);

/* simgpu_tlb.c */
int simgpu_tlb_translate(struct simgpu_engine *engine, struct simgpu_vm *vm,
			 unsigned long gpu_pfn, struct simgpu_tlb_entry **entry);
void simgpu_flush_init(struct simgpu_device *sdev);
u64 simgpu_tlb_flush_request(struct simgpu_device *sdev);
void simgpu_tlb_flush_wait(struct simgpu_device *sdev, u64 seq);
bool simgpu_tlb_flush_done(struct simgpu_device *sdev, u64 seq);

/* simgpu_oracle.c */
struct page *simgpu_oracle_cpu_page(struct simgpu_vm *vm,
				    unsigned long gpu_pfn);
void simgpu_oracle_check(struct simgpu_vm *vm,
			 const struct simgpu_tlb_entry *e,
			 struct page *page, struct page *cpu_page);

/* simgpu_engine.c */
int simgpu_engine_init(struct simgpu_device *sdev, unsigned int index);
void simgpu_engine_fini(struct simgpu_engine *engine);
void simgpu_engine_set_timeout(struct simgpu_engine *engine, unsigned int ms);
bool simgpu_job_stopped(const struct simgpu_job *job);
int simgpu_engine_access(struct simgpu_engine *engine, struct simgpu_vm *vm,
			 u64 gpu_addr, void *buf, unsigned int len,
			 unsigned int op);
int simgpu_job_execute_cmd(struct simgpu_job *job,
			   const struct drm_simgpu_cmd *cmd);

/* Engine page-access operations, for simgpu_engine_access(). */
enum simgpu_access_op {
	SIMGPU_ACCESS_READ,
	SIMGPU_ACCESS_WRITE,
	SIMGPU_ACCESS_FILL,
	SIMGPU_ACCESS_ADD,
};

/* simgpu_job.c */
int simgpu_exec_ioctl(struct drm_device *drm, void *data,
		      struct drm_file *file);
int simgpu_wait_ioctl(struct drm_device *drm, void *data,
		      struct drm_file *file);
extern const struct drm_sched_backend_ops simgpu_sched_ops;

/* simgpu_legacy_mn.c */
int simgpu_legacy_mn_add(struct simgpu_bo *bo);
void simgpu_legacy_mn_remove(struct simgpu_bo *bo);
int simgpu_legacy_mn_lock_bos(struct drm_gem_object **bos, unsigned int n);
void simgpu_legacy_mn_unlock_bos(struct drm_gem_object **bos, unsigned int n);

/* simgpu_debugfs.c */
void simgpu_debugfs_init(struct simgpu_device *sdev);

/* simgpu_dma_oracle.c */
int simgpu_dma_oracle_register(void);
void simgpu_dma_oracle_unregister(void);
struct simgpu_dma_oracle *simgpu_dma_oracle_get(struct device *dev,
						unsigned int index);
bool simgpu_dma_oracle_check(struct simgpu_dma_oracle *o, dma_addr_t addr,
			     phys_addr_t phys);
u64 simgpu_dma_oracle_errors(struct simgpu_dma_oracle *o);

#endif /* _SIMGPU_DRV_H_ */
