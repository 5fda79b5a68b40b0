// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu's record of its live DMA mappings, kept apart from every driver
 * and helper structure: the DMA API's own map and unmap tracepoints feed
 * it, as an IOMMU would see the device's mappings.
 *
 * The stale-access oracle of simgpu_oracle.c judges accesses by the
 * driver's bookkeeping (the invalidation a translation belongs to, the page
 * the CPU maps). A translation to a DMA address that the helper has
 * already unmapped, or that the DMA layer bounced, looks fine to that
 * bookkeeping; this record catches it: every engine access must go to a
 * DMA address the device has mapped, and to the page it was mapped for
 * (not a swiotlb bounce buffer). Anything else is a stale DMA access
 * (&drm_simgpu_stats.stale_dma): the access does not happen, as an IOMMU
 * would fault it.
 *
 * The record is an xarray indexed by DMA page frame, whose values hold the
 * physical page frame and a count of the live mappings of that DMA page
 * (two BOs over the same memory map the same pages). There is one record
 * per platform device, kept for as long as the driver is loaded: a GPU
 * unbound with files open keeps its DRM device, and DMA mappings, until
 * the last file closes, and the DRM device of a rebind maps through the
 * same struct device meanwhile, so both must see one record, as they
 * would see one IOMMU. The tracepoints run in whatever context the DMA
 * API is called from, so the record allocates without sleeping; if it
 * ever cannot, it stops judging for good (&simgpu_dma_oracle.lost), and
 * says so through &drm_simgpu_stats.stale_dma, so that no test passes
 * blind.
 *
 * With dma-direct a DMA address is the physical address: the record only
 * catches accesses to pages with no live mapping of the GPU at all, not a
 * stale entry whose page happens to be mapped by another BO again.
 *
 * The tracepoints are not exported, so only a built-in simgpu keeps the
 * record; a modular one never reports a stale DMA access. Values pack a
 * page frame with a count, which needs a 64-bit kernel.
 *
 * Copyright © 2026 The drm_userptr authors
 */

#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/rcupdate.h>
#include <trace/events/dma.h>

#include "simgpu_drv.h"

/* xarray value: physical page frame above SIMGPU_DMA_REF_BITS of count. */
#define SIMGPU_DMA_REF_BITS	20
#define SIMGPU_DMA_REF_MAX	((1UL << SIMGPU_DMA_REF_BITS) - 1)

/*
 * The records of the GPUs' platform devices, by GPU index, for as long as
 * the driver is loaded. @simgpu_dma_oracle_list is what the tracepoints
 * look at (RCU); both are written under @simgpu_dma_oracles_lock.
 */
static struct simgpu_dma_oracle simgpu_dma_oracle_records[SIMGPU_MAX_GPUS];
static struct simgpu_dma_oracle __rcu *simgpu_dma_oracle_list[SIMGPU_MAX_GPUS];
static DEFINE_MUTEX(simgpu_dma_oracles_lock);

static bool simgpu_dma_oracle_supported(void)
{
	return IS_BUILTIN(CONFIG_DRM_SIMGPU) && IS_ENABLED(CONFIG_TRACEPOINTS) &&
	       IS_ENABLED(CONFIG_64BIT);
}

/* The record of @dev, if it is a simgpu GPU's. RCU read lock held. */
static struct simgpu_dma_oracle *simgpu_dma_oracle_find(struct device *dev)
{
	struct simgpu_dma_oracle *o;
	unsigned int i;

	for (i = 0; i < SIMGPU_MAX_GPUS; i++) {
		o = rcu_dereference(simgpu_dma_oracle_list[i]);
		if (o && o->dev == dev)
			return o;
	}
	return NULL;
}

static void simgpu_dma_oracle_lose(struct simgpu_dma_oracle *o)
{
	if (!xchg(&o->lost, true))
		dev_info(o->dev, "DMA oracle: record incomplete, stale DMA no longer judged\n");
}

/* One more live mapping of DMA page @dma_pfn to physical page @pfn. */
static void simgpu_dma_page_get(struct simgpu_dma_oracle *o,
				unsigned long dma_pfn, unsigned long pfn)
{
	unsigned long v, refs = 0;
	void *old, *entry;

	xa_lock(&o->pages);
	entry = xa_load(&o->pages, dma_pfn);
	if (entry) {
		v = xa_to_value(entry);
		refs = v & SIMGPU_DMA_REF_MAX;
		/* A DMA page mapped again for another page: unmapped unseen. */
		if (v >> SIMGPU_DMA_REF_BITS != pfn || refs == SIMGPU_DMA_REF_MAX) {
			xa_unlock(&o->pages);
			simgpu_dma_oracle_lose(o);
			return;
		}
	}
	v = pfn << SIMGPU_DMA_REF_BITS | (refs + 1);
	old = __xa_store(&o->pages, dma_pfn, xa_mk_value(v),
			 GFP_NOWAIT | __GFP_NOWARN);
	xa_unlock(&o->pages);
	if (xa_is_err(old))
		simgpu_dma_oracle_lose(o);
}

/* One live mapping of DMA page @dma_pfn less; false if there was none. */
static bool simgpu_dma_page_put(struct simgpu_dma_oracle *o,
				unsigned long dma_pfn)
{
	unsigned long v;
	void *entry;

	xa_lock(&o->pages);
	entry = xa_load(&o->pages, dma_pfn);
	if (!entry) {
		xa_unlock(&o->pages);
		return false;
	}
	v = xa_to_value(entry);
	if ((v & SIMGPU_DMA_REF_MAX) == 1)
		__xa_erase(&o->pages, dma_pfn);
	else
		__xa_store(&o->pages, dma_pfn, xa_mk_value(v - 1), 0);
	xa_unlock(&o->pages);
	return true;
}

