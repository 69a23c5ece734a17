/**
 * The dcstat collector's own workload and the chart movements it must cause.
 *
 * In a fresh directory under the scratch directory: N files are created,
 * then stat(2) is called on each (every path component is a directory cache
 * reference), then M paths that do not exist are opened read-only (a
 * reference, then `d_lookup` finds nothing: a slow lookup and a miss) and
 * stat(2)ed (references again). Missing paths are opened rather than only
 * stat()ed because a path walk that misses the cache allocates the dentry
 * with `d_alloc_parallel`, not `d_lookup`, since Linux 4.7; `open` looks the
 * last component up with `d_lookup` first.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { WorkloadError } from '@ebpf-collectors/core';
import { HOST, TYPE_FILESYSTEM } from './metrics.js';

/** Existing paths stat()ed and missing paths opened, at scale 1. */
export const DC_WORKLOAD = { existing: 2000, missing: 1000 } as const;

export function scaleWorkload(scale: number): { existing: number; missing: number } {
  return {
    existing: Math.max(50, Math.round(DC_WORKLOAD.existing * scale)),
    missing: Math.max(50, Math.round(DC_WORKLOAD.missing * scale)),
  };
}

/** Lower bounds on `filesystem.dc_reference` for the workload. */
export function dcstatExpectations(work: { existing: number; missing: number }): SelfTestExpectation[] {
  const chart = `${TYPE_FILESYSTEM}.${HOST.reference.id}`;
  return [
    {
      chart,
      dimension: 'reference',
      atLeast: BigInt(work.existing + 2 * work.missing),
      why: `stat() of ${work.existing} existing paths, open() and stat() of ${work.missing} missing ones`,
    },
    { chart, dimension: 'slow', atLeast: BigInt(work.missing), why: `open() of ${work.missing} paths not in the directory cache` },
    { chart, dimension: 'miss', atLeast: BigInt(work.missing), why: `open() of ${work.missing} paths that do not exist` },
  ];
}

/** Run the workload (synchronously: it is short) in `dir`. */
export function runDcWorkload(dir: string, work: { existing: number; missing: number }): void {
  const existing = Array.from({ length: work.existing }, (_, i) => join(dir, `f${i}`));
  for (const path of existing) closeSync(openSync(path, 'w'));
  for (const path of existing) statSync(path);
  for (let i = 0; i < work.missing; i++) {
    const path = join(dir, `missing-${i}`);
    try {
      closeSync(openSync(path, 'r'));
      throw new WorkloadError(`dcstat self-test: ${path} exists`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (statSync(path, { throwIfNoEntry: false }) !== undefined) throw new WorkloadError(`dcstat self-test: ${path} exists`);
  }
}

export const dcstatSelfTest: SelfTest = {
  description: 'stat() of existing files, open() and stat() of missing ones, in a fresh directory',
  async run(context: SelfTestContext) {
    const work = scaleWorkload(context.scale);
    const dir = mkdtempSync(join(context.scratchDir, 'dc-'));
    try {
      const movement = await context.measure(async () => runDcWorkload(dir, work));
      return { movement, expectations: dcstatExpectations(work) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
