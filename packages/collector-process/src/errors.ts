/**
 * Errors of the process collector. Each carries a stable `code`, which
 * attach reports (`--check`) record next to the message.
 */
import type { AttachMode } from '@ebpf-collectors/core';

/** None of the kernel functions a mode hooks exists in the running kernel (BTF, or kallsyms without BTF). */
export class KernelFunctionMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly mode: AttachMode,
    /** The functions looked for, in order of preference. */
    readonly functions: ReadonlyArray<string>,
  ) {
    super(`process ${mode}: the kernel has none of ${functions.join(', ')}`);
    this.name = 'KernelFunctionMissingError';
  }
}

/** `tracepoint/` programs need tracefs to find their event ids, and it is not mounted. */
export class TracefsNotMountedError extends Error {
  readonly code = 'ENOTRACEFS';
  constructor(readonly tried: ReadonlyArray<string>) {
    super(
      `process tracepoint: tracefs is not mounted (looked in ${tried.join(', ')}); ` +
        'mount it with `mount -t tracefs nodev /sys/kernel/tracing`',
    );
    this.name = 'TracefsNotMountedError';
  }
}

/** `collect()` was called after `close()`. */
export class CollectorClosedError extends Error {
  readonly code = 'ECLOSED';
  constructor() {
    super('process collector: collect() after close()');
    this.name = 'CollectorClosedError';
  }
}
