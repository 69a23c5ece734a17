/**
 * network.conf beyond `[global]`'s common keys: the socket thread's table
 * sizes, `[network connections]` (which destinations the per-connection
 * charts may show) and `[service name]` (labels for ports), parsed into typed
 * filters with the rules of Netdata 1.37.1 (netdata-reference §2.8).
 *
 * Bad entries never stop parsing: each becomes a {@link ConfigError} naming
 * the file and line, and is skipped, as Netdata skips them (Netdata only logs
 * them, and reads some malformed numbers as 0; here they are rejected).
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import type { ConfigEntry, ConfigSection } from '@ebpf-collectors/core';
import { ConfigError, parseBoolean, BOOLEAN_ACCEPTED } from '@ebpf-collectors/core';

/** Section names of network.conf. */
export const SECTION = {
  global: 'global',
  connections: 'network connections',
  serviceName: 'service name',
} as const;

/** `[network connections]` keys. */
export const CONNECTIONS_KEY = {
  maximumDimensions: 'maximum dimensions',
  resolveHostnames: 'resolve hostnames',
  resolveServiceNames: 'resolve service names',
  ports: 'ports',
  ips: 'ips',
  hostnames: 'hostnames',
  enabled: 'enabled',
} as const;

/** `maximum dimensions` when absent or invalid (Netdata's code value; its README says 500). */
export const DEFAULT_MAXIMUM_DIMENSIONS = 50;

/** `ips` when the key is absent (Netdata 1.37.1's code default: private networks, not loopback). */
export const DEFAULT_IPS = '!127.0.0.1/8 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 !::1/128';

/** Netdata's agent port, named `Netdata` unless `[service name]` names port 19999. */
export const NETDATA_PORT = 19999;

/** network.conf `[global]` table-size keys and their defaults (stock values). */
export const TABLE_SIZE_KEYS = {
  bandwidth: { key: 'bandwidth table size', default: 16384 },
  ipv4Connections: { key: 'ipv4 connection table size', default: 16384 },
  ipv6Connections: { key: 'ipv6 connection table size', default: 16384 },
  udpConnections: { key: 'udp connection table size', default: 4096 },
  socketMonitoring: { key: 'socket monitoring table size', default: 16384 },
} as const;

/**
 * Largest table size accepted (64 times the stock 16384). The connection
 * tables are LRU hashes, which the kernel allocates whole when the program
 * loads: about 140 bytes per entry, so some 140 MiB of locked kernel memory per
 * table at this size. Larger values (up to the 2^32-1 a map allows) fail
 * in the kernel with ENOMEM or E2BIG far from the line that asked for them.
 */
export const MAX_TABLE_SIZE = 1_048_576;

/** The `[global]` table sizes of network.conf. */
export type SocketTableSizes = { readonly [K in keyof typeof TABLE_SIZE_KEYS]: number };

/** An inclusive port range (a single port has `first === last`). */
export interface PortRange {
  readonly first: number;
  readonly last: number;
  /** The entry as written (without `!`). */
  readonly text: string;
}

/** An inclusive address range of one family; addresses as unsigned integers (v4: 32 bits, v6: 128 bits). */
export interface IpRange {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
  readonly text: string;
}

/** Include and exclude lists. Both empty: everything passes. */
export interface Filter<T> {
  readonly include: ReadonlyArray<T>;
  readonly exclude: ReadonlyArray<T>;
}

/** A hostname pattern: `*` matches any run of characters; matching ignores case. */
export interface HostnamePattern {
  readonly text: string;
  readonly regex: RegExp;
}

/** `[network connections]` and `[service name]`, typed. */
export interface NetworkConnectionsConfig {
  /** `maximum dimensions` as configured (after validation). */
  readonly maximumDimensions: number;
  /** Sockets per chart: half the dimensions (sent + received per socket), at least 1. */
  readonly maxSockets: number;
  readonly resolveHostnames: boolean;
  readonly resolveServiceNames: boolean;
  readonly ports: Filter<PortRange>;
  readonly ips: Filter<IpRange>;
  /** Only filled when `resolve hostnames = yes`. */
  readonly hostnames: Filter<HostnamePattern>;
  /** Port -> label from `[service name]` (plus `NETDATA_LISTEN_PORT` -> `Netdata`). */
  readonly serviceNames: ReadonlyMap<number, string>;
}

