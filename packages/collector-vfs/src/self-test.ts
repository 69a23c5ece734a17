/**
 * The vfs collector's own workload and the chart movements it must cause,
 * shared by `ebpf.plugin --self-test`, the VM attach-mode matrix and the
 * package's kernel tests.
 *
 * A Node child writes a file in fixed chunks (plain and vector calls),
 * fsyncs it, reads it back, creates and deletes files, removes directories,
 * and makes reads, writes, fsyncs and opens fail in ways the VFS functions
 * themselves return (so the error counts are the same for kprobes,
 * trampolines and syscall exit tracepoints). A perl child creates regular files with mknodat(2): since
 * open(O_CREAT) calls the filesystem's `->create` directly, mknod is the one
 * path from user space to `vfs_create`.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type {
  AttachMode,
  CollectorConfig,
  SelfTest,
  SelfTestContext,
  SelfTestExpectation,
} from '@ebpf-collectors/core';
import { childProcess, effectiveAppsCgroups } from '@ebpf-collectors/core';
import { GROUP_CHARTS, HOST_CHARTS, TYPE_FILESYSTEM } from './metrics.js';
import type { VfsCounters } from './types.js';

// ---------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------

/** What the Node file workload does; every count is exact. */
export interface FileWorkload {
  /** Bytes per read and per write call. */
  readonly chunk: number;
  /** write(2) calls of `chunk` bytes (the data file is `chunk * writes` bytes). */
  readonly writes: number;
  /** read(2) calls of `chunk` bytes reading the data file back. */
  readonly reads: number;
  /** writev(2) calls of two chunks after the writes, and readv(2) calls of two chunks after the reads. */
  readonly vectors: number;
  /** fsync(2) calls on the data file. */
  readonly fsyncs: number;
  /** Files created (open O_CREAT) then unlinked, besides the data file. */
  readonly files: number;
  /** Directories created then removed with rmdir(2): not deletes for `vfs_unlink`. */
  readonly dirs: number;
  /** read(2) calls on a write-only descriptor: `vfs_read` fails with EBADF. */
  readonly badReads: number;
  /** write(2) calls on a read-only descriptor: `vfs_write` fails with EBADF. */
  readonly badWrites: number;
  /** fsync(2) calls on /dev/null, which has no fsync: `vfs_fsync` fails with EINVAL. */
  readonly badFsyncs: number;
  /** open(2) calls of a Unix socket's path: `vfs_open` fails with ENXIO. */
  readonly socketOpens: number;
  /** open(2) calls of missing files: ENOENT in the path walk, before `vfs_open`. */
  readonly missingOpens: number;
}

/** What the Node workload reports on its last stdout line, to prove it did the work. */
export interface FileWorkloadReport {
  readonly written: number;
  readonly read: number;
  readonly badReads: number;
  readonly badWrites: number;
  readonly badFsyncs: number;
  readonly socketOpens: number;
  readonly missingOpens: number;
}

/**
 * The full-size workload: 4 MiB written and read back in 4 KiB calls,
 * about a second of work on a normal machine.
 */
export const FILE_WORKLOAD: FileWorkload = {
  chunk: 4096,
  writes: 1024,
  reads: 1024,
  vectors: 64,
  fsyncs: 16,
  files: 40,
  dirs: 25,
  badReads: 30,
  badWrites: 20,
  badFsyncs: 10,
  socketOpens: 15,
  missingOpens: 35,
};

/** Regular files the perl child makes with mknodat(2) (and unlinks) at scale 1. */
export const MKNOD_FILES = 10;

/** `n * scale`, rounded, at least 1. */
export function scaleCount(n: number, scale: number): number {
  return Math.max(1, Math.round(n * scale));
}

/**
 * The workload shrunk (or grown) by `scale`; the chunk size stays.
 * @throws RangeError when `scale` is not a positive finite number
 */
