/**
 * The process collector: loads bpf/process.bpf.o in one attach mode, reads its
 * maps every tick and turns them into Netdata's process charts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  AttachMode,
  AttachReport,
  ChartDefinition,
  CollectorConfig,
  CollectorContext,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
  GroupAccumulator,
} from '@ebpf-collectors/core';
import { attachWithFallback, effectiveAppsCgroups, modeOrder } from '@ebpf-collectors/core';
import type { BpfMap, BpfObject, Features, Link, ObjectSpec, Program } from '@ebpf-collectors/loader-native';
import { ProcessChartBuilder } from './charts.js';
import { decodePidTable } from './decode.js';
import { CollectorClosedError, KernelFunctionMissingError, TracefsNotMountedError } from './errors.js';
import {
  CLONE_FUNCTIONS,
  COLLECT_PID_LEVEL,
  COMMON_PREFIX,
  COMMON_PROGRAMS,
  FAMILY_PREFIX,
  GLOBAL,
  MAP,
  PID_KEY_SIZE,
  PID_LANES,
  RELEASE_FUNCTION,
  RETURN_MODE_PROGRAMS,
  TRACEPOINT_ERROR_PROGRAMS,
  TRACEPOINT_PAIRS,
} from './internal-types.js';
import { MODULE } from './metrics.js';
import type { ProcessCollectorOptions, ProcessReading } from './types.js';

/** Attach modes this collector implements. */
const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/** Where tracefs may be mounted, in the order libbpf looks. */
const TRACEFS_ROOTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The object shipped in this package: `<package>/bpf/process.bpf.o` from `<package>/{dist,src}/collector.*`. */
function defaultObjectPath(): string {
  return fileURLToPath(new URL('../bpf/process.bpf.o', import.meta.url));
}

/** How one program is attached once loaded. */
type Attacher = (program: Program) => Link;

/** What a mode loads and how it attaches it. */
interface ModePlan {
  /** Programs to load, by name, with their attach step. */
  readonly programs: ReadonlyMap<string, Attacher>;
  /** fentry/fexit targets to set before load. */
  readonly targets: ReadonlyMap<string, string>;
  /** Whether the exit side of clone needs the flags saved at entry. */
  readonly cloneFlags: boolean;
}

/** What the options decide for one attach mode. */
interface ModeSettings {
  readonly apps: boolean;
  readonly cgroups: boolean;
  readonly returnMode: boolean;
}

/** A loaded and attached object with the maps the collector reads. */
interface Loaded {
  readonly object: BpfObject;
  readonly totals: BpfMap;
  /** Absent when neither apps nor cgroup charts are on (the kernel keeps no per-PID values). */
  readonly pids: BpfMap | undefined;
  readonly settings: ModeSettings;
}

/**
 * `tbl_pid_stats` entries for a configuration: as Netdata sizes it by
 * `collect pid` (real parent: a third of `pid table size`, parent: half,
 * all: all of it), and 1 when no per-PID values are kept.
 */
export function pidTableEntries(config: Pick<CollectorConfig, 'pidTableSize' | 'collectPid'>, perPid: boolean): number {
  if (!perPid) return 1;
  const size = Math.max(1, Math.floor(config.pidTableSize));
  switch (config.collectPid) {
    case 'all':
      return size;
    case 'parent':
      return Math.max(1, Math.floor(size / 2));
    case 'real parent':
    case 'not set':
    default:
      return Math.max(1, Math.floor(size / 3));
  }
}

/** The first of `names` the kernel has. */
function pickKernelFunction(features: Features, mode: AttachMode, names: ReadonlyArray<string>): string {
  const found = names.find((name) => features.hasKernelFunction(name));
  if (found === undefined) throw new KernelFunctionMissingError(mode, names);
  return found;
}

/** The tracefs events directory, or undefined when tracefs is not mounted. */
function tracefsEvents(): string | undefined {
  for (const root of TRACEFS_ROOTS) {
    if (existsSync(`${root}/events`)) return `${root}/events`;
  }
  return undefined;
}

