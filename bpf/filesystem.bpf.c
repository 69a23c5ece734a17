// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Filesystem latency collector (Netdata's `filesystem` thread): per
 * filesystem type (ext4, xfs, nfs, zfs, btrfs) a log2 histogram of the time
 * taken by reads, writes, opens and syncs (nfs: getattr).
 *
 * Program families, switched with autoload before load:
 *   trampoline_<fs>_<op>_{entry,exit}  fentry + fexit on the filesystem's own
 *                                      function (ext4_file_read_iter...), target
 *                                      set at load
 *   probe_fs_entry + probe_<fs>_<op>_exit  one kprobe on every chosen function,
 *                                      one kretprobe per function
 *   tracepoint_syscall_{enter,exit}_{tp_btf,raw_tp}  one program on the
 *                                      generic syscall entry and one on the exit,
 *                                      switching on the syscall id, or
 *   tracepoint_sys_{enter,exit}_*      (kernels without tp_btf and raw_tp)
 *                                      syscalls/sys_enter_* + sys_exit_* of the
 *                                      syscalls doing those operations;
 *                                      either way kept only for files on a
 *                                      watched filesystem
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ebpfc_fs_hist.h"
#include "ebpfc_syscall_exit.h"
#include "filesystem.h"

/* Calls in flight at once; LRU so a start whose exit never came ages out. */
#define EBPFC_FS_IN_FLIGHT 10240

#define EBPFC_S_IFMT 00170000
#define EBPFC_S_IFREG 0100000

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EBPFC_FS_HIST_LANES);
} tbl_fs_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_fs_start);
	__uint(max_entries, EBPFC_FS_IN_FLIGHT);
} tmp_fs_start SEC(".maps");

/* One u32 bitmask of watched slots, written by user space when mounts change. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} tbl_fs_watch SEC(".maps");

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline void remember_start(__u32 slot)
{
	__u32 tid = current_tid();
	struct ebpfc_fs_start start = { .ns = bpf_ktime_get_ns(), .slot = slot };

	bpf_map_update_elem(&tmp_fs_start, &tid, &start, BPF_ANY);
}

/* Take the start of this thread's call out of the table (NULL-safe copy). */
static __always_inline bool take_start(struct ebpfc_fs_start *out)
{
	__u32 tid = current_tid();
	struct ebpfc_fs_start *start = bpf_map_lookup_elem(&tmp_fs_start, &tid);

	if (!start)
		return false;
	*out = *start;
	bpf_map_delete_elem(&tmp_fs_start, &tid);
	return true;
}

static __always_inline void count_latency(__u32 slot, __u32 op, __u64 start_ns)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 index;
	__u64 *value;

	if (slot >= EBPFC_FS_SLOTS || op >= EBPFC_FS_OPS)
		return;
	index = slot * EBPFC_FS_LANES_PER_SLOT + op * EBPFC_FS_HIST_BINS +
		ebpfc_fs_hist_bin(now > start_ns ? now - start_ns : 0);
	value = bpf_map_lookup_elem(&tbl_fs_hist, &index);
	if (value)
		*value += 1;
}

/* ------------------------------------------------------------ tracepoint */

static __always_inline __u32 watched_mask(void)
{
	__u32 zero = 0;
	__u32 *mask = bpf_map_lookup_elem(&tbl_fs_watch, &zero);

	return mask ? *mask : 0;
}

static __always_inline __u32 slot_of_magic(unsigned long magic)
{
	switch (magic) {
	case EBPFC_EXT4_MAGIC:
		return EBPFC_FS_EXT4;
	case EBPFC_XFS_MAGIC:
		return EBPFC_FS_XFS;
	case EBPFC_NFS_MAGIC:
		return EBPFC_FS_NFS;
	case EBPFC_ZFS_MAGIC:
		return EBPFC_FS_ZFS;
	case EBPFC_BTRFS_MAGIC:
		return EBPFC_FS_BTRFS;
	default:
		return EBPFC_FS_SLOTS;
	}
}

