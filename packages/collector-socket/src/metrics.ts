/**
 * Chart ids, titles, units, families, contexts, priorities and dimensions of
 * the socket collector, as Netdata 1.37.1's socket thread declares them
 * (netdata-reference §1.9). Two deliberate differences, explained in the
 * README: dimensions carry the data their labels name (Netdata crosses
 * tcp_sendmsg/tcp_cleanup_rbuf and the UDP bandwidth pair), and every byte
 * chart is in kilobits/s (Netdata's cgroup byte charts say `calls/s`).
 */
import type { ChartType } from '@ebpf-collectors/core';
import { COUNTER, PID_LANE } from './internal-types.js';

/** Chart `module` field: Netdata's module name. */
export const MODULE = 'socket';

/** Chart type (the part before the dot) of the host charts. */
export const TYPE_IP = 'ip';

export const UNITS_CALLS = 'calls/s';
export const UNITS_CONNECTIONS = 'connections/s';
export const UNITS_KILOBITS = 'kilobits/s';

/** Bytes to kilobits: the agent multiplies by 8 and divides by 1000, so the collector sends real bytes. */
export const KILOBITS_MULTIPLIER = 8;
export const KILOBITS_DIVISOR = 1000;

/** Families (dashboard submenus). */
export const FAMILY = {
  host: 'kernel',
  apps: 'net',
  cgroup: 'network (eBPF)',
  services: 'net',
} as const;

/** A host-chart dimension: Netdata names them after the kernel functions it hooks. */
export interface DimensionSpec {
  readonly id: string;
  readonly name: string;
}

export const DIM = {
  tcpReceived: { id: 'tcp_cleanup_rbuf', name: 'received' },
  tcpSent: { id: 'tcp_sendmsg', name: 'sent' },
  tcpClose: { id: 'tcp_close', name: 'close' },
  udpReceived: { id: 'udp_recvmsg', name: 'received' },
  udpSent: { id: 'udp_sendmsg', name: 'sent' },
  retransmit: { id: 'tcp_retransmit_skb', name: 'retransmitted' },
  connectV4: { id: 'tcp_connect_v4', name: 'connected_V4' },
  connectV6: { id: 'tcp_connect_v6', name: 'connected_V6' },
  inboundTcp: { id: 'inet_csk_accept_tcp', name: 'connected_tcp' },
  inboundUdp: { id: 'inet_csk_accept_udp', name: 'connected_udp' },
} as const satisfies Record<string, DimensionSpec>;

/** How a host dimension gets its value from the counter lanes. */
export interface HostDimensionSpec extends DimensionSpec {
  /** `tbl_global_sock` lane. */
  readonly lane: number;
  /** Bytes drawn as kilobits; `negative` draws below zero (sent). */
  readonly kilobits?: 'positive' | 'negative';
}

/** A host chart (`ip.*`). */
export interface HostChartSpec {
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly chartType: ChartType;
  /** `incremental`: cumulative counters are sent; `absolute`: per-interval deltas. */
  readonly algorithm: 'absolute' | 'incremental';
  /** Only in `ebpf load mode = return`. */
  readonly returnOnly?: boolean;
  readonly dimensions: ReadonlyArray<HostDimensionSpec>;
}

/**
 * `ip.*` charts in Netdata's creation order. Priorities are 21070 upwards in
 * this order over the charts that exist, so return mode's error charts shift
 * the ones after them, as in Netdata.
 */
