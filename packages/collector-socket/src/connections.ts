/**
 * The network viewer (`[ebpf programs] network connections = yes`): the
 * per-socket tables `tbl_conn_ipv4` / `tbl_conn_ipv6` turned into Netdata's
 * `ebpf.outbound_*` and `ebpf.inbound_*` charts, one dimension pair per
 * destination (`<service>:<TCP|UDP>:<host>` outbound, `<service>:<TCP|UDP>`
 * inbound), at most `maximum dimensions / 2` destinations per chart plus
 * `other`, filtered by network.conf's `ports`, `ips` and `hostnames`.
 *
 * Decoding and chart math are pure (the unit tests feed recorded entries);
 * only {@link readListeningTcpPorts} and host-name resolution touch the system.
 */
import { readFileSync } from 'node:fs';
import type { ChartDefinition, ChartValues } from '@ebpf-collectors/core';
import type { MapDump } from '@ebpf-collectors/core';
import { AF, IPPROTO, NV_KEY, NV_LANE, NV_LANES } from './internal-types.js';
import { MODULE } from './metrics.js';
import { destinationAllowed, serviceLabel, type NetworkConnectionsConfig } from './network-config.js';

/** One socket as the kernel table holds it, decoded. */
export interface ConnectionEntry {
  /** The raw key bytes as hex: identifies the socket between reads. */
  readonly key: string;
  readonly family: 4 | 6;
  readonly protocol: 'TCP' | 'UDP';
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  /** 0 when the socket has no remote end (an unconnected UDP socket). */
  readonly remotePort: number;
  readonly sentBytes: bigint;
  readonly receivedBytes: bigint;
  readonly sentPackets: bigint;
  readonly receivedPackets: bigint;
  readonly retransmits: bigint;
  /** Accepted on a listener of this host (marked by the kernel at accept). */
  readonly accepted: boolean;
}

