/**
 * The running instance most collectors are: a per-CPU array of global
 * counters plus an optional per-PID table, read once per tick and handed to
 * a chart builder together with per-app, per-cgroup and per-service totals.
 */
import type { BpfMap, BpfObject } from '@ebpf-collectors/loader-native';
import type {
  AttachMode,
  AttachReport,
  ChartDefinition,
  CollectorContext,
  CollectorFrame,
  GroupAccumulator,
  GroupTotals,
  PidValues,
  ProcessGrouping,
} from '../types.js';
import { attachWithFallback, modeOrder } from '../attach.js';
import { ObjectInstance } from './object-instance.js';
import { decodePidLanes } from './pid-map.js';

/**
 * `EBPFC_PID_TABLE_READ=objects`: feed the accumulators a bigint array per
 * PID as before `updateDump` existed, for bench/plugin-footprint.mjs to
 * compare both in one run. Any other value (or none): the whole dump.
 */
const DECODE_OBJECTS = process.env['EBPFC_PID_TABLE_READ'] === 'objects';

/**
 * Delete the keys of PIDs that are no longer alive from a per-PID table,
 * after this tick's read was accounted (see `dropDeadPids`), straight from
 * the dump's keys.
 */
function dropDeadKeys(map: BpfMap, dump: { count: number; keys: Buffer }, grouping: Pick<ProcessGrouping, 'isAlive'>): number {
  let key: Buffer | undefined;
  let dropped = 0;
  for (let i = 0; i < dump.count; i++) {
    const pid = dump.keys.readUInt32LE(i * 4);
    if (grouping.isAlive(pid)) continue;
    key ??= Buffer.alloc(4);
    key.writeUInt32LE(pid, 0);
    if (map.delete(key)) dropped++;
  }
  return dropped;
}

/** Groups and their monotonic totals for one tick. */
export interface GroupInput {
  /** Groups that get a dimension (apps: exposed groups; services) or a chart set (cgroups), in order. */
  readonly names: ReadonlyArray<string>;
  readonly totals: GroupTotals;
}

/** Everything one tick's charts are computed from. */
export interface TickInput {
  /** The global counters summed over CPUs, cumulative, in lane order. */
  readonly counters: ArrayLike<bigint>;
  readonly apps?: GroupInput;
  readonly cgroups?: GroupInput;
  readonly services?: GroupInput;
}

/** Turns ticks into frames (pure: the unit tests feed it recorded readings). */
export interface TickChartBuilder {
  /** Definitions of the charts emitted now (host charts, apps charts with `exposedApps` dimensions). */
  charts(exposedApps: ReadonlyArray<string>): ChartDefinition[];
  frame(input: TickInput): CollectorFrame;
}

/** One tick's raw reading, for recording fixtures and for tools. */
export interface CounterTablesReading {
  counters: bigint[];
  pids: PidValues[];
}

/** The loaded maps a {@link CounterTablesInstance} reads. */
export interface CounterTables {
  /** Owns the programs, links and maps; closed by the instance. */
  readonly object: BpfObject;
  /** Per-CPU array of u64 counters. */
  readonly totals: BpfMap;
  /** Per-PID table keyed by u32 PID with `pidLanes` u64 lanes; absent when apps and cgroups are off. */
  readonly pids?: BpfMap | undefined;
  readonly pidLanes: number;
  readonly apps: boolean;
  readonly cgroups: boolean;
}

/** Options of {@link CounterTablesInstance}. */
export interface CounterTablesInstanceOptions {
  /** Collector name, for errors. */
  module: string;
  mode: AttachMode;
  report: AttachReport;
  context: CollectorContext;
  tables: CounterTables;
  builder: TickChartBuilder;
  onRead?: ((reading: CounterTablesReading) => void) | undefined;
}

/**
 * A collector instance over {@link CounterTables}: one `readU64Array` and one
 * batched per-PID read per tick, group totals from the context's
 * accumulators, and dead PIDs dropped from the table once their values are
 * accounted (so the table stays small without a kprobe on `release_task`).
 */
export class CounterTablesInstance extends ObjectInstance {
  readonly #options: CounterTablesInstanceOptions;
  readonly #apps: GroupAccumulator | undefined;
  readonly #cgroups: GroupAccumulator | undefined;
  readonly #services: GroupAccumulator | undefined;
  readonly #tables: CounterTables;

