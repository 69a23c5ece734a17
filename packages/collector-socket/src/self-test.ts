/**
 * The socket collector's self-test: a Node child process makes loopback TCP
 * connections with bytes each way (IPv4, and IPv6 when ::1 works), sends UDP
 * datagrams to a local receiver, connects to a closed port and makes UDP
 * sends the kernel refuses; the charts must show at least that much.
 *
 * `ebpf.plugin --self-test`, the VM matrix and the package's kernel test all
 * run this workload and check these expectations; the kernel test runs the
 * same script in a named process tree and adds stronger assertions of its own.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { CollectPid, SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { chartKey, childProcess, effectiveAppsCgroups } from '@ebpf-collectors/core';
import { CONNECTION_CHARTS, CONNECTION_CHART_TYPE, OTHER_DESTINATION } from './connections.js';
import { SocketWorkloadError } from './errors.js';
import { DIM, GROUP_METRICS, HOST_CHARTS, TYPE_IP } from './metrics.js';
import {
  destinationAllowed,
  portAllowed,
  serviceLabel,
  systemServicePortNames,
  type NetworkConnectionsConfig,
} from './network-config.js';
import type { SocketCollectorInstance } from './types.js';

/** What the network workload does. */
export interface NetWorkload {
  /** TCP connections over IPv4, each exchanging {@link bytesEachWay} in both directions. */
  readonly connections: number;
  /** Bytes each way per connection. */
  readonly bytesEachWay: number;
  /** TCP connections over IPv6 (0: none). */
  readonly v6Connections: number;
  /** UDP datagrams sent to a local receiver. */
  readonly datagrams: number;
  /** Bytes per datagram. */
  readonly datagramSize: number;
  /** Connects to a closed IPv4 port (each refused). */
  readonly refusedConnects: number;
  /** UDP sends larger than 65535 bytes: `udp_sendmsg` fails each with EMSGSIZE. */
  readonly failedUdpSends: number;
}

/** What the workload reports (one JSON line on stdout). */
export interface NetWorkloadResult {
  readonly connections: number;
  readonly v6Connections: number;
  /** TCP payload bytes written, both ends. */
  readonly bytesSent: number;
  /** TCP payload bytes read, both ends. */
  readonly bytesReceived: number;
  readonly datagramsReceived: number;
  readonly refused: number;
  /** UDP sends that failed with EMSGSIZE. */
  readonly failedUdpSends: number;
  /** Ports the workload's servers listened on (0: that server did not run), for the per-connection charts. */
  readonly ports: { readonly tcp4: number; readonly tcp6: number; readonly udp: number };
}

/** The workload at scale 1: what a normal machine does in about a second. */
export const FULL_NET_WORKLOAD: NetWorkload = {
  connections: 50,
  bytesEachWay: 64 * 1024,
  v6Connections: 10,
  datagrams: 50,
  datagramSize: 1200,
  refusedConnects: 5,
  failedUdpSends: 5,
};

/** A datagram too large for UDP (its length field is 16 bits), so `udp_sendmsg` refuses it before anything else. */
const OVERSIZED_DATAGRAM = 70_000;

/**
 * {@link FULL_NET_WORKLOAD} scaled by `scale` (the VM lane passes 0.25):
 * counts shrink, every count the expectations use stays at least 1, sizes do not change.
 *
 * @param v6 whether ::1 works here ({@link ipv6LoopbackWorks}); without it no IPv6 connections
 * @throws RangeError when `scale` is not a positive number
 */
export function scaledNetWorkload(scale: number, v6: boolean): NetWorkload {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`workload scale must be a positive number, got ${scale}`);
  const count = (n: number) => Math.max(1, Math.round(n * scale));
  return {
    ...FULL_NET_WORKLOAD,
    connections: count(FULL_NET_WORKLOAD.connections),
    v6Connections: v6 ? count(FULL_NET_WORKLOAD.v6Connections) : 0,
    datagrams: count(FULL_NET_WORKLOAD.datagrams),
    refusedConnects: count(FULL_NET_WORKLOAD.refusedConnects),
    failedUdpSends: count(FULL_NET_WORKLOAD.failedUdpSends),
  };
}

