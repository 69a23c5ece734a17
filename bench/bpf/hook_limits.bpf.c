// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for bench/hook-limits.mjs: the least a program can do to
 * get what the vfs and fd collectors get for read, openat and close (calls,
 * bytes, errors, globally and per PID), on each hook type this kernel
 * offers. Built at bench time; nothing here ships.
 *
 *   tp_*      syscalls/sys_exit_{read,openat,close}: one perf-event tracepoint per syscall
 *   btf_exit  tp_btf/sys_exit: one program, switch on the syscall id
 *   raw_exit  raw_tp/sys_exit: the same as a raw tracepoint
 *
 * Accounting (the collectors' with apps on and `collect pid = all`): a
 * per-CPU array of global lanes, and a hash keyed by tgid with atomic adds.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpfc_syscall_exit.h"

char LICENSE[] SEC("license") = "GPL";

/* Lanes: calls, errors, bytes per kind. */
enum { READ_LANE = 0, OPEN_LANE = 3, CLOSE_LANE = 6, LANES = 9 };

struct lanes {
	__u64 lane[LANES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct lanes);
	__uint(max_entries, 1);
} min_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lanes);
	__uint(max_entries, 10240);
} min_pid SEC(".maps");

static __always_inline void account(__u32 lane, long ret, bool bytes)
{
	struct lanes *global, *pid, zero = {};
	__u32 index = 0, key = bpf_get_current_pid_tgid() >> 32;

	global = bpf_map_lookup_elem(&min_global, &index);
	if (global) {
		global->lane[lane] += 1;
		if (ret < 0)
			global->lane[lane + 1] += 1;
		else if (bytes)
			global->lane[lane + 2] += ret;
	}
	pid = bpf_map_lookup_elem(&min_pid, &key);
	if (!pid) {
		bpf_map_update_elem(&min_pid, &key, &zero, BPF_NOEXIST);
		pid = bpf_map_lookup_elem(&min_pid, &key);
		if (!pid)
			return;
	}
	__sync_fetch_and_add(&pid->lane[lane], 1);
	if (ret < 0)
		__sync_fetch_and_add(&pid->lane[lane + 1], 1);
	else if (bytes)
		__sync_fetch_and_add(&pid->lane[lane + 2], ret);
}

SEC("tracepoint/syscalls/sys_exit_read")
int tp_read(struct trace_event_raw_sys_exit *ctx)
{
	account(READ_LANE, ctx->ret, true);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_openat(struct trace_event_raw_sys_exit *ctx)
{
	account(OPEN_LANE, ctx->ret, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_close")
int tp_close(struct trace_event_raw_sys_exit *ctx)
{
	account(CLOSE_LANE, ctx->ret, false);
	return 0;
}

/*
 * The generic exit: the id decides; everything else leaves at once. Compat
 * (32-bit) syscalls are skipped, as the syscall tracepoints skip them: the
 * same information.
 */
static __always_inline void on_exit(long id, long ret)
{
	__u32 lane;

	switch (id) {
	case EBPFC_NR_read:
		lane = READ_LANE;
		break;
	case EBPFC_NR_openat:
		lane = OPEN_LANE;
		break;
	case EBPFC_NR_close:
		lane = CLOSE_LANE;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	account(lane, ret, lane == READ_LANE);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit, struct pt_regs *regs, long ret)
{
	on_exit(ebpfc_syscall_id_btf(regs), ret);
	return 0;
}

SEC("raw_tp/sys_exit")
int raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	on_exit(ebpfc_syscall_id((struct pt_regs *)ctx->args[0]), (long)ctx->args[1]);
	return 0;
}
