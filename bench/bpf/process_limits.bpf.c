// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for the process group of bench/event-limits.mjs: the
 * least a program can do to get what the process collector gets in
 * tracepoint mode with apps on, `collect pid = all` and return load mode,
 * on each hook type this kernel offers. Built at bench time; nothing here
 * ships.
 *
 * What the collector accounts (bpf/process.bpf.c), and so these:
 *   sched_process_fork  a new process or a new thread (the child's tgid tells), global and per PID of
 *                       the parent (create_process / create_thread)
 *   sched_process_exit  a task entering do_exit, global and per PID (exit_call)
 *   sched_process_free  a task released, global and per PID of the released task's tgid (release_call)
 *   clone, clone3, fork, vfork failing (return mode): a thread error or a process error (CLONE_THREAD in
 *                       the flags), global and per PID (task_err)
 * Global lanes: one per-CPU value of six u64 (one lookup an event, as the
 * collector's six-entry per-CPU array). Per PID: a PERCPU_HASH of 32,768
 * entries with plain adds, the table the plugin makes with its defaults
 * (`pid table size` 32768, `maps per core` yes and within its memory
 * budget on this machine), a new key inserted with its first count
 * (PID_COUNT; the collector inserts zeros and looks the key up again).
 *
 * Program blocks, one per hook type (each configuration of the group loads
 * the three sched programs of one type and one set of clone-error programs):
 *   tp_*           tracepoint/sched/*: the record has no task pointer, so the
 *                  fork program finds the child at the tail of the parent's
 *                  thread list (a thread if it is there), and the free
 *                  program, which has only the task's pid, gets the tgid of
 *                  a thread from a pid->tgid entry its exit left
 *   raw_*          raw_tp/sched_*: task pointers, read with probe reads
 *   btf_*          tp_btf/sched_*: task pointers, plain loads
 *   err_tp_*       syscalls/sys_exit_{clone,clone3,fork,vfork}: only the
 *                  failure costs anything; the clone flags are read from
 *                  the task's registers (bpf_task_pt_regs), where the
 *                  kernel keeps the syscall's arguments until it returns
 *   err_generic_*  one raw_tp/tp_btf program on the generic sys_exit, the
 *                  same on the syscall id (and on every syscall of the system)
 *   saved_*        syscalls/sys_enter_clone{,3} saving the flags in a hash
 *                  by pid_tgid and the exits taking them back: the
 *                  collector's design, to show what it costs over err_tp_*
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpfc_syscall_exit.h"

char LICENSE[] SEC("license") = "GPL";

/* include/uapi/linux/sched.h (macros are not in BTF). */
#define MIN_CLONE_THREAD 0x00010000ULL

enum { LANE_EXIT, LANE_RELEASE, LANE_NEW_PROCESS, LANE_PROCESS_ERROR, LANE_NEW_THREAD, LANE_THREAD_ERROR, LANES };

struct proc_lanes {
	__u64 lane[LANES];
};

/* The collector's struct ebpfc_process_pid_stat, field for field. */
struct proc_pid {
	__u64 exit_call;
	__u64 release_call;
	__u64 create_process;
	__u64 create_thread;
	__u64 task_err;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct proc_lanes);
	__uint(max_entries, 1);
} min_proc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, struct proc_pid);
	__uint(max_entries, 32768);
} min_proc_pid SEC(".maps");

/* tracepoint/sched/* only: pid -> tgid of threads that exited and are not freed yet. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 32768);
} min_proc_thread_tgid SEC(".maps");

/* saved_* only: clone flags by pid_tgid between entry and exit, as the collector keeps them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, __u64);
	__uint(max_entries, 4096);
} min_proc_clone_flags SEC(".maps");

static __always_inline void count_global(__u32 lane)
{
	__u32 index = 0;
	struct proc_lanes *global = bpf_map_lookup_elem(&min_proc, &index);

	if (global && lane < LANES)
		global->lane[lane] += 1;
}

/*
 * Add 1 to `field` of `key`'s value. A key seen for the first time is inserted with the field already at 1
 * (for a per-CPU hash the kernel writes this CPU's copy and zeroes the others): one lookup and one update,
 * where inserting zeros and looking the entry up again takes a second lookup. Only when another CPU inserted
 * the key meanwhile (NOEXIST fails) is it looked up again. A full table leaves the event global only.
 */
#define PID_COUNT(key, field)                                                   \
	do {                                                                    \
		__u32 k_ = (key);                                               \
		struct proc_pid *s_ = bpf_map_lookup_elem(&min_proc_pid, &k_);  \
		if (!s_) {                                                      \
			struct proc_pid init_ = { .field = 1 };                 \
			if (bpf_map_update_elem(&min_proc_pid, &k_, &init_, BPF_NOEXIST) == 0) \
				break;                                          \
			s_ = bpf_map_lookup_elem(&min_proc_pid, &k_);           \
		}                                                               \
		if (s_)                                                         \
			s_->field += 1;                                         \
	} while (0)

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* ---- the accounting, shared by every hook type ---- */

static __always_inline void account_fork(bool thread)
{
	if (thread) {
		count_global(LANE_NEW_THREAD);
		PID_COUNT(current_tgid(), create_thread);
	} else {
		count_global(LANE_NEW_PROCESS);
		PID_COUNT(current_tgid(), create_process);
	}
}

static __always_inline void account_exit(void)
{
	count_global(LANE_EXIT);
	PID_COUNT(current_tgid(), exit_call);
}

static __always_inline void account_release(__u32 tgid)
{
	count_global(LANE_RELEASE);
	PID_COUNT(tgid, release_call);
}

