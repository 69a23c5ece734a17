export { createProcessCollector, pidTableEntries, processCollector } from './collector.js';
export { decodeCounters, decodePidTable, namePidValues } from './decode.js';
export type { PidTableDump } from './decode.js';
export { CollectorClosedError, KernelFunctionMissingError, TracefsNotMountedError } from './errors.js';
export * as processMetrics from './metrics.js';
export type { ProcessCollectorOptions, ProcessCounters, ProcessPidStat, ProcessReading } from './types.js';
