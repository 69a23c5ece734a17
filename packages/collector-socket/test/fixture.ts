/**
 * Recorded socket-collector runs: what the kernel maps held at each tick of a
 * real run, where the PID table placed each key, and the chart values the
 * live collector emitted. The kernel test writes them
 * (EBPFC_RECORD_FIXTURES=1); the unit tests replay them through the chart math.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CollectorFrame, PidValues, ProcessGrouping } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';
import type { SocketReading } from '../src/index.js';
import type { NetWorkload, NetWorkloadResult } from '../src/index.js';

export interface FixturePid {
  readonly pid: number;
  /** u64 lanes as decimal strings. */
  readonly values: ReadonlyArray<string>;
  readonly app?: string;
  readonly start?: number;
}

export interface FixtureTick {
  /** `tbl_global_sock` summed over CPUs, decimal strings, counter-lane order. */
  readonly counters: ReadonlyArray<string>;
  readonly pids: ReadonlyArray<FixturePid>;
  readonly exposed: ReadonlyArray<string>;
  /** What the live collector emitted: chart key -> dimension -> value. */
  readonly charts: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface SocketFixture {
  readonly description: string;
  readonly recorded: {
    readonly kernel: string;
    readonly date: string;
    readonly attachMode: string;
    readonly loadMode: 'entry' | 'return';
    readonly collectPid: string;
    readonly mapsPerCore: boolean;
  };
  /** Fixtures recorded before the workload made oversized UDP sends lack `failedUdpSends` (in both). */
  readonly workload: Omit<NetWorkload, 'failedUdpSends'> &
    Partial<Pick<NetWorkload, 'failedUdpSends'>> & {
      readonly comm: string;
      readonly group: string;
      readonly result: Omit<NetWorkloadResult, 'failedUdpSends'> & Partial<Pick<NetWorkloadResult, 'failedUdpSends'>>;
    };
  readonly ticks: ReadonlyArray<FixtureTick>;
}

export function frameValues(frame: CollectorFrame): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const { chart, values } of frame.charts) {
    const dims: Record<string, string> = {};
    for (const [id, value] of values) dims[id] = value.toString();
    out[chartKey(chart)] = dims;
  }
  return out;
}

/** Collects ticks during a live run. */
export class FixtureRecorder {
  readonly ticks: FixtureTick[] = [];
  #pending: Omit<FixtureTick, 'charts'> | undefined;

  constructor(private readonly grouping: ProcessGrouping & { startTimeOf?(pid: number): number | undefined }) {}

  /** Pass as `onRead`. */
  readonly onRead = (reading: SocketReading): void => {
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

  frame(frame: CollectorFrame): void {
    if (this.#pending === undefined) throw new Error('frame() without a reading');
    this.ticks.push({ ...this.#pending, charts: frameValues(frame) });
    this.#pending = undefined;
  }
}

export function writeFixture(path: string, fixture: SocketFixture): void {
  writeFileSync(path, `${JSON.stringify(fixture, null, 1)}\n`);
}

export function readFixture(path: string): SocketFixture {
  return JSON.parse(readFileSync(path, 'utf8')) as SocketFixture;
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

export function tickReading(tick: FixtureTick): { counters: bigint[]; pids: PidValues[] } {
  return {
    counters: tick.counters.map((v) => BigInt(v)),
    pids: tick.pids.map((p) => ({ pid: p.pid, values: p.values.map((v) => BigInt(v)) })),
  };
}
