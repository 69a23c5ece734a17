// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * File descriptor collector (Netdata's `fd` thread): files opened and closed,
 * and in `return` load mode the opens and closes that failed.
 *
 * Program families, switched with autoload before load:
 *   trampoline_* fentry (entry mode) or fexit (return mode) on the open
 *                function (do_sys_openat2, else do_sys_open) and the close
 *                function (file_close_fd, else close_fd, else __close_fd)
 *   probe_*      kprobe (entry mode) or kretprobe (return mode) on the same
 *   tracepoint_* one tp_btf (else raw_tp) program on the generic syscall
 *                exit switching on the syscall id, or (kernels without
 *                either) syscalls/sys_exit_{open,openat,openat2,creat,close}
 *
 * One hook per call and per mode: the exit side gives the call and, from the
 * return value, the error, so return mode needs no entry hook.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_counters.h"
#include "ebpfc_pid.h"
#include "ebpfc_syscall_exit.h"
#include "fd.h"

/* PID_MAX_DEFAULT; user space resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768

char LICENSE[] SEC("license") = "GPL";

/* `ebpf load mode = return`: count failures too (the verifier drops the branch otherwise). */
const volatile bool fd_count_errors = false;
/*
 * The close function returns the closed `struct file *` (file_close_fd, NULL
 * on a bad fd) rather than an int (close_fd, __close_fd).
 */
const volatile bool fd_close_returns_file = false;

EBPFC_PERCPU_COUNTERS(tbl_fd_global, EBPFC_FD_COUNTERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_fd_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_fd_pid SEC(".maps");

static __always_inline struct ebpfc_fd_pid_stat *pid_stat(void)
{
	struct ebpfc_fd_pid_stat zero = {};

	return ebpfc_pid_lookup_or_init(&tbl_fd_pid, ebpfc_pid_key_current(), &zero);
}

/* One open attempt; `failed` only means something in return mode. */
static __always_inline void count_open(bool failed)
{
	struct ebpfc_fd_pid_stat *stat;

	failed = fd_count_errors && failed;
	ebpfc_count(&tbl_fd_global, EBPFC_FD_OPEN_CALL);
	if (failed)
		ebpfc_count(&tbl_fd_global, EBPFC_FD_OPEN_ERROR);
	if (!ebpfc_apps_enabled)
		return;
	stat = pid_stat();
	if (!stat)
		return;
	ebpfc_pid_add(&stat->open_call, 1);
	if (failed)
		ebpfc_pid_add(&stat->open_err, 1);
}

static __always_inline void count_close(bool failed)
{
	struct ebpfc_fd_pid_stat *stat;

	failed = fd_count_errors && failed;
	ebpfc_count(&tbl_fd_global, EBPFC_FD_CLOSE_CALL);
	if (failed)
		ebpfc_count(&tbl_fd_global, EBPFC_FD_CLOSE_ERROR);
	if (!ebpfc_apps_enabled)
		return;
	stat = pid_stat();
	if (!stat)
		return;
	ebpfc_pid_add(&stat->close_call, 1);
	if (failed)
		ebpfc_pid_add(&stat->close_err, 1);
}

/* A close function's raw return value: a pointer (NULL = bad fd) or an int (< 0 = error). */
static __always_inline bool close_failed(__u64 ret)
{
	if (fd_close_returns_file)
		return ret == 0;
	return (int)ret < 0;
}

/* ------------------------------------------------------------ trampoline */

/* Entry mode. The target is set at load time; the arguments are not read. */
SEC("fentry/do_sys_openat2")
int trampoline_open_entry(void *ctx)
{
	count_open(false);
	return 0;
}

/* Return mode, do_sys_openat2(int dfd, const char *filename, struct open_how *how) -> long (5.6+). */
SEC("fexit/do_sys_openat2")
int BPF_PROG(trampoline_openat2_exit, int dfd, const char *filename, void *how, long ret)
{
	count_open(ret < 0);
	return 0;
}

/* Return mode, do_sys_open(int dfd, const char *filename, int flags, umode_t mode) -> long (< 5.6). */
SEC("fexit/do_sys_open")
int BPF_PROG(trampoline_open_exit, int dfd, const char *filename, int flags, unsigned short mode, long ret)
{
	count_open(ret < 0);
	return 0;
}

SEC("fentry/close_fd")
int trampoline_close_entry(void *ctx)
{
	count_close(false);
	return 0;
}

/* Return mode, file_close_fd(unsigned int fd) -> struct file * or close_fd(unsigned int fd) -> int. */
SEC("fexit/close_fd")
int BPF_PROG(trampoline_close_exit, unsigned int fd, __u64 ret)
{
	count_close(close_failed(ret));
	return 0;
}

/* Return mode, __close_fd(struct files_struct *files, unsigned int fd) -> int (< 5.11). */
SEC("fexit/__close_fd")
int BPF_PROG(trampoline_close_files_exit, void *files, unsigned int fd, int ret)
{
	count_close(ret < 0);
	return 0;
}

/* ----------------------------------------------------------------- probe */

/* Attached by name at run time to the function the kernel has. */
SEC("kprobe/do_sys_openat2")
int probe_open_entry(struct pt_regs *ctx)
{
	count_open(false);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int probe_open_exit(struct pt_regs *ctx)
{
	count_open((long)PT_REGS_RC(ctx) < 0);
	return 0;
}

SEC("kprobe/close_fd")
int probe_close_entry(struct pt_regs *ctx)
{
	count_close(false);
	return 0;
}

SEC("kretprobe/close_fd")
int probe_close_exit(struct pt_regs *ctx)
{
	count_close(close_failed(PT_REGS_RC(ctx)));
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

/*
 * The generic exit: every syscall of the system comes here, so the ones not
 * counted leave after the switch on the id. arm64 has no open or creat.
 */
static __always_inline void fd_syscall_exit(long id, long ret, struct pt_regs *regs)
{
	bool open;

	switch (id) {
#ifdef EBPFC_NR_open
	case EBPFC_NR_open:
#endif
#ifdef EBPFC_NR_creat
	case EBPFC_NR_creat:
#endif
	case EBPFC_NR_openat:
	case EBPFC_NR_openat2:
		open = true;
		break;
	case EBPFC_NR_close:
		open = false;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	if (open)
		count_open(ret < 0);
	else
		count_close(ret < 0);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, fd_syscall_exit)

/*
 * The syscalls that reach do_sys_openat2 (open, openat, creat via do_sys_open;
 * openat2 directly) and close. Exits only: the call and its result at once.
 */
SEC("tracepoint/syscalls/sys_exit_open")
int tracepoint_sys_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	count_open(ctx->ret < 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tracepoint_sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	count_open(ctx->ret < 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int tracepoint_sys_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	count_open(ctx->ret < 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_creat")
int tracepoint_sys_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	count_open(ctx->ret < 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_close")
int tracepoint_sys_exit_close(struct trace_event_raw_sys_exit *ctx)
{
	count_close(ctx->ret < 0);
	return 0;
}
