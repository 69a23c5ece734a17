/**
 * What the running kernel offers to hook: functions (for fentry/kprobe
 * targets that were renamed across versions) and tracepoint events.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Features } from '@ebpf-collectors/loader-native';
import type { AttachMode } from '../types.js';
import { KernelFunctionMissingError, TracefsNotMountedError } from './errors.js';

/** Where tracefs may be mounted, in the order libbpf looks. */
export const TRACEFS_ROOTS: ReadonlyArray<string> = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/**
 * The first of `names` the kernel really has (BTF, else kallsyms), so the
 * choice between e.g. `kernel_clone` and `_do_fork` follows the kernel, not
 * its version number.
 *
 * @throws KernelFunctionMissingError when none exists
 */
export function pickKernelFunction(
  features: Pick<Features, 'hasKernelFunction'>,
  collector: string,
  mode: AttachMode,
  names: ReadonlyArray<string>,
): string {
  const found = names.find((name) => features.hasKernelFunction(name));
  if (found === undefined) throw new KernelFunctionMissingError(collector, mode, names);
  return found;
}

/** tracefs is mounted but this process may not look inside it (mode 0700, a non-root user without CAP_DAC_READ_SEARCH). */
export class TracefsNotReadableError extends Error {
  readonly code = 'EACCES';
  constructor(
    readonly collector: string,
    readonly path: string,
  ) {
    super(
      `${collector}: tracefs at ${path} is not readable by uid ${process.geteuid?.() ?? '?'} ` +
        '(mode 0700): grant CAP_DAC_READ_SEARCH (or run as root)',
    );
    this.name = 'TracefsNotReadableError';
  }
}

/**
 * Whether `path` exists, by stat(2): unlike access(2) (Node's existsSync),
 * stat honours the effective capabilities of a non-root user, so
 * CAP_DAC_READ_SEARCH opens the 0700 tracefs. EACCES is thrown, not read as "absent".
 */
function present(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** The tracefs `events` directory, or `undefined` when tracefs is not mounted. @throws TracefsNotReadableError (when given a collector) */
export function tracefsEventsDir(collector?: string): string | undefined {
  for (const root of TRACEFS_ROOTS) {
    try {
      if (present(`${root}/events`)) return `${root}/events`;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' && collector !== undefined) throw new TracefsNotReadableError(collector, root);
      if (code !== 'EACCES' && code !== 'ENOTDIR') throw error;
    }
  }
  return undefined;
}

/**
 * Whether `category/event` exists (tracepoints differ by architecture and
 * version, e.g. no `fork` on arm64, `clone3` from 5.3, some `irq_vectors`
 * events only on some CPUs).
 *
 * @throws TracefsNotMountedError when tracefs is not mounted, since then nothing can be known
 */
export function tracepointExists(collector: string, category: string, event: string): boolean {
  const events = tracefsEventsDir(collector);
  if (events === undefined) throw new TracefsNotMountedError(collector, TRACEFS_ROOTS);
  return present(`${events}/${category}/${event}`);
}

/*
 * Kernel symbols as kprobes see them. A static function the compiler
 * specialised lives in /proc/kallsyms as `name.constprop.N` (or `.isra.N`,
 * `.part.N`): kprobes need that name, fentry needs the plain one in BTF.
 * Functions of modules (md_mod's `md_flush_request`) are there too, with
 * their module.
 */

/** A text symbol: its kallsyms name and the module it is in (absent: vmlinux). */
export interface KernelSymbol {
  readonly name: string;
  readonly module?: string;
}

const CLONE = /^\.(constprop|isra|part)\.\d+(\.(constprop|isra|part)\.\d+)*$/;

/**
 * The symbol of `fn` in kallsyms text: the exact name first, else a compiler
 * clone of it (never a `.cold` part, which is not the function's entry).
 *
 * @param text - /proc/kallsyms (default: read now)
 */
export function findKernelSymbol(fn: string, text?: string): KernelSymbol | undefined {
  const source = text ?? readFileSync('/proc/kallsyms', 'utf8');
  let clone: KernelSymbol | undefined;
  let from = 0;
  for (;;) {
    const at = source.indexOf(` ${fn}`, from);
    if (at < 0) break;
    from = at + 1;
    const lineStart = source.lastIndexOf('\n', at) + 1;
    let lineEnd = source.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = source.length;
    const [, type, name, module] = source.slice(lineStart, lineEnd).split(/\s+/);
    if (type === undefined || name === undefined || !/^[tT]$/.test(type)) continue;
    const mod = module?.startsWith('[') ? module.slice(1, -1) : undefined;
    const symbol = { name, ...(mod ? { module: mod } : {}) };
    if (name === fn) return symbol;
    if (clone === undefined && name.startsWith(fn) && CLONE.test(name.slice(fn.length))) clone = symbol;
  }
  return clone;
}
