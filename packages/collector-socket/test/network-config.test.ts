/**
 * network.conf's socket sections: every rule of netdata-reference §2.8, with
 * file:line errors for what is rejected.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ebpf-collectors/core';
import {
  DEFAULT_IPS,
  MAX_TABLE_SIZE,
  destinationAllowed,
  hostnameAllowed,
  ipAllowed,
  parseIpAddress,
  parseNetworkConfig,
  portAllowed,
  serviceLabel,
  servicesFileLookup,
} from '../src/index.js';
import { sectionsOf } from './context.js';

const FILE = '/etc/netdata/ebpf.d/network.conf';
const services = servicesFileLookup('ssh 22/tcp\nhttp 80/tcp www\nsyslog 514/udp\ndomain 53/udp\ndomain 53/tcp\n');

function parse(text: string, listenPort?: string) {
  return parseNetworkConfig(sectionsOf(text, FILE), { lookupService: services, ...(listenPort !== undefined ? { listenPort } : {}) });
}

/** `[network connections]` with one key. */
function nc(key: string, value: string) {
  return parse(`[network connections]\n${key} = ${value}\n`);
}

describe('defaults', () => {
  const { config, errors } = parseNetworkConfig(new Map(), { lookupService: services });

  it('an empty file gives Netdata 1.37.1 code defaults', () => {
    expect(errors).toEqual([]);
    expect(config.tables).toEqual({ bandwidth: 16384, ipv4Connections: 16384, ipv6Connections: 16384, udpConnections: 4096, socketMonitoring: 16384 });
    const c = config.connections;
    expect([c.maximumDimensions, c.maxSockets, c.resolveHostnames, c.resolveServiceNames]).toEqual([50, 25, false, false]);
    expect(c.ports).toEqual({ include: [], exclude: [] });
    expect(c.hostnames).toEqual({ include: [], exclude: [] });
    expect(c.serviceNames.size).toBe(0);
  });

  it(`absent "ips" is ${DEFAULT_IPS}`, () => {
    const ips = config.connections.ips;
    expect(ips.include.map((r) => r.text)).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']);
    expect(ips.exclude.map((r) => r.text)).toEqual(['127.0.0.1/8', '::1/128']);
    expect(ipAllowed(ips, '10.1.2.3')).toBe(true);
    expect(ipAllowed(ips, '172.31.255.255')).toBe(true);
    expect(ipAllowed(ips, '172.32.0.0')).toBe(false);
    expect(ipAllowed(ips, '127.0.0.1')).toBe(false);
    expect(ipAllowed(ips, '8.8.8.8')).toBe(false);
    expect(ipAllowed(ips, 'fd12::1')).toBe(true);
    expect(ipAllowed(ips, '::1')).toBe(false);
    expect(ipAllowed(ips, '2001:db8::1')).toBe(false);
  });

  it('absent "ports" filters nothing', () => {
    expect(portAllowed(config.connections.ports, 1)).toBe(true);
    expect(portAllowed(config.connections.ports, 65535)).toBe(true);
  });
});

describe('[global] table sizes', () => {
  it('reads the four sizes and the v1.43 key', () => {
    const { config, errors } = parse(
      '[global]\nbandwidth table size = 100\nipv4 connection table size = 200\nipv6 connection table size = 300\nudp connection table size = 400\nsocket monitoring table size = 500\n',
    );
    expect(errors).toEqual([]);
    expect(config.tables).toEqual({ bandwidth: 100, ipv4Connections: 200, ipv6Connections: 300, udpConnections: 400, socketMonitoring: 500 });
  });

  it('rejects a size that is not a whole number >= 1 with file:line and keeps the default', () => {
    const { config, errors } = parse('[global]\n\nbandwidth table size = lots\nudp connection table size = 0\n');
    expect(config.tables.bandwidth).toBe(16384);
    expect(config.tables.udpConnections).toBe(4096);
    expect(errors.map((e) => [e.file, e.line, e.key])).toEqual([
      [FILE, 3, 'bandwidth table size'],
      [FILE, 4, 'udp connection table size'],
    ]);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect(errors[0]!.message).toContain(`${FILE}:3`);
  });
});

