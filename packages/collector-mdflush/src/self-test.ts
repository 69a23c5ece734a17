/**
 * The mdflush collector's own workload: an md RAID1 of two loop devices
 * (mdadm, `--assume-clean` so no resync runs), K one-block writes each
 * followed by fsync(2) on the array's block device (every fsync of a block
 * device sends it a flush), then the array stopped and everything undone.
 */
import { existsSync } from 'node:fs';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { execFileAsync, WorkloadError } from '@ebpf-collectors/core';
import { CHART } from './metrics.js';

const run = execFileAsync;
const TIMEOUT_MS = 120_000;

/** fsyncs at scale 1; each sends the array at least one flush. */
export const FSYNCS = 40;
/** Size of each member's image. */
const MEMBER_BYTES = 16 * 2 ** 20;

export function scaleFsyncs(scale: number): number {
  return Math.max(10, Math.round(FSYNCS * scale));
}

export function mdflushExpectations(array: string, fsyncs: number): SelfTestExpectation[] {
  return [
    {
      chart: `${CHART.type}.${CHART.id}`,
      dimension: array,
      atLeast: BigInt(fsyncs),
      why: `${fsyncs} fsync(2) calls on /dev/${array} (RAID1 of two loop devices)`,
    },
  ];
}

/** The first `md<N>` (N from 100) the kernel does not have yet. */
function freeArrayName(): string {
  for (let n = 100; n < 127; n++) if (!existsSync(`/sys/block/md${n}`)) return `md${n}`;
  throw new WorkloadError('mdflush self-test: md100-md126 are all taken');
}

function hasTool(tool: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => dir && existsSync(join(dir, tool)));
}

async function runMdflushSelfTest(context: SelfTestContext) {
  for (const tool of ['mdadm', 'losetup']) {
    if (!hasTool(tool)) throw new WorkloadError(`mdflush self-test: ${tool} is not installed (Debian: apt-get install ${tool === 'mdadm' ? 'mdadm' : 'util-linux'})`, { code: 'ENOENT' });
  }
  const fsyncs = scaleFsyncs(context.scale);
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const base = await mkdtemp(join(context.scratchDir, 'md-'));
    undo.push(() => rm(base, { recursive: true, force: true }));
    const members: string[] = [];
    for (const part of ['a', 'b']) {
      const image = join(base, `${part}.img`);
      await writeFile(image, '');
      await truncate(image, MEMBER_BYTES);
      const device = (await run('losetup', ['--find', '--show', image], { timeout: TIMEOUT_MS })).stdout.trim();
      undo.push(() => run('losetup', ['-d', device], { timeout: TIMEOUT_MS }));
      members.push(device);
    }
    const array = freeArrayName();
    const node = `/dev/${array}`;
    await run(
      'mdadm',
      ['--create', node, '--run', '--quiet', '--level=1', '--raid-devices=2', '--metadata=1.2', '--assume-clean', '--homehost=any', ...members],
      { timeout: TIMEOUT_MS },
    ).catch((error: Error & { stderr?: string }) => {
      throw new WorkloadError(`mdflush self-test: mdadm --create ${node} failed: ${(error.stderr || error.message).trim()}`, { cause: error });
    });
    undo.push(async () => {
      await run('mdadm', ['--stop', node], { timeout: TIMEOUT_MS });
      for (const m of members) await run('mdadm', ['--zero-superblock', m], { timeout: TIMEOUT_MS }).catch(() => undefined);
    });
    const block = Buffer.alloc(4096, 0x5a);
    const movement = await context.measure(async () => {
      const fd = openSync(node, 'r+');
      try {
        for (let i = 0; i < fsyncs; i++) {
          writeSync(fd, block, 0, block.length, i * block.length);
          fsyncSync(fd);
        }
      } finally {
        closeSync(fd);
      }
    });
    return { movement, expectations: mdflushExpectations(array, fsyncs) };
  } finally {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  }
}

export const mdflushSelfTest: SelfTest = {
  description: 'an md RAID1 of two loop devices (mdadm) and fsync(2) calls on it',
  run: runMdflushSelfTest,
};
