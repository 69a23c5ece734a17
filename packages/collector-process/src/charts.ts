/**
 * Chart math of the process collector: from cumulative kernel counters and
 * per-group totals to the values of one tick. Pure (no kernel access), so it
 * runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, ChartValues, CollectorFrame, GroupMetric, TickInput } from '@ebpf-collectors/core';
import { CounterDeltas, GroupChartBuilder } from '@ebpf-collectors/core';
import { COUNTER, COUNTER_LANES, PID_LANES } from './internal-types.js';
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
export interface ChartOptions {
  /** Seconds between ticks (`update every`). */
  readonly updateEvery: number;
  /** `ebpf load mode = return`: error charts exist. */
  readonly returnMode: boolean;
  /** `apps.*` charts. */
  readonly apps: boolean;
  /** `cgroup_<name>.*` and `services.*` charts. */
  readonly cgroups: boolean;
}

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

/** A `system.*` chart of fixed shape. */
function systemChart(spec: ChartSpec, updateEvery: number, dimensions: ReadonlyArray<DimensionSpec>): ChartDefinition {
  return {
    type: TYPE_SYSTEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.system,
    context: spec.context,
    chartType: spec.chartType,
    priority: spec.priority,
    updateEvery,
    module: MODULE,
    dimensions: dimensions.map((d) => ({
      id: d.id,
      name: d.name,
      algorithm: spec.algorithm,
      ...(d.multiplier !== undefined ? { multiplier: d.multiplier } : {}),
    })),
  };
}

/** The `system.*` chart definitions. */
export function systemCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  const { updateEvery } = options;
  const charts = [
    systemChart(SYSTEM_CHART.processThread, updateEvery, [DIM.fork, DIM.clone]),
    systemChart(SYSTEM_CHART.exit, updateEvery, [DIM.exit, DIM.release]),
    systemChart(SYSTEM_CHART.processStatus, updateEvery, [DIM.processStatus, DIM.zombie]),
  ];
  if (options.returnMode) charts.push(systemChart(SYSTEM_CHART.taskError, updateEvery, [DIM.fork, DIM.clone]));
  return charts;
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
 * Turns successive ticks into frames: host values are per-interval
 * differences of the kernel counters, the group charts come from core's
 * {@link GroupChartBuilder}.
 */
export class ProcessChartBuilder {
  readonly #options: ChartOptions;
  readonly #system: ChartDefinition[];
  readonly #host = new CounterDeltas();
  readonly #groups: GroupChartBuilder;

  constructor(options: ChartOptions) {
    this.#options = options;
    this.#system = systemCharts(options);
    this.#groups = new GroupChartBuilder({ module: MODULE, updateEvery: options.updateEvery, metrics: groupMetrics(options.returnMode) });
  }

  /** Definitions of the charts the collector emits now (host charts, then apps with `exposed` dimensions). */
  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    if (!this.#options.apps || exposedApps.length === 0) return [...this.#system];
    return [...this.#system, ...this.#groups.definitions('apps', exposedApps)];
  }

  /**
   * The frame of one tick. Host and apps values are per-interval counts (the
   * first tick is the baseline and shows zeros); cgroup and services values
   * are the cumulative totals (`incremental` dimensions).
   */
  frame(input: TickInput): CollectorFrame {
    const options = this.#options;
    const delta = this.#host.next(Array.from({ length: COUNTER_LANES }, (_, i) => input.counters[i] ?? 0n));
    const [processThread, exit, status, taskError] = this.#system;
    const st = processStatus(delta);
    const charts: ChartValues[] = [
      values(processThread!, [
        [DIM.fork.id, delta[COUNTER.newProcess]!],
        [DIM.clone.id, delta[COUNTER.newThread]!],
      ]),
      values(exit!, [
        [DIM.exit.id, delta[COUNTER.exit]!],
        [DIM.release.id, delta[COUNTER.release]!],
      ]),
      values(status!, [
        [DIM.processStatus.id, st.process],
        [DIM.zombie.id, st.zombie],
      ]),
    ];
    if (options.returnMode) {
      charts.push(
        values(taskError!, [
          [DIM.fork.id, delta[COUNTER.processError]!],
          [DIM.clone.id, delta[COUNTER.threadError]!],
        ]),
      );
    }

    // A chart needs at least one dimension: per-dimension group charts wait for their first group.
    if (options.apps && input.apps) {
      // Called even without exposed groups, so the builder keeps every group's totals as baselines.
      const apps = this.#groups.apps(input.apps.names, input.apps.totals);
      if (input.apps.names.length > 0) charts.push(...apps);
    }
    let obsolete: string[] = [];
    if (options.cgroups && input.cgroups) {
      const result = this.#groups.cgroups(input.cgroups.names, input.cgroups.totals);
      charts.push(...result.charts);
      obsolete = result.obsolete;
    }
    if (options.cgroups && input.services && input.services.names.length > 0) {
      charts.push(...this.#groups.services(input.services.names, input.services.totals));
    }
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }
}

function values(chartDef: ChartDefinition, entries: ReadonlyArray<readonly [string, bigint]>): ChartValues {
  return { chart: chartDef, values: new Map(entries) };
}
