/**
 * Constants of the Prometheus output: defaults, label names, and the
 * histogram bounds of the chart families known to be histograms.
 */

/** Default TCP port, the one cloudflare/ebpf_exporter made usual for eBPF exporters. */
export const DEFAULT_PORT = 9435;
/** Prefix of every metric name. */
export const DEFAULT_PREFIX = 'ebpf';
/**
 * Default cap on the label sets (series) of one metric. Per-group charts
 * (apps, cgroups, services) and IRQ lines grow with the machine; a new series
 * beyond the cap is dropped and counted in `<prefix>_prometheus_series_dropped_total`.
 */
export const DEFAULT_MAX_SERIES_PER_METRIC = 2000;
/** Path the HTTP endpoint serves. */
export const METRICS_PATH = '/metrics';

/** Label of the app group (`apps.*` charts: one dimension per group). */
export const LABEL_APP_GROUP = 'app_group';
/** Label of the systemd service (`services.*` charts: one dimension per service). */
export const LABEL_SERVICE = 'service';
/** Label of the cgroup (`cgroup_<name>.*` charts). */
export const LABEL_CGROUP = 'cgroup';
/** Label of the chart id (`type.id`) on charts whose context several charts share (one per disk...). */
export const LABEL_CHART = 'chart';
/** Label of the dimension on every other chart (e.g. `read`, `write`). */
export const LABEL_DIMENSION = 'dimension';

/**
 * The dimension ids of the filesystem collector's latency charts
 * (`filesystem.<fs>_<op>_latency`): 24 power-of-two buckets, bucket i
 * holding latencies in [2^(i-1), 2^i) microseconds, the last one open.
 */
export const FILESYSTEM_HISTOGRAM_DIMENSIONS: ReadonlyArray<string> = [
  '0us->1us', '1us->2us', '2us->4us', '4us->8us', '8us->16us', '16us->32us', '32us->64us', '64us->128us',
  '128us->256us', '256us->512us', '512us->1ms', '1ms->2ms', '2ms->4ms', '4ms->8ms', '8ms->16ms', '16ms->32ms',
  '32ms->65ms', '65ms->131ms', '131ms->262ms', '262ms->524ms', '524ms->1s', '1s->2s', '2s->4s', '4s->+Inf',
];

/** Upper bounds in seconds of {@link FILESYSTEM_HISTOGRAM_DIMENSIONS}: 2^i µs, then +Inf. */
export const FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS: ReadonlyArray<number> = FILESYSTEM_HISTOGRAM_DIMENSIONS.map((_, i, all) =>
  i === all.length - 1 ? Infinity : 2 ** i / 1e6,
);
