// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * BPF programs' own run time, for the workloads of bench/event-limits.mjs
 * whose clocks move by more than the programs add (io_loop.c, process_loop.c,
 * socket_loop.c: their OP_bpf operations). Included by those .c files only:
 * static functions, no library to link.
 *
 * What it measures. bpf_run_time_enable() turns the kernel's BPF run-time
 * statistics on (bpf(2) BPF_ENABLE_STATS, BPF_STATS_RUN_TIME) for as long as
 * the returned descriptor stays open, at the latest until the process exits;
 * kernel.bpf_stats_enabled is left alone. While they are on, the kernel adds
 * to each program's run_cnt and run_time_ns on every run, on every CPU.
 * bpf_run_time_snapshot() walks the loaded programs (BPF_PROG_GET_NEXT_ID,
 * BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD) and keeps those two numbers
 * of each tracing program (types tracepoint, raw_tracepoint, tracing,
 * perf_event, kprobe). bpf_run_time_gained() sums, over the programs present
 * in BOTH of two snapshots, the run_time_ns each gained between them: a
 * batch's BPF time. A program missing from either end counts nothing: one
 * freed meanwhile (the previous configuration's programs go an RCU grace
 * period after they are detached) must not take its whole total out of the
 * sum (a batch once read -2936 ns/op that way), nor one loaded meanwhile by
 * someone else add its own.
 *
 * Program bodies only. run_time_ns is the time between the two clock reads
 * the kernel puts around the program's call: the hook's dispatch is not in it
 * (a perf-event tracepoint's record and trace_call_bpf, the syscall
 * tracepoints' slow path on every syscall, raw_tp's and tp_btf's
 * bpf_trace_run around the call, an fentry trampoline's entry and exit), so
 * hook types of different dispatch cost can look alike here. The statistics' own bookkeeping partly is (about the same
 * for every program). With nothing attached the figure is 0.
 *
 * Left out: programs of iterator links (the plugin's task snapshot, run once
 * a tick, not per event), noted once by bpf_run_time_enable(): call it after
 * the configuration under test is attached. Runs for other processes and
 * CPUs during the batch count too (hence the loops keep the fastest batch).
 *
 * bpf_run_time_report() prints, per program present at both ends that ran,
 * its runs per operation and ns per run over the batch on stderr: where the
 * time went (each loop's verbose switch).
 */
#ifndef BENCH_BPF_RUN_TIME_H
#define BENCH_BPF_RUN_TIME_H

#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Tracing programs a snapshot holds; more loaded is an error (the sum would miss some). */
#define BPF_RUN_TIME_MAX_PROGS 1024
/* Iterator programs left out; more are counted like the others. */
#define BPF_RUN_TIME_MAX_ITERS 64

/* One snapshot: each counted program's id, name, run_cnt and run_time_ns. */
struct bpf_run_times {
	int n;
	struct {
		__u32 id;
		__u64 cnt, ns;
		char name[BPF_OBJ_NAME_LEN];
	} prog[BPF_RUN_TIME_MAX_PROGS];
};

static __u32 bpf_run_time_iter_prog[BPF_RUN_TIME_MAX_ITERS];
static int bpf_run_time_niter;

static inline long bpf_run_time_sys(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Fills `info` for the object `id` that the GET_FD_BY_ID command `get_fd` opens; 0, or -1 when it is gone. */
static inline int bpf_run_time_info(int get_fd, __u32 id, void *info, __u32 len)
{
	union bpf_attr attr;
	int fd, rc;

	memset(&attr, 0, sizeof(attr));
	if (get_fd == BPF_LINK_GET_FD_BY_ID)
		attr.link_id = id;
	else
		attr.prog_id = id;
	fd = bpf_run_time_sys(get_fd, &attr);
	if (fd < 0)
		return -1; /* unloaded meanwhile */
	memset(info, 0, len);
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = len;
	attr.info.info = (__u64)(unsigned long)info;
	rc = bpf_run_time_sys(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

/* The id after `id` of the GET_NEXT_ID command `cmd`; 0 at the end. */
static inline __u32 bpf_run_time_next_id(int cmd, __u32 id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.start_id = id;
	return bpf_run_time_sys(cmd, &attr) == 0 ? attr.next_id : 0;
}

/*
 * Statistics on and the iterator links' programs noted. The descriptor that keeps the statistics on (close it
 * or exit to turn them off), or -1 with errno set (EPERM without CAP_SYS_ADMIN).
 */
static inline int bpf_run_time_enable(void)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	fd = bpf_run_time_sys(BPF_ENABLE_STATS, &attr);
	if (fd < 0)
		return -1;
	bpf_run_time_niter = 0;
	for (__u32 id = bpf_run_time_next_id(BPF_LINK_GET_NEXT_ID, 0); id; id = bpf_run_time_next_id(BPF_LINK_GET_NEXT_ID, id)) {
		struct bpf_link_info info;

		if (bpf_run_time_info(BPF_LINK_GET_FD_BY_ID, id, &info, sizeof(info)) == 0 && info.type == BPF_LINK_TYPE_ITER &&
		    bpf_run_time_niter < BPF_RUN_TIME_MAX_ITERS)
			bpf_run_time_iter_prog[bpf_run_time_niter++] = info.prog_id;
	}
	return fd;
}

/* Whether program `id` of `type` is summed: a tracing program not run by an iterator link. */
static inline int bpf_run_time_counted(__u32 id, __u32 type)
{
	for (int i = 0; i < bpf_run_time_niter; i++)
		if (bpf_run_time_iter_prog[i] == id)
			return 0;
	return type == BPF_PROG_TYPE_TRACEPOINT || type == BPF_PROG_TYPE_RAW_TRACEPOINT || type == BPF_PROG_TYPE_TRACING ||
	       type == BPF_PROG_TYPE_PERF_EVENT || type == BPF_PROG_TYPE_KPROBE;
}

/*
 * The counted programs' run counts and times now, into `t`. More than BPF_RUN_TIME_MAX_PROGS of them: a message
 * and exit status 2 (a sum that misses programs must not become a figure).
 */
static inline void bpf_run_time_snapshot(struct bpf_run_times *t)
{
	t->n = 0;
	for (__u32 id = bpf_run_time_next_id(BPF_PROG_GET_NEXT_ID, 0); id; id = bpf_run_time_next_id(BPF_PROG_GET_NEXT_ID, id)) {
		struct bpf_prog_info info;

		if (bpf_run_time_info(BPF_PROG_GET_FD_BY_ID, id, &info, sizeof(info)) != 0 || !bpf_run_time_counted(id, info.type))
			continue;
		if (t->n == BPF_RUN_TIME_MAX_PROGS) {
			fprintf(stderr, "bpf_run_time: more than %d tracing programs loaded (raise BPF_RUN_TIME_MAX_PROGS in bench/bpf/bpf_run_time.h)\n",
				BPF_RUN_TIME_MAX_PROGS);
			exit(2);
		}
		t->prog[t->n].id = id;
		t->prog[t->n].cnt = info.run_cnt;
		t->prog[t->n].ns = info.run_time_ns;
		memcpy(t->prog[t->n].name, info.name, sizeof(info.name));
		t->n++;
	}
}

/* Index in `t` of program `id`, or -1. */
static inline int bpf_run_time_find(const struct bpf_run_times *t, __u32 id)
{
	for (int i = 0; i < t->n; i++)
		if (t->prog[i].id == id)
			return i;
	return -1;
}

/* run_time_ns gained from `before` to `after` by the programs in both, summed. */
static inline double bpf_run_time_gained(const struct bpf_run_times *before, const struct bpf_run_times *after)
{
	double sum = 0;

	for (int i = 0; i < after->n; i++) {
		int j = bpf_run_time_find(before, after->prog[i].id);

		if (j >= 0)
			sum += (double)(after->prog[i].ns - before->prog[j].ns);
	}
	return sum;
}

/* On stderr, each program in both snapshots that ran between them: runs per operation (of `n`) and ns per run. */
static inline void bpf_run_time_report(const struct bpf_run_times *before, const struct bpf_run_times *after, long n)
{
	for (int i = 0; i < after->n; i++) {
		int j = bpf_run_time_find(before, after->prog[i].id);
		__u64 runs;

		if (j < 0 || after->prog[i].cnt <= before->prog[j].cnt)
			continue;
		runs = after->prog[i].cnt - before->prog[j].cnt;
		fprintf(stderr, "  %-16s %6.3f runs/op %7.1f ns/run\n", after->prog[i].name, (double)runs / n,
			(double)(after->prog[i].ns - before->prog[j].ns) / runs);
	}
}

#endif /* BENCH_BPF_RUN_TIME_H */
