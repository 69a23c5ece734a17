/**
 * The vfs collector: loads bpf/vfs.bpf.o in one attach mode, reads its maps
 * every tick and turns them into Netdata's vfs charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec, FunctionHook, TracepointHook } from '@ebpf-collectors/core';
import { defineCounterCollector, planFunctionHooks, planSyscallExit, planTracepointHooks, tracepointExists } from '@ebpf-collectors/core';
import type { CounterModePlan, Features } from '@ebpf-collectors/core';
import { vfsCharts } from './charts.js';
import { MAP, PID_LANES, SYSCALL_EXIT_PROGRAM, TRACEPOINT_SYSCALLS, VFS_FUNCTIONS, functionProgram, tracepointProgram } from './internal-types.js';
import { MODULE } from './metrics.js';
import { vfsSelfTest } from './self-test.js';
import type { VfsCollectorOptions } from './types.js';

/**
 * Programs of one mode and how each attaches. Trampoline and probe hook
 * `vfs_*` (entry side in entry load mode, return side in return mode).
 * Tracepoint mode hooks the syscall exits: one program on the generic
 * `sys_exit` (tp_btf, else raw_tp) switching on the syscall id, else one
 * exit tracepoint per syscall the kernel has (see the README for why).
 *
 * @throws KernelFunctionMissingError when a required `vfs_*` function is absent
 * @throws TracefsNotMountedError in tracepoint mode without tracefs (per-syscall tracepoints only)
 */
export function planPrograms(
  mode: AttachMode,
  returnMode: boolean,
  features: Pick<Features, 'hasKernelFunction' | 'tpBtf' | 'rawTracepoint'>,
  eventExists: (event: string) => boolean = (event) => tracepointExists(MODULE, 'syscalls', event),
): CounterModePlan {
  if (mode === 'tracepoint') {
    return planSyscallExit(
      {
        program: SYSCALL_EXIT_PROGRAM,
        perSyscall: () => {
          const hooks: TracepointHook[] = TRACEPOINT_SYSCALLS.map((syscall) => ({
            program: tracepointProgram(syscall),
            category: 'syscalls',
            event: `sys_exit_${syscall}`,
            optional: true,
          }));
          const programs = planTracepointHooks(MODULE, hooks, (_category, event) => eventExists(event));
          return { programs, hooked: hooks.filter((h) => programs.has(h.program)).map((h) => `syscalls/${h.event}`) };
        },
      },
      features,
    );
  }
  const hooks: FunctionHook[] = VFS_FUNCTIONS.map((fn) => ({
    program: functionProgram(mode, fn.name, returnMode),
    fn: fn.name,
    retprobe: returnMode,
    optional: fn.optional,
  }));
  const plan = planFunctionHooks(MODULE, mode, hooks, features);
  return { programs: plan.programs, targets: plan.targets, hooked: [...plan.hooked.values()] };
}

/** Netdata's vfs thread as the kit's counter collector. */
const VFS: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: MODULE,
  description: 'VFS reads and writes (calls, bytes, errors), deletes, fsync, open and create calls and errors',
  modes: ['trampoline', 'probe', 'tracepoint'],
  usesLoadMode: true,
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  plan: (settings, { features }) => planPrograms(settings.mode, settings.returnMode, features),
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
