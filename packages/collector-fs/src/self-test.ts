/**
 * Self-tests of the fd and filesystem collectors (`ebpf.plugin --self-test`,
 * the VM lane's attach-mode matrix, and the kernel tests): each generates its
 * own workload and says how far the charts must move because of it.
 */
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, realpath, rm, truncate, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type {
  ChartMovement,
  CollectorConfig,
  CollectorInstance,
  Logger,
  SelfTest,
  SelfTestContext,
  SelfTestExpectation,
} from '@ebpf-collectors/core';
import { effectiveAppsCgroups, execFileAsync, OTHER_GROUP } from '@ebpf-collectors/core';
import { NoScratchFilesystemError, WorkloadError } from './errors.js';
import { enabledFilesystems } from './filesystem-config.js';
import { FS_OPS, type FilesystemName } from './internal-types.js';
import { FD_CHART, FD_DIM, FD_GROUP_METRICS, HISTOGRAM_DIMENSIONS, TYPE_FILESYSTEM, fsChartId } from './metrics.js';
import { filesystemOfType, mountOf, readMountinfo } from './mountinfo.js';
import {
  FILE_WORK,
  fileWorkload,
  scaledCount,
  scaledFdWork,
  startFdWorkload,
  type FdWork,
  type FileWork,
} from './workload.js';

const run = execFileAsync;

// ---------------------------------------------------------------------------
// fd
// ---------------------------------------------------------------------------

/** What {@link fdExpectations} needs. */
export interface FdExpectationInput {
  readonly work: FdWork;
  /** `ebpf load mode = return`: the error charts exist and must count the failures. */
  readonly returnMode: boolean;
  /** App group whose `apps.file_*` dimension must count the workload; absent when apps charts are off. */
  readonly appGroup?: string;
}

/**
 * Lower bounds an fd workload puts on the host charts and, with `appGroup`,
 * on that group's apps dimensions. Calls count every attempt in both load
 * modes; errors exist only in return mode.
 */
export function fdExpectations({ work, returnMode, appGroup }: FdExpectationInput): SelfTestExpectation[] {
  const opens = BigInt(work.opens + work.failedOpens);
  const closes = BigInt(work.opens + work.failedCloses);
  const openWhy = `${work.opens} files created and ${work.failedOpens} missing files opened`;
  const closeWhy = `${work.opens} files closed and ${work.failedCloses} bad descriptors closed`;
  const host = (chart: string, dimension: string, atLeast: bigint, why: string): SelfTestExpectation => ({
    chart: `${TYPE_FILESYSTEM}.${chart}`,
    dimension,
    atLeast,
    why,
  });
  const out: SelfTestExpectation[] = [
    host(FD_CHART.descriptor.id, FD_DIM.open.id, opens, openWhy),
    host(FD_CHART.descriptor.id, FD_DIM.close.id, closes, closeWhy),
  ];
  if (returnMode) {
    out.push(
      host(FD_CHART.error.id, FD_DIM.open.id, BigInt(work.failedOpens), `${work.failedOpens} opens of missing files (ENOENT)`),
      host(FD_CHART.error.id, FD_DIM.close.id, BigInt(work.failedCloses), `${work.failedCloses} closes of bad descriptors (EBADF)`),
    );
  }
  if (appGroup === undefined) return out;
  const bounds: Record<(typeof FD_GROUP_METRICS)[number]['lane'], { atLeast: bigint; why: string }> = {
    openCall: { atLeast: opens, why: openWhy },
    openError: { atLeast: BigInt(work.failedOpens), why: `${work.failedOpens} failed opens` },
    closeCall: { atLeast: closes, why: closeWhy },
    closeError: { atLeast: BigInt(work.failedCloses), why: `${work.failedCloses} failed closes` },
  };
  for (const metric of FD_GROUP_METRICS) {
    if (metric.errors && !returnMode) continue;
    const { atLeast, why } = bounds[metric.lane];
    out.push({ chart: `apps.${metric.id}`, dimension: appGroup, atLeast, why: `${why}, by a process of group ${appGroup}` });
  }
  return out;
}

/**
 * The tgid the kernel keys a child's calls by, per `collect pid`: the child
 * itself for `all`, else its (real) parent, the process that spawned it
 * (`not set` reads as `real parent`, as in Netdata).
 */
