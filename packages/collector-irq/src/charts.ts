/**
 * Chart math of the hardirq and softirq collectors: from the kernel's
 * cumulative per-slot nanoseconds to the values of one tick. Pure (no kernel
 * access), so it runs on recorded map contents in the unit tests.
 */
import type { ChartDefinition, CollectorFrame, DimensionDefinition } from '@ebpf-collectors/core';
import { counterDelta } from '@ebpf-collectors/core';
import { LANE, LATENCY_LANES, LATENCY_VALUE_SIZE } from './internal-types.js';
import {
  HARDIRQ_CHART,
  HARDIRQ_MODULE,
  HARDIRQ_VECTOR_DIMENSIONS,
  LATENCY_DIVISOR,
  SOFTIRQ_CHART,
  SOFTIRQ_DIMENSIONS,
  SOFTIRQ_MODULE,
  type LatencyChartSpec,
} from './metrics.js';
import type { HardirqReading, LatencyTotals } from './types.js';

const NS_PER_US = 1000n;

/** Whole microseconds in `ns` nanoseconds (the unit the charts send, with divisor 1000 for milliseconds). */
export function nsToMicros(ns: bigint): bigint {
  return ns / NS_PER_US;
}

/**
 * The slots of a (per-CPU, summed) array of `struct ebpfc_irq_latency`, as
 * `BpfMap.readU64Array()` returns it.
 *
 * @throws RangeError when the lane count is not a multiple of the struct's
 */
export function decodeLatencyArray(lanes: ArrayLike<bigint>): LatencyTotals[] {
  if (lanes.length % LATENCY_LANES !== 0) {
    throw new RangeError(`latency array: ${lanes.length} lanes is not a multiple of ${LATENCY_LANES}`);
  }
  const out: LatencyTotals[] = new Array(lanes.length / LATENCY_LANES);
  for (let i = 0; i < out.length; i++) {
    const base = i * LATENCY_LANES;
    out[i] = { latencyNs: lanes[base + LANE.latencyNs]!, count: lanes[base + LANE.count]! };
  }
  return out;
}

/** The parts of a map dump (`BpfMap.readAll()`) the hash decoder reads. */
export interface LatencyHashDump {
  readonly count: number;
  /** `count` u32 keys (IRQ numbers), little endian. */
  readonly keys: Buffer;
  /** `count` values of `struct ebpfc_irq_latency`, per-CPU copies summed. */
  readonly values: Buffer;
}

/**
 * IRQ -> totals from a dump of `tbl_hardirq_spill`.
 *
 * @throws RangeError when the dump is shorter than its count says
 */
export function decodeLatencyHash(dump: LatencyHashDump): Map<number, LatencyTotals> {
  const { count, keys, values } = dump;
  if (keys.length < count * 4 || values.length < count * LATENCY_VALUE_SIZE) {
    throw new RangeError(
      `latency hash: ${count} entries need ${count * 4} key and ${count * LATENCY_VALUE_SIZE} value bytes, got ${keys.length} and ${values.length}`,
    );
  }
  const out = new Map<number, LatencyTotals>();
  for (let i = 0; i < count; i++) {
    const base = i * LATENCY_VALUE_SIZE;
    out.set(keys.readUInt32LE(i * 4), {
      latencyNs: values.readBigUInt64LE(base + LANE.latencyNs * 8),
      count: values.readBigUInt64LE(base + LANE.count * 8),
    });
  }
  return out;
}

/**
 * IRQ lines that ran a handler since load, from the array slots (index =
 * IRQ number) and the spill hash. Slots never used are left out.
 */
export function firedLines(
  slots: ReadonlyArray<LatencyTotals>,
  spill: ReadonlyMap<number, LatencyTotals> = new Map(),
): Map<number, LatencyTotals> {
  const out = new Map<number, LatencyTotals>();
  slots.forEach((slot, irq) => {
    if (slot.count > 0n) out.set(irq, slot);
  });
  for (const [irq, slot] of spill) if (slot.count > 0n) out.set(irq, slot);
  return out;
}

function chartDefinition(spec: LatencyChartSpec, module: string, updateEvery: number, ids: ReadonlyArray<string>): ChartDefinition {
  const dimensions: DimensionDefinition[] = ids.map((id) => ({ id, algorithm: 'incremental', divisor: LATENCY_DIVISOR }));
  return {
    type: spec.type,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: spec.family,
    context: spec.context,
    chartType: spec.chartType,
    priority: spec.priority,
    updateEvery,
    module,
    dimensions,
  };
}

