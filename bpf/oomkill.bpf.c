// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * oomkill collector: one record per OOM victim (Netdata's oomkill thread).
 *
 * One event, oom/mark_victim, used in every attach mode (Netdata hooks the
 * same tracepoint whatever the mode): tracepoint_oom_mark_victim_tp_btf,
 * else _raw_tp, else the perf-event tracepoint_oom_mark_victim. The
 * victim is usually gone before user space reads the table, so the program
 * keeps what user space needs to put it in an app group and a cgroup: its
 * comm, real parent and cgroups. Those are read from the current task when
 * the task hitting the OOM is the victim (a cgroup's own allocation), else
 * only the comm the tracepoint carries (6.8+) is kept.
 * User space reads and deletes the table every tick.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_tracepoint.h"
#include "oomkill.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EBPFC_OOMKILL_COUNTERS);
} tbl_oomkill_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_oomkill_victim);
	__uint(max_entries, EBPFC_OOMKILL_VICTIMS);
} tbl_oomkill SEC(".maps");

static __always_inline void oomkill_count(__u32 lane)
{
	__u64 *value = bpf_map_lookup_elem(&tbl_oomkill_stats, &lane);

	if (value)
		*value += 1;
}

/* kernfs id of the task's cgroup in a controller's hierarchy (0 when the kernel lacks it). */
#define OOMKILL_SUBSYS_ID(task, subsys_enum)                                                      \
	({                                                                                        \
		__u64 __id = 0;                                                                   \
		if (bpf_core_enum_value_exists(enum cgroup_subsys_id, subsys_enum)) {             \
			int __i = bpf_core_enum_value(enum cgroup_subsys_id, subsys_enum);        \
			if (__i >= 0 && __i < CGROUP_SUBSYS_COUNT)                                \
				__id = BPF_CORE_READ(task, cgroups, subsys[__i], cgroup, kn, id); \
		}                                                                                 \
		__id;                                                                             \
	})

static __always_inline void oomkill_fill_from_task(struct ebpfc_oomkill_victim *v)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	v->flags |= EBPFC_OOMKILL_SELF;
	bpf_get_current_comm(v->comm, sizeof(v->comm));
	v->ppid = BPF_CORE_READ(task, real_parent, tgid);
	v->cgroup[EBPFC_OOMKILL_CG_CPUSET] = OOMKILL_SUBSYS_ID(task, cpuset_cgrp_id);
	v->cgroup[EBPFC_OOMKILL_CG_IO] = OOMKILL_SUBSYS_ID(task, io_cgrp_id);
	v->cgroup[EBPFC_OOMKILL_CG_MEMORY] = OOMKILL_SUBSYS_ID(task, memory_cgrp_id);
	v->cgroup[EBPFC_OOMKILL_CG_DEVICES] = OOMKILL_SUBSYS_ID(task, devices_cgrp_id);
	v->cgroup[EBPFC_OOMKILL_CG_UNIFIED] = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/*
 * One kill of `pid`. `comm` points at the victim's comm where the event
 * carries it (6.8+), else it is NULL; it is kept only when the victim is not
 * the current task (whose comm, parent and cgroups are read instead).
 */
static __always_inline void oomkill_victim(__u32 pid, const void *comm)
{
	struct ebpfc_oomkill_victim fresh = {};
	struct ebpfc_oomkill_victim *v;

	oomkill_count(EBPFC_OOMKILL_KILLS);
	v = bpf_map_lookup_elem(&tbl_oomkill, &pid);
	if (v) {
		__sync_fetch_and_add(&v->kills, 1);
		return;
	}
	fresh.kills = 1;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == pid) {
		oomkill_fill_from_task(&fresh);
	} else if (comm) {
		fresh.flags |= EBPFC_OOMKILL_TP_COMM;
		bpf_probe_read_kernel_str(fresh.comm, sizeof(fresh.comm), comm);
	}
	if (bpf_map_update_elem(&tbl_oomkill, &pid, &fresh, BPF_NOEXIST) == 0)
		return;
	/* Recorded meanwhile on another CPU, or the table is full. */
	v = bpf_map_lookup_elem(&tbl_oomkill, &pid);
	if (v)
		__sync_fetch_and_add(&v->kills, 1);
	else
		oomkill_count(EBPFC_OOMKILL_LOST);
}

/* The perf-event tracepoint: the fallback where neither twin below loads. */
SEC("tracepoint/oom/mark_victim")
int tracepoint_oom_mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	const void *comm = NULL;

	if (bpf_core_field_exists(ctx->__data_loc_comm))
		comm = (void *)ctx + (BPF_CORE_READ(ctx, __data_loc_comm) & 0xFFFF);
	oomkill_victim((__u32)BPF_CORE_READ(ctx, pid), comm);
	return 0;
}

/*
 * The same event's arguments (tp_btf, else raw_tp): 6.8 turned
 * mark_victim(int pid) into mark_victim(struct task_struct *task, uid_t uid)
 * in the change that gave the record its comm, so the record's comm field
 * tells which one this kernel passes. The record's pid and comm are the
 * task's pid and comm.
 */
static __always_inline void oomkill_mark_victim_args(const __u64 *args)
{
	if (bpf_core_field_exists(struct trace_event_raw_mark_victim, __data_loc_comm)) {
		struct task_struct *task = (struct task_struct *)args[0];

		oomkill_victim((__u32)BPF_CORE_READ(task, pid), &task->comm);
	} else {
		oomkill_victim((__u32)args[0], NULL);
	}
}

EBPFC_TRACEPOINT_PROGRAMS(tracepoint_oom_mark_victim, mark_victim, oomkill_mark_victim_args)
