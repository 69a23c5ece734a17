/**
 * Chart ids, titles, units, families, contexts, priorities and dimensions of
 * the process collector, as Netdata 1.37.1's process thread declares them
 * (netdata-reference §1.8). Deliberate differences are marked and explained
 * in the package README.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';
import { PID_LANE } from './internal-types.js';

/** Chart `module` field: Netdata's module name. */
export const MODULE = 'process';

/** `units` of every count chart. */
export const UNITS_CALLS = 'calls/s';
/** `units` of `system.process_status`. */
export const UNITS_DIFFERENCE = 'difference';

/** Families (dashboard submenus). */
export const FAMILY = {
  system: 'processes',
  apps: 'processes',
  cgroup: 'processes (eBPF)',
  services: 'process (eBPF)',
} as const;

/** Chart types (the part before the dot). */
export const TYPE_SYSTEM = 'system';
export const TYPE_APPS = 'apps';
export const TYPE_SERVICES = 'services';
/** A cgroup's charts live under `cgroup_<name>`. */
export const CGROUP_TYPE_PREFIX = 'cgroup_';

/** A host-chart dimension. */
export interface DimensionSpec {
  readonly id: string;
  readonly name: string;
  readonly multiplier?: number;
}

/** A chart of fixed shape. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly chartType: ChartType;
  readonly priority: number;
  readonly algorithm: DimensionAlgorithm;
  readonly context: string;
}

/** Host dimension ids: Netdata names them after the kernel functions it hooked. */
export const DIM = {
  fork: { id: '_do_fork', name: 'process' },
  clone: { id: 'sys_clone', name: 'thread' },
  exit: { id: 'do_exit', name: 'process' },
  /**
   * Netdata sends this value negated, so the dashboard draws releases below
   * zero. We keep the drawing with `multiplier: -1` and send the count itself,
   * so other outputs see a positive number.
   */
  release: { id: 'release_task', name: 'task', multiplier: -1 },
  processStatus: { id: 'process', name: 'process' },
  zombie: { id: 'zombie', name: 'zombie' },
} as const satisfies Record<string, DimensionSpec>;

/** `system.*` charts (values are per-interval deltas, sent `absolute`). */
export const SYSTEM_CHART = {
  processThread: {
    id: 'process_thread',
    title: 'Start process',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 21002,
    algorithm: 'absolute',
    context: '',
  },
  exit: {
    id: 'exit',
    title: 'Exit process',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 21003,
    algorithm: 'absolute',
    context: '',
  },
  processStatus: {
    id: 'process_status',
    title: 'Process not closed',
    units: UNITS_DIFFERENCE,
    chartType: 'line',
    priority: 21004,
    algorithm: 'absolute',
    context: '',
  },
  /** Only in `ebpf load mode = return`. */
  taskError: {
    id: 'task_error',
    title: 'Fails to create process',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 21005,
    algorithm: 'absolute',
    context: '',
  },
} as const satisfies Record<string, ChartSpec>;

/** The five per-group metrics, in chart order; `lane` indexes a per-PID value. */
export const GROUP_METRICS = [
  { key: 'processCreate', id: 'process_create', title: 'Process started', lane: PID_LANE.createProcess },
  { key: 'threadCreate', id: 'thread_create', title: 'Threads started', lane: PID_LANE.createThread },
  { key: 'taskExit', id: 'task_exit', title: 'Tasks starts exit process.', lane: PID_LANE.exit },
  { key: 'taskClose', id: 'task_close', title: 'Tasks closed', lane: PID_LANE.release },
  /** Only in `ebpf load mode = return`. */
  { key: 'taskError', id: 'task_error', title: 'Errors to create process or threads.', lane: PID_LANE.taskError },
] as const;

/** Key of a per-group metric. */
export type GroupMetricKey = (typeof GROUP_METRICS)[number]['key'];

/** `apps.*`: one dimension per exposed app group, per-interval values (`absolute`), stacked. */
export const APPS_PRIORITY: Readonly<Record<GroupMetricKey, number>> = {
  processCreate: 20065,
  threadCreate: 20066,
  taskExit: 20067,
  taskClose: 20068,
  taskError: 20069,
};

/**
 * `services.*`: one dimension per systemd service, cumulative (`incremental`),
 * stacked. Netdata 1.37.1 gives chart `task_exit` the title and context of
 * `task_close` and the reverse; here each chart's title, context and priority
 * match its id and its data (see README).
 */
export const SERVICES_PRIORITY = APPS_PRIORITY;

/** `cgroup_<name>.*`: one dimension each, cumulative (`incremental`), line. 40000 + 5000 + n. */
export const CGROUP_PRIORITY: Readonly<Record<GroupMetricKey, number>> = {
  processCreate: 45000,
  threadCreate: 45001,
  taskExit: 45002,
  taskClose: 45003,
  taskError: 45004,
};

/** The single dimension of each `cgroup_<name>.*` chart (ids and names as Netdata's, quirks included). */
export const CGROUP_DIMENSION: Readonly<Record<GroupMetricKey, DimensionSpec>> = {
  processCreate: { id: DIM.fork.id, name: DIM.fork.name },
  threadCreate: { id: DIM.clone.id, name: DIM.clone.name },
  taskExit: { id: DIM.exit.id, name: DIM.exit.name },
  taskClose: { id: DIM.release.id, name: DIM.release.name },
  // Netdata labels the error dimension of cgroup charts `do_exit`/`process`.
  taskError: { id: DIM.exit.id, name: DIM.exit.name },
};

/** Context of a per-group chart: `cgroup.<id>` or `services.<id>`; apps charts have none (the agent uses `apps.<id>`). */
export function groupContext(kind: 'apps' | 'cgroup' | 'services', id: string): string {
  return kind === 'apps' ? '' : `${kind}.${id}`;
}
