/**
 * Numbers and names shared with bpf/process.bpf.c and bpf/process.h: lanes,
 * layouts, maps and globals come from src/generated/process.ts, which the
 * build generates from the header and the object. Not exported.
 */
import type { AttachMode } from '@ebpf-collectors/core';
import {
  EBPFC_PROCESS_COUNTERS,
  MAPS,
  PROCESS_PID_STAT_LANES,
  ProcessCounter,
  ProcessPidStatLane,
  ProcessPidStatLayout,
  type ConstGlobalName,
  type MapName,
  type ProgramName,
} from './generated/process.js';

/** Lanes of `tbl_total_stats` (`enum ebpfc_process_counter`). */
export const COUNTER = ProcessCounter;

/** `EBPFC_PROCESS_COUNTERS`. */
export const COUNTER_LANES = EBPFC_PROCESS_COUNTERS;

/** Lanes of a `tbl_pid_stats` value (`struct ebpfc_process_pid_stat`, all u64), under the collector's names. */
export const PID_LANE = {
  exit: ProcessPidStatLane.exitCall,
  release: ProcessPidStatLane.releaseCall,
  createProcess: ProcessPidStatLane.createProcess,
  createThread: ProcessPidStatLane.createThread,
  taskError: ProcessPidStatLane.taskErr,
} as const;

/** Number of u64 fields of `struct ebpfc_process_pid_stat`. */
export const PID_LANES = PROCESS_PID_STAT_LANES;

/** `sizeof(struct ebpfc_process_pid_stat)`. */
export const PID_VALUE_SIZE = ProcessPidStatLayout.size;

/** `tbl_pid_stats` key: a u32 tgid. */
export const PID_KEY_SIZE = MAPS.tbl_pid_stats.keySize;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  totals: 'tbl_total_stats',
  pids: 'tbl_pid_stats',
  cloneFlags: 'tbl_clone_flags',
} as const satisfies Record<string, MapName>;

/** `const volatile` globals (bpf/include/ebpfc_pid.h), checked against the object's BTF. */
export const GLOBAL = {
  collectPid: 'ebpfc_collect_pid',
  appsEnabled: 'ebpfc_apps_enabled',
  pidPerCpu: 'ebpfc_pid_per_cpu',
} as const satisfies Record<string, ConstGlobalName>;

/** Program name prefixes: one family per attach mode, plus programs every mode loads. */
export const COMMON_PREFIX = 'common_';
export const FAMILY_PREFIX: Readonly<Record<AttachMode, string>> = {
  trampoline: 'trampoline_',
  probe: 'probe_',
  tracepoint: 'tracepoint_',
};

/** Programs every mode attaches: raw tracepoint name per program (the raw_tp program; `<name>_tp_btf` is its tp_btf twin). */
export const COMMON_PROGRAMS = {
  common_sched_process_fork: 'sched_process_fork',
  common_sched_process_exit: 'sched_process_exit',
} as const satisfies Partial<Record<ProgramName, string>>;

/** Tracepoint mode's release program on `sched_process_free` (raw_tp; `<name>_tp_btf` its twin). */
export const FREE_PROGRAM = 'tracepoint_sched_process_free' satisfies ProgramName;

/** The tp_btf twin of a raw_tp program of {@link COMMON_PROGRAMS} or {@link FREE_PROGRAM}, which the compiler checks exists. */
export function tpBtfTwin<N extends keyof typeof COMMON_PROGRAMS | typeof FREE_PROGRAM>(name: N): `${N}_tp_btf` & ProgramName {
  return `${name}_tp_btf` as `${N}_tp_btf` & ProgramName;
}

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
} as const satisfies Partial<Record<ProgramName, string>>;

/** Name given to `EBPFC_SYSCALL_EXIT_PROGRAMS` in process.bpf.c: the failed clones on the generic `sys_exit`. */
export const PROCESS_SYSCALL_EXIT_PROGRAM = 'tracepoint_syscall_exit';

/** Entry programs, loaded only where the exits cannot read the task's registers (before 5.15: no `bpf_task_pt_regs`). */
export const TRACEPOINT_ENTRY_PROGRAMS: ReadonlySet<keyof typeof TRACEPOINT_ERROR_PROGRAMS> = new Set([
  'tracepoint_sys_enter_clone',
  'tracepoint_sys_enter_clone3',
]);

/** First kernel whose exits read the clone flags themselves (`bpf_task_pt_regs`), as `kernelVersionCode()` gives it. */
export const TASK_PT_REGS_VERSION = (5 << 16) | (15 << 8);

/** Entry/exit pairs that must be loaded together before 5.15 (the exit side reads what the entry saved). */
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
  `${PROCESS_SYSCALL_EXIT_PROGRAM}_tp_btf`,
  `${PROCESS_SYSCALL_EXIT_PROGRAM}_raw_tp`,
]);

/** Per-collect decoded global counters (cumulative since load). */
export type CounterVector = readonly [bigint, bigint, bigint, bigint, bigint, bigint];
