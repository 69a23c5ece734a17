/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by process.bpf.c and the TypeScript side
 * (the build generates packages/collector-process/src/generated/process.ts from this header
 * and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_PROCESS_H
#define EBPFC_PROCESS_H

/* Lanes of tbl_total_stats (one u64 per lane, per CPU), in Netdata's order. */
enum ebpfc_process_counter {
	EBPFC_PROCESS_EXIT = 0,          /* a task entered do_exit (sched_process_exit) */
	EBPFC_PROCESS_RELEASE = 1,       /* a task was released (release_task / sched_process_free) */
	EBPFC_PROCESS_NEW_PROCESS = 2,   /* a fork created a new thread group */
	EBPFC_PROCESS_PROCESS_ERROR = 3, /* a fork/clone without CLONE_THREAD failed (return mode) */
	EBPFC_PROCESS_NEW_THREAD = 4,    /* a clone with CLONE_THREAD created a thread */
	EBPFC_PROCESS_THREAD_ERROR = 5,  /* a clone with CLONE_THREAD failed (return mode) */
	EBPFC_PROCESS_COUNTERS = 6,
};

/*
 * Value of tbl_pid_stats. Only u64 fields, so user space can sum per-CPU
 * copies lane by lane when the table is a PERCPU_HASH. Lane order = field order.
 */
struct ebpfc_process_pid_stat {
	__u64 exit_call;      /* tasks of this key that entered do_exit */
	__u64 release_call;   /* tasks of this key released */
	__u64 create_process; /* new processes forked by tasks of this key */
	__u64 create_thread;  /* new threads created by tasks of this key */
	__u64 task_err;       /* failed forks/clones by tasks of this key (return mode) */
};

#endif /* EBPFC_PROCESS_H */
