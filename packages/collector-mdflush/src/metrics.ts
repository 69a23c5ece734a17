/**
 * Netdata 1.37.1 mdflush thread chart, as constants.
 */

/** Netdata module name (thread, config key, `module` field of the chart). */
export const MODULE = 'mdflush';

/** `mdstat.mdstat_flush`: one `incremental` dimension per md array, added as arrays are seen. */
export const CHART = {
  type: 'mdstat',
  id: 'mdstat_flush',
  title: 'MD flushes',
  units: 'flushes',
  family: 'flush (eBPF)',
  context: 'md.flush',
  priority: 2101,
} as const;
