/**
 * The PID table: a /proc scan that knows, for every process, its application
 * group (apps_groups.conf + Netdata's inheritance rules), its cgroup and its
 * systemd service.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import type { Loader } from '@ebpf-collectors/loader-native';
import type { Logger, ProcessGrouping } from '../types.js';
import { AppsGroups, emptyAppsGroups } from './apps-groups.js';
import { cgroupExitShape, classifyProcCgroup, type CgroupClass } from './cgroups.js';
import { ProcReadError } from './errors.js';
import { NetdataCgroupTable } from './netdata-cgroup-table.js';
import { NETDATA_CGROUP_REFRESH_MS, NETDATA_CGROUP_SHM_PATH } from './netdata-cgroups.js';
import { parseStatFields, type StatFields } from './proc-stat.js';
import { PID_SCAN_ENV, TaskSnapshot, type TaskRecords } from './task-snapshot.js';
import { monotonicMs } from '../monotonic.js';

/** Netdata's `PID_MAX_DEFAULT`, the default `pid table size`. */
export const DEFAULT_MAX_PIDS = 32768;

/**
 * Default of {@link PidTableOptions.cgroupRefreshScans}. Reading every
 * process's cgroup file costs more than reading its stat (1.6k processes on
 * a v1 host: ~28 ms vs ~17 ms), and processes rarely move once started.
 */
export const DEFAULT_CGROUP_REFRESH_SCANS = 10;

/** Netdata reads at most this much of `/proc/<pid>/cmdline`. */
export const CMDLINE_MAX_BYTES = 16384;

const INIT_PID = 1;
const STAT_BUFFER_BYTES = 4096;
const CGROUP_CACHE_MAX = 4096;
const NO_TARGET = -1;
const NO_CGROUP: CgroupClass = Object.freeze({ kind: 'none' });
/** `PF_EXITING` in the flags (field 9) of `/proc/<pid>/stat`: the task is in `do_exit`. */
const PF_EXITING = 0x4;

/** Options of {@link PidTable}. */
export interface PidTableOptions {
  /** Parsed apps_groups.conf. Default: no groups (every process in `other`). */
  apps?: AppsGroups;
  /** Where /proc is mounted; tests point it at a fixture tree. Default `/proc`. */
  procRoot?: string;
  /** Most processes tracked (Netdata's `pid table size`). Default {@link DEFAULT_MAX_PIDS}. */
  maxPids?: number;
  /** Read `/proc/<pid>/cgroup` (cgroup and service lookups). Default false. */
  cgroups?: boolean;
  /**
   * Re-read every process's cgroup file once per this many scans; it is
   * always read when a process is first seen and after it execs (container
   * runtimes move a process before they exec its entrypoint). Default
   * {@link DEFAULT_CGROUP_REFRESH_SCANS}.
   */
  cgroupRefreshScans?: number;
  /**
   * Netdata cgroups.plugin's shared cgroup table (see `readNetdataCgroupShm`),
   * used when `cgroups` is on: while the file exists and decodes, PIDs get
   * the names cgroups.plugin chose, and only the cgroups it enabled are
   * listed; otherwise (and whenever it becomes unreadable) cgroups come
   * from `/proc/<pid>/cgroup`. `false` turns it off. Default
   * {@link NETDATA_CGROUP_SHM_PATH} when `procRoot` is `/proc`, off
   * otherwise (the segment lists real PIDs, which a fixture tree does not
   * have).
   */
  netdataCgroupShm?: string | false;
  /** Period between reads of that table and its `cgroup.procs` files, ms. Default {@link NETDATA_CGROUP_REFRESH_MS}. */
  netdataCgroupRefreshMs?: number;
  /** Monotonic clock in ms for that period; tests replace it. Default `monotonicMs`. */
  now?: () => number;
  /**
   * Receives debug lines for processes matched by `+` patterns, and one line
   * each time the cgroup source changes (Netdata's table found, absent or
   * unreadable).
   */
  logger?: Logger;
}

/** Where cgroup and service names come from. */
export type CgroupNaming =
  /** cgroups are off. */
  | 'off'
  /** Netdata cgroups.plugin's shared table. */
  | 'netdata'
  /** Each process's `/proc/<pid>/cgroup`. */
  | 'proc';

