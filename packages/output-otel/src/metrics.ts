/**
 * Constants of the OpenTelemetry output: names, attribute keys, units and
 * the histogram bounds of the chart families known to be histograms.
 */

/** Instrumentation scope (meter) name. */
export const METER_NAME = '@ebpf-collectors/output-otel';
/** Prefix of every instrument name. */
export const DEFAULT_PREFIX = 'ebpf';

/** Attribute of the app group (`apps.*` charts: one dimension per group). */
export const ATTRIBUTE_APP_GROUP = 'ebpf.app_group';
/** Attribute of the systemd service (`services.*` charts). */
export const ATTRIBUTE_SERVICE = 'ebpf.service';
/** Attribute of the cgroup (`cgroup_<name>.*` charts). */
export const ATTRIBUTE_CGROUP = 'ebpf.cgroup';
/** Attribute of the chart id (`type.id`) on charts whose context several charts share (one per disk...). */
export const ATTRIBUTE_CHART = 'ebpf.chart';
/** Attribute of the dimension on every other chart (`read`, `write`...). */
export const ATTRIBUTE_DIMENSION = 'ebpf.dimension';

/** Chart units -> UCUM unit (as the semantic conventions write them) and the factor to get there. */
export const UNITS: ReadonlyMap<string, { unit: string; factor: number }> = new Map([
  ['bytes', { unit: 'By', factor: 1 }],
  ['kilobytes', { unit: 'By', factor: 1024 }],
  ['kilobits', { unit: 'By', factor: 1000 / 8 }],
  ['megabits', { unit: 'By', factor: 1_000_000 / 8 }],
  ['bits', { unit: 'By', factor: 1 / 8 }],
  ['seconds', { unit: 's', factor: 1 }],
  ['milliseconds', { unit: 's', factor: 1e-3 }],
  ['microseconds', { unit: 's', factor: 1e-6 }],
  ['nanoseconds', { unit: 's', factor: 1e-9 }],
  ['calls', { unit: '{call}', factor: 1 }],
  ['connections', { unit: '{connection}', factor: 1 }],
  ['processes', { unit: '{process}', factor: 1 }],
  ['threads', { unit: '{thread}', factor: 1 }],
  ['percentage', { unit: '%', factor: 1 }],
]);

/** The latency histogram charts' dimension ids and bucket bounds (the kit's, shared with the collectors). */
export {
  LATENCY_HISTOGRAM_DIMENSIONS as FILESYSTEM_HISTOGRAM_DIMENSIONS,
  LATENCY_HISTOGRAM_BOUNDS_SECONDS as FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS,
} from '@ebpf-collectors/core';
