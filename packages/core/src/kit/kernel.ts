/**
 * What the running kernel offers to hook: functions (for fentry/kprobe
 * targets that were renamed across versions) and tracepoint events.
 */
import { existsSync } from 'node:fs';
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

/** The tracefs `events` directory, or `undefined` when tracefs is not mounted. */
export function tracefsEventsDir(): string | undefined {
  for (const root of TRACEFS_ROOTS) {
    if (existsSync(`${root}/events`)) return `${root}/events`;
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
  const events = tracefsEventsDir();
  if (events === undefined) throw new TracefsNotMountedError(collector, TRACEFS_ROOTS);
  return existsSync(`${events}/${category}/${event}`);
}
