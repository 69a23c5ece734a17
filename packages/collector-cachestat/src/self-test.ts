/**
 * The cachestat collector's own workload and the chart movements it must
 * cause, shared by `ebpf.plugin --self-test`, the VM attach-mode matrix and
 * the package's kernel test.
 *
 * A python3 child (for `os.posix_fadvise`) works on a file of N pages on an
 * ext4 (the scratch directory when it is on ext4, else a loop ext4 made for
 * the test), in three measured phases:
 *   write  N writes of one page and an fsync: N buffers marked dirty;
 *   cold   the file's pages dropped (POSIX_FADV_DONTNEED), read-ahead off
 *          (POSIX_FADV_RANDOM), N reads of one page: N pages added (misses);
 *   warm   the same N reads again: N pages accessed and none added (hits).
 * Each bound asks for half of N: other processes dirty pages in the same
 * interval, which Netdata's formula subtracts from misses.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, rm, statfs, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChartMovement, SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { childProcess, execFileAsync, WorkloadError } from '@ebpf-collectors/core';
import { CHARTS, TYPE_MEM } from './metrics.js';

const run = execFileAsync;

/** Page size the workload writes and reads in. */
export const PAGE = 4096;
/** Pages of the file at scale 1 (4 MiB). */
export const PAGES = 1024;
/** statfs magic of ext2/3/4: the filesystems that dirty buffer heads for file data. */
const EXT4_MAGIC = 0xef53;
const COMMAND_TIMEOUT_MS = 120_000;

/** Pages of the workload at a scale (at least 64). */
export function scalePages(scale: number): number {
  return Math.max(64, Math.round(PAGES * scale));
}

/** The python3 child: one phase per stdin line, `ok <phase>` on stdout after each. */
export function workloadScript(path: string, pages: number): string {
  return [
    'import os, sys',
    `path, pages, size = ${JSON.stringify(path)}, ${pages}, ${PAGE}`,
    'block = os.urandom(size)',
    'def reads():',
    '    fd = os.open(path, os.O_RDONLY)',
    '    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)',
    '    for i in range(pages):',
    '        if len(os.pread(fd, size, i * size)) != size: raise SystemExit("short read")',
    '    os.close(fd)',
    'for line in sys.stdin:',
    '    phase = line.strip()',
    '    if phase == "write":',
    '        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)',
    '        for i in range(pages): os.pwrite(fd, block, i * size)',
    '        os.fsync(fd)',
    '        os.close(fd)',
    '    elif phase == "cold":',
    '        fd = os.open(path, os.O_RDONLY)',
    '        os.fsync(fd)',
    '        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)',
    '        os.close(fd)',
    '        reads()',
    '    elif phase == "warm":',
    '        reads()',
    '    else:',
    '        break',
    '    print("ok " + phase, flush=True)',
  ].join('\n');
}

/** A directory on ext4 and how to give it back. */
interface Ext4Dir {
  readonly dir: string;
  readonly how: string;
  dispose(): Promise<void>;
}

/** `dir` itself when it is on ext4, else a fresh loop ext4 under it. */
async function ext4Dir(dir: string): Promise<Ext4Dir> {
  if ((await statfs(dir)).type === EXT4_MAGIC) return { dir, how: `${dir} (ext4)`, dispose: async () => {} };
  const base = await mkdtemp(join(dir, 'ebpfc-cachestat-'));
  const image = join(base, 'ext4.img');
  const mnt = join(base, 'mnt');
  let device: string | undefined;
  let mounted = false;
  const dispose = async () => {
    if (mounted) await run('umount', [mnt]).catch(() => run('umount', ['-l', mnt]).catch(() => undefined));
    if (device !== undefined) await run('losetup', ['-d', device]).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  };
  try {
    await writeFile(image, '');
    await truncate(image, 32 * 2 ** 20);
    await mkdir(mnt);
    device = (await run('losetup', ['--find', '--show', image], { timeout: COMMAND_TIMEOUT_MS })).stdout.trim();
    await run('mkfs.ext4', ['-q', '-F', '-b', '4096', device], { timeout: COMMAND_TIMEOUT_MS });
    await run('mount', ['-t', 'ext4', device, mnt], { timeout: COMMAND_TIMEOUT_MS });
    mounted = true;
    return { dir: mnt, how: `a loop ext4 on ${device} (${dir} is not ext4)`, dispose };
  } catch (error) {
    await dispose();
    throw new WorkloadError(`cachestat self-test: cannot make a loop ext4 in ${dir}: ${(error as Error).message}`, {
      code: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : 'EWORKLOAD',
      cause: error,
    });
  }
}

