import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/types.js';
import { PidTable, ProcReadError, parseAppsGroups, type AppsGroups } from '../src/grouping/index.js';

/**
 * Fixture tree proc-basic/ (one dir per PID with stat, cmdline, cgroup), as
 * `ps -eo pid,ppid,comm` would show it:
 *   1 systemd (init)          2 kthreadd -> 11 kworker/0:1-virtio_vsock
 *   100 sshd -> 101 sshd -> 102 bash -> 103 vim
 *   200 cron -> 201 cron -> 202 sh
 *   203 "my (weird) app"
 *   300 "tmux: server" (parent 999 not in /proc) -> 301 bash -> 302 postgres
 *   400 supervisor (parent 998 not in /proc) -> 401 nginx, 402 postgres, 800 defunct (zombie)
 *   500 lonely (child of init) -> 501 postgres
 *   600 stray (parent 999 not in /proc)
 *   700 java (cmdline has kafka.Kafka, in docker)  701 java (in a k8s pod)
 */
const FIXTURES = join(import.meta.dirname, 'fixtures', 'grouping');
const PROC = join(FIXTURES, 'proc-basic');
const FIXTURE_PIDS = [1, 2, 11, 100, 101, 102, 103, 200, 201, 202, 203, 300, 301, 302, 400, 401, 402, 500, 501, 600, 700, 701, 800];

function fixtureApps(): AppsGroups {
  const file = join(FIXTURES, 'apps_groups.conf');
  const parsed = parseAppsGroups(readFileSync(file, 'utf8'), file);
  expect(parsed.errors).toEqual([]);
  return parsed.groups;
}

const tmpRoots: string[] = [];
/** A writable copy of the fixture tree, for scenarios where processes come and go. */
function procCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'pid-table-'));
  tmpRoots.push(root);
  cpSync(PROC, root, { recursive: true });
  return root;
}
afterEach(() => {
  for (const r of tmpRoots.splice(0)) rmSync(r, { recursive: true, force: true });
});

interface FakeProc {
  pid: number;
  comm: string;
  ppid: number;
  start: number;
  state?: string;
  cmdline?: string[];
  cgroup?: string;
}
/** Write one process dir the way the kernel lays out /proc/<pid>. */
function writeProc(root: string, p: FakeProc): void {
  const dir = join(root, String(p.pid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'stat'),
    `${p.pid} (${p.comm}) ${p.state ?? 'S'} ${p.ppid} ${p.pid} ${p.pid} 0 -1 4194304 99 0 0 0 3 1 0 0 20 0 1 0 ${p.start} 3133440 384 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`,
  );
  writeFileSync(join(dir, 'cmdline'), (p.cmdline ?? []).map((a) => `${a}\0`).join(''));
  writeFileSync(join(dir, 'cgroup'), p.cgroup ?? '0::/\n');
}

function appsByPid(table: PidTable, pids: number[] = FIXTURE_PIDS): Record<number, string | undefined> {
  return Object.fromEntries(pids.map((pid) => [pid, table.appOf(pid)]));
}

