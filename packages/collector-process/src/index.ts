export { createProcessCollector, processCollector } from './collector.js';
export { pidTableEntries } from '@ebpf-collectors/core';
export { decodeCounters, decodePidTable, namePidValues } from './decode.js';
export type { PidTableDump } from './decode.js';
export { CollectorClosedError, KernelFunctionMissingError, ProcessWorkloadError, TracefsNotMountedError } from './errors.js';
export {
  RELEASE_SHARE,
  processExpectations,
  processSelfTest,
  processWorkloadGroups,
  runProcessWorkload,
  workloadKeyPid,
} from './self-test.js';
export type { ProcessExpectationOptions, ProcessWorkloadGroups } from './self-test.js';
export { processWorkloadSize, startProcessWorkload } from './workload.js';
export type { ProcessWorkload, ProcessWorkloadOptions, ProcessWorkloadRun, ProcessWorkloadSize } from './workload.js';
export * as processMetrics from './metrics.js';
export type { ProcessCollectorOptions, ProcessCounters, ProcessPidStat, ProcessReading } from './types.js';
