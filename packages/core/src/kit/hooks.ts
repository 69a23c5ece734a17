/**
 * Plans of the common hook shapes: kernel functions hooked by trampolines
 * (fentry/fexit) or probes (kprobe/kretprobe), and tracepoints. A collector
 * lists its hooks as data; these turn the list into the programs and attach
 * steps of a {@link LoadPlan}, checking the running kernel as they go.
 */
import type { Features } from '@ebpf-collectors/loader-native';
import type { AttachMode } from '../types.js';
import { printable } from '../text.js';
import { TracepointMissingError } from './errors.js';
import { pickKernelFunction, tracepointExists } from './kernel.js';
import type { Attacher } from './load.js';

/** One kernel function hooked in trampoline or probe mode. */
export interface FunctionHook {
  /** Program name in the object (`trampoline_vfs_read`, `probe_vfs_read_ret`). */
  readonly program: string;
  /** The function, or candidates in order of preference (renames across kernels: the first the kernel has wins). */
  readonly fn: string | ReadonlyArray<string>;
  /** kretprobe (probe mode); fexit programs say so in their section and need nothing here. */
  readonly retprobe?: boolean;
  /** Left out, instead of failing the mode, when the kernel has none of `fn`. */
  readonly optional?: boolean;
}

/** Programs, trampoline targets and the functions really hooked. */
export interface FunctionPlan {
  readonly programs: Map<string, Attacher>;
  readonly targets: Map<string, string>;
  /** `program -> function`, for logs and tests. */
  readonly hooked: Map<string, string>;
}

/**
 * Programs of function hooks: trampolines get their target set before load
 * and attach with `attachTrace()`, probes attach with `attachKprobe()`.
 *
 * @throws KernelFunctionMissingError when a required hook's functions are all absent
 */
export function planFunctionHooks(
  collector: string,
  mode: 'trampoline' | 'probe',
  hooks: ReadonlyArray<FunctionHook>,
  features: Pick<Features, 'hasKernelFunction'>,
): FunctionPlan {
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  const hooked = new Map<string, string>();
  for (const hook of hooks) {
    const candidates = typeof hook.fn === 'string' ? [hook.fn] : hook.fn;
    if (hook.optional && !candidates.some((fn) => features.hasKernelFunction(fn))) continue;
    const fn = pickKernelFunction(features, collector, mode, candidates);
    hooked.set(hook.program, fn);
    if (mode === 'trampoline') {
      targets.set(hook.program, fn);
      programs.set(hook.program, (p) => p.attachTrace());
    } else {
      programs.set(hook.program, (p) => p.attachKprobe(fn, hook.retprobe ? { retprobe: true } : {}));
    }
  }
  return { programs, targets, hooked };
}

/** One tracepoint a program attaches to (a program may list several). */
export interface TracepointHook {
  readonly program: string;
  readonly category: string;
  readonly event: string;
  /** Attach as a raw tracepoint (`raw_tp/`), by event name. */
  readonly raw?: boolean;
  /** Left out, instead of failing the mode, when the event does not exist (architectures and versions differ). */
  readonly optional?: boolean;
  /**
   * The object also has `<program>_tp_btf` and `<program>_raw_tp` for this
   * one event (`EBPFC_TRACEPOINT_PROGRAMS` in bpf/include/ebpfc_tracepoint.h):
   * with a {@link TracepointHookOptions.kind} other than `tracepoint`, that
   * twin is planned instead of `program`.
   */
  readonly typed?: boolean;
}

/**
 * How hooks marked {@link TracepointHook.typed} attach:
 * - `tp_btf`: `<program>_tp_btf` on the raw tracepoint, BTF-typed arguments (5.5+);
 * - `raw_tp`: `<program>_raw_tp`, the same arguments as u64 (4.17+);
 * - `tracepoint`: `<program>` on the perf-event tracepoint, reading the event's record.
 *
 * The first two cost less per event (no record copied into the perf buffer)
 * and detach without waiting: the kernel releases each perf-event
 * tracepoint's last link with an RCU grace-period wait under `event_mutex`
 * (`perf_trace_destroy`), one after the other, about 20 ms each.
 */
export type TracepointKind = 'tp_btf' | 'raw_tp' | 'tracepoint';

/** Every {@link TracepointKind}, preferred first. */
export const TRACEPOINT_KINDS: ReadonlyArray<TracepointKind> = ['tp_btf', 'raw_tp', 'tracepoint'];