export function fdKeyPid(collectPid: CollectorConfig['collectPid'], childPid: number, spawnerPid: number): number {
  return collectPid === 'all' ? childPid : spawnerPid;
}

/**
 * The fd self-test: a child Node process creates and closes files, opens
 * missing ones and closes bad descriptors; the host charts, the error charts
 * (return mode) and the apps dimension of the group its key PID is in must
 * count at least that.
 */
export const fdSelfTest: SelfTest = {
  description: 'a child process creates and closes files, opens missing files and closes bad descriptors',
  async run(context: SelfTestContext) {
    const work = scaledFdWork(context.scale);
    const child = await startFdWorkload(join(context.scratchDir, 'fd'), work);
    try {
      // The child is already running (waiting), so the baseline /proc scan places it.
      let done: FdWork | undefined;
      const movement = await context.measure(async () => {
        done = await child.run();
      });
      if (done === undefined || !sameFdWork(done, work)) {
        throw new WorkloadError(`fd workload did ${JSON.stringify(done)} instead of ${JSON.stringify(work)}`);
      }
      const apps = effectiveAppsCgroups(context.config, context.instance.attachMode).apps;
      const key = fdKeyPid(context.config.collectPid, child.pid, process.pid);
      // The accumulator files a PID the grouping does not know under `other`; so must we.
      const appGroup = apps ? (context.grouping.appOf(key) ?? OTHER_GROUP) : undefined;
      return {
        movement,
        expectations: fdExpectations({ work, returnMode: context.config.loadMode === 'return', ...(appGroup ? { appGroup } : {}) }),
      };
    } finally {
      child.kill();
    }
  },
};

function sameFdWork(a: FdWork, b: FdWork): boolean {
  return a.opens === b.opens && a.failedOpens === b.failedOpens && a.failedCloses === b.failedCloses;
}

// ---------------------------------------------------------------------------
// filesystem
// ---------------------------------------------------------------------------

/**
 * Dimension id of the synthetic sum over a latency chart's 24 bins that the
 * filesystem self-test adds to its movement: the workload fixes how many
 * calls happened, not how long each took.
 */
export const HISTOGRAM_TOTAL = 'all-bins';

/** `filesystem.<fs>_<op>_latency` full chart id. */
function latencyChart(fs: FilesystemName, op: (typeof FS_OPS)[number]): string {
  return `${TYPE_FILESYSTEM}.${fsChartId(fs, op)}`;
}

/** `movement` plus, per latency chart of `fs`, its {@link HISTOGRAM_TOTAL}: the sum of its bins' movements. */
export function withHistogramTotals(movement: ChartMovement, fs: FilesystemName): ChartMovement {
  const out = new Map(movement);
  for (const op of FS_OPS) {
    const chart = latencyChart(fs, op);
    let sum = 0n;
    for (const bin of HISTOGRAM_DIMENSIONS) sum += movement.get(`${chart}.${bin}`) ?? 0n;
    out.set(`${chart}.${HISTOGRAM_TOTAL}`, sum);
  }
  return out;
}

/**
 * Lower bounds a file workload on `fs` puts on its latency histograms (all
 * bins together). nfs's fourth chart counts getattr, which the workload does
 * not call, so it has no bound.
 */
export function filesystemExpectations(fs: FilesystemName, work: FileWork): SelfTestExpectation[] {
  const bound = (op: (typeof FS_OPS)[number], n: number, why: string): SelfTestExpectation => ({
    chart: latencyChart(fs, op),
    dimension: HISTOGRAM_TOTAL,
    atLeast: BigInt(n),
    why: `${why} on ${fs}`,
  });
  const out = [
    bound('read', work.reads, `${work.reads} reads of 4 KiB`),
    bound('write', work.writes, `${work.writes} writes of 4 KiB`),
    bound('open', work.opens, `${work.opens} opens of regular files`),
  ];
  if (fs !== 'nfs') out.push(bound('sync', work.syncs, `${work.syncs} fsyncs`));
  return out;
}