/** An IPv4 address from 4 bytes in network order. */
export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** An IPv6 address from 16 bytes in network order, in RFC 5952 form (`::ffff:a.b.c.d` for mapped IPv4). */
export function formatIpv6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes.subarray(12, 16))}`;
  }
  // The longest run of two or more zero groups becomes `::` (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Entries of a `tbl_conn_ipv4` / `tbl_conn_ipv6` read (keys `struct
 * ebpfc_nv_key`, values `struct ebpfc_nv_value`). Entries of another family
 * or protocol than the tables hold are skipped.
 */
export function decodeConnections(dump: Pick<MapDump, 'count' | 'keys' | 'values'>): ConnectionEntry[] {
  const out: ConnectionEntry[] = [];
  const valueSize = NV_LANES * 8;
  for (let i = 0; i < dump.count; i++) {
    const key = dump.keys.subarray(i * NV_KEY.size, (i + 1) * NV_KEY.size);
    const family = key[NV_KEY.family] === AF.inet ? 4 : key[NV_KEY.family] === AF.inet6 ? 6 : undefined;
    const protocol = key[NV_KEY.protocol] === IPPROTO.tcp ? 'TCP' : key[NV_KEY.protocol] === IPPROTO.udp ? 'UDP' : undefined;
    if (family === undefined || protocol === undefined) continue;
    const address = (offset: number) =>
      family === 4 ? formatIpv4(key.subarray(offset, offset + 4)) : formatIpv6(key.subarray(offset, offset + 16));
    const value = dump.values.subarray(i * valueSize, (i + 1) * valueSize);
    const lane = (n: number) => value.readBigUInt64LE(n * 8);
    out.push({
      key: key.toString('hex'),
      family,
      protocol,
      localAddress: address(NV_KEY.laddr),
      localPort: key.readUInt16LE(NV_KEY.lport),
      remoteAddress: address(NV_KEY.raddr),
      remotePort: key.readUInt16LE(NV_KEY.rport),
      sentBytes: lane(NV_LANE.sentBytes),
      receivedBytes: lane(NV_LANE.recvBytes),
      sentPackets: lane(NV_LANE.sentPackets),
      receivedPackets: lane(NV_LANE.recvPackets),
      retransmits: lane(NV_LANE.retransmits),
      accepted: lane(NV_LANE.inbound) !== 0n,
    });
  }
  return out;
}

/** TCP ports in LISTEN state, from `/proc/net/tcp` and `/proc/net/tcp6` text. */
export function parseListeningTcpPorts(...tables: ReadonlyArray<string>): Set<number> {
  const ports = new Set<number>();
  for (const text of tables) {
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st ...; local_address is ADDR:PORT in hex
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue;
      const port = Number.parseInt(fields[1]!.split(':').pop() ?? '', 16);
      if (Number.isInteger(port) && port > 0) ports.add(port);
    }
  }
  return ports;
}

/** {@link parseListeningTcpPorts} of this host (a missing table, IPv6 off say, adds nothing). */
export function readListeningTcpPorts(procNet = '/proc/net'): Set<number> {
  const read = (name: string) => {
    try {
      return readFileSync(`${procNet}/${name}`, 'utf8');
    } catch {
      return '';
    }
  };
  return parseListeningTcpPorts(read('tcp'), read('tcp6'));
}

/** Which way a socket's traffic is charted. */
export type Direction = 'outbound' | 'inbound';

/**
 * Inbound: a TCP socket accepted here (marked at accept, or, for one accepted
 * before the collector started, whose local port is listening now), or a UDP
 * socket without a remote end (a server socket: its datagrams come from
 * anywhere). Everything else is outbound, to its remote end.
 */
export function connectionDirection(entry: ConnectionEntry, tcpListening: (port: number) => boolean): Direction {
  if (entry.protocol === 'UDP') return entry.remotePort === 0 ? 'inbound' : 'outbound';
  return entry.accepted || tcpListening(entry.localPort) ? 'inbound' : 'outbound';
}

/** Chart ids, titles, units and priorities of the network viewer (netdata-reference §1.9). */
export const CONNECTION_CHARTS = {
  outboundBytes: { id: 'outbound_bytes', title: 'Outbound connections (bytes).', units: 'bytes/s', priority: 21080 },
  outboundPackets: { id: 'outbound_packets', title: 'Outbound connections (packets)', units: 'packets', priority: 21082 },
  outboundRetransmit: { id: 'outbound_retransmit', title: 'Retransmitted packets', units: 'calls/s', priority: 21083 },
  inboundBytes: { id: 'inbound_bytes', title: 'Inbound connections (bytes)', units: 'bytes/s', priority: 21084 },
  inboundPackets: { id: 'inbound_packets', title: 'Inbound connections (packets)', units: 'packets', priority: 21085 },
} as const;

/** Chart type and family of the network viewer charts. */
export const CONNECTION_CHART_TYPE = 'ebpf';
export const CONNECTION_FAMILY = 'network connections';

/** The dimension that collects destinations beyond the cap. */
export const OTHER_DESTINATION = 'other';

/** Options of {@link ConnectionCharts}. */
export interface ConnectionChartsOptions {
  readonly updateEvery: number;
  readonly config: NetworkConnectionsConfig;
  /** A port's name from the services file (`resolve service names`). */
  readonly serviceOfPort?: (port: number, protocol: 'TCP' | 'UDP') => string | undefined;
}

/** One destination's cumulative totals (monotonic: they only ever grow). */
interface Totals {
  sentBytes: bigint;
  receivedBytes: bigint;
  sentPackets: bigint;
  receivedPackets: bigint;
  retransmits: bigint;
}

const TOTAL_FIELDS: ReadonlyArray<keyof Totals> = ['sentBytes', 'receivedBytes', 'sentPackets', 'receivedPackets', 'retransmits'];

const zeroTotals = (): Totals => ({ sentBytes: 0n, receivedBytes: 0n, sentPackets: 0n, receivedPackets: 0n, retransmits: 0n });

/** What one socket contributed so far, and where it goes. */
interface Tracked {
  /** Its destination's totals (its own, or `other`'s), or undefined when the filters reject the socket. */
  readonly bucket: Totals | undefined;
  last: Totals;
}

/** Destinations of one direction: labels in charting order, capped, plus `other`. */
class DestinationSet {
  readonly totals = new Map<string, Totals>();
  #named = 0;
  constructor(readonly cap: number) {}

  /**
   * The bucket a label is added to: itself while there is room or once
   * admitted, else `other`. Asked once per socket (its tracker keeps it).
   */
  bucket(label: string): Totals {
    let totals = this.totals.get(label);
    if (totals !== undefined) return totals;
    const key = this.#named < this.cap ? label : OTHER_DESTINATION;
    totals = this.totals.get(key);
    if (totals === undefined) {
      totals = zeroTotals();
      this.totals.set(key, totals);
      if (key !== OTHER_DESTINATION) this.#named++;
    }
    return totals;
  }
}

/**
 * Turns successive reads of the per-socket tables into the network viewer
 * charts. Per socket it remembers what it last read, so a socket the kernel
 * evicted (LRU) or that closed leaves its bytes counted, and a recreated one
 * starts over; per destination it keeps monotonic totals for `incremental`
 * dimensions that are only ever added.
 */
export class ConnectionCharts {
  readonly #options: ConnectionChartsOptions;
  readonly #sockets = new Map<string, Tracked>();
  readonly #outbound: DestinationSet;
  readonly #inbound: DestinationSet;

  constructor(options: ConnectionChartsOptions) {
    this.#options = options;
    this.#outbound = new DestinationSet(options.config.maxSockets);
    this.#inbound = new DestinationSet(options.config.maxSockets);
  }

  /** A port's label: `[service name]`, the services file when asked, else the number. */
  #service(port: number, protocol: 'TCP' | 'UDP'): string {
    const lookup = this.#options.serviceOfPort;
    return serviceLabel(this.#options.config, port, lookup ? (p) => lookup(p, protocol) : undefined);
  }

  /**
   * Label of a socket's destination, or undefined when the filters reject it.
   * Outbound: the remote port and address must pass; inbound: the local
   * (service) port, and the remote address when there is one.
   */
  #destination(entry: ConnectionEntry, direction: Direction, hostname: string | undefined): string | undefined {
    const config = this.#options.config;
    if (direction === 'outbound') {
      const allowed = destinationAllowed(config, {
        address: entry.remoteAddress,
        port: entry.remotePort,
        ...(hostname !== undefined ? { hostname } : {}),
      });
      if (!allowed) return undefined;
      const host = hostname ?? (entry.family === 6 ? `[${entry.remoteAddress}]` : entry.remoteAddress);
      return `${this.#service(entry.remotePort, entry.protocol)}:${entry.protocol}:${host}`;
    }
    const allowed =
      entry.remotePort === 0
        ? destinationAllowed({ ...config, ips: { include: [], exclude: [] } }, { address: entry.localAddress, port: entry.localPort })
        : destinationAllowed(config, {
            address: entry.remoteAddress,
            port: entry.localPort,
            ...(hostname !== undefined ? { hostname } : {}),
          });
    if (!allowed) return undefined;
    return `${this.#service(entry.localPort, entry.protocol)}:${entry.protocol}`;
  }

  /**
   * Add one read of both tables.
   *
   * @param entries every socket read now
   * @param tcpListening whether a local TCP port is listening now (for sockets accepted before the collector started)
   * @param hostOf the resolved name of a remote address (`resolve hostnames`); `null` while the lookup is pending,
   *   which holds the socket back until it settles; undefined to label with the address
   */
  update(
    entries: ReadonlyArray<ConnectionEntry>,
    tcpListening: (port: number) => boolean,
    hostOf?: (address: string) => string | null | undefined,
  ): void {
    const seen = new Set<string>();
    for (const entry of entries) {
      let tracked = this.#sockets.get(entry.key);
      if (tracked === undefined) {
        const hostname = hostOf?.(entry.remoteAddress);
        if (hostname === null) continue;
        const direction = connectionDirection(entry, tcpListening);
        const destination = this.#destination(entry, direction, hostname);
        const set = direction === 'outbound' ? this.#outbound : this.#inbound;
        tracked = { bucket: destination === undefined ? undefined : set.bucket(destination), last: zeroTotals() };
        this.#sockets.set(entry.key, tracked);
      }
      seen.add(entry.key);
      const now: Totals = {
        sentBytes: entry.sentBytes,
        receivedBytes: entry.receivedBytes,
        sentPackets: entry.sentPackets,
        receivedPackets: entry.receivedPackets,
        retransmits: entry.retransmits,
      };
      const last = tracked.last;
      tracked.last = now;
      const bucket = tracked.bucket;
      if (bucket === undefined) continue;
      for (const field of TOTAL_FIELDS) {
        // Lower than last time: the kernel dropped the entry and the socket started over.
        bucket[field] += now[field] >= last[field] ? now[field] - last[field] : now[field];
      }
    }
    for (const key of this.#sockets.keys()) if (!seen.has(key)) this.#sockets.delete(key);
  }

  /** Sockets remembered from the last read (for tests and logs). */
  get trackedSockets(): number {
    return this.#sockets.size;
  }

  #chart(spec: (typeof CONNECTION_CHARTS)[keyof typeof CONNECTION_CHARTS], dimensions: ChartDefinition['dimensions']): ChartDefinition {
    return {
      type: CONNECTION_CHART_TYPE,
      id: spec.id,
      title: spec.title,
      units: spec.units,
      family: CONNECTION_FAMILY,
      context: '',
      chartType: 'stacked',
      priority: spec.priority,
      updateEvery: this.#options.updateEvery,
      module: MODULE,
      dimensions,
    };
  }

  /** The charts with their values now; a chart appears once it has a destination. */
  values(): ChartValues[] {
    const out: ChartValues[] = [];
    const pair = (
      spec: (typeof CONNECTION_CHARTS)[keyof typeof CONNECTION_CHARTS],
      set: DestinationSet,
      sent: keyof Totals,
      received: keyof Totals,
    ) => {
      if (set.totals.size === 0) return;
      const dimensions: ChartDefinition['dimensions'] = [];
      const values = new Map<string, bigint>();
      for (const [label, totals] of set.totals) {
        dimensions.push({ id: `${label}_sent`, algorithm: 'incremental', multiplier: -1 });
        dimensions.push({ id: `${label}_recv`, algorithm: 'incremental' });
        values.set(`${label}_sent`, totals[sent]);
        values.set(`${label}_recv`, totals[received]);
      }
      out.push({ chart: this.#chart(spec, dimensions), values });
    };
    pair(CONNECTION_CHARTS.outboundBytes, this.#outbound, 'sentBytes', 'receivedBytes');
    pair(CONNECTION_CHARTS.outboundPackets, this.#outbound, 'sentPackets', 'receivedPackets');
    if (this.#outbound.totals.size > 0) {
      const labels = [...this.#outbound.totals.keys()];
      out.push({
        chart: this.#chart(
          CONNECTION_CHARTS.outboundRetransmit,
          labels.map((label) => ({ id: label, algorithm: 'incremental' })),
        ),
        values: new Map(labels.map((label) => [label, this.#outbound.totals.get(label)!.retransmits])),
      });
    }
    pair(CONNECTION_CHARTS.inboundBytes, this.#inbound, 'sentBytes', 'receivedBytes');
    pair(CONNECTION_CHARTS.inboundPackets, this.#inbound, 'sentPackets', 'receivedPackets');
    return out;
  }
}