describe('[global] table sizes out of range', () => {
  it.each(['4294967295', '4294967296', '1048577', '99999999999999999999', '-1', '0', '1e6', '0x4000', '16384.5'])(
    '%s: an error naming file:line and the range, the stock size kept',
    (value) => {
      const { config, errors } = parse(`[global]\nipv4 connection table size = ${value}\nipv6 connection table size = 1048576\n`);
      expect(config.tables.ipv4Connections).toBe(16384);
      expect(config.tables.ipv6Connections).toBe(1048576);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toContain(`${FILE}:2`);
      expect(errors[0]!.message).toContain(`from 1 to ${MAX_TABLE_SIZE}`);
    },
  );
});

describe('maximum dimensions', () => {
  it.each([
    ['10', 10, 5],
    ['51', 51, 25],
    ['1', 1, 1],
    ['0', 0, 1],
  ])('%s -> %i dimensions, %i sockets', (text, dims, sockets) => {
    const { config, errors } = nc('maximum dimensions', text);
    expect(errors).toEqual([]);
    expect([config.connections.maximumDimensions, config.connections.maxSockets]).toEqual([dims, sockets]);
  });

  it.each(['-3', 'many', '2.5'])('%s is rejected and 50 is used', (text) => {
    const { config, errors } = nc('maximum dimensions', text);
    expect([config.connections.maximumDimensions, config.connections.maxSockets]).toEqual([50, 25]);
    expect(errors.map((e) => [e.line, e.key, e.fallback])).toEqual([[2, 'maximum dimensions', '50']]);
  });
});

describe('booleans', () => {
  it('resolve hostnames / resolve service names read Netdata booleans', () => {
    const { config } = parse('[network connections]\nresolve hostnames = yes\nresolve service names = on\n');
    expect([config.connections.resolveHostnames, config.connections.resolveServiceNames]).toEqual([true, true]);
  });

  it('a word that is not a boolean is an error and means no', () => {
    const { config, errors } = nc('resolve service names', 'maybe');
    expect(config.connections.resolveServiceNames).toBe(false);
    expect(errors.map((e) => [e.line, e.key])).toEqual([[2, 'resolve service names']]);
  });
});

