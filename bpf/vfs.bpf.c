// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * VFS collector: calls, bytes and errors of reads and writes, and calls and
 * errors of unlink, fsync, open and create (Netdata's vfs thread).
 *
 * Program families, switched with autoload before load:
 *   trampoline_<fn>      fentry on the VFS function (entry load mode)
 *   trampoline_<fn>_ret  fexit (return load mode)
 *   probe_<fn>           kprobe (entry load mode)
 *   probe_<fn>_ret       kretprobe (return load mode)
 *   tracepoint_syscall_exit_{tp_btf,raw_tp}  one program on the generic
 *                        syscall exit switching on the syscall id, or
 *   tracepoint_sys_exit_<syscall>  one syscall exit tracepoint per syscall;
 *                        both give calls, bytes and errors from `ret` (both load modes)
 * There is no release_task hook: user space drops the entries of dead PIDs
 * after reading them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_pid.h"
#include "ebpfc_syscall_exit.h"
#include "vfs.h"

/* Macros are not part of BTF: the generic values (x86, arm64, riscv, s390, ppc). */
#define EBPFC_O_CREAT 0100
#define EBPFC_AT_REMOVEDIR 0x200
#define EBPFC_S_IFMT 0170000
#define EBPFC_S_IFREG 0100000

/* PID_MAX_DEFAULT; user space resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768

/* What a syscall argument is when it cannot be read (kernel without bpf_task_pt_regs). */
#define EBPFC_ARG_UNKNOWN (~0ULL)

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ebpfc_vfs_counters);
	__uint(max_entries, 1);
} tbl_vfs_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_vfs_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_vfs_pid SEC(".maps");

/*
 * Count one call of an operation: `global` and `pid` are its call lanes
 * (compile-time constants once inlined), errors sit one lane further and
 * bytes two (only when `has_bytes`). `ret` < 0 is an error; `bytes` is what
 * moved (or was asked for, on entry hooks).
 */
static __always_inline void vfs_account(__u32 global, __u32 pid, bool has_bytes, long ret, __u64 bytes)
{
	struct ebpfc_vfs_counters *counters;
	struct ebpfc_vfs_pid_stat *stat;
	struct ebpfc_vfs_pid_stat zero = {};
	__u32 index = 0;

	counters = bpf_map_lookup_elem(&tbl_vfs_stats, &index);
	if (counters) {
		counters->lane[global] += 1;
		if (ret < 0)
			counters->lane[global + 1] += 1;
		else if (has_bytes && bytes)
			counters->lane[global + 2] += bytes;
	}
	if (!ebpfc_apps_enabled)
		return;
	stat = ebpfc_pid_lookup_or_init(&tbl_vfs_pid, ebpfc_pid_key_current(), &zero);
	if (!stat)
		return;
	ebpfc_pid_add(&stat->lane[pid], 1);
	if (ret < 0)
		ebpfc_pid_add(&stat->lane[pid + 1], 1);
	else if (has_bytes && bytes)
		ebpfc_pid_add(&stat->lane[pid + 2], bytes);
}

/* The operations, as (global call lane, per-PID call lane, has bytes). */
#define OP_WRITE EBPFC_VFS_WRITE_CALLS, EBPFC_VFS_PID_WRITE_CALLS, true
#define OP_WRITEV EBPFC_VFS_WRITEV_CALLS, EBPFC_VFS_PID_WRITE_CALLS, true
#define OP_READ EBPFC_VFS_READ_CALLS, EBPFC_VFS_PID_READ_CALLS, true
#define OP_READV EBPFC_VFS_READV_CALLS, EBPFC_VFS_PID_READ_CALLS, true
#define OP_UNLINK EBPFC_VFS_UNLINK_CALLS, EBPFC_VFS_PID_UNLINK_CALLS, false
#define OP_FSYNC EBPFC_VFS_FSYNC_CALLS, EBPFC_VFS_PID_FSYNC_CALLS, false
#define OP_OPEN EBPFC_VFS_OPEN_CALLS, EBPFC_VFS_PID_OPEN_CALLS, false
#define OP_CREATE EBPFC_VFS_CREATE_CALLS, EBPFC_VFS_PID_CREATE_CALLS, false

/* ------------------------------------------------------------ trampoline */

