export { NoSyscallEnabledError, createSyncCollector, planPrograms, syncCollector } from './collector.js';
export type { SyncPlan } from './collector.js';
export { SyncChartBuilder, decodeCounters, hostCharts, syncCharts } from './charts.js';
export { SYSCALLS_SECTION, enabledSyscalls, unknownSyscallKeys } from './config.js';
export * as syncMetrics from './metrics.js';
export {
  SYNC_CALLS,
  SYNC_GLOBAL_CALLS,
  SYNC_WORKLOAD_PY,
  parseSyncReport,
  runPython,
  runSyncWorkload,
  syncExpectations,
  syncSelfTest,
  syncWorkload,
} from './self-test.js';
export type { SyncCollectorOptions, SyncCounts, SyncSettings, SyncSyscall } from './types.js';
