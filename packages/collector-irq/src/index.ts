export {
  collectors,
  createHardirqCollector,
  createSoftirqCollector,
  hardirqCollector,
  lineCapacity,
  softirqCollector,
} from './collector.js';
export {
  createHardirqSelfTest,
  createSoftirqSelfTest,
  hardirqExpectations,
  hardirqWorkloadSize,
  runHardirqWorkload,
  runSoftirqWorkload,
  softirqExpectations,
  softirqWorkloadSize,
} from './self-test.js';
export type {
  HardirqWorkloadPlaces,
  HardirqWorkloadRun,
  HardirqWorkloadSize,
  SoftirqWorkloadRun,
  SoftirqWorkloadSize,
} from './self-test.js';
export { fsyncFiles, loopbackTransfer, pingPong, rereadFile } from './workloads.js';
export type { LoopbackTransfer } from './workloads.js';
export {
  HardirqChartBuilder,
  SoftirqChartBuilder,
  decodeLatencyArray,
  decodeLatencyHash,
  firedLines,
  lineDimensionId,
  nsToMicros,
} from './charts.js';
export type { LatencyHashDump } from './charts.js';
export { irqLineNames, maxIrq, parseInterrupts } from './interrupts.js';
export type { InterruptLine, InterruptsTable } from './interrupts.js';
export { IrqNameCache } from './names.js';
export type { IrqNameSources } from './names.js';
export { CollectorClosedError, TracefsNotMountedError, TracepointMissingError, WorkloadError } from './errors.js';
export * as irqMetrics from './metrics.js';
export type {
  HardirqCollectorOptions,
  HardirqReading,
  LatencyTotals,
  SoftirqCollectorOptions,
  SoftirqReading,
} from './types.js';
