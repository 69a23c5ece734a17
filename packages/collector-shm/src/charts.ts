/**
 * Chart table of the shm collector: `system.shared_memory_calls` from the
 * cumulative `tbl_shm` lanes, and `apps.*`, `cgroup_<name>.*`, `services.*`
 * from per-group totals of the `tbl_pid_shm` lanes, for the enabled
 * syscalls. Pure, for unit tests.
 */
import type { ChartDefinition, ChartSettings, CounterChartsSpec, GroupMetric, HostChart } from '@ebpf-collectors/core';
import { CounterChartBuilder, hostChartDefinition, lane } from '@ebpf-collectors/core';
import { COUNTER, PID_LANE, SYSCALLS } from './internal-types.js';
import { ALGORITHM, GROUP_FAMILY, HOST_CHART, MODULE, SYSCALL_SPECS, UNITS_CALLS } from './metrics.js';
import type { ShmCounts, ShmSettings, ShmSyscall } from './types.js';

/** The host chart with a dimension per enabled syscall (none when all are off). */
export function hostChartTable(syscalls: ReadonlyArray<ShmSyscall>): HostChart[] {
  const on = new Set(syscalls);
  const dimensions = SYSCALL_SPECS.filter((s) => on.has(s.syscall)).map((s) => ({ id: s.dimension, value: lane(COUNTER[s.syscall]) }));
  if (dimensions.length === 0) return [];
  return [
    {
      type: HOST_CHART.type,
      id: HOST_CHART.id,
      title: HOST_CHART.title,
      units: UNITS_CALLS,
      family: HOST_CHART.family,
      context: '',
      chartType: HOST_CHART.chartType,
      priority: HOST_CHART.priority,
      algorithm: ALGORITHM,
      dimensions,
    },
  ];
}

/** Host chart definitions. */
export function hostCharts(syscalls: ReadonlyArray<ShmSyscall>, updateEvery: number): ChartDefinition[] {
  return hostChartTable(syscalls).map((chart) => hostChartDefinition(chart, MODULE, updateEvery));
}

/**
 * Per-group metrics of the enabled syscalls: apps (stacked), cgroups (line,
 * one dimension named like the host one) and services (stacked), all
 * cumulative (`incremental`).
 */
export function groupMetrics(syscalls: ReadonlyArray<ShmSyscall>): GroupMetric[] {
  const on = new Set(syscalls);
  return SYSCALL_SPECS.filter((s) => on.has(s.syscall)).map((spec) => {
    const pidLane = PID_LANE[spec.syscall];
    return {
      id: spec.groupId,
      title: spec.groupTitle,
      units: UNITS_CALLS,
      value: (lanes: ReadonlyArray<bigint>) => lanes[pidLane] ?? 0n,
      apps: { family: GROUP_FAMILY, context: '', chartType: 'stacked', priority: spec.appsPriority, algorithm: ALGORITHM },
      cgroup: {
        family: GROUP_FAMILY,
        context: `cgroup.${spec.context}`,
        chartType: 'line',
        priority: spec.cgroupPriority,
        algorithm: ALGORITHM,
        dimension: { id: spec.dimension },
      },
      services: {
        family: GROUP_FAMILY,
        context: `services.${spec.context}`,
        chartType: 'stacked',
        priority: spec.servicesPriority,
        algorithm: ALGORITHM,
      },
    };
  });
}

/** The kit's chart table for the enabled syscalls. */
export function shmCharts(settings: Pick<ShmSettings, 'syscalls'>): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(settings.syscalls), groups: groupMetrics(settings.syscalls) };
}

/** Named counts from four lanes (host `tbl_shm` or one PID's `tbl_pid_shm` value: same order). */
export function decodeCounters(lanes: ArrayLike<bigint>): ShmCounts {
  return Object.fromEntries(SYSCALLS.map((s) => [s, lanes[COUNTER[s]] ?? 0n])) as Record<ShmSyscall, bigint>;
}

/** The kit's chart builder over {@link shmCharts} (for tests and tools that feed recorded readings). */
export class ShmChartBuilder extends CounterChartBuilder {
  constructor(settings: Pick<ShmSettings, 'syscalls'> & ChartSettings) {
    super(shmCharts(settings), settings);
  }
}
