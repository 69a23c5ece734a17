/**
 * Numbers and names shared with bpf/fd.bpf.c + bpf/fd.h and
 * bpf/filesystem.bpf.c + bpf/filesystem.h: lanes, slots, histogram sizes,
 * maps and globals come from src/generated/{fd,filesystem}.ts, which the
 * build generates from the headers and the objects. What is left here is the
 * collector's own choice of hooks. Not exported.
 */
import * as fd from './generated/fd.js';
import * as filesystem from './generated/filesystem.js';

// ---------------------------------------------------------------------------
// fd
// ---------------------------------------------------------------------------

/** Lanes of `tbl_fd_global` and of a `tbl_fd_pid` value (`enum ebpfc_fd_counter`, `struct ebpfc_fd_pid_stat`). */
export const FD_LANE = fd.FdCounter;

/** `EBPFC_FD_COUNTERS`: u64 lanes of the global counters and of a per-PID value. */
export const FD_LANES = fd.EBPFC_FD_COUNTERS;

/** Map names of fd.bpf.o (checked against its BTF by the compiler). */
export const FD_MAP = {
  global: 'tbl_fd_global',
  pids: 'tbl_fd_pid',
} as const satisfies Record<string, fd.MapName>;

/** `const volatile` globals of fd.bpf.o. */
export const FD_GLOBAL = {
  countErrors: 'fd_count_errors',
  closeReturnsFile: 'fd_close_returns_file',
} as const satisfies Record<string, fd.ConstGlobalName>;

/** Shared per-PID switches (bpf/include/ebpfc_pid.h). */
export const PID_GLOBAL = {
  collectPid: 'ebpfc_collect_pid',
  appsEnabled: 'ebpfc_apps_enabled',
  pidPerCpu: 'ebpfc_pid_per_cpu',
} as const satisfies Record<string, fd.ConstGlobalName>;

/**
 * Kernel functions that open a file for the open syscalls, newest first:
 * `do_sys_openat2` (5.6+) took over from `do_sys_open`.
 */
export const OPEN_FUNCTIONS = ['do_sys_openat2', 'do_sys_open'] as const;

/**
 * Kernel functions that close a descriptor for close(2), newest first.
 * `file_close_fd` (returns the `struct file *`, NULL for a bad fd) is what
 * close(2) calls where it exists; `close_fd` (5.11+) and `__close_fd` return
 * an int.
 */
export const CLOSE_FUNCTIONS = ['file_close_fd', 'close_fd', '__close_fd'] as const;

/** fexit program per open function: the return value follows a different number of arguments. */
export const FD_TRAMPOLINE_OPEN_EXIT: Readonly<Record<(typeof OPEN_FUNCTIONS)[number], string>> = {
  do_sys_openat2: 'trampoline_openat2_exit',
  do_sys_open: 'trampoline_open_exit',
};

/** fexit program per close function. */
export const FD_TRAMPOLINE_CLOSE_EXIT: Readonly<Record<(typeof CLOSE_FUNCTIONS)[number], string>> = {
  file_close_fd: 'trampoline_close_exit',
  close_fd: 'trampoline_close_exit',
  __close_fd: 'trampoline_close_files_exit',
};

/** Name given to `EBPFC_SYSCALL_EXIT_PROGRAMS` in fd.bpf.c (programs `<name>_tp_btf`, `<name>_raw_tp`). */
export const FD_SYSCALL_EXIT_PROGRAM = 'tracepoint_syscall_exit';

/** Tracepoint programs of fd.bpf.o and the `syscalls` event each one hooks, per call kind. */
export const FD_TRACEPOINTS = {
  tracepoint_sys_exit_open: 'sys_exit_open',
  tracepoint_sys_exit_openat: 'sys_exit_openat',
  tracepoint_sys_exit_openat2: 'sys_exit_openat2',
  tracepoint_sys_exit_creat: 'sys_exit_creat',
  tracepoint_sys_exit_close: 'sys_exit_close',
} as const satisfies Partial<Record<fd.ProgramName, string>>;

// ---------------------------------------------------------------------------
// filesystem
// ---------------------------------------------------------------------------

/** Filesystems in Netdata's order (`localfs[]`); the index is the slot (`enum ebpfc_fs_slot`). */
export const FILESYSTEMS = filesystem.FS_SLOT_NAMES;

/** One of the watched filesystem types. */
export type FilesystemName = (typeof FILESYSTEMS)[number];

/** Operations (`enum ebpfc_fs_op`): the fourth is `sync`, or for nfs `attribute`. */
export const FS_OPS = filesystem.FS_OP_NAMES;

/** One operation of a filesystem. */
export type FsOp = (typeof FS_OPS)[number];

