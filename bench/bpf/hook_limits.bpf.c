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
 * Accounting: hook_account.h (the collectors' with apps on and `collect pid
 * = all`).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpfc_syscall_exit.h"

char LICENSE[] SEC("license") = "GPL";

#define ACCOUNT_GLOBAL min_global
#define ACCOUNT_PID min_pid
#include "hook_account.h"

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
