/**
 * Self-tests of the hardirq and softirq collectors (`ebpf.plugin
 * --self-test`, the VM lane's attach-mode matrix, and this package's kernel
 * test, which runs them and adds stronger checks).
 *
 * The charts carry cumulative microseconds of handler time, so each bound is
 * "at least 1 µs moved" on a dimension the workload must have made busy.
 * Which device line and which IPI vector that is depends on the machine, so
 * it is chosen from the kernel's own counters (`/proc/interrupts`) read
 * around the workload; the collector must then show time on that dimension.
 * These threads have no apps charts and no return side (`ebpf load mode`
 * changes nothing), so entry and return mode expect the same.
 */
import { readFile } from 'node:fs/promises';
import type { ChartMovement, SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { lineDimensionId } from './charts.js';
import { WorkloadError } from './errors.js';
import { irqLineNames, parseInterrupts, type InterruptsTable } from './interrupts.js';
import { HARDIRQ_CHART, SOFTIRQ_CHART, type HardirqVectorDimension } from './metrics.js';
import { fsyncFiles, loopbackTransfer, pingPong, rereadFile, type LoopbackTransfer } from './workloads.js';

const HARDIRQ = `${HARDIRQ_CHART.type}.${HARDIRQ_CHART.id}`;
const SOFTIRQ = `${SOFTIRQ_CHART.type}.${SOFTIRQ_CHART.id}`;

/** The smallest movement that shows a dimension was charged: 1 µs (values are whole microseconds). */
const ONE_MICROSECOND = 1n;

/** `n * scale`, rounded, and never below `min` (a workload of nothing proves nothing). */
function scaled(n: number, scale: number, min: number): number {
  return Math.max(min, Math.round(n * scale));
}

// ---------------------------------------------------------------------------
// hardirq
// ---------------------------------------------------------------------------

/** How much the hardirq workload does. */
export interface HardirqWorkloadSize {
  /** 64 KiB writes, each fsync'd: device interrupts where the scratch dir is on a disk. */
  readonly fsyncs: number;
  /** Reads of one file: device interrupts where the filesystem does not cache (9p in the VM lane). */
  readonly rereads: number;
  /** Cross-thread token hand-overs: IPIs. */
  readonly pingPongs: number;
}

/** The hardirq workload at `scale` (1 on a normal machine). */
export function hardirqWorkloadSize(scale: number): HardirqWorkloadSize {
  return { fsyncs: scaled(40, scale, 4), rereads: scaled(16, scale, 4), pingPongs: scaled(1000, scale, 50) };
}

/** What a hardirq workload did, with the kernel's counters just before and after it. */
export interface HardirqWorkloadRun extends HardirqWorkloadSize {
  readonly before: InterruptsTable;
  readonly after: InterruptsTable;
}

/** Where the hardirq workload writes and what it re-reads. */
export interface HardirqWorkloadPlaces {
  /** A directory on a real filesystem when there is one (the self-test's scratch dir). */
  readonly scratchDir: string;
  /** A file to re-read (the collector's object file). */
  readonly rereadPath: string;
  /** Where to read the kernel's counters. Default `/proc/interrupts`. */
  readonly interruptsPath?: string;
}

/**
 * fsyncs, re-reads, then ping-pongs, with `/proc/interrupts` read just
 * before and after.
 *
 * @throws WorkloadError when a part of it fails (a worker dies)
 * @throws SyntaxError when `/proc/interrupts` cannot be parsed
 */
export async function runHardirqWorkload(size: HardirqWorkloadSize, places: HardirqWorkloadPlaces): Promise<HardirqWorkloadRun> {
  const path = places.interruptsPath ?? '/proc/interrupts';
  const before = parseInterrupts(await readFile(path, 'utf8'));
  await fsyncFiles(places.scratchDir, size.fsyncs);
  await rereadFile(places.rereadPath, size.rereads);
  await pingPong(size.pingPongs);
  const after = parseInterrupts(await readFile(path, 'utf8'));
  return { ...size, before, after };
}

/** How much each `/proc/interrupts` line (by its first column) grew between two reads. */
function growth(before: InterruptsTable, after: InterruptsTable): Map<string, number> {
  const start = new Map(before.lines.map((l) => [l.id, l.total]));
  return new Map(after.lines.map((l) => [l.id, l.total - (start.get(l.id) ?? 0)]));
}

/** The numbered line with handlers that the kernel counted most interrupts on, if any fired. */
function busiestLine(run: HardirqWorkloadRun): { irq: number; name: string; interrupts: number } | undefined {
  const grew = growth(run.before, run.after);
  const names = irqLineNames(run.after);
  let best: { irq: number; name: string; interrupts: number } | undefined;
  for (const [irq, name] of names) {
    const interrupts = grew.get(String(irq)) ?? 0;
    if (interrupts > 0 && (best === undefined || interrupts > best.interrupts)) best = { irq, name, interrupts };
  }
  return best;
}

/**
 * The lower bounds a hardirq workload must meet:
 * - `local_timer` (x86, where `/proc/interrupts` has `LOC`);
 * - the IPI vector the ping-pongs used: `reschedule` when the kernel counted
 *   more `RES` than `CAL` IPIs, else whichever of `func_call` and
 *   `func_call_single` (both counted as `CAL`) took more time;
 * - the device line the kernel counted most interrupts on (the disk's for
 *   the fsyncs, the virtio queue's for uncached reads), when one fired.
 */
export function hardirqExpectations(movement: ChartMovement, run: HardirqWorkloadRun): SelfTestExpectation[] {
  const expectations: SelfTestExpectation[] = [];
  const grew = growth(run.before, run.after);
  const at = (dimension: string, why: string): SelfTestExpectation => ({ chart: HARDIRQ, dimension, atLeast: ONE_MICROSECOND, why });
  if (grew.has('LOC')) {
    expectations.push(at('local_timer', `${grew.get('LOC')} local timer interrupts (LOC) during the workload`));
    const res = grew.get('RES') ?? 0;
    const cal = grew.get('CAL') ?? 0;
    const moved = (dimension: HardirqVectorDimension) => movement.get(`${HARDIRQ}.${dimension}`) ?? 0n;
    const ipi: HardirqVectorDimension =
      res > cal ? 'reschedule' : moved('func_call') > moved('func_call_single') ? 'func_call' : 'func_call_single';
    expectations.push(at(ipi, `${run.pingPongs} cross-CPU ping-pongs: the kernel counted ${res} RES and ${cal} CAL IPIs`));
  }
  const line = busiestLine(run);
  if (line !== undefined) {
    expectations.push(
      at(
        lineDimensionId(line.name, line.irq),
        `${run.fsyncs} fsyncs and ${run.rereads} file reads: the kernel counted ${line.interrupts} interrupts on IRQ ${line.irq}`,
      ),
    );
  }
  return expectations;
}

/**
 * The hardirq self-test: fsyncs in the scratch dir, re-reads of `rereadPath`,
 * cross-CPU ping-pongs; see {@link hardirqExpectations} for the bounds.
 */
export function createHardirqSelfTest(options: { rereadPath: string; interruptsPath?: string }): SelfTest {
  return {
    description: 'fsyncs, uncached file reads and cross-CPU thread ping-pongs: local timer, IPI and device-line handler time',
    async run(context: SelfTestContext) {
      const size = hardirqWorkloadSize(context.scale);
      const runs: HardirqWorkloadRun[] = [];
      const movement = await context.measure(async () => {
        runs.push(await runHardirqWorkload(size, { scratchDir: context.scratchDir, ...options }));
      });
      const run = runs[0];
      if (run === undefined) throw new WorkloadError('hardirq: measure() did not run the workload');
      if (busiestLine(run) === undefined) {
        context.logger.info('hardirq self-test: no device line fired during the workload (scratch dir on tmpfs and files cached?), so no line is checked');
      }
      return { movement, expectations: hardirqExpectations(movement, run) };
    },
  };
}

// ---------------------------------------------------------------------------
// softirq
// ---------------------------------------------------------------------------

/** How much the softirq workload does. */
export interface SoftirqWorkloadSize {
  /** Bytes sent over loopback TCP. */
  readonly tcpBytes: number;
}

/** The softirq workload at `scale` (1 on a normal machine). */
export function softirqWorkloadSize(scale: number): SoftirqWorkloadSize {
  return { tcpBytes: scaled(32 * 1024 * 1024, scale, 1024 * 1024) };
}

/** What a softirq workload did. */
export interface SoftirqWorkloadRun extends SoftirqWorkloadSize {
  readonly transfer: LoopbackTransfer;
}

/**
 * A loopback TCP transfer of `size.tcpBytes`.
 *
 * @throws WorkloadError when the transfer fails or falls short
 */
export async function runSoftirqWorkload(size: SoftirqWorkloadSize): Promise<SoftirqWorkloadRun> {
  return { ...size, transfer: await loopbackTransfer(size.tcpBytes) };
}

/**
 * The lower bound a softirq workload must meet: `NET_RX` (loopback delivers
 * every packet through the receive softirq). `NET_TX` gets none: loopback
 * has no queue to drain and frees no buffers from hardware interrupts, the
 * two things that raise it.
 */
export function softirqExpectations(run: SoftirqWorkloadRun): SelfTestExpectation[] {
  return [
    {
      chart: SOFTIRQ,
      dimension: 'NET_RX',
      atLeast: ONE_MICROSECOND,
      why: `${run.tcpBytes} bytes over loopback TCP (${run.transfer.namespace} network namespace)`,
    },
  ];
}

/** The softirq self-test: a loopback TCP transfer; see {@link softirqExpectations}. */
export function createSoftirqSelfTest(): SelfTest {
  return {
    description: 'a loopback TCP transfer: NET_RX softirq time',
    async run(context: SelfTestContext) {
      const size = softirqWorkloadSize(context.scale);
      const runs: SoftirqWorkloadRun[] = [];
      const movement = await context.measure(async () => {
        runs.push(await runSoftirqWorkload(size));
      });
      const run = runs[0];
      if (run === undefined) throw new WorkloadError('softirq: measure() did not run the workload');
      return { movement, expectations: softirqExpectations(run) };
    },
  };
}
