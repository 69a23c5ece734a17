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

/** The dimension ids of the filesystem collector's latency charts (24 power-of-two buckets in µs). */
export const FILESYSTEM_HISTOGRAM_DIMENSIONS: ReadonlyArray<string> = [
  '0us->1us', '1us->2us', '2us->4us', '4us->8us', '8us->16us', '16us->32us', '32us->64us', '64us->128us',
  '128us->256us', '256us->512us', '512us->1ms', '1ms->2ms', '2ms->4ms', '4ms->8ms', '8ms->16ms', '16ms->32ms',
  '32ms->65ms', '65ms->131ms', '131ms->262ms', '262ms->524ms', '524ms->1s', '1s->2s', '2s->4s', '4s->+Inf',
];

/** Upper bounds in seconds of {@link FILESYSTEM_HISTOGRAM_DIMENSIONS}: 2^i µs, then +Inf. */
export const FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS: ReadonlyArray<number> = FILESYSTEM_HISTOGRAM_DIMENSIONS.map((_, i, all) =>
  i === all.length - 1 ? Infinity : 2 ** i / 1e6,
);
