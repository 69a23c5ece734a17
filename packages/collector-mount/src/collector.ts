/**
 * The mount collector: mount(2), umount2(2) and move_mount(2) hooked in the
 * attach mode being tried, four `tbl_mount` lanes, Netdata's two
 * `mount_points.*` charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec } from '@ebpf-collectors/core';
import { defineCounterCollector, planSyscallExit, planSyscallHooks, type SyscallExitHook, type SyscallPlan } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { mountCharts } from './charts.js';
import { MAP, MOUNT_SYSCALL_EXIT_PROGRAM, OPS, programOf } from './internal-types.js';
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
 * kernel lacks it. In tracepoint mode the exits join a generic `sys_exit`
 * program (tp_btf, else raw_tp) when another collector of the plugin (vfs,
 * filesystem, fd) already put one there: mounts are rare, so the program
 * costs other syscalls only its switch on the id, and the three perf-event
 * links it replaces each waited a grace period at stop (bench/README.md,
 * issue 12, session 5). Alone, mount keeps its three tracepoints.
 *
 * @throws KernelFunctionMissingError when mount's or umount's function is absent
 * @throws TracepointMissingError when sys_exit_mount or sys_exit_umount is absent
 */
export function planPrograms(
  mode: AttachMode,
  returnMode: boolean,
  features: Pick<Features, 'hasKernelFunction'> & Partial<Pick<Features, 'tpBtf' | 'rawTracepoint'>>,
  eventExists?: (category: string, event: string) => boolean,
): MountPlan {
  // The exit event carries the result, so tracepoint mode counts errors in both load modes.
  const perSyscall = (m: AttachMode) =>
    planSyscallHooks(MODULE, m, OPS.map(({ op }) => op), features, {
      program: (pm, op) => programOf(pm, op as (typeof OPS)[number]['op'], pm === 'tracepoint' || returnMode),
      side: 'exit',
      retprobe: returnMode,
      optional: new Set(OPS.filter((o) => o.optional).map((o) => o.op)),
      ...(eventExists ? { eventExists } : {}),
    });
  if (mode !== 'tracepoint' || features.tpBtf === undefined || features.rawTracepoint === undefined) return perSyscall(mode);
  const generic = { tpBtf: features.tpBtf.bind(features), rawTracepoint: features.rawTracepoint.bind(features) };
  const plan = planSyscallExit(
    { program: MOUNT_SYSCALL_EXIT_PROGRAM, perSyscall: () => perSyscall(mode), order: MOUNT_EXIT_ORDER, shareGeneric: true },
    generic,
  );
  return { programs: plan.programs, targets: new Map(), hooked: plan.hooked };
}

/** Per-syscall tracepoints unless a generic `sys_exit` program is already there (see {@link planPrograms}). */
const MOUNT_EXIT_ORDER: ReadonlyArray<SyscallExitHook> = ['tracepoint', 'tp_btf', 'raw_tp'];

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
