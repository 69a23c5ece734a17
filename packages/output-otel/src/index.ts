export { createOtelOutput } from './output.js';
export { histogramBounds, planChart } from './mapping.js';
export {
  ATTRIBUTE_APP_GROUP,
  ATTRIBUTE_CGROUP,
  ATTRIBUTE_CHART,
  ATTRIBUTE_DIMENSION,
  ATTRIBUTE_SERVICE,
  DEFAULT_PREFIX,
  FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS,
  METER_NAME,
} from './metrics.js';
export type { OtelOutputOptions } from './types.js';
