/**
 * Public types of the oomkill collector.
 */

/** Options of {@link createOomkillCollector}. */
export interface OomkillCollectorOptions {
  /** Path of the compiled `oomkill.bpf.o`. Default: the object shipped in this package. */
  objectPath?: string;
  /**
   * Where the cgroup hierarchies are mounted, to name a dead victim's cgroup
   * from the ids the kernel recorded. Default: read from `/proc/self/mountinfo`.
   */
  mountinfoPath?: string;
  /** Receives what each `collect()` read from the kernel (for debugging and fixtures). */
  onRead?: (reading: OomkillReading) => void;
}

/** One OOM victim as the kernel recorded it. */
export interface OomVictim {
  /** PID (thread group id) of the victim. */
  readonly pid: number;
  /** Times it was picked since the last read (1 unless the kernel picked it again). */
  readonly kills: bigint;
  /** Process name, `''` when the kernel could not say. */
  readonly comm: string;
  /** Real parent's PID, 0 when unknown. */
  readonly ppid: number;
  /**
   * kernfs ids of its cgroups: cpuset, io (blkio), memory and devices
   * hierarchies, then the unified one; 0 when unknown.
   */
  readonly cgroupIds: ReadonlyArray<bigint>;
  /** The task hitting the OOM was the victim itself: comm, parent and cgroups are its own. */
  readonly self: boolean;
}

/** The raw kernel values of one tick. */
export interface OomkillReading {
  /** `tbl_oomkill_stats` summed over CPUs: `[kills, lost]`, cumulative. */
  readonly counters: ReadonlyArray<bigint>;
  /** Victims recorded since the previous read (the table is emptied by the read). */
  readonly victims: ReadonlyArray<OomVictim>;
}

/** Where a victim's kills are charted. */
export interface OomAttribution {
  /** App group (`other` when nothing matches). */
  readonly app: string;
  /** Cgroup chart name, when it ran in a container/cgroup. */
  readonly cgroup?: string;
  /** systemd service, when it ran in one. */
  readonly service?: string;
  /** Directory of that cgroup or service, when known (charts stay while it exists). */
  readonly cgroupPath?: string;
}
