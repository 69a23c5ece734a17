/**
 * The self-test's pure parts: scaling, the expectations it derives (they
 * must name charts and dimensions the collector really emits, and move with
 * the load mode and the app group), the key PID per `collect pid`, and the
 * parsing of the workload's report. The workload itself runs in the kernel
 * test and under `ebpf.plugin --self-test`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartKey } from '@ebpf-collectors/core';
import {
  FULL_NET_WORKLOAD,
  SocketChartBuilder,
  SocketWorkloadError,
  loopbackUp,
  connectionExpectations,
  netExpectations,
  parseNetWorkloadResult,
  parseNetworkConfig,
  scaledNetWorkload,
  socketCollector,
  socketIoSource,
  workloadKeyPid,
  workloadShortfalls,
  type NetWorkloadResult,
} from '../src/index.js';
import { COUNTER_LANES, PID_LANES } from '../src/internal-types.js';
import { sectionsOf } from './context.js';

/** The result a complete run of `w` reports. */
function complete(w = FULL_NET_WORKLOAD): NetWorkloadResult {
  const tcp = 2 * (w.connections + w.v6Connections) * w.bytesEachWay;
  return {
    connections: w.connections,
    v6Connections: w.v6Connections,
    bytesSent: tcp,
    bytesReceived: tcp,
    datagramsReceived: w.datagrams,
    refused: w.refusedConnects,
    failedUdpSends: w.failedUdpSends,
    ports: { tcp4: 40001, tcp6: w.v6Connections > 0 ? 40002 : 0, udp: 40003 },
  };
}

describe('scaledNetWorkload', () => {
  it('scale 1 is the full workload; without ::1 no IPv6 connections', () => {
    expect(scaledNetWorkload(1, true)).toEqual(FULL_NET_WORKLOAD);
    expect(scaledNetWorkload(1, false)).toEqual({ ...FULL_NET_WORKLOAD, v6Connections: 0 });
  });

  it('shrinks counts, keeps sizes, and never goes below one', () => {
    const quarter = scaledNetWorkload(0.25, true);
    expect(quarter).toMatchObject({ connections: 13, v6Connections: 3, datagrams: 13, refusedConnects: 1, failedUdpSends: 1 });
    expect([quarter.bytesEachWay, quarter.datagramSize]).toEqual([FULL_NET_WORKLOAD.bytesEachWay, FULL_NET_WORKLOAD.datagramSize]);
    const tiny = scaledNetWorkload(0.001, true);
    for (const key of ['connections', 'v6Connections', 'datagrams', 'refusedConnects', 'failedUdpSends'] as const) expect(tiny[key], key).toBe(1);
  });

  it('rejects a scale that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => scaledNetWorkload(bad, true)).toThrow(RangeError);
  });
});

describe('netExpectations', () => {
  const w = scaledNetWorkload(0.25, true);

  it('names only charts and dimensions the collector emits in that load mode', () => {
    for (const returnMode of [false, true]) {
      const builder = new SocketChartBuilder({ updateEvery: 1, returnMode, apps: true, cgroups: false });
      const frame = builder.frame({
        counters: new Array<bigint>(COUNTER_LANES).fill(0n),
        apps: { names: ['web'], totals: new Map([['web', new Array<bigint>(PID_LANES).fill(0n)]]) },
      });
      const emitted = new Set(frame.charts.flatMap((c) => [...c.values.keys()].map((d) => `${chartKey(c.chart)}.${d}`)));
      for (const e of netExpectations(w, { returnMode, appGroup: 'web' })) expect(emitted, `${e.chart}.${e.dimension}`).toContain(`${e.chart}.${e.dimension}`);
    }
  });

  it('expects the error chart only in return mode, and apps charts only for a group', () => {
    const entry = netExpectations(w, { returnMode: false });
    expect(entry.some((e) => e.chart === 'ip.udp_error')).toBe(false);
    expect(entry.some((e) => e.chart.startsWith('apps.'))).toBe(false);
    const ret = netExpectations(w, { returnMode: true, appGroup: 'ebpf.plugin' });
    expect(ret.find((e) => e.chart === 'ip.udp_error')).toMatchObject({ dimension: 'udp_sendmsg', atLeast: BigInt(w.failedUdpSends) });
    const apps = ret.filter((e) => e.chart.startsWith('apps.'));
    expect(new Set(apps.map((e) => e.dimension))).toEqual(new Set(['ebpf.plugin']));
  });

  it('bounds are what the workload does, every one at least 1', () => {
    const all = netExpectations(w, { returnMode: true, appGroup: 'g' });
    const tcpBytes = BigInt(2 * (w.connections + w.v6Connections) * w.bytesEachWay);
    const at = (chart: string, dimension: string) => all.find((e) => e.chart === chart && e.dimension === dimension)?.atLeast;
    expect(at('ip.total_tcp_bandwidth', 'tcp_sendmsg')).toBe(tcpBytes);
    expect(at('ip.tcp_outbound_conn', 'tcp_connect_v4')).toBe(BigInt(w.connections + w.refusedConnects));
    expect(at('ip.tcp_outbound_conn', 'tcp_connect_v6')).toBe(BigInt(w.v6Connections));
    expect(at('ip.udp_functions', 'udp_sendmsg')).toBe(BigInt(w.datagrams + w.failedUdpSends));
    expect(at('apps.total_bandwidth_recv', 'g')).toBe(tcpBytes + BigInt(w.datagrams * w.datagramSize));
    for (const e of all) expect(e.atLeast, `${e.chart}.${e.dimension}`).toBeGreaterThanOrEqual(1n);
    expect(netExpectations({ ...w, v6Connections: 0 }, { returnMode: false, appGroup: 'g' }).some((e) => e.dimension === 'tcp_connect_v6' || e.chart === 'apps.outbound_conn_v6')).toBe(false);
  });
});

