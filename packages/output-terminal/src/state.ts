/**
 * What the terminal view remembers between ticks: the last raw value of
 * every dimension (to turn incremental counters into rates) and the last
 * display values of every chart (collectors run at different intervals, so
 * a tick only refreshes some charts).
 */
import { chartKey, type ChartDefinition, type OutputFrame } from '@ebpf-collectors/core';

/** A chart as currently shown. */
export interface ChartView {
  readonly definition: ChartDefinition;
  readonly collector: string;
  /** Display value per dimension id: a rate for incremental dimensions, `undefined` when unknown yet. */
  readonly display: ReadonlyMap<string, number | undefined>;
  /** Frame time of its last values, ms. */
  readonly updatedAtMs: number;
}

/** Mutable state of one terminal view. Create with {@link createTerminalState}. */
export interface TerminalState {
  /** Charts by full id. */
  readonly charts: Map<string, ChartView>;
  /** Last raw value and its frame time, by full chart id then dimension id. */
  readonly previous: Map<string, Map<string, { value: bigint; timeMs: number }>>;
  /** Time of the last frame applied, ms; undefined before the first one. */
  lastFrameMs: number | undefined;
}

/** An empty view state. */
export function createTerminalState(): TerminalState {
  return { charts: new Map(), previous: new Map(), lastFrameMs: undefined };
}

/**
 * Apply one tick to the state: new display values for the charts it
 * carries, obsolete charts removed. Mutates `state`.
 */
export function applyFrame(state: TerminalState, frame: OutputFrame): void {
  for (const { collector, frame: collected } of frame.frames) {
    for (const { chart, values } of collected.charts) {
      const key = chartKey(chart);
      const previous = state.previous.get(key) ?? new Map<string, { value: bigint; timeMs: number }>();
      state.previous.set(key, previous);
      state.charts.set(key, {
        definition: chart,
        collector,
        display: displayValues(chart, values, previous, frame.timeMs),
        updatedAtMs: frame.timeMs,
      });
      for (const [id, value] of values) previous.set(id, { value, timeMs: frame.timeMs });
    }
    for (const key of collected.obsolete ?? []) forgetChart(state, key);
  }
  state.lastFrameMs = frame.timeMs;
}

/** Drop a chart from the view (it went obsolete). */
export function forgetChart(state: TerminalState, key: string): void {
  state.charts.delete(key);
  state.previous.delete(key);
}

/**
 * Values as Netdata would chart them: multiplier/divisor applied; absolute
 * as is; incremental as a per-second rate since the dimension's previous
 * value (unknown on its first value or after a counter reset);
 * percentages of the row's total.
 */
function displayValues(
  chart: ChartDefinition,
  values: ReadonlyMap<string, bigint>,
  previous: ReadonlyMap<string, { value: bigint; timeMs: number }>,
  timeMs: number,
): Map<string, number | undefined> {
  const rates = new Map<string, number | undefined>();
  const deltas = new Map<string, number>();
  for (const dimension of chart.dimensions) {
    const value = values.get(dimension.id);
    const before = previous.get(dimension.id);
    if (value === undefined || before === undefined || value < before.value || timeMs <= before.timeMs) continue;
    deltas.set(dimension.id, Number(value - before.value));
    rates.set(dimension.id, Number(value - before.value) / ((timeMs - before.timeMs) / 1000));
  }
  const sum = (numbers: Iterable<number>): number => {
    let total = 0;
    for (const n of numbers) total += n;
    return total;
  };
  // As in Netdata, a row total only counts the dimensions using that percentage algorithm.
  const using = (algorithm: string): string[] => chart.dimensions.filter((d) => d.algorithm === algorithm).map((d) => d.id);
  const absoluteTotal = sum(using('percentage-of-absolute-row').map((id) => Number(values.get(id) ?? 0n)));
  const incrementalTotal = sum(using('percentage-of-incremental-row').map((id) => deltas.get(id) ?? 0));

  const display = new Map<string, number | undefined>();
  for (const dimension of chart.dimensions) {
    const scale = (dimension.multiplier ?? 1) / (dimension.divisor || 1);
    const value = values.get(dimension.id);
    let shown: number | undefined;
    switch (dimension.algorithm) {
      case 'incremental': {
        const rate = rates.get(dimension.id);
        shown = rate === undefined ? undefined : rate * scale;
        break;
      }
      case 'percentage-of-absolute-row':
        shown = value === undefined || absoluteTotal === 0 ? undefined : ((100 * Number(value)) / absoluteTotal) * scale;
        break;
      case 'percentage-of-incremental-row': {
        const delta = deltas.get(dimension.id);
        shown = delta === undefined || incrementalTotal === 0 ? undefined : ((100 * delta) / incrementalTotal) * scale;
        break;
      }
      default:
        shown = value === undefined ? undefined : Number(value) * scale;
    }
    display.set(dimension.id, shown);
  }
  return display;
}