/*
 * Entry load mode: fentry sees the arguments, not the result, so no error is
 * known and the bytes are the ones asked for. The vector calls take an
 * iovec array in user memory: their bytes are not counted on entry.
 */
SEC("fentry/vfs_write")
int BPF_PROG(trampoline_vfs_write, struct file *file, const char *buf, size_t count)
{
	vfs_account(OP_WRITE, 0, count);
	return 0;
}

SEC("fentry/vfs_writev")
int BPF_PROG(trampoline_vfs_writev)
{
	vfs_account(OP_WRITEV, 0, 0);
	return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(trampoline_vfs_read, struct file *file, char *buf, size_t count)
{
	vfs_account(OP_READ, 0, count);
	return 0;
}

SEC("fentry/vfs_readv")
int BPF_PROG(trampoline_vfs_readv)
{
	vfs_account(OP_READV, 0, 0);
	return 0;
}

SEC("fentry/vfs_unlink")
int BPF_PROG(trampoline_vfs_unlink)
{
	vfs_account(OP_UNLINK, 0, 0);
	return 0;
}

/*
 * fsync hooks sit on vfs_fsync_range, not vfs_fsync: fs/sync.c's fsync(2) and
 * fdatasync(2) may inline vfs_fsync (Debian's 6.1 does), so its out-of-line
 * copy never runs for them, while every vfs_fsync ends in vfs_fsync_range.
 */
SEC("fentry/vfs_fsync_range")
int BPF_PROG(trampoline_vfs_fsync_range)
{
	vfs_account(OP_FSYNC, 0, 0);
	return 0;
}

SEC("fentry/vfs_open")
int BPF_PROG(trampoline_vfs_open)
{
	vfs_account(OP_OPEN, 0, 0);
	return 0;
}

SEC("fentry/vfs_create")
int BPF_PROG(trampoline_vfs_create)
{
	vfs_account(OP_CREATE, 0, 0);
	return 0;
}

/*
 * Return load mode: fexit. The result is read with bpf_get_func_ret (5.17+)
 * because its position after the arguments moved when vfs_unlink and
 * vfs_create gained a user_namespace (5.12), then mnt_idmap (6.3), argument.
 */
static __always_inline long func_ret_long(void *ctx)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	return (long)ret;
}

/* int results: the upper half of the register is not defined by the ABI. */
static __always_inline long func_ret_int(void *ctx)
{
	return (int)func_ret_long(ctx);
}

static __always_inline __u64 moved(long ret)
{
	return ret > 0 ? (__u64)ret : 0;
}

SEC("fexit/vfs_write")
int BPF_PROG(trampoline_vfs_write_ret)
{
	long ret = func_ret_long(ctx);

	vfs_account(OP_WRITE, ret, moved(ret));
	return 0;
}

