// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: counting and logging calls. Every call goes into its
 * thread's log (the last CALL_LOG calls, in the shared mapping, so that the
 * supervisor can print them when the thread's process dies or hangs) and
 * into the counters: per call and variant (which ioctl x flag combinations
 * were reached), and per errno.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "simgpu_fuzz.h"

/*
 * What the uapi documents (simgpu_drm.h, and the DRM core for the PRIME
 * and syncobj ioctls), plus what any ioctl can return on a closed or
 * reused fd number (-EBADF, -ENOTTY) or a signal (-EINTR).
 */
static const struct {
	int err;
	const char *name;
} allowed_errnos[] = {
	{ EINVAL, "EINVAL" }, { ENOENT, "ENOENT" }, { EFAULT, "EFAULT" },
	{ EEXIST, "EEXIST" }, { EBUSY, "EBUSY" }, { EAGAIN, "EAGAIN" },
	{ ETIME, "ETIME" }, { EPERM, "EPERM" }, { EACCES, "EACCES" },
	{ ENOTTY, "ENOTTY" }, { ENOMEM, "ENOMEM" }, { E2BIG, "E2BIG" },
	{ EINTR, "EINTR" }, { ENOSPC, "ENOSPC" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ESRCH, "ESRCH" }, { EBADF, "EBADF" }, { ETIMEDOUT, "ETIMEDOUT" },
};

static bool errno_allowed(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(allowed_errnos); i++)
		if (allowed_errnos[i].err == err)
			return true;
	return false;
}

