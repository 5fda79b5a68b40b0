// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * simgpu_fuzz: a multi-process ioctl fuzzer for simgpu, in the manner of
 * syzkaller, as TAP 13.
 *
 * Usage: simgpu_fuzz [--seed N] [--duration SEC] [--workers N]
 *                    [--threads N] [--hang-timeout SEC] [--user UID]
 *                    [--replay SEED [--calls N]] [--verbose]
 *
 * The supervisor (this file) opens every GPU, then forks worker processes
 * and a canary. Each worker runs several threads that make random calls on
 * the VM files, BOs, syncobjs and fds its process holds, and on the memory
 * the BOs are made of (simgpu_fuzz_calls.c, _objects.c, _mm.c): simgpu
 * and DRM core ioctls with random and boundary values, PRIME and syncobj
 * export and import, fences across VMs and GPUs, VM_CONFIG at any time,
 * fd passing between processes, fork(), close(), munmap(), mprotect(),
 * madvise(), mremap() racing the ioctls. Workers end after a random time,
 * some in the middle of their calls and some killed, and are started
 * again. The canary (simgpu_fuzz_canary.c) checks that no process reaches
 * another's memory. Workers run as an unprivileged user (--user, nobody
 * by default when started as root).
 *
 * The run fails if an ioctl returns an errno the uapi does not document,
 * a worker dies of a signal, a call does not return within the hang
 * timeout, the canary's memory changes, or any GPU counted a stale
 * access. The kernel log is checked by the harness that runs this.
 *
 * A fixed seed by default. Every thread's seed is derived from it and
 * printed with the thread's last calls on any failure; --replay SEED runs
 * that one thread's calls alone, in one process (the results of calls that
 * race with the GPU can differ, the calls do not).
 *
 * Copyright © 2026 The drm_userptr authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simgpu_fuzz.h"

#define DEFAULT_SEED		0x5eed5eedull
#define DEFAULT_DURATION	60
#define DEFAULT_WORKERS		3
#define DEFAULT_THREADS		3
/* Longer than the job timeout (30 s) plus the longest WAIT. */
#define DEFAULT_HANG_TIMEOUT	150
/* A worker lives 2 to 20 s before it exits, or is killed, and restarts. */
#define WORKER_MIN_LIFE_MS	2000
#define WORKER_MAX_LIFE_MS	20000
#define TICK_MS			100
#define INITIAL_VMS		4

struct fuzz_gpu fuzz_gpus[MAX_FUZZ_GPUS];
int fuzz_num_gpus;
size_t fuzz_page_size;
struct fuzz_shared *fuzz_shared;

static struct {
	__u64 seed;
	unsigned int duration, workers, threads, hang_timeout;
	long user;
	bool replay, verbose;
	__u64 replay_calls;
} opt = {
	.seed = DEFAULT_SEED, .duration = DEFAULT_DURATION,
	.workers = DEFAULT_WORKERS, .threads = DEFAULT_THREADS,
	.hang_timeout = DEFAULT_HANG_TIMEOUT, .user = -2,
};

static int mailboxes[MAX_WORKERS][2];

/* The seed of one thread of one worker's generation. */
static __u64 thread_seed(unsigned int worker, unsigned int gen,
			 unsigned int thread)
{
	if (opt.replay)
		return opt.seed;
	return simgpu_rng_seed(opt.seed ^ simgpu_rng_seed(((__u64)worker << 40) ^
					    ((__u64)gen << 8) ^ thread));
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };

	nanosleep(&ts, NULL);
}

/* Worker processes */

struct worker_thread {
	pthread_t thread;
	struct fuzz_thread t;
	volatile bool *stop;
};

static void *worker_thread_fn(void *data)
{
	struct worker_thread *w = data;
	struct fuzz_thread *t = &w->t;

	t->slot->tid = gettid();
	pthread_mutex_lock(&t->proc->lock);
	while (!fuzz_shared->stop && !*w->stop &&
	       (!opt.replay_calls || t->slot->calls < opt.replay_calls))
		fuzz_one_call(t, false);
	pthread_mutex_unlock(&t->proc->lock);
	return NULL;
}

