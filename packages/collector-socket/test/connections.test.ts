/**
 * The network viewer's user-space half on synthetic table contents: key
 * decoding (addresses, ports, families), inbound/outbound classification,
 * labels, filters, the `maximum dimensions` cap with `other`, and totals
 * that survive evicted and closed sockets.
 */
import { describe, expect, it } from 'vitest';
import type { ChartValues } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';
import {
  ConnectionCharts,
  HostNames,
  connectionDirection,
  decodeConnections,
  formatIpv6,
  parseListeningTcpPorts,
  parseNetworkConfig,
  servicesFilePortNames,
  type ConnectionEntry,
} from '../src/index.js';
import { AF, IPPROTO, NV_KEY, NV_LANES } from '../src/internal-types.js';
import { sectionsOf } from './context.js';

interface Socket {
  family?: 4 | 6;
  protocol?: 'TCP' | 'UDP';
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  sent?: bigint;
  received?: bigint;
  sentPackets?: bigint;
  receivedPackets?: bigint;
  retransmits?: bigint;
  accepted?: boolean;
}

function addressBytes(text: string, family: 4 | 6): Buffer {
  if (family === 4) return Buffer.from(text.split('.').map(Number));
  // test addresses: full or with one '::'
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => Number.parseInt(g, 16));
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

/** A table read as the kernel lays it out (struct ebpfc_nv_key / ebpfc_nv_value). */
function dump(sockets: ReadonlyArray<Socket>) {
  const keys = Buffer.alloc(sockets.length * NV_KEY.size);
  const values = Buffer.alloc(sockets.length * NV_LANES * 8);
  sockets.forEach((s, i) => {
    const family = s.family ?? 4;
    const k = keys.subarray(i * NV_KEY.size);
    addressBytes(s.local, family).copy(k, NV_KEY.laddr);
    addressBytes(s.remote, family).copy(k, NV_KEY.raddr);
    k.writeUInt16LE(s.localPort, NV_KEY.lport);
    k.writeUInt16LE(s.remotePort, NV_KEY.rport);
    k[NV_KEY.family] = family === 4 ? AF.inet : AF.inet6;
    k[NV_KEY.protocol] = (s.protocol ?? 'TCP') === 'TCP' ? IPPROTO.tcp : IPPROTO.udp;
    const v = values.subarray(i * NV_LANES * 8);
    [s.sent, s.received, s.sentPackets, s.receivedPackets, s.retransmits, s.accepted ? 1n : 0n].forEach((x, lane) =>
      v.writeBigUInt64LE(x ?? 0n, lane * 8),
    );
  });
  return { count: sockets.length, keys, values };
}

const entries = (sockets: ReadonlyArray<Socket>): ConnectionEntry[] => decodeConnections(dump(sockets));

function config(text: string) {
  const parsed = parseNetworkConfig(sectionsOf(`[network connections]\n${text}`, '/etc/netdata/ebpf.d/network.conf'));
  expect(parsed.errors).toEqual([]);
  return parsed.config.connections;
}

const ALL = 'ips = *\nports = *\n';

function byKey(values: ChartValues[]): Map<string, ChartValues> {
  return new Map(values.map((c) => [chartKey(c.chart), c]));
}

const nothingListens = () => false;

