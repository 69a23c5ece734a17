/**
 * Netdata 1.37.1 vfs thread charts: ids, titles, units, families, contexts,
 * priorities and dimensions, as constants.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';

/** Netdata module name (`module` field of every chart, config key, thread name). */
export const MODULE = 'vfs';

/** Type part of the host chart ids. */
export const TYPE_FILESYSTEM = 'filesystem';

export const UNITS_CALLS = 'calls/s';
export const UNITS_BYTES = 'bytes/s';

/** Families (dashboard submenus). */
export const FAMILY = {
  /** Host and apps charts. */
  vfs: 'vfs',
  /** cgroup and services charts. */
  groups: 'vfs (eBPF)',
} as const;

/** A dimension as Netdata declares it: id (sent in SET) and display name. */
export interface DimensionSpec {
  readonly id: string;
  readonly name: string;
  readonly multiplier?: number;
}

/** The dimensions of Netdata's vfs thread, one per publish slot (`vfs_<fn>` → short name). */
export const DIM = {
  unlink: { id: 'vfs_unlink', name: 'delete' },
  read: { id: 'vfs_read', name: 'read' },
  write: { id: 'vfs_write', name: 'write' },
  /** `filesystem.vfs_io_bytes` draws writes below zero. */
  writeNegative: { id: 'vfs_write', name: 'write', multiplier: -1 },
  fsync: { id: 'vfs_fsync', name: 'fsync' },
  open: { id: 'vfs_open', name: 'open' },
  create: { id: 'vfs_create', name: 'create' },
} as const satisfies Record<string, DimensionSpec>;

/** Host value a dimension carries: a sum of counter lanes (see `internal-types.ts` COUNTER). */
export type HostValue =
  | 'unlinkCalls'
  | 'readCalls'
  | 'writeCalls'
  | 'readBytes'
  | 'writeBytes'
  | 'readErrors'
  | 'writeErrors'
  | 'fsyncCalls'
  | 'fsyncErrors'
  | 'openCalls'
  | 'openErrors'
  | 'createCalls'
  | 'createErrors';

/** One host chart. */
export interface HostChartSpec {
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly chartType: ChartType;
  readonly priority: number;
  readonly algorithm: DimensionAlgorithm;
  /** Only in `ebpf load mode = return`. */
  readonly returnOnly: boolean;
  readonly dimensions: ReadonlyArray<{ readonly dim: DimensionSpec; readonly value: HostValue }>;
}

/**
 * `filesystem.*` charts in Netdata's creation order. Values are the
 * cumulative kernel counters; the agent makes the rates (`incremental`).
 */
export const HOST_CHARTS: ReadonlyArray<HostChartSpec> = [
  {
    id: 'vfs_deleted_objects',
    title: 'Remove files',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2150,
    algorithm: 'incremental',
    returnOnly: false,
    dimensions: [{ dim: DIM.unlink, value: 'unlinkCalls' }],
  },
  {
    id: 'vfs_io',
    title: 'Calls to IO',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2151,
    algorithm: 'incremental',
    returnOnly: false,
    dimensions: [
      { dim: DIM.read, value: 'readCalls' },
      { dim: DIM.write, value: 'writeCalls' },
    ],
  },
  {
    id: 'vfs_io_bytes',
    title: 'Bytes written and read',
    units: UNITS_BYTES,
    chartType: 'line',
    priority: 2152,
    algorithm: 'incremental',
    returnOnly: false,
    dimensions: [
      { dim: DIM.read, value: 'readBytes' },
      { dim: DIM.writeNegative, value: 'writeBytes' },
    ],
  },
  {
    id: 'vfs_io_error',
    title: 'Fails to write or read',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2153,
    algorithm: 'incremental',
    returnOnly: true,
    dimensions: [
      { dim: DIM.read, value: 'readErrors' },
      { dim: DIM.write, value: 'writeErrors' },
    ],
  },
  {
    id: 'vfs_fsync',
    title: 'Calls for <code>vfs_fsync</code>',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2154,
    algorithm: 'incremental',
    returnOnly: false,
    dimensions: [{ dim: DIM.fsync, value: 'fsyncCalls' }],
  },
  {
    id: 'vfs_fsync_error',
    title: 'Fails to synchronize',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2155,
    algorithm: 'incremental',
    returnOnly: true,
    dimensions: [{ dim: DIM.fsync, value: 'fsyncErrors' }],
  },
  {
    id: 'vfs_open',
    title: 'Calls for <code>vfs_open</code>',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2156,
    algorithm: 'incremental',
    returnOnly: false,
    dimensions: [{ dim: DIM.open, value: 'openCalls' }],
  },
  {
    id: 'vfs_open_error',
    title: 'Fails to open a file',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2157,
    algorithm: 'incremental',
    returnOnly: true,
    dimensions: [{ dim: DIM.open, value: 'openErrors' }],
  },
  {
    id: 'vfs_create',
    title: 'Calls for <code>vfs_create</code>',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2158,
    algorithm: 'incremental',
    returnOnly: false,
    dimensions: [{ dim: DIM.create, value: 'createCalls' }],
  },
  {
    id: 'vfs_create_error',
    title: 'Fails to create a file.',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2159,
    algorithm: 'incremental',
    returnOnly: true,
    dimensions: [{ dim: DIM.create, value: 'createErrors' }],
  },
];

/** Per-group value a metric carries: one lane of a per-PID value (see `internal-types.ts` PID_LANE). */
export type GroupValue =
  | 'unlinkCalls'
  | 'writeCalls'
  | 'writeErrors'
  | 'readCalls'
  | 'readErrors'
  | 'writeBytes'
  | 'readBytes'
  | 'fsyncCalls'
  | 'fsyncErrors'
  | 'openCalls'
  | 'openErrors'
  | 'createCalls'
  | 'createErrors';

