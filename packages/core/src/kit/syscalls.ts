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
import { hookOrder, planFunctionHooks, planTracepointHooks, TRACEPOINT_KINDS, type FunctionHook, type TracepointHook, type TracepointKind } from './hooks.js';
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

/**
 * How a syscall collector's tracepoint mode sees its syscalls' exits:
 * - `tp_btf`: one program on the generic `sys_exit` raw tracepoint with
 *   BTF-typed arguments (5.5+), switching on the syscall id;
 * - `raw_tp`: the same program as a raw tracepoint (4.17+);
 * - `tracepoint`: one `syscalls/sys_exit_<name>` perf-event tracepoint per syscall.
 *
 * The generic exit costs less per counted event (no perf-buffer copy of the
 * event) and one link instead of one per syscall (a perf-event tracepoint
 * link waits for an RCU grace period, serialized, when detached), but it
 * runs on every syscall of the system; bench/hook-limits.mjs measures both
 * sides (bpf/include/ebpfc_syscall_exit.h has the BPF half).
 */
export type SyscallExitHook = TracepointKind;

/** Every {@link SyscallExitHook}, cheapest per counted event first. */
export const SYSCALL_EXIT_HOOKS: ReadonlyArray<SyscallExitHook> = TRACEPOINT_KINDS;

/**
 * Environment variable that overrides the order of {@link SYSCALL_EXIT_HOOKS}
 * for every collector: a comma-separated list (`tracepoint` forces the
 * per-syscall tracepoints, as benchmarks and tests do to compare).
 */
export const SYSCALL_EXIT_HOOK_ENV = 'EBPFC_SYSCALL_EXIT';

/**
 * The order to try, from the environment or the collector's default.
 *
 * @throws HookOrderEnvError on an unknown name
 */
export function syscallExitHookOrder(
  fallback: ReadonlyArray<SyscallExitHook> = SYSCALL_EXIT_HOOKS,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SyscallExitHook[] {
  return hookOrder(SYSCALL_EXIT_HOOK_ENV, fallback, env);
}

/** The two programs `EBPFC_SYSCALL_EXIT_PROGRAMS(name, handler)` defines. */
export function syscallExitPrograms(name: string): Readonly<Record<'tp_btf' | 'raw_tp', string>> {
  return { tp_btf: `${name}_tp_btf`, raw_tp: `${name}_raw_tp` };
}

/** What {@link planSyscallExit} chose. */
export interface SyscallExitPlan {
  readonly hook: SyscallExitHook;
  readonly programs: Map<string, Attacher>;
  /** Events hooked, for the debug log. */
  readonly hooked: string[];
}

/** Options of {@link planSyscallExit}. */
export interface SyscallExitOptions {
  /** Name given to `EBPFC_SYSCALL_EXIT_PROGRAMS` (`tracepoint_syscall_exit`). */
  readonly program: string;
  /** Name given to `EBPFC_SYSCALL_ENTER_PROGRAMS`, for collectors that hook the entry too (timing a call). */
  readonly enterProgram?: string;
  /** The per-syscall tracepoint plan, used when neither generic hook works (or is asked for). */
  perSyscall(): { programs: Map<string, Attacher>; hooked: string[] };
  /** Order to try when the environment does not say. Default {@link SYSCALL_EXIT_HOOKS}. */
  readonly order?: ReadonlyArray<SyscallExitHook>;
  /** Environment to read {@link SYSCALL_EXIT_HOOK_ENV} from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Take a generic hook first when another collector of this process already
   * planned one: that hook already runs on every syscall, so a second
   * program there costs other syscalls only its own run (fd beside vfs:
   * 15-25 ns more than fd's per-syscall tracepoints, ~90 ns less per open
   * or close; bench/shared-sys-exit.mjs), and it saves the per-syscall links, whose detach waits
   * for a grace period each (bench/README.md, issue 12, session 5). The environment
   * still wins: {@link SYSCALL_EXIT_HOOK_ENV}, and {@link SYSCALL_EXIT_SHARE_ENV}`=no`
   * turns sharing off (for same-run comparisons).
   */
  readonly shareGeneric?: boolean;
  /** Generic hooks planned so far; default: this process's, which every plan adds to. */
  readonly planned?: Set<'tp_btf' | 'raw_tp'>;
}

/** Environment variable that turns {@link SyscallExitOptions.shareGeneric} off when `no`. */
export const SYSCALL_EXIT_SHARE_ENV = 'EBPFC_SYSCALL_EXIT_SHARE';

/** Generic exit hooks the collectors of this process planned (see {@link SyscallExitOptions.shareGeneric}). */
const plannedGeneric = new Set<'tp_btf' | 'raw_tp'>();

/**
 * The syscall exits of a tracepoint mode: the first hook of the order that
 * this kernel supports (the loader's cached feature probes: `tpBtf`,
 * `rawTracepoint`; for `tracepoint`, a per-syscall plan that does not throw),
 * else the per-syscall tracepoints.
 *
 * @throws HookOrderEnvError on a bad {@link SYSCALL_EXIT_HOOK_ENV}
 * @throws what `perSyscall` throws (TracepointMissingError...) when it is the one chosen
 */
export function planSyscallExit(
  options: SyscallExitOptions,
  features: Pick<Features, 'tpBtf' | 'rawTracepoint'>,
): SyscallExitPlan {
  const planned = options.planned ?? plannedGeneric;
  const fallback = options.order ?? SYSCALL_EXIT_HOOKS;
  const share = options.shareGeneric && (options.env ?? process.env)[SYSCALL_EXIT_SHARE_ENV]?.toLowerCase() !== 'no';
  const shared = share ? fallback.filter((hook) => hook !== 'tracepoint' && planned.has(hook)) : [];
  const order = syscallExitHookOrder([...shared, ...fallback.filter((hook) => !shared.includes(hook))], options.env);
  const exit = syscallExitPrograms(options.program);
  const enter = options.enterProgram === undefined ? undefined : syscallExitPrograms(options.enterProgram);
  const generic = (hook: 'tp_btf' | 'raw_tp'): SyscallExitPlan => {
    const programs = new Map<string, Attacher>();
    const attach = (event: string): Attacher => (hook === 'tp_btf' ? (p) => p.attachTrace() : (p) => p.attachRawTracepoint(event));
    if (enter) programs.set(enter[hook], attach('sys_enter'));
    programs.set(exit[hook], attach('sys_exit'));
    planned.add(hook);
    return { hook, programs, hooked: [...(enter ? [`sys_enter (${hook})`] : []), `sys_exit (${hook})`] };
  };
  let perSyscallError: unknown;
  for (const hook of order) {
    if (hook === 'tp_btf' && features.tpBtf()) return generic(hook);
    if (hook === 'raw_tp' && features.rawTracepoint()) return generic(hook);
    if (hook === 'tracepoint') {
      try {
        return { hook, ...options.perSyscall() };
      } catch (error) {
        // No tracefs or no such events: a generic hook later in the order may still work.
        perSyscallError = error;
      }
    }
  }
  if (perSyscallError !== undefined) throw perSyscallError;
  // The order left the per-syscall tracepoints out and the kernel has neither generic hook.
  return { hook: 'tracepoint', ...options.perSyscall() };
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
