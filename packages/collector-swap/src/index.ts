export { createSwapCollector, planPrograms, swapCollector } from './collector.js';
export { groupMetrics, hostChartTable, swapCharts } from './charts.js';
export * as swapMetrics from './metrics.js';
export { SWAP_WORKLOAD, expectedPages, swapExpectations, swapSelfTest, touchScript } from './self-test.js';
