/**
 * Chart math of the process collector: from cumulative kernel counters and
 * per-group totals to the values of one tick. Pure (no kernel access), so it
 * runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, ChartSettings, CounterChartsSpec, GroupMetric, HostChart } from '@ebpf-collectors/core';
import { CounterChartBuilder, hostChartDefinition, lane } from '@ebpf-collectors/core';
import { COUNTER } from './internal-types.js';
import {
  APPS_PRIORITY,
  CGROUP_DIMENSION,
  CGROUP_PRIORITY,
  DIM,
  FAMILY,
  GROUP_METRICS,
  MODULE,
  SERVICES_PRIORITY,
  SYSTEM_CHART,
  TYPE_SYSTEM,
  UNITS_CALLS,
  groupContext,
  type ChartSpec,
  type DimensionSpec,
} from './metrics.js';

/** What the chart builder needs from the configuration. */
export type ChartOptions = ChartSettings;

export type { GroupInput, TickInput } from '@ebpf-collectors/core';

/**
 * `system.process_status` from per-interval counts:
 * `process` = tasks created (processes + threads) - tasks that entered exit,
 * `zombie` = tasks that entered exit - tasks released.
 * Each is the change over the interval of a population: running tasks, and
 * tasks that exited but are not released yet (zombies, threads being reaped).
 */
export function processStatus(delta: ArrayLike<bigint>): { process: bigint; zombie: bigint } {
  const created = (delta[COUNTER.newProcess] ?? 0n) + (delta[COUNTER.newThread] ?? 0n);
  const exited = delta[COUNTER.exit] ?? 0n;
  return { process: created - exited, zombie: exited - (delta[COUNTER.release] ?? 0n) };
}

/** A `system.*` chart of fixed shape; `value` of each dimension reads per-interval deltas. */
function systemChart(spec: ChartSpec, dimensions: ReadonlyArray<readonly [DimensionSpec, (delta: ArrayLike<bigint>) => bigint]>): HostChart {
  return {
    type: TYPE_SYSTEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.system,
    context: spec.context,
    chartType: spec.chartType,
    priority: spec.priority,
    algorithm: spec.algorithm,
    dimensions: dimensions.map(([d, value]) => ({
      id: d.id,
      name: d.name,
      ...(d.multiplier !== undefined ? { multiplier: d.multiplier } : {}),
      value,
    })),
  };
}

/** The `system.*` charts of a load mode, as the kit's host chart table. */
export function systemChartTable(returnMode: boolean): HostChart[] {
  const charts = [
    systemChart(SYSTEM_CHART.processThread, [
      [DIM.fork, lane(COUNTER.newProcess)],
      [DIM.clone, lane(COUNTER.newThread)],
    ]),
    systemChart(SYSTEM_CHART.exit, [
      [DIM.exit, lane(COUNTER.exit)],
      [DIM.release, lane(COUNTER.release)],
    ]),
    systemChart(SYSTEM_CHART.processStatus, [
      [DIM.processStatus, (delta) => processStatus(delta).process],
      [DIM.zombie, (delta) => processStatus(delta).zombie],
    ]),
  ];
  if (returnMode) {
    charts.push(
      systemChart(SYSTEM_CHART.taskError, [
        [DIM.fork, lane(COUNTER.processError)],
        [DIM.clone, lane(COUNTER.threadError)],
      ]),
    );
  }
  return charts;
}

/** The `system.*` chart definitions. */
export function systemCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  return systemChartTable(options.returnMode).map((chart) => hostChartDefinition(chart, MODULE, options.updateEvery));
}

/**
 * The per-group metrics of a load mode, for core's {@link GroupChartBuilder}:
 * apps charts get per-interval differences (`absolute`, as Netdata's process
 * thread sends them), cgroup and services charts the cumulative totals
 * (`incremental`). `task_error` exists in return mode only.
 */
export function groupMetrics(returnMode: boolean): GroupMetric[] {
  return GROUP_METRICS.filter((m) => returnMode || m.key !== 'taskError').map((m) => ({
    id: m.id,
    title: m.title,
    units: UNITS_CALLS,
    value: (lanes: ReadonlyArray<bigint>) => lanes[m.lane] ?? 0n,
    apps: {
      family: FAMILY.apps,
      context: groupContext('apps', m.id),
      chartType: 'stacked',
      priority: APPS_PRIORITY[m.key],
      algorithm: 'absolute',
    },
    cgroup: {
      family: FAMILY.cgroup,
      context: groupContext('cgroup', m.id),
      chartType: 'line',
      priority: CGROUP_PRIORITY[m.key],
      algorithm: 'incremental',
      dimension: { id: CGROUP_DIMENSION[m.key].id, name: CGROUP_DIMENSION[m.key].name },
    },
    services: {
      family: FAMILY.services,
      context: groupContext('services', m.id),
      chartType: 'stacked',
      priority: SERVICES_PRIORITY[m.key],
      algorithm: 'incremental',
    },
  }));
}

/**
 * The process chart table: host values are per-interval differences of the
 * kernel counters (the first tick is the baseline and shows zeros); apps
 * values per-interval differences of group totals, cgroup and services
 * values the cumulative totals.
 */
export function processCharts(options: Pick<ChartOptions, 'returnMode'>): CounterChartsSpec {
  return { module: MODULE, host: systemChartTable(options.returnMode), hostValues: 'delta', groups: groupMetrics(options.returnMode) };
}

/** The kit's chart builder over {@link processCharts} (for tests and tools that feed recorded readings). */
export class ProcessChartBuilder extends CounterChartBuilder {
  constructor(options: ChartOptions) {
    super(processCharts(options), options);
  }
}
