/**
 * Netdata 1.37.1 swap thread charts, as constants.
 */

/** Netdata module name (thread, config key, `module` field of every chart). */
export const MODULE = 'swap';

/**
 * `system.swapcalls` as in 1.37.1-1.41 (`mem.swapcalls` from 1.42: the
 * reference this plugin follows is 1.37.1).
 */
export const HOST_CHART = {
  type: 'system',
  id: 'swapcalls',
  title: 'Calls to access swap memory',
  units: 'calls/s',
  family: 'swap',
  priority: 202,
  /** Declared in this order. */
  dimensions: ['read', 'write'] as const,
} as const;

/** Families of the group charts. */
export const FAMILY = { apps: 'swap', groups: 'swap (eBPF)' } as const;

/** The per-group charts, one per operation. */
export const GROUP_CHARTS = [
  {
    op: 'read',
    id: 'swap_read_call',
    title: 'Calls to function <code>swap_readpage</code>.',
    appsPriority: 20191,
    cgroupPriority: 45100,
    cgroupContext: 'cgroup.swap_read',
    servicesContext: 'services.swap_read',
  },
  {
    op: 'write',
    id: 'swap_write_call',
    title: 'Calls to function <code>swap_writepage</code>.',
    appsPriority: 20192,
    cgroupPriority: 45101,
    cgroupContext: 'cgroup.swap_write',
    servicesContext: 'services.swap_write',
  },
] as const;

export const UNITS = 'calls/s';
