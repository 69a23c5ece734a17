// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Mount collector: calls and errors of mount(2) and umount2(2) (Netdata's
 * mount thread), plus move_mount(2), the call of the new mount API (5.2+)
 * that attaches a mount to the tree, counted as a mount.
 *
 * Program families, switched with autoload before load:
 *   trampoline_mnt_<op>      fentry on the syscall's function (entry load mode: calls)
 *   trampoline_mnt_<op>_ret  fexit (return load mode: calls and errors)
 *   probe_mnt_<op>           kprobe (entry load mode)
 *   probe_mnt_<op>_ret       kretprobe (return load mode)
 *   tracepoint_mnt_<op>      syscalls/sys_exit_<op>: calls and errors, both load modes
 *   tracepoint_syscall_exit_{tp_btf,raw_tp}
 *                            the same on the generic sys_exit, switching on the
 *                            syscall id: used when another collector already
 *                            has a program there (the kit's planSyscallExit)
 * <op> is mount, umount (umount2's kernel name) or move_mount. User space
 * sets the trampolines' targets to the function BTF has.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ebpfc_counters.h"
#include "ebpfc_syscall_exit.h"
#include "mount.h"

char LICENSE[] SEC("license") = "GPL";

EBPFC_PERCPU_COUNTERS(tbl_mount, EBPFC_MOUNT_COUNTERS);

/* One call of the operation whose call lane is `calls`; its error lane is calls + 2. */
static __always_inline void mount_account(__u32 calls, long ret)
{
	ebpfc_count(&tbl_mount, calls);
	if (ret < 0)
		ebpfc_count(&tbl_mount, calls + 2);
}

#define MOUNT_PROGRAMS(op, lane)                                                \
	SEC("fentry/__x64_sys_" #op)                                            \
	int BPF_PROG(trampoline_mnt_##op)                                       \
	{                                                                       \
		ebpfc_count(&tbl_mount, lane);                                  \
		return 0;                                                       \
	}                                                                       \
	/* The wrapper takes one argument, the saved registers; ret follows. */ \
	SEC("fexit/__x64_sys_" #op)                                             \
	int BPF_PROG(trampoline_mnt_##op##_ret, const struct pt_regs *regs, long ret) \
	{                                                                       \
		mount_account(lane, ret);                                       \
		return 0;                                                       \
	}                                                                       \
	SEC("kprobe/__x64_sys_" #op)                                            \
	int BPF_KPROBE(probe_mnt_##op)                                          \
	{                                                                       \
		ebpfc_count(&tbl_mount, lane);                                  \
		return 0;                                                       \
	}                                                                       \
	SEC("kretprobe/__x64_sys_" #op)                                         \
	int BPF_KRETPROBE(probe_mnt_##op##_ret, long ret)                       \
	{                                                                       \
		mount_account(lane, ret);                                       \
		return 0;                                                       \
	}                                                                       \
	SEC("tracepoint/syscalls/sys_exit_" #op)                                \
	int tracepoint_mnt_##op(struct trace_event_raw_sys_exit *ctx)           \
	{                                                                       \
		mount_account(lane, ctx->ret);                                  \
		return 0;                                                       \
	}

MOUNT_PROGRAMS(mount, EBPFC_MOUNT_MOUNT_CALLS)
MOUNT_PROGRAMS(umount, EBPFC_MOUNT_UMOUNT_CALLS)
MOUNT_PROGRAMS(move_mount, EBPFC_MOUNT_MOUNT_CALLS)

/* The generic exit: every syscall of the system comes here; the ones not counted leave after the switch. */
static __always_inline void mount_syscall_exit(long id, long ret, struct pt_regs *regs)
{
	__u32 lane;

	switch (id) {
	case EBPFC_NR_mount:
	case EBPFC_NR_move_mount:
		lane = EBPFC_MOUNT_MOUNT_CALLS;
		break;
	case EBPFC_NR_umount2:
		lane = EBPFC_MOUNT_UMOUNT_CALLS;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	mount_account(lane, ret);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, mount_syscall_exit)