/** One per-group metric: `apps.<id>`, `cgroup_<name>.<id>`, `services.<id>`. */
export interface GroupChartSpec {
  readonly id: string;
  /** Title of the apps and cgroup charts. */
  readonly title: string;
  /** Title of the services chart (Netdata says "Calls to" there, "Calls for" elsewhere). */
  readonly servicesTitle: string;
  readonly units: string;
  /** Context suffix: `cgroup.<context>`, `services.<context>`. */
  readonly context: string;
  /** Position n: apps/services priority 20065 + n, cgroup 45500 + n, in every load mode. */
  readonly position: number;
  /** Only in `ebpf load mode = return`. */
  readonly returnOnly: boolean;
  /** The one dimension of the cgroup chart. */
  readonly cgroupDimension: DimensionSpec;
  readonly value: GroupValue;
}

/** First priority of the apps and services charts: the same as the process thread's apps charts (kept; see README). */
export const APPS_PRIORITY_BASE = 20065;
/** `NETDATA_CHART_PRIO_CGROUPS_CONTAINERS + 5500`. */
export const CGROUP_PRIORITY_BASE = 45500;

/** Per-group charts in Netdata's order. */
export const GROUP_CHARTS: ReadonlyArray<GroupChartSpec> = [
  {
    id: 'file_deleted',
    title: 'Files deleted',
    servicesTitle: 'Files deleted',
    units: UNITS_CALLS,
    context: 'vfs_unlink',
    position: 0,
    returnOnly: false,
    cgroupDimension: DIM.unlink,
    value: 'unlinkCalls',
  },
  {
    id: 'vfs_write_call',
    title: 'Write to disk',
    servicesTitle: 'Write to disk',
    units: UNITS_CALLS,
    context: 'vfs_write',
    position: 1,
    returnOnly: false,
    cgroupDimension: DIM.write,
    value: 'writeCalls',
  },
  {
    id: 'vfs_write_error',
    title: 'Fails to write',
    servicesTitle: 'Fails to write',
    units: UNITS_CALLS,
    context: 'vfs_write_error',
    position: 2,
    returnOnly: true,
    cgroupDimension: DIM.write,
    value: 'writeErrors',
  },
  {
    id: 'vfs_read_call',
    title: 'Read from disk',
    servicesTitle: 'Read from disk',
    units: UNITS_CALLS,
    context: 'vfs_read',
    position: 3,
    returnOnly: false,
    cgroupDimension: DIM.read,
    value: 'readCalls',
  },
  {
    id: 'vfs_read_error',
    title: 'Fails to read',
    servicesTitle: 'Fails to read',
    units: UNITS_CALLS,
    context: 'vfs_read_error',
    position: 4,
    returnOnly: true,
    cgroupDimension: DIM.read,
    value: 'readErrors',
  },
  {
    id: 'vfs_write_bytes',
    title: 'Bytes written on disk',
    servicesTitle: 'Bytes written on disk',
    units: UNITS_BYTES,
    context: 'vfs_write_bytes',
    position: 5,
    returnOnly: false,
    cgroupDimension: DIM.write,
    value: 'writeBytes',
  },
  {
    id: 'vfs_read_bytes',
    title: 'Bytes read from disk',
    servicesTitle: 'Bytes read from disk',
    units: UNITS_BYTES,
    context: 'vfs_read_bytes',
    position: 6,
    returnOnly: false,
    cgroupDimension: DIM.read,
    value: 'readBytes',
  },
  {
    id: 'vfs_fsync',
    title: 'Calls for <code>vfs_fsync</code>',
    servicesTitle: 'Calls to <code>vfs_fsync</code>',
    units: UNITS_CALLS,
    context: 'vfs_fsync',
    position: 7,
    returnOnly: false,
    cgroupDimension: DIM.fsync,
    value: 'fsyncCalls',
  },
  {
    id: 'vfs_fsync_error',
    title: 'Sync error',
    servicesTitle: 'Sync error',
    units: UNITS_CALLS,
    context: 'vfs_fsync_error',
    position: 8,
    returnOnly: true,
    cgroupDimension: DIM.fsync,
    value: 'fsyncErrors',
  },
  {
    id: 'vfs_open',
    title: 'Calls for <code>vfs_open</code>',
    servicesTitle: 'Calls to <code>vfs_open</code>',
    units: UNITS_CALLS,
    context: 'vfs_open',
    position: 9,
    returnOnly: false,
    cgroupDimension: DIM.open,
    value: 'openCalls',
  },
  {
    id: 'vfs_open_error',
    title: 'Open error',
    servicesTitle: 'Open error',
    units: UNITS_CALLS,
    context: 'vfs_open_error',
    position: 10,
    returnOnly: true,
    cgroupDimension: DIM.open,
    value: 'openErrors',
  },
  {
    id: 'vfs_create',
    title: 'Calls for <code>vfs_create</code>',
    servicesTitle: 'Calls to <code>vfs_create</code>',
    units: UNITS_CALLS,
    context: 'vfs_create',
    position: 11,
    returnOnly: false,
    cgroupDimension: DIM.create,
    value: 'createCalls',
  },
  {
    id: 'vfs_create_error',
    title: 'Create error',
    servicesTitle: 'Create error',
    units: UNITS_CALLS,
    context: 'vfs_create_error',
    position: 12,
    returnOnly: true,
    cgroupDimension: DIM.create,
    value: 'createErrors',
  },
];
