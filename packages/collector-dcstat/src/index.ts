export { createDcstatCollector, dcstatCollector, planPrograms } from './collector.js';
export type { DcstatPlan } from './collector.js';
export { DcstatChartBuilder, dcHitRatio, dcstatChartsSpec, groupMetrics, hostChartTable } from './charts.js';
export * as dcstatMetrics from './metrics.js';
export { DC_WORKLOAD, dcstatExpectations, dcstatSelfTest, runDcWorkload, scaleWorkload } from './self-test.js';
export type { DcstatCollectorOptions } from './types.js';
