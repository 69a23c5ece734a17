// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for the oomkill group of bench/event-limits.mjs: what
 * the oomkill collector keeps per OOM kill, on each hook type this kernel
 * offers. Built at bench time; nothing here ships.
 *
 * The collector (bpf/oomkill.bpf.c, the same program in every mode) counts
 * every oom/mark_victim in a per-CPU lane and keeps one record per victim
 * PID in a 64-entry hash that user space reads and empties every tick: the
 * kill count (atomic add when the PID is there), and for a new victim its
 * comm, real parent and five cgroup ids when the victim is the current task
 * (a cgroup's own allocation: the case of the bench's workload), else the
 * comm the event carries; a victim that does not fit counts in a second
 * lane. Victims need a record each (user space attributes them after they
 * are gone), so the minimal programs keep the same record; they are written
 * for the 6.8+ event (mark_victim(task, uid), the record's comm):
 *   oom_tp   tracepoint/oom/mark_victim: pid and comm from the record
 *   oom_raw  raw_tp/mark_victim: pid and comm from the task argument
 *   oom_btf  tp_btf/mark_victim: the same
 * Nothing empties this table during the bench: after 64 victims every new
 * one takes the full path and lands in the lost lane, as the collector's
 * does when more than 64 victims come between two of its reads (the
 * workload kills about a hundred a second).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "../../bpf/oomkill.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EBPFC_OOMKILL_COUNTERS);
} min_oom_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_oomkill_victim);
	__uint(max_entries, EBPFC_OOMKILL_VICTIMS);
} min_oom_victims SEC(".maps");

static __always_inline void oom_lane(__u32 lane)
{
	__u64 *value = bpf_map_lookup_elem(&min_oom_stats, &lane);

	if (value)
		*value += 1;
}

/* kernfs id of the cgroup of `task` in controller `id`'s hierarchy. */
static __always_inline __u64 oom_cgroup(struct task_struct *task, int id)
{
	return BPF_CORE_READ(task, cgroups, subsys[id], cgroup, kn, id);
}

static __always_inline void oom_kill(__u32 pid, const char *comm)
{
	struct ebpfc_oomkill_victim fresh = { .kills = 1 }, *v;

	oom_lane(EBPFC_OOMKILL_KILLS);
	v = bpf_map_lookup_elem(&min_oom_victims, &pid);
	if (v) {
		__sync_fetch_and_add(&v->kills, 1);
		return;
	}
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == pid) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		fresh.flags = EBPFC_OOMKILL_SELF;
		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
		fresh.ppid = BPF_CORE_READ(task, real_parent, tgid);
		fresh.cgroup[EBPFC_OOMKILL_CG_CPUSET] = oom_cgroup(task, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
		fresh.cgroup[EBPFC_OOMKILL_CG_IO] = oom_cgroup(task, bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id));
		fresh.cgroup[EBPFC_OOMKILL_CG_MEMORY] = oom_cgroup(task, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
		fresh.cgroup[EBPFC_OOMKILL_CG_DEVICES] = oom_cgroup(task, bpf_core_enum_value(enum cgroup_subsys_id, devices_cgrp_id));
		fresh.cgroup[EBPFC_OOMKILL_CG_UNIFIED] = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	} else {
		fresh.flags = EBPFC_OOMKILL_TP_COMM;
		bpf_probe_read_kernel_str(fresh.comm, sizeof(fresh.comm), comm);
	}
	if (bpf_map_update_elem(&min_oom_victims, &pid, &fresh, BPF_NOEXIST) == 0)
		return;
	v = bpf_map_lookup_elem(&min_oom_victims, &pid);
	if (v)
		__sync_fetch_and_add(&v->kills, 1);
	else
		oom_lane(EBPFC_OOMKILL_LOST);
}

SEC("tracepoint/oom/mark_victim")
int oom_tp(struct trace_event_raw_mark_victim *ctx)
{
	oom_kill(ctx->pid, (const char *)ctx + (ctx->__data_loc_comm & 0xFFFF));
	return 0;
}

SEC("raw_tp/mark_victim")
int oom_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];

	oom_kill(BPF_CORE_READ(task, pid), task->comm);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_btf, struct task_struct *task)
{
	oom_kill(task->pid, task->comm);
	return 0;
}
