/**
 * Netdata 1.37.1 dcstat thread (`dc`) charts: ids, titles, units, families,
 * contexts, priorities and dimensions, as constants.
 */
import type { ChartType } from '@ebpf-collectors/core';

/** Netdata thread name (config key `dcstat`, file `dcstat.conf`, flag `--dcstat`). */
export const THREAD = 'dc';
/** Netdata module name in every chart's `module` field. */
export const MODULE = 'dcstat';

/** Type part of the host chart ids. */
export const TYPE_FILESYSTEM = 'filesystem';

/** Family of every dcstat chart (host, apps, cgroup, services). */
export const FAMILY = 'directory cache (eBPF)';

/** The host charts. */
export const HOST = {
  ratio: { id: 'dc_hit_ratio', title: 'Percentage of files inside directory cache', units: '%', priority: 21200, dimension: 'ratio' },
  reference: {
    id: 'dc_reference',
    title: 'Variables used to calculate hit ratio.',
    units: 'files',
    priority: 21201,
    dimensions: ['reference', 'slow', 'miss'] as const,
  },
} as const;

/** What a per-group chart shows. */
export type DcGroupValue = 'ratio' | 'reference' | 'slow' | 'miss';

/** One per-group metric as Netdata draws it for apps, cgroups and services. */
export interface DcGroupChartSpec {
  readonly value: DcGroupValue;
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly appsPriority: number;
  readonly appsChartType: ChartType;
  readonly cgroupPriority: number;
  readonly cgroupContext: string;
  /** The one dimension of the cgroup chart. */
  readonly cgroupDimension: string;
  readonly servicesPriority: number;
  readonly servicesContext: string;
}

export const GROUP_CHARTS: ReadonlyArray<DcGroupChartSpec> = [
  {
    value: 'ratio',
    id: 'dc_hit_ratio',
    title: 'Percentage of files inside directory cache',
    units: '%',
    appsPriority: 20100,
    appsChartType: 'line',
    cgroupPriority: 45700,
    cgroupContext: 'cgroup.dc_ratio',
    cgroupDimension: 'ratio',
    servicesPriority: 21200,
    servicesContext: 'services.dc_ratio',
  },
  {
    value: 'reference',
    id: 'dc_reference',
    title: 'Count file access',
    units: 'files',
    appsPriority: 20101,
    appsChartType: 'stacked',
    cgroupPriority: 45701,
    cgroupContext: 'cgroup.dc_reference',
    cgroupDimension: 'reference',
    servicesPriority: 21201,
    servicesContext: 'services.dc_reference',
  },
  {
    value: 'slow',
    id: 'dc_not_cache',
    title: 'Files not present inside directory cache',
    units: 'files',
    appsPriority: 20102,
    appsChartType: 'stacked',
    cgroupPriority: 45702,
    cgroupContext: 'cgroup.dc_not_cache',
    cgroupDimension: 'slow',
    servicesPriority: 21202,
    servicesContext: 'services.dc_not_cache',
  },
  {
    value: 'miss',
    id: 'dc_not_found',
    title: 'Files not found',
    units: 'files',
    appsPriority: 20103,
    appsChartType: 'stacked',
    cgroupPriority: 45703,
    cgroupContext: 'cgroup.dc_not_found',
    cgroupDimension: 'miss',
    servicesPriority: 21202,
    servicesContext: 'services.dc_not_found',
  },
];
