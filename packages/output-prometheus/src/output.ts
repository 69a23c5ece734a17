/**
 * The Prometheus output: keeps the latest value of every chart dimension as
 * Prometheus metrics in prom-client registries, optionally served over HTTP.
 */
import { chartKey, type ChartDefinition, type ChartValues, type OutputFrame } from '@ebpf-collectors/core';
import promClient, { type Registry, type RegistryContentType } from 'prom-client';
import { Family, labelKey } from './families.js';
import type { ChartPlan } from './internal-types.js';
import { planChart } from './mapping.js';
import { DEFAULT_MAX_SERIES_PER_METRIC, DEFAULT_PREFIX } from './metrics.js';
import { startEndpoint, type Endpoint } from './server.js';
import type { BoundAddress, PrometheusOutput, PrometheusOutputOptions } from './types.js';

/** A Prometheus text registry and an OpenMetrics one, for the endpoint's content negotiation. */
function ownRegistries(): Array<Registry<RegistryContentType>> {
  const text = new promClient.Registry();
  const openMetrics = new promClient.Registry<typeof promClient.openMetricsContentType>();
  openMetrics.setContentType(promClient.openMetricsContentType);
  return [text, openMetrics];
}

/** What one chart currently owns: family name -> label keys. */
type Owned = Map<string, Set<string>>;

/**
 * An `Output` exposing every chart as Prometheus metrics (see the package
 * README for the names, types and labels).
 *
 * - With `registry`, the metrics are registered in your prom-client registry
 *   as they appear; serve it as you already do.
 * - With `listen`, an HTTP endpoint serves `GET /metrics`, in OpenMetrics
 *   when the scraper asks for it and in Prometheus text otherwise.
 *
 * `write` never rejects for the endpoint's sake: a port in use or a scraper
 * that hangs up is logged, and the other outputs keep going.
 */
export function createPrometheusOutput(options: PrometheusOutputOptions = {}): PrometheusOutput {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const maxSeries = options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC;
  const logger = options.logger;
  const registries: Array<Registry<RegistryContentType>> = options.registry ? [options.registry] : ownRegistries();
  const families = new Map<string, Family>();
  const refused = new Set<string>();
  const plans = new Map<string, { chart: ChartDefinition; plan: ChartPlan }>();
  const owned = new Map<string, Owned>();
  const warnedFull = new Set<string>();

  const dropped = new Family(`${prefix}_prometheus_series_dropped`, 'counter', 'New series not exported because their metric had reached its series cap (maxSeriesPerMetric)');
  for (const registry of registries) registry.registerMetric(dropped.view(registry));
  dropped.setScalar('', {}, 0, false);
  const countDropped = (): void => dropped.setScalar('', {}, 1, true);

  const family = (name: string, type: Family['type'], help: string): Family | undefined => {
    const existing = families.get(name);
    if (existing) {
      if (existing.type === type) return existing;
      if (!refused.has(`${name}\u0000${type}`)) {
        refused.add(`${name}\u0000${type}`);
        logger?.warn(`prometheus output: ${name} is already a ${existing.type}; a ${type} of the same name is not exported`);
      }
      return undefined;
    }
    if (refused.has(name)) return undefined;
    const created = new Family(name, type, help);
    for (const registry of registries) {
      try {
        registry.registerMetric(created.view(registry));
      } catch (error) {
        refused.add(name);
        logger?.error(`prometheus output: cannot register ${name}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    }
    families.set(name, created);
    return created;
  };

  /** Whether a series may exist (existing, or room under the cap). */
  const admit = (target: Family, key: string): boolean => {
    if (target.has(key) || target.size < maxSeries) return true;
    countDropped();
    if (!warnedFull.has(target.name)) {
      warnedFull.add(target.name);
      logger?.warn(`prometheus output: ${target.name} reached ${maxSeries} series; new label sets are dropped (raise maxSeriesPerMetric)`);
    }
    return false;
  };

  const planOf = (chart: ChartDefinition): ChartPlan => {
    const key = chartKey(chart);
    const known = plans.get(key);
    // Definitions are rebuilt each tick by some collectors; compare by content only when the object changed.
    if (known && (known.chart === chart || JSON.stringify(known.chart) === JSON.stringify(chart))) {
      known.chart = chart;
      return known.plan;
    }
    const plan = planChart(chart, prefix);
    plans.set(key, { chart, plan });
    return plan;
  };

  const forget = (key: string, keep?: Owned): void => {
    const before = owned.get(key);
    if (!before) return;
    for (const [name, labelKeys] of before) {
      for (const labels of labelKeys) {
        if (!keep?.get(name)?.has(labels)) families.get(name)?.delete(labels);
      }
    }
    if (!keep) {
      owned.delete(key);
      plans.delete(key);
    }
  };

  const apply = ({ chart, values }: ChartValues): void => {
    const key = chartKey(chart);
    const plan = planOf(chart);
    const now: Owned = new Map();
    const own = (name: string, labels: string) => {
      let set = now.get(name);
      if (!set) now.set(name, (set = new Set()));
      set.add(labels);
    };
    if (plan.kind === 'histogram') {
      const h = plan.histogram;
      const target = family(h.family, 'histogram', h.help);
      const labels = labelKey(h.labels);
      if (target && admit(target, labels)) {
        const counts = h.dimensions.map((id) => Number(values.get(id) ?? 0n));
        if (h.dimensions.some((id) => values.has(id))) target.setHistogram(labels, h.labels, h.bounds, counts, h.accumulate);
        own(h.family, labels);
      }
    } else {
      for (const [id, series] of plan.dimensions) {
        const target = family(series.family, series.type, series.help);
        if (!target) continue;
        const labels = labelKey(series.labels);
        const raw = values.get(id);
        if (raw === undefined) {
          if (target.has(labels)) own(series.family, labels);
          continue;
        }
        if (!admit(target, labels)) continue;
        target.setScalar(labels, series.labels, Number(raw) * series.scale, series.accumulate);
        own(series.family, labels);
      }
    }
    // Dimensions gone from the definition (an app group that vanished) leave with it.
    forget(key, now);
    owned.set(key, now);
  };

  const endpoint: Endpoint | undefined = options.listen
    ? startEndpoint(options.listen, (openMetrics) => scrape(openMetrics), logger, options.retryListenSeconds ?? 30)
    : undefined;

  async function scrape(openMetrics = false): Promise<{ contentType: string; body: string }> {
    const registry =
      registries.find((r) => r.contentType.startsWith('application/openmetrics-text') === openMetrics) ?? registries[0]!;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  return {
    name: 'prometheus',
    registries,
    write(frame: OutputFrame): void {
      for (const { frame: collected } of frame.frames) {
        for (const values of collected.charts) apply(values);
        for (const id of collected.obsolete ?? []) forget(id);
      }
    },
    obsolete(charts: ReadonlyArray<ChartDefinition>): void {
      for (const chart of charts) forget(chartKey(chart));
    },
    listening(): Promise<BoundAddress | undefined> {
      return endpoint?.listening ?? Promise.resolve(undefined);
    },
    scrape,
    async close(): Promise<void> {
      await endpoint?.close();
    },
  };
}