/** The python3 child, with a way to run one phase. */
async function startChild(script: string): Promise<{ phase(name: string): Promise<void>; stop(): Promise<void> }> {
  const child: ChildProcessWithoutNullStreams = childProcess().spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let waiter: { phase: string; resolve: () => void; reject: (e: Error) => void } | undefined;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (waiter && out.includes(`ok ${waiter.phase}\n`)) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  child.once('error', (e) => waiter?.reject(new WorkloadError(`cachestat self-test: python3: ${e.message}`, { code: 'ENOENT', cause: e })));
  child.once('close', (code) => waiter?.reject(new WorkloadError(`cachestat self-test: python3 exited (${code}) during ${waiter.phase}: ${err.trim()}`)));
  return {
    phase: (name) =>
      new Promise<void>((resolve, reject) => {
        waiter = { phase: name, resolve, reject };
        child.stdin.write(`${name}\n`);
      }),
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Lower bounds for the three phases of N pages (half of N each). */
export function cachestatExpectations(pages: number, accessKnown: boolean): Array<SelfTestExpectation & { phase: 'write' | 'cold' | 'warm' }> {
  const half = BigInt(Math.floor(pages / 2));
  const chart = (value: string) => `${TYPE_MEM}.${CHARTS.find((c) => c.value === value)!.id}`;
  const out: Array<SelfTestExpectation & { phase: 'write' | 'cold' | 'warm' }> = [
    { phase: 'write', chart: chart('dirty'), dimension: 'dirty', atLeast: half, why: `${pages} one-page writes on ext4 dirty ${pages} buffers` },
    { phase: 'cold', chart: chart('miss'), dimension: 'miss', atLeast: half, why: `${pages} one-page reads after POSIX_FADV_DONTNEED add ${pages} pages` },
  ];
  if (accessKnown) {
    out.push({ phase: 'warm', chart: chart('hit'), dimension: 'hit', atLeast: half, why: `${pages} one-page reads of cached pages` });
  }
  return out;
}

/** Run the three phases, each in its own measurement; the movement of each bound's chart comes from its phase. */
async function runCachestatSelfTest(context: SelfTestContext): Promise<{ movement: ChartMovement; expectations: SelfTestExpectation[] }> {
  const pages = scalePages(context.scale);
  const accessKnown = context.instance.attachMode !== 'tracepoint';
  const place = await ext4Dir(context.scratchDir);
  context.logger.debug(`cachestat self-test: ${pages} pages in ${place.how}`);
  let child: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    child = await startChild(workloadScript(join(place.dir, 'cachestat.dat'), pages));
    const expectations = cachestatExpectations(pages, accessKnown);
    const movement = new Map<string, bigint>();
    for (const phase of ['write', 'cold', 'warm'] as const) {
      const seen = await context.measure(() => child!.phase(phase));
      for (const e of expectations.filter((x) => x.phase === phase)) {
        const key = `${e.chart}.${e.dimension}`;
        movement.set(key, seen.get(key) ?? 0n);
      }
    }
    return { movement, expectations: expectations.map(({ phase: _phase, ...e }) => e) };
  } finally {
    await child?.stop();
    await place.dispose();
  }
}

/** The cachestat self-test. */
export const cachestatSelfTest: SelfTest = {
  description: 'writes, then cold and warm one-page reads of a file on ext4 (python3; a loop ext4 when needed)',
  run: runCachestatSelfTest,
};
