/**
 * Chart model -> Prometheus metrics: names, types, units and labels. Pure.
 *
 * - Name: `<prefix>_` + the chart's context (or `type.id` without one),
 *   `cgroup_<name>` types folded to `cgroup`, in snake case, plus a base-unit
 *   suffix from the chart's units (`_bytes`, `_seconds`), plus `_total` for
 *   counters (added when rendered).
 * - Type: `incremental` dimensions are counters (cumulative in the kernel);
 *   `absolute` dimensions of a per-second chart (units ending in `/s`) carry
 *   per-interval amounts, as Netdata's eBPF charts do, and become counters
 *   that add them up; other `absolute` dimensions are gauges; percentages are
 *   gauges.
 * - Histograms: a chart with `histogram` bounds, or a filesystem latency
 *   chart (`filesystem.*_latency` with the 24 power-of-two buckets), is one
 *   histogram in seconds with cumulative `le` buckets and `_count` (no `_sum`:
 *   the kernel keeps counts per bucket only).
 * - Labels: `app_group` on `apps.*`, `service` on `services.*`, `cgroup` plus
 *   `dimension` on `cgroup_<name>.*`, `dimension` elsewhere, plus the chart's
 *   own labels, plus `chart` (`type.id`) on a chart that is one instance of
 *   its context (one per disk: an id that is not the context's last part).
 */
import { chartKey, histogramBounds, isPerIntervalAmount, perSecondUnit, type ChartDefinition, type DimensionDefinition } from '@ebpf-collectors/core';
import type { ChartPlan, SeriesPlan } from './internal-types.js';
import {
  LABEL_APP_GROUP,
  LABEL_CGROUP,
  LABEL_CHART,
  LABEL_DIMENSION,
  LABEL_SERVICE,
} from './metrics.js';

/** A unit, and how to get to its Prometheus base unit. */
interface BaseUnit {
  readonly suffix: string;
  readonly factor: number;
}

const BASE_UNITS: ReadonlyMap<string, BaseUnit> = new Map([
  ['bytes', { suffix: 'bytes', factor: 1 }],
  ['kilobytes', { suffix: 'bytes', factor: 1024 }],
  ['kib', { suffix: 'bytes', factor: 1024 }],
  ['mib', { suffix: 'bytes', factor: 1024 * 1024 }],
  ['bits', { suffix: 'bytes', factor: 1 / 8 }],
  ['kilobits', { suffix: 'bytes', factor: 1000 / 8 }],
  ['megabits', { suffix: 'bytes', factor: 1_000_000 / 8 }],
  ['seconds', { suffix: 'seconds', factor: 1 }],
  ['milliseconds', { suffix: 'seconds', factor: 1e-3 }],
  ['ms', { suffix: 'seconds', factor: 1e-3 }],
  ['microseconds', { suffix: 'seconds', factor: 1e-6 }],
  ['us', { suffix: 'seconds', factor: 1e-6 }],
  ['nanoseconds', { suffix: 'seconds', factor: 1e-9 }],
  ['ns', { suffix: 'seconds', factor: 1e-9 }],
]);

/** Names and label names may hold [a-zA-Z0-9_]; we also lower-case and squeeze underscores. */
export function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

/** A valid label name from a chart label key (`__` prefixes are reserved by Prometheus). */
export function labelName(key: string): string {
  const name = snakeCase(key).replace(/^_+/, '');
  return /^[a-z_]/.test(name) ? name : `l_${name}`;
}

/** The `cgroup` name of a `cgroup_<name>` chart type, else undefined. */
function cgroupOf(chart: ChartDefinition): string | undefined {
  return chart.type.startsWith('cgroup_') ? chart.type.slice('cgroup_'.length) : undefined;
}

/**
 * The chart's own id as a label when it is one instance of a context (one
 * chart per disk: `disk_latency_io.vda` of `disk.latency_io`), seen as an id
 * that is not the context's last part; cgroup, app group and service charts
 * have their own labels.
 */
export function isContextInstance(chart: ChartDefinition): boolean {
  const perGroup = chart.type === 'apps' || chart.type === 'services' || chart.type.startsWith('cgroup_');
  return !perGroup && chart.context !== '' && chart.context.split('.').pop() !== chart.id;
}

function instanceLabels(chart: ChartDefinition): Record<string, string> {
  return isContextInstance(chart) ? { [LABEL_CHART]: chartKey(chart) } : {};
}

/** The base name from context or id: `system.process_thread` -> `system_process_thread`. */
function baseName(prefix: string, chart: ChartDefinition): string {
  const source = chart.context || chartKey(chart);
  const folded = source.replace(/^cgroup_[^.]*\./, 'cgroup.');
  return `${snakeCase(prefix)}_${snakeCase(folded)}`;
}

