/**
 * Workloads for kernel tests: process trees with a chosen name, plus the
 * checks that decide whether a kernel test can run here. (The process
 * collector's forks, threads and failing clones live in its own package,
 * where its self-test ships them.)
 *
 * A process's `comm` (what /proc/<pid>/stat and apps_groups.conf see) is the
 * base name of the file it executed, so a workload gets a name of our choosing
 * by executing a symlink called that name. Everything here uses only what a
 * Debian system has: /bin/sh and this Node binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Longest `comm` the kernel keeps (TASK_COMM_LEN - 1). */
export const COMM_MAX = 15;

/** Where tracefs may be mounted. */
const TRACEFS_ROOTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** A workload could not be set up or did not finish as asked. */
export class WorkloadError extends Error {
  constructor(
    message: string,
    /** Stable code: `EPERM` (needs root), `ENOENT` (missing tool), `EWORKLOAD` (failed). */
    readonly code: 'EPERM' | 'ENOENT' | 'EWORKLOAD',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkloadError';
  }
}

// ---------------------------------------------------------------------------
// Skip helpers
// ---------------------------------------------------------------------------

/** Whether this process runs as root (effective uid 0). */
export function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

/**
 * Throw unless running as root.
 * @throws WorkloadError `EPERM`
 */
export function requireRoot(what = 'this test'): void {
  if (!isRoot()) throw new WorkloadError(`${what} needs root (BPF load and attach)`, 'EPERM');
}

/**
 * The mounted tracefs root, mounting it at /sys/kernel/tracing when root and
 * it is not mounted yet. `undefined` when there is none and it cannot be mounted.
 */
export function ensureTracefs(): string | undefined {
  const found = TRACEFS_ROOTS.find((root) => existsSync(`${root}/events`));
  if (found !== undefined || !isRoot()) return found;
  const result = spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_ROOTS[0]!], { stdio: 'ignore' });
  return result.status === 0 && existsSync(`${TRACEFS_ROOTS[0]}/events`) ? TRACEFS_ROOTS[0] : undefined;
}

/** What a kernel test may need besides root. */
export interface KernelNeeds {
  /** `/sys/kernel/btf/vmlinux` (CO-RE objects). Default true. */
  btf?: boolean;
  /** tracefs mounted (mounted here if possible) for `tracepoint/` programs. Default false. */
  tracefs?: boolean;
  /** Executables that must be in PATH (e.g. `perl`). */
  tools?: ReadonlyArray<string>;
  /** A compiled file the test loads (e.g. a `.bpf.o`): missing means the package was not built. */
  files?: ReadonlyArray<string>;
}

/**
 * Why a kernel test cannot run here, or `undefined` when it can. Use with
 * `describe.skipIf(reason !== undefined)`; a test that can run must then pass.
 */
export function kernelTestSkipReason(needs: KernelNeeds = {}): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!isRoot()) return 'not root: BPF load and attach need root';
  if ((needs.btf ?? true) && !existsSync('/sys/kernel/btf/vmlinux')) return 'no kernel BTF (/sys/kernel/btf/vmlinux)';
  if (needs.tracefs && ensureTracefs() === undefined) return 'tracefs is not mounted and could not be mounted';
  for (const tool of needs.tools ?? []) {
    if (findInPath(tool) === undefined) return `${tool} is not installed`;
  }
  for (const file of needs.files ?? []) {
    if (!existsSync(file)) return `${file} is missing (build the package first)`;
  }
  return undefined;
}

/** Full path of an executable found in PATH. */
export function findInPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Named process trees
// ---------------------------------------------------------------------------

/** A fresh comm: `prefix` + random hex, at most 15 characters. */
export function randomComm(prefix = 'ebpfwl-'): string {
  const room = COMM_MAX - prefix.length;
  if (room < 4) throw new RangeError(`prefix ${prefix} leaves fewer than 4 random characters`);
  return prefix + randomBytes(Math.ceil(room / 2)).toString('hex').slice(0, room);
}