SEC("fexit/vfs_writev")
int BPF_PROG(trampoline_vfs_writev_ret)
{
	long ret = func_ret_long(ctx);

	vfs_account(OP_WRITEV, ret, moved(ret));
	return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(trampoline_vfs_read_ret)
{
	long ret = func_ret_long(ctx);

	vfs_account(OP_READ, ret, moved(ret));
	return 0;
}

SEC("fexit/vfs_readv")
int BPF_PROG(trampoline_vfs_readv_ret)
{
	long ret = func_ret_long(ctx);

	vfs_account(OP_READV, ret, moved(ret));
	return 0;
}

SEC("fexit/vfs_unlink")
int BPF_PROG(trampoline_vfs_unlink_ret)
{
	vfs_account(OP_UNLINK, func_ret_int(ctx), 0);
	return 0;
}

SEC("fexit/vfs_fsync_range")
int BPF_PROG(trampoline_vfs_fsync_range_ret)
{
	vfs_account(OP_FSYNC, func_ret_int(ctx), 0);
	return 0;
}

SEC("fexit/vfs_open")
int BPF_PROG(trampoline_vfs_open_ret)
{
	vfs_account(OP_OPEN, func_ret_int(ctx), 0);
	return 0;
}

SEC("fexit/vfs_create")
int BPF_PROG(trampoline_vfs_create_ret)
{
	vfs_account(OP_CREATE, func_ret_int(ctx), 0);
	return 0;
}

/* ----------------------------------------------------------------- probe */

/* Entry load mode: same accounting as fentry. Attached by name from user space. */
SEC("kprobe/vfs_write")
int BPF_KPROBE(probe_vfs_write, struct file *file, const char *buf, size_t count)
{
	vfs_account(OP_WRITE, 0, count);
	return 0;
}

SEC("kprobe/vfs_writev")
int BPF_KPROBE(probe_vfs_writev)
{
	vfs_account(OP_WRITEV, 0, 0);
	return 0;
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(probe_vfs_read, struct file *file, char *buf, size_t count)
{
	vfs_account(OP_READ, 0, count);
	return 0;
}

SEC("kprobe/vfs_readv")
int BPF_KPROBE(probe_vfs_readv)
{
	vfs_account(OP_READV, 0, 0);
	return 0;
}

SEC("kprobe/vfs_unlink")
int BPF_KPROBE(probe_vfs_unlink)
{
	vfs_account(OP_UNLINK, 0, 0);
	return 0;
}

SEC("kprobe/vfs_fsync_range")
int BPF_KPROBE(probe_vfs_fsync_range)
{
	vfs_account(OP_FSYNC, 0, 0);
	return 0;
}

SEC("kprobe/vfs_open")
int BPF_KPROBE(probe_vfs_open)
{
	vfs_account(OP_OPEN, 0, 0);
	return 0;
}

SEC("kprobe/vfs_create")
int BPF_KPROBE(probe_vfs_create)
{
	vfs_account(OP_CREATE, 0, 0);
	return 0;
}

/* Return load mode: one kretprobe per function counts the call, the bytes moved and the error. */
SEC("kretprobe/vfs_write")
int BPF_KRETPROBE(probe_vfs_write_ret, long ret)
{
	vfs_account(OP_WRITE, ret, moved(ret));
	return 0;
}

SEC("kretprobe/vfs_writev")
int BPF_KRETPROBE(probe_vfs_writev_ret, long ret)
{
	vfs_account(OP_WRITEV, ret, moved(ret));
	return 0;
}

SEC("kretprobe/vfs_read")
int BPF_KRETPROBE(probe_vfs_read_ret, long ret)
{
	vfs_account(OP_READ, ret, moved(ret));
	return 0;
}

SEC("kretprobe/vfs_readv")
int BPF_KRETPROBE(probe_vfs_readv_ret, long ret)
{
	vfs_account(OP_READV, ret, moved(ret));
	return 0;
}

SEC("kretprobe/vfs_unlink")
int BPF_KRETPROBE(probe_vfs_unlink_ret, int ret)
{
	vfs_account(OP_UNLINK, ret, 0);
	return 0;
}

SEC("kretprobe/vfs_fsync_range")
int BPF_KRETPROBE(probe_vfs_fsync_range_ret, int ret)
{
	vfs_account(OP_FSYNC, ret, 0);
	return 0;
}

SEC("kretprobe/vfs_open")
int BPF_KRETPROBE(probe_vfs_open_ret, int ret)
{
	vfs_account(OP_OPEN, ret, 0);
	return 0;
}

SEC("kretprobe/vfs_create")
int BPF_KRETPROBE(probe_vfs_create_ret, int ret)
{
	vfs_account(OP_CREATE, ret, 0);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

/*
 * Tracepoint mode, two ways with the same accounting:
 *   tracepoint_syscall_exit_{tp_btf,raw_tp}  one program on the generic
 *       syscall exit that switches on the syscall id (preferred: cheaper
 *       per event, one link)
 *   tracepoint_sys_exit_<syscall>  one syscall exit tracepoint per syscall
 *       (kernels without tp_btf and raw_tp)
 *
 * Exits carry only `ret`. The few flags that decide what a call counts as
 * (O_CREAT, AT_REMOVEDIR, the file type of mknod) are read from the
 * registers the task entered the syscall with, which the kernel keeps
 * unchanged until the return to user space. The generic exit gets them as
 * an argument; the per-syscall tracepoints take them with bpf_task_pt_regs
 * (5.15+; the check below is a CO-RE constant, so on older kernels the
 * verifier never sees the call and the flags are unknown).
 */
static __always_inline bool can_read_args(void)
{
	return bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs);
}

static __always_inline struct pt_regs *task_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Argument 2 or 3 of the syscall; `regs` NULL means "the task's, if the kernel can say". */
static __always_inline __u64 syscall_arg2(struct pt_regs *regs)
{
	if (regs)
		return ebpfc_syscall_arg(regs, 2);
	if (!can_read_args())
		return EBPFC_ARG_UNKNOWN;
	return ebpfc_syscall_arg(task_regs(), 2);
}

static __always_inline __u64 syscall_arg3(struct pt_regs *regs)
{
	if (regs)
		return ebpfc_syscall_arg(regs, 3);
	if (!can_read_args())
		return EBPFC_ARG_UNKNOWN;
	return ebpfc_syscall_arg(task_regs(), 3);
}

/* An open*() counts as a create too when it asked for O_CREAT. */
static __always_inline void count_open(long ret, __u64 flags)
{
	vfs_account(OP_OPEN, ret, 0);
	if (flags != EBPFC_ARG_UNKNOWN && (flags & EBPFC_O_CREAT))
		vfs_account(OP_CREATE, ret, 0);
}

/* mknod of a regular file (type 0 means regular) is the syscall path to vfs_create. */
static __always_inline void count_mknod(long ret, __u64 mode)
{
	__u64 type = mode & EBPFC_S_IFMT;

	if (mode != EBPFC_ARG_UNKNOWN && (type == 0 || type == EBPFC_S_IFREG))
		vfs_account(OP_CREATE, ret, 0);
}

/* What a syscall's exit counts as; the syscalls of one kind are counted alike. */
enum {
	EXIT_READ = 1,   /* read, pread64 */
	EXIT_READV,      /* readv, preadv, preadv2 */
	EXIT_WRITE,      /* write, pwrite64 */
	EXIT_WRITEV,     /* writev, pwritev, pwritev2 */
	EXIT_UNLINK,     /* unlink */
	EXIT_UNLINKAT,   /* unlinkat(dfd, path, flags): files only, as vfs_unlink; AT_REMOVEDIR is an rmdir */
	EXIT_FSYNC,      /* fsync, fdatasync */
	EXIT_OPEN,       /* open(path, flags, mode) */
	EXIT_OPENAT,     /* openat(dfd, path, flags, mode) */
	EXIT_OPENAT2,    /* openat2(dfd, path, struct open_how *how, size): flags are how's first u64, in user memory */
	EXIT_CREAT,      /* creat(path, mode) is open(O_CREAT|O_WRONLY|O_TRUNC) */
	EXIT_MKNOD,      /* mknod(path, mode, dev) */
	EXIT_MKNODAT,    /* mknodat(dfd, path, mode, dev) */
};

/* Count one syscall exit of kind `what` (a constant in the per-syscall programs). */
static __always_inline void vfs_exit(int what, long ret, struct pt_regs *regs)
{
	__u64 flags;

	switch (what) {
	case EXIT_READ:
		vfs_account(OP_READ, ret, moved(ret));
		break;
	case EXIT_READV:
		vfs_account(OP_READV, ret, moved(ret));
		break;
	case EXIT_WRITE:
		vfs_account(OP_WRITE, ret, moved(ret));
		break;
	case EXIT_WRITEV:
		vfs_account(OP_WRITEV, ret, moved(ret));
		break;
	case EXIT_UNLINK:
		vfs_account(OP_UNLINK, ret, 0);
		break;
	case EXIT_UNLINKAT:
		flags = syscall_arg3(regs);
		if (flags == EBPFC_ARG_UNKNOWN || !(flags & EBPFC_AT_REMOVEDIR))
			vfs_account(OP_UNLINK, ret, 0);
		break;
	case EXIT_FSYNC:
		vfs_account(OP_FSYNC, ret, 0);
		break;
	case EXIT_OPEN:
		count_open(ret, syscall_arg2(regs));
		break;
	case EXIT_OPENAT:
		count_open(ret, syscall_arg3(regs));
		break;
	case EXIT_OPENAT2: {
		__u64 how = syscall_arg3(regs);

		flags = EBPFC_ARG_UNKNOWN;
		if (how != EBPFC_ARG_UNKNOWN && bpf_probe_read_user(&flags, sizeof(flags), (void *)how) != 0)
			flags = EBPFC_ARG_UNKNOWN;
		count_open(ret, flags);
		break;
	}
	case EXIT_CREAT:
		count_open(ret, EBPFC_O_CREAT);
		break;
	case EXIT_MKNOD:
		count_mknod(ret, syscall_arg2(regs));
		break;
	case EXIT_MKNODAT:
		count_mknod(ret, syscall_arg3(regs));
		break;
	}
}

/*
 * The generic exit: every syscall of the system comes here, so the ones not
 * counted leave after the switch on the id. Syscalls an architecture lacks
 * (arm64 has no open, creat, unlink, mknod) have no number and no case.
 */
static __always_inline void vfs_syscall_exit(long id, long ret, struct pt_regs *regs)
{
	int what;

	switch (id) {
	case EBPFC_NR_read:
	case EBPFC_NR_pread64:
		what = EXIT_READ;
		break;
	case EBPFC_NR_readv:
	case EBPFC_NR_preadv:
	case EBPFC_NR_preadv2:
		what = EXIT_READV;
		break;
	case EBPFC_NR_write:
	case EBPFC_NR_pwrite64:
		what = EXIT_WRITE;
		break;
	case EBPFC_NR_writev:
	case EBPFC_NR_pwritev:
	case EBPFC_NR_pwritev2:
		what = EXIT_WRITEV;
		break;
#ifdef EBPFC_NR_unlink
	case EBPFC_NR_unlink:
		what = EXIT_UNLINK;
		break;
#endif
	case EBPFC_NR_unlinkat:
		what = EXIT_UNLINKAT;
		break;
	case EBPFC_NR_fsync:
	case EBPFC_NR_fdatasync:
		what = EXIT_FSYNC;
		break;
#ifdef EBPFC_NR_open
	case EBPFC_NR_open:
		what = EXIT_OPEN;
		break;
#endif
	case EBPFC_NR_openat:
		what = EXIT_OPENAT;
		break;
	case EBPFC_NR_openat2:
		what = EXIT_OPENAT2;
		break;
#ifdef EBPFC_NR_creat
	case EBPFC_NR_creat:
		what = EXIT_CREAT;
		break;
#endif
#ifdef EBPFC_NR_mknod
	case EBPFC_NR_mknod:
		what = EXIT_MKNOD;
		break;
#endif
	case EBPFC_NR_mknodat:
		what = EXIT_MKNODAT;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	vfs_exit(what, ret, regs);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, vfs_syscall_exit)

#define EXIT_TRACEPOINT(syscall, what)                                           \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                            \
	int tracepoint_sys_exit_##syscall(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                        \
		vfs_exit(what, ctx->ret, NULL);                                  \
		return 0;                                                        \
	}

/* Reads: read and pread64 on the read lanes, the vector calls on the readv lanes. */
EXIT_TRACEPOINT(read, EXIT_READ)
EXIT_TRACEPOINT(pread64, EXIT_READ)
EXIT_TRACEPOINT(readv, EXIT_READV)
EXIT_TRACEPOINT(preadv, EXIT_READV)
EXIT_TRACEPOINT(preadv2, EXIT_READV)
/* Writes, likewise. */
EXIT_TRACEPOINT(write, EXIT_WRITE)
EXIT_TRACEPOINT(pwrite64, EXIT_WRITE)
EXIT_TRACEPOINT(writev, EXIT_WRITEV)
EXIT_TRACEPOINT(pwritev, EXIT_WRITEV)
EXIT_TRACEPOINT(pwritev2, EXIT_WRITEV)
EXIT_TRACEPOINT(unlink, EXIT_UNLINK)
EXIT_TRACEPOINT(unlinkat, EXIT_UNLINKAT)
EXIT_TRACEPOINT(fsync, EXIT_FSYNC)
EXIT_TRACEPOINT(fdatasync, EXIT_FSYNC)
EXIT_TRACEPOINT(open, EXIT_OPEN)
EXIT_TRACEPOINT(openat, EXIT_OPENAT)
EXIT_TRACEPOINT(openat2, EXIT_OPENAT2)
EXIT_TRACEPOINT(creat, EXIT_CREAT)
EXIT_TRACEPOINT(mknod, EXIT_MKNOD)
EXIT_TRACEPOINT(mknodat, EXIT_MKNODAT)
