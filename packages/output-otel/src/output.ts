/**
 * The OpenTelemetry output: every chart dimension as an instrument on the
 * application's MeterProvider.
 */
import { chartKey, type ChartDefinition, type ChartValues, type Output, type OutputFrame } from '@ebpf-collectors/core';
import { metrics, type Attributes, type Histogram, type Meter, type ObservableResult } from '@opentelemetry/api';
import type { ChartPlan, HistogramPlan } from './internal-types.js';
import { planChart } from './mapping.js';
import { DEFAULT_PREFIX, METER_NAME } from './metrics.js';
import type { OtelOutputOptions } from './types.js';

const DEFAULT_MAX_SERIES = 2000;

/** Latest value of one attribute set of an asynchronous instrument. */
interface Observed {
  readonly attributes: Attributes;
  value: number;
}

/** An asynchronous counter or gauge and what its callback reports. */
interface AsyncInstrument {
  readonly kind: 'counter' | 'gauge';
  readonly unit: string;
  readonly series: Map<string, Observed>;
}

/** A histogram and each attribute set's last cumulative bucket counts. */
interface HistogramInstrument {
  readonly instrument: Histogram;
  readonly bounds: ReadonlyArray<number>;
  readonly previous: Map<string, number[]>;
}

function attributeKey(attributes: Attributes): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The value recorded for an observation in bucket `i`: its upper bound
 * (bounds are inclusive, so it lands in that bucket), or twice the last
 * finite bound for the open last bucket.
 */
function representative(bounds: ReadonlyArray<number>, i: number): number {
  const bound = bounds[i]!;
  if (Number.isFinite(bound)) return bound;
  const finite = bounds.filter((b) => Number.isFinite(b));
  return finite.length > 0 ? finite[finite.length - 1]! * 2 : 1;
}

/**
 * An `Output` publishing every chart as OpenTelemetry instruments on the
 * MeterProvider you pass (or the global one), so an application that
 * already exports OTLP gets them with its own readers and exporters.
 *
 * Counters and gauges are asynchronous instruments reporting the latest
 * tick when the SDK collects. Histogram charts are `Histogram` instruments
 * whose bucket boundaries are the chart's bounds (passed as advice); each
 * tick records each bucket's new observations at the bucket's upper bound,
 * so bucket counts and count are exact and `sum` is an upper estimate.
 */