describe('ports', () => {
  it('single ports, N-M and N:M ranges, service names, ! exclusions', () => {
    const { config, errors } = nc('ports', '80 1000-2000 3000:3010 ssh !1500 !domain');
    expect(errors).toEqual([]);
    const { include, exclude } = config.connections.ports;
    expect(include.map((r) => [r.first, r.last])).toEqual([
      [80, 80],
      [1000, 2000],
      [3000, 3010],
      [22, 22],
    ]);
    expect(exclude.map((r) => [r.first, r.last, r.text])).toEqual([
      [1500, 1500, '1500'],
      [53, 53, 'domain'],
    ]);
  });

  it('matching: no lists pass all; an exclusion wins; otherwise only included ports pass', () => {
    const { ports } = nc('ports', '1000-2000 !1500').config.connections;
    expect(portAllowed(ports, 1000)).toBe(true);
    expect(portAllowed(ports, 2000)).toBe(true);
    expect(portAllowed(ports, 1500)).toBe(false);
    expect(portAllowed(ports, 999)).toBe(false);
    const onlyExcluded = nc('ports', '!22').config.connections.ports;
    // Netdata's rule: with any list, a port must be included to pass.
    expect(portAllowed(onlyExcluded, 80)).toBe(false);
    expect(portAllowed(onlyExcluded, 22)).toBe(false);
  });

  it('* is every port and forgets what its list held before', () => {
    const { include, exclude } = nc('ports', '80 443 * !22').config.connections.ports;
    expect(include.map((r) => [r.first, r.last])).toEqual([[1, 65535]]);
    expect(exclude.map((r) => r.first)).toEqual([22]);
    expect(portAllowed({ include, exclude }, 8080)).toBe(true);
    expect(portAllowed({ include, exclude }, 22)).toBe(false);
  });

  it('a range inside one listed is dropped; a range covering one listed replaces it (notes)', () => {
    const inside = nc('ports', '1000-2000 1500');
    expect(inside.config.connections.ports.include.map((r) => r.text)).toEqual(['1000-2000']);
    expect(inside.notes.join('\n')).toMatch(/"1500" is inside "1000-2000"/);
    const covers = nc('ports', '1500 80 1000-2000');
    expect(covers.config.connections.ports.include.map((r) => r.text)).toEqual(['1000-2000', '80']);
    expect(covers.notes.join('\n')).toMatch(/covers "1500"/);
  });

  it.each([
    ['0', /1 to 65535/],
    ['70000', /1 to 65535/],
    ['2000-1000', /must not be above/],
    ['80-!90', /second part/],
    ['80abc', /1 to 65535/],
    ['1000-', /1 to 65535/],
    ['nosuchservice', /no tcp or udp service/],
    ['#', /1 to 65535/],
  ])('%s is rejected with file:line and skipped', (token, why) => {
    const { config, errors } = parse(`[network connections]\n# a comment\nports = 443 ${token}\n`);
    expect(config.connections.ports.include.map((r) => r.first)).toEqual([443]);
    expect(errors).toHaveLength(1);
    expect([errors[0]!.file, errors[0]!.line, errors[0]!.section, errors[0]!.key, errors[0]!.value]).toEqual([
      FILE,
      3,
      'network connections',
      'ports',
      token,
    ]);
    expect(errors[0]!.message).toMatch(why);
  });

  it('service names resolve tcp before udp and through aliases', () => {
    expect(services('domain')).toBe(53);
    expect(services('www')).toBe(80);
    expect(services('syslog')).toBe(514);
    expect(services('nope')).toBeUndefined();
  });
});