/** Whether a TCP server can listen on ::1 here (IPv6 may be disabled, or lo have no ::1). */
export async function ipv6LoopbackWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/**
 * Whether the loopback interface is up (`IFF_UP` in /sys/class/net/lo/flags);
 * `undefined` when sysfs does not say (then the workload finds out itself).
 */
export function loopbackUp(sysfs = '/sys/class/net/lo/flags'): boolean | undefined {
  try {
    const flags = Number.parseInt(readFileSync(sysfs, 'utf8').trim(), 16);
    return Number.isNaN(flags) ? undefined : (flags & 0x1) !== 0;
  } catch {
    return undefined;
  }
}

/**
 * The workload as JavaScript: an async function body that is also a valid ES
 * module (only dynamic imports and top-level awaits), so a test's named
 * process tree and the self-test's child process run the same text. It sends
 * and receives everything in the one process, so that process (or its parent,
 * per `collect pid`) gets both directions, and prints a {@link NetWorkloadResult}
 * as its last stdout line.
 */
export function netWorkloadScript(w: NetWorkload): string {
  return `
const net = await import('node:net');
const dgram = await import('node:dgram');
const W = ${JSON.stringify(w)};
const payload = Buffer.alloc(W.bytesEachWay, 0x5a);
let bytesSent = 0, bytesReceived = 0;

function serve(host) {
  const server = net.createServer((s) => {
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      bytesReceived += d.length;
      if (got === W.bytesEachWay) { bytesSent += payload.length; s.end(payload); }
    });
    s.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

function exchange(host, port) {
  return new Promise((resolve, reject) => {
    let got = 0;
    const c = net.connect({ host, port }, () => { bytesSent += payload.length; c.write(payload); });
    c.on('data', (d) => { got += d.length; bytesReceived += d.length; });
    c.on('end', () => c.end());
    c.on('close', () => (got === W.bytesEachWay ? resolve() : reject(new Error('short read ' + got))));
    c.on('error', reject);
  });
}

const ports = { tcp4: 0, tcp6: 0, udp: 0 };
async function run(host, count, family) {
  if (count === 0) return 0;
  const server = await serve(host);
  const { port } = server.address();
  ports[family] = port;
  for (let i = 0; i < count; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => exchange(host, port)));
  }
  await new Promise((r) => server.close(r));
  return count;
}

const connections = await run('127.0.0.1', W.connections, 'tcp4');
const v6Connections = await run('::1', W.v6Connections, 'tcp6');

const receiver = dgram.createSocket('udp4');
await new Promise((r) => receiver.bind(0, '127.0.0.1', r));
ports.udp = receiver.address().port;
let datagramsReceived = 0;
const allIn = new Promise((resolve) => receiver.on('message', () => { if (++datagramsReceived === W.datagrams) resolve(); }));
const sender = dgram.createSocket('udp4');
const datagram = Buffer.alloc(W.datagramSize, 0x33);
for (let i = 0; i < W.datagrams; i++) {
  await new Promise((r, j) => sender.send(datagram, receiver.address().port, '127.0.0.1', (e) => (e ? j(e) : r())));
}
// Loopback delivers at once; the timeout only bounds a lost datagram.
let timer;
await Promise.race([allIn, new Promise((r) => { timer = setTimeout(r, 5000); })]);
clearTimeout(timer);
let failedUdpSends = 0;
const oversized = Buffer.alloc(${OVERSIZED_DATAGRAM});
for (let i = 0; i < W.failedUdpSends; i++) {
  await new Promise((r) => sender.send(oversized, receiver.address().port, '127.0.0.1', (e) => { if (e && e.code === 'EMSGSIZE') failedUdpSends++; r(); }));
}
sender.close(); receiver.close();

let refused = 0;
if (W.refusedConnects > 0) {
  const probe = await serve('127.0.0.1');
  const closedPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  for (let i = 0; i < W.refusedConnects; i++) {
    await new Promise((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port: closedPort });
      c.on('error', (e) => { if (e.code === 'ECONNREFUSED') refused++; resolve(); });
      c.on('connect', () => { c.destroy(); resolve(); });
    });
  }
}
console.log(JSON.stringify({ connections, v6Connections, bytesSent, bytesReceived, datagramsReceived, refused, failedUdpSends, ports }));
`;
}

