/**
 * The hardirq and softirq collectors: load bpf/hardirq.bpf.o or
 * bpf/softirq.bpf.o in one attach mode, read the latency maps every tick and
 * turn them into `system.hardirq_latency` and `system.softirq_latency`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type {
  AttachMode,
  ChartDefinition,
  CollectorContext,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
  Started,
} from '@ebpf-collectors/core';
import {
  ObjectInstance,
  attachFirstMode,
  defineCollector,
  loadAndAttach,
  shippedObjectPath,
  tracepointExists,
  type Attacher,
  type LoadPlan,
} from '@ebpf-collectors/core';
import type { BpfMap, BpfObject } from '@ebpf-collectors/core';
import { HardirqChartBuilder, SoftirqChartBuilder, decodeLatencyArray, decodeLatencyHash, firedLines } from './charts.js';
import { TracepointMissingError } from './errors.js';
import {
  HARDIRQ_GLOBAL,
  HARDIRQ_MAP,
  HARDIRQ_VECTOR_EVENTS,
  IMPLEMENTED_MODES,
  MAX_LINE_CAPACITY,
  MIN_LINE_CAPACITY,
  NAME_LEN,
  SOFTIRQ_MAP,
  hardirqLinePair,
  hardirqVectorPair,
  softirqPair,
  type HookPair,
  type ImplementedMode,
} from './internal-types.js';
import { maxIrq, parseInterrupts } from './interrupts.js';
import { HARDIRQ_MODULE, SOFTIRQ_MODULE } from './metrics.js';
import { IrqNameCache } from './names.js';
import { createHardirqSelfTest, createSoftirqSelfTest } from './self-test.js';
import type { HardirqCollectorOptions, SoftirqCollectorOptions } from './types.js';

/** How a family's program attaches: tp_btf to its load-time target, tracepoints by category/event. */
function attacher(mode: ImplementedMode, category: string, event: string): Attacher {
  return mode === 'trampoline' ? (p) => p.attachTrace() : (p) => p.attachTracepoint(category, event);
}

function addPair(programs: Map<string, Attacher>, mode: ImplementedMode, pair: HookPair): void {
  programs.set(pair.entryProgram, attacher(mode, pair.category, pair.entryEvent));
  programs.set(pair.exitProgram, attacher(mode, pair.category, pair.exitEvent));
}

/** Both events of a pair exist (a tp_btf program for a missing event fails to load; a tracepoint fails to attach). */
function pairExists(collector: string, pair: HookPair): boolean {
  return tracepointExists(collector, pair.category, pair.entryEvent) && tracepointExists(collector, pair.category, pair.exitEvent);
}

function requirePair(collector: string, mode: AttachMode, pair: HookPair): void {
  const missing = [pair.entryEvent, pair.exitEvent]
    .filter((event) => !tracepointExists(collector, pair.category, event))
    .map((event) => `${pair.category}/${event}`);
  if (missing.length > 0) throw new TracepointMissingError(collector, mode, missing);
}

/** `mode` as a family of the objects, or an error for the attempt record (attachWithFallback skips unimplemented modes first). */
function implemented(collector: string, mode: AttachMode): ImplementedMode {
  if (mode === 'trampoline' || mode === 'tracepoint') return mode;
  throw new Error(`${collector} has no ${mode} implementation`);
}

// ---------------------------------------------------------------------------
// hardirq
// ---------------------------------------------------------------------------

/**
 * Entries of tbl_hardirq for a machine whose largest IRQ number is
 * `largest`: twice the lines in use, to a power of two, within
 * [256, 65536]. IRQ numbers are handed out from the bottom, so the array
 * covers the lines of devices added later; anything beyond spills into a
 * small hash.
 */
export function lineCapacity(largest: number): number {
  let capacity = MIN_LINE_CAPACITY;
  const wanted = (Math.max(0, largest) + 1) * 2;
  while (capacity < wanted && capacity < MAX_LINE_CAPACITY) capacity *= 2;
  return capacity;
}

