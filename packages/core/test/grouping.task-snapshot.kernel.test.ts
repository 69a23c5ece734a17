/**
 * The PID table's BPF task iterator against /proc, on real processes this
 * test starts: every field the table takes from `/proc/<pid>/stat` (parent,
 * start time, name, zombie state) is the same, and so are the groups a
 * table reading the iterator and a table reading /proc give every process.
 * Needs root (loads BPF); skipped where the kernel has no task iterators.
 * About 1 s.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoader } from '@ebpf-collectors/loader-native';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PidTable, TaskSnapshot } from '../src/grouping/index.js';
import { parseAppsGroups } from '../src/grouping/apps-groups.js';

const isRoot = process.getuid?.() === 0;
const loader = createLoader();
let iteratorWorks = false;
let why = '';

beforeAll(async () => {
  if (!isRoot) return;
  try {
    (await TaskSnapshot.open(loader)).close();
    iteratorWorks = true;
  } catch (error) {
    why = error instanceof Error ? error.message : String(error);
  }
});

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const done = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await done;
    }
  }
});

const bin = mkdtempSync(join(tmpdir(), 'ebpfc-ts-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** Processes named `name` (sleep run through a symlink of that name: the kernel names a task after the file it executed). */
function startNamed(name: string, count: number): ChildProcess[] {
  const path = join(bin, name);
  if (!existsSync(path)) symlinkSync('/bin/sleep', path);
  const started = Array.from({ length: count }, () => spawn(path, ['30'], { stdio: 'ignore' }));
  children.push(...started);
  return started;
}

function statOf(pid: number): { comm: string; state: string; ppid: number; start: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return { comm: text.slice(text.indexOf('(') + 1, close), state: rest[0]!, ppid: Number(rest[1]), start: Number(rest[19]) };
}

async function settle(children: ChildProcess[], name: string): Promise<void> {
  // Named once exec is done (spawn returns after fork).
  for (let i = 0; i < 100; i++) {
    if (children.every((c) => statOf(c.pid!).comm === name)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterAll(() => {
  const left = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (left.status === 0) {
    const names = (JSON.parse(left.stdout) as Array<{ name?: string }>).map((p) => p.name);
    expect(names).not.toContain('task_snapshot');
  }
});

describe.skipIf(!isRoot)('task iterator (real kernel)', () => {
  it('gives each process the parent, start time, name and state /proc gives it', async (ctx) => {
    if (!iteratorWorks) ctx.skip(why);
    const started = startNamed('ebpfc-ts-a', 3);
    const pids = started.map((c) => c.pid!);
    await settle(started, 'ebpfc-ts-a');
    // A zombie: a child of ours that exited and that we have not reaped (its parent, sh, sleeps).
    const zombieParent = spawn('sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
    children.push(zombieParent);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const snapshot = await TaskSnapshot.open(loader);
    try {
      const records = snapshot.read();
      const byPid = new Map<number, number>();
      for (let i = 0; i < records.count; i++) byPid.set(records.pid(records.at(i)), records.at(i));
      expect(byPid.get(process.pid)).toBeDefined();
      for (const pid of [process.pid, ...pids]) {
        const at = byPid.get(pid)!;
        expect(at, `pid ${pid}`).toBeDefined();
        const proc = statOf(pid);
        expect(records.ppid(at)).toBe(proc.ppid);
        expect(records.startTicks(at)).toBe(proc.start);
        expect(records.buf.toString('utf8', records.commStart(at), records.commEnd(at))).toBe(proc.comm);
        expect(records.exitLetter(at)).toBe(0);
      }
      // Threads are not processes: no record for another thread of this process.
      const threads = spawnSync('ls', [`/proc/${process.pid}/task`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      for (const tid of threads) if (tid !== process.pid) expect(byPid.has(tid)).toBe(false);
      // The zombie, if the shell's child is one now.
      const kids = readFileSync(`/proc/${zombieParent.pid}/task/${zombieParent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      for (const kid of kids) {
        const at = byPid.get(kid);
        if (at !== undefined && statOf(kid).state === 'Z') expect(records.exitLetter(at)).toBe(0x5a);
      }
    } finally {
      snapshot.close();
    }
  });

  it('a table reading the iterator groups every process as a table reading /proc does', async (ctx) => {
    if (!iteratorWorks) ctx.skip(why);
    const a = startNamed('ebpfc-ts-a', 4);
    const b = startNamed('ebpfc-ts-b', 2);
    await settle(a, 'ebpfc-ts-a');
    await settle(b, 'ebpfc-ts-b');
    const apps = parseAppsGroups('ebpfc-a: ebpfc-ts-a\nebpfc-b: ebpfc-ts-b\n', 'test-apps_groups.conf').groups;
    const viaIterator = new PidTable({ apps });
    const viaProc = new PidTable({ apps });
    await viaIterator.open(loader);
    expect(viaIterator.source).toBe('iterator');
    try {
      // Twice: the second scan of each is the steady state (inheritance settles on the first).
      for (let round = 0; round < 2; round++) {
        viaIterator.scan();
        viaProc.scan();
      }
      const compared: number[] = [];
      for (const pid of viaProc.pids()) {
        const start = viaProc.startTimeOf(pid);
        // Came or went between the two scans: not the same process set.
        if (viaIterator.startTimeOf(pid) !== start || start !== viaIterator.startTimeOf(pid)) continue;
        expect(viaIterator.ppidOf(pid), `ppid of ${pid}`).toBe(viaProc.ppidOf(pid));
        expect(viaIterator.appOf(pid), `app of ${pid} (${viaProc.commOf(pid)})`).toBe(viaProc.appOf(pid));
        compared.push(pid);
      }
      // PID 1 too, which the kernel's iterator may leave out (the table reads its stat file then).
      expect(viaIterator.ppidOf(1)).toBe(viaProc.ppidOf(1));
      expect(viaIterator.appOf(1)).toBe('other');
      for (const c of a) expect(viaIterator.appOf(c.pid!)).toBe('ebpfc-a');
      for (const c of b) expect(viaIterator.appOf(c.pid!)).toBe('ebpfc-b');
      expect(compared.length).toBeGreaterThan(10);
    } finally {
      viaIterator.close();
    }
    expect(viaIterator.source).toBe('proc');
  });

  it('EBPFC_PID_SCAN=proc keeps /proc', async () => {
    const table = new PidTable();
    await table.open(loader, { EBPFC_PID_SCAN: 'proc' });
    expect(table.source).toBe('proc');
    table.close();
  });
});