/** Everything network.conf says beyond the common `[global]` keys. */
export interface NetworkConfig {
  readonly tables: SocketTableSizes;
  readonly connections: NetworkConnectionsConfig;
}

/** What {@link parseNetworkConfig} produced. */
export interface ParsedNetworkConfig {
  readonly config: NetworkConfig;
  /** Entries that were rejected and skipped, each with file and line. */
  readonly errors: ReadonlyArray<ConfigError>;
  /** Accepted entries that were changed or dropped (CIDR normalised, duplicate range): Netdata logs these as info. */
  readonly notes: ReadonlyArray<string>;
}

/** Options of {@link parseNetworkConfig}. */
export interface ParseNetworkConfigOptions {
  /** Port of a service name (`getservbyname`, tcp then udp). Default: read `/etc/services`. */
  readonly lookupService?: (name: string) => number | undefined;
  /** `NETDATA_LISTEN_PORT` as the agent passes it; named `Netdata` when `[service name]` does not name 19999. */
  readonly listenPort?: string | undefined;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Where an entry is, for messages. */
interface Where {
  readonly file: string;
  readonly line: number;
  readonly section: string;
  readonly key: string;
}

class Collector {
  readonly errors: ConfigError[] = [];
  readonly notes: string[] = [];

  reject(where: Where, value: string, accepted: string, why: string): void {
    this.errors.push(
      new ConfigError({
        file: where.file,
        line: where.line,
        section: where.section,
        key: where.key,
        value,
        accepted,
        message: `${where.file}:${where.line}: [${where.section}] "${where.key}" entry ${JSON.stringify(value)} is not valid: ${why}; the entry is ignored (accepted: ${accepted}).`,
      }),
    );
  }