/**
 * The workload's result from its stdout (the last line).
 * @throws SocketWorkloadError (`EWORKLOAD`) when the last line is not a result
 */
export function parseNetWorkloadResult(stdout: string): NetWorkloadResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new SocketWorkloadError(`the network workload printed no result (last line: ${JSON.stringify(line.slice(0, 200))})`, 'EWORKLOAD');
  }
  const fields: ReadonlyArray<keyof NetWorkloadResult> = [
    'connections',
    'v6Connections',
    'bytesSent',
    'bytesReceived',
    'datagramsReceived',
    'refused',
    'failedUdpSends',
  ];
  const record = (parsed ?? {}) as Record<string, unknown>;
  const ports = record.ports as Record<string, unknown> | undefined;
  const portsOk = typeof ports === 'object' && ports !== null && ['tcp4', 'tcp6', 'udp'].every((k) => typeof ports[k] === 'number');
  if (typeof parsed !== 'object' || parsed === null || fields.some((f) => typeof record[f] !== 'number') || !portsOk) {
    throw new SocketWorkloadError(`the network workload printed an unexpected result: ${line.slice(0, 200)}`, 'EWORKLOAD');
  }
  return parsed as NetWorkloadResult;
}

/**
 * Whether a result shows the workload did everything it was asked (every
 * connection exchanged its bytes, every datagram arrived, every refused
 * connect and oversized send failed as intended).
 *
 * @returns what fell short, one phrase each (empty when complete)
 */
export function workloadShortfalls(w: NetWorkload, r: NetWorkloadResult): string[] {
  const tcpBytes = 2 * (w.connections + w.v6Connections) * w.bytesEachWay;
  const short: string[] = [];
  if (r.connections !== w.connections) short.push(`${r.connections}/${w.connections} IPv4 connections`);
  if (r.v6Connections !== w.v6Connections) short.push(`${r.v6Connections}/${w.v6Connections} IPv6 connections`);
  if (r.bytesSent !== tcpBytes || r.bytesReceived !== tcpBytes) short.push(`TCP bytes sent ${r.bytesSent}, received ${r.bytesReceived}, expected ${tcpBytes}`);
  if (r.datagramsReceived !== w.datagrams) short.push(`${r.datagramsReceived}/${w.datagrams} datagrams received`);
  if (r.refused !== w.refusedConnects) short.push(`${r.refused}/${w.refusedConnects} connects refused`);
  if (r.failedUdpSends !== w.failedUdpSends) short.push(`${r.failedUdpSends}/${w.failedUdpSends} oversized UDP sends refused`);
  return short;
}

/** A workload child started by {@link startNetWorkload}. */
export interface NetWorkloadProcess {
  /** Its PID: the key of its traffic with `collect pid = all`. */
  readonly pid: number;
  /**
   * Resolves when it has printed its result. It then stays alive (idle, every
   * socket closed) until {@link release}, so a process scan still finds it.
   * @throws SocketWorkloadError (`EWORKLOAD`) when it exits, fails or times out first
   */
  readonly done: Promise<NetWorkloadResult>;
  /** Let it exit (kill it if it does not) and wait for that. Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link startNetWorkload}. */
export interface StartNetWorkloadOptions {
  /** Kill the child when it has not printed its result after this long, ms. Default 120000 (emulated VMs are slow). */
  readonly timeoutMs?: number;
  /** Node binary. Default: the running one. */
  readonly node?: string;
}

/**
 * Start the workload in a child Node process (the caller's event loop only
 * waits for it), which runs it at once.
 */
export function startNetWorkload(w: NetWorkload, options: StartNetWorkloadOptions = {}): NetWorkloadProcess {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // After the result the child waits for its stdin to close: alive for the caller's process scan.
  const script = `${netWorkloadScript(w)}\nprocess.stdin.resume();\nawait new Promise((r) => process.stdin.once('end', r));\n`;
  const child = childProcess().spawn(options.node ?? process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const done = new Promise<NetWorkloadResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SocketWorkloadError(`the network workload took longer than ${timeoutMs} ms${stderr ? `: ${stderr.trim()}` : ''}`, 'EWORKLOAD'));
    }, timeoutMs);
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!stdout.endsWith('\n')) return;
      clearTimeout(timer);
      try {
        resolve(parseNetWorkloadResult(stdout));
      } catch (error) {
        reject(error);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new SocketWorkloadError(`cannot start the network workload: ${error.message}`, 'EWORKLOAD', { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      reject(new SocketWorkloadError(`the network workload exited (${signal ?? `status ${code}`}) before its result${stderr ? `: ${stderr.trim()}` : ''}`, 'EWORKLOAD'));
    });
  });
  // A rejection nobody awaited yet must not crash the plugin.
  done.catch(() => undefined);
  if (child.pid === undefined) {
    return { pid: -1, done, release: async () => undefined };
  }
  const pid = child.pid;
  let released: Promise<void> | undefined;
  return {
    pid,
    done,
    release() {
      released ??= (async () => {
        child.stdin.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      })();
      return released;
    },
  };
}