static void init_thread(struct fuzz_thread *t, struct fuzz_proc *p,
			unsigned int worker, unsigned int gen,
			unsigned int thread)
{
	struct fuzz_thread_slot *slot = &fuzz_shared->slots[worker][thread];

	memset(t, 0, sizeof(*t));
	memset(slot, 0, sizeof(*slot));
	slot->seed = thread_seed(worker, gen, thread);
	slot->pid = getpid();
	t->proc = p;
	t->slot = slot;
	t->rng = slot->seed;
	t->verbose = opt.verbose;
}

static int drop_privileges(void)
{
	if (opt.user < 0 || getuid() != 0)
		return 0;
	if (setgroups(0, NULL) || setresgid(opt.user, opt.user, opt.user) ||
	    setresuid(opt.user, opt.user, opt.user))
		return -errno;
	/* Dumpable again, so that /proc/self/fd (simgpu_reopen()) is ours. */
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

/*
 * One generation of worker @worker: sets up its memory and first VMs,
 * runs its threads for a random lifetime, then exits, either at once with
 * its threads in their calls and its jobs running, or after closing
 * everything.
 */
static int worker_main(unsigned int worker, unsigned int gen)
{
	static struct worker_thread threads[MAX_THREADS];
	static struct fuzz_proc proc;
	volatile bool stop = false;
	unsigned int i, life_ms;
	struct fuzz_thread *t0 = &threads[0].t;
	int ret;

	ret = drop_privileges();
	if (ret) {
		printf("# worker %u: cannot become user %ld: %s\n", worker,
		       opt.user, strerror(-ret));
		return 2;
	}
	pthread_mutex_init(&proc.lock, NULL);
	proc.worker = worker;
	for (i = 0; i < MAX_VMS; i++)
		fuzz_vm_forget(&proc.vms[i]);
	proc.mailbox_in = mailboxes[worker][0];
	proc.mailbox_out = mailboxes[(worker + 1) % opt.workers][1];

	for (i = 0; i < opt.threads; i++) {
		init_thread(&threads[i].t, &proc, worker, gen, i);
		threads[i].stop = &stop;
	}
	/* The setup draws from thread 0's numbers: a replay repeats it. */
	ret = fuzz_regions_init(t0);
	for (i = 0; !ret && i < INITIAL_VMS; i++)
		ret = fuzz_vm_open(t0, &proc.vms[i], rnd(t0, fuzz_num_gpus));
	if (ret) {
		printf("# worker %u: setup: %s\n", worker, strerror(-ret));
		return 2;
	}
	life_ms = WORKER_MIN_LIFE_MS +
		  rnd(t0, WORKER_MAX_LIFE_MS - WORKER_MIN_LIFE_MS);
	for (i = 0; i < opt.threads; i++) {
		ret = pthread_create(&threads[i].thread, NULL,
				     worker_thread_fn, &threads[i]);
		if (ret)
			return 2;
	}
	while (!fuzz_shared->stop && (opt.replay || life_ms > 0)) {
		sleep_ms(TICK_MS);
		life_ms = life_ms > TICK_MS ? life_ms - TICK_MS : 0;
		if (opt.replay && opt.replay_calls &&
		    t0->slot->calls >= opt.replay_calls)
			break;
	}
	if (!fuzz_shared->stop && one_in(t0, 2))
		_exit(0);
	stop = true;
	for (i = 0; i < opt.threads; i++)
		pthread_join(threads[i].thread, NULL);
	fuzz_close_all(&proc);
	return 0;
}

/* The supervisor */

struct child {
	pid_t pid;
	unsigned int gen;
	bool killed;
};

static struct child workers[MAX_WORKERS], canary;
static unsigned int failures;

static pid_t start_worker(unsigned int worker, unsigned int gen)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(worker_main(worker, gen));
	workers[worker] = (struct child){ pid, gen, false };
	return pid;
}

