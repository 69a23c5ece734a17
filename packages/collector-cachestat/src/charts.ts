/**
 * Chart math of the cachestat collector. Netdata's formula (from bcc's
 * cachestat), per interval: total = accessed - buffers dirtied, misses =
 * added - dirtied, hits = total - misses (when negative, misses = total and
 * hits = 0), ratio = hits / total in percent (100 when total is 0). Pure, so
 * the unit tests run it on made-up readings.
 */
import type { ChartDefinition, ChartSettings, CounterChartsSpec, GroupMetric, HostChart, TickChartBuilder, TickInput } from '@ebpf-collectors/core';
import { CounterChartBuilder, lane } from '@ebpf-collectors/core';
import { COUNTER, COUNTER_LANES } from './internal-types.js';
import { IntervalValues } from '@ebpf-collectors/core';
import { CHARTS, FAMILY, MODULE, TYPE_MEM, type CachestatValue } from './metrics.js';

/** What the chart table depends on. */
export interface CachestatChartOptions extends ChartSettings {
  /**
   * Whether pages marked accessed are counted (trampoline and probe modes).
   * Without them (tracepoint mode) there are no hits and no ratio: only
   * dirty pages and misses are charted.
   */
  readonly accessKnown: boolean;
}

/** One interval's values. */
export interface CachestatInterval {
  readonly hit: bigint;
  readonly miss: bigint;
  readonly ratio: bigint;
}

/**
 * Netdata's per-interval hits, misses and ratio from the changes of the four
 * lanes (add, access, dirtied, buffer dirty). Without `accessKnown` only
 * misses = added - dirtied (at least 0) mean something; hits and ratio are 0
 * and not charted.
 */
export function cachestatInterval(delta: ArrayLike<bigint>, accessKnown = true): CachestatInterval {
  const at = (i: number) => delta[i] ?? 0n;
  let miss = at(COUNTER.add) > at(COUNTER.dirtied) ? at(COUNTER.add) - at(COUNTER.dirtied) : 0n;
  if (!accessKnown) return { hit: 0n, miss, ratio: 0n };
  const total = at(COUNTER.access) > at(COUNTER.bufferDirty) ? at(COUNTER.access) - at(COUNTER.bufferDirty) : 0n;
  let hit = total - miss;
  if (hit < 0n) {
    miss = total;
    hit = 0n;
  }
  const ratio = total === 0n ? 100n : (hit * 100n) / total;
  return { hit, miss, ratio };
}

/** Where the derived values sit after the kernel lanes. */
const DERIVED = { hit: COUNTER_LANES, miss: COUNTER_LANES + 1, ratio: COUNTER_LANES + 2 } as const;

/** The lane each chart reads: cumulative buffer dirties, or a derived interval value. */
const VALUE_LANE: Readonly<Record<CachestatValue, number>> = {
  ratio: DERIVED.ratio,
  dirty: COUNTER.bufferDirty,
  hit: DERIVED.hit,
  miss: DERIVED.miss,
};

function chartsOf(accessKnown: boolean) {
  return CHARTS.filter((c) => accessKnown || !c.needsAccess);
}

/** The `mem.cachestat_*` host charts. */
export function hostChartTable(accessKnown: boolean): HostChart[] {
  return chartsOf(accessKnown).map((spec) => ({
    type: TYPE_MEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.pageCache,
    context: '',
    chartType: 'line',
    priority: spec.hostPriority,
    algorithm: spec.hostAlgorithm,
    dimensions: [{ id: spec.dimension, value: lane(VALUE_LANE[spec.value]) }],
  }));
}

/**
 * The per-group metrics: apps (`page_cache`), cgroups (`page cache (eBPF)`,
 * one dimension) and services (`page_cache`). Dirty pages are cumulative
 * (`incremental`) for apps and cgroups; every other value is the interval's
 * (`absolute`, the running sums of {@link IntervalValues} make the kit send it).
 */
export function groupMetrics(accessKnown: boolean): GroupMetric[] {
  return chartsOf(accessKnown).map((spec) => {
    const index = VALUE_LANE[spec.value];
    return {
      id: spec.id,
      title: spec.title,
      units: spec.units,
      value: (lanes: ReadonlyArray<bigint>) => lanes[index] ?? 0n,
      apps: {
        family: FAMILY.pageCache,
        context: '',
        chartType: spec.appsChartType,
        priority: spec.appsPriority,
        algorithm: spec.appsAlgorithm,
      },
      cgroup: {
        family: FAMILY.cgroup,
        context: spec.cgroupContext,
        chartType: 'line',
        priority: spec.cgroupPriority,
        algorithm: spec.hostAlgorithm,
        dimension: { id: spec.dimension },
      },
      services: {
        family: FAMILY.pageCache,
        context: spec.servicesContext,
        chartType: 'line',
        priority: spec.servicesPriority,
        algorithm: spec.servicesAlgorithm,
      },
    };
  });
}

/** The kit's chart table of a mode. */
export function cachestatChartsSpec(accessKnown: boolean): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(accessKnown), groups: groupMetrics(accessKnown) };
}

/**
 * Ticks to frames: the kit's {@link CounterChartBuilder} over the kernel
 * lanes followed by the interval's hits, misses and ratio (per group:
 * their running sums).
 */
export class CachestatChartBuilder implements TickChartBuilder {
  readonly #inner: CounterChartBuilder;
  readonly #values: IntervalValues;

  constructor(options: CachestatChartOptions) {
    this.#inner = new CounterChartBuilder(cachestatChartsSpec(options.accessKnown), options);
    this.#values = new IntervalValues((delta) => {
      const v = cachestatInterval(delta, options.accessKnown);
      return [v.hit, v.miss, v.ratio];
    }, 3);
  }

  charts(exposedApps: ReadonlyArray<string> = []): ChartDefinition[] {
    return this.#inner.charts(exposedApps);
  }

  frame(input: TickInput) {
    const values = this.#values;
    return this.#inner.frame({
      counters: values.host(input.counters),
      ...(input.apps ? { apps: { names: input.apps.names, totals: values.groups('apps', input.apps.totals) } } : {}),
      ...(input.cgroups ? { cgroups: { names: input.cgroups.names, totals: values.groups('cgroup', input.cgroups.totals, true) } } : {}),
      ...(input.services ? { services: { names: input.services.names, totals: values.groups('services', input.services.totals) } } : {}),
    });
  }
}