export function scaleWorkload(w: FileWorkload, scale: number): FileWorkload {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const s = (n: number) => scaleCount(n, scale);
  return {
    chunk: w.chunk,
    writes: s(w.writes),
    reads: s(w.reads),
    vectors: s(w.vectors),
    fsyncs: s(w.fsyncs),
    files: s(w.files),
    dirs: s(w.dirs),
    badReads: s(w.badReads),
    badWrites: s(w.badWrites),
    badFsyncs: s(w.badFsyncs),
    socketOpens: s(w.socketOpens),
    missingOpens: s(w.missingOpens),
  };
}

/** The report a workload that did everything it was asked must print. */
export function expectedReport(w: FileWorkload): FileWorkloadReport {
  return {
    written: w.chunk * (w.writes + 2 * w.vectors),
    read: w.chunk * (w.reads + 2 * w.vectors),
    badReads: w.badReads,
    badWrites: w.badWrites,
    badFsyncs: w.badFsyncs,
    socketOpens: w.socketOpens,
    missingOpens: w.missingOpens,
  };
}

/** Options of {@link fileWorkloadScript}. */
export interface FileWorkloadScriptOptions {
  /** Directory to work in (a fresh subdirectory is made in it and removed at the end). */
  readonly dir: string;
  /**
   * After the report line, wait until stdin closes before exiting, so the
   * process is still there when the PID table rescans (`collect pid = all`
   * keys the counts by this process).
   */
  readonly hold: boolean;
}

/**
 * The Node code of the file workload: the body of an ES module (top-level
 * `await`), run with `node --input-type=module -e`, or as a test-utils
 * process-tree leaf. Synchronous fs calls, so each is exactly one syscall.
 * Prints one JSON {@link FileWorkloadReport} line.
 */
export function fileWorkloadScript(w: FileWorkload, options: FileWorkloadScriptOptions): string {
  return `
const fs = await import('node:fs');
const net = await import('node:net');
const { join } = await import('node:path');
const w = ${JSON.stringify(w)};
const dir = fs.mkdtempSync(join(${JSON.stringify(options.dir)}, 'vfs-'));
// Relative names: a Unix socket path must fit in 108 bytes wherever the scratch dir is.
process.chdir(dir);
const failsWith = (code, call) => { try { call(); return false; } catch (e) { if (e.code === code) return true; throw e; } };
const chunk = Buffer.alloc(w.chunk, 0x61);
const one = Buffer.alloc(1);
let written = 0, read = 0, badReads = 0, badWrites = 0, badFsyncs = 0, socketOpens = 0, missingOpens = 0;
let fd = fs.openSync('data', 'w');
for (let i = 0; i < w.writes; i++) written += fs.writeSync(fd, chunk);
for (let i = 0; i < w.vectors; i++) written += fs.writevSync(fd, [chunk, chunk]);
for (let i = 0; i < w.badReads; i++) if (failsWith('EBADF', () => fs.readSync(fd, one, 0, 1, null))) badReads++;
for (let i = 0; i < w.fsyncs; i++) fs.fsyncSync(fd);
fs.closeSync(fd);
fd = fs.openSync('data', 'r');
for (let i = 0; i < w.reads; i++) read += fs.readSync(fd, chunk, 0, w.chunk, null);
for (let i = 0; i < w.vectors; i++) read += fs.readvSync(fd, [chunk, chunk]);
for (let i = 0; i < w.badWrites; i++) if (failsWith('EBADF', () => fs.writeSync(fd, one))) badWrites++;
fs.closeSync(fd);
for (let i = 0; i < w.files; i++) fs.closeSync(fs.openSync('f' + i, 'w'));
for (let i = 0; i < w.files; i++) fs.unlinkSync('f' + i);
for (let i = 0; i < w.dirs; i++) { fs.mkdirSync('d' + i); fs.rmdirSync('d' + i); }
fd = fs.openSync('/dev/null', 'r');
for (let i = 0; i < w.badFsyncs; i++) if (failsWith('EINVAL', () => fs.fsyncSync(fd))) badFsyncs++;
fs.closeSync(fd);
const server = net.createServer();
await new Promise((resolve, reject) => { server.once('error', reject); server.listen('sock', resolve); });
for (let i = 0; i < w.socketOpens; i++) if (failsWith('ENXIO', () => fs.closeSync(fs.openSync('sock', 'r')))) socketOpens++;
await new Promise((resolve) => server.close(resolve));
// libuv unlinks a listening socket's path on close; this unlinks it only if that did not happen, so it is one delete either way.
fs.rmSync('sock', { force: true });
for (let i = 0; i < w.missingOpens; i++) if (failsWith('ENOENT', () => fs.openSync('missing' + i, 'r'))) missingOpens++;
fs.unlinkSync('data');
process.chdir('/');
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ written, read, badReads, badWrites, badFsyncs, socketOpens, missingOpens }) + '\\n');
${options.hold ? "process.stdin.resume();\nawait new Promise((resolve) => { process.stdin.once('end', resolve); process.stdin.once('close', resolve); });" : ''}
`;
}

