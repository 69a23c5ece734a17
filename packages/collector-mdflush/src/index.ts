export { arrayName, createMdflushCollector, mdflushCollector, planPrograms } from './collector.js';
export { MdflushChartBuilder, flushChart } from './charts.js';
export * as mdflushMetrics from './metrics.js';
export { FSYNCS, mdflushExpectations, mdflushSelfTest, scaleFsyncs } from './self-test.js';
export type { MdflushCollectorOptions } from './types.js';
