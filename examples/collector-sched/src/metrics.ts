/**
 * Chart ids, titles, units, families and priorities of the sched collector,
 * as constants.
 */

/** Module name: the `module` field of every chart, the `[ebpf programs]` key and the config file stem. */
export const MODULE = 'sched';

/** Type part of the host chart id. */
export const TYPE = 'sched';

/** Dashboard family of every chart. */
export const FAMILY = 'scheduler';

/** `sched.switches`: context switches on the host, split by why the task left the CPU. */
export const HOST_CHART = {
  id: 'switches',
  title: 'Context switches',
  units: 'switches/s',
  priority: 8600,
} as const;

/** `apps.sched_switches` (and `cgroup_<name>.`, `services.`): context switches per group. */
export const GROUP_CHART = {
  id: 'sched_switches',
  title: 'Context switches of the tasks of each group',
  units: 'switches/s',
  appsPriority: 20400,
  cgroupPriority: 5400,
} as const;
