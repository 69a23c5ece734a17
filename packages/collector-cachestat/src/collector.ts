/**
 * The cachestat collector: loads bpf/cachestat.bpf.o in one attach mode,
 * reads its counters every tick and turns them into Netdata's cachestat charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec, CounterSettings, FunctionHook, TracepointHook } from '@ebpf-collectors/core';
import { defineCounterCollector, planFunctionHooks, planTracepointHooks, tracepointKind, type Attacher } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { CachestatChartBuilder, type CachestatChartOptions } from './charts.js';
import { EVENT_FUNCTIONS, EVENT_TRACEPOINTS, MAP, PID_LANES, eventProgram, type CachestatEvent } from './internal-types.js';
import { MODULE } from './metrics.js';
import { cachestatSelfTest } from './self-test.js';
import type { CachestatCollectorOptions } from './types.js';

const EVENTS: ReadonlyArray<CachestatEvent> = ['add', 'access', 'dirtied', 'buffer_dirty'];

/** Programs of one mode, with the kernel function or tracepoint each one hooks. */
export interface CachestatPlan {
  readonly programs: Map<string, Attacher>;
  readonly targets?: Map<string, string>;
  readonly hooked: ReadonlyArray<string>;
}

/**
 * Programs of one mode. Trampoline and probe hook, for each event, the first
 * function of its candidates the kernel has (BTF); tracepoint hooks the three
 * tracepoints that sit in those functions (no tracepoint marks a page accessed),
 * as tp_btf, else raw_tp, else perf-event tracepoints (the kit's `tracepointKind`).
 *
 * @throws KernelFunctionMissingError when an event has none of its functions
 * @throws TracepointMissingError when a tracepoint is missing
 */
export function planPrograms(
  mode: AttachMode,
  features: Pick<Features, 'hasKernelFunction' | 'tpBtf' | 'rawTracepoint'>,
  eventExists?: (category: string, event: string) => boolean,
): CachestatPlan {
  if (mode === 'tracepoint') {
    const hooks: TracepointHook[] = [];
    for (const event of EVENTS) {
      const tp = EVENT_TRACEPOINTS[event];
      if (tp) hooks.push({ program: eventProgram('tracepoint', event), ...tp, typed: true });
    }
    const kind = tracepointKind(features);
    const programs = planTracepointHooks(MODULE, hooks, eventExists, mode, { kind });
    return { programs, hooked: hooks.map((h) => `${h.category}/${h.event} (${kind})`) };
  }
  const family = mode === 'trampoline' ? 'trampoline' : 'probe';
  const hooks: FunctionHook[] = EVENTS.map((event) => ({ program: eventProgram(family, event), fn: EVENT_FUNCTIONS[event] }));
  const plan = planFunctionHooks(MODULE, family, hooks, features);
  return { programs: plan.programs, targets: plan.targets, hooked: [...plan.hooked.values()] };
}

type Settings = CounterSettings & Pick<CachestatChartOptions, 'accessKnown'>;

const CACHESTAT: Omit<CounterCollectorSpec<Settings>, 'selfTest'> = {
  name: MODULE,
  description: 'page cache: hit ratio, dirty pages, hits and misses (tracepoint mode: dirty pages and misses only)',
  modes: ['trampoline', 'probe', 'tracepoint'],
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  settings: (base) => ({ ...base, accessKnown: base.mode !== 'tracepoint' }),
  plan: (settings, { features }) => {
    const plan = planPrograms(settings.mode, features);
    return { programs: plan.programs, ...(plan.targets ? { targets: plan.targets } : {}), hooked: plan.hooked };
  },
  charts: (settings) => new CachestatChartBuilder(settings),
};

/** A cachestat collector definition (options: another object file, raw readings). */
export function createCachestatCollector(options: CachestatCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...CACHESTAT, selfTest: cachestatSelfTest }, options);
}

/** Netdata's cachestat thread: `mem.cachestat_*`, `apps.*`, `cgroup_<name>.*` and `services.*` charts. */
export const cachestatCollector: CollectorDefinition = createCachestatCollector();
