// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright © 2026 The drm_userptr authors
 *
 * The engines of a simulated GPU: their schedulers, page accesses (through
 * the TLB of simgpu_tlb.c, judged by simgpu_oracle.c) and the commands.
 */

#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/highmem.h>
#include <linux/mm.h>

#include "simgpu_drv.h"

/* Faults one access may take before the job is failed. */
#define SIMGPU_MAX_FAULTS_PER_ACCESS	64

/**
 * simgpu_engine_init() - initialise an engine and its two schedulers
 * @sdev: the GPU
 * @index: engine index
 *
 * Return: 0 or the error of drm_sched_init().
 */
int simgpu_engine_init(struct simgpu_device *sdev, unsigned int index)
{
	struct simgpu_engine *engine = &sdev->engines[index];
	struct drm_sched_init_args args = {
		.ops = &simgpu_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = 64,
		.timeout = msecs_to_jiffies(READ_ONCE(simgpu_job_timeout_ms)),
		.name = engine->name,
		.dev = sdev->drm.dev,
	};
	int err;

	engine->sdev = sdev;
	engine->index = index;
	snprintf(engine->name, sizeof(engine->name), "simgpu%u-engine%u",
		 sdev->index, index);
	snprintf(engine->lr_name, sizeof(engine->lr_name),
		 "simgpu%u-engine%u-lr", sdev->index, index);
	spin_lock_init(&engine->tlb_lock);
	spin_lock_init(&engine->fence_lock);
	engine->fence_context = dma_fence_context_alloc(2);
	err = drm_sched_init(&engine->sched, &args);
	if (err)
		return err;
	args.name = engine->lr_name;
	err = drm_sched_init(&engine->lr_sched, &args);
	if (err)
		drm_sched_fini(&engine->sched);
	return err;
}

/**
 * simgpu_engine_fini() - stop an engine's scheduler
 * @engine: the engine
 */
void simgpu_engine_fini(struct simgpu_engine *engine)
{
	drm_sched_fini(&engine->lr_sched);
	drm_sched_fini(&engine->sched);
}

/**
 * simgpu_engine_set_timeout() - change the job timeout of an engine
 * @engine: the engine
 * @ms: the timeout in milliseconds
 *
 * Applies to timeouts armed from now on, as drm_sched reads it each time.
 */
void simgpu_engine_set_timeout(struct simgpu_engine *engine, unsigned int ms)
{
	WRITE_ONCE(engine->sched.timeout, msecs_to_jiffies(ms));
	WRITE_ONCE(engine->lr_sched.timeout, msecs_to_jiffies(ms));
}

/**
 * simgpu_job_stopped() - the job must stop at its next step
 * @job: the job
 *
 * Return: true once the job timed out: its own deadline passed, or the
 * scheduler's timeout handler stopped it.
 */
bool simgpu_job_stopped(const struct simgpu_job *job)
{
	return READ_ONCE(job->timed_out) ||
	       ktime_after(ktime_get(), job->deadline);
}

static void simgpu_page_op(void *kaddr, void *buf, unsigned int len,
			   unsigned int op)
{
	switch (op) {
	case SIMGPU_ACCESS_READ:
		memcpy(buf, kaddr, len);
		break;
	case SIMGPU_ACCESS_WRITE:
		memcpy(kaddr, buf, len);
		break;
	case SIMGPU_ACCESS_FILL:
		memset32(kaddr, *(u32 *)buf, len / sizeof(u32));
		break;
	case SIMGPU_ACCESS_ADD:
		atomic_add(*(u32 *)buf, kaddr);
		break;
	}
}

/**
 * simgpu_engine_access() - one memory access of an engine
 * @engine: the engine
 * @vm: the VM whose context runs
 * @gpu_addr: GPU address
 * @buf: data read or written (for %SIMGPU_ACCESS_FILL and
 *	%SIMGPU_ACCESS_ADD: the u32 operand)
 * @len: bytes, within one page
 * @op: &enum simgpu_access_op
 *
 * Translates through the TLB and page table and accesses the page through
 * its DMA address. The access is a preemption boundary, and in fault mode a
 * missing translation is a recoverable fault.
 *
 * Return: 0; -EFAULT if the address cannot be mapped; -EACCES for a write
 * through a read-only binding.
 */
