/**
 * The OOM workload: a memory hog alone in a fresh memory cgroup with a
 * small limit, OOM-killed by the kernel. Only the hog can be killed: the
 * OOM is the cgroup's own (its limit, not the machine's memory), the kernel
 * picks victims inside that cgroup only, and the hog is its only task. The
 * workload checks that afterwards: the system-wide `oom_kill` count of
 * /proc/vmstat must have grown by exactly the cgroup's own.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childProcess, classifyProcCgroup, SelfTestSkipped, WorkloadError } from '@ebpf-collectors/core';

/** The hog's process name (the name of the symlink it is executed through). */
export const HOG_COMM = 'ebpfcoomhog';

/** The cgroup's memory limit: far below what the hog asks for. */
export const HOG_LIMIT_BYTES = 32 * 1024 * 1024;

/** What the hog tries to allocate. */
export const HOG_ALLOC_BYTES = 256 * 1024 * 1024;

const HOG_TIMEOUT_MS = 60_000;

/** A memory cgroup the workload can create children in. */
export interface MemoryHierarchy {
  readonly version: 1 | 2;
  /** Where the hierarchy is mounted. */
  readonly mountPoint: string;
  /** Whether the workload mounted it (and unmounts it afterwards). */
  readonly mountedHere: boolean;
}

/** A finished hog. */
export interface HogResult {
  readonly pid: number;
  /** The signal that ended it (`SIGKILL` when OOM-killed). */
  readonly signal: NodeJS.Signals | null;
  /** The cgroup's path inside the hierarchy (`/ebpfc-oomkill-<pid>`). */
  readonly cgroupPath: string;
  /** The hierarchy. */
  readonly hierarchy: MemoryHierarchy;
  /** OOM kills the cgroup itself counted. */
  readonly cgroupKills: number;
  /** Growth of /proc/vmstat `oom_kill` over the run: every OOM kill on the machine. */
  readonly machineKills: number;
  /** Cgroup chart name the hog's cgroup gets, if any (with the runner's other cgroups). */
  readonly cgroupName: string | undefined;
  /** Service name, if the hog's cgroup is a systemd service (never, for this workload). */
  readonly serviceName: string | undefined;
}

function mountinfoCgroups(text: string): { v1Memory?: string; v2?: string } {
  const out: { v1Memory?: string; v2?: string } = {};
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields[3] !== '/') continue;
    const type = fields[dash + 1];
    const mountPoint = fields[4]!;
    if (type === 'cgroup' && (fields[dash + 3] ?? '').split(',').includes('memory')) out.v1Memory ??= mountPoint;
    if (type === 'cgroup2') out.v2 ??= mountPoint;
  }
  return out;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The hierarchy the memory controller is in: its v1 mount, or a cgroup2
 * mount whose root offers `memory`. With neither mounted (a bare VM guest),
 * cgroup2 is mounted under `scratchDir` for the run.
 *
 * @throws SelfTestSkipped when not root or the kernel has no memory controller
 */
export function findMemoryHierarchy(scratchDir: string): MemoryHierarchy {
  if (process.getuid?.() !== 0) throw new SelfTestSkipped('the OOM workload needs root (it creates a memory cgroup)');
  if (!readText('/proc/cgroups').split('\n').some((l) => /^memory\s+\d+\s+\d+\s+1/.test(l))) {
    throw new SelfTestSkipped('this kernel has no enabled memory cgroup controller (/proc/cgroups)');
  }
  const mounts = mountinfoCgroups(readText('/proc/self/mountinfo'));
  if (mounts.v1Memory) return { version: 1, mountPoint: mounts.v1Memory, mountedHere: false };
  if (mounts.v2 && readText(join(mounts.v2, 'cgroup.controllers')).split(/\s+/).includes('memory')) {
    return { version: 2, mountPoint: mounts.v2, mountedHere: false };
  }
  if (mounts.v2) throw new SelfTestSkipped(`the memory controller is not available in ${mounts.v2} (cgroup.controllers)`);
  const mountPoint = join(scratchDir, 'cgroup2');
  mkdirSync(mountPoint, { recursive: true });
  const r = childProcess().spawnSync('mount', ['-t', 'cgroup2', 'cgroup2', mountPoint], { encoding: 'utf8' });
  if (r.status !== 0) throw new WorkloadError(`cannot mount cgroup2 on ${mountPoint}: ${r.stderr || r.error?.message}`);
  return { version: 2, mountPoint, mountedHere: true };
}

function oomKills(): number {
  const m = /^oom_kill (\d+)$/m.exec(readText('/proc/vmstat'));
  return m ? Number(m[1]) : 0;
}

