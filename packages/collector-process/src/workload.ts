/**
 * The process collector's workload, shared by its self-test (`ebpf.plugin
 * --self-test`, the VM lane's attach-mode matrix) and its kernel test.
 *
 * Up to three children of this process, run at the same time:
 * - the forker, `/bin/sh`, forks short-lived subshells one after another;
 * - the threader, this Node binary, starts worker threads that exit at once;
 * - the failer, perl, makes `clone` calls the kernel refuses (return mode).
 * Each prints what it did and then waits until its stdin closes, so a
 * process scan after the work still finds it: with `collect pid = all` the
 * children are the keys their events are counted for, and with `real parent`
 * the forked subshells' exits are counted for the (living) forker.
 *
 * Only what a Debian system has is used: /bin/sh, Node, and perl-base for
 * raw syscalls. Everything runs in child processes, so the caller's event
 * loop (the plugin's) is never blocked.
 */
import { childProcess } from '@ebpf-collectors/core';
import { ProcessWorkloadError } from './errors.js';

/** How much the workload does. */
export interface ProcessWorkloadSize {
  /** Subshells the forker forks (each a new process that exits and is reaped at once). */
  readonly forks: number;
  /** Worker threads the threader starts, ten at a time; each exits as soon as it runs. */
  readonly threads: number;
  /** `clone` calls asking for a process that fail with EINVAL (`CLONE_SIGHAND` without `CLONE_VM`). */
  readonly processErrors: number;
  /** `clone` calls asking for a thread that fail with EINVAL (`CLONE_THREAD` without `CLONE_SIGHAND`). */
  readonly threadErrors: number;
}

/** What a finished workload did, and who did it. */
export interface ProcessWorkloadRun extends ProcessWorkloadSize {
  /** PID of the process that started the children: their real parent. */
  readonly parentPid: number;
  /** PIDs of the children; a part with nothing to do is not started. */
  readonly pids: {
    readonly forker?: number;
    readonly threader?: number;
    readonly failer?: number;
  };
}

/** A started workload. */
export interface ProcessWorkload {
  /**
   * Resolves once every part did all of its work; the children then wait for
   * {@link close}.
   *
   * @throws ProcessWorkloadError `ENOENT` when perl is missing, `EWORKLOAD` when a part fails, falls short or times out
   */
  readonly done: Promise<ProcessWorkloadRun>;
  /** Let the children exit (closing their stdin), killing what has not exited after a few seconds. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startProcessWorkload}. */
export interface ProcessWorkloadOptions {
  /** A part that has not reported after this long fails the workload, ms. Default 120 000 (emulated VMs are slow). */
  readonly timeoutMs?: number;
}

/** `n * scale`, rounded, and never below `min` (a workload of nothing proves nothing). */
function scaled(n: number, scale: number, min: number): number {
  return Math.max(min, Math.round(n * scale));
}

/**
 * The workload at `scale` (1 on a normal machine): 300 forks and 50 threads
 * (at least 10 and 5), and with `errors` 5 + 7 failing clones (at least 2 each).
 */
export function processWorkloadSize(scale: number, options: { errors: boolean }): ProcessWorkloadSize {
  return {
    forks: scaled(300, scale, 10),
    threads: scaled(50, scale, 5),
    processErrors: options.errors ? scaled(5, scale, 2) : 0,
    threadErrors: options.errors ? scaled(7, scale, 2) : 0,
  };
}

/** `clone` syscall number per Node architecture (the syscall tables differ). */
const SYS_CLONE: Readonly<Record<string, number>> = { x64: 56, arm64: 220, riscv64: 220, loong64: 220, s390x: 120 };

/** include/uapi/linux/sched.h */
const CLONE_THREAD = 0x00010000;
const CLONE_SIGHAND = 0x00000800;

/** After its work each part prints `<word> <count>`. */
const REPORT = /^([a-z]+) (\d+)$/m;

/** Forker: `$1` subshells, each forked, run and reaped before the next. */
const FORKER_SCRIPT = [
  'i=0',
  'while [ "$i" -lt "$1" ]; do ( : ); i=$((i + 1)); done',
  'echo "forked $i"',
  'read _released',
].join('\n');

/** Threader: `argv[1]` worker threads, ten at a time; then stay until stdin closes. */
const THREADER_SCRIPT = `
const { Worker } = require('node:worker_threads');
const { readdirSync } = require('node:fs');
const count = Number(process.argv[1]);
const tasks = () => readdirSync('/proc/self/task').length;
const startOne = () => new Promise((resolve, reject) => {
  const worker = new Worker('', { eval: true });
  worker.once('error', reject);
  worker.once('exit', resolve);
});
(async () => {
  const before = tasks();
  let started = 0;
  while (started < count) {
    const n = Math.min(10, count - started);
    await Promise.all(Array.from({ length: n }, startOne));
    started += n;
  }
  // A worker's exit event can come before its OS thread is gone; the work is
  // done when the kernel released every one of them (their /proc entries go).
  for (let i = 0; i < 100 && tasks() > before; i++) await new Promise((r) => setTimeout(r, 50));
  process.stdout.write('threads ' + started + '\\n');
  process.stdin.resume();
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\\n');
  process.exit(1);
});
`;

/** Failer: `$ARGV[0]` process and `$ARGV[1]` thread clone requests the kernel must refuse with EINVAL. */
function failerScript(clone: number): string {
  return [
    '$| = 1;',
    'my $failed = 0;',
    `for (1..$ARGV[0]) { $failed++ if syscall(${clone}, ${CLONE_SIGHAND}, 0, 0, 0, 0) == -1 && $!{EINVAL}; }`,
    `for (1..$ARGV[1]) { $failed++ if syscall(${clone}, ${CLONE_THREAD}, 0, 0, 0, 0) == -1 && $!{EINVAL}; }`,
    'print "failed $failed\\n";',
    '1 while <STDIN>;',
  ].join('\n');
}

/** One child: does its part, reports, waits for its stdin to close. */
interface Part {
  readonly pid: number | undefined;
  /** The count it reported. */
  readonly reported: Promise<number>;
  close(): Promise<void>;
}

/** How long {@link Part.close} waits for a child to leave by itself before killing it, ms. */
const CLOSE_GRACE_MS = 5000;

function startPart(name: string, command: string, args: ReadonlyArray<string>, timeoutMs: number): Part {
  const child = childProcess().spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // A child that died makes writes to its stdin fail with EPIPE; that is reported through `reported`.
  child.stdin.on('error', () => undefined);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
  const gone = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  const reported = new Promise<number>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new ProcessWorkloadError(`process workload: the ${name} did not finish within ${timeoutMs} ms`, 'EWORKLOAD')),
      timeoutMs,
    );
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      stdout += data;
      const match = REPORT.exec(stdout);
      if (match) resolve(Number(match[2]));
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new ProcessWorkloadError(`process workload: ${command} is not installed (the ${name} needs it)`, 'ENOENT', { cause: error })
          : new ProcessWorkloadError(`process workload: the ${name} did not start: ${error.message}`, 'EWORKLOAD', { cause: error }),
      );
    });
    child.once('exit', (code, signal) => {
      reject(new ProcessWorkloadError(`process workload: the ${name} exited (${code ?? signal}) before it reported: ${stderr.trim()}`, 'EWORKLOAD'));
    });
  }).finally(() => clearTimeout(timer));
  // Whoever awaits `reported` sees a failure; this only keeps an unawaited one from being an unhandled rejection.
  reported.catch(() => undefined);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearTimeout(timer);
      child.stdin.end();
      let grace: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (grace = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
      if ((await Promise.race([gone, late])) === 'late') child.kill('SIGKILL');
      clearTimeout(grace);
      await gone;
    })();
    return closing;
  };
  return { pid: child.pid, reported, close };
}

