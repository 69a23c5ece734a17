// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * What every workload loop of bench/ (bench/bpf/<loop>.c, run by
 * bench/limits.mjs, bench/hook-limits.mjs and bench/shared-sys-exit.mjs as
 * `<loop> OP N REPEAT CPU [ARGS...]`) does the same way: check N and REPEAT,
 * pin the thread to CPU, read a clock in ns. Static functions:
 * `#include "loop.h"` next to the .c file, nothing to link.
 * Used by cachestat_loop.c, call_loop.c, io_loop.c, oomkill_loop.c,
 * process_loop.c, socket_loop.c and syscall_loop.c (which checks neither N
 * nor REPEAT: it pins and reads the clock only).
 */
#ifndef BENCH_LOOP_H
#define BENCH_LOOP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* `clock` now, in ns. */
static inline double loop_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The calling thread pinned to `cpu`; 0, or -1 with errno set. */
static inline int loop_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* N and REPEAT must be positive: otherwise a message and exit status 64 (usage). */
static inline void loop_check_counts(long n, long repeat)
{
	if (n <= 0 || repeat <= 0) {
		fprintf(stderr, "N and REPEAT must be positive\n");
		exit(64);
	}
}

/* loop_check_counts(), then the thread pinned to `cpu` (a message and exit status 1 when it cannot be). */
static inline void loop_start(long n, long repeat, int cpu)
{
	loop_check_counts(n, repeat);
	if (loop_pin(cpu) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

#endif /* BENCH_LOOP_H */