/**
 * The PID the kernel keys the workload's traffic by: the workload process
 * itself with `collect pid = all`, else its (real) parent, the process that
 * started it.
 */
export function workloadKeyPid(collectPid: CollectPid, workloadPid: number, starterPid: number): number {
  return collectPid === 'all' ? workloadPid : starterPid;
}

/** What the expectations depend on besides the workload. */
export interface NetExpectationOptions {
  /** `ebpf load mode = return`: error charts exist and must show the failed sends. */
  readonly returnMode: boolean;
  /** The app group of the workload's key PID, when apps charts are on; absent: no apps expectations. */
  readonly appGroup?: string;
}

const host = (id: string) => {
  const chart = HOST_CHARTS.find((c) => c.id === id);
  if (chart === undefined) throw new RangeError(`no host chart ${id}`);
  return chartKey({ type: TYPE_IP, id: chart.id });
};

const apps = (id: string) => {
  const metric = GROUP_METRICS.find((m) => m.id === id);
  if (metric === undefined) throw new RangeError(`no group metric ${id}`);
  return chartKey({ type: 'apps', id: metric.id });
};

/**
 * Lower bounds the workload must cause on the host charts (`ip.*`), the
 * error charts in return mode, and the apps charts of the key PID's group.
 * Only what every attach mode attributes is expected: retransmits (none on
 * loopback), and per-process closes (softirq in tracepoint mode) are not.
 */