  constructor(options: CounterTablesInstanceOptions) {
    super(options.module, options, options.tables.object);
    this.#options = options;
    this.#tables = options.tables;
    const { tables, context } = options;
    this.#apps = tables.apps ? context.createAccumulator('app', tables.pidLanes) : undefined;
    this.#cgroups = tables.cgroups ? context.createAccumulator('cgroup', tables.pidLanes) : undefined;
    this.#services = tables.cgroups ? context.createAccumulator('service', tables.pidLanes) : undefined;
  }

  charts(): ChartDefinition[] {
    return this.#options.builder.charts(this.#options.context.grouping.exposedApps());
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const tables = this.#tables;
    const { builder, onRead, context } = this.#options;
    const counters = Array.from(tables.totals.readU64Array());
    if (tables.pids === undefined) {
      onRead?.({ counters, pids: [] });
      return builder.frame({ counters });
    }
    const grouping = context.grouping;
    const dump = tables.pids.readAll();
    // Decoded per-PID objects only when someone asks for them (or an accumulator cannot take the dump).
    let pids: PidValues[] | undefined;
    const decoded = (): PidValues[] => (pids ??= decodePidLanes(dump, tables.pidLanes, tables.pids!.name));
    if (onRead) onRead({ counters, pids: decoded() });
    const totals = (accumulator: GroupAccumulator): GroupTotals => {
      if (accumulator.updateDump === undefined || DECODE_OBJECTS) return accumulator.update(decoded());
      if (dump.values.length < dump.count * tables.pidLanes * 8) decoded(); // throws the decoder's RangeError
      return accumulator.updateDump(dump);
    };
    const frame = builder.frame({
      counters,
      ...(this.#apps ? { apps: { names: grouping.exposedApps(), totals: totals(this.#apps) } } : {}),
      ...(this.#cgroups ? { cgroups: { names: grouping.cgroups(), totals: totals(this.#cgroups) } } : {}),
      ...(this.#services ? { services: { names: grouping.services(), totals: totals(this.#services) } } : {}),
    });
    dropDeadKeys(tables.pids, dump, grouping);
    return frame;
  }

}

/** What a counter-tables collector's load step gives for the mode that worked. */
export interface LoadedCounterTables {
  readonly object: BpfObject;
  /** Per-CPU array of u64 counters. */
  readonly totals: BpfMap;
  /** Absent when neither apps nor cgroup charts are on (the kernel keeps no per-PID values). */
  readonly pids: BpfMap | undefined;
  /** What the configuration decided in that mode. */
  readonly settings: { readonly apps: boolean; readonly cgroups: boolean; readonly returnMode: boolean };
}

/** Options of {@link attachCounterTables}. */
export interface AttachCounterTablesOptions<L extends LoadedCounterTables> {
  module: string;
  /** Attach modes the collector implements. */
  modes: ReadonlyArray<AttachMode>;
  /** Why the others are not implemented. */
  absentModes?: Readonly<Partial<Record<AttachMode, string>>>;
  context: CollectorContext;
  /** u64 lanes of a per-PID value. */
  pidLanes: number;
  /** Load and attach in one mode; rejects when that mode cannot run here. */
  load(mode: AttachMode): Promise<L>;
  /** The chart builder for what loaded. */
  builder(loaded: L): TickChartBuilder;
  onRead?: ((reading: CounterTablesReading) => void) | undefined;
}

/**
 * The start of most collectors: load and attach in the first mode of
 * `modeOrder(config)` that works, and describe the {@link CounterTablesInstance}
 * over it (subclasses take the same options).
 *
 * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
 */
export async function attachCounterTables<L extends LoadedCounterTables>(
  options: AttachCounterTablesOptions<L>,
): Promise<{ loaded: L; instance: CounterTablesInstanceOptions }> {
  const { module, context } = options;
  const { value, mode, report } = await attachWithFallback(module, modeOrder(context.config), options.modes, options.load, options.absentModes);
  return {
    loaded: value,
    instance: {
      module,
      mode,
      report,
      context,
      tables: {
        object: value.object,
        totals: value.totals,
        pids: value.pids,
        pidLanes: options.pidLanes,
        apps: value.settings.apps,
        cgroups: value.settings.cgroups,
      },
      builder: options.builder(value),
      onRead: options.onRead,
    },
  };
}