static __always_inline void account_clone_error(__u64 flags)
{
	count_global((flags & MIN_CLONE_THREAD) ? LANE_THREAD_ERROR : LANE_PROCESS_ERROR);
	PID_COUNT(current_tgid(), task_err);
}

/* ---- tracepoint/sched/* ---- */

/* The record (format file of sched_process_fork): only the child's pid, no tgid, no pointer. */
struct min_fork_record {
	__u64 common;
	__u32 parent_comm;
	__s32 parent_pid;
	__u32 child_comm;
	__s32 child_pid;
};

/* sched_process_exit and sched_process_free both start with comm then pid where these say. */
struct min_exit_record {
	__u64 common;
	char comm[16];
	__s32 pid;
};

struct min_free_record {
	__u64 common;
	__u32 comm;
	__s32 pid;
};

SEC("tracepoint/sched/sched_process_fork")
int tp_fork(struct min_fork_record *ctx)
{
	/* A new thread joined the parent's group at the tail of its thread list; a new process did not. */
	struct task_struct *parent = (struct task_struct *)bpf_get_current_task();
	struct list_head *tail = BPF_CORE_READ(parent, signal, thread_head.prev);
	struct task_struct *last = (void *)tail - bpf_core_field_offset(struct task_struct, thread_node);

	account_fork(BPF_CORE_READ(last, pid) == ctx->child_pid);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_exit(struct min_exit_record *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id, tgid = id >> 32;

	account_exit();
	/* The free record has the pid only: remember a thread's tgid for it. */
	if (pid != tgid)
		bpf_map_update_elem(&min_proc_thread_tgid, &pid, &tgid, BPF_ANY);
	return 0;
}

SEC("tracepoint/sched/sched_process_free")
int tp_free(struct min_free_record *ctx)
{
	__u32 pid = ctx->pid, *tgid = bpf_map_lookup_elem(&min_proc_thread_tgid, &pid);

	if (!tgid) {
		account_release(pid); /* a group leader: its pid is its tgid */
		return 0;
	}
	account_release(*tgid);
	bpf_map_delete_elem(&min_proc_thread_tgid, &pid);
	return 0;
}

/* ---- raw_tp/sched_* (probe reads) ---- */

SEC("raw_tp/sched_process_fork")
int raw_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *child = (struct task_struct *)ctx->args[1];

	/* A thread shares the parent's (current's) tgid; a process has its own. */
	account_fork(BPF_CORE_READ(child, tgid) == current_tgid());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int raw_exit(void *ctx)
{
	account_exit();
	return 0;
}

SEC("raw_tp/sched_process_free")
int raw_free(struct bpf_raw_tracepoint_args *ctx)
{
	account_release(BPF_CORE_READ((struct task_struct *)ctx->args[0], tgid));
	return 0;
}

/* ---- tp_btf/sched_* (plain loads) ---- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(btf_fork, struct task_struct *parent, struct task_struct *child)
{
	account_fork(child->tgid == current_tgid());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int btf_exit(void *ctx)
{
	account_exit();
	return 0;
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(btf_free, struct task_struct *task)
{
	account_release(task->tgid);
	return 0;
}

/* ---- clone errors: syscalls/sys_exit_* alone, flags from the task's registers ---- */

static __always_inline struct pt_regs *task_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

SEC("tracepoint/syscalls/sys_exit_clone")
int err_tp_clone(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		account_clone_error(ebpfc_syscall_arg(task_regs(), 1));
	return 0;
}

/* clone3(struct clone_args *, size): the flags are the struct's first u64, in user memory. */
static __always_inline __u64 clone3_flags(struct pt_regs *regs)
{
	__u64 flags = 0;

	bpf_probe_read_user(&flags, sizeof(flags), (void *)ebpfc_syscall_arg(regs, 1));
	return flags;
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int err_tp_clone3(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		account_clone_error(clone3_flags(task_regs()));
	return 0;
}

/* fork and vfork only make processes. */
SEC("tracepoint/syscalls/sys_exit_fork")
int err_tp_fork(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		account_clone_error(0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_vfork")
int err_tp_vfork(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		account_clone_error(0);
	return 0;
}

/* ---- clone errors: the generic sys_exit (err_generic_tp_btf, err_generic_raw_tp) ---- */

static __always_inline void clone_exit(long id, long ret, struct pt_regs *regs)
{
	__u64 flags;

	if (ret >= 0)
		return;
	switch (id) {
	case EBPFC_NR_clone:
		flags = ebpfc_syscall_arg(regs, 1);
		break;
	case EBPFC_NR_clone3:
		flags = clone3_flags(regs);
		break;
#ifdef EBPFC_NR_fork
	case EBPFC_NR_fork:
	case EBPFC_NR_vfork:
		flags = 0;
		break;
#endif
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	account_clone_error(flags);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(err_generic, clone_exit)

/* ---- clone errors as the collector gets them: flags saved at entry ---- */

static __always_inline void save_flags(__u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_update_elem(&min_proc_clone_flags, &id, &flags, BPF_ANY);
}

static __always_inline void take_flags(long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), flags = 0, *saved = bpf_map_lookup_elem(&min_proc_clone_flags, &id);

	if (saved) {
		flags = *saved;
		bpf_map_delete_elem(&min_proc_clone_flags, &id);
	}
	if (ret < 0)
		account_clone_error(flags);
}

SEC("tracepoint/syscalls/sys_enter_clone")
int saved_enter_clone(struct trace_event_raw_sys_enter *ctx)
{
	save_flags(ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_clone3")
int saved_enter_clone3(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;

	bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[0]);
	save_flags(flags);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone")
int saved_exit_clone(struct trace_event_raw_sys_exit *ctx)
{
	take_flags(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int saved_exit_clone3(struct trace_event_raw_sys_exit *ctx)
{
	take_flags(ctx->ret);
	return 0;
}
