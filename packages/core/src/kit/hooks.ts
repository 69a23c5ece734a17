/**
 * Plans of the common hook shapes: kernel functions hooked by trampolines
 * (fentry/fexit) or probes (kprobe/kretprobe), and tracepoints. A collector
 * lists its hooks as data; these turn the list into the programs and attach
 * steps of a {@link LoadPlan}, checking the running kernel as they go.
 */
import type { Features } from '@ebpf-collectors/loader-native';
import type { AttachMode } from '../types.js';
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
}

/**
 * Programs of tracepoint hooks whose events exist, each attached to all of
 * its events (the object owns every link).
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
): Map<string, Attacher> {
  const byProgram = new Map<string, TracepointHook[]>();
  const missing: string[] = [];
  for (const hook of hooks) {
    if (!exists(hook.category, hook.event)) {
      if (!hook.optional) missing.push(`${hook.category}/${hook.event}`);
      continue;
    }
    byProgram.set(hook.program, [...(byProgram.get(hook.program) ?? []), hook]);
  }
  if (missing.length > 0) throw new TracepointMissingError(collector, mode, missing);
  const programs = new Map<string, Attacher>();
  for (const [program, list] of byProgram) {
    programs.set(program, (p) => {
      const links = list.map((h) => (h.raw ? p.attachRawTracepoint(h.event) : p.attachTracepoint(h.category, h.event)));
      return links[links.length - 1]!;
    });
  }
  return programs;
}
