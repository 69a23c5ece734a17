/**
 * Chart math of the fd and filesystem collectors: from cumulative kernel
 * counters (and per-group totals) to the charts of one tick. Pure (no kernel
 * access), so it runs on recorded map contents in the unit tests.
 */
import type {
  ChartDefinition,
  ChartSettings,
  ChartValues,
  CollectorFrame,
  CounterChartsSpec,
  GroupMetric,
  HostChart,
  TickInput,
} from '@ebpf-collectors/core';
import { CounterChartBuilder, chartKey, hostChartDefinition, lane } from '@ebpf-collectors/core';
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
export type FdChartOptions = ChartSettings;

export type { GroupInput } from '@ebpf-collectors/core';

/** Everything one fd tick is computed from: `tbl_fd_global` summed over CPUs (lane order) and group totals (fd lanes). */
export type FdTickInput = TickInput;

/** A `filesystem.*` fd chart: opens and closes, from two lanes. */
function fdChart(spec: HostChartSpec, open: number, close: number): HostChart {
  return {
    type: TYPE_FILESYSTEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FD_FAMILY.host,
    context: spec.context,
    chartType: spec.chartType,
    priority: spec.priority,
    algorithm: spec.algorithm,
    dimensions: [
      { id: FD_DIM.open.id, name: FD_DIM.open.name, value: lane(open) },
      { id: FD_DIM.close.id, name: FD_DIM.close.name, value: lane(close) },
    ],
  };
}

/** The fd per-group metrics of a load mode, as the kit's group chart builder takes them. */
export function fdGroupMetrics(returnMode: boolean): GroupMetric[] {
  return FD_GROUP_METRICS.filter((m) => returnMode || !m.errors).map((m) => {
    const index = FD_LANE[m.lane];
    return {
      id: m.id,
      title: m.title,
      units: UNITS_CALLS,
      value: (lanes: ReadonlyArray<bigint>) => lanes[index] ?? 0n,
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

/** The fd host charts of a load mode: `filesystem.file_descriptor`, and in return mode `filesystem.file_error`. */
export function fdHostChartTable(returnMode: boolean): HostChart[] {
  const charts = [fdChart(FD_CHART.descriptor, FD_LANE.openCall, FD_LANE.closeCall)];
  if (returnMode) charts.push(fdChart(FD_CHART.error, FD_LANE.openError, FD_LANE.closeError));
  return charts;
}

/** The fd host chart definitions of a load mode. */
export function fdHostCharts(options: Pick<FdChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  return fdHostChartTable(options.returnMode).map((chart) => hostChartDefinition(chart, FD_MODULE, options.updateEvery));
}

/** The fd chart table: cumulative kernel counters (`incremental`), group totals. */
export function fdCharts(options: Pick<FdChartOptions, 'returnMode'>): CounterChartsSpec {
  return { module: FD_MODULE, host: fdHostChartTable(options.returnMode), groups: fdGroupMetrics(options.returnMode) };
}

/** The kit's chart builder over {@link fdCharts} (for tests and tools that feed recorded readings). */
export class FdChartBuilder extends CounterChartBuilder {
  constructor(options: FdChartOptions) {
    super(fdCharts(options), options);
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