  note(where: Where, text: string): void {
    this.notes.push(`${where.file}:${where.line}: [${where.section}] "${where.key}": ${text}`);
  }
}

function whereOf(section: ConfigSection, entry: ConfigEntry): Where {
  return { file: entry.file, line: entry.line, section: section.name, key: entry.key };
}

/** Space-separated words of a list value. */
function words(value: string): string[] {
  return value.split(/\s+/).filter((w) => w.length > 0);
}

// ---------------------------------------------------------------- ports

const PORT_ACCEPTED = 'a port 1-65535, a range N-M or N:M, a service name, or *';

function parsePortNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Netdata's list rules: a range inside one already listed is dropped; one that covers a listed range replaces it. */
function addPortRange(list: PortRange[], range: PortRange, where: Where, out: Collector): void {
  for (let i = 0; i < list.length; i++) {
    const old = list[i]!;
    if (old.first <= range.first && range.last <= old.last) {
      out.note(where, `"${range.text}" is inside "${old.text}" already listed; ignored`);
      return;
    }
    if (range.first <= old.first && old.last <= range.last) {
      out.note(where, `"${range.text}" covers "${old.text}" listed before, which it replaces`);
      list[i] = range;
      return;
    }
  }
  list.push(range);
}

function parsePorts(
  value: string,
  where: Where,
  out: Collector,
  lookupService: (name: string) => number | undefined,
): Filter<PortRange> {
  const include: PortRange[] = [];
  const exclude: PortRange[] = [];
  for (const word of words(value)) {
    const negated = word.startsWith('!');
    const text = negated ? word.slice(1) : word;
    const list = negated ? exclude : include;
    if (text === '*') {
      // `*` is every port and forgets what this list held before.
      list.length = 0;
      list.push({ first: 1, last: 65535, text });
      continue;
    }
    if (/^[A-Za-z]/.test(text)) {
      const port = lookupService(text);
      if (port === undefined) out.reject(where, word, PORT_ACCEPTED, `no tcp or udp service named "${text}"`);
      else addPortRange(list, { first: port, last: port, text }, where, out);
      continue;
    }
    const separator = text.search(/[-:]/);
    const firstText = separator < 0 ? text : text.slice(0, separator);
    const lastText = separator < 0 ? undefined : text.slice(separator + 1);
    if (lastText?.startsWith('!')) {
      out.reject(where, word, PORT_ACCEPTED, 'an exclusion cannot be in the second part of a range');
      continue;
    }
    const first = parsePortNumber(firstText);
    const last = lastText === undefined ? first : parsePortNumber(lastText);
    if (first === undefined || last === undefined) {
      out.reject(where, word, PORT_ACCEPTED, 'ports are whole numbers from 1 to 65535');
      continue;
    }
    if (first > last) {
      out.reject(where, word, PORT_ACCEPTED, 'the first port of a range must not be above the last');
      continue;
    }
    addPortRange(list, { first, last, text }, where, out);
  }
  return { include, exclude };
}

// ------------------------------------------------------------------ ips

const IP_ACCEPTED = 'an IPv4 or IPv6 address, a range a-b, a CIDR block a/n (v4: n 0-32, v6: n 0-128), or *';

/** An IPv4 address as a 32-bit unsigned integer. */
export function ipv4ToBigInt(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** An IPv6 address (including `::` and an embedded IPv4 tail) as a 128-bit unsigned integer. */
export function ipv6ToBigInt(text: string): bigint | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let address = text;
  // An IPv4 tail is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    if (n === undefined) return undefined;
    address = `${address.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An address of either family, or undefined. */
export function parseIpAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = ipv4ToBigInt(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = ipv6ToBigInt(text);
  return v6 !== undefined ? { family: 6, value: v6 } : undefined;
}

function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as inet_ntop does.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

/** Netdata's rule: an entry inside one of the same family already listed is dropped. */
function addIpRange(list: IpRange[], range: IpRange, where: Where, out: Collector): void {
  const holder = list.find((r) => r.family === range.family && r.first <= range.first && range.last <= r.last);
  if (holder !== undefined) {
    out.note(where, `"${range.text}" is inside "${holder.text}" already listed; ignored`);
    return;
  }
  list.push(range);
}

function parseIpEntry(text: string, word: string, where: Where, out: Collector): IpRange | undefined {
  const v6 = text.includes(':');
  const separator = text.search(/[/-]/);
  if (separator < 0) {
    const address = v6 ? ipv6ToBigInt(text) : ipv4ToBigInt(text);
    if (address === undefined) {
      out.reject(where, word, IP_ACCEPTED, `"${text}" is not an IPv${v6 ? 6 : 4} address`);
      return undefined;
    }
    return { family: v6 ? 6 : 4, first: address, last: address, text };
  }
  const family: 4 | 6 = v6 ? 6 : 4;
  const bits = v6 ? 128n : 32n;
  const parse = v6 ? ipv6ToBigInt : ipv4ToBigInt;
  const left = text.slice(0, separator);
  const right = text.slice(separator + 1);
  if (right.startsWith('!')) {
    out.reject(where, word, IP_ACCEPTED, 'an exclusion cannot be in the second part of a range');
    return undefined;
  }
  const base = parse(left);
  if (base === undefined) {
    out.reject(where, word, IP_ACCEPTED, `"${left}" is not an IPv${family} address`);
    return undefined;
  }
  if (text[separator] === '/') {
    if (!/^\d+$/.test(right) || BigInt(right) > bits) {
      out.reject(where, word, IP_ACCEPTED, `the prefix length must be 0-${bits}`);
      return undefined;
    }
    const hostBits = bits - BigInt(right);
    const all = family === 4 ? V4_MAX : V6_MAX;
    const hostMask = (1n << hostBits) - 1n;
    const network = base & (all ^ hostMask);
    if (network !== base) {
      out.note(where, `the network of "${text}" is ${formatIp(family, network)}/${right}; using that`);
    }
    return { family, first: network, last: network | hostMask, text };
  }
  const last = parse(right);
  if (last === undefined) {
    out.reject(where, word, IP_ACCEPTED, `"${right}" is not an IPv${family} address`);
    return undefined;
  }
  if (base > last) {
    out.reject(where, word, IP_ACCEPTED, 'the first address of a range must not be above the last');
    return undefined;
  }
  return { family, first: base, last, text };
}

function parseIps(value: string, where: Where, out: Collector): Filter<IpRange> {
  const include: IpRange[] = [];
  const exclude: IpRange[] = [];
  for (const word of words(value)) {
    const negated = word.startsWith('!');
    const text = negated ? word.slice(1) : word;
    const list = negated ? exclude : include;
    if (text === '*') {
      // Every address of both families, forgetting what this list held before.
      list.length = 0;
      list.push({ family: 4, first: 0n, last: V4_MAX, text }, { family: 6, first: 0n, last: V6_MAX, text });
      continue;
    }
    const range = parseIpEntry(text, word, where, out);
    if (range !== undefined) addIpRange(list, range, where, out);
  }
  return { include, exclude };
}

// ------------------------------------------------------------ hostnames

function hostnamePattern(text: string): HostnamePattern {
  const source = text
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return { text, regex: new RegExp(`^${source}$`, 'i') };
}

function parseHostnames(value: string, where: Where, out: Collector): Filter<HostnamePattern> {
  const include: HostnamePattern[] = [];
  const exclude: HostnamePattern[] = [];
  for (const word of words(value)) {
    const negated = word.startsWith('!');
    const text = negated ? word.slice(1) : word;
    if (text === '') {
      out.reject(where, word, 'host name patterns with * wildcards, ! to exclude', 'empty pattern');
      continue;
    }
    const list = negated ? exclude : include;
    if (list.some((p) => p.text === text)) {
      out.note(where, `"${text}" is listed twice; ignored`);
      continue;
    }
    list.push(hostnamePattern(text));
  }
  return { include, exclude };
}

// -------------------------------------------------------------- numbers

function parseCount(
  section: ConfigSection | undefined,
  key: string,
  fallback: number,
  out: Collector,
  minimum: number,
  maximum: number,
): number {
  const entry = section?.entries.get(key);
  if (entry === undefined) return fallback;
  const text = entry.value.trim();
  if (/^-?\d+$/.test(text) && Number(text) >= minimum && Number(text) <= maximum) return Number(text);
  out.errors.push(
    new ConfigError({
      file: entry.file,
      line: entry.line,
      section: section!.name,
      key,
      value: entry.value,
      accepted: `a whole number from ${minimum} to ${maximum}`,
      fallback: String(fallback),
    }),
  );
  return fallback;
}

function parseFlag(section: ConfigSection | undefined, key: string, out: Collector): boolean {
  const entry = section?.entries.get(key);
  if (entry === undefined) return false;
  const value = parseBoolean(entry.value);
  if (value !== undefined) return value;
  out.errors.push(
    new ConfigError({
      file: entry.file,
      line: entry.line,
      section: section!.name,
      key,
      value: entry.value,
      accepted: BOOLEAN_ACCEPTED,
      fallback: 'no',
    }),
  );
  return false;
}

// ------------------------------------------------------------- services

/**
 * A `getservbyname` over a services(5) file: the first port listed for a
 * name or alias, tcp before udp.
 */
export function servicesFileLookup(text: string): (name: string) => number | undefined {
  const tcp = new Map<string, number>();
  const udp = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const match = /^(\d+)\/(tcp|udp)$/.exec(portProto ?? '');
    if (!name || !match) continue;
    const table = match[2] === 'tcp' ? tcp : udp;
    for (const n of [name, ...aliases]) if (!table.has(n)) table.set(n, Number(match[1]));
  }
  return (name) => tcp.get(name) ?? udp.get(name);
}

/** {@link servicesFileLookup} of `/etc/services`, or a lookup that knows nothing when it cannot be read. */
export function systemServicesLookup(path = '/etc/services'): (name: string) => number | undefined {
  try {
    return servicesFileLookup(readFileSync(path, 'utf8'));
  } catch {
    return () => undefined;
  }
}

/**
 * A `getservbyport` over a services(5) file: the first name listed for a
 * port and protocol.
 */
export function servicesFilePortNames(text: string): (port: number, protocol: 'TCP' | 'UDP') => string | undefined {
  const names = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const [name, portProto] = line.split(/\s+/);
    const match = /^(\d+)\/(tcp|udp)$/.exec(portProto ?? '');
    if (!name || !match) continue;
    const key = `${match[2]!.toUpperCase()}:${match[1]}`;
    if (!names.has(key)) names.set(key, name);
  }
  return (port, protocol) => names.get(`${protocol}:${port}`);
}

/** {@link servicesFilePortNames} of `/etc/services`, or a lookup that knows nothing when it cannot be read. */
export function systemServicePortNames(path = '/etc/services'): (port: number, protocol: 'TCP' | 'UDP') => string | undefined {
  try {
    return servicesFilePortNames(readFileSync(path, 'utf8'));
  } catch {
    return () => undefined;
  }
}

function parseServiceNames(section: ConfigSection | undefined, listenPort: string | undefined, out: Collector): Map<number, string> {
  const names = new Map<number, string>();
  for (const entry of section?.entries.values() ?? []) {
    const port = parsePortNumber(entry.key.trim());
    if (port === undefined) {
      out.errors.push(
        new ConfigError({
          file: entry.file,
          line: entry.line,
          section: section!.name,
          key: entry.key,
          value: entry.value,
          accepted: 'lines "<port 1-65535> = <name>"',
          message: `${entry.file}:${entry.line}: [${section!.name}] "${entry.key}" is not a port (1-65535); the line is ignored.`,
        }),
      );
      continue;
    }
    names.set(port, entry.value.trim());
  }
  if (!names.has(NETDATA_PORT) && listenPort !== undefined) {
    const port = parsePortNumber(listenPort.trim());
    if (port !== undefined) names.set(port, 'Netdata');
  }
  return names;
}

// ---------------------------------------------------------------- entry

/**
 * Parse network.conf's socket-specific parts from the sections of a
 * {@link CollectorConfig} (`config.sections`).
 *
 * - `[global]` table sizes: whole numbers from 1 to {@link MAX_TABLE_SIZE},
 *   stock values by default.
 * - `[network connections]`: `maximum dimensions` (default 50, negative
 *   rejected; halved into sockets, at least 1), `resolve hostnames`,
 *   `resolve service names` (default no), `ports` (absent: no port filter),
 *   `ips` (absent: Netdata's default list), `hostnames` (read only when
 *   `resolve hostnames = yes`).
 * - `[service name]`: `<port> = <label>`.
 */
export function parseNetworkConfig(
  sections: ReadonlyMap<string, ConfigSection>,
  options: ParseNetworkConfigOptions = {},
): ParsedNetworkConfig {
  const out = new Collector();
  const global = sections.get(SECTION.global);
  const tables = Object.fromEntries(
    Object.entries(TABLE_SIZE_KEYS).map(([name, spec]) => [name, parseCount(global, spec.key, spec.default, out, 1, MAX_TABLE_SIZE)]),
  ) as unknown as SocketTableSizes;

  const nc = sections.get(SECTION.connections);
  let maximumDimensions = DEFAULT_MAXIMUM_DIMENSIONS;
  const maxEntry = nc?.entries.get(CONNECTIONS_KEY.maximumDimensions);
  if (maxEntry !== undefined) {
    const text = maxEntry.value.trim();
    if (/^-?\d+$/.test(text) && Number(text) >= 0) maximumDimensions = Number(text);
    else {
      out.errors.push(
        new ConfigError({
          file: maxEntry.file,
          line: maxEntry.line,
          section: nc!.name,
          key: maxEntry.key,
          value: maxEntry.value,
          accepted: 'a whole number >= 0',
          fallback: String(DEFAULT_MAXIMUM_DIMENSIONS),
        }),
      );
    }
  }
  const resolveHostnames = parseFlag(nc, CONNECTIONS_KEY.resolveHostnames, out);
  const resolveServiceNames = parseFlag(nc, CONNECTIONS_KEY.resolveServiceNames, out);

  const portsEntry = nc?.entries.get(CONNECTIONS_KEY.ports);
  const ports = portsEntry
    ? parsePorts(portsEntry.value, whereOf(nc!, portsEntry), out, options.lookupService ?? systemServicesLookup())
    : { include: [], exclude: [] };

  const ipsEntry = nc?.entries.get(CONNECTIONS_KEY.ips);
  const ips = ipsEntry
    ? parseIps(ipsEntry.value, whereOf(nc!, ipsEntry), out)
    : parseIps(DEFAULT_IPS, { file: '(default)', line: 0, section: SECTION.connections, key: CONNECTIONS_KEY.ips }, out);

  const hostsEntry = nc?.entries.get(CONNECTIONS_KEY.hostnames);
  let hostnames: Filter<HostnamePattern> = { include: [], exclude: [] };
  if (hostsEntry !== undefined) {
    if (resolveHostnames) hostnames = parseHostnames(hostsEntry.value, whereOf(nc!, hostsEntry), out);
    else out.note(whereOf(nc!, hostsEntry), 'not read because "resolve hostnames" is off');
  }

  return {
    config: {
      tables,
      connections: {
        maximumDimensions,
        maxSockets: Math.max(1, Math.floor(maximumDimensions / 2)),
        resolveHostnames,
        resolveServiceNames,
        ports,
        ips,
        hostnames,
        serviceNames: parseServiceNames(sections.get(SECTION.serviceName), options.listenPort, out),
      },
    },
    errors: out.errors,
    notes: out.notes,
  };
}

// ------------------------------------------------------------- matching

/** Netdata's filter rule: no lists -> pass; an exclude match -> fail; an include match -> pass; otherwise fail. */
function passes<T>(filter: Filter<T>, matches: (item: T) => boolean): boolean {
  if (filter.include.length === 0 && filter.exclude.length === 0) return true;
  if (filter.exclude.some(matches)) return false;
  return filter.include.some(matches);
}

/** Whether a destination port passes `ports`. */
export function portAllowed(filter: Filter<PortRange>, port: number): boolean {
  return passes(filter, (r) => r.first <= port && port <= r.last);
}

/** Whether a destination address (text, or family + integer) passes `ips`; an unparsable address does not. */
export function ipAllowed(filter: Filter<IpRange>, address: string | { family: 4 | 6; value: bigint }): boolean {
  const parsed = typeof address === 'string' ? parseIpAddress(address) : address;
  if (parsed === undefined) return false;
  return passes(filter, (r) => r.family === parsed.family && r.first <= parsed.value && parsed.value <= r.last);
}

/** Whether a resolved host name passes `hostnames`. */
export function hostnameAllowed(filter: Filter<HostnamePattern>, name: string): boolean {
  return passes(filter, (p) => p.regex.test(name));
}

/**
 * Whether a socket's remote end may be charted: its port and its address
 * must both pass; with `resolve hostnames`, a resolved name must pass too.
 */
export function destinationAllowed(
  config: NetworkConnectionsConfig,
  destination: { address: string; port: number; hostname?: string },
): boolean {
  if (!portAllowed(config.ports, destination.port) || !ipAllowed(config.ips, destination.address)) return false;
  if (config.resolveHostnames && destination.hostname !== undefined) return hostnameAllowed(config.hostnames, destination.hostname);
  return true;
}

/** The label of a port: `[service name]`, then the services file when `resolve service names`, else the number. */
export function serviceLabel(
  config: Pick<NetworkConnectionsConfig, 'serviceNames' | 'resolveServiceNames'>,
  port: number,
  serviceOfPort?: (port: number) => string | undefined,
): string {
  return config.serviceNames.get(port) ?? (config.resolveServiceNames ? serviceOfPort?.(port) : undefined) ?? String(port);
}
