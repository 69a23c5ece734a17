export {
  DEFAULT_MOUNT_CHECK_TICKS,
  FILESYSTEM_SECTION,
  collectors,
  createFdCollector,
  createFilesystemCollector,
  decodeFdCounters,
  enabledFilesystems,
  fdCollector,
  filesystemCollector,
  watchMask,
} from './collector.js';
export { FdChartBuilder, FilesystemChartBuilder, fdGroupMetrics, fdHostCharts, filesystemCharts } from './charts.js';
export type { FdChartOptions, FdTickInput, FilesystemTickInput, GroupInput } from './charts.js';
export { CollectorClosedError, KernelFunctionMissingError, NoFilesystemEnabledError, TracefsNotMountedError, TracepointMissingError } from './errors.js';
export { histogramBin, histogramDimensionNames, histogramLane, histogramOf } from './histogram.js';
export { MOUNTINFO_PATHS, filesystemOfType, mountedFilesystems, parseMountinfo, readMountinfo } from './mountinfo.js';
export type { MountinfoEntry } from './mountinfo.js';
export * as fsMetrics from './metrics.js';
export type {
  FdCollectorOptions,
  FdCounters,
  FdReading,
  FilesystemCollectorOptions,
  FilesystemName,
  FilesystemReading,
  FsOp,
} from './types.js';
