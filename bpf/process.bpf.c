// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Process collector: task creation (processes vs threads), exit, release and,
 * in `return` load mode, failed forks/clones.
 *
 * Program families, switched with autoload before load:
 *   common_*     every mode: sched_process_fork / sched_process_exit, each as
 *                tp_btf (`_tp_btf`, plain loads) or raw_tp (probe reads)
 *   trampoline_* fentry release_task, fexit kernel_clone (return mode)
 *   probe_*      kprobe release_task, kprobe+kretprobe kernel_clone (return mode)
 *   tracepoint_* sched_process_free (tp_btf or raw_tp); in return mode the failed
 *                clone/clone3/fork/vfork calls, on one of:
 *                  tracepoint_syscall_exit_{tp_btf,raw_tp}  the generic sys_exit,
 *                      when another collector already runs one there
 *                  tracepoint_sys_exit_*  one syscalls exit tracepoint each
 *                  tracepoint_sys_enter_clone{,3}  only before 5.15
 *
 * A failed clone is a thread error when its flags had CLONE_THREAD. The exit
 * reads them from the registers the task entered the syscall with, which
 * the kernel keeps until the return to user space: the generic exit gets
 * them as an argument, the per-syscall exits with bpf_task_pt_regs (5.15+).
 * Before that the entry tracepoints save them in tbl_clone_flags, which cost
 * about 1 us of programs per clone (bench/event-limits.mjs, session 7).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_counters.h"
#include "ebpfc_pid.h"
#include "ebpfc_syscall_exit.h"
#include "process.h"

/* include/uapi/linux/sched.h: macros are not part of BTF. */
#define EBPFC_CLONE_THREAD 0x00010000ULL

/* PID_MAX_DEFAULT; user space resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768
/* Clone calls in flight at once (probe and tracepoint return mode). */
#define EBPFC_CLONES_IN_FLIGHT 4096

char LICENSE[] SEC("license") = "GPL";

