/**
 * Public types of core: the chart model, the collector contract and the
 * configuration a collector receives.
 */
import type { BpfObject, Loader, Logger } from '@ebpf-collectors/loader-native';
import type { SelfTest } from './self-test.js';

export type { Logger } from '@ebpf-collectors/loader-native';
/**
 * The loader's types a collector's plan and instance use, re-exported so a
 * collector package depends on core alone (loader-native comes with core).
 */
export type { BpfMap, BpfObject, Features, Link, Loader, MapDump, ObjectSpec, Program } from '@ebpf-collectors/loader-native';

// ---------------------------------------------------------------------------
// Chart model (what outputs render)
// ---------------------------------------------------------------------------

/** Netdata dimension algorithms. */
export type DimensionAlgorithm =
  | 'absolute'
  | 'incremental'
  | 'percentage-of-absolute-row'
  | 'percentage-of-incremental-row';

/** Netdata chart types. */
export type ChartType = 'line' | 'area' | 'stacked';

/** One dimension of a chart. */
export interface DimensionDefinition {
  /** Id used in SET lines; unique within the chart. */
  id: string;
  /** Display name; empty or absent means the id. */
  name?: string;
  algorithm: DimensionAlgorithm;
  /** Default 1. */
  multiplier?: number;
  /** Default 1. */
  divisor?: number;
  hidden?: boolean;
}

/** A chart, as Netdata's CHART line describes it. */
export interface ChartDefinition {
  /** Chart type part of the id: `system`, `apps`, `cgroup_<name>`, `services`, ... */
  type: string;
  /** Id part: `process_thread`. The full id is `type.id`. */
  id: string;
  title: string;
  units: string;
  family: string;
  /** Empty string means the agent uses `type.id`. */
  context: string;
  chartType: ChartType;
  priority: number;
  /** Seconds between values. */
  updateEvery: number;
  /** Netdata module name (`process`, `socket`, `filedescriptor`...). */
  module: string;
  dimensions: DimensionDefinition[];
  /** Chart labels (sent as CLABEL by outputs that support them). */
  labels?: Record<string, string>;
  /**
   * Set when the dimensions are the buckets of one latency histogram, in
   * order: outputs with a histogram type (Prometheus, OpenTelemetry) then
   * export one histogram instead of one series per bucket. Netdata ignores it.
   */
  histogram?: ChartHistogram;
}

/**
 * The bucket bounds of a histogram chart. Each dimension holds the count of
 * observations in its own bucket (not cumulative; `incremental` when the
 * counts are cumulative since load, as the kernel keeps them).
 */
export interface ChartHistogram {
  /**
   * Upper bound of each dimension's bucket in seconds, in
   * `chart.dimensions` order, ascending; the last one may be `Infinity`.
   * Bucket i holds observations in (upperBoundsSeconds[i-1], upperBoundsSeconds[i]].
   */
  upperBoundsSeconds: ReadonlyArray<number>;
}

/** Full chart id `type.id`. */
export function chartKey(chart: Pick<ChartDefinition, 'type' | 'id'>): string {
  return `${chart.type}.${chart.id}`;
}

/** Chart units that are a rate (`calls/s`, `kilobits/s`, `KiB/sec`): the unit before the `/s`, or undefined. */
export function perSecondUnit(units: string): string | undefined {
  const match = /^(.*?)\s*\/\s*s(ec(ond)?)?$/i.exec(units.trim());
  return match ? match[1]! : undefined;
}

/**
 * Whether a dimension's values are amounts of one interval (events since the
 * previous tick) rather than totals or levels: an `absolute` dimension of a
 * per-second chart, what Netdata's eBPF charts send for many apps and
 * cgroup charts. Outputs add these up into counters, and scale them when an
 * interval was longer than the chart's `update every`.
 */
export function isPerIntervalAmount(
  chart: Pick<ChartDefinition, 'units'>,
  dimension: Pick<DimensionDefinition, 'algorithm'>,
): boolean {
  return dimension.algorithm === 'absolute' && perSecondUnit(chart.units) !== undefined;
}

/** Values of one chart for one tick: dimension id -> integer value. */
export interface ChartValues {
  chart: ChartDefinition;
  /** Only dimensions declared in `chart.dimensions` may appear. Missing ones are gaps. */
  values: ReadonlyMap<string, bigint>;
}

/** What one collector produced at one tick. */
export interface CollectorFrame {
  /** Charts with their current definition and values. */
  charts: ChartValues[];
  /** Full ids of charts this collector emitted before and that are now gone (vanished cgroup, unmounted fs). */
  obsolete?: string[];
}

