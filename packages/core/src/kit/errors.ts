/**
 * Errors collectors raise while choosing and attaching their programs. Each
 * carries a stable `code` that attach reports (`--check`) print.
 */
import type { AttachMode } from '../types.js';

/** None of the kernel functions a mode would hook exists in the running kernel (BTF, or kallsyms without BTF). */
export class KernelFunctionMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly collector: string,
    readonly mode: AttachMode,
    /** The functions looked for, in order of preference. */
    readonly functions: ReadonlyArray<string>,
    /** What the operator can do (`md is not loaded: modprobe md_mod`). */
    readonly hint?: string,
  ) {
    super(`${collector} ${mode}: the kernel has none of ${functions.join(', ')}${hint ? ` (${hint})` : ''}`);
    this.name = 'KernelFunctionMissingError';
  }
}

/** `tracepoint/` programs need tracefs to find their event ids, and it is not mounted. */
export class TracefsNotMountedError extends Error {
  readonly code = 'ENOTRACEFS';
  constructor(
    readonly collector: string,
    readonly tried: ReadonlyArray<string>,
  ) {
    super(
      `${collector}: tracefs is not mounted (looked in ${tried.join(', ')}); ` +
        'mount it with `mount -t tracefs nodev /sys/kernel/tracing`',
    );
    this.name = 'TracefsNotMountedError';
  }
}

/** `collect()` was called after `close()`. */
export class CollectorClosedError extends Error {
  readonly code = 'ECLOSED';
  constructor(readonly collector: string) {
    super(`${collector} collector: collect() after close()`);
    this.name = 'CollectorClosedError';
  }
}

/** A tracepoint a mode cannot work without does not exist in the running kernel. */
export class TracepointMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly collector: string,
    readonly mode: AttachMode,
    /** `category/event` of each missing tracepoint. */
    readonly events: ReadonlyArray<string>,
  ) {
    super(`${collector} ${mode}: the kernel has no tracepoint ${events.join(', ')}`);
    this.name = 'TracepointMissingError';
  }
}

/**
 * A self-test workload could not do what its checks count on: a tool is
 * missing (`ENOENT`), or a part of it failed, fell short or hung (`EWORKLOAD`).
 */
export class WorkloadError extends Error {
  /** `EWORKLOAD` unless told otherwise (`ENOENT`: a tool is missing; `ENETDOWN`: loopback is down). */
  readonly code: string;
  constructor(message: string, options: { code?: 'ENOENT' | 'EWORKLOAD' | 'ENETDOWN'; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = options.code ?? 'EWORKLOAD';
    this.name = 'WorkloadError';
  }
}