int simgpu_engine_access(struct simgpu_engine *engine, struct simgpu_vm *vm,
			 u64 gpu_addr, void *buf, unsigned int len,
			 unsigned int op)
{
	unsigned long gpu_pfn = gpu_addr >> PAGE_SHIFT;
	unsigned int offset = offset_in_page(gpu_addr);
	bool write = op != SIMGPU_ACCESS_READ;
	struct simgpu_tlb_entry *e;
	struct page *cpu_page;
	unsigned int faults;
	unsigned long flags;
	int err;

	if (WARN_ON(offset + len > PAGE_SIZE))
		return -EFAULT;

	for (faults = 0; ; faults++) {
		simgpu_preempt_enter(vm);
		cpu_page = simgpu_oracle_cpu_page(vm, gpu_pfn);

		spin_lock_irqsave(&engine->tlb_lock, flags);
		err = simgpu_tlb_translate(engine, vm, gpu_pfn, &e);
		if (!err && write && !e->writable)
			err = -EACCES;
		if (!err) {
			struct simgpu_device *sdev = vm->sdev;
			phys_addr_t phys = dma_to_phys(sdev->drm.dev, e->addr);
			struct page *page = pfn_to_page(PHYS_PFN(phys));
			void *kaddr;

			/* What the device has not mapped, an IOMMU faults. */
			if (simgpu_dma_oracle_check(sdev->dma_oracle, e->addr,
						    phys)) {
				kaddr = kmap_local_page(page);
				simgpu_page_op(kaddr + offset, buf, len, op);
				kunmap_local(kaddr);
			} else {
				simgpu_stat_inc(sdev, SIMGPU_STAT_STALE_DMA);
				err = -EFAULT;
			}
			simgpu_oracle_check(vm, e, page, cpu_page);
		}
		spin_unlock_irqrestore(&engine->tlb_lock, flags);

		simgpu_preempt_exit(vm);

		if (!err)
			simgpu_stat_add(vm->sdev, SIMGPU_STAT_BYTES, len);
		if (err != -ENOENT)
			return err;
		if (READ_ONCE(vm->mode) != DRM_SIMGPU_MODE_FAULT ||
		    faults >= SIMGPU_MAX_FAULTS_PER_ACCESS)
			return -EFAULT;
		err = simgpu_vm_service_fault(vm, gpu_pfn);
		if (err)
			return err;
	}
}

/* Length of the next chunk of [addr, addr + size) that stays in one page. */
static unsigned int simgpu_chunk(u64 addr, u64 size)
{
	return min_t(u64, size, PAGE_SIZE - offset_in_page(addr));
}

