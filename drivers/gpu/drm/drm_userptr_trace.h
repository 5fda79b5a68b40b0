/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM drm_userptr

#if !defined(_DRM_USERPTR_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _DRM_USERPTR_TRACE_H_

#include <linux/mmu_notifier.h>
#include <linux/tracepoint.h>

#include <drm/drm_userptr.h>

/* First step of an invalidation; @wait: the driver must be waited for. */
TRACE_EVENT(drm_userptr_invalidate_start,
	    TP_PROTO(const struct drm_userptr *uptr,
		     const struct mmu_notifier_range *range, bool wait),
	    TP_ARGS(uptr, range, wait),
	    TP_STRUCT__entry(__field(const void *, uptr)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, event)
			     __field(bool, wait)),
	    TP_fast_assign(__entry->uptr = uptr;
			   __entry->start = range->start;
			   __entry->end = range->end;
			   __entry->event = range->event;
			   __entry->wait = wait;),
	    TP_printk("uptr=%p range=0x%lx-0x%lx event=%u wait=%d",
		      __entry->uptr, __entry->start, __entry->end,
		      __entry->event, __entry->wait)
);

/* Second step done: the device is idle on the pages and they are unmapped. */
TRACE_EVENT(drm_userptr_invalidate_finish,
	    TP_PROTO(const struct drm_userptr *uptr),
	    TP_ARGS(uptr),
	    TP_STRUCT__entry(__field(const void *, uptr)),
	    TP_fast_assign(__entry->uptr = uptr;),
	    TP_printk("uptr=%p", __entry->uptr)
);

/* A populate finished, with @err (0 on success). */
TRACE_EVENT(drm_userptr_populate,
	    TP_PROTO(const struct drm_userptr *uptr, int err),
	    TP_ARGS(uptr, err),
	    TP_STRUCT__entry(__field(const void *, uptr)
			     __field(unsigned long, start)
			     __field(unsigned long, npages)
			     __field(unsigned long, nr_dma_maps)
			     __field(int, err)),
	    TP_fast_assign(__entry->uptr = uptr;
			   __entry->start = uptr->start;
			   __entry->npages = uptr->npages;
			   __entry->nr_dma_maps = uptr->nr_dma_maps;
			   __entry->err = err;),
	    TP_printk("uptr=%p start=0x%lx npages=%lu dma_maps=%lu err=%d",
		      __entry->uptr, __entry->start, __entry->npages,
		      __entry->nr_dma_maps, __entry->err)
);

/*
 * A populate attempt was overtaken by an invalidation: @reason is -EBUSY
 * from hmm_range_fault() or -EAGAIN from the sequence check.
 */
TRACE_EVENT(drm_userptr_retry,
	    TP_PROTO(const struct drm_userptr *uptr, int reason),
	    TP_ARGS(uptr, reason),
	    TP_STRUCT__entry(__field(const void *, uptr)
			     __field(int, reason)),
	    TP_fast_assign(__entry->uptr = uptr;
			   __entry->reason = reason;),
	    TP_printk("uptr=%p reason=%d", __entry->uptr, __entry->reason)
);

#endif /* _DRM_USERPTR_TRACE_H_ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE drm_userptr_trace
#include <trace/define_trace.h>
