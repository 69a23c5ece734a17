/**
 * The per-group charts every collector emits the same way: `apps.<id>` with
 * one dimension per app group, `cgroup_<name>.<id>` with one chart set per
 * cgroup, and `services.<id>` with one dimension per systemd service.
 */
import type {
  ChartDefinition,
  ChartType,
  ChartValues,
  DimensionAlgorithm,
  GroupTotals,
} from '../types.js';
import { counterDelta } from './counters.js';

/** How one metric is drawn in one kind of group chart. */
export interface GroupChartStyle {
  family: string;
  /** Empty string: the agent uses the chart id. */
  context: string;
  chartType: ChartType;
  priority: number;
  /**
   * `incremental`: the group's monotonic total is sent and the agent makes
   * the rate. `absolute`: the collector sends the per-interval difference
   * (what Netdata 1.37.1 does for the process thread's apps charts).
   */
  algorithm: DimensionAlgorithm;
  /** Overrides of the metric's title/units for this kind (Netdata's titles differ between apps and cgroup charts). */
  title?: string;
  units?: string;
  multiplier?: number;
  divisor?: number;
}

/** A cgroup chart has one dimension, named by Netdata per metric. */
export interface CgroupChartStyle extends GroupChartStyle {
  dimension: { id: string; name?: string };
}

/** One per-group metric of a collector. */
export interface GroupMetric {
  /** Chart id part: `process_create` gives `apps.process_create`. */
  id: string;
  title: string;
  units: string;
  /** The metric's monotonic value from a group's lanes (totals of an accumulator). */
  value(lanes: ReadonlyArray<bigint>): bigint;
  /** Omit a kind to not chart the metric there. */
  apps?: GroupChartStyle;
  cgroup?: CgroupChartStyle;
  services?: GroupChartStyle;
}

/** Options of {@link GroupChartBuilder}. */
export interface GroupChartBuilderOptions {
  /** Netdata module name of the collector. */
  module: string;
  updateEvery: number;
  metrics: ReadonlyArray<GroupMetric>;
}

/** Group charts of one tick; `obsolete` lists cgroup charts of cgroups that are gone. */
export interface GroupChartsResult {
  charts: ChartValues[];
  obsolete: string[];
}

type Kind = 'apps' | 'cgroup' | 'services';

/**
 * Builds the group charts of a collector tick after tick. It keeps the
 * previous totals that `absolute` styles need and the cgroups seen before,
 * so a cgroup that disappears has its charts marked obsolete once.
 */
export class GroupChartBuilder {
  readonly #options: GroupChartBuilderOptions;
  /** `${kind}\0${metric}\0${group}` -> previous monotonic value. */
  readonly #previous = new Map<string, bigint>();
  /** Every group's totals at the previous tick of each kind, charted or not. */
  readonly #lastTotals = new Map<Kind, GroupTotals>();
  #cgroupsSeen = new Set<string>();

  constructor(options: GroupChartBuilderOptions) {
    this.#options = options;
  }

  #chart(type: string, metric: GroupMetric, style: GroupChartStyle, dimensions: ChartDefinition['dimensions']): ChartDefinition {
    return {
      type,
      id: metric.id,
      title: style.title ?? metric.title,
      units: style.units ?? metric.units,
      family: style.family,
      context: style.context,
      chartType: style.chartType,
      priority: style.priority,
      updateEvery: this.#options.updateEvery,
      module: this.#options.module,
      dimensions,
    };
  }

  #dimension(id: string, style: GroupChartStyle, name?: string): ChartDefinition['dimensions'][number] {
    return {
      id,
      ...(name !== undefined ? { name } : {}),
      algorithm: style.algorithm,
      ...(style.multiplier !== undefined ? { multiplier: style.multiplier } : {}),
      ...(style.divisor !== undefined ? { divisor: style.divisor } : {}),
    };
  }

  /** The value to send for a group: its total, or for `absolute` its change since the last tick. */
  #value(kind: Kind, metric: GroupMetric, style: GroupChartStyle, group: string, lanes: ReadonlyArray<bigint> | undefined): bigint {
    const total = lanes ? metric.value(lanes) : 0n;
    if (style.algorithm !== 'absolute') return total;
    const key = `${kind}\0${metric.id}\0${group}`;
    let previous = this.#previous.get(key);
    this.#previous.set(key, total);
    if (previous === undefined) {
      const last = this.#lastTotals.get(kind);
      // The very first tick only sets baselines, like the host charts. A group
      // charted later (a newly exposed app, a new cgroup) did what it gained
      // since the previous tick, from zero if it had nothing then.
      if (last === undefined) return 0n;
      const lastLanes = last.get(group);
      previous = lastLanes ? metric.value(lastLanes) : 0n;
    }
    return counterDelta(previous, total);
  }

  /** Chart definitions of one kind for these groups, without touching any baseline. */
  definitions(kind: 'apps' | 'services', names: ReadonlyArray<string>): ChartDefinition[] {
    return this.#options.metrics.flatMap((metric) => {
      const style = metric[kind];
      return style ? [this.#chart(kind, metric, style, names.map((n) => this.#dimension(n, style)))] : [];
    });
  }

  #perDimension(kind: 'apps' | 'services', type: string, names: ReadonlyArray<string>, totals: GroupTotals): ChartValues[] {
    const out: ChartValues[] = [];
    for (const metric of this.#options.metrics) {
      const style = metric[kind];
      if (!style) continue;
      const values = new Map<string, bigint>();
      for (const name of names) values.set(name, this.#value(kind, metric, style, name, totals.get(name)));
      out.push({ chart: this.#chart(type, metric, style, names.map((n) => this.#dimension(n, style))), values });
    }
    this.#lastTotals.set(kind, totals);
    return out;
  }

  /** `apps.<id>` charts: one dimension per app group in `names` (the exposed groups, in order). */
  apps(names: ReadonlyArray<string>, totals: GroupTotals): ChartValues[] {
    return this.#perDimension('apps', 'apps', names, totals);
  }

  /** `services.<id>` charts: one dimension per systemd service. */
  services(names: ReadonlyArray<string>, totals: GroupTotals): ChartValues[] {
    return this.#perDimension('services', 'services', names, totals);
  }

  /** `cgroup_<name>.<id>` charts for every cgroup in `names`; charts of cgroups seen before and now gone are obsolete. */
  cgroups(names: ReadonlyArray<string>, totals: GroupTotals): GroupChartsResult {
    const charts: ChartValues[] = [];
    const obsolete: string[] = [];
    const now = new Set(names);
    for (const name of names) {
      const type = `cgroup_${name}`;
      for (const metric of this.#options.metrics) {
        const style = metric.cgroup;
        if (!style) continue;
        const value = this.#value('cgroup', metric, style, name, totals.get(name));
        charts.push({
          chart: this.#chart(type, metric, style, [this.#dimension(style.dimension.id, style, style.dimension.name)]),
          values: new Map([[style.dimension.id, value]]),
        });
      }
    }
    for (const gone of this.#cgroupsSeen) {
      if (now.has(gone)) continue;
      for (const metric of this.#options.metrics) if (metric.cgroup) obsolete.push(`cgroup_${gone}.${metric.id}`);
      for (const key of this.#previous.keys()) if (key.startsWith('cgroup\0') && key.endsWith(`\0${gone}`)) this.#previous.delete(key);
    }
    this.#cgroupsSeen = now;
    this.#lastTotals.set('cgroup', totals);
    return { charts, obsolete };
  }
}
