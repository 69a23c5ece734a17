/**
 * Chart definitions and chart math on synthetic counters: Netdata's ids,
 * titles, units, priorities and algorithms, and the two quirk decisions
 * (labels carry their own data; group byte charts are kilobits/s).
 */
import { describe, expect, it } from 'vitest';
import type { ChartValues, CollectorFrame } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';
import { SocketChartBuilder, hostCharts } from '../src/index.js';
import { COUNTER, COUNTER_LANES, PID_LANE, PID_LANES } from '../src/internal-types.js';

const options = { updateEvery: 5, returnMode: true, apps: true, cgroups: true };

/** Counters whose every lane holds a distinct value: lane i = (i + 1) * step. */
function counters(step: bigint): bigint[] {
  return Array.from({ length: COUNTER_LANES }, (_, i) => BigInt(i + 1) * step);
}

function chart(frame: CollectorFrame, key: string): ChartValues {
  const found = frame.charts.find((c) => chartKey(c.chart) === key);
  if (!found) throw new Error(`${key} not in frame`);
  return found;
}

function lanes(values: Partial<Record<keyof typeof PID_LANE, bigint>>): bigint[] {
  const out = new Array<bigint>(PID_LANES).fill(0n);
  for (const [k, v] of Object.entries(values)) out[PID_LANE[k as keyof typeof PID_LANE]] = v;
  return out;
}

describe('host chart definitions', () => {
  it('entry mode: seven ip.* charts, priorities 21070 upwards in Netdata order', () => {
    const charts = hostCharts({ updateEvery: 5, returnMode: false });
    expect(charts.map((c) => [chartKey(c), c.priority])).toEqual([
      ['ip.inbound_conn', 21070],
      ['ip.tcp_outbound_conn', 21071],
      ['ip.tcp_functions', 21072],
      ['ip.total_tcp_bandwidth', 21073],
      ['ip.tcp_retransmit', 21074],
      ['ip.udp_functions', 21075],
      ['ip.total_udp_bandwidth', 21076],
    ]);
    for (const c of charts) expect([c.family, c.context, c.chartType, c.module, c.updateEvery]).toEqual(['kernel', '', 'line', 'socket', 5]);
  });

  it('return mode: the error charts take the next priorities and shift the rest', () => {
    const charts = hostCharts({ updateEvery: 1, returnMode: true });
    expect(charts.map((c) => [c.id, c.priority])).toEqual([
      ['inbound_conn', 21070],
      ['tcp_outbound_conn', 21071],
      ['tcp_functions', 21072],
      ['total_tcp_bandwidth', 21073],
      ['tcp_error', 21074],
      ['tcp_retransmit', 21075],
      ['udp_functions', 21076],
      ['total_udp_bandwidth', 21077],
      ['udp_error', 21078],
    ]);
  });

  it('titles, units, dimensions and algorithms are Netdata 1.37.1 ones', () => {
    const byId = new Map(hostCharts({ updateEvery: 1, returnMode: true }).map((c) => [c.id, c]));
    const dims = (id: string) => byId.get(id)!.dimensions.map((d) => [d.id, d.name, d.algorithm, d.multiplier ?? 1, d.divisor ?? 1]);
    expect([byId.get('inbound_conn')!.title, byId.get('inbound_conn')!.units]).toEqual(['Inbound connections.', 'connections/s']);
    expect(dims('inbound_conn')).toEqual([
      ['inet_csk_accept_tcp', 'connected_tcp', 'incremental', 1, 1],
      ['inet_csk_accept_udp', 'connected_udp', 'incremental', 1, 1],
    ]);
    expect([byId.get('tcp_outbound_conn')!.title, byId.get('tcp_outbound_conn')!.units]).toEqual(['TCP outbound connections.', 'connections/s']);
    expect(dims('tcp_outbound_conn')).toEqual([
      ['tcp_connect_v4', 'connected_V4', 'absolute', 1, 1],
      ['tcp_connect_v6', 'connected_V6', 'absolute', 1, 1],
    ]);
    expect(byId.get('tcp_functions')!.title).toBe('Calls to internal functions');
    expect(dims('tcp_functions')).toEqual([
      ['tcp_cleanup_rbuf', 'received', 'absolute', 1, 1],
      ['tcp_sendmsg', 'sent', 'absolute', 1, 1],
      ['tcp_close', 'close', 'absolute', 1, 1],
    ]);
    expect([byId.get('total_tcp_bandwidth')!.title, byId.get('total_tcp_bandwidth')!.units]).toEqual(['TCP bandwidth', 'kilobits/s']);
    expect(dims('total_tcp_bandwidth')).toEqual([
      ['tcp_cleanup_rbuf', 'received', 'absolute', 8, 1000],
      ['tcp_sendmsg', 'sent', 'absolute', -8, 1000],
    ]);
    expect(byId.get('tcp_error')!.title).toBe('TCP errors');
    expect(byId.get('tcp_retransmit')!.title).toBe('Packages retransmitted');
    expect(dims('tcp_retransmit')).toEqual([['tcp_retransmit_skb', 'retransmitted', 'absolute', 1, 1]]);
    expect(byId.get('udp_functions')!.title).toBe('UDP calls');
    expect(dims('udp_functions')).toEqual([
      ['udp_recvmsg', 'received', 'absolute', 1, 1],
      ['udp_sendmsg', 'sent', 'absolute', 1, 1],
    ]);
    expect([byId.get('total_udp_bandwidth')!.title, byId.get('total_udp_bandwidth')!.units]).toEqual(['UDP bandwidth', 'kilobits/s']);
    expect(dims('total_udp_bandwidth')).toEqual([
      ['udp_recvmsg', 'received', 'absolute', 8, 1000],
      ['udp_sendmsg', 'sent', 'absolute', -8, 1000],
    ]);
    expect(byId.get('udp_error')!.title).toBe('UDP errors');
  });
});

