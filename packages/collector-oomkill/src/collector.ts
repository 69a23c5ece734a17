/**
 * The oomkill collector: the `oom/mark_victim` tracepoint in every attach
 * mode, a table of victims read and emptied every tick, and Netdata's
 * `apps.oomkills`, `cgroup_<name>.oomkills` and `services.oomkills` charts.
 */
import { existsSync } from 'node:fs';
import type { BpfMap, BpfObject } from '@ebpf-collectors/core';
import type {
  AppsGroups,
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
import { OomkillCharts } from './charts.js';
import { appsGroupsOfGrouping } from './groups.js';
import { CgroupResolver } from './cgroup-ids.js';
import { COUNTER, MAP, PROGRAM, TRACEPOINT } from './internal-types.js';
import { MODULE } from './metrics.js';
import { oomkillSelfTest } from './self-test.js';
import type { OomkillCollectorOptions, OomkillReading } from './types.js';
import { attributeVictim, decodeVictims } from './victims.js';

/** Attach modes: each one is the same tracepoint, as in Netdata. */
export const OOMKILL_MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/**
 * The program and its attach step (the same in every mode): the tp_btf or
 * raw_tp twin of {@link PROGRAM} with `kind` (see the kit's `tracepointKind`),
 * else the perf-event tracepoint.
 *
 * @throws TracepointMissingError when the kernel has no `oom/mark_victim`
 * @throws TracefsNotMountedError without tracefs
 */
export function planPrograms(
  mode: AttachMode,
  exists: (category: string, event: string) => boolean = (category, event) => tracepointExists(MODULE, category, event),
  kind: TracepointKind = 'tracepoint',
): Map<string, Attacher> {
  return planTracepointHooks(MODULE, [{ program: PROGRAM, ...TRACEPOINT, typed: true }], exists, mode, { kind });
}

/** A running oomkill collector. */
export class OomkillInstance extends ObjectInstance {
  readonly #context: CollectorContext;
  readonly #charts: OomkillCharts;
  readonly #resolver: CgroupResolver;
  readonly #apps: AppsGroups | undefined;
  readonly #onRead: ((reading: OomkillReading) => void) | undefined;
  #stats: BpfMap;
  #victims: BpfMap;
  #lost = 0n;

  constructor(options: {
    object: BpfObject;
    mode: AttachMode;
    report: AttachReport;
    context: CollectorContext;
    mountinfoPath?: string | undefined;
    onRead?: ((reading: OomkillReading) => void) | undefined;
  }) {
    super(MODULE, options, options.object);
    const { object, context } = options;
    this.#stats = object.map(MAP.stats);
    this.#victims = object.map(MAP.victims);
    this.#context = context;
    this.#onRead = options.onRead;
    this.#apps = appsGroupsOfGrouping(context.grouping);
    this.#resolver = CgroupResolver.fromMountinfo(options.mountinfoPath);
    const { config } = context;
    // Netdata turns apps on for this thread whatever `apps` says; the kernel keeps no per-PID table to clean, so no mode turns them off.
    this.#charts = new OomkillCharts({
      updateEvery: config.updateEvery,
      apps: config.apps,
      cgroups: config.cgroups,
      ...(this.#apps ? { appOrder: this.#apps.names() } : {}),
      exists: existsSync,
    });
  }

  charts(): ChartDefinition[] {
    return this.#charts.charts(this.#context.grouping.exposedApps());
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const counters = Array.from(this.#stats.readU64Array());
    const dump = this.#victims.readAll({ andDelete: true });
    const victims = decodeVictims(dump.count, dump.keys, dump.values, this.#victims.valueSize);
    this.#onRead?.({ counters, victims });
    const { grouping } = this.#context;
    const lost = counters[COUNTER.lost] ?? 0n;
    const unrecorded = lost >= this.#lost ? lost - this.#lost : lost;
    this.#lost = lost;
    const wantGroups = this.#context.config.cgroups;
    const kills = victims.map((victim) => ({
      kills: victim.kills,
      attribution: attributeVictim(victim, {
        grouping,
        apps: this.#apps,
        ...(wantGroups ? { classify: (v: typeof victim) => this.#resolver.classify(v) } : {}),
      }),
    }));
    return this.#charts.frame({
      kills,
      unrecorded,
      exposedApps: grouping.exposedApps(),
      cgroups: wantGroups ? grouping.cgroups() : [],
      services: wantGroups ? grouping.services() : [],
    });
  }

}

/** An oomkill collector definition; {@link oomkillCollector} unless the object lives elsewhere. */
export function createOomkillCollector(options: OomkillCollectorOptions = {}): CollectorDefinition {
  return defineCollector({
    name: MODULE,
    description: 'OOM kills per app group, cgroup and service (oom/mark_victim tracepoint in every mode)',
    modes: OOMKILL_MODES,
    enabledByDefault: true,
    selfTest: oomkillSelfTest,
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, MODULE);
      const { value, mode, report } = await attachFirstMode(MODULE, OOMKILL_MODES, context, async (mode) => {
        const kind = tracepointKind(context.loader.features);
        const programs = planPrograms(mode, undefined, kind);
        const object = await loadAndAttach(context, objectPath, MODULE, { programs });
        context.logger.debug(`${MODULE}: ${mode} mode, program ${[...programs.keys()].join(', ')} on ${TRACEPOINT.category}/${TRACEPOINT.event} (${kind})`);
        return object;
      });
      return new OomkillInstance({ object: value, mode, report, context, mountinfoPath: options.mountinfoPath, onRead: options.onRead });
    },
  });
}

/** Netdata's oomkill thread: `apps.oomkills`, `cgroup_<name>.oomkills` and `services.oomkills`. */
export const oomkillCollector: CollectorDefinition = createOomkillCollector();
