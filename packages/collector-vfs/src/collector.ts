/**
 * The vfs collector: loads bpf/vfs.bpf.o in one attach mode, reads its maps
 * every tick and turns them into Netdata's vfs charts.
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
import { VfsChartBuilder } from './charts.js';
import {
  GLOBAL,
  MAP,
  PID_LANES,
  TRACEPOINT_SYSCALLS,
  VFS_FUNCTIONS,
  functionProgram,
  tracepointProgram,
} from './internal-types.js';
import { MODULE } from './metrics.js';
import { vfsSelfTest } from './self-test.js';
import type { VfsCollectorOptions, VfsReading } from './types.js';

/** Attach modes this collector implements. */
const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/** What the configuration decides for one attach mode. */
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
 * Programs of one mode and how each attaches. Trampoline and probe hook
 * `vfs_*` (entry side in entry load mode, return side in return mode);
 * tracepoint hooks every syscall exit event the kernel has.
 *
 * @throws KernelFunctionMissingError when a required `vfs_*` function is absent
 * @throws TracefsNotMountedError in tracepoint mode without tracefs
 */
export function planPrograms(
  mode: AttachMode,
  returnMode: boolean,
  features: Pick<Features, 'hasKernelFunction'>,
  eventExists: (event: string) => boolean = (event) => tracepointExists(MODULE, 'syscalls', event),
): Map<string, Attacher> {
  const programs = new Map<string, Attacher>();
  if (mode === 'tracepoint') {
    for (const syscall of TRACEPOINT_SYSCALLS) {
      const event = `sys_exit_${syscall}`;
      if (!eventExists(event)) continue;
      programs.set(tracepointProgram(syscall), (p) => p.attachTracepoint('syscalls', event));
    }
    return programs;
  }
  for (const fn of VFS_FUNCTIONS) {
    if (fn.optional) {
      if (!features.hasKernelFunction(fn.name)) continue;
    } else {
      pickKernelFunction(features, MODULE, mode, [fn.name]);
    }
    const name = functionProgram(mode, fn.name, returnMode);
    programs.set(
      name,
      mode === 'trampoline' ? (p) => p.attachTrace() : (p) => p.attachKprobe(fn.name, { retprobe: returnMode }),
    );
  }
  return programs;
}

/** Size the PID table and set the load-time switches. */
function configure(spec: ObjectSpec, config: CollectorConfig, perPid: boolean): void {
  const pids = spec.map(MAP.pids);
  pids.maxEntries = pidTableEntries(config, perPid);
  if (perPid && config.mapsPerCore) pids.setKind('percpu_hash');
  spec.setGlobal(GLOBAL.collectPid, COLLECT_PID_LEVEL[config.collectPid]);
  spec.setGlobal(GLOBAL.appsEnabled, perPid);
  spec.setGlobal(GLOBAL.pidPerCpu, perPid && config.mapsPerCore);
}

/** Load and attach in one mode; everything opened is closed again when a step fails. */
async function loadInMode(context: CollectorContext, objectPath: string, mode: AttachMode): Promise<Loaded> {
  const { config, logger } = context;
  const decision = effectiveAppsCgroups(config, mode);
  const settings: ModeSettings = { apps: decision.apps, cgroups: decision.cgroups, returnMode: config.loadMode === 'return' };
  const perPid = settings.apps || settings.cgroups;
  const programs = planPrograms(mode, settings.returnMode, context.loader.features);
  const plan: LoadPlan = { programs, configure: (spec) => configure(spec, config, perPid) };
  const object = await loadAndAttach(context, objectPath, MODULE, plan);
  // Only for the mode that attached: a failed probe attempt must not say apps are off.
  if (decision.reason !== undefined) logger.info(decision.reason);
  logger.debug(`${MODULE}: ${mode} mode, programs ${[...programs.keys()].join(', ')}`);
  return { object, totals: object.map(MAP.totals), pids: perPid ? object.map(MAP.pids) : undefined, settings };
}

/**
 * A vfs collector definition. Use {@link vfsCollector} unless the object
 * file lives somewhere else or the raw readings are wanted.
 */
export function createVfsCollector(options: VfsCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, MODULE);
  return {
    name: MODULE,
    configKeys: ['vfs'],
    configFile: 'vfs.conf',
    cliFlag: 'vfs',
    enabledByDefault: false,
    defaultCollectPid: 'real parent',
    modes: MODES,
    description: 'VFS reads and writes (calls, bytes, errors), deletes, fsync, open and create calls and errors',
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const { instance } = await attachCounterTables({
        module: MODULE,
        modes: MODES,
        context,
        pidLanes: PID_LANES,
        load: (m) => loadInMode(context, objectPath, m),
        builder: ({ settings }) => new VfsChartBuilder({ updateEvery: context.config.updateEvery, ...settings }),
        onRead: options.onRead,
      });
      return new CounterTablesInstance(instance);
    },
    selfTest: vfsSelfTest,
  };
}

/** Netdata's vfs thread: `filesystem.vfs_*`, `apps.*`, `cgroup_<name>.*` and `services.*` charts. */
export const vfsCollector: CollectorDefinition = createVfsCollector();