/** Programs and attach steps of one mode. */
function planMode(mode: AttachMode, returnMode: boolean, features: Features): ModePlan {
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  let cloneFlags = false;

  switch (mode) {
    case 'trampoline': {
      programs.set('trampoline_release_task', (p) => p.attachTrace());
      if (returnMode) {
        const cloneFn = pickKernelFunction(features, mode, CLONE_FUNCTIONS);
        targets.set('trampoline_kernel_clone', cloneFn);
        programs.set('trampoline_kernel_clone', (p) => p.attachTrace());
      }
      break;
    }
    case 'probe': {
      programs.set('probe_release_task', (p) => p.attachKprobe(RELEASE_FUNCTION));
      if (returnMode) {
        const cloneFn = pickKernelFunction(features, mode, CLONE_FUNCTIONS);
        programs.set('probe_kernel_clone_entry', (p) => p.attachKprobe(cloneFn));
        programs.set('probe_kernel_clone_exit', (p) => p.attachKprobe(cloneFn, { retprobe: true }));
        cloneFlags = true;
      }
      break;
    }
    case 'tracepoint': {
      programs.set('tracepoint_sched_process_free', (p) => p.attachRawTracepoint('sched_process_free'));
      if (returnMode) {
        const events = tracefsEvents();
        if (events === undefined) throw new TracefsNotMountedError(TRACEFS_ROOTS);
        // Architectures differ (arm64 has no fork/vfork; clone3 is 5.3+): hook what exists.
        const present = (name: keyof typeof TRACEPOINT_ERROR_PROGRAMS) =>
          existsSync(`${events}/syscalls/${TRACEPOINT_ERROR_PROGRAMS[name]}`);
        const skip = new Set<string>();
        for (const [enter, exit] of TRACEPOINT_PAIRS) {
          if (!present(enter) || !present(exit)) skip.add(enter).add(exit);
        }
        for (const [name, event] of Object.entries(TRACEPOINT_ERROR_PROGRAMS)) {
          if (skip.has(name) || !present(name as keyof typeof TRACEPOINT_ERROR_PROGRAMS)) continue;
          programs.set(name, (p) => p.attachTracepoint('syscalls', event));
        }
        cloneFlags = true;
      }
      break;
    }
  }
  // Common programs attach last: a mode that cannot attach fails before touching them.
  for (const [name, event] of Object.entries(COMMON_PROGRAMS)) {
    programs.set(name, (p) => p.attachRawTracepoint(event));
  }
  return { programs, targets, cloneFlags };
}

/** Apply a plan and the options to an opened object. */
function configure(spec: ObjectSpec, plan: ModePlan, config: CollectorConfig, settings: ModeSettings): boolean {
  for (const program of spec.programs.values()) program.autoload = plan.programs.has(program.name);
  // Fail here, not at attach time, when the object lacks a planned program.
  for (const name of plan.programs.keys()) spec.program(name);
  for (const [name, target] of plan.targets) spec.program(name).setAttachTarget(target);

  const perPid = settings.apps || settings.cgroups;
  const pids = spec.map(MAP.pids);
  pids.maxEntries = pidTableEntries(config, perPid);
  if (perPid && config.mapsPerCore) pids.setKind('percpu_hash');
  if (!plan.cloneFlags) spec.map(MAP.cloneFlags).maxEntries = 1;

  spec.setGlobal(GLOBAL.collectPid, COLLECT_PID_LEVEL[config.collectPid]);
  spec.setGlobal(GLOBAL.appsEnabled, perPid);
  spec.setGlobal(GLOBAL.pidPerCpu, perPid && config.mapsPerCore);
  return perPid;
}

/**
 * Open, configure, load and attach the object in one mode. Everything opened
 * is closed again before an error propagates.
 */
async function loadInMode(context: CollectorContext, objectPath: string, mode: AttachMode): Promise<Loaded> {
  const { config, loader, logger } = context;
  if (context.signal.aborted) throw context.signal.reason;
  const decision = effectiveAppsCgroups(config, mode);
  if (decision.reason !== undefined) logger.info(decision.reason);
  const settings: ModeSettings = {
    apps: decision.apps,
    cgroups: decision.cgroups,
    returnMode: config.loadMode === 'return',
  };
  const plan = planMode(mode, settings.returnMode, loader.features);

  const spec = loader.openObject(objectPath, {
    logger,
    name: MODULE,
    ...(config.btfPath ? { btfPath: config.btfPath } : {}),
  });
  let object: BpfObject | undefined;
  try {
    const perPid = configure(spec, plan, config, settings);
    object = await spec.load();
    for (const [name, attach] of plan.programs) attach(object.program(name));
    if (context.signal.aborted) throw context.signal.reason;
    const loaded: Loaded = {
      object,
      totals: object.map(MAP.totals),
      pids: perPid ? object.map(MAP.pids) : undefined,
      settings,
    };
    logger.debug(
      `process: ${mode} mode, programs ${[...plan.programs.keys()].join(', ')}` +
        (plan.targets.size > 0 ? `, targets ${[...plan.targets.values()].join(', ')}` : ''),
    );
    return loaded;
  } catch (error) {
    // A loaded object owns what the spec opened; before load the spec does.
    if (object !== undefined) object.close();
    else spec.close();
    throw error;
  }
}