/** What the leaf of a {@link ProcessTree} runs once released. */
export type LeafWork =
  /** A /bin/sh script. */
  | { readonly shell: string }
  /** JavaScript run by this Node binary as an async function body (ES module; `import()` works). */
  | { readonly node: string }
  /** A program and its arguments, executed under the tree's name. */
  | { readonly program: string; readonly args?: ReadonlyArray<string> };

/** Options of {@link startProcessTree}. */
export interface ProcessTreeOptions {
  /** comm of both processes. Default {@link randomComm}(). At most 15 characters. */
  readonly comm?: string;
  readonly leaf: LeafWork;
  /** Kill the tree if `run()` takes longer, ms. Default 60000. */
  readonly timeoutMs?: number;
}

/** Result of a finished tree. */
export interface TreeResult {
  /** Exit status of the root (the leaf's own status, passed up). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What the leaf wrote to stdout and stderr, after the ready line. */
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A root process R and its child, the leaf L, both named `comm`. L waits
 * until {@link run} releases it, so a test can scan /proc while both exist
 * and then attribute what L does:
 * - with `collect pid = real parent`, L's forks and threads are keyed by R,
 *   its children's exits and releases by L;
 * - with `collect pid = all`, L's forks and threads are keyed by L.
 */
export interface ProcessTree extends AsyncDisposable {
  readonly comm: string;
  /** PID of R (a /bin/sh named `comm`). */
  readonly rootPid: number;
  /** PID of L (named `comm`, waiting). */
  readonly leafPid: number;
  /** Release L; resolves when R and L have exited. Call once. */
  run(): Promise<TreeResult>;
  /** Kill what still runs and delete the symlinks. Idempotent. */
  dispose(): Promise<void>;
}

/** Symlinks named `comm` to sh, node and a program, in separate directories. */
function makeNamedLinks(comm: string, program: string | undefined): { dir: string; sh: string; node: string; program?: string } {
  if (comm.length === 0 || comm.length > COMM_MAX || comm.includes('/')) {
    throw new RangeError(`comm must be 1-${COMM_MAX} characters without '/': ${JSON.stringify(comm)}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ebpfwl-'));
  const link = (sub: string, target: string) => {
    mkdirSync(join(dir, sub));
    const path = join(dir, sub, comm);
    symlinkSync(target, path);
    return path;
  };
  return {
    dir,
    sh: link('sh', '/bin/sh'),
    node: link('node', process.execPath),
    ...(program !== undefined ? { program: link('prog', program) } : {}),
  };
}

/** Node leaf: wait for a line on stdin, then run the body. */
const NODE_LEAF_PRELUDE = `
const go = await new Promise((resolve) => {
  process.stdin.once('data', resolve);
  process.stdin.once('end', () => resolve(null));
});
process.stdin.destroy();
if (go === null) process.exit(3);
`;

/**
 * Start R and L, wait until L is ready, return the handle. R reports L's PID
 * on its stdout before L may run, so both PIDs are known up front.
 *
 * @throws WorkloadError `ENOENT` when the program does not exist, `EWORKLOAD` when the tree does not start
 */
export async function startProcessTree(options: ProcessTreeOptions): Promise<ProcessTree> {
  const comm = options.comm ?? randomComm();
  const leaf = options.leaf;
  if ('program' in leaf && !existsSync(leaf.program)) {
    throw new WorkloadError(`${leaf.program} does not exist`, 'ENOENT');
  }
  const links = makeNamedLinks(comm, 'program' in leaf ? leaf.program : undefined);

  // L's command line. L reads the release line itself: background jobs of a
  // non-interactive shell get /dev/null as stdin, so R hands its stdin over as fd 0 explicitly.
  let leafCommand: string;
  const env: Record<string, string> = { ...process.env } as Record<string, string>;
  if ('shell' in leaf) {
    env.EBPFWL_LEAF = `read _ebpfwl_go || exit 3\n${leaf.shell}`;
    leafCommand = `"$EBPFWL_SH" -c "$EBPFWL_LEAF"`;
  } else if ('node' in leaf) {
    env.EBPFWL_LEAF = `${NODE_LEAF_PRELUDE}\nawait (async () => {\n${leaf.node}\n})();`;
    leafCommand = `"$EBPFWL_NODE" --input-type=module -e "$EBPFWL_LEAF"`;
  } else {
    // A named sh waits, then execs the named program: the PID and the name stay.
    env.EBPFWL_LEAF = 'read _ebpfwl_go || exit 3\nexec "$EBPFWL_PROG" "$@"';
    leafCommand = `"$EBPFWL_SH" -c "$EBPFWL_LEAF" "$EBPFWL_PROG" ${(leaf.args ?? []).map(shellQuote).join(' ')}`;
    env.EBPFWL_PROG = links.program!;
  }
  env.EBPFWL_SH = links.sh;
  env.EBPFWL_NODE = links.node;
  // fd 3 keeps R's stdin across the /dev/null that `&` would give L.
  const rootScript = `exec 3<&0\n${leafCommand} 0<&3 3<&- &\nleaf=$!\nexec 3<&-\necho "ebpfwl-ready $$ $leaf"\nwait $leaf\nexit $?`;

  const child = spawn(links.sh, ['-c', rootScript], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  let ready: { root: number; leaf: number };
  try {
    ready = await readReadyLine(child, stdout, exited);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    rmSync(links.dir, { recursive: true, force: true });
    throw new WorkloadError(`process tree ${comm} did not start: ${(error as Error).message}; stderr: ${stderr.join('')}`, 'EWORKLOAD', {
      cause: error,
    });
  }

  let disposed = false;
  let ran = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    if (child.exitCode === null && child.signalCode === null) {
      killQuietly(ready.leaf);
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(links.dir, { recursive: true, force: true });
  };

  return {
    comm,
    rootPid: ready.root,
    leafPid: ready.leaf,
    async run(): Promise<TreeResult> {
      if (ran) throw new WorkloadError(`process tree ${comm}: run() called twice`, 'EWORKLOAD');
      ran = true;
      child.stdin.end('go\n');
      const timeoutMs = options.timeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WorkloadError(`process tree ${comm} still running after ${timeoutMs} ms`, 'EWORKLOAD')), timeoutMs);
      });
      try {
        const { code, signal } = await Promise.race([exited, timeout]);
        return { code, signal, stdout: stdout.join(''), stderr: stderr.join('') };
      } catch (error) {
        await dispose();
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

function readReadyLine(
  child: ChildProcess,
  sink: string[],
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<{ root: number; leaf: number }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let found = false;
    child.stdout!.setEncoding('utf8').on('data', (data: string) => {
      if (found) {
        sink.push(data);
        return;
      }
      buffer += data;
      const match = /ebpfwl-ready (\d+) (\d+)\n/.exec(buffer);
      if (!match) return;
      found = true;
      sink.push(buffer.slice(match.index + match[0].length));
      resolve({ root: Number(match[1]), leaf: Number(match[2]) });
    });
    void exited.then(({ code, signal }) => {
      if (!found) reject(new Error(`exited early (code ${code}, signal ${signal})`));
    });
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Result of {@link runTree}. */
export interface RunTreeResult extends TreeResult {
  readonly comm: string;
  readonly rootPid: number;
  readonly leafPid: number;
}

/**
 * Start a tree, call `beforeRun` while both processes wait (scan /proc,
 * take a baseline), run it, and clean up.
 *
 * @throws WorkloadError `EWORKLOAD` when the leaf exits with a non-zero status
 */
export async function runTree(
  options: ProcessTreeOptions,
  beforeRun?: (tree: ProcessTree) => void | Promise<void>,
): Promise<RunTreeResult> {
  const tree = await startProcessTree(options);
  try {
    await beforeRun?.(tree);
    const result = await tree.run();
    if (result.code !== 0) {
      throw new WorkloadError(
        `process tree ${tree.comm} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`,
        'EWORKLOAD',
      );
    }
    return { ...result, comm: tree.comm, rootPid: tree.rootPid, leafPid: tree.leafPid };
  } finally {
    await tree.dispose();
  }
}
