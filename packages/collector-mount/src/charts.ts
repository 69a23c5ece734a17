/**
 * Chart table of the mount collector: `mount_points.call` and
 * `mount_points.error`, each dimension a cumulative `tbl_mount` lane (the
 * agent makes rates). Pure, for unit tests.
 */
import type { ChartDefinition, ChartSwitches, CounterChartsSpec, HostChart } from '@ebpf-collectors/core';
import { CounterChartBuilder, hostChartDefinition, lane } from '@ebpf-collectors/core';
import { COUNTER } from './internal-types.js';
import { ALGORITHM, CHARTS, CHART_TYPE, FAMILY, MODULE, TYPE, UNITS_CALLS } from './metrics.js';
import type { MountCounts } from './types.js';

/** The two host charts (the same in both load modes). */
export function hostChartTable(): HostChart[] {
  return CHARTS.map((spec) => ({
    type: TYPE,
    id: spec.id,
    title: spec.title,
    units: UNITS_CALLS,
    family: FAMILY,
    context: '',
    chartType: CHART_TYPE,
    priority: spec.priority,
    algorithm: ALGORITHM,
    dimensions: spec.dimensions.map((d) => ({ id: d.id, value: lane(COUNTER[d.value]) })),
  }));
}

/** Chart definitions. */
export function hostCharts(updateEvery: number): ChartDefinition[] {
  return hostChartTable().map((chart) => hostChartDefinition(chart, MODULE, updateEvery));
}

/** The kit's chart table: host charts only (Netdata's mount thread has no apps or cgroup charts). */
export function mountCharts(): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(), groups: [] };
}

/** Named counts from the four `tbl_mount` lanes. */
export function decodeCounters(lanes: ArrayLike<bigint>): MountCounts {
  const at = (i: number) => lanes[i] ?? 0n;
  return {
    mountCalls: at(COUNTER.mountCalls),
    umountCalls: at(COUNTER.umountCalls),
    mountErrors: at(COUNTER.mountErrors),
    umountErrors: at(COUNTER.umountErrors),
  };
}

/** The kit's chart builder over {@link mountCharts} (for tests and tools that feed recorded readings). */
export class MountChartBuilder extends CounterChartBuilder {
  constructor(settings: Pick<ChartSwitches, 'updateEvery'>) {
    super(mountCharts(), { updateEvery: settings.updateEvery, apps: false, cgroups: false });
  }
}
