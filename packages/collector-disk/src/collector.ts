/**
 * The disk collector: block request latency per disk from the
 * `block_rq_issue` and `block_rq_complete` tracepoints (tp_btf, else raw_tp:
 * to key each request by its address) in every attach mode, charted as
 * Netdata's `disk_latency_io.<disk>` histograms.
 */
import type { BpfMap, BpfObject } from '@ebpf-collectors/core';
import type {
  AttachMode,
  AttachReport,
  ChartDefinition,
  CollectorContext,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
} from '@ebpf-collectors/core';
import {
  attachFirstMode,
  ObjectInstance,
  defineCollector,
  loadAndAttach,
  planTracepointHooks,
  shippedObjectPath,
  tracepointExists,
  tracepointKind,
  type Attacher,
  type TracepointKind,
} from '@ebpf-collectors/core';
import { DiskCharts, decodeBins } from './charts.js';
import { HIST_BINS } from './histogram.js';
import { BIN_KEY, MAP, PROGRAMS } from './internal-types.js';
import { MODULE } from './metrics.js';
import { readProcPartitions } from './partitions.js';
import { diskSelfTest } from './self-test.js';
import type { DiskCollectorOptions, DiskReading } from './types.js';

/** Attach modes: each one is the same pair of tracepoints, as in Netdata. */
export const DISK_MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/**
 * The two programs and their attach steps (the same in every mode): the
 * `kind` twin of each (`tp_btf` reads the request with plain loads, `raw_tp`
 * with probe reads; there is no perf-event form: its record has no request
 * address, so `tracepoint` means `raw_tp`), checked against the tracefs event list.
 *
 * @throws TracepointMissingError when the kernel lacks one of the events
 * @throws TracefsNotMountedError without tracefs
 */
export function planPrograms(
  mode: AttachMode,
  exists: (category: string, event: string) => boolean = (category, event) => tracepointExists(MODULE, category, event),
  kind: TracepointKind = 'raw_tp',
): Map<string, Attacher> {
  const twin = kind === 'tracepoint' ? 'raw_tp' : kind;
  return planTracepointHooks(MODULE, PROGRAMS.map((p) => ({ ...p, typed: true })), exists, mode, { kind: twin });
}

/** A running disk collector. */
export class DiskInstance extends ObjectInstance {
  readonly #charts: DiskCharts;
  readonly #partitionsPath: string | undefined;
  readonly #onRead: ((reading: DiskReading) => void) | undefined;
  readonly #bins: BpfMap;

  constructor(options: {
    object: BpfObject;
    mode: AttachMode;
    report: AttachReport;
    updateEvery: number;
    partitionsPath?: string | undefined;
    onRead?: ((reading: DiskReading) => void) | undefined;
  }) {
    super(MODULE, options, options.object);
    this.#bins = options.object.map(MAP.bins);
    this.#charts = new DiskCharts(options.updateEvery);
    this.#partitionsPath = options.partitionsPath;
    this.#onRead = options.onRead;
  }

  charts(): ChartDefinition[] {
    return this.#charts.charts();
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const dump = this.#bins.readAll();
    const disks = decodeBins(dump.count, dump.keys, dump.values);
    const names = readProcPartitions(this.#partitionsPath);
    this.#onRead?.({ disks, names });
    const { frame, gone } = this.#charts.frame(disks, names);
    for (const dev of gone) this.#forget(dev);
    return frame;
  }

  /** Delete a disk's bins from the kernel table (it keeps room for 256 disks). */
  #forget(dev: number): void {
    const key = Buffer.alloc(BIN_KEY.size);
    key.writeUInt32LE(dev, BIN_KEY.dev);
    for (let bin = 0; bin < HIST_BINS; bin++) {
      key.writeUInt32LE(bin, BIN_KEY.bin);
      this.#bins.delete(key);
    }
  }
}

/** A disk collector definition; {@link diskCollector} unless the object lives elsewhere. */
export function createDiskCollector(options: DiskCollectorOptions = {}): CollectorDefinition {
  return defineCollector({
    name: MODULE,
    description: 'block request latency histogram per disk (block_rq_issue/block_rq_complete tracepoints, tp_btf or raw_tp, in every mode)',
    modes: DISK_MODES,
    defaultCollectPid: 'not set',
    selfTest: diskSelfTest,
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, MODULE);
      const { value, mode, report } = await attachFirstMode(MODULE, DISK_MODES, context, async (mode) => {
        const kind = tracepointKind(context.loader.features) === 'tp_btf' ? 'tp_btf' : 'raw_tp';
        const object = await loadAndAttach(context, objectPath, MODULE, { programs: planPrograms(mode, undefined, kind) });
        context.logger.debug(`${MODULE}: ${mode} mode, block_rq_issue and block_rq_complete (${kind})`);
        return object;
      });
      return new DiskInstance({
        object: value,
        mode,
        report,
        updateEvery: context.config.updateEvery,
        partitionsPath: options.partitionsPath,
        onRead: options.onRead,
      });
    },
  });
}

/** Netdata's disk thread: `disk_latency_io.<disk>`. */
export const diskCollector: CollectorDefinition = createDiskCollector();
