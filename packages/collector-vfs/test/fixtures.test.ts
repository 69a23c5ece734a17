/**
 * Replays of recorded runs (test/fixtures/*.json: what the kernel maps held
 * at each tick of a real run on this project's host, and what the live
 * collector sent). The chart math must give the same values again, and those
 * values must say what the workload did.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createGroupAccumulator } from '@ebpf-collectors/core';
import { VfsChartBuilder } from '../src/charts.js';
import { COUNTER, PID_LANE, PID_LANES } from '../src/internal-types.js';
import { RecordedGrouping, frameValues, laneSum, readFixture, tickReading, type VfsFixture } from './fixture.js';
import { fileWorkloadTally } from '../src/self-test.js';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/** Run a fixture through a fresh builder and accumulator, as the collector would. */
function replay(fixture: VfsFixture) {
  const builder = new VfsChartBuilder({ updateEvery: 1, returnMode: fixture.recorded.loadMode === 'return', apps: true, cgroups: false });
  const grouping = new RecordedGrouping();
  const accumulator = createGroupAccumulator(grouping, 'app', PID_LANES);
  return fixture.ticks.map((tick) => {
    grouping.at(tick);
    const { counters, pids } = tickReading(tick);
    return frameValues(builder.frame({ counters, apps: { names: tick.exposed, totals: accumulator.update(pids) } }));
  });
}

/** Change of a kernel counter lane (or a sum of lanes) between tick 0 and tick 1. */
function delta(fixture: VfsFixture, ...lanes: number[]): bigint {
  const at = (tick: number) => lanes.reduce((sum, lane) => sum + BigInt(fixture.ticks[tick]!.counters[lane]!), 0n);
  return at(1) - at(0);
}

it('there are recorded runs to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
});

describe.each(files)('%s', (file) => {
  const fixture = readFixture(`${DIR}/${file}`);
  const frames = replay(fixture);
  const { group } = fixture.workload;
  // Recorded in tracepoint mode: the syscall counting point.
  const expected = fileWorkloadTally(fixture.workload, 'syscall', fixture.recorded.loadMode).counts;
  const returnMode = fixture.recorded.loadMode === 'return';
  const before = frames[0]!;
  const after = frames[1]!;
  const host = (key: string, dim: string) => BigInt(after[key]![dim]!) - BigInt(before[key]![dim]!);
  const app = (id: string) => BigInt(after[`apps.${id}`]![group]!) - BigInt(before[`apps.${id}`]?.[group] ?? '0');

  it('replays to exactly what the live collector sent', () => {
    expect(frames).toEqual(fixture.ticks.map((t) => t.charts));
  });

  it('host values are the cumulative kernel counters, vector calls added to plain ones', () => {
    for (const [i, tick] of fixture.ticks.entries()) {
      const c = tick.counters.map(BigInt);
      expect(frames[i]!['filesystem.vfs_io']).toEqual({
        vfs_read: String(c[COUNTER.readCalls]! + c[COUNTER.readvCalls]!),
        vfs_write: String(c[COUNTER.writeCalls]! + c[COUNTER.writevCalls]!),
      });
      expect(frames[i]!['filesystem.vfs_io_bytes']).toEqual({
        vfs_read: String(c[COUNTER.readBytes]! + c[COUNTER.readvBytes]!),
        vfs_write: String(c[COUNTER.writeBytes]! + c[COUNTER.writevBytes]!),
      });
      expect(frames[i]!['filesystem.vfs_deleted_objects']).toEqual({ vfs_unlink: String(c[COUNTER.unlinkCalls]) });
    }
    expect(host('filesystem.vfs_fsync', 'vfs_fsync')).toBe(delta(fixture, COUNTER.fsyncCalls));
    if (returnMode) expect(host('filesystem.vfs_io_error', 'vfs_read')).toBe(delta(fixture, COUNTER.readErrors, COUNTER.readvErrors));
    else expect(after['filesystem.vfs_io_error']).toBeUndefined();
  });

  it('host charts saw at least the workload in its interval; bytes are real bytes', () => {
    expect(host('filesystem.vfs_io', 'vfs_write')).toBeGreaterThanOrEqual(expected.writeCalls);
    expect(host('filesystem.vfs_io', 'vfs_read')).toBeGreaterThanOrEqual(expected.readCalls);
    // Netdata's sums of log2(size) would give about 12 per 4 KiB call: far below these.
    expect(host('filesystem.vfs_io_bytes', 'vfs_write')).toBeGreaterThanOrEqual(expected.writeBytes);
    expect(host('filesystem.vfs_io_bytes', 'vfs_read')).toBeGreaterThanOrEqual(expected.readBytes);
    expect(host('filesystem.vfs_fsync', 'vfs_fsync')).toBeGreaterThanOrEqual(expected.fsyncCalls);
    expect(host('filesystem.vfs_deleted_objects', 'vfs_unlink')).toBeGreaterThanOrEqual(expected.unlinkCalls);
    expect(host('filesystem.vfs_open', 'vfs_open')).toBeGreaterThanOrEqual(expected.openCalls);
    expect(host('filesystem.vfs_create', 'vfs_create')).toBeGreaterThanOrEqual(expected.createCalls);
  });

  it('the workload group gets what its entries in the kernel table gained', () => {
    const pidsBefore = fixture.ticks[0]!.pids;
    const pidsAfter = fixture.ticks[1]!.pids;
    const gain = (lane: number) => laneSum(pidsAfter, group, lane) - laneSum(pidsBefore, group, lane);
    expect(app('vfs_write_call')).toBe(gain(PID_LANE.writeCalls));
    expect(app('vfs_read_bytes')).toBe(gain(PID_LANE.readBytes));
    expect(app('file_deleted')).toBe(expected.unlinkCalls);
    expect(app('vfs_create')).toBe(expected.createCalls);
    expect(app('vfs_fsync')).toBe(expected.fsyncCalls);
    expect(app('vfs_write_bytes')).toBeGreaterThanOrEqual(expected.writeBytes);
    if (returnMode) {
      expect(app('vfs_read_error')).toBeGreaterThanOrEqual(expected.readErrors);
      expect(app('vfs_open_error')).toBeGreaterThanOrEqual(expected.openErrors);
    }
  });

  it('group totals never go down when the workload is gone and its keys are dropped', () => {
    for (let i = 2; i < frames.length; i++) {
      expect(BigInt(frames[i]![`apps.vfs_write_bytes`]![group]!)).toBe(BigInt(after['apps.vfs_write_bytes']![group]!));
    }
  });
});
