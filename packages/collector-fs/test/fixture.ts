/**
 * Recorded runs: what the kernel maps held at each tick of a real run, how
 * the PID table placed each key, and the chart values the live collector
 * emitted. The kernel tests write them (EBPFC_RECORD_FIXTURES=1); the unit
 * tests replay them through the chart math.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CollectorFrame } from '@ebpf-collectors/core';
import { frameValues, type CollectorFixture, type FixtureRecording, type FixtureTick } from '@ebpf-collectors/test-utils';

export type { FixturePid } from '@ebpf-collectors/test-utils';
/** One fd tick. */
export type FdFixtureTick = FixtureTick;
/** How a run was recorded. */
export type Recorded = FixtureRecording;

/** A recorded fd run: the workload ran between tick 0 and tick 1. */
export type FdFixture = CollectorFixture<{
  readonly comm: string;
  readonly group: string;
  readonly opens: number;
  readonly failedOpens: number;
  readonly failedCloses: number;
}>;

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

export { frameValues, RecordedGrouping } from '@ebpf-collectors/test-utils';

/** Collects fd ticks during a live run. */
export { FixtureRecorder as FdRecorder } from '@ebpf-collectors/test-utils';

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