/** The largest IRQ number in /sys/kernel/irq (every allocated descriptor), or -1. */
function sysfsMaxIrq(): number {
  try {
    let max = -1;
    for (const entry of readdirSync('/sys/kernel/irq')) if (/^\d+$/.test(entry)) max = Math.max(max, Number(entry));
    return max;
  } catch {
    return -1;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** What one hardirq mode loads, and the vectors it had to leave out. */
interface HardirqPlan {
  readonly plan: LoadPlan;
  readonly missingVectors: ReadonlyArray<string>;
}

function planHardirq(mode: ImplementedMode, capacity: number): HardirqPlan {
  const programs = new Map<string, Attacher>();
  const lines = hardirqLinePair(mode);
  requirePair(HARDIRQ_MODULE, mode, lines);
  addPair(programs, mode, lines);
  const missingVectors: string[] = [];
  for (const event of HARDIRQ_VECTOR_EVENTS) {
    const pair = hardirqVectorPair(mode, event);
    if (pairExists(HARDIRQ_MODULE, pair)) addPair(programs, mode, pair);
    else missingVectors.push(event);
  }
  return {
    missingVectors,
    plan: {
      programs,
      configure(spec) {
        spec.map(HARDIRQ_MAP.lines).maxEntries = capacity;
        spec.map(HARDIRQ_MAP.names).maxEntries = capacity;
        spec.setGlobal(HARDIRQ_GLOBAL.capacity, capacity);
      },
    },
  };
}

/** The maps a running hardirq collector reads. */
interface HardirqMaps {
  readonly lines: BpfMap;
  readonly spill: BpfMap;
  readonly vectors: BpfMap;
  readonly names: BpfMap;
}

/** The name a tbl_hardirq_name slot holds, or undefined when empty. */
function kernelName(names: BpfMap, capacity: number, irq: number): string | undefined {
  if (irq >= capacity) return undefined;
  const key = Buffer.alloc(4);
  key.writeUInt32LE(irq, 0);
  const value = names.lookup(key);
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  const name = value.subarray(0, end < 0 ? Math.min(value.length, NAME_LEN) : end).toString('utf8');
  return name === '' ? undefined : name;
}

/** A running hardirq collector. */
class HardirqInstance extends ObjectInstance {
  /** System vectors whose tracepoints this kernel lacks (their dimensions stay at zero). */
  readonly missingVectors: ReadonlyArray<string>;
  readonly #builder: HardirqChartBuilder;
  readonly #names: IrqNameCache;
  readonly #onRead: HardirqCollectorOptions['onRead'];
  readonly #maps: HardirqMaps;

  constructor(
    context: CollectorContext,
    object: BpfObject,
    started: Pick<Started<unknown>, 'mode' | 'report'>,
    loaded: { capacity: number; missingVectors: ReadonlyArray<string> },
    options: HardirqCollectorOptions,
  ) {
    super(HARDIRQ_MODULE, started, object);
    this.missingVectors = loaded.missingVectors;
    this.#maps = {
      lines: object.map(HARDIRQ_MAP.lines),
      spill: object.map(HARDIRQ_MAP.spill),
      vectors: object.map(HARDIRQ_MAP.vectors),
      names: object.map(HARDIRQ_MAP.names),
    };
    this.#builder = new HardirqChartBuilder(context.config.updateEvery);
    this.#onRead = options.onRead;
    const interruptsPath = options.interruptsPath ?? '/proc/interrupts';
    const names = this.#maps.names;
    this.#names = new IrqNameCache(
      {
        readInterrupts: () => readText(interruptsPath),
        kernelName: (irq) => kernelName(names, loaded.capacity, irq),
        warn: (message) => context.logger.warn(message),
      },
      options.nameRefreshTicks ?? 60,
    );
    this.#names.refresh();
  }

  charts(): ChartDefinition[] {
    return [this.#builder.chart()];
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const maps = this.#maps;
    const slots = decodeLatencyArray(maps.lines.readU64Array());
    const spill = decodeLatencyHash(maps.spill.readAll());
    const reading = { lines: firedLines(slots, spill), vectors: decodeLatencyArray(maps.vectors.readU64Array()) };
    this.#onRead?.(reading);
    this.#names.prepare(reading.lines.keys());
    return this.#builder.frame(reading, (irq) => this.#names.nameOf(irq));
  }
}

/**
 * A hardirq collector definition. Use {@link hardirqCollector} unless the
 * object file or `/proc/interrupts` lives somewhere else.
 */
export function createHardirqCollector(options: HardirqCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, 'hardirq');
  return defineCollector({
    name: HARDIRQ_MODULE,
    enabledByDefault: true,
    defaultCollectPid: 'not set',
    modes: IMPLEMENTED_MODES,
    description: 'Time spent in hardware interrupt handlers, per IRQ line and per x86 system vector',
    // The object file is the re-read target: it is on whatever filesystem holds the plugin,
    // which in the VM lane is uncached 9p, so its reads are device interrupts there.
    selfTest: createHardirqSelfTest({
      rereadPath: objectPath,
      ...(options.interruptsPath !== undefined ? { interruptsPath: options.interruptsPath } : {}),
    }),
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const interrupts = readText(options.interruptsPath ?? '/proc/interrupts');
      let largest = sysfsMaxIrq();
      if (interrupts !== undefined) {
        try {
          largest = Math.max(largest, maxIrq(parseInterrupts(interrupts)));
        } catch {
          // Sized from sysfs alone; the names are read (and complained about) later.
        }
      }
      const capacity = lineCapacity(largest);
      const started = await attachFirstMode(HARDIRQ_MODULE, IMPLEMENTED_MODES, context, async (m) => {
        const { plan, missingVectors } = planHardirq(implemented(HARDIRQ_MODULE, m), capacity);
        const object = await loadAndAttach(context, objectPath, HARDIRQ_MODULE, plan);
        return { object, missingVectors };
      });
      const { value, mode } = started;
      if (value.missingVectors.length > 0) {
        context.logger.info(`hardirq: no irq_vectors tracepoints for ${value.missingVectors.join(', ')} on this kernel; those dimensions stay at zero`);
      }
      context.logger.debug(`hardirq: ${mode} mode, IRQ table of ${capacity} lines`);
      return new HardirqInstance(context, value.object, started, { capacity, missingVectors: value.missingVectors }, options);
    },
  });
}

