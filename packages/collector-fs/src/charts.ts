/**
 * Chart math of the fd and filesystem collectors: from cumulative kernel
 * counters (and per-group totals) to the charts of one tick. Pure (no kernel
 * access), so it runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, ChartValues, CollectorFrame, GroupMetric, TickInput } from '@ebpf-collectors/core';
import { GroupChartBuilder, chartKey } from '@ebpf-collectors/core';
import { histogramOf } from './histogram.js';
import { FD_LANE, FILESYSTEMS, FS_OPS, type FilesystemName } from './internal-types.js';
import {
  FD_CHART,
  FD_DIM,
  FD_FAMILY,
  FD_GROUP_METRICS,
  FD_MODULE,
  FS_FIRST_PRIORITY,
  FS_MODULE,
  HISTOGRAM_DIMENSIONS,
  TYPE_FILESYSTEM,
  UNITS_CALLS,
  fsChartId,
  fsChartTitle,
  fsFamily,
  type HostChartSpec,
} from './metrics.js';

// ---------------------------------------------------------------------------
// fd
// ---------------------------------------------------------------------------

/** What the fd chart builder needs from the configuration. */
export interface FdChartOptions {
  /** Seconds between ticks (`update every`). */
  readonly updateEvery: number;
  /** `ebpf load mode = return`: error charts exist. */
  readonly returnMode: boolean;
  /** `apps.*` charts. */
  readonly apps: boolean;
  /** `cgroup_<name>.*` and `services.*` charts. */
  readonly cgroups: boolean;
}

export type { GroupInput } from '@ebpf-collectors/core';

/** Everything one fd tick is computed from: `tbl_fd_global` summed over CPUs (lane order) and group totals (fd lanes). */
export type FdTickInput = TickInput;

function hostChart(
  spec: HostChartSpec,
  family: string,
  module: string,
  updateEvery: number,
  dimensions: ChartDefinition['dimensions'],
): ChartDefinition {
  return {
    type: TYPE_FILESYSTEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family,
    context: spec.context,
    chartType: spec.chartType,
    priority: spec.priority,
    updateEvery,
    module,
    dimensions,
  };
}

/** The fd per-group metrics of a load mode, as the kit's group chart builder takes them. */
export function fdGroupMetrics(returnMode: boolean): GroupMetric[] {
  return FD_GROUP_METRICS.filter((m) => returnMode || !m.errors).map((m) => {
    const lane = FD_LANE[m.lane];
    return {
      id: m.id,
      title: m.title,
      units: UNITS_CALLS,
      value: (lanes: ReadonlyArray<bigint>) => lanes[lane] ?? 0n,
      apps: { family: FD_FAMILY.apps, context: '', chartType: 'stacked', priority: m.appsPriority, algorithm: 'incremental' },
      cgroup: {
        family: FD_FAMILY.cgroup,
        context: m.cgroupContext,
        chartType: 'line',
        priority: m.cgroupPriority,
        algorithm: 'incremental',
        dimension: { id: m.dimension.id, name: m.dimension.name },
      },
      services: {
        family: FD_FAMILY.services,
        context: m.servicesContext,
        chartType: 'stacked',
        priority: m.appsPriority,
        algorithm: 'incremental',
      },
    };
  });
}

/** The `filesystem.file_descriptor` (and in return mode `filesystem.file_error`) definitions. */
export function fdHostCharts(options: Pick<FdChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  const dims = (algorithm: HostChartSpec['algorithm']) =>
    [FD_DIM.open, FD_DIM.close].map((d) => ({ id: d.id, name: d.name, algorithm }));
  const charts = [hostChart(FD_CHART.descriptor, FD_FAMILY.host, FD_MODULE, options.updateEvery, dims(FD_CHART.descriptor.algorithm))];
  if (options.returnMode) {
    charts.push(hostChart(FD_CHART.error, FD_FAMILY.host, FD_MODULE, options.updateEvery, dims(FD_CHART.error.algorithm)));
  }
  return charts;
}

/**
 * Turns fd ticks into frames. Every value is a cumulative total sent with
 * `incremental` dimensions (the agent makes the rate), as Netdata does.
 */
export class FdChartBuilder {
  readonly #options: FdChartOptions;
  readonly #host: ChartDefinition[];
  readonly #groups: GroupChartBuilder;

