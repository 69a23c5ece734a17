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
export {
  CollectorClosedError,
  KernelFunctionMissingError,
  NoFilesystemEnabledError,
  NoScratchFilesystemError,
  TracefsNotMountedError,
  TracepointMissingError,
  WorkloadError,
} from './errors.js';
export { histogramBin, histogramDimensionNames, histogramLane, histogramOf } from './histogram.js';
export { MOUNTINFO_PATHS, filesystemOfType, mountOf, mountedFilesystems, parseMountinfo, readMountinfo } from './mountinfo.js';
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
export { HISTOGRAM_TOTAL, fdExpectations, fdKeyPid, fdSelfTest, filesystemExpectations, filesystemSelfTest, scratchOnWatchedFilesystem, withHistogramTotals } from './self-test.js';
export type { FdExpectationInput, ScratchFilesystem } from './self-test.js';
export { FD_WORK, FILE_WORK, fdWorkloadScript, fileWorkload, parseFdWorkOutput, scaledCount, scaledFdWork, startFdWorkload } from './workload.js';
export type { FdWork, FdWorkload, FileWork } from './workload.js';