__u64 fuzz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void add(__u64 *counter, __u64 n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static void print_rec(const struct fuzz_call_rec *r, const char *prefix)
{
	const struct fuzz_call *c = &fuzz_calls[r->call];
	const char *variant = r->variant < MAX_VARIANTS ?
			      c->variants[r->variant] : NULL;

	printf("# %s #%llu %s%s%s fd %d (%#llx, %#llx, %#llx) = %s\n", prefix,
	       (unsigned long long)r->seq, c->name, variant ? " " : "",
	       variant ? variant : "", r->fd, (unsigned long long)r->a[0],
	       (unsigned long long)r->a[1], (unsigned long long)r->a[2],
	       r->err ? strerror(r->err) : "0");
}

/* A new call: its record starts empty. */
void fuzz_start(struct fuzz_thread *t, unsigned int call)
{
	memset(&t->rec, 0, sizeof(t->rec));
	t->call = call;
	t->variant = 0;
	t->rec.call = call;
	t->rec.fd = -1;
}

/* The call's main arguments, for its record. */
void fuzz_note(struct fuzz_thread *t, __u64 a0, __u64 a1, __u64 a2)
{
	t->rec.a[0] = a0;
	t->rec.a[1] = a1;
	t->rec.a[2] = a2;
}

/* The call's system call begins: from now on it counts as in a call. */
void fuzz_enter(struct fuzz_thread *t, int fd)
{
	t->rec.seq = t->slot->calls;
	t->rec.variant = t->variant;
	t->rec.fd = fd;
	__atomic_store_n(&t->slot->in_call_since, fuzz_now_ns(),
			 __ATOMIC_RELAXED);
}

/*
 * Ends the call entered by fuzz_enter(): @ret is 0 or a negative errno.
 * Returns @ret. An ioctl's errno that the uapi does not document, or a
 * positive return, is a failure of the run, reported with the thread's log.
 */
int fuzz_end(struct fuzz_thread *t, int ret)
{
	struct fuzz_thread_slot *slot = t->slot;
	struct fuzz_counters *c = &fuzz_shared->c;
	int err = ret < 0 ? -ret : 0;
	unsigned int v = t->variant < MAX_VARIANTS ? t->variant : 0;

	__atomic_store_n(&slot->in_call_since, 0, __ATOMIC_RELAXED);
	t->rec.err = ret > 0 ? -1 : err;
	slot->log[slot->calls % CALL_LOG] = t->rec;
	__atomic_store_n(&slot->calls, slot->calls + 1, __ATOMIC_RELEASE);

	add(&c->calls[t->call][v], 1);
	if (!ret)
		add(&c->ok[t->call][v], 1);
	add(&c->errnos[t->call][err <= MAX_ERRNO ? err : MAX_ERRNO], 1);
	if (fuzz_calls[t->call].ioctl)
		add(&c->ioctls, 1);
	if (t->verbose)
		print_rec(&t->rec, "call");
	if (fuzz_calls[t->call].ioctl && (ret > 0 || (err && !errno_allowed(err))))
		fuzz_report(t, ret);
	return ret;
}

/*
 * A failure of the run in the thread's current call: counted, kept for
 * the summary, and printed with the thread's last calls.
 */
void fuzz_report(struct fuzz_thread *t, int ret)
{
	struct fuzz_thread_slot *slot = t->slot;
	unsigned int n;

	add(&fuzz_shared->c.unexpected, 1);
	n = __atomic_fetch_add(&fuzz_shared->num_reports, 1, __ATOMIC_RELAXED);
	if (n >= ARRAY_SIZE(fuzz_shared->reports))
		return;
	snprintf(fuzz_shared->reports[n], sizeof(fuzz_shared->reports[n]),
		 "pid %d: %s returned %d (%s), seed %#llx call #%llu",
		 slot->pid, fuzz_calls[t->call].name, ret,
		 strerror(ret < 0 ? -ret : 0), (unsigned long long)slot->seed,
		 (unsigned long long)t->rec.seq);
	fuzz_print_log(slot, "unexpected");
}

/*
 * One ioctl on the thread's argument buffer, counted and logged. Called
 * with the process's lock held, which is dropped around the call so that
 * the process's threads race. ioctl() rather than drmIoctl(), which would
 * repeat the call on -EINTR and -EAGAIN instead of reporting them.
 */
int fuzz_ioctl(struct fuzz_thread *t, int fd, unsigned long request)
{
	int ret;

	if (!t->rec.a[0])
		t->rec.a[0] = request;
	fuzz_enter(t, fd);
	pthread_mutex_unlock(&t->proc->lock);
	ret = ioctl(fd, request, &t->arg);
	ret = ret < 0 ? -errno : ret;
	pthread_mutex_lock(&t->proc->lock);
	return fuzz_end(t, ret);
}

/* A thread's last calls, oldest first. */
void fuzz_print_log(const struct fuzz_thread_slot *slot, const char *who)
{
	__u64 calls = __atomic_load_n(&slot->calls, __ATOMIC_ACQUIRE);
	__u64 first = calls > CALL_LOG ? calls - CALL_LOG : 0;
	__u64 since = slot->in_call_since;

	printf("# %s: pid %d tid %d, seed %#llx (replay: --replay %#llx), %llu calls\n",
	       who, slot->pid, slot->tid, (unsigned long long)slot->seed,
	       (unsigned long long)slot->seed, (unsigned long long)calls);
	for (; first < calls; first++)
		print_rec(&slot->log[first % CALL_LOG], who);
	if (since)
		printf("# %s: in call #%llu for %.1f s\n", who,
		       (unsigned long long)calls,
		       (fuzz_now_ns() - (double)since) / 1e9);
}

static const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

/* The counters: per call and variant, errno histogram, rate. */
void fuzz_print_counts(double seconds)
{
	const struct fuzz_counters *c = &fuzz_shared->c;
	unsigned int i, v, reached = 0, combos = 0;
	__u64 calls, ok, errs[MAX_ERRNO + 1] = { 0 };
	int err;

	for (i = 0; i < fuzz_num_calls; i++) {
		calls = 0;
		ok = 0;
		for (v = 0; v < MAX_VARIANTS; v++) {
			calls += c->calls[i][v];
			ok += c->ok[i][v];
		}
		printf("# %-16s %10llu calls %10llu ok\n", fuzz_calls[i].name,
		       (unsigned long long)calls, (unsigned long long)ok);
		printf("#   errnos:");
		for (err = 1; err <= MAX_ERRNO; err++) {
			errs[err] += c->errnos[i][err];
			if (c->errnos[i][err])
				printf(" %s %llu", errno_name(err),
				       (unsigned long long)c->errnos[i][err]);
		}
		errs[0] += c->errnos[i][0];
		printf("\n");
		for (v = 0; v < MAX_VARIANTS && fuzz_calls[i].variants[v]; v++) {
			combos++;
			reached += c->calls[i][v] != 0;
			printf("#   %-14s %10llu calls %10llu ok\n",
			       fuzz_calls[i].variants[v],
			       (unsigned long long)c->calls[i][v],
			       (unsigned long long)c->ok[i][v]);
		}
	}
	printf("# coverage: %u of %u call x flag combinations reached\n",
	       reached, combos);
	printf("# errno histogram (all calls):\n");
	for (err = 0; err <= MAX_ERRNO; err++)
		if (errs[err])
			printf("#   %-12s %llu\n", err ? errno_name(err) : "success",
			       (unsigned long long)errs[err]);
	printf("# %llu ioctls in %.0f s: %.0f ioctls/s\n",
	       (unsigned long long)c->ioctls, seconds,
	       seconds > 0 ? c->ioctls / seconds : 0.0);
	printf("# %llu forks, %llu worker restarts, %llu fds passed\n",
	       (unsigned long long)c->forks, (unsigned long long)c->respawns,
	       (unsigned long long)c->fds_passed);
}
