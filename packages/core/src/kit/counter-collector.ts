/**
 * The collector contract in one call. {@link defineCollector} fills a
 * collector's registration (name, Netdata module names, config file, CLI
 * flag, defaults) from the fewest facts; {@link defineCounterCollector}
 * also owns the whole start of a counter collector (global counters plus an
 * optional per-PID table): per-mode settings, the PID table's size, kind and
 * load-time switches, load and attach with fallback, the running instance
 * and `update every` in every chart. What is left to the collector is its
 * own: the hooks it plans per mode, its lanes, its chart table.
 */
import type { BpfObject, Features, Logger, ObjectSpec } from '@ebpf-collectors/loader-native';
import { effectiveAppsCgroups } from '../config/load.js';
import type {
  AttachMode,
  CollectPid,
  CollectorConfig,
  CollectorContext,
  CollectorDefinition,
  CollectorInstance,
} from '../types.js';
import type { SelfTest } from '../self-test.js';
import { CounterChartBuilder, type ChartSettings, type CounterChartsSpec } from './counter-charts.js';
import {
  CounterTablesInstance,
  attachCounterTables,
  type CounterTablesInstanceOptions,
  type CounterTablesReading,
  type TickChartBuilder,
} from './counter-tables.js';
import { loadAndAttach, shippedObjectPath, type LoadPlan } from './load.js';
import { COLLECT_PID_LEVEL, pidTableEntries, pidTableKind, possibleCpuCount } from './pid-map.js';

/** What a collector says about itself; everything else of its registration has a default. */
export interface CollectorRegistration {
  /** Netdata thread/module name: `process`, `sync`, `dc`... Also the `module` field of its charts unless `chartModule` says otherwise. */
  readonly name: string;
  /** `[ebpf programs]` keys (current name first). Default: `[name]`. */
  readonly configKeys?: ReadonlyArray<string>;
  /** `ebpf.d/<file>`. Default: `<name>.conf`. */
  readonly configFile?: string;
  /** Netdata command-line flag without dashes. Default: `name`. */
  readonly cliFlag?: string;
  /** Whether `[ebpf programs]` without its key enables it (Netdata's code default). Default: false. */
  readonly enabledByDefault?: boolean;
  /** Default `collect pid` of the thread. Default: `real parent`. */
  readonly defaultCollectPid?: CollectPid;
  /** Attach modes implemented. */
  readonly modes: ReadonlyArray<AttachMode>;
  /** Why each mode that is not implemented is not (printed by `--check`). */
  readonly absentModes?: Readonly<Partial<Record<AttachMode, string>>>;
  /** Whether `ebpf load mode = return` changes what it hooks or charts. Default: false. */
  readonly usesLoadMode?: boolean;
  /** One line for `--help` and `--check`. */
  readonly description: string;
  /** `[global]` keys of its file beyond Netdata's common ones. */
  readonly extraGlobalKeys?: ReadonlyArray<string>;
  /** Sections of its file besides `[global]` that it reads (others are warned about). */
  readonly extraSections?: ReadonlyArray<string>;
  readonly selfTest?: SelfTest;
}

/**
 * A frozen {@link CollectorDefinition} from a registration and a start
 * function, with every default filled.
 */
export function defineCollector<I extends CollectorInstance = CollectorInstance>(
  registration: CollectorRegistration & { start(context: CollectorContext): Promise<I> },
): CollectorDefinition & { start(context: CollectorContext): Promise<I> } {
  const { name } = registration;
  return Object.freeze({
    ...registration,
    configKeys: Object.freeze([...(registration.configKeys ?? [name])]),
    configFile: registration.configFile ?? `${name}.conf`,
    cliFlag: registration.cliFlag ?? name,
    enabledByDefault: registration.enabledByDefault ?? false,
    defaultCollectPid: registration.defaultCollectPid ?? 'real parent',
    modes: Object.freeze([...registration.modes]),
  });
}

/** What the configuration decides for the attach mode being tried. */
export interface CounterSettings extends ChartSettings {
  readonly mode: AttachMode;
  /** Per-PID values are kept (apps or cgroups on). */
  readonly perPid: boolean;
}

/** What a collector's plan step may look at. */
export interface PlanContext {
  readonly config: CollectorConfig;
  readonly features: Features;
  readonly logger: Logger;
}

/** The programs of one mode, plus what the debug log should say it hooked. */
export interface CounterModePlan extends LoadPlan {
  /** Functions or events hooked, for the debug log. */
  readonly hooked?: ReadonlyArray<string>;
}

