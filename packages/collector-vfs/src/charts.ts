/**
 * Chart math of the vfs collector: from the cumulative kernel counters and
 * per-group totals of one tick to chart values. Pure (no kernel access), so
 * the unit tests run it on recorded map contents.
 */
import type { ChartDefinition, ChartValues, CollectorFrame, TickInput } from '@ebpf-collectors/core';
import { GroupChartBuilder, type GroupMetric } from '@ebpf-collectors/core';
import { COUNTER, PID_LANE } from './internal-types.js';
import {
  APPS_PRIORITY_BASE,
  CGROUP_PRIORITY_BASE,
  FAMILY,
  GROUP_CHARTS,
  HOST_CHARTS,
  MODULE,
  TYPE_FILESYSTEM,
  type GroupValue,
} from './metrics.js';
import type { VfsCounters } from './types.js';

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
 * Named host counters from the 20 kernel lanes: the vector flavours added to
 * the plain ones, as Netdata's charts show them.
 *
 * @throws RangeError when fewer than 20 lanes are given
 */
export function decodeCounters(lanes: ArrayLike<bigint>): VfsCounters {
  if (lanes.length < 20) throw new RangeError(`tbl_vfs_stats: expected 20 counters, got ${lanes.length}`);
  const at = (i: number) => lanes[i]!;
  return {
    unlinkCalls: at(COUNTER.unlinkCalls),
    unlinkErrors: at(COUNTER.unlinkErrors),
    readCalls: at(COUNTER.readCalls) + at(COUNTER.readvCalls),
    readErrors: at(COUNTER.readErrors) + at(COUNTER.readvErrors),
    readBytes: at(COUNTER.readBytes) + at(COUNTER.readvBytes),
    writeCalls: at(COUNTER.writeCalls) + at(COUNTER.writevCalls),
    writeErrors: at(COUNTER.writeErrors) + at(COUNTER.writevErrors),
    writeBytes: at(COUNTER.writeBytes) + at(COUNTER.writevBytes),
    fsyncCalls: at(COUNTER.fsyncCalls),
    fsyncErrors: at(COUNTER.fsyncErrors),
    openCalls: at(COUNTER.openCalls),
    openErrors: at(COUNTER.openErrors),
    createCalls: at(COUNTER.createCalls),
    createErrors: at(COUNTER.createErrors),
  };
}

/** Where each per-group value lives in a per-PID value. */
const GROUP_LANE: Readonly<Record<GroupValue, number>> = {
  unlinkCalls: PID_LANE.unlinkCalls,
  writeCalls: PID_LANE.writeCalls,
  writeErrors: PID_LANE.writeErrors,
  readCalls: PID_LANE.readCalls,
  readErrors: PID_LANE.readErrors,
  writeBytes: PID_LANE.writeBytes,
  readBytes: PID_LANE.readBytes,
  fsyncCalls: PID_LANE.fsyncCalls,
  fsyncErrors: PID_LANE.fsyncErrors,
  openCalls: PID_LANE.openCalls,
  openErrors: PID_LANE.openErrors,
  createCalls: PID_LANE.createCalls,
  createErrors: PID_LANE.createErrors,
};

/** The `filesystem.*` chart definitions of a load mode. */
export function hostCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  return HOST_CHARTS.filter((spec) => options.returnMode || !spec.returnOnly).map((spec) => ({
    type: TYPE_FILESYSTEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.vfs,
    context: '',
    chartType: spec.chartType,
    priority: spec.priority,
    updateEvery: options.updateEvery,
    module: MODULE,
    dimensions: spec.dimensions.map(({ dim }) => ({
      id: dim.id,
      name: dim.name,
      algorithm: spec.algorithm,
      ...('multiplier' in dim ? { multiplier: dim.multiplier } : {}),
    })),
  }));
}

/**
 * The per-group metrics of a load mode, for core's {@link GroupChartBuilder}:
 * apps (family `vfs`, stacked), cgroups (`vfs (eBPF)`, line, one dimension)
 * and services (`vfs (eBPF)`, stacked), all cumulative (`incremental`).
 */
export function groupMetrics(returnMode: boolean): GroupMetric[] {
  return GROUP_CHARTS.filter((spec) => returnMode || !spec.returnOnly).map((spec) => {
    const lane = GROUP_LANE[spec.value];
    return {
      id: spec.id,
      title: spec.title,
      units: spec.units,
      value: (lanes: ReadonlyArray<bigint>) => lanes[lane] ?? 0n,
      apps: {
        family: FAMILY.vfs,
        context: '',
        chartType: 'stacked',
        priority: APPS_PRIORITY_BASE + spec.position,
        algorithm: 'incremental',
      },
      cgroup: {
        family: FAMILY.groups,
        context: `cgroup.${spec.context}`,
        chartType: 'line',
        priority: CGROUP_PRIORITY_BASE + spec.position,
        algorithm: 'incremental',
        dimension: { id: spec.cgroupDimension.id, name: spec.cgroupDimension.name },
      },
      services: {
        family: FAMILY.groups,
        context: `services.${spec.context}`,
        chartType: 'stacked',
        priority: APPS_PRIORITY_BASE + spec.position,
        algorithm: 'incremental',
        title: spec.servicesTitle,
      },
    };
  });
}

/**
 * Turns successive ticks into frames. Host values are the cumulative kernel
 * counters (the agent makes rates, as with Netdata's vfs thread); group
 * values are monotonic group totals. Definitions of host charts are built
 * once and reused.
 */
export class VfsChartBuilder {
  readonly #options: ChartOptions;
  readonly #host: ChartDefinition[];
  readonly #hostSpecs: typeof HOST_CHARTS;
  readonly #groups: GroupChartBuilder;

  constructor(options: ChartOptions) {
    this.#options = options;
    this.#hostSpecs = HOST_CHARTS.filter((spec) => options.returnMode || !spec.returnOnly);
    this.#host = hostCharts(options);
    this.#groups = new GroupChartBuilder({
      module: MODULE,
      updateEvery: options.updateEvery,
      metrics: groupMetrics(options.returnMode),
    });
  }

  /** Definitions of the charts emitted now: host charts, then apps charts when a group is exposed. */
  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    if (!this.#options.apps || exposedApps.length === 0) return [...this.#host];
    // Incremental styles keep no state, so asking for values with no totals only yields definitions.
    return [...this.#host, ...this.#groups.apps(exposedApps, new Map()).map((c) => c.chart)];
  }

  /** The frame of one tick. */
  frame(input: TickInput): CollectorFrame {
    const counters = decodeCounters(input.counters);
    const charts: ChartValues[] = this.#hostSpecs.map((spec, index) => ({
      chart: this.#host[index]!,
      values: new Map(spec.dimensions.map(({ dim, value }) => [dim.id, counters[value]])),
    }));
    const options = this.#options;
    // A chart needs at least one dimension: per-dimension group charts wait for their first group.
    if (options.apps && input.apps && input.apps.names.length > 0) {
      charts.push(...this.#groups.apps(input.apps.names, input.apps.totals));
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
