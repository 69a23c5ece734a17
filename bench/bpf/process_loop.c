// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of the process group of bench/event-limits.mjs: a task created,
 * exiting and reaped, in a tight loop, pinned to one CPU. Prints the fastest
 * of `repeat` batches in ns per operation.
 *
 *   process_loop clone N REPEAT CPU   clone(2) of a new process (no CLONE_THREAD) sharing the parent's
 *                                     memory, files, fs, signal handlers, SysV undo list and I/O context
 *                                     (CHILD_FLAGS: nothing to copy, so the operation is cheaper and varies
 *                                     less), the child calls exit(2) at once, the parent reaps it with
 *                                     waitpid(2)
 *   process_loop fork N REPEAT CPU    fork() (glibc: clone(2) with a copy of the address space), the child
 *                                     calls _exit(0), the parent waitpid(2)s: the same events, dearer
 *   process_loop clone_bpf N REPEAT CPU
 *                                     the clone operations, but what is timed is the BPF programs' own run
 *                                     time (bpf_run_time.h): the kernel's run-time statistics on for as long as
 *                                     this process runs, the run_time_ns gained over the batch by the tracing
 *                                     programs loaded at both its start and end (iterator programs left out:
 *                                     the plugin's task snapshot runs once a tick, not per event), per
 *                                     operation. Program bodies only: a perf-event tracepoint's record and the
 *                                     syscall tracepoints' cost to every syscall are not in it, and each run
 *                                     carries part of the statistics' own clock reads. Readable to a few ns
 *                                     where the clock is not: see below. With -v, each program's runs per
 *                                     operation and ns per run too.
 *
 * One operation causes every event the process collector hooks in tracepoint
 * mode: sys_enter_clone and sched_process_fork in the parent, sys_exit_clone
 * twice (the parent's return with the child's PID, the child's first return
 * with 0), sched_process_exit in the child, wait4 releasing it
 * (release_task) and, an RCU grace period later, sched_process_free from the
 * RCU callback. clone3, fork and vfork are other syscalls whose hooks the
 * collector also loads; one operation calls only one of them, so the
 * others cost it nothing but their presence. No clone fails, so the
 * collector's error path (return mode) is only the bookkeeping it does on
 * success. `clone` is the workload of the bench: it has the same events as
 * fork at a fraction of the cost (no mm copy), so the ns the hooks add are
 * a larger, more readable share of it.
 *
 * The clock. The hooked events run in three contexts: the parent (fork,
 * its clone exit), the child (its clone exit, its exit) and RCU callbacks
 * (sched_process_free), which run from the RCU softirq on this CPU, in
 * whatever task is current when it runs (mostly the parent or the child:
 * they keep the CPU busy) or in ksoftirqd/CPU when the softirq has run too
 * long. The parent's thread CPU time alone would miss the child's half. So
 * a batch is timed as the sum of
 *   - the parent's CLOCK_THREAD_CPUTIME_ID,
 *   - its children's CPU time (getrusage(RUSAGE_CHILDREN) utime + stime: the
 *     children's sum_exec_runtime, accumulated into the parent when it reaps
 *     them, so every child of the batch is in it, in microseconds),
 *   - ksoftirqd/CPU's sum_exec_runtime (/proc/PID/sched, ns), for the RCU
 *     callbacks that ran there.
 * This kernel has no CONFIG_IRQ_TIME_ACCOUNTING, so softirq work done while
 * the parent or a child runs is charged to it. Wall clock on the pinned CPU
 * would hold the same work but also whatever else the shared machine runs
 * on that CPU (the plugin's own tick, other people's builds), which on 2
 * cores is not rare; CPU time keeps the batches comparable. Still, one
 * operation costs 30-40 us on this VM (page-table virtualization makes
 * every context switch and allocation dear) and its fastest batch moves by
 * a few percent from run to run, while the programs add 2-4 us: the
 * `clone` rows need several rounds, and `clone_bpf` gives the program
 * bodies' part exactly. `-v` (after CPU) prints each batch's parts and its
 * wall time to stderr.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf_run_time.h"
#include "loop.h"

/* A process (SIGCHLD to the parent, no CLONE_THREAD) that shares everything it can instead of copying it. */
#define CHILD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_IO | SIGCHLD)

/* The clone child's stack: it runs only the exit call, on a page of its own. */
#define CHILD_STACK_SIZE (64 * 1024)
static char child_stack[CHILD_STACK_SIZE] __attribute__((aligned(16)));

static double children_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* /proc/<pid>/sched of ksoftirqd/<cpu>, or "" when it cannot be found (then its share is left out). */
static char ksoftirqd_sched[300];

