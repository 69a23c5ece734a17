// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Context switches, counted on sched:sched_switch: globally in a per-CPU
 * array, and per process (the switched-out task's key, as `collect pid`
 * picks it) when apps or cgroup charts are on.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_pid.h"
#include "sched.h"

/* PID_MAX_DEFAULT; the kit resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768

/* TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE */
#define EBPFC_SLEEPING_STATES 0x3

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_sched_counters);
	__uint(max_entries, 1);
} tbl_sched_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_sched_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_sched_pid SEC(".maps");

SEC("tracepoint/sched/sched_switch")
int tracepoint_sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	struct ebpfc_sched_counters *counters;
	struct ebpfc_sched_pid_stat *stat;
	struct ebpfc_sched_pid_stat zero = {};
	__u32 index = 0;
	/* The running task is the one being switched out. */
	bool voluntary = (ctx->prev_state & EBPFC_SLEEPING_STATES) != 0;

	counters = bpf_map_lookup_elem(&tbl_sched_stats, &index);
	if (counters) {
		counters->lane[EBPFC_SCHED_SWITCHES] += 1;
		counters->lane[voluntary ? EBPFC_SCHED_VOLUNTARY : EBPFC_SCHED_INVOLUNTARY] += 1;
	}
	if (!ebpfc_apps_enabled)
		return 0;
	stat = ebpfc_pid_lookup_or_init(&tbl_sched_pid, ebpfc_pid_key_current(), &zero);
	if (!stat)
		return 0;
	ebpfc_pid_add(&stat->switches, 1);
	ebpfc_pid_add(voluntary ? &stat->voluntary : &stat->involuntary, 1);
	return 0;
}
