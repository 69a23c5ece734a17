// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of bench/hook-limits.mjs: one kind of syscall in a tight loop,
 * pinned to one CPU, timed with the thread's CPU clock (the BPF programs run
 * in the syscall's context, so they are in it; time the thread spent
 * preempted by the rest of a busy machine is not). Prints the fastest of
 * `repeat` runs in ns per syscall.
 *
 *   syscall_loop read N REPEAT CPU       read(2) of 1 byte from /dev/zero
 *   syscall_loop openclose N REPEAT CPU  openat(2) + close(2) of /dev/null (ns per syscall: per pair / 2)
 *   syscall_loop getppid N REPEAT CPU    getppid(2), which no collector hooks
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

/*
 * SYSCALL_LOOP_CLOCK=monotonic times with CLOCK_MONOTONIC instead: in the VM
 * lane's emulated guest (bench/vm-hooks.mjs) the thread CPU clock stalls
 * and jumps (an unstable sched_clock; a batch of getppid took 0 ns).
 */
static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s read|openclose|getppid N REPEAT CPU\n", argv[0]);
		return 64;
	}
	const char *op = argv[1];
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]);
	const char *clock_name = getenv("SYSCALL_LOOP_CLOCK");

	if (clock_name && strcmp(clock_name, "monotonic") == 0)
		clock_id = CLOCK_MONOTONIC;
	if (loop_pin(cpu) != 0) {
		perror("sched_setaffinity");
		return 1;
	}
	int zero = open("/dev/zero", O_RDONLY);
	char byte;
	double best = 1e300;

	if (zero < 0) {
		perror("/dev/zero");
		return 1;
	}
	for (long r = 0; r < repeat; r++) {
		double t0 = loop_ns(clock_id), per;

		if (strcmp(op, "read") == 0) {
			for (long i = 0; i < n; i++)
				if (read(zero, &byte, 1) != 1)
					return 2;
			per = (loop_ns(clock_id) - t0) / n;
		} else if (strcmp(op, "openclose") == 0) {
			for (long i = 0; i < n; i++) {
				int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);

				if (fd < 0 || close(fd) != 0)
					return 2;
			}
			per = (loop_ns(clock_id) - t0) / n / 2;
		} else if (strcmp(op, "getppid") == 0) {
			for (long i = 0; i < n; i++)
				syscall(SYS_getppid);
			per = (loop_ns(clock_id) - t0) / n;
		} else {
			fprintf(stderr, "unknown op %s\n", op);
			return 64;
		}
		if (per < best)
			best = per;
	}
	printf("%.2f\n", best);
	return 0;
}