/** A writable directory on a watched filesystem, and how to give it back. */
export interface ScratchFilesystem {
  readonly dir: string;
  readonly fs: FilesystemName;
  /** Whether it is a filesystem made and mounted for the test (the collector must re-read its mounts). */
  readonly mountedByUs: boolean;
  /** Remove the directory; unmount and detach what was made. Never throws; returns the problems. */
  dispose(): Promise<string[]>;
}

/** Loop filesystems the self-test can make, in order of preference, with an image size each mkfs accepts. */
const LOOP_FILESYSTEMS: ReadonlyArray<{ fs: FilesystemName; bytes: number; mkfsArgs: ReadonlyArray<string> }> = [
  { fs: 'ext4', bytes: 64 * 2 ** 20, mkfsArgs: ['-q', '-F'] },
  { fs: 'xfs', bytes: 320 * 2 ** 20, mkfsArgs: ['-q', '-f'] },
  { fs: 'btrfs', bytes: 256 * 2 ** 20, mkfsArgs: ['-q', '-f'] },
];

/** Limit for each losetup/mkfs/mount call: mkfs under emulation takes seconds, not minutes. */
const COMMAND_TIMEOUT_MS = 120_000;

/**
 * A writable directory on a filesystem in `watched`: under `scratchDir` or
 * `/var/tmp` when one of them is on such a filesystem, else on a loop device
 * with a fresh ext4 (else xfs, btrfs) made in `scratchDir` when the kernel
 * offers that filesystem and loop devices and the tools are installed.
 *
 * @throws NoScratchFilesystemError when neither works, with what each attempt lacked
 */
