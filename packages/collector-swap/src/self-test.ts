/**
 * The swap collector's own workload: a swap area on a loop device made for
 * the test, and a python3 process in a cgroup whose `memory.high` is smaller
 * than what it touches, so the kernel writes its pages to swap, then reads
 * them back when the process touches them again. `memory.high` rather than
 * `memory.max`: over `high` the kernel reclaims and slows the process down;
 * at `max` the process was OOM-killed in the emulated VM lane, where swap
 * writes through a loop device are slow. Everything is undone
 * afterwards (process, cgroup, swap area, loop device, image, and the
 * cgroup2 mount when the test made it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { childProcess, execFileAsync, SelfTestSkipped, WorkloadError } from '@ebpf-collectors/core';
import { HOST_CHART } from './metrics.js';

const run = execFileAsync;
const TIMEOUT_MS = 120_000;
const MiB = 2 ** 20;

/** The workload's sizes: a swap area, the cgroup's `memory.high` and what the process touches. */
export const SWAP_WORKLOAD = { swapBytes: 64 * MiB, limitBytes: 12 * MiB, touchBytes: 24 * MiB } as const;

/** Pages that must go out and come back at least: half of what does not fit under the limit. */
export function expectedPages(work: typeof SWAP_WORKLOAD = SWAP_WORKLOAD): number {
  return Math.floor((work.touchBytes - work.limitBytes) / 4096 / 2);
}

export function swapExpectations(work: typeof SWAP_WORKLOAD = SWAP_WORKLOAD): SelfTestExpectation[] {
  const pages = BigInt(expectedPages(work));
  const chart = `${HOST_CHART.type}.${HOST_CHART.id}`;
  const over = `${(work.touchBytes - work.limitBytes) / MiB} MiB over a ${work.limitBytes / MiB} MiB memory.high`;
  return [
    { chart, dimension: 'write', atLeast: pages, why: `pages touched ${over} are written to swap` },
    { chart, dimension: 'read', atLeast: pages, why: `the same pages touched again are read back from swap` },
  ];
}

/** python3: touch every page of `bytes`, then read every page again. */
export function touchScript(bytes: number): string {
  return [
    `n = ${bytes}`,
    'b = bytearray(n)',
    'for i in range(0, n, 4096): b[i] = 1',
    's = 0',
    'for i in range(0, n, 4096): s += b[i]',
    'print(s, flush=True)',
  ].join('\n');
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Steps done, undone in reverse by `undo`. */
class Undo {
  readonly #steps: Array<() => Promise<unknown>> = [];
  push(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) await step().catch(() => undefined);
  }
}

function isCgroup2(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => {
      const [pre, post] = line.split(' - ');
      return pre?.split(' ')[4] === path && post?.startsWith('cgroup2 ');
    });
}

async function runSwapWorkload(context: SelfTestContext): Promise<Map<string, bigint>> {
  for (const tool of ['losetup', 'mkswap', 'swapon', 'swapoff', 'python3']) {
    const found = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => dir && existsSync(join(dir, tool)));
    if (!found) throw new WorkloadError(`swap self-test: ${tool} is not installed`, { code: 'ENOENT' });
  }
  const work = SWAP_WORKLOAD;
  const undo = new Undo();
  try {
    if (!isCgroup2(CGROUP_ROOT)) {
      if (readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${CGROUP_ROOT} `)) {
        throw new SelfTestSkipped(`swap self-test: ${CGROUP_ROOT} is not a cgroup2 hierarchy (needs memory.high)`);
      }
      await run('mount', ['-t', 'cgroup2', 'none', CGROUP_ROOT], { timeout: TIMEOUT_MS });
      undo.push(() => run('umount', [CGROUP_ROOT]));
    }
    const controllers = readFileSync(join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (!controllers.includes('memory')) throw new SelfTestSkipped('swap self-test: the cgroup2 root has no memory controller');
    const control = join(CGROUP_ROOT, 'cgroup.subtree_control');
    if (!readFileSync(control, 'utf8').split(/\s+/).includes('memory')) {
      await writeFile(control, '+memory');
      undo.push(() => writeFile(control, '-memory'));
    }
    const base = await mkdtemp(join(context.scratchDir, 'swap-'));
    undo.push(() => rm(base, { recursive: true, force: true }));
    const image = join(base, 'swap.img');
    await writeFile(image, '');
    await truncate(image, work.swapBytes);
    const device = (await run('losetup', ['--find', '--show', image], { timeout: TIMEOUT_MS })).stdout.trim();
    undo.push(() => run('losetup', ['-d', device], { timeout: TIMEOUT_MS }));
    await run('mkswap', [device], { timeout: TIMEOUT_MS });
    await run('swapon', [device], { timeout: TIMEOUT_MS });
    undo.push(() => run('swapoff', [device], { timeout: TIMEOUT_MS }));
    const cgroup = join(CGROUP_ROOT, `ebpfc-swap-${process.pid}`);
    await mkdir(cgroup);
    undo.push(() => rmdir(cgroup));
    await writeFile(join(cgroup, 'memory.high'), String(work.limitBytes));
    if (existsSync(join(cgroup, 'memory.swap.max'))) await writeFile(join(cgroup, 'memory.swap.max'), 'max');
    const movement = await context.measure(
      () =>
        new Promise<void>((resolve, reject) => {
          // The shell moves itself into the cgroup, then becomes python3.
          const child = childProcess().spawn('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec python3 -c "$0"`, touchScript(work.touchBytes)], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let err = '';
          child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
          const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
          child.once('error', (e) => reject(new WorkloadError(`swap self-test: ${e.message}`, { cause: e })));
          child.once('close', (code, signal) => {
            clearTimeout(timer);
            if (code === 0) resolve();
            else {
              let events = '';
              try {
                events = readFileSync(join(cgroup, 'memory.events'), 'utf8').trim().replace(/\n/g, ', ');
              } catch {
                // the cgroup is gone: nothing more to say
              }
              reject(new WorkloadError(`swap self-test: the memory toucher ended with ${signal ?? code} (cgroup memory.events: ${events}): ${err.trim()}`));
            }
          });
        }),
    );
    return new Map(movement);
  } finally {
    await undo.run();
  }
}

export const swapSelfTest: SelfTest = {
  description: 'a swap area on a loop device and a process touching 24 MiB over a 12 MiB memory.high, twice',
  async run(context) {
    const movement = await runSwapWorkload(context);
    return { movement, expectations: swapExpectations() };
  },
};
