/**
 * The self-test's workload and bounds without BPF: the workload really does
 * what its report and tallies say, the bounds follow the counting point and
 * load mode, and a collector whose charts do not move fails the self-test.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { PidTable, runSelfTest } from '@ebpf-collectors/core';
import { VfsChartBuilder } from '../src/charts.js';
import {
  FILE_WORKLOAD,
  VfsWorkloadError,
  expectedReport,
  fileWorkloadScript,
  fileWorkloadTally,
  mknodScript,
  mknodTally,
  parseReport,
  scaleWorkload,
  vfsExpectations,
  vfsSelfTest,
} from '../src/self-test.js';
import { memoryLogger, vfsConfig } from './context.js';

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfc-vfs-unit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SMALL = scaleWorkload(FILE_WORKLOAD, 0.05);

describe('the workload', () => {
  it('scales every count, never below 1, and keeps the chunk size', () => {
    const tiny = scaleWorkload(FILE_WORKLOAD, 0.0001);
    for (const [key, value] of Object.entries(tiny)) expect(value, key).toBe(key === 'chunk' ? 4096 : 1);
    expect(scaleWorkload(FILE_WORKLOAD, 0.25).writes).toBe(256);
    expect(() => scaleWorkload(FILE_WORKLOAD, 0)).toThrow(RangeError);
  });

  it('the Node script does exactly what its report says and leaves nothing behind', () => {
    const dir = scratch();
    const script = fileWorkloadScript(SMALL, { dir, hold: false });
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(parseReport(result.stdout)).toEqual(expectedReport(SMALL));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('with hold, the Node script stays until its stdin closes, after its report', async () => {
    const script = fileWorkloadScript(SMALL, { dir: scratch(), hold: true });
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let stdout = '';
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.endsWith('\n')) resolve();
      }),
    );
    expect(parseReport(stdout)).toEqual(expectedReport(SMALL));
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    child.stdin.end();
    expect(await exited).toBe(0);
  });

  it.skipIf(spawnSync('perl', ['-v']).status !== 0)('the perl script makes and unlinks regular files with mknodat', () => {
    const dir = scratch();
    const result = spawnSync('perl', ['-e', mknodScript(3, false)], { cwd: dir, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('made 3\n');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an architecture without a known mknodat number is an ENOENT VfsWorkloadError', () => {
    expect(() => mknodScript(1, false, 'sparc')).toThrow(expect.objectContaining({ name: 'VfsWorkloadError', code: 'ENOENT' }));
    expect(new VfsWorkloadError('x')).toBeInstanceOf(Error);
  });

  it('a missing report line is a VfsWorkloadError', () => {
    expect(() => parseReport('')).toThrow(VfsWorkloadError);
  });
});

describe('the bounds', () => {
  const w = FILE_WORKLOAD;

  it('kernel functions do not see path-walk failures or O_CREAT opens; syscalls do', () => {
    const fn = fileWorkloadTally(w, 'function', 'return').counts;
    const sys = fileWorkloadTally(w, 'syscall', 'return').counts;
    expect(sys.openCalls - fn.openCalls).toBe(BigInt(w.missingOpens));
    expect(sys.openErrors - fn.openErrors).toBe(BigInt(w.missingOpens));
    expect(fn.createCalls).toBe(0n);
    expect(sys.createCalls).toBe(BigInt(1 + w.files));
    // Everything else fails inside the VFS function, so both points count it alike.
    for (const key of ['readErrors', 'writeErrors', 'fsyncErrors', 'unlinkCalls', 'readBytes', 'writeBytes'] as const) {
      expect(fn[key], key).toBe(sys[key]);
    }
  });

  it('vector bytes are bounded except where entry hooks only see the iovec array', () => {
    const plain = BigInt(w.chunk * w.writes);
    const vector = BigInt(2 * w.chunk * w.vectors);
    expect(fileWorkloadTally(w, 'function', 'entry').counts.writeBytes).toBe(plain);
    expect(fileWorkloadTally(w, 'function', 'return').counts.readBytes).toBe(BigInt(w.chunk * w.reads) + vector);
    expect(fileWorkloadTally(w, 'syscall', 'entry').counts.writeBytes).toBe(plain + vector);
  });

  it('entry mode has no error-chart bounds, return mode has them on host and apps charts', () => {
    const host = fileWorkloadTally(w, 'function', 'return');
    const apps = new Map([['grp', host]]);
    const entry = vfsExpectations({ host, apps, returnMode: false });
    const ret = vfsExpectations({ host, apps, returnMode: true });
    const errorCharts = (list: typeof entry) => list.filter((e) => /_error$/.test(e.chart)).map((e) => `${e.chart}.${e.dimension}`);
    expect(errorCharts(entry)).toEqual([]);
    expect(errorCharts(ret)).toEqual([
      'filesystem.vfs_io_error.vfs_read',
      'filesystem.vfs_io_error.vfs_write',
      'filesystem.vfs_fsync_error.vfs_fsync',
      'filesystem.vfs_open_error.vfs_open',
      'apps.vfs_write_error.grp',
      'apps.vfs_read_error.grp',
      'apps.vfs_fsync_error.grp',
      'apps.vfs_open_error.grp',
    ]);
    // No create bound where nothing reaches vfs_create; every bound is at least 1.
    expect(entry.find((e) => e.chart === 'filesystem.vfs_create')).toBeUndefined();
    expect(ret.every((e) => e.atLeast >= 1n && e.why !== '')).toBe(true);
  });

  it('mknod makes the create bound in function mode', () => {
    const expectations = vfsExpectations({ host: mknodTally(4), returnMode: false });
    expect(expectations).toEqual([
      { chart: 'filesystem.vfs_deleted_objects', dimension: 'vfs_unlink', atLeast: 4n, why: "4 mknod'ed files unlinked" },
      { chart: 'filesystem.vfs_create', dimension: 'vfs_create', atLeast: 4n, why: '4 mknods of regular files' },
    ]);
  });
});

describe('the self-test', () => {
  /** A collector in tracepoint mode whose counters never move. */
  function frozenInstance(): CollectorInstance {
    const builder = new VfsChartBuilder({ updateEvery: 1, returnMode: true, apps: false, cgroups: false });
    const frame: CollectorFrame = builder.frame({ counters: new Array<bigint>(20).fill(7n) });
    return {
      attachMode: 'tracepoint',
      report: { collector: 'vfs', chosen: 'tracepoint', attempts: [{ mode: 'tracepoint', ok: true }] },
      charts: () => builder.charts(),
      collect: () => frame,
      close: () => {},
    };
  }

  it('fails, with every host bound unmet, when the charts do not move', { timeout: 60_000 }, async () => {
    const config = vfsConfig({ loadMode: 'return', apps: false });
    const result = await runSelfTest({
      name: 'vfs',
      selfTest: vfsSelfTest,
      instance: frozenInstance(),
      config,
      grouping: new PidTable(),
      logger: memoryLogger(),
      scale: 0.05,
      scratchParent: scratch(),
    });
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(false);
    expect(result.checks.length).toBeGreaterThanOrEqual(12);
    expect(result.checks.every((c) => !c.ok && c.seen === 0n)).toBe(true);
  });
});
