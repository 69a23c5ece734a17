export { cachestatCollector, createCachestatCollector, planPrograms } from './collector.js';
export type { CachestatPlan } from './collector.js';
export { CachestatChartBuilder, cachestatChartsSpec, cachestatInterval, groupMetrics, hostChartTable } from './charts.js';
export type { CachestatChartOptions, CachestatInterval } from './charts.js';
export * as cachestatMetrics from './metrics.js';
export { cachestatExpectations, cachestatSelfTest, scalePages, workloadScript } from './self-test.js';
export type { CachestatCollectorOptions } from './types.js';