// ---------------------------------------------------------------------------
// softirq
// ---------------------------------------------------------------------------

function planSoftirq(mode: ImplementedMode): LoadPlan {
  const pair = softirqPair(mode);
  requirePair(SOFTIRQ_MODULE, mode, pair);
  const programs = new Map<string, Attacher>();
  addPair(programs, mode, pair);
  return { programs };
}

/** A running softirq collector. */
class SoftirqInstance extends ObjectInstance {
  readonly #builder: SoftirqChartBuilder;
  readonly #onRead: SoftirqCollectorOptions['onRead'];
  readonly #vectors: BpfMap;

  constructor(context: CollectorContext, object: BpfObject, started: Pick<Started<unknown>, 'mode' | 'report'>, options: SoftirqCollectorOptions) {
    super(SOFTIRQ_MODULE, started, object);
    this.#vectors = object.map(SOFTIRQ_MAP.vectors);
    this.#builder = new SoftirqChartBuilder(context.config.updateEvery);
    this.#onRead = options.onRead;
  }

  charts(): ChartDefinition[] {
    return [this.#builder.chart()];
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const vectors = decodeLatencyArray(this.#vectors.readU64Array());
    this.#onRead?.({ vectors });
    return this.#builder.frame(vectors);
  }
}

/** A softirq collector definition. Use {@link softirqCollector} unless the object file lives somewhere else. */
export function createSoftirqCollector(options: SoftirqCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, 'softirq');
  return defineCollector({
    name: SOFTIRQ_MODULE,
    enabledByDefault: true,
    defaultCollectPid: 'not set',
    modes: IMPLEMENTED_MODES,
    description: 'Time spent in each softirq vector (HI, TIMER, NET_TX, NET_RX, BLOCK, ... RCU)',
    selfTest: createSoftirqSelfTest(),
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const started = await attachFirstMode(SOFTIRQ_MODULE, IMPLEMENTED_MODES, context, (m) =>
        loadAndAttach(context, objectPath, SOFTIRQ_MODULE, planSoftirq(implemented(SOFTIRQ_MODULE, m))),
      );
      context.logger.debug(`softirq: ${started.mode} mode`);
      return new SoftirqInstance(context, started.value, started, options);
    },
  });
}

/** Netdata's hardirq thread: `system.hardirq_latency`. */
export const hardirqCollector: CollectorDefinition = createHardirqCollector();

/** Netdata's softirq thread: `system.softirq_latency`. */
export const softirqCollector: CollectorDefinition = createSoftirqCollector();

/** Both threads this package provides, hardirq first (Netdata's thread order). */
export const collectors: ReadonlyArray<CollectorDefinition> = Object.freeze([hardirqCollector, softirqCollector]);