describe('workloadKeyPid', () => {
  it('is the workload itself with collect pid = all, else the process that started it', () => {
    expect(workloadKeyPid('all', 200, 100)).toBe(200);
    for (const level of ['real parent', 'parent', 'not set'] as const) expect(workloadKeyPid(level, 200, 100)).toBe(100);
  });
});

describe('the workload report', () => {
  it('parses the last line and says what fell short', () => {
    const result = complete();
    expect(parseNetWorkloadResult(`noise\n${JSON.stringify(result)}\n`)).toEqual(result);
    expect(workloadShortfalls(FULL_NET_WORKLOAD, result)).toEqual([]);
    expect(workloadShortfalls(FULL_NET_WORKLOAD, { ...result, datagramsReceived: 49, refused: 0 })).toEqual([
      '49/50 datagrams received',
      '0/5 connects refused',
    ]);
  });

  it('rejects output that is not a result with a SocketWorkloadError', () => {
    const noPorts = JSON.stringify({ ...complete(), ports: undefined });
    for (const bad of ['', 'Error: boom', '{"connections":1}', 'null', noPorts]) {
      expect(() => parseNetWorkloadResult(bad)).toThrow(SocketWorkloadError);
    }
  });
});

describe('loopbackUp', () => {
  it('reads IFF_UP from the flags file, undefined when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'socket-lo-'));
    try {
      writeFileSync(join(dir, 'up'), '0x9\n');
      writeFileSync(join(dir, 'down'), '0x8\n');
      expect(loopbackUp(join(dir, 'up'))).toBe(true);
      expect(loopbackUp(join(dir, 'down'))).toBe(false);
      expect(loopbackUp(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('socketIoSource', () => {
  it('uses the sock length tracepoints only when both exist', () => {
    expect(socketIoSource(() => true)).toBe('sock_length');
    expect(socketIoSource((_c, event) => event !== 'sock_recv_length')).toBe('syscalls');
    expect(socketIoSource(() => false)).toBe('syscalls');
  });
});

it('the shipped definition carries the self-test', () => {
  expect(socketCollector.selfTest?.description).toMatch(/loopback TCP/);
});

describe('connectionExpectations (network connections = yes)', () => {
  const w = { ...FULL_NET_WORKLOAD, connections: 4, v6Connections: 2, datagrams: 3 };
  const r = complete(w);
  const config = (text: string) => parseNetworkConfig(sectionsOf(`[network connections]\n${text}`)).config.connections;

  it('expects both directions of each TCP server and the UDP receiver inbound, by port label', () => {
    const out = connectionExpectations(w, r, { config: config('ips = *\n[service name]\n40001 = web\n'), movement: new Map() });
    const at = (chart: string, dimension: string) => out.find((e) => e.chart === chart && e.dimension === dimension)?.atLeast;
    // Nothing was seen at all here, so every destination is looked for in `other`.
    expect(at('ebpf.outbound_bytes', 'other_sent')).toBe(BigInt(4 * w.bytesEachWay));
    expect(out.every((e) => e.dimension.startsWith('other_'))).toBe(true);
    const movement = new Map([
      ['ebpf.outbound_bytes.web:TCP:127.0.0.1_sent', 1n],
      ['ebpf.outbound_bytes.web:TCP:127.0.0.1_recv', 1n],
      ['ebpf.inbound_bytes.web:TCP_recv', 1n],
      ['ebpf.outbound_bytes.40002:TCP:[::1]_sent', 1n],
      ['ebpf.inbound_packets.40003:UDP_recv', 1n],
    ]);
    const named = connectionExpectations(w, r, { config: config('ips = *\n[service name]\n40001 = web\n'), movement });
    const find = (chart: string, dimension: string) => named.find((e) => e.chart === chart && e.dimension === dimension)?.atLeast;
    expect(find('ebpf.outbound_bytes', 'web:TCP:127.0.0.1_sent')).toBe(BigInt(4 * w.bytesEachWay));
    expect(find('ebpf.inbound_bytes', 'web:TCP_recv')).toBe(BigInt(4 * w.bytesEachWay));
    expect(find('ebpf.outbound_bytes', '40002:TCP:[::1]_sent')).toBe(BigInt(2 * w.bytesEachWay));
    expect(find('ebpf.inbound_packets', '40003:UDP_recv')).toBe(3n);
    // 2 TCP servers x 2 directions x 2 charts x 2 dimensions + 2 for UDP
    expect(named).toHaveLength(18);
  });

  it('expects nothing the filters reject: stock ips leave loopback out, ports can leave the receiver out', () => {
    const stock = connectionExpectations(w, r, { config: config(''), movement: new Map() });
    expect(stock.map((e) => e.chart)).toEqual(['ebpf.inbound_bytes', 'ebpf.inbound_packets']);
    expect(connectionExpectations(w, r, { config: config('ports = 1-1000\n'), movement: new Map() })).toEqual([]);
  });
});