/** The names of the tables a counter collector reads. */
export interface CounterMaps {
  /** Per-CPU array with one entry of u64 lanes. */
  readonly totals: string;
  /**
   * Per-PID hash keyed by u32 PID with `pidLanes` u64 lanes, using the
   * `ebpfc_pid.h` globals. The kit sizes it (`pid table size` by `collect
   * pid`, 1 entry when apps and cgroups are off), makes it per-CPU under
   * `maps per core` and sets the globals.
   */
  readonly pids?: string;
}

/** Everything a counter collector is. */
export interface CounterCollectorSpec<S extends CounterSettings = CounterSettings> extends CollectorRegistration {
  /** `import.meta.url` of a module in the package's `dist/`: the object ships as `<package>/bpf/<object>.bpf.o`. */
  readonly objectUrl: string;
  /** Object name. Default: `name`. */
  readonly object?: string;
  readonly maps: CounterMaps;
  /** u64 lanes of a per-PID value (0 without a per-PID table). */
  readonly pidLanes: number;
  /** Settings beyond the kit's, from the configuration (e.g. a collector-specific switch). */
  settings?(base: CounterSettings, config: CollectorConfig): S;
  /**
   * The programs of one mode and their attach steps, `configure` for what
   * the kit does not set.
   *
   * @throws when the mode cannot run on this kernel (the kit records why and tries the next)
   */
  plan(settings: S, context: PlanContext): CounterModePlan;
  /** The chart table for the settings of the mode that attached. */
  charts(settings: S): CounterChartsSpec | TickChartBuilder;
}

/** Options every counter collector's factory takes. */
export interface CounterCollectorOptions {
  /** Path of the compiled object. Default: the one shipped in the collector's package. */
  objectPath?: string;
  /**
   * Receives what each `collect()` read from the kernel, before it is turned
   * into charts and before dead PIDs are dropped. For recording fixtures and
   * debugging; it must not change the arrays.
   */
  onRead?: (reading: CounterTablesReading) => void;
}

/** The loaded object and the settings of the mode that attached. */
export interface CounterLoaded<S extends CounterSettings = CounterSettings> {
  readonly object: BpfObject;
  readonly settings: S;
}

/**
 * Size the per-PID table, make it per-CPU under `maps per core` when that
 * fits `PER_CPU_PID_TABLE_BUDGET`, and set the `ebpfc_pid.h` switches.
 * Returns why `maps per core` was not followed, if it was not.
 */
function configurePidTable(spec: ObjectSpec, map: string, config: CollectorConfig, perPid: boolean): string | undefined {
  const pids = spec.map(map);
  pids.maxEntries = pidTableEntries(config, perPid);
  const kind = perPid ? pidTableKind(config.mapsPerCore, pids.maxEntries, pids.valueSize, possibleCpuCount()) : { perCpu: false };
  if (kind.perCpu) pids.setKind('percpu_hash');
  spec.setGlobal('ebpfc_collect_pid', COLLECT_PID_LEVEL[config.collectPid]);
  spec.setGlobal('ebpfc_apps_enabled', perPid);
  spec.setGlobal('ebpfc_pid_per_cpu', kind.perCpu);
  return 'reason' in kind ? kind.reason : undefined;
}

/** The kit's settings of a mode, before the collector's own. */
export function counterSettings(config: CollectorConfig, mode: AttachMode, perPidTable: boolean): CounterSettings & { reason?: string } {
  const decision = perPidTable ? effectiveAppsCgroups(config, mode) : { apps: false, cgroups: false };
  return {
    mode,
    apps: decision.apps,
    cgroups: decision.cgroups,
    perPid: decision.apps || decision.cgroups,
    returnMode: config.loadMode === 'return',
    updateEvery: config.updateEvery,
    ...('reason' in decision && decision.reason !== undefined ? { reason: decision.reason } : {}),
  };
}

/**
 * Load and attach a counter collector in one mode; everything opened is
 * closed again when a step fails.
 */