/** What one {@link PidTable.scan} did. */
export interface ScanResult {
  /** Processes tracked after the scan, including those kept one scan after they vanished. */
  readonly tracked: number;
  /** Processes seen for the first time. */
  readonly added: number;
  /** Entries forgotten by this scan (vanished one scan earlier, or noted exited and now gone). */
  readonly removed: number;
  /** Processes present in /proc but not tracked because the table is full. */
  readonly dropped: number;
  /** Wall time of the scan, milliseconds. */
  readonly durationMs: number;
}

/** Counters of a {@link PidTable}. */
export interface PidTableStats {
  /** Entries in the table now. */
  readonly tracked: number;
  /** Processes not tracked at the last scan because the table was full. */
  readonly dropped: number;
  /** Sum of `dropped` over all scans. */
  readonly droppedTotal: number;
  readonly scans: number;
  /** Duration of the last scan, ms. */
  readonly lastScanMs: number;
  /** Sum of all scan durations, ms. */
  readonly totalScanMs: number;
  /** Files read: cmdline and cgroup (stat is read once per process per scan). */
  readonly cmdlineReads: number;
  readonly cgroupReads: number;
  /** Reads of Netdata's shared cgroup table (each also reads the enabled cgroups' `cgroup.procs`). */
  readonly netdataCgroupReads: number;
}

/** A grouping that can tell two processes with the same PID apart. */
export interface PidIdentity {
  /**
   * Start time of the process now holding `pid` (clock ticks since boot,
   * field 22 of `/proc/<pid>/stat`), `undefined` if not tracked. A change
   * means the PID was reused.
   */
  startTimeOf(pid: number): number | undefined;
}

/** Whether a grouping also implements {@link PidIdentity}. */
export function hasPidIdentity(grouping: ProcessGrouping): grouping is ProcessGrouping & PidIdentity {
  return typeof (grouping as Partial<PidIdentity>).startTimeOf === 'function';
}

/** One tracked process. A class so every entry has the same shape. */
class PidEntry {
  ppid = 0;
  startTime = 0;
  comm = '';
  commBytes: Buffer | undefined = undefined;
  /** Index into the app group names; persists across scans like Netdata's `p->target`. */
  target = NO_TARGET;
  cgroup: CgroupClass = NO_CGROUP;
  seenScan = 0;
  /** Scan at which it was first missing from /proc; 0 while present. */
  goneScan = 0;
  /** A BPF exit event said it exited. */
  exited = false;
  zombie = false;
  /** Zombie, dead, or `PF_EXITING` at the last stat read: its cgroup file no longer tells where it ran. */
  exiting = false;
  // Per-scan inheritance state.
  parent: PidEntry | undefined = undefined;
  children = 0;
  merged = false;

  readonly statPath: string;

  constructor(
    readonly pid: number,
    readonly dir: string,
  ) {
    this.statPath = `${dir}/stat`;
  }
}

/**
 * The PID table (implements {@link ProcessGrouping}).
 *
 * `scan()` walks `<procRoot>/[0-9]*`, reads each process's `stat` (name and
 * parent; or takes the same fields for every process from one read of a BPF
 * task iterator once {@link PidTable.open} loaded it), its `cmdline` only when a `*substring*` pattern needs it and only
 * when the name changed, and its `cgroup` file when cgroups are on. It then
 * assigns application groups with Netdata's inheritance rules:
 * 0. PID 1 (and 0) are `other`, whatever their name matches;
 * 1. a process without a group takes its parent's;
 * 2. childless processes merge into their parent (never into PID 1) when both
 *    have the same group or the parent has none, the parent taking the
 *    child's group;
 * 3. every unmerged process still without a group is `other`;
 * 4. merged processes still without a group take their parent's.
 * As in Netdata, a group once given to a process stays until its name
 * changes to one that matches another pattern; a PID reused by a new process
 * (different start time) starts afresh. So after the first scan every new
 * process gets its own match or its parent's group, and step 2 only hands a
 * child's group up to parents that never had one (those whose parent is not
 * tracked). Netdata pins PID 1 only at step 3 but keeps that group, which
 * gives the same result from its second scan on; step 0 makes the first scan
 * agree with the later ones.
 *
 * Processes gone from /proc stay one more scan (so the kernel's last values
 * can still be attributed; `isAlive` is false for them), then are forgotten.
 * `noteExit` makes that happen at the next scan. Not thread-safe; not
 * reentrant — call `scan()` from one place.
 *
 * With cgroups on and Netdata's shared cgroup table present (see
 * {@link PidTableOptions.netdataCgroupShm}), cgroups and services are placed
 * the way Netdata's ebpf.plugin places them: every 30 s the table and the
 * `cgroup.procs` of each enabled cgroup are read, each listed PID takes that
 * cgroup's name and every other PID none; `/proc/<pid>/cgroup` is not read
 * meanwhile. Without the table, or once it cannot be read, placement falls
 * back to `/proc/<pid>/cgroup`.
 */
