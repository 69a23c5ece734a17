/**
 * Workloads that make the kernel take interrupts the self-tests (and the
 * kernel tests, which run the self-tests) look for: loopback TCP (NET_RX
 * softirqs), fsync'd writes and uncached reads (a block or virtio device's
 * IRQ line) and cross-CPU thread wake-ups with memory unmapping (reschedule
 * and function-call IPIs).
 *
 * They run inside the plugin process, so none of them blocks the event loop:
 * file I/O is asynchronous and the busy parts run in worker threads or a
 * child process.
 */
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { childProcess, workerThreads } from '@ebpf-collectors/core';
import { WorkloadError } from './errors.js';

/** Exit status of the child when this namespace's loopback cannot carry the transfer (`lo` down). */
const NO_LOOPBACK = 3;

/**
 * A child Node program: send `argv[1]` bytes over a loopback TCP connection
 * to itself and print how many the server read. A separate process so the
 * copying does not compete with the plugin's event loop, and so it can run
 * in a network namespace of its own (see {@link loopbackTransfer}).
 */
const TCP_CHILD = `
const net = require('node:net');
const total = Number(process.argv[1]);
let received = 0;
const fail = (error) => {
  process.stderr.write(error.message);
  process.exit(error.code === 'ENETUNREACH' || error.code === 'EADDRNOTAVAIL' ? ${NO_LOOPBACK} : 1);
};
const server = net.createServer((socket) => {
  socket.on('data', (chunk) => { received += chunk.length; });
  socket.on('end', () => { process.stdout.write(String(received)); server.close(); });
});
server.on('error', fail);
server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!client.write(chunk.subarray(0, Math.min(chunk.length, total - sent)))) {
        await new Promise((resolve) => client.once('drain', resolve));
      }
    }
    client.end();
  });
  client.on('error', fail);
});
`;

/** How {@link loopbackTransfer} moved its bytes. */
export interface LoopbackTransfer {
  /** Bytes the server side read. */
  readonly received: number;
  /**
   * `shared`: over this namespace's `lo`. `private`: `lo` is down here (the
   * VM lane's guest, containers without networking), so the transfer ran in
   * a new network namespace whose `lo` it brought up; softirqs are per CPU,
   * not per namespace, so the collector sees them all the same.
   */
  readonly namespace: 'shared' | 'private';
}

/**
 * Send `bytes` over a loopback TCP connection in a child process and wait
 * until its server has read them all.
 *
 * @throws WorkloadError when the child fails, times out or reads a different amount
 */
export async function loopbackTransfer(bytes: number, timeoutMs = 120_000): Promise<LoopbackTransfer> {
  const node = process.execPath;
  const script = ['--input-type=commonjs', '-e', TCP_CHILD, String(bytes)];
  const shared = await runChild(node, script, bytes, timeoutMs);
  if (shared.ok) return { received: shared.received, namespace: 'shared' };
  if (shared.code !== NO_LOOPBACK) throw shared.error;
  // Not root: a user namespace grants the CAP_SYS_ADMIN that a new network namespace needs.
  const userns = typeof process.geteuid === 'function' && process.geteuid() !== 0 ? ['--user', '--map-root-user'] : [];
  const args = [...userns, '--net', '--', 'sh', '-c', 'ip link set dev lo up && exec "$@"', 'sh', node, ...script];
  const isolated = await runChild('unshare', args, bytes, timeoutMs);
  if (!isolated.ok) throw isolated.error;
  return { received: isolated.received, namespace: 'private' };
}

type ChildOutcome = { ok: true; received: number } | { ok: false; code: number | null; error: WorkloadError };

function runChild(command: string, args: ReadonlyArray<string>, bytes: number, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    // `ip` lives in sbin, which a minimal PATH may lack.
    const env = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };
    const child = childProcess().spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', (error) =>
      resolve({ ok: false, code: null, error: new WorkloadError(`loopback transfer: cannot run ${command}: ${error.message}`, { cause: error }) }),
    );
    child.once('close', (code, signal) => {
      const received = Number(stdout.trim());
      if (code === 0 && received === bytes) {
        resolve({ ok: true, received });
        return;
      }
      const how = signal ? `killed by ${signal}` : `exit ${code}`;
      const message = `loopback transfer of ${bytes} bytes (${command}): ${how}, read ${stdout.trim() || 'nothing'}: ${stderr.trim()}`;
      resolve({ ok: false, code, error: new WorkloadError(message) });
    });
  });
}

/**
 * Write and fsync `rounds` files of `bytes` each in a new directory under
 * `parent`: every fsync waits for the device holding it, whose completion is
 * a hardware interrupt (none on tmpfs). Returns the number of fsyncs.
 */
export async function fsyncFiles(parent: string, rounds: number, bytes = 64 * 1024): Promise<number> {
  const dir = await mkdtemp(join(parent, 'irq-disk-'));
  const data = Buffer.alloc(bytes, 0xa5);
  try {
    for (let i = 0; i < rounds; i++) {
      const file = await open(join(dir, `f${i % 4}`), 'w');
      try {
        await file.write(data);
        await file.sync();
      } finally {
        await file.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rounds;
}

/**
 * Read `path` `times` times. From the page cache this costs no interrupt;
 * on a filesystem that does not cache (9p, which is how the VM lane's guest
 * sees its root) every read is a request on a virtio queue, answered by an
 * interrupt. Returns the bytes read.
 */
export async function rereadFile(path: string, times: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < times; i++) total += (await readFile(path)).length;
  return total;
}

/**
 * Two threads hand a token back and forth `rounds` times through
 * `Atomics.wait`/`notify` (futex wake-ups of a thread sleeping on the other
 * CPU: reschedule or function-call IPIs, depending on the kernel), each
 * allocating and dropping a large buffer per round (mmap/munmap in a
 * multi-threaded process: TLB shootdowns, which are function-call IPIs).
 */
export async function pingPong(rounds: number): Promise<void> {
  const shared = new SharedArrayBuffer(8);
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const flag = new Int32Array(workerData.shared);
    const me = workerData.me;
    let sink = 0;
    for (let i = 0; i < workerData.rounds; i++) {
      while (Atomics.load(flag, 0) !== me) Atomics.wait(flag, 0, 1 - me, 50);
      const buffer = new Uint8Array(4 * 1024 * 1024);
      buffer[i % buffer.length] = 1;
      sink += buffer[0];
      Atomics.store(flag, 0, 1 - me);
      Atomics.notify(flag, 0);
    }
    parentPort.postMessage(sink);
  `;
  const workers = [0, 1].map((me) => new (workerThreads().Worker)(source, { eval: true, workerData: { shared, me, rounds } }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', (error) => reject(new WorkloadError(`ping-pong worker failed: ${error.message}`, { cause: error })));
            worker.once('exit', (code) => reject(new WorkloadError(`ping-pong worker exited (${code}) before finishing`)));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
