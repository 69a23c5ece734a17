/**
 * Netdata 1.37.1 mount thread charts: ids, titles, units, family,
 * priorities and dimensions, as constants.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';
import type { MountCounts } from './types.js';

/** Netdata module name (`module` field of every chart, config key, thread name). */
export const MODULE = 'mount';

/** Type part of the chart ids. */
export const TYPE = 'mount_points';

export const UNITS_CALLS = 'calls/s';

/** Family (dashboard submenu) of both charts. */
export const FAMILY = 'mount (eBPF)';

export const ALGORITHM: DimensionAlgorithm = 'incremental';

export const CHART_TYPE: ChartType = 'line';

/** One chart: two dimensions, `mount` and `umount`, from two lanes. */
export interface MountChartSpec {
  readonly id: string;
  readonly title: string;
  readonly priority: number;
  readonly dimensions: ReadonlyArray<{ readonly id: 'mount' | 'umount'; readonly value: keyof MountCounts }>;
}

/**
 * `mount_points.*` in Netdata's creation order. Both exist in every load
 * mode, as in Netdata: the errors chart stays at 0 where only call entries
 * are hooked (entry load mode in trampoline and probe modes).
 */
export const CHARTS: ReadonlyArray<MountChartSpec> = [
  {
    id: 'call',
    title: 'Calls to mount and umount syscalls',
    priority: 2190,
    dimensions: [
      { id: 'mount', value: 'mountCalls' },
      { id: 'umount', value: 'umountCalls' },
    ],
  },
  {
    id: 'error',
    title: 'Errors to mount and umount file systems',
    priority: 2191,
    dimensions: [
      { id: 'mount', value: 'mountErrors' },
      { id: 'umount', value: 'umountErrors' },
    ],
  },
];