export class PidTable implements ProcessGrouping, PidIdentity {
  readonly #apps: AppsGroups;
  readonly #procRoot: string;
  readonly #maxPids: number;
  readonly #cgroupsOn: boolean;
  readonly #cgroupRefresh: number;
  readonly #logger: Logger | undefined;
  readonly #names: ReadonlyArray<string>;
  readonly #netdata: NetdataCgroupTable | undefined;
  /** The Netdata table placed the processes at the last scan. */
  #fromNetdata = false;

  readonly #byPid = new Map<number, PidEntry>();
  // The last PID looked up and its entry: an accumulator asks appOf/cgroupOf/serviceOf and
  // startTimeOf of the same PID in a row, once per PID of every per-PID table. Reset by scan().
  #memoPid = -1;
  #memoEntry: PidEntry | undefined;
  /** Entries in order of first sighting (Netdata walks its list newest first). */
  readonly #order: PidEntry[] = [];
  /** Entries seen by the last scan, newest first. */
  #live: PidEntry[] = [];

  readonly #statBuf = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  readonly #bigBuf = Buffer.allocUnsafe(CMDLINE_MAX_BYTES);
  readonly #cgroupCache = new Map<string, CgroupClass>();
  /** Reused for every stat line so the scan loop allocates nothing for known processes. */
  readonly #fields: StatFields = { state: 0, ppid: 0, startTime: 0, flags: 0 };

  readonly #exposed: boolean[];
  #exposedList: ReadonlyArray<string> = [];
  #cgroupList: ReadonlyArray<string> = [];
  #serviceList: ReadonlyArray<string> = [];

  /** Lists processes when open (see {@link PidTable.open}); /proc otherwise. */
  #tasks: TaskSnapshot | undefined;
  #closed = false;
  /** State of the scan running now, shared with #see. */
  #pass: ScanPass = { scan: 0, readCgroups: false, refreshCgroups: false, fromNetdata: false, fresh: [], added: 0, removed: 0, dropped: 0 };

  #scans = 0;
  #dropped = 0;
  #droppedTotal = 0;
  /** The full table was logged (once per table). */
  #fullSaid = false;
  #lastScanMs = 0;
  #totalScanMs = 0;
  #cmdlineReads = 0;
  #cgroupReads = 0;