/**
 * Parse the report line (the last non-empty stdout line) of a finished workload.
 * @throws VfsWorkloadError (`EWORKLOAD`) when there is none or it is not JSON
 */
export function parseReport(stdout: string): FileWorkloadReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as FileWorkloadReport;
  } catch (error) {
    throw new VfsWorkloadError(`the file workload printed no report: ${JSON.stringify(stdout.slice(-500))}`, { cause: error });
  }
}

/** `mknodat(2)` numbers of the architectures Node runs on (the generic table's 33 where it applies). */
const SYS_MKNODAT: Readonly<Record<string, number>> = {
  x64: 259,
  ia32: 297,
  arm: 324,
  arm64: 33,
  riscv64: 33,
  loong64: 33,
  s390x: 290,
  ppc64: 288,
};

/**
 * The perl code that makes `count` regular files with mknodat(AT_FDCWD,
 * name, S_IFREG|0644, 0) in its cwd, unlinks them, prints `made <n>`, and
 * (with `hold`) waits for stdin to close. Perl because Node has no mknod and
 * perl-base is on every Debian-like system.
 *
 * @throws VfsWorkloadError (`ENOENT`) on an architecture whose syscall number is not known here
 */
export function mknodScript(count: number, hold: boolean, arch: string = process.arch): string {
  const nr = SYS_MKNODAT[arch];
  if (nr === undefined) throw new VfsWorkloadError(`no mknodat syscall number known for ${arch}`, { code: 'ENOENT' });
  return [
    '$| = 1; my $made = 0;',
    `for my $i (1..${count}) { $made++ if syscall(${nr}, -100, "n$i", 0100644, 0) == 0; }`,
    `unlink map { "n$_" } 1..${count};`,
    'print "made $made\\n";',
    hold ? '1 while <STDIN>;' : '',
  ].join(' ');
}

// ---------------------------------------------------------------------------
// What the kernel must count
// ---------------------------------------------------------------------------

/**
 * What an attach mode hooks: `function` = the `vfs_*` kernel functions
 * (trampoline, probe), `syscall` = the syscall exit tracepoints.
 */
export type CountingPoint = 'function' | 'syscall';

/** The counting point of an attach mode. */
export function countingPoint(mode: AttachMode): CountingPoint {
  return mode === 'tracepoint' ? 'syscall' : 'function';
}

const ZERO: VfsCounters = {
  unlinkCalls: 0n,
  unlinkErrors: 0n,
  readCalls: 0n,
  readErrors: 0n,
  readBytes: 0n,
  writeCalls: 0n,
  writeErrors: 0n,
  writeBytes: 0n,
  fsyncCalls: 0n,
  fsyncErrors: 0n,
  openCalls: 0n,
  openErrors: 0n,
  createCalls: 0n,
  createErrors: 0n,
};

/** Counts a workload (or part of one) must cause, and what it did for each, for the report. */
export interface VfsTally {
  readonly counts: VfsCounters;
  /** Per counter: what caused it (empty when the count is 0). */
  readonly why: Readonly<Record<keyof VfsCounters, string>>;
}

const COUNTERS = Object.keys(ZERO) as Array<keyof VfsCounters>;

