// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of the oomkill group of bench/event-limits.mjs: OOM kills, the
 * one event (oom/mark_victim) the oomkill collector counts, one an
 * operation, each confined to a small memory cgroup of the bench's own.
 *
 *   oomkill_loop oomkill N REPEAT CPU CGROUP
 *
 * CGROUP is an empty memory cgroup directory (v1: memory.limit_in_bytes,
 * v2: memory.max) whose limit the bench set to a few MiB; the loop refuses
 * one without a limit or with one above 64 MiB. One operation: fork(2); the
 * child moves itself into CGROUP (writes 0 to its cgroup.procs) and touches
 * anonymous memory page by page until the cgroup's own OOM killer kills it
 * (mark_victim fires in the child's context, the victim being the current
 * task: the collector's dearest path, which reads comm, parent and cgroups);
 * the parent waits for it. A child that is not killed stops at 64 MiB and
 * exits 3, which stops the bench: the kernel picks victims only inside the
 * cgroup, where the child is alone, so nothing else can be killed. The
 * first operation is checked: the child died of SIGKILL and the cgroup
 * counted exactly one OOM kill (v1 memory.oom_control, v2 memory.events).
 *
 * Clock: the kill happens in the child, so the time of an operation is the
 * parent's thread CPU time (fork, wait) plus the children's CPU time
 * (getrusage(RUSAGE_CHILDREN): user + system of the waited-for children,
 * which holds the BPF program run in the child). One operation costs about
 * 8-9 ms of CPU here (fork, faulting in the limit, the OOM report to the
 * kernel log and the serial console, exit), varying by a millisecond
 * between batches, while a program run takes about 10 us: ratios between
 * configurations are noise here.
 * Prints the fastest of REPEAT batches in ns per operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define PAGE 4096L
/* The most a child touches when the OOM killer does not stop it first. */
#define CAP (64L << 20)

static char cgroup[4096];

static double children_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* The whole of a small file of CGROUP ("" when absent). */
static void read_file(const char *name, char *buf, size_t size)
{
	char path[4200];
	int fd;
	ssize_t got = 0;

	snprintf(path, sizeof(path), "%s/%s", cgroup, name);
	buf[0] = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	got = read(fd, buf, size - 1);
	buf[got > 0 ? got : 0] = 0;
	close(fd);
}

/* OOM kills the cgroup counted ("oom_kill N" in v1 memory.oom_control or v2 memory.events); -1 if unknown. */
static long cgroup_kills(void)
{
	char buf[4096];
	const char *line;

	read_file("memory.events", buf, sizeof(buf));
	if (!buf[0])
		read_file("memory.oom_control", buf, sizeof(buf));
	line = strstr(buf, "oom_kill ");
	return line ? atol(line + strlen("oom_kill ")) : -1;
}

/* The child: into the cgroup, then touch memory until killed. Never returns. */
static void hog(void)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(4);
	close(fd);
	char *mem = mmap(NULL, CAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		_exit(5);
	for (long off = 0; off < CAP; off += PAGE)
		((volatile char *)mem)[off] = 1;
	_exit(3);
}

/* One operation; the child's wait status. */
static int one(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0)
		hog();
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		exit(1);
	}
	return status;
}

static void check_status(int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return;
	if (WIFEXITED(status))
		fprintf(stderr, "oomkill_loop: the child was not OOM-killed: it exited %d (3: touched 64 MiB, the cgroup's limit "
				"does not hold; 4: cannot join %s; 5: mmap failed)\n", WEXITSTATUS(status), cgroup);
	else
		fprintf(stderr, "oomkill_loop: the child died of signal %d, not SIGKILL\n", WTERMSIG(status));
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 6 || strcmp(argv[1], "oomkill") != 0) {
		fprintf(stderr, "usage: %s oomkill N REPEAT CPU CGROUP\n", argv[0]);
		return 64;
	}
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]);
	char buf[4096];
	long limit, before;

	loop_check_counts(n, repeat);
	snprintf(cgroup, sizeof(cgroup), "%s", argv[5]);
	/* A limit must hold the child, and a small one: v2 memory.max, else v1 memory.limit_in_bytes. */
	read_file("memory.max", buf, sizeof(buf));
	if (!buf[0])
		read_file("memory.limit_in_bytes", buf, sizeof(buf));
	limit = buf[0] >= '0' && buf[0] <= '9' ? atol(buf) : -1;
	if (limit <= 0 || limit > CAP) {
		fprintf(stderr, "oomkill_loop: %s: no memory limit of at most 64 MiB (memory.max / memory.limit_in_bytes: %s)\n", cgroup,
			buf[0] ? strtok(buf, "\n") : "absent");
		return 2;
	}
	read_file("cgroup.procs", buf, sizeof(buf));
	if (buf[0]) {
		fprintf(stderr, "oomkill_loop: %s is not empty (cgroup.procs: %s): only the loop's own child may be there\n", cgroup, strtok(buf, "\n"));
		return 2;
	}
	if (loop_pin(cpu) != 0) {
		perror("sched_setaffinity");
		return 1;
	}
	before = cgroup_kills();
	check_status(one());
	if (before >= 0 && cgroup_kills() != before + 1) {
		fprintf(stderr, "oomkill_loop: %s counted %ld OOM kills for one child, not 1\n", cgroup, cgroup_kills() - before);
		return 2;
	}
	double best = 1e300;

	for (long r = 0; r < repeat; r++) {
		double t0 = loop_ns(CLOCK_THREAD_CPUTIME_ID), c0 = children_ns(), per;

		for (long i = 0; i < n; i++)
			check_status(one());
		per = (loop_ns(CLOCK_THREAD_CPUTIME_ID) - t0 + children_ns() - c0) / n;
		if (per < best)
			best = per;
	}
	printf("%.2f\n", best);
	return 0;
}
