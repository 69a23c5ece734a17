/**
 * The workloads of the fd and filesystem self-tests, shared with the kernel
 * tests. Each one reports exactly which calls it made, so lower bounds on the
 * charts can be derived from what really happened.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { childProcess } from '@ebpf-collectors/core';
import { WorkloadError } from './errors.js';

/** What the fd workload does (or did). */
export interface FdWork {
  /** Files created, then closed (one open + one close each). */
  readonly opens: number;
  /** Opens of names that do not exist (each fails with ENOENT). */
  readonly failedOpens: number;
  /** Closes of descriptors that are not open (each fails with EBADF). */
  readonly failedCloses: number;
}

/** The fd workload at scale 1: enough calls to stand out from a busy machine's background. */
export const FD_WORK: FdWork = Object.freeze({ opens: 500, failedOpens: 200, failedCloses: 50 });

/** Descriptor numbers the workload closes to get EBADF: far above any real open file limit in use. */
const BAD_FD_BASE = 900_000;

/** `n * scale` rounded, at least 1, so a scaled-down workload still makes every kind of call. */
export function scaledCount(n: number, scale: number): number {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive number, got ${scale}`);
  return Math.max(1, Math.round(n * scale));
}

/** {@link FD_WORK} scaled (each count at least 1). */
export function scaledFdWork(scale: number): FdWork {
  return {
    opens: scaledCount(FD_WORK.opens, scale),
    failedOpens: scaledCount(FD_WORK.failedOpens, scale),
    failedCloses: scaledCount(FD_WORK.failedCloses, scale),
  };
}

/**
 * The fd workload as the body of an async ES-module function, for a Node
 * process of its own: in `dir`, create and close `opens` files, fail to open
 * `failedOpens` missing files, fail to close `failedCloses` bad descriptors,
 * then print `fd <opens> <failedOpens> <failedCloses>` with the counts it
 * really got (see {@link parseFdWorkOutput}). Synchronous calls are fine
 * there: the process does nothing else.
 */
export function fdWorkloadScript(dir: string, work: FdWork): string {
  return `
const fs = await import('node:fs');
const dir = ${JSON.stringify(dir)};
fs.mkdirSync(dir, { recursive: true });
let opened = 0, failed = 0, badClose = 0;
for (let i = 0; i < ${work.opens}; i++) {
  const fd = fs.openSync(dir + '/f' + i, 'w');
  fs.closeSync(fd);
  opened++;
}
for (let i = 0; i < ${work.failedOpens}; i++) {
  try { fs.openSync(dir + '/missing/m' + i, 'r'); } catch (e) { if (e.code === 'ENOENT') failed++; }
}
for (let i = 0; i < ${work.failedCloses}; i++) {
  try { fs.closeSync(${BAD_FD_BASE} + i); } catch (e) { if (e.code === 'EBADF') badClose++; }
}
console.log('fd ' + opened + ' ' + failed + ' ' + badClose);`;
}

/** The counts an fd workload printed, or `undefined` when its output has no `fd a b c` line. */
export function parseFdWorkOutput(stdout: string): FdWork | undefined {
  const match = /^fd (\d+) (\d+) (\d+)$/m.exec(stdout);
  if (!match) return undefined;
  return { opens: Number(match[1]), failedOpens: Number(match[2]), failedCloses: Number(match[3]) };
}

/** A started fd workload process, waiting to be released. */
export interface FdWorkload {
  /** PID of the waiting process (its own tgid: the key with `collect pid = all`). */
  readonly pid: number;
  /**
   * Release it; resolves with the counts it printed once it has exited.
   * @throws WorkloadError (`EWORKLOAD`) when it fails, times out or prints no counts
   */
  run(): Promise<FdWork>;
  /** Kill it if it still runs. Idempotent. */
  kill(): void;
}

/** Line the child prints once Node has started and it waits for the release. */
const READY = 'ebpfc-fd-ready';

/**
 * Start the fd workload in a child Node process (this Node binary, no shell,
 * so this process is its parent and real parent) and wait until it is ready,
 * so a /proc scan can place it before it does anything.
 *
 * @param timeoutMs limit for start-up and, separately, for the run
 * @throws WorkloadError (`EWORKLOAD`) when the process does not start
 */
export async function startFdWorkload(dir: string, work: FdWork, timeoutMs = 120_000): Promise<FdWorkload> {
  const body = `
process.stdout.write(${JSON.stringify(`${READY}\n`)});
const go = await new Promise((resolve) => {
  process.stdin.once('data', () => resolve(true));
  process.stdin.once('end', () => resolve(false));
});
process.stdin.destroy();
if (!go) process.exit(3);
${fdWorkloadScript(dir, work)}`;
  const child = childProcess().spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const describe = (what: string) => `fd workload (${process.execPath}) ${what}; stderr: ${stderr.trim() || '(empty)'}`;

  const ready = await withTimeout(
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (stdout.includes(READY)) resolve(true);
      };
      child.stdout.on('data', check);
      void exited.then(() => resolve(stdout.includes(READY)));
    }),
    timeoutMs,
  );
  if (ready !== true || child.pid === undefined) {
    kill();
    const how = await exited;
    throw new WorkloadError(describe(ready === undefined ? `not ready after ${timeoutMs} ms` : `exited before it was ready (${how.error?.message ?? how.code ?? how.signal})`));
  }
  const pid = child.pid;
  let ran = false;
  return {
    pid,
    kill,
    async run(): Promise<FdWork> {
      if (ran) throw new WorkloadError('fd workload: run() called twice');
      ran = true;
      child.stdin.end('go\n');
      const how = await withTimeout(exited, timeoutMs);
      if (how === undefined) {
        kill();
        throw new WorkloadError(describe(`still running after ${timeoutMs} ms`));
      }
      if (how.code !== 0) throw new WorkloadError(describe(`exited with ${how.error?.message ?? how.code ?? how.signal}`));
      const done = parseFdWorkOutput(stdout);
      if (done === undefined) throw new WorkloadError(describe(`printed no counts: ${JSON.stringify(stdout.slice(-200))}`));
      return done;
    },
  };
}

/** `promise`'s value, or `undefined` when it takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the file workload did. */
export interface FileWork {
  readonly opens: number;
  readonly writes: number;
  readonly reads: number;
  readonly syncs: number;
}

/** File workload size at scale 1: files, and 4 KiB blocks per file. */
export const FILE_WORK = Object.freeze({ files: 20, blocksPerFile: 50 });

/** Bytes per read and write. */
const BLOCK_BYTES = 4096;

/**
 * In `dir`: open (create) `files` files, write `perFile` 4 KiB blocks to each
 * at explicit offsets (pwrite64), fsync each, then re-open each and read the
 * blocks back (pread64). Every call is a syscall on `dir`'s filesystem, made
 * from libuv's thread pool so the event loop stays free.
 */
export async function fileWorkload(dir: string, files: number, perFile: number): Promise<FileWork> {
  await mkdir(dir, { recursive: true });
  const block = Buffer.alloc(BLOCK_BYTES, 0x5a);
  const into = Buffer.alloc(BLOCK_BYTES);
  let opens = 0;
  let writes = 0;
  let reads = 0;
  let syncs = 0;
  for (let f = 0; f < files; f++) {
    const path = join(dir, `w${f}`);
    const out = await open(path, 'w');
    opens++;
    try {
      for (let i = 0; i < perFile; i++) {
        await out.write(block, 0, block.length, i * block.length);
        writes++;
      }
      await out.sync();
      syncs++;
    } finally {
      await out.close();
    }
    const back = await open(path, 'r');
    opens++;
    try {
      for (let i = 0; i < perFile; i++) {
        const { bytesRead } = await back.read(into, 0, into.length, i * into.length);
        if (bytesRead === into.length) reads++;
      }
    } finally {
      await back.close();
    }
  }
  return { opens, writes, reads, syncs };
}