const NO_REASONS: Readonly<Record<keyof VfsCounters, string>> = Object.fromEntries(COUNTERS.map((k) => [k, ''])) as Record<
  keyof VfsCounters,
  string
>;

/** Lane-by-lane sum, reasons joined. */
export function addTallies(a: VfsTally, b: VfsTally): VfsTally {
  const counts: Record<keyof VfsCounters, bigint> = { ...ZERO };
  const why: Record<keyof VfsCounters, string> = { ...NO_REASONS };
  for (const key of COUNTERS) {
    counts[key] = a.counts[key] + b.counts[key];
    why[key] = [a.why[key], b.why[key]].filter((text) => text !== '').join(' + ');
  }
  return { counts, why };
}

/** Nothing counted. */
export const EMPTY_TALLY: VfsTally = { counts: ZERO, why: NO_REASONS };

/**
 * What the Node file workload makes the kernel count, at least, at one
 * counting point. Calls include the failing ones (entry hooks see them too);
 * bytes are the successful transfers.
 */
export function fileWorkloadTally(w: FileWorkload, point: CountingPoint, loadMode: CollectorConfig['loadMode']): VfsTally {
  const n = (x: number) => BigInt(x);
  // Entry hooks on vfs_readv/vfs_writev see the iovec array, not its sizes.
  const vectorBytes = point === 'syscall' || loadMode === 'return' ? 2 * w.chunk * w.vectors : 0;
  const vectorText = vectorBytes > 0 ? ` + ${w.vectors} of 2 x ${w.chunk} B` : '';
  // ENOENT comes from the path walk: only the syscall sees those opens.
  const missing = point === 'syscall' ? w.missingOpens : 0;
  const missingText = missing > 0 ? ` + ${missing} of missing files` : '';
  // open(O_CREAT) reaches the filesystem's ->create directly, not vfs_create.
  const creates = point === 'syscall' ? 1 + w.files : 0;
  return {
    counts: {
      ...ZERO,
      // The data file, the created files and the socket; rmdir is not a vfs_unlink.
      unlinkCalls: n(w.files + 2),
      readCalls: n(w.reads + w.vectors + w.badReads),
      readErrors: n(w.badReads),
      readBytes: n(w.chunk * w.reads + vectorBytes),
      writeCalls: n(w.writes + w.vectors + w.badWrites),
      writeErrors: n(w.badWrites),
      writeBytes: n(w.chunk * w.writes + vectorBytes),
      fsyncCalls: n(w.fsyncs + w.badFsyncs),
      fsyncErrors: n(w.badFsyncs),
      // The data file twice, the created files, /dev/null, the socket.
      openCalls: n(3 + w.files + w.socketOpens + missing),
      openErrors: n(w.socketOpens + missing),
      createCalls: n(creates),
    },
    why: {
      ...NO_REASONS,
      unlinkCalls: `${w.files + 2} files and sockets unlinked (${w.dirs} rmdirs not counted)`,
      readCalls: `${w.reads} reads + ${w.vectors} readvs + ${w.badReads} of a write-only fd`,
      readErrors: `${w.badReads} reads of a write-only fd (EBADF)`,
      readBytes: `${w.reads} reads of ${w.chunk} B${vectorText}`,
      writeCalls: `${w.writes} writes + ${w.vectors} writevs + ${w.badWrites} to a read-only fd`,
      writeErrors: `${w.badWrites} writes to a read-only fd (EBADF)`,
      writeBytes: `${w.writes} writes of ${w.chunk} B${vectorText}`,
      fsyncCalls: `${w.fsyncs} fsyncs + ${w.badFsyncs} of /dev/null`,
      fsyncErrors: `${w.badFsyncs} fsyncs of /dev/null (EINVAL)`,
      openCalls: `${3 + w.files} opens + ${w.socketOpens} of a socket${missingText}`,
      openErrors: `${w.socketOpens} opens of a socket (ENXIO)${missingText}`,
      createCalls: creates > 0 ? `${creates} O_CREAT opens` : '',
    },
  };
}