EBPFC_PERCPU_COUNTERS(tbl_total_stats, EBPFC_PROCESS_COUNTERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_process_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_pid_stats SEC(".maps");

/*
 * Clone flags seen at syscall/function entry, keyed by pid_tgid, for the exit
 * side to tell thread errors from process errors. Kept only in return mode by
 * the modes whose exit hook cannot see the arguments.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, __u64);
	__uint(max_entries, EBPFC_CLONES_IN_FLIGHT);
} tbl_clone_flags SEC(".maps");

static __always_inline struct ebpfc_process_pid_stat *pid_stat(__u32 key)
{
	struct ebpfc_process_pid_stat zero = {};

	return ebpfc_pid_lookup_or_init(&tbl_pid_stats, key, &zero);
}

/* Keyed by the released task (`key`: ebpfc_pid_key_of it), not by whoever reaps it (or an RCU callback). */
#define count_release(key_expr)                                                 \
	do {                                                                    \
		struct ebpfc_process_pid_stat *stat;                            \
                                                                                \
		ebpfc_count(&tbl_total_stats, EBPFC_PROCESS_RELEASE);           \
		if (ebpfc_apps_enabled) {                                       \
			stat = pid_stat(key_expr);                              \
			if (stat)                                               \
				ebpfc_pid_add(&stat->release_call, 1);          \
		}                                                               \
	} while (0)

static __always_inline void count_clone_error(__u64 flags)
{
	struct ebpfc_process_pid_stat *stat;

	ebpfc_count(&tbl_total_stats, (flags & EBPFC_CLONE_THREAD) ? EBPFC_PROCESS_THREAD_ERROR
								    : EBPFC_PROCESS_PROCESS_ERROR);
	if (!ebpfc_apps_enabled)
		return;
	stat = pid_stat(ebpfc_pid_key_current());
	if (stat)
		ebpfc_pid_add(&stat->task_err, 1);
}

static __always_inline void remember_clone_flags(__u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_update_elem(&tbl_clone_flags, &id, &flags, BPF_ANY);
}

/* Forget the flags saved at entry; count an error with them when ret < 0. */
static __always_inline void finish_clone(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *saved = bpf_map_lookup_elem(&tbl_clone_flags, &id);
	__u64 flags = 0;

	if (saved) {
		flags = *saved;
		bpf_map_delete_elem(&tbl_clone_flags, &id);
	}
	/* No saved flags (table full, or attached mid-call): counted as a process error. */
	if (ret < 0)
		count_clone_error(flags);
}

/* ---------------------------------------------------------------- common */

/*
 * Fires once per successful fork/clone/vfork/kernel_thread, in the parent,
 * after the child got its ids. The child tells what was created: a thread
 * group leader (pid == tgid) is a new process, anything else a new thread.
 * `key` is only evaluated with apps on.
 */
#define count_fork(thread, key_expr)                                            \
	do {                                                                    \
		struct ebpfc_process_pid_stat *stat;                            \
                                                                                \
		ebpfc_count(&tbl_total_stats, (thread) ? EBPFC_PROCESS_NEW_THREAD : EBPFC_PROCESS_NEW_PROCESS); \
		if (ebpfc_apps_enabled) {                                       \
			stat = pid_stat(key_expr);                              \
			if (stat && (thread))                                   \
				ebpfc_pid_add(&stat->create_thread, 1);         \
			else if (stat)                                          \
				ebpfc_pid_add(&stat->create_process, 1);        \
		}                                                               \
	} while (0)

/* Fires in do_exit for every exiting task (thread or process), as current. */
#define count_exit(key_expr)                                                    \
	do {                                                                    \
		struct ebpfc_process_pid_stat *stat;                            \
                                                                                \
		ebpfc_count(&tbl_total_stats, EBPFC_PROCESS_EXIT);              \
		if (ebpfc_apps_enabled) {                                       \
			stat = pid_stat(key_expr);                              \
			if (stat)                                               \
				ebpfc_pid_add(&stat->exit_call, 1);             \
		}                                                               \
	} while (0)

SEC("tp_btf/sched_process_fork")
int BPF_PROG(common_sched_process_fork_tp_btf, struct task_struct *parent, struct task_struct *child)
{
	count_fork(child->pid != child->tgid, ebpfc_pid_key_current_btf());
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(common_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	count_fork(BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid), ebpfc_pid_key_current());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int common_sched_process_exit_tp_btf(void *ctx)
{
	count_exit(ebpfc_pid_key_current_btf());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int common_sched_process_exit(void *ctx)
{
	count_exit(ebpfc_pid_key_current());
	return 0;
}

/* ------------------------------------------------------------ trampoline */

SEC("fentry/release_task")
int BPF_PROG(trampoline_release_task, struct task_struct *task)
{
	count_release(ebpfc_pid_key_of_btf(task));
	return 0;
}

/*
 * Attach target set at load time: kernel_clone (5.10+) or _do_fork (5.3-5.9),
 * both taking struct kernel_clone_args *.
 */
SEC("fexit/kernel_clone")
int BPF_PROG(trampoline_kernel_clone, struct kernel_clone_args *args, int ret)
{
	if (ret < 0)
		count_clone_error(BPF_CORE_READ(args, flags));
	return 0;
}

/* ----------------------------------------------------------------- probe */

SEC("kprobe/release_task")
int BPF_KPROBE(probe_release_task, struct task_struct *task)
{
	count_release(ebpfc_pid_key_of(task));
	return 0;
}

/* Attached by name at run time to kernel_clone or _do_fork. */
SEC("kprobe/kernel_clone")
int BPF_KPROBE(probe_kernel_clone_entry, void *first)
{
	/* _do_fork took the flags themselves before struct kernel_clone_args (5.3). */
	if (bpf_core_type_exists(struct kernel_clone_args))
		remember_clone_flags(BPF_CORE_READ((struct kernel_clone_args *)first, flags));
	else
		remember_clone_flags((__u64)first);
	return 0;
}

SEC("kretprobe/kernel_clone")
int BPF_KRETPROBE(probe_kernel_clone_exit, int ret)
{
	finish_clone(ret);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

/* Runs from the RCU callback that frees a released task: not in its context. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(tracepoint_sched_process_free_tp_btf, struct task_struct *task)
{
	count_release(ebpfc_pid_key_of_btf(task));
	return 0;
}

SEC("raw_tp/sched_process_free")
int BPF_PROG(tracepoint_sched_process_free, struct task_struct *task)
{
	count_release(ebpfc_pid_key_of(task));
	return 0;
}

/* bpf_task_pt_regs (5.15+): a CO-RE constant, so older kernels' verifiers never see the call. */
static __always_inline bool can_read_regs(void)
{
	return bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs);
}

static __always_inline struct pt_regs *task_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* clone3's flags: the first u64 of the struct clone_args it was given. */
static __always_inline __u64 clone3_flags(__u64 uargs)
{
	__u64 flags = 0;

	bpf_probe_read_user(&flags, sizeof(flags), (void *)uargs);
	return flags;
}

/* The generic exit: failed clone, clone3, fork and vfork with their entry registers. */
static __always_inline void clone_exit(long id, long ret, struct pt_regs *regs)
{
	__u64 flags = 0;

	switch (id) {
	case EBPFC_NR_clone:
	case EBPFC_NR_clone3:
#ifdef EBPFC_NR_fork
	case EBPFC_NR_fork:
	case EBPFC_NR_vfork:
#endif
		break;
	default:
		return;
	}
	if (ret >= 0 || ebpfc_syscall_compat())
		return;
	/* clone(flags, ...) on every architecture; fork and vfork always make processes. */
	if (id == EBPFC_NR_clone)
		flags = ebpfc_syscall_arg(regs, 1);
	else if (id == EBPFC_NR_clone3)
		flags = clone3_flags(ebpfc_syscall_arg(regs, 1));
	count_clone_error(flags);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, clone_exit)

/* Before 5.15 only: the exit cannot read the registers, so the entry saves the flags. */
SEC("tracepoint/syscalls/sys_enter_clone")
int tracepoint_sys_enter_clone(struct trace_event_raw_sys_enter *ctx)
{
	/* clone(flags, ...) on every architecture. */
	remember_clone_flags(ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_clone3")
int tracepoint_sys_enter_clone3(struct trace_event_raw_sys_enter *ctx)
{
	/* struct clone_args begins with the u64 flags; the kernel copies it right after. */
	remember_clone_flags(clone3_flags(ctx->args[0]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone")
int tracepoint_sys_exit_clone(struct trace_event_raw_sys_exit *ctx)
{
	if (!can_read_regs())
		finish_clone(ctx->ret);
	else if (ctx->ret < 0)
		count_clone_error(ebpfc_syscall_arg(task_regs(), 1));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int tracepoint_sys_exit_clone3(struct trace_event_raw_sys_exit *ctx)
{
	if (!can_read_regs())
		finish_clone(ctx->ret);
	else if (ctx->ret < 0)
		count_clone_error(clone3_flags(ebpfc_syscall_arg(task_regs(), 1)));
	return 0;
}

/* fork and vfork always create processes, so no entry hook is needed. */
SEC("tracepoint/syscalls/sys_exit_fork")
int tracepoint_sys_exit_fork(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		count_clone_error(0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_vfork")
int tracepoint_sys_exit_vfork(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		count_clone_error(0);
	return 0;
}
