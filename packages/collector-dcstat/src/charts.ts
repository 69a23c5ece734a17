/**
 * Chart math of the dcstat collector. The host ratio is Netdata's:
 * (references - misses) / references in percent over the cumulative totals
 * (0 without references); the reference chart shows the interval's
 * references, slow lookups and misses. Per group, the ratio is over the
 * interval. Pure, so the unit tests run it on made-up readings.
 */
import type { ChartDefinition, ChartSettings, CounterChartsSpec, GroupMetric, HostChart, TickChartBuilder, TickInput } from '@ebpf-collectors/core';
import { CounterChartBuilder, lane } from '@ebpf-collectors/core';
import { COUNTER, COUNTER_LANES } from './internal-types.js';
import { IntervalValues } from '@ebpf-collectors/core';
import { FAMILY, GROUP_CHARTS, HOST, MODULE, TYPE_FILESYSTEM, type DcGroupValue } from './metrics.js';

/** Netdata's hit ratio: (references - misses) / references in percent, 0 without references. */
export function dcHitRatio(references: bigint, misses: bigint): bigint {
  if (references <= 0n) return 0n;
  const hits = references > misses ? references - misses : 0n;
  return (hits * 100n) / references;
}

/** Host lanes after the kernel's: the interval's changes of the three counters. */
const DELTA = { reference: COUNTER_LANES, slow: COUNTER_LANES + 1, miss: COUNTER_LANES + 2 } as const;
/** Group lanes after the kernel's: the running sum of per-interval ratios. */
const GROUP_RATIO = COUNTER_LANES;

/** `filesystem.dc_hit_ratio` and `filesystem.dc_reference`. */
export function hostChartTable(): HostChart[] {
  return [
    {
      type: TYPE_FILESYSTEM,
      id: HOST.ratio.id,
      title: HOST.ratio.title,
      units: HOST.ratio.units,
      family: FAMILY,
      context: '',
      chartType: 'line',
      priority: HOST.ratio.priority,
      algorithm: 'absolute',
      dimensions: [{ id: HOST.ratio.dimension, value: (c) => dcHitRatio(c[COUNTER.reference] ?? 0n, c[COUNTER.miss] ?? 0n) }],
    },
    {
      type: TYPE_FILESYSTEM,
      id: HOST.reference.id,
      title: HOST.reference.title,
      units: HOST.reference.units,
      family: FAMILY,
      context: '',
      chartType: 'line',
      priority: HOST.reference.priority,
      algorithm: 'absolute',
      dimensions: HOST.reference.dimensions.map((id) => ({ id, value: lane(DELTA[id]) })),
    },
  ];
}

const GROUP_LANE: Readonly<Record<DcGroupValue, number>> = {
  ratio: GROUP_RATIO,
  reference: COUNTER.reference,
  slow: COUNTER.slow,
  miss: COUNTER.miss,
};

/** Apps, cgroup and services metrics, all `absolute` per-interval values. */
export function groupMetrics(): GroupMetric[] {
  return GROUP_CHARTS.map((spec) => {
    const index = GROUP_LANE[spec.value];
    return {
      id: spec.id,
      title: spec.title,
      units: spec.units,
      value: (lanes: ReadonlyArray<bigint>) => lanes[index] ?? 0n,
      apps: { family: FAMILY, context: '', chartType: spec.appsChartType, priority: spec.appsPriority, algorithm: 'absolute' },
      cgroup: {
        family: FAMILY,
        context: spec.cgroupContext,
        chartType: 'line',
        priority: spec.cgroupPriority,
        algorithm: 'absolute',
        dimension: { id: spec.cgroupDimension },
      },
      services: { family: FAMILY, context: spec.servicesContext, chartType: 'line', priority: spec.servicesPriority, algorithm: 'absolute' },
    };
  });
}

export function dcstatChartsSpec(): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(), groups: groupMetrics() };
}

/** Ticks to frames: the kit's builder over the kernel lanes plus the interval values. */
export class DcstatChartBuilder implements TickChartBuilder {
  readonly #inner: CounterChartBuilder;
  readonly #host = new IntervalValues((d) => [d[COUNTER.reference] ?? 0n, d[COUNTER.slow] ?? 0n, d[COUNTER.miss] ?? 0n], 3);
  readonly #groups = new IntervalValues((d) => [dcHitRatio(d[COUNTER.reference] ?? 0n, d[COUNTER.miss] ?? 0n)], 1);

  constructor(options: ChartSettings) {
    this.#inner = new CounterChartBuilder(dcstatChartsSpec(), options);
  }

  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    return this.#inner.charts(exposedApps);
  }

  frame(input: TickInput) {
    const g = this.#groups;
    return this.#inner.frame({
      counters: this.#host.host(input.counters),
      ...(input.apps ? { apps: { names: input.apps.names, totals: g.groups('apps', input.apps.totals) } } : {}),
      ...(input.cgroups ? { cgroups: { names: input.cgroups.names, totals: g.groups('cgroup', input.cgroups.totals, true) } } : {}),
      ...(input.services ? { services: { names: input.services.names, totals: g.groups('services', input.services.totals) } } : {}),
    });
  }
}
