/**
 * Numbers and names shared with bpf/process.bpf.c and bpf/process.h. Every
 * value here must match the C side; the unit tests check them against the
 * built object's BTF where they can.
 */
import type { AttachMode } from '@ebpf-collectors/core';

/** Lanes of `tbl_total_stats` (`enum ebpfc_process_counter`). */
export const COUNTER = {
  exit: 0,
  release: 1,
  newProcess: 2,
  processError: 3,
  newThread: 4,
  threadError: 5,
} as const;

/** `EBPFC_PROCESS_COUNTERS`. */
export const COUNTER_LANES = 6;

/** Lanes of a `tbl_pid_stats` value (`struct ebpfc_process_pid_stat`, all u64). */
export const PID_LANE = {
  exit: 0,
  release: 1,
  createProcess: 2,
  createThread: 3,
  taskError: 4,
} as const;

/** Number of u64 fields of `struct ebpfc_process_pid_stat`. */
export const PID_LANES = 5;

/** `sizeof(struct ebpfc_process_pid_stat)`. */
export const PID_VALUE_SIZE = PID_LANES * 8;

/** `tbl_pid_stats` key: a u32 tgid. */
export const PID_KEY_SIZE = 4;

/** Map names in the object. */
export const MAP = {
  totals: 'tbl_total_stats',
  pids: 'tbl_pid_stats',
  cloneFlags: 'tbl_clone_flags',
} as const;

/** `const volatile` globals (bpf/include/ebpfc_pid.h). */
export const GLOBAL = {
  collectPid: 'ebpfc_collect_pid',
  appsEnabled: 'ebpfc_apps_enabled',
  pidPerCpu: 'ebpfc_pid_per_cpu',
} as const;

/** Program name prefixes: one family per attach mode, plus programs every mode loads. */
export const COMMON_PREFIX = 'common_';
export const FAMILY_PREFIX: Readonly<Record<AttachMode, string>> = {
  trampoline: 'trampoline_',
  probe: 'probe_',
  tracepoint: 'tracepoint_',
};

/** Programs every mode attaches: raw tracepoint name per program. */
export const COMMON_PROGRAMS = {
  common_sched_process_fork: 'sched_process_fork',
  common_sched_process_exit: 'sched_process_exit',
} as const;

/** Kernel functions that create tasks and see the clone flags, newest first. */
export const CLONE_FUNCTIONS = ['kernel_clone', '_do_fork'] as const;

/** The kernel function whose calls are task releases (trampoline and probe modes). */
export const RELEASE_FUNCTION = 'release_task';

/** Tracepoint-mode error programs and the `syscalls` event each one hooks. */
export const TRACEPOINT_ERROR_PROGRAMS = {
  tracepoint_sys_enter_clone: 'sys_enter_clone',
  tracepoint_sys_enter_clone3: 'sys_enter_clone3',
  tracepoint_sys_exit_clone: 'sys_exit_clone',
  tracepoint_sys_exit_clone3: 'sys_exit_clone3',
  tracepoint_sys_exit_fork: 'sys_exit_fork',
  tracepoint_sys_exit_vfork: 'sys_exit_vfork',
} as const;

/** Entry/exit pairs that must be loaded together (the exit side reads what the entry saved). */
export const TRACEPOINT_PAIRS: ReadonlyArray<readonly [keyof typeof TRACEPOINT_ERROR_PROGRAMS, keyof typeof TRACEPOINT_ERROR_PROGRAMS]> = [
  ['tracepoint_sys_enter_clone', 'tracepoint_sys_exit_clone'],
  ['tracepoint_sys_enter_clone3', 'tracepoint_sys_exit_clone3'],
];

/** Names of the programs that only load in `return` load mode. */
export const RETURN_MODE_PROGRAMS: ReadonlySet<string> = new Set([
  'trampoline_kernel_clone',
  'probe_kernel_clone_entry',
  'probe_kernel_clone_exit',
  ...Object.keys(TRACEPOINT_ERROR_PROGRAMS),
]);

/** Per-collect decoded global counters (cumulative since load). */
export type CounterVector = readonly [bigint, bigint, bigint, bigint, bigint, bigint];