describe('host chart math', () => {
  it('the first tick is a baseline of zeros; later ticks are per-interval deltas; inbound_conn stays cumulative', () => {
    const builder = new SocketChartBuilder(options);
    const first = builder.frame({ counters: counters(10n) });
    expect(chart(first, 'ip.tcp_functions').values.get('tcp_sendmsg')).toBe(0n);
    expect(chart(first, 'ip.inbound_conn').values.get('inet_csk_accept_tcp')).toBe(190n);
    const second = builder.frame({ counters: counters(15n) });
    expect(chart(second, 'ip.inbound_conn').values.get('inet_csk_accept_tcp')).toBe(285n);
    expect(chart(second, 'ip.tcp_outbound_conn').values.get('tcp_connect_v4')).toBe(BigInt(COUNTER.callsConnectV4 + 1) * 5n);
  });

  it('quirk fixed: each dimension carries the data its label names (Netdata 1.37.1 crosses them)', () => {
    const builder = new SocketChartBuilder(options);
    builder.frame({ counters: new Array<bigint>(COUNTER_LANES).fill(0n) });
    const frame = builder.frame({ counters: counters(1n) });
    const lane = (l: number) => BigInt(l + 1);
    expect(Object.fromEntries(chart(frame, 'ip.tcp_functions').values)).toEqual({
      tcp_cleanup_rbuf: lane(COUNTER.callsTcpRecv),
      tcp_sendmsg: lane(COUNTER.callsTcpSend),
      tcp_close: lane(COUNTER.callsTcpClose),
    });
    expect(Object.fromEntries(chart(frame, 'ip.tcp_error').values)).toEqual({
      tcp_cleanup_rbuf: lane(COUNTER.errorTcpRecv),
      tcp_sendmsg: lane(COUNTER.errorTcpSend),
    });
    expect(Object.fromEntries(chart(frame, 'ip.total_tcp_bandwidth').values)).toEqual({
      tcp_cleanup_rbuf: lane(COUNTER.bytesTcpRecv),
      tcp_sendmsg: lane(COUNTER.bytesTcpSend),
    });
    expect(Object.fromEntries(chart(frame, 'ip.udp_functions').values)).toEqual({
      udp_recvmsg: lane(COUNTER.callsUdpRecv),
      udp_sendmsg: lane(COUNTER.callsUdpSend),
    });
    expect(Object.fromEntries(chart(frame, 'ip.total_udp_bandwidth').values)).toEqual({
      udp_recvmsg: lane(COUNTER.bytesUdpRecv),
      udp_sendmsg: lane(COUNTER.bytesUdpSend),
    });
    expect(Object.fromEntries(chart(frame, 'ip.udp_error').values)).toEqual({
      udp_recvmsg: lane(COUNTER.errorUdpRecv),
      udp_sendmsg: lane(COUNTER.errorUdpSend),
    });
    expect(chart(frame, 'ip.tcp_retransmit').values.get('tcp_retransmit_skb')).toBe(lane(COUNTER.tcpRetransmit));
  });

  it('a counter that went backwards (object reloaded) counts from zero', () => {
    const builder = new SocketChartBuilder(options);
    builder.frame({ counters: counters(100n) });
    const frame = builder.frame({ counters: counters(1n) });
    expect(chart(frame, 'ip.tcp_functions').values.get('tcp_sendmsg')).toBe(1n);
  });

  it('entry mode has no error charts; without apps/cgroups only ip.* charts', () => {
    const builder = new SocketChartBuilder({ updateEvery: 1, returnMode: false, apps: false, cgroups: false });
    const frame = builder.frame({ counters: counters(1n), apps: { names: ['a'], totals: new Map() } });
    expect(frame.charts.every((c) => c.chart.type === 'ip')).toBe(true);
    expect(frame.charts.some((c) => c.chart.id.endsWith('_error'))).toBe(false);
  });
});