/** What the mknod child makes the kernel count: a create and a delete per file, at either counting point. */
export function mknodTally(files: number): VfsTally {
  return {
    counts: { ...ZERO, createCalls: BigInt(files), unlinkCalls: BigInt(files) },
    why: { ...NO_REASONS, createCalls: `${files} mknods of regular files`, unlinkCalls: `${files} mknod'ed files unlinked` },
  };
}

/** Options of {@link vfsExpectations}. */
export interface VfsExpectationOptions {
  /** What the whole system must have counted at least (every workload process). */
  readonly host: VfsTally;
  /** Per app group: what its processes must have counted at least. Absent when apps charts are off. */
  readonly apps?: ReadonlyMap<string, VfsTally>;
  /** `ebpf load mode = return`: the error charts exist and count. */
  readonly returnMode: boolean;
}

/**
 * Lower bounds on the `filesystem.*` host charts and the `apps.*` charts of
 * the given groups. Error charts only in return mode (they do not exist in
 * entry mode); bounds of 0 are left out.
 */
export function vfsExpectations(options: VfsExpectationOptions): SelfTestExpectation[] {
  const out: SelfTestExpectation[] = [];
  const { host } = options;
  for (const spec of HOST_CHARTS) {
    if (spec.returnOnly && !options.returnMode) continue;
    for (const { dim, value } of spec.dimensions) {
      const atLeast = host.counts[value];
      if (atLeast > 0n) out.push({ chart: `${TYPE_FILESYSTEM}.${spec.id}`, dimension: dim.id, atLeast, why: host.why[value] });
    }
  }
  for (const [group, tally] of options.apps ?? []) {
    for (const spec of GROUP_CHARTS) {
      if (spec.returnOnly && !options.returnMode) continue;
      const atLeast = tally.counts[spec.value];
      if (atLeast > 0n) out.push({ chart: `apps.${spec.id}`, dimension: group, atLeast, why: tally.why[spec.value] });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------

/** The self-test's workload could not run or did not do what it was asked. */
export class VfsWorkloadError extends Error {
  /** `EWORKLOAD`: a child failed or reported other counts; `ENOENT`: a tool or syscall number is missing. */
  readonly code: 'EWORKLOAD' | 'ENOENT';
  constructor(message: string, options: { cause?: unknown; code?: 'EWORKLOAD' | 'ENOENT' } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'VfsWorkloadError';
    this.code = options.code ?? 'EWORKLOAD';
  }
}

/** A workload child that printed its last line and waits for stdin to close. */
interface HeldChild {
  readonly pid: number;
  readonly stdout: string;
  /** Close its stdin and wait for it to exit (kill it after `ms`). */
  release(ms?: number): Promise<void>;
}

/** How long a workload child may take before it is killed. */
const CHILD_TIMEOUT_MS = 120_000;

/**
 * Spawn `command`, wait until it printed a line matching `done`, and keep it
 * alive (it waits for stdin to close).
 *
 * @throws VfsWorkloadError `ENOENT` when the program is not installed, `EWORKLOAD` when it exits or times out first
 */
function spawnHeld(command: string, args: ReadonlyArray<string>, cwd: string, done: RegExp): Promise<HeldChild> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessWithoutNullStreams = childProcess().spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    const fail = (error: VfsWorkloadError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new VfsWorkloadError(`${command} did not finish within ${CHILD_TIMEOUT_MS} ms; stderr: ${stderr.slice(-500)}`)),
      CHILD_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      stdout += data;
      if (settled || !done.test(stdout)) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        stdout,
        async release(ms = 5000) {
          child.stdin.end();
          const killer = setTimeout(() => child.kill('SIGKILL'), ms);
          await exited;
          clearTimeout(killer);
        },
      });
    });
    child.stderr.setEncoding('utf8').on('data', (data: string) => void (stderr += data));
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new VfsWorkloadError(`cannot run ${command}: ${error.message}`, {
          cause: error,
          code: error.code === 'ENOENT' ? 'ENOENT' : 'EWORKLOAD',
        }),
      ),
    );
    child.once('exit', (code, signal) =>
      fail(new VfsWorkloadError(`${command} exited (${code ?? signal}) before finishing; stderr: ${stderr.slice(-500)}`)),
    );
  });
}

