// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_bench: benchmarks of userptr invalidation on the simgpu driver.
 *
 *  - latency: time of munmap() and mmap(MAP_FIXED) over memory behind an
 *    idle userptr BO mapped by one VM on each of 1 to 16 GPUs, all with jobs
 *    in flight, for the legacy, single-pass and two-pass notifier schemes
 *    and the three invalidation modes;
 *  - populate: throughput of populating a userptr BO (hmm_range_fault and
 *    DMA mapping) against pinning, with 4 KiB pages and with THP;
 *  - scaling: cost of munmap() and mprotect() of memory that no BO covers,
 *    with up to 100000 userptr BOs registered, and their slab memory;
 *  - revalidate: time from an invalidation (MADV_DONTNEED) to the end of a
 *    job that uses the BO again;
 *  - partial: the job after an invalidation of part of a userptr of 4 MiB
 *    to 2 GiB (a page dropped, a THP collapse, a THP split), against a
 *    steady job on it;
 *  - stall: the stall of MADV_DONTNEED over a small userptr while a 1 GiB
 *    one of the same VM populates, against the same when idle;
 *  - spin: the guest's CPU time during a job that only spins for 10 s;
 *  - fork: fork() with 1 to 1024 read-only or writable userptr BOs bound,
 *    its time and the preemptions and TLB flushes it costs the GPU.
 *
 * Each benchmark writes <dir>/<bench>.csv and prints a table. Exits 0 on
 * success, 1 if anything failed.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libsimgpu.h"

#ifndef DRM_SIMGPU_VM_LEGACY_MN
#define DRM_SIMGPU_VM_LEGACY_MN	(1u << 1)
#endif

#define BO_PAGES		16
#define BUSY_VA			(1ull << 32)
#define MEAS_VA			(2ull << 32)
/* Spin jobs keep every VM busy; one is queued when less than the margin is left. */
#define SPIN_US			300000
#define BUSY_MARGIN_US		100000
#define WAIT_NS			(10ll * 1000 * 1000 * 1000)
#define HPAGE_SIZE		(2ul << 20)
#define MIB			(1ul << 20)
#define MAX_REPS		100000
#define MAX_COUNTS		5

#define PARAM_DIR		"/sys/module/simgpu/parameters/"
#define PIN_GLOB		"/sys/kernel/debug/dri/*/simgpu_pin_bench"

enum run_kind { RUN_DEFAULT, RUN_SMOKE, RUN_FULL };

static const struct {
	const char *name;
	__u32 flags;
} schemes[] = {
	{ "legacy", DRM_SIMGPU_VM_LEGACY_MN },
	{ "single-pass", DRM_SIMGPU_VM_SINGLE_PASS },
	{ "two-pass", 0 },
};

enum { SCHEME_LEGACY, SCHEME_SINGLE_PASS, SCHEME_TWO_PASS };

/* Indexes into simgpu_modes[]. */
enum { MODE_WAIT_IDLE, MODE_PREEMPT, MODE_FAULT };

/*
 * (TLB flush, preemption) latencies in us; the default run uses
 * LAT_DEFAULT. They are scaled up from hardware's (tens of us to flush,
 * hundreds to preempt) because TCG with KASAN slows the CPU side of an
 * munmap several hundred times, to milliseconds: at hardware latencies
 * the device's share would vanish in that noise, while on hardware it is
 * what dominates.
 */
static const unsigned int latencies[][2] = {
	{ 1000, 5000 }, { 2500, 10000 }, { 5000, 20000 }, { 10000, 40000 },
};

#define LAT_DEFAULT		2

static const char * const op_names[] = { "munmap", "map-fixed" };

enum { OP_MUNMAP, OP_MAP_FIXED, NUM_OPS };

static const unsigned int gpu_counts[MAX_COUNTS] = { 1, 2, 4, 8, 16 };

static size_t page_size;
static int gpu_fds[SIMGPU_LIB_MAX_GPUS];
static int num_gpus;
static struct drm_simgpu_query gpu_query;
static enum run_kind run_kind;
static int opt_reps;
static const char *out_dir = ".";
static int soft_failures;