describe('ips', () => {
  it('single addresses of both families', () => {
    const { ips } = nc('ips', '192.0.2.7 2001:db8::7').config.connections;
    expect(ipAllowed(ips, '192.0.2.7')).toBe(true);
    expect(ipAllowed(ips, '192.0.2.8')).toBe(false);
    expect(ipAllowed(ips, '2001:db8::7')).toBe(true);
    expect(ipAllowed(ips, '2001:db8:0:0:0:0:0:7')).toBe(true);
    expect(ipAllowed(ips, '2001:db8::8')).toBe(false);
  });

  it('a-b ranges (both families), inclusive', () => {
    const { ips } = nc('ips', '10.0.0.1-10.0.0.5 2001:db8::1-2001:db8::ff').config.connections;
    expect(['10.0.0.1', '10.0.0.5', '10.0.0.6'].map((a) => ipAllowed(ips, a))).toEqual([true, true, false]);
    expect(['2001:db8::1', '2001:db8::ff', '2001:db8::100'].map((a) => ipAllowed(ips, a))).toEqual([true, true, false]);
  });

  it('CIDR blocks: host bits are cleared to the network address, with a note', () => {
    const { config, notes, errors } = nc('ips', '10.1.2.3/8 fd00::1:2/64 0.0.0.0/0');
    expect(errors).toEqual([]);
    const [v4, v6] = config.connections.ips.include;
    expect([v4!.first, v4!.last]).toEqual([10n << 24n, (11n << 24n) - 1n]);
    expect(v6!.first).toBe(0xfd00n << 112n);
    expect(v6!.last).toBe((0xfd00n << 112n) | ((1n << 64n) - 1n));
    expect(notes.join('\n')).toMatch(/network of "10\.1\.2\.3\/8" is 10\.0\.0\.0\/8/);
    expect(notes.join('\n')).toMatch(/network of "fd00::1:2\/64" is fd00::\/64/);
    // 0.0.0.0/0 is not inside 10.0.0.0/8: kept; all of IPv4.
    expect(ipAllowed(config.connections.ips, '203.0.113.1')).toBe(true);
  });

  it('exclusions win, and families do not mix', () => {
    const { ips } = nc('ips', '10.0.0.0/8 !10.9.0.0/16').config.connections;
    expect(ipAllowed(ips, '10.1.0.1')).toBe(true);
    expect(ipAllowed(ips, '10.9.1.1')).toBe(false);
    expect(ipAllowed(ips, '::ffff:10.1.0.1')).toBe(false);
    expect(ipAllowed(ips, 'not-an-ip')).toBe(false);
  });

  it('* is every address of both families and forgets what its list held', () => {
    const { ips } = nc('ips', '10.0.0.0/8 * !192.168.1.1').config.connections;
    expect(ips.include.map((r) => [r.family, r.text])).toEqual([
      [4, '*'],
      [6, '*'],
    ]);
    expect(ipAllowed(ips, '8.8.8.8')).toBe(true);
    expect(ipAllowed(ips, '2001:db8::1')).toBe(true);
    expect(ipAllowed(ips, '192.168.1.1')).toBe(false);
  });

  it('an entry inside one of the same family already listed is dropped (note)', () => {
    const { config, notes } = nc('ips', '10.0.0.0/8 10.1.0.0/16 ::/0 ::1');
    expect(config.connections.ips.include.map((r) => r.text)).toEqual(['10.0.0.0/8', '::/0']);
    expect(notes).toHaveLength(2);
  });

  it.each([
    ['10.0.0.0/33', /prefix length must be 0-32/],
    ['fd00::/129', /prefix length must be 0-128/],
    ['10.0.0.0/x', /prefix length/],
    ['10.0.0.5-10.0.0.1', /must not be above/],
    ['fd00::5-fd00::1', /must not be above/],
    ['10.0.0.1-!10.0.0.5', /second part/],
    ['300.1.1.1', /not an IPv4 address/],
    ['10.0.0.1-fd00::1', /not an IPv6 address/],
    ['fd00:::1', /not an IPv6 address/],
    ['01.2.3.4', /not an IPv4 address/],
  ])('%s is rejected with file:line and skipped', (token, why) => {
    const { config, errors } = nc('ips', `192.0.2.1 ${token}`);
    expect(config.connections.ips.include.map((r) => r.text)).toEqual(['192.0.2.1']);
    expect(errors.map((e) => [e.line, e.key, e.value])).toEqual([[2, 'ips', token]]);
    expect(errors[0]!.message).toMatch(why);
  });

  it('parses IPv6 forms to 128-bit integers', () => {
    expect(parseIpAddress('::')).toEqual({ family: 6, value: 0n });
    expect(parseIpAddress('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIpAddress('::ffff:1.2.3.4')).toEqual({ family: 6, value: (0xffffn << 32n) | 0x01020304n });
    expect(parseIpAddress('1:2:3:4:5:6:7:8')?.value).toBe(0x0001000200030004000500060007_0008n);
    expect(parseIpAddress('1::8')?.value).toBe((1n << 112n) | 8n);
    expect(parseIpAddress('fe80::1%eth0')).toBeUndefined();
  });
});

describe('hostnames', () => {
  it('are not read unless resolve hostnames = yes (note)', () => {
    const { config, notes } = nc('hostnames', '*.example.com');
    expect(config.connections.hostnames.include).toEqual([]);
    expect(notes.join('\n')).toMatch(/resolve hostnames/);
  });

  it('* wildcards, ! exclusions, duplicates dropped; matching ignores case', () => {
    const { config, notes } = parse('[network connections]\nresolve hostnames = yes\nhostnames = *.example.com !bad.example.com db* *.example.com\n');
    const h = config.connections.hostnames;
    expect(h.include.map((p) => p.text)).toEqual(['*.example.com', 'db*']);
    expect(notes.join('\n')).toMatch(/listed twice/);
    expect(hostnameAllowed(h, 'www.Example.com')).toBe(true);
    expect(hostnameAllowed(h, 'bad.example.com')).toBe(false);
    expect(hostnameAllowed(h, 'db01')).toBe(true);
    expect(hostnameAllowed(h, 'example.org')).toBe(false);
    expect(hostnameAllowed(h, 'wwwXexample.com')).toBe(false);
    expect(hostnameAllowed({ include: [], exclude: [] }, 'anything')).toBe(true);
  });
});

describe('[service name]', () => {
  it('port = name lines label ports; bad ports are errors with file:line', () => {
    const { config, errors } = parse('[service name]\n19999 = Netdata\n8080 = web\nhttp = x\n70000 = y\n');
    expect([...config.connections.serviceNames]).toEqual([
      [19999, 'Netdata'],
      [8080, 'web'],
    ]);
    expect(errors.map((e) => [e.line, e.key])).toEqual([
      [4, 'http'],
      [5, '70000'],
    ]);
  });

  it('NETDATA_LISTEN_PORT is named Netdata unless 19999 is named', () => {
    expect([...parse('[service name]\n8080 = web\n', '12345').config.connections.serviceNames]).toEqual([
      [8080, 'web'],
      [12345, 'Netdata'],
    ]);
    expect(parse('[service name]\n19999 = Agent\n', '12345').config.connections.serviceNames.has(12345)).toBe(false);
    expect(parse('', 'junk').config.connections.serviceNames.size).toBe(0);
  });

  it('labels: [service name], then the services file when resolving, else the number', () => {
    const cfg = parse('[service name]\n8080 = web\n').config.connections;
    const byPort = (p: number) => (p === 22 ? 'ssh' : undefined);
    expect(serviceLabel(cfg, 8080, byPort)).toBe('web');
    expect(serviceLabel(cfg, 22, byPort)).toBe('22');
    expect(serviceLabel({ ...cfg, resolveServiceNames: true }, 22, byPort)).toBe('ssh');
  });
});

describe('destinationAllowed', () => {
  it('port and address must both pass; with resolve hostnames a resolved name must pass too', () => {
    const plain = parse('[network connections]\nports = 443\nips = 10.0.0.0/8\n').config.connections;
    expect(destinationAllowed(plain, { address: '10.0.0.1', port: 443 })).toBe(true);
    expect(destinationAllowed(plain, { address: '10.0.0.1', port: 80 })).toBe(false);
    expect(destinationAllowed(plain, { address: '11.0.0.1', port: 443 })).toBe(false);
    const named = parse('[network connections]\nresolve hostnames = yes\nips = *\nhostnames = *.corp\n').config.connections;
    expect(destinationAllowed(named, { address: '10.0.0.1', port: 1, hostname: 'a.corp' })).toBe(true);
    expect(destinationAllowed(named, { address: '10.0.0.1', port: 1, hostname: 'a.com' })).toBe(false);
  });
});

describe('the stock network.conf', () => {
  it('parses without errors', () => {
    const stock = `[global]
    bandwidth table size = 16384
    ipv4 connection table size = 16384
    ipv6 connection table size = 16384
    udp connection table size = 4096
    ebpf type format = auto
    ebpf co-re tracing = trampoline

[network connections]
    maximum dimensions = 50
    resolve hostnames = no
    resolve service names = no
    ports = *
    ips = !127.0.0.1/8 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 !::1/128
    hostnames = *

[service name]
    19999 = Netdata
`;
    const { config, errors } = parse(stock);
    expect(errors).toEqual([]);
    expect(config.connections.ports.include).toHaveLength(1);
    expect(config.connections.serviceNames.get(19999)).toBe('Netdata');
  });
});