function cgroupOomKills(dir: string, version: 1 | 2): number {
  const text = readText(join(dir, version === 2 ? 'memory.events' : 'memory.oom_control'));
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * The cgroup name the PID table gives a process of ours moved to
 * `cgroupPath` of the memory hierarchy: our own /proc/self/cgroup with that
 * hierarchy's line replaced.
 */
export function expectedCgroup(version: 1 | 2, cgroupPath: string, self = readText('/proc/self/cgroup')): ReturnType<typeof classifyProcCgroup> {
  const lines = self.split('\n').filter((l) => l !== '');
  let replaced = false;
  const out = lines.map((line) => {
    const [id, controllers] = line.split(':');
    const hit = version === 2 ? id === '0' : (controllers ?? '').split(',').includes('memory');
    if (!hit) return line;
    replaced = true;
    return `${id}:${controllers}:${cgroupPath}`;
  });
  if (!replaced) out.push(version === 2 ? `0::${cgroupPath}` : `99:memory:${cgroupPath}`);
  return classifyProcCgroup(out.join('\n'));
}

/**
 * Run the hog alone in a new memory cgroup and wait for the kernel to kill it.
 *
 * @throws SelfTestSkipped where no memory cgroup can be made
 * @throws WorkloadError when perl is missing, the hog survives, or anything but the hog was OOM-killed
 */
export async function runOomHog(scratchDir: string): Promise<HogResult> {
  const hierarchy = findMemoryHierarchy(scratchDir);
  const cgroupPath = `/ebpfc-oomkill-${process.pid}-${Date.now() % 100000}`;
  const dir = join(hierarchy.mountPoint, cgroupPath);
  const perl = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));
  if (perl === undefined) throw new WorkloadError('perl is not installed (the OOM hog is a perl one-liner: apt install perl-base)', { code: 'ENOENT' });
  const hog = join(scratchDir, HOG_COMM);
  if (!existsSync(hog)) symlinkSync(perl, hog);
  let created = false;
  try {
    if (hierarchy.version === 2) {
      const subtree = join(hierarchy.mountPoint, 'cgroup.subtree_control');
      if (!readText(subtree).split(/\s+/).includes('memory')) writeFileSync(subtree, '+memory');
    }
    mkdirSync(dir);
    created = true;
    if (hierarchy.version === 2) {
      writeFileSync(join(dir, 'memory.max'), String(HOG_LIMIT_BYTES));
      if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
      // Victims of the cgroup's own OOM come from the cgroup only, and the hog is its only task. No group kill:
      // it would kill the hog a second time (two oom_kill events for one mark_victim).
      writeFileSync(join(dir, 'memory.oom.group'), '0');
    } else {
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(HOG_LIMIT_BYTES));
      if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(HOG_LIMIT_BYTES));
    }
    const before = oomKills();
    const script = `$x = "a" x ${HOG_ALLOC_BYTES}; print "survived\\n";`;
    // The shell moves itself into the cgroup, then becomes the hog: the cgroup never holds anything else.
    const child = childProcess().spawn('/bin/sh', ['-c', `echo $$ > "$1/cgroup.procs" && exec "$2" -e "$3"`, 'sh', dir, hog, script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (output += d));
    const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new WorkloadError(`the OOM hog was not killed within ${HOG_TIMEOUT_MS} ms`));
      }, HOG_TIMEOUT_MS);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new WorkloadError(`cannot run the OOM hog: ${e.message}`, { cause: e }));
      });
      child.once('exit', (_code, sig) => {
        clearTimeout(timer);
        resolve(sig);
      });
    });
    const cgroupKills = cgroupOomKills(dir, hierarchy.version);
    const machineKills = oomKills() - before;
    if (signal !== 'SIGKILL' || cgroupKills < 1) {
      throw new WorkloadError(`the OOM hog ended with ${signal ?? 'an exit'} and its cgroup counted ${cgroupKills} OOM kills; output: ${output.slice(-300)}`);
    }
    if (machineKills !== cgroupKills) {
      throw new WorkloadError(`${machineKills} OOM kills on the machine while the hog's cgroup counted ${cgroupKills}: something else was killed`);
    }
    const cls = expectedCgroup(hierarchy.version, cgroupPath);
    return {
      pid: child.pid!,
      signal,
      cgroupPath,
      hierarchy,
      cgroupKills,
      machineKills,
      cgroupName: cls.kind === 'cgroup' ? cls.name : undefined,
      serviceName: cls.kind === 'service' ? cls.name : undefined,
    };
  } catch (error) {
    // On success the caller removes the cgroup once the charts were read (removeHogCgroup).
    if (created) removeHogCgroup({ hierarchy, cgroupPath });
    else if (hierarchy.mountedHere) childProcess().spawnSync('umount', [hierarchy.mountPoint]);
    throw error;
  }
}

/** Remove the hog's cgroup (and the cgroup2 mount the workload made). Best effort. */
export function removeHogCgroup(result: Pick<HogResult, 'hierarchy' | 'cgroupPath'>): void {
  try {
    rmdirSync(join(result.hierarchy.mountPoint, result.cgroupPath));
  } catch {
    // already gone
  }
  if (result.hierarchy.mountedHere) childProcess().spawnSync('umount', [result.hierarchy.mountPoint]);
}