/** The unit part of chart units: `kilobits/s` -> `kilobits`, `%` -> `%`. */
function unitOf(units: string): string {
  const text = units.trim().toLowerCase();
  return perSecondUnit(text) ?? text;
}

function withSuffix(name: string, suffix: string | undefined): string {
  // `cgroup.net_bytes_send` is already in bytes: no `_bytes` again.
  if (!suffix || name.split('_').includes(suffix)) return name;
  return `${name}_${suffix}`;
}

/** Title without HTML (Netdata titles carry `<code>` tags). */
function plainTitle(chart: ChartDefinition): string {
  return chart.title.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
}

/** HELP text: the chart's title, units and id. */
function helpOf(chart: ChartDefinition, note = ''): string {
  return `${plainTitle(chart) || chartKey(chart)} (${chart.units}; Netdata chart ${chart.context || chartKey(chart)})${note}`;
}

/** Chart labels as Prometheus labels, never overriding `reserved` ones. */
function chartLabels(chart: ChartDefinition, reserved: ReadonlySet<string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(chart.labels ?? {})) {
    const name = labelName(key);
    if (name === '' || name === 'le' || reserved.has(name)) continue;
    labels[name] = value;
  }
  return labels;
}

export { histogramBounds };

/** How a chart maps to metrics. */
export function planChart(chart: ChartDefinition, prefix: string): ChartPlan {
  const base = baseName(prefix, chart);
  const bounds = histogramBounds(chart);
  const cgroup = cgroupOf(chart);
  if (bounds) {
    const scope: Record<string, string> = cgroup === undefined ? {} : { [LABEL_CGROUP]: cgroup };
    return {
      kind: 'histogram',
      histogram: {
        family: withSuffix(base, 'seconds'),
        help: helpOf(chart, '; histogram of the dimensions as buckets'),
        labels: { ...chartLabels(chart, new Set([LABEL_CGROUP, LABEL_CHART])), ...scope, ...instanceLabels(chart) },
        bounds,
        dimensions: chart.dimensions.map((d) => d.id),
        accumulate: chart.dimensions.every((d) => d.algorithm === 'absolute'),
      },
    };
  }
  const unit = unitOf(chart.units);
  const baseUnit = BASE_UNITS.get(unit);
  const dimensionLabel = chart.type === 'apps' ? LABEL_APP_GROUP : chart.type === 'services' ? LABEL_SERVICE : LABEL_DIMENSION;
  const reserved = new Set([dimensionLabel, LABEL_CGROUP, LABEL_CHART]);
  const fromChart = { ...chartLabels(chart, reserved), ...instanceLabels(chart) };
  const dimensions = new Map<string, SeriesPlan>();
  for (const dimension of chart.dimensions) {
    dimensions.set(dimension.id, planDimension(chart, dimension, { base, baseUnit, dimensionLabel, cgroup, fromChart }));
  }
  return { kind: 'series', dimensions };
}

function planDimension(
  chart: ChartDefinition,
  dimension: DimensionDefinition,
  context: {
    base: string;
    baseUnit: BaseUnit | undefined;
    dimensionLabel: string;
    cgroup: string | undefined;
    fromChart: Record<string, string>;
  },
): SeriesPlan {
  const { base, baseUnit, dimensionLabel, cgroup, fromChart } = context;
  const percentage = dimension.algorithm.startsWith('percentage');
  const perInterval = isPerIntervalAmount(chart, dimension);
  const counter = dimension.algorithm === 'incremental' || perInterval;
  const unitFactor = percentage ? 1 : baseUnit?.factor ?? 1;
  // Netdata draws some dimensions below the axis with a negative multiplier; a counter is never negative.
  const scale = Math.abs((dimension.multiplier ?? 1) / (dimension.divisor || 1)) * unitFactor;
  const labels: Record<string, string> = { ...fromChart };
  if (cgroup !== undefined) labels[LABEL_CGROUP] = cgroup;
  labels[dimensionLabel] = dimension.name || dimension.id;
  const suffix = percentage ? 'percent' : baseUnit?.suffix;
  return {
    // `_count`, `_sum`, `_bucket` belong to histograms and `_total` to counters (added when rendered).
    family: withSuffix(base.replace(/_(count|sum|bucket|total)$/, ''), suffix),
    type: counter ? 'counter' : 'gauge',
    help: helpOf(chart, perInterval ? '; per-interval values added up' : ''),
    labels,
    scale,
    accumulate: perInterval,
  };
}