/*
 * The watched slot of the current task's file descriptor `fd`, or
 * EBPFC_FS_SLOTS. `regular_only` limits it to regular files, which is what
 * the filesystems' own read/write/open file operations serve.
 */
static __always_inline __u32 slot_of_fd(long fd, __u32 mask, bool regular_only)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt;
	struct file **fds;
	struct file *file = NULL;
	struct inode *inode;
	__u32 slot;

	if (fd < 0)
		return EBPFC_FS_SLOTS;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return EBPFC_FS_SLOTS;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return EBPFC_FS_SLOTS;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return EBPFC_FS_SLOTS;
	slot = slot_of_magic(BPF_CORE_READ(inode, i_sb, s_magic));
	if (slot >= EBPFC_FS_SLOTS || !(mask & (1U << slot)))
		return EBPFC_FS_SLOTS;
	if (regular_only && (BPF_CORE_READ(inode, i_mode) & EBPFC_S_IFMT) != EBPFC_S_IFREG)
		return EBPFC_FS_SLOTS;
	return slot;
}

/* Entry of a read/write on `fd`: keep the start only for watched filesystems. */
static __always_inline void enter_fd_io(long fd)
{
	__u32 mask = watched_mask();
	__u32 slot;

	if (!mask)
		return;
	slot = slot_of_fd(fd, mask, true);
	if (slot < EBPFC_FS_SLOTS)
		remember_start(slot);
}

static __always_inline void exit_fd_op(__u32 op)
{
	struct ebpfc_fs_start start;

	if (take_start(&start))
		count_latency(start.slot, op, start.ns);
}

/* Exit of a filesystem's own function: the program itself says which filesystem. */
static __always_inline void exit_known(__u32 slot, __u32 op)
{
	struct ebpfc_fs_start start;

	if (take_start(&start))
		count_latency(slot, op, start.ns);
}

/* fsync/fdatasync: the sync chart of every filesystem but nfs (which charts getattr instead). */
static __always_inline void enter_sync(long fd)
{
	__u32 mask = watched_mask() & ~(1U << EBPFC_FS_NFS);
	__u32 slot;

	if (!mask)
		return;
	slot = slot_of_fd(fd, mask, false);
	if (slot < EBPFC_FS_SLOTS)
		remember_start(slot);
}

/* fstat on an nfs file: what reaches nfs_getattr from a file descriptor. */
static __always_inline void enter_attribute(long fd)
{
	__u32 mask = watched_mask() & (1U << EBPFC_FS_NFS);

	if (mask && slot_of_fd(fd, mask, false) == EBPFC_FS_NFS)
		remember_start(EBPFC_FS_NFS);
}

/* Opens: the filesystem is known only from the descriptor the call returns. */
static __always_inline void enter_open(void)
{
	if (watched_mask())
		remember_start(EBPFC_FS_SLOTS);
}

static __always_inline void exit_open(long ret)
{
	struct ebpfc_fs_start start;
	__u32 mask, slot;

	if (!take_start(&start) || ret < 0)
		return;
	mask = watched_mask();
	slot = slot_of_fd(ret, mask, true);
	if (slot < EBPFC_FS_SLOTS)
		count_latency(slot, EBPFC_FS_OP_OPEN, start.ns);
}

#define FD_ENTER(event, call)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #event)                           \
	int tracepoint_sys_enter_##event(struct trace_event_raw_sys_enter *ctx) \
	{                                                                      \
		call((long)ctx->args[0]);                                      \
		return 0;                                                      \
	}

#define FD_EXIT(event, op)                                                     \
	SEC("tracepoint/syscalls/sys_exit_" #event)                            \
	int tracepoint_sys_exit_##event(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                      \
		exit_fd_op(op);                                                \
		return 0;                                                      \
	}

FD_ENTER(read, enter_fd_io)
FD_ENTER(pread64, enter_fd_io)
FD_ENTER(readv, enter_fd_io)
FD_EXIT(read, EBPFC_FS_OP_READ)
FD_EXIT(pread64, EBPFC_FS_OP_READ)
FD_EXIT(readv, EBPFC_FS_OP_READ)

