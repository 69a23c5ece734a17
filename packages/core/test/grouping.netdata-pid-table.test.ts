/**
 * PidTable with Netdata's shared cgroup table: a segment file and fake
 * `cgroup.procs` files listing real `sleep` processes this test starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/types.js';
import { PidTable, classifyProcCgroup } from '../src/grouping/index.js';
import { IS_UNIFIED, SYSTEM_SLICE_SERVICE, buildSegment, type SegmentEntry, type SegmentOptions } from './netdata-shm-writer.js';

const children: ChildProcess[] = [];
let web1 = 0;
let web2 = 0;
let sshd = 0;
let muted = 0;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    children.push(child);
  }
  [web1, web2, sshd, muted] = children.map((c) => c.pid!) as [number, number, number, number];
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake cgroupfs and segment path in a fresh temp dir. */
function host() {
  const root = mkdtempSync(join(tmpdir(), 'netdata-pid-table-'));
  dirs.push(root);
  const shm = join(root, 'netdata_shm_cgroup_ebpf');
  const procs = (cgroup: string, pids: number[]) => {
    const dir = join(root, 'cgroup', cgroup);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cgroup.procs'), pids.map((p) => `${p}\n`).join(''));
    return join(dir, 'cgroup.procs');
  };
  const segment = (entries: SegmentEntry[], options: SegmentOptions = {}) => writeFileSync(shm, buildSegment(entries, { max: 16, ...options }));
  return { root, shm, procs, segment };
}

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const logger: Logger = {
    debug: (message) => lines.push({ level: 'debug', message }),
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { logger, lines, visible: () => lines.filter((l) => l.level !== 'debug') };
}