/** What an output receives each tick (all collectors due at that tick). */
export interface OutputFrame {
  /**
   * Monotonic time of the tick, ms from an arbitrary origin
   * (`monotonicMs()` in the agent): only differences between frames
   * mean something, and it never jumps when the wall clock is set.
   */
  timeMs: number;
  /**
   * Wall-clock time of the tick, ms since the Unix epoch: the whole second
   * the scheduler aimed at (ticks are aligned to wall-clock seconds).
   */
  wallTimeMs: number;
  frames: ReadonlyArray<{ collector: string; frame: CollectorFrame }>;
}

/** Renders frames somewhere (Netdata stdout, a terminal, Prometheus...). */
export interface Output {
  readonly name: string;
  /** Render one tick. Resolve when written. Reject with `OutputClosedError` when the sink is gone. */
  write(frame: OutputFrame): Promise<void> | void;
  /** Mark these charts obsolete (a collector stopped). */
  obsolete?(charts: ReadonlyArray<ChartDefinition>): Promise<void> | void;
  close(): Promise<void> | void;
}

// ---------------------------------------------------------------------------
// Configuration a collector receives
// ---------------------------------------------------------------------------

/** Netdata's `ebpf load mode`. */
export type LoadMode = 'entry' | 'return';
/** Netdata's `ebpf type format`. */
export type TypeFormat = 'auto' | 'legacy' | 'co-re';
/** Netdata's `ebpf co-re tracing`. */
export type CoreTracing = 'trampoline' | 'probe' | 'tracepoint';
/** Netdata's `collect pid`. */
export type CollectPid = 'real parent' | 'parent' | 'all' | 'not set';
/** Where a value came from, for messages and the stock-origin rule. */
export type ConfigOrigin = 'default' | 'stock' | 'user' | 'cli';

/** The resolved `[global]` options of one collector (global -> per-collector file -> CLI). */
export interface CollectorConfig {
  /** Thread/module name, e.g. `process`. */
  module: string;
  enabled: boolean;
  loadMode: LoadMode;
  apps: boolean;
  cgroups: boolean;
  updateEvery: number;
  pidTableSize: number;
  typeFormat: TypeFormat;
  coreTracing: CoreTracing;
  collectPid: CollectPid;
  mapsPerCore: boolean;
  lifetime: number;
  btfPath: string;
  /** Origin of the per-collector file (`user` if it or ebpf.d.conf came from the user dir). */
  origin: ConfigOrigin;
  /** Every other section of the collector's file, raw, for collector-specific keys (`[network connections]`...). */
  sections: ReadonlyMap<string, ConfigSection>;
  /**
   * `[ebpf programs] network connections` of `ebpf.d.conf` (the same on every
   * collector; only the socket collector acts on it). Absent: no.
   */
  networkConnections?: boolean;
}

/** A parsed ini section: key -> value with its location. */
export interface ConfigSection {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly entries: ReadonlyMap<string, ConfigEntry>;
}