static int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("simgpu_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The repetitions of a bench: --reps, else its default for the run kind. */
static int reps_for(int smoke, int normal, int full)
{
	if (opt_reps)
		return opt_reps;
	if (run_kind == RUN_SMOKE)
		return smoke;
	return run_kind == RUN_FULL ? full : normal;
}

/* Statistics */

struct stats {
	double median, p99, mean, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v; the 99th percentile is by nearest rank. */
static struct stats stats_of(double *v, int n)
{
	struct stats s = { 0 };
	int i;

	if (n <= 0)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.p99 = v[(99 * n + 99) / 100 - 1];
	for (i = 0; i < n; i++)
		s.mean += v[i];
	s.mean /= n;
	return s;
}

/* CSV files */

static FILE *csv_open(const char *name, const char *header)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.csv", out_dir, name);
	f = fopen(path, "w");
	if (!f) {
		fail("%s: %s", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "%s\n", header);
	return f;
}

static void __attribute__((format(printf, 2, 3)))
csv_row(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static int csv_close(FILE *f, const char *name)
{
	bool err = ferror(f);

	if (fclose(f) || err)
		return fail("writing %s/%s.csv failed", out_dir, name);
	return 0;
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX], *p;
	bool last;

	if (!*dir || snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return fail("bad output directory '%s'", dir);
	for (p = path + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		last = !*p;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return fail("mkdir %s: %s", path, strerror(errno));
		if (last)
			return 0;
		*p = '/';
	}
}

/* Module parameters, restored at exit */

static struct {
	const char *name;
	unsigned int orig;
	bool saved;
} params[] = {
	{ .name = "tlb_flush_latency_us" },
	{ .name = "preempt_latency_us" },
};

static int param_read(const char *name, unsigned int *val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	ret = fscanf(f, "%u", val);
	fclose(f);
	return ret == 1 ? 0 : fail("%s: not a number", path);
}

static int param_write(const char *name, unsigned int val)
{
	char path[128], buf[16];
	int fd, len;
	ssize_t ret;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return fail("%s: %s", path, strerror(errno));
	len = snprintf(buf, sizeof(buf), "%u\n", val);
	ret = write(fd, buf, len);
	if (ret != len) {
		fail("writing %u to %s: %s", val, path,
		     ret < 0 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void params_restore(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		if (params[i].saved && !param_write(params[i].name, params[i].orig))
			params[i].saved = false;
	}
}

/* Sets the TLB flush and preemption latencies and checks that QUERY sees them. */
static int set_latencies(unsigned int flush_us, unsigned int preempt_us)
{
	struct drm_simgpu_query q;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		if (params[i].saved)
			continue;
		if (param_read(params[i].name, &params[i].orig))
			return -1;
		params[i].saved = true;
	}
	if (param_write(params[0].name, flush_us) ||
	    param_write(params[1].name, preempt_us))
		return -1;
	ret = simgpu_query(gpu_fds[0], &q);
	if (ret)
		return fail("QUERY: %s", strerror(-ret));
	if (q.tlb_flush_latency_us != flush_us ||
	    q.preempt_latency_us != preempt_us)
		return fail("latencies %u/%u us set, QUERY reports %u/%u us",
			    flush_us, preempt_us, q.tlb_flush_latency_us,
			    q.preempt_latency_us);
	return 0;
}

/* Memory and VMs */

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fail("mmap %zu bytes: %s", size, strerror(errno));
		return NULL;
	}
	return p;
}

/* A new VM on GPU @gpu: its fd, or -1. */
static int vm_open(int gpu, __u32 mode, __u32 flags)
{
	int fd, ret;

	fd = simgpu_reopen(gpu_fds[gpu]);
	if (fd < 0)
		return fail("open a VM on GPU %d: %s", gpu, strerror(-fd));
	ret = simgpu_vm_config(fd, mode, flags);
	if (ret) {
		close(fd);
		return fail("VM_CONFIG mode %u flags %#x on GPU %d: %s", mode,
			    flags, gpu, strerror(-ret));
	}
	return fd;
}

/* A userptr BO of [@cpu, @cpu + @size) bound at @va. */
static int bo_create(int fd, void *cpu, size_t size, __u32 flags, __u64 va,
		     __u32 *handle)
{
	int ret = simgpu_userptr_bound(fd, cpu, size, flags, va, handle);

	if (ret)
		return fail("USERPTR+BIND %p+%zu at %#llx: %s", cpu, size,
			    (unsigned long long)va, strerror(-ret));
	return 0;
}

static int bo_destroy(int fd, __u32 handle, __u64 va)
{
	int ret = simgpu_unbind_close(fd, handle, va);

	if (ret)
		return fail("UNBIND+GEM_CLOSE %#llx: %s",
			    (unsigned long long)va, strerror(-ret));
	return 0;
}

/* Runs @cmd on @engine and waits for it: it must succeed. */
static int run_on(int fd, unsigned int engine, struct drm_simgpu_cmd cmd)
{
	int ret, status = 0;
	__u64 job;

	ret = simgpu_submit(fd, &cmd, 1, engine, 0, 0, &job);
	if (ret)
		return fail("EXEC: %s", strerror(-ret));
	ret = simgpu_wait_job(fd, job, WAIT_NS, &status);
	if (ret)
		return fail("WAIT: %s", strerror(-ret));
	if (status)
		return fail("job status %d (%s)", status, strerror(-status));
	return 0;
}

/* 1: latency */

/* A VM with a busy BO that spin jobs keep using, and the BO measured. */
struct busy_vm {
	int fd;
	void *mem;
	__u64 job[2];
	bool fenced[2];
	int cur;
	double end_us;
	__u32 meas;
};

struct lat_result {
	int scheme, mode, lat, n, op;
	struct stats s;
};

static struct lat_result lat_results[ARRAY_SIZE(schemes) * SIMGPU_NUM_MODES *
				     ARRAY_SIZE(latencies) * MAX_COUNTS * NUM_OPS];
static int num_lat_results;

/* 0 if the job in @slot is done (or none), 1 if it still runs, -1 on error. */
static int job_reap(struct busy_vm *b, int slot, __s64 timeout_ns)
{
	int ret, status = 0;

	if (!b->fenced[slot])
		return 0;
	ret = simgpu_wait_job(b->fd, b->job[slot], timeout_ns, &status);
	if (ret == -ETIME)
		return timeout_ns ? fail("a spin job did not finish") : 1;
	if (ret)
		return fail("WAIT: %s", strerror(-ret));
	b->fenced[slot] = false;
	if (status)
		return fail("a spin job ended with status %d (%s)", status,
			    strerror(-status));
	return 0;
}

static unsigned int spin_us(void)
{
	return gpu_query.max_spin_us < SPIN_US ? gpu_query.max_spin_us : SPIN_US;
}

/* Makes sure a spin job is in flight for at least BUSY_MARGIN_US more. */
static int keep_busy(struct busy_vm *b)
{
	struct drm_simgpu_cmd cmds[2] = {
		simgpu_cmd_store_dword(BUSY_VA, 1),
		simgpu_cmd_spin(spin_us()),
	};
	double now = now_us();
	int ret, next;

	ret = job_reap(b, b->cur, 0);
	if (ret < 0)
		return ret;
	if (ret == 1 && b->end_us - now > BUSY_MARGIN_US)
		return 0;

	/* Queue the next job behind the current one. */
	next = !b->cur;
	if (job_reap(b, next, WAIT_NS))
		return -1;
	ret = simgpu_submit(b->fd, cmds, ARRAY_SIZE(cmds), 0, 0, 0,
			    &b->job[next]);
	if (ret)
		return fail("EXEC spin job: %s", strerror(-ret));
	b->fenced[next] = true;
	b->cur = next;
	b->end_us = (b->end_us > now ? b->end_us : now) + spin_us();
	ret = job_reap(b, next, 0);
	if (ret < 0)
		return ret;
	return ret == 1 ? 0 : fail("a spin job is not in flight");
}

static int busy_setup(struct busy_vm *b, int gpu, __u32 mode, __u32 flags)
{
	size_t size = BO_PAGES * page_size;
	__u32 handle;

	memset(b, 0, sizeof(*b));
	b->fd = vm_open(gpu, mode, flags);
	if (b->fd < 0)
		return -1;
	b->mem = map_anon(size);
	if (!b->mem)
		return -1;
	memset(b->mem, 0, size);
	if (bo_create(b->fd, b->mem, size, DRM_SIMGPU_USERPTR_POPULATE, BUSY_VA,
		      &handle))
		return -1;
	return keep_busy(b);
}

/* Waits for the spin jobs, then closes the VM. */
static int busy_teardown(struct busy_vm *b)
{
	int ret = 0;

	if (b->fd >= 0) {
		ret = job_reap(b, 0, WAIT_NS) | job_reap(b, 1, WAIT_NS);
		close(b->fd);
	}
	if (b->mem)
		munmap(b->mem, BO_PAGES * page_size);
	return ret;
}

/*
 * A job on engine 1 in every preempt-mode VM, so that the measurement does
 * not start while a VM is still preempted by the previous one.
 */
static int wait_resumed(struct busy_vm *vms, int n)
{
	int i;

	if (gpu_query.num_engines < 2) {
		usleep(20000);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (run_on(vms[i].fd, 1, simgpu_cmd_store_dword(BUSY_VA + 64, i)))
			return -1;
	}
	return 0;
}

/* One measurement of @op over memory that the n VMs map, idle. */
static int latency_rep(struct busy_vm *vms, int n, int mode, int op,
		       double *us)
{
	size_t size = BO_PAGES * page_size;
	double t0, t1;
	void *r, *p;
	int i, ret;

	r = map_anon(size);
	if (!r)
		return -1;
	memset(r, 0x5a, size);
	for (i = 0; i < n; i++) {
		if (bo_create(vms[i].fd, r, size, DRM_SIMGPU_USERPTR_POPULATE,
			      MEAS_VA, &vms[i].meas))
			return -1;
	}
	if (mode == MODE_PREEMPT && wait_resumed(vms, n))
		return -1;
	for (i = 0; i < n; i++) {
		if (keep_busy(&vms[i]))
			return -1;
	}

	t0 = now_us();
	if (op == OP_MUNMAP) {
		ret = munmap(r, size);
	} else {
		p = mmap(r, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		ret = p == MAP_FAILED ? -1 : 0;
	}
	t1 = now_us();
	if (ret)
		return fail("%s: %s", op_names[op], strerror(errno));
	*us = t1 - t0;

	for (i = 0; i < n; i++) {
		if (bo_destroy(vms[i].fd, vms[i].meas, MEAS_VA))
			return -1;
	}
	if (op == OP_MAP_FIXED)
		munmap(r, size);
	return 0;
}

/* One (scheme, mode, GPU count, latencies): both ops, @reps times each. */
static int latency_config(FILE *csv, int scheme, int mode, int lat, int n,
			  int reps, double *samples)
{
	struct busy_vm vms[SIMGPU_LIB_MAX_GPUS];
	struct lat_result *res;
	int i, op, r, ret = 0;

	for (i = 0; i < n; i++) {
		vms[i].fd = -1;
		vms[i].mem = NULL;
	}
	for (i = 0; i < n && !ret; i++)
		ret = busy_setup(&vms[i], i, simgpu_modes[mode].mode,
				 schemes[scheme].flags);

	printf("# %s %s, %d GPU%s, flush %u us, preempt %u us:", schemes[scheme].name,
	       simgpu_modes[mode].name, n, n > 1 ? "s" : "", latencies[lat][0], latencies[lat][1]);
	for (op = 0; op < NUM_OPS && !ret; op++) {
		for (r = 0; r < reps && !ret; r++)
			ret = latency_rep(vms, n, mode, op, &samples[r]);
		if (ret)
			break;
		res = &lat_results[num_lat_results++];
		*res = (struct lat_result) {
			.scheme = scheme, .mode = mode, .lat = lat, .n = n,
			.op = op, .s = stats_of(samples, reps),
		};
		printf(" %s %.1f us", op_names[op], res->s.median);
		csv_row(csv, "%s,%s,%d,%u,%u,%s,%d,%.1f,%.1f,%.1f,%.1f,%.1f",
			schemes[scheme].name, simgpu_modes[mode].name, n,
			latencies[lat][0], latencies[lat][1], op_names[op], reps,
			res->s.median, res->s.p99, res->s.mean, res->s.min,
			res->s.max);
	}
	printf("\n");
	fflush(stdout);

	for (i = 0; i < n; i++)
		ret |= busy_teardown(&vms[i]);
	return ret;
}

static const struct lat_result *lat_find(int scheme, int mode, int lat, int n,
					 int op)
{
	int i;

	for (i = 0; i < num_lat_results; i++) {
		const struct lat_result *r = &lat_results[i];

		if (r->scheme == scheme && r->mode == mode && r->lat == lat &&
		    r->n == n && r->op == op)
			return r;
	}
	return NULL;
}

static void latency_table(int mode, int op, int lat, const int *counts,
			  int num_counts)
{
	const struct lat_result *r, *r1;
	unsigned int s;
	int c;

	printf("\nlatency: mode %s, op %s, TLB flush %u us, preemption %u us\n",
	       simgpu_modes[mode].name, op_names[op], latencies[lat][0],
	       latencies[lat][1]);
	printf("%4s", "gpus");
	for (s = 0; s < ARRAY_SIZE(schemes); s++)
		printf("  %22s", schemes[s].name);
	printf("\n%4s", "");
	for (s = 0; s < ARRAY_SIZE(schemes); s++)
		printf("  %22s", "median us (vs 1 GPU)");
	printf("\n");
	for (c = 0; c < num_counts; c++) {
		printf("%4d", counts[c]);
		for (s = 0; s < ARRAY_SIZE(schemes); s++) {
			r = lat_find(s, mode, lat, counts[c], op);
			r1 = lat_find(s, mode, lat, 1, op);
			if (!r || !r1)
				printf("  %22s", "-");
			else
				printf("  %12.1f (%6.2fx)", r->s.median,
				       r->s.median / r1->s.median);
		}
		printf("\n");
	}
}

/*
 * Two-pass, munmap, default latencies, per mode: the stall with 8 (and 16)
 * GPUs over 1, the 1-GPU stall over what the simulated device takes (a TLB
 * flush, after a preemption in preempt mode), and what each further GPU
 * adds: the helper's and the driver's CPU cost.
 */
static void latency_two_pass_summary(const int *counts, int num_counts)
{
	const struct lat_result *r1, *rn;
	double device;
	unsigned int m;
	int c;

	for (m = 0; m < SIMGPU_NUM_MODES; m++) {
		r1 = lat_find(SCHEME_TWO_PASS, m, LAT_DEFAULT, 1, OP_MUNMAP);
		if (!r1)
			continue;
		device = latencies[LAT_DEFAULT][0] +
			 (m == MODE_PREEMPT ? latencies[LAT_DEFAULT][1] : 0);
		printf("two-pass 1-GPU stall over the device latency, %s: %.2f (%.0f us %s)\n",
		       simgpu_modes[m].name, r1->s.median / device,
		       r1->s.median - device, "above it");
		for (c = 0; c < num_counts; c++) {
			if (counts[c] != 8 && counts[c] != 16)
				continue;
			rn = lat_find(SCHEME_TWO_PASS, m, LAT_DEFAULT, counts[c],
				      OP_MUNMAP);
			if (!rn)
				continue;
			printf("two-pass %d/1 GPU latency ratio, %s: %.2f (%.0f us %s)\n",
			       counts[c], simgpu_modes[m].name,
			       rn->s.median / r1->s.median,
			       (rn->s.median - r1->s.median) / (counts[c] - 1),
			       "per further GPU");
		}
	}
}

static int bench_latency(void)
{
	bool smoke = run_kind == RUN_SMOKE, full = run_kind == RUN_FULL;
	int reps = reps_for(3, 20, 50), counts[MAX_COUNTS], num_counts = 0;
	static const int ratio_order[] = {
		SCHEME_SINGLE_PASS, SCHEME_LEGACY, SCHEME_TWO_PASS,
	};
	const struct lat_result *r1, *rn;
	unsigned int lat, s, m, c;
	double *samples;
	int op, nmax, ret = 0;
	FILE *csv;

	for (c = 0; c < MAX_COUNTS; c++) {
		if (gpu_counts[c] <= (unsigned int)num_gpus &&
		    (!smoke || gpu_counts[c] <= 2))
			counts[num_counts++] = gpu_counts[c];
	}
	samples = calloc(reps, sizeof(*samples));
	if (!samples)
		return fail("out of memory");
	csv = csv_open("latency",
		       "scheme,mode,gpus,flush_us,preempt_us,op,reps,median_us,p99_us,mean_us,min_us,max_us");
	if (!csv) {
		free(samples);
		return -1;
	}
	printf("# latency: %d reps, spin jobs of %u us in every VM\n", reps,
	       spin_us());

	for (lat = 0; lat < ARRAY_SIZE(latencies) && !ret; lat++) {
		if (!full && lat != LAT_DEFAULT)
			continue;
		ret = set_latencies(latencies[lat][0], latencies[lat][1]);
		for (s = 0; s < ARRAY_SIZE(schemes) && !ret; s++) {
			for (m = 0; m < SIMGPU_NUM_MODES && !ret; m++) {
				if (smoke && m == MODE_WAIT_IDLE)
					continue;
				for (c = 0; c < (unsigned int)num_counts && !ret; c++)
					ret = latency_config(csv, s, m, lat,
							     counts[c], reps,
							     samples);
			}
		}
	}
	free(samples);
	ret |= csv_close(csv, "latency");
	if (ret)
		return ret;

	for (lat = 0; lat < ARRAY_SIZE(latencies); lat++) {
		if (!full && lat != LAT_DEFAULT)
			continue;
		for (m = 0; m < SIMGPU_NUM_MODES; m++) {
			if (smoke && m == MODE_WAIT_IDLE)
				continue;
			for (op = 0; op < NUM_OPS; op++)
				latency_table(m, op, lat, counts, num_counts);
		}
	}

	/* The GPU-count ratios, preempt mode, munmap, default latencies. */
	nmax = counts[num_counts - 1];
	for (c = 0; c < (unsigned int)num_counts; c++) {
		if (counts[c] == 8)
			nmax = 8;
	}
	printf("\n");
	latency_two_pass_summary(counts, num_counts);
	for (s = 0; s < ARRAY_SIZE(ratio_order); s++) {
		r1 = lat_find(ratio_order[s], MODE_PREEMPT, LAT_DEFAULT, 1,
			      OP_MUNMAP);
		rn = lat_find(ratio_order[s], MODE_PREEMPT, LAT_DEFAULT, nmax,
			      OP_MUNMAP);
		if (r1 && rn)
			printf("%s %d/1 GPU latency ratio: %.2f\n",
			       schemes[ratio_order[s]].name, nmax,
			       rn->s.median / r1->s.median);
	}
	return 0;
}

/* 2: populate */

/* Anonymous memory, 2 MiB aligned with MADV_HUGEPAGE or with MADV_NOHUGEPAGE, touched. */
/* @size bytes of anonymous memory, 2 MiB-aligned, THP or 4 KiB pages, written. */
static void *map_region(size_t size, bool thp)
{
	size_t extra = HPAGE_SIZE;
	char *p, *a;

	p = map_anon(size + extra);
	if (!p)
		return NULL;
	a = (char *)(((uintptr_t)p + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1));
	if (a > p)
		munmap(p, a - p);
	if (p + extra > a)
		munmap(a + size, p + extra - a);
	if (madvise(a, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		fail("madvise %s: %s", thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
		     strerror(errno));
		munmap(a, size);
		return NULL;
	}
	memset(a, 1, size);
	return a;
}

/* The debugfs pinning baseline, or NULL if there is none. */
static char *pin_path(void)
{
	char *path = NULL;
	glob_t g;

	if (!glob(PIN_GLOB, 0, NULL, &g) && g.gl_pathc)
		path = strdup(g.gl_pathv[0]);
	globfree(&g);
	return path;
}

/* USERPTR with POPULATE, then GEM_CLOSE, timed together. */
static int time_hmm(int fd, void *mem, size_t size, double *ms)
{
	double t0 = now_us();
	__u32 handle;
	int ret;

	ret = simgpu_userptr(fd, mem, size, DRM_SIMGPU_USERPTR_POPULATE,
			     &handle);
	if (ret)
		return fail("USERPTR POPULATE of %zu MiB: %s", size / MIB,
			    strerror(-ret));
	ret = simgpu_gem_close(fd, handle);
	if (ret)
		return fail("GEM_CLOSE: %s", strerror(-ret));
	*ms = (now_us() - t0) / 1e3;
	return 0;
}

/* The pinning baseline: pin, DMA map, unmap and unpin, in one write(). */
static int time_pin(const char *path, void *mem, size_t size, double *ms)
{
	char buf[64];
	double t0;
	ssize_t ret;
	int fd, len;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("%s: %s", path, strerror(errno));
	len = snprintf(buf, sizeof(buf), "0x%lx %zu", (unsigned long)(uintptr_t)mem,
		       size);
	t0 = now_us();
	ret = write(fd, buf, len);
	*ms = (now_us() - t0) / 1e3;
	close(fd);
	if (ret < 0)
		return fail("write \"%s\" to %s: %s", buf, path, strerror(errno));
	if (ret != len && (size_t)ret != size)
		return fail("write \"%s\" to %s returned %zd", buf, path, ret);
	return 0;
}

static int bench_populate(void)
{
	static const char * const kinds[] = { "4k", "thp" };
	static const char * const methods[] = { "hmm", "pin" };
	size_t size_mib = run_kind == RUN_SMOKE ? 16 : 256, size = size_mib * MIB;
	int reps = reps_for(1, 3, 3), fd, k, meth, r, ret = 0;
	double mibps[2][2] = { { 0 } }, *samples;
	struct stats st;
	char *pin;
	void *mem;
	FILE *csv;

	pin = pin_path();
	if (!pin) {
		printf("pin baseline missing: no %s (is debugfs mounted?)\n",
		       PIN_GLOB);
		soft_failures++;
	}
	samples = calloc(reps, sizeof(*samples));
	csv = csv_open("populate", "pages,method,size_mib,reps,median_ms,mib_per_s");
	fd = simgpu_reopen(gpu_fds[0]);
	if (!samples || !csv || fd < 0) {
		ret = fd < 0 ? fail("open a VM on GPU 0: %s", strerror(-fd)) : -1;
		goto out;
	}

	printf("# populate: %zu MiB, %d reps, median\n", size_mib, reps);
	printf("%-5s %-6s %12s %12s\n", "pages", "method", "median_ms", "MiB/s");
	for (k = 0; k < 2 && !ret; k++) {
		mem = map_region(size, k == 1);
		if (!mem) {
			ret = -1;
			break;
		}
		if (k == 1) {
			long kib = simgpu_smaps_kb(mem, "AnonHugePages:");

			printf("# THP: %ld of %zu KiB in huge pages%s\n", kib,
			       size / 1024, kib > 0 ? "" : " (warning: no THP)");
		}
		for (meth = 0; meth < 2 && !ret; meth++) {
			if (meth == 1 && !pin)
				continue;
			for (r = 0; r < reps && !ret; r++)
				ret = meth ? time_pin(pin, mem, size, &samples[r]) :
					     time_hmm(fd, mem, size, &samples[r]);
			if (ret)
				break;
			st = stats_of(samples, reps);
			mibps[k][meth] = size_mib / (st.median / 1e3);
			printf("%-5s %-6s %12.2f %12.1f\n", kinds[k],
			       methods[meth], st.median, mibps[k][meth]);
			csv_row(csv, "%s,%s,%zu,%d,%.3f,%.1f", kinds[k],
				methods[meth], size_mib, reps, st.median,
				mibps[k][meth]);
		}
		munmap(mem, size);
	}
	if (!ret) {
		if (pin)
			printf("populate hmm/pin 4K throughput ratio: %.2f (target >= 0.9)\n",
			       mibps[0][0] / mibps[0][1]);
		else
			puts("populate hmm/pin 4K throughput ratio: n/a (pin baseline missing)");
		printf("populate hmm THP/4K throughput ratio: %.2f (target >= 2)\n",
		       mibps[1][0] / mibps[0][0]);
	}
out:
	if (fd >= 0)
		close(fd);
	if (csv)
		ret |= csv_close(csv, "populate");
	free(samples);
	free(pin);
	return ret;
}

/* 3: scaling */

struct scaling_result {
	int bos;
	double median[2];
	long slab_kib, sunreclaim_kib;
	double create_us_per_bo;
};

/* Times munmap() of a fresh page and mprotect() there and back of a page. */
static int scaling_ops(int reps, double *samples, double median[2])
{
	volatile char *p;
	double t0;
	int r;

	for (r = 0; r < reps; r++) {
		p = map_anon(page_size);
		if (!p)
			return -1;
		*p = 1;
		t0 = now_us();
		if (munmap((void *)p, page_size))
			return fail("munmap: %s", strerror(errno));
		samples[r] = now_us() - t0;
	}
	median[0] = stats_of(samples, reps).median;

	p = map_anon(page_size);
	if (!p)
		return -1;
	for (r = 0; r < reps; r++) {
		*p = r;
		t0 = now_us();
		if (mprotect((void *)p, page_size, PROT_READ) ||
		    mprotect((void *)p, page_size, PROT_READ | PROT_WRITE))
			return fail("mprotect: %s", strerror(errno));
		samples[r] = now_us() - t0;
	}
	munmap((void *)p, page_size);
	median[1] = stats_of(samples, reps).median;
	return 0;
}

static int scaling_one(int bos, int reps, double *samples,
		       struct scaling_result *res)
{
	long slab0, sunr0;
	char *arena;
	__u32 handle;
	double t0;
	int fd, i, ret;

	res->bos = bos;
	fd = vm_open(0, DRM_SIMGPU_MODE_DEFAULT, 0);
	if (fd < 0)
		return -1;
	arena = mmap(NULL, (bos ? bos : 1) * page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED) {
		close(fd);
		return fail("mmap arena of %d pages: %s", bos, strerror(errno));
	}

	slab0 = simgpu_meminfo_kb("Slab:");
	sunr0 = simgpu_meminfo_kb("SUnreclaim:");
	t0 = now_us();
	for (i = 0; i < bos; i++) {
		ret = simgpu_userptr(fd, arena + i * page_size, page_size, 0,
				     &handle);
		if (ret) {
			close(fd);
			return fail("USERPTR %d of %d: %s", i, bos,
				    strerror(-ret));
		}
	}
	res->create_us_per_bo = bos ? (now_us() - t0) / bos : 0;
	res->slab_kib = simgpu_meminfo_kb("Slab:") - slab0;
	res->sunreclaim_kib = simgpu_meminfo_kb("SUnreclaim:") - sunr0;

	ret = scaling_ops(reps, samples, res->median);
	close(fd);
	munmap(arena, (bos ? bos : 1) * page_size);
	return ret;
}

static int bench_scaling(void)
{
	/*
	 * With 0 BOs the mm has no notifier at all, and munmap skips the
	 * notifier path; 1 BO shows the cost of that path itself, so the
	 * ratio to 1 BO is the one that measures how it scales with BOs.
	 */
	static const int all_bos[] = { 0, 1, 1000, 10000, 100000 };
	static const char * const ops[] = { "munmap", "mprotect" };
	struct scaling_result res[ARRAY_SIZE(all_bos)];
	int reps = reps_for(20, 200, 200), n = 0, i, op, ret = 0;
	FILE *csv, *mcsv;
	double *samples;

	n = run_kind == RUN_SMOKE ? 3 : run_kind == RUN_FULL ? 5 : 4;
	samples = calloc(reps, sizeof(*samples));
	csv = csv_open("scaling", "bos,op,reps,median_us,ratio_vs_0");
	mcsv = csv_open("scaling-memory",
			"bos,slab_delta_kib,bytes_per_userptr,create_us_per_bo");
	if (!samples || !csv || !mcsv) {
		ret = -1;
		goto out;
	}

	printf("# scaling: munmap and mprotect of memory no BO covers, %d reps, median us\n",
	       reps);
	printf("%7s %18s %18s %10s %10s %10s %10s\n", "bos", "munmap (vs 0)",
	       "mprotect (vs 0)", "create_us", "slab_kib", "sunrec_kib",
	       "bytes/bo");
	for (i = 0; i < n && !ret; i++) {
		struct scaling_result *r = &res[i];
		double bytes;

		ret = scaling_one(all_bos[i], reps, samples, r);
		if (ret)
			break;
		bytes = r->bos ? r->slab_kib * 1024.0 / r->bos : 0;
		printf("%7d %10.1f (%5.2f) %10.1f (%5.2f) %10.1f %10ld %10ld %10.0f\n",
		       r->bos, r->median[0], r->median[0] / res[0].median[0],
		       r->median[1], r->median[1] / res[0].median[1],
		       r->create_us_per_bo, r->slab_kib, r->sunreclaim_kib, bytes);
		fflush(stdout);
		for (op = 0; op < 2; op++)
			csv_row(csv, "%d,%s,%d,%.2f,%.3f", r->bos, ops[op], reps,
				r->median[op], r->median[op] / res[0].median[op]);
		if (r->bos)
			csv_row(mcsv, "%d,%ld,%.0f,%.2f", r->bos, r->slab_kib,
				bytes, r->create_us_per_bo);
	}
	if (!ret) {
		struct scaling_result *last = &res[n - 1];

		for (op = 0; op < 2; op++) {
			printf("scaling: %s ratio %d/0 BOs: %.2f (target <= 1.2 at 100000)\n",
			       ops[op], last->bos,
			       last->median[op] / res[0].median[op]);
			printf("scaling: %s ratio %d/1 BOs: %.2f\n", ops[op],
			       last->bos, last->median[op] / res[1].median[op]);
		}
		printf("scaling: %.0f bytes of slab per userptr (%d BOs; SUnreclaim %.0f)\n",
		       last->slab_kib * 1024.0 / last->bos, last->bos,
		       last->sunreclaim_kib * 1024.0 / last->bos);
	}
out:
	if (csv)
		ret |= csv_close(csv, "scaling");
	if (mcsv)
		ret |= csv_close(mcsv, "scaling-memory");
	free(samples);
	return ret;
}

/* 4: revalidate */

static int revalidate_mode(int m, int reps, double *total, double *inval)
{
	size_t size = BO_PAGES * page_size;
	volatile __u32 *dw;
	int fd, r, ret, status = 0;
	__u32 handle, value;
	struct drm_simgpu_cmd cmd;
	__u64 job;
	double t0, tm, t1;

	fd = vm_open(0, simgpu_modes[m].mode, 0);
	if (fd < 0)
		return -1;
	dw = map_anon(size);
	if (!dw) {
		close(fd);
		return -1;
	}
	memset((void *)dw, 0, size);
	ret = bo_create(fd, (void *)dw, size, DRM_SIMGPU_USERPTR_POPULATE,
			MEAS_VA, &handle);
	if (!ret)
		ret = run_on(fd, 0, simgpu_cmd_store_dword(MEAS_VA, 1));

	for (r = 0; r < reps && !ret; r++) {
		value = 0xb0000000u + r;
		cmd = simgpu_cmd_store_dword(MEAS_VA, value);
		t0 = now_us();
		if (madvise((void *)dw, size, MADV_DONTNEED)) {
			ret = fail("madvise DONTNEED: %s", strerror(errno));
			break;
		}
		tm = now_us();
		ret = simgpu_submit(fd, &cmd, 1, 0, 0, 0, &job);
		if (!ret)
			ret = simgpu_wait_job(fd, job, WAIT_NS, &status);
		t1 = now_us();
		if (ret)
			ret = fail("%s: EXEC or WAIT: %s", simgpu_modes[m].name,
				   strerror(-ret));
		else if (status)
			ret = fail("%s: job status %d (%s)", simgpu_modes[m].name,
				   status, strerror(-status));
		else if (dw[0] != value)
			ret = fail("%s: the job wrote %#x, not %#x",
				   simgpu_modes[m].name, dw[0], value);
		total[r] = t1 - t0;
		inval[r] = tm - t0;
	}
	close(fd);
	munmap((void *)dw, size);
	return ret;
}

static int bench_revalidate(void)
{
	int reps = reps_for(3, 20, 20), m, ret = 0;
	double *total, *inval;
	struct stats st, si;
	FILE *csv;

	total = calloc(reps, sizeof(*total));
	inval = calloc(reps, sizeof(*inval));
	csv = csv_open("revalidate", "mode,reps,median_us,p99_us,invalidate_median_us");
	if (!total || !inval || !csv) {
		ret = -1;
		goto out;
	}
	printf("# revalidate: MADV_DONTNEED, then a STORE_DWORD job; %d reps\n",
	       reps);
	printf("%-10s %12s %12s %22s\n", "mode", "median_us", "p99_us",
	       "invalidate_median_us");
	for (m = 0; m < (int)SIMGPU_NUM_MODES && !ret; m++) {
		ret = revalidate_mode(m, reps, total, inval);
		if (ret)
			break;
		st = stats_of(total, reps);
		si = stats_of(inval, reps);
		printf("%-10s %12.1f %12.1f %22.1f\n", simgpu_modes[m].name, st.median,
		       st.p99, si.median);
		csv_row(csv, "%s,%d,%.1f,%.1f,%.1f", simgpu_modes[m].name, reps,
			st.median, st.p99, si.median);
	}
out:
	if (csv)
		ret |= csv_close(csv, "revalidate");
	free(total);
	free(inval);
	return ret;
}

/* 5: partial */

/* A STORE_DWORD of @value at MEAS_VA, waited for and checked; its time in @us. */
static int timed_job(int fd, volatile __u32 *dw, __u32 value, double *us)
{
	double t0 = now_us();
	int ret = run_on(fd, 0, simgpu_cmd_store_dword(MEAS_VA, value));

	*us = now_us() - t0;
	if (ret)
		return ret;
	if (dw[0] != value)
		return fail("the job wrote %#x, not %#x", dw[0], value);
	return 0;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/* Collapse the small pages at @p into one THP: copied, the old ones freed. */
static int collapse_chunk(char *p)
{
	int tries = 10, ret;

	if (madvise(p, HPAGE_SIZE, MADV_HUGEPAGE))
		return fail("MADV_HUGEPAGE: %s", strerror(errno));
	/* EAGAIN is transient (a page that could not be isolated). */
	while ((ret = madvise(p, HPAGE_SIZE, MADV_COLLAPSE)) && errno == EAGAIN &&
	       --tries)
		usleep(1000);
	if (ret)
		return fail("MADV_COLLAPSE: %s", strerror(errno));
	return 0;
}

/*
 * Split the THP at @p into small pages, which stay where they are: taking
 * write access from one of its pages splits the PMD. khugepaged is then
 * kept off the chunk, so that nothing collapses it behind the bench.
 */
static int split_chunk(char *p)
{
	if (mprotect(p + 7 * page_size, page_size, PROT_READ) ||
	    mprotect(p + 7 * page_size, page_size, PROT_READ | PROT_WRITE))
		return fail("mprotect: %s", strerror(errno));
	if (madvise(p, HPAGE_SIZE, MADV_NOHUGEPAGE))
		return fail("MADV_NOHUGEPAGE: %s", strerror(errno));
	return 0;
}

static int dontneed_page(char *p)
{
	if (madvise(p + 7 * page_size, page_size, MADV_DONTNEED))
		return fail("madvise DONTNEED: %s", strerror(errno));
	return 0;
}

/*
 * The invalidations of the partial bench, one chunk each time: a page
 * dropped, a chunk of small pages collapsed into a THP, and that THP split
 * again (so the split's reps take the chunks the collapse's reps took).
 */
static const struct partial_event {
	const char *name;
	size_t kib;
	int (*apply)(char *chunk);
} partial_events[] = {
	{ "dontneed", 4, dontneed_page },
	{ "collapse", 2048, collapse_chunk },
	{ "split", 2048, split_chunk },
};

struct partial_result {
	double populate_us, steady_us, after_us[ARRAY_SIZE(partial_events)];
};

/*
 * One userptr of @size_mib MiB in mode @m: its populate, a steady job,
 * and the job after each of the partial_events, each rep on another chunk
 * of its second half (never the page the job writes).
 */
static int partial_one(int m, size_t size_mib, int reps, double *samples,
		       struct partial_result *res)
{
	size_t size = size_mib * MIB, half = size / HPAGE_SIZE / 2, c;
	volatile __u32 *dw;
	__u32 handle, value = 0xc0000000u;
	int fd, r, k, n, ret;

	fd = vm_open(0, simgpu_modes[m].mode, 0);
	if (fd < 0)
		return -1;
	dw = map_region(size, false);
	if (!dw) {
		close(fd);
		return -1;
	}
	/* The first populate, at creation: a job would outlive its timeout. */
	res->populate_us = now_us();
	ret = bo_create(fd, (void *)dw, size, DRM_SIMGPU_USERPTR_POPULATE,
			MEAS_VA, &handle);
	res->populate_us = now_us() - res->populate_us;
	for (r = 0; r < reps && !ret; r++)
		ret = timed_job(fd, dw, value++, &samples[r]);
	if (!ret)
		res->steady_us = stats_of(samples, reps).median;
	for (k = 0; k < (int)ARRAY_SIZE(partial_events) && !ret; k++) {
		/* A chunk collapses, and splits, once: one rep a chunk. */
		n = k && (size_t)reps > half ? (int)half : reps;
		for (r = 0; r < n && !ret; r++) {
			c = half + (size_t)(r + (k ? reps : 0)) % half;
			ret = partial_events[k].apply((char *)dw + c * HPAGE_SIZE);
			if (!ret)
				ret = timed_job(fd, dw, value++, &samples[r]);
		}
		if (!ret)
			res->after_us[k] = stats_of(samples, n).median;
	}
	if (ret)
		fail("partial %s %zu MiB", simgpu_modes[m].name, size_mib);
	close(fd);
	munmap((void *)dw, size);
	return ret;
}

static int bench_partial(void)
{
	static const size_t smoke_mib[] = { 4, 16 }, sizes_mib[] = { 64, 512, 2048 };
	const size_t *mib = run_kind == RUN_SMOKE ? smoke_mib : sizes_mib;
	int nsizes = run_kind == RUN_SMOKE ? ARRAY_SIZE(smoke_mib) :
			ARRAY_SIZE(sizes_mib);
	int reps = reps_for(2, 5, 10), m, s, k, ret = 0;
	struct partial_result res;
	double *samples, worst = 0;
	FILE *csv;

	samples = calloc(reps, sizeof(*samples));
	csv = csv_open("partial",
		       "mode,size_mib,event,inval_kib,reps,populate_us,steady_us,after_us,ratio");
	if (!samples || !csv) {
		ret = -1;
		goto out;
	}
	printf("# partial: the job after an invalidation of part of a userptr, %s; %d reps\n",
	       "against a steady job (medians)", reps);
	printf("%-10s %8s %-9s %9s %12s %12s %12s %8s\n", "mode", "size_mib",
	       "event", "inval_kib", "populate_us", "steady_us", "after_us",
	       "ratio");
	for (m = 0; m < (int)SIMGPU_NUM_MODES && !ret; m++) {
		for (s = 0; s < nsizes && !ret; s++) {
			ret = partial_one(m, mib[s], reps, samples, &res);
			for (k = 0; k < (int)ARRAY_SIZE(partial_events) && !ret; k++) {
				const struct partial_event *ev = &partial_events[k];
				double ratio = res.after_us[k] / res.steady_us;

				if (ratio > worst)
					worst = ratio;
				printf("%-10s %8zu %-9s %9zu %12.1f %12.1f %12.1f %8.2f\n",
				       simgpu_modes[m].name, mib[s], ev->name, ev->kib,
				       res.populate_us, res.steady_us, res.after_us[k],
				       ratio);
				csv_row(csv, "%s,%zu,%s,%zu,%d,%.1f,%.1f,%.1f,%.2f",
					simgpu_modes[m].name, mib[s], ev->name, ev->kib,
					reps, res.populate_us, res.steady_us,
					res.after_us[k], ratio);
			}
		}
	}
	if (!ret)
		printf("partial revalidation, worst job after/steady ratio: %.2f (target <= 2)\n",
		       worst);
out:
	if (csv)
		ret |= csv_close(csv, "partial");
	free(samples);
	return ret;
}

/* 6: stall */

/* Populates a big userptr again and again, on the VM the stalls are taken in. */
struct populater {
	int fd;
	void *mem;
	size_t size;
	int stop;
	int busy;
	int populates;
	int err;
};

static void *populater_fn(void *data)
{
	struct populater *pp = data;
	__u32 handle;
	int ret;

	while (!__atomic_load_n(&pp->stop, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&pp->busy, 1, __ATOMIC_RELEASE);
		ret = simgpu_userptr(pp->fd, pp->mem, pp->size,
				     DRM_SIMGPU_USERPTR_POPULATE, &handle);
		__atomic_store_n(&pp->busy, 0, __ATOMIC_RELEASE);
		if (ret) {
			pp->err = ret;
			break;
		}
		pp->populates++;
		ret = simgpu_gem_close(pp->fd, handle);
		if (ret) {
			pp->err = ret;
			break;
		}
	}
	return NULL;
}

/*
 * @reps stalls of MADV_DONTNEED over a small userptr bound in @fd, each
 * after a job that maps it again; with @pp, only those that began and
 * ended while @pp's populate ran.
 */
static int stall_samples(int fd, volatile __u32 *dw, size_t size, int reps,
			 struct populater *pp, double *samples)
{
	int r = 0, tries = 0, ret = 0;
	bool during;
	double t0;

	while (r < reps && !ret) {
		if (++tries > 100 * reps)
			return fail("stall: too few samples during the populate");
		ret = run_on(fd, 0, simgpu_cmd_store_dword(MEAS_VA, r + 1));
		if (ret)
			break;
		during = !pp || __atomic_load_n(&pp->busy, __ATOMIC_ACQUIRE);
		t0 = now_us();
		if (madvise((void *)dw, size, MADV_DONTNEED))
			return fail("madvise DONTNEED: %s", strerror(errno));
		samples[r] = now_us() - t0;
		if (pp && (!during || !__atomic_load_n(&pp->busy, __ATOMIC_ACQUIRE)))
			continue;
		r++;
	}
	return ret;
}

static int bench_stall(void)
{
	size_t big_mib = run_kind == RUN_SMOKE ? 16 : 1024;
	size_t size = BO_PAGES * page_size, big = big_mib * MIB;
	int reps = reps_for(3, 20, 50), fd, ret;
	struct populater pp = { 0 };
	struct stats idle, busy;
	volatile __u32 *dw;
	double *samples;
	__u32 handle;
	pthread_t thread;
	FILE *csv;

	samples = calloc(reps, sizeof(*samples));
	csv = csv_open("stall",
		       "populate_mib,reps,idle_median_us,busy_median_us,busy_p99_us,ratio");
	dw = map_anon(size);
	pp.mem = map_region(big, false);
	ret = !samples || !csv || !dw || !pp.mem ? -1 : 0;
	/* The flush latency would hide the helper's share of the stall. */
	if (!ret)
		ret = set_latencies(50, 200);
	fd = ret ? -1 : vm_open(0, DRM_SIMGPU_MODE_WAIT_IDLE, 0);
	if (fd < 0) {
		ret = -1;
		goto out;
	}
	memset((void *)dw, 0, size);
	ret = bo_create(fd, (void *)dw, size, DRM_SIMGPU_USERPTR_POPULATE,
			MEAS_VA, &handle);
	if (!ret)
		ret = stall_samples(fd, dw, size, reps, NULL, samples);
	if (ret)
		goto out_close;
	idle = stats_of(samples, reps);

	pp.fd = fd;
	pp.size = big;
	if (pthread_create(&thread, NULL, populater_fn, &pp)) {
		ret = fail("pthread_create");
		goto out_close;
	}
	ret = stall_samples(fd, dw, size, reps, &pp, samples);
	__atomic_store_n(&pp.stop, 1, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	if (!ret && pp.err)
		ret = fail("populate of %zu MiB: %s", big_mib, strerror(-pp.err));
	if (ret)
		goto out_close;
	busy = stats_of(samples, reps);

	printf("# stall: MADV_DONTNEED of a %zu KiB userptr, idle and while a %zu MiB one\n",
	       size / 1024, big_mib);
	printf("# of the same VM populates (%d populates); %d reps\n",
	       pp.populates, reps);
	printf("%12s %12s %12s %8s\n", "idle_us", "busy_us", "busy_p99_us", "ratio");
	printf("%12.1f %12.1f %12.1f %8.2f\n", idle.median, busy.median,
	       busy.p99, busy.median / idle.median);
	csv_row(csv, "%zu,%d,%.1f,%.1f,%.1f,%.2f", big_mib, reps, idle.median,
		busy.median, busy.p99, busy.median / idle.median);
	printf("munmap stall during a populate, over idle: %.2f (target <= 1.5)\n",
	       busy.median / idle.median);
out_close:
	close(fd);
out:
	params_restore();
	if (csv)
		ret |= csv_close(csv, "stall");
	if (dw)
		munmap((void *)dw, size);
	if (pp.mem)
		munmap(pp.mem, big);
	free(samples);
	return ret;
}

/* 7: spin */

/* CPU time the guest spent on all its CPUs, not idle, from /proc/stat. */
static int guest_busy_us(double *us)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return fail("/proc/stat: %s", strerror(errno));
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user,
		   &nice, &sys, &idle, &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n != 8)
		return fail("/proc/stat: no cpu line");
	*us = (double)(user + nice + sys + irq + softirq + steal) * 1e6 /
	      sysconf(_SC_CLK_TCK);
	return 0;
}

/*
 * The guest's CPU time during one job that only spins (10 s; 0.5 s in a
 * smoke run), while nothing else runs: what the simulated engine costs
 * while the device is busy.
 */
static int bench_spin(void)
{
	unsigned int total_us = run_kind == RUN_SMOKE ? 500000 : 10000000;
	unsigned int step = gpu_query.max_spin_us, n, i;
	double cpu0, cpu1, t0, wall_us, cpu_us;
	struct drm_simgpu_cmd *cmds;
	int fd, ret, status = 0;
	FILE *csv;
	__u64 job;

	n = (total_us + step - 1) / step;
	cmds = calloc(n, sizeof(*cmds));
	csv = csv_open("spin", "spin_s,wall_s,cpu_ms,cpu_percent");
	fd = cmds && csv ? vm_open(0, DRM_SIMGPU_MODE_WAIT_IDLE, 0) : -1;
	if (fd < 0) {
		ret = -1;
		goto out;
	}
	for (i = 0; i < n; i++)
		cmds[i] = simgpu_cmd_spin(i + 1 < n ? step : total_us - i * step);
	ret = guest_busy_us(&cpu0);
	t0 = now_us();
	if (!ret) {
		ret = simgpu_submit(fd, cmds, n, 0, 0, 0, &job);
		if (ret)
			ret = fail("EXEC spin job: %s", strerror(-ret));
	}
	if (!ret) {
		ret = simgpu_wait_job(fd, job, total_us * 1000ll + WAIT_NS,
				      &status);
		if (ret || status)
			ret = fail("the spin job: %s",
				   strerror(ret ? -ret : -status));
	}
	wall_us = now_us() - t0;
	if (!ret)
		ret = guest_busy_us(&cpu1);
	if (!ret) {
		cpu_us = cpu1 - cpu0;
		printf("# spin: guest CPU time (all CPUs, /proc/stat) during one SPIN job\n");
		printf("%8s %8s %10s %12s\n", "spin_s", "wall_s", "cpu_ms",
		       "cpu_percent");
		printf("%8.1f %8.2f %10.0f %12.1f\n", total_us / 1e6,
		       wall_us / 1e6, cpu_us / 1000, 100 * cpu_us / wall_us);
		csv_row(csv, "%.1f,%.2f,%.0f,%.1f", total_us / 1e6,
			wall_us / 1e6, cpu_us / 1000, 100 * cpu_us / wall_us);
		printf("guest CPU time during a SPIN job: %.1f%% of one CPU\n",
		       100 * cpu_us / wall_us);
	}
	close(fd);
out:
	if (csv)
		ret |= csv_close(csv, "spin");
	free(cmds);
	return ret;
}

/* 8: fork */

struct fork_result {
	double median_us, preemptions, tlb_flushes;
};

/*
 * fork() of this process while its preempt-mode VM holds @n populated
 * userptr BOs of four pages each, read-only if @ro, and runs a spin job:
 * the time fork() takes in the parent, and the preemptions and TLB
 * flushes it costs the GPU per fork. fork() write-protects the parent's
 * private pages for COW, which changes no page a read-only BO maps.
 */
static int fork_one(size_t n, bool ro, int reps, double *samples,
		    struct fork_result *res)
{
	const size_t size = 4 * page_size;
	__u32 flags = DRM_SIMGPU_USERPTR_POPULATE |
		      (ro ? DRM_SIMGPU_USERPTR_READ_ONLY : 0);
	struct drm_simgpu_stats s0, s1;
	char *mem = map_anon(n * size);
	struct drm_simgpu_cmd spin = simgpu_cmd_spin(gpu_query.max_spin_us);
	int fd, r, wstatus, status, ret = 0;
	__u64 job = 0;
	__u32 handle;
	double t0;
	pid_t pid;
	size_t i;

	fd = mem ? vm_open(0, DRM_SIMGPU_MODE_PREEMPT, 0) : -1;
	if (fd < 0) {
		ret = -1;
		goto out;
	}
	memset(mem, 1, n * size);
	for (i = 0; i < n && !ret; i++)
		ret = bo_create(fd, mem + i * size, size, flags,
				MEAS_VA + i * size, &handle);
	if (!ret) {
		ret = simgpu_submit(fd, &spin, 1, 0, 0, 0, &job);
		if (ret)
			ret = fail("EXEC spin job: %s", strerror(-ret));
	}
	if (!ret && simgpu_stats(gpu_fds[0], &s0))
		ret = fail("STATS");
	for (r = 0; r < reps && !ret; r++) {
		t0 = now_us();
		pid = fork();
		if (pid == 0)
			_exit(0);
		samples[r] = now_us() - t0;
		if (pid < 0 || waitpid(pid, &wstatus, 0) != pid)
			ret = fail("fork: %s", strerror(errno));
	}
	if (!ret && simgpu_stats(gpu_fds[0], &s1))
		ret = fail("STATS");
	if (job && simgpu_wait_job(fd, job, WAIT_NS, &status))
		ret = fail("the spin job did not end");
	if (!ret) {
		res->median_us = stats_of(samples, reps).median;
		res->preemptions = (double)(s1.preemptions - s0.preemptions) / reps;
		res->tlb_flushes = (double)(s1.tlb_flushes - s0.tlb_flushes) / reps;
	}
	close(fd);
out:
	if (mem)
		munmap(mem, n * size);
	return ret;
}

static int bench_fork(void)
{
	static const size_t smoke_n[] = { 1, 16 }, counts[] = { 1, 64, 1024 };
	const size_t *ns = run_kind == RUN_SMOKE ? smoke_n : counts;
	int nn = run_kind == RUN_SMOKE ? ARRAY_SIZE(smoke_n) : ARRAY_SIZE(counts);
	int reps = reps_for(2, 5, 10), i, ro, ret = 0;
	double *samples = calloc(reps, sizeof(*samples)), ro_cost = 0;
	struct fork_result res;
	FILE *csv = csv_open("fork",
			     "userptrs,access,reps,fork_median_us,preemptions_per_fork,tlb_flushes_per_fork");

	if (!samples || !csv) {
		ret = -1;
		goto out;
	}
	printf("# fork: fork() with N userptr BOs bound in a preempt VM running a job; %d reps\n",
	       reps);
	printf("%8s %-10s %14s %12s %12s\n", "userptrs", "access",
	       "fork_us", "preemptions", "tlb_flushes");
	for (i = 0; i < nn && !ret; i++) {
		for (ro = 1; ro >= 0 && !ret; ro--) {
			ret = fork_one(ns[i], ro, reps, samples, &res);
			if (ret)
				break;
			if (ro)
				ro_cost += res.preemptions + res.tlb_flushes;
			printf("%8zu %-10s %14.1f %12.2f %12.2f\n", ns[i],
			       ro ? "read-only" : "writable", res.median_us,
			       res.preemptions, res.tlb_flushes);
			csv_row(csv, "%zu,%s,%d,%.1f,%.2f,%.2f", ns[i],
				ro ? "read-only" : "writable", reps,
				res.median_us, res.preemptions, res.tlb_flushes);
		}
	}
	if (!ret)
		printf("fork, read-only: preemptions and TLB flushes per fork %.2f (target 0)\n",
		       ro_cost);
out:
	if (csv)
		ret |= csv_close(csv, "fork");
	free(samples);
	return ret;
}

/* Main */

static const struct {
	const char *name;
	int (*fn)(void);
} benches[] = {
	{ "latency", bench_latency },
	{ "populate", bench_populate },
	{ "scaling", bench_scaling },
	{ "revalidate", bench_revalidate },
	{ "partial", bench_partial },
	{ "stall", bench_stall },
	{ "spin", bench_spin },
	{ "fork", bench_fork },
};

static void show_help(FILE *f)
{
	fprintf(f,
		"usage: simgpu_bench [--smoke|--full] [--reps N] [--out DIR] [BENCH...]\n"
		"  BENCH: latency, populate, scaling, revalidate, partial, stall, spin, fork (default: all)\n"
		"  --smoke    a short run (fewer GPUs, schemes, modes, sizes, reps)\n"
		"  --full     also TLB flush/preemption latencies 1000/5000, 2500/10000,\n"
		"             10000/40000 us (default 5000/20000), 100000 BOs and 50 latency reps\n"
		"  --reps N   repetitions of every measurement\n"
		"  --out DIR  directory of the CSV files <bench>.csv (default .)\n");
}

/* Stale accesses since @before, on every GPU. */
static int check_stale(const struct drm_simgpu_stats *before)
{
	struct drm_simgpu_stats s;
	int i, ret = 0;

	for (i = 0; i < num_gpus; i++) {
		if (simgpu_stats(gpu_fds[i], &s))
			return fail("STATS of GPU %d failed", i);
		if (s.stale_translations != before[i].stale_translations ||
		    s.stale_pages != before[i].stale_pages ||
		    s.stale_dma != before[i].stale_dma)
			ret = fail("GPU %d: stale GPU accesses during the run", i);
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "full", no_argument, NULL, 'f' },
		{ "reps", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct drm_simgpu_stats before[SIMGPU_LIB_MAX_GPUS];
	bool selected[ARRAY_SIZE(benches)] = { false }, any = false;
	unsigned int b;
	int c, i, n, ret = 0;
	char *end;
	long v;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'f':
			if (run_kind != RUN_DEFAULT) {
				fprintf(stderr, "simgpu_bench: --smoke or --full, not both\n");
				return 2;
			}
			run_kind = c == 's' ? RUN_SMOKE : RUN_FULL;
			break;
		case 'r':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > MAX_REPS) {
				fprintf(stderr, "simgpu_bench: --reps: 1 to %d\n", MAX_REPS);
				return 2;
			}
			opt_reps = v;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 'h':
			show_help(stdout);
			return 0;
		default:
			show_help(stderr);
			return 2;
		}
	}
	for (i = optind; i < argc; i++) {
		for (b = 0; b < ARRAY_SIZE(benches); b++)
			if (!strcmp(argv[i], benches[b].name))
				break;
		if (b == ARRAY_SIZE(benches)) {
			fprintf(stderr, "simgpu_bench: unknown bench '%s'\n", argv[i]);
			show_help(stderr);
			return 2;
		}
		selected[b] = true;
		any = true;
	}

	page_size = sysconf(_SC_PAGESIZE);
	printf("# timings under TCG emulation on the %s kernel: %s\n",
	       access("/sys/kernel/debug/kmemleak", F_OK) ? "benchmark" :
	       "debug (KASAN, lockdep, kmemleak)",
	       "compare ratios taken in one run, not absolute numbers");
	fflush(stdout);

	n = simgpu_open_all(gpu_fds, SIMGPU_LIB_MAX_GPUS);
	if (n <= 0) {
		fail("no simgpu device found%s%s", n ? ": " : "",
		     n ? strerror(-n) : "");
		return 1;
	}
	ret = simgpu_query(gpu_fds[0], &gpu_query);
	if (ret) {
		fail("QUERY: %s", strerror(-ret));
		return 1;
	}
	num_gpus = n;
	if ((__u32)n != gpu_query.num_gpus)
		printf("# warning: found %d GPUs, QUERY num_gpus says %u\n", n,
		       gpu_query.num_gpus);
	if ((__u32)num_gpus > gpu_query.num_gpus)
		num_gpus = gpu_query.num_gpus;
	printf("# %d GPUs, %u engines each, two-pass notifiers: %s, run: %s\n",
	       num_gpus, gpu_query.num_engines,
	       gpu_query.flags & DRM_SIMGPU_QUERY_TWO_PASS ? "yes" : "no",
	       run_kind == RUN_SMOKE ? "smoke" : run_kind == RUN_FULL ? "full" : "default");
	for (i = 0; i < num_gpus; i++) {
		ret = simgpu_stats(gpu_fds[i], &before[i]);
		if (ret) {
			fail("STATS of GPU %d: %s", i, strerror(-ret));
			return 1;
		}
	}
	if (mkdir_p(out_dir))
		return 1;
	atexit(params_restore);

	for (b = 0; b < ARRAY_SIZE(benches) && !ret; b++) {
		if (any && !selected[b])
			continue;
		printf("\n# bench %s\n", benches[b].name);
		fflush(stdout);
		ret = benches[b].fn();
		fflush(stdout);
		if (ret)
			fail("bench %s failed", benches[b].name);
	}
	params_restore();
	if (check_stale(before))
		ret = -1;
	if (!ret && soft_failures)
		fail("pin baseline missing");
	return ret || soft_failures ? 1 : 0;
}