  /**
   * @throws RangeError when `maxPids`, `cgroupRefreshScans` or
   *   `netdataCgroupRefreshMs` is not a positive integer
   */
  constructor(options: PidTableOptions = {}) {
    this.#apps = options.apps ?? emptyAppsGroups();
    this.#procRoot = options.procRoot ?? '/proc';
    this.#maxPids = options.maxPids ?? DEFAULT_MAX_PIDS;
    this.#cgroupsOn = options.cgroups ?? false;
    this.#cgroupRefresh = options.cgroupRefreshScans ?? DEFAULT_CGROUP_REFRESH_SCANS;
    this.#logger = options.logger;
    if (!Number.isInteger(this.#maxPids) || this.#maxPids < 1) {
      throw new RangeError(`maxPids must be a positive integer, got ${this.#maxPids}`);
    }
    if (!Number.isInteger(this.#cgroupRefresh) || this.#cgroupRefresh < 1) {
      throw new RangeError(`cgroupRefreshScans must be a positive integer, got ${this.#cgroupRefresh}`);
    }
    this.#names = this.#apps.names();
    this.#exposed = this.#names.map(() => false);

    const shmPath = options.netdataCgroupShm ?? (this.#procRoot === '/proc' ? NETDATA_CGROUP_SHM_PATH : false);
    const refreshMs = options.netdataCgroupRefreshMs ?? NETDATA_CGROUP_REFRESH_MS;
    if (!Number.isInteger(refreshMs) || refreshMs < 1) {
      throw new RangeError(`netdataCgroupRefreshMs must be a positive integer, got ${refreshMs}`);
    }
    this.#netdata =
      this.#cgroupsOn && shmPath !== false
        ? new NetdataCgroupTable({ path: shmPath, refreshMs, now: options.now ?? monotonicMs, logger: this.#logger })
        : undefined;
  }

  /** The apps_groups.conf this table matches against. */
  get apps(): AppsGroups {
    return this.#apps;
  }

  /**
   * List processes with a BPF task iterator from the next scan on: one read
   * for every process instead of a `stat` file each (same fields, same
   * results; cmdline and cgroup files are still read from /proc when
   * needed). Where it cannot load (kernel without BTF or task iterators,
   * missing CAP_BPF/CAP_PERFMON, a PID namespace) the table keeps reading
   * /proc and logs why at info level. Not with a custom `procRoot`, nor with
   * `EBPFC_PID_SCAN=proc` in the environment. Never throws.
   */
  async open(loader: Loader, env: NodeJS.ProcessEnv = process.env): Promise<void> {
    if (this.#tasks !== undefined || this.#closed || this.#procRoot !== '/proc') return;
    const choice = env[PID_SCAN_ENV];
    if (choice === 'proc') return;
    if (choice !== undefined && choice !== '' && choice !== 'iterator') {
      this.#logger?.warn(`${PID_SCAN_ENV}=${choice}: expected "proc" or "iterator"; using the task iterator`);
    }
    try {
      const tasks = await TaskSnapshot.open(loader);
      // Closed while loading (a stop during start-up): nothing may stay loaded.
      if (this.#closed) tasks.close();
      else this.#tasks = tasks;
    } catch (error) {
      this.#logger?.info(`process scan reads /proc (the task iterator is not usable here: ${errorText(error)})`);
    }
  }

  /** How the last scans listed processes. */
  get source(): 'iterator' | 'proc' {
    return this.#tasks === undefined ? 'proc' : 'iterator';
  }

  /** Unload the task iterator, if open, and open none later. Idempotent; scans go on with /proc. */
  close(): void {
    this.#closed = true;
    const tasks = this.#tasks;
    this.#tasks = undefined;
    tasks?.close();
  }

  /**
   * List processes again and reassign groups. Synchronous: with the task
   * iterator (see {@link PidTable.open}) one read for all of them, else
   * three system calls per known process (open, read, close of `stat`); no
   * allocation for processes whose name did not change. A process that
   * vanishes while being read is simply missing from this scan.
   *
   * @throws ProcReadError (`EPROCREAD`) when `procRoot` itself cannot be listed
   */
  scan(): ScanResult {
    this.#memoPid = -1;
    this.#memoEntry = undefined;
    const t0 = monotonicMs();
    const scan = ++this.#scans;
    const wasFromNetdata = this.#fromNetdata;
    const fromNetdata = this.#netdata?.refresh() ?? false;
    this.#fromNetdata = fromNetdata;
    const readCgroups = this.#cgroupsOn && !fromNetdata;
    // Back from Netdata's names to /proc: every process still carries a Netdata placement.
    const refreshCgroups = readCgroups && (scan % this.#cgroupRefresh === 0 || wasFromNetdata);
    const fresh: PidEntry[] = [];
    this.#pass = { scan, readCgroups, refreshCgroups, fromNetdata, fresh, added: 0, removed: 0, dropped: 0 };
    const records = this.#readTasks();
    if (records !== undefined) {
      const fields = this.#fields;
      const buf = records.buf;
      for (let i = 0; i < records.count; i++) {
        const at = records.at(i);
        fields.state = records.exitLetter(at);
        fields.ppid = records.ppid(at);
        fields.flags = records.flags(at);
        fields.startTime = records.startTicks(at);
        this.#see(records.pid(at), undefined, buf, records.commStart(at), records.commEnd(at));
      }
      // The kernel's task iterator starts after PID 1 in the first PID namespace (seen on 6.18).
      if (this.#byPid.get(INIT_PID)?.seenScan !== scan) this.#seeProc(INIT_PID, String(INIT_PID));
    } else {
      let names: string[];
      try {
        names = readdirSync(this.#procRoot);
      } catch (err) {
        throw new ProcReadError(this.#procRoot, err);
      }
      for (const name of names) {
        const pid = parsePid(name);
        if (pid >= 0) this.#seeProc(pid, name);
      }
    }
    const { added, dropped } = this.#pass;
    let removed = this.#pass.removed;

    // Not seen by this scan: gone. Kept for one more scan (a process missing once, e.g. a failed
    // read, comes back with its group), except after noteExit.
    let kept = 0;
    const order = this.#order;
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      if (this.#byPid.get(e.pid) !== e) continue;
      if (e.seenScan !== scan) {
        if (e.exited || e.goneScan !== 0) {
          this.#byPid.delete(e.pid);
          removed++;
          continue;
        }
        e.goneScan = scan;
      }
      order[kept++] = e;
    }
    order.length = kept;
    // readdir order is the filesystem's; sorting makes the order-sensitive merge step deterministic
    // (real /proc lists ascending PIDs already, so this is a cheap pass there).
    fresh.sort((a, b) => a.pid - b.pid);
    for (const e of fresh) order.push(e);

    const live: PidEntry[] = [];
    for (let i = order.length - 1; i >= 0; i--) {
      const e = order[i]!;
      if (e.seenScan === scan) live.push(e);
    }
    this.#live = live;

    this.#inherit(live);
    this.#publish(live);

    this.#dropped = dropped;
    this.#droppedTotal += dropped;
    if (dropped > 0 && !this.#fullSaid) {
      // Once: a full table stays full while the host runs that many processes.
      this.#fullSaid = true;
      this.#logger?.warn(
        `pid table full: ${dropped} of ${this.#byPid.size + dropped} processes are not tracked (pid table size = ${this.#maxPids}); ` +
          'their events are charted as "other" in the apps charts: raise "pid table size" in ebpf.d.conf [global] ' +
          '(or in the module\'s file) above the number of processes this host runs',
      );
    }
    this.#memoPid = -1;
    this.#memoEntry = undefined;
    const durationMs = monotonicMs() - t0;
    this.#lastScanMs = durationMs;
    this.#totalScanMs += durationMs;
    return { tracked: this.#byPid.size, added, removed, dropped, durationMs };
  }

  /**
   * One process seen by this scan: `this.#fields` holds its stat fields and
   * `buf[commStart, commEnd)` its name. `name` is its /proc directory's name
   * (`undefined`: the decimal PID).
   */
  #see(pid: number, name: string | undefined, buf: Buffer, commStart: number, commEnd: number): void {
    const pass = this.#pass;
    const fields = this.#fields;
    let entry = this.#byPid.get(pid);
    if (entry !== undefined && entry.startTime !== fields.startTime) {
      // PID reused by a new process: nothing of the old one applies.
      this.#byPid.delete(pid);
      pass.removed++;
      entry = undefined;
    }
    if (entry === undefined) {
      if (this.#byPid.size >= this.#maxPids) {
        pass.dropped++;
        return;
      }
      entry = new PidEntry(pid, `${this.#procRoot}/${name ?? pid}`);
      entry.startTime = fields.startTime;
      this.#byPid.set(pid, entry);
      pass.fresh.push(entry);
      pass.added++;
    }

    entry.ppid = fields.ppid;
    entry.zombie = fields.state === 0x5a /* Z */ || fields.state === 0x58; /* X */
    entry.exiting = entry.zombie || (fields.flags & PF_EXITING) !== 0;
    entry.seenScan = pass.scan;
    entry.goneScan = 0;
    // An exit event for a process that is still running was for another task: keep it.
    if (entry.exited && !entry.zombie) entry.exited = false;

    const commLen = commEnd - commStart;
    const known = entry.commBytes;
    if (known === undefined || known.length !== commLen || buf.compare(known, 0, commLen, commStart, commEnd) !== 0) {
      entry.commBytes = Buffer.from(buf.subarray(commStart, commEnd));
      entry.comm = buf.toString('utf8', commStart, commEnd);
      this.#assignFromName(entry);
      if (pass.readCgroups) this.#readCgroup(entry);
    } else if (pass.refreshCgroups) {
      this.#readCgroup(entry);
    }
    if (pass.fromNetdata) entry.cgroup = this.#netdata!.classOf(pid);
  }

  /** Read `<procRoot>/<name>/stat` and see the process; nothing when it exited meanwhile. */
  #seeProc(pid: number, name: string): void {
    const buf = this.#statBuf;
    const n = readInto(this.#byPid.get(pid)?.statPath ?? `${this.#procRoot}/${name}/stat`, buf);
    if (n <= 0) return;
    const open = buf.indexOf(0x28);
    const close = buf.lastIndexOf(0x29, n - 1);
    if (open < 0 || close < open) return;
    if (!parseStatFields(buf, close + 2, n, this.#fields)) return;
    this.#see(pid, name, buf, open + 1, close);
  }

  /** The task iterator's records, or undefined to read /proc (no iterator, or it just failed). */
  #readTasks(): TaskRecords | undefined {
    const tasks = this.#tasks;
    if (tasks === undefined) return undefined;
    try {
      return tasks.read();
    } catch (error) {
      this.#tasks = undefined;
      tasks.close();
      this.#logger?.warn(`process scan: the task iterator failed, reading /proc from now on: ${errorText(error)}`);
      return undefined;
    }
  }

  /** {@inheritDoc ProcessGrouping.appOf} */
  appOf(pid: number): string | undefined {
    const e = this.#entry(pid);
    if (e === undefined) return undefined;
    return this.#names[e.target] ?? this.#names[this.#apps.otherIndex];
  }

  /** {@inheritDoc ProcessGrouping.cgroupOf} */
  cgroupOf(pid: number): string | undefined {
    const c = this.#entry(pid)?.cgroup;
    return c?.kind === 'cgroup' ? c.name : undefined;
  }

  /** {@inheritDoc ProcessGrouping.serviceOf} */
  serviceOf(pid: number): string | undefined {
    const c = this.#entry(pid)?.cgroup;
    return c?.kind === 'service' ? c.name : undefined;
  }

  /** {@inheritDoc ProcessGrouping.exposedApps} */
  exposedApps(): ReadonlyArray<string> {
    return this.#exposedList;
  }

  /**
   * Cgroups (non-service), sorted: with Netdata's table, every cgroup it
   * enabled (charted even while empty, as Netdata does); otherwise those
   * with at least one process at the last scan.
   */
  cgroups(): ReadonlyArray<string> {
    return this.#fromNetdata ? this.#netdata!.cgroups() : this.#cgroupList;
  }

  /**
   * systemd services, sorted: with Netdata's table, every service it
   * enabled when it says systemd charts are on (none otherwise); without
   * it, those with at least one process at the last scan.
   */
  services(): ReadonlyArray<string> {
    return this.#fromNetdata ? this.#netdata!.services() : this.#serviceList;
  }

  /** Where the last scan took cgroup and service names from. */
  cgroupNaming(): CgroupNaming {
    if (!this.#cgroupsOn) return 'off';
    return this.#fromNetdata ? 'netdata' : 'proc';
  }

  /**
   * True when the last scan saw the process and no exit was noted since; for
   * a PID the table does not track (table full, or newer than the last scan),
   * whether `kill(pid, 0)` succeeds (or, with a custom `procRoot`, whether
   * `<procRoot>/<pid>` exists).
   */
  isAlive(pid: number): boolean {
    const e = this.#byPid.get(pid);
    if (e !== undefined) return e.goneScan === 0 && !e.exited;
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (this.#procRoot !== '/proc') return existsSync(`${this.#procRoot}/${pid}`);
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: it exists but belongs to someone we may not signal.
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  /**
   * A process exited (BPF exit event): `isAlive` is false from now on and
   * the next scan forgets it unless /proc still shows it running.
   */
  noteExit(pid: number): void {
    const e = this.#byPid.get(pid);
    if (e !== undefined) e.exited = true;
  }

  /** Start time of the tracked process holding `pid` (see {@link PidIdentity}). */
  startTimeOf(pid: number): number | undefined {
    return this.#entry(pid)?.startTime;
  }

  /** `#byPid.get(pid)`, remembering the last answer until the next scan. */
  #entry(pid: number): PidEntry | undefined {
    if (pid === this.#memoPid) return this.#memoEntry;
    const e = this.#byPid.get(pid);
    this.#memoPid = pid;
    this.#memoEntry = e;
    return e;
  }

  /** Process name of a tracked PID. */
  commOf(pid: number): string | undefined {
    return this.#byPid.get(pid)?.comm;
  }

  /** Parent PID of a tracked PID as of the last scan. */
  ppidOf(pid: number): number | undefined {
    return this.#byPid.get(pid)?.ppid;
  }

  /** PIDs seen by the last scan, newest first. */
  *pids(): IterableIterator<number> {
    for (const e of this.#live) yield e.pid;
  }

  /** Counters for the plugin's own charts and `--check`. */
  stats(): PidTableStats {
    return {
      tracked: this.#byPid.size,
      dropped: this.#dropped,
      droppedTotal: this.#droppedTotal,
      scans: this.#scans,
      lastScanMs: this.#lastScanMs,
      totalScanMs: this.#totalScanMs,
      cmdlineReads: this.#cmdlineReads,
      cgroupReads: this.#cgroupReads,
      netdataCgroupReads: this.#netdata?.reads ?? 0,
    };
  }

  #assignFromName(entry: PidEntry): void {
    const apps = this.#apps;
    let cmdline: string | undefined;
    // Used for this match only: keeping up to 16 KiB per process would dominate the table's memory.
    if (apps.needsCmdline) cmdline = this.#readCmdline(entry);
    const pattern = apps.matchPattern(entry.comm, cmdline);
    // No match keeps the previous group, as Netdata does after an exec.
    if (pattern === undefined) return;
    entry.target = apps.group(pattern.group)?.index ?? NO_TARGET;
    if (pattern.debug) {
      this.#logger?.debug(
        `apps: pid ${entry.pid} (${entry.comm}) matched '${pattern.id}' of group '${pattern.group}' (${pattern.file}:${pattern.line})`,
      );
    }
  }

  /** NULs become spaces; an unreadable cmdline stands as the name, as in Netdata. */
  #readCmdline(entry: PidEntry): string {
    this.#cmdlineReads++;
    const buf = this.#bigBuf;
    const n = readInto(`${entry.dir}/cmdline`, buf);
    if (n < 0) return entry.comm;
    for (let i = 0; i < n; i++) if (buf[i] === 0) buf[i] = 0x20;
    return buf.toString('utf8', 0, n);
  }

  /**
   * A task on its way out keeps the cgroup it had (none when first seen
   * exiting), so it never creates a cgroup's or service's charts: its v1
   * lines read `/` and a removed cgroup reads `(deleted)` (see
   * `cgroupExitShape`). Exiting means: state Z or X or `PF_EXITING` at this
   * scan's stat read, an empty or unreadable cgroup file, a `(deleted)`
   * path, or v1 lines that all read `/` where they did not before and a
   * second stat read that shows it exiting (it began to exit between the
   * two reads).
   */
  #readCgroup(entry: PidEntry): void {
    if (entry.exiting) return;
    this.#cgroupReads++;
    const n = readInto(`${entry.dir}/cgroup`, this.#bigBuf);
    if (n <= 0) return;
    const text = this.#bigBuf.toString('latin1', 0, n);
    let c = this.#cgroupCache.get(text);
    if (c === undefined) {
      c = classifyProcCgroup(Buffer.from(text, 'latin1').toString('utf8'));
      if (this.#cgroupCache.size >= CGROUP_CACHE_MAX) this.#cgroupCache.clear();
      this.#cgroupCache.set(text, c);
    }
    if (c !== entry.cgroup && !sameClass(c, entry.cgroup)) {
      const shape = cgroupExitShape(text);
      if (shape === 'deleted') return;
      if (shape === 'v1-root' && this.#exitingNow(entry)) return;
    }
    entry.cgroup = c;
  }

  /** Read the stat file again: is the task exiting now? Also true when it is gone. */
  #exitingNow(entry: PidEntry): boolean {
    const buf = this.#statBuf;
    const n = readInto(entry.statPath, buf);
    if (n <= 0) return true;
    const close = buf.lastIndexOf(0x29, n - 1);
    const fields: StatFields = { state: 0, ppid: 0, startTime: 0, flags: 0 };
    if (close < 0 || !parseStatFields(buf, close + 2, n, fields)) return true;
    const exiting = fields.state === 0x5a || fields.state === 0x58 || (fields.flags & PF_EXITING) !== 0;
    if (exiting) entry.exiting = true;
    return exiting;
  }

  /** Netdata's four inheritance steps over the processes seen by this scan (newest first). */
  #inherit(live: PidEntry[]): void {
    const other = this.#apps.otherIndex;
    const byPid = this.#byPid;
    for (const e of live) {
      e.parent = undefined;
      e.children = 0;
      e.merged = false;
    }
    for (const e of live) {
      if (e.ppid === 0) continue;
      const p = byPid.get(e.ppid);
      if (p !== undefined && p.seenScan === e.seenScan && p !== e) {
        e.parent = p;
        p.children++;
      }
    }

    // PID 1 and 0 are `other` before step 1 too. Netdata pins them only in step 3 but keeps the
    // result, so from its second scan on init's children inherit `other`; pinning first gives the
    // first scan the same outcome instead of spreading whatever pattern matched init's name.
    const init = byPid.get(INIT_PID);
    if (init !== undefined) init.target = other;
    const idle = byPid.get(0);
    if (idle !== undefined) idle.target = other;

    // 1. Children without a group take their parent's (oldest first: parents settle before children).
    for (let found = true; found; ) {
      found = false;
      for (let i = live.length - 1; i >= 0; i--) {
        const e = live[i]!;
        if (e.target === NO_TARGET && e.parent !== undefined && e.parent.target !== NO_TARGET) {
          e.target = e.parent.target;
          found = true;
        }
      }
    }

    // 2. Merge childless processes into their parents, newest first as Netdata's list runs.
    for (let found = true; found; ) {
      found = false;
      for (const e of live) {
        const p = e.parent;
        if (
          e.children === 0 &&
          !e.merged &&
          p !== undefined &&
          p.children > 0 &&
          (e.target === p.target || p.target === NO_TARGET) &&
          e.ppid !== INIT_PID
        ) {
          p.children--;
          e.merged = true;
          if (e.target !== NO_TARGET && p.target === NO_TARGET) p.target = e.target;
          found = true;
        }
      }
    }

    // 3. Any top-level process left without a group is `other` (init and idle already are).
    for (const e of live) {
      if (!e.merged && e.target === NO_TARGET) e.target = other;
    }

    // 4. Merged processes still without a group take their parent's.
    for (let found = true; found; ) {
      found = false;
      for (let i = live.length - 1; i >= 0; i--) {
        const e = live[i]!;
        if (e.target === NO_TARGET && e.merged && e.parent !== undefined && e.parent.target !== NO_TARGET) {
          e.target = e.parent.target;
          found = true;
        }
      }
    }
  }

  #publish(live: PidEntry[]): void {
    let exposedChanged = false;
    const cgroups = new Set<string>();
    const services = new Set<string>();
    for (const e of live) {
      const t = e.target;
      if (t >= 0 && !this.#exposed[t]) {
        this.#exposed[t] = true;
        exposedChanged = true;
      }
      const c = e.cgroup;
      if (c.kind === 'cgroup') cgroups.add(c.name);
      else if (c.kind === 'service') services.add(c.name);
    }
    if (exposedChanged) this.#exposedList = Object.freeze(this.#names.filter((_, i) => this.#exposed[i]));
    if (!sameMembers(this.#cgroupList, cgroups)) this.#cgroupList = Object.freeze([...cgroups].sort());
    if (!sameMembers(this.#serviceList, services)) this.#serviceList = Object.freeze([...services].sort());
  }
}

/** What one scan does, shared by the loop that lists processes and {@link PidTable#see}. */
interface ScanPass {
  scan: number;
  readCgroups: boolean;
  refreshCgroups: boolean;
  fromNetdata: boolean;
  fresh: PidEntry[];
  added: number;
  removed: number;
  dropped: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sameClass(a: CgroupClass, b: CgroupClass): boolean {
  return a.kind === b.kind && (a.kind === 'none' || a.name === (b as { name: string }).name);
}

function sameMembers(list: ReadonlyArray<string>, set: ReadonlySet<string>): boolean {
  if (list.length !== set.size) return false;
  for (const x of list) if (!set.has(x)) return false;
  return true;
}

/** A /proc entry name as a PID, or -1 when it is not all digits. */
function parsePid(name: string): number {
  const len = name.length;
  if (len === 0 || len > 10) return -1;
  let pid = 0;
  for (let i = 0; i < len; i++) {
    const c = name.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    pid = pid * 10 + c;
  }
  return pid;
}

/**
 * Read a small file into `buf` with one read (procfs files return their
 * whole content, up to the buffer, in one call). Returns the byte count or
 * -1 when the file cannot be opened or read (the process went away).
 */
function readInto(path: string, buf: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}