export async function scratchOnWatchedFilesystem(
  scratchDir: string,
  watched: ReadonlySet<FilesystemName>,
  logger?: Logger,
): Promise<ScratchFilesystem> {
  const reasons: string[] = [];
  const mounts = readMountinfo();
  for (const candidate of [scratchDir, '/var/tmp']) {
    let path: string;
    try {
      path = await realpath(candidate);
    } catch (error) {
      reasons.push(`${candidate}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    const mount = mountOf(path, mounts);
    const fs = mount ? filesystemOfType(mount.fsType) : undefined;
    if (fs === undefined || !watched.has(fs)) {
      const readOnly = mount?.options.split(',').includes('ro') ? ', read-only' : '';
      reasons.push(`${candidate} is on ${mount?.fsType ?? 'an unknown filesystem'}${readOnly}, which is not watched`);
      continue;
    }
    try {
      const dir = await mkdtemp(join(path, 'ebpfc-fs-'));
      return { dir, fs, mountedByUs: false, dispose: () => removeDir(dir) };
    } catch (error) {
      reasons.push(`${candidate} is on ${fs} but not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  for (const loop of LOOP_FILESYSTEMS) {
    if (!watched.has(loop.fs)) continue;
    const missing = await loopFilesystemMissing(loop.fs);
    if (missing.length > 0) {
      reasons.push(`no loop ${loop.fs}: ${missing.join(', ')}`);
      continue;
    }
    try {
      const made = await mountLoopFilesystem(loop.fs, loop.bytes, loop.mkfsArgs, scratchDir);
      logger?.info(`filesystem self-test: made a ${loop.fs} on ${made.device} at ${made.dir} (no watched filesystem was writable)`);
      return made;
    } catch (error) {
      reasons.push(`loop ${loop.fs} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new NoScratchFilesystemError([...watched], reasons);
}

/** What this machine lacks to make a loop filesystem of type `fs` (empty when nothing). */
async function loopFilesystemMissing(fs: FilesystemName): Promise<string[]> {
  const missing: string[] = [];
  const offered = await readFile('/proc/filesystems', 'utf8').then(
    (text) => text.split('\n').some((line) => line.trim().split(/\s+/).pop() === fs),
    () => false,
  );
  if (!offered) missing.push(`the kernel offers no ${fs} (not in /proc/filesystems)`);
  if (!(await exists('/dev/loop-control'))) missing.push('no loop devices (/dev/loop-control is missing)');
  for (const tool of ['losetup', `mkfs.${fs}`, 'mount', 'umount']) {
    if ((await findInPath(tool)) === undefined) missing.push(`${tool} is not installed`);
  }
  return missing;
}

/** A loop filesystem mounted under `parent`, or an error after undoing what was done. */
async function mountLoopFilesystem(
  fs: FilesystemName,
  bytes: number,
  mkfsArgs: ReadonlyArray<string>,
  parent: string,
): Promise<ScratchFilesystem & { device: string }> {
  const base = await mkdtemp(join(parent, `ebpfc-${fs}-`));
  const image = join(base, `${fs}.img`);
  const mountPoint = join(base, 'mnt');
  let device: string | undefined;
  let mounted = false;
  const dispose = async (): Promise<string[]> => {
    const problems: string[] = [];
    if (mounted) {
      // A lazy unmount still frees the device once the last file closes.
      const plain = await attempt('umount', [mountPoint]);
      if (plain !== undefined && (await attempt('umount', ['-l', mountPoint])) !== undefined) problems.push(`umount ${mountPoint}: ${plain}`);
      mounted = false;
    }
    if (device !== undefined) {
      const detached = await attempt('losetup', ['-d', device]);
      if (detached !== undefined) problems.push(`losetup -d ${device}: ${detached}`);
      device = undefined;
    }
    problems.push(...(await removeDir(base)));
    return problems;
  };
  try {
    await writeFile(image, '');
    await truncate(image, bytes);
    await mkdir(mountPoint);
    device = (await run('losetup', ['--find', '--show', image], { timeout: COMMAND_TIMEOUT_MS })).stdout.trim();
    await run(`mkfs.${fs}`, [...mkfsArgs, device], { timeout: COMMAND_TIMEOUT_MS });
    await run('mount', ['-t', fs, device, mountPoint], { timeout: COMMAND_TIMEOUT_MS });
    mounted = true;
    const dir = join(mountPoint, 'work');
    await mkdir(dir);
    return { dir, fs, mountedByUs: true, device, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Run a command; `undefined` when it succeeded, else what went wrong. */
async function attempt(file: string, args: ReadonlyArray<string>): Promise<string | undefined> {
  try {
    await run(file, [...args], { timeout: COMMAND_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    return (e.stderr || e.message || String(error)).trim();
  }
}

async function removeDir(dir: string): Promise<string[]> {
  try {
    await rm(dir, { recursive: true, force: true });
    return [];
  } catch (error) {
    return [`rm ${dir}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

async function findInPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    if (dir && (await exists(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

/** An instance that can re-read its mounts on demand (the filesystem collector's own). */
interface RereadsMounts {
  rereadMounts(): void;
}

function rereadsMounts(instance: CollectorInstance): instance is CollectorInstance & RereadsMounts {
  return typeof (instance as Partial<RereadsMounts>).rereadMounts === 'function';
}

/**
 * The filesystem self-test: write, fsync, re-open and read files on a
 * watched filesystem (an existing one, else a loop device made for the
 * test); that filesystem's read, write, open and sync histograms must count
 * at least those calls.
 */
export const filesystemSelfTest: SelfTest = {
  description: 'files written, fsynced, re-opened and read on a watched filesystem (a loop ext4 when none is writable)',
  async run(context: SelfTestContext) {
    const watched = enabledFilesystems(context.config);
    const scratch = await scratchOnWatchedFilesystem(context.scratchDir, watched, context.logger);
    try {
      // A filesystem mounted after start is otherwise seen only at the next scheduled mount check.
      if (scratch.mountedByUs && rereadsMounts(context.instance)) context.instance.rereadMounts();
      const files = scaledCount(FILE_WORK.files, context.scale);
      const perFile = scaledCount(FILE_WORK.blocksPerFile, context.scale);
      let done: FileWork | undefined;
      const movement = await context.measure(async () => {
        done = await fileWorkload(join(scratch.dir, 'work'), files, perFile);
      });
      const expected: FileWork = { opens: 2 * files, writes: files * perFile, reads: files * perFile, syncs: files };
      if (done === undefined || JSON.stringify(done) !== JSON.stringify(expected)) {
        throw new WorkloadError(`file workload did ${JSON.stringify(done)} instead of ${JSON.stringify(expected)}`);
      }
      return { movement: withHistogramTotals(movement, scratch.fs), expectations: filesystemExpectations(scratch.fs, expected) };
    } finally {
      const problems = await scratch.dispose();
      for (const problem of problems) context.logger.warn(`filesystem self-test cleanup: ${problem}`);
    }
  },
};
