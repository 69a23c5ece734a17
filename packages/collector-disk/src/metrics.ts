/**
 * Netdata 1.37.1 disk thread chart: id, title, units, family, context,
 * priority and dimensions, as constants.
 */

/** Netdata module name (`module` field of every chart, config key, thread name). */
export const MODULE = 'disk';

/** Type part of the chart ids: `disk_latency_io.<disk>`. */
export const CHART_TYPE_ID = 'disk_latency_io';

export const TITLE = 'Disk latency';
export const UNITS = 'calls/s';
export const CONTEXT = 'disk.latency_io';
export const PRIORITY = 2095;
