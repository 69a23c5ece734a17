export { createVfsCollector, planPrograms, vfsCollector } from './collector.js';
export { VfsChartBuilder, decodeCounters, groupMetrics, hostCharts } from './charts.js';
export type { ChartOptions, GroupInput, TickInput } from './charts.js';
export * as vfsMetrics from './metrics.js';
export type { VfsCollectorOptions, VfsCounters, VfsReading } from './types.js';
export {
  FILE_WORKLOAD,
  MKNOD_FILES,
  VfsWorkloadError,
  EMPTY_TALLY,
  addTallies,
  countingPoint,
  expectedReport,
  fileWorkloadTally,
  fileWorkloadScript,
  mknodTally,
  mknodScript,
  parseReport,
  scaleCount,
  scaleWorkload,
  vfsExpectations,
  vfsSelfTest,
} from './self-test.js';
export type {
  CountingPoint,
  FileWorkload,
  FileWorkloadReport,
  FileWorkloadScriptOptions,
  VfsExpectationOptions,
  VfsTally,
} from './self-test.js';