/** A running process collector. */
class ProcessInstance implements CollectorInstance {
  readonly attachMode: AttachMode;
  readonly report: AttachReport;
  readonly #context: CollectorContext;
  readonly #builder: ProcessChartBuilder;
  readonly #apps: GroupAccumulator | undefined;
  readonly #cgroups: GroupAccumulator | undefined;
  readonly #services: GroupAccumulator | undefined;
  readonly #key = Buffer.alloc(PID_KEY_SIZE);
  readonly #onRead: ((reading: ProcessReading) => void) | undefined;
  #loaded: Loaded | undefined;

  constructor(
    context: CollectorContext,
    loaded: Loaded,
    mode: AttachMode,
    report: AttachReport,
    onRead: ((reading: ProcessReading) => void) | undefined,
  ) {
    this.attachMode = mode;
    this.#onRead = onRead;
    this.report = report;
    this.#context = context;
    this.#loaded = loaded;
    const { settings } = loaded;
    this.#builder = new ProcessChartBuilder({
      updateEvery: context.config.updateEvery,
      returnMode: settings.returnMode,
      apps: settings.apps,
      cgroups: settings.cgroups,
    });
    this.#apps = settings.apps ? context.createAccumulator('app', PID_LANES) : undefined;
    this.#cgroups = settings.cgroups ? context.createAccumulator('cgroup', PID_LANES) : undefined;
    this.#services = settings.cgroups ? context.createAccumulator('service', PID_LANES) : undefined;
  }

  charts(): ChartDefinition[] {
    return this.#builder.charts(this.#context.grouping.exposedApps());
  }

  collect(): CollectorFrame {
    const loaded = this.#loaded;
    if (loaded === undefined) throw new CollectorClosedError();
    const counters = Array.from(loaded.totals.readU64Array());
    if (loaded.pids === undefined) {
      this.#onRead?.({ counters, pids: [] });
      return this.#builder.frame({ counters });
    }

    const grouping = this.#context.grouping;
    const pids = decodePidTable(loaded.pids.readAll());
    this.#onRead?.({ counters, pids });
    const frame = this.#builder.frame({
      counters,
      ...(this.#apps ? { apps: { names: grouping.exposedApps(), totals: this.#apps.update(pids) } } : {}),
      ...(this.#cgroups ? { cgroups: { names: grouping.cgroups(), totals: this.#cgroups.update(pids) } } : {}),
      ...(this.#services ? { services: { names: grouping.services(), totals: this.#services.update(pids) } } : {}),
    });
    // Values of dead keys were just accounted; dropping them keeps the table
    // (and the next read) small. A late event for a dropped key recreates it,
    // and the accumulators count a recreated entry from zero.
    for (const { pid } of pids) {
      if (grouping.isAlive(pid)) continue;
      this.#key.writeUInt32LE(pid, 0);
      loaded.pids.delete(this.#key);
    }
    return frame;
  }

  close(): void {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    loaded?.object.close();
  }
}

/**
 * A process collector definition. Use {@link processCollector} unless the
 * object file lives somewhere else.
 */
export function createProcessCollector(options: ProcessCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? defaultObjectPath();
  return {
    name: MODULE,
    configKeys: ['process'],
    configFile: 'process.conf',
    cliFlag: 'process',
    enabledByDefault: true,
    defaultCollectPid: 'real parent',
    modes: MODES,
    description: 'Processes and threads started, tasks exiting and released, fork/clone failures',
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const { value, mode, report } = await attachWithFallback(MODULE, modeOrder(context.config), MODES, (m) =>
        loadInMode(context, objectPath, m),
      );
      return new ProcessInstance(context, value, mode, report, options.onRead);
    },
  };
}

/** Netdata's process thread: `system.process_thread`, `system.exit`, `system.process_status`, `system.task_error`, `apps.*`, `cgroup_*.*`, `services.*`. */
export const processCollector: CollectorDefinition = createProcessCollector();
