/**
 * The fd collector (Netdata's `fd` thread): loads bpf/fd.bpf.o in one attach
 * mode, reads its maps every tick and turns them into Netdata's file
 * descriptor charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec, CounterModePlan, TracepointHook } from '@ebpf-collectors/core';
import {
  TracepointMissingError,
  defineCounterCollector,
  pickKernelFunction,
  planSyscallExit,
  planTracepointHooks,
  type Attacher,
  type SyscallExitHook,
} from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { fdCharts } from './charts.js';
import {
  CLOSE_FUNCTIONS,
  FD_GLOBAL,
  FD_LANE,
  FD_LANES,
  FD_MAP,
  FD_SYSCALL_EXIT_PROGRAM,
  FD_TRACEPOINTS,
  FD_TRAMPOLINE_CLOSE_EXIT,
  FD_TRAMPOLINE_OPEN_EXIT,
  OPEN_FUNCTIONS,
} from './internal-types.js';
import { FD_NAME } from './metrics.js';
import { fdSelfTest } from './self-test.js';
import type { FdCollectorOptions, FdCounters } from './types.js';

/** A plan plus what it chose for the `const volatile` switches. */
export interface FdPlan extends CounterModePlan {
  readonly closeReturnsFile: boolean;
}

/**
 * The programs of one mode. Entry load mode hooks function entries (calls
 * only); return mode hooks only the exits, which give the call and its error.
 * Tracepoint mode hooks the syscall exits: one exit tracepoint per
 * open/close syscall, else (no tracefs, or `EBPFC_SYSCALL_EXIT` asks) one
 * program on the generic `sys_exit` (tp_btf, else raw_tp) switching on the
 * syscall id; the generic program first when another collector (vfs,
 * filesystem) already put one there. The README says why this order, with numbers.
 *
 * @throws KernelFunctionMissingError / TracepointMissingError / TracefsNotMountedError
 */
export function planFd(mode: AttachMode, returnMode: boolean, features: Pick<Features, 'hasKernelFunction' | 'tpBtf' | 'rawTracepoint'>): FdPlan {
  if (mode === 'tracepoint') {
    const plan = planSyscallExit(
      { program: FD_SYSCALL_EXIT_PROGRAM, perSyscall: () => planFdTracepoints(mode), order: FD_SYSCALL_EXIT_ORDER, shareGeneric: true },
      features,
    );
    return { programs: plan.programs, hooked: plan.hooked, closeReturnsFile: false };
  }

  // The program depends on which function the kernel has, so the choice is made here rather than by planFunctionHooks.
  const openFn = pickKernelFunction(features, FD_NAME, mode, OPEN_FUNCTIONS) as (typeof OPEN_FUNCTIONS)[number];
  const closeFn = pickKernelFunction(features, FD_NAME, mode, CLOSE_FUNCTIONS) as (typeof CLOSE_FUNCTIONS)[number];
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  if (mode === 'trampoline') {
    const open = returnMode ? FD_TRAMPOLINE_OPEN_EXIT[openFn] : 'trampoline_open_entry';
    const close = returnMode ? FD_TRAMPOLINE_CLOSE_EXIT[closeFn] : 'trampoline_close_entry';
    targets.set(open, openFn).set(close, closeFn);
    programs.set(open, (p) => p.attachTrace()).set(close, (p) => p.attachTrace());
  } else {
    const retprobe = returnMode;
    programs.set(returnMode ? 'probe_open_exit' : 'probe_open_entry', (p) => p.attachKprobe(openFn, { retprobe }));
    programs.set(returnMode ? 'probe_close_exit' : 'probe_close_entry', (p) => p.attachKprobe(closeFn, { retprobe }));
  }
  return { programs, targets, closeReturnsFile: closeFn === 'file_close_fd', hooked: [openFn, closeFn] };
}

/**
 * Per-syscall tracepoints first: opens and closes are a small share of all
 * syscalls, and a generic `sys_exit` program runs on every one of them
 * (bench/hook-limits.mjs: it saves about 100 ns per open/close but adds
 * 20-80 ns to every other syscall; README, "Cost per event"). Once another
 * collector runs a generic program, fd's own there adds only 15-25 ns to
 * other syscalls over the tracepoints, and saves their 5 links (planFd shares it).
 */
const FD_SYSCALL_EXIT_ORDER: ReadonlyArray<SyscallExitHook> = ['tracepoint', 'tp_btf', 'raw_tp'];

/** One `syscalls/sys_exit_*` tracepoint per open/close syscall the kernel has (open and creat are absent on arm64). */
function planFdTracepoints(mode: AttachMode): { programs: Map<string, Attacher>; hooked: string[] } {
  const hooks: TracepointHook[] = Object.entries(FD_TRACEPOINTS).map(([program, event]) => ({
    program,
    category: 'syscalls',
    event,
    optional: true,
  }));
  const programs = planTracepointHooks(FD_NAME, hooks);
  const opens = [...programs.keys()].some((p) => p !== 'tracepoint_sys_exit_close');
  if (!opens || !programs.has('tracepoint_sys_exit_close')) {
    throw new TracepointMissingError(FD_NAME, mode, Object.values(FD_TRACEPOINTS).map((e) => `syscalls/${e}`));
  }
  return { programs, hooked: [...programs.keys()].map((p) => `syscalls/${FD_TRACEPOINTS[p as keyof typeof FD_TRACEPOINTS]}`) };
}

/** Netdata's fd thread as the kit's counter collector. */
const FD: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: FD_NAME,
  cliFlag: 'filedescriptor',
  enabledByDefault: true,
  description: 'Files opened and closed, and failed opens and closes (return mode)',
  modes: ['trampoline', 'probe', 'tracepoint'],
  usesLoadMode: true,
  objectUrl: import.meta.url,
  maps: { totals: FD_MAP.global, pids: FD_MAP.pids },
  pidLanes: FD_LANES,
  plan(settings, { features }) {
    const plan = planFd(settings.mode, settings.returnMode, features);
    return {
      ...plan,
      configure(spec) {
        spec.setGlobal(FD_GLOBAL.countErrors, settings.returnMode);
        spec.setGlobal(FD_GLOBAL.closeReturnsFile, plan.closeReturnsFile);
      },
    };
  },
  charts: fdCharts,
};

/** The fd counters from `tbl_fd_global` lanes. */
export function decodeFdCounters(lanes: ArrayLike<bigint>): FdCounters {
  if (lanes.length < FD_LANES) throw new RangeError(`${FD_MAP.global}: expected ${FD_LANES} counters, got ${lanes.length}`);
  return {
    openCall: lanes[FD_LANE.openCall]!,
    openError: lanes[FD_LANE.openError]!,
    closeCall: lanes[FD_LANE.closeCall]!,
    closeError: lanes[FD_LANE.closeError]!,
  };
}

/**
 * An fd collector definition. Use {@link fdCollector} unless the object file
 * lives somewhere else or the readings are wanted.
 */
export function createFdCollector(options: FdCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...FD, selfTest: fdSelfTest }, options);
}

/** Netdata's fd thread: `filesystem.file_descriptor`, `filesystem.file_error`, `apps.file_*`, `cgroup_*.file_*`, `services.file_*`. */
export const fdCollector: CollectorDefinition = createFdCollector();
