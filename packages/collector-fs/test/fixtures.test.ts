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
import { FdChartBuilder, FilesystemChartBuilder } from '../src/charts.js';
import { FD_LANES } from '../src/internal-types.js';
import type { FilesystemName } from '../src/types.js';
import { RecordedGrouping, frameValues, readJson, type FdFixture, type FsFixture } from './fixture.js';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const fdFiles = files.filter((f) => f.startsWith('tracepoint-'));
const fsFiles = files.filter((f) => f.startsWith('filesystem-'));

it('there are recorded runs of both collectors to replay', () => {
  expect(fdFiles.length).toBeGreaterThanOrEqual(2);
  expect(fsFiles.length).toBeGreaterThanOrEqual(2);
});

function dimDelta(frames: Array<Record<string, Record<string, string>>>, key: string, dim: string, from = 0, to = 1): bigint {
  return BigInt(frames[to]![key]?.[dim] ?? '0') - BigInt(frames[from]![key]?.[dim] ?? '0');
}

describe.each(fdFiles)('fd %s', (file) => {
  const fixture = readJson<FdFixture>(`${DIR}/${file}`);
  const returnMode = fixture.recorded.loadMode === 'return';
  const builder = new FdChartBuilder({ updateEvery: 1, returnMode, apps: true, cgroups: false });
  const grouping = new RecordedGrouping();
  const accumulator = createGroupAccumulator(grouping, 'app', FD_LANES);
  const frames = fixture.ticks.map((tick) => {
    grouping.at(tick);
    const pids = tick.pids.map((p) => ({ pid: p.pid, values: p.values.map((v) => BigInt(v)) }));
    return frameValues(builder.frame({ counters: tick.counters.map((v) => BigInt(v)), apps: { names: tick.exposed, totals: accumulator.update(pids) } }));
  });
  const { group, opens, failedOpens, failedCloses } = fixture.workload;

  it('replays to exactly what the live collector sent', () => {
    expect(frames).toEqual(fixture.ticks.map((t) => t.charts));
  });

  it('host charts moved by at least the workload between tick 0 and tick 1', () => {
    expect(dimDelta(frames, 'filesystem.file_descriptor', 'do_sys_open')).toBeGreaterThanOrEqual(BigInt(opens + failedOpens));
    expect(dimDelta(frames, 'filesystem.file_descriptor', '__close_fd')).toBeGreaterThanOrEqual(BigInt(opens + failedCloses));
    if (returnMode) {
      expect(dimDelta(frames, 'filesystem.file_error', 'do_sys_open')).toBeGreaterThanOrEqual(BigInt(failedOpens));
      expect(dimDelta(frames, 'filesystem.file_error', '__close_fd')).toBeGreaterThanOrEqual(BigInt(failedCloses));
    } else {
      expect(frames[1]!['filesystem.file_error']).toBeUndefined();
    }
  });

  it('the workload\'s group got its calls, and its totals never go down', () => {
    expect(dimDelta(frames, 'apps.file_open', group)).toBeGreaterThanOrEqual(BigInt(opens + failedOpens));
    expect(dimDelta(frames, 'apps.file_closed', group)).toBeGreaterThanOrEqual(BigInt(opens + failedCloses));
    if (returnMode) expect(dimDelta(frames, 'apps.file_open_error', group)).toBeGreaterThanOrEqual(BigInt(failedOpens));
    for (let i = 1; i < frames.length; i++) expect(dimDelta(frames, 'apps.file_open', group, i - 1, i)).toBeGreaterThanOrEqual(0n);
  });
});

describe.each(fsFiles)('filesystem %s', (file) => {
  const fixture = readJson<FsFixture>(`${DIR}/${file}`);
  const builder = new FilesystemChartBuilder({ updateEvery: 1 });
  const replayed = fixture.ticks.map((tick) => builder.frame({ hist: tick.hist.map((v) => BigInt(v)), mounted: tick.mounted as FilesystemName[] }));
  const frames = replayed.map(frameValues);
  const { fs, reads, writes, opens, syncs } = fixture.workload;
  const total = (i: number, op: string) => Object.values(frames[i]![`filesystem.${fs}_${op}_latency`] ?? {}).reduce((a, v) => a + BigInt(v), 0n);

  it('replays to exactly what the live collector sent, obsolete charts included', () => {
    expect(frames).toEqual(fixture.ticks.map((t) => t.charts));
    expect(replayed.map((f) => f.obsolete)).toEqual(fixture.ticks.map((t) => t.obsolete));
  });

  it('each histogram gained at least the calls the workload made', () => {
    expect(total(1, 'read') - total(0, 'read')).toBeGreaterThanOrEqual(BigInt(reads));
    expect(total(1, 'write') - total(0, 'write')).toBeGreaterThanOrEqual(BigInt(writes));
    expect(total(1, 'open') - total(0, 'open')).toBeGreaterThanOrEqual(BigInt(opens));
    expect(total(1, 'sync') - total(0, 'sync')).toBeGreaterThanOrEqual(BigInt(syncs));
  });
});
