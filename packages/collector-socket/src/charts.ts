/**
 * Chart math of the socket collector: from cumulative kernel counters and
 * per-group totals to the values of one tick. Pure (no kernel access), so it
 * runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, ChartValues, CollectorFrame, GroupMetric, TickInput } from '@ebpf-collectors/core';
import { CounterDeltas, GroupChartBuilder } from '@ebpf-collectors/core';
import { COUNTER_LANES } from './internal-types.js';
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
export interface ChartOptions {
  /** Seconds between ticks (`update every`). */
  readonly updateEvery: number;
  /** `ebpf load mode = return`: the error charts exist. */
  readonly returnMode: boolean;
  /** `apps.*` charts. */
  readonly apps: boolean;
  /** `cgroup_<name>.*` and `services.*` charts. */
  readonly cgroups: boolean;
}

/** One tick's input: `tbl_global_sock` summed over CPUs (counter-lane order) and group totals (lanes of `struct ebpfc_socket_pid_stat`). */
export type { GroupInput, TickInput } from '@ebpf-collectors/core';

/** The host chart specs that exist in a load mode, with their priorities. */
export function hostChartSpecs(returnMode: boolean): Array<HostChartSpec & { priority: number }> {
  return HOST_CHARTS.filter((c) => returnMode || !c.returnOnly).map((c, i) => ({ ...c, priority: HOST_PRIORITY_BASE + i }));
}

/** The `ip.*` chart definitions. */
export function hostCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  return hostChartSpecs(options.returnMode).map((spec) => ({
    type: TYPE_IP,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.host,
    context: '',
    chartType: spec.chartType,
    priority: spec.priority,
    updateEvery: options.updateEvery,
    module: MODULE,
    dimensions: spec.dimensions.map((d) => ({
      id: d.id,
      name: d.name,
      algorithm: spec.algorithm,
      ...(d.kilobits !== undefined
        ? { multiplier: d.kilobits === 'negative' ? -KILOBITS_MULTIPLIER : KILOBITS_MULTIPLIER, divisor: KILOBITS_DIVISOR }
        : {}),
    })),
  }));
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

/**
 * Turns successive ticks into frames: host values are per-interval deltas
 * (`absolute`, the first tick is the baseline and shows zeros) except
 * `ip.inbound_conn`, which is cumulative (`incremental`); group values are
 * the groups' monotonic totals (`incremental`).
 */
export class SocketChartBuilder {
  readonly #options: ChartOptions;
  readonly #host: ChartDefinition[];
  readonly #specs: ReturnType<typeof hostChartSpecs>;
  readonly #deltas = new CounterDeltas();
  readonly #groups: GroupChartBuilder;

  constructor(options: ChartOptions) {
    this.#options = options;
    this.#host = hostCharts(options);
    this.#specs = hostChartSpecs(options.returnMode);
    this.#groups = new GroupChartBuilder({ module: MODULE, updateEvery: options.updateEvery, metrics: SOCKET_GROUP_METRICS });
  }

  /** Definitions of the charts emitted now: host charts, then apps charts with `exposedApps` dimensions. */
  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    if (!this.#options.apps || exposedApps.length === 0) return [...this.#host];
    return [...this.#host, ...this.#groups.apps(exposedApps, new Map()).map((c) => c.chart)];
  }

  /** The frame of one tick. */
  frame(input: TickInput): CollectorFrame {
    const cumulative = Array.from({ length: COUNTER_LANES }, (_, i) => input.counters[i] ?? 0n);
    const delta = this.#deltas.next(cumulative);
    const charts: ChartValues[] = this.#specs.map((spec, index) => {
      const source = spec.algorithm === 'incremental' ? cumulative : delta;
      return { chart: this.#host[index]!, values: new Map(spec.dimensions.map((d) => [d.id, source[d.lane] ?? 0n])) };
    });

    const options = this.#options;
    // A chart needs at least one dimension: group charts wait for their first group.
    if (options.apps && input.apps && input.apps.names.length > 0) {
      charts.push(...this.#groups.apps(input.apps.names, input.apps.totals));
    }
    const obsolete: string[] = [];
    if (options.cgroups && input.cgroups) {
      const cgroups = this.#groups.cgroups(input.cgroups.names, input.cgroups.totals);
      charts.push(...cgroups.charts);
      obsolete.push(...cgroups.obsolete);
    }
    if (options.cgroups && input.services && input.services.names.length > 0) {
      charts.push(...this.#groups.services(input.services.names, input.services.totals));
    }
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }
}
