/**
 * The vfs collector: loads bpf/vfs.bpf.o in one attach mode, reads its maps
 * every tick and turns them into Netdata's vfs charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec, FunctionHook, TracepointHook } from '@ebpf-collectors/core';
import { defineCounterCollector, planFunctionHooks, planTracepointHooks, tracepointExists, type Attacher } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { vfsCharts } from './charts.js';
import { MAP, PID_LANES, TRACEPOINT_SYSCALLS, VFS_FUNCTIONS, functionProgram, tracepointProgram } from './internal-types.js';
import { MODULE } from './metrics.js';
import { vfsSelfTest } from './self-test.js';
import type { VfsCollectorOptions } from './types.js';

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
  if (mode === 'tracepoint') {
    const hooks: TracepointHook[] = TRACEPOINT_SYSCALLS.map((syscall) => ({
      program: tracepointProgram(syscall),
      category: 'syscalls',
      event: `sys_exit_${syscall}`,
      optional: true,
    }));
    return planTracepointHooks(MODULE, hooks, (_category, event) => eventExists(event));
  }
  const hooks: FunctionHook[] = VFS_FUNCTIONS.map((fn) => ({
    program: functionProgram(mode, fn.name, returnMode),
    fn: fn.name,
    retprobe: returnMode,
    optional: fn.optional,
  }));
  return planFunctionHooks(MODULE, mode, hooks, features).programs;
}

/** Netdata's vfs thread as the kit's counter collector. */
const VFS: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: MODULE,
  description: 'VFS reads and writes (calls, bytes, errors), deletes, fsync, open and create calls and errors',
  modes: ['trampoline', 'probe', 'tracepoint'],
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  plan: (settings, { features }) => ({ programs: planPrograms(settings.mode, settings.returnMode, features) }),
  charts: vfsCharts,
};

/**
 * A vfs collector definition. Use {@link vfsCollector} unless the object
 * file lives somewhere else or the raw readings are wanted.
 */
export function createVfsCollector(options: VfsCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...VFS, selfTest: vfsSelfTest }, options);
}

/** Netdata's vfs thread: `filesystem.vfs_*`, `apps.*`, `cgroup_<name>.*` and `services.*` charts. */
export const vfsCollector: CollectorDefinition = createVfsCollector();