export function netExpectations(w: NetWorkload, options: NetExpectationOptions): SelfTestExpectation[] {
  const tcpConnections = w.connections + w.v6Connections;
  const tcpBytes = BigInt(2 * tcpConnections * w.bytesEachWay);
  const udpBytes = BigInt(w.datagrams * w.datagramSize);
  const what = {
    connect: `${w.connections} IPv4 connections and ${w.refusedConnects} refused connects`,
    tcp: `${tcpConnections} TCP connections, ${w.bytesEachWay} bytes each way`,
    udp: `${w.datagrams} datagrams of ${w.datagramSize} bytes`,
  };
  const e = (chart: string, dimension: string, atLeast: bigint | number, why: string): SelfTestExpectation => ({
    chart,
    dimension,
    atLeast: BigInt(atLeast),
    why,
  });
  const out: SelfTestExpectation[] = [
    e(host('tcp_outbound_conn'), DIM.connectV4.id, w.connections + w.refusedConnects, what.connect),
    e(host('inbound_conn'), DIM.inboundTcp.id, tcpConnections, `${tcpConnections} accepted TCP connections`),
    e(host('tcp_functions'), DIM.tcpSent.id, 2 * tcpConnections, `${what.tcp}: one write at least per end`),
    e(host('tcp_functions'), DIM.tcpReceived.id, 2 * tcpConnections, `${what.tcp}: one read at least per end`),
    e(host('tcp_functions'), DIM.tcpClose.id, 2 * tcpConnections, `${what.tcp}: both ends closed`),
    e(host('total_tcp_bandwidth'), DIM.tcpSent.id, tcpBytes, what.tcp),
    e(host('total_tcp_bandwidth'), DIM.tcpReceived.id, tcpBytes, what.tcp),
    e(host('udp_functions'), DIM.udpSent.id, w.datagrams + w.failedUdpSends, `${what.udp} and ${w.failedUdpSends} oversized sends`),
    e(host('udp_functions'), DIM.udpReceived.id, w.datagrams, what.udp),
    e(host('total_udp_bandwidth'), DIM.udpSent.id, udpBytes, what.udp),
    e(host('total_udp_bandwidth'), DIM.udpReceived.id, udpBytes, what.udp),
  ];
  if (w.v6Connections > 0) {
    out.push(e(host('tcp_outbound_conn'), DIM.connectV6.id, w.v6Connections, `${w.v6Connections} IPv6 connections`));
  }
  if (options.returnMode) {
    out.push(e(host('udp_error'), DIM.udpSent.id, w.failedUdpSends, `${w.failedUdpSends} UDP sends failing with EMSGSIZE`));
  }
  const group = options.appGroup;
  if (group !== undefined) {
    // Bytes count TCP and UDP together per process; failed sends add none.
    out.push(
      e(apps('total_bandwidth_sent'), group, tcpBytes + udpBytes, `${what.tcp}; ${what.udp}`),
      e(apps('total_bandwidth_recv'), group, tcpBytes + udpBytes, `${what.tcp}; ${what.udp}`),
      e(apps('bandwidth_tcp_send'), group, 2 * tcpConnections, what.tcp),
      e(apps('bandwidth_tcp_recv'), group, 2 * tcpConnections, what.tcp),
      e(apps('outbound_conn_v4'), group, w.connections + w.refusedConnects, what.connect),
      e(apps('bandwidth_udp_send'), group, w.datagrams, what.udp),
      e(apps('bandwidth_udp_recv'), group, w.datagrams, what.udp),
    );
    if (w.v6Connections > 0) out.push(e(apps('outbound_conn_v6'), group, w.v6Connections, `${w.v6Connections} IPv6 connections`));
  }
  return out;
}

/** What the per-connection expectations depend on. */
export interface ConnectionExpectationOptions {
  /** network.conf's `[network connections]`, for filters and labels. */
  readonly config: NetworkConnectionsConfig;
  /** The movement measured, to tell a charted destination from one that went to `other` (chart full). */
  readonly movement: ReadonlyMap<string, bigint>;
  /** A port's service name (`resolve service names`). */
  readonly serviceOfPort?: (port: number, protocol: 'TCP' | 'UDP') => string | undefined;
}

/**
 * Lower bounds on the network viewer charts (`network connections = yes`):
 * the loopback TCP connections, outbound to each server and inbound on its
 * port, bytes and packets both ways, and the UDP receiver's datagrams
 * inbound on its port. Destinations the filters reject are not expected;
 * one that found its chart full is expected in `other`.
 */
