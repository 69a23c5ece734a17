/**
 * Chart table of the sync collector: the `mem.*` charts of the enabled
 * syscalls, each dimension the cumulative call count of one `tbl_sync`
 * lane (the agent makes rates). Pure, for unit tests.
 */
import type { ChartDefinition, CounterChartsSpec, HostChart } from '@ebpf-collectors/core';
import { CounterChartBuilder, hostChartDefinition, lane } from '@ebpf-collectors/core';
import { COUNTER, SYSCALLS } from './internal-types.js';
import { ALGORITHM, CHARTS, CHART_TYPE, FAMILY, MODULE, TYPE_MEM, UNITS_CALLS } from './metrics.js';
import type { SyncCounts, SyncSettings, SyncSyscall } from './types.js';

/**
 * The host charts for these syscalls: a chart exists when one of its
 * syscalls is enabled and has a dimension only for the enabled ones.
 */
export function hostChartTable(syscalls: ReadonlyArray<SyncSyscall>): HostChart[] {
  const on = new Set(syscalls);
  return CHARTS.filter((spec) => spec.syscalls.some((s) => on.has(s))).map((spec) => ({
    type: TYPE_MEM,
    id: spec.id,
    title: spec.title,
    units: UNITS_CALLS,
    family: FAMILY,
    context: '',
    chartType: CHART_TYPE,
    priority: spec.priority,
    algorithm: ALGORITHM,
    dimensions: spec.syscalls.filter((s) => on.has(s)).map((s) => ({ id: s, value: lane(COUNTER[s]) })),
  }));
}

/** Chart definitions for these syscalls. */
export function hostCharts(syscalls: ReadonlyArray<SyncSyscall>, updateEvery: number): ChartDefinition[] {
  return hostChartTable(syscalls).map((chart) => hostChartDefinition(chart, MODULE, updateEvery));
}

/** The kit's chart table: host charts only (Netdata's sync thread has no apps or cgroup charts). */
export function syncCharts(settings: Pick<SyncSettings, 'syscalls'>): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(settings.syscalls), groups: [] };
}

/** Named counts from the six `tbl_sync` lanes. */
export function decodeCounters(lanes: ArrayLike<bigint>): SyncCounts {
  return Object.fromEntries(SYSCALLS.map((s) => [s, lanes[COUNTER[s]] ?? 0n])) as Record<SyncSyscall, bigint>;
}

/** The kit's chart builder over {@link syncCharts} (for tests and tools that feed recorded readings). */
export class SyncChartBuilder extends CounterChartBuilder {
  constructor(settings: Pick<SyncSettings, 'syscalls' | 'updateEvery'>) {
    super(syncCharts(settings), { updateEvery: settings.updateEvery, apps: false, cgroups: false });
  }
}
