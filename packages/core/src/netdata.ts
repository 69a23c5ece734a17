/**
 * @ebpf-collectors/core/netdata: what only a Netdata plugin needs. Netdata
 * cgroups.plugin's shared cgroup table (names and the enabled set of
 * cgroups, when the agent runs beside us) and the plugin's own
 * `netdata.ebpf_*` charts.
 */
export {
  NETDATA_CGROUP_NAME_LENGTH,
  NETDATA_CGROUP_OPTIONS,
  NETDATA_CGROUP_PATH_LENGTH,
  NETDATA_CGROUP_REFRESH_MS,
  NETDATA_CGROUP_SEMAPHORE,
  NETDATA_CGROUP_SHM_ENTRY_SIZE,
  NETDATA_CGROUP_SHM_HEADER_SIZE,
  NETDATA_CGROUP_SHM_PATH,
  netdataCgroupClass,
  parseNetdataCgroupShm,
  readNetdataCgroupPids,
  readNetdataCgroupShm,
  type NetdataCgroupEntry,
  type NetdataCgroupShm,
  type NetdataCgroupShmHeader,
  type ParseNetdataCgroupShmOptions,
  type ReadNetdataCgroupShmOptions,
} from './grouping/netdata-cgroups.js';
export { NetdataShmError, type NetdataShmErrorCode } from './grouping/errors.js';
export * from './internal-charts.js';