static pid_t start_canary(void)
{
	int out[MAX_WORKERS];
	unsigned int i;
	pid_t pid;

	for (i = 0; i < opt.workers; i++)
		out[i] = mailboxes[i][1];
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (drop_privileges())
			_exit(2);
		_exit(fuzz_canary_run(out, opt.workers, opt.seed));
	}
	canary.pid = pid;
	return pid;
}

static void print_worker_logs(unsigned int worker)
{
	char who[32];
	unsigned int i;

	for (i = 0; i < THREAD_SLOTS; i++) {
		if (!fuzz_shared->slots[worker][i].calls &&
		    !fuzz_shared->slots[worker][i].in_call_since)
			continue;
		snprintf(who, sizeof(who), "worker %u %s %u", worker,
			 i < MAX_THREADS ? "thread" : "fork child", i);
		fuzz_print_log(&fuzz_shared->slots[worker][i], who);
	}
}

/* A worker ended: a crash fails the run; otherwise it starts again. */
static void worker_exited(unsigned int worker, int status)
{
	struct child *w = &workers[worker];

	if (WIFSIGNALED(status) && !(w->killed && WTERMSIG(status) == SIGKILL)) {
		printf("# worker %u (pid %d) died of signal %d (%s); seed %#llx\n",
		       worker, w->pid, WTERMSIG(status),
		       strsignal(WTERMSIG(status)), (unsigned long long)opt.seed);
		print_worker_logs(worker);
		failures++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
		printf("# worker %u (pid %d) failed with exit status %d\n",
		       worker, w->pid, WEXITSTATUS(status));
		failures++;
	}
	w->pid = 0;
	memset(fuzz_shared->slots[worker], 0, sizeof(fuzz_shared->slots[worker]));
	if (!fuzz_shared->stop && !failures && !opt.replay) {
		__atomic_fetch_add(&fuzz_shared->c.respawns, 1,
				   __ATOMIC_RELAXED);
		start_worker(worker, w->gen + 1);
	}
}

/* A call in progress for longer than the hang timeout, if any. */
static bool find_hang(unsigned int *worker, unsigned int *thread)
{
	__u64 now = fuzz_now_ns(), since;
	unsigned int i, j;

	for (i = 0; i < opt.workers; i++) {
		if (!workers[i].pid)
			continue;
		for (j = 0; j < THREAD_SLOTS; j++) {
			since = __atomic_load_n(&fuzz_shared->slots[i][j].in_call_since,
						__ATOMIC_RELAXED);
			/* @since may be later than @now, read before it. */
			if (since && now > since &&
			    now - since > opt.hang_timeout * 1000000000ull) {
				*worker = i;
				*thread = j;
				return true;
			}
		}
	}
	return false;
}

static void report_hang(unsigned int worker, unsigned int thread)
{
	int fd;

	printf("# hang: worker %u thread %u in one call for more than %u s; seed %#llx\n",
	       worker, thread, opt.hang_timeout, (unsigned long long)opt.seed);
	print_worker_logs(worker);
	/* The kernel stacks of every blocked task, into the kernel log. */
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "w", 1) != 1)
			printf("# cannot write /proc/sysrq-trigger\n");
		close(fd);
	}
	failures++;
}

/* Reaps whatever child ended. */
static void reap(void)
{
	unsigned int i;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == canary.pid) {
			canary.pid = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				printf("# canary ended early, status %#x\n",
				       status);
				failures++;
			}
			continue;
		}
		for (i = 0; i < opt.workers; i++)
			if (workers[i].pid == pid)
				worker_exited(i, status);
	}
}

