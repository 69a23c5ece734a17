/**
 * The filesystem collector on the running kernel: real loader, real files on
 * the root ext4 (under /var/tmp, not a tmpfs) and on xfs and btrfs made on
 * loop devices by the test. Needs root; skips (with the reason) where it
 * cannot run.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { AttachError, PidTable, SYSCALL_EXIT_HOOK_ENV, chartKey, chartMovement, checkExpectations, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { kernelTestSkipReason } from '@ebpf-collectors/test-utils';
import {
  createFilesystemCollector,
  fileWorkload,
  filesystemExpectations,
  filesystemOfType,
  filesystemSelfTest,
  mountOf,
  readMountinfo,
  withHistogramTotals,
  type FileWork,
  type FilesystemName,
} from '../src/index.js';
import { OBJECT_MAPS, chartTotal, collectorConfig, memoryLogger, programsLeft, section, testContext } from './context.js';
import { FsRecorder, writeFsFixture } from './fixture.js';
import { loopFsSkipReason, mountLoopFs, unmountLoopFs, type LoopFs } from './loopfs.js';

const OBJECT = fileURLToPath(new URL('../bpf/filesystem.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [OBJECT] });

const FILES = 20;
const BLOCKS = 50;

/** The filesystem type of the mount holding `path`. */
function fsTypeOf(path: string): string | undefined {
  return mountOf(path, readMountinfo())?.fsType;
}

function delta(after: CollectorFrame, before: CollectorFrame, key: string): bigint {
  return chartTotal(after, key) - chartTotal(before, key);
}

/** Each histogram grew by at least what the workload did on `fs`: the self-test's bounds, then the same written out. */
function expectWorkload(after: CollectorFrame, before: CollectorFrame, fs: FilesystemName, work: FileWork): void {
  const checks = checkExpectations(withHistogramTotals(chartMovement(before, [after]), fs), filesystemExpectations(fs, work));
  expect(checks.filter((c) => !c.ok)).toEqual([]);
  expect(checks).toHaveLength(4);
  expect(delta(after, before, `filesystem.${fs}_read_latency`)).toBeGreaterThanOrEqual(BigInt(work.reads));
  expect(delta(after, before, `filesystem.${fs}_write_latency`)).toBeGreaterThanOrEqual(BigInt(work.writes));
  expect(delta(after, before, `filesystem.${fs}_open_latency`)).toBeGreaterThanOrEqual(BigInt(work.opens));
  expect(delta(after, before, `filesystem.${fs}_sync_latency`)).toBeGreaterThanOrEqual(BigInt(work.syncs));
}

