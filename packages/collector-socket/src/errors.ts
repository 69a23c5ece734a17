/**
 * Errors of the socket collector beyond the kit's. Each carries a stable
 * `code`, which attach reports (`--check`) record next to the message.
 */
import type { AttachMode } from '@ebpf-collectors/core';

export { CollectorClosedError, KernelFunctionMissingError, TracefsNotMountedError } from '@ebpf-collectors/core';

/** A tracepoint the mode needs does not exist in the running kernel (`sock:sock_send_length` is 6.3+). */
export class TracepointMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly mode: AttachMode,
    /** `category:event` names that are missing. */
    readonly tracepoints: ReadonlyArray<string>,
  ) {
    super(`socket ${mode}: the kernel has no tracepoint ${tracepoints.join(', ')}`);
    this.name = 'TracepointMissingError';
  }
}

/** The self-test's network workload could not run or did not do what it was asked. */
export class SocketWorkloadError extends Error {
  constructor(
    message: string,
    /** `ENETDOWN`: the loopback interface is down; `EWORKLOAD`: the workload failed, timed out or fell short. */
    readonly code: 'ENETDOWN' | 'EWORKLOAD',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SocketWorkloadError';
  }
}