/* Until the end of the run, or the first failure. */
static void supervise(void)
{
	__u64 deadline = fuzz_now_ns() + opt.duration * 1000000000ull;
	__u64 rng = simgpu_rng_seed(opt.seed ^ 0xcafe);
	unsigned int worker, thread, i;
	bool running;

	while (!failures && fuzz_now_ns() < deadline) {
		sleep_ms(TICK_MS);
		reap();
		if (find_hang(&worker, &thread)) {
			report_hang(worker, thread);
			break;
		}
		if (opt.replay) {
			if (!workers[0].pid)
				break;
			continue;
		}
		/* About once every 10 s, a worker is killed mid-call. */
		rng = simgpu_rng_seed(rng);
		if (rng % 100 == 0) {
			i = (rng >> 32) % opt.workers;
			if (workers[i].pid) {
				workers[i].killed = true;
				kill(workers[i].pid, SIGKILL);
			}
		}
	}
	fuzz_shared->stop = 1;

	/* Every process must end on its own within the hang timeout. */
	deadline = fuzz_now_ns() + opt.hang_timeout * 1000000000ull;
	do {
		reap();
		running = canary.pid;
		for (i = 0; i < opt.workers; i++)
			running |= workers[i].pid;
		if (running)
			sleep_ms(TICK_MS);
	} while (running && fuzz_now_ns() < deadline);
	if (running) {
		if (find_hang(&worker, &thread))
			report_hang(worker, thread);
		else
			printf("# processes still running after the hang timeout\n");
		failures++;
		for (i = 0; i < opt.workers; i++)
			if (workers[i].pid)
				kill(workers[i].pid, SIGKILL);
		if (canary.pid)
			kill(canary.pid, SIGKILL);
	}
}

/* Options and setup */

static int parse_options(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--verbose")) {
			opt.verbose = true;
			continue;
		}
		if (!v)
			return -EINVAL;
		i++;
		if (!strcmp(o, "--seed")) {
			opt.seed = strtoull(v, NULL, 0);
		} else if (!strcmp(o, "--duration")) {
			opt.duration = strtoul(v, NULL, 0);
		} else if (!strcmp(o, "--workers")) {
			opt.workers = strtoul(v, NULL, 0);
		} else if (!strcmp(o, "--threads")) {
			opt.threads = strtoul(v, NULL, 0);
		} else if (!strcmp(o, "--hang-timeout")) {
			opt.hang_timeout = strtoul(v, NULL, 0);
		} else if (!strcmp(o, "--user")) {
			opt.user = strtol(v, NULL, 0);
		} else if (!strcmp(o, "--replay")) {
			opt.replay = true;
			opt.seed = strtoull(v, NULL, 0);
		} else if (!strcmp(o, "--calls")) {
			opt.replay_calls = strtoull(v, NULL, 0);
		} else {
			return -EINVAL;
		}
	}
	if (opt.replay) {
		opt.workers = 1;
		opt.threads = 1;
		opt.verbose = true;
	}
	if (!opt.workers || opt.workers > MAX_WORKERS || !opt.threads ||
	    opt.threads > MAX_THREADS || !opt.hang_timeout)
		return -EINVAL;
	if (opt.user == -2)
		opt.user = getuid() == 0 ? 65534 : -1;
	return 0;
}

static int setup(void)
{
	int fds[SIMGPU_LIB_MAX_GPUS];
	unsigned int i;
	int n, ret;

	n = simgpu_open_all(fds, SIMGPU_LIB_MAX_GPUS);
	if (n <= 0)
		return n ? n : -ENODEV;
	for (i = 0; i < (unsigned int)n; i++) {
		if (i >= MAX_FUZZ_GPUS) {
			close(fds[i]);
			continue;
		}
		fuzz_gpus[i].fd = fds[i];
		ret = simgpu_query(fds[i], &fuzz_gpus[i].q);
		if (ret)
			return ret;
		fuzz_num_gpus++;
	}
	fuzz_shared = mmap(NULL, sizeof(*fuzz_shared), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fuzz_shared == MAP_FAILED)
		return -errno;
	for (i = 0; i < opt.workers; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
			       mailboxes[i]))
			return -errno;
	return 0;
}