/**
 * Environment variable overriding the order of {@link TRACEPOINT_KINDS} for
 * typed tracepoint hooks: a comma-separated list (`tracepoint` forces the
 * perf-event tracepoints, as tests and benchmarks do to compare).
 */
export const TRACEPOINT_KIND_ENV = 'EBPFC_TRACEPOINT_HOOK';

/** A bad value of an environment variable that orders hook kinds ({@link TRACEPOINT_KIND_ENV}, `EBPFC_SYSCALL_EXIT`). */
export class HookOrderEnvError extends Error {
  readonly code = 'EBADENV';
  constructor(variable: string, value: string) {
    super(
      `${variable}="${printable(value)}": expected a comma-separated list of ${TRACEPOINT_KINDS.join(', ')}; unset it for the default order`,
    );
    this.name = 'HookOrderEnvError';
  }
}

/**
 * The order of hook kinds to try: the comma-separated list in `env[variable]`,
 * else `fallback`.
 *
 * @throws HookOrderEnvError on an unknown name
 */
export function hookOrder(
  variable: string,
  fallback: ReadonlyArray<TracepointKind>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TracepointKind[] {
  const value = env[variable];
  if (value === undefined || value.trim() === '') return [...fallback];
  const list = value.split(',').map((s) => s.trim());
  if (list.some((k) => !(TRACEPOINT_KINDS as ReadonlyArray<string>).includes(k))) throw new HookOrderEnvError(variable, value);
  return list as TracepointKind[];
}

/**
 * The kind typed tracepoint hooks use here: the first of the order (from
 * {@link TRACEPOINT_KIND_ENV}, else {@link TRACEPOINT_KINDS}) that this
 * kernel supports (the loader's cached probes), `tracepoint` when none is.
 *
 * @throws HookOrderEnvError on an unknown name
 */
export function tracepointKind(
  features: Pick<Features, 'tpBtf' | 'rawTracepoint'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TracepointKind {
  for (const kind of hookOrder(TRACEPOINT_KIND_ENV, TRACEPOINT_KINDS, env)) {
    if (kind === 'tracepoint' || (kind === 'tp_btf' ? features.tpBtf() : features.rawTracepoint())) return kind;
  }
  return 'tracepoint';
}

/** The program a typed hook's `program` stands for with `kind`. */
export function typedTracepointProgram(program: string, kind: TracepointKind): string {
  return kind === 'tracepoint' ? program : `${program}_${kind}`;
}

/** Options of {@link planTracepointHooks}. */
export interface TracepointHookOptions {
  /** How hooks marked `typed` attach (see {@link tracepointKind}). Default `tracepoint`. */
  readonly kind?: TracepointKind;
}

/**
 * Programs of tracepoint hooks whose events exist, each attached to all of
 * its events (the object owns every link). Typed hooks (one event per
 * program) become their `kind` twin.
 *
 * @param exists - whether `category/event` exists; default: tracefs of the running kernel
 * @throws TracepointMissingError naming every missing required event
 * @throws TracefsNotMountedError when tracefs is not mounted (with the default `exists`)
 */
export function planTracepointHooks(
  collector: string,
  hooks: ReadonlyArray<TracepointHook>,
  exists: (category: string, event: string) => boolean = (category, event) => tracepointExists(collector, category, event),
  mode: AttachMode = 'tracepoint',
  options: TracepointHookOptions = {},
): Map<string, Attacher> {
  const kind = options.kind ?? 'tracepoint';
  const byProgram = new Map<string, TracepointHook[]>();
  const missing: string[] = [];
  for (const hook of hooks) {
    if (!exists(hook.category, hook.event)) {
      if (!hook.optional) missing.push(`${hook.category}/${hook.event}`);
      continue;
    }
    const program = hook.typed ? typedTracepointProgram(hook.program, kind) : hook.program;
    byProgram.set(program, [...(byProgram.get(program) ?? []), hook]);
  }
  if (missing.length > 0) throw new TracepointMissingError(collector, mode, missing);
  const programs = new Map<string, Attacher>();
  for (const [program, list] of byProgram) {
    if (list.length > 1 && list[0]!.typed) {
      throw new Error(`${collector}: typed tracepoint program ${list[0]!.program} lists ${list.length} events; a typed program has exactly one`);
    }
    programs.set(program, (p) => {
      const links = list.map((h) => {
        if (h.typed && kind === 'tp_btf') return p.attachTrace();
        if (h.raw || (h.typed && kind === 'raw_tp')) return p.attachRawTracepoint(h.event);
        return p.attachTracepoint(h.category, h.event);
      });
      return links[links.length - 1]!;
    });
  }
  return programs;
}