static int simgpu_engine_exec_fill(struct simgpu_job *job, u64 dst, u64 size,
				   u32 v)
{
	unsigned int len;
	int err;

	for (; size; dst += len, size -= len) {
		len = simgpu_chunk(dst, size);
		if (simgpu_job_stopped(job))
			return -ETIMEDOUT;
		err = simgpu_engine_access(job->engine, job->vm, dst, &v, len,
					   SIMGPU_ACCESS_FILL);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

static int simgpu_engine_exec_copy(struct simgpu_job *job, u64 dst, u64 src,
				   u64 size)
{
	unsigned int len;
	int err;

	for (; size; dst += len, src += len, size -= len) {
		len = min(simgpu_chunk(src, size), simgpu_chunk(dst, size));
		if (simgpu_job_stopped(job))
			return -ETIMEDOUT;
		err = simgpu_engine_access(job->engine, job->vm, src,
					   job->bounce, len, SIMGPU_ACCESS_READ);
		if (!err)
			err = simgpu_engine_access(job->engine, job->vm, dst,
						   job->bounce, len,
						   SIMGPU_ACCESS_WRITE);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

static int simgpu_engine_exec_checksum(struct simgpu_job *job, u64 dst,
				       u64 src, u64 size)
{
	u64 hash = DRM_SIMGPU_FNV1A_OFFSET;
	unsigned int len, i;
	int err;

	for (; size; src += len, size -= len) {
		len = simgpu_chunk(src, size);
		if (simgpu_job_stopped(job))
			return -ETIMEDOUT;
		err = simgpu_engine_access(job->engine, job->vm, src,
					   job->bounce, len, SIMGPU_ACCESS_READ);
		if (err)
			return err;
		for (i = 0; i < len; i++) {
			hash ^= job->bounce[i];
			hash *= DRM_SIMGPU_FNV1A_PRIME;
		}
		cond_resched();
	}
	return simgpu_engine_access(job->engine, job->vm, dst, &hash,
				    sizeof(hash), SIMGPU_ACCESS_WRITE);
}

/* What ends a spin's sleep before its time: see simgpu_engine_exec_spin(). */
static bool simgpu_spin_interrupted(const struct simgpu_job *job)
{
	return READ_ONCE(job->timed_out) || READ_ONCE(job->vm->closed) ||
	       READ_ONCE(job->vm->preempt.state) == SIMGPU_PREEMPTED;
}

/*
 * Busy for @us microseconds; preemption can take the context off meanwhile.
 * A timeout stops it, and so does closing the file: nobody can see a spin
 * end, and a closed VM's jobs must not keep the engine. The engine sleeps
 * meanwhile, as a real one costs the CPU nothing while it runs a job: until
 * the spin's end or the job's deadline, or until the preemption's ack, the
 * timeout handler or close wakes it on &simgpu_preempt.wq.
 */
static int simgpu_engine_exec_spin(struct simgpu_job *job, u64 us)
{
	struct simgpu_vm *vm = job->vm;
	ktime_t end = ktime_add_us(ktime_get(), us), now;

	for (;;) {
		if (simgpu_job_stopped(job))
			return -ETIMEDOUT;
		if (READ_ONCE(vm->closed))
			return 0;
		/* Off the engines while preempted, until the resume. */
		simgpu_preempt_enter(vm);
		simgpu_preempt_exit(vm);
		now = ktime_get();
		if (!ktime_before(now, end))
			return 0;
		wait_event_hrtimeout(vm->preempt.wq,
				     simgpu_spin_interrupted(job),
				     ktime_sub(min(end, job->deadline), now));
	}
}

/**
 * simgpu_job_execute_cmd() - execute one command of a job
 * @job: the job
 * @cmd: the command, checked at submission
 *
 * Return: 0 or the error the job stops with (-EFAULT, -EACCES,
 * -ETIMEDOUT).
 */
int simgpu_job_execute_cmd(struct simgpu_job *job,
			   const struct drm_simgpu_cmd *cmd)
{
	u32 v = cmd->value;

	switch (cmd->op) {
	case DRM_SIMGPU_CMD_FILL:
		return simgpu_engine_exec_fill(job, cmd->dst, cmd->size, v);
	case DRM_SIMGPU_CMD_COPY:
		return simgpu_engine_exec_copy(job, cmd->dst, cmd->src, cmd->size);
	case DRM_SIMGPU_CMD_STORE_DWORD:
		return simgpu_engine_access(job->engine, job->vm, cmd->dst, &v,
					    sizeof(v), SIMGPU_ACCESS_WRITE);
	case DRM_SIMGPU_CMD_ATOMIC_ADD:
		return simgpu_engine_access(job->engine, job->vm, cmd->dst, &v,
					    sizeof(v), SIMGPU_ACCESS_ADD);
	case DRM_SIMGPU_CMD_CHECKSUM:
		return simgpu_engine_exec_checksum(job, cmd->dst, cmd->src, cmd->size);
	case DRM_SIMGPU_CMD_SPIN:
		return simgpu_engine_exec_spin(job, cmd->value);
	}
	return -EINVAL;
}