  constructor(options: FdChartOptions) {
    this.#options = options;
    this.#host = fdHostCharts(options);
    this.#groups = new GroupChartBuilder({
      module: FD_MODULE,
      updateEvery: options.updateEvery,
      metrics: fdGroupMetrics(options.returnMode),
    });
  }

  /** Definitions of the host charts and, with exposed apps, the `apps.*` charts (values zero). */
  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    if (!this.#options.apps || exposedApps.length === 0) return [...this.#host];
    return [...this.#host, ...this.#groups.apps(exposedApps, new Map()).map((c) => c.chart)];
  }

  /** The frame of one tick. */
  frame(input: FdTickInput): CollectorFrame {
    const c = input.counters;
    const [descriptor, error] = this.#host;
    const charts: ChartValues[] = [
      {
        chart: descriptor!,
        values: new Map([
          [FD_DIM.open.id, c[FD_LANE.openCall] ?? 0n],
          [FD_DIM.close.id, c[FD_LANE.closeCall] ?? 0n],
        ]),
      },
    ];
    if (this.#options.returnMode) {
      charts.push({
        chart: error!,
        values: new Map([
          [FD_DIM.open.id, c[FD_LANE.openError] ?? 0n],
          [FD_DIM.close.id, c[FD_LANE.closeError] ?? 0n],
        ]),
      });
    }
    // A chart needs at least one dimension: group charts wait for their first group.
    if (this.#options.apps && input.apps && input.apps.names.length > 0) {
      charts.push(...this.#groups.apps(input.apps.names, input.apps.totals));
    }
    const obsolete: string[] = [];
    if (this.#options.cgroups && input.cgroups) {
      const result = this.#groups.cgroups(input.cgroups.names, input.cgroups.totals);
      charts.push(...result.charts);
      obsolete.push(...result.obsolete);
    }
    if (this.#options.cgroups && input.services && input.services.names.length > 0) {
      charts.push(...this.#groups.services(input.services.names, input.services.totals));
    }
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }
}

// ---------------------------------------------------------------------------
// filesystem
// ---------------------------------------------------------------------------

/** One filesystem latency tick. */
export interface FilesystemTickInput {
  /** `tbl_fs_hist` summed over CPUs, cumulative, 480 lanes. */
  readonly hist: ArrayLike<bigint>;
  /** Enabled filesystems mounted now (charts exist for these). */
  readonly mounted: ReadonlyArray<FilesystemName>;
}

/** The four latency charts of a filesystem, starting at `priority`. */
export function filesystemCharts(fs: FilesystemName, priority: number, updateEvery: number): ChartDefinition[] {
  return FS_OPS.map((op, index) => ({
    type: TYPE_FILESYSTEM,
    id: fsChartId(fs, op),
    title: fsChartTitle(fs, op),
    units: UNITS_CALLS,
    family: fsFamily(fs),
    context: '',
    chartType: 'stacked',
    priority: priority + index,
    updateEvery,
    module: FS_MODULE,
    dimensions: HISTOGRAM_DIMENSIONS.map((id) => ({ id, algorithm: 'incremental' as const })),
  }));
}

/**
 * Turns histogram readings into frames: four charts per mounted, enabled
 * filesystem, obsoleted when its last mount goes away and created again when
 * it comes back. Priorities are handed out from 2160 in creation order, four
 * per filesystem; a filesystem keeps the ones it got first.
 */
export class FilesystemChartBuilder {
  readonly #updateEvery: number;
  readonly #priorities = new Map<FilesystemName, number>();
  #nextPriority = FS_FIRST_PRIORITY;
  #shown = new Set<FilesystemName>();

  constructor(options: { readonly updateEvery: number }) {
    this.#updateEvery = options.updateEvery;
  }

  #priority(fs: FilesystemName): number {
    let priority = this.#priorities.get(fs);
    if (priority === undefined) {
      priority = this.#nextPriority;
      this.#nextPriority += FS_OPS.length;
      this.#priorities.set(fs, priority);
    }
    return priority;
  }

  /** Definitions of the charts of `mounted` filesystems (assigns their priorities). */
  charts(mounted: ReadonlyArray<FilesystemName>): ChartDefinition[] {
    return FILESYSTEMS.filter((fs) => mounted.includes(fs)).flatMap((fs) => filesystemCharts(fs, this.#priority(fs), this.#updateEvery));
  }

  /** The frame of one tick: cumulative bin counts (`incremental`), obsolete ids of filesystems gone since the last tick. */
  frame(input: FilesystemTickInput): CollectorFrame {
    const now = new Set(FILESYSTEMS.filter((fs) => input.mounted.includes(fs)));
    const charts: ChartValues[] = [];
    for (const fs of now) {
      const defs = filesystemCharts(fs, this.#priority(fs), this.#updateEvery);
      FS_OPS.forEach((op, index) => {
        const bins = histogramOf(input.hist, fs, op);
        charts.push({ chart: defs[index]!, values: new Map(HISTOGRAM_DIMENSIONS.map((id, bin) => [id, bins[bin]!])) });
      });
    }
    const obsolete: string[] = [];
    for (const fs of this.#shown) {
      if (now.has(fs)) continue;
      for (const def of filesystemCharts(fs, this.#priority(fs), this.#updateEvery)) obsolete.push(chartKey(def));
    }
    this.#shown = now;
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }
}
