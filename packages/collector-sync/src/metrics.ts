/**
 * Netdata 1.37.1 sync thread charts: ids, titles, units, family, priorities
 * and dimensions, as constants.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';
import type { SyncSyscall } from './types.js';

/** Netdata module name (`module` field of every chart, config key, thread name). */
export const MODULE = 'sync';

/** Type part of the chart ids. */
export const TYPE_MEM = 'mem';

export const UNITS_CALLS = 'calls/s';

/** Family (dashboard submenu) of every chart. */
export const FAMILY = 'synchronization (eBPF)';

/** Every dimension counts calls; the agent makes the rate. */
export const ALGORITHM: DimensionAlgorithm = 'incremental';

export const CHART_TYPE: ChartType = 'line';

/** One chart and the syscalls it shows, one dimension each (id = name = the syscall). */
export interface SyncChartSpec {
  readonly id: string;
  /** With Netdata's literal `<code>` markup. */
  readonly title: string;
  readonly priority: number;
  readonly syscalls: ReadonlyArray<SyncSyscall>;
}

/** The four `mem.*` charts in Netdata's creation order. */
export const CHARTS: ReadonlyArray<SyncChartSpec> = [
  {
    id: 'file_sync',
    title: 'Monitor calls for <code>fsync(2)</code> and <code>fdatasync(2)</code>.',
    priority: 21300,
    syscalls: ['fsync', 'fdatasync'],
  },
  {
    id: 'memory_map',
    title: 'Monitor calls for <code>msync(2)</code>.',
    priority: 21301,
    syscalls: ['msync'],
  },
  {
    id: 'sync',
    title: 'Monitor calls for <code>sync(2)</code> and <code>syncfs(2)</code>.',
    priority: 21302,
    syscalls: ['sync', 'syncfs'],
  },
  {
    id: 'file_segment',
    title: 'Monitor calls for <code>sync_file_range(2)</code>.',
    priority: 21303,
    syscalls: ['sync_file_range'],
  },
];

/** The chart (`mem.<id>`) a syscall's dimension is on. */
export function chartOf(syscall: SyncSyscall): string {
  const chart = CHARTS.find((c) => c.syscalls.includes(syscall))!;
  return `${TYPE_MEM}.${chart.id}`;
}