export function connectionExpectations(
  w: NetWorkload,
  r: Pick<NetWorkloadResult, 'ports'>,
  options: ConnectionExpectationOptions,
): SelfTestExpectation[] {
  const { config, movement } = options;
  const out: SelfTestExpectation[] = [];
  const label = (port: number, protocol: 'TCP' | 'UDP') =>
    serviceLabel(config, port, options.serviceOfPort ? (p) => options.serviceOfPort!(p, protocol) : undefined);
  const key = (id: string) => chartKey({ type: CONNECTION_CHART_TYPE, id });
  /** The dimension a destination's traffic is in: its own, or `other` when the chart was full. */
  const dimension = (chartId: string, base: string, suffix: string) =>
    movement.has(`${key(chartId)}.${base}${suffix}`) ? `${base}${suffix}` : `${OTHER_DESTINATION}${suffix}`;
  const expect = (chartId: string, base: string, suffix: string, atLeast: number, why: string) =>
    out.push({ chart: key(chartId), dimension: dimension(chartId, base, suffix), atLeast: BigInt(atLeast), why });
  const tcp = (address: string, port: number, count: number) => {
    if (count === 0 || port === 0) return;
    const bytes = count * w.bytesEachWay;
    const why = `${count} connections to ${address} port ${port}, ${w.bytesEachWay} bytes each way`;
    // The client's remote end is the server, the server's is the client: the same address and port pass or fail both.
    if (!destinationAllowed(config, { address, port })) return;
    const host = address.includes(':') ? `[${address}]` : address;
    const outbound = `${label(port, 'TCP')}:TCP:${host}`;
    const inbound = `${label(port, 'TCP')}:TCP`;
    for (const suffix of ['_sent', '_recv']) {
      expect(CONNECTION_CHARTS.outboundBytes.id, outbound, suffix, bytes, why);
      expect(CONNECTION_CHARTS.outboundPackets.id, outbound, suffix, count, why);
      expect(CONNECTION_CHARTS.inboundBytes.id, inbound, suffix, bytes, why);
      expect(CONNECTION_CHARTS.inboundPackets.id, inbound, suffix, count, why);
    }
  };
  tcp('127.0.0.1', r.ports.tcp4, w.connections);
  tcp('::1', r.ports.tcp6, w.v6Connections);
  // The receiver is an unconnected UDP socket: inbound on its port, held to `ports` only.
  if (r.ports.udp !== 0 && portAllowed(config.ports, r.ports.udp)) {
    const why = `${w.datagrams} datagrams of ${w.datagramSize} bytes to port ${r.ports.udp}`;
    expect(CONNECTION_CHARTS.inboundBytes.id, `${label(r.ports.udp, 'UDP')}:UDP`, '_recv', w.datagrams * w.datagramSize, why);
    expect(CONNECTION_CHARTS.inboundPackets.id, `${label(r.ports.udp, 'UDP')}:UDP`, '_recv', w.datagrams, why);
  }
  return out;
}

/** Run the workload in a child and measure it; the child is gone when this settles. */
async function runSelfTest(context: SelfTestContext) {
  if (loopbackUp() === false) {
    throw new SocketWorkloadError('the loopback interface (lo) is down: the socket self-test talks to itself over 127.0.0.1', 'ENETDOWN');
  }
  const workload = scaledNetWorkload(context.scale, await ipv6LoopbackWorks());
  const { config, instance, grouping } = context;
  const appsOn = effectiveAppsCgroups(config, instance.attachMode).apps;
  // Filled in by the workload callback, which measure() runs.
  const run: { child?: NetWorkloadProcess; result?: NetWorkloadResult } = {};
  try {
    const movement = await context.measure(async () => {
      run.child = startNetWorkload(workload);
      run.result = await run.child.done;
    });
    const { child, result } = run;
    if (child === undefined || result === undefined) throw new SocketWorkloadError('the network workload did not run', 'EWORKLOAD');
    const short = workloadShortfalls(workload, result);
    if (short.length > 0) throw new SocketWorkloadError(`the network workload fell short: ${short.join('; ')}`, 'EWORKLOAD');
    // measure() rescanned while the child was still alive, so its group is known.
    const keyPid = workloadKeyPid(config.collectPid, child.pid, process.pid);
    const appGroup = appsOn ? grouping.appOf(keyPid) : undefined;
    if (appsOn && appGroup === undefined) {
      throw new SocketWorkloadError(`the process scan does not know the workload's key PID ${keyPid}`, 'EWORKLOAD');
    }
    const expectations = netExpectations(workload, {
      returnMode: config.loadMode === 'return',
      ...(appGroup !== undefined ? { appGroup } : {}),
    });
    const network = (instance as Partial<SocketCollectorInstance>).network;
    if (config.networkConnections === true && network !== undefined && !network.connections.resolveHostnames) {
      expectations.push(
        ...connectionExpectations(workload, result, {
          config: network.connections,
          movement,
          ...(network.connections.resolveServiceNames ? { serviceOfPort: systemServicePortNames() } : {}),
        }),
      );
    }
    return { movement, expectations };
  } finally {
    await run.child?.release();
  }
}

/** The socket collector's {@link SelfTest}. */
export const socketSelfTest: SelfTest = {
  description:
    'a child Node process makes loopback TCP connections with 64 KiB each way (IPv4, and IPv6 when ::1 works), ' +
    'sends UDP datagrams to itself, connects to a closed port and makes oversized UDP sends',
  run: runSelfTest,
};
