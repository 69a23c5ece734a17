/**
 * Errors of the irq collectors. Each carries a stable `code`, which attach
 * reports (`--check`) record next to the message.
 */

export { CollectorClosedError, TracefsNotMountedError, TracepointMissingError, WorkloadError } from '@ebpf-collectors/core';
