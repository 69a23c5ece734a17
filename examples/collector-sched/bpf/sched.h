/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by sched.bpf.c and the TypeScript side. The build
 * (ebpfc-bpf-build) generates src/generated/sched.ts from this header and
 * the object: nothing here is copied by hand.
 */
#ifndef EBPFC_SCHED_H
#define EBPFC_SCHED_H

/* Lanes of the one tbl_sched_stats entry. */
enum ebpfc_sched_counter {
	EBPFC_SCHED_SWITCHES = 0,    /* every context switch */
	EBPFC_SCHED_VOLUNTARY = 1,   /* the task left the CPU to sleep (S or D state) */
	EBPFC_SCHED_INVOLUNTARY = 2, /* the task was still runnable (preempted or yielded) */
	EBPFC_SCHED_COUNTERS = 3,
};

struct ebpfc_sched_counters {
	__u64 lane[EBPFC_SCHED_COUNTERS];
};

/* Value of tbl_sched_pid: u64 fields only, so per-CPU copies sum lane by lane. */
struct ebpfc_sched_pid_stat {
	__u64 switches;
	__u64 voluntary;
	__u64 involuntary;
};

#endif /* EBPFC_SCHED_H */
