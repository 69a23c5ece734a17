/**
 * Recorded runs of the irq collectors: what the kernel maps held at each
 * tick and the chart values the live collector emitted. The kernel test
 * writes them (EBPFC_RECORD_FIXTURES=1); the unit tests replay them through
 * the chart math.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CollectorFrame } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';
import type { HardirqReading, LatencyTotals, SoftirqReading } from '../src/index.js';

/** One latency slot as decimal strings. */
export interface FixtureSlot {
  readonly latencyNs: string;
  readonly count: string;
}

/** One tick: map contents, the names the collector used, and what it emitted. */
export interface IrqFixtureTick {
  /** hardirq: IRQ line -> slot (decimal keys). */
  readonly lines?: Readonly<Record<string, FixtureSlot>>;
  /** hardirq: IRQ line -> the dimension name the collector gave it at that tick. */
  readonly names?: Readonly<Record<string, string>>;
  /** Vector slots (hardirq: 11 system vectors; softirq: 10 softirq vectors). */
  readonly vectors: ReadonlyArray<FixtureSlot>;
  /** chart key -> dimension id -> value. */
  readonly charts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** chart key -> dimension ids in declared order. */
  readonly dimensions: Readonly<Record<string, ReadonlyArray<string>>>;
}

export interface IrqFixture {
  readonly description: string;
  readonly recorded: { readonly kernel: string; readonly date: string; readonly attachMode: string };
  readonly ticks: ReadonlyArray<IrqFixtureTick>;
}

const slot = (t: LatencyTotals): FixtureSlot => ({ latencyNs: t.latencyNs.toString(), count: t.count.toString() });
const totals = (s: FixtureSlot): LatencyTotals => ({ latencyNs: BigInt(s.latencyNs), count: BigInt(s.count) });

/** Ticks of a live run. */
export class IrqRecorder {
  readonly ticks: IrqFixtureTick[] = [];
  #pending: Pick<IrqFixtureTick, 'lines' | 'vectors'> | undefined;

  readonly onHardirq = (reading: HardirqReading): void => {
    this.#pending = {
      lines: Object.fromEntries([...reading.lines].map(([irq, t]) => [String(irq), slot(t)])),
      vectors: reading.vectors.map(slot),
    };
  };

  readonly onSoftirq = (reading: SoftirqReading): void => {
    this.#pending = { vectors: reading.vectors.map(slot) };
  };

  /** Call with the frame `collect()` returned and, for hardirq, the names used. */
  frame(frame: CollectorFrame, names?: Record<string, string>): void {
    if (this.#pending === undefined) throw new Error('frame() without a reading');
    const charts: Record<string, Record<string, string>> = {};
    const dimensions: Record<string, string[]> = {};
    for (const { chart, values } of frame.charts) {
      charts[chartKey(chart)] = Object.fromEntries([...values].map(([id, v]) => [id, v.toString()]));
      dimensions[chartKey(chart)] = chart.dimensions.map((d) => d.id);
    }
    this.ticks.push({ ...this.#pending, ...(names ? { names } : {}), charts, dimensions });
    this.#pending = undefined;
  }
}

export function writeFixture(path: string, fixture: IrqFixture): void {
  writeFileSync(path, `${JSON.stringify(fixture, null, 1)}\n`);
}

export function readFixture(path: string): IrqFixture {
  return JSON.parse(readFileSync(path, 'utf8')) as IrqFixture;
}

/** The hardirq reading of a recorded tick. */
export function hardirqReading(tick: IrqFixtureTick): HardirqReading {
  return {
    lines: new Map(Object.entries(tick.lines ?? {}).map(([irq, s]) => [Number(irq), totals(s)])),
    vectors: tick.vectors.map(totals),
  };
}

/** The softirq reading of a recorded tick. */
export function softirqReading(tick: IrqFixtureTick): SoftirqReading {
  return { vectors: tick.vectors.map(totals) };
}
