/**
 * Netdata 1.37.1 cachestat thread charts: ids, titles, units, families,
 * contexts, priorities and dimensions, as constants.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';

/** Netdata module name (`module` field of every chart, thread name, config key). */
export const MODULE = 'cachestat';

/** Type part of the host chart ids. */
export const TYPE_MEM = 'mem';

/** Families (dashboard submenus). */
export const FAMILY = {
  /** Host, apps and services charts. */
  pageCache: 'page_cache',
  /** cgroup charts. */
  cgroup: 'page cache (eBPF)',
} as const;

/** What a chart shows, from the per-interval or cumulative values. */
export type CachestatValue = 'ratio' | 'dirty' | 'hit' | 'miss';

/** One metric: its host chart and the group charts Netdata draws for it. */
export interface CachestatChartSpec {
  readonly value: CachestatValue;
  /** Chart id part: `mem.<id>`, `apps.<id>`, `cgroup_<n>.<id>`, `services.<id>`. */
  readonly id: string;
  readonly title: string;
  readonly units: string;
  /** Dimension id on the host and cgroup charts. */
  readonly dimension: string;
  readonly hostPriority: number;
  readonly hostAlgorithm: DimensionAlgorithm;
  readonly appsPriority: number;
  readonly appsChartType: ChartType;
  readonly appsAlgorithm: DimensionAlgorithm;
  readonly cgroupPriority: number;
  readonly cgroupContext: string;
  readonly servicesPriority: number;
  readonly servicesAlgorithm: DimensionAlgorithm;
  readonly servicesContext: string;
  /** Whether the accessed-page count is needed (it is not known in tracepoint mode). */
  readonly needsAccess: boolean;
}

/** The four cachestat charts in Netdata's creation order. */
export const CHARTS: ReadonlyArray<CachestatChartSpec> = [
  {
    value: 'ratio',
    id: 'cachestat_ratio',
    title: 'Hit ratio',
    units: '%',
    dimension: 'ratio',
    hostPriority: 21100,
    hostAlgorithm: 'absolute',
    appsPriority: 20090,
    appsChartType: 'line',
    appsAlgorithm: 'absolute',
    cgroupPriority: 45200,
    cgroupContext: 'cgroup.cachestat_ratio',
    servicesPriority: 21100,
    servicesAlgorithm: 'absolute',
    servicesContext: 'services.cachestat_ratio',
    needsAccess: true,
  },
  {
    value: 'dirty',
    id: 'cachestat_dirties',
    title: 'Number of dirty pages',
    units: 'pages/s',
    dimension: 'dirty',
    hostPriority: 21101,
    hostAlgorithm: 'incremental',
    appsPriority: 20091,
    appsChartType: 'stacked',
    appsAlgorithm: 'incremental',
    cgroupPriority: 45201,
    cgroupContext: 'cgroup.cachestat_dirties',
    servicesPriority: 21101,
    servicesAlgorithm: 'absolute',
    servicesContext: 'services.cachestat_dirties',
    needsAccess: false,
  },
  {
    value: 'hit',
    id: 'cachestat_hits',
    title: 'Number of accessed files',
    units: 'hits/s',
    dimension: 'hit',
    hostPriority: 21102,
    hostAlgorithm: 'absolute',
    appsPriority: 20092,
    appsChartType: 'stacked',
    appsAlgorithm: 'absolute',
    cgroupPriority: 45202,
    cgroupContext: 'cgroup.cachestat_hits',
    servicesPriority: 21102,
    servicesAlgorithm: 'absolute',
    servicesContext: 'services.cachestat_hits',
    needsAccess: true,
  },
  {
    value: 'miss',
    id: 'cachestat_misses',
    title: 'Files out of page cache',
    units: 'misses/s',
    dimension: 'miss',
    hostPriority: 21103,
    hostAlgorithm: 'absolute',
    appsPriority: 20093,
    appsChartType: 'stacked',
    appsAlgorithm: 'absolute',
    cgroupPriority: 45203,
    cgroupContext: 'cgroup.cachestat_misses',
    servicesPriority: 21103,
    servicesAlgorithm: 'absolute',
    servicesContext: 'services.cachestat_misses',
    needsAccess: false,
  },
];
