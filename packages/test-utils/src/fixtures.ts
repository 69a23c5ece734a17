/**
 * Recorded collector runs: what the kernel maps held at each tick of a real
 * run, where the PID table placed each key, and the chart values the live
 * collector emitted. Kernel tests write them (EBPFC_RECORD_FIXTURES=1); unit
 * tests replay them through the chart math, so chart code is tested on real
 * kernel data without a kernel.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { chartKey } from '@ebpf-collectors/core';
import type { CollectorFrame, PidValues, ProcessGrouping } from '@ebpf-collectors/core';

/** One per-PID entry as read, with where the PID table put it then. */
export interface FixturePid {
  readonly pid: number;
  /** u64 lanes as decimal strings. */
  readonly values: ReadonlyArray<string>;
  /** `appOf(pid)` at that tick (absent: unknown to the table). */
  readonly app?: string;
  /** `startTimeOf(pid)` at that tick. */
  readonly start?: number;
}

/** One tick of a recorded run. */
export interface FixtureTick {
  /** Global counters summed over CPUs, decimal strings, counter-lane order. */
  readonly counters: ReadonlyArray<string>;
  readonly pids: ReadonlyArray<FixturePid>;
  /** `exposedApps()` at that tick. */
  readonly exposed: ReadonlyArray<string>;
  /** What the live collector emitted: chart key -> dimension -> value. */
  readonly charts: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** How a run was recorded. */
export interface FixtureRecording {
  readonly kernel: string;
  readonly date: string;
  readonly attachMode: string;
  readonly loadMode: 'entry' | 'return';
  readonly collectPid: string;
  readonly mapsPerCore: boolean;
}

/** A recorded run; `W` describes the workload run between tick 0 and tick 1. */
export interface CollectorFixture<W> {
  readonly description: string;
  readonly recorded: FixtureRecording;
  readonly workload: W;
  readonly ticks: ReadonlyArray<FixtureTick>;
}

/** Chart values of a frame as plain strings. */
export function frameValues(frame: CollectorFrame): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const { chart, values } of frame.charts) {
    const dims: Record<string, string> = {};
    for (const [id, value] of values) dims[id] = value.toString();
    out[chartKey(chart)] = dims;
  }
  return out;
}

/** A grouping that can also say when a process started (the PID table can). */
export type RecordingGrouping = ProcessGrouping & { startTimeOf?(pid: number): number | undefined };

/** Collects ticks during a live run: pass `onRead` to the collector, then `frame()` what `collect()` returned. */
export class FixtureRecorder {
  readonly ticks: FixtureTick[] = [];
  readonly #grouping: RecordingGrouping;
  #pending: Omit<FixtureTick, 'charts'> | undefined;

  constructor(grouping: RecordingGrouping) {
    this.#grouping = grouping;
  }

  /** Pass as the collector's `onRead`. */
  readonly onRead = (reading: { counters: ReadonlyArray<bigint>; pids: ReadonlyArray<PidValues> }): void => {
    this.#pending = {
      counters: reading.counters.map(String),
      pids: reading.pids.map(({ pid, values }) => {
        const app = this.#grouping.appOf(pid);
        const start = this.#grouping.startTimeOf?.(pid);
        return { pid, values: values.map(String), ...(app !== undefined ? { app } : {}), ...(start !== undefined ? { start } : {}) };
      }),
      exposed: [...this.#grouping.exposedApps()],
    };
  };

  /** Call with the frame `collect()` returned. */
  frame(frame: CollectorFrame): void {
    if (this.#pending === undefined) throw new Error('frame() without a reading');
    this.ticks.push({ ...this.#pending, charts: frameValues(frame) });
    this.#pending = undefined;
  }
}

export function writeFixture<W>(path: string, fixture: CollectorFixture<W>): void {
  writeFileSync(path, `${JSON.stringify(fixture, null, 1)}\n`);
}

export function readFixture<W>(path: string): CollectorFixture<W> {
  return JSON.parse(readFileSync(path, 'utf8')) as CollectorFixture<W>;
}

/** A grouping that answers as the PID table did at one recorded tick (apps only). */
export class RecordedGrouping implements ProcessGrouping {
  #tick: FixtureTick | undefined;
  #byPid = new Map<number, FixturePid>();

  at(tick: FixtureTick): this {
    this.#tick = tick;
    this.#byPid = new Map(tick.pids.map((p) => [p.pid, p]));
    return this;
  }
  appOf(pid: number): string | undefined {
    return this.#byPid.get(pid)?.app;
  }
  startTimeOf(pid: number): number | undefined {
    return this.#byPid.get(pid)?.start;
  }
  cgroupOf(): string | undefined {
    return undefined;
  }
  serviceOf(): string | undefined {
    return undefined;
  }
  exposedApps(): ReadonlyArray<string> {
    return this.#tick?.exposed ?? [];
  }
  cgroups(): ReadonlyArray<string> {
    return [];
  }
  services(): ReadonlyArray<string> {
    return [];
  }
  isAlive(): boolean {
    return true;
  }
}

/** Decimal strings back to the reading the collector had. */
export function tickReading(tick: FixtureTick): { counters: bigint[]; pids: PidValues[] } {
  return {
    counters: tick.counters.map((v) => BigInt(v)),
    pids: tick.pids.map((p) => ({ pid: p.pid, values: p.values.map((v) => BigInt(v)) })),
  };
}

/** Sum of one lane over the entries the table put in `group` (unknown PIDs count as `other`). */
export function laneSum(pids: ReadonlyArray<FixturePid>, group: string, lane: number): bigint {
  let sum = 0n;
  for (const p of pids) if ((p.app ?? 'other') === group) sum += BigInt(p.values[lane] ?? '0');
  return sum;
}