FD_ENTER(write, enter_fd_io)
FD_ENTER(pwrite64, enter_fd_io)
FD_ENTER(writev, enter_fd_io)
FD_EXIT(write, EBPFC_FS_OP_WRITE)
FD_EXIT(pwrite64, EBPFC_FS_OP_WRITE)
FD_EXIT(writev, EBPFC_FS_OP_WRITE)

FD_ENTER(fsync, enter_sync)
FD_ENTER(fdatasync, enter_sync)
FD_EXIT(fsync, EBPFC_FS_OP_SYNC)
FD_EXIT(fdatasync, EBPFC_FS_OP_SYNC)

FD_ENTER(newfstat, enter_attribute)
FD_EXIT(newfstat, EBPFC_FS_OP_SYNC)

#define OPEN_PAIR(event)                                                       \
	SEC("tracepoint/syscalls/sys_enter_" #event)                           \
	int tracepoint_sys_enter_##event(struct trace_event_raw_sys_enter *ctx) \
	{                                                                      \
		enter_open();                                                  \
		return 0;                                                      \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #event)                            \
	int tracepoint_sys_exit_##event(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                      \
		exit_open(ctx->ret);                                           \
		return 0;                                                      \
	}

OPEN_PAIR(open)
OPEN_PAIR(openat)
OPEN_PAIR(openat2)

/*
 * The same syscalls on the generic entry and exit: every syscall of the
 * system comes here, the ones not timed leave after the switch on the id.
 * The roles' filesystem masks (sync: not nfs; fstat: nfs only) decide at run
 * time what the per-syscall plan decides by attaching or not.
 */
static __always_inline void fs_syscall_enter(long id, struct pt_regs *regs)
{
	int role;

	switch (id) {
	case EBPFC_NR_read:
	case EBPFC_NR_pread64:
	case EBPFC_NR_readv:
	case EBPFC_NR_write:
	case EBPFC_NR_pwrite64:
	case EBPFC_NR_writev:
		role = 0;
		break;
	case EBPFC_NR_fsync:
	case EBPFC_NR_fdatasync:
		role = 1;
		break;
	case EBPFC_NR_fstat:
		role = 2;
		break;
#ifdef EBPFC_NR_open
	case EBPFC_NR_open:
#endif
	case EBPFC_NR_openat:
	case EBPFC_NR_openat2:
		role = 3;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	if (role == 0)
		enter_fd_io((long)ebpfc_syscall_arg(regs, 1));
	else if (role == 1)
		enter_sync((long)ebpfc_syscall_arg(regs, 1));
	else if (role == 2)
		enter_attribute((long)ebpfc_syscall_arg(regs, 1));
	else
		enter_open();
}

static __always_inline void fs_syscall_exit(long id, long ret, struct pt_regs *regs)
{
	__u32 op;

	switch (id) {
	case EBPFC_NR_read:
	case EBPFC_NR_pread64:
	case EBPFC_NR_readv:
		op = EBPFC_FS_OP_READ;
		break;
	case EBPFC_NR_write:
	case EBPFC_NR_pwrite64:
	case EBPFC_NR_writev:
		op = EBPFC_FS_OP_WRITE;
		break;
	case EBPFC_NR_fsync:
	case EBPFC_NR_fdatasync:
	case EBPFC_NR_fstat:
		op = EBPFC_FS_OP_SYNC;
		break;
#ifdef EBPFC_NR_open
	case EBPFC_NR_open:
#endif
	case EBPFC_NR_openat:
	case EBPFC_NR_openat2:
		op = EBPFC_FS_OP_OPEN;
		break;
	default:
		return;
	}
	if (ebpfc_syscall_compat())
		return;
	if (op == EBPFC_FS_OP_OPEN)
		exit_open(ret);
	else
		exit_fd_op(op);
}

EBPFC_SYSCALL_ENTER_PROGRAMS(tracepoint_syscall_enter, fs_syscall_enter)
EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, fs_syscall_exit)

/* ------------------------------------------------- trampoline and probe */

/*
 * One fentry/fexit pair and one kretprobe per (filesystem, operation). The
 * section names carry Netdata's functions; user space retargets a pair with
 * setAttachTarget when the kernel has another name (nfs4_file_open...), and
 * attaches the kretprobes by name.
 */
#define FS_OP(fs, opname, slot, op, func)                                      \
	SEC("fentry/" #func)                                                   \
	int trampoline_##fs##_##opname##_entry(void *ctx)                      \
	{                                                                      \
		remember_start(slot);                                          \
		return 0;                                                      \
	}                                                                      \
	SEC("fexit/" #func)                                                    \
	int trampoline_##fs##_##opname##_exit(void *ctx)                       \
	{                                                                      \
		exit_known(slot, op);                                          \
		return 0;                                                      \
	}                                                                      \
	SEC("kretprobe/" #func)                                                \
	int probe_##fs##_##opname##_exit(struct pt_regs *ctx)                  \
	{                                                                      \
		exit_known(slot, op);                                          \
		return 0;                                                      \
	}

FS_OP(ext4, read, EBPFC_FS_EXT4, EBPFC_FS_OP_READ, ext4_file_read_iter)
FS_OP(ext4, write, EBPFC_FS_EXT4, EBPFC_FS_OP_WRITE, ext4_file_write_iter)
FS_OP(ext4, open, EBPFC_FS_EXT4, EBPFC_FS_OP_OPEN, ext4_file_open)
FS_OP(ext4, sync, EBPFC_FS_EXT4, EBPFC_FS_OP_SYNC, ext4_sync_file)

FS_OP(xfs, read, EBPFC_FS_XFS, EBPFC_FS_OP_READ, xfs_file_read_iter)
FS_OP(xfs, write, EBPFC_FS_XFS, EBPFC_FS_OP_WRITE, xfs_file_write_iter)
FS_OP(xfs, open, EBPFC_FS_XFS, EBPFC_FS_OP_OPEN, xfs_file_open)
FS_OP(xfs, sync, EBPFC_FS_XFS, EBPFC_FS_OP_SYNC, xfs_file_fsync)

FS_OP(nfs, read, EBPFC_FS_NFS, EBPFC_FS_OP_READ, nfs_file_read)
FS_OP(nfs, write, EBPFC_FS_NFS, EBPFC_FS_OP_WRITE, nfs_file_write)
FS_OP(nfs, open, EBPFC_FS_NFS, EBPFC_FS_OP_OPEN, nfs_file_open)
FS_OP(nfs, attribute, EBPFC_FS_NFS, EBPFC_FS_OP_SYNC, nfs_getattr)

FS_OP(zfs, read, EBPFC_FS_ZFS, EBPFC_FS_OP_READ, zpl_iter_read)
FS_OP(zfs, write, EBPFC_FS_ZFS, EBPFC_FS_OP_WRITE, zpl_iter_write)
FS_OP(zfs, open, EBPFC_FS_ZFS, EBPFC_FS_OP_OPEN, zpl_open)
FS_OP(zfs, sync, EBPFC_FS_ZFS, EBPFC_FS_OP_SYNC, zpl_fsync)

FS_OP(btrfs, read, EBPFC_FS_BTRFS, EBPFC_FS_OP_READ, btrfs_file_read_iter)
FS_OP(btrfs, write, EBPFC_FS_BTRFS, EBPFC_FS_OP_WRITE, btrfs_file_write_iter)
FS_OP(btrfs, open, EBPFC_FS_BTRFS, EBPFC_FS_OP_OPEN, btrfs_file_open)
FS_OP(btrfs, sync, EBPFC_FS_BTRFS, EBPFC_FS_OP_SYNC, btrfs_sync_file)

/* Attached by name to every chosen function: the start only; the kretprobe knows the rest. */
SEC("kprobe/ext4_file_read_iter")
int probe_fs_entry(struct pt_regs *ctx)
{
	remember_start(EBPFC_FS_SLOTS);
	return 0;
}