static void find_ksoftirqd(int cpu)
{
	char want[32], path[300], comm[64];
	DIR *proc = opendir("/proc");
	struct dirent *d;

	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	while (proc && (d = readdir(proc))) {
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strcmp(comm, want) == 0)
			snprintf(ksoftirqd_sched, sizeof(ksoftirqd_sched), "/proc/%s/sched", d->d_name);
		fclose(f);
		if (ksoftirqd_sched[0])
			break;
	}
	if (proc)
		closedir(proc);
}

/* ksoftirqd/CPU's sum_exec_runtime in ns (the file gives ms with 6 decimals), 0 if unknown. */
static double ksoftirqd_ns(void)
{
	char line[256];
	double ms = 0;
	FILE *f = ksoftirqd_sched[0] ? fopen(ksoftirqd_sched, "r") : NULL;

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "se.sum_exec_runtime", 19) == 0) {
			ms = atof(strchr(line, ':') + 1);
			break;
		}
	}
	if (f)
		fclose(f);
	return ms * 1e6;
}

static int child_exit(void *arg)
{
	(void)arg;
	return 0; /* glibc's clone calls exit(2) with it */
}

/* One operation; -1 with errno or a message when it did not do what it should. */
static int clone_once(void)
{
	int status;
	pid_t pid = clone(child_exit, child_stack + CHILD_STACK_SIZE, CHILD_FLAGS, NULL);

	if (pid < 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -2;
}

static int fork_once(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -2;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "-v") != 0)) {
		fprintf(stderr, "usage: %s clone|clone_bpf|fork N REPEAT CPU [-v]\n", argv[0]);
		return 64;
	}
	const char *op = argv[1];
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]), verbose = argc == 6, bpf_time = 0;
	int (*once)(void);
	int rc;

	if (strcmp(op, "clone") == 0)
		once = clone_once;
	else if (strcmp(op, "clone_bpf") == 0)
		once = clone_once, bpf_time = 1;
	else if (strcmp(op, "fork") == 0)
		once = fork_once;
	else {
		fprintf(stderr, "unknown op %s (clone, clone_bpf or fork)\n", op);
		return 64;
	}
	loop_start(n, repeat, cpu);
	find_ksoftirqd(cpu);
	if (bpf_time && bpf_run_time_enable() < 0) {
		perror("BPF_ENABLE_STATS (needs root)");
		return 1;
	}
	/* Checked once: the child was created, ran on this CPU's affinity, exited 0 and was reaped. */
	rc = once();
	if (rc != 0) {
		if (rc == -1)
			fprintf(stderr, "%s: %s\n", op, strerror(errno));
		else
			fprintf(stderr, "%s: the child did not exit with 0\n", op);
		return 2;
	}
	double best = 1e300;
	static struct bpf_run_times bpf0, bpf1;

	/*
	 * One untimed batch first. A task is freed an RCU grace period after it is reaped, so each batch pays for
	 * some of the frees of the one before it and leaves some of its own to the next; without a batch before
	 * it, the first timed batch would leave work without taking any and be the "fastest" for that alone.
	 */
	for (long i = 0; i < n; i++)
		once();

	for (long r = 0; r < repeat; r++) {
		if (bpf_time)
			bpf_run_time_snapshot(&bpf0);
		double wall0 = loop_ns(CLOCK_MONOTONIC), self0 = loop_ns(CLOCK_THREAD_CPUTIME_ID);
		double kids0 = children_ns(), soft0 = ksoftirqd_ns();
		double self, kids, soft, per;

		/* Return values are checked above, once: the timed loop holds the operation only. */
		if (once == clone_once)
			for (long i = 0; i < n; i++)
				clone_once();
		else
			for (long i = 0; i < n; i++)
				fork_once();
		self = loop_ns(CLOCK_THREAD_CPUTIME_ID) - self0;
		kids = children_ns() - kids0;
		soft = ksoftirqd_ns() - soft0;
		if (bpf_time)
			bpf_run_time_snapshot(&bpf1);
		per = bpf_time ? bpf_run_time_gained(&bpf0, &bpf1) / n : (self + kids + soft) / n;
		if (verbose && bpf_time) {
			fprintf(stderr, "batch %ld: BPF %.1f ns/op; clock %.1f ns/op\n", r, per, (self + kids + soft) / n);
			bpf_run_time_report(&bpf0, &bpf1, n);
		} else if (verbose)
			fprintf(stderr, "batch %ld: parent %.1f + children %.1f + ksoftirqd %.1f = %.1f ns/op; wall %.1f ns/op\n", r, self / n,
				kids / n, soft / n, per, (loop_ns(CLOCK_MONOTONIC) - wall0) / n);
		if (per < best)
			best = per;
	}
	printf("%.2f\n", best);
	return 0;
}
