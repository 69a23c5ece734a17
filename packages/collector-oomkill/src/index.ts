export { OOMKILL_MODES, OomkillInstance, createOomkillCollector, oomkillCollector, planPrograms } from './collector.js';
export { OOMKILL_METRIC, OomkillCharts } from './charts.js';
export type { OomkillChartOptions, OomkillTick } from './charts.js';
export { CgroupResolver, cgroupMounts } from './cgroup-ids.js';
export type { CgroupMount, VictimCgroup } from './cgroup-ids.js';
export { appsGroupsOfGrouping } from './groups.js';
export { attributeVictim, decodeVictims } from './victims.js';
export type { AttributionSources } from './victims.js';
export * as oomkillMetrics from './metrics.js';
export { expectedHogApp, oomkillExpectations, oomkillSelfTest } from './self-test.js';
export {
  HOG_ALLOC_BYTES,
  HOG_COMM,
  HOG_LIMIT_BYTES,
  expectedCgroup,
  findMemoryHierarchy,
  removeHogCgroup,
  runOomHog,
} from './workload.js';
export type { HogResult, MemoryHierarchy } from './workload.js';
export type { OomAttribution, OomVictim, OomkillCollectorOptions, OomkillReading } from './types.js';
