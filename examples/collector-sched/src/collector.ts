/**
 * The sched collector: counts context switches on `sched:sched_switch`,
 * per process when apps or cgroup charts are on. Everything else (config,
 * PID table, load and attach, app groups, `update every`) is the kit's.
 */
import type { CollectorDefinition, CounterCollectorOptions, CounterCollectorSpec, TracepointHook } from '@ebpf-collectors/core';
import { defineCounterCollector, planTracepointHooks } from '@ebpf-collectors/core';
import { schedCharts } from './charts.js';
import { SCHED_PID_STAT_LANES, type MapName, type ProgramName } from './generated/sched.js';
import { MODULE } from './metrics.js';

/** Map names, checked against the object by the compiler (`MapName` is generated from its BTF). */
const MAPS = { totals: 'tbl_sched_stats', pids: 'tbl_sched_pid' } as const satisfies Record<string, MapName>;

/** The one hook: the classic tracepoint, present on every kernel this runs on. */
const HOOKS: ReadonlyArray<TracepointHook & { program: ProgramName }> = [
  { program: 'tracepoint_sched_switch', category: 'sched', event: 'sched_switch' },
];

/** The collector as the kit's counter collector spec. */
export const SCHED_SPEC: CounterCollectorSpec = {
  name: MODULE,
  description: 'context switches (sched:sched_switch), voluntary and involuntary, per app group',
  modes: ['tracepoint'],
  objectUrl: import.meta.url,
  maps: MAPS,
  pidLanes: SCHED_PID_STAT_LANES,
  plan: () => ({ programs: planTracepointHooks(MODULE, HOOKS) }),
  charts: schedCharts,
};

/** A sched collector definition; `objectPath` points at another build of bpf/sched.bpf.o. */
export function createSchedCollector(options: CounterCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector(SCHED_SPEC, options);
}

/** The sched collector: `sched.switches`, `apps.sched_switches`, `cgroup_<name>.sched_switches`, `services.sched_switches`. */
export const schedCollector: CollectorDefinition = createSchedCollector();
