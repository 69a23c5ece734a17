/**
 * Errors of the irq collectors. Each carries a stable `code`, which attach
 * reports (`--check`) record next to the message.
 */
import type { AttachMode } from '@ebpf-collectors/core';

export { CollectorClosedError, TracefsNotMountedError } from '@ebpf-collectors/core';

/** A tracepoint the collector cannot work without does not exist in the running kernel. */
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

/** A self-test workload could not do what it must (its traffic is what the checks count on). */
export class WorkloadError extends Error {
  readonly code = 'EWORKLOAD';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkloadError';
  }
}
