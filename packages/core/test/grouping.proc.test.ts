/**
 * The PID table against the real /proc of this machine: the test starts
 * processes whose names it controls and checks where they land.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PidTable, classifyProcCgroup, parseAppsGroups } from '../src/grouping/index.js';

// Unique per run so no other process on the machine can match.
const TAG = `eg${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`.slice(0, 9);
const SHELL_NAME = `${TAG}-sh`;
const MARKER = `${TAG}-marker`;
const SHELLS = `${TAG}-shells`;
const MARKED = `${TAG}-marked`;

let dir: string;
const children: ChildProcess[] = [];

function start(file: string, args: string[]): ChildProcess {
  // Own process group, so the cleanup can kill the grandchildren too.
  const child = spawn(file, args, { stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Scan until `pid` has `count` children with the expected name, or fail after a few seconds. */
async function waitForChildren(table: PidTable, pid: number, comm: string, count: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    table.scan();
    const kids = [...table.pids()].filter((p) => table.ppidOf(p) === pid && table.commOf(p) === comm);
    if (table.commOf(pid) !== undefined && kids.length >= count) return kids;
    if (Date.now() > deadline) {
      throw new Error(`pid ${pid} (${table.commOf(pid)}) has ${kids.length} '${comm}' children, expected ${count}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PidTable on the real /proc', () => {
  const conf = `${SHELLS}: ${SHELL_NAME}\n${MARKED}: *${MARKER}*\n`;
  const { groups: apps, errors } = parseAppsGroups(conf, 'test apps_groups.conf');
  let shell: ChildProcess;
  let marked: ChildProcess;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grouping-proc-'));
    // The kernel names a process after the file it executed, so a symlink gives /bin/sh our name.
    symlinkSync('/bin/sh', join(dir, SHELL_NAME));
    shell = start(join(dir, SHELL_NAME), ['-c', 'sleep 120 & sleep 120 & wait']);
    // Named plain `sh`; only its command line carries the marker (the trailing `:` keeps sh alive).
    marked = start('/bin/sh', ['-c', 'sleep 120; :', MARKER]);
  });

  afterAll(() => {
    for (const c of children) killGroup(c);
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses the test apps_groups.conf', () => {
    expect(errors).toEqual([]);
    expect(apps.needsCmdline).toBe(true);
  });

  it('places a process by its name and its children by inheritance', async () => {
    const table = new PidTable({ apps });
    const kids = await waitForChildren(table, shell.pid!, 'sleep', 2);
    expect(table.commOf(shell.pid!)).toBe(SHELL_NAME);
    expect(table.appOf(shell.pid!)).toBe(SHELLS);
    expect(kids.map((k) => table.appOf(k))).toEqual([SHELLS, SHELLS]);
  });

  it('places a process by its command line (substring pattern) and its child with it', async () => {
    const table = new PidTable({ apps });
    const [kid] = await waitForChildren(table, marked.pid!, 'sleep', 1);
    expect(table.commOf(marked.pid!)).toBe('sh');
    expect(table.appOf(marked.pid!)).toBe(MARKED);
    expect(table.appOf(kid!)).toBe(MARKED);
  });

  it('puts init in other and exposes groups in file order with other last', async () => {
    const table = new PidTable({ apps });
    await waitForChildren(table, shell.pid!, 'sleep', 2);
    await waitForChildren(table, marked.pid!, 'sleep', 1);
    expect(table.appOf(1)).toBe('other');
    expect(table.exposedApps()).toEqual([SHELLS, MARKED, 'other']);
    expect(table.isAlive(process.pid)).toBe(true);
    expect(table.stats().tracked).toBeGreaterThan(3);
    expect(table.stats().dropped).toBe(0);
  });

  it('reads the cgroup of every process; children share their parent\'s', async () => {
    const table = new PidTable({ apps, cgroups: true });
    const kids = await waitForChildren(table, shell.pid!, 'sleep', 2);
    const expected = classifyProcCgroup(readFileSync(`/proc/${shell.pid}/cgroup`, 'utf8'));
    const got = { cgroup: table.cgroupOf(shell.pid!), service: table.serviceOf(shell.pid!) };
    expect(got).toEqual({
      cgroup: expected.kind === 'cgroup' ? expected.name : undefined,
      service: expected.kind === 'service' ? expected.name : undefined,
    });
    for (const k of kids) expect(table.cgroupOf(k)).toBe(got.cgroup);
    // Tasks on their way out are not read (they keep the cgroup they had). One
    // exiting at the scan is a zombie or gone by now, so this bound holds.
    const exiting = [...table.pids()].filter((pid) => {
      try {
        return /^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return true;
      }
    }).length;
    expect(table.stats().cgroupReads).toBeGreaterThanOrEqual(table.stats().tracked - exiting);
  });

  it('keeps an exited process one scan, not alive, then forgets it', async () => {
    const table = new PidTable({ apps });
    await waitForChildren(table, shell.pid!, 'sleep', 2);
    const pid = shell.pid!;
    const exited = new Promise((r) => shell.once('exit', r));
    killGroup(shell);
    await exited;
    table.scan();
    expect(table.isAlive(pid)).toBe(false);
    expect(table.appOf(pid)).toBe(SHELLS);
    table.scan();
    expect(table.appOf(pid)).toBeUndefined();
    expect(table.isAlive(pid)).toBe(false);
  });
});
