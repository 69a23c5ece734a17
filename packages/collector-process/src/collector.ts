/**
 * The process collector: loads bpf/process.bpf.o in one attach mode, reads its
 * maps every tick and turns them into Netdata's process charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec, CounterModePlan, FunctionHook } from '@ebpf-collectors/core';
import {
  defineCounterCollector,
  planFunctionHooks,
  planSyscallExit,
  tracepointExists,
  tracepointKind,
  type Attacher,
  type SyscallExitHook,
} from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { processCharts } from './charts.js';
import {
  CLONE_FUNCTIONS,
  COMMON_PROGRAMS,
  MAP,
  PID_LANES,
  PROCESS_SYSCALL_EXIT_PROGRAM,
  RELEASE_FUNCTION,
  TASK_PT_REGS_VERSION,
  TRACEPOINT_ENTRY_PROGRAMS,
  TRACEPOINT_ERROR_PROGRAMS,
  TRACEPOINT_PAIRS,
  FREE_PROGRAM,
  tpBtfTwin,
} from './internal-types.js';
import { MODULE } from './metrics.js';
import { processSelfTest } from './self-test.js';
import type { ProcessCollectorOptions } from './types.js';

/** Function hooks of the trampoline and probe families, per load mode. */
function functionHooks(mode: 'trampoline' | 'probe', returnMode: boolean): FunctionHook[] {
  const release: FunctionHook = { program: `${mode}_release_task`, fn: RELEASE_FUNCTION };
  if (!returnMode) return [release];
  if (mode === 'trampoline') return [release, { program: 'trampoline_kernel_clone', fn: CLONE_FUNCTIONS }];
  return [
    release,
    { program: 'probe_kernel_clone_entry', fn: CLONE_FUNCTIONS },
    { program: 'probe_kernel_clone_exit', fn: CLONE_FUNCTIONS, retprobe: true },
  ];
}

/**
 * Tracepoint-mode error programs whose events exist (architectures differ: arm64 has no fork/vfork; clone3 is
 * 5.3+): the syscall exits, and before 5.15 the clone entries that save the flags for them.
 */
function tracepointErrorPrograms(readsRegs: boolean): { programs: Map<string, Attacher>; hooked: string[] } {
  type Name = keyof typeof TRACEPOINT_ERROR_PROGRAMS;
  const present = (name: Name) => tracepointExists(MODULE, 'syscalls', TRACEPOINT_ERROR_PROGRAMS[name]);
  const skip = new Set<string>(readsRegs ? TRACEPOINT_ENTRY_PROGRAMS : []);
  if (!readsRegs) {
    for (const [enter, exit] of TRACEPOINT_PAIRS) {
      if (!present(enter) || !present(exit)) skip.add(enter).add(exit);
    }
  }
  const programs = new Map<string, Attacher>();
  const hooked: string[] = [];
  for (const [name, event] of Object.entries(TRACEPOINT_ERROR_PROGRAMS)) {
    if (skip.has(name) || !present(name as Name)) continue;
    programs.set(name, (p) => p.attachTracepoint('syscalls', event));
    hooked.push(`syscalls/${event}`);
  }
  return { programs, hooked };
}

/**
 * Per-syscall exit tracepoints first: clones are rare, and a generic
 * `sys_exit` program would run on every syscall. When another collector
 * already runs one (vfs, fd, filesystem, socket, mount start before this
 * one), the failed clones join it: no syscall tracepoint of its own, the
 * flags from the entry registers it is given.
 */
const PROCESS_EXIT_ORDER: ReadonlyArray<SyscallExitHook> = ['tracepoint', 'tp_btf', 'raw_tp'];

/**
 * Programs and attach steps of one mode. Releases come from `release_task`
 * (trampoline, probe) or `sched_process_free`; return mode adds the clone
 * exits that see failures.
 *
 * @throws KernelFunctionMissingError in return mode when the kernel has neither `kernel_clone` nor `_do_fork`
 * @throws TracefsNotMountedError in tracepoint return mode without tracefs (and neither generic exit)
 */
export function planMode(
  mode: AttachMode,
  returnMode: boolean,
  features: Pick<Features, 'hasKernelFunction' | 'tpBtf' | 'rawTracepoint' | 'kernelVersionCode'>,
): CounterModePlan {
  let programs: Map<string, Attacher>;
  let targets = new Map<string, string>();
  let hooked: string[] = [];
  // Whether the exit side of clone reads the flags its entry saved.
  let cloneFlags = returnMode;
  // The sched events as tp_btf (plain loads of the tasks) where the kernel has it, else raw_tp (probe reads); no
  // perf-event form (the records lack the task pointers).
  const btf = tracepointKind(features) === 'tp_btf';
  const sched = (program: keyof typeof COMMON_PROGRAMS | typeof FREE_PROGRAM, event: string): [string, Attacher] =>
    btf ? [tpBtfTwin(program), (p) => p.attachTrace()] : [program, (p) => p.attachRawTracepoint(event)];
  if (mode === 'tracepoint') {
    programs = new Map([sched(FREE_PROGRAM, 'sched_process_free')]);
    if (returnMode) {
      const readsRegs = features.kernelVersionCode() >= TASK_PT_REGS_VERSION;
      const plan = planSyscallExit(
        { program: PROCESS_SYSCALL_EXIT_PROGRAM, perSyscall: () => tracepointErrorPrograms(readsRegs), order: PROCESS_EXIT_ORDER, shareGeneric: true },
        features,
      );
      for (const [name, attach] of plan.programs) programs.set(name, attach);
      hooked = plan.hooked;
      cloneFlags = plan.hook === 'tracepoint' && !readsRegs;
    }
  } else {
    const plan = planFunctionHooks(MODULE, mode, functionHooks(mode, returnMode), features);
    ({ programs, targets } = plan);
    hooked = [...new Set(plan.hooked.values())];
    cloneFlags &&= mode === 'probe';
  }
  // Common programs attach last: a mode that cannot attach fails before touching them.
  for (const [name, event] of Object.entries(COMMON_PROGRAMS)) programs.set(...sched(name as keyof typeof COMMON_PROGRAMS, event));
  return {
    programs,
    targets,
    hooked,
    configure(spec) {
      if (!cloneFlags) spec.map(MAP.cloneFlags).maxEntries = 1;
    },
  };
}

/** Netdata's process thread as the kit's counter collector. */
const PROCESS: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: MODULE,
  enabledByDefault: true,
  description: 'Processes and threads started, tasks exiting and released, fork/clone failures',
  modes: ['trampoline', 'probe', 'tracepoint'],
  usesLoadMode: true,
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  plan: (settings, { features }) => planMode(settings.mode, settings.returnMode, features),
  charts: processCharts,
};

/**
 * A process collector definition. Use {@link processCollector} unless the
 * object file lives somewhere else.
 */
export function createProcessCollector(options: ProcessCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...PROCESS, selfTest: processSelfTest }, options);
}

/** Netdata's process thread: `system.process_thread`, `system.exit`, `system.process_status`, `system.task_error`, `apps.*`, `cgroup_*.*`, `services.*`. */
export const processCollector: CollectorDefinition = createProcessCollector();