/** `EBPFC_FS_HIST_BINS`. */
export const HIST_BINS = filesystem.EBPFC_FS_HIST_BINS;

/** u64 lanes per filesystem slot in `tbl_fs_hist` (`EBPFC_FS_LANES_PER_SLOT`). */
export const LANES_PER_FS = filesystem.EBPFC_FS_LANES_PER_SLOT;

/** `EBPFC_FS_HIST_LANES`. */
export const HIST_LANES = filesystem.EBPFC_FS_HIST_LANES;

/** Map names of filesystem.bpf.o. */
export const FS_MAP = {
  hist: 'tbl_fs_hist',
  start: 'tmp_fs_start',
  watch: 'tbl_fs_watch',
} as const satisfies Record<string, filesystem.MapName>;

/** `mountinfo` filesystem types that count as each slot (Netdata: `nfs` also matches `nfs4`). */
export const FS_MOUNT_TYPES: Readonly<Record<FilesystemName, ReadonlyArray<string>>> = {
  ext4: ['ext4'],
  xfs: ['xfs'],
  nfs: ['nfs', 'nfs4'],
  zfs: ['zfs'],
  btrfs: ['btrfs'],
};

/**
 * Kernel functions hooked per filesystem and operation in trampoline and
 * probe modes, in order of preference (the first the kernel has is used).
 */
export const FS_FUNCTIONS: Readonly<Record<FilesystemName, Readonly<Record<FsOp, ReadonlyArray<string>>>>> = {
  ext4: {
    read: ['ext4_file_read_iter'],
    write: ['ext4_file_write_iter'],
    open: ['ext4_file_open'],
    sync: ['ext4_sync_file'],
  },
  xfs: {
    read: ['xfs_file_read_iter'],
    write: ['xfs_file_write_iter'],
    open: ['xfs_file_open'],
    sync: ['xfs_file_fsync'],
  },
  nfs: {
    read: ['nfs_file_read'],
    write: ['nfs_file_write'],
    open: ['nfs_file_open', 'nfs4_file_open', 'nfs_open'],
    sync: ['nfs_getattr'],
  },
  zfs: {
    read: ['zpl_iter_read'],
    write: ['zpl_iter_write'],
    open: ['zpl_open'],
    sync: ['zpl_fsync'],
  },
  btrfs: {
    read: ['btrfs_file_read_iter'],
    write: ['btrfs_file_write_iter'],
    open: ['btrfs_file_open'],
    sync: ['btrfs_sync_file'],
  },
};

/** Program-name part of an operation (nfs's fourth operation is getattr). */
export function opProgramName(fs: FilesystemName, op: FsOp): string {
  return fs === 'nfs' && op === 'sync' ? 'attribute' : op;
}

/** fentry/fexit/kretprobe program names of one (filesystem, operation). */
export function fsProgramNames(fs: FilesystemName, op: FsOp): { entry: string; exit: string; kretprobe: string } {
  const base = `${fs}_${opProgramName(fs, op)}`;
  return { entry: `trampoline_${base}_entry`, exit: `trampoline_${base}_exit`, kretprobe: `probe_${base}_exit` };
}

/** The kprobe program attached to every chosen function (it only records the start). */
export const FS_PROBE_ENTRY = 'probe_fs_entry';

/** Names given to `EBPFC_SYSCALL_ENTER_PROGRAMS` / `EBPFC_SYSCALL_EXIT_PROGRAMS` in filesystem.bpf.c. */
export const FS_SYSCALL_ENTER_PROGRAM = 'tracepoint_syscall_enter';
export const FS_SYSCALL_EXIT_PROGRAM = 'tracepoint_syscall_exit';

/**
 * Tracepoint pairs of filesystem.bpf.o (the fallback where tp_btf and raw_tp
 * do not load): program suffix = `syscalls` event suffix. `attribute` pairs
 * are loaded only when nfs is enabled.
 */
export const FS_TRACEPOINT_PAIRS: ReadonlyArray<{ readonly syscall: string; readonly role: 'io' | 'open' | 'sync' | 'attribute' }> = [
  { syscall: 'read', role: 'io' },
  { syscall: 'pread64', role: 'io' },
  { syscall: 'readv', role: 'io' },
  { syscall: 'write', role: 'io' },
  { syscall: 'pwrite64', role: 'io' },
  { syscall: 'writev', role: 'io' },
  { syscall: 'open', role: 'open' },
  { syscall: 'openat', role: 'open' },
  { syscall: 'openat2', role: 'open' },
  { syscall: 'fsync', role: 'sync' },
  { syscall: 'fdatasync', role: 'sync' },
  { syscall: 'newfstat', role: 'attribute' },
];