describe('PidTable scan of a fixture /proc', () => {
  it('reads names with spaces and parentheses, long kernel thread names and parents', () => {
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    const result = table.scan();
    expect(result).toMatchObject({ tracked: FIXTURE_PIDS.length, added: FIXTURE_PIDS.length, removed: 0, dropped: 0 });
    expect(table.commOf(203)).toBe('my (weird) app');
    expect(table.commOf(300)).toBe('tmux: server');
    expect(table.commOf(11)).toBe('kworker/0:1-virtio_vsock');
    expect(table.ppidOf(203)).toBe(1);
    expect(table.ppidOf(11)).toBe(2);
    expect(table.startTimeOf(700)).toBe(9000);
    expect([...table.pids()].sort((a, b) => a - b)).toEqual(FIXTURE_PIDS);
  });

  it('assigns groups with the four inheritance steps', () => {
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    table.scan();
    expect(appsByPid(table)).toEqual({
      // step 3: init is `other` even though `init: systemd` matches it
      1: 'other',
      // kworker merges into kthreadd, which is top level: both `other` (steps 2, 3, 4)
      2: 'other',
      11: 'other',
      // own match, then step 1 down the tree
      100: 'ssh',
      101: 'ssh',
      102: 'ssh',
      103: 'ssh',
      200: 'cron',
      201: 'cron',
      202: 'cron',
      // quoted exact pattern with spaces and parentheses
      203: 'weird',
      // step 2: postgres merges up, its parents without a group take `sql` (the top one's parent is
      // not tracked, so nothing gave it a group in step 1)
      300: 'sql',
      301: 'sql',
      302: 'sql',
      // step 2 with two matched children: the newest (402) merges first and gives its group to the
      // parent; nginx keeps its own; the zombie merged without a group gets its parent's (step 4)
      400: 'sql',
      401: 'httpd',
      402: 'sql',
      800: 'sql',
      // init is `other` from the start, so its unmatched child inherits `other` in step 1 and does not
      // take its child's group; an orphan of an untracked parent is top level (step 3)
      500: 'other',
      501: 'sql',
      600: 'other',
      // substring pattern on the command line comes before the exact `java`
      700: 'kafka',
      701: 'java',
    });
    expect(table.appOf(4242)).toBeUndefined();
  });

  it('exposes groups that had a process, in file order with other last', () => {
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    expect(table.exposedApps()).toEqual([]);
    table.scan();
    expect(table.exposedApps()).toEqual(['ssh', 'cron', 'sql', 'httpd', 'weird', 'kafka', 'java', 'other']);
  });

  it('puts everything in other without an apps_groups.conf', () => {
    const table = new PidTable({ procRoot: PROC });
    table.scan();
    expect(new Set(Object.values(appsByPid(table)))).toEqual(new Set(['other']));
    expect(table.exposedApps()).toEqual(['other']);
  });

  it('reads cmdline for each new process only when a substring pattern exists', () => {
    const withSubstring = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    withSubstring.scan();
    expect(withSubstring.stats().cmdlineReads).toBe(FIXTURE_PIDS.length);
    withSubstring.scan();
    expect(withSubstring.stats().cmdlineReads).toBe(FIXTURE_PIDS.length);

    const apps = parseAppsGroups('java: java\n', 'x').groups;
    const without = new PidTable({ apps, procRoot: PROC });
    without.scan();
    expect(without.stats().cmdlineReads).toBe(0);
  });

  it('reads cgroups only when asked, and classifies services and containers', () => {
    const off = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    off.scan();
    expect(off.stats().cgroupReads).toBe(0);
    expect(off.serviceOf(100)).toBeUndefined();

    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC, cgroups: true });
    table.scan();
    expect(table.serviceOf(100)).toBe('ssh');
    expect(table.cgroupOf(100)).toBeUndefined();
    expect(table.serviceOf(101)).toBeUndefined();
    expect(table.cgroupOf(101)).toBeUndefined();
    expect(table.cgroupOf(700)).toBe('docker_3f4e8a1b2c9d');
    expect(table.cgroupOf(701)).toBe('k8s_5f1c2a3e_aa11bb22cc33');
    expect(table.cgroupOf(302)).toBe('user_1000');
    expect(table.cgroups()).toEqual(['docker_3f4e8a1b2c9d', 'k8s_5f1c2a3e_aa11bb22cc33', 'user_1000']);
    expect(table.services()).toEqual(['cron', 'lonely', 'ssh', 'supervisor', 'weird']);
  });

  it('skips entries that are not PIDs and stat files it cannot parse', () => {
    const root = procCopy();
    writeFileSync(join(root, '900'), 'a file, not a dir');
    mkdirSync(join(root, '901'));
    writeFileSync(join(root, '901', 'stat'), '901 (truncated');
    mkdirSync(join(root, '902'));
    writeFileSync(join(root, '902', 'stat'), '902 (short) S 1 2 3\n');
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    expect(table.scan().tracked).toBe(FIXTURE_PIDS.length);
    expect(table.appOf(901)).toBeUndefined();
    expect(table.appOf(902)).toBeUndefined();
  });

  it('logs processes matched by + patterns when given a logger', () => {
    const lines: string[] = [];
    const logger: Logger = { debug: (m) => lines.push(m), info() {}, warn() {}, error() {} };
    const apps = parseAppsGroups('web: +nginx* postgres\n', 'apps.conf').groups;
    new PidTable({ apps, procRoot: PROC, logger }).scan();
    expect(lines).toEqual(["apps: pid 401 (nginx) matched 'nginx*' of group 'web' (apps.conf:1)"]);
  });

  it('rejects a non-positive table size', () => {
    expect(() => new PidTable({ maxPids: 0 })).toThrow(RangeError);
  });

  it('throws a typed error when the proc root cannot be listed', () => {
    const table = new PidTable({ procRoot: join(FIXTURES, 'no-such-proc') });
    expect(() => table.scan()).toThrow(ProcReadError);
    expect(() => table.scan()).toThrow(expect.objectContaining({ code: 'EPROCREAD', path: join(FIXTURES, 'no-such-proc') }));
  });
});

