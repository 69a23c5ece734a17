/**
 * The disk collector's self-test: direct I/O on a fresh loop device, and
 * the requests its `disk_latency_io.<loopN>` chart must count.
 */
import type { ChartMovement, SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { histogramDimensionNames } from './histogram.js';
import { CHART_TYPE_ID } from './metrics.js';
import { IO_BLOCK, attachLoop, detachLoop, directIo, type LoopDevice } from './workload.js';

/** Direct writes and reads at scale 1 (a quarter in the VM lane). */
export const DISK_WRITES = 64;
export const DISK_READS = 64;

/** The pseudo-dimension of a disk chart a self-test checks: the sum of its 24 bins. */
export const ALL_BINS = 'all bins';

/** `n * scale`, rounded, at least 1. */
export function scaleCount(n: number, scale: number): number {
  return Math.max(1, Math.round(n * scale));
}

/** The movement plus, per `disk_latency_io` chart, the sum of its bins as `<chart>.all bins`. */
// KIT-CANDIDATE: a SelfTestExpectation bounds one dimension; a histogram's
// requests land in whichever bins their latency falls in, so the bound is on
// the sum of all of them. Core's expectations could take a list of dimensions.
export function withBinSums(movement: ChartMovement): Map<string, bigint> {
  const out = new Map(movement);
  const dims = histogramDimensionNames();
  const charts = new Set([...movement.keys()].filter((k) => k.startsWith(`${CHART_TYPE_ID}.`)).map((k) => k.split('.').slice(0, 2).join('.')));
  for (const chart of charts) out.set(`${chart}.${ALL_BINS}`, dims.reduce((sum, d) => sum + (movement.get(`${chart}.${d}`) ?? 0n), 0n));
  return out;
}

/** The lower bound on a loop device's chart. */
export function diskExpectations(loop: Pick<LoopDevice, 'name' | 'path'>, writes: number, reads: number): SelfTestExpectation[] {
  return [
    {
      chart: `${CHART_TYPE_ID}.${loop.name}`,
      dimension: ALL_BINS,
      atLeast: BigInt(writes + reads),
      why: `${writes} direct writes + ${reads} direct reads of ${IO_BLOCK} B on ${loop.path}, one request each at least (sum of the 24 bins)`,
    },
  ];
}

/** `--self-test`: direct I/O on a new loop device; its latency chart must count every request. */
export const diskSelfTest: SelfTest = {
  description: 'dd writes and reads a new loop device with O_DIRECT, 4 KiB at a time; its disk_latency_io chart must count each request',
  async run(context: SelfTestContext) {
    const writes = scaleCount(DISK_WRITES, context.scale);
    const reads = scaleCount(DISK_READS, context.scale);
    let loop: LoopDevice | undefined;
    try {
      loop = attachLoop(context.scratchDir);
      const device = loop;
      const movement = await context.measure(async () => directIo(device, writes, reads));
      return { movement: withBinSums(movement), expectations: diskExpectations(device, writes, reads) };
    } finally {
      if (loop !== undefined) detachLoop(loop);
    }
  },
};
