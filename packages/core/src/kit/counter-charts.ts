/**
 * Charts of a counter collector as data: host charts whose dimensions are
 * computed from the global counter lanes, and per-group metrics computed
 * from per-PID lanes. {@link CounterChartBuilder} turns ticks into frames
 * from that data, so a collector writes its chart table and its math, not
 * the frame assembly.
 */
import type {
  ChartDefinition,
  ChartType,
  ChartValues,
  CollectorFrame,
  DimensionAlgorithm,
  DimensionDefinition,
} from '../types.js';
import { CounterDeltas } from './counters.js';
import type { TickChartBuilder, TickInput } from './counter-tables.js';
import { GroupChartBuilder, type GroupMetric } from './group-charts.js';

/** One dimension of a host chart and how its value comes from the counters. */
export interface HostDimension {
  readonly id: string;
  /** Display name; absent means the id. */
  readonly name?: string;
  readonly multiplier?: number;
  readonly divisor?: number;
  readonly hidden?: boolean;
  /**
   * The value from the counter lanes summed over CPUs: cumulative lanes, or
   * their change over the interval when the charts are built with
   * `hostValues: 'delta'`.
   */
  value(counters: ArrayLike<bigint>): bigint;
}

/** A host chart: everything Netdata's CHART line says but `update every` and the module, which the kit adds. */
export interface HostChart {
  /** Type part of the id (`system`, `mem`, `filesystem`...). */
  readonly type: string;
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly family: string;
  /** Empty: the agent uses `type.id`. */
  readonly context: string;
  readonly chartType: ChartType;
  readonly priority: number;
  /** Algorithm of every dimension. */
  readonly algorithm: DimensionAlgorithm;
  readonly dimensions: ReadonlyArray<HostDimension>;
  readonly labels?: Readonly<Record<string, string>>;
  /** What this chart's dimensions read; default: the table's `hostValues`. */
  readonly values?: 'cumulative' | 'delta';
}

/** What the settings of a running collector give the chart table. */
export interface CounterChartsSpec {
  /** Netdata module name (`module` field of every chart). */
  readonly module: string;
  /** Host charts in creation order. */
  readonly host: ReadonlyArray<HostChart>;
  /**
   * `cumulative` (default): dimension values get the kernel's running totals
   * (for `incremental` dimensions: the agent makes rates). `delta`: they get
   * the change since the previous tick, the first tick being a baseline of zeros.
   */
  readonly hostValues?: 'cumulative' | 'delta';
  /** Per-group metrics (apps, cgroup, services charts); empty when the collector keeps no per-PID values. */
  readonly groups: ReadonlyArray<GroupMetric>;
}

/** The switches of a running collector that shape its charts. */
export interface ChartSwitches {
  /** Seconds between ticks, stamped into every chart. */
  readonly updateEvery: number;
  /** `apps.*` charts. */
  readonly apps: boolean;
  /** `cgroup_<name>.*` and `services.*` charts. */
  readonly cgroups: boolean;
}

/** The switches plus the load mode: what most chart tables depend on. */
export interface ChartSettings extends ChartSwitches {
  /** `ebpf load mode = return`: error charts exist. */
  readonly returnMode: boolean;
}

/** A chart definition from a {@link HostChart}. */
export function hostChartDefinition(chart: HostChart, module: string, updateEvery: number): ChartDefinition {
  return {
    type: chart.type,
    id: chart.id,
    title: chart.title,
    units: chart.units,
    family: chart.family,
    context: chart.context,
    chartType: chart.chartType,
    priority: chart.priority,
    updateEvery,
    module,
    dimensions: chart.dimensions.map((d) => {
      const dimension: DimensionDefinition = { id: d.id, algorithm: chart.algorithm };
      if (d.name !== undefined) dimension.name = d.name;
      if (d.multiplier !== undefined) dimension.multiplier = d.multiplier;
      if (d.divisor !== undefined) dimension.divisor = d.divisor;
      if (d.hidden) dimension.hidden = true;
      return dimension;
    }),
    ...(chart.labels ? { labels: { ...chart.labels } } : {}),
  };
}

/**
 * Turns ticks into frames from a {@link CounterChartsSpec}: host charts from
 * the counters, then `apps.*` (one dimension per exposed app group),
 * `cgroup_<name>.*` (charts of vanished cgroups obsoleted once) and
 * `services.*`. Definitions are built once.
 */
export class CounterChartBuilder implements TickChartBuilder {
  readonly #switches: ChartSwitches;
  readonly #host: ReadonlyArray<{ chart: HostChart; definition: ChartDefinition }>;
  readonly #groups: GroupChartBuilder;
  /** Per-interval differences of the counters, when a chart reads them. */
  readonly #deltas: CounterDeltas | undefined;
  /** Per host chart: whether it reads the differences. */
  readonly #readsDelta: ReadonlyArray<boolean>;

  constructor(spec: CounterChartsSpec, switches: ChartSwitches) {
    this.#switches = switches;
    this.#host = spec.host.map((chart) => ({ chart, definition: hostChartDefinition(chart, spec.module, switches.updateEvery) }));
    this.#groups = new GroupChartBuilder({ module: spec.module, updateEvery: switches.updateEvery, metrics: spec.groups });
    this.#readsDelta = spec.host.map((chart) => (chart.values ?? spec.hostValues ?? 'cumulative') === 'delta');
    this.#deltas = this.#readsDelta.some(Boolean) ? new CounterDeltas() : undefined;
  }

  /** Definitions of the charts emitted now: host charts, then apps charts once a group is exposed. */
  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    const host = this.#host.map((h) => h.definition);
    if (!this.#switches.apps || exposedApps.length === 0) return host;
    return [...host, ...this.#groups.definitions('apps', exposedApps)];
  }

  /** The frame of one tick. */
  frame(input: TickInput): CollectorFrame {
    const delta = this.#deltas?.next(input.counters);
    const charts: ChartValues[] = this.#host.map(({ chart, definition }, index) => {
      const counters = this.#readsDelta[index] ? delta! : input.counters;
      return { chart: definition, values: new Map(chart.dimensions.map((d) => [d.id, d.value(counters)])) };
    });
    const switches = this.#switches;
    if (switches.apps && input.apps) {
      // Called even with no exposed group, so `absolute` styles keep every group's baseline.
      const apps = this.#groups.apps(input.apps.names, input.apps.totals);
      // A chart needs at least one dimension: per-dimension group charts wait for their first group.
      if (input.apps.names.length > 0) charts.push(...apps);
    }
    let obsolete: string[] = [];
    if (switches.cgroups && input.cgroups) {
      const result = this.#groups.cgroups(input.cgroups.names, input.cgroups.totals);
      charts.push(...result.charts);
      obsolete = result.obsolete;
    }
    if (switches.cgroups && input.services) {
      const services = this.#groups.services(input.services.names, input.services.totals);
      if (input.services.names.length > 0) charts.push(...services);
    }
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }
}

/** A lane of the counters (or of a group's totals), 0 when absent. */
export function lane(index: number): (lanes: ArrayLike<bigint>) => bigint {
  return (lanes) => lanes[index] ?? 0n;
}

/** The sum of some lanes, 0 for absent ones. */
export function lanesSum(...indexes: number[]): (lanes: ArrayLike<bigint>) => bigint {
  return (lanes) => indexes.reduce((sum, i) => sum + (lanes[i] ?? 0n), 0n);
}
