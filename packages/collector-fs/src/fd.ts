/**
 * The fd collector (Netdata's `fd` thread): loads bpf/fd.bpf.o in one attach
 * mode, reads its maps every tick and turns them into Netdata's file
 * descriptor charts.
 */
import type { AttachMode, CollectorConfig, CollectorContext, CollectorDefinition, CollectorInstance } from '@ebpf-collectors/core';
import {
  COLLECT_PID_LEVEL,
  CounterTablesInstance,
  attachCounterTables,
  effectiveAppsCgroups,
  loadAndAttach,
  pickKernelFunction,
  pidTableEntries,
  shippedObjectPath,
  tracepointExists,
  type Attacher,
  type LoadPlan,
} from '@ebpf-collectors/core';
import type { BpfMap, BpfObject, Features, ObjectSpec } from '@ebpf-collectors/loader-native';
import { FdChartBuilder } from './charts.js';
import { TracepointMissingError } from './errors.js';
import {
  CLOSE_FUNCTIONS,
  FD_GLOBAL,
  FD_LANE,
  FD_LANES,
  FD_MAP,
  FD_TRACEPOINTS,
  FD_TRAMPOLINE_CLOSE_EXIT,
  FD_TRAMPOLINE_OPEN_EXIT,
  OPEN_FUNCTIONS,
  PID_GLOBAL,
} from './internal-types.js';
import { FD_NAME } from './metrics.js';
import { fdSelfTest } from './self-test.js';
import type { FdCollectorOptions, FdCounters, FdReading } from './types.js';

/** Attach modes this collector implements. */
const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/** What the configuration decides for one attach mode. */
interface FdSettings {
  readonly apps: boolean;
  readonly cgroups: boolean;
  readonly returnMode: boolean;
}

/** A plan plus what it chose, for the debug log and the `const volatile` switches. */
interface FdPlan extends LoadPlan {
  readonly closeReturnsFile: boolean;
  readonly hooked: ReadonlyArray<string>;
}

/** A loaded and attached object with the maps the collector reads. */
interface FdLoaded {
  readonly object: BpfObject;
  readonly totals: BpfMap;
  /** Absent when neither apps nor cgroup charts are on (the kernel keeps no per-PID values). */
  readonly pids: BpfMap | undefined;
  readonly settings: FdSettings;
}

/**
 * The programs of one mode. Entry load mode hooks function entries (calls
 * only); return mode hooks only the exits, which give the call and its error.
 *
 * @throws KernelFunctionMissingError / TracepointMissingError / TracefsNotMountedError
 */
export function planFd(mode: AttachMode, returnMode: boolean, features: Pick<Features, 'hasKernelFunction'>): FdPlan {
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  let closeReturnsFile = false;
  const hooked: string[] = [];

  if (mode === 'tracepoint') {
    for (const [program, event] of Object.entries(FD_TRACEPOINTS)) {
      if (!tracepointExists(FD_NAME, 'syscalls', event)) continue;
      programs.set(program, (p) => p.attachTracepoint('syscalls', event));
      hooked.push(`syscalls/${event}`);
    }
    const opens = [...programs.keys()].some((p) => p !== 'tracepoint_sys_exit_close');
    if (!opens || !programs.has('tracepoint_sys_exit_close')) {
      throw new TracepointMissingError(FD_NAME, Object.values(FD_TRACEPOINTS));
    }
    return { programs, targets, closeReturnsFile, hooked };
  }

  const openFn = pickKernelFunction(features, FD_NAME, mode, OPEN_FUNCTIONS) as (typeof OPEN_FUNCTIONS)[number];
  const closeFn = pickKernelFunction(features, FD_NAME, mode, CLOSE_FUNCTIONS) as (typeof CLOSE_FUNCTIONS)[number];
  closeReturnsFile = closeFn === 'file_close_fd';
  hooked.push(openFn, closeFn);

  if (mode === 'trampoline') {
    const open = returnMode ? FD_TRAMPOLINE_OPEN_EXIT[openFn] : 'trampoline_open_entry';
    const close = returnMode ? FD_TRAMPOLINE_CLOSE_EXIT[closeFn] : 'trampoline_close_entry';
    targets.set(open, openFn).set(close, closeFn);
    programs.set(open, (p) => p.attachTrace()).set(close, (p) => p.attachTrace());
  } else {
    const retprobe = returnMode;
    programs.set(returnMode ? 'probe_open_exit' : 'probe_open_entry', (p) => p.attachKprobe(openFn, { retprobe }));
    programs.set(returnMode ? 'probe_close_exit' : 'probe_close_entry', (p) => p.attachKprobe(closeFn, { retprobe }));
  }
  return { programs, targets, closeReturnsFile, hooked };
}

