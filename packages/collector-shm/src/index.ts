export { NoSyscallEnabledError, createShmCollector, planPrograms, shmCollector } from './collector.js';
export type { ShmPlan } from './collector.js';
export { ShmChartBuilder, decodeCounters, groupMetrics, hostCharts, shmCharts } from './charts.js';
export { SYSCALLS_SECTION, enabledSyscalls, unknownSyscallKeys } from './config.js';
export * as shmMetrics from './metrics.js';
export {
  SHM_SEGMENTS,
  SHM_WORKLOAD_PY,
  checkShmReport,
  shmExpectations,
  shmSegments,
  shmSelfTest,
  startShmWorkload,
} from './self-test.js';
export type { HeldWorkload } from './self-test.js';
export type { ShmCollectorOptions, ShmCounts, ShmSettings, ShmSyscall } from './types.js';
