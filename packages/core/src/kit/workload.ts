/**
 * Self-test workloads as small programs in another language (python3's
 * ctypes reaches syscalls Node has no binding for: msync, shmget, mount):
 * run one, bounded in time, and read the JSON report it prints last.
 */
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type * as WorkerThreads from 'node:worker_threads';
import { SelfTestSkipped } from '../self-test.js';
import { WorkloadError } from './errors.js';

const require = createRequire(import.meta.url);

/**
 * `node:child_process`, loaded on first use. Self-tests and workloads live in
 * modules the plugin imports with every collector, and a top-level import of
 * child_process (with worker_threads) kept about 2 MiB resident in the plugin
 * for its whole life, for code only `--self-test` and the tests run
 * (bench/README.md, issue 12: resident memory). Use `childProcess().spawn(...)`.
 */
export function childProcess(): typeof ChildProcess {
  return require('node:child_process') as typeof ChildProcess;
}

/** `node:worker_threads`, loaded on first use (see {@link childProcess}). */
export function workerThreads(): typeof WorkerThreads {
  return require('node:worker_threads') as typeof WorkerThreads;
}

/** `execFile` as a promise of its output (util.promisify's), child_process loaded on first use. */
export function execFileAsync(
  file: string,
  args: ReadonlyArray<string>,
  options: Omit<ChildProcess.ExecFileOptions, 'encoding'> = {},
): Promise<{ stdout: string; stderr: string }> {
  return promisify(childProcess().execFile)(file, args, { ...options, encoding: 'utf8' });
}

/** Options of {@link runWorkloadProgram}. */
export interface WorkloadProgramOptions {
  readonly cwd?: string;
  /** Killed after this long. Default 60 s. */
  readonly timeoutMs?: number;
  /** The Debian package that has the interpreter, for the skip message. Default: the command's name. */
  readonly debianPackage?: string;
}

/**
 * Run `python3 -S -c program args...` (or another interpreter) and return its stdout.
 *
 * @throws SelfTestSkipped when the interpreter is not installed (the machine cannot host the workload)
 * @throws WorkloadError when it fails, is killed or times out (with the end of its stderr)
 */
export function runWorkloadProgram(
  command: string,
  args: ReadonlyArray<string>,
  options: WorkloadProgramOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(command, args, { ...(options.cwd ? { cwd: options.cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new SelfTestSkipped(`${command} is not installed (the workload needs it: apt install ${options.debianPackage ?? command})`, { cause: error })
          : new WorkloadError(`cannot run ${command}: ${error.message}`, { cause: error }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new WorkloadError(`${command} workload exited (${code ?? signal}); stderr: ${stderr.slice(-800)}`));
    });
  });
}

/** A python3 program given as text, started without the site module (a faster start, which counts in the emulated VM lane). */
export function runPython(program: string, args: ReadonlyArray<string>, cwd?: string): Promise<string> {
  return runWorkloadProgram('python3', ['-S', '-c', program, ...args], cwd ? { cwd } : {});
}

/**
 * The JSON object a workload printed on its last line.
 *
 * @throws WorkloadError naming `what` when there is none
 */
export function lastJsonLine<T>(stdout: string, what: string): T {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch (error) {
    throw new WorkloadError(`${what} printed no report: ${JSON.stringify(stdout.slice(-300))}`, { cause: error });
  }
}