/** Map sizes, map kind and load-time switches for a configuration. */
function configureFd(spec: ObjectSpec, config: CollectorConfig, settings: FdSettings, plan: FdPlan): void {
  const perPid = settings.apps || settings.cgroups;
  const pids = spec.map(FD_MAP.pids);
  pids.maxEntries = pidTableEntries(config, perPid);
  if (perPid && config.mapsPerCore) pids.setKind('percpu_hash');
  spec.setGlobal(PID_GLOBAL.collectPid, COLLECT_PID_LEVEL[config.collectPid]);
  spec.setGlobal(PID_GLOBAL.appsEnabled, perPid);
  spec.setGlobal(PID_GLOBAL.pidPerCpu, perPid && config.mapsPerCore);
  spec.setGlobal(FD_GLOBAL.countErrors, settings.returnMode);
  spec.setGlobal(FD_GLOBAL.closeReturnsFile, plan.closeReturnsFile);
}

async function loadFd(context: CollectorContext, objectPath: string, mode: AttachMode): Promise<FdLoaded> {
  const { config, logger } = context;
  const decision = effectiveAppsCgroups(config, mode);
  const settings: FdSettings = { apps: decision.apps, cgroups: decision.cgroups, returnMode: config.loadMode === 'return' };
  const base = planFd(mode, settings.returnMode, context.loader.features);
  const plan: FdPlan = { ...base, configure: (spec) => configureFd(spec, config, settings, base) };
  const object = await loadAndAttach(context, objectPath, FD_NAME, plan);
  // Said only for the mode that attached: a failed attempt's decision changes nothing.
  if (decision.reason !== undefined) logger.info(`${FD_NAME}: ${decision.reason}`);
  logger.debug(`${FD_NAME}: ${mode} mode, programs ${[...plan.programs.keys()].join(', ')} on ${plan.hooked.join(', ')}`);
  return {
    object,
    totals: object.map(FD_MAP.global),
    pids: settings.apps || settings.cgroups ? object.map(FD_MAP.pids) : undefined,
    settings,
  };
}

/** The fd counters from `tbl_fd_global` lanes. */
export function decodeFdCounters(lanes: ArrayLike<bigint>): FdCounters {
  if (lanes.length < FD_LANES) throw new RangeError(`${FD_MAP.global}: expected ${FD_LANES} counters, got ${lanes.length}`);
  return {
    openCall: lanes[FD_LANE.openCall]!,
    openError: lanes[FD_LANE.openError]!,
    closeCall: lanes[FD_LANE.closeCall]!,
    closeError: lanes[FD_LANE.closeError]!,
  };
}

/**
 * An fd collector definition. Use {@link fdCollector} unless the object file
 * lives somewhere else or the readings are wanted.
 */
export function createFdCollector(options: FdCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, 'fd');
  return {
    name: FD_NAME,
    configKeys: ['fd'],
    configFile: 'fd.conf',
    cliFlag: 'filedescriptor',
    enabledByDefault: true,
    defaultCollectPid: 'real parent',
    modes: MODES,
    description: 'Files opened and closed, and failed opens and closes (return mode)',
    selfTest: fdSelfTest,
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const { instance } = await attachCounterTables({
        module: FD_NAME,
        modes: MODES,
        context,
        pidLanes: FD_LANES,
        load: (m) => loadFd(context, objectPath, m),
        builder: ({ settings }) => new FdChartBuilder({ updateEvery: context.config.updateEvery, ...settings }),
        onRead: options.onRead,
      });
      return new CounterTablesInstance(instance);
    },
  };
}

/** Netdata's fd thread: `filesystem.file_descriptor`, `filesystem.file_error`, `apps.file_*`, `cgroup_*.file_*`, `services.file_*`. */
export const fdCollector: CollectorDefinition = createFdCollector();