describe('PidTable across scans', () => {
  it('keeps a vanished process for one scan, not alive, then forgets it', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    rmSync(join(root, '103'), { recursive: true });

    const second = table.scan();
    expect(second.removed).toBe(0);
    expect(table.appOf(103)).toBe('ssh');
    expect(table.isAlive(103)).toBe(false);
    expect([...table.pids()]).not.toContain(103);

    const third = table.scan();
    expect(third.removed).toBe(1);
    expect(third.tracked).toBe(FIXTURE_PIDS.length - 1);
    expect(table.appOf(103)).toBeUndefined();
  });

  it('forgets a process at the next scan after noteExit, skipping the extra scan', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    table.noteExit(500);
    expect(table.isAlive(500)).toBe(false);
    // Still attributable until the next scan.
    expect(table.appOf(500)).toBe('other');
    rmSync(join(root, '500'), { recursive: true });
    expect(table.scan().removed).toBe(1);
    expect(table.appOf(500)).toBeUndefined();
  });

  it('revives a process noted as exited that /proc still shows running', () => {
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    table.scan();
    table.noteExit(100);
    expect(table.isAlive(100)).toBe(false);
    table.scan();
    expect(table.isAlive(100)).toBe(true);
  });

  it('keeps a zombie noted as exited attributable but not alive', () => {
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC });
    table.scan();
    expect(table.isAlive(800)).toBe(true);
    table.noteExit(800);
    table.scan();
    expect(table.isAlive(800)).toBe(false);
    expect(table.appOf(800)).toBe('sql');
  });

  it('answers isAlive for untracked PIDs from the proc tree', () => {
    const root = procCopy();
    const table = new PidTable({ procRoot: root });
    table.scan();
    writeProc(root, { pid: 950, comm: 'late', ppid: 1, start: 99999 });
    expect(table.isAlive(950)).toBe(true);
    expect(table.isAlive(951)).toBe(false);
    expect(table.isAlive(0)).toBe(false);
    expect(table.isAlive(-1)).toBe(false);
  });

  it('gives a new child the group of its parent (step 1 on later scans)', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    writeProc(root, { pid: 900, comm: 'sleep', ppid: 202, start: 20000 });
    writeProc(root, { pid: 901, comm: 'mysqld', ppid: 202, start: 20001 });
    const r = table.scan();
    expect(r.added).toBe(2);
    expect(table.appOf(900)).toBe('cron');
    // its own match beats inheritance
    expect(table.appOf(901)).toBe('sql');
  });

  it('does not hand a new child\'s group up to a parent that already has one', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    writeProc(root, { pid: 610, comm: 'bash', ppid: 600, start: 20000 });
    writeProc(root, { pid: 611, comm: 'mysqld', ppid: 610, start: 20001 });
    table.scan();
    expect([table.appOf(600), table.appOf(610), table.appOf(611)]).toEqual(['other', 'other', 'sql']);
  });

  it('re-matches after an exec changes the name, and re-reads cmdline only then', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    const reads = table.stats().cmdlineReads;
    writeProc(root, { pid: 102, comm: 'postgres', ppid: 101, start: 5010, cmdline: ['postgres', '-D', '/srv'] });
    table.scan();
    expect(table.appOf(102)).toBe('sql');
    expect(table.stats().cmdlineReads).toBe(reads + 1);
    table.scan();
    expect(table.stats().cmdlineReads).toBe(reads + 1);
  });

  it('keeps the previous group when the new name matches nothing (as Netdata)', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    writeProc(root, { pid: 202, comm: 'run-parts', ppid: 1, start: 6001 });
    table.scan();
    expect(table.appOf(202)).toBe('cron');
  });

  it('takes back a process missing from a single scan with its group', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    // reparented to init under a name that matches nothing: only its remembered group says `cron`
    writeProc(root, { pid: 202, comm: 'run-parts', ppid: 1, start: 6001 });
    table.scan();
    cpSync(join(root, '202'), join(root, 'saved-202'), { recursive: true });
    rmSync(join(root, '202'), { recursive: true });
    table.scan();
    expect(table.isAlive(202)).toBe(false);
    cpSync(join(root, 'saved-202'), join(root, '202'), { recursive: true });
    expect(table.scan().added).toBe(0);
    expect(table.isAlive(202)).toBe(true);
    expect(table.appOf(202)).toBe('cron');
  });

  it('treats a PID with a new start time as a new process', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    rmSync(join(root, '202'), { recursive: true });
    writeProc(root, { pid: 202, comm: 'run-parts', ppid: 1, start: 30000 });
    const r = table.scan();
    expect(r).toMatchObject({ added: 1, removed: 1 });
    expect(table.startTimeOf(202)).toBe(30000);
    // not the sticky `cron` of the old process: a fresh top-level process
    expect(table.appOf(202)).toBe('other');
  });

  it('keeps exposed groups exposed after their processes exit', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root });
    table.scan();
    for (const pid of [700]) rmSync(join(root, String(pid)), { recursive: true });
    table.scan();
    table.scan();
    expect(table.appOf(700)).toBeUndefined();
    expect(table.exposedApps()).toContain('kafka');
  });

  it('re-reads cgroups after an exec and every cgroupRefreshScans scans', () => {
    const root = procCopy();
    const table = new PidTable({ apps: fixtureApps(), procRoot: root, cgroups: true, cgroupRefreshScans: 3 });
    table.scan();
    const ID = 'aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44';
    writeFileSync(join(root, '500', 'cgroup'), `0::/system.slice/docker-${ID}.scope\n`);
    writeProc(root, { pid: 600, comm: 'runc:[2:INIT]', ppid: 999, start: 8600, cgroup: '0::/system.slice/nginx.service\n' });
    table.scan(); // scan 2: only the exec'd process is re-read
    expect(table.serviceOf(500)).toBe('lonely');
    expect(table.serviceOf(600)).toBe('nginx');
    expect(table.services()).toContain('nginx');
    table.scan(); // scan 3: periodic refresh
    expect(table.cgroupOf(500)).toBe('docker_aa11bb22cc33');
    expect(table.serviceOf(500)).toBeUndefined();
    expect(table.cgroups()).toContain('docker_aa11bb22cc33');
  });

  it('tracks at most maxPids processes and counts the ones it drops', () => {
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC, maxPids: 5 });
    const r = table.scan();
    expect(r).toMatchObject({ tracked: 5, dropped: FIXTURE_PIDS.length - 5 });
    expect(FIXTURE_PIDS.filter((pid) => table.appOf(pid) === undefined)).toHaveLength(FIXTURE_PIDS.length - 5);
    table.scan();
    expect(table.stats()).toMatchObject({
      tracked: 5,
      dropped: FIXTURE_PIDS.length - 5,
      droppedTotal: 2 * (FIXTURE_PIDS.length - 5),
      scans: 2,
    });
    expect(table.stats().lastScanMs).toBeGreaterThan(0);
  });

  it('says once that the table is full, with the number left out and the option that fixes it', () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
    const table = new PidTable({ apps: fixtureApps(), procRoot: PROC, maxPids: 5, logger });
    table.scan();
    table.scan();
    table.scan();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`pid table full: ${FIXTURE_PIDS.length - 5} of ${FIXTURE_PIDS.length} processes are not tracked (pid table size = 5)`);
    expect(warnings[0]).toContain('raise "pid table size" in ebpf.d.conf [global]');
    const roomy: string[] = [];
    new PidTable({ apps: fixtureApps(), procRoot: PROC, logger: { ...logger, warn: (m) => roomy.push(m) } }).scan();
    expect(roomy).toEqual([]);
  });
});

