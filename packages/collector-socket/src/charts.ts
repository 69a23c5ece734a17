/**
 * Chart math of the socket collector: from cumulative kernel counters and
 * per-group totals to the values of one tick. Pure (no kernel access), so it
 * runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, ChartSettings, CounterChartsSpec, GroupMetric, HostChart } from '@ebpf-collectors/core';
import { CounterChartBuilder, hostChartDefinition, lane } from '@ebpf-collectors/core';
import {
  FAMILY,
  GROUP_METRICS,
  HOST_CHARTS,
  HOST_PRIORITY_BASE,
  KILOBITS_DIVISOR,
  KILOBITS_MULTIPLIER,
  MODULE,
  TYPE_IP,
  type HostChartSpec,
} from './metrics.js';

/** What the chart builder needs from the configuration. */
export type ChartOptions = ChartSettings;

/** One tick's input: `tbl_global_sock` summed over CPUs (counter-lane order) and group totals (lanes of `struct ebpfc_socket_pid_stat`). */
export type { GroupInput, TickInput } from '@ebpf-collectors/core';

/** The host chart specs that exist in a load mode, with their priorities. */
export function hostChartSpecs(returnMode: boolean): Array<HostChartSpec & { priority: number }> {
  return HOST_CHARTS.filter((c) => returnMode || !c.returnOnly).map((c, i) => ({ ...c, priority: HOST_PRIORITY_BASE + i }));
}

/**
 * The `ip.*` charts of a load mode as the kit's host chart table: values are
 * per-interval deltas (`absolute`) except `ip.inbound_conn`, which is
 * cumulative (`incremental`).
 */
export function hostChartTable(returnMode: boolean): HostChart[] {
  return hostChartSpecs(returnMode).map((spec) => ({
    type: TYPE_IP,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.host,
    context: '',
    chartType: spec.chartType,
    priority: spec.priority,
    algorithm: spec.algorithm,
    values: spec.algorithm === 'incremental' ? 'cumulative' : 'delta',
    dimensions: spec.dimensions.map((d) => ({
      id: d.id,
      name: d.name,
      ...(d.kilobits !== undefined
        ? { multiplier: d.kilobits === 'negative' ? -KILOBITS_MULTIPLIER : KILOBITS_MULTIPLIER, divisor: KILOBITS_DIVISOR }
        : {}),
      value: lane(d.lane),
    })),
  }));
}

/** The `ip.*` chart definitions. */
export function hostCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  return hostChartTable(options.returnMode).map((chart) => hostChartDefinition(chart, MODULE, options.updateEvery));
}

const kilobits = { multiplier: KILOBITS_MULTIPLIER, divisor: KILOBITS_DIVISOR } as const;

/** The nine per-group metrics as the core chart builder takes them (all `incremental`, as Netdata 1.37.1). */
export const SOCKET_GROUP_METRICS: ReadonlyArray<GroupMetric> = GROUP_METRICS.map((m) => ({
  id: m.id,
  title: m.apps.title,
  units: m.units,
  value: (lanes: ReadonlyArray<bigint>) => lanes[m.lane] ?? 0n,
  apps: {
    family: FAMILY.apps,
    context: '',
    chartType: 'stacked',
    priority: m.apps.priority,
    algorithm: 'incremental',
    ...(m.bytes ? kilobits : {}),
  },
  cgroup: {
    family: FAMILY.cgroup,
    context: m.cgroup.context,
    chartType: 'line',
    priority: m.cgroup.priority,
    algorithm: 'incremental',
    title: m.cgroup.title,
    dimension: m.cgroup.dimension,
    ...(m.bytes ? kilobits : {}),
  },
  services: {
    family: FAMILY.services,
    context: m.services.context,
    chartType: 'stacked',
    priority: m.services.priority,
    algorithm: 'incremental',
    title: m.services.title,
    ...(m.bytes ? kilobits : {}),
  },
}));

/** The socket chart table of a load mode: `ip.*` host charts and the nine per-group metrics. */
export function socketCharts(options: Pick<ChartOptions, 'returnMode'>): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(options.returnMode), groups: SOCKET_GROUP_METRICS };
}

/** The kit's chart builder over {@link socketCharts} (for tests and tools that feed recorded readings). */
export class SocketChartBuilder extends CounterChartBuilder {
  constructor(options: ChartOptions) {
    super(socketCharts(options), options);
  }
}