/**
 * Start the workload's children. They work at once; await
 * {@link ProcessWorkload.done}, look at what you need while they wait, then
 * {@link ProcessWorkload.close}.
 *
 * @throws ProcessWorkloadError `ENOENT` when failing clones are asked for on an architecture whose clone number is unknown here
 * @throws RangeError when a count is not a non-negative integer
 */
export function startProcessWorkload(size: ProcessWorkloadSize, options: ProcessWorkloadOptions = {}): ProcessWorkload {
  for (const [what, n] of Object.entries(size)) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`process workload: ${what} must be a non-negative integer, got ${n}`);
  }
  const errors = size.processErrors + size.threadErrors;
  const clone = SYS_CLONE[process.arch];
  if (errors > 0 && clone === undefined) {
    throw new ProcessWorkloadError(`process workload: no clone syscall number known for ${process.arch}`, 'ENOENT');
  }
  const timeoutMs = options.timeoutMs ?? 120_000;
  const forker = size.forks > 0 ? startPart('forker', '/bin/sh', ['-c', FORKER_SCRIPT, 'sh', String(size.forks)], timeoutMs) : undefined;
  const threader =
    size.threads > 0 ? startPart('threader', process.execPath, ['-e', THREADER_SCRIPT, String(size.threads)], timeoutMs) : undefined;
  const failer =
    errors > 0
      ? startPart('failer', 'perl', ['-e', failerScript(clone!), String(size.processErrors), String(size.threadErrors)], timeoutMs)
      : undefined;
  const parts = [forker, threader, failer].filter((p): p is Part => p !== undefined);

  const check = async (part: Part | undefined, what: string, wanted: number): Promise<void> => {
    if (part === undefined) return;
    const got = await part.reported;
    if (got !== wanted) throw new ProcessWorkloadError(`process workload: ${what} ${got} instead of ${wanted}`, 'EWORKLOAD');
  };
  const done = Promise.all([
    check(forker, 'forked', size.forks),
    check(threader, 'started threads', size.threads),
    check(failer, 'failed clones', errors),
  ]).then(
    (): ProcessWorkloadRun => ({
      ...size,
      parentPid: process.pid,
      pids: {
        ...(forker?.pid !== undefined ? { forker: forker.pid } : {}),
        ...(threader?.pid !== undefined ? { threader: threader.pid } : {}),
        ...(failer?.pid !== undefined ? { failer: failer.pid } : {}),
      },
    }),
  );
  done.catch(() => undefined);
  return {
    done,
    close: async () => {
      await Promise.all(parts.map((p) => p.close()));
    },
  };
}
