/**
 * Self-tests: a collector generates a workload of its own and says how much
 * its charts must move because of it. The same code checks a collector in
 * the host kernel tests, in every attach mode inside the VM lane, and on a
 * user's machine (`ebpf.plugin --self-test`).
 */
import { writeFileSync } from 'node:fs';
import type { GroupingSource } from './agent.js';
import type {
  AttachMode,
  ChartValues,
  CollectorConfig,
  CollectorFrame,
  CollectorInstance,
  Logger,
} from './types.js';
import { chartKey } from './types.js';

/** How much each `chart.dimension` moved: summed per-interval values (absolute) or last minus first (incremental). */
export type ChartMovement = ReadonlyMap<string, bigint>;

/** One lower bound a workload must cause. */
export interface SelfTestExpectation {
  /** Full chart id, e.g. `system.process_thread`. */
  chart: string;
  /** Dimension id. */
  dimension: string;
  /** The dimension must move by at least this much. */
  atLeast: bigint;
  /** What the workload did, for the report. */
  why: string;
}

/** An expectation with what was seen. */
export interface SelfTestCheck extends SelfTestExpectation {
  seen: bigint;
  ok: boolean;
}

/** What a self-test gets to work with. */
export interface SelfTestContext {
  readonly instance: CollectorInstance;
  readonly config: CollectorConfig;
  readonly grouping: GroupingSource;
  readonly logger: Logger;
  /** A scratch directory on a real (non-tmpfs when possible) filesystem, removed afterwards. */
  readonly scratchDir: string;
  /**
   * Workload size factor: 1 on a normal machine; the VM lane passes less,
   * because emulation makes process-heavy JavaScript slow. Bounds scale with it.
   */
  readonly scale: number;
  /**
   * Collect once (baseline), run `workload`, wait for the kernel to settle,
   * rescan processes, collect twice more (the second read catches late
   * events such as RCU-deferred task releases), and return how much each
   * dimension moved in between.
   *
   * With `until`, keep collecting (every half second, for a bounded time)
   * while it says the movement is not complete yet: events the kernel
   * reports late, such as task releases behind lazy RCU callbacks, which can
   * wait up to ten seconds on an idle machine. The bounds stay lower bounds:
   * this only waits longer for them, and the time is bounded.
   */
  measure(workload: () => Promise<void>, until?: (movement: ChartMovement) => boolean): Promise<ChartMovement>;
}

/** A collector's self-test. */
export interface SelfTest {
  /** One line: what the workload does. */
  readonly description: string;
  /** Run the workload through `context.measure` and return the lower bounds it must meet. */
  run(context: SelfTestContext): Promise<{ movement: ChartMovement; expectations: SelfTestExpectation[] }>;
}

/**
 * Thrown by a self-test when this machine cannot host its workload (no
 * watched filesystem to write to, no loopback): the result is a skip with
 * the reason, not a failure of the collector.
 */
export class SelfTestSkipped extends Error {
  readonly code: string = 'ESELFTESTSKIP';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SelfTestSkipped';
  }
}

/** Outcome of one collector's self-test. */
export interface SelfTestResult {
  collector: string;
  mode: AttachMode;
  loadMode: CollectorConfig['loadMode'];
  ok: boolean;
  /** Why the self-test could not run here (see {@link SelfTestSkipped}); `ok` is then true and `checks` empty. */
  skipped?: string;
  checks: SelfTestCheck[];
  /** Set when the self-test itself failed to run. */
  error?: string;
  durationMs: number;
}

/** Accumulates the movement of every dimension over a series of frames after a baseline frame. */
export function chartMovement(baseline: CollectorFrame, after: ReadonlyArray<CollectorFrame>): ChartMovement {
  const first = new Map<string, bigint>();
  for (const c of baseline.charts) {
    for (const [dim, value] of c.values) first.set(`${chartKey(c.chart)}.${dim}`, value);
  }
  const moved = new Map<string, bigint>();
  const last = new Map<string, { value: bigint; incremental: boolean }>();
  for (const frame of after) {
    for (const c of frame.charts) addFrameChart(c, moved, last);
  }
  for (const [key, { value, incremental }] of last) {
    if (incremental) moved.set(key, value - (first.get(key) ?? 0n));
  }
  return moved;
}

function addFrameChart(
  c: ChartValues,
  moved: Map<string, bigint>,
  last: Map<string, { value: bigint; incremental: boolean }>,
): void {
  const algorithms = new Map(c.chart.dimensions.map((d) => [d.id, d.algorithm]));
  for (const [dim, value] of c.values) {
    const key = `${chartKey(c.chart)}.${dim}`;
    const incremental = algorithms.get(dim)?.includes('incremental') ?? false;
    if (incremental) last.set(key, { value, incremental });
    else moved.set(key, (moved.get(key) ?? 0n) + value);
  }
}

/** Compare a movement with the expectations. */
export function checkExpectations(movement: ChartMovement, expectations: ReadonlyArray<SelfTestExpectation>): SelfTestCheck[] {
  return expectations.map((e) => {
    const seen = movement.get(`${e.chart}.${e.dimension}`) ?? 0n;
    return { ...e, seen, ok: seen >= e.atLeast };
  });
}