describe.skipIf(skip !== undefined)(`filesystem collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 30_000 }, () => {
  let loader: Loader;
  let scratch: string;
  const running: CollectorInstance[] = [];
  const loops: LoopFs[] = [];

  beforeAll(async () => {
    loader = createLoader();
    scratch = mkdtempSync(join('/var/tmp', 'ebpfc-fs-'));
    expect(await programsLeft(OBJECT_MAPS.filesystem), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft(OBJECT_MAPS.filesystem)).toEqual([]);
  });

  afterAll(async () => {
    const problems = loops.splice(0).flatMap(unmountLoopFs);
    rmSync(scratch, { recursive: true, force: true });
    expect(problems).toEqual([]);
    expect(await programsLeft(OBJECT_MAPS.filesystem)).toEqual([]);
  });

  async function start(overrides: Partial<CollectorConfig> = {}, record = false) {
    const recorder = record ? new FsRecorder() : undefined;
    const logger = memoryLogger();
    const collector = createFilesystemCollector({ objectPath: OBJECT, mountCheckTicks: 1, ...(recorder ? { onRead: recorder.onRead } : {}) });
    const config = collectorConfig('filesystem', { collectPid: 'not set', apps: false, ...overrides });
    const instance = await collector.start(testContext({ config, loader, grouping: new PidTable(), logger }));
    running.push(instance);
    const collect = async (): Promise<CollectorFrame> => {
      const frame = await instance.collect();
      recorder?.frame(frame);
      return frame;
    };
    return { instance, collect, recorder, logger };
  }

  it('auto falls back to tracepoint and the report says why trampoline and probe failed', async () => {
    const { instance } = await start({ typeFormat: 'auto', coreTracing: 'trampoline' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
    const [trampoline, probe] = instance.report.attempts;
    expect(trampoline!.reason).toMatch(/fentry|fexit|trampoline/i);
    expect(trampoline!.code).toBeDefined();
    expect(probe!.reason).toMatch(/kprobe/i);
    expect(probe!.code).toBeDefined();
  });

  it.each(['trampoline', 'probe'] as const)('a forced %s mode fails with an AttachError and leaves nothing loaded', async (mode) => {
    const failure = await start({ typeFormat: 'co-re', coreTracing: mode }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AttachError);
    const attempt = (failure as AttachError).report.attempts[0]!;
    expect(attempt).toMatchObject({ mode, ok: false });
    expect(attempt.code).toBeDefined();
    expect(await programsLeft(OBJECT_MAPS.filesystem)).toEqual([]);
  });

  it('ext4 (the root filesystem): reads, writes, opens and syncs land in its histograms', async () => {
    const dir = join(scratch, 'ext4');
    expect(fsTypeOf(scratch), `${scratch} must be on ext4`).toBe('ext4');
    const { instance, collect, recorder } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint' }, RECORD);
    const defs = instance.charts();
    const read = defs.find((c) => chartKey(c) === 'filesystem.ext4_read_latency');
    expect(read).toMatchObject({ family: 'ext4_latency', chartType: 'stacked', units: 'calls/s', context: '', priority: 2160, module: 'filesystem' });
    expect(read!.dimensions.map((d) => d.id)).toHaveLength(24);
    expect(defs.map(chartKey)).toEqual(expect.arrayContaining(['filesystem.ext4_write_latency', 'filesystem.ext4_open_latency', 'filesystem.ext4_sync_latency']));

    const baseline = await collect();
    const work = await fileWorkload(dir, FILES, BLOCKS);
    expect(work).toEqual({ opens: 2 * FILES, writes: FILES * BLOCKS, reads: FILES * BLOCKS, syncs: FILES });
    const frame = await collect();
    expectWorkload(frame, baseline, 'ext4', work);
    // A sync to disk takes longer than a cached 4 KiB read: the histograms are not all in one bin.
    const syncBins = frame.charts.find((c) => chartKey(c.chart) === 'filesystem.ext4_sync_latency')!.values;
    expect([...syncBins].filter(([, v]) => v > 0n).length).toBeGreaterThan(0);

    if (recorder) {
      writeFsFixture(`${FIXTURES}/filesystem-ext4.json`, {
        description: 'filesystem: tracepoint mode; files written, fsynced, re-opened and read on the root ext4 between tick 0 and tick 1',
        recorded: { kernel: release(), date: new Date().toISOString().slice(0, 10), attachMode: instance.attachMode },
        workload: { fs: 'ext4', ...work },
        ticks: recorder.ticks,
      });
    }
  });

  it('ext4dist = no: ext4 charts are not created', async () => {
    const { instance, collect } = await start({
      typeFormat: 'co-re',
      coreTracing: 'tracepoint',
      sections: new Map([['filesystem', section('filesystem', { ext4dist: 'no' })]]),
    });
    expect(instance.charts().map(chartKey).filter((k) => k.startsWith('filesystem.ext4_'))).toEqual([]);
    const frame = await collect();
    expect(frame.charts.map((c) => chartKey(c.chart)).filter((k) => k.startsWith('filesystem.ext4_'))).toEqual([]);
  });

  describe.each(['xfs', 'btrfs'] as const)('%s on a loop device', (fs) => {
    const reason = loopFsSkipReason(fs);
    it.skipIf(reason !== undefined)(`mounted: charts appear and count the workload; unmounted: they are obsoleted${reason ? ` (skipped: ${reason})` : ''}`, async () => {
      const loop = mountLoopFs(fs, join(scratch, fs));
      loops.push(loop);
      expect(filesystemOfType(fsTypeOf(loop.mountPoint) ?? '')).toBe(fs);
      const { instance, collect, recorder } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint' }, RECORD && fs === 'xfs');
      const keys = instance.charts().map(chartKey);
      expect(keys).toEqual(expect.arrayContaining([`filesystem.${fs}_read_latency`, `filesystem.${fs}_sync_latency`]));
      const baseline = await collect();
      const work = await fileWorkload(join(loop.mountPoint, 'work'), FILES, BLOCKS);
      const frame = await collect();
      expectWorkload(frame, baseline, fs, work);

      expect(unmountLoopFs(loop)).toEqual([]);
      loops.splice(loops.indexOf(loop), 1);
      const gone = await collect();
      const ids = ['read', 'write', 'open', 'sync'].map((op) => `filesystem.${fs}_${op}_latency`);
      expect(gone.obsolete ?? []).toEqual(expect.arrayContaining(ids));
      expect(gone.charts.map((c) => chartKey(c.chart))).not.toContain(ids[0]);
      // Obsoleted once, not at every tick.
      expect((await collect()).obsolete ?? []).not.toContain(ids[0]);

      if (recorder) {
        writeFsFixture(`${FIXTURES}/filesystem-${fs}-unmount.json`, {
          description: `filesystem: tracepoint mode; the same workload on a ${fs} loop mount between tick 0 and tick 1, unmounted before tick 2`,
          recorded: { kernel: release(), date: new Date().toISOString().slice(0, 10), attachMode: instance.attachMode },
          workload: { fs, ...work },
          ticks: recorder.ticks,
        });
      }
    });
  });

  it.each(['tp_btf', 'tracepoint'])('the self-test passes on the ext4 under its scratch directory, syscalls on %s', async (hook) => {
    // The per-syscall tracepoints are the fallback where tp_btf and raw_tp do not load: forced by the environment.
    process.env[SYSCALL_EXIT_HOOK_ENV] = hook;
    const { instance, logger } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint' }).finally(() => {
      delete process.env[SYSCALL_EXIT_HOOK_ENV];
    });
    expect(logger.lines.join('\n')).toContain(hook === 'tp_btf' ? 'sys_enter (tp_btf), sys_exit (tp_btf)' : 'on read, pread64');
    const config = collectorConfig('filesystem', { collectPid: 'not set', apps: false });
    const options = { name: 'filesystem', instance, config, grouping: new PidTable(), logger, scale: 0.5, scratchParent: scratch };
    const result = await runSelfTest({ ...options, selfTest: filesystemSelfTest });
    expect(result.error, logger.lines.join('\n')).toBeUndefined();
    expect(result.checks.map((c) => [c.chart, c.dimension, c.atLeast, c.ok])).toEqual([
      ['filesystem.ext4_read_latency', 'all-bins', 250n, true],
      ['filesystem.ext4_write_latency', 'all-bins', 250n, true],
      ['filesystem.ext4_open_latency', 'all-bins', 20n, true],
      ['filesystem.ext4_sync_latency', 'all-bins', 10n, true],
    ]);
  });

  describe('no watched filesystem is writable', () => {
    const reason = loopFsSkipReason('xfs');
    it.skipIf(reason !== undefined)(`the self-test makes a loop xfs, measures it and removes it${reason ? ` (skipped: ${reason})` : ''}`, async () => {
      // Only xfs is watched; the scratch parent is a tmpfs and /var/tmp is ext4: the VM lane's situation.
      const only = section('filesystem', { ext4dist: 'no', nfsdist: 'no', zfsdist: 'no', btrfsdist: 'no' });
      const { instance, logger } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint', sections: new Map([['filesystem', only]]) });
      expect(instance.charts()).toEqual([]);
      const config = collectorConfig('filesystem', { collectPid: 'not set', apps: false, sections: new Map([['filesystem', only]]) });
      const result = await runSelfTest({
        name: 'filesystem', selfTest: filesystemSelfTest, instance, config, grouping: new PidTable(), logger, scale: 0.25, scratchParent: '/dev/shm',
      });
      expect(result.error, logger.lines.join('\n')).toBeUndefined();
      expect(result.checks.map((c) => [c.chart, c.ok])).toEqual([
        ['filesystem.xfs_read_latency', true],
        ['filesystem.xfs_write_latency', true],
        ['filesystem.xfs_open_latency', true],
        ['filesystem.xfs_sync_latency', true],
      ]);
      expect(logger.lines.join('\n')).toMatch(/made a xfs on \/dev\/loop\d+/);
      expect(readMountinfo().filter((m) => m.mountPoint.startsWith('/dev/shm/ebpfc-'))).toEqual([]);

      // The same bounds over an interval after the loop xfs is gone (nothing else uses it): every check fails.
      const idle = await runSelfTest({
        name: 'filesystem', instance, config, grouping: new PidTable(), logger, scale: 0.25, scratchParent: '/dev/shm',
        selfTest: {
          description: 'the file workload, then a measurement of an idle interval',
          run: async (context) => {
            const { expectations } = await filesystemSelfTest.run(context);
            return { movement: withHistogramTotals(await context.measure(async () => {}), 'xfs'), expectations };
          },
        },
      });
      expect(idle.checks.map((c) => [c.chart, c.ok])).toEqual([
        ['filesystem.xfs_read_latency', false],
        ['filesystem.xfs_write_latency', false],
        ['filesystem.xfs_open_latency', false],
        ['filesystem.xfs_sync_latency', false],
      ]);
    });
  });

  it('close() detaches everything and collect() afterwards says so', async () => {
    const { instance } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint' });
    instance.close();
    instance.close();
    expect(await programsLeft(OBJECT_MAPS.filesystem)).toEqual([]);
    expect(() => instance.collect()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  });
});