export const HOST_CHARTS: ReadonlyArray<HostChartSpec> = [
  {
    id: 'inbound_conn',
    title: 'Inbound connections.',
    units: UNITS_CONNECTIONS,
    chartType: 'line',
    algorithm: 'incremental',
    dimensions: [
      { ...DIM.inboundTcp, lane: COUNTER.inboundTcp },
      { ...DIM.inboundUdp, lane: COUNTER.inboundUdp },
    ],
  },
  {
    id: 'tcp_outbound_conn',
    title: 'TCP outbound connections.',
    units: UNITS_CONNECTIONS,
    chartType: 'line',
    algorithm: 'absolute',
    dimensions: [
      { ...DIM.connectV4, lane: COUNTER.callsConnectV4 },
      { ...DIM.connectV6, lane: COUNTER.callsConnectV6 },
    ],
  },
  {
    id: 'tcp_functions',
    title: 'Calls to internal functions',
    units: UNITS_CALLS,
    chartType: 'line',
    algorithm: 'absolute',
    dimensions: [
      { ...DIM.tcpReceived, lane: COUNTER.callsTcpRecv },
      { ...DIM.tcpSent, lane: COUNTER.callsTcpSend },
      { ...DIM.tcpClose, lane: COUNTER.callsTcpClose },
    ],
  },
  {
    id: 'total_tcp_bandwidth',
    title: 'TCP bandwidth',
    units: UNITS_KILOBITS,
    chartType: 'line',
    algorithm: 'absolute',
    dimensions: [
      { ...DIM.tcpReceived, lane: COUNTER.bytesTcpRecv, kilobits: 'positive' },
      { ...DIM.tcpSent, lane: COUNTER.bytesTcpSend, kilobits: 'negative' },
    ],
  },
  {
    id: 'tcp_error',
    title: 'TCP errors',
    units: UNITS_CALLS,
    chartType: 'line',
    algorithm: 'absolute',
    returnOnly: true,
    dimensions: [
      { ...DIM.tcpReceived, lane: COUNTER.errorTcpRecv },
      { ...DIM.tcpSent, lane: COUNTER.errorTcpSend },
    ],
  },
  {
    id: 'tcp_retransmit',
    title: 'Packages retransmitted',
    units: UNITS_CALLS,
    chartType: 'line',
    algorithm: 'absolute',
    dimensions: [{ ...DIM.retransmit, lane: COUNTER.tcpRetransmit }],
  },
  {
    id: 'udp_functions',
    title: 'UDP calls',
    units: UNITS_CALLS,
    chartType: 'line',
    algorithm: 'absolute',
    dimensions: [
      { ...DIM.udpReceived, lane: COUNTER.callsUdpRecv },
      { ...DIM.udpSent, lane: COUNTER.callsUdpSend },
    ],
  },
  {
    id: 'total_udp_bandwidth',
    title: 'UDP bandwidth',
    units: UNITS_KILOBITS,
    chartType: 'line',
    algorithm: 'absolute',
    dimensions: [
      { ...DIM.udpReceived, lane: COUNTER.bytesUdpRecv, kilobits: 'positive' },
      { ...DIM.udpSent, lane: COUNTER.bytesUdpSend, kilobits: 'negative' },
    ],
  },
  {
    id: 'udp_error',
    title: 'UDP errors',
    units: UNITS_CALLS,
    chartType: 'line',
    algorithm: 'absolute',
    returnOnly: true,
    dimensions: [
      { ...DIM.udpReceived, lane: COUNTER.errorUdpRecv },
      { ...DIM.udpSent, lane: COUNTER.errorUdpSend },
    ],
  },
];

/** Priority of the first host chart; each chart that exists takes the next one. */
export const HOST_PRIORITY_BASE = 21070;

/** One per-group metric (apps, cgroup, services), in Netdata's apps order. */
export interface GroupMetricSpec {
  readonly id: string;
  /** `tbl_bandwidth` lane. */
  readonly lane: number;
  readonly units: string;
  /** Drawn in kilobits/s from bytes. */
  readonly bytes?: boolean;
  /** `apps.*`: title and priority (20080 + position in Netdata's apps order). */
  readonly apps: { readonly title: string; readonly priority: number };
  /** `cgroup_<name>.*`: title, context, priority (45300 + position in Netdata's cgroup order) and its one dimension. */
  readonly cgroup: { readonly title: string; readonly context: string; readonly priority: number; readonly dimension: DimensionSpec };
  /** `services.*`: title, context and priority (20080 + position in Netdata's cgroup order). */
  readonly services: { readonly title: string; readonly context: string; readonly priority: number };
}

