/**
 * Recorded runs: what the kernel maps held at each tick of a real run, how
 * the PID table placed each key, and the chart values the live collector
 * emitted. The kernel tests write them (EBPFC_RECORD_FIXTURES=1); the unit
 * tests replay them through the chart math.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CollectorFrame, PidValues, ProcessGrouping } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';

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

/** One fd tick. */
export interface FdFixtureTick {
  /** `tbl_fd_global` summed over CPUs, decimal strings, lane order. */
  readonly counters: ReadonlyArray<string>;
  readonly pids: ReadonlyArray<FixturePid>;
  readonly exposed: ReadonlyArray<string>;
  /** What the live collector emitted: chart key -> dimension -> value. */
  readonly charts: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** How a run was recorded. */
export interface Recorded {
  readonly kernel: string;
  readonly date: string;
  readonly attachMode: string;
  readonly loadMode: 'entry' | 'return';
  readonly collectPid: string;
  readonly mapsPerCore: boolean;
}

/** A recorded fd run: the workload ran between tick 0 and tick 1. */
export interface FdFixture {
  readonly description: string;
  readonly recorded: Recorded;
  readonly workload: {
    readonly comm: string;
    readonly group: string;
    readonly opens: number;
    readonly failedOpens: number;
    readonly failedCloses: number;
  };
  readonly ticks: ReadonlyArray<FdFixtureTick>;
}

/** One filesystem tick. */
export interface FsFixtureTick {
  /** `tbl_fs_hist` summed over CPUs, decimal strings (480 lanes). */
  readonly hist: ReadonlyArray<string>;
  readonly mounted: ReadonlyArray<string>;
  readonly charts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly obsolete?: ReadonlyArray<string>;
}

/** A recorded filesystem run: the workload ran on `workload.fs` between tick 0 and tick 1. */
export interface FsFixture {
  readonly description: string;
  readonly recorded: { readonly kernel: string; readonly date: string; readonly attachMode: string };
  readonly workload: { readonly fs: string; readonly opens: number; readonly writes: number; readonly reads: number; readonly syncs: number };
  readonly ticks: ReadonlyArray<FsFixtureTick>;
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

/** Collects fd ticks during a live run. */
export class FdRecorder {
  readonly ticks: FdFixtureTick[] = [];
  #pending: Omit<FdFixtureTick, 'charts'> | undefined;

  constructor(private readonly grouping: ProcessGrouping & { startTimeOf?(pid: number): number | undefined }) {}

  /** Pass as `onRead`. */
  readonly onRead = (reading: { counters: ReadonlyArray<bigint>; pids: ReadonlyArray<PidValues> }): void => {
    this.#pending = {
      counters: reading.counters.map(String),
      pids: reading.pids.map(({ pid, values }) => {
        const app = this.grouping.appOf(pid);
        const start = this.grouping.startTimeOf?.(pid);
        return { pid, values: values.map(String), ...(app !== undefined ? { app } : {}), ...(start !== undefined ? { start } : {}) };
      }),
      exposed: [...this.grouping.exposedApps()],
    };
  };

  /** Call with the frame `collect()` returned. */
  frame(frame: CollectorFrame): void {
    if (this.#pending === undefined) throw new Error('frame() without a reading');
    this.ticks.push({ ...this.#pending, charts: frameValues(frame) });
    this.#pending = undefined;
  }
}

/** Collects filesystem ticks during a live run. */
export class FsRecorder {
  readonly ticks: FsFixtureTick[] = [];
  #pending: Omit<FsFixtureTick, 'charts'> | undefined;

  readonly onRead = (reading: { hist: ReadonlyArray<bigint>; mounted: ReadonlyArray<string> }): void => {
    this.#pending = { hist: reading.hist.map(String), mounted: [...reading.mounted] };
  };

  frame(frame: CollectorFrame): void {
    if (this.#pending === undefined) throw new Error('frame() without a reading');
    this.ticks.push({ ...this.#pending, charts: frameValues(frame), ...(frame.obsolete ? { obsolete: [...frame.obsolete] } : {}) });
    this.#pending = undefined;
  }
}

export function writeFdFixture(path: string, fixture: FdFixture): void {
  writeFileSync(path, `${JSON.stringify(fixture, null, 1)}\n`);
}

export function writeFsFixture(path: string, fixture: FsFixture): void {
  writeFileSync(path, `${JSON.stringify(fixture, null, 1)}\n`);
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A grouping that answers as the PID table did at one recorded tick (apps only). */
export class RecordedGrouping implements ProcessGrouping {
  #tick: FdFixtureTick | undefined;
  #byPid = new Map<number, FixturePid>();

  at(tick: FdFixtureTick): this {
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
