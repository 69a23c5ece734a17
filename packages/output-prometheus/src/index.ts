export { createPrometheusOutput } from './output.js';
export { formatListen, parseListen } from './listen.js';
export { histogramBounds, planChart } from './mapping.js';
export {
  DEFAULT_MAX_SERIES_PER_METRIC,
  DEFAULT_PORT,
  DEFAULT_PREFIX,
  FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS,
  METRICS_PATH,
} from './metrics.js';
export type { BoundAddress, ListenAddress, PrometheusOutput, PrometheusOutputOptions } from './types.js';
