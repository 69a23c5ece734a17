/**
 * Chart ids, titles, units, families, contexts, priorities and dimensions of
 * the fd and filesystem collectors, as Netdata 1.37.1's `fd` and
 * `filesystem` threads declare them (netdata-reference §1.18, §1.15, §1.5).
 * Deliberate differences are marked and explained in the package README.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';
import type { FilesystemName, FsOp } from './internal-types.js';

// ---------------------------------------------------------------------------
// fd
// ---------------------------------------------------------------------------

/** Netdata thread name of the fd collector (keys the configuration). */
export const FD_NAME = 'fd';
/** Chart `module` field of every fd chart (Netdata's `filedescriptor`). */
export const FD_MODULE = 'filedescriptor';

export const UNITS_CALLS = 'calls/s';

/** Chart type (the part before the dot) of the host charts of both collectors. */
export const TYPE_FILESYSTEM = 'filesystem';

/** Families of the fd charts. */
export const FD_FAMILY = {
  host: 'file_access',
  apps: 'file_access',
  cgroup: 'file_access (eBPF)',
  services: 'file_access (eBPF)',
} as const;

/** A host-chart dimension: Netdata names it after the kernel function it hooked. */
export interface DimensionSpec {
  readonly id: string;
  readonly name: string;
}

/**
 * The two fd dimensions. The ids stay Netdata's (`do_sys_open`, `__close_fd`)
 * whatever function or syscall is really hooked, so dashboards and alarms
 * keyed on them keep working (see README).
 */
export const FD_DIM = {
  open: { id: 'do_sys_open', name: 'open' },
  close: { id: '__close_fd', name: 'close' },
} as const satisfies Record<string, DimensionSpec>;

/** A host chart of fixed shape. */
export interface HostChartSpec {
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly chartType: ChartType;
  readonly priority: number;
  readonly algorithm: DimensionAlgorithm;
  /** Empty: the agent uses the chart id. */
  readonly context: string;
}

/** `filesystem.*` charts of the fd thread (cumulative values, `incremental`). */
export const FD_CHART = {
  descriptor: {
    id: 'file_descriptor',
    title: 'Open and close calls',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2195,
    algorithm: 'incremental',
    context: '',
  },
  /** Only in `ebpf load mode = return`. */
  error: {
    id: 'file_error',
    title: 'Open fails',
    units: UNITS_CALLS,
    chartType: 'line',
    priority: 2196,
    algorithm: 'incremental',
    context: '',
  },
} as const satisfies Record<string, HostChartSpec>;

/** Per-group fd metrics, in chart order. `errors`: only in return load mode. */
export const FD_GROUP_METRICS = [
  {
    id: 'file_open',
    title: 'Number of open files',
    lane: 'openCall',
    errors: false,
    appsPriority: 20061,
    cgroupPriority: 45400,
    cgroupContext: 'cgroup.fd_open',
    servicesContext: 'services.fd_open',
    dimension: FD_DIM.open,
  },
  {
    id: 'file_open_error',
    title: 'Fails to open files',
    lane: 'openError',
    errors: true,
    appsPriority: 20062,
    cgroupPriority: 45401,
    cgroupContext: 'cgroup.fd_open_error',
    servicesContext: 'services.fd_open_error',
    dimension: FD_DIM.open,
  },
  {
    id: 'file_closed',
    title: 'Files closed',
    lane: 'closeCall',
    errors: false,
    appsPriority: 20063,
    cgroupPriority: 45402,
    cgroupContext: 'cgroup.fd_close',
    servicesContext: 'services.fd_close',
    dimension: FD_DIM.close,
  },
  {
    id: 'file_close_error',
    title: 'Fails to close files',
    lane: 'closeError',
    errors: true,
    appsPriority: 20064,
    cgroupPriority: 45403,
    cgroupContext: 'cgroup.fd_close_error',
    servicesContext: 'services.fd_close_error',
    dimension: FD_DIM.close,
  },
] as const;

// ---------------------------------------------------------------------------
// filesystem
// ---------------------------------------------------------------------------

/** Netdata thread name and chart module of the filesystem collector. */
export const FS_NAME = 'filesystem';
export const FS_MODULE = 'filesystem';

/** Priority of the first latency chart created; each created chart takes the next. */
export const FS_FIRST_PRIORITY = 2160;

/**
 * The 24 histogram dimension ids (= names) of Netdata's latency charts. Bin i
 * counts latencies from the lower to the upper bound its name gives.
 */
export const HISTOGRAM_DIMENSIONS: ReadonlyArray<string> = Object.freeze([
  '0us->1us',
  '1us->2us',
  '2us->4us',
  '4us->8us',
  '8us->16us',
  '16us->32us',
  '32us->64us',
  '64us->128us',
  '128us->256us',
  '256us->512us',
  '512us->1ms',
  '1ms->2ms',
  '2ms->4ms',
  '4ms->8ms',
  '8ms->16ms',
  '16ms->32ms',
  '32ms->65ms',
  '65ms->131ms',
  '131ms->262ms',
  '262ms->524ms',
  '524ms->1s',
  '1s->2s',
  '2s->4s',
  '4s->+Inf',
]);

/** Word used in chart ids and titles for an operation of a filesystem (`attribute` for nfs's fourth). */
export function fsOpWord(fs: FilesystemName, op: FsOp): string {
  return fs === 'nfs' && op === 'sync' ? 'attribute' : op;
}

/** `filesystem.<fs>_<op>_latency` id part. */
export function fsChartId(fs: FilesystemName, op: FsOp): string {
  return `${fs}_${fsOpWord(fs, op)}_latency`;
}

/** `<fs> latency for each <op> request.` */
export function fsChartTitle(fs: FilesystemName, op: FsOp): string {
  return `${fs} latency for each ${fsOpWord(fs, op)} request.`;
}

/** `<fs>_latency`. */
export function fsFamily(fs: FilesystemName): string {
  return `${fs}_latency`;
}
