/**
 * Chart model -> one JSON object per tick. Pure apart from the previous
 * values it keeps for rates.
 */
import { chartKey, type ChartDefinition, type ChartValues, type OutputFrame } from '@ebpf-collectors/core';
import type { PreviousValue } from './internal-types.js';
import { JSON_SCHEMA_VERSION } from './metrics.js';
import type { JsonChart, JsonDimension, JsonFrame } from './types.js';

/**
 * Turns output frames into {@link JsonFrame} objects and lines. Keeps each
 * dimension's previous value so `display` can show `incremental` dimensions
 * as per-second rates, the way Netdata and the terminal view do.
 */
export class JsonSerializer {
  readonly #previous = new Map<string, Map<string, PreviousValue>>();

  /** The object of one tick. */
  frame(frame: OutputFrame): JsonFrame {
    const charts: JsonChart[] = [];
    const obsolete: string[] = [];
    for (const { collector, frame: collected } of frame.frames) {
      for (const values of collected.charts) charts.push(this.#chart(collector, values, frame.wallTimeMs));
      for (const id of collected.obsolete ?? []) {
        this.#previous.delete(id);
        obsolete.push(id);
      }
    }
    return {
      schema: JSON_SCHEMA_VERSION,
      time: frame.wallTimeMs,
      timeIso: new Date(frame.wallTimeMs).toISOString(),
      monotonicMs: frame.timeMs,
      charts,
      ...(obsolete.length > 0 ? { obsolete } : {}),
    };
  }

  /** One tick as a line (newline-terminated). */
  serialize(frame: OutputFrame): string {
    return `${JSON.stringify(this.frame(frame))}\n`;
  }

  /** A line saying these charts are gone (their collector stopped), at wall-clock `timeMs`. */
  obsolete(charts: ReadonlyArray<ChartDefinition>, timeMs: number, monotonicMs: number): string {
    const ids = charts.map((chart) => chartKey(chart));
    for (const id of ids) this.#previous.delete(id);
    const line: JsonFrame = {
      schema: JSON_SCHEMA_VERSION,
      time: timeMs,
      timeIso: new Date(timeMs).toISOString(),
      monotonicMs,
      charts: [],
      obsolete: ids,
    };
    return `${JSON.stringify(line)}\n`;
  }

  #chart(collector: string, { chart, values }: ChartValues, timeMs: number): JsonChart {
    const key = chartKey(chart);
    const previous = this.#previous.get(key) ?? new Map<string, PreviousValue>();
    const display = displayValues(chart, values, previous, timeMs);
    const dimensions: JsonDimension[] = chart.dimensions.map((dimension) => {
      const value = values.get(dimension.id);
      return {
        id: dimension.id,
        name: dimension.name || dimension.id,
        algorithm: dimension.algorithm,
        multiplier: dimension.multiplier ?? 1,
        divisor: dimension.divisor || 1,
        value: value === undefined ? null : Number(value),
        display: display.get(dimension.id) ?? null,
      };
    });
    const next = new Map<string, PreviousValue>();
    for (const [id, value] of values) next.set(id, { value, timeMs });
    this.#previous.set(key, next);
    return {
      id: key,
      collector,
      type: chart.type,
      title: chart.title,
      units: chart.units,
      family: chart.family,
      context: chart.context || key,
      chartType: chart.chartType,
      priority: chart.priority,
      updateEvery: chart.updateEvery,
      module: chart.module,
      ...(chart.labels && Object.keys(chart.labels).length > 0 ? { labels: { ...chart.labels } } : {}),
      ...(chart.histogram
        ? { histogramUpperBoundsSeconds: chart.histogram.upperBoundsSeconds.map((b) => (Number.isFinite(b) ? b : null)) }
        : {}),
      dimensions,
    };
  }
}

/**
 * Values as Netdata charts them: multiplier/divisor applied; absolute as
 * is; incremental per second since the previous tick (unknown on the first
 * value and after a counter went backwards); percentages of the row total
 * of the dimensions using that algorithm.
 */
function displayValues(
  chart: ChartDefinition,
  values: ReadonlyMap<string, bigint>,
  previous: ReadonlyMap<string, PreviousValue>,
  timeMs: number,
): Map<string, number> {
  const deltas = new Map<string, { delta: number; seconds: number }>();
  for (const dimension of chart.dimensions) {
    const value = values.get(dimension.id);
    const before = previous.get(dimension.id);
    if (value === undefined || before === undefined || value < before.value || timeMs <= before.timeMs) continue;
    deltas.set(dimension.id, { delta: Number(value - before.value), seconds: (timeMs - before.timeMs) / 1000 });
  }
  const rowTotal = (algorithm: string, part: (id: string) => number): number =>
    chart.dimensions.filter((d) => d.algorithm === algorithm).reduce((total, d) => total + part(d.id), 0);
  const absoluteTotal = rowTotal('percentage-of-absolute-row', (id) => Number(values.get(id) ?? 0n));
  const incrementalTotal = rowTotal('percentage-of-incremental-row', (id) => deltas.get(id)?.delta ?? 0);

  const display = new Map<string, number>();
  for (const dimension of chart.dimensions) {
    const scale = (dimension.multiplier ?? 1) / (dimension.divisor || 1);
    const value = values.get(dimension.id);
    const change = deltas.get(dimension.id);
    switch (dimension.algorithm) {
      case 'absolute':
        if (value !== undefined) display.set(dimension.id, Number(value) * scale);
        break;
      case 'incremental':
        if (change) display.set(dimension.id, (change.delta / change.seconds) * scale);
        break;
      case 'percentage-of-absolute-row':
        if (value !== undefined && absoluteTotal !== 0) display.set(dimension.id, ((Number(value) * 100) / absoluteTotal) * scale);
        break;
      case 'percentage-of-incremental-row':
        if (change && incrementalTotal !== 0) display.set(dimension.id, ((change.delta * 100) / incrementalTotal) * scale);
        break;
    }
  }
  return display;
}
