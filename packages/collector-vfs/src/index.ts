export { createVfsCollector, planPrograms, vfsCollector } from './collector.js';
export { VfsChartBuilder, decodeCounters, groupMetrics, hostCharts } from './charts.js';
export type { ChartOptions, GroupInput, TickInput } from './charts.js';
export * as vfsMetrics from './metrics.js';
export type { VfsCollectorOptions, VfsCounters, VfsReading } from './types.js';
export { vfsSelfTest } from './self-test.js';