/** Options of {@link createMeasure}. */
export interface MeasureOptions {
  instance: CollectorInstance;
  grouping: GroupingSource;
  /** Time for in-flight events (softirqs, socket teardown) to land before the first read after the workload. Default 300 ms. */
  settleMs?: number;
  /**
   * Wait before a second read that catches what lands later still: a task's
   * release is reported after an RCU grace period, which under load takes
   * hundreds of milliseconds. Default 700 ms.
   */
  lateMs?: number;
  /** How long `until` may keep the measurement going after the late read. Default 12 s (lazy RCU holds callbacks up to 10 s). */
  patienceMs?: number;
  /** Between two reads while waiting for `until`. Default 500 ms. */
  pollMs?: number;
  /** The `do_rcu_barrier` parameter written before each extra read; default {@link RCU_BARRIER_PARAMETER}. */
  rcuBarrier?: string;
}

/** Where Linux 6.x lets root run `rcu_barrier()`: every queued RCU callback (task frees among them) runs before the write returns. */
export const RCU_BARRIER_PARAMETER = '/sys/module/rcutree/parameters/do_rcu_barrier';

/** Best effort: a kernel without the parameter, or no permission, leaves the callbacks to their own pace. */
function flushRcuCallbacks(path = RCU_BARRIER_PARAMETER): void {
  try {
    writeFileSync(path, '1');
  } catch {
    // not there or not writable: waiting (the poll) is all that is left
  }
}

/** The `measure` of a {@link SelfTestContext}: baseline, workload, settle, rescan, read. */
export function createMeasure(options: MeasureOptions): SelfTestContext['measure'] {
  const settleMs = options.settleMs ?? 300;
  const lateMs = options.lateMs ?? 700;
  const patienceMs = options.patienceMs ?? 12_000;
  const pollMs = options.pollMs ?? 500;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return async (workload, until) => {
    options.grouping.scan();
    const baseline = await options.instance.collect();
    await workload();
    await sleep(settleMs);
    // Processes the workload started must be known to the grouping before per-app values are summed.
    options.grouping.scan();
    const frames = [await options.instance.collect()];
    await sleep(lateMs);
    frames.push(await options.instance.collect());
    let movement = chartMovement(baseline, frames);
    const deadline = Date.now() + patienceMs;
    while (until !== undefined && !until(movement) && Date.now() < deadline) {
      flushRcuCallbacks(options.rcuBarrier);
      await sleep(pollMs);
      frames.push(await options.instance.collect());
      movement = chartMovement(baseline, frames);
    }
    return movement;
  };
}

/** Options of {@link runSelfTest}. */
export interface RunSelfTestOptions {
  name: string;
  selfTest: SelfTest;
  instance: CollectorInstance;
  config: CollectorConfig;
  grouping: GroupingSource;
  logger: Logger;
  scale?: number;
  /** Parent of the scratch directory. Default: the OS temp dir. */
  scratchParent?: string;
}

/** Run one collector's self-test against a started instance; never throws (a failure to run is a failed result). */
export async function runSelfTest(options: RunSelfTestOptions): Promise<SelfTestResult> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const started = Date.now();
  const scratchDir = await mkdtemp(join(options.scratchParent ?? tmpdir(), `ebpfc-selftest-${options.name}-`));
  const base = {
    collector: options.name,
    mode: options.instance.attachMode,
    loadMode: options.config.loadMode,
  };
  try {
    const { movement, expectations } = await options.selfTest.run({
      instance: options.instance,
      config: options.config,
      grouping: options.grouping,
      logger: options.logger,
      scratchDir,
      scale: options.scale ?? 1,
      measure: createMeasure({ instance: options.instance, grouping: options.grouping }),
    });
    const checks = checkExpectations(movement, expectations);
    return { ...base, ok: checks.length > 0 && checks.every((c) => c.ok), checks, durationMs: Date.now() - started };
  } catch (error) {
    if (error instanceof SelfTestSkipped) {
      return { ...base, ok: true, skipped: error.message, checks: [], durationMs: Date.now() - started };
    }
    return {
      ...base,
      ok: false,
      checks: [],
      error: error instanceof Error ? error.message : String(error),
      durationMs: Date.now() - started,
    };
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** A self-test result as a few human-readable lines. */
export function formatSelfTestResult(result: SelfTestResult): string {
  const verdict = result.skipped !== undefined ? 'SKIP' : result.ok ? 'PASS' : 'FAIL';
  const head = `${verdict} ${result.collector} ${result.mode} ${result.loadMode} (${result.durationMs} ms)`;
  if (result.skipped !== undefined) return `${head}\n  ${result.skipped}\n`;
  if (result.error) return `${head}\n  error: ${result.error}\n`;
  const lines = result.checks.map(
    (c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.chart} ${c.dimension}: ${c.seen} >= ${c.atLeast} (${c.why})`,
  );
  return `${head}\n${lines.join('\n')}\n`;
}
