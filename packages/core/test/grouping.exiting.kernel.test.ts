/**
 * A real short-lived task, placed in real cgroups, scanned by the PID table
 * while it runs and again once it is a zombie: its cgroup must not change and
 * no cgroup may appear for it on its way out. Needs root (it creates
 * cgroups); loads no BPF. Each case is skipped when the host lacks the
 * hierarchy it needs (the first needs a hybrid v1/v2 host, the second any
 * cgroup v2). About 1.5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PidTable } from '../src/grouping/index.js';

const CGROUP2_MAGIC = 0x63677270;
const isRoot = process.getuid?.() === 0;

function cgroup2Mount(): string | undefined {
  for (const dir of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    try {
      if (Number(statfsSync(dir).type) === CGROUP2_MAGIC) return dir;
    } catch {
      // not mounted there
    }
  }
  return undefined;
}
const V2 = cgroup2Mount();
const BLKIO = existsSync('/sys/fs/cgroup/blkio/cgroup.procs') ? '/sys/fs/cgroup/blkio' : undefined;

const made: string[] = [];
const children: ChildProcess[] = [];
const grandchildren: number[] = [];
afterEach(async () => {
  for (const pid of grandchildren.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already a zombie or gone
    }
  }
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const done = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await done;
    }
  }
  for (const dir of made.splice(0).reverse()) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
});

function makeCgroup(dir: string): string {
  mkdirSync(dir);
  made.push(dir);
  return dir;
}

/**
 * Start `sh` that joins `cgroups`, forks a `sleep 30` and execs a long
 * `sleep` that never reaps it: once killed, the child stays a zombie.
 * Resolves with both PIDs.
 */
async function zombieMaker(cgroups: string[], script = ''): Promise<{ parent: ChildProcess; child: number }> {
  const joins = cgroups.map((c) => `echo $$ > ${c}/cgroup.procs`).join('; ');
  const parent = spawn('sh', ['-c', `${joins}; sleep 30 & echo $!; ${script} exec sleep 30`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(parent);
  const child = await new Promise<number>((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    parent.once('exit', () => reject(new Error('sh exited before printing the child PID')));
  });
  grandchildren.push(child);
  return { parent, child };
}

/** Kill the child and wait until it is a zombie (its parent never reaps it). */
async function untilZombie(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 1000; i++) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`pid ${pid} did not become a zombie`);
}

async function waitForParentMoved(cgroup: string, child: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (readFileSync(`${cgroup}/cgroup.procs`, 'utf8').trim() === String(child)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${cgroup} still holds more than pid ${child}`);
}

describe('PidTable with real exiting tasks', () => {
  it.skipIf(!isRoot || V2 === undefined || BLKIO === undefined)(
    'hybrid host: a zombie whose v1 lines read "/" keeps its v1 cgroup and creates none from its v2 path',
    async () => {
      const v1 = makeCgroup(`${BLKIO}/ebpfc-exit-v1-${process.pid}`);
      const v2 = makeCgroup(`${V2}/ebpfc-exit-v2-${process.pid}`);
      const { child } = await zombieMaker([v1, v2]);
      const table = new PidTable({ cgroups: true, cgroupRefreshScans: 1, netdataCgroupShm: false });
      table.scan();
      expect(table.cgroupOf(child)).toBe(`ebpfc-exit-v1-${process.pid}`);
      await untilZombie(child);
      // What the kernel shows the zombie: v1 "/", v2 the real path.
      expect(readFileSync(`/proc/${child}/cgroup`, 'utf8')).toMatch(/^\d+:blkio:\/$/m);
      table.scan();
      table.scan();
      expect(table.cgroupOf(child)).toBe(`ebpfc-exit-v1-${process.pid}`);
      expect(table.cgroups()).not.toContain(`ebpfc-exit-v2-${process.pid}`);
    },
  );

  it.skipIf(!isRoot || V2 === undefined)('a zombie whose v2 cgroup was removed ("(deleted)") creates no cgroup', async () => {
    const v2 = makeCgroup(`${V2}/ebpfc-exit-del-${process.pid}`);
    // The parent leaves the cgroup so that only the zombie is left and rmdir succeeds.
    const { child } = await zombieMaker([v2], `echo $$ > ${V2}/cgroup.procs;`);
    // Only the child is left in the cgroup once the parent moved back to the root.
    await waitForParentMoved(v2, child);
    const table = new PidTable({ cgroups: true, cgroupRefreshScans: 1, netdataCgroupShm: false });
    table.scan();
    const before = table.cgroupOf(child);
    await untilZombie(child);
    rmdirSync(v2);
    expect(readFileSync(`/proc/${child}/cgroup`, 'utf8')).toContain(' (deleted)');
    table.scan();
    table.scan();
    expect(table.cgroupOf(child)).toBe(before);
    expect(table.cgroups().filter((c) => c.includes('ebpfc-exit-del') && c !== before)).toEqual([]);
  });
});
