/**
 * Names a dead victim's cgroup from the kernfs ids the kernel recorded: a
 * cgroup directory's inode number is its kernfs id, so the directory with
 * that inode in the hierarchy's mount is the cgroup. The names then come
 * from core's classification of `/proc/<pid>/cgroup` text, so they are the
 * names the PID table gives live processes.
 */
// KIT-CANDIDATE: "cgroup of a PID that is gone" belongs in core's grouping
// (ProcessGrouping could take kernfs ids, or cgroup paths, and name them);
// BPF collectors that see short-lived processes need it too.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { classifyCgroupPath, parseProcCgroup } from '@ebpf-collectors/core';
import { CGROUP_SLOT, CGROUP_SLOTS } from './internal-types.js';
import type { OomVictim } from './types.js';

/** v1 controller (as `/proc/<pid>/cgroup` spells it) of each v1 slot. */
const V1_CONTROLLER: ReadonlyArray<readonly [slot: number, controller: string]> = [
  [CGROUP_SLOT.cpuset, 'cpuset'],
  [CGROUP_SLOT.io, 'blkio'],
  [CGROUP_SLOT.memory, 'memory'],
  [CGROUP_SLOT.devices, 'devices'],
];

/** Most directories one lookup visits (a host has hundreds of cgroups, not tens of thousands). */
const MAX_DIRS = 20_000;

/** One cgroup hierarchy's mount. */
export interface CgroupMount {
  readonly mountPoint: string;
  /** Path of the mount's root inside the hierarchy (`/` unless a subtree is mounted). */
  readonly root: string;
}

/** Cgroup mounts per slot, from the text of `/proc/self/mountinfo`. */
export function cgroupMounts(mountinfo: string): Array<CgroupMount | undefined> {
  const out: Array<CgroupMount | undefined> = new Array<CgroupMount | undefined>(CGROUP_SLOTS).fill(undefined);
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6) continue;
    const fsType = fields[dash + 1];
    const mount: CgroupMount = { root: unescapeMount(fields[3]!), mountPoint: unescapeMount(fields[4]!) };
    if (fsType === 'cgroup2') {
      out[CGROUP_SLOT.unified] ??= mount;
    } else if (fsType === 'cgroup') {
      const options = (fields[dash + 3] ?? '').split(',');
      for (const [slot, controller] of V1_CONTROLLER) if (options.includes(controller)) out[slot] ??= mount;
    }
  }
  return out;
}

function readMounts(path: string): Array<CgroupMount | undefined> {
  try {
    return cgroupMounts(readFileSync(path, 'utf8'));
  } catch {
    // no cgroups to name: victims keep only what the PID table knows
    return cgroupMounts('');
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** A victim's cgroup, classified. */
export interface VictimCgroup {
  readonly kind: 'cgroup' | 'service' | 'none';
  readonly name?: string;
  /** The cgroup's directory, to tell when it is gone. */
  readonly path?: string;
}

/** Resolves kernfs ids to cgroup paths (cached) and classifies a victim's cgroups. */
export class CgroupResolver {
  #mounts: Array<CgroupMount | undefined>;
  readonly #cache = new Map<string, string | null>();
  readonly #mountinfo: string | undefined;

  /**
   * @param mounts - hierarchy mounts per slot, or the path of a mountinfo
   *   file read now and again whenever a victim's hierarchy is not mounted
   *   (cgroup mounts can appear after the collector started)
   */
  constructor(mounts: Array<CgroupMount | undefined> | string) {
    this.#mountinfo = typeof mounts === 'string' ? mounts : undefined;
    this.#mounts = typeof mounts === 'string' ? readMounts(mounts) : mounts;
  }

  /** From `/proc/self/mountinfo` (or another file); no mounts when it cannot be read. */
  static fromMountinfo(path = '/proc/self/mountinfo'): CgroupResolver {
    return new CgroupResolver(path);
  }

  /** Path inside the hierarchy (`/a/b`) of the cgroup with kernfs id `id`, `undefined` when none has it now. */
  pathOf(slot: number, id: bigint): string | undefined {
    if (id === 0n) return undefined;
    if (this.#mounts[slot] === undefined && this.#mountinfo !== undefined) this.#mounts = readMounts(this.#mountinfo);
    const mount = this.#mounts[slot];
    if (mount === undefined) return undefined;
    const key = `${slot}:${id}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = findInode(mount.mountPoint, id);
    const path = found === undefined ? undefined : join(mount.root, found);
    // A miss is not cached: the cgroup may be one the walk raced with.
    if (path !== undefined) this.#cache.set(key, path);
    return path;
  }

  /** Classify a victim's cgroups the way the PID table classifies `/proc/<pid>/cgroup`. */
  classify(victim: OomVictim): VictimCgroup | undefined {
    const lines: string[] = [];
    const paths = new Map<string, string>();
    for (const [slot, controller] of V1_CONTROLLER) {
      const path = this.pathOf(slot, victim.cgroupIds[slot] ?? 0n);
      if (path === undefined) continue;
      lines.push(`${slot + 1}:${controller}:${path}`);
      paths.set(controller, this.#absolute(slot, path));
    }
    const unified = this.pathOf(CGROUP_SLOT.unified, victim.cgroupIds[CGROUP_SLOT.unified] ?? 0n);
    if (unified !== undefined) {
      lines.push(`0::${unified}`);
      paths.set('unified', this.#absolute(CGROUP_SLOT.unified, unified));
    }
    if (lines.length === 0) return undefined;
    const membership = parseProcCgroup(lines.join('\n'));
    if (membership === undefined) return undefined;
    const cls = classifyCgroupPath(membership.path);
    const dir = paths.get(membership.source);
    return cls.kind === 'none' ? { kind: 'none' } : { kind: cls.kind, name: cls.name, ...(dir !== undefined ? { path: dir } : {}) };
  }

  #absolute(slot: number, path: string): string {
    const mount = this.#mounts[slot]!;
    const rel = mount.root === '/' ? path : path.slice(mount.root.length);
    return join(mount.mountPoint, rel);
  }
}

/** Relative path (`/a/b`, `/` for the mount itself) of the directory under `top` whose inode is `ino`. */
function findInode(top: string, ino: bigint): string | undefined {
  const queue: string[] = ['/'];
  let visited = 0;
  while (queue.length > 0 && visited < MAX_DIRS) {
    const rel = queue.shift()!;
    const dir = join(top, rel);
    visited++;
    try {
      if (statSync(dir, { bigint: true }).ino === ino) return rel;
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) queue.push(join(rel, entry.name));
    } catch {
      // removed while walking
    }
  }
  return undefined;
}
