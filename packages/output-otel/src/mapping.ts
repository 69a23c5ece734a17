/**
 * Chart model -> OpenTelemetry instruments. Pure.
 *
 * - Name: `<prefix>.` + the chart's context (or `type.id` without one),
 *   `cgroup_<name>` types folded to `cgroup`: `ebpf.filesystem.vfs_io_bytes`.
 * - Unit: UCUM from the chart's units without `/s` (`By`, `s`, `{call}`),
 *   values converted (kilobits to bytes, milliseconds to seconds).
 * - Kind: `incremental` dimensions and `absolute` dimensions of per-second
 *   charts (per-interval amounts, added up) are asynchronous counters; other
 *   `absolute` dimensions and percentages are asynchronous gauges.
 * - Histograms (a chart's `histogram` bounds, or the filesystem latency
 *   charts) are histograms in seconds with the chart's bucket bounds.
 * - Attributes: `ebpf.app_group`, `ebpf.service`, `ebpf.cgroup` +
 *   `ebpf.dimension`, or `ebpf.dimension`, plus the chart's labels, plus
 *   `ebpf.chart` (`type.id`) on one instance of a context (one per disk).
 */
import { chartKey, histogramBounds, isPerIntervalAmount, perSecondUnit, type ChartDefinition, type DimensionDefinition } from '@ebpf-collectors/core';
import type { Attributes } from '@opentelemetry/api';
import type { ChartPlan, SeriesPlan } from './internal-types.js';
import {
  ATTRIBUTE_APP_GROUP,
  ATTRIBUTE_CGROUP,
  ATTRIBUTE_CHART,
  ATTRIBUTE_DIMENSION,
  ATTRIBUTE_SERVICE,
  UNITS,
} from './metrics.js';

/** Lower-case words joined by `_`, dots kept as namespace separators. */
function nameWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_.]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/(^|\.)_|_($|\.)/g, '$1$2');
}

export { histogramBounds };

function description(chart: ChartDefinition): string {
  const title = chart.title.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
  return `${title || chartKey(chart)} (Netdata chart ${chart.context || chartKey(chart)}, ${chart.units})`;
}

/** How a chart maps to instruments. */
export function planChart(chart: ChartDefinition, prefix: string): ChartPlan {
  const source = (chart.context || chartKey(chart)).replace(/^cgroup_[^.]*\./, 'cgroup.');
  const name = `${nameWords(prefix)}.${nameWords(source)}`;
  const cgroup = chart.type.startsWith('cgroup_') ? chart.type.slice('cgroup_'.length) : undefined;
  const perGroup = chart.type === 'apps' || chart.type === 'services' || chart.type.startsWith('cgroup_');
  // One instance of a context (one chart per disk: an id that is not the context's last part) carries its id.
  const instance = !perGroup && chart.context !== '' && chart.context.split('.').pop() !== chart.id;
  const labels: Attributes = { ...(chart.labels ?? {}), ...(instance ? { [ATTRIBUTE_CHART]: chartKey(chart) } : {}) };
  const bounds = histogramBounds(chart);
  if (bounds) {
    return {
      kind: 'histogram',
      histogram: {
        name,
        description: description(chart),
        attributes: { ...labels, ...(cgroup !== undefined ? { [ATTRIBUTE_CGROUP]: cgroup } : {}) },
        bounds,
        dimensions: chart.dimensions.map((d) => d.id),
        perInterval: chart.dimensions.every((d) => d.algorithm === 'absolute'),
      },
    };
  }
  const units = chart.units.trim().toLowerCase();
  const unitWord = perSecondUnit(units) ?? units;
  const known = UNITS.get(unitWord);
  const unit = known?.unit ?? (unitWord === '' ? '1' : `{${nameWords(unitWord).replace(/\./g, '_')}}`);
  const dimensionKey = chart.type === 'apps' ? ATTRIBUTE_APP_GROUP : chart.type === 'services' ? ATTRIBUTE_SERVICE : ATTRIBUTE_DIMENSION;
  const dimensions = new Map<string, SeriesPlan>();
  for (const dimension of chart.dimensions) {
    dimensions.set(dimension.id, planDimension(chart, dimension, { name, unit, factor: known?.factor ?? 1, dimensionKey, cgroup, labels }));
  }
  return { kind: 'series', dimensions };
}

function planDimension(
  chart: ChartDefinition,
  dimension: DimensionDefinition,
  context: { name: string; unit: string; factor: number; dimensionKey: string; cgroup: string | undefined; labels: Attributes },
): SeriesPlan {
  const percentage = dimension.algorithm.startsWith('percentage');
  const perInterval = isPerIntervalAmount(chart, dimension);
  const counter = dimension.algorithm === 'incremental' || perInterval;
  // Netdata draws some dimensions below the axis with a negative multiplier; a counter is never negative.
  const scale = Math.abs((dimension.multiplier ?? 1) / (dimension.divisor || 1)) * (percentage ? 1 : context.factor);
  return {
    name: context.name,
    kind: counter ? 'counter' : 'gauge',
    unit: percentage ? '%' : context.unit,
    description: description(chart),
    attributes: {
      ...context.labels,
      ...(context.cgroup !== undefined ? { [ATTRIBUTE_CGROUP]: context.cgroup } : {}),
      [context.dimensionKey]: dimension.name || dimension.id,
    },
    scale,
    accumulate: perInterval,
  };
}