static void simgpu_dma_oracle_map(void *data, struct device *dev,
				  phys_addr_t phys, dma_addr_t addr,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	struct simgpu_dma_oracle *o;
	unsigned long i, n;

	if (addr == DMA_MAPPING_ERROR)
		return;
	rcu_read_lock();
	o = simgpu_dma_oracle_find(dev);
	if (o && !READ_ONCE(o->lost)) {
		/* The helper maps whole pages; a partial one is not judged. */
		if (offset_in_page(phys) || offset_in_page(addr) ||
		    offset_in_page(size)) {
			simgpu_dma_oracle_lose(o);
		} else {
			n = size >> PAGE_SHIFT;
			for (i = 0; i < n; i++)
				simgpu_dma_page_get(o, PHYS_PFN(addr) + i,
						    PHYS_PFN(phys) + i);
		}
	}
	rcu_read_unlock();
}

static void simgpu_dma_oracle_unmap(void *data, struct device *dev,
				    dma_addr_t addr, size_t size,
				    enum dma_data_direction dir,
				    unsigned long attrs)
{
	struct simgpu_dma_oracle *o;
	unsigned long i, n;

	rcu_read_lock();
	o = simgpu_dma_oracle_find(dev);
	if (o && !READ_ONCE(o->lost)) {
		n = DIV_ROUND_UP(size + offset_in_page(addr), PAGE_SIZE);
		for (i = 0; i < n; i++)
			if (!simgpu_dma_page_put(o, PHYS_PFN(addr) + i))
				atomic64_inc(&o->bad_unmaps);
	}
	rcu_read_unlock();
}

/**
 * simgpu_dma_oracle_check() - may the device access this DMA address?
 * @o: the GPU's record
 * @addr: the DMA address of the access
 * @phys: the physical address the engine would access for it
 *
 * Return: true if @addr lies in a live DMA mapping of the device that was
 * made for @phys (or the record cannot tell), false for a stale DMA
 * access: an address unmapped already, or a bounce buffer in place of the
 * page that was mapped.
 */
bool simgpu_dma_oracle_check(struct simgpu_dma_oracle *o, dma_addr_t addr,
			     phys_addr_t phys)
{
	void *entry;

	if (!o->active || READ_ONCE(o->lost))
		return true;
	entry = xa_load(&o->pages, PHYS_PFN(addr));
	return entry && xa_to_value(entry) >> SIMGPU_DMA_REF_BITS ==
			PHYS_PFN(phys);
}

/**
 * simgpu_dma_oracle_errors() - what the record counts against its device
 * @o: the GPU's record
 *
 * Return: the unmaps of DMA pages that had no live mapping, plus one if
 * the record could not be kept and no longer judges.
 */
u64 simgpu_dma_oracle_errors(struct simgpu_dma_oracle *o)
{
	return atomic64_read(&o->bad_unmaps) + READ_ONCE(o->lost);
}

/**
 * simgpu_dma_oracle_get() - the record of a GPU's device
 * @dev: the GPU's platform device
 * @index: the GPU's index
 *
 * Starts recording @dev's DMA mappings the first time, before the GPU
 * maps anything; a GPU bound again gets the record its earlier binding
 * may still be mapping through. The records live until
 * simgpu_dma_oracle_unregister().
 *
 * Return: the record (inactive if the build cannot keep one).
 */
struct simgpu_dma_oracle *simgpu_dma_oracle_get(struct device *dev,
						unsigned int index)
{
	struct simgpu_dma_oracle *o = &simgpu_dma_oracle_records[index];

	mutex_lock(&simgpu_dma_oracles_lock);
	if (o->dev != dev) {
		/* A new platform device of that index: only after unload. */
		WARN_ON(o->dev);
		xa_init(&o->pages);
		o->dev = dev;
		o->active = simgpu_dma_oracle_supported();
		if (o->active)
			rcu_assign_pointer(simgpu_dma_oracle_list[index], o);
	}
	mutex_unlock(&simgpu_dma_oracles_lock);
	return o;
}

/**
 * simgpu_dma_oracle_register() - hook the records to the DMA API
 *
 * Return: 0 or a negative errno; where no record can be kept (a modular
 * simgpu, a 32-bit kernel) 0.
 */
int simgpu_dma_oracle_register(void)
{
	int err;

	if (!simgpu_dma_oracle_supported())
		return 0;
	err = register_trace_dma_map_page(simgpu_dma_oracle_map, NULL);
	if (err)
		return err;
	err = register_trace_dma_unmap_page(simgpu_dma_oracle_unmap, NULL);
	if (err)
		unregister_trace_dma_map_page(simgpu_dma_oracle_map, NULL);
	return err;
}

/**
 * simgpu_dma_oracle_unregister() - undo simgpu_dma_oracle_register()
 *
 * Frees the records: call when no GPU of the driver is left.
 */
void simgpu_dma_oracle_unregister(void)
{
	unsigned int i;

	if (simgpu_dma_oracle_supported()) {
		unregister_trace_dma_unmap_page(simgpu_dma_oracle_unmap, NULL);
		unregister_trace_dma_map_page(simgpu_dma_oracle_map, NULL);
		tracepoint_synchronize_unregister();
	}
	mutex_lock(&simgpu_dma_oracles_lock);
	for (i = 0; i < SIMGPU_MAX_GPUS; i++) {
		RCU_INIT_POINTER(simgpu_dma_oracle_list[i], NULL);
		if (simgpu_dma_oracle_records[i].dev)
			xa_destroy(&simgpu_dma_oracle_records[i].pages);
		simgpu_dma_oracle_records[i].dev = NULL;
	}
	mutex_unlock(&simgpu_dma_oracles_lock);
}
