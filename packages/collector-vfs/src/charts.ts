/**
 * Chart math of the vfs collector: from the cumulative kernel counters and
 * per-group totals of one tick to chart values. Pure (no kernel access), so
 * the unit tests run it on recorded map contents.
 */
import type { ChartDefinition, ChartSettings, CounterChartsSpec, GroupMetric, HostChart } from '@ebpf-collectors/core';
import { CounterChartBuilder, hostChartDefinition, lane, lanesSum } from '@ebpf-collectors/core';
import { COUNTER, PID_LANE } from './internal-types.js';
import {
  APPS_PRIORITY_BASE,
  CGROUP_PRIORITY_BASE,
  FAMILY,
  GROUP_CHARTS,
  HOST_CHARTS,
  MODULE,
  TYPE_FILESYSTEM,
  type GroupValue,
  type HostValue,
} from './metrics.js';
import type { VfsCounters } from './types.js';

/** What the chart builder needs from the configuration. */
export type ChartOptions = ChartSettings;

export type { GroupInput, TickInput } from '@ebpf-collectors/core';

/**
 * Named host counters from the 20 kernel lanes: the vector flavours added to
 * the plain ones, as Netdata's charts show them.
 *
 * @throws RangeError when fewer than 20 lanes are given
 */
export function decodeCounters(lanes: ArrayLike<bigint>): VfsCounters {
  if (lanes.length < 20) throw new RangeError(`tbl_vfs_stats: expected 20 counters, got ${lanes.length}`);
  const at = (i: number) => lanes[i]!;
  return {
    unlinkCalls: at(COUNTER.unlinkCalls),
    unlinkErrors: at(COUNTER.unlinkErrors),
    readCalls: at(COUNTER.readCalls) + at(COUNTER.readvCalls),
    readErrors: at(COUNTER.readErrors) + at(COUNTER.readvErrors),
    readBytes: at(COUNTER.readBytes) + at(COUNTER.readvBytes),
    writeCalls: at(COUNTER.writeCalls) + at(COUNTER.writevCalls),
    writeErrors: at(COUNTER.writeErrors) + at(COUNTER.writevErrors),
    writeBytes: at(COUNTER.writeBytes) + at(COUNTER.writevBytes),
    fsyncCalls: at(COUNTER.fsyncCalls),
    fsyncErrors: at(COUNTER.fsyncErrors),
    openCalls: at(COUNTER.openCalls),
    openErrors: at(COUNTER.openErrors),
    createCalls: at(COUNTER.createCalls),
    createErrors: at(COUNTER.createErrors),
  };
}

/** Each host value from the kernel lanes: the vector flavours added to the plain ones. */
const HOST_VALUE: Readonly<Record<HostValue, (lanes: ArrayLike<bigint>) => bigint>> = {
  unlinkCalls: lane(COUNTER.unlinkCalls),
  readCalls: lanesSum(COUNTER.readCalls, COUNTER.readvCalls),
  readErrors: lanesSum(COUNTER.readErrors, COUNTER.readvErrors),
  readBytes: lanesSum(COUNTER.readBytes, COUNTER.readvBytes),
  writeCalls: lanesSum(COUNTER.writeCalls, COUNTER.writevCalls),
  writeErrors: lanesSum(COUNTER.writeErrors, COUNTER.writevErrors),
  writeBytes: lanesSum(COUNTER.writeBytes, COUNTER.writevBytes),
  fsyncCalls: lane(COUNTER.fsyncCalls),
  fsyncErrors: lane(COUNTER.fsyncErrors),
  openCalls: lane(COUNTER.openCalls),
  openErrors: lane(COUNTER.openErrors),
  createCalls: lane(COUNTER.createCalls),
  createErrors: lane(COUNTER.createErrors),
};

