/**
 * PID table, apps_groups.conf grouping and cgroup/systemd-service grouping.
 */
export {
  APPS_GROUPS_FILE,
  AppsGroups,
  COMM_MAX_LENGTH,
  OTHER_GROUP,
  emptyAppsGroups,
  loadAppsGroups,
  parseAppsGroups,
  type AppsGroup,
  type AppsGroupDefinition,
  type AppsGroupPattern,
  type LoadedAppsGroups,
  type ParsedAppsGroups,
  type PatternMode,
} from './apps-groups.js';
export {
  CGROUP_NAME_MAX,
  SHORT_ID_LENGTH,
  cgroupChartName,
  cgroupExitShape,
  classifyCgroupPath,
  classifyProcCgroup,
  parseProcCgroup,
  unescapeSystemdName,
  type CgroupClass,
  type CgroupExitShape,
  type CgroupMembership,
  type CgroupSource,
} from './cgroups.js';
export {
  CMDLINE_MAX_BYTES,
  DEFAULT_CGROUP_REFRESH_SCANS,
  DEFAULT_MAX_PIDS,
  PidTable,
  hasPidIdentity,
  type CgroupNaming,
  type PidIdentity,
  type PidTableOptions,
  type PidTableStats,
  type ScanResult,
} from './pid-table.js';
export { PID_SCAN_ENV, TASK_RECORD_BYTES, TASK_SNAPSHOT_OBJECT, TaskRecords, TaskSnapshot } from './task-snapshot.js';
export {
  DEFAULT_FORGET_AFTER,
  createGroupAccumulator,
  type GroupAccumulatorOptions,
  type GroupBy,
} from './accumulator.js';
export {
  AppsGroupsError,
  AppsGroupsNotFoundError,
  LaneCountError,
  ProcReadError,
} from './errors.js';
