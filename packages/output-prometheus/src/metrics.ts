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

/** The latency histogram charts' dimension ids and bucket bounds (the kit's, shared with the collectors). */
export {
  LATENCY_HISTOGRAM_DIMENSIONS as FILESYSTEM_HISTOGRAM_DIMENSIONS,
  LATENCY_HISTOGRAM_BOUNDS_SECONDS as FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS,
} from '@ebpf-collectors/core';