/** `system.softirq_latency`, one dimension per softirq vector. */
export class SoftirqChartBuilder {
  readonly #chart: ChartDefinition;

  constructor(updateEvery: number) {
    this.#chart = chartDefinition(SOFTIRQ_CHART, SOFTIRQ_MODULE, updateEvery, SOFTIRQ_DIMENSIONS);
  }

  /** The chart definition (fixed). */
  chart(): ChartDefinition {
    return this.#chart;
  }

  /**
   * One tick: each vector's cumulative time in microseconds (`incremental`,
   * divisor 1000: the agent draws ms/s). Missing slots count as zero.
   */
  frame(vectors: ReadonlyArray<LatencyTotals>): CollectorFrame {
    const values = new Map<string, bigint>();
    SOFTIRQ_DIMENSIONS.forEach((id, index) => values.set(id, nsToMicros(vectors[index]?.latencyNs ?? 0n)));
    return { charts: [{ chart: this.#chart, values }] };
  }
}

const STATIC_IDS: ReadonlySet<string> = new Set(HARDIRQ_VECTOR_DIMENSIONS);

/**
 * `system.hardirq_latency`: the static system-vector dimensions, then one
 * dimension per IRQ handler name, added as lines fire (never removed, as in
 * Netdata). Lines that share a name are summed into that name's dimension.
 *
 * Line time is accumulated here from per-tick differences, attributed to the
 * name the line has at that tick, so a dimension never goes backwards when
 * an IRQ number is reused by another device or when several lines share a
 * name. Static vectors are sent as the kernel's cumulative totals.
 */
export class HardirqChartBuilder {
  readonly #updateEvery: number;
  /** IRQ -> cumulative ns at the last tick. */
  readonly #previous = new Map<number, bigint>();
  /** Dimension id -> accumulated ns; insertion order is dimension order. */
  readonly #totals = new Map<string, bigint>();
  #chart: ChartDefinition;

  constructor(updateEvery: number) {
    this.#updateEvery = updateEvery;
    this.#chart = chartDefinition(HARDIRQ_CHART, HARDIRQ_MODULE, updateEvery, HARDIRQ_VECTOR_DIMENSIONS);
  }

  /** The chart definition with every dimension added so far. */
  chart(): ChartDefinition {
    return this.#chart;
  }

  /** Dimension ids of IRQ lines seen so far, in order of appearance. */
  lineDimensions(): string[] {
    return [...this.#totals.keys()];
  }

  /**
   * One tick. `nameOf` gives the dimension name of an IRQ line now (see
   * {@link irqLineNames}); a line first seen in this tick contributes all
   * its time since load (it fired during the interval, or before the first
   * tick, which the agent takes as its baseline anyway).
   */
  frame(reading: HardirqReading, nameOf: (irq: number) => string): CollectorFrame {
    let added = false;
    const irqs = [...reading.lines.keys()].sort((a, b) => a - b);
    for (const irq of irqs) {
      const now = reading.lines.get(irq)!.latencyNs;
      const delta = counterDelta(this.#previous.get(irq) ?? 0n, now);
      this.#previous.set(irq, now);
      const id = lineDimensionId(nameOf(irq), irq);
      const before = this.#totals.get(id);
      if (before === undefined) added = true;
      this.#totals.set(id, (before ?? 0n) + delta);
    }
    if (added) {
      this.#chart = chartDefinition(HARDIRQ_CHART, HARDIRQ_MODULE, this.#updateEvery, [
        ...HARDIRQ_VECTOR_DIMENSIONS,
        ...this.#totals.keys(),
      ]);
    }
    const values = new Map<string, bigint>();
    HARDIRQ_VECTOR_DIMENSIONS.forEach((id, index) => values.set(id, nsToMicros(reading.vectors[index]?.latencyNs ?? 0n)));
    for (const [id, ns] of this.#totals) values.set(id, nsToMicros(ns));
    return { charts: [{ chart: this.#chart, values }] };
  }
}

/**
 * The dimension id of IRQ line `irq` named `name` (see {@link irqLineNames}):
 * the name, unless a static vector dimension already has that id.
 */
export function lineDimensionId(name: string, irq: number): string {
  return STATIC_IDS.has(name) ? `${name} (irq ${irq})` : name;
}