/** Where each per-group value lives in a per-PID value. */
const GROUP_LANE: Readonly<Record<GroupValue, number>> = {
  unlinkCalls: PID_LANE.unlinkCalls,
  writeCalls: PID_LANE.writeCalls,
  writeErrors: PID_LANE.writeErrors,
  readCalls: PID_LANE.readCalls,
  readErrors: PID_LANE.readErrors,
  writeBytes: PID_LANE.writeBytes,
  readBytes: PID_LANE.readBytes,
  fsyncCalls: PID_LANE.fsyncCalls,
  fsyncErrors: PID_LANE.fsyncErrors,
  openCalls: PID_LANE.openCalls,
  openErrors: PID_LANE.openErrors,
  createCalls: PID_LANE.createCalls,
  createErrors: PID_LANE.createErrors,
};

/** The `filesystem.*` charts of a load mode, as the kit's host chart table. */
export function hostChartTable(returnMode: boolean): HostChart[] {
  return HOST_CHARTS.filter((spec) => returnMode || !spec.returnOnly).map((spec) => ({
    type: TYPE_FILESYSTEM,
    id: spec.id,
    title: spec.title,
    units: spec.units,
    family: FAMILY.vfs,
    context: '',
    chartType: spec.chartType,
    priority: spec.priority,
    algorithm: spec.algorithm,
    dimensions: spec.dimensions.map(({ dim, value }) => ({
      id: dim.id,
      name: dim.name,
      ...('multiplier' in dim ? { multiplier: dim.multiplier } : {}),
      value: HOST_VALUE[value],
    })),
  }));
}

/** The `filesystem.*` chart definitions of a load mode. */
export function hostCharts(options: Pick<ChartOptions, 'updateEvery' | 'returnMode'>): ChartDefinition[] {
  return hostChartTable(options.returnMode).map((chart) => hostChartDefinition(chart, MODULE, options.updateEvery));
}

/**
 * The per-group metrics of a load mode, for core's {@link GroupChartBuilder}:
 * apps (family `vfs`, stacked), cgroups (`vfs (eBPF)`, line, one dimension)
 * and services (`vfs (eBPF)`, stacked), all cumulative (`incremental`).
 */
export function groupMetrics(returnMode: boolean): GroupMetric[] {
  return GROUP_CHARTS.filter((spec) => returnMode || !spec.returnOnly).map((spec) => {
    const lane = GROUP_LANE[spec.value];
    return {
      id: spec.id,
      title: spec.title,
      units: spec.units,
      value: (lanes: ReadonlyArray<bigint>) => lanes[lane] ?? 0n,
      apps: {
        family: FAMILY.vfs,
        context: '',
        chartType: 'stacked',
        priority: APPS_PRIORITY_BASE + spec.position,
        algorithm: 'incremental',
      },
      cgroup: {
        family: FAMILY.groups,
        context: `cgroup.${spec.context}`,
        chartType: 'line',
        priority: CGROUP_PRIORITY_BASE + spec.position,
        algorithm: 'incremental',
        dimension: { id: spec.cgroupDimension.id, name: spec.cgroupDimension.name },
      },
      services: {
        family: FAMILY.groups,
        context: `services.${spec.context}`,
        chartType: 'stacked',
        priority: APPS_PRIORITY_BASE + spec.position,
        algorithm: 'incremental',
        title: spec.servicesTitle,
      },
    };
  });
}

/**
 * The vfs chart table: host values are the cumulative kernel counters (the
 * agent makes rates, as with Netdata's vfs thread); group values are
 * monotonic group totals.
 */
export function vfsCharts(options: Pick<ChartOptions, 'returnMode'>): CounterChartsSpec {
  return { module: MODULE, host: hostChartTable(options.returnMode), groups: groupMetrics(options.returnMode) };
}

/** The kit's chart builder over {@link vfsCharts} (for tests and tools that feed recorded readings). */
export class VfsChartBuilder extends CounterChartBuilder {
  constructor(options: ChartOptions) {
    super(vfsCharts(options), options);
  }
}
