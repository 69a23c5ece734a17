/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One program on the generic syscall exit instead of one `syscalls/sys_exit_*`
 * tracepoint per syscall.
 *
 * A perf-event tracepoint program costs more per event than a program on the
 * raw `sys_exit` tracepoint (the perf buffer copy of the event's fields), and
 * each of its links waits for an RCU grace period, serialized, when it is
 * detached. A `tp_btf/sys_exit` (5.5+, needs BTF) or `raw_tp/sys_exit`
 * (4.17+) program has neither cost, but it runs on every syscall of the
 * system, so it must get out fast: the collector's handler switches on the
 * syscall id first (numbers from <ebpfc_syscall_nr.h>) and returns for the
 * ones it does not count.
 *
 *   EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, my_exit)
 *
 * defines `tracepoint_syscall_exit_tp_btf` (SEC "tp_btf/sys_exit") and
 * `tracepoint_syscall_exit_raw_tp` (SEC "raw_tp/sys_exit"); user space
 * loads the one the kernel supports (the kit's planSyscallExit). Both call
 *
 *   static __always_inline void my_exit(long id, long ret, struct pt_regs *regs)
 *
 * with the syscall number, its return value and the task's user registers
 * (the syscall's arguments: ebpfc_syscall_arg()). The per-syscall tracepoints
 * skip the syscalls of 32-bit (compat) tasks; so must the handler, once it
 * knows the id is one it counts: `if (ebpfc_syscall_compat()) return;`.
 * EBPFC_SYSCALL_ENTER_PROGRAMS (below) does the same for the entry.
 */
#ifndef EBPFC_SYSCALL_EXIT_H
#define EBPFC_SYSCALL_EXIT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <ebpfc_syscall_nr.h>

/*
 * x86: `thread_info.status & TS_COMPAT` marks an ia32 syscall
 * (arch/x86/include/asm/thread_info.h). arm64: thread flag TIF_32BIT marks
 * an AArch32 task (arch/arm64/include/asm/thread_info.h). Neither is in BTF.
 */
#define EBPFC_X86_TS_COMPAT 2
#define EBPFC_ARM64_TIF_32BIT 22

/* The syscall number the exit belongs to (syscall_get_nr()), from a BTF-typed pointer: a plain load. */
static __always_inline long ebpfc_syscall_id_btf(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return (long)(int)regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return (long)regs->syscallno;
#else
#error "ebpfc_syscall_exit.h: syscall number register unknown for this __TARGET_ARCH"
#endif
}

/* The same from an untyped pointer (raw_tp): a probe read. */
static __always_inline long ebpfc_syscall_id(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return (long)(int)BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return (long)BPF_CORE_READ(regs, syscallno);
#else
#error "ebpfc_syscall_exit.h: syscall number register unknown for this __TARGET_ARCH"
#endif
}

/*
 * The running syscall is a 32-bit compat one: its number is of another table.
 * With bpf_get_current_task_btf (5.11+; a CO-RE constant decides) the flag
 * is a plain load; before, a probe read.
 */
static __always_inline bool ebpfc_syscall_compat(void)
{
	struct task_struct *task;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		task = bpf_get_current_task_btf();
#if defined(__TARGET_ARCH_x86)
		return (task->thread_info.status & EBPFC_X86_TS_COMPAT) != 0;
#elif defined(__TARGET_ARCH_arm64)
		return (task->thread_info.flags & (1UL << EBPFC_ARM64_TIF_32BIT)) != 0;
#else
		return false;
#endif
	}
	task = (struct task_struct *)bpf_get_current_task();
#if defined(__TARGET_ARCH_x86)
	return (BPF_CORE_READ(task, thread_info.status) & EBPFC_X86_TS_COMPAT) != 0;
#elif defined(__TARGET_ARCH_arm64)
	return (BPF_CORE_READ(task, thread_info.flags) & (1UL << EBPFC_ARM64_TIF_32BIT)) != 0;
#else
	return false;
#endif
}

/* Syscall argument 1..6 from the task's user registers (a syscall's calling convention). */
#define ebpfc_syscall_arg(regs, n) ((__u64)PT_REGS_PARM##n##_CORE_SYSCALL(regs))

/*
 * The two programs. tp_btf gets BTF-typed arguments, so the id is a plain
 * load; raw_tp gets u64 args and reads the id with a CO-RE probe read.
 */
#define EBPFC_SYSCALL_EXIT_PROGRAMS(name, handler)                              \
	SEC("tp_btf/sys_exit")                                                 \
	int BPF_PROG(name##_tp_btf, struct pt_regs *regs, long ret)            \
	{                                                                      \
		handler(ebpfc_syscall_id_btf(regs), ret, regs);                \
		return 0;                                                      \
	}                                                                      \
	SEC("raw_tp/sys_exit")                                                 \
	int name##_raw_tp(struct bpf_raw_tracepoint_args *ctx)                 \
	{                                                                      \
		struct pt_regs *regs = (struct pt_regs *)ctx->args[0];         \
		handler(ebpfc_syscall_id(regs), (long)ctx->args[1], regs);     \
		return 0;                                                      \
	}

/*
 * The same for the generic syscall entry, for collectors that time a call
 * (entry and exit): `<name>_tp_btf` (SEC "tp_btf/sys_enter") and
 * `<name>_raw_tp` (SEC "raw_tp/sys_enter") call
 *
 *   static __always_inline void my_enter(long id, struct pt_regs *regs)
 */
#define EBPFC_SYSCALL_ENTER_PROGRAMS(name, handler)                             \
	SEC("tp_btf/sys_enter")                                                \
	int BPF_PROG(name##_tp_btf, struct pt_regs *regs, long id)             \
	{                                                                      \
		handler(id, regs);                                             \
		return 0;                                                      \
	}                                                                      \
	SEC("raw_tp/sys_enter")                                                \
	int name##_raw_tp(struct bpf_raw_tracepoint_args *ctx)                 \
	{                                                                      \
		handler((long)ctx->args[1], (struct pt_regs *)ctx->args[0]);   \
		return 0;                                                      \
	}

#endif /* EBPFC_SYSCALL_EXIT_H */
