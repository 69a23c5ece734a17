/**
 * Workloads that make the kernel take interrupts the tests can look for:
 * loopback TCP (NET_RX/NET_TX softirqs), fsync'd disk writes (the block
 * device's IRQ line, BLOCK softirq) and cross-CPU thread wake-ups with
 * memory unmapping (reschedule and function-call IPIs).
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Send `bytes` over a loopback TCP connection and wait until the server has read all of it. */
export async function tcpBurst(bytes: number): Promise<number> {
  let received = 0;
  const server = createServer();
  const done = new Promise<void>((resolve, reject) => {
    server.on('connection', (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      socket.on('end', () => resolve());
      socket.on('error', reject);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!client.write(chunk)) await new Promise((resolve) => client.once('drain', resolve));
  }
  client.end();
  await done;
  server.close();
  return received;
}

/**
 * Write and fsync `rounds` files of `bytes` each under the system temp dir
 * (on this host, the virtio disk): every fsync waits for the device, whose
 * completion is a hardware interrupt. Returns the number of fsyncs.
 */
export function diskSync(rounds: number, bytes = 64 * 1024): number {
  const dir = mkdtempSync(join(process.env.EBPFC_DISK_DIR ?? tmpdir(), 'irq-disk-'));
  const data = Buffer.alloc(bytes, 0xa5);
  try {
    for (let i = 0; i < rounds; i++) {
      const fd = openSync(join(dir, `f${i % 4}`), 'w');
      try {
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rounds;
}

/**
 * Two threads hand a token back and forth `rounds` times through
 * `Atomics.wait`/`notify` (futex wake-ups of a thread sleeping on the other
 * CPU: reschedule IPIs), each allocating and dropping a large buffer per
 * round (mmap/munmap in a multi-threaded process: TLB shootdowns, which are
 * function-call IPIs).
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
  const workers = [0, 1].map((me) => new Worker(source, { eval: true, workerData: { shared, me, rounds } }));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
    ),
  );
  await Promise.all(workers.map((w) => w.terminate()));
}
