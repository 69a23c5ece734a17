/**
 * Chart math of the process collector: from cumulative kernel counters and
 * per-group totals to the values of one tick. Pure (no kernel access), so it
 * runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, ChartValues, CollectorFrame, GroupTotals } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';
import { COUNTER, COUNTER_LANES, PID_LANES } from './internal-types.js';
import {
  APPS_PRIORITY,
  CGROUP_DIMENSION,
  CGROUP_PRIORITY,
  CGROUP_TYPE_PREFIX,
  DIM,
  FAMILY,
  GROUP_METRICS,
  MODULE,
  SERVICES_PRIORITY,
  SYSTEM_CHART,
  TYPE_APPS,
  TYPE_SERVICES,
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

/** Groups and their monotonic totals (lanes of `struct ebpfc_process_pid_stat`) for one tick. */
export interface GroupInput {
  /** Groups that get a dimension (apps: exposed groups; services) or a chart set (cgroups), in order. */
  readonly names: ReadonlyArray<string>;
  readonly totals: GroupTotals;
}

/** Everything one tick is computed from. */
export interface TickInput {
  /** `tbl_total_stats` summed over CPUs, cumulative, in counter-lane order. */
  readonly counters: ArrayLike<bigint>;
  readonly apps?: GroupInput;
  readonly cgroups?: GroupInput;
  readonly services?: GroupInput;
}

/**
 * Difference of two readings of a cumulative counter. A smaller reading means
 * the counter restarted (object reloaded), so all of it is new.
 */
export function counterDelta(previous: bigint, current: bigint): bigint {
  return current >= previous ? current - previous : current;
}

/** Per-interval host values from two consecutive counter readings; zeros without a previous one. */
export function hostDeltas(previous: ArrayLike<bigint> | undefined, current: ArrayLike<bigint>): bigint[] {
  const out = new Array<bigint>(COUNTER_LANES);
  for (let i = 0; i < COUNTER_LANES; i++) {
    out[i] = previous === undefined ? 0n : counterDelta(previous[i] ?? 0n, current[i] ?? 0n);
  }
  return out;
}

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

function chart(
  type: string,
  spec: Pick<ChartSpec, 'id' | 'title' | 'units' | 'chartType' | 'priority' | 'context'>,
  family: string,
  updateEvery: number,
  dimensions: ChartDefinition['dimensions'],
): ChartDefinition {
  return {
    type,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family,
    context: spec.context,
    chartType: spec.chartType,
    priority: spec.priority,
    updateEvery,
    module: MODULE,
    dimensions,
  };
}

function fixedDims(specs: ReadonlyArray<DimensionSpec>, algorithm: ChartSpec['algorithm']): ChartDefinition['dimensions'] {
  return specs.map((d) => ({
    id: d.id,
    name: d.name,
    algorithm,
    ...(d.multiplier !== undefined ? { multiplier: d.multiplier } : {}),
  }));
}

/** The per-group metrics present in this load mode. */
function groupMetrics(returnMode: boolean): ReadonlyArray<(typeof GROUP_METRICS)[number]> {
  return returnMode ? GROUP_METRICS : GROUP_METRICS.filter((m) => m.key !== 'taskError');
}

/** The `system.*` chart definitions. */
export function systemCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  const { updateEvery } = options;
  const charts = [
    chart(TYPE_SYSTEM, SYSTEM_CHART.processThread, FAMILY.system, updateEvery, fixedDims([DIM.fork, DIM.clone], 'absolute')),
    chart(TYPE_SYSTEM, SYSTEM_CHART.exit, FAMILY.system, updateEvery, fixedDims([DIM.exit, DIM.release], 'absolute')),
    chart(
      TYPE_SYSTEM,
      SYSTEM_CHART.processStatus,
      FAMILY.system,
      updateEvery,
      fixedDims([DIM.processStatus, DIM.zombie], 'absolute'),
    ),
  ];
  if (options.returnMode) {
    charts.push(chart(TYPE_SYSTEM, SYSTEM_CHART.taskError, FAMILY.system, updateEvery, fixedDims([DIM.fork, DIM.clone], 'absolute')));
  }
  return charts;
}

/** `apps.*` or `services.*` definitions: one dimension per group. */
export function perGroupCharts(
  kind: 'apps' | 'services',
  names: ReadonlyArray<string>,
  options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>,
): ChartDefinition[] {
  const algorithm = kind === 'apps' ? 'absolute' : 'incremental';
  const priority = kind === 'apps' ? APPS_PRIORITY : SERVICES_PRIORITY;
  const dimensions = names.map((name) => ({ id: name, algorithm }) as const);
  return groupMetrics(options.returnMode).map((m) =>
    chart(
      kind === 'apps' ? TYPE_APPS : TYPE_SERVICES,
      {
        id: m.id,
        title: m.title,
        units: UNITS_CALLS,
        chartType: 'stacked',
        priority: priority[m.key],
        context: groupContext(kind, m.id),
      },
      kind === 'apps' ? FAMILY.apps : FAMILY.services,
      options.updateEvery,
      dimensions,
    ),
  );
}

/** Chart type of a cgroup's charts (`cgroup_<name>`). */
export function cgroupChartType(name: string): string {
  return name.startsWith(CGROUP_TYPE_PREFIX) ? name : `${CGROUP_TYPE_PREFIX}${name}`;
}

