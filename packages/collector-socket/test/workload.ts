/**
 * The network workload the kernel tests run in a named Node process: a TCP
 * server and clients on loopback (IPv4, and IPv6 when ::1 works), UDP
 * datagrams to a local receiver, and in return mode connects to a closed
 * port. Everything is sent and received by the one process, so its app
 * group gets both directions.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { LeafWork } from '@ebpf-collectors/test-utils';

/** What the workload does. */
export interface NetWorkload {
  /** TCP connections over IPv4. */
  readonly connections: number;
  /** Bytes each way per connection. */
  readonly bytesEachWay: number;
  /** TCP connections over IPv6 (0: none). */
  readonly v6Connections: number;
  /** UDP datagrams sent to a local receiver. */
  readonly datagrams: number;
  readonly datagramSize: number;
  /** Connects to a closed IPv4 port (each refused). */
  readonly refusedConnects: number;
}

/** What the leaf reports on stdout (one JSON line). */
export interface NetWorkloadResult {
  readonly connections: number;
  readonly v6Connections: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly datagramsReceived: number;
  readonly refused: number;
}

/** Whether a TCP server can listen on ::1 here. */
export async function ipv6LoopbackWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/** The leaf's Node body for {@link startProcessTree}. */
export function netLeaf(w: NetWorkload): LeafWork {
  return {
    node: `
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
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
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

async function run(host, count) {
  if (count === 0) return 0;
  const server = await serve(host);
  const { port } = server.address();
  for (let i = 0; i < count; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => exchange(host, port)));
  }
  await new Promise((r) => server.close(r));
  return count;
}

const connections = await run('127.0.0.1', W.connections);
const v6Connections = await run('::1', W.v6Connections);

const receiver = dgram.createSocket('udp4');
await new Promise((r) => receiver.bind(0, '127.0.0.1', r));
let datagramsReceived = 0;
const allIn = new Promise((resolve) => receiver.on('message', () => { if (++datagramsReceived === W.datagrams) resolve(); }));
const sender = dgram.createSocket('udp4');
const datagram = Buffer.alloc(W.datagramSize, 0x33);
for (let i = 0; i < W.datagrams; i++) {
  await new Promise((r, j) => sender.send(datagram, receiver.address().port, '127.0.0.1', (e) => (e ? j(e) : r())));
}
await Promise.race([allIn, new Promise((r) => setTimeout(r, 5000))]);
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
console.log(JSON.stringify({ connections, v6Connections, bytesSent, bytesReceived, datagramsReceived, refused }));
`,
  };
}

/** Parse the leaf's result line. */
export function workloadResult(stdout: string): NetWorkloadResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as NetWorkloadResult;
}

/**
 * `count` sends on an unconnected UDP socket without a destination (each
 * fails in udp_sendmsg with EDESTADDRREQ). Node's dgram refuses to try, so
 * perl makes the raw calls.
 *
 * @returns how many sends failed
 */
export function failedUdpSends(count: number): number {
  const script = `use Socket; socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!"; my $f = 0; for (1..${count}) { defined(send($s, "x", 0)) or $f++; } print "failed $f\\n";`;
  const result = spawnSync('perl', ['-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`perl failed: ${result.stderr}`);
  return Number(/failed (\d+)/.exec(result.stdout)?.[1] ?? 0);
}
