export { SCHED_SPEC, createSchedCollector, schedCollector } from './collector.js';
export { GROUP_METRICS, HOST_CHARTS, schedCharts } from './charts.js';
export * as schedMetrics from './metrics.js';
export { collectors } from './collectors.js';
