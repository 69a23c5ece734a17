// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of bench/call-limits.mjs: one syscall that the sync, mount or
 * shm collector counts, in a tight loop, pinned to one CPU, timed with the
 * thread's CPU clock (as bench/bpf/syscall_loop.c: the BPF programs run in
 * the syscall's context, so they are in it). Each call fails at once with
 * EINVAL, the cheapest call the collector still counts; the first call's
 * errno is checked so a kernel that behaves otherwise stops the bench.
 * Prints the fastest of `repeat` runs in ns per syscall.
 *
 *   call_loop fdatasync N REPEAT CPU  fdatasync(2) of /dev/null (no fsync op: EINVAL); sync counts it at entry
 *   call_loop umount N REPEAT CPU     umount2(2) of "/" with an unknown flag (EINVAL before any lookup);
 *                                     mount counts the call and the error at exit
 *   call_loop shmdt N REPEAT CPU      shmdt(2) of an unaligned address (EINVAL); shm counts it at entry, per PID
 *   call_loop getppid N REPEAT CPU    getppid(2), which none of them hooks
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

/* Not a umount2 flag (MNT_FORCE 1, MNT_DETACH 2, MNT_EXPIRE 4, UMOUNT_NOFOLLOW 8): refused first. */
#define BAD_UMOUNT_FLAG 0x100

/* One call of `op` (raw syscalls: no libc wrapper in the way); its return value. */
static long call(const char *op, int null_fd)
{
	if (strcmp(op, "fdatasync") == 0)
		return syscall(SYS_fdatasync, null_fd);
	if (strcmp(op, "umount") == 0)
		return syscall(SYS_umount2, "/", BAD_UMOUNT_FLAG);
	if (strcmp(op, "shmdt") == 0)
		return syscall(SYS_shmdt, (void *)1);
	return syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s fdatasync|umount|shmdt|getppid N REPEAT CPU\n", argv[0]);
		return 64;
	}
	const char *op = argv[1];
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]);
	int kind;

	if (strcmp(op, "fdatasync") == 0)
		kind = 0;
	else if (strcmp(op, "umount") == 0)
		kind = 1;
	else if (strcmp(op, "shmdt") == 0)
		kind = 2;
	else if (strcmp(op, "getppid") == 0)
		kind = 3;
	else {
		fprintf(stderr, "unknown op %s (fdatasync, umount, shmdt or getppid)\n", op);
		return 64;
	}
	loop_start(n, repeat, cpu);
	int null_fd = open("/dev/null", O_WRONLY);

	if (null_fd < 0) {
		perror("/dev/null");
		return 1;
	}
	if (kind != 3 && (call(op, null_fd) != -1 || errno != EINVAL)) {
		fprintf(stderr, "%s: expected EINVAL, got %s\n", op, strerror(errno));
		return 2;
	}
	double best = 1e300;

	for (long r = 0; r < repeat; r++) {
		double t0 = loop_ns(CLOCK_THREAD_CPUTIME_ID), per;

		/* One loop per kind, so the timed loop holds nothing but the syscall. */
		switch (kind) {
		case 0:
			for (long i = 0; i < n; i++)
				syscall(SYS_fdatasync, null_fd);
			break;
		case 1:
			for (long i = 0; i < n; i++)
				syscall(SYS_umount2, "/", BAD_UMOUNT_FLAG);
			break;
		case 2:
			for (long i = 0; i < n; i++)
				syscall(SYS_shmdt, (void *)1);
			break;
		default:
			for (long i = 0; i < n; i++)
				syscall(SYS_getppid);
		}
		per = (loop_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / n;
		if (per < best)
			best = per;
	}
	printf("%.2f\n", best);
	return 0;
}