/**
 * Recorded on a hybrid v1/v2 host (kernel 6.18): a `sleep` placed in
 * `blkio:/ebpfc-rec` and `0::/ebpfc-rec2`, read alive (`live.*`) and as a
 * zombie (`zombie.*`: every v1 line reads `/`, flags have PF_EXITING); and a
 * zombie whose v2 cgroup was removed (`deleted.*`).
 */
describe('PidTable: a task on its way out never creates a cgroup', () => {
  const EXIT = join(FIXTURES, 'proc-exiting');
  function place(root: string, pid: number, recording: 'live' | 'zombie' | 'deleted', cgroup?: string): void {
    const dir = join(root, String(pid));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stat'), readFileSync(join(EXIT, `${recording}.stat`)));
    writeFileSync(join(dir, 'cgroup'), cgroup ?? readFileSync(join(EXIT, `${recording}.cgroup`), 'latin1'));
    writeFileSync(join(dir, 'cmdline'), 'sleep\0');
  }
  function emptyRoot(): string {
    const root = mkdtempSync(join(tmpdir(), 'pid-table-exit-'));
    tmpRoots.push(root);
    return root;
  }

  it('keeps the v1 cgroup of a process that became a zombie (its v1 lines read "/")', () => {
    const root = emptyRoot();
    place(root, 27486, 'live');
    const table = new PidTable({ procRoot: root, cgroups: true, cgroupRefreshScans: 1 });
    table.scan();
    expect(table.cgroupOf(27486)).toBe('ebpfc-rec');
    expect(table.cgroups()).toEqual(['ebpfc-rec']);
    const reads = table.stats().cgroupReads;
    place(root, 27486, 'zombie');
    table.scan();
    table.scan();
    expect(table.cgroupOf(27486)).toBe('ebpfc-rec');
    expect(table.cgroups()).toEqual(['ebpfc-rec']);
    expect(table.stats().cgroupReads).toBe(reads); // not even read
  });

  it('keeps it when only the cgroup file shows the exit and a second stat read shows PF_EXITING', () => {
    const root = emptyRoot();
    place(root, 27486, 'live');
    const table = new PidTable({ procRoot: root, cgroups: true, cgroupRefreshScans: 1 });
    table.scan();
    // Running (state R) but in do_exit: flags 0x40800c have PF_EXITING (0x4).
    const stat = readFileSync(join(EXIT, 'live.stat'), 'utf8').replace(' S 27485 27480 25259 0 -1 4194304 ', ' R 27485 27480 25259 0 -1 4227084 ');
    writeFileSync(join(root, '27486', 'stat'), stat);
    writeFileSync(join(root, '27486', 'cgroup'), readFileSync(join(EXIT, 'zombie.cgroup')));
    table.scan();
    expect(table.cgroups()).toEqual(['ebpfc-rec']);
    expect(table.cgroupOf(27486)).toBe('ebpfc-rec');
  });

  it('follows a live process whose v1 lines really moved to "/" (a second stat read says it runs)', () => {
    const root = emptyRoot();
    place(root, 27486, 'live');
    const table = new PidTable({ procRoot: root, cgroups: true, cgroupRefreshScans: 1 });
    table.scan();
    writeFileSync(join(root, '27486', 'cgroup'), readFileSync(join(EXIT, 'zombie.cgroup')));
    table.scan();
    expect(table.cgroupOf(27486)).toBe('ebpfc-rec2');
    expect(table.cgroups()).toEqual(['ebpfc-rec2']);
  });

  it('counts a process first seen exiting in no cgroup', () => {
    const root = emptyRoot();
    place(root, 27486, 'zombie');
    place(root, 27611, 'deleted');
    const table = new PidTable({ procRoot: root, cgroups: true });
    table.scan();
    expect(table.cgroupOf(27486)).toBeUndefined();
    expect(table.cgroupOf(27611)).toBeUndefined();
    expect(table.cgroups()).toEqual([]);
    expect(table.services()).toEqual([]);
  });

  it('keeps the cgroup when the file says "(deleted)" or is empty', () => {
    const root = emptyRoot();
    place(root, 27611, 'live', '0::/system.slice/docker-3f4e8a1b2c9d00112233445566778899aabbccddeeff00112233445566778899.scope\n');
    place(root, 27612, 'live', '0::/system.slice/nginx.service\n');
    const table = new PidTable({ procRoot: root, cgroups: true, cgroupRefreshScans: 1 });
    table.scan();
    expect(table.cgroups()).toEqual(['docker_3f4e8a1b2c9d']);
    // A stat that still says running, to show the file alone decides.
    place(root, 27611, 'live', '0::/system.slice/docker-3f4e8a1b2c9d00112233445566778899aabbccddeeff00112233445566778899.scope (deleted)\n');
    place(root, 27612, 'live', '');
    table.scan();
    expect(table.cgroups()).toEqual(['docker_3f4e8a1b2c9d']);
    expect(table.services()).toEqual(['nginx']);
  });
});