export function createOtelOutput(options: OtelOutputOptions = {}): Output {
  const meter: Meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(METER_NAME);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const maxSeries = options.maxSeriesPerInstrument ?? DEFAULT_MAX_SERIES;
  const logger = options.logger;
  const asyncInstruments = new Map<string, AsyncInstrument>();
  const histograms = new Map<string, HistogramInstrument>();
  const plans = new Map<string, { chart: ChartDefinition; plan: ChartPlan }>();
  /** Chart key -> (instrument name, attribute key) pairs it feeds, to forget them with the chart. */
  const owned = new Map<string, Array<[string, string]>>();
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    logger?.warn(`otel output: ${message}`);
  };

  const asyncInstrument = (name: string, kind: 'counter' | 'gauge', unit: string, description: string): AsyncInstrument | undefined => {
    const existing = asyncInstruments.get(name);
    if (existing) {
      if (existing.kind === kind && existing.unit === unit) return existing;
      warnOnce(`clash ${name}`, `${name} is already a ${existing.kind} in ${existing.unit}; a ${kind} in ${unit} of the same name is not exported`);
      return undefined;
    }
    if (histograms.has(name)) {
      warnOnce(`clash ${name}`, `${name} is already a histogram; a ${kind} of the same name is not exported`);
      return undefined;
    }
    const created: AsyncInstrument = { kind, unit, series: new Map() };
    const observable =
      kind === 'counter' ? meter.createObservableCounter(name, { description, unit }) : meter.createObservableGauge(name, { description, unit });
    observable.addCallback((result: ObservableResult) => {
      for (const { attributes, value } of created.series.values()) result.observe(value, attributes);
    });
    asyncInstruments.set(name, created);
    return created;
  };

  const histogramInstrument = (plan: HistogramPlan): HistogramInstrument | undefined => {
    const existing = histograms.get(plan.name);
    if (existing) return existing;
    if (asyncInstruments.has(plan.name)) {
      warnOnce(`clash ${plan.name}`, `${plan.name} is already a ${asyncInstruments.get(plan.name)!.kind}; the histogram is not exported`);
      return undefined;
    }
    const instrument = meter.createHistogram(plan.name, {
      description: plan.description,
      unit: 's',
      advice: { explicitBucketBoundaries: plan.bounds.filter((b) => Number.isFinite(b)) },
    });
    const created: HistogramInstrument = { instrument, bounds: plan.bounds, previous: new Map() };
    histograms.set(plan.name, created);
    return created;
  };

  const planOf = (chart: ChartDefinition): ChartPlan => {
    const key = chartKey(chart);
    const known = plans.get(key);
    if (known && (known.chart === chart || JSON.stringify(known.chart) === JSON.stringify(chart))) {
      known.chart = chart;
      return known.plan;
    }
    const plan = planChart(chart, prefix);
    plans.set(key, { chart, plan });
    return plan;
  };

  const forget = (key: string, keep?: ReadonlyArray<[string, string]>): void => {
    const keepSet = new Set((keep ?? []).map(([name, attrs]) => `${name}\u0000${attrs}`));
    for (const [name, attrs] of owned.get(key) ?? []) {
      if (keepSet.has(`${name}\u0000${attrs}`)) continue;
      asyncInstruments.get(name)?.series.delete(attrs);
      histograms.get(name)?.previous.delete(attrs);
    }
    if (keep) owned.set(key, [...keep]);
    else {
      owned.delete(key);
      plans.delete(key);
    }
  };

  const recordHistogram = (plan: HistogramPlan, values: ReadonlyMap<string, bigint>, now: Array<[string, string]>): void => {
    const target = histogramInstrument(plan);
    if (!target || !plan.dimensions.some((id) => values.has(id))) return;
    const attrs = attributeKey(plan.attributes);
    if (!target.previous.has(attrs) && target.previous.size >= maxSeries) {
      warnOnce(`full ${plan.name}`, `${plan.name} reached ${maxSeries} attribute sets; new ones are dropped (raise maxSeriesPerInstrument)`);
      return;
    }
    const counts = plan.dimensions.map((id) => Number(values.get(id) ?? 0n));
    const before = target.previous.get(attrs);
    counts.forEach((count, i) => {
      // Cumulative counts give the interval's observations as a difference (a counter that went back restarted).
      const last = before?.[i] ?? 0;
      const fresh = plan.perInterval ? count : count >= last ? count - last : count;
      const value = representative(target.bounds, i);
      for (let n = 0; n < fresh; n++) target.instrument.record(value, plan.attributes);
    });
    target.previous.set(attrs, plan.perInterval ? [] : counts);
    now.push([plan.name, attrs]);
  };

  const apply = ({ chart, values }: ChartValues): void => {
    const key = chartKey(chart);
    const plan = planOf(chart);
    const now: Array<[string, string]> = [];
    if (plan.kind === 'histogram') recordHistogram(plan.histogram, values, now);
    else {
      for (const [id, series] of plan.dimensions) {
        const target = asyncInstrument(series.name, series.kind, series.unit, series.description);
        if (!target) continue;
        const attrs = attributeKey(series.attributes);
        const raw = values.get(id);
        const current = target.series.get(attrs);
        if (raw === undefined) {
          if (current) now.push([series.name, attrs]);
          continue;
        }
        if (!current && target.series.size >= maxSeries) {
          warnOnce(`full ${series.name}`, `${series.name} reached ${maxSeries} attribute sets; new ones are dropped (raise maxSeriesPerInstrument)`);
          continue;
        }
        const value = Number(raw) * series.scale;
        if (!current) target.series.set(attrs, { attributes: series.attributes, value });
        else current.value = series.accumulate ? current.value + value : value;
        now.push([series.name, attrs]);
      }
    }
    forget(key, now);
  };

  return {
    name: 'otel',
    write(frame: OutputFrame): void {
      for (const { frame: collected } of frame.frames) {
        for (const values of collected.charts) apply(values);
        for (const id of collected.obsolete ?? []) forget(id);
      }
    },
    obsolete(charts: ReadonlyArray<ChartDefinition>): void {
      for (const chart of charts) forget(chartKey(chart));
    },
    close(): void {
      // Instruments belong to the application's MeterProvider; stop reporting values.
      for (const instrument of asyncInstruments.values()) instrument.series.clear();
    },
  };
}