/** The chart set of one cgroup. */
export function cgroupCharts(name: string, options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  const type = cgroupChartType(name);
  return groupMetrics(options.returnMode).map((m) =>
    chart(
      type,
      {
        id: m.id,
        title: m.title,
        units: UNITS_CALLS,
        chartType: 'line',
        priority: CGROUP_PRIORITY[m.key],
        context: groupContext('cgroup', m.id),
      },
      FAMILY.cgroup,
      options.updateEvery,
      fixedDims([CGROUP_DIMENSION[m.key]], 'incremental'),
    ),
  );
}

const ZERO_LANES: ReadonlyArray<bigint> = Object.freeze(new Array<bigint>(PID_LANES).fill(0n));

/**
 * Turns successive ticks into frames. Holds the previous readings (host
 * counters, app totals) and the chart definitions already built, so a frame
 * reuses the same definition objects until the group lists change.
 */
export class ProcessChartBuilder {
  readonly #options: ChartOptions;
  readonly #system: ChartDefinition[];
  #previousCounters: bigint[] | undefined;
  #previousApps: Map<string, ReadonlyArray<bigint>> | undefined;
  #appsKey: string | undefined;
  #appsCharts: ChartDefinition[] = [];
  #servicesKey: string | undefined;
  #servicesCharts: ChartDefinition[] = [];
  readonly #cgroupCharts = new Map<string, ChartDefinition[]>();

  constructor(options: ChartOptions) {
    this.#options = options;
    this.#system = systemCharts(options);
  }

  /** Definitions of the charts the collector emits now (host charts, then apps with `exposed` dimensions). */
  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    return this.#options.apps && exposedApps.length > 0 ? [...this.#system, ...this.#apps(exposedApps)] : [...this.#system];
  }

  /**
   * The frame of one tick. Host and apps values are per-interval counts (the
   * first tick is the baseline and shows zeros); cgroup and services values
   * are the cumulative totals (`incremental` dimensions).
   */
  frame(input: TickInput): CollectorFrame {
    const options = this.#options;
    const delta = hostDeltas(this.#previousCounters, input.counters);
    this.#previousCounters = Array.from({ length: COUNTER_LANES }, (_, i) => input.counters[i] ?? 0n);

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

    // A chart needs at least one dimension: group charts wait for their first group.
    if (options.apps && input.apps) {
      const apps = this.#appsValues(input.apps);
      if (input.apps.names.length > 0) charts.push(...apps);
    }
    const obsolete: string[] = [];
    if (options.cgroups && input.cgroups) charts.push(...this.#cgroupValues(input.cgroups, obsolete));
    if (options.cgroups && input.services && input.services.names.length > 0) {
      charts.push(...this.#servicesValues(input.services));
    }
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }

  #apps(names: ReadonlyArray<string>): ChartDefinition[] {
    const key = names.join('\n');
    if (key !== this.#appsKey) {
      this.#appsKey = key;
      this.#appsCharts = perGroupCharts('apps', names, this.#options);
    }
    return this.#appsCharts;
  }

  #appsValues(input: GroupInput): ChartValues[] {
    const defs = this.#apps(input.names);
    const previous = this.#previousApps;
    // Remember every group's totals, exposed or not, so a group exposed later starts from the right base.
    this.#previousApps = new Map(input.totals);
    return defs.map((def, index) => {
      const lane = groupMetrics(this.#options.returnMode)[index]!.lane;
      const map = new Map<string, bigint>();
      for (const name of input.names) {
        const now = input.totals.get(name) ?? ZERO_LANES;
        // First tick: baseline. A group first seen later counts from zero.
        const before = previous === undefined ? now : (previous.get(name) ?? ZERO_LANES);
        map.set(name, counterDelta(before[lane] ?? 0n, now[lane] ?? 0n));
      }
      return { chart: def, values: map };
    });
  }

  #cgroupValues(input: GroupInput, obsolete: string[]): ChartValues[] {
    const out: ChartValues[] = [];
    const current = new Set(input.names);
    for (const [name, defs] of this.#cgroupCharts) {
      if (current.has(name)) continue;
      for (const def of defs) obsolete.push(chartKey(def));
      this.#cgroupCharts.delete(name);
    }
    const metrics = groupMetrics(this.#options.returnMode);
    for (const name of input.names) {
      let defs = this.#cgroupCharts.get(name);
      if (defs === undefined) {
        defs = cgroupCharts(name, this.#options);
        this.#cgroupCharts.set(name, defs);
      }
      const totals = input.totals.get(name) ?? ZERO_LANES;
      defs.forEach((def, index) => {
        const metric = metrics[index]!;
        out.push({ chart: def, values: new Map([[CGROUP_DIMENSION[metric.key].id, totals[metric.lane] ?? 0n]]) });
      });
    }
    return out;
  }

  #servicesValues(input: GroupInput): ChartValues[] {
    const key = input.names.join('\n');
    if (key !== this.#servicesKey) {
      this.#servicesKey = key;
      this.#servicesCharts = perGroupCharts('services', input.names, this.#options);
    }
    const metrics = groupMetrics(this.#options.returnMode);
    return this.#servicesCharts.map((def, index) => {
      const lane = metrics[index]!.lane;
      const map = new Map<string, bigint>();
      for (const name of input.names) map.set(name, (input.totals.get(name) ?? ZERO_LANES)[lane] ?? 0n);
      return { chart: def, values: map };
    });
  }
}

function values(chartDef: ChartDefinition, entries: ReadonlyArray<readonly [string, bigint]>): ChartValues {
  return { chart: chartDef, values: new Map(entries) };
}
