/**
 * Named views of the raw lanes, for logs, tools and tests.
 */
import type { PidValues } from '@ebpf-collectors/core';
import { COUNTER, PID_LANE } from './internal-types.js';
import type { SocketCounters, SocketPidStat } from './types.js';

/** `tbl_global_sock` lanes with names. */
export function nameCounters(counters: ArrayLike<bigint>): SocketCounters {
  const at = (lane: number): bigint => counters[lane] ?? 0n;
  return {
    tcpSendCalls: at(COUNTER.callsTcpSend),
    tcpSendErrors: at(COUNTER.errorTcpSend),
    tcpSentBytes: at(COUNTER.bytesTcpSend),
    tcpReceiveCalls: at(COUNTER.callsTcpRecv),
    tcpReceiveErrors: at(COUNTER.errorTcpRecv),
    tcpReceivedBytes: at(COUNTER.bytesTcpRecv),
    tcpCloses: at(COUNTER.callsTcpClose),
    udpReceiveCalls: at(COUNTER.callsUdpRecv),
    udpReceiveErrors: at(COUNTER.errorUdpRecv),
    udpReceivedBytes: at(COUNTER.bytesUdpRecv),
    udpSendCalls: at(COUNTER.callsUdpSend),
    udpSendErrors: at(COUNTER.errorUdpSend),
    udpSentBytes: at(COUNTER.bytesUdpSend),
    tcpRetransmits: at(COUNTER.tcpRetransmit),
    connectV4: at(COUNTER.callsConnectV4),
    connectV4Errors: at(COUNTER.errorConnectV4),
    connectV6: at(COUNTER.callsConnectV6),
    connectV6Errors: at(COUNTER.errorConnectV6),
    inboundTcp: at(COUNTER.inboundTcp),
    inboundUdp: at(COUNTER.inboundUdp),
  };
}

/** A `tbl_bandwidth` entry with names. */
export function namePidValues(entry: PidValues): SocketPidStat {
  const at = (lane: number): bigint => entry.values[lane] ?? 0n;
  return {
    pid: entry.pid,
    bytesSent: at(PID_LANE.bytesSent),
    bytesReceived: at(PID_LANE.bytesReceived),
    tcpSendCalls: at(PID_LANE.callTcpSent),
    tcpReceiveCalls: at(PID_LANE.callTcpReceived),
    retransmits: at(PID_LANE.retransmit),
    udpSendCalls: at(PID_LANE.callUdpSent),
    udpReceiveCalls: at(PID_LANE.callUdpReceived),
    closes: at(PID_LANE.callClose),
    connectV4: at(PID_LANE.connectV4),
    connectV6: at(PID_LANE.connectV6),
  };
}
