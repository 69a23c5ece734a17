/**
 * Collectors that count system calls (sync, shm, mount...): the function a
 * syscall has in this kernel's BTF for trampolines and probes, its
 * `syscalls/sys_enter_*` or `sys_exit_*` tracepoint, and Netdata's
 * `[syscalls]` section that turns each one on or off.
 */
import type { Features } from '@ebpf-collectors/loader-native';
import { netdataBoolean } from '../config/ini.js';
import { printable } from '../text.js';
import type { AttachMode, CollectorConfig } from '../types.js';
import { planFunctionHooks, planTracepointHooks, type FunctionHook, type TracepointHook } from './hooks.js';
import type { Attacher } from './load.js';

/**
 * The kernel functions a syscall may be, newest convention first: the
 * per-architecture wrappers (`__x64_sys_*`, `__arm64_sys_*`), the inner
 * `__do_sys_*`, and the plain `sys_*` of kernels without wrappers. A plan
 * takes the first the kernel has.
 */
export function syscallFunctions(syscall: string): string[] {
  return [`__x64_sys_${syscall}`, `__arm64_sys_${syscall}`, `__do_sys_${syscall}`, `sys_${syscall}`];
}

/** What a syscall plan hooked: programs, trampoline targets and, for the debug log, what each one is on. */
export interface SyscallPlan {
  readonly programs: Map<string, Attacher>;
  readonly targets: Map<string, string>;
  readonly hooked: string[];
}

/** Options of {@link planSyscallHooks}. */
export interface SyscallHookOptions {
  /** The program of a syscall in a mode (`trampoline_fsync`, `tracepoint_sys_enter_fsync`...). */
  program(mode: AttachMode, syscall: string): string;
  /** Tracepoint side: `enter` (calls) or `exit` (calls and return values). Default `enter`. */
  side?: 'enter' | 'exit';
  /** Probe mode hooks the return (kretprobe) instead of the entry. */
  retprobe?: boolean;
  /** Syscalls left out, instead of failing the mode, where the kernel lacks them (`move_mount` before 5.2). */
  optional?: ReadonlySet<string>;
  /** Whether `category/event` exists; default: tracefs of the running kernel. */
  eventExists?: (category: string, event: string) => boolean;
}

/**
 * One program per syscall: fentry/fexit or kprobe on the function BTF has,
 * or the syscall's tracepoint.
 *
 * @throws KernelFunctionMissingError when a syscall's function is absent
 * @throws TracepointMissingError when a syscall's tracepoint is absent
 */
export function planSyscallHooks(
  collector: string,
  mode: AttachMode,
  syscalls: ReadonlyArray<string>,
  features: Pick<Features, 'hasKernelFunction'>,
  options: SyscallHookOptions,
): SyscallPlan {
  if (mode === 'tracepoint') {
    const side = options.side ?? 'enter';
    const hooks: TracepointHook[] = syscalls.map((s) => ({
      program: options.program(mode, s),
      category: 'syscalls',
      event: `sys_${side}_${s}`,
      ...(options.optional?.has(s) ? { optional: true } : {}),
    }));
    const programs = planTracepointHooks(collector, hooks, options.eventExists);
    return {
      programs,
      targets: new Map(),
      hooked: hooks.filter((h) => programs.has(h.program)).map((h) => `${h.category}/${h.event}`),
    };
  }
  const hooks: FunctionHook[] = syscalls.map((s) => ({
    program: options.program(mode, s),
    fn: syscallFunctions(s),
    ...(options.retprobe ? { retprobe: true } : {}),
    ...(options.optional?.has(s) ? { optional: true } : {}),
  }));
  const plan = planFunctionHooks(collector, mode, hooks, features);
  return { programs: plan.programs, targets: plan.targets, hooked: [...plan.hooked.values()] };
}

/** Section of `sync.conf` and `shm.conf` with one switch per system call. */
export const SYSCALLS_SECTION = 'syscalls';

/** Every syscall of a thread's `[syscalls]` is off: nothing to hook. */
export class NoSyscallEnabledError extends Error {
  readonly code = 'ENOSYSCALL';
  constructor(module: string, file: string) {
    super(`${module}: every system call in ${file} [${SYSCALLS_SECTION}] is "no"; turn one on or disable the thread in ebpf.d.conf`);
    this.name = 'NoSyscallEnabledError';
  }
}

/** The syscalls of `all` that `[syscalls]` leaves on (yes when absent, Netdata's booleans), in `all`'s order. */
export function enabledSyscalls<S extends string>(config: Pick<CollectorConfig, 'sections'>, all: ReadonlyArray<S>): S[] {
  const section = config.sections.get(SYSCALLS_SECTION);
  return all.filter((syscall) => {
    const entry = section?.entries.get(syscall);
    return entry === undefined || netdataBoolean(entry.value);
  });
}

/** `file:line: ...` for every `[syscalls]` key that is not one of `all` (Netdata ignores them silently). */
export function unknownSyscallKeys(config: Pick<CollectorConfig, 'sections'>, all: ReadonlyArray<string>): string[] {
  const section = config.sections.get(SYSCALLS_SECTION);
  if (section === undefined) return [];
  const known = new Set<string>(all);
  return [...section.entries.values()]
    .filter((e) => !known.has(e.key))
    .map((e) => `${e.file}:${e.line}: [${SYSCALLS_SECTION}] "${printable(e.key)}" is not one of ${all.join(', ')}; it is ignored`);
}
