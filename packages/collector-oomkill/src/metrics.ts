/**
 * Netdata 1.37.1 oomkill thread charts: ids, titles, units, families,
 * contexts, priorities and dimensions, as constants.
 */

/** Netdata module name (`module` field of every chart, config key, thread name). */
export const MODULE = 'oomkill';

/** Chart id part: `apps.oomkills`, `cgroup_<name>.oomkills`, `services.oomkills`. */
export const CHART_ID = 'oomkills';

export const UNITS = 'kills';

/** Family of every oomkill chart. */
export const FAMILY = 'mem';

/** Title of `apps.oomkills`. */
export const TITLE_APPS = 'OOM kills';

/** Title of `cgroup_<name>.oomkills` and `services.oomkills`. */
export const TITLE_GROUPS = 'OOM kills. This chart is provided by eBPF plugin.';

/** Context of `cgroup_<name>.oomkills` (apps and services charts send none). */
export const CONTEXT_CGROUP = 'cgroup.oomkills';

/** The one dimension of a cgroup chart. */
export const CGROUP_DIMENSION = 'oomkill';

export const PRIORITY = {
  apps: 20020,
  /** NETDATA_CHART_PRIO_CGROUPS_CONTAINERS + 5600. */
  cgroup: 45600,
  services: 20191,
} as const;

/** The app group of kills that cannot be put anywhere else. */
export const OTHER = 'other';
