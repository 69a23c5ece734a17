/**
 * Chart table of the swap collector: cumulative read and write calls
 * (`incremental`: the agent makes rates), host and per group.
 */
import type { CounterChartsSpec, GroupMetric, HostChart } from '@ebpf-collectors/core';
import { lane } from '@ebpf-collectors/core';
import { COUNTER } from './internal-types.js';
import { FAMILY, GROUP_CHARTS, HOST_CHART, MODULE, UNITS } from './metrics.js';

export function hostChartTable(): HostChart[] {
  return [
    {
      type: HOST_CHART.type,
      id: HOST_CHART.id,
      title: HOST_CHART.title,
      units: HOST_CHART.units,
      family: HOST_CHART.family,
      context: '',
      chartType: 'line',
      priority: HOST_CHART.priority,
      algorithm: 'incremental',
      dimensions: HOST_CHART.dimensions.map((id) => ({ id, value: lane(COUNTER[id]) })),
    },
  ];
}

export function groupMetrics(): GroupMetric[] {
  return GROUP_CHARTS.map((spec) => ({
    id: spec.id,
    title: spec.title,
    units: UNITS,
    value: lane(COUNTER[spec.op]),
    apps: { family: FAMILY.apps, context: '', chartType: 'stacked', priority: spec.appsPriority, algorithm: 'incremental' },
    cgroup: {
      family: FAMILY.groups,
      context: spec.cgroupContext,
      chartType: 'line',
      priority: spec.cgroupPriority,
      algorithm: 'incremental',
      dimension: { id: spec.op },
    },
    services: { family: FAMILY.groups, context: spec.servicesContext, chartType: 'stacked', priority: spec.appsPriority, algorithm: 'incremental' },
  }));
}

export function swapCharts(): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(), groups: groupMetrics() };
}