describe('decodeConnections', () => {
  it('reads addresses in network order, ports in host order, family, protocol and the six lanes', () => {
    const [v4, v6] = [
      ...entries([{ local: '10.1.2.3', localPort: 40000, remote: '93.184.216.34', remotePort: 443, sent: 10n, received: 20n, sentPackets: 1n, receivedPackets: 2n, retransmits: 3n }]),
      ...entries([{ family: 6, protocol: 'UDP', local: '::1', localPort: 53, remote: '2001:db8::7', remotePort: 5353, accepted: true }]),
    ];
    expect(v4).toMatchObject({
      family: 4,
      protocol: 'TCP',
      localAddress: '10.1.2.3',
      localPort: 40000,
      remoteAddress: '93.184.216.34',
      remotePort: 443,
      sentBytes: 10n,
      receivedBytes: 20n,
      sentPackets: 1n,
      receivedPackets: 2n,
      retransmits: 3n,
      accepted: false,
    });
    expect(v6).toMatchObject({ family: 6, protocol: 'UDP', localAddress: '::1', remoteAddress: '2001:db8::7', remotePort: 5353, accepted: true });
    expect(v4!.key).toHaveLength(NV_KEY.size * 2);
  });

  it('skips entries of an unknown family or protocol', () => {
    const d = dump([{ local: '1.1.1.1', localPort: 1, remote: '2.2.2.2', remotePort: 2 }]);
    d.keys[NV_KEY.protocol] = 1; // ICMP
    expect(decodeConnections(d)).toEqual([]);
  });

  it('formats IPv6 as RFC 5952 (longest zero run, mapped IPv4)', () => {
    const b = (text: string) => addressBytes(text, 6);
    expect(formatIpv6(b('0:0:0:0:0:0:0:1'))).toBe('::1');
    expect(formatIpv6(b('0:0:0:0:0:0:0:0'))).toBe('::');
    expect(formatIpv6(b('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(b('2001:db8:1:2:3:4:5:6'))).toBe('2001:db8:1:2:3:4:5:6');
    expect(formatIpv6(b('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(b('0:0:0:0:0:ffff:c000:0201'))).toBe('::ffff:192.0.2.1');
  });
});

describe('classification', () => {
  const tcp = (s: Partial<Socket>) => entries([{ local: '10.0.0.1', localPort: 8080, remote: '10.0.0.2', remotePort: 51000, ...s }])[0]!;

  it('TCP: accepted here, or on a port listening now, is inbound; the rest is outbound', () => {
    expect(connectionDirection(tcp({ accepted: true }), nothingListens)).toBe('inbound');
    expect(connectionDirection(tcp({}), (p) => p === 8080)).toBe('inbound');
    expect(connectionDirection(tcp({}), nothingListens)).toBe('outbound');
  });

  it('UDP: no remote end is a server socket (inbound); a connected one is outbound', () => {
    expect(connectionDirection(tcp({ protocol: 'UDP', remote: '0.0.0.0', remotePort: 0 }), nothingListens)).toBe('inbound');
    expect(connectionDirection(tcp({ protocol: 'UDP' }), (p) => p === 8080)).toBe('outbound');
  });

  it('parses LISTEN sockets of /proc/net/tcp and tcp6', () => {
    const tcp4 =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n' +
      '   1: 0100007F:9C40 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n';
    const tcp6 =
      '  sl  local_address                         remote_address                        st\n' +
      '   0: 00000000000000000000000000000000:4E1F 00000000000000000000000000000000:0000 0A 0 0 0 0 0 0 0\n';
    expect([...parseListeningTcpPorts(tcp4, tcp6)].sort((a, b) => a - b)).toEqual([22, 19999]);
  });
});

describe('ConnectionCharts', () => {
  it("names outbound destinations '<service>:<proto>:<host>' and inbound ones '<service>:<proto>', sent negative", () => {
    const charts = new ConnectionCharts({ updateEvery: 1, config: config(`${ALL}`) });
    charts.update(
      entries([
        { local: '10.0.0.1', localPort: 40000, remote: '10.0.0.9', remotePort: 443, sent: 100n, received: 1000n, sentPackets: 2n, receivedPackets: 3n, retransmits: 1n },
        { local: '10.0.0.1', localPort: 22, remote: '10.0.0.7', remotePort: 50000, sent: 7n, received: 70n, sentPackets: 1n, receivedPackets: 1n, accepted: true },
      ]).concat(entries([{ family: 6, local: '::1', localPort: 40001, remote: '::1', remotePort: 8080, sent: 5n, received: 6n, sentPackets: 1n, receivedPackets: 1n }])),
      nothingListens,
    );
    const v = byKey(charts.values());
    expect([...v.keys()]).toEqual([
      'ebpf.outbound_bytes',
      'ebpf.outbound_packets',
      'ebpf.outbound_retransmit',
      'ebpf.inbound_bytes',
      'ebpf.inbound_packets',
    ]);
    const out = v.get('ebpf.outbound_bytes')!;
    expect(out.chart).toMatchObject({ title: 'Outbound connections (bytes).', units: 'bytes/s', family: 'network connections', chartType: 'stacked', priority: 21080, module: 'socket' });
    expect(out.chart.dimensions).toEqual([
      { id: '443:TCP:10.0.0.9_sent', algorithm: 'incremental', multiplier: -1 },
      { id: '443:TCP:10.0.0.9_recv', algorithm: 'incremental' },
      { id: '8080:TCP:[::1]_sent', algorithm: 'incremental', multiplier: -1 },
      { id: '8080:TCP:[::1]_recv', algorithm: 'incremental' },
    ]);
    expect(Object.fromEntries(out.values)).toEqual({
      '443:TCP:10.0.0.9_sent': 100n,
      '443:TCP:10.0.0.9_recv': 1000n,
      '8080:TCP:[::1]_sent': 5n,
      '8080:TCP:[::1]_recv': 6n,
    });
    expect(Object.fromEntries(v.get('ebpf.outbound_packets')!.values)).toMatchObject({ '443:TCP:10.0.0.9_sent': 2n, '443:TCP:10.0.0.9_recv': 3n });
    expect(Object.fromEntries(v.get('ebpf.outbound_retransmit')!.values)).toEqual({ '443:TCP:10.0.0.9': 1n, '8080:TCP:[::1]': 0n });
    expect(Object.fromEntries(v.get('ebpf.inbound_bytes')!.values)).toEqual({ '22:TCP_sent': 7n, '22:TCP_recv': 70n });
    expect(v.get('ebpf.inbound_packets')!.chart.priority).toBe(21085);
  });

  it('sums sockets of one destination and keeps totals when sockets close, are evicted or start over', () => {
    const charts = new ConnectionCharts({ updateEvery: 1, config: config(ALL) });
    const a = { local: '10.0.0.1', localPort: 40000, remote: '10.0.0.9', remotePort: 443 };
    const b = { ...a, localPort: 40001 };
    const sent = () => charts.values().find((c) => c.chart.id === 'outbound_bytes')!.values.get('443:TCP:10.0.0.9_sent');
    charts.update(entries([{ ...a, sent: 100n }, { ...b, sent: 50n }]), nothingListens);
    expect(sent()).toBe(150n);
    charts.update(entries([{ ...a, sent: 130n }]), nothingListens); // b closed and was evicted
    expect(sent()).toBe(180n);
    expect(charts.trackedSockets).toBe(1);
    charts.update(entries([{ ...a, sent: 10n }, { ...b, sent: 5n }]), nothingListens); // a recreated, b reused
    expect(sent()).toBe(195n);
  });

  it('keeps the first classification of a socket when its listener goes away', () => {
    const charts = new ConnectionCharts({ updateEvery: 1, config: config(ALL) });
    const s = { local: '10.0.0.1', localPort: 8080, remote: '10.0.0.2', remotePort: 51000 };
    charts.update(entries([{ ...s, received: 1n }]), (p) => p === 8080);
    charts.update(entries([{ ...s, received: 2n }]), nothingListens);
    const v = byKey(charts.values());
    expect(v.has('ebpf.outbound_bytes')).toBe(false);
    expect(v.get('ebpf.inbound_bytes')!.values.get('8080:TCP_recv')).toBe(2n);
  });

  it('caps each direction at maximum dimensions / 2 destinations; the rest go to "other", dimensions are only added', () => {
    const charts = new ConnectionCharts({ updateEvery: 1, config: config(`${ALL}maximum dimensions = 4\n`) });
    const to = (i: number, sent: bigint) => ({ local: '10.0.0.1', localPort: 40000 + i, remote: `10.0.1.${i}`, remotePort: 443, sent });
    charts.update(entries([to(1, 1n), to(2, 2n), to(3, 3n), to(4, 4n)]), nothingListens);
    const dims = () => charts.values().find((c) => c.chart.id === 'outbound_bytes')!.chart.dimensions.map((d) => d.id);
    const values = () => charts.values().find((c) => c.chart.id === 'outbound_bytes')!.values;
    expect(dims()).toEqual(['443:TCP:10.0.1.1_sent', '443:TCP:10.0.1.1_recv', '443:TCP:10.0.1.2_sent', '443:TCP:10.0.1.2_recv', 'other_sent', 'other_recv']);
    expect(values().get('other_sent')).toBe(7n);
    // Everything closed: the dimensions stay, with their totals.
    charts.update([], nothingListens);
    expect(dims()).toHaveLength(6);
    expect(values().get('other_sent')).toBe(7n);
  });

  it('applies ports and ips to the remote end of outbound sockets, and the default ips leave loopback out', () => {
    const stock = new ConnectionCharts({ updateEvery: 1, config: config('') });
    stock.update(entries([{ local: '127.0.0.1', localPort: 40000, remote: '127.0.0.1', remotePort: 8080, sent: 1n }]), nothingListens);
    expect(stock.values()).toEqual([]);
    const filtered = new ConnectionCharts({ updateEvery: 1, config: config('ips = 10.0.0.0/8\nports = 443 !8443\n') });
    filtered.update(
      entries([
        { local: '10.0.0.1', localPort: 40000, remote: '10.0.0.9', remotePort: 443, sent: 1n },
        { local: '10.0.0.1', localPort: 40001, remote: '10.0.0.9', remotePort: 8443, sent: 1n },
        { local: '10.0.0.1', localPort: 40002, remote: '192.168.0.9', remotePort: 443, sent: 1n },
      ]),
      nothingListens,
    );
    const dims = filtered.values().find((c) => c.chart.id === 'outbound_bytes')!.chart.dimensions.map((d) => d.id);
    expect(dims).toEqual(['443:TCP:10.0.0.9_sent', '443:TCP:10.0.0.9_recv']);
  });

  it('inbound: ports filter the local service port; a UDP server socket is not held to ips', () => {
    const charts = new ConnectionCharts({ updateEvery: 1, config: config('ips = 10.0.0.0/8\nports = 53\n') });
    charts.update(
      entries([
        { protocol: 'UDP', local: '0.0.0.0', localPort: 53, remote: '0.0.0.0', remotePort: 0, received: 9n, receivedPackets: 1n },
        { protocol: 'UDP', local: '0.0.0.0', localPort: 123, remote: '0.0.0.0', remotePort: 0, received: 9n, receivedPackets: 1n },
      ]),
      nothingListens,
    );
    const inbound = charts.values().find((c) => c.chart.id === 'inbound_bytes')!;
    expect(Object.fromEntries(inbound.values)).toEqual({ '53:UDP_sent': 0n, '53:UDP_recv': 9n });
  });

  it('labels ports from [service name], then the services file when asked', () => {
    const names = servicesFilePortNames('https 443/tcp\ndomain 53/udp\n# comment\nhttp 80/tcp www\n');
    const charts = new ConnectionCharts({
      updateEvery: 1,
      config: config(`${ALL}resolve service names = yes\n[service name]\n80 = web\n`),
      serviceOfPort: names,
    });
    charts.update(
      entries([
        { local: '10.0.0.1', localPort: 40000, remote: '10.0.0.9', remotePort: 443, sent: 1n },
        { local: '10.0.0.1', localPort: 40001, remote: '10.0.0.9', remotePort: 80, sent: 1n },
        { protocol: 'UDP', local: '10.0.0.1', localPort: 40002, remote: '10.0.0.9', remotePort: 53, sent: 1n },
        { local: '10.0.0.1', localPort: 40003, remote: '10.0.0.9', remotePort: 9999, sent: 1n },
      ]),
      nothingListens,
    );
    const dims = charts.values().find((c) => c.chart.id === 'outbound_retransmit')!.chart.dimensions.map((d) => d.id);
    expect(dims).toEqual(['https:TCP:10.0.0.9', 'web:TCP:10.0.0.9', 'domain:UDP:10.0.0.9', '9999:TCP:10.0.0.9']);
  });

  it('resolve hostnames: a socket waits for its lookup, then is labelled and filtered by name with its whole total', async () => {
    const answers = new Map([['10.0.0.9', ['db.example']], ['10.0.0.8', ['cache.internal']]]);
    const hostNames = new HostNames(async (address) => {
      const names = answers.get(address);
      if (!names) throw new Error('ENOTFOUND');
      return names;
    });
    const charts = new ConnectionCharts({ updateEvery: 1, config: config(`${ALL}resolve hostnames = yes\nhostnames = *.example\n`) });
    const sockets = [
      { local: '10.0.0.1', localPort: 40000, remote: '10.0.0.9', remotePort: 5432, sent: 10n },
      { local: '10.0.0.1', localPort: 40001, remote: '10.0.0.8', remotePort: 6379, sent: 10n },
    ];
    charts.update(entries(sockets), nothingListens, (a) => hostNames.get(a));
    expect(charts.values()).toEqual([]);
    await new Promise((r) => setImmediate(r));
    charts.update(entries(sockets.map((s) => ({ ...s, sent: 25n }))), nothingListens, (a) => hostNames.get(a));
    const out = charts.values().find((c) => c.chart.id === 'outbound_bytes')!;
    expect(Object.fromEntries(out.values)).toEqual({ '5432:TCP:db.example_sent': 25n, '5432:TCP:db.example_recv': 0n });
  });
});

describe('HostNames', () => {
  it('looks an address up once, falls back to the address, and forgets the oldest beyond its size', async () => {
    let calls = 0;
    const names = new HostNames(async (a) => {
      calls++;
      if (a === '10.0.0.3') throw new Error('ENOTFOUND');
      return a === '10.0.0.1' ? ['one.example', 'alias'] : [];
    }, 2);
    expect([names.get('10.0.0.1'), names.get('10.0.0.2')]).toEqual([null, null]);
    await new Promise((r) => setImmediate(r));
    expect([names.get('10.0.0.1'), names.get('10.0.0.2')]).toEqual(['one.example', '10.0.0.2']);
    expect(calls).toBe(2);
    expect(names.get('10.0.0.3')).toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(names.get('10.0.0.3')).toBe('10.0.0.3');
    expect(names.get('10.0.0.1')).toBeNull(); // forgotten: looked up again
    expect(calls).toBe(4);
  });
});
