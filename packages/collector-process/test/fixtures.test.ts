/**
 * Replays of recorded runs (test/fixtures/*.json: what the kernel maps held at
 * each tick of a real run on this project's host, and what the live collector
 * sent). The chart math must give the same values again, and those values
 * must say what the workload did.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createGroupAccumulator } from '@ebpf-collectors/core';
import { ProcessChartBuilder } from '../src/charts.js';
import { COUNTER, PID_LANE, PID_LANES } from '../src/internal-types.js';
import { RecordedGrouping, frameValues, laneSum, readFixture, tickReading, type ProcessFixture } from './fixture.js';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/** Run a fixture through a fresh builder and accumulator, as the collector would. */
function replay(fixture: ProcessFixture) {
  const builder = new ProcessChartBuilder({
    updateEvery: 1,
    returnMode: fixture.recorded.loadMode === 'return',
    apps: true,
    cgroups: false,
  });
  const grouping = new RecordedGrouping();
  const accumulator = createGroupAccumulator(grouping, 'app', PID_LANES);
  return fixture.ticks.map((tick) => {
    grouping.at(tick);
    const { counters, pids } = tickReading(tick);
    return frameValues(builder.frame({ counters, apps: { names: tick.exposed, totals: accumulator.update(pids) } }));
  });
}

function delta(fixture: ProcessFixture, tick: number, lane: number): bigint {
  return BigInt(fixture.ticks[tick]!.counters[lane]!) - BigInt(fixture.ticks[tick - 1]!.counters[lane]!);
}

it('there are recorded runs to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
});

describe.each(files)('%s', (file) => {
  const fixture = readFixture(`${DIR}/${file}`);
  const frames = replay(fixture);
  const { group, forks, threads, processErrors, threadErrors } = fixture.workload;
  const returnMode = fixture.recorded.loadMode === 'return';
  // Tick 0 is the baseline; the workload ran between tick 0 and tick 1.
  const work = frames[1]!;

  it('replays to exactly what the live collector sent', () => {
    expect(frames).toEqual(fixture.ticks.map((t) => t.charts));
  });

  it('the baseline tick shows zeros everywhere', () => {
    for (const dims of Object.values(frames[0]!)) {
      for (const value of Object.values(dims)) expect(value).toBe('0');
    }
  });

  it('host charts are the per-interval differences of the kernel counters', () => {
    expect(work['system.process_thread']).toEqual({
      _do_fork: String(delta(fixture, 1, COUNTER.newProcess)),
      sys_clone: String(delta(fixture, 1, COUNTER.newThread)),
    });
    expect(work['system.exit']).toEqual({
      do_exit: String(delta(fixture, 1, COUNTER.exit)),
      release_task: String(delta(fixture, 1, COUNTER.release)),
    });
    const created = delta(fixture, 1, COUNTER.newProcess) + delta(fixture, 1, COUNTER.newThread);
    expect(work['system.process_status']).toEqual({
      process: String(created - delta(fixture, 1, COUNTER.exit)),
      zombie: String(delta(fixture, 1, COUNTER.exit) - delta(fixture, 1, COUNTER.release)),
    });
    if (returnMode) {
      expect(work['system.task_error']).toEqual({
        _do_fork: String(delta(fixture, 1, COUNTER.processError)),
        sys_clone: String(delta(fixture, 1, COUNTER.threadError)),
      });
    } else {
      expect(work['system.task_error']).toBeUndefined();
      expect(work['apps.task_error']).toBeUndefined();
    }
  });

  it('host charts saw at least the workload', () => {
    expect(BigInt(work['system.process_thread']!._do_fork!)).toBeGreaterThanOrEqual(BigInt(forks));
    expect(BigInt(work['system.process_thread']!.sys_clone!)).toBeGreaterThanOrEqual(BigInt(threads));
    expect(BigInt(work['system.exit']!.do_exit!)).toBeGreaterThanOrEqual(BigInt(forks + threads));
    expect(BigInt(work['system.exit']!.release_task!)).toBeGreaterThanOrEqual(BigInt(forks + threads));
    if (returnMode) {
      expect(BigInt(work['system.task_error']!._do_fork!)).toBeGreaterThanOrEqual(BigInt(processErrors));
      expect(BigInt(work['system.task_error']!.sys_clone!)).toBeGreaterThanOrEqual(BigInt(threadErrors));
    }
  });

  it('the workload group gets what its entries in the kernel table gained', () => {
    const before = fixture.ticks[0]!.pids;
    const after = fixture.ticks[1]!.pids;
    const gained = (lane: number) => String(laneSum(after, group, lane) - laneSum(before, group, lane));
    expect(work['apps.process_create']![group]).toBe(gained(PID_LANE.createProcess));
    expect(work['apps.thread_create']![group]).toBe(gained(PID_LANE.createThread));
    expect(work['apps.task_exit']![group]).toBe(gained(PID_LANE.exit));
    expect(work['apps.task_close']![group]).toBe(gained(PID_LANE.release));
    expect(BigInt(work['apps.process_create']![group]!)).toBeGreaterThanOrEqual(BigInt(forks));
    expect(BigInt(work['apps.thread_create']![group]!)).toBeGreaterThanOrEqual(BigInt(threads));
    if (returnMode) expect(work['apps.task_error']![group]).toBe(String(processErrors + threadErrors));
  });

  it('later quiet ticks add nothing to the workload group', () => {
    for (const frame of frames.slice(2)) {
      expect(frame['apps.process_create']![group]).toBe('0');
      expect(frame['apps.thread_create']![group]).toBe('0');
    }
  });
});
