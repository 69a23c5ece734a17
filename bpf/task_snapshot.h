/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layout of the records task_snapshot.bpf.c writes, one per process, and
 * that core's PID table decodes (packages/core/src/grouping/task-snapshot.ts
 * reads the generated mirror of this header).
 */
#ifndef EBPFC_TASK_SNAPSHOT_H
#define EBPFC_TASK_SNAPSHOT_H

#define EBPFC_TASK_COMM_LEN 16

/* `exit_state` bits (include/linux/sched.h): a zombie or a dead task. */
#define EBPFC_TASK_EXIT_DEAD 0x10
#define EBPFC_TASK_EXIT_ZOMBIE 0x20

/* One process (thread-group leader), the fields /proc/<pid>/stat gives the PID table. */
struct ebpfc_task {
	/* tgid in the initial PID namespace. */
	__u32 pid;
	/* tgid of real_parent (0 for init and kthreadd, as in /proc). */
	__u32 ppid;
	/* PF_* flags (field 9 of /proc/<pid>/stat). */
	__u32 flags;
	/* exit_state: EBPFC_TASK_EXIT_ZOMBIE, EBPFC_TASK_EXIT_DEAD or 0. */
	__u32 exit_state;
	/* start_boottime in clock ticks of 1/100 s (field 22 of /proc/<pid>/stat). */
	__u64 start_ticks;
	/* task->comm, NUL-padded. */
	char comm[EBPFC_TASK_COMM_LEN];
};

#endif /* EBPFC_TASK_SNAPSHOT_H */