/* No GPU may have counted a stale access, whatever the fuzzing did. */
static int check_stale(void)
{
	struct drm_simgpu_stats s;
	int i, ret, failed = 0;

	for (i = 0; i < fuzz_num_gpus; i++) {
		ret = simgpu_stats(fuzz_gpus[i].fd, &s);
		if (ret) {
			printf("# gpu%u: STATS: %s\n", fuzz_gpus[i].q.gpu_index,
			       strerror(-ret));
			failed = 1;
			continue;
		}
		printf("# gpu%u: %llu jobs, %llu errors, %llu timeouts, ",
		       fuzz_gpus[i].q.gpu_index, (unsigned long long)s.jobs,
		       (unsigned long long)s.job_errors,
		       (unsigned long long)s.job_timeouts);
		printf("%llu invalidations, %llu page faults, ",
		       (unsigned long long)s.invalidations,
		       (unsigned long long)s.page_faults);
		printf("%llu stale translations, %llu stale pages, %llu stale DMA\n",
		       (unsigned long long)s.stale_translations,
		       (unsigned long long)s.stale_pages,
		       (unsigned long long)s.stale_dma);
		if (s.stale_translations || s.stale_pages || s.stale_dma)
			failed = 1;
	}
	return failed;
}

int main(int argc, char **argv)
{
	const struct fuzz_counters *c;
	unsigned int i;
	__u64 start;
	double secs;
	int ret, stale, canary_bad;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Orphaned children of fork() calls are reaped here, not by init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	printf("TAP version 13\n");
	if (parse_options(argc, argv)) {
		printf("# usage: %s [--seed N] [--duration SEC] [--workers N]\n",
		       argv[0]);
		printf("#   [--threads N] [--hang-timeout SEC] [--user UID]\n");
		printf("#   [--replay SEED [--calls N]] [--verbose]\n");
		printf("1..0 # SKIP bad arguments\n");
		return 2;
	}
	fuzz_page_size = sysconf(_SC_PAGESIZE);
	printf("# seed %#llx, %u s, %u workers x %u threads, hang timeout %u s, user %ld\n",
	       (unsigned long long)opt.seed, opt.duration, opt.workers,
	       opt.threads, opt.hang_timeout, opt.user);
	printf("1..4\n");
	ret = setup();
	if (ret) {
		printf("not ok 1 fuzz # setup: %s\n", strerror(-ret));
		return 1;
	}
	printf("# %d GPUs\n", fuzz_num_gpus);

	start = fuzz_now_ns();
	if (!opt.replay) {
		start_canary();
		while (!fuzz_shared->canary_ready && canary.pid) {
			sleep_ms(10);
			reap();
		}
	}
	for (i = 0; i < opt.workers; i++)
		start_worker(i, 0);
	supervise();
	secs = (fuzz_now_ns() - start) / 1e9;

	c = &fuzz_shared->c;
	fuzz_print_counts(secs);
	for (i = 0; i < fuzz_shared->num_reports &&
	     i < ARRAY_SIZE(fuzz_shared->reports); i++)
		printf("# unexpected: %s\n", fuzz_shared->reports[i]);
	printf("%sok 1 fuzz: %llu ioctls, seed %#llx, %llu unexpected results\n",
	       c->unexpected ? "not " : "", (unsigned long long)c->ioctls,
	       (unsigned long long)opt.seed, (unsigned long long)c->unexpected);
	printf("%sok 2 fuzz: no process crashed or hung\n",
	       failures ? "not " : "");
	canary_bad = fuzz_shared->canary_bad_bytes != 0;
	if (canary_bad)
		printf("# canary: %llu bytes changed, the first at offset %#llx\n",
		       (unsigned long long)fuzz_shared->canary_bad_bytes,
		       (unsigned long long)fuzz_shared->canary_first_bad);
	printf("# canary: %llu of %llu fills from its children refused with EPERM\n",
	       (unsigned long long)c->canary_refused,
	       (unsigned long long)c->canary_execs);
	printf("%sok 3 fuzz: no process reached another's memory%s\n",
	       canary_bad ? "not " : "",
	       opt.replay ? " # SKIP no canary in a replay" : "");
	stale = check_stale();
	printf("%sok 4 fuzz: no stale access\n", stale ? "not " : "");
	return c->unexpected || failures || canary_bad || stale ? 1 : 0;
}
