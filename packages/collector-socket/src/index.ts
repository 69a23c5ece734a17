export { createSocketCollector, planMode, socketCollector, socketIoSource } from './collector.js';
export type { PlanOptions, SocketIoSource } from './collector.js';
export { SOCKET_GROUP_METRICS, SocketChartBuilder, hostCharts } from './charts.js';
export type { ChartOptions, GroupInput, TickInput } from './charts.js';
export {
  CONNECTION_CHARTS,
  CONNECTION_CHART_TYPE,
  CONNECTION_FAMILY,
  ConnectionCharts,
  OTHER_DESTINATION,
  connectionDirection,
  decodeConnections,
  formatIpv4,
  formatIpv6,
  parseListeningTcpPorts,
  readListeningTcpPorts,
} from './connections.js';
export type { ConnectionChartsOptions, ConnectionEntry, Direction } from './connections.js';
export { HostNames } from './hostnames.js';
export type { ReverseLookup } from './hostnames.js';
export { nameCounters, namePidValues } from './decode.js';
export { CollectorClosedError, KernelFunctionMissingError, SocketWorkloadError, TracefsNotMountedError, TracepointMissingError } from './errors.js';
export {
  DEFAULT_IPS,
  DEFAULT_MAXIMUM_DIMENSIONS,
  MAX_TABLE_SIZE,
  destinationAllowed,
  hostnameAllowed,
  ipAllowed,
  parseIpAddress,
  parseNetworkConfig,
  portAllowed,
  serviceLabel,
  servicesFileLookup,
  servicesFilePortNames,
  systemServicePortNames,
  systemServicesLookup,
} from './network-config.js';
export type {
  Filter,
  HostnamePattern,
  IpRange,
  NetworkConfig,
  NetworkConnectionsConfig,
  ParseNetworkConfigOptions,
  ParsedNetworkConfig,
  PortRange,
  SocketTableSizes,
} from './network-config.js';
export * as socketMetrics from './metrics.js';
export {
  FULL_NET_WORKLOAD,
  connectionExpectations,
  ipv6LoopbackWorks,
  loopbackUp,
  netExpectations,
  netWorkloadScript,
  parseNetWorkloadResult,
  scaledNetWorkload,
  socketSelfTest,
  startNetWorkload,
  workloadKeyPid,
  workloadShortfalls,
} from './self-test.js';
export type { ConnectionExpectationOptions, NetExpectationOptions, NetWorkload, NetWorkloadProcess, NetWorkloadResult, StartNetWorkloadOptions } from './self-test.js';
export type { SocketCollectorDefinition, SocketCollectorInstance, SocketCollectorOptions, SocketCounters, SocketPidStat, SocketReading } from './types.js';