export async function loadCounterMode<S extends CounterSettings>(
  spec: CounterCollectorSpec<S>,
  context: CollectorContext,
  objectPath: string,
  mode: AttachMode,
): Promise<CounterLoaded<S>> {
  const { config, logger } = context;
  const { reason, ...base } = counterSettings(config, mode, spec.maps.pids !== undefined);
  const settings = spec.settings ? spec.settings(base, config) : (base as S);
  const plan = spec.plan(settings, { config, features: context.loader.features, logger });
  const pidMap = spec.maps.pids;
  let tableNote: string | undefined;
  const load: LoadPlan = {
    programs: plan.programs,
    ...(plan.targets ? { targets: plan.targets } : {}),
    configure(objectSpec) {
      if (pidMap !== undefined) tableNote = configurePidTable(objectSpec, pidMap, config, settings.perPid);
      plan.configure?.(objectSpec);
    },
  };
  const object = await loadAndAttach(context, objectPath, spec.name, load);
  // Said only for the mode that attached: a failed attempt turned nothing off.
  if (reason !== undefined) logger.info(`${spec.name}: ${reason}`);
  if (tableNote !== undefined) logger.info(`${spec.name}: ${tableNote}`);
  const hooked = plan.hooked ?? [...(plan.targets?.values() ?? [])];
  logger.debug(
    `${spec.name}: ${mode} mode, programs ${[...plan.programs.keys()].join(', ')}` + (hooked.length > 0 ? ` on ${hooked.join(', ')}` : ''),
  );
  return { object, settings };
}

/** The chart builder for what loaded. */
function chartBuilder<S extends CounterSettings>(spec: CounterCollectorSpec<S>, settings: S): TickChartBuilder {
  const charts = spec.charts(settings);
  return 'frame' in charts ? charts : new CounterChartBuilder(charts, settings);
}

/**
 * Start a counter collector: the first mode of `modeOrder(config)` that
 * loads and attaches, and the options of its {@link CounterTablesInstance}
 * (for collectors that extend the instance).
 *
 * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
 */
export async function startCounterCollector<S extends CounterSettings>(
  spec: CounterCollectorSpec<S>,
  context: CollectorContext,
  options: CounterCollectorOptions = {},
): Promise<{ loaded: CounterLoaded<S>; instance: CounterTablesInstanceOptions }> {
  const objectPath = options.objectPath ?? shippedObjectPath(spec.objectUrl, spec.object ?? spec.name);
  const { loaded, instance } = await attachCounterTables({
    module: spec.name,
    modes: spec.modes,
    ...(spec.absentModes ? { absentModes: spec.absentModes } : {}),
    context,
    pidLanes: spec.pidLanes,
    load: async (mode) => {
      const value = await loadCounterMode(spec, context, objectPath, mode);
      const { object, settings } = value;
      try {
        return {
          ...value,
          totals: object.map(spec.maps.totals),
          pids: settings.perPid && spec.maps.pids !== undefined ? object.map(spec.maps.pids) : undefined,
        };
      } catch (error) {
        object.close();
        throw error;
      }
    },
    builder: (value) => chartBuilder(spec, value.settings),
    onRead: options.onRead,
  });
  return { loaded, instance };
}

/**
 * A collector definition from a {@link CounterCollectorSpec}: registration
 * defaults filled, and a `start` that loads, attaches and runs a
 * {@link CounterTablesInstance}.
 */
export function defineCounterCollector<S extends CounterSettings>(
  spec: CounterCollectorSpec<S>,
  options: CounterCollectorOptions = {},
): CollectorDefinition {
  return defineCollector({
    ...registrationOf(spec),
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const { instance } = await startCounterCollector(spec, context, options);
      return new CounterTablesInstance(instance);
    },
  });
}

/** The registration part of a spec (what {@link defineCollector} takes). */
export function registrationOf(spec: CollectorRegistration): CollectorRegistration {
  const { name, configKeys, configFile, cliFlag, enabledByDefault, defaultCollectPid, modes, absentModes, usesLoadMode, description, extraGlobalKeys, extraSections, selfTest } = spec;
  return {
    name,
    modes,
    ...(absentModes ? { absentModes } : {}),
    ...(usesLoadMode ? { usesLoadMode } : {}),
    description,
    ...(configKeys ? { configKeys } : {}),
    ...(configFile ? { configFile } : {}),
    ...(cliFlag ? { cliFlag } : {}),
    ...(enabledByDefault !== undefined ? { enabledByDefault } : {}),
    ...(defaultCollectPid ? { defaultCollectPid } : {}),
    ...(extraGlobalKeys ? { extraGlobalKeys } : {}),
    ...(extraSections ? { extraSections } : {}),
    ...(selfTest ? { selfTest } : {}),
  };
}
