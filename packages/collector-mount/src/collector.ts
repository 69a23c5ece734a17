/**
 * The mount collector: mount(2), umount2(2) and move_mount(2) hooked in the
 * attach mode being tried, four `tbl_mount` lanes, Netdata's two
 * `mount_points.*` charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec } from '@ebpf-collectors/core';
import { defineCounterCollector, planSyscallHooks, type SyscallPlan } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { mountCharts } from './charts.js';
import { MAP, OPS, programOf } from './internal-types.js';
import { MODULE } from './metrics.js';
import { mountSelfTest } from './self-test.js';
import type { MountCollectorOptions } from './types.js';

/** What a plan hooked: the programs and, for the debug log, the functions or events. */
export type MountPlan = SyscallPlan;

/**
 * Programs of one mode: the entry side (calls) of each syscall's function in
 * entry load mode, its return side (calls and errors) in return load mode,
 * or the `syscalls/sys_exit_*` events (calls and errors in both load modes:
 * the event carries the result anyway). move_mount is left out where the
 * kernel lacks it.
 *
 * @throws KernelFunctionMissingError when mount's or umount's function is absent
 * @throws TracepointMissingError when sys_exit_mount or sys_exit_umount is absent
 */
export function planPrograms(
  mode: AttachMode,
  returnMode: boolean,
  features: Pick<Features, 'hasKernelFunction'>,
  eventExists?: (category: string, event: string) => boolean,
): MountPlan {
  // The exit event carries the result, so tracepoint mode counts errors in both load modes.
  return planSyscallHooks(MODULE, mode, OPS.map(({ op }) => op), features, {
    program: (m, op) => programOf(m, op as (typeof OPS)[number]['op'], m === 'tracepoint' || returnMode),
    side: 'exit',
    retprobe: returnMode,
    optional: new Set(OPS.filter((o) => o.optional).map((o) => o.op)),
    ...(eventExists ? { eventExists } : {}),
  });
}

/** Netdata's mount thread as the kit's counter collector. */
const MOUNT: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: MODULE,
  description: 'calls and errors of mount and umount (move_mount counted as a mount)',
  enabledByDefault: true,
  defaultCollectPid: 'not set',
  modes: ['trampoline', 'probe', 'tracepoint'],
  usesLoadMode: true,
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals },
  pidLanes: 0,
  plan: (settings, { features }) => planPrograms(settings.mode, settings.returnMode, features),
  charts: mountCharts,
};

/** A mount collector definition. Use {@link mountCollector} unless the object lives elsewhere or raw readings are wanted. */
export function createMountCollector(options: MountCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...MOUNT, selfTest: mountSelfTest }, options);
}

/** Netdata's mount thread: `mount_points.call` and `mount_points.error`. */
export const mountCollector: CollectorDefinition = createMountCollector();
