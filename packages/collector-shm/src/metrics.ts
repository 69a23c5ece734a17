/**
 * Netdata 1.37.1 shm thread charts: ids, titles, units, families, contexts,
 * priorities and dimensions, as constants.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';
import type { ShmSyscall } from './types.js';

/** Netdata module name (`module` field of every chart, config key, thread name). */
export const MODULE = 'shm';

export const UNITS_CALLS = 'calls/s';

export const ALGORITHM: DimensionAlgorithm = 'incremental';

/** The host chart, `system.shared_memory_calls`: one dimension per syscall. */
export const HOST_CHART = {
  type: 'system',
  id: 'shared_memory_calls',
  title: 'Calls to shared memory system calls',
  family: 'ipc shared memory',
  chartType: 'line' as ChartType,
  priority: 1207,
} as const;

/** Families of the per-group charts (apps, cgroup and services alike). */
export const GROUP_FAMILY = 'ipc shm (eBPF)';

/** One syscall: its host dimension and its per-group charts. */
export interface ShmSyscallSpec {
  readonly syscall: ShmSyscall;
  /** Dimension id (= name) on the host chart and on its cgroup chart. */
  readonly dimension: string;
  /** Chart id of `apps.<id>`, `cgroup_<name>.<id>`, `services.<id>`. */
  readonly groupId: string;
  readonly groupTitle: string;
  readonly appsPriority: number;
  /** Netdata gives shmctl's services chart shmdt's priority (20193); kept. */
  readonly servicesPriority: number;
  readonly cgroupPriority: number;
  /** Context suffix: `cgroup.<c>`, `services.<c>`. */
  readonly context: string;
}

/** The four syscalls in Netdata's order. */
export const SYSCALL_SPECS: ReadonlyArray<ShmSyscallSpec> = [
  {
    syscall: 'shmget',
    dimension: 'get',
    groupId: 'shmget_call',
    groupTitle: 'Calls to syscall <code>shmget(2)</code>.',
    appsPriority: 20191,
    servicesPriority: 20191,
    cgroupPriority: 45800,
    context: 'shmget',
  },
  {
    syscall: 'shmat',
    dimension: 'at',
    groupId: 'shmat_call',
    groupTitle: 'Calls to syscall <code>shmat(2)</code>.',
    appsPriority: 20192,
    servicesPriority: 20192,
    cgroupPriority: 45801,
    context: 'shmat',
  },
  {
    syscall: 'shmdt',
    dimension: 'dt',
    groupId: 'shmdt_call',
    groupTitle: 'Calls to syscall <code>shmdt(2)</code>.',
    appsPriority: 20193,
    servicesPriority: 20193,
    cgroupPriority: 45802,
    context: 'shmdt',
  },
  {
    syscall: 'shmctl',
    dimension: 'ctl',
    groupId: 'shmctl_call',
    groupTitle: 'Calls to syscall <code>shmctl(2)</code>.',
    appsPriority: 20194,
    servicesPriority: 20193,
    cgroupPriority: 45803,
    context: 'shmctl',
  },
];

/** The spec of a syscall. */
export function specOf(syscall: ShmSyscall): ShmSyscallSpec {
  return SYSCALL_SPECS.find((s) => s.syscall === syscall)!;
}
