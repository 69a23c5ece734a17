/**
 * The agent: starts the enabled collectors, runs the heartbeat that collects
 * each one every `update every` seconds, hands every tick to the outputs, and
 * closes everything it started.
 */
import { closeObjects, trimHeap, type Loader } from '@ebpf-collectors/loader-native';
import { AttachError, OutputClosedError } from './errors.js';
import { InternalCharts } from './internal-charts.js';
import { childLogger } from './logger.js';
import type {
  AttachReport,
  CollectorConfig,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
  GroupAccumulator,
  Logger,
  Output,
  OutputFrame,
  ProcessGrouping,
} from './types.js';
import { monotonicMs } from './monotonic.js';

/** A process grouping that can refresh itself from /proc. */
export interface GroupingSource extends ProcessGrouping {
  /** Rescan processes (Netdata does it every 10 s). */
  scan(): void;
  /** A process exited (learned from a BPF event): expire it sooner. */
  noteExit?(pid: number): void;
  /** Processes tracked and left out at the last scan (a full table): charted in `netdata.ebpf_pid_table`. */
  stats?(): { readonly tracked: number; readonly dropped: number };
  /**
   * Load what it lists processes with (the PID table's BPF task iterator),
   * while the agent still holds the privileges to load; never throws.
   */
  open?(loader: Loader): Promise<void>;
  /** Release what `open` loaded. */
  close?(): void;
}

