/**
 * Numbers and names shared with bpf/shm.bpf.c and bpf/shm.h: lanes, maps and
 * globals come from src/generated/shm.ts, which the build generates from
 * the header and the object. Not exported from the package.
 */
import {
  EBPFC_SHM_COUNTERS,
  EBPFC_SHM_PID_LANES,
  ShmCounter,
  ShmPidLane,
  type ConstGlobalName,
  type MapName,
  type ProgramName,
} from './generated/shm.js';
import type { ShmSyscall } from './types.js';

/** The call part of each syscall's name, as the header and the programs spell it. */
const CALL = { shmget: 'get', shmat: 'at', shmdt: 'dt', shmctl: 'ctl' } as const satisfies Record<ShmSyscall, keyof typeof ShmCounter>;

/** Lanes of `tbl_shm` (`enum ebpfc_shm_counter`) by syscall. */
export const COUNTER: Readonly<Record<ShmSyscall, number>> = {
  shmget: ShmCounter.get,
  shmat: ShmCounter.at,
  shmdt: ShmCounter.dt,
  shmctl: ShmCounter.ctl,
};

/** `EBPFC_SHM_COUNTERS`. */
export const COUNTER_LANES = EBPFC_SHM_COUNTERS;

/** Lanes of a `tbl_pid_shm` value (`enum ebpfc_shm_pid_lane`) by syscall. */
export const PID_LANE: Readonly<Record<ShmSyscall, number>> = {
  shmget: ShmPidLane.get,
  shmat: ShmPidLane.at,
  shmdt: ShmPidLane.dt,
  shmctl: ShmPidLane.ctl,
};

/** `EBPFC_SHM_PID_LANES`. */
export const PID_LANES = EBPFC_SHM_PID_LANES;

/** Map names in the object (Netdata's), checked against its BTF by the compiler. */
export const MAP = { totals: 'tbl_shm', pids: 'tbl_pid_shm' } as const satisfies Record<string, MapName>;

/** `const volatile` globals of bpf/include/ebpfc_pid.h (checked against the object's BTF). */
export const GLOBAL = {
  collectPid: 'ebpfc_collect_pid',
  appsEnabled: 'ebpfc_apps_enabled',
  pidPerCpu: 'ebpfc_pid_per_cpu',
} as const satisfies Record<string, ConstGlobalName>;

/** Every syscall, in Netdata's `[syscalls]` and dimension order. */
export const SYSCALLS: ReadonlyArray<ShmSyscall> = ['shmget', 'shmat', 'shmdt', 'shmctl'];

/** Program of a syscall in one attach mode. */
export function programOf(mode: 'trampoline' | 'probe' | 'tracepoint', syscall: ShmSyscall): ProgramName {
  return `${mode}_shm_${CALL[syscall]}`;
}

/** The functions a syscall may be, first the kernel has wins (the kit's list, shared by every syscall collector). */
export { syscallFunctions } from '@ebpf-collectors/core';
