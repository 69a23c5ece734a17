export { createMountCollector, mountCollector, planPrograms } from './collector.js';
export type { MountPlan } from './collector.js';
export { MountChartBuilder, decodeCounters, hostCharts, mountCharts } from './charts.js';
export * as mountMetrics from './metrics.js';
export {
  MOUNT_WORKLOAD,
  MOUNT_WORKLOAD_PY,
  countsErrors,
  mountExpectations,
  mountSelfTest,
  runMountWorkload,
  runPython,
  scaleMountWorkload,
} from './self-test.js';
export type { MountReport, MountWorkload } from './self-test.js';
export type { MountCollectorOptions, MountCounts } from './types.js';