/** One `key = value` line. */
export interface ConfigEntry {
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

// ---------------------------------------------------------------------------
// Attach modes
// ---------------------------------------------------------------------------

/** How a collector's programs attach. `legacy` = kprobes as Netdata's legacy objects. */
export type AttachMode = 'trampoline' | 'probe' | 'tracepoint';

/** One attempt to load and attach a collector in a mode. */
export interface AttachAttempt {
  mode: AttachMode;
  ok: boolean;
  /** Why it failed (error message), or why it was not tried. */
  reason?: string;
  /** Error code when it failed (`EPERM`, `ENOTSUPP`, `NOT_IMPLEMENTED`...). */
  code?: string;
}

/** What `--check` prints per collector. */
export interface AttachReport {
  collector: string;
  chosen?: AttachMode;
  attempts: AttachAttempt[];
}

// ---------------------------------------------------------------------------
// The collector contract
// ---------------------------------------------------------------------------

/** Per-PID values a collector read from the kernel this tick. */
export interface PidValues {
  /** Kernel PID key (tgid, or parent tgid per `collect pid`). */
  pid: number;
  /** Cumulative counters, in the collector's own lane order. */
  values: ReadonlyArray<bigint>;
}

/** Totals per group (app group, cgroup or service name), in lane order. */
export type GroupTotals = ReadonlyMap<string, ReadonlyArray<bigint>>;

/** Process-to-group lookups the collectors use for apps, cgroup and services charts. */
export interface ProcessGrouping {
  /** App group (apps_groups.conf target name) of a PID; `other` when unmatched; `undefined` if the PID is unknown. */
  appOf(pid: number): string | undefined;
  /** Cgroup chart name (`cgroup_<name>` type suffix) of a PID, when cgroups are on and it is a container/cgroup. */
  cgroupOf(pid: number): string | undefined;
  /** systemd service name of a PID (e.g. `ssh`), when it runs in system.slice. */
  serviceOf(pid: number): string | undefined;
  /** App groups exposed so far (had at least one process), in apps_groups.conf order, `other` last. */
  exposedApps(): ReadonlyArray<string>;
  /** Known cgroups (non-service). */
  cgroups(): ReadonlyArray<string>;
  /** Known systemd services. */
  services(): ReadonlyArray<string>;
  /** Whether a PID is still alive (seen in the last /proc scan or `kill(pid,0)` succeeds). */
  isAlive(pid: number): boolean;
}

/**
 * Turns per-PID cumulative kernel counters into per-group monotonic totals,
 * robust against PIDs appearing, vanishing and being reused. One per
 * collector per grouping; created by core.
 */
export interface GroupAccumulator {
  /** Feed this tick's per-PID cumulative values; returns per-group monotonic totals. */
  update(pids: Iterable<PidValues>): GroupTotals;
  /**
   * The same as {@link GroupAccumulator.update} over a whole per-PID table as
   * read (`BpfMap.readAll()`: u32 keys, `lanes` native-endian u64 lanes per
   * value), without a JS object or bigint per PID. Feed an accumulator through
   * one of the two methods only. Optional: the accumulators of
   * `createGroupAccumulator` have it.
   */
  updateDump?(dump: PidTableDump): GroupTotals;
}

/** A per-PID table read whole: `count` u32 keys and `count` values of u64 lanes, in the machine's byte order. */
export interface PidTableDump {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly values: Uint8Array;
}

/** What a collector receives when it starts. Everything is injected. */
export interface CollectorContext {
  readonly config: CollectorConfig;
  readonly loader: Loader;
  readonly logger: Logger;
  readonly grouping: ProcessGrouping;
  /** Creates an accumulator keyed by app group, cgroup or service for `lanes` counters. */
  createAccumulator(by: 'app' | 'cgroup' | 'service', lanes: number): GroupAccumulator;
  /** Tell the PID table a process exited (from a BPF exit event), so it expires sooner. */
  notifyExit?(pid: number): void;
  /** Aborted when the agent stops. */
  readonly signal: AbortSignal;
}

/** A started collector. */
export interface CollectorInstance {
  /** The mode it runs in. */
  readonly attachMode: AttachMode;
  /** The attempts that led to it. */
  readonly report: AttachReport;
  /** Chart definitions it will emit (host charts; apps/cgroup charts may be added later). */
  charts(): ChartDefinition[];
  /** Read the kernel and produce this tick's values. Called every `config.updateEvery` seconds. */
  collect(): CollectorFrame | Promise<CollectorFrame>;
  /** Detach and close every BPF object. Idempotent. */
  close(): void;
  /**
   * The loaded BPF objects it owns (empty after `close()`), for the plugin's
   * own-cost charts (kernel memory of its maps). Optional: an instance
   * without it counts as owning none.
   */
  bpfObjects?(): ReadonlyArray<BpfObject>;
}

/** A collector package's default export. */
export interface CollectorDefinition {
  /** Module name as in `ebpf.d/<file>` and charts' module field: `process`, `socket`... */
  readonly name: string;
  /** `[ebpf programs]` key (and compat aliases). */
  readonly configKeys: ReadonlyArray<string>;
  /** `ebpf.d/<file>` name, e.g. `process.conf`. */
  readonly configFile: string;
  /** Netdata CLI flag without dashes (`process`, `net`, `filedescriptor`). */
  readonly cliFlag: string;
  /** Whether `[ebpf programs]` without this key enables it (Netdata's code default). */
  readonly enabledByDefault: boolean;
  /** Default `collect pid` level of this thread. */
  readonly defaultCollectPid: CollectPid;
  /** Attach modes the collector implements, in no particular order. */
  readonly modes: ReadonlyArray<AttachMode>;
  /** Why a mode is not implemented (`--check` prints it on that mode's line): no tracepoint sits in the hooked functions... */
  readonly absentModes?: Readonly<Partial<Record<AttachMode, string>>>;
  /**
   * Whether `ebpf load mode = return` changes what the collector hooks or
   * charts (exit hooks, error charts). Absent or false: the key has no effect
   * on it (`--check` says so, and the VM lane does not run it twice).
   */
  readonly usesLoadMode?: boolean;
  /** One-line description for `--help` and `--check`. */
  readonly description: string;
  /** `[global]` keys of its config file beyond Netdata's common ones (so they are not warned about as unknown). */
  readonly extraGlobalKeys?: ReadonlyArray<string>;
  /**
   * Sections of its config file besides `[global]` that it reads; any other
   * section is warned about with file:line. Absent: Netdata's thread of the
   * same name's sections, or no check for a module Netdata does not have.
   */
  readonly extraSections?: ReadonlyArray<string>;
  /** Load, attach, and return the running instance. Throws `AttachError` carrying the report when no mode works. */
  start(context: CollectorContext): Promise<CollectorInstance>;
  /** A workload of its own and the chart movements it must cause (`ebpf.plugin --self-test`, the VM lane, kernel tests). */
  readonly selfTest?: SelfTest;
}
