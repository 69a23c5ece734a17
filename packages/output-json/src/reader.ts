/**
 * JSON lines back into output frames: replay a recording through any output.
 */
import type { ChartDefinition, OutputFrame } from '@ebpf-collectors/core';
import type { JsonFrame } from './types.js';

/**
 * The output frame a {@link JsonFrame} was written from. Values come back as
 * bigints (exact when they were below 2^53); a chart's context comes back
 * as written (its full id when the chart had none); a null value is a gap.
 *
 * @throws TypeError when `line` is not a JSON object with `schema` 1
 */
export function parseJsonFrame(line: string | JsonFrame): OutputFrame {
  const json = (typeof line === 'string' ? JSON.parse(line) : line) as JsonFrame;
  if (typeof json !== 'object' || json === null || json.schema !== 1 || !Array.isArray(json.charts)) {
    throw new TypeError('not an ebpf-collectors JSON line of schema 1');
  }
  const byCollector = new Map<string, { charts: Array<{ chart: ChartDefinition; values: Map<string, bigint> }>; obsolete?: string[] }>();
  for (const chart of json.charts) {
    const definition: ChartDefinition = {
      type: chart.type,
      id: chart.id.slice(chart.type.length + 1),
      title: chart.title,
      units: chart.units,
      family: chart.family,
      context: chart.context,
      chartType: chart.chartType,
      priority: chart.priority,
      updateEvery: chart.updateEvery,
      module: chart.module,
      dimensions: chart.dimensions.map((d) => ({
        id: d.id,
        ...(d.name !== d.id ? { name: d.name } : {}),
        algorithm: d.algorithm,
        multiplier: d.multiplier,
        divisor: d.divisor,
      })),
      ...(chart.labels ? { labels: chart.labels } : {}),
      ...(chart.histogramUpperBoundsSeconds
        ? { histogram: { upperBoundsSeconds: chart.histogramUpperBoundsSeconds.map((b) => b ?? Infinity) } }
        : {}),
    };
    const values = new Map<string, bigint>();
    for (const d of chart.dimensions) if (d.value !== null) values.set(d.id, BigInt(d.value));
    let entry = byCollector.get(chart.collector);
    if (!entry) byCollector.set(chart.collector, (entry = { charts: [] }));
    entry.charts.push({ chart: definition, values });
  }
  const frames = [...byCollector].map(([collector, frame]) => ({ collector, frame }));
  if (json.obsolete?.length) frames.push({ collector: '', frame: { charts: [], obsolete: json.obsolete } });
  return { timeMs: json.monotonicMs, wallTimeMs: json.time, frames };
}