/** The PID the kernel keys a child's events by, per `collect pid` (`not set` behaves as `real parent`). */
function keyPid(config: Pick<CollectorConfig, 'collectPid'>, childPid: number): number {
  // The children are ours: their real parent (and parent) is this process.
  return config.collectPid === 'all' ? childPid : process.pid;
}

/** Tallies per app group, summing processes that land in the same group. */
function talliesByGroup(entries: ReadonlyArray<{ group: string; tally: VfsTally }>): Map<string, VfsTally> {
  const groups = new Map<string, VfsTally>();
  for (const { group, tally } of entries) groups.set(group, addTallies(groups.get(group) ?? EMPTY_TALLY, tally));
  return groups;
}

/** `--self-test`: the file workload (plus mknod when perl is there) and lower bounds on every main, error and apps chart. */
export const vfsSelfTest: SelfTest = {
  description:
    'a Node child writes and reads back a file in 4 KiB calls, fsyncs, creates, unlinks and fails reads, writes, fsyncs and opens; perl mknods regular files',
  async run(context: SelfTestContext) {
    const { config, grouping, instance, logger, scale, scratchDir } = context;
    const workload = scaleWorkload(FILE_WORKLOAD, scale);
    const mknodFiles = scaleCount(MKNOD_FILES, scale);
    const point = countingPoint(instance.attachMode);
    const held: HeldChild[] = [];
    let nodeChild: HeldChild | undefined;
    let perlChild: HeldChild | undefined;
    let mknodSkipped: string | undefined;
    try {
      const movement = await context.measure(async () => {
        nodeChild = await spawnHeld(
          process.execPath,
          ['--input-type=module', '-e', fileWorkloadScript(workload, { dir: scratchDir, hold: true })],
          scratchDir,
          /^\{.*\}\n/m,
        );
        held.push(nodeChild);
        try {
          perlChild = await spawnHeld('perl', ['-e', mknodScript(mknodFiles, true)], scratchDir, /^made \d+\n/m);
          held.push(perlChild);
        } catch (error) {
          if (!(error instanceof VfsWorkloadError) || error.code !== 'ENOENT') throw error;
          mknodSkipped = error.message;
        }
      });
      if (nodeChild === undefined) throw new VfsWorkloadError('the file workload did not start');
      const report = parseReport(nodeChild.stdout);
      const wanted = expectedReport(workload);
      if (JSON.stringify(report) !== JSON.stringify(wanted)) {
        throw new VfsWorkloadError(`the file workload did ${JSON.stringify(report)}, not ${JSON.stringify(wanted)}`);
      }
      const made = Number(/made (\d+)/.exec(perlChild?.stdout ?? '')?.[1] ?? 0);
      if (perlChild !== undefined && made !== mknodFiles) {
        throw new VfsWorkloadError(`mknodat made ${made} of ${mknodFiles} regular files`);
      }
      if (mknodSkipped !== undefined) {
        logger.warn(`vfs self-test: no mknod part (${mknodSkipped}); vfs_create is not checked in ${instance.attachMode} mode`);
      }

      const parts = [{ pid: nodeChild.pid, tally: fileWorkloadTally(workload, point, config.loadMode) }];
      if (perlChild !== undefined) parts.push({ pid: perlChild.pid, tally: mknodTally(made) });
      const host = parts.reduce((sum, p) => addTallies(sum, p.tally), EMPTY_TALLY);
      // The children are still alive, so the PID table knows their groups.
      const apps = effectiveAppsCgroups(config, instance.attachMode).apps
        ? talliesByGroup(parts.map((p) => ({ group: grouping.appOf(keyPid(config, p.pid)) ?? 'other', tally: p.tally })))
        : undefined;
      return { movement, expectations: vfsExpectations({ host, ...(apps ? { apps } : {}), returnMode: config.loadMode === 'return' }) };
    } finally {
      await Promise.all(held.map((c) => c.release()));
    }
  },
};