export const GROUP_METRICS: ReadonlyArray<GroupMetricSpec> = [
  {
    id: 'outbound_conn_v4',
    lane: PID_LANE.connectV4,
    units: UNITS_CONNECTIONS,
    apps: { title: 'Calls to tcp_v4_connection', priority: 20080 },
    cgroup: { title: 'Calls to tcp_v4_connection', context: 'cgroup.net_conn_ipv4', priority: 45300, dimension: DIM.connectV4 },
    services: { title: 'Calls to tcp_v4_connection', context: 'services.net_conn_ipv4', priority: 20080 },
  },
  {
    id: 'outbound_conn_v6',
    lane: PID_LANE.connectV6,
    units: UNITS_CONNECTIONS,
    apps: { title: 'Calls to tcp_v6_connection', priority: 20081 },
    cgroup: { title: 'Calls to tcp_v6_connection', context: 'cgroup.net_conn_ipv6', priority: 45301, dimension: DIM.connectV6 },
    services: { title: 'Calls to tcp_v6_connection', context: 'services.net_conn_ipv6', priority: 20081 },
  },
  {
    id: 'total_bandwidth_sent',
    lane: PID_LANE.bytesSent,
    units: UNITS_KILOBITS,
    bytes: true,
    apps: { title: 'Bytes sent', priority: 20082 },
    cgroup: { title: 'Bytes sent', context: 'cgroup.net_bytes_send', priority: 45303, dimension: DIM.tcpSent },
    services: { title: 'Bytes sent', context: 'services.net_bytes_send', priority: 20083 },
  },
  {
    id: 'total_bandwidth_recv',
    lane: PID_LANE.bytesReceived,
    units: UNITS_KILOBITS,
    bytes: true,
    apps: { title: 'bytes received', priority: 20083 },
    cgroup: { title: 'Bytes received', context: 'cgroup.net_bytes_recv', priority: 45302, dimension: DIM.tcpReceived },
    services: { title: 'Bytes received', context: 'services.net_bytes_recv', priority: 20082 },
  },
  {
    id: 'bandwidth_tcp_send',
    lane: PID_LANE.callTcpSent,
    units: UNITS_CALLS,
    apps: { title: 'Calls for tcp_sendmsg', priority: 20084 },
    cgroup: { title: 'Calls to tcp_sendmsg.', context: 'cgroup.net_tcp_send', priority: 45305, dimension: DIM.tcpSent },
    services: { title: 'Calls to tcp_sendmsg.', context: 'services.net_tcp_send', priority: 20085 },
  },
  {
    id: 'bandwidth_tcp_recv',
    lane: PID_LANE.callTcpReceived,
    units: UNITS_CALLS,
    apps: { title: 'Calls for tcp_cleanup_rbuf', priority: 20085 },
    cgroup: { title: 'Calls to tcp_cleanup_rbuf.', context: 'cgroup.net_tcp_recv', priority: 45304, dimension: DIM.tcpReceived },
    services: { title: 'Calls to tcp_cleanup_rbuf.', context: 'services.net_tcp_recv', priority: 20084 },
  },
  {
    id: 'bandwidth_tcp_retransmit',
    lane: PID_LANE.retransmit,
    units: UNITS_CALLS,
    apps: { title: 'Calls for tcp_retransmit', priority: 20086 },
    cgroup: { title: 'Calls to tcp_retransmit.', context: 'cgroup.net_retransmit', priority: 45306, dimension: DIM.retransmit },
    services: { title: 'Calls to tcp_retransmit', context: 'services.net_retransmit', priority: 20086 },
  },
  {
    id: 'bandwidth_udp_send',
    lane: PID_LANE.callUdpSent,
    units: UNITS_CALLS,
    apps: { title: 'Calls for udp_sendmsg', priority: 20087 },
    cgroup: { title: 'Calls to udp_sendmsg', context: 'cgroup.net_udp_send', priority: 45307, dimension: DIM.udpSent },
    services: { title: 'Calls to udp_sendmsg', context: 'services.net_udp_send', priority: 20087 },
  },
  {
    id: 'bandwidth_udp_recv',
    lane: PID_LANE.callUdpReceived,
    units: UNITS_CALLS,
    apps: { title: 'Calls for udp_recvmsg', priority: 20088 },
    cgroup: { title: 'Calls to udp_recvmsg', context: 'cgroup.net_udp_recv', priority: 45308, dimension: DIM.udpReceived },
    services: { title: 'Calls to udp_recvmsg', context: 'services.net_udp_recv', priority: 20088 },
  },
];
