/**
 * The process collector: loads bpf/process.bpf.o in one attach mode, reads its
 * maps every tick and turns them into Netdata's process charts.
 */
import type {
  AttachMode,
  CollectorConfig,
  CollectorContext,
  CollectorDefinition,
  CollectorInstance,
} from '@ebpf-collectors/core';
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
import { ProcessChartBuilder } from './charts.js';
import {
  CLONE_FUNCTIONS,
  COMMON_PROGRAMS,
  GLOBAL,
  MAP,
  PID_LANES,
  RELEASE_FUNCTION,
  TRACEPOINT_ERROR_PROGRAMS,
  TRACEPOINT_PAIRS,
} from './internal-types.js';
import { MODULE } from './metrics.js';
import { processSelfTest } from './self-test.js';
import type { ProcessCollectorOptions, ProcessReading } from './types.js';

/** Attach modes this collector implements. */
const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

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
 * Programs and attach steps of one mode.
 *
 * @throws KernelFunctionMissingError in return mode when the kernel has neither `kernel_clone` nor `_do_fork`
 * @throws TracefsNotMountedError in tracepoint return mode without tracefs
 */
function planMode(mode: AttachMode, returnMode: boolean, features: Pick<Features, 'hasKernelFunction'>): ModePlan {
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  let cloneFlags = false;

  switch (mode) {
    case 'trampoline': {
      programs.set('trampoline_release_task', (p) => p.attachTrace());
      if (returnMode) {
        const cloneFn = pickKernelFunction(features, MODULE, mode, CLONE_FUNCTIONS);
        targets.set('trampoline_kernel_clone', cloneFn);
        programs.set('trampoline_kernel_clone', (p) => p.attachTrace());
      }
      break;
    }
    case 'probe': {
      programs.set('probe_release_task', (p) => p.attachKprobe(RELEASE_FUNCTION));
      if (returnMode) {
        const cloneFn = pickKernelFunction(features, MODULE, mode, CLONE_FUNCTIONS);
        programs.set('probe_kernel_clone_entry', (p) => p.attachKprobe(cloneFn));
        programs.set('probe_kernel_clone_exit', (p) => p.attachKprobe(cloneFn, { retprobe: true }));
        cloneFlags = true;
      }
      break;
    }
    case 'tracepoint': {
      programs.set('tracepoint_sched_process_free', (p) => p.attachRawTracepoint('sched_process_free'));
      if (returnMode) {
        // Architectures differ (arm64 has no fork/vfork; clone3 is 5.3+): hook what exists.
        const present = (name: keyof typeof TRACEPOINT_ERROR_PROGRAMS) =>
          tracepointExists(MODULE, 'syscalls', TRACEPOINT_ERROR_PROGRAMS[name]);
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

/** Size the maps and set the load-time switches. */
function configure(spec: ObjectSpec, plan: ModePlan, config: CollectorConfig, perPid: boolean): void {
  const pids = spec.map(MAP.pids);
  pids.maxEntries = pidTableEntries(config, perPid);
  if (perPid && config.mapsPerCore) pids.setKind('percpu_hash');
  if (!plan.cloneFlags) spec.map(MAP.cloneFlags).maxEntries = 1;
  spec.setGlobal(GLOBAL.collectPid, COLLECT_PID_LEVEL[config.collectPid]);
  spec.setGlobal(GLOBAL.appsEnabled, perPid);
  spec.setGlobal(GLOBAL.pidPerCpu, perPid && config.mapsPerCore);
}

/** Load and attach in one mode; everything opened is closed again when a step fails. */
async function loadInMode(context: CollectorContext, objectPath: string, mode: AttachMode): Promise<Loaded> {
  const { config, logger } = context;
  const decision = effectiveAppsCgroups(config, mode);
  const settings: ModeSettings = {
    apps: decision.apps,
    cgroups: decision.cgroups,
    returnMode: config.loadMode === 'return',
  };
  const perPid = settings.apps || settings.cgroups;
  const plan = planMode(mode, settings.returnMode, context.loader.features);
  const load: LoadPlan = {
    programs: plan.programs,
    targets: plan.targets,
    configure: (spec) => configure(spec, plan, config, perPid),
  };
  const object = await loadAndAttach(context, objectPath, MODULE, load);
  // Said once the mode is in use: a mode that failed to attach turned nothing off.
  if (decision.reason !== undefined) logger.info(decision.reason);
  logger.debug(
    `${MODULE}: ${mode} mode, programs ${[...plan.programs.keys()].join(', ')}` +
      (plan.targets.size > 0 ? `, targets ${[...plan.targets.values()].join(', ')}` : ''),
  );
  return { object, totals: object.map(MAP.totals), pids: perPid ? object.map(MAP.pids) : undefined, settings };
}

/**
 * A process collector definition. Use {@link processCollector} unless the
 * object file lives somewhere else.
 */
export function createProcessCollector(options: ProcessCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, MODULE);
  return {
    name: MODULE,
    configKeys: ['process'],
    configFile: 'process.conf',
    cliFlag: 'process',
    enabledByDefault: true,
    defaultCollectPid: 'real parent',
    modes: MODES,
    description: 'Processes and threads started, tasks exiting and released, fork/clone failures',
    selfTest: processSelfTest,
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
        builder: ({ settings }) => new ProcessChartBuilder({ updateEvery: context.config.updateEvery, ...settings }),
        onRead: options.onRead,
      });
      return new CounterTablesInstance(instance);
    },
  };
}

/** Netdata's process thread: `system.process_thread`, `system.exit`, `system.process_status`, `system.task_error`, `apps.*`, `cgroup_*.*`, `services.*`. */
export const processCollector: CollectorDefinition = createProcessCollector();