/** Time source, injectable so the scheduler can be tested without waiting. */
export interface AgentClock {
  /** Wall clock, ms since the epoch. */
  now(): number;
  /** Monotonic clock, ms from any origin (`monotonicMs()`). Default: `now()`. */
  monotonic?(): number;
  /** Resolve after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Options of {@link createAgent}. */
export interface AgentOptions {
  /** Collector packages available (installed). */
  collectors: ReadonlyArray<CollectorDefinition>;
  /** Resolved configuration per collector name; collectors absent here or with `enabled: false` are not started. */
  configs: ReadonlyMap<string, CollectorConfig>;
  outputs: ReadonlyArray<Output>;
  loader: Loader;
  logger: Logger;
  grouping: GroupingSource;
  /** Builds per-group accumulators (core's `createGroupAccumulator` bound to `grouping`). */
  createAccumulator(by: 'app' | 'cgroup' | 'service', lanes: number): GroupAccumulator;
  /** Seconds between process rescans. Default 10. */
  scanEvery?: number;
  /**
   * Seconds between trims of the C heap (glibc's malloc_trim: freed pages back
   * to the kernel), besides the one when loading ends; 0 = only that one.
   * Default 60: V8's compiler and garbage collector leave freed pages
   * resident in malloc's heap, and a trim costs well under a millisecond.
   */
  trimHeapEvery?: number;
  /**
   * The plugin's own `netdata.ebpf_*` charts every `updateEvery` seconds
   * (collector name {@link INTERNAL_COLLECTOR} in output frames). Default: none.
   */
  internalCharts?: { updateEvery: number };
  clock?: AgentClock;
}

/** A collector that failed to start, and why. */
export interface FailedCollector {
  name: string;
  error: Error;
  report?: AttachReport;
}

/** Outcome of {@link Agent.start}. */
export interface AgentStartResult {
  running: ReadonlyArray<{ name: string; instance: CollectorInstance; config: CollectorConfig }>;
  failed: ReadonlyArray<FailedCollector>;
  /** Reports of every collector that was tried, in start order. */
  reports: ReadonlyArray<AttachReport>;
}

/** Why {@link Agent.run} returned. */
export type AgentStopReason = 'signal' | 'output-closed' | 'no-collectors';

/** A running set of collectors and outputs. */
export interface Agent extends AsyncDisposable {
  /**
   * Load and attach every enabled collector. Failures are logged and reported; the others keep going.
   * When `signal` aborts, loading stops at the next step (what was attached is closed by `close()`).
   */
  start(signal?: AbortSignal): Promise<AgentStartResult>;
  /**
   * Run the heartbeat until `signal` aborts or an output closes. May be
   * called while {@link Agent.start} is still loading: the first tick then
   * comes as soon as the first collector runs (charts appear without waiting
   * for the slowest collector), and each collector that attaches later is
   * collected from the next tick on. Returns `'no-collectors'` when none is
   * running once loading is over.
   */
  run(signal?: AbortSignal): Promise<AgentStopReason>;
  /** Collect the collectors due at `second` (epoch seconds) and write one frame to the outputs. For tests and tools. */
  tick(second: number): Promise<void>;
  /** Detach every collector and close the outputs. Idempotent. */
  close(): Promise<void>;
}

const systemClock: AgentClock = {
  now: () => Date.now(),
  monotonic: monotonicMs,
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

interface Running {
  name: string;
  instance: CollectorInstance;
  config: CollectorConfig;
  /** Consecutive failed collections, to keep logs quiet while a collector is broken. */
  failures: number;
  /** First second of its next collection; undefined until the first. */
  nextDue?: number;
}

/**
 * Whether a schedule is due at `second`, advancing it when it is. The first
 * collection is the first tick after start (charts appear within a second
 * of attaching, not up to `update every` later); each next one comes
 * `every` seconds after the previous, so every interval is a whole one.
 */
function due(schedule: { nextDue?: number }, every: number, second: number): boolean {
  if (schedule.nextDue !== undefined && second < schedule.nextDue) return false;
  schedule.nextDue = second + every;
  return true;
}

/** The collector name the internal charts' frames carry. */
export const INTERNAL_COLLECTOR = 'ebpf.plugin';

/** Create an agent. Nothing is loaded until {@link Agent.start}. */
export function createAgent(options: AgentOptions): Agent {
  const clock = options.clock ?? systemClock;
  const scanEvery = options.scanEvery ?? 10;
  const trimHeapEvery = options.trimHeapEvery ?? 60;
  let lastTrim = -Infinity;
  const logger = options.logger;
  const stopper = new AbortController();
  const running: Running[] = [];
  let lastScan = -Infinity;
  let closed = false;
  let enabled = 0;
  const internal = options.internalCharts ? new InternalCharts(options.internalCharts.updateEvery) : undefined;
  const internalSchedule: { nextDue?: number } = {};
  /** While start() loads: settles when the first collector runs or loading ends, whichever comes first. */
  let starting: Promise<unknown> | undefined;
  let firstRunning: (() => void) | undefined;

  async function startOne(definition: CollectorDefinition, config: CollectorConfig): Promise<Running> {
    const log = childLogger(logger, definition.name);
    const instance = await definition.start({
      config,
      loader: options.loader,
      logger: log,
      grouping: options.grouping,
      createAccumulator: options.createAccumulator,
      ...(options.grouping.noteExit ? { notifyExit: (pid: number) => options.grouping.noteExit?.(pid) } : {}),
      signal: stopper.signal,
    });
    return { name: definition.name, instance, config, failures: 0 };
  }

  async function start(signal?: AbortSignal): Promise<AgentStartResult> {
    const failed: FailedCollector[] = [];
    const reports: AttachReport[] = [];
    // A stop asked for while loading ends the loading: the collector being loaded
    // gives up at its next step, the rest are not tried, and run() returns at once.
    const onAbort = () => stopper.abort(signal?.reason);
    if (signal?.aborted) stopper.abort(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const all = startAll(failed, reports);
    starting = Promise.race([all, new Promise<void>((resolve) => (firstRunning = resolve))]).catch(() => undefined);
    try {
      return await all;
    } finally {
      firstRunning?.();
      starting = undefined;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function startAll(failed: FailedCollector[], reports: AttachReport[]): Promise<AgentStartResult> {
    // The grouping must know processes before the first apps charts are built.
    scanProcesses(Math.floor(clock.now() / 1000));
    for (const definition of options.collectors) {
      const config = options.configs.get(definition.name);
      if (!config?.enabled) continue;
      if (stopper.signal.aborted) break;
      enabled++;
      try {
        const started = await startOne(definition, config);
        running.push(started);
        firstRunning?.();
        reports.push(started.instance.report);
        const tried = started.instance.report.attempts
          .filter((a) => !a.ok)
          .map((a) => `${a.mode}: ${a.reason ?? 'failed'}`);
        logger.info(
          `${definition.name}: running in ${started.instance.attachMode} mode, every ${config.updateEvery}s` +
            (tried.length ? ` (not used: ${tried.join('; ')})` : ''),
        );
      } catch (error) {
        if (stopper.signal.aborted) break;
        const err = error instanceof Error ? error : new Error(String(error));
        const report = error instanceof AttachError ? error.report : undefined;
        if (report) reports.push(report);
        failed.push({ name: definition.name, error: err, ...(report ? { report } : {}) });
        logger.error(`${definition.name}: not started: ${err.message}`);
      }
    }
    // After the collectors, not beside them: each load parses the kernel's BTF (about 15 MB for a
    // moment), and two at once raised the plugin's peak memory. Scans read /proc until then.
    if (!stopper.signal.aborted) await options.grouping.open?.(options.loader);
    // Loading is over: the pages of those parses are free but still resident in the C heap
    // (about 2.5 MiB of the plugin's steady RSS, bench/README.md issue 12); give them back.
    trimHeap();
    return {
      running: running.map(({ name, instance, config }) => ({ name, instance, config })),
      failed,
      reports,
    };
  }

  function scanProcesses(second: number) {
    if (second - lastScan < scanEvery) return;
    lastScan = second;
    try {
      options.grouping.scan();
    } catch (error) {
      logger.warn(`process scan failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function collectOne(entry: Running): Promise<CollectorFrame | undefined> {
    try {
      const frame = await entry.instance.collect();
      if (entry.failures > 0) logger.info(`${entry.name}: collecting again after ${entry.failures} failure(s)`);
      entry.failures = 0;
      return frame;
    } catch (error) {
      entry.failures++;
      // Log the first failure and then every 60th, so a broken map read cannot flood Netdata's error.log.
      if (entry.failures === 1 || entry.failures % 60 === 0) {
        logger.error(
          `${entry.name}: collection failed (${entry.failures}x): ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return undefined;
    }
  }

  async function tick(second: number): Promise<void> {
    scanProcesses(second);
    const frames: Array<{ collector: string; frame: CollectorFrame }> = [];
    for (const entry of running) {
      if (!due(entry, entry.config.updateEvery, second)) continue;
      const frame = await collectOne(entry);
      if (frame) frames.push({ collector: entry.name, frame });
    }
    if (internal && running.length > 0 && due(internalSchedule, internal.updateEvery, second)) {
      frames.push({
        collector: INTERNAL_COLLECTOR,
        frame: internal.frame({
          enabled,
          running: running.map((r) => ({ config: r.config, instance: r.instance, healthy: r.failures === 0 })),
          ...(options.grouping.stats ? { pidTable: options.grouping.stats() } : {}),
        }),
      });
    }
    if (frames.length > 0) {
      const outputFrame: OutputFrame = { timeMs: clock.monotonic ? clock.monotonic() : clock.now(), wallTimeMs: second * 1000, frames };
      for (const output of options.outputs) await output.write(outputFrame);
    }
    // After the output, so that it never waits for the trim.
    if (trimHeapEvery > 0 && second - lastTrim >= trimHeapEvery) {
      if (lastTrim !== -Infinity) trimHeap();
      lastTrim = second;
    }
  }

  async function run(signal?: AbortSignal): Promise<AgentStopReason> {
    if (starting) await starting;
    if (running.length === 0) return 'no-collectors';
    const onAbort = () => stopper.abort();
    // Aborted while start() was still loading (a short --duration): 'abort' will not fire again.
    if (signal?.aborted) stopper.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // The first tick is the current second, at once: charts appear as soon as
      // collectors are attached. Later ticks fall on whole wall-clock seconds.
      let next = Math.floor(clock.now() / 1000);
      while (!stopper.signal.aborted) {
        await clock.sleep(Math.max(0, next * 1000 - clock.now()), stopper.signal);
        if (stopper.signal.aborted) break;
        try {
          await tick(next);
        } catch (error) {
          if (error instanceof OutputClosedError) return 'output-closed';
          throw error;
        }
        // Skip beats we slept through rather than bursting to catch up.
        next = Math.max(next + 1, Math.floor(clock.now() / 1000) + 1);
      }
      return 'signal';
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    stopper.abort();
    const entries = running.splice(0);
    // Every collector's links detach together first: each tracepoint detach
    // waits for RCU grace periods in the kernel, and one by one they added
    // up to seconds. Each instance then closes as usual (closing is idempotent).
    try {
      closeObjects(entries.flatMap((entry) => entry.instance.bpfObjects?.() ?? []));
    } catch (error) {
      logger.warn(`detaching every collector at once failed, closing one by one: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const entry of entries) {
      try {
        entry.instance.close();
      } catch (error) {
        logger.error(`${entry.name}: close failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    options.grouping.close?.();
    for (const output of options.outputs) {
      try {
        await output.close();
      } catch (error) {
        if (!(error instanceof OutputClosedError)) {
          logger.warn(`output ${output.name}: close failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  return { start, run, tick, close, [Symbol.asyncDispose]: close };
}
