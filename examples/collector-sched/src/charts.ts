/**
 * The chart table of the sched collector: which counter lanes feed which
 * dimensions. Pure data; the kit in @ebpf-collectors/core builds the charts
 * every tick (rates from cumulative counters, one dimension per app group).
 */
import type { CounterChartsSpec, GroupMetric, HostChart } from '@ebpf-collectors/core';
import { lane } from '@ebpf-collectors/core';
import { SchedCounter, SchedPidStatLane } from './generated/sched.js';
import { FAMILY, GROUP_CHART, HOST_CHART, MODULE, TYPE } from './metrics.js';

/** `sched.switches`: voluntary and involuntary switches, stacked. */
export const HOST_CHARTS: ReadonlyArray<HostChart> = [
  {
    type: TYPE,
    id: HOST_CHART.id,
    title: HOST_CHART.title,
    units: HOST_CHART.units,
    family: FAMILY,
    context: `${TYPE}.${HOST_CHART.id}`,
    chartType: 'stacked',
    priority: HOST_CHART.priority,
    algorithm: 'incremental',
    dimensions: [
      { id: 'voluntary', value: lane(SchedCounter.voluntary) },
      { id: 'involuntary', value: lane(SchedCounter.involuntary) },
    ],
  },
];

/** Switches per app group, cgroup and service. */
export const GROUP_METRICS: ReadonlyArray<GroupMetric> = [
  {
    id: GROUP_CHART.id,
    title: GROUP_CHART.title,
    units: GROUP_CHART.units,
    value: (lanes) => lanes[SchedPidStatLane.switches] ?? 0n,
    apps: { family: FAMILY, context: '', chartType: 'stacked', priority: GROUP_CHART.appsPriority, algorithm: 'incremental' },
    cgroup: {
      family: FAMILY,
      context: `cgroup.${GROUP_CHART.id}`,
      chartType: 'line',
      priority: GROUP_CHART.cgroupPriority,
      algorithm: 'incremental',
      dimension: { id: 'switches' },
    },
    services: {
      family: FAMILY,
      context: `services.${GROUP_CHART.id}`,
      chartType: 'stacked',
      priority: GROUP_CHART.appsPriority,
      algorithm: 'incremental',
    },
  },
];

/** The chart table: host values are cumulative lanes, group values monotonic totals. */
export function schedCharts(): CounterChartsSpec {
  return { module: MODULE, host: HOST_CHARTS, groups: GROUP_METRICS };
}
