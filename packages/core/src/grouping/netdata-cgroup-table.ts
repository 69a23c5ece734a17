/**
 * PID -> cgroup/service placement taken from Netdata's shared cgroup segment,
 * refreshed on Netdata's period. Used by the PID table; not exported.
 */
import type { Logger } from '../types.js';
import type { CgroupClass } from './cgroups.js';
import { NetdataShmError } from './errors.js';
import { netdataCgroupClass, readNetdataCgroupPids, readNetdataCgroupShm, type NetdataCgroupShm } from './netdata-cgroups.js';

const NONE: CgroupClass = Object.freeze({ kind: 'none' });

/** Options of {@link NetdataCgroupTable}. */
export interface NetdataCgroupTableOptions {
  /** The segment file. */
  path: string;
  /** Period between reads of the segment and the `cgroup.procs` files, ms. */
  refreshMs: number;
  /** Monotonic clock, ms. */
  now: () => number;
  logger: Logger | undefined;
}

/**
 * Keeps the last good reading of the segment. `refresh()` is cheap between
 * periods; a period's read replaces the whole placement, so a process that
 * left a cgroup leaves its charts at the next read (Netdata keeps it until
 * the cgroup goes away; its exited PIDs count nothing more anyway).
 * Processes started since the last read are in no cgroup until the next
 * one, as in Netdata.
 */
export class NetdataCgroupTable {
  readonly #options: NetdataCgroupTableOptions;
  #active = false;
  #nextRead = Number.NEGATIVE_INFINITY;
  /** The last state logged, so each reason to fall back (or to use the segment) is logged once. */
  #reported: string | undefined;
  #byPid = new Map<number, CgroupClass>();
  #cgroups: ReadonlyArray<string> = Object.freeze([]);
  #services: ReadonlyArray<string> = Object.freeze([]);
  #reads = 0;

  constructor(options: NetdataCgroupTableOptions) {
    this.#options = options;
  }

  /** The last read found a usable segment: placements come from it, not from /proc. */
  get active(): boolean {
    return this.#active;
  }

  /** Segment reads attempted so far. */
  get reads(): number {
    return this.#reads;
  }

  /**
   * Read the segment when a period has passed since the last read.
   *
   * @returns whether the segment is in use after this call
   */
  refresh(): boolean {
    const now = this.#options.now();
    if (now < this.#nextRead) return this.#active;
    this.#nextRead = now + this.#options.refreshMs;
    this.#reads++;
    const { path } = this.#options;

    let shm: NetdataCgroupShm | undefined;
    try {
      shm = readNetdataCgroupShm(path);
    } catch (err) {
      if (err instanceof NetdataShmError && err.code === 'ESHMBUSY') {
        // Being rewritten right now: keep what we have and try again at the next scan, not a period later.
        this.#nextRead = now;
        this.#options.logger?.debug(`${err.message}; retrying at the next scan`);
        return this.#active;
      }
      this.#fallBack('unreadable', `cannot use Netdata's cgroup list (${err instanceof Error ? err.message : String(err)})`, 'warn');
      return false;
    }
    if (shm === undefined) {
      this.#fallBack('absent', `${path} not found (cgroups.plugin is not sharing its cgroups)`, 'info');
      return false;
    }
    this.#load(shm);
    this.#report('active', `naming cgroups as Netdata's cgroups.plugin does, from ${path}`, 'info');
    return true;
  }

  /** Placement of a PID by the last good read. */
  classOf(pid: number): CgroupClass {
    return this.#byPid.get(pid) ?? NONE;
  }

  /** Enabled non-service cgroups of the last read, sorted (charted even while empty, as Netdata does). */
  cgroups(): ReadonlyArray<string> {
    return this.#cgroups;
  }

  /** Enabled systemd services of the last read when the segment says systemd charts are on, sorted. */
  services(): ReadonlyArray<string> {
    return this.#services;
  }

  #load(shm: NetdataCgroupShm): void {
    const byPid = new Map<number, CgroupClass>();
    const cgroups = new Set<string>();
    const services = new Set<string>();
    let unreadable = 0;
    for (const entry of shm.cgroups) {
      const c = netdataCgroupClass(entry, shm.header.systemdEnabled);
      if (c.kind === 'none') continue;
      (c.kind === 'cgroup' ? cgroups : services).add(c.name);
      const pids = readNetdataCgroupPids(entry);
      if (pids === undefined) {
        unreadable++;
        continue;
      }
      // A PID belongs to one group here; the first entry listing it wins (cgroup.procs files of one
      // hierarchy never overlap).
      for (const pid of pids) if (!byPid.has(pid)) byPid.set(pid, c);
    }
    if (unreadable > 0) {
      this.#options.logger?.debug(`${unreadable} cgroup.procs file(s) named in ${this.#options.path} could not be read`);
    }
    this.#byPid = byPid;
    this.#cgroups = Object.freeze([...cgroups].sort());
    this.#services = Object.freeze([...services].sort());
    this.#active = true;
  }

  #fallBack(state: string, why: string, level: 'info' | 'warn'): void {
    this.#active = false;
    this.#byPid = new Map();
    this.#cgroups = Object.freeze([]);
    this.#services = Object.freeze([]);
    this.#report(state, `${why}; naming cgroups from /proc/PID/cgroup`, level);
  }

  #report(state: string, message: string, level: 'info' | 'warn'): void {
    if (this.#reported === state) return;
    this.#reported = state;
    this.#options.logger?.[level](message);
  }
}