describe('group charts', () => {
  const totals = new Map([
    ['web', lanes({ bytesSent: 1000n, bytesReceived: 2000n, callTcpSent: 3n, callTcpReceived: 4n, retransmit: 5n, callUdpSent: 6n, callUdpReceived: 7n, connectV4: 8n, connectV6: 9n })],
  ]);

  it('apps.*: one dimension per exposed group, cumulative totals (incremental), family net, priorities 20080-20088', () => {
    const builder = new SocketChartBuilder(options);
    const frame = builder.frame({ counters: counters(1n), apps: { names: ['web', 'other'], totals } });
    const apps = frame.charts.filter((c) => c.chart.type === 'apps');
    expect(apps.map((c) => [c.chart.id, c.chart.title, c.chart.units, c.chart.priority])).toEqual([
      ['outbound_conn_v4', 'Calls to tcp_v4_connection', 'connections/s', 20080],
      ['outbound_conn_v6', 'Calls to tcp_v6_connection', 'connections/s', 20081],
      ['total_bandwidth_sent', 'Bytes sent', 'kilobits/s', 20082],
      ['total_bandwidth_recv', 'bytes received', 'kilobits/s', 20083],
      ['bandwidth_tcp_send', 'Calls for tcp_sendmsg', 'calls/s', 20084],
      ['bandwidth_tcp_recv', 'Calls for tcp_cleanup_rbuf', 'calls/s', 20085],
      ['bandwidth_tcp_retransmit', 'Calls for tcp_retransmit', 'calls/s', 20086],
      ['bandwidth_udp_send', 'Calls for udp_sendmsg', 'calls/s', 20087],
      ['bandwidth_udp_recv', 'Calls for udp_recvmsg', 'calls/s', 20088],
    ]);
    for (const c of apps) expect([c.chart.family, c.chart.chartType, c.chart.context]).toEqual(['net', 'stacked', '']);
    const sent = chart(frame, 'apps.total_bandwidth_sent');
    expect(sent.chart.dimensions.map((d) => [d.id, d.algorithm, d.multiplier, d.divisor])).toEqual([
      ['web', 'incremental', 8, 1000],
      ['other', 'incremental', 8, 1000],
    ]);
    expect(Object.fromEntries(sent.values)).toEqual({ web: 1000n, other: 0n });
    expect(chart(frame, 'apps.bandwidth_udp_recv').values.get('web')).toBe(7n);
    expect(chart(frame, 'apps.outbound_conn_v6').values.get('web')).toBe(9n);
  });

  it('cgroup_<name>.*: Netdata titles, contexts and priorities 45300-45308; labels match data; byte charts in kilobits/s (quirk fixed)', () => {
    const builder = new SocketChartBuilder(options);
    const frame = builder.frame({ counters: counters(1n), cgroups: { names: ['web'], totals } });
    const cg = frame.charts.filter((c) => c.chart.type === 'cgroup_web').sort((a, b) => a.chart.priority - b.chart.priority);
    expect(
      cg.map((c) => [c.chart.id, c.chart.title, c.chart.units, c.chart.context, c.chart.priority, c.chart.dimensions[0]!.id, c.chart.dimensions[0]!.name]),
    ).toEqual([
      ['outbound_conn_v4', 'Calls to tcp_v4_connection', 'connections/s', 'cgroup.net_conn_ipv4', 45300, 'tcp_connect_v4', 'connected_V4'],
      ['outbound_conn_v6', 'Calls to tcp_v6_connection', 'connections/s', 'cgroup.net_conn_ipv6', 45301, 'tcp_connect_v6', 'connected_V6'],
      ['total_bandwidth_recv', 'Bytes received', 'kilobits/s', 'cgroup.net_bytes_recv', 45302, 'tcp_cleanup_rbuf', 'received'],
      ['total_bandwidth_sent', 'Bytes sent', 'kilobits/s', 'cgroup.net_bytes_send', 45303, 'tcp_sendmsg', 'sent'],
      ['bandwidth_tcp_recv', 'Calls to tcp_cleanup_rbuf.', 'calls/s', 'cgroup.net_tcp_recv', 45304, 'tcp_cleanup_rbuf', 'received'],
      ['bandwidth_tcp_send', 'Calls to tcp_sendmsg.', 'calls/s', 'cgroup.net_tcp_send', 45305, 'tcp_sendmsg', 'sent'],
      ['bandwidth_tcp_retransmit', 'Calls to tcp_retransmit.', 'calls/s', 'cgroup.net_retransmit', 45306, 'tcp_retransmit_skb', 'retransmitted'],
      ['bandwidth_udp_send', 'Calls to udp_sendmsg', 'calls/s', 'cgroup.net_udp_send', 45307, 'udp_sendmsg', 'sent'],
      ['bandwidth_udp_recv', 'Calls to udp_recvmsg', 'calls/s', 'cgroup.net_udp_recv', 45308, 'udp_recvmsg', 'received'],
    ]);
    for (const c of cg) expect([c.chart.family, c.chart.chartType, c.chart.dimensions[0]!.algorithm]).toEqual(['network (eBPF)', 'line', 'incremental']);
    const recv = chart(frame, 'cgroup_web.total_bandwidth_recv');
    expect([recv.chart.dimensions[0]!.multiplier, recv.chart.dimensions[0]!.divisor]).toEqual([8, 1000]);
    expect(recv.values.get('tcp_cleanup_rbuf')).toBe(2000n);
    expect(chart(frame, 'cgroup_web.total_bandwidth_sent').values.get('tcp_sendmsg')).toBe(1000n);
    expect(chart(frame, 'cgroup_web.bandwidth_tcp_recv').values.get('tcp_cleanup_rbuf')).toBe(4n);
    expect(chart(frame, 'cgroup_web.bandwidth_tcp_send').values.get('tcp_sendmsg')).toBe(3n);
  });

  it('a cgroup that disappears has its charts marked obsolete once', () => {
    const builder = new SocketChartBuilder(options);
    builder.frame({ counters: counters(1n), cgroups: { names: ['web'], totals } });
    const gone = builder.frame({ counters: counters(1n), cgroups: { names: [], totals: new Map() } });
    expect(gone.obsolete).toHaveLength(9);
    expect(gone.obsolete).toContain('cgroup_web.total_bandwidth_sent');
    expect(builder.frame({ counters: counters(1n), cgroups: { names: [], totals: new Map() } }).obsolete).toBeUndefined();
  });

  it('services.*: one dimension per service, Netdata contexts, stacked, family net, byte charts in kilobits/s', () => {
    const builder = new SocketChartBuilder(options);
    const frame = builder.frame({ counters: counters(1n), services: { names: ['web'], totals } });
    const sv = frame.charts.filter((c) => c.chart.type === 'services');
    expect(sv.map((c) => [c.chart.id, c.chart.context, c.chart.priority]).sort((a, b) => (a[2] as number) - (b[2] as number))).toEqual([
      ['outbound_conn_v4', 'services.net_conn_ipv4', 20080],
      ['outbound_conn_v6', 'services.net_conn_ipv6', 20081],
      ['total_bandwidth_recv', 'services.net_bytes_recv', 20082],
      ['total_bandwidth_sent', 'services.net_bytes_send', 20083],
      ['bandwidth_tcp_recv', 'services.net_tcp_recv', 20084],
      ['bandwidth_tcp_send', 'services.net_tcp_send', 20085],
      ['bandwidth_tcp_retransmit', 'services.net_retransmit', 20086],
      ['bandwidth_udp_send', 'services.net_udp_send', 20087],
      ['bandwidth_udp_recv', 'services.net_udp_recv', 20088],
    ]);
    for (const c of sv) expect([c.chart.family, c.chart.chartType]).toEqual(['net', 'stacked']);
    const sent = chart(frame, 'services.total_bandwidth_sent');
    expect([sent.chart.units, sent.chart.dimensions[0]!.multiplier, sent.chart.dimensions[0]!.divisor]).toEqual(['kilobits/s', 8, 1000]);
    expect(sent.values.get('web')).toBe(1000n);
  });

  it('charts() lists host charts, then apps charts once a group is exposed', () => {
    const builder = new SocketChartBuilder(options);
    expect(builder.charts([]).every((c) => c.type === 'ip')).toBe(true);
    expect(builder.charts(['web']).filter((c) => c.type === 'apps')).toHaveLength(9);
  });
});
