/**
 * The mdflush chart from per-array flush counts: one dimension per array,
 * named by its kernel device name, in the order arrays were first seen.
 */
import type { ChartDefinition, ChartValues, CollectorFrame } from '@ebpf-collectors/core';
import { CHART, MODULE } from './metrics.js';

/** The `mdstat.mdstat_flush` definition with these arrays as dimensions. */
export function flushChart(arrays: ReadonlyArray<string>, updateEvery: number): ChartDefinition {
  return {
    type: CHART.type,
    id: CHART.id,
    title: CHART.title,
    units: CHART.units,
    family: CHART.family,
    context: CHART.context,
    chartType: 'stacked',
    priority: CHART.priority,
    updateEvery,
    module: MODULE,
    dimensions: arrays.map((id) => ({ id, algorithm: 'incremental' })),
  };
}

/**
 * Frames from cumulative per-array counts. Arrays stay charted once seen
 * (their count only grows), as Netdata keeps them.
 */
export class MdflushChartBuilder {
  readonly #updateEvery: number;
  readonly #arrays: string[] = [];
  readonly #last = new Map<string, bigint>();
  #definition: ChartDefinition | undefined;

  constructor(updateEvery: number) {
    this.#updateEvery = updateEvery;
  }

  /** The chart once an array has been seen (a chart needs a dimension). */
  charts(): ChartDefinition[] {
    return this.#definition ? [this.#definition] : [];
  }

  /** One tick: `counts` maps array names to their cumulative flushes. */
  frame(counts: ReadonlyMap<string, bigint>): CollectorFrame {
    let grew = false;
    for (const [name, count] of counts) {
      if (!this.#last.has(name)) {
        this.#arrays.push(name);
        grew = true;
      }
      this.#last.set(name, count);
    }
    if (grew || this.#definition === undefined) {
      this.#definition = this.#arrays.length > 0 ? flushChart(this.#arrays, this.#updateEvery) : undefined;
    }
    if (this.#definition === undefined) return { charts: [] };
    const chart: ChartValues = { chart: this.#definition, values: new Map(this.#arrays.map((a) => [a, this.#last.get(a) ?? 0n])) };
    return { charts: [chart] };
  }
}
