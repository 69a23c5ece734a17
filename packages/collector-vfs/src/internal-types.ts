/**
 * Numbers and names shared with bpf/vfs.bpf.c and bpf/vfs.h: lanes, maps and
 * globals come from src/generated/vfs.ts, which the build generates from the
 * header and the object; what is left here is the collector's own choice of
 * hooks. Not exported from the package.
 */

import {
  EBPFC_VFS_COUNTERS,
  EBPFC_VFS_PID_LANES,
  VfsCounter,
  VfsPidLane,
  type ConstGlobalName,
  type MapName,
} from './generated/vfs.js';

/** Lanes of the single `tbl_vfs_stats` entry (`enum ebpfc_vfs_counter`), Netdata's order. */
export const COUNTER = VfsCounter;

/** `EBPFC_VFS_COUNTERS`. */
export const COUNTER_LANES = EBPFC_VFS_COUNTERS;

/** Lanes of a `tbl_vfs_pid` value (`enum ebpfc_vfs_pid_lane`); vector calls are added to the plain ones. */
export const PID_LANE = VfsPidLane;

/** `EBPFC_VFS_PID_LANES`. */
export const PID_LANES = EBPFC_VFS_PID_LANES;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  totals: 'tbl_vfs_stats',
  pids: 'tbl_vfs_pid',
} as const satisfies Record<string, MapName>;

/** `const volatile` globals of bpf/include/ebpfc_pid.h (checked against the object's BTF). */
export const GLOBAL = {
  collectPid: 'ebpfc_collect_pid',
  appsEnabled: 'ebpfc_apps_enabled',
  pidPerCpu: 'ebpfc_pid_per_cpu',
} as const satisfies Record<string, ConstGlobalName>;

/** Program name prefixes of the three families. */
export const FAMILY_PREFIX = {
  trampoline: 'trampoline_',
  probe: 'probe_',
  tracepoint: 'tracepoint_',
} as const;

/** Suffix of the return-side programs (fexit, kretprobe). */
export const RETURN_SUFFIX = '_ret';

/** One kernel function Netdata hooks. */
export interface VfsFunction {
  readonly name: string;
  /**
   * Whether a mode can run without it. `vfs_readv`/`vfs_writev` are static
   * helpers that a compiler may inline away; reads and writes still count
   * through `vfs_read`/`vfs_write` then, so their absence is tolerated.
   */
  readonly optional: boolean;
}

/**
 * The kernel functions hooked in trampoline and probe modes, in Netdata's
 * order. Netdata hooks `vfs_fsync`; we hook `vfs_fsync_range`, which every
 * `vfs_fsync` calls, because fsync(2) may run an inlined copy of `vfs_fsync`
 * that no probe sees (Debian's 6.1).
 */
export const VFS_FUNCTIONS: ReadonlyArray<VfsFunction> = [
  { name: 'vfs_write', optional: false },
  { name: 'vfs_writev', optional: true },
  { name: 'vfs_read', optional: false },
  { name: 'vfs_readv', optional: true },
  { name: 'vfs_unlink', optional: false },
  { name: 'vfs_fsync_range', optional: false },
  { name: 'vfs_open', optional: false },
  { name: 'vfs_create', optional: false },
];

/**
 * Syscalls whose exit tracepoint (`syscalls/sys_exit_<name>`) the tracepoint
 * mode hooks, each with program `tracepoint_sys_exit_<name>`. Those missing
 * on an architecture (arm64 has no open, creat, unlink, mknod) are skipped.
 */
export const TRACEPOINT_SYSCALLS: ReadonlyArray<string> = [
  'read',
  'pread64',
  'readv',
  'preadv',
  'preadv2',
  'write',
  'pwrite64',
  'writev',
  'pwritev',
  'pwritev2',
  'unlink',
  'unlinkat',
  'fsync',
  'fdatasync',
  'open',
  'openat',
  'openat2',
  'creat',
  'mknod',
  'mknodat',
];

/**
 * Name given to `EBPFC_SYSCALL_EXIT_PROGRAMS` in vfs.bpf.c: the programs
 * `<name>_tp_btf` and `<name>_raw_tp` on the generic syscall exit.
 */
export const SYSCALL_EXIT_PROGRAM = 'tracepoint_syscall_exit';

/** Program of a syscall's exit tracepoint. */
export function tracepointProgram(syscall: string): string {
  return `${FAMILY_PREFIX.tracepoint}sys_exit_${syscall}`;
}

/** Program hooking a kernel function in trampoline or probe mode. */
export function functionProgram(family: 'trampoline' | 'probe', fn: string, returnSide: boolean): string {
  return `${FAMILY_PREFIX[family]}${fn}${returnSide ? RETURN_SUFFIX : ''}`;
}
