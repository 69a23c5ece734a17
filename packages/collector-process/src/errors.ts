/**
 * Errors of the process collector. Each carries a stable `code`, which attach
 * reports (`--check`) and self-test results record next to the message. The
 * attach-time errors are core's, shared by every collector.
 */
export { CollectorClosedError, KernelFunctionMissingError, TracefsNotMountedError } from '@ebpf-collectors/core';

/**
 * The self-test workload could not do what its checks count on: a tool is
 * missing (`ENOENT`: perl for the failing clones), or a part of it failed,
 * fell short or hung (`EWORKLOAD`).
 */
export class ProcessWorkloadError extends Error {
  constructor(
    message: string,
    readonly code: 'ENOENT' | 'EWORKLOAD',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProcessWorkloadError';
  }
}