function manualClock() {
  let ms = 1_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

/** How the /proc fallback classifies a PID (what the table says without the segment). */
function fromProc(pid: number) {
  return classifyProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
}

describe('PidTable with Netdata cgroups.plugin shared memory', () => {
  it('gives listed PIDs the names from the segment and others none', () => {
    const h = host();
    h.segment([
      { name: 'cgroup_web', options: IS_UNIFIED, path: h.procs('system.slice/docker-abc.scope', [web1, web2]) },
      { name: 'ssh', options: IS_UNIFIED | SYSTEM_SLICE_SERVICE, path: h.procs('system.slice/ssh.service', [sshd]) },
      { name: 'cgroup_muted', options: IS_UNIFIED, enabled: false, path: h.procs('muted', [muted]) },
      // Enabled, but cgroups.plugin's cgroup vanished since: charted, with no processes.
      { name: 'cgroup_gone', options: IS_UNIFIED, path: join(h.root, 'cgroup', 'gone', 'cgroup.procs') },
    ]);
    const log = recordingLogger();
    const table = new PidTable({ cgroups: true, netdataCgroupShm: h.shm, now: manualClock().now, logger: log.logger });
    table.scan();

    expect(table.cgroupNaming()).toBe('netdata');
    expect([table.cgroupOf(web1), table.cgroupOf(web2)]).toEqual(['web', 'web']);
    expect(table.serviceOf(web1)).toBeUndefined();
    expect(table.serviceOf(sshd)).toBe('ssh');
    expect(table.cgroupOf(sshd)).toBeUndefined();
    // Disabled in the segment: not charted, whatever /proc says.
    expect([table.cgroupOf(muted), table.serviceOf(muted)]).toEqual([undefined, undefined]);
    // In no listed cgroup (this test runner).
    expect([table.cgroupOf(process.pid), table.serviceOf(process.pid)]).toEqual([undefined, undefined]);
    expect(table.cgroups()).toEqual(['gone', 'web']);
    expect(table.services()).toEqual(['ssh']);
    // /proc/<pid>/cgroup is not read while the segment names the cgroups.
    expect(table.stats()).toMatchObject({ cgroupReads: 0, netdataCgroupReads: 1 });
    expect(log.visible()).toEqual([{ level: 'info', message: expect.stringContaining(`from ${h.shm}`) }]);
  });

  it('draws no services when the segment says systemd charts are off', () => {
    const h = host();
    h.segment([{ name: 'ssh', options: SYSTEM_SLICE_SERVICE, path: h.procs('ssh.service', [sshd]) }], { systemdEnabled: false });
    const table = new PidTable({ cgroups: true, netdataCgroupShm: h.shm, now: manualClock().now });
    table.scan();
    expect(table.serviceOf(sshd)).toBeUndefined();
    expect(table.services()).toEqual([]);
  });

  it('re-reads the segment and the cgroup.procs files every 30 s, not every scan', () => {
    const h = host();
    const web = h.procs('web', [web1, web2]);
    h.segment([
      { name: 'cgroup_web', path: web },
      { name: 'cgroup_db', path: h.procs('db', []) },
    ]);
    const clock = manualClock();
    const table = new PidTable({ cgroups: true, netdataCgroupShm: h.shm, now: clock.now });
    table.scan();
    expect(table.cgroupOf(web2)).toBe('web');

    h.procs('web', [web1]);
    h.procs('db', [web2]);
    clock.advance(10_000);
    table.scan();
    expect(table.cgroupOf(web2)).toBe('web');
    clock.advance(19_999);
    table.scan();
    expect(table.cgroupOf(web2)).toBe('web');
    clock.advance(1);
    table.scan();
    expect([table.cgroupOf(web1), table.cgroupOf(web2)]).toEqual(['web', 'db']);
    expect(table.stats().netdataCgroupReads).toBe(2);

    // cgroups.plugin renamed the container (cgroup-name.sh) and disabled db.
    h.segment([
      { name: 'cgroup_frontend', path: web },
      { name: 'cgroup_db', enabled: false, path: h.procs('db', [web2]) },
    ]);
    clock.advance(30_000);
    table.scan();
    expect([table.cgroupOf(web1), table.cgroupOf(web2)]).toEqual(['frontend', undefined]);
    expect(table.cgroups()).toEqual(['frontend']);
  });

  it('falls back to /proc/PID/cgroup when the segment goes away, and back when it returns, logging each change once', () => {
    const h = host();
    h.segment([{ name: 'cgroup_web', path: h.procs('web', [web1]) }]);
    const clock = manualClock();
    const log = recordingLogger();
    const table = new PidTable({ cgroups: true, netdataCgroupShm: h.shm, now: clock.now, logger: log.logger });
    table.scan();
    expect(table.cgroupOf(web1)).toBe('web');

    unlinkSync(h.shm);
    clock.advance(30_000);
    table.scan();
    expect(table.cgroupNaming()).toBe('proc');
    const proc = fromProc(web1);
    expect(table.cgroupOf(web1)).toBe(proc.kind === 'cgroup' ? proc.name : undefined);
    expect(table.serviceOf(web1)).toBe(proc.kind === 'service' ? proc.name : undefined);
    clock.advance(30_000);
    table.scan();

    h.segment([{ name: 'cgroup_web', path: h.procs('web', [web1]) }]);
    clock.advance(30_000);
    table.scan();
    expect(table.cgroupNaming()).toBe('netdata');
    expect(table.cgroupOf(web1)).toBe('web');

    expect(log.visible().map((l) => l.level)).toEqual(['info', 'info', 'info']);
    expect(log.visible()[1]!.message).toMatch(/not found.*\/proc\/PID\/cgroup/);
  });

  it('falls back with one warning when the segment is corrupt', () => {
    const h = host();
    writeFileSync(h.shm, buildSegment([{ name: 'cgroup_web', path: h.procs('web', [web1]) }], { count: 9, max: 2 }));
    const clock = manualClock();
    const log = recordingLogger();
    const table = new PidTable({ cgroups: true, netdataCgroupShm: h.shm, now: clock.now, logger: log.logger });
    table.scan();
    clock.advance(30_000);
    table.scan();
    expect(table.cgroupNaming()).toBe('proc');
    expect(table.stats().cgroupReads).toBeGreaterThan(0);
    expect(log.visible()).toEqual([{ level: 'warn', message: expect.stringMatching(/9 cgroups in use but only 2 allocated.*\/proc\/PID\/cgroup/) }]);
  });

  it('keeps the /proc classification when no segment exists', () => {
    const h = host();
    const log = recordingLogger();
    const withPath = new PidTable({ cgroups: true, netdataCgroupShm: h.shm, logger: log.logger });
    const without = new PidTable({ cgroups: true, netdataCgroupShm: false });
    withPath.scan();
    without.scan();
    expect(withPath.cgroupNaming()).toBe('proc');
    for (const pid of [web1, sshd, process.pid]) {
      expect([withPath.cgroupOf(pid), withPath.serviceOf(pid)]).toEqual([without.cgroupOf(pid), without.serviceOf(pid)]);
    }
    expect(withPath.cgroups()).toEqual(without.cgroups());
    expect(log.visible()).toHaveLength(1);
  });

  it('does not look for the segment with cgroups off or with a fixture procRoot', () => {
    const h = host();
    h.segment([{ name: 'cgroup_web', path: h.procs('web', [web1]) }]);
    const off = new PidTable({ cgroups: false, netdataCgroupShm: h.shm });
    off.scan();
    expect(off.cgroupNaming()).toBe('off');
    expect(off.cgroupOf(web1)).toBeUndefined();
    expect(off.stats().netdataCgroupReads).toBe(0);

    const fixture = new PidTable({ cgroups: true, procRoot: join(import.meta.dirname, 'fixtures', 'grouping', 'proc-basic') });
    fixture.scan();
    expect(fixture.stats().netdataCgroupReads).toBe(0);
  });

  it('rejects a non-positive refresh period', () => {
    expect(() => new PidTable({ cgroups: true, netdataCgroupRefreshMs: 0 })).toThrow(RangeError);
  });
});
